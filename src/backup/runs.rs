//! A CronJob's Jobs as runs: when each started and ended, how, and whether the CronJob
//! scheduled it or someone started it by hand (`kubectl create job --from`, a console drill).

use chrono::{DateTime, Utc};
use k8s_openapi::api::batch::v1::{CronJob, Job};

use crate::model::age::k8s_time;

pub use crate::ops::cronrun::MANUAL_ANNOTATION;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Running,
    Complete { at: DateTime<Utc> },
    Failed { at: DateTime<Utc>, reason: String },
}

/// One Job of a CronJob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub name: String,
    pub uid: String,
    pub manual: bool,
    pub created: Option<DateTime<Utc>>,
    pub started: Option<DateTime<Utc>>,
    pub outcome: Outcome,
    /// What the console concluded when it followed this run (from the audit log), if it did.
    pub concluded: Option<Concluded>,
    /// Known from the audit log alone: the CronJob's history limit has pruned the Job.
    pub pruned: bool,
}

/// A drill or on-demand backup the console followed to its end, as its `concluded` audit
/// line records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concluded {
    pub write: String,
    /// The CronJob it was made from, as the audit log names it (`cronjob NS/NAME`).
    pub target: String,
    /// The cluster it ran in: the kubeconfig context and API server of its plan.
    pub context: String,
    pub server: String,
    /// Who ran the console.
    pub who: String,
    pub job: String,
    pub uid: String,
    pub passed: bool,
    /// The result in words (`PASS: ...; RTO 42 s`).
    pub words: String,
    pub rto_seconds: Option<i64>,
    pub started: Option<DateTime<Utc>>,
    pub ended: Option<DateTime<Utc>>,
}

impl Concluded {
    /// A `concluded` audit line of a drill or backup, if `record` is one.
    pub fn of(record: &crate::ops::audit::record::AuditRecord) -> Option<Concluded> {
        if record.phase != crate::ops::audit::record::Phase::Concluded
            || !matches!(record.action.as_str(), "restore-drill" | "backup-now")
        {
            return None;
        }
        let p = &record.parameters;
        let time = |v: &serde_json::Value| {
            v.as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc))
        };
        Some(Concluded {
            write: record.write.clone(),
            target: record.target.clone(),
            context: record.kube.as_ref()?.object.context.clone(),
            server: record.kube.as_ref()?.object.server.clone(),
            who: record.local_user.clone(),
            job: p["job"].as_str()?.to_string(),
            uid: p["uid"].as_str().unwrap_or_default().to_string(),
            passed: p["result"] == "PASS",
            words: record.result.clone().unwrap_or_default(),
            // Lines written before backups stopped carrying one: an RTO is a restore's only.
            rto_seconds: p["rtoSeconds"]
                .as_i64()
                .filter(|_| record.action == "restore-drill"),
            started: time(&p["startTime"]),
            ended: time(&p["endTime"]),
        })
    }
}

/// The runs of a CronJob merged with the console's conclusions about them, by Job uid: a run
/// concluded gets its conclusion; a conclusion whose Job is pruned becomes a run of its own;
/// newest first.
pub fn merge(mut runs: Vec<Run>, conclusions: &[Concluded]) -> Vec<Run> {
    for c in conclusions {
        match runs
            .iter_mut()
            .find(|r| !c.uid.is_empty() && r.uid == c.uid)
        {
            Some(run) => run.concluded = Some(c.clone()),
            None => runs.push(Run {
                name: c.job.clone(),
                uid: c.uid.clone(),
                manual: true,
                created: c.started,
                started: c.started,
                outcome: match (c.passed, c.ended) {
                    (true, Some(at)) => Outcome::Complete { at },
                    (false, Some(at)) => Outcome::Failed {
                        at,
                        // The audit line has the verdict, not the Job's reason.
                        reason: String::new(),
                    },
                    _ => Outcome::Running,
                },
                concluded: Some(c.clone()),
                pruned: true,
            }),
        }
    }
    runs.sort_by(|a, b| b.when().cmp(&a.when()).then(b.name.cmp(&a.name)));
    runs
}

impl Run {
    pub fn of(job: &Job) -> Run {
        let meta = &job.metadata;
        let status = job.status.as_ref();
        let condition = |kind: &str| {
            status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .find(|c| c.type_ == kind && c.status == "True")
        };
        let outcome = if let Some(c) = condition("Complete") {
            let at = status
                .and_then(|s| s.completion_time.as_ref())
                .or(c.last_transition_time.as_ref())
                .map(k8s_time);
            at.map_or(Outcome::Running, |at| Outcome::Complete { at })
        } else if let Some(c) = condition("Failed") {
            let at = c.last_transition_time.as_ref().map(k8s_time);
            let reason = c.reason.clone().unwrap_or_else(|| "Failed".into());
            at.map_or(Outcome::Running, |at| Outcome::Failed { at, reason })
        } else {
            Outcome::Running
        };
        Run {
            name: meta.name.clone().unwrap_or_default(),
            uid: meta.uid.clone().unwrap_or_default(),
            manual: meta
                .annotations
                .as_ref()
                .and_then(|a| a.get(MANUAL_ANNOTATION))
                .is_some_and(|v| v == "manual"),
            created: meta.creation_timestamp.as_ref().map(k8s_time),
            started: status.and_then(|s| s.start_time.as_ref()).map(k8s_time),
            outcome,
            concluded: None,
            pruned: false,
        }
    }

    pub fn ended(&self) -> Option<DateTime<Utc>> {
        match &self.outcome {
            Outcome::Running => None,
            Outcome::Complete { at } | Outcome::Failed { at, .. } => Some(*at),
        }
    }

    /// From the Job's start to its end: a restore's RTO.
    pub fn took(&self) -> Option<chrono::Duration> {
        Some(self.ended()? - self.started?)
    }

    pub fn succeeded_at(&self) -> Option<DateTime<Utc>> {
        match self.outcome {
            Outcome::Complete { at } => Some(at),
            _ => None,
        }
    }

    /// When it was made or started, whichever is known: for ordering.
    pub fn when(&self) -> Option<DateTime<Utc>> {
        self.created.or(self.started)
    }
}

/// The Jobs `cronjob` owns among `jobs`, newest first.
pub fn runs_of<'a>(cronjob: &CronJob, jobs: impl Iterator<Item = &'a Job>) -> Vec<Run> {
    let uid = cronjob.metadata.uid.as_deref();
    let mut runs: Vec<Run> = jobs
        .filter(|j| {
            j.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.kind == "CronJob" && Some(o.uid.as_str()) == uid)
        })
        .map(Run::of)
        .collect();
    runs.sort_by(|a, b| b.when().cmp(&a.when()).then(b.name.cmp(&a.name)));
    runs
}
