//! Runbooks: phases of criteria, each one check of one kind, written in TOML. The built-in one
//! (`ms5-phase9.toml`, compiled in) is Phase 9 of the MS5 rollout; users give their own with
//! `--runbook NAME|PATH` or `runbook = "..."`, names resolving like themes (the user's
//! `runbooks/` directory, then the built-ins). Every error in a file is reported at its line,
//! all of them, before anything runs.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::alerting::matcher::Matcher;

/// The built-in runbooks, by name.
pub const BUILTIN: &[(&str, &str)] =
    &[("ms5-phase9", include_str!("../validation/ms5-phase9.toml"))];

/// The runbook used when none is named.
pub const DEFAULT: &str = "ms5-phase9";

#[derive(Debug, Clone, PartialEq)]
pub struct Runbook {
    pub name: String,
    pub description: String,
    /// `built-in` or the file it was read from.
    pub origin: String,
    pub phases: Vec<Phase>,
}

impl Runbook {
    pub fn criteria(&self) -> impl Iterator<Item = (&Phase, &Criterion)> {
        self.phases
            .iter()
            .flat_map(|p| p.criteria.iter().map(move |c| (p, c)))
    }

    pub fn count(&self) -> usize {
        self.phases.iter().map(|p| p.criteria.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub id: String,
    pub title: String,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub id: String,
    pub title: String,
    /// The line of the seed report it substantiates.
    pub seed: Option<String>,
    pub timeout: Duration,
    pub check: Check,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Check {
    Kube(KubeCheck),
    Promql {
        query: String,
        compare: Compare,
        on_empty: OnEmpty,
        /// The value is a number of seconds: shown as a duration too (`108006 (1d6h)`).
        seconds: bool,
    },
    Alerts {
        /// As written, for the evidence.
        text: String,
        matchers: Vec<Matcher>,
        ignore_suppressed: bool,
    },
    Http {
        url: String,
        status: u16,
        body_contains: Option<String>,
    },
    /// An external program, as argv: never through a shell.
    Command {
        argv: Vec<String>,
    },
}

impl Check {
    pub fn kind(&self) -> &'static str {
        match self {
            Check::Kube(_) => "kube",
            Check::Promql { .. } => "promql",
            Check::Alerts { .. } => "alerts",
            Check::Http { .. } => "http",
            Check::Command { .. } => "command",
        }
    }
}

/// A promql query with the SLOs in effect put in: `$SLOS` becomes their names as a regex
/// alternation (`backend-availability|backend-latency`), `$SLO_COUNT` their number — so a
/// criterion about "every SLO in effect" follows the configuration, not a number written once.
pub fn expand_slos(query: &str, slos: &[String]) -> String {
    // Escaped for a regex inside a PromQL double-quoted string: a metacharacter gets a
    // backslash, written doubled for the string (`-`, common in names, needs none).
    let escape = |name: &str| -> String {
        name.chars()
            .map(|c| {
                if "\\.+*?()|[]{}^$".contains(c) {
                    format!("\\\\{c}")
                } else {
                    c.to_string()
                }
            })
            .collect()
    };
    let names: Vec<String> = slos.iter().map(|s| escape(s)).collect();
    query
        .replace("$SLO_COUNT", &slos.len().to_string())
        .replace("$SLOS", &names.join("|"))
}

/// A `kube` predicate and its parameters, checked against the vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct KubeCheck {
    pub predicate: &'static str,
    pub params: BTreeMap<&'static str, Param>,
}

impl KubeCheck {
    pub fn list(&self, name: &str) -> &[String] {
        match self.params.get(name) {
            Some(Param::List(items)) => items,
            _ => &[],
        }
    }

    pub fn text(&self, name: &str) -> Option<&str> {
        match self.params.get(name) {
            Some(Param::Text(text)) => Some(text),
            _ => None,
        }
    }

    pub fn duration(&self, name: &str) -> Option<Duration> {
        match self.params.get(name) {
            Some(Param::Duration(d)) => Some(*d),
            _ => None,
        }
    }

    pub fn integer(&self, name: &str) -> Option<i64> {
        match self.params.get(name) {
            Some(Param::Integer(i)) => Some(*i),
            _ => None,
        }
    }
}

/// A parameter's value, of its vocabulary type.
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    Text(String),
    List(Vec<String>),
    Duration(Duration),
    Integer(i64),
    Number(f64),
    Flag(bool),
}

/// How a `promql` criterion's value is judged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Compare {
    Below(f64),
    Above(f64),
    Equals(f64),
}

/// What an empty answer means: unknown unless the criterion says otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnEmpty {
    Unknown,
    Pass,
    Fail,
}
