//! The ops wing itself, for both target kinds (an Alertmanager, a Kubernetes object): the audit
//! log's pending line is on disk before the request reaches the server (the test's server reads
//! the file the moment the request arrives) and the outcome line after; a failing audit write
//! sends nothing; read-only refuses every write. The Kubernetes target is also exercised
//! against the sim with a harmless server dry-run patch, which changes nothing. And the job
//! runner: progress, cancellation, a result, with no console state involved.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::{patch, post};
use chrono::Utc;
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::Api;
use kube::config::{KubeConfigOptions, Kubeconfig};
use ms5_console::alerting::model::PostableSilence;
use ms5_console::config::endpoint::HttpOptions;
use ms5_console::ops::audit::{self, AuditLog, Phase};
use ms5_console::ops::execute::{Executor, KubeWriter, WriteContext};
use ms5_console::ops::job::{JobEvent, JobId, JobOutcome};
use ms5_console::ops::jobs::JobRunner;
use ms5_console::ops::kube::write_client;
use ms5_console::ops::plan::{KubeObject, Target, WriteAction, WritePlan};
use ms5_console::ops::rollout::RolloutChange;
use ms5_console::sim::{self, SimOptions};
use ms5_console::source::alertmanager::AlertmanagerEndpoint;
use serde_json::json;
use tokio::sync::mpsc;

/// A server that, for every write it receives, records what the audit log held at that moment.
#[derive(Clone, Default)]
struct Witness {
    audit: PathBuf,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Witness {
    fn record(&self) {
        let text = std::fs::read_to_string(&self.audit).unwrap_or_default();
        self.seen.lock().expect("lock").push(text);
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn silence_posted(State(w): State<Witness>) -> axum::Json<serde_json::Value> {
    w.record();
    axum::Json(json!({"silenceID": "11111111-2222-4333-8444-555555555555"}))
}

async fn configmap_patched(State(w): State<Witness>) -> axum::Json<serde_json::Value> {
    w.record();
    axum::Json(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "backend-config", "namespace": "ms5-production", "resourceVersion": "42"},
        "data": {"LOG_LEVEL": "debug"}
    }))
}

async fn deployment_patched(State(w): State<Witness>) -> axum::Json<serde_json::Value> {
    w.record();
    axum::Json(json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "backend", "namespace": "ms5-production", "resourceVersion": "43", "generation": 5},
    }))
}

/// Takes the request and never answers.
async fn never_answers(State(w): State<Witness>) -> axum::Json<serde_json::Value> {
    w.record();
    std::future::pending().await
}

/// A fake Alertmanager and a fake API server on loopback, both witnesses of the audit log.
async fn witness_server(audit: &Path) -> (String, Witness) {
    let witness = Witness {
        audit: audit.to_path_buf(),
        ..Witness::default()
    };
    let app = Router::new()
        .route("/api/v2/silences", post(silence_posted))
        .route(
            "/api/v1/namespaces/ms5-production/configmaps/backend-config",
            patch(configmap_patched),
        )
        .route(
            "/apis/apps/v1/namespaces/ms5-production/deployments/backend",
            patch(deployment_patched),
        )
        .route(
            "/apis/apps/v1/namespaces/ms5-production/deployments/frontend",
            patch(never_answers),
        )
        .with_state(witness.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, witness)
}

fn silence_plan(write: &str) -> WritePlan {
    let now = Utc::now();
    WritePlan {
        write: write.into(),
        target: Target::Alertmanager {
            name: "am".into(),
            address: "fake".into(),
        },
        action: WriteAction::CreateSilence(PostableSilence {
            id: None,
            matchers: vec![],
            starts_at: now,
            ends_at: now + chrono::Duration::hours(1),
            created_by: "jdoe".into(),
            comment: "ops wing test".into(),
        }),
        checks: Vec::new(),
    }
}

fn object(context: &str, server: &str) -> KubeObject {
    KubeObject {
        context: context.into(),
        server: server.into(),
        user: "oncall".into(),
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: "ms5-production".into(),
        name: "backend-config".into(),
    }
}

fn patch_plan(write: &str, object: KubeObject, dry_run: bool) -> WritePlan {
    WritePlan {
        write: write.into(),
        target: Target::Kube(object),
        action: WriteAction::MergePatch {
            patch: json!({"data": {"LOG_LEVEL": "debug"}}),
            dry_run,
        },
        checks: Vec::new(),
    }
}

fn executor(url: &str, audit: Option<AuditLog>, readonly: bool) -> Executor {
    let endpoint = AlertmanagerEndpoint::new(&format!("am={url}"), &HttpOptions::default(), None)
        .expect("endpoint");
    let config = kube::Config::new(url.parse().expect("url"));
    Executor {
        context: WriteContext {
            audit,
            local_user: "jdoe".into(),
            kube_identity: "kube user oncall context fake".into(),
            readonly,
        },
        alertmanagers: Arc::new(vec![endpoint]),
        kube: Some(KubeWriter {
            context: "fake".into(),
            client: write_client(&config, Duration::from_secs(5)).expect("client"),
        }),
    }
}

#[tokio::test]
async fn for_both_targets_the_pending_line_is_on_disk_before_the_request_and_the_outcome_after() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.jsonl");
    let (url, witness) = witness_server(&log).await;
    let executor = executor(&url, Some(AuditLog::new(log.clone())), false);

    let answer = executor
        .execute(&silence_plan("w-am"))
        .await
        .expect("silence created");
    assert_eq!(answer, "11111111-2222-4333-8444-555555555555");
    let answer = executor
        .execute(&patch_plan("w-kube", object("fake", &url), false))
        .await
        .expect("patched");
    assert_eq!(
        answer,
        "configmap ms5-production/backend-config patched (resourceVersion 42)"
    );

    // What each server found in the audit log when its request arrived: that write's pending
    // line, last, and no outcome for it yet.
    let seen = witness.requests();
    assert_eq!(seen.len(), 2);
    for (at_arrival, write) in seen.iter().zip(["w-am", "w-kube"]) {
        let last = at_arrival.lines().last().expect("a line was on disk");
        let record: audit::AuditRecord = serde_json::from_str(last).expect("a record");
        assert_eq!(
            (record.write.as_str(), record.phase),
            (write, Phase::Pending)
        );
    }
    let contents = audit::read(&log).expect("read");
    let lines: Vec<(&str, Phase, &str)> = contents
        .records
        .iter()
        .map(|r| (r.write.as_str(), r.phase, r.target.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            (
                "w-kube",
                Phase::Succeeded,
                "configmap ms5-production/backend-config"
            ),
            (
                "w-kube",
                Phase::Pending,
                "configmap ms5-production/backend-config"
            ),
            ("w-am", Phase::Succeeded, "alertmanager am"),
            ("w-am", Phase::Pending, "alertmanager am"),
        ]
    );
    assert_eq!(
        contents.records[0].identity,
        "kube user oncall context fake"
    );
    assert_eq!(contents.records[0].action, "patch");
}

#[tokio::test]
async fn a_failing_audit_write_and_read_only_send_nothing_to_either_target() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.jsonl");
    let (url, witness) = witness_server(&log).await;
    // The audit log's path is a directory: the pending line cannot be written.
    let unwritable = executor(&url, Some(AuditLog::new(dir.path().to_path_buf())), false);
    for plan in [
        silence_plan("w1"),
        patch_plan("w2", object("fake", &url), false),
    ] {
        let error = unwritable.execute(&plan).await.expect_err("refused");
        assert!(!error.was_sent());
        assert!(error.to_string().ends_with("nothing was sent"), "{error}");
    }
    // Read-only refuses before anything else, even with a good audit log.
    let readonly = executor(&url, Some(AuditLog::new(log.clone())), true);
    for plan in [
        silence_plan("w3"),
        patch_plan("w4", object("fake", &url), false),
    ] {
        let error = readonly.execute(&plan).await.expect_err("read-only");
        assert!(error.to_string().starts_with("read-only"), "{error}");
    }
    // A plan made for another context is not sent to this one.
    let other = executor(&url, Some(AuditLog::new(log.clone())), false)
        .execute(&patch_plan("w5", object("prod", &url), false))
        .await
        .expect_err("wrong context");
    assert_eq!(
        other.to_string(),
        "planned for context prod, connected to fake; nothing was sent"
    );
    assert!(witness.requests().is_empty(), "no request reached a server");
    assert!(!log.exists(), "nothing audited for writes never sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_dry_run_patch_against_the_sim_is_audited_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    let kubeconfig = Kubeconfig::read_from(&sim.kubeconfig).expect("kubeconfig");
    let context = kubeconfig
        .current_context
        .clone()
        .expect("a current context");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("config");
    let reader: Api<ConfigMap> = Api::namespaced(
        kube::Client::try_from(config.clone()).expect("client"),
        "ms5-production",
    );
    let before = reader.get("backend-config").await.expect("the ConfigMap");

    let log = dir.path().join("audit.jsonl");
    let executor = Executor {
        context: WriteContext {
            audit: Some(AuditLog::new(log.clone())),
            local_user: "jdoe".into(),
            kube_identity: format!("kube user oncall context {context}"),
            readonly: false,
        },
        alertmanagers: Arc::new(vec![]),
        kube: Some(KubeWriter {
            context: context.clone(),
            client: write_client(&config, Duration::from_secs(10)).expect("client"),
        }),
    };
    let plan = patch_plan("w-dry", object(&context, &sim.kubernetes_url), true);
    let answer = executor.execute(&plan).await.expect("accepted");
    assert!(
        answer.starts_with("configmap ms5-production/backend-config accepted (server dry run"),
        "{answer}"
    );
    let after = reader.get("backend-config").await.expect("the ConfigMap");
    assert_eq!(after.data, before.data, "a dry run changes nothing");
    assert_eq!(
        after.metadata.resource_version,
        before.metadata.resource_version
    );
    let contents = audit::read(&log).expect("read");
    let phases: Vec<Phase> = contents.records.iter().map(|r| r.phase).collect();
    assert_eq!(phases, [Phase::Succeeded, Phase::Pending]);
    assert_eq!(contents.records[1].action, "patch-dry-run");
    assert_eq!(contents.records[1].parameters["dryRun"], true);

    // The same object that does not exist: the server's 404, typed and audited as failed.
    let mut missing = object(&context, &sim.kubernetes_url);
    missing.name = "no-such-config".into();
    let error = executor
        .execute(&patch_plan("w-missing", missing, true))
        .await
        .expect_err("not found");
    match &error {
        ms5_console::ops::error::WriteError::Api(e) => {
            assert_eq!(
                e.kind,
                ms5_console::source::error::ErrorKind::NotFound,
                "{e}"
            )
        }
        other => panic!("expected the server's answer, got {other}"),
    }
    let contents = audit::read(&log).expect("read");
    assert_eq!(contents.records[0].phase, Phase::Failed);

    // The checking stage, run headless by the job runner as the console runs it: a dry run of
    // the real plan (`dry_run: false`), reported as it goes, and nothing audited or changed.
    let (tx, mut rx) = mpsc::channel(16);
    let mut runner = JobRunner::new(tx);
    let lines_before = audit::read(&log).expect("read").records.len();
    for (job, name) in [(1, "backend-config"), (2, "no-such-config")] {
        let mut target = object(&context, &sim.kubernetes_url);
        target.name = name.into();
        let plan = patch_plan("w-check", target, false);
        let executor = executor.clone();
        runner.start(JobId(job), move |progress| async move {
            ms5_console::ops::check::run(&executor, &plan, &progress).await
        });
    }
    let mut finished = std::collections::BTreeMap::new();
    let mut reports = Vec::new();
    while finished.len() < 2 {
        match rx.recv().await.expect("events") {
            JobEvent::Progress { job, text } => reports.push((job, text)),
            JobEvent::Finished { job, outcome } => {
                finished.insert(job, outcome);
            }
            JobEvent::Checked { .. } => panic!("these jobs check no criteria"),
        }
    }
    assert!(reports.contains(&(JobId(1), "server dry run: sending".to_string())));
    match &finished[&JobId(1)] {
        JobOutcome::Succeeded(text) => assert!(text.contains("server dry run"), "{text}"),
        other => panic!("the real object passes its dry run: {other:?}"),
    }
    match &finished[&JobId(2)] {
        JobOutcome::Failed(text) => {
            assert!(text.starts_with("server dry run refused it: "), "{text}");
            assert!(text.contains("not found"), "{text}");
        }
        other => panic!("a missing object is refused: {other:?}"),
    }
    // Checks that pass are not audited; the refused plan leaves one `refused` line.
    let contents = audit::read(&log).expect("read");
    assert_eq!(contents.records.len(), lines_before + 1);
    assert_eq!(contents.records[0].phase, Phase::Refused);
    assert!(
        contents.records[0]
            .result
            .as_deref()
            .is_some_and(|r| r.contains("not found")),
        "{:?}",
        contents.records[0]
    );
    let after = reader.get("backend-config").await.expect("the ConfigMap");
    assert_eq!(after.data, before.data);
}

#[tokio::test]
async fn a_job_reports_progress_is_cancelled_and_another_runs_to_its_result() {
    let (tx, mut rx) = mpsc::channel(16);
    let mut runner = JobRunner::new(tx);
    // A job that reports once, then waits for something that never comes.
    runner.start(JobId(1), |progress| async move {
        progress.report("waiting for the rollout").await;
        std::future::pending::<()>().await;
        Ok("unreachable".to_string())
    });
    assert_eq!(
        rx.recv().await,
        Some(JobEvent::Progress {
            job: JobId(1),
            text: "waiting for the rollout".into()
        })
    );
    assert_eq!(runner.running(), 1);
    assert!(runner.cancel(JobId(1)));
    assert_eq!(
        rx.recv().await,
        Some(JobEvent::Finished {
            job: JobId(1),
            outcome: JobOutcome::Cancelled
        })
    );
    assert!(
        !runner.cancel(JobId(1)),
        "a finished job cannot be cancelled"
    );

    runner.start(JobId(2), |progress| async move {
        for step in 1..=3 {
            progress.report(format!("step {step}/3")).await;
        }
        Ok("3 steps".to_string())
    });
    let mut seen = Vec::new();
    while let Some(event) = rx.recv().await {
        let done = matches!(event, JobEvent::Finished { .. });
        seen.push(event);
        if done {
            break;
        }
    }
    assert_eq!(seen.len(), 4);
    assert_eq!(
        seen.last(),
        Some(&JobEvent::Finished {
            job: JobId(2),
            outcome: JobOutcome::Succeeded("3 steps".into())
        })
    );
    assert_eq!(runner.running(), 0);
}

/// A restart of `name` as checked: the plan carries what its checks found.
fn restart_plan(write: &str, url: &str, name: &str) -> WritePlan {
    let meta: ObjectMeta = serde_json::from_value(
        json!({"name": name, "namespace": "ms5-production", "generation": 4, "resourceVersion": "41"}),
    )
    .expect("meta");
    WritePlan {
        write: write.into(),
        target: Target::Kube(KubeObject {
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            name: name.into(),
            ..object("fake", url)
        }),
        action: WriteAction::Rollout(RolloutChange::restart(
            &meta,
            None,
            false,
            Utc::now(),
            "jdoe",
        )),
        checks: vec![
            "RBAC: may patch deployments.apps in ms5-production: allowed".into(),
            "server dry run: the server accepts this (resourceVersion 41; nothing changed)".into(),
        ],
    }
}

#[tokio::test]
async fn a_rollouts_pending_line_holds_its_object_and_checks_and_its_outcome_the_event_and_annotation()
 {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.jsonl");
    let (url, witness) = witness_server(&log).await;
    let executor = executor(&url, Some(AuditLog::new(log.clone())), false);
    let answer = executor
        .execute(&restart_plan("w-restart", &url, "backend"))
        .await
        .expect("restarted");
    assert!(answer.contains("its Event was not recorded"), "{answer}");

    // On disk when the request arrived: the pending line with the object, the connection, the
    // resourceVersion planned against and what the checks found.
    let seen = witness.requests();
    let pending: audit::AuditRecord =
        serde_json::from_str(seen[0].lines().last().expect("a line")).expect("a record");
    assert_eq!(pending.phase, Phase::Pending);
    let kube = pending.kube.expect("kube fields");
    assert_eq!(
        (
            kube.object.context.as_str(),
            kube.object.server.as_str(),
            kube.object.user.as_str(),
            kube.object.kind.as_str()
        ),
        ("fake", url.as_str(), "oncall", "Deployment")
    );
    assert_eq!(
        (
            kube.object.namespace.as_str(),
            kube.object.name.as_str(),
            kube.resource_version.as_deref()
        ),
        ("ms5-production", "backend", Some("41"))
    );
    assert_eq!(pending.checks.len(), 2);
    assert!(pending.checks[1].starts_with("server dry run: the server accepts this"));

    let contents = audit::read(&log).expect("read");
    let outcome = &contents.records[0];
    assert_eq!(outcome.phase, Phase::Succeeded);
    assert!(
        outcome.checks.is_empty(),
        "the checks are on the pending line"
    );
    assert_eq!(
        outcome.annotation.as_deref(),
        Some("ms5-console/last-action written with the change")
    );
    assert!(
        outcome
            .event
            .as_deref()
            .is_some_and(|e| e.starts_with("its Event was not recorded")),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_request_that_is_never_answered_leaves_its_pending_line_when_the_console_goes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("audit.jsonl");
    let (url, witness) = witness_server(&log).await;
    let executor = executor(&url, Some(AuditLog::new(log.clone())), false);
    let plan = restart_plan("w-hang", &url, "frontend");
    let sending = tokio::spawn(async move { executor.execute(&plan).await });
    for _ in 0..100 {
        if !witness.requests().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(witness.requests().len(), 1, "the request arrived");
    // The console goes while the server holds the request.
    sending.abort();
    let _ = sending.await;
    let contents = audit::read(&log).expect("read");
    let phases: Vec<(&str, Phase)> = contents
        .records
        .iter()
        .map(|r| (r.write.as_str(), r.phase))
        .collect();
    assert_eq!(phases, [("w-hang", Phase::Pending)]);
}
