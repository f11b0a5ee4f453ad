//! `pods/log`: plausible container output, computed from the pod, the container and the time
//! (nothing is stored): the backend logs requests, Celery logs tasks, PostgreSQL checkpoints,
//! backup jobs pg_basebackup progress. `follow` streams new lines until the client leaves or
//! the pod is gone; `tailLines`, `previous`, `timestamps` and `limitBytes` behave as in kubectl.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

use super::ApiState;
use super::read::fetch;
use super::request::{Query, Target};
use super::status::{ApiError, ApiResult};

/// Seconds between two log lines of one container.
const LINE_EVERY: i64 = 2;
/// The most lines a log answer holds without `tailLines`, like a rotated log file.
const MAX_LINES: i64 = 2000;

pub fn logs(state: &Arc<ApiState>, target: &Target, query: &Query) -> ApiResult<Response> {
    let pod = fetch(state, target)?;
    let pod_name = target.name.clone().unwrap_or_default();
    let containers: Vec<String> = pod["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            pod["spec"]["initContainers"]
                .as_array()
                .into_iter()
                .flatten(),
        )
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect();
    let container = match query.get("container") {
        Some(c) if containers.iter().any(|n| n == c) => c.to_string(),
        Some(c) => {
            return Err(ApiError::bad_request(format!(
                "container {c} is not valid for pod {pod_name}"
            )));
        }
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            return Err(ApiError::bad_request(format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                containers.join(" ")
            )));
        }
    };
    let status = container_status(&pod, &container);
    let previous = query.flag("previous");
    let last = &status["lastState"]["terminated"];
    let last_run = || match (time(&last["startedAt"]), time(&last["finishedAt"])) {
        (Some(s), Some(f)) => Some((s, Some(f), last["exitCode"].as_i64())),
        _ => None,
    };
    let (started, ended, exit_code) = if previous {
        match last_run() {
            Some(run) => run,
            None => {
                return Err(ApiError::bad_request(format!(
                    "previous terminated container \"{container}\" in pod \"{pod_name}\" not found"
                )));
            }
        }
    } else {
        let state_ = &status["state"];
        let terminated = &state_["terminated"];
        match time(&state_["running"]["startedAt"]).or_else(|| time(&terminated["startedAt"])) {
            Some(s) => (
                s,
                time(&terminated["finishedAt"]),
                terminated["exitCode"].as_i64(),
            ),
            // Waiting to restart (CrashLoopBackOff): the kubelet serves the newest container's
            // log, which is the run that just ended.
            None => match last_run() {
                Some(run) => run,
                None => {
                    let reason = state_["waiting"]["reason"]
                        .as_str()
                        .unwrap_or("ContainerCreating");
                    return Err(ApiError::bad_request(format!(
                        "container \"{container}\" in pod \"{pod_name}\" is waiting to start: {reason}"
                    )));
                }
            },
        }
    };

    let source = LogSource {
        pod: pod_name.clone(),
        container: container.clone(),
        image: status["image"].as_str().unwrap_or_default().to_string(),
        started,
        timestamps: query.flag("timestamps"),
        restoring: restoring(state, &pod, started),
        burn_origin: state
            .slo_burn_origin
            .filter(|_| pod["metadata"]["namespace"] == "ms5-production"),
    };
    let now = ended.unwrap_or_else(Utc::now);
    let written = ((now - started).num_seconds() / LINE_EVERY).max(0);
    let since = query
        .number("sinceSeconds")?
        .map(|s| ((now - started).num_seconds() - s).max(0) / LINE_EVERY);
    let tail = query
        .number("tailLines")?
        .map(|t| t.max(0))
        .unwrap_or(MAX_LINES);
    // A run that failed ends with what killed it, as a crashing program's last words do; one
    // that reports its own verdict ends with it.
    let failure = exit_code.and_then(|code| source.last_words(code, now));
    let lines = written + i64::from(failure.is_some());
    let first = (lines - tail).max(since.unwrap_or(0)).max(0);
    let mut text = String::new();
    for i in first..written {
        text.push_str(&source.line(i));
    }
    if let Some(words) = failure.filter(|_| tail > 0) {
        text.push_str(&words);
    }
    if let Some(limit) = query.number("limitBytes")?.filter(|l| *l > 0) {
        text.truncate(limit as usize);
    }

    let follow = query.flag("follow") && ended.is_none() && !previous;
    let body = if follow {
        let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(16);
        let state = state.clone();
        let namespace = target.namespace.clone().unwrap_or_default();
        let resource = target.resource;
        tokio::spawn(async move {
            if tx.send(Ok(Bytes::from(text))).await.is_err() {
                return;
            }
            let mut next = written;
            loop {
                tokio::time::sleep(Duration::from_secs(LINE_EVERY as u64)).await;
                // The stream ends when the container stops or the pod goes, as kubelet closes it.
                let Some(pod) = state.store.get(resource, &namespace, &source.pod) else {
                    return;
                };
                let status = container_status(&pod, &source.container);
                let finished = time(&status["state"]["terminated"]["finishedAt"]);
                let until = finished.unwrap_or_else(Utc::now);
                let due = ((until - source.started).num_seconds() / LINE_EVERY).max(next);
                while next < due {
                    if tx.send(Ok(Bytes::from(source.line(next)))).await.is_err() {
                        return;
                    }
                    next += 1;
                }
                if let Some(at) = finished {
                    let code = status["state"]["terminated"]["exitCode"].as_i64();
                    if let Some(words) = code.and_then(|code| source.last_words(code, at)) {
                        let _ = tx.send(Ok(Bytes::from(words))).await;
                    }
                    return;
                }
                if tx.is_closed() {
                    return;
                }
            }
        });
        Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
    } else {
        Body::from(text)
    };
    let mut response = Response::new(body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Ok(response)
}

/// What a restore test started at `started` restores: the newest backup Job in its namespace
/// that had completed by then (the store's record, or the schedule's for a pruned one),
/// recovered to the second it started.
fn restoring(state: &ApiState, pod: &Value, started: DateTime<Utc>) -> String {
    let namespace = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let target = started.to_rfc3339_opts(SecondsFormat::Secs, true);
    let newest = crate::sim::resources::find("batch", "v1", "jobs").and_then(|jobs| {
        state
            .store
            .list(jobs, Some(namespace))
            .0
            .iter()
            .map(|stored| stored.value())
            .filter(|job| job["spec"]["template"]["spec"]["containers"][0]["name"] == "backup")
            .filter_map(|job| {
                let done = time(&job["status"]["completionTime"])?;
                let name = job["metadata"]["name"].as_str()?;
                (done <= started).then(|| (done, name.to_string()))
            })
            .max()
    });
    // A backup Job the CronJob has since pruned: its schedule says which it was.
    let newest = newest.or_else(|| {
        let backup = crate::sim::world::schedules::BACKUP;
        let due = *backup.finished_runs(started, 1).first()?;
        Some((
            backup.finished(due),
            format!("{}-{}", backup.cronjob, due.timestamp() / 60),
        ))
    });
    match newest {
        Some((done, job)) => format!(
            "restore-test: restoring base backup {job} (completed {}) from minio://ms5-backups, PITR target {target}",
            done.to_rfc3339_opts(SecondsFormat::Secs, true)
        ),
        None => format!(
            "restore-test: restoring the newest base backup in minio://ms5-backups, PITR target {target}"
        ),
    }
}

fn container_status(pod: &Value, container: &str) -> Value {
    ["containerStatuses", "initContainerStatuses"]
        .iter()
        .filter_map(|k| pod["status"][k].as_array())
        .flatten()
        .find(|s| s["name"] == container)
        .cloned()
        .unwrap_or(Value::Null)
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.with_timezone(&Utc))
}

struct LogSource {
    pod: String,
    container: String,
    image: String,
    started: DateTime<Utc>,
    timestamps: bool,
    /// A restore test's first line: the backup it restores and its recovery target.
    restoring: String,
    /// `slo-burn`'s clock, for production's pods: their 5xx follow its ramp.
    burn_origin: Option<f64>,
}

/// A small stable hash, so line `i` of a container always reads the same.
fn mix(seed: &str, i: i64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ i as u64;
    for b in seed.bytes() {
        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
    }
    h ^ (h >> 29)
}

/// An access log line's status, drawn from the same shares as the sim's request metrics for a
/// pod running `image`: the bad release answers 40 % with 5xx, every other version the quiet
/// day's baseline plus `burning` (slo-burn's ramp at the line's time); 5xx split 70/30 between
/// 500 and 503, as the counters are. The logs corroborate the SLO, never contradict it.
fn access_code(image: &str, burning: f64, h: u64) -> &'static str {
    use crate::sim::prometheus::catalog::{BAD_RELEASE_5XX, BASELINE_5XX, NOT_FOUND};
    let failing = if image == crate::sim::cluster::scenario::BAD_RELEASE_IMAGE {
        BAD_RELEASE_5XX
    } else {
        BASELINE_5XX + burning
    };
    let draw = (h % 1_000_000) as f64 / 1_000_000.0;
    if draw < failing * 0.7 {
        "500 Internal Server Error"
    } else if draw < failing {
        "503 Service Unavailable"
    } else if draw < failing + NOT_FOUND {
        "404 Not Found"
    } else {
        "200 OK"
    }
}

impl LogSource {
    /// One line as the kubelet writes it: with its RFC 3339 time first when `timestamps` asked.
    fn written(&self, at: DateTime<Utc>, body: &str) -> String {
        if self.timestamps {
            format!(
                "{} {body}\n",
                at.to_rfc3339_opts(SecondsFormat::Nanos, true)
            )
        } else {
            format!("{body}\n")
        }
    }

    fn line(&self, i: i64) -> String {
        let at = self.started + chrono::Duration::seconds(i * LINE_EVERY);
        let h = mix(&self.pod, i);
        let body = self.body(i, at, h);
        self.written(at, &body)
    }

    /// The last line of a run that exited with `code` at `at`: what killed a failed one, and
    /// the verdict of one that reports its own (the restore test); None for a quiet success.
    fn last_words(&self, code: i64, at: DateTime<Utc>) -> Option<String> {
        let name = self.container.as_str();
        let image = self.image.as_str();
        let restore = name.contains("restore") || image.contains("restore");
        let backup = !restore && (name.contains("backup") || image.contains("backup"));
        if code == 0 {
            let body = if restore {
                let took = (at - self.started).num_seconds().max(0);
                format!("restore-test: PASS restored in {took} s, 214 tables, row counts match")
            } else if backup {
                "pg_basebackup: upload to minio://ms5-backups complete".to_string()
            } else {
                return None;
            };
            return Some(self.written(at, &body));
        }
        let body = if restore {
            "restore-test: FAIL row count mismatch in downtime_events (expected 10234, got 10198)"
                .to_string()
        } else if name.contains("backend") || image.contains("backend") || name == "api" {
            format!(
                "ERROR:    Application startup failed: sqlalchemy.exc.OperationalError: (psycopg2.OperationalError) connection to server at \"postgres\" (10.0.142.7), port 5432 failed: FATAL:  remaining connection slots are reserved for non-replication superuser connections; exiting with code {code}"
            )
        } else if backup {
            format!(
                "pg_basebackup: error: upload to minio://ms5-backups failed: 503 Service Unavailable; exit code {code}"
            )
        } else {
            format!("{name}: fatal error, exiting with code {code}")
        };
        Some(self.written(at, &body))
    }

    fn body(&self, i: i64, at: DateTime<Utc>, h: u64) -> String {
        const ROUTES: &[&str] = &[
            "/api/v1/production/lines/1/oee",
            "/api/v1/production/lines/2/oee",
            "/api/v1/downtime/events?since=1h",
            "/api/v1/production/rates",
            "/api/v1/dashboard/summary",
            "/health/ready",
        ];
        let image = self.image.as_str();
        let name = self.container.as_str();
        if name.contains("restore") || image.contains("restore") {
            if i == 0 {
                return self.restoring.clone();
            }
            // Row counts first, then constraints and indexes: a long run's log keeps moving.
            let verified = (i - 1) * 11;
            return if verified <= 214 {
                format!("restore-test: verified {verified} of 214 tables, row counts match")
            } else {
                format!(
                    "restore-test: checked constraints and indexes of {} of 214 tables",
                    ((verified - 214) / 2).min(214)
                )
            };
        }
        if name.contains("backup") || image.contains("backup") {
            let pct = i * 7;
            return if pct < 100 {
                format!(
                    "pg_basebackup: {} kB/{} kB ({pct}%), 1/1 tablespace",
                    pct * 48_213,
                    4_821_300
                )
            } else if pct < 107 {
                "pg_basebackup: base backup completed".to_string()
            } else {
                // Then the upload, which a failing bucket ends.
                format!(
                    "pg_basebackup: uploading to minio://ms5-backups: {} MB of 4708 MB",
                    ((i - 15) * 32).min(4708)
                )
            };
        }
        if name == "migrate" {
            const STEPS: &[&str] = &[
                "3f2a1c07d9e4 -> 9b7e4d21a0c5, add downtime reason codes",
                "9b7e4d21a0c5 -> c41d8e5f7a92, index oee snapshots by line and shift",
                "c41d8e5f7a92 -> e07b3a9d6f18, production rate rollups",
            ];
            return match STEPS.get(i as usize) {
                Some(step) => format!("INFO  [alembic.runtime.migration] Running upgrade {step}"),
                None => "INFO  [alembic.runtime.migration] Will assume transactional DDL; database is at head e07b3a9d6f18".to_string(),
            };
        }
        if name.contains("celery") || image.contains("celery") {
            let task = [
                "calculate_oee",
                "aggregate_downtime",
                "refresh_production_rates",
                "send_shift_report",
            ][(h % 4) as usize];
            return format!(
                "[{}: INFO/ForkPoolWorker-{}] Task app.tasks.{task}[{:08x}-{:04x}] succeeded in {:.3}s",
                at.format("%Y-%m-%d %H:%M:%S,%3f"),
                1 + h % 4,
                h as u32,
                (h >> 32) as u16,
                0.05 + (h % 900) as f64 / 1000.0
            );
        }
        if name.contains("postgres") || image.contains("postgres") {
            return format!(
                "{} UTC [{}] LOG:  checkpoint complete: wrote {} buffers ({:.1}%); write={:.3} s",
                at.format("%Y-%m-%d %H:%M:%S%.3f"),
                60 + h % 40,
                h % 2000,
                (h % 100) as f64 / 10.0,
                (h % 3000) as f64 / 1000.0
            );
        }
        if name.contains("backend") || image.contains("backend") || name == "api" {
            let route = ROUTES[(h % ROUTES.len() as u64) as usize];
            let burning = self.burn_origin.map_or(0.0, |origin| {
                crate::sim::prometheus::catalog::burn_share(origin, at.timestamp() as f64)
            });
            let code = access_code(image, burning, h);
            return format!(
                "INFO:     10.244.{}.{}:{} - \"GET {route} HTTP/1.1\" {code}",
                h % 4,
                2 + h % 200,
                30000 + h % 30000
            );
        }
        format!(
            "{} {name} level=info msg=\"heartbeat\" seq={i}",
            at.format("%Y-%m-%dT%H:%M:%SZ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Defect: the backend's access logs showed 0-2 % of 500s while the SLO said 26-39 %
    /// errors. A pod of the bad release logs its 5xx at the metrics' share; any other version at
    /// the quiet day's.
    #[test]
    fn access_logs_fail_at_the_share_the_metrics_count() {
        let share = |image: &str| {
            let lines = 20_000;
            let failed = (0..lines)
                .map(|i| access_code(image, 0.0, mix("backend-7d9f8c6b5-x2k4q", i)))
                .filter(|c| c.starts_with('5'))
                .count();
            failed as f64 / lines as f64
        };
        let bad = share(crate::sim::cluster::scenario::BAD_RELEASE_IMAGE);
        assert!((0.37..0.43).contains(&bad), "{bad}");
        let good = share("ms5acr.azurecr.io/ms5-backend:1.9.0");
        assert!(good < 0.002, "{good}");
    }

    /// `slo-burn`'s logs follow its ramp: quiet 45 minutes before the start, 10 % 5xx from 5
    /// minutes after it, half way between in the middle.
    #[test]
    fn slo_burn_access_logs_follow_the_ramp_the_metrics_follow() {
        use crate::sim::prometheus::catalog::burn_share;
        let origin = 1_800_000_000.0;
        let share = |t: f64| {
            let lines = 20_000;
            let burning = burn_share(origin, t);
            (0..lines)
                .map(|i| access_code("ms5-backend:1.9.0", burning, mix("backend-x", i)))
                .filter(|c| c.starts_with('5'))
                .count() as f64
                / lines as f64
        };
        assert!(share(origin - 3600.0) < 0.002);
        let middle = share(origin - 20.0 * 60.0);
        assert!((0.04..0.06).contains(&middle), "{middle}");
        let peak = share(origin + 600.0);
        assert!((0.09..0.11).contains(&peak), "{peak}");
    }
}
