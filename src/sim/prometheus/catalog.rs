//! The series the simulated MS5 services expose: HTTP traffic and latency of the backend, the
//! WebSocket dashboard path, the Celery OEE pipeline, OEE per production line, downtime,
//! production, backups and WAL archiving. Parameters come from the seed; the scenario bends them
//! (the `slo-burn` scenario's rising 5xx, `backup-failing`'s stale backup).

use std::collections::BTreeMap;
use std::sync::Arc;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::signal::{Runs, Signal, Term, Timeline};
use crate::sim::cluster::scenario::Scenario;
use crate::sim::world::schedules::{self, Scheduled};

/// Label name -> value, `__name__` included; sorted, so equal sets compare equal.
pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    pub fn text(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Series {
    pub labels: Labels,
    /// The metric family, for `# TYPE` lines (`http_request_duration_seconds` for `_bucket`).
    pub family: &'static str,
    pub kind: Kind,
    pub help: &'static str,
    pub signal: Signal,
}

impl Series {
    pub fn name(&self) -> &str {
        self.labels.get("__name__").map_or("", String::as_str)
    }
}

/// Every series, in family order (as `/metrics` lists them).
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub series: Vec<Series>,
}

const PRODUCTION: &str = "ms5-production";
const ROUTES: [(&str, f64); 4] = [
    ("/api/v1/dashboard", 30.0),
    ("/api/v1/oee", 12.0),
    ("/api/v1/production", 8.0),
    ("/api/v1/downtime", 6.0),
];
/// Cumulative share of requests answered within each `le`.
const LATENCY_BUCKETS: [(&str, f64); 6] = [
    ("0.05", 0.55),
    ("0.1", 0.8),
    ("0.3", 0.994),
    ("0.5", 0.998),
    ("1", 0.9995),
    ("+Inf", 1.0),
];
pub const LINES: [&str; 4] = ["line-1", "line-2", "line-3", "line-4"];

/// Share of backend requests failing with 5xx on a quiet day.
pub const BASELINE_5XX: f64 = 0.0003;
pub const NOT_FOUND: f64 = 0.015;
/// `slo-burn`: the ramp is added to the errors' base rate while traffic follows the day (±25 %),
/// so the share of 5xx at a moment also depends on the time of day. It rises from 0 at 45 minutes
/// before the start to this at 5 minutes after it: even at the busiest hour the 1h burn rate
/// passes 14.4x more than eight minutes before the start, so the page alert (for 2m) is firing
/// from the first second, whenever the sim starts.
pub const BURN_PEAK: f64 = 0.10;
pub const BURN_START: f64 = -45.0 * 60.0;
pub const BURN_END: f64 = 5.0 * 60.0;
/// `slo-burn`'s share of 5xx added at unix time `t`, its clock starting at `origin`: the ramp
/// the request counters follow (the day's traffic swing aside), for the access logs.
pub fn burn_share(origin: f64, t: f64) -> f64 {
    let progress = (t - (origin + BURN_START)) / (BURN_END - BURN_START);
    BURN_PEAK * progress.clamp(0.0, 1.0)
}

/// `bad-release`: the share of requests its pods answer with 5xx.
pub const BAD_RELEASE_5XX: f64 = 0.40;
/// `backup-failing`: WAL archiving uploads to the same failing bucket, and stopped 35 minutes
/// before the start.
const WAL_STALE: f64 = 35.0 * 60.0;

struct Builder {
    rng: ChaCha8Rng,
    anchor: f64,
    series: Vec<Series>,
}

impl Builder {
    fn labels(&self, name: &str, pairs: &[(&str, &str)]) -> Labels {
        let mut labels: Labels = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        labels.insert("__name__".into(), name.into());
        labels
    }

    fn daily(&mut self, base: f64, amplitude: f64) -> Term {
        Term::Daily {
            base,
            amplitude,
            phase: self.rng.random_range(0.0..std::f64::consts::TAU),
        }
    }

    fn push(
        &mut self,
        family: &'static str,
        kind: Kind,
        help: &'static str,
        labels: Labels,
        signal: Signal,
    ) {
        self.series.push(Series {
            labels,
            family,
            kind,
            help,
            signal,
        });
    }

    fn counter(&self, terms: Vec<Term>) -> Signal {
        Signal::Counter {
            anchor: self.anchor,
            terms,
        }
    }
}

impl Catalog {
    /// The series for `seed` and `scenario`, with the scenario's clock starting at `origin`
    /// (unix seconds).
    /// `release` is the share of ready production backend pods running the bad release, as
    /// the cluster records it: the backend's 5xx follow it.
    pub fn build(seed: u64, scenario: Scenario, origin: f64, release: &Arc<Timeline>) -> Catalog {
        let mut b = Builder {
            rng: ChaCha8Rng::seed_from_u64(seed ^ 0x5105_1005),
            // Counters start 40 days before the scenario: every 30-day window is covered.
            anchor: (origin / 86_400.0).floor() * 86_400.0 - 40.0 * 86_400.0,
            series: Vec::new(),
        };
        backend_requests(&mut b, scenario, origin, release);
        backend_latency(&mut b);
        pipelines(&mut b);
        floor(&mut b);
        backups(&mut b, scenario, origin);
        Catalog { series: b.series }
    }
}

fn backend_requests(b: &mut Builder, scenario: Scenario, origin: f64, release: &Arc<Timeline>) {
    const HELP: &str = "HTTP requests handled by the MS5 backend, by route and status code.";
    for (route, rate) in ROUTES {
        let daily = b.daily(rate, 0.25);
        let Term::Daily {
            amplitude, phase, ..
        } = daily
        else {
            continue;
        };
        let share = |s: f64| Term::Daily {
            base: rate * s,
            amplitude,
            phase,
        };
        let burn = |peak: f64| Term::Ramp {
            start: origin + BURN_START,
            end: origin + BURN_END,
            peak: peak * rate,
        };
        // The bad release's share of the traffic answers BAD_RELEASE_5XX of it with 5xx.
        let released = |factor: f64| Term::Shared {
            daily: Box::new(share(1.0)),
            share: release.clone(),
            factor,
        };
        let burning = scenario == Scenario::SloBurn;
        let codes: [(&str, f64, Option<f64>); 4] = [
            ("200", 1.0 - NOT_FOUND - BASELINE_5XX, Some(-BURN_PEAK)),
            ("404", NOT_FOUND, None),
            ("500", BASELINE_5XX * 0.7, Some(BURN_PEAK * 0.7)),
            ("503", BASELINE_5XX * 0.3, Some(BURN_PEAK * 0.3)),
        ];
        for (code, s, ramp) in codes {
            let mut terms = vec![share(s)];
            if let (true, Some(peak)) = (burning, ramp) {
                terms.push(burn(peak));
            }
            // The same shape as the slo-burn ramp: 200s give way to 500s and 503s.
            let moved = match code {
                "200" => Some(-BAD_RELEASE_5XX),
                "500" => Some(BAD_RELEASE_5XX * 0.7),
                "503" => Some(BAD_RELEASE_5XX * 0.3),
                _ => None,
            };
            terms.extend(moved.map(released));
            let labels = b.labels(
                "http_requests_total",
                &[
                    ("namespace", PRODUCTION),
                    ("service", "backend"),
                    ("job", "backend"),
                    ("route", route),
                    ("method", "GET"),
                    ("code", code),
                ],
            );
            let signal = b.counter(terms);
            b.push("http_requests_total", Kind::Counter, HELP, labels, signal);
        }
    }
}

fn backend_latency(b: &mut Builder) {
    const HELP: &str = "Time the MS5 backend took to answer, by route.";
    const FAMILY: &str = "http_request_duration_seconds";
    for (route, rate) in ROUTES {
        let Term::Daily {
            amplitude, phase, ..
        } = b.daily(rate, 0.25)
        else {
            continue;
        };
        let scaled = |s: f64| Term::Daily {
            base: rate * s,
            amplitude,
            phase,
        };
        let pairs = [
            ("namespace", PRODUCTION),
            ("service", "backend"),
            ("job", "backend"),
            ("route", route),
        ];
        for (le, share) in LATENCY_BUCKETS {
            let mut with_le = pairs.to_vec();
            with_le.push(("le", le));
            let labels = b.labels("http_request_duration_seconds_bucket", &with_le);
            let signal = b.counter(vec![scaled(share)]);
            b.push(FAMILY, Kind::Histogram, HELP, labels, signal);
        }
        let labels = b.labels("http_request_duration_seconds_count", &pairs);
        let signal = b.counter(vec![scaled(1.0)]);
        b.push(FAMILY, Kind::Histogram, HELP, labels, signal);
        let labels = b.labels("http_request_duration_seconds_sum", &pairs);
        let signal = b.counter(vec![scaled(0.085)]);
        b.push(FAMILY, Kind::Histogram, HELP, labels, signal);
    }
}

/// The WebSocket dashboard path and the Celery OEE pipeline: on-time and late updates.
fn pipelines(b: &mut Builder) {
    let paths: [(&'static str, &'static str, &str, f64, f64); 2] = [
        (
            "ms5_dashboard_updates_total",
            "Dashboard updates pushed over WebSocket, by whether they arrived within 5 s.",
            "websocket",
            20.0,
            0.001,
        ),
        (
            "ms5_oee_calculations_total",
            "OEE calculations run by the Celery pipeline, by whether they finished within 60 s of schedule.",
            "celery",
            0.4,
            0.002,
        ),
    ];
    for (name, help, service, rate, late) in paths {
        let Term::Daily {
            amplitude, phase, ..
        } = b.daily(rate, 0.2)
        else {
            continue;
        };
        for (outcome, share) in [("on_time", 1.0 - late), ("late", late)] {
            let labels = b.labels(
                name,
                &[
                    ("namespace", PRODUCTION),
                    ("service", service),
                    ("job", service),
                    ("outcome", outcome),
                ],
            );
            let signal = b.counter(vec![Term::Daily {
                base: rate * share,
                amplitude,
                phase,
            }]);
            b.push(name, Kind::Counter, help, labels, signal);
        }
    }
    let labels = b.labels(
        "ms5_websocket_connections",
        &[
            ("namespace", PRODUCTION),
            ("service", "websocket"),
            ("job", "websocket"),
        ],
    );
    let signal = level(b, 180.0, 0.3);
    b.push(
        "ms5_websocket_connections",
        Kind::Gauge,
        "Open dashboard WebSocket connections.",
        labels,
        signal,
    );
    for (queue, depth) in [("oee", 3.0), ("reports", 1.0), ("default", 0.5)] {
        let labels = b.labels(
            "celery_queue_length",
            &[
                ("namespace", PRODUCTION),
                ("service", "celery"),
                ("job", "flower"),
                ("queue", queue),
            ],
        );
        let signal = level(b, depth, 0.8);
        b.push(
            "celery_queue_length",
            Kind::Gauge,
            "Tasks waiting in each Celery queue.",
            labels,
            signal,
        );
    }
}

fn level(b: &mut Builder, base: f64, amplitude: f64) -> Signal {
    Signal::Level {
        base,
        amplitude,
        phase: b.rng.random_range(0.0..std::f64::consts::TAU),
    }
}

/// OEE factors, downtime and production per line.
fn floor(b: &mut Builder) {
    for line in LINES {
        let pairs = [
            ("namespace", PRODUCTION),
            ("service", "backend"),
            ("job", "oee-calculator"),
            ("line", line),
        ];
        let factors: [(&'static str, &'static str, f64, f64); 3] = [
            (
                "ms5_oee_availability_ratio",
                "OEE availability: run time over planned production time.",
                0.86,
                0.97,
            ),
            (
                "ms5_oee_performance_ratio",
                "OEE performance: actual over ideal output at run time.",
                0.82,
                0.95,
            ),
            (
                "ms5_oee_quality_ratio",
                "OEE quality: good units over all units.",
                0.96,
                0.995,
            ),
        ];
        for (name, help, low, high) in factors {
            let base = b.rng.random_range(low..high);
            let labels = b.labels(name, &pairs);
            // A ratio never passes 1: the day's swing (base x (1 +/- amplitude)) stays below it.
            let amplitude = 0.015_f64.min((1.0 / base - 1.0) * 0.9);
            let signal = level(b, base, amplitude);
            b.push(name, Kind::Gauge, help, labels, signal);
        }
        let down = b.rng.random_range(0.03..0.12);
        let labels = b.labels("ms5_downtime_seconds_total", &pairs);
        let term = b.daily(down, 0.6);
        let signal = b.counter(vec![term]);
        b.push(
            "ms5_downtime_seconds_total",
            Kind::Counter,
            "Seconds the line stood still (unplanned downtime).",
            labels,
            signal,
        );
        let units = b.rng.random_range(0.4..0.9);
        let labels = b.labels("ms5_production_units_total", &pairs);
        let term = b.daily(units, 0.3);
        let signal = b.counter(vec![term]);
        b.push(
            "ms5_production_units_total",
            Kind::Counter,
            "Units produced by the line.",
            labels,
            signal,
        );
    }
}

/// The exporters' view of a CronJob's runs: the newest successful, attempted and failed run,
/// as the Jobs in the world say (the same schedules and durations).
struct RunGauges {
    scheduled: Scheduled,
    /// Runs scheduled from this time on fail (the scenario's fault, in force from its start).
    failing_from: Option<f64>,
}

impl RunGauges {
    fn signal(&self, runs: Runs, after: f64, back: f64) -> Signal {
        Signal::Scheduled {
            schedule: self.scheduled.schedule,
            after,
            runs,
            back,
        }
    }

    fn finished(&self) -> f64 {
        schedules::completes_after(self.scheduled.runs_for) as f64
    }

    fn last_success(&self, back: f64) -> Signal {
        let runs = self.failing_from.map_or(Runs::All, Runs::Before);
        self.signal(runs, self.finished(), back)
    }

    fn last_failure(&self) -> Signal {
        // Never failed: 0, as the exporter says before a first failure.
        let runs = self
            .failing_from
            .map_or(Runs::From(f64::INFINITY), Runs::From);
        self.signal(runs, self.finished(), 0.0)
    }

    fn last_attempt(&self) -> Signal {
        self.signal(Runs::All, schedules::START_DELAY as f64, 0.0)
    }
}

fn constant(value: f64) -> Signal {
    Signal::Level {
        base: value,
        amplitude: 0.0,
        phase: 0.0,
    }
}

/// Seconds since the epoch of the newest scheduled time of `scheduled` whose run had finished
/// by `origin`: a scenario's failing run.
fn newest_finished_run(scheduled: &Scheduled, origin: f64) -> Option<f64> {
    let now = chrono::DateTime::from_timestamp(origin as i64, 0)?;
    scheduled
        .finished_runs(now, 1)
        .first()
        .map(|t| t.timestamp() as f64)
}

fn backups(b: &mut Builder, scenario: Scenario, origin: f64) {
    const BACKUP_SIZE_BYTES: f64 = 4_821_300.0 * 1024.0;
    let backup = RunGauges {
        scheduled: schedules::BACKUP,
        failing_from: (scenario == Scenario::BackupFailing)
            .then(|| newest_finished_run(&schedules::BACKUP, origin))
            .flatten(),
    };
    let labels = [
        ("namespace", PRODUCTION),
        ("service", "postgres"),
        ("job", schedules::BACKUP.cronjob),
    ];
    let gauges: [(&'static str, &'static str, Signal); 5] = [
        (
            "ms5_backup_last_success_timestamp_seconds",
            "Unix time the last successful daily database backup completed.",
            backup.last_success(0.0),
        ),
        (
            "ms5_backup_last_attempt_timestamp_seconds",
            "Unix time the last database backup started.",
            backup.last_attempt(),
        ),
        (
            "ms5_backup_last_failure_timestamp_seconds",
            "Unix time the last failed database backup ended (0: never failed).",
            backup.last_failure(),
        ),
        (
            "ms5_backup_last_duration_seconds",
            "Seconds the last database backup ran.",
            constant(schedules::BACKUP.runs_for as f64),
        ),
        (
            "ms5_backup_last_size_bytes",
            "Size of the last successful database backup.",
            constant(BACKUP_SIZE_BYTES),
        ),
    ];
    for (name, help, signal) in gauges {
        let labels = b.labels(name, &labels);
        b.push(name, Kind::Gauge, help, labels, signal);
    }
    // Retention: daily backups kept 30 days in the cluster's MinIO, 90 in cloud storage.
    for (location, days) in [("local", 30.0), ("cloud", 90.0)] {
        let pairs = [
            ("namespace", PRODUCTION),
            ("service", "postgres"),
            ("location", location),
        ];
        let name = "ms5_backup_retained_count";
        let labels = b.labels(name, &pairs);
        let help = "Backups kept, by storage location.";
        b.push(name, Kind::Gauge, help, labels, constant(days));
        let name = "ms5_backup_oldest_timestamp_seconds";
        let labels = b.labels(name, &pairs);
        let help = "Unix time the oldest backup kept completed, by storage location.";
        let signal = backup.last_success((days - 1.0) * 86_400.0);
        b.push(name, Kind::Gauge, help, labels, signal);
    }
    restore_tests(b, scenario, origin);
    let labels = b.labels(
        "ms5_wal_archive_last_success_timestamp_seconds",
        &[
            ("namespace", PRODUCTION),
            ("service", "postgres"),
            ("job", "postgres"),
        ],
    );
    b.push(
        "ms5_wal_archive_last_success_timestamp_seconds",
        Kind::Gauge,
        "Unix time of the last WAL segment archived (point-in-time recovery).",
        labels,
        Signal::LastRun {
            period: 60.0,
            offset: 0.0,
            frozen: (scenario == Scenario::BackupFailing).then_some(origin - WAL_STALE),
        },
    );
    // The dashboard's certificate, renewed by hand (the seed's SSL setup): 21 days left, 5 in
    // `config-drift` (the Secret's certificate says the same).
    let days_left = if scenario == Scenario::ConfigDrift {
        crate::sim::cluster::scenario::DRIFTED_CERTIFICATE_DAYS as f64
    } else {
        21.0
    };
    let labels = b.labels(
        "ms5_tls_certificate_expiry_timestamp_seconds",
        &[
            ("namespace", PRODUCTION),
            ("service", "frontend"),
            ("host", crate::sim::world::DASHBOARD_HOST),
        ],
    );
    b.push(
        "ms5_tls_certificate_expiry_timestamp_seconds",
        Kind::Gauge,
        "Unix time the dashboard's TLS certificate expires.",
        labels,
        Signal::Level {
            base: origin + days_left * 86_400.0,
            amplitude: 0.0,
            phase: 0.0,
        },
    );
}

/// The weekly restore test's gauges: the scheduled runs only (a drill started by hand moves
/// none of them, as on a real cluster whose exporter reads the scheduled runs' reports).
fn restore_tests(b: &mut Builder, scenario: Scenario, origin: f64) {
    let failing = scenario == Scenario::RestoreFailing;
    let restore = RunGauges {
        scheduled: schedules::RESTORE_TEST,
        failing_from: failing
            .then(|| newest_finished_run(&schedules::RESTORE_TEST, origin))
            .flatten(),
    };
    let labels = [
        ("namespace", PRODUCTION),
        ("service", "postgres"),
        ("job", schedules::RESTORE_TEST.cronjob),
    ];
    let gauges: [(&'static str, &'static str, Signal); 3] = [
        (
            "ms5_restore_test_last_success_timestamp_seconds",
            "Unix time the last successful restore test completed.",
            restore.last_success(0.0),
        ),
        (
            "ms5_restore_test_last_duration_seconds",
            "Seconds the last restore test ran.",
            constant(schedules::RESTORE_TEST.runs_for as f64),
        ),
        (
            "ms5_restore_test_last_result",
            "Result of the last restore test: 1 passed, 0 failed.",
            constant(if failing { 0.0 } else { 1.0 }),
        ),
    ];
    for (name, help, signal) in gauges {
        let labels = b.labels(name, &labels);
        b.push(name, Kind::Gauge, help, labels, signal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_stay_between_0_and_1_at_every_hour_for_every_seed() {
        for seed in 1..=20 {
            let catalog = Catalog::build(seed, Scenario::Healthy, 1.7e9, &Default::default());
            let ratios: Vec<&Series> = catalog
                .series
                .iter()
                .filter(|s| s.name().ends_with("_ratio"))
                .collect();
            assert_eq!(ratios.len(), 12, "3 factors x 4 lines");
            for s in ratios {
                for hour in 0..48 {
                    let v = s.signal.value(1.7e9 + f64::from(hour) * 1800.0);
                    assert!(
                        (0.0..=1.0).contains(&v),
                        "seed {seed}: {:?} = {v}",
                        s.labels
                    );
                }
            }
        }
    }
}
