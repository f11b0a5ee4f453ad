//! The timeline's state: its entries and what its rules remember between updates (which pods
//! to look at again, the alerts firing at the last poll, the SLO conditions last read), fed
//! each source's data as it arrives. The watched objects are fed before they replace the held
//! ones, so a change is told from what it replaced.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::ReplicaSet;

use super::cluster::{Cluster, ObjKey};
use super::event::{Change, KubeChange};
use crate::model::pod_view::PodRow;
use crate::model::slo_status::SloStatus;
use crate::timeline::{self, Timeline};

/// The timeline and what its rules remember between updates.
#[derive(Debug)]
pub struct TimelineState {
    pub store: Timeline,
    /// Pods unready but not yet past the threshold: when to look at each again.
    recheck: BTreeMap<ObjKey, DateTime<Utc>>,
    /// Deployments rolling out: when each would count as stalled.
    stalls: BTreeMap<ObjKey, DateTime<Utc>>,
    firing: timeline::alerts::Firing,
    slos: timeline::slos::SloMemory,
    /// Whether each source has delivered anything yet (the title says what each could give).
    pub heard: Heard,
    pub incident: IncidentState,
    /// The SLO crossings read from Prometheus' past: how many, or why none could be.
    pub burn_history: Option<Result<usize, String>>,
}

/// The open incident, where incident files and reports go, and whether the file can be written.
#[derive(Debug, Default)]
pub struct IncidentState {
    pub open: Option<OpenIncident>,
    /// Why the incident file could not be written (said in the header; nothing else stops).
    pub error: Option<String>,
    /// Where incident files are kept; None: no state directory.
    pub dir: Option<std::path::PathBuf>,
    /// Where `x` writes reports.
    pub reports: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OpenIncident {
    pub name: String,
    pub began: DateTime<Utc>,
    pub path: std::path::PathBuf,
}

/// Which sources the timeline has had data from.
#[derive(Debug, Default, Clone, Copy)]
pub struct Heard {
    pub kube: bool,
    pub alertmanager: bool,
    pub prometheus: bool,
    pub audit: bool,
}

impl TimelineState {
    pub fn new(started: DateTime<Utc>) -> TimelineState {
        TimelineState {
            store: Timeline::new(started),
            recheck: BTreeMap::new(),
            stalls: BTreeMap::new(),
            firing: Default::default(),
            slos: Default::default(),
            heard: Heard::default(),
            incident: IncidentState::default(),
            burn_history: None,
        }
    }
}

fn observe_pod(state: &mut TimelineState, cluster: &Cluster, row: &PodRow, now: DateTime<Utc>) {
    let key = (row.namespace.clone(), row.name.clone());
    let was_ready = cluster.pods.get(&key).map(|old| old.is_ready());
    match timeline::pods::observe(&mut state.store, row, was_ready, now) {
        Some(due) => state.recheck.insert(key, due),
        None => state.recheck.remove(&key),
    };
}

/// The ReplicaSets a Deployment owns, looked up only when its revision moved.
fn owned_replicasets<'a>(cluster: &'a Cluster, namespace: &str, name: &str) -> Vec<&'a ReplicaSet> {
    cluster
        .replicasets
        .items
        .range((namespace.to_string(), String::new())..)
        .take_while(|((ns, _), _)| ns == namespace)
        .map(|(_, rs)| rs.as_ref())
        .filter(|rs| {
            rs.metadata
                .owner_references
                .iter()
                .flatten()
                .any(|o| o.kind == "Deployment" && o.name == name)
        })
        .collect()
}

/// A watch change, before it is applied to `cluster` (which still holds what it replaces).
pub fn observe_kube(
    state: &mut TimelineState,
    cluster: &Cluster,
    change: &KubeChange,
    now: DateTime<Utc>,
) {
    state.heard.kube = true;
    fn each<K>(change: &Change<K>) -> &[K] {
        match change {
            Change::Reset { items, .. } => items,
            Change::Applied(item) => std::slice::from_ref(item),
            Change::Deleted(_) => &[],
        }
    }
    use super::cluster::Keyed;
    let store = &mut state.store;
    match change {
        KubeChange::Pods(c) => {
            if let Change::Deleted(row) = c {
                state.recheck.remove(&row.key());
            }
            for row in each(c) {
                observe_pod(state, cluster, row, now);
            }
        }
        KubeChange::ReplicaSets(c) => {
            for rs in each(c) {
                let old = cluster.replicasets.get(&rs.key()).map(|r| r.as_ref());
                let owner = rs
                    .metadata
                    .owner_references
                    .iter()
                    .flatten()
                    .find(|o| o.kind == "Deployment")
                    .and_then(|o| cluster.deployments.get(&(rs.key().0, o.name.clone())))
                    .map(|d| d.as_ref());
                timeline::rollouts::observe_replicaset(store, old, rs, owner, now);
            }
        }
        KubeChange::Deployments(c) => {
            for d in each(c) {
                let key = d.key();
                let old = cluster.deployments.get(&key).map(|d| d.as_ref());
                let revision = |d: &k8s_openapi::api::apps::v1::Deployment| {
                    d.metadata
                        .annotations
                        .as_ref()
                        .and_then(|a| a.get("deployment.kubernetes.io/revision").cloned())
                };
                let moved = old.is_some_and(|o| revision(o) != revision(d));
                let sets = if moved {
                    owned_replicasets(cluster, &key.0, &key.1)
                } else {
                    Vec::new()
                };
                match timeline::rollouts::observe_deployment(store, old, d, &sets, now) {
                    Some(due) => state.stalls.insert(key, due),
                    None => state.stalls.remove(&key),
                };
            }
        }
        KubeChange::StatefulSets(c) => {
            for s in each(c) {
                let old = cluster.statefulsets.get(&s.key()).map(|s| s.as_ref());
                timeline::rollouts::observe_statefulset(store, old, s, now);
            }
        }
        KubeChange::Nodes(c) => {
            for n in each(c) {
                let old = cluster.nodes.get(&n.key()).map(|n| n.as_ref());
                timeline::nodes::observe(store, old, n, now);
            }
        }
        KubeChange::Events(c) => {
            for e in each(c) {
                timeline::events::observe(store, e, now);
            }
        }
        KubeChange::Jobs(c) => {
            for job in each(c) {
                timeline::jobs::observe(store, job, now);
            }
        }
        KubeChange::Configs(c) => {
            for object in each(c) {
                timeline::config::observe(store, object, now);
            }
        }
        KubeChange::Autoscalers(_) | KubeChange::CronJobs(_) => {}
    }
}

impl TimelineState {
    /// Pods that have now been unready past the threshold (a pod that stays unready gets no
    /// update to be noticed by).
    pub fn tick(&mut self, cluster: &Cluster, now: DateTime<Utc>) {
        let due: Vec<ObjKey> = self
            .recheck
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        let stalls: Vec<ObjKey> = self
            .stalls
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in stalls {
            self.stalls.remove(&key);
            if let Some(d) = cluster.deployments.get(&key)
                && let Some(again) =
                    timeline::rollouts::observe_deployment(&mut self.store, None, d, &[], now)
            {
                self.stalls.insert(key, again);
            }
        }
        for key in due {
            self.recheck.remove(&key);
            if let Some(row) = cluster.pods.get(&key)
                && let Some(again) = timeline::pods::observe(&mut self.store, row, Some(false), now)
            {
                self.recheck.insert(key, again);
            }
        }
    }

    /// One poll of every Alertmanager, merged.
    pub fn observe_alerts(
        &mut self,
        merged: &crate::alerting::merge::MergedAlerts,
        now: DateTime<Utc>,
    ) {
        self.heard.alertmanager = true;
        timeline::alerts::observe(&mut self.store, &mut self.firing, merged, now);
    }

    /// The SLO crossings from before the console started, as Prometheus answered.
    pub fn observe_crossings(
        &mut self,
        read: Result<Vec<crate::slo::crossings::Crossing>, String>,
        now: DateTime<Utc>,
    ) {
        self.burn_history = Some(read.map(|crossings| {
            timeline::slos::record_crossings(&mut self.store, &mut self.slos, &crossings, now);
            crossings.len()
        }));
    }

    /// The first budget read for `slo`, and when.
    pub fn first_budget(&self, slo: &str) -> Option<(DateTime<Utc>, f64)> {
        self.slos.first_budget(slo)
    }

    /// One Prometheus observation's SLO statuses, read at `at`.
    pub fn observe_slos(&mut self, statuses: &[SloStatus], at: DateTime<Utc>, now: DateTime<Utc>) {
        self.heard.prometheus = true;
        timeline::slos::observe(&mut self.store, &mut self.slos, statuses, at, now);
    }
}
