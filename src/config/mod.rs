//! Layered configuration: built-in defaults < the user's config file < command-line flags.
//! Themes and keymaps are resolved here too, so `check-config` and start-up see the same files.
//! What the file may say (`schema`), where the files are (`directories`), what is in effect
//! (`settings`) and how it is read and checked (`load`) each have their file.

pub mod directories;
pub mod endpoint;
pub mod keymap;
pub mod keys;
pub mod load;
pub mod schema;
pub mod settings;
pub mod theme;
pub mod user;

use std::time::Duration;

pub use directories::Dirs;
pub use schema::{
    ConfigFile, ContextFile, ContextGuardFile, GuardFile, OneOrMany, OverviewFile, TimelineFile,
};
pub use settings::{ForContext, Overrides, Settings, TimelineSettings};

/// The namespaces watched when neither the config file nor `--namespace` names any.
pub const DEFAULT_NAMESPACES: &[&str] = &["ms5-production", "ms5-staging", "ms5-system"];
/// Where a change is confirmed by typing the object's name, unless the config says otherwise.
pub const DEFAULT_PROTECTED_NAMESPACES: &[&str] = &["ms5-production"];
/// How long the rollout guard keeps watching a rollout after it completed: a bad release often
/// burns only once its pods take traffic.
pub const DEFAULT_GUARD_WATCH_AFTER: Duration = Duration::from_secs(15 * 60);
/// metrics-server's default resolution: reading more often shows nothing new.
pub const DEFAULT_METRICS_INTERVAL: Duration = Duration::from_secs(15);
