//! ms5-console: a terminal operations console for the MS5.0 Floor Dashboard on Kubernetes,
//! and the simulated MS5 environment it is demonstrated and tested against.
//!
//! The layers, from the bottom. A module imports from its own layer and the ones below, never
//! from above, directly or through another module (`tests/cli/architecture.rs` checks it over
//! every file's transitive imports):
//!
//! 1. domain: `model`, `alerting`, `slo`
//! 2. loading text and reporting positions: `config`
//! 3. reading the world: `source`
//! 4. the write path, lowest of the services: `ops`
//! 5. services: `backup`, `validation`, `timeline`
//! 6. the application core, no I/O: `app`
//! 7. drawing: `ui`
//! 8. wiring: `fetch`, `sources`, `effects`, `headless`, `tui`, `console`, `cli`, `main`
//!
//! `sim` stands apart: it reaches only the domain, and only the wiring (its command) starts it.

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
