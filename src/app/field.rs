//! One line of editable text, for every place a person types: the `:` command line, the `/`
//! filter, and every form field. Editing (cursor movement by character and word, home/end,
//! word and line deletion) is `tui-input`'s; `esc` and `ctrl-c` cancel and `enter` submits
//! everywhere, whatever the field.

use std::ops::Deref;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::to_input_request;

/// What a key did to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKey {
    /// The text or the cursor changed (or the key was one the field ignores).
    Edited,
    Submit,
    Cancel,
    /// Not an editing key (tab, arrows up and down): the owner of the field decides.
    Other,
}

#[derive(Debug, Clone, Default)]
pub struct TextField {
    input: Input,
}

impl TextField {
    /// A field holding `text`, the cursor after it.
    pub fn new(text: impl Into<String>) -> TextField {
        TextField {
            input: Input::new(text.into()),
        }
    }

    pub fn text(&self) -> &str {
        self.input.value()
    }

    /// The cursor, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.input.cursor()
    }

    /// The text before and after the cursor, for drawing it.
    pub fn split_at_cursor(&self) -> (&str, &str) {
        let at = self
            .text()
            .char_indices()
            .nth(self.cursor())
            .map_or(self.text().len(), |(i, _)| i);
        self.text().split_at(at)
    }

    pub fn edit(&mut self, event: KeyEvent) -> FieldKey {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        match event.code {
            KeyCode::Esc => return FieldKey::Cancel,
            KeyCode::Char('c') if ctrl => return FieldKey::Cancel,
            KeyCode::Enter => return FieldKey::Submit,
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                return FieldKey::Other;
            }
            _ => {}
        }
        if let Some(request) = to_input_request(&Event::Key(event)) {
            self.input.handle(request);
        }
        FieldKey::Edited
    }

    /// Pasted text (bracketed paste) goes in at the cursor as typed; line breaks become spaces,
    /// since every field is one line.
    pub fn paste(&mut self, text: &str) {
        for c in text.chars() {
            let c = if c == '\n' || c == '\r' || c == '\t' {
                ' '
            } else {
                c
            };
            self.input.handle(tui_input::InputRequest::InsertChar(c));
        }
    }
}

impl Deref for TextField {
    type Target = str;

    fn deref(&self) -> &str {
        self.text()
    }
}

impl PartialEq for TextField {
    fn eq(&self, other: &Self) -> bool {
        self.text() == other.text() && self.cursor() == other.cursor()
    }
}

impl PartialEq<&str> for TextField {
    fn eq(&self, other: &&str) -> bool {
        self.text() == *other
    }
}

impl From<&str> for TextField {
    fn from(text: &str) -> TextField {
        TextField::new(text)
    }
}

impl From<String> for TextField {
    fn from(text: String) -> TextField {
        TextField::new(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(field: &mut TextField, code: KeyCode, modifiers: KeyModifiers) -> FieldKey {
        field.edit(KeyEvent::new(code, modifiers))
    }

    #[test]
    fn edits_at_the_cursor_by_character_word_and_line() {
        let mut f = TextField::new("backend pods");
        key(&mut f, KeyCode::Home, KeyModifiers::NONE);
        key(&mut f, KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(f, "xbackend pods");
        key(&mut f, KeyCode::End, KeyModifiers::NONE);
        key(&mut f, KeyCode::Char('w'), KeyModifiers::CONTROL);
        assert_eq!(f, "xbackend ");
        key(&mut f, KeyCode::Left, KeyModifiers::NONE);
        key(&mut f, KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(f, "xbacken ");
        assert_eq!(f.split_at_cursor(), ("xbacken", " "));
        f.paste("d\nall");
        assert_eq!(f, "xbackend all ");
        key(&mut f, KeyCode::Char('u'), KeyModifiers::CONTROL);
        assert_eq!(f.text().trim(), "");
        assert_eq!(
            key(&mut f, KeyCode::Char('c'), KeyModifiers::CONTROL),
            FieldKey::Cancel
        );
        assert_eq!(
            key(&mut f, KeyCode::Enter, KeyModifiers::NONE),
            FieldKey::Submit
        );
        assert_eq!(
            key(&mut f, KeyCode::Tab, KeyModifiers::NONE),
            FieldKey::Other
        );
    }
}
