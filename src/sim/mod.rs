//! The simulated MS5 environment: a Kubernetes API server on loopback over a world of MS5
//! objects, reached through a generated kubeconfig by kubectl, kube-rs or the console.

pub mod alertmanager;
pub mod api;
pub mod cluster;
pub mod kubeconfig;
pub mod naming;
pub mod prometheus;
pub mod resources;
pub mod store;
pub mod tls;
pub mod world;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use color_eyre::eyre::{Result, WrapErr, bail};
use rand::Rng;
use tokio::net::TcpListener;

use self::api::ApiState;
use self::api::auth::{Role, User, Users};
use self::cluster::Cluster;
use self::cluster::scenario::Scenario;
use self::cluster::usage::UsageModel;
use self::prometheus::Prometheus;
use self::store::Store;
use self::world::WorldOptions;

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub listen: SocketAddr,
    pub kubeconfig_out: Option<PathBuf>,
    pub scenario: String,
    pub seed: u64,
    pub pods: usize,
    pub speed: f64,
    pub watch_history: usize,
    pub tls: bool,
    /// Where the Prometheus API and `/metrics` listen (port 0: any free port).
    pub prometheus_listen: SocketAddr,
    /// Where the Alertmanager API v2 listens (port 0: any free port).
    pub alertmanager_listen: SocketAddr,
    /// Serve the metrics API (`kubectl top`), as a cluster with metrics-server does.
    pub metrics_api: bool,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            kubeconfig_out: None,
            scenario: "healthy".to_string(),
            seed: 1,
            pods: 0,
            speed: 1.0,
            watch_history: 20_000,
            tls: false,
            prometheus_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            alertmanager_listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_api: true,
        }
    }
}

/// A running sim: its endpoints, and the state its servers share.
pub struct Sim {
    pub kubernetes_url: String,
    pub kubeconfig: PathBuf,
    pub api: Arc<ApiState>,
    pub prometheus_url: String,
    /// The simulated Prometheus' series and rules (tests backfill a real Prometheus from them).
    pub prometheus: Arc<Prometheus>,
    pub alertmanager_url: String,
    pub alertmanager: Arc<alertmanager::Alertmanager>,
    /// Holds the default kubeconfig's directory until the sim stops.
    _kubeconfig_dir: Option<tempfile::TempDir>,
}

impl Sim {
    /// The stdout contract: one `NAME VALUE` line per endpoint.
    pub fn endpoint_lines(&self) -> Vec<String> {
        vec![
            format!("kubernetes {}", self.kubernetes_url),
            format!("kubeconfig {}", self.kubeconfig.display()),
            format!("prometheus {}", self.prometheus_url),
            format!("alertmanager {}", self.alertmanager_url),
        ]
    }
}

fn token() -> String {
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from_digit(rng.random_range(0..36), 36).unwrap_or('x'))
        .collect()
}

/// Installs the process-wide rustls crypto provider (aws-lc-rs, the one kube and reqwest use).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Builds the world and starts serving; returns once the listeners are bound.
pub async fn start(options: SimOptions) -> Result<Sim> {
    let Some(scenario) = Scenario::parse(&options.scenario) else {
        let known: Vec<&str> = cluster::scenario::NAMES.iter().map(|(n, _)| *n).collect();
        bail!(
            "unknown scenario {:?}; known scenarios: {}",
            options.scenario,
            known.join(", ")
        );
    };
    if !(options.speed.is_finite() && options.speed > 0.0) {
        bail!("--speed must be a positive number, got {}", options.speed);
    }
    install_crypto_provider();
    let store = Arc::new(Store::new(options.watch_history));
    let mut world = world::build(WorldOptions {
        seed: options.seed,
        extra_pods: options.pods,
    });
    cluster::scenario::prepare(scenario, &mut world.objects, chrono::Utc::now());
    store.load(world.objects);
    let usage = Arc::new(UsageModel::new(scenario, options.seed, options.speed));
    // What the cluster does to the backend's traffic: its pods' release, recorded as they come
    // ready and go, read by every Prometheus query.
    let release = Arc::new(prometheus::signal::Timeline::default());
    tokio::spawn(
        Cluster::new(
            store.clone(),
            scenario,
            options.seed,
            options.speed,
            usage.clone(),
        )
        .recording_release(release.clone())
        .run(),
    );

    let listener = TcpListener::bind(options.listen)
        .await
        .wrap_err_with(|| format!("binding the Kubernetes API listener on {}", options.listen))?;
    let address = listener.local_addr()?;
    let users = vec![
        User {
            name: "oncall".into(),
            token: token(),
            role: Role::Admin,
        },
        User {
            name: "viewer".into(),
            token: token(),
            role: Role::Viewer,
        },
        User {
            name: "restricted".into(),
            token: token(),
            role: Role::Restricted,
        },
        User {
            name: "deployer".into(),
            token: token(),
            role: Role::Deployer,
        },
    ];
    // The scenario's clock, shared by the metrics and the logs that must agree with them.
    let origin = prometheus::unix_now();
    let mut api = ApiState::new(store, Users::new(users.clone()), address.to_string());
    api.usage = options.metrics_api.then_some(usage);
    api.slo_burn_origin = (scenario == Scenario::SloBurn).then_some(origin);
    let api = Arc::new(api);

    let (servers, ca) = if options.tls {
        let tls = tls::generate()?;
        let config = axum_server::tls_rustls::RustlsConfig::from_pem(
            tls.cert_pem.into_bytes(),
            tls.key_pem.into_bytes(),
        )
        .await
        .wrap_err("loading the generated server certificate")?;
        let server = axum_server::from_tcp_rustls(listener.into_std()?, config)?;
        let app = api::router(api.clone(), None);
        tokio::spawn(async move {
            if let Err(e) = server.serve(app.into_make_service()).await {
                tracing::error!("Kubernetes API (TLS) stopped: {e}");
            }
        });
        let url = format!("https://{address}");
        (
            users
                .iter()
                .map(|u| (u.clone(), url.clone()))
                .collect::<Vec<_>>(),
            Some(tls.ca_pem),
        )
    } else {
        // Plain HTTP: client-go sends no credentials, so each user gets a listener of its own;
        // the first is the one announced and bound to --listen.
        let mut servers = Vec::new();
        let mut listener = Some(listener);
        for user in &users {
            let l = match listener.take() {
                Some(l) => l,
                None => TcpListener::bind(SocketAddr::new(address.ip(), 0))
                    .await
                    .wrap_err("binding a context listener")?,
            };
            servers.push((user.clone(), format!("http://{}", l.local_addr()?)));
            let app = api::router(api.clone(), Some(user.clone()));
            tokio::spawn(async move {
                if let Err(e) = axum::serve(l, app).await {
                    tracing::error!("Kubernetes API stopped: {e}");
                }
            });
        }
        (servers, None)
    };
    let kubernetes_url = servers[0].1.clone();

    let prometheus = Arc::new(Prometheus::new(
        options.seed,
        scenario,
        origin,
        &crate::slo::definition::builtin(),
        release,
    ));
    prometheus::observed::spawn_sampler(api.store.clone(), prometheus.observed.clone());
    let prometheus_url = serve_loopback(
        options.prometheus_listen,
        prometheus::api::router(prometheus.clone()),
        "Prometheus",
    )
    .await?;
    api.register_proxy("ms5-system", "prometheus-service", &prometheus_url);

    let alertmanager = Arc::new(alertmanager::Alertmanager::new(
        prometheus.clone(),
        chrono::Utc::now(),
    ));
    let alertmanager_url = serve_loopback(
        options.alertmanager_listen,
        alertmanager::api::router(alertmanager.clone()),
        "Alertmanager",
    )
    .await?;
    api.register_proxy("ms5-system", "alertmanager-service", &alertmanager_url);

    let (kubeconfig, dir) = match &options.kubeconfig_out {
        Some(path) => (path.clone(), None),
        None => {
            let dir = tempfile::Builder::new()
                .prefix("ms5-sim-")
                .tempdir()
                .wrap_err("creating a directory for the kubeconfig")?;
            (dir.path().join("kubeconfig"), Some(dir))
        }
    };
    let contents = kubeconfig::render(&servers, ca.as_deref())?;
    kubeconfig::write(&kubeconfig, &contents)?;
    Ok(Sim {
        kubernetes_url,
        kubeconfig,
        api,
        prometheus_url,
        prometheus,
        alertmanager_url,
        alertmanager,
        _kubeconfig_dir: dir,
    })
}

/// Serves `app` over plain HTTP on `address` in the background; its base URL.
async fn serve_loopback(
    address: SocketAddr,
    app: axum::Router,
    what: &'static str,
) -> Result<String> {
    let listener = TcpListener::bind(address)
        .await
        .wrap_err_with(|| format!("binding the {what} listener on {address}"))?;
    let url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!("{what} API stopped: {e}");
        }
    });
    Ok(url)
}

/// `ms5-console sim`: serve until SIGINT, SIGTERM or SIGHUP, announcing endpoints on stdout.
pub async fn run(options: SimOptions) -> Result<()> {
    // Handlers go in before `ready` is printed, so a client that stops us at once is heard.
    let stop = Shutdown::listen()?;
    let sim = start(options).await?;
    for line in sim.endpoint_lines() {
        println!("{line}");
    }
    println!("ready");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    stop.wait().await;
    tracing::info!("shutting down");
    Ok(())
}

/// The signals that end the sim.
struct Shutdown {
    terminate: tokio::signal::unix::Signal,
    hangup: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn listen() -> Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Shutdown {
            terminate: signal(SignalKind::terminate())
                .wrap_err("installing the SIGTERM handler")?,
            hangup: signal(SignalKind::hangup()).wrap_err("installing the SIGHUP handler")?,
            interrupt: signal(SignalKind::interrupt()).wrap_err("installing the SIGINT handler")?,
        })
    }

    async fn wait(mut self) {
        tokio::select! {
            _ = self.terminate.recv() => {}
            _ = self.hangup.recv() => {}
            _ = self.interrupt.recv() => {}
        }
    }
}
