//! `:backups`: one section per configured database, each figure on its own line (what was
//! measured, its judgement against the policy in the verdict's colour, and where it came from
//! and how fresh). Lines wrap rather than cut, so numbers and units survive 80 columns. `enter`
//! opens the selected database's runs: its backup and restore-test Jobs, newest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::style::Ui;
use super::table::panel;
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::backup::figures::{BackupRow, Verdict};
use crate::backup::runs::{Outcome, Run};
use crate::model::age::{human_age, human_duration};

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Backups,
    title: "Backups",
    short_title: "Bak",
    hints: &[
        Action::RestoreDrill,
        Action::BackupNow,
        Action::Details,
        Action::Help,
        Action::Quit,
    ],
    render,
};

pub fn verdict_role(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "ok",
        Verdict::Warning => "warning",
        Verdict::Breached => "critical",
        Verdict::Unknown => "muted",
    }
}

/// The word a database's heading gives its worst figure.
fn verdict_word(v: Verdict) -> &'static str {
    match v {
        Verdict::Ok => "OK",
        Verdict::Warning => "WARNING",
        Verdict::Breached => "BREACHED",
        Verdict::Unknown => "UNKNOWN",
    }
}

/// One database in one line, for the Overview: the last backup's age against the RPO, the
/// WAL lag against its limit, the last good restore test's age against the drill policy, each
/// in its verdict's colour.
pub fn summary_line<'a>(row: &BackupRow, ui: &Ui) -> Line<'a> {
    let def_limit = |label: &str| match label {
        "last backup" => row.limits.0.clone(),
        "WAL archived" => row.limits.1.clone(),
        _ => row.limits.2.clone(),
    };
    let mut spans = vec![Span::styled(row.name.clone(), ui.style("title"))];
    let mut first = true;
    for (label, word) in [
        ("last backup", "backup"),
        ("WAL archived", "WAL"),
        ("last restore test", "drill"),
    ] {
        if let Some(f) = row.figure(label) {
            let separator = if first { "  " } else { " · " };
            first = false;
            spans.push(Span::raw(format!("{separator}{word} ")));
            spans.push(Span::styled(
                format!("{}/{}", f.short, def_limit(label)),
                ui.style(verdict_role(f.verdict)),
            ));
        }
    }
    let verdict = row.verdict();
    if verdict >= Verdict::Warning {
        // The word says which figure it judges: after `drill 38h/7d` a bare `BREACHED` read as
        // the drill's, when it was the failed backup's.
        spans.push(Span::styled(
            format!("  {} ({})", verdict_word(verdict), worst_of(row, verdict)),
            ui.style(verdict_role(verdict)),
        ));
    }
    Line::from(spans)
}

/// What makes a row as bad as `verdict`, in the summary's words: the first figure judged so and
/// how many more (`backup +2`), else its firing alerts, else what could not be looked at.
fn worst_of(row: &BackupRow, verdict: Verdict) -> String {
    let short = |label: &str| {
        match label {
            "last backup" => "backup",
            "WAL archived" => "WAL",
            "last restore test" => "drill",
            "last attempt" => "attempt",
            "failed runs" => "runs",
            other => other,
        }
        .to_string()
    };
    let figures: Vec<&str> = row
        .figures
        .iter()
        .filter(|f| f.verdict == verdict)
        .map(|f| f.label)
        .collect();
    match (figures.first(), row.alerts.first()) {
        (Some(first), _) if figures.len() > 1 => format!("{} +{}", short(first), figures.len() - 1),
        (Some(first), _) => short(first),
        (None, Some(alert)) => alert.clone(),
        (None, None) => "not all read".into(),
    }
}

/// The lines of one database: its heading (name, namespace, worst verdict, firing alerts),
/// what stands in the way, then each figure.
pub fn database_lines<'a>(row: &BackupRow, selected: bool, width: usize, ui: &Ui) -> Vec<Line<'a>> {
    let verdict = row.verdict();
    let marker = if selected { "▶ " } else { "  " };
    let mut heading = vec![
        Span::styled(format!("{marker}{}", row.name), ui.style("title")),
        Span::styled(format!("  {}  ", row.namespace), ui.style("muted")),
        Span::styled(verdict_word(verdict), ui.style(verdict_role(verdict))),
    ];
    if !row.alerts.is_empty() {
        heading.push(Span::styled(
            format!("  firing: {}", row.alerts.join(", ")),
            ui.style("critical"),
        ));
    }
    let mut lines = vec![Line::from(heading)];
    for problem in &row.problems {
        lines.push(Line::from(Span::styled(
            format!("    {problem}"),
            ui.style("warning"),
        )));
    }
    for f in &row.figures {
        let mut spans = vec![
            Span::styled(format!("    {:<18}", f.label), ui.style("muted")),
            Span::raw(f.value.clone()),
        ];
        let mut whole = Vec::new();
        if !f.judged.is_empty() {
            // Each phrase of the judgement (`within RPO 24h`, `metric not yet updated (manual
            // run)`) is kept on one line: half a phrase on each line reads as two verdicts.
            let style = ui.style(verdict_role(f.verdict));
            for (i, phrase) in f.judged.split("; ").enumerate() {
                if i == 0 {
                    spans.push(Span::raw("  "));
                    whole.push(spans.len());
                    spans.push(Span::styled(phrase.to_string(), style));
                } else {
                    spans.push(Span::styled(";", style));
                    whole.push(spans.len());
                    spans.push(Span::styled(format!(" {phrase}"), style));
                }
            }
        }
        spans.push(Span::styled(format!("  · {}", f.source), ui.style("muted")));
        lines.extend(hanging_whole(spans, &whole, width, FIGURE_INDENT));
    }
    lines
}

/// Where a figure's value starts: continuation lines start there too.
const FIGURE_INDENT: usize = 22;

/// Wraps styled text at spaces to `width` columns, continuation lines indented by `indent`,
/// so a wrapped figure stays under its value instead of running back to the border. A word
/// longer than a line is left whole (the paragraph's own wrap breaks it).
fn hanging<'a>(spans: Vec<Span<'a>>, width: usize, indent: usize) -> Vec<Line<'a>> {
    hanging_whole(spans, &[], width, indent)
}

/// Like `hanging`, with the spans at `whole` kept on one line: one that does not fit where it
/// would start moves whole to the next line (its leading spaces and `; ` dropped there); only
/// one longer than a whole line is broken at its spaces.
fn hanging_whole<'a>(
    spans: Vec<Span<'a>>,
    whole: &[usize],
    width: usize,
    indent: usize,
) -> Vec<Line<'a>> {
    let mut lines: Vec<Line<'a>> = Vec::new();
    let mut current: Vec<Span<'a>> = Vec::new();
    let mut used = 0;
    for (index, span) in spans.into_iter().enumerate() {
        let style = span.style;
        let text = span.content.into_owned();
        if whole.contains(&index) {
            let w = Span::raw(text.as_str()).width();
            let bare = text.trim_start_matches([' ', ';']);
            let bare_width = Span::raw(bare).width();
            if used + w <= width {
                current.push(Span::styled(text, style));
                used += w;
                continue;
            }
            if used > indent && indent + bare_width <= width {
                lines.push(Line::from(std::mem::take(&mut current)));
                current.push(Span::raw(" ".repeat(indent)));
                current.push(Span::styled(bare.to_string(), style));
                used = indent + bare_width;
                continue;
            }
        }
        // Words with the spaces before them, so the text's own spacing is kept.
        let mut rest = text.as_str();
        while !rest.is_empty() {
            let lead = rest.len() - rest.trim_start_matches(' ').len();
            let word_end = rest[lead..].find(' ').map_or(rest.len(), |i| lead + i);
            let (piece, tail) = rest.split_at(word_end);
            rest = tail;
            let word = &piece[lead..];
            let w = Span::raw(piece).width();
            if used + w > width && word.is_empty() {
                // Spaces that would end the line: dropped, never a line of their own.
                continue;
            }
            if used > indent && used + w > width {
                lines.push(Line::from(std::mem::take(&mut current)));
                current.push(Span::raw(" ".repeat(indent)));
                used = indent;
                current.push(Span::styled(word.to_string(), style));
                used += Span::raw(word).width();
            } else {
                current.push(Span::styled(piece.to_string(), style));
                used += w;
            }
        }
    }
    if !current.is_empty() {
        lines.push(Line::from(current));
    }
    lines
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let rows = &state.rows.backups;
    let selected = state.table(ViewId::Backups).selected;
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines: Vec<Line> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            lines.push(Line::raw(""));
        }
        let selected = i == selected && rows.len() > 1;
        lines.extend(database_lines(row, selected, width, ui));
    }
    // `enter` drills down: the selected database's runs take the whole view (80x24 has no
    // room for both); `esc` comes back.
    if state.details
        && let Some(row) = rows.get(selected)
    {
        runs_panel(frame, area, row, state, ui);
        return;
    }
    if rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no databases configured: add a [[backup]] table to config.toml",
            ui.style("muted"),
        )));
    }
    let freshness = crate::app::backups::freshness(state);
    let block = panel("Backups", freshness, ui, area.width).title_bottom(Span::styled(
        " times UTC · enter runs and drills ",
        ui.style("muted"),
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// One Job: name, scheduled or manual, when it started, how long it ran, how it ended.
fn run_line<'a>(
    run: &Run,
    name_width: usize,
    width: usize,
    state: &AppState,
    ui: &Ui,
) -> Vec<Line<'a>> {
    let (word, role) = match &run.outcome {
        Outcome::Running => ("running".to_string(), "accent"),
        Outcome::Complete { .. } => ("Complete".to_string(), "ok"),
        Outcome::Failed { reason, .. } if reason.is_empty() => ("Failed".to_string(), "critical"),
        Outcome::Failed { reason, .. } => (format!("Failed: {reason}"), "critical"),
    };
    let started = run
        .started
        .or(run.created)
        .map_or("not started".to_string(), |t| {
            format!("{} ago", human_age(t, state.now))
        });
    let took = match (run.took(), run.started) {
        (Some(t), _) => format!("took {}", human_duration(t.num_seconds().max(0) as u64)),
        (None, Some(s)) => format!("for {}", human_age(s, state.now)),
        (None, None) => String::new(),
    };
    let spans = vec![
        Span::raw(format!("  {:<name_width$} ", run.name)),
        Span::styled(
            format!("{:<9}", if run.manual { "manual" } else { "scheduled" }),
            ui.style("muted"),
        ),
        Span::raw(format!(" {started:>9}  {took:<10} ")),
        Span::styled(word, ui.style(role)),
    ];
    let mut spans = spans;
    match &run.concluded {
        // What the console concluded when it followed the run: who started it, the verdict
        // (the log's as well as the Job's), the RTO.
        Some(c) => spans.push(Span::styled(
            format!(
                " · by {}: {}{}",
                c.who,
                if c.passed { "PASS" } else { "FAIL" },
                c.rto_seconds
                    .map(|s| format!(" RTO {}", human_duration(s.max(0) as u64)))
                    .unwrap_or_default()
            ),
            ui.style(if c.passed { "ok" } else { "critical" }),
        )),
        None if run.manual && run.outcome != Outcome::Running => {
            spans.push(Span::styled(" · not followed", ui.style("muted")))
        }
        None => {}
    }
    if run.pruned {
        spans.push(Span::styled(
            " (pruned: from the audit log)",
            ui.style("muted"),
        ));
    }
    hanging(spans, width, 4)
}

/// A failed run's last log lines, where they have been read (or why they could not be).
fn log_tail<'a>(
    run: &Run,
    namespace: &str,
    width: usize,
    state: &AppState,
    ui: &Ui,
) -> Vec<Line<'a>> {
    if !matches!(run.outcome, Outcome::Failed { .. }) {
        return Vec::new();
    }
    match state
        .run_logs
        .get(&(namespace.to_string(), run.name.clone()))
    {
        Some(Ok(lines)) => lines
            .iter()
            .flat_map(|l| {
                let role = if l.contains("error") || l.contains("FAIL") {
                    "critical"
                } else {
                    "muted"
                };
                hanging(
                    vec![Span::styled(format!("      | {l}"), ui.style(role))],
                    width,
                    8,
                )
            })
            .collect(),
        Some(Err(e)) => vec![Line::from(Span::styled(
            format!("      log not readable: {e}"),
            ui.style("warning"),
        ))],
        None => Vec::new(),
    }
}

/// The selected database's backup and restore-test Jobs, newest first.
fn runs_panel(frame: &mut Frame, area: Rect, row: &BackupRow, state: &AppState, ui: &Ui) {
    let width = usize::from(area.width.saturating_sub(2));
    let name_width = row
        .backups
        .iter()
        .chain(&row.restores)
        .map(|r| r.name.len())
        .max()
        .unwrap_or(0);
    let mut lines = vec![Line::from(Span::styled("backups", ui.style("title")))];
    if row.backups.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no Jobs kept",
            ui.style("muted"),
        )));
    }
    for run in &row.backups {
        lines.extend(run_line(run, name_width, width, state, ui));
        lines.extend(log_tail(run, &row.namespace, width, state, ui));
    }
    lines.push(Line::from(Span::styled(
        "restore tests and drills",
        ui.style("title"),
    )));
    if row.restores.is_empty() {
        lines.push(Line::from(Span::styled(
            "  no Jobs kept",
            ui.style("muted"),
        )));
    }
    for run in &row.restores {
        lines.extend(run_line(run, name_width, width, state, ui));
        lines.extend(log_tail(run, &row.namespace, width, state, ui));
    }
    let freshness = crate::app::backups::freshness(state);
    let block = panel(&format!("Runs: {}", row.name), freshness, ui, area.width)
        .title_bottom(Span::styled(" esc back ", ui.style("muted")));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_judgement_phrase_moves_whole_to_the_next_line_instead_of_breaking() {
        let spans = vec![
            Span::raw("    last backup       "),
            Span::raw("2h 14m ago (manual run)"),
            Span::raw("  "),
            Span::raw("within RPO 24h"),
            Span::raw(";"),
            Span::raw(" metric not yet updated (manual run)"),
            Span::raw("  · k8s"),
        ];
        // At 78 columns `metric` fits after the RPO but the rest of its phrase does not.
        let lines = hanging_whole(spans, &[3, 5], 78, FIGURE_INDENT);
        let texts: Vec<String> = lines.iter().map(text).collect();
        assert_eq!(
            texts,
            [
                "    last backup       2h 14m ago (manual run)  within RPO 24h;",
                "                      metric not yet updated (manual run)  · k8s",
            ]
        );
        assert!(texts.iter().all(|t| t.chars().count() <= 78));
    }

    #[test]
    fn a_phrase_longer_than_a_line_is_still_broken_at_its_spaces() {
        let spans = vec![
            Span::raw("    figure            "),
            Span::raw("  a judgement far too long for any single line of this narrow width"),
        ];
        let lines = hanging_whole(spans, &[1], 40, FIGURE_INDENT);
        assert!(
            lines.len() > 2,
            "{:?}",
            lines.iter().map(text).collect::<Vec<_>>()
        );
        assert!(lines.iter().all(|l| text(l).chars().count() <= 40));
    }
}
