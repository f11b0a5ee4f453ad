//! A followed rollout's pane: what started it (the write's answer), how long it has run, each
//! stage in `kubectl rollout status`'s words with the time it was seen, the workload's pods as
//! they come ready (status, restarts, why one is not), and how it ended.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::freshness::watch_freshness;
use super::style::Ui;
use super::table::panel;
use crate::app::follow::{FollowKey, row_of};
use crate::app::state::AppState;
use crate::model::age::human_duration;

pub fn render(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    key: &FollowKey,
    outcome: Option<&Result<String, String>>,
    ui: &Ui,
) {
    let Some(f) = state.follow.follows.get(key) else {
        return;
    };
    let muted = ui.style("muted");
    let mut lines = Vec::new();
    match outcome {
        Some(Ok(answer)) => lines.push(Line::from(Span::styled(answer.clone(), ui.style("ok")))),
        Some(Err(unknown)) => lines.push(Line::from(Span::styled(
            unknown.clone(),
            ui.style("warning"),
        ))),
        None => {}
    }
    let until = f.end.as_ref().map_or(state.now, |(t, _)| *t);
    let elapsed = (until - f.started).num_seconds().max(0) as u64;
    lines.push(Line::from(vec![
        Span::styled("elapsed ", muted),
        Span::raw(human_duration(elapsed)),
        Span::styled(format!("   since {}", f.started.format("%H:%M:%S")), muted),
    ]));
    lines.push(Line::from(Span::styled("stages", ui.style("title"))));
    if f.stages.is_empty() {
        lines.push(Line::from(Span::styled(
            "  waiting for the change to come back through the watch",
            ui.style("stale"),
        )));
    }
    for (at, words) in &f.stages {
        lines.push(Line::from(vec![
            Span::styled(format!("  {} ", at.format("%H:%M:%S")), muted),
            Span::raw(words.clone()),
        ]));
    }
    match &f.end {
        Some((at, how)) => {
            let role = if how == "complete" { "ok" } else { "warning" };
            lines.push(Line::from(vec![
                Span::styled(format!("  {} ", at.format("%H:%M:%S")), muted),
                Span::styled(format!("ended: {how}"), ui.style(role)),
            ]));
        }
        None => lines.push(Line::from(Span::styled(
            "  following... (esc closes the pane; following goes on)",
            ui.style("stale"),
        ))),
    }
    if let Some((row, _)) = row_of(state, f.kind, &f.namespace, &f.name) {
        super::rollouts::workload_pods(&mut lines, &row, state, area.width.saturating_sub(2), ui);
    }
    let title = format!("Following {} {}/{}", f.kind, f.namespace, f.name);
    let block = panel(
        &title,
        watch_freshness(state, Some("deployments")),
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
