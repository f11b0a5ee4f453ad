//! The sim's rule evaluation: the rules `ms5-console slo rules` prints, evaluated over the
//! closed-form series. Recording rules become series queries can select; alerting rules are
//! evaluated on a 15 s grid, looking back to find since when a condition has held, so `for` and
//! `activeAt` behave as in Prometheus without a background loop or stored state.

use std::collections::BTreeMap;

use promql_parser::parser::{self, Expr};

use super::catalog::Labels;
use super::eval::{Engine, Recording, Value};
use crate::slo::SloDefinition;
use crate::slo::rules::{Rule, RuleFile, rule_file};

/// Seconds between rule evaluations, as a Prometheus `evaluation_interval`.
pub const EVALUATION_INTERVAL: f64 = 15.0;
/// How far back an alert's start is searched beyond its `for` (bounds the work per request).
const LOOKBACK_BEYOND_FOR: f64 = 30.0 * 60.0;

#[derive(Debug, Clone)]
pub struct AlertRule {
    pub group: String,
    pub name: String,
    pub query: String,
    pub expr: Expr,
    pub for_secs: f64,
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertState {
    Pending,
    Firing,
}

impl AlertState {
    pub fn text(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ActiveAlert {
    pub labels: Labels,
    pub annotations: BTreeMap<String, String>,
    pub state: AlertState,
    pub active_at: f64,
    pub value: f64,
}

/// A group as `/api/v1/rules` lists it.
#[derive(Debug, Clone)]
pub struct Group {
    pub name: String,
    pub recordings: Vec<(Recording, String)>,
    pub alerts: Vec<AlertRule>,
}

/// Parses the generated rule file into what the evaluator runs.
pub fn load(slos: &[SloDefinition]) -> Vec<Group> {
    let file: RuleFile = rule_file(slos, None);
    file.groups
        .into_iter()
        .map(|g| {
            let mut group = Group {
                name: g.name.clone(),
                recordings: Vec::new(),
                alerts: Vec::new(),
            };
            for rule in g.rules {
                match rule {
                    Rule::Record {
                        record,
                        expr,
                        labels,
                    } => {
                        // Generated from checked definitions: always parses (tested).
                        // Listed as Prometheus prints a parsed expression (matchers sorted).
                        if let Ok(parsed) = parser::parse(&expr) {
                            let text = parsed.to_string();
                            group.recordings.push((
                                Recording {
                                    record,
                                    expr: parsed,
                                    labels: labels.into_iter().collect(),
                                },
                                text,
                            ));
                        }
                    }
                    Rule::Alert {
                        alert,
                        expr,
                        for_,
                        labels,
                        annotations,
                    } => {
                        if let (Ok(parsed), Ok(for_)) = (
                            parser::parse(&expr),
                            promql_parser::util::parse_duration(&for_),
                        ) {
                            group.alerts.push(AlertRule {
                                group: g.name.clone(),
                                name: alert,
                                query: parsed.to_string(),
                                expr: parsed,
                                for_secs: for_.as_secs_f64(),
                                labels: labels.into_iter().collect(),
                                annotations,
                            });
                        }
                    }
                }
            }
            group
        })
        .collect()
}

fn without_name(labels: &Labels) -> Labels {
    let mut l = labels.clone();
    l.remove("__name__");
    l
}

/// The rule's alerts as of `t`: pending until the condition has held for `for`, then firing.
pub fn evaluate(engine: &Engine, rule: &AlertRule, t: f64) -> Result<Vec<ActiveAlert>, String> {
    let now = (t / EVALUATION_INTERVAL).floor() * EVALUATION_INTERVAL;
    let holding = |at: f64| -> Result<Vec<(Labels, f64)>, String> {
        Ok(match engine.eval(&rule.expr, at)? {
            Value::Vector(v) => v
                .into_iter()
                .map(|s| (without_name(&s.labels), s.value))
                .collect(),
            Value::Scalar(_) => Vec::new(),
        })
    };
    let current = holding(now)?;
    let max_steps = ((rule.for_secs + LOOKBACK_BEYOND_FOR) / EVALUATION_INTERVAL).ceil() as usize;
    let mut history: Vec<Vec<Labels>> = Vec::new();
    let mut alerts = Vec::new();
    for (labels, value) in current {
        let mut since = now;
        for step in 1..=max_steps {
            if history.len() < step {
                let at = now - step as f64 * EVALUATION_INTERVAL;
                history.push(holding(at)?.into_iter().map(|(l, _)| l).collect());
            }
            if history[step - 1].contains(&labels) {
                since = now - step as f64 * EVALUATION_INTERVAL;
            } else {
                break;
            }
        }
        let mut all = labels;
        all.insert("alertname".into(), rule.name.clone());
        all.extend(rule.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
        alerts.push(ActiveAlert {
            labels: all,
            annotations: rule.annotations.clone(),
            state: if now - since >= rule.for_secs {
                AlertState::Firing
            } else {
                AlertState::Pending
            },
            active_at: since,
            value,
        });
    }
    Ok(alerts)
}
