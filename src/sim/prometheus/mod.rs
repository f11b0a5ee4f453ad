//! The sim's observability side: the MS5 services' metrics as closed-form series, a Prometheus
//! HTTP API over them (with the PromQL subset the console and `slo rules` use), `/metrics` for a
//! real Prometheus to scrape, and the SLO rules evaluated as a Prometheus server would.

pub mod api;
pub mod catalog;
pub mod eval;
pub mod exposition;
pub mod rules;
pub mod signal;

use catalog::Catalog;
use eval::{Engine, Recording};
use rules::{ActiveAlert, Group};

use crate::sim::cluster::scenario::Scenario;
use crate::slo::SloDefinition;

/// Everything the Prometheus endpoints answer from; immutable once built.
pub struct Prometheus {
    pub catalog: Catalog,
    pub groups: Vec<Group>,
    recordings: Vec<Recording>,
    /// Unix time the scenario started.
    pub origin: f64,
}

impl Prometheus {
    pub fn new(seed: u64, scenario: Scenario, origin: f64, slos: &[SloDefinition]) -> Self {
        let groups = rules::load(slos);
        let recordings = groups
            .iter()
            .flat_map(|g| g.recordings.iter().map(|(r, _)| r.clone()))
            .collect();
        Prometheus {
            catalog: Catalog::build(seed, scenario, origin),
            groups,
            recordings,
            origin,
        }
    }

    pub fn engine(&self) -> Engine<'_> {
        Engine {
            catalog: &self.catalog,
            recordings: &self.recordings,
        }
    }

    /// Every alert of every rule as of `t`, with the rule it came from.
    pub fn alerts(&self, t: f64) -> Vec<(&rules::AlertRule, Result<Vec<ActiveAlert>, String>)> {
        let engine = self.engine();
        self.groups
            .iter()
            .flat_map(|g| g.alerts.iter())
            .map(|rule| (rule, rules::evaluate(&engine, rule, t)))
            .collect()
    }
}

/// The current time as Prometheus counts it: float unix seconds.
pub fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}
