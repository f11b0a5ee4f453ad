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
    if let Some((words, role)) = deadline(state, f) {
        lines.push(Line::from(vec![
            Span::styled("deadline ", muted),
            Span::styled(words, ui.style(role)),
        ]));
    }
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

/// A Deployment's progress deadline, as the controller applies it: `progressDeadlineSeconds`
/// from the last progress its `Progressing` condition recorded; when it passed, when.
fn deadline(state: &AppState, f: &crate::app::follow::Follow) -> Option<(String, &'static str)> {
    if f.kind != "Deployment" {
        return None;
    }
    let d = state
        .cluster
        .deployments
        .get(&(f.namespace.clone(), f.name.clone()))?;
    let seconds = d
        .spec
        .as_ref()
        .and_then(|s| s.progress_deadline_seconds)
        .unwrap_or(600);
    let progressing = d
        .status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Progressing")?;
    let at = progressing
        .last_update_time
        .as_ref()
        .map(crate::model::age::k8s_time)?;
    let limit = format!("limit {seconds}s");
    if progressing.reason.as_deref() == Some("ProgressDeadlineExceeded") {
        return Some((
            format!("exceeded at {} ({limit})", at.format("%H:%M:%S")),
            "critical",
        ));
    }
    if f.end.is_some() || progressing.reason.as_deref() == Some("NewReplicaSetAvailable") {
        return Some((limit, "muted"));
    }
    let passes = at + chrono::Duration::seconds(i64::from(seconds));
    let left = (passes - state.now).num_seconds().max(0) as u64;
    Some((
        format!(
            "passes {} if no progress (in {}, {limit})",
            passes.format("%H:%M:%S"),
            human_duration(left)
        ),
        if left < u64::from(seconds.unsigned_abs()) / 3 {
            "warning"
        } else {
            "text"
        },
    ))
}
