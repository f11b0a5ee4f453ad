//! The validation history: every run appended as one JSON line with a schema version (0600,
//! append-only, each line synced), so the last run shows after a restart and a criterion's
//! flips are visible. Reading skips a corrupt line and counts it — the audit log's discipline.

use std::io::Write;
use std::path::Path;

use super::outcome::Verdict;
use super::results::{RunReport, Totals};

/// Bumped when a field changes meaning; readers skip lines of a newer schema they cannot read.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HistoryLine {
    pub schema: u32,
    pub totals: Totals,
    #[serde(flatten)]
    pub run: RunReport,
}

/// Appends `run` to the history at `path`, creating it (and its directory) if needed.
pub fn append(path: &Path, run: &RunReport) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    let line = HistoryLine {
        schema: SCHEMA,
        totals: run.totals(),
        run: run.clone(),
    };
    let mut text = serde_json::to_string(&line).map_err(std::io::Error::other)?;
    text.push('\n');
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// The runs on file, oldest first, and how many lines could not be read.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub runs: Vec<RunReport>,
    pub skipped: usize,
}

/// Reads the history; a missing file is an empty history.
pub fn read(path: &Path) -> std::io::Result<History> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let mut history = History::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<HistoryLine>(line) {
            Ok(l) if l.schema <= SCHEMA => history.runs.push(l.run),
            _ => history.skipped += 1,
        }
    }
    Ok(history)
}

impl History {
    /// When criterion `id` last changed result before the newest run, and from what: the
    /// newest run's result compared back through the older runs.
    pub fn last_change(
        &self,
        id: &str,
    ) -> Option<(chrono::DateTime<chrono::Utc>, Verdict, Verdict)> {
        let mut seen = self
            .runs
            .iter()
            .rev()
            .filter_map(|run| run.results.iter().find(|r| r.id == id));
        let newest = seen.next()?;
        let mut later = newest;
        for older in seen {
            if older.result != later.result {
                return Some((later.checked_at, older.result, later.result));
            }
            later = older;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::outcome::Evidence;
    use crate::validation::results::CriterionResult;

    fn run(at: &str, result: Verdict) -> RunReport {
        let at: chrono::DateTime<chrono::Utc> = at.parse().expect("time");
        RunReport {
            cluster: None,
            runbook: "ms5-phase9".into(),
            phases: vec![crate::validation::results::PhaseRef {
                id: "9.4".into(),
                title: "Validation criteria".into(),
            }],
            started: at,
            seconds: 1.0,
            results: vec![CriterionResult {
                phase: "9.4".into(),
                id: "9.4.10".into(),
                title: "backup".into(),
                kind: "promql".into(),
                result,
                evidence: Evidence {
                    measured: "90000".into(),
                    expected: "below 86400".into(),
                    source: "prometheus".into(),
                    details: Vec::new(),
                },
                checked_at: at,
                seconds: 0.1,
            }],
        }
    }

    #[test]
    fn runs_read_back_in_order_corrupt_lines_counted_and_the_last_flip_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state/validation.jsonl");
        append(&path, &run("2026-11-30T08:00:00Z", Verdict::Pass)).expect("append");
        append(&path, &run("2026-11-30T09:00:00Z", Verdict::Fail)).expect("append");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{\"schema\":1,\"tot\n"))
            .expect("corrupt");
        append(&path, &run("2026-11-30T10:00:00Z", Verdict::Fail)).expect("append");
        let history = read(&path).expect("read");
        assert_eq!(history.runs.len(), 3);
        assert_eq!(history.skipped, 1);
        let (at, from, to) = history.last_change("9.4.10").expect("a flip");
        assert_eq!(at.to_rfc3339(), "2026-11-30T09:00:00+00:00");
        assert_eq!((from, to), (Verdict::Pass, Verdict::Fail));
        assert_eq!(history.last_change("9.1.1"), None);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
