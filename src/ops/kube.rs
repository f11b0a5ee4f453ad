//! Kubernetes writes: a client that answers once (kube's default client retries 503 and 429
//! for minutes, which would leave a person staring at "sending..."), with a timeout, and the
//! requests the plans name.

use std::time::Duration;

use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};

use super::plan::{KubeObject, WriteAction};
use crate::source::error::{ApiError, ErrorKind};

/// How long a write may take before it is reported as unanswered.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// The console's field manager: `kubectl get --show-managed-fields` names it.
pub const FIELD_MANAGER: &str = "ms5-console";

/// A client for writes: no retry, bounded time.
pub fn write_client(config: &kube::Config, timeout: Duration) -> Result<kube::Client, ApiError> {
    let mut config = config.clone();
    config.default_retry = false;
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    config.connect_timeout = Some(timeout);
    kube::Client::try_from(config)
        .map_err(|e| ApiError::transport(format!("cannot build a Kubernetes client: {e}")))
}

fn api(client: kube::Client, object: &KubeObject) -> Api<DynamicObject> {
    let (group, version) = object
        .api_version
        .split_once('/')
        .unwrap_or(("", object.api_version.as_str()));
    let resource = ApiResource {
        group: group.to_string(),
        version: version.to_string(),
        api_version: object.api_version.clone(),
        kind: object.kind.clone(),
        plural: format!("{}s", object.kind.to_lowercase()),
    };
    if object.namespace.is_empty() {
        Api::all_with(client, &resource)
    } else {
        Api::namespaced_with(client, &object.namespace, &resource)
    }
}

/// Sends `action` for `object`; the server's answer in a few words.
pub async fn send(
    client: kube::Client,
    object: &KubeObject,
    action: &WriteAction,
    write: &str,
) -> Result<String, ApiError> {
    match action {
        WriteAction::MergePatch { patch, dry_run } => {
            let params = PatchParams {
                dry_run: *dry_run,
                field_manager: Some(FIELD_MANAGER.into()),
                ..PatchParams::default()
            };
            let answer = tokio::time::timeout(
                WRITE_TIMEOUT,
                api(client, object).patch(&object.name, &params, &Patch::Merge(patch)),
            )
            .await
            .map_err(|_| no_answer(*dry_run))?
            .map_err(|e| write_error(&e, *dry_run))?;
            let version = answer.metadata.resource_version.unwrap_or_default();
            Ok(if *dry_run {
                format!(
                    "{} accepted (server dry run, nothing changed; resourceVersion {version})",
                    object.words()
                )
            } else {
                format!("{} patched (resourceVersion {version})", object.words())
            })
        }
        WriteAction::DeletePod {
            uid, grace_seconds, ..
        } => delete_pod(client, object, uid, *grace_seconds, false).await,
        WriteAction::Rollout(change) => {
            let ops = change.ops(write);
            let answer = send_json_patch(client.clone(), object, ops, false).await?;
            Ok(format!(
                "{} {} ({})",
                object.words(),
                change.field_change(),
                answer
            ))
        }
        WriteAction::RunCronJob(run) => create_job(client, &run.namespace, &run.job, false).await,
        other => Err(ApiError::decode(format!(
            "{other:?} is not a Kubernetes request"
        ))),
    }
}

/// Creates the Job of a CronJob run made by hand; `dry_run`: the server checks and answers
/// without creating it. A name already taken (409) creates nothing and says so.
pub async fn create_job(
    client: kube::Client,
    namespace: &str,
    job: &serde_json::Value,
    dry_run: bool,
) -> Result<String, ApiError> {
    use k8s_openapi::api::batch::v1::Job;
    let job: Job = serde_json::from_value(job.clone())
        .map_err(|e| ApiError::decode(format!("not a Job: {e}")))?;
    let name = job.metadata.name.clone().unwrap_or_default();
    let params = kube::api::PostParams {
        dry_run,
        field_manager: Some(FIELD_MANAGER.into()),
    };
    let api: Api<Job> = Api::namespaced(client, namespace);
    let created = tokio::time::timeout(WRITE_TIMEOUT, api.create(&params, &job))
        .await
        .map_err(|_| no_answer(dry_run))?
        .map_err(|e| {
            let e = write_error(&e, dry_run);
            if e.kind == ErrorKind::Conflict {
                ApiError {
                    message: format!(
                        "a Job named {name} already exists ({}); nothing was created: plan again for a new name",
                        e.message
                    ),
                    ..e
                }
            } else {
                e
            }
        })?;
    Ok(if dry_run {
        format!("job {namespace}/{name} would be created (server dry run, nothing created)")
    } else {
        format!(
            "job {namespace}/{name} created (uid {})",
            created.metadata.uid.unwrap_or_default()
        )
    })
}

/// Deletes the pod `object` if its uid is still `uid` (a StatefulSet's replacement has the same
/// name and must not be deleted by a plan made for its predecessor).
pub async fn delete_pod(
    client: kube::Client,
    object: &KubeObject,
    uid: &str,
    grace_seconds: Option<i64>,
    dry_run: bool,
) -> Result<String, ApiError> {
    let params = kube::api::DeleteParams {
        dry_run,
        grace_period_seconds: grace_seconds.and_then(|g| u32::try_from(g).ok()),
        preconditions: Some(kube::api::Preconditions {
            uid: Some(uid.to_string()),
            resource_version: None,
        }),
        ..Default::default()
    };
    let api: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client, &object.namespace);
    tokio::time::timeout(WRITE_TIMEOUT, api.delete(&object.name, &params))
        .await
        .map_err(|_| no_answer(dry_run))?
        .map_err(|e| {
            let e = write_error(&e, dry_run);
            if e.kind == ErrorKind::Conflict {
                ApiError {
                    message: format!(
                        "changed since you planned: {} is now another pod ({}); nothing was deleted",
                        object.name, e.message
                    ),
                    kind: ErrorKind::Changed,
                    ..e
                }
            } else {
                e
            }
        })?;
    Ok(if dry_run {
        format!(
            "{} would be deleted (server dry run, nothing changed)",
            object.words()
        )
    } else {
        format!("{} deleted", object.words())
    })
}

/// Why a request sent for real got no answer, in words that never claim nothing happened: the
/// server may have acted on it before the connection went. A connection never made (refused,
/// unreachable) sent nothing and keeps its own words.
fn unanswered(error: ApiError) -> ApiError {
    ApiError {
        kind: ErrorKind::Unanswered,
        message: format!(
            "the change may have been applied: the outcome is unknown ({}); the watch will show what happened",
            error.message
        ),
        ..error
    }
}

/// `kube`'s error for a write: the server's answer, or, when the request may have reached it,
/// an unknown outcome.
fn write_error(error: &kube::Error, dry_run: bool) -> ApiError {
    let api = ApiError::kube(error);
    if dry_run || api.status.is_some() || never_connected(error) {
        api
    } else {
        unanswered(api)
    }
}

/// Whether the request failed before a connection was made (so nothing was sent).
fn never_connected(error: &kube::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if let Some(client) = e.downcast_ref::<hyper_util::client::legacy::Error>() {
            return client.is_connect();
        }
        source = e.source();
    }
    // Building the request, authenticating, encoding: nothing reached the server.
    !matches!(error, kube::Error::HyperError(_) | kube::Error::Service(_))
}

/// `tokio::time::timeout`'s end for a write: sent for real, the server may have acted.
fn no_answer(dry_run: bool) -> ApiError {
    let error = ApiError::transport(format!("no answer within {} s", WRITE_TIMEOUT.as_secs()));
    if dry_run { error } else { unanswered(error) }
}

/// A JSON patch (with its `test` operations) to `object`; the new resourceVersion.
pub async fn send_json_patch(
    client: kube::Client,
    object: &KubeObject,
    ops: serde_json::Value,
    dry_run: bool,
) -> Result<String, ApiError> {
    let params = PatchParams {
        dry_run,
        field_manager: Some(FIELD_MANAGER.into()),
        ..PatchParams::default()
    };
    let patch = serde_json::from_value(ops)
        .map_err(|e| ApiError::decode(format!("not a JSON patch: {e}")))?;
    let answer = tokio::time::timeout(
        WRITE_TIMEOUT,
        api(client, object).patch(&object.name, &params, &Patch::<()>::Json(patch)),
    )
    .await
    .map_err(|_| no_answer(dry_run))?
    .map_err(|e| changed_since_planned(write_error(&e, dry_run)))?;
    Ok(format!(
        "resourceVersion {}",
        answer.metadata.resource_version.unwrap_or_default()
    ))
}

/// A failed `test` (the API server answers 422 "the server rejected our request due to an
/// error in our request" or names the test) or a 409 means the object changed since the plan.
fn changed_since_planned(error: ApiError) -> ApiError {
    let test_failed = error.message.contains("testing value")
        || error.message.contains("test operation")
        || error.message.contains("the server rejected our request");
    if error.kind == ErrorKind::Conflict || (error.kind == ErrorKind::Invalid && test_failed) {
        ApiError {
            message: format!(
                "changed since you planned ({}); nothing was changed: plan again",
                error.message
            ),
            kind: ErrorKind::Changed,
            ..error
        }
    } else {
        error
    }
}

/// Records an Event on `object` saying what the console did, as kubectl's own events read
/// (`kubectl describe` lists it). The outcome in words; an Event refused does not undo the change.
pub async fn record_event(
    client: kube::Client,
    object: &KubeObject,
    reason: &str,
    message: &str,
) -> Result<String, ApiError> {
    use k8s_openapi::api::core::v1::Event;
    let now = chrono::Utc::now();
    let event: Event = serde_json::from_value(serde_json::json!({
        "metadata": {"generateName": format!("{}.", object.name), "namespace": object.namespace},
        "involvedObject": {"apiVersion": object.api_version, "kind": object.kind, "name": object.name, "namespace": object.namespace},
        "reason": reason,
        "message": message,
        "type": "Normal",
        "source": {"component": FIELD_MANAGER},
        "reportingComponent": FIELD_MANAGER,
        "reportingInstance": FIELD_MANAGER,
        "firstTimestamp": now,
        "lastTimestamp": now,
        "count": 1,
    }))
    .map_err(|e| ApiError::decode(e.to_string()))?;
    let api: Api<Event> = Api::namespaced(client, &object.namespace);
    tokio::time::timeout(WRITE_TIMEOUT, api.create(&Default::default(), &event))
        .await
        .map_err(|_| {
            ApiError::transport(format!("no answer within {} s", WRITE_TIMEOUT.as_secs()))
        })?
        .map_err(|e| ApiError::kube(&e))
        .map(|e| {
            format!(
                "Event {reason} recorded ({})",
                e.metadata.name.unwrap_or_default()
            )
        })
}
