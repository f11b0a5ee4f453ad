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

/// The applications answer behind the proxy as the cluster stands: the backend is ready while
/// PostgreSQL has a ready endpoint and says why not once it has none; a Service whose pods are
/// all gone has no endpoint to reach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backends_readiness_follows_the_database_through_the_proxy() {
    let kubectl_here = std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success());
    if !kubectl_here {
        assert!(
            std::env::var("MS5_REQUIRE_REAL_SERVERS").as_deref() != Ok("1"),
            "kubectl is required (MS5_REQUIRE_REAL_SERVERS=1) but not on PATH"
        );
        eprintln!("SKIPPED: kubectl is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let sim = sim::start(SimOptions {
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        speed: 4.0,
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let url = format!("{}/api/v1/namespaces/{path}", sim.kubernetes_url);
        let http = http.clone();
        async move {
            let answer = http.get(url).send().await.expect("an answer");
            (
                answer.status().as_u16(),
                answer.text().await.unwrap_or_default(),
            )
        }
    };
    let ready = "ms5-production/services/backend:8000/proxy/health/ready";
    let (status, body) = get(ready).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"database\":\"ok\""), "{body}");
    let (status, body) = get("ms5-system/services/grafana-service:3000/proxy/api/health").await;
    assert_eq!(
        (status, body.contains("\"database\":\"ok\"")),
        (200, true),
        "{body}"
    );

    // kubectl blocks: off the runtime's worker that serves the sim.
    let home = dir.path().to_path_buf();
    let scaled = tokio::task::spawn_blocking(move || {
        std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(home.join("kubeconfig"))
            .args([
                "-n",
                "ms5-production",
                "scale",
                "sts/postgres",
                "--replicas=0",
            ])
            .env("HOME", &home)
            .output()
    })
    .await
    .expect("kubectl ran")
    .expect("kubectl started");
    assert!(
        scaled.status.success(),
        "{}",
        String::from_utf8_lossy(&scaled.stderr)
    );
    let mut last = (0, String::new());
    for _ in 0..100 {
        last = get(ready).await;
        if last.0 == 503 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(last.0, 503, "{}", last.1);
    assert!(last.1.contains("database unavailable"), "{}", last.1);
    let (status, body) = get("ms5-production/services/postgres:5432/proxy/").await;
    assert_eq!(status, 503);
    assert!(
        body.contains("no endpoints available for service \\\"postgres:5432\\\""),
        "{body}"
    );
}
