//! The console's main loop: terminal events and source data in, `update`, effects out, and a
//! redraw only when something changed, at most ~30 times a second.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::Result;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use kube::config::Kubeconfig;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};
use tokio::time::Instant;

use crate::app::event::{DataEvent, Effect};
use crate::app::rows;
use crate::app::state::AppState;
use crate::app::update::{apply, handle_key};
use crate::config::Settings;
use crate::source::alertmanager::{self as am_source, AlertmanagerEndpoint};
use crate::source::connect::{Connected, Target, connect, read_kubeconfig};
use crate::source::write::WriteContext;
use crate::source::{fetch, kube as kube_source, logs, prometheus as prom_source};
use crate::tui::TerminalGuard;
use crate::ui::{self, Ui, style};

/// Time between frames at most: ~30 fps.
const FRAME: Duration = Duration::from_millis(33);
/// Ages on screen tick by the second; nothing else redraws without a change.
const CLOCK: Duration = Duration::from_secs(1);
/// Rejected credentials are replaced (kubeconfig re-read) at most this often.
const REAUTH_EVERY: Duration = Duration::from_secs(10);

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Hangup,
    Terminated,
}

/// Runs the console until the user quits or the terminal goes away.
pub async fn run(
    settings: Settings,
    target: Target,
    kubeconfig: Kubeconfig,
    first: Connected,
) -> Result<Exit> {
    let symbols = if settings.ascii {
        &style::ASCII
    } else {
        &style::UNICODE
    };
    let ui = Ui {
        theme: &settings.theme,
        keymap: &settings.keymap,
        symbols,
    };
    let mut state = AppState::new(
        first.connection.clone(),
        settings.namespaces.clone(),
        settings.readonly,
        Utc::now(),
    );
    state.contexts = first.contexts.clone();
    state.unreachable = first.unreachable.clone();

    let (tx, mut rx) = mpsc::channel::<DataEvent>(4096);
    let mut kubeconfig = kubeconfig;
    let mut sources = Sources::start(&settings, &first, &mut state, &tx);
    // When credentials were last replaced after a 401, so a still-rejected login is retried
    // calmly rather than in a loop.
    let mut last_reauth: Option<Instant> = None;
    let mut log_task: Option<AbortHandle> = None;
    let mut workers = JoinSet::new();

    let mut guard = TerminalGuard::enter()?;
    let mut term_events = EventStream::new();
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut clock = tokio::time::interval(CLOCK);
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let mut height = guard.terminal.size()?.height;
    state.page = ui::page_rows(height, false);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let exit = loop {
        if dirty && last_draw.elapsed() >= FRAME {
            state.now = Utc::now();
            rows::refresh(&mut state);
            guard
                .terminal
                .draw(|frame| ui::render(frame, &state, &ui))?;
            dirty = false;
            last_draw = Instant::now();
        }
        let next_frame = tokio::time::sleep_until(last_draw + FRAME);
        let mut effects = Vec::new();
        tokio::select! {
            event = term_events.next() => match event {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    effects = handle_key(&mut state, &settings.keymap, key);
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(_, new_height))) => {
                    height = new_height;
                    guard.terminal.autoresize()?;
                    dirty = true;
                }
                Some(Ok(_)) => {}
                // The terminal is gone (closed pty): same as a hangup.
                Some(Err(_)) | None => break Exit::Hangup,
            },
            Some(data) = rx.recv() => {
                apply(&mut state, data);
                // Drain what else is queued: one redraw for a burst of changes.
                while let Ok(more) = rx.try_recv() {
                    apply(&mut state, more);
                }
                dirty = true;
                if state.credentials_rejected()
                    && last_reauth.is_none_or(|at| at.elapsed() >= REAUTH_EVERY)
                {
                    last_reauth = Some(Instant::now());
                    effects.push(Effect::Reauthenticate);
                }
            }
            _ = clock.tick() => dirty = true,
            _ = hangup.recv() => break Exit::Hangup,
            _ = terminate.recv() => break Exit::Terminated,
            _ = next_frame, if dirty => {}
        }
        // Paging follows the last known height and whether details take half the screen.
        state.page = ui::page_rows(height, state.details);
        for effect in effects {
            match effect {
                Effect::Quit => {}
                Effect::OpenLogs(request) => {
                    if let Some(old) = log_task.take() {
                        old.abort();
                    }
                    log_task = Some(workers.spawn(logs::stream(
                        sources.client.clone(),
                        request,
                        tx.clone(),
                    )));
                }
                Effect::FetchYaml(request) => {
                    workers.spawn(fetch::yaml(sources.client.clone(), request, tx.clone()));
                }
                Effect::FetchSloHistory { request, slo } => {
                    let def = settings.slos.iter().find(|d| d.name == slo).cloned();
                    if let (Some((endpoint, _)), Some(def)) = (&sources.prometheus, def) {
                        workers.spawn(prom_source::history(
                            endpoint.clone(),
                            def,
                            request,
                            tx.clone(),
                        ));
                    }
                }
                Effect::Write(plan) => {
                    let endpoint = sources.alerting.endpoints.clone();
                    let (context, nudge, tx) = (
                        sources.writer.clone(),
                        sources.alerting.nudge.clone(),
                        tx.clone(),
                    );
                    workers.spawn(async move {
                        let result = match endpoint.iter().find(|e| e.name == plan.origin) {
                            Some(e) => crate::source::write::execute(&plan, e, &context).await,
                            None => Err(format!("no Alertmanager named {}", plan.origin)),
                        };
                        // Show the change now rather than at the next poll.
                        let _ = nudge.try_send(());
                        let _ = tx
                            .send(DataEvent::WriteOutcome {
                                write: plan.write.clone(),
                                result,
                            })
                            .await;
                        let _ = tx.send(read_audit(context.audit.as_ref()).await).await;
                    });
                }
                Effect::LoadAudit => {
                    let (audit, tx) = (sources.writer.audit.clone(), tx.clone());
                    workers.spawn(async move {
                        let _ = tx.send(read_audit(audit.as_ref()).await).await;
                    });
                }
                Effect::CloseLogs => {
                    if let Some(old) = log_task.take() {
                        old.abort();
                    }
                }
                Effect::WatchNamespaces(namespaces) => {
                    sources.watches.abort_all();
                    sources.watches =
                        kube_source::spawn_watches(sources.client.clone(), &namespaces, tx.clone());
                }
                Effect::SwitchContext(context) => match switch_context(&kubeconfig, &context).await
                {
                    Ok(connected) => {
                        sources.stop();
                        // What the old cluster's watches had queued must not land in the new state.
                        while rx.try_recv().is_ok() {}
                        state = fresh_state(&state, connected.connection.clone(), None);
                        state.unreachable = connected.unreachable.clone();
                        sources = Sources::start(&settings, &connected, &mut state, &tx);
                    }
                    Err(e) => {
                        state.flash = Some(crate::app::state::Flash {
                            text: format!("{e}"),
                            error: true,
                        });
                    }
                },
                Effect::Reauthenticate => {
                    // The kubeconfig is read again and its exec plugin run again: a refreshed
                    // login (az login, kubelogin, a rewritten file) is picked up here. The data on
                    // screen stays, marked by the watches' own health until they are live again.
                    let context = state.connection.context.clone();
                    match reconnect(&target, &context).await {
                        Ok((fresh, connected)) => {
                            kubeconfig = fresh;
                            sources.stop();
                            let slo = std::mem::take(&mut state.slo);
                            let alerts = std::mem::take(&mut state.alerts);
                            sources = Sources::start(&settings, &connected, &mut state, &tx);
                            // Restarting the pollers must not blank what they last saw.
                            state.slo = slo;
                            state.alerts = alerts;
                        }
                        Err(e) => {
                            tracing::warn!("re-reading the kubeconfig after a 401 failed: {e:#}");
                            state.flash = Some(crate::app::state::Flash {
                                text: format!(
                                    "credentials rejected; re-reading the kubeconfig failed: {e}"
                                ),
                                error: true,
                            });
                        }
                    }
                }
            }
        }
        if state.quit {
            break Exit::Quit;
        }
    };
    sources.stop();
    workers.abort_all();
    drop(guard);
    Ok(exit)
}

/// Everything that reads one cluster and its monitoring, started from one connection: stopped
/// and started whole on a context switch or when credentials are replaced.
struct Sources {
    client: kube::Client,
    watches: JoinSet<()>,
    prometheus: Option<(Arc<prom_source::Endpoint>, AbortHandle)>,
    alerting: Alerting,
    writer: WriteContext,
}

impl Sources {
    fn start(
        settings: &Settings,
        connected: &Connected,
        state: &mut AppState,
        tx: &mpsc::Sender<DataEvent>,
    ) -> Sources {
        state.slo.definitions = settings.slos.clone();
        let prometheus = start_prometheus(settings, &connected.config, state, tx);
        let alerting = start_alertmanagers(settings, &connected.config, state, tx);
        let writer = write_context(settings, state);
        let watches =
            kube_source::spawn_watches(connected.client.clone(), &state.namespaces, tx.clone());
        Sources {
            client: connected.client.clone(),
            watches,
            prometheus,
            alerting,
            writer,
        }
    }

    fn stop(&mut self) {
        self.watches.abort_all();
        if let Some((_, poller)) = self.prometheus.take() {
            poller.abort();
        }
        self.alerting.poller.abort();
    }
}

/// The kubeconfig read again from where it came from, and a client for the same context. The
/// screen is up, so credential plugins run non-interactively: a prompt written to the terminal
/// would garble it, and a plugin that must ask fails with its message instead (the person logs
/// in elsewhere, and the next attempt picks the new login up).
async fn reconnect(target: &Target, context: &str) -> Result<(Kubeconfig, Connected)> {
    let mut kubeconfig = read_kubeconfig(target)?;
    for user in &mut kubeconfig.auth_infos {
        if let Some(exec) = user.auth_info.as_mut().and_then(|a| a.exec.as_mut()) {
            exec.interactive_mode = Some(kube::config::ExecInteractiveMode::Never);
        }
    }
    let connected = connect(&kubeconfig, Some(context)).await?;
    Ok((kubeconfig, connected))
}

/// The Prometheus poller, when an address is configured; a bad address is shown on the panels.
fn start_prometheus(
    settings: &Settings,
    config: &kube::Config,
    state: &mut AppState,
    tx: &mpsc::Sender<DataEvent>,
) -> Option<(Arc<prom_source::Endpoint>, AbortHandle)> {
    let target = settings.prometheus_url.as_deref()?;
    state.slo.source = target.to_string();
    let proxy = prom_source::proxy_client(config, settings.prometheus.timeout);
    let endpoint = proxy
        .and_then(|client| prom_source::Endpoint::new(target, &settings.prometheus, Some(client)));
    match endpoint {
        Ok(endpoint) => {
            let endpoint = Arc::new(endpoint);
            state.slo.source = endpoint.label().to_string();
            let task = tokio::spawn(prom_source::poll(
                endpoint.clone(),
                settings.slos.clone(),
                settings.prometheus.interval,
                settings.prometheus.timeout,
                tx.clone(),
            ));
            Some((endpoint, task.abort_handle()))
        }
        Err(e) => {
            state.slo.failing = Some((Utc::now(), e));
            None
        }
    }
}

/// The Alertmanager poller and what writes need: the endpoints, and a way to ask for a poll now.
struct Alerting {
    endpoints: Arc<Vec<AlertmanagerEndpoint>>,
    nudge: mpsc::Sender<()>,
    poller: AbortHandle,
}

/// Every configured Alertmanager that can be set up is polled; one that cannot (a bad address)
/// is shown as failing under its name, and the others still count.
fn start_alertmanagers(
    settings: &Settings,
    config: &kube::Config,
    state: &mut AppState,
    tx: &mpsc::Sender<DataEvent>,
) -> Alerting {
    let proxy = prom_source::proxy_client(config, settings.alertmanager.timeout).ok();
    let mut endpoints = Vec::new();
    let mut broken = Vec::new();
    for spec in &settings.alertmanager_urls {
        match AlertmanagerEndpoint::new(spec, &settings.alertmanager, proxy.clone()) {
            Ok(e) => endpoints.push(e),
            Err(e) => broken.push((spec.clone(), e)),
        }
    }
    let origins: Vec<(String, String)> = endpoints
        .iter()
        .map(|e| (e.name.clone(), e.address.clone()))
        .collect();
    state.alerts = crate::app::alerts::AlertState::new(&origins, settings.author.clone());
    state.alerts.audit_path = settings.audit_log.clone();
    if !broken.is_empty() {
        let now = Utc::now();
        state
            .alerts
            .apply(crate::alerting::merge::AlertsObservation {
                at: now,
                answers: broken.into_iter().map(|(n, e)| (n, Err(e))).collect(),
            });
    }
    let endpoints = Arc::new(endpoints);
    let (nudge, nudged) = mpsc::channel(1);
    let poller = tokio::spawn(am_source::poll(
        endpoints.clone(),
        settings.alertmanager.interval,
        nudged,
        tx.clone(),
    ))
    .abort_handle();
    Alerting {
        endpoints,
        nudge,
        poller,
    }
}

fn write_context(settings: &Settings, state: &AppState) -> WriteContext {
    let c = &state.connection;
    WriteContext {
        audit: settings.audit_log.clone().map(crate::audit::AuditLog::new),
        local_user: crate::audit::local_user(),
        kube_identity: format!("kube user {} context {}", c.user, c.context),
    }
}

/// The audit log as it is now, for `:audit`.
async fn read_audit(audit: Option<&crate::audit::AuditLog>) -> DataEvent {
    let Some(audit) = audit else {
        return DataEvent::Audit(Err(
            "no audit log (no state directory): give --audit-log PATH".into(),
        ));
    };
    let path = audit.path.clone();
    let read = tokio::task::spawn_blocking(move || crate::audit::read(&path)).await;
    DataEvent::Audit(match read {
        Ok(Ok(contents)) => Ok(contents),
        Ok(Err(e)) => Err(format!("cannot read {}: {e}", audit.path.display())),
        Err(e) => Err(e.to_string()),
    })
}

async fn switch_context(kubeconfig: &Kubeconfig, context: &str) -> Result<Connected> {
    if !kubeconfig.contexts.iter().any(|c| c.name == context) {
        let known: Vec<&str> = kubeconfig
            .contexts
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        color_eyre::eyre::bail!(
            "no context `{context}` in the kubeconfig; known: {}",
            known.join(", ")
        );
    }
    connect(kubeconfig, Some(context)).await
}

/// A new state for another cluster, keeping what the user chose (view, namespaces).
fn fresh_state(
    old: &AppState,
    connection: crate::app::event::Connection,
    unreachable: Option<String>,
) -> AppState {
    let mut state = AppState::new(connection, old.namespaces.clone(), old.readonly, Utc::now());
    state.contexts = old.contexts.clone();
    state.view = old.view;
    state.page = old.page;
    state.unreachable = unreachable;
    state
}
