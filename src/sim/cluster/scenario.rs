//! Scenarios: data plus small rules. Each is a starting-world adjustment and a timeline of
//! steps; a step gives pods or images a [`Behavior`] (a fault) or changes objects the way an
//! operator or the node would. Timings are simulated delays, shortened by `--speed`; what the
//! scenario writes into object status at start (a backup that last succeeded 30 hours ago)
//! uses real timestamps.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::events::{EventType, Occurrence};
use super::{Cluster, Key, Work, usage};
use crate::sim::resources::ResourceType;
use crate::sim::store::object_key;
use crate::sim::world::objects::ts;
use crate::sim::world::schedules::{self, Scheduled};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    Healthy,
    BadRollout,
    Crashloop,
    ProbeFailure,
    BackupFailing,
    NodePressure,
    /// Backend 5xx rising until the fast-burn SLO alert fires (metrics only; pods stay healthy).
    SloBurn,
    /// Backend 1.9.2 rolls out and comes ready, and answers 40 % of requests with 5xx.
    BadRelease,
    /// Someone applies a change to the backend's ConfigMap (a database host that does not
    /// exist), then `kubectl rollout restart`s the backend to pick it up: its new pods crash
    /// on start (CrashLoopBackOff) while the old ones keep serving.
    ConfigCrashloop,
    /// Configuration drifted from the Phase 9 baseline (at start): ms5-staging without its Pod
    /// Security label, ms5-production without `default-deny-all`, `flower` without limits and
    /// readiness probe, the dashboard's certificate 5 days from expiry.
    ConfigDrift,
    /// The weekly restore test fails verification (exit 2, a row count mismatch): the newest
    /// scheduled run failed, so the last success is the run a week before it.
    RestoreFailing,
}

pub const NAMES: &[(&str, Scenario)] = &[
    ("healthy", Scenario::Healthy),
    ("bad-rollout", Scenario::BadRollout),
    ("crashloop", Scenario::Crashloop),
    ("probe-failure", Scenario::ProbeFailure),
    ("backup-failing", Scenario::BackupFailing),
    ("node-pressure", Scenario::NodePressure),
    ("slo-burn", Scenario::SloBurn),
    ("bad-release", Scenario::BadRelease),
    ("config-crashloop", Scenario::ConfigCrashloop),
    ("config-drift", Scenario::ConfigDrift),
    ("restore-failing", Scenario::RestoreFailing),
];

impl Scenario {
    pub fn parse(name: &str) -> Option<Scenario> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, s)| *s)
    }

    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(n, _)| *n)
            .unwrap_or("healthy")
    }

    pub fn steps(self) -> Vec<Step> {
        let at = |seconds: u64, action| Step {
            at: Duration::from_secs(seconds),
            action,
        };
        match self {
            Scenario::Healthy | Scenario::SloBurn | Scenario::ConfigDrift => vec![],
            Scenario::BadRollout => vec![at(5, Action::RollOutBrokenBackend)],
            Scenario::BadRelease => vec![at(5, Action::RollOutBadRelease)],
            Scenario::ConfigCrashloop => vec![
                at(5, Action::BreakBackendConfig),
                at(20, Action::RestartBackend),
            ],
            Scenario::Crashloop => vec![at(3, Action::CrashOneBackendPod)],
            Scenario::ProbeFailure => vec![at(3, Action::FlapBackendReadiness)],
            Scenario::BackupFailing => vec![at(0, Action::FailBackups)],
            Scenario::RestoreFailing => vec![at(0, Action::FailRestoreTests)],
            Scenario::NodePressure => vec![
                at(PRESSURE_AT.as_secs(), Action::PressureDatabaseNode),
                at(10, Action::EvictFromPressuredNode),
            ],
        }
    }
}

/// When `node-pressure`'s database node reports `MemoryPressure` (its database pod's memory
/// has grown until then: see `usage`).
pub const PRESSURE_AT: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, Copy)]
pub struct Step {
    pub at: Duration,
    pub action: Action,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    RollOutBrokenBackend,
    RollOutBadRelease,
    CrashOneBackendPod,
    FlapBackendReadiness,
    FailBackups,
    FailRestoreTests,
    PressureDatabaseNode,
    EvictFromPressuredNode,
    BreakBackendConfig,
    RestartBackend,
}

/// How a pod's containers behave once started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    Healthy,
    /// Readiness never passes.
    NeverReady,
    /// The container dies after running this many (simulated) seconds, every time.
    CrashLoop {
        runs_for: u64,
    },
    /// Readiness fails and recovers every few periods.
    FlappingReadiness,
    /// Runs this long, then exits with this code.
    Job {
        runs_for: u64,
        exit_code: i64,
    },
}

impl Behavior {
    /// Job pods run as long as their work takes: a backup, a restore drill, a validation.
    pub fn job_for(pod: &Value) -> Behavior {
        let name = pod["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or_default();
        let runs_for = match name {
            "backup" => 25,
            "restore" => RESTORE_RUNS_FOR,
            "validation" => 15,
            _ => 10,
        };
        Behavior::Job {
            runs_for,
            exit_code: 0,
        }
    }
}

/// A restore test started in the sim (scheduled there, or a drill) runs this long: long enough
/// to follow, short enough to test (the world's past runs took their scheduled 9 minutes).
pub const RESTORE_RUNS_FOR: u64 = 40;

/// Which pods a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Pods whose first container runs this image.
    Image(String),
    Pod(Key),
    /// Pods with label `app=NAME` in the namespace.
    App(String, String),
    /// Pods of Jobs run from this CronJob's template.
    CronJob(Key),
    /// Pods with label `app=NAME` in the namespace created after this time (RFC 3339, to the
    /// second): those that read a config changed then.
    AppStartedAfter(String, String, String),
}

#[derive(Debug, Clone)]
pub struct Fault {
    pub target: Target,
    pub behavior: Behavior,
}

impl Fault {
    pub fn applies_to(&self, pod: &Value) -> bool {
        let namespace = pod["metadata"]["namespace"].as_str().unwrap_or_default();
        match &self.target {
            Target::Image(image) => {
                pod["spec"]["containers"][0]["image"].as_str() == Some(image.as_str())
            }
            Target::Pod((ns, name)) => {
                namespace == ns && pod["metadata"]["name"].as_str() == Some(name.as_str())
            }
            Target::App(ns, app) => {
                namespace == ns && pod["metadata"]["labels"]["app"].as_str() == Some(app.as_str())
            }
            Target::AppStartedAfter(ns, app, after) => {
                namespace == ns
                    && pod["metadata"]["labels"]["app"].as_str() == Some(app.as_str())
                    && pod["metadata"]["creationTimestamp"]
                        .as_str()
                        .is_some_and(|created| created > after.as_str())
            }
            // The CronJob's own runs, and Jobs made from its template by hand (`kubectl create
            // job --from`, a console drill): their pods carry the template's `app` label.
            Target::CronJob((ns, name)) => {
                namespace == ns
                    && pod["metadata"]["labels"]["job-name"].is_string()
                    && (pod["metadata"]["labels"]["app"].as_str() == Some(name.as_str())
                        || pod["metadata"]["labels"]["job-name"]
                            .as_str()
                            .is_some_and(|job| job.starts_with(&format!("{name}-"))))
            }
        }
    }
}

pub const BROKEN_BACKEND_IMAGE: &str = "ms5acr.azurecr.io/ms5-backend:1.9.1";
/// `bad-release`: its pods come ready and answer 40 % of requests with 5xx.
pub const BAD_RELEASE_IMAGE: &str = "ms5acr.azurecr.io/ms5-backend:1.9.2";
const PRODUCTION: &str = "ms5-production";
pub const PRESSURED_NODE: &str = "aks-db-27183645-vmss000000";

fn find<'a>(
    objects: &'a mut [(&'static ResourceType, Value)],
    kind: &str,
    namespace: &str,
    name: &str,
) -> Option<&'a mut Value> {
    objects
        .iter_mut()
        .find(|(r, o)| {
            r.kind == kind
                && o["metadata"]["namespace"].as_str().unwrap_or_default() == namespace
                && o["metadata"]["name"] == name
        })
        .map(|(_, o)| o)
}

/// What a scenario changes in the starting world, before anything runs.
pub fn prepare(
    scenario: Scenario,
    objects: &mut Vec<(&'static ResourceType, Value)>,
    now: DateTime<Utc>,
) {
    match scenario {
        Scenario::ConfigDrift => drift(objects, now),
        Scenario::BadRollout => {
            // A short progress deadline, so the stalled rollout is called out within 90 s.
            if let Some(backend) = find(objects, "Deployment", PRODUCTION, "backend") {
                backend["spec"]["progressDeadlineSeconds"] = json!(30);
            }
        }
        Scenario::BackupFailing => fail_newest_run(objects, &schedules::BACKUP, 1),
        Scenario::RestoreFailing => fail_newest_run(objects, &schedules::RESTORE_TEST, 2),
        _ => {}
    }
}

/// Days left on the dashboard's certificate in `config-drift` (the certificate metric and the
/// Secret agree).
pub const DRIFTED_CERTIFICATE_DAYS: i64 = 5;

/// `config-drift`: what a hand edit or a half-applied manifest leaves behind.
fn drift(objects: &mut Vec<(&'static ResourceType, Value)>, now: DateTime<Utc>) {
    if let Some(staging) = find(objects, "Namespace", "", "ms5-staging")
        && let Some(labels) = staging["metadata"]["labels"].as_object_mut()
    {
        labels.remove("pod-security.kubernetes.io/enforce");
    }
    objects.retain(|(r, o)| {
        !(r.kind == "NetworkPolicy"
            && o["metadata"]["namespace"] == PRODUCTION
            && o["metadata"]["name"] == "default-deny-all")
    });
    // Flower was applied from a drifted manifest long ago: its Deployment, ReplicaSet and pods
    // all have the edited template, so nothing rolls out when the sim starts.
    let loosen = |spec: &mut Value| {
        if let Some(c) = spec["containers"].get_mut(0).and_then(Value::as_object_mut) {
            c.remove("readinessProbe");
            if let Some(resources) = c.get_mut("resources").and_then(Value::as_object_mut) {
                resources.remove("limits");
            }
        }
    };
    let Some(flower) = find(objects, "Deployment", PRODUCTION, "flower") else {
        return;
    };
    loosen(&mut flower["spec"]["template"]["spec"]);
    let hash = crate::sim::naming::template_hash(&flower["spec"]["template"]);
    let of_flower = |o: &Value, kind: &str| {
        o["metadata"]["namespace"] == PRODUCTION
            && o["metadata"]["ownerReferences"][0]["kind"] == kind
            && o["metadata"]["ownerReferences"][0]["name"]
                .as_str()
                .is_some_and(|n| n == "flower" || n.starts_with("flower-"))
    };
    for (r, o) in objects.iter_mut() {
        if r.kind == "ReplicaSet" && of_flower(o, "Deployment") {
            loosen(&mut o["spec"]["template"]["spec"]);
            o["metadata"]["labels"]["pod-template-hash"] = json!(hash);
            o["spec"]["selector"]["matchLabels"]["pod-template-hash"] = json!(hash);
            o["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        } else if r.kind == "Pod" && of_flower(o, "ReplicaSet") {
            loosen(&mut o["spec"]);
            o["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        }
    }
    if let Some(secret) = find(objects, "Secret", PRODUCTION, "ms5-tls") {
        secret["data"] = crate::sim::world::certificates::tls_data(
            &[crate::sim::world::DASHBOARD_HOST],
            now + chrono::Duration::days(DRIFTED_CERTIFICATE_DAYS),
        );
    }
}

/// The newest scheduled run of `scheduled` failed with `exit_code` (past its backoff limit);
/// the CronJob's last success is the run before it, as its Jobs and the gauges say.
fn fail_newest_run(
    objects: &mut [(&'static ResourceType, Value)],
    scheduled: &Scheduled,
    exit_code: i64,
) {
    let prefix = format!("{}-", scheduled.cronjob);
    let mut runs: Vec<(String, Value)> = objects
        .iter()
        .filter(|(r, o)| {
            r.kind == "Job"
                && o["metadata"]["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with(&prefix))
        })
        .filter_map(|(_, o)| {
            let name = o["metadata"]["name"].as_str()?.to_string();
            Some((name, o["status"]["completionTime"].clone()))
        })
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    let Some((newest, finished)) = runs.pop() else {
        return;
    };
    if let Some(job) = find(objects, "Job", PRODUCTION, &newest) {
        let backoff_limit = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
        let status = &mut job["status"];
        if let Some(map) = status.as_object_mut() {
            map.remove("completionTime");
            map.remove("succeeded");
        }
        status["failed"] = json!(backoff_limit + 1);
        status["conditions"] = json!([
            {"type": "FailureTarget", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": finished, "lastTransitionTime": finished},
            {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit", "lastProbeTime": finished, "lastTransitionTime": finished},
        ]);
    }
    for (resource, pod) in objects.iter_mut() {
        if resource.kind == "Pod" && pod["metadata"]["labels"]["job-name"] == newest.as_str() {
            pod["status"]["phase"] = json!("Failed");
            if let Some(state) =
                pod["status"]["containerStatuses"][0]["state"]["terminated"].as_object_mut()
            {
                state.insert("exitCode".into(), json!(exit_code));
                state.insert("reason".into(), json!("Error"));
            }
        }
    }
    let previous = runs.last().map(|(_, finished)| finished.clone());
    if let Some(cron) = find(objects, "CronJob", PRODUCTION, scheduled.cronjob) {
        match previous {
            Some(finished) => cron["status"]["lastSuccessfulTime"] = finished,
            None => {
                if let Some(status) = cron["status"].as_object_mut() {
                    status.remove("lastSuccessfulTime");
                }
            }
        }
    }
}

pub fn run_step(cluster: &mut Cluster, index: usize) {
    let Some(step) = cluster.scenario.steps().get(index).copied() else {
        return;
    };
    match step.action {
        Action::RollOutBrokenBackend => {
            cluster.faults.push(Fault {
                target: Target::Image(BROKEN_BACKEND_IMAGE.into()),
                behavior: Behavior::NeverReady,
            });
            set_backend_image(cluster, BROKEN_BACKEND_IMAGE);
        }
        Action::RollOutBadRelease => set_backend_image(cluster, BAD_RELEASE_IMAGE),
        Action::CrashOneBackendPod => {
            let mut pods = backend_pods(cluster);
            pods.sort();
            if let Some(first) = pods.into_iter().next() {
                cluster.faults.push(Fault {
                    target: Target::Pod(first.clone()),
                    behavior: Behavior::CrashLoop { runs_for: 5 },
                });
                cluster.enqueue(Work::Kubelet(first));
            }
        }
        Action::FlapBackendReadiness => {
            cluster.faults.push(Fault {
                target: Target::App(PRODUCTION.into(), "backend".into()),
                behavior: Behavior::FlappingReadiness,
            });
            for pod in backend_pods(cluster) {
                cluster.enqueue(Work::Kubelet(pod));
            }
        }
        Action::FailBackups => {
            let target = Target::CronJob((PRODUCTION.into(), schedules::BACKUP.cronjob.into()));
            cluster.faults.push(Fault {
                target,
                behavior: Behavior::Job {
                    runs_for: 20,
                    exit_code: 1,
                },
            });
        }
        Action::FailRestoreTests => {
            let target =
                Target::CronJob((PRODUCTION.into(), schedules::RESTORE_TEST.cronjob.into()));
            cluster.faults.push(Fault {
                target,
                behavior: Behavior::Job {
                    runs_for: RESTORE_RUNS_FOR,
                    exit_code: 2,
                },
            });
        }
        Action::PressureDatabaseNode => pressure_node(cluster),
        Action::EvictFromPressuredNode => evict_from_pressured_node(cluster),
        Action::BreakBackendConfig => break_backend_config(cluster),
        Action::RestartBackend => restart_backend(cluster),
    }
}

/// `kubectl apply` of the backend's ConfigMap with a database host that does not resolve:
/// pods started from now on crash at start (the old ones read the config when they started).
fn break_backend_config(cluster: &mut Cluster) {
    let configmaps = crate::sim::resources::find("", "v1", "configmaps");
    let Some(configmaps) = configmaps else {
        return;
    };
    let key = (PRODUCTION.to_string(), "backend-config".to_string());
    let Some(current) = cluster.get(configmaps, &key) else {
        return;
    };
    let mut next = current.clone();
    next["data"]["DATABASE_HOST"] = json!("postgres-primary.ms5-production.svc");
    let apply = crate::sim::api::admission::Writer::new("kubectl-client-side-apply", "Update");
    crate::sim::api::admission::record_write(Some(&current), &mut next, &apply);
    if cluster.update(configmaps, next).is_some() {
        let now = super::super::world::objects::ts(cluster.wall_now());
        cluster.faults.push(Fault {
            target: Target::AppStartedAfter(PRODUCTION.into(), "backend".into(), now),
            behavior: Behavior::CrashLoop { runs_for: 3 },
        });
    }
}

/// `kubectl rollout restart deploy/backend`: a new template annotation, written by kubectl.
fn restart_backend(cluster: &mut Cluster) {
    let key = (PRODUCTION.to_string(), "backend".to_string());
    if let Some(current) = cluster.get(cluster.kinds.deployment, &key) {
        let mut next = current.clone();
        let now = super::super::world::objects::ts(cluster.wall_now());
        next["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"] =
            json!(now);
        crate::sim::api::admission::carry_over(cluster.kinds.deployment, &current, &mut next);
        let kubectl = crate::sim::api::admission::Writer::new("kubectl-rollout", "Update");
        crate::sim::api::admission::record_write(Some(&current), &mut next, &kubectl);
        cluster.update(cluster.kinds.deployment, next);
    }
}

fn backend_pods(cluster: &Cluster) -> Vec<Key> {
    cluster
        .store
        .list(cluster.kinds.pod, Some(PRODUCTION))
        .0
        .iter()
        .filter(|p| p["metadata"]["labels"]["app"] == "backend" && super::is_pod_active(p))
        .map(|p| object_key(p))
        .collect()
}

fn pressure_node(cluster: &mut Cluster) {
    let key = (String::new(), PRESSURED_NODE.to_string());
    let Some(node) = cluster.get(cluster.kinds.node, &key) else {
        return;
    };
    let now = ts(cluster.wall_now());
    let mut updated = node.clone();
    if let Some(conditions) = updated["status"]["conditions"].as_array_mut()
        && let Some(memory) = conditions
            .iter_mut()
            .find(|c| c["type"] == "MemoryPressure")
    {
        *memory = json!({"type": "MemoryPressure", "status": "True", "lastHeartbeatTime": now, "lastTransitionTime": now,
                         "reason": "KubeletHasInsufficientMemory", "message": "kubelet has insufficient memory available"});
    }
    let mut taints = updated["spec"]["taints"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    taints.push(json!({"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule", "timeAdded": now}));
    updated["spec"]["taints"] = json!(taints);
    if let Some(written) = cluster.update(cluster.kinds.node, updated) {
        let message = format!("Node {PRESSURED_NODE} status is now: NodeHasInsufficientMemory");
        cluster.event(
            &written,
            Occurrence::new(
                EventType::Normal,
                "NodeHasInsufficientMemory",
                message,
                "kubelet",
            )
            .on_node(PRESSURED_NODE),
        );
    }
}

/// The kubelet evicts the pods it can on the pressured node (not DaemonSet pods).
fn evict_from_pressured_node(cluster: &mut Cluster) {
    let on_node: Vec<Value> = cluster
        .store
        .list(cluster.kinds.pod, None)
        .0
        .iter()
        .filter(|p| p["spec"]["nodeName"] == PRESSURED_NODE && super::is_pod_active(p))
        .map(|p| p.value().clone())
        .collect();
    let victims: Vec<&Value> = on_node
        .iter()
        .filter(|p| !super::controller_of(p).is_some_and(|o| o["kind"] == "DaemonSet"))
        .collect();
    let wall = cluster.wall_now();
    let now = ts(wall);
    // The kubelet's words, with what the usage model says the node and the pod use now.
    let node = cluster.get(
        cluster.kinds.node,
        &(String::new(), PRESSURED_NODE.to_string()),
    );
    let available = node.as_ref().map_or(0.0, |node| {
        let on_node: Vec<&Value> = on_node.iter().collect();
        let capacity = super::scheduler::quantity(&node["status"]["capacity"]["memory"]);
        (capacity - cluster.usage.node(node, &on_node, wall).memory).max(0.0)
    });
    for pod in victims {
        let container = pod["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let request = pod["spec"]["containers"][0]["resources"]["requests"]["memory"]
            .as_str()
            .unwrap_or("0")
            .to_string();
        let using = cluster
            .usage
            .pod(pod, wall)
            .and_then(|containers| containers.first().map(|(_, u)| u.memory))
            .unwrap_or(0.0);
        let message = format!(
            "The node was low on resource: memory. Threshold quantity: 750Mi, available: {}. Container {container} was using {}, request is {request}, has larger consumption of memory.",
            usage::memory_quantity(available),
            usage::memory_quantity(using),
        );
        let mut evicted = (*pod).clone();
        evicted["status"]["phase"] = json!("Failed");
        evicted["status"]["reason"] = json!("Evicted");
        evicted["status"]["message"] = json!(message);
        if let Some(statuses) = evicted["status"]["containerStatuses"].as_array_mut() {
            for status in statuses.iter_mut() {
                let started = status["state"]["running"]["startedAt"].clone();
                status["state"] = json!({"terminated": {"exitCode": 137, "reason": "ContainerStatusUnknown", "message": "The container could not be located when the pod was terminated", "startedAt": started, "finishedAt": now}});
                status["ready"] = json!(false);
                status["started"] = json!(false);
            }
        }
        if let Some(conditions) = evicted["status"]["conditions"].as_array_mut() {
            for condition in conditions
                .iter_mut()
                .filter(|c| c["type"] == "Ready" || c["type"] == "ContainersReady")
            {
                condition["status"] = json!("False");
                condition["reason"] = json!("PodFailed");
                condition["lastTransitionTime"] = json!(now);
            }
        }
        if let Some(written) = cluster.update(cluster.kinds.pod, evicted) {
            cluster.event(
                &written,
                Occurrence::new(EventType::Warning, "Evicted", message, "kubelet")
                    .on_node(PRESSURED_NODE),
            );
        }
    }
}

/// A new image for production's backend, as `kubectl set image` would make it.
fn set_backend_image(cluster: &mut Cluster, image: &str) {
    let key = (PRODUCTION.to_string(), "backend".to_string());
    if let Some(current) = cluster.get(cluster.kinds.deployment, &key) {
        let mut next = current.clone();
        next["spec"]["template"]["spec"]["containers"][0]["image"] = json!(image);
        crate::sim::api::admission::carry_over(cluster.kinds.deployment, &current, &mut next);
        // A release is a Helm upgrade: the manager the API server records for it.
        let helm = crate::sim::api::admission::Writer::new("helm", "Update");
        crate::sim::api::admission::record_write(Some(&current), &mut next, &helm);
        cluster.update(cluster.kinds.deployment, next);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_scenario_has_a_name_that_parses_back() {
        for (name, scenario) in NAMES {
            assert_eq!(Scenario::parse(name), Some(*scenario));
            assert_eq!(scenario.name(), *name);
        }
        assert_eq!(Scenario::parse("meltdown"), None);
    }

    fn time_of(value: &Value) -> i64 {
        value
            .as_str()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .map_or(0, |t| t.timestamp())
    }

    /// The world at `now` for `scenario`, and the gauge `name` of its exporters at `now`.
    fn world_and_gauges(
        scenario: Scenario,
        now: DateTime<Utc>,
    ) -> (Vec<(&'static ResourceType, Value)>, impl Fn(&str) -> f64) {
        let mut objects = crate::sim::world::build_at(
            crate::sim::world::WorldOptions {
                seed: 1,
                extra_pods: 0,
            },
            now,
        )
        .objects;
        prepare(scenario, &mut objects, now);
        let origin = now.timestamp() as f64;
        let catalog = crate::sim::prometheus::catalog::Catalog::build(
            1,
            scenario,
            origin,
            &Default::default(),
        );
        let gauge = move |name: &str| {
            catalog
                .series
                .iter()
                .find(|s| s.name() == name)
                .map_or(f64::NAN, |s| s.signal.value(origin))
        };
        (objects, gauge)
    }

    fn jobs_of<'a>(objects: &'a [(&'static ResourceType, Value)], cronjob: &str) -> Vec<&'a Value> {
        let mut jobs: Vec<&Value> = objects
            .iter()
            .filter(|(r, o)| {
                r.kind == "Job" && o["metadata"]["ownerReferences"][0]["name"] == cronjob
            })
            .map(|(_, o)| o)
            .collect();
        jobs.sort_by_key(|j| time_of(&j["metadata"]["creationTimestamp"]));
        jobs
    }

    fn cronjob<'a>(objects: &'a [(&'static ResourceType, Value)], name: &str) -> &'a Value {
        objects
            .iter()
            .find(|(r, o)| r.kind == "CronJob" && o["metadata"]["name"] == name)
            .map(|(_, o)| o)
            .unwrap_or_else(|| panic!("no CronJob {name}"))
    }

    fn at(text: &str) -> DateTime<Utc> {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn the_backup_gauges_agree_with_the_jobs_to_the_second() {
        for now in [
            "2026-11-30T14:00:00Z",
            "2026-11-30T02:03:00Z",
            "2026-12-01T02:05:00Z",
        ] {
            let (objects, gauge) = world_and_gauges(Scenario::Healthy, at(now));
            let jobs = jobs_of(&objects, "postgres-backup");
            let newest = jobs.last().expect("backup jobs");
            let completed = time_of(&newest["status"]["completionTime"]);
            let started = time_of(&newest["status"]["startTime"]);
            assert_eq!(
                gauge("ms5_backup_last_success_timestamp_seconds") as i64,
                completed,
                "{now}"
            );
            // At 02:03 today's run has started (the controller starts it with the sim): the
            // newest attempt is then newer than the newest finished Job.
            let attempt = gauge("ms5_backup_last_attempt_timestamp_seconds") as i64;
            let running = now.ends_with("02:03:00Z");
            assert_eq!(
                attempt == started,
                !running,
                "{now}: {attempt} vs {started}"
            );
            assert_eq!(
                gauge("ms5_backup_last_failure_timestamp_seconds"),
                0.0,
                "never failed"
            );
            assert_eq!(
                gauge("ms5_backup_last_duration_seconds") as i64,
                completed - started
            );
            let cron = cronjob(&objects, "postgres-backup");
            assert_eq!(
                time_of(&cron["status"]["lastSuccessfulTime"]),
                completed,
                "{now}"
            );
            assert!(
                completed <= at(now).timestamp(),
                "{now}: no Job completes in the future"
            );
            let restores = jobs_of(&objects, "postgres-restore-test");
            let newest = restores.last().expect("restore jobs");
            assert_eq!(
                gauge("ms5_restore_test_last_success_timestamp_seconds") as i64,
                time_of(&newest["status"]["completionTime"]),
                "{now}"
            );
            assert_eq!(gauge("ms5_restore_test_last_result"), 1.0);
        }
    }

    #[test]
    fn backup_failing_fails_the_newest_run_and_the_gauges_keep_the_one_before() {
        let now = at("2026-11-30T14:00:00Z");
        let (objects, gauge) = world_and_gauges(Scenario::BackupFailing, now);
        let jobs = jobs_of(&objects, "postgres-backup");
        let [.., previous, newest] = jobs.as_slice() else {
            panic!("two backup jobs at least");
        };
        assert_eq!(newest["status"]["failed"], 3, "backoffLimit 2");
        assert_eq!(newest["status"]["conditions"][1]["type"], "Failed");
        let last_good = time_of(&previous["status"]["completionTime"]);
        assert_eq!(last_good, at("2026-11-29T02:04:01Z").timestamp());
        let cron = cronjob(&objects, "postgres-backup");
        assert_eq!(time_of(&cron["status"]["lastSuccessfulTime"]), last_good);
        assert_eq!(
            gauge("ms5_backup_last_success_timestamp_seconds") as i64,
            last_good
        );
        assert_eq!(
            gauge("ms5_backup_last_failure_timestamp_seconds") as i64,
            at("2026-11-30T02:04:01Z").timestamp(),
            "the newest run's Failed condition"
        );
        assert_eq!(
            gauge("ms5_backup_last_attempt_timestamp_seconds") as i64,
            time_of(&newest["status"]["startTime"])
        );
    }

    #[test]
    fn restore_failing_fails_the_newest_weekly_run_and_the_last_success_is_a_week_older() {
        // 2026-11-29 is a Sunday: its 04:00 restore test is the newest.
        let now = at("2026-11-30T14:00:00Z");
        let (objects, gauge) = world_and_gauges(Scenario::RestoreFailing, now);
        let jobs = jobs_of(&objects, "postgres-restore-test");
        let [.., previous, newest] = jobs.as_slice() else {
            panic!("two restore jobs at least");
        };
        assert_eq!(newest["status"]["conditions"][1]["type"], "Failed");
        let last_good = time_of(&previous["status"]["completionTime"]);
        assert_eq!(last_good, at("2026-11-22T04:09:01Z").timestamp());
        let cron = cronjob(&objects, "postgres-restore-test");
        assert_eq!(time_of(&cron["status"]["lastSuccessfulTime"]), last_good);
        assert_eq!(
            gauge("ms5_restore_test_last_success_timestamp_seconds") as i64,
            last_good
        );
        assert_eq!(gauge("ms5_restore_test_last_result"), 0.0);
        let exit_codes: Vec<&Value> = objects
            .iter()
            .filter(|(r, o)| {
                r.kind == "Pod" && o["metadata"]["labels"]["job-name"] == newest["metadata"]["name"]
            })
            .map(|(_, o)| &o["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"])
            .collect();
        assert_eq!(exit_codes, [&json!(2)]);
    }
}
