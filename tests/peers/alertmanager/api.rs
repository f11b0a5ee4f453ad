//! Posting, listing, filtering, grouping, inhibiting and silencing, as one scenario run against
//! each Alertmanager.

use std::time::{Duration, Instant};

use chrono::Utc;
use ms5_console::alerting::matcher;
use ms5_console::alerting::model::{
    AlertGroup, GettableAlert, GettableSilence, PostableAlert, PostableSilence, SilenceCreated,
    fingerprint,
};
use ms5_console::sim::{self, SimOptions};

use super::real::RealAlertmanager;
use crate::common;

fn alert(name: &str, severity: &str, service: &str) -> PostableAlert {
    PostableAlert {
        labels: [
            ("alertname", name),
            ("severity", severity),
            ("service", service),
            ("namespace", "ms5-test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        annotations: [("summary".to_string(), format!("{name} on {service}"))]
            .into_iter()
            .collect(),
        starts_at: None,
        ends_at: None,
        generator_url: Some("http://prometheus.test/graph".into()),
    }
}

async fn alerts(http: &reqwest::Client, base: &str, query: &[(&str, &str)]) -> Vec<GettableAlert> {
    let mut params: Vec<(&str, &str)> = vec![("filter", "namespace=\"ms5-test\"")];
    params.extend_from_slice(query);
    http.get(format!("{base}/api/v2/alerts"))
        .query(&params)
        .send()
        .await
        .expect("GET alerts")
        .json()
        .await
        .expect("alerts JSON")
}

async fn get_silence(http: &reqwest::Client, base: &str, id: &str) -> GettableSilence {
    http.get(format!("{base}/api/v2/silence/{id}"))
        .send()
        .await
        .expect("GET silence")
        .json()
        .await
        .expect("silence JSON")
}

/// Polls until `check` holds (the real Alertmanager updates inhibition asynchronously).
async fn eventually<T>(what: &str, mut probe: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not within 20 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The whole life of alerts and a silence, against the Alertmanager at `base`.
async fn scenario(base: &str) {
    let http = reqwest::Client::new();
    let posted = http
        .post(format!("{base}/api/v2/alerts"))
        .json(&vec![
            alert("MS5TestDown", "critical", "checkout"),
            alert("MS5TestErrors", "high", "checkout"),
            alert("MS5TestErrors", "high", "payments"),
        ])
        .send()
        .await
        .expect("POST alerts");
    assert!(posted.status().is_success(), "{}", posted.status());

    // All three, the checkout error alert inhibited by the critical one of the same service.
    let critical_fp = fingerprint(&alert("MS5TestDown", "critical", "checkout").labels);
    let all = eventually("inhibition", async || {
        let a = alerts(&http, base, &[]).await;
        let inhibited = a
            .iter()
            .find(|x| x.labels["service"] == "checkout" && x.labels["severity"] == "high")?;
        (a.len() == 3 && inhibited.status.inhibited_by == [critical_fp.clone()]).then_some(a)
    })
    .await;
    for a in &all {
        assert_eq!(
            a.fingerprint,
            fingerprint(&a.labels),
            "fingerprints as Prometheus computes them"
        );
        assert_eq!(a.receivers[0].name, "ms5-oncall");
    }
    let payments = all
        .iter()
        .find(|a| a.labels["service"] == "payments")
        .expect("payments");
    assert_eq!(payments.status.state, "active");

    // Matcher filters, and hiding inhibited alerts.
    let high = alerts(&http, base, &[("filter", "severity=\"high\"")]).await;
    assert_eq!(high.len(), 2);
    let regex = alerts(
        &http,
        base,
        &[
            ("filter", "alertname=~\"MS5Test.*\""),
            ("filter", "service!=\"checkout\""),
        ],
    )
    .await;
    assert_eq!(regex.len(), 1);
    let visible = alerts(&http, base, &[("inhibited", "false")]).await;
    assert_eq!(visible.len(), 2);

    // Groups by alertname.
    let groups: Vec<AlertGroup> = http
        .get(format!("{base}/api/v2/alerts/groups"))
        .query(&[("filter", "namespace=\"ms5-test\"")])
        .send()
        .await
        .expect("groups")
        .json()
        .await
        .expect("groups JSON");
    let mut sizes: Vec<(String, usize)> = groups
        .iter()
        .map(|g| (g.labels["alertname"].clone(), g.alerts.len()))
        .collect();
    sizes.sort();
    assert_eq!(
        sizes,
        [
            ("MS5TestDown".to_string(), 1),
            ("MS5TestErrors".to_string(), 2)
        ]
    );

    // A silence on the payments alert: created, applied, then expired.
    let matchers =
        matcher::parse("alertname=\"MS5TestErrors\", service=~\"pay.*\"").expect("matchers");
    let now = Utc::now();
    let silence = PostableSilence {
        id: None,
        matchers: matchers.iter().map(|m| m.to_api()).collect(),
        starts_at: now,
        ends_at: now + chrono::Duration::hours(2),
        created_by: "oncall".into(),
        comment: "payments deploy in progress".into(),
    };
    let created: SilenceCreated = http
        .post(format!("{base}/api/v2/silences"))
        .json(&silence)
        .send()
        .await
        .expect("POST silence")
        .json()
        .await
        .expect("silence id");
    let id = created.silence_id;
    eventually("silenced", async || {
        let a = alerts(&http, base, &[("filter", "service=\"payments\"")]).await;
        (a.len() == 1
            && a[0].status.silenced_by == [id.clone()]
            && a[0].status.state == "suppressed")
            .then_some(())
    })
    .await;
    let got = get_silence(&http, base, &id).await;
    assert_eq!(got.status.state, "active");
    assert_eq!(got.comment, "payments deploy in progress");
    let expired = http
        .delete(format!("{base}/api/v2/silence/{id}"))
        .send()
        .await
        .expect("DELETE silence");
    assert!(expired.status().is_success());
    let got = get_silence(&http, base, &id).await;
    assert_eq!(got.status.state, "expired");
    eventually("unsilenced", async || {
        let a = alerts(&http, base, &[("filter", "service=\"payments\"")]).await;
        (a.len() == 1 && a[0].status.state == "active").then_some(())
    })
    .await;

    // Expiring an id it does not know: a 500 with Alertmanager 0.25's words.
    let unknown = http
        .delete(format!(
            "{base}/api/v2/silence/00000000-0000-0000-0000-000000000000"
        ))
        .send()
        .await
        .expect("DELETE silence");
    assert_eq!(unknown.status(), 500);
    assert_eq!(
        unknown.text().await.unwrap_or_default().trim(),
        "\"silence not found\""
    );

    // Refusals: times out of order, no matchers (Alertmanager accepts an empty comment or
    // author: the console's dialog is what requires a comment), a filter that does not parse.
    let mut backwards = silence.clone();
    backwards.ends_at = now - chrono::Duration::hours(1);
    let refused = http
        .post(format!("{base}/api/v2/silences"))
        .json(&backwards)
        .send()
        .await
        .expect("POST silence");
    assert_eq!(refused.status(), 400);
    let text = refused.text().await.unwrap_or_default();
    assert!(
        text.contains("start time must be before end time"),
        "{text}"
    );
    let mut empty = silence.clone();
    empty.matchers.clear();
    let refused = http
        .post(format!("{base}/api/v2/silences"))
        .json(&empty)
        .send()
        .await
        .expect("POST silence");
    assert_eq!(refused.status(), 422);
    let bad = http
        .get(format!("{base}/api/v2/alerts"))
        .query(&[("filter", "severity\"critical\"")])
        .send()
        .await
        .expect("GET alerts");
    assert_eq!(bad.status(), 400);
    let text = bad.text().await.unwrap_or_default();
    assert!(text.contains("bad matcher format"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_alertmanager() {
    if !common::require("prometheus-alertmanager") {
        return;
    }
    let real = RealAlertmanager::start().await;
    scenario(&real.url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sims_alertmanager() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    scenario(&sim.alertmanager_url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sims_own_alerts_come_from_its_rules_and_scenario_with_inhibition() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        scenario: "slo-burn".into(),
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    // Through the service proxy, as a console outside the cluster reaches it.
    let base = format!(
        "{}/api/v1/namespaces/ms5-system/services/alertmanager-service:9093/proxy",
        sim.kubernetes_url
    );
    let all: Vec<GettableAlert> = reqwest::get(format!("{base}/api/v2/alerts"))
        .await
        .expect("GET alerts")
        .json()
        .await
        .expect("alerts JSON");
    let find = |name: &str| {
        all.iter()
            .find(|a| a.labels["alertname"] == name)
            .unwrap_or_else(|| panic!("{name} in {all:?}"))
    };
    let page = find("MS5SLOFastBurn");
    assert_eq!(page.labels["severity"], "critical");
    assert_eq!(page.labels["service"], "backend");
    assert!(page.generator_url.contains("/graph?g0.expr="));
    let errors = find("MS5HighErrorRate");
    assert_eq!(errors.status.state, "suppressed");
    assert_eq!(
        errors.status.inhibited_by,
        std::slice::from_ref(&page.fingerprint)
    );
    assert_eq!(find("MS5CertificateExpiringSoon").status.state, "active");
}

/// Every alert the sim's Alertmanager holds.
async fn all_alerts(base: &str) -> Vec<GettableAlert> {
    reqwest::get(format!("{base}/api/v2/alerts"))
        .await
        .expect("GET alerts")
        .json()
        .await
        .expect("alerts JSON")
}

/// Defect: scenario alerts fired before anything was wrong (node-pressure's database alert 70 s
/// before the eviction, with no generator; bad-rollout's MS5ServiceDown from the start). They
/// now come from rules over series that follow the cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scenario_alerts_come_from_rules_and_start_after_the_change_that_causes_them() {
    let sim = sim::start(SimOptions {
        scenario: "node-pressure".into(),
        speed: 4.0,
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    let base = sim.alertmanager_url.clone();
    // Before the eviction (2.5 s in at this speed): the database is up, no alert says otherwise.
    let early = all_alerts(&base).await;
    assert!(
        early
            .iter()
            .all(|a| a.labels["alertname"] != "MS5DatabaseDown"),
        "{early:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(60);
    let down = loop {
        if let Some(a) = all_alerts(&base)
            .await
            .into_iter()
            .find(|a| a.labels["alertname"] == "MS5DatabaseDown")
        {
            break a;
        }
        assert!(Instant::now() < deadline, "no MS5DatabaseDown within 60 s");
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // From the sim Prometheus' rule over pg_up, with its generator...
    assert!(
        down.generator_url.contains("/graph?g0.expr=pg_up"),
        "{down:?}"
    );
    assert_eq!(down.labels["severity"], "critical");
    // ...and no earlier than the eviction that caused it.
    let events: serde_json::Value = reqwest::get(format!(
        "{}/api/v1/namespaces/ms5-production/events?fieldSelector=reason%3DEvicted",
        sim.kubernetes_url
    ))
    .await
    .expect("events")
    .json()
    .await
    .expect("events JSON");
    let evicted: chrono::DateTime<Utc> = events["items"][0]["lastTimestamp"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("an Evicted event: {events}"));
    let starts = down.starts_at;
    // Event times have whole seconds.
    assert!(
        starts >= evicted - chrono::Duration::seconds(1),
        "the alert starts at {starts}, the eviction was at {evicted}"
    );

    // bad-rollout: the backend is healthy until the broken release; nothing says it is down.
    let sim = sim::start(SimOptions {
        scenario: "bad-rollout".into(),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(8) {
        let alerts = all_alerts(&sim.alertmanager_url).await;
        let backend: Vec<&String> = alerts
            .iter()
            .filter(|a| a.labels.get("service").map(String::as_str) == Some("backend"))
            .map(|a| &a.labels["alertname"])
            .collect();
        assert!(
            backend.is_empty(),
            "while the backend is healthy: {backend:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
