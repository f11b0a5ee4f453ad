//! ms5-console: a terminal operations console for the MS5.0 Floor Dashboard on Kubernetes,
//! and the simulated MS5 environment it is demonstrated and tested against.

pub mod alerting;
pub mod app;
pub mod backup;
pub mod cli;
pub mod config;
pub mod console;
pub mod effects;
/// The effect runner's one-shot reads (an object's YAML, a finished Job's log), answered as the
/// app's events: wiring, beside the runner.
pub mod fetch;
pub mod headless;
pub mod model;
pub mod ops;
pub mod sim;
pub mod slo;
pub mod source;
pub mod sources;
pub mod timeline;
pub mod tui;
pub mod ui;
pub mod validation;
