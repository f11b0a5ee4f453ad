//! One write, planned: its target, what it will send, and the words the dialog and the audit
//! log use for it. Later actions (rollouts, drills, on-demand backups) add a `WriteAction`;
//! the target kinds and the path stay.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::alerting::matcher;
use crate::alerting::model::PostableSilence;
use crate::ops::cronrun::CronRun;
use crate::ops::rollout::RolloutChange;

/// Where a write goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// An Alertmanager, by the name the console shows it with.
    Alertmanager { name: String, address: String },
    /// A Kubernetes object in the cluster the console is connected to.
    Kube(KubeObject),
}

/// A Kubernetes object, and the connection that will act on it: a plan made for one context is
/// never sent to another (a context switch between plan and confirm refuses it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeObject {
    pub context: String,
    pub server: String,
    pub user: String,
    /// `v1`, `apps/v1`, `batch/v1`.
    pub api_version: String,
    pub kind: String,
    /// Empty for cluster-scoped kinds.
    pub namespace: String,
    pub name: String,
}

impl KubeObject {
    /// `configmap ms5-production/backend-config`, as the audit log names it.
    pub fn words(&self) -> String {
        let kind = self.kind.to_lowercase();
        if self.namespace.is_empty() {
            format!("{kind} {}", self.name)
        } else {
            format!("{kind} {}/{}", self.namespace, self.name)
        }
    }

    /// The object's API path, as the request line shows it.
    pub fn path(&self) -> String {
        let base = if self.api_version.contains('/') {
            format!("/apis/{}", self.api_version)
        } else {
            format!("/api/{}", self.api_version)
        };
        let plural = format!("{}s", self.kind.to_lowercase());
        if self.namespace.is_empty() {
            format!("{base}/{plural}/{}", self.name)
        } else {
            format!(
                "{base}/namespaces/{}/{plural}/{}",
                self.namespace, self.name
            )
        }
    }
}

/// A Kubernetes write's object and connection as the audit log records them, with the
/// object's resourceVersion when the plan was made.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KubeFields {
    #[serde(flatten)]
    pub object: KubeObject,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<String>,
}

/// A change the console can make.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteAction {
    CreateSilence(PostableSilence),
    ExpireSilence {
        id: String,
        /// What the silence was, for the plan and the audit log.
        matchers: String,
        comment: String,
    },
    /// A JSON merge patch to a Kubernetes object; with `dry_run` the server checks and answers
    /// without persisting anything (`dryRun=All`).
    MergePatch {
        patch: serde_json::Value,
        dry_run: bool,
    },
    /// A rollout action on a Deployment or StatefulSet (a guarded JSON patch).
    Rollout(RolloutChange),
    /// `kubectl delete pod`, on the condition that the pod is still the one planned (`uid`).
    DeletePod {
        uid: String,
        grace_seconds: Option<i64>,
        /// What will start a replacement (`ReplicaSet backend-5bdc5c656 (Deployment backend)`),
        /// or None: nothing will.
        replaced_by: Option<String>,
    },
    /// A Job made from the target CronJob (a restore drill, an on-demand backup).
    RunCronJob(CronRun),
}

/// One write, planned: what, where, under which id (shared by its audit lines).
#[derive(Debug, Clone, PartialEq)]
pub struct WritePlan {
    pub write: String,
    pub target: Target,
    pub action: WriteAction,
    /// What the checks found (RBAC answers, the server's dry run), once they have run: the
    /// dialog shows them and the audit log's pending line records them.
    pub checks: Vec<String>,
}

impl WritePlan {
    /// The action's name in the audit log.
    pub fn verb(&self) -> &'static str {
        match &self.action {
            WriteAction::CreateSilence(_) => "create-silence",
            WriteAction::ExpireSilence { .. } => "expire-silence",
            WriteAction::MergePatch { dry_run: true, .. } => "patch-dry-run",
            WriteAction::MergePatch { .. } => "patch",
            WriteAction::Rollout(change) => change.verb(),
            WriteAction::DeletePod { .. } => "delete-pod",
            WriteAction::RunCronJob(run) => run.kind.verb(),
        }
    }

    /// What is acted on, in the audit log's words: `alertmanager NAME`,
    /// `configmap NAMESPACE/NAME`.
    pub fn target_words(&self) -> String {
        match &self.target {
            Target::Alertmanager { name, .. } => format!("alertmanager {name}"),
            Target::Kube(object) => object.words(),
        }
    }

    /// A Kubernetes write's object and connection, as the audit log records them.
    pub fn kube_fields(&self) -> Option<KubeFields> {
        let Target::Kube(o) = &self.target else {
            return None;
        };
        Some(KubeFields {
            object: o.clone(),
            resource_version: match &self.action {
                WriteAction::Rollout(change) => change.resource_version.clone(),
                _ => None,
            },
        })
    }

    /// The request line, as sent.
    pub fn request(&self) -> String {
        match (&self.action, &self.target) {
            (WriteAction::CreateSilence(_), _) => "POST /api/v2/silences".into(),
            (WriteAction::ExpireSilence { id, .. }, _) => format!("DELETE /api/v2/silence/{id}"),
            (WriteAction::MergePatch { dry_run, .. }, Target::Kube(object)) => format!(
                "PATCH {}{}",
                object.path(),
                if *dry_run { "?dryRun=All" } else { "" }
            ),
            (WriteAction::Rollout(change), Target::Kube(object)) => format!(
                "PATCH {} (JSON patch; fails if {})",
                object.path(),
                change.guard()
            ),
            (WriteAction::DeletePod { uid, .. }, Target::Kube(object)) => {
                format!("DELETE {} (only if its uid is still {uid})", object.path())
            }
            (WriteAction::RunCronJob(run), _) => format!(
                "POST /apis/batch/v1/namespaces/{}/jobs (Job {})",
                run.namespace,
                run.job_name()
            ),
            (
                WriteAction::MergePatch { .. }
                | WriteAction::Rollout(_)
                | WriteAction::DeletePod { .. },
                Target::Alertmanager { .. },
            ) => "PATCH".into(),
        }
    }

    /// The parameters, as the audit log records them.
    pub fn parameters(&self) -> serde_json::Value {
        match &self.action {
            WriteAction::CreateSilence(s) => serde_json::to_value(s).unwrap_or(json!({})),
            WriteAction::ExpireSilence {
                id,
                matchers,
                comment,
            } => json!({ "id": id, "matchers": matchers, "comment": comment }),
            WriteAction::MergePatch { patch, dry_run } => {
                json!({ "patch": patch, "dryRun": dry_run })
            }
            WriteAction::Rollout(change) => {
                let mut parameters = json!({
                    "patch": change.ops(&self.write),
                    "generation": change.generation,
                    "change": change.field_change(),
                });
                if let Some(reason) = &change.automatic {
                    parameters["reason"] = json!(reason);
                    parameters["automatic"] = json!(true);
                }
                parameters
            }
            WriteAction::DeletePod {
                uid,
                grace_seconds,
                replaced_by,
            } => json!({
                "uid": uid,
                "gracePeriodSeconds": grace_seconds,
                "replacedBy": replaced_by,
            }),
            WriteAction::RunCronJob(run) => json!({
                "job": run.job_name(),
                "cronjob": run.cronjob,
                "spec": run.job["spec"],
                "notes": run.notes,
            }),
        }
    }

    /// Label and value, one per line: everything that will be sent and where.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let mut lines = match &self.target {
            Target::Alertmanager { name, address } => {
                vec![("server", format!("{name} ({address})"))]
            }
            Target::Kube(o) => vec![
                ("server", format!("{} ({})", o.context, o.server)),
                ("as", o.user.clone()),
            ],
        };
        lines.push(("request", self.request()));
        match &self.action {
            WriteAction::CreateSilence(s) => {
                let matchers = s
                    .matchers
                    .iter()
                    .filter_map(|m| matcher::Matcher::from_api(m).ok())
                    .map(|m| m.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                lines.extend([
                    ("matchers", matchers),
                    ("start", utc(s.starts_at)),
                    (
                        "end",
                        format!(
                            "{} ({})",
                            utc(s.ends_at),
                            crate::model::age::human_duration(
                                (s.ends_at - s.starts_at).num_seconds().max(0) as u64
                            )
                        ),
                    ),
                    ("author", s.created_by.clone()),
                    ("comment", s.comment.clone()),
                ]);
            }
            WriteAction::ExpireSilence {
                matchers, comment, ..
            } => {
                lines.extend([("matchers", matchers.clone()), ("comment", comment.clone())]);
            }
            WriteAction::MergePatch { patch, .. } => lines.push(("patch", patch.to_string())),
            WriteAction::Rollout(change) => {
                if let Target::Kube(o) = &self.target {
                    lines.insert(
                        0,
                        ("object", format!("{} {}/{}", o.kind, o.namespace, o.name)),
                    );
                }
                lines.extend([
                    ("change", change.field_change()),
                    ("then", change.follows().to_string()),
                    (
                        "event",
                        format!("{} on the object, by ms5-console", change.event_reason()),
                    ),
                ]);
            }
            WriteAction::DeletePod {
                grace_seconds,
                replaced_by,
                ..
            } => {
                if let Target::Kube(o) = &self.target {
                    lines.insert(0, ("object", format!("Pod {}/{}", o.namespace, o.name)));
                }
                lines.push((
                    "change",
                    format!(
                        "the pod is deleted, its containers given {}s to stop",
                        grace_seconds.unwrap_or(30)
                    ),
                ));
                lines.push((
                    "then",
                    match replaced_by {
                        Some(owner) => format!("{owner} starts a replacement"),
                        None => "warning: nothing will replace it: the pod has no owner".into(),
                    },
                ));
                lines.push((
                    "event",
                    "PodDeleteRequested on the pod, by ms5-console".into(),
                ));
            }
            WriteAction::RunCronJob(run) => {
                lines.insert(
                    0,
                    (
                        "object",
                        format!("CronJob {}/{}", run.namespace, run.cronjob),
                    ),
                );
                let (image, argv) = run.command();
                lines.extend([
                    (
                        "change",
                        format!(
                            "{} Job {}, made from the CronJob as kubectl create job --from does",
                            run.kind.words(),
                            run.job_name()
                        ),
                    ),
                    ("image", image),
                    ("args", argv),
                ]);
                lines.extend(run.notes.iter().map(|n| ("note", n.clone())));
                lines.push((
                    "then",
                    "the Job runs in the cluster; :backups shows it as it goes (enter lists the runs)".into(),
                ));
                lines.push((
                    "event",
                    format!("{} on the CronJob, by ms5-console", run.kind.event_reason()),
                ));
            }
        }
        lines
    }
}

fn utc(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kube_plan_names_its_object_path_and_connection() {
        let plan = WritePlan {
            write: "w1".into(),
            target: Target::Kube(KubeObject {
                context: "ms5-sim".into(),
                server: "https://127.0.0.1:6443".into(),
                user: "oncall".into(),
                api_version: "apps/v1".into(),
                kind: "Deployment".into(),
                namespace: "ms5-production".into(),
                name: "backend".into(),
            }),
            action: WriteAction::MergePatch {
                patch: json!({"spec": {"paused": true}}),
                dry_run: true,
            },
            checks: Vec::new(),
        };
        assert_eq!(plan.target_words(), "deployment ms5-production/backend");
        assert_eq!(
            plan.request(),
            "PATCH /apis/apps/v1/namespaces/ms5-production/deployments/backend?dryRun=All"
        );
        assert_eq!(plan.lines()[0].1, "ms5-sim (https://127.0.0.1:6443)");
        assert_eq!(plan.verb(), "patch-dry-run");
    }
}
