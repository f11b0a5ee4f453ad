//! A real Alertmanager on 127.0.0.1 with a temporary `--storage.path` and clustering off, so
//! parallel tests never collide. Its routing and inhibition match the sim's.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
        let port = crate::common::free_port();
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
        crate::common::wait_ready(&real.url, "Alertmanager", Duration::from_secs(30), || {
            std::fs::read_to_string(real.dir.path().join("alertmanager.log")).unwrap_or_default()
        })
        .await;
        real
    }
}

impl Drop for RealAlertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
