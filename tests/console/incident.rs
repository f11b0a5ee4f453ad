//! `:incident NAME`: the name rule, the file fed from the timeline (the lead-up, then each
//! new entry and note), the header, a file that cannot be written said and nothing else
//! stopping, `x` the handoff report with the note and the actions, `:incident end`.

use crossterm::event::KeyCode;
use ms5_console::app::event::{DataEvent, Effect};
use ms5_console::app::update::{apply, run_command};
use ms5_console::timeline::incident::Line;
use ms5_console::timeline::report;

use crate::alert_views::{key, type_text};
use crate::fixture::screen;
use crate::timeline_view::timeline_state;

fn appended(effects: &[Effect]) -> Vec<Line> {
    effects
        .iter()
        .flat_map(|e| match e {
            Effect::AppendIncident { lines, .. } => lines.clone(),
            _ => Vec::new(),
        })
        .collect()
}

#[test]
fn an_incident_keeps_its_file_says_itself_and_reports_the_note() {
    let mut s = timeline_state();
    s.timeline.incident.dir = Some("/state/ms5-console/incidents".into());
    s.timeline.incident.reports = Some("/state/ms5-console/reports".into());
    // A name outside the rule is refused with the rule; nothing is written.
    let effects = run_command(&mut s, "incident DB_Outage");
    assert!(effects.is_empty());
    let text = screen(&s, 120, 40);
    assert!(
        text.contains(
            "`DB_Outage` refused: an incident name is 1 to 64 of a-z 0-9 . _ - (`end` is reserved)"
        ),
        "{text}"
    );
    let effects = run_command(&mut s, "incident db-outage");
    let lines = appended(&effects);
    assert!(matches!(&lines[0], Line::Begin { incident, .. } if incident == "db-outage"));
    // The lead-up goes in with the begin line: every entry held.
    assert_eq!(lines.len(), 1 + s.timeline.store.len());
    match &effects[..] {
        [Effect::AppendIncident { path, .. }] => {
            assert_eq!(
                path.display().to_string(),
                "/state/ms5-console/incidents/db-outage.jsonl"
            )
        }
        other => panic!("{other:?}"),
    }
    let text = screen(&s, 120, 40);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("INCIDENT db-outage 0s"),
        "{text}"
    );
    // A second one while it is open is refused.
    assert!(run_command(&mut s, "incident other").is_empty());
    // A note goes to the file with the next effects.
    key(&mut s, KeyCode::Char('m'));
    type_text(&mut s, "paged DB team");
    key(&mut s, KeyCode::Enter);
    let lines = appended(&ms5_console::app::outbox::take(&mut s));
    assert!(
        lines
            .iter()
            .any(|l| matches!(l, Line::Entry { entry, .. } if entry.what == "paged DB team")),
        "{lines:?}"
    );
    // The file cannot be written: the header and the timeline say so; the console goes on.
    apply(
        &mut s,
        DataEvent::IncidentWritten(Err(
            "/state/ms5-console/incidents/db-outage.jsonl: No space left on device (os error 28)"
                .into(),
        )),
    );
    let text = screen(&s, 120, 40);
    assert!(
        text.lines()
            .next()
            .unwrap()
            .contains("INCIDENT db-outage 0s: FILE NOT WRITTEN"),
        "{text}"
    );
    assert!(text.contains("incident file not written: /state/ms5-console/incidents/db-outage.jsonl: No space left on device"), "{text}");
    apply(&mut s, DataEvent::IncidentWritten(Ok(())));
    assert!(!screen(&s, 120, 40).contains("FILE NOT WRITTEN"));
    // `x`: the report for the incident, from its start: the note, written to the reports.
    let effects = key(&mut s, KeyCode::Char('x'));
    let [
        Effect::WriteReport {
            report,
            path,
            incident,
        },
    ] = &effects[..]
    else {
        panic!("{effects:?}");
    };
    assert_eq!(report.incident.as_deref(), Some("db-outage"));
    assert!(
        path.display()
            .to_string()
            .starts_with("/state/ms5-console/reports/db-outage-"),
        "{path:?}"
    );
    assert!(incident.is_some());
    assert!(
        report.notes.iter().any(|n| n.words == "paged DB team"),
        "{:?}",
        report.notes
    );
    let markdown = report::markdown(report);
    for needle in [
        "# Incident db-outage:",
        "## What is wrong now",
        "**alert** MS5DatabaseDown: firing since",
        "**slo** backend-availability: paging",
        "## Notes",
        "paged DB team",
        "## Timeline",
    ] {
        assert!(markdown.contains(needle), "{needle}:\n{markdown}");
    }
    let effects = run_command(&mut s, "incident end");
    assert!(matches!(appended(&effects).last(), Some(Line::End { .. })));
    assert!(!screen(&s, 120, 40).contains("INCIDENT"));
}

/// The report's "what is wrong now" is headed by what changed before the page, in the
/// Overview's order and words; a restart that picked up a config change comes after it.
#[test]
fn the_report_heads_what_is_wrong_now_with_the_changes_before_the_page() {
    let mut s = crate::fixture::state();
    for e in crate::fixture::release_before_the_page() {
        apply(&mut s, e);
    }
    let report = ms5_console::app::incident::build(&s);
    let before = report
        .before_page
        .clone()
        .expect("paging: the changes before it");
    assert_eq!(before.page, "MS5SLOFastBurn");
    assert_eq!(
        before.changes.first().map(|(b, c)| format!("{b}: {c}")),
        Some("2m34s before: deploy/backend 1.9.0 -> 1.9.2 (rev 4) by helm".into())
    );
    let text = report::markdown(&report);
    let section = text
        .split("## What is wrong now\n\n")
        .nth(1)
        .unwrap_or_default();
    assert!(
        section.starts_with("Changed in the 30m before MS5SLOFastBurn began at 09:57:00, likeliest cause first:\n\n- 2m34s before: deploy/backend 1.9.0 -> 1.9.2 (rev 4) by helm\n- 3m40s before: cm/backend-config changed by kubectl-client-side-apply (deploy/backend)\n"),
        "{section}"
    );
}
