//! The rollout guard beside each followed rollout: its readings gathered from what the state
//! already holds (the covering SLOs' burn from the last Prometheus poll, the new pods from the
//! watches; nothing is polled for it), its rules applied (`model::guard`), the verdict kept on
//! the follow for the pane, the Rollouts row and the Overview.

use chrono::Duration;

use super::followed::Follow;
pub use super::followed::GuardSettings;
use super::state::AppState;
use crate::model::guard::{FastBurn, Guard, PodSignal, Readings, Verdict};
use crate::model::pod_view::PodRow;
use crate::model::slo_status::{self, Missing};
use crate::ops::error::WriteFailure;
use crate::slo::maths::BurnWindow;

/// Burn data older than this many poll intervals is stale: the guard is blind until fresh
/// data comes.
const STALE_POLLS: u32 = 3;

/// Unhealthy readiness events that make a probe's default failure threshold.
const PROBE_FAILURE_THRESHOLD: i32 = 3;

/// Applies every followed rollout's guard to the state as it is now.
pub fn update(state: &mut AppState) {
    if state.follow.follows.is_empty() {
        return;
    }
    let keys: Vec<_> = state.follow.follows.keys().cloned().collect();
    for key in keys {
        let Some(f) = state.follow.follows.get(&key) else {
            continue;
        };
        let (burns, pods, deadline, completed) = readings_of(state, f);
        let burn_read_at = state.slo.last.as_ref().map(|o| o.at);
        let stale_after = Duration::from_std(state.guard.poll_interval * STALE_POLLS)
            .unwrap_or(Duration::minutes(1));
        let now = state.now;
        let watch_after = state.guard.watch_after;
        let Some(f) = state.follow.follows.get_mut(&key) else {
            continue;
        };
        let guard = f
            .guard
            .get_or_insert_with(|| Guard::new(f.started, watch_after));
        let was_tripped = guard.tripped.is_some();
        let verdict = guard.observe(&Readings {
            now,
            burns: &burns,
            burn_read_at,
            stale_after,
            pods: &pods,
            deadline,
            completed,
        });
        let tripped_now = !was_tripped && verdict.tripped.is_some();
        f.verdict = Some(verdict);
        if tripped_now && state.guard.auto_pause {
            auto_pause(state, &key);
        }
    }
}

/// A job ended: if it was an auto-pause's checks and they passed, the pause is sent through
/// the one send path (`Effect::Write`), its checks' findings in the plan as a dialog's are.
pub fn checked(
    state: &mut AppState,
    job: crate::ops::job::JobId,
    outcome: &crate::ops::job::JobOutcome,
) {
    use super::followed::AutoPause;
    use crate::ops::job::JobOutcome;
    let findings: Vec<String> = state
        .jobs
        .progress
        .get(&job)
        .map(|lines| {
            lines
                .iter()
                .filter(|f| !f.ends_with(": sending"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    for f in state.follow.follows.values_mut() {
        let Some(AutoPause::Started {
            job: checking,
            write,
            plan,
        }) = &f.auto_pause
        else {
            continue;
        };
        if *checking != job || !matches!(outcome, JobOutcome::Succeeded(_)) {
            continue;
        }
        let mut plan = plan.clone();
        plan.checks = findings.clone();
        let write = write.clone();
        state.outbox.push(crate::app::event::Effect::Write(plan));
        f.auto_pause = Some(AutoPause::Sending { write });
    }
}

/// A write's outcome: if it was an auto-pause's, the guard's pane says it (and nothing else
/// need). Whether it was.
pub fn sent(
    state: &mut AppState,
    write: &str,
    result: &Result<String, crate::ops::error::WriteFailure>,
) -> bool {
    use super::followed::AutoPause;
    for f in state.follow.follows.values_mut() {
        if matches!(&f.auto_pause, Some(AutoPause::Sending { write: w }) if w == write) {
            f.auto_pause = Some(AutoPause::Done {
                write: write.to_string(),
                result: result.clone(),
            });
            return true;
        }
    }
    false
}

/// Following began with `auto-pause` on: whether the guard may pause by itself is decided
/// now, so the pane says it before anything trips. Never in read-only mode; a StatefulSet
/// cannot be paused (the pane offers undo); otherwise RBAC is asked whether the user may patch
/// the Deployment, and where it says no the guard never pauses.
pub fn arm_auto_pause(state: &mut AppState, key: &super::followed::FollowKey) {
    use super::followed::AutoPause;
    use crate::ops::job::{JobId, JobSpec};
    if !state.guard.auto_pause {
        return;
    }
    let Some(f) = state.follow.follows.get(key) else {
        return;
    };
    let decided = if state.readonly {
        AutoPause::Unavailable("auto-pause unavailable: read-only".into())
    } else if f.kind != "Deployment" {
        AutoPause::Unavailable(
            "auto-pause unavailable: StatefulSets cannot be paused; undo instead".into(),
        )
    } else {
        let object = deployment_object(state, &f.namespace, &f.name);
        let job = JobId(state.ids.fresh());
        state.outbox.push(crate::app::event::Effect::StartJob {
            job,
            spec: JobSpec::MayPatch(Box::new(object)),
        });
        AutoPause::Asking(job)
    };
    if let Some(f) = state.follow.follows.get_mut(key) {
        f.auto_pause = Some(decided);
    }
}

/// The Deployment as the write path names it, on the current connection.
fn deployment_object(
    state: &AppState,
    namespace: &str,
    name: &str,
) -> crate::ops::plan::KubeObject {
    crate::ops::plan::KubeObject {
        context: state.connection.context.clone(),
        server: state.connection.server.clone(),
        user: state.connection.user.clone(),
        api_version: "apps/v1".into(),
        kind: "Deployment".into(),
        namespace: namespace.into(),
        name: name.into(),
    }
}

/// The auto-pause decision with RBAC's answer, once it came: `Asking` becomes `Armed` or
/// `Unavailable`.
fn settled(
    state: &AppState,
    auto: Option<&super::followed::AutoPause>,
) -> Option<super::followed::AutoPause> {
    use super::followed::AutoPause;
    use crate::ops::job::JobOutcome;
    Some(match auto? {
        AutoPause::Asking(job) => match state.jobs.finished.get(job) {
            Some(JobOutcome::Failed(why)) => {
                AutoPause::Unavailable(format!("auto-pause unavailable: {why}"))
            }
            Some(_) => AutoPause::Armed,
            None => AutoPause::Asking(*job),
        },
        other => other.clone(),
    })
}

/// The guard tripped with `auto-pause` on: a pause of the Deployment while its rollout
/// progresses, planned here, checked by the `Check` job a dialog's plan gets and sent the way
/// every write is (`checked`, then `sent`), audited like a pause from the keyboard. Not where
/// it was decided
/// unavailable when following began; not once the rollout has completed (pausing it changes
/// nothing: the pane offers undo).
fn auto_pause(state: &mut AppState, key: &super::followed::FollowKey) {
    use super::followed::AutoPause;
    use crate::ops::job::{JobId, JobSpec};
    use crate::ops::plan::{Target, WriteAction, WritePlan};
    use crate::ops::rollout::{RolloutChange, RolloutKind};
    let Some(f) = state.follow.follows.get(key) else {
        return;
    };
    let decided = settled(state, f.auto_pause.as_ref());
    let deployment = state
        .cluster
        .deployments
        .get(&(f.namespace.clone(), f.name.clone()))
        .cloned();
    let outcome = match (decided, deployment) {
        (Some(AutoPause::Unavailable(why)), _) => AutoPause::Unavailable(why),
        _ if f.end.is_some() => AutoPause::Unavailable(
            "auto-pause: not paused, the rollout had completed (pausing changes nothing)".into(),
        ),
        (_, None) => {
            AutoPause::Unavailable("auto-pause unavailable: the Deployment is gone".into())
        }
        (_, Some(d)) if d.spec.as_ref().and_then(|s| s.paused) == Some(true) => {
            AutoPause::Unavailable("already paused".into())
        }
        // Armed, or RBAC's answer not back yet: the pause's own checks ask it again.
        (_, Some(d)) => {
            let mut change = RolloutChange::new(
                RolloutKind::Pause,
                &d.metadata,
                None,
                false,
                state.now,
                &state.local_user,
            );
            change.automatic = Some("guard".into());
            let plan = WritePlan {
                write: state.ids.write(state.now),
                target: Target::Kube(deployment_object(state, &f.namespace, &f.name)),
                action: WriteAction::Rollout(change),
                checks: Vec::new(),
            };
            let job = JobId(state.ids.fresh());
            let write = plan.write.clone();
            state.outbox.push(crate::app::event::Effect::StartJob {
                job,
                spec: JobSpec::Check(Box::new(plan.clone())),
            });
            AutoPause::Started {
                job,
                write,
                plan: Box::new(plan),
            }
        }
    };
    if let Some(f) = state.follow.follows.get_mut(key) {
        f.auto_pause = Some(outcome);
    }
}

type Gathered = (
    Vec<FastBurn>,
    Vec<PodSignal>,
    Option<Duration>,
    Option<chrono::DateTime<chrono::Utc>>,
);

fn readings_of(state: &AppState, f: &Follow) -> Gathered {
    let key = (f.namespace.clone(), f.name.clone());
    let (app, deadline) = match f.kind {
        "Deployment" => state
            .cluster
            .deployments
            .get(&key)
            .map_or((None, None), |d| {
                let spec = d.spec.as_ref();
                (
                    spec.and_then(|s| s.selector.match_labels.as_ref())
                        .and_then(|l| l.get("app").cloned()),
                    Some(Duration::seconds(i64::from(
                        spec.and_then(|s| s.progress_deadline_seconds)
                            .unwrap_or(600),
                    ))),
                )
            }),
        _ => (
            state
                .cluster
                .statefulsets
                .get(&key)
                .and_then(|s| s.spec.as_ref())
                .and_then(|s| s.selector.match_labels.as_ref())
                .and_then(|l| l.get("app").cloned()),
            None,
        ),
    };
    let burns = state
        .slo
        .definitions
        .iter()
        .filter(|d| d.covers(&f.namespace, &f.name, app.as_deref()))
        .map(|def| {
            let reading = state
                .slo
                .last
                .as_ref()
                .and_then(|o| o.slos.iter().find(|r| r.name == def.name));
            let status = slo_status::status(def, reading);
            let rate = |w: BurnWindow| status.burn[w.index()].clone();
            let rates = match (rate(BurnWindow::M5), rate(BurnWindow::H1)) {
                (Ok(m5), Ok(h1)) => Ok((m5, h1)),
                (Err(e), _) | (_, Err(e)) => Err(e),
            };
            FastBurn {
                slo: def.name.clone(),
                rates: rates.map_err(|e| match reading {
                    None => Missing::NoData,
                    Some(_) => e,
                }),
            }
        })
        .collect();
    let completed = f
        .end
        .as_ref()
        .filter(|(_, how)| how == "complete")
        .map(|(at, _)| *at);
    (burns, new_pods(state, f), deadline, completed)
}

/// The pods of the rollout's new revision, as the guard reads them.
fn new_pods(state: &AppState, f: &Follow) -> Vec<PodSignal> {
    let key = (f.namespace.clone(), f.name.clone());
    let is_new: Box<dyn Fn(&PodRow) -> bool> = match f.kind {
        "Deployment" => {
            let Some(uid) = state
                .cluster
                .deployments
                .get(&key)
                .and_then(|d| d.metadata.uid.clone())
            else {
                return Vec::new();
            };
            let newest = crate::model::workload::history(
                &uid,
                state.cluster.replicasets.items.values().map(|r| r.as_ref()),
            )
            .first()
            .map(|r| r.name.clone());
            // Without its ReplicaSets (not watched yet), every pod of the Deployment counts.
            let prefix = format!("{}-", f.name);
            Box::new(move |p: &PodRow| match (&p.owner, &newest) {
                (Some((kind, name)), Some(rs)) => kind == "ReplicaSet" && name == rs,
                (Some((kind, name)), None) => kind == "ReplicaSet" && name.starts_with(&prefix),
                (None, _) => false,
            })
        }
        _ => {
            let Some(sts) = state.cluster.statefulsets.get(&key) else {
                return Vec::new();
            };
            let name = f.name.clone();
            let update = sts.status.as_ref().and_then(|s| s.update_revision.clone());
            Box::new(move |p: &PodRow| {
                matches!(&p.owner, Some((kind, n)) if kind == "StatefulSet" && *n == name)
                    && p.labels.get("controller-revision-hash") == update.as_ref()
            })
        }
    };
    state
        .cluster
        .pods
        .items
        .values()
        .map(|p| p.as_ref())
        .filter(|p| p.namespace == f.namespace && is_new(p))
        .map(|p| PodSignal {
            name: p.name.clone(),
            crash_looping: p.summary.status.contains("CrashLoopBackOff"),
            unready_since: (p.running && !p.is_ready()).then_some(p.created).flatten(),
            probe_threshold_reached: p.probes.readiness_failing
                && readiness_failures(state, p) >= PROBE_FAILURE_THRESHOLD,
        })
        .collect()
}

/// How many times the kubelet has said the pod's readiness probe failed.
fn readiness_failures(state: &AppState, pod: &PodRow) -> i32 {
    state
        .cluster
        .unhealthy_events(&pod.namespace, &pod.name)
        .filter(|e| {
            e.message
                .as_deref()
                .is_some_and(|m| m.starts_with("Readiness probe failed"))
        })
        .map(|e| e.count.unwrap_or(1))
        .sum()
}

/// The verdict's one word for a row or a panel: `tripped`, `blind`, `guarded`, or None when
/// the guard no longer watches.
pub fn word(verdict: &Verdict) -> Option<&'static str> {
    if verdict.tripped.is_some() {
        Some("tripped")
    } else if !verdict.watching {
        None
    } else if verdict.blind.is_some() {
        Some("blind")
    } else {
        Some("guarded")
    }
}

/// Where the guard's own pause stands: checking, paused (with its write), refused, or why
/// there is none.
pub fn auto_pause_words(state: &AppState, f: &Follow) -> Option<(String, &'static str)> {
    use super::followed::AutoPause;
    use crate::ops::job::JobOutcome;
    Some(match settled(state, f.auto_pause.as_ref())? {
        AutoPause::Asking(_) => (
            "auto-pause on: asking RBAC whether it may patch the Deployment".into(),
            "stale",
        ),
        AutoPause::Armed if f.end.is_some() => (
            "auto-pause on, but the rollout has ended: a trip now offers undo, pauses nothing"
                .into(),
            "muted",
        ),
        AutoPause::Armed => (
            "auto-pause on: a trip while the rollout progresses pauses it".into(),
            "muted",
        ),
        AutoPause::Unavailable(why) => (why, "muted"),
        AutoPause::Sending { write } => (format!("auto-pause: sending (write {write})"), "stale"),
        AutoPause::Done {
            write,
            result: Ok(_),
        } => (
            format!("paused by the guard (audited as write {write})"),
            "ok",
        ),
        AutoPause::Done {
            result: Err(e @ (WriteFailure::Failed(_) | WriteFailure::Unanswered(_))),
            ..
        } => (format!("auto-pause failed: {e}"), "critical"),
        AutoPause::Done { result: Err(e), .. } => (format!("auto-pause refused: {e}"), "critical"),
        AutoPause::Started { job, .. } => match state.jobs.finished.get(&job) {
            Some(JobOutcome::Failed(why)) => (format!("auto-pause refused: {why}"), "critical"),
            Some(JobOutcome::Cancelled) => ("auto-pause cancelled".into(), "warning"),
            // Passed: it moves on to sending as this job's end is applied.
            Some(JobOutcome::Succeeded(_)) | None => (
                format!(
                    "auto-pause: {}",
                    state
                        .jobs
                        .progress
                        .get(&job)
                        .and_then(|p| p.last())
                        .map_or("checking...", String::as_str)
                ),
                "stale",
            ),
        },
    })
}
