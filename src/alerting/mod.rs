//! Alerting shared by the console and the sim: Alertmanager's matcher syntax and its API v2
//! shapes (no well-kept client crate exists, so typed serde models over reqwest).

pub mod matcher;
pub mod merge;
pub mod model;
