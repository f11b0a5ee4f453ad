//! Which view is shown, and what every layer needs to know about it: its `:` names, its
//! table's columns, whether its order may change, and what opening it asks for. A view is its
//! line here (its id included) plus its own file in `ui/` (title, hints, how it is drawn),
//! listed in the view registry (`ui/views.rs`). The id is what the keymap, the state and the
//! actions share; the line's position is its place in `tab` order.

use super::columns::{
    ALERT_COLUMNS, AUDIT_COLUMNS, EVENT_COLUMNS, NODE_COLUMNS, POD_COLUMNS, SILENCE_COLUMNS,
    SLO_COLUMNS, TIMELINE_COLUMNS, VALIDATION_COLUMNS, WORKLOAD_COLUMNS,
};

/// Whether a person may re-sort the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Sortable,
    /// The order is the meaning (worst budget first, critical first, newest first).
    Fixed,
}

/// What switching to a view asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnOpen {
    Nothing,
    /// The audit log, read afresh: the audit view, the drill history and the timeline's own
    /// past come from it.
    ReadAuditLog,
}

/// One view's facts.
pub struct ViewFacts {
    pub id: ViewId,
    /// Its `:` command, its keymap table and its digit key's action name.
    pub name: &'static str,
    /// The words help uses for switching to it.
    pub words: &'static str,
    /// More `:` names for it, k9s style.
    pub aliases: &'static [&'static str],
    pub columns: &'static [&'static str],
    pub order: Order,
    pub on_open: OnOpen,
}

/// Declares the views: each line is one view's identity (the `ViewId` variant) and facts, in
/// `tab` order, so a view is named once.
macro_rules! views {
    ($($id:ident: $name:literal, $words:literal, $aliases:expr, $columns:expr, $order:ident, $on_open:ident;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ViewId {
            $($id,)*
        }

        const VIEWS: &[ViewFacts] = &[
            $(ViewFacts {
                id: ViewId::$id,
                name: $name,
                words: $words,
                aliases: $aliases,
                columns: $columns,
                order: Order::$order,
                on_open: OnOpen::$on_open,
            },)*
        ];
    };
}

// One line a view: id, `:` name, help's words, aliases, columns, order, what opening asks for.
#[rustfmt::skip]
views! {
    Overview: "overview", "overview", &["ov", "home"], &[], Fixed, Nothing;
    Rollouts: "rollouts", "rollouts", &["ro", "deploy", "deployments", "sts", "statefulsets"], WORKLOAD_COLUMNS, Sortable, Nothing;
    Pods: "pods", "pods", &["po", "pod"], POD_COLUMNS, Sortable, Nothing;
    Nodes: "nodes", "nodes", &["no", "node"], NODE_COLUMNS, Sortable, Nothing;
    Events: "events", "events", &["ev", "event"], EVENT_COLUMNS, Sortable, Nothing;
    Slo: "slo", "SLOs", &["slos"], SLO_COLUMNS, Fixed, Nothing;
    Alerts: "alerts", "alerts", &["alert", "al"], ALERT_COLUMNS, Fixed, Nothing;
    Silences: "silences", "silences", &["silence", "si"], SILENCE_COLUMNS, Fixed, Nothing;
    Audit: "audit", "audit log", &["au"], AUDIT_COLUMNS, Fixed, ReadAuditLog;
    Validation: "validation", "Phase 9 validation", &["val"], VALIDATION_COLUMNS, Fixed, Nothing;
    Backups: "backups", "backups and restore drills", &["backup", "bak"], &[], Fixed, ReadAuditLog;
    Timeline: "timeline", "timeline: what happened, in order", &["tl"], TIMELINE_COLUMNS, Fixed, ReadAuditLog;
}

/// `:` names of views still to come: they say so instead of "unknown command".
pub const COMING: &[&str] = &[];

impl ViewId {
    /// Every view, in `tab` order: the table's, so a view is listed once.
    pub const ALL: [ViewId; VIEWS.len()] = {
        let mut all = [ViewId::Overview; VIEWS.len()];
        let mut i = 0;
        while i < VIEWS.len() {
            all[i] = VIEWS[i].id;
            i += 1;
        }
        all
    };

    pub fn facts(self) -> &'static ViewFacts {
        // Every variant has its line (a test below proves it); the first stands in otherwise.
        VIEWS.iter().find(|v| v.id == self).unwrap_or(&VIEWS[0])
    }

    pub fn name(self) -> &'static str {
        self.facts().name
    }

    pub fn words(self) -> &'static str {
        self.facts().words
    }

    pub fn from_name(name: &str) -> Option<ViewId> {
        VIEWS.iter().find(|v| v.name == name).map(|v| v.id)
    }

    /// The view a `:` word names: its name or an alias.
    pub fn by_command(word: &str) -> Option<ViewId> {
        VIEWS
            .iter()
            .find(|v| v.name == word || v.aliases.contains(&word))
            .map(|v| v.id)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_answers_for_one_view() {
        let mut words: Vec<&str> = VIEWS
            .iter()
            .flat_map(|v| std::iter::once(v.name).chain(v.aliases.iter().copied()))
            .collect();
        let n = words.len();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), n, "a `:` name answers for one view only");
    }
}
