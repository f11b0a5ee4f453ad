//! One object, fetched fresh for the YAML view, as the API server returns it (managed fields
//! left out, as `kubectl get -o yaml` does).

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::api::Api;
use kube::{Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;

use crate::app::event::{DataEvent, ObjectKind, YamlRequest};
use crate::source::error::ApiError;

pub async fn yaml(client: Client, request: YamlRequest, tx: Sender<DataEvent>) {
    let ns = request.namespace.as_str();
    let name = request.name.as_str();
    let text = match request.kind {
        ObjectKind::Pod => get(Api::<Pod>::namespaced(client, ns), name).await,
        ObjectKind::Deployment => get(Api::<Deployment>::namespaced(client, ns), name).await,
        ObjectKind::StatefulSet => get(Api::<StatefulSet>::namespaced(client, ns), name).await,
        ObjectKind::Event => get(Api::<Event>::namespaced(client, ns), name).await,
        ObjectKind::Node => get(Api::<Node>::all(client), name).await,
    };
    let _ = tx
        .send(DataEvent::Yaml {
            request: request.request,
            text: text.map_err(|e| e.to_string()),
        })
        .await;
}

/// Lines a failed run's tail shows.
const RUN_LOG_LINES: i64 = 5;

/// The last lines of the log of `job`'s newest pod (a Job's pods are labelled `job-name`).
pub async fn run_log(client: Client, namespace: String, job: String, tx: Sender<DataEvent>) {
    let pods: Api<Pod> = Api::namespaced(client, &namespace);
    let lines = async {
        let listed = pods
            .list(&kube::api::ListParams::default().labels(&format!("job-name={job}")))
            .await
            .map_err(|e| ApiError::kube(&e).to_string())?;
        let pod = listed
            .items
            .last()
            .and_then(|p| p.metadata.name.clone())
            .ok_or_else(|| "its pod is gone".to_string())?;
        let params = kube::api::LogParams {
            tail_lines: Some(RUN_LOG_LINES),
            ..Default::default()
        };
        pods.logs(&pod, &params)
            .await
            .map(|text| text.lines().map(str::to_string).collect())
            .map_err(|e| ApiError::kube(&e).to_string())
    }
    .await;
    let _ = tx
        .send(DataEvent::RunLog {
            namespace,
            job,
            lines,
        })
        .await;
}

async fn get<K>(api: Api<K>, name: &str) -> Result<String, ApiError>
where
    K: Resource + Clone + DeserializeOwned + Serialize + std::fmt::Debug,
{
    let mut object = api.get(name).await.map_err(|e| ApiError::kube(&e))?;
    object.meta_mut().managed_fields = None;
    serde_yaml::to_string(&object).map_err(|e| ApiError::decode(e.to_string()))
}
