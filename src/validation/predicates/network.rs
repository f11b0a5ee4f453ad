//! Predicates over how traffic and trust are set up: namespace labels (Pod Security), network
//! policies, the Ingress's routes and the certificates its TLS Secrets hold.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Utc;
use k8s_openapi::api::core::v1::{Namespace, Pod, Service};
use k8s_openapi::api::networking::v1::{
    Ingress, NetworkPolicy, NetworkPolicyIngressRule, NetworkPolicyPeer,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Reading, Tally, Unread, named, selects};
use crate::validation::lists::Lists;
use crate::validation::runbook::KubeCheck;

/// `namespace-label`: each namespace carries the label with the value.
pub async fn namespace_label(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let label = check.text("label").unwrap_or("");
    let value = check.text("value").unwrap_or("");
    let mut tally = Tally::new("namespaces", lists.source("namespaces", &[]));
    let all: Arc<Vec<Namespace>> = lists.namespaces().await.reading("namespaces")?;
    for ns in namespaces {
        let has = all
            .iter()
            .find(|n| n.metadata.name.as_deref() == Some(ns.as_str()))
            .and_then(|n| n.metadata.labels.as_ref())
            .and_then(|l| l.get(label));
        match has {
            Some(v) if v == value => tally.pass(format!("{ns}: {label}={v}")),
            Some(v) => tally.fail(format!("{ns}: {label}={v}")),
            None => tally.fail(format!("{ns}: no {label} label")),
        }
    }
    Ok(tally)
}

fn kinds(policy: &NetworkPolicy) -> (bool, bool) {
    let spec = policy.spec.as_ref();
    let types = spec.and_then(|s| s.policy_types.as_ref());
    // Without policyTypes, a policy is for Ingress, and for Egress when it has egress rules.
    let ingress = types.is_none_or(|t| t.iter().any(|t| t == "Ingress"));
    let egress = types.map_or_else(
        || spec.and_then(|s| s.egress.as_ref()).is_some(),
        |t| t.iter().any(|t| t == "Egress"),
    );
    (ingress, egress)
}

/// `default-deny`: policies that select every pod (an empty podSelector) with no rules deny
/// all Ingress and all Egress, between them.
pub async fn default_deny(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let mut tally = Tally::new("namespaces", lists.source("networkpolicies", namespaces));
    for ns in namespaces {
        let policies: Arc<Vec<NetworkPolicy>> =
            lists.list(ns, None).await.reading("networkpolicies")?;
        let mut denies = (Vec::new(), Vec::new());
        for p in policies.iter() {
            let Some(spec) = p.spec.as_ref() else {
                continue;
            };
            let all_pods = spec.pod_selector.as_ref().is_none_or(|s| {
                s.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
                    && s.match_expressions.as_ref().is_none_or(Vec::is_empty)
            });
            if !all_pods {
                continue;
            }
            let name = p.metadata.name.clone().unwrap_or_default();
            let (ingress, egress) = kinds(p);
            if ingress && spec.ingress.as_ref().is_none_or(Vec::is_empty) {
                denies.0.push(name.clone());
            }
            if egress && spec.egress.as_ref().is_none_or(Vec::is_empty) {
                denies.1.push(name);
            }
        }
        match (denies.0.first(), denies.1.first()) {
            (Some(i), Some(e)) if i == e => {
                tally.pass(format!("{ns}: {i} denies Ingress and Egress"))
            }
            (Some(i), Some(e)) => tally.pass(format!("{ns}: {i} denies Ingress, {e} Egress")),
            (Some(i), None) => tally.fail(format!(
                "{ns}: {i} denies Ingress; nothing denies all Egress"
            )),
            (None, Some(e)) => tally.fail(format!(
                "{ns}: {e} denies Egress; nothing denies all Ingress"
            )),
            (None, None) => tally.fail(format!("{ns}: no policy denies all Ingress and Egress")),
        }
    }
    Ok(tally)
}

/// `ingress-allowed`: the pods of every Service with a selector are admitted on its ports by
/// some policy; the `restricted` apps' pods only from named pods in named namespaces (no
/// address blocks, no "any pod", no "any namespace").
pub async fn ingress_allowed(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let restricted = check.list("restricted");
    let mut tally = Tally::new(
        "Services",
        lists.source("services, pods, networkpolicies", namespaces),
    );
    for ns in namespaces {
        let services: Arc<Vec<Service>> = lists.list(ns, None).await.reading("services")?;
        let pods: Arc<Vec<Pod>> = lists.list(ns, None).await.reading("pods")?;
        let policies: Arc<Vec<NetworkPolicy>> =
            lists.list(ns, None).await.reading("networkpolicies")?;
        for service in services.iter() {
            let Some(selector) = service.spec.as_ref().and_then(|s| s.selector.as_ref()) else {
                continue;
            };
            if selector.is_empty() {
                continue;
            }
            let who = named(ns, &service.metadata.name);
            let Some(pod) = pods.iter().find(|p| {
                let labels = p.metadata.labels.clone().unwrap_or_default();
                selector.iter().all(|(k, v)| labels.get(k) == Some(v))
            }) else {
                // No pods to admit: endpoints-ready says so; nothing to judge here.
                continue;
            };
            let labels = pod.metadata.labels.clone().unwrap_or_default();
            let ports: Vec<IntOrString> = service
                .spec
                .iter()
                .flat_map(|s| s.ports.iter().flatten())
                .filter_map(|p| p.target_port.clone().or(Some(IntOrString::Int(p.port))))
                .collect();
            let rules: Vec<(&str, &NetworkPolicyIngressRule)> = policies
                .iter()
                .filter(|p| kinds(p).0)
                .filter(|p| {
                    p.spec
                        .as_ref()
                        .and_then(|s| s.pod_selector.as_ref())
                        .is_none_or(|s| selects(s, &labels))
                })
                .flat_map(|p| {
                    let name = p.metadata.name.as_deref().unwrap_or("");
                    p.spec
                        .iter()
                        .flat_map(|s| s.ingress.iter().flatten())
                        .map(move |r| (name, r))
                })
                .collect();
            let admitting: Vec<&str> = rules
                .iter()
                .filter(|(_, r)| covers(r, &ports))
                .map(|(name, _)| *name)
                .collect();
            if admitting.is_empty() {
                tally.fail(format!("{who}: no policy admits its pods on its ports"));
                continue;
            }
            let app = labels.get("app").map(String::as_str).unwrap_or("");
            if restricted.iter().any(|r| r == app) {
                let open: Vec<String> = rules
                    .iter()
                    .filter_map(|(name, r)| open_peer(r).map(|why| format!("{name} admits {why}")))
                    .collect();
                if let Some(first) = open.first() {
                    tally.fail(format!("{who}: {first}"));
                    continue;
                }
                tally.pass(format!(
                    "{who}: admitted only from named pods by {}",
                    admitting.join(", ")
                ));
            } else {
                tally.pass(format!("{who}: admitted by {}", admitting.join(", ")));
            }
        }
    }
    Ok(tally)
}

/// Whether a rule admits traffic to one of `ports` (a rule without ports admits all).
fn covers(rule: &NetworkPolicyIngressRule, ports: &[IntOrString]) -> bool {
    let Some(allowed) = rule.ports.as_ref().filter(|p| !p.is_empty()) else {
        return true;
    };
    allowed.iter().any(|p| match &p.port {
        None => true,
        Some(port) => ports.contains(port),
    })
}

/// Why a rule admits more than named pods in named namespaces, if it does.
fn open_peer(rule: &NetworkPolicyIngressRule) -> Option<String> {
    let Some(from) = rule.from.as_ref().filter(|f| !f.is_empty()) else {
        return Some("traffic from anywhere".into());
    };
    from.iter().find_map(|peer: &NetworkPolicyPeer| {
        if let Some(block) = &peer.ip_block {
            return Some(format!("addresses {}", block.cidr));
        }
        let empty = |s: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector| {
            s.match_labels.as_ref().is_none_or(BTreeMap::is_empty)
                && s.match_expressions.as_ref().is_none_or(Vec::is_empty)
        };
        if peer.pod_selector.as_ref().is_none_or(empty) {
            return Some("every pod of the namespaces it selects".into());
        }
        let names_namespace =
            |s: &k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector| {
                s.match_labels
                    .as_ref()
                    .is_some_and(|l| l.contains_key("kubernetes.io/metadata.name"))
            };
        match &peer.namespace_selector {
            Some(ns) if !names_namespace(ns) => Some("pods of unnamed namespaces".into()),
            _ => None,
        }
    })
}

/// `ingress-routes`: each Ingress has an address and TLS for every host, and between them the
/// Ingresses route each `PATH=SERVICE`.
pub async fn ingress_routes(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let mut tally = Tally::new("checks", lists.source("ingresses", namespaces));
    for ns in namespaces {
        let ingresses: Arc<Vec<Ingress>> = lists.list(ns, None).await.reading("ingresses")?;
        if ingresses.is_empty() {
            tally.fail(format!("{ns}: no Ingress"));
            continue;
        }
        let mut routes = Vec::new();
        for ing in ingresses.iter() {
            let who = named(ns, &ing.metadata.name);
            let address = ing
                .status
                .as_ref()
                .and_then(|s| s.load_balancer.as_ref())
                .and_then(|lb| lb.ingress.as_ref())
                .and_then(|i| i.first())
                .and_then(|i| i.ip.clone().or(i.hostname.clone()));
            match address {
                Some(a) => tally.pass(format!("{who}: address {a}")),
                None => tally.fail(format!("{who}: no address")),
            }
            let spec = ing.spec.clone().unwrap_or_default();
            let tls_hosts: Vec<String> = spec
                .tls
                .iter()
                .flatten()
                .flat_map(|t| t.hosts.iter().flatten().cloned())
                .collect();
            for rule in spec.rules.iter().flatten() {
                if let Some(host) = &rule.host {
                    tally.judge(
                        tls_hosts.contains(host),
                        if tls_hosts.contains(host) {
                            format!("{who}: TLS for {host}")
                        } else {
                            format!("{who}: no TLS for {host}")
                        },
                    );
                }
                for path in rule.http.iter().flat_map(|h| &h.paths) {
                    if let Some(service) = path.backend.service.as_ref() {
                        routes.push((
                            path.path.clone().unwrap_or("/".into()),
                            service.name.clone(),
                        ));
                    }
                }
            }
        }
        for route in check.list("routes") {
            let Some((path, service)) = route.split_once('=') else {
                tally.fail(format!("{route}: write PATH=SERVICE"));
                continue;
            };
            let found = routes.iter().find(|(p, _)| p == path);
            match found {
                Some((_, s)) if s == service => tally.pass(format!("{ns}: {path} -> {s}")),
                Some((_, s)) => tally.fail(format!("{ns}: {path} -> {s}, not {service}")),
                None => tally.fail(format!("{ns}: no route for {path}")),
            }
        }
    }
    Ok(tally)
}

/// `certificate-valid`: every TLS Secret an Ingress names holds a certificate whose names
/// cover the Ingress's hosts, valid at least `days` more days. Reading a Secret needs `get`
/// on it; forbidden is unknown.
pub async fn certificate_valid(check: &KubeCheck, lists: &Lists) -> Result<Tally, Unread> {
    let namespaces = check.list("namespaces");
    let days = check.integer("days").unwrap_or(14);
    let now = Utc::now().timestamp();
    let mut tally = Tally::new(
        "certificates",
        lists.source("ingresses, secrets", namespaces),
    );
    for ns in namespaces {
        let ingresses: Arc<Vec<Ingress>> = lists.list(ns, None).await.reading("ingresses")?;
        for tls in ingresses
            .iter()
            .filter_map(|i| i.spec.as_ref())
            .flat_map(|s| s.tls.iter().flatten())
        {
            let Some(secret) = tls.secret_name.as_deref() else {
                continue;
            };
            let who = format!("{ns}/{secret}");
            let read = lists.secret(ns, secret).await.reading("secrets")?;
            let pem = read
                .first()
                .and_then(|s| s.data.as_ref())
                .and_then(|d| d.get("tls.crt"))
                .map(|b| b.0.clone());
            let Some(pem) = pem else {
                tally.fail(format!("{who}: no tls.crt"));
                continue;
            };
            let (names, not_after) = match certificate(&pem) {
                Ok(found) => found,
                Err(why) => {
                    tally.fail(format!("{who}: {why}"));
                    continue;
                }
            };
            let hosts: Vec<&String> = tls.hosts.iter().flatten().collect();
            let uncovered: Vec<&str> = hosts
                .iter()
                .filter(|h| !names.iter().any(|n| covers_host(n, h)))
                .map(|h| h.as_str())
                .collect();
            let left = (not_after - now).div_euclid(86_400);
            if !uncovered.is_empty() {
                tally.fail(format!("{who}: not for {}", uncovered.join(", ")));
            } else if left < days {
                tally.fail(format!("{who}: {left} days left ({})", names.join(", ")));
            } else {
                tally.pass(format!("{who}: {left} days left ({})", names.join(", ")));
            }
        }
    }
    Ok(tally)
}

/// The DNS names (or the common name, without them) and `notAfter` of a PEM certificate.
fn certificate(pem: &[u8]) -> Result<(Vec<String>, i64), String> {
    let (_, pem) =
        x509_parser::pem::parse_x509_pem(pem).map_err(|e| format!("tls.crt is not PEM: {e}"))?;
    let cert = pem
        .parse_x509()
        .map_err(|e| format!("tls.crt is not an X.509 certificate: {e}"))?;
    let mut names: Vec<String> = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    x509_parser::extensions::GeneralName::DNSName(d) => Some(d.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    if names.is_empty() {
        names.extend(
            cert.subject()
                .iter_common_name()
                .filter_map(|cn| cn.as_str().ok().map(str::to_string)),
        );
    }
    Ok((names, cert.validity().not_after.timestamp()))
}

/// A certificate name covers a host exactly, or as a wildcard for one label.
fn covers_host(name: &str, host: &str) -> bool {
    match name.strip_prefix("*.") {
        Some(domain) => host
            .split_once('.')
            .is_some_and(|(first, rest)| !first.is_empty() && rest.eq_ignore_ascii_case(domain)),
        None => name.eq_ignore_ascii_case(host),
    }
}
