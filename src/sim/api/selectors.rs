//! Label and field selectors from query strings. Label selectors parse into kube-core's
//! `Selector`, so matching follows kube-rs' semantics; only the string grammar is ours (no crate
//! parses it), and it is the one of Kubernetes' `labels.Parse`.

use std::collections::{BTreeMap, BTreeSet};

use kube::core::{Expression, Selector, SelectorExt};
use serde_json::Value;

use super::status::ApiError;

pub fn parse_label_selector(input: &str) -> Result<Selector, ApiError> {
    let mut expressions = Vec::new();
    for term in split_terms(input) {
        let term = term.trim();
        if term.is_empty() {
            continue;
        }
        expressions.push(parse_term(term).map_err(|why| {
            ApiError::bad_request(format!(
                "unable to parse requirement: {why}: {term:?} in label selector {input:?}"
            ))
        })?);
    }
    Ok(Selector::from_iter(expressions))
}

/// Splits on commas outside parentheses.
fn split_terms(input: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in input.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                terms.push(&input[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&input[start..]);
    terms
}

fn parse_term(term: &str) -> Result<Expression, String> {
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Expression::DoesNotExist(valid_key(key.trim())?));
    }
    for (op, negate) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((key, value)) = term.split_once(op) {
            let (key, value) = (valid_key(key.trim())?, valid_value(value.trim())?);
            return Ok(if negate {
                Expression::NotEqual(key, value)
            } else {
                Expression::Equal(key, value)
            });
        }
    }
    let words: Vec<&str> = term.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let key = valid_key(words[0])?;
        let rest = words[1].trim();
        let (negate, set) = if let Some(set) = rest.strip_prefix("notin") {
            (true, set)
        } else if let Some(set) = rest.strip_prefix("in") {
            (false, set)
        } else {
            return Err(format!("found '{rest}', expected: in, notin, =, ==, !="));
        };
        let inner = set
            .trim()
            .strip_prefix('(')
            .and_then(|s| s.strip_suffix(')'))
            .ok_or_else(|| "found a value set without parentheses, expected: (".to_string())?;
        let values = inner
            .split(',')
            .map(|v| valid_value(v.trim()))
            .collect::<Result<BTreeSet<_>, _>>()?;
        return Ok(if negate {
            Expression::NotIn(key, values)
        } else {
            Expression::In(key, values)
        });
    }
    Ok(Expression::Exists(valid_key(term)?))
}

fn valid_key(key: &str) -> Result<String, String> {
    let name = key.rsplit('/').next().unwrap_or(key);
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
        && key.len() <= 253 + 1 + 63;
    if ok {
        Ok(key.to_string())
    } else {
        Err(format!("invalid label key {key:?}"))
    }
}

fn valid_value(value: &str) -> Result<String, String> {
    let ok = value.is_empty()
        || (value.len() <= 63
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric()));
    if ok {
        Ok(value.to_string())
    } else {
        Err(format!("invalid label value {value:?}"))
    }
}

pub fn labels_of(object: &Value) -> BTreeMap<String, String> {
    object["metadata"]["labels"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

pub fn label_matches(selector: &Selector, object: &Value) -> bool {
    selector.selects_all() || selector.matches(&labels_of(object))
}

/// A parsed field selector: `field=value`, `field==value`, `field!=value` terms, all required.
#[derive(Debug, Clone, Default)]
pub struct FieldSelector {
    terms: Vec<(String, String, bool)>,
}

impl FieldSelector {
    /// `supported` lists the fields this resource can be selected by, beyond `metadata.name`
    /// and `metadata.namespace`.
    pub fn parse(input: &str, supported: &[&str]) -> Result<Self, ApiError> {
        let mut terms = Vec::new();
        for term in input.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let (field, value, negate) = if let Some((f, v)) = term.split_once("!=") {
                (f, v, true)
            } else if let Some((f, v)) = term.split_once("==") {
                (f, v, false)
            } else if let Some((f, v)) = term.split_once('=') {
                (f, v, false)
            } else {
                return Err(ApiError::bad_request(format!(
                    "invalid selector: '{input}'; can't understand '{term}'"
                )));
            };
            let field = field.trim();
            if !matches!(field, "metadata.name" | "metadata.namespace")
                && !supported.contains(&field)
            {
                return Err(ApiError::bad_request(format!(
                    "field label not supported: {field}"
                )));
            }
            terms.push((field.to_string(), value.trim().to_string(), negate));
        }
        Ok(FieldSelector { terms })
    }

    pub fn matches(&self, object: &Value) -> bool {
        self.terms.iter().all(|(field, value, negate)| {
            let actual = field_value(object, field);
            (actual == *value) != *negate
        })
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

fn field_value(object: &Value, path: &str) -> String {
    let mut current = object;
    for part in path.split('.') {
        current = &current[part];
    }
    match current {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The fields each resource can be selected by, as the real server allows.
pub fn supported_fields(plural: &str) -> &'static [&'static str] {
    match plural {
        "pods" => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        "events" => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        "secrets" => &["type"],
        "nodes" => &["spec.unschedulable"],
        "namespaces" => &["status.phase"],
        "replicasets" => &["status.replicas"],
        "jobs" => &["status.successful"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(labels: Value) -> Value {
        json!({"metadata": {"name": "backend-1", "namespace": "ms5-production", "labels": labels}, "status": {"phase": "Running"}})
    }

    #[test]
    fn label_grammar() {
        let o = obj(json!({"app": "backend", "tier": "api"}));
        for (selector, expected) in [
            ("app=backend", true),
            ("app==backend,tier=api", true),
            ("app!=backend", false),
            ("app in (backend, frontend)", true),
            ("tier notin (api)", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("app.kubernetes.io/name in (x),app=backend", false),
            ("", true),
        ] {
            let s = parse_label_selector(selector).unwrap();
            assert_eq!(label_matches(&s, &o), expected, "{selector}");
        }
    }

    #[test]
    fn bad_label_selectors_are_bad_requests() {
        for bad in [
            "app=(",
            "app in backend",
            "-app=x",
            "app=x y",
            "app maybe (x)",
        ] {
            let err = parse_label_selector(bad).unwrap_err();
            assert_eq!(err.code, 400, "{bad}");
        }
    }

    #[test]
    fn field_selectors() {
        let o = obj(json!({}));
        let s = FieldSelector::parse(
            "metadata.name=backend-1,status.phase!=Pending",
            supported_fields("pods"),
        )
        .unwrap();
        assert!(s.matches(&o));
        let s = FieldSelector::parse("metadata.namespace==other", &[]).unwrap();
        assert!(!s.matches(&o));
        let err = FieldSelector::parse("spec.bogus=1", supported_fields("pods")).unwrap_err();
        assert_eq!(err.message, "field label not supported: spec.bogus");
    }
}
