//! What a database's row is made of: its figures, each with a verdict, and what they are judged
//! from; and the small rules every figure shares (ages in words, a limit's 20 % warning band,
//! a gauge's 0 meaning never).

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::batch::v1::{CronJob, Job};

use super::BackupDefinition;
use super::reading::BackupReading;
use super::runs::{Concluded, Run};
use crate::model::age::human_duration;

/// A Kubernetes time and the gauge's may differ this much before they are said to disagree
/// (exporters round, and report a little after the Job completes).
pub(super) const TOLERANCE: chrono::Duration = chrono::Duration::seconds(120);

/// How a figure stands against its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Nothing to judge it against, or not known.
    Unknown,
    Ok,
    /// Within 20 % of its limit.
    Warning,
    Breached,
}

/// One line of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FigureLine {
    pub label: &'static str,
    /// The figure as measured: `30h ago (Jul 4 02:04 UTC)`.
    pub value: String,
    /// The judgement in words: `RPO BREACHED 30h > 24h`, `within RPO 24h`.
    pub judged: String,
    /// Where it came from and how fresh: `k8s watch: live`, `prometheus: 12s ago`.
    pub source: String,
    pub verdict: Verdict,
    /// The figure in a word for one-line summaries: the age (`36h`) where it is one.
    pub short: String,
}

/// The data a row is judged from.
pub struct Inputs<'a> {
    pub def: &'a BackupDefinition,
    /// Whether the database's namespace is watched (else nothing from Kubernetes is known).
    pub watched: bool,
    /// The Jobs watch's freshness in words (`k8s watch: live`).
    pub kube_source: String,
    pub cronjobs: Vec<&'a CronJob>,
    pub jobs: Vec<&'a Job>,
    /// The last good reading of its metrics, if any.
    pub metrics: Option<&'a BackupReading>,
    /// The metrics' freshness in words (`prometheus: 12s ago`, `prometheus: stale, last good
    /// 5m ago`), and whether they are stale.
    pub metrics_source: String,
    pub metrics_stale: bool,
    /// Firing alerts about the database.
    pub alerts: Vec<String>,
    /// The drills and backups this console concluded (the audit log), any CronJob's.
    pub conclusions: Vec<Concluded>,
    /// How each Job's newest pod's container ended, by Job name (`terminated: Error (exit
    /// 1)`), from the pods watch.
    pub job_pods: Vec<(String, String)>,
    pub now: DateTime<Utc>,
}

/// A database's row, judged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRow {
    pub name: String,
    pub namespace: String,
    /// What stands in the way of the Kubernetes figures (a CronJob not found, the namespace
    /// not watched).
    pub problems: Vec<String>,
    pub figures: Vec<FigureLine>,
    pub alerts: Vec<String>,
    /// The backup CronJob's runs and the restore test's, newest first.
    pub backups: Vec<Run>,
    pub restores: Vec<Run>,
    /// The RPO, WAL lag and drill policy in words (`24h`, `5m`, `7d`), for summaries.
    pub limits: (String, String, String),
}

impl BackupRow {
    /// The row's worst figure (a firing alert counts as breached).
    pub fn verdict(&self) -> Verdict {
        let worst = self.figures.iter().map(|f| f.verdict).max();
        let mut worst = worst.unwrap_or(Verdict::Unknown);
        // What could not be looked at is never OK.
        if !self.problems.is_empty() {
            worst = worst.max(Verdict::Warning);
        }
        if self.alerts.is_empty() {
            worst
        } else {
            worst.max(Verdict::Breached)
        }
    }

    pub fn figure(&self, label: &str) -> Option<&FigureLine> {
        self.figures.iter().find(|f| f.label == label)
    }
}

pub(super) fn age_words(age: chrono::Duration) -> String {
    human_duration(age.num_seconds().max(0) as u64)
}

pub(super) fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} ago ({})",
        age_words(now - at),
        at.format("%b %-d %H:%M")
    )
}

/// An age judged against a limit: breached past it, a warning within 20 % of it.
pub(super) fn judge_age(age: chrono::Duration, limit: Duration, name: &str) -> (Verdict, String) {
    let limit_s = limit.as_secs() as i64;
    let age_s = age.num_seconds();
    let limit_words = human_duration(limit.as_secs());
    if age_s > limit_s {
        (
            Verdict::Breached,
            format!(
                "{} BREACHED {} > {limit_words}",
                name.to_uppercase(),
                age_words(age)
            ),
        )
    } else if age_s * 5 > limit_s * 4 {
        (
            Verdict::Warning,
            format!("near {name} {} of {limit_words}", age_words(age)),
        )
    } else {
        (Verdict::Ok, format!("within {name} {limit_words}"))
    }
}

pub(super) fn gauge_time(value: f64) -> Option<DateTime<Utc>> {
    (value.is_finite() && value > 0.0)
        .then(|| DateTime::from_timestamp(value as i64, 0))
        .flatten()
}

/// The next time `schedule` fires in `zone` (an IANA name, as `spec.timeZone`), after `now`.
pub fn next_occurrence(
    schedule: &str,
    zone: &str,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, String> {
    let cron = croner::Cron::from_str(schedule).map_err(|e| e.to_string())?;
    let tz: chrono_tz::Tz = zone
        .parse()
        .map_err(|_| format!("unknown time zone {zone:?}"))?;
    cron.find_next_occurrence(&now.with_timezone(&tz), false)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| e.to_string())
}
