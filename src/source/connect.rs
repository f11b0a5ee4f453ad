//! Reaching a cluster: kubeconfig (file, $KUBECONFIG or the default), context, and a first
//! request made before the screen is taken, so exec credential plugins (AKS kubelogin) can show
//! their prompts on a normal terminal.

use std::path::PathBuf;
use std::time::Duration;

use color_eyre::eyre::{Context, Result};
use kube::Client;
use kube::config::{KubeConfigOptions, Kubeconfig};

use super::event::Connection;

/// Where the cluster is described.
#[derive(Debug, Clone)]
pub struct Target {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

pub struct Connected {
    pub client: Client,
    /// What the client was built from, for clients with other settings (the service proxy's).
    pub config: kube::Config,
    pub connection: Connection,
    pub contexts: Vec<String>,
    /// Set when the first request failed: the console still starts and shows it.
    pub unreachable: Option<String>,
}

pub fn read_kubeconfig(target: &Target) -> Result<Kubeconfig> {
    match &target.kubeconfig {
        Some(path) => Kubeconfig::read_from(path)
            .wrap_err_with(|| format!("cannot read kubeconfig {}", path.display())),
        None => {
            Kubeconfig::read().wrap_err("cannot read kubeconfig ($KUBECONFIG or ~/.kube/config)")
        }
    }
}

/// Builds a client for `context` (None: the current one) and checks it with `/version`.
/// The cluster of `target` for a headless command, or why not in words for its stderr
/// (`no cluster: ... (SERVER)`): an unreachable API server is an error here, not a state.
pub async fn reach(target: &Target) -> std::result::Result<Connected, String> {
    let connected = match read_kubeconfig(target) {
        Ok(kubeconfig) => connect(&kubeconfig, target.context.as_deref()).await,
        Err(e) => Err(e),
    };
    match connected {
        Ok(c) => match &c.unreachable {
            None => Ok(c),
            Some(why) => Err(format!("no cluster: {why} ({})", c.connection.server)),
        },
        Err(e) => Err(format!("no cluster: {e:#}")),
    }
}

pub async fn connect(kubeconfig: &Kubeconfig, context: Option<&str>) -> Result<Connected> {
    let context_name = context
        .map(str::to_string)
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    let named = kubeconfig.contexts.iter().find(|c| c.name == context_name);
    let (cluster, user) = named
        .and_then(|c| c.context.as_ref())
        .map(|c| (c.cluster.clone(), c.user.clone().unwrap_or_default()))
        .unwrap_or_default();
    let options = KubeConfigOptions {
        context: Some(context_name.clone()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig.clone(), &options)
        .await
        .wrap_err_with(|| format!("kubeconfig context `{context_name}` is not usable"))?;
    let server = config.cluster_url.to_string();
    let client = Client::try_from(config.clone()).wrap_err("cannot build a Kubernetes client")?;
    let unreachable =
        match tokio::time::timeout(Duration::from_secs(15), client.apiserver_version()).await {
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(e.to_string().lines().next().unwrap_or("").to_string()),
            Err(_) => Some(format!("no answer from {server} within 15 s")),
        };
    Ok(Connected {
        client,
        config,
        connection: Connection {
            context: context_name,
            cluster,
            user,
            server,
        },
        contexts: kubeconfig.contexts.iter().map(|c| c.name.clone()).collect(),
        unreachable,
    })
}
