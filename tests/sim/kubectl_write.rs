//! Real kubectl changes the simulated cluster: create and apply from files, every patch type,
//! `set image` keeping probes, scale, logs, delete with cascade, server-side dry runs, NotFound
//! and AlreadyExists, and `get -w` seeing changes.

use crate::common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Sim, require, row, write_file};

const WEB: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ms5-staging
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        readinessProbe:
          httpGet: {path: /ready, port: 80}
        resources:
          requests: {cpu: 100m, memory: 64Mi}
"#;

#[test]
fn create_apply_patch_set_image_scale() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let file = write_file(sim.dir.path(), "web.yaml", WEB);
    let file = file.to_str().unwrap();
    assert_eq!(
        k.ok(&["create", "-f", file]).trim(),
        "deployment.apps/web created"
    );
    let again = k.fails(&["create", "-f", file]);
    assert!(
        again.contains("(AlreadyExists)")
            && again.contains("deployments.apps \"web\" already exists"),
        "{again}"
    );

    let applied = write_file(
        sim.dir.path(),
        "web2.yaml",
        &WEB.replace("replicas: 2", "replicas: 4"),
    );
    let applied = applied.to_str().unwrap();
    assert_eq!(
        k.ok(&["apply", "-f", applied]).trim(),
        "deployment.apps/web configured"
    );
    assert_eq!(
        k.ok(&["apply", "-f", applied]).trim(),
        "deployment.apps/web unchanged"
    );
    let get = |path: &str| {
        k.ok(&[
            "get",
            "deploy",
            "web",
            "-n",
            "ms5-staging",
            "-o",
            &format!("jsonpath={{{path}}}"),
        ])
    };
    assert_eq!(get(".spec.replicas"), "4");
    // Server-side defaulting, as the real API server does.
    assert_eq!(get(".spec.progressDeadlineSeconds"), "600");
    assert_eq!(
        get(".spec.template.spec.containers[0].readinessProbe.periodSeconds"),
        "10"
    );

    k.ok(&[
        "set",
        "image",
        "deploy/web",
        "web=nginx:1.28",
        "-n",
        "ms5-staging",
    ]);
    assert_eq!(get(".spec.template.spec.containers[0].image"), "nginx:1.28");
    assert_eq!(
        get(".spec.template.spec.containers[0].readinessProbe.httpGet.path"),
        "/ready",
        "set image kept the probe"
    );
    assert_eq!(
        get(".spec.template.spec.containers[0].resources.requests.memory"),
        "64Mi",
        "set image kept resources"
    );
    assert_eq!(get(".metadata.generation"), "3");

    k.ok(&["scale", "deploy/web", "--replicas=1", "-n", "ms5-staging"]);
    assert_eq!(get(".spec.replicas"), "1");
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "-n",
        "ms5-staging",
        "--type=merge",
        "-p",
        r#"{"metadata":{"labels":{"team":"floor"}}}"#,
    ]);
    assert_eq!(get(".metadata.labels.team"), "floor");
    k.ok(&[
        "patch",
        "deploy",
        "web",
        "-n",
        "ms5-staging",
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#,
    ]);
    assert_eq!(get(".spec.replicas"), "3");
    k.ok(&["patch", "deploy", "web", "-n", "ms5-staging", "-p", r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","env":[{"name":"LINE","value":"3"}]}]}}}}"#]);
    assert_eq!(get(".spec.template.spec.containers[0].env[0].value"), "3");
    assert_eq!(
        get(".spec.template.spec.containers[0].image"),
        "nginx:1.28",
        "strategic merge kept the image"
    );
    let bad = k.fails(&[
        "patch",
        "deploy",
        "web",
        "-n",
        "ms5-staging",
        "--type=json",
        "-p",
        r#"[{"op":"remove","path":"/spec/nope"}]"#,
    ]);
    assert!(
        bad.contains("The request is invalid") && bad.contains("/spec/nope"),
        "{bad}"
    );

    k.ok(&["rollout", "restart", "deploy/frontend"]);
    let restarted = k.ok(&[
        "get",
        "deploy",
        "frontend",
        "-o",
        "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    ]);
    assert!(restarted.starts_with("20"), "{restarted}");
    let history = k.ok(&["rollout", "history", "deploy/backend"]);
    assert!(
        history.contains("REVISION")
            && history
                .lines()
                .filter(|l| l.trim_start().starts_with(char::is_numeric))
                .count()
                == 3,
        "{history}"
    );
    k.ok(&["rollout", "undo", "deploy/backend", "--to-revision=1"]);
    let image = k.ok(&[
        "get",
        "deploy",
        "backend",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "ms5acr.azurecr.io/ms5-backend:1.8.2");
}

#[test]
fn dry_run_not_found_delete_and_logs() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    assert!(
        k.ok(&[
            "scale",
            "deploy/backend",
            "--replicas=9",
            "--dry-run=server"
        ])
        .contains("(server dry run)")
    );
    assert!(
        k.ok(&["delete", "deploy/celery-beat", "--dry-run=server"])
            .contains("(server dry run)")
    );
    let file = write_file(sim.dir.path(), "web.yaml", WEB);
    k.ok(&["create", "-f", file.to_str().unwrap(), "--dry-run=server"]);
    assert_eq!(
        row(&k.ok(&["get", "deploy", "backend"]), "backend").unwrap()[1],
        "3/3",
        "dry run changed nothing"
    );
    assert!(row(&k.ok(&["get", "deploy"]), "celery-beat").is_some());
    assert!(
        k.fails(&["get", "deploy", "web", "-n", "ms5-staging"])
            .contains("NotFound")
    );
    let missing = k.fails(&["get", "pod", "nope"]);
    assert!(
        missing.contains("Error from server (NotFound): pods \"nope\" not found"),
        "{missing}"
    );

    let pod = k.ok(&[
        "get",
        "pods",
        "-l",
        "app=backend",
        "-o",
        "jsonpath={.items[0].metadata.name}",
    ]);
    let logs = k.ok(&["logs", &pod, "--tail=5"]);
    assert_eq!(logs.lines().count(), 5, "{logs}");
    assert!(logs.lines().all(|l| l.contains("HTTP/1.1")), "{logs}");
    let previous = k.fails(&["logs", &pod, "--previous"]);
    assert!(
        previous.contains("previous terminated container \"backend\""),
        "{previous}"
    );
    // follow keeps streaming new lines until we stop it
    let mut follow = k
        .command(&["logs", "-f", &pod, "--tail=1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(4500));
    let _ = follow.kill();
    let streamed = String::from_utf8_lossy(&follow.wait_with_output().unwrap().stdout).into_owned();
    assert!(streamed.lines().count() >= 2, "follow streamed: {streamed}");

    // Deleting a pod: it terminates and is gone, and its ReplicaSet replaces it.
    let flower = k.ok(&["get", "pods", "-l", "app=flower", "-o", "name"]);
    let flower = flower.trim().to_string();
    assert!(k.ok(&["delete", &flower]).contains("deleted"));
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = k.ok(&["get", "pods", "-l", "app=flower", "-o", "name"]);
        if !now.contains(&flower) && now.trim().starts_with("pod/flower-") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the deleted pod was not replaced: {now}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    k.ok(&["delete", "deploy/flower"]);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !k
        .ok(&["get", "rs", "-l", "app=flower", "-o", "name"])
        .trim()
        .is_empty()
    {
        assert!(
            Instant::now() < deadline,
            "ReplicaSets of a deleted Deployment were not collected"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn get_watch_receives_changes() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let mut watch = k
        .command(&[
            "get",
            "deploy",
            "-w",
            "--output-watch-events",
            "--request-timeout=20s",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    k.ok(&["scale", "deploy/celery-beat", "--replicas=2"]);
    k.ok(&["label", "deploy/frontend", "tier=web"]);
    std::thread::sleep(Duration::from_millis(1500));
    let _ = watch.kill();
    let out = String::from_utf8_lossy(&watch.wait_with_output().unwrap().stdout).into_owned();
    assert!(
        out.lines()
            .any(|l| l.starts_with("ADDED") && l.contains("backend")),
        "{out}"
    );
    let modified: Vec<_> = out.lines().filter(|l| l.starts_with("MODIFIED")).collect();
    assert!(
        modified
            .iter()
            .any(|l| l.contains("celery-beat") && l.contains("1/2")),
        "{out}"
    );
    assert!(modified.iter().any(|l| l.contains("frontend")), "{out}");
}
