//! Reading a runbook: a name resolved (the user's `runbooks/` directory, then the built-ins) or
//! a path, its TOML parsed and every criterion checked, each problem reported at its line.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use super::diag::Diagnostic;
use super::file_name::Found;
use super::runbook::*;
use super::vocabulary::{self, ParamType};
use crate::alerting::matcher::{self};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRunbook {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    phase: Vec<RawPhase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhase {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    criterion: Vec<Spanned<BTreeMap<String, Spanned<toml::Value>>>>,
}

const SHAPE_HELP: &str = "a runbook has `name`, `description` and [[phase]] tables (id, title), each with [[phase.criterion]] tables (id, title, seed, kind and the kind's parameters)";

/// Resolves `name_or_path` (a path if it has a `/` or ends in `.toml`; else `user_dir`'s
/// `NAME.toml`, then the built-ins) and parses it.
pub fn load(name_or_path: &str, user_dir: Option<&Path>) -> Result<Runbook, Vec<Diagnostic>> {
    let found = super::file_name::find(name_or_path, user_dir, BUILTIN, "runbook")
        .map_err(|why| vec![super::file_name::not_found(name_or_path, why, BUILTIN)])?;
    match found {
        Found::File(path, text) => parse(&path, &text, &path.display().to_string()),
        Found::Builtin(name, text) => parse(
            &PathBuf::from(format!("src/validation/{name}.toml")),
            text,
            "built-in",
        ),
    }
}

/// The built-in runbook. It is checked by the test suite, so this cannot fail at run time; if
/// it ever did, the runbook would be empty rather than the console stop.
pub fn builtin() -> Runbook {
    load(DEFAULT, None).unwrap_or_else(|_| Runbook {
        name: DEFAULT.into(),
        description: String::new(),
        origin: "built-in".into(),
        phases: Vec::new(),
    })
}

/// Parses the runbook at `path` (whose text is `source`), reporting every problem.
pub fn parse(path: &Path, source: &str, origin: &str) -> Result<Runbook, Vec<Diagnostic>> {
    let raw: RawRunbook = toml::from_str(source)
        .map_err(|e| vec![Diagnostic::from_toml(path, source, &e, SHAPE_HELP)])?;
    let mut checker = Checker {
        path,
        source,
        errors: Vec::new(),
    };
    let mut phases: Vec<Phase> = Vec::new();
    let mut ids: Vec<String> = Vec::new();
    for raw_phase in raw.phase {
        let id = raw_phase.id.get_ref().trim().to_string();
        if phases.iter().any(|p| p.id == id) {
            checker.error(
                raw_phase.id.span(),
                format!("phase id `{id}` is used twice"),
                "give each [[phase]] its own id",
            );
        }
        let mut criteria = Vec::new();
        for table in raw_phase.criterion {
            let id_span = table.get_ref().get("id").map(|v| v.span());
            if let Some(criterion) = checker.criterion(table) {
                if ids.contains(&criterion.id)
                    && let Some(span) = id_span
                {
                    checker.error(
                        span,
                        format!("criterion id `{}` is used twice", criterion.id),
                        "give each criterion its own id",
                    );
                }
                ids.push(criterion.id.clone());
                criteria.push(criterion);
            }
        }
        phases.push(Phase {
            id,
            title: raw_phase.title,
            criteria,
        });
    }
    if checker.errors.is_empty() {
        Ok(Runbook {
            name: raw.name.into_inner(),
            description: raw.description,
            origin: origin.to_string(),
            phases,
        })
    } else {
        Err(checker.errors)
    }
}

struct Checker<'a> {
    path: &'a Path,
    source: &'a str,
    errors: Vec<Diagnostic>,
}

type Table = BTreeMap<String, Spanned<toml::Value>>;

impl Checker<'_> {
    fn error(&mut self, span: Range<usize>, message: impl Into<String>, help: impl Into<String>) {
        self.errors.push(Diagnostic::at(
            self.path,
            self.source,
            Some(span),
            message,
            help,
        ));
    }

    /// One criterion table, or None with its errors recorded.
    fn criterion(&mut self, table: Spanned<Table>) -> Option<Criterion> {
        let at = table.span();
        let table = table.into_inner();
        let before = self.errors.len();
        let id = self.required_text(
            &table,
            "id",
            &at,
            "every criterion has an id, e.g. id = \"9.4.1\"",
        );
        let title = self.required_text(
            &table,
            "title",
            &at,
            "say what it checks, e.g. title = \"every pod is Ready\"",
        );
        let kind_name = self.required_text(
            &table,
            "kind",
            &at,
            &format!(
                "add kind = \"kube\" (kinds are: {})",
                vocabulary::kind_names()
            ),
        );
        let kind = kind_name.as_deref().and_then(|name| {
            let kind = vocabulary::kind(name);
            if kind.is_none()
                && let Some(value) = table.get("kind")
            {
                self.error(
                    value.span(),
                    format!("unknown kind `{name}`"),
                    format!("kinds are: {}", vocabulary::kind_names()),
                );
            }
            kind
        });
        let predicate = match kind {
            Some(k) if k.name == "kube" => self
                .required_text(
                    &table,
                    "predicate",
                    &at,
                    &format!(
                        "add predicate = \"pods-ready\" (predicates are: {})",
                        vocabulary::predicate_names()
                    ),
                )
                .and_then(|name| {
                    let predicate = vocabulary::predicate(&name);
                    if predicate.is_none()
                        && let Some(value) = table.get("predicate")
                    {
                        self.error(
                            value.span(),
                            format!("unknown predicate `{name}`"),
                            format!("predicates are: {}", vocabulary::predicate_names()),
                        );
                    }
                    predicate
                }),
            _ => None,
        };
        // Which parameters this criterion may have, and which it must.
        let (allowed, required, owner): (Vec<&str>, Vec<&str>, String) = match (kind, predicate) {
            (Some(k), Some(p)) => (
                [vocabulary::COMMON, k.required, p.required, p.optional].concat(),
                p.required.to_vec(),
                format!("predicate `{}`", p.name),
            ),
            (Some(k), None) if k.name != "kube" => (
                [vocabulary::COMMON, k.required, k.optional].concat(),
                k.required.to_vec(),
                format!("{} criteria", k.name),
            ),
            // The kind or predicate is unknown: its parameters cannot be judged.
            _ => return None,
        };
        let mut params: BTreeMap<&'static str, Param> = BTreeMap::new();
        for (name, value) in &table {
            let Some((known, ty)) = vocabulary::PARAMS
                .iter()
                .find(|(n, _)| n == name)
                .filter(|(n, _)| allowed.contains(n))
                .map(|(n, t)| (*n, *t))
            else {
                let takes: Vec<&str> = allowed
                    .iter()
                    .filter(|n| !vocabulary::COMMON.contains(n) && **n != "predicate")
                    .copied()
                    .collect();
                self.error(
                    value.span(),
                    format!("unknown parameter `{name}` for {owner}"),
                    format!("{owner} takes: {}", takes.join(", ")),
                );
                continue;
            };
            if let Some(param) = self.value(known, ty, value, kind.map(|k| k.name)) {
                params.insert(known, param);
            }
        }
        for name in &required {
            if !table.contains_key(*name) {
                let ty = vocabulary::param_type(name).unwrap_or(ParamType::Text);
                self.error(
                    at.clone(),
                    format!("{owner} needs `{name}`"),
                    format!("add {}", ty.example(name)),
                );
            }
        }
        let kind = kind?;
        let timeout = match params.get("timeout") {
            Some(Param::Duration(d)) => *d,
            _ => Duration::from_secs(kind.timeout),
        };
        let check = match kind.name {
            "kube" => Check::Kube(KubeCheck {
                predicate: predicate?.name,
                params: params
                    .iter()
                    .filter(|(n, _)| !vocabulary::COMMON.contains(n) && **n != "predicate")
                    .map(|(n, v)| (*n, v.clone()))
                    .collect(),
            }),
            "promql" => self.promql(&table, &params, &at)?,
            "alerts" => {
                let text = match params.get("matchers") {
                    Some(Param::Text(t)) => t.clone(),
                    _ => return None,
                };
                let matchers = match matcher::parse(&text) {
                    Ok(m) => m,
                    Err(e) => {
                        if let Some(value) = table.get("matchers") {
                            self.error(
                                value.span(),
                                format!("matchers do not parse: {e}"),
                                "write Alertmanager matchers, e.g. matchers = 'severity=\"critical\", namespace=~\"ms5-.*\"'",
                            );
                        }
                        return None;
                    }
                };
                Check::Alerts {
                    text,
                    matchers,
                    ignore_suppressed: matches!(
                        params.get("ignore-suppressed"),
                        Some(Param::Flag(true))
                    ),
                }
            }
            "http" => {
                let url = match params.get("url") {
                    Some(Param::Text(u)) => u.clone(),
                    _ => return None,
                };
                let status = match params.get("status") {
                    Some(Param::Integer(s)) => *s,
                    _ => 200,
                };
                let status = match u16::try_from(status) {
                    Ok(s) if (100..=599).contains(&s) => s,
                    _ => {
                        if let Some(value) = table.get("status") {
                            self.error(
                                value.span(),
                                format!("status {status} is not an HTTP status"),
                                "write the expected status, e.g. status = 200",
                            );
                        }
                        return None;
                    }
                };
                if !["http://", "https://", "k8s://"]
                    .iter()
                    .any(|scheme| url.starts_with(scheme))
                {
                    if let Some(value) = table.get("url") {
                        self.error(
                            value.span(),
                            format!("url {url:?} is not http(s):// or k8s://"),
                            "write url = \"https://host/path\" or \"k8s://NAMESPACE/SERVICE:PORT/path\" (through the API server's service proxy)",
                        );
                    }
                    return None;
                }
                Check::Http {
                    url,
                    status,
                    body_contains: match params.get("body-contains") {
                        Some(Param::Text(t)) => Some(t.clone()),
                        _ => None,
                    },
                }
            }
            _ => match params.get("argv") {
                Some(Param::List(argv)) if !argv.is_empty() => {
                    Check::Command { argv: argv.clone() }
                }
                Some(Param::List(_)) => {
                    if let Some(value) = table.get("argv") {
                        self.error(
                            value.span(),
                            "argv is empty",
                            "name the program and its arguments, e.g. argv = [\"./phase9-validate.sh\", \"--all\"]",
                        );
                    }
                    return None;
                }
                _ => return None,
            },
        };
        if self.errors.len() > before {
            return None;
        }
        Some(Criterion {
            id: id?,
            title: title?,
            seed: match params.get("seed") {
                Some(Param::Text(s)) => Some(s.clone()),
                _ => None,
            },
            timeout,
            check,
        })
    }

    fn required_text(
        &mut self,
        table: &Table,
        name: &str,
        at: &Range<usize>,
        help: &str,
    ) -> Option<String> {
        match table.get(name) {
            Some(value) => match value.get_ref() {
                toml::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
                _ => {
                    self.error(
                        value.span(),
                        format!("`{name}` must be a non-empty string"),
                        help.to_string(),
                    );
                    None
                }
            },
            None => {
                self.error(
                    at.clone(),
                    format!("criterion has no `{name}`"),
                    help.to_string(),
                );
                None
            }
        }
    }

    /// A parameter's value checked against its type (and, for some, its allowed items).
    fn value(
        &mut self,
        name: &'static str,
        ty: ParamType,
        value: &Spanned<toml::Value>,
        kind: Option<&str>,
    ) -> Option<Param> {
        let span = value.span();
        let wrong = |checker: &mut Self| {
            // A command written as one string is the classic shell trap: say so.
            if name == "argv" && matches!(value.get_ref(), toml::Value::String(_)) {
                checker.error(
                    span.clone(),
                    "a command is an argv list, not a string",
                    "write argv = [\"./x.sh\", \"--all\"]: commands never run through a shell",
                );
            } else {
                checker.error(
                    span.clone(),
                    format!("`{name}` must be {}", ty.words()),
                    format!("write {}", ty.example(name)),
                );
            }
            None
        };
        let param = match (ty, value.get_ref()) {
            (ParamType::Text, toml::Value::String(s)) => Param::Text(s.clone()),
            (ParamType::List, toml::Value::Array(items)) => {
                let texts: Option<Vec<String>> =
                    items.iter().map(|i| i.as_str().map(String::from)).collect();
                match texts {
                    Some(t) => Param::List(t),
                    None => return wrong(self),
                }
            }
            (ParamType::Duration, toml::Value::String(s)) => {
                match promql_parser::util::parse_duration(s) {
                    Ok(d) if !d.is_zero() => Param::Duration(d),
                    _ => {
                        self.error(
                            span,
                            format!("invalid duration {s:?}"),
                            format!(
                                "write a duration such as 30s, 10m, 1h or 7d: {}",
                                ty.example(name)
                            ),
                        );
                        return None;
                    }
                }
            }
            (ParamType::Integer, toml::Value::Integer(i)) => Param::Integer(*i),
            (ParamType::Number, toml::Value::Integer(i)) => Param::Number(*i as f64),
            (ParamType::Number, toml::Value::Float(f)) => Param::Number(*f),
            (ParamType::Flag, toml::Value::Boolean(b)) => Param::Flag(*b),
            _ => return wrong(self),
        };
        if let (Param::List(items), Some(allowed)) = (&param, vocabulary::allowed_items(name)) {
            for item in items {
                if !allowed.contains(&item.as_str()) {
                    self.error(
                        span.clone(),
                        format!("unknown {name} item `{item}`"),
                        format!("{name} are: {}", allowed.join(", ")),
                    );
                    return None;
                }
            }
        }
        if name == "query"
            && kind == Some("promql")
            && let Param::Text(query) = &param
            && let Err(e) = promql_parser::parser::parse(&expand_slos(query, &["x".into()]))
        {
            self.error(
                span,
                format!(
                    "query is not valid PromQL: {}",
                    e.lines().next().unwrap_or_default()
                ),
                "write an instant query Prometheus accepts (try it in its expression browser)",
            );
            return None;
        }
        Some(param)
    }

    fn promql(
        &mut self,
        table: &Table,
        params: &BTreeMap<&'static str, Param>,
        at: &Range<usize>,
    ) -> Option<Check> {
        let query = match params.get("query") {
            Some(Param::Text(q)) => q.clone(),
            _ => return None,
        };
        let number = |name: &str| match params.get(name) {
            Some(Param::Number(n)) => Some(*n),
            _ => None,
        };
        let compares: Vec<Compare> = [
            number("below").map(Compare::Below),
            number("above").map(Compare::Above),
            number("equals").map(Compare::Equals),
        ]
        .into_iter()
        .flatten()
        .collect();
        let [compare] = compares.as_slice() else {
            self.error(
                at.clone(),
                format!("a promql criterion compares with exactly one of below, above, equals ({} given)", compares.len()),
                "add one, e.g. below = 0.5",
            );
            return None;
        };
        let on_empty = match params.get("on-empty") {
            None => OnEmpty::Unknown,
            Some(Param::Text(t)) if t == "unknown" => OnEmpty::Unknown,
            Some(Param::Text(t)) if t == "pass" => OnEmpty::Pass,
            Some(Param::Text(t)) if t == "fail" => OnEmpty::Fail,
            Some(other) => {
                if let Some(value) = table.get("on-empty") {
                    self.error(
                        value.span(),
                        format!("on-empty {other:?} is not unknown, pass or fail"),
                        "write on-empty = \"fail\" (an empty answer is unknown unless you say)",
                    );
                }
                return None;
            }
        };
        let seconds = match params.get("unit") {
            None => false,
            Some(Param::Text(t)) if t == "seconds" => true,
            Some(other) => {
                if let Some(value) = table.get("unit") {
                    self.error(
                        value.span(),
                        format!("unit {other:?} is not one the console knows"),
                        "write unit = \"seconds\" (values and thresholds are then also shown as durations), or leave it out",
                    );
                }
                return None;
            }
        };
        Some(Check::Promql {
            query,
            compare: *compare,
            on_empty,
            seconds,
        })
    }
}

#[cfg(test)]
#[path = "runbook_tests.rs"]
mod tests;
