//! What a job is, as data: its id, what it does, how it ended, what it reports. The state
//! and the views name these; only the runner (`jobs.rs`) runs anything.

use super::plan::WritePlan;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// What a job does; the effect runner turns it into the work.
#[derive(Debug, Clone, PartialEq)]
pub enum JobSpec {
    /// The checking stage of a plan (`check.rs`).
    Check(Box<WritePlan>),
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
