//! Jobs (backups, restore tests, drills, migrations): started, completed with how long it
//! took, failed with the Job's reason. Dated by the Job's own times, so a console started
//! later rebuilds the night's backup run as it happened.

use chrono::{DateTime, Utc};
use k8s_openapi::api::batch::v1::Job;

use super::entry::{Change, Entry, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::model::age::{human_age, k8s_time};

pub fn observe(timeline: &mut Timeline, job: &Job, now: DateTime<Utc>) {
    let meta = &job.metadata;
    let namespace = meta.namespace.as_deref().unwrap_or_default();
    let name = meta.name.as_deref().unwrap_or_default();
    let subject = Subject::new(SubjectKind::Job, namespace, name);
    let fact = |what: &str, at: DateTime<Utc>, severity, words: String| {
        Entry::new(
            format!("job/{namespace}/{name}/{what}"),
            at,
            Source::Kube,
            severity,
            subject.clone(),
            words,
        )
    };
    let from = meta
        .owner_references
        .iter()
        .flatten()
        .find(|o| o.kind == "CronJob")
        .map(|o| format!(" (cronjob {})", o.name))
        .unwrap_or_default();
    let status = job.status.as_ref();
    let started = status
        .and_then(|s| s.start_time.as_ref())
        .or(meta.creation_timestamp.as_ref())
        .map(k8s_time);
    if let Some(at) = started {
        timeline.record(
            fact("started", at, Severity::Info, format!("job started{from}"))
                .first_in_its_second()
                .change(Change::Job),
            now,
        );
    }
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    for c in conditions.iter().filter(|c| c.status == "True") {
        let Some(at) = c.last_transition_time.as_ref().map(k8s_time) else {
            continue;
        };
        let took = started
            .map(|s| format!(" after {}", human_age(s, at)))
            .unwrap_or_default();
        match c.type_.as_str() {
            "Complete" => {
                let words = format!("job complete{took}{from}");
                timeline.record(fact("complete", at, Severity::Info, words), now);
            }
            "Failed" => {
                let why = match (c.reason.as_deref(), c.message.as_deref()) {
                    (Some(r), Some(m)) => format!("{r}: {m}"),
                    (Some(r), None) => r.to_string(),
                    _ => "failed".into(),
                };
                let words = format!("job FAILED{took}{from}: {why}");
                timeline.record(fact("failed", at, Severity::Critical, words), now);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_failed_backup_run_is_started_then_failed_with_its_reason_and_time_taken() {
        let t = |s: i64| {
            DateTime::from_timestamp(1_795_132_800 + s, 0)
                .unwrap_or_default()
                .to_rfc3339()
        };
        let job: Job = serde_json::from_value(json!({
            "metadata": {"name": "postgres-backup-29933400", "namespace": "ms5-production",
                "creationTimestamp": t(0),
                "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "postgres-backup", "uid": "u"}]},
            "status": {"startTime": t(1), "failed": 2, "conditions": [
                {"type": "FailureTarget", "status": "True", "lastTransitionTime": t(241)},
                {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded",
                 "message": "Job has reached the specified backoff limit", "lastTransitionTime": t(241)}]}
        }))
        .unwrap();
        let mut timeline =
            Timeline::new(DateTime::from_timestamp(1_795_132_800, 0).unwrap_or_default());
        let now = DateTime::from_timestamp(1_795_133_100, 0).unwrap_or_default();
        observe(&mut timeline, &job, now);
        observe(&mut timeline, &job, now);
        let lines: Vec<String> = timeline.newest_first().map(|e| e.what.clone()).collect();
        assert_eq!(
            lines,
            [
                "job FAILED after 4m (cronjob postgres-backup): BackoffLimitExceeded: Job has reached the specified backoff limit",
                "job started (cronjob postgres-backup)",
            ]
        );
    }
}
