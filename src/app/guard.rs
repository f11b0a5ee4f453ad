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
        let verdict = guard.observe(&Readings {
            now,
            burns: &burns,
            burn_read_at,
            stale_after,
            pods: &pods,
            deadline,
            completed,
        });
        f.verdict = Some(verdict);
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
            Box::new(
                move |p: &PodRow| matches!((&p.owner, &newest), (Some((kind, name)), Some(rs)) if kind == "ReplicaSet" && name == rs),
            )
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
        .events
        .items
        .values()
        .filter(|e| {
            e.reason.as_deref() == Some("Unhealthy")
                && e.involved_object.name.as_deref() == Some(pod.name.as_str())
                && e.metadata.namespace.as_deref() == Some(pod.namespace.as_str())
                && e.message
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
