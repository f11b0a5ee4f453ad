//! `command` criteria: an external program (the seed's `phase9-*.sh`, for instance) run as an
//! argv list, never through a shell, in its own process group so a timeout kills it and
//! everything it started. Its output is captured with only the tail kept; exit 0 passes, any
//! other exit fails with that output, and a program that could not start or ran out of time is
//! unknown.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use super::outcome::{Evidence, Finding, Verdict};

/// The most output kept per stream: the tail, where the reason usually is.
pub const KEPT: usize = 16 * 1024;
/// Lines of the kept output a finding lists.
const LINES: usize = 20;

/// Runs `argv` with `env` added to the console's environment, for at most `timeout`.
pub async fn run(argv: &[String], env: &[(String, String)], timeout: Duration) -> Finding {
    let shown = argv
        .iter()
        .map(|a| {
            if a.contains(' ') || a.contains(';') || a.is_empty() {
                format!("{a:?}")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let evidence = |measured: String, details: Vec<String>| Evidence {
        measured,
        expected: "exit 0".into(),
        source: format!("command {shown}"),
        details,
    };
    let Some((program, args)) = argv.split_first() else {
        return Finding {
            verdict: Verdict::Unknown,
            evidence: evidence("no program to run".into(), Vec::new()),
        };
    };
    let mut command = Command::new(program);
    command
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        // Its own process group: a timeout kills what it started too.
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => {
            return Finding {
                verdict: Verdict::Unknown,
                evidence: evidence(format!("could not start {program}: {e}"), Vec::new()),
            };
        }
    };
    let group = child.id();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let reading = async {
        let (out, err) = tokio::join!(tail(stdout), tail(stderr));
        let status = child.wait().await;
        (status, out, err)
    };
    match tokio::time::timeout(timeout, reading).await {
        Ok((Ok(status), (out, out_cut), (err, err_cut))) => {
            let mut details = last_lines(&out, &err);
            if out_cut || err_cut {
                details.insert(
                    0,
                    format!("output truncated: the last {} KiB kept", KEPT / 1024),
                );
            }
            let (verdict, measured) = match status.code() {
                Some(0) => (Verdict::Pass, "exit 0".to_string()),
                Some(code) => (Verdict::Fail, format!("exit {code}")),
                None => (Verdict::Unknown, "killed by a signal".to_string()),
            };
            Finding {
                verdict,
                evidence: evidence(measured, details),
            }
        }
        Ok((Err(e), _, _)) => Finding {
            verdict: Verdict::Unknown,
            evidence: evidence(format!("could not wait for {program}: {e}"), Vec::new()),
        },
        Err(_) => {
            if let Some(pid) = group.and_then(|p| i32::try_from(p).ok()) {
                let _ = nix::sys::signal::killpg(
                    nix::unistd::Pid::from_raw(pid),
                    nix::sys::signal::Signal::SIGKILL,
                );
            }
            Finding {
                verdict: Verdict::Unknown,
                evidence: evidence(
                    format!(
                        "timed out after {}: killed with its process group",
                        crate::model::age::human_duration(timeout.as_secs())
                    ),
                    Vec::new(),
                ),
            }
        }
    }
}

/// Everything a stream writes, keeping only the last `KEPT` bytes; whether any was dropped.
async fn tail(stream: Option<impl AsyncRead + Unpin>) -> (String, bool) {
    let Some(mut stream) = stream else {
        return (String::new(), false);
    };
    let mut kept: Vec<u8> = Vec::new();
    let mut cut = false;
    let mut buffer = [0u8; 8192];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                kept.extend_from_slice(&buffer[..n]);
                if kept.len() > KEPT {
                    let excess = kept.len() - KEPT;
                    kept.drain(..excess);
                    cut = true;
                }
            }
        }
    }
    (String::from_utf8_lossy(&kept).into_owned(), cut)
}

/// The last lines of stdout then stderr, for the evidence.
fn last_lines(out: &str, err: &str) -> Vec<String> {
    let mut lines: Vec<String> = out
        .lines()
        .chain(err.lines())
        .map(|l| l.chars().take(240).collect())
        .collect();
    let from = lines.len().saturating_sub(LINES);
    lines.drain(..from);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    async fn run_for(args: &[&str], seconds: u64) -> Finding {
        run(&argv(args), &[], Duration::from_secs(seconds)).await
    }

    #[tokio::test]
    async fn exit_0_passes_and_exit_1_fails_with_its_output() {
        let pass = run_for(&["true"], 10).await;
        assert_eq!(
            (pass.verdict, pass.evidence.measured.as_str()),
            (Verdict::Pass, "exit 0")
        );
        let fail = run_for(
            &[
                "sh",
                "-c",
                "echo checking; echo 'pods not ready' >&2; exit 1",
            ],
            10,
        )
        .await;
        assert_eq!(fail.verdict, Verdict::Fail);
        assert_eq!(fail.evidence.measured, "exit 1");
        assert_eq!(fail.evidence.details, ["checking", "pods not ready"]);
        assert_eq!(
            fail.evidence.source,
            "command sh -c \"echo checking; echo 'pods not ready' >&2; exit 1\""
        );
    }

    #[tokio::test]
    async fn argv_reaches_the_program_unaltered() {
        let f = run_for(&["printf", "%s\\n", "a b", "c;d", "$HOME", ""], 10).await;
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(f.evidence.details, ["a b", "c;d", "$HOME", ""]);
    }

    #[tokio::test]
    async fn a_missing_program_is_unknown() {
        let f = run_for(&["/nonexistent/phase9-check.sh"], 10).await;
        assert_eq!(f.verdict, Verdict::Unknown);
        assert!(
            f.evidence
                .measured
                .starts_with("could not start /nonexistent/phase9-check.sh: "),
            "{}",
            f.evidence.measured
        );
    }

    #[tokio::test]
    async fn a_hang_is_killed_with_its_process_group_and_unknown() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild");
        let script = format!("sleep 300 & echo $! > {}; wait", pid_file.display());
        let f = run_for(&["sh", "-c", &script], 1).await;
        assert_eq!(f.verdict, Verdict::Unknown);
        assert_eq!(
            f.evidence.measured,
            "timed out after 1s: killed with its process group"
        );
        let grandchild = std::fs::read_to_string(&pid_file).unwrap();
        let proc = std::path::Path::new("/proc").join(grandchild.trim());
        for _ in 0..50 {
            // Gone, or a zombie waiting for init to reap it: either way not running.
            let state = std::fs::read_to_string(proc.join("stat")).unwrap_or_default();
            if state.is_empty() || state.contains(") Z ") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the process the command started still runs");
    }

    #[tokio::test]
    async fn a_flood_keeps_the_tail_and_says_it_was_truncated() {
        let f = run_for(
            &[
                "sh",
                "-c",
                "head -c 5000000 /dev/zero | tr '\\\\0' 'x'; echo; echo last words",
            ],
            30,
        )
        .await;
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(
            f.evidence.details[0],
            "output truncated: the last 16 KiB kept"
        );
        assert_eq!(
            f.evidence.details.last().map(String::as_str),
            Some("last words")
        );
    }
}
