//! What happens to an object between the request body and the store: kind and namespace
//! checks, decoding into its k8s-openapi type (unknown fields per `fieldValidation`), the
//! validation rules a real server applies to the MS5 kinds, and server-set metadata.

use chrono::{SecondsFormat, Utc};
use rand::Rng;
use serde_json::{Map, Value, json};

use super::request::FieldValidation;
use super::status::{ApiError, ApiResult, Cause};
use crate::sim::resources::ResourceType;

pub fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `Deployment.apps` or `Pod`, as Kubernetes names a kind in messages.
pub fn qualified_kind(resource: &ResourceType) -> String {
    if resource.group.is_empty() {
        resource.kind.to_string()
    } else {
        format!("{}.{}", resource.kind, resource.group)
    }
}

/// Checks apiVersion/kind and namespace against the URL and fills them in where absent.
pub fn check_identity(
    resource: &ResourceType,
    namespace: Option<&str>,
    object: &mut Value,
) -> ApiResult<()> {
    let expected = resource.api_version();
    match object["apiVersion"].as_str() {
        None => object["apiVersion"] = json!(expected),
        Some(v) if v == expected => {}
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "the API version in the data ({v}) does not match the expected API version ({expected})"
            )));
        }
    }
    match object["kind"].as_str() {
        None => object["kind"] = json!(resource.kind),
        Some(k) if k == resource.kind => {}
        Some(k) => {
            return Err(ApiError::bad_request(format!(
                "the kind in the data ({k}) does not match the expected kind ({})",
                resource.kind
            )));
        }
    }
    if !object["metadata"].is_object() {
        object["metadata"] = json!({});
    }
    if resource.namespaced {
        let ns = namespace.unwrap_or_default();
        match object["metadata"]["namespace"].as_str() {
            Some(given) if !given.is_empty() && given != ns => {
                return Err(ApiError::bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request",
                ));
            }
            _ => object["metadata"]["namespace"] = json!(ns),
        }
    } else if let Some(meta) = object["metadata"].as_object_mut() {
        meta.remove("namespace");
    }
    Ok(())
}

/// Decodes into the typed object; with `Strict`, fields the type does not know are an error,
/// with `Warn` they come back as warnings.
pub fn canonicalize(
    resource: &ResourceType,
    object: Value,
    validation: FieldValidation,
) -> ApiResult<(Value, Vec<String>)> {
    let typed = (resource.canonicalize)(object.clone()).map_err(|e| {
        ApiError::bad_request(format!(
            "{} in version \"{}\" cannot be handled as a {}: {e}",
            resource.kind, resource.version, resource.kind
        ))
    })?;
    let mut unknown = Vec::new();
    if validation != FieldValidation::Ignore {
        unknown_fields(&object, &typed, "", &mut unknown);
    }
    if validation == FieldValidation::Strict && !unknown.is_empty() {
        let list = unknown
            .iter()
            .map(|f| format!("unknown field \"{f}\""))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ApiError::bad_request(format!(
            "strict decoding error: {list}"
        )));
    }
    Ok((
        typed,
        unknown
            .into_iter()
            .map(|f| format!("unknown field \"{f}\""))
            .collect(),
    ))
}

fn unknown_fields(given: &Value, known: &Value, path: &str, out: &mut Vec<String>) {
    match (given, known) {
        (Value::Object(g), Value::Object(k)) => {
            for (key, value) in g {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match k.get(key) {
                    Some(inner) => unknown_fields(value, inner, &here, out),
                    // Nulls are dropped by encoding, not unknown.
                    None if value.is_null() => {}
                    None => out.push(here),
                }
            }
        }
        (Value::Array(g), Value::Array(k)) => {
            for (i, (gv, kv)) in g.iter().zip(k).enumerate() {
                unknown_fields(gv, kv, &format!("{path}[{i}]"), out);
            }
        }
        _ => {}
    }
}

fn is_dns_subdomain(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

fn cause(field: &str, message: String) -> Cause {
    Cause {
        field: field.to_string(),
        message,
        reason: "FieldValueInvalid",
    }
}

fn required(field: &str) -> Cause {
    Cause {
        field: field.to_string(),
        message: "Required value".to_string(),
        reason: "FieldValueRequired",
    }
}

/// Fills a name from `generateName`, as the server does.
pub fn ensure_name(resource: &ResourceType, object: &mut Value) -> ApiResult<String> {
    if let Some(name) = object["metadata"]["name"]
        .as_str()
        .filter(|n| !n.is_empty())
    {
        return Ok(name.to_string());
    }
    if let Some(prefix) = object["metadata"]["generateName"]
        .as_str()
        .filter(|n| !n.is_empty())
    {
        let name = format!("{prefix}{}", random_suffix(5));
        object["metadata"]["name"] = json!(name);
        return Ok(name);
    }
    Err(ApiError::invalid(
        &qualified_kind(resource),
        "",
        vec![Cause {
            field: "metadata.name".into(),
            message: "Required value: name or generateName is required".into(),
            reason: "FieldValueRequired",
        }],
    ))
}

/// Kubernetes' random name suffix alphabet (no vowels, no confusable characters).
pub fn random_suffix(len: usize) -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The validation a real server applies, for the rules the MS5 kinds exercise.
pub fn validate(resource: &ResourceType, object: &Value) -> ApiResult<()> {
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    let mut causes = Vec::new();
    if !is_dns_subdomain(name) {
        causes.push(cause(
            "metadata.name",
            format!("Invalid value: \"{name}\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"),
        ));
    }
    match resource.kind {
        "Pod" => validate_pod_spec(&object["spec"], "spec", &mut causes),
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            validate_replicas(&object["spec"]["replicas"], &mut causes);
            validate_selector(&object["spec"], &mut causes);
            validate_pod_spec(
                &object["spec"]["template"]["spec"],
                "spec.template.spec",
                &mut causes,
            );
        }
        "Job" => validate_pod_spec(
            &object["spec"]["template"]["spec"],
            "spec.template.spec",
            &mut causes,
        ),
        "CronJob" => {
            if object["spec"]["schedule"]
                .as_str()
                .unwrap_or_default()
                .trim()
                .is_empty()
            {
                causes.push(required("spec.schedule"));
            }
            validate_pod_spec(
                &object["spec"]["jobTemplate"]["spec"]["template"]["spec"],
                "spec.jobTemplate.spec.template.spec",
                &mut causes,
            );
        }
        _ => {}
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(&qualified_kind(resource), name, causes))
    }
}

fn validate_replicas(replicas: &Value, causes: &mut Vec<Cause>) {
    if let Some(n) = replicas.as_i64().filter(|n| *n < 0) {
        causes.push(cause(
            "spec.replicas",
            format!("Invalid value: {n}: must be greater than or equal to 0"),
        ));
    }
}

fn validate_selector(spec: &Value, causes: &mut Vec<Cause>) {
    let Some(match_labels) = spec["selector"]["matchLabels"].as_object() else {
        if spec["selector"]["matchExpressions"].is_null() {
            causes.push(required("spec.selector"));
        }
        return;
    };
    let labels = spec["template"]["metadata"]["labels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    if match_labels.iter().any(|(k, v)| labels.get(k) != Some(v)) {
        causes.push(cause(
            "spec.template.metadata.labels",
            format!(
                "Invalid value: {}: `selector` does not match template `labels`",
                Value::Object(labels)
            ),
        ));
    }
}

fn validate_pod_spec(spec: &Value, at: &str, causes: &mut Vec<Cause>) {
    let containers = spec["containers"].as_array().cloned().unwrap_or_default();
    if containers.is_empty() {
        causes.push(required(&format!("{at}.containers")));
    }
    let mut seen = Vec::new();
    for (i, c) in containers.iter().enumerate() {
        let name = c["name"].as_str().unwrap_or_default();
        if name.is_empty() {
            causes.push(required(&format!("{at}.containers[{i}].name")));
        } else if seen.contains(&name) {
            causes.push(Cause {
                field: format!("{at}.containers[{i}].name"),
                message: format!("Duplicate value: \"{name}\""),
                reason: "FieldValueDuplicate",
            });
        }
        seen.push(name);
        if c["image"].as_str().unwrap_or_default().trim().is_empty() {
            causes.push(required(&format!("{at}.containers[{i}].image")));
        }
    }
}

/// Who writes: the request's `fieldManager`, else its User-Agent's program name, as the API
/// server names managers; `Apply` for server-side apply, else `Update`.
#[derive(Debug, Clone)]
pub struct Writer {
    pub manager: String,
    pub operation: &'static str,
}

impl Writer {
    pub fn new(manager: &str, operation: &'static str) -> Writer {
        Writer {
            manager: manager.to_string(),
            operation,
        }
    }
}

/// A `managedFields` entry: the manager's newest write, when. The field set says the writer
/// touched the object's spec (or data); the sim does not track fields one by one.
pub fn managed_entry(writer: &Writer, time: &str, api_version: &str) -> Value {
    json!({
        "manager": writer.manager,
        "operation": writer.operation,
        "apiVersion": api_version,
        "time": time,
        "fieldsType": "FieldsV1",
        "fieldsV1": {"f:metadata": {}, "f:spec": {}},
    })
}

/// Records `writer`'s write in `updated`'s managed fields, as the API server does: the
/// manager's entry takes this write's time when the write changed the object (a no-op write
/// leaves every time as it was). `current`: the object before (None: a create).
pub fn record_write(current: Option<&Value>, updated: &mut Value, writer: &Writer) {
    let content = |v: &Value| {
        let mut v = v.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("status");
        }
        if let Some(meta) = v["metadata"].as_object_mut() {
            for k in ["managedFields", "resourceVersion", "generation"] {
                meta.remove(k);
            }
        }
        v
    };
    if current.is_some_and(|c| content(c) == content(updated)) {
        return;
    }
    let api_version = updated["apiVersion"].as_str().unwrap_or("v1").to_string();
    let entry = managed_entry(writer, &now_rfc3339(), &api_version);
    let mut fields: Vec<Value> = updated["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    fields.retain(|f| {
        !(f["manager"] == writer.manager.as_str()
            && f["operation"] == writer.operation
            && f.get("subresource").is_none())
    });
    fields.push(entry);
    updated["metadata"]["managedFields"] = json!(fields);
}

/// Server-set metadata for a new object.
pub fn stamp_new(resource: &ResourceType, object: &mut Value) {
    let meta = object["metadata"].as_object_mut();
    if let Some(meta) = meta {
        meta.insert("uid".into(), json!(uuid::Uuid::new_v4().to_string()));
        meta.insert("creationTimestamp".into(), json!(now_rfc3339()));
        meta.remove("resourceVersion");
        meta.remove("deletionTimestamp");
        meta.remove("managedFields");
        if resource.has_status {
            meta.insert("generation".into(), json!(1));
        }
    }
    if resource.kind == "Service"
        && object["spec"]["clusterIP"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    {
        let mut rng = rand::rng();
        let ip = format!(
            "10.0.{}.{}",
            rng.random_range(120..250),
            rng.random_range(2..250)
        );
        object["spec"]["clusterIP"] = json!(ip);
        object["spec"]["clusterIPs"] = json!([ip]);
    }
    if resource.kind == "Job" {
        super::defaults::generate_job_selector(object);
    }
    reset_status_for_create(resource, object);
}

/// Status a client sends on create is not trusted, as on a real server.
fn reset_status_for_create(resource: &ResourceType, object: &mut Value) {
    match resource.kind {
        "Pod" => {
            let qos = qos_class(&object["spec"]);
            object["status"] = json!({"phase": "Pending", "qosClass": qos});
        }
        "Namespace" => object["status"] = json!({"phase": "Active"}),
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "CronJob"
        | "HorizontalPodAutoscaler" => {
            if let Some(o) = object.as_object_mut() {
                o.insert("status".into(), json!({}));
            }
        }
        _ => {}
    }
}

/// Keeps server-owned parts of `current` in an update of the main resource: identity,
/// creation time, status (written only through `/status`), and bumps `generation` when the
/// spec changed.
pub fn carry_over(resource: &ResourceType, current: &Value, updated: &mut Value) {
    let keep = [
        "uid",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "generation",
    ];
    let mut meta: Map<String, Value> = updated["metadata"].as_object().cloned().unwrap_or_default();
    for key in keep {
        match current["metadata"].get(key) {
            Some(v) => meta.insert(key.into(), v.clone()),
            None => meta.remove(key),
        };
    }
    // Managed fields are the server's record of who wrote what: kept, never taken from the
    // client (`record_write` adds this write).
    match current["metadata"].get("managedFields") {
        Some(fields) => meta.insert("managedFields".into(), fields.clone()),
        None => meta.remove("managedFields"),
    };
    updated["metadata"] = Value::Object(meta);
    if resource.has_status {
        match current.get("status") {
            Some(status) => updated["status"] = status.clone(),
            None => {
                if let Some(o) = updated.as_object_mut() {
                    o.remove("status");
                }
            }
        }
        if current.get("spec") != updated.get("spec") {
            let generation = current["metadata"]["generation"].as_i64().unwrap_or(1) + 1;
            updated["metadata"]["generation"] = json!(generation);
        }
    }
}

/// For `/status` writes: everything but status stays as it is.
pub fn only_status(current: &Value, updated: &Value) -> Value {
    let mut out = current.clone();
    out["status"] = updated.get("status").cloned().unwrap_or(Value::Null);
    if out["status"].is_null()
        && let Some(o) = out.as_object_mut()
    {
        o.remove("status");
    }
    out
}

/// Guaranteed, Burstable or BestEffort, from the containers' requests and limits.
pub fn qos_class(pod_spec: &Value) -> &'static str {
    let containers = pod_spec["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut any = false;
    let mut guaranteed = !containers.is_empty();
    for c in &containers {
        let requests = c["resources"]["requests"].as_object();
        let limits = c["resources"]["limits"].as_object();
        any |= requests.is_some_and(|r| !r.is_empty()) || limits.is_some_and(|l| !l.is_empty());
        for res in ["cpu", "memory"] {
            let limit = limits.and_then(|l| l.get(res));
            let request = requests.and_then(|r| r.get(res)).or(limit);
            if limit.is_none() || request != limit {
                guaranteed = false;
            }
        }
    }
    if !any {
        "BestEffort"
    } else if guaranteed {
        "Guaranteed"
    } else {
        "Burstable"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::find;

    fn deployment() -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
               "spec": {"selector": {"matchLabels": {"app": "web"}},
                        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    }

    #[test]
    fn strict_field_validation_names_the_unknown_field() {
        let r = find("apps", "v1", "deployments").unwrap();
        let mut d = deployment();
        d["spec"]["replicaz"] = json!(3);
        let err = canonicalize(r, d.clone(), FieldValidation::Strict).unwrap_err();
        assert_eq!(
            err.message,
            "strict decoding error: unknown field \"spec.replicaz\""
        );
        let (_, warnings) = canonicalize(r, d, FieldValidation::Warn).unwrap();
        assert_eq!(warnings, vec!["unknown field \"spec.replicaz\""]);
    }

    #[test]
    fn selector_must_match_template() {
        let r = find("apps", "v1", "deployments").unwrap();
        assert!(validate(r, &deployment()).is_ok());
        let mut d = deployment();
        d["spec"]["template"]["metadata"]["labels"]["app"] = json!("other");
        let err = validate(r, &d).unwrap_err();
        assert_eq!(err.code, 422);
        assert!(
            err.message
                .starts_with("Deployment.apps \"web\" is invalid: spec.template.metadata.labels"),
            "{}",
            err.message
        );
    }

    #[test]
    fn identity_mismatches_are_bad_requests() {
        let r = find("apps", "v1", "deployments").unwrap();
        let mut d = deployment();
        d["metadata"]["namespace"] = json!("other");
        assert_eq!(
            check_identity(r, Some("ms5-production"), &mut d)
                .unwrap_err()
                .code,
            400
        );
        let mut d = deployment();
        d["kind"] = json!("StatefulSet");
        assert_eq!(
            check_identity(r, Some("ms5-production"), &mut d)
                .unwrap_err()
                .code,
            400
        );
    }

    #[test]
    fn qos_classes() {
        assert_eq!(
            qos_class(&json!({"containers": [{"name": "a"}]})),
            "BestEffort"
        );
        let g = json!({"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]});
        assert_eq!(qos_class(&g), "Guaranteed");
        let b = json!({"containers": [{"resources": {"requests": {"cpu": "1"}, "limits": {"cpu": "2", "memory": "1Gi"}}}]});
        assert_eq!(qos_class(&b), "Burstable");
    }
}
