//! The effect runner: carries out what `update` asked for (open a log stream, fetch YAML or a
//! chart, send a write, read the audit log, watch other namespaces, switch context, replace
//! rejected credentials, start and cancel jobs). The console loop hands it effects and never
//! does I/O itself; answers come back as `DataEvent`s on the same channel as source data.

use chrono::Utc;
use kube::config::Kubeconfig;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::{Duration, Instant};

use crate::app::event::{Connection, DataEvent, Effect};
use crate::app::state::AppState;
use crate::config::Settings;
use crate::fetch;
use crate::ops::audit::AuditLog;
use crate::ops::job::{JobEvent, JobSpec};
use crate::ops::jobs::JobRunner;
use crate::source::connect::{Connected, Target};
use crate::source::{logs, prometheus as prom_source};
use crate::sources::{Sources, reconnect, switch_context};

/// What a connection being made is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectFor {
    /// `:ctx NAME`: another context of the kubeconfig; the state starts afresh.
    Switch,
    /// A new login after a 401: the kubeconfig read again; the data on screen stays.
    Relogin,
}

/// A connection made (with the kubeconfig read again, for a re-login), or why not.
pub type Connect = (
    ConnectFor,
    color_eyre::Result<(Option<Kubeconfig>, Connected)>,
);

/// Rejected credentials are replaced (kubeconfig re-read) at most this often.
const REAUTH_EVERY: Duration = Duration::from_secs(10);

pub struct EffectRunner<'a> {
    settings: &'a Settings,
    target: Target,
    kubeconfig: Kubeconfig,
    tx: mpsc::Sender<DataEvent>,
    pub sources: Sources,
    /// The open log streams: one pod's, or each pod of a workload's merged log.
    log_tasks: Vec<AbortHandle>,
    workers: JoinSet<()>,
    jobs: JobRunner,
    /// When credentials were last replaced after a 401, so a still-rejected login is retried
    /// calmly rather than in a loop.
    last_reauth: Option<Instant>,
    /// A connection being made off the UI task (`:ctx`, a re-login): connecting can take 15 s
    /// and the screen must go on drawing meanwhile.
    connecting: Option<(ConnectFor, tokio::task::JoinHandle<Connect>)>,
    /// The nodes' pressure conditions as last seen (at which nodes version), to notice a change.
    pressures: (u64, Vec<(String, Vec<String>)>),
}

impl<'a> EffectRunner<'a> {
    pub fn new(
        settings: &'a Settings,
        target: Target,
        kubeconfig: Kubeconfig,
        sources: Sources,
        tx: mpsc::Sender<DataEvent>,
    ) -> EffectRunner<'a> {
        // Jobs report on their own channel; a forwarder puts their events with the rest.
        let (job_tx, mut job_rx) = mpsc::channel::<JobEvent>(256);
        let mut workers = JoinSet::new();
        let forward = tx.clone();
        workers.spawn(async move {
            while let Some(event) = job_rx.recv().await {
                if forward.send(DataEvent::Job(event)).await.is_err() {
                    return;
                }
            }
        });
        EffectRunner {
            settings,
            target,
            kubeconfig,
            tx,
            sources,
            log_tasks: Vec::new(),
            workers,
            jobs: JobRunner::new(job_tx),
            last_reauth: None,
            connecting: None,
            pressures: (u64::MAX, Vec::new()),
        }
    }

    /// After data arrived: a 401 on some watch asks for credentials to be replaced, at most
    /// every `REAUTH_EVERY`.
    pub fn after_data(&mut self, state: &mut AppState) -> Vec<Effect> {
        self.read_metrics_on_pressure(state);
        let mut effects = Vec::new();
        let due = self
            .last_reauth
            .is_none_or(|at| at.elapsed() >= REAUTH_EVERY);
        if state.credentials_rejected() && due {
            self.last_reauth = Some(Instant::now());
            effects.push(Effect::Reauthenticate);
        }
        effects
    }

    /// A node's pressure conditions changed: what the node and its pods use now is the first
    /// question, so the metrics API is read at once rather than at the next interval.
    fn read_metrics_on_pressure(&mut self, state: &AppState) {
        let version = state.cluster.nodes.version;
        if self.pressures.0 == version {
            return;
        }
        let now: Vec<(String, Vec<String>)> = state
            .cluster
            .nodes
            .items
            .values()
            .map(|n| {
                let row = crate::model::node_view::NodeRow::of(n);
                (row.name, row.pressures)
            })
            .filter(|(_, pressures)| !pressures.is_empty())
            .collect();
        if now != self.pressures.1 {
            let _ = self.sources.metrics_nudge.try_send(());
        }
        self.pressures = (version, now);
    }

    /// Carries out `effect`; whatever takes time runs off the UI task and answers as data.
    pub async fn run(&mut self, effect: Effect, state: &mut AppState) {
        let tx = self.tx.clone();
        match effect {
            Effect::Quit => {}
            // A stream joins the open ones (a workload's pods); `CloseLogs` ends them all.
            Effect::OpenLogs(request) => {
                self.log_tasks.push(self.workers.spawn(logs::stream(
                    self.sources.client.clone(),
                    request,
                    tx,
                )));
            }
            Effect::CloseLogs => self.close_logs(),
            Effect::FetchRunLog { namespace, job } => {
                self.workers.spawn(fetch::run_log(
                    self.sources.client.clone(),
                    namespace,
                    job,
                    tx,
                ));
            }
            Effect::FetchYaml(request) => {
                self.workers
                    .spawn(fetch::yaml(self.sources.client.clone(), request, tx));
            }
            Effect::FetchSloHistory { request, slo } => {
                let def = self.settings.slos.iter().find(|d| d.name == slo).cloned();
                if let (Some((endpoint, _)), Some(def)) = (&self.sources.prometheus, def) {
                    self.workers
                        .spawn(prom_source::history(endpoint.clone(), def, request, tx));
                }
            }
            Effect::Write(plan) => {
                let (executor, nudge) = (self.sources.executor.clone(), self.sources.nudge.clone());
                self.workers.spawn(async move {
                    let result = executor.execute(&plan).await;
                    let result = result.map_err(|e| crate::ops::error::WriteFailure::from(&e));
                    // Show the change now rather than at the next poll.
                    let _ = nudge.try_send(());
                    let _ = tx
                        .send(DataEvent::WriteOutcome {
                            write: plan.write.clone(),
                            result,
                        })
                        .await;
                    let _ = tx
                        .send(read_audit(executor.context.audit.as_ref()).await)
                        .await;
                });
            }
            Effect::ReadHistory {
                kind,
                namespace,
                name,
            } => {
                let client = self.sources.client.clone();
                self.workers.spawn(async move {
                    let result = crate::ops::revisions::read(client, kind, &namespace, &name).await;
                    let _ = tx
                        .send(DataEvent::History {
                            namespace,
                            name,
                            result: result.map(Box::new).map_err(|e| e.to_string()),
                        })
                        .await;
                });
            }
            Effect::LoadAudit => {
                let audit = self.sources.executor.context.audit.clone();
                self.workers.spawn(async move {
                    let _ = tx.send(read_audit(audit.as_ref()).await).await;
                });
            }
            Effect::StartJob { job, spec } => match spec {
                JobSpec::Check(plan) => {
                    let executor = self.sources.executor.clone();
                    self.jobs.start(job, move |progress| async move {
                        crate::ops::check::run(&executor, &plan, &progress).await
                    });
                }
                JobSpec::MayPatch(object) => {
                    let executor = self.sources.executor.clone();
                    self.jobs.start(job, move |_| async move {
                        crate::ops::check::may_patch(&executor, &object).await
                    });
                }
                JobSpec::FollowRun(plan) => {
                    let executor = self.sources.executor.clone();
                    self.jobs.start(job, move |progress| async move {
                        crate::ops::drill::follow(&executor, &plan, &progress).await
                    });
                }
                JobSpec::Validate(request) => {
                    let sources = crate::validation::engine::Sources::new(
                        self.settings,
                        Some(crate::validation::engine::Cluster {
                            client: &self.sources.client,
                            config: &self.sources.config,
                            context: &state.connection.context,
                        }),
                        self.target.kubeconfig.as_deref(),
                    );
                    self.jobs.start(job, move |progress| {
                        crate::validation::job::run_job(*request, sources, progress)
                    });
                }
            },
            Effect::ReadRbac(namespaces) => {
                let client = self.sources.client.clone();
                self.workers.spawn(async move {
                    let mut answers = Vec::new();
                    for namespace in namespaces {
                        let answer =
                            crate::ops::check::may_change_workloads(&client, &namespace).await;
                        answers.push((namespace, answer));
                    }
                    let _ = tx.send(DataEvent::Rbac(answers)).await;
                });
            }
            Effect::LoadValidationHistory => {
                let path = state.validation.history_path.clone();
                self.workers.spawn(async move {
                    let read = tokio::task::spawn_blocking(move || match path {
                        None => Err("no validation history (no state directory)".to_string()),
                        Some(path) => crate::validation::history::read(&path)
                            .map_err(|e| format!("cannot read {}: {e}", path.display())),
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                    let _ = tx.send(DataEvent::ValidationHistory(read)).await;
                });
            }
            Effect::RecordValidation { report, stopped } => {
                let path = state.validation.history_path.clone();
                let executor = self.sources.executor.clone();
                self.workers.spawn(async move {
                    let audit = executor.context.audit.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        if let Some(path) = path
                            && let Err(e) = crate::validation::history::append(&path, &report)
                        {
                            tracing::warn!("the validation run was not added to the history: {e}");
                        }
                        executor.record_validation_run(&report, stopped.as_deref());
                    })
                    .await;
                    let _ = tx.send(read_audit(audit.as_ref()).await).await;
                });
            }
            Effect::AppendIncident { path, lines } => {
                self.workers.spawn(async move {
                    let written = tokio::task::spawn_blocking(move || {
                        crate::timeline::incident::append(&path, &lines)
                            .map_err(|e| format!("{}: {e}", path.display()))
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                    let _ = tx.send(DataEvent::IncidentWritten(written)).await;
                });
            }
            Effect::WriteReport {
                report,
                incident,
                path,
            } => {
                self.workers.spawn(async move {
                    let written = tokio::task::spawn_blocking(move || {
                        let mut report = *report;
                        if let Some(file) = incident
                            && let Ok(found) = crate::timeline::incident::read(&file)
                        {
                            crate::timeline::report::merge_incident(&mut report, &found);
                        }
                        let text = crate::timeline::report::markdown(&report);
                        crate::timeline::report::write_whole(&path, &text).map(|()| (path, text))
                    })
                    .await
                    .unwrap_or_else(|e| Err(e.to_string()));
                    let _ = tx.send(DataEvent::ReportWritten(written)).await;
                });
            }
            Effect::RecordNote { write, at, text } => {
                let executor = self.sources.executor.clone();
                self.workers.spawn(async move {
                    let audit = executor.context.audit.clone();
                    let _ = tokio::task::spawn_blocking(move || {
                        executor.record_note(&write, at, &text);
                    })
                    .await;
                    let _ = tx.send(read_audit(audit.as_ref()).await).await;
                });
            }
            Effect::CancelJob(job) => {
                self.jobs.cancel(job);
            }
            Effect::WatchNamespaces(namespaces) => {
                self.sources.watches.abort_all();
                (self.sources.watches, self.sources.metrics_nudge) = crate::sources::cluster_reads(
                    self.sources.client.clone(),
                    &namespaces,
                    self.sources.metrics_interval,
                    tx,
                );
            }
            Effect::SwitchContext(context) => {
                let kubeconfig = self.kubeconfig.clone();
                self.start_connecting(ConnectFor::Switch, async move {
                    let connected = switch_context(&kubeconfig, &context).await;
                    (ConnectFor::Switch, connected.map(|c| (None, c)))
                });
            }
            // The console's own rollout reached its end: its `concluded` audit line, appended
            // and synced off the UI task, as every audit line is.
            Effect::RecordConclusion(c) => {
                let executor = self.sources.executor.clone();
                tokio::task::spawn_blocking(move || {
                    executor.record_conclusion(
                        &c.started.write,
                        &c.started.action,
                        &c.started.target,
                        c.started.parameters,
                        &c.how,
                        c.duration_ms,
                    )
                });
            }
            Effect::Reauthenticate => {
                let context = state.connection.context.clone();
                if self.connecting.is_some() {
                    return;
                }
                state.connecting = Some(crate::app::state::Connecting {
                    context: context.clone(),
                    since: Utc::now(),
                });
                let target = self.target.clone();
                self.start_connecting(ConnectFor::Relogin, async move {
                    let connected = reconnect(&target, &context).await;
                    (ConnectFor::Relogin, connected.map(|(k, c)| (Some(k), c)))
                });
            }
        }
    }

    fn start_connecting(
        &mut self,
        purpose: ConnectFor,
        work: impl std::future::Future<Output = Connect> + Send + 'static,
    ) {
        if let Some((_, old)) = self.connecting.take() {
            old.abort();
        }
        self.connecting = Some((purpose, tokio::spawn(work)));
    }

    /// The connection being made, once it is made or has failed; never, when none is.
    /// Cancel-safe: the console's loop waits on it beside keys and data.
    pub async fn connection(&mut self) -> Connect {
        let Some((purpose, task)) = &mut self.connecting else {
            return std::future::pending().await;
        };
        let purpose = *purpose;
        let done = task.await;
        self.connecting = None;
        done.unwrap_or_else(|e| {
            (
                purpose,
                Err(color_eyre::eyre::eyre!("connecting failed: {e}")),
            )
        })
    }

    /// A connection made or failed: the sources start on it (for `:ctx`, on a fresh state).
    /// `queued` is the data channel's receiver: a context switch empties it, so the old
    /// cluster's data cannot land in the new state.
    pub fn connected(
        &mut self,
        done: Connect,
        state: &mut AppState,
        queued: &mut mpsc::Receiver<DataEvent>,
    ) {
        let asked = state.connecting.take();
        match done {
            (ConnectFor::Switch, Ok((_, connected))) => {
                self.sources.stop();
                while queued.try_recv().is_ok() {}
                *state = fresh_state(state, connected.connection.clone());
                state.unreachable = connected.unreachable.clone();
                self.sources = Sources::start(self.settings, &connected, state, &self.tx);
            }
            (ConnectFor::Switch, Err(e)) => {
                let to = asked.map(|c| c.context).unwrap_or_default();
                state.say(format!("not connected to {to}: {e}"), true);
            }
            (ConnectFor::Relogin, Ok((fresh, connected))) => {
                if let Some(fresh) = fresh {
                    self.kubeconfig = fresh;
                }
                self.sources.stop();
                let slo = std::mem::take(&mut state.slo);
                let alerts = std::mem::take(&mut state.alerts);
                self.sources = Sources::start(self.settings, &connected, state, &self.tx);
                // Restarting the pollers must not blank what they last saw.
                state.slo = slo;
                state.alerts = alerts;
                // A new login may be another identity: what it may change is asked again.
                state.rbac_asked = false;
            }
            (ConnectFor::Relogin, Err(e)) => {
                tracing::warn!("re-reading the kubeconfig after a 401 failed: {e:#}");
                state.say(
                    format!("credentials rejected; re-reading the kubeconfig failed: {e}"),
                    true,
                );
            }
        }
    }

    fn close_logs(&mut self) {
        for old in self.log_tasks.drain(..) {
            old.abort();
        }
    }

    pub fn stop(&mut self) {
        if let Some((_, task)) = self.connecting.take() {
            task.abort();
        }
        self.sources.stop();
        self.jobs.stop_all();
        self.workers.abort_all();
    }
}

/// The audit log as it is now, for `:audit`.
async fn read_audit(audit: Option<&AuditLog>) -> DataEvent {
    let Some(audit) = audit else {
        return DataEvent::Audit(Err(
            "no audit log (no state directory): give --audit-log PATH".into(),
        ));
    };
    let path = audit.path.clone();
    let read = tokio::task::spawn_blocking(move || crate::ops::audit::read(&path)).await;
    DataEvent::Audit(match read {
        Ok(Ok(contents)) => Ok(contents),
        Ok(Err(e)) => Err(format!("cannot read {}: {e}", audit.path.display())),
        Err(e) => Err(e.to_string()),
    })
}

/// A new state for another cluster, keeping what the user chose (view, namespaces).
fn fresh_state(old: &AppState, connection: Connection) -> AppState {
    let mut state = AppState::new(connection, old.namespaces.clone(), old.readonly, Utc::now());
    state.contexts = old.contexts.clone();
    state.view = old.view;
    state.page = old.page;
    // Following watches the old cluster's objects: it ends, and says so.
    let followed = old
        .follow
        .follows
        .values()
        .filter(|f| f.end.is_none())
        .count();
    if followed > 0 {
        state.say(
            format!("switched context: following {followed} rollout(s) ended"),
            false,
        );
    }
    state
}
