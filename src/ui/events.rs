//! The events view: a timeline, newest first, warnings highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::fit::Cut;
use super::freshness::watch_freshness;
use super::style::Ui;
use super::table::{TableSpec, draw, panel, position};
use super::view::{Order, ViewSpec};
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;

pub const EVENT_COLUMNS: &[&str] = &[
    "LAST SEEN",
    "TYPE",
    "REASON",
    "OBJECT",
    "NAMESPACE",
    "MESSAGE",
];

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Events,
    title: "Events",
    short_title: "Ev",
    aliases: &["ev", "event"],
    columns: EVENT_COLUMNS,
    order: Order::Sortable,
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Filter,
        Action::WarningsOnly,
        Action::Yaml,
        Action::Sort,
    ],
    render,
    on_open: None,
};

const CUTS: &[Cut] = &[
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Middle(20),
    Cut::Never,
    Cut::End(20),
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let table = state.table(ViewId::Events);
    let rows = &state.rows.events;
    let title = if state.warnings_only {
        "Events (warnings only)"
    } else {
        "Events"
    };
    let block = panel(
        title,
        watch_freshness(state, Some("events")),
        ui,
        area.width,
    )
    .title_bottom(Span::styled(
        position(rows.len(), table, EVENT_COLUMNS, ui),
        ui.style("muted"),
    ));
    let now = state.now;
    draw(
        frame,
        area,
        block,
        TableSpec {
            columns: EVENT_COLUMNS,
            cuts: CUTS,
            hide_order: &[4, 1],
            len: rows.len(),
            table,
        },
        ui,
        |i| {
            let e = &rows[i];
            let role = if e.warning { "warning" } else { "text" };
            let seen = e.last_seen.map(|t| human_age(t, now)).unwrap_or_default();
            let seen = if e.count > 1 {
                format!("{seen} x{}", e.count)
            } else {
                seen
            };
            vec![
                Line::from(Span::styled(seen, ui.style("muted"))),
                Line::from(Span::styled(e.type_.clone(), ui.style(role))),
                Line::from(Span::styled(e.reason.clone(), ui.style(role))),
                Line::from(e.object.clone()),
                Line::from(Span::styled(e.namespace.clone(), ui.style("muted"))),
                Line::from(e.message.clone()),
            ]
        },
    );
}
