//! What a validation run produces: each criterion's result with its evidence, a whole run's
//! report in the runbook's order, and its totals — the shapes the reports, the history, the
//! console and the jobs share, apart from the engine that makes them.

use chrono::{DateTime, Utc};

use super::runbook::{Criterion, Runbook};
use super::validation_outcome::{Evidence, Verdict};

/// What a run from the console asks for: the runbook narrowed to what was asked, and whether
/// its `command` criteria are left out (read-only mode: they are shown as not run).
#[derive(Debug, Clone, PartialEq)]
pub struct RunRequest {
    pub runbook: Runbook,
    pub skip_commands: bool,
}

/// A phase, as reports name it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PhaseRef {
    pub id: String,
    pub title: String,
}

impl PhaseRef {
    /// Every phase of `runbook`, in its order.
    pub fn all(runbook: &Runbook) -> Vec<PhaseRef> {
        runbook
            .phases
            .iter()
            .map(|p| PhaseRef {
                id: p.id.clone(),
                title: p.title.clone(),
            })
            .collect()
    }
}

/// One criterion's result, as reports and the history keep it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CriterionResult {
    pub phase: String,
    pub id: String,
    pub title: String,
    pub kind: String,
    pub result: Verdict,
    pub evidence: Evidence,
    /// When the check began.
    pub checked_at: DateTime<Utc>,
    /// How long it took, in seconds.
    pub seconds: f64,
}

/// Which cluster a run checked. The history file is per user, and a user checks several
/// clusters: a run of another one is never shown as this cluster's.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct RunCluster {
    pub context: String,
    pub server: String,
}

/// A whole run, in the runbook's order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunReport {
    /// None in lines written before runs named their cluster: whose they were is not known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<RunCluster>,
    pub runbook: String,
    /// The phases run (all of them when the run was not narrowed).
    pub phases: Vec<PhaseRef>,
    pub started: DateTime<Utc>,
    pub seconds: f64,
    pub results: Vec<CriterionResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub unknown: usize,
}

impl Totals {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CriterionResult>) -> Totals {
        let mut t = Totals::default();
        for r in results {
            t.total += 1;
            match r.result {
                Verdict::Pass => t.passed += 1,
                Verdict::Fail => t.failed += 1,
                Verdict::Unknown => t.unknown += 1,
            }
        }
        t
    }

    /// `33/35 passed, 1 failed, 1 unknown`.
    pub fn words(&self) -> String {
        let mut out = format!("{}/{} passed", self.passed, self.total);
        if self.failed > 0 {
            out.push_str(&format!(", {} failed", self.failed));
        }
        if self.unknown > 0 {
            out.push_str(&format!(", {} unknown", self.unknown));
        }
        out
    }

    /// The exit code `validate` gives: 0 all passed, 1 something failed, 2 nothing failed but
    /// something could not be checked.
    pub fn exit_code(&self) -> u8 {
        if self.failed > 0 {
            1
        } else if self.unknown > 0 || self.total == 0 {
            2
        } else {
            0
        }
    }
}

impl RunReport {
    pub fn totals(&self) -> Totals {
        Totals::of(&self.results)
    }
}

/// A criterion that was not checked (a stopped run, a read-only `command`): unknown, saying why.
pub fn not_run(phase: &str, c: &Criterion, why: String) -> CriterionResult {
    CriterionResult {
        phase: phase.to_string(),
        id: c.id.clone(),
        title: c.title.clone(),
        kind: c.check.kind().to_string(),
        result: Verdict::Unknown,
        evidence: Evidence {
            measured: why,
            expected: String::new(),
            source: String::new(),
            details: Vec::new(),
        },
        checked_at: Utc::now(),
        seconds: 0.0,
    }
}
