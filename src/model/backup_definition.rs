//! Which databases `:backups` shows and what each is judged against: the built-in PostgreSQL row
//! (`ms5.toml`, compiled in) overlaid by `[[backup]]` tables in the user's config file.

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::diag::Diagnostic;

pub const BUILTIN: &str = include_str!("../backup/ms5.toml");

const DEFAULT_RPO: Duration = Duration::from_secs(24 * 3600);
const DEFAULT_WAL_LAG: Duration = Duration::from_secs(5 * 60);
const DEFAULT_DRILL_EVERY: Duration = Duration::from_secs(7 * 86_400);

/// The Prometheus queries a database's figures come from; each optional (a figure without one
/// is shown as not configured, from Kubernetes alone where it can be).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackupQueries {
    /// Unix time of the last successful backup.
    pub last_success: Option<String>,
    /// Unix time of the last failed backup (0: never).
    pub last_failure: Option<String>,
    /// Unix time of the last WAL segment archived.
    pub wal: Option<String>,
    /// Backups kept, by `location` (`local`, `cloud`).
    pub retained: Option<String>,
    /// Unix time of the oldest backup kept, by `location`.
    pub oldest: Option<String>,
    /// Unix time of the newest copy in the secondary region.
    pub replica: Option<String>,
    /// Unix time of the last successful scheduled restore test.
    pub restore_last_success: Option<String>,
    /// The last scheduled restore test's result: 1 passed, 0 failed.
    pub restore_result: Option<String>,
}

impl BackupQueries {
    /// Every configured query with the figure it feeds, in a fixed order.
    pub fn all(&self) -> Vec<(Figure, &str)> {
        [
            (Figure::LastSuccess, &self.last_success),
            (Figure::LastFailure, &self.last_failure),
            (Figure::Wal, &self.wal),
            (Figure::Retained, &self.retained),
            (Figure::Oldest, &self.oldest),
            (Figure::Replica, &self.replica),
            (Figure::RestoreLastSuccess, &self.restore_last_success),
            (Figure::RestoreResult, &self.restore_result),
        ]
        .into_iter()
        .filter_map(|(f, q)| q.as_deref().map(|q| (f, q)))
        .collect()
    }
}

/// The label the console's combined query marks each figure's series with.
pub const FIGURE_LABEL: &str = "ms5_console_figure";

impl BackupQueries {
    /// All of a database's figures in one request: each query's series marked with its
    /// figure's name (`label_replace`), joined with `or`. None when nothing is configured.
    pub fn combined(&self) -> Option<String> {
        let parts: Vec<String> = self
            .all()
            .into_iter()
            .map(|(figure, query)| {
                format!(
                    "label_replace({query}, \"{FIGURE_LABEL}\", \"{}\", \"\", \"\")",
                    figure.key()
                )
            })
            .collect();
        (!parts.is_empty()).then(|| parts.join(" or "))
    }
}

impl Figure {
    pub const ALL: [Figure; 8] = [
        Figure::LastSuccess,
        Figure::LastFailure,
        Figure::Wal,
        Figure::Retained,
        Figure::Oldest,
        Figure::Replica,
        Figure::RestoreLastSuccess,
        Figure::RestoreResult,
    ];

    /// Its `[[backup]]` key, which is also its mark in the combined query.
    pub fn key(self) -> &'static str {
        match self {
            Figure::LastSuccess => "last-success",
            Figure::LastFailure => "last-failure",
            Figure::Wal => "wal",
            Figure::Retained => "retained",
            Figure::Oldest => "oldest",
            Figure::Replica => "replica",
            Figure::RestoreLastSuccess => "restore-last-success",
            Figure::RestoreResult => "restore-result",
        }
    }

    pub fn from_key(key: &str) -> Option<Figure> {
        Figure::ALL.into_iter().find(|f| f.key() == key)
    }
}

/// A metric figure of a database's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Figure {
    LastSuccess,
    LastFailure,
    Wal,
    Retained,
    Oldest,
    Replica,
    RestoreLastSuccess,
    RestoreResult,
}

/// One database's backups, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupDefinition {
    pub name: String,
    pub namespace: String,
    pub backup_cronjob: String,
    pub restore_test_cronjob: Option<String>,
    pub rpo: Duration,
    pub wal_lag: Duration,
    pub drill_every: Duration,
    pub rto: Option<Duration>,
    /// Retention policy: local, then cloud.
    pub retention: Vec<Duration>,
    pub queries: BackupQueries,
}

impl BackupDefinition {
    /// One line for `check-config`: where its Jobs are and what it is judged against.
    pub fn summary(&self) -> String {
        let d = |d: &Duration| crate::model::age::human_duration(d.as_secs());
        let mut cronjobs = vec![self.backup_cronjob.as_str()];
        cronjobs.extend(self.restore_test_cronjob.as_deref());
        let retention = match self.retention.as_slice() {
            [] => "not set".to_string(),
            [local] => format!("{} local", d(local)),
            [local, cloud, ..] => format!("{} local, {} cloud", d(local), d(cloud)),
        };
        format!(
            "{} in {}: cronjobs {}; RPO {}, WAL lag {}, drill every {}, RTO {}, retention {}; {} metric queries",
            self.name,
            self.namespace,
            cronjobs.join(", "),
            d(&self.rpo),
            d(&self.wal_lag),
            d(&self.drill_every),
            self.rto.as_ref().map_or("not set".to_string(), d),
            retention,
            self.queries.all().len()
        )
    }
}

/// A `[[backup]]` table as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawBackup {
    pub name: Spanned<String>,
    pub namespace: Option<Spanned<String>>,
    pub backup_cronjob: Option<Spanned<String>>,
    pub restore_test_cronjob: Option<Spanned<String>>,
    pub rpo: Option<Spanned<String>>,
    pub wal_lag: Option<Spanned<String>>,
    pub drill_every: Option<Spanned<String>>,
    pub rto: Option<Spanned<String>>,
    pub retention: Option<Spanned<Vec<Spanned<String>>>>,
    pub last_success: Option<Spanned<String>>,
    pub last_failure: Option<Spanned<String>>,
    pub wal: Option<Spanned<String>>,
    pub retained: Option<Spanned<String>>,
    pub oldest: Option<Spanned<String>>,
    pub replica: Option<Spanned<String>>,
    pub restore_last_success: Option<Spanned<String>>,
    pub restore_result: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BackupFile {
    backup: Vec<RawBackup>,
}

/// The built-in rows. The test suite checks them, so this cannot fail at run time; if it ever
/// did, `:backups` would show no rows rather than stop.
pub fn builtin() -> Vec<BackupDefinition> {
    let path = Path::new("src/backup/ms5.toml");
    toml::from_str::<BackupFile>(BUILTIN)
        .ok()
        .and_then(|f| check_all(path, BUILTIN, f.backup).ok())
        .unwrap_or_default()
}

/// Checks `[[backup]]` tables from the file at `path` (text `source`), reporting every problem
/// with its position.
pub fn check_all(
    path: &Path,
    source: &str,
    raw: Vec<RawBackup>,
) -> Result<Vec<BackupDefinition>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut checked: Vec<BackupDefinition> = Vec::new();
    for table in raw {
        let span = table.name.span();
        match check(path, source, table) {
            Ok(def) if checked.iter().any(|d| d.name == def.name) => errors.push(Diagnostic::at(
                path,
                source,
                Some(span),
                format!("backup `{}` is defined twice", def.name),
                "give each [[backup]] table its own name",
            )),
            Ok(def) => checked.push(def),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// The rows in effect: built-ins, with the user's tables replacing same-named ones and adding
/// new ones after them.
pub fn overlay(
    mut base: Vec<BackupDefinition>,
    user: Vec<BackupDefinition>,
) -> Vec<BackupDefinition> {
    for def in user {
        match base.iter_mut().find(|d| d.name == def.name) {
            Some(slot) => *slot = def,
            None => base.push(def),
        }
    }
    base
}

struct Checker<'a> {
    path: &'a Path,
    source: &'a str,
    errors: Vec<Diagnostic>,
}

impl Checker<'_> {
    fn error(&mut self, span: std::ops::Range<usize>, message: String, help: &str) {
        self.errors.push(Diagnostic::at(
            self.path,
            self.source,
            Some(span),
            message,
            help,
        ));
    }

    fn duration(&mut self, key: &str, raw: Option<Spanned<String>>) -> Option<Duration> {
        let raw = raw?;
        match promql_parser::util::parse_duration(raw.get_ref()) {
            Ok(d) if d >= Duration::from_secs(1) => Some(d),
            _ => {
                self.error(
                    raw.span(),
                    format!("invalid {key} {:?}", raw.get_ref()),
                    &format!(
                        "write a duration such as {key} = \"24h\" (units: s, m, h, d, w, y), at least one second"
                    ),
                );
                None
            }
        }
    }

    fn name(&mut self, key: &str, raw: Option<Spanned<String>>, table: &str) -> Option<String> {
        let raw = raw?;
        let value = raw.get_ref().trim();
        if is_dns_name(value) {
            Some(value.to_string())
        } else {
            self.error(
                raw.span(),
                format!("invalid {key} {:?} in backup `{table}`", raw.get_ref()),
                "write a Kubernetes name: lower-case letters, digits and `-`",
            );
            None
        }
    }

    fn query(&mut self, key: &str, raw: Option<Spanned<String>>) -> Option<String> {
        let raw = raw?;
        match promql_parser::parser::parse(raw.get_ref()) {
            Ok(expr) if expr.value_type() == promql_parser::parser::value::ValueType::Vector => {
                Some(raw.get_ref().trim().to_string())
            }
            Ok(_) => {
                self.error(
                    raw.span(),
                    format!("{key} is not an instant vector"),
                    "write a query whose answer is series (a selector, or an expression over one), not a scalar or a range",
                );
                None
            }
            Err(e) => {
                let first = e.lines().next().unwrap_or_default().to_string();
                self.error(
                    raw.span(),
                    format!("{key} is not valid PromQL: {first}"),
                    &format!(
                        "write an instant query, e.g. {key} = 'ms5_backup_last_success_timestamp_seconds{{service=\"postgres\"}}'"
                    ),
                );
                None
            }
        }
    }
}

fn check(path: &Path, source: &str, raw: RawBackup) -> Result<BackupDefinition, Vec<Diagnostic>> {
    let mut c = Checker {
        path,
        source,
        errors: Vec::new(),
    };
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty() {
        c.error(
            raw.name.span(),
            "a backup's name is empty".into(),
            "name the database, e.g. name = \"postgres\"",
        );
    }
    let table_span = raw.name.span();
    let required = |c: &mut Checker, key: &str, value: Option<String>, example: &str| {
        if value.is_none() && !c.errors.iter().any(|e| e.message.contains(key)) {
            c.error(
                table_span.clone(),
                format!("backup `{name}` has no {key}"),
                &format!("add {key} = \"{example}\" to its [[backup]] table"),
            );
        }
        value
    };
    let namespace = c.name("namespace", raw.namespace, &name);
    let namespace = required(&mut c, "namespace", namespace, "ms5-production");
    let backup_cronjob = c.name("backup-cronjob", raw.backup_cronjob, &name);
    let backup_cronjob = required(&mut c, "backup-cronjob", backup_cronjob, "postgres-backup");
    let restore_test_cronjob = c.name("restore-test-cronjob", raw.restore_test_cronjob, &name);
    let rpo = c.duration("rpo", raw.rpo).unwrap_or(DEFAULT_RPO);
    let wal_lag = c
        .duration("wal-lag", raw.wal_lag)
        .unwrap_or(DEFAULT_WAL_LAG);
    let drill_every = c
        .duration("drill-every", raw.drill_every)
        .unwrap_or(DEFAULT_DRILL_EVERY);
    let rto = c.duration("rto", raw.rto);
    let mut retention = Vec::new();
    if let Some(list) = raw.retention {
        let span = list.span();
        let items = list.into_inner();
        if items.len() > 2 {
            c.error(
                span,
                format!("retention has {} entries", items.len()),
                "write retention = [\"30d\", \"90d\"]: local, then cloud",
            );
        }
        for item in items.into_iter().take(2) {
            if let Some(d) = c.duration("retention", Some(item)) {
                retention.push(d);
            }
        }
    }
    let queries = BackupQueries {
        last_success: c.query("last-success", raw.last_success),
        last_failure: c.query("last-failure", raw.last_failure),
        wal: c.query("wal", raw.wal),
        retained: c.query("retained", raw.retained),
        oldest: c.query("oldest", raw.oldest),
        replica: c.query("replica", raw.replica),
        restore_last_success: c.query("restore-last-success", raw.restore_last_success),
        restore_result: c.query("restore-result", raw.restore_result),
    };
    match (namespace, backup_cronjob) {
        (Some(namespace), Some(backup_cronjob)) if c.errors.is_empty() => Ok(BackupDefinition {
            name,
            namespace,
            backup_cronjob,
            restore_test_cronjob,
            rpo,
            wal_lag,
            drill_every,
            rto,
            retention,
            queries,
        }),
        _ => Err(c.errors),
    }
}

/// A Kubernetes object name: lower-case letters, digits, `-` and `.`, alphanumeric at both ends.
fn is_dns_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<BackupDefinition>, Vec<String>> {
        let file: BackupFile = toml::from_str(text).expect("valid TOML shape");
        check_all(Path::new("config.toml"), text, file.backup)
            .map_err(|e| e.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn the_builtin_row_is_postgres_with_the_seeds_policy() {
        let rows = builtin();
        assert_eq!(rows.len(), 1);
        let pg = &rows[0];
        assert_eq!(pg.name, "postgres");
        assert_eq!(pg.namespace, "ms5-production");
        assert_eq!(pg.backup_cronjob, "postgres-backup");
        assert_eq!(
            pg.restore_test_cronjob.as_deref(),
            Some("postgres-restore-test")
        );
        assert_eq!(pg.rpo, Duration::from_secs(86_400));
        assert_eq!(pg.wal_lag, Duration::from_secs(300));
        assert_eq!(pg.drill_every, Duration::from_secs(7 * 86_400));
        assert_eq!(pg.rto, None);
        assert_eq!(
            pg.retention,
            [
                Duration::from_secs(30 * 86_400),
                Duration::from_secs(90 * 86_400)
            ]
        );
        assert_eq!(
            pg.queries.all().len(),
            7,
            "all but the secondary region's copy"
        );
    }

    #[test]
    fn a_minimal_table_takes_the_default_policy() {
        let rows = parse("[[backup]]\nname = \"redis\"\nnamespace = \"ms5-production\"\nbackup-cronjob = \"redis-backup\"\n")
            .expect("valid");
        assert_eq!(rows[0].rpo, DEFAULT_RPO);
        assert_eq!(rows[0].restore_test_cronjob, None);
        assert!(rows[0].queries.all().is_empty());
    }

    #[test]
    fn every_problem_is_reported_at_its_line_and_column_with_a_fix() {
        let text = r#"[[backup]]
name = "postgres"
namespace = "ms5-production"
backup-cronjob = "postgres-backup"
rpo = "a day"
last-success = 'ms5_backup_last_success_timestamp_seconds{'

[[backup]]
name = "redis"
namespace = "ms5-production"
"#;
        let errors = parse(text).expect_err("three problems");
        assert_eq!(errors.len(), 3, "{errors:#?}");
        assert!(
            errors[0].starts_with("config.toml:5:7: error: invalid rpo \"a day\"\n  help: write a duration such as rpo = \"24h\""),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("config.toml:6:16: error: last-success is not valid PromQL"),
            "{}",
            errors[1]
        );
        assert!(
            errors[2].starts_with("config.toml:9:8: error: backup `redis` has no backup-cronjob\n  help: add backup-cronjob = "),
            "{}",
            errors[2]
        );
    }

    #[test]
    fn a_table_with_a_builtin_name_replaces_it_and_another_adds_a_row() {
        let user = parse(
            "[[backup]]\nname = \"postgres\"\nnamespace = \"ms5-staging\"\nbackup-cronjob = \"postgres-backup\"\nrpo = \"12h\"\n\n[[backup]]\nname = \"minio\"\nnamespace = \"ms5-production\"\nbackup-cronjob = \"minio-mirror\"\n",
        )
        .expect("valid");
        let rows = overlay(builtin(), user);
        let names: Vec<(&str, &str)> = rows
            .iter()
            .map(|r| (r.name.as_str(), r.namespace.as_str()))
            .collect();
        assert_eq!(
            names,
            [("postgres", "ms5-staging"), ("minio", "ms5-production")]
        );
        assert_eq!(rows[0].rpo, Duration::from_secs(12 * 3600));
        assert!(rows[0].queries.all().is_empty(), "replaced whole");
    }

    #[test]
    fn a_name_given_twice_is_an_error() {
        let errors = parse("[[backup]]\nname = \"pg\"\nnamespace = \"a\"\nbackup-cronjob = \"b\"\n[[backup]]\nname = \"pg\"\nnamespace = \"a\"\nbackup-cronjob = \"b\"\n")
            .expect_err("twice");
        assert!(
            errors[0].contains("backup `pg` is defined twice"),
            "{errors:?}"
        );
    }
}
