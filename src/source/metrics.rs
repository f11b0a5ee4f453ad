//! The resource metrics API (`metrics.k8s.io/v1beta1`, served by metrics-server): what each pod
//! and node uses now, read every interval (it cannot be watched; metrics-server itself only
//! renews its values every 15 s). Pods are read per watched namespace, as the watches are, so a
//! person allowed some namespaces only still sees use where they may.

use std::time::Duration;

use chrono::Utc;
use kube::Client;
use serde::Deserialize;
use tokio::sync::mpsc::{Receiver, Sender};

use super::error::ApiError;
use super::event::MetricsPoll;
use crate::model::quantity;
use crate::model::usage::Usage;

const BASE: &str = "/apis/metrics.k8s.io/v1beta1";

#[derive(Debug, Deserialize)]
struct List<T> {
    #[serde(default = "Vec::new")]
    items: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct Meta {
    name: String,
}

#[derive(Debug, Default, Deserialize)]
struct Resources {
    #[serde(default)]
    cpu: Option<String>,
    #[serde(default)]
    memory: Option<String>,
}

impl Resources {
    fn usage(&self) -> Usage {
        let read = |q: &Option<String>| q.as_deref().and_then(quantity::parse).unwrap_or(0.0);
        Usage {
            cpu: read(&self.cpu),
            memory: read(&self.memory),
        }
    }
}

#[derive(Debug, Deserialize)]
struct ContainerMetrics {
    #[serde(default)]
    usage: Resources,
}

#[derive(Debug, Deserialize)]
struct PodMetrics {
    metadata: Meta,
    #[serde(default)]
    containers: Vec<ContainerMetrics>,
}

#[derive(Debug, Deserialize)]
struct NodeMetrics {
    metadata: Meta,
    #[serde(default)]
    usage: Resources,
}

/// A read that takes longer than this failed: the next one starts on time.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

async fn get<T: serde::de::DeserializeOwned>(client: &Client, path: &str) -> Result<T, ApiError> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| ApiError::transport(e.to_string()))?;
    match tokio::time::timeout(READ_TIMEOUT, client.request::<T>(request)).await {
        Ok(answer) => answer.map_err(|e| ApiError::kube(&e)),
        Err(_) => Err(ApiError::transport(format!(
            "no answer within {}s",
            READ_TIMEOUT.as_secs()
        ))),
    }
}

/// Each pod's use in `namespace` (summed over its containers).
pub async fn pods(client: &Client, namespace: &str) -> Result<Vec<(String, Usage)>, ApiError> {
    let list: List<PodMetrics> =
        get(client, &format!("{BASE}/namespaces/{namespace}/pods")).await?;
    Ok(list
        .items
        .into_iter()
        .map(|p| {
            let mut total = Usage::default();
            for c in &p.containers {
                total += c.usage.usage();
            }
            (p.metadata.name, total)
        })
        .collect())
}

/// Each node's use.
pub async fn nodes(client: &Client) -> Result<Vec<(String, Usage)>, ApiError> {
    let list: List<NodeMetrics> = get(client, &format!("{BASE}/nodes")).await?;
    Ok(list
        .items
        .into_iter()
        .map(|n| (n.metadata.name, n.usage.usage()))
        .collect())
}

/// One read of everything the views show.
pub async fn read(client: &Client, namespaces: &[String]) -> MetricsPoll {
    let at = Utc::now();
    let reads = namespaces
        .iter()
        .map(|ns| async move { (ns.clone(), pods(client, ns).await) });
    let (pods, nodes) = futures::join!(futures::future::join_all(reads), nodes(client));
    MetricsPoll { at, pods, nodes }
}

/// Reads every `interval`, and at once when nudged (a node's pressure changed: what it uses
/// then is the question), until the receiver is gone.
pub async fn poll<E: From<MetricsPoll>>(
    client: Client,
    namespaces: Vec<String>,
    interval: Duration,
    mut nudge: Receiver<()>,
    tx: Sender<E>,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            Some(()) = nudge.recv() => ticks.reset(),
        }
        let poll = read(&client, &namespaces).await;
        if tx.send(poll.into()).await.is_err() {
            return;
        }
    }
}
