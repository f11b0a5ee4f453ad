//! When an alert starts: a real Prometheus sends Alertmanager `startsAt` = the evaluation at
//! which the alert fired (activeAt + `for`, on the evaluation grid), never its `activeAt`
//! (when it became pending). The sim must date its alerts the same way, or the console shows a
//! page as begun before it did.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use ms5_console::sim::{self, SimOptions};
use serde_json::Value;

use super::real::RealPrometheus;
use crate::alertmanager::real::RealAlertmanager;
use crate::common;

async fn json(url: &str) -> Value {
    reqwest::get(url)
        .await
        .expect("answers")
        .json()
        .await
        .expect("JSON")
}

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("a time: {v}"))
}

/// `(activeAt from Prometheus' /api/v1/alerts, startsAt from Alertmanager's /api/v2/alerts)`
/// of the firing alert `name`, once both have it.
async fn firing(
    prometheus: &str,
    alertmanager: &str,
    name: &str,
    within: Duration,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = Instant::now();
    loop {
        let rules = json(&format!("{prometheus}/api/v1/alerts")).await;
        let active = rules["data"]["alerts"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["labels"]["alertname"] == name && a["state"] == "firing")
            .map(|a| time(&a["activeAt"]));
        let sent = json(&format!("{alertmanager}/api/v2/alerts")).await;
        let starts = sent
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["labels"]["alertname"] == name)
            .map(|a| time(&a["startsAt"]));
        if let (Some(active), Some(starts)) = (active, starts) {
            return (active, starts);
        }
        assert!(
            start.elapsed() < within,
            "{name} not firing in both within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Every alerting rule's name and `for`, as the console's Prometheus source reads them.
async fn alerting_rules(url: &str) -> Vec<(String, f64)> {
    let endpoint = ms5_console::source::prometheus::Endpoint::new(url, &Default::default(), None)
        .expect("an endpoint");
    endpoint
        .alerting_rules()
        .await
        .unwrap_or_else(|e| panic!("rules from {url}: {e}"))
        .iter()
        .map(|r| (r.name().to_string(), r.duration()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_starts_when_it_fires_not_when_it_became_pending_real_and_sim_alike() {
    if !common::require("prometheus") || !common::require("prometheus-alertmanager") {
        return;
    }
    // The real pair: a rule that holds from the first evaluation, with `for: 4s`.
    let alertmanager = RealAlertmanager::start().await;
    let config = format!(
        "global:\n  evaluation_interval: 1s\nrule_files:\n  - RULES\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{}']\n",
        alertmanager.url.trim_start_matches("http://")
    );
    let rules = "groups:\n  - name: start\n    rules:\n      - alert: HeldFourSeconds\n        expr: vector(1)\n        for: 4s\n        labels:\n          severity: high\n";
    // The first notification can go before the Alertmanager is discovered (and is dropped);
    // the next is sent a resend delay later: 1s here, not the minute by default.
    let prometheus =
        RealPrometheus::start_with(&config, rules, None, &["--rules.alert.resend-delay=1s"]).await;
    let (active, starts) = firing(
        &prometheus.url,
        &alertmanager.url,
        "HeldFourSeconds",
        Duration::from_secs(60),
    )
    .await;
    // The console reads each alerting rule's `for` and its alerts from the rules API, as the
    // client library parses it: from the real Prometheus, and (below) from the sim's.
    let rules = alerting_rules(&prometheus.url).await;
    assert_eq!(rules, [("HeldFourSeconds".to_string(), 4.0)]);
    let after = (starts - active).num_milliseconds();
    assert!(
        (3990..=5500).contains(&after),
        "real Prometheus: startsAt {starts} is `for` after activeAt {active} ({after} ms)"
    );

    // The sim: node-pressure's database goes down; MS5DatabaseDown has `for: 15s`.
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        scenario: "node-pressure".into(),
        seed: 7,
        speed: 1.0,
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    let (active, starts) = firing(
        &sim.prometheus_url,
        &sim.alertmanager_url,
        "MS5DatabaseDown",
        Duration::from_secs(90),
    )
    .await;
    let rules = alerting_rules(&sim.prometheus_url).await;
    assert!(
        rules.contains(&("MS5DatabaseDown".to_string(), 15.0)),
        "{rules:?}"
    );
    assert_eq!(
        (starts - active).num_seconds(),
        15,
        "sim: startsAt {starts} is `for` (15s) after activeAt {active}"
    );
}
