//! Where the console's files are: the user's config directory and its state directory.

use std::path::PathBuf;

/// Where the console keeps its files, from the XDG variables (never the current directory).
#[derive(Debug, Clone, Default)]
pub struct Dirs {
    /// `$XDG_CONFIG_HOME/ms5-console`
    pub config: Option<PathBuf>,
    /// `$XDG_STATE_HOME/ms5-console`: the log file and the audit log.
    pub state: Option<PathBuf>,
}

impl Dirs {
    pub fn from_env() -> Dirs {
        Dirs {
            config: dirs::config_dir().map(|d| d.join("ms5-console")),
            state: dirs::state_dir().map(|d| d.join("ms5-console")),
        }
    }

    pub fn config_file(&self) -> Option<PathBuf> {
        self.config.as_ref().map(|d| d.join("config.toml"))
    }
}
