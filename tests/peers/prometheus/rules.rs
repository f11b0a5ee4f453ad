//! `ms5-console slo rules` output is a valid Prometheus rule file.

use std::process::Command;

use crate::common;

fn slo_rules(args: &[&str], config: Option<&std::path::Path>) -> std::process::Output {
    let home = tempfile::tempdir().expect("temporary HOME");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ms5-console"));
    cmd.env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"));
    if let Some(c) = config {
        cmd.arg("--config").arg(c);
    }
    cmd.args(["slo", "rules"])
        .args(args)
        .output()
        .expect("run slo rules")
}

#[test]
fn promtool_accepts_the_generated_rules() {
    if !common::require("promtool") {
        return;
    }
    let out = slo_rules(&[], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("ms5-slo.rules.yml");
    std::fs::write(&file, &out.stdout).expect("write rules");
    let check = Command::new("promtool")
        .arg("check")
        .arg("rules")
        .arg(&file)
        .output()
        .expect("run promtool");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "promtool rejected the rules:\n{report}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // 4 SLOs x (7 recording rules + page + ticket alerts).
    assert!(report.contains("SUCCESS: 36 rules found"), "{report}");
}

#[test]
fn user_slos_from_the_config_file_get_rules_and_bad_ones_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        r#"[[slo]]
name = "minio-availability"
service = "minio"
objective = 99.5
window = "7d"
good = 'minio_s3_requests_total{code!~"5.."}'
total = 'minio_s3_requests_total'
"#,
    )
    .expect("write config");
    let out = slo_rules(&["--for", "10s"], Some(&config));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("name: ms5-slo-minio-availability"), "{text}");
    assert!(text.contains("(14.4 * 0.005)"), "{text}");
    assert_eq!(text.matches("for: 10s").count(), 10);

    std::fs::write(
        &config,
        "[[slo]]\nname = \"x\"\nservice = \"y\"\nobjective = 99.5\nwindow = \"7d\"\ngood = 'a_total'\ntotal = 'sum(b_total)'\n",
    )
    .expect("write config");
    let out = slo_rules(&[], Some(&config));
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("config.toml:7:9: error: \"sum(b_total)\" is not a plain series selector"),
        "{err}"
    );
}
