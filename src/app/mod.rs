//! The application core: actions and data in, state changes, effects out. No I/O here.

// What a person can ask for and which view is shown are identities every layer names (the
// keymap's file binds them): they live in the domain; these paths stay for the app's callers.
pub use crate::model::action;
pub mod alerts;
pub mod backup_writes;
pub mod backups;
pub mod cluster;
pub mod complete;
pub mod concluded;
pub mod details;
pub mod event;
pub mod field;
pub mod follow;
pub mod followed;
pub mod guard;
pub mod ids;
pub mod incident;
pub mod logs;
pub mod metrics;
pub mod outbox;
pub mod rollout_writes;
pub mod rows;
/// The silence form: what is filled in before there is a plan.
pub mod silence_form;
/// Where a write's dialog stands: form, checking, confirm, sending, following, done.
pub mod stage;
pub mod state;
pub mod summary;
pub mod suspect_list;
pub mod suspects;
pub mod table;
pub mod timeline;
pub mod timeline_state;
pub mod update;
pub mod validation;
pub mod validation_runs;
pub use crate::model::view_id;
pub mod writes;
