//! The disruption controller: each PodDisruptionBudget's status computed from the pods it
//! selects, as kube-controller-manager keeps it — how many are expected and healthy (ready), how
//! many must stay healthy, and how many may be disrupted now. Recomputed when a pod or a budget
//! in the namespace changes, so a crashing pod takes `disruptionsAllowed` to 0.

use serde_json::{Value, json};

use super::{Cluster, is_pod_active, is_pod_ready};
use crate::sim::resources;

pub fn reconcile(cluster: &mut Cluster, namespace: &str) {
    let Some(pdbs) = resources::find("policy", "v1", "poddisruptionbudgets") else {
        return;
    };
    let budgets = cluster.store.list(pdbs, Some(namespace)).0;
    if budgets.is_empty() {
        return;
    }
    let pods = cluster.store.list(cluster.kinds.pod, Some(namespace)).0;
    for budget in budgets {
        let budget = budget.value();
        let Some(selector) = budget["spec"]["selector"]["matchLabels"].as_object() else {
            continue;
        };
        let selected: Vec<&Value> = pods
            .iter()
            .map(|p| p.value())
            .filter(|p| is_pod_active(p))
            .filter(|p| {
                !selector.is_empty()
                    && selector
                        .iter()
                        .all(|(k, v)| p["metadata"]["labels"][k] == *v)
            })
            .collect();
        let expected = selected.len() as i64;
        let healthy = selected.iter().filter(|p| is_pod_ready(p)).count() as i64;
        let desired = desired_healthy(&budget["spec"], expected);
        let status = json!({
            "currentHealthy": healthy,
            "desiredHealthy": desired,
            "disruptionsAllowed": (healthy - desired).max(0),
            "expectedPods": expected,
            "observedGeneration": budget["metadata"]["generation"],
        });
        if budget["status"].as_object().is_some_and(|s| {
            [
                "currentHealthy",
                "desiredHealthy",
                "disruptionsAllowed",
                "expectedPods",
            ]
            .iter()
            .all(|k| s.get(*k) == status.get(*k))
        }) {
            continue;
        }
        let mut updated = budget.clone();
        let conditions = json!([{
            "type": "DisruptionAllowed",
            "status": if (healthy - desired) > 0 { "True" } else { "False" },
            "reason": if (healthy - desired) > 0 { "SufficientPods" } else { "InsufficientPods" },
            "message": "",
            "observedGeneration": budget["metadata"]["generation"],
            "lastTransitionTime": crate::sim::world::objects::ts(cluster.wall_now()),
        }]);
        updated["status"] = status;
        updated["status"]["conditions"] = conditions;
        cluster.update(pdbs, updated);
    }
}

/// `minAvailable` (a count or a percentage of the expected pods, rounded up), or the expected
/// pods less `maxUnavailable`.
fn desired_healthy(spec: &Value, expected: i64) -> i64 {
    let of = |v: &Value| match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s
            .strip_suffix('%')
            .and_then(|p| p.parse::<i64>().ok())
            .map(|p| (p * expected + 99) / 100),
        _ => None,
    };
    if let Some(min) = of(&spec["minAvailable"]) {
        min
    } else if let Some(max) = of(&spec["maxUnavailable"]) {
        (expected - max).max(0)
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn desired_healthy_from_a_count_a_percentage_or_max_unavailable() {
        assert_eq!(desired_healthy(&json!({"minAvailable": 2}), 3), 2);
        assert_eq!(desired_healthy(&json!({"minAvailable": "50%"}), 3), 2);
        assert_eq!(desired_healthy(&json!({"maxUnavailable": 1}), 3), 2);
        assert_eq!(desired_healthy(&json!({}), 3), 0);
    }
}
