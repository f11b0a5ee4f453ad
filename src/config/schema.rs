//! What `config.toml` may say, as serde reads it: every table and key, unknown ones refused.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use super::endpoint;

/// What the user may set in `config.toml`. Unknown keys are errors, not silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub namespaces: Option<Vec<String>>,
    pub context: Option<String>,
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub readonly: Option<bool>,
    pub audit_log: Option<PathBuf>,
    pub prometheus_url: Option<String>,
    /// One address, or a list: `alertmanager-url = ["prod=http://...", "k8s://..."]`.
    pub alertmanager_url: Option<toml::Spanned<OneOrMany>>,
    /// Who silences are created by, unless the dialog says otherwise (default: the local user).
    pub author: Option<String>,
    /// `[[slo]]` tables: replace built-in SLOs of the same name, or add new ones.
    pub slo: Option<Vec<crate::slo::definition::RawSlo>>,
    /// `[[backup]]` tables: replace the built-in database of the same name, or add rows.
    pub backup: Option<Vec<crate::model::backup_definition::RawBackup>>,
    /// `[prometheus]`: credentials, TLS, timeout and poll interval.
    pub prometheus: Option<endpoint::RawHttpOptions>,
    /// `[alertmanager]`: the same options, for every Alertmanager.
    pub alertmanager: Option<endpoint::RawHttpOptions>,
    /// How often the metrics API (`kubectl top`'s source) is read: `"15s"`, its usual resolution.
    pub metrics_interval: Option<toml::Spanned<String>>,
    /// Namespaces where a change is confirmed by typing the object's name.
    pub protected_namespaces: Option<Vec<String>>,
    /// `[contexts."NAME"]`: settings for one kubeconfig context, re-read on `:ctx`.
    pub contexts: Option<BTreeMap<String, ContextFile>>,
    /// `[guard]`: the rollout guard.
    pub guard: Option<GuardFile>,
    /// `[timeline]`: how far back it is rebuilt and how many entries it keeps.
    pub timeline: Option<TimelineFile>,
    /// `[overview]`: how far before a page its changes are listed.
    pub overview: Option<OverviewFile>,
    /// The validation runbook: a name (the user's `runbooks/` directory, then the built-ins)
    /// or a path.
    pub runbook: Option<String>,
}

/// What `[guard]` may set.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GuardFile {
    /// How long after a followed rollout completes the guard keeps watching: `"15m"`.
    pub watch_after: Option<toml::Spanned<String>>,
    /// Pause a tripped Deployment's rollout while it progresses, through the write path.
    pub auto_pause: Option<bool>,
}

/// What `[overview]` may set.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OverviewFile {
    /// How far before a page the changes are listed: `"30m"`.
    pub changes_before: Option<toml::Spanned<String>>,
}

/// What `[timeline]` may set.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct TimelineFile {
    /// How far back a console started mid-incident rebuilds it: `"6h"`.
    pub lookback: Option<toml::Spanned<String>>,
    /// The most entries kept (oldest dropped first).
    pub max_entries: Option<toml::Spanned<i64>>,
}

/// What `[contexts."NAME"]` may set.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContextFile {
    pub readonly: Option<bool>,
    pub protected_namespaces: Option<Vec<String>>,
    /// `[contexts."NAME".guard]`: only `auto-pause`.
    pub guard: Option<ContextGuardFile>,
}

/// What `[contexts."NAME".guard]` may set.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ContextGuardFile {
    pub auto_pause: Option<bool>,
}

/// A string, or a list of strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// For the diagnostic of an unknown key.
pub const CONFIG_KEYS: &str = "keys are: namespaces, context, theme, keymap, readonly, audit-log, prometheus-url, alertmanager-url, author, metrics-interval, protected-namespaces, [prometheus], [alertmanager], [guard], [timeline], [overview], [contexts.NAME], [[slo]], [[backup]], runbook";
