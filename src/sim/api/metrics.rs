//! The resource metrics API (`metrics.k8s.io/v1beta1`) as metrics-server serves it: PodMetrics
//! and NodeMetrics, computed from the usage model when asked (they are not stored and cannot be
//! watched), CPU in nanocores and memory in Ki. `kubectl top` reads these.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::read::Filter;
use super::request::{Query, Target};
use super::status::{ApiError, ApiResult};
use super::{ApiState, json_response};
use crate::sim::cluster::usage::{self, UsageModel};
use crate::sim::resources;

const WINDOW: &str = "15s";

pub fn read(state: &ApiState, target: &Target, query: &Query) -> ApiResult<Response> {
    let Some(model) = state.usage.as_deref() else {
        return Err(ApiError::no_such_resource());
    };
    let now = Utc::now();
    let filter = Filter::from_query(target.resource, query)?;
    let items = match target.resource.kind {
        "NodeMetrics" => node_metrics(state, model, target, &filter, now),
        _ => pod_metrics(state, model, target, &filter, now),
    };
    if let Some(name) = &target.name {
        return items
            .into_iter()
            .next()
            .map(|item| json_response(StatusCode::OK, &item))
            .ok_or_else(|| {
                let shown = match &target.namespace {
                    Some(ns) => format!("{ns}/{name}"),
                    None => name.clone(),
                };
                ApiError::not_found(&target.resource.qualified_name(), &shown)
            });
    }
    let kind = format!("{}List", target.resource.kind);
    Ok(json_response(
        StatusCode::OK,
        &json!({"kind": kind, "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items}),
    ))
}

fn metadata(object: &Value, now: DateTime<Utc>) -> Value {
    let meta = &object["metadata"];
    let mut out = json!({
        "name": meta["name"],
        "creationTimestamp": stamp(now),
        "labels": meta["labels"],
    });
    if !meta["namespace"].is_null() {
        out["namespace"] = meta["namespace"].clone();
    }
    out
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn pod_metrics(
    state: &ApiState,
    model: &UsageModel,
    target: &Target,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Vec<Value> {
    let Some(pods) = resources::find("", "v1", "pods") else {
        return Vec::new();
    };
    let (items, _) = state.store.list(pods, target.namespace.as_deref());
    items
        .iter()
        .map(|p| p.value())
        .filter(|p| {
            target.name.is_none() || p["metadata"]["name"].as_str() == target.name.as_deref()
        })
        .filter(|p| filter.matches(p))
        .filter_map(|pod| {
            let containers: Vec<Value> = model
                .pod(pod, now)?
                .into_iter()
                .map(|(name, used)| {
                    json!({"name": name, "usage": {
                        "cpu": usage::cpu_quantity(used.cpu),
                        "memory": usage::memory_quantity(used.memory),
                    }})
                })
                .collect();
            Some(json!({
                "metadata": metadata(pod, now),
                "timestamp": stamp(now),
                "window": WINDOW,
                "containers": containers,
            }))
        })
        .collect()
}

fn node_metrics(
    state: &ApiState,
    model: &UsageModel,
    target: &Target,
    filter: &Filter,
    now: DateTime<Utc>,
) -> Vec<Value> {
    let (Some(nodes), Some(pods)) = (
        resources::find("", "v1", "nodes"),
        resources::find("", "v1", "pods"),
    ) else {
        return Vec::new();
    };
    let (pods, _) = state.store.list(pods, None);
    let pods: Vec<&Value> = pods.iter().map(|p| p.value()).collect();
    let (nodes, _) = state.store.list(nodes, None);
    nodes
        .iter()
        .map(|n| n.value())
        .filter(|n| {
            target.name.is_none() || n["metadata"]["name"].as_str() == target.name.as_deref()
        })
        .filter(|n| filter.matches(n))
        .map(|node| {
            let used = model.node(node, &pods, now);
            json!({
                "metadata": metadata(node, now),
                "timestamp": stamp(now),
                "window": WINDOW,
                "usage": {
                    "cpu": usage::cpu_quantity(used.cpu),
                    "memory": usage::memory_quantity(used.memory),
                },
            })
        })
        .collect()
}
