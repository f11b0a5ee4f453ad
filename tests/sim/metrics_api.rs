//! The metrics API (`kubectl top`'s source) as the sim serves it and the console reads it: the
//! same numbers through both, `kubectl top` failing as on a cluster without metrics-server when
//! the sim serves none, and a namespace the user may not read refused.

use crate::common;

use std::collections::BTreeMap;

use common::{Sim, require};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use ms5_console::app::event::MetricsPoll;
use ms5_console::app::metrics::MetricsState;
use ms5_console::model::usage::{percent, percent_cell};
use ms5_console::source::error::ErrorKind;
use ms5_console::source::metrics;

const MI: f64 = 1024.0 * 1024.0;

/// Row key (`ns/pod` or node) -> (millicores, MiB).
type Rows = BTreeMap<String, (f64, f64)>;

async fn client(sim: &Sim, context: Option<&str>) -> Client {
    ms5_console::sim::install_crypto_provider();
    let kubeconfig = Kubeconfig::read_from(sim.kubeconfig()).expect("kubeconfig");
    let options = KubeConfigOptions {
        context: context.map(String::from),
        ..KubeConfigOptions::default()
    };
    let config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

fn namespaces() -> Vec<String> {
    ["ms5-production", "ms5-staging", "ms5-system"]
        .map(String::from)
        .to_vec()
}

/// `kubectl top`'s rows: first column(s) as the key, then millicores and MiB.
fn top_rows(out: &str, key_columns: usize) -> Rows {
    out.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let key = cols[..key_columns].join("/");
            let cpu: f64 = cols[key_columns]
                .trim_end_matches('m')
                .parse()
                .expect("millicores");
            let memory: f64 = cols[key_columns + 1]
                .trim_end_matches("Mi")
                .parse()
                .expect("MiB");
            (key, (cpu, memory))
        })
        .collect()
}

/// The console's read, keyed as `kubectl top` prints it.
fn console_rows(poll: &MetricsPoll) -> (Rows, Rows) {
    let mut pods = BTreeMap::new();
    for (ns, result) in &poll.pods {
        for (name, used) in result.as_ref().expect("every namespace read") {
            pods.insert(
                format!("{ns}/{name}"),
                (used.cpu * 1000.0, used.memory / MI),
            );
        }
    }
    let nodes = poll
        .nodes
        .as_ref()
        .expect("nodes read")
        .iter()
        .map(|(name, used)| (name.clone(), (used.cpu * 1000.0, used.memory / MI)))
        .collect();
    (pods, nodes)
}

/// kubectl rounds millicores up and MiB down; the console keeps the exact values.
fn agree(
    kubectl: &BTreeMap<String, (f64, f64)>,
    console: &BTreeMap<String, (f64, f64)>,
) -> Result<(), String> {
    if kubectl.keys().ne(console.keys()) {
        return Err(format!(
            "different rows:\nkubectl {:?}\nconsole {:?}",
            kubectl.keys().collect::<Vec<_>>(),
            console.keys().collect::<Vec<_>>()
        ));
    }
    for (key, (cpu, memory)) in kubectl {
        let (c_cpu, c_memory) = console[key];
        if (cpu - c_cpu).abs() > 1.0 || (memory - c_memory).abs() > 1.0 {
            return Err(format!(
                "{key}: kubectl {cpu}m {memory}Mi, console {c_cpu:.1}m {c_memory:.1}Mi"
            ));
        }
    }
    Ok(())
}

/// The nodes' CPU(%) and MEMORY(%) as `kubectl top nodes` prints them and as the console's
/// cells write them (against the node's allocatable, whole points cut as kubectl cuts them).
fn percents_agree(kubectl: &common::Kubectl, top: &str, poll: &MetricsPoll) -> Result<(), String> {
    let nodes: serde_json::Value =
        serde_json::from_str(&kubectl.ok(&["get", "nodes", "-o", "json"])).expect("node list");
    let read = poll.nodes.as_ref().expect("nodes read");
    for line in top.lines().filter(|l| !l.trim().is_empty()) {
        // NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)
        let cols: Vec<&str> = line.split_whitespace().collect();
        let node = nodes["items"]
            .as_array()
            .and_then(|items| items.iter().find(|n| n["metadata"]["name"] == cols[0]))
            .expect("the node kubectl top lists");
        let allocatable = |resource: &str| {
            node["status"]["allocatable"][resource]
                .as_str()
                .and_then(ms5_console::model::quantity::parse)
        };
        let (_, used) = read
            .iter()
            .find(|(name, _)| name == cols[0])
            .expect("the console read the node");
        let cpu = percent_cell(percent(used.cpu, allocatable("cpu")));
        let memory = percent_cell(percent(used.memory, allocatable("memory")));
        if (cols[2], cols[4]) != (cpu.as_ref(), memory.as_ref()) {
            return Err(format!(
                "{}: kubectl {} {}, console {cpu} {memory}",
                cols[0], cols[2], cols[4]
            ));
        }
    }
    Ok(())
}

#[tokio::test]
async fn kubectl_top_and_the_console_read_the_same_numbers() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&[]);
    let kubectl = sim.kubectl();
    let client = client(&sim, None).await;
    // A value holds for a 15 s window: a read that straddles a window's end is read again.
    let mut last = String::new();
    for _ in 0..3 {
        let poll = metrics::read(&client, &namespaces()).await;
        let pods = kubectl.ok(&["top", "pods", "-A", "--no-headers"]);
        let nodes = kubectl.ok(&["top", "nodes", "--no-headers"]);
        let mut kubectl_pods = top_rows(&pods, 2);
        kubectl_pods.retain(|key, _| {
            namespaces()
                .iter()
                .any(|ns| key.starts_with(&format!("{ns}/")))
        });
        let kubectl_nodes: BTreeMap<String, (f64, f64)> = nodes
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                // NAME CPU(cores) CPU(%) MEMORY(bytes) MEMORY(%)
                let cols: Vec<&str> = l.split_whitespace().collect();
                let row = format!("{} {} {}", cols[0], cols[1], cols[3]);
                top_rows(&row, 1).into_iter().next().expect("a node row")
            })
            .collect();
        let (console_pods, console_nodes) = console_rows(&poll);
        assert!(
            console_pods.contains_key("ms5-production/postgres-0"),
            "{console_pods:?}"
        );
        let percents = percents_agree(&kubectl, &nodes, &poll);
        match agree(&kubectl_pods, &console_pods)
            .and(agree(&kubectl_nodes, &console_nodes))
            .and(percents)
        {
            Ok(()) => {
                // And the console shows them: the state a view draws from holds the same.
                let mut state = MetricsState::default();
                state.apply(poll);
                let postgres = state.pod("ms5-production", "postgres-0").expect("postgres");
                assert!(postgres.memory > 0.0 && postgres.cpu > 0.0);
                return;
            }
            Err(e) => last = e,
        }
    }
    panic!("kubectl top and the console disagree three times running: {last}");
}

#[tokio::test]
async fn without_a_metrics_api_kubectl_top_fails_and_the_console_says_not_served() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--no-metrics-api"]);
    let error = sim
        .kubectl()
        .fails(&["top", "pods", "-n", "ms5-production"]);
    assert!(error.contains("Metrics API not available"), "{error}");
    let client = client(&sim, None).await;
    let poll = metrics::read(&client, &namespaces()).await;
    let kinds: Vec<ErrorKind> = poll
        .pods
        .iter()
        .map(|(_, r)| r.as_ref().expect_err("not served").kind)
        .collect();
    assert_eq!(kinds, vec![ErrorKind::NotFound; 3]);
    let mut state = MetricsState::default();
    state.apply(poll);
    let feed = state.pods_feed(|_| true);
    assert_eq!(
        feed.words(chrono::Utc::now()).0,
        "metrics: n/a (no metrics API)"
    );
    assert_eq!(state.node_feed.missing_cell(), "n/a");
}

#[tokio::test]
async fn a_namespace_the_user_may_not_read_is_refused_and_the_others_are_read() {
    let sim = Sim::start(&[]);
    let client = client(&sim, Some("ms5-sim-restricted")).await;
    let poll = metrics::read(&client, &namespaces()).await;
    for (ns, result) in &poll.pods {
        match ns.as_str() {
            "ms5-system" => assert_eq!(
                result.as_ref().expect_err("refused").kind,
                ErrorKind::Forbidden
            ),
            _ => assert!(!result.as_ref().expect("allowed").is_empty(), "{ns}"),
        }
    }
    let mut state = MetricsState::default();
    state.apply(poll);
    // The namespaces shown read fine: the panel says fresh, not forbidden.
    let feed = state.pods_feed(|ns| ns != "ms5-system");
    assert!(
        feed.words(chrono::Utc::now()).0.starts_with("metrics "),
        "{feed:?}"
    );
    assert_eq!(
        state
            .pods_feed(|ns| ns == "ms5-system")
            .words(chrono::Utc::now())
            .0,
        "metrics: forbidden"
    );
}

/// `node-pressure`: the database pod is the heaviest on its node from the start, and once the
/// node reports `MemoryPressure` its memory use says the same (under the 750Mi threshold free).
#[test]
fn under_node_pressure_the_growing_pod_is_the_heaviest_and_the_node_is_full() {
    if !require("kubectl") {
        return;
    }
    let sim = Sim::start(&["--scenario", "node-pressure"]);
    let k = sim.kubectl();
    let node = "aks-db-27183645-vmss000000";
    let pods = k.ok(&[
        "top",
        "pods",
        "-n",
        "ms5-production",
        "--sort-by=memory",
        "--no-headers",
    ]);
    assert!(pods.starts_with("postgres-0 "), "{pods}");
    let pressure = || {
        k.ok(&[
            "get",
            "node",
            node,
            "-o",
            "jsonpath={.status.conditions[?(@.type==\"MemoryPressure\")].status}",
        ])
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while pressure().trim() != "True" {
        assert!(std::time::Instant::now() < deadline, "no MemoryPressure");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // Between the pressure (5 s) and the eviction (10 s): the node is full.
    let top = k.ok(&["top", "node", node, "--no-headers"]);
    let percent: u32 = top
        .split_whitespace()
        .nth(4)
        .and_then(|p| p.trim_end_matches('%').parse().ok())
        .unwrap_or_else(|| panic!("{top}"));
    assert!(percent >= 97, "{top}");
}
