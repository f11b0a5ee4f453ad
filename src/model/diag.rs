//! Errors in user files, reported the way compilers do: `path:line:col: error: what`, then
//! `help: how to fix`, so a person can jump straight to the spot.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: String,
}

impl Diagnostic {
    /// A problem at byte `span` of `source` (the text of the file at `path`).
    pub fn at(
        path: &Path,
        source: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Self {
        let (line, column) = span.map_or((1, 1), |s| line_and_column(source, s.start));
        Diagnostic {
            path: path.to_path_buf(),
            line,
            column,
            message: message.into(),
            help: help.into(),
        }
    }

    /// A TOML syntax or shape error, with the parser's own position and words.
    pub fn from_toml(path: &Path, source: &str, error: &toml::de::Error, help: &str) -> Self {
        // The parser's message is already one sentence; keep only its first line (the rest is
        // an excerpt of the file we print ourselves through path:line:col).
        let message = error
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .trim()
            .to_string();
        Diagnostic::at(path, source, error.span(), message, help)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Line 0: not from a file (a command-line flag); there is no position to name.
        if self.line == 0 {
            return write!(
                f,
                "{}: error: {}\n  help: {}",
                self.path.display(),
                self.message,
                self.help
            );
        }
        write!(
            f,
            "{}:{}:{}: error: {}\n  help: {}",
            self.path.display(),
            self.line,
            self.column,
            self.message,
            self.help
        )
    }
}

/// Every problem found in the files in effect, so one run lists them all.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

/// 1-based line and column (in characters) of byte `offset` in `source`.
pub fn line_and_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_lines_and_character_columns() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_and_column(text, 0), (1, 1));
        assert_eq!(line_and_column(text, 6), (2, 1));
        // 'é' is two bytes but one column.
        assert_eq!(line_and_column(text, 10), (2, 4));
    }
}
