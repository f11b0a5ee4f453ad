//! When each SLO's page and ticket conditions became true or false in the past, from each
//! burn window's error ratio sampled at one step (range queries over the raw counters: a real
//! Prometheus may have no recording rules for the past). Pure: the samples come in.

use std::collections::BTreeMap;

use super::SloDefinition;
use super::maths::{BurnWindow, CONDITIONS};

/// One condition of one SLO changing at a step.
#[derive(Debug, Clone, PartialEq)]
pub struct Crossing {
    pub slo: String,
    /// Index into [`CONDITIONS`].
    pub condition: usize,
    /// Unix seconds of the first step it held (or stopped holding).
    pub at: f64,
    /// True: it began; false: it ended. A condition holding at the first step is said as
    /// began there with `at_start`.
    pub began: bool,
    pub at_start: bool,
}

/// The windows the conditions read, each once.
pub fn windows() -> Vec<BurnWindow> {
    let mut w: Vec<BurnWindow> = CONDITIONS.iter().flat_map(|c| [c.short, c.long]).collect();
    w.sort();
    w.dedup();
    w
}

/// `ratios`: each window's (unix seconds, error ratio) samples on one step grid. A step where
/// either of a condition's windows has no sample (no traffic, a gap) changes nothing.
pub fn crossings(
    def: &SloDefinition,
    ratios: &BTreeMap<BurnWindow, Vec<(f64, f64)>>,
) -> Vec<Crossing> {
    let budget = def.error_budget();
    let mut out = Vec::new();
    for (i, c) in CONDITIONS.iter().enumerate() {
        let (Some(short), Some(long)) = (ratios.get(&c.short), ratios.get(&c.long)) else {
            continue;
        };
        let long: BTreeMap<i64, f64> = long.iter().map(|(t, v)| (*t as i64, *v)).collect();
        let mut before: Option<bool> = None;
        for (t, s) in short {
            let Some(l) = long.get(&(*t as i64)) else {
                continue;
            };
            if !s.is_finite() || !l.is_finite() {
                continue;
            }
            let holds = s / budget > c.factor && l / budget > c.factor;
            match before {
                None if holds => out.push(Crossing {
                    slo: def.name.clone(),
                    condition: i,
                    at: *t,
                    began: true,
                    at_start: true,
                }),
                Some(b) if b != holds => out.push(Crossing {
                    slo: def.name.clone(),
                    condition: i,
                    at: *t,
                    began: holds,
                    at_start: false,
                }),
                _ => {}
            }
            before = Some(holds);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_condition_begins_when_both_windows_burn_and_ends_when_one_stops() {
        let def = super::super::definition::builtin()
            .into_iter()
            .find(|d| d.name == "backend-availability")
            .unwrap();
        let budget = def.error_budget();
        // 5m burns at steps 3 to 5, 1h from step 4 on: the page holds at 4 and 5, ends at 6.
        let series = |burning: &dyn Fn(usize) -> bool| {
            (0..8)
                .map(|i| {
                    (
                        100.0 + 60.0 * i as f64,
                        if burning(i) { 20.0 * budget } else { 0.0 },
                    )
                })
                .collect::<Vec<_>>()
        };
        let mut ratios = BTreeMap::new();
        for w in windows() {
            ratios.insert(w, series(&|_| false));
        }
        ratios.insert(BurnWindow::M5, series(&|i| (3..6).contains(&i)));
        ratios.insert(BurnWindow::H1, series(&|i| i >= 4));
        let got: Vec<(usize, f64, bool)> = crossings(&def, &ratios)
            .into_iter()
            .map(|c| (c.condition, c.at, c.began))
            .collect();
        assert_eq!(got, [(0, 340.0, true), (0, 460.0, false)]);
    }
}
