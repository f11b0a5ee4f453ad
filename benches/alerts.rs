//! Alerting cost: one poll's answers from two HA Alertmanagers holding 2,000 alerts and 200
//! silences each, merged and turned into the alerts view's rows (what every poll costs the UI
//! task), and one frame of that view at 200x60. Run: `cargo bench --bench alerts`.

#[path = "../tests/console/fixture.rs"]
#[allow(dead_code)]
mod fixture;

use criterion::{Criterion, criterion_group, criterion_main};
use ms5_console::alerting::merge::AlertsObservation;
use ms5_console::alerting::model::{GettableAlert, GettableSilence, fingerprint};
use ms5_console::app::event::DataEvent;
use ms5_console::app::rows;
use ms5_console::app::state::{AppState, ViewId};
use ms5_console::app::update::apply;
use ms5_console::config::keymap::Keymap;
use ms5_console::config::theme::Theme;
use ms5_console::ui::{self, Ui, style};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const ALERTS: usize = 2_000;
const SILENCES: usize = 200;

fn answer() -> (Vec<GettableAlert>, Vec<GettableSilence>) {
    let alerts = fixture::alert_fixture::alerts();
    let alerts = (0..ALERTS)
        .map(|i| {
            let mut a = alerts[i % alerts.len()].clone();
            a.labels.insert("pod".into(), format!("line-agent-{i:05}"));
            a.fingerprint = fingerprint(&a.labels);
            a
        })
        .collect();
    let silences = fixture::alert_fixture::silences();
    let silences = (0..SILENCES)
        .map(|i| {
            let mut s = silences[i % silences.len()].clone();
            s.id = format!("{i:08}-0000-4000-8000-000000000000");
            s
        })
        .collect();
    (alerts, silences)
}

fn observation() -> DataEvent {
    DataEvent::Alerts(Box::new(AlertsObservation {
        at: fixture::now(),
        answers: vec![("am-0".into(), Ok(answer())), ("am-1".into(), Ok(answer()))],
    }))
}

fn state() -> AppState {
    let mut state = fixture::state();
    state.view = ViewId::Alerts;
    state.page = ui::page_rows(60, false);
    apply(&mut state, observation());
    rows::refresh(&mut state);
    state
}

fn alerts(c: &mut Criterion) {
    let mut state = state();
    c.bench_function(
        "alerts: 2 peers x 2k alerts, 200 silences: apply + rows",
        |b| {
            b.iter_batched(
                observation,
                |event| {
                    apply(&mut state, event);
                    rows::refresh(&mut state);
                },
                criterion::BatchSize::LargeInput,
            )
        },
    );
    assert_eq!(state.rows.alerts.len(), ALERTS);
    let theme = Theme::default_theme();
    let keymap = Keymap::default_keymap();
    let ui = Ui {
        theme: &theme,
        keymap: &keymap,
        symbols: &style::UNICODE,
    };
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    c.bench_function("alerts view, 2k alerts, 200x60: one frame", |b| {
        b.iter(|| {
            terminal.draw(|f| ui::render(f, &state, &ui)).expect("draw");
        })
    });
}

criterion_group!(benches, alerts);
criterion_main!(benches);
