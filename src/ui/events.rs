//! The events view: a timeline, newest first, warnings highlighted.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::fit::Cut;
use super::freshness::watch_freshness;
use super::pods::split;
use super::style::Ui;
use super::table::{TableSpec, draw, panel, position};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
pub use crate::model::columns::EVENT_COLUMNS;

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Events,
    title: "Events",
    short_title: "Ev",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Filter,
        Action::Details,
        Action::WarningsOnly,
        Action::Yaml,
        Action::Sort,
    ],
    render,
};

const CUTS: &[Cut] = &[
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Middle(20),
    Cut::Never,
    // The message takes what the row has left; the namespace and type go before it is cut
    // below this (reasons and objects are never cut for it).
    Cut::End(20),
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let (area, detail_area) = split(area, state.details, state.rows.events.len());
    if let Some(detail_area) = detail_area {
        details(frame, detail_area, state, ui);
    }
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

/// The selected event whole: the message wrapped, and everything about it a row leaves out.
fn details(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(e) = state.rows.events.get(state.table(ViewId::Events).selected) else {
        return;
    };
    let muted = ui.style("muted");
    let label = |t: &str| Span::styled(format!("{t:<11}"), muted);
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| {
            let format = if (state.now - t).num_hours() < 20 {
                "%H:%M:%S"
            } else {
                "%Y-%m-%d %H:%M"
            };
            format!("{} ({} ago)", t.format(format), human_age(t, state.now))
        })
        .unwrap_or_else(|| "-".into())
    };
    let role = if e.warning { "warning" } else { "text" };
    let object = if e.object_namespace.is_empty() {
        format!("{} {}", e.object_kind, e.object_name)
    } else {
        format!("{} {}/{}", e.object_kind, e.object_namespace, e.object_name)
    };
    let source = match (e.source.is_empty(), e.host.is_empty()) {
        (false, false) => format!("{} on {}", e.source, e.host),
        (false, true) => e.source.clone(),
        (true, false) => e.host.clone(),
        (true, true) => "-".into(),
    };
    let lines = vec![
        Line::from(vec![
            label("reason"),
            Span::styled(format!("{} ", e.reason), ui.style(role)),
            Span::styled(
                match e.count {
                    1 => format!("{}, seen once", e.type_),
                    n => format!("{}, seen {n} times", e.type_),
                },
                muted,
            ),
        ]),
        Line::from(vec![label("object"), Span::raw(object)]),
        Line::from(vec![label("source"), Span::raw(source)]),
        Line::from(vec![
            label("last seen"),
            Span::raw(when(e.last_seen)),
            Span::styled("  first ", muted),
            Span::raw(when(e.first_seen)),
        ]),
        Line::from(vec![label("message")]),
        Line::from(Span::styled(e.message.clone(), ui.style(role))),
    ];
    let block = panel(
        &format!("Event {}", e.reason),
        watch_freshness(state, Some("events")),
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
