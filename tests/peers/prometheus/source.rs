//! The console's Prometheus source: through the sim's Kubernetes service proxy with the
//! kubeconfig's credentials, and against a deliberately bad Prometheus (errors, NaN/Inf, empty
//! answers, malformed JSON, silence) whose answers must come out as such, never as numbers.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::HeaderMap;
use axum::routing::get;
use ms5_console::config::endpoint::HttpOptions;
use ms5_console::model::slo_status::{self, Missing, Reading};
use ms5_console::sim::{self, SimOptions};
use ms5_console::slo::definition::builtin;
use ms5_console::slo::maths::Urgency;
use ms5_console::source::prometheus::{Endpoint, observe, proxy_client};

fn backups() -> Vec<ms5_console::backup::BackupDefinition> {
    ms5_console::backup::definition::builtin()
}

/// The console's service-proxy client for the sim's kubeconfig.
async fn sim_proxy_client(sim: &sim::Sim) -> kube::Client {
    let kubeconfig = kube::config::Kubeconfig::read_from(&sim.kubeconfig).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    proxy_client(&config, Duration::from_secs(5)).expect("client")
}

/// What the console's default pollers cost a production API server: one Prometheus poll and
/// one Alertmanager poll through `services/proxy`, counted by the sim, at the default
/// 15-second interval of each.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_pollers_send_the_api_server_under_one_request_a_second() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    let prometheus = Arc::new(
        Endpoint::new(
            ms5_console::config::endpoint::DEFAULT_PROMETHEUS,
            &HttpOptions::default(),
            Some(sim_proxy_client(&sim).await),
        )
        .expect("endpoint"),
    );
    let alertmanager = ms5_console::source::alertmanager::AlertmanagerEndpoint::new(
        ms5_console::config::endpoint::DEFAULT_ALERTMANAGER,
        &HttpOptions::default(),
        Some(sim_proxy_client(&sim).await),
    )
    .expect("endpoint");
    let before = sim.api.proxied.load(Ordering::Relaxed);
    let observation = observe(prometheus, &builtin(), &backups())
        .await
        .expect("observation");
    let answers = ms5_console::source::alertmanager::fetch_answers(&[alertmanager]).await;
    assert!(answers.iter().all(|(_, a)| a.is_ok()));
    let per_poll = sim.api.proxied.load(Ordering::Relaxed) - before;
    // The recording rules answered every burn rate: one selector, 4 window SLIs, the floor's 5;
    // the backups' figures are one more, the alerting rules (what is pending) one more.
    assert!(
        observation.raw_burn.is_empty(),
        "{:?}",
        observation.raw_burn
    );
    assert_eq!(observation.requests, 12);
    // Every figure of the built-in database came back from its one query, marked.
    let postgres = &observation.backups[0];
    use ms5_console::backup::Figure;
    for figure in [
        Figure::LastSuccess,
        Figure::LastFailure,
        Figure::Wal,
        Figure::RestoreLastSuccess,
        Figure::RestoreResult,
    ] {
        assert!(postgres.value(figure).is_some(), "{figure:?}: {postgres:?}");
    }
    assert_eq!(postgres.at(Figure::Retained, "local"), Some(30.0));
    assert_eq!(postgres.at(Figure::Retained, "cloud"), Some(90.0));
    assert_eq!(postgres.value(Figure::RestoreResult), Some(1.0));
    // Alertmanager: alerts and silences.
    assert_eq!(
        per_poll, 14,
        "requests through the proxy in one poll of each"
    );
    let interval = HttpOptions::default().interval.as_secs_f64();
    let per_second = per_poll as f64 / interval;
    assert!(per_second < 1.0, "{per_second:.2} requests a second");
    // Every figure is there: seven burn windows for each SLO, the window SLI.
    for reading in &observation.slos {
        assert!(
            reading
                .error_ratios
                .iter()
                .all(|r| matches!(r, Reading::Value(_))),
            "{reading:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn k8s_service_proxy_reaches_the_sims_prometheus_with_kubeconfig_credentials() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = sim::start(SimOptions {
        scenario: "slo-burn".into(),
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    let client = sim_proxy_client(&sim).await;
    let endpoint = Arc::new(
        Endpoint::new(
            "k8s://ms5-system/prometheus-service:9090",
            &HttpOptions::default(),
            Some(client),
        )
        .expect("endpoint"),
    );
    let observation = observe(endpoint, &builtin(), &backups())
        .await
        .expect("observation");
    assert_eq!(observation.slos.len(), 4);
    let backend = slo_status::status(&builtin()[0], Some(&observation.slos[0]));
    assert_eq!(backend.firing, Some(Urgency::Page), "{backend:?}");
    let lines = ms5_console::model::business::lines(&observation.business);
    assert_eq!(lines.len(), 4);
    assert!(
        lines
            .iter()
            .all(|l| l.oee.is_some_and(|o| o > 0.5 && o < 1.0))
    );

    // A service with no registered endpoint: the API server's 503 reason comes through.
    let client = sim_proxy_client(&sim).await;
    let grafana = Endpoint::new(
        "k8s://ms5-system/grafana-service:3000",
        &HttpOptions::default(),
        Some(client),
    )
    .expect("endpoint");
    let error = grafana
        .instant("vector(1)", None)
        .await
        .expect_err("no endpoints");
    // The API server's refusal, typed by its status code.
    assert_eq!(error.status, Some(503));
    let error = error.to_string();
    assert!(
        error.contains("503") && error.contains("no endpoints available"),
        "{error}"
    );
}

/// A Prometheus stand-in answering `/api/v1/query` by the query text.
async fn bad_prometheus() -> String {
    async fn answer(
        headers: HeaderMap,
        uri: axum::http::Uri,
    ) -> (
        axum::http::StatusCode,
        [(&'static str, &'static str); 1],
        String,
    ) {
        let (status, body) = reply(headers, uri).await;
        (status, [("content-type", "application/json")], body)
    }
    async fn reply(headers: HeaderMap, uri: axum::http::Uri) -> (axum::http::StatusCode, String) {
        let query: String = uri
            .query()
            .and_then(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .find(|(k, _)| k == "query")
                    .map(|(_, v)| v.into_owned())
            })
            .unwrap_or_default();
        const OK: axum::http::StatusCode = axum::http::StatusCode::OK;
        let vector = |v: &str| {
            format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1795000000,"{v}"]}}]}}}}"#
            )
        };
        let auth = headers
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .unwrap_or_default()
            .to_string();
        match query.as_str() {
            q if q.contains("[5m]") => (OK, vector("NaN")),
            q if q.contains("[30m]") => (OK, vector("+Inf")),
            q if q.contains("[1h]") => (
                OK,
                r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#.into(),
            ),
            q if q.contains("[2h]") => (
                axum::http::StatusCode::BAD_REQUEST,
                r#"{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected"}"#.into(),
            ),
            q if q.contains("[6h]") => (OK, "{\"status\":\"succ".into()),
            q if q.contains("[1d]") => {
                tokio::time::sleep(Duration::from_secs(5)).await;
                (OK, vector("0.5"))
            }
            q if q.contains("[3d]") => (OK, vector("-0.2")),
            "auth" => (OK, vector(if auth.is_empty() { "0" } else { "1" })),
            "whoami" => (
                OK,
                format!(
                    r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"auth":"{auth}"}},"value":[1,"1"]}}]}}}}"#
                ),
            ),
            _ => (OK, vector("0.9995")),
        }
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let app = Router::new().route("/api/v1/query", get(answer));
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    format!("http://{address}")
}

#[tokio::test]
async fn bad_answers_are_shown_as_such_never_as_numbers() {
    let url = bad_prometheus().await;
    let options = HttpOptions {
        timeout: Duration::from_secs(1),
        ..HttpOptions::default()
    };
    let endpoint = Arc::new(Endpoint::new(&url, &options, None).expect("endpoint"));
    let observation = observe(endpoint, &builtin()[..1], &[])
        .await
        .expect("partial answers");
    // This Prometheus has no recording rules: the burn rates were asked for one by one, and
    // the observation says so (the SLO panel shows it).
    assert_eq!(observation.raw_burn, ["backend-availability"]);
    // The alerting rules are asked for once more.
    assert_eq!(observation.requests, 1 + 1 + 5 + 7 + 1);
    let r = &observation.slos[0];
    assert_eq!(r.window_sli, Reading::Value(0.9995));
    assert!(matches!(r.error_ratios[0], Reading::Value(v) if v.is_nan()));
    assert_eq!(r.error_ratios[2], Reading::Empty);
    let status = slo_status::status(&builtin()[0], Some(r));
    assert_eq!(status.burn[0], Err(Missing::NoTraffic), "NaN: 0/0");
    assert_eq!(status.burn[1], Err(Missing::Invalid(f64::INFINITY)));
    assert_eq!(status.burn[2], Err(Missing::NoData));
    let Err(Missing::Error(bad_data)) = &status.burn[3] else {
        panic!("2h: {:?}", status.burn[3]);
    };
    assert!(
        bad_data.contains("bad_data") && bad_data.contains("parse error"),
        "{bad_data}"
    );
    let Err(Missing::Error(malformed)) = &status.burn[4] else {
        panic!("6h: {:?}", status.burn[4]);
    };
    assert!(
        !malformed.is_empty(),
        "malformed JSON is an error: {malformed}"
    );
    let Err(Missing::Error(timeout)) = &status.burn[5] else {
        panic!("1d: {:?}", status.burn[5]);
    };
    assert!(
        timeout.to_lowercase().contains("timed out") || timeout.contains("timeout"),
        "{timeout}"
    );
    assert_eq!(status.burn[6], Err(Missing::Invalid(-0.2)));
    assert_eq!(status.firing, None, "nothing fires on unusable answers");
    assert!(
        status.budget.is_some(),
        "the window SLI was fine: {status:?}"
    );
}

#[tokio::test]
async fn unreachable_prometheus_is_one_error_and_bad_addresses_are_refused() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    drop(listener);
    let options = HttpOptions {
        timeout: Duration::from_secs(1),
        ..HttpOptions::default()
    };
    let endpoint =
        Arc::new(Endpoint::new(&format!("http://{address}"), &options, None).expect("endpoint"));
    let error = observe(endpoint, &builtin(), &backups())
        .await
        .expect_err("nothing answers");
    // Where it tried and why it failed, without the encoded query.
    assert_eq!(
        error,
        format!("cannot connect to {address}: Connection refused (os error 111)")
    );
    for bad in ["prometheus:9090", "k8s://ms5-system", "ftp://x"] {
        let e = Endpoint::new(bad, &options, None).err().expect("refused");
        assert!(e.contains("k8s://NAMESPACE/SERVICE:PORT"), "{bad}: {e}");
    }
}

#[tokio::test]
async fn bearer_token_and_basic_auth_reach_prometheus() {
    let url = bad_prometheus().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret-token\n").expect("token");
    let password = dir.path().join("password");
    std::fs::write(&password, "hunter2").expect("password");
    let whoami = |options: HttpOptions| {
        let url = url.clone();
        async move {
            let endpoint = Endpoint::new(&url, &options, None).expect("endpoint");
            match endpoint.instant("whoami", None).await.expect("answer") {
                prometheus_http_query::response::Data::Vector(v) => {
                    v[0].metric().get("auth").cloned().unwrap_or_default()
                }
                other => panic!("{other:?}"),
            }
        }
    };
    let bearer = whoami(HttpOptions {
        bearer_token_file: Some(token),
        ..HttpOptions::default()
    })
    .await;
    assert_eq!(bearer, "Bearer s3cret-token");
    let basic = whoami(HttpOptions {
        username: Some("oncall".into()),
        password_file: Some(password),
        ..HttpOptions::default()
    })
    .await;
    // base64("oncall:hunter2")
    assert_eq!(basic, "Basic b25jYWxsOmh1bnRlcjI=");
    let missing = Endpoint::new(
        &url,
        &HttpOptions {
            ca_file: Some(dir.path().join("nope.pem")),
            ..HttpOptions::default()
        },
        None,
    )
    .err()
    .expect("a missing CA file is refused");
    assert!(missing.contains("nope.pem"), "{missing}");
}
