//! What a criterion's check found: pass, fail or unknown, always with its evidence — what was
//! measured, against what, from which source. Nothing is inferred: a source that did not
//! answer, an empty answer or a refused query is unknown with the reason, never a pass.

use std::fmt;

/// A criterion's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Fail,
    Unknown,
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "FAIL",
            Verdict::Unknown => "unknown",
        })
    }
}

/// Why a result is what it is.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Evidence {
    /// What was measured: values, counts, or why nothing could be (`no answer: ...`).
    pub measured: String,
    /// What it was compared with: `below 86400`, `none firing`.
    pub expected: String,
    /// Where it came from: `prometheus k8s://ms5-system/prometheus-service:9090`.
    pub source: String,
    /// The particulars: offending objects, series, output lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
}

/// A check's finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub verdict: Verdict,
    pub evidence: Evidence,
}
