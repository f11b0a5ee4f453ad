//! The console: views, key handling, config files and the real binary in a terminal.

mod alert_views;
mod app;
mod ascii;
mod config_files;
mod e2e;
mod fixture;
mod slo_views;
mod views;
