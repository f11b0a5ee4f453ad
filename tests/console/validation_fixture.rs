//! A validation history for the console tests: one run of the built-in runbook ten minutes
//! before the fixture's `now`, 33 passing, 9.4.10 failing (a 30-hour-old backup) and 9.1.8
//! unknown (Prometheus did not answer), as `validate` would have recorded it.

use ms5_console::app::validation::ValidationState;
use ms5_console::model::runbook_file::builtin;
use ms5_console::validation::history::History;
use ms5_console::validation::outcome::{Evidence, Verdict};
use ms5_console::validation::results::{CriterionResult, PhaseRef, RunReport};

use super::now;

pub fn result(phase: &str, id: &str, title: &str, kind: &str, result: Verdict) -> CriterionResult {
    let (measured, expected, source) = match (id, result) {
        ("9.4.10", _) => (
            "108006 (30h)".to_string(),
            "below 86400 (24h)".to_string(),
            "prometheus k8s://ms5-system/prometheus-service:9090".to_string(),
        ),
        (_, Verdict::Unknown) => (
            "no answer: HTTP 503: no endpoints available for service \"prometheus-service\"".into(),
            "above 3.5".into(),
            "prometheus k8s://ms5-system/prometheus-service:9090".into(),
        ),
        // Each criterion's own evidence, naming it: a mix-up of rows shows.
        _ => (
            format!("{id} held ({} of {} checked)", 21 - id.len(), 21 - id.len()),
            format!("{id}: {title}"),
            match kind {
                "prometheus" => "prometheus k8s://ms5-system/prometheus-service:9090".into(),
                "command" => format!("command for {id}"),
                _ => format!("k8s context aks-ms5-prod: {kind} for {id}"),
            },
        ),
    };
    let at = now() - chrono::Duration::minutes(10);
    CriterionResult {
        phase: phase.into(),
        id: id.into(),
        title: title.into(),
        kind: kind.into(),
        result,
        evidence: Evidence {
            measured,
            expected,
            source,
            details: Vec::new(),
        },
        checked_at: at,
        seconds: 0.02,
    }
}

/// The run: every built-in criterion, 9.4.10 failing, 9.1.8 unknown.
pub fn run() -> RunReport {
    let runbook = builtin();
    let results = runbook
        .criteria()
        .map(|(p, c)| {
            let verdict = match c.id.as_str() {
                "9.4.10" => Verdict::Fail,
                "9.1.8" => Verdict::Unknown,
                _ => Verdict::Pass,
            };
            result(&p.id, &c.id, &c.title, c.check.kind(), verdict)
        })
        .collect();
    RunReport {
        cluster: Some(this_cluster()),
        runbook: runbook.name.clone(),
        phases: PhaseRef::all(&runbook),
        started: now() - chrono::Duration::minutes(10),
        seconds: 0.9,
        results,
    }
}

/// The fixture's cluster (`fixture::empty_state`'s connection), as runs name it.
pub fn this_cluster() -> ms5_console::validation::results::RunCluster {
    ms5_console::validation::results::RunCluster {
        context: "aks-ms5-prod".into(),
        server: "https://ms5-prod.hcp.westeurope.azmk8s.io:443".into(),
    }
}

/// The state's validation part with that run read from the history.
pub fn state() -> ValidationState {
    let mut v = ValidationState::new(builtin(), None);
    v.loaded(
        Ok(History {
            runs: vec![run()],
            skipped: 0,
        }),
        &this_cluster(),
    );
    v
}

/// Never run: the runbook, an empty history.
pub fn never_run() -> ValidationState {
    let mut v = ValidationState::new(builtin(), None);
    v.loaded(Ok(History::default()), &this_cluster());
    v
}
