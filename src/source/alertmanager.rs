//! Alertmanagers: each reached directly (`URL`) or through the API server's service proxy
//! (`k8s://NAMESPACE/SERVICE:PORT`), optionally named (`NAME=URL`). Their alerts merge into one
//! list: HA peers' copies of one alert (same fingerprint) collapse, keeping every origin; an
//! Alertmanager that fails is reported against its name while the others still count.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use http::Method;
use tokio::sync::mpsc;

use crate::alerting::merge::{AlertsObservation, Answer, MergedAlerts, merge, share};
use crate::alerting::model::{GettableAlert, GettableSilence, PostableSilence, SilenceCreated};
use crate::config::endpoint::HttpOptions;

use super::error::ApiError;
use super::http::{first_line, http_client, k8s_proxy_path, send_proxied};

#[derive(Clone)]
pub enum Transport {
    Direct {
        http: reqwest::Client,
        base: String,
    },
    Proxy {
        kube: kube::Client,
        path: String,
        timeout: Duration,
    },
}

/// One Alertmanager and the name its alerts are shown with.
#[derive(Clone)]
pub struct AlertmanagerEndpoint {
    pub name: String,
    /// The address as given (without the name), for plans and the audit log.
    pub address: String,
    pub transport: Transport,
}

impl AlertmanagerEndpoint {
    /// `URL`, `NAME=URL`, `k8s://NS/SERVICE:PORT` or `NAME=k8s://...`.
    pub fn new(
        spec: &str,
        options: &HttpOptions,
        kube: Option<kube::Client>,
    ) -> Result<AlertmanagerEndpoint, String> {
        let (name, target) = match spec.split_once('=') {
            Some((name, target)) if !name.contains("://") => (name.to_string(), target),
            _ => (default_name(spec), spec),
        };
        let transport = if let Some(path) =
            k8s_proxy_path(target, "k8s://ms5-system/alertmanager-service:9093")
        {
            let path = path?;
            Transport::Proxy {
                kube: kube.ok_or("k8s:// needs a Kubernetes connection")?,
                path,
                timeout: options.timeout,
            }
        } else if target.starts_with("http://") || target.starts_with("https://") {
            Transport::Direct {
                http: http_client(options)?,
                base: target.trim_end_matches('/').to_string(),
            }
        } else {
            return Err(format!(
                "{spec:?} is not an Alertmanager address: use [NAME=]http(s)://HOST:PORT or [NAME=]k8s://NAMESPACE/SERVICE:PORT"
            ));
        };
        Ok(AlertmanagerEndpoint {
            name,
            address: target.to_string(),
            transport,
        })
    }

    /// `GET /api/v2/alerts` with `params`, typed.
    pub async fn alerts(&self, params: &[(&str, String)]) -> Result<Vec<GettableAlert>, ApiError> {
        let body = self
            .call(Method::GET, "/api/v2/alerts", params, None)
            .await?;
        parse(&body)
    }

    /// `GET /api/v2/silences`: every silence the Alertmanager still keeps.
    pub async fn silences(&self) -> Result<Vec<GettableSilence>, ApiError> {
        let body = self
            .call(Method::GET, "/api/v2/silences", &[], None)
            .await?;
        parse(&body)
    }

    /// `POST /api/v2/silences`: the new silence's id.
    pub async fn create_silence(&self, silence: &PostableSilence) -> Result<String, ApiError> {
        let json = serde_json::to_vec(silence).map_err(|e| ApiError::decode(e.to_string()))?;
        let body = self
            .call(Method::POST, "/api/v2/silences", &[], Some(json))
            .await?;
        parse::<SilenceCreated>(&body).map(|c| c.silence_id)
    }

    /// `DELETE /api/v2/silence/{id}`: the silence ends now.
    pub async fn expire_silence(&self, id: &str) -> Result<(), ApiError> {
        let id: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
        self.call(Method::DELETE, &format!("/api/v2/silence/{id}"), &[], None)
            .await
            .map(|_| ())
    }

    /// One request; a non-2xx answer becomes its reason.
    async fn call(
        &self,
        method: Method,
        api: &str,
        params: &[(&str, String)],
        json: Option<Vec<u8>>,
    ) -> Result<bytes::Bytes, ApiError> {
        let (status, body) = match &self.transport {
            Transport::Direct { http, base } => {
                let mut request = http.request(method, format!("{base}{api}")).query(params);
                if let Some(json) = json {
                    request = request
                        .header(reqwest::header::CONTENT_TYPE, "application/json")
                        .body(json);
                }
                let response = request
                    .send()
                    .await
                    .map_err(|e| ApiError::transport(describe(&e)))?;
                let status = response.status().as_u16();
                let body = response
                    .bytes()
                    .await
                    .map_err(|e| ApiError::transport(describe(&e)))?;
                (status, body)
            }
            Transport::Proxy {
                kube,
                path,
                timeout,
            } => send_proxied(kube, method, path, api, params, json, *timeout).await?,
        };
        if !(200..300).contains(&status) {
            // Alertmanager's reasons are JSON strings; the API server's are Status objects.
            let text = String::from_utf8_lossy(&body);
            let reason = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| match v {
                    serde_json::Value::String(s) => Some(s),
                    other => other["message"].as_str().map(String::from),
                })
                .unwrap_or_else(|| first_line(&text));
            // Some answers carry no reason (Alertmanager's 404 for an unknown silence): the
            // status line's own words then, never a bare number.
            let reason = match reason.trim() {
                "" => reqwest::StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("no reason given")
                    .to_string(),
                given => given.to_string(),
            };
            return Err(ApiError::answer(status, &reason));
        }
        Ok(body)
    }
}

/// An unnamed Alertmanager is shown by its service (`k8s://NS/SERVICE:PORT`) or `HOST:PORT`.
fn default_name(target: &str) -> String {
    let rest = target.split_once("://").map_or(target, |(_, rest)| rest);
    if target.starts_with("k8s://") {
        let service = rest.rsplit('/').next().unwrap_or(rest);
        return service.split(':').next().unwrap_or(service).to_string();
    }
    rest.split('/').next().unwrap_or(rest).to_string()
}

fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError::decode(format!(
            "malformed answer ({e}): {}",
            first_line(&String::from_utf8_lossy(body))
        ))
    })
}

fn describe(e: &reqwest::Error) -> String {
    super::http::transport_words(e)
}

/// Asks every Alertmanager at once for its alerts and silences.
pub async fn fetch_answers(endpoints: &[AlertmanagerEndpoint]) -> Vec<(String, Answer)> {
    futures::future::join_all(endpoints.iter().map(|e| async move {
        let (alerts, silences) = tokio::join!(e.alerts(&[]), e.silences());
        let answer = match (alerts, silences) {
            (Ok(a), Ok(s)) => Ok((a, s)),
            (Err(e), _) | (_, Err(e)) => Err(e.to_string()),
        };
        (e.name.clone(), answer)
    }))
    .await
}

/// Every Alertmanager's answer, merged.
pub async fn fetch_all(endpoints: &[AlertmanagerEndpoint]) -> MergedAlerts {
    merge(
        fetch_answers(endpoints)
            .await
            .into_iter()
            .map(|(name, answer)| (name, share(answer)))
            .collect(),
    )
}

/// Polls every Alertmanager each `interval` until aborted; also at once when `nudge` fires
/// (after a write, so the change shows without waiting for the next poll).
pub async fn poll<E: From<AlertsObservation>>(
    endpoints: Arc<Vec<AlertmanagerEndpoint>>,
    interval: Duration,
    mut nudge: mpsc::Receiver<()>,
    tx: mpsc::Sender<E>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            Some(()) = nudge.recv() => {}
        }
        let answers = fetch_answers(&endpoints).await;
        let observation = AlertsObservation {
            at: Utc::now(),
            answers,
        };
        if tx.send(observation.into()).await.is_err() {
            return;
        }
    }
}
