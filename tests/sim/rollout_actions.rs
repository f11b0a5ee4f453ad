//! Rollout actions through the ops wing against the sim, as the console sends them: a restart
//! leaves the Deployment as `kubectl rollout restart` leaves its twin (same seed), with the
//! console's annotation and Event besides; the checks ask RBAC and the server (dry run) first,
//! and refuse for a user who may not, changing nothing and auditing nothing; a change someone
//! else made since the plan fails the request rather than being overwritten.

use crate::common;

use std::time::Duration;

use chrono::Utc;
use common::writer::{Console, console};
use common::{Sim, require, squash};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::Api;
use kube::config::{KubeConfigOptions, Kubeconfig};
use ms5_console::ops::audit::{self, Phase};
use ms5_console::ops::execute::KubeWriter;
use ms5_console::ops::job::{JobEvent, JobId, JobOutcome};
use ms5_console::ops::jobs::JobRunner;
use ms5_console::ops::kube::write_client;
use ms5_console::ops::plan::{KubeObject, Target, WriteAction, WritePlan};
use ms5_console::ops::revisions;
use ms5_console::ops::rollout::{
    LAST_ACTION, RESTARTED_AT, RolloutChange, RolloutKind, UndoChange,
};
use tokio::sync::mpsc;

impl Console {
    async fn deployment(&self, namespace: &str, name: &str) -> Deployment {
        Api::<Deployment>::namespaced(self.reader.clone(), namespace)
            .get(name)
            .await
            .expect("the Deployment")
    }

    /// The restart plan the console makes from the Deployment as it is now.
    async fn restart_plan(&self, namespace: &str, name: &str, write: &str) -> WritePlan {
        self.plan(RolloutKind::Restart, namespace, name, write)
            .await
    }

    /// The plan the console makes for `kind` from the Deployment as it is now.
    async fn plan(&self, kind: RolloutKind, namespace: &str, name: &str, write: &str) -> WritePlan {
        let d = self.deployment(namespace, name).await;
        let spec = d.spec.as_ref().expect("spec");
        let change = RolloutChange::new(
            kind,
            &d.metadata,
            spec.template.metadata.as_ref(),
            spec.paused.unwrap_or(false),
            Utc::now(),
            "jdoe",
        );
        WritePlan {
            write: write.into(),
            target: Target::Kube(KubeObject {
                context: self.context.clone(),
                server: String::new(),
                user: self.user.clone(),
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: namespace.into(),
                name: name.into(),
            }),
            action: WriteAction::Rollout(change),
            checks: Vec::new(),
        }
    }

    fn kube_plan(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        write: &str,
        change: RolloutChange,
    ) -> WritePlan {
        WritePlan {
            write: write.into(),
            target: Target::Kube(KubeObject {
                context: self.context.clone(),
                server: String::new(),
                user: self.user.clone(),
                api_version: "apps/v1".into(),
                kind: kind.into(),
                namespace: namespace.into(),
                name: name.into(),
            }),
            action: WriteAction::Rollout(change),
            checks: Vec::new(),
        }
    }

    /// A workload's metadata, its pod template's and whether it is paused, as the watch holds them.
    async fn workload(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> (ObjectMeta, Option<ObjectMeta>, bool) {
        if kind == "Deployment" {
            let d = self.deployment(namespace, name).await;
            let spec = d.spec.expect("spec");
            (
                d.metadata,
                spec.template.metadata,
                spec.paused.unwrap_or(false),
            )
        } else {
            let s = Api::<StatefulSet>::namespaced(self.reader.clone(), namespace)
                .get(name)
                .await
                .expect("the StatefulSet");
            (s.metadata, s.spec.expect("spec").template.metadata, false)
        }
    }

    /// The plan for `rollout` on a Deployment or StatefulSet as it is now.
    async fn plan_on(
        &self,
        kind: &str,
        rollout: RolloutKind,
        namespace: &str,
        name: &str,
        write: &str,
    ) -> WritePlan {
        let (meta, template, paused) = self.workload(kind, namespace, name).await;
        let change = RolloutChange::new(
            rollout,
            &meta,
            template.as_ref(),
            paused,
            Utc::now(),
            "jdoe",
        );
        self.kube_plan(kind, namespace, name, write, change)
    }

    /// The undo the console plans: the revisions read whole, the previous one or `to`.
    async fn undo_plan(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        to: Option<i64>,
        write: &str,
    ) -> WritePlan {
        let history = revisions::read(self.reader.clone(), kind, namespace, name)
            .await
            .expect("the history");
        let chosen = match to {
            Some(n) => history.revisions.iter().find(|r| r.number == n),
            None => history.choices().first().copied(),
        }
        .cloned()
        .expect("a revision to go back to");
        let (meta, _, paused) = self.workload(kind, namespace, name).await;
        let annotations =
            (kind == "Deployment").then(|| meta.annotations.clone().unwrap_or_default());
        let undo = UndoChange::new(&history, chosen, annotations.as_ref(), paused);
        let change = RolloutChange::undo(&meta, undo, Utc::now(), "jdoe");
        self.kube_plan(kind, namespace, name, write, change)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_leaves_the_deployment_as_kubectl_rollout_restart_leaves_its_twin() {
    if !require("kubectl") {
        return;
    }
    let ours = Sim::start(&["--seed", "5"]);
    let twin = Sim::start(&["--seed", "5"]);
    let c = console(&ours, "ms5-sim").await;
    let plan = c
        .restart_plan("ms5-production", "backend", "w-restart")
        .await;
    let (reports, outcome) = c.check(plan.clone()).await;
    assert!(
        matches!(&outcome, JobOutcome::Succeeded(t) if t.contains("the server accepts this")),
        "{outcome:?} {reports:?}"
    );
    assert!(
        reports
            .iter()
            .any(|r| r.contains("may patch deployments.apps in ms5-production: allowed")),
        "{reports:?}"
    );
    let answer = c.executor.execute(&plan).await.expect("restarted");
    assert!(
        answer.contains("Event RolloutRestartRequested recorded"),
        "{answer}"
    );
    twin.kubectl().ok(&[
        "rollout",
        "restart",
        "deploy/backend",
        "-n",
        "ms5-production",
    ]);

    // Both controllers have acted on the restart before the twins are compared.
    for sim in [&ours, &twin] {
        settled(sim, "deployment", "ms5-production", "backend");
    }
    let read = |sim: &Sim, path: &str| {
        sim.kubectl().ok(&[
            "get",
            "deploy/backend",
            "-n",
            "ms5-production",
            "-o",
            &format!("jsonpath={path}"),
        ])
    };
    for path in [
        "{.metadata.generation}",
        "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}",
        "{.spec.replicas}",
        "{.spec.template.spec.containers[0].image}",
    ] {
        assert_eq!(read(&ours, path), read(&twin, path), "{path}");
    }
    for sim in [&ours, &twin] {
        let restarted = read(
            sim,
            &format!(
                "{{.spec.template.metadata.annotations.{}}}",
                RESTARTED_AT.replace('.', "\\.")
            ),
        );
        assert!(
            restarted.starts_with("20"),
            "a restartedAt time: {restarted}"
        );
    }
    let history = |sim: &Sim| {
        sim.kubectl().ok(&[
            "rollout",
            "history",
            "deploy/backend",
            "-n",
            "ms5-production",
        ])
    };
    assert_eq!(history(&ours), history(&twin));
    // Ours also carries the console's annotation and Event.
    let last = read(
        &ours,
        &format!(
            "{{.metadata.annotations.{}}}",
            LAST_ACTION.replace('.', "\\.").replace('/', "\\/")
        ),
    );
    assert!(
        last.contains("rollout-restart by jdoe") && last.contains("w-restart"),
        "{last}"
    );
    let events = ours.kubectl().ok(&[
        "get",
        "events",
        "-n",
        "ms5-production",
        "--field-selector",
        "reason=RolloutRestartRequested",
    ]);
    assert!(events.contains("deployment/backend"), "{events}");
    let contents = audit::read(&c.audit).expect("audit");
    let phases: Vec<Phase> = contents.records.iter().map(|r| r.phase).collect();
    assert_eq!(phases, [Phase::Succeeded, Phase::Pending]);
    assert_eq!(contents.records[1].action, "rollout-restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_refuse_before_sending_for_a_user_who_may_not() {
    let sim = Sim::start(&[]);
    for (context, namespace, allowed) in [
        ("ms5-sim-viewer", "ms5-production", false),
        ("ms5-sim-deployer", "ms5-production", false),
        ("ms5-sim-deployer", "ms5-staging", true),
    ] {
        let c = console(&sim, context).await;
        let before = c.deployment(namespace, "backend").await;
        let plan = c.restart_plan(namespace, "backend", "w-check").await;
        let (reports, outcome) = c.check(plan).await;
        match (allowed, &outcome) {
            (true, JobOutcome::Succeeded(text)) => {
                assert!(text.contains("the server accepts this"), "{text}")
            }
            (false, JobOutcome::Failed(reason)) => assert_eq!(
                reason,
                &format!(
                    "RBAC: kube user {} (context {context}) may not patch deployments.apps in {namespace}",
                    c.user
                ),
                "{reports:?}"
            ),
            other => panic!("{context} in {namespace}: {other:?}"),
        }
        let after = c.deployment(namespace, "backend").await;
        assert_eq!(
            (before.metadata.resource_version, before.metadata.generation),
            (after.metadata.resource_version, after.metadata.generation),
            "checks change nothing"
        );
        if require("kubectl") {
            let replicasets = sim.kubectl().ok(&[
                "-n",
                namespace,
                "get",
                "rs",
                "-l",
                "app=backend",
                "-o",
                "name",
            ]);
            assert_eq!(
                replicasets.lines().count(),
                // The world's release history: 1.8.2, 1.8.3, 1.9.0 / 1.9.0, 1.9.1-rc.2.
                if namespace == "ms5-production" { 3 } else { 2 },
                "no new ReplicaSet: {replicasets}"
            );
        }
        // Checks that pass leave nothing; a refusal leaves one `refused` line.
        let lines = audit::read(&c.audit).map(|c| c.records).unwrap_or_default();
        let phases: Vec<Phase> = lines.iter().map(|r| r.phase).collect();
        if allowed {
            assert!(phases.is_empty(), "{phases:?}");
        } else {
            assert_eq!(phases, [Phase::Refused]);
            assert_eq!(lines[0].action, "rollout-restart");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_since_the_plan_fails_the_request_and_is_not_overwritten() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let c = console(&sim, "ms5-sim").await;
    let plan = c.restart_plan("ms5-staging", "frontend", "w-late").await;
    // Someone changes the spec between plan and confirm.
    sim.kubectl().ok(&[
        "-n",
        "ms5-staging",
        "set",
        "image",
        "deploy/frontend",
        "frontend=nginx:1.27",
    ]);
    let error = c.executor.execute(&plan).await.expect_err("refused");
    assert!(
        error.to_string().contains("changed since you planned"),
        "{error}"
    );
    let image = sim.kubectl().ok(&[
        "-n",
        "ms5-staging",
        "get",
        "deploy/frontend",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "nginx:1.27", "their change stands");
    let contents = audit::read(&c.audit).expect("audit");
    assert_eq!(contents.records[0].phase, Phase::Failed);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_resume_and_scale_leave_what_kubectl_leaves_on_a_twin() {
    if !require("kubectl") {
        return;
    }
    let ours = Sim::start(&["--seed", "9"]);
    let twin = Sim::start(&["--seed", "9"]);
    let c = console(&ours, "ms5-sim").await;
    let ns = "ms5-staging";
    let steps: [(RolloutKind, &[&str]); 3] = [
        (RolloutKind::Pause, &["rollout", "pause", "deploy/frontend"]),
        (
            RolloutKind::Resume,
            &["rollout", "resume", "deploy/frontend"],
        ),
        (
            RolloutKind::Scale { from: 2, to: 4 },
            &["scale", "deploy/frontend", "--replicas=4"],
        ),
    ];
    for (i, (kind, kubectl)) in steps.into_iter().enumerate() {
        let plan = c.plan(kind, ns, "frontend", &format!("w-{i}")).await;
        let (reports, outcome) = c.check(plan.clone()).await;
        assert!(
            matches!(outcome, JobOutcome::Succeeded(_)),
            "{outcome:?} {reports:?}"
        );
        c.executor.execute(&plan).await.expect("done");
        let mut args = vec!["-n", ns];
        args.extend_from_slice(kubectl);
        twin.kubectl().ok(&args);
        let read = |sim: &Sim| {
            sim.kubectl().ok(&[
                "-n",
                ns,
                "get",
                "deploy/frontend",
                "-o",
                "jsonpath={.spec.paused} {.spec.replicas} {.metadata.generation}",
            ])
        };
        assert_eq!(read(&ours), read(&twin), "after {kind:?}");
    }
    let contents = audit::read(&c.audit).expect("audit");
    let actions: Vec<&str> = contents
        .records
        .iter()
        .filter(|r| r.phase == Phase::Succeeded)
        .map(|r| r.action.as_str())
        .collect();
    assert_eq!(actions, ["scale", "rollout-resume", "rollout-pause"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scale_below_the_disruption_budget_is_refused_by_the_dry_run_in_the_policys_words() {
    let sim = Sim::start(&[]);
    let c = console(&sim, "ms5-sim").await;
    let plan = c
        .plan(
            RolloutKind::Scale { from: 3, to: 1 },
            "ms5-production",
            "backend",
            "w-low",
        )
        .await;
    let (_, outcome) = c.check(plan).await;
    let JobOutcome::Failed(reason) = outcome else {
        panic!("refused: {outcome:?}");
    };
    assert!(
        reason.starts_with("server dry run refused it: ")
            && reason.contains("ValidatingAdmissionPolicy 'ms5-pdb-floor' with binding 'ms5-pdb-floor-production' denied request"),
        "{reason}"
    );
    assert_eq!(
        c.deployment("ms5-production", "backend")
            .await
            .spec
            .and_then(|s| s.replicas),
        Some(3)
    );
}

/// `=` on a workload an autoscaler manages changes the autoscaler's minimum (a change of
/// `spec.replicas` would be undone by it within seconds), and the autoscaler then keeps it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scaling_an_autoscaled_workload_moves_the_autoscalers_minimum_and_it_holds() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let c = console(&sim, "ms5-sim").await;
    use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
    let hpa = Api::<HorizontalPodAutoscaler>::namespaced(c.reader.clone(), "ms5-production")
        .get("backend")
        .await
        .expect("the HPA");
    let spec = hpa.spec.as_ref().expect("spec");
    let change = RolloutChange::new(
        RolloutKind::ScaleAutoscaler {
            from: spec.min_replicas.unwrap_or(1),
            to: 5,
            max: spec.max_replicas,
        },
        &hpa.metadata,
        None,
        false,
        Utc::now(),
        "jdoe",
    );
    let plan = WritePlan {
        write: "w-hpa".into(),
        target: Target::Kube(KubeObject {
            context: c.context.clone(),
            server: String::new(),
            user: c.user.clone(),
            api_version: "autoscaling/v2".into(),
            kind: "HorizontalPodAutoscaler".into(),
            namespace: "ms5-production".into(),
            name: "backend".into(),
        }),
        action: WriteAction::Rollout(change),
        checks: Vec::new(),
    };
    let (reports, outcome) = c.check(plan.clone()).await;
    assert!(
        matches!(outcome, JobOutcome::Succeeded(_)),
        "{outcome:?} {reports:?}"
    );
    c.executor.execute(&plan).await.expect("done");
    let min = sim
        .kubectl()
        .ok(&["get", "hpa/backend", "-o", "jsonpath={.spec.minReplicas}"]);
    assert_eq!(min, "5");
    // The sim's autoscaler runs every 15 s: within two rounds the Deployment has 5 replicas.
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    loop {
        let replicas = c
            .deployment("ms5-production", "backend")
            .await
            .spec
            .and_then(|s| s.replicas);
        if replicas == Some(5) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "replicas {replicas:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `D` deletes the pod it was planned for and no other: a StatefulSet's replacement has the same
/// name, and a plan made for its predecessor is refused by the uid precondition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_a_pod_deletes_that_pod_only() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--speed", "20"]);
    let c = console(&sim, "ms5-sim").await;
    use k8s_openapi::api::core::v1::Pod;
    let pods = Api::<Pod>::namespaced(c.reader.clone(), "ms5-staging");
    let before = pods.get("redis-0").await.expect("redis-0");
    let plan = WritePlan {
        write: "w-delete".into(),
        target: Target::Kube(KubeObject {
            context: c.context.clone(),
            server: String::new(),
            user: c.user.clone(),
            api_version: "v1".into(),
            kind: "Pod".into(),
            namespace: "ms5-staging".into(),
            name: "redis-0".into(),
        }),
        action: WriteAction::DeletePod {
            uid: before.metadata.uid.clone().expect("uid"),
            grace_seconds: Some(0),
            replaced_by: Some("StatefulSet redis (with the same name)".into()),
        },
        checks: Vec::new(),
    };
    let (reports, outcome) = c.check(plan.clone()).await;
    assert!(
        matches!(outcome, JobOutcome::Succeeded(_)),
        "{outcome:?} {reports:?}"
    );
    assert!(
        reports
            .iter()
            .any(|r| r.contains("may delete pods in ms5-staging: allowed")),
        "{reports:?}"
    );
    assert_eq!(
        pods.get("redis-0").await.expect("still there").metadata.uid,
        before.metadata.uid,
        "the dry run deleted nothing"
    );
    let answer = c.executor.execute(&plan).await.expect("deleted");
    assert!(
        answer.contains("pod ms5-staging/redis-0 deleted") && answer.contains("PodDeleteRequested"),
        "{answer}"
    );
    // The StatefulSet starts a replacement with the same name and another uid.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(p) = pods.get("redis-0").await
            && p.metadata.uid != before.metadata.uid
        {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no replacement");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let error = c
        .executor
        .execute(&plan)
        .await
        .expect_err("not the planned pod");
    assert!(
        error.to_string().contains("changed since you planned"),
        "{error}"
    );
    assert!(pods.get("redis-0").await.is_ok(), "the replacement stands");
}

/// What kubectl shows of a workload, less what may differ between twins (the restart time,
/// the console's annotation, ReplicaSet names made from the template hash): the template, the
/// replicas, the paused flag, the revision, `kubectl rollout history`, and each ReplicaSet's
/// revision and revision history.
fn readback(sim: &Sim, kind: &str, namespace: &str, name: &str) -> serde_json::Value {
    let kubectl = sim.kubectl();
    let object: serde_json::Value =
        serde_json::from_str(&kubectl.ok(&["-n", namespace, "get", kind, name, "-o", "json"]))
            .expect("json");
    let mut template = object["spec"]["template"].clone();
    if let Some(annotations) = template["metadata"]["annotations"].as_object_mut() {
        annotations.remove(RESTARTED_AT);
    }
    let mut replicasets = Vec::new();
    if kind == "deployment" {
        let listed: serde_json::Value = serde_json::from_str(&kubectl.ok(&[
            "-n",
            namespace,
            "get",
            "rs",
            "-l",
            &format!("app={name}"),
            "-o",
            "json",
        ]))
        .expect("json");
        for rs in listed["items"].as_array().into_iter().flatten() {
            let a = &rs["metadata"]["annotations"];
            replicasets.push(format!(
                "{} [{}]",
                a["deployment.kubernetes.io/revision"]
                    .as_str()
                    .unwrap_or(""),
                a["deployment.kubernetes.io/revision-history"]
                    .as_str()
                    .unwrap_or("")
            ));
        }
        replicasets.sort();
    }
    serde_json::json!({
        "template": template,
        "replicas": object["spec"]["replicas"],
        "paused": object["spec"]["paused"],
        "revision": object["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "history": squash(&kubectl.ok(&["-n", namespace, "rollout", "history", &format!("{kind}/{name}")])),
        "replicasets": replicasets,
    })
}

/// Waits (bounded) until the controller has acted on the last change: the workload's status
/// has caught up with its generation and, for a StatefulSet, its update revision is recorded.
fn settled(sim: &Sim, kind: &str, namespace: &str, name: &str) {
    let k = sim.kubectl();
    let get = |args: &[&str]| {
        let mut all = vec!["-n", namespace];
        all.extend_from_slice(args);
        k.run(&all)
    };
    for _ in 0..150 {
        let seen = get(&[
            "get",
            kind,
            name,
            "-o",
            "jsonpath={.metadata.generation} {.status.observedGeneration} {.metadata.annotations.deployment\\.kubernetes\\.io/revision} {.status.updateRevision}",
        ]);
        let seen = String::from_utf8_lossy(&seen.stdout).to_string();
        let parts: Vec<&str> = seen.split(' ').collect();
        let caught_up = parts.len() == 4 && !parts[0].is_empty() && parts[0] == parts[1];
        // The controller's pass is done when what it makes for this generation exists: the
        // Deployment's ReplicaSet of its revision, the StatefulSet's ControllerRevision.
        let made = caught_up
            && match kind.to_lowercase().as_str() {
                "deployment" | "deploy" => {
                    let revisions = get(&[
                        "get",
                        "rs",
                        "-l",
                        &format!("app={name}"),
                        "-o",
                        "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision} {end}",
                    ]);
                    !parts[2].is_empty()
                        && String::from_utf8_lossy(&revisions.stdout)
                            .split_whitespace()
                            .any(|r| r == parts[2])
                }
                "statefulset" | "sts" => {
                    !parts[3].is_empty()
                        && get(&["get", "controllerrevision", parts[3]])
                            .status
                            .success()
                }
                _ => true,
            };
        if made {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{kind}/{name} never caught up with its generation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undo_restart_and_scale_leave_what_kubectl_leaves_on_a_twin() {
    if !require("kubectl") {
        return;
    }
    let ours = Sim::start(&["--seed", "11", "--speed", "8"]);
    let twin = Sim::start(&["--seed", "11", "--speed", "8"]);
    let c = console(&ours, "ms5-sim").await;
    let ns = "ms5-production";
    enum Step {
        Plan(RolloutKind),
        Undo(Option<i64>),
    }
    let script: [(&str, &str, Step, &[&str]); 7] = [
        (
            "Deployment",
            "backend",
            Step::Plan(RolloutKind::Restart),
            &["rollout", "restart", "deployment/backend"],
        ),
        (
            "Deployment",
            "backend",
            Step::Undo(None),
            &["rollout", "undo", "deployment/backend"],
        ),
        (
            "Deployment",
            "backend",
            Step::Undo(Some(2)),
            &["rollout", "undo", "deployment/backend", "--to-revision=2"],
        ),
        (
            "Deployment",
            "backend",
            Step::Plan(RolloutKind::Pause),
            &["rollout", "pause", "deployment/backend"],
        ),
        (
            "StatefulSet",
            "redis",
            Step::Plan(RolloutKind::Restart),
            &["rollout", "restart", "statefulset/redis"],
        ),
        (
            "StatefulSet",
            "redis",
            Step::Undo(None),
            &["rollout", "undo", "statefulset/redis"],
        ),
        (
            "StatefulSet",
            "redis",
            Step::Plan(RolloutKind::Scale { from: 1, to: 2 }),
            &["scale", "statefulset/redis", "--replicas=2"],
        ),
    ];
    for (i, (kind, name, step, kubectl)) in script.into_iter().enumerate() {
        let write = format!("w-{i}");
        let plan = match step {
            Step::Plan(rollout) => c.plan_on(kind, rollout, ns, name, &write).await,
            Step::Undo(to) => c.undo_plan(kind, ns, name, to, &write).await,
        };
        let (reports, outcome) = c.check(plan.clone()).await;
        assert!(
            matches!(outcome, JobOutcome::Succeeded(_)),
            "step {i}: {outcome:?} {reports:?}"
        );
        c.executor
            .execute(&plan)
            .await
            .unwrap_or_else(|e| panic!("step {i}: {e}"));
        let mut args = vec!["-n", ns];
        args.extend_from_slice(kubectl);
        twin.kubectl().ok(&args);
        let kind = kind.to_lowercase();
        for sim in [&ours, &twin] {
            settled(sim, &kind, ns, name);
        }
        assert_eq!(
            readback(&ours, &kind, ns, name),
            readback(&twin, &kind, ns, name),
            "after step {i} ({})",
            plan.verb()
        );
    }
    // Back at revision 2's template (ms5-backend:1.8.3), which became revision 6.
    let backend = readback(&ours, "deployment", ns, "backend");
    assert_eq!(backend["revision"], "6", "{backend}");
    assert!(
        backend["template"]
            .to_string()
            .contains("ms5-backend:1.8.3"),
        "{backend}"
    );
    // An undo of a paused Deployment resumes it in the same request (kubectl would refuse).
    let plan = c
        .undo_plan("Deployment", ns, "backend", None, "w-paused")
        .await;
    let WriteAction::Rollout(change) = &plan.action else {
        unreachable!()
    };
    assert!(
        change.field_change().ends_with("spec.paused true -> false"),
        "{}",
        change.field_change()
    );
    c.executor.execute(&plan).await.expect("undone and resumed");
    let paused = ours.kubectl().ok(&[
        "-n",
        ns,
        "get",
        "deploy/backend",
        "-o",
        "jsonpath={.spec.paused}",
    ]);
    assert_eq!(paused, "", "resumed");
    let stderr = twin
        .kubectl()
        .fails(&["-n", ns, "rollout", "undo", "deployment/backend"]);
    assert!(stderr.contains("paused"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_undo_to_a_revision_pruned_since_the_plan_fails_and_changes_nothing() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let c = console(&sim, "ms5-sim").await;
    let ns = "ms5-production";
    let plan = c
        .undo_plan("Deployment", ns, "backend", Some(1), "w-pruned")
        .await;
    let before = readback(&sim, "deployment", ns, "backend");
    // The history limit removes revision 1's ReplicaSet between plan and confirm.
    let rs = sim.kubectl().ok(&[
        "-n", ns, "get", "rs", "-l", "app=backend", "-o",
        "jsonpath={range .items[?(@.metadata.annotations.deployment\\.kubernetes\\.io/revision==\"1\")]}{.metadata.name}{end}",
    ]);
    sim.kubectl().ok(&["-n", ns, "delete", "rs", &rs]);
    let error = c.executor.execute(&plan).await.expect_err("refused");
    assert_eq!(
        error.to_string(),
        "revision 1 no longer exists (revisionHistoryLimit); nothing was changed"
    );
    let after = readback(&sim, "deployment", ns, "backend");
    assert_eq!(before["template"], after["template"]);
    assert_eq!(before["revision"], after["revision"]);
    let contents = audit::read(&c.audit).expect("audit");
    assert_eq!(contents.records[0].phase, Phase::Failed);
    assert_eq!(contents.records[1].phase, Phase::Pending);
}

/// A loopback proxy in front of `upstream` that forwards everything until a request for real
/// (a PATCH without `dryRun`) has gone through, then drops the connection as the server's
/// answer starts: the change is made and the console never hears so.
async fn dropping_proxy(upstream: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((client, _)) = listener.accept().await else {
                return;
            };
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                let (armed_tx, armed_rx) = tokio::sync::watch::channel(false);
                let up = tokio::spawn(async move {
                    let mut buffer = vec![0u8; 65536];
                    while let Ok(n) = client_read.read(&mut buffer).await {
                        if n == 0 {
                            break;
                        }
                        let text = String::from_utf8_lossy(&buffer[..n]);
                        if text.starts_with("PATCH ") && !text.contains("dryRun") {
                            let _ = armed_tx.send(true);
                        }
                        if server_write.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                });
                let mut buffer = vec![0u8; 65536];
                while let Ok(n) = server_read.read(&mut buffer).await {
                    if n == 0 || *armed_rx.borrow() {
                        // The answer to the real request: dropped with the connection.
                        break;
                    }
                    if client_write.write_all(&buffer[..n]).await.is_err() {
                        break;
                    }
                }
                up.abort();
            });
        }
    });
    format!("http://{address}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_lost_after_the_request_left_says_the_outcome_is_unknown() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let direct = console(&sim, "ms5-sim").await;
    let mut kubeconfig = Kubeconfig::read_from(sim.kubeconfig()).expect("kubeconfig");
    let upstream = kubeconfig.clusters[0]
        .cluster
        .as_ref()
        .and_then(|c| c.server.clone())
        .expect("a server");
    let proxy = dropping_proxy(
        upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string(),
    )
    .await;
    for cluster in &mut kubeconfig.clusters {
        if let Some(c) = cluster.cluster.as_mut() {
            c.server = Some(proxy.clone());
        }
    }
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &KubeConfigOptions {
            context: Some("ms5-sim".into()),
            ..KubeConfigOptions::default()
        },
    )
    .await
    .expect("config");
    let mut executor = direct.executor.clone();
    executor.kube = Some(KubeWriter {
        context: "ms5-sim".into(),
        client: write_client(&config, Duration::from_secs(10)).expect("client"),
    });

    let c = Console {
        executor: executor.clone(),
        ..direct
    };
    let plan = c.restart_plan("ms5-staging", "frontend", "w-lost").await;
    let (reports, outcome) = c.check(plan.clone()).await;
    assert!(
        matches!(outcome, JobOutcome::Succeeded(_)),
        "the dry run goes through the proxy: {reports:?}"
    );
    let error = executor.execute(&plan).await.expect_err("no answer");
    let words = error.to_string();
    assert!(
        words.starts_with("the change may have been applied: the outcome is unknown"),
        "{words}"
    );
    // It was applied: kubectl, straight to the server, sees the restart.
    let restarted = sim.kubectl().ok(&[
        "-n",
        "ms5-staging",
        "get",
        "deploy/frontend",
        "-o",
        &format!(
            "jsonpath={{.spec.template.metadata.annotations.{}}}",
            RESTARTED_AT.replace('.', "\\.")
        ),
    ]);
    assert!(restarted.starts_with("20"), "{restarted}");
    let contents = audit::read(&c.audit).expect("audit");
    assert_eq!(contents.records[0].phase, Phase::Failed);
    assert!(
        contents.records[0]
            .result
            .as_deref()
            .is_some_and(|r| r.contains("the outcome is unknown")),
        "{:?}",
        contents.records[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_change_since_the_plan_does_not_stop_the_request() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let c = console(&sim, "ms5-sim").await;
    let ns = "ms5-staging";
    // A scale under way: its pods coming ready move the status, not the spec.
    sim.kubectl()
        .ok(&["-n", ns, "scale", "deploy/frontend", "--replicas=4"]);
    settled(&sim, "deployment", ns, "frontend");
    let plan = c.restart_plan(ns, "frontend", "w-status").await;
    let planned = c.deployment(ns, "frontend").await;
    let mut moved = false;
    for _ in 0..150 {
        let now = c.deployment(ns, "frontend").await;
        if now.metadata.resource_version != planned.metadata.resource_version {
            assert_eq!(
                now.metadata.generation, planned.metadata.generation,
                "status only"
            );
            moved = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(moved, "the status moved while the plan waited");
    let answer = c.executor.execute(&plan).await.expect("sent regardless");
    assert!(answer.contains("restartedAt"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guards_pause_is_checked_sent_and_audited_as_automatic() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "bad-rollout", "--speed", "4"]);
    let c = console(&sim, "ms5-sim").await;
    let mut plan = c
        .plan(RolloutKind::Pause, "ms5-production", "backend", "w-auto")
        .await;
    if let WriteAction::Rollout(change) = &mut plan.action {
        change.automatic = Some("guard".into());
    }
    let (tx, mut rx) = mpsc::channel(16);
    let mut runner = JobRunner::new(tx);
    // The one path every write takes: its checks as a job, then the executor with what they
    // found, as the app sends it when they pass.
    let executor = c.executor.clone();
    let checked = plan.clone();
    runner.start(JobId(7), move |progress| async move {
        ms5_console::ops::check::run(&executor, &checked, &progress).await
    });
    let mut findings = Vec::new();
    let outcome = loop {
        match rx.recv().await.expect("job events") {
            JobEvent::Progress { text, .. } if !text.ends_with(": sending") => findings.push(text),
            JobEvent::Finished { outcome, .. } => break outcome,
            _ => {}
        }
    };
    assert!(matches!(outcome, JobOutcome::Succeeded(_)), "{outcome:?}");
    plan.checks = findings;
    let answer = c.executor.execute(&plan).await.expect("sent");
    assert!(answer.contains("paused"), "{answer}");
    let paused = sim.kubectl().ok(&[
        "-n",
        "ms5-production",
        "get",
        "deploy/backend",
        "-o",
        "jsonpath={.spec.paused}",
    ]);
    assert_eq!(paused, "true");
    let events = sim.kubectl().ok(&[
        "-n",
        "ms5-production",
        "get",
        "events",
        "--field-selector",
        "reason=RolloutPauseRequested",
        "-o",
        "jsonpath={.items[*].message}",
    ]);
    assert!(
        events.contains("requested automatically (guard) by jdoe"),
        "{events}"
    );
    let contents = audit::read(&c.audit).expect("audit");
    let phases: Vec<Phase> = contents.records.iter().map(|r| r.phase).collect();
    assert_eq!(phases, [Phase::Succeeded, Phase::Pending]);
    let pending = &contents.records[1];
    assert_eq!(pending.action, "rollout-pause");
    assert_eq!(pending.parameters["reason"], "guard");
    assert_eq!(pending.parameters["automatic"], true);
    assert!(
        pending
            .checks
            .iter()
            .any(|c| c.contains("the server accepts this")),
        "{:?}",
        pending.checks
    );
}

/// The guard's RBAC question when following begins with auto-pause on, and its pause for a
/// user who may not: refused by the checks, nothing changed, one `refused` line saying it
/// was the guard's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_guard_asks_rbac_first_and_a_refused_pause_is_audited_as_refused() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    for (context, namespace, allowed) in [
        ("ms5-sim", "ms5-production", true),
        ("ms5-sim-deployer", "ms5-production", false),
        ("ms5-sim-deployer", "ms5-staging", true),
    ] {
        let c = console(&sim, context).await;
        let Target::Kube(object) = c
            .plan(RolloutKind::Pause, namespace, "backend", "w-ask")
            .await
            .target
        else {
            panic!("a Kubernetes plan");
        };
        let answer = ms5_console::ops::check::may_patch(&c.executor, &object).await;
        match (allowed, answer) {
            (true, Ok(words)) => assert_eq!(words, "allowed"),
            (false, Err(words)) => assert_eq!(
                words,
                format!(
                    "not allowed to patch deployments.apps in {namespace} (kube user {} (context {context}) may not)",
                    c.user
                )
            ),
            other => panic!("{context} in {namespace}: {other:?}"),
        }
    }
    let c = console(&sim, "ms5-sim-viewer").await;
    let mut plan = c
        .plan(RolloutKind::Pause, "ms5-production", "backend", "w-refused")
        .await;
    if let WriteAction::Rollout(change) = &mut plan.action {
        change.automatic = Some("guard".into());
    }
    let (tx, mut rx) = mpsc::channel(16);
    let mut runner = JobRunner::new(tx);
    let executor = c.executor.clone();
    runner.start(JobId(8), move |progress| async move {
        ms5_console::ops::check::run(&executor, &plan, &progress).await
    });
    let outcome = loop {
        if let JobEvent::Finished { outcome, .. } = rx.recv().await.expect("job events") {
            break outcome;
        }
    };
    assert!(
        matches!(&outcome, JobOutcome::Failed(why) if why.contains("may not patch deployments.apps")),
        "{outcome:?}"
    );
    let paused = sim.kubectl().ok(&[
        "-n",
        "ms5-production",
        "get",
        "deploy/backend",
        "-o",
        "jsonpath={.spec.paused}",
    ]);
    assert_eq!(paused, "", "nothing changed");
    let contents = audit::read(&c.audit).expect("audit");
    let [refused] = contents.records.as_slice() else {
        panic!("one line: {:?}", contents.records);
    };
    assert_eq!(refused.phase, Phase::Refused);
    assert_eq!(refused.action, "rollout-pause");
    assert_eq!(refused.parameters["reason"], "guard");
    assert_eq!(refused.parameters["automatic"], true);
}
