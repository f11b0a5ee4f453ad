//! The starting MS5 world: AKS-like nodes, the three `ms5-*` namespaces with the backend,
//! frontend, Celery, Flower, PostgreSQL, Redis and MinIO, the monitoring stack in `ms5-system`,
//! backup, restore-drill and validation CronJobs with their recent Jobs, and `--pods N` more
//! pods for scale. Deterministic for a seed, except that times are relative to now.

pub mod certificates;
pub mod objects;
mod platform;
pub mod schedules;
pub use platform::DASHBOARD_HOST;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::{Value, json};

use self::objects::{
    Component, Node, Placement, Probe, deployment, owner, replica_set, running_pod, statefulset, ts,
};
use super::naming::Names;
use super::resources::{self, ResourceType};

pub use self::objects::Component as WorldComponent;

/// What the world is made of, from the command line.
#[derive(Debug, Clone, Copy)]
pub struct WorldOptions {
    pub seed: u64,
    pub extra_pods: usize,
}

/// Objects in the order they are loaded, each with its resource type.
pub struct World {
    pub objects: Vec<(&'static ResourceType, Value)>,
}

pub(crate) struct Builder {
    pub names: Names,
    pub now: DateTime<Utc>,
    pub objects: Vec<(&'static ResourceType, Value)>,
    pub nodes: Vec<Node>,
    next_node: usize,
    next_ip: u32,
}

fn resource_of(object: &Value) -> &'static ResourceType {
    let api_version = object["apiVersion"].as_str().unwrap_or_default();
    let kind = object["kind"].as_str().unwrap_or_default();
    resources::by_kind(api_version, kind)
        .unwrap_or_else(|| unreachable!("world objects are all served kinds: {kind}"))
}

impl Builder {
    pub fn push(&mut self, object: Value) {
        let resource = resource_of(&object);
        self.objects.push((resource, object));
    }

    pub fn ago(&self, seconds: i64) -> DateTime<Utc> {
        self.now - Duration::seconds(seconds)
    }

    fn node_for(&mut self, pool: &str) -> usize {
        let candidates: Vec<usize> = (0..self.nodes.len())
            .filter(|i| self.nodes[*i].pool == pool)
            .collect();
        let index = candidates[self.next_node % candidates.len()];
        self.next_node += 1;
        index
    }

    fn pod_ip(&mut self, node: usize) -> String {
        self.next_ip += 1;
        let n = self.next_ip;
        format!(
            "10.244.{}.{}",
            self.nodes[node].pod_cidr_index * 4 + (n / 250) % 4,
            2 + n % 250
        )
    }

    /// A Deployment with its ReplicaSet history (`images` oldest first; the last is current,
    /// rolled out at `released`, else since the Deployment was created) and running pods of the
    /// current revision.
    pub fn deployment(
        &mut self,
        component: &Component,
        images: &[&str],
        age_days: i64,
        released: Option<DateTime<Utc>>,
    ) -> Value {
        let created = self.ago(age_days * 86400 + 3600);
        let revision = images.len() as i64;
        let updated = released.unwrap_or(created);
        let mut current = component.clone();
        current.image = images
            .last()
            .map(|s| s.to_string())
            .unwrap_or_else(|| component.image.clone());
        let d = deployment(&mut self.names, &current, created, revision, updated);
        self.push(d.clone());
        let mut live_rs = Value::Null;
        for (i, image) in images.iter().enumerate() {
            let is_current = i + 1 == images.len();
            // Earlier versions rolled out a week apart after the first.
            let rs_created = if is_current {
                updated
            } else {
                created + Duration::days(7 * i as i64)
            };
            let replicas = if is_current { component.replicas } else { 0 };
            let rs = replica_set(
                &mut self.names,
                &d,
                &current,
                image,
                i as i64 + 1,
                replicas,
                rs_created,
            );
            self.push(rs.clone());
            if is_current {
                live_rs = rs;
            }
        }
        let template = live_rs["spec"]["template"].clone();
        let rs_name = live_rs["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for _ in 0..component.replicas {
            let node = self.node_for(component.pool);
            let ip = self.pod_ip(node);
            let name = format!("{rs_name}-{}", self.names.suffix(5));
            let started = updated + Duration::seconds(5 + self.names.below(40) as i64);
            let pod = running_pod(
                &mut self.names,
                &template,
                Placement {
                    name,
                    namespace: component.namespace,
                    node: &self.nodes[node],
                    ip,
                    started,
                    extra_labels: json!({}),
                    owner: owner("apps/v1", "ReplicaSet", &live_rs),
                },
            );
            self.push(pod);
        }
        d
    }

    /// A StatefulSet with its ControllerRevision, PVCs and ordinal pods.
    pub fn statefulset(&mut self, component: &Component, storage: &str, age_days: i64) -> Value {
        let created = self.ago(age_days * 86400 + 7200);
        let template = component.pod_template(&component.image);
        let hash = super::naming::template_hash(&template);
        let sts = statefulset(&mut self.names, component, created, &hash, storage);
        self.push(sts.clone());
        let revision_name = format!("{}-{hash}", component.name);
        let uid = self.names.uid();
        self.push(json!({
            "apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": revision_name, "namespace": component.namespace, "uid": uid,
                         "creationTimestamp": ts(created), "labels": {"app": component.name, "controller.kubernetes.io/hash": hash},
                         "ownerReferences": [owner("apps/v1", "StatefulSet", &sts)]},
            "data": objects::revision_data(&template),
            "revision": 1,
        }));
        for ordinal in 0..component.replicas {
            let pod_name = format!("{}-{ordinal}", component.name);
            let claim = format!("data-{pod_name}");
            let (claim_uid, volume_uid) = (self.names.uid(), self.names.uid());
            self.push(json!({
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": claim, "namespace": component.namespace, "uid": claim_uid,
                             "creationTimestamp": ts(created), "labels": {"app": component.name},
                             "finalizers": ["kubernetes.io/pvc-protection"]},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "managed-csi-premium",
                         "resources": {"requests": {"storage": storage}}, "volumeMode": "Filesystem",
                         "volumeName": format!("pvc-{volume_uid}")},
                "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": storage}},
            }));
            let mut pod_template = template.clone();
            pod_template["spec"]["hostname"] = json!(pod_name);
            pod_template["spec"]["subdomain"] = json!(component.name);
            pod_template["spec"]["volumes"] =
                json!([{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]);
            pod_template["spec"]["containers"][0]["volumeMounts"] =
                json!([{"name": "data", "mountPath": "/data"}]);
            let node = self.node_for(component.pool);
            let ip = self.pod_ip(node);
            let started = self.ago(86400 * (age_days / 2).max(1) + 600 * ordinal);
            let labels = json!({
                "controller-revision-hash": revision_name,
                "statefulset.kubernetes.io/pod-name": pod_name,
                "apps.kubernetes.io/pod-index": ordinal.to_string(),
            });
            let pod = running_pod(
                &mut self.names,
                &pod_template,
                Placement {
                    name: pod_name,
                    namespace: component.namespace,
                    node: &self.nodes[node],
                    ip,
                    started,
                    extra_labels: labels,
                    owner: owner("apps/v1", "StatefulSet", &sts),
                },
            );
            self.push(pod);
        }
        sts
    }
}

/// The versions a namespace's application ran, oldest first; the last is `current`.
fn release_history(namespace: &str, current: &str) -> Vec<String> {
    let earlier: &[&str] = if namespace == "ms5-production" {
        &["1.8.2", "1.8.3"]
    } else {
        &["1.9.0"]
    };
    earlier
        .iter()
        .map(|v| v.to_string())
        .chain([current.to_string()])
        .collect()
}

/// When a namespace's current version was released: production's five hours ago, staging's
/// (a release candidate) three.
pub(super) fn release_time(b: &Builder, namespace: &str) -> DateTime<Utc> {
    let hours = if namespace == "ms5-production" { 5 } else { 3 };
    b.ago(hours * 3600)
}

fn http(port: i32) -> Probe {
    Probe::Http {
        port,
        live: "/health/live",
        ready: "/health/ready",
    }
}

/// The MS5 application components of one environment namespace.
fn application(b: &mut Builder, namespace: &'static str, scale: i64, version: &str) {
    let registry = "ms5acr.azurecr.io";
    let mut backend = Component::new(
        namespace,
        "backend",
        "api",
        3 * scale,
        &format!("{registry}/ms5-backend:{version}"),
    );
    backend.port = Some(8000);
    backend.probe = http(8000);
    backend.startup_probe = true;
    backend.requests = ("500m", "512Mi");
    backend.limits = ("2", "2Gi");
    // One release history for the namespace's application: every version rolled out all its
    // components, the migration Job just before (see `platform::migration_job`).
    let versions = release_history(namespace, version);
    let released = release_time(b, namespace);
    let history = |image: &str| -> Vec<String> {
        versions
            .iter()
            .map(|v| format!("{registry}/{image}:{v}"))
            .collect()
    };
    let backend_history = history("ms5-backend");
    let backend_history: Vec<&str> = backend_history.iter().map(String::as_str).collect();
    b.deployment(&backend, &backend_history, 41, Some(released));

    let mut frontend = Component::new(
        namespace,
        "frontend",
        "web",
        2 * scale,
        &format!("{registry}/ms5-frontend:{version}"),
    );
    frontend.port = Some(8080);
    frontend.probe = Probe::Http {
        port: 8080,
        live: "/healthz",
        ready: "/healthz",
    };
    let frontend_history = history("ms5-frontend");
    let frontend_history: Vec<&str> = frontend_history.iter().map(String::as_str).collect();
    let rolled = |minutes: i64| Some(released + Duration::minutes(minutes));
    b.deployment(&frontend, &frontend_history, 41, rolled(1));

    let mut worker = Component::new(
        namespace,
        "celery-worker",
        "worker",
        3 * scale,
        &format!("{registry}/ms5-backend:{version}"),
    );
    worker.probe = Probe::Exec {
        command: "celery -A app.celery inspect ping -d celery@$HOSTNAME",
    };
    worker.args = vec![
        "celery",
        "-A",
        "app.celery",
        "worker",
        "--loglevel=info",
        "--concurrency=4",
    ];
    worker.requests = ("250m", "512Mi");
    worker.limits = ("1", "1Gi");
    b.deployment(&worker, &backend_history, 41, rolled(2));

    let mut beat = Component::new(
        namespace,
        "celery-beat",
        "scheduler",
        1,
        &format!("{registry}/ms5-backend:{version}"),
    );
    beat.probe = Probe::Exec {
        command: "test -f /tmp/celerybeat.pid",
    };
    beat.args = vec!["celery", "-A", "app.celery", "beat", "--loglevel=info"];
    b.deployment(&beat, &backend_history, 41, rolled(3));

    if namespace == "ms5-production" {
        let mut flower = Component::new(namespace, "flower", "monitoring", 1, "mher/flower:2.0.1");
        flower.port = Some(5555);
        flower.probe = Probe::Http {
            port: 5555,
            live: "/healthcheck",
            ready: "/healthcheck",
        };
        b.deployment(&flower, &["mher/flower:2.0.1"], 41, None);
    }

    let mut postgres = Component::new(namespace, "postgres", "database", 1, "postgres:15.6");
    postgres.port = Some(5432);
    postgres.probe = Probe::Exec {
        command: "pg_isready -U ms5 -d ms5",
    };
    postgres.startup_probe = true;
    // Production's database has the database node (64 GiB) to itself; staging's shares an
    // application node.
    let production = namespace == "ms5-production";
    (postgres.requests, postgres.limits) = if production {
        (("2", "16Gi"), ("4", "60Gi"))
    } else {
        (("1", "2Gi"), ("2", "4Gi"))
    };
    postgres.pool = if production { "db" } else { "app" };
    b.statefulset(&postgres, if scale > 1 { "256Gi" } else { "32Gi" }, 41);

    let mut redis = Component::new(namespace, "redis", "cache", 1, "redis:7.2.5-alpine");
    redis.port = Some(6379);
    redis.probe = Probe::Exec {
        command: "redis-cli ping",
    };
    b.statefulset(&redis, "8Gi", 41);

    if namespace == "ms5-production" {
        let mut minio = Component::new(
            namespace,
            "minio",
            "storage",
            1,
            "minio/minio:RELEASE.2024-06-13T22-53-53Z",
        );
        minio.port = Some(9000);
        minio.probe = Probe::Http {
            port: 9000,
            live: "/minio/health/live",
            ready: "/minio/health/ready",
        };
        minio.requests = ("250m", "1Gi");
        minio.limits = ("1", "2Gi");
        b.statefulset(&minio, "512Gi", 41);
    }
}

fn monitoring(b: &mut Builder) {
    let ns = "ms5-system";
    let mut prometheus =
        Component::new(ns, "prometheus", "monitoring", 1, "prom/prometheus:v2.53.1");
    prometheus.port = Some(9090);
    prometheus.probe = Probe::Http {
        port: 9090,
        live: "/-/healthy",
        ready: "/-/ready",
    };
    prometheus.startup_probe = true;
    prometheus.requests = ("500m", "2Gi");
    prometheus.limits = ("2", "4Gi");
    prometheus.pool = "system";
    b.statefulset(&prometheus, "200Gi", 41);

    let mut grafana = Component::new(ns, "grafana", "monitoring", 1, "grafana/grafana:11.1.0");
    grafana.port = Some(3000);
    grafana.probe = Probe::Http {
        port: 3000,
        live: "/api/health",
        ready: "/api/health",
    };
    grafana.pool = "system";
    b.deployment(&grafana, &["grafana/grafana:11.1.0"], 41, None);

    let mut alertmanager = Component::new(
        ns,
        "alertmanager",
        "monitoring",
        1,
        "prom/alertmanager:v0.27.0",
    );
    alertmanager.port = Some(9093);
    alertmanager.probe = Probe::Http {
        port: 9093,
        live: "/-/healthy",
        ready: "/-/ready",
    };
    alertmanager.pool = "system";
    b.deployment(&alertmanager, &["prom/alertmanager:v0.27.0"], 41, None);
}

/// Prometheus's node exporter: one pod on every node, the database node included (it tolerates
/// every taint), in `ms5-system`.
fn node_exporter(b: &mut Builder) {
    let mut exporter = Component::new(
        "ms5-system",
        "node-exporter",
        "monitoring",
        b.nodes.len() as i64,
        "quay.io/prometheus/node-exporter:v1.8.2",
    );
    exporter.port = Some(9100);
    exporter.probe = Probe::Http {
        port: 9100,
        live: "/",
        ready: "/",
    };
    exporter.requests = ("50m", "64Mi");
    exporter.limits = ("250m", "180Mi");
    platform::daemonset(b, &exporter, 41 * 86400);
}

/// `--pods N` more pods: line agents (one per simulated machine on the floor), spread over
/// Deployments of at most 100 replicas in the three ms5 namespaces.
fn line_agents(b: &mut Builder, count: usize) {
    let namespaces = ["ms5-production", "ms5-staging", "ms5-system"];
    let mut left = count as i64;
    let mut index = 0;
    while left > 0 {
        let replicas = left.min(100);
        let ns = namespaces[index % namespaces.len()];
        let mut agent = Component::new(
            ns,
            &format!("line-agent-{:03}", index + 1),
            "line-agent",
            replicas,
            "ms5acr.azurecr.io/ms5-line-agent:1.4.0",
        );
        agent.port = Some(9100);
        agent.probe = Probe::Http {
            port: 9100,
            live: "/healthz",
            ready: "/readyz",
        };
        agent.requests = ("10m", "32Mi");
        agent.limits = ("100m", "64Mi");
        let image = agent.image.clone();
        b.deployment(&agent, &[&image], 7, None);
        left -= replicas;
        index += 1;
    }
}

pub fn build(options: WorldOptions) -> World {
    let now = Utc::now()
        .duration_trunc(Duration::seconds(1))
        .unwrap_or_else(|_| Utc::now());
    build_at(options, now)
}

/// The world as it is at `now` (whole seconds: the API's times have no fraction).
pub fn build_at(options: WorldOptions, now: DateTime<Utc>) -> World {
    let mut b = Builder {
        names: Names::new(options.seed),
        now,
        objects: Vec::new(),
        nodes: Vec::new(),
        next_node: 0,
        next_ip: 0,
    };
    platform::cluster(&mut b);
    application(&mut b, "ms5-production", 1, "1.9.0");
    application(&mut b, "ms5-staging", 1, "1.9.1-rc.2");
    monitoring(&mut b);
    platform::services(&mut b);
    platform::autoscalers(&mut b);
    platform::cronjobs(&mut b);
    platform::config(&mut b);
    line_agents(&mut b, options.extra_pods);
    platform::endpoints(&mut b);
    // Last, so the names drawn before them stay as they were.
    node_exporter(&mut b);
    platform::migration_job(&mut b, "ms5-production", "1.9.0");
    platform::migration_job(&mut b, "ms5-staging", "1.9.1-rc.2");
    released_by_helm(&mut b.objects);
    World { objects: b.objects }
}

/// The application and its config are installed and upgraded with Helm: each workload's and
/// config object's managed fields name `helm` at its last change (a Deployment's newest
/// ReplicaSet: its last rollout), as the API server would have recorded it.
fn released_by_helm(objects: &mut [(&'static ResourceType, Value)]) {
    let helm = crate::sim::api::admission::Writer::new("helm", "Update");
    let mut rolled: std::collections::HashMap<(String, String), String> = Default::default();
    for (resource, rs) in objects.iter() {
        if resource.kind != "ReplicaSet" {
            continue;
        }
        let Some(owner) = rs["metadata"]["ownerReferences"][0]["name"].as_str() else {
            continue;
        };
        let ns = rs["metadata"]["namespace"].as_str().unwrap_or_default();
        let created = rs["metadata"]["creationTimestamp"]
            .as_str()
            .unwrap_or_default();
        let newest = rolled.entry((ns.into(), owner.into())).or_default();
        if created > newest.as_str() {
            *newest = created.to_string();
        }
    }
    for (resource, object) in objects.iter_mut() {
        if !matches!(
            resource.kind,
            "Deployment" | "StatefulSet" | "DaemonSet" | "ConfigMap" | "Secret"
        ) || object["metadata"].get("managedFields").is_some()
        {
            continue;
        }
        let meta = &object["metadata"];
        let key = (
            meta["namespace"].as_str().unwrap_or_default().to_string(),
            meta["name"].as_str().unwrap_or_default().to_string(),
        );
        let time = match rolled.get(&key) {
            Some(t) if resource.kind == "Deployment" => t.clone(),
            _ => meta["creationTimestamp"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        };
        let api_version = object["apiVersion"].as_str().unwrap_or("v1").to_string();
        object["metadata"]["managedFields"] =
            serde_json::json!([crate::sim::api::admission::managed_entry(
                &helm,
                &time,
                &api_version
            )]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::api::admission;
    use crate::sim::api::request::FieldValidation;

    #[test]
    fn every_object_is_a_valid_typed_object_with_no_unknown_fields() {
        let world = build(WorldOptions {
            seed: 1,
            extra_pods: 5,
        });
        for (resource, object) in &world.objects {
            let (_, warnings) =
                admission::canonicalize(resource, object.clone(), FieldValidation::Strict)
                    .unwrap_or_else(|e| {
                        panic!(
                            "{} {}: {}",
                            resource.kind, object["metadata"]["name"], e.message
                        )
                    });
            assert!(warnings.is_empty());
            admission::validate(resource, object).unwrap_or_else(|e| panic!("{}", e.message));
        }
    }

    #[test]
    fn the_ms5_inventory_is_there() {
        let world = build(WorldOptions {
            seed: 1,
            extra_pods: 0,
        });
        let has = |kind: &str, ns: &str, name: &str| {
            world.objects.iter().any(|(r, o)| {
                r.kind == kind
                    && o["metadata"]["namespace"].as_str().unwrap_or("") == ns
                    && o["metadata"]["name"] == name
            })
        };
        for name in [
            "backend",
            "frontend",
            "celery-worker",
            "celery-beat",
            "flower",
        ] {
            assert!(has("Deployment", "ms5-production", name), "{name}");
        }
        for name in ["postgres", "redis", "minio"] {
            assert!(has("StatefulSet", "ms5-production", name), "{name}");
        }
        for name in [
            "postgres-backup",
            "postgres-restore-test",
            "phase9-validation",
        ] {
            assert!(has("CronJob", "ms5-production", name), "{name}");
        }
        assert!(
            has("StatefulSet", "ms5-system", "prometheus")
                && has("Deployment", "ms5-system", "grafana")
                && has("Deployment", "ms5-system", "alertmanager")
        );
        assert_eq!(
            world
                .objects
                .iter()
                .filter(|(r, _)| r.kind == "Node")
                .count(),
            6
        );
    }

    #[test]
    fn extra_pods_are_exact_and_seeded_names_repeat() {
        let pods = |w: &World| {
            w.objects
                .iter()
                .filter(|(r, o)| {
                    r.kind == "Pod"
                        && o["metadata"]["name"]
                            .as_str()
                            .unwrap()
                            .starts_with("line-agent")
                })
                .count()
        };
        assert_eq!(
            pods(&build(WorldOptions {
                seed: 3,
                extra_pods: 250
            })),
            250
        );
        let names = |w: World| {
            w.objects
                .into_iter()
                .map(|(_, o)| o["metadata"]["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            names(build(WorldOptions {
                seed: 9,
                extra_pods: 0
            })),
            names(build(WorldOptions {
                seed: 9,
                extra_pods: 0
            }))
        );
    }
}
