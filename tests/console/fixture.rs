//! One fixed, realistic state for view and app tests: a fixed clock, objects shaped like the
//! API's, and one of each status a person must be able to tell apart.

use chrono::{DateTime, Duration, Utc};
use std::collections::BTreeMap;

use ms5_console::app::event::{
    Change, Connection, DataEvent, KubeChange, MetricsPoll, Observation, PromEvent, SourceHealth,
    SourceId,
};
use ms5_console::app::rows;
use ms5_console::app::state::AppState;
use ms5_console::config::keymap::Keymap;
use ms5_console::config::theme::Theme;
use ms5_console::model::business::BusinessReading;
use ms5_console::model::slo_status::{Reading, SloReading};
use ms5_console::model::usage::Usage;
use ms5_console::source::error::ApiError;
use ms5_console::ui::{self, Ui, style};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use serde_json::{Value, json};

#[path = "alert_fixture.rs"]
pub mod alert_fixture;
#[path = "validation_fixture.rs"]
pub mod validation_fixture;

pub fn now() -> DateTime<Utc> {
    "2026-11-27T10:00:00Z".parse().unwrap()
}

fn ago(seconds: i64) -> String {
    (now() - Duration::seconds(seconds)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

pub fn namespaces() -> Vec<String> {
    ["ms5-production", "ms5-staging", "ms5-system"]
        .map(String::from)
        .to_vec()
}

pub fn empty_state() -> AppState {
    let connection = Connection {
        context: "aks-ms5-prod".into(),
        cluster: "aks-ms5-prod".into(),
        user: "clusterUser_ms5".into(),
        server: "https://ms5-prod.hcp.westeurope.azmk8s.io:443".into(),
    };
    let mut state = AppState::new(connection, namespaces(), false, now());
    state.validation = validation_fixture::never_run();
    state
}

fn container(name: &str, image: &str, probes: bool) -> Value {
    let mut c = json!({"name": name, "image": image,
        "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}});
    if probes {
        c["livenessProbe"] =
            json!({"httpGet": {"path": "/health/live", "port": 8000}, "periodSeconds": 10});
        c["readinessProbe"] =
            json!({"httpGet": {"path": "/health/ready", "port": 8000}, "periodSeconds": 5});
    }
    c
}

fn status(ready: bool, restarts: i32, state: Value, last: Option<Value>) -> Value {
    let mut s = json!({"name": "app", "ready": ready, "restartCount": restarts, "image": "x", "imageID": "",
        "state": state});
    if let Some(l) = last {
        s["lastState"] = l;
    }
    s
}

/// A pod owned by ReplicaSet `rs` (or by `sts` when it has no dash-hash).
pub fn pod(
    ns: &str,
    name: &str,
    owner: (&str, &str),
    node: &str,
    phase: &str,
    statuses: Vec<Value>,
    extra: Value,
) -> Value {
    let mut p = json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{name}"),
            "creationTimestamp": ago(3 * 3600), "labels": {"app": name.split('-').next().unwrap()},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": owner.0, "name": owner.1, "uid": "o"}]},
        "spec": {"nodeName": node, "containers": [container("app", "ms5acr.azurecr.io/ms5-backend:1.9.0", true)]},
        "status": {"phase": phase, "qosClass": "Burstable", "containerStatuses": statuses},
    });
    if let Some(obj) = extra.as_object() {
        for (k, v) in obj {
            if k == "metadata" {
                for (mk, mv) in v.as_object().unwrap() {
                    p["metadata"][mk] = mv.clone();
                }
            } else if k == "status" {
                for (sk, sv) in v.as_object().unwrap() {
                    p["status"][sk] = sv.clone();
                }
            } else {
                p[k] = v.clone();
            }
        }
    }
    p
}

fn running(ready: bool, restarts: i32) -> Value {
    status(
        ready,
        restarts,
        json!({"running": {"startedAt": ago(600)}}),
        None,
    )
}

/// The kubelet's eviction of `postgres-1` from the database node: what it used fits the node,
/// its request is the template's.
pub const EVICTION_MESSAGE: &str = "The node was low on resource: memory. Threshold quantity: 750Mi, available: 656984Ki. Container postgres was using 30722056Ki, request is 16Gi, has larger consumption of memory.";

/// The database's container, as its StatefulSet's template has it: the pods, the template and
/// the kubelet's eviction message (`request is 16Gi`) say the same.
pub fn postgres_container() -> Value {
    json!({"name": "postgres", "image": "postgres:15.5",
        "resources": {"requests": {"cpu": "2", "memory": "16Gi"}, "limits": {"cpu": "4", "memory": "30Gi"}}})
}

pub fn pods() -> Vec<Value> {
    let mut pods = written_pods();
    for p in &mut pods {
        if p["metadata"]["name"] == "postgres-0" {
            p["spec"]["containers"] = json!([postgres_container()]);
            p["status"]["containerStatuses"][0]["name"] = json!("postgres");
            p["metadata"]["labels"]["app"] = json!("postgres");
        }
    }
    pods
}

fn written_pods() -> Vec<Value> {
    let rs = ("ReplicaSet", "backend-5bdc5c656");
    let worker = ("ReplicaSet", "celery-worker-557497f8c");
    let node = "aks-app-27183645-vmss000000";
    vec![
        pod(
            "ms5-production",
            "backend-5bdc5c656-glpwq",
            rs,
            node,
            "Running",
            vec![running(true, 0)],
            json!({}),
        ),
        pod(
            "ms5-production",
            "backend-5bdc5c656-jzv8m",
            rs,
            node,
            "Running",
            vec![running(true, 0)],
            json!({}),
        ),
        pod(
            "ms5-production",
            "backend-5bdc5c656-mntgf",
            rs,
            "aks-app-27183645-vmss000001",
            "Running",
            vec![running(false, 0)],
            json!({}),
        ),
        pod(
            "ms5-production",
            "celery-worker-557497f8c-4xk2p",
            worker,
            node,
            "Running",
            vec![status(
                false,
                7,
                json!({"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}),
                Some(
                    json!({"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": ago(120)}}),
                ),
            )],
            json!({}),
        ),
        pod(
            "ms5-production",
            "celery-worker-557497f8c-9zt6w",
            worker,
            node,
            "Running",
            vec![status(
                false,
                2,
                json!({"running": {"startedAt": ago(30)}}),
                Some(
                    json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": ago(40)}}),
                ),
            )],
            json!({}),
        ),
        pod(
            "ms5-production",
            "frontend-6db76759ff-abcde",
            ("ReplicaSet", "frontend-6db76759ff"),
            node,
            "Pending",
            vec![status(
                false,
                0,
                json!({"waiting": {"reason": "ImagePullBackOff"}}),
                None,
            )],
            json!({}),
        ),
        pod(
            "ms5-production",
            "postgres-0",
            ("StatefulSet", "postgres"),
            "aks-db-27183645-vmss000000",
            "Running",
            vec![running(true, 0)],
            json!({}),
        ),
        pod(
            "ms5-staging",
            "backend-56d4b5d9f5-8qwer",
            ("ReplicaSet", "backend-56d4b5d9f5"),
            node,
            "Running",
            vec![running(true, 0)],
            json!({"metadata": {"deletionTimestamp": ago(5)}}),
        ),
        pod(
            "ms5-staging",
            "celery-beat-6976466fd8-6p8n5",
            ("ReplicaSet", "celery-beat-6976466fd8"),
            node,
            "Failed",
            vec![],
            json!({"status": {"reason": "Evicted", "message": "The node was low on resource: memory."}}),
        ),
        pod(
            "ms5-staging",
            "postgres-backup-29929-xv2lq",
            ("Job", "postgres-backup-29929"),
            node,
            "Succeeded",
            vec![status(
                false,
                0,
                json!({"terminated": {"exitCode": 0, "reason": "Completed", "finishedAt": ago(3000)}}),
                None,
            )],
            json!({}),
        ),
    ]
}

fn deployment(
    ns: &str,
    name: &str,
    generation: i64,
    spec: Value,
    status: Value,
    revision: &str,
) -> Value {
    let mut s = json!({"replicas": 3, "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}},
            "spec": {"containers": [container(name, &format!("ms5acr.azurecr.io/ms5-{name}:1.9.0"), true)]}}});
    for (k, v) in spec.as_object().unwrap() {
        s[k] = v.clone();
    }
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "uid": format!("uid-{ns}-{name}"), "generation": generation,
            "creationTimestamp": ago(40 * 86400),
            "annotations": {"deployment.kubernetes.io/revision": revision}},
        "spec": s, "status": status})
}

/// Whether a fixture pod is ready: running, every container ready.
fn pod_ready(p: &Value) -> bool {
    p["status"]["phase"] == "Running"
        && p["status"]["containerStatuses"]
            .as_array()
            .is_some_and(|c| !c.is_empty() && c.iter().all(|c| c["ready"] == true))
}

/// Whether a fixture pod counts as a replica: not evicted, not finished.
fn pod_live(p: &Value) -> bool {
    !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed"))
}

/// The pods a Deployment owns: those of its ReplicaSets (`NAME-HASH`), in its namespace.
pub fn owned_by_deployment<'a>(d: &Value, pods: &'a [Value]) -> Vec<&'a Value> {
    let (ns, name) = (
        &d["metadata"]["namespace"],
        d["metadata"]["name"].as_str().unwrap_or(""),
    );
    pods.iter()
        .filter(|p| &p["metadata"]["namespace"] == ns)
        .filter(|p| {
            let owner = &p["metadata"]["ownerReferences"][0];
            owner["kind"] == "ReplicaSet"
                && owner["name"]
                    .as_str()
                    .and_then(|rs| rs.strip_prefix(name))
                    .and_then(|rest| rest.strip_prefix('-'))
                    .is_some_and(|hash| !hash.contains('-'))
        })
        .collect()
}

/// A Deployment's status as its controller writes it from its pods: replicas (live pods),
/// ready and available (ready pods), updated never more than there are. A fixture is a
/// possible cluster: READY 2/3 is never shown beside two pods that are both 0/1.
fn status_from_pods(mut d: Value, pods: &[Value]) -> Value {
    let owned = owned_by_deployment(&d, pods);
    let live = owned.iter().filter(|p| pod_live(p)).count();
    let ready = owned.iter().filter(|p| pod_ready(p)).count();
    let updated = d["status"]["updatedReplicas"].as_u64().unwrap_or(0) as usize;
    d["status"]["replicas"] = json!(live);
    d["status"]["readyReplicas"] = json!(ready);
    d["status"]["availableReplicas"] = json!(ready);
    d["status"]["updatedReplicas"] = json!(updated.min(live));
    d
}

pub fn deployments() -> Vec<Value> {
    let pods = pods();
    written_deployments()
        .into_iter()
        .map(|d| status_from_pods(d, &pods))
        .collect()
}

fn written_deployments() -> Vec<Value> {
    vec![
        deployment(
            "ms5-production",
            "backend",
            5,
            json!({}),
            json!({"observedGeneration": 5, "replicas": 3,
            "updatedReplicas": 3, "readyReplicas": 2, "availableReplicas": 2,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                "message": "Deployment has minimum availability."}]}),
            "3",
        ),
        deployment(
            "ms5-production",
            "celery-worker",
            8,
            json!({}),
            json!({"observedGeneration": 8, "replicas": 4,
            "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2}),
            "6",
        ),
        deployment(
            "ms5-production",
            "frontend",
            3,
            json!({"replicas": 2}),
            json!({"observedGeneration": 3,
            "replicas": 3, "updatedReplicas": 1, "readyReplicas": 2, "availableReplicas": 2,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                "message": "ReplicaSet \"frontend-6db76759ff\" has timed out progressing."}]}),
            "2",
        ),
        deployment(
            "ms5-staging",
            "backend",
            2,
            json!({"paused": true}),
            json!({"observedGeneration": 2,
            "replicas": 3, "updatedReplicas": 1, "readyReplicas": 3, "availableReplicas": 3}),
            "4",
        ),
        deployment(
            "ms5-staging",
            "celery-beat",
            1,
            json!({"replicas": 1}),
            json!({"observedGeneration": 1,
            "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "availableReplicas": 1}),
            "1",
        ),
    ]
}

pub fn replicasets() -> Vec<Value> {
    [("backend-5bdc5c656", "3", "1.9.0", 3), ("backend-66bcfd86f4", "2", "1.8.3", 0), ("backend-7cd74d99d9", "1", "1.8.2", 0)]
        .into_iter()
        .map(|(name, rev, tag, replicas)| {
            json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                "metadata": {"name": name, "namespace": "ms5-production", "creationTimestamp": ago(86400 * rev.parse::<i64>().unwrap()),
                    "annotations": {"deployment.kubernetes.io/revision": rev},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend",
                        "uid": "uid-ms5-production-backend", "controller": true}]},
                "spec": {"replicas": replicas, "selector": {}, "template": {"spec": {"containers": [
                    {"name": "backend", "image": format!("ms5acr.azurecr.io/ms5-backend:{tag}")}]}}},
                "status": {"replicas": replicas, "readyReplicas": replicas}})
        })
        .collect()
}

pub fn statefulsets() -> Vec<Value> {
    vec![json!({"apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "postgres", "namespace": "ms5-production", "generation": 2, "creationTimestamp": ago(20 * 86400)},
        "spec": {"replicas": 1, "serviceName": "postgres", "selector": {}, "template": {"spec": {"containers": [
            postgres_container()]}},
            "updateStrategy": {"type": "RollingUpdate"}},
        "status": {"observedGeneration": 2, "replicas": 1, "readyReplicas": 1, "currentReplicas": 1, "updatedReplicas": 1,
            "currentRevision": "postgres-6f79f", "updateRevision": "postgres-6f79f"}})]
}

fn node(name: &str, pressure: bool, taint: Option<(&str, &str)>) -> Value {
    let cond = |t: &str, s: &str| json!({"type": t, "status": s, "reason": format!("Kubelet{t}"), "message": ""});
    let mut n = json!({"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "creationTimestamp": ago(41 * 86400), "labels": {"agentpool": "app"}},
        "spec": {},
        "status": {"allocatable": {"cpu": "7860m", "memory": "32863440Ki", "pods": "110"}, "conditions": [
            cond("MemoryPressure", if pressure { "True" } else { "False" }),
            cond("DiskPressure", "False"), cond("PIDPressure", "False"), cond("Ready", "True")]}});
    if let Some((k, v)) = taint {
        n["spec"]["taints"] = json!([{"key": k, "value": v, "effect": "NoSchedule"}]);
    }
    n
}

pub fn nodes() -> Vec<Value> {
    vec![
        node("aks-app-27183645-vmss000000", false, None),
        node("aks-app-27183645-vmss000001", false, None),
        node(
            "aks-db-27183645-vmss000000",
            true,
            Some(("workload", "database")),
        ),
    ]
}

#[allow(clippy::too_many_arguments)] // one row of a fixture table, read as such
fn event(
    ns: &str,
    name: &str,
    type_: &str,
    reason: &str,
    object: (&str, &str),
    message: &str,
    seconds_ago: i64,
    count: i32,
) -> Value {
    json!({"apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": ago(seconds_ago)},
        "type": type_, "reason": reason, "message": message, "count": count,
        "lastTimestamp": ago(seconds_ago), "firstTimestamp": ago(seconds_ago + 600),
        "involvedObject": {"kind": object.0, "name": object.1, "namespace": ns}})
}

pub fn events() -> Vec<Value> {
    vec![
        event(
            "ms5-production",
            "e1",
            "Warning",
            "BackOff",
            ("Pod", "celery-worker-557497f8c-4xk2p"),
            "Back-off restarting failed container app in pod celery-worker-557497f8c-4xk2p",
            60,
            12,
        ),
        event(
            "ms5-production",
            "e2",
            "Warning",
            "Unhealthy",
            ("Pod", "backend-5bdc5c656-mntgf"),
            "Readiness probe failed: HTTP probe failed with statuscode: 503",
            20,
            4,
        ),
        event(
            "ms5-production",
            "e3",
            "Normal",
            "ScalingReplicaSet",
            ("Deployment", "celery-worker"),
            "Scaled up replica set celery-worker-557497f8c to 1",
            300,
            1,
        ),
        event(
            "ms5-production",
            "e4",
            "Warning",
            "ProgressDeadlineExceeded",
            ("Deployment", "frontend"),
            "Deployment \"frontend\" has timed out progressing",
            100,
            1,
        ),
    ]
}

fn decode<K: serde::de::DeserializeOwned>(values: Vec<Value>) -> Vec<K> {
    values
        .into_iter()
        .map(|v| serde_json::from_value(v).unwrap())
        .collect()
}

fn reset<K>(ns: Option<&str>, items: Vec<K>) -> Change<K> {
    Change::Reset {
        namespace: ns.map(String::from),
        items,
    }
}

/// `ns`'s pods replaced by `pods`, as a watch's re-list delivers them.
pub fn pods_reset(ns: &str, pods: Vec<Value>) -> DataEvent {
    DataEvent::kube(KubeChange::pods(reset(Some(ns), decode(pods))))
}

/// `ns`'s Deployments replaced by `deployments`, as a watch's re-list delivers them.
pub fn deployments_reset(ns: &str, deployments: Vec<Value>) -> DataEvent {
    DataEvent::kube(KubeChange::Deployments(reset(
        Some(ns),
        decode(deployments),
    )))
}

/// backend 1.9.2 released with Helm 2m34s before the fixture's page (revision 4), and the
/// backend's ConfigMap applied by hand a minute before that: the changes before the page.
pub fn release_before_the_page() -> Vec<DataEvent> {
    let rs = json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": "backend-8f7d6c5b4", "namespace": "ms5-production", "creationTimestamp": ago(334),
            "annotations": {"deployment.kubernetes.io/revision": "4"},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "backend",
                "uid": "uid-ms5-production-backend", "controller": true}]},
        "spec": {"replicas": 3, "selector": {}, "template": {"spec": {"containers": [
            {"name": "backend", "image": "ms5acr.azurecr.io/ms5-backend:1.9.2"}]}}},
        "status": {"replicas": 3, "readyReplicas": 3}});
    let mut backend = deployments()[0].clone();
    backend["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = json!("4");
    backend["metadata"]["managedFields"] = json!([
        {"manager": "helm", "operation": "Update", "apiVersion": "apps/v1", "time": ago(334)},
        {"manager": "kube-controller-manager", "operation": "Update", "apiVersion": "apps/v1",
         "time": ago(5), "subresource": "status"}]);
    backend["spec"]["template"]["spec"]["containers"][0]["envFrom"] =
        json!([{"configMapRef": {"name": "backend-config"}}]);
    let config = ms5_console::model::config_object::ConfigObject {
        kind: "ConfigMap",
        namespace: "ms5-production".into(),
        name: "backend-config".into(),
        created: Some(now() - Duration::days(41)),
        changed: Some((
            now() - Duration::seconds(400),
            "kubectl-client-side-apply".into(),
        )),
    };
    vec![
        DataEvent::kube(KubeChange::Deployments(Change::Applied(
            serde_json::from_value(backend).unwrap(),
        ))),
        DataEvent::kube(KubeChange::ReplicaSets(Change::Applied(
            serde_json::from_value(rs).unwrap(),
        ))),
        DataEvent::kube(KubeChange::Configs(Change::Applied(config))),
    ]
}

/// Every object of the fixture delivered as the watch streams would.
pub fn data_events() -> Vec<DataEvent> {
    let mut out = Vec::new();
    for ns in ["ms5-production", "ms5-staging"] {
        let only = |v: &Vec<Value>| {
            v.iter()
                .filter(|o| o["metadata"]["namespace"] == ns)
                .cloned()
                .collect::<Vec<_>>()
        };
        out.push(DataEvent::kube(KubeChange::pods(reset(
            Some(ns),
            decode(only(&pods())),
        ))));
        out.push(DataEvent::kube(KubeChange::Deployments(reset(
            Some(ns),
            decode(only(&deployments())),
        ))));
        out.push(DataEvent::kube(KubeChange::StatefulSets(reset(
            Some(ns),
            decode(only(&statefulsets())),
        ))));
        out.push(DataEvent::kube(KubeChange::ReplicaSets(reset(
            Some(ns),
            decode(only(&replicasets())),
        ))));
        out.push(DataEvent::kube(KubeChange::Events(reset(
            Some(ns),
            decode(only(&events())),
        ))));
        for kind in [
            "pods",
            "deployments",
            "statefulsets",
            "replicasets",
            "events",
        ] {
            let id = SourceId {
                kind,
                namespace: Some(ns.to_string()),
            };
            out.push(DataEvent::Health(
                id,
                SourceHealth::Live {
                    since: now() - Duration::minutes(12),
                },
            ));
        }
    }
    // The on-call user may not read ms5-system: shown as forbidden, the rest works.
    for kind in [
        "pods",
        "deployments",
        "statefulsets",
        "replicasets",
        "events",
    ] {
        let id = SourceId {
            kind,
            namespace: Some("ms5-system".into()),
        };
        out.push(DataEvent::Health(
            id,
            SourceHealth::Forbidden {
                message: "pods is forbidden: User \"oncall\" cannot list resource \"pods\"".into(),
            },
        ));
    }
    out.push(DataEvent::kube(KubeChange::Nodes(reset(
        None,
        decode(nodes()),
    ))));
    out.push(DataEvent::Health(
        SourceId {
            kind: "nodes",
            namespace: None,
        },
        SourceHealth::Live { since: now() },
    ));
    out.push(metrics_poll());
    out
}

/// One read of the metrics API, 4 s before `now`: the running pods that have been scraped
/// (the one started 30 s ago has not), every node; ms5-system refused, as its watches are.
pub fn metrics_poll() -> DataEvent {
    let mi = 1024.0 * 1024.0;
    let used = |name: &str, cpu: f64, memory_mi: f64| {
        (
            name.to_string(),
            Usage {
                cpu,
                memory: memory_mi * mi,
            },
        )
    };
    DataEvent::Metrics(Box::new(MetricsPoll {
        at: now() - Duration::seconds(4),
        pods: vec![
            (
                "ms5-production".into(),
                Ok(vec![
                    used("backend-5bdc5c656-glpwq", 0.187, 471.0),
                    used("backend-5bdc5c656-jzv8m", 0.142, 287.0),
                    used("backend-5bdc5c656-mntgf", 0.051, 410.0),
                    // The database node's memory is the database's: 27.2Gi of its 29.7Gi.
                    used("postgres-0", 0.92, 27_853.0),
                ]),
            ),
            (
                "ms5-staging".into(),
                Ok(vec![used("backend-56d4b5d9f5-8qwer", 0.012, 120.0)]),
            ),
            (
                "ms5-system".into(),
                Err(ApiError::answer(403, "pods.metrics.k8s.io is forbidden")),
            ),
        ],
        nodes: Ok(vec![
            used("aks-app-27183645-vmss000000", 1.92, 9830.0),
            used("aks-app-27183645-vmss000001", 0.87, 6020.0),
            used("aks-db-27183645-vmss000000", 2.31, 30400.0),
        ]),
    }))
}

/// One Prometheus poll, 4 s before `now`: one SLO paging, one spent slowly, one without
/// traffic, one whose queries Prometheus refused; three lines, one with an unusable factor.
pub fn slo_observation() -> DataEvent {
    slo_observation_with([0.0821, 0.0378, 0.0188, 0.0093, 0.003, 0.001, 0.0005])
}

/// The same observation with the backend's availability error ratios (5m, 30m, 1h, 2h, 6h, 1d,
/// 3d) given.
pub fn slo_observation_with(backend: [f64; 7]) -> DataEvent {
    let values = |v: [f64; 7]| v.map(Reading::Value);
    let reading = |name: &str, sli: Reading, ratios: [Reading; 7]| SloReading {
        name: name.into(),
        window_sli: sli,
        error_ratios: ratios,
    };
    let lines = |pairs: &[(&str, f64)]| -> Result<BTreeMap<String, f64>, String> {
        Ok(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    };
    let refused = || Reading::Failed("bad_data: unknown function \"ratee\"".into());
    DataEvent::Prometheus(Box::new(PromEvent::Observed(Ok(Observation {
        at: now() - Duration::seconds(4),
        slos: vec![
            reading(
                "backend-availability",
                Reading::Value(0.99968),
                values(backend),
            ),
            reading("backend-latency", Reading::Value(0.994), values([0.006; 7])),
            reading(
                "dashboard-freshness",
                Reading::Value(f64::NAN),
                std::array::from_fn(|_| Reading::Empty),
            ),
            reading(
                "oee-freshness",
                refused(),
                std::array::from_fn(|_| refused()),
            ),
        ],
        business: BusinessReading {
            availability: lines(&[("line-1", 0.881), ("line-2", 0.88), ("line-3", 0.93)]),
            performance: lines(&[("line-1", 0.827), ("line-2", 0.927), ("line-3", 0.841)]),
            quality: lines(&[("line-1", 0.953), ("line-2", 0.992), ("line-3", f64::NAN)]),
            downtime_24h: lines(&[("line-1", 9240.0), ("line-2", 9120.0), ("line-3", 7680.0)]),
            units_per_hour: lines(&[("line-1", 1792.0), ("line-2", 1238.0), ("line-3", 1786.0)]),
            websocket_connections: Reading::Value(138.0),
            celery_queue: Reading::Value(5.0),
        },
        raw_burn: Vec::new(),
        requests: 10,
        backups: Vec::new(),
        pending: Ok(Vec::new()),
    }))))
}

pub fn state() -> AppState {
    let mut state = empty_state();
    state.slo.definitions = ms5_console::slo::definition::builtin();
    state.slo.source = "k8s://ms5-system/prometheus-service:9090".into();
    for e in data_events() {
        ms5_console::app::update::apply(&mut state, e);
    }
    ms5_console::app::update::apply(&mut state, slo_observation());
    state.alerts = alert_fixture::alert_state();
    ms5_console::app::update::apply(&mut state, alert_fixture::observation());
    state.validation = validation_fixture::state();
    rows::refresh(&mut state);
    state
}

/// Draws `state` at `width`x`height` with a theme, returning the buffer.
pub fn draw(state: &AppState, width: u16, height: u16, theme: &Theme, ascii: bool) -> Buffer {
    let keymap = Keymap::default_keymap();
    let symbols = if ascii {
        &style::ASCII
    } else {
        &style::UNICODE
    };
    let ui = Ui {
        theme,
        keymap: &keymap,
        symbols,
    };
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| ui::render(f, state, &ui)).unwrap();
    terminal.backend().buffer().clone()
}

/// The buffer's text, one line per row, trailing spaces trimmed.
pub fn text(buffer: &Buffer) -> String {
    let area = buffer.area;
    (0..area.height)
        .map(|y| {
            let line: String = (0..area.width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect();
            line.trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Renders with the default theme at a size and returns the text.
pub fn screen(state: &AppState, width: u16, height: u16) -> String {
    text(&draw(state, width, height, &Theme::default_theme(), false))
}

/// The fixture is a possible cluster (issue 31): every Deployment's and StatefulSet's status
/// is what its pods say; a StatefulSet's pods run its template's container; no pod uses more
/// memory than its limit; a node's use holds its pods' and fits what it can allocate; the
/// eviction names the template's request and a use that fits the node.
#[test]
fn the_fixture_is_a_possible_cluster() {
    use ms5_console::model::quantity::parse;
    let pods = pods();
    let mi = 1024.0 * 1024.0;
    for d in deployments() {
        let owned = owned_by_deployment(&d, &pods);
        let name = &d["metadata"]["name"];
        assert_eq!(
            d["status"]["readyReplicas"],
            json!(owned.iter().filter(|p| pod_ready(p)).count()),
            "{name}"
        );
        assert_eq!(
            d["status"]["replicas"],
            json!(owned.iter().filter(|p| pod_live(p)).count()),
            "{name}"
        );
        assert!(d["status"]["updatedReplicas"].as_u64() <= d["status"]["replicas"].as_u64());
    }
    for sts in statefulsets() {
        let name = sts["metadata"]["name"].as_str().unwrap_or_default();
        let template = &sts["spec"]["template"]["spec"]["containers"][0];
        let members: Vec<&Value> = pods
            .iter()
            .filter(|p| p["metadata"]["ownerReferences"][0]["name"] == name)
            .collect();
        assert_eq!(
            sts["status"]["readyReplicas"],
            json!(members.iter().filter(|p| pod_ready(p)).count())
        );
        for p in members {
            assert_eq!(
                &p["spec"]["containers"][0], template,
                "{name}'s pods run its template"
            );
        }
        let request = template["resources"]["requests"]["memory"]
            .as_str()
            .unwrap_or("?");
        assert!(EVICTION_MESSAGE.contains(&format!("request is {request},")));
    }
    let DataEvent::Metrics(poll) = metrics_poll() else {
        unreachable!("a metrics poll")
    };
    let usage: Vec<(String, f64)> = poll
        .pods
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .map(|(name, u)| (name.clone(), u.memory))
        .collect();
    for (name, used) in &usage {
        let pod = pods
            .iter()
            .find(|p| p["metadata"]["name"] == name.as_str())
            .unwrap_or_else(|| panic!("usage of {name}, which is not a pod"));
        if let Some(limit) = pod["spec"]["containers"][0]["resources"]["limits"]["memory"]
            .as_str()
            .and_then(parse)
        {
            assert!(*used <= limit, "{name} uses {used} of a {limit} limit");
        }
    }
    let allocatable = nodes()[0]["status"]["allocatable"]["memory"]
        .as_str()
        .and_then(parse)
        .expect("allocatable");
    for (node, used) in poll.nodes.as_ref().expect("node metrics") {
        let on_it: f64 = usage
            .iter()
            .filter(|(name, _)| {
                pods.iter().any(|p| {
                    p["metadata"]["name"] == name.as_str() && p["spec"]["nodeName"] == node.as_str()
                })
            })
            .map(|(_, u)| u)
            .sum();
        assert!(
            used.memory >= on_it && used.memory <= allocatable,
            "{node}: {} Mi used, its pods {} Mi, {} Mi allocatable",
            used.memory / mi,
            on_it / mi,
            allocatable / mi
        );
    }
    let evicted_use = EVICTION_MESSAGE
        .split("was using ")
        .nth(1)
        .and_then(|r| r.split(',').next())
        .and_then(parse)
        .expect("the eviction's use");
    assert!(evicted_use <= allocatable);
}
