//! Loading: the config file read and checked section by section, then the theme, the keymap
//! and the runbook it names; every problem in every file collected, each at its position.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::directories::Dirs;
use super::endpoint;
use super::keymap::{self, Keymap};
use super::schema::{CONFIG_KEYS, ConfigFile};
use super::settings::{Overrides, Settings, TimelineSettings};
use super::theme::Loader;
use super::user;
use super::{
    DEFAULT_GUARD_WATCH_AFTER, DEFAULT_METRICS_INTERVAL, DEFAULT_NAMESPACES,
    DEFAULT_PROTECTED_NAMESPACES,
};
use crate::model::diag::{Diagnostic, Diagnostics};
use crate::model::file_name::Found;
use crate::slo;

/// The config file's text (for positions) and the problems found so far.
struct Checks<'a> {
    file: Option<(&'a Path, &'a str)>,
    errors: Vec<Diagnostic>,
}

impl Checks<'_> {
    /// A value the file may set, checked by `check`; `default` when it is absent or wrong (and
    /// then the problem is kept).
    fn value<R, T>(
        &mut self,
        raw: Option<R>,
        default: T,
        check: impl FnOnce(&Path, &str, R) -> Result<T, Vec<Diagnostic>>,
    ) -> T {
        let (Some((path, text)), Some(raw)) = (self.file, raw) else {
            return default;
        };
        match check(path, text, raw) {
            Ok(value) => value,
            Err(problems) => {
                self.errors.extend(problems);
                default
            }
        }
    }

    /// A duration the file may set (`"15m"`), within `bounds`.
    fn duration(
        &mut self,
        raw: Option<toml::Spanned<String>>,
        default: Duration,
        bounds: RangeInclusive<Duration>,
        key: &str,
        help: &str,
    ) -> Duration {
        self.value(
            raw,
            default,
            |path, text, raw| match promql_parser::util::parse_duration(raw.get_ref()) {
                Ok(d) if bounds.contains(&d) => Ok(d),
                _ => Err(vec![Diagnostic::at(
                    path,
                    text,
                    Some(raw.span()),
                    format!("invalid {key} {:?}", raw.get_ref()),
                    help,
                )]),
            },
        )
    }

    /// A file loaded (theme, keymap, runbook), or its problems kept.
    fn loaded<T>(&mut self, result: Result<T, Vec<Diagnostic>>) -> Option<T> {
        result.map_err(|problems| self.errors.extend(problems)).ok()
    }
}

impl Settings {
    /// Loads and checks everything in effect; every problem in every file is collected.
    pub fn load(dirs: &Dirs, flags: &Overrides) -> Result<Settings, Diagnostics> {
        load(dirs, flags)
    }
}

const MINUTE: Duration = Duration::from_secs(60);
const FOREVER: Duration = Duration::MAX;

/// Loads and checks everything in effect; every problem in every file is collected.
pub fn load(dirs: &Dirs, flags: &Overrides) -> Result<Settings, Diagnostics> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    let (source, mut file) = match read_config_file(dirs, flags) {
        Ok(Some((path, text, file, bad_entries))) => {
            problems.extend(bad_entries);
            files.push(format!("config  {}", path.display()));
            (Some((path, text)), file)
        }
        Ok(None) => (None, ConfigFile::default()),
        Err(e) => {
            problems.extend(e);
            (None, ConfigFile::default())
        }
    };
    let mut c = Checks {
        file: source.as_ref().map(|(p, t)| (p.as_path(), t.as_str())),
        errors: problems,
    };
    let slos = c.value(file.slo.take(), slo::definition::builtin(), |p, t, raw| {
        slo::definition::check_all(p, t, raw)
            .map(|user| slo::definition::overlay(slo::definition::builtin(), user))
    });
    use crate::model::backup_definition as backup;
    let backups = c.value(file.backup.take(), backup::builtin(), |p, t, raw| {
        backup::check_all(p, t, raw).map(|user| backup::overlay(backup::builtin(), user))
    });
    let prometheus = c.value(file.prometheus.take(), Default::default(), |p, t, raw| {
        raw.check(p, t)
    });
    let alertmanager = c.value(file.alertmanager.take(), Default::default(), |p, t, raw| {
        raw.check(p, t)
    });
    let metrics_interval = c.duration(
        file.metrics_interval.take(),
        DEFAULT_METRICS_INTERVAL,
        Duration::from_secs(1)..=FOREVER,
        "metrics-interval",
        "write a duration of at least one second, e.g. metrics-interval = \"15s\"",
    );
    let guard_watch_after = c.duration(
        file.guard.as_mut().and_then(|g| g.watch_after.take()),
        DEFAULT_GUARD_WATCH_AFTER,
        Duration::ZERO..=FOREVER,
        "watch-after",
        "write a duration, e.g. watch-after = \"15m\" (\"0s\": stop when the rollout completes)",
    );
    let changes_before = c.duration(
        file.overview.as_mut().and_then(|o| o.changes_before.take()),
        30 * MINUTE,
        MINUTE..=24 * 60 * MINUTE,
        "changes-before",
        "write a duration from 1m to 24h, e.g. changes-before = \"30m\"",
    );
    let mut timeline = TimelineSettings::default();
    if let Some(raw) = file.timeline.take() {
        timeline.lookback = c.duration(
            raw.lookback,
            timeline.lookback,
            MINUTE..=7 * 24 * 60 * MINUTE,
            "lookback",
            "write a duration from 1m to 7d, e.g. lookback = \"6h\"",
        );
        timeline.max_entries =
            c.value(
                raw.max_entries,
                timeline.max_entries,
                |p, t, max| match usize::try_from(*max.get_ref()) {
                    Ok(n) if (100..=1_000_000).contains(&n) => Ok(n),
                    _ => Err(vec![Diagnostic::at(
                        p,
                        t,
                        Some(max.span()),
                        format!("invalid max-entries {}", max.get_ref()),
                        "write a number from 100 to 1000000, e.g. max-entries = 10000",
                    )]),
                },
            );
    }
    let alertmanager_urls = alertmanager_urls(&mut c, flags, file.alertmanager_url.take());

    let theme_name = if flags.no_color {
        "mono".to_string()
    } else {
        flags
            .theme
            .clone()
            .or(file.theme.take())
            .unwrap_or_else(|| "default".into())
    };
    let loader = Loader {
        user_dir: dirs.config.as_ref().map(|d| d.join("themes")),
    };
    let theme = c.loaded(loader.load(&theme_name));
    if theme.is_some() {
        files.push(format!("theme   {theme_name}"));
    }
    let keymap_name = flags
        .keymap
        .clone()
        .or(file.keymap.take())
        .unwrap_or_else(|| "default".into());
    let keymap = c.loaded(load_keymap(dirs, &keymap_name));
    if keymap.is_some() {
        files.push(format!("keymap  {keymap_name}"));
    }
    let runbook_name = flags
        .runbook
        .clone()
        .or(file.runbook.take())
        .unwrap_or_else(|| crate::model::runbook::DEFAULT.into());
    let runbook = c.loaded(crate::model::runbook_file::load(
        &runbook_name,
        dirs.config.as_ref().map(|d| d.join("runbooks")).as_deref(),
    ));
    if let Some(r) = &runbook {
        files.push(format!(
            "runbook {} ({}): {} criteria in {} phases",
            r.name,
            r.origin,
            r.count(),
            r.phases.len()
        ));
    }

    let (Some(theme), Some(keymap), Some(runbook), true) =
        (theme, keymap, runbook, c.errors.is_empty())
    else {
        return Err(Diagnostics(c.errors));
    };
    let strings = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    Ok(Settings {
        namespaces: if !flags.namespaces.is_empty() {
            flags.namespaces.clone()
        } else {
            file.namespaces
                .unwrap_or_else(|| strings(DEFAULT_NAMESPACES))
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
        protected_namespaces: file
            .protected_namespaces
            .unwrap_or_else(|| strings(DEFAULT_PROTECTED_NAMESPACES)),
        author: file.author.unwrap_or_else(user::local_user),
        ascii: flags.ascii,
        slos,
        backups,
        runbook,
        validation_history: dirs.state.as_ref().map(|d| d.join("validation.jsonl")),
        incidents: dirs.state.as_ref().map(|d| d.join("incidents")),
        files,
    })
}

/// Every Alertmanager asked: the flags' (each checked), else the file's, else the default.
fn alertmanager_urls(
    c: &mut Checks,
    flags: &Overrides,
    from_file: Option<toml::Spanned<super::schema::OneOrMany>>,
) -> Vec<String> {
    if !flags.alertmanager_urls.is_empty() {
        for spec in &flags.alertmanager_urls {
            if let Err(help) = endpoint::check_alertmanager(spec) {
                c.errors.push(Diagnostic {
                    path: PathBuf::from("--alertmanager-url"),
                    line: 0,
                    column: 0,
                    message: format!("{spec:?} is not an Alertmanager address"),
                    help,
                });
            }
        }
        return flags.alertmanager_urls.clone();
    }
    let default = vec![endpoint::DEFAULT_ALERTMANAGER.to_string()];
    c.value(from_file, default, |path, text, spanned| {
        let span = spanned.span();
        let specs = spanned.into_inner().into_vec();
        let problems: Vec<Diagnostic> = specs
            .iter()
            .filter_map(|spec| {
                let help = endpoint::check_alertmanager(spec).err()?;
                Some(Diagnostic::at(
                    path,
                    text,
                    Some(span.clone()),
                    format!("{spec:?} is not an Alertmanager address"),
                    help,
                ))
            })
            .collect();
        if problems.is_empty() {
            Ok(specs)
        } else {
            Err(problems)
        }
    })
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
    let not_found = |why| {
        vec![crate::model::file_name::not_found(
            name_or_path,
            why,
            keymap::BUILTIN,
        )]
    };
    let user_dir = dirs.config.as_ref().map(|d| d.join("keymaps"));
    match crate::model::file_name::find(
        name_or_path,
        user_dir.as_deref(),
        keymap::BUILTIN,
        "keymap",
    )
    .map_err(not_found)?
    {
        Found::File(path, text) => Keymap::with_overlay(&path, &text),
        Found::Builtin(name, text) => {
            Keymap::with_overlay(Path::new(&format!("keymaps/{name}.toml")), text)
        }
    }
}
