//! kube-rs, the client the console uses, against the sim: a reflector lists, then follows a
//! watch; it stays in sync through changes, and when its resourceVersion has been compacted
//! away (410 Gone) it re-lists and carries on. Over HTTPS too, which proves the rustls crypto
//! provider set-up really connects.

use crate::common;

use std::time::Duration;

use common::Sim;
use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DeleteParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::runtime::{WatchStreamExt, reflector, watcher};
use kube::{Client, Config};

async fn client(sim: &Sim) -> Client {
    ms5_console::sim::install_crypto_provider();
    let kubeconfig = Kubeconfig::read_from(sim.kubeconfig()).expect("kubeconfig");
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

fn config_map(name: &str) -> ConfigMap {
    serde_json::from_value(serde_json::json!({"metadata": {"name": name}, "data": {"line": "3"}}))
        .unwrap()
}

async fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn reflector_stays_in_sync(sim: Sim) {
    let client = client(&sim).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ms5-production");
    let (reader, writer) = reflector::store();
    let stream =
        reflector(writer, watcher(pods.clone(), watcher::Config::default())).applied_objects();
    let task = tokio::spawn(stream.for_each(|_| async {}));
    reader.wait_until_ready().await.expect("initial list");
    let listed = pods
        .list(&Default::default())
        .await
        .expect("list")
        .items
        .len();
    assert_eq!(reader.state().len(), listed);

    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "probe-check", "labels": {"app": "probe-check"}},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod)
        .await
        .expect("create pod");
    wait_for("the new pod in the reflector", || {
        reader
            .state()
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some("probe-check"))
    })
    .await;
    pods.delete("probe-check", &DeleteParams::default().grace_period(0))
        .await
        .expect("delete pod");
    wait_for("the deleted pod to leave the reflector", || {
        let pods = reader.state();
        pods.len() == listed
            && !pods
                .iter()
                .any(|p| p.metadata.name.as_deref() == Some("probe-check"))
    })
    .await;
    task.abort();
}

#[tokio::test]
async fn reflector_over_http() {
    reflector_stays_in_sync(Sim::start(&[])).await;
}

#[tokio::test]
async fn reflector_over_tls() {
    reflector_stays_in_sync(Sim::start(&["--tls"])).await;
}

#[tokio::test]
async fn reflector_relists_after_410_gone() {
    // History of 5 changes: anything older is compacted away.
    let sim = Sim::start(&["--watch-history", "5"]);
    let client = client(&sim).await;
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ms5-production");
    let maps: Api<ConfigMap> = Api::namespaced(client.clone(), "ms5-production");
    let (reader, writer) = reflector::store();
    // Short watches, so the watcher resumes from its last resourceVersion often.
    let events = watcher(pods.clone(), watcher::Config::default().timeout(1)).reflect(writer);
    let (tx, mut inits) = tokio::sync::mpsc::unbounded_channel();
    let (errors_tx, mut errors) = tokio::sync::mpsc::unbounded_channel();
    // The 410 surfaces as one error item; the watcher then re-lists on its own.
    let task = tokio::spawn(events.for_each(move |event| {
        match event {
            Ok(watcher::Event::Init) => drop(tx.send(())),
            Err(e) => drop(errors_tx.send(e.to_string())),
            Ok(_) => {}
        }
        async {}
    }));
    inits.recv().await.expect("first list");
    reader.wait_until_ready().await.expect("ready");

    // Ten changes elsewhere push the pods watch's resourceVersion out of history.
    for i in 0..10 {
        maps.create(&PostParams::default(), &config_map(&format!("churn-{i}")))
            .await
            .expect("create configmap");
    }
    tokio::time::timeout(Duration::from_secs(15), inits.recv())
        .await
        .expect("the watcher re-lists after 410 Gone")
        .expect("watcher still running");
    let error = errors.recv().await.expect("the 410 was reported");
    assert!(
        error.contains("410") || error.contains("too old resource version"),
        "{error}"
    );

    let pod: Pod = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "after-gone"}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}
    }))
    .unwrap();
    pods.create(&PostParams::default(), &pod)
        .await
        .expect("create pod");
    wait_for("a change after the re-list", || {
        reader
            .state()
            .iter()
            .any(|p| p.metadata.name.as_deref() == Some("after-gone"))
    })
    .await;
    assert!(!task.is_finished(), "the watcher survived the 410");
    task.abort();
}

/// Metadata-only reads (`as=PartialObjectMetadata`, kube's `get_metadata`, `list_metadata`
/// and `watch_metadata`) answer metadata and nothing else, as kube-apiserver does: a Secret's
/// data never leaves the server.
#[tokio::test]
async fn metadata_only_reads_answer_metadata_without_the_data() {
    use k8s_openapi::api::core::v1::Secret;
    use kube::api::{ListParams, WatchEvent, WatchParams};
    let sim = Sim::start(&[]);
    let client = client(&sim).await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "ms5-production");
    let one = secrets
        .get_metadata("postgres-credentials")
        .await
        .expect("metadata");
    assert_eq!(one.metadata.name.as_deref(), Some("postgres-credentials"));
    assert!(one.metadata.uid.is_some());
    let listed = secrets
        .list_metadata(&ListParams::default())
        .await
        .expect("metadata list");
    let names: Vec<_> = listed
        .items
        .iter()
        .filter_map(|s| s.metadata.name.clone())
        .collect();
    assert!(names.contains(&"ms5-tls".to_string()), "{names:?}");
    let version = listed.metadata.resource_version.clone().unwrap_or_default();
    // On the wire: no `data`, no `type`, just metadata.
    let request =
        http::Request::get("/api/v1/namespaces/ms5-production/secrets/postgres-credentials")
            .header(
                "Accept",
                "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
            )
            .body(Vec::new())
            .unwrap();
    let body: serde_json::Value =
        serde_json::from_str(&client.request_text(request).await.expect("raw")).unwrap();
    assert_eq!(body["kind"], "PartialObjectMetadata");
    assert_eq!(body["apiVersion"], "meta.k8s.io/v1");
    assert!(
        body.get("data").is_none() && body.get("type").is_none(),
        "{body}"
    );
    // A watch from the listed version sees a new Secret as metadata.
    let mut stream = secrets
        .watch_metadata(&WatchParams::default().timeout(5), &version)
        .await
        .expect("watch")
        .boxed();
    let secret: Secret = serde_json::from_value(serde_json::json!({
        "metadata": {"name": "new-one"}, "stringData": {"password": "hunter2"}
    }))
    .unwrap();
    secrets
        .create(&PostParams::default(), &secret)
        .await
        .expect("create");
    let event = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("an event")
        .expect("a watch event")
        .expect("not an error");
    let WatchEvent::Added(added) = event else {
        panic!("{event:?}");
    };
    assert_eq!(added.metadata.name.as_deref(), Some("new-one"));
}
