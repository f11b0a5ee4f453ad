//! The command line: global flags defined once, and the subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::sim::SimOptions;

#[derive(Debug, Parser)]
#[command(
    name = "ms5-console",
    version,
    about = "Terminal operations console for the MS5.0 Floor Dashboard on Kubernetes"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Flags valid before or after any subcommand.
#[derive(Debug, Clone, Default, Args)]
pub struct GlobalArgs {
    /// Kubeconfig file (else $KUBECONFIG, else ~/.kube/config).
    #[arg(long, global = true, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Kubeconfig context to use (else the current context).
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Namespace to watch; repeat for several (default: the config file's list, else the three ms5-* namespaces).
    #[arg(long = "namespace", short = 'n', global = true, value_name = "NAME")]
    pub namespaces: Vec<String>,
    /// Config file (default: $XDG_CONFIG_HOME/ms5-console/config.toml).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Theme name or path to a theme file.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Keymap name or path to a keymap file.
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub keymap: Option<String>,
    /// Never change the cluster: every write action is removed.
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Audit log file (default: $XDG_STATE_HOME/ms5-console/audit.jsonl).
    #[arg(long, global = true, value_name = "PATH")]
    pub audit_log: Option<PathBuf>,
    /// Prometheus base URL (default: through the cluster's service proxy).
    #[arg(long, global = true, value_name = "URL")]
    pub prometheus_url: Option<String>,
    /// Alertmanager as URL, NAME=URL or k8s://NAMESPACE/SERVICE:PORT; repeat for several (HA
    /// peers' copies of one alert show once). Default: through the cluster's service proxy.
    #[arg(long = "alertmanager-url", global = true, value_name = "[NAME=]URL")]
    pub alertmanager_urls: Vec<String>,
    /// No colours (also when NO_COLOR is set): the mono theme.
    #[arg(long, global = true)]
    pub no_color: bool,
    /// Only ASCII: no box-drawing or other non-ASCII symbols.
    #[arg(long, global = true)]
    pub ascii: bool,
}

impl GlobalArgs {
    /// The flags as config overrides; NO_COLOR (any non-empty value) counts as --no-color.
    pub fn overrides(&self) -> crate::config::Overrides {
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        crate::config::Overrides {
            config: self.config.clone(),
            namespaces: self.namespaces.clone(),
            context: self.context.clone(),
            theme: self.theme.clone(),
            keymap: self.keymap.clone(),
            readonly: self.readonly,
            audit_log: self.audit_log.clone(),
            prometheus_url: self.prometheus_url.clone(),
            alertmanager_urls: self.alertmanager_urls.clone(),
            no_color: self.no_color || no_color_env,
            ascii: self.ascii,
            runbook: None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the simulated MS5 environment on loopback until SIGINT/SIGTERM.
    Sim(SimArgs),
    /// Run the console against the simulated environment, started in this process.
    Demo(DemoArgs),
    /// Check the config, theme and keymap in effect: exit 0 when valid, 1 with every error.
    CheckConfig,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout: `ms5-console man > ms5-console.1`.
    Man,
    /// Service level objectives: generate Prometheus rules from the definitions in effect.
    #[command(subcommand)]
    Slo(SloCommand),
    /// Phase 9 validation: run a runbook's criteria against the cluster, Prometheus and
    /// Alertmanager. Exit 0: all passed; 1: some failed; 2: none failed but some could not be
    /// checked, or the run could not start.
    Validate(ValidateArgs),
    /// The handoff report, headless: the open incident's (or a window's) timeline rebuilt from
    /// the cluster, Alertmanager, Prometheus and the audit log, with what is wrong now. Exit 0:
    /// written; 2: could not be (no cluster, unknown incident, unwritable output; nothing is
    /// half-written).
    Report(ReportArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The incident to report on (its file under the state directory).
    #[arg(long, value_name = "NAME", conflicts_with = "since")]
    pub incident: Option<String>,
    /// The window to report on, back from now (a Prometheus duration: 30m, 2h, 1d; default
    /// the lookback, 6h).
    #[arg(long, value_name = "DURATION", value_parser = parse_prometheus_duration)]
    pub since: Option<std::time::Duration>,
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: ReportFormat,
    /// Write the report here (written whole, or not at all) instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// Runbook name (your `runbooks/` directory, then the built-ins) or path (default: the
    /// config file's `runbook`, else ms5-phase9).
    #[arg(long, value_name = "NAME|PATH")]
    pub runbook: Option<String>,
    /// Only this phase; repeat for several.
    #[arg(long = "phase", value_name = "ID")]
    pub phases: Vec<String>,
    /// Only this criterion; repeat for several.
    #[arg(long = "criterion", value_name = "ID")]
    pub criteria: Vec<String>,
    /// Print the criteria without running them.
    #[arg(long)]
    pub list: bool,
    /// Report format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::validation::report::Format,
    /// Write the report here (written whole, or not at all) instead of to stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum SloCommand {
    /// Print recording rules (error ratio per burn window) and multiwindow burn-rate alerting
    /// rules for every SLO, as a Prometheus rule file (`promtool check rules` accepts it).
    Rules {
        /// Replace every alert's `for` duration (e.g. `10s` to try the rules quickly).
        #[arg(long = "for", value_name = "DURATION", value_parser = parse_prometheus_duration)]
        for_: Option<std::time::Duration>,
    },
}

fn parse_prometheus_duration(text: &str) -> Result<std::time::Duration, String> {
    promql_parser::util::parse_duration(text)
        .map_err(|e| format!("{e}; write a Prometheus duration such as 30s, 2m or 1h"))
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Scenario to play.
    #[arg(long, default_value = "healthy")]
    pub scenario: String,
    /// Seed for names and scenario timing.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Extra pods to add for scale tests.
    #[arg(long, default_value_t = 0)]
    pub pods: usize,
    /// Shortens controller delays by this factor.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Also write the demo cluster's kubeconfig here, to drive it with kubectl meanwhile.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SimArgs {
    /// Address of the Kubernetes API listener (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// Where to write the kubeconfig (default: a new temporary directory).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Scenario to play.
    #[arg(long, default_value = "healthy")]
    pub scenario: String,
    /// Seed for names and scenario timing; the same seed gives the same run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Extra pods to add for scale tests, spread over line-agent Deployments.
    #[arg(long, default_value_t = 0)]
    pub pods: usize,
    /// Shortens controller delays by this factor (timestamps stay wall-clock).
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Changes kept for watches; older resourceVersions get 410 Gone.
    #[arg(long, default_value_t = 20_000)]
    pub watch_history: usize,
    /// Serve HTTPS with a generated CA (written into the kubeconfig).
    #[arg(long)]
    pub tls: bool,
    /// Address of the Prometheus API and /metrics listener (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub prometheus_listen: SocketAddr,
    /// Address of the Alertmanager API v2 listener (port 0: any free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub alertmanager_listen: SocketAddr,
    /// Do not serve the metrics API (`metrics.k8s.io`), as a cluster without metrics-server.
    #[arg(long)]
    pub no_metrics_api: bool,
}

impl From<SimArgs> for SimOptions {
    fn from(a: SimArgs) -> Self {
        SimOptions {
            listen: a.listen,
            kubeconfig_out: a.kubeconfig_out,
            scenario: a.scenario,
            seed: a.seed,
            pods: a.pods,
            speed: a.speed,
            watch_history: a.watch_history,
            tls: a.tls,
            prometheus_listen: a.prometheus_listen,
            alertmanager_listen: a.alertmanager_listen,
            metrics_api: !a.no_metrics_api,
        }
    }
}
