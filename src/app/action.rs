//! What a person can ask for. Keys become these through the keymap; nothing else reads keys.

use std::fmt;

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
    Overview,
    Rollouts,
    Pods,
    Nodes,
    Events,
    Slo,
    Alerts,
    Silences,
    Audit,
    Silence,
    Expire,
    WarningsOnly,
    Follow,
    Previous,
    Container,
    Wrap,
    Confirm,
    Cancel,
}

/// Every action: its file name and the words the help screen and footer use for it.
pub const ACTIONS: &[(Action, &str, &str)] = &[
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
    (Action::Overview, "overview", "overview"),
    (Action::Rollouts, "rollouts", "rollouts"),
    (Action::Pods, "pods", "pods"),
    (Action::Nodes, "nodes", "nodes"),
    (Action::Events, "events", "events"),
    (Action::Slo, "slo", "SLOs"),
    (Action::Alerts, "alerts", "alerts"),
    (Action::Silences, "silences", "silences"),
    (Action::Audit, "audit", "audit log"),
    (Action::Silence, "silence", "silence alert"),
    (Action::Expire, "expire", "expire silence"),
    (Action::WarningsOnly, "warnings-only", "warnings only"),
    (Action::Follow, "follow", "follow"),
    (Action::Previous, "previous", "previous log"),
    (Action::Container, "container", "next container"),
    (Action::Wrap, "wrap", "wrap lines"),
    (Action::Confirm, "confirm", "confirm"),
    (Action::Cancel, "cancel", "cancel"),
];

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        ACTIONS
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(a, _, _)| *a)
    }

    pub fn name(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(a, _, _)| *a == self)
            .map_or("?", |(_, n, _)| n)
    }

    pub fn description(self) -> &'static str {
        ACTIONS
            .iter()
            .find(|(a, _, _)| *a == self)
            .map_or("?", |(_, _, d)| d)
    }

    /// The words for this action where `mode` is in force: in the log viewer `/` highlights
    /// matches and keeps every line, so it is a search there, not a filter.
    pub fn description_in(self, mode: Mode) -> &'static str {
        match (self, mode) {
            (Action::Filter, Mode::Logs) => "search",
            _ => self.description(),
        }
    }

    /// Actions that change something outside the console. The keymap refuses to put them on
    /// a bare ctrl chord, where a slip of the finger would fire them; `--readonly` removes them.
    pub fn is_destructive(self) -> bool {
        matches!(self, Action::Silence | Action::Expire)
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
    Overview,
    Rollouts,
    Pods,
    Nodes,
    Events,
    Slo,
    Alerts,
    Silences,
    Audit,
    Logs,
    Yaml,
    Help,
    Dialog,
}

pub const MODES: &[(Mode, &str)] = &[
    (Mode::Global, "global"),
    (Mode::Overview, "overview"),
    (Mode::Rollouts, "rollouts"),
    (Mode::Pods, "pods"),
    (Mode::Nodes, "nodes"),
    (Mode::Events, "events"),
    (Mode::Slo, "slo"),
    (Mode::Alerts, "alerts"),
    (Mode::Silences, "silences"),
    (Mode::Audit, "audit"),
    (Mode::Logs, "logs"),
    (Mode::Yaml, "yaml"),
    (Mode::Help, "help"),
    (Mode::Dialog, "dialog"),
];

impl Mode {
    pub fn from_name(name: &str) -> Option<Mode> {
        MODES.iter().find(|(_, n)| *n == name).map(|(m, _)| *m)
    }

    pub fn name(self) -> &'static str {
        MODES
            .iter()
            .find(|(m, _)| *m == self)
            .map_or("?", |(_, n)| n)
    }
}
