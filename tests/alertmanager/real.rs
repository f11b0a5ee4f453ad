//! A real Alertmanager on 127.0.0.1 with a temporary `--storage.path` and clustering off, so
//! parallel tests never collide. Its routing and inhibition match the sim's.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CONFIG: &str = "route:
  receiver: ms5-oncall
  group_by: [alertname]
  group_wait: 1s
receivers:
  - name: ms5-oncall
inhibit_rules:
  - source_matchers: [severity=\"critical\"]
    target_matchers: [severity=\"high\"]
    equal: [service]
";

pub struct RealAlertmanager {
    child: Child,
    pub url: String,
    pub dir: tempfile::TempDir,
}

impl RealAlertmanager {
    pub async fn start() -> RealAlertmanager {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = dir.path().join("alertmanager.yml");
        std::fs::write(&config, CONFIG).expect("config");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let log = std::fs::File::create(dir.path().join("alertmanager.log")).expect("log");
        let child = Command::new("prometheus-alertmanager")
            .arg(format!("--config.file={}", config.display()))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus-alertmanager");
        let real = RealAlertmanager {
            child,
            url: format!("http://127.0.0.1:{port}"),
            dir,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = http.get(format!("{}/-/ready", real.url)).send().await
                && r.status().is_success()
            {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "Alertmanager not ready within 30 s: {}",
                std::fs::read_to_string(real.dir.path().join("alertmanager.log"))
                    .unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        real
    }
}

impl Drop for RealAlertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
