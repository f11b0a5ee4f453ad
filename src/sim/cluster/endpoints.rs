//! The endpoints and EndpointSlice controllers: each Service with a selector gets the pods it
//! selects as addresses — ready ones in `addresses`, the rest in `notReadyAddresses` (and in its
//! EndpointSlice with `ready`, `serving` and `terminating` conditions), terminating pods out of
//! Endpoints — recomputed when a pod or a Service in the namespace changes, as
//! kube-controller-manager keeps them. So a rollout moves a Service's addresses to the new pods,
//! and a Service whose pods are all unready has none ready.

use serde_json::{Map, Value, json};

use super::{Cluster, is_pod_ready};
use crate::sim::resources;

pub fn reconcile(cluster: &mut Cluster, namespace: &str) {
    let (Some(services), Some(endpoints), Some(slices)) = (
        resources::find("", "v1", "services"),
        resources::find("", "v1", "endpoints"),
        resources::find("discovery.k8s.io", "v1", "endpointslices"),
    ) else {
        return;
    };
    let pods = cluster.store.list(cluster.kinds.pod, Some(namespace)).0;
    for service in cluster.store.list(services, Some(namespace)).0 {
        let service = service.value();
        let Some(selector) = service["spec"]["selector"]
            .as_object()
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        let name = service["metadata"]["name"].as_str().unwrap_or_default();
        let selected: Vec<&Value> = pods
            .iter()
            .map(|p| p.value())
            .filter(|p| selects(selector, p))
            // An address needs an IP; a finished pod has none that serves.
            .filter(|p| p["status"]["podIP"].is_string())
            .filter(|p| !matches!(p["status"]["phase"].as_str(), Some("Succeeded" | "Failed")))
            .collect();
        let ports = ports(service);
        let key = (namespace.to_string(), name.to_string());
        if let Some(current) = cluster.get(endpoints, &key) {
            let subsets = subsets(&selected, namespace, &ports);
            if current["subsets"] != subsets {
                let mut updated = current;
                updated["subsets"] = subsets;
                cluster.update(endpoints, updated);
            }
        }
        let owned = cluster
            .store
            .list(slices, Some(namespace))
            .0
            .into_iter()
            .find(|s| s.value()["metadata"]["labels"]["kubernetes.io/service-name"] == name);
        if let Some(slice) = owned {
            let wanted = slice_endpoints(&selected, namespace);
            if slice.value()["endpoints"] != wanted {
                let mut updated = slice.value().clone();
                updated["endpoints"] = wanted;
                cluster.update(slices, updated);
            }
        }
    }
}

fn selects(selector: &Map<String, Value>, pod: &Value) -> bool {
    selector
        .iter()
        .all(|(k, v)| pod["metadata"]["labels"][k] == *v)
}

fn ports(service: &Value) -> Vec<Value> {
    service["spec"]["ports"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let mut port = json!({"port": p["targetPort"], "protocol": "TCP"});
            if p["name"].is_string() {
                port["name"] = p["name"].clone();
            }
            port
        })
        .collect()
}

fn target_ref(pod: &Value, namespace: &str) -> Value {
    json!({"kind": "Pod", "namespace": namespace, "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]})
}

fn terminating(pod: &Value) -> bool {
    !pod["metadata"]["deletionTimestamp"].is_null()
}

/// Endpoints' subsets: ready pods' addresses, unready ones' as not ready, terminating ones
/// left out; none at all is no subset.
fn subsets(pods: &[&Value], namespace: &str, ports: &[Value]) -> Value {
    let address = |p: &&Value| json!({"ip": p["status"]["podIP"], "nodeName": p["spec"]["nodeName"], "targetRef": target_ref(p, namespace)});
    let live: Vec<&&Value> = pods.iter().filter(|p| !terminating(p)).collect();
    let ready: Vec<Value> = live
        .iter()
        .filter(|p| is_pod_ready(p))
        .map(|p| address(p))
        .collect();
    let unready: Vec<Value> = live
        .iter()
        .filter(|p| !is_pod_ready(p))
        .map(|p| address(p))
        .collect();
    if ready.is_empty() && unready.is_empty() {
        return json!([]);
    }
    let mut subset = json!({"ports": ports});
    if !ready.is_empty() {
        subset["addresses"] = json!(ready);
    }
    if !unready.is_empty() {
        subset["notReadyAddresses"] = json!(unready);
    }
    json!([subset])
}

/// An EndpointSlice's endpoints: every pod with an address, with its conditions.
fn slice_endpoints(pods: &[&Value], namespace: &str) -> Value {
    let endpoints: Vec<Value> = pods
        .iter()
        .map(|p| {
            let ready = is_pod_ready(p);
            json!({
                "addresses": [p["status"]["podIP"]],
                "conditions": {"ready": ready && !terminating(p), "serving": ready, "terminating": terminating(p)},
                "nodeName": p["spec"]["nodeName"],
                "targetRef": target_ref(p, namespace),
            })
        })
        .collect();
    json!(endpoints)
}
