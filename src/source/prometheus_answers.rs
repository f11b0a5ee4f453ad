//! Prometheus's answers read into the domain's figures: one number, numbers by label, the
//! pending alerts, a database's backup figures, the recorded burn ratios.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use prometheus_http_query::response::Data;

use crate::model::backup_definition::{BackupDefinition, Figure};
use crate::model::backup_reading::{BackupReading, Sample};
use crate::model::pending_alert::PendingAlert;
use crate::model::slo_status::Reading;
use crate::slo::maths::BURN_WINDOWS;
use crate::slo::queries;

/// A vector's single value, or what stood in the way.
pub fn single(result: Result<Data, String>) -> Reading {
    match result {
        Ok(Data::Vector(v)) if v.is_empty() => Reading::Empty,
        Ok(Data::Vector(v)) => Reading::Value(v[0].sample().value()),
        Ok(Data::Scalar(s)) => Reading::Value(s.value()),
        Ok(Data::Matrix(_)) => Reading::Failed("a range answer to an instant query".into()),
        Err(e) => Reading::Failed(e),
    }
}

/// A vector's values keyed by one label.
pub fn by_label(
    result: Result<Data, String>,
    label: &str,
) -> Result<BTreeMap<String, f64>, String> {
    match result? {
        Data::Vector(v) => Ok(v
            .iter()
            .filter_map(|s| {
                s.metric()
                    .get(label)
                    .map(|l| (l.clone(), s.sample().value()))
            })
            .collect()),
        _ => Err("expected an instant vector".into()),
    }
}

/// The alerts that hold but have not fired yet, with when each will.
pub fn pending_alerts(
    rules: &[prometheus_http_query::response::AlertingRule],
) -> Vec<PendingAlert> {
    let time = |t: &time::OffsetDateTime| {
        DateTime::<Utc>::from_timestamp(t.unix_timestamp(), t.nanosecond()).unwrap_or_default()
    };
    rules
        .iter()
        .flat_map(|rule| {
            rule.alerts()
                .iter()
                .filter(|a| a.state().is_pending())
                .map(move |a| {
                    let active_at = time(a.active_at());
                    PendingAlert {
                        alertname: rule.name().to_string(),
                        severity: a.labels().get("severity").cloned().unwrap_or_default(),
                        active_at,
                        fires_at: active_at
                            + chrono::Duration::milliseconds((rule.duration() * 1000.0) as i64),
                    }
                })
        })
        .collect()
}

/// One database's figures from its combined query's answer, by the mark on each series; a
/// failed query fails each of its figures with the same words.
pub fn backup_reading(def: &BackupDefinition, answer: Result<Data, String>) -> BackupReading {
    let mut values = BTreeMap::new();
    let configured = def.queries.all();
    match answer {
        Ok(Data::Vector(v)) => {
            for (figure, _) in &configured {
                values.insert(*figure, Ok(Vec::new()));
            }
            for s in &v {
                let figure = s
                    .metric()
                    .get(crate::model::backup_definition::FIGURE_LABEL)
                    .and_then(|k| Figure::from_key(k));
                if let Some(Ok(samples)) = figure.and_then(|f| values.get_mut(&f)) {
                    samples.push(Sample {
                        location: s.metric().get("location").cloned(),
                        value: s.sample().value(),
                    });
                }
            }
        }
        Ok(_) => {
            for (figure, _) in &configured {
                values.insert(*figure, Err("expected an instant vector".to_string()));
            }
        }
        Err(e) => {
            for (figure, _) in &configured {
                values.insert(*figure, Err(e.clone()));
            }
        }
    }
    BackupReading {
        name: def.name.clone(),
        values,
    }
}

/// The recorded error ratios by (slo, window); an error or a missing rule leaves them out, so
/// those SLOs fall back to raw queries.
pub fn recorded_ratios(answer: Result<Data, String>) -> BTreeMap<(String, &'static str), f64> {
    let Ok(Data::Vector(v)) = answer else {
        return BTreeMap::new();
    };
    v.iter()
        .filter_map(|s| {
            let name = s.metric().get("__name__")?;
            let window = BURN_WINDOWS
                .iter()
                .find(|w| *name == queries::recorded_error_ratio(**w))?;
            let slo = s.metric().get("slo")?;
            Some(((slo.clone(), window.text()), s.sample().value()))
        })
        .collect()
}
