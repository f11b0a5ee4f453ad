//! The sim's Prometheus API on its own: the PromQL subset's semantics, Prometheus' error
//! envelope for everything outside it, series metadata, rules and alerts, and the Kubernetes
//! service proxy in front of it.

use ms5_console::sim::{self, Sim, SimOptions};
use serde_json::Value;

async fn start(scenario: &str) -> (Sim, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        scenario: scenario.into(),
        seed: 3,
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    (sim, dir)
}

async fn get(base: &str, path: &str, params: &[(&str, &str)]) -> (u16, Value) {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .query(params)
        .send()
        .await
        .expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON body"))
}

async fn query(base: &str, q: &str) -> (u16, Value) {
    get(
        base,
        "/api/v1/query",
        &[("query", q), ("time", "1795000000")],
    )
    .await
}

fn values(body: &Value) -> Vec<(Value, f64)> {
    body["data"]["result"]
        .as_array()
        .expect("vector result")
        .iter()
        .map(|s| {
            let v = s["value"][1].as_str().expect("value string");
            (s["metric"].clone(), v.parse().expect("number"))
        })
        .collect()
}

#[tokio::test]
async fn the_promql_subset_follows_prometheus_semantics() {
    let (sim, _dir) = start("healthy").await;
    let base = sim.prometheus_url.as_str();

    // Selectors with every matcher kind; the name is kept on a plain selection.
    let (status, body) = query(base, r#"http_requests_total{route=~"/api/v1/(oee|downtime)",code!="404",method="GET",service!~"front.*"}"#).await;
    assert_eq!(status, 200, "{body}");
    let v = values(&body);
    assert_eq!(v.len(), 6);
    assert!(
        v.iter()
            .all(|(m, _)| m["__name__"] == "http_requests_total")
    );

    // Aggregation by a label drops the rest; arithmetic drops the name.
    let (_, body) = query(base, "sum by (code) (rate(http_requests_total[5m]))").await;
    let by_code = values(&body);
    assert_eq!(by_code.len(), 4);
    assert!(
        by_code
            .iter()
            .all(|(m, _)| m.as_object().map(|o| o.len()) == Some(1))
    );
    let (_, body) = query(base, "sum(rate(http_requests_total[5m]))").await;
    let total = values(&body)[0].1;
    let summed: f64 = by_code.iter().map(|(_, v)| v).sum();
    assert!((total - summed).abs() < 1e-9 * total);

    // increase = rate * range, exactly (counters never reset in the sim).
    let (_, body) = query(base, "sum(increase(http_requests_total[1h])) / 3600").await;
    let per_second = values(&body)[0].1;
    let (_, body) = query(base, "sum(rate(http_requests_total[1h]))").await;
    assert!((per_second - values(&body)[0].1).abs() < 1e-9 * per_second);

    // Filtering comparisons keep the series and the name; `bool` gives 0/1 without it.
    let (_, body) = query(base, r#"http_requests_total{code="404"} > 0"#).await;
    assert_eq!(values(&body).len(), 4);
    assert_eq!(values(&body)[0].0["__name__"], "http_requests_total");
    let (_, body) = query(base, r#"http_requests_total{code="404"} < bool 0"#).await;
    let flags = values(&body);
    assert_eq!(
        flags.len(),
        4,
        "one 0/1 per series, none dropped: {flags:?}"
    );
    assert!(
        flags
            .iter()
            .all(|(m, v)| *v == 0.0 && m.get("__name__").is_none())
    );

    // One-to-one matching with on(); set operators.
    let (_, body) = query(
        base,
        r#"sum by (route) (rate(http_requests_total{code=~"5.."}[5m])) / on(route) sum by (route) (rate(http_requests_total[5m]))"#,
    )
    .await;
    let ratios = values(&body);
    assert_eq!(ratios.len(), 4);
    assert!(
        ratios.iter().all(|(_, v)| *v > 0.0 && *v < 0.001),
        "{ratios:?}"
    );
    let (_, body) = query(
        base,
        r#"ms5_oee_quality_ratio and ms5_oee_quality_ratio{line="line-2"}"#,
    )
    .await;
    assert_eq!(values(&body).len(), 1);
    let (_, body) = query(
        base,
        r#"ms5_oee_quality_ratio unless ms5_oee_quality_ratio{line="line-2"}"#,
    )
    .await;
    assert_eq!(values(&body).len(), 3);
    let (_, body) = query(
        base,
        r#"ms5_oee_quality_ratio{line="line-1"} or ms5_oee_performance_ratio"#,
    )
    .await;
    // `or` adds right-hand series whose labels (without the name) are not on the left.
    assert_eq!(values(&body).len(), 4);

    // Scalars, time(), division by zero as IEEE.
    let (_, body) = query(base, "time() - 1795000000").await;
    assert_eq!(body["data"]["resultType"], "scalar");
    assert_eq!(body["data"]["result"][1], "0");
    let (_, body) = query(base, "vector(1) / 0").await;
    assert_eq!(body["data"]["result"][0]["value"][1], "+Inf");
    let (_, body) = query(base, "vector(0) / 0").await;
    assert_eq!(body["data"]["result"][0]["value"][1], "NaN");

    // Recording rules are series: the error ratio of each SLO over each window.
    let (_, body) = query(
        base,
        r#"slo:sli_error:ratio_rate1h{slo="backend-availability"}"#,
    )
    .await;
    let recorded = values(&body);
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].0["service"], "backend");
}

#[tokio::test]
async fn anything_outside_the_subset_or_malformed_is_bad_data() {
    let (sim, _dir) = start("healthy").await;
    let base = sim.prometheus_url.as_str();
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 9] = [
        (
            "/api/v1/query",
            &[("query", "histogram_quantile(0.9, rate(x[5m]))")],
            "the function histogram_quantile() is not supported by the ms5-console sim's PromQL subset",
        ),
        (
            "/api/v1/query",
            &[("query", "rate(x[5m])[1h:5m]")],
            "a subquery is not supported",
        ),
        (
            "/api/v1/query",
            &[("query", "x offset 5m")],
            "`offset` and `@` is not supported",
        ),
        (
            "/api/v1/query",
            &[("query", "a * on(x) group_left b")],
            "group_left / group_right is not supported",
        ),
        (
            "/api/v1/query",
            &[("query", "sum(rate(x[5m]")],
            "invalid parameter \"query\"",
        ),
        (
            "/api/v1/query",
            &[],
            "invalid parameter \"query\": parameter is missing",
        ),
        (
            "/api/v1/query",
            &[("query", "up"), ("time", "yesterday")],
            "cannot parse \"yesterday\" to a valid timestamp",
        ),
        (
            "/api/v1/query_range",
            &[
                ("query", "up"),
                ("start", "0"),
                ("end", "100000"),
                ("step", "1"),
            ],
            "exceeded maximum resolution of 11,000 points",
        ),
        (
            "/api/v1/query_range",
            &[
                ("query", "up"),
                ("start", "100"),
                ("end", "0"),
                ("step", "1"),
            ],
            "end timestamp must not be before start time",
        ),
    ];
    for (path, params, message) in cases {
        let (status, body) = get(base, path, params).await;
        assert_eq!(status, 400, "{path} {params:?}: {body}");
        assert_eq!(body["status"], "error");
        assert_eq!(body["errorType"], "bad_data");
        let error = body["error"].as_str().unwrap_or_default();
        assert!(error.contains(message), "{path} {params:?}: {error}");
    }
    // The sim still answers after all that.
    let (status, _) = query(base, "vector(1)").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn metadata_rules_alerts_and_metrics() {
    let (sim, _dir) = start("slo-burn").await;
    let base = sim.prometheus_url.as_str();
    let (_, body) = get(
        base,
        "/api/v1/series",
        &[("match[]", "ms5_production_units_total")],
    )
    .await;
    assert_eq!(body["data"].as_array().map(Vec::len), Some(4));
    let (_, body) = get(base, "/api/v1/label/line/values", &[]).await;
    assert_eq!(
        body["data"],
        serde_json::json!(["line-1", "line-2", "line-3", "line-4"])
    );
    let (_, body) = get(base, "/api/v1/labels", &[]).await;
    assert!(
        body["data"]
            .as_array()
            .is_some_and(|l| l.iter().any(|n| n == "route"))
    );
    let (status, body) = get(base, "/api/v1/series", &[]).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("no match[] parameter provided"))
    );

    let (_, body) = get(base, "/api/v1/rules", &[]).await;
    let groups = body["data"]["groups"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    // Four SLO groups, then the platform's own alerts.
    assert_eq!(groups.len(), 5);
    assert_eq!(groups[0]["rules"].as_array().map(Vec::len), Some(9));
    assert_eq!(groups[4]["name"], "ms5-platform");
    assert_eq!(groups[4]["rules"].as_array().map(Vec::len), Some(9));

    // slo-burn: the backend's fast burn has been firing since shortly before the start.
    let (_, body) = get(base, "/api/v1/alerts", &[]).await;
    let alerts = body["data"]["alerts"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let fast: Vec<&Value> = alerts
        .iter()
        .filter(|a| a["labels"]["alertname"] == "MS5SLOFastBurn")
        .collect();
    assert_eq!(fast.len(), 1, "{alerts:?}");
    assert_eq!(fast[0]["labels"]["slo"], "backend-availability");
    assert_eq!(fast[0]["labels"]["severity"], "critical");
    assert_eq!(fast[0]["state"], "firing");
    assert!(
        fast[0]["annotations"]["runbook_url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://"))
    );

    let text = reqwest::get(format!("{base}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    assert!(text.contains("# TYPE http_request_duration_seconds histogram"));
    assert!(
        text.lines()
            .any(|l| l.starts_with("ms5_backup_last_success_timestamp_seconds{"))
    );
}

#[tokio::test]
async fn healthy_has_no_slo_alerts_and_the_service_proxy_reaches_prometheus() {
    let (sim, _dir) = start("healthy").await;
    let (_, body) = get(&sim.prometheus_url, "/api/v1/alerts", &[]).await;
    // Only the certificate's reminder: no SLO alert, nothing about the cluster.
    let names: Vec<&str> = body["data"]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["labels"]["alertname"].as_str())
        .collect();
    assert_eq!(names, ["MS5CertificateExpiringSoon"], "{body}");
    let proxied = format!(
        "{}/api/v1/namespaces/ms5-system/services/prometheus-service:9090/proxy",
        sim.kubernetes_url
    );
    let (status, body) = get(&proxied, "/api/v1/query", &[("query", "vector(42)")]).await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["result"][0]["value"][1], "42");
}

#[test]
fn the_sim_binary_announces_prometheus_and_kubectl_reaches_it_through_the_proxy() {
    if !crate::common::require("kubectl") {
        return;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port");
    let listen = format!("127.0.0.1:{port}");
    let sim = crate::common::Sim::start(&["--prometheus-listen", &listen]);
    assert_eq!(sim.url("prometheus"), format!("http://{listen}"));
    let out = sim.kubectl().ok(&[
        "get",
        "--raw",
        "/api/v1/namespaces/ms5-system/services/prometheus-service:9090/proxy/api/v1/query?query=sum(celery_queue_length)",
    ]);
    let body: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(body["status"], "success", "{out}");
    assert_eq!(body["data"]["result"].as_array().map(Vec::len), Some(1));
}
