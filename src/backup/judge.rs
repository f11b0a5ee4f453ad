//! Each figure of a database's row, judged: the newest good backup (the Jobs compared with the
//! gauge), the last attempt, WAL archiving, the next run, failed runs, retention, the secondary
//! copy and the last restore test. `figures::judge` calls them in the row's order.

use chrono::{DateTime, Utc};
use k8s_openapi::api::batch::v1::CronJob;

use super::Figure;
use super::row::{
    FigureLine, Inputs, TOLERANCE, Verdict, age_words, gauge_time, judge_age, next_occurrence, when,
};
use super::runs::{Outcome, Run};
use crate::model::age::human_duration;

pub(super) struct Judge<'a> {
    pub(super) inputs: &'a Inputs<'a>,
    pub(super) figures: Vec<FigureLine>,
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
    pub(super) fn last_backup(&mut self, cronjob: Option<&CronJob>, runs: &[Run]) {
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

    pub(super) fn last_attempt(&mut self, runs: &[Run]) {
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

    pub(super) fn wal(&mut self) {
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

    pub(super) fn next_run(&mut self, cronjob: &CronJob) {
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

    pub(super) fn failed_runs(&mut self, runs: &[Run]) {
        let now = self.now();
        let failed: Vec<&Run> = runs
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::Failed { .. }))
            .collect();
        let mut value = format!("{} of {} Jobs kept", failed.len(), runs.len());
        let mut source = self.kube_source();
        // One last failure for the row: a Job the watch saw fail after the exporter's gauge
        // (it reports late) is the last failure, and the lagging gauge is named beside it,
        // never left to say "16h ago" under an attempt that "FAILED 7s ago".
        let job_failed = failed
            .iter()
            .filter_map(|r| match r.outcome {
                Outcome::Failed { at, .. } => Some(at),
                _ => None,
            })
            .max();
        if let Ok(v) = self.metric(Figure::LastFailure) {
            source = format!("{source} + {}", self.metric_source());
            let gauge = gauge_time(v);
            match (job_failed, gauge) {
                (Some(job), gauge) if gauge.is_none_or(|g| job - g > TOLERANCE) => {
                    value.push_str(&format!("; last failure {}", when(job, now)));
                    match gauge {
                        Some(g) => {
                            value.push_str(&format!(" (metric behind: {} ago)", age_words(now - g)))
                        }
                        None => value.push_str(" (metric behind: never)"),
                    }
                }
                (_, Some(at)) => value.push_str(&format!("; last failure {}", when(at, now))),
                (_, None) => value.push_str("; never failed (metric)"),
            }
        } else if let Some(at) = job_failed {
            value.push_str(&format!("; last failure {}", when(at, now)));
        }
        let verdict = if failed.is_empty() {
            Verdict::Ok
        } else {
            Verdict::Warning
        };
        self.push("failed runs", value, (verdict, String::new()), source);
    }

    pub(super) fn retention(&mut self) {
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

    pub(super) fn replica(&mut self) {
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
    pub(super) fn last_restore(&mut self, runs: &[Run]) {
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
