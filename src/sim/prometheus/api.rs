//! The Prometheus HTTP API (`/api/v1/...`) over the sim's series, answering with Prometheus'
//! JSON envelope and error types, plus `/metrics` and the health endpoints.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use promql_parser::parser::{self, Expr};
use serde_json::{Value as Json, json};

use super::eval::{Value, matches};
use super::exposition::{format_value, metrics_text};
use super::{Prometheus, unix_now};

/// Prometheus' limit on points per series in a range query.
const MAX_POINTS: f64 = 11_000.0;

type Shared = Arc<Prometheus>;

pub fn router(state: Shared) -> Router {
    Router::new()
        .route("/api/v1/query", get(query).post(query))
        .route("/api/v1/query_range", get(query_range).post(query_range))
        .route("/api/v1/series", get(series).post(series))
        .route("/api/v1/labels", get(labels).post(labels))
        .route("/api/v1/label/{name}/values", get(label_values))
        .route("/api/v1/rules", get(rules))
        .route("/api/v1/alerts", get(alerts))
        .route("/api/v1/status/buildinfo", get(buildinfo))
        .route("/metrics", get(metrics))
        .route(
            "/-/healthy",
            get(|| async { "Prometheus Server is Healthy.\n" }),
        )
        .route(
            "/-/ready",
            get(|| async { "Prometheus Server is Ready.\n" }),
        )
        .with_state(state)
}

struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

fn bad_data(message: impl Into<String>) -> ApiError {
    ApiError {
        status: StatusCode::BAD_REQUEST,
        kind: "bad_data",
        message: message.into(),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_reply(
            self.status,
            json!({"status": "error", "errorType": self.kind, "error": self.message}),
        )
    }
}

fn json_reply(status: StatusCode, body: Json) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn success(data: Json) -> Response {
    json_reply(StatusCode::OK, json!({"status": "success", "data": data}))
}

/// Parameters from the query string and, for POST, the form body (Prometheus reads both).
fn params(uri: &Uri, body: &Bytes) -> Vec<(String, String)> {
    let mut all: Vec<(String, String)> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    all.extend(form_urlencoded::parse(body).into_owned());
    all
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A time as Prometheus accepts it: unix seconds (float) or RFC 3339.
fn parse_time(name: &str, text: &str) -> Result<f64, ApiError> {
    if let Ok(v) = text.parse::<f64>()
        && v.is_finite()
    {
        return Ok(v);
    }
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.timestamp_millis() as f64 / 1000.0)
        .map_err(|_| {
            bad_data(format!(
                "invalid parameter \"{name}\": cannot parse \"{text}\" to a valid timestamp"
            ))
        })
}

fn parse_step(text: &str) -> Result<f64, ApiError> {
    if let Ok(v) = text.parse::<f64>() {
        return Ok(v);
    }
    promql_parser::util::parse_duration(text)
        .map(|d| d.as_secs_f64())
        .map_err(|_| {
            bad_data(format!(
                "invalid parameter \"step\": cannot parse \"{text}\" to a valid duration"
            ))
        })
}

fn parse_query(params: &[(String, String)]) -> Result<Expr, ApiError> {
    let text = param(params, "query")
        .ok_or_else(|| bad_data("invalid parameter \"query\": parameter is missing"))?;
    parser::parse(text).map_err(|e| bad_data(format!("invalid parameter \"query\": {e}")))
}

fn timestamp(t: f64) -> Json {
    json!((t * 1000.0).round() / 1000.0)
}

fn metric_json(labels: &BTreeMap<String, String>) -> Json {
    json!(labels)
}

async fn query(State(p): State<Shared>, uri: Uri, body: Bytes) -> Result<Response, ApiError> {
    let params = params(&uri, &body);
    let expr = parse_query(&params)?;
    let t = match param(&params, "time") {
        Some(text) => parse_time("time", text)?,
        None => unix_now(),
    };
    let value = p.engine().eval(&expr, t).map_err(bad_data)?;
    Ok(success(match value {
        Value::Scalar(v) => {
            json!({"resultType": "scalar", "result": [timestamp(t), format_value(v)]})
        }
        Value::Vector(samples) => json!({
            "resultType": "vector",
            "result": samples.iter().map(|s| json!({
                "metric": metric_json(&s.labels),
                "value": [timestamp(t), format_value(s.value)],
            })).collect::<Vec<_>>(),
        }),
    }))
}

async fn query_range(State(p): State<Shared>, uri: Uri, body: Bytes) -> Result<Response, ApiError> {
    let params = params(&uri, &body);
    let expr = parse_query(&params)?;
    let start = parse_time(
        "start",
        param(&params, "start")
            .ok_or_else(|| bad_data("invalid parameter \"start\": parameter is missing"))?,
    )?;
    let end = parse_time(
        "end",
        param(&params, "end")
            .ok_or_else(|| bad_data("invalid parameter \"end\": parameter is missing"))?,
    )?;
    let step = parse_step(
        param(&params, "step")
            .ok_or_else(|| bad_data("invalid parameter \"step\": parameter is missing"))?,
    )?;
    if end < start {
        return Err(bad_data("end timestamp must not be before start time"));
    }
    if step <= 0.0 {
        return Err(bad_data(
            "zero or negative query resolution step widths are not accepted. Try a positive integer",
        ));
    }
    if (end - start) / step > MAX_POINTS {
        return Err(bad_data(
            "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)",
        ));
    }
    let engine = p.engine();
    // Labels -> points, in first-seen order.
    let mut series: Vec<(BTreeMap<String, String>, Vec<Json>)> = Vec::new();
    let mut t = start;
    while t <= end {
        let samples = match engine.eval(&expr, t).map_err(bad_data)? {
            Value::Scalar(v) => vec![(BTreeMap::new(), v)],
            Value::Vector(v) => v.into_iter().map(|s| (s.labels, s.value)).collect(),
        };
        for (labels, v) in samples {
            let point = json!([timestamp(t), format_value(v)]);
            match series.iter_mut().find(|(l, _)| *l == labels) {
                Some((_, points)) => points.push(point),
                None => series.push((labels, vec![point])),
            }
        }
        t += step;
    }
    Ok(success(json!({
        "resultType": "matrix",
        "result": series.iter().map(|(labels, values)| json!({
            "metric": metric_json(labels),
            "values": values,
        })).collect::<Vec<_>>(),
    })))
}

/// The raw series `match[]` selects (all series without one, for `labels`).
fn selected<'a>(
    p: &'a Prometheus,
    params: &[(String, String)],
    required: bool,
) -> Result<Vec<&'a BTreeMap<String, String>>, ApiError> {
    let selectors: Vec<&str> = params
        .iter()
        .filter(|(k, _)| k == "match[]")
        .map(|(_, v)| v.as_str())
        .collect();
    if selectors.is_empty() {
        if required {
            return Err(bad_data("no match[] parameter provided"));
        }
        return Ok(p.catalog.series.iter().map(|s| &s.labels).collect());
    }
    let mut out = Vec::new();
    for text in selectors {
        let Ok(Expr::VectorSelector(v)) = parser::parse(text) else {
            return Err(bad_data(format!(
                "invalid parameter \"match[]\": {text:?} is not a series selector"
            )));
        };
        for s in &p.catalog.series {
            if v.name.as_deref().is_none_or(|n| s.name() == n)
                && matches(&v.matchers.matchers, &s.labels)
                && !out.contains(&&s.labels)
            {
                out.push(&s.labels);
            }
        }
    }
    Ok(out)
}

async fn series(State(p): State<Shared>, uri: Uri, body: Bytes) -> Result<Response, ApiError> {
    let params = params(&uri, &body);
    Ok(success(json!(selected(&p, &params, true)?)))
}

async fn labels(State(p): State<Shared>, uri: Uri, body: Bytes) -> Result<Response, ApiError> {
    let params = params(&uri, &body);
    let names: BTreeSet<&String> = selected(&p, &params, false)?
        .into_iter()
        .flat_map(|l| l.keys())
        .collect();
    Ok(success(json!(names)))
}

async fn label_values(
    State(p): State<Shared>,
    Path(name): Path<String>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let params = params(&uri, &Bytes::new());
    let values: BTreeSet<&String> = selected(&p, &params, false)?
        .into_iter()
        .filter_map(|l| l.get(&name))
        .collect();
    Ok(success(json!(values)))
}

fn iso(t: f64) -> String {
    chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

fn alert_json(a: &super::rules::ActiveAlert) -> Json {
    json!({
        "labels": a.labels,
        "annotations": a.annotations,
        "state": a.state.text(),
        "activeAt": iso(a.active_at),
        "value": format_value(a.value),
    })
}

async fn rules(State(p): State<Shared>) -> Response {
    let now = unix_now();
    let last =
        iso((now / super::rules::EVALUATION_INTERVAL).floor() * super::rules::EVALUATION_INTERVAL);
    let alerts = p.alerts(now);
    let groups: Vec<Json> = p
        .groups
        .iter()
        .map(|g| {
            let mut rules: Vec<Json> = g
                .recordings
                .iter()
                .map(|(r, text)| {
                    json!({"type": "recording", "name": r.record, "query": text,
                           "labels": r.labels, "health": "ok", "lastEvaluation": last,
                           "evaluationTime": 0.0})
                })
                .collect();
            for (rule, result) in alerts.iter().filter(|(r, _)| r.group == g.name) {
                let (health, error, active) = match result {
                    Ok(a) => ("ok", None, a.iter().map(alert_json).collect::<Vec<_>>()),
                    Err(e) => ("err", Some(e.clone()), Vec::new()),
                };
                let state = result
                    .as_ref()
                    .ok()
                    .and_then(|a| a.iter().map(|x| x.state).max_by_key(|s| *s == super::rules::AlertState::Firing))
                    .map_or("inactive", |s| s.text());
                let mut r = json!({"type": "alerting", "name": rule.name, "query": rule.query,
                    "duration": rule.for_secs, "labels": rule.labels, "annotations": rule.annotations,
                    "alerts": active, "health": health, "state": state, "keepFiringFor": 0,
                    "lastEvaluation": last, "evaluationTime": 0.0});
                if let Some(e) = error {
                    r["lastError"] = json!(e);
                }
                rules.push(r);
            }
            json!({"name": g.name, "file": "ms5-slo.rules.yml", "rules": rules,
                   "interval": super::rules::EVALUATION_INTERVAL, "limit": 0, "lastEvaluation": last,
                   "evaluationTime": 0.0})
        })
        .collect();
    success(json!({"groups": groups}))
}

async fn alerts(State(p): State<Shared>) -> Response {
    let all: Vec<Json> = p
        .alerts(unix_now())
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .map(alert_json)
        .collect();
    success(json!({"alerts": all}))
}

async fn buildinfo() -> Response {
    success(
        json!({"version": "2.42.0-ms5-sim", "revision": "", "branch": "ms5-console sim",
                   "buildUser": "", "buildDate": "", "goVersion": ""}),
    )
}

async fn metrics(State(p): State<Shared>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics_text(&p.catalog, unix_now()),
    )
        .into_response()
}
