//! Following a restore drill or an on-demand backup to its end, as a job: the Job's and its
//! pod's status and the log as it is written, reported as progress; then the result (the
//! Job's Complete or Failed condition and the log's own verdict line: where they disagree the
//! run failed, and both are said), the RTO (from the Job's `startTime` to its completion, or
//! to its `Failed` condition, with the restore time the log reports beside it) against the
//! target, and the evidence, written as the write's `concluded` audit line so it outlives the
//! Job.

use std::time::{Duration, Instant};

use chrono::Utc;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, LogParams};
use serde_json::{Value, json};

use super::cronrun::CronRunKind;
use super::execute::Executor;
use super::jobs::Progress;
use super::plan::{WriteAction, WritePlan};
use crate::model::age::k8s_time;

/// How often the Job, its pod and the log are read while following.
const POLL: Duration = Duration::from_secs(2);
/// Log lines kept as evidence.
pub const EVIDENCE_LINES: i64 = 50;
/// Longest a run is followed past its own deadline before the console gives up (the Job goes on).
const GRACE: Duration = Duration::from_secs(120);

/// How a run ended, judged from the Job and its log.
#[derive(Debug, Clone, PartialEq)]
pub struct Conclusion {
    pub passed: bool,
    /// `PASS`, `FAIL`, or `FAIL (the Job Complete, the log FAIL ...)` when they disagree.
    pub words: String,
    pub rto: Option<chrono::Duration>,
    /// What the log says the restore took.
    pub log_seconds: Option<i64>,
    pub evidence: Value,
}

/// The log's verdict line: a restore test's `restore-test: PASS ...`/`FAIL ...`, a backup's
/// upload line (`... complete`) or error (`error: ...`).
pub fn verdict(kind: CronRunKind, lines: &[String]) -> Option<(bool, String)> {
    lines.iter().rev().find_map(|l| {
        let l = l.trim();
        match kind {
            CronRunKind::Drill => {
                if l.starts_with("restore-test: PASS") {
                    Some((true, l.to_string()))
                } else if l.starts_with("restore-test: FAIL") {
                    Some((false, l.to_string()))
                } else {
                    None
                }
            }
            CronRunKind::Backup => {
                if l.contains("error:") {
                    Some((false, l.to_string()))
                } else if l.ends_with("complete") {
                    Some((true, l.to_string()))
                } else {
                    None
                }
            }
        }
    })
}

/// `restored in 38 s` from a verdict line.
fn restore_seconds(line: &str) -> Option<i64> {
    let (_, rest) = line.split_once("restored in ")?;
    rest.split_whitespace().next()?.parse().ok()
}

/// Judges a finished Job and its log (`log`: the lines, or why they could not be read).
pub fn conclude(
    kind: CronRunKind,
    job: &Job,
    log: &Result<Vec<String>, String>,
    rto_target: Option<Duration>,
) -> Conclusion {
    let status = job.status.as_ref();
    let condition = |kind: &str| {
        status
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .find(|c| c.type_ == kind && c.status == "True")
            .cloned()
    };
    let started = status.and_then(|s| s.start_time.as_ref()).map(k8s_time);
    let (complete, ended) = match (condition("Complete"), condition("Failed")) {
        (Some(c), _) => (
            true,
            status
                .and_then(|s| s.completion_time.as_ref())
                .or(c.last_transition_time.as_ref())
                .map(k8s_time),
        ),
        (None, Some(f)) => (false, f.last_transition_time.as_ref().map(k8s_time)),
        (None, None) => (false, None),
    };
    let took = started.zip(ended).map(|(s, e)| e - s);
    // The recovery time belongs to a restore; a backup's run only took its time.
    let rto = took.filter(|_| matches!(kind, CronRunKind::Drill));
    let (verdict, log_seconds) = match log {
        Ok(lines) => {
            let v = verdict(kind, lines);
            let seconds = v.as_ref().and_then(|(_, l)| restore_seconds(l));
            (v, seconds)
        }
        Err(_) => (None, None),
    };
    let job_word = if complete { "Complete" } else { "Failed" };
    let (passed, mut words) = match &verdict {
        Some((log_pass, line)) if *log_pass == complete => (
            complete,
            format!(
                "{}: the Job {job_word}, the log: {line}",
                if complete { "PASS" } else { "FAIL" }
            ),
        ),
        Some((_, line)) => (
            false,
            format!("FAIL: the Job and its log disagree (the Job {job_word}, the log: {line})"),
        ),
        None => (
            complete,
            format!(
                "{}: the Job {job_word}; the log has no verdict line",
                if complete { "PASS" } else { "FAIL" }
            ),
        ),
    };
    let mut rto_words = None;
    if let Some(rto) = rto {
        let mut w = format!("RTO {} s", rto.num_seconds());
        if let Some(s) = log_seconds {
            w.push_str(&format!(" (the log: restored in {s} s)"));
        }
        if let Some(target) = rto_target {
            if rto.num_seconds() > target.as_secs() as i64 {
                w.push_str(&format!(", over the {} s target", target.as_secs()));
            } else {
                w.push_str(&format!(", within the {} s target", target.as_secs()));
            }
        }
        rto_words = Some(w);
    }
    if let Some(w) = &rto_words {
        words.push_str(&format!("; {w}"));
    } else if let Some(took) = took.filter(|_| matches!(kind, CronRunKind::Backup)) {
        words.push_str(&format!("; took {} s", took.num_seconds()));
    }
    let restored = match log {
        Ok(lines) => lines
            .iter()
            .find(|l| l.contains("restoring"))
            .cloned()
            .map_or(Value::Null, Value::String),
        Err(_) => Value::Null,
    };
    let conditions: Vec<Value> = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .map(|c| {
            json!({"type": c.type_, "status": c.status, "reason": c.reason, "message": c.message,
                   "time": c.last_transition_time.as_ref().map(|t| k8s_time(t).to_rfc3339())})
        })
        .collect();
    let evidence = json!({
        "job": job.metadata.name,
        "uid": job.metadata.uid,
        "result": if passed { "PASS" } else { "FAIL" },
        "conditions": conditions,
        "startTime": started.map(|t| t.to_rfc3339()),
        "endTime": ended.map(|t| t.to_rfc3339()),
        "rtoSeconds": rto.map(|r| r.num_seconds()),
        "rtoTargetSeconds": rto_target.map(|t| t.as_secs()),
        "logSeconds": log_seconds,
        "verdict": verdict.map(|(_, l)| l),
        "restored": restored,
        "log": match log {
            Ok(lines) => json!(lines),
            Err(e) => json!(format!("log not readable: {e}")),
        },
    });
    Conclusion {
        passed,
        words,
        rto,
        log_seconds,
        evidence,
    }
}

fn finished(job: &Job) -> bool {
    job.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .any(|c| (c.type_ == "Complete" || c.type_ == "Failed") && c.status == "True")
}

/// The pod's state in a few words: its phase, and why it waits (the scheduler's message for
/// one never scheduled).
fn pod_words(pod: &Pod) -> String {
    let name = pod.metadata.name.clone().unwrap_or_default();
    let status = pod.status.as_ref();
    let phase = status
        .and_then(|s| s.phase.clone())
        .unwrap_or_else(|| "Pending".into());
    let unscheduled = status
        .and_then(|s| s.conditions.as_ref())
        .into_iter()
        .flatten()
        .find(|c| c.type_ == "PodScheduled" && c.status == "False");
    let waiting = status
        .and_then(|s| s.container_statuses.as_ref())
        .and_then(|c| c.first())
        .and_then(|c| c.state.as_ref())
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.clone());
    match (unscheduled, waiting) {
        (Some(c), _) => format!(
            "pod {name} {phase}: {} {}",
            c.reason.clone().unwrap_or_default(),
            c.message.clone().unwrap_or_default()
        ),
        (None, Some(reason)) => format!("pod {name} {phase} ({reason})"),
        (None, None) => format!("pod {name} {phase}"),
    }
}

/// Follows the run `plan` started until its Job finishes, then writes the `concluded` line.
pub async fn follow(
    executor: &Executor,
    plan: &WritePlan,
    progress: &Progress,
) -> Result<String, String> {
    let WriteAction::RunCronJob(run) = &plan.action else {
        return Err("not a CronJob run".into());
    };
    let client = executor
        .kube
        .as_ref()
        .map(|k| k.client.clone())
        .ok_or("no Kubernetes connection")?;
    let started = Instant::now();
    let jobs: Api<Job> = Api::namespaced(client.clone(), &run.namespace);
    let pods: Api<Pod> = Api::namespaced(client, &run.namespace);
    let name = run.job_name().to_string();
    let deadline = run.job["spec"]["activeDeadlineSeconds"]
        .as_u64()
        .map_or(Duration::from_secs(3600), Duration::from_secs)
        + GRACE;
    let mut said = String::new();
    let mut lines_seen = 0usize;
    let mut log_error: Option<String> = None;
    let job = loop {
        let job = jobs.get(&name).await.map_err(|e| {
            format!(
                "{name} could not be read ({}); it goes on in the cluster",
                crate::source::error::ApiError::kube(&e)
            )
        })?;
        let listed = pods
            .list(&ListParams::default().labels(&format!("job-name={name}")))
            .await
            .map(|l| l.items)
            .unwrap_or_default();
        let elapsed = job
            .status
            .as_ref()
            .and_then(|s| s.start_time.as_ref())
            .map(|t| Utc::now() - k8s_time(t))
            .map_or(0, |d| d.num_seconds().max(0));
        let pod = listed.last();
        let state = format!(
            "Job {name}: {} · {}",
            if finished(&job) {
                "finished"
            } else {
                "running"
            },
            pod.map_or("no pod yet".to_string(), pod_words)
        );
        if state != said {
            progress.report(format!("{state} ({elapsed} s)")).await;
            said = state;
        }
        // The log as it is written: new lines since the last read (a pod not started yet has
        // none to read).
        let started_pod = pod.filter(|p| {
            p.status
                .as_ref()
                .and_then(|s| s.phase.as_deref())
                .unwrap_or("Pending")
                != "Pending"
        });
        if let Some(pod_name) = started_pod.and_then(|p| p.metadata.name.clone()) {
            match read_log(&pods, &pod_name, 200).await {
                Ok(lines) => {
                    for line in lines.iter().skip(lines_seen) {
                        progress.report(format!("log  {line}")).await;
                    }
                    lines_seen = lines_seen.max(lines.len());
                }
                Err(e) if log_error.is_none() => {
                    progress.report(format!("log not readable: {e}")).await;
                    log_error = Some(e);
                }
                Err(_) => {}
            }
        }
        if finished(&job) {
            break job;
        }
        if started.elapsed() > deadline {
            return Err(format!(
                "{name} has not finished within {} s; it goes on in the cluster (:backups shows it)",
                deadline.as_secs()
            ));
        }
        tokio::time::sleep(POLL).await;
    };
    let pod_name = pods
        .list(&ListParams::default().labels(&format!("job-name={name}")))
        .await
        .ok()
        .and_then(|l| l.items.last().and_then(|p| p.metadata.name.clone()));
    let log = match pod_name {
        Some(pod) => read_log(&pods, &pod, EVIDENCE_LINES).await,
        None => Err("its pod is gone".into()),
    };
    let rto_target = run.rto;
    let conclusion = conclude(run.kind, &job, &log, rto_target);
    executor.record_run_conclusion(
        plan,
        conclusion.evidence.clone(),
        &conclusion.words,
        started.elapsed().as_millis() as u64,
    );
    if conclusion.passed {
        Ok(conclusion.words)
    } else {
        Err(conclusion.words)
    }
}

/// The last `tail` lines of the pod's log, or why not (`forbidden` in the server's words).
async fn read_log(pods: &Api<Pod>, pod: &str, tail: i64) -> Result<Vec<String>, String> {
    let params = LogParams {
        tail_lines: Some(tail),
        ..LogParams::default()
    };
    match pods.logs(pod, &params).await {
        Ok(text) => Ok(text.lines().map(str::to_string).collect()),
        Err(e) => {
            let e = crate::source::error::ApiError::kube(&e);
            Err(if e.kind == crate::source::error::ErrorKind::Forbidden {
                "forbidden".into()
            } else {
                e.to_string()
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(outcome: &str) -> Job {
        let mut status = json!({"startTime": "2026-11-30T14:00:00Z"});
        match outcome {
            "Complete" => {
                status["completionTime"] = json!("2026-11-30T14:00:42Z");
                status["conditions"] = json!([{"type": "Complete", "status": "True", "lastTransitionTime": "2026-11-30T14:00:42Z"}]);
            }
            _ => {
                status["conditions"] = json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "lastTransitionTime": "2026-11-30T14:00:43Z"}]);
            }
        }
        serde_json::from_value(
            json!({"metadata": {"name": "pg-drill", "uid": "u-9"}, "status": status}),
        )
        .expect("a Job")
    }

    fn log(last: &str) -> Result<Vec<String>, String> {
        Ok(vec![
            "restore-test: restoring base backup postgres-backup-1 (completed 2026-11-30T02:04:01Z) from minio://ms5-backups, PITR target 2026-11-30T14:00:00Z".into(),
            "restore-test: verified 214 of 214 tables, row counts match".into(),
            last.into(),
        ])
    }

    const PASS: &str = "restore-test: PASS restored in 40 s, 214 tables, row counts match";
    const FAIL: &str =
        "restore-test: FAIL row count mismatch in downtime_events (expected 10234, got 10198)";

    #[test]
    fn a_complete_job_with_a_pass_line_passes_with_its_rto_from_the_jobs_own_times() {
        let c = conclude(CronRunKind::Drill, &job("Complete"), &log(PASS), None);
        assert!(c.passed);
        assert_eq!(
            c.words,
            format!(
                "PASS: the Job Complete, the log: {PASS}; RTO 42 s (the log: restored in 40 s)"
            )
        );
        assert_eq!(c.rto, Some(chrono::Duration::seconds(42)));
        assert_eq!(c.evidence["rtoSeconds"], 42);
        assert_eq!(c.evidence["uid"], "u-9");
        assert!(
            c.evidence["restored"]
                .as_str()
                .is_some_and(|r| r.contains("postgres-backup-1"))
        );
        assert_eq!(c.evidence["log"].as_array().map(Vec::len), Some(3));
    }

    /// Defect: a failed backup was given `RTO 67 s`. A backup's run took its time; the
    /// recovery time belongs to restores.
    #[test]
    fn a_backup_run_says_how_long_it_took_never_an_rto() {
        let backup_log = Ok(vec![
            "backup: FAIL upload to minio://ms5-backups refused".to_string(),
        ]);
        let c = conclude(CronRunKind::Backup, &job("Failed"), &backup_log, None);
        assert!(!c.passed);
        assert!(c.words.ends_with("; took 43 s"), "{}", c.words);
        assert!(!c.words.contains("RTO"), "{}", c.words);
        assert_eq!(c.rto, None);
        assert!(c.evidence["rtoSeconds"].is_null());
    }

    #[test]
    fn a_failed_job_ends_at_its_failed_condition_and_keeps_the_logs_reason() {
        let c = conclude(
            CronRunKind::Drill,
            &job("Failed"),
            &log(FAIL),
            Some(Duration::from_secs(30)),
        );
        assert!(!c.passed);
        assert_eq!(
            c.words,
            format!("FAIL: the Job Failed, the log: {FAIL}; RTO 43 s, over the 30 s target")
        );
    }

    #[test]
    fn a_job_and_a_log_that_disagree_fail_and_both_are_said() {
        let c = conclude(CronRunKind::Drill, &job("Complete"), &log(FAIL), None);
        assert!(!c.passed);
        assert!(
            c.words.starts_with(&format!(
                "FAIL: the Job and its log disagree (the Job Complete, the log: {FAIL})"
            )),
            "{}",
            c.words
        );
    }

    #[test]
    fn a_log_that_cannot_be_read_leaves_the_result_to_the_job_and_says_so() {
        let c = conclude(
            CronRunKind::Drill,
            &job("Complete"),
            &Err("forbidden".into()),
            None,
        );
        assert!(c.passed);
        assert_eq!(
            c.words,
            "PASS: the Job Complete; the log has no verdict line; RTO 42 s"
        );
        assert_eq!(c.evidence["log"], "log not readable: forbidden");
    }

    #[test]
    fn a_pod_never_scheduled_is_pending_with_the_schedulers_words() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "pg-drill-x7k2p"},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                "reason": "Unschedulable",
                "message": "0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."}]}
        }))
        .expect("a pod");
        assert_eq!(
            pod_words(&pod),
            "pod pg-drill-x7k2p Pending: Unschedulable 0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector."
        );
    }

    #[test]
    fn a_backups_verdict_is_its_upload_line() {
        let lines = vec![
            "pg_basebackup: base backup completed".to_string(),
            "pg_basebackup: error: upload to minio://ms5-backups failed: 503 Service Unavailable; exit code 1".to_string(),
        ];
        let (ok, line) = verdict(CronRunKind::Backup, &lines).expect("a verdict");
        assert!(!ok && line.contains("503 Service Unavailable"));
        let good = vec!["pg_basebackup: upload to minio://ms5-backups complete".to_string()];
        assert_eq!(verdict(CronRunKind::Backup, &good).map(|v| v.0), Some(true));
    }
}
