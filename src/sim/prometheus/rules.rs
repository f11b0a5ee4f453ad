//! The sim's rule evaluation: the rules `ms5-console slo rules` prints, evaluated over the
//! closed-form series. Recording rules become series queries can select; alerting rules are
//! evaluated on a 15 s grid, looking back to find since when a condition has held, so `for` and
//! `activeAt` behave as in Prometheus without a background loop or stored state.

use std::collections::BTreeMap;

use promql_parser::parser::{self, Expr};

use super::catalog::Labels;
use super::eval::{Engine, Recording, Value};
use crate::slo::SloDefinition;
use crate::slo::rules::{Rule, RuleFile, rule_file};

/// Seconds between rule evaluations, as a Prometheus `evaluation_interval`.
pub const EVALUATION_INTERVAL: f64 = 15.0;
/// How far back an alert's start is searched beyond its `for` (bounds the work per request).
const LOOKBACK_BEYOND_FOR: f64 = 30.0 * 60.0;

#[derive(Debug, Clone)]
pub struct AlertRule {
    pub group: String,
    pub name: String,
    pub query: String,
    pub expr: Expr,
    pub for_secs: f64,
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Pending,
    Firing,
}

impl AlertState {
    pub fn text(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ActiveAlert {
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
    pub state: AlertState,
    /// When the condition began to hold (pending from then): `/api/v1/alerts`' `activeAt`.
    pub active_at: f64,
    /// When it fired: the first evaluation `for` after `active_at`. What Prometheus sends
    /// Alertmanager as `startsAt` (its FiredAt), so an alert is never dated before it fired.
    pub fired_at: Option<f64>,
    pub value: f64,
}

/// A group as `/api/v1/rules` lists it.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub recordings: Vec<(Recording, String)>,
    pub alerts: Vec<AlertRule>,
}

/// Parses the generated rule file into what the evaluator runs.
pub fn load(slos: &[SloDefinition]) -> Vec<Group> {
    let file: RuleFile = rule_file(slos, None);
    file.groups
        .into_iter()
        .map(|g| {
            let mut group = Group {
                name: g.name.clone(),
                recordings: Vec::new(),
                alerts: Vec::new(),
            };
            for rule in g.rules {
                match rule {
                    Rule::Record {
                        record,
                        expr,
                        labels,
                    } => {
                        // Generated from checked definitions: always parses (tested).
                        // Listed as Prometheus prints a parsed expression (matchers sorted).
                        if let Ok(parsed) = parser::parse(&expr) {
                            let text = parsed.to_string();
                            group.recordings.push((
                                Recording {
                                    record,
                                    expr: parsed,
                                    labels: labels.into_iter().collect(),
                                },
                                text,
                            ));
                        }
                    }
                    Rule::Alert {
                        alert,
                        expr,
                        for_,
                        labels,
                        annotations,
                    } => {
                        if let (Ok(parsed), Ok(for_)) = (
                            parser::parse(&expr),
                            promql_parser::util::parse_duration(&for_),
                        ) {
                            group.alerts.push(AlertRule {
                                group: g.name.clone(),
                                name: alert,
                                query: parsed.to_string(),
                                expr: parsed,
                                for_secs: for_.as_secs_f64(),
                                labels: labels.into_iter().collect(),
                                annotations,
                            });
                        }
                    }
                }
            }
            group
        })
        .collect()
}

/// The MS5 platform's own alerts (the seed's database, pod, rollout, node, backup, error-rate
/// and certificate alerts), as rules over the exporters' series: each fires only once the
/// cluster or the metrics show the fault, and carries its generator URL.
pub const PLATFORM_GROUP: &str = "ms5-platform";

pub fn platform_group() -> Group {
    let group = platform_rules();
    debug_assert_eq!(group.alerts.len(), 9, "every platform rule parses");
    group
}

/// What each platform alert means and where to look first: the rule's `description`.
fn description(alert: &str) -> &'static str {
    match alert {
        "MS5DatabaseDown" => {
            "pg_up is 0 for the production PostgreSQL: the backend cannot read or write. Check postgres-0's pod and node (pressure, eviction) and its PVC."
        }
        "MS5PodCrashLooping" => {
            "A container exits soon after it starts and the kubelet backs off restarting it. Its previous log says why; a recent config or image change is the usual cause."
        }
        "MS5RolloutStuck" => {
            "A Deployment's new ReplicaSet did not become available within progressDeadlineSeconds. Its new pods' readiness says why; undo returns the previous revision."
        }
        "MS5NodeUnderPressure" => {
            "The kubelet reports memory, disk or PID pressure and taints the node: new pods are not scheduled there and running ones may be evicted."
        }
        "MS5BackupFailed" => {
            "The nightly PostgreSQL backup Job failed, or no backup has succeeded for 26 hours: point-in-time recovery is at risk. The failed Job's log names the step."
        }
        "MS5RestoreTestFailed" => {
            "The weekly restore test could not restore and verify the newest backup: backups may not restore when needed."
        }
        "MS5HighErrorRate" => {
            "More than 5 % of the backend's requests answered 5xx over 5 minutes. The SLO burn alert pages for the same cause and inhibits this one."
        }
        "MS5CertificateExpiringSoon" => {
            "The dashboard's TLS certificate expires within 30 days: renew it before browsers refuse the dashboard."
        }
        "MS5CertificateExpiresThisWeek" => {
            "The dashboard's TLS certificate expires within 7 days: renew it now."
        }
        _ => "",
    }
}

fn platform_rules() -> Group {
    // (alert, expr, for, severity, service or "" to keep the series' own, summary)
    let rules: [(&str, &str, &str, &str, &str, &str); 9] = [
        (
            "MS5DatabaseDown",
            r#"pg_up{namespace="ms5-production"} == 0"#,
            "15s",
            "critical",
            "postgres",
            "PostgreSQL has no ready replica: the database is down",
        ),
        (
            "MS5PodCrashLooping",
            r#"kube_pod_container_status_waiting_reason{namespace=~"ms5-.*",reason="CrashLoopBackOff"} == 1"#,
            "15s",
            "high",
            "",
            "A container keeps crashing (CrashLoopBackOff)",
        ),
        (
            "MS5RolloutStuck",
            r#"kube_deployment_status_condition{namespace=~"ms5-.*",condition="Progressing",status="false"} == 1"#,
            "0s",
            "high",
            "",
            "A rollout exceeded its progress deadline",
        ),
        (
            "MS5NodeUnderPressure",
            r#"kube_node_status_condition{condition=~"MemoryPressure|DiskPressure|PIDPressure",status="true"} == 1"#,
            "15s",
            "medium",
            "postgres",
            "A node reports resource pressure; pods may be evicted",
        ),
        (
            "MS5BackupFailed",
            r#"ms5_backup_last_failure_timestamp_seconds{namespace="ms5-production"} > ms5_backup_last_success_timestamp_seconds{namespace="ms5-production"} or time() - ms5_backup_last_success_timestamp_seconds{namespace="ms5-production"} > 26 * 3600"#,
            "5m",
            "high",
            "postgres",
            "The last PostgreSQL backup failed, or none has succeeded for 26 hours",
        ),
        (
            "MS5RestoreTestFailed",
            r#"ms5_restore_test_last_result{namespace="ms5-production"} == 0"#,
            "5m",
            "high",
            "postgres",
            "The last PostgreSQL restore test failed: backups may not restore",
        ),
        (
            "MS5HighErrorRate",
            r#"sum(rate(http_requests_total{namespace="ms5-production",service="backend",code=~"5.."}[5m])) / sum(rate(http_requests_total{namespace="ms5-production",service="backend"}[5m])) > 0.05"#,
            "5m",
            "high",
            "backend",
            "Backend 5xx above 5% of requests",
        ),
        (
            "MS5CertificateExpiringSoon",
            r#"ms5_tls_certificate_expiry_timestamp_seconds{namespace="ms5-production"} - time() < 30 * 86400"#,
            "0s",
            "low",
            "frontend",
            "The dashboard's TLS certificate expires within 30 days",
        ),
        (
            "MS5CertificateExpiresThisWeek",
            r#"ms5_tls_certificate_expiry_timestamp_seconds{namespace="ms5-production"} - time() < 7 * 86400"#,
            "0s",
            "high",
            "frontend",
            "The dashboard's TLS certificate expires within 7 days",
        ),
    ];
    let alerts = rules
        .into_iter()
        .filter_map(|(name, expr, for_, severity, service, summary)| {
            let parsed = parser::parse(expr).ok()?;
            // The duration parser refuses "0s"; a rule without `for` fires at once.
            let for_ = match for_ {
                "0s" => std::time::Duration::ZERO,
                text => promql_parser::util::parse_duration(text).ok()?,
            };
            let mut labels = Labels::from([("severity".to_string(), severity.to_string())]);
            if !service.is_empty() {
                labels.insert("service".into(), service.into());
                labels.insert("namespace".into(), "ms5-production".into());
            }
            Some(AlertRule {
                group: PLATFORM_GROUP.into(),
                name: name.into(),
                query: parsed.to_string(),
                expr: parsed,
                for_secs: for_.as_secs_f64(),
                labels,
                annotations: BTreeMap::from([
                    ("summary".to_string(), summary.to_string()),
                    ("description".to_string(), description(name).to_string()),
                    (
                        "runbook_url".to_string(),
                        format!(
                            "https://runbooks.ms5-dashboard.company.com/alerts/{}",
                            name.to_lowercase()
                        ),
                    ),
                ]),
            })
        })
        .collect();
    Group {
        name: PLATFORM_GROUP.into(),
        recordings: Vec::new(),
        alerts,
    }
}

fn without_name(labels: &Labels) -> Labels {
    let mut l = labels.clone();
    l.remove("__name__");
    l
}

/// Since when each alert's condition has held, remembered across evaluations, by rule and
/// labels: (since, the last time it was seen holding). A condition held longer than the
/// lookback keeps the start found for it, as a running Prometheus keeps `activeAt`, instead of
/// one that moves with every evaluation (a certificate alert's start used to move every 15 s).
#[derive(Debug, Default)]
pub struct HeldSince(std::sync::Mutex<BTreeMap<(String, Labels), (f64, f64)>>);

impl HeldSince {
    /// A start remembered for a condition held through an evaluation whose span covers `bound`.
    fn known(&self, rule: &str, labels: &Labels, bound: f64) -> Option<f64> {
        let held = self.0.lock().ok()?;
        held.get(&(rule.to_string(), labels.clone()))
            .filter(|&&(start, seen)| start <= bound && seen >= bound)
            .map(|&(start, _)| start)
    }

    /// `since` as found by searching back to `bound`; when the search reached the bound (held
    /// throughout), an earlier start remembered from an evaluation whose span covers the bound.
    fn settle(&self, rule: &str, labels: &Labels, since: f64, bound: f64, now: f64) -> f64 {
        let Ok(mut held) = self.0.lock() else {
            return since;
        };
        let key = (rule.to_string(), labels.clone());
        let settled = match held.get(&key) {
            Some(&(start, seen)) if since <= bound && start <= bound && seen >= bound => start,
            _ => since,
        };
        let seen = held.get(&key).map_or(now, |&(_, seen)| seen.max(now));
        held.insert(key, (settled, seen));
        settled
    }
}

/// How far back a condition held through the fine search is looked for: past a 30-day window.
const DEEPEST: f64 = 35.0 * 86_400.0;

/// When a condition that holds at `bound` began: stepping back an hour, then doubling, until
/// it does not hold, then halving to the evaluation grid. Held for all of `DEEPEST`: the
/// deepest time looked at.
fn search_back(holds: impl Fn(f64) -> Result<bool, String>, bound: f64) -> Result<f64, String> {
    let grid = |t: f64| (t / EVALUATION_INTERVAL).floor() * EVALUATION_INTERVAL;
    let deepest = grid(bound - DEEPEST);
    let (mut held, mut step) = (bound, 3600.0);
    let mut not_held = None;
    while held > deepest {
        let at = grid(held - step).max(deepest);
        if holds(at)? {
            held = at;
            step *= 2.0;
        } else {
            not_held = Some(at);
            break;
        }
    }
    let Some(mut lo) = not_held else {
        return Ok(held);
    };
    let mut hi = held;
    while hi - lo > EVALUATION_INTERVAL {
        let mid = grid((lo + hi) / 2.0);
        if mid <= lo || mid >= hi {
            break;
        }
        if holds(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    Ok(hi)
}

/// The rule's alerts as of `t`: pending until the condition has held for `for`, then firing.
pub fn evaluate(
    engine: &Engine,
    rule: &AlertRule,
    t: f64,
    held: &HeldSince,
) -> Result<Vec<ActiveAlert>, String> {
    let now = (t / EVALUATION_INTERVAL).floor() * EVALUATION_INTERVAL;
    let holding = |at: f64| -> Result<Vec<(Labels, f64)>, String> {
        Ok(match engine.eval(&rule.expr, at)? {
            Value::Vector(v) => v
                .into_iter()
                .map(|s| (without_name(&s.labels), s.value))
                .collect(),
            Value::Scalar(_) => Vec::new(),
        })
    };
    let current = holding(now)?;
    let max_steps = ((rule.for_secs + LOOKBACK_BEYOND_FOR) / EVALUATION_INTERVAL).ceil() as usize;
    let mut history: Vec<Vec<Labels>> = Vec::new();
    let mut alerts = Vec::new();
    for (labels, value) in current {
        let mut since = now;
        let bound = now - max_steps as f64 * EVALUATION_INTERVAL;
        for step in 1..=max_steps {
            if history.len() < step {
                let at = now - step as f64 * EVALUATION_INTERVAL;
                history.push(holding(at)?.into_iter().map(|(l, _)| l).collect());
            }
            if history[step - 1].contains(&labels) {
                since = now - step as f64 * EVALUATION_INTERVAL;
            } else {
                break;
            }
        }
        // Held through the whole fine search: a Prometheus running all along would have seen it
        // begin (a backup that failed at 02:04 alerts from 02:04 + `for`, not from whenever
        // the sim was asked): found further back, coarsely then to the evaluation, once.
        let since = if since <= bound && held.known(&rule.name, &labels, bound).is_none() {
            let holds = |at: f64| holding(at).map(|v| v.iter().any(|(l, _)| *l == labels));
            search_back(holds, bound)?
        } else {
            since
        };
        let since = held.settle(&rule.name, &labels, since, bound, now);
        let mut all = labels;
        all.insert("alertname".into(), rule.name.clone());
        all.extend(rule.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        let firing = now - since >= rule.for_secs;
        // `since` is on the evaluation grid; so is the evaluation that found it held `for`.
        let fired_at = since + (rule.for_secs / EVALUATION_INTERVAL).ceil() * EVALUATION_INTERVAL;
        alerts.push(ActiveAlert {
            labels: all,
            annotations: rule.annotations.clone(),
            state: if firing {
                AlertState::Firing
            } else {
                AlertState::Pending
            },
            active_at: since,
            fired_at: firing.then_some(fired_at),
            value,
        });
    }
    Ok(alerts)
}

#[cfg(test)]
mod platform_tests {
    use super::*;

    #[test]
    fn a_condition_held_beyond_the_fine_search_is_found_where_it_began() {
        let began = 1_000_000.0 - 16.0 * 3600.0 - 7.0 * 60.0;
        let holds = |at: f64| Ok(at >= began);
        let found = search_back(holds, 1_000_000.0 - 2100.0).unwrap_or_default();
        // On the evaluation grid: the first evaluation at or after it began.
        assert!(
            found >= began && found - began < EVALUATION_INTERVAL,
            "{found} vs {began}"
        );
        // Held for longer than is looked at: the deepest time looked at.
        let always = |_: f64| Ok(true);
        let deepest = search_back(always, 1_000_000.0).unwrap_or_default();
        assert!(1_000_000.0 - deepest >= DEEPEST - EVALUATION_INTERVAL);
    }

    #[test]
    fn every_platform_rule_parses() {
        let names: Vec<String> = platform_rules()
            .alerts
            .into_iter()
            .map(|a| a.name)
            .collect();
        assert_eq!(
            names,
            [
                "MS5DatabaseDown",
                "MS5PodCrashLooping",
                "MS5RolloutStuck",
                "MS5NodeUnderPressure",
                "MS5BackupFailed",
                "MS5RestoreTestFailed",
                "MS5HighErrorRate",
                "MS5CertificateExpiringSoon",
                "MS5CertificateExpiresThisWeek"
            ]
        );
    }
}
