//! A Job made from a CronJob by hand: a restore drill (from the restore-test CronJob) or an
//! on-demand backup (from the backup CronJob), exactly as `kubectl create job NAME
//! --from=cronjob/CRONJOB` makes it: the CronJob's `jobTemplate.spec` as its spec, the
//! template's labels, its annotations plus `cronjob.kubernetes.io/instantiate: manual`, and a
//! controller reference to the CronJob. The name is fixed when the plan is made, so a request
//! sent twice cannot start two.

use chrono::{DateTime, Utc};
use k8s_openapi::api::batch::v1::CronJob;
use serde_json::{Value, json};

/// The annotation `kubectl create job --from=cronjob/...` puts on the Jobs it makes.
pub const MANUAL_ANNOTATION: &str = "cronjob.kubernetes.io/instantiate";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CronRunKind {
    /// A restore drill, from the restore-test CronJob.
    Drill,
    /// An on-demand backup, from the backup CronJob.
    Backup,
}

impl CronRunKind {
    /// The audit log's action name.
    pub fn verb(self) -> &'static str {
        match self {
            CronRunKind::Drill => "restore-drill",
            CronRunKind::Backup => "backup-now",
        }
    }

    /// The Event recorded on the CronJob.
    pub fn event_reason(self) -> &'static str {
        match self {
            CronRunKind::Drill => "RestoreDrillStarted",
            CronRunKind::Backup => "BackupRequested",
        }
    }

    /// What the Job's name says it is: `postgres-restore-test-drill-20261130-143512`.
    fn suffix(self) -> &'static str {
        match self {
            CronRunKind::Drill => "drill",
            CronRunKind::Backup => "manual",
        }
    }

    /// What it is, with its article: `a restore drill`, `an on-demand backup`.
    pub fn words(self) -> &'static str {
        match self {
            CronRunKind::Drill => "a restore drill",
            CronRunKind::Backup => "an on-demand backup",
        }
    }
}

/// The Job to create, and what the plan says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct CronRun {
    pub kind: CronRunKind,
    pub cronjob: String,
    pub namespace: String,
    /// The Job as it will be sent.
    pub job: Value,
    /// What the plan tells the person first: what it restores, and its warnings (a run already
    /// going, a stale backup, a suspended CronJob).
    pub notes: Vec<String>,
    /// The database's RTO target, which the run's result is judged against.
    pub rto: Option<std::time::Duration>,
}

/// Longest name a Job may have and still be a label value (`job-name`).
const MAX_NAME: usize = 63;

impl CronRun {
    /// The run `kind` of `cronjob`, planned at `now`.
    pub fn new(
        kind: CronRunKind,
        cronjob: &CronJob,
        now: DateTime<Utc>,
    ) -> Result<CronRun, String> {
        let name = cronjob
            .metadata
            .name
            .clone()
            .ok_or("the CronJob has no name")?;
        let namespace = cronjob
            .metadata
            .namespace
            .clone()
            .ok_or("the CronJob has no namespace")?;
        let uid = cronjob
            .metadata
            .uid
            .clone()
            .ok_or("the CronJob has no uid")?;
        let template = &cronjob
            .spec
            .as_ref()
            .ok_or("the CronJob has no spec")?
            .job_template;
        let stamp = now.format("%Y%m%d-%H%M%S");
        let mut job_name = format!("{name}-{}-{stamp}", kind.suffix());
        if job_name.len() > MAX_NAME {
            // Keep the time, which makes it unique; shorten the CronJob's part.
            let keep = MAX_NAME - (job_name.len() - name.len());
            job_name = format!("{}-{}-{stamp}", &name[..keep], kind.suffix());
        }
        let meta = template.metadata.as_ref();
        let mut annotations = meta.and_then(|m| m.annotations.clone()).unwrap_or_default();
        annotations.insert(MANUAL_ANNOTATION.into(), "manual".into());
        let mut job = json!({
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {
                "name": job_name,
                "namespace": namespace,
                "annotations": annotations,
                // As kubectl sets it: a controller reference without blockOwnerDeletion,
                // which would need the cronjobs/finalizers permission.
                "ownerReferences": [{
                    "apiVersion": "batch/v1", "kind": "CronJob", "name": name, "uid": uid,
                    "controller": true,
                }],
            },
            "spec": serde_json::to_value(&template.spec).unwrap_or(Value::Null),
        });
        if let Some(labels) = meta.and_then(|m| m.labels.clone()) {
            job["metadata"]["labels"] = json!(labels);
        }
        Ok(CronRun {
            kind,
            cronjob: name,
            namespace,
            job,
            notes: Vec::new(),
            rto: None,
        })
    }

    pub fn job_name(&self) -> &str {
        self.job["metadata"]["name"].as_str().unwrap_or_default()
    }

    /// The first container's image and arguments, as the plan shows them.
    pub fn command(&self) -> (String, String) {
        let container = &self.job["spec"]["template"]["spec"]["containers"][0];
        let image = container["image"].as_str().unwrap_or("?").to_string();
        let words = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|a| a.as_str().map(String::from))
                .collect()
        };
        let mut argv = words(&container["command"]);
        argv.extend(words(&container["args"]));
        (image, argv.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cronjob() -> CronJob {
        serde_json::from_value(json!({
            "metadata": {"name": "postgres-restore-test", "namespace": "ms5-production", "uid": "u-1"},
            "spec": {"schedule": "0 4 * * 0", "jobTemplate": {
                "metadata": {"labels": {"app": "postgres-restore-test"}, "annotations": {"team": "data"}},
                "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never", "containers": [
                    {"name": "restore", "image": "ms5acr.azurecr.io/ms5-backup:2.3.0",
                     "args": ["/scripts/restore-test.sh", "--from=latest", "--verify"]}]}}}}}
        }))
        .expect("a CronJob")
    }

    #[test]
    fn the_job_is_the_one_kubectl_create_job_from_makes() {
        let now = "2026-11-30T14:35:12Z".parse().expect("time");
        let run = CronRun::new(CronRunKind::Drill, &cronjob(), now).expect("a run");
        assert_eq!(
            run.job_name(),
            "postgres-restore-test-drill-20261130-143512"
        );
        assert_eq!(
            run.job["metadata"]["annotations"],
            json!({"team": "data", "cronjob.kubernetes.io/instantiate": "manual"})
        );
        assert_eq!(
            run.job["metadata"]["labels"],
            json!({"app": "postgres-restore-test"})
        );
        assert_eq!(
            run.job["metadata"]["ownerReferences"],
            json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": "postgres-restore-test",
                    "uid": "u-1", "controller": true}])
        );
        assert_eq!(run.job["spec"]["backoffLimit"], 0);
        assert_eq!(
            run.command(),
            (
                "ms5acr.azurecr.io/ms5-backup:2.3.0".to_string(),
                "/scripts/restore-test.sh --from=latest --verify".to_string()
            )
        );
    }

    #[test]
    fn a_long_cronjob_name_is_shortened_to_a_valid_job_name_keeping_the_time() {
        let mut c = cronjob();
        c.metadata.name = Some("a".repeat(60));
        let now = "2026-11-30T14:35:12Z".parse().expect("time");
        let run = CronRun::new(CronRunKind::Backup, &c, now).expect("a run");
        assert_eq!(run.job_name().len(), 63);
        assert!(run.job_name().ends_with("-manual-20261130-143512"));
    }
}
