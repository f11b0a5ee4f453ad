//! The kubelets: each pod goes Pending -> ContainerCreating (Pulling, Pulled, Created,
//! Started) -> Running -> Ready as its startup and readiness probes pass. Faults the scenario
//! gives a pod play out as kubelet reports them: liveness failures restart the container
//! (restartCount, lastState with exit code and reason) and repeated failures become
//! CrashLoopBackOff with a doubling back-off; readiness failures flip Ready with `Unhealthy`
//! events. Job pods run for their work's length and end Completed or Error. Deleted pods stop
//! within their grace period and are removed.

use std::time::Duration;

use serde_json::{Value, json};

use super::events::{EventType, Occurrence};
use super::scenario::Behavior;
use super::{Cluster, Key, Work};
use crate::sim::world::objects::ts;
use tokio::time::Instant;

/// Where a pod is in its life, as far as the kubelet's timers go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Step {
    /// Not yet looked at (or steady: nothing pending).
    #[default]
    Idle,
    Scheduling,
    Pulling,
    Starting,
    Running,
    BackOff,
    Stopping,
}

#[derive(Debug, Clone, Default)]
pub struct PodRun {
    pub step: Step,
    /// When the current step's timer fires; visits before then (other changes to the pod)
    /// do nothing, so steps never run early or twice.
    pub due: Option<Instant>,
}

impl PodRun {
    fn at(step: Step) -> Self {
        PodRun { step, due: None }
    }
}

/// Moves the pod to `step` and wakes the kubelet for it after the simulated `delay`.
fn arm(cluster: &mut Cluster, key: &Key, step: Step, delay: Duration) -> PodRun {
    let due = cluster.after(delay, Work::Kubelet(key.clone()));
    PodRun {
        step,
        due: Some(due),
    }
}

const KUBELET: &str = "kubelet";

fn node_of(pod: &Value) -> String {
    pod["spec"]["nodeName"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn containers(pod: &Value) -> Vec<(String, String)> {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["image"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn has_startup_probe(pod: &Value) -> bool {
    pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|c| c["startupProbe"].is_object())
}

/// The longest `readinessProbe.initialDelaySeconds` of the pod's containers: no readiness
/// probe runs, so no container is ready, before it has passed since the start.
fn readiness_initial_delay(pod: &Value) -> Duration {
    let seconds = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["readinessProbe"]["initialDelaySeconds"].as_u64())
        .max()
        .unwrap_or(0);
    Duration::from_secs(seconds)
}

fn readiness_period(pod: &Value) -> u64 {
    pod["spec"]["containers"][0]["readinessProbe"]["periodSeconds"]
        .as_u64()
        .unwrap_or(10)
        .max(1)
}

fn is_job_pod(pod: &Value) -> bool {
    super::controller_of(pod).is_some_and(|o| o["kind"] == "Job")
}

fn set_condition(
    pod: &mut Value,
    kind: &str,
    status: bool,
    reason: Option<&str>,
    message: Option<String>,
    now: &str,
) {
    let status_text = if status { "True" } else { "False" };
    let mut conditions = pod["status"]["conditions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let existing = conditions.iter_mut().find(|c| c["type"] == kind);
    let mut condition = json!({"type": kind, "status": status_text, "lastProbeTime": null, "lastTransitionTime": now});
    if let Some(r) = reason {
        condition["reason"] = json!(r);
    }
    if let Some(m) = message {
        condition["message"] = json!(m);
    }
    match existing {
        Some(c) if c["status"] == status_text && c.get("reason") == condition.get("reason") => {}
        Some(c) => *c = condition,
        None => conditions.push(condition),
    }
    pod["status"]["conditions"] = json!(conditions);
}

/// Ready and ContainersReady from the containers' ready flags.
fn sync_ready(pod: &mut Value, now: &str) {
    let statuses = pod["status"]["containerStatuses"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let unready: Vec<String> = statuses
        .iter()
        .filter(|s| s["ready"] != true)
        .filter_map(|s| s["name"].as_str().map(String::from))
        .collect();
    if unready.is_empty() && !statuses.is_empty() {
        set_condition(pod, "Ready", true, None, None, now);
        set_condition(pod, "ContainersReady", true, None, None, now);
    } else {
        let message = format!("containers with unready status: [{}]", unready.join(" "));
        set_condition(
            pod,
            "Ready",
            false,
            Some("ContainersNotReady"),
            Some(message.clone()),
            now,
        );
        set_condition(
            pod,
            "ContainersReady",
            false,
            Some("ContainersNotReady"),
            Some(message),
            now,
        );
    }
}

fn container_id(cluster: &mut Cluster) -> String {
    format!("containerd://{}", cluster.names.hex(64))
}

pub fn reconcile(cluster: &mut Cluster, key: &Key) {
    let Some(pod) = cluster.get(cluster.kinds.pod, key) else {
        cluster.pods.remove(key);
        return;
    };
    let mut run = cluster.pods.remove(key).unwrap_or_default();
    if run.due.is_some_and(|due| cluster.now < due) {
        cluster.pods.insert(key.clone(), run);
        return;
    }
    let phase = pod["status"]["phase"]
        .as_str()
        .unwrap_or("Pending")
        .to_string();

    if !pod["metadata"]["deletionTimestamp"].is_null() {
        stop(cluster, key, &pod, &mut run);
    } else if pod["spec"]["nodeName"].is_null() {
        if run.step != Step::Scheduling {
            run = PodRun::at(Step::Scheduling);
            cluster.after(Duration::from_millis(300), Work::Schedule(key.clone()));
        }
    } else if phase == "Succeeded" || phase == "Failed" {
        run = PodRun::default();
    } else if pod["status"]["containerStatuses"].is_null() {
        run = begin(cluster, key, &pod);
    } else {
        advance(cluster, key, &pod, &mut run);
    }
    cluster.pods.insert(key.clone(), run);
}

/// Just bound to a node: containers are being created, images pulled.
fn begin(cluster: &mut Cluster, key: &Key, pod: &Value) -> PodRun {
    let now = ts(cluster.wall_now());
    let node = node_of(pod);
    let host_ip = cluster
        .get(cluster.kinds.node, &(String::new(), node.clone()))
        .and_then(|n| {
            n["status"]["addresses"]
                .as_array()
                .and_then(|a| a.first())
                .map(|a| a["address"].clone())
        })
        .unwrap_or(json!("10.224.0.4"));
    let mut updated = pod.clone();
    updated["status"]["hostIP"] = host_ip.clone();
    updated["status"]["hostIPs"] = json!([{"ip": host_ip}]);
    updated["status"]["startTime"] = json!(now);
    updated["status"]["containerStatuses"] = json!(containers(pod)
        .iter()
        .map(|(name, image)| json!({
            "name": name, "image": image, "imageID": "", "ready": false, "started": false, "restartCount": 0,
            "state": {"waiting": {"reason": "ContainerCreating"}}, "lastState": {},
        }))
        .collect::<Vec<_>>());
    set_condition(
        &mut updated,
        "PodReadyToStartContainers",
        false,
        None,
        None,
        &now,
    );
    set_condition(&mut updated, "Initialized", true, None, None, &now);
    sync_ready(&mut updated, &now);
    if let Some(written) = cluster.update(cluster.kinds.pod, updated) {
        for (name, image) in containers(pod) {
            cluster.event(
                &written,
                Occurrence::new(
                    EventType::Normal,
                    "Pulling",
                    format!("Pulling image \"{image}\""),
                    KUBELET,
                )
                .on_node(&node)
                .for_container(&name),
            );
        }
    }
    let pull = Duration::from_millis(1500 + cluster.names.below(1500));
    arm(cluster, key, Step::Pulling, pull)
}

fn behavior(cluster: &Cluster, pod: &Value) -> Behavior {
    if let Some(fault) = cluster.fault_for(pod) {
        return fault.behavior;
    }
    if is_job_pod(pod) {
        return Behavior::job_for(pod);
    }
    Behavior::Healthy
}

fn advance(cluster: &mut Cluster, key: &Key, pod: &Value, run: &mut PodRun) {
    let behavior = behavior(cluster, pod);
    let waiting = pod["status"]["containerStatuses"][0]["state"]["waiting"]["reason"]
        .as_str()
        .map(String::from);
    let timer_fired = run.due.take().is_some();
    *run = match (run.step, timer_fired) {
        // The image pull finished: start the containers.
        (Step::Pulling, true) => {
            start_containers(cluster, pod, false);
            after_start(cluster, key, pod, behavior)
        }
        // The back-off ran out: start again.
        (Step::BackOff, true) if waiting.as_deref() == Some("CrashLoopBackOff") => {
            start_containers(cluster, pod, true);
            after_start(cluster, key, pod, behavior)
        }
        (Step::Starting, true) => match behavior {
            Behavior::Healthy => {
                set_ready(cluster, pod, true);
                PodRun::at(Step::Running)
            }
            Behavior::FlappingReadiness => {
                set_ready(cluster, pod, true);
                let period = Duration::from_secs(8 + cluster.names.below(8));
                arm(cluster, key, Step::Running, period)
            }
            Behavior::NeverReady => {
                probe_failed(cluster, pod, "Readiness");
                arm(
                    cluster,
                    key,
                    Step::Starting,
                    Duration::from_secs(readiness_period(pod)),
                )
            }
            Behavior::CrashLoop { .. } => {
                let restarts = crash(cluster, key, pod);
                arm(cluster, key, Step::BackOff, backoff(restarts))
            }
            Behavior::Job { exit_code, .. } => {
                finish(cluster, pod, exit_code);
                PodRun::default()
            }
        },
        // Readiness flapping: every few periods the probe fails, then passes again.
        (Step::Running, true) if behavior == Behavior::FlappingReadiness => {
            if super::is_pod_ready(pod) {
                probe_failed(cluster, pod, "Readiness");
            } else {
                set_ready(cluster, pod, true);
            }
            let period = Duration::from_secs(8 + cluster.names.below(8));
            arm(cluster, key, Step::Running, period)
        }
        // A running pod a scenario has just given a fault.
        (Step::Idle | Step::Running, false) if waiting.is_none() => match behavior {
            Behavior::CrashLoop { runs_for } => {
                arm(cluster, key, Step::Starting, Duration::from_secs(runs_for))
            }
            Behavior::FlappingReadiness => {
                let first = Duration::from_secs(3 + cluster.names.below(5));
                arm(cluster, key, Step::Running, first)
            }
            Behavior::NeverReady if super::is_pod_ready(pod) => {
                arm(cluster, key, Step::Starting, Duration::from_secs(1))
            }
            _ => PodRun::at(Step::Running),
        },
        (step, _) => PodRun::at(step),
    };
}

/// What happens next after containers start, by behaviour.
fn after_start(cluster: &mut Cluster, key: &Key, pod: &Value, behavior: Behavior) -> PodRun {
    let delay = match behavior {
        Behavior::Job { runs_for, .. } | Behavior::CrashLoop { runs_for } => {
            Duration::from_secs(runs_for)
        }
        _ if has_startup_probe(pod) => Duration::from_secs(5 + cluster.names.below(4)),
        _ => Duration::from_secs(2 + cluster.names.below(3)),
    };
    let delay = match behavior {
        Behavior::Job { .. } | Behavior::CrashLoop { .. } => delay,
        _ => delay.max(readiness_initial_delay(pod)),
    };
    arm(cluster, key, Step::Starting, delay)
}

fn start_containers(cluster: &mut Cluster, pod: &Value, restart: bool) {
    let now_time = cluster.wall_now();
    let now = ts(now_time);
    let node = node_of(pod);
    let mut updated = pod.clone();
    if updated["status"]["podIP"].is_null() {
        let ip = format!(
            "10.244.{}.{}",
            cluster.names.below(24),
            2 + cluster.names.below(250)
        );
        updated["status"]["podIP"] = json!(ip);
        updated["status"]["podIPs"] = json!([{"ip": ip}]);
    }
    updated["status"]["phase"] = json!("Running");
    let startup = has_startup_probe(pod);
    let ids: Vec<String> = (0..containers(pod).len())
        .map(|_| container_id(cluster))
        .collect();
    if let Some(statuses) = updated["status"]["containerStatuses"].as_array_mut() {
        for (status, id) in statuses.iter_mut().zip(ids) {
            let image = status["image"].as_str().unwrap_or_default().to_string();
            status["state"] = json!({"running": {"startedAt": now}});
            status["ready"] = json!(false);
            status["started"] = json!(!startup);
            status["containerID"] = json!(id);
            status["imageID"] = json!(format!(
                "{}@sha256:{}",
                image.split(':').next().unwrap_or_default(),
                "0".repeat(64)
            ));
        }
    }
    set_condition(
        &mut updated,
        "PodReadyToStartContainers",
        true,
        None,
        None,
        &now,
    );
    sync_ready(&mut updated, &now);
    let Some(written) = cluster.update(cluster.kinds.pod, updated) else {
        return;
    };
    for (name, image) in containers(pod) {
        let pulled = if restart {
            format!("Container image \"{image}\" already present on machine")
        } else {
            let took = 1.2 + cluster.names.below(1800) as f64 / 1000.0;
            format!(
                "Successfully pulled image \"{image}\" in {took:.3}s ({took:.3}s including waiting). Image size: {} bytes.",
                40_000_000 + cluster.names.below(200_000_000)
            )
        };
        cluster.event(
            &written,
            Occurrence::new(EventType::Normal, "Pulled", pulled, KUBELET)
                .on_node(&node)
                .for_container(&name),
        );
        cluster.event(
            &written,
            Occurrence::new(
                EventType::Normal,
                "Created",
                format!("Created container: {name}"),
                KUBELET,
            )
            .on_node(&node)
            .for_container(&name),
        );
        cluster.event(
            &written,
            Occurrence::new(
                EventType::Normal,
                "Started",
                format!("Started container {name}"),
                KUBELET,
            )
            .on_node(&node)
            .for_container(&name),
        );
    }
}

fn set_ready(cluster: &mut Cluster, pod: &Value, ready: bool) {
    let now = ts(cluster.wall_now());
    let mut updated = pod.clone();
    if let Some(statuses) = updated["status"]["containerStatuses"].as_array_mut() {
        for status in statuses
            .iter_mut()
            .filter(|s| s["state"]["running"].is_object())
        {
            status["ready"] = json!(ready);
            status["started"] = json!(true);
        }
    }
    sync_ready(&mut updated, &now);
    if updated != *pod {
        cluster.update(cluster.kinds.pod, updated);
    }
}

fn probe_failed(cluster: &mut Cluster, pod: &Value, probe: &str) {
    set_ready(cluster, pod, false);
    let node = node_of(pod);
    let container = containers(pod)
        .first()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    let message = format!("{probe} probe failed: HTTP probe failed with statuscode: 503");
    if let Some(fresh) = cluster.get(cluster.kinds.pod, &crate::sim::store::object_key(pod)) {
        cluster.event(
            &fresh,
            Occurrence::new(EventType::Warning, "Unhealthy", message, KUBELET)
                .on_node(&node)
                .for_container(&container),
        );
    }
}

/// The container dies (liveness failed, or the process exited): restart with back-off.
/// Returns the new restart count.
fn crash(cluster: &mut Cluster, key: &Key, pod: &Value) -> i64 {
    let now_time = cluster.wall_now();
    let now = ts(now_time);
    let node = node_of(pod);
    let mut updated = pod.clone();
    let mut restarts = 0;
    if let Some(statuses) = updated["status"]["containerStatuses"].as_array_mut()
        && let Some(status) = statuses.first_mut()
    {
        restarts = status["restartCount"].as_i64().unwrap_or(0) + 1;
        let started = status["state"]["running"]["startedAt"].clone();
        status["lastState"] = json!({"terminated": {
            "exitCode": 1, "reason": "Error", "startedAt": started, "finishedAt": now,
            "containerID": status["containerID"],
        }});
        status["restartCount"] = json!(restarts);
        status["ready"] = json!(false);
        status["started"] = json!(false);
        status["state"] = json!({"waiting": {
            "reason": "CrashLoopBackOff",
            "message": format!("back-off {} restarting failed container={} pod={}_{}({})",
                backoff_text(restarts), status["name"].as_str().unwrap_or_default(), key.1, key.0,
                pod["metadata"]["uid"].as_str().unwrap_or_default()),
        }});
    }
    sync_ready(&mut updated, &now);
    let container = containers(pod)
        .first()
        .map(|c| c.0.clone())
        .unwrap_or_default();
    if let Some(written) = cluster.update(cluster.kinds.pod, updated) {
        cluster.event(
            &written,
            Occurrence::new(
                EventType::Warning,
                "Unhealthy",
                "Liveness probe failed: HTTP probe failed with statuscode: 500",
                KUBELET,
            )
            .on_node(&node)
            .for_container(&container),
        );
        cluster.event(
            &written,
            Occurrence::new(
                EventType::Normal,
                "Killing",
                format!("Container {container} failed liveness probe, will be restarted"),
                KUBELET,
            )
            .on_node(&node)
            .for_container(&container),
        );
        cluster.event(
            &written,
            Occurrence::new(
                EventType::Warning,
                "BackOff",
                format!(
                    "Back-off restarting failed container {container} in pod {}_{}({})",
                    key.1,
                    key.0,
                    pod["metadata"]["uid"].as_str().unwrap_or_default()
                ),
                KUBELET,
            )
            .on_node(&node)
            .for_container(&container),
        );
    }
    restarts
}

/// Kubelet's crash back-off: 10 s doubling to 5 minutes.
pub fn backoff(restarts: i64) -> Duration {
    let exponent = (restarts - 1).clamp(0, 5) as u32;
    Duration::from_secs((10u64 << exponent).min(300))
}

fn backoff_text(restarts: i64) -> String {
    let seconds = backoff(restarts).as_secs();
    if seconds >= 60 {
        format!("{}m{}s", seconds / 60, seconds % 60)
    } else {
        format!("{seconds}s")
    }
}

/// A job container ran to its end.
fn finish(cluster: &mut Cluster, pod: &Value, exit_code: i64) {
    let now = ts(cluster.wall_now());
    let mut updated = pod.clone();
    if let Some(statuses) = updated["status"]["containerStatuses"].as_array_mut() {
        for status in statuses.iter_mut() {
            let started = status["state"]["running"]["startedAt"].clone();
            status["state"] = json!({"terminated": {
                "exitCode": exit_code, "reason": if exit_code == 0 { "Completed" } else { "Error" },
                "startedAt": started, "finishedAt": now, "containerID": status["containerID"],
            }});
            status["ready"] = json!(false);
            status["started"] = json!(false);
        }
    }
    updated["status"]["phase"] = json!(if exit_code == 0 {
        "Succeeded"
    } else {
        "Failed"
    });
    set_condition(
        &mut updated,
        "PodReadyToStartContainers",
        false,
        None,
        None,
        &now,
    );
    set_condition(
        &mut updated,
        "Ready",
        false,
        Some("PodCompleted"),
        None,
        &now,
    );
    set_condition(
        &mut updated,
        "ContainersReady",
        false,
        Some("PodCompleted"),
        None,
        &now,
    );
    cluster.update(cluster.kinds.pod, updated);
}

/// A deleted pod: containers get SIGTERM and stop within the grace period; then it is gone.
fn stop(cluster: &mut Cluster, key: &Key, pod: &Value, run: &mut PodRun) {
    let scheduled = !pod["spec"]["nodeName"].is_null();
    let finished = matches!(
        pod["status"]["phase"].as_str(),
        Some("Succeeded" | "Failed")
    );
    let fired = run.step == Step::Stopping && run.due.take().is_some();
    if !scheduled || finished || pod["metadata"]["deletionGracePeriodSeconds"] == 0 || fired {
        cluster.remove(cluster.kinds.pod, key);
        *run = PodRun::default();
        return;
    }
    if run.step == Step::Stopping {
        return;
    }
    let node = node_of(pod);
    for (name, _) in containers(pod) {
        cluster.event(
            pod,
            Occurrence::new(
                EventType::Normal,
                "Killing",
                format!("Stopping container {name}"),
                KUBELET,
            )
            .on_node(&node)
            .for_container(&name),
        );
    }
    // The MS5 services exit on SIGTERM within a couple of seconds, well inside their grace.
    let grace = pod["metadata"]["deletionGracePeriodSeconds"]
        .as_u64()
        .unwrap_or(30);
    *run = arm(
        cluster,
        key,
        Step::Stopping,
        Duration::from_millis(1500).min(Duration::from_secs(grace)),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_five_minutes() {
        let seconds: Vec<u64> = (1..=8).map(|r| backoff(r).as_secs()).collect();
        assert_eq!(seconds, vec![10, 20, 40, 80, 160, 300, 300, 300]);
        assert_eq!(backoff_text(6), "5m0s");
    }
}
