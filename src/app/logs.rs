//! The log viewer: which pod a key means (the selected pod, or the most telling pod of a
//! selected workload), the stream it asks for, and the lines that come back.

use std::collections::VecDeque;
use std::sync::Arc;

use super::event::{Effect, LogEvent, LogRequest};
use super::state::{AppState, LOG_BUFFER_LINES, LogsState, Overlay, ViewId};
use crate::model::pod_view::PodRow;

/// Lines asked for when a log view opens.
pub const LOG_TAIL_LINES: i64 = 500;

/// The pod the selection points at: the selected pod, or the first pod of a selected workload.
fn selected_pod(state: &AppState) -> Option<Arc<PodRow>> {
    match state.view {
        ViewId::Pods => state
            .rows
            .pods
            .get(state.table(ViewId::Pods).selected)
            .cloned(),
        ViewId::Rollouts => {
            let w = state
                .rows
                .workloads
                .get(state.table(ViewId::Rollouts).selected)?;
            let mut owned: Vec<&Arc<PodRow>> = state
                .cluster
                .pods
                .items
                .values()
                .filter(|p| w.owns(p))
                .collect();
            // The most telling logs first: a started pod that is not ready (crashing, failing
            // probes), then a ready one; pods still starting have no logs yet.
            let rank = |p: &PodRow| match (p.is_ready(), p.summary.status.as_str()) {
                (false, "Running" | "CrashLoopBackOff" | "Error" | "OOMKilled") => 0,
                (true, _) => 1,
                _ => 2,
            };
            owned.sort_by_key(|p| (rank(p), p.name.clone()));
            owned.first().map(|p| (*p).clone())
        }
        _ => None,
    }
}

pub fn open(state: &mut AppState) -> Vec<Effect> {
    let Some(pod) = selected_pod(state) else {
        state.say("logs: select a pod or a workload first".into(), true);
        return Vec::new();
    };
    let session = state.ids.fresh();
    // A crash-looping pod's current container has nothing to say yet; its previous one does.
    // A finished pod's (a Job's Error, Completed) log is its terminated container's own: it
    // never restarted, and asking for the run before it only answered `previous ... not found`.
    let previous = match pod.summary.status.as_str() {
        "CrashLoopBackOff" => true,
        "Error" => pod.summary.restarts > 0,
        _ => false,
    };
    let logs = LogsState {
        session,
        namespace: pod.namespace.clone(),
        pod: pod.name.clone(),
        containers: pod.containers.clone(),
        container: 0,
        previous,
        follow: true,
        wrap: false,
        lines: VecDeque::new(),
        dropped: 0,
        scroll: 0,
        search: String::new(),
        filtered: false,
        timestamps: false,
        // A pod no node took has no container and so no log: say why instead of asking.
        ended: pod
            .unschedulable
            .as_ref()
            .map(|why| format!("no log: not scheduled: {why}")),
    };
    if logs.ended.is_some() {
        state.overlay = Some(Overlay::Logs(logs));
        return Vec::new();
    }
    let request = log_request(&logs);
    state.overlay = Some(Overlay::Logs(logs));
    vec![Effect::OpenLogs(request)]
}

pub fn reopen(state: &mut AppState, change: impl FnOnce(&mut LogsState)) -> Vec<Effect> {
    let Some(Overlay::Logs(_)) = &state.overlay else {
        return Vec::new();
    };
    let session = state.ids.fresh();
    let Some(Overlay::Logs(l)) = &mut state.overlay else {
        return Vec::new();
    };
    change(l);
    l.session = session;
    l.lines.clear();
    l.dropped = 0;
    l.scroll = 0;
    l.ended = None;
    let request = log_request(l);
    vec![Effect::CloseLogs, Effect::OpenLogs(request)]
}

fn log_request(l: &LogsState) -> LogRequest {
    LogRequest {
        session: l.session,
        namespace: l.namespace.clone(),
        pod: l.pod.clone(),
        container: l.container_name().to_string(),
        previous: l.previous,
        timestamps: l.timestamps,
        tail_lines: LOG_TAIL_LINES,
    }
}

pub fn apply(state: &mut AppState, event: LogEvent) {
    let Some(Overlay::Logs(l)) = &mut state.overlay else {
        return;
    };
    match event {
        LogEvent::Lines { session, lines } if session == l.session => {
            let added = lines.len();
            l.lines.extend(lines);
            while l.lines.len() > LOG_BUFFER_LINES {
                l.lines.pop_front();
                l.dropped += 1;
            }
            // Scrolled back: keep the same lines on screen while new ones arrive below (those
            // shown: while a search filters, only new matches move the view).
            if !l.follow {
                let needle = l.search.to_lowercase();
                let added_shown = if l.filtered {
                    l.lines
                        .iter()
                        .rev()
                        .take(added)
                        .filter(|line| LogsState::matches(line, &needle))
                        .count()
                } else {
                    added
                };
                l.scroll = (l.scroll + added_shown).min(l.lines.len());
            }
        }
        LogEvent::Ended { session, reason } if session == l.session => l.ended = Some(reason),
        _ => {}
    }
}

/// `/text`: highlights the lines that match, keeps every line, and shows the newest match.
pub fn search(state: &mut AppState, text: &str) {
    let Some(Overlay::Logs(l)) = &mut state.overlay else {
        return;
    };
    l.search = text.to_string();
    l.filtered = false;
    l.scroll = 0;
    l.follow = true;
    if !text.is_empty() {
        jump(state, true, true);
    }
}

/// `&text`: only the lines that match are shown (esc shows them all).
pub fn only_matching(state: &mut AppState, text: &str) {
    let Some(Overlay::Logs(l)) = &mut state.overlay else {
        return;
    };
    l.search = text.to_string();
    l.filtered = !text.is_empty();
    l.scroll = 0;
    l.follow = true;
}

/// `n`/`N`: the next match back in time (`older`) or forward, shown as the bottom line.
pub fn jump_to_match(state: &mut AppState, older: bool) {
    jump(state, older, false);
}

fn jump(state: &mut AppState, older: bool, from_end: bool) {
    let Some(Overlay::Logs(l)) = &mut state.overlay else {
        return;
    };
    if l.search.is_empty() {
        state.say("no search: / to search the log".into(), true);
        return;
    }
    let needle = l.search.to_lowercase();
    let shown = l.shown();
    let total = shown.len();
    // The line at the bottom of the pane now: counted from the newest.
    let bottom = total.saturating_sub(1 + l.scroll);
    let found = if from_end {
        (0..total)
            .rev()
            .find(|&i| LogsState::matches(shown[i], &needle))
    } else if older {
        (0..bottom)
            .rev()
            .find(|&i| LogsState::matches(shown[i], &needle))
    } else {
        (bottom + 1..total).find(|&i| LogsState::matches(shown[i], &needle))
    };
    match found {
        Some(i) => {
            l.scroll = total - 1 - i;
            l.follow = l.scroll == 0;
        }
        None => {
            let words = match (from_end, older) {
                (true, _) => format!("no line matches \"{}\"", l.search),
                (false, true) => format!("no older line matches \"{}\"", l.search),
                (false, false) => format!("no newer line matches \"{}\"", l.search),
            };
            state.say(words, true);
        }
    }
}
