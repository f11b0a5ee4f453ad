//! The sim's observability side: the MS5 services' metrics as closed-form series, a Prometheus
//! HTTP API over them (with the PromQL subset the console and `slo rules` use), `/metrics` for a
//! real Prometheus to scrape, and the SLO rules evaluated as a Prometheus server would.

pub mod api;
pub mod catalog;
pub mod eval;
pub mod exposition;
pub mod observed;
pub mod rules;
pub mod signal;

/// The address the MS5 Prometheus is configured with (`--web.external-url`, the seed's): what its
/// alerts link to.
pub const EXTERNAL_URL: &str = "https://prometheus.ms5-dashboard.company.com";

use std::sync::Arc;

use catalog::Catalog;
use eval::{Engine, Recording};
use rules::{ActiveAlert, Group};

use crate::sim::cluster::scenario::Scenario;
use crate::slo::SloDefinition;

/// Everything the Prometheus endpoints answer from; immutable once built.
pub struct Prometheus {
    pub catalog: Catalog,
    /// Series that follow the cluster (kube-state-metrics, the PostgreSQL exporter).
    pub observed: std::sync::Arc<observed::Observed>,
    pub groups: Vec<Group>,
    recordings: Vec<Recording>,
    /// Unix time the scenario started.
    pub origin: f64,
    /// The share of ready production backend pods running the bad release: the cluster
    /// records it, the backend's 5xx follow it.
    pub release: Arc<signal::Timeline>,
    /// Since when each alert's condition has held (stable `activeAt`).
    held: rules::HeldSince,
}

impl Prometheus {
    /// `release`: the share of ready production backend pods running the bad release, which
    /// the cluster records (a fresh timeline stays 0: no release is bad).
    pub fn new(
        seed: u64,
        scenario: Scenario,
        origin: f64,
        slos: &[SloDefinition],
        release: Arc<signal::Timeline>,
    ) -> Self {
        let mut groups = rules::load(slos);
        groups.push(rules::platform_group());
        let recordings = groups
            .iter()
            .flat_map(|g| g.recordings.iter().map(|(r, _)| r.clone()))
            .collect();
        Prometheus {
            catalog: Catalog::build(seed, scenario, origin, &release),
            release,
            observed: Default::default(),
            groups,
            recordings,
            origin,
            held: Default::default(),
        }
    }

    pub fn engine(&self) -> Engine<'_> {
        Engine {
            catalog: &self.catalog,
            recordings: &self.recordings,
            observed: &self.observed,
        }
    }

    /// Every alert of every rule as of `t`, with the rule it came from.
    pub fn alerts(&self, t: f64) -> Vec<(&rules::AlertRule, Result<Vec<ActiveAlert>, String>)> {
        let engine = self.engine();
        self.groups
            .iter()
            .flat_map(|g| g.alerts.iter())
            .map(|rule| (rule, rules::evaluate(&engine, rule, t, &self.held)))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Traffic follows the day, so the burn's share of requests depends on when the sim starts;
    /// the page must be firing at the start whatever the hour (CI once started it at a busy one).
    #[test]
    fn slo_burn_pages_from_the_start_at_every_hour_of_the_day() {
        let slos = crate::slo::definition::builtin();
        let midnight = 1_795_132_800.0; // 2026-11-20T00:00:00Z
        for seed in [1, 2, 7] {
            for hour in 0..24 {
                let origin = midnight + f64::from(hour) * 3600.0 + 17.0;
                let prometheus =
                    Prometheus::new(seed, Scenario::SloBurn, origin, &slos, Default::default());
                let firing = prometheus
                    .alerts(origin + 1.0)
                    .into_iter()
                    .filter(|(rule, _)| rule.name == "MS5SLOFastBurn")
                    .flat_map(|(_, alerts)| alerts.unwrap_or_default())
                    .filter(|a| {
                        a.labels.get("slo").map(String::as_str) == Some("backend-availability")
                    })
                    .map(|a| a.state)
                    .collect::<Vec<_>>();
                assert_eq!(
                    firing,
                    [rules::AlertState::Firing],
                    "seed {seed}, start at {hour}:00"
                );
            }
        }
    }

    /// A condition held for longer than the search looks back (the certificate's days) keeps
    /// one `activeAt` through the hours the sim runs: an alert whose start moved with every
    /// evaluation read as a new alert to anything keeping a timeline.
    #[test]
    fn an_alert_held_for_hours_keeps_its_start() {
        let slos = crate::slo::definition::builtin();
        let origin = 1_795_132_800.0;
        let prometheus =
            Prometheus::new(1, Scenario::ConfigDrift, origin, &slos, Default::default());
        let start = |t: f64| {
            prometheus
                .alerts(t)
                .into_iter()
                .filter(|(rule, _)| rule.name == "MS5CertificateExpiresThisWeek")
                .flat_map(|(_, alerts)| alerts.unwrap_or_default())
                .map(|a| a.active_at)
                .collect::<Vec<_>>()
        };
        let first = start(origin + 1.0);
        assert_eq!(first.len(), 1, "config-drift's certificate alert fires");
        // Evaluated every 15 minutes, as the console's polls and a rule loop do (and more).
        for quarter in 1..=12 {
            assert_eq!(start(origin + 1.0 + f64::from(quarter) * 900.0), first);
        }
    }
}
