//! How a `--theme`, `--keymap` or runbook value is read: a path, or a name looked up in the
//! user's directory, then among the built-ins. One rule for the three, so they resolve alike.

use std::path::{Path, PathBuf};

/// A value with a `/` or ending in `.toml` is a path; anything else is a name.
pub fn is_path(value: &str) -> bool {
    value.contains('/') || value.ends_with(".toml")
}

/// Where a named file was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// Read from this path (given, or in the user's directory).
    File(PathBuf, String),
    /// Compiled in: its name and text.
    Builtin(&'static str, &'static str),
}

/// Resolves `wanted`: a path (which must be readable), else `user_dir/NAME.toml`, else the
/// built-in of that name. `kind` (`theme`, `keymap`, `runbook`) names it in the error.
pub fn find(
    wanted: &str,
    user_dir: Option<&Path>,
    builtins: &'static [(&'static str, &'static str)],
    kind: &str,
) -> Result<Found, String> {
    if is_path(wanted) {
        let path = PathBuf::from(wanted);
        return std::fs::read_to_string(&path)
            .map(|text| Found::File(path, text))
            .map_err(|e| format!("cannot read {kind} file `{wanted}`: {e}"));
    }
    if let Some(dir) = user_dir {
        let path = dir.join(format!("{wanted}.toml"));
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Ok(Found::File(path, text));
        }
    }
    builtins
        .iter()
        .find(|(name, _)| *name == wanted)
        .map(|(name, text)| Found::Builtin(name, text))
        .ok_or_else(|| format!("no {kind} named `{wanted}`"))
}

/// Why `wanted` was not found, as a diagnostic at the value itself, naming the built-ins.
pub fn not_found(wanted: &str, why: String, builtins: &[(&str, &str)]) -> super::diag::Diagnostic {
    super::diag::Diagnostic {
        path: PathBuf::from(wanted),
        line: 1,
        column: 1,
        message: why,
        help: format!("give a path, or one of: {}", names(builtins)),
    }
}

/// The built-ins' names, for help: `default, light, mono`.
pub fn names(builtins: &[(&str, &str)]) -> String {
    builtins
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BUILT: &[(&str, &str)] = &[("default", "built-in text")];

    #[test]
    fn a_user_file_wins_over_the_built_in_and_a_path_must_be_readable() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        assert_eq!(
            find("default", Some(dir.path()), BUILT, "theme"),
            Ok(Found::Builtin("default", "built-in text"))
        );
        std::fs::write(dir.path().join("default.toml"), "user text").expect("written");
        assert_eq!(
            find("default", Some(dir.path()), BUILT, "theme"),
            Ok(Found::File(
                dir.path().join("default.toml"),
                "user text".into()
            ))
        );
        assert_eq!(
            find("nord", Some(dir.path()), BUILT, "theme"),
            Err("no theme named `nord`".into())
        );
        let missing = find("./missing.toml", None, BUILT, "keymap");
        assert!(
            missing
                .as_ref()
                .is_err_and(|e| e.starts_with("cannot read keymap file `./missing.toml`")),
            "{missing:?}"
        );
        assert_eq!(names(BUILT), "default");
    }
}
