//! Deployments and StatefulSets as the rollouts view shows them, with the ReplicaSet history.

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};

use super::age::k8s_time;
use super::pod_view::PodRow;
use super::rollout::{
    Health, RolloutStatus, deployment_status, deployment_updating, statefulset_status,
    statefulset_updating,
};

pub const REVISION_ANNOTATION: &str = "deployment.kubernetes.io/revision";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub type_: String,
    pub status: String,
    pub reason: String,
    pub message: String,
}

impl Condition {
    /// Deployment and StatefulSet conditions are different types of the same four fields.
    fn new(type_: &str, status: &str, reason: &Option<String>, message: &Option<String>) -> Self {
        Condition {
            type_: type_.to_string(),
            status: status.to_string(),
            reason: reason.clone().unwrap_or_default(),
            message: message.clone().unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRow {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub uid: String,
    pub desired: i32,
    pub updated: i32,
    pub ready: i32,
    pub available: i32,
    pub revision: String,
    pub images: Vec<String>,
    pub status: RolloutStatus,
    pub health: Health,
    pub conditions: Vec<Condition>,
    pub created: Option<DateTime<Utc>>,
    /// The pod selector's `matchLabels`, to list its pods.
    pub selector: Vec<(String, String)>,
}

/// What differs between a Deployment and a StatefulSet row; the rest is shared.
struct Parts<'a> {
    kind: &'static str,
    counts: [i32; 4],
    revision: String,
    template: Option<&'a PodTemplateSpec>,
    rollout: RolloutStatus,
    updating: bool,
    conditions: Vec<Condition>,
    selector: Option<&'a LabelSelector>,
}

impl WorkloadRow {
    pub fn of_deployment(d: &Deployment) -> WorkloadRow {
        let status = d.status.as_ref();
        let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
        let parts = Parts {
            kind: "Deployment",
            counts: [
                d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                status.and_then(|s| s.updated_replicas).unwrap_or(0),
                ready,
                status.and_then(|s| s.available_replicas).unwrap_or(0),
            ],
            revision: annotation(&d.metadata.annotations, REVISION_ANNOTATION),
            template: d.spec.as_ref().map(|s| &s.template),
            rollout: deployment_status(d),
            updating: deployment_updating(d),
            selector: d.spec.as_ref().map(|s| &s.selector),
            conditions: status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .map(|c| Condition::new(&c.type_, &c.status, &c.reason, &c.message))
                .collect(),
        };
        WorkloadRow::from_parts(&d.metadata, parts)
    }

    pub fn of_statefulset(s: &StatefulSet) -> WorkloadRow {
        let status = s.status.as_ref();
        let ready = status.and_then(|s| s.ready_replicas).unwrap_or(0);
        let parts = Parts {
            kind: "StatefulSet",
            counts: [
                s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1),
                status.and_then(|s| s.updated_replicas).unwrap_or(0),
                ready,
                status.and_then(|s| s.available_replicas).unwrap_or(ready),
            ],
            revision: status
                .and_then(|s| s.update_revision.clone())
                .unwrap_or_default(),
            template: s.spec.as_ref().map(|s| &s.template),
            rollout: statefulset_status(s),
            updating: statefulset_updating(s),
            selector: s.spec.as_ref().map(|s| &s.selector),
            conditions: status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .map(|c| Condition::new(&c.type_, &c.status, &c.reason, &c.message))
                .collect(),
        };
        WorkloadRow::from_parts(&s.metadata, parts)
    }

    fn from_parts(meta: &ObjectMeta, parts: Parts<'_>) -> WorkloadRow {
        let [desired, updated, ready, available] = parts.counts;
        WorkloadRow {
            kind: parts.kind,
            namespace: meta.namespace.clone().unwrap_or_default(),
            name: meta.name.clone().unwrap_or_default(),
            uid: meta.uid.clone().unwrap_or_default(),
            desired,
            updated,
            ready,
            available,
            revision: parts.revision,
            images: parts.template.map(images).unwrap_or_default(),
            health: Health::of(&parts.rollout, desired, ready, parts.updating),
            status: parts.rollout,
            conditions: parts.conditions,
            created: meta.creation_timestamp.as_ref().map(k8s_time),
            selector: parts
                .selector
                .and_then(|s| s.match_labels.as_ref())
                .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }
    }

    /// Whether `pod` is one of this workload's (a Deployment's through its `NAME-<hash>`
    /// ReplicaSets).
    pub fn owns(&self, pod: &PodRow) -> bool {
        pod.namespace == self.namespace
            && owner_workload(pod)
                .is_some_and(|(kind, name)| kind == self.kind && name == self.name)
    }

    /// Degraded when it is short of ready replicas and one of its pods cannot run
    /// (unschedulable, evicted, crashing), even in the middle of an update: waiting will not fix
    /// it. An evicted pod left behind beside a ready replacement changes nothing.
    /// `troubled` comes from [`troubled_workloads`].
    pub fn with_pod_trouble(mut self, troubled: &TroubledWorkloads) -> WorkloadRow {
        if self.ready < self.desired
            && troubled.contains(&(self.namespace.clone(), self.kind, self.name.clone()))
        {
            self.health = Health::Degraded;
        }
        self
    }

    /// Updated replicas over desired, 0.0..=1.0, for the progress gauge.
    pub fn progress(&self) -> f64 {
        if self.desired <= 0 {
            return 1.0;
        }
        (f64::from(self.updated.min(self.ready)) / f64::from(self.desired)).clamp(0.0, 1.0)
    }
}

/// (namespace, kind, name) of the workloads with a pod that cannot run.
/// Built from every pod on each pod change: a fast hash for short keys.
pub type TroubledWorkloads = rustc_hash::FxHashSet<(String, &'static str, String)>;

/// The workloads owning a pod that cannot run, found in one pass over the pods (not per
/// workload: 10,000 pods). A Deployment owns its pods through `NAME-<hash>` ReplicaSets.
pub fn troubled_workloads<'a>(pods: impl Iterator<Item = &'a PodRow>) -> TroubledWorkloads {
    pods.filter(|p| p.cannot_run())
        .filter_map(|p| {
            owner_workload(p).map(|(kind, name)| (p.namespace.clone(), kind, name.to_string()))
        })
        .collect()
}

/// The Deployment or StatefulSet a pod belongs to: (kind, name).
pub fn owner_workload(pod: &PodRow) -> Option<(&'static str, &str)> {
    match pod.owner.as_ref()? {
        (kind, rs) if kind == "ReplicaSet" => rs
            .rsplit_once('-')
            .map(|(deployment, _)| ("Deployment", deployment)),
        (kind, name) if kind == "StatefulSet" => Some(("StatefulSet", name.as_str())),
        _ => None,
    }
}

/// One ReplicaSet of a Deployment's history, newest revision first in `history`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevisionRow {
    pub revision: i64,
    pub name: String,
    pub images: Vec<String>,
    pub replicas: i32,
    pub ready: i32,
    pub created: Option<DateTime<Utc>>,
}

/// The ReplicaSets owned by the Deployment with `uid`, newest revision first.
pub fn history<'a>(
    uid: &str,
    replicasets: impl Iterator<Item = &'a ReplicaSet>,
) -> Vec<RevisionRow> {
    let mut rows: Vec<RevisionRow> = replicasets
        .filter(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.uid == uid)
        })
        .map(|rs| RevisionRow {
            revision: annotation(&rs.metadata.annotations, REVISION_ANNOTATION)
                .parse()
                .unwrap_or(0),
            name: rs.metadata.name.clone().unwrap_or_default(),
            images: rs
                .spec
                .as_ref()
                .and_then(|s| s.template.as_ref())
                .map(images)
                .unwrap_or_default(),
            replicas: rs.status.as_ref().map_or(0, |s| s.replicas),
            ready: rs
                .status
                .as_ref()
                .and_then(|s| s.ready_replicas)
                .unwrap_or(0),
            created: rs.metadata.creation_timestamp.as_ref().map(k8s_time),
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.revision));
    rows
}

fn annotation(
    annotations: &Option<std::collections::BTreeMap<String, String>>,
    key: &str,
) -> String {
    annotations
        .as_ref()
        .and_then(|a| a.get(key))
        .cloned()
        .unwrap_or_default()
}

/// A pod template's container images, in order.
pub fn images(template: &PodTemplateSpec) -> Vec<String> {
    template
        .spec
        .as_ref()
        .map(|s| {
            s.containers
                .iter()
                .filter_map(|c| c.image.clone())
                .collect()
        })
        .unwrap_or_default()
}
