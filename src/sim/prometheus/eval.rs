//! A PromQL evaluator for the subset the console's queries and `slo rules` use, over the sim's
//! closed-form series. Parsing is `promql-parser`'s; anything outside the subset is refused with
//! a message naming what is not supported (the API turns it into `bad_data`).
//!
//! Semantics follow Prometheus: metric names dropped by arithmetic and aggregation, kept by
//! filtering comparisons; one-to-one vector matching on all labels but the name (or `on` /
//! `ignoring`); `and` / `or` / `unless` as set operations; IEEE division. Counters never reset
//! in the sim, so `rate` and `increase` are exact (Prometheus extrapolates from samples; for
//! smooth series the two agree closely, which the conformance tests measure).

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::token::{self, TokenType};
use promql_parser::parser::{
    AggregateExpr, BinaryExpr, Call, Expr, LabelModifier, VectorMatchCardinality, VectorSelector,
};

use super::catalog::{Catalog, Labels};

const NAME: &str = "__name__";

/// One element of an instant vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub labels: Labels,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(f64),
    Vector(Vec<Sample>),
}

/// A recording rule as the sim evaluates it: `record` names a series computed from `expr`.
#[derive(Debug, Clone)]
pub struct Recording {
    pub record: String,
    pub expr: Expr,
    pub labels: Labels,
}

/// The series and recording rules queries are evaluated over.
pub struct Engine<'a> {
    pub catalog: &'a Catalog,
    pub recordings: &'a [Recording],
    /// Series sampled from the cluster (step functions).
    pub observed: &'a super::observed::Observed,
}

type Result<T> = std::result::Result<T, String>;

fn unsupported(what: &str) -> String {
    format!("{what} is not supported by the ms5-console sim's PromQL subset (see the README)")
}

impl Engine<'_> {
    /// Evaluates `expr` at unix time `t`.
    pub fn eval(&self, expr: &Expr, t: f64) -> Result<Value> {
        match expr {
            Expr::NumberLiteral(n) => Ok(Value::Scalar(n.val)),
            Expr::Paren(p) => self.eval(&p.expr, t),
            Expr::Unary(u) => match self.eval(&u.expr, t)? {
                Value::Scalar(v) => Ok(Value::Scalar(-v)),
                Value::Vector(samples) => Ok(Value::Vector(
                    samples
                        .into_iter()
                        .map(|mut s| {
                            s.labels.remove(NAME);
                            s.value = -s.value;
                            s
                        })
                        .collect(),
                )),
            },
            Expr::VectorSelector(v) => self.select(v, t).map(Value::Vector),
            Expr::MatrixSelector(_) => Err(
                "a range selector must be the argument of rate() or increase() here".to_string(),
            ),
            Expr::Call(call) => self.call(call, t),
            Expr::Aggregate(agg) => self.aggregate(agg, t),
            Expr::Binary(bin) => self.binary(bin, t),
            Expr::StringLiteral(_) => Err(unsupported("a string expression")),
            Expr::Subquery(_) => Err(unsupported("a subquery")),
            Expr::Extension(_) => Err(unsupported("this expression")),
        }
    }

    fn select(&self, v: &VectorSelector, t: f64) -> Result<Vec<Sample>> {
        if v.offset.is_some() || v.at.is_some() {
            return Err(unsupported("`offset` and `@`"));
        }
        if !v.matchers.or_matchers.is_empty() {
            return Err(unsupported("`or` inside a selector"));
        }
        let name_ok = |labels: &Labels| {
            v.name
                .as_deref()
                .is_none_or(|n| labels.get(NAME).is_some_and(|l| l == n))
        };
        let mut out: Vec<Sample> = self
            .catalog
            .series
            .iter()
            .filter(|s| name_ok(&s.labels) && matches(&v.matchers.matchers, &s.labels))
            .map(|s| Sample {
                labels: s.labels.clone(),
                value: s.signal.value(t),
            })
            .collect();
        out.extend(
            self.observed
                .at(t)
                .into_iter()
                .filter(|(labels, _)| name_ok(labels) && matches(&v.matchers.matchers, labels))
                .map(|(labels, value)| Sample { labels, value }),
        );
        for rec in self
            .recordings
            .iter()
            .filter(|r| v.name.as_deref().is_none_or(|n| n == r.record))
        {
            let Value::Vector(samples) = self.eval(&rec.expr, t)? else {
                continue;
            };
            for mut s in samples {
                s.labels.insert(NAME.into(), rec.record.clone());
                s.labels
                    .extend(rec.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
                if matches(&v.matchers.matchers, &s.labels) {
                    out.push(s);
                }
            }
        }
        Ok(out)
    }

    fn call(&self, call: &Call, t: f64) -> Result<Value> {
        let name = call.func.name;
        let args = &call.args.args;
        match name {
            "rate" | "increase" => {
                let Some(Expr::MatrixSelector(m)) = args.first().map(|a| a.as_ref()) else {
                    return Err(format!(
                        "{name}() needs a range selector such as x_total[5m]"
                    ));
                };
                if self
                    .recordings
                    .iter()
                    .any(|r| m.vs.name.as_deref() == Some(r.record.as_str()))
                {
                    return Err(unsupported("a range over a recorded series"));
                }
                if m.vs.offset.is_some() || m.vs.at.is_some() {
                    return Err(unsupported("`offset` and `@`"));
                }
                let range = m.range.as_secs_f64();
                let samples = self
                    .catalog
                    .series
                    .iter()
                    .filter(|s| {
                        m.vs.name.as_deref().is_none_or(|n| s.name() == n)
                            && matches(&m.vs.matchers.matchers, &s.labels)
                    })
                    .map(|s| {
                        let increase = s.signal.increase(t, range);
                        let mut labels = s.labels.clone();
                        labels.remove(NAME);
                        Sample {
                            labels,
                            value: if name == "rate" {
                                increase / range
                            } else {
                                increase
                            },
                        }
                    })
                    .collect();
                Ok(Value::Vector(samples))
            }
            "time" => Ok(Value::Scalar(t)),
            "vector" => match self.eval_arg(args, 0, t)? {
                Value::Scalar(v) => Ok(Value::Vector(vec![Sample {
                    labels: Labels::new(),
                    value: v,
                }])),
                Value::Vector(_) => Err("vector() needs a scalar".into()),
            },
            "scalar" => match self.eval_arg(args, 0, t)? {
                Value::Vector(v) if v.len() == 1 => Ok(Value::Scalar(v[0].value)),
                Value::Vector(_) => Ok(Value::Scalar(f64::NAN)),
                Value::Scalar(v) => Ok(Value::Scalar(v)),
            },
            "abs" | "ceil" | "floor" => {
                let f = match name {
                    "abs" => f64::abs,
                    "ceil" => f64::ceil,
                    _ => f64::floor,
                };
                match self.eval_arg(args, 0, t)? {
                    Value::Vector(v) => Ok(Value::Vector(
                        v.into_iter()
                            .map(|mut s| {
                                s.labels.remove(NAME);
                                s.value = f(s.value);
                                s
                            })
                            .collect(),
                    )),
                    Value::Scalar(_) => Err(format!("{name}() needs an instant vector")),
                }
            }
            "label_replace" => self.label_replace(args, t),
            other => Err(unsupported(&format!("the function {other}()"))),
        }
    }

    /// `label_replace(v, dst, replacement, src, regex)`: where the whole of `src`'s value
    /// matches `regex`, `dst` is set to `replacement` with `$1`-style groups expanded (an empty
    /// result removes it), as Prometheus does.
    fn label_replace(&self, args: &[Box<Expr>], t: f64) -> Result<Value> {
        let text = |i: usize| match args.get(i).map(|a| a.as_ref()) {
            Some(Expr::StringLiteral(s)) => Ok(s.val.clone()),
            _ => Err(format!(
                "label_replace() argument {} must be a string",
                i + 1
            )),
        };
        let (dst, replacement, src, pattern) = (text(1)?, text(2)?, text(3)?, text(4)?);
        let regex = regex::Regex::new(&format!("^(?s:{pattern})$"))
            .map_err(|e| format!("invalid regular expression in label_replace(): {e}"))?;
        let Value::Vector(samples) = self.eval_arg(args, 0, t)? else {
            return Err("label_replace() needs an instant vector".into());
        };
        let replaced = samples
            .into_iter()
            .map(|mut s| {
                let value = s.labels.get(&src).cloned().unwrap_or_default();
                if let Some(caps) = regex.captures(&value) {
                    let mut out = String::new();
                    caps.expand(&replacement, &mut out);
                    if out.is_empty() {
                        s.labels.remove(&dst);
                    } else {
                        s.labels.insert(dst.clone(), out);
                    }
                }
                s
            })
            .collect();
        Ok(Value::Vector(replaced))
    }

    fn eval_arg(&self, args: &[Box<Expr>], i: usize, t: f64) -> Result<Value> {
        match args.get(i) {
            Some(a) => self.eval(a, t),
            None => Err("missing function argument".into()),
        }
    }

    fn aggregate(&self, agg: &AggregateExpr, t: f64) -> Result<Value> {
        let op = agg.op.id();
        if !matches!(
            op,
            token::T_SUM | token::T_AVG | token::T_MIN | token::T_MAX | token::T_COUNT
        ) {
            return Err(unsupported(&format!("the aggregation {}", agg.op)));
        }
        let Value::Vector(samples) = self.eval(&agg.expr, t)? else {
            return Err(format!("{}() needs an instant vector", agg.op));
        };
        // Group key -> (labels, values), in first-seen order.
        let mut groups: Vec<(Labels, Vec<f64>)> = Vec::new();
        for s in samples {
            let key: Labels = match &agg.modifier {
                None => Labels::new(),
                Some(LabelModifier::Include(keep)) => s
                    .labels
                    .iter()
                    .filter(|(k, _)| keep.labels.iter().any(|l| l == *k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                Some(LabelModifier::Exclude(drop)) => s
                    .labels
                    .iter()
                    .filter(|(k, _)| *k != NAME && !drop.labels.iter().any(|l| l == *k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            };
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, values)) => values.push(s.value),
                None => groups.push((key, vec![s.value])),
            }
        }
        let out = groups
            .into_iter()
            .map(|(labels, values)| {
                let n = values.len() as f64;
                let value = match op {
                    token::T_SUM => values.iter().sum(),
                    token::T_AVG => values.iter().sum::<f64>() / n,
                    token::T_MIN => values.iter().copied().fold(f64::INFINITY, f64::min),
                    token::T_MAX => values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                    _ => n,
                };
                Sample { labels, value }
            })
            .collect();
        Ok(Value::Vector(out))
    }

    fn binary(&self, bin: &BinaryExpr, t: f64) -> Result<Value> {
        let op = bin.op;
        let modifier = bin.modifier.as_ref();
        let return_bool = modifier.is_some_and(|m| m.return_bool);
        if let Some(m) = modifier
            && matches!(
                m.card,
                VectorMatchCardinality::ManyToOne(_) | VectorMatchCardinality::OneToMany(_)
            )
        {
            return Err(unsupported("group_left / group_right"));
        }
        let lhs = self.eval(&bin.lhs, t)?;
        let rhs = self.eval(&bin.rhs, t)?;
        let comparison = op.is_comparison_operator();
        match (lhs, rhs) {
            (Value::Scalar(a), Value::Scalar(b)) => Ok(Value::Scalar(arith(op, a, b)?)),
            (Value::Vector(v), Value::Scalar(b)) => Ok(Value::Vector(scalar_side(
                v,
                |a| arith(op, a, b),
                comparison,
                return_bool,
            )?)),
            (Value::Scalar(a), Value::Vector(v)) => Ok(Value::Vector(scalar_side(
                v,
                |b| arith(op, a, b),
                comparison,
                return_bool,
            )?)),
            (Value::Vector(l), Value::Vector(r)) => {
                let matching = modifier.and_then(|m| m.matching.as_ref());
                let key = |labels: &Labels| signature(labels, matching);
                if op.is_set_operator() {
                    return Ok(Value::Vector(set_operation(op, l, r, key)));
                }
                let mut out = Vec::new();
                for a in l {
                    let Some(b) = r.iter().find(|b| key(&b.labels) == key(&a.labels)) else {
                        continue;
                    };
                    let value = arith(op, a.value, b.value)?;
                    if comparison && !return_bool {
                        if value == 1.0 {
                            out.push(a);
                        }
                        continue;
                    }
                    let labels = match matching {
                        Some(LabelModifier::Include(_)) => key(&a.labels),
                        _ => {
                            let mut l = a.labels.clone();
                            l.remove(NAME);
                            if let Some(LabelModifier::Exclude(drop)) = matching {
                                l.retain(|k, _| !drop.labels.iter().any(|d| d == k));
                            }
                            l
                        }
                    };
                    out.push(Sample { labels, value });
                }
                Ok(Value::Vector(out))
            }
        }
    }
}

/// Which labels two samples must share to match.
fn signature(labels: &Labels, matching: Option<&LabelModifier>) -> Labels {
    labels
        .iter()
        .filter(|(k, _)| match matching {
            Some(LabelModifier::Include(on)) => on.labels.iter().any(|l| l == *k),
            Some(LabelModifier::Exclude(ignoring)) => {
                *k != NAME && !ignoring.labels.iter().any(|l| l == *k)
            }
            None => *k != NAME,
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn set_operation(
    op: TokenType,
    l: Vec<Sample>,
    r: Vec<Sample>,
    key: impl Fn(&Labels) -> Labels,
) -> Vec<Sample> {
    let in_right = |s: &Sample| r.iter().any(|b| key(&b.labels) == key(&s.labels));
    match op.id() {
        token::T_LAND => l.into_iter().filter(in_right).collect(),
        token::T_LUNLESS => l.into_iter().filter(|s| !in_right(s)).collect(),
        _ => {
            let left_keys: Vec<Labels> = l.iter().map(|s| key(&s.labels)).collect();
            let mut out = l;
            out.extend(
                r.into_iter()
                    .filter(|s| !left_keys.contains(&key(&s.labels))),
            );
            out
        }
    }
}

/// Applies a vector/scalar operation: comparisons filter (or give 0/1 with `bool`).
fn scalar_side(
    v: Vec<Sample>,
    f: impl Fn(f64) -> Result<f64>,
    comparison: bool,
    return_bool: bool,
) -> Result<Vec<Sample>> {
    let mut out = Vec::with_capacity(v.len());
    for mut s in v {
        let value = f(s.value)?;
        if comparison && !return_bool {
            if value == 1.0 {
                out.push(s);
            }
            continue;
        }
        s.labels.remove(NAME);
        s.value = value;
        out.push(s);
    }
    Ok(out)
}

/// Arithmetic gives the result; comparisons give 1.0 (true) or 0.0.
fn arith(op: TokenType, a: f64, b: f64) -> Result<f64> {
    let truth = |c: bool| if c { 1.0 } else { 0.0 };
    Ok(match op.id() {
        token::T_ADD => a + b,
        token::T_SUB => a - b,
        token::T_MUL => a * b,
        token::T_DIV => a / b,
        token::T_MOD => a % b,
        token::T_POW => a.powf(b),
        token::T_EQLC => truth(a == b),
        token::T_NEQ => truth(a != b),
        token::T_GTR => truth(a > b),
        token::T_LSS => truth(a < b),
        token::T_GTE => truth(a >= b),
        token::T_LTE => truth(a <= b),
        _ => return Err(unsupported(&format!("the operator {op}"))),
    })
}

/// Whether `labels` satisfy every matcher (a missing label matches as the empty string).
pub fn matches(matchers: &[Matcher], labels: &Labels) -> bool {
    matchers.iter().all(|m| {
        let value = labels.get(&m.name).map_or("", String::as_str);
        match &m.op {
            MatchOp::Equal | MatchOp::NotEqual | MatchOp::Re(_) | MatchOp::NotRe(_) => {
                m.is_match(value)
            }
        }
    })
}
