//! Which view is shown: the identity every layer shares (state, keymap tables, actions). Its
//! name is the `:` command, the keymap table and the action bound to its digit key; everything
//! else about a view (title, aliases, columns, order, hints, how it is drawn) is declared once,
//! in its own file, and listed in the view registry (`ui/views.rs`).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ViewId {
    Overview,
    Rollouts,
    Pods,
    Nodes,
    Events,
    Slo,
    Alerts,
    Silences,
    Audit,
    Validation,
    Backups,
    Timeline,
}

/// Each view's name and the words help uses for switching to it.
const NAMES: &[(ViewId, &str, &str)] = &[
    (ViewId::Overview, "overview", "overview"),
    (ViewId::Rollouts, "rollouts", "rollouts"),
    (ViewId::Pods, "pods", "pods"),
    (ViewId::Nodes, "nodes", "nodes"),
    (ViewId::Events, "events", "events"),
    (ViewId::Slo, "slo", "SLOs"),
    (ViewId::Alerts, "alerts", "alerts"),
    (ViewId::Silences, "silences", "silences"),
    (ViewId::Audit, "audit", "audit log"),
    (ViewId::Validation, "validation", "Phase 9 validation"),
    (ViewId::Backups, "backups", "backups and restore drills"),
    (
        ViewId::Timeline,
        "timeline",
        "timeline: what happened, in order",
    ),
];

impl ViewId {
    /// Every view, in `tab` order.
    pub const ALL: [ViewId; 12] = [
        ViewId::Overview,
        ViewId::Rollouts,
        ViewId::Pods,
        ViewId::Nodes,
        ViewId::Events,
        ViewId::Slo,
        ViewId::Alerts,
        ViewId::Silences,
        ViewId::Audit,
        ViewId::Validation,
        ViewId::Backups,
        ViewId::Timeline,
    ];

    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(v, _, _)| *v == self)
            .map_or("?", |(_, n, _)| n)
    }

    pub fn words(self) -> &'static str {
        NAMES
            .iter()
            .find(|(v, _, _)| *v == self)
            .map_or("?", |(_, _, w)| w)
    }

    pub fn from_name(name: &str) -> Option<ViewId> {
        NAMES
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(v, _, _)| *v)
    }

    pub fn next(self) -> ViewId {
        let i = ViewId::ALL.iter().position(|v| *v == self).unwrap_or(0);
        ViewId::ALL[(i + 1) % ViewId::ALL.len()]
    }

    pub fn prev(self) -> ViewId {
        let i = ViewId::ALL.iter().position(|v| *v == self).unwrap_or(0);
        ViewId::ALL[(i + ViewId::ALL.len() - 1) % ViewId::ALL.len()]
    }
}
