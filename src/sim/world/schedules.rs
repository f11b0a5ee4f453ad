//! The MS5 CronJobs' schedules and how long their scheduled runs take. The world's past Jobs
//! and the exporters' gauges are both made from these, so a Job's `completionTime` and the
//! last-success gauge agree to the second.

use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use croner::Cron;

/// A CronJob of the MS5 platform and the work its scheduled runs do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scheduled {
    pub cronjob: &'static str,
    pub schedule: &'static str,
    pub image: &'static str,
    /// The container's name, which is also the kind of work (`backup`, `restore`,
    /// `validation`).
    pub role: &'static str,
    /// Seconds from a scheduled run's start to its completion.
    pub runs_for: i64,
    /// Pods that may fail before the Job does: a restore test's verdict is not retried.
    pub backoff_limit: i64,
}

/// The Job controller starts a run's Job this long after its scheduled time.
pub const START_DELAY: i64 = 1;

pub const BACKUP: Scheduled = Scheduled {
    cronjob: "postgres-backup",
    schedule: "0 2 * * *",
    image: "ms5acr.azurecr.io/ms5-backup:2.3.0",
    role: "backup",
    runs_for: 240,
    backoff_limit: 2,
};

pub const RESTORE_TEST: Scheduled = Scheduled {
    cronjob: "postgres-restore-test",
    schedule: "0 4 * * 0",
    image: "ms5acr.azurecr.io/ms5-backup:2.3.0",
    role: "restore",
    runs_for: 540,
    backoff_limit: 0,
};

pub const VALIDATION: Scheduled = Scheduled {
    cronjob: "phase9-validation",
    schedule: "0 */6 * * *",
    image: "ms5acr.azurecr.io/ms5-validation:1.0.4",
    role: "validation",
    runs_for: 95,
    backoff_limit: 2,
};

pub const ALL: [Scheduled; 3] = [BACKUP, RESTORE_TEST, VALIDATION];

/// Seconds from a scheduled time to the run's completion.
pub fn completes_after(runs_for: i64) -> i64 {
    START_DELAY + runs_for
}

impl Scheduled {
    pub fn started(&self, scheduled: DateTime<Utc>) -> DateTime<Utc> {
        scheduled + Duration::seconds(START_DELAY)
    }

    pub fn finished(&self, scheduled: DateTime<Utc>) -> DateTime<Utc> {
        scheduled + Duration::seconds(completes_after(self.runs_for))
    }

    /// The scheduled times of the last `count` runs that had finished by `now`, newest first
    /// (croner reads the schedule, as the CronJob controller does). A run still going at `now`
    /// is not among them: the controller starts it when the sim does.
    pub fn finished_runs(&self, now: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        let Ok(cron) = Cron::from_str(self.schedule) else {
            return Vec::new();
        };
        let mut runs = Vec::new();
        let mut from = now - Duration::seconds(completes_after(self.runs_for));
        while runs.len() < count {
            match cron.find_previous_occurrence(&from, runs.is_empty()) {
                Ok(t) => {
                    runs.push(t);
                    from = t;
                }
                Err(_) => break,
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn a_run_still_going_is_not_among_the_finished_ones() {
        let runs = BACKUP.finished_runs(at("2026-11-30T02:03:00Z"), 2);
        assert_eq!(
            runs,
            [at("2026-11-29T02:00:00Z"), at("2026-11-28T02:00:00Z")]
        );
        let runs = BACKUP.finished_runs(at("2026-11-30T02:04:01Z"), 1);
        assert_eq!(runs, [at("2026-11-30T02:00:00Z")]);
        assert_eq!(
            BACKUP.finished(runs[0]),
            at("2026-11-30T02:04:01Z"),
            "started a second after its time, ran 240 s"
        );
    }

    #[test]
    fn the_restore_test_runs_on_sundays() {
        // 2026-11-29 is a Sunday.
        let runs = RESTORE_TEST.finished_runs(at("2026-11-30T12:00:00Z"), 2);
        assert_eq!(
            runs,
            [at("2026-11-29T04:00:00Z"), at("2026-11-22T04:00:00Z")]
        );
    }
}
