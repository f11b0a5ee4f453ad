//! The rollout guard beside a followed rollout: tripped loudly by a new pod unready past its
//! readiness probe's failure threshold, with the keys that act on it (none in read-only mode);
//! the covering SLOs' fast burn (the fixture's backend was already paging: burning since
//! before, which trips nothing); the Rollouts row says the guard tripped.

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ms5_console::config::theme::Theme;

use crate::alert_views::key;
use crate::fixture::{draw, screen};
use crate::restart::on_workload;

#[test]
fn a_new_pod_unready_past_its_probe_threshold_trips_the_guard_loudly() {
    let mut s = on_workload("ms5-production", "backend");
    key(&mut s, KeyCode::Char('f'));
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("guard_tripped_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("guard    TRIPPED 10:00:00: new pod backend-"),
        "{text}"
    );
    assert!(text.contains("p pause  u undo"), "{text}");
    assert!(
        text.contains("backend-availability burning since before this rollout: 82.1x/18.8x"),
        "{text}"
    );
    let theme = Theme::builtin("default").unwrap();
    let buffer = draw(&s, 120, 30, &theme, false);
    let (x, y) = crate::slo_views::find(&buffer, "TRIPPED");
    assert_eq!(buffer[(x, y)].fg, theme.style("critical").fg.unwrap());
    // The row says so too, with the pane closed.
    key(&mut s, KeyCode::Esc);
    let text = screen(&s, 160, 45);
    let row = text
        .lines()
        .find(|l| l.contains("ms5-production") && l.contains(" backend "))
        .unwrap();
    assert!(row.contains("guard tripped"), "{row}");
}

#[test]
fn read_only_shows_the_trip_and_offers_nothing_to_press() {
    let mut s = on_workload("ms5-production", "backend");
    s.readonly = true;
    key(&mut s, KeyCode::Char('f'));
    let text = screen(&s, 120, 30);
    assert!(text.contains("TRIPPED"), "{text}");
    assert!(!text.contains("p pause"), "{text}");
}

#[test]
fn the_overview_counts_tripped_guards_per_namespace() {
    let mut s = on_workload("ms5-production", "backend");
    key(&mut s, KeyCode::Char('f'));
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('1'));
    let text = screen(&s, 120, 30);
    let row = text
        .lines()
        .find(|l| l.starts_with("│ms5-production"))
        .unwrap_or_default();
    assert!(row.contains("1 guard tripped"), "{text}");
    let theme = Theme::builtin("default").unwrap();
    let buffer = draw(&s, 120, 30, &theme, false);
    let (x, y) = crate::slo_views::find(&buffer, "1 guard tripped");
    assert_eq!(buffer[(x, y)].fg, theme.style("critical").fg.unwrap());
}

#[test]
fn with_auto_pause_a_trip_while_progressing_plans_the_guards_own_pause() {
    use ms5_console::app::event::DataEvent;
    use ms5_console::app::update::apply;
    use ms5_console::ops::jobs::{JobEvent, JobOutcome};
    use ms5_console::ops::plan::WriteAction;
    let mut s = on_workload("ms5-production", "backend");
    s.guard.auto_pause = true;
    key(&mut s, KeyCode::Char('f'));
    let [(job, plan)] = s.follow.auto_pauses.as_slice() else {
        panic!("one pause planned: {:?}", s.follow.auto_pauses);
    };
    let job = *job;
    let WriteAction::Rollout(change) = &plan.action else {
        panic!("a rollout action");
    };
    assert_eq!(plan.verb(), "rollout-pause");
    assert_eq!(plan.target_words(), "deployment ms5-production/backend");
    assert_eq!(change.automatic.as_deref(), Some("guard"));
    assert_eq!(plan.parameters()["reason"], "guard");
    assert!(screen(&s, 120, 30).contains("auto     auto-pause: checking..."));
    apply(
        &mut s,
        DataEvent::Job(JobEvent::Finished {
            job,
            outcome: JobOutcome::Succeeded("paused".into()),
        }),
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("paused by the guard (audited as write"),
        "{text}"
    );
}

#[test]
fn auto_pause_never_acts_in_read_only_mode() {
    let mut s = on_workload("ms5-production", "backend");
    s.guard.auto_pause = true;
    s.readonly = true;
    key(&mut s, KeyCode::Char('f'));
    assert!(s.follow.auto_pauses.is_empty());
    assert!(screen(&s, 120, 30).contains("auto-pause unavailable: read-only"));
}

#[test]
fn stale_burn_data_makes_the_guard_blind_and_says_for_how_long() {
    let mut s = on_workload("ms5-production", "celery-worker");
    if let Some(last) = s.slo.last.as_mut() {
        last.at = s.now - chrono::Duration::minutes(4);
    }
    key(&mut s, KeyCode::Char('f'));
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("guard_blind_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("guard blind: no burn data for 4m: burn never trips it"),
        "{text}"
    );
    assert!(text.contains("oee-freshness bad_data"), "{text}");
    // The crash-looping new pod trips it all the same: pods need no burn data.
    assert!(text.contains("is crash-looping"), "{text}");
    let theme = Theme::builtin("default").unwrap();
    let buffer = draw(&s, 120, 30, &theme, false);
    let (x, y) = crate::slo_views::find(&buffer, "guard blind");
    assert_eq!(buffer[(x, y)].fg, theme.style("stale").fg.unwrap());
}
