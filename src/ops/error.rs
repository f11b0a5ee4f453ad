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
