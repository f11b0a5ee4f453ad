//! Paged, console only, in an SSH-sized terminal (80x24): the Overview lists what changed before
//! the page, the change that caused it first; the fastest path from there to the change's own
//! view, and to the undo sent, is counted in keys as the person would press them.

use std::time::Duration;

use crate::tmux::{START, Tmux};

/// The keys pressed so far: a named key (`Enter`) is one, a typed word one per letter.
struct Keyboard<'a> {
    t: &'a Tmux,
    pressed: usize,
}

impl Keyboard<'_> {
    fn press(&mut self, keys: &[&str]) {
        for k in keys {
            let named = k.len() > 1 && k.chars().next().is_some_and(char::is_uppercase);
            self.pressed += if named { 1 } else { k.chars().count() };
            self.t.keys(&[k]);
        }
    }
}

/// From the backend's follow pane: `u`, the previous revision (3, preselected), `enter`, the
/// name typed, `enter`; the undo is sent within 15 keys of the Overview in all.
fn undo_backend_to_revision_3(keyboard: &mut Keyboard) {
    let t = keyboard.t;
    keyboard.press(&["u"]);
    t.wait_for("> revision 3", Duration::from_secs(10));
    keyboard.press(&["Enter"]);
    t.wait_for("protected namespace: type backend", Duration::from_secs(15));
    keyboard.press(&["backend", "Enter"]);
    t.wait_for("RolloutUndoRequested recorded", Duration::from_secs(15));
    assert!(
        keyboard.pressed <= 15,
        "{} keys to the undo",
        keyboard.pressed
    );
}

/// The lines of the Overview's "Changed ... before" panel, once it lists `first` first.
fn changes_listing(t: &Tmux, first: &str, timeout: Duration) -> Vec<String> {
    let screen = t.wait_until("the change listed first before the page", timeout, |s| {
        changes(s).first().is_some_and(|l| l.contains(first))
    });
    let lines = changes(&screen);
    assert!(
        lines[0].starts_with('>'),
        "the first change is selected:\n{screen}"
    );
    lines
}

/// The changes panel's rows, top first.
fn changes(screen: &str) -> Vec<String> {
    screen
        .lines()
        .skip_while(|l| !l.contains("Changes before"))
        .skip(1)
        .take_while(|l| l.starts_with('│'))
        .map(|l| l.trim_matches('│').trim_end().to_string())
        .collect()
}

/// `bad-release`: paged by backend-availability; the rollout of 1.9.2 is the first change,
/// said with its images, revision and who made it; `enter` is its follow pane, and the undo
/// is sent within 15 keys, the name typed.
#[test]
fn bad_release_the_rollout_is_first_before_the_page_and_undone_in_a_dozen_keys() {
    let Some(t) = Tmux::start_sized(
        "sus-release",
        "demo --scenario bad-release --speed 4",
        (80, 24),
    ) else {
        return;
    };
    t.wait_for("k8s live", START);
    let lines = changes_listing(
        &t,
        "deploy/backend 1.9.0 -> 1.9.2 (rev 4) by helm",
        Duration::from_secs(300),
    );
    let screen = t.screen();
    assert!(
        screen.contains("before backend-availability PAGE "),
        "anchored on the page:\n{screen}"
    );
    assert!(lines[0].contains("s before"), "{lines:?}");
    let mut keyboard = Keyboard { t: &t, pressed: 0 };
    keyboard.press(&["Enter"]);
    t.wait_for(
        "Following Deployment ms5-production/backend",
        Duration::from_secs(10),
    );
    assert!(
        keyboard.pressed <= 5,
        "{} keys to the rollout",
        keyboard.pressed
    );
    undo_backend_to_revision_3(&mut keyboard);
    let image = t.kubectl(&[
        "get",
        "deploy/backend",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "ms5acr.azurecr.io/ms5-backend:1.9.0");
}

/// `config-crashloop`: a ConfigMap applied, then a restart to pick it up, then crash loops.
/// Both changes are listed, the ConfigMap first (the restart is how it took effect), with the
/// managers that made them; `enter` goes to the backend that mounts it.
#[test]
fn config_crashloop_lists_the_configmap_above_the_restart_that_picked_it_up() {
    let Some(t) = Tmux::start_sized(
        "sus-config",
        "demo --scenario config-crashloop --speed 4",
        (80, 24),
    ) else {
        return;
    };
    t.wait_for("k8s live", START);
    let lines = changes_listing(
        &t,
        "cm/backend-config changed by kubectl-client-side-apply",
        Duration::from_secs(180),
    );
    assert!(
        lines
            .get(1)
            .is_some_and(|l| l.contains("deploy/backend restarted (rev 4) by kubectl-rollout")),
        "{lines:?}"
    );
    let mut keyboard = Keyboard { t: &t, pressed: 0 };
    keyboard.press(&["Enter"]);
    t.wait_for(
        "Following Deployment ms5-production/backend",
        Duration::from_secs(10),
    );
    assert!(
        keyboard.pressed <= 5,
        "{} keys to the workload",
        keyboard.pressed
    );
    // kubectl agrees on who wrote the ConfigMap.
    let managers = t.kubectl(&[
        "get",
        "cm/backend-config",
        "--show-managed-fields",
        "-o",
        "jsonpath={.metadata.managedFields[*].manager}",
    ]);
    assert!(managers.contains("kubectl-client-side-apply"), "{managers}");
}

/// `node-pressure`, paged by MS5DatabaseDown: the database node's pressure and the eviction of
/// postgres-0 are the changes before it; `enter` shows the evicted pod, the node one key on.
#[test]
fn node_pressure_lists_the_eviction_and_the_pressure_before_the_database_went_down() {
    let Some(t) = Tmux::start_sized("sus-node", "demo --scenario node-pressure", (80, 24)) else {
        return;
    };
    t.wait_for("k8s live", START);
    let lines = changes_listing(&t, "pod/postgres-0 evicted", Duration::from_secs(120));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("node/aks-db") && l.contains("MemoryPressure")),
        "{lines:?}"
    );
    let screen = t.screen();
    assert!(screen.contains("before MS5DatabaseDown "), "{screen}");
    let mut keyboard = Keyboard { t: &t, pressed: 0 };
    keyboard.press(&["Enter"]);
    t.wait_for("Pod ms5-production/postgres-0", Duration::from_secs(10));
    // The node's line, wherever it ranks: a nightly backup Job that started within the window
    // (a run near 02:00 UTC) is the database's too, and ranks above the node.
    let node = lines
        .iter()
        .position(|l| l.contains("node/aks-db"))
        .expect("the node's line");
    keyboard.press(&["1"]);
    for _ in 0..node {
        keyboard.press(&["j"]);
    }
    keyboard.press(&["Enter"]);
    t.wait_for("Node aks-db-27183645-vmss000000", Duration::from_secs(10));
    assert!(
        keyboard.pressed <= 5,
        "{} keys to the node",
        keyboard.pressed
    );
}

/// `bad-rollout`, paged when the rollout is stuck: the rollout of 1.9.1 is first; undone
/// within 15 keys.
#[test]
fn bad_rollout_the_stuck_rollout_is_first_and_undone_in_a_dozen_keys() {
    let Some(t) = Tmux::start_sized(
        "sus-rollout",
        "demo --scenario bad-rollout --speed 4",
        (80, 24),
    ) else {
        return;
    };
    t.wait_for("k8s live", START);
    changes_listing(
        &t,
        "deploy/backend 1.9.0 -> 1.9.1 (rev 4) by helm",
        Duration::from_secs(240),
    );
    let mut keyboard = Keyboard { t: &t, pressed: 0 };
    keyboard.press(&["Enter"]);
    t.wait_for(
        "Following Deployment ms5-production/backend",
        Duration::from_secs(10),
    );
    undo_backend_to_revision_3(&mut keyboard);
}
