//! A ConfigMap or Secret as the console knows it: watched metadata-only (never its data), kept
//! for when it last changed and by whom, so a change to config a workload mounts can be listed
//! beside the page it may have caused.

use chrono::{DateTime, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigObject {
    /// `ConfigMap` or `Secret`.
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub created: Option<DateTime<Utc>>,
    /// The newest write to it (managed fields' times: the API server dates each manager's last
    /// write), and that manager: `kubectl-client-side-apply`, `helm`, `ms5-console`.
    pub changed: Option<(DateTime<Utc>, String)>,
}

impl ConfigObject {
    pub fn of(kind: &'static str, meta: &ObjectMeta) -> ConfigObject {
        let changed = writes(meta).max_by_key(|(at, _)| *at);
        ConfigObject {
            kind,
            namespace: meta.namespace.clone().unwrap_or_default(),
            name: meta.name.clone().unwrap_or_default(),
            created: meta.creation_timestamp.as_ref().map(super::age::k8s_time),
            changed,
        }
    }

    /// `cm/backend-config`, `secret/db-credentials`: as kubectl abbreviates them.
    pub fn text(&self) -> String {
        let kind = if self.kind == "Secret" {
            "secret"
        } else {
            "cm"
        };
        format!("{kind}/{}", self.name)
    }
}

/// Each manager's newest write to the object itself (not its status), and when: its managed
/// fields, as the API server keeps them.
fn writes(meta: &ObjectMeta) -> impl Iterator<Item = (DateTime<Utc>, String)> + '_ {
    meta.managed_fields
        .iter()
        .flatten()
        .filter(|f| f.subresource.as_deref().unwrap_or_default().is_empty())
        .filter_map(|f| {
            Some((
                f.time.as_ref().map(super::age::k8s_time)?,
                f.manager.clone()?,
            ))
        })
}

/// The writer whose newest write is nearest `at` (within `slack`): who made a change dated
/// then. Each manager's entry keeps only its newest write, so an older change by a manager
/// that wrote again since is not known.
pub fn writer_near(
    meta: &ObjectMeta,
    at: DateTime<Utc>,
    slack: chrono::Duration,
) -> Option<String> {
    writes(meta)
        .filter(|(t, _)| (*t - at).abs() <= slack)
        .min_by_key(|(t, _)| (*t - at).abs())
        .map(|(_, m)| m)
}
