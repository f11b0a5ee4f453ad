//! Rollout actions as the requests they make. The first is restart (`kubectl rollout
//! restart`: the pod template's `kubectl.kubernetes.io/restartedAt` annotation). Each is a JSON
//! patch that first tests `metadata.generation`, so a change someone else made to the object's
//! spec since the plan fails the request instead of being overwritten (status updates, which
//! come every few seconds during a rollout, do not change the generation); the console's
//! `ms5-console/last-action` annotation travels in the same request.

use chrono::{DateTime, SecondsFormat, Utc};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::{Value, json};

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
}

/// One rollout action, planned against the object as it was.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutChange {
    pub kind: RolloutKind,
    /// `metadata.generation` when planned: the request tests it.
    pub generation: i64,
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
            template_annotations: template_annotations.is_some(),
            object_annotations: meta.annotations.is_some(),
            before: template_annotations.and_then(|a| a.get(RESTARTED_AT).cloned()),
            at,
            by: by.to_string(),
            paused,
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
        }
    }

    /// The reason of the Event the console records on the object after the change.
    pub fn event_reason(&self) -> &'static str {
        match self.kind {
            RolloutKind::Restart => "RolloutRestartRequested",
            RolloutKind::Pause => "RolloutPauseRequested",
            RolloutKind::Resume => "RolloutResumeRequested",
            RolloutKind::Scale { .. } | RolloutKind::ScaleAutoscaler { .. } => "ScaleRequested",
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
        }
    }

    /// The JSON patch, as sent: tests first, then the change and the console's annotation.
    pub fn ops(&self, write: &str) -> Value {
        let last_action = format!(
            "{} by {} at {} (write {write})",
            self.verb(),
            self.by,
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
            template_annotations: false,
            object_annotations: true,
            before: None,
            at: "2026-11-27T13:35:37Z".parse().unwrap(),
            by: "jdoe".into(),
            paused: false,
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
