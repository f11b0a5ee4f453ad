//! What the sources report and what they are asked for: watch changes and their health, log
//! lines, metrics, Prometheus polls, the connection. The app wraps each in its `DataEvent`
//! (`From`), so a source knows nothing of the app that reads it.

use chrono::{DateTime, Utc};
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Node, Pod};

use super::error::ApiError;
use crate::model::business::BusinessReading;
use crate::model::pod_view::PodRow;
use crate::model::slo_status::{SloHistory, SloReading};
use crate::model::usage::Usage;

/// A change to one watched collection, as the watch stream reported it.
#[derive(Debug, Clone)]
pub enum Change<K> {
    /// A fresh list of everything in `namespace` (None: cluster-scoped): replaces what was held.
    Reset {
        namespace: Option<String>,
        items: Vec<K>,
    },
    Applied(K),
    Deleted(K),
}

// Its variants differ in size (a CronJob is large), but a change travels boxed
// (`DataEvent::Kube`) and is applied at once: boxing each variant would only add allocations.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum KubeChange {
    Pods(Change<PodRow>),
    Deployments(Change<Deployment>),
    StatefulSets(Change<StatefulSet>),
    ReplicaSets(Change<ReplicaSet>),
    Nodes(Change<Node>),
    Events(Change<Event>),
    Autoscalers(Change<HorizontalPodAutoscaler>),
    Jobs(Change<Job>),
    CronJobs(Change<CronJob>),
    /// ConfigMaps and Secrets, metadata only.
    Configs(Change<crate::model::config_object::ConfigObject>),
}

impl<K> Change<K> {
    /// The same change with each object turned into what the console keeps of it.
    pub fn map<T>(self, f: impl Fn(K) -> T) -> Change<T> {
        match self {
            Change::Reset { namespace, items } => Change::Reset {
                namespace,
                items: items.into_iter().map(f).collect(),
            },
            Change::Applied(k) => Change::Applied(f(k)),
            Change::Deleted(k) => Change::Deleted(f(k)),
        }
    }
}

impl KubeChange {
    /// A pod change, reduced to the rows the console shows.
    pub fn pods(change: Change<Pod>) -> KubeChange {
        KubeChange::Pods(change.map(|p| PodRow::of(&p)))
    }
}

/// One watch stream: a kind in a namespace (None for cluster-scoped kinds).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SourceId {
    pub kind: &'static str,
    pub namespace: Option<String>,
}

/// A watch stream's health, from the stream itself rather than from how old the last event is:
/// a quiet cluster is not a stale one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceHealth {
    Connecting,
    /// Listed and watching since `since`.
    Live {
        since: DateTime<Utc>,
    },
    /// The stream failed at `since` and is retrying with backoff; data shown is from before.
    Reconnecting {
        since: DateTime<Utc>,
        error: String,
    },
    /// The API server rejected the credentials (401) at `since`: the same ones cannot succeed,
    /// so the console re-reads the kubeconfig (re-running its exec plugin) before retrying.
    Unauthorized {
        since: DateTime<Utc>,
        message: String,
    },
    /// The user may not list or watch this: shown in place of the data.
    Forbidden {
        message: String,
    },
}

/// Who and where the console is connected, learnt before the screen is taken.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Connection {
    pub context: String,
    pub cluster: String,
    pub user: String,
    pub server: String,
}

/// Lines from a log stream opened by an `OpenLogs` effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    Lines { session: u64, lines: Vec<String> },
    Ended { session: u64, reason: String },
}

/// One read of the metrics API: each namespace's pods and the nodes, or why not.
#[derive(Debug, Clone)]
pub struct MetricsPoll {
    pub at: DateTime<Utc>,
    pub pods: Vec<(String, Result<Vec<NamedUsage>, ApiError>)>,
    pub nodes: Result<Vec<NamedUsage>, ApiError>,
}

/// A pod's or node's name and what it uses.
pub type NamedUsage = (String, Usage);

/// What the Prometheus poller reports. Always sent boxed (`DataEvent::Prometheus`), so the
/// observation's size costs nothing beside the small variants.
#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum PromEvent {
    Observed(Result<Observation, String>),
    /// The SLO conditions' crossings before the console started, or why they could not be read.
    Crossings(Result<Vec<crate::slo::crossings::Crossing>, String>),
    History {
        request: u64,
        slo: String,
        result: Result<SloHistory, String>,
    },
}

/// One poll's answers.
#[derive(Debug, Clone)]
pub struct Observation {
    pub at: DateTime<Utc>,
    pub slos: Vec<SloReading>,
    pub business: BusinessReading,
    /// SLOs whose burn rates were computed from raw queries because Prometheus had no
    /// recording rules for them (`ms5-console slo rules` not loaded): shown on the SLO panel.
    pub raw_burn: Vec<String>,
    /// Queries this poll sent.
    pub requests: usize,
    /// Each configured database's backup figures.
    pub backups: Vec<crate::model::backup_reading::BackupReading>,
    /// Alerts that hold but have not held for their rule's `for` yet (`/api/v1/rules`).
    pub pending: Result<Vec<crate::model::pending_alert::PendingAlert>, String>,
}

/// What a log view asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub session: u64,
    pub namespace: String,
    pub pod: String,
    pub container: String,
    pub previous: bool,
    /// Each line prefixed with its RFC 3339 time, as the kubelet recorded it.
    pub timestamps: bool,
    pub tail_lines: i64,
}

/// Kinds the YAML view can fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectKind {
    Pod,
    Deployment,
    StatefulSet,
    Node,
    Event,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlRequest {
    pub request: u64,
    pub kind: ObjectKind,
    /// Empty for cluster-scoped kinds.
    pub namespace: String,
    pub name: String,
}
