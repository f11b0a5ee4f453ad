//! Prometheus: reached directly (`http(s)://`, with the configured credentials and TLS) or
//! through the Kubernetes API server's service proxy (`k8s://NAMESPACE/SERVICE:PORT`, with the
//! kubeconfig's credentials, exec plugins included). Polled on an interval with a timeout; each
//! poll sends one whole observation, or the reason there is none.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use prometheus_http_query::response::Data;
use tokio::sync::mpsc;

use super::error::{ApiError, ErrorKind};
use super::event::{Observation, PromEvent};
pub use super::http::proxy_client;
use super::http::{self, first_line, http_client};
use super::prometheus_answers as answers;
use crate::config::endpoint::HttpOptions;
use crate::model::backup_definition::BackupDefinition;
use crate::model::backup_reading::BackupReading;
use crate::model::business::{self, BusinessReading};
use crate::model::slo_status::{Reading, SloHistory, SloReading};
use crate::slo::maths::BURN_WINDOWS;
use crate::slo::{SloDefinition, queries};

/// Queries in flight at once per poll: enough to finish quickly, few enough to be polite.
const CONCURRENCY: usize = 6;

/// Where queries go.
pub enum Endpoint {
    Direct {
        url: String,
        client: prometheus_http_query::Client,
    },
    Proxy {
        label: String,
        kube: kube::Client,
        /// `/api/v1/namespaces/NS/services/NAME:PORT/proxy`
        path: String,
        timeout: Duration,
    },
}

impl Endpoint {
    /// Parses `http(s)://...` or `k8s://NAMESPACE/SERVICE:PORT`.
    pub fn new(
        target: &str,
        options: &HttpOptions,
        kube: Option<kube::Client>,
    ) -> Result<Endpoint, String> {
        if let Some(path) =
            http::k8s_proxy_path(target, crate::config::endpoint::DEFAULT_PROMETHEUS)
        {
            let path = path?;
            let kube = kube.ok_or("k8s:// needs a Kubernetes connection")?;
            return Ok(Endpoint::Proxy {
                label: target.to_string(),
                kube,
                path,
                timeout: options.timeout,
            });
        }
        if !(target.starts_with("http://") || target.starts_with("https://")) {
            return Err(format!(
                "{target:?} is not a Prometheus address: use http(s)://HOST:PORT or k8s://NAMESPACE/SERVICE:PORT"
            ));
        }
        let http = http_client(options)?;
        let client = prometheus_http_query::Client::from(http, target)
            .map_err(|e| format!("{target:?}: {e}"))?;
        Ok(Endpoint::Direct {
            url: target.to_string(),
            client,
        })
    }

    /// What panel titles show as the source.
    pub fn label(&self) -> &str {
        match self {
            Endpoint::Direct { url, .. } => url,
            Endpoint::Proxy { label, .. } => label,
        }
    }

    pub async fn instant(&self, query: &str, at: Option<DateTime<Utc>>) -> Result<Data, ApiError> {
        match self {
            Endpoint::Direct { client, .. } => {
                let mut q = client.query(query);
                if let Some(at) = at {
                    q = q.at(at.timestamp());
                }
                q.get().await.map(|r| r.data().clone()).map_err(describe)
            }
            Endpoint::Proxy { .. } => {
                let mut params = vec![("query", query.to_string())];
                if let Some(at) = at {
                    params.push(("time", at.timestamp().to_string()));
                }
                self.proxied("/api/v1/query", &params).await
            }
        }
    }

    pub async fn range(
        &self,
        query: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        step: Duration,
    ) -> Result<Data, ApiError> {
        match self {
            Endpoint::Direct { client, .. } => client
                .query_range(
                    query,
                    start.timestamp(),
                    end.timestamp(),
                    step.as_secs_f64(),
                )
                .get()
                .await
                .map(|r| r.data().clone())
                .map_err(describe),
            Endpoint::Proxy { .. } => {
                let params = [
                    ("query", query.to_string()),
                    ("start", start.timestamp().to_string()),
                    ("end", end.timestamp().to_string()),
                    ("step", step.as_secs_f64().to_string()),
                ];
                self.proxied("/api/v1/query_range", &params).await
            }
        }
    }

    /// The alerting rules and their alerts (`/api/v1/rules?type=alert`): each rule's `for`
    /// with its pending and firing alerts.
    pub async fn alerting_rules(
        &self,
    ) -> Result<Vec<prometheus_http_query::response::AlertingRule>, ApiError> {
        let groups = match self {
            Endpoint::Direct { client, .. } => client
                .rules()
                .kind(prometheus_http_query::RuleKind::Alerting)
                .get()
                .await
                .map_err(describe)?,
            Endpoint::Proxy {
                kube,
                path,
                timeout,
                ..
            } => {
                let params = [("type", "alert".to_string())];
                let (status, body) =
                    http::get_proxied(kube, path, "/api/v1/rules", &params, *timeout).await?;
                #[derive(serde::Deserialize)]
                struct Groups {
                    groups: Vec<prometheus_http_query::response::RuleGroup>,
                }
                #[derive(serde::Deserialize)]
                struct Envelope {
                    data: Groups,
                }
                if !(200..300).contains(&status) {
                    return Err(parse_envelope(status, &body)
                        .err()
                        .unwrap_or_else(|| ApiError::answer(status, "rules could not be read")));
                }
                serde_json::from_slice::<Envelope>(&body)
                    .map_err(|e| ApiError::decode(format!("rules: {e}")))?
                    .data
                    .groups
            }
        };
        Ok(groups
            .iter()
            .flat_map(|g| g.rules())
            .filter_map(|r| r.as_alerting().cloned())
            .collect())
    }

    async fn proxied(&self, api: &str, params: &[(&str, String)]) -> Result<Data, ApiError> {
        let Endpoint::Proxy {
            kube,
            path,
            timeout,
            ..
        } = self
        else {
            return Err(ApiError::decode("not a proxied endpoint".into()));
        };
        let (status, body) = http::get_proxied(kube, path, api, params, *timeout).await?;
        parse_envelope(status, &body)
    }
}

/// Prometheus' JSON envelope, for answers that came through the service proxy. The API
/// server's own refusals (503 without endpoints, 403) are Kubernetes Status objects instead;
/// their `message` is what the person needs to read.
pub fn parse_envelope(status: u16, body: &[u8]) -> Result<Data, ApiError> {
    let value: serde_json::Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            let text = String::from_utf8_lossy(body);
            return Err(if status >= 400 {
                ApiError::answer(status, &first_line(&text))
            } else {
                ApiError::decode(format!("malformed answer ({e}): {}", first_line(&text)))
            });
        }
    };
    if value["status"] == "success" {
        return serde_json::from_value::<Data>(value["data"].clone())
            .map_err(|e| ApiError::decode(format!("malformed answer: {e}")));
    }
    let text = |key: &str| value[key].as_str().map(str::to_string);
    Err(match (text("errorType"), text("error"), text("message")) {
        // Prometheus' own refusal (`bad_data: ...`), in its words, with the status it came with.
        (Some(kind), Some(error), _) => ApiError {
            message: format!("{kind}: {error}"),
            ..ApiError::answer(status, "")
        },
        (_, _, Some(message)) => ApiError::answer(status, &message),
        _ => ApiError::answer(status, "no data in the answer"),
    })
}

fn describe(e: prometheus_http_query::Error) -> ApiError {
    match e {
        // Prometheus answered: its own words.
        prometheus_http_query::Error::Prometheus(p) => ApiError {
            kind: ErrorKind::Invalid,
            status: None,
            message: p.to_string(),
        },
        other => ApiError::transport(super::http::transport_words(&other)),
    }
}

/// Every query of one poll, answered concurrently: every SLO's burn rates in one selector over
/// the recording rules `ms5-console slo rules` generates, each SLO's window SLI, and the floor.
/// An SLO without recordings (rules not loaded) gets its seven error ratios as raw queries,
/// and the observation says so. With the rules loaded a poll is 4 + n SLOs requests.
pub async fn observe(
    endpoint: Arc<Endpoint>,
    slos: &[SloDefinition],
    backups: &[BackupDefinition],
) -> Result<Observation, String> {
    let ask = |texts: Vec<String>| {
        let endpoint = endpoint.clone();
        async move {
            futures::stream::iter(texts)
                .map(|q| {
                    let endpoint = endpoint.clone();
                    async move { endpoint.instant(&q, None).await.map_err(|e| e.to_string()) }
                })
                .buffered(CONCURRENCY)
                .collect::<Vec<Result<Data, String>>>()
                .await
        }
    };
    let mut texts = vec![queries::all_recorded_error_ratios()];
    texts.extend(slos.iter().map(queries::window_sli));
    texts.extend(business::QUERIES.iter().map(|q| q.to_string()));
    // One request per database: its figures' queries joined, each series marked.
    let backup_queries: Vec<(&BackupDefinition, String)> = backups
        .iter()
        .filter_map(|d| d.queries.combined().map(|q| (d, q)))
        .collect();
    texts.extend(backup_queries.iter().map(|(_, q)| q.clone()));
    let answers = ask(texts.clone()).await;
    let mut requests = answers.len();
    if let Some(Err(first)) = answers.iter().find(|a| a.is_err())
        && answers.iter().all(|a| a.is_err())
    {
        return Err(first.clone());
    }
    let mut answers = answers.into_iter();
    let mut next = || answers.next().unwrap_or(Err("missing".into()));
    let recorded = answers::recorded_ratios(next());
    let window_slis: Vec<Reading> = slos.iter().map(|_| answers::single(next())).collect();
    let factors = next();
    let by_factor = |name: &str| match &factors {
        Ok(Data::Vector(v)) => Ok(v
            .iter()
            .filter(|s| s.metric().get("__name__").map(String::as_str) == Some(name))
            .filter_map(|s| {
                s.metric()
                    .get("line")
                    .map(|l| (l.clone(), s.sample().value()))
            })
            .collect()),
        Ok(_) => Err("expected an instant vector".to_string()),
        Err(e) => Err(e.clone()),
    };
    let business = BusinessReading {
        availability: by_factor(business::FACTORS[0]),
        performance: by_factor(business::FACTORS[1]),
        quality: by_factor(business::FACTORS[2]),
        downtime_24h: answers::by_label(next(), "line"),
        units_per_hour: answers::by_label(next(), "line"),
        websocket_connections: answers::single(next()),
        celery_queue: answers::single(next()),
    };
    let backup_readings: Vec<BackupReading> = backup_queries
        .iter()
        .map(|(def, _)| answers::backup_reading(def, next()))
        .collect();
    // SLOs the recording rules do not cover: their burn rates the long way.
    let raw_burn: Vec<&SloDefinition> = slos
        .iter()
        .filter(|d| {
            BURN_WINDOWS
                .iter()
                .any(|w| !recorded.contains_key(&(d.name.clone(), w.text())))
        })
        .collect();
    let raw_texts: Vec<String> = raw_burn
        .iter()
        .flat_map(|d| {
            BURN_WINDOWS
                .iter()
                .map(|w| queries::error_ratio(d, w.text()))
        })
        .collect();
    requests += raw_texts.len();
    let mut raw = ask(raw_texts).await.into_iter();
    let mut readings = Vec::new();
    for (def, window_sli) in slos.iter().zip(window_slis) {
        let mut error_ratios: [Reading; 7] = Default::default();
        let is_raw = raw_burn.iter().any(|d| d.name == def.name);
        for (slot, w) in error_ratios.iter_mut().zip(BURN_WINDOWS) {
            *slot = if is_raw {
                answers::single(raw.next().unwrap_or(Err("missing".into())))
            } else {
                recorded
                    .get(&(def.name.clone(), w.text()))
                    .map_or(Reading::Empty, |v| Reading::Value(*v))
            };
        }
        readings.push(SloReading {
            name: def.name.clone(),
            window_sli,
            error_ratios,
        });
    }
    let pending = endpoint
        .alerting_rules()
        .await
        .map(|rules| answers::pending_alerts(&rules))
        .map_err(|e| e.to_string());
    requests += 1;
    Ok(Observation {
        at: Utc::now(),
        pending,
        slos: readings,
        business,
        raw_burn: raw_burn.iter().map(|d| d.name.clone()).collect(),
        requests,
        backups: backup_readings,
    })
}

/// Polls until the receiver goes away.
pub async fn poll<E: From<PromEvent>>(
    endpoint: Arc<Endpoint>,
    slos: Vec<SloDefinition>,
    backups: Vec<BackupDefinition>,
    interval: Duration,
    timeout: Duration,
    tx: mpsc::Sender<E>,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        // The whole poll is bounded too: a Prometheus that trickles answers cannot hold it.
        let result =
            match tokio::time::timeout(timeout * 2, observe(endpoint.clone(), &slos, &backups))
                .await
            {
                Ok(r) => r,
                Err(_) => Err(format!(
                    "no complete answer within {} s",
                    (timeout * 2).as_secs()
                )),
            };
        let event = E::from(PromEvent::Observed(result));
        if tx.send(event).await.is_err() {
            return;
        }
    }
}

/// The page and ticket conditions' crossings of every SLO from `start` to `end`, one range
/// query per SLO and burn window over the raw counters, at `step`.
pub async fn burn_crossings(
    endpoint: &Endpoint,
    slos: &[SloDefinition],
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    step: Duration,
) -> Result<Vec<crate::slo::crossings::Crossing>, String> {
    use crate::slo::crossings;
    let mut out = Vec::new();
    for def in slos {
        let mut ratios = std::collections::BTreeMap::new();
        for w in crossings::windows() {
            let data = endpoint
                .range(&queries::error_ratio(def, w.text()), start, end, step)
                .await
                .map_err(|e| format!("{} {}: {e}", def.name, w.text()))?;
            let samples = match data {
                Data::Matrix(m) => m
                    .first()
                    .map(|s| {
                        s.samples()
                            .iter()
                            .map(|p| (p.timestamp(), p.value()))
                            .collect()
                    })
                    .unwrap_or_default(),
                _ => return Err("expected a range answer".into()),
            };
            ratios.insert(w, samples);
        }
        out.extend(crossings::crossings(def, &ratios));
    }
    Ok(out)
}

/// Once, at start: the burn history of the lookback before `until` (the console's start: what
/// it sees live after that it says itself), at the poll interval.
pub async fn burn_history<E: From<PromEvent>>(
    endpoint: Arc<Endpoint>,
    slos: Vec<SloDefinition>,
    lookback: chrono::Duration,
    until: DateTime<Utc>,
    step: Duration,
    tx: mpsc::Sender<E>,
) {
    // On the step grid, as a rule evaluation would be.
    let step_s = step.as_secs().max(1) as i64;
    let end = DateTime::from_timestamp(until.timestamp() / step_s * step_s, 0).unwrap_or(until);
    let result = burn_crossings(&endpoint, &slos, end - lookback, end, step).await;
    let _ = tx.send(E::from(PromEvent::Crossings(result))).await;
}

/// The detail chart's data for one SLO: hourly good and total over the window, and the 5m error
/// ratio every 5 minutes over the last 6 hours.
pub async fn history<E: From<PromEvent>>(
    endpoint: Arc<Endpoint>,
    def: SloDefinition,
    request: u64,
    tx: mpsc::Sender<E>,
) {
    let end = Utc::now();
    let start = end - chrono::Duration::from_std(def.window).unwrap_or(chrono::Duration::days(30));
    let hour = Duration::from_secs(3600);
    let points = |r: Result<Data, String>| -> Result<Vec<(f64, f64)>, String> {
        match r? {
            Data::Matrix(m) => Ok(m
                .first()
                .map(|s| {
                    s.samples()
                        .iter()
                        .map(|p| (p.timestamp(), p.value()))
                        .collect()
                })
                .unwrap_or_default()),
            _ => Err("expected a range answer".into()),
        }
    };
    let (good_q, total_q, burn_q) = (
        queries::hourly_good(&def),
        queries::hourly_total(&def),
        queries::error_ratio(&def, "5m"),
    );
    let good = endpoint.range(&good_q, start, end, hour);
    let total = endpoint.range(&total_q, start, end, hour);
    let burn = endpoint.range(
        &burn_q,
        end - chrono::Duration::hours(6),
        end,
        Duration::from_secs(300),
    );
    let (good, total, burn) = futures::join!(good, total, burn);
    let (good, total, burn) = (
        good.map_err(|e| e.to_string()),
        total.map_err(|e| e.to_string()),
        burn.map_err(|e| e.to_string()),
    );
    let result = (|| {
        Ok(SloHistory {
            good_hourly: points(good)?,
            total_hourly: points(total)?,
            error_ratio_5m: points(burn)?,
        })
    })();
    let event = E::from(PromEvent::History {
        request,
        slo: def.name,
        result,
    });
    let _ = tx.send(event).await;
}
