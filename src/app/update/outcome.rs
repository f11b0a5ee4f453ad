//! Where outcomes go: a write's answer to its dialog (or the follow pane, or the footer when
//! the dialog was closed), a job's progress and end to the dialog and the run that wait on it.

use crate::app::follow;
use crate::app::stage::Dialog;
use crate::app::state::{AppState, Overlay};
use crate::app::writes;
use crate::ops::error::WriteFailure;
use crate::ops::job::JobEvent;

/// A write's outcome, under its id.
pub fn write(state: &mut AppState, write: String, result: Result<String, WriteFailure>) {
    // The outcome line is in the log now: the timeline reads it from there.
    state.outbox.push(crate::app::event::Effect::LoadAudit);
    // The guard's own pause: its pane says the outcome.
    if crate::app::guard::sent(state, &write, &result) {
        return;
    }
    if let Some(Overlay::Dialog(Dialog::Sending { plan, since })) = &state.overlay
        && plan.write == write
    {
        let (plan, sent) = (plan.clone(), *since);
        // A drill or on-demand backup that started is followed to its end by a job.
        if let (Ok(answer), crate::ops::plan::WriteAction::RunCronJob(_)) = (&result, &plan.action)
        {
            crate::app::backup_writes::follow(state, plan, answer);
            return;
        }
        // A change that starts a rollout is followed: the pane opens on it. So does one
        // whose answer never came: the watch shows whether it happened.
        let followed = match &result {
            Ok(answer) => Some(Ok(format!("done: {answer} · audited as write {write}"))),
            Err(e @ WriteFailure::Unanswered(_)) => {
                Some(Err(format!("{e} · audited as write {write}")))
            }
            Err(_) => None,
        };
        if let (Some(outcome), Some((kind, namespace, name, generation))) =
            (followed, follow::rollout_started_by(&plan))
        {
            let started = follow::Started {
                write: plan.write.clone(),
                action: plan.verb().to_string(),
                target: plan.target_words(),
                parameters: plan.parameters(),
            };
            follow::start(
                state,
                kind,
                &namespace,
                &name,
                Some(generation),
                Some(started),
            );
            // The rollout began when the write was sent, the moment its id names.
            let key = follow::key(kind, &namespace, &name);
            if let Some(f) = state.follow.follows.get_mut(&key) {
                f.started = sent;
            }
            state.overlay = Some(Overlay::Follow {
                key: follow::key(kind, &namespace, &name),
                outcome: Some(outcome),
            });
            return;
        }
        state.overlay = Some(Overlay::Dialog(Dialog::Done { plan, result }));
    } else {
        // The dialog was closed (or another opened): say it in the footer instead.
        let text = match &result {
            Ok(answer) => format!("write {write}: done ({answer})"),
            Err(e) => format!("write {write} failed: {e}"),
        };
        state.say(text, result.is_err());
    }
}

/// A job's progress or end, to the dialog that shows it and to whichever run it ends.
pub fn job(state: &mut AppState, event: JobEvent) {
    match event {
        JobEvent::Progress { job, text } => {
            if let Some(Overlay::Dialog(
                Dialog::Following {
                    job: shown,
                    progress,
                    ..
                }
                | Dialog::Checking {
                    job: shown,
                    findings: progress,
                    ..
                },
            )) = &mut state.overlay
                && *shown == job
            {
                progress.push(text.clone());
            }
            state.jobs.progress.entry(job).or_default().push(text);
        }
        JobEvent::Checked { job, result } => {
            crate::app::validation_runs::checked(state, job, *result)
        }
        JobEvent::Finished { job, outcome } => {
            crate::app::validation_runs::finished(state, job, &outcome);
            writes::checked(state, job, &outcome);
            crate::app::guard::checked(state, job, &outcome);
            crate::app::backup_writes::followed(state, job, &outcome);
            state.jobs.finished.insert(job, outcome);
        }
    }
}
