//! The sim's Alertmanager: alerts from the sim Prometheus' rule evaluation (the SLO rules and the
//! platform's rules over series that follow the cluster) and from anyone who POSTs them; silences with Alertmanager's matcher semantics, states and expiry;
//! inhibition (a critical alert mutes high ones of the same service), served as API v2.

pub mod api;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

use crate::alerting::matcher::Matcher;
use crate::alerting::model::{
    AlertStatus, GettableAlert, GettableSilence, LabelSet, PostableAlert, PostableSilence,
    Receiver, SilenceStatus, fingerprint,
};
use crate::sim::prometheus::Prometheus;

/// The one receiver the sim routes everything to.
pub const RECEIVER: &str = "ms5-oncall";
/// How long an alert without `endsAt` stays firing after it was last sent (resolve_timeout).
const RESOLVE_TIMEOUT: i64 = 300;

#[derive(Debug, Clone)]
struct StoredAlert {
    labels: LabelSet,
    annotations: LabelSet,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    generator_url: String,
}

#[derive(Debug, Clone)]
struct Silence {
    id: String,
    matchers: Vec<Matcher>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    created_by: String,
    comment: String,
}

impl Silence {
    fn state(&self, now: DateTime<Utc>) -> &'static str {
        if now < self.starts_at {
            "pending"
        } else if now < self.ends_at {
            "active"
        } else {
            "expired"
        }
    }

    fn api(&self, now: DateTime<Utc>) -> GettableSilence {
        GettableSilence {
            id: self.id.clone(),
            matchers: self.matchers.iter().map(Matcher::to_api).collect(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            updated_at: self.updated_at,
            created_by: self.created_by.clone(),
            comment: self.comment.clone(),
            status: SilenceStatus {
                state: self.state(now).into(),
            },
        }
    }
}

#[derive(Default)]
struct Inner {
    posted: BTreeMap<String, StoredAlert>,
    silences: Vec<Silence>,
}

pub struct Alertmanager {
    prometheus: Arc<Prometheus>,
    inner: Mutex<Inner>,
    pub started: DateTime<Utc>,
}

/// Which alerts an API call wants, as `GET /api/v2/alerts` takes them.
#[derive(Debug, Clone)]
pub struct AlertFilter {
    pub matchers: Vec<Matcher>,
    pub active: bool,
    pub silenced: bool,
    pub inhibited: bool,
}

impl Default for AlertFilter {
    fn default() -> Self {
        AlertFilter {
            matchers: Vec::new(),
            active: true,
            silenced: true,
            inhibited: true,
        }
    }
}

fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

impl Alertmanager {
    pub fn new(prometheus: Arc<Prometheus>, now: DateTime<Utc>) -> Self {
        Alertmanager {
            prometheus,
            inner: Mutex::new(Inner::default()),
            started: now,
        }
    }

    /// Firing alerts from the sim Prometheus' rules, as Prometheus would send them.
    fn rule_alerts(&self, now: DateTime<Utc>) -> Vec<StoredAlert> {
        let t = now.timestamp_millis() as f64 / 1000.0;
        self.prometheus
            .alerts(t)
            .into_iter()
            .filter_map(|(rule, result)| result.ok().map(|a| (rule, a)))
            .flat_map(|(rule, alerts)| {
                // As a Prometheus started with `--web.external-url` links its alerts: the
                // address on-call engineers open, never the loopback one it listens on.
                let url = format!(
                    "{}/graph?g0.expr={}",
                    crate::sim::prometheus::EXTERNAL_URL,
                    form_urlencoded::byte_serialize(rule.query.as_bytes()).collect::<String>()
                );
                alerts
                    .into_iter()
                    .filter(|a| a.state == crate::sim::prometheus::rules::AlertState::Firing)
                    .map(move |a| StoredAlert {
                        labels: a.labels,
                        annotations: a.annotations,
                        starts_at: DateTime::from_timestamp_millis(
                            (a.fired_at.unwrap_or(a.active_at) * 1000.0) as i64,
                        )
                        .unwrap_or(now),
                        ends_at: now + Duration::seconds(60),
                        updated_at: now,
                        generator_url: url.clone(),
                    })
            })
            .collect()
    }

    /// Accepts alerts as Alertmanager does: labels required, times defaulted.
    pub fn post_alerts(
        &self,
        alerts: Vec<PostableAlert>,
        now: DateTime<Utc>,
    ) -> Result<(), String> {
        for a in &alerts {
            if a.labels.is_empty() {
                return Err("at least one label pair required".into());
            }
            if let (Some(s), Some(e)) = (a.starts_at, a.ends_at)
                && e < s
            {
                return Err("start time must be before end time".into());
            }
        }
        let mut inner = self.inner.lock().map_err(|_| "state unavailable")?;
        for a in alerts {
            let fp = fingerprint(&a.labels);
            let starts_at = a
                .starts_at
                .or_else(|| inner.posted.get(&fp).map(|old| old.starts_at))
                .unwrap_or(now);
            inner.posted.insert(
                fp,
                StoredAlert {
                    labels: a.labels,
                    annotations: a.annotations,
                    starts_at,
                    ends_at: a
                        .ends_at
                        .unwrap_or(now + Duration::seconds(RESOLVE_TIMEOUT)),
                    updated_at: now,
                    generator_url: a.generator_url.unwrap_or_default(),
                },
            );
        }
        Ok(())
    }

    /// Every alert not resolved at `now`, with its silences and inhibitors, filtered.
    pub fn alerts(&self, now: DateTime<Utc>, filter: &AlertFilter) -> Vec<GettableAlert> {
        let Ok(inner) = self.inner.lock() else {
            return Vec::new();
        };
        let mut all: BTreeMap<String, StoredAlert> = BTreeMap::new();
        for a in self
            .rule_alerts(now)
            .into_iter()
            .chain(inner.posted.values().cloned())
        {
            if a.ends_at > now && a.starts_at <= now {
                all.insert(fingerprint(&a.labels), a);
            }
        }
        let sources: Vec<(&String, &StoredAlert)> = all
            .iter()
            .filter(|(_, a)| a.labels.get("severity").is_some_and(|s| s == "critical"))
            .collect();
        let mut out = Vec::new();
        for (fp, a) in &all {
            let silenced_by: Vec<String> = inner
                .silences
                .iter()
                .filter(|s| {
                    s.state(now) == "active" && s.matchers.iter().all(|m| m.matches(&a.labels))
                })
                .map(|s| s.id.clone())
                .collect();
            let inhibited_by: Vec<String> = if a.labels.get("severity").is_some_and(|s| s == "high")
            {
                sources
                    .iter()
                    .filter(|(_, src)| src.labels.get("service") == a.labels.get("service"))
                    .map(|(f, _)| (*f).clone())
                    .collect()
            } else {
                Vec::new()
            };
            let suppressed = !silenced_by.is_empty() || !inhibited_by.is_empty();
            if (!filter.silenced && !silenced_by.is_empty())
                || (!filter.inhibited && !inhibited_by.is_empty())
                || (!filter.active && !suppressed)
                || !filter.matchers.iter().all(|m| m.matches(&a.labels))
            {
                continue;
            }
            out.push(GettableAlert {
                labels: a.labels.clone(),
                annotations: a.annotations.clone(),
                starts_at: a.starts_at,
                ends_at: a.ends_at.min(now + Duration::days(365)),
                updated_at: a.updated_at,
                generator_url: a.generator_url.clone(),
                fingerprint: fp.clone(),
                receivers: vec![Receiver {
                    name: RECEIVER.into(),
                }],
                status: AlertStatus {
                    state: if suppressed { "suppressed" } else { "active" }.into(),
                    silenced_by,
                    inhibited_by,
                },
            });
        }
        out
    }

    /// Creates a silence (or replaces one given by id), checked as Alertmanager checks it.
    pub fn post_silence(&self, s: PostableSilence, now: DateTime<Utc>) -> Result<String, String> {
        // As Alertmanager 0.25: author and comment may be empty (the console's dialog requires
        // a comment itself); times must be in order and not over. Empty matchers are refused
        // by the API layer's schema check, before this.
        if s.ends_at <= s.starts_at {
            return Err("Failed to create silence: start time must be before end time".into());
        }
        if s.ends_at < now {
            return Err("Failed to create silence: end time can't be in the past".into());
        }
        let matchers = s
            .matchers
            .iter()
            .map(Matcher::from_api)
            .collect::<Result<Vec<_>, _>>()?;
        let mut inner = self.inner.lock().map_err(|_| "state unavailable")?;
        if let Some(id) = &s.id {
            let Some(old) = inner.silences.iter_mut().find(|x| &x.id == id) else {
                return Err(format!("silence {id} not found"));
            };
            old.ends_at = now.min(old.ends_at);
        }
        let id = uuid::Uuid::new_v4().to_string();
        inner.silences.push(Silence {
            id: id.clone(),
            matchers,
            starts_at: s.starts_at.max(now),
            ends_at: s.ends_at,
            updated_at: now,
            created_by: s.created_by,
            comment: s.comment,
        });
        Ok(id)
    }

    pub fn silences(&self, now: DateTime<Utc>, matchers: &[Matcher]) -> Vec<GettableSilence> {
        let Ok(inner) = self.inner.lock() else {
            return Vec::new();
        };
        inner
            .silences
            .iter()
            .filter(|s| {
                matchers.iter().all(|m| {
                    s.matchers
                        .iter()
                        .any(|sm| sm.name == m.name && m.matches(&labels(&[(&sm.name, &sm.value)])))
                })
            })
            .map(|s| s.api(now))
            .collect()
    }

    pub fn silence(&self, id: &str, now: DateTime<Utc>) -> Option<GettableSilence> {
        let inner = self.inner.lock().ok()?;
        inner
            .silences
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.api(now))
    }

    /// Expires a silence now; `Ok(false)` when there is none with that id.
    pub fn expire(&self, id: &str, now: DateTime<Utc>) -> Result<bool, String> {
        let mut inner = self.inner.lock().map_err(|_| "state unavailable")?;
        let Some(s) = inner.silences.iter_mut().find(|s| s.id == id) else {
            return Ok(false);
        };
        if s.state(now) == "expired" {
            return Err(format!("silence {id} already expired"));
        }
        if s.starts_at > now {
            s.starts_at = now;
        }
        s.ends_at = now;
        s.updated_at = now;
        Ok(true)
    }
}
