//! The rollouts being followed, as state: kept by `AppState`, changed by `follow`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::cluster::ObjKey;

/// One followed workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Follow {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub started: DateTime<Utc>,
    /// The generation whose rollout is followed: until the watch shows the object at it (a
    /// change just sent may not have come back yet), the old status does not count as its end.
    pub generation: i64,
    /// A fingerprint of the pod template being rolled out: a new generation with the same
    /// template (a pause, a resume, a scale) is the same rollout going on, not a new one.
    pub template: u64,
    /// Each status as first seen, with when.
    pub stages: Vec<(DateTime<Utc>, String)>,
    /// How it ended, once it has: `complete`, `paused`, `superseded by another change
    /// (generation 9)`, `the workload is gone`.
    pub end: Option<(DateTime<Utc>, String)>,
    /// The progress deadline passed while it was followed (following went on).
    pub deadline_exceeded: bool,
    /// The rollout guard beside it (from its first reading on).
    pub guard: Option<crate::model::guard::Guard>,
    /// What the guard said last.
    pub verdict: Option<crate::model::guard::Verdict>,
    /// The guard's own pause with `auto-pause` on: whether it may act (decided when following
    /// began), then what it did when it tripped.
    pub auto_pause: Option<AutoPause>,
    /// The console's write that started it, if one did: its end is written to the audit log.
    pub started_by: Option<Started>,
}

/// What the guard may do, and did, about pausing by itself.
#[derive(Debug, Clone, PartialEq)]
pub enum AutoPause {
    /// Following began: RBAC is asked (this job) whether the user may patch the workload.
    Asking(crate::ops::job::JobId),
    /// It may: a trip while the rollout progresses pauses it.
    Armed,
    /// Its checks run as this job (its progress and refusal are the job's); they pass, and
    /// the plan is sent.
    Started {
        job: crate::ops::job::JobId,
        write: String,
        plan: Box<crate::ops::plan::WritePlan>,
    },
    /// Checked; sent through the write path every write takes, its outcome awaited.
    Sending { write: String },
    /// What the server answered.
    Done {
        write: String,
        result: Result<String, crate::ops::error::WriteFailure>,
    },
    /// Why it will not: read-only, a StatefulSet, RBAC said no when following began, the
    /// rollout had completed when the guard tripped.
    Unavailable(String),
}

pub use super::concluded::{Concluded, Started};

/// What the guard runs with, resolved for the connection (`[guard]`, the context's own).
#[derive(Debug, Clone, PartialEq)]
pub struct GuardSettings {
    pub watch_after: chrono::Duration,
    pub auto_pause: bool,
    /// How often Prometheus is polled: burn data older than a few polls is stale.
    pub poll_interval: std::time::Duration,
}

impl Default for GuardSettings {
    fn default() -> GuardSettings {
        GuardSettings {
            watch_after: chrono::Duration::minutes(15),
            auto_pause: false,
            poll_interval: std::time::Duration::from_secs(15),
        }
    }
}

/// `(namespace, "Kind/name")`, as the Rollouts view keys its rows.
pub type FollowKey = ObjKey;

#[derive(Debug, Default)]
pub struct FollowState {
    pub follows: BTreeMap<FollowKey, Follow>,
}

pub fn key(kind: &str, namespace: &str, name: &str) -> FollowKey {
    (namespace.to_string(), format!("{kind}/{name}"))
}
