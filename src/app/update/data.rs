//! Data from the sources, applied to the state: the one place the world's changes land.

use crate::app::event::{DataEvent, PromEvent, SourceHealth};
use crate::app::follow;
use crate::app::logs;
use crate::app::rollout_writes;
use crate::app::state::{AppState, Overlay};

/// Data from a source. Returns whether anything visible may have changed.
pub fn apply(state: &mut AppState, event: DataEvent) {
    match event {
        DataEvent::Kube(change) => {
            state.unreachable = None;
            crate::app::timeline_state::observe_kube(
                &mut state.timeline,
                &state.cluster,
                &change,
                state.now,
            );
            state.cluster.apply(*change, state.now);
            follow::observe(state);
            logs::join_new_pods(state);
            crate::app::guard::update(state);
        }
        DataEvent::Health(source, health) => {
            if matches!(health, SourceHealth::Live { .. }) {
                state.unreachable = None;
            }
            state.health.insert(source, health);
            state.health_version += 1;
        }
        DataEvent::Unreachable { error } => state.unreachable = Some(error),
        DataEvent::Prometheus(event) => {
            apply_prometheus(state, *event);
            crate::app::guard::update(state);
        }
        DataEvent::Alerts(observation) => {
            state.alerts.apply(*observation);
            crate::app::timeline::observe_alerts(state);
        }
        DataEvent::Audit(contents) => {
            state.audit.read = Some((state.now, contents));
            crate::app::timeline::observe_audit(state);
        }
        DataEvent::Job(event) => super::outcome::job(state, event),
        DataEvent::IncidentWritten(result) => {
            // Said once when it starts failing; the header says it until a write succeeds.
            if let (Err(why), None) = (&result, &state.timeline.incident.error) {
                state.say(format!("incident file not written: {why}"), true);
            }
            state.timeline.incident.error = result.err();
        }
        DataEvent::ReportWritten(result) => match result {
            // Read where it was asked for: a path alone sent people to another terminal.
            Ok((path, text)) => {
                state.say(format!("report written to {}", path.display()), false);
                state.overlay = Some(Overlay::Report {
                    path,
                    lines: text.lines().map(str::to_string).collect(),
                    scroll: 0,
                });
            }
            Err(why) => state.say(format!("report not written: {why}"), true),
        },
        DataEvent::ValidationHistory(read) => {
            let cluster = crate::validation::results::RunCluster {
                context: state.connection.context.clone(),
                server: state.connection.server.clone(),
            };
            state.validation.loaded(read, &cluster)
        }
        DataEvent::Metrics(poll) => state.metrics.apply(*poll),
        DataEvent::Rbac(answers) => state.rbac = Some(answers),
        DataEvent::History {
            namespace,
            name,
            result,
        } => rollout_writes::history_read(state, &namespace, &name, result),
        DataEvent::WriteOutcome { write, result } => super::outcome::write(state, write, result),
        DataEvent::Logs(event) => logs::apply(state, event),
        DataEvent::RunLog {
            namespace,
            job,
            lines,
        } => {
            state.run_logs.insert((namespace, job), lines);
        }
        DataEvent::Yaml { request, text } => {
            if let Some(Overlay::Yaml {
                request: open,
                lines,
                ..
            }) = &mut state.overlay
                && *open == request
            {
                *lines = match text {
                    Ok(t) => t.lines().map(str::to_string).collect(),
                    Err(e) => vec![format!("# cannot fetch: {e}")],
                };
            }
        }
    }
}

fn apply_prometheus(state: &mut AppState, event: PromEvent) {
    match event {
        PromEvent::Observed(Ok(observation)) => {
            state.slo.last = Some(observation);
            state.slo.failing = None;
            state.slo.version += 1;
            crate::app::timeline::observe_slos(state);
        }
        PromEvent::Crossings(read) => state.timeline.observe_crossings(read, state.now),
        PromEvent::Observed(Err(error)) => {
            let since = state.slo.failing.as_ref().map_or(state.now, |(t, _)| *t);
            state.slo.failing = Some((since, error));
            state.slo.version += 1;
        }
        PromEvent::History {
            request,
            slo,
            result,
        } => {
            if request == state.slo.history_request
                && state.slo.history_for.as_deref() == Some(slo.as_str())
            {
                state.slo.history = Some((state.now, result));
            }
        }
    }
}
