//! Following a rollout, as `kubectl rollout status -w` does, from the watches the console
//! already has (no polling): each stage in kubectl's words with the time it was seen, until the
//! rollout completes, is paused, or is superseded by another change; after
//! `ProgressDeadlineExceeded` it keeps following (a stalled rollout can still finish or be
//! undone). Several workloads can be followed at once; closing the pane does not stop it.

pub use super::followed::{Concluded, Follow, FollowKey, FollowState, Started, key};
use super::state::AppState;
use crate::model::rollout::RolloutPhase;
use crate::model::workload::WorkloadRow;

/// The workload's row as the watches hold it now, and its generation.
pub fn row_of(
    state: &AppState,
    kind: &str,
    namespace: &str,
    name: &str,
) -> Option<(WorkloadRow, i64)> {
    let key = (namespace.to_string(), name.to_string());
    match kind {
        "Deployment" => state.cluster.deployments.get(&key).map(|d| {
            (
                WorkloadRow::of_deployment(d),
                d.metadata.generation.unwrap_or(0),
            )
        }),
        _ => state.cluster.statefulsets.get(&key).map(|s| {
            (
                WorkloadRow::of_statefulset(s),
                s.metadata.generation.unwrap_or(0),
            )
        }),
    }
}

/// A fingerprint of the workload's pod template as it is now (0 when it is unknown).
fn template_of(state: &AppState, kind: &str, namespace: &str, name: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let key = (namespace.to_string(), name.to_string());
    let template = match kind {
        "Deployment" => state
            .cluster
            .deployments
            .get(&key)
            .and_then(|d| d.spec.as_ref())
            .and_then(|s| serde_json::to_string(&s.template).ok()),
        _ => state
            .cluster
            .statefulsets
            .get(&key)
            .and_then(|s| s.spec.as_ref())
            .and_then(|s| serde_json::to_string(&s.template).ok()),
    };
    template.map_or(0, |t| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        t.hash(&mut hasher);
        hasher.finish()
    })
}

/// Starts following (again, from now) the workload's rollout at `generation` or later (None:
/// the one it is in now).
pub fn start(
    state: &mut AppState,
    kind: &'static str,
    namespace: &str,
    name: &str,
    generation: Option<i64>,
    started_by: Option<Started>,
) {
    let current = row_of(state, kind, namespace, name).map_or(0, |(_, g)| g);
    let follow = Follow {
        kind,
        namespace: namespace.to_string(),
        name: name.to_string(),
        started: state.now,
        generation: generation.unwrap_or(current),
        template: template_of(state, kind, namespace, name),
        stages: Vec::new(),
        end: None,
        deadline_exceeded: false,
        guard: None,
        verdict: None,
        auto_pause: None,
        started_by,
    };
    let key = key(kind, namespace, name);
    state.follow.follows.insert(key.clone(), follow);
    super::guard::arm_auto_pause(state, &key);
    observe(state);
    super::guard::update(state);
}

/// After the watches changed: each followed rollout's new stage, or its end.
pub fn observe(state: &mut AppState) {
    if state.follow.follows.is_empty() {
        return;
    }
    let now = state.now;
    let keys: Vec<FollowKey> = state.follow.follows.keys().cloned().collect();
    for k in keys {
        let Some(f) = state.follow.follows.get(&k) else {
            continue;
        };
        // A follow the console's own change started ends for good; one opened with `f`
        // watches for the workload's next change, as `kubectl rollout status -w` run again.
        if f.end.is_some() && f.started_by.is_some() {
            continue;
        }
        let row = row_of(state, f.kind, &f.namespace, &f.name);
        let template = template_of(state, f.kind, &f.namespace, &f.name);
        let Some(f) = state.follow.follows.get_mut(&k) else {
            continue;
        };
        let Some((row, generation)) = row else {
            if f.end.is_none() {
                f.end = Some((now, "the workload is gone".into()));
            }
            continue;
        };
        if generation < f.generation {
            // The change has not come back through the watch yet.
            continue;
        }
        if generation > f.generation && f.started_by.is_none() && template == f.template {
            // A pause, a resume or a scale: the same rollout stops or goes on, its guard (and
            // its trip) with it. A resume takes up a rollout that ended paused.
            f.generation = generation;
            if f.end
                .as_ref()
                .is_some_and(|(_, how)| how.starts_with("paused"))
            {
                f.end = None;
            }
        } else if generation > f.generation && f.started_by.is_none() {
            f.generation = generation;
            f.template = template;
            f.end = None;
            f.deadline_exceeded = false;
            // A new rollout: a new guard, its baseline read from now.
            f.guard = None;
            f.started = now;
            f.stages
                .push((now, format!("a new change: generation {generation}")));
        }
        if f.end.is_some() {
            continue;
        }
        let words = row.status.message.clone();
        if f.stages.last().is_none_or(|(_, last)| *last != words) {
            f.stages.push((now, words));
        }
        if row.status.phase == RolloutPhase::Failed {
            f.deadline_exceeded = true;
        }
        let how = match row.status.phase {
            RolloutPhase::Complete => Some("complete".to_string()),
            RolloutPhase::Paused => Some("paused".to_string()),
            // Someone (or the console) changed the spec again: this rollout will not finish
            // as the one followed; `f` follows the new one.
            _ if generation > f.generation => Some(format!(
                "superseded by another change (generation {generation})"
            )),
            _ => None,
        };
        if let Some(how) = how {
            let how = if f.deadline_exceeded {
                format!("{how}, after ProgressDeadlineExceeded")
            } else {
                how
            };
            f.end = Some((now, how));
        }
        if let (Some((at, how)), Some(started)) = (&f.end, &f.started_by) {
            let concluded = Concluded {
                started: started.clone(),
                how: how.clone(),
                duration_ms: (*at - f.started).num_milliseconds().max(0) as u64,
            };
            state
                .outbox
                .push(crate::app::event::Effect::RecordConclusion(Box::new(
                    concluded,
                )));
        }
    }
}

/// Whether the workload with this row key is followed and not yet ended.
pub fn is_followed(state: &AppState, key: &FollowKey) -> bool {
    state
        .follow
        .follows
        .get(key)
        .is_some_and(|f| f.end.is_none())
}

/// The rollout a successful plan starts, to follow: (kind, namespace, name, the generation it
/// made). A pause starts none; an autoscaler's minimum is not a rollout either.
pub fn rollout_started_by(
    plan: &crate::ops::plan::WritePlan,
) -> Option<(&'static str, String, String, i64)> {
    use crate::ops::plan::{Target, WriteAction};
    use crate::ops::rollout::RolloutKind;
    let (Target::Kube(object), WriteAction::Rollout(change)) = (&plan.target, &plan.action) else {
        return None;
    };
    let kind = match object.kind.as_str() {
        "Deployment" => "Deployment",
        "StatefulSet" => "StatefulSet",
        _ => return None,
    };
    match change.kind {
        RolloutKind::Restart
        | RolloutKind::Resume
        | RolloutKind::Scale { .. }
        | RolloutKind::Undo => Some((
            kind,
            object.namespace.clone(),
            object.name.clone(),
            change.generation + 1,
        )),
        RolloutKind::Pause | RolloutKind::ScaleAutoscaler { .. } => None,
    }
}

/// `f` on the Rollouts view: follow the selected workload's rollout, whoever started it.
pub fn follow_selected(state: &mut AppState) {
    let Some(row) = state
        .rows
        .workloads
        .get(state.table(super::state::ViewId::Rollouts).selected)
        .cloned()
    else {
        return;
    };
    let kind = row.kind;
    start(state, kind, &row.namespace, &row.name, None, None);
    state.overlay = Some(super::state::Overlay::Follow {
        key: key(kind, &row.namespace, &row.name),
        outcome: None,
    });
}
