//! The ops wing: every change the console makes, on one path, and the long jobs that follow
//! them.
//!
//! A write is a [`plan::WritePlan`] naming its [`plan::Target`] (an Alertmanager, or a
//! Kubernetes object) and what it will send. The dialog walks it through its
//! `app::stage::Dialog` stages (form -> checking -> confirm -> sending -> following -> done, or
//! refused); the [`execute::Executor`] carries it out: read-only refuses it, the audit log's
//! pending line is written and synced before anything is sent, the outcome line after.
//! [`jobs`] runs long operations (following a rollout, a validation run, a drill) with
//! progress and cancellation, without needing the console's state.

pub mod audit;
pub mod check;
pub mod cronrun;
pub mod drill;
pub mod error;
pub mod execute;
pub mod job;
pub mod jobs;
pub mod kube;
pub mod plan;
pub mod revisions;
pub mod rollout;
