//! What the console shows about a pod, derived once per change of the pod: kubectl's status, the
//! restart history, QoS and probe health.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::{Container, Pod, Probe};

use super::age::k8s_time;
use super::pod_status::{PodSummary, summarize};
use super::usage::Bounds;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodRow {
    pub namespace: String,
    pub name: String,
    pub summary: PodSummary,
    pub node: String,
    pub qos: String,
    pub created: Option<DateTime<Utc>>,
    pub probes: ProbeHealth,
    /// Restarts whose previous run ended within the last hour (as of the pod's last change).
    pub restart_times: Vec<DateTime<Utc>>,
    pub owner: Option<(String, String)>,
    pub containers: Vec<String>,
    pub labels: std::collections::BTreeMap<String, String>,
    /// What the details pane shows, kept instead of the whole pod (10,000 pods stay small).
    pub detail: Vec<ContainerDetail>,
    /// The scheduler's message while the pod cannot be placed (`0/6 nodes are available: ...`).
    pub unschedulable: Option<String>,
    /// Why the pod stopped, in the kubelet's words (an eviction: `The node was low on ...`).
    pub status_message: Option<String>,
    /// The pod's phase is Running: only then can the metrics API have a reading of it.
    pub running: bool,
    /// Its uid: a delete is sent on the condition that the pod is still this one (a
    /// StatefulSet's replacement has the same name).
    pub uid: String,
    /// `spec.terminationGracePeriodSeconds`.
    pub grace_seconds: Option<i64>,
    /// Requests and limits summed over the containers, to read use against.
    pub requests: Bounds,
    pub limits: Bounds,
    /// When its `Ready` condition last changed (the timeline dates readiness changes by it).
    pub ready_changed: Option<DateTime<Utc>>,
    /// The kubelet evicted it (`status.reason: Evicted`): kubectl shows its containers' last
    /// state instead (`ContainerStatusUnknown`, `Error`), so the status column does not say so.
    pub evicted: bool,
    /// How long its readiness probes may fail before that means something: the longest of its
    /// containers' `initialDelaySeconds + periodSeconds x failureThreshold` (None: no probe).
    pub readiness_threshold: Option<i64>,
}

/// One container as the pod details pane shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerDetail {
    pub name: String,
    pub image: String,
    /// `running`, `waiting: CrashLoopBackOff`, `terminated: Completed (exit 0)`, `not started`.
    pub state: String,
    pub ready: bool,
    /// The previous run's end: reason, exit code, when.
    pub last: Option<(String, i32, Option<DateTime<Utc>>)>,
    /// (`liveness`|`readiness`|`startup`, description)
    pub probes: Vec<(&'static str, String)>,
    pub requests: String,
    pub limits: String,
}

/// Which probes are configured across the pod's containers, and which fail now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProbeHealth {
    pub liveness: bool,
    pub readiness: bool,
    pub startup: bool,
    /// A running container whose readiness probe is configured but which is not ready.
    pub readiness_failing: bool,
    /// A running container whose startup probe has not yet passed.
    pub startup_pending: bool,
}

impl ProbeHealth {
    pub fn failing(&self) -> bool {
        self.readiness_failing || self.startup_pending
    }

    /// `L R S` for configured probes, `-` for none; a failing one is marked with `!`.
    pub fn cell(&self) -> String {
        let mut parts = Vec::new();
        if self.liveness {
            parts.push("L".to_string());
        }
        if self.readiness {
            parts.push(if self.readiness_failing { "R!" } else { "R" }.to_string());
        }
        if self.startup {
            parts.push(if self.startup_pending { "S!" } else { "S" }.to_string());
        }
        if parts.is_empty() {
            "-".to_string()
        } else {
            parts.join(" ")
        }
    }
}

impl PodRow {
    /// A one-container pod in ms5-production, for tests of what is made from rows.
    #[cfg(test)]
    pub fn sample(name: &str) -> PodRow {
        PodRow {
            namespace: "ms5-production".into(),
            name: name.into(),
            summary: PodSummary {
                total: 1,
                ..Default::default()
            },
            containers: vec!["backend".into()],
            ..Default::default()
        }
    }

    pub fn of(pod: &Pod) -> PodRow {
        let meta = &pod.metadata;
        let spec = pod.spec.as_ref();
        let status = pod.status.as_ref();
        let containers: &[Container] = spec.map_or(&[], |s| s.containers.as_slice());
        let statuses = status
            .and_then(|s| s.container_statuses.as_deref())
            .unwrap_or(&[]);
        let mut probes = ProbeHealth::default();
        for c in containers {
            probes.liveness |= c.liveness_probe.is_some();
            probes.readiness |= c.readiness_probe.is_some();
            probes.startup |= c.startup_probe.is_some();
            let Some(cs) = statuses.iter().find(|s| s.name == c.name) else {
                continue;
            };
            let running = cs.state.as_ref().is_some_and(|s| s.running.is_some());
            if running && c.readiness_probe.is_some() && !cs.ready {
                probes.readiness_failing = true;
            }
            if running && c.startup_probe.is_some() && cs.started == Some(false) {
                probes.startup_pending = true;
            }
        }
        let restart_times = statuses
            .iter()
            .filter_map(|cs| {
                cs.last_state
                    .as_ref()?
                    .terminated
                    .as_ref()?
                    .finished_at
                    .as_ref()
            })
            .map(k8s_time)
            .collect();
        let (requests, limits) = spec.map(Bounds::of).unwrap_or_default();
        PodRow {
            namespace: meta.namespace.clone().unwrap_or_default(),
            name: meta.name.clone().unwrap_or_default(),
            summary: summarize(pod),
            node: spec.and_then(|s| s.node_name.clone()).unwrap_or_default(),
            qos: status.and_then(|s| s.qos_class.clone()).unwrap_or_default(),
            created: meta.creation_timestamp.as_ref().map(k8s_time),
            probes,
            restart_times,
            owner: meta
                .owner_references
                .as_ref()
                .and_then(|o| o.first())
                .map(|o| (o.kind.clone(), o.name.clone())),
            containers: containers.iter().map(|c| c.name.clone()).collect(),
            labels: meta.labels.clone().unwrap_or_default(),
            detail: containers
                .iter()
                .map(|c| container_detail(c, statuses))
                .collect(),
            unschedulable: status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .find(|c| {
                    c.type_ == "PodScheduled"
                        && c.status == "False"
                        && c.reason.as_deref() == Some("Unschedulable")
                })
                .map(|c| c.message.clone().unwrap_or_else(|| "Unschedulable".into())),
            status_message: status.and_then(|s| s.message.clone()),
            evicted: status.and_then(|s| s.reason.as_deref()) == Some("Evicted"),
            running: status.and_then(|s| s.phase.as_deref()) == Some("Running"),
            uid: meta.uid.clone().unwrap_or_default(),
            grace_seconds: spec.and_then(|s| s.termination_grace_period_seconds),
            requests,
            limits,
            readiness_threshold: containers
                .iter()
                .filter_map(|c| c.readiness_probe.as_ref())
                .map(|p| {
                    i64::from(p.initial_delay_seconds.unwrap_or(0))
                        + i64::from(p.period_seconds.unwrap_or(10))
                            * i64::from(p.failure_threshold.unwrap_or(3))
                })
                .max(),
            ready_changed: status
                .and_then(|s| s.conditions.as_ref())
                .into_iter()
                .flatten()
                .find(|c| c.type_ == "Ready")
                .and_then(|c| c.last_transition_time.as_ref())
                .map(k8s_time),
        }
    }

    /// The pod cannot do its work and will not by waiting: it cannot be scheduled, was evicted,
    /// or its containers crash or cannot start.
    pub fn cannot_run(&self) -> bool {
        self.unschedulable.is_some()
            || matches!(
                self.summary.status.as_str(),
                "CrashLoopBackOff"
                    | "Error"
                    | "OOMKilled"
                    | "Evicted"
                    | "ImagePullBackOff"
                    | "ErrImagePull"
                    | "InvalidImageName"
                    | "CreateContainerConfigError"
                    | "CreateContainerError"
                    | "RunContainerError"
                    | "ContainerStatusUnknown"
            )
    }

    /// Ready as kubectl prints it, `1/2`.
    pub fn ready_cell(&self) -> String {
        format!("{}/{}", self.summary.ready, self.summary.total)
    }

    pub fn is_ready(&self) -> bool {
        self.summary.total > 0 && self.summary.ready == self.summary.total
    }

    /// Counted as not ready wherever pods are counted (the Overview, its agreement with the
    /// Pods view): not all containers ready, and not a pod whose work is done (`Completed`) or
    /// a Job's run that is over.
    pub fn short_of_ready(&self) -> bool {
        !self.is_ready() && self.summary.status != "Completed" && !self.is_finished_run()
    }

    /// A Job's pod whose containers have all ended: a run that is over (passed or failed),
    /// not a workload short of ready. Its result belongs with the Job's runs.
    pub fn is_finished_run(&self) -> bool {
        self.owner.as_ref().is_some_and(|(kind, _)| kind == "Job")
            && !self.running
            && !self.detail.is_empty()
            && self
                .detail
                .iter()
                .all(|c| c.state.starts_with("terminated"))
    }

    /// Restarts whose previous container finished within the hour before `now`.
    pub fn restarts_within_hour(&self, now: DateTime<Utc>) -> usize {
        self.restart_times
            .iter()
            .filter(|t| now.signed_duration_since(**t).num_seconds() < 3600)
            .count()
    }
}

fn container_detail(
    c: &Container,
    statuses: &[k8s_openapi::api::core::v1::ContainerStatus],
) -> ContainerDetail {
    let cs = statuses.iter().find(|s| s.name == c.name);
    let state = cs
        .and_then(|s| s.state.as_ref())
        .map(|s| {
            if s.running.is_some() {
                "running".to_string()
            } else if let Some(w) = &s.waiting {
                format!("waiting: {}", w.reason.clone().unwrap_or_default())
            } else if let Some(t) = &s.terminated {
                format!(
                    "terminated: {} (exit {})",
                    t.reason.clone().unwrap_or_default(),
                    t.exit_code
                )
            } else {
                "unknown".into()
            }
        })
        .unwrap_or_else(|| "not started".into());
    let last = cs
        .and_then(|s| s.last_state.as_ref()?.terminated.as_ref())
        .map(|t| {
            (
                t.reason.clone().unwrap_or_default(),
                t.exit_code,
                t.finished_at.as_ref().map(k8s_time),
            )
        });
    let probes = [
        ("liveness", &c.liveness_probe),
        ("readiness", &c.readiness_probe),
        ("startup", &c.startup_probe),
    ]
    .into_iter()
    .filter_map(|(kind, p)| p.as_ref().map(|p| (kind, describe_probe(p))))
    .collect();
    let quantities = |m: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >| {
        m.map(|m| {
            m.iter()
                .map(|(k, v)| format!("{k}={}", v.0))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "-".into())
    };
    let resources = c.resources.as_ref();
    ContainerDetail {
        name: c.name.clone(),
        image: c.image.clone().unwrap_or_default(),
        state,
        ready: cs.is_some_and(|s| s.ready),
        last,
        probes,
        requests: quantities(resources.and_then(|r| r.requests.as_ref())),
        limits: quantities(resources.and_then(|r| r.limits.as_ref())),
    }
}

/// How a probe is configured, as `kubectl describe` prints it.
pub fn describe_probe(probe: &Probe) -> String {
    let action = if let Some(h) = &probe.http_get {
        let port = match &h.port {
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(p) => p.to_string(),
            k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::String(s) => s.clone(),
        };
        format!(
            "http-get {}:{}{}",
            h.host.as_deref().unwrap_or(""),
            port,
            h.path.as_deref().unwrap_or("/")
        )
    } else if let Some(t) = &probe.tcp_socket {
        format!("tcp-socket :{:?}", t.port)
    } else if let Some(e) = &probe.exec {
        format!(
            "exec {}",
            e.command.as_ref().map(|c| c.join(" ")).unwrap_or_default()
        )
    } else if probe.grpc.is_some() {
        "grpc".to_string()
    } else {
        "unknown".to_string()
    };
    format!(
        "{action} delay={}s timeout={}s period={}s #success={} #failure={}",
        probe.initial_delay_seconds.unwrap_or(0),
        probe.timeout_seconds.unwrap_or(1),
        probe.period_seconds.unwrap_or(10),
        probe.success_threshold.unwrap_or(1),
        probe.failure_threshold.unwrap_or(3)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readiness_failing_on_a_running_unready_container() {
        let pod: Pod = serde_json::from_value(json!({
            "metadata": {"name": "ms5-backend-1", "namespace": "ms5-production",
                "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "ms5-backend-7d9", "uid": "u"}]},
            "spec": {"nodeName": "aks-app-1", "containers": [{"name": "backend",
                "livenessProbe": {"httpGet": {"path": "/health", "port": 8000}},
                "readinessProbe": {"httpGet": {"path": "/ready", "port": 8000}}}]},
            "status": {"phase": "Running", "qosClass": "Burstable", "containerStatuses": [{
                "name": "backend", "ready": false, "restartCount": 2, "image": "i", "imageID": "",
                "state": {"running": {"startedAt": "2026-11-27T10:00:00Z"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                    "finishedAt": "2026-11-27T09:59:00Z"}}}]}
        }))
        .unwrap();
        let row = PodRow::of(&pod);
        assert_eq!(row.probes.cell(), "L R!");
        assert!(row.probes.failing());
        assert_eq!(row.ready_cell(), "0/1");
        assert_eq!(row.qos, "Burstable");
        assert_eq!(
            row.owner,
            Some(("ReplicaSet".into(), "ms5-backend-7d9".into()))
        );
        let now: DateTime<Utc> = "2026-11-27T10:30:00Z".parse().unwrap();
        assert_eq!(row.restarts_within_hour(now), 1);
        let later: DateTime<Utc> = "2026-11-27T11:30:00Z".parse().unwrap();
        assert_eq!(row.restarts_within_hour(later), 0);
    }

    fn job_pod(phase: &str, state: serde_json::Value) -> PodRow {
        PodRow::of(
            &serde_json::from_value(json!({
                "metadata": {"name": "postgres-backup-29-x", "namespace": "ms5-production",
                    "ownerReferences": [{"apiVersion": "batch/v1", "kind": "Job", "name": "postgres-backup-29", "uid": "u"}]},
                "spec": {"containers": [{"name": "backup"}]},
                "status": {"phase": phase, "containerStatuses": [{
                    "name": "backup", "ready": false, "restartCount": 0, "image": "i", "imageID": "",
                    "state": state}]}
            }))
            .unwrap(),
        )
    }

    #[test]
    fn a_jobs_ended_pod_is_a_finished_run_and_a_running_one_is_not() {
        let failed = job_pod(
            "Failed",
            json!({"terminated": {"exitCode": 1, "reason": "Error"}}),
        );
        assert!(!failed.is_ready());
        assert!(failed.is_finished_run(), "a failed run");
        assert!(!failed.short_of_ready(), "not a pod short of ready");
        let running = job_pod(
            "Running",
            json!({"running": {"startedAt": "2026-11-27T10:00:00Z"}}),
        );
        assert!(!running.is_finished_run());
        assert!(
            running.short_of_ready(),
            "a running run not ready yet still counts"
        );
    }
}
