//! The ReplicaSet controller: keeps `spec.replicas` active pods, creating from the template and
//! deleting the least useful first (unscheduled, then pending, then not ready, newest), and
//! reports replicas, ready and available counts.

use serde_json::{Value, json};

use super::events::{EventType, Occurrence};
use super::{Cluster, Key, is_pod_active, is_pod_ready, owner_reference};
use crate::sim::store::object_key;

/// A new pod of `template`, owned by `owner`.
pub fn new_pod(owner: &Value, template: &Value, name: String, extra_labels: Value) -> Value {
    let mut labels = template["metadata"]["labels"].clone();
    if let (Some(l), Some(extra)) = (labels.as_object_mut(), extra_labels.as_object()) {
        l.extend(extra.clone());
    }
    let mut metadata = json!({
        "name": name,
        "namespace": owner["metadata"]["namespace"],
        "labels": labels,
        "ownerReferences": [owner_reference(owner)],
    });
    if let Some(annotations) = template["metadata"].get("annotations") {
        metadata["annotations"] = annotations.clone();
    }
    let mut spec = template["spec"].clone();
    if spec.get("serviceAccountName").is_none() {
        spec["serviceAccountName"] = json!("default");
    }
    let qos = crate::sim::api::admission::qos_class(&spec);
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": spec,
        "status": {"phase": "Pending", "qosClass": qos},
    })
}

pub fn reconcile(cluster: &mut Cluster, key: &Key) {
    let kinds_rs = cluster.kinds.replica_set;
    let Some(rs) = cluster.get(kinds_rs, key) else {
        return;
    };
    if !rs["metadata"]["deletionTimestamp"].is_null() {
        return;
    }
    let uid = rs["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let pods = cluster.owned_by(cluster.kinds.pod, &key.0, &uid);
    let mut active: Vec<&Value> = pods.iter().filter(|p| is_pod_active(p)).collect();
    let desired = rs["spec"]["replicas"].as_i64().unwrap_or(1).max(0) as usize;

    if active.len() < desired {
        for _ in active.len()..desired {
            let name = format!("{}-{}", key.1, cluster.names.suffix(5));
            let pod = new_pod(&rs, &rs["spec"]["template"], name.clone(), json!({}));
            if cluster.create(cluster.kinds.pod, pod).is_some() {
                cluster.event(
                    &rs,
                    Occurrence::new(
                        EventType::Normal,
                        "SuccessfulCreate",
                        format!("Created pod: {name}"),
                        "replicaset-controller",
                    ),
                );
            }
        }
    } else if active.len() > desired {
        // Least useful first: unscheduled, pending, not ready, then the newest.
        active.sort_by_key(|p| {
            (
                !p["spec"]["nodeName"].is_null(),
                p["status"]["phase"] != "Pending",
                is_pod_ready(p),
                std::cmp::Reverse(
                    p["metadata"]["creationTimestamp"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                ),
                p["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        });
        for pod in active.iter().take(active.len() - desired) {
            let pod_key = object_key(pod);
            cluster.delete(cluster.kinds.pod, &pod_key);
            cluster.event(
                &rs,
                Occurrence::new(
                    EventType::Normal,
                    "SuccessfulDelete",
                    format!("Deleted pod: {}", pod_key.1),
                    "replicaset-controller",
                ),
            );
        }
    }

    // Status from what exists now (the pods just created are Pending, so not ready).
    let pods = cluster.owned_by(cluster.kinds.pod, &key.0, &uid);
    let active: Vec<&Value> = pods.iter().filter(|p| is_pod_active(p)).collect();
    let ready = active.iter().filter(|p| is_pod_ready(p)).count();
    let mut updated = rs.clone();
    updated["status"] = json!({
        "replicas": active.len(),
        "fullyLabeledReplicas": active.len(),
        "readyReplicas": ready,
        "availableReplicas": ready,
        "observedGeneration": rs["metadata"]["generation"].as_i64().unwrap_or(1),
    });
    if ready == 0 {
        strip_zeroes(&mut updated["status"]);
    }
    if updated != rs {
        cluster.update(kinds_rs, updated);
    }
}

/// Kubernetes omits zero counts from status.
fn strip_zeroes(status: &mut Value) {
    if let Some(map) = status.as_object_mut() {
        map.retain(|k, v| k == "replicas" || k == "observedGeneration" || v != &json!(0));
    }
}
