//! The view registry: every view the console has, in `tab` order. A view is its own file
//! declaring a `ViewSpec`, plus one line here.

use super::view::ViewSpec;
use super::{
    alerts, audit, backups, events, nodes, overview, pods, rollouts, slo, timeline, validation,
};
use crate::model::view_id::ViewId;

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

/// The declaration of `id`.
pub fn spec(id: ViewId) -> &'static ViewSpec {
    ALL.iter()
        .find(|s| s.id == id)
        .copied()
        .unwrap_or(&overview::VIEW)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_view_is_declared_once_and_in_tab_order() {
        let ids: Vec<ViewId> = ALL.iter().map(|s| s.id).collect();
        assert_eq!(ids, ViewId::ALL);
    }
}
