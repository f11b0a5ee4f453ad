//! A real Prometheus (Debian's `prometheus`) on a free loopback port with a temporary storage
//! path, optionally backfilled with `promtool tsdb create-blocks-from openmetrics`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct RealPrometheus {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl RealPrometheus {
    /// Starts Prometheus with `config` (YAML; `RULES` in it is replaced by the rule file's path)
    /// after backfilling `history` (OpenMetrics text), and waits until it is ready.
    pub async fn start(config: &str, rules: &str, history: Option<&str>) -> RealPrometheus {
        RealPrometheus::start_with(config, rules, history, &[]).await
    }

    /// Like `start`, with more command-line flags.
    pub async fn start_with(
        config: &str,
        rules: &str,
        history: Option<&str>,
        flags: &[&str],
    ) -> RealPrometheus {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        std::fs::create_dir_all(&data).expect("data dir");
        if let Some(history) = history {
            backfill(dir.path(), &data, history);
        }
        let rules_path = dir.path().join("ms5-slo.rules.yml");
        std::fs::write(&rules_path, rules).expect("write rules");
        let config_path = dir.path().join("prometheus.yml");
        let config = config.replace("RULES", &rules_path.display().to_string());
        std::fs::write(&config_path, config).expect("write config");
        let port = crate::common::free_port();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).expect("log file");
        let child = Command::new("prometheus")
            .arg(format!("--config.file={}", config_path.display()))
            .arg(format!("--storage.tsdb.path={}", data.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--storage.tsdb.retention.time=60d")
            .arg("--log.level=warn")
            .args(flags)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let real = RealPrometheus {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        crate::common::wait_ready(&real.url, "Prometheus", Duration::from_secs(60), || {
            real.log()
        })
        .await;
        real
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }
}

impl Drop for RealPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn backfill(dir: &Path, data: &Path, history: &str) {
    let input = dir.join("history.om");
    std::fs::write(&input, history).expect("write history");
    let out = Command::new("promtool")
        .args(["tsdb", "create-blocks-from", "openmetrics"])
        .arg(&input)
        .arg(data)
        .output()
        .expect("run promtool");
    assert!(
        out.status.success(),
        "promtool backfill failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scrape config for the sim's `/metrics`, keeping the sim's labels and timestamps.
pub fn scrape_config(target: &str) -> String {
    format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nrule_files:\n  - RULES\n\
         scrape_configs:\n  - job_name: ms5-sim\n    honor_labels: true\n    honor_timestamps: true\n\
         \x20   static_configs:\n      - targets: ['{target}']\n"
    )
}
