//! SLOs, live: a page or ticket condition (both of its windows burning faster than its factor)
//! becoming true or false, and the error budget falling past 50 %, 25 % and 0 %. Each poll is
//! compared with the one before; a window without a reading changes nothing.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::entry::{Entry, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::model::slo_status::SloStatus;
use crate::slo::maths::{BurnCondition, CONDITIONS, Urgency};

/// Budget marks said when the budget falls past them.
const BUDGET_MARKS: [f64; 3] = [0.5, 0.25, 0.0];

/// What the previous poll said: each (SLO, condition) holding or not, each SLO's budget left.
#[derive(Debug, Default)]
pub struct SloMemory {
    conditions: BTreeMap<(String, usize), bool>,
    budgets: BTreeMap<String, f64>,
    /// Each SLO's first budget reading and when: the report's "spent during the window".
    first: BTreeMap<String, (DateTime<Utc>, f64)>,
    /// Each condition's state at the console's start, from Prometheus' past.
    history: BTreeMap<(String, usize), bool>,
}

impl SloMemory {
    /// The first budget read for `slo` and when.
    pub fn first_budget(&self, slo: &str) -> Option<(DateTime<Utc>, f64)> {
        self.first.get(slo).copied()
    }
}

/// `page 5m/1h over 14.4x`.
pub fn condition_text(c: &BurnCondition) -> String {
    format!(
        "{} {}/{} over {}x",
        c.urgency.text(),
        c.short.text(),
        c.long.text(),
        c.factor
    )
}

fn holds(status: &SloStatus, c: &BurnCondition) -> Option<bool> {
    let burn = |w: crate::slo::maths::BurnWindow| status.burn[w.index()].as_ref().ok().copied();
    Some(burn(c.short)? > c.factor && burn(c.long)? > c.factor)
}

pub fn observe(
    timeline: &mut Timeline,
    memory: &mut SloMemory,
    statuses: &[SloStatus],
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) {
    for status in statuses {
        let subject = Subject::new(SubjectKind::Slo, "", &status.name);
        let fact = |what: &str, severity, words: String| {
            Entry::new(
                format!("slo/{}/{what}@{}", status.name, at.timestamp_millis()),
                at,
                Source::Prometheus,
                severity,
                subject.clone(),
                words,
            )
        };
        for (i, c) in CONDITIONS.iter().enumerate() {
            let Some(now_holds) = holds(status, c) else {
                continue;
            };
            let before = memory
                .conditions
                .insert((status.name.clone(), i), now_holds);
            let severity = match c.urgency {
                Urgency::Page => Severity::Critical,
                Urgency::Ticket => Severity::Warning,
            };
            let text = condition_text(c);
            let entry = match (before, now_holds) {
                (Some(false), true) => fact(&text, severity, format!("{text}: began")),
                // Dated by sight, under the episode's own key: Prometheus' past, read later,
                // moves it to when the episode began (one entry, in either order).
                (None, true) => Entry::new(
                    ongoing_key(&status.name, &text),
                    at,
                    Source::Prometheus,
                    severity,
                    subject.clone(),
                    format!("{text}: holding when first read"),
                )
                .undated(),
                (Some(true), false) => fact(&text, Severity::Info, format!("{text}: ended")),
                _ => continue,
            };
            timeline.record(entry, now);
        }
        let Some(left) = status.budget.map(|b| b.remaining) else {
            continue;
        };
        memory
            .first
            .entry(status.name.clone())
            .or_insert((at, left));
        if let Some(before) = memory.budgets.insert(status.name.clone(), left) {
            for mark in BUDGET_MARKS.iter().filter(|m| before > **m && left <= **m) {
                let severity = if *mark <= 0.0 {
                    Severity::Critical
                } else {
                    Severity::Warning
                };
                let words = format!(
                    "error budget below {:.0} % ({:.1} % left)",
                    mark * 100.0,
                    left * 100.0
                );
                timeline.record(fact(&format!("budget {mark}"), severity, words), now);
            }
        }
    }
}

/// The key of the episode of a condition that still holds: the same whether the first live
/// reading or Prometheus' past tells it first.
fn ongoing_key(slo: &str, condition: &str) -> String {
    format!("slo/{slo}/{condition}/ongoing")
}

/// The crossings read from Prometheus' past (before the console started), as entries; where no
/// live reading has said it yet, each condition's state at the console's start is what the next
/// reading is compared with (a page that began before is not said again as new).
pub fn record_crossings(
    timeline: &mut Timeline,
    memory: &mut SloMemory,
    crossings: &[crate::slo::crossings::Crossing],
    now: DateTime<Utc>,
) {
    for c in crossings {
        memory.history.insert((c.slo.clone(), c.condition), c.began);
    }
    for (key, holds) in &memory.history {
        memory.conditions.entry(key.clone()).or_insert(*holds);
    }
    // Per condition, the crossing that began the episode still holding (its last, if a begin).
    let mut last: BTreeMap<(&str, usize), usize> = BTreeMap::new();
    for (i, c) in crossings.iter().enumerate() {
        let at = |j: usize| crossings[j].at;
        let held = last.entry((c.slo.as_str(), c.condition)).or_insert(i);
        if c.at >= at(*held) {
            *held = i;
        }
    }
    for (i, c) in crossings.iter().enumerate() {
        let Some(condition) = CONDITIONS.get(c.condition) else {
            continue;
        };
        let ongoing = c.began && last.get(&(c.slo.as_str(), c.condition)) == Some(&i);
        let Some(at) = DateTime::from_timestamp_millis((c.at * 1000.0) as i64) else {
            continue;
        };
        let text = condition_text(condition);
        let severity = match (c.began, condition.urgency) {
            (false, _) => Severity::Info,
            (true, Urgency::Page) => Severity::Critical,
            (true, Urgency::Ticket) => Severity::Warning,
        };
        let words = match (c.began, c.at_start) {
            (true, true) => format!("{text}: holding when the lookback begins"),
            (true, false) => format!("{text}: began"),
            (false, _) => format!("{text}: ended"),
        };
        let key = if ongoing {
            ongoing_key(&c.slo, &text)
        } else {
            format!("slo/{}/{text}@{}", c.slo, at.timestamp_millis())
        };
        timeline.record(
            Entry::new(
                key,
                at,
                Source::Prometheus,
                severity,
                Subject::new(SubjectKind::Slo, "", &c.slo),
                words,
            ),
            now,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::slo_status::{Reading, SloReading, status};
    use crate::slo::crossings::Crossing;

    fn t(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_795_132_800 + seconds, 0).unwrap_or_default()
    }

    /// The backend burning 20x its budget on every window.
    fn paging() -> SloStatus {
        let def = crate::slo::definition::builtin()
            .into_iter()
            .find(|d| d.name == "backend-availability")
            .unwrap();
        let ratio = 20.0 * def.error_budget();
        status(
            &def,
            Some(&SloReading {
                name: def.name.clone(),
                window_sli: Reading::Value(0.99),
                error_ratios: std::array::from_fn(|_| Reading::Value(ratio)),
            }),
        )
    }

    fn lines(timeline: &Timeline) -> Vec<String> {
        timeline.newest_first().map(|e| e.what.clone()).collect()
    }

    #[test]
    fn a_page_known_from_the_past_is_not_said_again_when_first_read() {
        let mut timeline = Timeline::new(t(1000));
        let mut memory = SloMemory::default();
        let began = Crossing {
            slo: "backend-availability".into(),
            condition: 0,
            at: (t(400).timestamp()) as f64,
            began: true,
            at_start: false,
        };
        record_crossings(
            &mut timeline,
            &mut memory,
            std::slice::from_ref(&began),
            t(1000),
        );
        observe(&mut timeline, &mut memory, &[paging()], t(1001), t(1001));
        let said = lines(&timeline);
        assert!(
            said.contains(&"page 5m/1h over 14.4x: began".to_string()),
            "{said:?}"
        );
        assert!(
            !said
                .iter()
                .any(|l| l == "page 5m/1h over 14.4x: holding when first read"),
            "{said:?}"
        );
        // The other order: the first reading says it holds, then the past arrives and says
        // when it began: one entry, at its start, in the past's words.
        let mut timeline = Timeline::new(t(1000));
        let mut memory = SloMemory::default();
        observe(&mut timeline, &mut memory, &[paging()], t(1001), t(1001));
        record_crossings(&mut timeline, &mut memory, &[began], t(1002));
        let entries: Vec<_> = timeline
            .newest_first()
            .filter(|e| e.what.starts_with("page 5m/1h"))
            .map(|e| (e.at, e.what.clone()))
            .collect();
        assert_eq!(
            entries,
            [(t(400), "page 5m/1h over 14.4x: began".to_string())]
        );
        // Without the past, the first reading says what it found.
        let mut timeline = Timeline::new(t(1000));
        observe(
            &mut timeline,
            &mut SloMemory::default(),
            &[paging()],
            t(1001),
            t(1001),
        );
        assert!(
            lines(&timeline)
                .contains(&"page 5m/1h over 14.4x: holding when first read".to_string())
        );
    }
}
