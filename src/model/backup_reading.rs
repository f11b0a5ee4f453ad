//! What Prometheus said about one database's backups in one poll: each configured figure's
//! samples, or why there are none. Made by the Prometheus source, judged by `figures`.

use std::collections::BTreeMap;

use super::backup_definition::Figure;

/// One sample of a figure's query; `location` is the series' `location` label where it has one
/// (retention is kept per storage location).
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub location: Option<String>,
    pub value: f64,
}

/// One database's figures from one poll.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BackupReading {
    pub name: String,
    pub values: BTreeMap<Figure, Result<Vec<Sample>, String>>,
}

impl BackupReading {
    /// The figure's first value, if the query answered one.
    pub fn value(&self, figure: Figure) -> Option<f64> {
        match self.values.get(&figure) {
            Some(Ok(samples)) => samples.first().map(|s| s.value),
            _ => None,
        }
    }

    /// The figure's value at `location`.
    pub fn at(&self, figure: Figure, location: &str) -> Option<f64> {
        match self.values.get(&figure) {
            Some(Ok(samples)) => samples
                .iter()
                .find(|s| s.location.as_deref() == Some(location))
                .map(|s| s.value),
            _ => None,
        }
    }

    /// Why the figure has no value: its query failed (the words), or answered nothing.
    pub fn missing(&self, figure: Figure) -> Option<String> {
        match self.values.get(&figure) {
            Some(Err(e)) => Some(e.clone()),
            Some(Ok(samples)) if samples.is_empty() => Some("no series".into()),
            None => Some("not configured".into()),
            Some(Ok(_)) => None,
        }
    }
}
