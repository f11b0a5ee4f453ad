//! Kubernetes writes: a client that answers once (kube's default client retries 503 and 429
//! for minutes, which would leave a person staring at "sending..."), with a timeout, and the
//! requests the plans name.

use std::time::Duration;

use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};

use super::plan::{KubeObject, WriteAction};
use crate::source::error::ApiError;

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
            .map_err(|_| {
                ApiError::transport(format!("no answer within {} s", WRITE_TIMEOUT.as_secs()))
            })?
            .map_err(|e| ApiError::kube(&e))?;
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
        other => Err(ApiError::decode(format!(
            "{other:?} is not a Kubernetes request"
        ))),
    }
}
