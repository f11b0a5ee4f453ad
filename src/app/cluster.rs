//! The watched objects, held by the UI task alone, with a version per collection so views know
//! when their rows need rebuilding.

use std::collections::BTreeMap;
use std::sync::Arc;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Node};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use chrono::{DateTime, Utc};

use super::event::{Change, KubeChange};
use crate::model::pod_view::PodRow;
use crate::model::restarts::RestartLedger;

/// Namespace and name; cluster-scoped objects have an empty namespace.
pub type ObjKey = (String, String);

pub fn key_of(meta: &ObjectMeta) -> ObjKey {
    (
        meta.namespace.clone().unwrap_or_default(),
        meta.name.clone().unwrap_or_default(),
    )
}

/// Anything held in a collection: its namespace and name.
pub trait Keyed {
    fn key(&self) -> ObjKey;
}

impl<K: k8s_openapi::Metadata<Ty = ObjectMeta>> Keyed for K {
    fn key(&self) -> ObjKey {
        key_of(self.metadata())
    }
}

impl Keyed for crate::model::config_object::ConfigObject {
    /// A ConfigMap and a Secret may share a name.
    fn key(&self) -> ObjKey {
        (
            self.namespace.clone(),
            format!("{}/{}", self.kind, self.name),
        )
    }
}

impl Keyed for PodRow {
    fn key(&self) -> ObjKey {
        (self.namespace.clone(), self.name.clone())
    }
}

/// One kind's objects.
#[derive(Debug)]
pub struct Collection<K> {
    pub items: BTreeMap<ObjKey, Arc<K>>,
    /// Bumped on every change; views compare it with the version they last built rows from.
    pub version: u64,
    /// Namespaces (None: the cluster scope) that have delivered their first full list.
    pub synced: Vec<Option<String>>,
}

impl<K> Default for Collection<K> {
    fn default() -> Self {
        Collection {
            items: BTreeMap::new(),
            version: 0,
            synced: Vec::new(),
        }
    }
}

impl<K: Keyed> Collection<K> {
    pub fn apply(&mut self, change: Change<K>) {
        self.version += 1;
        match change {
            Change::Reset { namespace, items } => {
                match &namespace {
                    Some(ns) => self.items.retain(|(n, _), _| n != ns),
                    None => self.items.clear(),
                }
                for item in items {
                    self.items.insert(item.key(), Arc::new(item));
                }
                if !self.synced.contains(&namespace) {
                    self.synced.push(namespace);
                }
            }
            Change::Applied(item) => {
                self.items.insert(item.key(), Arc::new(item));
            }
            Change::Deleted(item) => {
                self.items.remove(&item.key());
            }
        }
    }

    pub fn get(&self, key: &ObjKey) -> Option<&Arc<K>> {
        self.items.get(key)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Forgets a namespace no longer watched.
    pub fn drop_namespace(&mut self, namespace: &str) {
        self.items.retain(|(n, _), _| n != namespace);
        self.synced.retain(|s| s.as_deref() != Some(namespace));
        self.version += 1;
    }
}

#[derive(Debug, Default)]
pub struct Cluster {
    /// Pods are held as the rows the console shows, made by the source, never whole.
    pub pods: Collection<PodRow>,
    pub deployments: Collection<Deployment>,
    pub statefulsets: Collection<StatefulSet>,
    pub replicasets: Collection<ReplicaSet>,
    pub nodes: Collection<Node>,
    pub events: Collection<Event>,
    /// Autoscalers: a scale of a workload one manages is made on it.
    pub autoscalers: Collection<HorizontalPodAutoscaler>,
    /// Jobs and CronJobs: backups, restore tests and drills.
    pub jobs: Collection<Job>,
    pub cronjobs: Collection<CronJob>,
    /// ConfigMaps and Secrets, metadata only: when a workload's config changed, and by whom.
    pub configs: Collection<crate::model::config_object::ConfigObject>,
    /// Every pod restart the watch saw, for "restarts in the last hour".
    pub restarts: RestartLedger,
}

impl Cluster {
    /// The kubelet's `Unhealthy` events about one pod (its failing probes).
    pub fn unhealthy_events<'a>(
        &'a self,
        namespace: &'a str,
        pod: &'a str,
    ) -> impl Iterator<Item = &'a Event> + 'a {
        self.events
            .items
            .values()
            .map(|e| e.as_ref())
            .filter(move |e| {
                e.reason.as_deref() == Some("Unhealthy")
                    && e.involved_object.name.as_deref() == Some(pod)
                    && e.metadata.namespace.as_deref() == Some(namespace)
            })
    }

    /// Applies a watch change that arrived at `now`.
    pub fn apply(&mut self, change: KubeChange, now: DateTime<Utc>) {
        match change {
            KubeChange::Pods(c) => {
                match &c {
                    Change::Reset { namespace, items } => {
                        let listed: std::collections::HashSet<(&str, &str)> = items
                            .iter()
                            .map(|p| (p.namespace.as_str(), p.name.as_str()))
                            .collect();
                        self.restarts.retain(|ns, name| {
                            namespace.as_deref().is_some_and(|n| n != ns)
                                || listed.contains(&(ns, name))
                        });
                        items.iter().for_each(|p| self.restarts.observe(p, now));
                    }
                    Change::Applied(p) => self.restarts.observe(p, now),
                    Change::Deleted(p) => self.restarts.forget(&p.namespace, &p.name),
                }
                self.pods.apply(c);
            }
            KubeChange::Deployments(c) => self.deployments.apply(c),
            KubeChange::StatefulSets(c) => self.statefulsets.apply(c),
            KubeChange::ReplicaSets(c) => self.replicasets.apply(c),
            KubeChange::Nodes(c) => self.nodes.apply(c),
            KubeChange::Events(c) => self.events.apply(c),
            KubeChange::Autoscalers(c) => self.autoscalers.apply(c),
            KubeChange::Jobs(c) => self.jobs.apply(c),
            KubeChange::CronJobs(c) => self.cronjobs.apply(c),
            KubeChange::Configs(c) => self.configs.apply(c),
        }
    }

    /// A sum of all versions: changes whenever anything does.
    pub fn version(&self) -> u64 {
        self.pods.version
            + self.deployments.version
            + self.statefulsets.version
            + self.replicasets.version
            + self.nodes.version
            + self.events.version
            + self.autoscalers.version
            + self.jobs.version
            + self.cronjobs.version
            + self.configs.version
    }

    pub fn drop_namespace(&mut self, namespace: &str) {
        self.pods.drop_namespace(namespace);
        self.deployments.drop_namespace(namespace);
        self.statefulsets.drop_namespace(namespace);
        self.replicasets.drop_namespace(namespace);
        self.events.drop_namespace(namespace);
        self.autoscalers.drop_namespace(namespace);
        self.jobs.drop_namespace(namespace);
        self.cronjobs.drop_namespace(namespace);
        self.configs.drop_namespace(namespace);
    }
}
