//! An SLO's standing from Prometheus' answers: SLI, budget, burn rates and which alert would
//! fire. Every missing or unusable answer stays visible as such; nothing is guessed.

use super::super::slo::SloDefinition;
use super::super::slo::maths::{self, Budget, Urgency};

/// One answer to one query.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Reading {
    /// No answer yet.
    #[default]
    Pending,
    Value(f64),
    /// The query matched no series.
    Empty,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloReading {
    pub name: String,
    pub window_sli: Reading,
    /// Error ratio per burn window, as [`maths::BURN_WINDOWS`].
    pub error_ratios: [Reading; 7],
}

/// Why a figure is missing.
#[derive(Debug, Clone, PartialEq)]
pub enum Missing {
    NoData,
    /// 0/0: no events in the window.
    NoTraffic,
    /// Infinite or otherwise impossible (a ratio outside 0..1).
    Invalid(f64),
    Error(String),
}

impl Missing {
    pub fn text(&self) -> String {
        match self {
            Missing::NoData => "no data".into(),
            Missing::NoTraffic => "no traffic".into(),
            Missing::Invalid(v) => format!("invalid {v}"),
            Missing::Error(e) => e.clone(),
        }
    }

    /// One word for a narrow cell: the kind, without the message.
    pub fn word(&self) -> &'static str {
        match self {
            Missing::NoData => "no data",
            Missing::NoTraffic => "no traffic",
            Missing::Invalid(_) => "invalid",
            Missing::Error(_) => "error",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SloStatus {
    pub name: String,
    pub service: String,
    pub objective: f64,
    pub window: String,
    pub sli: Result<f64, Missing>,
    pub budget: Option<Budget>,
    /// Burn rate per window, as [`maths::BURN_WINDOWS`].
    pub burn: [Result<f64, Missing>; 7],
    pub firing: Option<Urgency>,
}

/// A ratio in 0..=1 from a reading, or why there is none. Tiny excursions past the bounds
/// (float rounding in Prometheus' arithmetic) are clamped; real ones are shown as invalid.
fn ratio(r: &Reading) -> Result<f64, Missing> {
    match r {
        Reading::Pending => Err(Missing::NoData),
        Reading::Empty => Err(Missing::NoData),
        Reading::Failed(e) => Err(Missing::Error(e.clone())),
        Reading::Value(v) if v.is_nan() => Err(Missing::NoTraffic),
        Reading::Value(v) if !v.is_finite() || *v < -1e-9 || *v > 1.0 + 1e-9 => {
            Err(Missing::Invalid(*v))
        }
        Reading::Value(v) => Ok(v.clamp(0.0, 1.0)),
    }
}

pub fn status(def: &SloDefinition, reading: Option<&SloReading>) -> SloStatus {
    let empty = SloReading {
        name: def.name.clone(),
        window_sli: Reading::Pending,
        error_ratios: Default::default(),
    };
    let reading = reading.unwrap_or(&empty);
    let budget_ratio = def.error_budget();
    let burn: [Result<f64, Missing>; 7] = std::array::from_fn(|i| {
        ratio(&reading.error_ratios[i]).map(|e| maths::burn_rate(e, budget_ratio))
    });
    let sli = ratio(&reading.window_sli);
    let burn_1h = burn[maths::BurnWindow::H1.index()].as_ref().ok().copied();
    let burn_5m = burn[maths::BurnWindow::M5.index()].as_ref().ok().copied();
    let budget = sli
        .as_ref()
        .ok()
        .map(|s| maths::budget(*s, budget_ratio, def.window, burn_1h, burn_5m));
    let known: [Option<f64>; 7] = std::array::from_fn(|i| burn[i].as_ref().ok().copied());
    SloStatus {
        name: def.name.clone(),
        service: def.service.clone(),
        objective: def.objective,
        window: def.window_text(),
        sli,
        budget,
        burn,
        firing: maths::firing(&known),
    }
}

/// Worst first: least budget left; SLOs without a figure last, by name.
pub fn sort_by_budget(statuses: &mut [SloStatus]) {
    statuses.sort_by(|a, b| {
        let key = |s: &SloStatus| s.budget.map(|b| b.remaining);
        match (key(a), key(b)) {
            (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| a.name.cmp(&b.name)),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.name.cmp(&b.name),
        }
    });
}

/// The detail chart's data, as Prometheus answered it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SloHistory {
    pub good_hourly: Vec<(f64, f64)>,
    pub total_hourly: Vec<(f64, f64)>,
    pub error_ratio_5m: Vec<(f64, f64)>,
}

/// Per hour: the hour's SLI (percent), and the budget left (percent) counting from the start of
/// the window to that hour. Hours without traffic have no SLI point.
/// `(time, value)` pairs, as charts take them.
pub type Points = Vec<(f64, f64)>;

pub fn chart_series(def: &SloDefinition, h: &SloHistory) -> (Points, Points) {
    let mut sli = Vec::new();
    let mut budget = Vec::new();
    let (mut good_sum, mut total_sum) = (0.0, 0.0);
    for (t, total) in &h.total_hourly {
        let Some((_, good)) = h.good_hourly.iter().find(|(g, _)| g == t) else {
            continue;
        };
        if !(good.is_finite() && total.is_finite()) {
            continue;
        }
        if *total > 0.0 {
            sli.push((*t, 100.0 * good / total));
        }
        good_sum += good;
        total_sum += total;
        if total_sum > 0.0 {
            let spent = (1.0 - good_sum / total_sum) / def.error_budget();
            budget.push((*t, 100.0 * (1.0 - spent)));
        }
    }
    (sli, budget)
}

/// Burn rate per 5-minute step over the last 6 hours (NaN steps, without traffic, as 0).
pub fn burn_sparkline(def: &SloDefinition, h: &SloHistory) -> Vec<f64> {
    h.error_ratio_5m
        .iter()
        .map(|(_, e)| {
            if e.is_finite() {
                maths::burn_rate(e.max(0.0), def.error_budget())
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::definition::builtin;

    fn reading(sli: Reading, ratios: [f64; 7]) -> SloReading {
        SloReading {
            name: "backend-availability".into(),
            window_sli: sli,
            error_ratios: ratios.map(Reading::Value),
        }
    }

    #[test]
    fn a_burning_slo_pages_and_reports_its_budget() {
        let def = &builtin()[0];
        let r = reading(
            Reading::Value(0.9995),
            [0.08, 0.05, 0.02, 0.01, 0.004, 0.001, 0.0005],
        );
        let s = status(def, Some(&r));
        assert_eq!(s.sli, Ok(0.9995));
        assert!((s.budget.map(|b| b.remaining).unwrap_or_default() - 0.5).abs() < 1e-9);
        assert!((s.burn[0].clone().unwrap_or_default() - 80.0).abs() < 1e-9);
        assert_eq!(s.firing, Some(Urgency::Page));
    }

    #[test]
    fn nan_inf_empty_and_errors_stay_visible_and_never_fire() {
        let def = &builtin()[0];
        let mut r = reading(Reading::Value(f64::NAN), [0.0; 7]);
        r.error_ratios[0] = Reading::Value(f64::INFINITY);
        r.error_ratios[1] = Reading::Empty;
        r.error_ratios[2] = Reading::Failed("bad_data: parse error".into());
        r.error_ratios[3] = Reading::Value(1.7);
        let s = status(def, Some(&r));
        assert_eq!(s.sli, Err(Missing::NoTraffic));
        assert_eq!(s.budget, None);
        assert_eq!(s.burn[0], Err(Missing::Invalid(f64::INFINITY)));
        assert_eq!(s.burn[1], Err(Missing::NoData));
        assert_eq!(
            s.burn[2],
            Err(Missing::Error("bad_data: parse error".into()))
        );
        assert_eq!(s.burn[3], Err(Missing::Invalid(1.7)));
        assert_eq!(s.firing, None);
    }

    #[test]
    fn worst_budget_first_and_unknown_last() {
        let defs = builtin();
        let mut statuses: Vec<SloStatus> = vec![
            status(&defs[0], Some(&reading(Reading::Value(0.9999), [0.0; 7]))),
            status(&defs[1], None),
            status(&defs[2], Some(&reading(Reading::Value(0.996), [0.0; 7]))),
        ];
        sort_by_budget(&mut statuses);
        let names: Vec<&str> = statuses.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "dashboard-freshness",
                "backend-availability",
                "backend-latency"
            ]
        );
    }

    #[test]
    fn chart_accumulates_budget_from_the_window_start() {
        let def = &builtin()[0];
        let h = SloHistory {
            good_hourly: vec![(0.0, 1000.0), (3600.0, 998.0), (7200.0, 0.0)],
            total_hourly: vec![(0.0, 1000.0), (3600.0, 1000.0), (7200.0, 0.0)],
            error_ratio_5m: vec![(0.0, 0.002), (300.0, f64::NAN)],
        };
        let (sli, budget) = chart_series(def, &h);
        assert_eq!(sli, vec![(0.0, 100.0), (3600.0, 99.8)]);
        // 2 bad of 2000 = 0.1% error: exactly the budget, all spent.
        assert!((budget[1].1 - 0.0).abs() < 1e-9);
        assert_eq!(budget.len(), 3);
        assert_eq!(burn_sparkline(def, &h), vec![2.0, 0.0]);
    }
}
