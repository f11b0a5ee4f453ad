//! The timeline's entries: ordered by time, one per fact (a fact derived again is the same
//! entry; repeats fold into it with a count), bounded (oldest dropped first, and counted).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::entry::{Entry, Folding, Seen};

/// At most this many entries by default (`[timeline] max-entries`).
pub const MAX_ENTRIES: usize = 10_000;
/// How far back a console rebuilds by default (`[timeline] lookback`).
pub const LOOKBACK: Duration = Duration::hours(6);

/// A fact with no time of its own first seen this soon after the console started was there
/// before it (the first lists): rebuilt, not seen happening.
const FIRST_LISTS: Duration = Duration::seconds(10);

/// How far ahead of the console's clock a source's time is taken at its word.
const CLOCK_SKEW: Duration = Duration::seconds(60);

/// Position: time, then the order facts arrived in (a later arrival in the same millisecond
/// sorts after).
type Slot = (DateTime<Utc>, u8, u64);

#[derive(Debug)]
pub struct Timeline {
    entries: BTreeMap<Slot, Arc<Entry>>,
    slots: HashMap<String, Slot>,
    next: u64,
    pub max_entries: usize,
    pub lookback: Duration,
    /// When the console started: a fact from before it is reconstructed, one since seen live.
    pub started: DateTime<Utc>,
    /// Entries dropped to stay within `max_entries`.
    pub dropped: usize,
    /// Bumped on every change, so the view's rows are rebuilt only then.
    pub version: u64,
    /// While an incident is open: every entry added or changed since last taken, for its file.
    pub journal: Option<Vec<Arc<Entry>>>,
}

impl Timeline {
    pub fn new(started: DateTime<Utc>) -> Timeline {
        Timeline {
            entries: BTreeMap::new(),
            slots: HashMap::new(),
            next: 0,
            max_entries: MAX_ENTRIES,
            lookback: LOOKBACK,
            started,
            dropped: 0,
            version: 0,
            journal: None,
        }
    }

    /// From when the timeline covers, at `now`: the lookback, or the oldest entry kept once
    /// some were dropped.
    pub fn covers_since(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let window = now - self.lookback;
        match (self.dropped, self.entries.keys().next()) {
            (d, Some((oldest, _, _))) if d > 0 => window.max(*oldest),
            _ => window,
        }
    }

    /// Adds a fact: new, or folded into the entry with its key, or (already held, or from
    /// before what the timeline covers) nothing. Whether anything changed.
    pub fn record(&mut self, mut fact: Entry, now: DateTime<Utc>) -> bool {
        // Nothing has happened later than now: a time well ahead of the console's clock is
        // the source's skew, and is taken as now. A second or two is left alone (the clock is
        // read per frame, and the API server's may be a little ahead): the source's own time
        // is the same fact for every console.
        if fact.at > now + CLOCK_SKEW {
            fact.at = now;
            fact.last = fact.last.min(now).max(fact.at);
        }
        if fact.at < self.covers_since(now) {
            return false;
        }
        if let Some(slot) = self.slots.get(&fact.key).copied() {
            // A fact first dated by when the console saw it, now told with the source's own
            // time: it moves there (and keeps how it was seen).
            if let Some(held) = self.entries.get(&slot)
                && held.undated
                && !fact.undated
                && fact.at < held.at
            {
                let mut moved = self.entries.remove(&slot).map(|e| (*e).clone());
                if let Some(entry) = moved.as_mut() {
                    entry.at = fact.at;
                    entry.last = entry.last.max(fact.at);
                    entry.undated = false;
                    entry.what = fact.what;
                    let slot = (fact.at, slot.1, slot.2);
                    self.slots.insert(fact.key.clone(), slot);
                    let entry = Arc::new(entry.clone());
                    self.journal(&entry);
                    self.entries.insert(slot, entry);
                    self.version += 1;
                }
                return true;
            }
            return self.fold(slot, fact);
        }
        fact.seen = if fact.undated {
            if now - self.started < FIRST_LISTS {
                Seen::Reconstructed
            } else {
                Seen::Live
            }
        } else if fact.at > self.started {
            Seen::Live
        } else {
            Seen::Reconstructed
        };
        let slot = (fact.at, fact.order, self.next);
        self.next += 1;
        self.slots.insert(fact.key.clone(), slot);
        let entry = Arc::new(fact);
        self.journal(&entry);
        self.entries.insert(slot, entry);
        while self.entries.len() > self.max_entries {
            if let Some((_, oldest)) = self.entries.pop_first() {
                self.slots.remove(&oldest.key);
                self.dropped += 1;
            }
        }
        self.version += 1;
        true
    }

    fn fold(&mut self, slot: Slot, fact: Entry) -> bool {
        let Some(held) = self.entries.get_mut(&slot) else {
            return false;
        };
        let (count, last) = match fact.folding {
            Folding::Never => return false,
            Folding::Count if fact.at > held.last => (held.count + 1, fact.at),
            Folding::Total if fact.count > held.count || fact.last > held.last => {
                (fact.count.max(held.count), fact.last.max(held.last))
            }
            Folding::Count | Folding::Total => return false,
        };
        let held = Arc::make_mut(held);
        held.count = count;
        held.last = last;
        held.what = fact.what;
        held.severity = held.severity.min(fact.severity);
        let held = held.clone();
        self.journal(&Arc::new(held));
        self.version += 1;
        true
    }

    fn journal(&mut self, entry: &Arc<Entry>) {
        if let Some(journal) = self.journal.as_mut() {
            journal.push(entry.clone());
        }
    }

    /// Entries from `from` on, oldest first.
    pub fn since(&self, from: DateTime<Utc>) -> impl Iterator<Item = &Arc<Entry>> {
        self.entries.range((from, 0, 0)..).map(|(_, e)| e)
    }

    /// The entry recorded under `key`.
    pub fn get(&self, key: &str) -> Option<&Arc<Entry>> {
        self.slots.get(key).and_then(|slot| self.entries.get(slot))
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Arc<Entry>> {
        self.entries.values().rev()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::entry::{Severity, Source, Subject, SubjectKind};

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_132_800 + seconds, 0).unwrap_or_default()
    }

    fn fact(key: &str, at: i64) -> Entry {
        Entry::new(
            key.into(),
            t(at),
            Source::Kube,
            Severity::Warning,
            Subject::new(SubjectKind::Pod, "ms5-production", "backend-1"),
            format!("{key} at {at}"),
        )
    }

    #[test]
    fn the_same_fact_twice_is_one_entry_and_order_is_by_time() {
        let mut timeline = Timeline::new(t(100));
        assert!(timeline.record(fact("b", 50), t(200)));
        assert!(timeline.record(fact("a", 150), t(200)));
        assert!(!timeline.record(fact("b", 50), t(201)));
        let keys: Vec<_> = timeline.newest_first().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a", "b"]);
        let seen: Vec<_> = timeline.newest_first().map(|e| e.seen).collect();
        assert_eq!(seen, [Seen::Live, Seen::Reconstructed]);
    }

    #[test]
    fn repeats_fold_with_a_count_and_the_newest_words() {
        let mut timeline = Timeline::new(t(0));
        for at in [10, 20, 20, 35] {
            timeline.record(fact("crash", at).folding(Folding::Count), t(40));
        }
        let entry = timeline.get("crash").cloned();
        let entry = entry.as_deref();
        assert_eq!(
            entry.map(|e| (e.count, e.at, e.last)),
            Some((3, t(10), t(35)))
        );
        assert_eq!(entry.map(|e| e.what.as_str()), Some("crash at 35"));
        // An Event carries its own count: a later read with a higher one replaces it.
        timeline.record(
            fact("ev", 5).folding(Folding::Total).counted(4, t(30)),
            t(40),
        );
        timeline.record(
            fact("ev", 5).folding(Folding::Total).counted(9, t(38)),
            t(40),
        );
        timeline.record(
            fact("ev", 5).folding(Folding::Total).counted(9, t(38)),
            t(41),
        );
        assert_eq!(
            timeline.get("ev").map(|e| (e.count, e.last)),
            Some((9, t(38)))
        );
        assert_eq!(timeline.len(), 2);
    }

    #[test]
    fn bounded_oldest_first_and_a_dropped_fact_is_not_taken_back() {
        let mut timeline = Timeline::new(t(0));
        timeline.max_entries = 3;
        for at in 1..=5 {
            timeline.record(fact(&format!("f{at}"), at), t(10));
        }
        let keys: Vec<_> = timeline.newest_first().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["f5", "f4", "f3"]);
        assert_eq!(timeline.dropped, 2);
        assert_eq!(timeline.covers_since(t(10)), t(3));
        // Derived again on the next update, the dropped facts stay dropped.
        assert!(!timeline.record(fact("f1", 1), t(11)));
        assert_eq!(timeline.len(), 3);
    }

    /// One watch tells a rollback first, dated by when it was seen; the other then tells it
    /// with the controller's time: one entry, at that time, in the other's words.
    #[test]
    fn a_fact_dated_by_sight_takes_the_sources_time_when_told_it() {
        let mut timeline = Timeline::new(t(0));
        timeline.record(fact("complete", 100), t(101));
        assert!(timeline.record(fact("rollback", 101).undated(), t(101)));
        let mut told = fact("rollback", 100);
        told.what = "rolled back: revision 5 replaces 4".into();
        assert!(timeline.record(told, t(102)));
        let rows: Vec<_> = timeline
            .newest_first()
            .map(|e| (e.key.as_str(), e.at, e.what.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("rollback", t(100), "rolled back: revision 5 replaces 4"),
                ("complete", t(100), "complete at 100"),
            ]
        );
        // Told again by sight: nothing moves.
        assert!(!timeline.record(fact("rollback", 103).undated(), t(103)));
    }

    #[test]
    fn facts_older_than_the_lookback_are_not_kept() {
        let mut timeline = Timeline::new(t(0));
        let now = t(7 * 3600);
        assert!(!timeline.record(fact("old", 0), now));
        assert!(timeline.record(fact("recent", 3600 + 1), now));
    }
}
