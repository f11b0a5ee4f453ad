//! Incident files: from `:incident NAME` until `:incident end`, the timeline, notes and writes
//! also go to `incidents/NAME.jsonl` under the state directory: JSON lines with a schema
//! version, created 0600, only ever appended to, so an incident survives a dropped SSH session
//! and a restart. Lines that cannot be read are skipped and counted, as the audit log's are.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::entry::Entry;

/// Bumped when a field changes meaning; readers keep reading older lines.
pub const SCHEMA: u32 = 1;

/// What `:incident NAME` accepts, said when a name is refused.
pub const NAME_RULE: &str = "an incident name is 1 to 64 of a-z 0-9 . _ - (`end` is reserved)";

pub fn check_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || ".-_".contains(c);
    if name.is_empty() || name.len() > 64 || !name.chars().all(allowed) || name == "end" {
        return Err(format!("`{name}` refused: {NAME_RULE}"));
    }
    // `.` and `..` would name a directory, not a file in it.
    if name.chars().all(|c| c == '.') {
        return Err(format!("`{name}` refused: {NAME_RULE}, not only dots"));
    }
    Ok(())
}

/// The file of incident `name` in `dir`.
pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.jsonl"))
}

/// One timeline entry as the file keeps it: its words, not the console's types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryLine {
    pub time: DateTime<Utc>,
    pub last: DateTime<Utc>,
    pub count: u32,
    pub source: String,
    pub severity: String,
    pub seen: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    pub object: String,
    pub what: String,
    /// The fact's identity: a later line with the same key replaces an earlier one (a count
    /// grew, a time was learnt).
    pub key: String,
}

impl EntryLine {
    pub fn of(e: &Entry) -> EntryLine {
        EntryLine {
            time: e.at,
            last: e.last,
            count: e.count,
            source: e.source.word().into(),
            severity: e.severity.word().into(),
            seen: e.seen.word().into(),
            namespace: e.subject.namespace.clone(),
            object: e.subject.text(),
            what: e.what.clone(),
            key: e.key.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Line {
    Begin {
        schema: u32,
        time: DateTime<Utc>,
        incident: String,
        user: String,
        context: String,
        server: String,
    },
    Entry {
        schema: u32,
        #[serde(flatten)]
        entry: EntryLine,
    },
    End {
        schema: u32,
        time: DateTime<Utc>,
        user: String,
    },
}

/// Appends `lines` (created 0600 if new; never truncated), synced.
pub fn append(path: &Path, lines: &[Line]) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    let mut text = String::new();
    for line in lines {
        let json = serde_json::to_string(line).map_err(std::io::Error::other)?;
        text.push_str(&json);
        text.push('\n');
    }
    file.write_all(text.as_bytes())?;
    file.sync_data()
}

/// An incident as its file tells it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incident {
    pub name: String,
    pub began: Option<DateTime<Utc>>,
    pub began_by: String,
    pub ended: Option<DateTime<Utc>>,
    /// Each fact once (its latest line), oldest first.
    pub entries: Vec<EntryLine>,
    /// `(line number, problem)` for each line that is not readable.
    pub problems: Vec<(usize, String)>,
}

pub fn read(path: &Path) -> std::io::Result<Incident> {
    let text = std::fs::read_to_string(path)?;
    let mut incident = Incident {
        name: path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default(),
        ..Default::default()
    };
    let mut entries: Vec<EntryLine> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Line>(raw) {
            Ok(Line::Begin { time, user, .. }) => {
                // A resumed incident's later begins keep the first.
                if incident.began.is_none() {
                    incident.began = Some(time);
                    incident.began_by = user;
                }
                incident.ended = None;
            }
            Ok(Line::Entry { entry, .. }) => {
                match entries.iter_mut().find(|e| e.key == entry.key) {
                    Some(held) => *held = entry,
                    None => entries.push(entry),
                }
            }
            Ok(Line::End { time, .. }) => incident.ended = Some(time),
            Err(e) => incident.problems.push((i + 1, e.to_string())),
        }
    }
    entries.sort_by_key(|e| e.time);
    incident.entries = entries;
    Ok(incident)
}

/// The newest incident in `dir` not ended, to take up again after a restart.
pub fn open_in(dir: &Path) -> Option<Incident> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .filter_map(|p| read(&p).ok())
        .filter(|i| i.began.is_some() && i.ended.is_none())
        .max_by_key(|i| i.began)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::entry::{Severity, Source, Subject, SubjectKind};

    #[test]
    fn names_follow_the_rule_and_the_refusal_says_it() {
        for good in ["db-outage", "inc.2026_11_30", "a", &"x".repeat(64)] {
            assert_eq!(check_name(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "end",
            "DB",
            "db outage",
            "../etc",
            "..",
            &"x".repeat(65),
            "é",
        ] {
            let refused = check_name(bad).unwrap_err();
            assert!(refused.contains(NAME_RULE), "{bad}: {refused}");
        }
    }

    #[test]
    fn the_file_is_private_appended_and_read_back_with_corrupt_lines_counted() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = path(dir.path(), "db-outage");
        let t = |s: i64| DateTime::from_timestamp(1_795_132_800 + s, 0).unwrap();
        let begin = Line::Begin {
            schema: SCHEMA,
            time: t(0),
            incident: "db-outage".into(),
            user: "j.doe".into(),
            context: "prod".into(),
            server: "https://prod".into(),
        };
        let entry = |count: u32| {
            let e = Entry::new(
                "pod/ms5-production/postgres-0/crashloop".into(),
                t(10),
                Source::Kube,
                Severity::Critical,
                Subject::new(SubjectKind::Pod, "ms5-production", "postgres-0"),
                format!("CrashLoopBackOff ({count} restarts)"),
            )
            .counted(count, t(10 + i64::from(count)));
            Line::Entry {
                schema: SCHEMA,
                entry: EntryLine::of(&e),
            }
        };
        append(&path, &[begin, entry(1)]).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{not json\n"))
            .unwrap();
        append(&path, &[entry(3)]).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let incident = read(&path).unwrap();
        assert_eq!(incident.began, Some(t(0)));
        assert_eq!(incident.entries.len(), 1, "a fact told again is one entry");
        assert_eq!(incident.entries[0].count, 3);
        assert_eq!(incident.problems.len(), 1);
        assert_eq!(incident.problems[0].0, 3);
        assert_eq!(
            open_in(dir.path()).map(|i| i.name),
            Some("db-outage".into())
        );
        append(
            &path,
            &[Line::End {
                schema: SCHEMA,
                time: t(100),
                user: "j.doe".into(),
            }],
        )
        .unwrap();
        assert_eq!(
            open_in(dir.path()),
            None,
            "an ended incident is not taken up again"
        );
    }
}
