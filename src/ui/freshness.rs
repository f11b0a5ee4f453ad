//! How fresh each watched collection is, in words and a colour role: every panel's title says
//! it, from the watch streams' own health (a quiet cluster is not a stale one).

use chrono::{DateTime, Utc};

use crate::app::event::SourceHealth;
use crate::app::state::AppState;
use crate::model::age::human_age;

/// What the header says when the API server rejects the credentials, with the fix (the console
/// re-reads the kubeconfig itself, so new credentials are picked up without a restart). Short
/// enough to stand whole in an 80-column header.
pub const UNAUTHORIZED: &str = "unauthorized (401): credentials rejected, log in again";

/// One word for all Kubernetes watch streams together, worst first.
pub fn kube_health(state: &AppState) -> (String, &'static str) {
    if let Some(error) = &state.unreachable {
        return (format!("unreachable: {error}"), "critical");
    }
    source_health(state, None, state.now)
}

/// A panel's freshness: where its data comes from and the state of that stream.
pub fn watch_freshness(state: &AppState, kind: Option<&str>) -> (String, &'static str) {
    let (text, role) = source_health(state, kind, state.now);
    (format!("k8s watch: {text}"), role)
}

/// The health of the watch streams of `kind` (None: all kinds): what the panel's title says.
pub fn source_health(
    state: &AppState,
    kind: Option<&str>,
    now: DateTime<Utc>,
) -> (String, &'static str) {
    let streams: Vec<_> = state
        .health
        .iter()
        .filter(|(id, _)| kind.is_none_or(|k| id.kind == k))
        .filter(|(id, _)| {
            id.namespace
                .as_deref()
                .is_none_or(|n| state.shown_namespace(n))
        })
        .collect();
    if streams.is_empty() {
        return ("connecting".into(), "stale");
    }
    // Rejected credentials first: waiting cannot fix them, the person must.
    if streams
        .iter()
        .any(|(_, h)| matches!(h, SourceHealth::Unauthorized { .. }))
    {
        return (UNAUTHORIZED.into(), "critical");
    }
    let reconnecting = streams
        .iter()
        .filter_map(|(_, h)| match h {
            SourceHealth::Reconnecting { since, .. } => Some(*since),
            _ => None,
        })
        .min();
    if let Some(since) = reconnecting {
        return (
            format!(
                "reconnecting since {} ({} ago)",
                since.format("%H:%M:%S"),
                human_age(since, now)
            ),
            "stale",
        );
    }
    let mut forbidden: Vec<&str> = streams
        .iter()
        .filter(|(_, h)| matches!(h, SourceHealth::Forbidden { .. }))
        .map(|(id, _)| id.namespace.as_deref().unwrap_or("cluster"))
        .collect();
    forbidden.dedup();
    if streams
        .iter()
        .any(|(_, h)| matches!(h, SourceHealth::Connecting))
    {
        return ("connecting".into(), "stale");
    }
    if !forbidden.is_empty() {
        return (
            format!("live, forbidden: {}", forbidden.join(",")),
            "warning",
        );
    }
    ("live".into(), "ok")
}
