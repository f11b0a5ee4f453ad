//! `validate` against each of the sim's scenarios and users: what fails, in every format.

use std::time::Duration;

use serde_json::Value;

use crate::common::Sim;
use crate::{ids_with, results, text, until_failing, validate};

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
fn backup_failing_fails_the_backup_age_and_the_wal_lag_and_nothing_else() {
    let sim = Sim::start(&["--scenario", "backup-failing"]);
    let (json, code) = until_failing(&sim, &["9.4.10", "9.4.11"], Duration::from_secs(30));
    assert_eq!(code, Some(1));
    assert_eq!(ids_with(&json, "fail"), ["9.4.10", "9.4.11"]);
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
fn restore_failing_fails_the_weekly_restore_test_and_nothing_else() {
    let sim = Sim::start(&["--scenario", "restore-failing"]);
    let (json, code) = until_failing(&sim, &["9.4.12"], Duration::from_secs(30));
    assert_eq!(code, Some(1));
    assert_eq!(ids_with(&json, "fail"), ["9.4.12"]);
    let r = &json["results"][34];
    assert_eq!(r["id"], "9.4.12");
    let measured = r["evidence"]["measured"].as_str().unwrap_or_default();
    assert!(
        measured.contains("postgres-restore-test"),
        "the Job that last succeeded is named: {r}"
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
