//! Rollouts from the watched objects, not only from Events (which expire after an hour): a
//! revision started (its ReplicaSet's creation), the progress deadline exceeded, complete,
//! paused, resumed, rolled back (an old ReplicaSet made newest again), a StatefulSet's new
//! revision. Dated by the objects' own times where they keep them.

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, DeploymentCondition, ReplicaSet, StatefulSet};

use super::entry::{Change, Entry, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::model::age::k8s_time;

const REVISION: &str = "deployment.kubernetes.io/revision";
const REVISION_HISTORY: &str = "deployment.kubernetes.io/revision-history";

fn deploy(namespace: &str, name: &str) -> Subject {
    Subject::new(SubjectKind::Deployment, namespace, name)
}

fn fact(
    subject: &Subject,
    what: &str,
    at: DateTime<Utc>,
    severity: Severity,
    words: String,
) -> Entry {
    let key = format!(
        "{}/{}/{}/{what}@{}",
        subject.kind.word(),
        subject.namespace,
        subject.name,
        at.timestamp_millis()
    );
    Entry::new(key, at, Source::Kube, severity, subject.clone(), words)
}

fn annotation<'a>(
    meta: &'a k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta,
    name: &str,
) -> Option<&'a str> {
    meta.annotations.as_ref()?.get(name).map(String::as_str)
}

/// The images of a pod template, joined: what a revision runs.
fn images(spec: Option<&k8s_openapi::api::core::v1::PodTemplateSpec>) -> String {
    spec.and_then(|t| t.spec.as_ref())
        .map(|s| {
            s.containers
                .iter()
                .filter_map(|c| c.image.as_deref())
                .map(|i| i.rsplit('/').next().unwrap_or(i))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// A Deployment's ReplicaSet: the revision it was created for; an old one taking a new
/// revision (`old`: the version it replaces) is a rollback to it.
pub fn observe_replicaset(
    timeline: &mut Timeline,
    old: Option<&ReplicaSet>,
    rs: &ReplicaSet,
    deployment: Option<&Deployment>,
    now: DateTime<Utc>,
) {
    let meta = &rs.metadata;
    let Some(owner) = meta
        .owner_references
        .as_ref()
        .and_then(|o| o.iter().find(|o| o.kind == "Deployment"))
    else {
        return;
    };
    let (Some(created), Some(revision)) = (
        meta.creation_timestamp.as_ref().map(k8s_time),
        annotation(meta, REVISION),
    ) else {
        return;
    };
    let namespace = meta.namespace.as_deref().unwrap_or_default();
    let subject = deploy(namespace, &owner.name);
    let was = old.and_then(|o| annotation(&o.metadata, REVISION));
    if was.is_some_and(|b| b != revision) && annotation(meta, REVISION_HISTORY).is_some() {
        // The Deployment's previous revision is not known here: the ReplicaSet's own was
        // older. The Deployment's watch says it in full when it comes first.
        let entry = match deployment.and_then(|d| completed_at(d, revision)) {
            Some(done) => rolled_back(&subject, rs, "the newer one", before(done, now)),
            None => rolled_back(&subject, rs, "the newer one", now).undated(),
        };
        timeline.record(entry, now);
    }
    let image = images(rs.spec.as_ref().and_then(|s| s.template.as_ref()));
    // Keyed by the ReplicaSet: a revision number moves when an old one is rolled back to.
    let key = format!(
        "rs/{namespace}/{}/created",
        meta.name.as_deref().unwrap_or_default()
    );
    let entry = Entry::new(
        key,
        created,
        Source::Kube,
        Severity::Info,
        subject,
        format!("rollout started: revision {revision} ({image})"),
    )
    .first_in_its_second()
    .change(Change::Rollout);
    timeline.record(entry, now);
}

/// The Deployment's conditions as they stand (dated by the conditions), and what changed since
/// the previous version of it (`old`, when the watch had one). `Some(when)`: a rollout under
/// way that will count as stalled then if it has not progressed (look again: a stalled
/// Deployment gets no update to be noticed by).
pub fn observe_deployment(
    timeline: &mut Timeline,
    old: Option<&Deployment>,
    new: &Deployment,
    replicasets: &[&ReplicaSet],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let meta = &new.metadata;
    let namespace = meta.namespace.as_deref().unwrap_or_default();
    let subject = deploy(namespace, meta.name.as_deref().unwrap_or_default());
    let conditions: &[DeploymentCondition] = new
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    // What changed first: in one update a rollback's revision comes with the completion it
    // led to, and the completion is the later fact.
    if let Some(old) = old {
        changes(timeline, old, new, &subject, replicasets, now);
    }
    let revision = annotation(meta, REVISION).unwrap_or("?");
    for c in conditions.iter().filter(|c| c.type_ == "Progressing") {
        let changed = c.last_transition_time.as_ref().map(k8s_time);
        let updated = c.last_update_time.as_ref().map(k8s_time).or(changed);
        match (c.status.as_str(), c.reason.as_deref(), changed, updated) {
            ("False", Some("ProgressDeadlineExceeded"), Some(at), _) => {
                let words = format!("progress deadline exceeded: revision {revision} stalled");
                timeline.record(
                    fact(&subject, "deadline", at, Severity::Critical, words),
                    now,
                );
            }
            ("True", Some("NewReplicaSetAvailable"), _, Some(at)) => {
                let words = format!("rollout complete: revision {revision}");
                timeline.record(fact(&subject, "complete", at, Severity::Info, words), now);
            }
            ("Unknown", Some("DeploymentPaused"), Some(at), _) => {
                let words = format!("rollout paused at revision {revision}");
                let entry = fact(&subject, "paused", at, Severity::Warning, words);
                timeline.record(entry.change(Change::Pause), now);
            }
            ("Unknown", Some("DeploymentResumed"), Some(at), _) => {
                let words = format!("rollout resumed at revision {revision}");
                let entry = fact(&subject, "resumed", at, Severity::Info, words);
                timeline.record(entry.change(Change::Resume), now);
            }
            _ => {}
        }
    }
    // A rollback first told by sight (its ReplicaSet's watch, before the Deployment's) is
    // dated just before the completion it led to, once that is known.
    if let Some(done) = completed_at(new, revision)
        && let Some(held) = timeline
            .get(&rollback_key(&subject, revision))
            .filter(|e| e.undated)
    {
        let mut dated = (**held).clone();
        dated.undated = false;
        dated.at = before(done, now);
        dated.last = dated.at;
        timeline.record(dated, now);
    }
    stalled(timeline, new, &subject, revision, now)
}

/// A rollout under way with no progress for half its progress deadline (the guard's watch
/// point): said then, dated when it became so, before the deadline itself is exceeded.
fn stalled(
    timeline: &mut Timeline,
    d: &Deployment,
    subject: &Subject,
    revision: &str,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if d.spec.as_ref().and_then(|s| s.paused) == Some(true) {
        return None;
    }
    let deadline = d
        .spec
        .as_ref()
        .and_then(|s| s.progress_deadline_seconds)
        .unwrap_or(600);
    let progressing = d
        .status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Progressing")
        .filter(|c| {
            c.status == "True"
                && matches!(
                    c.reason.as_deref(),
                    Some("ReplicaSetUpdated" | "NewReplicaSetCreated" | "FoundNewReplicaSet")
                )
        })?;
    let last = progressing.last_update_time.as_ref().map(k8s_time)?;
    let half = chrono::Duration::seconds(i64::from(deadline) / 2);
    let stall = last + half;
    if now < stall {
        return Some(stall);
    }
    let words = format!(
        "progress stalled: revision {revision} has not progressed for {}s (deadline {deadline}s)",
        half.num_seconds()
    );
    let key = format!(
        "deploy/{}/{}/stalled@{}",
        subject.namespace,
        subject.name,
        last.timestamp_millis()
    );
    timeline.record(
        Entry::new(
            key,
            stall,
            Source::Kube,
            Severity::Warning,
            subject.clone(),
            words,
        ),
        now,
    );
    None
}

/// What a Deployment's update changed: a resume, a rollback (dated by the update's newest
/// condition when the controller wrote one with it, else when it was seen).
fn changes(
    timeline: &mut Timeline,
    old: &Deployment,
    new: &Deployment,
    subject: &Subject,
    replicasets: &[&ReplicaSet],
    now: DateTime<Utc>,
) {
    let revision = annotation(&new.metadata, REVISION).unwrap_or("?");
    let newest_condition = |d: &Deployment| {
        d.status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .into_iter()
            .flatten()
            .filter_map(|c| c.last_update_time.as_ref().map(k8s_time))
            .max()
    };
    let at = match (newest_condition(old), newest_condition(new)) {
        // Conditions are dated to the second: the same second is this update's too. A
        // rollback to a revision whose pods were still running completes at once: it came
        // just before that completion.
        (_, Some(_)) if completed_at(new, revision).is_some() => {
            completed_at(new, revision).map_or(now, |done| before(done, now))
        }
        (earlier, Some(after)) if earlier.is_none_or(|b| after >= b) => after.min(now),
        _ => now,
    };
    let subject = subject.clone();
    let paused = |d: &Deployment| d.spec.as_ref().and_then(|s| s.paused) == Some(true);
    // A resume the controller has not yet said in a condition (some never do).
    if paused(old) && !paused(new) {
        let words = format!("rollout resumed at revision {revision}");
        let entry = fact(&subject, "resumed", at, Severity::Info, words);
        timeline.record(entry.change(Change::Resume), now);
    }
    let replicas = |d: &Deployment| d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    if replicas(old) != replicas(new) {
        let words = format!("scaled {} -> {}", replicas(old), replicas(new));
        let key = format!("{}->{}", replicas(old), replicas(new));
        let entry = fact(&subject, &format!("scale {key}"), at, Severity::Info, words);
        timeline.record(entry.change(Change::Scale), now);
    }
    // Rolled back: the newest revision is a ReplicaSet that served an earlier one.
    let before = annotation(&old.metadata, REVISION);
    if before.is_some() && before != Some(revision) {
        let back = replicasets.iter().find(|rs| {
            annotation(&rs.metadata, REVISION) == Some(revision)
                && annotation(&rs.metadata, REVISION_HISTORY).is_some()
        });
        if let Some(rs) = back {
            timeline.record(rolled_back(&subject, rs, before.unwrap_or("?"), at), now);
        }
    }
}

fn rollback_key(subject: &Subject, revision: &str) -> String {
    format!(
        "deploy/{}/{}/rollback to {revision}",
        subject.namespace, subject.name
    )
}

/// When the Deployment completed `revision`, if it has.
fn completed_at(d: &Deployment, revision: &str) -> Option<DateTime<Utc>> {
    if annotation(&d.metadata, REVISION) != Some(revision) {
        return None;
    }
    d.status
        .as_ref()?
        .conditions
        .as_ref()?
        .iter()
        .find(|c| c.type_ == "Progressing" && c.reason.as_deref() == Some("NewReplicaSetAvailable"))
        .and_then(|c| c.last_update_time.as_ref())
        .map(k8s_time)
}

/// Just before `done` (what led to it sorts under it), and not after `now`.
fn before(done: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    (done - chrono::Duration::milliseconds(1)).min(now)
}

/// A rollback to `rs`'s revision: one fact whichever watch tells it first (the Deployment's
/// revision moving, or its old ReplicaSet taking the new revision).
fn rolled_back(subject: &Subject, rs: &ReplicaSet, replaced: &str, at: DateTime<Utc>) -> Entry {
    let revision = annotation(&rs.metadata, REVISION).unwrap_or("?");
    let image = images(rs.spec.as_ref().and_then(|s| s.template.as_ref()));
    Entry::new(
        rollback_key(subject, revision),
        at,
        Source::Kube,
        Severity::Warning,
        subject.clone(),
        format!("rolled back: revision {revision} ({image}) replaces {replaced}"),
    )
    .change(Change::Rollback)
}

/// A StatefulSet's new update revision (live only: the ControllerRevision's time is not
/// watched).
pub fn observe_statefulset(
    timeline: &mut Timeline,
    old: Option<&StatefulSet>,
    new: &StatefulSet,
    now: DateTime<Utc>,
) {
    let revision = |s: &StatefulSet| s.status.as_ref().and_then(|s| s.update_revision.clone());
    let (Some(old), Some(update)) = (old, revision(new)) else {
        return;
    };
    if revision(old).is_none_or(|r| r == update) {
        return;
    }
    let meta = &new.metadata;
    let subject = Subject::new(
        SubjectKind::StatefulSet,
        meta.namespace.as_deref().unwrap_or_default(),
        meta.name.as_deref().unwrap_or_default(),
    );
    let image = images(new.spec.as_ref().map(|s| &s.template));
    let words = format!("rollout started: revision {update} ({image})");
    let entry = fact(&subject, "revision", now, Severity::Info, words);
    timeline.record(entry.change(Change::Rollout), now);
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn t(seconds: i64) -> String {
        DateTime::from_timestamp(1_795_132_800 + seconds, 0)
            .unwrap_or_default()
            .to_rfc3339()
    }

    fn now(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_132_800 + seconds, 0).unwrap_or_default()
    }

    fn deployment(
        revision: &str,
        paused: bool,
        condition: Option<(&str, &str, i64)>,
    ) -> Deployment {
        let conditions: Vec<_> = condition
            .map(|(status, reason, at)| {
                json!({"type": "Progressing", "status": status, "reason": reason,
                       "lastTransitionTime": t(at), "lastUpdateTime": t(at)})
            })
            .into_iter()
            .collect();
        serde_json::from_value(json!({
            "metadata": {"name": "backend", "namespace": "ms5-production",
                         "annotations": {REVISION: revision}},
            "spec": {"paused": paused, "selector": {}, "template": {}},
            "status": {"conditions": conditions},
        }))
        .unwrap_or_default()
    }

    fn replicaset(
        name: &str,
        revision: &str,
        image: &str,
        created: i64,
        history: bool,
    ) -> ReplicaSet {
        let mut annotations = json!({REVISION: revision});
        if history {
            annotations[REVISION_HISTORY] = json!("1");
        }
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "ms5-production",
                         "creationTimestamp": t(created), "annotations": annotations,
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment",
                                              "name": "backend", "uid": "u"}]},
            "spec": {"selector": {}, "template": {"spec": {"containers": [
                {"name": "backend", "image": image}]}}},
        }))
        .unwrap_or_default()
    }

    /// The ReplicaSet's watch tells the rollback first, before the Deployment has completed it:
    /// dated by sight, it moves to just before the completion once that comes.
    #[test]
    fn a_rollback_told_by_its_replicaset_first_sorts_before_the_completion() {
        let mut timeline = Timeline::new(now(0));
        let before = replicaset(
            "backend-aaa",
            "1",
            "ms5acr.azurecr.io/ms5-backend:1.9.0",
            -86_400,
            false,
        );
        let after = replicaset(
            "backend-aaa",
            "3",
            "ms5acr.azurecr.io/ms5-backend:1.9.0",
            -86_400,
            true,
        );
        let updating = deployment("3", false, Some(("True", "ReplicaSetUpdated", 150)));
        observe_replicaset(
            &mut timeline,
            Some(&before),
            &after,
            Some(&updating),
            now(151),
        );
        let complete = deployment("3", false, Some(("True", "NewReplicaSetAvailable", 150)));
        let _ = observe_deployment(&mut timeline, Some(&updating), &complete, &[], now(152));
        let said: Vec<_> = timeline.newest_first().map(|e| e.what.clone()).collect();
        assert_eq!(
            said,
            [
                "rollout complete: revision 3",
                "rolled back: revision 3 (ms5-backend:1.9.0) replaces the newer one",
            ]
        );
    }

    /// No progress for half the deadline: said then (looked at again when it would be), dated
    /// when it became so, once.
    #[test]
    fn a_rollout_with_no_progress_for_half_its_deadline_is_stalled() {
        let mut d = deployment("4", false, Some(("True", "ReplicaSetUpdated", 100)));
        if let Some(spec) = d.spec.as_mut() {
            spec.progress_deadline_seconds = Some(30);
        }
        let mut timeline = Timeline::new(now(0));
        assert_eq!(
            observe_deployment(&mut timeline, None, &d, &[], now(110)),
            Some(now(115))
        );
        assert!(timeline.is_empty());
        assert_eq!(
            observe_deployment(&mut timeline, None, &d, &[], now(116)),
            None
        );
        assert_eq!(
            observe_deployment(&mut timeline, None, &d, &[], now(120)),
            None
        );
        let said: Vec<_> = timeline
            .newest_first()
            .map(|e| (e.at, e.what.clone()))
            .collect();
        assert_eq!(
            said,
            [(
                now(115),
                "progress stalled: revision 4 has not progressed for 15s (deadline 30s)"
                    .to_string()
            )]
        );
    }

    /// A bad rollout and its undo, as the watch delivers them: the stages come out in order,
    /// each once, dated by the objects.
    #[test]
    fn a_rollouts_stages_in_order() {
        let mut timeline = Timeline::new(now(0));
        let old_rs = replicaset(
            "backend-aaa",
            "1",
            "ms5acr.azurecr.io/ms5-backend:1.9.0",
            -86_400,
            false,
        );
        let new_rs = replicaset(
            "backend-bbb",
            "2",
            "ms5acr.azurecr.io/ms5-backend:1.9.1",
            100,
            false,
        );
        let steps = [
            deployment(
                "1",
                false,
                Some(("True", "NewReplicaSetAvailable", -86_000)),
            ),
            deployment("2", false, Some(("True", "ReplicaSetUpdated", 100))),
            deployment("2", false, Some(("False", "ProgressDeadlineExceeded", 131))),
            deployment("2", true, Some(("Unknown", "DeploymentPaused", 140))),
            deployment("2", false, Some(("False", "ProgressDeadlineExceeded", 131))),
            deployment("3", false, Some(("True", "ReplicaSetUpdated", 150))),
            deployment("3", false, Some(("True", "NewReplicaSetAvailable", 170))),
        ];
        let mut previous: Option<Deployment> = None;
        for (i, d) in steps.iter().enumerate() {
            let at = now(100 + 10 * i as i64);
            observe_replicaset(&mut timeline, None, &new_rs, None, at);
            // The undo makes the old ReplicaSet revision 3 (it remembers it served 1).
            let old = if i >= 5 {
                replicaset(
                    "backend-aaa",
                    "3",
                    "ms5acr.azurecr.io/ms5-backend:1.9.0",
                    -86_400,
                    true,
                )
            } else {
                old_rs.clone()
            };
            observe_replicaset(&mut timeline, None, &old, None, at);
            let _ = observe_deployment(&mut timeline, previous.as_ref(), d, &[&old, &new_rs], at);
            // Said again on the next update: still once.
            let _ = observe_deployment(&mut timeline, Some(d), d, &[&old, &new_rs], at);
            previous = Some(d.clone());
        }
        let lines: Vec<String> = timeline
            .newest_first()
            .map(|e| format!("{} {}", e.subject.text(), e.what))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        assert_eq!(
            lines,
            [
                "deploy/backend rollout started: revision 2 (ms5-backend:1.9.1)",
                "deploy/backend progress deadline exceeded: revision 2 stalled",
                "deploy/backend rollout paused at revision 2",
                "deploy/backend rollout resumed at revision 2",
                "deploy/backend rolled back: revision 3 (ms5-backend:1.9.0) replaces 2",
                "deploy/backend rollout complete: revision 3",
            ]
        );
    }
}
