use clap::Parser;
use color_eyre::eyre::{Result, bail};
use ms5_console::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    // Logs go to stderr: stdout is the sim's machine-readable contract.
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("MS5_LOG").unwrap_or_else(|_| EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Sim(args)) => ms5_console::sim::run(args.into()).await,
        None => bail!(
            "the console itself is not built yet; run `ms5-console sim` for the simulated environment"
        ),
    }
}
