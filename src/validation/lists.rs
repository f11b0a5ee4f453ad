//! The objects a run's `kube` criteria read: listed fresh from the API once per kind, namespace
//! and selector per run (criteria that need the same list share one request), a few requests at
//! a time. Not a watch: a run is a snapshot, and every criterion judges the same one.

use std::any::Any;
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::{Arc, Mutex};

use k8s_openapi::api::core::v1::{Namespace, Secret};
use kube::api::ListParams;
use kube::core::{ClusterResourceScope, NamespaceResourceScope};
use kube::{Api, Client, Resource};
use serde::de::DeserializeOwned;
use tokio::sync::{OnceCell, Semaphore};

use crate::source::error::{ApiError, ErrorKind};

/// List requests in flight at once: enough to finish a run quickly, few enough to be polite to
/// an API server that is also serving an incident.
const REQUESTS_AT_ONCE: usize = 6;

type Listed = Result<Arc<dyn Any + Send + Sync>, String>;
type Key = (&'static str, String, String);

pub struct Lists {
    client: Option<Client>,
    /// `context NAME`: where the lists came from, in every finding's source.
    context: String,
    cache: Mutex<HashMap<Key, Arc<OnceCell<Listed>>>>,
    requests: Semaphore,
}

impl Lists {
    /// `client` None: there is no cluster connection, and every list says so.
    pub fn new(client: Option<Client>, context: &str) -> Lists {
        Lists {
            client,
            context: context.to_string(),
            cache: Mutex::new(HashMap::new()),
            requests: Semaphore::new(REQUESTS_AT_ONCE),
        }
    }

    /// A finding's source: `k8s context oncall: pods, deployments in ms5-production`.
    pub fn source(&self, kinds: &str, namespaces: &[String]) -> String {
        if namespaces.is_empty() {
            format!("k8s context {}: {kinds}", self.context)
        } else {
            format!(
                "k8s context {}: {kinds} in {}",
                self.context,
                namespaces.join(", ")
            )
        }
    }

    /// Every object of kind `K` in `namespace` (matching `selector`, when given).
    pub async fn list<K>(
        &self,
        namespace: &str,
        selector: Option<&str>,
    ) -> Result<Arc<Vec<K>>, String>
    where
        K: Resource<DynamicType = (), Scope = NamespaceResourceScope>
            + Clone
            + DeserializeOwned
            + Debug
            + Send
            + Sync
            + 'static,
    {
        let selector = selector.unwrap_or("").to_string();
        let ns = namespace.to_string();
        self.cached::<K, _, _>(namespace, &selector.clone(), move |client| async move {
            let api: Api<K> = Api::namespaced(client, &ns);
            let mut params = ListParams::default();
            if !selector.is_empty() {
                params = params.labels(&selector);
            }
            api.list(&params).await.map(|l| l.items)
        })
        .await
    }

    /// Every object of the cluster-scoped kind `K` (namespaces, nodes).
    pub async fn cluster<K>(&self) -> Result<Arc<Vec<K>>, String>
    where
        K: Resource<DynamicType = (), Scope = ClusterResourceScope>
            + Clone
            + DeserializeOwned
            + Debug
            + Send
            + Sync
            + 'static,
    {
        self.cached::<K, _, _>("", "", |client| async move {
            Api::<K>::all(client)
                .list(&ListParams::default())
                .await
                .map(|l| l.items)
        })
        .await
    }

    /// The cluster's namespaces (one list per run), for naming one that does not exist.
    pub async fn namespaces(&self) -> Result<Arc<Vec<Namespace>>, String> {
        self.cluster::<Namespace>().await
    }

    /// The names of the Secrets in `namespace`, read as metadata only: their data is never
    /// fetched for a check that needs only to know they exist.
    pub async fn secret_names(&self, namespace: &str) -> Result<Arc<Vec<String>>, String> {
        let ns = namespace.to_string();
        self.cached::<String, _, _>(namespace, "metadata", move |client| async move {
            Api::<Secret>::namespaced(client, &ns)
                .list_metadata(&ListParams::default())
                .await
                .map(|l| {
                    l.items
                        .into_iter()
                        .filter_map(|s| s.metadata.name)
                        .collect()
                })
        })
        .await
    }

    /// One Secret, whole (a TLS Secret's certificate): `get` on it, not a list of them all.
    pub async fn secret(&self, namespace: &str, name: &str) -> Result<Arc<Vec<Secret>>, String> {
        let (ns, name) = (namespace.to_string(), name.to_string());
        let key = format!("get {name}");
        self.cached::<Secret, _, _>(namespace, &key, move |client| async move {
            Api::<Secret>::namespaced(client, &ns)
                .get(&name)
                .await
                .map(|s| vec![s])
        })
        .await
    }

    /// Fails when any of `namespaces` does not exist, naming it: a list in a namespace that is
    /// not there answers empty, which must not read as "nothing wrong".
    pub async fn require_namespaces(&self, namespaces: &[String]) -> Result<(), String> {
        let known = self.namespaces().await?;
        let missing: Vec<&str> = namespaces
            .iter()
            .filter(|ns| {
                !known
                    .iter()
                    .any(|k| k.metadata.name.as_deref() == Some(ns.as_str()))
            })
            .map(String::as_str)
            .collect();
        match missing.as_slice() {
            [] => Ok(()),
            [one] => Err(format!("namespace {one} does not exist")),
            many => Err(format!("namespaces {} do not exist", many.join(", "))),
        }
    }

    async fn cached<T, F, Fut>(
        &self,
        namespace: &str,
        variant: &str,
        request: F,
    ) -> Result<Arc<Vec<T>>, String>
    where
        T: Send + Sync + 'static,
        F: FnOnce(Client) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<T>, kube::Error>>,
    {
        let client = self
            .client
            .clone()
            .ok_or_else(|| "no Kubernetes connection".to_string())?;
        let key = (
            std::any::type_name::<T>(),
            namespace.to_string(),
            variant.to_string(),
        );
        let cell = {
            let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
            cache.entry(key).or_default().clone()
        };
        let listed = cell
            .get_or_init(|| async {
                let _turn = self.requests.acquire().await;
                request(client)
                    .await
                    .map(|items| Arc::new(items) as Arc<dyn Any + Send + Sync>)
                    .map_err(|e| reason::<T>(&ApiError::kube(&e)))
            })
            .await;
        match listed {
            Ok(any) => any
                .clone()
                .downcast::<Vec<T>>()
                .map_err(|_| "internal: a list cached under the wrong type".to_string()),
            Err(why) => Err(why.clone()),
        }
    }
}

/// Why a read gave nothing, in the words a finding shows: a kind the API does not serve is
/// named as such, never read as "none of them".
fn reason<T>(error: &ApiError) -> String {
    match error.kind {
        ErrorKind::NotFound if error.message.contains("the server could not find") => {
            format!("the API has no {}", short_type::<T>())
        }
        ErrorKind::NotFound => format!("not found: {}", error.message),
        ErrorKind::Forbidden => format!("forbidden: {}", error.message),
        ErrorKind::Unauthorized => format!("unauthorized: {}", error.message),
        _ => error.message.clone(),
    }
}

fn short_type<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}
