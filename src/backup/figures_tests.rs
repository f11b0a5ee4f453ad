//! The figures and their judgement from fixture Jobs, CronJobs and readings.

use std::collections::BTreeMap;

use k8s_openapi::api::batch::v1::{CronJob, Job};
use serde_json::json;

use super::*;
use crate::backup::BackupDefinition;
use crate::backup::Figure;
use crate::backup::reading::{BackupReading, Sample};
use chrono::{DateTime, Utc};
use std::time::Duration;

const NOW: &str = "2026-11-30T14:00:00Z";

fn now() -> DateTime<Utc> {
    t(NOW)
}

fn t(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn cronjob(name: &str, schedule: &str, zone: &str, suspend: bool) -> CronJob {
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "ms5-production", "uid": format!("uid-{name}")},
        "spec": {"schedule": schedule, "timeZone": zone, "suspend": suspend,
                 "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}},
        "status": {}
    }))
    .expect("a CronJob")
}

/// A Job of `owner` started at `start` that ended at `end` with `outcome`
/// ("Complete", "Failed" or "" for running).
fn job(owner: &str, name: &str, start: &str, end: &str, outcome: &str, manual: bool) -> Job {
    let mut annotations = json!({});
    if manual {
        annotations = json!({"cronjob.kubernetes.io/instantiate": "manual"});
    }
    let mut status = json!({"startTime": start});
    match outcome {
        "Complete" => {
            status["completionTime"] = json!(end);
            status["conditions"] =
                json!([{"type": "Complete", "status": "True", "lastTransitionTime": end}]);
        }
        "Failed" => {
            status["conditions"] = json!([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "lastTransitionTime": end}]);
        }
        _ => {}
    }
    serde_json::from_value(json!({
        "metadata": {"name": name, "namespace": "ms5-production", "uid": format!("uid-{name}"),
                     "creationTimestamp": start, "annotations": annotations,
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": owner, "uid": format!("uid-{owner}"), "controller": true}]},
        "spec": {"template": {"spec": {"containers": []}}},
        "status": status
    }))
    .expect("a Job")
}

fn reading(values: &[(Figure, f64)]) -> BackupReading {
    let mut map = BTreeMap::new();
    for (figure, value) in values {
        map.insert(
            *figure,
            Ok(vec![Sample {
                location: None,
                value: *value,
            }]),
        );
    }
    map.insert(
        Figure::Retained,
        Ok(vec![
            Sample {
                location: Some("local".into()),
                value: 30.0,
            },
            Sample {
                location: Some("cloud".into()),
                value: 90.0,
            },
        ]),
    );
    let oldest =
        |days: i64| (t("2026-11-30T02:04:01Z") - chrono::Duration::days(days)).timestamp() as f64;
    map.insert(
        Figure::Oldest,
        Ok(vec![
            Sample {
                location: Some("local".into()),
                value: oldest(29),
            },
            Sample {
                location: Some("cloud".into()),
                value: oldest(89),
            },
        ]),
    );
    BackupReading {
        name: "postgres".into(),
        values: map,
    }
}

fn secs(text: &str) -> f64 {
    t(text).timestamp() as f64
}

struct World {
    def: BackupDefinition,
    cronjobs: Vec<CronJob>,
    jobs: Vec<Job>,
    reading: Option<BackupReading>,
    stale: bool,
    alerts: Vec<String>,
    conclusions: Vec<crate::backup::runs::Concluded>,
}

impl World {
    fn healthy() -> World {
        World {
            def: crate::backup::definition::builtin().remove(0),
            cronjobs: vec![
                cronjob("postgres-backup", "0 2 * * *", "Etc/UTC", false),
                cronjob("postgres-restore-test", "0 4 * * 0", "Etc/UTC", false),
            ],
            jobs: vec![
                job(
                    "postgres-backup",
                    "postgres-backup-1",
                    "2026-11-28T02:00:01Z",
                    "2026-11-28T02:04:01Z",
                    "Complete",
                    false,
                ),
                job(
                    "postgres-backup",
                    "postgres-backup-2",
                    "2026-11-29T02:00:01Z",
                    "2026-11-29T02:04:01Z",
                    "Complete",
                    false,
                ),
                job(
                    "postgres-backup",
                    "postgres-backup-3",
                    "2026-11-30T02:00:01Z",
                    "2026-11-30T02:04:01Z",
                    "Complete",
                    false,
                ),
                job(
                    "postgres-restore-test",
                    "postgres-restore-test-1",
                    "2026-11-29T04:00:01Z",
                    "2026-11-29T04:09:01Z",
                    "Complete",
                    false,
                ),
            ],
            reading: Some(reading(&[
                (Figure::LastSuccess, secs("2026-11-30T02:04:01Z")),
                (Figure::LastFailure, 0.0),
                (Figure::Wal, secs("2026-11-30T13:59:00Z")),
                (Figure::RestoreLastSuccess, secs("2026-11-29T04:09:01Z")),
                (Figure::RestoreResult, 1.0),
            ])),
            stale: false,
            alerts: Vec::new(),
            conclusions: Vec::new(),
        }
    }

    fn row(&self) -> BackupRow {
        judge(&Inputs {
            def: &self.def,
            watched: true,
            kube_source: "k8s watch: live".into(),
            cronjobs: self.cronjobs.iter().collect(),
            jobs: self.jobs.iter().collect(),
            metrics: self.reading.as_ref(),
            metrics_source: "prom".into(),
            metrics_stale: self.stale,
            alerts: self.alerts.clone(),
            conclusions: self.conclusions.clone(),
            job_pods: vec![(
                "postgres-backup-3".into(),
                "terminated: Error (exit 1)".into(),
            )],
            now: now(),
        })
    }

    fn set(&mut self, figure: Figure, value: f64) {
        if let Some(r) = self.reading.as_mut() {
            r.values.insert(
                figure,
                Ok(vec![Sample {
                    location: None,
                    value,
                }]),
            );
        }
    }
}

fn line(row: &BackupRow, label: &str) -> FigureLine {
    row.figure(label)
        .cloned()
        .unwrap_or_else(|| panic!("no {label} in {:#?}", row.figures))
}

#[test]
fn a_healthy_database_is_within_every_limit_and_says_where_each_figure_came_from() {
    let row = World::healthy().row();
    assert!(row.problems.is_empty(), "{:?}", row.problems);
    let last = line(&row, "last backup");
    assert_eq!(last.value, "11h ago (Nov 30 02:04)");
    assert_eq!(last.judged, "within RPO 24h");
    assert_eq!(last.source, "k8s watch: live + prom");
    assert_eq!(last.verdict, Verdict::Ok);
    let attempt = line(&row, "last attempt");
    assert_eq!(
        attempt.value,
        "postgres-backup-3 Complete 11h ago (Nov 30 02:04)"
    );
    assert_eq!(attempt.judged, "scheduled, took 4m");
    let wal = line(&row, "WAL archived");
    assert_eq!(
        (wal.value.as_str(), wal.verdict),
        ("60s ago (Nov 30 13:59)", Verdict::Ok)
    );
    assert_eq!(line(&row, "next run").value, "in 12h (Dec 1 02:00)");
    assert_eq!(
        line(&row, "failed runs").value,
        "0 of 3 Jobs kept; never failed (metric)"
    );
    let retention = line(&row, "retention");
    assert_eq!(
        retention.value,
        "local 30 (oldest 29d), cloud 90 (oldest 89d)"
    );
    assert_eq!(retention.judged, "local 30d kept, cloud 90d kept");
    assert_eq!(line(&row, "secondary copy").verdict, Verdict::Unknown);
    let restore = line(&row, "last restore test");
    assert_eq!(restore.value, "33h ago (Nov 29 04:09), RTO 9m");
    assert_eq!(restore.source, "k8s watch: live + prom (scheduled runs)");
    assert_eq!(restore.verdict, Verdict::Ok);
    assert_eq!(row.verdict(), Verdict::Ok);
}

#[test]
fn a_failed_newest_backup_breaches_the_rpo_loudly_with_its_reason() {
    let mut w = World::healthy();
    w.jobs.remove(0);
    w.jobs[1] = job(
        "postgres-backup",
        "postgres-backup-3",
        "2026-11-30T02:00:01Z",
        "2026-11-30T02:04:01Z",
        "Failed",
        false,
    );
    w.jobs[0] = job(
        "postgres-backup",
        "postgres-backup-2",
        "2026-11-28T08:00:01Z",
        "2026-11-28T08:00:00Z",
        "Complete",
        false,
    );
    w.set(Figure::LastSuccess, secs("2026-11-28T08:00:00Z"));
    w.set(Figure::LastFailure, secs("2026-11-30T02:04:01Z"));
    w.set(Figure::Wal, secs("2026-11-30T13:25:00Z"));
    w.alerts = vec!["MS5BackupFailed".into()];
    let row = w.row();
    let last = line(&row, "last backup");
    assert_eq!(last.verdict, Verdict::Breached);
    assert_eq!(last.judged, "RPO BREACHED 2d6h > 24h");
    let attempt = line(&row, "last attempt");
    assert_eq!(
        attempt.value,
        "postgres-backup-3 FAILED 11h ago (Nov 30 02:04)"
    );
    assert_eq!(
        attempt.judged,
        "scheduled: BackoffLimitExceeded, its pod terminated: Error (exit 1)"
    );
    assert_eq!(attempt.verdict, Verdict::Breached);
    let wal = line(&row, "WAL archived");
    assert_eq!(wal.judged, "WAL LAG BREACHED 35m > 5m");
    assert!(
        line(&row, "failed runs")
            .value
            .starts_with("1 of 2 Jobs kept; last failure 11h ago")
    );
    assert_eq!(row.alerts, ["MS5BackupFailed"]);
    assert_eq!(row.verdict(), Verdict::Breached);
}

/// Defect (issue 30, 14): `failed runs … last failure 16h ago` stood under `last attempt …
/// FAILED 7s ago` while the exporter had not yet reported the new failure.
#[test]
fn a_failure_the_gauge_has_not_seen_is_the_last_failure_and_the_gauge_is_said_to_lag() {
    let mut w = World::healthy();
    w.jobs[2] = job(
        "postgres-backup",
        "postgres-backup-3",
        "2026-11-30T13:59:00Z",
        "2026-11-30T13:59:53Z",
        "Failed",
        true,
    );
    w.set(Figure::LastFailure, secs("2026-11-29T22:00:00Z"));
    let row = w.row();
    assert_eq!(
        line(&row, "last attempt").value,
        "postgres-backup-3 FAILED 7s ago (Nov 30 13:59)"
    );
    assert_eq!(
        line(&row, "failed runs").value,
        "1 of 3 Jobs kept; last failure 7s ago (Nov 30 13:59) (metric behind: 16h ago)"
    );
    // Once the gauge has caught up, it is the one last failure, said once.
    w.set(Figure::LastFailure, secs("2026-11-30T13:59:53Z"));
    assert_eq!(
        line(&w.row(), "failed runs").value,
        "1 of 3 Jobs kept; last failure 7s ago (Nov 30 13:59)"
    );
}

#[test]
fn a_gauge_that_disagrees_with_the_jobs_is_shown_beside_them_and_named() {
    let mut w = World::healthy();
    w.set(Figure::LastSuccess, secs("2026-11-30T02:00:00Z") - 3600.0);
    let last = line(&w.row(), "last backup");
    assert_eq!(
        last.value,
        "k8s 11h ago (Nov 30 02:04) vs metric 13h ago (Nov 30 01:00)"
    );
    assert_eq!(
        last.judged,
        "within RPO 24h; k8s and metric DISAGREE by 64m"
    );
    assert_eq!(last.verdict, Verdict::Warning);
    // Within the tolerance they agree, and one time is shown.
    w.set(Figure::LastSuccess, secs("2026-11-30T02:04:01Z") - 60.0);
    assert_eq!(
        line(&w.row(), "last backup").value,
        "11h ago (Nov 30 02:04)"
    );
}

#[test]
fn a_manual_backup_moves_the_last_backup_and_says_the_metric_has_not_seen_it() {
    let mut w = World::healthy();
    w.jobs.push(job(
        "postgres-backup",
        "postgres-backup-manual",
        "2026-11-30T13:50:00Z",
        "2026-11-30T13:50:25Z",
        "Complete",
        true,
    ));
    let last = line(&w.row(), "last backup");
    assert_eq!(
        last.value,
        "9m35s ago (Nov 30 13:50), manual run postgres-backup-manual"
    );
    assert_eq!(
        last.judged,
        "within RPO 24h; metric not yet updated (manual run)"
    );
    assert_eq!(
        last.verdict,
        Verdict::Ok,
        "the gauge agrees with the scheduled runs"
    );
}

#[test]
fn an_age_within_20_percent_of_its_limit_is_a_warning() {
    let mut w = World::healthy();
    w.set(Figure::Wal, secs("2026-11-30T13:55:30Z"));
    let wal = line(&w.row(), "WAL archived");
    assert_eq!(
        (wal.verdict, wal.judged.as_str()),
        (Verdict::Warning, "near WAL lag 4m30s of 5m")
    );
}

#[test]
fn missing_and_stale_metrics_leave_the_kubernetes_figures_standing() {
    let mut w = World::healthy();
    w.reading = None;
    let row = w.row();
    let last = line(&row, "last backup");
    assert_eq!(last.verdict, Verdict::Ok);
    assert_eq!(last.source, "k8s watch: live; metric: no answer yet");
    assert_eq!(line(&row, "WAL archived").verdict, Verdict::Unknown);
    let mut w = World::healthy();
    w.stale = true;
    let row = w.row();
    assert_eq!(
        line(&row, "WAL archived").verdict,
        Verdict::Warning,
        "stale is never green"
    );
    assert_eq!(line(&row, "last attempt").verdict, Verdict::Ok);
}

#[test]
fn a_suspended_cronjob_and_a_schedule_in_another_time_zone() {
    let mut w = World::healthy();
    w.cronjobs[0] = cronjob("postgres-backup", "0 2 * * *", "Europe/Berlin", false);
    // 02:00 in Berlin (CET, UTC+1) is 01:00 UTC.
    assert_eq!(line(&w.row(), "next run").value, "in 11h (Dec 1 01:00)");
    w.cronjobs[0] = cronjob("postgres-backup", "0 2 * * *", "Etc/UTC", true);
    let next = line(&w.row(), "next run");
    assert_eq!(
        (next.verdict, next.judged.as_str()),
        (Verdict::Warning, "SUSPENDED: no scheduled runs")
    );
    w.cronjobs[0] = cronjob("postgres-backup", "0 2 * * *", "Mars/Olympus", false);
    assert!(
        line(&w.row(), "next run")
            .judged
            .contains("unknown time zone \"Mars/Olympus\"")
    );
}

#[test]
fn a_restore_test_older_than_the_drill_policy_and_a_failed_newest_are_breached() {
    let mut w = World::healthy();
    w.jobs.retain(|j| {
        !j.metadata
            .name
            .as_deref()
            .unwrap_or_default()
            .starts_with("postgres-restore")
    });
    w.jobs.push(job(
        "postgres-restore-test",
        "postgres-restore-test-0",
        "2026-11-22T04:00:01Z",
        "2026-11-22T04:09:01Z",
        "Complete",
        false,
    ));
    w.jobs.push(job(
        "postgres-restore-test",
        "postgres-restore-test-1",
        "2026-11-29T04:00:01Z",
        "2026-11-29T04:09:01Z",
        "Failed",
        false,
    ));
    w.set(Figure::RestoreLastSuccess, secs("2026-11-22T04:09:01Z"));
    w.set(Figure::RestoreResult, 0.0);
    let restore = line(&w.row(), "last restore test");
    assert_eq!(restore.verdict, Verdict::Breached);
    assert_eq!(
        restore.judged,
        "DRILL POLICY BREACHED 8d > 7d; newest postgres-restore-test-1 FAILED; last scheduled test FAILED (metric)"
    );
}

#[test]
fn a_drill_past_its_rto_target_breaches_it() {
    let mut w = World::healthy();
    w.def.rto = Some(Duration::from_secs(300));
    let restore = line(&w.row(), "last restore test");
    assert_eq!(restore.verdict, Verdict::Breached);
    assert!(
        restore.judged.ends_with("; RTO BREACHED 9m > 5m"),
        "{}",
        restore.judged
    );
}

#[test]
fn a_missing_cronjob_and_an_unwatched_namespace_are_said_on_the_row() {
    let mut w = World::healthy();
    w.cronjobs.remove(1);
    let row = w.row();
    assert_eq!(
        row.problems,
        ["CronJob ms5-production/postgres-restore-test not found"]
    );
    let row = judge(&Inputs {
        def: &w.def,
        watched: false,
        kube_source: "k8s: not watched".into(),
        cronjobs: Vec::new(),
        jobs: Vec::new(),
        metrics: w.reading.as_ref(),
        metrics_source: "prom".into(),
        metrics_stale: false,
        alerts: Vec::new(),
        conclusions: Vec::new(),
        job_pods: Vec::new(),
        now: now(),
    });
    assert_eq!(
        row.problems,
        ["namespace ms5-production is not watched: :ns ms5-production adds it"]
    );
    assert_eq!(line(&row, "last backup").source, "prom", "the gauge alone");
}

fn concluded(
    job: &str,
    passed: bool,
    started: &str,
    ended: &str,
) -> crate::backup::runs::Concluded {
    crate::backup::runs::Concluded {
        write: format!("w-{job}"),
        target: "cronjob ms5-production/postgres-restore-test".into(),
        context: "ms5-sim".into(),
        server: "https://127.0.0.1:6443".into(),
        who: "jdoe".into(),
        job: job.into(),
        uid: format!("uid-{job}"),
        passed,
        words: if passed {
            "PASS: ...".into()
        } else {
            "FAIL: ...".into()
        },
        rto_seconds: Some((t(ended) - t(started)).num_seconds()),
        started: Some(t(started)),
        ended: Some(t(ended)),
    }
}

#[test]
fn the_drill_history_merges_the_jobs_with_the_audit_logs_conclusions_by_uid() {
    let mut w = World::healthy();
    // A drill still in the cluster, concluded FAIL by its log although its Job is Complete;
    // and an older one the CronJob has pruned, known from the audit log alone.
    w.jobs.push(job(
        "postgres-restore-test",
        "pg-drill-2",
        "2026-11-30T12:00:00Z",
        "2026-11-30T12:00:42Z",
        "Complete",
        true,
    ));
    w.conclusions = vec![
        concluded(
            "pg-drill-2",
            false,
            "2026-11-30T12:00:00Z",
            "2026-11-30T12:00:42Z",
        ),
        concluded(
            "pg-drill-1",
            true,
            "2026-11-20T09:00:00Z",
            "2026-11-20T09:00:40Z",
        ),
    ];
    let row = w.row();
    let names: Vec<(&str, bool, bool)> = row
        .restores
        .iter()
        .map(|r| (r.name.as_str(), r.concluded.is_some(), r.pruned))
        .collect();
    assert_eq!(
        names,
        [
            ("pg-drill-2", true, false),
            ("postgres-restore-test-1", false, false),
            ("pg-drill-1", true, true)
        ]
    );
    // The failed drill does not count as a pass: the scheduled run before it does.
    let restore = line(&row, "last restore test");
    assert!(
        restore.value.starts_with("33h ago (Nov 29 04:09)"),
        "{}",
        restore.value
    );
}
