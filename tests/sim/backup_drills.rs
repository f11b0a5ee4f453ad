//! Restore drills and on-demand backups through the ops wing against the sim, as the console
//! sends them: the Job equals the one `kubectl create job --from=cronjob/...` makes on a twin
//! sim (same seed), runs to Complete, and leaves its Event on the CronJob and its lines in the
//! audit log; the viewer is refused by the checks before anything is sent; a name already taken
//! creates nothing.

use crate::common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::writer::{Console, console};
use common::{Sim, require};
use k8s_openapi::api::batch::v1::CronJob;
use kube::api::Api;
use ms5_console::ops::audit::{self, Phase};
use ms5_console::ops::cronrun::{CronRun, CronRunKind};
use ms5_console::ops::job::JobOutcome;
use ms5_console::ops::plan::{KubeObject, Target, WriteAction, WritePlan};
use serde_json::Value;

const NS: &str = "ms5-production";

impl Console {
    /// The plan `d` (or `b`) makes from the CronJob as it is now.
    async fn run_plan(&self, kind: CronRunKind, cronjob: &str, write: &str) -> WritePlan {
        let c = Api::<CronJob>::namespaced(self.reader.clone(), NS)
            .get(cronjob)
            .await
            .expect("the CronJob");
        let run = CronRun::new(kind, &c, Utc::now()).expect("a run");
        WritePlan {
            write: write.into(),
            target: Target::Kube(KubeObject {
                context: self.context.clone(),
                server: String::new(),
                user: self.user.clone(),
                api_version: "batch/v1".into(),
                kind: "CronJob".into(),
                namespace: NS.into(),
                name: cronjob.into(),
            }),
            action: WriteAction::RunCronJob(run),
            checks: Vec::new(),
        }
    }
}

fn job_json(sim: &Sim, name: &str) -> Value {
    let text = sim
        .kubectl()
        .ok(&["get", "job", name, "-n", NS, "-o", "json"]);
    serde_json::from_str(&text).expect("a Job")
}

/// What `kubectl create job --from` decides about a Job, without what the API server and the
/// Job controller add (uids, selector labels, status, times).
fn as_made(job: &Value) -> Value {
    let mut labels = job["metadata"]["labels"].clone();
    if let Some(l) = labels.as_object_mut() {
        l.retain(|k, _| !k.contains("controller-uid") && !k.contains("job-name"));
    }
    let mut spec = job["spec"].clone();
    if let Some(s) = spec.as_object_mut() {
        s.remove("selector");
    }
    if let Some(l) = spec["template"]["metadata"]["labels"].as_object_mut() {
        l.retain(|k, _| !k.contains("controller-uid") && !k.contains("job-name"));
    }
    let mut owner = job["metadata"]["ownerReferences"].clone();
    if let Some(o) = owner[0].as_object_mut() {
        o.remove("uid");
    }
    serde_json::json!({
        "labels": labels,
        "annotations": job["metadata"]["annotations"],
        "owner": owner,
        "spec": spec,
    })
}

/// Waits (bounded) until the Job has a Complete or Failed condition; which one.
fn finished(sim: &Sim, name: &str, within: Duration) -> String {
    let deadline = Instant::now() + within;
    loop {
        let types = sim.kubectl().ok(&[
            "get",
            "job",
            name,
            "-n",
            NS,
            "-o",
            "jsonpath={.status.conditions[*].type}",
        ]);
        for done in ["Complete", "Failed"] {
            if types.split_whitespace().any(|t| t == done) {
                return done.into();
            }
        }
        assert!(Instant::now() < deadline, "{name} not finished: {types}");
        std::thread::sleep(Duration::from_millis(500));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_drill_is_the_job_kubectl_create_job_from_makes_and_is_checked_audited_and_recorded() {
    if !require("kubectl") {
        return;
    }
    let ours = Sim::start(&["--seed", "9", "--speed", "4"]);
    let twin = Sim::start(&["--seed", "9", "--speed", "4"]);
    let c = console(&ours, "ms5-sim").await;
    let plan = c
        .run_plan(CronRunKind::Drill, "postgres-restore-test", "w-drill")
        .await;
    let WriteAction::RunCronJob(run) = &plan.action else {
        unreachable!()
    };
    let name = run.job_name().to_string();
    let (reports, outcome) = c.check(plan.clone()).await;
    assert!(
        matches!(&outcome, JobOutcome::Succeeded(t) if t.contains("would be created (server dry run, nothing created)")),
        "{outcome:?} {reports:?}"
    );
    for expected in [
        "RBAC: may create jobs.batch in ms5-production: allowed",
        "RBAC: may get pods/log in ms5-production: allowed",
        "RBAC: may create events in ms5-production: allowed",
    ] {
        assert!(
            reports.iter().any(|r| r == expected),
            "{expected}: {reports:?}"
        );
    }
    // The dry run created nothing.
    let jobs = ours.kubectl().ok(&["get", "jobs", "-n", NS, "-o", "name"]);
    assert!(!jobs.contains(&name), "{jobs}");

    let mut checked = plan.clone();
    checked.checks = reports
        .iter()
        .filter(|r| !r.ends_with(": sending"))
        .cloned()
        .collect();
    let answer = c.executor.execute(&checked).await.expect("created");
    assert!(
        answer.contains(&format!("job ms5-production/{name} created"))
            && answer.contains("Event RestoreDrillStarted recorded"),
        "{answer}"
    );
    // Followed to its end: the pod, the log as it is written, then PASS with the RTO.
    let (progress, outcome) = c.follow(checked.clone()).await;
    let JobOutcome::Succeeded(result) = &outcome else {
        panic!("the drill passes: {outcome:?} {progress:?}");
    };
    assert!(
        result.starts_with("PASS: the Job Complete, the log: restore-test: PASS restored in "),
        "{result}"
    );
    assert!(
        progress
            .iter()
            .any(|p| p.starts_with("log  restore-test: verified")),
        "the log as it is written: {progress:?}"
    );
    twin.kubectl().ok(&[
        "create",
        "job",
        &name,
        "--from=cronjob/postgres-restore-test",
        "-n",
        NS,
    ]);
    let (mine, theirs) = (job_json(&ours, &name), job_json(&twin, &name));
    assert_eq!(as_made(&mine), as_made(&theirs));
    assert_eq!(
        mine["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"],
        "manual"
    );
    assert_eq!(mine["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    assert_eq!(
        mine["metadata"]["ownerReferences"][0]["uid"],
        theirs["metadata"]["ownerReferences"][0]["uid"],
        "the same CronJob (same seed)"
    );
    // Both run to Complete, and the drill's log ends in its verdict.
    for sim in [&ours, &twin] {
        assert_eq!(finished(sim, &name, Duration::from_secs(60)), "Complete");
    }
    let log = ours
        .kubectl()
        .ok(&["logs", &format!("job/{name}"), "-n", NS]);
    assert!(
        log.lines()
            .last()
            .is_some_and(|l| l.starts_with("restore-test: PASS restored in ")),
        "{log}"
    );
    let events = ours.kubectl().ok(&[
        "get",
        "events",
        "-n",
        NS,
        "--field-selector",
        "involvedObject.kind=CronJob,involvedObject.name=postgres-restore-test",
        "-o",
        "custom-columns=REASON:.reason,MESSAGE:.message",
    ]);
    let line = events
        .lines()
        .find(|l| l.starts_with("RestoreDrillStarted"))
        .unwrap_or_else(|| panic!("no RestoreDrillStarted event: {events}"));
    assert!(
        line.contains("restore-drill requested by jdoe")
            && line.contains("with ms5-console, write w-drill")
            && line.contains(&name),
        "{line}"
    );
    // The audit log (newest first): pending with what the checks found, succeeded, and the
    // conclusion with its evidence; the RTO is the Job's own completion less its start.
    let records = audit::file::read(&c.audit).expect("audit log").records;
    let phases: Vec<Phase> = records.iter().map(|r| r.phase).collect();
    assert_eq!(phases, [Phase::Concluded, Phase::Succeeded, Phase::Pending]);
    let concluded = &records[0];
    assert_eq!(concluded.write, "w-drill");
    assert_eq!(concluded.result.as_deref(), Some(result.as_str()));
    let evidence = &concluded.parameters;
    assert_eq!(evidence["result"], "PASS");
    assert_eq!(evidence["uid"], mine["metadata"]["uid"]);
    let time = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_default())
            .map(|t| t.timestamp())
            .expect("a time")
    };
    assert_eq!(
        evidence["rtoSeconds"].as_i64(),
        Some(time(&mine["status"]["completionTime"]) - time(&mine["status"]["startTime"]))
    );
    assert!(
        evidence["log"]
            .as_array()
            .is_some_and(|l| !l.is_empty() && l.len() <= 50),
        "{evidence}"
    );
    assert!(
        evidence["restored"]
            .as_str()
            .is_some_and(|r| r.starts_with("restore-test: restoring base backup postgres-backup-")),
        "{evidence}"
    );
    let pending = &records[2];
    assert_eq!(pending.action, "restore-drill");
    assert_eq!(
        pending.target,
        "cronjob ms5-production/postgres-restore-test"
    );
    assert!(
        pending
            .checks
            .iter()
            .any(|c| c.starts_with("server dry run: the server accepts this")),
        "{:?}",
        pending.checks
    );
    assert_eq!(pending.parameters["job"], name.as_str());

    // Sent again (a retry of the same plan): the name is taken, nothing more is created.
    let again = c.executor.execute(&checked).await;
    let error = again.expect_err("the name is taken").to_string();
    assert!(
        error.contains(&format!("a Job named {name} already exists"))
            && error.contains("nothing was created"),
        "{error}"
    );
    let count = ours
        .kubectl()
        .ok(&["get", "jobs", "-n", NS, "-o", "name"])
        .lines()
        .filter(|l| l.contains("-drill-"))
        .count();
    assert_eq!(count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_viewer_is_refused_by_the_checks_and_nothing_is_created() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let c = console(&sim, "ms5-sim-viewer").await;
    let plan = c
        .run_plan(CronRunKind::Backup, "postgres-backup", "w-viewer")
        .await;
    let (reports, outcome) = c.check(plan).await;
    match &outcome {
        JobOutcome::Failed(reason) => assert!(
            reason.starts_with("RBAC: kube user")
                && reason.ends_with("may not create jobs.batch in ms5-production"),
            "{reason}"
        ),
        other => panic!("refused: {other:?} {reports:?}"),
    }
    let jobs = sim.kubectl().ok(&["get", "jobs", "-n", NS, "-o", "name"]);
    assert!(!jobs.contains("-manual-"), "{jobs}");
    // The refusal is written down: who tried what, and why not.
    let records = audit::file::read(&c.audit).expect("audit log").records;
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].phase, Phase::Refused);
    assert_eq!(records[0].action, "backup-now");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_restore_failing_a_drill_fails_verification_and_its_evidence_names_the_table() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "restore-failing", "--speed", "4"]);
    let c = console(&sim, "ms5-sim").await;
    let plan = c
        .run_plan(CronRunKind::Drill, "postgres-restore-test", "w-failing")
        .await;
    c.executor.execute(&plan).await.expect("created");
    let (progress, outcome) = c.follow(plan).await;
    let JobOutcome::Failed(result) = &outcome else {
        panic!("the drill fails: {outcome:?} {progress:?}");
    };
    assert!(
        result.starts_with(
            "FAIL: the Job Failed, the log: restore-test: FAIL row count mismatch in downtime_events (expected 10234, got 10198); RTO "
        ),
        "{result}"
    );
    let records = audit::file::read(&c.audit).expect("audit log").records;
    assert_eq!(records[0].phase, Phase::Concluded);
    assert_eq!(records[0].parameters["result"], "FAIL");
    assert!(
        records[0].parameters["verdict"]
            .as_str()
            .is_some_and(|v| v.contains("downtime_events")),
        "{}",
        records[0].parameters
    );
}
