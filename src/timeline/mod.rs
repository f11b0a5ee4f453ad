//! What happened, in order: one line of time merged from the watched objects, the alerts
//! across polls, the SLO burn, and the console's own audit log. Each source's rules turn what
//! it holds into facts dated by the source's own times, so the same rules give the timeline
//! seen live and the one rebuilt by a console started mid-incident; the store keeps one entry
//! per fact, folds repeats, and stays bounded.

pub mod alerts;
pub mod config;
pub mod console;
pub mod entry;
pub mod events;

pub mod incident;
pub mod jobs;
pub mod nodes;
pub mod pods;
pub mod report;
pub mod rollouts;
pub mod slos;
pub mod store;

pub use entry::{Change, Entry, Seen, Severity, Source, Subject, SubjectKind};
pub use store::Timeline;
