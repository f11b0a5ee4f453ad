//! What declares a view: everything the rest of the console needs to know about it, in one
//! value its own file defines (`VIEW`) and the registry (`views.rs`) lists.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::style::Ui;
use crate::app::action::Action;
use crate::app::event::Effect;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;

pub type Render = fn(&mut Frame, Rect, &AppState, &Ui);

/// Whether a person may re-sort the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Sortable,
    /// The order is the meaning (worst budget first, critical first, newest first).
    Fixed,
}

pub struct ViewSpec {
    /// Also its `:` command, its keymap table and its digit key's action name.
    pub id: ViewId,
    pub title: &'static str,
    /// For the tab line on a narrow terminal.
    pub short_title: &'static str,
    /// More `:` names for it, k9s style.
    pub aliases: &'static [&'static str],
    pub columns: &'static [&'static str],
    pub order: Order,
    /// The actions worth a hint in its footer, most useful first; keys come from the keymap.
    pub hints: &'static [Action],
    pub render: Render,
    /// What switching to it asks for (the audit view reads the log afresh).
    pub on_open: Option<fn() -> Effect>,
}

impl ViewSpec {
    /// Whether `word` (typed after `:`) names this view.
    pub fn answers_to(&self, word: &str) -> bool {
        self.id.name() == word || self.aliases.contains(&word)
    }
}
