//! Rendering cost: one frame of the pods view with 10,000 pods at 200x60, rebuilding that
//! view's rows after one pod changed, and one frame of `:backups` (every figure judged afresh
//! from the Jobs, CronJobs and readings, as each frame does). Run: `cargo bench --bench render`.

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
    // The timeline's rules over a whole re-list (a console started mid-incident, a watch
    // re-listing): every pod through them, against a store already holding their facts.
    let change = KubeChange::pods(Change::Reset {
        namespace: Some("ms5-production".into()),
        items: pods(),
    });
    c.bench_function("timeline: 10k pods re-listed through its rules", |b| {
        b.iter(|| {
            ms5_console::app::timeline_state::observe_kube(
                &mut state.timeline,
                &state.cluster,
                &change,
                state.now,
            );
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

/// The fixture's console on `:backups`: the built-in PostgreSQL row with its two CronJobs, three
/// backup Jobs and three restore tests watched.
fn backups_state() -> AppState {
    let mut state = fixture::state();
    state.slo.backups = ms5_console::backup::definition::builtin();
    let owner = |name: &str| json!([{"apiVersion": "batch/v1", "kind": "CronJob", "name": name, "uid": format!("uid-{name}"), "controller": true}]);
    let cronjobs = ["postgres-backup", "postgres-restore-test"].map(|name| {
        serde_json::from_value(json!({
            "metadata": {"name": name, "namespace": "ms5-production", "uid": format!("uid-{name}")},
            "spec": {"schedule": "0 2 * * *", "timeZone": "Etc/UTC",
                     "jobTemplate": {"spec": {"template": {"spec": {"containers": []}}}}}
        }))
        .expect("a CronJob")
    });
    let mut jobs = Vec::new();
    for (owner_name, days) in [("postgres-backup", 1), ("postgres-restore-test", 7)] {
        for i in 0..3 {
            let start = fixture::now() - chrono::Duration::days(days * i + 1);
            let end = start + chrono::Duration::minutes(4);
            jobs.push(
                serde_json::from_value(json!({
                    "metadata": {"name": format!("{owner_name}-{i}"), "namespace": "ms5-production",
                                 "uid": format!("u-{owner_name}-{i}"), "creationTimestamp": start,
                                 "ownerReferences": owner(owner_name)},
                    "spec": {"template": {"spec": {"containers": []}}},
                    "status": {"startTime": start, "completionTime": end,
                               "conditions": [{"type": "Complete", "status": "True", "lastTransitionTime": end}]}
                }))
                .expect("a Job"),
            );
        }
    }
    let reset = |ns: &str| Some(ns.to_string());
    apply(
        &mut state,
        DataEvent::kube(KubeChange::CronJobs(Change::Reset {
            namespace: reset("ms5-production"),
            items: cronjobs.to_vec(),
        })),
    );
    apply(
        &mut state,
        DataEvent::kube(KubeChange::Jobs(Change::Reset {
            namespace: reset("ms5-production"),
            items: jobs,
        })),
    );
    state.view = ViewId::Backups;
    state
}

fn render_backups(c: &mut Criterion) {
    let state = backups_state();
    let theme = Theme::default_theme();
    let keymap = Keymap::default_keymap();
    let ui = Ui {
        theme: &theme,
        keymap: &keymap,
        symbols: &style::UNICODE,
    };
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    c.bench_function("backups view, one database, 120x40: one frame", |b| {
        b.iter(|| {
            terminal.draw(|f| ui::render(f, &state, &ui)).expect("draw");
        })
    });
}

criterion_group!(benches, render, render_backups);
criterion_main!(benches);
