//! What the metrics API last said each pod and node uses, and how fresh that is. A failed read
//! keeps the last good values (marked stale on the panels, never replaced by zeros); a server
//! that does not serve the API, or forbids it, leaves nothing to show and says which.

use chrono::{DateTime, Utc};
use rustc_hash::FxHashMap;

use super::event::MetricsPoll;
use crate::model::age::human_age;
use crate::model::pod_view::PodRow;
use crate::model::usage::Usage;
use crate::source::error::{ApiError, ErrorKind};

/// The state of one feed (pods, or nodes) of the metrics API.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Feed {
    /// Not read yet.
    #[default]
    Waiting,
    /// Read at `at`.
    Fresh { at: DateTime<Utc> },
    /// The server does not serve `metrics.k8s.io` (no metrics-server).
    Unserved,
    /// The person may not read it.
    Forbidden { message: String },
    /// The last read failed; values shown are from `last_good`, if any.
    Failing {
        last_good: Option<DateTime<Utc>>,
        error: String,
    },
}

impl Feed {
    fn after(&self, result: Result<DateTime<Utc>, &ApiError>) -> Feed {
        match result {
            Ok(at) => Feed::Fresh { at },
            Err(e) if e.kind == ErrorKind::NotFound => Feed::Unserved,
            Err(e) if e.kind == ErrorKind::Forbidden => Feed::Forbidden {
                message: e.message.clone(),
            },
            Err(e) => Feed::Failing {
                last_good: self.last_good(),
                error: e.message.clone(),
            },
        }
    }

    /// When the values shown were read, if any are.
    pub fn last_good(&self) -> Option<DateTime<Utc>> {
        match self {
            Feed::Fresh { at } => Some(*at),
            Feed::Failing { last_good, .. } => *last_good,
            _ => None,
        }
    }

    /// Whether values kept from this feed may be shown (fresh or stale, not refused).
    pub fn has_values(&self) -> bool {
        matches!(self, Feed::Fresh { .. } | Feed::Failing { .. })
    }

    /// What a panel's edge says of the feed, and the colour role: `metrics 12s ago`,
    /// `metrics: n/a (no metrics API)`, `metrics: forbidden`, `metrics stale, last good 2m ago`.
    pub fn words(&self, now: DateTime<Utc>) -> (String, &'static str) {
        match self {
            Feed::Waiting => ("metrics: reading".into(), "stale"),
            Feed::Fresh { at } => (format!("metrics {} ago", human_age(*at, now)), "muted"),
            Feed::Unserved => ("metrics: n/a (no metrics API)".into(), "muted"),
            Feed::Forbidden { .. } => ("metrics: forbidden".into(), "critical"),
            Feed::Failing {
                last_good: Some(at),
                ..
            } => (
                format!("metrics stale, last good {} ago", human_age(*at, now)),
                "stale",
            ),
            Feed::Failing {
                last_good: None, ..
            } => ("metrics: failing, none read yet".into(), "critical"),
        }
    }

    /// What a use cell says when there is no value to show.
    pub fn missing_cell(&self) -> &'static str {
        match self {
            Feed::Unserved => "n/a",
            Feed::Forbidden { .. } => "forbidden",
            _ => "-",
        }
    }
}

#[derive(Debug, Default)]
pub struct MetricsState {
    /// namespace -> pod -> use (looked up by `&str`, without building a key per cell).
    pub pods: FxHashMap<String, FxHashMap<String, Usage>>,
    pub nodes: FxHashMap<String, Usage>,
    /// Per namespace read.
    pub pod_feeds: FxHashMap<String, Feed>,
    pub node_feed: Feed,
    /// Bumped on every change, so rows sorted by use are rebuilt.
    pub version: u64,
}

impl MetricsState {
    pub fn apply(&mut self, poll: MetricsPoll) {
        for (namespace, result) in poll.pods {
            let feed = self.pod_feeds.entry(namespace.clone()).or_default();
            *feed = feed.after(result.as_ref().map(|_| poll.at));
            match result {
                Ok(pods) => {
                    self.pods.insert(namespace, pods.into_iter().collect());
                }
                Err(_) if !feed.has_values() => {
                    self.pods.remove(&namespace);
                }
                Err(_) => {}
            }
        }
        self.node_feed = self.node_feed.after(poll.nodes.as_ref().map(|_| poll.at));
        match poll.nodes {
            Ok(nodes) => self.nodes = nodes.into_iter().collect(),
            Err(_) if !self.node_feed.has_values() => self.nodes.clear(),
            Err(_) => {}
        }
        self.version += 1;
    }

    /// The pods feed as one, over the namespaces shown: the worst of them, where a namespace
    /// that is refused counts only if none is read (its pods are not shown either).
    pub fn pods_feed(&self, shown: impl Fn(&str) -> bool) -> &Feed {
        let feeds: Vec<&Feed> = self
            .pod_feeds
            .iter()
            .filter(|(ns, _)| shown(ns))
            .map(|(_, f)| f)
            .collect();
        // Stale values on screen are said first (with their age), then a failure with nothing
        // to show, then the oldest fresh read.
        let rank = |f: &Feed| match f {
            Feed::Failing {
                last_good: Some(_), ..
            } => 0,
            Feed::Failing { .. } => 1,
            Feed::Waiting => 2,
            Feed::Fresh { .. } => 3,
            Feed::Unserved => 4,
            Feed::Forbidden { .. } => 5,
        };
        feeds
            .iter()
            .copied()
            .min_by_key(|f| {
                // The oldest fresh read speaks for all.
                (rank(f), f.last_good().map(|t| t.timestamp()).unwrap_or(0))
            })
            .unwrap_or(&Feed::Waiting)
    }

    /// What this pod uses, when the last reading can be of it: it is running now and was
    /// created before the reading (a replacement with the same name, as a StatefulSet's, is
    /// not shown its predecessor's use).
    pub fn of_pod(&self, pod: &PodRow) -> Option<Usage> {
        if !pod.running {
            return None;
        }
        let read_at = self.pod_feeds.get(&pod.namespace)?.last_good()?;
        if pod.created.is_some_and(|created| created > read_at) {
            return None;
        }
        self.pod(&pod.namespace, &pod.name)
    }

    pub fn pod(&self, namespace: &str, name: &str) -> Option<Usage> {
        self.pods.get(namespace)?.get(name).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn poll(at: DateTime<Utc>, pods: Result<Vec<(String, Usage)>, ApiError>) -> MetricsPoll {
        MetricsPoll {
            at,
            pods: vec![("ms5-production".into(), pods)],
            nodes: Ok(vec![]),
        }
    }

    fn used(cpu: f64) -> Usage {
        Usage { cpu, memory: 1.0 }
    }

    #[test]
    fn a_failed_read_keeps_the_last_values_and_says_how_old_they_are() {
        let t0 = Utc::now();
        let mut m = MetricsState::default();
        m.apply(poll(t0, Ok(vec![("api".into(), used(0.5))])));
        assert_eq!(m.pod("ms5-production", "api"), Some(used(0.5)));
        m.apply(poll(
            t0 + chrono::Duration::seconds(15),
            Err(ApiError::answer(503, "service unavailable")),
        ));
        assert_eq!(m.pod("ms5-production", "api"), Some(used(0.5)));
        let feed = m.pods_feed(|_| true);
        assert_eq!(
            feed.words(t0 + chrono::Duration::seconds(120)).0,
            "metrics stale, last good 2m ago"
        );
    }

    #[test]
    fn unserved_and_forbidden_leave_nothing_and_say_so() {
        let t0 = Utc::now();
        let mut m = MetricsState::default();
        m.apply(poll(t0, Ok(vec![("api".into(), used(0.5))])));
        m.apply(poll(t0, Err(ApiError::answer(404, "not found"))));
        assert_eq!(m.pod("ms5-production", "api"), None);
        assert_eq!(
            m.pods_feed(|_| true).words(t0).0,
            "metrics: n/a (no metrics API)"
        );
        assert_eq!(m.pods_feed(|_| true).missing_cell(), "n/a");
        m.apply(poll(t0, Err(ApiError::answer(403, "forbidden"))));
        assert_eq!(m.pods_feed(|_| true).words(t0).0, "metrics: forbidden");
        assert_eq!(m.pods_feed(|_| true).missing_cell(), "forbidden");
    }
}
