//! The runbook listed and narrowed without running, a broken one refused, and `http`
//! criteria asked through the service proxy.

use crate::{run, text};

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
