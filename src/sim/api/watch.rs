//! Watches: a chunked stream of `{"type": ..., "object": ...}` lines. Starts with synthetic
//! ADDED events (no resourceVersion, `0`, or `sendInitialEvents`), or replays history after a
//! resourceVersion (410 Gone as an ERROR event when it is compacted away); sends bookmarks when
//! asked; ends at `timeoutSeconds`, when the client goes away, or when it falls too far behind
//! (the client then re-watches from its last resourceVersion, as against a real server).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::ApiState;
use super::read::Filter;
use super::request::{Query, Target, wants_table};
use super::status::{ApiError, ApiResult};
use super::table::{IncludeObject, table};
use crate::sim::resources::ResourceType;
use crate::sim::store::{Change, ChangeKind, Stored};

/// The longest a watch stays open without `timeoutSeconds` (real servers pick 30-60 minutes).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

struct Stream {
    resource: &'static ResourceType,
    namespace: Option<String>,
    filter: Filter,
    table: Option<IncludeObject>,
    /// Objects as `PartialObjectMetadata` (kube's `watch_metadata`).
    metadata_only: bool,
    columns_sent: bool,
}

impl Stream {
    fn in_scope(&self, object: &Value) -> bool {
        match &self.namespace {
            Some(ns) => object["metadata"]["namespace"].as_str() == Some(ns.as_str()),
            None => true,
        }
    }

    fn selects(&self, object: &Value) -> bool {
        self.in_scope(object) && self.filter.matches(object)
    }

    /// The event a watcher with this filter sees for `change`, if any: an object moving out of
    /// the selection is DELETED for it, one moving in is ADDED.
    fn event_for(&mut self, change: &Change) -> Option<Bytes> {
        if !std::ptr::eq(change.resource, self.resource) {
            return None;
        }
        let now = self.selects(&change.object);
        let before = change.previous.as_deref().is_some_and(|p| self.selects(p));
        let kind = match change.kind {
            ChangeKind::Added if now => ChangeKind::Added,
            ChangeKind::Deleted if before => ChangeKind::Deleted,
            ChangeKind::Modified if now && before => ChangeKind::Modified,
            ChangeKind::Modified if now => ChangeKind::Added,
            ChangeKind::Modified if before => ChangeKind::Deleted,
            _ => return None,
        };
        Some(self.encode(kind.as_watch_type(), &change.object))
    }

    fn encode(&mut self, kind: &str, object: &Stored) -> Bytes {
        if self.metadata_only {
            return line(&json!({"type": kind, "object": super::read::partial(object.value())}));
        }
        match self.table {
            Some(include) => {
                let metadata = json!({"resourceVersion": object["metadata"]["resourceVersion"]});
                let t = table(
                    self.resource.plural,
                    [object.value()],
                    include,
                    metadata,
                    !self.columns_sent,
                );
                self.columns_sent = true;
                line(&json!({"type": kind, "object": t}))
            }
            // The object's cached encoding, framed without serializing it again.
            None => {
                let json = object.json();
                let mut bytes = Vec::with_capacity(json.len() + 32);
                bytes.extend_from_slice(b"{\"type\":\"");
                bytes.extend_from_slice(kind.as_bytes());
                bytes.extend_from_slice(b"\",\"object\":");
                bytes.extend_from_slice(json);
                bytes.extend_from_slice(b"}\n");
                Bytes::from(bytes)
            }
        }
    }

    fn bookmark(&self, revision: u64, initial_events_end: bool) -> Bytes {
        let mut metadata = json!({"resourceVersion": revision.to_string()});
        if initial_events_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let object = json!({"kind": self.resource.kind, "apiVersion": self.resource.api_version(), "metadata": metadata});
        line(&json!({"type": "BOOKMARK", "object": object}))
    }
}

fn line(value: &Value) -> Bytes {
    let mut bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.push(b'\n');
    Bytes::from(bytes)
}

pub fn watch(
    state: &Arc<ApiState>,
    target: &Target,
    query: &Query,
    headers: &HeaderMap,
) -> ApiResult<Response> {
    let filter = Filter::from_query(target.resource, query)?;
    let timeout = query
        .number("timeoutSeconds")?
        .filter(|t| *t > 0)
        .map(|t| Duration::from_secs(t as u64))
        .unwrap_or(DEFAULT_TIMEOUT);
    let bookmarks = query.flag("allowWatchBookmarks");
    let send_initial = query.flag("sendInitialEvents");
    let requested = match query.get("resourceVersion") {
        None | Some("0") => None,
        Some(rv) => Some(
            rv.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv}")))?,
        ),
    };
    let mut stream = Stream {
        resource: target.resource,
        namespace: target.namespace.clone(),
        filter,
        table: wants_table(headers).then(|| IncludeObject::parse(query.get("includeObject"))),
        metadata_only: super::request::wants_metadata(headers),
        columns_sent: false,
    };

    let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(256);
    let mut first: Vec<Bytes> = Vec::new();
    // Changes at or below this revision are already in `first`.
    let mut seen_up_to = 0;
    let receiver = match requested {
        Some(rv) if !send_initial => match state.store.watch_from(rv) {
            Ok((replay, receiver)) => {
                first.extend(replay.iter().filter_map(|c| stream.event_for(c)));
                Some(receiver)
            }
            Err(expired) => {
                let error = ApiError::gone(format!(
                    "too old resource version: {} ({})",
                    expired.requested, expired.oldest
                ));
                first.push(line(&json!({"type": "ERROR", "object": error.to_status()})));
                None
            }
        },
        _ => {
            // Initial state: the current objects, consistent with the revision we follow from.
            let receiver = state
                .store
                .watch_from(state.store.revision())
                .ok()
                .map(|(_, r)| r);
            let (items, revision) = state
                .store
                .list(target.resource, target.namespace.as_deref());
            seen_up_to = revision;
            for item in &items {
                if stream.selects(item) {
                    first.push(stream.encode("ADDED", item));
                }
            }
            if send_initial && bookmarks {
                first.push(stream.bookmark(revision, true));
            }
            receiver
        }
    };

    let interval = state.bookmark_interval;
    let store = state.store.clone();
    tokio::spawn(async move {
        for bytes in first {
            if tx.send(Ok(bytes)).await.is_err() {
                return;
            }
        }
        let Some(mut receiver) = receiver else { return };
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = tx.closed() => return,
                _ = ticker.tick(), if bookmarks => {
                    if tx.send(Ok(stream.bookmark(store.revision(), false))).await.is_err() {
                        return;
                    }
                }
                change = receiver.recv() => match change {
                    Ok(change) if change.revision <= seen_up_to => {}
                    Ok(change) => {
                        if let Some(bytes) = stream.event_for(&change)
                            && tx.send(Ok(bytes)).await.is_err()
                        {
                            return;
                        }
                    }
                    // Too far behind or shutting down: end the stream; the client resumes.
                    Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
                },
            }
        }
    });

    let body = Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx));
    let mut response = Response::new(body);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(response)
}
