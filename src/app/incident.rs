//! `:incident NAME` / `:incident end`, taking an open incident up again after a restart, its
//! file fed from the timeline as entries come, and `x`: the handoff report for the open
//! incident (or the lookback window) from what the console holds.

use chrono::{DateTime, Utc};

use super::event::Effect;
use super::state::AppState;
use super::timeline_state::OpenIncident;
use crate::ops::audit::record::Phase;
use crate::timeline::incident::{self, EntryLine, Line, SCHEMA};
use crate::timeline::report::{self, Action, BudgetSpent, Problem, Report};
use crate::timeline::{Severity, SubjectKind};

/// `:incident NAME`: refused outside the name rule, or while another is open.
pub fn begin(state: &mut AppState, name: &str) -> Vec<Effect> {
    if let Err(why) = incident::check_name(name) {
        state.say(why, true);
        return Vec::new();
    }
    if let Some(open) = &state.timeline.incident.open {
        let words = format!("incident {} is open: `:incident end` it first", open.name);
        state.say(words, true);
        return Vec::new();
    }
    let Some(dir) = state.timeline.incident.dir.clone() else {
        state.say(
            "no state directory to keep an incident file in".into(),
            true,
        );
        return Vec::new();
    };
    let path = incident::path(&dir, name);
    let mut lines = vec![Line::Begin {
        schema: SCHEMA,
        time: state.now,
        incident: name.to_string(),
        user: state.local_user.clone(),
        context: state.connection.context.clone(),
        server: state.connection.server.clone(),
    }];
    // The lead-up: what the timeline holds already goes in first.
    lines.extend(
        state
            .timeline
            .store
            .since(DateTime::<Utc>::MIN_UTC)
            .map(|e| Line::Entry {
                schema: SCHEMA,
                entry: EntryLine::of(e),
            }),
    );
    state.timeline.store.journal = Some(Vec::new());
    state.timeline.incident.open = Some(OpenIncident {
        name: name.to_string(),
        began: state.now,
        path: path.clone(),
    });
    state.timeline.incident.error = None;
    state.say(
        format!("incident {name} begun: kept in {}", path.display()),
        false,
    );
    vec![Effect::AppendIncident { path, lines }]
}

/// `:incident end`.
pub fn end(state: &mut AppState) -> Vec<Effect> {
    let mut effects: Vec<Effect> = drain(state).into_iter().collect();
    let Some(open) = state.timeline.incident.open.take() else {
        state.say("no incident is open".into(), true);
        return effects;
    };
    state.timeline.store.journal = None;
    state.timeline.incident.error = None;
    state.say(format!("incident {} ended", open.name), false);
    effects.push(Effect::AppendIncident {
        path: open.path,
        lines: vec![Line::End {
            schema: SCHEMA,
            time: state.now,
            user: state.local_user.clone(),
        }],
    });
    effects
}

/// An incident left open by an earlier console (a dropped session, a restart): taken up again.
pub fn resume(state: &mut AppState, found: &incident::Incident, path: std::path::PathBuf) {
    let Some(began) = found.began else {
        return;
    };
    state.timeline.store.journal = Some(Vec::new());
    state.timeline.incident.open = Some(OpenIncident {
        name: found.name.clone(),
        began,
        path,
    });
    let skipped = match found.problems.len() {
        0 => String::new(),
        n => format!(" ({n} unreadable line(s) skipped)"),
    };
    state.say(
        format!(
            "incident {} taken up again (begun {} UTC){skipped}",
            found.name,
            began.format("%H:%M:%S")
        ),
        !found.problems.is_empty(),
    );
}

/// The entries added since the last call, for the open incident's file.
pub fn drain(state: &mut AppState) -> Option<Effect> {
    let open = state.timeline.incident.open.as_ref()?;
    let journal = state.timeline.store.journal.as_mut()?;
    if journal.is_empty() {
        return None;
    }
    let lines = std::mem::take(journal)
        .iter()
        .map(|e| Line::Entry {
            schema: SCHEMA,
            entry: EntryLine::of(e),
        })
        .collect();
    Some(Effect::AppendIncident {
        path: open.path.clone(),
        lines,
    })
}

/// `x`: the handoff report, written by a worker (merged with the incident file's entries).
pub fn write_report(state: &mut AppState) -> Vec<Effect> {
    let Some(dir) = state.timeline.incident.reports.clone() else {
        state.say("no state directory to write a report in".into(), true);
        return Vec::new();
    };
    let report = build(state);
    let stem = report.incident.clone().unwrap_or_else(|| "handoff".into());
    let path = dir.join(format!("{stem}-{}.md", state.now.format("%Y%m%dT%H%M%SZ")));
    let incident = state
        .timeline
        .incident
        .open
        .as_ref()
        .map(|o| o.path.clone());
    state.say("writing the report...".into(), false);
    vec![Effect::WriteReport {
        report: Box::new(report),
        incident,
        path,
    }]
}

/// The report from what the console holds now: the open incident's window, else the lookback.
pub fn build(state: &AppState) -> Report {
    let open = state.timeline.incident.open.as_ref();
    // An incident's report keeps its lead-up: the whole timeline, as the incident file does.
    let from = state.timeline.store.covers_since(state.now);
    let entries: Vec<_> = state.timeline.store.since(from).collect();
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    for e in &entries {
        let line = report::Line {
            time: e.at,
            subject: e.subject.text(),
            words: e.what.clone(),
        };
        match e.subject.kind {
            SubjectKind::Note => notes.push(report::Line {
                subject: e.subject.name.clone(),
                ..line
            }),
            SubjectKind::Deployment | SubjectKind::StatefulSet
                if e.what.starts_with("rollout started") || e.what.starts_with("rolled back") =>
            {
                changes.push(line)
            }
            _ => {}
        }
    }
    let actions = state
        .audit
        .records()
        .iter()
        .rev()
        .filter(|r| r.time >= from && r.action != crate::timeline::console::NOTE_ACTION)
        .filter(|r| r.phase != Phase::Pending)
        .map(|r| Action {
            time: r.time,
            user: r.local_user.clone(),
            action: r.action.clone(),
            target: r.target.clone(),
            outcome: match &r.result {
                Some(result) => format!("{:?}: {result}", r.phase).to_lowercase(),
                None => format!("{:?}", r.phase).to_lowercase(),
            },
            write: r.write.clone(),
        })
        .collect();
    Report {
        schema: report::SCHEMA,
        incident: open.map(|o| o.name.clone()),
        began: open.map(|o| o.began),
        from,
        to: state.now,
        written_by: state.local_user.clone(),
        context: state.connection.context.clone(),
        server: state.connection.server.clone(),
        sources: super::timeline::coverage(state)
            .into_iter()
            .map(|(words, _)| words)
            .collect(),
        before_page: before_page(state),
        wrong_now: wrong_now(state),
        changes,
        actions,
        notes,
        budgets: budgets(state, open.map_or(from, |o| o.began)),
        timeline: entries.iter().map(|e| EntryLine::of(e)).collect(),
    }
}

/// The Overview's "changed before the page", built afresh (the report may be written from
/// any view, or headless).
fn before_page(state: &AppState) -> Option<report::BeforePage> {
    let suspects = super::suspects::build(state);
    let anchor = suspects.anchor.as_ref()?;
    Some(report::BeforePage {
        page: anchor.what.clone(),
        began: anchor.at,
        window: crate::model::age::human_duration_rounded(
            suspects.window.num_seconds().max(0) as f64
        ),
        changes: suspects
            .list
            .iter()
            .map(|s| (s.before(anchor), s.text()))
            .collect(),
        not_seen: suspects.blind.clone(),
    })
}

fn budgets(state: &AppState, from: DateTime<Utc>) -> Vec<BudgetSpent> {
    state
        .rows
        .slos
        .iter()
        .map(|s| {
            let first = state.timeline.first_budget(&s.name);
            BudgetSpent {
                slo: s.name.clone(),
                left_at_start: first.map(|(_, left)| left),
                left_now: s.budget.map(|b| b.remaining),
                known_since: first.map(|(at, _)| at).filter(|at| *at > from),
            }
        })
        .collect()
}

/// What is wrong at the time of writing: paging SLOs, firing critical alerts, degraded
/// rollouts, failing validation criteria, backup figures out of policy.
fn wrong_now(state: &AppState) -> Vec<Problem> {
    let problem = |kind: &str, subject: String, words: String| Problem {
        kind: kind.into(),
        subject,
        words,
    };
    let mut out = Vec::new();
    for s in &state.rows.slos {
        if s.firing == Some(crate::slo::maths::Urgency::Page) {
            let budget = s
                .budget
                .map(|b| format!(", {:.1} % of the budget left", b.remaining * 100.0))
                .unwrap_or_default();
            out.push(problem("slo", s.name.clone(), format!("paging{budget}")));
        }
    }
    for a in &state.rows.all_alerts {
        if Severity::of_label(&a.severity) == Severity::Critical {
            let silenced = if a.merged.alert.status.silenced_by.is_empty() {
                ""
            } else {
                " (silenced)"
            };
            let since = a.merged.alert.starts_at.format("%H:%M:%S");
            out.push(problem(
                "alert",
                a.alertname.clone(),
                format!("firing since {since} UTC{silenced}: {}", a.summary),
            ));
        }
    }
    for w in &state.rows.workloads {
        if w.health == crate::model::rollout::Health::Degraded {
            out.push(problem(
                "rollout",
                format!("{} {}/{}", w.kind, w.namespace, w.name),
                format!(
                    "degraded: {}/{} ready, revision {} ({})",
                    w.ready,
                    w.desired,
                    w.revision,
                    w.images.join(", ")
                ),
            ));
        }
    }
    for (id, result) in &state.validation.latest {
        if result.result == crate::validation::outcome::Verdict::Fail {
            out.push(problem(
                "validation",
                id.clone(),
                format!("{}: {}", result.title, result.evidence.measured),
            ));
        }
    }
    for row in super::backups::rows(state) {
        for f in &row.figures {
            if f.verdict == crate::backup::row::Verdict::Breached {
                out.push(problem(
                    "backup",
                    format!("{} ({})", row.name, f.label),
                    format!("{}: {}", f.judged, f.value),
                ));
            }
        }
    }
    out
}
