//! The `:` line: a view's name, `:ns`, `:ctx`, `:incident`, `:q`.

use super::navigate::switch_view;
use crate::app::event::Effect;
use crate::app::rows;
use crate::app::state::{AppState, Overlay, ViewId};
use crate::model::view_id::COMING;

/// `:pods`, `:ns ms5-staging`, `:ctx prod`, `:q`.
pub fn run_command(state: &mut AppState, command: &str) -> Vec<Effect> {
    let mut words = command.split_whitespace();
    let Some(verb) = words.next() else {
        return Vec::new();
    };
    let argument = words.next();
    if let Some(view) = ViewId::by_command(verb) {
        return switch_view(state, view);
    }
    match (verb, argument) {
        ("q" | "quit" | "q!", _) => {
            state.quit = true;
            vec![Effect::Quit]
        }
        ("help" | "h", _) => {
            state.overlay = Some(Overlay::Help {
                scroll: 0,
                filter: String::new(),
            });
            Vec::new()
        }
        ("ns" | "namespace", Some("all" | "-A" | "*")) | ("ns" | "namespace", None) => {
            state.focus = None;
            rows::refresh(state);
            Vec::new()
        }
        ("ns" | "namespace", Some(ns)) => {
            state.focus = Some(ns.to_string());
            let effects = if state.namespaces.iter().any(|n| n == ns) {
                Vec::new()
            } else {
                state.namespaces.push(ns.to_string());
                vec![Effect::WatchNamespaces(state.namespaces.clone())]
            };
            rows::refresh(state);
            effects
        }
        ("ctx" | "context", Some(_)) if state.connecting.is_some() => {
            let to = state.connecting.as_ref().map_or("", |c| c.context.as_str());
            state.say(format!("already connecting to {to}: wait for it"), true);
            Vec::new()
        }
        ("ctx" | "context", Some(ctx)) => {
            // The connection is made off the UI task: the header says so meanwhile.
            state.connecting = Some(crate::app::state::Connecting {
                context: ctx.to_string(),
                since: state.now,
            });
            vec![Effect::SwitchContext(ctx.to_string())]
        }
        ("incident", Some("end")) => crate::app::incident::end(state),
        ("incident", Some(name)) => crate::app::incident::begin(state, name),
        ("incident", None) => {
            let words = match &state.timeline.incident.open {
                Some(open) => format!(
                    "incident {} open since {} UTC: `:incident end` closes it",
                    open.name,
                    open.began.format("%H:%M:%S")
                ),
                None => format!(
                    "no incident open: `:incident NAME` begins one ({})",
                    crate::timeline::incident::NAME_RULE
                ),
            };
            state.say(words, false);
            Vec::new()
        }
        ("ctx" | "context", None) => {
            let list = if state.contexts.is_empty() {
                "none known".into()
            } else {
                state.contexts.join(", ")
            };
            state.say(format!("contexts: {list}"), false);
            Vec::new()
        }
        (coming, _) if COMING.contains(&coming) => {
            state.say(
                format!(":{verb} is not available in this version yet"),
                true,
            );
            Vec::new()
        }
        _ => {
            state.say(format!(
                    "unknown command `{verb}`: try :overview :rollouts :pods :events :slo :alerts :audit :timeline :ns NAME :ctx NAME"
                ),
                true,
            );
            Vec::new()
        }
    }
}
