//! What changed before the page, as data: the page it is anchored on, and each change with
//! when, what, who and where `enter` shows it. Built by `suspects`; drawn by the Overview and
//! written into the report.

use chrono::{DateTime, Duration, Utc};

use super::cluster::ObjKey;
use super::view_id::ViewId;
use crate::model::age::human_age;
use crate::timeline::Subject;

/// How far before the page changes are listed by default (`[overview] changes-before`).
pub const CHANGES_BEFORE: Duration = Duration::minutes(30);

/// The page the changes are listed against: the earliest start among the paging SLOs and the
/// firing critical and high alerts.
#[derive(Debug, Clone, PartialEq)]
pub struct Anchor {
    pub at: DateTime<Utc>,
    /// What began then: `backend-availability PAGE`, `MS5DatabaseDown`.
    pub what: String,
}

/// One change in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Suspect {
    pub at: DateTime<Utc>,
    pub subject: Subject,
    /// `deploy/backend 1.9.0 -> 1.9.2 (rev 4)`, `cm/backend-config changed (deploy/backend)`.
    pub words: String,
    /// Who made it: `jdoe (ms5-console)`, `helm`, `kubectl-rollout`.
    pub by: Option<String>,
    /// Said last: the workloads a config change reaches (`deploy/backend +2`).
    pub reaches: Option<String>,
    /// About what is paging (its workloads, namespace or service).
    pub related: bool,
    /// Where `enter` shows it.
    pub goes_to: Option<(ViewId, ObjKey)>,
}

impl Suspect {
    /// `2m34s before`: how long before the page it happened.
    pub fn before(&self, anchor: &Anchor) -> String {
        format!("{} before", human_age(self.at, anchor.at))
    }

    /// The change and who made it, in one line.
    pub fn text(&self) -> String {
        let mut text = self.words.clone();
        if let Some(by) = &self.by {
            text.push_str(&format!(" by {by}"));
        }
        if let Some(reaches) = &self.reaches {
            text.push_str(&format!(" ({reaches})"));
        }
        text
    }
}

#[derive(Debug, Default)]
pub struct Suspects {
    pub anchor: Option<Anchor>,
    pub window: Duration,
    pub list: Vec<Suspect>,
    /// What could not be seen for part of the window: `secrets in ms5-production: forbidden`,
    /// `k8s since 17:10` (the timeline reaches back no further).
    pub blind: Vec<String>,
    /// What it was built from: the timeline's, SLOs', alerts' and cluster's versions, the minute.
    pub built_from: Option<(u64, u64, u64, u64, i64)>,
}
