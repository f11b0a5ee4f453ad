//! `:backups` as an on-call engineer sees it: a healthy PostgreSQL row, the backup-failing
//! story (RPO breached in the critical colour, the failed Job's reason, the WAL lag, the alert
//! on the row), a gauge that disagrees with the Jobs, two databases, the runs drill-down and the
//! Overview's line, at 80 and 120 columns.

use std::collections::BTreeMap;

use insta::assert_snapshot;
use ms5_console::app::action::Action;
use ms5_console::app::event::{Change, DataEvent, KubeChange, SourceHealth, SourceId};
use ms5_console::app::state::{AppState, ViewId};
use ms5_console::app::update::{apply, update};
use ms5_console::backup::Figure;
use ms5_console::backup::reading::{BackupReading, Sample};
use serde_json::{Value, json};

use crate::alert_views::key;
use crate::fixture::{now, screen, state};
use crate::restart::colour_of;

fn at(hours_ago: f64) -> String {
    (now() - chrono::Duration::seconds((hours_ago * 3600.0) as i64))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn secs(hours_ago: f64) -> f64 {
    (now() - chrono::Duration::seconds((hours_ago * 3600.0) as i64)).timestamp() as f64
}

fn cronjob(name: &str, schedule: &str) -> Value {
    json!({
        "metadata": {"name": name, "namespace": "ms5-production", "uid": format!("uid-{name}")},
        "spec": {"schedule": schedule, "timeZone": "Etc/UTC", "suspend": false,
                 "jobTemplate": {"metadata": {"labels": {"app": name}},
                                 "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never", "containers": [
                                     {"name": "restore", "image": "ms5acr.azurecr.io/ms5-backup:2.3.0",
                                      "args": ["/scripts/restore-test.sh", "--from=latest", "--verify"]}]}}}}},
        "status": {}
    })
}

/// A Job of `owner` that started `started` hours ago, ran `minutes` and ended with `outcome`
/// (`Complete`, `Failed` or `` for still running).
fn job(owner: &str, name: &str, started: f64, minutes: f64, outcome: &str) -> Value {
    let end = at(started - minutes / 60.0);
    let mut status = json!({"startTime": at(started)});
    match outcome {
        "Complete" => {
            status["completionTime"] = json!(end);
            status["conditions"] =
                json!([{"type": "Complete", "status": "True", "lastTransitionTime": end}]);
        }
        "Failed" => {
            status["conditions"] = json!([{"type": "Failed", "status": "True",
                "reason": "BackoffLimitExceeded", "lastTransitionTime": end}])
        }
        _ => {}
    }
    json!({
        "metadata": {"name": name, "namespace": "ms5-production", "uid": format!("uid-{name}"),
                     "creationTimestamp": at(started),
                     "ownerReferences": [{"apiVersion": "batch/v1", "kind": "CronJob", "name": owner,
                                          "uid": format!("uid-{owner}"), "controller": true}]},
        "spec": {"template": {"spec": {"containers": []}}},
        "status": status
    })
}

fn reset<K>(items: Vec<K>) -> Change<K> {
    Change::Reset {
        namespace: Some("ms5-production".into()),
        items,
    }
}

fn decode<K: serde::de::DeserializeOwned>(values: Vec<Value>) -> Vec<K> {
    values
        .into_iter()
        .map(|v| serde_json::from_value(v).expect("a fixture object"))
        .collect()
}

fn reading(figures: &[(Figure, f64)]) -> BackupReading {
    let mut values = BTreeMap::new();
    for (figure, value) in figures {
        values.insert(
            *figure,
            Ok(vec![Sample {
                location: None,
                value: *value,
            }]),
        );
    }
    let by_location = |local: f64, cloud: f64| {
        Ok(vec![
            Sample {
                location: Some("local".into()),
                value: local,
            },
            Sample {
                location: Some("cloud".into()),
                value: cloud,
            },
        ])
    };
    values.insert(Figure::Retained, by_location(30.0, 90.0));
    values.insert(
        Figure::Oldest,
        by_location(secs(8.0 + 29.0 * 24.0), secs(8.0 + 89.0 * 24.0)),
    );
    BackupReading {
        name: "postgres".into(),
        values,
    }
}

/// The fixture's console with the built-in PostgreSQL row, its CronJobs and Jobs (`jobs`)
/// watched, and Prometheus' backup figures (`figures`).
fn with_backups(jobs: Vec<Value>, figures: &[(Figure, f64)]) -> AppState {
    let mut s = state();
    s.slo.backups = ms5_console::backup::definition::builtin();
    apply(
        &mut s,
        DataEvent::kube(KubeChange::CronJobs(reset(decode(vec![
            cronjob("postgres-backup", "0 2 * * *"),
            cronjob("postgres-restore-test", "0 4 * * 0"),
        ])))),
    );
    apply(
        &mut s,
        DataEvent::kube(KubeChange::Jobs(reset(decode(jobs)))),
    );
    for kind in ["jobs", "cronjobs"] {
        apply(
            &mut s,
            DataEvent::Health(
                SourceId {
                    kind,
                    namespace: Some("ms5-production".into()),
                },
                SourceHealth::Live { since: now() },
            ),
        );
    }
    if let Some(observation) = s.slo.last.as_mut() {
        observation.backups = vec![reading(figures)];
    }
    s
}

/// 2026-11-27 10:00 (a Friday): backups at 02:00 the last three days (the newest ending
/// `newest`), the weekly restore test last Sunday.
fn week_of_jobs(newest: &str) -> Vec<Value> {
    let backup =
        |name: &str, hours: f64, outcome: &str| job("postgres-backup", name, hours, 4.0, outcome);
    vec![
        backup("postgres-backup-29402520", 56.0, "Complete"),
        backup("postgres-backup-29403960", 32.0, "Complete"),
        backup("postgres-backup-29405400", 8.0, newest),
        job(
            "postgres-restore-test",
            "postgres-restore-test-29398800",
            126.0,
            9.0,
            "Complete",
        ),
    ]
}

fn healthy() -> AppState {
    let mut s = with_backups(
        week_of_jobs("Complete"),
        &[
            (Figure::LastSuccess, secs(8.0 - 4.0 / 60.0)),
            (Figure::LastFailure, 0.0),
            (Figure::Wal, secs(0.02)),
            (Figure::RestoreLastSuccess, secs(126.0 - 9.0 / 60.0)),
            (Figure::RestoreResult, 1.0),
        ],
    );
    // No alert about the database is firing.
    s.rows.all_alerts.clear();
    s
}

/// backup-failing: this morning's backup failed, the last good one is a day older, WAL
/// archiving stopped 35 minutes ago.
fn failing() -> AppState {
    let mut s = with_backups(
        week_of_jobs("Failed"),
        &[
            (Figure::LastSuccess, secs(32.0 - 4.0 / 60.0)),
            (Figure::LastFailure, secs(8.0 - 4.0 / 60.0)),
            (Figure::Wal, secs(35.0 / 60.0)),
            (Figure::RestoreLastSuccess, secs(126.0 - 9.0 / 60.0)),
            (Figure::RestoreResult, 1.0),
        ],
    );
    // The alert fixture's alerts about postgres (its MS5BackupFailed is silenced) stay.
    ms5_console::app::rows::refresh(&mut s);
    s
}

fn on_backups(mut s: AppState) -> AppState {
    update(&mut s, Action::View(ViewId::Backups));
    s
}

#[test]
fn a_healthy_database_reads_within_every_limit_with_its_sources() {
    let s = on_backups(healthy());
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("backups_healthy_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 40);
    assert!(
        text.contains("last backup       7h56m ago (Nov 27 02:04)  within RPO 24h  · k8s + prom"),
        "{text}"
    );
    assert!(
        text.contains("k8s watch: live · prometheus: 4s ago"),
        "{text}"
    );
    colour_of(&s, 120, 40, "within RPO 24h", "ok");
}

#[test]
fn backup_failing_breaches_the_rpo_and_the_wal_lag_loudly_with_the_alert_on_the_row() {
    let s = on_backups(failing());
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("backups_failing_{w}x{h}"), screen(&s, w, h));
        colour_of(&s, w, h, "RPO BREACHED 31h > 24h", "critical");
        colour_of(&s, w, h, "WAL LAG BREACHED 35m > 5m", "critical");
    }
    let text = screen(&s, 120, 40);
    assert!(
        text.contains(
            "postgres  ms5-production  BREACHED  firing: MS5DatabaseDown, MS5DiskFilling"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "postgres-backup-29405400 FAILED 7h56m ago (Nov 27 02:04)  scheduled: BackoffLimitExceeded"
        ),
        "{text}"
    );
    // The Overview says it too: a panel line where there is room, the warnings' bottom line at
    // 80x24; critical either way.
    let mut overview = s;
    update(&mut overview, Action::View(ViewId::Overview));
    // The verdict names what it judges: after `drill 5d5h/7d` (within policy) a bare
    // `BREACHED` read as the drill's (issue 30, 14).
    let line = "postgres  backup 31h/24h · WAL 35m/5m · drill 5d5h/7d  BREACHED (backup +2)";
    for (w, h) in [(80, 24), (120, 40)] {
        let text = screen(&overview, w, h);
        assert!(text.contains(line), "{w}x{h}:\n{text}");
        colour_of(&overview, w, h, "31h/24h", "critical");
        colour_of(&overview, w, h, "5d5h/7d", "ok");
    }
}

#[test]
fn a_gauge_that_disagrees_with_the_jobs_is_shown_beside_them_and_named() {
    let mut s = on_backups(healthy());
    if let Some(o) = s.slo.last.as_mut() {
        o.backups[0].values.insert(
            Figure::LastSuccess,
            Ok(vec![Sample {
                location: None,
                value: secs(9.0),
            }]),
        );
    }
    // A new poll, as the app counts one; the rows are judged before the frame, as the
    // console's loop does.
    s.slo.version += 1;
    ms5_console::app::rows::refresh(&mut s);
    let text = screen(&s, 120, 40);
    // The disagreement is one phrase: it moves whole to the next line rather than breaking
    // after `k8s and metric`.
    assert!(
        text.contains(
            "k8s 7h56m ago (Nov 27 02:04) vs metric 9h ago (Nov 27 01:00)  within RPO 24h;"
        ),
        "{text}"
    );
    assert!(
        text.contains("k8s and metric DISAGREE by 64m  · k8s + prom"),
        "{text}"
    );
    colour_of(&s, 120, 40, "within RPO 24h;", "warning");
    colour_of(&s, 120, 40, "k8s and metric DISAGREE by 64m", "warning");
}

#[test]
fn enter_shows_the_runs_newest_first_and_esc_comes_back() {
    let mut s = on_backups(failing());
    // Opening the runs reads the failed run's log tail; it shows under the run.
    let effects = update(&mut s, Action::Details);
    assert_eq!(
        effects,
        [ms5_console::app::event::Effect::FetchRunLog {
            namespace: "ms5-production".into(),
            job: "postgres-backup-29405400".into()
        }]
    );
    apply(
        &mut s,
        DataEvent::RunLog {
            namespace: "ms5-production".into(),
            job: "postgres-backup-29405400".into(),
            lines: Ok(vec![
                "pg_basebackup: base backup completed".into(),
                "pg_basebackup: error: upload to minio://ms5-backups failed: 503 Service Unavailable; exit code 1".into(),
            ]),
        },
    );
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("backups_runs_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 40);
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .nth(1)
                .filter(|w| w.starts_with("postgres-"))
        })
        .collect();
    assert_eq!(
        names,
        [
            "postgres-backup-29405400",
            "postgres-backup-29403960",
            "postgres-backup-29402520",
            "postgres-restore-test-29398800"
        ]
    );
    colour_of(&s, 120, 40, "Failed: BackoffLimitExceeded", "critical");
    colour_of(&s, 120, 40, "| pg_basebackup: error: upload", "critical");
    update(&mut s, Action::Back);
    assert!(screen(&s, 120, 40).contains("last backup"));
}

#[test]
fn a_missing_cronjob_an_unwatched_namespace_and_no_prometheus_are_said_not_hidden() {
    let mut s = healthy();
    s.slo.backups[0].restore_test_cronjob = Some("postgres-restore-drill".into());
    let mut minio = s.slo.backups[0].clone();
    minio.name = "minio".into();
    minio.namespace = "ms5-storage".into();
    minio.backup_cronjob = "minio-mirror".into();
    minio.queries = Default::default();
    s.slo.backups.push(minio);
    s.slo.failing = Some((now(), "connection refused".into()));
    let s = on_backups(s);
    assert_snapshot!("backups_problems_120x40", screen(&s, 120, 40));
    let text = screen(&s, 120, 40);
    assert!(
        text.contains("CronJob ms5-production/postgres-restore-drill not found"),
        "{text}"
    );
    assert!(
        text.contains("namespace ms5-storage is not watched: :ns ms5-storage adds it"),
        "{text}"
    );
    assert!(
        text.contains("· prom STALE 4s"),
        "metric figures marked stale: {text}"
    );
    assert!(
        text.contains("▶ postgres  ms5-production  WARNING"),
        "{text}"
    );
    // A figure from stale metrics is never shown as fine.
    colour_of(&s, 120, 40, "within WAL lag 5m", "warning");
    assert!(
        text.contains("prometheus: stale, last good 4s ago"),
        "{text}"
    );
}

#[test]
fn d_plans_a_drill_from_the_restore_test_cronjob_warns_of_the_stale_backup_and_checks_it() {
    let mut s = on_backups(failing());
    let text = screen(&s, 120, 40);
    assert!(text.contains("d restore drill  b backup now"), "{text}");
    let effects = key(&mut s, crossterm::event::KeyCode::Char('d'));
    let [
        ms5_console::app::event::Effect::StartJob {
            spec: ms5_console::ops::job::JobSpec::Check(plan),
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("the checks start: {effects:?}");
    };
    let ms5_console::ops::plan::WriteAction::RunCronJob(run) = &plan.action else {
        panic!("a drill: {plan:?}");
    };
    assert_eq!(
        run.job_name(),
        "postgres-restore-test-drill-20261127-100000"
    );
    assert_eq!(
        run.notes,
        [
            "restores the newest good backup: 31h ago (Nov 26 02:04)",
            "warning: this drill restores a 31h old backup (RPO BREACHED 31h > 24h)"
        ]
    );
    assert_eq!(
        plan.target_words(),
        "cronjob ms5-production/postgres-restore-test"
    );
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("backups_drill_checking_{w}x{h}"), screen(&s, w, h));
    }
}

#[test]
fn drills_and_backups_are_refused_with_the_reason_before_anything_is_planned() {
    use crossterm::event::KeyCode;
    // Read-only: the keys say so, and nothing starts.
    let mut s = on_backups(healthy());
    s.readonly = true;
    assert!(key(&mut s, KeyCode::Char('d')).is_empty());
    assert!(
        screen(&s, 120, 40).contains("read-only: cannot start a restore drill"),
        "{}",
        screen(&s, 120, 40)
    );
    // A CronJob the watch does not have: nothing to run.
    let mut s = on_backups(healthy());
    s.slo.backups[0].backup_cronjob = "postgres-basebackup".into();
    assert!(key(&mut s, KeyCode::Char('b')).is_empty());
    assert!(
        screen(&s, 120, 40).contains(
            "start an on-demand backup: CronJob ms5-production/postgres-basebackup not found, so there is nothing to run"
        ),
        "{}",
        screen(&s, 120, 40)
    );
    // A database without a restore-test CronJob has no drill.
    let mut s = on_backups(healthy());
    s.slo.backups[0].restore_test_cronjob = None;
    assert!(key(&mut s, KeyCode::Char('d')).is_empty());
    assert!(
        screen(&s, 120, 40)
            .contains("postgres has no restore-test-cronjob in its [[backup]] table"),
        "{}",
        screen(&s, 120, 40)
    );
}

/// A `concluded` audit line of a drill, as the follow job writes it.
fn drill_conclusion(job: &str, uid: &str, passed: bool, hours_ago: f64) -> Value {
    json!({
        "schema": 2, "write": format!("w-{job}"), "time": at(hours_ago), "phase": "concluded",
        "local_user": "jdoe", "identity": "kube user oncall context ms5-sim",
        "target": "cronjob ms5-production/postgres-restore-test", "action": "restore-drill",
        "parameters": {"job": job, "uid": uid, "result": if passed { "PASS" } else { "FAIL" },
                       "rtoSeconds": 42, "startTime": at(hours_ago + 42.0 / 3600.0), "endTime": at(hours_ago)},
        "result": if passed { "PASS: the Job Complete" } else { "FAIL: the Job Failed" },
        "kube": {"context": "aks-ms5-prod", "server": "https://ms5-prod.hcp.westeurope.azmk8s.io:443",
                 "user": "clusterUser_ms5", "apiVersion": "batch/v1", "kind": "CronJob",
                 "namespace": "ms5-production", "name": "postgres-restore-test"},
        "duration_ms": 44000
    })
}

#[test]
fn the_runs_list_the_drills_who_ran_them_and_their_result_and_rto_from_the_audit_log() {
    let mut s = healthy();
    // One drill still in the cluster (followed, PASS), one manual run nobody followed, one
    // the CronJob has pruned (the audit log remembers it).
    let reset = |items| DataEvent::kube(KubeChange::Jobs(reset(decode(items))));
    let mut jobs = vec![
        job(
            "postgres-backup",
            "postgres-backup-29405400",
            8.0,
            4.0,
            "Complete",
        ),
        job(
            "postgres-restore-test",
            "postgres-restore-test-29398800",
            126.0,
            9.0,
            "Complete",
        ),
        job(
            "postgres-restore-test",
            "postgres-restore-test-drill-20261127-090000",
            1.0,
            0.7,
            "Complete",
        ),
        job(
            "postgres-restore-test",
            "postgres-restore-test-drill-20261126-090000",
            25.0,
            0.7,
            "Complete",
        ),
    ];
    for j in &mut jobs[2..] {
        j["metadata"]["annotations"] = json!({"cronjob.kubernetes.io/instantiate": "manual"});
    }
    apply(&mut s, reset(jobs));
    let records: Vec<ms5_console::ops::audit::record::AuditRecord> = [
        drill_conclusion(
            "postgres-restore-test-drill-20261127-090000",
            "uid-postgres-restore-test-drill-20261127-090000",
            true,
            1.0 - 0.7 / 60.0,
        ),
        drill_conclusion(
            "postgres-restore-test-drill-20261120-090000",
            "uid-gone",
            false,
            169.0,
        ),
        // Another cluster's drill in the same audit log (the log is the machine's).
        {
            let mut other =
                drill_conclusion("postgres-restore-test-drill-elsewhere", "uid-x", true, 2.0);
            other["kube"]["context"] = json!("aks-ms5-staging");
            other
        },
    ]
    .into_iter()
    .map(|v| serde_json::from_value(v).expect("an audit record"))
    .collect();
    s.audit.read = Some((
        now(),
        Ok(ms5_console::ops::audit::record::Contents {
            records,
            problems: Vec::new(),
        }),
    ));
    let mut s = on_backups(s);
    update(&mut s, Action::Details);
    assert_snapshot!("backups_drill_history_120x40", screen(&s, 120, 40));
    let text = screen(&s, 120, 40);
    let line = |name: &str| {
        text.lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{name} listed:\n{text}"))
            .to_string()
    };
    assert!(
        line("drill-20261127-090000").contains("· by jdoe: PASS RTO 42s"),
        "{text}"
    );
    assert!(
        line("drill-20261126-090000").contains("· not followed"),
        "{text}"
    );
    assert!(
        line("drill-20261120-090000")
            .contains("took 42s   Failed · by jdoe: FAIL RTO 42s (pruned:"),
        "{text}"
    );
    assert!(
        text.contains("    from the audit log)"),
        "wrapped under the run: {text}"
    );
    colour_of(&s, 120, 40, "by jdoe: FAIL", "critical");
    assert!(
        !text.contains("drill-elsewhere"),
        "another cluster's drill: {text}"
    );
}

#[test]
fn a_sent_drill_is_followed_on_the_dialog_to_its_result() {
    use ms5_console::app::stage::Dialog;
    use ms5_console::app::state::Overlay;
    use ms5_console::ops::job::{JobEvent, JobOutcome, JobSpec};
    let mut s = on_backups(healthy());
    let effects = key(&mut s, crossterm::event::KeyCode::Char('d'));
    let [
        ms5_console::app::event::Effect::StartJob {
            spec: JobSpec::Check(plan),
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("the checks start: {effects:?}");
    };
    // Checked, confirmed and sent (the dialog's earlier stages are tested with the rollouts).
    let plan = (**plan).clone();
    s.overlay = Some(Overlay::Dialog(Dialog::Sending {
        plan: plan.clone(),
        since: now(),
    }));
    apply(
        &mut s,
        DataEvent::WriteOutcome {
            write: plan.write.clone(),
            result: Ok("job ms5-production/postgres-restore-test-drill-20261127-100000 created (uid u-7); Event RestoreDrillStarted recorded (postgres-restore-test.x1)".into()),
        },
    );
    // A job follows it: queued, and the dialog shows what it sees.
    let queued = ms5_console::app::outbox::take(&mut s);
    let job = queued
        .iter()
        .find_map(|e| match e {
            ms5_console::app::event::Effect::StartJob {
                job,
                spec: JobSpec::FollowRun(followed),
            } => {
                assert_eq!(followed.write, plan.write);
                Some(*job)
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("the follow job starts: {queued:?}"));
    for text in [
        "Job postgres-restore-test-drill-20261127-100000: running · pod postgres-restore-test-drill-20261127-100000-x7k2p Running (4 s)",
        "log  restore-test: restoring base backup postgres-backup-29405400 (completed 2026-11-27T02:04:01Z) from minio://ms5-backups, PITR target 2026-11-27T10:00:02Z",
        "log  restore-test: verified 22 of 214 tables, row counts match",
    ] {
        apply(
            &mut s,
            DataEvent::Job(JobEvent::Progress {
                job,
                text: text.into(),
            }),
        );
    }
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("backups_drill_following_{w}x{h}"), screen(&s, w, h));
    }
    assert!(screen(&s, 120, 40).contains("verified 22 of 214 tables"));
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Finished {
            job,
            outcome: JobOutcome::Succeeded(
                "PASS: the Job Complete, the log: restore-test: PASS restored in 40 s, 214 tables, row counts match; RTO 42 s".into(),
            ),
        }),
    );
    let text = screen(&s, 120, 40);
    assert!(text.contains("RTO 42 s"), "{text}");
    colour_of(&s, 120, 40, "done: PASS: the Job Complete", "ok");
    assert!(
        ms5_console::app::outbox::take(&mut s)
            .contains(&ms5_console::app::event::Effect::LoadAudit),
        "the conclusion is read from the audit log"
    );
}

/// Render only draws: frames drawn on unchanged data (the console's loop refreshes the rows
/// before each) judge no backup figure; a poll judges each database once. (The count is the
/// process's: nextest runs each test in its own.)
#[test]
fn frames_drawn_on_unchanged_data_judge_no_backup_figure() {
    use ms5_console::backup::figures::judged_so_far;
    let mut s = on_backups(healthy());
    ms5_console::app::rows::refresh(&mut s);
    let before = judged_so_far();
    for view in [ViewId::Backups, ViewId::Overview, ViewId::Backups] {
        s.view = view;
        for _ in 0..5 {
            ms5_console::app::rows::refresh(&mut s);
            let text = screen(&s, 120, 40);
            assert!(text.contains("postgres"), "{text}");
        }
    }
    assert_eq!(judged_so_far() - before, 0, "judged while drawing");
    s.slo.version += 1;
    ms5_console::app::rows::refresh(&mut s);
    screen(&s, 120, 40);
    assert_eq!(judged_so_far() - before, s.slo.backups.len() as u64);
}
