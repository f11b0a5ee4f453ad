//! Builders for the objects of the starting world, written the way a real server stores them:
//! identity, owner references, template hashes, revision annotations, full status.

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

use crate::sim::naming::{Names, template_hash};

pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A StatefulSet ControllerRevision's `data`, as the controller writes it: a strategic merge
/// patch that restores the template whole (`$patch: replace`), which is what
/// `kubectl rollout undo` sends back.
pub fn revision_data(template: &Value) -> Value {
    let mut template = template.clone();
    if let Some(map) = template.as_object_mut() {
        map.insert("$patch".into(), json!("replace"));
    }
    json!({"spec": {"template": template}})
}

/// How a container is probed.
#[derive(Clone, Copy)]
pub enum Probe {
    Http {
        port: i32,
        live: &'static str,
        ready: &'static str,
    },
    Tcp {
        port: i32,
    },
    Exec {
        command: &'static str,
    },
}

/// One MS5 component: a Deployment or StatefulSet and what its pods run.
#[derive(Clone)]
pub struct Component {
    pub namespace: &'static str,
    pub name: String,
    pub role: &'static str,
    pub replicas: i64,
    pub image: String,
    pub port: Option<i32>,
    pub probe: Probe,
    pub startup_probe: bool,
    pub requests: (&'static str, &'static str),
    pub limits: (&'static str, &'static str),
    pub pool: &'static str,
    pub args: Vec<&'static str>,
}

impl Component {
    pub fn new(
        namespace: &'static str,
        name: &str,
        role: &'static str,
        replicas: i64,
        image: &str,
    ) -> Self {
        Component {
            namespace,
            name: name.to_string(),
            role,
            replicas,
            image: image.to_string(),
            port: None,
            probe: Probe::Exec { command: "true" },
            startup_probe: false,
            requests: ("100m", "128Mi"),
            limits: ("500m", "512Mi"),
            pool: "app",
            args: Vec::new(),
        }
    }

    pub fn labels(&self) -> Value {
        json!({
            "app": self.name,
            "app.kubernetes.io/name": self.name,
            "app.kubernetes.io/component": self.role,
            "app.kubernetes.io/part-of": "ms5",
        })
    }

    fn probe_json(&self, path_kind: bool, period: i64, failures: i64) -> Value {
        let mut probe = match self.probe {
            Probe::Http { port, live, ready } => {
                json!({"httpGet": {"path": if path_kind { live } else { ready }, "port": port, "scheme": "HTTP"}})
            }
            Probe::Tcp { port } => json!({"tcpSocket": {"port": port}}),
            Probe::Exec { command } => json!({"exec": {"command": ["sh", "-c", command]}}),
        };
        probe["periodSeconds"] = json!(period);
        probe["timeoutSeconds"] = json!(3);
        probe["successThreshold"] = json!(1);
        probe["failureThreshold"] = json!(failures);
        probe
    }

    pub fn container(&self, image: &str) -> Value {
        let mut c = json!({
            "name": self.name,
            "image": image,
            "imagePullPolicy": "IfNotPresent",
            "resources": {
                "requests": {"cpu": self.requests.0, "memory": self.requests.1},
                "limits": {"cpu": self.limits.0, "memory": self.limits.1},
            },
            "livenessProbe": self.probe_json(true, 10, 3),
            "readinessProbe": self.probe_json(false, 5, 3),
            "terminationMessagePath": "/dev/termination-log",
            "terminationMessagePolicy": "File",
            "securityContext": {"allowPrivilegeEscalation": false, "runAsNonRoot": true, "capabilities": {"drop": ["ALL"]}},
            "env": [
                {"name": "MS5_ENVIRONMENT", "value": self.namespace.trim_start_matches("ms5-")},
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            ],
        });
        if self.startup_probe {
            c["startupProbe"] = self.probe_json(true, 5, 30);
        }
        // The application's processes read their settings from its ConfigMap and the
        // database's credentials from its Secret: a change to either is a change to them.
        if matches!(
            self.name.as_str(),
            "backend" | "celery-worker" | "celery-beat"
        ) {
            c["envFrom"] = json!([{"configMapRef": {"name": "backend-config"}}]);
            if let Some(env) = c["env"].as_array_mut() {
                env.push(json!({"name": "DATABASE_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "postgres-credentials", "key": "POSTGRES_PASSWORD"}}}));
            }
        }
        if let Some(port) = self.port {
            c["ports"] = json!([{"name": "http", "containerPort": port, "protocol": "TCP"}]);
        }
        if !self.args.is_empty() {
            c["args"] = json!(self.args);
        }
        c
    }

    pub fn pod_template(&self, image: &str) -> Value {
        let mut spec = json!({
            "containers": [self.container(image)],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler",
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "nodeSelector": {"agentpool": self.pool},
        });
        if self.pool == "db" {
            spec["tolerations"] = json!([{"key": "workload", "operator": "Equal", "value": "database", "effect": "NoSchedule"}]);
        }
        crate::sim::api::defaults::pod_spec(&mut spec);
        json!({"metadata": {"labels": self.labels()}, "spec": spec})
    }
}

pub fn owner(api_version: &str, kind: &str, object: &Value) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "name": object["metadata"]["name"],
        "uid": object["metadata"]["uid"],
        "controller": true,
        "blockOwnerDeletion": true,
    })
}

pub fn condition(
    kind: &str,
    status: bool,
    at: DateTime<Utc>,
    reason: Option<&str>,
    message: Option<&str>,
) -> Value {
    let mut c = json!({"type": kind, "status": if status { "True" } else { "False" }, "lastTransitionTime": ts(at)});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    c
}

/// A node and where pods go on it.
pub struct Node {
    pub name: String,
    pub pool: &'static str,
    pub ip: String,
    pub pod_cidr_index: u32,
}

/// Where and when a pod of the starting world runs, and what owns it.
pub struct Placement<'a> {
    pub name: String,
    pub namespace: &'a str,
    pub node: &'a Node,
    pub ip: String,
    pub started: DateTime<Utc>,
    pub extra_labels: Value,
    pub owner: Value,
}

/// A Running, Ready pod of `template`, placed as `at` says.
pub fn running_pod(names: &mut Names, template: &Value, at: Placement) -> Value {
    let Placement {
        name,
        namespace,
        node,
        ip: pod_ip,
        started,
        extra_labels,
        owner: owner_ref,
    } = at;
    let mut labels = template["metadata"]["labels"].clone();
    if let (Some(l), Some(extra)) = (labels.as_object_mut(), extra_labels.as_object()) {
        l.extend(extra.clone());
    }
    let mut spec = template["spec"].clone();
    spec["nodeName"] = json!(node.name);
    spec["serviceAccountName"] = json!("default");
    spec["enableServiceLinks"] = json!(true);
    spec["priority"] = json!(0);
    spec["preemptionPolicy"] = json!("PreemptLowerPriority");
    let mut tolerations = spec["tolerations"].as_array().cloned().unwrap_or_default();
    for taint in [
        "node.kubernetes.io/not-ready",
        "node.kubernetes.io/unreachable",
    ] {
        tolerations.push(json!({"key": taint, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}));
    }
    spec["tolerations"] = json!(tolerations);
    let ready_at = started + Duration::seconds(8);
    let statuses: Vec<Value> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            json!({
                "name": c["name"],
                "image": c["image"],
                "imageID": format!("{}@sha256:{}", c["image"].as_str().unwrap_or_default().split(':').next().unwrap_or_default(), names.hex(64)),
                "containerID": format!("containerd://{}", names.hex(64)),
                "ready": true,
                "started": true,
                "restartCount": 0,
                "state": {"running": {"startedAt": ts(started + Duration::seconds(3))}},
                "lastState": {},
            })
        })
        .collect();
    let qos = crate::sim::api::admission::qos_class(&spec);
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": names.uid(),
            "creationTimestamp": ts(started - Duration::seconds(2)),
            "labels": labels,
            "ownerReferences": [owner_ref],
        },
        "spec": spec,
        "status": {
            "phase": "Running",
            "conditions": [
                condition("PodReadyToStartContainers", true, started, None, None),
                condition("Initialized", true, started, None, None),
                condition("Ready", true, ready_at, None, None),
                condition("ContainersReady", true, ready_at, None, None),
                condition("PodScheduled", true, started - Duration::seconds(1), None, None),
            ],
            "hostIP": node.ip,
            "hostIPs": [{"ip": node.ip}],
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": ts(started),
            "qosClass": qos,
            "containerStatuses": statuses,
        }
    })
}

/// A Deployment revision: its ReplicaSet, scaled to `replicas`.
pub fn replica_set(
    names: &mut Names,
    deployment: &Value,
    component: &Component,
    image: &str,
    revision: i64,
    replicas: i64,
    created: DateTime<Utc>,
) -> Value {
    let template = component.pod_template(image);
    let hash = template_hash(&template);
    let mut template = template;
    template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
    let mut selector = json!({"app": component.name});
    selector["pod-template-hash"] = json!(hash);
    let mut labels = component.labels();
    labels["pod-template-hash"] = json!(hash);
    json!({
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": format!("{}-{hash}", component.name),
            "namespace": component.namespace,
            "uid": names.uid(),
            "creationTimestamp": ts(created),
            "generation": 1 + i64::from(replicas == 0),
            "labels": labels,
            "annotations": {
                "deployment.kubernetes.io/desired-replicas": component.replicas.to_string(),
                "deployment.kubernetes.io/max-replicas": (component.replicas + (component.replicas + 3) / 4).to_string(),
                "deployment.kubernetes.io/revision": revision.to_string(),
            },
            "ownerReferences": [owner("apps/v1", "Deployment", deployment)],
        },
        "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "template": template},
        "status": {
            "replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas,
            "availableReplicas": replicas, "observedGeneration": 1 + i64::from(replicas == 0),
        },
    })
}

pub fn deployment(
    names: &mut Names,
    component: &Component,
    created: DateTime<Utc>,
    revision: i64,
    updated: DateTime<Utc>,
) -> Value {
    let generation = revision;
    let r = component.replicas;
    // The rollout completed when its last pod became available: its pods start within 45 s
    // of the ReplicaSet (`World::deployment`), so a minute after it, not at the same instant.
    let completed = updated + Duration::seconds(60);
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": component.name,
            "namespace": component.namespace,
            "uid": names.uid(),
            "creationTimestamp": ts(created),
            "generation": generation,
            "labels": component.labels(),
            "annotations": {"deployment.kubernetes.io/revision": revision.to_string()},
        },
        "spec": {
            "replicas": r,
            "selector": {"matchLabels": {"app": component.name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600,
            "template": component.pod_template(&component.image),
        },
        "status": {
            "observedGeneration": generation,
            "replicas": r, "updatedReplicas": r, "readyReplicas": r, "availableReplicas": r,
            "conditions": [
                {"type": "Available", "status": "True", "lastUpdateTime": ts(updated), "lastTransitionTime": ts(updated),
                 "reason": "MinimumReplicasAvailable", "message": "Deployment has minimum availability."},
                {"type": "Progressing", "status": "True", "lastUpdateTime": ts(completed), "lastTransitionTime": ts(created),
                 "reason": "NewReplicaSetAvailable", "message": "ReplicaSet has successfully progressed."},
            ],
        },
    })
}

pub fn statefulset(
    names: &mut Names,
    component: &Component,
    created: DateTime<Utc>,
    revision_hash: &str,
    storage: &str,
) -> Value {
    let r = component.replicas;
    let revision = format!("{}-{revision_hash}", component.name);
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {
            "name": component.name, "namespace": component.namespace, "uid": names.uid(),
            "creationTimestamp": ts(created), "generation": 1, "labels": component.labels(),
        },
        "spec": {
            "replicas": r,
            "serviceName": component.name,
            "podManagementPolicy": "OrderedReady",
            "selector": {"matchLabels": {"app": component.name}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "revisionHistoryLimit": 10,
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": component.pod_template(&component.image),
            "volumeClaimTemplates": [{
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data"},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "managed-csi-premium",
                         "resources": {"requests": {"storage": storage}}, "volumeMode": "Filesystem"},
            }],
        },
        "status": {
            "observedGeneration": 1, "replicas": r, "readyReplicas": r, "currentReplicas": r, "updatedReplicas": r,
            "availableReplicas": r, "currentRevision": revision, "updateRevision": revision, "collisionCount": 0,
        },
    })
}

/// A Service of the starting world: `ports` are (port, targetPort); `app` is the selector.
pub struct ServiceSpec {
    pub namespace: &'static str,
    pub name: &'static str,
    pub app: &'static str,
    pub ports: &'static [(i32, i32)],
    pub cluster_ip: &'static str,
    pub load_balancer: Option<&'static str>,
}

pub fn service(spec: &ServiceSpec, created: DateTime<Utc>, uid: String) -> Value {
    let ServiceSpec {
        namespace,
        name,
        app,
        ports,
        cluster_ip,
        load_balancer,
    } = *spec;
    let ports: Vec<Value> = ports
        .iter()
        .enumerate()
        .map(|(i, (port, target))| {
            let mut p = json!({"name": format!("port-{port}"), "port": port, "targetPort": target, "protocol": "TCP"});
            if load_balancer.is_some() {
                p["nodePort"] = json!(30000 + (port + i as i32 * 7) % 2768);
            }
            p
        })
        .collect();
    let mut svc = json!({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "uid": uid, "creationTimestamp": ts(created),
                     "labels": {"app": app, "app.kubernetes.io/part-of": "ms5"}},
        "spec": {
            "type": if load_balancer.is_some() { "LoadBalancer" } else { "ClusterIP" },
            "clusterIP": cluster_ip, "clusterIPs": [cluster_ip],
            "ports": ports, "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
            "internalTrafficPolicy": "Cluster",
        },
        "status": {"loadBalancer": {}},
    });
    if !app.is_empty() {
        svc["spec"]["selector"] = json!({"app": app});
    }
    if let Some(ip) = load_balancer {
        svc["spec"]["externalTrafficPolicy"] = json!("Cluster");
        svc["spec"]["allocateLoadBalancerNodePorts"] = json!(true);
        svc["status"]["loadBalancer"] = json!({"ingress": [{"ip": ip, "ipMode": "VIP"}]});
    }
    if cluster_ip == "None" {
        svc["spec"]["clusterIPs"] = json!(["None"]);
    }
    svc
}
