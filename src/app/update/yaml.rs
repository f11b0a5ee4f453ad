//! `y`: an object's YAML, asked of the API server.

use crate::app::event::{Effect, ObjectKind, YamlRequest};
use crate::app::state::{AppState, Overlay, ViewId};

/// `y`: the selected object, fetched fresh from the API (the console keeps only the fields its
/// views show, so the YAML comes from the server, whole, as it answered).
pub fn open(state: &mut AppState) -> Vec<Effect> {
    let selected = |view| state.table(view).selected;
    let target = match state.view {
        ViewId::Pods => state
            .rows
            .pods
            .get(selected(ViewId::Pods))
            .map(|r| (ObjectKind::Pod, r.namespace.clone(), r.name.clone())),
        ViewId::Rollouts => state
            .rows
            .workloads
            .get(selected(ViewId::Rollouts))
            .map(|r| {
                let kind = if r.kind == "Deployment" {
                    ObjectKind::Deployment
                } else {
                    ObjectKind::StatefulSet
                };
                (kind, r.namespace.clone(), r.name.clone())
            }),
        ViewId::Nodes => state
            .rows
            .nodes
            .get(selected(ViewId::Nodes))
            .map(|r| (ObjectKind::Node, String::new(), r.name.clone())),
        ViewId::Events => state
            .rows
            .events
            .get(selected(ViewId::Events))
            .map(|r| (ObjectKind::Event, r.namespace.clone(), r.name.clone())),
        _ => None,
    };
    let Some((kind, namespace, name)) = target else {
        return Vec::new();
    };
    let request = state.ids.fresh();
    let title = if namespace.is_empty() {
        format!("{kind:?} {name}")
    } else {
        format!("{kind:?} {namespace}/{name}")
    };
    state.overlay = Some(Overlay::Yaml {
        title,
        lines: vec!["loading...".into()],
        scroll: 0,
        request,
    });
    vec![Effect::FetchYaml(YamlRequest {
        request,
        kind,
        namespace,
        name,
    })]
}
