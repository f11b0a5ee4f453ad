//! Who may do what: `kubectl auth can-i` for every context, the viewer's writes are forbidden,
//! the restricted user cannot read ms5-system, all with Kubernetes' wording, and the same holds
//! over HTTPS with the sim's generated CA.

use crate::common;

use common::{Sim, require};

fn check_contexts(sim: &Sim) {
    let admin = sim.kubectl();
    let viewer = sim.kubectl().with_context("ms5-sim-viewer");
    assert_eq!(admin.ok(&["auth", "can-i", "delete", "pods"]).trim(), "yes");
    assert_eq!(
        admin
            .ok(&["auth", "can-i", "patch", "deployments", "-n", "ms5-staging"])
            .trim(),
        "yes"
    );
    assert_eq!(viewer.ok(&["auth", "can-i", "list", "pods"]).trim(), "yes");
    let out = viewer.run(&["auth", "can-i", "delete", "pods"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no");
    assert_eq!(out.status.code(), Some(1), "can-i exits 1 for no");
    let rules = viewer.ok(&["auth", "can-i", "--list"]);
    assert!(
        rules.contains("[get list watch]") && !rules.contains("[*]"),
        "{rules}"
    );

    assert!(viewer.ok(&["get", "deploy"]).contains("backend"));
    let scale = viewer.fails(&["scale", "deploy/backend", "--replicas=2"]);
    assert!(scale.contains(
        "Error from server (Forbidden): deployments.apps \"backend\" is forbidden: User \"viewer\" cannot patch resource \"deployments/scale\" in API group \"apps\" in the namespace \"ms5-production\""
    ), "{scale}");
    let delete = viewer.fails(&["delete", "pod", "redis-0"]);
    assert!(
        delete.contains("User \"viewer\" cannot delete resource \"pods\""),
        "{delete}"
    );
    assert!(
        viewer
            .fails(&["rollout", "restart", "deploy/backend"])
            .contains("is forbidden: User \"viewer\" cannot patch")
    );
    assert!(
        admin
            .ok(&["get", "pod", "redis-0", "-o", "name"])
            .contains("redis-0"),
        "nothing was deleted"
    );

    // An application team's reader: everything but ms5-system, where even listing is refused.
    let restricted = sim.kubectl().with_context("ms5-sim-restricted");
    assert!(restricted.ok(&["get", "pods"]).contains("backend-"));
    assert!(
        restricted
            .ok(&["get", "pods", "-n", "ms5-staging", "-o", "name"])
            .contains("pod/backend-")
    );
    assert!(
        restricted
            .ok(&["get", "nodes", "-o", "name"])
            .contains("node/aks-")
    );
    let system = restricted.fails(&["get", "pods", "-n", "ms5-system"]);
    assert!(
        system.contains(
            "Error from server (Forbidden): pods is forbidden: User \"restricted\" cannot list resource \"pods\" in API group \"\" in the namespace \"ms5-system\""
        ),
        "{system}"
    );
    let watch = restricted.fails(&[
        "get",
        "--raw",
        "/apis/apps/v1/namespaces/ms5-system/deployments?watch=1",
    ]);
    assert!(
        watch.contains("cannot watch resource \"deployments\""),
        "{watch}"
    );
    let all = restricted.fails(&["get", "pods", "-A"]);
    assert!(all.contains("at the cluster scope"), "{all}");
    assert_eq!(
        restricted
            .ok(&["auth", "can-i", "list", "pods", "-n", "ms5-production"])
            .trim(),
        "yes"
    );
    let out = restricted.run(&["auth", "can-i", "list", "pods", "-n", "ms5-system"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "no");
}

#[test]
fn contexts_over_http() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    assert!(sim.url("kubernetes").starts_with("http://127.0.0.1:"));
    check_contexts(&sim);
}

#[test]
fn contexts_over_tls_with_the_generated_ca() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--tls"]);
    assert!(sim.url("kubernetes").starts_with("https://127.0.0.1:"));
    let config = std::fs::read_to_string(sim.kubeconfig()).unwrap();
    assert!(config.contains("certificate-authority-data"), "{config}");
    assert!(!config.contains("insecure-skip-tls-verify"));
    check_contexts(&sim);
}

#[test]
fn kubeconfig_is_private_and_sim_exits_cleanly() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Sim::start(&[]);
    let mode = std::fs::metadata(sim.kubeconfig())
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    let status = sim.terminate();
    assert_eq!(status.code(), Some(0), "SIGTERM ends the sim with exit 0");
}

#[test]
fn unknown_scenario_is_a_clear_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .args(["sim", "--scenario", "meltdown"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown scenario \"meltdown\"") && stderr.contains("healthy"),
        "{stderr}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout: readers wait for `ready`"
    );
}
