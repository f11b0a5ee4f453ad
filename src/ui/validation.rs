//! `:validation`: the runbook's phases as rows with their counts, each criterion under its
//! phase (id, title, kind, result, measured against expected, checked age), in the runbook's
//! order; a run's results fill in as they arrive. `enter` opens the selected criterion's
//! evidence: what was measured, against what, from where, when, and when it last changed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::fit::Cut;
use super::style::Ui;
use super::table::{TableSpec, draw, panel};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::validation::{STALE_AFTER, Shown, ValidationState};
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
pub use crate::model::columns::VALIDATION_COLUMNS;
use crate::validation::outcome::Verdict;
use crate::validation::results::{CriterionResult, Totals};
use crate::validation::runbook::{Criterion, Phase};

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Validation,
    title: "Validation",
    short_title: "Val",
    hints: &[
        Action::RunValidation,
        Action::RunPhase,
        Action::StopRun,
        Action::Details,
        Action::Help,
        Action::Quit,
    ],
    render,
};

const CUTS: &[Cut] = &[
    Cut::Never,
    Cut::End(16),
    Cut::End(6),
    Cut::Never,
    Cut::End(14),
    Cut::End(10),
    Cut::Never,
];

/// A row of the view: a phase, or a criterion under it.
pub enum Row<'a> {
    Phase(&'a Phase),
    Criterion(&'a Phase, &'a Criterion),
}

/// The rows in the runbook's order.
pub fn rows(v: &ValidationState) -> Vec<Row<'_>> {
    let Some(runbook) = &v.runbook else {
        return Vec::new();
    };
    runbook
        .phases
        .iter()
        .flat_map(|p| {
            std::iter::once(Row::Phase(p))
                .chain(p.criteria.iter().map(move |c| Row::Criterion(p, c)))
        })
        .collect()
}

pub fn verdict_role(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "ok",
        Verdict::Fail => "critical",
        Verdict::Unknown => "warning",
    }
}

/// A phase's colour: its worst result (all passed: ok; any failed: critical; else warning).
fn phase_role(t: &Totals) -> &'static str {
    if t.failed > 0 {
        "critical"
    } else if t.passed == t.total {
        "ok"
    } else {
        "warning"
    }
}

/// A phase's counts from what is shown now.
pub fn phase_totals(v: &ValidationState, phase: &Phase) -> Totals {
    let mut t = Totals {
        total: phase.criteria.len(),
        ..Totals::default()
    };
    for c in &phase.criteria {
        if let Shown::Result(r) = v.shown(&c.id) {
            match r.result {
                Verdict::Pass => t.passed += 1,
                Verdict::Fail => t.failed += 1,
                Verdict::Unknown => t.unknown += 1,
            }
        }
    }
    t
}

/// The panel's title line: the runbook, the last run's time, age and totals, or the run going.
pub fn freshness(state: &AppState) -> (String, &'static str) {
    let v = &state.validation;
    if let Some(running) = &v.running {
        let done = running.results.len();
        return (
            format!(
                "running: {done} of {} checked, {} to go",
                running.total(),
                running.total() - done
            ),
            "accent",
        );
    }
    match &v.last {
        None => ("never run: v runs it".into(), "muted"),
        Some(last) => {
            let age = state.now - last.started;
            let mut text = format!(
                "last run {} ({} ago) · {}",
                last.started.format("%H:%M UTC"),
                human_age(last.started, state.now),
                last.totals().words()
            );
            if last.phases.len() < v.runbook.as_ref().map_or(0, |r| r.phases.len()) {
                let ids: Vec<&str> = last.phases.iter().map(|p| p.id.as_str()).collect();
                text.push_str(&format!(" (phase {})", ids.join(", ")));
            }
            if age > STALE_AFTER {
                (format!("{text} · stale"), "warning")
            } else if last.totals().failed > 0 {
                (text, "critical")
            } else if last.totals().unknown > 0 {
                (text, "warning")
            } else {
                (text, "ok")
            }
        }
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let v = &state.validation;
    let rows = rows(v);
    let table = state.table(ViewId::Validation);
    let (table_area, detail_area) = super::pods::split(area, state.details, rows.len());
    let name = v.runbook.as_ref().map_or("", |r| r.name.as_str());
    let bottom = match &v.history {
        Some(Err(e)) => Span::styled(
            format!(" history unreadable: {e} (runs still work) "),
            ui.style("warning"),
        ),
        Some(Ok(h)) if h.skipped > 0 => Span::styled(
            format!(" history: {} unreadable line(s) skipped ", h.skipped),
            ui.style("warning"),
        ),
        _ => Span::styled(
            format!(
                " {} of {} · v run all · V run phase · X stop{} ",
                table.selected + 1,
                rows.len(),
                match &v.history {
                    Some(Ok(h)) if h.other_clusters > 0 => {
                        format!(" · {} run(s) of other clusters not shown", h.other_clusters)
                    }
                    _ => String::new(),
                }
            ),
            ui.style("muted"),
        ),
    };
    // The runbook's name is the decoration that gives way on a narrow screen; the run's time,
    // age and totals never do.
    let block = panel(
        &format!("Validation ({name})"),
        freshness(state),
        ui,
        area.width,
    )
    .title_bottom(bottom);
    draw(
        frame,
        table_area,
        block,
        TableSpec {
            columns: VALIDATION_COLUMNS,
            cuts: CUTS,
            hide_order: &[5, 2, 6],
            len: rows.len(),
            table,
        },
        ui,
        |i| match &rows[i] {
            Row::Phase(p) => {
                let t = phase_totals(v, p);
                let failing: Vec<String> = p
                    .criteria
                    .iter()
                    .filter(
                        |c| matches!(v.shown(&c.id), Shown::Result(r) if r.result == Verdict::Fail),
                    )
                    .map(|c| c.id.clone())
                    .collect();
                let role = phase_role(&t);
                vec![
                    Line::from(Span::styled(p.id.clone(), ui.style("title"))),
                    Line::from(Span::styled(p.title.clone(), ui.style("title"))),
                    Line::raw(""),
                    Line::from(Span::styled(
                        format!("{}/{}", t.passed, t.total),
                        ui.style(role),
                    )),
                    Line::from(Span::styled(
                        if failing.is_empty() {
                            String::new()
                        } else {
                            format!("failing {}", failing.join(" "))
                        },
                        ui.style("critical"),
                    )),
                    Line::raw(""),
                    Line::raw(""),
                ]
            }
            Row::Criterion(_, c) => criterion_cells(state, c, ui),
        },
    );
    if let Some(detail_area) = detail_area {
        evidence(frame, detail_area, state, rows.get(table.selected), ui);
    }
}

fn criterion_cells<'a>(state: &AppState, c: &Criterion, ui: &Ui) -> Vec<Line<'a>> {
    let v = &state.validation;
    let (word, role, measured, expected, age) = match v.shown(&c.id) {
        Shown::Result(r) => (
            r.result.to_string(),
            verdict_role(r.result),
            r.evidence.measured.clone(),
            r.evidence.expected.clone(),
            human_age(r.checked_at, state.now),
        ),
        Shown::Running => (
            "running".into(),
            "accent",
            String::new(),
            String::new(),
            String::new(),
        ),
        Shown::NotRun => (
            "not run".into(),
            "muted",
            String::new(),
            String::new(),
            String::new(),
        ),
    };
    vec![
        Line::from(Span::styled(format!("  {}", c.id), ui.style("text"))),
        Line::from(c.title.clone()),
        Line::from(Span::styled(c.check.kind(), ui.style("muted"))),
        Line::from(Span::styled(word, ui.style(role))),
        Line::from(measured),
        Line::from(Span::styled(expected, ui.style("muted"))),
        Line::from(Span::styled(age, ui.style("muted"))),
    ]
}

fn evidence(frame: &mut Frame, area: Rect, state: &AppState, row: Option<&Row>, ui: &Ui) {
    let v = &state.validation;
    let label = |t: &str| Span::styled(format!("{t:<10}"), ui.style("muted"));
    let mut lines: Vec<Line> = Vec::new();
    let title = match row {
        Some(Row::Criterion(_, c)) => {
            lines.push(Line::from(vec![
                label("criterion"),
                Span::raw(c.title.clone()),
            ]));
            if let Some(seed) = &c.seed {
                lines.push(Line::from(vec![
                    label("seed"),
                    Span::styled(seed.clone(), ui.style("muted")),
                ]));
            }
            match v.shown(&c.id) {
                Shown::Result(r) => result_lines(&mut lines, r, state, ui),
                Shown::Running => lines.push(Line::from(vec![
                    label("result"),
                    Span::styled("running", ui.style("accent")),
                ])),
                Shown::NotRun => lines.push(Line::from(vec![
                    label("result"),
                    Span::styled("not run yet: v runs every criterion", ui.style("muted")),
                ])),
            }
            match v.changed.get(&c.id) {
                Some((at, how)) => lines.push(Line::from(vec![
                    label("changed"),
                    Span::raw(format!(
                        "{how} {} ago ({})",
                        human_age(*at, state.now),
                        at.format("%Y-%m-%d %H:%M UTC")
                    )),
                ])),
                None if v.latest.contains_key(&c.id) => lines.push(Line::from(vec![
                    label("changed"),
                    Span::styled("not since the history began", ui.style("muted")),
                ])),
                None => {}
            }
            format!("Evidence: {}", c.id)
        }
        Some(Row::Phase(p)) => {
            let t = phase_totals(v, p);
            lines.push(Line::from(vec![
                label("phase"),
                Span::raw(format!("{} {}", p.id, p.title)),
            ]));
            lines.push(Line::from(vec![label("results"), Span::raw(t.words())]));
            lines.push(Line::from(Span::styled(
                "V runs this phase; select a criterion for its evidence",
                ui.style("muted"),
            )));
            format!("Phase {}", p.id)
        }
        None => "Evidence".into(),
    };
    let block = panel(&title, (String::new(), "muted"), ui, area.width);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn result_lines<'a>(lines: &mut Vec<Line<'a>>, r: &CriterionResult, state: &AppState, ui: &Ui) {
    let label = |t: &str| Span::styled(format!("{t:<10}"), ui.style("muted"));
    lines.push(Line::from(vec![
        label("result"),
        Span::styled(r.result.to_string(), ui.style(verdict_role(r.result))),
    ]));
    lines.push(Line::from(vec![
        label("measured"),
        Span::raw(r.evidence.measured.clone()),
    ]));
    if !r.evidence.expected.is_empty() {
        lines.push(Line::from(vec![
            label("expected"),
            Span::raw(r.evidence.expected.clone()),
        ]));
    }
    if !r.evidence.source.is_empty() {
        lines.push(Line::from(vec![
            label("source"),
            Span::styled(r.evidence.source.clone(), ui.style("muted")),
        ]));
    }
    lines.push(Line::from(vec![
        label("checked"),
        Span::raw(format!(
            "{} ({} ago), took {:.2} s",
            r.checked_at.format("%Y-%m-%d %H:%M:%S UTC"),
            human_age(r.checked_at, state.now),
            r.seconds
        )),
    ]));
    for d in &r.evidence.details {
        lines.push(Line::from(Span::styled(format!("  {d}"), ui.style("text"))));
    }
}

/// Phase 9 at a glance, in `room` columns: each phase's passed/total (coloured by its worst
/// result) and failing ids, the last run's age; the runbook's name gives way to "Phase 9", then
/// failing ids to their count, before a count is ever cut.
pub fn phase_line<'a>(state: &AppState, room: usize, ui: &Ui) -> Line<'a> {
    let v = &state.validation;
    let Some(runbook) = &v.runbook else {
        return Line::raw("");
    };
    let age = match (&v.running, &v.last) {
        (Some(r), _) => format!("running {}/{}", r.results.len(), r.total()),
        (None, Some(last)) => {
            let ago = human_age(last.started, state.now);
            if state.now - last.started > STALE_AFTER {
                format!("run {ago} ago, stale")
            } else {
                format!("run {ago} ago")
            }
        }
        (None, None) => "never run (:validation, v)".into(),
    };
    let build = |ids: bool, name: bool| -> Vec<(String, &'static str)> {
        let mut parts = vec![(
            if name {
                format!(" {} ", runbook.name)
            } else {
                " Phase 9 ".into()
            },
            "title",
        )];
        for p in &runbook.phases {
            let t = phase_totals(v, p);
            let role = phase_role(&t);
            parts.push((format!("{} {}/{}", p.id, t.passed, t.total), role));
            let failing: Vec<&str> = p
                .criteria
                .iter()
                .filter(|c| matches!(v.shown(&c.id), Shown::Result(r) if r.result == Verdict::Fail))
                .map(|c| c.id.as_str())
                .collect();
            if !failing.is_empty() {
                let words = if ids {
                    format!(" ({})", failing.join(" "))
                } else {
                    format!(" ({} failing)", failing.len())
                };
                parts.push((words, "critical"));
            }
            parts.push(("  ".into(), "muted"));
        }
        parts.push((format!("{age} "), "muted"));
        parts
    };
    let width = |parts: &[(String, &str)]| {
        parts
            .iter()
            .map(|(t, _)| super::fit::width(t))
            .sum::<usize>()
    };
    let parts = [build(true, true), build(true, false), build(false, false)]
        .into_iter()
        .find(|p| width(p) <= room)
        .unwrap_or_else(|| build(false, false));
    Line::from(
        parts
            .into_iter()
            .map(|(t, role)| Span::styled(t, ui.style(role)))
            .collect::<Vec<_>>(),
    )
}

/// The Overview's Phase 9 panel: the phase line, with where its results came from.
pub fn phase_panel(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let name = state
        .validation
        .runbook
        .as_ref()
        .map_or(String::new(), |r| format!("Phase 9 validation: {}", r.name));
    let block = panel(&name, freshness(state), ui, area.width);
    let line = phase_line(state, usize::from(area.width.saturating_sub(2)), ui);
    // The panel's title names the runbook; the line need not.
    let spans: Vec<Span> = line.spans.into_iter().skip(1).collect();
    frame.render_widget(Paragraph::new(Line::from(spans)).block(block), area);
}
