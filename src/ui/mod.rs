//! Views: pure functions from state to a frame. No I/O, no awaiting, no state changes.

pub mod alerts;
pub mod audit;
pub mod backups;
pub mod chart;
pub mod chrome;
pub mod dialog;
pub mod event_lines;
pub mod events;
pub mod field;
pub mod fit;
pub mod follow;
pub mod freshness;
pub mod node_details;
pub mod nodes;
pub mod overlays;
pub mod overview;
pub mod overview_alerts;
pub mod pods;
pub mod rollouts;
pub mod slo;
pub mod style;
pub mod table;
pub mod timeline;
pub mod validation;
pub mod view;
pub mod views;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::app::state::{AppState, Overlay};
pub use style::Ui;

/// Below this the views cannot be drawn legibly; the screen says so instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

pub fn render(frame: &mut Frame, state: &AppState, ui: &Ui) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, ui);
        return;
    }
    let [header, tabs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::header(frame, header, state, ui);
    chrome::tabs(frame, tabs, state, ui);
    match &state.overlay {
        Some(Overlay::Help { scroll, filter }) => {
            overlays::help(frame, body, state, (*scroll, filter), ui)
        }
        Some(Overlay::Yaml {
            title,
            lines,
            scroll,
            ..
        }) => overlays::yaml(frame, body, title, lines, *scroll, ui),
        Some(Overlay::Logs(logs)) => overlays::logs(frame, body, state, logs, ui),
        Some(Overlay::Report {
            path,
            lines,
            scroll,
        }) => overlays::report(frame, body, path, lines, *scroll, ui),
        Some(Overlay::Follow { key, outcome }) => {
            follow::render(frame, body, state, key, outcome.as_ref(), ui)
        }
        Some(Overlay::Dialog(dialog)) => {
            view(frame, body, state, ui);
            dialog::render(frame, body, state, dialog, ui);
        }
        None => view(frame, body, state, ui),
    }
    chrome::footer(frame, footer, state, ui);
    if ui.symbols.ascii_only {
        style::ascii_fallback(frame.buffer_mut());
    }
}

fn view(frame: &mut Frame, body: Rect, state: &AppState, ui: &Ui) {
    (views::spec(state.view).render)(frame, body, state, ui);
}

/// Table rows that fit in the body at this terminal size (for paging).
pub fn page_rows(height: u16, details: bool) -> usize {
    let body = height.saturating_sub(3 + 3);
    let body = if details { body * 45 / 100 } else { body };
    body.max(1) as usize
}

fn too_small(frame: &mut Frame, area: Rect, ui: &Ui) {
    let text = vec![
        Line::styled("ms5-console: terminal too small", ui.style("warning")),
        Line::styled(
            format!(
                "need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}",
                area.width, area.height
            ),
            ui.style("text"),
        ),
        Line::styled("enlarge the window; q quits", ui.style("muted")),
    ];
    frame.render_widget(Paragraph::new(text), area);
}
