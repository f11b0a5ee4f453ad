//! Layered configuration: built-in defaults < the user's config file < command-line flags.
//! Themes and keymaps are resolved here too, so `check-config` and start-up see the same files.

pub mod endpoint;
pub mod keymap;
pub mod keys;
pub mod theme;
pub mod user;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::model::diag::{Diagnostic, Diagnostics};
use keymap::Keymap;
use theme::{Loader, Theme, is_path};

use crate::slo::{self, SloDefinition};

/// The namespaces watched when neither the config file nor `--namespace` names any.
pub const DEFAULT_NAMESPACES: &[&str] = &["ms5-production", "ms5-staging", "ms5-system"];
/// Where a change is confirmed by typing the object's name, unless the config says otherwise.
pub const DEFAULT_PROTECTED_NAMESPACES: &[&str] = &["ms5-production"];
/// How long the rollout guard keeps watching a rollout after it completed: a bad release often
/// burns only once its pods take traffic.
pub const DEFAULT_GUARD_WATCH_AFTER: Duration = Duration::from_secs(15 * 60);
/// metrics-server's default resolution: reading more often shows nothing new.
pub const DEFAULT_METRICS_INTERVAL: Duration = Duration::from_secs(15);

/// Where the console keeps its files, from the XDG variables (never the current directory).
#[derive(Debug, Clone, Default)]
pub struct Dirs {
    /// `$XDG_CONFIG_HOME/ms5-console`
    pub config: Option<PathBuf>,
    /// `$XDG_STATE_HOME/ms5-console`: the log file and the audit log.
    pub state: Option<PathBuf>,
}

impl Dirs {
    pub fn from_env() -> Dirs {
        Dirs {
            config: dirs::config_dir().map(|d| d.join("ms5-console")),
            state: dirs::state_dir().map(|d| d.join("ms5-console")),
        }
    }

    pub fn config_file(&self) -> Option<PathBuf> {
        self.config.as_ref().map(|d| d.join("config.toml"))
    }
}

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

/// What is in effect for one context: read-only, where typed confirmation is asked, and
/// whether the guard pauses a tripped rollout by itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForContext {
    pub readonly: bool,
    pub protected_namespaces: Vec<String>,
    pub auto_pause: bool,
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

    /// Loads and checks everything in effect; every problem in every file is collected.
    pub fn load(dirs: &Dirs, flags: &Overrides) -> Result<Settings, Diagnostics> {
        let mut errors = Vec::new();
        let mut files = Vec::new();
        let mut slos = slo::definition::builtin();
        let mut file = match read_config_file(dirs, flags) {
            Ok(Some((path, text, file, problems))) => {
                errors.extend(problems);
                files.push(format!("config  {}", path.display()));
                (Some((path, text)), file)
            }
            Ok(None) => (None, ConfigFile::default()),
            Err(e) => {
                errors.extend(e);
                (None, ConfigFile::default())
            }
        };
        if let (Some((path, text)), Some(raw)) = (&file.0, file.1.slo.take()) {
            match slo::definition::check_all(path, text, raw) {
                Ok(user) => slos = slo::definition::overlay(slos, user),
                Err(e) => errors.extend(e),
            }
        }
        let mut backups = crate::model::backup_definition::builtin();
        if let (Some((path, text)), Some(raw)) = (&file.0, file.1.backup.take()) {
            match crate::model::backup_definition::check_all(path, text, raw) {
                Ok(user) => backups = crate::model::backup_definition::overlay(backups, user),
                Err(e) => errors.extend(e),
            }
        }
        let mut prometheus = endpoint::HttpOptions::default();
        if let (Some((path, text)), Some(raw)) = (&file.0, file.1.prometheus.take()) {
            match raw.check(path, text) {
                Ok(options) => prometheus = options,
                Err(e) => errors.extend(e),
            }
        }
        let mut metrics_interval = DEFAULT_METRICS_INTERVAL;
        if let (Some((path, text)), Some(raw)) = (&file.0, file.1.metrics_interval.take()) {
            match promql_parser::util::parse_duration(raw.get_ref()) {
                Ok(d) if d >= Duration::from_secs(1) => metrics_interval = d,
                _ => errors.push(Diagnostic::at(
                    path,
                    text,
                    Some(raw.span()),
                    format!("invalid metrics-interval {:?}", raw.get_ref()),
                    "write a duration of at least one second, e.g. metrics-interval = \"15s\"",
                )),
            }
        }
        let mut guard_watch_after = DEFAULT_GUARD_WATCH_AFTER;
        if let (Some((path, text)), Some(raw)) = (
            &file.0,
            file.1.guard.as_mut().and_then(|g| g.watch_after.take()),
        ) {
            match promql_parser::util::parse_duration(raw.get_ref()) {
                Ok(d) => guard_watch_after = d,
                Err(_) => errors.push(Diagnostic::at(
                    path,
                    text,
                    Some(raw.span()),
                    format!("invalid watch-after {:?}", raw.get_ref()),
                    "write a duration, e.g. watch-after = \"15m\" (\"0s\": stop when the rollout completes)",
                )),
            }
        }
        let mut changes_before = Duration::from_secs(30 * 60);
        if let (Some((path, text)), Some(raw)) = (
            &file.0,
            file.1
                .overview
                .as_mut()
                .and_then(|o| o.changes_before.take()),
        ) {
            match promql_parser::util::parse_duration(raw.get_ref()) {
                Ok(d) if d >= Duration::from_secs(60) && d <= Duration::from_secs(24 * 3600) => {
                    changes_before = d
                }
                _ => errors.push(Diagnostic::at(
                    path,
                    text,
                    Some(raw.span()),
                    format!("invalid changes-before {:?}", raw.get_ref()),
                    "write a duration from 1m to 24h, e.g. changes-before = \"30m\"",
                )),
            }
        }
        let mut timeline = TimelineSettings::default();
        if let (Some((path, text)), Some(raw)) = (&file.0, file.1.timeline.take()) {
            if let Some(lookback) = raw.lookback {
                match promql_parser::util::parse_duration(lookback.get_ref()) {
                    Ok(d)
                        if d >= Duration::from_secs(60) && d <= Duration::from_secs(7 * 86400) =>
                    {
                        timeline.lookback = d
                    }
                    _ => errors.push(Diagnostic::at(
                        path,
                        text,
                        Some(lookback.span()),
                        format!("invalid lookback {:?}", lookback.get_ref()),
                        "write a duration from 1m to 7d, e.g. lookback = \"6h\"",
                    )),
                }
            }
            if let Some(max) = raw.max_entries {
                match usize::try_from(*max.get_ref()) {
                    Ok(n) if (100..=1_000_000).contains(&n) => timeline.max_entries = n,
                    _ => errors.push(Diagnostic::at(
                        path,
                        text,
                        Some(max.span()),
                        format!("invalid max-entries {}", max.get_ref()),
                        "write a number from 100 to 1000000, e.g. max-entries = 10000",
                    )),
                }
            }
        }
        let mut alertmanager = endpoint::HttpOptions::default();
        if let (Some((path, text)), Some(raw)) = (&file.0, file.1.alertmanager.take()) {
            match raw.check(path, text) {
                Ok(options) => alertmanager = options,
                Err(e) => errors.extend(e),
            }
        }
        let alertmanager_urls = if !flags.alertmanager_urls.is_empty() {
            for spec in &flags.alertmanager_urls {
                if let Err(help) = endpoint::check_alertmanager(spec) {
                    errors.push(Diagnostic {
                        path: PathBuf::from("--alertmanager-url"),
                        line: 0,
                        column: 0,
                        message: format!("{spec:?} is not an Alertmanager address"),
                        help,
                    });
                }
            }
            flags.alertmanager_urls.clone()
        } else {
            match (file.1.alertmanager_url.take(), &file.0) {
                (Some(spanned), Some((path, text))) => {
                    let span = spanned.span();
                    let specs = spanned.into_inner().into_vec();
                    for spec in &specs {
                        if let Err(help) = endpoint::check_alertmanager(spec) {
                            errors.push(Diagnostic::at(
                                path,
                                text,
                                Some(span.clone()),
                                format!("{spec:?} is not an Alertmanager address"),
                                help,
                            ));
                        }
                    }
                    specs
                }
                _ => vec![endpoint::DEFAULT_ALERTMANAGER.to_string()],
            }
        };
        let file = file.1;

        let theme_name = if flags.no_color {
            "mono".to_string()
        } else {
            flags
                .theme
                .clone()
                .or(file.theme)
                .unwrap_or_else(|| "default".into())
        };
        let loader = Loader {
            user_dir: dirs.config.as_ref().map(|d| d.join("themes")),
        };
        let theme = match loader.load(&theme_name) {
            Ok(t) => {
                files.push(format!("theme   {theme_name}"));
                Some(t)
            }
            Err(e) => {
                errors.extend(e);
                None
            }
        };

        let keymap_name = flags
            .keymap
            .clone()
            .or(file.keymap)
            .unwrap_or_else(|| "default".into());
        let keymap = match load_keymap(dirs, &keymap_name) {
            Ok(k) => {
                files.push(format!("keymap  {keymap_name}"));
                Some(k)
            }
            Err(e) => {
                errors.extend(e);
                None
            }
        };

        let runbook_name = flags
            .runbook
            .clone()
            .or(file.runbook)
            .unwrap_or_else(|| crate::model::runbook::DEFAULT.into());
        let runbook = match crate::model::runbook::load(
            &runbook_name,
            dirs.config.as_ref().map(|d| d.join("runbooks")).as_deref(),
        ) {
            Ok(r) => {
                files.push(format!(
                    "runbook {} ({}): {} criteria in {} phases",
                    r.name,
                    r.origin,
                    r.count(),
                    r.phases.len()
                ));
                Some(r)
            }
            Err(e) => {
                errors.extend(e);
                None
            }
        };

        match (theme, keymap, runbook) {
            (Some(theme), Some(keymap), Some(runbook)) if errors.is_empty() => Ok(Settings {
                namespaces: if !flags.namespaces.is_empty() {
                    flags.namespaces.clone()
                } else {
                    file.namespaces.unwrap_or_else(|| {
                        DEFAULT_NAMESPACES.iter().map(|s| s.to_string()).collect()
                    })
                },
                context: flags.context.clone().or(file.context),
                theme,
                keymap,
                readonly: flags.readonly || file.readonly.unwrap_or(false),
                readonly_flag: flags.readonly,
                contexts: file.contexts.clone().unwrap_or_default(),
                guard_watch_after,
                timeline,
                changes_before,
                guard_auto_pause: file
                    .guard
                    .as_ref()
                    .and_then(|g| g.auto_pause)
                    .unwrap_or(false),
                audit_log: flags
                    .audit_log
                    .clone()
                    .or(file.audit_log)
                    .or_else(|| dirs.state.as_ref().map(|d| d.join("audit.jsonl"))),
                prometheus_url: flags
                    .prometheus_url
                    .clone()
                    .or(file.prometheus_url)
                    .or_else(|| Some(endpoint::DEFAULT_PROMETHEUS.to_string())),
                prometheus,
                alertmanager_urls,
                alertmanager,
                metrics_interval,
                protected_namespaces: file.protected_namespaces.unwrap_or_else(|| {
                    DEFAULT_PROTECTED_NAMESPACES
                        .iter()
                        .map(|s| s.to_string())
                        .collect()
                }),
                author: file.author.unwrap_or_else(user::local_user),
                ascii: flags.ascii,
                slos,
                backups,
                runbook,
                validation_history: dirs.state.as_ref().map(|d| d.join("validation.jsonl")),
                incidents: dirs.state.as_ref().map(|d| d.join("incidents")),
                files,
            }),
            _ => Err(Diagnostics(errors)),
        }
    }
}

/// The config file named by `--config` (which must exist), else the user's (which may not).
/// The file's good entries come back with the problems of its bad ones.
type ReadConfig = (PathBuf, String, ConfigFile, Vec<Diagnostic>);

fn read_config_file(dirs: &Dirs, flags: &Overrides) -> Result<Option<ReadConfig>, Vec<Diagnostic>> {
    let (path, required) = match (&flags.config, dirs.config_file()) {
        (Some(p), _) => (p.clone(), true),
        (None, Some(p)) => (p, false),
        (None, None) => return Ok(None),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(vec![Diagnostic {
                path: path.clone(),
                line: 1,
                column: 1,
                message: format!("cannot read the config file: {e}"),
                help: "check the path given to --config".into(),
            }]);
        }
    };
    let (file, problems) = parse_config_file(&path, &text)?;
    Ok(Some((path, text, file, problems)))
}

const CONFIG_KEYS: &str = "keys are: namespaces, context, theme, keymap, readonly, audit-log, prometheus-url, alertmanager-url, author, metrics-interval, protected-namespaces, [prometheus], [alertmanager], [guard], [timeline], [overview], [contexts.NAME], [[slo]], [[backup]], runbook";

/// Parses `config.toml` reporting every bad top-level entry, not only the first: each entry is
/// deserialized on its own (spans still point into the file), the good ones together, so the
/// later checks ([prometheus], [[slo]]...) still run on them. A syntax error stops at once, since
/// nothing after it can be read with certainty.
fn parse_config_file(
    path: &Path,
    text: &str,
) -> Result<(ConfigFile, Vec<Diagnostic>), Vec<Diagnostic>> {
    use toml::de::{DeTable, Deserializer};
    let root = DeTable::parse(text)
        .map_err(|e| vec![Diagnostic::from_toml(path, text, &e, CONFIG_KEYS)])?;
    let span = root.span();
    let mut good = DeTable::new();
    let mut errors = Vec::new();
    for (key, value) in root.get_ref() {
        let mut one = DeTable::new();
        one.insert(key.clone(), value.clone());
        match ConfigFile::deserialize(Deserializer::from(toml::Spanned::new(span.clone(), one))) {
            Ok(_) => {
                good.insert(key.clone(), value.clone());
            }
            Err(e) => errors.push(Diagnostic::from_toml(path, text, &e, CONFIG_KEYS)),
        }
    }
    ConfigFile::deserialize(Deserializer::from(toml::Spanned::new(span, good)))
        .map(|file| (file, errors))
        .map_err(|e| vec![Diagnostic::from_toml(path, text, &e, CONFIG_KEYS)])
}

fn load_keymap(dirs: &Dirs, name_or_path: &str) -> Result<Keymap, Vec<Diagnostic>> {
    let not_found = |why: String| {
        vec![Diagnostic {
            path: PathBuf::from(name_or_path),
            line: 1,
            column: 1,
            message: why,
            help: format!(
                "give a path, or one of: {}",
                keymap::BUILTIN
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }]
    };
    let read = |path: &Path| std::fs::read_to_string(path);
    if is_path(name_or_path) {
        let path = PathBuf::from(name_or_path);
        let text = read(&path).map_err(|e| not_found(format!("cannot read keymap file: {e}")))?;
        return Keymap::with_overlay(&path, &text);
    }
    if let Some(dir) = &dirs.config {
        let path = dir.join("keymaps").join(format!("{name_or_path}.toml"));
        if let Ok(text) = read(&path) {
            return Keymap::with_overlay(&path, &text);
        }
    }
    match keymap::BUILTIN.iter().find(|(n, _)| *n == name_or_path) {
        Some((n, text)) => Keymap::with_overlay(Path::new(&format!("keymaps/{n}.toml")), text),
        None => Err(not_found(format!("no keymap named `{name_or_path}`"))),
    }
}
