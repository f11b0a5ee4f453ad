//! The console's Alertmanager source: several Alertmanagers merged, HA copies collapsed with
//! both origins, a failing one reported by name while the others count, malformed answers
//! named as such, and the service proxy.

use std::time::Duration;

use ms5_console::alerting::model::PostableAlert;
use ms5_console::config::endpoint::HttpOptions;
use ms5_console::sim::{self, Sim, SimOptions};
use ms5_console::source::alertmanager::{AlertmanagerEndpoint, fetch_all};
use ms5_console::source::http::proxy_client;

use super::real::RealAlertmanager;
use crate::common;

async fn start_sim(dir: &tempfile::TempDir) -> Sim {
    sim::start(SimOptions {
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts")
}

fn shared_alert() -> PostableAlert {
    PostableAlert {
        labels: [
            ("alertname", "MS5DatabaseDown"),
            ("severity", "critical"),
            ("service", "postgres"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        annotations: Default::default(),
        starts_at: None,
        ends_at: None,
        generator_url: None,
    }
}

async fn post(base: &str) {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v2/alerts"))
        .json(&vec![shared_alert()])
        .send()
        .await
        .expect("POST");
    assert!(r.status().is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_alertmanagers_with_the_same_alert_show_it_once_with_both_origins() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = start_sim(&dir).await;
    // The real Alertmanager as the HA peer when it is installed; else a second sim.
    let real = if common::require("prometheus-alertmanager") {
        Some(RealAlertmanager::start().await)
    } else {
        None
    };
    let other_dir = tempfile::tempdir().expect("tempdir");
    let other_sim = match &real {
        Some(_) => None,
        None => Some(start_sim(&other_dir).await),
    };
    let peer = real
        .as_ref()
        .map(|r| r.url.clone())
        .or_else(|| other_sim.as_ref().map(|s| s.alertmanager_url.clone()))
        .unwrap_or_default();
    post(&sim.alertmanager_url).await;
    post(&peer).await;
    let options = HttpOptions::default();
    let endpoints = vec![
        AlertmanagerEndpoint::new(&format!("sim={}", sim.alertmanager_url), &options, None)
            .expect("sim endpoint"),
        AlertmanagerEndpoint::new(&format!("peer={peer}"), &options, None).expect("peer"),
    ];
    let merged = fetch_all(&endpoints).await;
    assert!(merged.failures.is_empty(), "{:?}", merged.failures);
    let db: Vec<_> = merged
        .alerts
        .iter()
        .filter(|m| m.alert.labels["alertname"] == "MS5DatabaseDown")
        .collect();
    assert_eq!(db.len(), 1, "one alert, not two");
    assert_eq!(db[0].origins, ["sim", "peer"]);
    let cert = merged
        .alerts
        .iter()
        .find(|m| m.alert.labels["alertname"] == "MS5CertificateExpiringSoon")
        .expect("the sim's own alert");
    // The sim's own rule fires in each sim: with a second sim as the peer it has both origins,
    // with a real Alertmanager (no rules of its own) only the sim's.
    let expected: &[&str] = match real {
        Some(_) => &["sim"],
        None => &["sim", "peer"],
    };
    assert_eq!(cert.origins, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_alertmanager_is_named_and_the_others_still_count() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = start_sim(&dir).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port");
    // A stand-in that answers 200 with something that is not a list of alerts.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let garbage = listener.local_addr().expect("address");
    let app = axum::Router::new().route(
        "/api/v2/alerts",
        axum::routing::get(|| async { ([("content-type", "application/json")], "{\"alerts\": 3") }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    let options = HttpOptions {
        timeout: Duration::from_secs(2),
        ..HttpOptions::default()
    };
    let endpoints = vec![
        AlertmanagerEndpoint::new(&format!("down=http://{closed}"), &options, None).expect("down"),
        AlertmanagerEndpoint::new(&format!("broken=http://{garbage}"), &options, None)
            .expect("broken"),
        AlertmanagerEndpoint::new(&sim.alertmanager_url, &options, None).expect("sim"),
    ];
    let merged = fetch_all(&endpoints).await;
    let names: Vec<&str> = merged.failures.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["down", "broken"]);
    assert!(
        merged.failures[1].1.starts_with("malformed answer"),
        "{:?}",
        merged.failures
    );
    assert!(!merged.alerts.is_empty());
    assert_eq!(
        merged.alerts[0].origins,
        [sim.alertmanager_url.trim_start_matches("http://")],
        "unnamed: HOST:PORT is the name"
    );
    for bad in ["alertmanager:9093", "prod=k8s://ms5-system"] {
        let e = AlertmanagerEndpoint::new(bad, &options, None)
            .err()
            .expect("refused");
        assert!(e.contains("k8s://NAMESPACE/SERVICE:PORT"), "{bad}: {e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_proxy_reaches_the_sims_alertmanager() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = start_sim(&dir).await;
    let kubeconfig = kube::config::Kubeconfig::read_from(&sim.kubeconfig).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    let client = proxy_client(&config, Duration::from_secs(5)).expect("client");
    let endpoint = AlertmanagerEndpoint::new(
        "cluster=k8s://ms5-system/alertmanager-service:9093",
        &HttpOptions::default(),
        Some(client),
    )
    .expect("endpoint");
    let alerts = endpoint
        .alerts(&[("filter", "severity=\"low\"".to_string())])
        .await
        .expect("alerts through the proxy");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].labels["alertname"], "MS5CertificateExpiringSoon");
    let refused = endpoint
        .alerts(&[("filter", "severity\"low\"".to_string())])
        .await
        .expect_err("a filter that does not parse")
        .to_string();
    assert!(
        refused.contains("HTTP 400") && refused.contains("bad matcher format"),
        "{refused}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_credentials_reach_every_request_reads_and_writes() {
    use std::sync::{Arc, Mutex};
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = |seen: Arc<Mutex<Vec<String>>>, answer: &'static str| {
        move |request: axum::extract::Request| {
            let seen = seen.clone();
            async move {
                let auth = request
                    .headers()
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("none")
                    .to_string();
                seen.lock().expect("lock").push(format!(
                    "{} {} {auth}",
                    request.method(),
                    request.uri().path()
                ));
                ([("content-type", "application/json")], answer)
            }
        }
    };
    let app = axum::Router::new()
        .route(
            "/api/v2/alerts",
            axum::routing::get(record(seen.clone(), "[]")),
        )
        .route(
            "/api/v2/silences",
            axum::routing::get(record(seen.clone(), "[]"))
                .post(record(seen.clone(), r#"{"silenceID":"abc"}"#)),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    let dir = tempfile::tempdir().expect("tempdir");
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").expect("token");
    let options = HttpOptions {
        bearer_token_file: Some(token),
        ..HttpOptions::default()
    };
    let endpoint =
        AlertmanagerEndpoint::new(&format!("am=http://{address}"), &options, None).expect("am");
    let merged = fetch_all(std::slice::from_ref(&endpoint)).await;
    assert!(merged.failures.is_empty(), "{:?}", merged.failures);
    let now = chrono::Utc::now();
    let id = endpoint
        .create_silence(&ms5_console::alerting::model::PostableSilence {
            id: None,
            matchers: ms5_console::alerting::matcher::parse(r#"alertname="X""#)
                .expect("matcher")
                .iter()
                .map(|m| m.to_api())
                .collect(),
            starts_at: now,
            ends_at: now + chrono::Duration::hours(1),
            created_by: "jdoe".into(),
            comment: "test".into(),
        })
        .await
        .expect("created");
    assert_eq!(id, "abc");
    let mut seen = seen.lock().expect("lock").clone();
    seen.sort();
    assert_eq!(
        seen,
        [
            "GET /api/v2/alerts Bearer s3cret",
            "GET /api/v2/silences Bearer s3cret",
            "POST /api/v2/silences Bearer s3cret",
        ]
    );
}
