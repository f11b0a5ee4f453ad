//! The resource types the simulated API server serves, with what discovery says of each and how
//! a body for it is checked: every object is decoded into its k8s-openapi type and re-encoded, so
//! what is stored is what a real server would store.

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use k8s_openapi::api::{apps, autoscaling, batch, core, discovery, networking, policy};

/// One served resource, e.g. `deployments` in `apps/v1`.
#[derive(Debug)]
pub struct ResourceType {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Subresources served under `<plural>/<name>/<sub>`.
    pub subresources: &'static [&'static str],
    /// Whether `spec` edits count as a new generation and `status` is only written through
    /// the status subresource.
    pub has_status: bool,
    /// Decode into the typed object and encode again; errors name what did not decode.
    pub canonicalize: fn(Value) -> Result<Value, String>,
}

impl ResourceType {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn group_version(&self) -> (&'static str, &'static str) {
        (self.group, self.version)
    }

    /// `deployments.apps` or `pods`, as Kubernetes names a resource in messages.
    pub fn qualified_name(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn has_subresource(&self, sub: &str) -> bool {
        self.subresources.contains(&sub)
    }
}

fn canonical<K: Serialize + DeserializeOwned>(value: Value) -> Result<Value, String> {
    let typed: K = serde_json::from_value(value).map_err(|e| e.to_string())?;
    serde_json::to_value(typed).map_err(|e| e.to_string())
}

/// Reviews are not stored; they are only decoded to check their shape.
fn review(value: Value) -> Result<Value, String> {
    Ok(value)
}

/// Metrics cannot be written.
fn computed(_: Value) -> Result<Value, String> {
    Err("metrics are read-only".into())
}

const WORKLOAD: &[&str] = &["all"];
const NONE: &[&str] = &[];

macro_rules! resource {
    ($group:expr, $version:expr, $kind:expr, $plural:expr, $singular:expr, $namespaced:expr,
     $short:expr, $cats:expr, $subs:expr, $status:expr, $ty:ty) => {
        ResourceType {
            group: $group,
            version: $version,
            kind: $kind,
            plural: $plural,
            singular: $singular,
            namespaced: $namespaced,
            short_names: $short,
            categories: $cats,
            subresources: $subs,
            has_status: $status,
            canonicalize: canonical::<$ty>,
        }
    };
}

/// Every resource the simulator serves. Order is discovery order.
pub static RESOURCES: &[ResourceType] = &[
    resource!(
        "",
        "v1",
        "Namespace",
        "namespaces",
        "namespace",
        false,
        &["ns"],
        NONE,
        &["status"],
        true,
        core::v1::Namespace
    ),
    resource!(
        "",
        "v1",
        "Node",
        "nodes",
        "node",
        false,
        &["no"],
        NONE,
        &["status"],
        true,
        core::v1::Node
    ),
    resource!(
        "",
        "v1",
        "Pod",
        "pods",
        "pod",
        true,
        &["po"],
        WORKLOAD,
        &["status", "log"],
        true,
        core::v1::Pod
    ),
    resource!(
        "",
        "v1",
        "Service",
        "services",
        "service",
        true,
        &["svc"],
        WORKLOAD,
        &["status", "proxy"],
        true,
        core::v1::Service
    ),
    resource!(
        "",
        "v1",
        "Endpoints",
        "endpoints",
        "endpoints",
        true,
        &["ep"],
        NONE,
        NONE,
        false,
        core::v1::Endpoints
    ),
    resource!(
        "",
        "v1",
        "Event",
        "events",
        "event",
        true,
        &["ev"],
        NONE,
        NONE,
        false,
        core::v1::Event
    ),
    resource!(
        "",
        "v1",
        "ConfigMap",
        "configmaps",
        "configmap",
        true,
        &["cm"],
        NONE,
        NONE,
        false,
        core::v1::ConfigMap
    ),
    resource!(
        "",
        "v1",
        "Secret",
        "secrets",
        "secret",
        true,
        NONE,
        NONE,
        NONE,
        false,
        core::v1::Secret
    ),
    resource!(
        "",
        "v1",
        "ServiceAccount",
        "serviceaccounts",
        "serviceaccount",
        true,
        &["sa"],
        NONE,
        NONE,
        false,
        core::v1::ServiceAccount
    ),
    resource!(
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        "persistentvolumeclaim",
        true,
        &["pvc"],
        NONE,
        &["status"],
        true,
        core::v1::PersistentVolumeClaim
    ),
    resource!(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        "deployment",
        true,
        &["deploy"],
        WORKLOAD,
        &["status", "scale"],
        true,
        apps::v1::Deployment
    ),
    resource!(
        "apps",
        "v1",
        "ReplicaSet",
        "replicasets",
        "replicaset",
        true,
        &["rs"],
        WORKLOAD,
        &["status", "scale"],
        true,
        apps::v1::ReplicaSet
    ),
    resource!(
        "apps",
        "v1",
        "StatefulSet",
        "statefulsets",
        "statefulset",
        true,
        &["sts"],
        WORKLOAD,
        &["status", "scale"],
        true,
        apps::v1::StatefulSet
    ),
    resource!(
        "apps",
        "v1",
        "DaemonSet",
        "daemonsets",
        "daemonset",
        true,
        &["ds"],
        WORKLOAD,
        &["status"],
        true,
        apps::v1::DaemonSet
    ),
    resource!(
        "apps",
        "v1",
        "ControllerRevision",
        "controllerrevisions",
        "controllerrevision",
        true,
        NONE,
        NONE,
        NONE,
        false,
        apps::v1::ControllerRevision
    ),
    resource!(
        "batch",
        "v1",
        "Job",
        "jobs",
        "job",
        true,
        NONE,
        WORKLOAD,
        &["status"],
        true,
        batch::v1::Job
    ),
    resource!(
        "batch",
        "v1",
        "CronJob",
        "cronjobs",
        "cronjob",
        true,
        &["cj"],
        WORKLOAD,
        &["status"],
        true,
        batch::v1::CronJob
    ),
    resource!(
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        true,
        &["hpa"],
        WORKLOAD,
        &["status"],
        true,
        autoscaling::v2::HorizontalPodAutoscaler
    ),
    resource!(
        "discovery.k8s.io",
        "v1",
        "EndpointSlice",
        "endpointslices",
        "endpointslice",
        true,
        NONE,
        NONE,
        NONE,
        false,
        discovery::v1::EndpointSlice
    ),
    resource!(
        "networking.k8s.io",
        "v1",
        "Ingress",
        "ingresses",
        "ingress",
        true,
        &["ing"],
        NONE,
        &["status"],
        true,
        networking::v1::Ingress
    ),
    resource!(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        "networkpolicy",
        true,
        &["netpol"],
        NONE,
        NONE,
        false,
        networking::v1::NetworkPolicy
    ),
    resource!(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        "poddisruptionbudget",
        true,
        &["pdb"],
        NONE,
        &["status"],
        true,
        policy::v1::PodDisruptionBudget
    ),
    ResourceType {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "SelfSubjectAccessReview",
        plural: "selfsubjectaccessreviews",
        singular: "selfsubjectaccessreview",
        namespaced: false,
        short_names: NONE,
        categories: NONE,
        subresources: NONE,
        has_status: false,
        canonicalize: review,
    },
    ResourceType {
        group: "authorization.k8s.io",
        version: "v1",
        kind: "SelfSubjectRulesReview",
        plural: "selfsubjectrulesreviews",
        singular: "selfsubjectrulesreview",
        namespaced: false,
        short_names: NONE,
        categories: NONE,
        subresources: NONE,
        has_status: false,
        canonicalize: review,
    },
    ResourceType {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "NodeMetrics",
        plural: "nodes",
        singular: "",
        namespaced: false,
        short_names: NONE,
        categories: NONE,
        subresources: NONE,
        has_status: false,
        canonicalize: computed,
    },
    ResourceType {
        group: "metrics.k8s.io",
        version: "v1beta1",
        kind: "PodMetrics",
        plural: "pods",
        singular: "",
        namespaced: true,
        short_names: NONE,
        categories: NONE,
        subresources: NONE,
        has_status: false,
        canonicalize: computed,
    },
];

/// Review resources are create-only and never stored.
pub fn is_review(resource: &ResourceType) -> bool {
    resource.group == "authorization.k8s.io"
}

/// Metrics are computed when read (from the usage model), never stored: get and list only.
pub fn is_metrics(resource: &ResourceType) -> bool {
    resource.group == "metrics.k8s.io"
}

pub fn find(group: &str, version: &str, plural: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.group == group && r.version == version && r.plural == plural)
}

pub fn by_kind(api_version: &str, kind: &str) -> Option<&'static ResourceType> {
    RESOURCES
        .iter()
        .find(|r| r.kind == kind && r.api_version() == api_version)
}

/// The served group/versions in discovery order.
pub fn group_versions() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for r in RESOURCES {
        if !out.contains(&r.group_version()) {
            out.push(r.group_version());
        }
    }
    out
}

pub fn in_group_version(group: &str, version: &str) -> impl Iterator<Item = &'static ResourceType> {
    let (group, version) = (group.to_string(), version.to_string());
    RESOURCES
        .iter()
        .filter(move |r| r.group == group && r.version == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_unique_per_group_version() {
        for r in RESOURCES {
            assert_eq!(
                RESOURCES
                    .iter()
                    .filter(|o| o.kind == r.kind && o.api_version() == r.api_version())
                    .count(),
                1
            );
            assert!(std::ptr::eq(by_kind(&r.api_version(), r.kind).unwrap(), r));
        }
    }

    #[test]
    fn canonicalize_rejects_wrong_types() {
        let pods = find("", "v1", "pods").unwrap();
        let err =
            (pods.canonicalize)(serde_json::json!({"spec": {"containers": "nope"}})).unwrap_err();
        assert!(err.contains("invalid type"), "{err}");
    }
}
