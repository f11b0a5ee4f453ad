//! The audit log: every write the console makes, as JSON lines with a schema version. A
//! `pending` line is appended (and synced) before the request is sent and an outcome line after,
//! so a crash in between leaves the pending line as evidence. The file is only ever appended to;
//! reading skips a corrupt line (reporting where) instead of giving up on the rest.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Bumped when a field changes meaning; readers keep reading older lines.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Pending,
    Succeeded,
    Failed,
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

#[derive(Debug, Clone)]
pub struct AuditLog {
    pub path: PathBuf,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        AuditLog { path }
    }

    /// Appends one line and syncs it to disk before returning.
    pub fn append(&self, record: &AuditRecord) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&self.path)?;
        let mut line = serde_json::to_string(record).map_err(std::io::Error::other)?;
        line.push('\n');
        file.write_all(line.as_bytes())?;
        file.sync_data()
    }
}

/// What a read found.
#[derive(Debug, Clone, Default)]
pub struct Contents {
    /// Every readable record, newest first.
    pub records: Vec<AuditRecord>,
    /// `(line number, problem)` for each line that is not readable.
    pub problems: Vec<(usize, String)>,
}

/// Reads the whole log; a missing file is an empty log.
pub fn read(path: &Path) -> std::io::Result<Contents> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<AuditRecord>(line) {
            Ok(r) => records.push(r),
            Err(e) => problems.push((i + 1, e.to_string())),
        }
    }
    records.reverse();
    Ok(Contents { records, problems })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(write: &str, phase: Phase) -> AuditRecord {
        AuditRecord {
            schema: SCHEMA,
            write: write.into(),
            time: "2026-11-27T10:00:00Z".parse().expect("time"),
            phase,
            local_user: "oncall".into(),
            identity: "alertmanager prod (http://am:9093)".into(),
            target: "alertmanager prod".into(),
            action: "create-silence".into(),
            parameters: serde_json::json!({"matchers": ["alertname=\"MS5HighErrorRate\""]}),
            result: (phase != Phase::Pending).then(|| "silence 1234".into()),
            duration_ms: (phase != Phase::Pending).then_some(42),
        }
    }

    #[test]
    fn pending_then_outcome_read_back_newest_first_and_corrupt_lines_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join("state/audit.jsonl"));
        log.append(&record("w1", Phase::Pending)).expect("append");
        log.append(&record("w1", Phase::Succeeded)).expect("append");
        // Something else scribbled a half line (a crash mid-write, an editor).
        std::fs::OpenOptions::new()
            .append(true)
            .open(&log.path)
            .and_then(|mut f| f.write_all(b"{\"schema\":1,\"wri\n"))
            .expect("corrupt");
        // A crash between send and outcome leaves only the pending line.
        log.append(&record("w2", Phase::Pending)).expect("append");
        let Contents { records, problems } = read(&log.path).expect("read");
        let phases: Vec<(&str, Phase)> = records
            .iter()
            .map(|r| (r.write.as_str(), r.phase))
            .collect();
        assert_eq!(
            phases,
            [
                ("w2", Phase::Pending),
                ("w1", Phase::Succeeded),
                ("w1", Phase::Pending)
            ]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].0, 3, "the corrupt line's number");
        let text = std::fs::read_to_string(&log.path).expect("text");
        assert!(
            text.lines()
                .next()
                .is_some_and(|l| l.contains("\"schema\":1"))
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&log.path)
                .expect("meta")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_missing_log_reads_as_empty() {
        let dir = tempfile::tempdir().expect("tempdir");
        let Contents { records, problems } = read(&dir.path().join("none.jsonl")).expect("read");
        assert!(records.is_empty() && problems.is_empty());
    }
}
