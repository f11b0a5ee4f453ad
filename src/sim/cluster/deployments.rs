//! The Deployment controller: one ReplicaSet per pod template (named by its hash), rolling
//! updates within maxSurge/maxUnavailable (or Recreate), no new ReplicaSet while paused,
//! revisions and rollbacks, history pruned to revisionHistoryLimit, and the status and
//! conditions `kubectl rollout status` reads, ProgressDeadlineExceeded included.

use std::time::Duration;

use serde_json::{Value, json};

use super::events::{EventType, Occurrence};
use super::{Cluster, Key, Work, owner_reference};
use crate::sim::naming::template_hash;
use crate::sim::store::object_key;
use crate::sim::world::objects::ts;

const REVISION: &str = "deployment.kubernetes.io/revision";

fn revision(rs: &Value) -> i64 {
    rs["metadata"]["annotations"][REVISION]
        .as_str()
        .and_then(|r| r.parse().ok())
        .unwrap_or(0)
}

fn replicas(object: &Value) -> i64 {
    object["spec"]["replicas"].as_i64().unwrap_or(1).max(0)
}

fn status_count(object: &Value, field: &str) -> i64 {
    object["status"][field].as_i64().unwrap_or(0)
}

/// An int-or-percent of `total`, rounded up or down as the rolling updater does.
pub fn resolve(value: &Value, total: i64, round_up: bool) -> i64 {
    match value {
        Value::Number(n) => n.as_i64().unwrap_or(0),
        Value::String(s) => match s.strip_suffix('%').and_then(|p| p.parse::<i64>().ok()) {
            Some(percent) if round_up => (percent * total + 99) / 100,
            Some(percent) => percent * total / 100,
            None => s.parse().unwrap_or(0),
        },
        _ => 0,
    }
}

/// The template without the hash label, as hashed.
fn template_of(deployment: &Value) -> Value {
    let mut template = deployment["spec"]["template"].clone();
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
    }
    template
}

pub fn reconcile(cluster: &mut Cluster, key: &Key) {
    let kinds = (cluster.kinds.deployment, cluster.kinds.replica_set);
    let Some(deployment) = cluster.get(kinds.0, key) else {
        return;
    };
    if !deployment["metadata"]["deletionTimestamp"].is_null() {
        return;
    }
    let uid = deployment["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let mut sets = cluster.owned_by(kinds.1, &key.0, &uid);
    sets.sort_by_key(revision);
    let template = template_of(&deployment);
    let hash = template_hash(&template);
    let paused = deployment["spec"]["paused"] == true;
    let desired = replicas(&deployment);
    let max_revision = sets.iter().map(revision).max().unwrap_or(0);
    let mut progressed = false;

    let mut new_set = sets
        .iter()
        .find(|rs| rs["metadata"]["labels"]["pod-template-hash"] == hash)
        .cloned();
    if new_set.is_none() && !paused {
        let name = format!("{}-{hash}", key.1);
        let mut rs_template = template.clone();
        rs_template["metadata"]["labels"]["pod-template-hash"] = json!(hash);
        let mut selector = deployment["spec"]["selector"].clone();
        selector["matchLabels"]["pod-template-hash"] = json!(hash);
        let rs = json!({
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": name,
                "namespace": key.0,
                "labels": rs_template["metadata"]["labels"],
                "annotations": {
                    "deployment.kubernetes.io/desired-replicas": desired.to_string(),
                    "deployment.kubernetes.io/max-replicas": (desired + max_surge(&deployment, desired)).to_string(),
                    REVISION: (max_revision + 1).to_string(),
                },
                "ownerReferences": [owner_reference(&deployment)],
            },
            "spec": {"replicas": 0, "selector": selector, "template": rs_template},
            "status": {"replicas": 0},
        });
        new_set = cluster.create(kinds.1, rs);
        progressed = true;
        if let Some(rs) = &new_set {
            sets.push(rs.clone());
        }
    } else if let Some(rs) = new_set
        .as_mut()
        .filter(|rs| revision(rs) < max_revision && !paused)
    {
        // A rollback to an older template makes its ReplicaSet the newest revision; the
        // revisions it had are kept in its revision-history annotation.
        let mut history: Vec<String> =
            rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"]
                .as_str()
                .map(|h| h.split(',').map(String::from).collect())
                .unwrap_or_default();
        history.push(revision(rs).to_string());
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] =
            json!(history.join(","));
        rs["metadata"]["annotations"][REVISION] = json!((max_revision + 1).to_string());
        if let Some(updated) = cluster.update(kinds.1, rs.clone()) {
            *rs = updated;
        }
    }

    if !paused && let Some(new_rs) = new_set.clone() {
        let old: Vec<Value> = sets
            .iter()
            .filter(|rs| rs["metadata"]["uid"] != new_rs["metadata"]["uid"])
            .cloned()
            .collect();
        progressed |= if deployment["spec"]["strategy"]["type"] == "Recreate" {
            recreate(cluster, &deployment, &new_rs, &old, desired)
        } else {
            roll(cluster, &deployment, &new_rs, &old, desired)
        };
        prune_history(cluster, &deployment, &new_rs, &old);
    }
    update_status(cluster, &deployment, new_set.as_ref(), progressed);
}

fn max_surge(deployment: &Value, desired: i64) -> i64 {
    resolve(
        &deployment["spec"]["strategy"]["rollingUpdate"]["maxSurge"],
        desired,
        true,
    )
}

fn max_unavailable(deployment: &Value, desired: i64) -> i64 {
    let surge = max_surge(deployment, desired);
    let unavailable = resolve(
        &deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"],
        desired,
        false,
    );
    if surge == 0 && unavailable == 0 {
        1
    } else {
        unavailable.min(desired)
    }
}

fn scale(cluster: &mut Cluster, deployment: &Value, rs: &Value, to: i64) -> bool {
    let from = replicas(rs);
    if from == to {
        return false;
    }
    let mut updated = rs.clone();
    updated["spec"]["replicas"] = json!(to);
    updated["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
        json!(replicas(deployment).to_string());
    if cluster.update(cluster.kinds.replica_set, updated).is_none() {
        return false;
    }
    let name = rs["metadata"]["name"].as_str().unwrap_or_default();
    let direction = if to > from { "up" } else { "down" };
    cluster.event(
        deployment,
        Occurrence::new(
            EventType::Normal,
            "ScalingReplicaSet",
            format!("Scaled {direction} replica set {name} from {from} to {to}"),
            "deployment-controller",
        ),
    );
    true
}

/// One step of a rolling update; true when anything was scaled.
fn roll(
    cluster: &mut Cluster,
    deployment: &Value,
    new_rs: &Value,
    old: &[Value],
    desired: i64,
) -> bool {
    let surge = max_surge(deployment, desired);
    let unavailable = max_unavailable(deployment, desired);
    let total: i64 = old.iter().map(replicas).sum::<i64>() + replicas(new_rs);
    let mut changed = false;

    // Scale the new ReplicaSet up within the surge (or down if the Deployment shrank).
    let current = replicas(new_rs);
    let target = if current >= desired {
        desired
    } else {
        (current + (desired + surge - total).max(0)).min(desired)
    };
    changed |= scale(cluster, deployment, new_rs, target);

    // Scale old ReplicaSets down while enough pods stay available.
    let available: i64 = old
        .iter()
        .chain(std::iter::once(new_rs))
        .map(|rs| status_count(rs, "availableReplicas"))
        .sum();
    let new_unavailable = (target - status_count(new_rs, "availableReplicas")).max(0);
    let mut budget = (available - (desired - unavailable) - new_unavailable).max(0);
    for rs in old {
        let count = replicas(rs);
        if count == 0 {
            continue;
        }
        // Old pods that are not available cost no availability to remove.
        let unhealthy = (count - status_count(rs, "availableReplicas")).max(0);
        let remove = (unhealthy + budget).min(count);
        if remove == 0 {
            continue;
        }
        budget = (budget - (remove - unhealthy).max(0)).max(0);
        changed |= scale(cluster, deployment, rs, count - remove);
    }
    changed
}

fn recreate(
    cluster: &mut Cluster,
    deployment: &Value,
    new_rs: &Value,
    old: &[Value],
    desired: i64,
) -> bool {
    let mut changed = false;
    for rs in old.iter().filter(|rs| replicas(rs) > 0) {
        changed |= scale(cluster, deployment, rs, 0);
    }
    let old_pods_left = old.iter().any(|rs| status_count(rs, "replicas") > 0);
    if !changed && !old_pods_left {
        changed |= scale(cluster, deployment, new_rs, desired);
    }
    changed
}

fn prune_history(cluster: &mut Cluster, deployment: &Value, new_rs: &Value, old: &[Value]) {
    let limit = deployment["spec"]["revisionHistoryLimit"]
        .as_i64()
        .unwrap_or(10)
        .max(0) as usize;
    let idle: Vec<&Value> = old
        .iter()
        .filter(|rs| {
            replicas(rs) == 0
                && status_count(rs, "replicas") == 0
                && rs["metadata"]["uid"] != new_rs["metadata"]["uid"]
        })
        .collect();
    if idle.len() > limit {
        for rs in idle.iter().take(idle.len() - limit) {
            cluster.delete(cluster.kinds.replica_set, &object_key(rs));
        }
    }
}

fn condition(
    kind: &str,
    status: &str,
    reason: &str,
    message: String,
    updated: &str,
    transitioned: &str,
) -> Value {
    json!({"type": kind, "status": status, "lastUpdateTime": updated, "lastTransitionTime": transitioned, "reason": reason, "message": message})
}

fn update_status(
    cluster: &mut Cluster,
    deployment: &Value,
    new_rs: Option<&Value>,
    progressed: bool,
) {
    let key = object_key(deployment);
    // Re-read the ReplicaSets: scaling above changed them.
    let uid = deployment["metadata"]["uid"].as_str().unwrap_or_default();
    let sets = cluster.owned_by(cluster.kinds.replica_set, &key.0, uid);
    let desired = replicas(deployment);
    let sum = |field: &str| sets.iter().map(|rs| status_count(rs, field)).sum::<i64>();
    let new_rs = new_rs.and_then(|n| {
        sets.iter()
            .find(|rs| rs["metadata"]["uid"] == n["metadata"]["uid"])
    });
    let updated = new_rs.map(|rs| status_count(rs, "replicas")).unwrap_or(0);
    let (total, ready, available) = (
        sum("replicas"),
        sum("readyReplicas"),
        sum("availableReplicas"),
    );
    let now = ts(cluster.wall_now());
    let old_status = &deployment["status"];
    let old_condition = |kind: &str| {
        old_status["conditions"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["type"] == kind))
            .cloned()
    };
    let transition = |kind: &str, status: &str| match old_condition(kind) {
        Some(c) if c["status"] == status => {
            c["lastTransitionTime"].as_str().unwrap_or(&now).to_string()
        }
        _ => now.clone(),
    };
    let rs_name = new_rs
        .and_then(|rs| rs["metadata"]["name"].as_str())
        .unwrap_or_default()
        .to_string();

    let min_available = desired - max_unavailable(deployment, desired);
    let available_condition = if available >= min_available {
        (
            "True",
            "MinimumReplicasAvailable",
            "Deployment has minimum availability.",
        )
    } else {
        (
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    };
    let available_cond = {
        let keep = old_condition("Available").filter(|c| {
            c["status"] == available_condition.0 && c["reason"] == available_condition.1
        });
        keep.unwrap_or_else(|| {
            condition(
                "Available",
                available_condition.0,
                available_condition.1,
                available_condition.2.into(),
                &now,
                &transition("Available", available_condition.0),
            )
        })
    };

    let complete = updated == desired && available == desired && total == desired;
    let previous = old_condition("Progressing");
    let more_progress = progressed
        || updated > status_count(deployment, "updatedReplicas")
        || available > status_count(deployment, "availableReplicas")
        || ready > status_count(deployment, "readyReplicas");
    let deadline = deployment["spec"]["progressDeadlineSeconds"]
        .as_i64()
        .unwrap_or(600);
    let progressing = if deployment["spec"]["paused"] == true {
        condition(
            "Progressing",
            "Unknown",
            "DeploymentPaused",
            "Deployment is paused".into(),
            &now,
            &transition("Progressing", "Unknown"),
        )
    } else if complete {
        match previous.filter(|c| c["reason"] == "NewReplicaSetAvailable") {
            Some(c) => c,
            None => condition(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
                &now,
                &transition("Progressing", "True"),
            ),
        }
    } else if more_progress {
        let (reason, message) = if progressed && updated == 0 {
            (
                "NewReplicaSetCreated",
                format!("Created new replica set \"{rs_name}\""),
            )
        } else {
            (
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{rs_name}\" is progressing."),
            )
        };
        cluster.after_wall(
            Duration::from_secs(deadline.max(0) as u64 + 1),
            Work::Deployment(key.clone()),
        );
        condition(
            "Progressing",
            "True",
            reason,
            message,
            &now,
            &transition("Progressing", "True"),
        )
    } else {
        match previous {
            Some(c) if c["status"] == "True" && c["reason"] != "NewReplicaSetAvailable" => {
                let since = c["lastUpdateTime"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok());
                let stalled = since.is_some_and(|t| {
                    (cluster.wall_now() - t.with_timezone(&chrono::Utc)).num_seconds() > deadline
                });
                if stalled {
                    let message = format!("ReplicaSet \"{rs_name}\" has timed out progressing.");
                    cluster.event(
                        deployment,
                        Occurrence::new(
                            EventType::Warning,
                            "ProgressDeadlineExceeded",
                            message.clone(),
                            "deployment-controller",
                        ),
                    );
                    condition(
                        "Progressing",
                        "False",
                        "ProgressDeadlineExceeded",
                        message,
                        &now,
                        &now,
                    )
                } else {
                    c
                }
            }
            Some(c) => c,
            None => condition(
                "Progressing",
                "True",
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{rs_name}\" is progressing."),
                &now,
                &now,
            ),
        }
    };

    let mut status = json!({
        "observedGeneration": deployment["metadata"]["generation"].as_i64().unwrap_or(1),
        "replicas": total,
        "updatedReplicas": updated,
        "readyReplicas": ready,
        "availableReplicas": available,
        "unavailableReplicas": (desired - available).max(0),
        "conditions": [available_cond, progressing],
    });
    if let Some(map) = status.as_object_mut() {
        map.retain(|k, v| k == "observedGeneration" || k == "conditions" || v != &json!(0));
    }
    let mut updated_deployment = deployment.clone();
    updated_deployment["status"] = status;
    if let Some(rs) = new_rs {
        updated_deployment["metadata"]["annotations"][REVISION] = json!(revision(rs).to_string());
    }
    if updated_deployment != *deployment {
        cluster.update(cluster.kinds.deployment, updated_deployment);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn surge_rounds_up_and_unavailable_down() {
        assert_eq!(resolve(&json!("25%"), 3, true), 1);
        assert_eq!(resolve(&json!("25%"), 3, false), 0);
        assert_eq!(resolve(&json!(2), 3, false), 2);
        let d = json!({"spec": {"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}}});
        assert_eq!(
            max_unavailable(&d, 3),
            1,
            "both zero: one may be unavailable"
        );
    }
}
