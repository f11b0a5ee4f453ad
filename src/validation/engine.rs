//! The one validation engine, shared by the console's `:validation` and the headless
//! `validate`: a runbook's criteria run concurrently against the sources, each within its
//! timeout and the whole run within a bound, every result reported as it arrives and kept in
//! the runbook's order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::StreamExt;

use super::lists::Lists;
use super::outcome::{Evidence, Finding, Verdict};
use super::results::{CriterionResult, PhaseRef, RunReport, not_run};
use super::runbook::{Check, Criterion, Runbook};
use super::{command, fetch, judge, predicates};
use crate::source::alertmanager::{self as am_source, AlertmanagerEndpoint};
use crate::source::prometheus::Endpoint;

/// Criteria checked at once: a run of 35 takes a few round trips, not 35.
const AT_ONCE: usize = 8;
/// Past this, a run stops and what has not finished is unknown: a CI job never hangs on one.
pub const RUN_LIMIT: Duration = Duration::from_secs(300);

/// Everything a run reads from, set up once.
pub struct Sources {
    pub lists: Lists,
    /// For `k8s://` URLs (the service proxy).
    pub kube: Option<kube::Client>,
    /// The Prometheus `promql` criteria ask, or why there is none.
    pub prometheus: Result<Arc<Endpoint>, String>,
    /// The Alertmanagers `alerts` criteria ask, and those that could not be set up.
    pub alertmanagers: Vec<AlertmanagerEndpoint>,
    pub broken_alertmanagers: Vec<(String, String)>,
    pub http: reqwest::Client,
    /// Added to a `command`'s environment: the console's kubeconfig and context.
    pub command_env: Vec<(String, String)>,
    /// The names of the SLOs in effect, for `$SLOS` and `$SLO_COUNT` in queries.
    pub slos: Vec<String>,
}

/// Runs every criterion of `runbook`, calling `on_result` as each finishes. With
/// `skip_commands` (read-only mode), `command` criteria are not run and say so.
pub async fn run(
    runbook: &Runbook,
    sources: &Sources,
    skip_commands: bool,
    mut on_result: impl FnMut(&CriterionResult),
) -> RunReport {
    let started = Utc::now();
    let clock = Instant::now();
    let order: Vec<(&str, &Criterion)> = runbook
        .criteria()
        .map(|(p, c)| (p.id.as_str(), c))
        .collect();
    let mut done: Vec<Option<CriterionResult>> = vec![None; order.len()];
    // Boxed: the checks borrow the runbook and the sources, and a run is spawned as a job,
    // which the compiler can only prove Send for through a named future type.
    let checks: Vec<futures::future::BoxFuture<'_, (usize, CriterionResult)>> = order
        .iter()
        .enumerate()
        .map(
            |(i, &(phase, c))| -> futures::future::BoxFuture<'_, (usize, CriterionResult)> {
                Box::pin(async move {
                    if skip_commands && matches!(c.check, Check::Command { .. }) {
                        return (i, not_run(phase, c, "not run: read-only".into()));
                    }
                    (i, check_one(phase, c, sources).await)
                })
            },
        )
        .collect();
    let mut checks = futures::stream::iter(checks).buffer_unordered(AT_ONCE);
    let _ = tokio::time::timeout(RUN_LIMIT, async {
        while let Some((i, result)) = checks.next().await {
            on_result(&result);
            done[i] = Some(result);
        }
    })
    .await;
    drop(checks);
    let results = order
        .iter()
        .zip(done)
        .map(|((phase, c), result)| {
            result.unwrap_or_else(|| {
                let late = not_run(
                    phase,
                    c,
                    format!("not run: the run's {} s limit passed", RUN_LIMIT.as_secs()),
                );
                on_result(&late);
                late
            })
        })
        .collect();
    RunReport {
        cluster: None,
        runbook: runbook.name.clone(),
        phases: PhaseRef::all(runbook),
        started,
        seconds: clock.elapsed().as_secs_f64(),
        results,
    }
}

async fn check_one(phase: &str, c: &Criterion, sources: &Sources) -> CriterionResult {
    let checked_at = Utc::now();
    let clock = Instant::now();
    let finding = match tokio::time::timeout(c.timeout, finding(c, sources)).await {
        Ok(finding) => finding,
        Err(_) => Finding {
            verdict: Verdict::Unknown,
            evidence: Evidence {
                measured: format!("no answer within its timeout of {}", humantime(c.timeout)),
                expected: String::new(),
                source: String::new(),
                details: Vec::new(),
            },
        },
    };
    CriterionResult {
        phase: phase.to_string(),
        id: c.id.clone(),
        title: c.title.clone(),
        kind: c.check.kind().to_string(),
        result: finding.verdict,
        evidence: finding.evidence,
        checked_at,
        seconds: clock.elapsed().as_secs_f64(),
    }
}

fn humantime(d: Duration) -> String {
    crate::model::age::human_duration(d.as_secs())
}

async fn finding(c: &Criterion, sources: &Sources) -> Finding {
    match &c.check {
        Check::Kube(check) => predicates::check(check, &sources.lists).await,
        Check::Promql {
            query,
            compare,
            on_empty,
            seconds,
        } => match &sources.prometheus {
            Ok(prometheus) => {
                let query = super::runbook::expand_slos(query, &sources.slos);
                let answer = prometheus.instant(&query, None).await;
                let source = format!("prometheus {}", prometheus.label());
                let finding = judge::promql(answer, *compare, *on_empty, &source);
                if *seconds {
                    judge::as_durations(finding)
                } else {
                    finding
                }
            }
            Err(why) => unanswered(
                format!("no answer: {why}"),
                judge::expected_words(*compare),
                "prometheus".into(),
            ),
        },
        Check::Alerts {
            text,
            matchers,
            ignore_suppressed,
        } => {
            if sources.alertmanagers.is_empty() && sources.broken_alertmanagers.is_empty() {
                return unanswered(
                    "no answer: no Alertmanager configured (--alertmanager-url)".into(),
                    format!("none firing matching {text}"),
                    "alertmanager".into(),
                );
            }
            let mut merged = am_source::fetch_all(&sources.alertmanagers).await;
            merged
                .failures
                .extend(sources.broken_alertmanagers.iter().cloned());
            let names: Vec<String> = sources
                .alertmanagers
                .iter()
                .map(|a| a.name.clone())
                .chain(sources.broken_alertmanagers.iter().map(|(n, _)| n.clone()))
                .collect();
            let source = format!("alertmanager {}", names.join(", "));
            judge::alerts(&merged, matchers, text, *ignore_suppressed, &source)
        }
        Check::Http {
            url,
            status,
            body_contains,
        } => {
            let answer = fetch::get(url, sources.kube.as_ref(), &sources.http, c.timeout).await;
            judge::http(
                answer,
                *status,
                body_contains.as_deref(),
                &format!("GET {url}"),
            )
        }
        Check::Command { argv } => command::run(argv, &sources.command_env, c.timeout).await,
    }
}

fn unanswered(measured: String, expected: String, source: String) -> Finding {
    Finding {
        verdict: Verdict::Unknown,
        evidence: Evidence {
            measured,
            expected,
            source,
            details: Vec::new(),
        },
    }
}

/// The cluster a run reads: its client, the configuration behind it (for the service proxy's
/// clients) and the context's name (for the evidence).
#[derive(Clone, Copy)]
pub struct Cluster<'a> {
    pub client: &'a kube::Client,
    pub config: &'a kube::Config,
    pub context: &'a str,
}

impl<'a> Cluster<'a> {
    pub fn of(connected: &'a crate::source::connect::Connected) -> Cluster<'a> {
        Cluster {
            client: &connected.client,
            config: &connected.config,
            context: &connected.connection.context,
        }
    }
}

impl Sources {
    /// The sources `settings` name, reached through `connected` (None: no cluster, and every
    /// criterion that needs one says so). `kubeconfig` is the file the console was given, if
    /// any: a `command` finds it, and the context, in its environment.
    pub fn new(
        settings: &crate::config::Settings,
        cluster: Option<Cluster<'_>>,
        kubeconfig: Option<&std::path::Path>,
    ) -> Sources {
        use crate::source::prometheus::proxy_client;
        let context = cluster
            .as_ref()
            .map_or("(none)".to_string(), |c| c.context.to_string());
        let config = cluster.as_ref().map(|c| c.config);
        let prometheus_proxy =
            config.and_then(|c| proxy_client(c, settings.prometheus.timeout).ok());
        let prometheus = match settings.prometheus_url.as_deref() {
            None => Err("no Prometheus configured (--prometheus-url)".to_string()),
            Some(target) => {
                Endpoint::new(target, &settings.prometheus, prometheus_proxy).map(Arc::new)
            }
        };
        let am_proxy = config.and_then(|c| proxy_client(c, settings.alertmanager.timeout).ok());
        let mut alertmanagers = Vec::new();
        let mut broken_alertmanagers = Vec::new();
        for spec in &settings.alertmanager_urls {
            match AlertmanagerEndpoint::new(spec, &settings.alertmanager, am_proxy.clone()) {
                Ok(e) => alertmanagers.push(e),
                Err(e) => broken_alertmanagers.push((spec.clone(), e)),
            }
        }
        let mut command_env = vec![("MS5_CONSOLE_CONTEXT".to_string(), context.clone())];
        if let Some(path) = kubeconfig {
            command_env.push(("KUBECONFIG".into(), path.display().to_string()));
        }
        let kube = config.and_then(|c| proxy_client(c, settings.prometheus.timeout).ok());
        Sources {
            lists: Lists::new(cluster.map(|c| c.client.clone()), &context),
            kube,
            prometheus,
            alertmanagers,
            broken_alertmanagers,
            http: crate::source::http::http_client(&settings.prometheus)
                .unwrap_or_else(|_| reqwest::Client::new()),
            command_env,
            slos: settings.slos.iter().map(|s| s.name.clone()).collect(),
        }
    }
}
