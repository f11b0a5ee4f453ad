//! The application core: actions and data in, state changes, effects out. No I/O here.

pub mod action;
pub mod alerts;
pub mod backup_writes;
pub mod backups;
pub mod cluster;
pub mod complete;
pub mod details;
pub mod event;
pub mod field;
pub mod follow;
pub mod followed;
pub mod guard;
pub mod ids;
pub mod logs;
pub mod metrics;
pub mod rollout_writes;
pub mod rows;
pub mod state;
pub mod summary;
pub mod table;
pub mod update;
pub mod validation;
pub mod validation_runs;
pub mod view_id;
pub mod writes;
