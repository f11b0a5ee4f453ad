//! What the simulated pods and nodes use: one model read by the metrics API (as metrics-server
//! serves it from the kubelets' resource metrics) and by the kubelet when it decides and words
//! an eviction, so `kubectl top`, the console and the eviction message tell one story.
//!
//! A running container uses a steady share of its requests (fixed per pod, from its uid) with a
//! small wobble that changes once per 15 s window, metrics-server's default resolution. A node
//! uses what its running pods use plus its own overhead (kernel, kubelet, container runtime).
//! In `node-pressure` the database pod's memory grows from its usual level until the node runs
//! short (available below the AKS eviction threshold, 750Mi) when the scenario reports
//! `MemoryPressure`, and stays there until the kubelet evicts it.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::scenario::{PRESSURE_AT, Scenario};
use super::scheduler::quantity;

/// metrics-server's default resolution: a new value per pod every 15 s.
pub const WINDOW: Duration = Duration::from_secs(15);
/// A container reports nothing until the kubelet has scraped it once.
const FIRST_SCRAPE: Duration = Duration::from_secs(15);
/// The kubelet's hard eviction threshold on AKS (`memory.available<750Mi`).
pub const EVICTION_THRESHOLD: f64 = 750.0 * MI;
const MI: f64 = 1024.0 * 1024.0;
const GI: f64 = 1024.0 * MI;

/// The pod whose memory grows in `node-pressure`, and where it runs.
pub const GROWING_POD: (&str, &str) = ("ms5-production", "postgres-0");
/// What the growing pod uses when the node reports pressure: the node then has less than the
/// eviction threshold available (see `node_pressure_leaves_less_than_the_threshold`).
const GROWN_TO: f64 = 59.6 * GI;

/// One container's use: CPU in cores (a rate over the window), memory working set in bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Use {
    pub cpu: f64,
    pub memory: f64,
}

impl std::ops::Add for Use {
    type Output = Use;
    fn add(self, other: Use) -> Use {
        Use {
            cpu: self.cpu + other.cpu,
            memory: self.memory + other.memory,
        }
    }
}

#[derive(Debug)]
pub struct UsageModel {
    scenario: Scenario,
    seed: u64,
    speed: f64,
    started: Instant,
}

impl UsageModel {
    pub fn new(scenario: Scenario, seed: u64, speed: f64) -> Self {
        UsageModel {
            scenario,
            seed,
            speed,
            started: Instant::now(),
        }
    }

    fn window(&self) -> u64 {
        self.started.elapsed().as_secs() / WINDOW.as_secs()
    }

    /// Each container's use, or None for a pod with nothing to report (not running, or started
    /// too recently to have been scraped).
    pub fn pod(&self, pod: &Value, now: DateTime<Utc>) -> Option<Vec<(String, Use)>> {
        if pod["status"]["phase"] != "Running" || !pod["metadata"]["deletionTimestamp"].is_null() {
            return None;
        }
        let statuses = pod["status"]["containerStatuses"].as_array()?;
        let first_scrape = FIRST_SCRAPE.div_f64(self.speed);
        let scraped = statuses.iter().all(|s| {
            s["state"]["running"]["startedAt"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .is_some_and(|t| {
                    (now - t.with_timezone(&Utc))
                        .to_std()
                        .is_ok_and(|age| age >= first_scrape)
                })
        });
        if !scraped {
            return None;
        }
        let uid = pod["metadata"]["uid"].as_str().unwrap_or_default();
        let window = self.window();
        let containers = pod["spec"]["containers"].as_array()?;
        let mut out: Vec<(String, Use)> = containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let name = c["name"].as_str().unwrap_or_default().to_string();
                let requests = &c["resources"]["requests"];
                let share = unit(self.seed, uid, i as u64, u64::MAX);
                let wobble = unit(self.seed, uid, i as u64, window);
                let cpu_request = quantity(&requests["cpu"]);
                let memory_request = quantity(&requests["memory"]);
                let cpu = if cpu_request > 0.0 {
                    cpu_request * (0.1 + 0.5 * share) * (0.85 + 0.3 * wobble)
                } else {
                    0.003 + 0.027 * share * (0.85 + 0.3 * wobble)
                };
                let memory = if memory_request > 0.0 {
                    memory_request * (0.45 + 0.4 * share) * (0.98 + 0.04 * wobble)
                } else {
                    (20.0 + 60.0 * share) * MI
                };
                (name, Use { cpu, memory })
            })
            .collect();
        if self.grows(pod)
            && let Some((_, first)) = out.first_mut()
        {
            let done = (self.started.elapsed().as_secs_f64() / PRESSURE_AT.as_secs_f64()).min(1.0);
            first.memory += (GROWN_TO - first.memory).max(0.0) * done;
            first.cpu = first.cpu.max(1.6 + 0.2 * done);
        }
        Some(out)
    }

    fn grows(&self, pod: &Value) -> bool {
        self.scenario == Scenario::NodePressure
            && pod["metadata"]["namespace"] == GROWING_POD.0
            && pod["metadata"]["name"] == GROWING_POD.1
    }

    /// What the node uses: its overhead plus every running pod on it (`pods` may hold others).
    pub fn node(&self, node: &Value, pods: &[&Value], now: DateTime<Utc>) -> Use {
        let name = node["metadata"]["name"].as_str().unwrap_or_default();
        let capacity = &node["status"]["capacity"];
        let overhead = Use {
            cpu: 0.08 + 0.02 * quantity(&capacity["cpu"]),
            memory: 900.0 * MI + 0.025 * quantity(&capacity["memory"]),
        };
        pods.iter()
            .filter(|p| p["spec"]["nodeName"] == name)
            .filter_map(|p| self.pod(p, now))
            .flatten()
            .fold(overhead, |sum, (_, u)| sum + u)
    }
}

/// A number in [0, 1) fixed by the seed, the pod, the container and the window.
fn unit(seed: u64, uid: &str, container: u64, window: u64) -> f64 {
    let mut h = seed ^ 0xcbf2_9ce4_8422_2325;
    for b in uid.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h ^= container.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ window.rotate_left(29);
    // splitmix64's finaliser: neighbouring inputs give unrelated outputs.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// How a use reads in the metrics API: CPU in nanocores, memory in Ki, as metrics-server
/// writes them.
pub fn cpu_quantity(cores: f64) -> String {
    format!("{}n", (cores * 1e9).round() as u64)
}

pub fn memory_quantity(bytes: f64) -> String {
    format!("{}Ki", (bytes / 1024.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn running(name: &str, memory: &str, node: &str, started: DateTime<Utc>) -> Value {
        json!({
            "metadata": {"namespace": "ms5-production", "name": name, "uid": format!("uid-{name}")},
            "spec": {"nodeName": node, "containers": [{"name": "main", "resources": {"requests": {"cpu": "1", "memory": memory}}}]},
            "status": {"phase": "Running", "containerStatuses": [{"state": {"running": {"startedAt": started.to_rfc3339()}}}]},
        })
    }

    #[test]
    fn a_running_pod_uses_part_of_its_requests_and_a_new_one_reports_nothing() {
        let model = UsageModel::new(Scenario::Healthy, 7, 1.0);
        let now = Utc::now();
        let old = running("api", "1Gi", "n1", now - chrono::Duration::minutes(5));
        let used = model.pod(&old, now).unwrap();
        assert!(used[0].1.cpu > 0.09 && used[0].1.cpu < 0.8, "{used:?}");
        assert!(used[0].1.memory > 0.4 * GI && used[0].1.memory < 0.9 * GI);
        let new = running("fresh", "1Gi", "n1", now - chrono::Duration::seconds(3));
        assert_eq!(model.pod(&new, now), None);
        let mut done = old.clone();
        done["status"]["phase"] = json!("Succeeded");
        assert_eq!(model.pod(&done, now), None);
    }

    #[test]
    fn node_pressure_leaves_less_than_the_threshold() {
        let model = UsageModel {
            started: Instant::now() - PRESSURE_AT,
            ..UsageModel::new(Scenario::NodePressure, 7, 1.0)
        };
        let now = Utc::now();
        let node = json!({"metadata": {"name": "db"}, "status": {"capacity": {"cpu": "8", "memory": "65842944Ki"}}});
        let postgres = running("postgres-0", "16Gi", "db", now - chrono::Duration::hours(1));
        let proxy = running(
            "kube-proxy-x",
            "128Mi",
            "db",
            now - chrono::Duration::hours(1),
        );
        let used = model.node(&node, &[&postgres, &proxy], now);
        let available = 65842944.0 * 1024.0 - used.memory;
        assert!(
            available > 0.0 && available < EVICTION_THRESHOLD,
            "{available}"
        );
        let grown = model.pod(&postgres, now).unwrap()[0].1.memory;
        assert!(grown > 59.0 * GI && grown < 60.0 * GI, "{grown}");
    }

    #[test]
    fn quantities_read_as_metrics_server_writes_them() {
        assert_eq!(cpu_quantity(0.25), "250000000n");
        assert_eq!(memory_quantity(512.0 * MI), "524288Ki");
    }
}
