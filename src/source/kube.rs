//! Kubernetes watch streams: one list, then a watch, per kind and namespace (never a poll).
//! Each stream reports its objects as whole `Change`s and its own health, so the screen can say
//! "live", "reconnecting since T" or "forbidden" from the stream itself.

use std::fmt::Debug;
use std::time::Duration;

use backon::BackoffBuilder;
use chrono::Utc;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{ConfigMap, Event, Node, Pod, Secret};
use kube::api::Api;
use kube::core::PartialObjectMeta;

use kube::runtime::watcher::{self, Event as WatchEvent};
use kube::{Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;
use tokio::task::JoinSet;

use super::error::{ApiError, ErrorKind, status_words, watch_words};
use super::event::{Change, KubeChange, SourceHealth, SourceId};
use super::slim::Slim;
use crate::model::config_object::ConfigObject;
use crate::model::pod_view::PodRow;

/// Starts every watch the views need; dropping (or aborting) the set stops them all.
pub fn spawn_watches<E>(client: Client, namespaces: &[String], tx: Sender<E>) -> JoinSet<()>
where
    E: From<KubeChange> + From<(SourceId, SourceHealth)> + Send + 'static,
{
    let mut set = JoinSet::new();
    for ns in namespaces {
        let id = |kind| SourceId {
            kind,
            namespace: Some(ns.clone()),
        };
        let c = || client.clone();
        let pods = Api::<Pod>::namespaced(c(), ns);
        set.spawn(watch(
            pods,
            id("pods"),
            |p| PodRow::of(&p),
            KubeChange::Pods,
            None,
            tx.clone(),
        ));
        let deployments = Api::<Deployment>::namespaced(c(), ns);
        set.spawn(watch(
            deployments,
            id("deployments"),
            Slim::slim,
            KubeChange::Deployments,
            None,
            tx.clone(),
        ));
        let statefulsets = Api::<StatefulSet>::namespaced(c(), ns);
        set.spawn(watch(
            statefulsets,
            id("statefulsets"),
            Slim::slim,
            KubeChange::StatefulSets,
            None,
            tx.clone(),
        ));
        let replicasets = Api::<ReplicaSet>::namespaced(c(), ns);
        set.spawn(watch(
            replicasets,
            id("replicasets"),
            Slim::slim,
            KubeChange::ReplicaSets,
            None,
            tx.clone(),
        ));
        let events = Api::<Event>::namespaced(c(), ns);
        set.spawn(watch(
            events,
            id("events"),
            Slim::slim,
            KubeChange::Events,
            None,
            tx.clone(),
        ));
        let autoscalers = Api::<HorizontalPodAutoscaler>::namespaced(c(), ns);
        set.spawn(watch(
            autoscalers,
            id("horizontalpodautoscalers"),
            Slim::slim,
            KubeChange::Autoscalers,
            None,
            tx.clone(),
        ));
        // Backups and restore drills are Jobs of CronJobs: watched, so `:backups` is live.
        let jobs = Api::<Job>::namespaced(c(), ns);
        set.spawn(watch(
            jobs,
            id("jobs"),
            Slim::slim,
            KubeChange::Jobs,
            None,
            tx.clone(),
        ));
        // Config a workload mounts, metadata only (`Api<PartialObjectMeta<_>>` asks for
        // `as=PartialObjectMetadata`: never a Secret's data): when it changed, by whom.
        set.spawn(watch(
            Api::<PartialObjectMeta<ConfigMap>>::namespaced(c(), ns),
            id("configmaps"),
            |m| ConfigObject::of("ConfigMap", &m.metadata),
            KubeChange::Configs,
            None,
            tx.clone(),
        ));
        set.spawn(watch(
            Api::<PartialObjectMeta<Secret>>::namespaced(c(), ns),
            id("secrets"),
            |m| ConfigObject::of("Secret", &m.metadata),
            KubeChange::Configs,
            None,
            tx.clone(),
        ));
        let cronjobs = Api::<CronJob>::namespaced(c(), ns);
        set.spawn(watch(
            cronjobs,
            id("cronjobs"),
            Slim::slim,
            KubeChange::CronJobs,
            None,
            tx.clone(),
        ));
    }
    let nodes = SourceId {
        kind: "nodes",
        namespace: None,
    };
    set.spawn(watch(
        Api::<Node>::all(client.clone()),
        nodes,
        Slim::slim,
        KubeChange::Nodes,
        None,
        tx.clone(),
    ));
    // Node events (pressure, NotReady, reboots) are recorded in `default`, not in the namespace
    // of any workload: watched there, for nodes only.
    set.spawn(watch(
        Api::<Event>::namespaced(client, "default"),
        SourceId {
            kind: "events",
            namespace: Some("default".into()),
        },
        Slim::slim,
        KubeChange::Events,
        Some("involvedObject.kind=Node"),
        tx,
    ));
    set
}

/// Runs one watch until the receiver is gone. A failed stream is dropped and started again
/// after a backoff, beginning with a fresh list: "live" always means a full list succeeded.
/// `convert` turns each object into what the console keeps of it; `wrap` labels the change.
async fn watch<K, T, E>(
    api: Api<K>,
    id: SourceId,
    convert: fn(K) -> T,
    wrap: fn(Change<T>) -> KubeChange,
    fields: Option<&'static str>,
    tx: Sender<E>,
) where
    K: Resource<DynamicType = ()> + Clone + DeserializeOwned + Debug + Send + Sync + 'static,
    E: From<KubeChange> + From<(SourceId, SourceHealth)>,
{
    let mut backoff = new_backoff();
    let mut failing_since = None;
    loop {
        let health = |h| E::from((id.clone(), h));
        if failing_since.is_none() && tx.send(health(SourceHealth::Connecting)).await.is_err() {
            return;
        }
        let config = match fields {
            Some(selector) => watcher::Config::default().fields(selector),
            None => watcher::Config::default(),
        };
        let mut stream = watcher::watcher(api.clone(), config).boxed();
        // Each object is reduced as it arrives, so a 10,000-pod list never sits here whole.
        let mut buffer: Vec<T> = Vec::new();
        let failure = loop {
            let Some(item) = stream.next().await else {
                break Failure {
                    kind: ErrorKind::Transport,
                    words: "watch stream ended".into(),
                };
            };
            let event = match item {
                Ok(WatchEvent::Init) => {
                    buffer.clear();
                    continue;
                }
                Ok(WatchEvent::InitApply(obj)) => {
                    buffer.push(convert(obj));
                    continue;
                }
                Ok(WatchEvent::InitDone) => {
                    failing_since = None;
                    backoff = new_backoff();
                    let items = std::mem::take(&mut buffer);
                    if tx
                        .send(health(SourceHealth::Live { since: Utc::now() }))
                        .await
                        .is_err()
                    {
                        return;
                    }
                    Change::Reset {
                        namespace: id.namespace.clone(),
                        items,
                    }
                }
                Ok(WatchEvent::Apply(obj)) => Change::Applied(convert(obj)),
                Ok(WatchEvent::Delete(obj)) => Change::Deleted(convert(obj)),
                Err(e) => break Failure::of(&e),
            };
            if tx.send(E::from(wrap(event))).await.is_err() {
                return;
            }
        };
        drop(stream);
        let since = *failing_since.get_or_insert_with(Utc::now);
        let error = failure.words.clone();
        // Classified by the API server's status code, never by searching the text.
        let state = match failure.kind {
            ErrorKind::Unauthorized => SourceHealth::Unauthorized {
                since,
                message: error.clone(),
            },
            ErrorKind::Forbidden => SourceHealth::Forbidden {
                message: error.clone(),
            },
            _ => SourceHealth::Reconnecting {
                since,
                error: error.clone(),
            },
        };
        tracing::warn!(kind = id.kind, namespace = ?id.namespace, %error, "watch failed; retrying");
        if tx.send(health(state)).await.is_err() {
            return;
        }
        // RBAC can change, so forbidden streams are retried too, just rarely. Rejected
        // credentials are replaced by the console (it re-reads the kubeconfig and restarts the
        // watches), so retrying them here only adds load.
        let delay = match failure.kind {
            ErrorKind::Forbidden => Duration::from_secs(60),
            ErrorKind::Unauthorized => MAX_DELAY,
            _ => backoff.next().unwrap_or(MAX_DELAY),
        };
        tokio::time::sleep(delay).await;
    }
}

const MAX_DELAY: Duration = Duration::from_secs(30);

fn new_backoff() -> impl Iterator<Item = Duration> {
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(500))
        .with_max_delay(MAX_DELAY)
        .with_jitter()
        .without_max_times()
        .build()
}

/// Why a watch stopped: the API server's status code when it answered with one, and words.
struct Failure {
    kind: ErrorKind,
    words: String,
}

impl Failure {
    fn of(error: &watcher::Error) -> Failure {
        match error {
            watcher::Error::InitialListFailed(e)
            | watcher::Error::WatchStartFailed(e)
            | watcher::Error::WatchFailed(e) => {
                let error = ApiError::kube(e);
                Failure {
                    kind: error.kind,
                    words: error.message,
                }
            }
            watcher::Error::WatchError(status) => Failure {
                kind: ErrorKind::of_status(status.code),
                words: status_words(status),
            },
            other => Failure {
                kind: ErrorKind::Transport,
                words: watch_words(other),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::error::{error_words, status_code};

    fn api(code: u16, reason: &str, message: &str) -> kube::Error {
        let status: kube::core::Status = serde_json::from_value(serde_json::json!({
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "code": code, "reason": reason, "message": message,
        }))
        .expect("a Status");
        kube::Error::Api(Box::new(status))
    }

    #[test]
    fn api_errors_are_told_in_the_servers_words_without_a_dump() {
        let e = api(
            400,
            "BadRequest",
            "previous terminated container \"backend\" in pod \"backend-0\" not found",
        );
        assert_eq!(
            error_words(&e),
            "previous terminated container \"backend\" in pod \"backend-0\" not found"
        );
        assert_eq!(
            error_words(&api(401, "Unauthorized", "")),
            "HTTP 401: Unauthorized"
        );
        assert_eq!(status_code(&api(401, "Unauthorized", "")), Some(401));
        assert!(!error_words(&e).contains("Status {"));
    }

    #[test]
    fn watch_failures_are_classified_by_status_code() {
        let forbidden = Failure::of(&watcher::Error::InitialListFailed(api(
            403,
            "Forbidden",
            "pods is forbidden: User \"restricted\" cannot list resource \"pods\"",
        )));
        assert_eq!(forbidden.kind, ErrorKind::Forbidden);
        // A 500 whose message mentions 403 is not a refusal.
        let busy = Failure::of(&watcher::Error::WatchFailed(api(
            500,
            "InternalError",
            "upstream answered 403 once",
        )));
        assert_eq!(busy.kind, ErrorKind::Status);
    }
}
