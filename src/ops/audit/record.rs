//! The audit log's records: every write the console makes, as JSON lines with a schema
//! version. A `pending` line is appended (and synced) before the request is sent and an outcome
//! line after, so a crash in between leaves the pending line as evidence.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use crate::ops::plan::KubeFields;

/// Bumped when a field changes meaning; readers keep reading older lines. 2: the `refused`
/// and `concluded` phases, and a Kubernetes write's `kube`, `checks`, `event` and `annotation`
/// fields (an older console counts such lines as unreadable and shows the rest).
pub const SCHEMA: u32 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Pending,
    Succeeded,
    Failed,
    /// The checks said no before anything was sent: one line, nothing changed.
    Refused,
    /// A followed change reached its end (complete, paused...), with the time from request.
    Concluded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub schema: u32,
    /// Shared by a write's pending and outcome lines.
    pub write: String,
    pub time: DateTime<Utc>,
    pub phase: Phase,
    /// Who ran the console on this machine.
    pub local_user: String,
    /// Who the server knows: kube user and context, or the Alertmanager's name and URL.
    pub identity: String,
    /// What was acted on: `alertmanager prod`, `deployment ms5-production/backend`.
    pub target: String,
    pub action: String,
    pub parameters: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// A Kubernetes write's object and connection, as planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kube: Option<KubeFields>,
    /// What the checks found before confirmation (RBAC answers, the dry run): on the pending
    /// and refused lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<String>,
    /// The Event recorded on the object, or why it was not (outcome line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// Whether the console's annotation was written with the change (outcome line).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotation: Option<String>,
}

pub use crate::config::user::local_user;

/// The audit log's action for a note (`m`).
pub const NOTE_ACTION: &str = "note";

/// What a read found.
#[derive(Debug, Clone, Default)]
pub struct Contents {
    /// Every readable record, newest first.
    pub records: Vec<AuditRecord>,
    /// `(line number, problem)` for each line that is not readable.
    pub problems: Vec<(usize, String)>,
}

/// A write the log leaves open, which a reader should see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LooseEnd {
    /// A pending line with no outcome: the console stopped before the answer, so the change
    /// may or may not have been made.
    NoOutcome,
    /// A rollout-starting change that succeeded and was never seen to its end.
    NotConcluded,
}

/// The actions whose rollout the console follows and concludes in the log.
pub const FOLLOWED_ACTIONS: &[&str] =
    &["rollout-restart", "rollout-resume", "rollout-undo", "scale"];

impl Contents {
    /// The loose end a record stands for, if any.
    pub fn loose_end(&self, record: &AuditRecord) -> Option<LooseEnd> {
        let later = |phases: &[Phase]| {
            self.records
                .iter()
                .any(|r| r.write == record.write && phases.contains(&r.phase))
        };
        match record.phase {
            Phase::Pending if !later(&[Phase::Succeeded, Phase::Failed]) => {
                Some(LooseEnd::NoOutcome)
            }
            Phase::Succeeded
                if FOLLOWED_ACTIONS.contains(&record.action.as_str())
                    && !later(&[Phase::Concluded]) =>
            {
                Some(LooseEnd::NotConcluded)
            }
            _ => None,
        }
    }
}
