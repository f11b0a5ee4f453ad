//! One line of the timeline: when, from where, how bad, about what, what happened, and whether
//! the console saw it happen or rebuilt it afterwards from what the sources still hold.

use chrono::{DateTime, Utc};

/// Where an entry's facts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    Kube,
    Prometheus,
    Alertmanager,
    /// The console itself: its writes, jobs and notes (the audit log).
    Console,
}

impl Source {
    pub fn word(self) -> &'static str {
        match self {
            Source::Kube => "k8s",
            Source::Prometheus => "prometheus",
            Source::Alertmanager => "alertmanager",
            Source::Console => "console",
        }
    }

    /// For the list's narrow SOURCE column.
    pub fn short(self) -> &'static str {
        match self {
            Source::Kube => "k8s",
            Source::Prometheus => "prom",
            Source::Alertmanager => "am",
            Source::Console => "console",
        }
    }
}

/// Ordered most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn word(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// An Alertmanager `severity` label: critical stays critical; high and warning warn.
    pub fn of_label(label: &str) -> Severity {
        match label {
            "critical" | "page" => Severity::Critical,
            "high" | "warning" | "ticket" => Severity::Warning,
            _ => Severity::Info,
        }
    }
}

/// Whether the console saw it happen (it was running when it happened) or rebuilt it from what
/// the sources still hold (Events, creation times, conditions, alerts' starts, the audit log).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    Live,
    Reconstructed,
}

impl Seen {
    pub fn word(self) -> &'static str {
        match self {
            Seen::Live => "live",
            Seen::Reconstructed => "rebuilt",
        }
    }
}

/// What an entry is about, so `enter` can show it in its own view.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject {
    pub kind: SubjectKind,
    /// Empty for cluster-scoped objects and for what has no namespace.
    pub namespace: String,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubjectKind {
    Pod,
    Deployment,
    StatefulSet,
    Node,
    Job,
    /// Another kind an Event was about (its `involvedObject`).
    Other(&'static str),
    Alert,
    Silence,
    Slo,
    /// One of the console's writes or jobs: the name is its write id.
    Write,
    /// One of the console's reads that it audits (a validation run): the name is its id.
    Read,
    Note,
}

impl SubjectKind {
    /// As kubectl abbreviates kinds (`deploy/backend`), and plain words for the rest.
    pub fn word(self) -> &'static str {
        match self {
            SubjectKind::Pod => "pod",
            SubjectKind::Deployment => "deploy",
            SubjectKind::StatefulSet => "sts",
            SubjectKind::Node => "node",
            SubjectKind::Job => "job",
            SubjectKind::Other(kind) => kind,
            SubjectKind::Alert => "alert",
            SubjectKind::Silence => "silence",
            SubjectKind::Slo => "slo",
            SubjectKind::Write => "write",
            SubjectKind::Read => "run",
            SubjectKind::Note => "note",
        }
    }

    /// An Event's `involvedObject.kind`, as a subject.
    pub fn of_kind(kind: &str) -> SubjectKind {
        match kind {
            "Pod" => SubjectKind::Pod,
            "Deployment" => SubjectKind::Deployment,
            "StatefulSet" => SubjectKind::StatefulSet,
            "Node" => SubjectKind::Node,
            "Job" => SubjectKind::Job,
            "ReplicaSet" => SubjectKind::Other("rs"),
            "CronJob" => SubjectKind::Other("cronjob"),
            "Service" => SubjectKind::Other("svc"),
            "PersistentVolumeClaim" => SubjectKind::Other("pvc"),
            "HorizontalPodAutoscaler" => SubjectKind::Other("hpa"),
            _ => SubjectKind::Other("object"),
        }
    }
}

impl Subject {
    pub fn new(kind: SubjectKind, namespace: &str, name: &str) -> Subject {
        Subject {
            kind,
            namespace: namespace.to_string(),
            name: name.to_string(),
        }
    }

    /// `deploy/backend`, `MS5RolloutStuck` (an alert's name says what it is), `silence/1a2b3c4d`:
    /// the namespace has its own place.
    pub fn text(&self) -> String {
        match self.kind {
            SubjectKind::Alert => self.name.clone(),
            SubjectKind::Silence => {
                let short: String = self.name.chars().take(8).collect();
                format!("silence/{short}")
            }
            // A note's name is who wrote it.
            SubjectKind::Note if self.name.is_empty() => "note".into(),
            _ => format!("{}/{}", self.kind.word(), self.name),
        }
    }
}

/// How a fact seen again is told apart from the one already held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folding {
    /// Once: the same key again is the same fact (a revision started, an alert's start).
    Never,
    /// Each new occurrence (a later time under the same key) adds one: a crash loop's restarts,
    /// a pod going unready again.
    Count,
    /// The fact carries its own total so far (an Event's `count`).
    Total,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// When it happened (the first time, for a folded entry).
    pub at: DateTime<Utc>,
    /// The newest occurrence folded into it.
    pub last: DateTime<Utc>,
    pub count: u32,
    pub source: Source,
    pub severity: Severity,
    pub subject: Subject,
    /// What happened, in a few words (the newest occurrence's, for a folded entry).
    pub what: String,
    pub seen: Seen,
    /// Its identity: the same fact derived again (on every watch update, on a restart) is the
    /// same entry, never a second one.
    pub key: String,
    pub folding: Folding,
    /// The source keeps no time for it: `at` is when the console first saw it.
    pub undated: bool,
    /// Within one instant (Kubernetes dates to the second), what begins a story sorts before
    /// what follows from it: a rollout's start (0) before its new pod's state (1).
    pub order: u8,
    /// A change made to the cluster (not a symptom of one): what the Overview lists as
    /// changed before a page.
    pub change: Option<Change>,
}

/// What kind of change an entry tells: the suspects a page is looked at against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    /// A new revision of a workload's template: a new version, or a restart.
    Rollout,
    Rollback,
    Scale,
    Pause,
    Resume,
    /// A Job started (a migration, a backup).
    Job,
    /// A node's condition or taint.
    Node,
    Eviction,
    /// A ConfigMap or Secret a workload mounts.
    Config,
}

impl Entry {
    pub fn new(
        key: String,
        at: DateTime<Utc>,
        source: Source,
        severity: Severity,
        subject: Subject,
        what: String,
    ) -> Entry {
        Entry {
            at,
            last: at,
            count: 1,
            source,
            severity,
            subject,
            what,
            seen: Seen::Live,
            key,
            folding: Folding::Never,
            undated: false,
            order: 1,
            change: None,
        }
    }

    /// A change made to the cluster, of this kind.
    pub fn change(mut self, change: Change) -> Entry {
        self.change = Some(change);
        self
    }

    /// First within its instant (see `order`).
    pub fn first_in_its_second(mut self) -> Entry {
        self.order = 0;
        self
    }

    /// Dated by when the console saw it, the source keeping no time of its own.
    pub fn undated(mut self) -> Entry {
        self.undated = true;
        self
    }

    pub fn folding(mut self, folding: Folding) -> Entry {
        self.folding = folding;
        self
    }

    pub fn counted(mut self, count: u32, last: DateTime<Utc>) -> Entry {
        self.count = count.max(1);
        self.last = last.max(self.at);
        self
    }

    /// Every column's text, for `/`.
    pub fn haystack(&self) -> String {
        format!(
            "{} {} {} {} {} {} {}",
            self.source.word(),
            self.severity.word(),
            self.seen.word(),
            self.subject.namespace,
            self.subject.text(),
            self.what,
            self.at.format("%H:%M:%S"),
        )
    }
}
