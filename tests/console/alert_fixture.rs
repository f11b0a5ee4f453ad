//! Alertmanager data for the view tests, shaped as API v2 answers: two HA peers with the same
//! alerts (one firing, one silenced, one inhibited, every severity), silences in each state,
//! and a third Alertmanager that has never answered.

use chrono::Duration;
use serde_json::{Value, json};

use ms5_console::alerting::merge::AlertsObservation;
use ms5_console::alerting::model::{GettableAlert, GettableSilence, LabelSet, fingerprint};
use ms5_console::app::alerts::AlertState;
use ms5_console::app::event::DataEvent;

use super::now;

pub const ORIGINS: [(&str, &str); 3] = [
    ("am-0", "k8s://ms5-system/alertmanager-0:9093"),
    ("am-1", "k8s://ms5-system/alertmanager-1:9093"),
    ("am-dr", "https://alertmanager.dr.ms5.example:9093"),
];

pub const SILENCE_ACTIVE: &str = "5c1e0b7a-3f4e-4a51-9d2c-7e8f9a0b1c2d";

fn time(minutes_ago: i64) -> String {
    (now() - Duration::minutes(minutes_ago)).to_rfc3339()
}

fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn fp(pairs: &[(&str, &str)]) -> String {
    fingerprint(&labels(pairs))
}

const FAST_BURN: &[(&str, &str)] = &[
    ("alertname", "MS5SLOFastBurn"),
    ("namespace", "ms5-production"),
    ("service", "backend"),
    ("severity", "critical"),
    ("slo", "backend-availability"),
];

pub fn alert(
    pairs: &[(&str, &str)],
    summary: &str,
    minutes_ago: i64,
    silenced: &[&str],
    inhibited: &[String],
) -> GettableAlert {
    let suppressed = !silenced.is_empty() || !inhibited.is_empty();
    let value: Value = json!({
        "labels": labels(pairs),
        "annotations": {
            "summary": summary,
            "description": format!("{summary}. See the runbook."),
            "runbook_url": format!("https://runbooks.ms5.example/{}", pairs[0].1.to_lowercase()),
        },
        "startsAt": time(minutes_ago),
        "endsAt": time(-60),
        "updatedAt": time(0),
        "generatorURL": "http://prometheus-service:9090/graph?g0.expr=slo%3Asli_error",
        "fingerprint": fp(pairs),
        "receivers": [{"name": "ms5-oncall"}],
        "status": {
            "state": if suppressed { "suppressed" } else { "active" },
            "silencedBy": silenced,
            "inhibitedBy": inhibited,
        },
    });
    serde_json::from_value(value).expect("fixture alert")
}

pub fn alerts() -> Vec<GettableAlert> {
    vec![
        alert(
            FAST_BURN,
            "backend-availability is burning its 30d budget 14x too fast",
            3,
            &[],
            &[],
        ),
        alert(
            &[
                ("alertname", "MS5DatabaseDown"),
                ("namespace", "ms5-production"),
                ("service", "postgres"),
                ("severity", "critical"),
            ],
            "postgres-0 has no ready replica",
            1,
            &[],
            &[],
        ),
        alert(
            &[
                ("alertname", "MS5HighLatency"),
                ("namespace", "ms5-production"),
                ("service", "backend"),
                ("severity", "high"),
            ],
            "Backend p99 latency above 2 s",
            6,
            &[],
            &[fp(FAST_BURN)],
        ),
        alert(
            &[
                ("alertname", "MS5BackupFailed"),
                ("namespace", "ms5-production"),
                ("service", "postgres"),
                ("severity", "high"),
            ],
            "The last PostgreSQL backup failed",
            90,
            &[SILENCE_ACTIVE],
            &[],
        ),
        alert(
            &[
                ("alertname", "MS5DiskFilling"),
                ("namespace", "ms5-production"),
                ("service", "postgres"),
                ("severity", "medium"),
            ],
            "Database node disk 91% full",
            30,
            &[],
            &[],
        ),
        alert(
            &[
                ("alertname", "MS5CertificateExpiringSoon"),
                ("namespace", "ms5-production"),
                ("service", "frontend"),
                ("severity", "low"),
            ],
            "TLS certificate expires in 21 days",
            600,
            &[],
            &[],
        ),
    ]
}

fn silence(id: &str, state: &str, alertname: &str, starts: i64, ends: i64) -> GettableSilence {
    serde_json::from_value(json!({
        "id": id,
        "matchers": [
            {"name": "alertname", "value": alertname, "isRegex": false, "isEqual": true},
            {"name": "namespace", "value": "ms5-.*", "isRegex": true, "isEqual": true},
        ],
        "startsAt": time(starts),
        "endsAt": time(ends),
        "updatedAt": time(starts),
        "createdBy": "j.doe",
        "comment": format!("INC-{} {alertname}", id.len() + starts.unsigned_abs() as usize),
        "status": {"state": state},
    }))
    .expect("fixture silence")
}

pub fn silences() -> Vec<GettableSilence> {
    vec![
        silence("0d9e8f7a-expired", "expired", "MS5HighErrorRate", 300, 120),
        silence(SILENCE_ACTIVE, "active", "MS5BackupFailed", 20, -100),
        silence("a1b2c3d4-pending", "pending", "MS5DiskFilling", -30, -150),
    ]
}

/// Both HA peers answer the same; the DR Alertmanager is unreachable.
pub fn observation() -> DataEvent {
    observation_of(alerts())
}

/// One answer from each reachable Alertmanager with `alerts`; the DR one unreachable.
pub fn observation_of(alerts: Vec<GettableAlert>) -> DataEvent {
    let answer = || Ok((alerts.clone(), silences()));
    DataEvent::Alerts(Box::new(AlertsObservation {
        at: now() - Duration::seconds(3),
        answers: vec![
            ("am-0".into(), answer()),
            ("am-1".into(), answer()),
            (
                "am-dr".into(),
                Err(
                    "error sending request: tcp connect error: Connection refused (os error 111)"
                        .into(),
                ),
            ),
        ],
    }))
}

/// The configured Alertmanagers, before any answer.
pub fn alert_state() -> AlertState {
    let origins: Vec<(String, String)> = ORIGINS
        .iter()
        .map(|(n, a)| (n.to_string(), a.to_string()))
        .collect();
    AlertState::new(&origins, "j.doe".into())
}
