//! SLOs against Prometheus: the generated rules checked by the real `promtool` and loaded by a
//! real Prometheus, the sim's Prometheus API compared with a real Prometheus, and bad answers.

mod alert_start;
mod conformance;
mod real;
mod rules;
mod sim_api;
mod source;
