//! What `enter` does on an open details pane: the next step from what the pane shows, named in
//! the footer (an event's object, a pod's logs, the pods of a node or a workload). `enter` on a
//! closed pane opens it; `esc` closes it.

use super::cluster::ObjKey;
use super::event::Effect;
use super::state::{AppState, ViewId};
use super::table::Filter;
use super::{logs, rows};

/// The step `enter` takes from an open details pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Show this object in its own view.
    GoTo(ViewId, ObjKey),
    /// The selected pod's logs.
    Logs,
    /// The Pods view, filtered.
    Pods(Filter),
}

impl Next {
    /// The footer's words for it.
    pub fn words(&self) -> String {
        match self {
            Next::GoTo(_, (_, name)) => format!("go to {name}"),
            Next::Logs => "logs".into(),
            Next::Pods(filter) => format!("pods ({})", filter.describe()),
        }
    }
}

/// The next step from the open pane of the current view, if it has one.
pub fn next(state: &AppState) -> Option<Next> {
    let selected = state.table(state.view).selected;
    match state.view {
        ViewId::Events => {
            let e = state.rows.events.get(selected)?;
            let name = e.object_name.clone();
            match e.object_kind.as_str() {
                "Pod" => Some(Next::GoTo(ViewId::Pods, (e.object_namespace.clone(), name))),
                "Node" => Some(Next::GoTo(ViewId::Nodes, (String::new(), name))),
                kind @ ("Deployment" | "StatefulSet") => Some(Next::GoTo(
                    ViewId::Rollouts,
                    (e.object_namespace.clone(), format!("{kind}/{name}")),
                )),
                // A ReplicaSet's events are its Deployment's rollout: `backend-5bdc5c656`.
                "ReplicaSet" => {
                    let deployment = name.rsplit_once('-').map(|(d, _)| d.to_string())?;
                    Some(Next::GoTo(
                        ViewId::Rollouts,
                        (
                            e.object_namespace.clone(),
                            format!("Deployment/{deployment}"),
                        ),
                    ))
                }
                _ => None,
            }
        }
        ViewId::Timeline => {
            let e = state.rows.timeline.get(selected)?;
            super::timeline::jump(e).map(|(view, key)| Next::GoTo(view, key))
        }
        ViewId::Pods => state.rows.pods.get(selected).map(|_| Next::Logs),
        ViewId::Nodes => {
            let node = state.rows.nodes.get(selected)?;
            Some(Next::Pods(Filter::parse(&node.name)))
        }
        ViewId::Rollouts => {
            let w = state.rows.workloads.get(selected)?;
            let selector: Vec<String> =
                w.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
            (!selector.is_empty())
                .then(|| Next::Pods(Filter::parse(&format!("-l {}", selector.join(",")))))
        }
        _ => None,
    }
}

/// `enter` on an open pane.
pub fn enter(state: &mut AppState) -> Vec<Effect> {
    match next(state) {
        Some(Next::GoTo(view, key)) => {
            go_to(state, view, key);
            Vec::new()
        }
        Some(Next::Logs) => logs::open(state),
        Some(Next::Pods(filter)) => {
            state.table_mut(ViewId::Pods).filter = filter;
            state.view = ViewId::Pods;
            state.details = false;
            rows::refresh(state);
            Vec::new()
        }
        None => Vec::new(),
    }
}

/// Shows `key` in `view`: any filter there that would hide it is cleared, and the selection
/// follows it from then on.
pub fn go_to(state: &mut AppState, view: ViewId, key: ObjKey) {
    let table = state.table_mut(view);
    table.filter = Filter::default();
    table.selected_key = Some(key.clone());
    table.moved = true;
    state.view = view;
    state.details = false;
    // A focus on another namespace would hide it.
    if !key.0.is_empty() && !state.shown_namespace(&key.0) {
        state.focus = None;
    }
    rows::refresh(state);
    rows::reselect(state, view);
}

/// `enter` on the Overview: the selected change in its own view. A workload's opens its follow
/// pane (its revisions, its pods, the guard), where `u` undoes it; a node's and a pod's their
/// details.
pub fn enter_suspect(state: &mut AppState) -> Vec<Effect> {
    let Some((view, key)) = state
        .rows
        .suspects
        .list
        .get(state.rows.suspect_selected)
        .and_then(|s| s.goes_to.clone())
    else {
        return Vec::new();
    };
    go_to(state, view, key);
    match view {
        ViewId::Rollouts => super::follow::follow_selected(state),
        ViewId::Nodes | ViewId::Pods => state.details = true,
        _ => {}
    }
    Vec::new()
}
