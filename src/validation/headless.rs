//! `ms5-console validate`: the runbook in effect, narrowed by `--phase` and `--criterion`,
//! listed (`--list`) or run. Exit codes: 0 every criterion passed; 1 at least one failed; 2
//! none failed but some could not be checked, or the run could not start (a bad runbook, bad
//! flags, no cluster), with the reason on stderr: CI can tell "failed" from "broken".

use std::process::ExitCode;

use super::runbook::Runbook;
use super::select::select;
use crate::cli::{GlobalArgs, ValidateArgs};
use crate::config::{Dirs, Settings};

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
    eprintln!(
        "ms5-console validate: running criteria is not built yet (issue 17); `--list` shows what would run"
    );
    ExitCode::from(BROKEN)
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
                super::runbook::Check::Kube(k) => format!("kube {}", k.predicate),
                other => other.kind().to_string(),
            };
            out.push_str(&format!("  {:width$}  {:<24} {}\n", c.id, kind, c.title));
        }
    }
    out
}
