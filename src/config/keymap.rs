//! Keymaps: one table per view or mode, action names to keys. The built-in default is always the
//! base; a user file (or another built-in such as `vim`) overrides only the actions it names.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use toml::Spanned;

use super::keys::Key;
use crate::model::action::{Action, Mode};
use crate::model::diag::Diagnostic;

/// Built-in keymaps, compiled in from `keymaps/` so the binary runs with no files beside it.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../keymaps/default.toml")),
    ("vim", include_str!("../../keymaps/vim.toml")),
];

const KEY_HELP: &str =
    "write keys like q, G, ctrl-c, alt-x, shift-tab, enter, esc, pgdn, home, f5, space";

/// The bindings in effect: per table, each action's keys in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    tables: BTreeMap<Mode, BTreeMap<Action, Vec<Key>>>,
}

impl Keymap {
    /// The compiled-in default keymap.
    pub fn default_keymap() -> Keymap {
        let (_, text) = BUILTIN[0];
        let mut keymap = Keymap {
            tables: BTreeMap::new(),
        };
        // The shipped file is checked by a test; an error here is a build mistake.
        if let Err(errors) = keymap.overlay(Path::new("keymaps/default.toml"), text) {
            panic!("built-in keymap is invalid: {errors:?}");
        }
        keymap
    }

    /// The default keymap with the file at `path` (whose text is `text`) laid over it.
    pub fn with_overlay(path: &Path, text: &str) -> Result<Keymap, Vec<Diagnostic>> {
        let mut keymap = Keymap::default_keymap();
        keymap.overlay(path, text)?;
        Ok(keymap)
    }

    /// The action `key` triggers in `mode`: the mode's own table first, then the global one.
    pub fn lookup(&self, mode: Mode, key: Key) -> Option<Action> {
        let find = |m: Mode| {
            self.tables.get(&m).and_then(|table| {
                table
                    .iter()
                    .find(|(_, keys)| keys.contains(&key))
                    .map(|(a, _)| *a)
            })
        };
        find(mode).or_else(|| {
            if mode == Mode::Global {
                None
            } else {
                find(Mode::Global)
            }
        })
    }

    /// The keys bound to `action` in `mode`'s table (not the global one).
    pub fn keys(&self, mode: Mode, action: Action) -> &[Key] {
        self.tables
            .get(&mode)
            .and_then(|t| t.get(&action))
            .map_or(&[], Vec::as_slice)
    }

    /// The keys that reach `action` from `mode`: its own table, else the global one.
    pub fn effective_keys(&self, mode: Mode, action: Action) -> Vec<Key> {
        let own = self.keys(mode, action);
        let keys = if own.is_empty() {
            self.keys(Mode::Global, action)
        } else {
            own
        };
        // A key the mode's table rebinds to something else no longer reaches `action`.
        keys.iter()
            .copied()
            .filter(|k| self.lookup(mode, *k) == Some(action))
            .collect()
    }

    /// Every table and its bindings, in file order of tables and actions: the help screen.
    pub fn tables(&self) -> impl Iterator<Item = (Mode, &BTreeMap<Action, Vec<Key>>)> {
        self.tables.iter().map(|(m, t)| (*m, t))
    }

    fn overlay(&mut self, path: &Path, text: &str) -> Result<(), Vec<Diagnostic>> {
        let raw: RawKeymap = toml::from_str(text).map_err(|e| {
            vec![Diagnostic::from_toml(
                path,
                text,
                &e,
                "a keymap is TOML tables ([global], [pods]...) of action = \"key\" or [\"key\", ...]",
            )]
        })?;
        let mut errors = Vec::new();
        // Where this file binds each key, for a conflict found after the tables are merged.
        let mut spans: BTreeMap<(Mode, Key), std::ops::Range<usize>> = BTreeMap::new();
        for (table_name, table) in raw {
            let Some(mode) = Mode::from_name(table_name.get_ref()) else {
                errors.push(Diagnostic::at(
                    path,
                    text,
                    Some(table_name.span()),
                    format!("unknown keymap table `{}`", table_name.get_ref()),
                    format!(
                        "tables are: {}",
                        Mode::all()
                            .iter()
                            .map(|m| m.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
                continue;
            };
            let mut bound_here: BTreeMap<Key, Action> = BTreeMap::new();
            let mut replaced: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
            // File order, so "bound twice" points at the later of the two lines.
            let mut entries: Vec<_> = table.into_inner().into_iter().collect();
            entries.sort_by_key(|(name, _)| name.span().start);
            for (action_name, keys) in entries {
                let Some(action) = Action::from_name(action_name.get_ref()) else {
                    errors.push(unknown_action(
                        path,
                        text,
                        &action_name,
                        table_name.get_ref(),
                    ));
                    continue;
                };
                let mut parsed = Vec::new();
                for key_text in keys_with_spans(keys) {
                    match Key::parse(key_text.get_ref()) {
                        Err(why) => {
                            errors.push(Diagnostic::at(path, text, Some(key_text.span()), why, KEY_HELP))
                        }
                        Ok(key) if action.is_destructive() && key.is_bare_ctrl_chord() => {
                            errors.push(Diagnostic::at(
                                path,
                                text,
                                Some(key_text.span()),
                                format!("`{action}` writes to a server and cannot be bound to the bare chord `{key}`"),
                                "bind it to a plain key or an alt- chord; it always asks for confirmation",
                            ))
                        }
                        Ok(key) => {
                            spans.insert((mode, key), key_text.span());
                            if let Some(other) = bound_here.insert(key, action) {
                                errors.push(Diagnostic::at(
                                    path,
                                    text,
                                    Some(key_text.span()),
                                    format!("key `{key}` is bound twice in [{}]: to `{other}` and to `{action}`", mode.name()),
                                    "a key does one thing per table; remove one of the two bindings",
                                ));
                            }
                            parsed.push(key);
                        }
                    }
                }
                replaced.insert(action, parsed);
            }
            let table = self.tables.entry(mode).or_default();
            // The file wins: a key it binds is taken away from whatever the base bound it to.
            for keys in table.values_mut() {
                keys.retain(|k| !bound_here.contains_key(k));
            }
            table.extend(replaced);
            table.retain(|_, keys| !keys.is_empty());
        }
        errors.extend(self.conflicts(path, text, &spans));
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl Keymap {
    /// A view's table that takes every key of an action a person needs in every view (move,
    /// go back, quit, help, `:`, `/`) leaves that action with no key there: one key, two
    /// meanings in one context, which help could only list once. Said where this file binds
    /// the key (a clash within the built-in tables is the shipped keymap's test's to catch).
    fn conflicts(
        &self,
        path: &Path,
        text: &str,
        spans: &BTreeMap<(Mode, Key), std::ops::Range<usize>>,
    ) -> Vec<Diagnostic> {
        const NEEDED: [Action; 7] = [
            Action::Quit,
            Action::Help,
            Action::Command,
            Action::Filter,
            Action::Back,
            Action::Up,
            Action::Down,
        ];
        let mut errors = Vec::new();
        for mode in Mode::all()
            .into_iter()
            .filter(|m| matches!(m, Mode::View(_)))
        {
            for action in NEEDED {
                if !self.effective_keys(mode, action).is_empty() {
                    continue;
                }
                for key in self.keys(Mode::Global, action) {
                    let Some(taken_by) = self.lookup(mode, *key).filter(|a| *a != action) else {
                        continue;
                    };
                    let Some(span) = spans
                        .get(&(mode, *key))
                        .or_else(|| spans.get(&(Mode::Global, *key)))
                    else {
                        continue;
                    };
                    errors.push(Diagnostic::at(
                        path,
                        text,
                        Some(span.clone()),
                        format!(
                            "key `{key}` in [{}] is `{taken_by}`, which leaves `{action}` with no key there",
                            mode.name()
                        ),
                        format!(
                            "bind `{taken_by}` to another key in [{}], or give `{action}` a second key in [global]",
                            mode.name()
                        ),
                    ));
                }
            }
        }
        errors
    }
}

fn unknown_action(path: &Path, text: &str, name: &Spanned<String>, table: &str) -> Diagnostic {
    let wanted = name.get_ref();
    let actions = Action::all();
    let closest = actions
        .iter()
        .map(|(_, n, _)| (strsim::levenshtein(wanted, n), *n))
        .min()
        .filter(|(distance, _)| *distance <= 3);
    let help = match closest {
        Some((_, n)) => format!("did you mean `{n}`?"),
        None => format!(
            "actions are: {}",
            actions
                .iter()
                .map(|(_, n, _)| *n)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Diagnostic::at(
        path,
        text,
        Some(name.span()),
        format!("unknown action `{wanted}` in [{table}]"),
        help,
    )
}

type RawKeymap = BTreeMap<Spanned<String>, Spanned<BTreeMap<Spanned<String>, Spanned<KeyList>>>>;

/// `"q"` or `["q", "ctrl-c"]`, each key with its place in the file.
struct KeyList(Vec<Spanned<String>>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyListVisitor;
        impl<'de> Visitor<'de> for KeyListVisitor {
            type Value = KeyList;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key such as \"q\" or a list of keys such as [\"q\", \"ctrl-c\"]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyList, E> {
                // A lone string's own span is the value's; the caller's Spanned carries it.
                Ok(KeyList(vec![Spanned::new(0..0, v.to_string())]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<Spanned<String>>()? {
                    keys.push(k);
                }
                Ok(KeyList(keys))
            }
        }
        deserializer.deserialize_any(KeyListVisitor)
    }
}

/// The keys of a binding, each with its place in the file (a lone string gets the value's).
fn keys_with_spans(value: Spanned<KeyList>) -> Vec<Spanned<String>> {
    let span = value.span();
    value
        .into_inner()
        .0
        .into_iter()
        .map(|k| {
            if k.span() == (0..0) {
                Spanned::new(span.clone(), k.into_inner())
            } else {
                k
            }
        })
        .collect()
}

/// The keymap as a Markdown table (view/mode, keys, action): what the README's keybinding
/// section must say, checked by a test so the manual cannot drift from the bindings.
pub fn markdown_table(keymap: &Keymap) -> String {
    let mut out = String::from("| where | keys | action |\n|---|---|---|\n");
    for (mode, table) in keymap.tables() {
        for (action, keys) in table {
            let keys: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                mode.name(),
                keys.join(" "),
                action.description_in(mode)
            ));
        }
    }
    out
}
