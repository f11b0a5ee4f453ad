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
    /// The field's value before (the template's `restartedAt`, if any).
    pub before: Option<String>,
    pub at: DateTime<Utc>,
    /// The local user, for the console's annotation.
    pub by: String,
    /// `spec.paused`: a restart of a paused Deployment waits for resume.
    pub paused: bool,
}

impl RolloutChange {
    /// A restart of the object whose metadata and pod template metadata are these.
    pub fn restart(
        meta: &ObjectMeta,
        template: Option<&ObjectMeta>,
        paused: bool,
        at: DateTime<Utc>,
        by: &str,
    ) -> RolloutChange {
        let template_annotations = template.and_then(|m| m.annotations.as_ref());
        RolloutChange {
            kind: RolloutKind::Restart,
            generation: meta.generation.unwrap_or(0),
            template_annotations: template_annotations.is_some(),
            object_annotations: meta.annotations.is_some(),
            before: template_annotations.and_then(|a| a.get(RESTARTED_AT).cloned()),
            at,
            by: by.to_string(),
            paused,
        }
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
        }
    }

    /// The reason of the Event the console records on the object after the change.
    pub fn event_reason(&self) -> &'static str {
        match self.kind {
            RolloutKind::Restart => "RolloutRestartRequested",
        }
    }

    fn new_value(&self) -> String {
        self.at.to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// The field it changes, before and after: `restartedAt (none) -> 2026-11-27T13:35:37Z`.
    pub fn field_change(&self) -> String {
        match self.kind {
            RolloutKind::Restart => format!(
                "restartedAt {} -> {}",
                self.before.as_deref().unwrap_or("(none)"),
                self.new_value()
            ),
        }
    }

    /// What will follow the change.
    pub fn follows(&self) -> &'static str {
        match self.kind {
            RolloutKind::Restart if self.paused => {
                "nothing yet: the Deployment is paused; the restart rolls out when it is resumed"
            }
            RolloutKind::Restart => {
                "a new revision; every pod replaced within maxSurge/maxUnavailable"
            }
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
        let mut ops =
            vec![json!({"op": "test", "path": "/metadata/generation", "value": self.generation})];
        match self.kind {
            RolloutKind::Restart => ops.push(add_annotation(
                self.template_annotations,
                "/spec/template/metadata/annotations",
                RESTARTED_AT,
                json!(self.new_value()),
            )),
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
