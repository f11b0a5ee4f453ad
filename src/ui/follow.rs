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
use crate::model::guard::{BurnLine, PAGE_FACTOR};

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
    // An ended rollout's time no longer moves: it is said as what it took.
    let label = if f.end.is_some() { "took " } else { "elapsed " };
    lines.push(Line::from(vec![
        Span::styled(label, muted),
        Span::raw(human_duration(elapsed)),
        Span::styled(format!("   since {}", f.started.format("%H:%M:%S")), muted),
    ]));
    guard_verdict(&mut lines, state, f, ui);
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
    guard_details(&mut lines, state, f, ui);
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

/// The guard's verdict, near the top: tripped (loudly, with the reason and the time, and the
/// keys that act on it), done watching, or quiet; blind when burn cannot be judged.
fn guard_verdict(
    lines: &mut Vec<Line<'static>>,
    state: &AppState,
    f: &crate::app::follow::Follow,
    ui: &Ui,
) {
    let Some(verdict) = &f.verdict else {
        return;
    };
    let muted = ui.style("muted");
    let label = |text: &str| label(text, ui);
    match (&verdict.tripped, verdict.watching) {
        (Some(trip), _) => {
            lines.push(Line::from(vec![
                label("guard"),
                Span::styled(
                    format!("TRIPPED {}: {}", trip.at.format("%H:%M:%S"), trip.reason),
                    ui.style("critical"),
                ),
            ]));
            if !state.readonly {
                let key = |action| {
                    ui.keymap
                        .effective_keys(crate::app::action::Mode::Follow, action)
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                };
                // Pausing a finished rollout changes nothing: then undo only.
                let offer = if f.end.is_none() && f.kind == "Deployment" {
                    format!(
                        "{} pause  {} undo (checked and confirmed as always)",
                        key(crate::app::action::Action::PauseResume),
                        key(crate::app::action::Action::Undo)
                    )
                } else {
                    format!(
                        "{} undo (checked and confirmed as always)",
                        key(crate::app::action::Action::Undo)
                    )
                };
                lines.push(Line::from(vec![
                    label(""),
                    Span::styled(offer, ui.style("key")),
                ]));
            }
        }
        (None, false) => lines.push(Line::from(vec![
            label("guard"),
            Span::styled(
                format!(
                    "done watching ({} after completion)",
                    human_duration(state.guard.watch_after.num_seconds().max(0) as u64)
                ),
                muted,
            ),
        ])),
        // A service paging before the rollout is not quiet, though burn cannot trip the guard.
        (None, true)
            if verdict
                .burns
                .iter()
                .any(|b| matches!(b, BurnLine::SinceBefore { .. })) =>
        {
            lines.push(Line::from(vec![
                label("guard"),
                Span::styled(
                    "not tripped: this SLO was already paging before the rollout began, so its burn cannot be blamed on it",
                    ui.style("warning"),
                ),
            ]))
        }
        // Blind is not quiet: the line says what the guard cannot see.
        (None, true) if verdict.blind.is_some() => {}
        // Half the page condition: not quiet either.
        (None, true) if verdict.burns.iter().any(half_paging) => lines.push(Line::from(vec![
            label("guard"),
            Span::styled(
                format!(
                    "watching: a fast burn is over {PAGE_FACTOR}x; it trips when both 5m and 1h are"
                ),
                ui.style("warning"),
            ),
        ])),
        (None, true) => lines.push(Line::from(vec![
            label("guard"),
            Span::styled("quiet: nothing has tripped it", ui.style("ok")),
        ])),
    }
    if let Some(blind) = &verdict.blind {
        // Why there is no burn data, when the SLO source says.
        let why = state
            .slo
            .failing
            .as_ref()
            .map(|(_, error)| format!(" ({}: {error})", state.slo.source))
            .unwrap_or_default();
        let first = verdict.tripped.is_none() && verdict.watching;
        let (label_text, blind) = match blind.strip_prefix("guard ") {
            Some(rest) if first => ("guard", rest),
            _ => ("", blind.as_str()),
        };
        lines.push(Line::from(vec![
            label(label_text),
            Span::styled(
                format!("{blind}: burn never trips it{why}"),
                ui.style("stale"),
            ),
        ]));
    }
    if let Some((words, role)) = crate::app::guard::auto_pause_words(state, f) {
        lines.push(Line::from(vec![
            label("auto"),
            Span::styled(words, ui.style(role)),
        ]));
    }
}

/// Beside the rollout: each covering SLO's fast burn now and at the start, the alerts for the
/// workload that began after the rollout, the new pods' trouble.
fn guard_details(
    lines: &mut Vec<Line<'static>>,
    state: &AppState,
    f: &crate::app::follow::Follow,
    ui: &Ui,
) {
    let Some(verdict) = &f.verdict else {
        return;
    };
    let muted = ui.style("muted");
    let label = |text: &str| label(text, ui);
    if verdict.burns.is_empty() {
        lines.push(Line::from(vec![
            label("burn"),
            Span::styled(format!("no SLO covers {}/{}", f.namespace, f.name), muted),
        ]));
    }
    let pair = |(m5, h1): (f64, f64)| format!("{m5:.1}x/{h1:.1}x");
    let start = |now: (f64, f64), at_start: Option<(f64, f64)>| match at_start {
        Some(s) if pair(s) != pair(now) => format!(", at start {}", pair(s)),
        Some(_) => ", as at start".to_string(),
        None => String::new(),
    };
    for (i, burn) in verdict.burns.iter().enumerate() {
        let (slo, words, role) = match burn {
            BurnLine::Quiet { slo, now, at_start } => (
                slo,
                format!("{}{}", pair(*now), start(*now, *at_start)),
                if half_paging(burn) { "warning" } else { "text" },
            ),
            BurnLine::Paging { slo, now, at_start } => (
                slo,
                format!("{} paging{}", pair(*now), start(*now, *at_start)),
                "critical",
            ),
            BurnLine::SinceBefore { slo, now } => (
                slo,
                format!("burning since before this rollout: {}", pair(*now)),
                "warning",
            ),
            BurnLine::Missing { slo, why } => (slo, why.clone(), "stale"),
        };
        lines.push(Line::from(vec![
            label(if i == 0 { "5m/1h" } else { "" }),
            Span::raw(format!("{slo} ")),
            Span::styled(words, ui.style(role)),
        ]));
    }
    for (i, alert) in new_alerts(state, f).into_iter().enumerate() {
        lines.push(Line::from(vec![
            label(if i == 0 { "alerts" } else { "" }),
            Span::styled(alert, ui.style("warning")),
        ]));
    }
    for (i, pod) in verdict.pods.iter().enumerate() {
        lines.push(Line::from(vec![
            label(if i == 0 { "new pods" } else { "" }),
            Span::styled(pod.clone(), ui.style("warning")),
        ]));
    }
}

/// One of the two fast windows over the page factor, not both.
fn half_paging(burn: &BurnLine) -> bool {
    matches!(burn, BurnLine::Quiet { now: (m5, h1), .. } if *m5 > PAGE_FACTOR || *h1 > PAGE_FACTOR)
}

/// Alerts for the workload's namespace and service that began after the rollout did.
fn new_alerts(state: &AppState, f: &crate::app::follow::Follow) -> Vec<String> {
    let services: Vec<&str> = state
        .slo
        .definitions
        .iter()
        .filter(|d| {
            f.verdict
                .as_ref()
                .is_some_and(|v| v.burns.iter().any(|b| burn_slo(b) == d.name))
        })
        .map(|d| d.service.as_str())
        .collect();
    let mut alerts: Vec<String> = state
        .alerts
        .merged()
        .alerts
        .iter()
        .filter(|a| a.alert.starts_at >= f.started)
        .filter(|a| {
            a.alert.labels.get("namespace").map(String::as_str) == Some(f.namespace.as_str())
        })
        .filter(|a| {
            a.alert
                .labels
                .get("service")
                .is_some_and(|s| s == &f.name || services.contains(&s.as_str()))
                || a.alert
                    .labels
                    .get("deployment")
                    .is_some_and(|d| d == &f.name)
        })
        .map(|a| {
            format!(
                "{} since {}",
                a.alert.labels.get("alertname").cloned().unwrap_or_default(),
                a.alert.starts_at.format("%H:%M:%S")
            )
        })
        .collect();
    alerts.sort();
    alerts.dedup();
    alerts
}

fn burn_slo(line: &crate::model::guard::BurnLine) -> &str {
    match line {
        BurnLine::Quiet { slo, .. }
        | BurnLine::Paging { slo, .. }
        | BurnLine::SinceBefore { slo, .. }
        | BurnLine::Missing { slo, .. } => slo,
    }
}

/// A pane line's label, in its column.
fn label(text: &str, ui: &Ui) -> Span<'static> {
    Span::styled(format!("{text:<9}"), ui.style("muted"))
}
