//! The nodes view: readiness, pressure conditions, taints, allocatable and pods per node.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::fit::Cut;
use super::freshness::watch_freshness;
use super::pods::split;
use super::style::Ui;
use super::table::{TableSpec, draw, panel, position};
use super::view::{Order, ViewSpec};
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;

pub const NODE_COLUMNS: &[&str] = &[
    "NAME", "STATUS", "PRESSURE", "TAINTS", "PODS", "CPU", "MEMORY", "AGE",
];

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Nodes,
    title: "Nodes",
    short_title: "No",
    aliases: &["no", "node"],
    columns: NODE_COLUMNS,
    order: Order::Sortable,
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Filter,
        Action::Details,
        Action::Yaml,
        Action::Sort,
    ],
    render,
    on_open: None,
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
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let (table_area, detail_area) = split(area, state.details);
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
    ));
    let now = state.now;
    draw(
        frame,
        table_area,
        block,
        TableSpec {
            columns: NODE_COLUMNS,
            cuts: CUTS,
            hide_order: &[7, 5, 6, 3],
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
            vec![
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
                Line::from(r.cpu.clone()),
                Line::from(r.memory.clone()),
                Line::from(r.created.map(|c| human_age(c, now)).unwrap_or_default()),
            ]
        },
    );
    if let Some(detail_area) = detail_area {
        details(frame, detail_area, state, ui);
    }
}

fn details(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(row) = state.rows.nodes.get(state.table(ViewId::Nodes).selected) else {
        return;
    };
    let Some(node) = state.cluster.nodes.get(&(String::new(), row.name.clone())) else {
        return;
    };
    let mut lines = Vec::new();
    for c in node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
    {
        let bad = (c.type_ == "Ready") != (c.status == "True");
        lines.push(Line::from(vec![
            Span::styled(format!("{:<16}", c.type_), ui.style("muted")),
            Span::styled(
                format!("{:<6}", c.status),
                ui.style(if bad { "critical" } else { "ok" }),
            ),
            Span::styled(
                format!("{} ", c.reason.clone().unwrap_or_default()),
                ui.style("muted"),
            ),
            Span::raw(c.message.clone().unwrap_or_default()),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("{:<16}", "taints"), ui.style("muted")),
        Span::raw(if row.taints.is_empty() {
            "none".to_string()
        } else {
            row.taints.join(", ")
        }),
    ]));
    lines.push(Line::from(vec![
        Span::styled(format!("{:<16}", "allocatable"), ui.style("muted")),
        Span::raw(format!(
            "cpu {}  memory {}  pods {}",
            row.cpu, row.memory, row.pods_capacity
        )),
    ]));
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
