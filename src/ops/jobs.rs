//! Long operations (following a rollout, a validation run, a restore drill): started by an
//! effect, reporting progress as they go, cancellable, ending with an outcome. A job is given
//! only a way to report; it never sees the console's state, so a headless command runs the
//! same job with its own receiver.

use std::collections::HashMap;
use std::future::Future;

use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;

pub use super::job::{JobEvent, JobId, JobOutcome, JobSpec};

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
