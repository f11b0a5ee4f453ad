//! The nodes view: readiness, pressure conditions, taints, allocatable and pods per node.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::fit::Cut;
use super::freshness::watch_freshness;
use super::pods::{metrics_edge, split};
use super::style::Ui;
use super::table::{TableSpec, draw, panel, position};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::metrics::Feed;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
pub use crate::model::columns::NODE_COLUMNS;
use crate::model::node_view::NodeRow;
use crate::model::usage::{Usage, cpu_cell, memory_cell, percent, percent_cell};

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Nodes,
    title: "Nodes",
    short_title: "No",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Filter,
        Action::Details,
        Action::Yaml,
        Action::Sort,
    ],
    render,
};

const CUTS: &[Cut] = &[
    Cut::Middle(18),
    Cut::Never,
    Cut::Never,
    Cut::End(16),
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let (table_area, detail_area) = split(area, state.details, state.rows.nodes.len());
    let table = state.table(ViewId::Nodes);
    let rows = &state.rows.nodes;
    let block = panel(
        "Nodes",
        watch_freshness(state, Some("nodes")),
        ui,
        area.width,
    )
    .title_bottom(Span::styled(
        position(rows.len(), table, NODE_COLUMNS, ui),
        ui.style("muted"),
    ))
    .title_bottom(metrics_edge(&state.metrics.node_feed, state.now, ui));
    let now = state.now;
    let feed = &state.metrics.node_feed;
    draw(
        frame,
        table_area,
        block,
        TableSpec {
            columns: NODE_COLUMNS,
            cuts: CUTS,
            hide_order: &[9, 5, 7, 3],
            len: rows.len(),
            table,
        },
        ui,
        |i| {
            let r = &rows[i];
            let status_role = if r.ready == Some(true) && !r.unschedulable {
                "ok"
            } else {
                "critical"
            };
            let mut cells = vec![
                Line::from(r.name.clone()),
                Line::from(Span::styled(r.status_cell(), ui.style(status_role))),
                Line::from(Span::styled(
                    if r.pressures.is_empty() {
                        "-".to_string()
                    } else {
                        r.pressures.join(",")
                    },
                    ui.style(if r.pressures.is_empty() {
                        "muted"
                    } else {
                        "critical"
                    }),
                )),
                Line::from(Span::styled(r.taints_cell(), ui.style("muted"))),
                Line::from(format!("{}/{}", r.pods, r.pods_capacity)),
            ];
            let used = state.metrics.nodes.get(&r.name).copied();
            cells.extend(node_use_cells(used, r, feed, ui));
            cells.push(Line::from(
                r.created.map(|c| human_age(c, now)).unwrap_or_default(),
            ));
            cells
        },
    );
    if let Some(detail_area) = detail_area {
        details(frame, detail_area, state, ui);
    }
}

/// CPU, %CPU, MEM, %MEM of a node against its allocatable, as `kubectl top nodes` prints them.
fn node_use_cells<'a>(used: Option<Usage>, row: &NodeRow, feed: &Feed, ui: &Ui) -> [Line<'a>; 4] {
    let Some(used) = used else {
        let missing = || Line::from(Span::styled(feed.missing_cell(), ui.style("muted")));
        return [missing(), missing(), missing(), missing()];
    };
    let pct = |value: Option<f64>| {
        let role = match value {
            Some(p) if p >= 90.0 => "critical",
            Some(p) if p >= 75.0 => "warning",
            _ => "text",
        };
        Line::from(Span::styled(percent_cell(value), ui.style(role)))
    };
    [
        Line::from(cpu_cell(used.cpu)),
        pct(percent(used.cpu, row.allocatable.cpu)),
        Line::from(memory_cell(used.memory)),
        pct(percent(used.memory, row.allocatable.memory)),
    ]
}

fn details(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    super::node_details::render(frame, area, state, ui);
}
