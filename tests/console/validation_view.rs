//! `:validation` as an on-call engineer sees it: the phases and their criteria in the runbook's
//! order with results, a run filling in as its results arrive, stopping one, the evidence of a
//! criterion and when it last changed, a phase run, command criteria confirmed (or skipped in
//! read-only mode), and the Overview's phase progress — at 80 and 120 columns, with colours.

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ms5_console::app::action::Action;
use ms5_console::app::event::{DataEvent, Effect};
use ms5_console::app::stage::Dialog;
use ms5_console::app::state::{AppState, Overlay, ViewId};
use ms5_console::app::update::{apply, update};
use ms5_console::app::validation::ValidationState;
use ms5_console::model::runbook_file::{builtin, parse};
use ms5_console::ops::job::{JobEvent, JobId, JobOutcome, JobSpec};
use ms5_console::validation::history::History;
use ms5_console::validation::outcome::Verdict;

use crate::alert_views::key;
use crate::fixture::validation_fixture::{self, result};
use crate::fixture::{screen, state};
use crate::restart::colour_of;

fn on_validation(mut s: AppState) -> AppState {
    update(&mut s, Action::View(ViewId::Validation));
    s
}

/// `v`'s job and what it was asked to run.
fn started(effects: &[Effect]) -> (JobId, Vec<String>, bool) {
    match effects {
        [
            Effect::StartJob {
                job,
                spec: JobSpec::Validate(request),
            },
        ] => (
            *job,
            request
                .runbook
                .criteria()
                .map(|(_, c)| c.id.clone())
                .collect(),
            request.skip_commands,
        ),
        other => panic!("a validation run starts: {other:?}"),
    }
}

#[test]
fn the_phases_and_criteria_show_in_runbook_order_with_results_and_colours() {
    let s = on_validation(state());
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("validation_done_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 40);
    assert!(text.contains("33/35 passed, 1 failed, 1 unknown"), "{text}");
    let order: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("│  9.1.").or(l.strip_prefix("│9.")))
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    assert_eq!(
        &order[..3],
        ["1", "1", "2"],
        "phase 9.1, then 9.1.1, 9.1.2: {order:?}"
    );
    colour_of(&s, 120, 40, "unknown no answer", "warning");
    colour_of(&s, 120, 40, "pass    9.1.1 held", "ok");
    colour_of(&s, 120, 40, "6/6", "ok");
    colour_of(&s, 120, 40, "7/8", "warning");
    // The run is ten minutes old: not stale.
    assert!(!text.contains("stale"));
}

/// Each row's evidence is its own criterion's: the fixture gives every criterion evidence that
/// names it, so selecting a row and showing another's would be seen (issue 31).
#[test]
fn every_rows_evidence_is_its_own_criterions() {
    let mut s = on_validation(state());
    let ids: Vec<String> = builtin().criteria().map(|(_, c)| c.id.clone()).collect();
    let mut seen = Vec::new();
    // Every row (phases and criteria), top to bottom.
    for row in 0..ids.len() + 4 {
        if row > 0 {
            key(&mut s, KeyCode::Char('j'));
        }
        key(&mut s, KeyCode::Enter);
        let text = screen(&s, 160, 45);
        if let Some(id) = text
            .lines()
            .find_map(|l| l.split("Evidence: ").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
        {
            if id != "9.4.10" && id != "9.1.8" {
                assert!(
                    text.contains(&format!("measured  {id} held")),
                    "{id}:\n{text}"
                );
            }
            seen.push(id.to_string());
        }
        key(&mut s, KeyCode::Esc);
    }
    // Each criterion's evidence once, in runbook order.
    assert_eq!(seen, ids);
}

#[test]
fn the_failing_criterion_is_critical_and_enter_shows_its_evidence_and_last_change() {
    let mut s = on_validation(state());
    // An older run in which 9.4.10 passed: the flip is the evidence's `changed`.
    let mut older = validation_fixture::run();
    older.started -= chrono::Duration::hours(24);
    for r in &mut older.results {
        r.checked_at -= chrono::Duration::hours(24);
        r.result = Verdict::Pass;
    }
    let mut v = ValidationState::new(builtin(), None);
    v.loaded(
        Ok(History {
            runs: vec![older, validation_fixture::run()],
            skipped: 0,
        }),
        &validation_fixture::this_cluster(),
    );
    s.validation = v;
    key(&mut s, KeyCode::Char('G'));
    key(&mut s, KeyCode::Char('k'));
    key(&mut s, KeyCode::Char('k'));
    key(&mut s, KeyCode::Enter);
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("validation_evidence_{w}x{h}"), screen(&s, w, h));
        colour_of(&s, w, h, "FAIL", "critical");
    }
    let text = screen(&s, 80, 24);
    assert!(text.contains("Evidence: 9.4.10"), "{text}");
    assert!(text.contains("measured  108006 (30h)"), "{text}");
    assert!(text.contains("expected  below 86400 (24h)"), "{text}");
    assert!(text.contains("changed   pass -> FAIL 10m ago"), "{text}");
}

#[test]
fn v_runs_everything_results_fill_in_and_the_finished_run_is_recorded() {
    let mut s = on_validation(state());
    let effects = key(&mut s, KeyCode::Char('v'));
    let (job, ids, skip) = started(&effects);
    assert_eq!(ids.len(), 35);
    assert!(!skip);
    // A second `v` while it runs starts nothing.
    assert!(key(&mut s, KeyCode::Char('v')).is_empty());
    let runbook = builtin();
    for (p, c) in runbook.criteria().take(3) {
        let r = result(&p.id, &c.id, &c.title, c.check.kind(), Verdict::Pass);
        apply(
            &mut s,
            DataEvent::Job(JobEvent::Checked {
                job,
                result: Box::new(r),
            }),
        );
    }
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("validation_running_{w}x{h}"), screen(&s, w, h));
        colour_of(&s, w, h, "running", "accent");
    }
    assert!(screen(&s, 120, 40).contains("running: 3 of 35 checked, 32 to go"));
    for (p, c) in runbook.criteria().skip(3) {
        let verdict = if c.id == "9.4.10" {
            Verdict::Fail
        } else {
            Verdict::Pass
        };
        let r = result(&p.id, &c.id, &c.title, c.check.kind(), verdict);
        apply(
            &mut s,
            DataEvent::Job(JobEvent::Checked {
                job,
                result: Box::new(r),
            }),
        );
    }
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Finished {
            job,
            outcome: JobOutcome::Succeeded("34/35 passed, 1 failed".into()),
        }),
    );
    let text = screen(&s, 120, 40);
    assert!(text.contains("34/35 passed, 1 failed"), "{text}");
    assert!(
        text.contains("validation 34/35 passed, 1 failed"),
        "the footer says so: {text}"
    );
    // The run goes to the history and the audit log, once.
    let queued = ms5_console::app::outbox::take(&mut s);
    let recorded: Vec<_> = queued
        .iter()
        .filter_map(|e| match e {
            Effect::RecordValidation { report, stopped } => {
                // Its span comes from the checks' own times: each took 0.02 s, all at once.
                assert!((report.seconds - 0.02).abs() < 0.001, "{}", report.seconds);
                Some((report.totals().words(), stopped.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(recorded, [("34/35 passed, 1 failed".to_string(), None)]);
    assert!(ms5_console::app::outbox::take(&mut s).is_empty());
}

#[test]
fn x_stops_a_run_and_what_did_not_finish_is_not_run() {
    let mut s = on_validation(state());
    let (job, _, _) = started(&key(&mut s, KeyCode::Char('v')));
    let effects = key(&mut s, KeyCode::Char('X'));
    assert!(
        matches!(effects.as_slice(), [Effect::CancelJob(j)] if *j == job),
        "{effects:?}"
    );
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Finished {
            job,
            outcome: JobOutcome::Cancelled,
        }),
    );
    let last = s
        .validation
        .last
        .clone()
        .expect("the stopped run is the last");
    assert_eq!(last.totals().unknown, 35);
    assert_eq!(
        last.results[0].evidence.measured,
        "not run: the run was stopped"
    );
    let text = screen(&s, 120, 40);
    assert!(text.contains("0/35 passed, 35 unknown"), "{text}");
    let recorded: Vec<Option<String>> = ms5_console::app::outbox::take(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            Effect::RecordValidation { stopped, .. } => Some(stopped),
            _ => None,
        })
        .collect();
    assert_eq!(recorded, [Some("stopped".to_string())]);
    // `esc` keeps its meaning: nothing is running to stop now.
    assert!(key(&mut s, KeyCode::Char('X')).is_empty());
}

#[test]
fn shift_v_runs_the_selected_phase_only() {
    let mut s = on_validation(state());
    // Rows: 9.1 (0), its 8 criteria, 9.2 (9), its 6, 9.3 (16)...
    for _ in 0..18 {
        key(&mut s, KeyCode::Char('j'));
    }
    let (_, ids, _) = started(&key(&mut s, KeyCode::Char('V')));
    assert_eq!(ids.first().map(String::as_str), Some("9.3.1"));
    assert_eq!(ids.len(), 9);
}

const COMMANDS: &str = r#"name = "mine"
[[phase]]
id = "1"
title = "scripts"

[[phase.criterion]]
id = "1.1"
title = "the seed's deployment script"
kind = "command"
argv = ["./phase9-deploy.sh", "--check only"]

[[phase.criterion]]
id = "1.2"
title = "pods ready"
kind = "kube"
predicate = "pods-ready"
namespaces = ["ms5-production"]
"#;

#[test]
fn command_criteria_are_confirmed_with_their_argv_and_skipped_in_read_only_mode() {
    let runbook = parse(std::path::Path::new("mine.toml"), COMMANDS, "mine.toml").expect("parses");
    let mut s = on_validation(state());
    s.validation = ValidationState::new(runbook.clone(), None);
    s.validation
        .loaded(Ok(History::default()), &validation_fixture::this_cluster());
    assert!(
        key(&mut s, KeyCode::Char('v')).is_empty(),
        "nothing runs before confirmation"
    );
    assert!(matches!(
        s.overlay,
        Some(Overlay::Dialog(Dialog::ConfirmRun { .. }))
    ));
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(
            format!("validation_confirm_commands_{w}x{h}"),
            screen(&s, w, h)
        );
        colour_of(&s, w, h, "./phase9-deploy.sh", "warning");
    }
    assert!(screen(&s, 120, 40).contains("1.1  ./phase9-deploy.sh \"--check only\""));
    // esc: nothing runs.
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.overlay.is_none() && s.validation.running.is_none());
    key(&mut s, KeyCode::Char('v'));
    let (_, ids, skip) = started(&key(&mut s, KeyCode::Char('y')));
    assert_eq!((ids.len(), skip), (2, false));

    // Read-only: no question; the commands are skipped (the engine marks them not run).
    let mut s = on_validation(state());
    s.readonly = true;
    s.validation = ValidationState::new(runbook, None);
    s.validation
        .loaded(Ok(History::default()), &validation_fixture::this_cluster());
    let (_, ids, skip) = started(&key(&mut s, KeyCode::Char('v')));
    assert_eq!((ids.len(), skip), (2, true));
    assert!(s.overlay.is_none());
}

#[test]
fn an_unreadable_history_is_said_and_runs_still_start() {
    let mut s = on_validation(state());
    s.validation = ValidationState::new(builtin(), None);
    s.validation.loaded(
        Err("cannot read /state/validation.jsonl: Permission denied (os error 13)".into()),
        &validation_fixture::this_cluster(),
    );
    let text = screen(&s, 120, 40);
    assert!(
        text.contains("history unreadable: cannot read /state/validation.jsonl"),
        "{text}"
    );
    assert!(text.contains("never run: v runs it"), "{text}");
    colour_of(&s, 120, 40, "history unreadable", "warning");
    started(&key(&mut s, KeyCode::Char('v')));
}

#[test]
fn the_overview_shows_phase_progress_failing_ids_and_the_last_runs_age() {
    let s = state();
    let text = screen(&s, 80, 24);
    assert!(
        text.contains("ms5-phase9 9.1 7/8  9.2 6/6  9.3 9/9  9.4 11/12 (9.4.10)  run 10m ago"),
        "at 80x24 the workloads panel's bottom line: {text}"
    );
    colour_of(&s, 80, 24, "(9.4.10)", "critical");
    colour_of(&s, 80, 24, "9.1 7/8", "warning");
    colour_of(&s, 80, 24, "9.2 6/6", "ok");
    let text = screen(&s, 120, 40);
    assert!(text.contains("Phase 9 validation: ms5-phase9"), "{text}");
    assert!(
        text.contains("│9.1 7/8  9.2 6/6  9.3 9/9  9.4 11/12 (9.4.10)  run 10m ago"),
        "{text}"
    );
    colour_of(&s, 120, 40, "(9.4.10)", "critical");
    for (w, h) in [(80, 24), (120, 40)] {
        assert_snapshot!(format!("overview_phases_{w}x{h}"), screen(&s, w, h));
    }
    // Stale after six hours: said, in the warning colour.
    let mut s = state();
    s.now += chrono::Duration::hours(7);
    let text = screen(&s, 120, 40);
    assert!(text.contains("stale"), "{text}");
}

/// Defect: `:validation` said `last run 17:35`, a run against another cluster (the history
/// file is per user). Only this cluster's runs are shown; the others are counted.
#[test]
fn runs_of_other_clusters_are_counted_never_shown() {
    let mut s = on_validation(state());
    let mut staging = validation_fixture::run();
    staging.cluster = Some(ms5_console::validation::results::RunCluster {
        context: "aks-ms5-staging".into(),
        server: "https://ms5-staging.hcp.westeurope.azmk8s.io:443".into(),
    });
    staging.started += chrono::Duration::minutes(5);
    for r in &mut staging.results {
        r.result = Verdict::Pass;
    }
    // A line written before runs named their cluster: whose it was is not known.
    let mut unnamed = staging.clone();
    unnamed.cluster = None;
    let mut v = ValidationState::new(builtin(), None);
    v.loaded(
        Ok(History {
            runs: vec![validation_fixture::run(), staging, unnamed],
            skipped: 0,
        }),
        &validation_fixture::this_cluster(),
    );
    s.validation = v;
    let text = screen(&s, 160, 45);
    assert!(
        text.contains("2 run(s) of other clusters not shown"),
        "{text}"
    );
    // This cluster's run, 10 minutes ago, with its failure: not the other's all-pass run.
    assert!(text.contains("last run 09:50 UTC (10m ago)"), "{text}");
    assert!(text.contains("FAIL"), "{text}");
}
