//! The timeline from the app's side: feeding it what arrives in the state (alerts, SLOs, the
//! audit log), the clock, where `enter` takes an entry, what each source could give, and the
//! notes typed with `m`.

use super::cluster::ObjKey;
use super::event::Effect;
use super::state::AppState;
use crate::timeline;

/// Pods that have now been unready past the threshold.
pub fn tick(state: &mut AppState) {
    state.timeline.tick(&state.cluster, state.now);
}

/// One poll of every Alertmanager (already applied to `state.alerts`).
pub fn observe_alerts(state: &mut AppState) {
    let merged = state.alerts.merged();
    state.timeline.observe_alerts(&merged, state.now);
}

/// One Prometheus observation (already in `state.slo.last`).
pub fn observe_slos(state: &mut AppState) {
    let Some(observation) = &state.slo.last else {
        return;
    };
    let statuses: Vec<_> = state
        .slo
        .definitions
        .iter()
        .map(|def| {
            let reading = observation.slos.iter().find(|r| r.name == def.name);
            crate::model::slo_status::status(def, reading)
        })
        .collect();
    let at = observation.at;
    state.timeline.observe_slos(&statuses, at, state.now);
}

/// The audit log as just read.
pub fn observe_audit(state: &mut AppState) {
    if let Some((_, Ok(contents))) = &state.audit.read {
        state.timeline.heard.audit = true;
        let connection = (
            state.connection.context.as_str(),
            state.connection.server.as_str(),
        );
        timeline::console::observe(&mut state.timeline.store, contents, connection, state.now);
    }
}

/// Where `enter` shows an entry's subject: its view and the row's key there.
pub fn jump(entry: &timeline::Entry) -> Option<(super::state::ViewId, ObjKey)> {
    use super::state::ViewId;
    use timeline::SubjectKind;
    let s = &entry.subject;
    let (namespace, name) = (s.namespace.clone(), s.name.clone());
    // The identity an entry's key carries after its kind (`alert/FINGERPRINT@...`).
    let id = |prefix: &str| {
        entry
            .key
            .strip_prefix(prefix)
            .map(|rest| rest.split(['@', '/']).next().unwrap_or(rest).to_string())
    };
    // An audit line is found by its time and its write and phase.
    let audit_line = |phase: &str| {
        let write = entry.key.split('/').nth(1).unwrap_or_default();
        (entry.at.to_rfc3339(), format!("{write} {phase}"))
    };
    if let Some(rest) = entry.key.strip_prefix("event/") {
        let (ns, event) = rest.split_once('/')?;
        return Some((ViewId::Events, (ns.to_string(), event.to_string())));
    }
    match s.kind {
        SubjectKind::Pod => Some((ViewId::Pods, (namespace, name))),
        SubjectKind::Deployment => {
            Some((ViewId::Rollouts, (namespace, format!("Deployment/{name}"))))
        }
        SubjectKind::StatefulSet => {
            Some((ViewId::Rollouts, (namespace, format!("StatefulSet/{name}"))))
        }
        SubjectKind::Node => Some((ViewId::Nodes, (String::new(), name))),
        SubjectKind::Alert => Some((ViewId::Alerts, (String::new(), id("alert/")?))),
        SubjectKind::Silence => Some((ViewId::Silences, (String::new(), name))),
        SubjectKind::Slo => Some((ViewId::Slo, (String::new(), name))),
        SubjectKind::Note | SubjectKind::Read => Some((ViewId::Audit, audit_line("Concluded"))),
        SubjectKind::Write => {
            let phase = entry.key.rsplit('/').next().unwrap_or_default();
            let mut letters = phase.chars();
            let phase = letters
                .next()
                .map(|c| c.to_uppercase().chain(letters).collect::<String>())
                .unwrap_or_default();
            Some((ViewId::Audit, audit_line(&phase)))
        }
        SubjectKind::Job | SubjectKind::Other(_) => None,
    }
}

/// What each source could give, for the view's title: `(words, colour role)`.
pub fn coverage(state: &AppState) -> Vec<(String, &'static str)> {
    let heard = state.timeline.heard;
    let kube = if state.unreachable.is_some() {
        ("k8s: no history (unreachable)".to_string(), "critical")
    } else if heard.kube {
        (
            "k8s: live, rebuilt from objects and Events".to_string(),
            "ok",
        )
    } else {
        ("k8s: connecting".to_string(), "stale")
    };
    let alertmanager = if state.alerts.origins.is_empty() {
        ("alertmanager: not configured".to_string(), "muted")
    } else if !heard.alertmanager {
        ("alertmanager: connecting".to_string(), "stale")
    } else if state
        .alerts
        .origins
        .iter()
        .all(|(_, o)| o.answered.is_none())
    {
        (
            "alertmanager: no history (unreachable)".to_string(),
            "critical",
        )
    } else {
        let failing = state
            .alerts
            .origins
            .iter()
            .filter(|(_, o)| o.failing.is_some() || o.answered.is_none())
            .count();
        match failing {
            0 => ("alertmanager: live".to_string(), "ok"),
            n => (
                format!(
                    "alertmanager: live ({n} of {} unreachable)",
                    state.alerts.origins.len()
                ),
                "warning",
            ),
        }
    };
    let prometheus = if state.slo.source.is_empty() {
        ("prometheus: not configured".to_string(), "muted")
    } else if state.slo.last.is_none() && state.slo.failing.is_some() {
        (
            "prometheus: no history (unreachable)".to_string(),
            "critical",
        )
    } else {
        match &state.timeline.burn_history {
            Some(Ok(_)) => ("prometheus: live, burn history rebuilt".to_string(), "ok"),
            Some(Err(why)) => (
                format!("prometheus: live only, no burn history ({why})"),
                "warning",
            ),
            None if !heard.prometheus => ("prometheus: connecting".to_string(), "stale"),
            None => (
                "prometheus: live, reading burn history".to_string(),
                "stale",
            ),
        }
    };
    let audit = match &state.audit.read {
        Some((_, Ok(_))) => ("audit: read".to_string(), "ok"),
        Some((_, Err(_))) => ("audit: unreadable".to_string(), "critical"),
        None if state.audit.path.is_none() => ("audit: none".to_string(), "muted"),
        None => ("audit: reading".to_string(), "stale"),
    };
    vec![kube, alertmanager, prometheus, audit]
}

/// `m`: a note at the current time, on the timeline at once and in the audit log (so a
/// restarted console has it too).
pub fn add_note(state: &mut AppState, text: &str) -> Vec<Effect> {
    let text = text.trim();
    // Unique even for two notes in one millisecond (a paste and an enter).
    let write = format!(
        "note-{}-{}",
        state.now.timestamp_millis(),
        state.ids.fresh()
    );
    // Who, as the audit log will say it: the local user, and the kube user where it differs.
    let who = match (state.local_user.as_str(), state.connection.user.as_str()) {
        (local, "") => local.to_string(),
        ("", user) => user.to_string(),
        (local, user) if local == user => local.to_string(),
        (local, user) => format!("{local} as {user}"),
    };
    let entry = timeline::console::note(&write, state.now, &who, text);
    state.timeline.store.record(entry, state.now);
    state.say(format!("noted at {}", state.now.format("%H:%M:%S")), false);
    vec![Effect::RecordNote {
        write,
        at: state.now,
        text: text.to_string(),
    }]
}
