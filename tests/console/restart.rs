//! `r` on the Rollouts view: a restart planned from the workload as the watch holds it, checked
//! (RBAC, server dry run) before it can be confirmed; in a protected namespace confirmed only by
//! typing the object's name; refused in read-only mode before anything is planned.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ms5_console::app::action::Action;
use ms5_console::app::event::{DataEvent, Effect};
use ms5_console::app::stage::Dialog;
use ms5_console::app::state::{AppState, Overlay, ViewId};
use ms5_console::app::update::{apply, handle_key, update};
use ms5_console::config::keymap::Keymap;
use ms5_console::config::theme::Theme;
use ms5_console::ops::job::{JobEvent, JobOutcome, JobSpec};
use ms5_console::ops::plan::{Target, WriteAction};

use crate::alert_views::{key, type_text};
use crate::fixture::{draw, screen, state};

pub fn on_workload(namespace: &str, name: &str) -> AppState {
    let mut s = state();
    s.view = ViewId::Rollouts;
    ms5_console::app::rows::refresh(&mut s);
    let at = s
        .rows
        .workloads
        .iter()
        .position(|w| w.namespace == namespace && w.name == name)
        .expect("the workload");
    s.table_mut(ViewId::Rollouts).selected = at;
    s
}

/// `r`, then the checks pass with these findings.
fn restart_checked(s: &mut AppState) {
    let effects = key(s, KeyCode::Char('r'));
    let [Effect::StartJob { job, spec }] = effects.as_slice() else {
        panic!("the checks start: {effects:?}");
    };
    let JobSpec::Check(plan) = spec else {
        panic!("a check: {spec:?}");
    };
    assert!(matches!(plan.action, WriteAction::Rollout(_)), "{plan:?}");
    let text = screen(s, 120, 30);
    assert!(text.contains("Checking: nothing is sent yet"), "{text}");
    assert!(
        text.contains("change   restartedAt (none) -> 2026-11-27T10:00:00Z"),
        "{text}"
    );
    for finding in [
        "RBAC: may patch deployments.apps in ms5-production: allowed",
        "warning: the change is allowed; its Event will not be recorded (kube user clusterUser_ms5 (context aks-ms5-prod) may not create events in ms5-production)",
        "server dry run: the server accepts this (resourceVersion 812; nothing changed)",
    ] {
        apply(
            s,
            DataEvent::Job(JobEvent::Progress {
                job: *job,
                text: finding.into(),
            }),
        );
    }
    apply(
        s,
        DataEvent::Job(JobEvent::Finished {
            job: *job,
            outcome: JobOutcome::Succeeded("accepted".into()),
        }),
    );
}

#[test]
fn in_a_protected_namespace_only_the_typed_name_sends() {
    let mut s = on_workload("ms5-production", "backend");
    restart_checked(&mut s);
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("restart_confirm_typed_{w}x{h}"), screen(&s, w, h));
    }
    let theme = Theme::builtin("default").unwrap();
    let buffer = draw(&s, 120, 30, &theme, false);
    let (x, y) = crate::slo_views::find(&buffer, "warning: the change is allowed");
    assert_eq!(buffer[(x, y)].fg, theme.style("warning").fg.unwrap());
    let (x, y) = crate::slo_views::find(&buffer, "server dry run: the server accepts");
    assert_eq!(buffer[(x, y)].fg, theme.style("ok").fg.unwrap());
    // The footer says what the dialog asks (issue 31), not `y confirm`: y is a letter here.
    let footer = screen(&s, 120, 30)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        footer.contains("type the name in a protected namespace") && !footer.contains("y/enter"),
        "{footer}"
    );
    // `y` is a letter here; a wrong name sends nothing.
    assert!(type_text(&mut s, "y").is_empty());
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "backen");
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(screen(&s, 120, 30).contains("type backend exactly to send"));
    type_text(&mut s, "d");
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Write(plan)] = effects.as_slice() else {
        panic!("the typed name sends: {effects:?}");
    };
    let Target::Kube(object) = &plan.target else {
        panic!("a Kubernetes target");
    };
    assert_eq!(
        (object.namespace.as_str(), object.name.as_str()),
        ("ms5-production", "backend")
    );
    assert!(matches!(
        s.overlay,
        Some(Overlay::Dialog(Dialog::Sending { .. }))
    ));
}

#[test]
fn ctrl_c_or_esc_while_typing_the_name_sends_nothing() {
    for cancel in [
        KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE),
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
    ] {
        let mut s = on_workload("ms5-production", "backend");
        restart_checked(&mut s);
        type_text(&mut s, "backend");
        let effects = handle_key(&mut s, &Keymap::default_keymap(), cancel);
        assert!(effects.is_empty(), "{effects:?}");
        assert!(s.overlay.is_none());
    }
}

#[test]
fn elsewhere_y_sends_after_the_checks() {
    let mut s = on_workload("ms5-staging", "backend");
    restart_checked(&mut s);
    let text = screen(&s, 120, 30);
    assert!(!text.contains("protected namespace"), "{text}");
    let effects = key(&mut s, KeyCode::Char('y'));
    assert!(
        matches!(effects.as_slice(), [Effect::Write(_)]),
        "{effects:?}"
    );
}

#[test]
fn read_only_refuses_a_restart_before_planning_it() {
    let mut s = on_workload("ms5-staging", "backend");
    s.readonly = true;
    assert!(update(&mut s, Action::Restart).is_empty());
    assert!(s.overlay.is_none());
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("read-only: cannot restart a workload"),
        "{text}"
    );
}

fn planned_change(effects: &[Effect]) -> String {
    let [Effect::StartJob { spec, .. }] = effects else {
        panic!("the checks start: {effects:?}");
    };
    let JobSpec::Check(plan) = spec else {
        panic!("a check: {spec:?}");
    };
    let WriteAction::Rollout(change) = &plan.action else {
        panic!("a rollout action: {plan:?}");
    };
    format!("{} {}", plan.target_words(), change.field_change())
}

#[test]
fn p_pauses_a_deployment_resumes_a_paused_one_and_explains_a_statefulset() {
    let mut s = on_workload("ms5-production", "backend");
    let effects = key(&mut s, KeyCode::Char('p'));
    assert_eq!(
        planned_change(&effects),
        "deployment ms5-production/backend spec.paused false -> true"
    );
    // The fixture's staging backend is paused.
    let mut s = on_workload("ms5-staging", "backend");
    let effects = key(&mut s, KeyCode::Char('p'));
    assert_eq!(
        planned_change(&effects),
        "deployment ms5-staging/backend spec.paused true -> false"
    );
    let mut s = on_workload("ms5-production", "postgres");
    assert!(key(&mut s, KeyCode::Char('p')).is_empty());
    assert!(
        screen(&s, 120, 30).contains("postgres is a StatefulSet: StatefulSets cannot be paused")
    );
}

#[test]
fn equals_asks_for_a_count_says_why_one_cannot_be_used_and_plans_a_good_one() {
    let mut s = on_workload("ms5-production", "frontend");
    assert!(key(&mut s, KeyCode::Char('=')).is_empty());
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("scale_form_{w}x{h}"), screen(&s, w, h));
    }
    for (typed, why) in [
        ("x", "\"x\" is not a number of replicas"),
        ("-1", "replicas cannot be negative"),
        ("2", "already 2: nothing to do"),
        ("5000", "write at most 1000"),
    ] {
        handle_key(
            &mut s,
            &Keymap::default_keymap(),
            KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
        );
        type_text(&mut s, typed);
        assert!(key(&mut s, KeyCode::Enter).is_empty(), "{typed}");
        assert!(screen(&s, 120, 30).contains(why), "{typed}: {why}");
        assert!(matches!(
            s.overlay,
            Some(Overlay::Dialog(Dialog::ScaleForm(_)))
        ));
    }
    handle_key(
        &mut s,
        &Keymap::default_keymap(),
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
    );
    type_text(&mut s, "4");
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(
        planned_change(&effects),
        "deployment ms5-production/frontend spec.replicas 2 -> 4"
    );
}

#[test]
fn equals_on_an_autoscaled_workload_plans_the_autoscalers_minimum() {
    let mut s = on_workload("ms5-production", "backend");
    let hpa: k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler =
        serde_json::from_value(serde_json::json!({
            "metadata": {"name": "backend", "namespace": "ms5-production", "generation": 1},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend"},
                     "minReplicas": 3, "maxReplicas": 4},
        }))
        .unwrap();
    apply(
        &mut s,
        DataEvent::kube(ms5_console::app::event::KubeChange::Autoscalers(
            ms5_console::app::event::Change::Applied(hpa),
        )),
    );
    key(&mut s, KeyCode::Char('='));
    handle_key(
        &mut s,
        &Keymap::default_keymap(),
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
    );
    type_text(&mut s, "5");
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(
        planned_change(&effects),
        "horizontalpodautoscaler ms5-production/backend spec.minReplicas 3 -> 5, spec.maxReplicas 4 -> 5"
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("the autoscaler keeps at least 5 replicas"),
        "{text}"
    );
}

#[test]
fn capital_d_plans_deleting_the_pod_and_says_what_replaces_it() {
    let mut s = state();
    s.view = ViewId::Pods;
    ms5_console::app::rows::refresh(&mut s);
    let at = s
        .rows
        .pods
        .iter()
        .position(|p| p.name == "backend-5bdc5c656-mntgf")
        .unwrap();
    s.table_mut(ViewId::Pods).selected = at;
    let effects = key(&mut s, KeyCode::Char('D'));
    let [Effect::StartJob { spec, .. }] = effects.as_slice() else {
        panic!("the checks start: {effects:?}");
    };
    let JobSpec::Check(plan) = spec else {
        panic!("a check: {spec:?}");
    };
    assert_eq!(plan.verb(), "delete-pod");
    let text = screen(&s, 120, 30);
    // The dialog wraps long lines: read it as words.
    let words: String = text
        .lines()
        .map(|l| l.split('│').nth(2).unwrap_or_default().trim())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        words.contains("DELETE /api/v1/namespaces/ms5-production/pods/backend-5bdc5c656-mntgf (only if its uid is still uid-backend-5bdc5c656-mntgf)"),
        "{words}"
    );
    assert!(
        text.contains(
            "then     ReplicaSet backend-5bdc5c656 (Deployment backend) starts a replacement"
        ),
        "{text}"
    );
    assert!(screen(&s, 120, 30).contains("Checking: nothing is sent yet"));
    // Read-only: refused before planning.
    let mut s = state();
    s.view = ViewId::Pods;
    s.readonly = true;
    ms5_console::app::rows::refresh(&mut s);
    assert!(key(&mut s, KeyCode::Char('D')).is_empty());
    assert!(screen(&s, 120, 30).contains("read-only: cannot delete a pod"));
}

#[test]
fn f_follows_any_rollout_a_finished_one_ends_a_stalled_one_goes_on() {
    let mut s = on_workload("ms5-production", "postgres");
    key(&mut s, KeyCode::Char('f'));
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("Following StatefulSet ms5-production/postgres"),
        "{text}"
    );
    assert!(text.contains("ended: complete"), "{text}");
    // An ended rollout's time stands still: said as what it took, not an `elapsed` that froze.
    assert!(
        text.contains("took ") && !text.contains("elapsed "),
        "{text}"
    );
    key(&mut s, KeyCode::Esc);
    assert!(s.overlay.is_none());
    // frontend's rollout passed its progress deadline: followed still (it can finish or be
    // undone), and the Rollouts row says so.
    let mut s = on_workload("ms5-production", "frontend");
    key(&mut s, KeyCode::Char('f'));
    let text = screen(&s, 120, 30);
    assert!(text.contains("following..."), "{text}");
    assert!(!text.contains("ended:"), "{text}");
    assert!(text.contains("elapsed "), "{text}");
    key(&mut s, KeyCode::Esc);
    let text = screen(&s, 160, 45);
    let row = text
        .lines()
        .find(|l| l.contains(" frontend ") && l.contains("ms5-production"))
        .unwrap();
    assert!(row.contains("followed"), "{row}");
}

/// A Deployment of the fixture as the watch would bring it at `generation`, after someone
/// set a new image (a new pod template: a new rollout).
fn at_generation(name: &str, generation: i64) -> DataEvent {
    use ms5_console::app::event::{Change, KubeChange};
    let mut deployment = crate::fixture::deployments()
        .into_iter()
        .find(|d| d["metadata"]["name"] == name)
        .expect("in the fixture");
    deployment["metadata"]["generation"] = generation.into();
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] =
        format!("ms5acr.azurecr.io/ms5-{name}:9.9.{generation}").into();
    DataEvent::kube(KubeChange::Deployments(Change::Applied(
        serde_json::from_value(deployment).expect("a Deployment"),
    )))
}

#[test]
fn f_goes_on_to_the_workloads_next_change() {
    let mut s = on_workload("ms5-production", "frontend");
    key(&mut s, KeyCode::Char('f'));
    // Someone sets a new image while the stalled rollout is followed: generation 4.
    apply(&mut s, at_generation("frontend", 4));
    let text = screen(&s, 120, 30);
    assert!(text.contains("a new change: generation 4"), "{text}");
    assert!(text.contains("following..."), "{text}");
}

#[test]
fn the_consoles_own_rollout_changed_again_ends_superseded() {
    let mut s = on_workload("ms5-staging", "celery-beat");
    let write = restart_sent(&mut s);
    apply(
        &mut s,
        DataEvent::WriteOutcome {
            write,
            result: Ok("restarted".into()),
        },
    );
    // The restart made generation 2; someone else's change makes 3 before it completes.
    apply(&mut s, at_generation("celery-beat", 3));
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("ended: superseded by another change (generation 3)"),
        "{text}"
    );
    let waiting: Vec<_> = ms5_console::app::outbox::take(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            ms5_console::app::event::Effect::RecordConclusion(c) => Some(c),
            _ => None,
        })
        .collect();
    let [concluded] = waiting.as_slice() else {
        panic!("one concluded line waits: {waiting:?}");
    };
    assert_eq!(concluded.how, "superseded by another change (generation 3)");
}

/// The colour the theme gives `role`, where `text` is drawn.
pub fn colour_of(s: &AppState, width: u16, height: u16, text: &str, role: &str) {
    let theme = Theme::builtin("default").unwrap();
    let buffer = draw(s, width, height, &theme, false);
    let (x, y) = crate::slo_views::find(&buffer, text);
    assert_eq!(
        buffer[(x, y)].fg,
        theme.style(role).fg.unwrap(),
        "{text} in the {role} colour at {width}x{height}"
    );
}

#[test]
fn a_refused_restart_says_why_in_the_critical_colour_and_sends_nothing() {
    let mut s = on_workload("ms5-production", "backend");
    let effects = key(&mut s, KeyCode::Char('r'));
    let [Effect::StartJob { job, .. }] = effects.as_slice() else {
        panic!("the checks start: {effects:?}");
    };
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("restart_checking_{w}x{h}"), screen(&s, w, h));
        colour_of(&s, w, h, "checking...", "stale");
    }
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Finished {
            job: *job,
            outcome: JobOutcome::Failed(
                "RBAC: kube user viewer (context ms5-sim-viewer) may not patch deployments.apps in ms5-production".into(),
            ),
        }),
    );
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("restart_refused_{w}x{h}"), screen(&s, w, h));
        colour_of(&s, w, h, "refused:", "critical");
    }
    assert!(
        key(&mut s, KeyCode::Char('y')).is_empty(),
        "confirm does nothing"
    );
}

/// A restart checked in ms5-staging (not protected), sent with `y`: the write id.
fn restart_sent(s: &mut AppState) -> String {
    restart_checked(s);
    let effects = key(s, KeyCode::Char('y'));
    let [Effect::Write(plan)] = effects.as_slice() else {
        panic!("sent: {effects:?}");
    };
    plan.write.clone()
}

#[test]
fn a_sent_restart_opens_the_progress_pane_with_its_answer() {
    let mut s = on_workload("ms5-staging", "backend");
    let write = restart_sent(&mut s);
    apply(
        &mut s,
        DataEvent::WriteOutcome {
            write,
            result: Ok("deployment ms5-staging/backend restartedAt (none) -> 2026-11-27T10:00:00Z (resourceVersion 813); Event RolloutRestartRequested recorded (backend.1)".into()),
        },
    );
    assert!(matches!(s.overlay, Some(Overlay::Follow { .. })));
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("restart_following_{w}x{h}"), screen(&s, w, h));
        colour_of(&s, w, h, "done: deployment", "ok");
    }
}

#[test]
fn a_restart_whose_answer_never_came_is_followed_and_says_the_outcome_is_unknown() {
    let mut s = on_workload("ms5-staging", "backend");
    let write = restart_sent(&mut s);
    apply(
        &mut s,
        DataEvent::WriteOutcome {
            write,
            result: Err(ms5_console::ops::error::WriteFailure::Unanswered("the change may have been applied: the outcome is unknown (client error (SendRequest)); the watch will show what happened".into())),
        },
    );
    assert!(
        matches!(s.overlay, Some(Overlay::Follow { .. })),
        "{:?}",
        s.overlay
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("Following Deployment ms5-staging/backend"),
        "{text}"
    );
    assert!(
        text.contains("waiting for the change to come back through the watch"),
        "{text}"
    );
    colour_of(&s, 120, 30, "the change may have been applied", "warning");
}

#[test]
fn read_only_following_offers_no_write_keys() {
    let mut s = on_workload("ms5-production", "frontend");
    s.readonly = true;
    key(&mut s, KeyCode::Char('f'));
    assert!(matches!(s.overlay, Some(Overlay::Follow { .. })));
    let footer = screen(&s, 120, 30)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(footer.contains("esc close"), "{footer}");
    assert!(
        !footer.contains("undo") && !footer.contains("pause") && !footer.contains("read-only"),
        "{footer}"
    );
    assert!(key(&mut s, KeyCode::Char('u')).is_empty());
    assert!(screen(&s, 120, 30).contains("read-only: cannot undo a rollout"));
}

#[test]
fn a_request_refused_as_changed_since_the_plan_offers_to_plan_again() {
    let mut s = on_workload("ms5-staging", "celery-beat");
    let write = restart_sent(&mut s);
    apply(
        &mut s,
        DataEvent::WriteOutcome {
            write: write.clone(),
            result: Err(ms5_console::ops::error::WriteFailure::Conflict("changed since you planned (the server rejected our request due to an error in our request); nothing was changed: plan again".into())),
        },
    );
    let text = screen(&s, 120, 30);
    assert!(text.contains("y/enter plan again"), "{text}");
    let effects = key(&mut s, KeyCode::Char('y'));
    let [Effect::StartJob { spec, .. }] = effects.as_slice() else {
        panic!("planned again and checked: {effects:?}");
    };
    let JobSpec::Check(plan) = spec else {
        panic!("a check: {spec:?}");
    };
    assert_ne!(plan.write, write, "a new write");
    assert_eq!(plan.target_words(), "deployment ms5-staging/celery-beat");
    assert_eq!(plan.verb(), "rollout-restart");
}
