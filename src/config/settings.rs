//! What the console runs with, resolved from the defaults, the config file and the flags.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::endpoint;
use super::keymap::Keymap;
use super::schema::ContextFile;
use super::theme::Theme;
use crate::slo::SloDefinition;

/// The flags that can override the config file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub namespaces: Vec<String>,
    pub context: Option<String>,
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub readonly: bool,
    pub audit_log: Option<PathBuf>,
    pub prometheus_url: Option<String>,
    pub alertmanager_urls: Vec<String>,
    pub no_color: bool,
    pub ascii: bool,
    /// `validate --runbook`.
    pub runbook: Option<String>,
}

/// Everything resolved: what the console runs with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub namespaces: Vec<String>,
    pub context: Option<String>,
    pub theme: Theme,
    pub keymap: Keymap,
    pub readonly: bool,
    pub audit_log: Option<PathBuf>,
    pub prometheus_url: Option<String>,
    /// Every Alertmanager asked, as `[NAME=]URL` or `[NAME=]k8s://...`.
    pub alertmanager_urls: Vec<String>,
    /// The default author of silences.
    pub author: String,
    pub ascii: bool,
    /// The SLOs in effect: built-in, overlaid by the config file's `[[slo]]` tables.
    pub slos: Vec<SloDefinition>,
    /// The databases `:backups` shows: built-in, overlaid by `[[backup]]` tables.
    pub backups: Vec<crate::model::backup_definition::BackupDefinition>,
    pub prometheus: endpoint::HttpOptions,
    pub alertmanager: endpoint::HttpOptions,
    /// How often the metrics API is read (it cannot be watched).
    pub metrics_interval: Duration,
    /// Namespaces where a change is confirmed by typing the object's name.
    pub protected_namespaces: Vec<String>,
    /// `--readonly` on the command line: wins over any context's `readonly = false`.
    pub readonly_flag: bool,
    /// Per-context settings from `[contexts."NAME"]`.
    pub contexts: BTreeMap<String, ContextFile>,
    /// `[guard] watch-after`.
    pub guard_watch_after: Duration,
    /// `[guard] auto-pause`, before any context's own.
    pub guard_auto_pause: bool,
    /// `[timeline]`.
    pub timeline: TimelineSettings,
    /// `[overview] changes-before`.
    pub changes_before: Duration,
    /// The validation runbook in effect.
    pub runbook: crate::model::runbook::Runbook,
    /// Where validation runs are kept: `$XDG_STATE_HOME/ms5-console/validation.jsonl`.
    pub validation_history: Option<PathBuf>,
    /// Where incident files are kept: `$XDG_STATE_HOME/ms5-console/incidents/`.
    pub incidents: Option<PathBuf>,
    /// Which files were read, for `check-config` to report.
    pub files: Vec<String>,
}

/// `[timeline]` in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineSettings {
    pub lookback: Duration,
    pub max_entries: usize,
}

impl Default for TimelineSettings {
    fn default() -> Self {
        TimelineSettings {
            lookback: Duration::from_secs(6 * 3600),
            max_entries: 10_000,
        }
    }
}

/// What is in effect for one context: read-only, where typed confirmation is asked, and
/// whether the guard pauses a tripped rollout by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForContext {
    pub readonly: bool,
    pub protected_namespaces: Vec<String>,
    pub auto_pause: bool,
}

impl Settings {
    /// What is in effect for `context`: its `[contexts."NAME"]` table over the global
    /// settings; `--readonly` wins over a context's `readonly = false`.
    pub fn for_context(&self, context: &str) -> ForContext {
        let own = self.contexts.get(context);
        ForContext {
            readonly: self.readonly_flag || own.and_then(|c| c.readonly).unwrap_or(self.readonly),
            protected_namespaces: own
                .and_then(|c| c.protected_namespaces.clone())
                .unwrap_or_else(|| self.protected_namespaces.clone()),
            auto_pause: own
                .and_then(|c| c.guard.as_ref())
                .and_then(|g| g.auto_pause)
                .unwrap_or(self.guard_auto_pause),
        }
    }
}
