//! GET of one object or a list: JSON, or a server-side printed Table; selectors, limit and
//! continue; the `scale` subresource as an `autoscaling/v1 Scale`.

use std::io::Write;
use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::request::{Query, Target, wants_metadata, wants_table};
use super::selectors::{FieldSelector, label_matches, parse_label_selector, supported_fields};
use super::status::{ApiError, ApiResult};
use super::table::{IncludeObject, table};
use super::{ApiState, json_response};
use crate::sim::resources::ResourceType;
use crate::sim::store::Stored;

pub fn get(state: &ApiState, target: &Target, headers: &HeaderMap) -> ApiResult<Response> {
    let object = fetch(state, target)?;
    if target.subresource.as_deref() == Some("scale") {
        return Ok(json_response(StatusCode::OK, &scale_of(&object)));
    }
    if wants_table(headers) {
        let metadata = json!({"resourceVersion": object["metadata"]["resourceVersion"]});
        let t = table(
            target.resource.plural,
            [object.value()],
            IncludeObject::Metadata,
            metadata,
            true,
        );
        return Ok(json_response(StatusCode::OK, &t));
    }
    if wants_metadata(headers) {
        return Ok(json_response(StatusCode::OK, &partial(object.value())));
    }
    Ok(bytes_response(object.json().clone()))
}

/// An object as `meta.k8s.io/v1 PartialObjectMetadata`: its metadata and nothing else (a
/// Secret's data never leaves the server on a metadata read).
pub fn partial(object: &Value) -> Value {
    json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": object["metadata"]})
}

pub fn fetch(state: &ApiState, target: &Target) -> ApiResult<Arc<Stored>> {
    let name = target.name.as_deref().unwrap_or_default();
    state
        .store
        .get(target.resource, target.namespace_or_empty(), name)
        .ok_or_else(|| ApiError::not_found(&target.resource.qualified_name(), name))
}

/// An `autoscaling/v1 Scale` view of a workload.
pub fn scale_of(object: &Value) -> Value {
    let meta = &object["metadata"];
    let labels = object["spec"]["selector"]["matchLabels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .unwrap_or_default();
    json!({
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"], "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": object["spec"]["replicas"].as_i64().unwrap_or(1)},
        "status": {"replicas": object["status"]["replicas"].as_i64().unwrap_or(0), "selector": labels},
    })
}

/// The objects a list or watch selects.
pub struct Filter {
    labels: kube::core::Selector,
    fields: FieldSelector,
}

impl Filter {
    pub fn from_query(resource: &ResourceType, query: &Query) -> ApiResult<Filter> {
        Ok(Filter {
            labels: parse_label_selector(query.get("labelSelector").unwrap_or_default())?,
            fields: FieldSelector::parse(
                query.get("fieldSelector").unwrap_or_default(),
                supported_fields(resource.plural),
            )?,
        })
    }

    pub fn matches(&self, object: &Value) -> bool {
        label_matches(&self.labels, object)
            && (self.fields.is_empty() || self.fields.matches(object))
    }
}

/// A continue token: where the previous page ended, at which revision.
fn encode_continue(revision: u64, after: &(String, String)) -> String {
    URL_SAFE_NO_PAD.encode(json!({"rv": revision, "ns": after.0, "name": after.1}).to_string())
}

fn decode_continue(token: &str) -> ApiResult<(u64, (String, String))> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: illegal base64 data or not a continue token",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    let v: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let rv = v["rv"].as_u64().ok_or_else(bad)?;
    let key = (
        v["ns"].as_str().unwrap_or_default().to_string(),
        v["name"].as_str().ok_or_else(bad)?.to_string(),
    );
    Ok((rv, key))
}

pub fn list(
    state: &ApiState,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let filter = Filter::from_query(target.resource, query)?;
    let limit = query
        .number("limit")?
        .filter(|l| *l > 0)
        .map(|l| l as usize);
    let continue_from = query.get("continue").map(decode_continue).transpose()?;
    let (items, revision) = state
        .store
        .list(target.resource, target.namespace.as_deref());
    let revision = continue_from
        .as_ref()
        .map(|(rv, _)| *rv)
        .unwrap_or(revision);

    let mut selected: Vec<&Stored> = Vec::new();
    let mut next = None;
    for item in items.iter().map(AsRef::as_ref) {
        let key = crate::sim::store::object_key(item);
        if continue_from
            .as_ref()
            .is_some_and(|(_, after)| &key <= after)
            || !filter.matches(item)
        {
            continue;
        }
        if limit.is_some_and(|l| selected.len() >= l) {
            let last = selected
                .last()
                .map(|o| crate::sim::store::object_key(o))
                .unwrap_or_default();
            next = Some(encode_continue(revision, &last));
            break;
        }
        selected.push(item);
    }
    let mut metadata = json!({"resourceVersion": revision.to_string()});
    if let Some(token) = next {
        metadata["continue"] = json!(token);
    }

    if wants_table(headers) {
        let include = IncludeObject::parse(query.get("includeObject"));
        let t = table(
            target.resource.plural,
            selected.iter().map(|s| s.value()),
            include,
            metadata,
            true,
        );
        return Ok(json_response(StatusCode::OK, &t));
    }
    if wants_metadata(headers) {
        let items: Vec<Value> = selected.iter().map(|s| partial(s.value())).collect();
        return Ok(json_response(
            StatusCode::OK,
            &json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "items": items}),
        ));
    }
    Ok(list_response(target.resource, &selected, &metadata))
}

/// Writes a `<Kind>List` straight from the stored objects, without building one big value.
fn list_response(resource: &ResourceType, items: &[&Stored], metadata: &Value) -> Response {
    let mut body =
        Vec::with_capacity(items.iter().map(|i| i.json().len() + 1).sum::<usize>() + 256);
    let _ = write!(
        body,
        r#"{{"kind":"{}List","apiVersion":"{}","metadata":{},"items":["#,
        resource.kind,
        resource.api_version(),
        metadata
    );
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(item.json());
    }
    body.extend_from_slice(b"]}");
    bytes_response(body.into())
}

/// A 200 answer whose body is already JSON.
pub fn bytes_response(body: bytes::Bytes) -> Response {
    let mut response = Response::new(axum::body::Body::from(body));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    response
}
