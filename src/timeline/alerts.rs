//! Alerts: started firing (their `startsAt`), resolved (gone from every Alertmanager: the
//! merged answer keeps a failing Alertmanager's last good alerts, so an unreachable one never
//! reads as a resolution; or still listed with an `endsAt` past), silences created and
//! expired (Alertmanager keeps expired silences, so both rebuild).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::entry::{Entry, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::alerting::matcher::ApiMatcher;
use crate::alerting::merge::MergedAlerts;
use crate::alerting::model::GettableAlert;

/// The alerts firing at the previous poll, by fingerprint: what a resolution is told from.
pub type Firing = BTreeMap<String, std::sync::Arc<GettableAlert>>;

fn subject(alert: &GettableAlert) -> Subject {
    let label = |k: &str| alert.labels.get(k).map_or("", String::as_str);
    Subject::new(SubjectKind::Alert, label("namespace"), label("alertname"))
}

fn words(alert: &GettableAlert) -> String {
    let label = |k: &str| alert.labels.get(k).map_or("", String::as_str);
    let summary = alert.annotations.get("summary").map_or("", String::as_str);
    let service = match label("service") {
        "" => String::new(),
        s => format!(" [{s}]"),
    };
    format!("firing{service}: {summary}")
}

pub fn matchers_text(matchers: &[ApiMatcher]) -> String {
    matchers
        .iter()
        .map(|m| {
            let op = match (m.is_regex, m.is_equal.unwrap_or(true)) {
                (false, true) => "=",
                (false, false) => "!=",
                (true, true) => "=~",
                (true, false) => "!~",
            };
            format!("{}{op}{}", m.name, m.value)
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// One poll of every Alertmanager, merged. `previous` is the firing set the last poll left.
pub fn observe(
    timeline: &mut Timeline,
    previous: &mut Firing,
    merged: &MergedAlerts,
    now: DateTime<Utc>,
) {
    let mut firing = Firing::new();
    for m in &merged.alerts {
        let a = &m.alert;
        let severity = Severity::of_label(a.labels.get("severity").map_or("", String::as_str));
        let key = format!("alert/{}@{}", a.fingerprint, a.starts_at.timestamp());
        timeline.record(
            Entry::new(
                key,
                a.starts_at,
                Source::Alertmanager,
                severity,
                subject(a),
                words(a),
            ),
            now,
        );
        if a.ends_at > now {
            firing.insert(a.fingerprint.clone(), a.clone());
        }
    }
    for (fingerprint, a) in previous.iter() {
        if firing.contains_key(fingerprint) {
            continue;
        }
        let at = if a.ends_at <= now { a.ends_at } else { now };
        let lasted = crate::model::age::human_age(a.starts_at, at);
        let key = format!("alert/{fingerprint}/resolved@{}", a.starts_at.timestamp());
        timeline.record(
            Entry::new(
                key,
                at,
                Source::Alertmanager,
                Severity::Info,
                subject(a),
                format!("resolved after {lasted}"),
            ),
            now,
        );
    }
    *previous = firing;
    for m in &merged.silences {
        let s = &m.silence;
        let matchers = matchers_text(&s.matchers);
        let subject = Subject::new(SubjectKind::Silence, "", &s.id);
        let created = format!("silence by {}: {} ({matchers})", s.created_by, s.comment);
        // The API has no creation time: the last update, or the start if earlier (a pending
        // silence starts later than it was made; an expired one was updated when it ended).
        timeline.record(
            Entry::new(
                format!("silence/{}/created", s.id),
                s.updated_at.min(s.starts_at),
                Source::Alertmanager,
                Severity::Info,
                subject.clone(),
                created,
            ),
            now,
        );
        if s.status.state == "expired" {
            timeline.record(
                Entry::new(
                    format!("silence/{}/expired", s.id),
                    s.ends_at,
                    Source::Alertmanager,
                    Severity::Info,
                    subject,
                    format!("silence expired ({matchers})"),
                ),
                now,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerting::merge::AlertsObservation;
    use crate::alerting::model::AlertStatus;
    use crate::app::alerts::AlertState;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_132_800 + seconds, 0).unwrap_or_default()
    }

    fn stuck(now: i64) -> GettableAlert {
        GettableAlert {
            labels: [
                ("alertname", "MS5RolloutStuck"),
                ("severity", "high"),
                ("namespace", "ms5-production"),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
            annotations: [("summary".to_string(), "backend stuck".to_string())].into(),
            starts_at: t(100),
            ends_at: t(now + 60),
            updated_at: t(now),
            generator_url: String::new(),
            fingerprint: "f1".into(),
            receivers: Vec::new(),
            status: AlertStatus {
                state: "active".into(),
                silenced_by: Vec::new(),
                inhibited_by: Vec::new(),
            },
        }
    }

    fn lines(timeline: &Timeline) -> Vec<String> {
        timeline
            .newest_first()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e.at.format("%H:%M:%S"),
                    e.subject.text(),
                    e.what
                )
            })
            .collect()
    }

    /// HA peers: the alert is resolved only once neither has it. One that fails keeps its
    /// last good answer, so its silence is not taken for a resolution.
    #[test]
    fn an_alert_resolves_only_when_gone_from_both_alertmanagers() {
        let origins = [
            ("a".to_string(), "http://a".to_string()),
            ("b".to_string(), "http://b".to_string()),
        ];
        let mut state = AlertState::new(&origins, "me".into());
        let mut timeline = Timeline::new(t(0));
        let mut firing = Firing::new();
        let mut poll = |at: i64, a: Option<bool>, b: Option<bool>, timeline: &mut Timeline| {
            let answer = |has: Option<bool>| match has {
                None => Err("connection refused".to_string()),
                Some(true) => Ok((vec![stuck(at)], Vec::new())),
                Some(false) => Ok((Vec::new(), Vec::new())),
            };
            state.apply(AlertsObservation {
                at: t(at),
                answers: vec![("a".into(), answer(a)), ("b".into(), answer(b))],
            });
            observe(timeline, &mut firing, &state.merged(), t(at));
        };
        poll(120, Some(true), Some(true), &mut timeline);
        assert_eq!(
            lines(&timeline),
            ["00:01:40 MS5RolloutStuck firing: backend stuck"]
        );
        poll(135, Some(false), Some(true), &mut timeline);
        poll(150, Some(false), None, &mut timeline);
        assert_eq!(
            timeline.len(),
            1,
            "still firing on b (its last good answer)"
        );
        poll(165, Some(false), Some(false), &mut timeline);
        poll(180, Some(false), Some(false), &mut timeline);
        assert_eq!(
            lines(&timeline),
            [
                "00:02:45 MS5RolloutStuck resolved after 65s",
                "00:01:40 MS5RolloutStuck firing: backend stuck",
            ]
        );
    }
}
