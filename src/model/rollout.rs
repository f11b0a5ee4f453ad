//! Rollout status in the words and by the rules of `kubectl rollout status`, so the console and
//! kubectl never disagree about whether a rollout is done.

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};

/// Where a rollout stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RolloutPhase {
    /// kubectl would exit 0.
    Complete,
    /// kubectl would keep waiting.
    Progressing,
    /// `spec.paused`: the controller does not act until resumed.
    Paused,
    /// kubectl would exit non-zero (ProgressDeadlineExceeded, unsupported strategy).
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutStatus {
    pub phase: RolloutPhase,
    /// kubectl's sentence, without the trailing newline.
    pub message: String,
}

impl RolloutStatus {
    fn new(phase: RolloutPhase, message: String) -> Self {
        RolloutStatus { phase, message }
    }
}

/// How a workload looks at a glance on the overview.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    Healthy,
    Progressing,
    Degraded,
}

impl Health {
    /// What a person needs to know, which is not always kubectl's word: "progressing" is for a
    /// rollout that is moving (`updating`) or paused. A workload short of ready replicas with no
    /// update under way is degraded, whatever `kubectl rollout status` says while it waits (a
    /// database whose only pod was evicted is down, not rolling out); so is a failed rollout.
    pub fn of(status: &RolloutStatus, desired: i32, ready: i32, updating: bool) -> Health {
        match status.phase {
            RolloutPhase::Failed => Health::Degraded,
            RolloutPhase::Paused => Health::Progressing,
            _ if ready < desired && !updating => Health::Degraded,
            RolloutPhase::Complete => Health::Healthy,
            RolloutPhase::Progressing => Health::Progressing,
        }
    }
}

/// A Deployment's rollout is moving: a spec change not yet observed, replicas not yet on the new
/// template or old ones still terminating, or the controller's own `Progressing` condition naming
/// a ReplicaSet update. After `NewReplicaSetAvailable`, missing replicas are a fault, not progress.
pub fn deployment_updating(d: &Deployment) -> bool {
    let status = d.status.clone().unwrap_or_default();
    let desired = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let updated = status.updated_replicas.unwrap_or(0);
    let moving = status.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing"
            && c.status == "True"
            && matches!(
                c.reason.as_deref(),
                Some("ReplicaSetUpdated" | "NewReplicaSetCreated" | "FoundNewReplicaSet")
            )
    });
    d.metadata.generation.unwrap_or(0) > status.observed_generation.unwrap_or(0)
        || updated < desired
        || status.replicas.unwrap_or(0) > updated
        || moving
}

/// A StatefulSet's rollout is moving: a spec change not yet observed, or pods still on the old
/// revision.
pub fn statefulset_updating(s: &StatefulSet) -> bool {
    let status = s.status.clone().unwrap_or_default();
    let desired = s.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    s.metadata.generation.unwrap_or(0) > status.observed_generation.unwrap_or(0)
        || (status.update_revision.is_some() && status.current_revision != status.update_revision)
        || status.updated_replicas.unwrap_or(0) < desired
}

/// `kubectl rollout status deployment/NAME`, one evaluation.
pub fn deployment_status(d: &Deployment) -> RolloutStatus {
    let name = d.metadata.name.as_deref().unwrap_or("");
    let generation = d.metadata.generation.unwrap_or(0);
    let status = d.status.clone().unwrap_or_default();
    let spec = d.spec.as_ref();
    if generation > status.observed_generation.unwrap_or(0) {
        return RolloutStatus::new(
            RolloutPhase::Progressing,
            "Waiting for deployment spec update to be observed...".into(),
        );
    }
    let timed_out = status.conditions.iter().flatten().any(|c| {
        c.type_ == "Progressing" && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    });
    if timed_out {
        return RolloutStatus::new(
            RolloutPhase::Failed,
            format!("deployment \"{name}\" exceeded its progress deadline"),
        );
    }
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    let waiting = if let Some(desired) = spec.and_then(|s| s.replicas).filter(|d| updated < *d) {
        Some(format!(
            "Waiting for deployment \"{name}\" rollout to finish: {updated} out of {desired} new replicas have been updated..."
        ))
    } else if replicas > updated {
        Some(format!(
            "Waiting for deployment \"{name}\" rollout to finish: {} old replicas are pending termination...",
            replicas - updated
        ))
    } else if available < updated {
        Some(format!(
            "Waiting for deployment \"{name}\" rollout to finish: {available} of {updated} updated replicas are available..."
        ))
    } else {
        None
    };
    let paused = spec.and_then(|s| s.paused).unwrap_or(false);
    match (waiting, paused) {
        (Some(message), true) => {
            RolloutStatus::new(RolloutPhase::Paused, format!("paused: {message}"))
        }
        (Some(message), false) => RolloutStatus::new(RolloutPhase::Progressing, message),
        (None, _) => RolloutStatus::new(
            RolloutPhase::Complete,
            format!("deployment \"{name}\" successfully rolled out"),
        ),
    }
}

/// `kubectl rollout status statefulset/NAME`, one evaluation.
pub fn statefulset_status(s: &StatefulSet) -> RolloutStatus {
    let spec = s.spec.as_ref();
    let strategy = spec.and_then(|s| s.update_strategy.as_ref());
    let strategy_type = strategy
        .and_then(|u| u.type_.as_deref())
        .unwrap_or("RollingUpdate");
    if strategy_type != "RollingUpdate" {
        return RolloutStatus::new(
            RolloutPhase::Failed,
            "rollout status is only available for RollingUpdate strategy type".into(),
        );
    }
    let status = s.status.clone().unwrap_or_default();
    let observed = status.observed_generation.unwrap_or(0);
    if observed == 0 || s.metadata.generation.unwrap_or(0) > observed {
        return RolloutStatus::new(
            RolloutPhase::Progressing,
            "Waiting for statefulset spec update to be observed...".into(),
        );
    }
    let desired = spec.and_then(|s| s.replicas);
    let ready = status.ready_replicas.unwrap_or(0);
    if let Some(desired) = desired.filter(|d| ready < *d) {
        return RolloutStatus::new(
            RolloutPhase::Progressing,
            format!("Waiting for {} pods to be ready...", desired - ready),
        );
    }
    let updated = status.updated_replicas.unwrap_or(0);
    if let Some(rolling) = strategy.and_then(|u| u.rolling_update.as_ref()) {
        if let (Some(desired), Some(partition)) = (desired, rolling.partition)
            && updated < desired - partition
        {
            return RolloutStatus::new(
                RolloutPhase::Progressing,
                format!(
                    "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                    desired - partition
                ),
            );
        }
        return RolloutStatus::new(
            RolloutPhase::Complete,
            format!("partitioned roll out complete: {updated} new pods have been updated..."),
        );
    }
    let update_revision = status.update_revision.as_deref().unwrap_or("");
    let current_revision = status.current_revision.as_deref().unwrap_or("");
    if update_revision != current_revision {
        return RolloutStatus::new(
            RolloutPhase::Progressing,
            format!(
                "waiting for statefulset rolling update to complete {updated} pods at revision {update_revision}..."
            ),
        );
    }
    RolloutStatus::new(
        RolloutPhase::Complete,
        format!(
            "statefulset rolling update complete {} pods at revision {current_revision}...",
            status.current_replicas.unwrap_or(0)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn deployment(generation: i64, spec: Value, status: Value) -> Deployment {
        serde_json::from_value(json!({
            "metadata": {"name": "ms5-backend", "namespace": "ms5-production", "generation": generation},
            "spec": spec,
            "status": status,
        }))
        .unwrap()
    }

    fn template() -> Value {
        json!({"selector": {"matchLabels": {"app": "b"}}, "template": {"metadata": {"labels": {"app": "b"}}}})
    }

    fn with(base: Value, extra: Value) -> Value {
        let mut v = base;
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    }

    #[test]
    fn deployment_follows_kubectl_rules_in_order() {
        let spec = with(template(), json!({"replicas": 3}));
        let cases = [
            (
                2,
                json!({"observedGeneration": 1}),
                RolloutPhase::Progressing,
                "Waiting for deployment spec update to be observed...",
            ),
            (
                2,
                json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 1}),
                RolloutPhase::Progressing,
                "Waiting for deployment \"ms5-backend\" rollout to finish: 1 out of 3 new replicas have been updated...",
            ),
            (
                2,
                json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 3}),
                RolloutPhase::Progressing,
                "Waiting for deployment \"ms5-backend\" rollout to finish: 1 old replicas are pending termination...",
            ),
            (
                2,
                json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 2}),
                RolloutPhase::Progressing,
                "Waiting for deployment \"ms5-backend\" rollout to finish: 2 of 3 updated replicas are available...",
            ),
            (
                2,
                json!({"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}),
                RolloutPhase::Complete,
                "deployment \"ms5-backend\" successfully rolled out",
            ),
            (
                2,
                json!({"observedGeneration": 2, "replicas": 4, "updatedReplicas": 1, "conditions": [
                {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]}),
                RolloutPhase::Failed,
                "deployment \"ms5-backend\" exceeded its progress deadline",
            ),
        ];
        for (generation, status, phase, message) in cases {
            let got = deployment_status(&deployment(generation, spec.clone(), status));
            assert_eq!((got.phase, got.message.as_str()), (phase, message));
        }
    }

    #[test]
    fn paused_deployment_says_so_and_is_not_complete() {
        let spec = with(template(), json!({"replicas": 3, "paused": true}));
        let got = deployment_status(&deployment(
            3,
            spec,
            json!({"observedGeneration": 3, "replicas": 3, "updatedReplicas": 1}),
        ));
        assert_eq!(got.phase, RolloutPhase::Paused);
        assert!(
            got.message.starts_with("paused: Waiting for deployment"),
            "{}",
            got.message
        );
    }

    fn statefulset(spec: Value, status: Value) -> StatefulSet {
        serde_json::from_value(json!({
            "metadata": {"name": "postgres", "generation": 4},
            "spec": with(json!({"serviceName": "postgres", "selector": {}, "template": {}}), spec),
            "status": status,
        }))
        .unwrap()
    }

    #[test]
    fn statefulset_follows_kubectl_rules() {
        let s = statefulset(
            json!({"replicas": 3}),
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 1}),
        );
        assert_eq!(
            statefulset_status(&s).message,
            "Waiting for 2 pods to be ready..."
        );
        let s = statefulset(
            json!({"replicas": 3}),
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3,
            "updatedReplicas": 1, "currentRevision": "postgres-a", "updateRevision": "postgres-b"}),
        );
        assert_eq!(
            statefulset_status(&s).message,
            "waiting for statefulset rolling update to complete 1 pods at revision postgres-b..."
        );
        let s = statefulset(
            json!({"replicas": 3}),
            json!({"observedGeneration": 4, "replicas": 3, "readyReplicas": 3,
            "currentReplicas": 3, "updatedReplicas": 3, "currentRevision": "postgres-b", "updateRevision": "postgres-b"}),
        );
        let got = statefulset_status(&s);
        assert_eq!(got.phase, RolloutPhase::Complete);
        assert_eq!(
            got.message,
            "statefulset rolling update complete 3 pods at revision postgres-b..."
        );
        let s = statefulset(
            json!({"replicas": 3, "updateStrategy": {"type": "OnDelete"}}),
            json!({"observedGeneration": 4}),
        );
        assert_eq!(statefulset_status(&s).phase, RolloutPhase::Failed);
        let s = statefulset(
            json!({"replicas": 3, "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 2}}}),
            json!({"observedGeneration": 4, "readyReplicas": 3, "updatedReplicas": 0}),
        );
        assert_eq!(
            statefulset_status(&s).message,
            "Waiting for partitioned roll out to finish: 0 out of 1 new pods have been updated..."
        );
    }

    #[test]
    fn health_summarises_phase_and_readiness() {
        let complete = RolloutStatus::new(RolloutPhase::Complete, String::new());
        assert_eq!(Health::of(&complete, 3, 3, false), Health::Healthy);
        assert_eq!(Health::of(&complete, 3, 2, false), Health::Degraded);
        let failed = RolloutStatus::new(RolloutPhase::Failed, String::new());
        assert_eq!(Health::of(&failed, 3, 3, true), Health::Degraded);
        let waiting = RolloutStatus::new(RolloutPhase::Progressing, String::new());
        assert_eq!(Health::of(&waiting, 3, 2, true), Health::Progressing);
        // kubectl still waits, but nothing is being rolled out: the replicas are just missing.
        assert_eq!(Health::of(&waiting, 1, 0, false), Health::Degraded);
        let paused = RolloutStatus::new(RolloutPhase::Paused, String::new());
        assert_eq!(Health::of(&paused, 3, 2, true), Health::Progressing);
    }

    #[test]
    fn a_statefulset_short_of_ready_pods_without_an_update_is_not_updating() {
        // node-pressure: postgres-0 evicted, its replacement Pending; same revision throughout.
        let s = statefulset(
            json!({"replicas": 1, "updateStrategy": {"type": "RollingUpdate"}}),
            json!({"observedGeneration": 4, "replicas": 1, "readyReplicas": 0, "updatedReplicas": 1,
                "currentRevision": "postgres-6f79f", "updateRevision": "postgres-6f79f"}),
        );
        assert_eq!(statefulset_status(&s).phase, RolloutPhase::Progressing);
        assert!(!statefulset_updating(&s));
        let s = statefulset(
            json!({"replicas": 1, "updateStrategy": {"type": "RollingUpdate"}}),
            json!({"observedGeneration": 4, "replicas": 1, "readyReplicas": 0, "updatedReplicas": 0,
                "currentRevision": "postgres-6f79f", "updateRevision": "postgres-7a001"}),
        );
        assert!(statefulset_updating(&s));
    }
}
