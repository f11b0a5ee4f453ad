//! Real kubectl reads the simulated cluster exactly as it reads a real one: the server-side
//! printed columns, wide output, all-namespaces, label columns, every output format, describe.

use crate::common;

use common::{Sim, header, require, row, squash};

#[test]
fn get_prints_the_real_columns_for_every_kind() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let expectations: &[(&str, &[&str])] = &[
        ("pods", &["NAME", "READY", "STATUS", "RESTARTS", "AGE"]),
        (
            "deploy",
            &["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"],
        ),
        ("rs", &["NAME", "DESIRED", "CURRENT", "READY", "AGE"]),
        ("sts", &["NAME", "READY", "AGE"]),
        (
            "cj",
            &[
                "NAME",
                "SCHEDULE",
                "TIMEZONE",
                "SUSPEND",
                "ACTIVE",
                "LAST SCHEDULE",
                "AGE",
            ],
        ),
        (
            "jobs",
            &["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"],
        ),
        (
            "svc",
            &[
                "NAME",
                "TYPE",
                "CLUSTER-IP",
                "EXTERNAL-IP",
                "PORT(S)",
                "AGE",
            ],
        ),
        (
            "hpa",
            &[
                "NAME",
                "REFERENCE",
                "TARGETS",
                "MINPODS",
                "MAXPODS",
                "REPLICAS",
                "AGE",
            ],
        ),
        (
            "pvc",
            &[
                "NAME",
                "STATUS",
                "VOLUME",
                "CAPACITY",
                "ACCESS MODES",
                "STORAGECLASS",
                "VOLUMEATTRIBUTESCLASS",
                "AGE",
            ],
        ),
        ("nodes", &["NAME", "STATUS", "ROLES", "AGE", "VERSION"]),
        ("ns", &["NAME", "STATUS", "AGE"]),
    ];
    for (kind, columns) in expectations {
        let out = k.ok(&["get", kind]);
        assert_eq!(header(&out), *columns, "kubectl get {kind}:\n{out}");
    }

    let pods = k.ok(&["get", "pods", "-l", "app=backend"]);
    let lines: Vec<_> = pods.lines().skip(1).collect();
    assert_eq!(lines.len(), 3, "{pods}");
    for line in lines {
        let cells: Vec<_> = line.split_whitespace().collect();
        assert!(cells[0].starts_with("backend-"), "{line}");
        assert_eq!(&cells[1..4], &["1/1", "Running", "0"], "{line}");
    }
    let deploy = k.ok(&["get", "deploy"]);
    assert_eq!(row(&deploy, "backend").unwrap()[1..4], ["3/3", "3", "3"]);
    let jobs = k.ok(&["get", "jobs"]);
    assert!(
        jobs.lines()
            .skip(1)
            .any(|l| l.starts_with("postgres-backup-")
                && l.contains("Complete")
                && l.contains("1/1")),
        "{jobs}"
    );
    let cronjobs = k.ok(&["get", "cj"]);
    assert_eq!(
        row(&cronjobs, "postgres-backup").unwrap()[1..6],
        ["0", "2", "*", "*", "*"]
    );
    let svc = k.ok(&["get", "svc", "backend-lb"]);
    assert!(
        svc.contains("LoadBalancer") && svc.contains("20.81.112.45") && svc.contains("443:"),
        "{svc}"
    );
    let hpa = k.ok(&["get", "hpa", "backend"]);
    assert!(
        hpa.contains("Deployment/backend") && hpa.contains("cpu: 42%/70%"),
        "{hpa}"
    );
    let nodes = k.ok(&["get", "nodes"]);
    assert_eq!(
        nodes
            .lines()
            .skip(1)
            .filter(|l| l.contains(" Ready "))
            .count(),
        6,
        "{nodes}"
    );
}

#[test]
fn wide_all_namespaces_and_label_columns() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let wide = k.ok(&["get", "pods", "-o", "wide"]);
    assert_eq!(
        header(&wide),
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP",
            "NODE",
            "NOMINATED NODE",
            "READINESS GATES"
        ]
    );
    let postgres = row(&wide, "postgres-0").unwrap();
    assert!(
        postgres[5].starts_with("10.244.") && postgres[6].starts_with("aks-db-"),
        "{postgres:?}"
    );
    let wide_deploy = k.ok(&["get", "deploy", "-o", "wide"]);
    assert!(header(&wide_deploy).ends_with(&[
        "CONTAINERS".into(),
        "IMAGES".into(),
        "SELECTOR".into()
    ]));
    assert!(
        row(&wide_deploy, "backend")
            .unwrap()
            .contains(&"app=backend")
    );

    let all = k.ok(&["get", "deploy", "-A"]);
    assert_eq!(header(&all)[0], "NAMESPACE");
    for ns in ["ms5-production", "ms5-staging", "ms5-system", "kube-system"] {
        assert!(
            all.lines().any(|l| l.starts_with(ns)),
            "{ns} missing:\n{all}"
        );
    }
    let labelled = k.ok(&[
        "get",
        "pods",
        "-L",
        "app.kubernetes.io/component",
        "-l",
        "app=postgres",
    ]);
    assert_eq!(
        header(&labelled).last().map(String::as_str),
        Some("COMPONENT")
    );
    assert_eq!(
        row(&labelled, "postgres-0").unwrap().last(),
        Some(&"database")
    );
    let everything = k.ok(&["get", "all", "-n", "ms5-system"]);
    for name in [
        "pod/prometheus-0",
        "service/prometheus-service",
        "deployment.apps/grafana",
        "statefulset.apps/prometheus",
    ] {
        assert!(
            everything.contains(name),
            "{name} missing from get all:\n{everything}"
        );
    }
}

#[test]
fn every_output_format() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let json: serde_json::Value =
        serde_json::from_str(&k.ok(&["get", "deploy", "backend", "-o", "json"])).unwrap();
    assert_eq!(json["kind"], "Deployment");
    assert_eq!(json["spec"]["replicas"], 3);
    assert_eq!(
        json["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
        "3"
    );
    assert!(
        json["metadata"]["uid"]
            .as_str()
            .is_some_and(|u| u.len() == 36)
    );
    let list: serde_json::Value =
        serde_json::from_str(&k.ok(&["get", "pods", "-l", "app=redis", "-o", "json"])).unwrap();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let yaml = k.ok(&["get", "sts", "postgres", "-o", "yaml"]);
    assert!(
        yaml.contains("kind: StatefulSet") && yaml.contains("serviceName: postgres"),
        "{yaml}"
    );
    let names = k.ok(&["get", "cj", "-o", "name"]);
    assert_eq!(
        names.lines().collect::<Vec<_>>(),
        [
            "cronjob.batch/phase9-validation",
            "cronjob.batch/postgres-backup",
            "cronjob.batch/postgres-restore-test"
        ]
    );
    let image = k.ok(&[
        "get",
        "deploy",
        "backend",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "ms5acr.azurecr.io/ms5-backend:1.9.0");
    let owner = k.ok(&[
        "get",
        "pods",
        "-l",
        "app=backend",
        "-o",
        "jsonpath={.items[0].metadata.ownerReferences[0].kind}",
    ]);
    assert_eq!(owner, "ReplicaSet");
}

#[test]
fn describe_every_kind() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let deploy = squash(&k.ok(&["describe", "deploy", "backend"]));
    assert!(
        deploy.contains("Replicas: 3 desired | 3 updated | 3 total | 3 available | 0 unavailable"),
        "{deploy}"
    );
    assert!(
        deploy.contains("Readiness: http-get http://:8000/health/ready"),
        "{deploy}"
    );
    assert!(deploy.contains("NewReplicaSet: backend-"), "{deploy}");
    let pod = squash(&k.ok(&["describe", "pod", "postgres-0"]));
    assert!(
        pod.contains("Status: Running") && pod.contains("QoS Class: Burstable"),
        "{pod}"
    );
    assert!(pod.contains("workload=database:NoSchedule"), "{pod}");
    let node = squash(&k.ok(&["describe", "node", "aks-db-27183645-vmss000000"]));
    assert!(
        node.contains("Taints: workload=database:NoSchedule") && node.contains("postgres-0"),
        "{node}"
    );
    let cron = squash(&k.ok(&["describe", "cronjob", "postgres-backup"]));
    assert!(cron.contains("Schedule: 0 2 * * *"), "{cron}");
    let svc = k.ok(&["describe", "svc", "backend"]);
    assert!(svc.contains("Endpoints:") && svc.contains(":8000"), "{svc}");
    let hpa = squash(&k.ok(&["describe", "hpa", "backend"]));
    assert!(
        hpa.contains("Min replicas:") && hpa.contains("ScalingActive"),
        "{hpa}"
    );
    for target in [
        "sts/postgres",
        "jobs",
        "ns/ms5-production",
        "rs",
        "pvc",
        "ingress",
        "netpol",
        "pdb",
        "cm",
        "secret",
        "sa",
    ] {
        let out = k.ok(&["describe", target]);
        assert!(out.contains("Name:"), "describe {target}:\n{out}");
    }
    let ds = squash(&k.ok(&["describe", "ds", "kube-proxy", "-n", "kube-system"]));
    assert!(ds.contains("Desired Number of Nodes Scheduled: 6"), "{ds}");
}

/// The TLS Secret the Ingress names holds a real certificate for the Ingress's host, expiring
/// in 21 days as the sim's certificate metric says.
#[test]
fn the_ingress_tls_secret_holds_a_certificate_for_its_host() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let host = k.ok(&[
        "-n",
        "ms5-production",
        "get",
        "ingress",
        "ms5-dashboard",
        "-o",
        "jsonpath={.spec.tls[0].hosts[0]} {.spec.tls[0].secretName}",
    ]);
    let (host, secret) = host.split_once(' ').expect("host and secret");
    assert_eq!((host, secret), ("ms5-dashboard.company.com", "ms5-tls"));
    let (names, left) = common::tls_certificate(&k, "ms5-production", secret);
    assert_eq!(names, ["DNSName(ms5-dashboard.company.com)"]);
    assert!((20 * 86_400..=21 * 86_400).contains(&left), "{left} s left");
}

/// The database migration Job the deployed backend version ran: completed, labelled with that
/// version, its log alembic's.
#[test]
fn the_deployed_backend_versions_migration_job_completed_with_its_log() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let jobs = k.ok(&[
        "-n",
        "ms5-production",
        "get",
        "jobs",
        "-l",
        "app=db-migrate,app.kubernetes.io/version=1.9.0",
        "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.status.succeeded} {.status.conditions[?(@.type==\"Complete\")].status}{end}",
    ]);
    assert_eq!(jobs, "db-migrate-1-9-0 1 True");
    let image = k.ok(&[
        "-n",
        "ms5-production",
        "get",
        "deploy/backend",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert!(image.ends_with(":1.9.0"), "the version deployed: {image}");
    let log = k.ok(&["-n", "ms5-production", "logs", "job/db-migrate-1-9-0"]);
    assert!(
        log.contains("[alembic.runtime.migration] Running upgrade"),
        "{log}"
    );
}

/// Defect (issue 30, 9): the world's history was not one story (the migration Job ran two hours
/// after the version it migrated for rolled out; a one-revision frontend first rolled out 41
/// days after its Deployment was created). Read through kubectl: in each namespace the
/// migration Job completes, then every application component rolls out the version within
/// minutes; every ReplicaSet is younger than its Deployment, every pod than its ReplicaSet.
#[test]
fn the_worlds_history_is_one_release_story() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let k = sim.kubectl();
    let time = |text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .to_utc()
    };
    let table = |args: &[&str]| -> Vec<Vec<String>> {
        k.ok(args)
            .lines()
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .collect()
    };
    for (namespace, version) in [("ms5-production", "1.9.0"), ("ms5-staging", "1.9.1-rc.2")] {
        let migration = table(&[
            "-n",
            namespace,
            "get",
            "jobs",
            "-l",
            &format!("app=db-migrate,app.kubernetes.io/version={version}"),
            "-o",
            "jsonpath={range .items[*]}{.status.completionTime}{\"\\n\"}{end}",
        ]);
        let migrated = time(&migration[0][0]);
        let deployments = table(&[
            "-n",
            namespace,
            "get",
            "deploy",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name} {.metadata.creationTimestamp}{\"\\n\"}{end}",
        ]);
        let sets = table(&[
            "-n",
            namespace,
            "get",
            "rs",
            "-o",
            "jsonpath={range .items[*]}{.metadata.ownerReferences[0].name} {.metadata.name} {.metadata.creationTimestamp} {.status.replicas} {.spec.template.spec.containers[0].image}{\"\\n\"}{end}",
        ]);
        for component in ["backend", "frontend", "celery-worker", "celery-beat"] {
            let current = sets
                .iter()
                .find(|s| s[0] == component && s[3] != "0")
                .unwrap_or_else(|| panic!("{namespace}/{component} has no live ReplicaSet"));
            assert!(current[4].ends_with(&format!(":{version}")), "{current:?}");
            let released = time(&current[2]);
            let after = released - migrated;
            assert!(
                after > chrono::Duration::zero() && after < chrono::Duration::minutes(15),
                "{namespace}/{component} rolled out {after} after its migration completed"
            );
        }
        for set in &sets {
            let (_, created) = deployments
                .iter()
                .map(|d| (&d[0], time(&d[1])))
                .find(|(d, _)| **d == set[0])
                .unwrap_or_else(|| panic!("no Deployment for {set:?}"));
            assert!(
                time(&set[2]) >= created,
                "{set:?} is older than its Deployment"
            );
        }
        let pods = table(&[
            "-n",
            namespace,
            "get",
            "pods",
            "-o",
            "jsonpath={range .items[*]}{.metadata.ownerReferences[0].kind} {.metadata.ownerReferences[0].name} {.metadata.creationTimestamp}{\"\\n\"}{end}",
        ]);
        for pod in pods.iter().filter(|p| p[0] == "ReplicaSet") {
            let set = sets
                .iter()
                .find(|s| s[1] == pod[1])
                .unwrap_or_else(|| panic!("no ReplicaSet for {pod:?}"));
            assert!(
                time(&pod[2]) >= time(&set[2]),
                "{pod:?} is older than {set:?}"
            );
        }
    }
}
