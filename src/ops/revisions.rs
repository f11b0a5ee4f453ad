//! A workload's revision history, read whole when an undo is planned: a Deployment's
//! ReplicaSets, a StatefulSet's ControllerRevisions. The console's watches keep slim copies
//! (no pod templates), and an undo sends the chosen revision's template back exactly as the
//! server stored it, as `kubectl rollout undo` does.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;

use crate::source::error::ApiError;

/// How long a read for planning may take: the person is waiting in the chooser.
const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The Deployment revision annotation, on the Deployment and each of its ReplicaSets.
pub const REVISION: &str = "deployment.kubernetes.io/revision";

/// Annotations `kubectl rollout undo` keeps from the Deployment rather than copying from the
/// ReplicaSet (its `annotationsToSkip`).
const KEPT_FROM_DEPLOYMENT: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION,
    "deployment.kubernetes.io/revision-history",
    "deployment.kubernetes.io/desired-replicas",
    "deployment.kubernetes.io/max-replicas",
    "deprecated.deployment.rollback.to",
];

/// One revision a workload can go back to.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub number: i64,
    /// `ReplicaSet` or `ControllerRevision`.
    pub source_kind: &'static str,
    pub source: String,
    pub images: Vec<String>,
    pub created: Option<DateTime<Utc>>,
    /// The pod template as stored (a ReplicaSet's without its `pod-template-hash` label).
    pub template: Value,
    /// A ReplicaSet's annotations (a Deployment's undo copies them back).
    pub annotations: BTreeMap<String, String>,
}

impl Revision {
    /// `revision 5 (ms5-backend:1.8.3)`.
    pub fn words(&self) -> String {
        format!("revision {} ({})", self.number, short_images(&self.images))
    }
}

/// A workload's revisions, newest first, and the one it is at.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub current: i64,
    pub revisions: Vec<Revision>,
}

impl History {
    pub fn current(&self) -> Option<&Revision> {
        self.revisions.iter().find(|r| r.number == self.current)
    }

    /// The revisions an undo can choose, newest first (all but the current one).
    pub fn choices(&self) -> Vec<&Revision> {
        self.revisions
            .iter()
            .filter(|r| r.number != self.current)
            .collect()
    }
}

/// `ms5-backend:1.8.3`: images without their registry and path, joined.
pub fn short_images(images: &[String]) -> String {
    let short: Vec<&str> = images
        .iter()
        .map(|i| i.rsplit('/').next().unwrap_or(i))
        .collect();
    if short.is_empty() {
        "no image".into()
    } else {
        short.join(", ")
    }
}

fn resource(group: &str, kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: group.into(),
        version: "v1".into(),
        api_version: if group.is_empty() {
            "v1".into()
        } else {
            format!("{group}/v1")
        },
        kind: kind.into(),
        plural: plural.into(),
    }
}

fn sources_of(kind: &str) -> (ApiResource, &'static str) {
    match kind {
        "Deployment" => (resource("apps", "ReplicaSet", "replicasets"), "ReplicaSet"),
        _ => (
            resource("apps", "ControllerRevision", "controllerrevisions"),
            "ControllerRevision",
        ),
    }
}

async fn bounded<T>(
    request: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, ApiError> {
    tokio::time::timeout(READ_TIMEOUT, request)
        .await
        .map_err(|_| ApiError::transport(format!("no answer within {} s", READ_TIMEOUT.as_secs())))?
        .map_err(|e| ApiError::kube(&e))
}

/// Reads the history of the Deployment or StatefulSet `namespace/name`.
pub async fn read(
    client: kube::Client,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Result<History, ApiError> {
    let workload_resource = match kind {
        "Deployment" => resource("apps", "Deployment", "deployments"),
        _ => resource("apps", "StatefulSet", "statefulsets"),
    };
    let workloads: Api<DynamicObject> =
        Api::namespaced_with(client.clone(), namespace, &workload_resource);
    let workload = bounded(workloads.get(name)).await?;
    let uid = workload.metadata.uid.clone().unwrap_or_default();
    let selector = workload.data["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    let (source_resource, source_kind) = sources_of(kind);
    let sources: Api<DynamicObject> = Api::namespaced_with(client, namespace, &source_resource);
    let listed = bounded(sources.list(&ListParams::default().labels(&selector))).await?;
    let mut revisions: Vec<Revision> = listed
        .items
        .iter()
        .filter(|o| {
            o.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|r| r.uid == uid)
        })
        .filter_map(|o| revision_of(o, source_kind))
        .collect();
    revisions.sort_by_key(|r| std::cmp::Reverse(r.number));
    let current = match kind {
        "Deployment" => workload
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get(REVISION))
            .and_then(|r| r.parse().ok()),
        _ => workload.data["status"]["updateRevision"]
            .as_str()
            .and_then(|name| revisions.iter().find(|r| r.source == name))
            .map(|r| r.number),
    }
    .or_else(|| revisions.first().map(|r| r.number))
    .unwrap_or(0);
    Ok(History { current, revisions })
}

fn revision_of(object: &DynamicObject, source_kind: &'static str) -> Option<Revision> {
    let annotations = object.metadata.annotations.clone().unwrap_or_default();
    let (number, mut template) = match source_kind {
        "ReplicaSet" => (
            annotations.get(REVISION)?.parse().ok()?,
            object.data["spec"]["template"].clone(),
        ),
        _ => (
            object.data["revision"].as_i64()?,
            object.data["data"]["spec"]["template"].clone(),
        ),
    };
    if let Some(map) = template.as_object_mut() {
        // The ControllerRevision's replace directive is for strategic merge; the ReplicaSet's
        // hash label is its own, never the Deployment's.
        map.remove("$patch");
    }
    if let Some(labels) = template["metadata"]["labels"].as_object_mut() {
        labels.remove("pod-template-hash");
    }
    let images = template["spec"]["containers"]
        .as_array()
        .map(|cs| {
            cs.iter()
                .filter_map(|c| c["image"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some(Revision {
        number,
        source_kind,
        source: object.metadata.name.clone().unwrap_or_default(),
        images,
        created: object
            .metadata
            .creation_timestamp
            .as_ref()
            .map(crate::model::age::k8s_time),
        template,
        annotations,
    })
}

/// Whether the revision's ReplicaSet or ControllerRevision still exists (the history limit
/// may have pruned it since the plan).
pub async fn still_exists(
    client: kube::Client,
    namespace: &str,
    revision: &Revision,
) -> Result<bool, ApiError> {
    let (resource, _) = sources_of(match revision.source_kind {
        "ReplicaSet" => "Deployment",
        _ => "StatefulSet",
    });
    let api: Api<DynamicObject> = Api::namespaced_with(client, namespace, &resource);
    Ok(bounded(api.get_opt(&revision.source)).await?.is_some())
}

/// The Deployment's annotations after an undo to `to`, as `kubectl rollout undo` computes
/// them: its own for the kept keys, the ReplicaSet's for the rest.
pub fn deployment_annotations(
    current: &BTreeMap<String, String>,
    to: &Revision,
) -> BTreeMap<String, String> {
    let mut annotations: BTreeMap<String, String> = current
        .iter()
        .filter(|(k, _)| KEPT_FROM_DEPLOYMENT.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in &to.annotations {
        if !KEPT_FROM_DEPLOYMENT.contains(&k.as_str()) {
            annotations.insert(k.clone(), v.clone());
        }
    }
    annotations
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_undo_keeps_the_deployments_revision_and_takes_the_replicasets_other_annotations() {
        let current = BTreeMap::from([
            (REVISION.to_string(), "7".to_string()),
            ("team".to_string(), "floor".to_string()),
        ]);
        let to = Revision {
            number: 5,
            source_kind: "ReplicaSet",
            source: "backend-1".into(),
            images: vec!["ms5acr.azurecr.io/ms5-backend:1.8.3".into()],
            created: None,
            template: Value::Null,
            annotations: BTreeMap::from([
                (REVISION.to_string(), "5".to_string()),
                (
                    "deployment.kubernetes.io/desired-replicas".into(),
                    "3".into(),
                ),
                ("change-cause".to_string(), "hotfix".to_string()),
            ]),
        };
        assert_eq!(
            deployment_annotations(&current, &to),
            BTreeMap::from([
                (REVISION.to_string(), "7".to_string()),
                ("change-cause".to_string(), "hotfix".to_string()),
            ])
        );
        assert_eq!(to.words(), "revision 5 (ms5-backend:1.8.3)");
    }
}
