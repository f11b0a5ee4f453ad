//! Simulated API server throughput, in process (no sockets): list 10,000 pods as JSON and as a
//! server-side printed Table, fan a change out to 20 watchers, and build + load the world.
//! Run: `cargo bench --bench sim_api`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use criterion::{Criterion, criterion_group, criterion_main};
use http_body_util::BodyExt;
use ms5_console::sim::api::auth::{Role, User, Users};
use ms5_console::sim::api::{ApiState, router};
use ms5_console::sim::resources;
use ms5_console::sim::store::Store;
use ms5_console::sim::world::{self, WorldOptions};
use serde_json::json;
use tower::ServiceExt;

const PODS: usize = 10_000;
static NEXT: AtomicU64 = AtomicU64::new(0);

fn sim(pods: usize) -> (Router, Arc<ApiState>) {
    let store = Arc::new(Store::new(20_000));
    store.load(
        world::build(WorldOptions {
            seed: 1,
            extra_pods: pods,
        })
        .objects,
    );
    let admin = User {
        name: "oncall".into(),
        token: "t".into(),
        role: Role::Admin,
    };
    let state = Arc::new(ApiState::new(
        store,
        Users::new(vec![admin.clone()]),
        "127.0.0.1:6443".into(),
    ));
    (router(state.clone(), Some(admin)), state)
}

async fn get(app: &Router, uri: &str, accept: &str) -> usize {
    let request = Request::get(uri)
        .header("accept", accept)
        .body(Body::empty())
        .expect("request");
    let response = app.clone().oneshot(request).await.expect("response");
    let body = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    body.len()
}

fn lists(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (app, _) = sim(PODS);
    let mut group = c.benchmark_group("list");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("10k pods json", |b| {
        b.to_async(&runtime)
            .iter(|| get(&app, "/api/v1/pods", "application/json"))
    });
    group.bench_function("10k pods table", |b| {
        b.to_async(&runtime).iter(|| {
            get(
                &app,
                "/api/v1/pods",
                "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
            )
        })
    });
    group.finish();
}

fn watch_fan_out(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let (app, state) = sim(PODS);
    let deployments = resources::find("apps", "v1", "deployments").expect("deployments served");
    c.bench_function("watch fan-out to 20 watchers", |b| {
        b.iter_custom(|iters| {
            runtime.block_on(async {
                let revision = state.store.revision();
                let uri = format!(
                    "/apis/apps/v1/namespaces/ms5-production/deployments?watch=1&resourceVersion={revision}&fieldSelector=metadata.name%3Dbackend"
                );
                let mut bodies = Vec::new();
                for _ in 0..20 {
                    let request = Request::get(&uri).body(Body::empty()).expect("request");
                    bodies.push(app.clone().oneshot(request).await.expect("watch").into_body());
                }
                let started = Instant::now();
                for _ in 0..iters {
                    let mut backend = state.store.get(deployments, "ms5-production", "backend").expect("backend").value().clone();
                    // A new value every time: an update that changes nothing sends no event.
                    backend["metadata"]["labels"]["bench"] = json!(NEXT.fetch_add(1, Ordering::Relaxed).to_string());
                    state.store.update(deployments, backend, None).expect("update");
                    for body in &mut bodies {
                        body.frame().await.expect("a frame").expect("frame ok");
                    }
                }
                started.elapsed()
            })
        })
    });
}

fn start_up(c: &mut Criterion) {
    let mut group = c.benchmark_group("start-up");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(15));
    group.bench_function("build and load 10k-pod world", |b| {
        b.iter(|| {
            let store = Store::new(20_000);
            store.load(
                world::build(WorldOptions {
                    seed: 1,
                    extra_pods: PODS,
                })
                .objects,
            );
            store.revision()
        })
    });
    group.finish();
}

criterion_group!(benches, lists, watch_fan_out, start_up);
criterion_main!(benches);
