//! Jobs, CronJobs and HorizontalPodAutoscalers.
//!
//! Jobs run their pods to completion (Complete), or fail past `backoffLimit` or
//! `activeDeadlineSeconds` (Failed), with the counts and conditions kubectl reads. CronJobs
//! fire on their schedule (croner evaluates it on the wall clock), honour `suspend` and
//! `concurrencyPolicy: Forbid`, track active jobs, `lastScheduleTime` and `lastSuccessfulTime`,
//! and prune history. HPAs report utilisation from a seeded, slowly varying load.

use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use croner::Cron;
use serde_json::{Value, json};

use super::events::{EventType, Occurrence};
use super::replicasets::new_pod;
use super::{Cluster, Key, Work, owner_reference};
use crate::sim::store::object_key;
use crate::sim::world::objects::ts;

fn has_condition(object: &Value, kind: &str) -> bool {
    object["status"]["conditions"].as_array().is_some_and(|cs| {
        cs.iter()
            .any(|c| c["type"] == kind && c["status"] == "True")
    })
}

pub fn is_finished(job: &Value) -> bool {
    has_condition(job, "Complete") || has_condition(job, "Failed")
}

fn time(value: &Value) -> Option<DateTime<Utc>> {
    value
        .as_str()
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc))
}

fn job_condition(kind: &str, reason: Option<&str>, message: Option<&str>, now: &str) -> Value {
    let mut c =
        json!({"type": kind, "status": "True", "lastProbeTime": now, "lastTransitionTime": now});
    if let Some(r) = reason {
        c["reason"] = json!(r);
    }
    if let Some(m) = message {
        c["message"] = json!(m);
    }
    c
}

pub fn reconcile_job(cluster: &mut Cluster, key: &Key) {
    let Some(job) = cluster.get(cluster.kinds.job, key) else {
        return;
    };
    if !job["metadata"]["deletionTimestamp"].is_null()
        || is_finished(&job)
        || job["spec"]["suspend"] == true
    {
        return;
    }
    let uid = job["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let pods = cluster.owned_by(cluster.kinds.pod, &key.0, &uid);
    let phase = |p: &Value, ph: &str| p["status"]["phase"] == ph;
    let active: Vec<&Value> = pods.iter().filter(|p| super::is_pod_active(p)).collect();
    let succeeded = pods.iter().filter(|p| phase(p, "Succeeded")).count() as i64;
    let failed = pods.iter().filter(|p| phase(p, "Failed")).count() as i64;
    let completions = job["spec"]["completions"].as_i64().unwrap_or(1);
    let parallelism = job["spec"]["parallelism"].as_i64().unwrap_or(1);
    let backoff_limit = job["spec"]["backoffLimit"].as_i64().unwrap_or(6);
    let now_time = cluster.wall_now();
    let now = ts(now_time);
    // A Job never starts before it exists: the API stamps creation with its own clock, and this
    // controller's clock is the moment it was due to act, which can be a little earlier.
    let created = time(&job["metadata"]["creationTimestamp"]).unwrap_or(now_time);
    let start = time(&job["status"]["startTime"]).unwrap_or(now_time.max(created));
    let deadline = job["spec"]["activeDeadlineSeconds"].as_i64();

    let mut updated = job.clone();
    let mut status = json!({"startTime": ts(start), "terminating": 0, "uncountedTerminatedPods": {}, "ready": 0});
    let outcome = if failed > backoff_limit {
        Some((
            "Failed",
            "BackoffLimitExceeded",
            "Job has reached the specified backoff limit",
        ))
    } else if deadline.is_some_and(|d| (now_time - start).num_seconds() >= d) {
        Some((
            "Failed",
            "DeadlineExceeded",
            "Job was active longer than specified deadline",
        ))
    } else if succeeded >= completions {
        Some(("Complete", "Completed", "Job completed"))
    } else {
        None
    };
    match outcome {
        Some((kind, reason, message)) => {
            for pod in &active {
                cluster.delete(cluster.kinds.pod, &object_key(pod));
            }
            status["conditions"] = if kind == "Complete" {
                status["completionTime"] = json!(now);
                json!([
                    job_condition("SuccessCriteriaMet", None, None, &now),
                    job_condition("Complete", None, None, &now)
                ])
            } else {
                json!([
                    job_condition("FailureTarget", Some(reason), Some(message), &now),
                    job_condition("Failed", Some(reason), Some(message), &now)
                ])
            };
            let event_kind = if kind == "Complete" {
                EventType::Normal
            } else {
                EventType::Warning
            };
            cluster.event(
                &job,
                Occurrence::new(event_kind, reason, message, "job-controller"),
            );
        }
        None => {
            let wanted = parallelism.min(completions - succeeded) - active.len() as i64;
            for _ in 0..wanted.max(0) {
                let name = format!("{}-{}", key.1, cluster.names.suffix(5));
                let labels = json!({
                    "batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": key.1,
                    "controller-uid": uid, "job-name": key.1,
                });
                let mut pod = new_pod(&job, &job["spec"]["template"], name.clone(), labels);
                if let Some(annotations) = pod["metadata"]["annotations"].as_object_mut() {
                    annotations.remove("batch.kubernetes.io/job-tracking");
                }
                if cluster.create(cluster.kinds.pod, pod).is_some() {
                    cluster.event(
                        &job,
                        Occurrence::new(
                            EventType::Normal,
                            "SuccessfulCreate",
                            format!("Created pod: {name}"),
                            "job-controller",
                        ),
                    );
                }
            }
            if let Some(d) = deadline {
                let left = (d - (now_time - start).num_seconds()).max(0) as u64;
                cluster.after_wall(Duration::from_secs(left + 1), Work::Job(key.clone()));
            }
            let running = cluster
                .owned_by(cluster.kinds.pod, &key.0, &uid)
                .iter()
                .filter(|p| super::is_pod_active(p))
                .count();
            if running > 0 {
                status["active"] = json!(running);
            }
        }
    }
    if succeeded > 0 {
        status["succeeded"] = json!(succeeded);
    }
    if failed > 0 {
        status["failed"] = json!(failed);
    }
    updated["status"] = status;
    if updated != job {
        cluster.update(cluster.kinds.job, updated);
    }
}

/// A schedule as croner reads it; `None` (and a warning event) if it does not parse.
fn schedule_of(cron_job: &Value) -> Option<Cron> {
    Cron::from_str(cron_job["spec"]["schedule"].as_str().unwrap_or_default()).ok()
}

pub fn reconcile_cron_job(cluster: &mut Cluster, key: &Key) {
    let Some(cron_job) = cluster.get(cluster.kinds.cron_job, key) else {
        return;
    };
    if !cron_job["metadata"]["deletionTimestamp"].is_null() {
        return;
    }
    let now = cluster.wall_now();
    let uid = cron_job["metadata"]["uid"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let jobs = cluster.owned_by(cluster.kinds.job, &key.0, &uid);
    let mut updated = cron_job.clone();

    // Follow up on jobs: those that finished leave `active`.
    let mut active: Vec<Value> = Vec::new();
    for job in &jobs {
        let reference = json!({"kind": "Job", "namespace": key.0, "name": job["metadata"]["name"], "uid": job["metadata"]["uid"], "apiVersion": "batch/v1", "resourceVersion": job["metadata"]["resourceVersion"]});
        let was_active = cron_job["status"]["active"]
            .as_array()
            .is_some_and(|a| a.iter().any(|r| r["uid"] == job["metadata"]["uid"]));
        if !is_finished(job) {
            active.push(reference);
        } else if was_active {
            let condition = if has_condition(job, "Complete") {
                "Complete"
            } else {
                "Failed"
            };
            let name = job["metadata"]["name"].as_str().unwrap_or_default();
            cluster.event(
                &cron_job,
                Occurrence::new(
                    EventType::Normal,
                    "SawCompletedJob",
                    format!("Saw completed job: {name}, condition: {condition}"),
                    "cronjob-controller",
                ),
            );
            if condition == "Complete" {
                updated["status"]["lastSuccessfulTime"] = job["status"]["completionTime"].clone();
            }
        }
    }

    // Fire the schedule if a time has come since the last one.
    let Some(schedule) = schedule_of(&cron_job) else {
        cluster.event(
            &cron_job,
            Occurrence::new(
                EventType::Warning,
                "UnparseableSchedule",
                format!("unparseable schedule: {:?}", cron_job["spec"]["schedule"]),
                "cronjob-controller",
            ),
        );
        return;
    };
    let last = time(&cron_job["status"]["lastScheduleTime"])
        .or_else(|| time(&cron_job["metadata"]["creationTimestamp"]))
        .unwrap_or(now);
    if let Ok(due) = schedule.find_next_occurrence(&last, false)
        && due <= now
        && cron_job["spec"]["suspend"] != true
    {
        // Only the most recent missed time runs, as the real controller does.
        let due = schedule.find_previous_occurrence(&now, true).unwrap_or(due);
        let forbid = cron_job["spec"]["concurrencyPolicy"] == "Forbid" && !active.is_empty();
        if forbid {
            cluster.event(&cron_job, Occurrence::new(EventType::Normal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid", "cronjob-controller"));
        } else if let Some(job) = cluster.create(cluster.kinds.job, job_from(&cron_job, due)) {
            let name = job["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            cluster.event(
                &cron_job,
                Occurrence::new(
                    EventType::Normal,
                    "SuccessfulCreate",
                    format!("Created job {name}"),
                    "cronjob-controller",
                ),
            );
            active.push(json!({"kind": "Job", "namespace": key.0, "name": name, "uid": job["metadata"]["uid"], "apiVersion": "batch/v1", "resourceVersion": job["metadata"]["resourceVersion"]}));
        }
        updated["status"]["lastScheduleTime"] = json!(ts(due));
    }
    if active.is_empty() {
        if let Some(status) = updated["status"].as_object_mut() {
            status.remove("active");
        }
    } else {
        updated["status"]["active"] = json!(active);
    }
    prune_history(cluster, &cron_job, &jobs);
    if updated != cron_job {
        cluster.update(cluster.kinds.cron_job, updated);
    }
    // Wake at the next scheduled time.
    if let Ok(next) = schedule.find_next_occurrence(&now, false) {
        let wait = (next - now).to_std().unwrap_or_default();
        cluster.after_wall(
            wait + Duration::from_millis(200),
            Work::CronJob(key.clone()),
        );
    }
}

/// The Job a CronJob runs for the time `due`.
pub fn job_from(cron_job: &Value, due: DateTime<Utc>) -> Value {
    let name = format!(
        "{}-{}",
        cron_job["metadata"]["name"].as_str().unwrap_or_default(),
        due.timestamp() / 60
    );
    let template = &cron_job["spec"]["jobTemplate"];
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "namespace": cron_job["metadata"]["namespace"],
            "labels": template["metadata"]["labels"],
            "annotations": {"batch.kubernetes.io/cronjob-scheduled-timestamp": ts(due)},
            "ownerReferences": [owner_reference(cron_job)],
        },
        "spec": template["spec"],
        "status": {},
    })
}

fn prune_history(cluster: &mut Cluster, cron_job: &Value, jobs: &[Value]) {
    for (condition, limit_field, default) in [
        ("Complete", "successfulJobsHistoryLimit", 3),
        ("Failed", "failedJobsHistoryLimit", 1),
    ] {
        let limit = cron_job["spec"][limit_field]
            .as_i64()
            .unwrap_or(default)
            .max(0) as usize;
        let mut finished: Vec<&Value> = jobs
            .iter()
            .filter(|j| has_condition(j, condition))
            .collect();
        finished.sort_by_key(|j| {
            j["metadata"]["creationTimestamp"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        });
        if finished.len() > limit {
            for job in finished.iter().take(finished.len() - limit) {
                let name = job["metadata"]["name"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string();
                cluster.delete(cluster.kinds.job, &object_key(job));
                cluster.event(
                    cron_job,
                    Occurrence::new(
                        EventType::Normal,
                        "SuccessfulDelete",
                        format!("Deleted job {name}"),
                        "cronjob-controller",
                    ),
                );
            }
        }
    }
}

/// Utilisation in percent of requests for an HPA's target, slowly varying around 40 % with
/// the simulation's own elapsed time (so a seed replays the same load).
fn utilisation(name: &str, elapsed: Duration) -> i64 {
    let phase = name.bytes().map(f64::from).sum::<f64>();
    let minutes = elapsed.as_secs_f64() / 60.0;
    (40.0 + 12.0 * ((minutes / 47.0) + phase).sin()).round() as i64
}

pub fn autoscale(cluster: &mut Cluster) {
    let now = cluster.wall_now();
    for hpa in cluster.store.list(cluster.kinds.hpa, None).0 {
        let hpa = hpa.value().clone();
        let namespace = hpa["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let target = (
            namespace.clone(),
            hpa["spec"]["scaleTargetRef"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        );
        let Some(deployment) = cluster.get(cluster.kinds.deployment, &target) else {
            continue;
        };
        let current = deployment["spec"]["replicas"].as_i64().unwrap_or(1);
        let goal = hpa["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"]
            .as_i64()
            .unwrap_or(80)
            .max(1);
        let used = utilisation(&target.1, cluster.elapsed());
        let (min, max) = (
            hpa["spec"]["minReplicas"].as_i64().unwrap_or(1),
            hpa["spec"]["maxReplicas"].as_i64().unwrap_or(current),
        );
        let desired = ((current * used + goal - 1) / goal).clamp(min, max);
        let mut updated = hpa.clone();
        updated["status"]["currentReplicas"] =
            json!(deployment["status"]["replicas"].as_i64().unwrap_or(current));
        // Scale-downs wait out the stabilisation window; with this load, the HPA holds.
        updated["status"]["desiredReplicas"] = json!(desired.max(current.min(max)));
        updated["status"]["currentMetrics"] = json!([{"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": used, "averageValue": format!("{}m", used * 5)}}}]);
        if desired > current {
            let mut scaled = deployment.clone();
            scaled["spec"]["replicas"] = json!(desired);
            crate::sim::api::admission::carry_over(
                cluster.kinds.deployment,
                &deployment,
                &mut scaled,
            );
            if cluster.update(cluster.kinds.deployment, scaled).is_some() {
                updated["status"]["lastScaleTime"] = json!(ts(now));
                let message = format!(
                    "New size: {desired}; reason: cpu resource utilization (percentage of request) above target"
                );
                cluster.event(
                    &hpa,
                    Occurrence::new(
                        EventType::Normal,
                        "SuccessfulRescale",
                        message,
                        "horizontal-pod-autoscaler",
                    ),
                );
            }
        }
        if updated != hpa {
            cluster.update(cluster.kinds.hpa, updated);
        }
    }
}
