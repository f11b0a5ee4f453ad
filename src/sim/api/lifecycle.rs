//! Deletion as Kubernetes does it: pods terminate gracefully (a `deletionTimestamp`, then gone),
//! namespaces empty themselves first, and dependents go with their owner unless orphaned
//! (the garbage collector's background propagation).

use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};

use super::ApiState;
use super::request::Query;
use super::status::{ApiError, ApiResult};
use crate::sim::resources::{RESOURCES, ResourceType};
use crate::sim::store::{Store, object_key};

#[derive(Debug, Clone, Default)]
pub struct DeleteOptions {
    pub grace_period: Option<i64>,
    pub orphan: bool,
    pub dry_run: bool,
    pub precondition_uid: Option<String>,
}

impl DeleteOptions {
    /// From the query string and an optional `DeleteOptions` body.
    pub fn parse(query: &Query, body: &[u8]) -> ApiResult<DeleteOptions> {
        let body: Value = if body.iter().all(u8::is_ascii_whitespace) {
            json!({})
        } else {
            serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("error decoding DeleteOptions: {e}")))?
        };
        let policy = body["propagationPolicy"]
            .as_str()
            .or(query.get("propagationPolicy"))
            .unwrap_or("Background");
        if !matches!(policy, "Background" | "Foreground" | "Orphan") {
            return Err(ApiError::bad_request(format!(
                "propagationPolicy {policy:?} is not one of Background, Foreground, Orphan"
            )));
        }
        let dry_run = query.dry_run()?
            || body["dryRun"]
                .as_array()
                .is_some_and(|d| d.iter().any(|v| v == "All"));
        Ok(DeleteOptions {
            grace_period: body["gracePeriodSeconds"]
                .as_i64()
                .or(query.number("gracePeriodSeconds")?),
            orphan: policy == "Orphan" || body["orphanDependents"] == json!(true),
            dry_run,
            precondition_uid: body["preconditions"]["uid"].as_str().map(String::from),
        })
    }
}

/// Deletes `object`; answers with what the client should see (the object, terminating or gone).
pub fn delete(
    state: &Arc<ApiState>,
    resource: &'static ResourceType,
    object: &Value,
    options: &DeleteOptions,
) -> ApiResult<Value> {
    let (namespace, name) = object_key(object);
    if options.dry_run {
        return Ok(object.clone());
    }
    match resource.kind {
        "Pod" => {
            let spec_grace = object["spec"]["terminationGracePeriodSeconds"]
                .as_i64()
                .unwrap_or(30);
            let grace = options.grace_period.unwrap_or(spec_grace).max(0);
            if grace > 0 {
                return Ok(begin_termination(state, resource, object, grace));
            }
        }
        "Namespace" => return Ok(terminate_namespace(state, resource, object)),
        _ => {}
    }
    let gone = state
        .store
        .delete(resource, &namespace, &name)
        .map_err(|_| ApiError::not_found(&resource.qualified_name(), &name))?;
    if !options.orphan {
        collect_dependents(state, object);
    }
    Ok(gone.value().clone())
}

/// Marks a pod Terminating; its kubelet stops the containers and removes it.
fn begin_termination(
    state: &Arc<ApiState>,
    resource: &'static ResourceType,
    object: &Value,
    grace: i64,
) -> Value {
    if object["metadata"]["deletionTimestamp"].is_string() {
        return object.clone();
    }
    let mut terminating = object.clone();
    let at = Utc::now() + chrono::Duration::seconds(grace);
    terminating["metadata"]["deletionTimestamp"] =
        json!(at.to_rfc3339_opts(SecondsFormat::Secs, true));
    terminating["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
    match state.store.update(resource, terminating.clone(), None) {
        Ok(stored) => stored.value().clone(),
        Err(_) => terminating,
    }
}

fn terminate_namespace(
    state: &Arc<ApiState>,
    resource: &'static ResourceType,
    object: &Value,
) -> Value {
    let mut terminating = object.clone();
    terminating["metadata"]["deletionTimestamp"] =
        json!(Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true));
    terminating["status"]["phase"] = json!("Terminating");
    let answer = state
        .store
        .update(resource, terminating.clone(), None)
        .map(|v| v.value().clone())
        .unwrap_or(terminating);
    let namespace = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let store = state.store.clone();
    tokio::spawn(async move {
        for r in RESOURCES.iter().filter(|r| r.namespaced) {
            for item in store.list(r, Some(&namespace)).0 {
                let (ns, name) = object_key(&item);
                let _ = store.delete(r, &ns, &name);
            }
        }
        let _ = store.delete(resource, "", &namespace);
    });
    answer
}

/// Background propagation: every object owned by `owner` is deleted too.
fn collect_dependents(state: &Arc<ApiState>, owner: &Value) {
    let Some(uid) = owner["metadata"]["uid"].as_str() else {
        return;
    };
    let namespace = owner["metadata"]["namespace"].as_str();
    for (resource, dependent) in dependents_of(&state.store, uid, namespace) {
        let options = DeleteOptions::default();
        let _ = delete(state, resource, &dependent, &options);
    }
}

fn dependents_of(
    store: &Store,
    uid: &str,
    namespace: Option<&str>,
) -> Vec<(&'static ResourceType, Value)> {
    let mut found = Vec::new();
    for resource in RESOURCES {
        if namespace.is_some() && !resource.namespaced {
            continue;
        }
        for item in store.list(resource, namespace).0 {
            let owned = item["metadata"]["ownerReferences"]
                .as_array()
                .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid));
            if owned {
                found.push((resource, item.value().clone()));
            }
        }
    }
    found
}
