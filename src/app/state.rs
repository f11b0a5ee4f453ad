//! Everything the screen is drawn from. Owned by the UI task alone; changed only by `update`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::action::Mode;
use super::alerts::{AlertRow, AlertState, AlertSummary, SilenceRow};
use super::cluster::Cluster;
use super::event::Observation;
use super::event::{Connection, SourceHealth, SourceId};
use super::field::TextField;
use super::ids::Ids;
use super::metrics::MetricsState;
use super::table::TableState;
use crate::model::node_view::{EventRow, NodeRow};
use crate::model::pod_view::PodRow;
use crate::model::slo_status::{SloHistory, SloStatus};
use crate::model::workload::WorkloadRow;
use crate::ops::audit::record::{AuditRecord, Contents};
use crate::ops::job::{JobId, JobOutcome};
use crate::slo::SloDefinition;

pub use super::view_id::ViewId;

/// A full-screen layer over the current view. One at a time, so the dialog's size (a whole
/// plan) costs nothing worth boxing it for.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Overlay {
    Help {
        scroll: usize,
        /// Only help lines containing this (`/` in help); empty: every line.
        filter: String,
    },
    /// `request` pairs the answer with the question (an older answer is ignored).
    Yaml {
        title: String,
        lines: Vec<String>,
        scroll: usize,
        request: u64,
    },
    Logs(LogsState),
    /// The handoff report `x` wrote, to read where it was asked for (the path said on it).
    Report {
        path: std::path::PathBuf,
        lines: Vec<String>,
        scroll: usize,
    },
    /// A followed rollout's progress: `key` as `follow::key` makes it; `outcome` is what the
    /// write that started it answered, when one did (Err: the answer never came, so what the
    /// watch shows is all there is to go by).
    Follow {
        key: super::followed::FollowKey,
        outcome: Option<Result<String, String>>,
    },
    /// A write being planned, confirmed, sent, or its outcome.
    Dialog(crate::app::stage::Dialog),
}

impl Overlay {
    pub fn mode(&self) -> Mode {
        match self {
            Overlay::Help { .. } => Mode::Help,
            Overlay::Yaml { .. } | Overlay::Report { .. } => Mode::Yaml,
            Overlay::Logs(_) => Mode::Logs,
            Overlay::Follow { .. } => Mode::Follow,
            Overlay::Dialog(_) => Mode::Dialog,
        }
    }
}

/// Most log lines kept per session; older ones are dropped first.
pub const LOG_BUFFER_LINES: usize = 5_000;
/// Lines kept of one pod in a workload's merged log: a chatty pod cannot push the others out.
pub const LOG_LINES_PER_POD: usize = 2_000;

#[derive(Debug, Clone, PartialEq)]
pub struct LogsState {
    pub session: u64,
    pub namespace: String,
    pub pod: String,
    pub containers: Vec<String>,
    pub container: usize,
    pub previous: bool,
    pub follow: bool,
    pub wrap: bool,
    pub lines: VecDeque<String>,
    /// Lines dropped from the front since the session began.
    pub dropped: usize,
    /// Rows scrolled up from the end (0: showing the newest).
    pub scroll: usize,
    pub search: String,
    /// Only the lines matching `search` are shown (`&`); else they are highlighted (`/`). Esc
    /// clears either.
    pub filtered: bool,
    /// Each line with the time the kubelet received it (the API's `timestamps=true`).
    pub timestamps: bool,
    /// Why the stream ended, once it has.
    pub ended: Option<String>,
    /// A workload's logs: every pod's stream merged as lines arrive, each line prefixed with
    /// its pod (None: one pod's log).
    pub workload: Option<WorkloadLogs>,
}

/// The pods a workload's merged log follows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct WorkloadLogs {
    pub kind: &'static str,
    pub name: String,
    /// In the order they joined; a pod that appears during a rollout joins the stream.
    pub pods: Vec<PodStream>,
    /// Streams to open, drained by the effect runner.
    pub to_open: Vec<super::event::LogRequest>,
}

/// One pod's stream in a merged log.
#[derive(Debug, Clone, PartialEq)]
pub struct PodStream {
    pub pod: String,
    /// What its lines are prefixed with: the pod's name without the workload's.
    pub short: String,
    pub session: u64,
    /// Lines of it kept.
    pub kept: usize,
    pub ended: Option<String>,
}

impl LogsState {
    /// A log view opening on `pod` (a pod's name, or `deploy/NAME` for a workload's merged
    /// log): following, from the first container, nothing read yet.
    pub fn new(session: u64, namespace: &str, pod: String, containers: Vec<String>) -> LogsState {
        LogsState {
            session,
            namespace: namespace.to_string(),
            pod,
            containers,
            container: 0,
            previous: false,
            follow: true,
            wrap: false,
            lines: VecDeque::new(),
            dropped: 0,
            scroll: 0,
            search: String::new(),
            filtered: false,
            timestamps: false,
            ended: None,
            workload: None,
        }
    }

    /// Whether `line` matches the search (case-insensitive); `needle` is the search lowered.
    pub fn matches(line: &str, needle: &str) -> bool {
        !needle.is_empty() && line.to_lowercase().contains(needle)
    }

    /// The lines shown: all, or those matching the search while it filters.
    pub fn shown(&self) -> Vec<&String> {
        let needle = self.search.to_lowercase();
        self.lines
            .iter()
            .filter(|l| !self.filtered || Self::matches(l, &needle))
            .collect()
    }

    pub fn container_name(&self) -> &str {
        self.containers
            .get(self.container)
            .map_or("", String::as_str)
    }
}

/// A line being typed at the bottom: `:command` or `/filter`.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Command(TextField),
    Filter(TextField),
    /// Logs: the text whose lines alone are shown (`&`).
    OnlyMatching(TextField),
    /// A note for the timeline (`m`).
    Note(TextField),
}

impl Input {
    pub fn field(&self) -> &TextField {
        match self {
            Input::Command(f) | Input::Filter(f) | Input::OnlyMatching(f) | Input::Note(f) => f,
        }
    }

    pub fn field_mut(&mut self) -> &mut TextField {
        match self {
            Input::Command(f) | Input::Filter(f) | Input::OnlyMatching(f) | Input::Note(f) => f,
        }
    }
}

/// The audit log: where it is, and what was last read from it (with when), for `:audit`.
#[derive(Debug, Default)]
pub struct AuditState {
    pub path: Option<std::path::PathBuf>,
    pub read: Option<(DateTime<Utc>, Result<Contents, String>)>,
}

impl AuditState {
    /// The records last read, newest first.
    pub fn records(&self) -> &[AuditRecord] {
        match &self.read {
            Some((_, Ok(contents))) => &contents.records,
            _ => &[],
        }
    }
}

/// What the console knows of its own long jobs (following a rollout, a drill): their progress
/// as reported, and how each ended.
#[derive(Debug, Default)]
pub struct JobsState {
    pub progress: BTreeMap<JobId, Vec<String>>,
    pub finished: BTreeMap<JobId, JobOutcome>,
    /// Drills and on-demand backups being followed: their ends are said even with the dialog
    /// closed.
    pub runs: Vec<JobId>,
}

/// A one-line notice in the footer until the next key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub error: bool,
}

/// What the backup rows were judged from: each input's version and the clock's second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JudgedFrom {
    pub versions: [u64; 6],
    pub audit_read: Option<chrono::DateTime<chrono::Utc>>,
    pub second: i64,
    pub context: String,
}

/// Rows of the table views, rebuilt when their data, filter or sort changed.
#[derive(Debug, Default)]
pub struct Rows {
    pub pods: Vec<Arc<PodRow>>,
    pub workloads: Vec<Arc<WorkloadRow>>,
    pub nodes: Vec<Arc<NodeRow>>,
    pub events: Vec<Arc<EventRow>>,
    pub overview: super::summary::OverviewSummary,
    /// SLOs in effect, worst budget first.
    pub slos: Vec<SloStatus>,
    /// Alerts, critical first; silences, active first; and the overview's alert counts.
    pub alerts: Vec<Arc<AlertRow>>,
    /// Every alert, whatever the alert view's filter: what other views show on their rows.
    pub all_alerts: Vec<Arc<AlertRow>>,
    pub silences: Vec<Arc<SilenceRow>>,
    pub alert_summary: AlertSummary,
    /// What changed before the page (the Overview's list), and which is selected.
    pub suspects: super::suspect_list::Suspects,
    pub suspect_selected: usize,
    /// The timeline's entries shown (filter, focus, warnings only), newest first.
    pub timeline: Vec<Arc<crate::timeline::Entry>>,
    /// Per view, the (data version, filter, sort) the rows were built from.
    pub built: BTreeMap<ViewId, (u64, String, usize, bool, bool)>,
    /// Every configured database's backup row, judged (`app/backups.rs`).
    pub backups: Vec<crate::backup::figures::BackupRow>,
    /// What they were judged from.
    pub backups_judged_from: Option<JudgedFrom>,
}

/// What the console knows from Prometheus: the last good observation is kept, with its time,
/// while later polls fail; the failure is shown beside it.
#[derive(Debug, Default)]
pub struct SloState {
    pub definitions: Vec<SloDefinition>,
    /// The databases `:backups` shows (their metric figures come with each poll).
    pub backups: Vec<crate::backup::BackupDefinition>,
    /// Where the data comes from (the endpoint's address); empty when no poller runs.
    pub source: String,
    pub last: Option<Observation>,
    /// Since when polls have failed, and the latest reason.
    pub failing: Option<(DateTime<Utc>, String)>,
    /// Bumped on every poll result, so rows are rebuilt only then.
    pub version: u64,
    /// The detail chart: for which SLO, which request, what came back (None: in flight).
    pub history_for: Option<String>,
    pub history_request: u64,
    pub history: Option<(DateTime<Utc>, Result<SloHistory, String>)>,
}

impl SloState {
    /// `prometheus SOURCE: 4s ago`, or since when polls have failed: what every panel fed by
    /// Prometheus says in its title, with a colour role.
    pub fn freshness(&self, now: DateTime<Utc>) -> (String, &'static str) {
        use crate::model::age::human_age;
        if self.source.is_empty() {
            return ("prometheus: not configured".into(), "muted");
        }
        let source = format!("prometheus {}", self.source);
        match (&self.last, &self.failing) {
            (None, None) => (format!("{source}: connecting"), "stale"),
            (Some(o), None) => (format!("{source}: {} ago", human_age(o.at, now)), "ok"),
            (None, Some((since, _))) => (
                format!("{source}: failing for {}", human_age(*since, now)),
                "critical",
            ),
            (Some(o), Some(_)) => (
                format!("{source}: stale, last good {} ago", human_age(o.at, now)),
                "critical",
            ),
        }
    }
}

/// BUDGET LEFT: the SLO list's fixed order.
pub const SLO_SORT_COLUMN: usize = 4;

/// A connection being made off the UI task (`:ctx NAME`, or a new login after a 401): the
/// header says so while the screen goes on drawing.
#[derive(Debug, Clone, PartialEq)]
pub struct Connecting {
    pub context: String,
    pub since: DateTime<Utc>,
}

pub struct AppState {
    pub connection: Connection,
    /// Set while a connection is being made; cleared when it is made or has failed.
    pub connecting: Option<Connecting>,
    /// Namespaces watched; `focus` narrows the views to one of them.
    pub namespaces: Vec<String>,
    pub focus: Option<String>,
    pub contexts: Vec<String>,
    pub readonly: bool,
    pub cluster: Cluster,
    pub slo: SloState,
    /// Failed runs' log tails by (namespace, Job), fetched when `:backups`' runs are opened.
    pub run_logs: BTreeMap<(String, String), Result<Vec<String>, String>>,
    pub alerts: AlertState,
    pub audit: AuditState,
    pub jobs: JobsState,
    /// Resource use from the metrics API.
    pub metrics: MetricsState,
    /// Phase 9 validation: the runbook, the newest results, the run in progress.
    pub validation: super::validation::ValidationState,
    /// What RBAC lets the identity change, per watched namespace, once asked (None: not yet).
    pub rbac: Option<Vec<(String, Result<bool, String>)>>,
    /// The access reviews were asked for on this connection.
    pub rbac_asked: bool,
    /// What happened, in order.
    pub timeline: super::timeline_state::TimelineState,
    /// Rollouts being followed.
    pub follow: super::followed::FollowState,
    /// Namespaces where a change is confirmed by typing the object's name.
    pub protected_namespaces: Vec<String>,
    /// The rollout guard's settings for this connection.
    pub guard: super::followed::GuardSettings,
    /// How far before a page the Overview lists changes (`[overview] changes-before`).
    pub changes_before: chrono::Duration,
    /// Who is at the keyboard (the audit log's `local_user`), for the console's annotation.
    pub local_user: String,
    pub health: BTreeMap<SourceId, SourceHealth>,
    /// Bumped when a source's health changes, so what is judged from it is judged again.
    pub health_version: u64,
    pub unreachable: Option<String>,
    pub view: ViewId,
    pub overlay: Option<Overlay>,
    pub input: Option<Input>,
    pub details: bool,
    pub warnings_only: bool,
    pub tables: BTreeMap<ViewId, TableState>,
    pub rows: Rows,
    pub flash: Option<Flash>,
    pub now: DateTime<Utc>,
    /// Table rows that fit on screen, for paging; set from the terminal size.
    pub page: usize,
    /// Ids for log sessions, fetches, writes and jobs.
    pub ids: Ids,
    pub quit: bool,
    /// Effects decided while applying data (a job the guard wants, a run to record, the audit
    /// log to read again): handed out with the rest by `outbox::take`, the app's one way out.
    pub outbox: Vec<crate::app::event::Effect>,
}

impl AppState {
    pub fn new(
        connection: Connection,
        namespaces: Vec<String>,
        readonly: bool,
        now: DateTime<Utc>,
    ) -> Self {
        AppState {
            connection,
            connecting: None,
            health_version: 0,
            namespaces,
            focus: None,
            contexts: Vec::new(),
            readonly,
            cluster: Cluster::default(),
            slo: SloState::default(),
            run_logs: BTreeMap::new(),
            alerts: AlertState::default(),
            audit: AuditState::default(),
            jobs: JobsState::default(),
            metrics: MetricsState::default(),
            follow: Default::default(),
            validation: Default::default(),
            rbac: None,
            rbac_asked: false,
            timeline: super::timeline_state::TimelineState::new(now),
            protected_namespaces: crate::config::DEFAULT_PROTECTED_NAMESPACES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            local_user: String::new(),
            guard: Default::default(),
            changes_before: super::suspect_list::CHANGES_BEFORE,
            health: BTreeMap::new(),
            unreachable: None,
            view: ViewId::Overview,
            overlay: None,
            input: None,
            details: false,
            warnings_only: false,
            tables: ViewId::ALL
                .iter()
                .map(|v| {
                    let mut table = TableState::default();
                    match v {
                        // The SLO list is always worst budget first.
                        ViewId::Slo => table.sort_column = SLO_SORT_COLUMN,
                        // Fixed orders (critical first, active first, newest first): no column
                        // is marked as the sort.
                        ViewId::Alerts
                        | ViewId::Silences
                        | ViewId::Audit
                        | ViewId::Validation
                        | ViewId::Backups
                        | ViewId::Timeline => table.sort_column = usize::MAX,
                        _ => {}
                    }
                    (*v, table)
                })
                .collect(),
            rows: Rows::default(),
            flash: None,
            now,
            page: 20,
            ids: Ids::default(),
            quit: false,
            outbox: Vec::new(),
        }
    }

    /// The keymap table in force: the overlay's, else the view's.
    pub fn mode(&self) -> Mode {
        self.overlay
            .as_ref()
            .map_or(Mode::View(self.view), Overlay::mode)
    }

    /// A notice in the footer until the next key (`error`: in the warning colour).
    pub fn say(&mut self, text: String, error: bool) {
        self.flash = Some(Flash { text, error });
    }

    pub fn table(&self, view: ViewId) -> &TableState {
        // Every view has a table state from `new`; a missing one reads as the default.
        static EMPTY: std::sync::OnceLock<TableState> = std::sync::OnceLock::new();
        self.tables
            .get(&view)
            .unwrap_or_else(|| EMPTY.get_or_init(TableState::default))
    }

    pub fn table_mut(&mut self, view: ViewId) -> &mut TableState {
        self.tables.entry(view).or_default()
    }

    /// The namespaces the views show: the focused one, or all watched.
    /// Some watch was refused with 401: its credentials must be replaced, not retried.
    pub fn credentials_rejected(&self) -> bool {
        self.health
            .values()
            .any(|h| matches!(h, crate::app::event::SourceHealth::Unauthorized { .. }))
    }

    pub fn shown_namespace(&self, namespace: &str) -> bool {
        match &self.focus {
            Some(f) => f == namespace,
            None => true,
        }
    }
}
