//! Why a write was not carried out, typed by what the caller decides on; every variant that
//! stops before the request says that nothing was sent.

use std::path::PathBuf;

use crate::source::error::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "read-only: writes are off (--readonly, or readonly in config.toml for this context); nothing was sent"
    )]
    ReadOnly,
    /// The plan's target is not among those the console is connected to.
    #[error("{0}; nothing was sent")]
    NoTarget(String),
    #[error("no audit log (no state directory): give --audit-log PATH; nothing was sent")]
    NoAuditLog,
    #[error("cannot write the audit log {}: {error}; nothing was sent", path.display())]
    AuditUnwritable {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The server's answer.
    #[error("{0}")]
    Api(ApiError),
    #[error("{outcome}, but its outcome could not be written to the audit log {}: {error}", path.display())]
    OutcomeUnrecorded {
        outcome: String,
        path: PathBuf,
        error: std::io::Error,
    },
}

impl WriteError {
    /// Whether the request was sent (the server may have acted).
    pub fn was_sent(&self) -> bool {
        matches!(
            self,
            WriteError::Api(_) | WriteError::OutcomeUnrecorded { .. }
        )
    }
}

/// How a write failed, typed by what follows from it: the dialog, the footer and the follow
/// pane decide on the variant, never on the words. Plain data: it travels to the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteFailure {
    /// Stopped before the request: nothing was sent.
    NotSent(String),
    /// The object is not what the plan was made from (a failed precondition): nothing was
    /// changed; plan again.
    Conflict(String),
    /// Sent, and no answer came: the server may have acted; the watch shows whether it did.
    Unanswered(String),
    /// Sent and refused, or sent and its outcome not recorded.
    Failed(String),
}

impl std::fmt::Display for WriteFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteFailure::NotSent(words)
            | WriteFailure::Conflict(words)
            | WriteFailure::Unanswered(words)
            | WriteFailure::Failed(words) => f.write_str(words),
        }
    }
}

impl From<&WriteError> for WriteFailure {
    fn from(error: &WriteError) -> WriteFailure {
        use crate::source::error::ErrorKind;
        let words = error.to_string();
        match error {
            WriteError::Api(e) if e.kind == ErrorKind::Changed => WriteFailure::Conflict(words),
            WriteError::Api(e) if e.kind == ErrorKind::Unanswered => {
                WriteFailure::Unanswered(words)
            }
            e if e.was_sent() => WriteFailure::Failed(words),
            _ => WriteFailure::NotSent(words),
        }
    }
}
