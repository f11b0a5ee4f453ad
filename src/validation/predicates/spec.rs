//! Predicates over what the workloads ask for (their manifests as the API holds them): resource
//! fields, probes, update strategy, placement, and whether the controllers have caught up.

use std::sync::Arc;

use chrono::Utc;
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::CronJob;
use k8s_openapi::api::core::v1::{Container, Event, Node, PodSpec, Taint, Toleration};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Reading, Tally, Template, Unread, named, templates};
use crate::model::age::k8s_time;
use crate::validation::lists::Lists;
use crate::validation::runbook::KubeCheck;

/// `containers-set`: every container of every workload (CronJobs' too) sets `fields`.
pub async fn containers_set(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let fields = check.list("fields");
    let mut tally = Tally::new(
        "containers",
        lists.source(
            "deployments, statefulsets, daemonsets, cronjobs",
            namespaces,
        ),
    );
    let mut specs: Vec<(String, PodSpec)> = selected(templates(lists, namespaces).await?, check)
        .into_iter()
        .filter_map(|t| Some((format!("{}/{}", t.namespace, t.workload), t.template.spec?)))
        .collect();
    for ns in namespaces {
        let cronjobs: Arc<Vec<CronJob>> = lists.list(ns, None).await.reading("cronjobs")?;
        specs.extend(cronjobs.iter().filter_map(|c| {
            let spec = c
                .spec
                .as_ref()?
                .job_template
                .spec
                .as_ref()?
                .template
                .spec
                .clone()?;
            Some((
                format!("{ns}/cronjob/{}", c.metadata.name.as_deref().unwrap_or("")),
                spec,
            ))
        }));
    }
    for (workload, spec) in specs {
        for container in &spec.containers {
            let missing: Vec<&str> = fields
                .iter()
                .filter(|f| !resource_set(container, f))
                .map(String::as_str)
                .collect();
            let who = format!("{workload} container {}", container.name);
            if missing.is_empty() {
                tally.pass(who);
            } else {
                tally.fail(format!("{who} lacks {}", missing.join(", ")));
            }
        }
    }
    Ok(tally)
}

fn resource_set(container: &Container, field: &str) -> bool {
    let Some((which, resource)) = field.split_once('.') else {
        return false;
    };
    let resources = container.resources.as_ref();
    let map = match which {
        "requests" => resources.and_then(|r| r.requests.as_ref()),
        "limits" => resources.and_then(|r| r.limits.as_ref()),
        _ => None,
    };
    map.is_some_and(|m| m.contains_key(resource))
}

/// `probes`: every container of the long-running workloads (or of the named ones, which must
/// exist) has the probes.
pub async fn probes(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let wanted = check.list("probes");
    let names = check.list("names");
    let mut tally = Tally::new(
        "containers",
        lists.source("deployments, statefulsets, daemonsets", namespaces),
    );
    let all = selected(templates(lists, namespaces).await?, check);
    for name in names {
        if !all.iter().any(|t| &t.name == name) {
            tally.fail(format!("no workload {name} in {}", namespaces.join(", ")));
        }
    }
    for t in all
        .iter()
        .filter(|t| names.is_empty() || names.contains(&t.name))
    {
        for container in t.template.spec.iter().flat_map(|s| &s.containers) {
            let missing: Vec<&str> = wanted
                .iter()
                .filter(|p| !has_probe(container, p))
                .map(String::as_str)
                .collect();
            let who = format!(
                "{}/{} container {}",
                t.namespace, t.workload, container.name
            );
            if missing.is_empty() {
                tally.pass(who);
            } else {
                tally.fail(format!("{who} has no {} probe", missing.join(", ")));
            }
        }
    }
    Ok(tally)
}

fn has_probe(container: &Container, probe: &str) -> bool {
    match probe {
        "liveness" => container.liveness_probe.is_some(),
        "readiness" => container.readiness_probe.is_some(),
        "startup" => container.startup_probe.is_some(),
        _ => false,
    }
}

/// The templates whose labels `selector` (a `k=v,k2=v2` equality selector) selects.
fn selected(all: Vec<Template>, check: &KubeCheck) -> Vec<Template> {
    let Some(selector) = check.text("selector") else {
        return all;
    };
    let pairs: Vec<(&str, &str)> = selector
        .split(',')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    all.into_iter()
        .filter(|t| {
            let labels = t.template.metadata.as_ref().and_then(|m| m.labels.as_ref());
            pairs
                .iter()
                .all(|(k, v)| labels.and_then(|l| l.get(*k)).map(String::as_str) == Some(*v))
        })
        .collect()
}

/// `rolling-update`: Deployments with at least `minimum` replicas use RollingUpdate with a
/// maxUnavailable below their replicas (Kubernetes' defaults: RollingUpdate, 25 % rounded down).
pub async fn rolling_update(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let minimum = check.integer("minimum").unwrap_or(2) as i32;
    let mut tally = Tally::new("Deployments", lists.source("deployments", namespaces));
    for ns in namespaces {
        let deployments: Arc<Vec<Deployment>> =
            lists.list(ns, None).await.reading("deployments")?;
        for d in deployments.iter() {
            let Some(spec) = d.spec.as_ref() else {
                continue;
            };
            let replicas = spec.replicas.unwrap_or(1);
            if replicas < minimum {
                continue;
            }
            let who = named(ns, &d.metadata.name);
            let strategy = spec.strategy.as_ref();
            let kind = strategy
                .and_then(|s| s.type_.as_deref())
                .unwrap_or("RollingUpdate");
            if kind != "RollingUpdate" {
                tally.fail(format!("{who}: strategy {kind}"));
                continue;
            }
            let max_unavailable = strategy
                .and_then(|s| s.rolling_update.as_ref())
                .and_then(|r| r.max_unavailable.as_ref())
                .map(|v| resolve(v, replicas, false))
                .unwrap_or(replicas / 4);
            tally.judge(
                max_unavailable < replicas,
                format!("{who}: maxUnavailable {max_unavailable} of {replicas} replicas"),
            );
        }
    }
    Ok(tally)
}

/// An int-or-percent against `total`, rounded as the Deployment controller rounds it.
fn resolve(value: &IntOrString, total: i32, round_up: bool) -> i32 {
    match value {
        IntOrString::Int(n) => *n,
        IntOrString::String(s) => {
            let percent: f64 = s.trim_end_matches('%').parse().unwrap_or(0.0);
            let exact = f64::from(total) * percent / 100.0;
            (if round_up {
                exact.ceil()
            } else {
                exact.floor()
            }) as i32
        }
    }
}

/// The node-label keys AKS puts a node's pool under.
const POOL_LABELS: &[&str] = &["agentpool", "kubernetes.azure.com/agentpool"];

/// `placed-on-pool`: each `NAMESPACE/NAME=POOL` workload's pod template selects the pool's
/// nodes (nodeSelector or required node affinity) and tolerates every taint they carry.
pub async fn placed_on_pool(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let mut tally = Tally::new(
        "workloads",
        lists.source("nodes, deployments, statefulsets, daemonsets", namespaces),
    );
    let nodes: Arc<Vec<Node>> = lists.cluster().await.reading("nodes")?;
    let all = templates(lists, namespaces).await?;
    for placement in check.list("placements") {
        let Some((workload, pool)) = placement.split_once('=') else {
            tally.fail(format!("{placement}: write NAMESPACE/NAME=POOL"));
            continue;
        };
        let Some((ns, name)) = workload.split_once('/') else {
            tally.fail(format!("{placement}: write NAMESPACE/NAME=POOL"));
            continue;
        };
        let Some(t) = all.iter().find(|t| t.namespace == ns && t.name == name) else {
            tally.fail(format!("no workload {workload}"));
            continue;
        };
        let in_pool: Vec<&Node> = nodes
            .iter()
            .filter(|n| {
                let labels = n.metadata.labels.as_ref();
                POOL_LABELS
                    .iter()
                    .any(|k| labels.and_then(|l| l.get(*k)).map(String::as_str) == Some(pool))
            })
            .collect();
        if in_pool.is_empty() {
            tally.fail(format!("{ns}/{}: no nodes in pool {pool}", t.workload));
            continue;
        }
        let spec = t.template.spec.clone().unwrap_or_default();
        if !selects_pool(&spec, pool) {
            tally.fail(format!("{ns}/{}: does not select pool {pool}", t.workload));
            continue;
        }
        let untolerated: Vec<String> = in_pool
            .iter()
            .flat_map(|n| n.spec.iter().flat_map(|s| s.taints.iter().flatten()))
            .filter(|taint| matches!(taint.effect.as_str(), "NoSchedule" | "NoExecute"))
            // The node lifecycle controller's condition taints (memory-pressure, not-ready...)
            // come and go with the node's state: they are not what makes a pool.
            .filter(|taint| !taint.key.starts_with("node.kubernetes.io/"))
            .filter(|taint| {
                !spec
                    .tolerations
                    .iter()
                    .flatten()
                    .any(|t| tolerates(t, taint))
            })
            .map(|t| {
                format!(
                    "{}={}:{}",
                    t.key,
                    t.value.as_deref().unwrap_or(""),
                    t.effect
                )
            })
            .collect();
        if let Some(taint) = untolerated.first() {
            tally.fail(format!(
                "{ns}/{}: selects pool {pool} but does not tolerate {taint}",
                t.workload
            ));
        } else {
            tally.pass(format!("{ns}/{} on pool {pool}", t.workload));
        }
    }
    Ok(tally)
}

fn selects_pool(spec: &PodSpec, pool: &str) -> bool {
    let by_selector = spec.node_selector.as_ref().is_some_and(|s| {
        POOL_LABELS
            .iter()
            .any(|k| s.get(*k).map(String::as_str) == Some(pool))
    });
    let by_affinity = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|a| {
            a.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .is_some_and(|required| {
            !required.node_selector_terms.is_empty()
                && required.node_selector_terms.iter().all(|term| {
                    term.match_expressions.iter().flatten().any(|e| {
                        POOL_LABELS.contains(&e.key.as_str())
                            && e.operator == "In"
                            && e.values.iter().flatten().all(|v| v == pool)
                    })
                })
        });
    by_selector || by_affinity
}

/// Kubernetes' toleration rule: an empty key with Exists tolerates everything; otherwise the
/// keys match and either Exists, or Equal with the same value; an empty effect matches any.
fn tolerates(toleration: &Toleration, taint: &Taint) -> bool {
    let effect_ok = toleration
        .effect
        .as_deref()
        .is_none_or(|e| e.is_empty() || e == taint.effect);
    let key = toleration.key.as_deref().unwrap_or("");
    let exists = toleration.operator.as_deref() == Some("Exists");
    if key.is_empty() {
        return exists && effect_ok;
    }
    effect_ok
        && key == taint.key
        && (exists
            || toleration.value.as_deref().unwrap_or("") == taint.value.as_deref().unwrap_or(""))
}

/// `observed-generation`: every Deployment, StatefulSet and DaemonSet has been observed at its
/// generation, and no FailedCreate event happened `within` (default an hour).
pub async fn observed_generation(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let within = check
        .duration("within")
        .unwrap_or(std::time::Duration::from_secs(3600));
    let since =
        Utc::now() - chrono::Duration::from_std(within).unwrap_or(chrono::Duration::hours(1));
    let mut tally = Tally::new(
        "workloads",
        lists.source("deployments, statefulsets, daemonsets, events", namespaces),
    );
    for ns in namespaces {
        let deployments: Arc<Vec<Deployment>> =
            lists.list(ns, None).await.reading("deployments")?;
        let statefulsets: Arc<Vec<StatefulSet>> =
            lists.list(ns, None).await.reading("statefulsets")?;
        let daemonsets: Arc<Vec<DaemonSet>> = lists.list(ns, None).await.reading("daemonsets")?;
        let events: Arc<Vec<Event>> = lists.list(ns, None).await.reading("events")?;
        // A FailedCreate names the controller that could not create (a ReplicaSet, a Job):
        // each recent one is an offender of its own.
        for e in events.iter().filter(|e| {
            e.reason.as_deref() == Some("FailedCreate")
                && e.last_timestamp
                    .as_ref()
                    .map(k8s_time)
                    .or(e.event_time.as_ref().map(|t| {
                        chrono::DateTime::<Utc>::from_timestamp_nanos(t.0.as_nanosecond() as i64)
                    }))
                    .is_some_and(|at| at >= since)
        }) {
            let object = &e.involved_object;
            tally.fail(format!(
                "{ns}/{}/{}: FailedCreate: {}",
                object.kind.as_deref().unwrap_or("").to_lowercase(),
                object.name.as_deref().unwrap_or(""),
                e.message.as_deref().unwrap_or("")
            ));
        }
        let mut judge = |kind: &str, meta: &kube::core::ObjectMeta, observed: Option<i64>| {
            let name = meta.name.as_deref().unwrap_or("");
            let generation = meta.generation.unwrap_or(0);
            let observed = observed.unwrap_or(0);
            let who = format!("{ns}/{kind}/{name}");
            if observed < generation {
                tally.fail(format!(
                    "{who}: generation {generation}, observed {observed}"
                ));
            } else {
                tally.pass(format!("{who} at generation {generation}"));
            }
        };
        for d in deployments.iter() {
            let observed = d.status.as_ref().and_then(|s| s.observed_generation);
            judge("deployment", &d.metadata, observed);
        }
        for s in statefulsets.iter() {
            let observed = s.status.as_ref().and_then(|s| s.observed_generation);
            judge("statefulset", &s.metadata, observed);
        }
        for d in daemonsets.iter() {
            let observed = d.status.as_ref().and_then(|s| s.observed_generation);
            judge("daemonset", &d.metadata, observed);
        }
    }
    Ok(tally)
}
