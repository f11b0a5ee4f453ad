//! Nodes and events as the console shows them.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Event, Node};

use super::age::k8s_time;

pub const PRESSURE_CONDITIONS: &[&str] = &["MemoryPressure", "DiskPressure", "PIDPressure"];

#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub name: String,
    /// The Ready condition: Some(true) ready, Some(false) not ready, None unknown.
    pub ready: Option<bool>,
    pub pressures: Vec<String>,
    pub taints: Vec<String>,
    pub unschedulable: bool,
    pub cpu: String,
    pub memory: String,
    /// Allocatable in base units (cores, bytes), to read use against.
    pub allocatable: super::usage::Bounds,
    pub pods_capacity: String,
    /// Pods bound to this node among those watched (filled in by the caller).
    pub pods: usize,
    pub created: Option<DateTime<Utc>>,
}

impl NodeRow {
    /// The taints column: the first taint and how many more (`first +2`), so a hidden taint is
    /// never mistaken for none; node details list them all.
    pub fn taints_cell(&self) -> String {
        match self.taints.as_slice() {
            [] => "-".to_string(),
            [only] => only.clone(),
            [first, rest @ ..] => format!("{first} +{}", rest.len()),
        }
    }

    pub fn of(node: &Node) -> NodeRow {
        let status = node.status.as_ref();
        let conditions = status.and_then(|s| s.conditions.as_deref()).unwrap_or(&[]);
        let ready = conditions
            .iter()
            .find(|c| c.type_ == "Ready")
            .and_then(|c| match c.status.as_str() {
                "True" => Some(true),
                "False" => Some(false),
                _ => None,
            });
        let pressures = conditions
            .iter()
            .filter(|c| PRESSURE_CONDITIONS.contains(&c.type_.as_str()) && c.status == "True")
            .map(|c| c.type_.clone())
            .collect();
        let spec = node.spec.as_ref();
        let taints = spec
            .and_then(|s| s.taints.as_ref())
            .map(|t| {
                t.iter()
                    .map(|t| match &t.value {
                        Some(v) if !v.is_empty() => format!("{}={}:{}", t.key, v, t.effect),
                        _ => format!("{}:{}", t.key, t.effect),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let alloc = |k: &str| {
            status
                .and_then(|s| s.allocatable.as_ref())
                .and_then(|a| a.get(k))
                .map(|q| q.0.clone())
                .unwrap_or_default()
        };
        NodeRow {
            name: node.metadata.name.clone().unwrap_or_default(),
            ready,
            pressures,
            taints,
            unschedulable: spec.and_then(|s| s.unschedulable).unwrap_or(false),
            // In the units a person reads (`31.3Gi`, not `32863440Ki`).
            cpu: super::quantity::cpu_text(&alloc("cpu")),
            memory: super::quantity::memory_text(&alloc("memory")),
            allocatable: super::usage::Bounds {
                cpu: super::quantity::parse(&alloc("cpu")),
                memory: super::quantity::parse(&alloc("memory")),
            },
            pods_capacity: alloc("pods"),
            pods: 0,
            created: node.metadata.creation_timestamp.as_ref().map(k8s_time),
        }
    }

    /// kubectl's STATUS column: `Ready`, `NotReady`, `Unknown`, plus `SchedulingDisabled`.
    pub fn status_cell(&self) -> String {
        let base = match self.ready {
            Some(true) => "Ready",
            Some(false) => "NotReady",
            None => "Unknown",
        };
        if self.unschedulable {
            format!("{base},SchedulingDisabled")
        } else {
            base.to_string()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    pub namespace: String,
    pub name: String,
    pub warning: bool,
    pub type_: String,
    pub reason: String,
    /// `Pod/ms5-backend-...`
    pub object: String,
    pub object_name: String,
    /// The involved object's kind and namespace (empty for cluster-scoped kinds), to go to it.
    pub object_kind: String,
    pub object_namespace: String,
    pub message: String,
    pub count: i32,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    /// Who reported it (`kubelet`, `default-scheduler`).
    pub source: String,
    /// The node it was reported from, if any: a pod's eviction is the node's event too.
    pub host: String,
}

impl EventRow {
    pub fn of(e: &Event) -> EventRow {
        let last_seen = e
            .last_timestamp
            .as_ref()
            .map(k8s_time)
            .or_else(|| {
                e.event_time
                    .as_ref()
                    .map(|t| DateTime::<Utc>::from_timestamp_nanos(t.0.as_nanosecond() as i64))
            })
            .or_else(|| e.first_timestamp.as_ref().map(k8s_time))
            .or_else(|| e.metadata.creation_timestamp.as_ref().map(k8s_time));
        let type_ = e.type_.clone().unwrap_or_else(|| "Normal".into());
        EventRow {
            namespace: e.metadata.namespace.clone().unwrap_or_default(),
            name: e.metadata.name.clone().unwrap_or_default(),
            warning: type_ == "Warning",
            type_,
            reason: e.reason.clone().unwrap_or_default(),
            object: format!(
                "{}/{}",
                e.involved_object.kind.as_deref().unwrap_or(""),
                e.involved_object.name.as_deref().unwrap_or("")
            ),
            object_name: e.involved_object.name.clone().unwrap_or_default(),
            object_kind: e.involved_object.kind.clone().unwrap_or_default(),
            object_namespace: e.involved_object.namespace.clone().unwrap_or_default(),
            message: e.message.clone().unwrap_or_default().replace('\n', " "),
            count: e.count.unwrap_or(1),
            first_seen: e.first_timestamp.as_ref().map(k8s_time).or(last_seen),
            last_seen,
            source: e
                .source
                .as_ref()
                .and_then(|s| s.component.clone())
                .or_else(|| e.reporting_component.clone())
                .unwrap_or_default(),
            host: e
                .source
                .as_ref()
                .and_then(|s| s.host.clone())
                .or_else(|| e.reporting_instance.clone())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_taints_column_says_how_many_more_are_hidden() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "aks-db-0"},
            "spec": {"taints": [
                {"key": "workload", "value": "database", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"},
                {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
            ]}
        }))
        .expect("a node");
        let mut row = NodeRow::of(&node);
        assert_eq!(row.taints_cell(), "workload=database:NoSchedule +2");
        row.taints.truncate(1);
        assert_eq!(row.taints_cell(), "workload=database:NoSchedule");
        row.taints.clear();
        assert_eq!(row.taints_cell(), "-");
    }
}
