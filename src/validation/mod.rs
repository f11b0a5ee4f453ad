//! Phase 9 validation as live, evidenced checks: runbooks of criteria (`runbook`), the words a
//! runbook may use (`vocabulary`), which of them a run includes (`select`), and the headless
//! `validate` command (`headless`).

pub mod headless;
pub mod runbook;
pub mod select;
pub mod vocabulary;
