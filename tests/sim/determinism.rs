//! A scenario replays exactly: with the same seed, the simulated cluster makes the same ordered
//! sequence of object changes; with another seed, the names differ. Runs in process on tokio's
//! paused clock, so minutes of simulated time take milliseconds.

use std::sync::Arc;
use std::time::Duration;

use ms5_console::sim::cluster::Cluster;
use ms5_console::sim::cluster::scenario::{self, Scenario};
use ms5_console::sim::cluster::usage::UsageModel;
use ms5_console::sim::store::Store;
use ms5_console::sim::world::{self, WorldOptions};

/// The first `count` changes a run makes: kind, name and what changed in a pod's life.
async fn changes(scenario: Scenario, seed: u64, count: usize) -> Vec<String> {
    let store = Arc::new(Store::new(100_000));
    let mut objects = world::build(WorldOptions {
        seed,
        extra_pods: 0,
    })
    .objects;
    scenario::prepare(scenario, &mut objects, chrono::Utc::now());
    store.load(objects);
    let mut receiver = store.subscribe();
    let usage = Arc::new(UsageModel::new(scenario, seed, 1.0));
    let cluster = tokio::spawn(Cluster::new(store.clone(), scenario, seed, 1.0, usage).run());
    let mut seen = Vec::new();
    while seen.len() < count {
        let change = tokio::time::timeout(Duration::from_secs(600), receiver.recv())
            .await
            .expect("the scenario keeps changing things")
            .expect("store open");
        let o = &change.object;
        let state = &o["status"]["containerStatuses"][0];
        seen.push(format!(
            "{:?} {} {} phase={} ready={} restarts={} waiting={} reason={} count={}",
            change.kind,
            change.resource.kind,
            o["metadata"]["name"].as_str().unwrap_or_default(),
            o["status"]["phase"],
            state["ready"],
            state["restartCount"],
            state["state"]["waiting"]["reason"],
            o["reason"],
            o["count"],
        ));
    }
    cluster.abort();
    seen
}

#[tokio::test(start_paused = true)]
async fn same_seed_same_sequence_of_changes() {
    let first = changes(Scenario::Crashloop, 7, 40).await;
    let second = changes(Scenario::Crashloop, 7, 40).await;
    assert_eq!(first, second);
    assert!(
        first
            .iter()
            .any(|c| c.contains("waiting=\"CrashLoopBackOff\"")),
        "{first:#?}"
    );
    assert!(
        first.iter().any(|c| c.contains("reason=\"BackOff\"")),
        "{first:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rollout_replays_too_and_another_seed_differs() {
    let first = changes(Scenario::BadRollout, 11, 60).await;
    assert_eq!(first, changes(Scenario::BadRollout, 11, 60).await);
    assert!(
        first.iter().any(|c| c.contains("ScalingReplicaSet")),
        "{first:#?}"
    );
    assert_ne!(
        first,
        changes(Scenario::BadRollout, 12, 60).await,
        "names come from the seed"
    );
}
