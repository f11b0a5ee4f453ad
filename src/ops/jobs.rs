//! Long operations (following a rollout, a validation run, a restore drill): started by an
//! effect, reporting progress as they go, cancellable, ending with an outcome. A job is given
//! only a way to report; it never sees the console's state, so a headless command runs the
//! same job with its own receiver.

use std::collections::HashMap;
use std::future::Future;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

use super::plan::WritePlan;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// What a job does; the effect runner turns it into the work.
#[derive(Debug, Clone, PartialEq)]
pub enum JobSpec {
    /// The checking stage of a plan (`check.rs`).
    Check(Box<WritePlan>),
    /// A plan the console makes by itself (the guard's auto-pause): checked, then sent when
    /// the checks pass, with no one to confirm it; audited like every write.
    CheckAndSend(Box<WritePlan>),
    /// Whether the connection's user may patch this object (a SelfSubjectAccessReview): the
    /// guard asks when following begins with `auto-pause` on, and never pauses where RBAC
    /// said no.
    MayPatch(Box<super::plan::KubeObject>),
    /// A validation run: the runbook narrowed to what was asked, each result reported as it
    /// arrives (`JobEvent::Checked`).
    Validate(Box<crate::model::validation_results::RunRequest>),
    /// A restore drill or on-demand backup that was sent, followed to its end and concluded
    /// in the audit log (`drill.rs`).
    FollowRun(Box<WritePlan>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Succeeded(String),
    Failed(String),
    Cancelled,
}

#[derive(Debug, Clone, PartialEq)]
pub enum JobEvent {
    Progress {
        job: JobId,
        text: String,
    },
    /// One validation criterion's result.
    Checked {
        job: JobId,
        result: Box<crate::model::validation_results::CriterionResult>,
    },
    Finished {
        job: JobId,
        outcome: JobOutcome,
    },
}

/// A running job's way to say how far it got.
#[derive(Clone)]
pub struct Progress {
    job: JobId,
    events: mpsc::Sender<JobEvent>,
}

impl Progress {
    pub async fn checked(&self, result: crate::model::validation_results::CriterionResult) {
        let _ = self
            .events
            .send(JobEvent::Checked {
                job: self.job,
                result: Box::new(result),
            })
            .await;
    }

    pub async fn report(&self, text: impl Into<String>) {
        let _ = self
            .events
            .send(JobEvent::Progress {
                job: self.job,
                text: text.into(),
            })
            .await;
    }
}

/// Starts jobs, cancels them, and stops them all when the console closes.
pub struct JobRunner {
    events: mpsc::Sender<JobEvent>,
    cancels: HashMap<JobId, oneshot::Sender<()>>,
    tasks: JoinSet<()>,
}

impl JobRunner {
    pub fn new(events: mpsc::Sender<JobEvent>) -> JobRunner {
        JobRunner {
            events,
            cancels: HashMap::new(),
            tasks: JoinSet::new(),
        }
    }

    /// Runs `work` until it ends or is cancelled; either way one `Finished` event follows.
    pub fn start<F, Fut>(&mut self, job: JobId, work: F)
    where
        F: FnOnce(Progress) -> Fut,
        Fut: Future<Output = Result<String, String>> + Send + 'static,
    {
        let (cancel, cancelled) = oneshot::channel();
        self.cancels.retain(|_, c| !c.is_closed());
        self.cancels.insert(job, cancel);
        let events = self.events.clone();
        let work = work(Progress {
            job,
            events: events.clone(),
        });
        self.tasks.spawn(async move {
            let outcome = tokio::select! {
                result = work => match result {
                    Ok(text) => JobOutcome::Succeeded(text),
                    Err(text) => JobOutcome::Failed(text),
                },
                _ = cancelled => JobOutcome::Cancelled,
            };
            let _ = events.send(JobEvent::Finished { job, outcome }).await;
        });
    }

    /// Asks `job` to stop; false when it is not running (any more).
    pub fn cancel(&mut self, job: JobId) -> bool {
        self.cancels
            .remove(&job)
            .is_some_and(|cancel| cancel.send(()).is_ok())
    }

    /// Jobs started and not finished.
    pub fn running(&self) -> usize {
        self.cancels.values().filter(|c| !c.is_closed()).count()
    }

    pub fn stop_all(&mut self) {
        self.cancels.clear();
        self.tasks.abort_all();
    }
}
