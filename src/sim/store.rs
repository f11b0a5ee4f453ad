//! The simulated cluster's object store: one resourceVersion counter, objects per resource, a
//! bounded change history for watches (older resourceVersions get 410 Gone, as after an etcd
//! compaction), and a broadcast of every change to live watchers and controllers.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::broadcast;

use super::resources::{RESOURCES, ResourceType};

/// A stored object with its JSON encoding, made once when it is written: lists, gets and
/// watch events then copy bytes instead of serializing 10,000 pods again on every request.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    value: Value,
    json: Bytes,
}

impl Stored {
    pub fn new(value: Value) -> Self {
        let json = Bytes::from(serde_json::to_vec(&value).unwrap_or_default());
        Stored { value, json }
    }

    pub fn value(&self) -> &Value {
        &self.value
    }

    pub fn json(&self) -> &Bytes {
        &self.json
    }
}

impl std::ops::Deref for Stored {
    type Target = Value;

    fn deref(&self) -> &Value {
        &self.value
    }
}

/// `(namespace, name)`; the namespace is empty for cluster-scoped objects.
pub type ObjectKey = (String, String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Modified,
    Deleted,
}

impl ChangeKind {
    pub fn as_watch_type(self) -> &'static str {
        match self {
            ChangeKind::Added => "ADDED",
            ChangeKind::Modified => "MODIFIED",
            ChangeKind::Deleted => "DELETED",
        }
    }
}

/// One committed change, as watchers see it.
#[derive(Debug)]
pub struct Change {
    pub revision: u64,
    pub resource: &'static ResourceType,
    pub kind: ChangeKind,
    pub object: Arc<Stored>,
    /// The object before a modification, so a filtered watch can tell an object leaving its
    /// selector from one that changed within it.
    pub previous: Option<Arc<Stored>>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum StoreError {
    AlreadyExists,
    NotFound,
    Conflict,
}

/// The changes a new watch replays, and the receiver of every change after them.
pub type WatchStart = (Vec<Arc<Change>>, broadcast::Receiver<Arc<Change>>);

/// A watch asked to start before the oldest change still kept.
#[derive(Debug, PartialEq, Eq)]
pub struct Expired {
    pub requested: u64,
    pub oldest: u64,
}

pub struct Store {
    inner: RwLock<Inner>,
    changes: broadcast::Sender<Arc<Change>>,
}

struct Inner {
    revision: u64,
    tables: Vec<BTreeMap<ObjectKey, Arc<Stored>>>,
    history: VecDeque<Arc<Change>>,
    history_limit: usize,
    /// Every change at or below this revision has been dropped from `history`.
    compacted: u64,
}

fn table_index(resource: &ResourceType) -> usize {
    RESOURCES
        .iter()
        .position(|r| std::ptr::eq(r, resource))
        .unwrap_or_else(|| unreachable!("resource types all come from RESOURCES"))
}

pub fn object_key(object: &Value) -> ObjectKey {
    let meta = &object["metadata"];
    (
        meta["namespace"].as_str().unwrap_or_default().to_string(),
        meta["name"].as_str().unwrap_or_default().to_string(),
    )
}

pub fn resource_version(object: &Value) -> Option<u64> {
    object["metadata"]["resourceVersion"]
        .as_str()
        .and_then(|v| v.parse().ok())
}

impl Store {
    pub fn new(history_limit: usize) -> Self {
        let (changes, _) = broadcast::channel(8192);
        Store {
            inner: RwLock::new(Inner {
                revision: 1,
                tables: RESOURCES.iter().map(|_| BTreeMap::new()).collect(),
                history: VecDeque::new(),
                history_limit: history_limit.max(1),
                compacted: 1,
            }),
            changes,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Loads a starting world: objects get revisions but no history, like a freshly started
    /// server whose earlier history is compacted away.
    pub fn load(&self, objects: impl IntoIterator<Item = (&'static ResourceType, Value)>) {
        let mut inner = self.write();
        for (resource, mut object) in objects {
            inner.revision += 1;
            let revision = inner.revision;
            object["metadata"]["resourceVersion"] = Value::String(revision.to_string());
            let key = object_key(&object);
            inner.tables[table_index(resource)].insert(key, Arc::new(Stored::new(object)));
        }
        inner.compacted = inner.revision;
    }

    pub fn revision(&self) -> u64 {
        self.read().revision
    }

    pub fn get(&self, resource: &ResourceType, namespace: &str, name: &str) -> Option<Arc<Stored>> {
        let key = (namespace.to_string(), name.to_string());
        self.read().tables[table_index(resource)].get(&key).cloned()
    }

    /// Objects of one resource, in one namespace or all, sorted by namespace then name, with
    /// the revision the list is consistent at.
    pub fn list(
        &self,
        resource: &ResourceType,
        namespace: Option<&str>,
    ) -> (Vec<Arc<Stored>>, u64) {
        let inner = self.read();
        let table = &inner.tables[table_index(resource)];
        let items = match namespace {
            None => table.values().cloned().collect(),
            Some(ns) => table
                .range((ns.to_string(), String::new())..)
                .take_while(|((object_ns, _), _)| object_ns == ns)
                .map(|(_, v)| v.clone())
                .collect(),
        };
        (items, inner.revision)
    }

    pub fn count(&self, resource: &ResourceType) -> usize {
        self.read().tables[table_index(resource)].len()
    }

    pub fn create(
        &self,
        resource: &'static ResourceType,
        object: Value,
    ) -> Result<Arc<Stored>, StoreError> {
        let mut inner = self.write();
        let key = object_key(&object);
        if inner.tables[table_index(resource)].contains_key(&key) {
            return Err(StoreError::AlreadyExists);
        }
        Ok(self.commit(&mut inner, resource, ChangeKind::Added, object, None))
    }

    /// Replaces an object; with `expected` set, only if it is still at that resourceVersion.
    pub fn update(
        &self,
        resource: &'static ResourceType,
        object: Value,
        expected: Option<u64>,
    ) -> Result<Arc<Stored>, StoreError> {
        let mut inner = self.write();
        let key = object_key(&object);
        let previous = inner.tables[table_index(resource)]
            .get(&key)
            .cloned()
            .ok_or(StoreError::NotFound)?;
        if expected.is_some_and(|rv| Some(rv) != resource_version(&previous)) {
            return Err(StoreError::Conflict);
        }
        if previous.value == strip_revision(&object, &previous) {
            // A no-op write changes nothing and wakes no watcher, as on a real server.
            return Ok(previous);
        }
        Ok(self.commit(
            &mut inner,
            resource,
            ChangeKind::Modified,
            object,
            Some(previous),
        ))
    }

    pub fn delete(
        &self,
        resource: &'static ResourceType,
        namespace: &str,
        name: &str,
    ) -> Result<Arc<Stored>, StoreError> {
        let mut inner = self.write();
        let key = (namespace.to_string(), name.to_string());
        let previous = inner.tables[table_index(resource)]
            .remove(&key)
            .ok_or(StoreError::NotFound)?;
        let mut last = previous.value.clone();
        inner.revision += 1;
        let revision = inner.revision;
        last["metadata"]["resourceVersion"] = Value::String(revision.to_string());
        let object = Arc::new(Stored::new(last));
        self.record(
            &mut inner,
            Change {
                revision,
                resource,
                kind: ChangeKind::Deleted,
                object: object.clone(),
                previous: Some(previous),
            },
        );
        Ok(object)
    }

    fn commit(
        &self,
        inner: &mut Inner,
        resource: &'static ResourceType,
        kind: ChangeKind,
        mut object: Value,
        previous: Option<Arc<Stored>>,
    ) -> Arc<Stored> {
        inner.revision += 1;
        let revision = inner.revision;
        object["metadata"]["resourceVersion"] = Value::String(revision.to_string());
        let object = Arc::new(Stored::new(object));
        inner.tables[table_index(resource)].insert(object_key(&object), object.clone());
        self.record(
            inner,
            Change {
                revision,
                resource,
                kind,
                object: object.clone(),
                previous,
            },
        );
        object
    }

    fn record(&self, inner: &mut Inner, change: Change) {
        let change = Arc::new(change);
        inner.history.push_back(change.clone());
        while inner.history.len() > inner.history_limit {
            if let Some(dropped) = inner.history.pop_front() {
                inner.compacted = dropped.revision;
            }
        }
        // Sent under the write lock, so a watcher that subscribed under the read lock sees
        // every change after its snapshot exactly once.
        let _ = self.changes.send(change);
    }

    /// The changes after `revision` still in history, and a receiver for every later one.
    pub fn watch_from(&self, revision: u64) -> Result<WatchStart, Expired> {
        let inner = self.read();
        if revision < inner.compacted {
            return Err(Expired {
                requested: revision,
                oldest: inner.compacted,
            });
        }
        let replay = inner
            .history
            .iter()
            .filter(|c| c.revision > revision)
            .cloned()
            .collect();
        Ok((replay, self.changes.subscribe()))
    }

    /// A receiver of every change from now on, for controllers.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Change>> {
        self.changes.subscribe()
    }
}

/// `object` with `previous`'s resourceVersion, to compare contents only.
fn strip_revision(object: &Value, previous: &Value) -> Value {
    let mut copy = object.clone();
    copy["metadata"]["resourceVersion"] = previous["metadata"]["resourceVersion"].clone();
    copy
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::resources::find;
    use serde_json::json;

    fn cm(name: &str, data: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "ns"}, "data": {"k": data}})
    }

    #[test]
    fn revisions_conflicts_and_history() {
        let r = find("", "v1", "configmaps").unwrap();
        let store = Store::new(2);
        let a = store.create(r, cm("a", "1")).unwrap();
        let rv = resource_version(&a).unwrap();
        assert_eq!(
            store.create(r, cm("a", "1")),
            Err(StoreError::AlreadyExists)
        );
        let b = store.update(r, cm("a", "2"), Some(rv)).unwrap();
        assert!(resource_version(&b).unwrap() > rv);
        assert_eq!(
            store.update(r, cm("a", "3"), Some(rv)),
            Err(StoreError::Conflict)
        );
        // The no-op update keeps the revision.
        let same = store.update(r, cm("a", "2"), None).unwrap();
        assert_eq!(resource_version(&same), resource_version(&b));
        store.delete(r, "ns", "a").unwrap();
        // History holds two changes: the update and the delete; the create is compacted.
        assert!(store.watch_from(rv - 1).is_err());
        let (replay, _) = store.watch_from(rv).unwrap();
        let kinds: Vec<_> = replay.iter().map(|c| c.kind).collect();
        assert_eq!(kinds, vec![ChangeKind::Modified, ChangeKind::Deleted]);
    }

    #[test]
    fn list_is_scoped_and_sorted() {
        let r = find("", "v1", "configmaps").unwrap();
        let store = Store::new(10);
        for (ns, name) in [("b", "x"), ("a", "z"), ("a", "y"), ("ab", "w")] {
            store
                .create(r, json!({"metadata": {"name": name, "namespace": ns}}))
                .unwrap();
        }
        let names = |ns| {
            store
                .list(r, ns)
                .0
                .iter()
                .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(Some("a")), vec!["y", "z"]);
        assert_eq!(names(None), vec!["y", "z", "w", "x"]);
    }
}
