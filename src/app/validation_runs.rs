//! Validation runs from the console: `v`/`V` start one (asking first when it includes
//! `command` criteria; read-only mode skips them), `X` stops it, results land as they arrive,
//! and a finished or stopped run becomes the newest and is queued to be recorded in the history
//! and the audit log by the effect runner. Runs are jobs (`ops::jobs`).

use std::collections::BTreeMap;

use super::event::Effect;
use super::state::AppState;
use super::validation::Running;
use crate::ops::job::{JobId, JobOutcome, JobSpec};
use crate::validation::results::{CriterionResult, PhaseRef, RunReport, RunRequest, not_run};
use crate::validation::runbook::Check;

/// `v` (all phases) or `V` (`phase`): starts a run, unless one is going. A run that includes
/// `command` criteria asks first (they can do anything); in read-only mode they are skipped.
pub fn start(state: &mut AppState, phase: Option<String>) -> Vec<Effect> {
    if state.validation.running.is_some() {
        state.say("a validation run is going: X stops it".into(), true);
        return Vec::new();
    }
    let Some(runbook) = state.validation.runbook.clone() else {
        return Vec::new();
    };
    let phases: Vec<String> = phase.into_iter().collect();
    let narrowed = match crate::validation::select::select(&runbook, &phases, &[]) {
        Ok(r) => r,
        Err(e) => {
            state.say(e, true);
            return Vec::new();
        }
    };
    let has_commands = narrowed
        .criteria()
        .any(|(_, c)| matches!(c.check, Check::Command { .. }));
    let request = RunRequest {
        runbook: narrowed,
        skip_commands: state.readonly,
    };
    if has_commands && !state.readonly {
        let commands = request
            .runbook
            .criteria()
            .filter_map(|(_, c)| match &c.check {
                Check::Command { argv } => Some(format!("{}  {}", c.id, shown_argv(argv))),
                _ => None,
            })
            .collect();
        state.overlay = Some(super::state::Overlay::Dialog(
            crate::app::stage::Dialog::ConfirmRun {
                request: Box::new(request),
                commands,
            },
        ));
        return Vec::new();
    }
    begin(state, request)
}

/// argv as a person reads it: arguments with spaces or `;` quoted, so what runs is what shows.
fn shown_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.is_empty() || a.contains([' ', ';', '"', '\'', '$']) {
                format!("{a:?}")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The run confirmed (or needing no confirmation): started as a job.
pub fn begin(state: &mut AppState, request: RunRequest) -> Vec<Effect> {
    let job = JobId(state.ids.fresh());
    state.validation.running = Some(Running {
        job,
        started: state.now,
        request: request.clone(),
        results: BTreeMap::new(),
    });
    vec![Effect::StartJob {
        job,
        spec: JobSpec::Validate(Box::new(request)),
    }]
}

/// `X`: stops the run; what has not finished is marked not run.
pub fn stop(state: &mut AppState) -> Vec<Effect> {
    match &state.validation.running {
        Some(running) => vec![Effect::CancelJob(running.job)],
        None => {
            state.say("no validation run is going".into(), false);
            Vec::new()
        }
    }
}

/// One result arrived.
pub fn checked(state: &mut AppState, job: JobId, result: CriterionResult) {
    if let Some(running) = &mut state.validation.running
        && running.job == job
    {
        running.results.insert(result.id.clone(), result);
    }
}

/// The run ended: its report, in the runbook's order (what did not finish: not run, and why),
/// becomes the newest and is queued to be recorded.
pub fn finished(state: &mut AppState, job: JobId, outcome: &JobOutcome) {
    let Some(running) = state.validation.running.take_if(|r| r.job == job) else {
        return;
    };
    let why = match outcome {
        JobOutcome::Cancelled => "not run: the run was stopped".to_string(),
        JobOutcome::Failed(e) => format!("not run: {e}"),
        JobOutcome::Succeeded(_) => "not run".to_string(),
    };
    let runbook = &running.request.runbook;
    let results: Vec<CriterionResult> = runbook
        .criteria()
        .map(|(p, c)| {
            running
                .results
                .get(&c.id)
                .cloned()
                .unwrap_or_else(|| not_run(&p.id, c, why.clone()))
        })
        .collect();
    // The run's span from its results' own times (the first check's start to the last one's
    // end), not the screen's clock, which ticks only when a frame is drawn.
    let checked: Vec<&CriterionResult> = running.results.values().collect();
    let first = checked.iter().map(|r| r.checked_at).min();
    let last_end = checked
        .iter()
        .map(|r| r.checked_at + chrono::Duration::milliseconds((r.seconds * 1000.0) as i64))
        .max();
    let seconds = match (first, last_end) {
        (Some(first), Some(end)) => (end - first).num_milliseconds().max(0) as f64 / 1000.0,
        _ => 0.0,
    };
    let report = RunReport {
        cluster: Some(crate::validation::results::RunCluster {
            context: state.connection.context.clone(),
            server: state.connection.server.clone(),
        }),
        runbook: runbook.name.clone(),
        phases: PhaseRef::all(runbook),
        started: first.unwrap_or(running.started),
        seconds,
        results,
    };
    let stopped = matches!(outcome, JobOutcome::Cancelled).then(|| "stopped".to_string());
    state.say(
        format!(
            "validation {}{}",
            report.totals().words(),
            if stopped.is_some() { " (stopped)" } else { "" }
        ),
        report.totals().failed > 0,
    );
    state.validation.take(&report);
    state.outbox.push(Effect::RecordValidation {
        report: Box::new(report),
        stopped,
    });
}

/// The phase of the selected row (a phase row, or a criterion's phase).
pub fn selected_phase(state: &AppState) -> Option<String> {
    let runbook = state.validation.runbook.as_ref()?;
    let selected = state.table(super::view_id::ViewId::Validation).selected;
    let mut i = 0;
    for phase in &runbook.phases {
        if selected <= i + phase.criteria.len() {
            return Some(phase.id.clone());
        }
        i += 1 + phase.criteria.len();
    }
    None
}
