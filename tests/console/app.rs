//! In-process app tests: watcher events and keys in, state and screen out.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ms5_console::app::event::{
    Change, DataEvent, Effect, KubeChange, LogEvent, SourceHealth, SourceId,
};
use ms5_console::app::rows;
use ms5_console::app::state::{AppState, Overlay, ViewId};
use ms5_console::app::update::{apply, handle_key};
use ms5_console::config::keymap::Keymap;
use serde_json::json;

use crate::fixture::{self, now, screen, state};

fn press(state: &mut AppState, keys: &str) -> Vec<Effect> {
    let keymap = Keymap::default_keymap();
    let mut effects = Vec::new();
    for c in keys.chars() {
        effects.extend(handle_key(
            state,
            &keymap,
            KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
        ));
    }
    rows::refresh(state);
    effects
}

fn press_code(state: &mut AppState, code: KeyCode, modifiers: KeyModifiers) -> Vec<Effect> {
    let effects = handle_key(
        state,
        &Keymap::default_keymap(),
        KeyEvent::new(code, modifiers),
    );
    rows::refresh(state);
    effects
}

fn selected_pod(state: &AppState) -> String {
    state.rows.pods[state.table(ViewId::Pods).selected]
        .name
        .clone()
}

#[test]
fn command_mode_switches_views_by_name_and_alias() {
    let mut s = state();
    press(&mut s, ":po");
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.view, ViewId::Pods);
    assert!(screen(&s, 120, 30).contains("CrashLoopBackOff"));
    press(&mut s, ":ro");
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.view, ViewId::Rollouts);
    press_code(&mut s, KeyCode::Tab, KeyModifiers::NONE);
    assert_eq!(s.view, ViewId::Pods);
    press_code(&mut s, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(s.view, ViewId::Rollouts);
}

#[test]
fn selection_stays_on_the_same_pod_when_others_come_and_go() {
    let mut s = state();
    press(&mut s, "3jjj");
    let chosen = selected_pod(&s);
    assert_eq!(chosen, "celery-worker-557497f8c-4xk2p");
    // A new pod sorting before it, and one above it deleted.
    let new_pod = fixture::pod(
        "ms5-production",
        "backend-5bdc5c656-aaaaa",
        ("ReplicaSet", "backend-5bdc5c656"),
        "n",
        "Pending",
        vec![],
        json!({}),
    );
    apply(
        &mut s,
        DataEvent::kube(KubeChange::pods(Change::Applied(
            serde_json::from_value(new_pod).unwrap(),
        ))),
    );
    let gone = fixture::pods()
        .into_iter()
        .find(|p| p["metadata"]["name"] == "backend-5bdc5c656-glpwq")
        .unwrap();
    apply(
        &mut s,
        DataEvent::kube(KubeChange::pods(Change::Deleted(
            serde_json::from_value(gone).unwrap(),
        ))),
    );
    rows::refresh(&mut s);
    assert_eq!(selected_pod(&s), chosen);
    assert!(!screen(&s, 160, 45).contains("backend-5bdc5c656-glpwq"));
    assert!(screen(&s, 160, 45).contains("backend-5bdc5c656-aaaaa"));
}

#[test]
fn filter_by_text_and_by_label_then_escape_clears() {
    let mut s = state();
    press(&mut s, "3/crash");
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.rows.pods.len(), 1);
    assert!(screen(&s, 160, 45).contains("filter \"crash\""));
    press_code(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    assert_eq!(s.rows.pods.len(), 10);
    press(&mut s, "/-l app=postgres");
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    let names: Vec<&str> = s.rows.pods.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["postgres-0", "postgres-backup-29929-xv2lq"]);
}

#[test]
fn a_new_filter_starts_from_what_is_typed_not_the_previous_one() {
    let mut s = state();
    press(&mut s, "3/postgres-0");
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.rows.pods.len(), 1);
    press(&mut s, "/backend");
    let text = screen(&s, 160, 45);
    assert!(
        text.lines().any(|l| l.starts_with("/backend_")),
        "the input line holds only what was typed:\n{text}"
    );
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(screen(&s, 160, 45).contains("filter \"backend\""));
    let names: Vec<&str> = s.rows.pods.iter().map(|p| p.name.as_str()).collect();
    assert!(
        names.len() > 1 && names.iter().all(|n| n.starts_with("backend")),
        "{names:?}"
    );
}

#[test]
fn a_pod_no_node_took_says_why_it_has_no_log_and_asks_nothing() {
    let mut s = state();
    let pending = fixture::pod(
        "ms5-production",
        "postgres-0",
        ("StatefulSet", "postgres"),
        "",
        "Pending",
        vec![],
        json!({"status": {"conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable",
            "message": "0/6 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/memory-pressure: }."}]}}),
    );
    apply(
        &mut s,
        DataEvent::kube(KubeChange::pods(Change::Applied(
            serde_json::from_value(pending).unwrap(),
        ))),
    );
    press(&mut s, "3/postgres-0");
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(selected_pod(&s), "postgres-0");
    let effects = press(&mut s, "l");
    assert!(effects.is_empty(), "no log request: {effects:?}");
    let text = screen(&s, 160, 45);
    assert!(
        text.contains(
            "no log: not scheduled: 0/6 nodes are available: 1 node(s) had untolerated taint"
        ),
        "{text}"
    );
    assert!(!text.contains("Status {"), "{text}");
}

/// Restarts from before the console watched: the pods' `Started` Events, whose series began
/// inside the hour, count every start since; the Overview's count is then a full hour's.
#[test]
fn restarts_before_the_console_watched_come_from_the_started_events() {
    let mut s = state();
    rows::refresh(&mut s);
    assert!(
        screen(&s, 160, 45).contains("SINCE"),
        "without the Events, only from now"
    );
    let now = fixture::now();
    for (pod, count) in [
        ("celery-worker-557497f8c-4xk2p", 7),
        ("celery-worker-557497f8c-9zt6w", 2),
    ] {
        let started = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{pod}.started"), "namespace": "ms5-production"},
            "type": "Normal", "reason": "Started", "message": "Started container app", "count": count,
            "firstTimestamp": (now - chrono::Duration::minutes(20)).to_rfc3339(),
            "lastTimestamp": (now - chrono::Duration::seconds(40)).to_rfc3339(),
            "involvedObject": {"kind": "Pod", "name": pod, "namespace": "ms5-production"}});
        apply(
            &mut s,
            DataEvent::kube(KubeChange::Events(Change::Applied(
                serde_json::from_value(started).unwrap(),
            ))),
        );
    }
    rows::refresh(&mut s);
    let text = screen(&s, 160, 45);
    assert!(text.contains("RESTARTS 1H"), "{text}");
    let row = text
        .lines()
        .find(|l| l.starts_with("│ms5-production "))
        .unwrap_or_default();
    let words: Vec<&str> = row.split_whitespace().collect();
    let of = words
        .iter()
        .position(|w| *w == "of")
        .expect("not ready column");
    assert_eq!(words[of + 2], "9", "{row}");
}

#[test]
fn sort_cycles_columns_and_reverses() {
    let mut s = state();
    press(&mut s, "3ssss");
    // Column 4 is RESTARTS: most restarts first; the selection stays on the pod it was on.
    assert_eq!(s.rows.pods[0].name, "celery-worker-557497f8c-4xk2p");
    assert_eq!(selected_pod(&s), "backend-5bdc5c656-glpwq");
    assert!(screen(&s, 160, 45).contains("sort RESTARTS"));
    press(&mut s, "S");
    assert_eq!(
        s.rows.pods.last().unwrap().name,
        "celery-worker-557497f8c-4xk2p"
    );
}

#[test]
fn logs_open_on_the_selected_pod_and_close_with_escape() {
    let mut s = state();
    press(&mut s, "3jjj");
    let effects = press(&mut s, "l");
    let Some(Effect::OpenLogs(request)) = effects.last() else {
        panic!("no log effect: {effects:?}")
    };
    assert_eq!(request.pod, "celery-worker-557497f8c-4xk2p");
    // A crash-looping container's story is in its previous run.
    assert!(request.previous);
    let session = request.session;
    apply(
        &mut s,
        DataEvent::Logs(LogEvent::Lines {
            session,
            lines: vec!["Traceback: boom".into()],
        }),
    );
    apply(
        &mut s,
        DataEvent::Logs(LogEvent::Lines {
            session: session + 99,
            lines: vec!["stale".into()],
        }),
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("Traceback: boom") && !text.contains("stale"),
        "{text}"
    );
    assert_eq!(
        press_code(&mut s, KeyCode::Esc, KeyModifiers::NONE),
        vec![Effect::CloseLogs]
    );
    assert!(s.overlay.is_none());
}

/// A finished Job's pod never restarted: `l` opens its terminated container's own log, not
/// a `previous` that does not exist; `c` on a one-container pod says so instead of nothing.
#[test]
fn l_on_a_finished_pod_opens_its_own_log_and_c_says_there_is_one_container() {
    let mut s = state();
    press(&mut s, "3");
    let at = s
        .rows
        .pods
        .iter()
        .position(|p| p.name == "postgres-backup-29929-xv2lq")
        .expect("the finished backup pod");
    s.table_mut(ms5_console::app::state::ViewId::Pods).selected = at;
    let effects = press(&mut s, "l");
    let Some(Effect::OpenLogs(request)) = effects.last() else {
        panic!("no log effect: {effects:?}")
    };
    assert_eq!(request.pod, "postgres-backup-29929-xv2lq");
    assert!(!request.previous, "{request:?}");
    assert!(press(&mut s, "c").is_empty());
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("postgres-backup-29929-xv2lq has one container"),
        "{text}"
    );
}

/// `l` on a workload follows every pod of it with a log, merged as lines arrive, each line
/// prefixed with its pod (short, coloured per pod); the title says how many pods are followed
/// and which ended; a pod that appears later joins; a chatty pod keeps only its share.
#[test]
fn logs_of_a_workload_merge_its_pods_prefixed_and_bounded() {
    let mut s = state();
    press(&mut s, "2");
    let effects = press(&mut s, "l");
    let requests: Vec<&ms5_console::app::event::LogRequest> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::OpenLogs(r) => Some(r),
            _ => None,
        })
        .collect();
    let pods: Vec<&str> = requests.iter().map(|r| r.pod.as_str()).collect();
    let backend: Vec<String> = s
        .cluster
        .pods
        .items
        .values()
        .filter(|p| p.namespace == "ms5-production" && p.name.starts_with("backend-"))
        .map(|p| p.name.clone())
        .collect();
    assert!(pods.len() >= 2, "{pods:?}");
    assert!(
        pods.iter().all(|p| backend.iter().any(|b| b == p)),
        "{pods:?} vs {backend:?}"
    );
    assert_eq!(effects.first(), Some(&Effect::CloseLogs));
    let sessions: Vec<u64> = requests.iter().map(|r| r.session).collect();
    let short = |pod: &str| ms5_console::app::logs::short_name("backend", pod);
    // Lines from two pods, interleaved as they arrive.
    apply(
        &mut s,
        DataEvent::Logs(LogEvent::Lines {
            session: sessions[0],
            lines: vec!["GET /oee 200".into()],
        }),
    );
    apply(
        &mut s,
        DataEvent::Logs(LogEvent::Lines {
            session: sessions[1],
            lines: vec!["GET /oee 500".into()],
        }),
    );
    apply(
        &mut s,
        DataEvent::Logs(LogEvent::Ended {
            session: sessions[1],
            reason: "container stopped".into(),
        }),
    );
    let theme = ms5_console::config::theme::Theme::builtin("default").unwrap();
    let buffer = crate::fixture::draw(&s, 160, 30, &theme, false);
    let text = crate::fixture::text(&buffer);
    let first = format!("{} │ GET /oee 200", short(pods[0]));
    let second = format!("{} │ GET /oee 500", short(pods[1]));
    assert!(text.contains(&first) && text.contains(&second), "{text}");
    assert!(
        text.find(&first) < text.find(&second),
        "in the order they arrived:\n{text}"
    );
    assert!(
        text.contains("Logs ms5-production deploy/backend")
            && text.contains(&format!("{} pods, ended: {}", pods.len(), short(pods[1]))),
        "{text}"
    );
    // Each pod in its own colour.
    let colour = |needle: &str| buffer[crate::slo_views::find(&buffer, needle)].fg;
    assert_ne!(colour(&short(pods[0])), colour(&short(pods[1])));
    // Short names never make two pods alike.
    let mut shorts: Vec<String> = pods.iter().map(|p| short(p)).collect();
    shorts.sort();
    shorts.dedup();
    assert_eq!(shorts.len(), pods.len());
    // A chatty pod keeps its share; the others' lines stay.
    let many: Vec<String> = (0..ms5_console::app::state::LOG_LINES_PER_POD + 100)
        .map(|i| format!("chatter {i}"))
        .collect();
    apply(
        &mut s,
        DataEvent::Logs(LogEvent::Lines {
            session: sessions[0],
            lines: many,
        }),
    );
    let Some(Overlay::Logs(l)) = &s.overlay else {
        panic!("logs closed")
    };
    let of = |pod: &str| {
        l.lines
            .iter()
            .filter(|line| line.starts_with(&format!("{} │ ", short(pod))))
            .count()
    };
    assert_eq!(of(pods[0]), ms5_console::app::state::LOG_LINES_PER_POD);
    assert_eq!(of(pods[1]), 1);
}

#[test]
fn log_buffer_is_bounded() {
    let mut s = state();
    press(&mut s, "3l");
    let Some(Overlay::Logs(l)) = &s.overlay else {
        panic!()
    };
    let session = l.session;
    for chunk in 0..30 {
        let lines = (0..256).map(|i| format!("{chunk}-{i}")).collect();
        apply(&mut s, DataEvent::Logs(LogEvent::Lines { session, lines }));
    }
    let Some(Overlay::Logs(l)) = &s.overlay else {
        panic!()
    };
    assert_eq!(l.lines.len(), ms5_console::app::state::LOG_BUFFER_LINES);
    assert_eq!(
        l.dropped,
        30 * 256 - ms5_console::app::state::LOG_BUFFER_LINES
    );
    assert_eq!(l.lines.back().unwrap(), "29-255");
}

#[test]
fn namespace_command_narrows_or_adds_a_watch() {
    let mut s = state();
    press(&mut s, "3:ns ms5-staging");
    assert!(press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE).is_empty());
    let staging = fixture::pods()
        .iter()
        .filter(|p| p["metadata"]["namespace"] == "ms5-staging")
        .count();
    assert!(staging > 0);
    assert_eq!(
        s.rows.pods.len(),
        staging,
        "every staging pod, and only those"
    );
    assert!(s.rows.pods.iter().all(|p| p.namespace == "ms5-staging"));
    press(&mut s, ":ns ms5-dev");
    let effects = press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        effects,
        vec![Effect::WatchNamespaces(
            ["ms5-production", "ms5-staging", "ms5-system", "ms5-dev"]
                .map(String::from)
                .to_vec()
        )]
    );
    press(&mut s, ":ns all");
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(s.rows.pods.len(), 10);
}

#[test]
fn quit_by_key_and_by_ctrl_c() {
    let mut s = state();
    assert_eq!(press(&mut s, "q"), vec![Effect::Quit]);
    let mut s = state();
    assert_eq!(
        press_code(&mut s, KeyCode::Char('c'), KeyModifiers::CONTROL),
        vec![Effect::Quit]
    );
}

#[test]
fn lost_connection_keeps_data_and_says_since_when() {
    let mut s = state();
    let since = now() - chrono::Duration::seconds(42);
    for kind in [
        "pods",
        "deployments",
        "statefulsets",
        "replicasets",
        "events",
    ] {
        apply(
            &mut s,
            DataEvent::Health(
                SourceId {
                    kind,
                    namespace: Some("ms5-production".into()),
                },
                SourceHealth::Reconnecting {
                    since,
                    error: "connection refused".into(),
                },
            ),
        );
    }
    press(&mut s, "3");
    let text = screen(&s, 160, 45);
    assert!(
        text.contains("k8s reconnecting since 09:59:18 (42s ago)"),
        "{text}"
    );
    assert!(
        text.contains("celery-worker-557497f8c-4xk2p"),
        "data stays on screen"
    );
}

#[test]
fn unreachable_cluster_at_start_is_on_screen() {
    let mut s = fixture::empty_state();
    apply(
        &mut s,
        DataEvent::Unreachable {
            error: "connection refused (os error 111)".into(),
        },
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("k8s unreachable: connection refused"),
        "{text}"
    );
}

#[test]
fn quiet_cluster_is_not_stale() {
    // Live streams with no events for an hour are still live: health is the stream's, not the
    // age of the last event.
    let mut s = state();
    s.now = now() + chrono::Duration::hours(1);
    assert!(screen(&s, 160, 45).contains("k8s watch: live"));
}

#[test]
fn yaml_is_fetched_fresh_and_a_late_answer_to_an_old_question_is_ignored() {
    let mut s = state();
    let first = press(&mut s, "3y");
    let Some(Effect::FetchYaml(old)) = first.first().cloned() else {
        panic!("no fetch: {first:?}")
    };
    assert_eq!(
        (old.namespace.as_str(), old.name.as_str()),
        ("ms5-production", "backend-5bdc5c656-glpwq")
    );
    assert!(screen(&s, 120, 30).contains("loading..."));
    press_code(&mut s, KeyCode::Esc, KeyModifiers::NONE);
    let second = press(&mut s, "jy");
    let Some(Effect::FetchYaml(new)) = second.first().cloned() else {
        panic!()
    };
    apply(
        &mut s,
        DataEvent::Yaml {
            request: old.request,
            text: Ok("kind: Stale".into()),
        },
    );
    assert!(!screen(&s, 120, 30).contains("Stale"));
    apply(
        &mut s,
        DataEvent::Yaml {
            request: new.request,
            text: Err("pods \"x\" not found".into()),
        },
    );
    assert!(screen(&s, 120, 30).contains("# cannot fetch: pods \"x\" not found"));
}

#[test]
fn help_scrolls_to_its_last_line_and_no_further() {
    let mut s = state();
    press(&mut s, "?G");
    let text = screen(&s, 80, 24);
    // The last binding sits on the panel's last row: scrolled to the end, not past it.
    let lines: Vec<&str> = text.lines().collect();
    let bottom = lines
        .iter()
        .rposition(|l| l.starts_with('╰'))
        .expect("help panel's bottom border");
    assert!(
        lines[bottom - 1].contains("cancel"),
        "last binding on the last row:\n{text}"
    );
}

#[test]
fn context_command_asks_to_reconnect_or_lists_contexts() {
    let mut s = state();
    s.contexts = vec!["aks-ms5-prod".into(), "aks-ms5-staging".into()];
    press(&mut s, ":ctx aks-ms5-staging");
    assert_eq!(
        press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE),
        vec![Effect::SwitchContext("aks-ms5-staging".into())]
    );
    press(&mut s, ":ctx");
    press_code(&mut s, KeyCode::Enter, KeyModifiers::NONE);
    assert!(screen(&s, 120, 30).contains("contexts: aks-ms5-prod, aks-ms5-staging"));
}

/// The header says what RBAC lets the identity change once the access reviews answer, where
/// it is less than everything watched (issue 31): nobody plans a change they cannot make.
#[test]
fn the_header_says_what_rbac_lets_the_identity_change() {
    let header = |answers: Vec<(&str, Result<bool, String>)>| {
        let mut s = state();
        apply(
            &mut s,
            DataEvent::Rbac(
                answers
                    .into_iter()
                    .map(|(ns, a)| (ns.to_string(), a))
                    .collect(),
            ),
        );
        screen(&s, 160, 30)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let all = ["ms5-production", "ms5-staging", "ms5-system"];
    let everywhere = header(all.iter().map(|ns| (*ns, Ok(true))).collect());
    assert!(
        everywhere.contains("read-write · k8s") && !everywhere.contains("RBAC"),
        "{everywhere}"
    );
    let none = header(all.iter().map(|ns| (*ns, Ok(false))).collect());
    assert!(none.contains("read-write · RBAC: view only"), "{none}");
    let staging = header(
        all.iter()
            .map(|ns| (*ns, Ok(*ns == "ms5-staging")))
            .collect(),
    );
    assert!(
        staging.contains("RBAC: writes in ms5-staging only"),
        "{staging}"
    );
    let unknown = header(vec![("ms5-production", Err("timeout".into()))]);
    assert!(unknown.contains("RBAC: not known"), "{unknown}");
}
