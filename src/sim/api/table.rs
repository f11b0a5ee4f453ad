//! Server-side printing: `meta.k8s.io/v1 Table` answers with the columns a real API server gives
//! kubectl (`NAME READY STATUS RESTARTS AGE`...), wide columns at priority 1, and each row's
//! object as PartialObjectMetadata so `-A` and `-L` work.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::PodStatus;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::age::{human_age, human_duration};
use crate::model::pod_status;

/// What each row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncludeObject {
    None,
    Metadata,
    Object,
}

impl IncludeObject {
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("None") => IncludeObject::None,
            Some("Object") => IncludeObject::Object,
            _ => IncludeObject::Metadata,
        }
    }
}

#[derive(Clone)]
struct Column {
    name: &'static str,
    kind: &'static str,
    priority: u8,
}

const fn col(name: &'static str, kind: &'static str, priority: u8) -> Column {
    Column {
        name,
        kind,
        priority,
    }
}

fn columns(plural: &str) -> Vec<Column> {
    let name = col("Name", "string", 0);
    let age = col("Age", "string", 0);
    let workload_wide = [
        col("Containers", "string", 1),
        col("Images", "string", 1),
        col("Selector", "string", 1),
    ];
    match plural {
        "pods" => vec![
            name,
            col("Ready", "string", 0),
            col("Status", "string", 0),
            col("Restarts", "string", 0),
            age,
            col("IP", "string", 1),
            col("Node", "string", 1),
            col("Nominated Node", "string", 1),
            col("Readiness Gates", "string", 1),
        ],
        "deployments" => [
            vec![
                name,
                col("Ready", "string", 0),
                col("Up-to-date", "integer", 0),
                col("Available", "integer", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "replicasets" => [
            vec![
                name,
                col("Desired", "integer", 0),
                col("Current", "integer", 0),
                col("Ready", "integer", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "statefulsets" => vec![
            name,
            col("Ready", "string", 0),
            age,
            col("Containers", "string", 1),
            col("Images", "string", 1),
        ],
        "daemonsets" => [
            vec![
                name,
                col("Desired", "integer", 0),
                col("Current", "integer", 0),
                col("Ready", "integer", 0),
                col("Up-to-date", "integer", 0),
                col("Available", "integer", 0),
                col("Node Selector", "string", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "jobs" => [
            vec![
                name,
                col("Status", "string", 0),
                col("Completions", "string", 0),
                col("Duration", "string", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "cronjobs" => [
            vec![
                name,
                col("Schedule", "string", 0),
                col("Timezone", "string", 0),
                col("Suspend", "boolean", 0),
                col("Active", "integer", 0),
                col("Last Schedule", "string", 0),
                age,
            ],
            workload_wide.into(),
        ]
        .concat(),
        "services" => vec![
            name,
            col("Type", "string", 0),
            col("Cluster-IP", "string", 0),
            col("External-IP", "string", 0),
            col("Port(s)", "string", 0),
            age,
            col("Selector", "string", 1),
        ],
        "nodes" => vec![
            name,
            col("Status", "string", 0),
            col("Roles", "string", 0),
            age,
            col("Version", "string", 0),
            col("Internal-IP", "string", 1),
            col("External-IP", "string", 1),
            col("OS-Image", "string", 1),
            col("Kernel-Version", "string", 1),
            col("Container-Runtime", "string", 1),
        ],
        "namespaces" => vec![name, col("Status", "string", 0), age],
        "events" => vec![
            col("Last Seen", "string", 0),
            col("Type", "string", 0),
            col("Reason", "string", 0),
            col("Object", "string", 0),
            col("Subobject", "string", 1),
            col("Source", "string", 1),
            col("Message", "string", 0),
            col("First Seen", "string", 1),
            col("Count", "string", 1),
            col("Name", "string", 1),
        ],
        "horizontalpodautoscalers" => vec![
            name,
            col("Reference", "string", 0),
            col("Targets", "string", 0),
            col("MinPods", "string", 0),
            col("MaxPods", "integer", 0),
            col("Replicas", "integer", 0),
            age,
        ],
        "configmaps" => vec![name, col("Data", "integer", 0), age],
        "secrets" => vec![
            name,
            col("Type", "string", 0),
            col("Data", "integer", 0),
            age,
        ],
        "serviceaccounts" => vec![name, col("Secrets", "integer", 0), age],
        "endpoints" => vec![name, col("Endpoints", "string", 0), age],
        "endpointslices" => vec![
            name,
            col("AddressType", "string", 0),
            col("Ports", "string", 0),
            col("Endpoints", "string", 0),
            age,
        ],
        "persistentvolumeclaims" => vec![
            name,
            col("Status", "string", 0),
            col("Volume", "string", 0),
            col("Capacity", "string", 0),
            col("Access Modes", "string", 0),
            col("StorageClass", "string", 0),
            col("VolumeAttributesClass", "string", 0),
            age,
            col("VolumeMode", "string", 1),
        ],
        "ingresses" => vec![
            name,
            col("Class", "string", 0),
            col("Hosts", "string", 0),
            col("Address", "string", 0),
            col("Ports", "string", 0),
            age,
        ],
        "networkpolicies" => vec![name, col("Pod-Selector", "string", 0), age],
        "poddisruptionbudgets" => vec![
            name,
            col("Min Available", "string", 0),
            col("Max Unavailable", "string", 0),
            col("Allowed Disruptions", "integer", 0),
            age,
        ],
        "controllerrevisions" => vec![
            name,
            col("Controller", "string", 0),
            col("Revision", "integer", 0),
            age,
        ],
        _ => vec![name, col("Created At", "date", 0)],
    }
}

fn text(v: &Value, pointer: &str) -> String {
    match v.pointer(pointer) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn int(v: &Value, pointer: &str) -> i64 {
    v.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
}

fn or_none(s: String) -> String {
    if s.is_empty() {
        "<none>".to_string()
    } else {
        s
    }
}

fn time(v: &Value, pointer: &str) -> Option<DateTime<Utc>> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn age_of(v: &Value, pointer: &str, now: DateTime<Utc>) -> String {
    time(v, pointer)
        .map(|t| human_age(t, now))
        .unwrap_or_else(|| "<unknown>".to_string())
}

fn list_of(v: &Value, pointer: &str, field: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| text(i, field))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

/// `app=backend,tier=api` from a LabelSelector's matchLabels (and expressions).
fn selector_text(selector: Option<&Value>) -> String {
    let Some(selector) = selector else {
        return "<none>".to_string();
    };
    let mut parts: Vec<String> = selector["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default();
    for expr in selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let values: Vec<&str> = expr["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let key = text(expr, "/key");
        parts.push(match text(expr, "/operator").as_str() {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "DoesNotExist" => format!("!{key}"),
            _ => key,
        });
    }
    or_none(parts.join(","))
}

fn map_text(v: &Value, pointer: &str) -> String {
    v.pointer(pointer)
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn has_condition(v: &Value, kind: &str) -> bool {
    v.pointer("/status/conditions")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == kind && c["status"] == "True")
        })
}

fn workload_wide(v: &Value, template: &str) -> Vec<Value> {
    vec![
        json!(list_of(v, &format!("{template}/spec/containers"), "/name")),
        json!(list_of(v, &format!("{template}/spec/containers"), "/image")),
        json!(selector_text(v.pointer("/spec/selector"))),
    ]
}

fn cells(plural: &str, v: &Value, now: DateTime<Utc>) -> Vec<Value> {
    let name = json!(text(v, "/metadata/name"));
    let age = json!(age_of(v, "/metadata/creationTimestamp", now));
    match plural {
        "pods" => {
            // Only the status is decoded into its type: a whole typed Pod per row is the
            // slowest part of printing 10,000 pods.
            let init: Vec<(&str, bool)> = v
                .pointer("/spec/initContainers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| {
                    (
                        c["name"].as_str().unwrap_or_default(),
                        c["restartPolicy"] == "Always",
                    )
                })
                .collect();
            let shape = pod_status::PodShape {
                containers: v
                    .pointer("/spec/containers")
                    .and_then(Value::as_array)
                    .map(Vec::len)
                    .unwrap_or(0),
                init_containers: init,
                deleting: v
                    .pointer("/metadata/deletionTimestamp")
                    .is_some_and(|t| !t.is_null()),
            };
            let status = v.get("status").map(PodStatus::deserialize).transpose();
            let summary = status.map(|s| pod_status::summarize_status(&shape, s.as_ref()));
            let (ready, status, restarts) = match summary {
                Ok(s) => (
                    format!("{}/{}", s.ready, s.total),
                    s.status.clone(),
                    s.restarts_cell(now),
                ),
                Err(_) => ("0/0".into(), "Unknown".into(), "0".into()),
            };
            let gates = list_of(v, "/spec/readinessGates", "/conditionType");
            vec![
                name,
                json!(ready),
                json!(status),
                json!(restarts),
                age,
                json!(or_none(text(v, "/status/podIP"))),
                json!(or_none(text(v, "/spec/nodeName"))),
                json!(or_none(text(v, "/status/nominatedNodeName"))),
                json!(or_none(gates)),
            ]
        }
        "deployments" => [
            vec![
                name,
                json!(format!(
                    "{}/{}",
                    int(v, "/status/readyReplicas"),
                    int(v, "/spec/replicas")
                )),
                json!(int(v, "/status/updatedReplicas")),
                json!(int(v, "/status/availableReplicas")),
                age,
            ],
            workload_wide(v, "/spec/template"),
        ]
        .concat(),
        "replicasets" => [
            vec![
                name,
                json!(int(v, "/spec/replicas")),
                json!(int(v, "/status/replicas")),
                json!(int(v, "/status/readyReplicas")),
                age,
            ],
            workload_wide(v, "/spec/template"),
        ]
        .concat(),
        "statefulsets" => vec![
            name,
            json!(format!(
                "{}/{}",
                int(v, "/status/readyReplicas"),
                int(v, "/spec/replicas")
            )),
            age,
            json!(list_of(v, "/spec/template/spec/containers", "/name")),
            json!(list_of(v, "/spec/template/spec/containers", "/image")),
        ],
        "daemonsets" => [
            vec![
                name,
                json!(int(v, "/status/desiredNumberScheduled")),
                json!(int(v, "/status/currentNumberScheduled")),
                json!(int(v, "/status/numberReady")),
                json!(int(v, "/status/updatedNumberScheduled")),
                json!(int(v, "/status/numberAvailable")),
                json!(or_none(map_text(v, "/spec/template/spec/nodeSelector"))),
                age,
            ],
            workload_wide(v, "/spec/template"),
        ]
        .concat(),
        "jobs" => [
            vec![
                name,
                json!(job_status(v)),
                json!(job_completions(v)),
                json!(job_duration(v, now)),
                age,
            ],
            workload_wide(v, "/spec/template"),
        ]
        .concat(),
        "cronjobs" => {
            let last = time(v, "/status/lastScheduleTime")
                .map(|t| human_age(t, now))
                .unwrap_or_else(|| "<none>".into());
            let active = v
                .pointer("/status/active")
                .and_then(Value::as_array)
                .map(Vec::len)
                .unwrap_or(0);
            [
                vec![
                    name,
                    json!(text(v, "/spec/schedule")),
                    json!(or_none(text(v, "/spec/timeZone"))),
                    json!(
                        v.pointer("/spec/suspend")
                            .and_then(Value::as_bool)
                            .unwrap_or(false)
                    ),
                    json!(active),
                    json!(last),
                    age,
                ],
                workload_wide(v, "/spec/jobTemplate/spec/template"),
            ]
            .concat()
        }
        "services" => vec![
            name,
            json!(text(v, "/spec/type")),
            json!(or_none(text(v, "/spec/clusterIP"))),
            json!(service_external_ip(v)),
            json!(service_ports(v)),
            age,
            json!(or_none(map_text(v, "/spec/selector"))),
        ],
        "nodes" => {
            let mut status = if has_condition(v, "Ready") {
                "Ready"
            } else {
                "NotReady"
            }
            .to_string();
            if v.pointer("/spec/unschedulable")
                .and_then(Value::as_bool)
                .unwrap_or(false)
            {
                status.push_str(",SchedulingDisabled");
            }
            let roles: Vec<String> = v["metadata"]["labels"]
                .as_object()
                .map(|m| {
                    m.keys()
                        .filter_map(|k| k.strip_prefix("node-role.kubernetes.io/"))
                        .map(String::from)
                        .collect()
                })
                .unwrap_or_default();
            let address = |kind: &str| {
                v.pointer("/status/addresses")
                    .and_then(Value::as_array)
                    .and_then(|a| a.iter().find(|x| x["type"] == kind))
                    .map(|x| text(x, "/address"))
                    .unwrap_or_default()
            };
            vec![
                name,
                json!(status),
                json!(or_none(roles.join(","))),
                age,
                json!(text(v, "/status/nodeInfo/kubeletVersion")),
                json!(or_none(address("InternalIP"))),
                json!(or_none(address("ExternalIP"))),
                json!(text(v, "/status/nodeInfo/osImage")),
                json!(text(v, "/status/nodeInfo/kernelVersion")),
                json!(text(v, "/status/nodeInfo/containerRuntimeVersion")),
            ]
        }
        "namespaces" => vec![name, json!(text(v, "/status/phase")), age],
        "events" => {
            let last = time(v, "/lastTimestamp")
                .or_else(|| time(v, "/eventTime"))
                .or_else(|| time(v, "/metadata/creationTimestamp"));
            let first = time(v, "/firstTimestamp").or(last);
            let ago = |t: Option<DateTime<Utc>>| {
                t.map(|t| human_age(t, now))
                    .unwrap_or_else(|| "<unknown>".into())
            };
            let object = format!(
                "{}/{}",
                text(v, "/involvedObject/kind").to_lowercase(),
                text(v, "/involvedObject/name")
            );
            let source = match (text(v, "/source/component"), text(v, "/source/host")) {
                (c, h) if h.is_empty() => c,
                (c, h) => format!("{c}, {h}"),
            };
            vec![
                json!(ago(last)),
                json!(text(v, "/type")),
                json!(text(v, "/reason")),
                json!(object),
                json!(text(v, "/involvedObject/fieldPath")),
                json!(source),
                json!(text(v, "/message").trim()),
                json!(ago(first)),
                json!(int(v, "/count").max(1).to_string()),
                name,
            ]
        }
        "horizontalpodautoscalers" => vec![
            name,
            json!(format!(
                "{}/{}",
                text(v, "/spec/scaleTargetRef/kind"),
                text(v, "/spec/scaleTargetRef/name")
            )),
            json!(hpa_targets(v)),
            json!(
                v.pointer("/spec/minReplicas")
                    .and_then(Value::as_i64)
                    .unwrap_or(1)
                    .to_string()
            ),
            json!(int(v, "/spec/maxReplicas")),
            json!(int(v, "/status/currentReplicas")),
            age,
        ],
        "configmaps" => {
            let n = ["/data", "/binaryData"]
                .iter()
                .filter_map(|p| v.pointer(p).and_then(Value::as_object))
                .map(|m| m.len())
                .sum::<usize>();
            vec![name, json!(n), age]
        }
        "secrets" => vec![
            name,
            json!(text(v, "/type")),
            json!(
                v.pointer("/data")
                    .and_then(Value::as_object)
                    .map(|m| m.len())
                    .unwrap_or(0)
            ),
            age,
        ],
        "serviceaccounts" => vec![
            name,
            json!(
                v.pointer("/secrets")
                    .and_then(Value::as_array)
                    .map(Vec::len)
                    .unwrap_or(0)
            ),
            age,
        ],
        "endpoints" => {
            let mut addresses = Vec::new();
            for subset in v
                .pointer("/subsets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for a in subset["addresses"].as_array().into_iter().flatten() {
                    for p in subset["ports"].as_array().into_iter().flatten() {
                        addresses.push(format!("{}:{}", text(a, "/ip"), int(p, "/port")));
                    }
                }
            }
            vec![name, json!(or_none(addresses.join(","))), age]
        }
        "endpointslices" => {
            let ports = v
                .pointer("/ports")
                .and_then(Value::as_array)
                .map(|p| {
                    p.iter()
                        .map(|p| int(p, "/port").to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let addresses: Vec<String> = v
                .pointer("/endpoints")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|e| e["addresses"].as_array().cloned().unwrap_or_default())
                .filter_map(|a| a.as_str().map(String::from))
                .collect();
            vec![
                name,
                json!(text(v, "/addressType")),
                json!(or_none(ports)),
                json!(or_none(addresses.join(","))),
                age,
            ]
        }
        "persistentvolumeclaims" => vec![
            name,
            json!(text(v, "/status/phase")),
            json!(text(v, "/spec/volumeName")),
            json!(text(v, "/status/capacity/storage")),
            json!(access_modes(v)),
            json!(or_none(text(v, "/spec/storageClassName"))),
            json!(or_none(text(v, "/spec/volumeAttributesClassName"))),
            age,
            json!(text(v, "/spec/volumeMode")),
        ],
        "ingresses" => {
            let hosts = list_of(v, "/spec/rules", "/host");
            let address = list_of(v, "/status/loadBalancer/ingress", "/ip");
            let ports = if v.pointer("/spec/tls").is_some() {
                "80, 443"
            } else {
                "80"
            };
            vec![
                name,
                json!(or_none(text(v, "/spec/ingressClassName"))),
                json!(or_none(hosts)),
                json!(address),
                json!(ports),
                age,
            ]
        }
        "networkpolicies" => vec![
            name,
            json!(selector_text(v.pointer("/spec/podSelector"))),
            age,
        ],
        "poddisruptionbudgets" => vec![
            name,
            json!(or_na(text(v, "/spec/minAvailable"))),
            json!(or_na(text(v, "/spec/maxUnavailable"))),
            json!(int(v, "/status/disruptionsAllowed")),
            age,
        ],
        "controllerrevisions" => {
            let owner = v
                .pointer("/metadata/ownerReferences/0")
                .map(|o| {
                    format!(
                        "{}.{}/{}",
                        text(o, "/kind").to_lowercase(),
                        text(o, "/apiVersion").split('/').next().unwrap_or_default(),
                        text(o, "/name")
                    )
                })
                .unwrap_or_else(|| "<none>".into());
            vec![name, json!(owner), json!(int(v, "/revision")), age]
        }
        _ => vec![name, json!(text(v, "/metadata/creationTimestamp"))],
    }
}

fn or_na(s: String) -> String {
    if s.is_empty() { "N/A".to_string() } else { s }
}

fn access_modes(v: &Value) -> String {
    v.pointer("/status/accessModes")
        .and_then(Value::as_array)
        .map(|modes| {
            modes
                .iter()
                .filter_map(Value::as_str)
                .map(|m| match m {
                    "ReadWriteOnce" => "RWO",
                    "ReadOnlyMany" => "ROX",
                    "ReadWriteMany" => "RWX",
                    "ReadWriteOncePod" => "RWOP",
                    other => other,
                })
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default()
}

fn job_status(v: &Value) -> &'static str {
    if has_condition(v, "Complete") {
        "Complete"
    } else if has_condition(v, "Failed") {
        "Failed"
    } else if v.pointer("/metadata/deletionTimestamp").is_some() {
        "Terminating"
    } else if has_condition(v, "Suspended") {
        "Suspended"
    } else if has_condition(v, "FailureTarget") {
        "FailureTarget"
    } else if has_condition(v, "SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else {
        "Running"
    }
}

fn job_completions(v: &Value) -> String {
    let succeeded = int(v, "/status/succeeded");
    match v.pointer("/spec/completions").and_then(Value::as_i64) {
        Some(completions) => format!("{succeeded}/{completions}"),
        None => {
            let parallelism = v
                .pointer("/spec/parallelism")
                .and_then(Value::as_i64)
                .unwrap_or(1);
            if parallelism > 1 {
                format!("{succeeded}/1 of {parallelism}")
            } else {
                format!("{succeeded}/1")
            }
        }
    }
}

fn job_duration(v: &Value, now: DateTime<Utc>) -> String {
    let Some(start) = time(v, "/status/startTime") else {
        return String::new();
    };
    let end = time(v, "/status/completionTime").unwrap_or(now);
    human_duration(end.signed_duration_since(start).num_seconds().max(0) as u64)
}

fn service_external_ip(v: &Value) -> String {
    match text(v, "/spec/type").as_str() {
        "LoadBalancer" => {
            let ips = list_of(v, "/status/loadBalancer/ingress", "/ip");
            if ips.is_empty() {
                "<pending>".into()
            } else {
                ips
            }
        }
        "ExternalName" => text(v, "/spec/externalName"),
        _ => or_none(list_of(v, "/spec/externalIPs", "")),
    }
}

fn service_ports(v: &Value) -> String {
    let ports: Vec<String> = v
        .pointer("/spec/ports")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|p| {
            let protocol = p["protocol"].as_str().unwrap_or("TCP");
            match p["nodePort"].as_i64() {
                Some(node_port) => format!("{}:{node_port}/{protocol}", int(p, "/port")),
                None => format!("{}/{protocol}", int(p, "/port")),
            }
        })
        .collect();
    or_none(ports.join(","))
}

fn hpa_targets(v: &Value) -> String {
    let specs = v
        .pointer("/spec/metrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let current = v
        .pointer("/status/currentMetrics")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let parts: Vec<String> = specs
        .iter()
        .filter(|m| m["type"] == "Resource")
        .map(|m| {
            let resource = text(m, "/resource/name");
            let target = m
                .pointer("/resource/target/averageUtilization")
                .and_then(Value::as_i64);
            let now = current
                .iter()
                .find(|c| c.pointer("/resource/name") == m.pointer("/resource/name"))
                .and_then(|c| c.pointer("/resource/current/averageUtilization"))
                .and_then(Value::as_i64);
            let now = now
                .map(|n| format!("{n}%"))
                .unwrap_or_else(|| "<unknown>".into());
            format!("{resource}: {now}/{}%", target.unwrap_or(0))
        })
        .collect();
    if parts.is_empty() {
        "<none>".into()
    } else {
        parts.join(", ")
    }
}

fn row_object(v: &Value, include: IncludeObject) -> Value {
    match include {
        IncludeObject::None => Value::Null,
        IncludeObject::Object => v.clone(),
        IncludeObject::Metadata => json!({
            "kind": "PartialObjectMetadata",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": v["metadata"],
        }),
    }
}

/// A Table of `objects` of resource `plural`.
pub fn table<'a>(
    plural: &str,
    objects: impl IntoIterator<Item = &'a Value>,
    include: IncludeObject,
    metadata: Value,
    with_columns: bool,
) -> Value {
    let now = Utc::now();
    let rows: Vec<Value> = objects
        .into_iter()
        .map(|o| {
            let mut row = json!({"cells": cells(plural, o, now)});
            if include != IncludeObject::None {
                row["object"] = row_object(o, include);
            }
            row
        })
        .collect();
    let definitions: Vec<Value> = if with_columns {
        columns(plural)
            .iter()
            .map(|c| {
                json!({
                    "name": c.name,
                    "type": c.kind,
                    "format": if c.name == "Name" { "name" } else { "" },
                    "description": "",
                    "priority": c.priority,
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": definitions,
        "rows": rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_one_cell_per_column() {
        let object = json!({"metadata": {"name": "x", "creationTimestamp": "2026-01-01T00:00:00Z"}, "spec": {"containers": []}});
        for r in crate::sim::resources::RESOURCES {
            let t = table(
                r.plural,
                [&object],
                IncludeObject::Metadata,
                json!({}),
                true,
            );
            let columns = t["columnDefinitions"].as_array().unwrap().len();
            let cells = t["rows"][0]["cells"].as_array().unwrap().len();
            assert_eq!(columns, cells, "{}", r.plural);
        }
    }

    #[test]
    fn service_and_job_cells() {
        let svc = json!({"spec": {"type": "LoadBalancer", "ports": [{"port": 443, "nodePort": 31000, "protocol": "TCP"}]}, "status": {}});
        assert_eq!(service_external_ip(&svc), "<pending>");
        assert_eq!(service_ports(&svc), "443:31000/TCP");
        let job = json!({"spec": {"completions": 1}, "status": {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}],
            "startTime": "2026-01-01T00:00:00Z", "completionTime": "2026-01-01T00:03:05Z"}});
        assert_eq!(
            (job_status(&job), job_completions(&job).as_str()),
            ("Complete", "1/1")
        );
        assert_eq!(job_duration(&job, Utc::now()), "3m5s");
    }
}
