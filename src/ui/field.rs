//! A text field as drawn: the text, and the cursor where it is (an accent `_` after the text,
//! or the character under it shown reversed).

use ratatui::style::Modifier;
use ratatui::text::Span;

use super::style::Ui;
use crate::app::field::TextField;

pub fn spans(field: &TextField, ui: &Ui) -> Vec<Span<'static>> {
    let (before, after) = field.split_at_cursor();
    let mut spans = vec![Span::styled(before.to_string(), ui.style("text"))];
    let mut rest = after.chars();
    match rest.next() {
        None => spans.push(Span::styled("_", ui.style("accent"))),
        Some(under) => {
            spans.push(Span::styled(
                under.to_string(),
                ui.style("text").add_modifier(Modifier::REVERSED),
            ));
            spans.push(Span::styled(rest.as_str().to_string(), ui.style("text")));
        }
    }
    spans
}
