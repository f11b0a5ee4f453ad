//! Writes: create, update, patch, delete, deletecollection, the `status` and `scale`
//! subresources, and the self-subject reviews. Every write honours `dryRun=All` (everything is
//! checked, nothing is stored) and answers failures with the Status a real server would send.

use std::sync::Arc;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::auth::{self, User};
use super::lifecycle::{self, DeleteOptions};
use super::patch::{self, PatchType};
use super::protobuf;
use super::read::{Filter, fetch, scale_of};
use super::request::{FieldValidation, Query, Target, content_type, decode_object};
use super::status::{ApiError, ApiResult};
use super::{ApiState, json_response};
use super::{admission, defaults};
use crate::sim::resources::{self, ResourceType};
use crate::sim::store::{StoreError, resource_version};

/// How often a patch is retried when another writer got in between read and write.
const CONFLICT_RETRIES: usize = 5;

fn with_warnings(mut response: Response, warnings: &[String]) -> Response {
    for warning in warnings {
        let text = format!("299 - \"{}\"", warning.replace('"', "\\\""));
        if let Ok(value) = HeaderValue::from_str(&text) {
            response.headers_mut().append("warning", value);
        }
    }
    response
}

fn json_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers
}

fn store_error(resource: &ResourceType, name: &str, error: StoreError) -> ApiError {
    let qualified = resource.qualified_name();
    match error {
        StoreError::AlreadyExists => ApiError::already_exists(&qualified, name),
        StoreError::NotFound => ApiError::not_found(&qualified, name),
        StoreError::Conflict => ApiError::conflict(&qualified, name),
    }
}

pub fn create(
    state: &ApiState,
    user: &User,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Response> {
    let resource = target.resource;
    if content_type(headers).starts_with(protobuf::MEDIA_TYPE) {
        let decoded = match resource.kind {
            "SelfSubjectAccessReview" | "SelfSubjectRulesReview" => protobuf::decode_review(body)?,
            "Job" => {
                let cron_jobs = resources::find("batch", "v1", "cronjobs")
                    .ok_or_else(|| ApiError::internal("cronjobs not served"))?;
                protobuf::decode_job(body, |name| {
                    state
                        .store
                        .get(cron_jobs, target.namespace_or_empty(), name)
                        .map(|c| c["spec"]["jobTemplate"]["spec"].clone())
                })?
            }
            _ => {
                return Err(ApiError::unsupported_media_type(
                    protobuf::MEDIA_TYPE,
                    &["application/json", "application/yaml"],
                ));
            }
        };
        return create(
            state,
            user,
            target,
            query,
            &json_headers(),
            decoded.to_string().as_bytes(),
        );
    }
    let mut object = decode_object(headers, body)?;
    if resources::is_review(resource) {
        admission::check_identity(resource, None, &mut object)?;
        let answer = match resource.plural {
            "selfsubjectaccessreviews" => auth::access_review(user, object),
            _ => auth::rules_review(user, object),
        };
        return Ok(json_response(StatusCode::CREATED, &answer));
    }
    let dry_run = query.dry_run()?;
    let validation = FieldValidation::from_query(query)?;
    let writer = writer(query, headers, false);
    let (object, warnings) = prepare_create(state, target, object, validation, &writer)?;
    let name = object["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    if dry_run {
        if state
            .store
            .get(resource, target.namespace_or_empty(), &name)
            .is_some()
        {
            return Err(ApiError::already_exists(&resource.qualified_name(), &name));
        }
        return Ok(with_warnings(
            json_response(StatusCode::CREATED, &object),
            &warnings,
        ));
    }
    let stored = state
        .store
        .create(resource, object)
        .map_err(|e| store_error(resource, &name, e))?;
    Ok(with_warnings(
        json_response(StatusCode::CREATED, &stored),
        &warnings,
    ))
}

/// Who a write is from, as the API server names managers: the `fieldManager` parameter (kubectl
/// sends `kubectl-rollout`, `kubectl-client-side-apply`, ...), else the User-Agent's program.
fn writer(query: &Query, headers: &HeaderMap, apply: bool) -> admission::Writer {
    let agent = headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .and_then(|ua| ua.split('/').next())
        .filter(|p| !p.is_empty())
        .unwrap_or("unknown");
    let manager = query.get("fieldManager").unwrap_or(agent);
    admission::Writer::new(manager, if apply { "Apply" } else { "Update" })
}

/// Everything between a create body and the store.
fn prepare_create(
    state: &ApiState,
    target: &Target,
    mut object: Value,
    validation: FieldValidation,
    writer: &admission::Writer,
) -> ApiResult<(Value, Vec<String>)> {
    let resource = target.resource;
    admission::check_identity(resource, target.namespace.as_deref(), &mut object)?;
    admission::ensure_name(resource, &mut object)?;
    if let Some(ns) = target.namespace.as_deref() {
        let namespaces = resources::find("", "v1", "namespaces")
            .ok_or_else(|| ApiError::internal("namespaces not served"))?;
        if state.store.get(namespaces, "", ns).is_none() {
            return Err(ApiError::not_found("namespaces", ns));
        }
    }
    let (mut object, warnings) = admission::canonicalize(resource, object, validation)?;
    defaults::apply(resource, &mut object);
    admission::validate(resource, &object)?;
    admission::stamp_new(resource, &mut object);
    admission::record_write(None, &mut object, writer);
    Ok((object, warnings))
}

pub fn update(
    state: &ApiState,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Response> {
    let resource = target.resource;
    let name = target.name.as_deref().unwrap_or_default();
    let dry_run = query.dry_run()?;
    let validation = FieldValidation::from_query(query)?;
    let current = fetch(state, target)?;
    let mut incoming = decode_object(headers, body)?;
    if target.subresource.as_deref() == Some("scale") {
        let replicas = incoming["spec"]["replicas"]
            .as_i64()
            .ok_or_else(|| ApiError::bad_request("Scale spec.replicas is required"))?;
        let mut updated = current.value().clone();
        updated["spec"]["replicas"] = json!(replicas);
        let expected = resource_version(&incoming);
        let how = How {
            validation,
            dry_run,
            writer: writer(query, headers, false),
        };
        let stored = commit_update(state, target, &current, updated, expected, &how)?.0;
        return Ok(json_response(StatusCode::OK, &scale_of(&stored)));
    }
    admission::check_identity(resource, target.namespace.as_deref(), &mut incoming)?;
    let given = incoming["metadata"]["name"].as_str().unwrap_or_default();
    if given != name {
        return Err(ApiError::bad_request(format!(
            "the name of the object ({given}) does not match the name on the URL ({name})"
        )));
    }
    let expected = resource_version(&incoming);
    let how = How {
        validation,
        dry_run,
        writer: writer(query, headers, false),
    };
    let (stored, warnings) = commit_update(state, target, &current, incoming, expected, &how)?;
    Ok(with_warnings(
        json_response(StatusCode::OK, &stored),
        &warnings,
    ))
}

/// How a write is made: field validation, dry run, and who writes.
struct How {
    validation: FieldValidation,
    dry_run: bool,
    writer: admission::Writer,
}

/// Checks and stores `updated` as the new state of `current`.
fn commit_update(
    state: &ApiState,
    target: &Target,
    current: &Value,
    updated: Value,
    expected: Option<u64>,
    how: &How,
) -> ApiResult<(Value, Vec<String>)> {
    let How {
        validation,
        dry_run,
        writer,
    } = how;
    let (validation, dry_run) = (*validation, *dry_run);
    let resource = target.resource;
    let name = target.name.as_deref().unwrap_or_default();
    let mut updated = if target.subresource.as_deref() == Some("status") {
        admission::only_status(current, &updated)
    } else {
        let mut u = updated;
        admission::carry_over(resource, current, &mut u);
        admission::record_write(Some(current), &mut u, writer);
        u
    };
    updated["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"].clone();
    let (mut canonical, warnings) = admission::canonicalize(resource, updated, validation)?;
    defaults::apply(resource, &mut canonical);
    admission::validate(resource, &canonical)?;
    super::policy::admit(&state.store, resource, &canonical)?;
    if dry_run {
        return Ok((canonical, warnings));
    }
    let stored = state
        .store
        .update(resource, canonical, expected)
        .map_err(|e| store_error(resource, name, e))?;
    Ok((stored.value().clone(), warnings))
}

pub fn patch(
    state: &ApiState,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
    body: &[u8],
) -> ApiResult<Response> {
    let resource = target.resource;
    let name = target.name.as_deref().unwrap_or_default();
    let kind = PatchType::from_content_type(&content_type(headers))?;
    let dry_run = query.dry_run()?;
    let validation = FieldValidation::from_query(query)?;
    for _ in 0..CONFLICT_RETRIES {
        let current = match state.store.get(resource, target.namespace_or_empty(), name) {
            Some(current) => current,
            None if kind == PatchType::Apply && target.subresource.is_none() => {
                return apply_create(state, target, query, headers, body, validation);
            }
            None => return Err(ApiError::not_found(&resource.qualified_name(), name)),
        };
        let current_rv = resource_version(&current);
        let (patched, is_scale) = if target.subresource.as_deref() == Some("scale") {
            let scaled = patch::apply(kind, &scale_of(&current), body)?;
            let replicas = scaled["spec"]["replicas"]
                .as_i64()
                .ok_or_else(|| ApiError::bad_request("Scale spec.replicas must be an integer"))?;
            let mut updated = current.value().clone();
            updated["spec"]["replicas"] = json!(replicas);
            (updated, true)
        } else {
            (patch::apply(kind, &current, body)?, false)
        };
        if object_name(&patched) != name {
            return Err(ApiError::bad_request(format!(
                "the name of the object ({}) does not match the name on the URL ({name})",
                object_name(&patched)
            )));
        }
        // A patch that names a resourceVersion is a precondition on it.
        let precondition = resource_version(&patched).filter(|rv| Some(*rv) != current_rv);
        if precondition.is_some() {
            return Err(ApiError::conflict(&resource.qualified_name(), name));
        }
        let how = How {
            validation,
            dry_run,
            writer: writer(query, headers, kind == PatchType::Apply),
        };
        match commit_update(state, target, &current, patched, current_rv, &how) {
            Ok((stored, warnings)) => {
                let answer = if is_scale { scale_of(&stored) } else { stored };
                return Ok(with_warnings(
                    json_response(StatusCode::OK, &answer),
                    &warnings,
                ));
            }
            Err(e) if e.reason == "Conflict" => continue,
            Err(e) => return Err(e),
        }
    }
    Err(ApiError::conflict(&resource.qualified_name(), name))
}

/// Server-side apply of an object that does not exist yet creates it.
fn apply_create(
    state: &ApiState,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
    body: &[u8],
    validation: FieldValidation,
) -> ApiResult<Response> {
    let object: Value = serde_yaml::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("error decoding YAML: {e}")))?;
    let writer = writer(query, headers, true);
    let (object, warnings) = prepare_create(state, target, object, validation, &writer)?;
    if query.dry_run()? {
        return Ok(with_warnings(
            json_response(StatusCode::CREATED, &object),
            &warnings,
        ));
    }
    let name = object_name(&object).to_string();
    let stored = state
        .store
        .create(target.resource, object)
        .map_err(|e| store_error(target.resource, &name, e))?;
    Ok(with_warnings(
        json_response(StatusCode::CREATED, &stored),
        &warnings,
    ))
}

fn object_name(object: &Value) -> &str {
    object["metadata"]["name"].as_str().unwrap_or_default()
}

pub fn delete(
    state: &Arc<ApiState>,
    target: &Target,
    query: &Query,
    body: &[u8],
) -> ApiResult<Response> {
    let options = DeleteOptions::parse(query, body)?;
    let current = fetch(state, target)?;
    if let Some(uid) = &options.precondition_uid
        && current["metadata"]["uid"].as_str() != Some(uid)
    {
        return Err(ApiError::conflict(
            &target.resource.qualified_name(),
            object_name(&current),
        ));
    }
    let answer = lifecycle::delete(state, target.resource, &current, &options)?;
    Ok(json_response(StatusCode::OK, &answer))
}

pub fn delete_collection(
    state: &Arc<ApiState>,
    target: &Target,
    query: &Query,
    body: &[u8],
) -> ApiResult<Response> {
    let options = DeleteOptions::parse(query, body)?;
    let filter = Filter::from_query(target.resource, query)?;
    let (items, _) = state
        .store
        .list(target.resource, target.namespace.as_deref());
    let mut deleted = Vec::new();
    for item in items.iter().filter(|i| filter.matches(i)) {
        deleted.push(lifecycle::delete(state, target.resource, item, &options)?);
    }
    let list = json!({
        "kind": format!("{}List", target.resource.kind),
        "apiVersion": target.resource.api_version(),
        "metadata": {"resourceVersion": state.store.revision().to_string()},
        "items": deleted,
    });
    Ok(json_response(StatusCode::OK, &list))
}
