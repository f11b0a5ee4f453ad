//! The app's one way out for effects decided while applying data: the guard's jobs, a run to
//! record, a rollout's conclusion, the audit log to read again; and what is due from the state
//! as it now is (a merged log's new streams, the open incident's new entries, the questions
//! asked once per connection). The console's loop runs what `take` hands out; nothing else
//! reaches into the state for effects.

use super::event::Effect;
use super::state::AppState;

/// Everything due now, each once: the audit log is read once however many asked.
pub fn take(state: &mut AppState) -> Vec<Effect> {
    let mut effects: Vec<Effect> = Vec::new();
    for effect in std::mem::take(&mut state.outbox) {
        if matches!(effect, Effect::LoadAudit) && effects.contains(&Effect::LoadAudit) {
            continue;
        }
        effects.push(effect);
    }
    // A workload's new pods, joining its merged log.
    effects.extend(super::logs::to_open(state));
    // The open incident's file takes what the timeline added.
    effects.extend(super::incident::drain(state));
    // What the identity may change, asked once: a viewer is told before planning a change.
    if !state.readonly && !state.rbac_asked {
        state.rbac_asked = true;
        effects.push(Effect::ReadRbac(state.namespaces.clone()));
    }
    if state.validation.history.is_none() && !state.validation.loading {
        state.validation.loading = true;
        effects.push(Effect::LoadValidationHistory);
    }
    effects
}
