//! The one validation engine, shared by the console's `:validation` and the headless
//! `validate`: a runbook's criteria run concurrently against the sources, each within its
//! timeout and the whole run within a bound, every result reported as it arrives and kept in
//! the runbook's order.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use futures::StreamExt;

use super::lists::Lists;
use super::outcome::{Evidence, Finding, Verdict};
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
}

/// A phase, as reports name it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PhaseRef {
    pub id: String,
    pub title: String,
}

/// One criterion's result, as reports and the history keep it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CriterionResult {
    pub phase: String,
    pub id: String,
    pub title: String,
    pub kind: String,
    pub result: Verdict,
    pub evidence: Evidence,
    /// When the check began.
    pub checked_at: DateTime<Utc>,
    /// How long it took, in seconds.
    pub seconds: f64,
}

/// A whole run, in the runbook's order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunReport {
    pub runbook: String,
    /// The phases run (all of them when the run was not narrowed).
    pub phases: Vec<PhaseRef>,
    pub started: DateTime<Utc>,
    pub seconds: f64,
    pub results: Vec<CriterionResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub total: usize,
    pub passed: usize,
    pub failed: usize,
    pub unknown: usize,
}

impl Totals {
    pub fn of<'a>(results: impl IntoIterator<Item = &'a CriterionResult>) -> Totals {
        let mut t = Totals::default();
        for r in results {
            t.total += 1;
            match r.result {
                Verdict::Pass => t.passed += 1,
                Verdict::Fail => t.failed += 1,
                Verdict::Unknown => t.unknown += 1,
            }
        }
        t
    }

    /// `33/35 passed, 1 failed, 1 unknown`.
    pub fn words(&self) -> String {
        let mut out = format!("{}/{} passed", self.passed, self.total);
        if self.failed > 0 {
            out.push_str(&format!(", {} failed", self.failed));
        }
        if self.unknown > 0 {
            out.push_str(&format!(", {} unknown", self.unknown));
        }
        out
    }

    /// The exit code `validate` gives: 0 all passed, 1 something failed, 2 nothing failed but
    /// something could not be checked.
    pub fn exit_code(&self) -> u8 {
        if self.failed > 0 {
            1
        } else if self.unknown > 0 || self.total == 0 {
            2
        } else {
            0
        }
    }
}

impl RunReport {
    pub fn totals(&self) -> Totals {
        Totals::of(&self.results)
    }
}

/// Runs every criterion of `runbook`, calling `on_result` as each finishes.
pub async fn run(
    runbook: &Runbook,
    sources: &Sources,
    mut on_result: impl FnMut(&CriterionResult),
) -> RunReport {
    let started = Utc::now();
    let clock = Instant::now();
    let order: Vec<(&str, &Criterion)> = runbook
        .criteria()
        .map(|(p, c)| (p.id.as_str(), c))
        .collect();
    let mut done: Vec<Option<CriterionResult>> = vec![None; order.len()];
    let mut checks = futures::stream::iter(
        order
            .iter()
            .enumerate()
            .map(|(i, (phase, c))| async move { (i, check_one(phase, c, sources).await) }),
    )
    .buffer_unordered(AT_ONCE);
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
        runbook: runbook.name.clone(),
        phases: runbook
            .phases
            .iter()
            .map(|p| PhaseRef {
                id: p.id.clone(),
                title: p.title.clone(),
            })
            .collect(),
        started,
        seconds: clock.elapsed().as_secs_f64(),
        results,
    }
}

/// A criterion that was not checked (a stopped run, a read-only `command`): unknown, saying why.
pub fn not_run(phase: &str, c: &Criterion, why: String) -> CriterionResult {
    CriterionResult {
        phase: phase.to_string(),
        id: c.id.clone(),
        title: c.title.clone(),
        kind: c.check.kind().to_string(),
        result: Verdict::Unknown,
        evidence: Evidence {
            measured: why,
            expected: String::new(),
            source: String::new(),
            details: Vec::new(),
        },
        checked_at: Utc::now(),
        seconds: 0.0,
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
        } => match &sources.prometheus {
            Ok(prometheus) => {
                let answer = prometheus.instant(query, None).await;
                let source = format!("prometheus {}", prometheus.label());
                judge::promql(answer, *compare, *on_empty, &source)
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

impl Sources {
    /// The sources `settings` name, reached through `connected` (None: no cluster, and every
    /// criterion that needs one says so). `kubeconfig` is the file the console was given, if
    /// any: a `command` finds it, and the context, in its environment.
    pub fn new(
        settings: &crate::config::Settings,
        connected: Option<&crate::source::connect::Connected>,
        kubeconfig: Option<&std::path::Path>,
    ) -> Sources {
        use crate::source::prometheus::proxy_client;
        let context = connected.map_or("(none)".to_string(), |c| c.connection.context.clone());
        let config = connected.map(|c| &c.config);
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
            lists: Lists::new(connected.map(|c| c.client.clone()), &context),
            kube,
            prometheus,
            alertmanagers,
            broken_alertmanagers,
            http: crate::source::http::http_client(&settings.prometheus)
                .unwrap_or_else(|_| reqwest::Client::new()),
            command_env,
        }
    }
}
