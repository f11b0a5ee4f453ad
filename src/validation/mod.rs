//! Phase 9 validation as live, evidenced checks: runbooks of criteria (`runbook`), the words a
//! runbook may use (`vocabulary`), which of them a run includes (`select`), what a check found
//! (`outcome`) and how an answer is judged (`judge`), and the headless `validate` command
//! (`headless`).

pub mod command;
pub mod fetch;
pub mod headless;
pub mod judge;
pub mod outcome;
pub mod runbook;
pub mod select;
pub mod vocabulary;
