//! Nodes: pressure conditions and NotReady set or cleared (dated by the conditions), taints set
//! (by their `timeAdded` where the node keeps one) or cleared.

use chrono::{DateTime, Duration, Utc};
use k8s_openapi::api::core::v1::{Node, Taint};

use super::entry::{Change, Entry, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::model::age::k8s_time;

const PRESSURES: [&str; 3] = ["MemoryPressure", "DiskPressure", "PIDPressure"];

pub fn observe(timeline: &mut Timeline, old: Option<&Node>, new: &Node, now: DateTime<Utc>) {
    let name = new.metadata.name.as_deref().unwrap_or_default();
    let subject = Subject::new(SubjectKind::Node, "", name);
    let created = new.metadata.creation_timestamp.as_ref().map(k8s_time);
    let fact = |what: &str, at: DateTime<Utc>, severity, words: String| {
        Entry::new(
            format!("node/{name}/{what}@{}", at.timestamp_millis()),
            at,
            Source::Kube,
            severity,
            subject.clone(),
            words,
        )
    };
    let conditions = new
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    for c in conditions {
        let Some(at) = c.last_transition_time.as_ref().map(k8s_time) else {
            continue;
        };
        // A condition as it was when the node joined is not a change.
        let since_joined = created.is_none_or(|c| at - c > Duration::minutes(5));
        let kind = c.type_.as_str();
        let entry = match (kind, c.status.as_str()) {
            (k, "True") if PRESSURES.contains(&k) => fact(
                k,
                at,
                Severity::Warning,
                format!("{k}: {}", c.message.clone().unwrap_or_default()),
            )
            .change(Change::Node),
            (k, "False") if PRESSURES.contains(&k) && since_joined => {
                fact(k, at, Severity::Info, format!("{k} cleared"))
            }
            ("Ready", "True") if since_joined => {
                fact("Ready", at, Severity::Info, "Ready again".into())
            }
            ("Ready", status) if status != "True" => fact(
                "Ready",
                at,
                Severity::Critical,
                format!(
                    "NotReady: {}",
                    c.reason.clone().unwrap_or_else(|| status.to_string())
                ),
            )
            .change(Change::Node),
            _ => continue,
        };
        timeline.record(entry, now);
    }
    let taints = |n: &Node| -> Vec<Taint> {
        n.spec
            .as_ref()
            .and_then(|s| s.taints.clone())
            .unwrap_or_default()
    };
    let same = |a: &Taint, b: &Taint| a.key == b.key && a.effect == b.effect;
    let now_taints = taints(new);
    let before = old.map(taints);
    for t in &now_taints {
        let added = t.time_added.as_ref().map(k8s_time);
        let new_here = before
            .as_ref()
            .is_some_and(|b| !b.iter().any(|x| same(x, t)));
        let at = match (added, new_here) {
            (Some(at), _) => at,
            (None, true) => now,
            (None, false) => continue,
        };
        let words = format!("taint {}:{} set", t.key, t.effect);
        timeline.record(
            fact(&format!("taint {}", t.key), at, Severity::Warning, words).change(Change::Node),
            now,
        );
    }
    for t in before
        .iter()
        .flatten()
        .filter(|t| !now_taints.iter().any(|x| same(x, t)))
    {
        let words = format!("taint {}:{} cleared", t.key, t.effect);
        timeline.record(
            fact(&format!("untaint {}", t.key), now, Severity::Info, words),
            now,
        );
    }
}
