//! The view registry: every view the console has, in `tab` order. A view is its own file
//! declaring a `ViewSpec`, plus one line here.

use super::view::ViewSpec;
use super::{
    alerts, audit, backups, events, nodes, overview, pods, rollouts, slo, timeline, validation,
};
use crate::app::view_id::ViewId;

pub const ALL: [&ViewSpec; 12] = [
    &overview::VIEW,
    &rollouts::VIEW,
    &pods::VIEW,
    &nodes::VIEW,
    &events::VIEW,
    &slo::VIEW,
    &alerts::VIEW,
    &alerts::SILENCES_VIEW,
    &audit::VIEW,
    &validation::VIEW,
    &backups::VIEW,
    &timeline::VIEW,
];

/// `:` names of views still to come: they say so instead of "unknown command".
pub const COMING: &[&str] = &[];

/// The declaration of `id`.
pub fn spec(id: ViewId) -> &'static ViewSpec {
    ALL.iter()
        .find(|s| s.id == id)
        .copied()
        .unwrap_or(&overview::VIEW)
}

/// The view a `:` word names.
pub fn by_command(word: &str) -> Option<&'static ViewSpec> {
    ALL.iter().find(|s| s.answers_to(word)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_is_declared_once_and_in_tab_order() {
        let ids: Vec<ViewId> = ALL.iter().map(|s| s.id).collect();
        assert_eq!(ids, ViewId::ALL);
        let mut words: Vec<&str> = ALL
            .iter()
            .flat_map(|s| std::iter::once(s.id.name()).chain(s.aliases.iter().copied()))
            .collect();
        let n = words.len();
        words.sort_unstable();
        words.dedup();
        assert_eq!(words.len(), n, "a `:` name answers for one view only");
    }
}
