//! Pods' transitions worth a line: a crash loop (one entry, a count per restart), OOMKilled,
//! evicted, unready past the readiness threshold, ready again after any of those. Each is
//! dated by the pod's own times (its last termination, its `Ready` condition's change), so
//! the same rules give the live timeline and the one rebuilt at start.

use chrono::{DateTime, Duration, Utc};

use super::entry::{Change, Entry, Folding, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::model::pod_view::PodRow;

/// A running pod without a readiness probe unready for this long is said (a probe's defaults:
/// 3 failures 10 s apart). A pod with one is said past its own threshold: its initial delay
/// and its period times its failure threshold.
pub const UNREADY_AFTER: Duration = Duration::seconds(30);

/// How long `row` may be unready before it is said.
pub fn threshold(row: &PodRow) -> Duration {
    row.readiness_threshold
        .map_or(UNREADY_AFTER, Duration::seconds)
}

fn key(row: &PodRow, what: &str) -> String {
    format!("pod/{}/{}/{what}", row.namespace, row.name)
}

fn subject(row: &PodRow) -> Subject {
    Subject::new(SubjectKind::Pod, &row.namespace, &row.name)
}

/// What the pod's state says happened; `Some(when)` when it is unready but not yet past the
/// threshold: look again then. `was_ready`: the previous version's readiness, when the watch
/// had one (a pod ready before and now is not looked up for "ready again").
pub fn observe(
    timeline: &mut Timeline,
    row: &PodRow,
    was_ready: Option<bool>,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let status = row.summary.status.as_str();
    let fact = |what: &str, at: DateTime<Utc>, severity: Severity, words: String| {
        Entry::new(
            key(row, what),
            at,
            Source::Kube,
            severity,
            subject(row),
            words,
        )
    };
    if status == "CrashLoopBackOff" {
        let entry = fact(
            "crashloop",
            row.summary.last_restart.unwrap_or(now),
            Severity::Critical,
            format!("CrashLoopBackOff ({} restarts)", row.summary.restarts),
        )
        .folding(Folding::Count);
        let entry = match row.summary.last_restart {
            Some(_) => entry,
            None => entry.undated(),
        };
        timeline.record(entry, now);
    }
    for container in &row.detail {
        if let Some((reason, code, Some(at))) = &container.last
            && reason == "OOMKilled"
        {
            timeline.record(
                fact(
                    "oomkilled",
                    *at,
                    Severity::Critical,
                    format!("OOMKilled: container {} (exit {code})", container.name),
                )
                .folding(Folding::Count),
                now,
            );
        }
    }
    if row.evicted || status == "Evicted" {
        let why = row.status_message.as_deref().unwrap_or("evicted");
        let entry = fact(
            "evicted",
            row.ready_changed.unwrap_or(now),
            Severity::Warning,
            format!("evicted: {why}"),
        )
        .change(Change::Eviction);
        let entry = match row.ready_changed {
            Some(_) => entry,
            None => entry.undated(),
        };
        timeline.record(entry, now);
        return None;
    }
    let since = row.ready_changed.or(row.created)?;
    if row.is_ready() {
        if was_ready == Some(true) {
            return None;
        }
        // Ready again after something this timeline said about it.
        let troubled = ["crashloop", "oomkilled", "unready"]
            .iter()
            .filter_map(|what| timeline.get(&key(row, what)))
            .any(|e| e.last < since);
        if troubled {
            timeline.record(
                fact("ready", since, Severity::Info, "ready again".into()).folding(Folding::Count),
                now,
            );
        }
        return None;
    }
    if !row.running || status == "CrashLoopBackOff" || status == "Terminating" {
        return None;
    }
    let after = threshold(row);
    if now - since < after {
        return Some(since + after);
    }
    let words = if row.probes.readiness_failing {
        // The threshold is the probe's own (the README says how it is made): the number
        // first, where no cut reaches it.
        format!(
            "unready past {}s: readiness probe failing",
            after.num_seconds()
        )
    } else {
        format!("unready past {}s", after.num_seconds())
    };
    timeline.record(
        fact("unready", since, Severity::Warning, words).folding(Folding::Count),
        now,
    );
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::pod_view::ContainerDetail;
    use crate::timeline::entry::Seen;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_132_800 + seconds, 0).unwrap_or_default()
    }

    fn pod(status: &str, ready: bool, ready_changed: i64) -> PodRow {
        let mut row = PodRow::sample("backend-0");
        row.summary.status = status.into();
        row.summary.ready = usize::from(ready);
        row.ready_changed = Some(t(ready_changed));
        row.running = true;
        row
    }

    fn lines(timeline: &Timeline) -> Vec<String> {
        timeline
            .newest_first()
            .map(|e| format!("{} x{} {}", e.at.format("%H:%M:%S"), e.count, e.what))
            .collect()
    }

    #[test]
    fn a_pod_flapping_ready_is_one_unready_entry_and_one_ready_again_with_counts() {
        let mut timeline = Timeline::new(t(0));
        // Unready at 100 for 40 s, ready at 140, unready at 200 for 60 s, ready at 260; and a
        // blip at 300 shorter than the threshold, which is not said.
        let states = [
            (100, false, 100),
            (110, false, 100),
            (135, false, 100),
            (140, true, 140),
            (200, false, 200),
            (250, false, 200),
            (260, true, 260),
            (300, false, 300),
            (310, true, 310),
        ];
        for (now, ready, changed) in states {
            observe(&mut timeline, &pod("Running", ready, changed), None, t(now));
        }
        assert_eq!(
            lines(&timeline),
            ["00:02:20 x3 ready again", "00:01:40 x2 unready past 30s",]
        );
    }

    #[test]
    fn a_crash_loop_is_one_entry_counting_restarts() {
        let mut timeline = Timeline::new(t(0));
        for restart in 1..=4 {
            let mut row = pod("CrashLoopBackOff", false, 50);
            row.summary.restarts = restart;
            row.summary.last_restart = Some(t(60 * i64::from(restart)));
            // Each update between restarts says the same again.
            observe(
                &mut timeline,
                &row,
                Some(false),
                t(60 * i64::from(restart) + 5),
            );
            observe(
                &mut timeline,
                &row,
                Some(false),
                t(60 * i64::from(restart) + 30),
            );
        }
        assert_eq!(
            lines(&timeline),
            ["00:01:00 x4 CrashLoopBackOff (4 restarts)"]
        );
    }

    #[test]
    fn oomkilled_and_evicted_are_dated_by_the_pod() {
        let mut timeline = Timeline::new(t(1000));
        let mut row = pod("Running", true, 400);
        row.detail.push(ContainerDetail {
            name: "backend".into(),
            image: String::new(),
            state: String::new(),
            ready: true,
            last: Some(("OOMKilled".into(), 137, Some(t(390)))),
            probes: Vec::new(),
            requests: String::new(),
            limits: String::new(),
        });
        observe(&mut timeline, &row, None, t(1000));
        let mut evicted = pod("Evicted", false, 500);
        evicted.name = "backend-1".into();
        evicted.status_message = Some("The node was low on resource: memory.".into());
        observe(&mut timeline, &evicted, None, t(1000));
        assert_eq!(
            lines(&timeline),
            [
                "00:08:20 x1 evicted: The node was low on resource: memory.",
                // Its Ready condition changed after the kill: it came back.
                "00:06:40 x1 ready again",
                "00:06:30 x1 OOMKilled: container backend (exit 137)",
            ]
        );
        // From before the console started: rebuilt, not seen.
        assert!(
            timeline
                .newest_first()
                .all(|e| e.seen == Seen::Reconstructed)
        );
    }

    /// A pod whose probe waits 10 s and fails 3 times 5 s apart is said after 25 s, in words
    /// that name its threshold.
    #[test]
    fn a_probes_own_threshold_is_the_one_used() {
        let mut timeline = Timeline::new(t(0));
        let mut row = pod("Running", false, 100);
        row.readiness_threshold = Some(25);
        row.probes.readiness_failing = true;
        assert_eq!(
            observe(&mut timeline, &row, Some(false), t(110)),
            Some(t(125))
        );
        assert_eq!(observe(&mut timeline, &row, Some(false), t(125)), None);
        assert_eq!(
            lines(&timeline),
            ["00:01:40 x1 unready past 25s: readiness probe failing"]
        );
    }

    #[test]
    fn an_unready_pod_asks_to_be_looked_at_again_when_the_threshold_passes() {
        let mut timeline = Timeline::new(t(0));
        let row = pod("Running", false, 100);
        assert_eq!(
            observe(&mut timeline, &row, Some(false), t(110)),
            Some(t(130))
        );
        assert!(timeline.is_empty());
        assert_eq!(observe(&mut timeline, &row, Some(false), t(130)), None);
        assert_eq!(lines(&timeline), ["00:01:40 x1 unready past 30s"]);
    }
}
