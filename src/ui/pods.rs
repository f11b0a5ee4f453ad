//! The pods view: kubectl's columns plus probes and QoS; details with containers, probes,
//! last state, resources, owner and the pod's events.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::fit::Cut;
use super::freshness::watch_freshness;
use super::style::{Ui, pod_status_role};
use super::table::{TableSpec, draw, panel, position};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::metrics::Feed;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
pub use crate::model::columns::POD_COLUMNS;
use crate::model::node_view::EventRow;
use crate::model::pod_view::PodRow;
use crate::model::usage::{Usage, cpu_cell, memory_cell, percent, percent_cell};

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Pods,
    title: "Pods",
    short_title: "Po",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Filter,
        Action::Details,
        Action::Logs,
        Action::DeletePod,
        Action::Yaml,
        Action::Sort,
        Action::Command,
    ],
    render,
};

const CUTS: &[Cut] = &[
    Cut::Never,
    Cut::Middle(24),
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Middle(14),
    Cut::Never,
];

/// Columns that give way first on a narrow screen: what an incident needs most (name, state,
/// restarts, CPU, memory against its limit) stays at 80 columns.
const HIDE_ORDER: &[usize] = &[10, 11, 0, 12, 9, 6];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let (table_area, detail_area) = split(area, state.details, state.rows.pods.len());
    let table = state.table(ViewId::Pods);
    let rows = &state.rows.pods;
    let feed = state.metrics.pods_feed(|ns| state.shown_namespace(ns));
    let block = panel("Pods", watch_freshness(state, Some("pods")), ui, area.width)
        .title_bottom(Span::styled(
            position(rows.len(), table, POD_COLUMNS, ui),
            ui.style("muted"),
        ))
        .title_bottom(metrics_edge(feed, state.now, ui));
    let now = state.now;
    let muted = ui.style("muted");
    draw(
        frame,
        table_area,
        block,
        TableSpec {
            columns: POD_COLUMNS,
            cuts: CUTS,
            hide_order: HIDE_ORDER,
            len: rows.len(),
            table,
        },
        ui,
        |i| {
            let r = &rows[i];
            let style = |role: &str| ui.style(role);
            let status_role = pod_status_role(&r.summary.status, r.is_ready());
            let probe_role = if r.probes.failing() {
                "critical"
            } else {
                "text"
            };
            let restarts_role = if r.summary.restarts > 0 {
                "warning"
            } else {
                "text"
            };
            let used = state.metrics.of_pod(r);
            let [cpu, cpu_r, mem, mem_l] = use_cells(used, r, feed, ui);
            // Borrowed text where the row has it: no allocation per cell for names.
            vec![
                Line::from(Span::styled(r.namespace.as_str(), muted)),
                Line::from(r.name.as_str()),
                Line::from(Span::styled(
                    r.ready_cell(),
                    style(if r.is_ready() { "text" } else { "warning" }),
                )),
                Line::from(Span::styled(r.summary.status.as_str(), style(status_role))),
                Line::from(Span::styled(
                    r.summary.restarts_cell(now),
                    style(restarts_role),
                )),
                cpu,
                cpu_r,
                mem,
                mem_l,
                Line::from(Span::styled(r.probes.cell(), style(probe_role))),
                Line::from(Span::styled(r.qos.as_str(), muted)),
                Line::from(r.node.as_str()),
                Line::from(r.created.map(|c| human_age(c, now)).unwrap_or_default()),
            ]
        },
    );
    if let Some(detail_area) = detail_area {
        details(frame, detail_area, state, ui);
    }
}

/// The use cells of one pod, as k9s names them: CPU, %CPU/R (against its request: what it
/// asked the scheduler for), MEM, %MEM/L (against its limit: how close to being OOM-killed).
/// The pod's details give the rest. A pod without a reading (just started, not running) shows
/// `-`; a refused or unserved API says so in every cell.
fn use_cells<'a>(used: Option<Usage>, row: &PodRow, feed: &Feed, ui: &Ui) -> [Line<'a>; 4] {
    let Some(used) = used else {
        let missing = || Line::from(Span::styled(feed.missing_cell(), ui.style("muted")));
        return [missing(), missing(), missing(), missing()];
    };
    let memory_limit = percent(used.memory, row.limits.memory);
    let role = match memory_limit {
        Some(p) if p >= 90.0 => "critical",
        Some(p) if p >= 75.0 => "warning",
        _ => "text",
    };
    [
        Line::from(cpu_cell(used.cpu)),
        Line::from(percent_cell(percent(used.cpu, row.requests.cpu))),
        Line::from(memory_cell(used.memory)),
        Line::from(Span::styled(percent_cell(memory_limit), ui.style(role))),
    ]
}

/// The pod's use against both its requests and its limits, and how old the reading is.
fn use_line<'a>(row: &PodRow, state: &AppState, ui: &Ui) -> Line<'a> {
    let label = Span::styled(format!("{:<12}", "use"), ui.style("muted"));
    let feed = state.metrics.pods_feed(|ns| ns == row.namespace);
    let (words, role) = feed.words(state.now);
    let Some(used) = state.metrics.of_pod(row) else {
        let why = match feed {
            Feed::Fresh { .. } => "no reading for this pod yet".to_string(),
            _ => words,
        };
        return Line::from(vec![label, Span::styled(why, ui.style(role))]);
    };
    let against = |value: f64, request: Option<f64>, limit: Option<f64>| {
        let part = |p: Option<f64>, what: &str| match p {
            Some(p) => format!("{p:.0}% of {what}"),
            None => format!("no {what}"),
        };
        format!(
            "{}, {}",
            part(percent(value, request), "request"),
            part(percent(value, limit), "limit")
        )
    };
    Line::from(vec![
        label,
        Span::raw(format!(
            "cpu {} ({})  memory {} ({})  ",
            cpu_cell(used.cpu),
            against(used.cpu, row.requests.cpu, row.limits.cpu),
            memory_cell(used.memory),
            against(used.memory, row.requests.memory, row.limits.memory),
        )),
        Span::styled(words, ui.style(role)),
    ])
}

/// The metrics feed's age or trouble, on the bottom edge at the right.
pub fn metrics_edge<'a>(feed: &Feed, now: chrono::DateTime<chrono::Utc>, ui: &Ui) -> Line<'a> {
    let (words, role) = feed.words(now);
    Line::from(Span::styled(format!(" {words} "), ui.style(role))).right_aligned()
}

/// Table on top, details below when open: the table takes 45 % of the height, or less when
/// its `rows` fit in less (three nodes leave the rest of an 80x24 screen to the details).
pub fn split(area: Rect, details: bool, rows: usize) -> (Rect, Option<Rect>) {
    if !details {
        return (area, None);
    }
    let share = area.height * 45 / 100;
    // Borders, header, the rows, and a line to spare.
    let needed = u16::try_from(rows.saturating_add(4)).unwrap_or(u16::MAX);
    let top = needed.clamp(6.min(share), share.max(1));
    let [top, bottom] = Layout::vertical([Constraint::Length(top), Constraint::Min(0)]).areas(area);
    (top, Some(bottom))
}

fn details(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(row) = state.rows.pods.get(state.table(ViewId::Pods).selected) else {
        return;
    };
    let mut lines: Vec<Line> = Vec::new();
    let label = |t: &str| Span::styled(format!("{t:<12}"), ui.style("muted"));
    let owner = row.owner.as_ref().map(|(k, n)| format!("{k}/{n}"));
    lines.push(Line::from(vec![
        label("owner"),
        Span::raw(owner.unwrap_or_else(|| "-".into())),
        Span::styled("   node ", ui.style("muted")),
        Span::raw(row.node.clone()),
        Span::styled("   qos ", ui.style("muted")),
        Span::raw(row.qos.clone()),
    ]));
    lines.push(use_line(row, state, ui));
    for c in &row.detail {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<12}", c.name), ui.style("title")),
            Span::styled(
                format!("{}  ", c.state),
                ui.style(if c.ready { "ok" } else { "warning" }),
            ),
            Span::raw(c.image.clone()),
        ]));
        if let Some((reason, exit, finished)) = &c.last {
            let when = finished
                .map(|f| format!(", {} ago", human_age(f, state.now)))
                .unwrap_or_default();
            lines.push(Line::from(vec![
                label("  last"),
                Span::styled(format!("{reason} exit {exit}{when}"), ui.style("critical")),
            ]));
        }
        for (kind, probe) in &c.probes {
            lines.push(Line::from(vec![
                label(&format!("  {kind}")),
                Span::raw(probe.clone()),
            ]));
        }
        lines.push(Line::from(vec![
            label("  requests"),
            Span::raw(c.requests.clone()),
            Span::styled("  limits ", ui.style("muted")),
            Span::raw(c.limits.clone()),
        ]));
    }
    let mut events: Vec<EventRow> = state
        .cluster
        .events
        .items
        .values()
        .filter(|e| {
            e.involved_object.name.as_deref() == Some(row.name.as_str())
                && e.metadata.namespace.as_deref() == Some(row.namespace.as_str())
        })
        .map(|e| EventRow::of(e))
        .collect();
    events.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    if let Some(unhealthy) = events.iter().find(|e| e.reason == "Unhealthy") {
        lines.push(Line::from(vec![
            label("unhealthy"),
            Span::styled(unhealthy.message.clone(), ui.style("critical")),
        ]));
    }
    lines.push(Line::from(Span::styled("events", ui.style("title"))));
    for e in events.iter().take(8) {
        lines.push(super::event_lines::event_line(e, "", state.now, ui));
    }
    let title = format!("Pod {}/{}", row.namespace, row.name);
    let block = panel(&title, watch_freshness(state, Some("pods")), ui, area.width);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
