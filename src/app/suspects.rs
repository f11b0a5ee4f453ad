//! What changed before the page: when an SLO pages or tickets, or a critical or high alert
//! fires, the changes the timeline holds from the window before the earliest of them began
//! (rollouts, restarts, undo, pause and resume, scales, Jobs, node conditions, evictions, and
//! the config a workload mounts), ranked: changes to what the page is about first, then the
//! nearest in time. Built from the timeline's entries, so the Overview, the report and the
//! timeline never tell a change differently.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};

use super::alerts::AlertStanding;
use super::cluster::{Cluster, ObjKey};
use super::event::{SourceHealth, SourceId};
use super::state::{AppState, ViewId};
use crate::model::config_object::writer_near;
use crate::ops::rollout::LAST_ACTION;
use crate::slo::definition::SloDefinition;
use crate::slo::maths::Urgency;
use crate::timeline::{Change, Entry, Subject, SubjectKind};

pub use super::suspect_list::{Anchor, CHANGES_BEFORE, Suspect, Suspects};

/// What a page is about, to rank the changes to it first.
enum Scope<'a> {
    Slo(&'a SloDefinition),
    Alert { namespace: String, service: String },
}

/// Rebuilds the list when its inputs changed.
pub fn refresh(state: &mut AppState) {
    let inputs = (
        state.timeline.store.version,
        state.slo.version,
        state.alerts.version,
        state.cluster.version(),
        state.now.timestamp() / 60,
    );
    if state.rows.suspects.built_from == Some(inputs) {
        return;
    }
    let mut suspects = build(state);
    suspects.built_from = Some(inputs);
    let selected = state.rows.suspect_selected;
    state.rows.suspect_selected = selected.min(suspects.list.len().saturating_sub(1));
    state.rows.suspects = suspects;
}

/// The changes before the page, or an empty list with no anchor while nothing pages.
pub fn build(state: &AppState) -> Suspects {
    let window = state.changes_before;
    let mut pages: Vec<(DateTime<Utc>, String, Scope)> = Vec::new();
    for status in &state.rows.slos {
        let Some(urgency) = status.firing else {
            continue;
        };
        let Some(def) = state.slo.definitions.iter().find(|d| d.name == status.name) else {
            continue;
        };
        let began = slo_began(state, &status.name, urgency)
            .or(state.slo.last.as_ref().map(|o| o.at))
            .unwrap_or(state.now);
        let word = match urgency {
            Urgency::Page => "PAGE",
            Urgency::Ticket => "TICKET",
        };
        pages.push((began, format!("{} {word}", status.name), Scope::Slo(def)));
    }
    for row in &state.rows.all_alerts {
        // Firing and neither silenced (someone is on it) nor inhibited (a worse alert is
        // listed in its place).
        if row.standing != AlertStanding::Active
            || !matches!(row.severity.as_str(), "critical" | "high")
        {
            continue;
        }
        pages.push((
            row.merged.alert.starts_at,
            row.alertname.clone(),
            Scope::Alert {
                namespace: row.namespace.clone(),
                service: row.service.clone(),
            },
        ));
    }
    let Some((at, what)) = pages
        .iter()
        .min_by_key(|(at, _, _)| *at)
        .map(|(at, what, _)| (*at, what.clone()))
    else {
        return Suspects {
            window,
            ..Suspects::default()
        };
    };
    let anchor = Anchor { at, what };
    let from = anchor.at - window;
    let mut list: Vec<Suspect> = state
        .timeline
        .store
        .since(from)
        .take_while(|e| e.at <= anchor.at)
        .filter(|e| e.change.is_some())
        .filter(|e| state.shown_namespace(&e.subject.namespace) || e.subject.namespace.is_empty())
        .map(|e| suspect(&state.cluster, e, &pages))
        .collect();
    list.sort_by_key(|s| (!s.related, anchor.at - s.at));
    config_before_its_restart(&mut list);
    Suspects {
        blind: blind(state, from),
        anchor: Some(anchor),
        window,
        list,
        built_from: None,
    }
}

/// When the page condition that holds now began: the newest start the timeline holds for it.
pub fn slo_began(state: &AppState, slo: &str, urgency: Urgency) -> Option<DateTime<Utc>> {
    let prefix = format!("slo/{slo}/{} ", urgency.text());
    state
        .timeline
        .store
        .newest_first()
        .filter(|e| e.subject.kind == SubjectKind::Slo && e.key.starts_with(&prefix))
        .find(|e| !e.what.ends_with(": ended"))
        .map(|e| e.at)
}

/// A restart that picked up a config change is how the change took effect: the config change
/// is listed right above it (it is the cause), whatever their times.
fn config_before_its_restart(list: &mut Vec<Suspect>) {
    let configs: Vec<usize> = (0..list.len())
        .filter(|i| matches!(list[*i].subject.kind, SubjectKind::Other("cm" | "secret")))
        .collect();
    for i in configs.into_iter().rev() {
        let mounted_by = list[i].goes_to.as_ref().map(|(_, key)| key.clone());
        let restart = list.iter().position(|s| {
            s.words.contains(" restarted ")
                && s.goes_to.as_ref().map(|(_, key)| key) == mounted_by.as_ref()
        });
        if let Some(r) = restart.filter(|r| *r < i) {
            let config = list.remove(i);
            list.insert(r, config);
        }
    }
}

/// Where the window could not be seen: the timeline reaching back less far, or a watch that
/// is forbidden or has not listed.
fn blind(state: &AppState, from: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    let covers = state.timeline.store.covers_since(state.now);
    if covers > from {
        out.push(format!("timeline since {}", covers.format("%H:%M")));
    }
    // Per namespace (None: the cluster scope), the kinds it may not be watched for.
    let mut refused: std::collections::BTreeMap<Option<&str>, Vec<&str>> = Default::default();
    for (SourceId { kind, namespace }, health) in &state.health {
        let shown = namespace
            .as_deref()
            .is_none_or(|n| state.shown_namespace(n));
        if shown
            && matches!(
                health,
                SourceHealth::Forbidden { .. } | SourceHealth::Unauthorized { .. }
            )
        {
            refused.entry(namespace.as_deref()).or_default().push(kind);
        }
    }
    for (namespace, kinds) in refused {
        // A namespace refused whole is already said by the watch's own health; a kind or two
        // refused (secrets, commonly) by name.
        let what = match kinds.as_slice() {
            [one] => one.to_string(),
            [a, b] => format!("{a}, {b}"),
            _ => continue,
        };
        out.push(match namespace {
            Some(ns) => format!("{what} in {ns}"),
            None => what,
        });
    }
    out
}

fn suspect(
    cluster: &Cluster,
    entry: &Arc<Entry>,
    pages: &[(DateTime<Utc>, String, Scope)],
) -> Suspect {
    let subject = entry.subject.clone();
    let namespace = subject.namespace.as_str();
    let workload = |kind: &str, name: &str| (namespace.to_string(), format!("{kind}/{name}"));
    let deployment = cluster
        .deployments
        .get(&(namespace.to_string(), subject.name.clone()));
    let mut goes_to = crate::app::timeline::jump(entry);
    let mut by = None;
    let mut reaches = None;
    let words = match entry.change {
        Some(Change::Rollout) if subject.kind == SubjectKind::Deployment => {
            by = deployment.and_then(|d| who(d, entry.at));
            rollout_words(cluster, entry)
        }
        Some(Change::Rollback | Change::Scale | Change::Pause | Change::Resume) => {
            by = deployment.and_then(|d| who(d, entry.at));
            format!("{} {}", subject.text(), entry.what)
        }
        Some(Change::Node) => {
            let condition = entry.what.split(':').next().unwrap_or_default();
            format!("{} {condition}", subject.text())
        }
        Some(Change::Eviction) => format!("{} evicted", subject.text()),
        Some(Change::Job) => format!("{} started", subject.text()),
        Some(Change::Config) => {
            let mounted = mounted_by(cluster, namespace, &subject);
            by = entry.what.split(" by ").nth(1).map(str::to_string);
            if let Some(name) = mounted.first() {
                goes_to = Some((ViewId::Rollouts, workload("Deployment", name)));
            }
            let verb = if entry.what.contains(" created ") {
                "created"
            } else {
                "changed"
            };
            reaches = match mounted.as_slice() {
                [] => None,
                [one] => Some(format!("deploy/{one}")),
                [first, rest @ ..] => Some(format!("deploy/{first} +{}", rest.len())),
            };
            format!("{} {verb}", subject.text())
        }
        _ => format!("{} {}", subject.text(), entry.what),
    };
    let related = pages
        .iter()
        .any(|(_, _, scope)| relates(cluster, entry, scope, goes_to.as_ref()));
    Suspect {
        at: entry.at,
        subject,
        words,
        by,
        reaches,
        related,
        goes_to,
    }
}

/// Whether a change is to what a page is about: a workload its SLO covers (or a config one
/// mounts); for an alert, its namespace and service (a node: one the service's pods run on).
fn relates(
    cluster: &Cluster,
    entry: &Entry,
    scope: &Scope,
    goes_to: Option<&(ViewId, ObjKey)>,
) -> bool {
    let s = &entry.subject;
    // The workload a change is to: itself, or the one that mounts its config.
    let workload = match (s.kind, goes_to) {
        (SubjectKind::Deployment | SubjectKind::StatefulSet, _) => Some(s.name.clone()),
        (SubjectKind::Other("cm" | "secret"), Some((_, (_, key)))) => {
            key.split_once('/').map(|(_, n)| n.to_string())
        }
        _ => None,
    };
    match scope {
        Scope::Slo(def) => {
            let Some(name) = workload else {
                return false;
            };
            let app = cluster
                .deployments
                .get(&(s.namespace.clone(), name.clone()))
                .and_then(|d| app_of(d));
            def.covers(&s.namespace, &name, app.as_deref())
        }
        Scope::Alert { namespace, service } => {
            if s.kind == SubjectKind::Node {
                return cluster.pods.items.values().any(|p| {
                    p.node == s.name
                        && &p.namespace == namespace
                        && (service.is_empty() || p.name.starts_with(service.as_str()))
                });
            }
            let in_namespace = namespace.is_empty() || &s.namespace == namespace;
            let of_service = service.is_empty()
                || workload.as_deref() == Some(service.as_str())
                || s.name.starts_with(service.as_str());
            in_namespace && of_service
        }
    }
}

/// A Deployment's `app`: its selector's label.
fn app_of(d: &Deployment) -> Option<String> {
    d.spec
        .as_ref()?
        .selector
        .match_labels
        .as_ref()?
        .get("app")
        .cloned()
}

/// The Deployments in `namespace` whose template mounts (or reads its environment from) the
/// ConfigMap or Secret `subject`.
fn mounted_by(cluster: &Cluster, namespace: &str, subject: &Subject) -> Vec<String> {
    let secret = subject.kind == SubjectKind::Other("secret");
    let name = subject.name.as_str();
    cluster
        .deployments
        .items
        .iter()
        .filter(|((ns, _), _)| ns == namespace)
        .filter(|(_, d)| {
            let Some(spec) = d.spec.as_ref().and_then(|s| s.template.spec.as_ref()) else {
                return false;
            };
            let volumes = spec.volumes.iter().flatten().any(|v| {
                if secret {
                    v.secret.as_ref().and_then(|s| s.secret_name.as_deref()) == Some(name)
                } else {
                    v.config_map.as_ref().map(|c| c.name.as_str()) == Some(name)
                }
            });
            let env = spec.containers.iter().any(|c| {
                let from = c.env_from.iter().flatten().any(|f| {
                    if secret {
                        f.secret_ref.as_ref().map(|r| r.name.as_str()) == Some(name)
                    } else {
                        f.config_map_ref.as_ref().map(|r| r.name.as_str()) == Some(name)
                    }
                });
                let keys = c.env.iter().flatten().any(|e| {
                    let v = e.value_from.as_ref();
                    if secret {
                        v.and_then(|v| v.secret_key_ref.as_ref())
                            .map(|r| r.name.as_str())
                            == Some(name)
                    } else {
                        v.and_then(|v| v.config_map_key_ref.as_ref())
                            .map(|r| r.name.as_str())
                            == Some(name)
                    }
                });
                from || keys
            });
            volumes || env
        })
        .map(|((_, n), _)| n.clone())
        .collect()
}

/// Who changed a Deployment at `at`: our own last-action annotation when it is that change
/// (`jdoe (ms5-console)`), else the field manager whose write is nearest (`helm`).
fn who(d: &Deployment, at: DateTime<Utc>) -> Option<String> {
    let near = Duration::seconds(30);
    let ours = d
        .metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(LAST_ACTION))
        .and_then(|text| {
            // `rollout-restart by jdoe at 2026-11-27T13:35:37Z (write w1)`
            let (_, rest) = text.split_once(" by ")?;
            let (user, rest) = rest.split_once(" at ")?;
            let when: DateTime<Utc> = rest.split(' ').next()?.parse().ok()?;
            ((when - at).abs() <= near).then(|| format!("{user} (ms5-console)"))
        });
    ours.or_else(|| writer_near(&d.metadata, at, near))
}

/// `deploy/backend 1.9.0 -> 1.9.2 (rev 4)`, or `deploy/backend restarted (rev 5)` when the
/// images stayed: from the revision's ReplicaSet and the one before it.
fn rollout_words(cluster: &Cluster, entry: &Entry) -> String {
    let subject = entry.subject.text();
    let rs_name = entry
        .key
        .strip_prefix("rs/")
        .and_then(|rest| rest.split('/').nth(1))
        .unwrap_or_default();
    let namespace = entry.subject.namespace.clone();
    let revision = |rs: &ReplicaSet| {
        rs.metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("deployment.kubernetes.io/revision"))
            .and_then(|r| r.parse::<u64>().ok())
    };
    let Some(rs) = cluster
        .replicasets
        .get(&(namespace.clone(), rs_name.to_string()))
    else {
        return format!("{subject} {}", entry.what);
    };
    let Some(now) = revision(rs) else {
        return format!("{subject} {}", entry.what);
    };
    let owned_by = |r: &ReplicaSet| {
        r.metadata
            .owner_references
            .iter()
            .flatten()
            .any(|o| o.kind == "Deployment" && o.name == entry.subject.name)
    };
    let previous = cluster
        .replicasets
        .items
        .iter()
        .filter(|((ns, _), r)| *ns == namespace && owned_by(r))
        .filter_map(|(_, r)| Some((revision(r)?, r)))
        .filter(|(n, _)| *n < now)
        .max_by_key(|(n, _)| *n)
        .map(|(_, r)| images(r));
    let after = images(rs);
    match previous {
        Some(before) if before == after => format!("{subject} restarted (rev {now})"),
        Some(before) => {
            let (before, after) = tags_if_same_repository(&before, &after);
            format!("{subject} {before} -> {after} (rev {now})")
        }
        None => {
            let after: Vec<String> = after
                .iter()
                .map(|i| i.rsplit('/').next().unwrap_or(i).to_string())
                .collect();
            format!("{subject} {} (rev {now})", after.join(","))
        }
    }
}

fn images(rs: &ReplicaSet) -> Vec<String> {
    rs.spec
        .as_ref()
        .and_then(|s| s.template.as_ref())
        .map(crate::model::workload::images)
        .unwrap_or_default()
}

/// `1.9.0`, `1.9.2` when only the tags differ; else the images without their registry.
fn tags_if_same_repository(before: &[String], after: &[String]) -> (String, String) {
    let split = |i: &String| match i.rsplit_once(':') {
        Some((repo, tag)) if !tag.contains('/') => (repo.to_string(), tag.to_string()),
        _ => (i.clone(), String::new()),
    };
    let short = |i: &String| i.rsplit('/').next().unwrap_or(i).to_string();
    if before.len() == 1 && after.len() == 1 {
        let (b, a) = (split(&before[0]), split(&after[0]));
        if b.0 == a.0 && !b.1.is_empty() && !a.1.is_empty() {
            return (b.1, a.1);
        }
    }
    let join = |list: &[String]| list.iter().map(short).collect::<Vec<_>>().join(",");
    (join(before), join(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(kind: SubjectKind, name: &str, words: &str, seconds_before: i64) -> Suspect {
        let at = DateTime::from_timestamp(1_795_132_800 - seconds_before, 0).unwrap_or_default();
        let backend = (
            ViewId::Rollouts,
            (
                "ms5-production".to_string(),
                "Deployment/backend".to_string(),
            ),
        );
        Suspect {
            at,
            subject: Subject::new(kind, "ms5-production", name),
            words: words.into(),
            by: None,
            reaches: None,
            related: true,
            goes_to: Some(backend),
        }
    }

    /// `config-crashloop`: the ConfigMap changed, then the restart that picked it up (nearer
    /// the page): the ConfigMap is listed first, as the cause.
    #[test]
    fn a_config_change_is_listed_above_the_restart_that_picked_it_up() {
        let mut list = vec![
            change(
                SubjectKind::Deployment,
                "backend",
                "deploy/backend restarted (rev 4)",
                30,
            ),
            change(
                SubjectKind::Node,
                "aks-app-1",
                "node/aks-app-1 MemoryPressure",
                40,
            ),
            change(
                SubjectKind::Other("cm"),
                "backend-config",
                "cm/backend-config changed",
                45,
            ),
        ];
        config_before_its_restart(&mut list);
        let words: Vec<&str> = list.iter().map(|s| s.words.as_str()).collect();
        assert_eq!(
            words,
            [
                "cm/backend-config changed",
                "deploy/backend restarted (rev 4)",
                "node/aks-app-1 MemoryPressure"
            ]
        );
        // A config change with no restart after it stays where time puts it.
        let mut list = vec![
            change(
                SubjectKind::Deployment,
                "backend",
                "deploy/backend 1.9.0 -> 1.9.2 (rev 4)",
                30,
            ),
            change(
                SubjectKind::Other("cm"),
                "backend-config",
                "cm/backend-config changed",
                45,
            ),
        ];
        config_before_its_restart(&mut list);
        assert_eq!(list[0].words, "deploy/backend 1.9.0 -> 1.9.2 (rev 4)");
    }

    #[test]
    fn a_new_tag_of_the_same_image_says_the_tags_and_another_image_its_name() {
        let one = |s: &str| vec![s.to_string()];
        assert_eq!(
            tags_if_same_repository(
                &one("ms5acr.azurecr.io/ms5-backend:1.9.0"),
                &one("ms5acr.azurecr.io/ms5-backend:1.9.2")
            ),
            ("1.9.0".to_string(), "1.9.2".to_string())
        );
        assert_eq!(
            tags_if_same_repository(
                &one("ms5acr.azurecr.io/ms5-backend:1.9.0"),
                &one("ms5acr.azurecr.io/ms5-api:2.0")
            ),
            ("ms5-backend:1.9.0".to_string(), "ms5-api:2.0".to_string())
        );
    }
}
