//! How a view is drawn: its title, its footer's hints and its render function, in one value
//! its own file defines (`VIEW`) and the registry (`views.rs`) lists. What the layers below
//! need of it (names, columns, order, what opening it asks for) is its line in
//! `model/view_id.rs`.

use ratatui::Frame;
use ratatui::layout::Rect;

use super::style::Ui;
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::model::view_id::ViewId;

pub type Render = fn(&mut Frame, Rect, &AppState, &Ui);

pub struct ViewSpec {
    /// Its line in the view table (`model/view_id.rs`).
    pub id: ViewId,
    pub title: &'static str,
    /// For the tab line on a narrow terminal.
    pub short_title: &'static str,
    /// The actions worth a hint in its footer, most useful first; keys come from the keymap.
    pub hints: &'static [Action],
    pub render: Render,
}
