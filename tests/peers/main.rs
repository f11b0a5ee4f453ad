//! Real peers: Prometheus (the generated rules checked by `promtool` and loaded by a real
//! Prometheus, the sim's Prometheus API compared with it) and Alertmanager (API v2, the same
//! tests against a real one and the sim's), each started by the tests on a free loopback port.

#[path = "../common/mod.rs"]
mod common;

mod alertmanager;
mod prometheus;
