//! The cells of one row: kubectl's printers' rules over the stored object.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::PodStatus;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::model::age::{human_age, human_duration};
use crate::model::pod_status;

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

pub(super) fn cells(plural: &str, v: &Value, now: DateTime<Utc>) -> Vec<Value> {
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

pub(super) fn job_status(v: &Value) -> &'static str {
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

pub(super) fn job_completions(v: &Value) -> String {
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

pub(super) fn job_duration(v: &Value, now: DateTime<Utc>) -> String {
    let Some(start) = time(v, "/status/startTime") else {
        return String::new();
    };
    let end = time(v, "/status/completionTime").unwrap_or(now);
    human_duration(end.signed_duration_since(start).num_seconds().max(0) as u64)
}

pub(super) fn service_external_ip(v: &Value) -> String {
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

pub(super) fn service_ports(v: &Value) -> String {
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
