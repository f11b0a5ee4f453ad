//! What the console knows from Alertmanager: each Alertmanager's last good answer (kept while it
//! fails, and marked), merged into the rows of the alerts and silences views; and the audit log
//! as last read.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::alerting::matcher::{self, Matcher};
use crate::alerting::merge::{self, AlertsObservation, MergedAlert, MergedSilence};
use crate::alerting::model::{GettableAlert, GettableSilence};

/// Severities as the seed ranks them, most urgent first; anything else sorts after `low`.
pub const SEVERITIES: [&str; 4] = ["critical", "high", "medium", "low"];

pub fn severity_rank(severity: &str) -> usize {
    SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .unwrap_or(SEVERITIES.len())
}

/// One Alertmanager's last good answer and, while it fails, since when and why.
#[derive(Debug, Clone, Default)]
pub struct OriginState {
    /// Where it is (`http://...` or `k8s://...`), for plans and the audit log.
    pub address: String,
    pub answered: Option<DateTime<Utc>>,
    pub alerts: Vec<Arc<GettableAlert>>,
    pub silences: Vec<Arc<GettableSilence>>,
    pub failing: Option<(DateTime<Utc>, String)>,
}

#[derive(Debug, Default)]
pub struct AlertState {
    /// Every configured Alertmanager by name, in the order given.
    pub origins: Vec<(String, OriginState)>,
    /// Bumped on every poll, so rows are rebuilt only then.
    pub version: u64,
    /// The alert filter's parse error, shown under the filter.
    pub filter_error: Option<String>,
    /// Who silences are created by, unless the dialog is edited.
    pub author: String,
}

impl AlertState {
    /// `origins`: each Alertmanager's name and address.
    pub fn new(origins: &[(String, String)], author: String) -> AlertState {
        AlertState {
            origins: origins
                .iter()
                .map(|(name, address)| {
                    let origin = OriginState {
                        address: address.clone(),
                        ..OriginState::default()
                    };
                    (name.clone(), origin)
                })
                .collect(),
            author,
            ..AlertState::default()
        }
    }

    pub fn apply(&mut self, observation: AlertsObservation) {
        for (name, answer) in observation.answers {
            let index = match self.origins.iter().position(|(n, _)| *n == name) {
                Some(i) => i,
                None => {
                    self.origins.push((name, OriginState::default()));
                    self.origins.len() - 1
                }
            };
            let origin = &mut self.origins[index].1;
            match merge::share(answer) {
                Ok((alerts, silences)) => {
                    origin.answered = Some(observation.at);
                    origin.alerts = alerts;
                    origin.silences = silences;
                    origin.failing = None;
                }
                Err(e) => {
                    let since = origin.failing.as_ref().map_or(observation.at, |(t, _)| *t);
                    origin.failing = Some((since, e));
                }
            }
        }
        self.version += 1;
    }

    /// Every origin's last good answer merged (a failing origin's alerts are still shown, with
    /// the origin marked stale).
    pub fn merged(&self) -> merge::MergedAlerts {
        merge::merge(
            self.origins
                .iter()
                .filter(|(_, o)| o.answered.is_some())
                .map(|(name, o)| (name.clone(), Ok((o.alerts.clone(), o.silences.clone()))))
                .collect(),
        )
    }

    pub fn is_failing(&self, origin: &str) -> bool {
        self.origins
            .iter()
            .any(|(n, o)| n == origin && o.failing.is_some())
    }

    /// The oldest last good answer, for the panels' freshness.
    pub fn oldest_answer(&self) -> Option<DateTime<Utc>> {
        self.origins.iter().filter_map(|(_, o)| o.answered).min()
    }
}

/// How an alert stands: not suppressed, or suppressed and by what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertStanding {
    Active,
    /// Silence ids.
    Silenced(Vec<String>),
    /// The inhibiting alerts, by name where known (else fingerprint).
    Inhibited(Vec<String>),
}

/// One row of `:alerts`.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub merged: MergedAlert,
    pub severity: String,
    pub alertname: String,
    pub summary: String,
    pub namespace: String,
    pub service: String,
    pub standing: AlertStanding,
}

impl AlertRow {
    pub fn label(&self, name: &str) -> &str {
        self.merged
            .alert
            .labels
            .get(name)
            .map_or("", String::as_str)
    }
}

/// What `/` typed on the alerts view: Alertmanager matchers when it has an operator, else text.
pub enum AlertFilter {
    None,
    Text(String),
    Matchers(Vec<Matcher>),
}

impl AlertFilter {
    pub fn parse(raw: &str) -> Result<AlertFilter, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            Ok(AlertFilter::None)
        } else if raw.contains('=') || raw.contains('~') || raw.starts_with('{') {
            matcher::parse(raw).map(AlertFilter::Matchers)
        } else {
            Ok(AlertFilter::Text(raw.to_lowercase()))
        }
    }

    pub fn keeps(&self, alert: &GettableAlert) -> bool {
        match self {
            AlertFilter::None => true,
            AlertFilter::Matchers(m) => m.iter().all(|m| m.matches(&alert.labels)),
            AlertFilter::Text(text) => alert
                .labels
                .values()
                .chain(alert.annotations.values())
                .any(|v| v.to_lowercase().contains(text)),
        }
    }
}

/// Alerts grouped by severity (critical first), then alertname, newest first within a name.
pub fn alert_rows(merged: &merge::MergedAlerts, filter: &AlertFilter) -> Vec<Arc<AlertRow>> {
    let names: BTreeMap<&str, &str> = merged
        .alerts
        .iter()
        .map(|m| {
            (
                m.alert.fingerprint.as_str(),
                m.alert.labels.get("alertname").map_or("?", String::as_str),
            )
        })
        .collect();
    let mut rows: Vec<Arc<AlertRow>> = merged
        .alerts
        .iter()
        .filter(|m| filter.keeps(&m.alert))
        .map(|m| {
            let a = &m.alert;
            let get = |k: &str| a.labels.get(k).cloned().unwrap_or_default();
            let standing = if !a.status.silenced_by.is_empty() {
                AlertStanding::Silenced(a.status.silenced_by.clone())
            } else if !a.status.inhibited_by.is_empty() {
                AlertStanding::Inhibited(
                    a.status
                        .inhibited_by
                        .iter()
                        .map(|f| names.get(f.as_str()).map_or(f.clone(), |n| n.to_string()))
                        .collect(),
                )
            } else {
                AlertStanding::Active
            };
            Arc::new(AlertRow {
                severity: get("severity"),
                alertname: get("alertname"),
                summary: a.annotations.get("summary").cloned().unwrap_or_default(),
                namespace: get("namespace"),
                service: get("service"),
                standing,
                merged: m.clone(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (severity_rank(&a.severity), &a.alertname)
            .cmp(&(severity_rank(&b.severity), &b.alertname))
            .then(b.merged.alert.starts_at.cmp(&a.merged.alert.starts_at))
            .then(a.merged.alert.fingerprint.cmp(&b.merged.alert.fingerprint))
    });
    rows
}

/// One row of `:silences`: the silence and the alerts it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct SilenceRow {
    pub merged: MergedSilence,
    pub matchers: String,
    /// `alertname (namespace/service)` of every alert the silence matches now.
    pub matched: Vec<String>,
}

impl SilenceRow {
    pub fn silence(&self) -> &GettableSilence {
        &self.merged.silence
    }
}

fn state_rank(state: &str) -> u8 {
    match state {
        "active" => 0,
        "pending" => 1,
        _ => 2,
    }
}

/// Active first (ending soonest first), then pending (starting soonest), then expired (most
/// recently ended first).
pub fn silence_rows(merged: &merge::MergedAlerts) -> Vec<Arc<SilenceRow>> {
    let describe = |a: &GettableAlert| {
        let get = |k: &str| a.labels.get(k).map_or("", String::as_str);
        format!(
            "{} ({}/{})",
            get("alertname"),
            get("namespace"),
            get("service")
        )
    };
    // What an active silence mutes, the Alertmanager has said (`silencedBy`): one pass over the
    // alerts. Only a pending silence's matchers are evaluated here, to say what it will mute.
    let mut silenced: HashMap<&str, Vec<String>> = HashMap::new();
    for a in &merged.alerts {
        for id in &a.alert.status.silenced_by {
            silenced
                .entry(id.as_str())
                .or_default()
                .push(describe(&a.alert));
        }
    }
    let mut compiled: HashMap<&crate::alerting::matcher::ApiMatcher, Option<Matcher>> =
        HashMap::new();
    let mut rows: Vec<Arc<SilenceRow>> = merged
        .silences
        .iter()
        .map(|m| {
            let s = &m.silence;
            let matched = match s.status.state.as_str() {
                "pending" => {
                    // Regexes are compiled only here (silences are many, pending ones few), and
                    // once per distinct matcher.
                    let parsed: Vec<Matcher> = s
                        .matchers
                        .iter()
                        .filter_map(|m| {
                            compiled
                                .entry(m)
                                .or_insert_with(|| Matcher::from_api(m).ok())
                                .clone()
                        })
                        .collect();
                    merged
                        .alerts
                        .iter()
                        .filter(|a| {
                            !parsed.is_empty() && parsed.iter().all(|m| m.matches(&a.alert.labels))
                        })
                        .map(|a| describe(&a.alert))
                        .collect()
                }
                _ => silenced.get(s.id.as_str()).cloned().unwrap_or_default(),
            };
            Arc::new(SilenceRow {
                matchers: s
                    .matchers
                    .iter()
                    .map(matcher::describe)
                    .collect::<Vec<_>>()
                    .join(", "),
                matched,
                merged: m.clone(),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        let (sa, sb) = (a.silence(), b.silence());
        state_rank(&sa.status.state)
            .cmp(&state_rank(&sb.status.state))
            .then_with(|| match sa.status.state.as_str() {
                "active" => sa.ends_at.cmp(&sb.ends_at),
                "pending" => sa.starts_at.cmp(&sb.starts_at),
                _ => sb.ends_at.cmp(&sa.ends_at),
            })
            .then(sa.id.cmp(&sb.id))
    });
    rows
}

/// Alerts per severity (in `SEVERITIES` order, then other), silenced ones counted apart, and the
/// newest critical alert: the overview's alert panel.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlertSummary {
    pub by_severity: [usize; 5],
    pub silenced: usize,
    pub inhibited: usize,
    pub newest_critical: Option<Arc<AlertRow>>,
}

pub fn summary(rows: &[Arc<AlertRow>]) -> AlertSummary {
    let mut s = AlertSummary::default();
    for row in rows {
        match row.standing {
            AlertStanding::Silenced(_) => s.silenced += 1,
            AlertStanding::Inhibited(_) => s.inhibited += 1,
            AlertStanding::Active => s.by_severity[severity_rank(&row.severity)] += 1,
        }
        if row.severity == "critical"
            && row.standing == AlertStanding::Active
            && s.newest_critical
                .as_ref()
                .is_none_or(|n| n.merged.alert.starts_at < row.merged.alert.starts_at)
        {
            s.newest_critical = Some(row.clone());
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerting::model::{AlertStatus, LabelSet};

    fn alert(labels: &[(&str, &str)], minutes_ago: i64, silenced: &[&str]) -> GettableAlert {
        let labels: LabelSet = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let now: DateTime<Utc> = "2026-11-27T12:00:00Z".parse().expect("time");
        GettableAlert {
            fingerprint: crate::alerting::model::fingerprint(&labels),
            labels,
            annotations: LabelSet::new(),
            starts_at: now - chrono::Duration::minutes(minutes_ago),
            ends_at: now + chrono::Duration::hours(1),
            updated_at: now,
            generator_url: String::new(),
            receivers: Vec::new(),
            status: AlertStatus {
                state: if silenced.is_empty() {
                    "active".into()
                } else {
                    "suppressed".into()
                },
                silenced_by: silenced.iter().map(|s| s.to_string()).collect(),
                inhibited_by: Vec::new(),
            },
        }
    }

    fn merged(alerts: Vec<GettableAlert>) -> merge::MergedAlerts {
        merge::merge(vec![("am".into(), merge::share(Ok((alerts, Vec::new()))))])
    }

    #[test]
    fn critical_first_then_by_name_then_newest() {
        let m = merged(vec![
            alert(&[("alertname", "B"), ("severity", "high")], 5, &[]),
            alert(&[("alertname", "Z"), ("severity", "critical")], 9, &[]),
            alert(
                &[("alertname", "A"), ("severity", "low"), ("x", "1")],
                1,
                &[],
            ),
            alert(
                &[("alertname", "Z"), ("severity", "critical"), ("i", "2")],
                1,
                &[],
            ),
            alert(&[("alertname", "W"), ("severity", "page")], 1, &[]),
        ]);
        let rows = alert_rows(&m, &AlertFilter::None);
        let order: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.severity.as_str(), r.label("i")))
            .collect();
        assert_eq!(
            order,
            [
                ("critical", "2"),
                ("critical", ""),
                ("high", ""),
                ("low", ""),
                ("page", "")
            ]
        );
    }

    #[test]
    fn matcher_and_text_filters() {
        let m = merged(vec![
            alert(
                &[("alertname", "MS5DatabaseDown"), ("service", "postgres")],
                1,
                &[],
            ),
            alert(
                &[("alertname", "GrafanaDown"), ("service", "grafana")],
                1,
                &[],
            ),
        ]);
        let names = |f: &str| -> Vec<String> {
            alert_rows(&m, &AlertFilter::parse(f).expect("parses"))
                .iter()
                .map(|r| r.alertname.clone())
                .collect()
        };
        assert_eq!(names(r#"alertname=~"MS5.*""#), ["MS5DatabaseDown"]);
        assert_eq!(names(r#"service!="grafana""#), ["MS5DatabaseDown"]);
        assert_eq!(names("GRAFANA"), ["GrafanaDown"]);
        assert!(AlertFilter::parse(r#"severity="critical"#).is_err());
    }

    #[test]
    fn summary_counts_silenced_apart_and_finds_the_newest_critical() {
        let m = merged(vec![
            alert(&[("alertname", "Old"), ("severity", "critical")], 30, &[]),
            alert(&[("alertname", "New"), ("severity", "critical")], 2, &[]),
            alert(
                &[("alertname", "Hushed"), ("severity", "critical")],
                1,
                &["s1"],
            ),
            alert(&[("alertname", "H"), ("severity", "high")], 1, &[]),
        ]);
        let s = summary(&alert_rows(&m, &AlertFilter::None));
        assert_eq!(s.by_severity, [2, 1, 0, 0, 0]);
        assert_eq!(s.silenced, 1);
        assert_eq!(
            s.newest_critical.map(|r| r.alertname.clone()).as_deref(),
            Some("New")
        );
    }
}
