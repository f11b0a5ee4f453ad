//! The `kube` predicates: each reads the lists it needs (shared across the run, `lists.rs`) and
//! judges them, naming every offending object by namespace and name. A read that fails, or a
//! namespace that does not exist, is unknown with the reason, never a pass.

mod network;
mod running;
mod spec;

use std::sync::Arc;

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::core::v1::PodTemplateSpec;

use super::lists::Lists;
use super::outcome::{Evidence, Finding, Verdict};
use super::runbook::KubeCheck;

/// The most offenders (or passing objects) a finding lists by name.
const LISTED: usize = 10;

/// Judges `check` against the cluster as `lists` reads it.
pub async fn check(check: &KubeCheck, lists: &Lists) -> Finding {
    let namespaces = check.list("namespaces");
    if let Err(why) = lists.require_namespaces(namespaces).await {
        return Finding {
            verdict: Verdict::Unknown,
            evidence: Evidence {
                measured: format!("no answer: {why}"),
                expected: expected(check),
                source: lists.source("namespaces", &[]),
                details: Vec::new(),
            },
        };
    }
    let judged = match check.predicate {
        "containers-set" => spec::containers_set(check, lists).await,
        "probes" => spec::probes(check, lists).await,
        "rolling-update" => spec::rolling_update(check, lists).await,
        "placed-on-pool" => spec::placed_on_pool(check, lists).await,
        "observed-generation" => spec::observed_generation(check, lists).await,
        "hpa-active" => running::hpa_active(check, lists).await,
        "config-present" => running::config_present(check, lists).await,
        "job-succeeded" => running::job_succeeded(check, lists).await,
        "load-balancer-ready" => running::load_balancer_ready(check, lists).await,
        "rolled-out" => running::rolled_out(check, lists).await,
        "pods-ready" => running::pods_ready(check, lists).await,
        "restarts-since" => running::restarts_since(check, lists).await,
        "endpoints-ready" => running::endpoints_ready(check, lists).await,
        "replicas-at-least" => running::replicas_at_least(check, lists).await,
        "pdb-allows" => running::pdb_allows(check, lists).await,
        "namespace-label" => network::namespace_label(check, lists).await,
        "default-deny" => network::default_deny(check, lists).await,
        "ingress-allowed" => network::ingress_allowed(check, lists).await,
        "ingress-routes" => network::ingress_routes(check, lists).await,
        "certificate-valid" => network::certificate_valid(check, lists).await,
        other => Err(Unread {
            why: format!("internal: no predicate {other}"),
            kinds: "",
        }),
    };
    match judged {
        Ok(judged) => judged.finding(expected(check)),
        Err(Unread { why, kinds }) => Finding {
            verdict: Verdict::Unknown,
            evidence: Evidence {
                measured: format!("no answer: {why}"),
                expected: expected(check),
                source: lists.source(kinds, namespaces),
                details: Vec::new(),
            },
        },
    }
}

/// A read the predicate needed failed: which kinds it was reading, and why.
pub struct Unread {
    why: String,
    kinds: &'static str,
}

/// Attaches what was being read to a failed read.
trait Reading<T> {
    fn reading(self, kinds: &'static str) -> Result<T, Unread>;
}

impl<T> Reading<T> for Result<T, String> {
    fn reading(self, kinds: &'static str) -> Result<T, Unread> {
        self.map_err(|why| Unread { why, kinds })
    }
}

/// What a predicate found: the objects it judged, the offenders among them.
pub struct Tally {
    /// The plural of what is counted: `containers`, `Deployments`.
    noun: &'static str,
    checked: usize,
    passing: Vec<String>,
    offenders: Vec<String>,
    source: String,
}

impl Tally {
    fn new(noun: &'static str, source: String) -> Tally {
        Tally {
            noun,
            checked: 0,
            passing: Vec::new(),
            offenders: Vec::new(),
            source,
        }
    }

    fn pass(&mut self, what: String) {
        self.checked += 1;
        self.passing.push(what);
    }

    fn fail(&mut self, what: String) {
        self.checked += 1;
        self.offenders.push(what);
    }

    fn judge(&mut self, ok: bool, what: String) {
        if ok { self.pass(what) } else { self.fail(what) }
    }

    /// Nothing to check is unknown: a criterion that looked at nothing vouches for nothing.
    fn finding(self, expected: String) -> Finding {
        let (verdict, measured, details) = if self.checked == 0 {
            (
                Verdict::Unknown,
                format!("no {} to check", self.noun),
                Vec::new(),
            )
        } else if self.offenders.is_empty() {
            match self.passing.as_slice() {
                [one] => (Verdict::Pass, one.clone(), Vec::new()),
                many => (
                    Verdict::Pass,
                    format!("all {} {}", many.len(), self.noun),
                    many.iter().take(LISTED).cloned().collect(),
                ),
            }
        } else {
            let measured = match self.offenders.as_slice() {
                [one] if self.checked == 1 => one.clone(),
                [one] => format!("1 of {} {}: {one}", self.checked, self.noun),
                many => format!("{} of {} {}", many.len(), self.checked, self.noun),
            };
            let details = if self.offenders.len() > 1 {
                let mut shown: Vec<String> = self.offenders.iter().take(LISTED).cloned().collect();
                if self.offenders.len() > LISTED {
                    shown.push(format!("and {} more", self.offenders.len() - LISTED));
                }
                shown
            } else {
                Vec::new()
            };
            (Verdict::Fail, measured, details)
        };
        Finding {
            verdict,
            evidence: Evidence {
                measured,
                expected,
                source: self.source,
                details,
            },
        }
    }
}

/// What a criterion is compared with, in words, from its predicate's parameters.
fn expected(check: &KubeCheck) -> String {
    let list = |name: &str| check.list(name).join(", ");
    match check.predicate {
        "containers-set" => format!("every container sets {}", list("fields")),
        "probes" => format!("{} probes on every container", list("probes")),
        "rolling-update" => format!(
            "RollingUpdate with maxUnavailable below replicas, for {}+ replicas",
            check.integer("minimum").unwrap_or(2)
        ),
        "placed-on-pool" => format!("selects and tolerates {}", list("placements")),
        "observed-generation" => "observed at their generation, no FailedCreate".into(),
        "hpa-active" => format!("ScalingActive=True for {}", list("names")),
        "config-present" => "the keys and Secrets present".into(),
        "job-succeeded" => "a completed Job".into(),
        "load-balancer-ready" => "an external address and a ready endpoint".into(),
        "rolled-out" => "successfully rolled out".into(),
        "pods-ready" => "Running and Ready".into(),
        "restarts-since" => "no restarts".into(),
        "endpoints-ready" => "a ready endpoint each".into(),
        "replicas-at-least" => format!("{}+ ready replicas", check.integer("minimum").unwrap_or(2)),
        "pdb-allows" => "1+ disruptions allowed".into(),
        "namespace-label" => format!(
            "{}={}",
            check.text("label").unwrap_or(""),
            check.text("value").unwrap_or("")
        ),
        "default-deny" => "a policy denying all Ingress and Egress".into(),
        "ingress-allowed" => "an ingress allow for every Service's pods".into(),
        "ingress-routes" => format!("an address, TLS, routes {}", list("routes")),
        "certificate-valid" => format!("{}+ days left", check.integer("days").unwrap_or(14)),
        other => other.to_string(),
    }
}

/// A workload's pod template, with what it belongs to.
struct Template {
    namespace: String,
    /// `deployment/backend`.
    workload: String,
    name: String,
    template: PodTemplateSpec,
}

/// The pod templates of the long-running workloads (Deployments, StatefulSets, DaemonSets) in
/// `namespaces`.
async fn templates(lists: &Lists, namespaces: &[String]) -> Result<Vec<Template>, Unread> {
    let mut out = Vec::new();
    for ns in namespaces {
        let deployments: Arc<Vec<Deployment>> =
            lists.list(ns, None).await.reading("deployments")?;
        let statefulsets: Arc<Vec<StatefulSet>> =
            lists.list(ns, None).await.reading("statefulsets")?;
        let daemonsets: Arc<Vec<DaemonSet>> = lists.list(ns, None).await.reading("daemonsets")?;
        let entry = |kind: &str, name: &Option<String>, t: Option<&PodTemplateSpec>| {
            let name = name.clone().unwrap_or_default();
            t.map(|t| Template {
                namespace: ns.clone(),
                workload: format!("{kind}/{name}"),
                name,
                template: t.clone(),
            })
        };
        out.extend(deployments.iter().filter_map(|d| {
            let spec = d.spec.as_ref();
            entry("deployment", &d.metadata.name, spec.map(|s| &s.template))
        }));
        out.extend(statefulsets.iter().filter_map(|s| {
            let spec = s.spec.as_ref();
            entry("statefulset", &s.metadata.name, spec.map(|s| &s.template))
        }));
        out.extend(daemonsets.iter().filter_map(|d| {
            entry(
                "daemonset",
                &d.metadata.name,
                d.spec.as_ref().map(|s| &s.template),
            )
        }));
    }
    Ok(out)
}

/// Whether `selector` (a LabelSelector) selects `labels`; a selector that does not parse
/// selects nothing.
fn selects(
    selector: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector,
    labels: &std::collections::BTreeMap<String, String>,
) -> bool {
    use kube::core::SelectorExt;
    kube::core::Selector::try_from(selector.clone()).is_ok_and(|s| s.matches(labels))
}

/// A span as kubectl words ages: `5m`, `3h12m`, `21d`.
fn age(span: chrono::Duration) -> String {
    crate::model::age::human_duration(span.num_seconds().max(0) as u64)
}

/// `namespace/name`.
fn named(namespace: &str, name: &Option<String>) -> String {
    format!("{namespace}/{}", name.as_deref().unwrap_or(""))
}
