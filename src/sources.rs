//! Everything that reads one cluster and its monitoring, and the executor that writes to them,
//! started from one connection: stopped and started whole on a context switch or when
//! credentials are replaced.

use std::sync::Arc;

use chrono::Utc;
use color_eyre::eyre::Result;
use kube::config::Kubeconfig;
use tokio::sync::mpsc;
use tokio::task::{AbortHandle, JoinSet};

use crate::app::event::DataEvent;
use crate::app::state::AppState;
use crate::config::Settings;
use crate::ops::audit::{AuditLog, local_user};
use crate::ops::execute::{Executor, KubeWriter, WriteContext};
use crate::source::alertmanager::{self as am_source, AlertmanagerEndpoint};
use crate::source::connect::{Connected, Target, connect, read_kubeconfig};
use crate::source::{kube as kube_source, prometheus as prom_source};

pub struct Sources {
    pub client: kube::Client,
    /// What the client was built from: validation runs make the service proxy's clients
    /// from it.
    pub config: kube::Config,
    pub metrics_interval: std::time::Duration,
    /// Asks the metrics poller for a read now.
    pub metrics_nudge: mpsc::Sender<()>,
    /// The watches and the metrics poller, per watched namespace: restarted together.
    pub watches: JoinSet<()>,
    pub prometheus: Option<(Arc<prom_source::Endpoint>, AbortHandle)>,
    /// Asks the Alertmanager poller for a poll now (after a write, so the change shows).
    pub nudge: mpsc::Sender<()>,
    alert_poller: AbortHandle,
    pub executor: Executor,
}

impl Sources {
    pub fn start(
        settings: &Settings,
        connected: &Connected,
        state: &mut AppState,
        tx: &mpsc::Sender<DataEvent>,
    ) -> Sources {
        state.slo.definitions = settings.slos.clone();
        state.slo.backups = settings.backups.clone();
        state.audit.path = settings.audit_log.clone();
        state.timeline.incident.dir = settings.incidents.clone();
        state.timeline.store.max_entries = settings.timeline.max_entries;
        state.changes_before = chrono::Duration::from_std(settings.changes_before)
            .unwrap_or(crate::app::suspects::CHANGES_BEFORE);
        state.timeline.store.lookback = chrono::Duration::from_std(settings.timeline.lookback)
            .unwrap_or(chrono::Duration::hours(6));
        state.timeline.incident.reports = settings
            .incidents
            .as_ref()
            .and_then(|d| d.parent())
            .map(|d| d.join("reports"));
        // Re-resolved for each connection: `:ctx` to a context with its own settings takes them.
        let in_effect = settings.for_context(&connected.connection.context);
        state.readonly = in_effect.readonly;
        state.protected_namespaces = in_effect.protected_namespaces;
        state.guard = crate::app::guard::GuardSettings {
            watch_after: chrono::Duration::from_std(settings.guard_watch_after)
                .unwrap_or(chrono::Duration::minutes(15)),
            auto_pause: in_effect.auto_pause,
            poll_interval: settings.prometheus.interval,
        };
        state.local_user = local_user();
        // A new connection (or the first) starts from the runbook in effect and its history; a
        // reconnect for fresh credentials keeps the run in progress.
        if state.validation.runbook.is_none() {
            state.validation = crate::app::validation::ValidationState::new(
                settings.runbook.clone(),
                settings.validation_history.clone(),
            );
        }
        let prometheus = start_prometheus(settings, &connected.config, state, tx);
        let (alertmanagers, nudge, alert_poller) =
            start_alertmanagers(settings, &connected.config, state, tx);
        let executor = executor(settings, connected, state, alertmanagers);
        let (watches, metrics_nudge) = cluster_reads(
            connected.client.clone(),
            &state.namespaces,
            settings.metrics_interval,
            tx.clone(),
        );
        Sources {
            client: connected.client.clone(),
            config: connected.config.clone(),
            metrics_interval: settings.metrics_interval,
            metrics_nudge,
            watches,
            prometheus,
            nudge,
            alert_poller,
            executor,
        }
    }

    pub fn stop(&mut self) {
        self.watches.abort_all();
        if let Some((_, poller)) = self.prometheus.take() {
            poller.abort();
        }
        self.alert_poller.abort();
    }
}

/// Everything read from the cluster itself for `namespaces`: the watches, and the metrics API
/// polled every `metrics_interval` (it cannot be watched).
pub fn cluster_reads(
    client: kube::Client,
    namespaces: &[String],
    metrics_interval: std::time::Duration,
    tx: mpsc::Sender<DataEvent>,
) -> (JoinSet<()>, mpsc::Sender<()>) {
    let mut reads = kube_source::spawn_watches(client.clone(), namespaces, tx.clone());
    let (nudge, nudged) = mpsc::channel(1);
    reads.spawn(crate::source::metrics::poll(
        client,
        namespaces.to_vec(),
        metrics_interval,
        nudged,
        tx,
    ));
    (reads, nudge)
}

/// The kubeconfig read again from where it came from, and a client for the same context. The
/// screen is up, so credential plugins run non-interactively: a prompt written to the terminal
/// would garble it, and a plugin that must ask fails with its message instead (the person logs
/// in elsewhere, and the next attempt picks the new login up).
pub async fn reconnect(target: &Target, context: &str) -> Result<(Kubeconfig, Connected)> {
    let mut kubeconfig = read_kubeconfig(target)?;
    for user in &mut kubeconfig.auth_infos {
        if let Some(exec) = user.auth_info.as_mut().and_then(|a| a.exec.as_mut()) {
            exec.interactive_mode = Some(kube::config::ExecInteractiveMode::Never);
        }
    }
    let connected = connect(&kubeconfig, Some(context)).await?;
    Ok((kubeconfig, connected))
}

/// Another context of the same kubeconfig (`:ctx NAME`).
pub async fn switch_context(kubeconfig: &Kubeconfig, context: &str) -> Result<Connected> {
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
            tokio::spawn(prom_source::burn_history(
                endpoint.clone(),
                settings.slos.clone(),
                chrono::Duration::from_std(settings.timeline.lookback)
                    .unwrap_or(chrono::Duration::hours(6)),
                state.timeline.store.started,
                settings.prometheus.interval,
                tx.clone(),
            ));
            let task = tokio::spawn(prom_source::poll(
                endpoint.clone(),
                settings.slos.clone(),
                settings.backups.clone(),
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

/// Every configured Alertmanager that can be set up is polled; one that cannot (a bad address)
/// is shown as failing under its name, and the others still count.
fn start_alertmanagers(
    settings: &Settings,
    config: &kube::Config,
    state: &mut AppState,
    tx: &mpsc::Sender<DataEvent>,
) -> (
    Arc<Vec<AlertmanagerEndpoint>>,
    mpsc::Sender<()>,
    AbortHandle,
) {
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
    if !broken.is_empty() {
        state
            .alerts
            .apply(crate::alerting::merge::AlertsObservation {
                at: Utc::now(),
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
    (endpoints, nudge, poller)
}

/// The one executor for this connection: who writes, the audit log, read-only, and every
/// target it can reach.
fn executor(
    settings: &Settings,
    connected: &Connected,
    state: &AppState,
    alertmanagers: Arc<Vec<AlertmanagerEndpoint>>,
) -> Executor {
    let c = &state.connection;
    let kube = crate::ops::kube::write_client(&connected.config, crate::ops::kube::WRITE_TIMEOUT)
        .map_err(|e| tracing::warn!("no Kubernetes write client: {e}"))
        .ok()
        .map(|client| KubeWriter {
            context: c.context.clone(),
            client,
        });
    Executor {
        context: WriteContext {
            audit: settings.audit_log.clone().map(AuditLog::new),
            local_user: local_user(),
            kube_identity: format!("kube user {} context {}", c.user, c.context),
            readonly: settings.for_context(&c.context).readonly,
        },
        alertmanagers,
        kube,
    }
}
