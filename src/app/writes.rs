//! Key -> action -> effect for writes: the silence form, the plan, confirmation, and the guard
//! that read-only mode puts in front of all of them. The plans, the dialog's stages and the
//! executor are the ops wing's (`crate::ops`).

use crossterm::event::KeyEvent;

use super::event::Effect;
use super::state::{AppState, Overlay, ViewId};
use crate::app::silence_form::{FormKey, SILENCE_FIELDS, SilenceForm};
use crate::app::stage::Dialog;
use crate::ops::error::WriteFailure;
use crate::ops::job::{JobId, JobOutcome, JobSpec};
use crate::ops::plan::{Target, WriteAction, WritePlan};

/// A key typed into the silence form: edit, cancel, or check it and show the plan.
pub fn edit_form(state: &mut AppState, event: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Dialog(Dialog::SilenceForm(form))) = &mut state.overlay else {
        return Vec::new();
    };
    match form.edit(event) {
        FormKey::Editing => {}
        FormKey::Cancel => state.overlay = None,
        FormKey::Submit => {
            let write = state.ids.write(state.now);
            if let Some(Overlay::Dialog(Dialog::SilenceForm(form))) = &mut state.overlay {
                match form.plan(write, state.now) {
                    Ok(plan) => state.overlay = Some(Overlay::Dialog(Dialog::Confirm(plan))),
                    Err(e) => form.error = Some(e),
                }
            }
        }
    }
    Vec::new()
}

/// A plan on its way to confirmation: its checks run as a job first (a Kubernetes change is
/// dry-run by the server), and the dialog shows them; the job's end moves it on (`checked`).
pub fn check(state: &mut AppState, plan: WritePlan) -> Vec<Effect> {
    let job = JobId(state.ids.fresh());
    state.overlay = Some(Overlay::Dialog(Dialog::Checking {
        plan: plan.clone(),
        job,
        since: state.now,
        findings: Vec::new(),
    }));
    vec![Effect::StartJob {
        job,
        spec: JobSpec::Check(Box::new(plan)),
    }]
}

/// A job ended: if it was the open dialog's checks, the plan goes on to confirmation, or is
/// refused with the reason (nothing was sent either way).
pub fn checked(state: &mut AppState, job: JobId, outcome: &JobOutcome) {
    let Some(Overlay::Dialog(Dialog::Checking {
        plan, job: open, ..
    })) = &state.overlay
    else {
        return;
    };
    if *open != job {
        return;
    }
    let mut plan = plan.clone();
    if let Some(Overlay::Dialog(Dialog::Checking { findings, .. })) = &state.overlay {
        // What the checks found; what they were doing meanwhile ("sending") is not a finding.
        plan.checks = findings
            .iter()
            .filter(|f| !f.ends_with(": sending"))
            .cloned()
            .collect();
    }
    state.overlay = match (outcome, &plan.target) {
        (JobOutcome::Succeeded(_), Target::Kube(object)) => {
            // In a protected namespace the person types the object's name to send.
            let typed = state
                .protected_namespaces
                .contains(&object.namespace)
                .then(crate::app::field::TextField::default);
            Some(Overlay::Dialog(Dialog::ConfirmChecked { plan, typed }))
        }
        (JobOutcome::Succeeded(_), _) => Some(Overlay::Dialog(Dialog::Confirm(plan))),
        (JobOutcome::Failed(reason), _) => Some(Overlay::Dialog(Dialog::Refused {
            plan,
            reason: reason.clone(),
        })),
        (JobOutcome::Cancelled, _) => None,
    };
}

/// A key while a protected namespace's confirmation asks for the object's name: typed into
/// it; `enter` sends only when it matches exactly; `esc` and `ctrl-c` cancel, sending nothing.
pub fn edit_typed_confirmation(state: &mut AppState, event: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Dialog(Dialog::ConfirmChecked {
        plan,
        typed: Some(field),
        ..
    })) = &mut state.overlay
    else {
        return Vec::new();
    };
    match field.edit(event) {
        crate::app::field::FieldKey::Cancel => state.overlay = None,
        crate::app::field::FieldKey::Submit => {
            let name = match &plan.target {
                Target::Kube(object) => object.name.clone(),
                Target::Alertmanager { name, .. } => name.clone(),
            };
            if field.text() == name {
                let plan = plan.clone();
                return send(state, plan);
            }
            state.say(
                format!("type {name} exactly to send, or esc to cancel: nothing was sent"),
                true,
            );
        }
        _ => {}
    }
    Vec::new()
}

/// Pasted text, into the form's focused field.
pub fn paste_into_form(state: &mut AppState, text: &str) {
    match &mut state.overlay {
        Some(Overlay::Dialog(Dialog::SilenceForm(form))) => form.paste(text),
        Some(Overlay::Dialog(Dialog::ScaleForm(form))) => form.field.paste(text),
        Some(Overlay::Dialog(Dialog::ConfirmChecked {
            typed: Some(field), ..
        })) => field.paste(text),
        _ => {}
    }
}

/// `y`/`enter` in a dialog: a confirmed plan is sent; an outcome is dismissed.
pub fn confirm(state: &mut AppState) -> Vec<Effect> {
    match state.overlay.take() {
        Some(Overlay::Dialog(
            Dialog::Confirm(plan)
            | Dialog::ConfirmChecked {
                plan, typed: None, ..
            },
        )) => send(state, plan),
        Some(Overlay::Dialog(Dialog::Done { .. } | Dialog::Refused { .. })) => Vec::new(),
        other => {
            state.overlay = other;
            Vec::new()
        }
    }
}

/// Sends a confirmed plan. Its write id is stamped now, when it is sent, not when it was
/// planned: the id's time, the audit's `pending` line and the followed rollout's `since` are
/// one moment, however long the name took to type.
fn send(state: &mut AppState, mut plan: WritePlan) -> Vec<Effect> {
    plan.write = state.ids.write(state.now);
    state.overlay = Some(Overlay::Dialog(Dialog::Sending {
        plan: plan.clone(),
        since: state.now,
    }));
    vec![Effect::Write(Box::new(plan))]
}

/// The open dialog's plan, when its request failed because the object changed since: the
/// confirm key plans it again.
pub fn changed_since_planned(state: &AppState) -> Option<WritePlan> {
    match &state.overlay {
        Some(Overlay::Dialog(Dialog::Done {
            plan,
            result: Err(WriteFailure::Conflict(_)),
        })) => Some(plan.clone()),
        _ => None,
    }
}

/// Writes are removed in read-only mode; the footer says why nothing happened.
pub fn refuse_if_readonly(state: &mut AppState, what: &str) -> bool {
    if state.readonly {
        state.say(
            format!(
                "read-only: cannot {what} (--readonly, or readonly in config.toml for this context)"
            ),
            true,
        );
    }
    state.readonly
}

/// Where a write about `origins` goes: the first of them, with its address.
fn destination(state: &AppState, origins: &[String]) -> Option<(String, String)> {
    let origin = origins.first()?;
    let address = state
        .alerts
        .origins
        .iter()
        .find(|(n, _)| n == origin)
        .map_or_else(String::new, |(_, o)| o.address.clone());
    Some((origin.clone(), address))
}

/// `s` on an alert: the silence form, matchers prefilled from the alert's labels.
pub fn open_silence_form(state: &mut AppState) -> Vec<Effect> {
    if state.view != ViewId::Alerts || refuse_if_readonly(state, "create a silence") {
        return Vec::new();
    }
    let Some(row) = state
        .rows
        .alerts
        .get(state.table(ViewId::Alerts).selected)
        .cloned()
    else {
        state.say("silence: select an alert first".into(), true);
        return Vec::new();
    };
    let Some((origin, address)) = destination(state, &row.merged.origins) else {
        return Vec::new();
    };
    // Every label but the per-instance ones a silence should outlive.
    let matchers: Vec<String> = row
        .merged
        .alert
        .labels
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "pod" | "instance" | "pod_template_hash"))
        .map(|(k, v)| format!("{k}={v:?}"))
        .collect();
    let mut fields: [_; SILENCE_FIELDS.len()] = Default::default();
    fields[0] = matchers.join(", ").into();
    fields[1] = "2h".into();
    fields[3] = state.alerts.author.as_str().into();
    state.overlay = Some(Overlay::Dialog(Dialog::SilenceForm(SilenceForm {
        origin,
        address,
        fields,
        // The comment is the one field that must be written.
        focus: 2,
        error: None,
    })));
    Vec::new()
}

/// `e` on a silence: the plan to expire it, waiting for confirmation.
pub fn plan_expiry(state: &mut AppState) -> Vec<Effect> {
    if state.view != ViewId::Silences || refuse_if_readonly(state, "expire a silence") {
        return Vec::new();
    }
    let Some(row) = state
        .rows
        .silences
        .get(state.table(ViewId::Silences).selected)
        .cloned()
    else {
        state.say("expire: select a silence first".into(), true);
        return Vec::new();
    };
    if row.silence().status.state == "expired" {
        state.say(
            format!("silence {} has already expired", row.silence().id),
            true,
        );
        return Vec::new();
    }
    let Some((origin, address)) = destination(state, &row.merged.origins) else {
        return Vec::new();
    };
    let write = state.ids.write(state.now);
    state.overlay = Some(Overlay::Dialog(Dialog::Confirm(WritePlan {
        write,
        target: Target::Alertmanager {
            name: origin,
            address,
        },
        action: WriteAction::ExpireSilence {
            id: row.silence().id.clone(),
            matchers: row.matchers.clone(),
            comment: row.silence().comment.clone(),
        },
        checks: Vec::new(),
    })));
    Vec::new()
}
