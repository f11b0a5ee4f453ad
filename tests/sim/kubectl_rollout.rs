//! The simulated cluster moves as a real one does under real kubectl: rollouts restart, report
//! status, keep history, undo and pause; scaling adds and removes pods; watches see pods come
//! and go; a Job made from a CronJob runs to completion with its logs; events are listed.

use crate::common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Kubectl, Sim, require};

fn wait_until(what: &str, within: Duration, k: &Kubectl, check: impl Fn(&Kubectl) -> bool) {
    let deadline = Instant::now() + within;
    while !check(k) {
        assert!(Instant::now() < deadline, "{what}: not within {within:?}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn replica_sets(k: &Kubectl, app: &str) -> usize {
    k.ok(&["get", "rs", "-l", &format!("app={app}"), "-o", "name"])
        .lines()
        .count()
}

#[test]
fn restart_status_history_and_undo() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--speed", "4"]);
    let k = sim.kubectl();
    k.ok(&["rollout", "restart", "deploy/backend"]);
    let status = k.ok(&["rollout", "status", "deploy/backend", "--timeout=60s"]);
    assert!(
        status.contains("out of 3 new replicas have been updated"),
        "{status}"
    );
    assert!(
        status
            .trim_end()
            .ends_with("deployment \"backend\" successfully rolled out"),
        "{status}"
    );
    let history = k.ok(&["rollout", "history", "deploy/backend"]);
    let revisions: Vec<&str> = history
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|r| r.parse::<u32>().is_ok())
        .collect();
    assert_eq!(revisions, ["1", "2", "3", "4"], "{history}");

    // The sim's clock follows the wall between its timers: a pod the undo creates is not
    // dated before the undo was sent (issue 30, 9), however long the sim sat idle.
    std::thread::sleep(Duration::from_millis(2500));
    let sent = chrono::Utc::now().timestamp();
    k.ok(&["rollout", "undo", "deploy/backend", "--to-revision=2"]);
    k.ok(&["rollout", "status", "deploy/backend", "--timeout=60s"]);
    let image = k.ok(&[
        "get",
        "deploy",
        "backend",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "ms5acr.azurecr.io/ms5-backend:1.8.3");
    // Old pods may still be Terminating when rollout status returns, as on a real cluster.
    wait_until(
        "only 1.8.3 backend pods",
        Duration::from_secs(20),
        &k,
        |k| {
            let pods = k.ok(&[
                "get",
                "pods",
                "-l",
                "app=backend",
                "-o",
                "jsonpath={.items[*].spec.containers[0].image}",
            ]);
            pods.split_whitespace().all(|i| i.ends_with(":1.8.3"))
                && pods.split_whitespace().count() == 3
        },
    );
    let created = k.ok(&[
        "get",
        "pods",
        "-l",
        "app=backend",
        "-o",
        "jsonpath={.items[*].metadata.creationTimestamp}",
    ]);
    for at in created.split_whitespace() {
        let at = chrono::DateTime::parse_from_rfc3339(at).expect("a time");
        assert!(
            at.timestamp() >= sent,
            "a pod the undo made is dated {at}, before the undo was sent ({sent})"
        );
    }
    // The ReplicaSet that came back is now the newest revision.
    let history = k.ok(&["rollout", "history", "deploy/backend"]);
    assert!(
        history.lines().any(|l| l.trim_start().starts_with('5')),
        "{history}"
    );
    // ...and remembers the revision it had in its revision-history annotation.
    let annotations = k.ok(&[
        "get",
        "rs",
        "-l",
        "app=backend",
        "-o",
        r"jsonpath={range .items[*]}{.metadata.annotations.deployment\.kubernetes\.io/revision}:{.metadata.annotations.deployment\.kubernetes\.io/revision-history} {end}",
    ]);
    assert!(
        annotations.split_whitespace().any(|a| a == "5:2"),
        "{annotations}"
    );
    k.ok(&["rollout", "undo", "deploy/backend"]);
    k.ok(&["rollout", "status", "deploy/backend", "--timeout=60s"]);
}

#[test]
fn paused_rollouts_wait_for_resume() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--speed", "4"]);
    let k = sim.kubectl();
    let before = replica_sets(&k, "frontend");
    k.ok(&["rollout", "pause", "deploy/frontend"]);
    k.ok(&[
        "set",
        "image",
        "deploy/frontend",
        "frontend=ms5acr.azurecr.io/ms5-frontend:1.9.1",
    ]);
    // The controller has seen the new template (observedGeneration caught up) and says paused...
    wait_until(
        "the paused spec observed",
        Duration::from_secs(20),
        &k,
        |k| {
            let seen = k.ok(&[
            "get",
            "deploy",
            "frontend",
            "-o",
            "jsonpath={.metadata.generation} {.status.observedGeneration} {.status.conditions[?(@.type==\"Progressing\")].reason}",
        ]);
            let parts: Vec<&str> = seen.split_whitespace().collect();
            parts.len() == 3 && parts[0] == parts[1] && parts[2] == "DeploymentPaused"
        },
    );
    // ...and makes no new ReplicaSet for a while longer than an unpaused rollout takes to
    // (an unpaused controller acts on a template change at once).
    let until = Instant::now() + Duration::from_secs(4);
    while Instant::now() < until {
        assert_eq!(
            replica_sets(&k, "frontend"),
            before,
            "no new ReplicaSet while paused"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    k.ok(&["rollout", "resume", "deploy/frontend"]);
    k.ok(&["rollout", "status", "deploy/frontend", "--timeout=60s"]);
    assert_eq!(replica_sets(&k, "frontend"), before + 1);
}

#[test]
fn scale_up_and_down_and_watch_pods() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--speed", "4"]);
    let k = sim.kubectl();
    let names = |k: &Kubectl| -> Vec<String> {
        k.ok(&["get", "pods", "-l", "app=frontend", "-o", "name"])
            .lines()
            .map(|l| l.trim_start_matches("pod/").to_string())
            .collect()
    };
    let before = names(&k);
    assert!(!before.is_empty());
    let mut watch = k
        .command(&[
            "get",
            "pods",
            "-l",
            "app=frontend",
            "-w",
            "--output-watch-events",
            "--request-timeout=60s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Lines as they come, so the test can wait for the watch to have started.
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let reader = {
        let lines = lines.clone();
        let stdout = watch.stdout.take().unwrap();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                lines.lock().unwrap().push(line);
            }
        })
    };
    let seen = |name: &str, event: &str| {
        lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.starts_with(event) && l.split_whitespace().nth(1) == Some(name))
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !before.iter().all(|n| seen(n, "ADDED")) {
        assert!(Instant::now() < deadline, "the watch did not list the pods");
        std::thread::sleep(Duration::from_millis(100));
    }
    k.ok(&["scale", "deploy/frontend", "--replicas=4"]);
    k.ok(&["rollout", "status", "deploy/frontend", "--timeout=60s"]);
    let added: Vec<String> = names(&k)
        .into_iter()
        .filter(|n| !before.contains(n))
        .collect();
    assert_eq!(added.len(), 4 - before.len(), "{added:?}");
    let ready = |k: &Kubectl| {
        k.ok(&[
            "get",
            "deploy",
            "frontend",
            "-o",
            "jsonpath={.status.readyReplicas}",
        ])
    };
    assert_eq!(ready(&k), "4");
    k.ok(&["scale", "deploy/frontend", "--replicas=1"]);
    wait_until("one frontend pod left", Duration::from_secs(30), &k, |k| {
        k.ok(&["get", "pods", "-l", "app=frontend", "-o", "name"])
            .lines()
            .count()
            == 1
            && ready(k) == "1"
    });
    let _ = watch.kill();
    let _ = watch.wait();
    let _ = reader.join();
    let out = lines.lock().unwrap().join("\n");
    // The new pods were announced as ADDED (not only the ones that existed when it began)...
    for name in &added {
        assert!(
            seen(name, "ADDED"),
            "no ADDED for the new pod {name}:\n{out}"
        );
        assert!(seen(name, "MODIFIED"), "no MODIFIED for {name}:\n{out}");
    }
    // ...and the scale-down's victims as DELETED.
    let left = names(&k);
    let deleted: Vec<&String> = before
        .iter()
        .chain(&added)
        .filter(|n| !left.contains(n))
        .collect();
    assert_eq!(deleted.len(), 3, "{deleted:?}");
    for name in deleted {
        assert!(seen(name, "DELETED"), "no DELETED for {name}:\n{out}");
    }
    let events = k.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=frontend",
    ]);
    assert!(
        events.contains("ScalingReplicaSet") && events.contains("Scaled up replica set frontend-"),
        "{events}"
    );
}

#[test]
fn job_from_cronjob_runs_to_completion_with_logs() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--speed", "2"]);
    let k = sim.kubectl();
    assert_eq!(
        k.ok(&[
            "create",
            "job",
            "drill-now",
            "--from=cronjob/postgres-backup"
        ])
        .trim(),
        "job.batch/drill-now created"
    );
    wait_until("the job's pod running", Duration::from_secs(30), &k, |k| {
        k.ok(&[
            "get",
            "pods",
            "-l",
            "job-name=drill-now",
            "-o",
            "jsonpath={.items[0].status.phase}",
        ]) == "Running"
    });
    let pod = k.ok(&[
        "get",
        "pods",
        "-l",
        "job-name=drill-now",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    // The API generated the Job's selector from its uid and labelled its template to match,
    // as kube-apiserver does, so `kubectl logs job/NAME` finds the Job's own pod.
    let spec = k.ok(&[
        "get",
        "job",
        "drill-now",
        "-o",
        "jsonpath={.metadata.uid} {.spec.selector.matchLabels.batch\\.kubernetes\\.io/controller-uid} {.spec.template.metadata.labels.controller-uid} {.spec.template.metadata.labels.job-name}",
    ]);
    let parts: Vec<&str> = spec.split_whitespace().collect();
    assert_eq!(parts.len(), 4, "{spec}");
    assert!(
        parts[0].len() == 36
            && parts[1] == parts[0]
            && parts[2] == parts[0]
            && parts[3] == "drill-now",
        "{spec}"
    );
    let logs = k
        .command(&["logs", "-f", "job/drill-now"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let waited = k.ok(&[
        "wait",
        "--for=condition=complete",
        "job/drill-now",
        "--timeout=60s",
    ]);
    assert!(waited.contains("condition met"), "{waited}");
    // The log stream ends by itself once the container has finished.
    let mut logs = logs;
    let deadline = Instant::now() + Duration::from_secs(15);
    while logs.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = logs.kill();
            panic!("kubectl logs -f did not end when the job's container finished");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = logs.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines().any(|l| l.starts_with("pg_basebackup:")),
        "{text}"
    );
    // Its own log, to its end: the backup's progress, then its upload (a finished run's
    // last words), and nothing of another pod's.
    assert!(!text.contains("heartbeat"), "another pod's log: {text}");
    assert_eq!(
        text.lines().last(),
        Some("pg_basebackup: upload to minio://ms5-backups complete"),
        "{text}"
    );
    let job = k.ok(&["get", "job", "drill-now", "--no-headers"]);
    assert!(job.contains("Complete") && job.contains("1/1"), "{job}");
    // Times are ordered: a Job starts after it is created and completes after it starts.
    let times = k.ok(&[
        "get",
        "job",
        "drill-now",
        "-o",
        "jsonpath={.metadata.creationTimestamp} {.status.startTime} {.status.completionTime}",
    ]);
    let times: Vec<chrono::DateTime<chrono::Utc>> = times
        .split_whitespace()
        .map(|t| t.parse().expect("an RFC 3339 time"))
        .collect();
    assert_eq!(times.len(), 3);
    assert!(times[0] <= times[1] && times[1] <= times[2], "{times:?}");
    let events = k.ok(&[
        "get",
        "events",
        "--field-selector",
        "involvedObject.name=drill-now",
    ]);
    assert!(
        events.contains("SuccessfulCreate") && events.contains("Completed"),
        "{events}"
    );
    let pod_events = k.ok(&[
        "get",
        "events",
        "--field-selector",
        &format!("involvedObject.name={pod}"),
    ]);
    for reason in ["Scheduled", "Pulling", "Pulled", "Created", "Started"] {
        assert!(
            pod_events.contains(reason),
            "{reason} missing:\n{pod_events}"
        );
    }
}

#[test]
fn statefulset_rolls_to_a_new_revision() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--speed", "4"]);
    let k = sim.kubectl();
    k.ok(&["set", "image", "sts/redis", "redis=redis:7.4.1-alpine"]);
    let status = k.ok(&["rollout", "status", "sts/redis", "--timeout=60s"]);
    assert!(
        status.contains("roll out complete: 1 new pods have been updated"),
        "{status}"
    );
    let image = k.ok(&[
        "get",
        "pod",
        "redis-0",
        "-o",
        "jsonpath={.spec.containers[0].image} {.status.containerStatuses[0].ready}",
    ]);
    assert_eq!(image, "redis:7.4.1-alpine true");
    let history = k.ok(&["rollout", "history", "sts/redis"]);
    assert!(
        history.lines().any(|l| l.trim_start().starts_with('2')),
        "{history}"
    );
}

/// A readiness probe's `initialDelaySeconds` holds a new pod unready that long after its
/// container started (the sim's `--speed` shortens it, as it does every kubelet delay): a
/// slower rollout, as on a real cluster.
#[test]
fn a_readiness_initial_delay_holds_new_pods_unready() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--speed", "4"]);
    let k = sim.kubectl();
    let patched = chrono::Utc::now() - chrono::Duration::seconds(1);
    k.ok(&[
        "-n",
        "ms5-staging",
        "patch",
        "deploy/frontend",
        "--type=json",
        "-p",
        r#"[{"op":"add","path":"/spec/template/spec/containers/0/readinessProbe","value":{"httpGet":{"path":"/","port":80},"initialDelaySeconds":32,"periodSeconds":5}}]"#,
    ]);
    k.ok(&[
        "-n",
        "ms5-staging",
        "rollout",
        "status",
        "deploy/frontend",
        "--timeout=90s",
    ]);
    let pods = k.ok(&[
        "-n",
        "ms5-staging",
        "get",
        "pods",
        "-l",
        "app=frontend",
        "-o",
        "jsonpath={range .items[*]}{.status.containerStatuses[0].state.running.startedAt} {.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}{\"\\n\"}{end}",
    ]);
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).expect("a timestamp");
    let waits: Vec<i64> = pods
        .lines()
        .filter_map(|l| l.split_once(' '))
        // The new revision's pods: the old ones may still be terminating.
        .filter(|(started, _)| parse(started) >= patched)
        .map(|(started, ready)| (parse(ready) - parse(started)).num_seconds())
        .collect();
    assert_eq!(waits.len(), 2, "{pods}");
    // 32 s at speed 4: 8 s after the start, never sooner (timestamps are whole seconds).
    assert!(waits.iter().all(|w| *w >= 7), "{waits:?}\n{pods}");
}

/// Endpoints and EndpointSlices follow the ready pods a Service selects, as the controllers
/// keep them: after a rollout they name the new pods (never ones long gone); scaled to none,
/// a Service has no address.
#[test]
fn endpoints_follow_the_ready_pods_through_a_rollout_and_a_scale() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--speed", "4"]);
    let k = sim.kubectl();
    let sorted = |text: String| {
        let mut names: Vec<String> = text.split_whitespace().map(String::from).collect();
        names.sort();
        names
    };
    let ready_pods = |k: &Kubectl| {
        let list: serde_json::Value = serde_json::from_str(&k.ok(&[
            "-n",
            "ms5-staging",
            "get",
            "pods",
            "-l",
            "app=frontend",
            "-o",
            "json",
        ]))
        .expect("a pod list");
        let mut names: Vec<String> = list["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
            .filter(|p| {
                p["status"]["conditions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|c| c["type"] == "Ready" && c["status"] == "True")
            })
            .filter_map(|p| p["metadata"]["name"].as_str().map(String::from))
            .collect();
        names.sort();
        names
    };
    let endpoint_pods = |k: &Kubectl| {
        sorted(k.ok(&[
            "-n",
            "ms5-staging",
            "get",
            "endpoints",
            "frontend",
            "-o",
            "jsonpath={.subsets[*].addresses[*].targetRef.name}",
        ]))
    };
    let slice_pods = |k: &Kubectl| {
        sorted(k.ok(&[
            "-n",
            "ms5-staging",
            "get",
            "endpointslices",
            "-l",
            "kubernetes.io/service-name=frontend",
            "-o",
            "jsonpath={range .items[*].endpoints[?(@.conditions.ready==true)]}{.targetRef.name} {end}",
        ]))
    };
    let before = endpoint_pods(&k);
    k.ok(&["-n", "ms5-staging", "rollout", "restart", "deploy/frontend"]);
    k.ok(&[
        "-n",
        "ms5-staging",
        "rollout",
        "status",
        "deploy/frontend",
        "--timeout=60s",
    ]);
    wait_until(
        "the endpoints name the new pods",
        Duration::from_secs(30),
        &k,
        |k| {
            let now = endpoint_pods(k);
            now.len() == 2 && now == ready_pods(k) && now == slice_pods(k)
        },
    );
    assert!(
        endpoint_pods(&k).iter().all(|p| !before.contains(p)),
        "no address of a pod long gone: {before:?}"
    );
    k.ok(&[
        "-n",
        "ms5-staging",
        "scale",
        "deploy/frontend",
        "--replicas=0",
    ]);
    wait_until(
        "no address once scaled to none",
        Duration::from_secs(60),
        &k,
        |k| endpoint_pods(k).is_empty() && slice_pods(k).is_empty(),
    );
}
