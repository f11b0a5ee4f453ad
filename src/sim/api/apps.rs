//! What the MS5 applications answer over HTTP behind the service proxy, where no loopback
//! listener stands in for them: the backend's health endpoints (ready only while PostgreSQL has
//! a ready endpoint, as its readiness check pings the database), the frontend's page and
//! Grafana's health. Computed from the cluster as it is at the request.

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::ApiState;

/// The answer of `service` in `namespace` to GET `path`, or None if nothing is modelled there.
pub fn answer(state: &ApiState, namespace: &str, service: &str, path: &str) -> Option<Response> {
    let (status, content_type, body) = match (service, path) {
        ("backend" | "backend-lb", "/health/live") => (
            StatusCode::OK,
            "application/json",
            json!({"status": "alive"}).to_string(),
        ),
        ("backend" | "backend-lb", "/health/ready") => {
            if ready_endpoints(state, namespace, "postgres") > 0 {
                (
                    StatusCode::OK,
                    "application/json",
                    json!({"status": "ready", "database": "ok", "redis": "ok"}).to_string(),
                )
            } else {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "application/json",
                    json!({"status": "not ready", "database": "database unavailable"})
                        .to_string(),
                )
            }
        }
        ("frontend", "/" | "/index.html") => (
            StatusCode::OK,
            "text/html; charset=utf-8",
            "<!doctype html><html><head><title>MS5.0 Floor Dashboard</title></head><body><div id=\"root\"></div></body></html>".to_string(),
        ),
        ("grafana" | "grafana-service", "/api/health") => (
            StatusCode::OK,
            "application/json",
            json!({"commit": "ms5sim", "database": "ok", "version": "10.4.2"}).to_string(),
        ),
        _ => return None,
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    if let Ok(value) = header::HeaderValue::from_str(content_type) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    Some(response)
}

/// How many ready addresses the Service's Endpoints have now.
pub fn ready_endpoints(state: &ApiState, namespace: &str, service: &str) -> usize {
    let Some(endpoints) = crate::sim::resources::find("", "v1", "endpoints") else {
        return 0;
    };
    state
        .store
        .get(endpoints, namespace, service)
        .map(|e| {
            e.value()["subsets"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| s["addresses"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0)
}
