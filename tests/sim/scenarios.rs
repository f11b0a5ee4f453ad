//! Each scenario's symptom is visible through the Kubernetes API, to real kubectl, within the
//! time its row of the scenario table promises, at the default speed.

use crate::common;

use std::time::{Duration, Instant};

use common::{Kubectl, Sim, require};

/// Polls `check` (which reads the cluster through kubectl) until it returns Some, or fails
/// after `within`.
fn within<T>(
    what: &str,
    within: Duration,
    k: &Kubectl,
    mut check: impl FnMut(&Kubectl) -> Option<T>,
) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(found) = check(k) {
            return found;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not seen within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn events(k: &Kubectl, args: &[&str]) -> String {
    let mut all = vec![
        "get",
        "events",
        "-o",
        "custom-columns=REASON:.reason,OBJECT:.involvedObject.name,COUNT:.count,MESSAGE:.message",
    ];
    all.extend_from_slice(args);
    k.ok(&all)
}

#[test]
fn healthy_is_quiet_and_available() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "healthy"]);
    let k = sim.kubectl();
    let unavailable = |k: &Kubectl| -> Vec<String> {
        let deploy = k.ok(&[
            "get",
            "deploy",
            "-A",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.status.readyReplicas}/{.spec.replicas}{\"\\n\"}{end}",
        ]);
        deploy
            .lines()
            .filter(|l| {
                let counts = l.split_whitespace().nth(1).unwrap_or_default();
                counts.split_once('/').is_none_or(|(a, b)| a != b)
            })
            .map(String::from)
            .collect()
    };
    let warnings = |k: &Kubectl| {
        k.ok(&[
            "get",
            "events",
            "-A",
            "--field-selector",
            "type=Warning",
            "-o",
            "name",
        ])
    };
    let count = k
        .ok(&["get", "deploy", "-A", "--no-headers"])
        .lines()
        .count();
    assert!(count >= 10, "the world's deployments: {count}");
    within(
        "every deployment available",
        Duration::from_secs(10),
        &k,
        |k| unavailable(k).is_empty().then_some(()),
    );
    // And it stays so, with no warning, for longer than any scenario takes to act (the other
    // scenarios change the cluster 3 to 10 s after the start).
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        let down = unavailable(&k);
        assert!(
            down.is_empty(),
            "unavailable in a healthy cluster: {down:?}"
        );
        let warned = warnings(&k);
        assert!(
            warned.trim().is_empty(),
            "no warnings in a healthy cluster: {warned}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[test]
fn bad_rollout_stalls_past_its_progress_deadline() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "bad-rollout"]);
    let k = sim.kubectl();
    within(
        "ProgressDeadlineExceeded",
        Duration::from_secs(90),
        &k,
        |k| {
            let reason = k.ok(&[
                "get",
                "deploy",
                "backend",
                "-o",
                "jsonpath={.status.conditions[?(@.type==\"Progressing\")].reason}",
            ]);
            (reason == "ProgressDeadlineExceeded").then_some(())
        },
    );
    let status = k.run(&["rollout", "status", "deploy/backend", "--timeout=5s"]);
    assert!(!status.status.success());
    assert!(String::from_utf8_lossy(&status.stderr).contains("exceeded its progress deadline"));
    let new_pods = k.ok(&["get", "pods", "-l", "app=backend", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image} {.status.containerStatuses[0].ready}{\"\\n\"}{end}"]);
    assert!(
        new_pods.lines().any(|l| l.ends_with(":1.9.1 false")),
        "the new revision's pods never get ready:\n{new_pods}"
    );
    assert!(
        events(&k, &["--field-selector", "reason=Unhealthy"]).contains("Readiness probe failed")
    );
}

#[test]
fn crashloop_backs_off_with_growing_restarts() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "crashloop"]);
    let k = sim.kubectl();
    let pod = within("CrashLoopBackOff", Duration::from_secs(60), &k, |k| {
        let out = k.ok(&["get", "pods", "-l", "app=backend", "--no-headers"]);
        out.lines()
            .find(|l| l.contains("CrashLoopBackOff"))
            .map(|l| l.split_whitespace().next().unwrap_or_default().to_string())
    });
    let restarts = |k: &Kubectl| {
        k.ok(&[
            "get",
            "pod",
            &pod,
            "-o",
            "jsonpath={.status.containerStatuses[0].restartCount}",
        ])
        .parse::<i64>()
        .unwrap_or(0)
    };
    let first = restarts(&k);
    within("restarts growing", Duration::from_secs(50), &k, |k| {
        (restarts(k) > first).then_some(())
    });
    let backoff = events(
        &k,
        &[
            "--field-selector",
            &format!("reason=BackOff,involvedObject.name={pod}"),
        ],
    );
    assert!(
        backoff.contains("Back-off restarting failed container backend"),
        "{backoff}"
    );
    let last = k.ok(&[
        "get",
        "pod",
        &pod,
        "-o",
        "jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}",
    ]);
    assert_eq!(last, "1");
    // The log of the run that crashed ends with what killed it, with --previous and, while the
    // container waits to restart, without (the kubelet serves the newest container's log).
    let ends_with_the_error = |log: &str| {
        log.lines().last().is_some_and(|l| {
            l.contains("Application startup failed") && l.ends_with("exiting with code 1")
        })
    };
    let previous = k.ok(&["logs", &pod, "--previous"]);
    assert!(ends_with_the_error(&previous), "{previous}");
    within(
        "logs while in CrashLoopBackOff",
        Duration::from_secs(60),
        &k,
        |k| {
            let waiting = k.ok(&[
                "get",
                "pod",
                &pod,
                "-o",
                "jsonpath={.status.containerStatuses[0].state.waiting.reason}",
            ]);
            if waiting != "CrashLoopBackOff" {
                return None;
            }
            let out = k.run(&["logs", &pod]);
            let log = String::from_utf8_lossy(&out.stdout).into_owned();
            (out.status.success() && ends_with_the_error(&log)).then_some(())
        },
    );
}

#[test]
fn probe_failure_flips_readiness() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "probe-failure"]);
    let k = sim.kubectl();
    let ready_of = |k: &Kubectl, pod: &str| {
        k.ok(&[
            "get",
            "pod",
            pod,
            "-o",
            "jsonpath={.status.containerStatuses[0].ready}",
        ])
    };
    // The pod that went unready, by name...
    let pod = within(
        "a backend pod not ready",
        Duration::from_secs(60),
        &k,
        |k| {
            let pods = k.ok(&[
                "get",
                "pods",
                "-l",
                "app=backend",
                "-o",
                "jsonpath={range .items[*]}{.metadata.name} {.status.containerStatuses[0].ready}{\"\\n\"}{end}",
            ]);
            pods.lines()
                .find(|l| l.ends_with(" false"))
                .and_then(|l| l.split_whitespace().next())
                .map(String::from)
        },
    );
    // ...is the one that becomes ready again, with its failed probe recorded.
    within(
        "that same pod ready again",
        Duration::from_secs(60),
        &k,
        |k| (ready_of(k, &pod) == "true").then_some(()),
    );
    let unhealthy = events(
        &k,
        &[
            "--field-selector",
            &format!("reason=Unhealthy,involvedObject.name={pod}"),
        ],
    );
    assert!(unhealthy.contains("Readiness probe failed"), "{unhealthy}");
}

#[test]
fn backup_failing_shows_the_failed_job_and_old_success() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "backup-failing"]);
    let k = sim.kubectl();
    let jobs = k.ok(&["get", "jobs", "--no-headers"]);
    let newest = jobs
        .lines()
        .filter(|l| l.starts_with("postgres-backup-"))
        .max()
        .unwrap_or_default();
    assert!(newest.contains("Failed"), "{jobs}");
    // The last success is the run before the failed one: the CronJob, that Job and the
    // exporter's gauge say the same second; the alert fires on the row's service.
    let completed = success_before_the_newest(&k, "postgres-backup", &jobs);
    let age = chrono::Utc::now() - seconds(&completed);
    assert!(age.num_hours() >= 24, "over a day old: {completed}");
    let gauge = prometheus(&k, "ms5_backup_last_success_timestamp_seconds");
    assert_eq!(gauge, seconds(&completed).timestamp() as f64, "{completed}");
    let firing = firing_alerts(&k);
    assert!(
        firing.contains(&"MS5BackupFailed".to_string()),
        "{firing:?}"
    );
    // Active since the failure, as a Prometheus running all along would have it: not since
    // whenever the sim was first asked (the look-back used to clip it to the last 35 minutes).
    let failed_at = k.ok(&[
        "get",
        "job",
        newest.split_whitespace().next().unwrap_or_default(),
        "-o",
        "jsonpath={.status.conditions[?(@.type==\"Failed\")].lastTransitionTime}",
    ]);
    let path = "/api/v1/namespaces/ms5-system/services/prometheus-service:9090/proxy/api/v1/alerts";
    let answer: serde_json::Value =
        serde_json::from_str(&k.ok(&["get", "--raw", path])).expect("a Prometheus answer");
    let active_at = answer["data"]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["labels"]["alertname"] == "MS5BackupFailed")
        .and_then(|a| a["activeAt"].as_str())
        .map(seconds)
        .expect("MS5BackupFailed's activeAt");
    let after = (active_at - seconds(failed_at.trim())).num_seconds();
    assert!(
        (0..=60).contains(&after),
        "active {after} s after the failure at {failed_at}"
    );
    // Its log ends in the failure's reason, after the base backup itself completed; a good
    // run's ends in the upload; a restore test's in its verdict.
    let pod_of = |job: &str| {
        k.ok(&[
            "get",
            "pods",
            "-l",
            &format!("job-name={job}"),
            "-o",
            "name",
        ])
        .trim()
        .to_string()
    };
    let failed = pod_of(newest.split_whitespace().next().unwrap_or_default());
    let log = k.ok(&["logs", &failed]);
    // The base backup completed once; its upload was under way when the bucket failed it.
    let tail: Vec<&str> = log.lines().rev().take(2).collect();
    assert_eq!(
        tail[0],
        "pg_basebackup: error: upload to minio://ms5-backups failed: 503 Service Unavailable; exit code 1",
        "{log}"
    );
    assert!(
        tail[1].starts_with("pg_basebackup: uploading to minio://ms5-backups: "),
        "{log}"
    );
    assert_eq!(
        log.matches("pg_basebackup: base backup completed").count(),
        1,
        "{log}"
    );
    let good = jobs
        .lines()
        .filter(|l| l.starts_with("postgres-backup-") && l.contains("Complete"))
        .max()
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_default();
    let log = k.ok(&["logs", &pod_of(good)]);
    assert_eq!(
        log.lines().last(),
        Some("pg_basebackup: upload to minio://ms5-backups complete"),
        "{log}"
    );
    let restore = jobs
        .lines()
        .filter(|l| l.starts_with("postgres-restore-test-"))
        .max()
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_default();
    let log = k.ok(&["logs", &pod_of(restore)]);
    let verdict = log.lines().last().unwrap_or_default();
    assert!(
        verdict.starts_with("restore-test: PASS restored in ")
            && verdict.ends_with(" s, 214 tables, row counts match"),
        "{log}"
    );
}

#[test]
fn node_pressure_taints_evicts_and_leaves_a_pod_pending() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "node-pressure"]);
    let k = sim.kubectl();
    let node = "aks-db-27183645-vmss000000";
    within(
        "MemoryPressure with a taint",
        Duration::from_secs(60),
        &k,
        |k| {
            let pressure = k.ok(&["get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"MemoryPressure\")].status} {.spec.taints[*].key}"]);
            (pressure.starts_with("True")
                && pressure.contains("node.kubernetes.io/memory-pressure"))
            .then_some(())
        },
    );
    within(
        "an eviction and a pod that cannot be placed",
        Duration::from_secs(60),
        &k,
        |k| {
            let evicted = events(k, &["--field-selector", "reason=Evicted"]);
            let failed = events(k, &["--field-selector", "reason=FailedScheduling"]);
            let pending = k.ok(&[
                "get",
                "pods",
                "--field-selector",
                "status.phase=Pending",
                "-o",
                "name",
            ]);
            (evicted.contains("The node was low on resource: memory")
                && failed.contains("untolerated taint {node.kubernetes.io/memory-pressure: }")
                && pending.contains("pod/postgres-0"))
            .then_some(())
        },
    );
}

/// A Prometheus instant query through the API server's service proxy, as the console asks.
fn burn(k: &Kubectl, window: &str) -> f64 {
    prometheus(
        k,
        &format!("slo:sli_error:ratio_rate{window}{{slo=\"backend-availability\"}}/0.001"),
    )
}

/// The first value of an instant query to the sim's Prometheus, through the API server's
/// service proxy (0 when there is none).
fn prometheus(k: &Kubectl, query: &str) -> f64 {
    let path = format!(
        "/api/v1/namespaces/ms5-system/services/prometheus-service:9090/proxy/api/v1/query?query={}",
        form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    );
    let answer: serde_json::Value =
        serde_json::from_str(&k.ok(&["get", "--raw", &path])).expect("a Prometheus answer");
    answer["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// The names of the alerts Prometheus has firing.
fn firing_alerts(k: &Kubectl) -> Vec<String> {
    let path = "/api/v1/namespaces/ms5-system/services/prometheus-service:9090/proxy/api/v1/alerts";
    let answer: serde_json::Value =
        serde_json::from_str(&k.ok(&["get", "--raw", path])).expect("a Prometheus answer");
    answer["data"]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["state"] == "firing")
        .filter_map(|a| a["labels"]["alertname"].as_str().map(String::from))
        .collect()
}

/// The completion time of the run before `cronjob`'s newest (failed) one in `jobs` (`kubectl
/// get jobs --no-headers`), asserted to be the CronJob's `lastSuccessfulTime`.
fn success_before_the_newest(k: &Kubectl, cronjob: &str, jobs: &str) -> String {
    let prefix = format!("{cronjob}-");
    let runs: Vec<&str> = jobs.lines().filter(|l| l.starts_with(&prefix)).collect();
    let newest = runs.iter().max().copied().unwrap_or_default();
    let previous = runs
        .iter()
        .filter(|l| **l < newest)
        .max()
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_default();
    let completed = k.ok(&[
        "get",
        "job",
        previous,
        "-o",
        "jsonpath={.status.completionTime}",
    ]);
    let last = k.ok(&[
        "get",
        "cj",
        cronjob,
        "-o",
        "jsonpath={.status.lastSuccessfulTime}",
    ]);
    assert_eq!(
        last, completed,
        "lastSuccessfulTime is {previous}'s completion"
    );
    completed
}

fn seconds(rfc3339: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|e| panic!("{rfc3339:?}: {e}"))
}

#[test]
fn restore_failing_fails_the_newest_weekly_test_and_the_last_success_is_a_week_older() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "restore-failing"]);
    let k = sim.kubectl();
    let jobs = k.ok(&["get", "jobs", "--no-headers"]);
    let restores: Vec<&str> = jobs
        .lines()
        .filter(|l| l.starts_with("postgres-restore-test-"))
        .collect();
    let newest = restores.iter().max().copied().unwrap_or_default();
    assert!(newest.contains("Failed"), "{jobs}");
    let completed = success_before_the_newest(&k, "postgres-restore-test", &jobs);
    assert!(
        chrono::Utc::now() - seconds(&completed) > chrono::Duration::days(7),
        "the last success is more than a week old: {completed}"
    );
    let gauge = prometheus(&k, "ms5_restore_test_last_success_timestamp_seconds");
    assert_eq!(gauge, seconds(&completed).timestamp() as f64);
    assert_eq!(prometheus(&k, "ms5_restore_test_last_result"), 0.0);
    let firing = firing_alerts(&k);
    assert!(
        firing.contains(&"MS5RestoreTestFailed".to_string()),
        "{firing:?}"
    );
    // A restore test started by hand fails the same way: tests/backup_drills.rs starts one as
    // the console does (the Job kubectl create job --from makes) and follows it to FAIL.
}

#[test]
fn bad_release_comes_ready_and_burns_the_backend_budget() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "bad-release"]);
    let k = sim.kubectl();
    within(
        "the rollout of 1.9.2 completes",
        Duration::from_secs(90),
        &k,
        |k| {
            let status = k.run(&["rollout", "status", "deploy/backend", "--timeout=1s"]);
            let image = k.ok(&[
                "get",
                "deploy/backend",
                "-o",
                "jsonpath={.spec.template.spec.containers[0].image}",
            ]);
            (status.status.success() && image.ends_with(":1.9.2")).then_some(())
        },
    );
    // Soon after completion the page condition holds: 5m and 1h both over 14.4x. At 40 % of
    // requests failing against a 99.9 % objective the 1h window needs 2.16 minutes of them
    // (0.4 x t / 60 min > 14.4 x 0.001); the rollout's own minutes count in part.
    let (m5, h1) = within(
        "5m and 1h burn over 14.4x",
        Duration::from_secs(180),
        &k,
        |k| {
            let (m5, h1) = (burn(k, "5m"), burn(k, "1h"));
            (m5 > 14.4 && h1 > 14.4).then_some((m5, h1))
        },
    );
    assert!(m5 > h1, "the short window leads: {m5} vs {h1}");
    // The undo and the burn falling back after it: tests/console/e2e.rs (from the console's
    // guard) and tests/prometheus/conformance.rs (against a real Prometheus).
}

#[test]
fn config_drift_leaves_the_baseline_at_start() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "config-drift"]);
    let k = sim.kubectl();
    let staging = k.ok(&[
        "get",
        "namespace",
        "ms5-staging",
        "-o",
        "jsonpath={.metadata.labels}",
    ]);
    assert!(!staging.contains("pod-security"), "{staging}");
    let production = k.ok(&[
        "get",
        "namespace",
        "ms5-production",
        "-o",
        "jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}",
    ]);
    assert_eq!(production, "restricted");
    let policies = k.ok(&["get", "networkpolicies", "-o", "name"]);
    assert!(!policies.contains("default-deny-all"), "{policies}");
    assert!(policies.contains("allow-backend-ingress"), "{policies}");
    let flower = k.ok(&[
        "get",
        "deploy/flower",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].resources.limits}|{.spec.template.spec.containers[0].readinessProbe}|{.spec.template.spec.containers[0].livenessProbe.httpGet.path}",
    ]);
    let parts: Vec<&str> = flower.split('|').collect();
    assert_eq!(
        &parts[..2],
        ["", ""],
        "no limits, no readiness probe: {flower}"
    );
    assert!(!parts[2].is_empty(), "the liveness probe stays: {flower}");
    let (_, left) = common::tls_certificate(&k, "ms5-production", "ms5-tls");
    assert!((4 * 86_400..=5 * 86_400).contains(&left), "{left} s left");
    // The sim's alert says so, severity high, through the service proxy to Alertmanager.
    within(
        "the certificate alert fires",
        Duration::from_secs(60),
        &k,
        |k| {
            let alerts = k.ok(&[
                "get",
                "--raw",
                "/api/v1/namespaces/ms5-system/services/alertmanager-service:9093/proxy/api/v2/alerts",
            ]);
            let alerts: serde_json::Value = serde_json::from_str(&alerts).ok()?;
            alerts
                .as_array()?
                .iter()
                .any(|a| {
                    a["labels"]["alertname"] == "MS5CertificateExpiresThisWeek"
                        && a["labels"]["severity"] == "high"
                })
                .then_some(())
        },
    );
}
