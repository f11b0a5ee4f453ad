//! Predicates over what is running: rollouts, pods, restarts, endpoints, replicas, disruption
//! budgets, autoscalers, Jobs, configuration and load balancers, by the same rules kubectl
//! and the controllers use.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{ConfigMap, Endpoints, Pod, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;

use super::{Reading, Tally, Unread, age, named};
use crate::model::age::k8s_time;
use crate::model::rollout::{RolloutPhase, deployment_status, statefulset_status};
use crate::validation::lists::Lists;
use crate::validation::runbook::KubeCheck;

/// `rolled-out`: the Deployments and StatefulSets (all, or the named ones, which must exist)
/// have rolled out by `kubectl rollout status`'s rule.
pub async fn rolled_out(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let names = check.list("names");
    let mut tally = Tally::new(
        "workloads",
        lists.source("deployments, statefulsets", namespaces),
    );
    let mut seen = Vec::new();
    for ns in namespaces {
        let deployments: Arc<Vec<Deployment>> =
            lists.list(ns, None).await.reading("deployments")?;
        let statefulsets: Arc<Vec<StatefulSet>> =
            lists.list(ns, None).await.reading("statefulsets")?;
        let statuses = deployments
            .iter()
            .map(|d| (&d.metadata.name, "deployment", deployment_status(d)))
            .chain(
                statefulsets
                    .iter()
                    .map(|s| (&s.metadata.name, "statefulset", statefulset_status(s))),
            );
        for (name, kind, status) in statuses {
            let name = name.clone().unwrap_or_default();
            if !names.is_empty() && !names.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            tally.judge(
                status.phase == RolloutPhase::Complete,
                format!("{ns}/{kind}/{name}: {}", status.message),
            );
        }
    }
    missing(&mut tally, names, &seen, "workload", namespaces);
    Ok(tally)
}

/// Each of `names` not in `seen` is an offender: a named object that is not there fails.
fn missing(tally: &mut Tally, names: &[String], seen: &[String], what: &str, ns: &[String]) {
    for name in names.iter().filter(|n| !seen.contains(n)) {
        tally.fail(format!("no {what} {name} in {}", ns.join(", ")));
    }
}

/// Owned by a Job: its pods finish, and are judged by the Job.
fn job_pod(pod: &Pod) -> bool {
    pod.metadata
        .owner_references
        .iter()
        .flatten()
        .any(|o| o.kind == "Job")
}

/// `pods-ready`: every pod not run by a Job is Running with Ready=True.
pub async fn pods_ready(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let mut tally = Tally::new("pods", lists.source("pods", namespaces));
    for ns in namespaces {
        let pods: Arc<Vec<Pod>> = lists
            .list(ns, check.text("selector"))
            .await
            .reading("pods")?;
        for pod in pods.iter().filter(|p| !job_pod(p)) {
            let status = pod.status.as_ref();
            let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
            let ready = status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            let who = named(ns, &pod.metadata.name);
            match (phase, ready) {
                ("Running", true) => tally.pass(format!("{who} Running, Ready")),
                ("Running", false) => tally.fail(format!("{who} Running, not Ready")),
                (phase, _) => tally.fail(format!("{who} {phase}")),
            }
        }
    }
    Ok(tally)
}

/// `restarts-since`: no container's last termination (a restart) ended within the duration.
pub async fn restarts_since(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let within = check
        .duration("within")
        .unwrap_or(std::time::Duration::from_secs(3600));
    let now = Utc::now();
    let since = now - chrono::Duration::from_std(within).unwrap_or(chrono::Duration::hours(1));
    let mut tally = Tally::new("containers", lists.source("pods", namespaces));
    for ns in namespaces {
        let pods: Arc<Vec<Pod>> = lists
            .list(ns, check.text("selector"))
            .await
            .reading("pods")?;
        for pod in pods.iter() {
            let statuses = pod
                .status
                .iter()
                .flat_map(|s| s.container_statuses.iter().flatten());
            for c in statuses {
                let who = format!("{} container {}", named(ns, &pod.metadata.name), c.name);
                let last: Option<DateTime<Utc>> = c
                    .last_state
                    .as_ref()
                    .and_then(|s| s.terminated.as_ref())
                    .and_then(|t| t.finished_at.as_ref())
                    .map(k8s_time);
                match last {
                    Some(at) if c.restart_count > 0 && at >= since => tally.fail(format!(
                        "{who}: {} restarts, the last {} ago",
                        c.restart_count,
                        age(now - at)
                    )),
                    _ => tally.pass(format!("{who}: {} restarts", c.restart_count)),
                }
            }
        }
    }
    Ok(tally)
}

/// `endpoints-ready`: every Service with a selector (all, or the named ones) has a ready
/// address in its Endpoints.
pub async fn endpoints_ready(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let names = check.list("names");
    let mut tally = Tally::new("Services", lists.source("services, endpoints", namespaces));
    let mut seen = Vec::new();
    for ns in namespaces {
        let services: Arc<Vec<Service>> = lists.list(ns, None).await.reading("services")?;
        let endpoints: Arc<Vec<Endpoints>> = lists.list(ns, None).await.reading("endpoints")?;
        for service in services.iter() {
            let name = service.metadata.name.clone().unwrap_or_default();
            let selects = service
                .spec
                .as_ref()
                .and_then(|s| s.selector.as_ref())
                .is_some_and(|s| !s.is_empty());
            if !selects || (!names.is_empty() && !names.contains(&name)) {
                continue;
            }
            seen.push(name.clone());
            let ready = ready_addresses(&endpoints, &name);
            tally.judge(
                ready > 0,
                format!("{ns}/{name}: {ready} ready endpoint{}", plural(ready)),
            );
        }
    }
    missing(&mut tally, names, &seen, "Service", namespaces);
    Ok(tally)
}

fn ready_addresses(endpoints: &[Endpoints], service: &str) -> usize {
    endpoints
        .iter()
        .filter(|e| e.metadata.name.as_deref() == Some(service))
        .flat_map(|e| e.subsets.iter().flatten())
        .map(|s| s.addresses.as_ref().map_or(0, Vec::len))
        .sum()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `load-balancer-ready`: the named LoadBalancer Services have an external address and a
/// ready endpoint.
pub async fn load_balancer_ready(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let names = check.list("names");
    let mut tally = Tally::new("Services", lists.source("services, endpoints", namespaces));
    let mut seen = Vec::new();
    for ns in namespaces {
        let services: Arc<Vec<Service>> = lists.list(ns, None).await.reading("services")?;
        let endpoints: Arc<Vec<Endpoints>> = lists.list(ns, None).await.reading("endpoints")?;
        for service in services.iter() {
            let name = service.metadata.name.clone().unwrap_or_default();
            if !names.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let who = format!("{ns}/{name}");
            let kind = service
                .spec
                .as_ref()
                .and_then(|s| s.type_.as_deref())
                .unwrap_or("ClusterIP");
            let address: Option<String> = service
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .and_then(|i| i.first())
                .and_then(|i| i.ip.clone().or(i.hostname.clone()));
            let ready = ready_addresses(&endpoints, &name);
            match (kind, address) {
                ("LoadBalancer", Some(address)) if ready > 0 => tally.pass(format!(
                    "{who}: {address}, {ready} ready endpoint{}",
                    plural(ready)
                )),
                ("LoadBalancer", Some(address)) => {
                    tally.fail(format!("{who}: {address}, no ready endpoint"))
                }
                ("LoadBalancer", None) => tally.fail(format!("{who}: no external address yet")),
                (other, _) => tally.fail(format!("{who}: type {other}, not LoadBalancer")),
            }
        }
    }
    missing(&mut tally, names, &seen, "Service", namespaces);
    Ok(tally)
}

/// `replicas-at-least`: the named workloads run at least `minimum` ready replicas; the `pdb`,
/// when named, allows a disruption.
pub async fn replicas_at_least(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let names = check.list("names");
    let minimum = check.integer("minimum").unwrap_or(2) as i32;
    let mut tally = Tally::new(
        "checks",
        lists.source(
            "deployments, statefulsets, poddisruptionbudgets",
            namespaces,
        ),
    );
    let mut seen = Vec::new();
    for ns in namespaces {
        let deployments: Arc<Vec<Deployment>> =
            lists.list(ns, None).await.reading("deployments")?;
        let statefulsets: Arc<Vec<StatefulSet>> =
            lists.list(ns, None).await.reading("statefulsets")?;
        let ready = deployments
            .iter()
            .map(|d| {
                let ready = d.status.as_ref().and_then(|s| s.ready_replicas);
                (&d.metadata.name, "deployment", ready)
            })
            .chain(statefulsets.iter().map(|s| {
                let ready = s.status.as_ref().and_then(|s| s.ready_replicas);
                (&s.metadata.name, "statefulset", ready)
            }));
        for (name, kind, ready) in ready {
            let name = name.clone().unwrap_or_default();
            if !names.contains(&name) {
                continue;
            }
            seen.push(name.clone());
            let ready = ready.unwrap_or(0);
            tally.judge(
                ready >= minimum,
                format!("{ns}/{kind}/{name}: {ready} ready"),
            );
        }
        if let Some(pdb) = check.text("pdb") {
            let budgets: Arc<Vec<PodDisruptionBudget>> =
                lists.list(ns, None).await.reading("poddisruptionbudgets")?;
            judge_budget(&mut tally, ns, &budgets, pdb);
        }
    }
    missing(&mut tally, names, &seen, "workload", namespaces);
    Ok(tally)
}

/// A budget named `name`, or the one for the workload `name` (`backend` finds `backend-pdb`).
fn judge_budget(tally: &mut Tally, ns: &str, budgets: &[PodDisruptionBudget], name: &str) {
    let budget = budgets
        .iter()
        .find(|b| b.metadata.name.as_deref() == Some(name))
        .or_else(|| {
            budgets
                .iter()
                .find(|b| b.metadata.name.as_deref() == Some(&format!("{name}-pdb")))
        });
    let Some(budget) = budget else {
        tally.fail(format!("{ns}: no PodDisruptionBudget {name}"));
        return;
    };
    let allowed = budget.status.as_ref().map_or(0, |s| s.disruptions_allowed);
    tally.judge(
        allowed >= 1,
        format!(
            "{}: {allowed} disruption{} allowed",
            named(ns, &budget.metadata.name),
            plural(allowed.max(0) as usize)
        ),
    );
}

/// `pdb-allows`: the named PodDisruptionBudgets allow a disruption.
pub async fn pdb_allows(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let mut tally = Tally::new(
        "PodDisruptionBudgets",
        lists.source("poddisruptionbudgets", namespaces),
    );
    for ns in namespaces {
        let budgets: Arc<Vec<PodDisruptionBudget>> =
            lists.list(ns, None).await.reading("poddisruptionbudgets")?;
        for name in check.list("names") {
            judge_budget(&mut tally, ns, &budgets, name);
        }
    }
    Ok(tally)
}

/// `hpa-active`: an HPA targets each named workload and reports ScalingActive=True.
pub async fn hpa_active(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let names = check.list("names");
    let mut tally = Tally::new(
        "autoscalers",
        lists.source("horizontalpodautoscalers", namespaces),
    );
    let mut seen = Vec::new();
    for ns in namespaces {
        let hpas: Arc<Vec<HorizontalPodAutoscaler>> = lists
            .list(ns, None)
            .await
            .reading("horizontalpodautoscalers")?;
        for hpa in hpas.iter() {
            let Some(target) = hpa.spec.as_ref().map(|s| s.scale_target_ref.name.clone()) else {
                continue;
            };
            if !names.contains(&target) {
                continue;
            }
            seen.push(target.clone());
            let active = hpa
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .find(|c| c.type_ == "ScalingActive");
            let who = format!("{} for {target}", named(ns, &hpa.metadata.name));
            match active {
                Some(c) if c.status == "True" => tally.pass(format!("{who}: ScalingActive")),
                Some(c) => tally.fail(format!(
                    "{who}: ScalingActive={} ({})",
                    c.status,
                    c.reason.as_deref().unwrap_or("")
                )),
                None => tally.fail(format!("{who}: no ScalingActive condition yet")),
            }
        }
    }
    missing(&mut tally, names, &seen, "HPA for", namespaces);
    Ok(tally)
}

/// `config-present`: the ConfigMap has the keys; the Secrets exist (metadata only).
pub async fn config_present(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let mut tally = Tally::new(
        "objects",
        lists.source("configmaps, secrets (metadata)", namespaces),
    );
    for ns in namespaces {
        if let Some(name) = check.text("configmap") {
            let maps: Arc<Vec<ConfigMap>> = lists.list(ns, None).await.reading("configmaps")?;
            match maps
                .iter()
                .find(|m| m.metadata.name.as_deref() == Some(name))
            {
                None => tally.fail(format!("{ns}: no ConfigMap {name}")),
                Some(map) => {
                    let missing: Vec<&str> = check
                        .list("keys")
                        .iter()
                        .filter(|k| {
                            !map.data.as_ref().is_some_and(|d| d.contains_key(*k))
                                && !map.binary_data.as_ref().is_some_and(|d| d.contains_key(*k))
                        })
                        .map(String::as_str)
                        .collect();
                    if missing.is_empty() {
                        tally.pass(format!(
                            "{ns}/{name}: {} keys present",
                            check.list("keys").len()
                        ));
                    } else {
                        tally.fail(format!("{ns}/{name}: no {}", missing.join(", ")));
                    }
                }
            }
        }
        let wanted = check.list("secrets");
        if !wanted.is_empty() {
            let secrets = lists.secret_names(ns).await.reading("secrets")?;
            for name in wanted {
                tally.judge(
                    secrets.contains(name),
                    if secrets.contains(name) {
                        format!("{ns}/{name}: Secret present")
                    } else {
                        format!("{ns}: no Secret {name}")
                    },
                );
            }
        }
    }
    Ok(tally)
}

/// `job-succeeded`: a Job (of the CronJob, matching the selector, labelled for the named
/// workload's deployed version) succeeded, within the duration when one is given.
pub async fn job_succeeded(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let now = Utc::now();
    let within = check
        .duration("within")
        .and_then(|d| chrono::Duration::from_std(d).ok());
    let mut tally = Tally::new("Jobs", lists.source("jobs", namespaces));
    for ns in namespaces {
        let jobs: Arc<Vec<Job>> = lists
            .list(ns, check.text("selector"))
            .await
            .reading("jobs")?;
        let version = match check.text("version-of") {
            Some(workload) => Some(deployed_version(lists, ns, workload).await?),
            None => None,
        };
        let candidates: Vec<&Job> = jobs
            .iter()
            .filter(|j| {
                check.text("cronjob").is_none_or(|cron| {
                    j.metadata
                        .owner_references
                        .iter()
                        .flatten()
                        .any(|o| o.kind == "CronJob" && o.name == cron)
                })
            })
            .filter(|j| {
                version.as_ref().is_none_or(|(_, v)| {
                    j.metadata
                        .labels
                        .as_ref()
                        .and_then(|l| l.get(VERSION_LABEL))
                        == Some(v)
                })
            })
            .collect();
        let completed = |j: &&Job| -> Option<DateTime<Utc>> {
            let status = j.status.as_ref()?;
            let complete = status
                .conditions
                .iter()
                .flatten()
                .any(|c| c.type_ == "Complete" && c.status == "True");
            (complete || status.succeeded.unwrap_or(0) > 0)
                .then(|| status.completion_time.as_ref().map(k8s_time))
                .flatten()
        };
        let newest = candidates
            .iter()
            .filter_map(|j| completed(j).map(|at| (at, *j)))
            .max_by_key(|(at, _)| *at);
        let what = match (&version, check.text("cronjob")) {
            (Some((workload, v)), _) => format!("for {workload} {v}"),
            (None, Some(cron)) => format!("of CronJob {cron}"),
            (None, None) => format!("matching {}", check.text("selector").unwrap_or("anything")),
        };
        match newest {
            None => tally.fail(format!(
                "{ns}: no completed Job {what} ({} Job{} seen)",
                candidates.len(),
                plural(candidates.len())
            )),
            Some((at, job)) => {
                let who = named(ns, &job.metadata.name);
                let ago = age(now - at);
                match within {
                    Some(limit) if now - at > limit => tally.fail(format!(
                        "{who} {what} completed {ago} ago, longer ago than {}",
                        age(limit)
                    )),
                    _ => tally.pass(format!("{who} {what} completed {ago} ago")),
                }
            }
        }
    }
    Ok(tally)
}

/// The label a release tool puts a workload's version under (the Helm and Kustomize convention).
const VERSION_LABEL: &str = "app.kubernetes.io/version";

/// What a workload runs: its first container's image tag (the truth after a `set image`),
/// else its template's version label.
async fn deployed_version(
    lists: &Lists,
    ns: &str,
    workload: &str,
) -> Result<(String, String), Unread> {
    let deployments: Arc<Vec<Deployment>> = lists.list(ns, None).await.reading("deployments")?;
    let statefulsets: Arc<Vec<StatefulSet>> = lists.list(ns, None).await.reading("statefulsets")?;
    let template = deployments
        .iter()
        .find(|d| d.metadata.name.as_deref() == Some(workload))
        .and_then(|d| d.spec.as_ref().map(|s| s.template.clone()))
        .or_else(|| {
            statefulsets
                .iter()
                .find(|s| s.metadata.name.as_deref() == Some(workload))
                .and_then(|s| s.spec.as_ref().map(|s| s.template.clone()))
        })
        .ok_or_else(|| Unread {
            why: format!("no workload {workload} in {ns} to take the version of"),
            kinds: "deployments, statefulsets",
        })?;
    let tag = template
        .spec
        .as_ref()
        .and_then(|s| s.containers.first())
        .and_then(|c| c.image.as_deref())
        .and_then(|image| image.rsplit_once(':'))
        .map(|(_, tag)| tag.to_string())
        .filter(|tag| !tag.contains('/'));
    let label = template
        .metadata
        .as_ref()
        .and_then(|m| m.labels.as_ref())
        .and_then(|l| l.get(VERSION_LABEL).cloned());
    tag.or(label)
        .map(|v| (workload.to_string(), v))
        .ok_or_else(|| Unread {
            why: format!("{ns}/{workload} names no version (no image tag, no {VERSION_LABEL})"),
            kinds: "deployments, statefulsets",
        })
}
