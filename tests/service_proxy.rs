//! `services/NAME:PORT/proxy/...` reaches the loopback service registered for it, with path,
//! query, method and body passed through; a service with no endpoint answers 503 and a missing
//! one 404, as the real API server does.

use axum::Router;
use axum::routing::{get, post};
use ms5_console::sim::{self, SimOptions};
use serde_json::Value;

async fn upstream() -> String {
    let app = Router::new()
        .route(
            "/api/v1/query",
            get(|uri: axum::http::Uri| async move {
                format!("query {}", uri.query().unwrap_or_default())
            }),
        )
        .route(
            "/api/v2/silences",
            post(|body: String| async move { format!("posted {body}") }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind upstream");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{address}")
}

#[tokio::test]
async fn proxy_forwards_to_the_registered_service() {
    let dir = tempfile::tempdir().unwrap();
    let options = SimOptions {
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    };
    let sim = sim::start(options).await.expect("sim starts");
    sim.api
        .register_proxy("ms5-system", "prometheus-service", &upstream().await);
    let base = format!(
        "{}/api/v1/namespaces/ms5-system/services",
        sim.kubernetes_url
    );
    let http = reqwest::Client::new();

    let answer = http
        .get(format!(
            "{base}/prometheus-service:9090/proxy/api/v1/query?query=up"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.text().await.unwrap(), "query query=up");
    let posted = http
        .post(format!(
            "{base}/http:prometheus-service:9090/proxy/api/v2/silences"
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.text().await.unwrap(), "posted {}");

    let no_endpoint = http
        .get(format!("{base}/grafana-service:3000/proxy/"))
        .send()
        .await
        .unwrap();
    assert_eq!(no_endpoint.status(), 503);
    let status: Value = no_endpoint.json().await.unwrap();
    assert_eq!(
        status["message"],
        "no endpoints available for service \"grafana-service:3000\""
    );
    let missing = http
        .get(format!("{base}/nope:80/proxy/"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}
