//! The rollouts being followed, as state: kept by `AppState`, changed by `follow`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::cluster::ObjKey;

/// One followed workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Follow {
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    pub started: DateTime<Utc>,
    /// The generation whose rollout is followed: until the watch shows the object at it (a
    /// change just sent may not have come back yet), the old status does not count as its end.
    pub generation: i64,
    /// Each status as first seen, with when.
    pub stages: Vec<(DateTime<Utc>, String)>,
    /// How it ended, once it has: `complete`, `paused`, `the workload is gone`.
    pub end: Option<(DateTime<Utc>, String)>,
}

/// `(namespace, "Kind/name")`, as the Rollouts view keys its rows.
pub type FollowKey = ObjKey;

#[derive(Debug, Default)]
pub struct FollowState {
    pub follows: BTreeMap<FollowKey, Follow>,
}

pub fn key(kind: &str, namespace: &str, name: &str) -> FollowKey {
    (namespace.to_string(), format!("{kind}/{name}"))
}
