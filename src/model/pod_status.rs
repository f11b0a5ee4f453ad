//! A pod's READY, STATUS and RESTARTS computed with the rules of kubectl's pod printer, so the
//! console, the simulator's server-side tables and `kubectl get pods` always agree.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{ContainerStatus, Pod, PodStatus};

/// What `kubectl get pods` shows for one pod.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PodSummary {
    pub ready: usize,
    pub total: usize,
    /// `Running`, `CrashLoopBackOff`, `Init:0/1`, `Terminating`, `Completed`...
    pub status: String,
    pub restarts: i32,
    /// When the most recent restart's previous container finished, if any restarted.
    pub last_restart: Option<DateTime<Utc>>,
}

impl PodSummary {
    /// The RESTARTS cell: `3` or `3 (5m ago)`.
    pub fn restarts_cell(&self, now: DateTime<Utc>) -> String {
        match self.last_restart {
            Some(at) if self.restarts > 0 => {
                format!("{} ({} ago)", self.restarts, super::age::human_age(at, now))
            }
            _ => self.restarts.to_string(),
        }
    }
}

const NODE_UNREACHABLE_REASON: &str = "NodeLost";

/// What of a pod's spec and metadata the status rules need.
#[derive(Debug, Clone, Default)]
pub struct PodShape<'a> {
    pub containers: usize,
    /// Init containers in order, with whether each is a restartable sidecar.
    pub init_containers: Vec<(&'a str, bool)>,
    pub deleting: bool,
}

impl<'a> PodShape<'a> {
    pub fn of(pod: &'a Pod) -> Self {
        let spec = pod.spec.as_ref();
        PodShape {
            containers: spec.map(|s| s.containers.len()).unwrap_or(0),
            init_containers: spec
                .and_then(|s| s.init_containers.as_deref())
                .unwrap_or_default()
                .iter()
                .map(|c| {
                    (
                        c.name.as_str(),
                        c.restart_policy.as_deref() == Some("Always"),
                    )
                })
                .collect(),
            deleting: pod.metadata.deletion_timestamp.is_some(),
        }
    }
}

pub fn summarize(pod: &Pod) -> PodSummary {
    summarize_status(&PodShape::of(pod), pod.status.as_ref())
}

/// kubectl's pod printer rules over a pod's shape and status.
pub fn summarize_status(shape: &PodShape, status: Option<&PodStatus>) -> PodSummary {
    let empty = PodStatus::default();
    let status = status.unwrap_or(&empty);
    let restartable_init = |name: &str| {
        shape
            .init_containers
            .iter()
            .any(|(n, sidecar)| *n == name && *sidecar)
    };
    let total = shape.containers
        + shape
            .init_containers
            .iter()
            .filter(|(_, sidecar)| *sidecar)
            .count();

    let mut reason = status.phase.clone().unwrap_or_default();
    if let Some(r) = status.reason.as_ref().filter(|r| !r.is_empty()) {
        reason = r.clone();
    }
    let conditions = status.conditions.as_deref().unwrap_or_default();
    if conditions
        .iter()
        .any(|c| c.type_ == "PodScheduled" && c.reason.as_deref() == Some("SchedulingGated"))
    {
        reason = "SchedulingGated".to_string();
    }

    let mut ready = 0;
    let mut restarts = 0;
    let mut last_restart: Option<DateTime<Utc>> = None;
    let mut sidecar_restarts = 0;
    let mut sidecar_last_restart: Option<DateTime<Utc>> = None;
    let mut initializing = false;
    let init_statuses = status
        .init_container_statuses
        .as_deref()
        .unwrap_or_default();
    for (index, container) in init_statuses.iter().enumerate() {
        restarts += container.restart_count;
        let finished = last_finished(container);
        last_restart = latest(last_restart, finished);
        if restartable_init(&container.name) {
            sidecar_restarts += container.restart_count;
            sidecar_last_restart = latest(sidecar_last_restart, finished);
        }
        let state = container.state.as_ref();
        let terminated = state.and_then(|s| s.terminated.as_ref());
        if terminated.is_some_and(|t| t.exit_code == 0) {
            continue;
        }
        if restartable_init(&container.name) && container.started == Some(true) {
            if container.ready {
                ready += 1;
            }
            continue;
        }
        if let Some(terminated) = terminated {
            reason = match terminated.reason.as_deref().filter(|r| !r.is_empty()) {
                Some(r) => format!("Init:{r}"),
                None if terminated.signal.unwrap_or(0) != 0 => {
                    format!("Init:Signal:{}", terminated.signal.unwrap_or(0))
                }
                None => format!("Init:ExitCode:{}", terminated.exit_code),
            };
        } else if let Some(waiting) = state
            .and_then(|s| s.waiting.as_ref())
            .and_then(|w| w.reason.as_deref())
            .filter(|r| !r.is_empty() && *r != "PodInitializing")
        {
            reason = format!("Init:{waiting}");
        } else {
            reason = format!("Init:{}/{}", index, shape.init_containers.len());
        }
        initializing = true;
        break;
    }

    let initialized = conditions
        .iter()
        .any(|c| c.type_ == "Initialized" && c.status == "True");
    if !initializing || initialized {
        restarts = sidecar_restarts;
        last_restart = sidecar_last_restart;
        let mut has_running = false;
        let statuses = status.container_statuses.as_deref().unwrap_or_default();
        for container in statuses.iter().rev() {
            restarts += container.restart_count;
            last_restart = latest(last_restart, last_finished(container));
            let state = container.state.as_ref();
            let waiting = state
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref())
                .filter(|r| !r.is_empty());
            let terminated = state.and_then(|s| s.terminated.as_ref());
            if let Some(w) = waiting {
                reason = w.to_string();
            } else if let Some(terminated) = terminated {
                reason = match terminated.reason.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => r.to_string(),
                    None if terminated.signal.unwrap_or(0) != 0 => {
                        format!("Signal:{}", terminated.signal.unwrap_or(0))
                    }
                    None => format!("ExitCode:{}", terminated.exit_code),
                };
            } else if container.ready && state.is_some_and(|s| s.running.is_some()) {
                has_running = true;
                ready += 1;
            }
        }
        if reason == "Completed" && has_running {
            let pod_ready = conditions
                .iter()
                .any(|c| c.type_ == "Ready" && c.status == "True");
            reason = if pod_ready { "Running" } else { "NotReady" }.to_string();
        }
    }

    let phase = status.phase.as_deref().unwrap_or_default();
    let terminal = phase == "Succeeded" || phase == "Failed";
    if shape.deleting {
        if status.reason.as_deref() == Some(NODE_UNREACHABLE_REASON) {
            reason = "Unknown".to_string();
        } else if !terminal {
            reason = "Terminating".to_string();
        }
    }

    PodSummary {
        ready,
        total,
        status: reason,
        restarts,
        last_restart,
    }
}

fn last_finished(container: &ContainerStatus) -> Option<DateTime<Utc>> {
    container
        .last_state
        .as_ref()
        .and_then(|s| s.terminated.as_ref())
        .and_then(|t| t.finished_at.as_ref())
        .map(|t| DateTime::<Utc>::from_timestamp_nanos(t.0.as_nanosecond() as i64))
}

fn latest(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(value: serde_json::Value) -> Pod {
        serde_json::from_value(value).expect("fixture is a valid Pod")
    }

    #[test]
    fn running_and_ready() {
        let p = pod(json!({
            "metadata": {"name": "backend-1"},
            "spec": {"containers": [{"name": "app"}, {"name": "proxy"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "app", "ready": true, "restartCount": 0, "image": "x", "imageID": "", "state": {"running": {}}},
                {"name": "proxy", "ready": false, "restartCount": 2, "image": "x", "imageID": "",
                 "state": {"running": {}},
                 "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-01-01T00:00:00Z"}}}
            ]}
        }));
        let s = summarize(&p);
        assert_eq!(
            (s.ready, s.total, s.status.as_str(), s.restarts),
            (1, 2, "Running", 2)
        );
        assert!(s.last_restart.is_some());
    }

    #[test]
    fn waiting_reason_wins() {
        let p = pod(json!({
            "metadata": {"name": "backend-2"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Running", "containerStatuses": [
                {"name": "app", "ready": false, "restartCount": 7, "image": "x", "imageID": "",
                 "state": {"waiting": {"reason": "CrashLoopBackOff"}}}
            ]}
        }));
        assert_eq!(summarize(&p).status, "CrashLoopBackOff");
    }

    #[test]
    fn init_progress_and_failures() {
        let base = json!({
            "metadata": {"name": "migrate"},
            "spec": {"initContainers": [{"name": "wait-db"}, {"name": "migrate"}], "containers": [{"name": "app"}]},
            "status": {"phase": "Pending", "initContainerStatuses": [
                {"name": "wait-db", "ready": true, "restartCount": 0, "image": "x", "imageID": "", "state": {"terminated": {"exitCode": 0}}},
                {"name": "migrate", "ready": false, "restartCount": 0, "image": "x", "imageID": "", "state": {"running": {}}}
            ]}
        });
        assert_eq!(summarize(&pod(base.clone())).status, "Init:1/2");
        let mut failed = base;
        failed["status"]["initContainerStatuses"][1]["state"] =
            json!({"terminated": {"exitCode": 3}});
        assert_eq!(summarize(&pod(failed)).status, "Init:ExitCode:3");
    }

    #[test]
    fn deleting_pod_is_terminating_unless_finished() {
        let mut v = json!({
            "metadata": {"name": "p", "deletionTimestamp": "2026-01-01T00:00:00Z"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Running"}
        });
        assert_eq!(summarize(&pod(v.clone())).status, "Terminating");
        v["status"]["phase"] = json!("Succeeded");
        assert_eq!(summarize(&pod(v)).status, "Succeeded");
    }

    #[test]
    fn evicted_uses_status_reason() {
        let p = pod(json!({
            "metadata": {"name": "p"},
            "spec": {"containers": [{"name": "app"}]},
            "status": {"phase": "Failed", "reason": "Evicted"}
        }));
        assert_eq!(summarize(&p).status, "Evicted");
    }
}
