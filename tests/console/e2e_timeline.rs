//! The timeline in a real terminal against the sim: `bad-rollout` told in order as it happens
//! (rollout started, the new pod unready, the progress deadline exceeded, then the alert), the
//! same entries, at the same times, marked rebuilt by a console started afterwards, and after
//! an undo the rollback and the alert resolving.

use std::time::Duration;

use crate::tmux::{START, Tmux, free_port, require, start_sim_with};

/// What marks each stage of the story on a timeline row, in the order they happen.
const STORY: [&str; 4] = [
    "rollout started: revision 4",
    "unready past",
    "progress deadline exceeded",
    "MS5RolloutStuck",
];

/// Each stage's row: (time, the rest of the row from OBJECT on, seen), from the screen.
fn story(screen: &str) -> Vec<(usize, String, String, String)> {
    STORY
        .iter()
        .map(|marker| {
            let (index, line) = screen
                .lines()
                .enumerate()
                .find(|(_, l)| l.contains(marker) && l.contains("ms5-production"))
                .unwrap_or_else(|| panic!("`{marker}` not on the timeline:\n{screen}"));
            let cells: Vec<&str> = line.trim_matches('│').split_whitespace().collect();
            let seen = cells.get(3).copied().unwrap_or_default().to_string();
            let object = cells.get(5).copied().unwrap_or_default().to_string();
            (index, cells[0].to_string(), object, seen)
        })
        .collect()
}

#[test]
fn bad_rollout_is_told_in_order_live_and_the_same_rebuilt_by_a_later_console() {
    if !require("tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut sim = start_sim_with(
        port,
        dir.path(),
        &["--scenario", "bad-rollout", "--speed", "4"],
    );
    let kubeconfig = format!(
        "--kubeconfig {}",
        dir.path().join("sim.kubeconfig").display()
    );
    let Some(live) = Tmux::start_with("timeline-live", &kubeconfig) else {
        let _ = sim.kill();
        let _ = sim.wait();
        return;
    };
    live.wait_for("k8s live", START);
    live.keys(&[":tl", "Enter"]);
    let screen = live.wait_until("the alert on the timeline", Duration::from_secs(120), |s| {
        STORY.iter().all(|m| s.contains(m))
    });
    let seen_live = story(&screen);
    // Newest first: each later stage sits above the one before it, and at a time not earlier.
    for pair in seen_live.windows(2) {
        assert!(pair[1].0 < pair[0].0, "out of order:\n{screen}");
        assert!(pair[1].1 >= pair[0].1, "times go back:\n{screen}");
    }
    assert!(
        seen_live.iter().all(|(_, _, _, seen)| seen == "live"),
        "{screen}"
    );

    // A console started now, after all of it, rebuilds the same entries from what the cluster
    // and Alertmanager still hold.
    let Some(later) = Tmux::start_with("timeline-rebuilt", &kubeconfig) else {
        let _ = sim.kill();
        let _ = sim.wait();
        return;
    };
    later.wait_for("k8s live", START);
    later.keys(&[":tl", "Enter"]);
    let screen = later.wait_until("the story rebuilt", Duration::from_secs(60), |s| {
        STORY.iter().all(|m| s.contains(m))
    });
    let rebuilt = story(&screen);
    for (live, rebuilt) in seen_live.iter().zip(&rebuilt) {
        assert_eq!((&live.1, &live.2), (&rebuilt.1, &rebuilt.2), "{screen}");
        assert_eq!(rebuilt.3, "rebuilt", "{screen}");
    }
    // An undo by hand (kubectl, not the console): the rollback and the rollout alert resolving
    // once Alertmanager no longer has it.
    let undo = std::process::Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(dir.path().join("sim.kubeconfig"))
        .args(["-n", "ms5-production", "rollout", "undo", "deploy/backend"])
        .output()
        .unwrap();
    assert!(
        undo.status.success(),
        "{}",
        String::from_utf8_lossy(&undo.stderr)
    );
    let screen = live.wait_for("resolved after", Duration::from_secs(90));
    assert!(screen.contains("rolled back: revision 5"), "{screen}");
    for t in [&live, &later] {
        t.keys(&["q"]);
        assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
    }
    let _ = sim.kill();
    let _ = sim.wait();
}
