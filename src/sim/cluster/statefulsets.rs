//! The StatefulSet controller: ordinal pods `NAME-0..N-1` started in order (each waits for the
//! previous to be Running and Ready), scaled down from the highest ordinal, and rolled one pod
//! at a time from the highest ordinal when the template changes (tracked by ControllerRevisions
//! and the `controller-revision-hash` label). Failed pods are replaced.

use serde_json::{Value, json};

use super::events::{EventType, Occurrence};
use super::replicasets::new_pod;
use super::{Cluster, Key, is_pod_ready, owner_reference};
use crate::sim::naming::template_hash;

const HASH_LABEL: &str = "controller-revision-hash";

fn ordinal(sts_name: &str, pod: &Value) -> Option<i64> {
    pod["metadata"]["name"]
        .as_str()?
        .strip_prefix(&format!("{sts_name}-"))?
        .parse()
        .ok()
}

/// The ControllerRevision for the current template: created if new; an older one whose
/// template is back (an undo) becomes the newest revision, as the controller renumbers it.
fn update_revision(cluster: &mut Cluster, sts: &Value, key: &Key) -> String {
    let template = &sts["spec"]["template"];
    let name = format!("{}-{}", key.1, template_hash(template));
    let revision_key = (key.0.clone(), name.clone());
    let uid = sts["metadata"]["uid"].as_str().unwrap_or_default();
    let latest = cluster
        .owned_by(cluster.kinds.controller_revision, &key.0, uid)
        .iter()
        .filter_map(|r| r["revision"].as_i64())
        .max()
        .unwrap_or(0);
    match cluster.get(cluster.kinds.controller_revision, &revision_key) {
        Some(mut existing) => {
            if existing["revision"].as_i64().unwrap_or(0) < latest {
                existing["revision"] = json!(latest + 1);
                cluster.update(cluster.kinds.controller_revision, existing);
            }
        }
        None => {
            let revision = json!({
                "apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": name, "namespace": key.0, "labels": sts["spec"]["selector"]["matchLabels"],
                             "ownerReferences": [owner_reference(sts)]},
                "data": crate::sim::world::objects::revision_data(template),
                "revision": latest + 1,
            });
            cluster.create(cluster.kinds.controller_revision, revision);
        }
    }
    name
}

/// Deletes one of the set's pods and says so, as the StatefulSet controller does.
fn delete_pod(cluster: &mut Cluster, sts: &Value, pod: &Value) {
    let key = crate::sim::store::object_key(pod);
    cluster.delete(cluster.kinds.pod, &key);
    let message = format!(
        "delete Pod {} in StatefulSet {} successful",
        key.1,
        sts["metadata"]["name"].as_str().unwrap_or_default()
    );
    cluster.event(
        sts,
        Occurrence::new(
            EventType::Normal,
            "SuccessfulDelete",
            message,
            "statefulset-controller",
        ),
    );
}

pub fn reconcile(cluster: &mut Cluster, key: &Key) {
    let Some(sts) = cluster.get(cluster.kinds.stateful_set, key) else {
        return;
    };
    if !sts["metadata"]["deletionTimestamp"].is_null() {
        return;
    }
    let revision = update_revision(cluster, &sts, key);
    let uid = sts["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let desired = sts["spec"]["replicas"].as_i64().unwrap_or(1).max(0);
    let pods = cluster.owned_by(cluster.kinds.pod, &key.0, &uid);
    let by_ordinal = |o: i64| pods.iter().find(|p| ordinal(&key.1, p) == Some(o));
    let healthy = |p: &Value| {
        p["status"]["phase"] == "Running"
            && is_pod_ready(p)
            && p["metadata"]["deletionTimestamp"].is_null()
    };

    let mut acted = false;
    // Create missing ordinals in order, each after the previous is Running and Ready;
    // replace failed ones.
    for o in 0..desired {
        match by_ordinal(o) {
            None => {
                let name = format!("{}-{o}", key.1);
                let mut template = sts["spec"]["template"].clone();
                template["spec"]["hostname"] = json!(name);
                template["spec"]["subdomain"] = sts["spec"]["serviceName"].clone();
                let labels = json!({HASH_LABEL: revision, "statefulset.kubernetes.io/pod-name": name, "apps.kubernetes.io/pod-index": o.to_string()});
                if cluster
                    .create(
                        cluster.kinds.pod,
                        new_pod(&sts, &template, name.clone(), labels),
                    )
                    .is_some()
                {
                    let message = format!("create Pod {name} in StatefulSet {} successful", key.1);
                    cluster.event(
                        &sts,
                        Occurrence::new(
                            EventType::Normal,
                            "SuccessfulCreate",
                            message,
                            "statefulset-controller",
                        ),
                    );
                }
                acted = true;
                break;
            }
            Some(p)
                if p["status"]["phase"] == "Failed"
                    && p["metadata"]["deletionTimestamp"].is_null() =>
            {
                delete_pod(cluster, &sts, p);
                acted = true;
                break;
            }
            Some(p) if !healthy(p) => {
                acted = true;
                break;
            }
            Some(_) => {}
        }
    }
    // Scale down from the highest ordinal, one at a time.
    if !acted
        && let Some(extra) = pods
            .iter()
            .filter(|p| ordinal(&key.1, p).is_some_and(|o| o >= desired))
            .max_by_key(|p| ordinal(&key.1, p))
    {
        if extra["metadata"]["deletionTimestamp"].is_null() {
            delete_pod(cluster, &sts, extra);
        }
        acted = true;
    }
    // Rolling update: replace the highest ordinal still on an old revision.
    if !acted
        && let Some(stale) = pods
            .iter()
            .filter(|p| p["metadata"]["labels"][HASH_LABEL] != revision.as_str())
            .max_by_key(|p| ordinal(&key.1, p))
        && stale["metadata"]["deletionTimestamp"].is_null()
    {
        let name = stale["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        cluster.delete(cluster.kinds.pod, &(key.0.clone(), name));
    }

    let pods = cluster.owned_by(cluster.kinds.pod, &key.0, &uid);
    let active: Vec<&Value> = pods.iter().filter(|p| super::is_pod_active(p)).collect();
    let ready = active.iter().filter(|p| is_pod_ready(p)).count();
    let updated_count = active
        .iter()
        .filter(|p| p["metadata"]["labels"][HASH_LABEL] == revision.as_str())
        .count();
    let current_revision = if updated_count == active.len() {
        revision.clone()
    } else {
        sts["status"]["currentRevision"]
            .as_str()
            .unwrap_or(&revision)
            .to_string()
    };
    let mut updated = sts.clone();
    updated["status"] = json!({
        "observedGeneration": sts["metadata"]["generation"].as_i64().unwrap_or(1),
        "replicas": active.len(),
        "readyReplicas": ready,
        "currentReplicas": if current_revision == revision { updated_count } else { active.len() - updated_count },
        "updatedReplicas": updated_count,
        "availableReplicas": ready,
        "currentRevision": current_revision,
        "updateRevision": revision,
        "collisionCount": 0,
    });
    if updated != sts {
        cluster.update(cluster.kinds.stateful_set, updated);
    }
}
