//! The Overview's right-hand panels: active alerts by severity (and a critical one pending),
//! and the warnings below: recent Warning events, the worst backup.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::alerts;
use super::freshness::watch_freshness;
use super::style::Ui;
use super::table::panel;
use crate::app::alerts::SEVERITIES;
use crate::app::state::AppState;
use crate::model::age::human_age;

/// Active alerts by severity, how many are silenced or inhibited, and the newest critical.
pub fn alerts_panel(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let s = &state.rows.alert_summary;
    let mut counts = Vec::new();
    for (i, name) in SEVERITIES.iter().enumerate() {
        let n = s.by_severity[i];
        let role = if n == 0 {
            "muted"
        } else {
            alerts::severity_role(name)
        };
        counts.push(Span::styled(format!("{n} {name} "), ui.style(role)));
    }
    if s.by_severity[SEVERITIES.len()] > 0 {
        counts.push(Span::styled(
            format!("{} other ", s.by_severity[SEVERITIES.len()]),
            ui.style("text"),
        ));
    }
    // Suppressed alerts are counted apart: someone is on them, or a worse alert covers them.
    let mut suppressed = format!("{} {} silenced", ui.symbols.separator.trim(), s.silenced);
    if s.inhibited > 0 {
        suppressed.push_str(&format!(" {} inhibited", s.inhibited));
    }
    counts.push(Span::styled(suppressed, ui.style("muted")));
    let room = usize::from(area.width.saturating_sub(2));
    // Narrow: severities with no alert give way first, so every count shown is whole.
    if Line::from(counts.clone()).width() > room {
        counts.retain(|span| !span.content.starts_with("0 "));
    }
    let newest = match &s.newest_critical {
        Some(row) => {
            let age = format!("{} ago", human_age(row.merged.alert.starts_at, state.now));
            let full_place = [row.namespace.as_str(), row.service.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join("/");
            // What gives way when narrow: the namespace, then the label; the alert's name and
            // its age stay whole.
            let line = |label: &'static str, place: &str| {
                Line::from(vec![
                    Span::styled(label, ui.style("muted")),
                    Span::styled(row.alertname.clone(), ui.style("critical")),
                    Span::raw(format!(" {place} ")),
                    Span::styled(age.clone(), ui.style("muted")),
                ])
            };
            [
                line("newest critical: ", &full_place),
                line("newest critical: ", &row.service),
                line("critical: ", &row.service),
                line("", &row.service),
            ]
            .into_iter()
            .find(|l| l.width() <= room)
            .unwrap_or_else(|| line("", ""))
        }
        // A critical alert that holds but has not held for its `for` yet is said with when it
        // fires: beside an SLO already paging, "no critical alert" would contradict it.
        None => match pending_critical(state) {
            Some(pending) => Line::from(Span::styled(
                super::fit::cut_end(&pending.words(state.now), room, ui.symbols.ellipsis),
                ui.style("warning"),
            )),
            None => Line::from(Span::styled("no critical alert firing", ui.style("ok"))),
        },
    };
    let (fresh, role) = alerts::freshness(state);
    // The Alertmanagers are named on the alerts view; here the state and age are what fit.
    let fresh = fresh
        .split_once(": ")
        .map_or(fresh.clone(), |(_, rest)| rest.to_string());
    let mut block = panel("Alerts", (fresh, role), ui, area.width);
    if let Some(reason) = alerts::failures(state, ui) {
        block = block.title_bottom(reason);
    }
    frame.render_widget(
        Paragraph::new(vec![Line::from(counts), newest]).block(block),
        area,
    );
}

/// The critical alert that will fire first, of those Prometheus holds pending.
fn pending_critical(state: &AppState) -> Option<&crate::model::pending_alert::PendingAlert> {
    let pending = state.slo.last.as_ref()?.pending.as_ref().ok()?;
    pending
        .iter()
        .filter(|p| p.severity == "critical")
        .min_by_key(|p| p.fires_at)
}

pub fn warnings_panel(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    backups: Option<Line<'static>>,
    ui: &Ui,
) {
    let warnings = &state.rows.overview.warnings;
    let room = area.height.saturating_sub(2) as usize;
    let lines: Vec<Line> = if warnings.is_empty() {
        vec![Line::from(Span::styled("no warnings", ui.style("ok")))]
    } else {
        warnings
            .iter()
            .take(room)
            .map(|e| {
                // `FailedScheduling: 0/6 nodes ...`: the reason in the warning colour.
                let (reason, rest) = match e.what.split_once(": ") {
                    Some((reason, rest)) => (format!("{reason}: "), rest.to_string()),
                    None => (format!("{} ", e.what), String::new()),
                };
                let role = if e.severity == crate::timeline::Severity::Critical {
                    "critical"
                } else {
                    "warning"
                };
                let count = if e.count > 1 {
                    format!("x{} ", e.count)
                } else {
                    String::new()
                };
                Line::from(vec![
                    Span::styled(
                        format!("{:>4} ", human_age(e.last, state.now)),
                        ui.style("muted"),
                    ),
                    Span::raw(format!("{} ", e.subject.text())),
                    Span::styled(format!("{count}{reason}"), ui.style(role)),
                    Span::styled(rest, ui.style("muted")),
                ])
            })
            .collect()
    };
    let mut block = panel(
        "Recent warnings",
        watch_freshness(state, Some("events")),
        ui,
        area.width,
    );
    if let Some(line) = backups {
        block = block.title_bottom(line);
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
