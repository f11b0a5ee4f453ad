//! Judging what a source answered, apart from asking it: pure functions from an answer (or
//! its error) to a finding, so every way a source can fail is tested without one.

use prometheus_http_query::response::Data;

use super::outcome::{Evidence, Finding, Verdict};
use super::runbook::{Compare, OnEmpty};
use crate::source::error::ApiError;

/// The most series a finding lists by name.
const LISTED: usize = 5;

/// A `promql` criterion's finding from its instant query's answer. Every series must meet
/// the comparison; NaN (0/0: nothing to measure) is unknown, infinities are compared and shown
/// as such; an empty answer is what `on_empty` says (unknown unless the runbook says).
pub fn promql(
    answer: Result<Data, ApiError>,
    compare: Compare,
    on_empty: OnEmpty,
    source: &str,
) -> Finding {
    let expected = expected_words(compare);
    let evidence = |measured: String, details: Vec<String>| Evidence {
        measured,
        expected: expected.clone(),
        source: source.to_string(),
        details,
    };
    let values: Vec<(String, f64)> = match answer {
        Err(e) => {
            return Finding {
                verdict: Verdict::Unknown,
                evidence: evidence(format!("no answer: {e}"), Vec::new()),
            };
        }
        Ok(Data::Scalar(sample)) => vec![(String::new(), sample.value())],
        Ok(Data::Vector(series)) => series
            .iter()
            .map(|s| (labels(s.metric()), s.sample().value()))
            .collect(),
        Ok(Data::Matrix(_)) => {
            return Finding {
                verdict: Verdict::Unknown,
                evidence: evidence(
                    "a range answer to an instant query".into(),
                    vec!["write a query that returns an instant vector or a scalar".into()],
                ),
            };
        }
    };
    if values.is_empty() {
        let verdict = match on_empty {
            OnEmpty::Unknown => Verdict::Unknown,
            OnEmpty::Pass => Verdict::Pass,
            OnEmpty::Fail => Verdict::Fail,
        };
        return Finding {
            verdict,
            evidence: evidence("empty answer (no series)".into(), Vec::new()),
        };
    }
    let shown: Vec<String> = values
        .iter()
        .map(|(labels, v)| {
            if labels.is_empty() {
                readable(*v)
            } else {
                format!("{labels} {}", readable(*v))
            }
        })
        .collect();
    let measured = if shown.len() == 1 {
        shown[0].clone()
    } else {
        format!("{} series", shown.len())
    };
    let details: Vec<String> = if shown.len() > 1 {
        shown.iter().take(LISTED).cloned().collect()
    } else {
        Vec::new()
    };
    let verdict = if values.iter().any(|(_, v)| v.is_nan()) {
        Verdict::Unknown
    } else if values.iter().all(|(_, v)| meets(*v, compare)) {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    let measured = if verdict == Verdict::Unknown {
        format!("{measured} (NaN: nothing to measure)")
    } else {
        measured
    };
    Finding {
        verdict,
        evidence: evidence(measured, details),
    }
}

/// An `alerts` criterion's finding: no alert matching `matchers` may be firing across every
/// Alertmanager asked (merged as `:alerts` merges them). Silenced and inhibited ones count
/// unless `ignore_suppressed`, and are listed as such either way. A matching alert firing is a
/// failure whoever else did not answer; otherwise an Alertmanager that did not answer makes
/// the result unknown.
pub fn alerts(
    merged: &crate::alerting::merge::MergedAlerts,
    matchers: &[crate::alerting::matcher::Matcher],
    text: &str,
    ignore_suppressed: bool,
    source: &str,
) -> Finding {
    let matching: Vec<&crate::alerting::merge::MergedAlert> = merged
        .alerts
        .iter()
        .filter(|a| a.alert.status.state != "unprocessed")
        .filter(|a| matchers.iter().all(|m| m.matches(&a.alert.labels)))
        .collect();
    let suppressed =
        |a: &&crate::alerting::merge::MergedAlert| a.alert.status.state == "suppressed";
    let counted: Vec<&&crate::alerting::merge::MergedAlert> = matching
        .iter()
        .filter(|a| !(ignore_suppressed && suppressed(a)))
        .collect();
    let quiet = matching.iter().filter(|a| suppressed(a)).count();
    let details: Vec<String> = matching
        .iter()
        .take(LISTED)
        .map(|a| {
            let name = a.alert.labels.get("alertname").cloned().unwrap_or_default();
            let namespace = a.alert.labels.get("namespace").cloned().unwrap_or_default();
            let state = if suppressed(a) {
                " (silenced or inhibited)"
            } else {
                ""
            };
            format!(
                "{name} {namespace} since {}{state}",
                a.alert.starts_at.format("%Y-%m-%d %H:%M")
            )
        })
        .collect();
    let mut measured = format!("{} firing", counted.len());
    if quiet > 0 {
        measured.push_str(&format!(
            " ({quiet} silenced or inhibited{})",
            if ignore_suppressed {
                ", not counted"
            } else {
                ", counted"
            }
        ));
    }
    let unanswered: Vec<String> = merged
        .failures
        .iter()
        .map(|(name, why)| format!("{name}: {why}"))
        .collect();
    let verdict = if !counted.is_empty() {
        Verdict::Fail
    } else if !unanswered.is_empty() {
        measured = format!("{measured}; no answer from {}", unanswered.join("; "));
        Verdict::Unknown
    } else {
        Verdict::Pass
    };
    Finding {
        verdict,
        evidence: Evidence {
            measured,
            expected: format!("none firing matching {text}"),
            source: source.to_string(),
            details,
        },
    }
}

/// An `http` criterion's finding from the answer (status and body) or why there was none: the
/// expected status, and the substring in the body if one is asked for.
pub fn http(
    answer: Result<(u16, bytes::Bytes), String>,
    status: u16,
    body_contains: Option<&str>,
    source: &str,
) -> Finding {
    let expected = match body_contains {
        Some(text) => format!("HTTP {status} with {text:?} in the body"),
        None => format!("HTTP {status}"),
    };
    let evidence = |measured: String| Evidence {
        measured,
        expected: expected.clone(),
        source: source.to_string(),
        details: Vec::new(),
    };
    let (got, body) = match answer {
        Ok(answer) => answer,
        Err(why) => {
            return Finding {
                verdict: Verdict::Unknown,
                evidence: evidence(format!("no answer: {why}")),
            };
        }
    };
    let text = String::from_utf8_lossy(&body);
    let first = crate::source::http::first_line(&text);
    let measured = if first.is_empty() {
        format!("HTTP {got}")
    } else {
        format!("HTTP {got}: {first}")
    };
    let verdict = if got == status && body_contains.is_none_or(|t| text.contains(t)) {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Finding {
        verdict,
        evidence: evidence(measured),
    }
}

fn meets(v: f64, compare: Compare) -> bool {
    match compare {
        Compare::Below(limit) => v < limit,
        Compare::Above(limit) => v > limit,
        Compare::Equals(wanted) => (v - wanted).abs() <= 1e-9 * wanted.abs().max(1.0),
    }
}

pub fn expected_words(compare: Compare) -> String {
    match compare {
        Compare::Below(limit) => format!("below {}", number(limit)),
        Compare::Above(limit) => format!("above {}", number(limit)),
        Compare::Equals(wanted) => format!("equal to {}", number(wanted)),
    }
}

/// A `unit = "seconds"` criterion's evidence with the durations beside the numbers:
/// `108006 (1d6h)` against `below 86400 (24h)`.
pub fn as_durations(mut finding: Finding) -> Finding {
    let with_duration = |text: &str| -> String {
        let (head, number) = match text.rsplit_once(' ') {
            Some((head, n)) => (format!("{head} "), n),
            None => (String::new(), text),
        };
        match number.parse::<f64>() {
            Ok(v) if v.is_finite() && v >= 0.0 => format!(
                "{head}{number} ({})",
                crate::model::age::human_duration(v.round() as u64)
            ),
            _ => text.to_string(),
        }
    };
    finding.evidence.measured = with_duration(&finding.evidence.measured);
    finding.evidence.expected = with_duration(&finding.evidence.expected);
    finding
}

/// A measured value for people: six significant digits (`0.994`, `31815.7`), infinities and
/// NaN as Prometheus writes them. The threshold is shown exactly.
fn readable(v: f64) -> String {
    if !v.is_finite() || v == 0.0 {
        return number(v);
    }
    let digits = 6 - (v.abs().log10().floor() as i32 + 1);
    let text = format!("{:.*}", digits.clamp(0, 12) as usize, v);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// A value as Prometheus writes it: `+Inf`, `-Inf`, `NaN`, else the shortest exact decimal.
use crate::model::float::prometheus as number;

fn labels(metric: &std::collections::HashMap<String, String>) -> String {
    if metric.is_empty() {
        return String::new();
    }
    let mut pairs: Vec<String> = metric.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    pairs.sort();
    format!("{{{}}}", pairs.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::prometheus::parse_envelope;

    const SOURCE: &str = "prometheus k8s://ms5-system/prometheus-service:9090";

    fn answer(body: &str) -> Result<Data, ApiError> {
        parse_envelope(200, body.as_bytes())
    }

    fn vector(values: &[&str]) -> Result<Data, ApiError> {
        let result: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                format!(
                    r#"{{"metric":{{"line":"line-{}"}},"value":[1,"{v}"]}}"#,
                    i + 1
                )
            })
            .collect();
        answer(&format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            result.join(",")
        ))
    }

    fn judge(data: Result<Data, ApiError>, compare: Compare) -> Finding {
        promql(data, compare, OnEmpty::Unknown, SOURCE)
    }

    #[test]
    fn a_value_on_the_right_side_passes_and_on_the_wrong_one_fails() {
        let f = judge(vector(&["3600"]), Compare::Below(86400.0));
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(f.evidence.measured, "{line=\"line-1\"} 3600");
        assert_eq!(f.evidence.expected, "below 86400");
        assert_eq!(f.evidence.source, SOURCE);
        assert_eq!(
            judge(vector(&["108000"]), Compare::Below(86400.0)).verdict,
            Verdict::Fail
        );
        assert_eq!(
            judge(vector(&["0.995"]), Compare::Above(0.99)).verdict,
            Verdict::Pass
        );
        assert_eq!(
            judge(vector(&["4"]), Compare::Equals(4.0)).verdict,
            Verdict::Pass
        );
    }

    #[test]
    fn every_series_must_meet_it_and_the_first_ones_are_listed() {
        let f = judge(vector(&["0.9", "0.7", "0.95"]), Compare::Above(0.8));
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(f.evidence.measured, "3 series");
        assert_eq!(f.evidence.details[1], "{line=\"line-2\"} 0.7");
    }

    #[test]
    fn an_empty_answer_is_unknown_unless_the_runbook_says() {
        let empty = || vector(&[]);
        let f = judge(empty(), Compare::Below(1.0));
        assert_eq!(f.verdict, Verdict::Unknown);
        assert_eq!(f.evidence.measured, "empty answer (no series)");
        assert_eq!(
            promql(empty(), Compare::Below(1.0), OnEmpty::Pass, SOURCE).verdict,
            Verdict::Pass
        );
        assert_eq!(
            promql(empty(), Compare::Below(1.0), OnEmpty::Fail, SOURCE).verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn nan_is_unknown_and_infinities_are_compared_and_shown_as_such() {
        let f = judge(vector(&["NaN"]), Compare::Below(1.0));
        assert_eq!(f.verdict, Verdict::Unknown);
        assert!(
            f.evidence
                .measured
                .ends_with("NaN (NaN: nothing to measure)"),
            "{}",
            f.evidence.measured
        );
        let f = judge(vector(&["+Inf"]), Compare::Below(86400.0));
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(f.evidence.measured, "{line=\"line-1\"} +Inf");
    }

    #[test]
    fn a_refused_query_or_an_unreachable_server_is_unknown_with_its_words() {
        let refused = parse_envelope(
            400,
            br#"{"status":"error","errorType":"bad_data","error":"unknown function \"ratee\""}"#,
        );
        let f = judge(refused, Compare::Below(1.0));
        assert_eq!(f.verdict, Verdict::Unknown);
        assert!(
            f.evidence.measured.starts_with("no answer: "),
            "{}",
            f.evidence.measured
        );
        assert!(
            f.evidence.measured.contains("ratee"),
            "{}",
            f.evidence.measured
        );
        let down = Err(ApiError::decode(
            "error sending request: connection refused".into(),
        ));
        let f = judge(down, Compare::Below(1.0));
        assert_eq!(f.verdict, Verdict::Unknown);
        assert!(f.evidence.measured.contains("connection refused"));
    }

    fn merged(
        states: &[(&str, &str)],
        failures: &[(&str, &str)],
    ) -> crate::alerting::merge::MergedAlerts {
        use crate::alerting::merge::{MergedAlert, MergedAlerts};
        let alerts = states
            .iter()
            .enumerate()
            .map(|(i, (severity, state))| MergedAlert {
                alert: std::sync::Arc::new(
                    serde_json::from_value(serde_json::json!({
                        "labels": {"alertname": format!("A{i}"), "namespace": "ms5-production", "severity": severity},
                        "startsAt": "2026-11-30T08:00:00Z", "endsAt": "2026-11-30T09:00:00Z",
                        "updatedAt": "2026-11-30T08:00:00Z", "fingerprint": format!("f{i}"),
                        "status": {"state": state, "silencedBy": [], "inhibitedBy": []},
                    }))
                    .unwrap(),
                ),
                origins: vec!["am-0".into()],
            })
            .collect();
        MergedAlerts {
            alerts,
            silences: Vec::new(),
            failures: failures
                .iter()
                .map(|(n, w)| (n.to_string(), w.to_string()))
                .collect(),
        }
    }

    fn critical() -> Vec<crate::alerting::matcher::Matcher> {
        crate::alerting::matcher::parse("severity=\"critical\"").unwrap()
    }

    #[test]
    fn a_matching_alert_firing_fails_and_suppressed_ones_count_unless_ignored() {
        let text = "severity=\"critical\"";
        let none = alerts(
            &merged(&[("high", "active")], &[]),
            &critical(),
            text,
            false,
            "alertmanager am-0",
        );
        assert_eq!(none.verdict, Verdict::Pass);
        assert_eq!(none.evidence.measured, "0 firing");
        assert_eq!(
            none.evidence.expected,
            "none firing matching severity=\"critical\""
        );
        let firing = alerts(
            &merged(&[("critical", "active")], &[]),
            &critical(),
            text,
            false,
            "am",
        );
        assert_eq!(firing.verdict, Verdict::Fail);
        assert_eq!(
            firing.evidence.details,
            ["A0 ms5-production since 2026-11-30 08:00"]
        );
        let silenced = merged(&[("critical", "suppressed")], &[]);
        let counted = alerts(&silenced, &critical(), text, false, "am");
        assert_eq!(counted.verdict, Verdict::Fail);
        assert_eq!(
            counted.evidence.measured,
            "1 firing (1 silenced or inhibited, counted)"
        );
        let ignored = alerts(&silenced, &critical(), text, true, "am");
        assert_eq!(ignored.verdict, Verdict::Pass);
        assert_eq!(
            ignored.evidence.measured,
            "0 firing (1 silenced or inhibited, not counted)"
        );
    }

    #[test]
    fn an_alertmanager_that_does_not_answer_makes_it_unknown_unless_one_fires() {
        let text = "severity=\"critical\"";
        let down = merged(&[], &[("am-dr", "connection refused")]);
        let f = alerts(&down, &critical(), text, false, "am");
        assert_eq!(f.verdict, Verdict::Unknown);
        assert_eq!(
            f.evidence.measured,
            "0 firing; no answer from am-dr: connection refused"
        );
        let firing = merged(
            &[("critical", "active")],
            &[("am-dr", "connection refused")],
        );
        assert_eq!(
            alerts(&firing, &critical(), text, false, "am").verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn http_answers_are_judged_by_status_and_body() {
        let ok = || Ok((200, bytes::Bytes::from_static(b"{\"status\":\"ready\"}")));
        let f = http(
            ok(),
            200,
            None,
            "http k8s://ms5-production/backend:8000/health/ready",
        );
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(f.evidence.measured, "HTTP 200: {\"status\":\"ready\"}");
        assert_eq!(
            http(ok(), 200, Some("\"ready\""), "s").verdict,
            Verdict::Pass
        );
        assert_eq!(
            http(ok(), 200, Some("degraded"), "s").verdict,
            Verdict::Fail
        );
        let down = Ok((
            503,
            bytes::Bytes::from_static(
                b"{\"status\":\"not ready\",\"database\":\"database unavailable\"}",
            ),
        ));
        let f = http(down, 200, None, "s");
        assert_eq!(f.verdict, Verdict::Fail);
        assert!(
            f.evidence.measured.starts_with("HTTP 503: "),
            "{}",
            f.evidence.measured
        );
        let f = http(Err("connection refused".into()), 200, None, "s");
        assert_eq!(f.verdict, Verdict::Unknown);
        assert_eq!(f.evidence.measured, "no answer: connection refused");
    }

    #[test]
    fn a_scalar_is_judged_as_one_value() {
        let scalar =
            answer(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"42"]}}"#);
        let f = judge(scalar, Compare::Above(40.0));
        assert_eq!(
            (f.verdict, f.evidence.measured.as_str()),
            (Verdict::Pass, "42")
        );
    }
}
