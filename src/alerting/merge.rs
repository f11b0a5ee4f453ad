//! Several Alertmanagers' answers as one: HA peers' copies of an alert (same fingerprint) and of
//! a silence (same id) collapse, keeping every origin; a failing Alertmanager is kept by name.

use chrono::{DateTime, Utc};

use super::model::{GettableAlert, GettableSilence};

/// One alert as the console shows it: the copy first seen, and every Alertmanager that has it.
#[derive(Debug, Clone, PartialEq)]
pub struct MergedAlert {
    pub alert: GettableAlert,
    pub origins: Vec<String>,
}

/// One silence and every Alertmanager that has it (HA peers share silences by id).
#[derive(Debug, Clone, PartialEq)]
pub struct MergedSilence {
    pub silence: GettableSilence,
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

pub fn merge(answers: Vec<(String, Answer)>) -> MergedAlerts {
    let mut merged = MergedAlerts::default();
    for (origin, answer) in answers {
        let (alerts, silences) = match answer {
            Err(e) => {
                merged.failures.push((origin, e));
                continue;
            }
            Ok(both) => both,
        };
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
        for silence in silences {
            match merged
                .silences
                .iter_mut()
                .find(|m| m.silence.id == silence.id)
            {
                Some(m) if !m.origins.contains(&origin) => m.origins.push(origin.clone()),
                Some(_) => {}
                None => merged.silences.push(MergedSilence {
                    silence,
                    origins: vec![origin.clone()],
                }),
            }
        }
    }
    merged
}

/// One poll of every Alertmanager: each one's answer, by name.
#[derive(Debug, Clone)]
pub struct AlertsObservation {
    pub at: DateTime<Utc>,
    pub answers: Vec<(String, Answer)>,
}
