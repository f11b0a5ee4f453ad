//! ConfigMaps and Secrets: changed (dated by the API server's managed-field times, named by
//! the manager that wrote), or created. Watched metadata-only: the data is never read, so an
//! entry says that it changed, never what.

use chrono::{DateTime, Utc};

use super::entry::{Change, Entry, Severity, Source, Subject, SubjectKind};
use super::store::Timeline;
use crate::model::config_object::ConfigObject;

pub fn observe(timeline: &mut Timeline, object: &ConfigObject, now: DateTime<Utc>) {
    let kind = if object.kind == "Secret" {
        SubjectKind::Other("secret")
    } else {
        SubjectKind::Other("cm")
    };
    let subject = Subject::new(kind, &object.namespace, &object.name);
    let Some((at, by)) = &object.changed else {
        return;
    };
    // Written once, when created: a creation, not a change.
    let created = object
        .created
        .is_some_and(|c| (*at - c).num_seconds().abs() <= 1);
    let words = if created {
        format!("{} created by {by}", object.kind)
    } else {
        format!("{} changed by {by}", object.kind)
    };
    let key = format!(
        "{}/{}/{}@{}",
        object.kind,
        object.namespace,
        object.name,
        at.timestamp_millis()
    );
    let entry = Entry::new(key, *at, Source::Kube, Severity::Info, subject, words)
        .first_in_its_second()
        .change(Change::Config);
    timeline.record(entry, now);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap_or_default()
    }

    #[test]
    fn a_write_after_creation_is_a_change_by_its_manager_and_the_same_write_is_one_entry() {
        let mut timeline = Timeline::new(t("2026-12-07T17:00:00Z"));
        let mut cm = ConfigObject {
            kind: "ConfigMap",
            namespace: "ms5-production".into(),
            name: "backend-config".into(),
            created: Some(t("2026-12-01T09:00:00Z")),
            changed: Some((
                t("2026-12-07T17:18:04Z"),
                "kubectl-client-side-apply".into(),
            )),
        };
        let now = t("2026-12-07T17:20:00Z");
        observe(&mut timeline, &cm, now);
        observe(&mut timeline, &cm, now);
        cm.name = "new-config".into();
        cm.created = Some(t("2026-12-07T17:19:00Z"));
        cm.changed = Some((t("2026-12-07T17:19:00Z"), "helm".into()));
        observe(&mut timeline, &cm, now);
        let rows: Vec<_> = timeline
            .newest_first()
            .map(|e| (e.subject.text(), e.what.clone(), e.change))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "cm/new-config".to_string(),
                    "ConfigMap created by helm".to_string(),
                    Some(Change::Config)
                ),
                (
                    "cm/backend-config".to_string(),
                    "ConfigMap changed by kubectl-client-side-apply".to_string(),
                    Some(Change::Config)
                ),
            ]
        );
    }
}
