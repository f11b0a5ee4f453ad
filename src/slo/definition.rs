//! SLO definitions: the built-in MS5 set (`ms5.toml`, compiled in) overlaid by `[[slo]]` tables
//! in the user's config file. A definition names a good/total pair of counter selectors; every
//! query, panel and rule is derived from it.

use std::path::Path;
use std::time::Duration;

use promql_parser::parser::{self, Expr};
use serde::Deserialize;
use toml::Spanned;

use crate::model::diag::Diagnostic;

/// The built-in definitions, as shipped.
pub const BUILTIN: &str = include_str!("ms5.toml");

/// One objective, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct SloDefinition {
    pub name: String,
    pub service: String,
    pub description: String,
    /// Percent of good events, e.g. `99.9`.
    pub objective: f64,
    pub window: Duration,
    /// Vector selector of the good-event counter.
    pub good: String,
    /// Vector selector of the all-event counter.
    pub total: String,
    pub runbook_url: Option<String>,
    /// The workloads whose rollouts can burn it, as `(namespace, name)`; empty: those whose
    /// `app` label is the service, in the namespace `total` selects (if it names one).
    pub workloads: Vec<(String, String)>,
    /// The namespace the `total` selector names with `namespace="..."`, if it does.
    pub namespace: Option<String>,
}

impl SloDefinition {
    /// Whether a rollout of `namespace/name` (whose pods carry `app`) can burn this SLO.
    pub fn covers(&self, namespace: &str, name: &str, app: Option<&str>) -> bool {
        if !self.workloads.is_empty() {
            return self
                .workloads
                .iter()
                .any(|(ns, n)| ns == namespace && n == name);
        }
        app == Some(self.service.as_str())
            && self.namespace.as_deref().is_none_or(|ns| ns == namespace)
    }

    /// The allowed error ratio, `1 - objective`. Computed from the percentage so 99.9 gives
    /// exactly 0.001 rather than 0.0010000000000000009.
    pub fn error_budget(&self) -> f64 {
        ((100.0 - self.objective) * 1e9).round() / 1e11
    }

    /// The window as Prometheus writes it: `30d`.
    pub fn window_text(&self) -> String {
        promql_parser::util::display_duration(&self.window)
    }
}

/// The shape of an `[[slo]]` table, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawSlo {
    pub name: Spanned<String>,
    pub service: String,
    #[serde(default)]
    pub description: String,
    pub objective: Spanned<f64>,
    pub window: Spanned<String>,
    pub good: Spanned<String>,
    pub total: Spanned<String>,
    pub runbook_url: Option<String>,
    /// `["NAMESPACE/NAME", ...]`: the workloads whose rollouts can burn it.
    pub workloads: Option<Vec<Spanned<String>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SloFile {
    slo: Vec<RawSlo>,
}

/// The built-in definitions. They are checked by the test suite, so this cannot fail at run time;
/// if it ever did, the console would show no SLOs rather than stop.
pub fn builtin() -> Vec<SloDefinition> {
    let path = Path::new("src/slo/ms5.toml");
    toml::from_str::<SloFile>(BUILTIN)
        .ok()
        .and_then(|f| check_all(path, BUILTIN, f.slo).ok())
        .unwrap_or_default()
}

/// Checks `[[slo]]` tables from the file at `path` (whose text is `source`), reporting every
/// problem with its position.
pub fn check_all(
    path: &Path,
    source: &str,
    raw: Vec<RawSlo>,
) -> Result<Vec<SloDefinition>, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let mut checked: Vec<SloDefinition> = Vec::new();
    for slo in raw {
        match check(path, source, slo) {
            Ok(def) => {
                if checked.iter().any(|d| d.name == def.name) {
                    errors.push(Diagnostic::at(
                        path,
                        source,
                        None,
                        format!("SLO `{}` is defined twice", def.name),
                        "give each [[slo]] table its own name",
                    ));
                } else {
                    checked.push(def);
                }
            }
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

fn check(path: &Path, source: &str, raw: RawSlo) -> Result<SloDefinition, Vec<Diagnostic>> {
    let mut errors = Vec::new();
    let at = |span: std::ops::Range<usize>, message: String, help: &str| {
        Diagnostic::at(path, source, Some(span), message, help)
    };
    let name = raw.name.get_ref().trim().to_string();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        errors.push(at(
            raw.name.span(),
            format!("invalid SLO name {:?}", raw.name.get_ref()),
            "use letters, digits, `-` and `_` (it becomes a Prometheus label value and a rule group name)",
        ));
    }
    let objective = *raw.objective.get_ref();
    if !(objective.is_finite() && objective > 0.0 && objective < 100.0) {
        errors.push(at(
            raw.objective.span(),
            format!("objective {objective} is not a percentage between 0 and 100"),
            "write the target share of good events in percent, e.g. objective = 99.9",
        ));
    }
    let window = match promql_parser::util::parse_duration(raw.window.get_ref()) {
        Ok(w) if w >= Duration::from_secs(3600) => Some(w),
        Ok(_) => {
            errors.push(at(
                raw.window.span(),
                format!("window {:?} is shorter than an hour", raw.window.get_ref()),
                "SLO windows are days or weeks, e.g. window = \"30d\"",
            ));
            None
        }
        Err(e) => {
            errors.push(at(
                raw.window.span(),
                format!("invalid window {:?}: {e}", raw.window.get_ref()),
                "write a Prometheus duration, e.g. window = \"30d\" or \"4w\"",
            ));
            None
        }
    };
    for selector in [&raw.good, &raw.total] {
        if let Err(why) = check_selector(selector.get_ref()) {
            errors.push(at(
                selector.span(),
                why,
                "write a counter selector such as http_requests_total{service=\"backend\"} (no functions, no ranges)",
            ));
        }
    }
    let mut workloads = Vec::new();
    for w in raw.workloads.iter().flatten() {
        match w.get_ref().split_once('/') {
            Some((ns, name)) if is_dns_label(ns) && is_dns_label(name) => {
                workloads.push((ns.to_string(), name.to_string()))
            }
            _ => errors.push(at(
                w.span(),
                format!("unknown workload {:?}", w.get_ref()),
                "write NAMESPACE/NAME of a Deployment or StatefulSet, e.g. \"ms5-production/celery-worker\"",
            )),
        }
    }
    let namespace = namespace_of(raw.total.get_ref());
    match window {
        Some(window) if errors.is_empty() => Ok(SloDefinition {
            name,
            service: raw.service,
            description: raw.description,
            objective,
            window,
            good: raw.good.into_inner().trim().to_string(),
            total: raw.total.into_inner().trim().to_string(),
            runbook_url: raw.runbook_url,
            workloads,
            namespace,
        }),
        _ => Err(errors),
    }
}

/// A Kubernetes name: lower-case letters, digits and `-`, starting and ending alphanumeric.
fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// The namespace a selector pins with `namespace="..."`.
fn namespace_of(selector: &str) -> Option<String> {
    let Ok(Expr::VectorSelector(v)) = parser::parse(selector) else {
        return None;
    };
    v.matchers
        .matchers
        .iter()
        .find(|m| m.name == "namespace" && m.op == promql_parser::label::MatchOp::Equal)
        .map(|m| m.value.clone())
}

/// A good/total selector must be a plain instant-vector selector: it is wrapped in `rate(...[w])`.
fn check_selector(text: &str) -> Result<(), String> {
    match parser::parse(text) {
        Ok(Expr::VectorSelector(v)) if v.offset.is_none() && v.at.is_none() => Ok(()),
        Ok(_) => Err(format!("{text:?} is not a plain series selector")),
        Err(e) => Err(format!("{text:?} is not valid PromQL: {e}")),
    }
}

/// The definitions in effect: built-ins, with the user's tables replacing same-named ones and
/// adding new ones after them.
pub fn overlay(mut base: Vec<SloDefinition>, user: Vec<SloDefinition>) -> Vec<SloDefinition> {
    for def in user {
        match base.iter_mut().find(|d| d.name == def.name) {
            Some(slot) => *slot = def,
            None => base.push(def),
        }
    }
    base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<SloDefinition>, Vec<Diagnostic>> {
        let file: SloFile = toml::from_str(text).expect("valid TOML shape");
        check_all(Path::new("config.toml"), text, file.slo)
    }

    #[test]
    fn builtin_definitions_are_valid_and_cover_the_ms5_paths() {
        let file: SloFile = toml::from_str(BUILTIN).expect("ms5.toml parses");
        let defs = check_all(Path::new("ms5.toml"), BUILTIN, file.slo).expect("ms5.toml checks");
        let services: Vec<&str> = defs.iter().map(|d| d.service.as_str()).collect();
        assert_eq!(services, ["backend", "backend", "websocket", "celery"]);
        assert_eq!(builtin(), defs);
        assert_eq!(defs[0].error_budget(), 0.001);
        assert_eq!(defs[1].error_budget(), 0.01);
        assert_eq!(defs[0].window_text(), "30d");
    }

    #[test]
    fn an_slo_covers_its_workloads_or_else_its_service_in_its_namespace() {
        let defs = builtin();
        let covering = |ns: &str, name: &str, app: &str| -> Vec<&str> {
            defs.iter()
                .filter(|d| d.covers(ns, name, Some(app)))
                .map(|d| d.name.as_str())
                .collect()
        };
        assert_eq!(
            covering("ms5-production", "backend", "backend"),
            [
                "backend-availability",
                "backend-latency",
                "dashboard-freshness"
            ]
        );
        assert_eq!(
            covering("ms5-production", "celery-worker", "celery-worker"),
            ["oee-freshness"]
        );
        assert!(covering("ms5-staging", "backend", "backend").is_empty());
    }

    #[test]
    fn a_workload_that_is_not_namespace_slash_name_is_named_at_its_line() {
        let text = r#"
[[slo]]
name = "api"
service = "backend"
objective = 99.9
window = "30d"
good = 'http_requests_total{code!~"5.."}'
total = 'http_requests_total'
workloads = ["ms5-production/backend", "backend"]
"#;
        let errors = parse(text).expect_err("invalid");
        assert_eq!(errors.len(), 1);
        assert_eq!((errors[0].line, errors[0].column), (9, 40));
        assert_eq!(errors[0].message, "unknown workload \"backend\"");
    }

    #[test]
    fn every_problem_is_reported_at_its_line() {
        let text = r#"
[[slo]]
name = "api"
service = "backend"
objective = 100.5
window = "30x"
good = 'rate(http_requests_total[5m])'
total = 'http_requests_total{'
"#;
        let errors = parse(text).expect_err("invalid");
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [5, 6, 7, 8]);
        assert!(errors[0].message.contains("not a percentage"));
        assert!(errors[1].message.contains("invalid window"));
        assert!(errors[2].message.contains("not a plain series selector"));
        assert!(errors[3].message.contains("not valid PromQL"));
    }

    #[test]
    fn user_tables_replace_by_name_and_add_new_ones() {
        let user = parse(
            r#"
[[slo]]
name = "backend-availability"
service = "backend"
objective = 99.5
window = "28d"
good = 'x_total{ok="1"}'
total = 'x_total'

[[slo]]
name = "minio-availability"
service = "minio"
objective = 99.0
window = "7d"
good = 'minio_ok_total'
total = 'minio_total'
"#,
        )
        .expect("valid");
        let merged = overlay(builtin(), user);
        assert_eq!(merged.len(), 5);
        assert_eq!(merged[0].objective, 99.5);
        assert_eq!(merged[0].window_text(), "4w");
        assert_eq!(merged[4].name, "minio-availability");
    }
}
