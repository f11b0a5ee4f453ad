//! The audit log's records: every write the console makes, as JSON lines with a schema
//! version. A `pending` line is appended (and synced) before the request is sent and an outcome
//! line after, so a crash in between leaves the pending line as evidence.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Bumped when a field changes meaning; readers keep reading older lines. 2: the `refused`
/// phase (an older console counts such lines as unreadable and shows the rest).
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
}

/// The local user name: `$USER` as the shell knows it, else the account's name (an SSH session
/// or a service may run without `$USER`).
pub fn local_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(whoami::username)
}

/// What a read found.
#[derive(Debug, Clone, Default)]
pub struct Contents {
    /// Every readable record, newest first.
    pub records: Vec<AuditRecord>,
    /// `(line number, problem)` for each line that is not readable.
    pub problems: Vec<(usize, String)>,
}
