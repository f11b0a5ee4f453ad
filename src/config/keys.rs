//! Keys as written in keymap files (`q`, `ctrl-c`, `shift-tab`, `pgdn`, `f5`) and as the
//! terminal reports them.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key with its modifiers, normalised so the file's spelling and the terminal's report
/// compare equal: a character carries its own case (`G` is shift-g), and back-tab is its own key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeName,
    pub ctrl: bool,
    pub alt: bool,
}

/// The key codes a keymap may name; an ordered, hashable mirror of crossterm's `KeyCode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeName {
    Char(char),
    F(u8),
    Esc,
    Enter,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
}

const NAMED: &[(&str, KeyCodeName)] = &[
    ("esc", KeyCodeName::Esc),
    ("enter", KeyCodeName::Enter),
    ("tab", KeyCodeName::Tab),
    ("backtab", KeyCodeName::BackTab),
    ("backspace", KeyCodeName::Backspace),
    ("delete", KeyCodeName::Delete),
    ("del", KeyCodeName::Delete),
    ("insert", KeyCodeName::Insert),
    ("up", KeyCodeName::Up),
    ("down", KeyCodeName::Down),
    ("left", KeyCodeName::Left),
    ("right", KeyCodeName::Right),
    ("home", KeyCodeName::Home),
    ("end", KeyCodeName::End),
    ("pgup", KeyCodeName::PageUp),
    ("pageup", KeyCodeName::PageUp),
    ("pgdn", KeyCodeName::PageDown),
    ("pagedown", KeyCodeName::PageDown),
    ("space", KeyCodeName::Char(' ')),
    ("minus", KeyCodeName::Char('-')),
];

impl Key {
    pub const fn plain(c: char) -> Key {
        Key {
            code: KeyCodeName::Char(c),
            ctrl: false,
            alt: false,
        }
    }

    /// The key a terminal event stands for, or None for keys no keymap can name.
    pub fn from_event(event: &KeyEvent) -> Option<Key> {
        let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
        let alt = event.modifiers.contains(KeyModifiers::ALT);
        let shift = event.modifiers.contains(KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) => KeyCodeName::Char(c),
            KeyCode::F(n) => KeyCodeName::F(n),
            KeyCode::Esc => KeyCodeName::Esc,
            KeyCode::Enter => KeyCodeName::Enter,
            KeyCode::Tab if shift => KeyCodeName::BackTab,
            KeyCode::Tab => KeyCodeName::Tab,
            KeyCode::BackTab => KeyCodeName::BackTab,
            KeyCode::Backspace => KeyCodeName::Backspace,
            KeyCode::Delete => KeyCodeName::Delete,
            KeyCode::Insert => KeyCodeName::Insert,
            KeyCode::Up => KeyCodeName::Up,
            KeyCode::Down => KeyCodeName::Down,
            KeyCode::Left => KeyCodeName::Left,
            KeyCode::Right => KeyCodeName::Right,
            KeyCode::Home => KeyCodeName::Home,
            KeyCode::End => KeyCodeName::End,
            KeyCode::PageUp => KeyCodeName::PageUp,
            KeyCode::PageDown => KeyCodeName::PageDown,
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }

    /// Parses a key as written in a keymap file; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut rest = text;
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        loop {
            // A lone "-" is the minus key, not an empty modifier.
            if rest.len() > 1 {
                if let Some(r) = strip_prefix_ci(rest, "ctrl-") {
                    ctrl = true;
                    rest = r;
                    continue;
                }
                if let Some(r) = strip_prefix_ci(rest, "alt-") {
                    alt = true;
                    rest = r;
                    continue;
                }
                if let Some(r) = strip_prefix_ci(rest, "shift-") {
                    shift = true;
                    rest = r;
                    continue;
                }
            }
            break;
        }
        if rest.is_empty() {
            return Err(format!("`{text}` names modifiers but no key"));
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) => {
                if c.is_control() {
                    return Err(format!("`{text}` is a control character, not a key name"));
                }
                KeyCodeName::Char(if shift { c.to_ascii_uppercase() } else { c })
            }
            _ => {
                let lower = rest.to_ascii_lowercase();
                if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    if !(1..=24).contains(&n) {
                        return Err(format!("`{text}`: function keys go from f1 to f24"));
                    }
                    KeyCodeName::F(n)
                } else if let Some((_, code)) = NAMED.iter().find(|(name, _)| *name == lower) {
                    match (code, shift) {
                        (KeyCodeName::Tab, true) => KeyCodeName::BackTab,
                        (code, _) => *code,
                    }
                } else {
                    return Err(format!("`{text}` is not a key name"));
                }
            }
        };
        Ok(Key { code, ctrl, alt })
    }

    /// True for a control chord on its own (`ctrl-x`): too easy to hit for anything destructive.
    pub fn is_bare_ctrl_chord(&self) -> bool {
        self.ctrl && !self.alt
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeName::Char(' ') => f.write_str("space"),
            KeyCodeName::Char(c) => write!(f, "{c}"),
            KeyCodeName::F(n) => write!(f, "f{n}"),
            KeyCodeName::BackTab => f.write_str("shift-tab"),
            KeyCodeName::PageUp => f.write_str("pgup"),
            KeyCodeName::PageDown => f.write_str("pgdn"),
            other => {
                let name = NAMED
                    .iter()
                    .find(|(_, c)| *c == other)
                    .map_or("?", |(n, _)| n);
                f.write_str(name)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn file_spellings_match_terminal_reports() {
        let cases = [
            ("q", event(KeyCode::Char('q'), KeyModifiers::NONE)),
            ("G", event(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            ("shift-g", event(KeyCode::Char('G'), KeyModifiers::SHIFT)),
            ("ctrl-c", event(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            ("shift-tab", event(KeyCode::BackTab, KeyModifiers::SHIFT)),
            ("pgdn", event(KeyCode::PageDown, KeyModifiers::NONE)),
            ("f5", event(KeyCode::F(5), KeyModifiers::NONE)),
            ("?", event(KeyCode::Char('?'), KeyModifiers::SHIFT)),
        ];
        for (text, ev) in cases {
            assert_eq!(
                Key::parse(text),
                Ok(Key::from_event(&ev).unwrap()),
                "{text}"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for text in [
            "q",
            "ctrl-c",
            "shift-tab",
            "pgdn",
            "pgup",
            "f5",
            "esc",
            "G",
            "space",
            "alt-x",
        ] {
            let key = Key::parse(text).unwrap();
            assert_eq!(key.to_string(), text);
            assert_eq!(Key::parse(&key.to_string()), Ok(key));
        }
    }

    #[test]
    fn bad_names_say_why() {
        assert_eq!(
            Key::parse("ctrl-").unwrap_err(),
            "`ctrl-` names modifiers but no key"
        );
        assert_eq!(
            Key::parse("pagedwn").unwrap_err(),
            "`pagedwn` is not a key name"
        );
        assert_eq!(
            Key::parse("f99").unwrap_err(),
            "`f99`: function keys go from f1 to f24"
        );
        assert_eq!(Key::parse("-"), Ok(Key::plain('-')));
    }
}
