//! What a person can ask for. Keys become these through the keymap; nothing else reads keys.

use std::fmt;

pub use super::view_id::ViewId;

/// An action a key can be bound to. Its name is the one written in keymap files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    Help,
    Command,
    Filter,
    Back,
    Details,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextView,
    PrevView,
    Sort,
    ReverseSort,
    Logs,
    Yaml,
    /// Switch to a view (the digit keys).
    View(ViewId),
    Silence,
    Expire,
    WarningsOnly,
    Follow,
    Previous,
    Container,
    Wrap,
    Timestamps,
    /// Logs: show only the lines that match (less's `&`).
    OnlyMatching,
    /// Logs: move to the next match back in time, or forward.
    OlderMatch,
    NewerMatch,
    Restart,
    PauseResume,
    Scale,
    Undo,
    DeletePod,
    Confirm,
    Cancel,
    RunValidation,
    RunPhase,
    StopRun,
    RestoreDrill,
    BackupNow,
    /// Add a note to the timeline at the current time (from any view).
    Note,
    /// Write the handoff report (the timeline's `x`).
    Report,
}

/// Every action but the view switches: its file name and the words the help screen and footer
/// use for it.
const ACTIONS: &[(Action, &str, &str)] = &[
    (Action::Quit, "quit", "quit"),
    (Action::Help, "help", "help"),
    (Action::Command, "command", "command"),
    (Action::Filter, "filter", "filter"),
    (Action::Back, "back", "back"),
    (Action::Details, "details", "details"),
    (Action::Up, "up", "up"),
    (Action::Down, "down", "down"),
    (Action::PageUp, "page-up", "page up"),
    (Action::PageDown, "page-down", "page down"),
    (Action::Top, "top", "first row"),
    (Action::Bottom, "bottom", "last row"),
    (Action::NextView, "next-view", "next view"),
    (Action::PrevView, "prev-view", "previous view"),
    (Action::Sort, "sort", "sort"),
    (Action::ReverseSort, "reverse-sort", "reverse sort"),
    (Action::Logs, "logs", "logs"),
    (Action::Yaml, "yaml", "yaml"),
    (Action::Silence, "silence", "silence alert"),
    (Action::Expire, "expire", "expire silence"),
    (Action::WarningsOnly, "warnings-only", "warnings only"),
    (Action::Follow, "follow", "follow"),
    (Action::Previous, "previous", "previous log"),
    (Action::Container, "container", "next container"),
    (Action::Wrap, "wrap", "wrap lines"),
    (Action::Timestamps, "timestamps", "timestamps"),
    (
        Action::OnlyMatching,
        "only-matching",
        "show only matching lines",
    ),
    (Action::OlderMatch, "older-match", "older match"),
    (Action::NewerMatch, "newer-match", "newer match"),
    (Action::Restart, "restart", "restart"),
    (Action::PauseResume, "pause-resume", "pause/resume"),
    (Action::Scale, "scale", "scale"),
    (Action::Undo, "undo", "undo rollout"),
    (Action::DeletePod, "delete-pod", "delete pod"),
    (Action::Confirm, "confirm", "confirm"),
    (Action::Cancel, "cancel", "cancel"),
    (Action::RunValidation, "run-validation", "run all criteria"),
    (Action::RunPhase, "run-phase", "run this phase"),
    (Action::StopRun, "stop-run", "stop the run"),
    (Action::RestoreDrill, "restore-drill", "restore drill"),
    (Action::BackupNow, "backup-now", "backup now"),
    (Action::Note, "note", "add a note"),
    (Action::Report, "handoff-report", "handoff report"),
];

impl Action {
    /// Every action with its name and words, in help order: a view switch is named after its
    /// view.
    pub fn all() -> Vec<(Action, &'static str, &'static str)> {
        let mut all = Vec::with_capacity(ACTIONS.len() + ViewId::ALL.len());
        for entry in ACTIONS {
            all.push(*entry);
            if entry.0 == Action::Yaml {
                all.extend(
                    ViewId::ALL
                        .iter()
                        .map(|v| (Action::View(*v), v.name(), v.words())),
                );
            }
        }
        all
    }

    pub fn from_name(name: &str) -> Option<Action> {
        ViewId::from_name(name).map(Action::View).or_else(|| {
            ACTIONS
                .iter()
                .find(|(_, n, _)| *n == name)
                .map(|(a, _, _)| *a)
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Action::View(v) => v.name(),
            _ => ACTIONS
                .iter()
                .find(|(a, _, _)| *a == self)
                .map_or("?", |(_, n, _)| n),
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Action::View(v) => v.words(),
            _ => ACTIONS
                .iter()
                .find(|(a, _, _)| *a == self)
                .map_or("?", |(_, _, d)| d),
        }
    }

    /// The words for this action where `mode` is in force: in the log viewer `/` highlights
    /// matches and keeps every line, so it is a search there, not a filter.
    pub fn description_in(self, mode: Mode) -> &'static str {
        match (self, mode) {
            (Action::Filter, Mode::Logs) => "search",
            (Action::Back, Mode::Follow) => "close (following goes on)",
            _ => self.description(),
        }
    }

    /// Actions that change something outside the console. The keymap refuses to put them on
    /// a bare ctrl chord, where a slip of the finger would fire them; `--readonly` removes them.
    pub fn is_destructive(self) -> bool {
        matches!(
            self,
            Action::Silence
                | Action::Expire
                | Action::Restart
                | Action::PauseResume
                | Action::Scale
                | Action::Undo
                | Action::DeletePod
                | Action::RestoreDrill
                | Action::BackupNow
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A keymap table: the keys of one view or mode. `Global` applies everywhere a view's own
/// table has no binding for the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mode {
    Global,
    View(ViewId),
    Logs,
    Yaml,
    Help,
    /// A followed rollout's pane.
    Follow,
    Dialog,
}

/// The modes that are not a view, by their keymap table names.
const OVERLAY_MODES: &[(Mode, &str)] = &[
    (Mode::Logs, "logs"),
    (Mode::Yaml, "yaml"),
    (Mode::Help, "help"),
    (Mode::Follow, "follow"),
    (Mode::Dialog, "dialog"),
];

impl Mode {
    /// Every keymap table, in the order help and errors list them.
    pub fn all() -> Vec<Mode> {
        std::iter::once(Mode::Global)
            .chain(ViewId::ALL.iter().map(|v| Mode::View(*v)))
            .chain(OVERLAY_MODES.iter().map(|(m, _)| *m))
            .collect()
    }

    pub fn from_name(name: &str) -> Option<Mode> {
        match name {
            "global" => Some(Mode::Global),
            _ => ViewId::from_name(name).map(Mode::View).or_else(|| {
                OVERLAY_MODES
                    .iter()
                    .find(|(_, n)| *n == name)
                    .map(|(m, _)| *m)
            }),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Mode::Global => "global",
            Mode::View(v) => v.name(),
            _ => OVERLAY_MODES
                .iter()
                .find(|(m, _)| *m == self)
                .map_or("?", |(_, n)| n),
        }
    }
}
