//! A full run of the built-in runbook (35 criteria, no commands) against the sim in this
//! process, through the kube client and the service proxy as `validate` runs it. Target: under
//! 5 s on the project machine. Run: `cargo bench --bench validation`.

use criterion::{Criterion, criterion_group, criterion_main};
use ms5_console::config::{Dirs, Overrides, Settings};
use ms5_console::source::connect::{Target, connect, read_kubeconfig};
use ms5_console::validation::engine::{self, Sources};

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = runtime
        .block_on(ms5_console::sim::start(ms5_console::sim::SimOptions {
            kubeconfig_out: Some(dir.path().join("kubeconfig")),
            ..Default::default()
        }))
        .expect("sim");
    let settings = Settings::load(&Dirs::default(), &Overrides::default()).expect("settings");
    let target = Target {
        kubeconfig: Some(sim.kubeconfig.clone()),
        context: None,
    };
    let kubeconfig = read_kubeconfig(&target).expect("kubeconfig");
    let connected = runtime
        .block_on(connect(&kubeconfig, None))
        .expect("connected");
    let runbook = settings.runbook.clone();
    c.bench_function(
        "a full run of ms5-phase9 (35 criteria) against the sim",
        |b| {
            b.to_async(&runtime).iter(|| async {
                // Sources are made per run, as `validate` makes them: nothing is cached between runs.
                let sources = Sources::new(&settings, Some(engine::Cluster::of(&connected)), None);
                let report = engine::run(&runbook, &sources, false, |_| {}).await;
                assert_eq!(report.totals().passed, 35, "{:?}", report.results);
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
