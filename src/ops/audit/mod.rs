//! The audit log: what the records say (`record`, read by views) and how they reach the disk
//! (`file`, used by the executor and the reader only).

pub mod file;
pub mod record;

pub use file::{AuditLog, read};
pub use record::{AuditRecord, Contents, Phase, SCHEMA, local_user};
