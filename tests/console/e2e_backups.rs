//! A restore drill from the keyboard against `demo`, as an on-call engineer runs one: `:backups`
//! with the PostgreSQL row fresh, `d`, the plan, the CronJob's name typed (ms5-production is
//! protected), the drill followed live with its log to PASS and its RTO, the runs listing it,
//! and `:audit` showing its pending, succeeded and concluded lines; then `b`, an on-demand
//! backup, which becomes the row's last backup when it completes.

use std::time::Duration;

use crate::e2e::sgr_before;
use crate::tmux::{START, Tmux};

#[test]
fn a_restore_drill_from_the_keyboard_is_checked_typed_followed_to_pass_and_audited() {
    let Some(t) = Tmux::start("drill", "demo --speed 4") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&[":backups", "Enter"]);
    // The sim's nightly backup ran at 02:04: within the RPO until 21:15, near it after (the
    // verdict follows the clock); each in its own colour.
    let screen = t.wait_until("the last backup judged", Duration::from_secs(20), |s| {
        s.contains("within RPO 24h") || s.contains("near RPO")
    });
    assert!(screen.contains("postgres  ms5-production"), "{screen}");
    let (word, colours): (&str, &[&str]) = if screen.contains("within RPO 24h") {
        ("within RPO 24h", &["38;5;2", "32"])
    } else {
        ("near RPO", &["38;5;3", "33"])
    };
    let sgr = sgr_before(&t.styled_screen(), "last backup", word);
    assert!(
        colours.iter().any(|c| sgr.ends_with(c)),
        "{word} in its colour: {sgr:?}"
    );
    t.keys(&["d"]);
    let screen = t.wait_for("type postgres-restore-test", Duration::from_secs(20));
    for expected in [
        "object   CronJob ms5-production/postgres-restore-test",
        "RBAC: may create jobs.batch in ms5-production: allowed",
        "server dry run: the server accepts this",
        "note     restores the newest good backup:",
    ] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
    // `y` is a letter here: only the exact name sends.
    t.keys(&["y", "Enter"]);
    t.wait_for(
        "type postgres-restore-test exactly to send",
        Duration::from_secs(5),
    );
    t.keys(&["BSpace", "postgres-restore-test", "Enter"]);
    let screen = t.wait_for("log  restore-test: verified", Duration::from_secs(30));
    assert!(screen.contains("Following"), "{screen}");
    let screen = t.wait_for("PASS: the Job Complete", Duration::from_secs(60));
    assert!(
        screen.contains("restore-test: PASS restored in") && screen.contains("; RTO "),
        "{screen}"
    );
    // The runs list it as a drill, followed, with who ran it and its RTO.
    // Separate sends: an escape followed at once by a key reads as an alt chord.
    t.keys(&["Escape"]);
    t.wait_for("enter runs and drills", Duration::from_secs(5));
    t.keys(&["Enter"]);
    let screen = t.wait_for("by ", Duration::from_secs(10));
    let drill = screen
        .lines()
        .find(|l| l.contains("-drill-"))
        .unwrap_or_default();
    assert!(
        drill.contains("manual") && drill.contains(": PASS RTO "),
        "{screen}"
    );
    // The audit log has its three lines.
    t.keys(&["Escape"]);
    t.wait_for("enter runs and drills", Duration::from_secs(5));
    t.keys(&["9"]);
    let screen = t.wait_for("concluded restore-drill", Duration::from_secs(10));
    for phase in ["succeeded restore-drill", "pending   restore-drill"] {
        assert!(screen.contains(phase), "{phase}:\n{screen}");
    }
    // An on-demand backup: when it completes, the row's last backup is it, and the gauge (which
    // sees scheduled runs only) is said not to have caught up.
    t.keys(&[":backups", "Enter"]);
    t.wait_for("enter runs and drills", Duration::from_secs(5));
    t.keys(&["b"]);
    t.wait_for("type postgres-backup", Duration::from_secs(20));
    t.keys(&["postgres-backup", "Enter"]);
    let screen = t.wait_for("PASS: the Job Complete", Duration::from_secs(60));
    assert!(
        screen.contains("upload to minio://ms5-backups complete"),
        "{screen}"
    );
    t.keys(&["Escape"]);
    let screen = t.wait_for(
        "metric not yet updated (manual run)",
        Duration::from_secs(10),
    );
    let last = screen
        .lines()
        .find(|l| l.contains("last backup"))
        .unwrap_or_default();
    assert!(
        last.contains("manual run postgres-backup-manual-"),
        "{screen}"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

#[test]
fn in_restore_failing_the_policy_is_breached_and_a_drill_from_the_keyboard_fails_naming_the_table()
{
    let Some(t) = Tmux::start("drill-failing", "demo --scenario restore-failing --speed 4") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&[":backups", "Enter"]);
    let screen = t.wait_for("DRILL POLICY BREACHED", Duration::from_secs(20));
    assert!(screen.contains("firing: MS5RestoreTestFailed"), "{screen}");
    let sgr = sgr_before(
        &t.styled_screen(),
        "last restore test",
        "DRILL POLICY BREACHED",
    );
    assert!(
        sgr.ends_with("38;5;1") || sgr.ends_with("31"),
        "the breached policy in red: {sgr:?}"
    );
    t.keys(&["d"]);
    t.wait_for("type postgres-restore-test", Duration::from_secs(20));
    t.keys(&["postgres-restore-test", "Enter"]);
    let screen = t.wait_for("failed: FAIL: the Job Failed", Duration::from_secs(60));
    assert!(
        screen.contains("downtime_events (expected 10234, got 10198)"),
        "{screen}"
    );
    t.keys(&["Escape"]);
    t.wait_for("enter runs and drills", Duration::from_secs(5));
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}
