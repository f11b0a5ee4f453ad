//! The scheduler: places a pod on a Ready node whose labels match its nodeSelector, whose
//! NoSchedule/NoExecute taints it tolerates and that has room (pod count and CPU/memory
//! requests against allocatable); the least loaded wins, ties by name. A pod that fits
//! nowhere gets `PodScheduled=False, Unschedulable` and a FailedScheduling event that says
//! why, node by node, as kube-scheduler words it, and is retried.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};

use super::events::{EventType, Occurrence};
use super::{Cluster, Key, Work};
use crate::sim::world::objects::ts;

fn tolerates(pod: &Value, taint: &Value) -> bool {
    pod["spec"]["tolerations"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| {
            let key_ok = t["operator"] == "Exists"
                && (t["key"].is_null() || t["key"] == taint["key"])
                || (t["key"] == taint["key"]
                    && t["value"].as_str().unwrap_or_default()
                        == taint["value"].as_str().unwrap_or_default());
            let effect_ok = t["effect"].is_null() || t["effect"] == taint["effect"];
            key_ok && effect_ok
        })
}

/// `"500m"` -> 500, `"2"` -> 2000 millicores; `"512Mi"` -> bytes.
pub fn quantity(value: &Value) -> f64 {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return 0.0,
    };
    let (number, factor) = [
        ("Ki", 1024f64),
        ("Mi", 1024f64.powi(2)),
        ("Gi", 1024f64.powi(3)),
        ("Ti", 1024f64.powi(4)),
        ("m", 0.001),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
    ]
    .iter()
    .find_map(|(suffix, f)| text.strip_suffix(suffix).map(|n| (n.to_string(), *f)))
    .unwrap_or((text.clone(), 1.0));
    number.parse::<f64>().unwrap_or(0.0) * factor
}

fn requests(pod: &Value, resource: &str) -> f64 {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| quantity(&c["resources"]["requests"][resource]))
        .sum()
}

fn node_ready(node: &Value) -> bool {
    node["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    })
}

pub fn schedule(cluster: &mut Cluster, key: &Key) {
    let Some(pod) = cluster.get(cluster.kinds.pod, key) else {
        return;
    };
    if !pod["spec"]["nodeName"].is_null() || !pod["metadata"]["deletionTimestamp"].is_null() {
        return;
    }
    let nodes = cluster.store.list(cluster.kinds.node, None).0;
    let pods = cluster.store.list(cluster.kinds.pod, None).0;
    let mut load: BTreeMap<String, (usize, f64, f64)> = BTreeMap::new();
    for p in pods.iter().filter(|p| super::is_pod_active(p)) {
        if let Some(node) = p["spec"]["nodeName"].as_str() {
            let entry = load.entry(node.to_string()).or_default();
            entry.0 += 1;
            entry.1 += requests(p, "cpu");
            entry.2 += requests(p, "memory");
        }
    }
    let selector = pod["spec"]["nodeSelector"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let (cpu, memory) = (requests(&pod, "cpu"), requests(&pod, "memory"));
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let mut best: Option<(usize, String)> = None;
    for node in &nodes {
        let name = node["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let (count, used_cpu, used_memory) = load.get(&name).copied().unwrap_or_default();
        let allocatable = &node["status"]["allocatable"];
        let reason = if !node_ready(node) {
            Some("node(s) were not ready".to_string())
        } else if node["spec"]["unschedulable"] == true {
            Some("node(s) were unschedulable".to_string())
        } else if let Some(taint) = node["spec"]["taints"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["effect"] != "PreferNoSchedule" && !tolerates(&pod, t))
        {
            Some(format!(
                "node(s) had untolerated taint {{{}: {}}}",
                taint["key"].as_str().unwrap_or_default(),
                taint["value"].as_str().unwrap_or_default()
            ))
        } else if selector
            .iter()
            .any(|(k, v)| node["metadata"]["labels"][k] != *v)
        {
            Some("node(s) didn't match Pod's node affinity/selector".to_string())
        } else if count as f64 >= quantity(&allocatable["pods"]) {
            Some("Too many pods".to_string())
        } else if used_cpu + cpu > quantity(&allocatable["cpu"]) {
            Some("Insufficient cpu".to_string())
        } else if used_memory + memory > quantity(&allocatable["memory"]) {
            Some("Insufficient memory".to_string())
        } else {
            None
        };
        match reason {
            Some(r) => *reasons.entry(r).or_default() += 1,
            None if best.as_ref().is_none_or(|(c, _)| count < *c) => best = Some((count, name)),
            None => {}
        }
    }

    let now = ts(cluster.wall_now());
    let mut updated = pod.clone();
    match best {
        Some((_, node)) => {
            updated["spec"]["nodeName"] = json!(node);
            updated["status"]["conditions"] = json!([{"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now}]);
            if let Some(bound) = cluster.update(cluster.kinds.pod, updated) {
                let message = format!("Successfully assigned {}/{} to {node}", key.0, key.1);
                cluster.event(
                    &bound,
                    Occurrence::new(EventType::Normal, "Scheduled", message, "default-scheduler"),
                );
            }
        }
        None => {
            let detail: Vec<String> = reasons.iter().map(|(r, n)| format!("{n} {r}")).collect();
            let message = format!(
                "0/{} nodes are available: {}. preemption: 0/{} nodes are available: {} Preemption is not helpful for scheduling.",
                nodes.len(),
                detail.join(", "),
                nodes.len(),
                nodes.len()
            );
            updated["status"]["conditions"] = json!([{
                "type": "PodScheduled", "status": "False", "lastProbeTime": null, "lastTransitionTime": now,
                "reason": "Unschedulable", "message": message,
            }]);
            if pod["status"]["conditions"] != updated["status"]["conditions"] {
                cluster.update(cluster.kinds.pod, updated);
            }
            cluster.event(
                &pod,
                Occurrence::new(
                    EventType::Warning,
                    "FailedScheduling",
                    message,
                    "default-scheduler",
                ),
            );
            cluster.after(Duration::from_secs(10), Work::Schedule(key.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(quantity(&json!("500m")), 0.5);
        assert_eq!(quantity(&json!("2")), 2.0);
        assert_eq!(quantity(&json!("512Mi")), 512.0 * 1024.0 * 1024.0);
        assert_eq!(quantity(&json!(3)), 3.0);
    }

    #[test]
    fn tolerations_match_key_value_and_effect() {
        let pod = json!({"spec": {"tolerations": [{"key": "workload", "operator": "Equal", "value": "database", "effect": "NoSchedule"}]}});
        assert!(tolerates(
            &pod,
            &json!({"key": "workload", "value": "database", "effect": "NoSchedule"})
        ));
        assert!(!tolerates(
            &pod,
            &json!({"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"})
        ));
    }
}
