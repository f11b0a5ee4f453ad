//! `u`: undo a rollout. The chooser opens at once and reads the workload's revisions whole
//! (the watches keep no templates), the previous revision preselected; `enter` plans the undo
//! and its checks run; a workload with one revision says so; read-only refuses before reading.

use std::collections::BTreeMap;

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ms5_console::app::action::Action;
use ms5_console::app::event::{DataEvent, Effect};
use ms5_console::app::stage::Dialog;
use ms5_console::app::state::{AppState, Overlay};
use ms5_console::app::update::{apply, update};
use ms5_console::config::theme::Theme;
use ms5_console::ops::job::JobSpec;
use ms5_console::ops::plan::WriteAction;
use ms5_console::ops::revisions::{History, Revision};
use serde_json::json;

use crate::alert_views::key;
use crate::fixture::{draw, screen};
use crate::restart::on_workload;

fn revision(number: i64, tag: &str, source: &str) -> Revision {
    Revision {
        number,
        source_kind: "ReplicaSet",
        source: source.into(),
        images: vec![format!("ms5acr.azurecr.io/ms5-backend:{tag}")],
        created: Some("2026-11-20T10:00:00Z".parse().expect("a time")),
        template: json!({"spec": {"containers": [{"name": "backend", "image": format!("ms5acr.azurecr.io/ms5-backend:{tag}")}]}}),
        annotations: BTreeMap::from([(
            "deployment.kubernetes.io/revision".to_string(),
            number.to_string(),
        )]),
    }
}

fn backend_history() -> History {
    History {
        current: 3,
        revisions: vec![
            revision(3, "1.9.0", "backend-5bdc5c656"),
            revision(2, "1.8.3", "backend-66bcfd86f4"),
            revision(1, "1.8.2", "backend-7cd74d99d9"),
        ],
    }
}

/// `u`, the revisions asked for, then read.
fn chooser_with(s: &mut AppState, history: History) {
    let effects = key(s, KeyCode::Char('u'));
    let [
        Effect::ReadHistory {
            kind,
            namespace,
            name,
        },
    ] = effects.as_slice()
    else {
        panic!("the revisions are read: {effects:?}");
    };
    assert_eq!(*kind, "Deployment");
    assert!(screen(s, 120, 30).contains("reading the revisions..."));
    apply(
        s,
        DataEvent::History {
            namespace: namespace.clone(),
            name: name.clone(),
            result: Ok(Box::new(history)),
        },
    );
}

#[test]
fn u_lists_the_revisions_previous_first_and_plans_the_one_chosen() {
    let mut s = on_workload("ms5-production", "backend");
    chooser_with(&mut s, backend_history());
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("undo_chooser_{w}x{h}"), screen(&s, w, h));
    }
    let theme = Theme::builtin("default").unwrap();
    let buffer = draw(&s, 120, 30, &theme, false);
    let (x, y) = crate::slo_views::find(&buffer, "> revision 2");
    assert_eq!(buffer[(x, y)].fg, theme.style("accent").fg.unwrap());
    // Down to revision 1, and plan it.
    key(&mut s, KeyCode::Char('j'));
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::StartJob { spec, .. }] = effects.as_slice() else {
        panic!("the checks start: {effects:?}");
    };
    let JobSpec::Check(plan) = spec else {
        panic!("a check: {spec:?}");
    };
    let WriteAction::Rollout(change) = &plan.action else {
        panic!("a rollout action: {plan:?}");
    };
    assert_eq!(
        change.field_change(),
        "revision 3 (ms5-backend:1.9.0) -> revision 1 (ms5-backend:1.8.2), which becomes revision 4"
    );
    assert_eq!(plan.verb(), "rollout-undo");
    let text = screen(&s, 120, 30);
    assert!(text.contains("event    RolloutUndoRequested"), "{text}");
    // The patch puts revision 1's template back and fails if the Deployment moved on.
    let ops = change.ops(&plan.write);
    assert!(ops.as_array().unwrap().iter().any(|op| op["op"] == "test"
        && op["path"] == "/metadata/annotations/deployment.kubernetes.io~1revision"
        && op["value"] == "3"));
    assert!(ops.to_string().contains("ms5-backend:1.8.2"));
}

#[test]
fn a_paused_deployments_undo_says_it_resumes_it() {
    let mut s = on_workload("ms5-staging", "backend");
    let mut history = backend_history();
    history.current = 4;
    history
        .revisions
        .insert(0, revision(4, "1.9.1", "backend-x"));
    chooser_with(&mut s, history);
    let effects = key(&mut s, KeyCode::Enter);
    assert_eq!(effects.len(), 1, "{effects:?}");
    let text = screen(&s, 120, 40);
    assert!(
        text.contains("revision 5; spec.paused true -> false"),
        "{text}"
    );
    assert!(
        text.contains("the undo resumes it in the same request"),
        "{text}"
    );
}

#[test]
fn a_workload_with_one_revision_has_nothing_to_undo_to() {
    let mut s = on_workload("ms5-staging", "celery-beat");
    chooser_with(
        &mut s,
        History {
            current: 1,
            revisions: vec![revision(1, "1.9.0", "celery-beat-1")],
        },
    );
    assert!(s.overlay.is_none());
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("celery-beat has only revision 1: there is nothing to undo to"),
        "{text}"
    );
}

#[test]
fn esc_in_the_chooser_sends_nothing_and_read_only_refuses_before_reading() {
    let mut s = on_workload("ms5-production", "backend");
    chooser_with(&mut s, backend_history());
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.overlay.is_none());

    let mut s = on_workload("ms5-production", "backend");
    s.readonly = true;
    assert!(update(&mut s, Action::Undo).is_empty());
    assert!(!matches!(
        s.overlay,
        Some(Overlay::Dialog(Dialog::UndoChooser(_)))
    ));
    assert!(screen(&s, 120, 30).contains("read-only: cannot undo a rollout"));
}
