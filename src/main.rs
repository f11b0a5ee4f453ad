use std::path::Path;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use color_eyre::eyre::{Result, WrapErr};
use ms5_console::cli::{Cli, Command, DemoArgs, GlobalArgs, SloCommand};
use ms5_console::config::{Dirs, Settings};
use ms5_console::console::{self, Exit};
use ms5_console::sim::{self, SimOptions};
use ms5_console::slo;
use ms5_console::source::connect::{Target, connect, read_kubeconfig};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<ExitCode> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let dirs = Dirs::from_env();
    match cli.command {
        Some(Command::Sim(args)) => {
            // Logs go to stderr: stdout is the sim's machine-readable contract.
            log_to_stderr();
            sim::run(args.into()).await?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::CheckConfig) => Ok(check_config(&dirs, &cli.global)),
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ms5-console", &mut out);
            print_all(&out)
        }
        Some(Command::Man) => {
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            print_all(&out)
        }
        Some(Command::Demo(args)) => demo(&dirs, &cli.global, args).await,
        Some(Command::Report(args)) => {
            Ok(ms5_console::headless::report::run(&dirs, &cli.global, args).await)
        }
        Some(Command::Validate(args)) => {
            Ok(ms5_console::headless::validate::run(&dirs, &cli.global, args).await)
        }
        Some(Command::Slo(SloCommand::Rules { for_ })) => {
            let Some(settings) = settings_or_report(&dirs, &cli.global) else {
                return Ok(ExitCode::from(1));
            };
            let file = slo::rules::rule_file(&settings.slos, for_);
            print_all(slo::rules::render(&file)?.as_bytes())
        }
        None => {
            let Some(settings) = settings_or_report(&dirs, &cli.global) else {
                return Ok(ExitCode::from(1));
            };
            let _log = log_to_file(&dirs);
            let target = Target {
                kubeconfig: cli.global.kubeconfig.clone(),
                context: settings.context.clone(),
            };
            let kubeconfig = read_kubeconfig(&target)?;
            let connected = connect(&kubeconfig, target.context.as_deref()).await?;
            finish(console::run(settings, target, kubeconfig, connected).await?)
        }
    }
}

/// `demo`: the simulated environment in this process, reached through the same kube client.
async fn demo(dirs: &Dirs, global: &GlobalArgs, args: DemoArgs) -> Result<ExitCode> {
    if global.kubeconfig.is_some() || global.context.is_some() {
        eprintln!(
            "error: `demo` runs its own simulated cluster, so --kubeconfig and --context do not apply\n  \
             help: drop them to run the demo, or run `ms5-console` without `demo` for a real cluster"
        );
        return Ok(ExitCode::from(2));
    }
    let Some(settings) = settings_or_report(dirs, global) else {
        return Ok(ExitCode::from(1));
    };
    let _log = log_to_file(dirs);
    let sim = sim::start(SimOptions {
        scenario: args.scenario,
        seed: args.seed,
        pods: args.pods,
        speed: args.speed,
        kubeconfig_out: args.kubeconfig_out,
        ..SimOptions::default()
    })
    .await?;
    let target = Target {
        kubeconfig: Some(sim.kubeconfig.clone()),
        context: None,
    };
    let kubeconfig = read_kubeconfig(&target)?;
    let connected = connect(&kubeconfig, None).await?;
    let exit = console::run(settings, target, kubeconfig, connected).await?;
    drop(sim);
    finish(exit)
}

/// Writes to stdout; a reader that stops early (`| head`) is not an error.
fn print_all(bytes: &[u8]) -> Result<ExitCode> {
    use std::io::Write;
    match std::io::stdout().write_all(bytes) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        other => other
            .map(|()| ExitCode::SUCCESS)
            .wrap_err("cannot write to stdout"),
    }
}

fn finish(exit: Exit) -> Result<ExitCode> {
    Ok(match exit {
        Exit::Quit => ExitCode::SUCCESS,
        // 128 + signal number, as shells report a process ended by that signal.
        Exit::Hangup => ExitCode::from(129),
        Exit::Terminated => ExitCode::from(143),
    })
}

fn check_config(dirs: &Dirs, global: &GlobalArgs) -> ExitCode {
    match Settings::load(dirs, &global.overrides()) {
        Ok(settings) => {
            println!("configuration is valid");
            for file in &settings.files {
                println!("  {file}");
            }
            if let Some(url) = &settings.prometheus_url {
                println!("  prometheus    {url}");
            }
            for spec in &settings.alertmanager_urls {
                println!("  alertmanager  {spec}");
            }
            match &settings.audit_log {
                Some(path) => println!("  audit log     {}", path.display()),
                None => println!("  audit log     none: writes are refused (give --audit-log)"),
            }
            println!("  author        {}", settings.author);
            println!(
                "  read-only     {}",
                if settings.readonly { "yes" } else { "no" }
            );
            println!(
                "  protected     {} (changes there are confirmed by typing the name)",
                settings.protected_namespaces.join(", ")
            );
            println!(
                "  timeline      rebuilt {} back; at most {} entries",
                ms5_console::model::age::human_duration(settings.timeline.lookback.as_secs()),
                settings.timeline.max_entries
            );
            println!(
                "  guard         watches {} after a rollout completes; auto-pause {}",
                ms5_console::model::age::human_duration(settings.guard_watch_after.as_secs()),
                if settings.guard_auto_pause {
                    "on"
                } else {
                    "off"
                }
            );
            for backup in &settings.backups {
                println!("  backup        {}", backup.summary());
            }
            // Per context; a context the kubeconfig does not have is listed, not an error
            // (kubeconfigs change, and the config is read before it).
            for (name, own) in &settings.contexts {
                let in_effect = settings.for_context(name);
                let set: Vec<&str> = [
                    own.readonly.map(|_| "readonly"),
                    own.protected_namespaces
                        .as_ref()
                        .map(|_| "protected-namespaces"),
                    own.guard
                        .as_ref()
                        .and_then(|g| g.auto_pause)
                        .map(|_| "guard.auto-pause"),
                ]
                .into_iter()
                .flatten()
                .collect();
                println!(
                    "  context {name}: read-only {}, protected {}, auto-pause {} (sets {})",
                    if in_effect.readonly { "yes" } else { "no" },
                    in_effect.protected_namespaces.join(", "),
                    if in_effect.auto_pause { "on" } else { "off" },
                    set.join(", ")
                );
            }
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} error(s)", errors.0.len());
            ExitCode::from(1)
        }
    }
}

/// The settings, or every error printed to stderr (terminal untouched) and None.
fn settings_or_report(dirs: &Dirs, global: &GlobalArgs) -> Option<Settings> {
    match Settings::load(dirs, &global.overrides()) {
        Ok(s) => Some(s),
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!(
                "ms5-console: not starting: fix the error(s) above (check with `ms5-console check-config`)"
            );
            None
        }
    }
}

fn env_filter() -> EnvFilter {
    EnvFilter::try_from_env("MS5_LOG").unwrap_or_else(|_| EnvFilter::new("warn"))
}

fn log_to_stderr() {
    tracing_subscriber::fmt()
        .with_env_filter(env_filter())
        .with_writer(std::io::stderr)
        .init();
}

/// The console owns the screen, so its logs go to `$XDG_STATE_HOME/ms5-console/console.log`.
fn log_to_file(dirs: &Dirs) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = dirs.state.as_deref()?;
    std::fs::create_dir_all(dir)
        .wrap_err("cannot create the state directory")
        .ok()?;
    let appender = tracing_appender::rolling::never(dir, Path::new("console.log"));
    // A small queue: logs are rare, and the default 128k-line buffer costs 4 MiB up front.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(1024)
        .finish(appender);
    tracing_subscriber::fmt()
        .with_env_filter(env_filter())
        .with_ansi(false)
        .with_writer(writer)
        .init();
    Some(guard)
}
