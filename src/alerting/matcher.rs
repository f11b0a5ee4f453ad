//! Alertmanager's matcher syntax: `severity="critical"`, `alertname=~"MS5.*"`,
//! `service!="grafana"`, `namespace!~"kube-.*"`, optionally in braces and comma-separated, values
//! quoted or (as amtool accepts) bare. Regexes are anchored, as Alertmanager anchors them.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchType {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchType {
    fn operator(self) -> &'static str {
        match self {
            MatchType::Equal => "=",
            MatchType::NotEqual => "!=",
            MatchType::Regex => "=~",
            MatchType::NotRegex => "!~",
        }
    }
}

/// One matcher, with its regex compiled once.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub kind: MatchType,
    regex: Option<Regex>,
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.value == other.value && self.kind == other.kind
    }
}

impl Matcher {
    pub fn new(name: &str, kind: MatchType, value: &str) -> Result<Matcher, String> {
        let regex = match kind {
            MatchType::Regex | MatchType::NotRegex => Some(
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("invalid regular expression {value:?}: {e}"))?,
            ),
            _ => None,
        };
        Ok(Matcher {
            name: name.to_string(),
            value: value.to_string(),
            kind,
            regex,
        })
    }

    /// Whether a label set satisfies this matcher (a missing label is the empty string).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let have = labels.get(&self.name).map_or("", String::as_str);
        match (self.kind, &self.regex) {
            (MatchType::Equal, _) => have == self.value,
            (MatchType::NotEqual, _) => have != self.value,
            (MatchType::Regex, Some(r)) => r.is_match(have),
            (MatchType::NotRegex, Some(r)) => !r.is_match(have),
            _ => false,
        }
    }

    /// The API v2 form: `{name, value, isRegex, isEqual}`.
    pub fn to_api(&self) -> ApiMatcher {
        ApiMatcher {
            name: self.name.clone(),
            value: self.value.clone(),
            is_regex: matches!(self.kind, MatchType::Regex | MatchType::NotRegex),
            is_equal: Some(matches!(self.kind, MatchType::Equal | MatchType::Regex)),
        }
    }

    pub fn from_api(m: &ApiMatcher) -> Result<Matcher, String> {
        let kind = match (m.is_regex, m.is_equal.unwrap_or(true)) {
            (false, true) => MatchType::Equal,
            (false, false) => MatchType::NotEqual,
            (true, true) => MatchType::Regex,
            (true, false) => MatchType::NotRegex,
        };
        Matcher::new(&m.name, kind, &m.value)
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.kind.operator(), self.value)
    }
}

/// How a silence's matcher reads (`name=~"value"`), without compiling its regex.
pub fn describe(m: &ApiMatcher) -> String {
    let operator = match (m.is_regex, m.is_equal.unwrap_or(true)) {
        (false, true) => "=",
        (false, false) => "!=",
        (true, true) => "=~",
        (true, false) => "!~",
    };
    format!("{}{operator}{:?}", m.name, m.value)
}

/// A matcher as Alertmanager's API v2 writes it in silences.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ApiMatcher {
    pub name: String,
    pub value: String,
    #[serde(rename = "isRegex")]
    pub is_regex: bool,
    #[serde(rename = "isEqual", default, skip_serializing_if = "Option::is_none")]
    pub is_equal: Option<bool>,
}

/// Parses `a="b", c=~"d.*"` (braces optional). Errors name the column and what was expected.
pub fn parse(text: &str) -> Result<Vec<Matcher>, String> {
    let trimmed = text.trim();
    let inner = match (trimmed.strip_prefix('{'), trimmed.ends_with('}')) {
        (Some(rest), true) => &rest[..rest.len() - 1],
        (Some(_), false) => return Err("missing closing `}`".into()),
        _ => trimmed,
    };
    let offset = text.find(inner).unwrap_or(0);
    let chars: Vec<char> = inner.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    let at = |i: usize| offset + i + 1;
    let skip_space = |i: &mut usize| {
        while *i < chars.len() && chars[*i].is_whitespace() {
            *i += 1;
        }
    };
    loop {
        skip_space(&mut i);
        if i >= chars.len() {
            break;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        let name: String = chars[start..i].iter().collect();
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "column {}: expected a label name such as severity",
                at(start)
            ));
        }
        skip_space(&mut i);
        let rest: String = chars[i..].iter().take(2).collect();
        let kind = if rest.starts_with("=~") {
            MatchType::Regex
        } else if rest.starts_with("!~") {
            MatchType::NotRegex
        } else if rest.starts_with("!=") {
            MatchType::NotEqual
        } else if rest.starts_with('=') {
            MatchType::Equal
        } else {
            return Err(format!(
                "column {}: expected =, !=, =~ or !~ after {name:?}",
                at(i)
            ));
        };
        i += kind.operator().len();
        skip_space(&mut i);
        let value = if chars.get(i) == Some(&'"') {
            i += 1;
            let mut value = String::new();
            loop {
                match chars.get(i) {
                    None => {
                        return Err(format!(
                            "column {}: the value of {name:?} has no closing quote",
                            at(i)
                        ));
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        match chars.get(i + 1) {
                            Some('n') => value.push('\n'),
                            Some(c) => value.push(*c),
                            None => {}
                        }
                        i += 2;
                    }
                    Some(c) => {
                        value.push(*c);
                        i += 1;
                    }
                }
            }
            value
        } else {
            let start = i;
            while i < chars.len() && chars[i] != ',' {
                i += 1;
            }
            chars[start..i]
                .iter()
                .collect::<String>()
                .trim()
                .to_string()
        };
        out.push(Matcher::new(&name, kind, &value).map_err(|e| format!("{name}: {e}"))?);
        skip_space(&mut i);
        match chars.get(i) {
            None => break,
            Some(',') => i += 1,
            Some(c) => {
                return Err(format!(
                    "column {}: expected `,` between matchers, found {c:?}",
                    at(i)
                ));
            }
        }
    }
    if out.is_empty() {
        return Err("no matchers: write e.g. severity=\"critical\"".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn the_four_operators_quoted_bare_and_braced() {
        let m =
            parse(r#"{severity="critical", alertname=~"MS5.*",service!=grafana, ns!~"kube-.*"}"#)
                .expect("parses");
        assert_eq!(m.len(), 4);
        assert_eq!(m[2].value, "grafana");
        let alert = labels(&[
            ("severity", "critical"),
            ("alertname", "MS5SLOFastBurn"),
            ("service", "backend"),
            ("ns", "ms5-production"),
        ]);
        assert!(m.iter().all(|m| m.matches(&alert)));
        // Anchored: "XMS5" does not match MS5.*
        let other = labels(&[("alertname", "XMS5Down")]);
        assert!(!m[1].matches(&other));
        // A missing label is the empty string: != matches it, = does not.
        assert!(m[2].matches(&other));
        assert!(!m[0].matches(&other));
    }

    #[test]
    fn api_form_round_trips() {
        for text in [r#"a="b""#, r#"a!="b""#, r#"a=~"b.*""#, r#"a!~"b.*""#] {
            let m = &parse(text).expect("parses")[0];
            assert_eq!(&Matcher::from_api(&m.to_api()).expect("valid"), m);
            assert_eq!(m.to_string(), text);
        }
    }

    #[test]
    fn errors_say_where_and_what() {
        assert_eq!(
            parse(r#"severity"critical""#).unwrap_err(),
            "column 9: expected =, !=, =~ or !~ after \"severity\""
        );
        assert_eq!(
            parse(r#"a="b" c="d""#).unwrap_err(),
            "column 7: expected `,` between matchers, found 'c'"
        );
        assert!(parse(r#"a="b"#).unwrap_err().contains("no closing quote"));
        assert!(
            parse(r#"a=~"(""#)
                .unwrap_err()
                .contains("invalid regular expression")
        );
        assert!(parse("  ").unwrap_err().starts_with("no matchers"));
        assert_eq!(parse("{a=b").unwrap_err(), "missing closing `}`");
    }
}
