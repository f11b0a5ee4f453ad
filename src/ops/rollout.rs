//! Rollout actions as the requests they make. The first is restart (`kubectl rollout
//! restart`: the pod template's `kubectl.kubernetes.io/restartedAt` annotation). Each is a JSON
//! patch that first tests `metadata.generation`, so a change someone else made to the object's
//! spec since the plan fails the request instead of being overwritten (status updates, which
//! come every few seconds during a rollout, do not change the generation); the console's
//! `ms5-console/last-action` annotation travels in the same request.

use chrono::{DateTime, SecondsFormat, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

use super::revisions::Revision;
use std::collections::BTreeMap;

/// The annotation `kubectl rollout restart` writes on the pod template.
pub const RESTARTED_AT: &str = "kubectl.kubernetes.io/restartedAt";
/// The console's own annotation on the object: who, which action, when, which write.
pub const LAST_ACTION: &str = "ms5-console/last-action";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolloutKind {
    Restart,
    /// `kubectl rollout pause`: `spec.paused` false -> true (Deployments only).
    Pause,
    /// `kubectl rollout resume`.
    Resume,
    /// `kubectl scale --replicas=N`.
    Scale {
        from: i32,
        to: i32,
    },
    /// A scale of a workload an autoscaler manages, made where it lasts: the
    /// HorizontalPodAutoscaler's `minReplicas` (and `maxReplicas` when the new minimum exceeds
    /// it); the plan's object is the HPA.
    ScaleAutoscaler {
        from: i32,
        to: i32,
        max: i32,
    },
    /// `kubectl rollout undo [--to-revision=N]`: the chosen revision's pod template back
    /// (`RolloutChange::undo` holds it).
    Undo,
}

/// What an undo goes back to, read when it was planned.
#[derive(Debug, Clone, PartialEq)]
pub struct UndoChange {
    /// The revision the workload is at, in words: `revision 7 (ms5-backend:1.9.1)`.
    pub from: String,
    pub from_number: i64,
    pub to: Revision,
    /// The number the restored template gets: the controller makes it the newest.
    pub becomes: i64,
    /// A Deployment's annotations afterwards (kubectl's rule); None for a StatefulSet.
    pub annotations: Option<BTreeMap<String, String>>,
    /// A paused Deployment is resumed in the same request (kubectl refuses to roll one back).
    pub resume: bool,
}

impl UndoChange {
    /// The undo of a workload with `history` to `to`. A Deployment's `annotations` (None for a
    /// StatefulSet) give the ones it will have after, as kubectl computes them; a `paused`
    /// Deployment is resumed by the same request.
    pub fn new(
        history: &super::revisions::History,
        to: Revision,
        annotations: Option<&BTreeMap<String, String>>,
        paused: bool,
    ) -> UndoChange {
        let newest = history
            .revisions
            .iter()
            .map(|r| r.number)
            .max()
            .unwrap_or(0);
        UndoChange {
            from: history
                .current()
                .map_or_else(|| format!("revision {}", history.current), Revision::words),
            from_number: history.current,
            becomes: newest + 1,
            annotations: annotations
                .map(|current| super::revisions::deployment_annotations(current, &to)),
            resume: paused && annotations.is_some(),
            to,
        }
    }
}

/// One rollout action, planned against the object as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutChange {
    pub kind: RolloutKind,
    /// `metadata.generation` when planned: the request tests it.
    pub generation: i64,
    /// `metadata.resourceVersion` when planned, for the audit log (not tested: status updates
    /// move it every few seconds during a rollout).
    pub resource_version: Option<String>,
    /// Whether the pod template and the object have annotations maps (an `add` into a missing
    /// map fails; adding the whole map where one exists would replace it).
    pub template_annotations: bool,
    pub object_annotations: bool,
    /// The template's `restartedAt` before a restart, if any.
    pub before: Option<String>,
    pub at: DateTime<Utc>,
    /// The local user, for the console's annotation.
    pub by: String,
    /// `spec.paused`: a restart of a paused Deployment waits for resume.
    pub paused: bool,
    /// For an undo: where to.
    pub undo: Option<Box<UndoChange>>,
    /// Why the console made it by itself (`guard`), when no one pressed a key for it.
    pub automatic: Option<String>,
}

impl RolloutChange {
    /// `kind` for the object whose metadata and pod template metadata are these.
    pub fn new(
        kind: RolloutKind,
        meta: &ObjectMeta,
        template: Option<&ObjectMeta>,
        paused: bool,
        at: DateTime<Utc>,
        by: &str,
    ) -> RolloutChange {
        let template_annotations = template.and_then(|m| m.annotations.as_ref());
        RolloutChange {
            kind,
            generation: meta.generation.unwrap_or(0),
            resource_version: meta.resource_version.clone(),
            template_annotations: template_annotations.is_some(),
            object_annotations: meta.annotations.is_some(),
            before: template_annotations.and_then(|a| a.get(RESTARTED_AT).cloned()),
            at,
            by: by.to_string(),
            paused,
            undo: None,
            automatic: None,
        }
    }

    /// An undo of the object whose metadata this is.
    pub fn undo(meta: &ObjectMeta, undo: UndoChange, at: DateTime<Utc>, by: &str) -> RolloutChange {
        let paused = undo.resume;
        RolloutChange {
            undo: Some(Box::new(undo)),
            ..RolloutChange::new(RolloutKind::Undo, meta, None, paused, at, by)
        }
    }

    /// A restart of the object whose metadata and pod template metadata are these.
    pub fn restart(
        meta: &ObjectMeta,
        template: Option<&ObjectMeta>,
        paused: bool,
        at: DateTime<Utc>,
        by: &str,
    ) -> RolloutChange {
        RolloutChange::new(RolloutKind::Restart, meta, template, paused, at, by)
    }
}

/// `/` and `~` in a JSON pointer segment (RFC 6901).
fn pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn add_annotation(has_map: bool, at: &str, key: &str, value: Value) -> Value {
    if has_map {
        json!({"op": "add", "path": format!("{at}/{}", pointer(key)), "value": value})
    } else {
        json!({"op": "add", "path": at, "value": {key: value}})
    }
}

impl RolloutChange {
    /// The action's name in the audit log.
    pub fn verb(&self) -> &'static str {
        match self.kind {
            RolloutKind::Restart => "rollout-restart",
            RolloutKind::Pause => "rollout-pause",
            RolloutKind::Resume => "rollout-resume",
            RolloutKind::Scale { .. } => "scale",
            RolloutKind::ScaleAutoscaler { .. } => "scale-autoscaler-minimum",
            RolloutKind::Undo => "rollout-undo",
        }
    }

    /// The reason of the Event the console records on the object after the change.
    pub fn event_reason(&self) -> &'static str {
        match self.kind {
            RolloutKind::Restart => "RolloutRestartRequested",
            RolloutKind::Pause => "RolloutPauseRequested",
            RolloutKind::Resume => "RolloutResumeRequested",
            RolloutKind::Scale { .. } | RolloutKind::ScaleAutoscaler { .. } => "ScaleRequested",
            RolloutKind::Undo => "RolloutUndoRequested",
        }
    }

    fn new_value(&self) -> String {
        self.at.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// The field it changes, before and after: `restartedAt (none) -> 2026-11-27T13:35:37Z`,
    /// `spec.paused false -> true`, `spec.replicas 3 -> 5`.
    pub fn field_change(&self) -> String {
        match self.kind {
            RolloutKind::Restart => format!(
                "restartedAt {} -> {}",
                self.before.as_deref().unwrap_or("(none)"),
                self.new_value()
            ),
            RolloutKind::Pause => "spec.paused false -> true".into(),
            RolloutKind::Resume => "spec.paused true -> false".into(),
            RolloutKind::Scale { from, to } => format!("spec.replicas {from} -> {to}"),
            RolloutKind::ScaleAutoscaler { from, to, max } if to > max => {
                format!("spec.minReplicas {from} -> {to}, spec.maxReplicas {max} -> {to}")
            }
            RolloutKind::ScaleAutoscaler { from, to, .. } => {
                format!("spec.minReplicas {from} -> {to}")
            }
            RolloutKind::Undo => match &self.undo {
                Some(u) => format!(
                    "{} -> {}, which becomes revision {}{}",
                    u.from,
                    u.to.words(),
                    u.becomes,
                    if u.resume {
                        "; spec.paused true -> false"
                    } else {
                        ""
                    }
                ),
                None => "no revision chosen".into(),
            },
        }
    }

    /// What the request's tests guard against, in words.
    pub fn guard(&self) -> String {
        let field = match self.kind {
            RolloutKind::Scale { from, .. } => Some(format!("spec.replicas is no longer {from}")),
            RolloutKind::ScaleAutoscaler { from, .. } => {
                Some(format!("spec.minReplicas is no longer {from}"))
            }
            RolloutKind::Resume => Some("it is no longer paused".into()),
            RolloutKind::Undo => self.undo.as_ref().and_then(|u| {
                if u.annotations.is_some() {
                    Some(format!("it is no longer at revision {}", u.from_number))
                } else if u.resume {
                    Some("it is no longer paused".into())
                } else {
                    None
                }
            }),
            RolloutKind::Restart | RolloutKind::Pause => None,
        };
        let generation = (self.generation > 0)
            .then(|| format!("metadata.generation is no longer {}", self.generation));
        match (generation, field) {
            (Some(g), Some(f)) => format!("{g} or {f}"),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => "the object is gone".into(),
        }
    }

    /// What will follow the change.
    pub fn follows(&self) -> String {
        match self.kind {
            RolloutKind::Restart if self.paused => {
                "nothing yet: the Deployment is paused; the restart rolls out when it is resumed"
                    .into()
            }
            RolloutKind::Restart => {
                "a new revision; every pod replaced within maxSurge/maxUnavailable".into()
            }
            RolloutKind::Pause => {
                "the rollout stops where it is: no new ReplicaSet until it is resumed".into()
            }
            RolloutKind::Resume => "the rollout goes on from where it stopped".into(),
            RolloutKind::Scale { from, to } if to > from => {
                format!("{} pod(s) started", to - from)
            }
            RolloutKind::Scale { from, to } => format!("{} pod(s) stopped", from - to),
            RolloutKind::ScaleAutoscaler { to, .. } => format!(
                "the autoscaler keeps at least {to} replicas (a change of spec.replicas would be undone by it within seconds)"
            ),
            RolloutKind::Undo => match &self.undo {
                Some(u) if u.resume => format!(
                    "the Deployment is paused: the undo resumes it in the same request; its pods are replaced by revision {}'s within maxSurge/maxUnavailable",
                    u.to.number
                ),
                Some(u) if u.annotations.is_none() => format!(
                    "pods replaced by revision {}'s one at a time, from the highest ordinal",
                    u.to.number
                ),
                Some(u) => format!(
                    "pods replaced by revision {}'s within maxSurge/maxUnavailable",
                    u.to.number
                ),
                None => "nothing".into(),
            },
        }
    }

    /// The JSON patch, as sent: tests first, then the change and the console's annotation.
    pub fn ops(&self, write: &str) -> Value {
        let by = match &self.automatic {
            Some(reason) => format!("{} (automatic: {reason})", self.by),
            None => self.by.clone(),
        };
        let last_action = format!(
            "{} by {by} at {} (write {write})",
            self.verb(),
            self.new_value()
        );
        let mut ops = Vec::new();
        // The object's spec as planned: its generation (any spec change moves it) where the
        // server keeps one, and the field being changed where it has a value.
        if self.generation > 0 {
            ops.push(
                json!({"op": "test", "path": "/metadata/generation", "value": self.generation}),
            );
        }
        match self.kind {
            RolloutKind::Scale { from, .. } => {
                ops.push(json!({"op": "test", "path": "/spec/replicas", "value": from}))
            }
            RolloutKind::ScaleAutoscaler { from, .. } => {
                ops.push(json!({"op": "test", "path": "/spec/minReplicas", "value": from}))
            }
            RolloutKind::Resume => {
                ops.push(json!({"op": "test", "path": "/spec/paused", "value": true}))
            }
            RolloutKind::Undo => {
                if let Some(u) = &self.undo {
                    if u.annotations.is_some() {
                        ops.push(json!({"op": "test",
                            "path": format!("/metadata/annotations/{}", pointer(super::revisions::REVISION)),
                            "value": u.from_number.to_string()}));
                    }
                    if u.resume {
                        ops.push(json!({"op": "test", "path": "/spec/paused", "value": true}));
                    }
                }
            }
            RolloutKind::Restart | RolloutKind::Pause => {}
        }
        match self.kind {
            RolloutKind::Restart => ops.push(add_annotation(
                self.template_annotations,
                "/spec/template/metadata/annotations",
                RESTARTED_AT,
                json!(self.new_value()),
            )),
            RolloutKind::Pause => {
                ops.push(json!({"op": "add", "path": "/spec/paused", "value": true}))
            }
            // As `kubectl rollout resume` leaves it: the field gone, not `false`.
            RolloutKind::Resume => ops.push(json!({"op": "remove", "path": "/spec/paused"})),
            RolloutKind::Scale { to, .. } => {
                ops.push(json!({"op": "add", "path": "/spec/replicas", "value": to}))
            }
            RolloutKind::ScaleAutoscaler { to, max, .. } => {
                ops.push(json!({"op": "add", "path": "/spec/minReplicas", "value": to}));
                if to > max {
                    ops.push(json!({"op": "add", "path": "/spec/maxReplicas", "value": to}));
                }
            }
            RolloutKind::Undo => {
                if let Some(u) = &self.undo {
                    if u.resume {
                        ops.push(json!({"op": "remove", "path": "/spec/paused"}));
                    }
                    ops.push(
                        json!({"op": "add", "path": "/spec/template", "value": u.to.template}),
                    );
                    // A Deployment's annotations are set whole, as kubectl sets them; the
                    // console's own travels among them.
                    if let Some(annotations) = &u.annotations {
                        let mut annotations = annotations.clone();
                        annotations.insert(LAST_ACTION.into(), last_action);
                        ops.push(json!({"op": "add", "path": "/metadata/annotations", "value": annotations}));
                        return Value::Array(ops);
                    }
                }
            }
        }
        ops.push(add_annotation(
            self.object_annotations,
            "/metadata/annotations",
            LAST_ACTION,
            json!(last_action),
        ));
        Value::Array(ops)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restart() -> RolloutChange {
        RolloutChange {
            kind: RolloutKind::Restart,
            generation: 4,
            resource_version: None,
            template_annotations: false,
            object_annotations: true,
            before: None,
            at: "2026-11-27T13:35:37Z".parse().unwrap(),
            by: "jdoe".into(),
            paused: false,
            undo: None,
            automatic: None,
        }
    }

    #[test]
    fn a_restart_tests_the_generation_then_adds_its_annotations() {
        let ops = restart().ops("w1");
        assert_eq!(
            ops,
            json!([
                {"op": "test", "path": "/metadata/generation", "value": 4},
                {"op": "add", "path": "/spec/template/metadata/annotations",
                 "value": {"kubectl.kubernetes.io/restartedAt": "2026-11-27T13:35:37Z"}},
                {"op": "add", "path": "/metadata/annotations/ms5-console~1last-action",
                 "value": "rollout-restart by jdoe at 2026-11-27T13:35:37Z (write w1)"},
            ])
        );
        assert_eq!(
            restart().field_change(),
            "restartedAt (none) -> 2026-11-27T13:35:37Z"
        );
        let mut again = restart();
        again.template_annotations = true;
        assert_eq!(
            again.ops("w2")[1]["path"],
            "/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt"
        );
    }
}
