//! The sim's Prometheus and the console's SLO source: one console poll (every SLO query and the
//! floor's), the 30-day hourly range behind the detail chart, and `/api/v1/alerts` (alert `for`
//! evaluated by looking back). Run: `cargo bench --bench prometheus`.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ms5_console::config::endpoint::HttpOptions;
use ms5_console::model::business;
use ms5_console::sim::cluster::scenario::Scenario;
use ms5_console::sim::prometheus::{Prometheus, unix_now};
use ms5_console::slo::definition::builtin;
use ms5_console::slo::queries;
use ms5_console::source::prometheus::{Endpoint, observe};
use promql_parser::parser::parse;

/// One console poll with the recording rules loaded: every burn rate in one selector, each
/// SLO's window SLI, the floor, and the backups' figures (one query per database).
fn poll_queries() -> Vec<String> {
    let mut texts = vec![queries::all_recorded_error_ratios()];
    texts.extend(builtin().iter().map(queries::window_sli));
    texts.extend(business::QUERIES.iter().map(|q| q.to_string()));
    texts.extend(
        ms5_console::backup::definition::builtin()
            .iter()
            .filter_map(|d| d.queries.combined()),
    );
    texts
}

fn bench(c: &mut Criterion) {
    let now = unix_now();
    let prometheus = Prometheus::new(1, Scenario::SloBurn, now, &builtin(), Default::default());
    let parsed: Vec<_> = poll_queries()
        .iter()
        .map(|q| parse(q).expect("valid query"))
        .collect();
    c.bench_function("evaluate one console poll (11 queries), in process", |b| {
        b.iter(|| {
            let engine = prometheus.engine();
            for expr in &parsed {
                engine.eval(expr, now).expect("evaluates");
            }
        })
    });
    let hourly = parse(&queries::hourly_total(&builtin()[0])).expect("valid");
    c.bench_function("30 days of hourly increase (720 steps), in process", |b| {
        b.iter(|| {
            let engine = prometheus.engine();
            for step in 0..720 {
                engine
                    .eval(&hourly, now - step as f64 * 3600.0)
                    .expect("evaluates");
            }
        })
    });
    c.bench_function("all alerting rules with for and activeAt (slo-burn)", |b| {
        b.iter(|| prometheus.alerts(now))
    });

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let sim = runtime
        .block_on(ms5_console::sim::start(ms5_console::sim::SimOptions {
            scenario: "slo-burn".into(),
            ..Default::default()
        }))
        .expect("sim");
    let endpoint = Arc::new(
        Endpoint::new(&sim.prometheus_url, &HttpOptions::default(), None).expect("endpoint"),
    );
    let slos = builtin();
    let backups = ms5_console::backup::definition::builtin();
    c.bench_function(
        "one console poll over HTTP (11 queries, 6 at a time)",
        |b| {
            b.to_async(&runtime)
                .iter(|| observe(endpoint.clone(), &slos, &backups))
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
