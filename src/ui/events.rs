//! The events view: a timeline, newest first, warnings highlighted.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::Cell;

use super::chrome::watch_freshness;
use super::style::Ui;
use super::table::{TableSpec, draw, panel, position};
use crate::app::rows::EVENT_COLUMNS;
use crate::app::state::{AppState, ViewId};
use crate::model::age::human_age;

const WIDTHS: &[Constraint] = &[
    Constraint::Length(9),
    Constraint::Length(7),
    Constraint::Length(18),
    Constraint::Length(34),
    Constraint::Length(14),
    Constraint::Min(20),
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let table = state.table(ViewId::Events);
    let rows = &state.rows.events;
    let title = if state.warnings_only {
        "Events (warnings only)"
    } else {
        "Events"
    };
    let block =
        panel(title, watch_freshness(state, Some("events")), ui).title_bottom(Span::styled(
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
            widths: WIDTHS,
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
                Cell::from(Span::styled(seen, ui.style("muted"))),
                Cell::from(Span::styled(e.type_.clone(), ui.style(role))),
                Cell::from(Span::styled(e.reason.clone(), ui.style(role))),
                Cell::from(e.object.clone()),
                Cell::from(Span::styled(e.namespace.clone(), ui.style("muted"))),
                Cell::from(e.message.clone()),
            ]
        },
    );
}
