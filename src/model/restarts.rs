//! Restarts within the last hour, as far as the console can know them. A pod's status holds
//! only its total restart count and its containers' last termination, so the count within an
//! hour comes from what the watch saw: each increase of the count, at the time the container
//! last ended. Before the console watched: a pod younger than the hour has all its restarts in
//! it; else the pod's `Started` Event, when its series began inside the hour, counts every start
//! since (each a restart of a pod that already ran); else only last terminations inside the
//! hour can be counted, and the count says from when it is complete ("since 10:02").

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::pod_view::PodRow;

const HOUR: Duration = Duration::hours(1);

/// One pod's restarts as the console saw them.
#[derive(Debug, Clone)]
struct Seen {
    created: Option<DateTime<Utc>>,
    /// When the console first saw the pod: before it, increases were not seen.
    first_seen: DateTime<Utc>,
    /// The restart count when first seen: restarts the console did not see happen.
    initial: i32,
    /// The restart count when last seen.
    count: i32,
    /// One entry per restart seen within the last hour.
    times: Vec<DateTime<Utc>>,
}

/// Restarts seen, per pod (namespace, name).
#[derive(Debug, Default)]
pub struct RestartLedger {
    pods: HashMap<(String, String), Seen>,
}

/// A pod's `Started` Event: how many times, and when the series began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartedEvent {
    pub count: i32,
    pub first: DateTime<Utc>,
    /// The newest start of the series.
    pub last: DateTime<Utc>,
}

/// A pod's restarts within the hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HourRestarts {
    pub count: usize,
    /// Restarts before this time may be missing from `count`.
    pub complete_since: Option<DateTime<Utc>>,
}

impl RestartLedger {
    /// Records a pod as the watch delivered it at `now`.
    pub fn observe(&mut self, pod: &PodRow, now: DateTime<Utc>) {
        let key = (pod.namespace.clone(), pod.name.clone());
        let count = pod.summary.restarts;
        match self.pods.get_mut(&key) {
            // The same pod: each increase is a restart, at the time its container ended.
            Some(seen) if seen.created == pod.created => {
                if count > seen.count {
                    let at = pod.summary.last_restart.unwrap_or(now).min(now);
                    let new = (count - seen.count) as usize;
                    seen.times.extend(std::iter::repeat_n(at, new));
                }
                seen.count = count;
                seen.times.retain(|t| now.signed_duration_since(*t) < HOUR);
            }
            // New, or recreated under the same name (a StatefulSet's pod).
            _ => {
                self.pods.insert(
                    key,
                    Seen {
                        created: pod.created,
                        first_seen: now,
                        initial: count,
                        count,
                        times: Vec::new(),
                    },
                );
            }
        }
    }

    pub fn forget(&mut self, namespace: &str, name: &str) {
        self.pods.remove(&(namespace.to_string(), name.to_string()));
    }

    /// Keeps only the pods in `keep` (after a relist).
    pub fn retain(&mut self, keep: impl Fn(&str, &str) -> bool) {
        self.pods.retain(|(ns, name), _| keep(ns, name));
    }

    /// `pod`'s restarts within the hour before `now`; `started` is its `Started` Event, if any.
    pub fn within_hour(
        &self,
        pod: &PodRow,
        started: Option<StartedEvent>,
        now: DateTime<Utc>,
    ) -> HourRestarts {
        let start = now - HOUR;
        let exact = |count| HourRestarts {
            count,
            complete_since: None,
        };
        // A pod younger than the hour: every restart it has is in the hour.
        if pod.created.is_some_and(|c| c >= start) {
            return exact(pod.summary.restarts.max(0) as usize);
        }
        let key = (pod.namespace.clone(), pod.name.clone());
        let Some(seen) = self.pods.get(&key) else {
            return HourRestarts {
                count: pod.restarts_within_hour(now),
                complete_since: Some(now),
            };
        };
        let watched = seen.times.iter().filter(|t| **t >= start).count();
        if seen.first_seen <= start || seen.initial == 0 {
            return exact(watched);
        }
        // The pod ran before the hour; a series of starts that began inside it is a series of
        // restarts, counted by the kubelet whether or not the console was watching.
        if let Some(e) = started.filter(|e| e.first >= start) {
            // A container that ended after the newest start waits in back-off for its next
            // one: the kubelet has counted that restart already (kubectl's RESTARTS shows it),
            // and no Event has said it yet.
            let waiting = pod.summary.last_restart.is_some_and(|t| t > e.last);
            let count = e.count.max(0) as usize + usize::from(waiting);
            return exact(count.min(pod.summary.restarts.max(0) as usize));
        }
        // Before the console watched: the last termination of each container, if in the hour.
        let before = pod
            .restart_times
            .iter()
            .filter(|t| **t >= start && **t < seen.first_seen)
            .count();
        HourRestarts {
            count: watched + before,
            complete_since: (seen.initial > 0).then_some(seen.first_seen),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pod_status::PodSummary;

    /// A pod created at `created` whose last restart ended at `last`.
    fn pod(restarts: i32, created: DateTime<Utc>, last: Option<DateTime<Utc>>) -> PodRow {
        PodRow {
            namespace: "ms5-production".into(),
            name: "backend-0".into(),
            summary: PodSummary {
                ready: 0,
                total: 1,
                status: "CrashLoopBackOff".into(),
                restarts,
                last_restart: last,
            },
            node: String::new(),
            qos: String::new(),
            created: Some(created),
            probes: Default::default(),
            restart_times: last.into_iter().collect(),
            owner: None,
            containers: vec!["backend".into()],
            labels: Default::default(),
            detail: Vec::new(),
            unschedulable: None,
            status_message: None,
            running: true,
            uid: String::new(),
            grace_seconds: None,
            requests: Default::default(),
            limits: Default::default(),
            ready_changed: None,
            evicted: false,
            readiness_threshold: None,
        }
    }

    fn ago(now: DateTime<Utc>, seconds: i64) -> DateTime<Utc> {
        now - Duration::seconds(seconds)
    }

    #[test]
    fn every_restart_seen_counts_not_one_per_container() {
        let t0 = Utc::now();
        let created = ago(t0, 86_400);
        let mut ledger = RestartLedger::default();
        // An old pod, first seen healthy.
        ledger.observe(&pod(0, created, None), t0);
        let mut now = t0;
        for n in 1..=6 {
            now = t0 + Duration::seconds(60 * n);
            ledger.observe(&pod(n as i32, created, Some(ago(now, 5))), now);
        }
        let last = pod(6, created, Some(ago(now, 5)));
        // Seen from 0, so complete although the console started within the hour.
        assert_eq!(
            ledger.within_hour(&last, None, now),
            HourRestarts {
                count: 6,
                complete_since: None
            }
        );
        // An hour after the first restart it has left the window.
        let later = t0 + Duration::seconds(60 + 3600 + 30);
        assert_eq!(ledger.within_hour(&last, None, later).count, 5);
    }

    #[test]
    fn a_young_pod_counts_all_and_an_old_one_says_from_when() {
        let now = Utc::now();
        let ledger = RestartLedger::default();
        let young = ledger.within_hour(&pod(6, ago(now, 1800), Some(ago(now, 20))), None, now);
        assert_eq!(
            young,
            HourRestarts {
                count: 6,
                complete_since: None
            }
        );
        let mut ledger = RestartLedger::default();
        // First seen with 6 restarts, the last 20 s ago, created a day ago: 1 is known, and
        // the count is complete only from when the console saw it.
        let old = pod(6, ago(now, 86_400), Some(ago(now, 20)));
        ledger.observe(&old, now);
        assert_eq!(
            ledger.within_hour(&old, None, now),
            HourRestarts {
                count: 1,
                complete_since: Some(now)
            }
        );
    }

    #[test]
    fn before_the_console_watched_the_started_events_count() {
        let now = Utc::now();
        let mut ledger = RestartLedger::default();
        let old = pod(6, ago(now, 86_400), Some(ago(now, 20)));
        ledger.observe(&old, now);
        // The crash loop began 20 minutes ago: six starts since, all restarts, all in the hour.
        let began = StartedEvent {
            count: 6,
            first: ago(now, 1200),
            last: ago(now, 10),
        };
        assert_eq!(
            ledger.within_hour(&old, Some(began), now),
            HourRestarts {
                count: 6,
                complete_since: None
            }
        );
        // Ended 20 s ago, after its newest start (30 s ago): in back-off, its sixth restart
        // counted by the kubelet, five starts said by the Event.
        let waiting = StartedEvent {
            count: 5,
            first: ago(now, 1200),
            last: ago(now, 30),
        };
        assert_eq!(ledger.within_hour(&old, Some(waiting), now).count, 6);
        // A series that began before the hour cannot be split: back to what is known.
        let long = StartedEvent {
            count: 40,
            first: ago(now, 7200),
            last: ago(now, 10),
        };
        assert_eq!(ledger.within_hour(&old, Some(long), now).count, 1);
    }

    #[test]
    fn a_recreated_pod_starts_over() {
        let now = Utc::now();
        let mut ledger = RestartLedger::default();
        ledger.observe(&pod(4, ago(now, 86_400), Some(ago(now, 20))), now);
        let later = now + Duration::seconds(10);
        // Same name, created just now (an evicted StatefulSet pod's replacement).
        let fresh = pod(0, later, None);
        ledger.observe(&fresh, later);
        assert_eq!(ledger.within_hour(&fresh, None, later).count, 0);
    }
}
