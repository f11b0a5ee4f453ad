//! One object, fetched fresh for the YAML view, as the API server returns it (managed fields
//! left out, as `kubectl get -o yaml` does).

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{Event, Node, Pod};
use kube::api::Api;
use kube::{Client, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc::Sender;

use super::error::ApiError;
use crate::app::event::{DataEvent, ObjectKind, YamlRequest};

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

async fn get<K>(api: Api<K>, name: &str) -> Result<String, ApiError>
where
    K: Resource + Clone + DeserializeOwned + Serialize + std::fmt::Debug,
{
    let mut object = api.get(name).await.map_err(|e| ApiError::kube(&e))?;
    object.meta_mut().managed_fields = None;
    serde_yaml::to_string(&object).map_err(|e| ApiError::decode(e.to_string()))
}
