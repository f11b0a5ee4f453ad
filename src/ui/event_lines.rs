//! Events as the details panes list them (a pod's, a node's, a workload's warnings): age,
//! reason in the warning colour when it is one, what it is about, the message.

use chrono::{DateTime, Utc};
use ratatui::text::{Line, Span};

use super::style::Ui;
use crate::model::age::human_age;
use crate::model::node_view::EventRow;

/// One event: `  20s Unhealthy Pod/backend-…: Readiness probe failed`.
pub fn event_line<'a>(e: &EventRow, about: &str, now: DateTime<Utc>, ui: &Ui) -> Line<'a> {
    Line::from(vec![
        Span::styled(
            format!(
                "  {:>4} ",
                e.last_seen.map(|t| human_age(t, now)).unwrap_or_default()
            ),
            ui.style("muted"),
        ),
        Span::styled(
            format!("{} ", e.reason),
            ui.style(if e.warning { "warning" } else { "text" }),
        ),
        Span::raw(format!("{about}{}", e.message)),
    ])
}

/// `title`, then the first `shown` of `events` (already newest first), or `title  none`.
pub fn event_list<'a>(
    lines: &mut Vec<Line<'a>>,
    title: &str,
    events: &[EventRow],
    shown: usize,
    about: impl Fn(&EventRow) -> String,
    now: DateTime<Utc>,
    ui: &Ui,
) {
    if events.is_empty() {
        lines.push(Line::from(vec![
            Span::styled(title.to_string(), ui.style("title")),
            Span::styled("  none", ui.style("muted")),
        ]));
        return;
    }
    lines.push(Line::from(Span::styled(
        title.to_string(),
        ui.style("title"),
    )));
    for e in events.iter().take(shown) {
        lines.push(event_line(e, &about(e), now, ui));
    }
}
