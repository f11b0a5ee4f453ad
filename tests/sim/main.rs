//! The simulated cluster as real clients see it: kubectl (reads, writes, rollouts, auth,
//! policy, the metrics API, bad requests), kube-rs's reflector, the service proxy, each
//! scenario's symptom, replay by seed; and the write path (the ops wing, rollout actions,
//! restore drills and on-demand backups) against it, twin-tested with kubectl.

#[path = "../common/mod.rs"]
mod common;

mod backup_drills;
mod bad_input;
mod determinism;
mod kube_client;
mod kubectl_auth;
mod kubectl_policy;
mod kubectl_read;
mod kubectl_rollout;
mod kubectl_write;
mod metrics_api;
mod ops;
mod rollout_actions;
mod scenarios;
mod service_proxy;
