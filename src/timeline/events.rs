//! Warning Events the other rules do not already say (a crash loop's `BackOff`, a readiness
//! probe's `Unhealthy`, an eviction, an exceeded deadline have their own lines), folded as
//! Kubernetes folds them: one entry per Event, with its count.

use chrono::{DateTime, Utc};
use k8s_openapi::api::core::v1::Event;

use super::entry::{Entry, Folding, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::model::age::k8s_time;

/// Reasons another rule says in its own words.
const SAID_ELSEWHERE: &[&str] = &[
    "BackOff",
    "Unhealthy",
    "Evicted",
    "ProgressDeadlineExceeded",
];

fn micro(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_nanos(t.0.as_nanosecond() as i64)
}

pub fn observe(timeline: &mut Timeline, event: &Event, now: DateTime<Utc>) {
    if event.type_.as_deref() != Some("Warning") {
        return;
    }
    let reason = event.reason.as_deref().unwrap_or_default();
    if SAID_ELSEWHERE.contains(&reason) {
        return;
    }
    let first = event
        .event_time
        .as_ref()
        .map(micro)
        .or_else(|| event.first_timestamp.as_ref().map(k8s_time))
        .or_else(|| event.metadata.creation_timestamp.as_ref().map(k8s_time));
    let Some(first) = first else {
        return;
    };
    let last = event
        .series
        .as_ref()
        .and_then(|s| s.last_observed_time.as_ref())
        .map(micro)
        .or_else(|| event.last_timestamp.as_ref().map(k8s_time))
        .unwrap_or(first);
    let count = event
        .series
        .as_ref()
        .and_then(|s| s.count)
        .or(event.count)
        .unwrap_or(1)
        .max(1) as u32;
    let object = &event.involved_object;
    let namespace = event.metadata.namespace.as_deref().unwrap_or_default();
    let subject = Subject::new(
        SubjectKind::of_kind(object.kind.as_deref().unwrap_or_default()),
        object.namespace.as_deref().unwrap_or(namespace),
        object.name.as_deref().unwrap_or_default(),
    );
    let key = format!(
        "event/{namespace}/{}",
        event.metadata.name.as_deref().unwrap_or_default()
    );
    let message = event.message.as_deref().unwrap_or_default();
    let entry = Entry::new(
        key,
        first,
        Source::Kube,
        Severity::Warning,
        subject,
        format!("{reason}: {message}"),
    )
    .folding(Folding::Total)
    .counted(count, last);
    timeline.record(entry, now);
}
