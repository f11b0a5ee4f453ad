//! `:validation`'s state: the runbook in effect, the newest result of each criterion (from the
//! history, then from this session's runs), and the run in progress with its results as they
//! arrive. Starting, stopping and finishing runs is `validation_runs`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::ops::job::JobId;
use crate::validation::history::History;
use crate::validation::results::{CriterionResult, RunCluster, RunReport, RunRequest};
use crate::validation::runbook::Runbook;

/// A run older than this is marked stale.
pub const STALE_AFTER: chrono::Duration = chrono::Duration::hours(6);

#[derive(Debug, Default)]
pub struct ValidationState {
    pub runbook: Option<Runbook>,
    pub history_path: Option<std::path::PathBuf>,
    /// The history as read: None until it has been (and while it is); Err: unreadable (the
    /// view says so, and runs still work).
    pub history: Option<Result<HistorySummary, String>>,
    /// Asked for and not yet answered.
    pub loading: bool,
    /// The newest finished run, from the history or this session.
    pub last: Option<RunReport>,
    /// The newest result of each criterion, whichever run it came from.
    pub latest: BTreeMap<String, CriterionResult>,
    /// When each criterion last changed result (from the history and this session's runs).
    pub changed: BTreeMap<String, (DateTime<Utc>, String)>,
    pub running: Option<Running>,
    /// Whether the evidence of the selected criterion is open.
    pub evidence: bool,
}

/// What the history held when read: its runs' count and how many lines were skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistorySummary {
    pub runs: usize,
    pub skipped: usize,
    /// Runs on file against other clusters (or not naming theirs): not shown here.
    pub other_clusters: usize,
}

#[derive(Debug)]
pub struct Running {
    pub job: JobId,
    pub started: DateTime<Utc>,
    pub request: RunRequest,
    pub results: BTreeMap<String, CriterionResult>,
}

impl Running {
    pub fn total(&self) -> usize {
        self.request.runbook.count()
    }

    pub fn includes(&self, id: &str) -> bool {
        self.request.runbook.criteria().any(|(_, c)| c.id == id)
    }
}

/// A criterion as the view shows it now.
pub enum Shown<'a> {
    Result(&'a CriterionResult),
    Running,
    NotRun,
}

impl ValidationState {
    pub fn new(runbook: Runbook, history_path: Option<std::path::PathBuf>) -> ValidationState {
        ValidationState {
            runbook: Some(runbook),
            history_path,
            ..Default::default()
        }
    }

    /// The history read from disk: this cluster's newest run and each criterion's newest
    /// result. Runs of other clusters (or of one not named) are counted, never shown.
    pub fn loaded(&mut self, read: Result<History, String>, cluster: &RunCluster) {
        self.loading = false;
        match read {
            Ok(history) => {
                let (ours, others): (Vec<&RunReport>, Vec<&RunReport>) = history
                    .runs
                    .iter()
                    .partition(|run| run.cluster.as_ref() == Some(cluster));
                self.history = Some(Ok(HistorySummary {
                    runs: ours.len(),
                    skipped: history.skipped,
                    other_clusters: others.len(),
                }));
                for run in ours {
                    self.take(run);
                }
            }
            Err(e) => self.history = Some(Err(e)),
        }
    }

    /// A finished run becomes the newest: its results replace older ones, flips are noted.
    pub fn take(&mut self, run: &RunReport) {
        for r in &run.results {
            if let Some(before) = self.latest.get(&r.id)
                && before.result != r.result
            {
                self.changed.insert(
                    r.id.clone(),
                    (r.checked_at, format!("{} -> {}", before.result, r.result)),
                );
            }
            self.latest.insert(r.id.clone(), r.clone());
        }
        if self.last.as_ref().is_none_or(|l| l.started <= run.started) {
            self.last = Some(run.clone());
        }
    }

    /// The view's rows: each phase, then its criteria, in the runbook's order.
    pub fn row_count(&self) -> usize {
        self.runbook
            .as_ref()
            .map_or(0, |r| r.phases.len() + r.count())
    }

    /// Row `i`'s id: a phase's or a criterion's (they never collide).
    pub fn row_id(&self, i: usize) -> Option<&str> {
        self.runbook
            .as_ref()?
            .phases
            .iter()
            .flat_map(|p| {
                std::iter::once(p.id.as_str()).chain(p.criteria.iter().map(|c| c.id.as_str()))
            })
            .nth(i)
    }

    pub fn shown(&self, id: &str) -> Shown<'_> {
        if let Some(running) = &self.running
            && running.includes(id)
        {
            return match running.results.get(id) {
                Some(r) => Shown::Result(r),
                None => Shown::Running,
            };
        }
        match self.latest.get(id) {
            Some(r) => Shown::Result(r),
            None => Shown::NotRun,
        }
    }
}
