//! `:backups`' rows from what the console holds: each configured database judged from the
//! watched Jobs and CronJobs, the last good Prometheus poll and the firing alerts. Judged when
//! any of those changes, or the clock moves a second (ages and the verdicts on them move with
//! it), and kept in `state.rows.backups` for the views: drawing a frame judges nothing.

use crate::app::alerts::AlertStanding;
use crate::app::state::{AppState, JudgedFrom};
use crate::backup::BackupDefinition;
use crate::backup::figures::{BackupRow, Inputs, judge};
use crate::model::age::human_age;

/// Judges the rows again if what they are judged from changed since.
pub fn refresh(state: &mut AppState) {
    let from = JudgedFrom {
        versions: [
            state.cluster.jobs.version,
            state.cluster.cronjobs.version,
            state.cluster.pods.version,
            state.slo.version,
            state.alerts.version,
            state.health_version,
        ],
        audit_read: state.audit.read.as_ref().map(|(at, _)| *at),
        second: state.now.timestamp(),
        context: state.connection.context.clone(),
    };
    if state.rows.backups_judged_from.as_ref() == Some(&from) {
        return;
    }
    state.rows.backups = rows(state);
    state.rows.backups_judged_from = Some(from);
}

/// Every configured database's row, in configuration order, judged now.
pub fn rows(state: &AppState) -> Vec<BackupRow> {
    state
        .slo
        .backups
        .iter()
        .map(|def| row(state, def))
        .collect()
}

fn row(state: &AppState, def: &BackupDefinition) -> BackupRow {
    let watched = state.namespaces.contains(&def.namespace);
    // Each figure is tagged with its source; the panel's title says how fresh each source is.
    let kube_source = if watched {
        match jobs_health(state, &def.namespace) {
            (_, "ok") => "k8s".to_string(),
            (text, _) => format!("k8s {}", text.to_uppercase()),
        }
    } else {
        "k8s: not watched".to_string()
    };
    let (metrics_source, metrics_stale) = metrics_tag(state);
    let metrics = state
        .slo
        .last
        .as_ref()
        .and_then(|o| o.backups.iter().find(|b| b.name == def.name));
    let alerts = state
        .rows
        .all_alerts
        .iter()
        .filter(|a| matches!(a.standing, AlertStanding::Active))
        .filter(|a| {
            a.service == def.name && (a.namespace.is_empty() || a.namespace == def.namespace)
        })
        .map(|a| a.alertname.clone())
        .collect();
    let in_ns = |k: &(String, String)| k.0 == def.namespace;
    judge(&Inputs {
        def,
        watched,
        kube_source,
        cronjobs: state
            .cluster
            .cronjobs
            .items
            .iter()
            .filter(|(k, _)| in_ns(k))
            .map(|(_, c)| c.as_ref())
            .collect(),
        jobs: state
            .cluster
            .jobs
            .items
            .iter()
            .filter(|(k, _)| in_ns(k))
            .map(|(_, j)| j.as_ref())
            .collect(),
        metrics,
        metrics_source,
        metrics_stale,
        alerts,
        job_pods: state
            .cluster
            .pods
            .items
            .values()
            .filter(|p| p.namespace == def.namespace)
            .filter_map(|p| {
                let (kind, job) = p.owner.as_ref()?;
                let detail = p.detail.first()?;
                (kind == "Job" && detail.state.starts_with("terminated"))
                    .then(|| (job.clone(), detail.state.clone()))
            })
            .collect(),
        conclusions: state
            .audit
            .records()
            .iter()
            .filter_map(crate::backup::runs::Concluded::of)
            // The audit log is the machine's: only this cluster's drills are this row's.
            .filter(|c| {
                c.context == state.connection.context && c.server == state.connection.server
            })
            .collect(),
        now: state.now,
    })
}

/// The Jobs and CronJobs watches of one namespace, in the words panels use.
fn jobs_health(state: &AppState, namespace: &str) -> (String, &'static str) {
    use crate::app::event::SourceHealth;
    let streams: Vec<&SourceHealth> = state
        .health
        .iter()
        .filter(|(id, _)| {
            (id.kind == "jobs" || id.kind == "cronjobs")
                && id.namespace.as_deref() == Some(namespace)
        })
        .map(|(_, h)| h)
        .collect();
    if streams.is_empty()
        || streams
            .iter()
            .any(|h| matches!(h, SourceHealth::Connecting))
    {
        return ("connecting".into(), "stale");
    }
    if let Some(h) = streams
        .iter()
        .find(|h| !matches!(h, SourceHealth::Live { .. }))
    {
        return match h {
            SourceHealth::Forbidden { .. } => ("forbidden".into(), "warning"),
            SourceHealth::Reconnecting { since, .. } => (
                format!("reconnecting since {}", since.format("%H:%M:%S")),
                "stale",
            ),
            _ => ("unauthorized".into(), "critical"),
        };
    }
    ("live".into(), "ok")
}

/// The tag on metric figures: `prom`, or loud when the last poll failed.
fn metrics_tag(state: &AppState) -> (String, bool) {
    if state.slo.source.is_empty() {
        return ("prom: not configured".into(), false);
    }
    match (&state.slo.last, &state.slo.failing) {
        (Some(_), None) | (None, None) => ("prom".into(), false),
        (Some(o), Some(_)) => (format!("prom STALE {}", human_age(o.at, state.now)), true),
        (None, Some(_)) => ("prom FAILING".into(), true),
    }
}

/// The panel's title: the Jobs watches' and Prometheus' freshness, in the words every panel
/// uses, with the worse colour of the two.
pub fn freshness(state: &AppState) -> (String, &'static str) {
    let namespaces: Vec<&str> = state
        .slo
        .backups
        .iter()
        .map(|d| d.namespace.as_str())
        .filter(|ns| state.namespaces.iter().any(|n| n == ns))
        .collect();
    let (kube, kube_role) = match namespaces.first() {
        Some(ns) => jobs_health(state, ns),
        None => ("not watched".into(), "warning"),
    };
    let (prom, prom_role) = state.slo.freshness(state.now);
    // The address is on the SLO panel; here the age is what matters.
    let prom = prom.replacen(&format!("prometheus {}", state.slo.source), "prometheus", 1);
    let rank = |r: &str| match r {
        "critical" => 3,
        "warning" | "stale" => 2,
        "muted" => 1,
        _ => 0,
    };
    let role = if rank(prom_role) > rank(kube_role) {
        prom_role
    } else {
        kube_role
    };
    (format!("k8s watch: {kube} · {prom}"), role)
}
