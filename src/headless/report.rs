//! `ms5-console report`: the console's sources started without a screen, read until each has
//! answered once (or a time limit passes: a source that could not be read is said in the
//! report), the timeline rebuilt from what they hold, and the handoff report written. Exit 0:
//! written; 2: could not be, with the reason on stderr and nothing half-written.

use std::process::ExitCode;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc;

use crate::app::event::DataEvent;
use crate::app::state::AppState;
use crate::app::timeline_state::OpenIncident;
use crate::app::update::apply;
use crate::cli::{GlobalArgs, ReportArgs, ReportFormat};
use crate::config::{Dirs, Settings};
use crate::source::connect::{Target, reach};

const BROKEN: u8 = 2;
/// How long the sources get to answer once.
const SETTLE: Duration = Duration::from_secs(30);

fn broken(why: impl std::fmt::Display) -> ExitCode {
    eprintln!("ms5-console report: {why}; nothing was written");
    ExitCode::from(BROKEN)
}

pub async fn run(dirs: &Dirs, global: &GlobalArgs, args: ReportArgs) -> ExitCode {
    let settings = match Settings::load(dirs, &global.overrides()) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!("{errors}");
            return broken("fix the error(s) above");
        }
    };
    let incident = match &args.incident {
        None => None,
        Some(name) => {
            if let Err(why) = crate::timeline::incident::check_name(name) {
                return broken(why);
            }
            let Some(dir) = &settings.incidents else {
                return broken("no state directory to find incidents in");
            };
            let path = crate::timeline::incident::path(dir, name);
            match crate::timeline::incident::read(&path) {
                Ok(found) if found.began.is_some() => Some((found, path)),
                Ok(_) => {
                    return broken(format!(
                        "incident {name}: {} has no begin line",
                        path.display()
                    ));
                }
                Err(e) => {
                    return broken(format!("unknown incident {name}: {}: {e}", path.display()));
                }
            }
        }
    };
    // A path that cannot be written stops it before anything is read.
    if let Some(path) = &args.output
        && let Err(why) = writable(path)
    {
        return broken(why);
    }
    let target = Target {
        kubeconfig: global.kubeconfig.clone(),
        context: settings.context.clone(),
    };
    let connected = match reach(&target).await {
        Ok(c) => c,
        Err(why) => return broken(why),
    };
    let mut state = AppState::new(
        connected.connection.clone(),
        settings.namespaces.clone(),
        true,
        Utc::now(),
    );
    let (tx, mut rx) = mpsc::channel::<DataEvent>(4096);
    let mut sources = crate::sources::Sources::start(&settings, &connected, &mut state, &tx);
    // After the settings' `[timeline] lookback`: `--since` is the window asked for.
    if let Some(since) = args.since {
        state.timeline.store.lookback =
            chrono::Duration::from_std(since).unwrap_or(crate::timeline::store::LOOKBACK);
    }
    // The newest validation results (the failing criteria in "what is wrong now"), as the
    // console reads them at start.
    if let Some(path) = state.validation.history_path.clone() {
        let read = crate::validation::history::read(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()));
        apply(&mut state, DataEvent::ValidationHistory(read));
    }
    if let Some(path) = &settings.audit_log {
        let read = crate::ops::audit::read(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()));
        state.now = Utc::now();
        apply(&mut state, DataEvent::Audit(read));
    }
    let deadline = tokio::time::Instant::now() + SETTLE;
    while !settled(&state) {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(event)) => {
                state.now = Utc::now();
                apply(&mut state, event);
            }
            Ok(None) | Err(_) => break,
        }
    }
    sources.stop();
    state.now = Utc::now();
    crate::app::timeline::tick(&mut state);
    if let Some((found, path)) = &incident
        && let Some(began) = found.began
    {
        state.timeline.incident.open = Some(OpenIncident {
            name: found.name.clone(),
            began,
            path: path.clone(),
        });
    }
    crate::app::rows::refresh(&mut state);
    let mut report = crate::app::incident::build(&state);
    if let Some((found, _)) = &incident {
        crate::timeline::report::merge_incident(&mut report, found);
    }
    let text = match args.format {
        ReportFormat::Markdown => crate::timeline::report::markdown(&report),
        ReportFormat::Json => crate::timeline::report::json(&report) + "\n",
    };
    match &args.output {
        Some(path) => match crate::timeline::report::write_whole(path, &text) {
            Ok(()) => {
                eprintln!("ms5-console report: written to {}", path.display());
                ExitCode::SUCCESS
            }
            Err(why) => broken(why),
        },
        None => {
            use std::io::Write;
            match std::io::stdout().write_all(text.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => broken(format!("cannot write to stdout: {e}")),
            }
        }
    }
}

/// Whether `path` can be written: its directory exists and takes a file.
fn writable(path: &std::path::Path) -> Result<(), String> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    tempfile::NamedTempFile::new_in(dir)
        .map(|_| ())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Every source has answered once: each watched namespace listed, the nodes listed, every
/// Alertmanager polled, Prometheus answered or failed (when configured).
fn settled(state: &AppState) -> bool {
    let c = &state.cluster;
    let listed = |synced: &[Option<String>]| {
        state
            .namespaces
            .iter()
            .all(|ns| synced.contains(&Some(ns.clone())))
    };
    let forbidden_somewhere = state
        .health
        .values()
        .any(|h| matches!(h, crate::app::event::SourceHealth::Forbidden { .. }));
    let kube = forbidden_somewhere
        || (listed(&c.pods.synced)
            && listed(&c.deployments.synced)
            && listed(&c.replicasets.synced)
            && listed(&c.events.synced));
    let alerts = state.alerts.origins.is_empty() || state.timeline.heard.alertmanager;
    let prometheus = state.slo.source.is_empty()
        || state.slo.failing.is_some()
        || (state.timeline.heard.prometheus && state.timeline.burn_history.is_some());
    kube && alerts && prometheus
}
