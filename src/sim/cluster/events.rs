//! Events as Kubernetes records them: one object per (object, reason, message), its `count`
//! and `lastTimestamp` bumped when it happens again, and removed an hour after it last happened
//! (the API server's event TTL).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use crate::sim::world::objects::ts;

/// Kubernetes' default event TTL.
pub const TTL: Duration = Duration::hours(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Normal,
    Warning,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Normal => "Normal",
            EventType::Warning => "Warning",
        }
    }
}

/// Something that happened to an object.
#[derive(Debug, Clone)]
pub struct Occurrence {
    pub kind: EventType,
    pub reason: &'static str,
    pub message: String,
    /// `deployment-controller`, `kubelet`, `default-scheduler`...
    pub component: &'static str,
    /// The node, for kubelet events.
    pub host: Option<String>,
    /// `spec.containers{backend}` for container events.
    pub field_path: Option<String>,
}

impl Occurrence {
    pub fn new(
        kind: EventType,
        reason: &'static str,
        message: impl Into<String>,
        component: &'static str,
    ) -> Self {
        Occurrence {
            kind,
            reason,
            message: message.into(),
            component,
            host: None,
            field_path: None,
        }
    }

    pub fn on_node(mut self, node: &str) -> Self {
        self.host = Some(node.to_string());
        self
    }

    pub fn for_container(mut self, container: &str) -> Self {
        self.field_path = Some(format!("spec.containers{{{container}}}"));
        self
    }
}

/// Remembers which event object stands for which (object, reason, message), to count repeats.
#[derive(Default)]
pub struct Recorder {
    series: HashMap<(String, &'static str, String), String>,
}

/// What the recorder asks the store to do.
pub enum Record {
    Create(Value),
    /// Bump this existing event (namespace, name).
    Repeat {
        namespace: String,
        name: String,
    },
}

impl Recorder {
    /// The event object to create, or the existing one to bump.
    pub fn record(
        &mut self,
        involved: &Value,
        what: &Occurrence,
        name_suffix: u64,
        now: DateTime<Utc>,
    ) -> Record {
        let meta = &involved["metadata"];
        let uid = meta["uid"].as_str().unwrap_or_default().to_string();
        let namespace = meta["namespace"].as_str().unwrap_or("default").to_string();
        let key = (uid.clone(), what.reason, what.message.clone());
        if let Some(name) = self.series.get(&key) {
            return Record::Repeat {
                namespace,
                name: name.clone(),
            };
        }
        let object_name = meta["name"].as_str().unwrap_or_default();
        let name = format!("{object_name}.{name_suffix:016x}");
        self.series.insert(key, name.clone());
        let mut involved_ref = json!({
            "kind": involved["kind"], "namespace": namespace, "name": object_name, "uid": uid,
            "apiVersion": involved["apiVersion"], "resourceVersion": meta["resourceVersion"],
        });
        if let Some(path) = &what.field_path {
            involved_ref["fieldPath"] = json!(path);
        }
        let mut source = json!({"component": what.component});
        if let Some(host) = &what.host {
            source["host"] = json!(host);
        }
        Record::Create(json!({
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace, "creationTimestamp": ts(now)},
            "involvedObject": involved_ref,
            "reason": what.reason,
            "message": what.message,
            "type": what.kind.as_str(),
            "source": source,
            "reportingComponent": what.component,
            "reportingInstance": what.host.clone().unwrap_or_default(),
            "firstTimestamp": ts(now),
            "lastTimestamp": ts(now),
            "count": 1,
        }))
    }

    /// Forgets a series whose event object is gone (expired or deleted).
    pub fn forget(&mut self, namespace: &str, name: &str) {
        let _ = namespace;
        self.series.retain(|_, n| n != name);
    }
}

/// The event bumped for one more occurrence.
pub fn repeated(mut event: Value, now: DateTime<Utc>) -> Value {
    let count = event["count"].as_i64().unwrap_or(1) + 1;
    event["count"] = json!(count);
    event["lastTimestamp"] = json!(ts(now));
    event
}

/// Whether an event has outlived the TTL.
pub fn expired(event: &Value, now: DateTime<Utc>) -> bool {
    let last = event["lastTimestamp"]
        .as_str()
        .or(event["metadata"]["creationTimestamp"].as_str())
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok());
    last.is_some_and(|t| now.signed_duration_since(t.with_timezone(&Utc)) > TTL)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_counted_on_one_event() {
        let pod = json!({"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "backend-1", "namespace": "ms5-production", "uid": "u1"}});
        let mut recorder = Recorder::default();
        let what = Occurrence::new(
            EventType::Warning,
            "BackOff",
            "Back-off restarting failed container",
            "kubelet",
        )
        .for_container("backend");
        let now = Utc::now();
        let Record::Create(event) = recorder.record(&pod, &what, 1, now) else {
            panic!("first is a create")
        };
        assert_eq!(
            event["involvedObject"]["fieldPath"],
            "spec.containers{backend}"
        );
        let Record::Repeat { name, .. } = recorder.record(&pod, &what, 2, now) else {
            panic!("second is a repeat")
        };
        assert_eq!(name, event["metadata"]["name"].as_str().unwrap());
        let bumped = repeated(event, now + Duration::seconds(10));
        assert_eq!(bumped["count"], 2);
        assert!(!expired(&bumped, now + Duration::minutes(59)));
        assert!(expired(&bumped, now + Duration::minutes(61)));
    }
}
