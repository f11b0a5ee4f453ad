//! Alertmanager API v2: the same tests against a real Alertmanager (Debian's
//! `prometheus-alertmanager`, on a free loopback port with its own storage and no clustering)
//! and against the sim's, which is judged by them.

mod api;
pub mod real;
mod source;
mod write_path;
