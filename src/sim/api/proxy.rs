//! `services/NAME[:PORT]/proxy/...`: forwards to the loopback listener registered for that
//! service (the sim's Prometheus and Alertmanager), as the real API server reaches in-cluster
//! services. A service without a registered endpoint answers 503, as one with no ready pods.

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;

use super::ApiState;
use super::request::Target;
use super::status::{ApiError, ApiResult};

pub async fn forward(
    state: &ApiState,
    target: &Target,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: bytes::Bytes,
) -> ApiResult<Response> {
    state
        .proxied
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let raw = target.name.as_deref().unwrap_or_default();
    // `name`, `name:port` or `scheme:name:port`.
    let parts: Vec<&str> = raw.split(':').collect();
    let service = match parts.as_slice() {
        [name] | [name, _] => *name,
        [_, name, _] => *name,
        _ => {
            return Err(ApiError::bad_request(format!(
                "invalid service request {raw:?}"
            )));
        }
    };
    let namespace = target.namespace_or_empty();
    if state
        .store
        .get(target.resource, namespace, service)
        .is_none()
    {
        return Err(ApiError::not_found("services", service));
    }
    // As the API server: a Service with no ready endpoint cannot be reached.
    if super::apps::ready_endpoints(state, namespace, service) == 0 {
        return Err(ApiError::service_unavailable(format!(
            "no endpoints available for service \"{raw}\""
        )));
    }
    let path = if target.rest.is_empty() {
        "/"
    } else {
        target.rest.as_str()
    };
    if *method == Method::GET
        && let Some(answer) = super::apps::answer(state, namespace, service, path)
    {
        return Ok(answer);
    }
    let base = state
        .proxies
        .read()
        .ok()
        .and_then(|p| {
            p.get(&(namespace.to_string(), service.to_string()))
                .cloned()
        })
        .ok_or_else(|| {
            ApiError::service_unavailable(format!("no endpoints available for service \"{raw}\""))
        })?;
    let url = match uri.query() {
        Some(q) => format!("{base}{path}?{q}"),
        None => format!("{base}{path}"),
    };
    let mut request = state.http.request(method.clone(), &url).body(body);
    for name in [header::CONTENT_TYPE, header::ACCEPT] {
        if let Some(value) = headers.get(&name) {
            request = request.header(name, value);
        }
    }
    let upstream = request.send().await.map_err(|e| {
        ApiError::service_unavailable(format!("error trying to reach service: {e}"))
    })?;
    let status =
        StatusCode::from_u16(upstream.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let content_type = upstream.headers().get(header::CONTENT_TYPE).cloned();
    let bytes = upstream
        .bytes()
        .await
        .map_err(|e| ApiError::service_unavailable(format!("error reading from service: {e}")))?;
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    if let Some(ct) = content_type {
        response.headers_mut().insert(header::CONTENT_TYPE, ct);
    }
    Ok(response)
}
