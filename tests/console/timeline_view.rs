//! `:timeline`: entries rebuilt from what the fixture cluster holds beside ones seen live after
//! the console started, in time order, with colours; `/`, `w`, `enter` to the object, and `m`
//! notes (an empty one refused where it is typed).

use chrono::Duration;
use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ms5_console::app::event::{Change, DataEvent, Effect, KubeChange, PromEvent};
use ms5_console::app::rows;
use ms5_console::app::state::{AppState, Input, ViewId};
use ms5_console::app::update::apply;
use ms5_console::config::theme::Theme;
use ms5_console::slo::crossings::Crossing;
use ms5_console::timeline::Seen;
use ratatui::style::Color;
use serde_json::{Value, json};

use crate::alert_views::{key, type_text};
use crate::fixture::{alert_fixture, draw, now, screen, state};
use crate::slo_views::find;

fn at(seconds: i64) -> String {
    (now() + Duration::seconds(seconds)).to_rfc3339()
}

fn decode<K: serde::de::DeserializeOwned>(value: Value) -> K {
    serde_json::from_value(value).unwrap()
}

/// The fixture as a console started at `now()` rebuilds it, then a bad rollout seen live: a
/// new ReplicaSet at +60 s, its pod unready from +62 s, the deadline exceeded at +97 s, the
/// rollout alert from +105 s, and a note at +120 s.
pub fn timeline_state() -> AppState {
    let mut s = state();
    // Prometheus' past, read at start: the backend's page began 40 minutes before.
    let began = (now() - Duration::minutes(40)).timestamp() as f64;
    apply(
        &mut s,
        DataEvent::Prometheus(Box::new(PromEvent::Crossings(Ok(vec![Crossing {
            slo: "backend-availability".into(),
            condition: 0,
            at: began,
            began: true,
            at_start: false,
        }])))),
    );
    s.now = now() + Duration::seconds(60);
    let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "backend-9f8e7d6c5", "namespace": "ms5-production", "creationTimestamp": at(60),
            "annotations": {"deployment.kubernetes.io/revision": "4"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend", "uid": "u", "controller": true}]},
        "spec": {"replicas": 1, "selector": {}, "template": {"spec": {"containers": [
            {"name": "backend", "image": "ms5acr.azurecr.io/ms5-backend:1.9.1"}]}}}});
    apply(
        &mut s,
        DataEvent::kube(KubeChange::ReplicaSets(Change::Applied(decode(rs)))),
    );
    let pod = crate::fixture::pod(
        "ms5-production",
        "backend-9f8e7d6c5-q7x2k",
        ("ReplicaSet", "backend-9f8e7d6c5"),
        "aks-app-27183645-vmss000001",
        "Running",
        vec![
            json!({"name": "app", "ready": false, "restartCount": 0, "image": "x", "imageID": "",
            "state": {"running": {"startedAt": at(61)}}}),
        ],
        json!({"status": {"conditions": [{"type": "Ready", "status": "False", "lastTransitionTime": at(62)}]}}),
    );
    apply(
        &mut s,
        DataEvent::kube(KubeChange::pods(Change::Applied(decode(pod)))),
    );
    // Not yet past the threshold; the clock passing it is enough (no update comes).
    s.now = now() + Duration::seconds(95);
    ms5_console::app::timeline::tick(&mut s);
    s.now = now() + Duration::seconds(100);
    let mut deployments = crate::fixture::deployments();
    let backend = &mut deployments[0];
    backend["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("4");
    backend["status"]["conditions"] = json!([{"type": "Progressing", "status": "False",
        "reason": "ProgressDeadlineExceeded", "lastTransitionTime": at(97), "lastUpdateTime": at(97),
        "message": "ReplicaSet \"backend-9f8e7d6c5\" has timed out progressing."}]);
    apply(
        &mut s,
        DataEvent::kube(KubeChange::Deployments(Change::Applied(decode(
            deployments[0].clone(),
        )))),
    );
    s.now = now() + Duration::seconds(110);
    let mut alerts = alert_fixture::alerts();
    let mut stuck = alert_fixture::alert(
        &[
            ("alertname", "MS5RolloutStuck"),
            ("namespace", "ms5-production"),
            ("service", "backend"),
            ("severity", "high"),
        ],
        "Deployment backend has not progressed",
        0,
        &[],
        &[],
    );
    stuck.starts_at = now() + Duration::seconds(105);
    alerts.push(stuck);
    apply(&mut s, alert_fixture::observation_of(alerts));
    s.now = now() + Duration::seconds(120);
    s.view = ViewId::Timeline;
    rows::refresh(&mut s);
    key(&mut s, KeyCode::Char('m'));
    type_text(&mut s, "paged DB team, suspect 1.9.1");
    key(&mut s, KeyCode::Enter);
    s
}

#[test]
fn live_and_rebuilt_entries_in_time_order_at_80_and_120_columns() {
    let s = timeline_state();
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("timeline_{w}x{h}"), screen(&s, w, h));
    }
    // The live bad rollout, oldest first: started, unready, deadline, alert, note.
    let live: Vec<String> = s
        .rows
        .timeline
        .iter()
        .filter(|e| e.seen == Seen::Live)
        .map(|e| format!("{} {}", e.subject.text(), e.what))
        .rev()
        .collect();
    assert_eq!(
        live,
        [
            "deploy/backend rollout started: revision 4 (ms5-backend:1.9.1)",
            "pod/backend-9f8e7d6c5-q7x2k unready past 15s: readiness probe failing",
            "deploy/backend progress deadline exceeded: revision 4 stalled",
            "MS5RolloutStuck firing [backend]: Deployment backend has not progressed",
            "note/clusterUser_ms5 paged DB team, suspect 1.9.1",
        ],
    );
    // What was there before the console started is marked rebuilt, each once: exactly the
    // fixture's facts, newest first, each dated by its source.
    let rebuilt: Vec<String> = s
        .rows
        .timeline
        .iter()
        .filter(|e| e.seen == Seen::Reconstructed)
        .map(|e| {
            format!(
                "{} {} {}",
                e.at.format("%H:%M:%S"),
                e.subject.text(),
                e.what
            )
        })
        .collect();
    assert_eq!(
        rebuilt,
        [
            "10:00:00 silence/a1b2c3d4 silence by j.doe: INC-46 MS5DiskFilling (alertname=MS5DiskFilling,namespace=~ms5-.*)",
            "10:00:00 pod/celery-beat-6976466fd8-6p8n5 evicted: The node was low on resource: memory.",
            "09:59:20 pod/celery-worker-557497f8c-9zt6w OOMKilled: container app (exit 137)",
            "09:59:00 MS5DatabaseDown firing [postgres]: postgres-0 has no ready replica",
            "09:58:00 pod/celery-worker-557497f8c-4xk2p CrashLoopBackOff (7 restarts)",
            "09:57:00 MS5SLOFastBurn firing [backend]: backend-availability is burning its 30d budget 14x too fast",
            "09:54:00 MS5HighLatency firing [backend]: Backend p99 latency above 2 s",
            "09:40:00 silence/5c1e0b7a silence by j.doe: INC-56 MS5BackupFailed (alertname=MS5BackupFailed,namespace=~ms5-.*)",
            "09:30:00 MS5DiskFilling firing [postgres]: Database node disk 91% full",
            "09:20:00 slo/backend-availability page 5m/1h over 14.4x: began",
            "08:30:00 MS5BackupFailed firing [postgres]: The last PostgreSQL backup failed",
            "08:00:00 silence/0d9e8f7a silence expired (alertname=MS5HighErrorRate,namespace=~ms5-.*)",
            "07:00:00 pod/celery-worker-557497f8c-9zt6w unready past 15s: readiness probe failing",
            "07:00:00 pod/backend-5bdc5c656-mntgf unready past 15s: readiness probe failing",
            "05:00:00 silence/0d9e8f7a silence by j.doe: INC-316 MS5HighErrorRate (alertname=MS5HighErrorRate,namespace=~ms5-.*)",
        ]
    );
}

#[test]
fn colours_say_severity_and_rebuilt_entries_are_muted() {
    let s = timeline_state();
    let buffer = draw(&s, 120, 40, &Theme::default_theme(), false);
    let cell = |needle: &str| buffer[find(&buffer, needle)].clone();
    assert_eq!(cell("progress deadline exceeded").fg, Color::Red);
    assert_eq!(cell("unready past 15s").fg, Color::Yellow);
    assert_ne!(
        cell("rebuilt").fg,
        cell("live ").fg,
        "rebuilt entries stand apart"
    );
    // What each source could give is said above the list; the unreachable Alertmanager too.
    let text = screen(&s, 120, 40);
    assert!(
        text.contains("alertmanager: live (1 of 3 unreachable)"),
        "{text}"
    );
    assert!(text.contains("burn history rebuilt"), "{text}");
    assert!(
        text.lines().any(|l| l.contains("09:20:00")
            && l.contains("rebuilt")
            && l.contains("page 5m/1h over 14.4x: began")),
        "{text}"
    );
}

#[test]
fn a_filter_and_warnings_only_narrow_it_and_enter_goes_to_the_object() {
    let mut s = timeline_state();
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, "backend");
    key(&mut s, KeyCode::Enter);
    assert_snapshot!("timeline_filtered_80x24", screen(&s, 80, 24));
    assert!(
        s.rows
            .timeline
            .iter()
            .all(|e| e.haystack().contains("backend"))
    );
    key(&mut s, KeyCode::Char('w'));
    assert!(
        s.rows
            .timeline
            .iter()
            .all(|e| e.severity != ms5_console::timeline::Severity::Info),
        "w: critical and warning only"
    );
    let deadline = s
        .rows
        .timeline
        .iter()
        .position(|e| e.what.starts_with("progress deadline"))
        .unwrap();
    for _ in 0..deadline {
        key(&mut s, KeyCode::Down);
    }
    key(&mut s, KeyCode::Enter);
    let text = screen(&s, 80, 24);
    assert!(
        text.contains("seen live: the console was running when it happened"),
        "{text}"
    );
    assert!(text.contains("enter go to Deployment/backend"), "{text}");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewId::Rollouts);
    let selected = &s.rows.workloads[s.table(ViewId::Rollouts).selected];
    assert_eq!(
        (selected.namespace.as_str(), selected.name.as_str()),
        ("ms5-production", "backend")
    );
}

#[test]
fn an_empty_note_is_refused_where_it_is_typed_and_a_note_goes_to_the_audit_log() {
    let mut s = timeline_state();
    let before = s.timeline.store.len();
    key(&mut s, KeyCode::Char('m'));
    type_text(&mut s, "   ");
    let effects = key(&mut s, KeyCode::Enter);
    assert!(effects.is_empty(), "nothing recorded: {effects:?}");
    assert!(
        matches!(s.input, Some(Input::Note(_))),
        "the field stays open"
    );
    let text = screen(&s, 80, 24);
    assert!(
        text.contains("a note needs some text (esc to cancel)"),
        "{text}"
    );
    assert_eq!(s.timeline.store.len(), before);
    // From another view too: `m` is global.
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('3'));
    key(&mut s, KeyCode::Char('m'));
    type_text(&mut s, "rolled back by hand");
    let effects = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(&effects[..], [Effect::RecordNote { text, .. }] if text == "rolled back by hand"),
        "{effects:?}"
    );
    assert_eq!(s.timeline.store.len(), before + 1);
}
