//! `--ascii`: every view and overlay, with the data that makes each draw its richest (SLO charts
//! and sparkline, dialogs at every stage, help, logs, YAML), contains no byte above 0x7F.

use crossterm::event::KeyCode;
use ms5_console::app::action::Action;
use ms5_console::app::event::{DataEvent, Effect, LogEvent, PromEvent};
use ms5_console::app::rows;
use ms5_console::app::state::{AppState, ViewId};
use ms5_console::app::update::{apply, update};
use ms5_console::config::theme::Theme;

use crate::alert_views::{key, type_text};
use crate::fixture::{self, draw, state};
use crate::slo_views::history;

/// Every byte of the screen at both common sizes is ASCII; `what` names the screen on failure.
fn assert_ascii(s: &AppState, what: &str) {
    for (w, h) in [(80, 24), (160, 45)] {
        let text = fixture::text(&draw(s, w, h, &Theme::default_theme(), true));
        let bad: Vec<char> = text.chars().filter(|c| !c.is_ascii()).collect();
        assert!(
            bad.is_empty(),
            "{what} at {w}x{h} draws {bad:?} in ASCII mode:\n{text}"
        );
    }
}

fn on(view: ViewId) -> AppState {
    let mut s = state();
    s.view = view;
    rows::refresh(&mut s);
    s
}

#[test]
fn every_view_with_and_without_details() {
    for view in ViewId::ALL {
        let mut s = on(view);
        assert_ascii(&s, &format!("{view:?}"));
        s.details = true;
        rows::refresh(&mut s);
        assert_ascii(&s, &format!("{view:?} details"));
    }
}

#[test]
fn slo_details_with_charts_and_sparkline() {
    let mut s = on(ViewId::Slo);
    s.details = true;
    let effects = update(&mut s, Action::Down);
    let Some(Effect::FetchSloHistory { request, slo }) = effects.first().cloned() else {
        panic!("no history asked for: {effects:?}")
    };
    apply(
        &mut s,
        DataEvent::Prometheus(Box::new(PromEvent::History {
            request,
            slo,
            result: Ok(history()),
        })),
    );
    rows::refresh(&mut s);
    // The unicode screen has the chart and bars this test is about.
    let unicode = fixture::text(&draw(&s, 160, 45, &Theme::default_theme(), false));
    assert!(unicode.contains('▇') || unicode.contains('█'), "{unicode}");
    assert!(unicode.contains('⠀') || unicode.chars().any(|c| ('⠁'..='⣿').contains(&c)));
    assert_ascii(&s, "SLO details with history");
}

#[test]
fn help_logs_and_yaml_overlays() {
    let mut s = on(ViewId::Pods);
    update(&mut s, Action::Help);
    assert_ascii(&s, "help");

    let mut s = on(ViewId::Pods);
    update(&mut s, Action::Logs);
    let Some(ms5_console::app::state::Overlay::Logs(logs)) = &s.overlay else {
        panic!("logs did not open")
    };
    let session = logs.session;
    // Log lines carry whatever the program printed.
    let lines = vec![
        "INFO OEE line 4 → 84.2 % ✓".to_string(),
        "WARN temperature 31 °C, 温度".to_string(),
    ];
    apply(&mut s, DataEvent::Logs(LogEvent::Lines { session, lines }));
    assert_ascii(&s, "logs");

    let mut s = on(ViewId::Pods);
    let effects = update(&mut s, Action::Yaml);
    let Some(Effect::FetchYaml(request)) = effects.first() else {
        panic!("no fetch: {effects:?}")
    };
    let pod: k8s_openapi::api::core::v1::Pod =
        serde_json::from_value(fixture::pods()[0].clone()).expect("fixture pod");
    let text = Ok(serde_yaml::to_string(&pod).expect("yaml"));
    apply(
        &mut s,
        DataEvent::Yaml {
            request: request.request,
            text,
        },
    );
    assert_ascii(&s, "yaml");
}

#[test]
fn write_dialog_at_every_stage() {
    let mut s = on(ViewId::Alerts);
    key(&mut s, KeyCode::Char('s'));
    assert_ascii(&s, "silence form");
    type_text(&mut s, "INC-42 failover");
    key(&mut s, KeyCode::Enter);
    assert_ascii(&s, "silence plan");
    let effects = key(&mut s, KeyCode::Char('y'));
    let Some(Effect::Write(plan)) = effects.first() else {
        panic!("no write: {effects:?}")
    };
    let write = plan.write.clone();
    assert_ascii(&s, "sending");
    apply(
        &mut s,
        DataEvent::WriteOutcome {
            write,
            result: Err(ms5_console::ops::error::WriteFailure::Failed(
                "HTTP 400: Failed to create silence: invalid label matcher".into(),
            )),
        },
    );
    assert_ascii(&s, "outcome");
}
