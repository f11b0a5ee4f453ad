//! `ms5-console validate`: the runbook in effect, narrowed by `--phase` and `--criterion`,
//! listed (`--list`) or run. Exit codes: 0 every criterion passed; 1 at least one failed; 2
//! none failed but some could not be checked, or the run could not start (a bad runbook, bad
//! flags, no cluster), with the reason on stderr: CI can tell "failed" from "broken".

use std::process::ExitCode;

use std::io::IsTerminal;

use crate::cli::{GlobalArgs, ValidateArgs};
use crate::config::{Dirs, Settings};
use crate::source::connect::{Target, reach};
use crate::validation::engine::{self, Sources};
use crate::validation::runbook::Runbook;
use crate::validation::select::select;
use crate::validation::{history, report};

/// Could not start: exit 2.
const BROKEN: u8 = 2;

pub async fn run(dirs: &Dirs, global: &GlobalArgs, args: ValidateArgs) -> ExitCode {
    let mut overrides = global.overrides();
    overrides.runbook = args.runbook.clone();
    let settings = match Settings::load(dirs, &overrides) {
        Ok(s) => s,
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("ms5-console validate: nothing was run: fix the error(s) above");
            return ExitCode::from(BROKEN);
        }
    };
    let runbook = match select(&settings.runbook, &args.phases, &args.criteria) {
        Ok(r) => r,
        Err(why) => {
            eprintln!("ms5-console validate: {why}");
            return ExitCode::from(BROKEN);
        }
    };
    if args.list {
        print!("{}", list(&runbook));
        return ExitCode::SUCCESS;
    }
    // The report's file is made before anything runs: a path that cannot be written stops the
    // run at once, and a report is never half-written (it is renamed into place when whole).
    let output = match args.output.as_deref().map(Output::prepare).transpose() {
        Ok(o) => o,
        Err(why) => {
            eprintln!("ms5-console validate: {why}; nothing was run");
            return ExitCode::from(BROKEN);
        }
    };
    let target = Target {
        kubeconfig: global.kubeconfig.clone(),
        context: settings.context.clone(),
    };
    let connected = match reach(&target).await {
        Ok(c) => c,
        Err(why) => {
            eprintln!("ms5-console validate: {why}; nothing was run");
            return ExitCode::from(BROKEN);
        }
    };
    let sources = Sources::new(
        &settings,
        Some(engine::Cluster::of(&connected)),
        global.kubeconfig.as_deref(),
    );
    let mut report = engine::run(&runbook, &sources, false, |_| {}).await;
    report.cluster = Some(crate::validation::results::RunCluster {
        context: connected.connection.context.clone(),
        server: connected.connection.server.clone(),
    });
    if let Some(path) = &settings.validation_history
        && let Err(e) = history::append(path, &report)
    {
        eprintln!(
            "ms5-console validate: warning: the run was not added to the history {}: {e}",
            path.display()
        );
    }
    let colour = output.is_none() && std::io::stdout().is_terminal() && !overrides.no_color;
    let text = report::render(&report, args.format, colour);
    match output {
        Some(output) => {
            if let Err(why) = output.finish(&text) {
                eprintln!("ms5-console validate: {why}");
                return ExitCode::from(BROKEN);
            }
        }
        None => {
            use std::io::Write;
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
    }
    let totals = report.totals();
    if totals.exit_code() == BROKEN {
        eprintln!(
            "ms5-console validate: nothing failed, but {} of {} could not be checked",
            totals.unknown, totals.total
        );
    }
    ExitCode::from(totals.exit_code())
}

/// A report file written to a temporary file beside it, renamed into place when whole.
struct Output {
    path: std::path::PathBuf,
    temporary: tempfile::NamedTempFile,
}

impl Output {
    fn prepare(path: &std::path::Path) -> Result<Output, String> {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => std::path::Path::new("."),
        };
        let temporary = tempfile::NamedTempFile::new_in(dir)
            .map_err(|e| format!("cannot write the report to {}: {e}", path.display()))?;
        Ok(Output {
            path: path.to_path_buf(),
            temporary,
        })
    }

    fn finish(mut self, text: &str) -> Result<(), String> {
        use std::io::Write;
        let words =
            |e: std::io::Error| format!("cannot write the report to {}: {e}", self.path.display());
        self.temporary.write_all(text.as_bytes()).map_err(words)?;
        self.temporary.as_file().sync_all().map_err(words)?;
        let path = self.path.clone();
        self.temporary
            .persist(&path)
            .map(|_| ())
            .map_err(|e| format!("cannot write the report to {}: {}", path.display(), e.error))
    }
}

/// The runbook's criteria, one per line under their phases, without running them.
pub fn list(runbook: &Runbook) -> String {
    let mut out = format!(
        "runbook {} ({}): {} criteria in {} phases\n",
        runbook.name,
        runbook.origin,
        runbook.count(),
        runbook.phases.len()
    );
    let width = runbook
        .criteria()
        .map(|(_, c)| c.id.len())
        .max()
        .unwrap_or(0);
    for phase in &runbook.phases {
        out.push_str(&format!("{} {}\n", phase.id, phase.title));
        for c in &phase.criteria {
            let kind = match &c.check {
                crate::validation::runbook::Check::Kube(k) => format!("kube {}", k.predicate),
                other => other.kind().to_string(),
            };
            out.push_str(&format!("  {:width$}  {:<24} {}\n", c.id, kind, c.title));
        }
    }
    out
}
