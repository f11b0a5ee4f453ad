//! Sources that fail, and criteria with nothing to vouch for: unknown with the reason, never
//! a pass; bad flags and paths exit 2 before anything runs.

use std::time::Duration;

use serde_json::Value;

use crate::common::Sim;
use crate::{results, text, validate};

#[test]
fn an_unreachable_prometheus_makes_every_promql_criterion_unknown_and_exits_2() {
    let sim = Sim::start(&[]);
    let state = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = validate(
        &sim,
        state.path(),
        &["--prometheus-url", &url, "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(2));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let promql: Vec<&Value> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["kind"] == "promql")
        .collect();
    assert_eq!(promql.len(), 6);
    for r in promql {
        assert_eq!(r["result"], "unknown", "{r}");
        assert!(
            r["evidence"]["measured"]
                .as_str()
                .unwrap()
                .starts_with("no answer: "),
            "{r}"
        );
    }
    assert_eq!(json["totals"]["unknown"], 6);
    assert_eq!(json["totals"]["failed"], 0);
}

#[test]
fn an_unwritable_output_exits_2_before_running_and_no_cluster_exits_2() {
    let sim = Sim::start(&[]);
    let state = tempfile::tempdir().unwrap();
    let out = validate(
        &sim,
        state.path(),
        &["--output", "/nonexistent/dir/report.xml"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(
            "ms5-console validate: cannot write the report to /nonexistent/dir/report.xml: "
        ),
        "{stderr}"
    );
    assert!(stderr.trim_end().ends_with("nothing was run"), "{stderr}");
    assert!(
        !state
            .path()
            .join("state/ms5-console/validation.jsonl")
            .exists(),
        "nothing ran"
    );

    let out = validate(&sim, state.path(), &["--context", "no-such-context"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).starts_with("ms5-console validate: no cluster: "),
        "{}",
        text(&out.stderr)
    );
}

/// Every built-in criterion, with each way its sources can fail injected: none answers (a
/// closed port), none answers in time (a listener that never replies), every request forbidden,
/// every request a server error. Each result is unknown with a reason — never a pass, and
/// never a failure of what was being checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_builtin_criterion_is_unknown_under_every_source_failure() {
    use ms5_console::config::{Dirs, Overrides, Settings};
    use ms5_console::validation::engine::{self, Sources};
    use ms5_console::validation::outcome::Verdict;

    ms5_console::sim::install_crypto_provider();
    let mut settings = Settings::load(&Dirs::default(), &Overrides::default()).expect("settings");
    for phase in &mut settings.runbook.phases {
        for c in &mut phase.criteria {
            c.timeout = Duration::from_secs(1);
        }
    }
    settings.prometheus.timeout = Duration::from_secs(1);
    settings.alertmanager.timeout = Duration::from_secs(1);

    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let answering = |code: u16, reason: &'static str| async move {
        let app = axum::Router::new().fallback(move || async move {
            let status = axum::http::StatusCode::from_u16(code).unwrap();
            let body = serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": format!("injected: {reason}"), "reason": reason, "code": code});
            (status, axum::Json(body))
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        port
    };
    let forbidden = answering(403, "Forbidden").await;
    let failing = answering(500, "InternalError").await;
    // An API server that serves none of it: every kind "not found", as kube-apiserver words
    // a resource it does not serve.
    let not_served = {
        let app = axum::Router::new().fallback(|| async {
            let body = serde_json::json!({"kind": "Status", "apiVersion": "v1", "status": "Failure",
                "message": "the server could not find the requested resource", "reason": "NotFound", "code": 404});
            (axum::http::StatusCode::NOT_FOUND, axum::Json(body))
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await });
        port
    };

    for (failure, port) in [
        ("unreachable", closed),
        ("timeout", silent_port),
        ("forbidden", forbidden),
        ("server error", failing),
        ("not served", not_served),
    ] {
        let server = format!("http://127.0.0.1:{port}");
        let mut config = kube::Config::new(server.parse().unwrap());
        config.read_timeout = Some(Duration::from_secs(1));
        let client = kube::Client::try_from(config.clone()).unwrap();
        let connected = ms5_console::source::connect::Connected {
            client,
            config,
            connection: ms5_console::app::event::Connection {
                context: "injected".into(),
                cluster: "injected".into(),
                user: "injected".into(),
                server,
            },
            contexts: vec!["injected".into()],
            unreachable: None,
        };
        let sources = Sources::new(&settings, Some(engine::Cluster::of(&connected)), None);
        let report = engine::run(&settings.runbook, &sources, false, |_| {}).await;
        assert_eq!(report.results.len(), 35);
        for r in &report.results {
            assert_eq!(
                r.result,
                Verdict::Unknown,
                "{failure}: {} {}: {:?}",
                r.id,
                r.title,
                r.evidence
            );
            assert!(
                r.evidence.measured.starts_with("no answer")
                    || r.evidence.measured.contains("no answer from"),
                "{failure}: {}: {}",
                r.id,
                r.evidence.measured
            );
        }
        assert!(
            report.seconds < 30.0,
            "{failure}: bounded ({} s)",
            report.seconds
        );
        if failure == "not served" {
            // A kind the API does not serve is named as such, never read as "none of them".
            assert_eq!(
                report.results[0].evidence.measured,
                "no answer: the API has no Namespace"
            );
        }
    }
}

/// The ways a criterion of a user's runbook finds nothing it can vouch for: a namespace that
/// does not exist, nothing to check, a query the server refuses (its words), an empty answer,
/// NaN (0/0) — each unknown with the reason; `on-empty = "fail"` fails an empty answer.
#[test]
fn a_missing_namespace_nothing_to_check_a_refused_query_empty_and_nan_are_unknown() {
    let sim = Sim::start(&[]);
    let state = tempfile::tempdir().unwrap();
    let runbook = state.path().join("edges.toml");
    std::fs::write(
        &runbook,
        r#"name = "edges"
[[phase]]
id = "1"
title = "edges"

[[phase.criterion]]
id = "1.1"
title = "a namespace that is not there"
kind = "kube"
predicate = "pods-ready"
namespaces = ["ms5-nope"]

[[phase.criterion]]
id = "1.2"
title = "nothing selected"
kind = "kube"
predicate = "pods-ready"
namespaces = ["ms5-production"]
selector = "app=nothing"

[[phase.criterion]]
id = "1.3"
title = "refused"
kind = "promql"
query = 'predict_linear(up[5m], 60)'
below = 1

[[phase.criterion]]
id = "1.4"
title = "empty"
kind = "promql"
query = 'nothing_here'
below = 1

[[phase.criterion]]
id = "1.5"
title = "empty, said to fail"
kind = "promql"
query = 'nothing_here'
below = 1
on-empty = "fail"

[[phase.criterion]]
id = "1.6"
title = "nan"
kind = "promql"
query = 'vector(0) / vector(0)'
below = 1
"#,
    )
    .unwrap();
    let out = validate(
        &sim,
        state.path(),
        &["--runbook", runbook.to_str().unwrap(), "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    let measured = |i: usize| {
        json["results"][i]["evidence"]["measured"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        results(&json)
            .into_iter()
            .map(|(_, r)| r)
            .collect::<Vec<_>>(),
        [
            "unknown", "unknown", "unknown", "unknown", "fail", "unknown"
        ]
    );
    assert_eq!(measured(0), "no answer: namespace ms5-nope does not exist");
    assert_eq!(measured(1), "no pods to check");
    assert!(
        measured(2).contains("predict_linear() is not supported"),
        "{}",
        measured(2)
    );
    assert_eq!(measured(3), "empty answer (no series)");
    assert!(measured(5).contains("NaN"), "{}", measured(5));
}

/// 9.1.8 follows the SLOs in effect: an SLO added in config.toml without its recording rules
/// in Prometheus fails it, with the share of SLOs that have them.
#[test]
fn an_slo_added_in_the_config_without_recording_rules_fails_9_1_8() {
    let sim = Sim::start(&[]);
    let state = tempfile::tempdir().unwrap();
    let out = validate(
        &sim,
        state.path(),
        &["--criterion", "9.1.8", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let config = state.path().join("config/ms5-console");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        r#"[[slo]]
name = "minio-availability"
service = "minio"
description = "Object storage requests without a server error"
objective = 99.5
window = "7d"
good = 'minio_s3_requests_total{code!~"5.."}'
total = 'minio_s3_requests_total'
"#,
    )
    .unwrap();
    let out = validate(
        &sim,
        state.path(),
        &["--criterion", "9.1.8", "--format", "json"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["results"][0]["evidence"]["measured"], "0.8");
    assert_eq!(json["results"][0]["evidence"]["expected"], "equal to 1");
}
