//! Key -> plan for `:backups`' write actions: `d` starts a restore drill (a Job from the
//! database's restore-test CronJob), `b` an on-demand backup (from its backup CronJob). Each is
//! planned from the CronJob as the watch holds it, with what the person should know first
//! (what it restores, a run already going, a stale backup, a suspended CronJob), and goes
//! through the same checks, confirmation and executor as every write.

use super::event::Effect;
use super::rollout_writes::{object, plan_and_check};
use super::state::Overlay;
use super::state::{AppState, ViewId};
use super::writes::refuse_if_readonly;
use crate::app::stage::Dialog;
use crate::backup::figures::{BackupRow, Verdict};
use crate::backup::runs::Outcome;
use crate::ops::cronrun::{CronRun, CronRunKind};
use crate::ops::job::{JobId, JobOutcome, JobSpec};
use crate::ops::plan::WriteAction;
use crate::ops::plan::WritePlan;

/// `d` on a database: a restore drill.
pub fn plan_drill(state: &mut AppState) -> Vec<Effect> {
    plan(state, CronRunKind::Drill)
}

/// `b` on a database: an on-demand backup.
pub fn plan_backup(state: &mut AppState) -> Vec<Effect> {
    plan(state, CronRunKind::Backup)
}

fn plan(state: &mut AppState, kind: CronRunKind) -> Vec<Effect> {
    let what = format!("start {}", kind.words());
    if state.view != ViewId::Backups || refuse_if_readonly(state, &what) {
        return Vec::new();
    }
    let selected = state.table(ViewId::Backups).selected;
    let Some(def) = state.slo.backups.get(selected).cloned() else {
        state.say(format!("{what}: no database configured ([[backup]])"), true);
        return Vec::new();
    };
    let cronjob_name = match kind {
        CronRunKind::Drill => def.restore_test_cronjob.clone(),
        CronRunKind::Backup => Some(def.backup_cronjob.clone()),
    };
    let Some(cronjob_name) = cronjob_name else {
        state.say(
            format!(
                "{what}: {} has no restore-test-cronjob in its [[backup]] table",
                def.name
            ),
            true,
        );
        return Vec::new();
    };
    if !state.namespaces.contains(&def.namespace) {
        state.say(
            format!(
                "{what}: namespace {} is not watched (:ns {} adds it)",
                def.namespace, def.namespace
            ),
            true,
        );
        return Vec::new();
    }
    let key = (def.namespace.clone(), cronjob_name.clone());
    let Some(cronjob) = state.cluster.cronjobs.get(&key).cloned() else {
        state.say(
            format!(
                "{what}: CronJob {}/{cronjob_name} not found, so there is nothing to run",
                def.namespace
            ),
            true,
        );
        return Vec::new();
    };
    let mut run = match CronRun::new(kind, &cronjob, state.now) {
        Ok(run) => run,
        Err(e) => {
            state.say(format!("{what}: {e}"), true);
            return Vec::new();
        }
    };
    let row = crate::app::backups::rows(state).into_iter().nth(selected);
    if let Some(row) = &row {
        run.notes = notes(kind, row, cronjob.spec.as_ref().and_then(|s| s.suspend));
    }
    run.rto = def.rto;
    let target = object(state, "batch/v1", "CronJob", &def.namespace, &cronjob_name);
    plan_and_check(state, target, WriteAction::RunCronJob(run))
}

/// What the plan says before anything else: what a drill restores, and the warnings.
fn notes(kind: CronRunKind, row: &BackupRow, suspended: Option<bool>) -> Vec<String> {
    let mut notes = Vec::new();
    let last = row.figure("last backup");
    if kind == CronRunKind::Drill
        && let Some(last) = last
    {
        notes.push(format!("restores the newest good backup: {}", last.value));
    }
    let runs = match kind {
        CronRunKind::Drill => &row.restores,
        CronRunKind::Backup => &row.backups,
    };
    if let Some(going) = runs.iter().find(|r| r.outcome == Outcome::Running) {
        notes.push(format!(
            "warning: {} {} is already running",
            if going.manual {
                "manual run"
            } else {
                "scheduled run"
            },
            going.name
        ));
    }
    if kind == CronRunKind::Drill
        && let Some(last) = last.filter(|l| l.verdict == Verdict::Breached)
    {
        notes.push(format!(
            "warning: this drill restores a {} old backup ({})",
            last.short, last.judged
        ));
    }
    if suspended == Some(true) {
        notes.push(
            "warning: the CronJob is suspended: its schedule starts nothing; this run is started by hand".into(),
        );
    }
    notes
}

/// The run was created: a job follows it to its end, and the dialog shows what it sees.
pub fn follow(state: &mut AppState, plan: WritePlan, answer: &str) {
    let job = JobId(state.ids.fresh());
    let write = plan.write.clone();
    state.jobs.runs.push(job);
    state.outbox.push(Effect::StartJob {
        job,
        spec: JobSpec::FollowRun(Box::new(plan.clone())),
    });
    state.overlay = Some(Overlay::Dialog(Dialog::Following {
        plan,
        job,
        progress: vec![format!("done: {answer} · audited as write {write}")],
    }));
}

/// A followed run ended: its result on the dialog if it is still open, else in the footer.
pub fn followed(state: &mut AppState, job: JobId, outcome: &JobOutcome) {
    if !state.jobs.runs.contains(&job) {
        return;
    }
    state.jobs.runs.retain(|j| *j != job);
    // Its conclusion is in the audit log now: the drill history reads it from there.
    state.outbox.push(Effect::LoadAudit);
    let open = matches!(
        &state.overlay,
        Some(Overlay::Dialog(Dialog::Following { job: shown, .. })) if *shown == job
    );
    let result = match outcome {
        JobOutcome::Succeeded(words) => Ok(words.clone()),
        // The run failed in the cluster, after the Job was created.
        JobOutcome::Failed(words) => Err(crate::ops::error::WriteFailure::Failed(words.clone())),
        JobOutcome::Cancelled => return,
    };
    if open {
        if let Some(Overlay::Dialog(Dialog::Following { plan, .. })) = state.overlay.take() {
            state.overlay = Some(Overlay::Dialog(Dialog::Done { plan, result }));
        }
    } else {
        let text = match &result {
            Ok(w) => w.clone(),
            Err(e) => e.to_string(),
        };
        state.say(text, result.is_err());
    }
}

/// The runs drill-down opened: the failed runs' log tails are read (the reason a backup failed
/// is in its last lines).
pub fn fetch_failed_logs(state: &mut AppState) -> Vec<Effect> {
    let selected = state.table(ViewId::Backups).selected;
    let Some(row) = crate::app::backups::rows(state).into_iter().nth(selected) else {
        return Vec::new();
    };
    row.backups
        .iter()
        .chain(&row.restores)
        .filter(|r| !r.pruned && matches!(r.outcome, Outcome::Failed { .. }))
        .take(3)
        .map(|r| Effect::FetchRunLog {
            namespace: row.namespace.clone(),
            job: r.name.clone(),
        })
        .collect()
}
