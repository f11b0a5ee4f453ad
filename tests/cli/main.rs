//! The command line and files. `ms5-console validate` as CI runs it: the runbook in effect listed, narrowed, and refused
//! with every error (exit 2, nothing run) when it is broken (`listing`); run against the sim's
//! scenarios, each failing exactly the criteria its fault breaks, in text, JSON and JUnit that
//! agree (`scenarios`); every way a source can fail is unknown, never a pass (`failures`);
//! `command` criteria (`commands`). And the shape of `src/` itself (`architecture`).

mod architecture;
mod commands;
#[path = "../common/mod.rs"]
mod common;
mod failures;
mod listing;
mod scenarios;

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::Sim;
use serde_json::Value;

pub fn run(args: &[&str]) -> Output {
    // An empty config home, so no file of the developer's own is picked up.
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .args(args)
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("HOME", home.path())
        .output()
        .unwrap()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `validate` against `sim` with `args`, a config home of its own (the history lands in
/// `state`), returning the output.
pub fn validate(sim: &Sim, state: &Path, args: &[&str]) -> Output {
    let kubeconfig = sim.kubeconfig();
    Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .arg("validate")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(args)
        .env("XDG_CONFIG_HOME", state.join("config"))
        .env("XDG_STATE_HOME", state.join("state"))
        .env("HOME", state)
        .output()
        .unwrap()
}

/// The JSON report's results: (id, result) in the runbook's order.
pub fn results(json: &Value) -> Vec<(String, String)> {
    json["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap_or("").to_string(),
                r["result"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub fn ids_with(json: &Value, result: &str) -> Vec<String> {
    results(json)
        .into_iter()
        .filter(|(_, r)| r == result)
        .map(|(id, _)| id)
        .collect()
}

/// Runs `validate --format json` until its failing ids are `wanted` (a scenario's fault takes
/// a while to show), for at most `limit`; returns the last report and exit code.
pub fn until_failing(sim: &Sim, wanted: &[&str], limit: Duration) -> (Value, Option<i32>) {
    let state = tempfile::tempdir().unwrap();
    let start = Instant::now();
    loop {
        let out = validate(sim, state.path(), &["--format", "json"]);
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("JSON report: {e}: {}", text(&out.stderr)));
        if ids_with(&json, "fail") == wanted || start.elapsed() > limit {
            return (json, out.status.code());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}
