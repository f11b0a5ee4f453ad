//! Phase 9 validation as live, evidenced checks: runbooks of criteria (`runbook`), the words a
//! runbook may use (`vocabulary`), which of them a run includes (`select`), the one engine that
//! runs them (`engine`: `kube` criteria over fresh `lists` judged by `predicates`, the others
//! asked with `fetch` and `command` and judged by `judge`), what a check found (`outcome`), the
//! reports (`report`) and the history of runs (`history`); the headless `validate` command is
//! wiring (`headless/validate.rs`).

pub mod command;
pub mod engine;
pub mod fetch;

pub mod history;
pub mod job;
pub mod judge;
pub mod lists;
// What a check found and a run's results are data every layer reads (the job system carries
// them): they live in the domain.
pub use crate::model::validation_outcome as outcome;
pub mod predicates;
pub mod report;
pub use crate::model::validation_results as results;
// What a runbook may say and its parsing are domain data, read by config: in the domain.
pub use crate::model::runbook;
pub mod select;
pub use crate::model::vocabulary;
