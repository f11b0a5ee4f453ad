//! `ms5-console validate` as CI runs it: the runbook in effect listed, narrowed, and refused
//! with every error (exit 2, nothing run) when it is broken; run against the sim's scenarios,
//! each failing exactly the criteria its fault breaks, in text, JSON and JUnit that agree.

mod common;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::Sim;
use serde_json::Value;

fn run(args: &[&str]) -> Output {
    // An empty config home, so no file of the developer's own is picked up.
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .args(args)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("HOME", home.path())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn list_prints_the_builtin_runbooks_35_criteria_under_their_phases() {
    let out = run(&["validate", "--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "runbook ms5-phase9 (built-in): 35 criteria in 4 phases"
    );
    assert_eq!(lines[1], "9.1 Code review checkpoint");
    assert_eq!(
        lines[2],
        "  9.1.1   kube containers-set      every container in the ms5-* namespaces sets CPU and memory requests"
    );
    assert_eq!(lines.iter().filter(|l| l.starts_with("  9.")).count(), 35);
    assert!(stdout.contains(
        "  9.4.10  promql                   the last successful PostgreSQL backup is under 24 h old"
    ));
}

#[test]
fn phase_and_criterion_narrow_the_list_and_unknown_ids_exit_2() {
    let out = run(&[
        "validate",
        "--list",
        "--phase",
        "9.3",
        "--criterion",
        "9.4.10",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().filter(|l| l.starts_with("  9.")).count(), 10);
    assert!(!stdout.contains("9.1 "), "{stdout}");

    let out = run(&["validate", "--list", "--phase", "9.9"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "ms5-console validate: no phase 9.9; phases are 9.1, 9.2, 9.3, 9.4\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_broken_runbook_lists_every_error_and_exits_2_having_run_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mine.toml");
    std::fs::write(
        &path,
        "name = \"mine\"\n[[phase]]\nid = \"1\"\ntitle = \"one\"\n\
         [[phase.criterion]]\nid = \"1.1\"\ntitle = \"x\"\nkind = \"command\"\nargv = \"./x.sh --all\"\n\
         [[phase.criterion]]\nid = \"1.2\"\ntitle = \"y\"\nkind = \"kube\"\npredicate = \"pods-ready\"\nnamespaces = [\"a\"]\nwithin = \"1h\"\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let out = run(&["validate", "--runbook", path]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "{path}:9:8: error: a command is an argv list, not a string\n  help: write argv = [\"./x.sh\", \"--all\"]: commands never run through a shell\n\
             {path}:16:10: error: unknown parameter `within` for predicate `pods-ready`\n  help: predicate `pods-ready` takes: namespaces, selector\n\
             ms5-console validate: nothing was run: fix the error(s) above\n"
        )
    );
    // check-config checks the runbook the config file names, with its own exit code.
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("runbook = {path:?}\n")).unwrap();
    let out = run(&["check-config", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).ends_with("2 error(s)\n"),
        "{}",
        text(&out.stderr)
    );
    let out = run(&["check-config"]);
    assert!(
        text(&out.stdout).contains("  runbook ms5-phase9 (built-in): 35 criteria in 4 phases\n"),
        "{}",
        text(&out.stdout)
    );
}

/// An `http` criterion's URL through the service proxy, judged: the backend's readiness is a
/// pass while PostgreSQL is up; a service that does not exist is a failure with the API
/// server's words; a closed port is unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_criteria_reach_services_through_the_proxy_and_are_judged() {
    use ms5_console::sim::{self, SimOptions};
    use ms5_console::validation::{fetch, judge, outcome::Verdict};
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let sim = sim::start(SimOptions {
        kubeconfig_out: Some(dir.path().join("kubeconfig")),
        ..SimOptions::default()
    })
    .await
    .expect("sim starts");
    ms5_console::sim::install_crypto_provider();
    let kubeconfig = kube::config::Kubeconfig::read_from(&sim.kubeconfig).expect("kubeconfig");
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .expect("config");
    let kube =
        ms5_console::source::http::proxy_client(&config, Duration::from_secs(5)).expect("client");
    let http = reqwest::Client::new();
    let ask = |url: &'static str| {
        let (kube, http) = (kube.clone(), http.clone());
        async move {
            let answer = fetch::get(url, Some(&kube), &http, Duration::from_secs(5)).await;
            judge::http(answer, 200, None, url)
        }
    };
    let ready = ask("k8s://ms5-production/backend:8000/health/ready").await;
    assert_eq!(ready.verdict, Verdict::Pass, "{:?}", ready.evidence);
    assert!(ready.evidence.measured.contains("\"database\":\"ok\""));
    let missing = ask("k8s://ms5-production/nope:80/").await;
    assert_eq!(missing.verdict, Verdict::Fail, "{:?}", missing.evidence);
    assert!(
        missing.evidence.measured.starts_with("HTTP 404"),
        "{:?}",
        missing.evidence
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let closed = fetch::get(
        &format!("http://127.0.0.1:{port}/-/ready"),
        None,
        &http,
        Duration::from_secs(5),
    )
    .await;
    let closed = judge::http(closed, 200, None, "closed");
    assert_eq!(closed.verdict, Verdict::Unknown);
    assert!(
        closed.evidence.measured.starts_with("no answer: "),
        "{:?}",
        closed.evidence
    );
}

/// `validate` against `sim` with `args`, a config home of its own (the history lands in
/// `state`), returning the output.
fn validate(sim: &Sim, state: &Path, args: &[&str]) -> Output {
    let kubeconfig = sim.kubeconfig();
    Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .arg("validate")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(args)
        .env("XDG_CONFIG_HOME", state.join("config"))
        .env("XDG_STATE_HOME", state.join("state"))
        .env("HOME", state)
        .output()
        .unwrap()
}

/// The JSON report's results: (id, result) in the runbook's order.
fn results(json: &Value) -> Vec<(String, String)> {
    json["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or("").to_string(),
                r["result"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn ids_with(json: &Value, result: &str) -> Vec<String> {
    results(json)
        .into_iter()
        .filter(|(_, r)| r == result)
        .map(|(id, _)| id)
        .collect()
}

/// Runs `validate --format json` until its failing ids are `wanted` (a scenario's fault takes
/// a while to show), for at most `limit`; returns the last report and exit code.
fn until_failing(sim: &Sim, wanted: &[&str], limit: Duration) -> (Value, Option<i32>) {
    let state = tempfile::tempdir().unwrap();
    let start = Instant::now();
    loop {
        let out = validate(sim, state.path(), &["--format", "json"]);
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("JSON report: {e}: {}", text(&out.stderr)));
        if ids_with(&json, "fail") == wanted || start.elapsed() > limit {
            return (json, out.status.code());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

#[test]
fn healthy_passes_all_35_and_the_text_json_and_junit_reports_agree() {
    let sim = Sim::start(&[]);
    let state = tempfile::tempdir().unwrap();
    let out = validate(&sim, state.path(), &[]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "9.1 Code review checkpoint 8/8");
    assert!(
        lines[1].starts_with("  pass    9.1.1   every container in the ms5-* namespaces sets CPU and memory requests: all "),
        "{}",
        lines[1]
    );
    assert!(
        stdout.contains("  pass    9.2.5   every TLS Secret an Ingress names holds a certificate for its hosts, valid 14 more days: ms5-production/ms5-tls: 20 days left (ms5-dashboard.company.com) (expected 14+ days left)\n")
            || stdout.contains("ms5-production/ms5-tls: 21 days left"),
        "{stdout}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("ms5-phase9: 35/35 passed in ")
    );
    assert!(
        !stdout.contains('\u{1b}'),
        "no colour when not on a terminal"
    );

    let json_path = state.path().join("report.json");
    let junit_path = state.path().join("report.xml");
    let out = validate(
        &sim,
        state.path(),
        &["--format", "json", "--output", json_path.to_str().unwrap()],
    );
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "the report went to the file");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["runbook"], "ms5-phase9");
    assert_eq!(json["totals"]["passed"], 35);
    assert_eq!(results(&json).len(), 35);
    let first = &json["results"][0];
    assert_eq!(first["id"], "9.1.1");
    assert!(
        first["evidence"]["source"]
            .as_str()
            .unwrap()
            .starts_with("k8s context ms5-sim: deployments, statefulsets, daemonsets, cronjobs in ms5-production, ms5-staging, ms5-system"),
        "{first}"
    );
    // The text's lines and the JSON's results are the same criteria in the same order.
    let text_ids: Vec<&str> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("  pass    "))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let json_ids: Vec<String> = results(&json).into_iter().map(|(id, _)| id).collect();
    assert_eq!(text_ids, json_ids);

    let out = validate(
        &sim,
        state.path(),
        &[
            "--format",
            "junit",
            "--output",
            junit_path.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let xml = std::fs::read_to_string(&junit_path).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("JUnit parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("35"));
    let suites: Vec<_> = root.children().filter(|n| n.is_element()).collect();
    assert_eq!(suites.len(), 4);
    assert_eq!(suites[2].attribute("name"), Some("9.3 AKS deployment"));
    let cases = |s: &roxmltree::Node| s.children().filter(|n| n.has_tag_name("testcase")).count();
    assert_eq!(suites.iter().map(cases).sum::<usize>(), 35);
    assert_eq!(suites[2].attribute("tests"), Some("9"));
    assert_eq!(suites[2].attribute("failures"), Some("0"));

    // Each run went into the history, private to its owner.
    let history = state.path().join("state/ms5-console/validation.jsonl");
    let lines = std::fs::read_to_string(&history).unwrap();
    assert_eq!(lines.lines().count(), 3);
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&history).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn config_drift_fails_exactly_the_five_drifted_criteria_in_every_format() {
    let sim = Sim::start(&["--scenario", "config-drift"]);
    let state = tempfile::tempdir().unwrap();
    let out = validate(&sim, state.path(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        ids_with(&json, "fail"),
        ["9.1.2", "9.1.3", "9.2.5", "9.3.3", "9.3.5"]
    );
    assert_eq!(ids_with(&json, "unknown"), Vec::<String>::new());
    let drift = |id: &str| {
        json["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["evidence"]["measured"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        drift("9.1.2").ends_with(
            "ms5-production/deployment/flower container flower lacks limits.cpu, limits.memory"
        ),
        "{}",
        drift("9.1.2")
    );
    assert_eq!(
        drift("9.3.3"),
        "ms5-staging: no pod-security.kubernetes.io/enforce label"
    );
    assert!(
        drift("9.2.5").starts_with("ms5-production/ms5-tls: "),
        "{}",
        drift("9.2.5")
    );

    let out = validate(&sim, state.path(), &["--format", "junit"]);
    assert_eq!(out.status.code(), Some(1));
    let xml = text(&out.stdout);
    let doc = roxmltree::Document::parse(&xml).expect("JUnit parses as XML");
    let mut failed = Vec::new();
    for suite in doc.root_element().children().filter(|n| n.is_element()) {
        let cases: Vec<_> = suite
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .collect();
        let failures = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("failure")))
            .count();
        let errors = cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name("error")))
            .count();
        let time: f64 = cases
            .iter()
            .map(|c| c.attribute("time").unwrap().parse::<f64>().unwrap())
            .sum();
        assert_eq!(
            suite.attribute("tests"),
            Some(cases.len().to_string().as_str())
        );
        assert_eq!(
            suite.attribute("failures"),
            Some(failures.to_string().as_str())
        );
        assert_eq!(suite.attribute("errors"), Some(errors.to_string().as_str()));
        let suite_time: f64 = suite.attribute("time").unwrap().parse().unwrap();
        assert!((suite_time - time).abs() < 0.01, "{suite_time} vs {time}");
        for case in cases {
            if let Some(failure) = case.children().find(|n| n.has_tag_name("failure")) {
                failed.push(
                    case.attribute("name")
                        .unwrap()
                        .split(' ')
                        .next()
                        .unwrap()
                        .to_string(),
                );
                assert!(
                    failure
                        .text()
                        .unwrap_or("")
                        .contains("source: k8s context ms5-sim")
                );
            }
        }
    }
    assert_eq!(failed, ["9.1.2", "9.1.3", "9.2.5", "9.3.3", "9.3.5"]);

    let out = validate(&sim, state.path(), &[]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("  FAIL    9.3.5   a default-deny policy selects every ms5-production pod for Ingress and Egress: ms5-production: no policy denies all Ingress and Egress (expected a policy denying all Ingress and Egress)\n"), "{stdout}");
    assert!(stdout.ends_with(&format!("{}\n", stdout.lines().last().unwrap())));
    assert!(
        stdout
            .lines()
            .last()
            .unwrap()
            .starts_with("ms5-phase9: 30/35 passed, 5 failed in ")
    );
}

#[test]
fn backup_failing_fails_the_backup_age_and_nothing_else() {
    let sim = Sim::start(&["--scenario", "backup-failing"]);
    let (json, code) = until_failing(&sim, &["9.4.10"], Duration::from_secs(30));
    assert_eq!(code, Some(1));
    assert_eq!(ids_with(&json, "fail"), ["9.4.10"]);
    let r = &json["results"][32];
    assert_eq!(r["id"], "9.4.10");
    assert_eq!(r["evidence"]["expected"], "below 86400 (24h)");
    assert!(
        r["evidence"]["source"]
            .as_str()
            .unwrap()
            .starts_with("prometheus k8s://ms5-system/prometheus-service:9090"),
        "{r}"
    );
}

#[test]
fn slo_burn_fails_the_critical_alert_and_the_paging_burn() {
    let sim = Sim::start(&["--scenario", "slo-burn"]);
    let (json, code) = until_failing(&sim, &["9.4.6", "9.4.8"], Duration::from_secs(60));
    assert_eq!(code, Some(1));
    assert_eq!(ids_with(&json, "fail"), ["9.4.6", "9.4.8"]);
}

/// The faults that take a while: a crash loop (after its first minute) and a database node
/// under memory pressure, each failing what it breaks and nothing else.
#[test]
fn crashloop_and_node_pressure_fail_what_they_break() {
    let crash = std::thread::spawn(|| {
        let sim = Sim::start(&["--scenario", "crashloop"]);
        until_failing(
            &sim,
            &["9.4.1", "9.4.2", "9.4.3", "9.4.5"],
            Duration::from_secs(150),
        )
    });
    let pressure = std::thread::spawn(|| {
        let sim = Sim::start(&["--scenario", "node-pressure"]);
        until_failing(
            &sim,
            &["9.2.6", "9.4.1", "9.4.2", "9.4.4", "9.4.6"],
            Duration::from_secs(150),
        )
    });
    let (json, code) = crash.join().unwrap();
    assert_eq!(
        ids_with(&json, "fail"),
        ["9.4.1", "9.4.2", "9.4.3", "9.4.5"],
        "{json}"
    );
    assert_eq!(code, Some(1));
    let (json, code) = pressure.join().unwrap();
    assert_eq!(
        ids_with(&json, "fail"),
        ["9.2.6", "9.4.1", "9.4.2", "9.4.4", "9.4.6"],
        "{json}"
    );
    assert_eq!(code, Some(1));
}

/// The built-in runbook only reads: a viewer passes everything on-call does; a user who may not
/// read `ms5-system` gets unknowns there, never passes and never failures.
#[test]
fn what_a_user_may_not_read_is_unknown_and_the_viewer_passes_everything() {
    let sim = Sim::start(&[]);
    let state = tempfile::tempdir().unwrap();
    let out = validate(
        &sim,
        state.path(),
        &["--context", "ms5-sim-viewer", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = validate(
        &sim,
        state.path(),
        &["--context", "ms5-sim-restricted", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids_with(&json, "fail"), Vec::<String>::new());
    let unknown = ids_with(&json, "unknown");
    assert!(unknown.contains(&"9.3.8".to_string()), "{unknown:?}");
    for r in json["results"].as_array().unwrap() {
        if r["result"] == "unknown" {
            let measured = r["evidence"]["measured"].as_str().unwrap();
            assert!(measured.contains("forbidden"), "{r}");
        }
    }
    assert!(
        text(&out.stderr).contains("nothing failed, but"),
        "{}",
        text(&out.stderr)
    );
}

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

/// `command` criteria from a user's runbook: exit 0 passes, exit 1 fails with its output, a
/// hang is killed at its timeout and unknown, a missing program is unknown, a flood keeps only
/// its tail; argv reaches the program exactly as written.
#[test]
fn command_criteria_pass_fail_time_out_go_missing_flood_and_keep_their_argv() {
    let sim = Sim::start(&[]);
    let state = tempfile::tempdir().unwrap();
    let runbook = state.path().join("commands.toml");
    std::fs::write(
        &runbook,
        r#"name = "commands"
[[phase]]
id = "1"
title = "commands"

[[phase.criterion]]
id = "1.1"
title = "argv as written"
kind = "command"
argv = ["printf", "[%s]\n", "a b", "c;d", "$HOME"]

[[phase.criterion]]
id = "1.2"
title = "fails"
kind = "command"
argv = ["sh", "-c", "echo the check said no; exit 1"]

[[phase.criterion]]
id = "1.3"
title = "hangs"
kind = "command"
timeout = "1s"
argv = ["sleep", "30"]

[[phase.criterion]]
id = "1.4"
title = "missing"
kind = "command"
argv = ["/nonexistent/phase9-check.sh"]

[[phase.criterion]]
id = "1.5"
title = "floods"
kind = "command"
argv = ["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo the end"]
"#,
    )
    .unwrap();
    let started = Instant::now();
    let out = validate(
        &sim,
        state.path(),
        &["--runbook", runbook.to_str().unwrap(), "--format", "json"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the hang was killed at 1 s"
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        results(&json),
        [
            ("1.1".to_string(), "pass".to_string()),
            ("1.2".into(), "fail".into()),
            ("1.3".into(), "unknown".into()),
            ("1.4".into(), "unknown".into()),
            ("1.5".into(), "pass".into()),
        ]
    );
    let evidence = |i: usize| json["results"][i]["evidence"].clone();
    let details = |i: usize| evidence(i)["details"].to_string();
    assert!(
        details(0).contains("[a b]")
            && details(0).contains("[c;d]")
            && details(0).contains("[$HOME]"),
        "{}",
        details(0)
    );
    assert!(details(1).contains("the check said no"), "{}", details(1));
    assert!(
        evidence(2)["measured"].as_str().unwrap().contains("1s"),
        "{}",
        evidence(2)
    );
    assert!(
        evidence(3)["measured"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/phase9-check.sh"),
        "{}",
        evidence(3)
    );
    assert!(
        evidence(4).to_string().contains("output truncated"),
        "{}",
        evidence(4)
    );
    assert!(details(4).contains("the end"), "{}", details(4));
    assert!(json.to_string().len() < 200_000, "the flood's tail only");
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
