//! Key -> plan for the rollout actions on the Rollouts view: restart (`r`), pause or resume
//! (`p`, toggling; the plan says which) and scale (`=`, a count asked for first; on a workload
//! an autoscaler manages, the autoscaler's minimum). Each plan is made from the object as the
//! watch holds it and goes through the same checks, confirmation and executor as every write.

use crossterm::event::KeyEvent;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::event::Effect;
use super::field::{FieldKey, TextField};
use super::state::{AppState, Overlay, ViewId};
use super::writes::{check, refuse_if_readonly};
use crate::model::workload::WorkloadRow;
use crate::ops::plan::{KubeObject, Target, WriteAction, WritePlan};

use crate::app::stage::{Dialog, ScaleForm, UndoChooser};
use crate::ops::revisions::History;
use crate::ops::rollout::{RolloutChange, RolloutKind, UndoChange};

/// Most replicas a scale may ask for: a typo of 30000 should not reach the cluster.
pub const MAX_REPLICAS: i32 = 1000;

/// What the watch holds of a workload, for planning: its metadata, its pod template's, whether
/// it is paused, its replicas.
struct Planned {
    row: WorkloadRow,
    meta: ObjectMeta,
    template: Option<ObjectMeta>,
    paused: bool,
    replicas: i32,
}

/// The workload a key acts on: the followed one in the follow pane, else the Rollouts view's
/// selected row.
fn target(state: &mut AppState, what: &str) -> Option<Workload> {
    if let Some(Overlay::Follow { key, .. }) = &state.overlay {
        let f = state.follow.follows.get(key)?;
        let target = (f.kind, f.namespace.clone(), f.name.clone());
        return (!refuse_if_readonly(state, what)).then_some(target);
    }
    if state.view != ViewId::Rollouts || refuse_if_readonly(state, what) {
        return None;
    }
    let Some(row) = state
        .rows
        .workloads
        .get(state.table(ViewId::Rollouts).selected)
    else {
        state.say(format!("{what}: select a workload first"), true);
        return None;
    };
    Some((row.kind, row.namespace.clone(), row.name.clone()))
}

/// A workload: kind, namespace, name.
type Workload = (&'static str, String, String);

fn selected(state: &mut AppState, what: &str) -> Option<Planned> {
    let workload = target(state, what)?;
    planned(state, workload, what)
}

fn planned(state: &mut AppState, workload: Workload, what: &str) -> Option<Planned> {
    let (kind, namespace, name) = workload;
    let Some((row, _)) = super::follow::row_of(state, kind, &namespace, &name) else {
        state.say(format!("{what}: {namespace}/{name} is gone"), true);
        return None;
    };
    let key = (row.namespace.clone(), row.name.clone());
    let planned = match row.kind {
        "Deployment" => state.cluster.deployments.get(&key).map(|d| {
            let spec = d.spec.as_ref();
            (
                d.metadata.clone(),
                spec.and_then(|s| s.template.metadata.clone()),
                spec.and_then(|s| s.paused).unwrap_or(false),
                spec.and_then(|s| s.replicas).unwrap_or(1),
            )
        }),
        _ => state.cluster.statefulsets.get(&key).map(|s| {
            let spec = s.spec.as_ref();
            (
                s.metadata.clone(),
                spec.and_then(|s| s.template.metadata.clone()),
                false,
                spec.and_then(|s| s.replicas).unwrap_or(1),
            )
        }),
    }?;
    let (meta, template, paused, replicas) = planned;
    Some(Planned {
        row,
        meta,
        template,
        paused,
        replicas,
    })
}

/// A plan for `action` on `target`, then its checks.
pub(super) fn plan_and_check(
    state: &mut AppState,
    target: KubeObject,
    action: WriteAction,
) -> Vec<Effect> {
    let plan = WritePlan {
        write: state.ids.write(state.now),
        target: Target::Kube(target),
        action,
        checks: Vec::new(),
    };
    check(state, plan)
}

pub(super) fn object(
    state: &AppState,
    api_version: &str,
    kind: &str,
    namespace: &str,
    name: &str,
) -> KubeObject {
    KubeObject {
        context: state.connection.context.clone(),
        server: state.connection.server.clone(),
        user: state.connection.user.clone(),
        api_version: api_version.into(),
        kind: kind.into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

fn plan_for(state: &mut AppState, w: &Planned, kind: RolloutKind) -> Vec<Effect> {
    let change = RolloutChange::new(
        kind,
        &w.meta,
        w.template.as_ref(),
        w.paused,
        state.now,
        &state.local_user,
    );
    let target = object(state, "apps/v1", w.row.kind, &w.row.namespace, &w.row.name);
    plan_and_check(state, target, WriteAction::Rollout(change))
}

/// `r`: restart (`kubectl rollout restart`).
pub fn plan_restart(state: &mut AppState) -> Vec<Effect> {
    let Some(w) = selected(state, "restart a workload") else {
        return Vec::new();
    };
    plan_for(state, &w, RolloutKind::Restart)
}

/// `p`: pause a Deployment's rollout, or resume a paused one.
pub fn plan_pause_or_resume(state: &mut AppState) -> Vec<Effect> {
    match selected(state, "pause or resume a rollout") {
        Some(w) => pause_or_resume(state, &w),
        None => Vec::new(),
    }
}

/// The same action on the same object, planned again from the object as the watch holds it
/// now: after a request failed because it changed since the plan.
pub fn plan_again(state: &mut AppState, plan: &WritePlan) -> Vec<Effect> {
    let (Target::Kube(o), WriteAction::Rollout(change)) = (&plan.target, &plan.action) else {
        return Vec::new();
    };
    let kind = match o.kind.as_str() {
        "Deployment" => "Deployment",
        "StatefulSet" => "StatefulSet",
        _ => {
            state.say(
                "press = again to plan the autoscaler's minimum".into(),
                false,
            );
            return Vec::new();
        }
    };
    let workload = (kind, o.namespace.clone(), o.name.clone());
    if change.kind == RolloutKind::Undo {
        return undo_of(state, workload);
    }
    let Some(w) = planned(state, workload, "plan again") else {
        return Vec::new();
    };
    match change.kind {
        RolloutKind::Restart => plan_for(state, &w, RolloutKind::Restart),
        RolloutKind::Pause | RolloutKind::Resume => pause_or_resume(state, &w),
        _ => scale_form(state, &w),
    }
}

fn pause_or_resume(state: &mut AppState, w: &Planned) -> Vec<Effect> {
    if w.row.kind != "Deployment" {
        state.say(
            format!(
                "{} is a StatefulSet: StatefulSets cannot be paused",
                w.row.name
            ),
            true,
        );
        return Vec::new();
    }
    let kind = if w.paused {
        RolloutKind::Resume
    } else {
        RolloutKind::Pause
    };
    plan_for(state, w, kind)
}

/// `=`: asks for the count, the current one prefilled.
pub fn open_scale_form(state: &mut AppState) -> Vec<Effect> {
    match selected(state, "scale a workload") {
        Some(w) => scale_form(state, &w),
        None => Vec::new(),
    }
}

fn scale_form(state: &mut AppState, w: &Planned) -> Vec<Effect> {
    state.overlay = Some(Overlay::Dialog(Dialog::ScaleForm(ScaleForm {
        kind: w.row.kind.to_string(),
        namespace: w.row.namespace.clone(),
        name: w.row.name.clone(),
        current: w.replicas,
        field: TextField::new(w.replicas.to_string()),
        error: None,
    })));
    Vec::new()
}

/// `u`: undo a rollout. The workload's revisions are read whole first (the watches keep no
/// pod templates); the chooser opens at once and says it is reading.
pub fn open_undo(state: &mut AppState) -> Vec<Effect> {
    match target(state, "undo a rollout") {
        Some(workload) => undo_of(state, workload),
        None => Vec::new(),
    }
}

fn undo_of(state: &mut AppState, (kind, namespace, name): Workload) -> Vec<Effect> {
    state.overlay = Some(Overlay::Dialog(Dialog::UndoChooser(UndoChooser {
        kind,
        namespace: namespace.clone(),
        name: name.clone(),
        history: None,
        selected: 0,
    })));
    vec![Effect::ReadHistory {
        kind,
        namespace,
        name,
    }]
}

/// The revisions read for an open chooser: shown, or why there is nothing to choose.
pub fn history_read(
    state: &mut AppState,
    namespace: &str,
    name: &str,
    result: Result<Box<History>, String>,
) {
    let Some(Overlay::Dialog(Dialog::UndoChooser(chooser))) = &mut state.overlay else {
        return;
    };
    if chooser.namespace != namespace || chooser.name != name {
        return;
    }
    match result {
        Ok(history) if history.choices().is_empty() => {
            state.overlay = None;
            state.say(
                format!(
                    "{name} has only revision {}: there is nothing to undo to",
                    history.current
                ),
                true,
            );
        }
        Ok(history) => chooser.history = Some(*history),
        Err(e) => {
            state.overlay = None;
            state.say(
                format!("cannot read the revisions of {namespace}/{name}: {e}; nothing was sent"),
                true,
            );
        }
    }
}

/// Up or down in the chooser.
pub fn move_undo_choice(state: &mut AppState, delta: isize) {
    if let Some(Overlay::Dialog(Dialog::UndoChooser(chooser))) = &mut state.overlay {
        let count = chooser.history.as_ref().map_or(0, |h| h.choices().len());
        chooser.selected =
            (chooser.selected as isize + delta).clamp(0, count.saturating_sub(1) as isize) as usize;
    }
}

/// `enter` in the chooser: the undo to the chosen revision, planned and checked. A paused
/// Deployment is resumed in the same request (kubectl refuses to roll one back).
pub fn plan_undo(state: &mut AppState) -> Vec<Effect> {
    let Some(Overlay::Dialog(Dialog::UndoChooser(chooser))) = &state.overlay else {
        return Vec::new();
    };
    let (Some(history), Some(to)) = (chooser.history.clone(), chooser.chosen().cloned()) else {
        return Vec::new();
    };
    let (kind, namespace, name) = (
        chooser.kind,
        chooser.namespace.clone(),
        chooser.name.clone(),
    );
    let key = (namespace.clone(), name.clone());
    let planned = match kind {
        "Deployment" => state.cluster.deployments.get(&key).map(|d| {
            let paused = d.spec.as_ref().and_then(|s| s.paused).unwrap_or(false);
            (d.metadata.clone(), paused)
        }),
        _ => state
            .cluster
            .statefulsets
            .get(&key)
            .map(|s| (s.metadata.clone(), false)),
    };
    let Some((meta, paused)) = planned else {
        state.overlay = None;
        state.say(format!("{namespace}/{name} is gone"), true);
        return Vec::new();
    };
    let annotations = (kind == "Deployment").then(|| meta.annotations.clone().unwrap_or_default());
    let undo = UndoChange::new(&history, to, annotations.as_ref(), paused);
    let change = RolloutChange::undo(&meta, undo, state.now, &state.local_user);
    let target = object(state, "apps/v1", kind, &namespace, &name);
    plan_and_check(state, target, WriteAction::Rollout(change))
}

/// Why `text` is not a count to scale to from `current`; the count otherwise.
pub fn parse_replicas(text: &str, current: i32) -> Result<i32, String> {
    let text = text.trim();
    let count: i64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of replicas"))?;
    if count < 0 {
        return Err("replicas cannot be negative".into());
    }
    if count > i64::from(MAX_REPLICAS) {
        return Err(format!("write at most {MAX_REPLICAS}"));
    }
    let count = count as i32;
    if count == current {
        return Err(format!("already {current}: nothing to do"));
    }
    Ok(count)
}

/// A key in the scale form: the count is checked as typed in; `enter` plans (on the
/// autoscaler where one manages the workload), `esc` cancels.
pub fn edit_scale_form(state: &mut AppState, event: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Dialog(Dialog::ScaleForm(form))) = &mut state.overlay else {
        return Vec::new();
    };
    match form.field.edit(event) {
        FieldKey::Cancel => {
            state.overlay = None;
            Vec::new()
        }
        FieldKey::Submit => match parse_replicas(form.field.text(), form.current) {
            Err(e) => {
                form.error = Some(e);
                Vec::new()
            }
            Ok(to) => {
                let form = form.clone();
                plan_scale(state, &form, to)
            }
        },
        FieldKey::Edited | FieldKey::Other => {
            form.error = None;
            Vec::new()
        }
    }
}

fn plan_scale(state: &mut AppState, form: &ScaleForm, to: i32) -> Vec<Effect> {
    let key = (form.namespace.clone(), form.name.clone());
    // An autoscaler that targets the workload would undo a manual scale within seconds: the
    // change is made on it instead.
    let autoscaler = state
        .cluster
        .autoscalers
        .items
        .values()
        .find(|h| {
            h.metadata.namespace.as_deref() == Some(form.namespace.as_str())
                && h.spec.as_ref().is_some_and(|s| {
                    s.scale_target_ref.kind == form.kind && s.scale_target_ref.name == form.name
                })
        })
        .cloned();
    if let Some(hpa) = autoscaler {
        let spec = hpa.spec.as_ref();
        let from = spec.and_then(|s| s.min_replicas).unwrap_or(1);
        let max = spec.map_or(to, |s| s.max_replicas);
        if from == to {
            if let Some(Overlay::Dialog(Dialog::ScaleForm(f))) = &mut state.overlay {
                f.error = Some(format!(
                    "the autoscaler's minimum is already {to}: nothing to do"
                ));
            }
            return Vec::new();
        }
        let change = RolloutChange::new(
            RolloutKind::ScaleAutoscaler { from, to, max },
            &hpa.metadata,
            None,
            false,
            state.now,
            &state.local_user,
        );
        let target = object(
            state,
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            &form.namespace,
            hpa.metadata.name.as_deref().unwrap_or_default(),
        );
        return plan_and_check(state, target, WriteAction::Rollout(change));
    }
    let planned = match form.kind.as_str() {
        "Deployment" => state
            .cluster
            .deployments
            .get(&key)
            .map(|d| d.metadata.clone()),
        _ => state
            .cluster
            .statefulsets
            .get(&key)
            .map(|s| s.metadata.clone()),
    };
    let Some(meta) = planned else {
        state.overlay = None;
        state.say(format!("{} is gone", form.name), true);
        return Vec::new();
    };
    let change = RolloutChange::new(
        RolloutKind::Scale {
            from: form.current,
            to,
        },
        &meta,
        None,
        false,
        state.now,
        &state.local_user,
    );
    let target = object(state, "apps/v1", &form.kind, &form.namespace, &form.name);
    plan_and_check(state, target, WriteAction::Rollout(change))
}

/// `D` on a pod: delete it (`kubectl delete pod`), the smallest fix for one wedged or evicted
/// pod; the plan says what replaces it, or warns that nothing will.
pub fn plan_delete_pod(state: &mut AppState) -> Vec<Effect> {
    if state.view != ViewId::Pods || refuse_if_readonly(state, "delete a pod") {
        return Vec::new();
    }
    let Some(pod) = state
        .rows
        .pods
        .get(state.table(ViewId::Pods).selected)
        .cloned()
    else {
        state.say("delete pod: select a pod first".into(), true);
        return Vec::new();
    };
    let replaced_by = pod.owner.as_ref().map(|(kind, name)| match kind.as_str() {
        "ReplicaSet" => match name.rsplit_once('-') {
            Some((deployment, _)) => format!("ReplicaSet {name} (Deployment {deployment})"),
            None => format!("ReplicaSet {name}"),
        },
        "StatefulSet" => format!("StatefulSet {name} (with the same name)"),
        "Job" => format!("Job {name} (while it has retries left)"),
        other => format!("{other} {name}"),
    });
    let target = object(state, "v1", "Pod", &pod.namespace, &pod.name);
    plan_and_check(
        state,
        target,
        WriteAction::DeletePod {
            uid: pod.uid.clone(),
            grace_seconds: pod.grace_seconds,
            replaced_by,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_is_a_number_not_negative_not_the_current_and_at_most_1000() {
        assert_eq!(parse_replicas(" 5 ", 3), Ok(5));
        assert_eq!(parse_replicas("0", 3), Ok(0));
        assert_eq!(
            parse_replicas("five", 3),
            Err("\"five\" is not a number of replicas".into())
        );
        assert_eq!(
            parse_replicas("-1", 3),
            Err("replicas cannot be negative".into())
        );
        assert_eq!(
            parse_replicas("3", 3),
            Err("already 3: nothing to do".into())
        );
        assert_eq!(parse_replicas("1001", 3), Err("write at most 1000".into()));
    }
}
