//! One pod log stream (`pods/log`, followed), delivered in batches of lines.

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use kube::Client;
use kube::api::{Api, LogParams};
use tokio::sync::mpsc::Sender;

use super::event::{LogEvent, LogRequest};

/// Most lines sent in one event: a burst becomes a few screen updates, not thousands.
const BATCH: usize = 256;

pub async fn stream<E: From<LogEvent>>(client: Client, request: LogRequest, tx: Sender<E>) {
    let session = request.session;
    let api: Api<Pod> = Api::namespaced(client, &request.namespace);
    let params = LogParams {
        container: Some(request.container.clone()).filter(|c| !c.is_empty()),
        follow: !request.previous,
        previous: request.previous,
        timestamps: request.timestamps,
        tail_lines: Some(request.tail_lines),
        ..LogParams::default()
    };
    let reader = match api.log_stream(&request.pod, &params).await {
        Ok(r) => r,
        Err(e) => {
            let reason = format!("no log: {}", super::error::error_words(&e));
            let _ = tx.send(LogEvent::Ended { session, reason }.into()).await;
            return;
        }
    };
    let mut lines = reader.lines().ready_chunks(BATCH);
    while let Some(chunk) = lines.next().await {
        let mut batch = Vec::with_capacity(chunk.len());
        for line in chunk {
            match line {
                Ok(l) => batch.push(l),
                Err(e) => {
                    let reason = format!("read error: {e}");
                    let _ = tx
                        .send(E::from(LogEvent::Lines {
                            session,
                            lines: batch,
                        }))
                        .await;
                    let _ = tx.send(LogEvent::Ended { session, reason }.into()).await;
                    return;
                }
            }
        }
        if tx
            .send(E::from(LogEvent::Lines {
                session,
                lines: batch,
            }))
            .await
            .is_err()
        {
            return;
        }
    }
    let reason = if request.previous {
        "end of previous container's log"
    } else {
        "container stopped"
    };
    let _ = tx
        .send(E::from(LogEvent::Ended {
            session,
            reason: reason.into(),
        }))
        .await;
}
