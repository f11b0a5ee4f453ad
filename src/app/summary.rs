//! The overview's numbers, computed when their inputs change (or once a minute, for "restarts in
//! the last hour"), not on every frame: with 10,000 pods that is the difference between an
//! idle console and a busy one.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::cluster::Cluster;
use crate::model::node_view::NodeRow;
use crate::model::restarts::StartedEvent;
use crate::model::rollout::Health;
use crate::model::workload::{WorkloadRow, troubled_workloads};

/// Most warnings kept for the overview's list.
const WARNINGS: usize = 50;

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct NamespaceSummary {
    pub healthy: usize,
    pub progressing: usize,
    pub degraded: usize,
    pub pods: usize,
    pub not_ready: usize,
    pub restarts_hour: usize,
}

#[derive(Debug, Default)]
pub struct OverviewSummary {
    pub namespaces: BTreeMap<String, NamespaceSummary>,
    pub nodes: usize,
    pub nodes_ready: usize,
    /// `name (MemoryPressure,DiskPressure)` for each node under pressure.
    pub pressured: Vec<String>,
    /// The cluster's warnings as the timeline tells them (its k8s entries of warning or
    /// critical severity: Warning Events, and what its rules say: rolled back, evicted, crash
    /// loops, unready past the threshold), newest first: one meaning of "warning" on both.
    pub warnings: Vec<Arc<crate::timeline::Entry>>,
    /// Restarts before this time may be missing from `restarts_hour` (the console has not
    /// watched a full hour, and a pod had restarted before it started watching).
    pub restarts_since: Option<chrono::DateTime<chrono::Utc>>,
    /// What it was built from: data versions, focus, and the minute.
    pub built_from: Option<(u64, Option<String>, i64)>,
}

/// The overview's numbers from what they are computed from: the watched objects, the namespaces
/// watched, and the time (for "restarts in the last hour").
pub fn build(
    cluster: &Cluster,
    namespaces: &[String],
    now: chrono::DateTime<chrono::Utc>,
) -> OverviewSummary {
    let mut summary = OverviewSummary::default();
    let watched = |ns: &str| namespaces.iter().any(|n| n == ns);
    let troubled = troubled_workloads(cluster.pods.items.values().map(|p| p.as_ref()));
    let workloads = cluster
        .deployments
        .items
        .values()
        .map(|d| WorkloadRow::of_deployment(d).with_pod_trouble(&troubled))
        .chain(
            cluster
                .statefulsets
                .items
                .values()
                .map(|s| WorkloadRow::of_statefulset(s).with_pod_trouble(&troubled)),
        );
    for w in workloads.filter(|w| watched(&w.namespace)) {
        let s = summary.namespaces.entry(w.namespace.clone()).or_default();
        match w.health {
            Health::Healthy => s.healthy += 1,
            Health::Progressing => s.progressing += 1,
            Health::Degraded => s.degraded += 1,
        }
    }
    // Each pod's `Started` Event (count and when its series began), for restarts before the
    // console watched.
    let started: std::collections::HashMap<(&str, &str), StartedEvent> = cluster
        .events
        .items
        .values()
        .filter(|e| e.reason.as_deref() == Some("Started"))
        .filter(|e| e.involved_object.kind.as_deref() == Some("Pod"))
        .filter_map(|e| {
            let first = e
                .first_timestamp
                .as_ref()
                .map(crate::model::age::k8s_time)?;
            Some((
                (
                    e.involved_object.namespace.as_deref().unwrap_or_default(),
                    e.involved_object.name.as_deref().unwrap_or_default(),
                ),
                StartedEvent {
                    count: e.count.unwrap_or(1),
                    first,
                    last: e
                        .last_timestamp
                        .as_ref()
                        .map(crate::model::age::k8s_time)
                        .unwrap_or(first),
                },
            ))
        })
        .collect();
    for pod in cluster.pods.items.values() {
        if !watched(&pod.namespace) {
            continue;
        }
        let s = summary.namespaces.entry(pod.namespace.clone()).or_default();
        s.pods += 1;
        if pod.short_of_ready() {
            s.not_ready += 1;
        }
        let event = started
            .get(&(pod.namespace.as_str(), pod.name.as_str()))
            .copied();
        let hour = cluster.restarts.within_hour(pod, event, now);
        s.restarts_hour += hour.count;
        summary.restarts_since = summary.restarts_since.max(hour.complete_since);
    }
    for node in cluster.nodes.items.values() {
        let row = NodeRow::of(node);
        summary.nodes += 1;
        summary.nodes_ready += usize::from(row.ready == Some(true));
        if !row.pressures.is_empty() {
            summary
                .pressured
                .push(format!("{} ({})", row.name, row.pressures.join(",")));
        }
    }
    summary
}

/// The timeline's k8s warnings (and worse) in the namespaces shown, newest occurrence first.
pub fn warnings(
    timeline: &crate::timeline::Timeline,
    focus: Option<&str>,
) -> Vec<Arc<crate::timeline::Entry>> {
    use crate::timeline::{Severity, Source};
    let mut warnings: Vec<Arc<crate::timeline::Entry>> = timeline
        .newest_first()
        .filter(|e| e.source == Source::Kube && e.severity <= Severity::Warning)
        .filter(|e| {
            e.subject.namespace.is_empty() || focus.is_none_or(|f| f == e.subject.namespace)
        })
        .take(WARNINGS * 4)
        .cloned()
        .collect();
    warnings.sort_by_key(|e| std::cmp::Reverse(e.last));
    warnings.truncate(WARNINGS);
    warnings
}
