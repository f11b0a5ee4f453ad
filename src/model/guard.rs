//! The rollout guard's rules, over readings the console already has: the covering SLOs' fast
//! burn rates (5m and 1h), their freshness, and the new pods' health. A guard trips once and
//! stays tripped (the reason and the time are what a person needs); missing or stale burn data
//! makes it blind on burn, never tripped; a service already paging when the rollout began is
//! shown as burning since before, and its burn does not trip the guard (the rollout may be the
//! fix).

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use super::age::human_duration;
use super::slo_status::Missing;

/// The page condition's factor: 5m and 1h burn both above it (the workbook's fast burn).
pub const PAGE_FACTOR: f64 = 14.4;

/// One covering SLO's fast burn rates now.
#[derive(Debug, Clone, PartialEq)]
pub struct FastBurn {
    pub slo: String,
    /// (5m, 1h), or why either is missing.
    pub rates: Result<(f64, f64), Missing>,
}

impl FastBurn {
    fn paging(&self) -> Option<bool> {
        self.rates
            .as_ref()
            .ok()
            .map(|(m5, h1)| *m5 > PAGE_FACTOR && *h1 > PAGE_FACTOR)
    }
}

/// What the new pods show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodSignal {
    pub name: String,
    pub crash_looping: bool,
    /// Running and not ready since then (None: ready, or not running yet).
    pub unready_since: Option<DateTime<Utc>>,
    /// Its readiness probe has failed at least `failureThreshold` times in a row.
    pub probe_threshold_reached: bool,
}

/// Everything the rules read, at one moment.
#[derive(Debug, Clone)]
pub struct Readings<'a> {
    pub now: DateTime<Utc>,
    /// The covering SLOs (empty: none covers the workload).
    pub burns: &'a [FastBurn],
    /// When the burn rates were read (None: never).
    pub burn_read_at: Option<DateTime<Utc>>,
    /// Burn data older than this is stale.
    pub stale_after: Duration,
    pub pods: &'a [PodSignal],
    /// The rollout's `progressDeadlineSeconds` (None: a StatefulSet, which has none).
    pub deadline: Option<Duration>,
    /// When the followed rollout completed, if it has.
    pub completed: Option<DateTime<Utc>>,
}

/// Why the guard tripped, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trip {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// How the guard reads a covering SLO now.
#[derive(Debug, Clone, PartialEq)]
pub enum BurnLine {
    /// Fast burn now and at the rollout's start.
    Quiet {
        slo: String,
        now: (f64, f64),
        at_start: Option<(f64, f64)>,
    },
    /// Paging now and already paging when the rollout began: not this rollout's doing.
    SinceBefore {
        slo: String,
        now: (f64, f64),
    },
    Paging {
        slo: String,
        now: (f64, f64),
        at_start: Option<(f64, f64)>,
    },
    Missing {
        slo: String,
        why: String,
    },
}

/// The guard's verdict at one moment.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub tripped: Option<Trip>,
    /// Why burn cannot be judged now ("no burn data for 3m"), if it cannot.
    pub blind: Option<String>,
    pub burns: Vec<BurnLine>,
    /// The new pods' trouble, one line each.
    pub pods: Vec<String>,
    /// Whether the guard still watches (while the rollout runs and `watch-after` beyond).
    pub watching: bool,
}

/// One followed rollout's guard.
#[derive(Debug, Clone, PartialEq)]
pub struct Guard {
    pub began: DateTime<Utc>,
    pub watch_after: Duration,
    /// Each covering SLO's fast burn at the rollout's start: the first reading seen.
    pub at_start: BTreeMap<String, (f64, f64)>,
    pub tripped: Option<Trip>,
}

impl Guard {
    pub fn new(began: DateTime<Utc>, watch_after: Duration) -> Guard {
        Guard {
            began,
            watch_after,
            at_start: BTreeMap::new(),
            tripped: None,
        }
    }

    /// Reads `r`, trips if a rule says so (once), and says where things stand.
    pub fn observe(&mut self, r: &Readings) -> Verdict {
        let watching = r
            .completed
            .is_none_or(|done| r.now < done + self.watch_after);
        let fresh = r.burn_read_at.is_some_and(|at| r.now - at <= r.stale_after);
        let blind = if r.burns.is_empty() {
            None
        } else {
            match r.burn_read_at {
                None => Some("guard blind: no burn data yet".to_string()),
                Some(_) if !fresh => Some(format!(
                    "guard blind: no burn data for {}",
                    human_duration(
                        r.burn_read_at
                            .map_or(0, |at| (r.now - at).num_seconds().max(0) as u64)
                    )
                )),
                Some(_) => None,
            }
        };
        let mut burns = Vec::new();
        for burn in r.burns {
            let now = match (&burn.rates, fresh) {
                (Ok(now), true) => *now,
                (Err(why), _) => {
                    burns.push(BurnLine::Missing {
                        slo: burn.slo.clone(),
                        why: why.text(),
                    });
                    continue;
                }
                (Ok(_), false) => {
                    burns.push(BurnLine::Missing {
                        slo: burn.slo.clone(),
                        why: "stale".into(),
                    });
                    continue;
                }
            };
            let at_start = *self.at_start.entry(burn.slo.clone()).or_insert(now);
            let paging_at_start = at_start.0 > PAGE_FACTOR && at_start.1 > PAGE_FACTOR;
            let line = match burn.paging() {
                Some(true) if paging_at_start => BurnLine::SinceBefore {
                    slo: burn.slo.clone(),
                    now,
                },
                Some(true) => {
                    if watching {
                        self.trip(
                            r.now,
                            format!(
                                "{} burning {:.1}x (5m) and {:.1}x (1h) since the rollout began",
                                burn.slo, now.0, now.1
                            ),
                        );
                    }
                    BurnLine::Paging {
                        slo: burn.slo.clone(),
                        now,
                        at_start: Some(at_start),
                    }
                }
                _ => BurnLine::Quiet {
                    slo: burn.slo.clone(),
                    now,
                    at_start: Some(at_start),
                },
            };
            burns.push(line);
        }
        let mut pods = Vec::new();
        for pod in r.pods {
            if pod.crash_looping {
                pods.push(format!("{} is crash-looping", pod.name));
                if watching {
                    self.trip(r.now, format!("new pod {} is crash-looping", pod.name));
                }
                continue;
            }
            let Some(since) = pod.unready_since else {
                continue;
            };
            let half_deadline = r.deadline.map(|d| d / 2);
            let past_half = half_deadline.is_some_and(|half| r.now - since >= half);
            let unready_for = human_duration((r.now - since).num_seconds().max(0) as u64);
            if pod.probe_threshold_reached || past_half {
                let why = if pod.probe_threshold_reached {
                    "its readiness probe reached its failure threshold"
                } else {
                    "past half the progress deadline"
                };
                pods.push(format!("{} unready for {unready_for}: {why}", pod.name));
                if watching {
                    self.trip(
                        r.now,
                        format!("new pod {} unready for {unready_for}: {why}", pod.name),
                    );
                }
            } else {
                pods.push(format!("{} not ready yet ({unready_for})", pod.name));
            }
        }
        Verdict {
            tripped: self.tripped.clone(),
            blind,
            burns,
            pods,
            watching,
        }
    }

    fn trip(&mut self, at: DateTime<Utc>, reason: String) {
        if self.tripped.is_none() {
            self.tripped = Some(Trip { at, reason });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn burn(m5: f64, h1: f64) -> Vec<FastBurn> {
        vec![FastBurn {
            slo: "backend-availability".into(),
            rates: Ok((m5, h1)),
        }]
    }

    fn readings<'a>(now: i64, burns: &'a [FastBurn], pods: &'a [PodSignal]) -> Readings<'a> {
        Readings {
            now: t(now),
            burns,
            burn_read_at: Some(t(now - 10)),
            stale_after: Duration::seconds(60),
            pods,
            deadline: Some(Duration::seconds(600)),
            completed: None,
        }
    }

    fn guard() -> Guard {
        Guard::new(t(0), Duration::minutes(15))
    }

    #[test]
    fn a_burn_crossing_the_page_condition_after_the_start_trips_it() {
        let mut g = guard();
        assert_eq!(g.observe(&readings(10, &burn(1.0, 0.5), &[])).tripped, None);
        let v = g.observe(&readings(120, &burn(40.0, 15.0), &[]));
        let trip = v.tripped.expect("tripped");
        assert_eq!(trip.at, t(120));
        assert_eq!(
            trip.reason,
            "backend-availability burning 40.0x (5m) and 15.0x (1h) since the rollout began"
        );
        // Once tripped, it stays so with its first reason, even when the burn falls.
        let v = g.observe(&readings(600, &burn(1.0, 1.0), &[]));
        assert_eq!(v.tripped.map(|t| t.at), Some(t(120)));
    }

    #[test]
    fn one_window_over_is_not_the_page_condition() {
        let mut g = guard();
        g.observe(&readings(10, &burn(1.0, 0.5), &[]));
        assert_eq!(
            g.observe(&readings(60, &burn(40.0, 14.4), &[])).tripped,
            None
        );
    }

    #[test]
    fn already_paging_at_the_start_is_burning_since_before_and_never_trips() {
        let mut g = guard();
        let v = g.observe(&readings(10, &burn(22.0, 16.0), &[]));
        assert_eq!(
            v.burns,
            [BurnLine::SinceBefore {
                slo: "backend-availability".into(),
                now: (22.0, 16.0)
            }]
        );
        let v = g.observe(&readings(300, &burn(30.0, 18.0), &[]));
        assert_eq!(v.tripped, None);
    }

    #[test]
    fn missing_or_stale_burn_data_is_blind_and_never_trips() {
        let mut g = guard();
        let missing = vec![FastBurn {
            slo: "backend-availability".into(),
            rates: Err(Missing::NoData),
        }];
        let mut r = readings(10, &missing, &[]);
        r.burn_read_at = None;
        let v = g.observe(&r);
        assert_eq!(v.blind.as_deref(), Some("guard blind: no burn data yet"));
        let paging = burn(40.0, 20.0);
        let mut r = readings(400, &paging, &[]);
        r.burn_read_at = Some(t(220));
        let v = g.observe(&r);
        assert_eq!(v.blind.as_deref(), Some("guard blind: no burn data for 3m"));
        assert_eq!(v.tripped, None);
    }

    #[test]
    fn after_completion_it_trips_within_watch_after_and_not_beyond() {
        let mut g = guard();
        g.observe(&readings(10, &burn(1.0, 1.0), &[]));
        let paging = burn(40.0, 20.0);
        let mut r = readings(60 * 20, &paging, &[]);
        r.completed = Some(t(60 * 10));
        let v = g.observe(&r);
        assert!(v.watching);
        assert!(v.tripped.is_some(), "5 min after completion, within 15");

        let mut g = guard();
        g.observe(&readings(10, &burn(1.0, 1.0), &[]));
        let mut r = readings(60 * 30, &paging, &[]);
        r.completed = Some(t(60 * 10));
        let v = g.observe(&r);
        assert!(!v.watching);
        assert_eq!(v.tripped, None, "20 min after completion, past watch-after");
    }

    #[test]
    fn a_pod_unready_past_its_threshold_or_half_the_deadline_trips_it() {
        let early = PodSignal {
            name: "backend-7f-abc".into(),
            crash_looping: false,
            unready_since: Some(t(100)),
            probe_threshold_reached: false,
        };
        let mut g = guard();
        let v = g.observe(&readings(200, &[], std::slice::from_ref(&early)));
        assert_eq!(v.tripped, None);
        assert_eq!(v.pods, ["backend-7f-abc not ready yet (100s)"]);
        let v = g.observe(&readings(400, &[], std::slice::from_ref(&early)));
        assert_eq!(
            v.tripped.map(|t| t.reason),
            Some("new pod backend-7f-abc unready for 5m: past half the progress deadline".into())
        );
        let mut g = guard();
        let failing = PodSignal {
            probe_threshold_reached: true,
            ..early
        };
        let v = g.observe(&readings(130, &[], &[failing]));
        assert_eq!(
            v.tripped.map(|t| t.reason),
            Some(
                "new pod backend-7f-abc unready for 30s: its readiness probe reached its failure threshold"
                    .into()
            )
        );
    }

    #[test]
    fn a_crash_loop_trips_it() {
        let pod = PodSignal {
            name: "backend-7f-abc".into(),
            crash_looping: true,
            unready_since: None,
            probe_threshold_reached: false,
        };
        let mut g = guard();
        let v = g.observe(&readings(50, &[], &[pod]));
        assert_eq!(
            v.tripped.map(|t| t.reason),
            Some("new pod backend-7f-abc is crash-looping".into())
        );
    }
}
