//! Pure domain logic: plain functions over plain data, shared by the console and the simulator.

/// What a person can ask for (keys become these through the keymap).
pub mod action;
pub mod age;
/// Each database's backup policy (`[[backup]]`), checked where it is written.
pub mod backup_definition;
/// What Prometheus said of a database's backups, per figure.
pub mod backup_reading;
pub mod business;
pub mod columns;
pub mod config_object;
/// Where a file is wrong and how to fix it: every file the console reads reports with it.
pub mod diag;
pub mod file_name;
pub mod float;
pub mod guard;
pub mod node_view;
pub mod pending_alert;
pub mod pod_status;
pub mod pod_view;
pub mod quantity;
pub mod restarts;
pub mod rollout;
/// A Phase 9 runbook: phases of criteria, checked against the vocabulary where written.
pub mod runbook;
pub mod runbook_file;
pub mod slo_status;
pub mod usage;
/// What a validation check found: pass, fail or unknown, with its evidence.
pub mod validation_outcome;
/// A validation run's request, its criteria's results and its report.
pub mod validation_results;
/// Which view is shown: the identity every layer shares.
pub mod view_id;
/// What a runbook may say: check kinds, predicates, parameters.
pub mod vocabulary;
pub mod workload;
