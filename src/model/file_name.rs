//! How a `--theme`, `--keymap` or runbook value is read: a path, or a name to look up.

/// A value with a `/` or ending in `.toml` is a path; anything else is a name.
pub fn is_path(value: &str) -> bool {
    value.contains('/') || value.ends_with(".toml")
}
