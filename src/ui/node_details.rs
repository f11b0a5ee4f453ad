//! A node's details: every condition (message, since when), every taint, allocatable and use,
//! the pods on it heaviest first (use, requests, limits, QoS) and its events, evictions
//! included: what "what is using this node, and what did it do about it" needs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::freshness::watch_freshness;
use super::style::Ui;
use super::table::panel;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
use crate::model::node_view::{EventRow, NodeRow};
use crate::model::pod_view::PodRow;
use crate::model::quantity;
use crate::model::usage::{Usage, cpu_cell, memory_cell, percent, percent_cell};

/// Events shown, newest first.
const EVENTS_SHOWN: usize = 6;
/// Below this share of memory in use, a `MemoryPressure` the kubelet still reports is explained.
const PRESSURE_EXPLAINED_BELOW: f64 = 85.0;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(row) = state.rows.nodes.get(state.table(ViewId::Nodes).selected) else {
        return;
    };
    let Some(node) = state.cluster.nodes.get(&(String::new(), row.name.clone())) else {
        return;
    };
    let muted = ui.style("muted");
    let label = |t: &str| Span::styled(format!("{t:<12}"), muted);
    let now = state.now;
    let mut lines = Vec::new();
    let used = state.metrics.nodes.get(&row.name).copied();
    let memory_pct = used.and_then(|u| percent(u.memory, row.allocatable.memory));
    let read_at = state.metrics.node_feed.last_good();
    let conditions: Vec<_> = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .collect();
    let healthy = |c: &&k8s_openapi::api::core::v1::NodeCondition| {
        (c.type_ == "Ready") == (c.status == "True")
    };
    // On a short pane the healthy conditions share one line, so the pods and events show.
    let compact = area.height < 20;
    if compact {
        let words: Vec<String> = conditions
            .iter()
            .filter(|c| healthy(c))
            .map(|c| format!("{} {}", c.type_, c.status))
            .collect();
        if !words.is_empty() {
            lines.push(Line::from(vec![
                label("healthy"),
                Span::styled(words.join(" · "), ui.style("ok")),
            ]));
        }
    }
    for c in conditions.iter().filter(|c| !compact || !healthy(c)) {
        let bad = !healthy(c);
        let since = c
            .last_transition_time
            .as_ref()
            .map(|t| {
                let t = crate::model::age::k8s_time(t);
                format!(
                    " since {} ({} ago)",
                    t.format("%H:%M:%S"),
                    human_age(t, now)
                )
            })
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("{:<15}", c.type_), muted),
            Span::styled(
                format!("{:<6}", c.status),
                ui.style(if bad { "critical" } else { "ok" }),
            ),
            Span::raw(c.message.clone().unwrap_or_default()),
            Span::styled(since, muted),
        ]));
        // Use that does not look like pressure is explained, never left to contradict it.
        if c.type_ == "MemoryPressure"
            && c.status == "True"
            && memory_pct.is_some_and(|p| p < PRESSURE_EXPLAINED_BELOW)
            && let Some(read_at) = read_at
        {
            let since = c
                .last_transition_time
                .as_ref()
                .map(crate::model::age::k8s_time);
            let words = if since.is_some_and(|t| read_at < t) {
                format!(
                    "memory was {} used at the last reading ({} ago), before this began",
                    percent_cell(memory_pct),
                    human_age(read_at, now)
                )
            } else {
                format!(
                    "memory is {} used now: the kubelet keeps reporting pressure for a while after it ends",
                    percent_cell(memory_pct)
                )
            };
            lines.push(Line::from(Span::styled(
                format!("{:15}{words}", ""),
                ui.style("warning"),
            )));
        }
    }
    lines.push(Line::from(vec![
        label("taints"),
        Span::raw(if row.taints.is_empty() {
            "none".to_string()
        } else {
            row.taints.join(", ")
        }),
    ]));
    lines.push(Line::from(vec![
        label("allocatable"),
        Span::raw(format!(
            "cpu {}  memory {}  pods {}",
            row.cpu, row.memory, row.pods_capacity
        )),
    ]));
    lines.push(use_line(row, used, state, ui));
    pods(&mut lines, row, state, ui, area.width >= 100);
    events(&mut lines, row, state, ui);
    let block = panel(
        &format!("Node {}", row.name),
        watch_freshness(state, Some("nodes")),
        ui,
        area.width,
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn use_line<'a>(row: &NodeRow, used: Option<Usage>, state: &AppState, ui: &Ui) -> Line<'a> {
    let label = Span::styled(format!("{:<12}", "use"), ui.style("muted"));
    let feed = &state.metrics.node_feed;
    let (words, role) = feed.words(state.now);
    let Some(used) = used else {
        return Line::from(vec![label, Span::styled(words, ui.style(role))]);
    };
    Line::from(vec![
        label,
        Span::raw(format!(
            "cpu {} ({})  memory {} ({})  ",
            cpu_cell(used.cpu),
            percent_cell(percent(used.cpu, row.allocatable.cpu)),
            memory_cell(used.memory),
            percent_cell(percent(used.memory, row.allocatable.memory)),
        )),
        Span::styled(words, ui.style(role)),
    ])
}

/// `250m/1Gi`: CPU and memory of a request or limit, `-` for an unset one.
fn bounds_cell(cpu: Option<f64>, memory: Option<f64>) -> String {
    format!(
        "{}/{}",
        cpu.map_or_else(|| "-".into(), quantity::cores_compact),
        memory.map_or_else(|| "-".into(), quantity::bytes)
    )
}

/// `wide`: room for requests, limits and QoS beside the use.
fn pods<'a>(lines: &mut Vec<Line<'a>>, row: &NodeRow, state: &AppState, ui: &Ui, wide: bool) {
    let mut on_node: Vec<(&PodRow, Option<Usage>)> = state
        .cluster
        .pods
        .items
        .values()
        .filter(|p| p.node == row.name)
        .map(|p| (p.as_ref(), state.metrics.of_pod(p)))
        .collect();
    // Heaviest memory first; pods without a reading after, by what they asked for.
    on_node.sort_by(|(a, ua), (b, ub)| {
        let used = |u: &Option<Usage>| u.map(|u| u.memory);
        ub.is_some()
            .cmp(&ua.is_some())
            .then(used(ub).unwrap_or(0.0).total_cmp(&used(ua).unwrap_or(0.0)))
            .then(
                b.requests
                    .memory
                    .unwrap_or(0.0)
                    .total_cmp(&a.requests.memory.unwrap_or(0.0)),
            )
            .then((&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    let title = ui.style("title");
    if on_node.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("pods", title),
            Span::styled(
                "  none on this node in the watched namespaces",
                ui.style("muted"),
            ),
        ]));
        return;
    }
    lines.push(Line::from(vec![
        Span::styled(format!("pods ({})", on_node.len()), title),
        Span::styled("  heaviest memory first", ui.style("muted")),
    ]));
    let width = on_node
        .iter()
        .map(|(p, _)| p.namespace.len() + p.name.len() + 1)
        .max()
        .unwrap_or(0)
        .min(if wide { 44 } else { 40 });
    let header = if wide {
        format!(
            "  {:<width$}  {:>6} {:>7} {:>6}  {:<13} {:<13} {}",
            "POD", "CPU", "MEM", "%MEM/L", "REQUESTS", "LIMITS", "QOS"
        )
    } else {
        format!(
            "  {:<width$}  {:>6} {:>7} {:>6}",
            "POD", "CPU", "MEM", "%MEM/L"
        )
    };
    lines.push(Line::from(Span::styled(header, ui.style("muted"))));
    let missing = state
        .metrics
        .pods_feed(|ns| state.shown_namespace(ns))
        .missing_cell();
    for (pod, used) in on_node {
        let name = format!("{}/{}", pod.namespace, pod.name);
        let (cpu, mem, pct) = match used {
            Some(u) => (
                cpu_cell(u.cpu),
                memory_cell(u.memory),
                percent_cell(percent(u.memory, pod.limits.memory)),
            ),
            None => (missing.into(), missing.into(), missing.into()),
        };
        let use_cells = Span::raw(format!(
            "  {:<width$}  {cpu:>6} {mem:>7} {pct:>6}  ",
            super::fit::cut_middle(&name, width, ui.symbols.ellipsis)
        ));
        if !wide {
            lines.push(Line::from(use_cells));
            continue;
        }
        lines.push(Line::from(vec![
            use_cells,
            Span::styled(
                format!(
                    "{:<13} {:<13} {}",
                    bounds_cell(pod.requests.cpu, pod.requests.memory),
                    bounds_cell(pod.limits.cpu, pod.limits.memory),
                    pod.qos
                ),
                ui.style("muted"),
            ),
        ]));
    }
}

/// The node's own events and those its kubelet reported about pods on it (evictions).
fn events<'a>(lines: &mut Vec<Line<'a>>, row: &NodeRow, state: &AppState, ui: &Ui) {
    let mut events: Vec<EventRow> = state
        .cluster
        .events
        .items
        .values()
        .map(|e| EventRow::of(e))
        .filter(|e| (e.object_kind == "Node" && e.object_name == row.name) || e.host == row.name)
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    let about = |e: &EventRow| {
        if e.object_kind == "Node" {
            String::new()
        } else {
            format!("{}: ", e.object)
        }
    };
    super::event_lines::event_list(lines, "events", &events, EVENTS_SHOWN, about, state.now, ui);
}
