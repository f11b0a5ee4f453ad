//! The cluster around the application: namespaces, AKS nodes, kube-system, Services and their
//! Endpoints, HPAs, the backup / restore-drill / validation CronJobs with recent Jobs, config,
//! network policies and the ingress.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::Builder;
use super::objects::{
    Component, Node, Placement, Probe, ServiceSpec, condition, owner, running_pod, service, ts,
};
use super::schedules::{self, Scheduled};

const NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "ms5-production",
    "ms5-staging",
    "ms5-system",
];

pub fn cluster(b: &mut Builder) {
    for ns in NAMESPACES {
        let created = b.ago(41 * 86400 + 7200);
        let mut labels = json!({"kubernetes.io/metadata.name": ns});
        let pss = match *ns {
            "ms5-production" => Some("restricted"),
            "ms5-staging" => Some("baseline"),
            "ms5-system" => Some("privileged"),
            _ => None,
        };
        if let Some(level) = pss {
            labels["pod-security.kubernetes.io/enforce"] = json!(level);
            labels["app.kubernetes.io/part-of"] = json!("ms5");
        }
        let uid = b.names.uid();
        b.push(json!({
            "apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": ns, "uid": uid, "creationTimestamp": ts(created), "labels": labels},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }));
    }
    let pools: [(&str, usize, &str); 3] = [
        ("system", 2, "Standard_D4s_v5"),
        ("app", 3, "Standard_D8s_v5"),
        ("db", 1, "Standard_E8s_v5"),
    ];
    let mut index = 0u32;
    for (pool, count, size) in pools {
        for i in 0..count {
            let name = format!("aks-{pool}-27183645-vmss{i:06}");
            let ip = format!("10.224.0.{}", 4 + index);
            let created = b.ago(41 * 86400 + 9000 - index as i64 * 60);
            let (cpu, memory) = match size {
                "Standard_D4s_v5" => ("4", "16374584Ki"),
                "Standard_D8s_v5" => ("8", "32863440Ki"),
                _ => ("8", "65842944Ki"),
            };
            let mut spec = json!({"podCIDR": format!("10.244.{}.0/24", index * 4), "providerID": format!("azure:///subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/mc_ms5-rg_ms5-aks_eastus/providers/Microsoft.Compute/virtualMachineScaleSets/aks-{pool}-27183645-vmss/virtualMachines/{i}")});
            if pool == "db" {
                spec["taints"] =
                    json!([{"key": "workload", "value": "database", "effect": "NoSchedule"}]);
            }
            let ready_at = created + Duration::seconds(90);
            let heartbeat = b.ago(25);
            let uid = b.names.uid();
            let (machine_id, system_uuid, boot_id) =
                (b.names.hex(32), b.names.uid(), b.names.uid());
            let node_condition = |kind: &str, status: bool, reason: &str, message: &str| {
                json!({"type": kind, "status": if status { "True" } else { "False" }, "lastHeartbeatTime": ts(heartbeat),
                       "lastTransitionTime": ts(ready_at), "reason": reason, "message": message})
            };
            b.push(json!({
                "apiVersion": "v1", "kind": "Node",
                "metadata": {
                    "name": name, "uid": uid, "creationTimestamp": ts(created),
                    "labels": {
                        "agentpool": pool, "kubernetes.azure.com/agentpool": pool, "kubernetes.azure.com/mode": if pool == "system" { "system" } else { "user" },
                        "kubernetes.io/role": "agent", "node-role.kubernetes.io/agent": "", "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux", "kubernetes.io/hostname": name,
                        "node.kubernetes.io/instance-type": size, "topology.kubernetes.io/region": "eastus",
                        "topology.kubernetes.io/zone": format!("eastus-{}", 1 + index % 3),
                    },
                    "annotations": {"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true"},
                },
                "spec": spec,
                "status": {
                    "capacity": {"cpu": cpu, "memory": memory, "pods": "110", "ephemeral-storage": "129886128Ki"},
                    "allocatable": {"cpu": format!("{}m", cpu.parse::<i64>().unwrap_or(4) * 1000 - 140), "memory": memory, "pods": "110", "ephemeral-storage": "119703055367"},
                    "conditions": [
                        node_condition("MemoryPressure", false, "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                        node_condition("DiskPressure", false, "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        node_condition("PIDPressure", false, "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                        node_condition("Ready", true, "KubeletReady", "kubelet is posting ready status"),
                    ],
                    "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                    "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
                    "nodeInfo": {
                        "machineID": machine_id, "systemUUID": system_uuid, "bootID": boot_id,
                        "kernelVersion": "5.15.0-1079-azure", "osImage": "Ubuntu 22.04.5 LTS",
                        "containerRuntimeVersion": "containerd://1.7.27-1", "kubeletVersion": "v1.33.2",
                        "kubeProxyVersion": "", "operatingSystem": "linux", "architecture": "amd64",
                    },
                },
            }));
            b.nodes.push(Node {
                name,
                pool,
                ip,
                pod_cidr_index: index,
            });
            index += 1;
        }
    }
    kube_system(b);
}

fn kube_system(b: &mut Builder) {
    let mut coredns = Component::new(
        "kube-system",
        "coredns",
        "dns",
        2,
        "mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-5",
    );
    coredns.port = Some(8080);
    coredns.probe = Probe::Http {
        port: 8080,
        live: "/health",
        ready: "/ready",
    };
    coredns.pool = "system";
    b.deployment(
        &coredns,
        &["mcr.microsoft.com/oss/v2/kubernetes/coredns:v1.11.3-5"],
        41,
        None,
    );
    let mut metrics = Component::new(
        "kube-system",
        "metrics-server",
        "metrics",
        2,
        "mcr.microsoft.com/oss/v2/kubernetes/metrics-server:v0.7.2-3",
    );
    metrics.probe = Probe::Http {
        port: 4443,
        live: "/livez",
        ready: "/readyz",
    };
    metrics.pool = "system";
    b.deployment(
        &metrics,
        &["mcr.microsoft.com/oss/v2/kubernetes/metrics-server:v0.7.2-3"],
        41,
        None,
    );

    // kube-proxy: one pod per node.
    let mut proxy = Component::new(
        "kube-system",
        "kube-proxy",
        "proxy",
        b.nodes.len() as i64,
        "mcr.microsoft.com/oss/kubernetes/kube-proxy:v1.33.2",
    );
    proxy.probe = Probe::Http {
        port: 10256,
        live: "/healthz",
        ready: "/healthz",
    };
    daemonset(b, &proxy, 41 * 86400 + 5000);
}

/// A DaemonSet with one running pod per node; its pods tolerate every taint, as node agents do.
pub fn daemonset(b: &mut Builder, component: &Component, created_ago: i64) {
    let mut template = component.pod_template(&component.image);
    template["spec"]["nodeSelector"] = json!({"kubernetes.io/os": "linux"});
    template["spec"]["tolerations"] = json!([{"operator": "Exists"}]);
    let created = b.ago(created_ago);
    let n = b.nodes.len() as i64;
    let uid = b.names.uid();
    let (name, namespace) = (component.name.as_str(), component.namespace);
    let ds = json!({
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": namespace, "uid": uid, "creationTimestamp": ts(created), "generation": 1, "labels": component.labels()},
        "spec": {"selector": {"matchLabels": {"app": name}}, "template": template,
                 "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}, "revisionHistoryLimit": 10},
        "status": {"currentNumberScheduled": n, "desiredNumberScheduled": n, "numberReady": n, "numberAvailable": n,
                   "updatedNumberScheduled": n, "numberMisscheduled": 0, "observedGeneration": 1},
    });
    b.push(ds.clone());
    for i in 0..b.nodes.len() {
        let pod_name = format!("{name}-{}", b.names.suffix(5));
        let started = b.ago(created_ago - 86400 - i as i64 * 30);
        let ip = b.nodes[i].ip.clone();
        let pod = running_pod(
            &mut b.names,
            &template,
            Placement {
                name: pod_name,
                namespace,
                node: &b.nodes[i],
                ip,
                started,
                extra_labels: json!({}),
                owner: owner("apps/v1", "DaemonSet", &ds),
            },
        );
        b.push(pod);
    }
}

pub fn services(b: &mut Builder) {
    let created = b.ago(41 * 86400);
    const fn svc(
        namespace: &'static str,
        name: &'static str,
        app: &'static str,
        ports: &'static [(i32, i32)],
        cluster_ip: &'static str,
        load_balancer: Option<&'static str>,
    ) -> ServiceSpec {
        ServiceSpec {
            namespace,
            name,
            app,
            ports,
            cluster_ip,
            load_balancer,
        }
    }
    let specs = [
        svc(
            "default",
            "kubernetes",
            "",
            &[(443, 6443)],
            "10.0.0.1",
            None,
        ),
        svc(
            "kube-system",
            "kube-dns",
            "coredns",
            &[(53, 53)],
            "10.0.0.10",
            None,
        ),
        svc(
            "ms5-production",
            "backend",
            "backend",
            &[(8000, 8000)],
            "10.0.112.20",
            None,
        ),
        svc(
            "ms5-production",
            "backend-lb",
            "backend",
            &[(443, 8000)],
            "10.0.112.21",
            Some("20.81.112.45"),
        ),
        svc(
            "ms5-production",
            "frontend",
            "frontend",
            &[(80, 8080)],
            "10.0.112.30",
            None,
        ),
        svc(
            "ms5-production",
            "postgres",
            "postgres",
            &[(5432, 5432)],
            "None",
            None,
        ),
        svc(
            "ms5-production",
            "redis",
            "redis",
            &[(6379, 6379)],
            "10.0.112.50",
            None,
        ),
        svc(
            "ms5-production",
            "minio",
            "minio",
            &[(9000, 9000), (9001, 9001)],
            "10.0.112.60",
            None,
        ),
        svc(
            "ms5-production",
            "flower",
            "flower",
            &[(5555, 5555)],
            "10.0.112.70",
            None,
        ),
        svc(
            "ms5-staging",
            "backend",
            "backend",
            &[(8000, 8000)],
            "10.0.113.20",
            None,
        ),
        svc(
            "ms5-staging",
            "frontend",
            "frontend",
            &[(80, 8080)],
            "10.0.113.30",
            None,
        ),
        svc(
            "ms5-staging",
            "postgres",
            "postgres",
            &[(5432, 5432)],
            "None",
            None,
        ),
        svc(
            "ms5-staging",
            "redis",
            "redis",
            &[(6379, 6379)],
            "10.0.113.50",
            None,
        ),
        svc(
            "ms5-system",
            "prometheus-service",
            "prometheus",
            &[(9090, 9090)],
            "10.0.114.10",
            None,
        ),
        svc(
            "ms5-system",
            "alertmanager-service",
            "alertmanager",
            &[(9093, 9093)],
            "10.0.114.20",
            None,
        ),
        svc(
            "ms5-system",
            "grafana-service",
            "grafana",
            &[(3000, 3000)],
            "10.0.114.30",
            None,
        ),
    ];
    for spec in &specs {
        let uid = b.names.uid();
        b.push(service(spec, created, uid));
    }
}

/// Endpoints for every Service with a selector, from the ready pods it selects.
pub fn endpoints(b: &mut Builder) {
    let services: Vec<Value> = b
        .objects
        .iter()
        .filter(|(r, _)| r.kind == "Service")
        .map(|(_, o)| o.clone())
        .collect();
    for svc in services {
        let ns = svc["metadata"]["namespace"].as_str().unwrap_or_default();
        let Some(app) = svc["spec"]["selector"]["app"].as_str() else {
            continue;
        };
        let addresses: Vec<Value> = b
            .objects
            .iter()
            .filter(|(r, o)| r.kind == "Pod" && o["metadata"]["namespace"] == ns && o["metadata"]["labels"]["app"] == app)
            .map(|(_, o)| json!({"ip": o["status"]["podIP"], "nodeName": o["spec"]["nodeName"],
                                 "targetRef": {"kind": "Pod", "namespace": ns, "name": o["metadata"]["name"], "uid": o["metadata"]["uid"]}}))
            .collect();
        let ports: Vec<Value> = svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| json!({"name": p["name"], "port": p["targetPort"], "protocol": "TCP"}))
            .collect();
        let slice_endpoints: Vec<Value> = addresses.iter().map(|a| json!({
            "addresses": [a["ip"]], "conditions": {"ready": true, "serving": true, "terminating": false},
            "nodeName": a["nodeName"], "targetRef": a["targetRef"],
        })).collect();
        let slice_ports: Vec<Value> = ports
            .iter()
            .map(|p| json!({"name": p["name"], "port": p["port"], "protocol": "TCP"}))
            .collect();
        let (uid, slice_uid) = (b.names.uid(), b.names.uid());
        let service_name = svc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let slice_name = format!("{service_name}-{}", b.names.suffix(5));
        b.push(json!({
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": slice_name, "namespace": ns, "uid": slice_uid,
                         "generateName": format!("{service_name}-"),
                         "creationTimestamp": svc["metadata"]["creationTimestamp"],
                         "labels": {"kubernetes.io/service-name": service_name, "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"},
                         "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": service_name, "uid": svc["metadata"]["uid"], "controller": true, "blockOwnerDeletion": true}]},
            "endpoints": slice_endpoints, "ports": slice_ports,
        }));
        b.push(json!({
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": svc["metadata"]["name"], "namespace": ns, "uid": uid,
                         "creationTimestamp": svc["metadata"]["creationTimestamp"], "labels": svc["metadata"]["labels"]},
            "subsets": [{"addresses": addresses, "ports": ports}],
        }));
    }
}

pub fn autoscalers(b: &mut Builder) {
    for (name, min, max, target, current, replicas) in [
        ("backend", 3, 10, 70, 42, 3),
        ("celery-worker", 3, 12, 75, 38, 3),
    ] {
        let created = b.ago(41 * 86400);
        let uid = b.names.uid();
        let at = b.ago(3 * 3600);
        b.push(json!({
            "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": "ms5-production", "uid": uid, "creationTimestamp": ts(created), "generation": 1},
            "spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                "minReplicas": min, "maxReplicas": max,
                "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": target}}}],
            },
            "status": {
                "currentReplicas": replicas, "desiredReplicas": replicas, "lastScaleTime": ts(at),
                "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": current, "averageValue": "210m"}}}],
                "conditions": [
                    condition("AbleToScale", true, at, Some("ReadyForNewScale"), Some("recommended size matches current size")),
                    condition("ScalingActive", true, at, Some("ValidMetricFound"), Some("the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)")),
                    condition("ScalingLimited", false, at, Some("DesiredWithinRange"), Some("the desired count is within the acceptable range")),
                ],
            },
        }));
    }
}

pub fn cronjobs(b: &mut Builder) {
    let ns = "ms5-production";
    for scheduled in schedules::ALL {
        let Scheduled {
            cronjob: name,
            schedule,
            image,
            role,
            runs_for: duration,
            backoff_limit,
        } = scheduled;
        let created = b.ago(41 * 86400);
        let args: Vec<&str> = match role {
            "backup" => vec![
                "/scripts/backup.sh",
                "--pitr",
                "--upload=minio://ms5-backups",
            ],
            "restore" => vec!["/scripts/restore-test.sh", "--from=latest", "--verify"],
            _ => vec!["/scripts/phase9-validation-criteria-checker.sh", "--all"],
        };
        let container = json!({
            "name": role, "image": image, "args": args, "imagePullPolicy": "IfNotPresent",
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
        });
        let pod_template = json!({"metadata": {"labels": {"app": name, "app.kubernetes.io/part-of": "ms5"}},
                                  "spec": {"containers": [container], "restartPolicy": "Never", "terminationGracePeriodSeconds": 30,
                                           "dnsPolicy": "ClusterFirst", "schedulerName": "default-scheduler", "nodeSelector": {"agentpool": "app"}}});
        let runs = scheduled.finished_runs(b.now, 3);
        let uid = b.names.uid();
        let mut cron = json!({
            "apiVersion": "batch/v1", "kind": "CronJob",
            "metadata": {"name": name, "namespace": ns, "uid": uid, "creationTimestamp": ts(created), "generation": 1,
                         "labels": {"app": name, "app.kubernetes.io/part-of": "ms5"}},
            "spec": {
                "schedule": schedule, "timeZone": "Etc/UTC", "concurrencyPolicy": "Forbid", "suspend": false,
                "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3, "startingDeadlineSeconds": 600,
                "jobTemplate": {"metadata": {"labels": {"app": name}},
                                "spec": {"backoffLimit": backoff_limit, "activeDeadlineSeconds": 3600, "template": pod_template}},
            },
            "status": {},
        });
        if let Some(last) = runs.first() {
            cron["status"] = json!({"lastScheduleTime": ts(*last), "lastSuccessfulTime": ts(scheduled.finished(*last))});
        }
        b.push(cron.clone());
        for run in runs.iter().rev() {
            job_run(b, &cron, *run, duration);
        }
    }
}

/// A Job that ran to completion, and its Completed pod.
struct CompletedJob<'a> {
    namespace: &'a str,
    name: &'a str,
    /// The pod template (its labels become the Job's, with the controller's own).
    template: Value,
    /// The CronJob that made it, if one did.
    owner: Option<Value>,
    annotations: Value,
    scheduled: DateTime<Utc>,
    /// Seconds it ran.
    duration: i64,
    backoff_limit: i64,
}

/// Pushes the Job and its pod; their uid and the pod's name.
fn completed_job(b: &mut Builder, spec: CompletedJob) -> (String, String) {
    let CompletedJob {
        namespace,
        name,
        mut template,
        owner: cron_owner,
        annotations,
        scheduled,
        duration,
        backoff_limit,
    } = spec;
    let ns = namespace.to_string();
    let name = name.to_string();
    let uid = b.names.uid();
    let started = scheduled + Duration::seconds(schedules::START_DELAY);
    let finished = started + Duration::seconds(duration);
    let job_labels = json!({"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": name, "controller-uid": uid, "job-name": name});
    if let (Some(l), Some(extra)) = (
        template["metadata"]["labels"].as_object_mut(),
        job_labels.as_object(),
    ) {
        l.extend(extra.clone());
    }
    let mut job = json!({
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": {"name": name, "namespace": ns, "uid": uid, "creationTimestamp": ts(scheduled), "generation": 1,
                     "labels": template["metadata"]["labels"], "annotations": annotations},
        "spec": {"backoffLimit": backoff_limit, "activeDeadlineSeconds": 3600, "completions": 1, "parallelism": 1, "completionMode": "NonIndexed",
                 "suspend": false, "manualSelector": false, "podReplacementPolicy": "TerminatingOrFailed",
                 "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}, "template": template},
        "status": {"startTime": ts(started), "completionTime": ts(finished), "succeeded": 1, "ready": 0, "terminating": 0,
                   "uncountedTerminatedPods": {},
                   "conditions": [
                       {"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": ts(finished), "lastTransitionTime": ts(finished)},
                       {"type": "Complete", "status": "True", "lastProbeTime": ts(finished), "lastTransitionTime": ts(finished)},
                   ]},
    });
    if let Some(cron) = cron_owner {
        job["metadata"]["ownerReferences"] = json!([cron]);
    }
    b.push(job.clone());
    let node = b.nodes.iter().position(|n| n.pool == "app").unwrap_or(0);
    let pod_name = format!("{name}-{}", b.names.suffix(5));
    let ip = format!(
        "10.244.{}.{}",
        b.nodes[node].pod_cidr_index * 4,
        200 + b.names.below(50)
    );
    let mut pod = running_pod(
        &mut b.names,
        &template,
        Placement {
            name: pod_name.clone(),
            namespace: &ns,
            node: &b.nodes[node],
            ip,
            started,
            extra_labels: json!({}),
            owner: owner("batch/v1", "Job", &job),
        },
    );
    pod["status"]["phase"] = json!("Succeeded");
    pod["status"]["conditions"] = json!([
        condition("PodReadyToStartContainers", false, finished, None, None),
        condition("Initialized", true, started, Some("PodCompleted"), None),
        condition("Ready", false, finished, Some("PodCompleted"), None),
        condition(
            "ContainersReady",
            false,
            finished,
            Some("PodCompleted"),
            None
        ),
        condition("PodScheduled", true, started, None, None),
    ]);
    if let Some(status) = pod["status"]["containerStatuses"].get_mut(0) {
        status["ready"] = json!(false);
        status["started"] = json!(false);
        status["state"] = json!({"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": ts(started + Duration::seconds(2)),
                                                "finishedAt": ts(finished), "containerID": status["containerID"]}});
    }
    b.push(pod);
    (uid, pod_name)
}

/// The database migration Job the backend's `version` ran before it rolled out (alembic
/// upgrade head), completed, labelled with the version it migrated for: ten minutes before
/// the namespace's release, as the release runs it.
pub fn migration_job(b: &mut Builder, ns: &str, version: &str) {
    let image = format!("ms5acr.azurecr.io/ms5-backend:{version}");
    let labels = json!({"app": "db-migrate", "app.kubernetes.io/part-of": "ms5", "app.kubernetes.io/version": version});
    let template = json!({"metadata": {"labels": labels},
        "spec": {"containers": [{
            "name": "migrate", "image": image, "args": ["alembic", "upgrade", "head"], "imagePullPolicy": "IfNotPresent",
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
            "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
            "restartPolicy": "Never", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "schedulerName": "default-scheduler", "nodeSelector": {"agentpool": "app"}}});
    let name = format!("db-migrate-{}", version.replace('.', "-"));
    let scheduled = super::release_time(b, ns) - Duration::minutes(10);
    completed_job(
        b,
        CompletedJob {
            namespace: ns,
            name: &name,
            template,
            owner: None,
            annotations: json!({}),
            scheduled,
            duration: 42,
            backoff_limit: 2,
        },
    );
}

/// One completed Job of a CronJob, with its Completed pod and, if recent, its events.
fn job_run(b: &mut Builder, cron: &Value, scheduled: DateTime<Utc>, duration: i64) {
    let cron_name = cron["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ns = cron["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let name = format!("{cron_name}-{}", scheduled.timestamp() / 60);
    let template = cron["spec"]["jobTemplate"]["spec"]["template"].clone();
    let (uid, pod_name) = completed_job(
        b,
        CompletedJob {
            namespace: &ns,
            name: &name,
            template,
            owner: Some(owner("batch/v1", "CronJob", cron)),
            annotations: json!({"batch.kubernetes.io/cronjob-scheduled-timestamp": ts(scheduled)}),
            scheduled,
            duration,
            backoff_limit: cron["spec"]["jobTemplate"]["spec"]["backoffLimit"]
                .as_i64()
                .unwrap_or(6),
        },
    );
    let started = scheduled + Duration::seconds(schedules::START_DELAY);
    let finished = started + Duration::seconds(duration);
    if b.now - finished < Duration::minutes(55) {
        let cron_ref = json!({"kind": "CronJob", "namespace": ns, "name": cron_name, "uid": cron["metadata"]["uid"], "apiVersion": "batch/v1"});
        let job_ref = json!({"kind": "Job", "namespace": ns, "name": name, "uid": uid, "apiVersion": "batch/v1"});
        event(
            b,
            &ns,
            cron_ref.clone(),
            Occurrence {
                kind: "Normal",
                reason: "SuccessfulCreate",
                message: format!("Created job {name}"),
                component: "cronjob-controller",
                at: scheduled,
            },
        );
        event(
            b,
            &ns,
            job_ref.clone(),
            Occurrence {
                kind: "Normal",
                reason: "SuccessfulCreate",
                message: format!("Created pod: {pod_name}"),
                component: "job-controller",
                at: started,
            },
        );
        event(
            b,
            &ns,
            job_ref,
            Occurrence {
                kind: "Normal",
                reason: "Completed",
                message: "Job completed".to_string(),
                component: "job-controller",
                at: finished,
            },
        );
        event(
            b,
            &ns,
            cron_ref,
            Occurrence {
                kind: "Normal",
                reason: "SawCompletedJob",
                message: format!("Saw completed job: {name}, condition: Complete"),
                component: "cronjob-controller",
                at: finished,
            },
        );
    }
}

/// Something that happened to an object, as an Event records it.
pub struct Occurrence {
    pub kind: &'static str,
    pub reason: &'static str,
    pub message: String,
    pub component: &'static str,
    pub at: DateTime<Utc>,
}

pub fn event(b: &mut Builder, ns: &str, involved: Value, what: Occurrence) {
    let Occurrence {
        kind,
        reason,
        message,
        component,
        at,
    } = what;
    let object = involved["name"].as_str().unwrap_or_default().to_string();
    let name = format!(
        "{object}.{:x}",
        at.timestamp_nanos_opt().unwrap_or(0) as u64 ^ b.names.below(u32::MAX as u64)
    );
    let uid = b.names.uid();
    b.push(json!({
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"name": name, "namespace": ns, "uid": uid, "creationTimestamp": ts(at)},
        "involvedObject": involved, "reason": reason, "message": message, "type": kind,
        "source": {"component": component}, "reportingComponent": component, "reportingInstance": "",
        "firstTimestamp": ts(at), "lastTimestamp": ts(at), "count": 1,
    }));
}

/// The dashboard's public host, as the seed names it.
pub const DASHBOARD_HOST: &str = "ms5-dashboard.company.com";

pub fn config(b: &mut Builder) {
    let created = b.ago(41 * 86400);
    for ns in NAMESPACES {
        let (u1, u2) = (b.names.uid(), b.names.uid());
        b.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-root-ca.crt", "namespace": ns, "uid": u1, "creationTimestamp": ts(created)},
                      "data": {"ca.crt": "-----BEGIN CERTIFICATE-----\nMS5SIM\n-----END CERTIFICATE-----\n"}}));
        b.push(json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": ns, "uid": u2, "creationTimestamp": ts(created)}}));
    }
    for ns in ["ms5-production", "ms5-staging"] {
        let uids: Vec<String> = (0..4).map(|_| b.names.uid()).collect();
        b.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "backend-config", "namespace": ns, "uid": uids[0], "creationTimestamp": ts(created)},
                      "data": {"ENVIRONMENT": ns.trim_start_matches("ms5-"), "DATABASE_HOST": "postgres", "REDIS_HOST": "redis",
                               "LOG_LEVEL": "info", "OEE_REFRESH_SECONDS": "30", "WEBSOCKET_PING_SECONDS": "20", "DATABASE_POOL_SIZE": "20"}}));
        b.push(json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "postgres-credentials", "namespace": ns, "uid": uids[1], "creationTimestamp": ts(created)},
                      "data": {"POSTGRES_USER": "bXM1", "POSTGRES_PASSWORD": "cmVkYWN0ZWQ="}}));
        // The dashboard's certificate has 21 days left (the certificate metric says the
        // same); staging's was renewed more recently.
        let (host, days_left) = if ns == "ms5-production" {
            (DASHBOARD_HOST, 21)
        } else {
            ("staging.ms5-dashboard.company.com", 60)
        };
        let tls = super::certificates::tls_data(&[host], b.now + chrono::Duration::days(days_left));
        b.push(json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls", "metadata": {"name": "ms5-tls", "namespace": ns, "uid": uids[2], "creationTimestamp": ts(created)},
                      "data": tls}));
        b.push(json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "backend-pdb", "namespace": ns, "uid": uids[3], "creationTimestamp": ts(created), "generation": 1},
                      "spec": {"minAvailable": if ns == "ms5-production" { 2 } else { 0 }, "selector": {"matchLabels": {"app": "backend"}}},
                      "status": {"currentHealthy": if ns == "ms5-production" { 3 } else { 1 }, "desiredHealthy": if ns == "ms5-production" { 2 } else { 0 }, "disruptionsAllowed": 1, "expectedPods": 3, "observedGeneration": 1}}));
    }
    let ns = "ms5-production";
    // Default deny, then what the seed's architecture needs: the ingress controller (AKS web
    // app routing) to the frontend, backend and Flower; the frontend to the backend; MS5 pods
    // (only) to PostgreSQL, Redis and MinIO; DNS for every pod; Prometheus in ms5-system
    // scraping every pod.
    let ingress_controller = json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "app-routing-system"}}});
    let ms5_pods = json!({"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "ms5"}}});
    let prometheus = json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ms5-system"}},
                            "podSelector": {"matchLabels": {"app": "prometheus", "app.kubernetes.io/part-of": "ms5"}}});
    let tcp = |port: i64| json!({"protocol": "TCP", "port": port});
    let policies = [
        (
            "default-deny-all",
            json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        ),
        (
            "allow-backend-ingress",
            json!({"podSelector": {"matchLabels": {"app": "backend"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}, ingress_controller], "ports": [tcp(8000)]}]}),
        ),
        (
            "allow-frontend-ingress",
            json!({"podSelector": {"matchLabels": {"app": "frontend"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [ingress_controller], "ports": [tcp(8080)]}]}),
        ),
        (
            "allow-flower-ingress",
            json!({"podSelector": {"matchLabels": {"app": "flower"}}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [ingress_controller], "ports": [tcp(5555)]}]}),
        ),
        (
            "allow-data-from-ms5",
            json!({"podSelector": {"matchExpressions": [{"key": "app", "operator": "In", "values": ["postgres", "redis", "minio"]}]},
            "policyTypes": ["Ingress"],
            "ingress": [{"from": [ms5_pods], "ports": [tcp(5432), tcp(6379), tcp(9000)]}]}),
        ),
        (
            "allow-backend-to-data",
            json!({"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": "ms5"}}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"podSelector": {"matchLabels": {"app": "postgres"}}}, {"podSelector": {"matchLabels": {"app": "redis"}}}, {"podSelector": {"matchLabels": {"app": "minio"}}}]}]}),
        ),
        (
            "allow-dns-egress",
            json!({"podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                        "ports": [{"protocol": "UDP", "port": 53}, tcp(53)]}]}),
        ),
        (
            "allow-monitoring-scrape",
            json!({"podSelector": {}, "policyTypes": ["Ingress"],
            "ingress": [{"from": [prometheus]}]}),
        ),
    ];
    for (name, spec) in policies {
        let uid = b.names.uid();
        b.push(json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": name, "namespace": ns, "uid": uid, "creationTimestamp": ts(created), "generation": 1}, "spec": spec}));
    }
    let uid = b.names.uid();
    b.push(json!({
        "apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "ms5-dashboard", "namespace": ns, "uid": uid, "creationTimestamp": ts(created), "generation": 1,
                     "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-prod"}},
        "spec": {"ingressClassName": "webapprouting.kubernetes.azure.com",
                 "tls": [{"hosts": [DASHBOARD_HOST], "secretName": "ms5-tls"}],
                 "rules": [{"host": DASHBOARD_HOST, "http": {"paths": [
                     {"path": "/api", "pathType": "Prefix", "backend": {"service": {"name": "backend", "port": {"number": 8000}}}},
                     {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "frontend", "port": {"number": 80}}}}]}}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "20.81.112.46"}]}},
    }));
}
