//! One database's row of `:backups`: each figure from the cluster's Jobs and CronJobs and from
//! Prometheus' gauges, with its source and freshness, judged against the database's policy.
//! Where Kubernetes and a metric disagree, both are shown and the disagreement is named.

use k8s_openapi::api::batch::v1::CronJob;

use super::judge::Judge;
use super::runs::{Concluded, merge, runs_of};
use crate::model::age::human_duration;

pub use super::row::{BackupRow, FigureLine, Inputs, Verdict, next_occurrence};

fn named<'a>(cronjobs: &[&'a CronJob], namespace: &str, name: &str) -> Option<&'a CronJob> {
    cronjobs.iter().copied().find(|c| {
        c.metadata.name.as_deref() == Some(name)
            && c.metadata.namespace.as_deref() == Some(namespace)
    })
}

/// How many rows have been judged since the process started: a test proves frames drawn on
/// unchanged data judge nothing (the rows are judged when their data changes, not per frame).
static JUDGED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn judged_so_far() -> u64 {
    JUDGED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Judges one database's row.
pub fn judge(inputs: &Inputs) -> BackupRow {
    JUDGED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let def = inputs.def;
    let mut problems = Vec::new();
    let mut judge = Judge {
        inputs,
        figures: Vec::new(),
    };
    let backup_cronjob = named(&inputs.cronjobs, &def.namespace, &def.backup_cronjob);
    let restore_cronjob = def
        .restore_test_cronjob
        .as_deref()
        .and_then(|n| named(&inputs.cronjobs, &def.namespace, n));
    let in_ns = || {
        inputs
            .jobs
            .iter()
            .copied()
            .filter(|j| j.metadata.namespace.as_deref() == Some(def.namespace.as_str()))
    };
    let concluded_for = |name: &str| -> Vec<Concluded> {
        let target = format!("cronjob {}/{name}", def.namespace);
        inputs
            .conclusions
            .iter()
            .filter(|c| c.target == target)
            .cloned()
            .collect()
    };
    let backups = merge(
        backup_cronjob
            .map(|c| runs_of(c, in_ns()))
            .unwrap_or_default(),
        &concluded_for(&def.backup_cronjob),
    );
    let restores = merge(
        restore_cronjob
            .map(|c| runs_of(c, in_ns()))
            .unwrap_or_default(),
        &def.restore_test_cronjob
            .as_deref()
            .map(concluded_for)
            .unwrap_or_default(),
    );
    if !inputs.watched {
        problems.push(format!(
            "namespace {} is not watched: :ns {} adds it",
            def.namespace, def.namespace
        ));
    } else {
        if backup_cronjob.is_none() {
            problems.push(format!(
                "CronJob {}/{} not found",
                def.namespace, def.backup_cronjob
            ));
        }
        if let Some(name) = &def.restore_test_cronjob
            && restore_cronjob.is_none()
        {
            problems.push(format!("CronJob {}/{name} not found", def.namespace));
        }
    }
    judge.last_backup(backup_cronjob, &backups);
    judge.last_attempt(&backups);
    judge.wal();
    if let Some(c) = backup_cronjob {
        judge.next_run(c);
    }
    judge.failed_runs(&backups);
    judge.retention();
    judge.replica();
    if def.restore_test_cronjob.is_some() || def.queries.restore_last_success.is_some() {
        judge.last_restore(&restores);
    }
    if inputs.metrics_stale {
        for f in judge
            .figures
            .iter_mut()
            .filter(|f| f.source.contains("prom") && !f.source.contains("k8s"))
        {
            f.verdict = f.verdict.max(Verdict::Warning);
        }
    }
    BackupRow {
        name: def.name.clone(),
        namespace: def.namespace.clone(),
        problems,
        figures: judge.figures,
        alerts: inputs.alerts.clone(),
        backups,
        restores,
        limits: (
            human_duration(def.rpo.as_secs()),
            human_duration(def.wal_lag.as_secs()),
            human_duration(def.drill_every.as_secs()),
        ),
    }
}

#[cfg(test)]
#[path = "figures_tests.rs"]
mod tests;
