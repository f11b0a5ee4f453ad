//! The checking stage: what the servers say about a plan before anyone confirms it. A
//! Kubernetes change is sent as a server-side dry run (`dryRun=All`: validated, admitted,
//! defaulted, never persisted), so a refusal (forbidden, invalid, not found, conflict) is known
//! before the real request; a rollout action's SelfSubjectAccessReviews first say whether the
//! user may make it at all. Checks that pass change nothing and are not audited; a Kubernetes
//! change they refuse leaves one `refused` line in the audit log.

use super::execute::{Executor, KubeWriter};
use super::jobs::Progress;
use super::plan::{KubeObject, Target, WriteAction, WritePlan};

/// Runs every check of `plan`, reporting each as it ends; the last finding, or why the plan
/// would be refused.
pub async fn run(
    executor: &Executor,
    plan: &WritePlan,
    progress: &Progress,
) -> Result<String, String> {
    let mut findings = Findings {
        progress,
        seen: Vec::new(),
    };
    let result = checks(executor, plan, &mut findings).await;
    // A Kubernetes change the checks refused is written down: who tried what, what the checks
    // found, and why not.
    if let (Err(reason), Target::Kube(_)) = (&result, &plan.target) {
        let mut checked = plan.clone();
        checked.checks = findings.seen;
        executor.record_refusal(&checked, reason);
    }
    result
}

/// Whether the connection's user may patch `object`, asked when the guard begins watching with
/// `auto-pause` on: `Err` only where RBAC says no. An unanswered question is not a no (the
/// pause's own checks ask again when it trips).
pub async fn may_patch(executor: &Executor, object: &KubeObject) -> Result<String, String> {
    let kube = writer(executor, object)?;
    let plural = format!("{}s", object.kind.to_lowercase());
    let group = object.api_version.split_once('/').map_or("", |(g, _)| g);
    match access(kube, "patch", group, &plural, object).await {
        Ok(true) => Ok("allowed".into()),
        Ok(false) => Err(format!(
            "not allowed to patch {plural}.{group} in {} ({} may not)",
            object.namespace,
            who(object)
        )),
        Err(e) => Ok(format!(
            "RBAC could not be asked ({e}); the pause's checks ask again"
        )),
    }
}

/// Each finding, reported to the dialog as it comes and kept for the audit log.
struct Findings<'a> {
    progress: &'a Progress,
    seen: Vec<String>,
}

impl Findings<'_> {
    /// What is happening now, for the dialog only: not a finding.
    async fn note(&self, text: &str) {
        self.progress.report(text).await;
    }

    async fn report(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.seen.push(text.clone());
        self.progress.report(text).await;
    }
}

async fn checks(
    executor: &Executor,
    plan: &WritePlan,
    progress: &mut Findings<'_>,
) -> Result<String, String> {
    let object = match &plan.target {
        // Alertmanager writes have no dry run; the form's own checks already ran.
        Target::Alertmanager { .. } => return Ok("no server-side checks for Alertmanager".into()),
        Target::Kube(object) => object,
    };
    let kube = writer(executor, object)?;
    match &plan.action {
        WriteAction::MergePatch { patch, .. } => {
            progress.note("server dry run: sending").await;
            let dry_run = WriteAction::MergePatch {
                patch: patch.clone(),
                dry_run: true,
            };
            let answer = super::kube::send(kube.client.clone(), object, &dry_run, &plan.write)
                .await
                .map_err(|e| format!("server dry run refused it: {e}"))?;
            progress.report(format!("server dry run: {answer}")).await;
            Ok(answer)
        }
        WriteAction::DeletePod {
            uid, grace_seconds, ..
        } => {
            may(kube, object, "delete", progress).await?;
            events_allowed(kube, object, progress).await;
            progress.note("server dry run: sending").await;
            let answer =
                super::kube::delete_pod(kube.client.clone(), object, uid, *grace_seconds, true)
                    .await
                    .map_err(|e| format!("server dry run refused it: {e}"))?;
            let accepted = format!("server dry run: the server accepts this ({answer})");
            progress.report(accepted.clone()).await;
            Ok(accepted)
        }
        WriteAction::Rollout(change) => {
            may(kube, object, "patch", progress).await?;
            if let Some(undo) = &change.undo {
                let resource = match undo.to.source_kind {
                    "ReplicaSet" => "replicasets",
                    _ => "controllerrevisions",
                };
                let words = |who: &str| {
                    format!(
                        "warning: the undo is allowed; {who} may not get {resource}.apps to see that revision {} is still there",
                        undo.to.number
                    )
                };
                allowed_besides(kube, object, ("get", "apps", resource), words, progress).await;
            }
            events_allowed(kube, object, progress).await;
            progress.note("server dry run: sending").await;
            let answer = super::kube::send_json_patch(
                kube.client.clone(),
                object,
                change.ops(&plan.write),
                true,
            )
            .await
            .map_err(|e| format!("server dry run refused it: {e}"))?;
            let accepted =
                format!("server dry run: the server accepts this ({answer}; nothing changed)");
            progress.report(accepted.clone()).await;
            Ok(accepted)
        }
        WriteAction::RunCronJob(run) => {
            // The request creates a Job; following it reads its pod's log; its Event is
            // recorded on the CronJob.
            let job = KubeObject {
                api_version: "batch/v1".into(),
                kind: "Job".into(),
                name: run.job_name().to_string(),
                ..object.clone()
            };
            may(kube, &job, "create", progress).await?;
            let namespace = object.namespace.clone();
            let log_denied = move |who: &str| {
                format!(
                    "warning: the run is allowed; its log cannot be followed ({who} may not get pods/log in {namespace}): the result will come from the Job alone"
                )
            };
            allowed_besides(kube, object, ("get", "", "pods/log"), log_denied, progress).await;
            events_allowed(kube, object, progress).await;
            progress.note("server dry run: sending").await;
            let answer =
                super::kube::create_job(kube.client.clone(), &run.namespace, &run.job, true)
                    .await
                    .map_err(|e| format!("server dry run refused it: {e}"))?;
            let accepted = format!("server dry run: the server accepts this ({answer})");
            progress.report(accepted.clone()).await;
            Ok(accepted)
        }
        other => Err(format!("{other:?} is not a Kubernetes change")),
    }
}

/// The connection the plan was made for: a plan made for one context is never checked (or
/// sent) through another.
fn writer<'a>(executor: &'a Executor, object: &KubeObject) -> Result<&'a KubeWriter, String> {
    let Some(kube) = &executor.kube else {
        return Err("no Kubernetes connection".into());
    };
    if kube.context != object.context {
        return Err(format!(
            "planned for context {}, connected to {}",
            object.context, kube.context
        ));
    }
    Ok(kube)
}

/// `kube user oncall (context ms5-sim)`, as the findings name who asks.
fn who(object: &KubeObject) -> String {
    format!("kube user {} (context {})", object.user, object.context)
}

/// The request that makes the change (`verb` on the object's kind): allowed, reported; a
/// denial refuses the plan with RBAC's answer in words.
async fn may(
    kube: &KubeWriter,
    object: &KubeObject,
    verb: &str,
    progress: &mut Findings<'_>,
) -> Result<(), String> {
    let plural = format!("{}s", object.kind.to_lowercase());
    let group = object.api_version.split_once('/').map_or("", |(g, _)| g);
    let qualified = if group.is_empty() {
        plural.clone()
    } else {
        format!("{plural}.{group}")
    };
    let who = who(object);
    match access(kube, verb, group, &plural, object).await {
        // Who asks is on the plan's `as` line; a denial names them again, in RBAC's words.
        Ok(true) => {
            progress
                .report(format!(
                    "RBAC: may {verb} {qualified} in {}: allowed",
                    object.namespace
                ))
                .await;
            Ok(())
        }
        Ok(false) => Err(format!(
            "RBAC: {who} may not {verb} {qualified} in {}",
            object.namespace
        )),
        Err(e) => Err(format!("RBAC: could not ask the API server: {e}")),
    }
}

/// Whether the connection's user may change workloads in `namespace` (`patch
/// deployments.apps`, what every rollout action needs): for the header, asked once.
pub async fn may_change_workloads(client: &kube::Client, namespace: &str) -> Result<bool, String> {
    use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
    let review: SelfSubjectAccessReview = serde_json::from_value(serde_json::json!({
        "spec": {"resourceAttributes": {
            "verb": "patch", "group": "apps", "resource": "deployments", "namespace": namespace,
        }}
    }))
    .map_err(|e| e.to_string())?;
    let api: kube::Api<SelfSubjectAccessReview> = kube::Api::all(client.clone());
    let answer = api
        .create(&Default::default(), &review)
        .await
        .map_err(|e| crate::source::error::ApiError::kube(&e).to_string())?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// A SelfSubjectAccessReview: may the connection's user `verb` `resource` in the object's
/// namespace?
async fn access(
    kube: &KubeWriter,
    verb: &str,
    group: &str,
    resource: &str,
    object: &KubeObject,
) -> Result<bool, crate::source::error::ApiError> {
    use k8s_openapi::api::authorization::v1::SelfSubjectAccessReview;
    // `pods/log` is the `log` subresource of `pods`, as RBAC rules name it.
    let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
    let review: SelfSubjectAccessReview = serde_json::from_value(serde_json::json!({
        "spec": {"resourceAttributes": {
            "verb": verb, "group": group, "resource": resource, "subresource": subresource,
            "namespace": object.namespace, "name": object.name,
        }}
    }))
    .map_err(|e| crate::source::error::ApiError::decode(e.to_string()))?;
    let api: kube::Api<SelfSubjectAccessReview> = kube::Api::all(kube.client.clone());
    let answer = api
        .create(&Default::default(), &review)
        .await
        .map_err(|e| crate::source::error::ApiError::kube(&e))?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// What the action does besides its change, the Event it records: a denial is a warning, the
/// change is still allowed.
async fn events_allowed(kube: &KubeWriter, object: &KubeObject, progress: &mut Findings<'_>) {
    let namespace = object.namespace.clone();
    let denied = move |who: &str| {
        format!(
            "warning: the change is allowed; its Event will not be recorded ({who} may not create events in {namespace})"
        )
    };
    allowed_besides(kube, object, ("create", "", "events"), denied, progress).await;
}

/// A request the action makes besides its change (`verb`, `group`, `resource`): allowed is
/// reported; a denial is the warning `denied` words for the user, never a refusal.
async fn allowed_besides(
    kube: &KubeWriter,
    object: &KubeObject,
    (verb, group, resource): (&str, &str, &str),
    denied: impl Fn(&str) -> String,
    progress: &mut Findings<'_>,
) {
    let who = who(object);
    let qualified = if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    };
    let words = match access(kube, verb, group, resource, object).await {
        Ok(true) => format!(
            "RBAC: may {verb} {qualified} in {}: allowed",
            object.namespace
        ),
        Ok(false) => denied(&who),
        Err(e) => format!("warning: RBAC for {verb} {qualified} unknown: {e}"),
    };
    progress.report(words).await;
}
