//! Several Alertmanagers' answers as one: HA peers' copies of an alert (same fingerprint) and of
//! a silence (same id) collapse, keeping every origin; a failing Alertmanager is kept by name.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::model::{GettableAlert, GettableSilence};

/// One alert as the console shows it: the copy first seen, and every Alertmanager that has it.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedAlert {
    /// Shared with the answer it came from: a poll's thousands of alerts are not copied.
    pub alert: Arc<GettableAlert>,
    pub origins: Vec<String>,
}

/// One silence and every Alertmanager that has it (HA peers share silences by id).
#[derive(Debug, Clone, PartialEq)]
pub struct MergedSilence {
    pub silence: Arc<GettableSilence>,
    pub origins: Vec<String>,
}

/// Every Alertmanager's answer merged: alerts by fingerprint, silences by id, failures by name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergedAlerts {
    pub alerts: Vec<MergedAlert>,
    pub silences: Vec<MergedSilence>,
    pub failures: Vec<(String, String)>,
}

/// What one Alertmanager answered: its alerts and its silences, or why not.
pub type Answer = Result<(Vec<GettableAlert>, Vec<GettableSilence>), String>;

/// An answer's alerts and silences, shared rather than copied.
pub type Shared = (Vec<Arc<GettableAlert>>, Vec<Arc<GettableSilence>>);

pub fn share(answer: Answer) -> Result<Shared, String> {
    answer.map(|(alerts, silences)| {
        (
            alerts.into_iter().map(Arc::new).collect(),
            silences.into_iter().map(Arc::new).collect(),
        )
    })
}

pub fn merge(answers: Vec<(String, Result<Shared, String>)>) -> MergedAlerts {
    let mut merged = MergedAlerts::default();
    // Where each fingerprint / silence id already sits, so HA peers' thousands of copies merge
    // in linear time.
    let mut alert_at: HashMap<String, usize> = HashMap::new();
    let mut silence_at: HashMap<String, usize> = HashMap::new();
    for (origin, answer) in answers {
        let (alerts, silences) = match answer {
            Err(e) => {
                merged.failures.push((origin, e));
                continue;
            }
            Ok(both) => both,
        };
        for alert in alerts {
            match alert_at.get(&alert.fingerprint) {
                Some(&i) => add_origin(&mut merged.alerts[i].origins, &origin),
                None => {
                    alert_at.insert(alert.fingerprint.clone(), merged.alerts.len());
                    merged.alerts.push(MergedAlert {
                        alert,
                        origins: vec![origin.clone()],
                    });
                }
            }
        }
        for silence in silences {
            match silence_at.get(&silence.id) {
                Some(&i) => add_origin(&mut merged.silences[i].origins, &origin),
                None => {
                    silence_at.insert(silence.id.clone(), merged.silences.len());
                    merged.silences.push(MergedSilence {
                        silence,
                        origins: vec![origin.clone()],
                    });
                }
            }
        }
    }
    merged
}

fn add_origin(origins: &mut Vec<String>, origin: &str) {
    if !origins.iter().any(|o| o == origin) {
        origins.push(origin.to_string());
    }
}

/// One poll of every Alertmanager: each one's answer, by name.
#[derive(Debug, Clone)]
pub struct AlertsObservation {
    pub at: DateTime<Utc>,
    pub answers: Vec<(String, Answer)>,
}
