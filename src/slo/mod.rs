//! Service level objectives: their definitions (built-in and user), the PromQL they imply, the
//! Prometheus rules generated from them, and the error-budget maths. Pure: no I/O here.

pub mod crossings;
pub mod definition;
pub mod maths;
pub mod queries;
pub mod rules;

pub use definition::SloDefinition;
