//! A write the console started and followed, and its end: what the audit log's `concluded`
//! line says.

/// A write whose rollout is followed, as its audit lines name it.
#[derive(Debug, Clone, PartialEq)]
pub struct Started {
    pub write: String,
    pub action: String,
    pub target: String,
    pub parameters: serde_json::Value,
}

/// A followed write reached its end: the audit log's `concluded` line, waiting to be written.
#[derive(Debug, Clone, PartialEq)]
pub struct Concluded {
    pub started: Started,
    pub how: String,
    pub duration_ms: u64,
}
