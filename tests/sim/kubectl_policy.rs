//! What the sim's cluster refuses and who may change what, as kubectl sees it: the admission
//! policy that keeps `ms5-production/backend` at its PodDisruptionBudget's floor (dry run
//! included), PodDisruptionBudget status kept by a disruption controller, and the `deployer`
//! user who may change workloads in `ms5-staging` only.

use crate::common;

use std::time::{Duration, Instant};

use common::{Sim, require};

#[test]
fn scaling_backend_below_its_disruption_budget_is_refused_in_production_only() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let words = "ValidatingAdmissionPolicy 'ms5-pdb-floor' with binding 'ms5-pdb-floor-production' denied request: spec.replicas 1 is below minAvailable 2 of PodDisruptionBudget backend-pdb";
    for dry_run in [true, false] {
        let mut args = vec!["scale", "deploy/backend", "--replicas=1"];
        if dry_run {
            args.push("--dry-run=server");
        }
        let error = k.fails(&args);
        assert!(
            error.contains("The deployments \"backend\" is invalid: : ") && error.contains(words),
            "{error}"
        );
    }
    let replicas = k.ok(&["get", "deploy/backend", "-o", "jsonpath={.spec.replicas}"]);
    assert_eq!(replicas.trim(), "3", "nothing changed");
    // Above the floor, and anywhere else, scaling works.
    k.ok(&[
        "scale",
        "deploy/backend",
        "--replicas=2",
        "--dry-run=server",
    ]);
    k.ok(&[
        "-n",
        "ms5-staging",
        "scale",
        "deploy/backend",
        "--replicas=1",
    ]);
}

#[test]
fn disruption_budgets_follow_their_pods() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "crashloop", "--speed", "10"]);
    let k = sim.kubectl();
    let status = || {
        k.ok(&[
            "get",
            "pdb",
            "backend-pdb",
            "-o",
            "jsonpath={.status.currentHealthy}/{.status.expectedPods} {.status.disruptionsAllowed}",
        ])
    };
    assert_eq!(status().trim(), "3/3 1");
    // One backend pod crash-loops: two healthy of three, none may be disrupted.
    let deadline = Instant::now() + Duration::from_secs(30);
    while status().trim() != "2/3 0" {
        assert!(Instant::now() < deadline, "still {}", status());
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn the_deployer_may_change_workloads_in_staging_and_only_read_elsewhere() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl().with_context("ms5-sim-deployer");
    let can = |args: &[&str]| {
        let mut all = vec!["auth", "can-i"];
        all.extend_from_slice(args);
        k.run(&all).stdout
    };
    for (args, answer) in [
        (&["patch", "deployments", "-n", "ms5-staging"][..], "yes"),
        (
            &["patch", "deployments/scale", "-n", "ms5-staging"][..],
            "yes",
        ),
        (&["patch", "statefulsets", "-n", "ms5-staging"][..], "yes"),
        (
            &["patch", "horizontalpodautoscalers", "-n", "ms5-staging"][..],
            "yes",
        ),
        (&["delete", "pods", "-n", "ms5-staging"][..], "yes"),
        (&["create", "events", "-n", "ms5-staging"][..], "yes"),
        (&["patch", "deployments", "-n", "ms5-production"][..], "no"),
        (&["delete", "pods", "-n", "ms5-production"][..], "no"),
        (&["list", "pods", "-n", "ms5-production"][..], "yes"),
    ] {
        let said = String::from_utf8_lossy(&can(args)).trim().to_string();
        assert_eq!(said, answer, "can-i {args:?}");
    }
    k.ok(&["-n", "ms5-staging", "rollout", "restart", "deploy/backend"]);
    let error = k.fails(&["rollout", "restart", "deploy/backend"]);
    assert!(
        error.contains("User \"deployer\" cannot patch resource \"deployments\" in API group \"apps\" in the namespace \"ms5-production\""),
        "{error}"
    );
}
