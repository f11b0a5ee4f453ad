//! Alertmanager API v2 over the sim's alerts and silences.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde::Serialize;
use serde_json::json;

use super::{AlertFilter, Alertmanager, RECEIVER};
use crate::alerting::matcher::{self, Matcher};
use crate::alerting::model::{
    AlertGroup, PostableAlert, PostableSilence, Receiver, SilenceCreated,
};

type Shared = Arc<Alertmanager>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/v2/alerts", get(list_alerts).post(post_alerts))
        .route("/api/v2/alerts/groups", get(groups))
        .route("/api/v2/silences", get(list_silences).post(post_silence))
        .route(
            "/api/v2/silence/{id}",
            get(get_silence).delete(delete_silence),
        )
        .route("/api/v2/status", get(status))
        .route("/-/healthy", get(|| async { "OK" }))
        .route("/-/ready", get(|| async { "OK" }))
        .with_state(state)
}

fn reply<T: Serialize>(status: StatusCode, body: &T) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string(body).unwrap_or_default(),
    )
        .into_response()
}

/// Alertmanager answers a bad request with the reason as a JSON string.
fn bad_request(message: impl Into<String>) -> Response {
    reply(StatusCode::BAD_REQUEST, &message.into())
}

fn params(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default()
}

fn flag(params: &[(String, String)], name: &str) -> Result<bool, String> {
    match params.iter().find(|(k, _)| k == name) {
        None => Ok(true),
        Some((_, v)) => v
            .parse()
            .map_err(|_| format!("{name}: {v:?} is not true or false")),
    }
}

/// `filter` parameters, each one matcher (or a braced list).
fn filter_matchers(params: &[(String, String)]) -> Result<Vec<Matcher>, String> {
    let mut out = Vec::new();
    for (_, text) in params.iter().filter(|(k, _)| k == "filter") {
        out.extend(matcher::parse(text).map_err(|e| format!("bad matcher format: {e}"))?);
    }
    Ok(out)
}

fn alert_filter(uri: &Uri) -> Result<AlertFilter, String> {
    let p = params(uri);
    Ok(AlertFilter {
        matchers: filter_matchers(&p)?,
        active: flag(&p, "active")?,
        silenced: flag(&p, "silenced")?,
        inhibited: flag(&p, "inhibited")?,
    })
}

async fn list_alerts(State(am): State<Shared>, uri: Uri) -> Response {
    match alert_filter(&uri) {
        Ok(filter) => reply(StatusCode::OK, &am.alerts(Utc::now(), &filter)),
        Err(e) => bad_request(e),
    }
}

async fn post_alerts(State(am): State<Shared>, body: Bytes) -> Response {
    let alerts: Vec<PostableAlert> = match serde_json::from_slice(&body) {
        Ok(a) => a,
        Err(e) => return bad_request(format!("invalid alerts: {e}")),
    };
    match am.post_alerts(alerts, Utc::now()) {
        Ok(()) => StatusCode::OK.into_response(),
        Err(e) => bad_request(e),
    }
}

/// Grouped by alertname, as the sim's one route does.
async fn groups(State(am): State<Shared>, uri: Uri) -> Response {
    let filter = match alert_filter(&uri) {
        Ok(f) => f,
        Err(e) => return bad_request(e),
    };
    let mut groups: Vec<AlertGroup> = Vec::new();
    for alert in am.alerts(Utc::now(), &filter) {
        let name = alert.labels.get("alertname").cloned().unwrap_or_default();
        match groups
            .iter_mut()
            .find(|g| g.labels.get("alertname") == Some(&name))
        {
            Some(g) => g.alerts.push(alert),
            None => groups.push(AlertGroup {
                labels: [("alertname".to_string(), name)].into_iter().collect(),
                receiver: Receiver {
                    name: RECEIVER.into(),
                },
                alerts: vec![alert],
            }),
        }
    }
    reply(StatusCode::OK, &groups)
}

async fn list_silences(State(am): State<Shared>, uri: Uri) -> Response {
    match filter_matchers(&params(&uri)) {
        Ok(m) => reply(StatusCode::OK, &am.silences(Utc::now(), &m)),
        Err(e) => bad_request(e),
    }
}

async fn post_silence(State(am): State<Shared>, body: Bytes) -> Response {
    let silence: PostableSilence = match serde_json::from_slice(&body) {
        Ok(s) => s,
        Err(e) => return bad_request(format!("invalid silence: {e}")),
    };
    if silence.matchers.is_empty() {
        // The OpenAPI schema check Alertmanager runs before anything else.
        return reply(
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!({"code": 612, "message": "matchers in body should have at least 1 items"}),
        );
    }
    match am.post_silence(silence, Utc::now()) {
        Ok(id) => reply(StatusCode::OK, &SilenceCreated { silence_id: id }),
        Err(e) => bad_request(e),
    }
}

async fn get_silence(State(am): State<Shared>, Path(id): Path<String>) -> Response {
    match am.silence(&id, Utc::now()) {
        Some(s) => reply(StatusCode::OK, &s),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn delete_silence(State(am): State<Shared>, Path(id): Path<String>) -> Response {
    match am.expire(&id, Utc::now()) {
        Ok(true) => StatusCode::OK.into_response(),
        // Alertmanager 0.25 answers an unknown id with a 500 and these words, not a 404.
        Ok(false) => reply(StatusCode::INTERNAL_SERVER_ERROR, &"silence not found"),
        Err(e) => reply(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

async fn status(State(am): State<Shared>) -> Response {
    reply(
        StatusCode::OK,
        &json!({
            "cluster": {"status": "disabled", "peers": []},
            "versionInfo": {"version": "0.25.0-ms5-sim", "revision": "", "branch": "ms5-console sim",
                            "buildUser": "", "buildDate": "", "goVersion": ""},
            "config": {"original": format!(
                "route:\n  receiver: {RECEIVER}\n  group_by: [alertname]\nreceivers:\n  - name: {RECEIVER}\n\
                 inhibit_rules:\n  - source_matchers: [severity=\"critical\"]\n    target_matchers: [severity=\"high\"]\n    equal: [service]\n"
            )},
            "uptime": am.started.to_rfc3339(),
        }),
    )
}
