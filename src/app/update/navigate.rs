//! An action, applied: what each key's action changes in the state and which effects it asks
//! for. Typing is `keys.rs`; `:` commands are `command.rs`.

use crate::app::action::Action;
use crate::app::details;
use crate::app::event::Effect;
use crate::app::field::TextField;
use crate::app::follow;
use crate::app::logs;
use crate::app::rollout_writes;
use crate::app::rows;
use crate::app::stage::Dialog;
use crate::app::state::{AppState, Input, Overlay, ViewId};
use crate::app::table::Filter;
use crate::app::writes;
use crate::model::view_id::{OnOpen, Order};

pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    let page = state.page.max(1) as isize;
    match action {
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        Action::Help => {
            state.overlay = Some(Overlay::Help {
                scroll: 0,
                filter: String::new(),
            })
        }
        Action::Command => state.input = Some(Input::Command(TextField::default())),
        // A new filter or search starts from what the user types (the one in force stays in the
        // panel's title until enter replaces it): appending to it would silently AND the two.
        Action::Filter => state.input = Some(Input::Filter(TextField::default())),
        Action::OnlyMatching => {
            if let Some(Overlay::Logs(_)) = &state.overlay {
                state.input = Some(Input::OnlyMatching(TextField::default()));
            }
        }
        Action::OlderMatch => logs::jump_to_match(state, true),
        Action::NewerMatch => logs::jump_to_match(state, false),
        Action::Note => state.input = Some(Input::Note(TextField::default())),
        Action::Report => return crate::app::incident::write_report(state),
        Action::Back | Action::Cancel => return back(state),
        Action::Confirm
            if matches!(state.overlay, Some(Overlay::Dialog(Dialog::UndoChooser(_)))) =>
        {
            return rollout_writes::plan_undo(state);
        }
        Action::Confirm
            if matches!(
                state.overlay,
                Some(Overlay::Dialog(Dialog::ConfirmRun { .. }))
            ) =>
        {
            if let Some(Overlay::Dialog(Dialog::ConfirmRun { request, .. })) = state.overlay.take()
            {
                return crate::app::validation_runs::begin(state, *request);
            }
        }
        Action::Confirm => {
            // Changed since the plan: plan again from the object as it is now.
            if let Some(plan) = writes::changed_since_planned(state) {
                return rollout_writes::plan_again(state, &plan);
            }
            return writes::confirm(state);
        }
        Action::Undo => return rollout_writes::open_undo(state),
        Action::RunValidation => return crate::app::validation_runs::start(state, None),
        Action::RunPhase => {
            let phase = crate::app::validation_runs::selected_phase(state);
            return crate::app::validation_runs::start(state, phase);
        }
        Action::StopRun => return crate::app::validation_runs::stop(state),
        Action::View(view) => return switch_view(state, view),
        Action::Silence => return writes::open_silence_form(state),
        Action::Restart => return rollout_writes::plan_restart(state),
        Action::PauseResume => return rollout_writes::plan_pause_or_resume(state),
        Action::Scale => return rollout_writes::open_scale_form(state),
        Action::DeletePod => return rollout_writes::plan_delete_pod(state),
        Action::RestoreDrill => return crate::app::backup_writes::plan_drill(state),
        Action::BackupNow => return crate::app::backup_writes::plan_backup(state),
        Action::Expire => return writes::plan_expiry(state),
        // Opens the details pane; on an open one, takes the step its footer names.
        Action::Details if state.overlay.is_none() && state.view == ViewId::Overview => {
            return details::enter_suspect(state);
        }
        Action::Details => {
            if state.overlay.is_none() && state.view != ViewId::Overview {
                if state.details {
                    return details::enter(state);
                }
                state.details = true;
                // Opening the details again asks for a fresh chart.
                state.slo.history_for = None;
                if state.view == ViewId::Backups {
                    return crate::app::backup_writes::fetch_failed_logs(state);
                }
            }
        }
        Action::Up => scroll(state, -1),
        Action::Down => scroll(state, 1),
        Action::PageUp => page_by(state, -1, page),
        Action::PageDown => page_by(state, 1, page),
        Action::Top => scroll(state, isize::MIN / 2),
        Action::Bottom => scroll(state, isize::MAX / 2),
        Action::NextView => return switch_view(state, state.view.next()),
        Action::PrevView => return switch_view(state, state.view.prev()),
        // Some lists' order is their meaning (worst budget first; critical first; newest
        // first); they do not re-sort.
        Action::Sort | Action::ReverseSort if state.view.facts().order == Order::Fixed => {}
        Action::Sort => {
            let columns = state.view.facts().columns.len().max(1);
            let table = state.table_mut(state.view);
            table.sort_column = (table.sort_column + 1) % columns;
            // A re-sort the person asked for keeps their row under the cursor.
            table.moved = true;
        }
        Action::ReverseSort => {
            let table = state.table_mut(state.view);
            table.reverse = !table.reverse;
            table.moved = true;
        }
        Action::WarningsOnly => state.warnings_only = !state.warnings_only,
        Action::Logs => return logs::open(state),
        Action::Yaml => return super::yaml::open(state),
        Action::Follow => {
            if let Some(Overlay::Logs(l)) = &mut state.overlay {
                l.follow = !l.follow;
                if l.follow {
                    l.scroll = 0;
                }
            } else if state.overlay.is_none() && state.view == ViewId::Rollouts {
                follow::follow_selected(state);
            }
        }
        Action::Timestamps => return logs::reopen(state, |l| l.timestamps = !l.timestamps),
        Action::Wrap => {
            if let Some(Overlay::Logs(l)) = &mut state.overlay {
                l.wrap = !l.wrap;
            }
        }
        Action::Previous => return logs::reopen(state, |l| l.previous = !l.previous),
        Action::Container => {
            if let Some(Overlay::Logs(l)) = &state.overlay
                && l.containers.len() < 2
            {
                let words = format!("{} has one container: {}", l.pod, l.container_name());
                state.say(words, false);
                return Vec::new();
            }
            return logs::reopen(state, |l| {
                l.container = (l.container + 1) % l.containers.len().max(1)
            });
        }
    }
    rows::refresh(state);
    slo_history_effect(state)
}

/// With the SLO view's details open, the selected SLO's chart is fetched once per selection.
fn slo_history_effect(state: &mut AppState) -> Vec<Effect> {
    if state.view != ViewId::Slo || !state.details || state.overlay.is_some() {
        return Vec::new();
    }
    let Some((_, name)) = state.table(ViewId::Slo).selected_key.clone() else {
        return Vec::new();
    };
    if state.slo.history_for.as_deref() == Some(name.as_str()) || state.slo.source.is_empty() {
        return Vec::new();
    }
    state.slo.history_request = state.ids.fresh();
    state.slo.history_for = Some(name.clone());
    state.slo.history = None;
    vec![Effect::FetchSloHistory {
        request: state.slo.history_request,
        slo: name,
    }]
}

fn back(state: &mut AppState) -> Vec<Effect> {
    // A write on its way cannot be called back; its dialog stays until the outcome is shown.
    if let Some(Overlay::Dialog(dialog)) = &state.overlay
        && !dialog.can_close()
    {
        return Vec::new();
    }
    // Esc clears help's search before it closes help.
    if let Some(Overlay::Help { filter, scroll }) = &mut state.overlay
        && !filter.is_empty()
    {
        filter.clear();
        *scroll = 0;
        return Vec::new();
    }
    // Esc clears a search (highlighted or only matching) before it closes the log.
    if let Some(Overlay::Logs(l)) = &mut state.overlay
        && !l.search.is_empty()
    {
        l.search.clear();
        l.filtered = false;
        l.scroll = 0;
        l.follow = true;
        return Vec::new();
    }
    if let Some(overlay) = state.overlay.take() {
        return match overlay {
            Overlay::Logs(_) => vec![Effect::CloseLogs],
            // Closing the checks stops them: nothing is sent, nothing is left running.
            Overlay::Dialog(Dialog::Checking { job, .. }) => vec![Effect::CancelJob(job)],
            _ => Vec::new(),
        };
    }
    if state.details {
        state.details = false;
    } else if !state.table(state.view).filter.is_empty() {
        state.table_mut(state.view).filter = Filter::default();
        rows::refresh(state);
    }
    Vec::new()
}

/// Shows `view`; what it asks for when opened (the audit view reads the log afresh).
pub fn switch_view(state: &mut AppState, view: ViewId) -> Vec<Effect> {
    state.view = view;
    state.overlay = None;
    state.details = false;
    rows::refresh(state);
    match view.facts().on_open {
        OnOpen::Nothing => Vec::new(),
        OnOpen::ReadAuditLog => vec![Effect::LoadAudit],
    }
}

fn scroll(state: &mut AppState, delta: isize) {
    match &mut state.overlay {
        Some(Overlay::Help { scroll, .. })
        | Some(Overlay::Yaml { scroll, .. })
        | Some(Overlay::Report { scroll, .. }) => {
            *scroll = (*scroll as isize + delta).max(0) as usize;
        }
        Some(Overlay::Dialog(Dialog::UndoChooser(_))) => {
            rollout_writes::move_undo_choice(state, delta);
        }
        Some(Overlay::Dialog(_) | Overlay::Follow { .. }) => {}
        Some(Overlay::Logs(l)) => {
            // Up moves back in time; the log view counts from the newest line.
            let shown = if l.filtered {
                l.shown().len()
            } else {
                l.lines.len()
            };
            l.scroll = (l.scroll as isize - delta).clamp(0, shown as isize) as usize;
            l.follow = l.scroll == 0;
        }
        // The Overview's one list: what changed before the page.
        None if state.view == ViewId::Overview => {
            let last = state.rows.suspects.list.len().saturating_sub(1) as isize;
            let at = state.rows.suspect_selected as isize + delta;
            state.rows.suspect_selected = at.clamp(0, last) as usize;
        }
        None => {
            let (view, page) = (state.view, state.page);
            let mut table = std::mem::take(state.table_mut(view));
            table.move_by(delta, &rows::keys(state, view), page);
            *state.table_mut(view) = table;
        }
    }
}

/// A page key: tables move by a page less one row (`TableState::page_by`); the overlays scroll
/// by as much.
fn page_by(state: &mut AppState, pages: isize, page: isize) {
    if state.overlay.is_some() {
        return scroll(state, pages * (page - 1).max(1));
    }
    let (view, rows_on_screen) = (state.view, state.page);
    let mut table = std::mem::take(state.table_mut(view));
    table.page_by(pages, &rows::keys(state, view), rows_on_screen);
    *state.table_mut(view) = table;
}

pub fn apply_filter(state: &mut AppState, text: &str) {
    match &mut state.overlay {
        // A search highlights the lines that match, keeps every line, and moves to the newest
        // match (`n` older, `N` newer), as in less.
        Some(Overlay::Logs(_)) => logs::search(state, text),
        // Help keeps only the lines that mention the text.
        Some(Overlay::Help { scroll, filter }) => {
            *filter = text.to_string();
            *scroll = 0;
        }
        _ => {
            let view = state.view;
            let table = state.table_mut(view);
            table.filter = Filter::parse(text);
            table.selected = 0;
            table.offset = 0;
            table.moved = false;
            rows::refresh(state);
        }
    }
}
