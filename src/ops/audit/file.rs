//! The audit log on disk: only ever appended to, each line synced before the write it
//! announces is sent; reading skips a corrupt line (reporting where) instead of giving up on the
//! rest.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::record::{AuditRecord, Contents};

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
    use crate::ops::audit::record::{Phase, SCHEMA};

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
            kube: None,
            checks: Vec::new(),
            event: None,
            annotation: None,
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
                .is_some_and(|l| l.contains("\"schema\":2"))
        );
        // Lines an older console wrote (schema 1) are read as they were.
        let old = r#"{"schema":1,"write":"w0","time":"2026-11-27T13:35:37Z","phase":"succeeded","local_user":"jdoe","identity":"am","target":"alertmanager am","action":"create-silence","parameters":{}}"#;
        let mut text = std::fs::read_to_string(&log.path).expect("text");
        text.push_str(old);
        text.push('\n');
        std::fs::write(&log.path, text).expect("write");
        let contents = read(&log.path).expect("read");
        assert_eq!(contents.records[0].schema, 1);
        assert_eq!(contents.records[0].write, "w0");
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
