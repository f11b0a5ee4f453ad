//! Alertmanagers: each reached directly (`URL`) or through the API server's service proxy
//! (`k8s://NAMESPACE/SERVICE:PORT`), optionally named (`NAME=URL`). Their alerts merge into one
//! list: HA peers' copies of one alert (same fingerprint) collapse, keeping every origin; an
//! Alertmanager that fails is reported against its name while the others still count.

use std::time::Duration;

use crate::alerting::model::GettableAlert;
use crate::config::endpoint::HttpOptions;

use super::http::{first_line, get_proxied, http_client, k8s_proxy_path};

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
pub struct AlertmanagerEndpoint {
    pub name: String,
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
            _ => (spec.to_string(), spec),
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
        Ok(AlertmanagerEndpoint { name, transport })
    }

    /// `GET /api/v2/alerts` with `params`, typed.
    pub async fn alerts(&self, params: &[(&str, String)]) -> Result<Vec<GettableAlert>, String> {
        let (status, body) = match &self.transport {
            Transport::Direct { http, base } => {
                let response = http
                    .get(format!("{base}/api/v2/alerts"))
                    .query(params)
                    .send()
                    .await
                    .map_err(|e| describe(&e))?;
                let status = response.status().as_u16();
                let body = response.bytes().await.map_err(|e| describe(&e))?;
                (status, body)
            }
            Transport::Proxy {
                kube,
                path,
                timeout,
            } => get_proxied(kube, path, "/api/v2/alerts", params, *timeout).await?,
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
            return Err(format!("HTTP {status}: {reason}"));
        }
        serde_json::from_slice(&body).map_err(|e| {
            format!(
                "malformed answer ({e}): {}",
                first_line(&String::from_utf8_lossy(&body))
            )
        })
    }
}

fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    text
}

/// One alert as the console shows it: the copy first seen, and every Alertmanager that has it.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedAlert {
    pub alert: GettableAlert,
    pub origins: Vec<String>,
}

/// Every Alertmanager's answer merged: alerts by fingerprint, failures by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergedAlerts {
    pub alerts: Vec<MergedAlert>,
    pub failures: Vec<(String, String)>,
}

pub fn merge(answers: Vec<(String, Result<Vec<GettableAlert>, String>)>) -> MergedAlerts {
    let mut merged = MergedAlerts::default();
    for (origin, answer) in answers {
        match answer {
            Err(e) => merged.failures.push((origin, e)),
            Ok(alerts) => {
                for alert in alerts {
                    match merged
                        .alerts
                        .iter_mut()
                        .find(|m| m.alert.fingerprint == alert.fingerprint)
                    {
                        Some(m) if !m.origins.contains(&origin) => m.origins.push(origin.clone()),
                        Some(_) => {}
                        None => merged.alerts.push(MergedAlert {
                            alert,
                            origins: vec![origin.clone()],
                        }),
                    }
                }
            }
        }
    }
    merged
}

/// Asks every Alertmanager at once and merges the answers.
pub async fn fetch_all(endpoints: &[AlertmanagerEndpoint]) -> MergedAlerts {
    let answers = futures::future::join_all(
        endpoints
            .iter()
            .map(|e| async move { (e.name.clone(), e.alerts(&[]).await) }),
    )
    .await;
    merge(answers)
}
