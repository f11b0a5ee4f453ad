//! `:timeline`: what happened, in order, newest first, from every source: what each could give
//! is said above the list, and each entry says whether it was seen live or rebuilt.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::fit::Cut;
use super::pods::split;
use super::style::Ui;
use super::table::{TableSpec, draw, panel, position};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
pub use crate::model::columns::TIMELINE_COLUMNS;
use crate::timeline::{Entry, Seen, Severity};

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Timeline,
    title: "Timeline",
    short_title: "Tl",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Note,
        Action::Report,
        Action::Filter,
        Action::WarningsOnly,
        Action::Details,
        Action::NextView,
    ],
    render,
};

const CUTS: &[Cut] = &[
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Middle(8),
    // At 80 columns the object gives way before what happened goes under 30 columns.
    Cut::Middle(14),
    Cut::End(30),
];

fn severity_role(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "critical",
        Severity::Warning => "warning",
        Severity::Info => "text",
    }
}

fn short_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "crit",
        Severity::Warning => "warn",
        Severity::Info => "info",
    }
}

/// `x3 CrashLoopBackOff (7 restarts)`: a folded entry's count first, where no cut reaches it.
fn what(entry: &Entry) -> String {
    if entry.count > 1 {
        format!("x{} {}", entry.count, entry.what)
    } else {
        entry.what.clone()
    }
}

/// What the list covers and what each source could give, on the line above it.
fn coverage_line(state: &AppState, ui: &Ui) -> Line<'static> {
    let store = &state.timeline.store;
    let since = store.covers_since(state.now);
    let mut spans = vec![Span::styled(
        format!("since {} UTC", since.format("%H:%M:%S")),
        ui.style("text"),
    )];
    if store.dropped > 0 {
        spans.push(Span::styled(
            format!(
                " ({} older entries dropped: max {})",
                store.dropped, store.max_entries
            ),
            ui.style("warning"),
        ));
    }
    if let Some(why) = &state.timeline.incident.error {
        spans.push(Span::styled(
            format!(" · incident file not written: {why}"),
            ui.style("critical"),
        ));
    }
    for (words, role) in crate::app::timeline::coverage(state) {
        spans.push(Span::styled(" · ", ui.style("muted")));
        spans.push(Span::styled(words, ui.style(role)));
    }
    Line::from(spans)
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let rows = &state.rows.timeline;
    let coverage = Paragraph::new(coverage_line(state, ui)).wrap(Wrap { trim: true });
    let coverage_height = (coverage.line_count(area.width) as u16).clamp(1, 3);
    let [top, area] =
        Layout::vertical([Constraint::Length(coverage_height), Constraint::Min(0)]).areas(area);
    frame.render_widget(coverage, top);
    let (area, detail_area) = split(area, state.details, rows.len());
    if let Some(detail_area) = detail_area {
        details(frame, detail_area, state, ui);
    }
    let table = state.table(ViewId::Timeline);
    let title = if state.warnings_only {
        "Timeline, newest first (critical and warning only)"
    } else {
        "Timeline, newest first"
    };
    // How recent the newest thing heard is: a quiet timeline is told from a stuck one by the
    // sources' states above, and from an empty one by this.
    let freshness = match state.timeline.store.newest_first().next() {
        Some(newest) => (
            format!(
                "{} entries, newest {} ago",
                state.timeline.store.len(),
                human_age(newest.at, state.now)
            ),
            "muted",
        ),
        None => ("no entries".to_string(), "muted"),
    };
    let empty = rows.is_empty().then(|| {
        if state.timeline.store.is_empty() {
            " nothing yet: no source has said anything happen in the lookback "
        } else {
            " no entry matches "
        }
    });
    let bottom = match empty {
        Some(words) => Span::styled(words, ui.style("muted")),
        None => Span::styled(position(rows.len(), table, &[], ui), ui.style("muted")),
    };
    let block = panel(title, freshness, ui, area.width).title_bottom(bottom);
    let now = state.now;
    draw(
        frame,
        area,
        block,
        TableSpec {
            columns: TIMELINE_COLUMNS,
            cuts: CUTS,
            hide_order: &[4],
            len: rows.len(),
            table,
        },
        ui,
        |i| {
            let e = &rows[i];
            let role = severity_role(e.severity);
            let time = if (now - e.at).num_hours() < 20 {
                e.at.format("%H:%M:%S").to_string()
            } else {
                e.at.format("%m-%d %H:%M").to_string()
            };
            let seen_role = match e.seen {
                Seen::Live => "text",
                Seen::Reconstructed => "muted",
            };
            vec![
                Line::from(Span::styled(time, ui.style("muted"))),
                Line::from(Span::styled(e.source.short(), ui.style("muted"))),
                Line::from(Span::styled(short_severity(e.severity), ui.style(role))),
                Line::from(Span::styled(e.seen.word(), ui.style(seen_role))),
                Line::from(Span::styled(e.subject.namespace.clone(), ui.style("muted"))),
                Line::from(e.subject.text()),
                Line::from(Span::styled(what(e), ui.style(role))),
            ]
        },
    );
}

/// The selected entry whole, and where `enter` takes it.
fn details(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(e) = state
        .rows
        .timeline
        .get(state.table(ViewId::Timeline).selected)
    else {
        return;
    };
    let muted = ui.style("muted");
    let label = |t: &str| Span::styled(format!("{t:<9}"), muted);
    let when = |t: chrono::DateTime<chrono::Utc>| {
        format!(
            "{} UTC ({} ago)",
            t.format("%Y-%m-%d %H:%M:%S"),
            human_age(t, state.now)
        )
    };
    let object = if e.subject.namespace.is_empty() {
        e.subject.text()
    } else {
        format!("{} in {}", e.subject.text(), e.subject.namespace)
    };
    let seen = match (e.seen, e.undated) {
        (Seen::Live, false) => "seen live: the console was running when it happened",
        (Seen::Live, true) => {
            "seen live: the time is when the console saw it (the source keeps none)"
        }
        (Seen::Reconstructed, false) => {
            "reconstructed: from before the console started, from what the source still holds"
        }
        (Seen::Reconstructed, true) => {
            "reconstructed: there when the console started; the source keeps no time for it"
        }
    };
    let mut lines = vec![
        Line::from(vec![label("when"), Span::raw(when(e.at))]),
        Line::from(vec![
            label("from"),
            Span::raw(format!("{} · ", e.source.word())),
            Span::styled(e.severity.word(), ui.style(severity_role(e.severity))),
        ]),
        Line::from(vec![label("object"), Span::raw(object)]),
        Line::from(vec![label("seen"), Span::styled(seen, muted)]),
    ];
    if e.count > 1 {
        lines.push(Line::from(vec![
            label("repeats"),
            Span::raw(format!("{} times, the last at {}", e.count, when(e.last))),
        ]));
    }
    lines.push(Line::from(vec![
        label("what"),
        Span::styled(e.what.clone(), ui.style(severity_role(e.severity))),
    ]));
    let block = panel("Entry", (String::new(), "muted"), ui, area.width);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
