//! Keys and pasted text: typed into the `:`/`/` line or a form while one is open, else looked
//! up in the keymap and handed to `update` as an action.

use crossterm::event::KeyEvent;

use super::command::run_command;
use super::navigate::{apply_filter, update};
use crate::app::action::Action;
use crate::app::complete;
use crate::app::event::Effect;
use crate::app::field::{FieldKey, TextField};
use crate::app::logs;
use crate::app::rollout_writes;
use crate::app::stage::Dialog;
use crate::app::state::{AppState, Input, Overlay};
use crate::app::writes;
use crate::config::keymap::Keymap;
use crate::config::keys::Key;

/// A key press: typed text while a `:`/`/` line is open, else whatever the keymap says.
pub fn handle_key(state: &mut AppState, keymap: &Keymap, event: KeyEvent) -> Vec<Effect> {
    if state.input.is_some() {
        return edit_input(state, event);
    }
    if let Some(Overlay::Dialog(Dialog::SilenceForm(_))) = &state.overlay {
        return writes::edit_form(state, event);
    }
    if let Some(Overlay::Dialog(Dialog::ScaleForm(_))) = &state.overlay {
        return rollout_writes::edit_scale_form(state, event);
    }
    if let Some(Overlay::Dialog(Dialog::ConfirmChecked { typed: Some(_), .. })) = &state.overlay {
        return writes::edit_typed_confirmation(state, event);
    }
    let Some(key) = Key::from_event(&event) else {
        return Vec::new();
    };
    let action = keymap.lookup(state.mode(), key);
    // A dialog takes only its own keys: a stray `q` or view key must not act behind it. A
    // ctrl chord bound to quit (ctrl-c) still quits: no typing slip makes one.
    let action = match (&state.overlay, action) {
        (Some(Overlay::Dialog(_)), Some(a @ (Action::Confirm | Action::Cancel | Action::Back))) => {
            Some(a)
        }
        // The undo chooser is a list.
        (Some(Overlay::Dialog(Dialog::UndoChooser(_))), Some(a @ (Action::Up | Action::Down))) => {
            Some(a)
        }
        (Some(Overlay::Dialog(_)), Some(Action::Quit)) if key.is_bare_ctrl_chord() => {
            Some(Action::Quit)
        }
        (Some(Overlay::Dialog(_)), _) => None,
        (_, a) => a,
    };
    match action {
        Some(action) => {
            state.flash = None;
            update(state, action)
        }
        None => Vec::new(),
    }
}

fn edit_input(state: &mut AppState, event: KeyEvent) -> Vec<Effect> {
    let Some(input) = state.input.as_mut() else {
        return Vec::new();
    };
    match input.field_mut().edit(event) {
        FieldKey::Cancel => state.input = None,
        FieldKey::Submit => {
            return match state.input.take() {
                Some(Input::Command(cmd)) => run_command(state, &cmd),
                Some(Input::Filter(f)) => {
                    apply_filter(state, &f);
                    Vec::new()
                }
                Some(Input::OnlyMatching(f)) => {
                    logs::only_matching(state, f.text());
                    Vec::new()
                }
                // A note with nothing in it is refused where it is typed: the field stays.
                Some(Input::Note(f)) if f.text().trim().is_empty() => {
                    state.say("a note needs some text (esc to cancel)".into(), true);
                    state.input = Some(Input::Note(f));
                    Vec::new()
                }
                Some(Input::Note(f)) => crate::app::timeline::add_note(state, f.text()),
                None => Vec::new(),
            };
        }
        FieldKey::Other if event.code == crossterm::event::KeyCode::Tab => {
            if let Some(Input::Command(field)) = &state.input {
                let completed = complete::complete(state, field.text());
                state.input = Some(Input::Command(TextField::new(completed)));
            }
        }
        FieldKey::Edited => state.flash = None,
        FieldKey::Other => {}
    }
    Vec::new()
}

/// Pasted text (bracketed paste): into the line or form being typed, else nowhere (a paste is
/// never taken as keys, which could trigger actions).
pub fn handle_paste(state: &mut AppState, text: &str) {
    if let Some(input) = state.input.as_mut() {
        input.field_mut().paste(text);
    } else {
        writes::paste_into_form(state, text);
    }
}
