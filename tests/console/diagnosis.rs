//! Diagnosing from the console alone: resource use against requests and limits (and what the
//! columns say when the metrics API cannot be read), node, event and workload details, and
//! `enter` on an open pane taking the step its footer names.

use insta::assert_snapshot;
use k8s_openapi::api::core::v1::{Event, Pod};
use ms5_console::app::action::Action;
use ms5_console::app::event::{Change, DataEvent, Effect, KubeChange, LogEvent, MetricsPoll};
use ms5_console::app::rows;
use ms5_console::app::state::{AppState, Overlay, ViewId};
use ms5_console::app::update::update;
use ms5_console::config::theme::Theme;
use ms5_console::source::error::ApiError;
use ratatui::buffer::Buffer;
use serde_json::json;

use crate::fixture::{self, draw, now, screen, state};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

fn find(buffer: &Buffer, needle: &str) -> (u16, u16) {
    let text = fixture::text(buffer);
    for (y, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            return (line[..byte].chars().count() as u16, y as u16);
        }
    }
    panic!("`{needle}` not on screen:\n{text}");
}

/// The cell `needle` starts in on the line that has `row`.
fn cell_on_row<'a>(buffer: &'a Buffer, row: &str, needle: &str) -> &'a ratatui::buffer::Cell {
    let (_, y) = find(buffer, row);
    let text = fixture::text(buffer);
    let line = text.lines().nth(usize::from(y)).unwrap_or_default();
    let byte = line
        .rfind(needle)
        .unwrap_or_else(|| panic!("`{needle}` not on the `{row}` row: {line}"));
    let x = line[..byte].chars().count() as u16;
    &buffer[(x, y)]
}

fn apply(s: &mut AppState, event: DataEvent) {
    ms5_console::app::update::apply(s, event);
    rows::refresh(s);
}

fn viewing(view: ViewId) -> AppState {
    let mut s = state();
    s.view = view;
    rows::refresh(&mut s);
    s
}

/// Every namespace's pods and the nodes answered with `error`, at `now`.
fn failed_poll(error: ApiError) -> DataEvent {
    DataEvent::Metrics(Box::new(MetricsPoll {
        at: now(),
        pods: ["ms5-production", "ms5-staging", "ms5-system"]
            .map(|ns| (ns.to_string(), Err(error.clone())))
            .to_vec(),
        nodes: Err(error),
    }))
}

#[test]
fn pods_show_use_against_request_and_limit_coloured_by_how_close_to_the_limit() {
    let s = viewing(ViewId::Pods);
    let theme = Theme::builtin("default").unwrap();
    let buffer = draw(&s, 160, 45, &theme, false);
    let text = fixture::text(&buffer);
    let backend = text.lines().find(|l| l.contains("glpwq")).unwrap();
    // 187m of a 250m request is 74.8 %; 471Mi of a 512Mi limit is 91.99 %, both cut as
    // kubectl does.
    for cell in ["187m", "74%", "471Mi", "91%"] {
        assert!(backend.contains(cell), "{cell}: {backend}");
    }
    assert_eq!(
        cell_on_row(&buffer, "backend-5bdc5c656-glpwq", "91%").fg,
        theme.style("critical").fg.unwrap()
    );
    // The database: 920m of its 2-core request, 27.2Gi of its 30Gi limit.
    let postgres = text.lines().find(|l| l.contains("postgres-0")).unwrap();
    for cell in ["920m", "46%", "27.2Gi", "90%"] {
        assert!(postgres.contains(cell), "{cell}: {postgres}");
    }
    assert_eq!(
        cell_on_row(&buffer, "backend-5bdc5c656-mntgf", "80%").fg,
        theme.style("warning").fg.unwrap()
    );
    // Started 30 s ago: not scraped yet, so no reading; not a zero.
    let fresh = text.lines().find(|l| l.contains("9zt6w")).unwrap();
    assert!(!fresh.contains("0m ") && fresh.contains(" -  "), "{fresh}");
    assert!(text.contains("metrics 4s ago"), "{text}");
}

#[test]
fn nodes_show_use_against_allocatable() {
    let s = viewing(ViewId::Nodes);
    let text = screen(&s, 160, 45);
    let db = text.lines().find(|l| l.contains("aks-db")).unwrap();
    // 30400Mi of 32863440Ki allocatable is 94.7 %: `kubectl top nodes` cuts it to 94%.
    for cell in ["2310m", "29%", "29.7Gi", "94%"] {
        assert!(db.contains(cell), "{cell}: {db}");
    }
}

#[test]
fn without_the_metrics_api_the_columns_say_so_and_nothing_else_changes() {
    for (view, columns) in [
        (ViewId::Pods, ms5_console::ui::pods::POD_COLUMNS),
        (ViewId::Nodes, ms5_console::ui::nodes::NODE_COLUMNS),
    ] {
        let metric = |c: &str| c.contains("CPU") || c.contains("MEM");
        let mut s = viewing(view);
        let before = table_cells(&screen(&s, 220, 45), columns);
        apply(&mut s, failed_poll(ApiError::answer(404, "not found")));
        let text = screen(&s, 220, 45);
        assert!(text.contains("metrics: n/a (no metrics API)"), "{text}");
        let after = table_cells(&text, columns);
        assert!(before.len() >= 3, "{text}");
        assert_eq!(before.len(), after.len(), "the same rows:\n{text}");
        for (was, now) in before.iter().zip(&after) {
            for (i, column) in columns.iter().enumerate() {
                if metric(column) {
                    // Every metric cell says n/a: never a number, never blank.
                    assert_eq!(now[i], "n/a", "{column} of {now:?}");
                } else {
                    assert_eq!(now[i], was[i], "{column} changed: {was:?} -> {now:?}");
                }
            }
        }
        // The 80x24 screen says it too.
        assert!(screen(&s, 80, 24).contains("n/a"));
    }
}

/// The table's rows on `screen`, cell by cell, cut at the header's column starts (every column
/// shown: a wide screen).
fn table_cells(screen: &str, columns: &[&str]) -> Vec<Vec<String>> {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let Some(header) = lines.iter().position(|l| {
        let text: String = l.iter().collect();
        columns.iter().all(|c| text.contains(c))
    }) else {
        panic!("no header with {columns:?}:\n{screen}");
    };
    let text: String = lines[header].iter().collect();
    // Char positions of each column's name (after the previous one's).
    let mut starts = Vec::new();
    let mut from = 0;
    for c in columns {
        let byte = text[from..].find(*c).map(|b| b + from).expect("column");
        starts.push(text[..byte].chars().count());
        from = byte + c.len();
    }
    lines[header + 1..]
        .iter()
        .take_while(|l| l.first() == Some(&'│') && l.len() > 2 && l[1] != ' ')
        .map(|l| {
            (0..starts.len())
                .map(|i| {
                    let end = starts.get(i + 1).copied().unwrap_or(l.len() - 1);
                    l[starts[i]..end.min(l.len())]
                        .iter()
                        .collect::<String>()
                        .trim()
                        .to_string()
                })
                .collect()
        })
        .collect()
}

#[test]
fn forbidden_or_failing_metrics_say_so_on_the_edge_never_as_zeros() {
    let mut s = viewing(ViewId::Pods);
    apply(
        &mut s,
        failed_poll(ApiError::answer(503, "service unavailable")),
    );
    let text = screen(&s, 80, 24);
    assert!(text.contains("metrics stale, last good 4s ago"), "{text}");
    assert!(text.contains("27.2Gi"), "the last good values stay: {text}");

    let mut s = viewing(ViewId::Pods);
    apply(&mut s, failed_poll(ApiError::answer(403, "forbidden")));
    let text = screen(&s, 80, 24);
    assert!(text.contains("metrics: forbidden"), "{text}");
    let postgres = text.lines().find(|l| l.contains("postgres-0")).unwrap();
    assert!(
        postgres.contains("forbidden") && !postgres.contains(" 0m"),
        "{postgres}"
    );
}

/// The database node under pressure: its eviction and its own event, as the kubelet reports
/// them (a node's events are recorded in `default`).
fn with_node_events(s: &mut AppState) {
    let node_event: Event = serde_json::from_value(json!({
        "metadata": {"name": "aks-db.1", "namespace": "default"},
        "involvedObject": {"kind": "Node", "name": "aks-db-27183645-vmss000000"},
        "reason": "NodeHasInsufficientMemory", "type": "Normal", "count": 1,
        "message": "Node aks-db-27183645-vmss000000 status is now: NodeHasInsufficientMemory",
        "source": {"component": "kubelet", "host": "aks-db-27183645-vmss000000"},
        "lastTimestamp": (now() - chrono::Duration::seconds(90)).to_rfc3339(),
    }))
    .unwrap();
    let eviction: Event = serde_json::from_value(json!({
        "metadata": {"name": "postgres-0.2", "namespace": "ms5-production"},
        "involvedObject": {"kind": "Pod", "name": "postgres-1", "namespace": "ms5-production"},
        "reason": "Evicted", "type": "Warning", "count": 1,
        "message": fixture::EVICTION_MESSAGE,
        "source": {"component": "kubelet", "host": "aks-db-27183645-vmss000000"},
        "lastTimestamp": (now() - chrono::Duration::seconds(60)).to_rfc3339(),
    }))
    .unwrap();
    apply(
        s,
        DataEvent::kube(KubeChange::Events(Change::Reset {
            namespace: Some("default".into()),
            items: vec![node_event],
        })),
    );
    apply(
        s,
        DataEvent::kube(KubeChange::Events(Change::Applied(eviction))),
    );
}

#[test]
fn node_details_list_conditions_taints_pods_heaviest_first_and_events() {
    for (w, h) in SIZES {
        let mut s = viewing(ViewId::Nodes);
        with_node_events(&mut s);
        let db = s
            .rows
            .nodes
            .iter()
            .position(|n| n.name.starts_with("aks-db"))
            .unwrap();
        s.table_mut(ViewId::Nodes).selected = db;
        update(&mut s, Action::Details);
        let text = screen(&s, w, h);
        assert_snapshot!(format!("node_details_{w}x{h}"), text);
        if w == 160 {
            for needle in [
                "MemoryPressure True",
                "workload=database:NoSchedule",
                "ms5-production/postgres-0",
                "27.2Gi",
                "2/16Gi",
                "NodeHasInsufficientMemory",
                "Evicted Pod/postgres-1: The node was low on resource: memory.",
                "enter pods (aks-db-27183645-vmss000000)",
            ] {
                assert!(text.contains(needle), "{needle}:\n{text}");
            }
        }
    }
    // The application node's pods, heaviest memory first: the MEM column never rises.
    let mut s = viewing(ViewId::Nodes);
    let app = s
        .rows
        .nodes
        .iter()
        .position(|n| n.name.ends_with("app-27183645-vmss000000"))
        .expect("the first application node");
    s.table_mut(ViewId::Nodes).selected = app;
    update(&mut s, Action::Details);
    let text = screen(&s, 160, 45);
    let bytes = |cell: &str| ms5_console::model::quantity::parse(cell);
    let memory: Vec<f64> = text
        .lines()
        .skip_while(|l| !l.contains("heaviest memory first"))
        .skip(2)
        .take_while(|l| l.contains("ms5-"))
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.ends_with("Mi") || w.ends_with("Gi"))
        })
        .filter_map(bytes)
        .collect();
    assert!(memory.len() >= 3, "{text}");
    assert!(
        memory.windows(2).all(|w| w[0] >= w[1]),
        "not heaviest first: {memory:?}\n{text}"
    );
    // A node with nothing on it says so: its only pod gone, vmss000001 is empty.
    let mut s = viewing(ViewId::Nodes);
    let node = "aks-app-27183645-vmss000001";
    let on_it: Vec<_> = s
        .cluster
        .pods
        .items
        .iter()
        .filter(|(_, p)| p.node == node)
        .map(|(k, _)| k.clone())
        .collect();
    assert_eq!(on_it.len(), 1, "the fixture's second node holds one pod");
    for key in on_it {
        s.cluster.pods.items.remove(&key);
    }
    ms5_console::app::rows::refresh(&mut s);
    let empty = s
        .rows
        .nodes
        .iter()
        .position(|n| n.name == node)
        .expect("the node");
    s.table_mut(ViewId::Nodes).selected = empty;
    update(&mut s, Action::Details);
    let text = screen(&s, 160, 45);
    assert!(
        text.contains("pods  none on this node in the watched namespaces"),
        "{text}"
    );
}

#[test]
fn event_details_show_the_event_whole_and_enter_goes_to_its_object() {
    for (w, h) in SIZES {
        let mut s = viewing(ViewId::Events);
        let unhealthy = s
            .rows
            .events
            .iter()
            .position(|e| e.reason == "Unhealthy")
            .unwrap();
        s.table_mut(ViewId::Events).selected = unhealthy;
        update(&mut s, Action::Details);
        let text = screen(&s, w, h);
        assert_snapshot!(format!("event_details_{w}x{h}"), text);
        assert!(
            text.contains("Readiness probe failed: HTTP probe failed with statuscode: 503"),
            "the whole message: {text}"
        );
        assert!(
            text.contains("enter go to backend-5bdc5c656-mntgf"),
            "{text}"
        );
        // enter again: the pod, selected in its own view.
        update(&mut s, Action::Details);
        assert_eq!(s.view, ViewId::Pods);
        let row = &s.rows.pods[s.table(ViewId::Pods).selected];
        assert_eq!(row.name, "backend-5bdc5c656-mntgf");
    }
    // A Deployment's event goes to the Rollouts view.
    let mut s = viewing(ViewId::Events);
    let deadline = s
        .rows
        .events
        .iter()
        .position(|e| e.reason == "ProgressDeadlineExceeded")
        .unwrap();
    s.table_mut(ViewId::Events).selected = deadline;
    update(&mut s, Action::Details);
    update(&mut s, Action::Details);
    assert_eq!(s.view, ViewId::Rollouts);
    let row = &s.rows.workloads[s.table(ViewId::Rollouts).selected];
    assert_eq!((row.kind, row.name.as_str()), ("Deployment", "frontend"));
}

#[test]
fn workload_details_say_why_its_pod_cannot_run_in_full() {
    let mut s = viewing(ViewId::Rollouts);
    let message = "0/6 nodes are available: 5 node(s) didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint {node.kubernetes.io/memory-pressure: }. preemption: 0/6 nodes are available: 6 Preemption is not helpful for scheduling.";
    let pending: Pod = serde_json::from_value(json!({
        "metadata": {"name": "postgres-0", "namespace": "ms5-production", "uid": "new",
            "creationTimestamp": now().to_rfc3339(),
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "postgres", "uid": "o"}]},
        "spec": {"containers": [{"name": "postgres", "image": "postgres:15.5"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "message": message}]},
    }))
    .unwrap();
    apply(
        &mut s,
        DataEvent::kube(KubeChange::pods(Change::Applied(pending))),
    );
    with_node_events(&mut s);
    let postgres = s
        .rows
        .workloads
        .iter()
        .position(|w| w.name == "postgres")
        .unwrap();
    s.table_mut(ViewId::Rollouts).selected = postgres;
    update(&mut s, Action::Details);
    for (w, h) in SIZES {
        assert_snapshot!(format!("workload_details_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 160, 45).replace('│', "");
    let joined: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        joined.contains(&format!("not scheduled: {message}")),
        "{text}"
    );
    // The replacement pod is not shown its predecessor's use.
    let pods = viewing(ViewId::Pods);
    let _ = pods;
    s.view = ViewId::Pods;
    s.details = false;
    rows::refresh(&mut s);
    let pods_text = screen(&s, 160, 45);
    let row = pods_text
        .lines()
        .find(|l| l.contains("postgres-0"))
        .unwrap();
    assert!(!row.contains("471Mi"), "{row}");
}

#[test]
fn esc_closes_a_details_pane_and_enter_on_an_open_one_does_what_its_footer_says() {
    let mut s = viewing(ViewId::Pods);
    update(&mut s, Action::Details);
    assert!(s.details);
    let text = screen(&s, 160, 45);
    assert!(
        text.contains("enter logs") && text.contains("esc close"),
        "{text}"
    );
    let effects = update(&mut s, Action::Details);
    assert!(
        matches!(effects.as_slice(), [Effect::CloseLogs, Effect::OpenLogs(_)]),
        "{effects:?}"
    );
    update(&mut s, Action::Back);
    update(&mut s, Action::Back);
    assert!(!s.details);
    // SLO details have no next step: enter leaves the pane open.
    let mut s = viewing(ViewId::Slo);
    update(&mut s, Action::Details);
    update(&mut s, Action::Details);
    assert!(s.details);
}

/// The log viewer open on the first pod with `lines` read.
fn logs_with(lines: &[&str]) -> AppState {
    let mut s = viewing(ViewId::Pods);
    update(&mut s, Action::Logs);
    let session = match &s.overlay {
        Some(Overlay::Logs(l)) => l.session,
        _ => panic!("logs did not open"),
    };
    let lines = lines.iter().map(|l| l.to_string()).collect();
    ms5_console::app::update::apply(&mut s, DataEvent::Logs(LogEvent::Lines { session, lines }));
    s
}

fn type_search(s: &mut AppState, text: &str) {
    update(s, Action::Filter);
    crate::alert_views::type_text(s, text);
    crate::alert_views::key(s, crossterm::event::KeyCode::Enter);
}

fn type_only_matching(s: &mut AppState, text: &str) {
    update(s, Action::OnlyMatching);
    crate::alert_views::type_text(s, text);
    crate::alert_views::key(s, crossterm::event::KeyCode::Enter);
}

/// As help says and less users expect: `/` highlights and keeps every line, showing the newest
/// match; `n` and `N` move between matches; `&` shows only the matches; `esc` clears either,
/// then closes. (It used to filter on `/`, and its first esc switched to highlighting.)
#[test]
fn slash_highlights_and_n_moves_ampersand_shows_only_matches_and_esc_clears() {
    let mut lines: Vec<String> = (1..=30)
        .map(|i| format!("INFO GET /api/v1/lines/{i}/oee 200"))
        .collect();
    lines[4] = "ERROR database connection refused (first)".into();
    lines[14] = "ERROR database connection refused (second)".into();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let mut s = logs_with(&lines);
    type_search(&mut s, "error");
    let theme = Theme::builtin("default").unwrap();
    let buffer = draw(&s, 120, 12, &theme, false);
    let text = fixture::text(&buffer);
    // Every line kept; the newest match shown, highlighted.
    assert!(
        text.contains("(second)") && !text.contains("(first)"),
        "{text}"
    );
    assert!(
        text.contains("lines/14/oee"),
        "the lines around it stay:\n{text}"
    );
    assert!(text.contains("\"error\" 2 matches"), "{text}");
    let (x, y) = find(&buffer, "ERROR database");
    assert_eq!(buffer[(x, y)].fg, theme.style("accent").fg.unwrap());
    assert_eq!(
        buffer[find(&buffer, "INFO GET")].fg,
        theme.style("text").fg.unwrap()
    );
    // n: the older match; again: none older, said; N: back to the newer one.
    let shows = |s: &AppState, which: &str, not: &str| {
        let text = screen(s, 120, 12);
        assert!(text.contains(which) && !text.contains(not), "{text}");
        text
    };
    update(&mut s, Action::OlderMatch);
    shows(&s, "(first)", "(second)");
    update(&mut s, Action::OlderMatch);
    let text = shows(&s, "(first)", "(second)");
    assert!(text.contains("no older line matches \"error\""), "{text}");
    update(&mut s, Action::NewerMatch);
    shows(&s, "(second)", "(first)");
    // esc clears the search: no line marked, the pane still open and following.
    crate::alert_views::key(&mut s, crossterm::event::KeyCode::Esc);
    assert!(
        matches!(s.overlay, Some(Overlay::Logs(_))),
        "esc clears, not closes"
    );
    let buffer = draw(&s, 120, 12, &theme, false);
    assert_eq!(
        buffer[find(&buffer, "INFO GET")].fg,
        theme.style("text").fg.unwrap()
    );
    let text = fixture::text(&buffer);
    assert!(
        !text.contains("matches") && text.contains("lines/30/oee"),
        "{text}"
    );

    // &: only the matching lines.
    type_only_matching(&mut s, "error");
    let text = screen(&s, 120, 30);
    assert!(!text.contains("lines/1/oee"), "{text}");
    assert_eq!(text.matches("database connection refused").count(), 2);
    assert!(text.contains("only \"error\": 2 matches"), "{text}");
    update(&mut s, Action::Back);
    assert!(screen(&s, 120, 30).contains("lines/29/oee"));
    // A search that matches nothing says so.
    type_only_matching(&mut s, "panic");
    let text = screen(&s, 120, 30);
    assert!(text.contains("no line matches \"panic\""), "{text}");
    update(&mut s, Action::Back);
    update(&mut s, Action::Back);
    assert!(s.overlay.is_none(), "a second esc closes the logs");
}

#[test]
fn t_asks_for_the_log_again_with_timestamps() {
    let mut s = logs_with(&["INFO started"]);
    let effects = update(&mut s, Action::Timestamps);
    let Some(Effect::OpenLogs(request)) = effects.last() else {
        panic!("{effects:?}");
    };
    assert!(request.timestamps);
    // Said on the log's own title, not only in the footer's hint (which always lists `t`).
    ms5_console::app::update::apply(
        &mut s,
        DataEvent::Logs(LogEvent::Lines {
            session: request.session,
            lines: vec!["2026-11-27T10:00:01.123456789Z INFO started".into()],
        }),
    );
    let text = screen(&s, 120, 30);
    let title = text
        .lines()
        .find(|l| l.starts_with("╭ Logs"))
        .unwrap_or_default();
    assert!(title.contains("timestamps"), "{title}");
    // Each line as the kubelet sent it: its RFC 3339 time first.
    let line = text
        .lines()
        .find(|l| l.contains("INFO started"))
        .unwrap_or_default()
        .trim_start_matches('│');
    let time = line.split_whitespace().next().unwrap_or_default();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok(), "{line}");
    let effects = update(&mut s, Action::Timestamps);
    assert!(matches!(effects.last(), Some(Effect::OpenLogs(r)) if !r.timestamps));
}

#[test]
fn details_colour_what_is_wrong() {
    let theme = Theme::builtin("default").unwrap();
    // The node's pressure, in the critical colour.
    let mut s = viewing(ViewId::Nodes);
    let db = s
        .rows
        .nodes
        .iter()
        .position(|n| n.name.starts_with("aks-db"))
        .unwrap();
    s.table_mut(ViewId::Nodes).selected = db;
    update(&mut s, Action::Details);
    let buffer = draw(&s, 160, 45, &theme, false);
    let (x, y) = find(&buffer, "True  ");
    assert_eq!(buffer[(x, y)].fg, theme.style("critical").fg.unwrap());
    // A warning event's reason, in the warning colour.
    let mut s = viewing(ViewId::Events);
    update(&mut s, Action::Details);
    let buffer = draw(&s, 160, 45, &theme, false);
    let (x, y) = find(&buffer, "Unhealthy Warning");
    assert_eq!(buffer[(x, y)].fg, theme.style("warning").fg.unwrap());
}
