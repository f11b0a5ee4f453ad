//! `command` criteria: pass, fail, timeout, missing, flood, and argv passed unaltered.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::Sim;
use crate::{results, text, validate};

/// `command` criteria from a user's runbook: exit 0 passes, exit 1 fails with its output, a
/// hang is killed at its timeout and unknown, a missing program is unknown, a flood keeps only
/// its tail; argv reaches the program exactly as written.
#[test]
fn command_criteria_pass_fail_time_out_go_missing_flood_and_keep_their_argv() {
    let sim = Sim::start(&[]);
    let state = tempfile::tempdir().unwrap();
    let runbook = state.path().join("commands.toml");
    std::fs::write(
        &runbook,
        r#"name = "commands"
[[phase]]
id = "1"
title = "commands"

[[phase.criterion]]
id = "1.1"
title = "argv as written"
kind = "command"
argv = ["printf", "[%s]\n", "a b", "c;d", "$HOME"]

[[phase.criterion]]
id = "1.2"
title = "fails"
kind = "command"
argv = ["sh", "-c", "echo the check said no; exit 1"]

[[phase.criterion]]
id = "1.3"
title = "hangs"
kind = "command"
timeout = "1s"
argv = ["sleep", "30"]

[[phase.criterion]]
id = "1.4"
title = "missing"
kind = "command"
argv = ["/nonexistent/phase9-check.sh"]

[[phase.criterion]]
id = "1.5"
title = "floods"
kind = "command"
argv = ["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x; echo; echo the end"]
"#,
    )
    .unwrap();
    let started = Instant::now();
    let out = validate(
        &sim,
        state.path(),
        &["--runbook", runbook.to_str().unwrap(), "--format", "json"],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "the hang was killed at 1 s"
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        results(&json),
        [
            ("1.1".to_string(), "pass".to_string()),
            ("1.2".into(), "fail".into()),
            ("1.3".into(), "unknown".into()),
            ("1.4".into(), "unknown".into()),
            ("1.5".into(), "pass".into()),
        ]
    );
    let evidence = |i: usize| json["results"][i]["evidence"].clone();
    let details = |i: usize| evidence(i)["details"].to_string();
    assert!(
        details(0).contains("[a b]")
            && details(0).contains("[c;d]")
            && details(0).contains("[$HOME]"),
        "{}",
        details(0)
    );
    assert!(details(1).contains("the check said no"), "{}", details(1));
    assert!(
        evidence(2)["measured"].as_str().unwrap().contains("1s"),
        "{}",
        evidence(2)
    );
    assert!(
        evidence(3)["measured"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/phase9-check.sh"),
        "{}",
        evidence(3)
    );
    assert!(
        evidence(4).to_string().contains("output truncated"),
        "{}",
        evidence(4)
    );
    assert!(details(4).contains("the end"), "{}", details(4));
    assert!(json.to_string().len() < 200_000, "the flood's tail only");
}
