//! The log viewer: a pod's log, or a workload's: all its pods' logs merged as they arrive, each
//! line prefixed with its pod (as stern and kubetail do), pods that appear during a rollout
//! joining the stream.

use std::sync::Arc;

use super::event::{Effect, LogEvent, LogRequest};
use super::state::{
    AppState, LOG_BUFFER_LINES, LOG_LINES_PER_POD, LogsState, Overlay, PodStream, ViewId,
    WorkloadLogs,
};
use crate::model::pod_view::PodRow;
use crate::model::workload::WorkloadRow;

/// Lines asked for when a log view opens.
pub const LOG_TAIL_LINES: i64 = 500;

/// Between a pod's prefix and its line.
pub const POD_SEPARATOR: &str = " │ ";

/// A pod that has a log to read: its containers have started (not pending, not creating).
fn has_log(pod: &PodRow) -> bool {
    pod.unschedulable.is_none()
        && !matches!(
            pod.summary.status.as_str(),
            "Pending" | "ContainerCreating" | "PodInitializing"
        )
}

/// The selected workload's pods with a log, in name order.
fn workload_pods(state: &AppState, w: &WorkloadRow) -> Vec<Arc<PodRow>> {
    let mut pods: Vec<Arc<PodRow>> = state
        .cluster
        .pods
        .items
        .values()
        .filter(|p| w.owns(p) && has_log(p))
        .cloned()
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    pods
}

/// A pod's name without its workload's (`backend-74b8b56b5d-glpwq` -> `74b8-glpwq`; a
/// StatefulSet's `postgres-0` -> `0`): short, and never two pods alike.
pub fn short_name(workload: &str, pod: &str) -> String {
    let rest = pod
        .strip_prefix(workload)
        .and_then(|r| r.strip_prefix('-'))
        .unwrap_or(pod);
    match rest.split_once('-') {
        // A ReplicaSet's hash: its first four say which revision.
        Some((hash, suffix)) if hash.len() > 4 => format!("{}-{suffix}", &hash[..4]),
        _ => rest.to_string(),
    }
}

pub fn open(state: &mut AppState) -> Vec<Effect> {
    if state.view == ViewId::Rollouts {
        let Some(w) = state
            .rows
            .workloads
            .get(state.table(ViewId::Rollouts).selected)
            .cloned()
        else {
            state.say("logs: select a pod or a workload first".into(), true);
            return Vec::new();
        };
        return open_workload(state, &w);
    }
    let pod = match state.view {
        ViewId::Pods => state
            .rows
            .pods
            .get(state.table(ViewId::Pods).selected)
            .cloned(),
        _ => None,
    };
    let Some(pod) = pod else {
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
    let mut logs = LogsState::new(
        session,
        &pod.namespace,
        pod.name.clone(),
        pod.containers.clone(),
    );
    logs.previous = previous;
    // A pod no node took has no container and so no log: say why instead of asking.
    logs.ended = pod
        .unschedulable
        .as_ref()
        .map(|why| format!("no log: not scheduled: {why}"));
    if logs.ended.is_some() {
        state.overlay = Some(Overlay::Logs(logs));
        return Vec::new();
    }
    let request = log_request(&logs, &logs.pod, logs.session);
    state.overlay = Some(Overlay::Logs(logs));
    vec![Effect::CloseLogs, Effect::OpenLogs(request)]
}

/// `l` on a Deployment or StatefulSet: every pod of it with a log, merged.
fn open_workload(state: &mut AppState, w: &WorkloadRow) -> Vec<Effect> {
    let pods = workload_pods(state, w);
    let containers = pods
        .first()
        .map(|p| p.containers.clone())
        .unwrap_or_default();
    let mut logs = LogsState::new(
        state.ids.fresh(),
        &w.namespace,
        format!("{}/{}", kind_word(w.kind), w.name),
        containers,
    );
    logs.workload = Some(WorkloadLogs {
        kind: w.kind,
        name: w.name.clone(),
        ..WorkloadLogs::default()
    });
    let mut effects = vec![Effect::CloseLogs];
    for pod in &pods {
        let session = state.ids.fresh();
        effects.push(Effect::OpenLogs(join(&mut logs, &pod.name, session)));
    }
    if pods.is_empty() {
        logs.ended = Some(format!("no pod of {} has a log yet", w.name));
    }
    state.overlay = Some(Overlay::Logs(logs));
    effects
}

fn kind_word(kind: &str) -> &'static str {
    match kind {
        "StatefulSet" => "sts",
        "DaemonSet" => "ds",
        _ => "deploy",
    }
}

/// Adds `pod` to a merged log under `session`; the request that opens its stream.
fn join(logs: &mut LogsState, pod: &str, session: u64) -> LogRequest {
    let request = log_request(logs, pod, session);
    if let Some(w) = logs.workload.as_mut() {
        w.pods.push(PodStream {
            pod: pod.to_string(),
            short: short_name(&w.name, pod),
            session,
            kept: 0,
            ended: None,
        });
    }
    request
}

/// After the pods changed: a merged log's workload may have new pods with a log (a rollout's
/// new ReplicaSet); their streams join it.
pub fn join_new_pods(state: &mut AppState) {
    let Some(Overlay::Logs(LogsState {
        workload: Some(w),
        namespace,
        ..
    })) = &state.overlay
    else {
        return;
    };
    let (kind, name, namespace) = (w.kind, w.name.clone(), namespace.clone());
    let followed: Vec<String> = w.pods.iter().map(|p| p.pod.clone()).collect();
    let new: Vec<String> = state
        .cluster
        .pods
        .items
        .values()
        .filter(|p| {
            p.namespace == namespace
                && has_log(p)
                && crate::model::workload::owner_workload(p)
                    .is_some_and(|(k, n)| k == kind && n == name)
                && !followed.contains(&p.name)
        })
        .map(|p| p.name.clone())
        .collect();
    for pod in new {
        let session = state.ids.fresh();
        if let Some(Overlay::Logs(l)) = &mut state.overlay {
            let request = join(l, &pod, session);
            l.ended = None;
            if let Some(w) = l.workload.as_mut() {
                w.to_open.push(request);
            }
        }
    }
}

/// The merged log's streams to open, for the effect runner.
pub fn to_open(state: &mut AppState) -> Vec<Effect> {
    match &mut state.overlay {
        Some(Overlay::Logs(LogsState {
            workload: Some(w), ..
        })) => std::mem::take(&mut w.to_open)
            .into_iter()
            .map(Effect::OpenLogs)
            .collect(),
        _ => Vec::new(),
    }
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
    let mut effects = vec![Effect::CloseLogs];
    match l.workload.as_mut() {
        // Every pod's stream again, each under a new session.
        Some(w) => {
            let pods: Vec<String> = w.pods.drain(..).map(|p| p.pod).collect();
            for pod in pods {
                let session = state.ids.fresh();
                if let Some(Overlay::Logs(l)) = &mut state.overlay {
                    effects.push(Effect::OpenLogs(join(l, &pod, session)));
                }
            }
        }
        None => effects.push(Effect::OpenLogs(log_request(l, &l.pod, session))),
    }
    effects
}

fn log_request(l: &LogsState, pod: &str, session: u64) -> LogRequest {
    LogRequest {
        session,
        namespace: l.namespace.clone(),
        pod: pod.to_string(),
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
            keep_bounded(l, None);
            keep_place(l, added);
        }
        LogEvent::Lines { session, lines } => {
            let Some(w) = l.workload.as_mut() else {
                return;
            };
            let Some(at) = w.pods.iter().position(|p| p.session == session) else {
                return;
            };
            let added = lines.len();
            let prefix = format!("{}{POD_SEPARATOR}", w.pods[at].short);
            w.pods[at].kept += added;
            l.lines
                .extend(lines.into_iter().map(|line| format!("{prefix}{line}")));
            keep_bounded(l, Some(at));
            keep_place(l, added);
        }
        LogEvent::Ended { session, reason } if session == l.session => l.ended = Some(reason),
        LogEvent::Ended { session, reason } => {
            if let Some(p) = l
                .workload
                .as_mut()
                .and_then(|w| w.pods.iter_mut().find(|p| p.session == session))
            {
                p.ended = Some(reason);
            }
        }
    }
}

/// Drops the oldest lines past the bounds: the pod's own share in a merged log, then the total.
fn keep_bounded(l: &mut LogsState, pod: Option<usize>) {
    if let (Some(at), Some(w)) = (pod, l.workload.as_mut()) {
        let prefix = format!("{}{POD_SEPARATOR}", w.pods[at].short);
        while w.pods[at].kept > LOG_LINES_PER_POD {
            match l.lines.iter().position(|line| line.starts_with(&prefix)) {
                Some(i) => {
                    l.lines.remove(i);
                    l.dropped += 1;
                }
                None => break,
            }
            w.pods[at].kept -= 1;
        }
    }
    while l.lines.len() > LOG_BUFFER_LINES {
        if let Some(line) = l.lines.pop_front()
            && let Some(w) = l.workload.as_mut()
            && let Some(p) = w
                .pods
                .iter_mut()
                .find(|p| line.starts_with(&format!("{}{POD_SEPARATOR}", p.short)))
        {
            p.kept = p.kept.saturating_sub(1);
        }
        l.dropped += 1;
    }
}

/// Scrolled back: keep the same lines on screen while new ones arrive below (those shown:
/// while a search filters, only new matches move the view).
fn keep_place(l: &mut LogsState, added: usize) {
    if l.follow {
        return;
    }
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
