//! The SLO view and the Overview's SLO and floor panels: snapshots of every state a person must
//! tell apart (burning, spent slowly, no traffic, refused query, stale, never reached), and
//! colours cell by cell.

use chrono::Duration;
use insta::assert_snapshot;
use ms5_console::app::action::Action;
use ms5_console::app::event::{DataEvent, Effect, PromEvent};
use ms5_console::app::state::{AppState, ViewId};
use ms5_console::app::update::{apply, update};
use ms5_console::config::theme::Theme;
use ms5_console::model::slo_status::SloHistory;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use crate::fixture::{self, draw, now, screen, state};

fn slo_state(prepare: impl Fn(&mut AppState)) -> AppState {
    let mut s = state();
    s.view = ViewId::Slo;
    prepare(&mut s);
    ms5_console::app::rows::refresh(&mut s);
    s
}

/// Where `needle` first appears on screen, as (x, y).
pub fn find(buffer: &Buffer, needle: &str) -> (u16, u16) {
    let text = fixture::text(buffer);
    for (y, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            return (line[..byte].chars().count() as u16, y as u16);
        }
    }
    panic!("`{needle}` not on screen:\n{text}");
}

#[test]
fn slo_list_and_floor() {
    for (w, h) in [(80, 24), (160, 45)] {
        let s = slo_state(|_| {});
        assert_snapshot!(format!("slo_{w}x{h}"), screen(&s, w, h));
    }
}

/// Hourly history over 30 days: clean until the last three hours, then 8% errors.
pub fn history() -> SloHistory {
    let end = now().timestamp() as f64;
    let hours: Vec<f64> = (0..720).map(|i| end - (719 - i) as f64 * 3600.0).collect();
    let total: Vec<(f64, f64)> = hours.iter().map(|t| (*t, 100_000.0)).collect();
    let good = hours
        .iter()
        .enumerate()
        .map(|(i, t)| (*t, if i >= 717 { 92_000.0 } else { 99_990.0 }))
        .collect();
    let error_ratio_5m = (0..72)
        .map(|i| {
            (
                end - (71 - i) as f64 * 300.0,
                if i > 60 { 0.08 } else { 0.0001 },
            )
        })
        .collect();
    SloHistory {
        good_hourly: good,
        total_hourly: total,
        error_ratio_5m,
    }
}

#[test]
fn slo_details_chart_budget_sli_and_burn() {
    let s = slo_state(|s| {
        ms5_console::app::rows::refresh(s);
        s.details = true;
        // Down from the worst budget (latency) to the paging SLO: its chart is asked for.
        let effects = update(s, Action::Down);
        assert_eq!(
            effects,
            [Effect::FetchSloHistory {
                request: 1,
                slo: "backend-availability".into()
            }]
        );
        apply(
            s,
            DataEvent::Prometheus(Box::new(PromEvent::History {
                request: 1,
                slo: "backend-availability".into(),
                result: Ok(history()),
            })),
        );
    });
    assert_eq!(
        s.table(ViewId::Slo)
            .selected_key
            .as_ref()
            .map(|k| k.1.as_str()),
        Some("backend-availability"),
        "the list is worst budget first (backend-latency), so one row down is the paging SLO"
    );
    assert_snapshot!("slo_details_160x45", screen(&s, 160, 45));
    // The burn's time axis: its start and now, and the page's start (the timeline's episode)
    // marked (issue 31).
    let axis = |s: &AppState| {
        screen(s, 160, 45)
            .lines()
            .find(|l| l.contains("now 10:00"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(axis(&s).contains("04:05"), "{}", axis(&s));
    let theme = Theme::builtin("default").unwrap();
    let line = axis(&s);
    // The page began 4 s ago (the timeline's episode): marked just left of now.
    assert!(line.contains("page 09:59^ now 10:00"), "{line}");
    let buffer = draw(&s, 160, 45, &theme, false);
    assert_eq!(
        buffer[find(&buffer, "page 09:59^")].fg,
        theme.style("critical").fg.unwrap()
    );
}

#[test]
fn a_failing_prometheus_keeps_the_last_good_values_with_their_age() {
    let s = slo_state(|s| {
        s.now = now() + Duration::seconds(95);
        apply(
            s,
            DataEvent::Prometheus(Box::new(PromEvent::Observed(Err(
                "error sending request: connection refused".into(),
            )))),
        );
    });
    let text = screen(&s, 160, 45);
    assert!(
        text.contains("stale, last good 99s ago")
            && text.contains("error: error sending request: connection refused"),
        "{text}"
    );
    // The figures are still there, as they were.
    assert!(text.contains("82.1x!"), "{text}");
    // At 80 columns too, the title keeps the staleness whole (its decoration gives way).
    let narrow = screen(&s, 80, 24);
    let title = narrow
        .lines()
        .find(|l| l.starts_with("╭ SLOs"))
        .unwrap_or_default();
    assert!(title.contains("stale, last good 99s ago"), "{narrow}");
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    assert_eq!(buffer[find(&buffer, "stale, last good")].fg, Color::Red);
}

#[test]
fn burn_rates_without_recording_rules_say_so() {
    let s = slo_state(|s| {
        let DataEvent::Prometheus(event) = fixture::slo_observation() else {
            unreachable!()
        };
        let PromEvent::Observed(Ok(mut o)) = *event else {
            unreachable!()
        };
        o.raw_burn = vec!["oee-freshness".into()];
        o.requests = 17;
        apply(
            s,
            DataEvent::Prometheus(Box::new(PromEvent::Observed(Ok(o)))),
        );
    });
    let text = screen(&s, 160, 45);
    assert!(
        text.contains("no recording rules for oee-freshness: burn rates queried raw (17 requests a poll); load `ms5-console slo rules`"),
        "{text}"
    );
    // With the rules loaded nothing is said.
    assert!(!screen(&slo_state(|_| {}), 160, 45).contains("no recording rules"));
}

#[test]
fn never_reached_prometheus_says_why_and_shows_no_numbers() {
    let mut s = fixture::empty_state();
    s.slo.definitions = ms5_console::slo::definition::builtin();
    s.slo.source = "http://prometheus.invalid:9090".into();
    s.view = ViewId::Slo;
    apply(
        &mut s,
        DataEvent::Prometheus(Box::new(PromEvent::Observed(Err(
            "no complete answer within 20 s".into(),
        )))),
    );
    ms5_console::app::rows::refresh(&mut s);
    assert_snapshot!("slo_unreachable_80x24", screen(&s, 80, 24));
}

#[test]
fn slo_colours_follow_the_theme() {
    let s = slo_state(|_| {});
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    let colour = |needle: &str| buffer[find(&buffer, needle)].fg;
    assert_eq!(colour("PAGE"), Color::Red, "a page alert is critical");
    assert_eq!(colour("82.1x!"), Color::Red, "5m burn over 14.4x");
    assert_eq!(colour("18.8x!"), Color::Red, "1h burn over 14.4x");
    assert_eq!(colour("error"), Color::Red, "a refused query");
    assert_eq!(colour("no traffic"), Color::DarkGray);
    assert_eq!(colour("99.968%"), Color::Green, "SLI above objective");
    assert_eq!(
        colour("69.4%"),
        Color::Yellow,
        "line-1 OEE between 65% and 85%"
    );
    // The overview puts the paging SLO first.
    let mut s = s;
    s.view = ViewId::Overview;
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    let text = fixture::text(&buffer);
    let first = text
        .lines()
        .skip_while(|l| !l.contains("SLOs, worst first"))
        .nth(2)
        .unwrap_or_default();
    assert!(
        first.contains("backend-availability") && first.contains("PAGE"),
        "{text}"
    );
    assert_eq!(buffer[find(&buffer, "PAGE")].fg, Color::Red);
}
