//! Shared test harness: runs the real `ms5-console sim` binary on loopback and real clients
//! (kubectl) against it, with a temporary HOME and cache so nothing of the user's is touched.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Whether `binary` is on PATH. Without it the test is skipped with a printed reason, unless
/// `MS5_REQUIRE_REAL_SERVERS=1` (CI), where its absence fails the test.
pub fn require(binary: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {binary}")])
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if found {
        return true;
    }
    if std::env::var("MS5_REQUIRE_REAL_SERVERS").as_deref() == Ok("1") {
        panic!("{binary} is required (MS5_REQUIRE_REAL_SERVERS=1) but not on PATH");
    }
    eprintln!(
        "SKIPPED: {binary} is not installed; set MS5_REQUIRE_REAL_SERVERS=1 to make this a failure"
    );
    false
}

/// A running `ms5-console sim` process, stopped with SIGTERM when dropped.
pub struct Sim {
    child: Child,
    exited: bool,
    pub dir: tempfile::TempDir,
    pub endpoints: HashMap<String, String>,
}

impl Sim {
    pub fn start(extra: &[&str]) -> Sim {
        let dir = tempfile::tempdir().expect("temporary directory");
        let kubeconfig = dir.path().join("kubeconfig");
        let mut child = Command::new(env!("CARGO_BIN_EXE_ms5-console"))
            .arg("sim")
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            .args(extra)
            .env("HOME", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start ms5-console sim");
        let stdout = child.stdout.take().expect("sim stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut endpoints = HashMap::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("sim announces `ready` within 60 s");
            if line == "ready" {
                break;
            }
            let (key, value) = line.split_once(' ').expect("stdout lines are `NAME VALUE`");
            endpoints.insert(key.to_string(), value.to_string());
        }
        Sim {
            child,
            exited: false,
            dir,
            endpoints,
        }
    }

    pub fn url(&self, name: &str) -> &str {
        self.endpoints
            .get(name)
            .unwrap_or_else(|| panic!("sim announced no {name}"))
    }

    pub fn kubeconfig(&self) -> PathBuf {
        PathBuf::from(self.url("kubeconfig"))
    }

    pub fn kubectl(&self) -> Kubectl {
        Kubectl {
            kubeconfig: self.kubeconfig(),
            home: self.dir.path().to_path_buf(),
            context: None,
        }
    }

    /// The bearer token of a kubeconfig user, for raw HTTP clients.
    pub fn token(&self, user: &str) -> String {
        let text = std::fs::read_to_string(self.kubeconfig()).expect("kubeconfig readable");
        let config: serde_json::Value = serde_yaml::from_str(&text).expect("kubeconfig is YAML");
        config["users"]
            .as_array()
            .and_then(|users| users.iter().find(|u| u["name"] == user))
            .and_then(|u| u["user"]["token"].as_str())
            .expect("user has a token")
            .to_string()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends SIGTERM and returns the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        self.exited = true;
        self.child.wait().expect("sim exits")
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if self.exited {
            return;
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// Real kubectl, configured only through the sim's kubeconfig.
pub struct Kubectl {
    kubeconfig: PathBuf,
    home: PathBuf,
    context: Option<String>,
}

impl Kubectl {
    pub fn with_context(mut self, context: &str) -> Self {
        self.context = Some(context.to_string());
        self
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("kubectl");
        cmd.arg("--kubeconfig").arg(&self.kubeconfig);
        if let Some(context) = &self.context {
            cmd.args(["--context", context]);
        }
        cmd.args(args)
            .env_remove("KUBECONFIG")
            .env("HOME", &self.home)
            .env("KUBECACHEDIR", self.home.join("kube-cache"));
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run kubectl")
    }

    pub fn run_stdin(&self, args: &[&str], input: &str) -> Output {
        use std::io::Write;
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kubectl");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("kubectl output")
    }

    /// Runs and asserts success; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "kubectl {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Runs and asserts failure; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            !out.status.success(),
            "kubectl {} should fail but printed {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// The header row of kubectl's table output, split into columns.
pub fn header(table: &str) -> Vec<String> {
    table
        .lines()
        .next()
        .unwrap_or_default()
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(String::from)
        .collect()
}

/// The rows of kubectl's table output whose first column is `name`.
pub fn row<'a>(table: &'a str, name: &str) -> Option<Vec<&'a str>> {
    table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .find(|cells| cells.first() == Some(&name))
}

pub fn write_file(dir: &Path, name: &str, contents: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write fixture");
    path
}

/// Collapses runs of spaces, so assertions on kubectl's aligned output do not depend on padding.
pub fn squash(text: &str) -> String {
    text.lines()
        .map(|l| {
            l.split(' ')
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A loopback port free at the time of asking (for servers that must be told their port).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// Polls `{base}/-/ready` until it answers 2xx; on timeout fails with the server's `log()`.
pub async fn wait_ready(base: &str, what: &str, timeout: Duration, log: impl Fn() -> String) {
    let http = reqwest::Client::new();
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Ok(r) = http.get(format!("{base}/-/ready")).send().await
            && r.status().is_success()
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what} not ready within {timeout:?}:\n{}",
            log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The certificate in a `kubernetes.io/tls` Secret, read with kubectl: its DNS names and the
/// seconds left until it expires.
pub fn tls_certificate(k: &Kubectl, namespace: &str, secret: &str) -> (Vec<String>, i64) {
    use base64::Engine;
    let data = k.ok(&[
        "-n",
        namespace,
        "get",
        "secret",
        secret,
        "-o",
        "jsonpath={.data.tls\\.crt}",
    ]);
    let pem = base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .expect("base64");
    let (_, pem) = x509_parser::pem::parse_x509_pem(&pem).expect("a PEM certificate");
    let cert = pem.parse_x509().expect("an X.509 certificate");
    let names = cert
        .subject_alternative_name()
        .expect("SAN extension")
        .map(|san| {
            san.value
                .general_names
                .iter()
                .map(|n| n.to_string())
                .collect()
        })
        .unwrap_or_default();
    let left = cert.validity().not_after.timestamp() - chrono::Utc::now().timestamp();
    (names, left)
}
pub mod writer;
