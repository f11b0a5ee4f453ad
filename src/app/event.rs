//! What flows into the UI task (data from sources, whole and typed) and out of it (effects for
//! workers to carry out).

// What the sources report, in their own words; the app wraps each in a `DataEvent`.
use chrono::{DateTime, Utc};

pub use crate::source::event::{
    Change, Connection, KubeChange, LogEvent, LogRequest, MetricsPoll, NamedUsage, ObjectKind,
    Observation, PromEvent, SourceHealth, SourceId, YamlRequest,
};

#[derive(Debug, Clone)]
pub enum DataEvent {
    /// Boxed: an object is large, the other variants are small.
    Kube(Box<KubeChange>),
    Health(SourceId, SourceHealth),
    Logs(LogEvent),
    /// The answer to a `FetchYaml`.
    Yaml {
        request: u64,
        text: Result<String, String>,
    },
    /// A Job's log tail, as asked by `FetchRunLog`.
    RunLog {
        namespace: String,
        job: String,
        lines: Result<Vec<String>, String>,
    },
    /// The whole cluster connection failed before any watch could start.
    Unreachable {
        error: String,
    },
    Prometheus(Box<PromEvent>),
    /// Boxed: one poll of every Alertmanager.
    Alerts(Box<crate::alerting::merge::AlertsObservation>),
    /// How a write ended: the server's answer (a new silence's id), or why it failed.
    /// How a write ended: the server's answer, or how it failed (typed: a conflict, no answer,
    /// nothing sent, refused).
    WriteOutcome {
        write: String,
        result: Result<String, crate::ops::error::WriteFailure>,
    },
    /// The audit log as read now, or why it could not be.
    Audit(Result<crate::ops::audit::record::Contents, String>),
    /// The validation history as read (`LoadValidationHistory`).
    ValidationHistory(Result<crate::validation::history::History, String>),
    /// Whether the identity may change workloads, per watched namespace (`ReadRbac`): an
    /// access review of `patch deployments.apps`, or why it could not be asked.
    Rbac(Vec<(String, Result<bool, String>)>),
    /// A long job's progress or its end.
    Job(crate::ops::job::JobEvent),
    /// Whether the incident file took the last lines (Err: why not).
    IncidentWritten(Result<(), String>),
    /// Where the report was written, or why it was not.
    /// The handoff report as written (its path and text), or why it was not.
    ReportWritten(Result<(std::path::PathBuf, String), String>),
    /// Boxed: one read of the metrics API.
    Metrics(Box<MetricsPoll>),
    /// The answer to a `ReadHistory`.
    History {
        namespace: String,
        name: String,
        result: Result<Box<crate::ops::revisions::History>, String>,
    },
}

impl DataEvent {
    pub fn kube(change: KubeChange) -> DataEvent {
        DataEvent::Kube(Box::new(change))
    }
}

// Each source's report, as the app receives it.
impl From<KubeChange> for DataEvent {
    fn from(change: KubeChange) -> Self {
        DataEvent::Kube(Box::new(change))
    }
}

impl From<(SourceId, SourceHealth)> for DataEvent {
    fn from((source, health): (SourceId, SourceHealth)) -> Self {
        DataEvent::Health(source, health)
    }
}

impl From<LogEvent> for DataEvent {
    fn from(event: LogEvent) -> Self {
        DataEvent::Logs(event)
    }
}

impl From<MetricsPoll> for DataEvent {
    fn from(poll: MetricsPoll) -> Self {
        DataEvent::Metrics(Box::new(poll))
    }
}

impl From<PromEvent> for DataEvent {
    fn from(event: PromEvent) -> Self {
        DataEvent::Prometheus(Box::new(event))
    }
}

impl From<crate::alerting::merge::AlertsObservation> for DataEvent {
    fn from(observation: crate::alerting::merge::AlertsObservation) -> Self {
        DataEvent::Alerts(Box::new(observation))
    }
}

/// Work for the outside world, carried out by the console loop after `update` returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Quit,
    OpenLogs(LogRequest),
    CloseLogs,
    FetchYaml(YamlRequest),
    /// The last lines of a finished Job's pod's log (a failed backup's reason).
    FetchRunLog {
        namespace: String,
        job: String,
    },
    /// Watch these namespaces instead (`:ns NAME` naming one not watched yet).
    WatchNamespaces(Vec<String>),
    /// Reconnect with another kubeconfig context (`:ctx NAME`).
    SwitchContext(String),
    /// Range queries for one SLO's detail chart.
    FetchSloHistory {
        request: u64,
        slo: String,
    },
    /// Carry out a confirmed write (audited before and after).
    Write(Box<crate::ops::plan::WritePlan>),
    /// Start a long job; its progress and end come back as `DataEvent::Job`.
    StartJob {
        job: crate::ops::job::JobId,
        spec: crate::ops::job::JobSpec,
    },
    /// Stop a long job (it reports `Cancelled`).
    CancelJob(crate::ops::job::JobId),
    /// Read the audit log for `:audit`.
    LoadAudit,
    /// Append lines to an incident file.
    AppendIncident {
        path: std::path::PathBuf,
        lines: Vec<crate::timeline::incident::Line>,
    },
    /// Write the handoff report (Markdown), its timeline merged with the incident file's.
    WriteReport {
        report: Box<crate::timeline::report::Report>,
        incident: Option<std::path::PathBuf>,
        path: std::path::PathBuf,
    },
    /// Append a timeline note to the audit log.
    RecordNote {
        write: String,
        at: DateTime<Utc>,
        text: String,
    },
    /// Read the validation history (at start, for `:validation` and the Overview).
    LoadValidationHistory,
    /// Ask RBAC, once per connection, whether the identity may change workloads in each of
    /// these namespaces: the header says what it may do.
    ReadRbac(Vec<String>),
    /// Append a finished (or stopped: `stopped` says so) validation run to the history and
    /// the audit log.
    /// A rollout the console started reached its end: its `concluded` audit line.
    RecordConclusion(Box<crate::app::concluded::Concluded>),
    RecordValidation {
        report: Box<crate::validation::results::RunReport>,
        stopped: Option<String>,
    },
    /// Read a workload's revisions whole, to plan an undo.
    ReadHistory {
        kind: &'static str,
        namespace: String,
        name: String,
    },
    /// The API server rejected the credentials: read the kubeconfig again (running its exec
    /// plugin again) and restart the sources with what it says now.
    Reauthenticate,
}
