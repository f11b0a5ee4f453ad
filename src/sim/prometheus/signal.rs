//! Closed-form signals: every series is a function of time, so any instant or range over the
//! past weeks is answered at once, exactly, without storing a sample.

use std::f64::consts::TAU;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

/// Seconds in a day: traffic follows the shift pattern of a factory floor.
const DAY: f64 = 86_400.0;

/// A rate (events per second) as a sum of terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Term {
    /// `base * (1 + amplitude * sin(2π t / day + phase))`, with `amplitude < 1`.
    Daily {
        base: f64,
        amplitude: f64,
        phase: f64,
    },
    /// 0 before `start`, rising linearly to `peak` at `end`, then `peak`. A negative peak takes
    /// events away (the share of 200s falling as 5xx rise).
    Ramp { start: f64, end: f64, peak: f64 },
    /// `daily`'s rate times `factor` times a share the cluster records as it changes (the
    /// ready backend pods running a release): piecewise constant, so the integral stays exact.
    Shared {
        daily: Box<Term>,
        share: Arc<Timeline>,
        factor: f64,
    },
}

/// A value over time that changes at recorded instants and holds in between: 0 before the
/// first. Written by the cluster task as it acts, read by every query.
#[derive(Debug, Default)]
pub struct Timeline {
    points: RwLock<Vec<(f64, f64)>>,
}

impl PartialEq for Timeline {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other) || self.points() == other.points()
    }
}

impl Timeline {
    /// `value` from `t` on; an unchanged value is not recorded, and a time before the last
    /// point's counts as that point's (the newest value always wins: none is lost).
    pub fn record(&self, t: f64, value: f64) {
        let Ok(mut points) = self.points.write() else {
            return;
        };
        match points.last_mut() {
            Some((_, v)) if *v == value => {}
            Some((at, v)) if t <= *at => {
                *v = value;
            }
            _ => points.push((t, value)),
        }
    }

    /// Every recorded change: (from, value).
    pub fn points(&self) -> Vec<(f64, f64)> {
        self.points.read().map(|p| p.clone()).unwrap_or_default()
    }

    pub fn at(&self, t: f64) -> f64 {
        self.points()
            .iter()
            .take_while(|(at, _)| *at <= t)
            .last()
            .map_or(0.0, |(_, v)| *v)
    }

    /// The constant pieces over `[from, to]`: `(start, end, value)`.
    fn pieces(&self, from: f64, to: f64) -> Vec<(f64, f64, f64)> {
        let points = self.points();
        let mut pieces = Vec::new();
        let mut start = from;
        let mut value = 0.0;
        for (at, v) in points {
            if at >= to {
                break;
            }
            if at > start {
                pieces.push((start, at, value));
                start = at;
            }
            value = v;
        }
        pieces.push((start, to, value));
        pieces
    }
}

impl Term {
    /// The rate at `t`.
    pub fn rate(&self, t: f64) -> f64 {
        match *self {
            Term::Daily {
                base,
                amplitude,
                phase,
            } => base * (1.0 + amplitude * (TAU * t / DAY + phase).sin()),
            Term::Ramp { start, end, peak } => {
                if t <= start {
                    0.0
                } else if t < end {
                    peak * (t - start) / (end - start)
                } else {
                    peak
                }
            }
            Term::Shared {
                ref daily,
                ref share,
                factor,
            } => daily.rate(t) * share.at(t) * factor,
        }
    }

    /// ∫ rate from `from` to `t`.
    pub fn integral(&self, from: f64, t: f64) -> f64 {
        match *self {
            Term::Daily {
                base,
                amplitude,
                phase,
            } => {
                let w = TAU / DAY;
                base * ((t - from)
                    + amplitude / w * ((w * from + phase).cos() - (w * t + phase).cos()))
            }
            Term::Ramp { .. } => self.ramp_area(t) - self.ramp_area(from),
            Term::Shared {
                ref daily,
                ref share,
                factor,
            } => {
                if t <= from {
                    return 0.0;
                }
                share
                    .pieces(from, t)
                    .into_iter()
                    .filter(|(_, _, v)| *v != 0.0)
                    .map(|(a, b, v)| daily.integral(a, b) * v * factor)
                    .sum()
            }
        }
    }

    /// ∫ ramp from -∞ to t.
    fn ramp_area(&self, t: f64) -> f64 {
        let Term::Ramp { start, end, peak } = *self else {
            return 0.0;
        };
        if t <= start {
            0.0
        } else if t < end {
            peak * (t - start).powi(2) / (2.0 * (end - start))
        } else {
            peak * (end - start) / 2.0 + peak * (t - end)
        }
    }
}

/// What a series' value is at a time.
#[derive(Debug, Clone, PartialEq)]
pub enum Signal {
    /// A counter that started at `anchor` (the simulated process start) and never resets.
    Counter { anchor: f64, terms: Vec<Term> },
    /// A level moving with the day around `base`.
    Level {
        base: f64,
        amplitude: f64,
        phase: f64,
    },
    /// The unix time of the last run of a job that runs every `period` seconds at `offset`,
    /// or `frozen` when it stopped succeeding then.
    LastRun {
        period: f64,
        offset: f64,
        frozen: Option<f64>,
    },
    /// A time from a CronJob's runs: for the newest run of `runs` whose scheduled time plus
    /// `after` has passed, that time less `back`; 0 (never) before the first.
    Scheduled {
        schedule: &'static str,
        after: f64,
        runs: Runs,
        back: f64,
    },
}

/// Which of a CronJob's runs a [`Signal::Scheduled`] counts, by their scheduled time (unix
/// seconds): a scenario's failing runs are those from its start on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Runs {
    All,
    Before(f64),
    From(f64),
}

impl Runs {
    fn counts(self, scheduled: f64) -> bool {
        match self {
            Runs::All => true,
            Runs::Before(t) => scheduled < t,
            Runs::From(t) => scheduled >= t,
        }
    }
}

/// `schedule` parsed once per thread: rules and queries evaluate these gauges at many times.
fn parsed(schedule: &'static str) -> Option<croner::Cron> {
    thread_local! {
        static PARSED: std::cell::RefCell<std::collections::HashMap<&'static str, Option<croner::Cron>>> =
            Default::default();
    }
    PARSED.with(|cache| {
        cache
            .borrow_mut()
            .entry(schedule)
            .or_insert_with(|| croner::Cron::from_str(schedule).ok())
            .clone()
    })
}

/// The newest time `schedule` fired at or before `t` among `runs` (None before the first, or
/// when the schedule does not parse). Walks back at most a year of runs.
fn newest_run(schedule: &'static str, t: f64, runs: Runs) -> Option<f64> {
    let cron = parsed(schedule)?;
    let mut from = chrono::DateTime::from_timestamp(t.floor() as i64, 0)?;
    let mut inclusive = true;
    for _ in 0..400 {
        let run = cron.find_previous_occurrence(&from, inclusive).ok()?;
        let scheduled = run.timestamp() as f64;
        if runs.counts(scheduled) {
            return Some(scheduled);
        }
        if let Runs::From(first) = runs
            && scheduled < first
        {
            return None;
        }
        from = run;
        inclusive = false;
    }
    None
}

impl Signal {
    pub fn value(&self, t: f64) -> f64 {
        match self {
            Signal::Counter { anchor, terms } => {
                if t <= *anchor {
                    0.0
                } else {
                    terms.iter().map(|term| term.integral(*anchor, t)).sum()
                }
            }
            Signal::Level {
                base,
                amplitude,
                phase,
            } => base * (1.0 + amplitude * (TAU * t / DAY + phase).sin()),
            Signal::LastRun {
                period,
                offset,
                frozen,
            } => {
                let last = ((t - offset) / period).floor() * period + offset;
                match frozen {
                    Some(f) if *f < last => *f,
                    _ => last,
                }
            }
            Signal::Scheduled {
                schedule,
                after,
                runs,
                back,
            } => newest_run(schedule, t - after, *runs).map_or(0.0, |s| s + after - back),
        }
    }

    /// `increase` over `[t - range, t]`: exact for counters (they never reset).
    pub fn increase(&self, t: f64, range: f64) -> f64 {
        self.value(t) - self.value(t - range)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric_integral(term: &Term, from: f64, to: f64) -> f64 {
        let steps = 200_000;
        let h = (to - from) / steps as f64;
        (0..steps)
            .map(|i| term.rate(from + (i as f64 + 0.5) * h) * h)
            .sum()
    }

    #[test]
    fn closed_forms_match_numeric_integration() {
        let terms = [
            Term::Daily {
                base: 40.0,
                amplitude: 0.3,
                phase: 1.1,
            },
            Term::Ramp {
                start: 1000.0,
                end: 4000.0,
                peak: 2.5,
            },
        ];
        for term in &terms {
            for (from, to) in [(0.0, 500.0), (500.0, 3000.0), (2000.0, 90_000.0)] {
                let exact = term.integral(from, to);
                let numeric = numeric_integral(term, from, to);
                assert!(
                    (exact - numeric).abs() < 1e-6 * numeric.abs().max(1.0),
                    "{term:?} {from}..{to}: {exact} vs {numeric}"
                );
            }
        }
    }

    #[test]
    fn a_shared_term_integrates_exactly_over_the_recorded_pieces() {
        let share = Arc::new(Timeline::default());
        share.record(1000.0, 0.5);
        share.record(2500.0, 1.0);
        share.record(4000.0, 0.0);
        let term = Term::Shared {
            daily: Box::new(Term::Daily {
                base: 40.0,
                amplitude: 0.3,
                phase: 1.1,
            }),
            share: share.clone(),
            factor: 0.4,
        };
        for (from, to) in [(0.0, 500.0), (500.0, 3000.0), (2000.0, 90_000.0)] {
            let exact = term.integral(from, to);
            let numeric = numeric_integral(&term, from, to);
            assert!(
                (exact - numeric).abs() < 1e-3 * numeric.abs().max(1.0),
                "{from}..{to}: {exact} vs {numeric}"
            );
        }
        assert_eq!(term.integral(0.0, 900.0), 0.0);
        assert_eq!(share.at(3000.0), 1.0);
    }

    #[test]
    fn counters_grow_from_their_anchor_and_last_run_freezes() {
        let c = Signal::Counter {
            anchor: 100.0,
            terms: vec![Term::Daily {
                base: 2.0,
                amplitude: 0.0,
                phase: 0.0,
            }],
        };
        assert_eq!(c.value(50.0), 0.0);
        assert_eq!(c.value(160.0), 120.0);
        assert_eq!(c.increase(400.0, 60.0), 120.0);
        let daily_at_two = Signal::LastRun {
            period: 86_400.0,
            offset: 7_200.0,
            frozen: None,
        };
        assert_eq!(
            daily_at_two.value(86_400.0 * 3.0 + 3_600.0),
            86_400.0 * 2.0 + 7_200.0
        );
        let stopped = Signal::LastRun {
            period: 86_400.0,
            offset: 7_200.0,
            frozen: Some(1_000.0),
        };
        assert_eq!(stopped.value(86_400.0 * 3.0), 1_000.0);
    }
}
