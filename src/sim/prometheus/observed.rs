//! Series that follow the simulated cluster, as kube-state-metrics and the PostgreSQL exporter
//! would export them: sampled from the object store once a second and kept as step functions
//! (a value holds from its sample until the next change). The scenario's alerts are rules over
//! these, so an alert starts at or after the cluster change that causes it, never before.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use serde_json::Value;

use super::catalog::Labels;
use crate::sim::resources::{self, ResourceType};
use crate::sim::store::Store;

/// How often the store is sampled.
pub const SAMPLE_EVERY: Duration = Duration::from_secs(1);
/// Changes kept per series: a step function needs only its transitions.
const KEPT: usize = 512;

/// Every observed series: its labels (with `__name__`) and its transitions `(time, value)`.
#[derive(Debug, Default)]
pub struct Observed {
    series: RwLock<BTreeMap<Labels, Vec<(f64, f64)>>>,
}

impl Observed {
    /// The value of each series at `t`: the last transition at or before it. A series with no
    /// transition yet at `t` has no sample, as before an exporter's first scrape.
    pub fn at(&self, t: f64) -> Vec<(Labels, f64)> {
        let Ok(series) = self.series.read() else {
            return Vec::new();
        };
        series
            .iter()
            .filter_map(|(labels, points)| {
                let i = points.partition_point(|(pt, _)| *pt <= t);
                i.checked_sub(1).map(|i| (labels.clone(), points[i].1))
            })
            .collect()
    }

    /// Records `values` as of `t`: a series whose value changed gets a transition; one no longer
    /// reported drops to 0 (kube-state-metrics stops exporting it; here 0 keeps rules simple).
    pub fn record(&self, t: f64, values: BTreeMap<Labels, f64>) {
        let Ok(mut series) = self.series.write() else {
            return;
        };
        for (labels, points) in series.iter_mut() {
            if !values.contains_key(labels) && points.last().is_some_and(|(_, v)| *v != 0.0) {
                points.push((t, 0.0));
            }
        }
        for (labels, value) in values {
            let points = series.entry(labels).or_default();
            if points.last().is_none_or(|(_, v)| *v != value) {
                points.push((t, value));
            }
            if points.len() > KEPT {
                points.drain(..points.len() - KEPT);
            }
        }
    }
}

fn labels(name: &str, pairs: &[(&str, &str)]) -> Labels {
    let mut l: Labels = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    l.insert("__name__".into(), name.into());
    l
}

fn resource(group: &str, plural: &str) -> Option<&'static ResourceType> {
    resources::find(group, "v1", plural)
}

const NAMESPACES: [&str; 3] = ["ms5-production", "ms5-staging", "ms5-system"];

/// The exporters' view of the cluster now.
pub fn sample(store: &Store) -> BTreeMap<Labels, f64> {
    let mut out = BTreeMap::new();
    if let Some(pods) = resource("", "pods") {
        for ns in NAMESPACES {
            let mut postgres_ready = false;
            for pod in store.list(pods, Some(ns)).0 {
                let pod = pod.value();
                let name = pod["metadata"]["name"].as_str().unwrap_or_default();
                let app = pod["metadata"]["labels"]["app"]
                    .as_str()
                    .unwrap_or_default();
                let statuses = pod["status"]["containerStatuses"].as_array();
                for cs in statuses.into_iter().flatten() {
                    let reason = cs["state"]["waiting"]["reason"]
                        .as_str()
                        .unwrap_or_default();
                    if matches!(
                        reason,
                        "CrashLoopBackOff" | "ImagePullBackOff" | "ErrImagePull"
                    ) {
                        let container = cs["name"].as_str().unwrap_or_default();
                        out.insert(
                            labels(
                                "kube_pod_container_status_waiting_reason",
                                &[
                                    ("namespace", ns),
                                    ("pod", name),
                                    ("container", container),
                                    ("reason", reason),
                                    ("service", app),
                                ],
                            ),
                            1.0,
                        );
                    }
                }
                let ready = |p: &Value| {
                    p["status"]["conditions"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|c| c["type"] == "Ready" && c["status"] == "True")
                };
                if app == "postgres" && ready(pod) {
                    postgres_ready = true;
                }
            }
            if ns == "ms5-production" {
                out.insert(
                    labels(
                        "pg_up",
                        &[
                            ("namespace", ns),
                            ("service", "postgres"),
                            ("job", "postgres-exporter"),
                        ],
                    ),
                    if postgres_ready { 1.0 } else { 0.0 },
                );
            }
        }
    }
    if let Some(deployments) = resource("apps", "deployments") {
        for ns in NAMESPACES {
            for d in store.list(deployments, Some(ns)).0 {
                let d = d.value();
                let name = d["metadata"]["name"].as_str().unwrap_or_default();
                let stuck = d["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Progressing" && c["status"] == "False");
                if stuck {
                    out.insert(
                        labels(
                            "kube_deployment_status_condition",
                            &[
                                ("namespace", ns),
                                ("deployment", name),
                                ("service", name),
                                ("condition", "Progressing"),
                                ("status", "false"),
                            ],
                        ),
                        1.0,
                    );
                }
            }
        }
    }
    if let Some(nodes) = resource("", "nodes") {
        for node in store.list(nodes, None).0 {
            let node = node.value();
            let name = node["metadata"]["name"].as_str().unwrap_or_default();
            for c in node["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let kind = c["type"].as_str().unwrap_or_default();
                if kind.ends_with("Pressure") && c["status"] == "True" {
                    out.insert(
                        labels(
                            "kube_node_status_condition",
                            &[("node", name), ("condition", kind), ("status", "true")],
                        ),
                        1.0,
                    );
                }
            }
        }
    }
    out
}

/// Samples the store every [`SAMPLE_EVERY`] until the sim stops, and only when something in it
/// changed since the last sample (a step series holds its value): an idle sim of 10,000 pods
/// reads nothing.
pub fn spawn_sampler(store: Arc<Store>, observed: Arc<Observed>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        let mut sampled_at = None;
        loop {
            tick.tick().await;
            let revision = store.revision();
            if sampled_at == Some(revision) {
                continue;
            }
            sampled_at = Some(revision);
            observed.record(super::unix_now(), sample(&store));
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_function_holds_its_value_until_the_next_change() {
        let observed = Observed::default();
        let up = labels("pg_up", &[("namespace", "ms5-production")]);
        observed.record(100.0, BTreeMap::from([(up.clone(), 1.0)]));
        observed.record(101.0, BTreeMap::from([(up.clone(), 1.0)]));
        observed.record(110.0, BTreeMap::from([(up.clone(), 0.0)]));
        assert!(
            observed.at(99.0).is_empty(),
            "nothing before the first sample"
        );
        assert_eq!(observed.at(105.0), [(up.clone(), 1.0)]);
        assert_eq!(observed.at(110.0), [(up.clone(), 0.0)]);
        // A series no longer reported drops to 0.
        let crash = labels("kube_pod_container_status_waiting_reason", &[("pod", "b")]);
        observed.record(120.0, BTreeMap::from([(crash.clone(), 1.0)]));
        observed.record(130.0, BTreeMap::new());
        let at = |t| {
            observed
                .at(t)
                .into_iter()
                .find(|(l, _)| *l == crash)
                .map(|(_, v)| v)
        };
        assert_eq!((at(125.0), at(131.0)), (Some(1.0), Some(0.0)));
    }
}
