//! Rendering cost: one frame of the pods view with 10,000 pods at 200x60, and rebuilding that
//! view's rows after one pod changed. Run: `cargo bench --bench render`.

#[path = "../tests/console/fixture.rs"]
#[allow(dead_code)]
mod fixture;

use criterion::{Criterion, criterion_group, criterion_main};
use ms5_console::app::event::{Change, DataEvent, KubeChange, MetricsPoll};
use ms5_console::app::rows;
use ms5_console::app::state::{AppState, ViewId};
use ms5_console::app::update::apply;
use ms5_console::config::keymap::Keymap;
use ms5_console::config::theme::Theme;
use ms5_console::model::usage::Usage;
use ms5_console::ui::{self, Ui, style};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::json;

const PODS: usize = 10_000;

fn pods() -> Vec<k8s_openapi::api::core::v1::Pod> {
    let template = fixture::pods();
    (0..PODS)
        .map(|i| {
            let mut p = template[i % template.len()].clone();
            p["metadata"]["name"] = json!(format!("line-agent-{:05}-{}", i, i % 7));
            p["metadata"]["namespace"] = json!("ms5-production");
            serde_json::from_value(p).expect("fixture pod")
        })
        .collect()
}

fn state() -> AppState {
    let mut state = fixture::state();
    let items = pods();
    apply(
        &mut state,
        DataEvent::kube(KubeChange::pods(Change::Reset {
            namespace: Some("ms5-production".into()),
            items,
        })),
    );
    // Every pod with a reading from the metrics API, so each row draws its use columns.
    let used = (0..PODS)
        .map(|i| {
            (
                format!("line-agent-{:05}-{}", i, i % 7),
                Usage {
                    cpu: 0.001 * (i % 900) as f64,
                    memory: 1024.0 * 1024.0 * (32 + i % 400) as f64,
                },
            )
        })
        .collect();
    apply(
        &mut state,
        DataEvent::Metrics(Box::new(MetricsPoll {
            at: fixture::now(),
            pods: vec![("ms5-production".into(), Ok(used))],
            nodes: Ok(Vec::new()),
        })),
    );
    state.view = ViewId::Pods;
    state.page = ui::page_rows(60, false);
    rows::refresh(&mut state);
    state
}

fn render(c: &mut Criterion) {
    let mut state = state();
    let theme = Theme::default_theme();
    let keymap = Keymap::default_keymap();
    let ui = Ui {
        theme: &theme,
        keymap: &keymap,
        symbols: &style::UNICODE,
    };
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).expect("test backend");
    c.bench_function("pods view, 10k pods, 200x60: one frame", |b| {
        b.iter(|| {
            terminal.draw(|f| ui::render(f, &state, &ui)).expect("draw");
        })
    });
    let one = pods().swap_remove(4_321);
    c.bench_function("pods view, 10k pods: rows after one pod changed", |b| {
        b.iter(|| {
            apply(
                &mut state,
                DataEvent::kube(KubeChange::pods(Change::Applied(one.clone()))),
            );
            rows::refresh(&mut state);
        })
    });
}

criterion_group!(benches, render);
criterion_main!(benches);
