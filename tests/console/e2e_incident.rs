//! An incident from the keyboard against the demo: `:incident db-outage`, a note, a silence,
//! `x`: the Markdown report holds the note, the silence's write with its id, and the timeline;
//! `ms5-console report --incident db-outage --format json` (headless, same cluster) parses and
//! agrees with it; an unknown incident and an unwritable output exit 2 saying why.

use std::process::Command;
use std::time::Duration;

use crate::tmux::{START, Tmux};

#[test]
fn an_incident_is_reported_from_the_keyboard_and_headless_alike() {
    let Some(t) = Tmux::start("incident", "demo") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&[":incident db-outage", "Enter"]);
    t.wait_for("INCIDENT db-outage", Duration::from_secs(10));
    t.keys(&["m"]);
    t.keys(&["paged DB team", "Enter"]);
    t.wait_for("noted at", Duration::from_secs(5));
    t.keys(&["7"]);
    t.wait_for("MS5CertificateExpiringSoon", Duration::from_secs(30));
    t.keys(&["s"]);
    t.wait_for("New silence", Duration::from_secs(5));
    t.keys(&["INC-7 renewal booked", "Enter"]);
    t.wait_for("POST /api/v2/silences", Duration::from_secs(5));
    t.keys(&["y"]);
    t.wait_for("done: ", Duration::from_secs(15));
    t.keys(&["Escape"]);
    let audit = std::fs::read_to_string(t.path("state/ms5-console/audit.jsonl")).unwrap();
    let write = audit
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["action"] == "create-silence" && v["phase"] == "succeeded")
        .map(|v| v["write"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| panic!("no silence in the audit log:\n{audit}"));
    t.keys(&[":tl", "Enter"]);
    t.wait_for("create-silence", Duration::from_secs(15));
    t.keys(&["x"]);
    // The report opens where it was asked for, its file named on it (issue 31).
    let screen = t.wait_for("Handoff report", Duration::from_secs(10));
    assert!(
        screen.contains("# Incident db-outage:") && screen.contains(": line 1/"),
        "{screen}"
    );
    t.keys(&["G"]);
    t.wait_until("scrolled to its end", Duration::from_secs(5), |s| {
        !s.contains("# Incident db-outage:")
    });
    t.keys(&["Escape"]);
    t.wait_for("create-silence", Duration::from_secs(5));
    let reports: Vec<_> = std::fs::read_dir(t.path("state/ms5-console/reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(reports.len(), 1, "{reports:?}");
    let markdown = std::fs::read_to_string(&reports[0]).unwrap();
    let written = format!("(write {write})");
    for needle in [
        "# Incident db-outage:",
        "paged DB team",
        "create-silence alertmanager",
        written.as_str(),
        "INC-7 renewal booked",
        "## Timeline",
    ] {
        assert!(markdown.contains(needle), "{needle}:\n{markdown}");
    }
    // The incident file: private, and holding the note.
    let file = t.path("state/ms5-console/incidents/db-outage.jsonl");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("paged DB team")
    );

    // Headless, from another process: the same incident's report, as JSON.
    let headless = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ms5-console"))
            .arg("--kubeconfig")
            .arg(t.path("kubeconfig"))
            .arg("report")
            .args(args)
            .env("XDG_STATE_HOME", t.path("state"))
            .env("XDG_CONFIG_HOME", t.path("config"))
            .output()
            .unwrap()
    };
    let out = headless(&["--incident", "db-outage", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["incident"], "db-outage");
    let notes: Vec<&str> = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["words"].as_str())
        .collect();
    assert_eq!(notes, ["paged DB team"]);
    let writes: Vec<&str> = json["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["write"].as_str())
        .collect();
    assert!(writes.contains(&write.as_str()), "{json:#}");
    // Every entry of the headless report is in the keyboard's one.
    for entry in json["timeline"].as_array().unwrap() {
        let what = entry["what"].as_str().unwrap_or_default();
        assert!(
            markdown.contains(what),
            "{what} not in the keyboard's report"
        );
    }
    assert!(
        json["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["what"] == "paged DB team")
    );
    // And the other way: every entry of the keyboard's report is in the headless one (its
    // table's WHAT column, Markdown-escaped as the report writes it).
    let headless_whats: Vec<String> = json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["what"].as_str().map(|w| w.replace('|', "\\|")))
        .collect();
    let keyboard_rows: Vec<&str> = markdown
        .split("## Timeline")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| time"))
        .collect();
    assert!(!keyboard_rows.is_empty(), "{markdown}");
    for row in &keyboard_rows {
        assert!(
            headless_whats.iter().any(|w| row.contains(w.as_str())),
            "{row} not in the headless report"
        );
    }
    // Both keep the lead-up: entries from before the incident began.
    let began: chrono::DateTime<chrono::Utc> = json["began"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("the incident's start");
    let lead_up: Vec<String> = json["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["time"]
                .as_str()
                .and_then(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok())
                .is_some_and(|t| t < began)
        })
        .filter_map(|e| e["what"].as_str().map(|w| w.replace('|', "\\|")))
        .collect();
    assert!(
        !lead_up.is_empty(),
        "no lead-up in the headless report: {json:#}"
    );
    assert!(
        lead_up
            .iter()
            .any(|w| keyboard_rows.iter().any(|row| row.contains(w.as_str()))),
        "no lead-up in the keyboard's report:\n{markdown}"
    );

    // What cannot be: said, exit 2, nothing written.
    let out = headless(&["--incident", "no-such-thing"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown incident no-such-thing"),
        "{stderr}"
    );
    let out = headless(&["--output", "/nonexistent-dir/report.md"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write /nonexistent-dir/report.md: No such file or directory"),
        "{stderr}"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}
