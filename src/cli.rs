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
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the simulated MS5 environment on loopback until SIGINT/SIGTERM.
    Sim(SimArgs),
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
        }
    }
}
