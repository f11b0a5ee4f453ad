//! Themes: semantic names (`ok`, `warning`, `critical`, ...) to terminal styles. Views only ever
//! ask for a semantic name, so a theme file is the one place colours are chosen.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use toml::Spanned;

use crate::model::diag::Diagnostic;
use crate::model::file_name::{Found, find, names, not_found};

pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The semantic names a theme sets, with what each is used for (shown in errors).
pub const ROLES: &[(&str, &str)] = &[
    ("text", "ordinary text"),
    ("muted", "secondary text: ages, sources, hints"),
    ("accent", "the active view and highlights"),
    ("title", "panel titles"),
    ("border", "panel borders"),
    ("header", "table column headers"),
    ("selection", "the selected row"),
    ("ok", "healthy, ready, complete"),
    ("warning", "degraded, progressing, warnings"),
    ("critical", "failing, forbidden, errors"),
    ("stale", "data that may be out of date"),
    ("key", "key names in hints"),
    ("gauge", "progress bars"),
];

/// Resolved styles for every role.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<&'static str, Style>,
}

impl Theme {
    pub fn style(&self, role: &str) -> Style {
        self.styles.get(role).copied().unwrap_or_default()
    }

    pub fn text(&self) -> Style {
        self.style("text")
    }
    pub fn muted(&self) -> Style {
        self.style("muted")
    }
    pub fn accent(&self) -> Style {
        self.style("accent")
    }
    pub fn ok(&self) -> Style {
        self.style("ok")
    }
    pub fn warning(&self) -> Style {
        self.style("warning")
    }
    pub fn critical(&self) -> Style {
        self.style("critical")
    }
    pub fn stale(&self) -> Style {
        self.style("stale")
    }

    /// The compiled-in theme called `name`, if there is one.
    pub fn builtin(name: &str) -> Option<Theme> {
        let loader = Loader { user_dir: None };
        loader.load(name).ok()
    }

    /// The compiled-in `default` theme.
    pub fn default_theme() -> Theme {
        match Theme::builtin("default") {
            Some(t) => t,
            // The shipped file is checked by a test; failing here is a build mistake.
            None => panic!("built-in default theme is invalid"),
        }
    }
}

/// Resolves theme names and paths: a value containing `/` or ending in `.toml` is a path;
/// otherwise the user's theme directory, then the built-ins. Never the current directory.
pub struct Loader {
    pub user_dir: Option<PathBuf>,
}

impl Loader {
    pub fn load(&self, name_or_path: &str) -> Result<Theme, Vec<Diagnostic>> {
        let mut chain = Vec::new();
        let mut next = Some((
            name_or_path.to_string(),
            None::<(PathBuf, String, std::ops::Range<usize>)>,
        ));
        // Follow `extends` up to the root (default extends nothing), refusing loops.
        while let Some((wanted, from)) = next.take() {
            let source =
                find(&wanted, self.user_dir.as_deref(), BUILTIN, "theme").map_err(|why| {
                    vec![match &from {
                        Some((path, text, span)) => Diagnostic::at(
                            path,
                            text,
                            Some(span.clone()),
                            why,
                            format!("built-in themes are: {}", names(BUILTIN)),
                        ),
                        None => not_found(&wanted, why, BUILTIN),
                    }]
                })?;
            let (path, text) = match &source {
                Found::File(p, t) => (p.clone(), t.clone()),
                Found::Builtin(n, t) => {
                    (PathBuf::from(format!("themes/{n}.toml")), (*t).to_string())
                }
            };
            let parsed = parse(&path, &text)?;
            if chain.len() > 8 {
                return Err(vec![Diagnostic::at(
                    &path,
                    &text,
                    parsed.extends.as_ref().map(|e| e.span()),
                    "themes extend each other in a loop",
                    "make one of them extend `default`",
                )]);
            }
            next = match &parsed.extends {
                Some(e) => Some((
                    e.get_ref().clone(),
                    Some((path.clone(), text.clone(), e.span())),
                )),
                None if !matches!(source, Found::Builtin("default", _)) => {
                    Some(("default".to_string(), None))
                }
                None => None,
            };
            chain.push(parsed.styles);
        }
        let mut styles = BTreeMap::new();
        // Root first, so each file overrides what it extends.
        for layer in chain.into_iter().rev() {
            styles.extend(layer);
        }
        Ok(Theme {
            name: name_or_path.to_string(),
            styles,
        })
    }
}

/// `--theme`/`--keymap` values with a `/` or a `.toml` ending are paths, the rest names.
pub use crate::model::file_name::is_path;

struct Parsed {
    extends: Option<Spanned<String>>,
    styles: BTreeMap<&'static str, Style>,
}

fn parse(path: &Path, text: &str) -> Result<Parsed, Vec<Diagnostic>> {
    let raw: BTreeMap<Spanned<String>, Spanned<toml::Value>> =
        toml::from_str(text).map_err(|e| {
            vec![Diagnostic::from_toml(
                path,
                text,
                &e,
                "a theme is lines of role = \"style\", e.g. ok = \"green\"",
            )]
        })?;
    let mut errors = Vec::new();
    let mut parsed = Parsed {
        extends: None,
        styles: BTreeMap::new(),
    };
    for (name, value) in raw {
        let span = value.span();
        let string = match value.get_ref() {
            toml::Value::String(s) => s.clone(),
            _ => {
                errors.push(Diagnostic::at(
                    path,
                    text,
                    Some(span),
                    format!("`{}` must be a string", name.get_ref()),
                    "write styles in quotes, e.g. ok = \"bold green\"",
                ));
                continue;
            }
        };
        if name.get_ref() == "extends" {
            parsed.extends = Some(Spanned::new(span, string));
            continue;
        }
        let Some((role, _)) = ROLES.iter().find(|(r, _)| r == name.get_ref()) else {
            errors.push(Diagnostic::at(
                path,
                text,
                Some(name.span()),
                format!("unknown theme role `{}`", name.get_ref()),
                format!(
                    "roles are: extends, {}",
                    ROLES.iter().map(|(r, _)| *r).collect::<Vec<_>>().join(", ")
                ),
            ));
            continue;
        };
        match parse_style(&string) {
            Ok(style) => {
                parsed.styles.insert(role, style);
            }
            Err(why) => errors.push(Diagnostic::at(
                path,
                text,
                Some(span),
                why,
                "colours are ANSI names (red, lightblue, darkgray...), #rrggbb or 0-255; \
                 modifiers are bold, dim, italic, underlined, reversed; `on COLOUR` sets the background",
            )),
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

/// Parses `"bold red on black"`, `"#ff8800"`, `"dim"`, `"reversed"`.
pub fn parse_style(text: &str) -> Result<Style, String> {
    let mut style = Style::default();
    let mut words = text.split_whitespace();
    let mut saw_anything = false;
    while let Some(word) = words.next() {
        saw_anything = true;
        let lower = word.to_ascii_lowercase();
        let modifier = match lower.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            "crossed-out" | "strikethrough" => Some(Modifier::CROSSED_OUT),
            _ => None,
        };
        if let Some(m) = modifier {
            style = style.add_modifier(m);
        } else if lower == "on" {
            let Some(bg) = words.next() else {
                return Err(format!(
                    "`{text}`: `on` must be followed by a background colour"
                ));
            };
            style = style.bg(parse_color(bg)?);
        } else if matches!(lower.as_str(), "none" | "plain") {
        } else {
            style = style.fg(parse_color(word)?);
        }
    }
    if !saw_anything {
        return Err("empty style".to_string());
    }
    Ok(style)
}

fn parse_color(word: &str) -> Result<Color, String> {
    Color::from_str(word).map_err(|_| format!("`{word}` is not a colour"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_parse_words_colours_and_backgrounds() {
        assert_eq!(
            parse_style("bold red on black"),
            Ok(Style::default()
                .fg(Color::Red)
                .bg(Color::Black)
                .add_modifier(Modifier::BOLD))
        );
        assert_eq!(
            parse_style("#ff8800"),
            Ok(Style::default().fg(Color::Rgb(0xff, 0x88, 0)))
        );
        assert_eq!(
            parse_style("dim"),
            Ok(Style::default().add_modifier(Modifier::DIM))
        );
        assert_eq!(
            parse_style("purpel").unwrap_err(),
            "`purpel` is not a colour"
        );
        assert!(parse_style("red on").is_err());
    }

    #[test]
    fn every_builtin_theme_sets_every_role() {
        for (name, _) in BUILTIN {
            let theme = Theme::builtin(name).unwrap_or_else(|| panic!("theme {name} invalid"));
            for (role, _) in ROLES {
                assert!(theme.styles.contains_key(role), "{name} lacks {role}");
            }
        }
    }

    #[test]
    fn mono_uses_no_colour() {
        let mono = Theme::builtin("mono").unwrap();
        for (role, style) in &mono.styles {
            assert!(
                style.fg.is_none() && style.bg.is_none(),
                "mono {role} has colour: {style:?}"
            );
        }
    }
}
