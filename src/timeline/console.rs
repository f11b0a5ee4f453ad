//! The console's own doings, from its audit log: writes with their outcome (who, what, write
//! id), validation runs with their totals, drills with their RTO, and notes. The log is the
//! record, so a restarted console rebuilds them all.

use chrono::{DateTime, Utc};

use super::entry::{Entry, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::ops::audit::record::{AuditRecord, Contents, LooseEnd, Phase};

/// The audit log's action for a note (`m`): the audit log's word, said where it is written.
pub use crate::ops::audit::record::NOTE_ACTION;

/// The key a note is held under, whether added at the keyboard or read back from the log.
pub fn note_key(write: &str) -> String {
    format!("note/{write}")
}

/// A note as the timeline holds it.
pub fn note(write: &str, at: DateTime<Utc>, user: &str, text: &str) -> Entry {
    Entry::new(
        note_key(write),
        at,
        Source::Console,
        Severity::Info,
        Subject::new(SubjectKind::Note, "", user),
        text.to_string(),
    )
}

fn phase_word(phase: Phase) -> &'static str {
    match phase {
        Phase::Pending => "pending",
        Phase::Succeeded => "succeeded",
        Phase::Failed => "failed",
        Phase::Refused => "refused",
        Phase::Concluded => "concluded",
    }
}

/// Audited actions that change nothing: shown as reads, never as writes.
pub const READ_ACTIONS: &[&str] = &["validation-run"];

/// Who did it: the local user and, where the server knows another name, that one too
/// (`root as kube user oncall`): the header says the kube user, the machine the local one.
pub fn who(record: &AuditRecord) -> String {
    let kube_user = record
        .identity
        .strip_prefix("kube user ")
        .and_then(|rest| rest.split(" context ").next())
        .filter(|u| !u.is_empty() && *u != record.local_user);
    match kube_user {
        Some(user) if record.local_user.is_empty() => user.to_string(),
        Some(user) => format!("{} as {user}", record.local_user),
        None => record.local_user.clone(),
    }
}

fn entry(record: &AuditRecord, loose: Option<LooseEnd>) -> Option<Entry> {
    if record.action == NOTE_ACTION {
        let text = record.result.as_deref().unwrap_or_default();
        return Some(note(&record.write, record.time, &who(record), text));
    }
    if READ_ACTIONS.contains(&record.action.as_str()) {
        let result = record.result.as_deref().unwrap_or_default();
        return Some(Entry::new(
            format!("audit/{}/{}", record.write, phase_word(record.phase)),
            record.time,
            Source::Console,
            Severity::Info,
            Subject::new(SubjectKind::Read, "", &record.write),
            format!(
                "{} {}: {result} · by {}",
                record.action,
                record.target,
                who(record)
            ),
        ));
    }
    let (severity, phase) = match (record.phase, loose) {
        (Phase::Pending, Some(LooseEnd::NoOutcome)) => (Severity::Warning, "no outcome"),
        // A pending line is said by its outcome line.
        (Phase::Pending, _) => return None,
        (Phase::Failed, _) => (Severity::Critical, "failed"),
        (Phase::Refused, _) => (Severity::Warning, "refused"),
        (Phase::Concluded, _)
            if record
                .result
                .as_deref()
                .is_some_and(|r| r.contains("FAIL") || r.contains("fail")) =>
        {
            (Severity::Warning, "concluded")
        }
        (phase, _) => (Severity::Info, phase_word(phase)),
    };
    let namespace = record
        .kube
        .as_ref()
        .map(|k| k.object.namespace.clone())
        .unwrap_or_default();
    let result = record
        .result
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    Some(Entry::new(
        format!("audit/{}/{}", record.write, phase_word(record.phase)),
        record.time,
        Source::Console,
        severity,
        Subject::new(SubjectKind::Write, &namespace, &record.write),
        format!(
            "{} {} {phase}{result} · by {}",
            record.action,
            record.target,
            who(record)
        ),
    ))
}

/// Every record of the log as read: each is one fact, so reading it again adds only what is new.
/// A Kubernetes write made against another cluster (another context or API server: the log is
/// shared by every console this user runs) is not this cluster's story and is left out.
pub fn observe(
    timeline: &mut Timeline,
    contents: &Contents,
    (context, server): (&str, &str),
    now: DateTime<Utc>,
) {
    let elsewhere = |r: &AuditRecord| {
        r.kube
            .as_ref()
            .is_some_and(|k| k.object.context != context || k.object.server != server)
    };
    for record in contents.records.iter().filter(|r| !elsewhere(r)) {
        if let Some(e) = entry(record, contents.loose_end(record)) {
            timeline.record(e, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::audit::record::SCHEMA;

    fn record(action: &str, identity: &str, result: &str) -> AuditRecord {
        AuditRecord {
            schema: SCHEMA,
            write: "w1".into(),
            time: "2026-11-27T10:00:00Z".parse().expect("time"),
            phase: Phase::Concluded,
            local_user: "root".into(),
            identity: identity.into(),
            target: "runbook ms5-phase9".into(),
            action: action.into(),
            parameters: serde_json::json!({}),
            result: Some(result.into()),
            duration_ms: None,
            kube: None,
            checks: Vec::new(),
            event: None,
            annotation: None,
        }
    }

    /// A read-only validation run with failures is a read of the console's, said at info, not
    /// a warning-coloured write; who ran it names the kube user the header says too.
    #[test]
    fn a_validation_run_is_a_read_and_names_both_users() {
        let run = record(
            "validation-run",
            "kube user oncall context aks-ms5-prod",
            "33 passed, 2 failed",
        );
        let e = entry(&run, None).expect("an entry");
        assert_eq!(e.severity, Severity::Info);
        assert_eq!(e.subject.kind, SubjectKind::Read);
        assert!(e.what.ends_with("by root as oncall"), "{}", e.what);
        // The same user twice is said once; a note says both users too.
        let same = record("note", "kube user root context x", "paged");
        assert_eq!(who(&same), "root");
        let note = record("note", "kube user oncall context x", "paged DB team");
        assert_eq!(
            entry(&note, None).expect("a note").subject.name,
            "root as oncall"
        );
    }
}
