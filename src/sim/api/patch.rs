//! PATCH bodies: JSON patch (RFC 6902) and JSON merge patch (RFC 7386) through the json-patch
//! crate, and Kubernetes' strategic merge patch, which no crate implements for k8s-openapi types:
//! lists merge by the merge keys of the Kubernetes API (a small table below), and the
//! `$patch`, `$setElementOrder`, `$retainKeys` and `$deleteFromPrimitiveList` directives apply.

use serde_json::{Map, Value};

use super::status::{ApiError, ApiResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchType {
    Json,
    Merge,
    Strategic,
    Apply,
}

pub const SUPPORTED: &[&str] = &[
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
    "application/apply-patch+yaml",
];

impl PatchType {
    pub fn from_content_type(content_type: &str) -> ApiResult<Self> {
        let media = content_type.split(';').next().unwrap_or_default().trim();
        match media {
            "application/json-patch+json" => Ok(PatchType::Json),
            "application/merge-patch+json" => Ok(PatchType::Merge),
            "application/strategic-merge-patch+json" => Ok(PatchType::Strategic),
            "application/apply-patch+yaml" | "application/apply-patch+cbor" => Ok(PatchType::Apply),
            other => Err(ApiError::unsupported_media_type(other, SUPPORTED)),
        }
    }
}

/// Applies `body` to `current` and returns the patched object.
pub fn apply(kind: PatchType, current: &Value, body: &[u8]) -> ApiResult<Value> {
    let mut patched = current.clone();
    match kind {
        PatchType::Json => {
            let ops: json_patch::Patch = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            json_patch::patch(&mut patched, &ops).map_err(|e| {
                // As the real server: a failed test or missing path is unprocessable.
                ApiError::invalid_patch(format!(
                    "the server rejected our request due to an error in our request: {e}"
                ))
            })?;
        }
        PatchType::Merge => {
            let patch: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            if !patch.is_object() {
                return Err(ApiError::bad_request("a merge patch must be a JSON object"));
            }
            json_patch::merge(&mut patched, &patch);
        }
        PatchType::Strategic => {
            let patch: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding patch: {e}")))?;
            let patch = patch.as_object().ok_or_else(|| {
                ApiError::bad_request("a strategic merge patch must be a JSON object")
            })?;
            strategic_merge(&mut patched, patch);
        }
        PatchType::Apply => {
            let patch: Value = serde_yaml::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
            let patch = patch
                .as_object()
                .ok_or_else(|| ApiError::bad_request("an apply configuration must be an object"))?;
            strategic_merge(&mut patched, patch);
        }
    }
    Ok(patched)
}

impl ApiError {
    fn invalid_patch(message: String) -> Self {
        let mut e = ApiError::bad_request(message);
        e.code = 422;
        e.reason = "Invalid";
        e
    }
}

/// The merge key of a list field, by field name, as the Kubernetes API types declare it
/// (`patchMergeKey`). `None`: the list is replaced whole.
fn merge_key(field: &str, sample: Option<&Value>) -> Option<&'static str> {
    Some(match field {
        "containers"
        | "initContainers"
        | "ephemeralContainers"
        | "env"
        | "volumes"
        | "imagePullSecrets"
        | "resourceClaims"
        | "secrets" => "name",
        "volumeMounts" => "mountPath",
        "volumeDevices" => "devicePath",
        "hostAliases" => "ip",
        "conditions" => "type",
        "ownerReferences" => "uid",
        "topologySpreadConstraints" => "topologyKey",
        // Container ports merge by containerPort; Service ports by port.
        "ports" => {
            if sample.is_some_and(|s| s.get("containerPort").is_some()) {
                "containerPort"
            } else {
                "port"
            }
        }
        _ => return None,
    })
}

/// Lists of scalars that merge as sets rather than being replaced.
fn merges_primitives(field: &str) -> bool {
    field == "finalizers"
}

pub fn strategic_merge(target: &mut Value, patch: &Map<String, Value>) {
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        *target = Value::Object(without_directives(patch));
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Some(map) = target.as_object_mut() else {
        return;
    };
    let mut orders = Vec::new();
    for (key, value) in patch {
        if let Some(field) = key.strip_prefix("$setElementOrder/") {
            orders.push((field.to_string(), value.clone()));
            continue;
        }
        if let Some(field) = key.strip_prefix("$deleteFromPrimitiveList/") {
            if let (Some(Value::Array(list)), Value::Array(gone)) = (map.get_mut(field), value) {
                list.retain(|v| !gone.contains(v));
            }
            continue;
        }
        if key.starts_with('$') {
            continue;
        }
        match value {
            Value::Null => {
                map.remove(key);
            }
            Value::Object(inner) => {
                if inner.get("$patch").and_then(Value::as_str) == Some("delete") {
                    map.remove(key);
                } else {
                    strategic_merge(map.entry(key.clone()).or_insert(Value::Null), inner);
                }
            }
            Value::Array(items) => merge_list(map, key, items),
            scalar => {
                map.insert(key.clone(), scalar.clone());
            }
        }
    }
    for (field, order) in orders {
        if let (Some(Value::Array(list)), Value::Array(order)) = (map.get_mut(&field), order) {
            reorder(&field, list, &order);
        }
    }
    if let Some(Value::Array(keep)) = patch.get("$retainKeys") {
        let keep: Vec<&str> = keep.iter().filter_map(Value::as_str).collect();
        map.retain(|k, _| keep.contains(&k.as_str()));
    }
}

fn merge_list(map: &mut Map<String, Value>, field: &str, items: &[Value]) {
    let replace_whole = items
        .iter()
        .any(|i| i.get("$patch").and_then(Value::as_str) == Some("replace"));
    let key = merge_key(
        field,
        items
            .first()
            .or_else(|| map.get(field).and_then(|v| v.get(0))),
    );
    let current = map
        .entry(field.to_string())
        .or_insert_with(|| Value::Array(Vec::new()));
    if !current.is_array() || replace_whole {
        let kept = items
            .iter()
            .filter(|i| i.get("$patch").is_none())
            .cloned()
            .collect();
        *current = Value::Array(kept);
        return;
    }
    let Some(list) = current.as_array_mut() else {
        return;
    };
    match key {
        Some(key) if items.iter().all(Value::is_object) => {
            for item in items {
                let id = item.get(key);
                let position = list
                    .iter()
                    .position(|existing| existing.get(key) == id && id.is_some());
                let delete = item.get("$patch").and_then(Value::as_str) == Some("delete");
                match (position, delete, item.as_object()) {
                    (Some(at), true, _) => {
                        list.remove(at);
                    }
                    (None, true, _) => {}
                    (Some(at), false, Some(patch)) => strategic_merge(&mut list[at], patch),
                    (None, false, Some(patch)) => {
                        list.push(Value::Object(without_directives(patch)))
                    }
                    (_, false, None) => {}
                }
            }
        }
        _ if merges_primitives(field) => {
            for item in items {
                if !list.contains(item) {
                    list.push(item.clone());
                }
            }
        }
        _ => *list = items.to_vec(),
    }
}

/// Orders `list` by `order` (`$setElementOrder`): listed elements in the given order, the others
/// after them in their current order.
fn reorder(field: &str, list: &mut [Value], order: &[Value]) {
    let key = merge_key(field, list.first());
    let rank = |item: &Value| {
        order
            .iter()
            .position(|o| match (key, o) {
                (Some(k), Value::Object(_)) => o.get(k) == item.get(k),
                _ => o == item,
            })
            .unwrap_or(usize::MAX)
    };
    list.sort_by_key(|item| rank(item));
}

fn without_directives(map: &Map<String, Value>) -> Map<String, Value> {
    map.iter()
        .filter(|(k, _)| !k.starts_with('$'))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn smp(target: Value, patch: Value) -> Value {
        apply(PatchType::Strategic, &target, patch.to_string().as_bytes()).unwrap()
    }

    fn deployment() -> Value {
        json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "backend:1", "readinessProbe": {"httpGet": {"path": "/ready"}},
             "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
             "ports": [{"containerPort": 8000}]},
            {"name": "sidecar", "image": "proxy:1"}
        ]}}}})
    }

    #[test]
    fn set_image_keeps_the_rest_of_the_container() {
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "backend:2"}]}}}}),
        );
        let app = &out["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(app["image"], "backend:2");
        assert_eq!(app["readinessProbe"]["httpGet"]["path"], "/ready");
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][1]["image"],
            "proxy:1"
        );
    }

    #[test]
    fn env_merges_by_name_and_deletes() {
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "env": [{"name": "B", "value": "3"}, {"name": "A", "$patch": "delete"}, {"name": "C", "value": "4"}]}
            ]}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"][0]["env"],
            json!([{"name": "B", "value": "3"}, {"name": "C", "value": "4"}])
        );
    }

    #[test]
    fn set_element_order_and_null_removal() {
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {
                "$setElementOrder/containers": [{"name": "sidecar"}, {"name": "app"}],
                "containers": [{"name": "app", "readinessProbe": null}]
            }}}}),
        );
        let containers = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(containers[0]["name"], "sidecar");
        assert!(containers[1].get("readinessProbe").is_none());
    }

    #[test]
    fn retain_keys_and_replace_directives() {
        let target = json!({"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}}});
        let out = smp(
            target,
            json!({"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}),
        );
        assert_eq!(out["spec"]["strategy"], json!({"type": "Recreate"}));
        let out = smp(
            deployment(),
            json!({"spec": {"template": {"spec": {"containers": [{"name": "only", "image": "x"}, {"$patch": "replace"}]}}}}),
        );
        assert_eq!(
            out["spec"]["template"]["spec"]["containers"],
            json!([{"name": "only", "image": "x"}])
        );
    }

    #[test]
    fn lists_without_merge_key_are_replaced_and_finalizers_merge() {
        let target = json!({"metadata": {"finalizers": ["a"]}, "spec": {"args": ["x", "y"]}});
        let out = smp(
            target,
            json!({"metadata": {"finalizers": ["b"]}, "spec": {"args": ["z"]}}),
        );
        assert_eq!(out["metadata"]["finalizers"], json!(["a", "b"]));
        assert_eq!(out["spec"]["args"], json!(["z"]));
    }

    #[test]
    fn json_and_merge_patches() {
        let target = json!({"spec": {"replicas": 3, "paused": true}});
        let out = apply(
            PatchType::Merge,
            &target,
            br#"{"spec":{"replicas":5,"paused":null}}"#,
        )
        .unwrap();
        assert_eq!(out, json!({"spec": {"replicas": 5}}));
        let out = apply(
            PatchType::Json,
            &target,
            br#"[{"op":"replace","path":"/spec/replicas","value":1}]"#,
        )
        .unwrap();
        assert_eq!(out["spec"]["replicas"], 1);
        let err = apply(
            PatchType::Json,
            &target,
            br#"[{"op":"remove","path":"/nope"}]"#,
        )
        .unwrap_err();
        assert_eq!(err.code, 422);
        assert_eq!(
            apply(PatchType::Merge, &target, b"{nope").unwrap_err().code,
            400
        );
        assert_eq!(
            PatchType::from_content_type("text/plain").unwrap_err().code,
            415
        );
    }
}
