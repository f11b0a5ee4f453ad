//! One database's row of `:backups`: each figure from the cluster's Jobs and CronJobs and from
//! Prometheus' gauges, with its source and freshness, judged against the database's policy.
//! Where Kubernetes and a metric disagree, both are shown and the disagreement is named.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use k8s_openapi::api::batch::v1::{CronJob, Job};

use super::reading::BackupReading;
use super::runs::{Concluded, Outcome, Run, merge, runs_of};
use super::{BackupDefinition, Figure};
use crate::model::age::human_duration;

/// A Kubernetes time and the gauge's may differ this much before they are said to disagree
/// (exporters round, and report a little after the Job completes).
const TOLERANCE: chrono::Duration = chrono::Duration::seconds(120);

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

fn age_words(age: chrono::Duration) -> String {
    human_duration(age.num_seconds().max(0) as u64)
}

fn when(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    format!(
        "{} ago ({})",
        age_words(now - at),
        at.format("%b %-d %H:%M")
    )
}

/// An age judged against a limit: breached past it, a warning within 20 % of it.
fn judge_age(age: chrono::Duration, limit: Duration, name: &str) -> (Verdict, String) {
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

fn gauge_time(value: f64) -> Option<DateTime<Utc>> {
    (value.is_finite() && value > 0.0)
        .then(|| DateTime::from_timestamp(value as i64, 0))
        .flatten()
}

struct Judge<'a> {
    inputs: &'a Inputs<'a>,
    figures: Vec<FigureLine>,
}

impl Judge<'_> {
    fn now(&self) -> DateTime<Utc> {
        self.inputs.now
    }

    fn metric(&self, figure: Figure) -> Result<f64, String> {
        match self.inputs.metrics {
            Some(m) => m
                .value(figure)
                .ok_or_else(|| m.missing(figure).unwrap_or_default()),
            None if self
                .inputs
                .def
                .queries
                .all()
                .iter()
                .any(|(f, _)| *f == figure) =>
            {
                Err("no answer yet".into())
            }
            None => Err("not configured".into()),
        }
    }

    fn push(
        &mut self,
        label: &'static str,
        value: String,
        judged: (Verdict, String),
        source: String,
    ) {
        let (verdict, judged) = judged;
        let short = match value.split_once(" ago") {
            Some((age, _)) => age.trim_start_matches("k8s ").to_string(),
            None => value
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string(),
        };
        self.figures.push(FigureLine {
            label,
            value,
            judged,
            source,
            verdict,
            short,
        });
    }

    fn metric_source(&self) -> String {
        self.inputs.metrics_source.clone()
    }

    fn kube_source(&self) -> String {
        self.inputs.kube_source.clone()
    }

    /// The newest good backup: from the Jobs (first-hand) and the gauge, compared.
    fn last_backup(&mut self, cronjob: Option<&CronJob>, runs: &[Run]) {
        let now = self.now();
        let rpo = self.inputs.def.rpo;
        let newest_ok = runs.iter().find_map(|r| r.succeeded_at().map(|at| (at, r)));
        let newest_scheduled = runs
            .iter()
            .filter(|r| !r.manual)
            .find_map(Run::succeeded_at)
            .or_else(|| {
                cronjob
                    .and_then(|c| c.status.as_ref())
                    .and_then(|s| s.last_successful_time.as_ref())
                    .map(crate::model::age::k8s_time)
            });
        let kube = newest_ok.map(|(at, _)| at).or(newest_scheduled);
        let gauge = self.metric(Figure::LastSuccess);
        let gauge_at = gauge.as_ref().ok().and_then(|v| gauge_time(*v));
        let Some(at) = kube.or(gauge_at) else {
            let why = match &gauge {
                Err(e) => format!("no successful backup known (metric: {e})"),
                Ok(_) => "no successful backup known".into(),
            };
            self.push(
                "last backup",
                "none".into(),
                (Verdict::Breached, why),
                self.kube_source(),
            );
            return;
        };
        let (mut verdict, mut judged) = judge_age(now - at, rpo, "RPO");
        let mut value = when(at, now);
        let mut source = if kube.is_some() {
            self.kube_source()
        } else {
            self.metric_source()
        };
        if let Some((_, run)) = newest_ok.filter(|(_, r)| r.manual)
            && newest_scheduled.is_none_or(|s| s < at)
        {
            value.push_str(&format!(", manual run {}", run.name));
            judged.push_str("; metric not yet updated (manual run)");
        }
        match (newest_scheduled, gauge_at) {
            (Some(k), Some(g)) if (k - g).abs() > TOLERANCE => {
                value = format!("k8s {} vs metric {}", when(k, now), when(g, now));
                judged = format!(
                    "{judged}; k8s and metric DISAGREE by {}",
                    age_words((k - g).abs())
                );
                verdict = verdict.max(Verdict::Warning);
                source = format!("{} + {}", self.kube_source(), self.metric_source());
            }
            (Some(_), Some(_)) => {
                source = format!("{} + {}", self.kube_source(), self.metric_source());
            }
            (None, Some(_)) if kube.is_none() => {}
            (_, None) if self.inputs.def.queries.last_success.is_some() => {
                let why = gauge.err().unwrap_or_default();
                source = format!("{}; metric: {why}", self.kube_source());
            }
            _ => {}
        }
        self.push("last backup", value, (verdict, judged), source);
    }

    fn last_attempt(&mut self, runs: &[Run]) {
        let now = self.now();
        let Some(newest) = runs.first() else {
            self.push(
                "last attempt",
                "no Jobs kept".into(),
                (Verdict::Unknown, String::new()),
                self.kube_source(),
            );
            return;
        };
        let by = if newest.manual { "manual" } else { "scheduled" };
        let (value, judged) = match &newest.outcome {
            Outcome::Running => {
                let since = newest.started.or(newest.created).unwrap_or(now);
                (
                    format!("{} running for {}", newest.name, age_words(now - since)),
                    (Verdict::Ok, format!("{by}, in progress")),
                )
            }
            Outcome::Complete { at } => (
                format!("{} Complete {}", newest.name, when(*at, now)),
                (
                    Verdict::Ok,
                    match newest.took() {
                        Some(t) => format!("{by}, took {}", age_words(t)),
                        None => by.to_string(),
                    },
                ),
            ),
            Outcome::Failed { at, reason } => {
                let mut why = format!("{by}: {reason}");
                if let Some((_, state)) =
                    self.inputs.job_pods.iter().find(|(j, _)| *j == newest.name)
                {
                    why.push_str(&format!(", its pod {state}"));
                }
                (
                    format!("{} FAILED {}", newest.name, when(*at, now)),
                    (Verdict::Breached, why),
                )
            }
        };
        self.push("last attempt", value, judged, self.kube_source());
    }

    fn wal(&mut self) {
        let now = self.now();
        match self.metric(Figure::Wal) {
            Ok(v) => match gauge_time(v) {
                Some(at) => {
                    let judged = judge_age(now - at, self.inputs.def.wal_lag, "WAL lag");
                    self.push("WAL archived", when(at, now), judged, self.metric_source());
                }
                None => self.push(
                    "WAL archived",
                    "never".into(),
                    (Verdict::Breached, "no WAL segment archived".into()),
                    self.metric_source(),
                ),
            },
            Err(e) => self.push(
                "WAL archived",
                "unknown".into(),
                (Verdict::Unknown, e),
                self.metric_source(),
            ),
        }
    }

    fn next_run(&mut self, cronjob: &CronJob) {
        let spec = cronjob.spec.as_ref();
        let schedule = spec.map(|s| s.schedule.clone()).unwrap_or_default();
        let zone = spec
            .and_then(|s| s.time_zone.clone())
            .unwrap_or_else(|| "UTC".into());
        let suspended = spec.and_then(|s| s.suspend).unwrap_or(false);
        let (value, judged) = if suspended {
            (
                format!("suspended ({schedule})"),
                (Verdict::Warning, "SUSPENDED: no scheduled runs".into()),
            )
        } else {
            match next_occurrence(&schedule, &zone, self.now()) {
                Ok(next) => (
                    format!(
                        "in {} ({})",
                        age_words(next - self.now()),
                        next.format("%b %-d %H:%M")
                    ),
                    (Verdict::Ok, format!("{schedule} {zone}")),
                ),
                Err(e) => (
                    "unknown".into(),
                    (Verdict::Warning, format!("schedule {schedule:?}: {e}")),
                ),
            }
        };
        self.push("next run", value, judged, self.kube_source());
    }

    fn failed_runs(&mut self, runs: &[Run]) {
        let now = self.now();
        let failed: Vec<&Run> = runs
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
            .collect();
        let mut value = format!("{} of {} Jobs kept", failed.len(), runs.len());
        let mut source = self.kube_source();
        if let Ok(v) = self.metric(Figure::LastFailure) {
            source = format!("{source} + {}", self.metric_source());
            match gauge_time(v) {
                Some(at) => value.push_str(&format!("; last failure {}", when(at, now))),
                None => value.push_str("; never failed (metric)"),
            }
        }
        let verdict = if failed.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Warning
        };
        self.push("failed runs", value, (verdict, String::new()), source);
    }

    fn retention(&mut self) {
        let now = self.now();
        let policy = &self.inputs.def.retention;
        if policy.is_empty() && self.inputs.def.queries.retained.is_none() {
            return;
        }
        let Some(metrics) = self.inputs.metrics else {
            self.push(
                "retention",
                "unknown".into(),
                (Verdict::Unknown, "no metrics yet".into()),
                self.metric_source(),
            );
            return;
        };
        let mut parts = Vec::new();
        let mut verdict = Verdict::Ok;
        let mut judged = Vec::new();
        for (location, limit) in ["local", "cloud"]
            .into_iter()
            .zip(policy.iter().map(Some).chain(std::iter::repeat(None)))
        {
            let kept = metrics.at(Figure::Retained, location);
            let oldest = metrics.at(Figure::Oldest, location).and_then(gauge_time);
            if kept.is_none() && oldest.is_none() {
                continue;
            }
            let mut part = format!(
                "{location} {}",
                kept.map_or("?".into(), |k| format!("{k:.0}"))
            );
            if let Some(o) = oldest {
                part.push_str(&format!(" (oldest {})", age_words(now - o)));
                if let Some(limit) = limit {
                    // A backup interval short of the policy is still the policy kept.
                    let covered = (now - o).num_seconds() + self.inputs.def.rpo.as_secs() as i64;
                    if covered < limit.as_secs() as i64 {
                        verdict = Verdict::Warning;
                        judged.push(format!(
                            "{location} keeps {} < {}",
                            age_words(now - o),
                            human_duration(limit.as_secs())
                        ));
                    } else {
                        judged.push(format!(
                            "{location} {} kept",
                            human_duration(limit.as_secs())
                        ));
                    }
                }
            }
            parts.push(part);
        }
        if parts.is_empty() {
            let why = metrics
                .missing(Figure::Retained)
                .unwrap_or_else(|| "no series by location".into());
            self.push(
                "retention",
                "unknown".into(),
                (Verdict::Unknown, why),
                self.metric_source(),
            );
            return;
        }
        self.push(
            "retention",
            parts.join(", "),
            (verdict, judged.join(", ")),
            self.metric_source(),
        );
    }

    fn replica(&mut self) {
        if self.inputs.def.queries.replica.is_none() {
            self.push(
                "secondary copy",
                "not configured".into(),
                (Verdict::Unknown, "set replica = '...' in [[backup]]".into()),
                "config".into(),
            );
            return;
        }
        let now = self.now();
        match self.metric(Figure::Replica).map(gauge_time) {
            Ok(Some(at)) => {
                let judged = judge_age(now - at, self.inputs.def.rpo, "RPO");
                self.push(
                    "secondary copy",
                    when(at, now),
                    judged,
                    self.metric_source(),
                );
            }
            Ok(None) => self.push(
                "secondary copy",
                "never".into(),
                (Verdict::Breached, "no copy in the secondary region".into()),
                self.metric_source(),
            ),
            Err(e) => self.push(
                "secondary copy",
                "unknown".into(),
                (Verdict::Unknown, e),
                self.metric_source(),
            ),
        }
    }

    /// The last restore test that passed (scheduled or a drill), judged against drill-every;
    /// its RTO from the Job's own times; the gauge of the scheduled runs beside it.
    fn last_restore(&mut self, runs: &[Run]) {
        let now = self.now();
        let def = self.inputs.def;
        // A drill the console concluded as failed (its log's verdict) did not pass, whatever
        // its Job says.
        let newest_ok = runs
            .iter()
            .find(|r| r.succeeded_at().is_some() && r.concluded.as_ref().is_none_or(|c| c.passed));
        let gauge = self.metric(Figure::RestoreLastSuccess);
        let gauge_at = gauge.as_ref().ok().and_then(|v| gauge_time(*v));
        let result = self.metric(Figure::RestoreResult).ok();
        let mut source = self.kube_source();
        let (at, value) = match (newest_ok, gauge_at) {
            (Some(run), _) => {
                let at = run.succeeded_at().unwrap_or(now);
                let mut value = when(at, now);
                if let Some(took) = run.took() {
                    value.push_str(&format!(", RTO {}", age_words(took)));
                }
                if run.manual {
                    value.push_str(" (drill)");
                }
                (Some(at), value)
            }
            (None, Some(g)) => {
                source = self.metric_source();
                (Some(g), format!("{} (metric)", when(g, now)))
            }
            (None, None) => (None, "none known".into()),
        };
        let (mut verdict, mut judged) = match at {
            Some(at) => judge_age(now - at, def.drill_every, "drill policy"),
            None => (Verdict::Breached, "no passing restore test known".into()),
        };
        if let Some(run) = newest_ok
            && let (Some(target), Some(took)) = (def.rto, run.took())
            && took.num_seconds() > target.as_secs() as i64
        {
            verdict = Verdict::Breached;
            judged.push_str(&format!(
                "; RTO BREACHED {} > {}",
                age_words(took),
                human_duration(target.as_secs())
            ));
        }
        if let Some(failed) = runs
            .first()
            .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
        {
            verdict = verdict.max(Verdict::Breached);
            judged.push_str(&format!("; newest {} FAILED", failed.name));
        }
        if let Some(g) = gauge_at {
            if newest_ok.is_some() {
                source = format!("{source} + {}", self.metric_source());
            }
            if newest_ok.is_some() {
                let scheduled = runs
                    .iter()
                    .filter(|r| !r.manual)
                    .find_map(Run::succeeded_at);
                if let Some(k) = scheduled
                    && (k - g).abs() > TOLERANCE
                {
                    verdict = verdict.max(Verdict::Warning);
                    judged.push_str(&format!(
                        "; metric says {}: DISAGREE by {}",
                        when(g, now),
                        age_words((k - g).abs())
                    ));
                }
            }
            source.push_str(" (scheduled runs)");
        }
        if result == Some(0.0) {
            verdict = verdict.max(Verdict::Breached);
            judged.push_str("; last scheduled test FAILED (metric)");
        }
        self.push("last restore test", value, (verdict, judged), source);
    }
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

fn named<'a>(cronjobs: &[&'a CronJob], namespace: &str, name: &str) -> Option<&'a CronJob> {
    cronjobs.iter().copied().find(|c| {
        c.metadata.name.as_deref() == Some(name)
            && c.metadata.namespace.as_deref() == Some(namespace)
    })
}

/// Judges one database's row.
pub fn judge(inputs: &Inputs) -> BackupRow {
    let def = inputs.def;
    let mut problems = Vec::new();
    let mut judge = Judge {
        inputs,
        figures: Vec::new(),
    };
    let backup_cronjob = named(&inputs.cronjobs, &def.namespace, &def.backup_cronjob);
    let restore_cronjob = def
        .restore_test_cronjob
        .as_deref()
        .and_then(|n| named(&inputs.cronjobs, &def.namespace, n));
    let in_ns = || {
        inputs
            .jobs
            .iter()
            .copied()
            .filter(|j| j.metadata.namespace.as_deref() == Some(def.namespace.as_str()))
    };
    let concluded_for = |name: &str| -> Vec<Concluded> {
        let target = format!("cronjob {}/{name}", def.namespace);
        inputs
            .conclusions
            .iter()
            .filter(|c| c.target == target)
            .cloned()
            .collect()
    };
    let backups = merge(
        backup_cronjob
            .map(|c| runs_of(c, in_ns()))
            .unwrap_or_default(),
        &concluded_for(&def.backup_cronjob),
    );
    let restores = merge(
        restore_cronjob
            .map(|c| runs_of(c, in_ns()))
            .unwrap_or_default(),
        &def.restore_test_cronjob
            .as_deref()
            .map(concluded_for)
            .unwrap_or_default(),
    );
    if !inputs.watched {
        problems.push(format!(
            "namespace {} is not watched: :ns {} adds it",
            def.namespace, def.namespace
        ));
    } else {
        if backup_cronjob.is_none() {
            problems.push(format!(
                "CronJob {}/{} not found",
                def.namespace, def.backup_cronjob
            ));
        }
        if let Some(name) = &def.restore_test_cronjob
            && restore_cronjob.is_none()
        {
            problems.push(format!("CronJob {}/{name} not found", def.namespace));
        }
    }
    judge.last_backup(backup_cronjob, &backups);
    judge.last_attempt(&backups);
    judge.wal();
    if let Some(c) = backup_cronjob {
        judge.next_run(c);
    }
    judge.failed_runs(&backups);
    judge.retention();
    judge.replica();
    if def.restore_test_cronjob.is_some() || def.queries.restore_last_success.is_some() {
        judge.last_restore(&restores);
    }
    if inputs.metrics_stale {
        for f in judge
            .figures
            .iter_mut()
            .filter(|f| f.source.contains("prom") && !f.source.contains("k8s"))
        {
            f.verdict = f.verdict.max(Verdict::Warning);
        }
    }
    BackupRow {
        name: def.name.clone(),
        namespace: def.namespace.clone(),
        problems,
        figures: judge.figures,
        alerts: inputs.alerts.clone(),
        backups,
        restores,
        limits: (
            human_duration(def.rpo.as_secs()),
            human_duration(def.wal_lag.as_secs()),
            human_duration(def.drill_every.as_secs()),
        ),
    }
}

#[cfg(test)]
#[path = "figures_tests.rs"]
mod tests;
