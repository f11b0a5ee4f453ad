//! The harness for tests of the real binary in a real terminal: a tmux server per test, keys
//! in, the screen out; sims in their own processes on fixed ports; credential-plugin
//! kubeconfigs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    pub socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `ms5-console ARGS` in a 120x35 tmux pane; the exit code lands in `exit`.
    pub fn start(name: &str, args: &str) -> Option<Tmux> {
        Tmux::start_with(name, &format!("{args} --kubeconfig-out {{dir}}/kubeconfig"))
    }

    /// Like `start`, with `{dir}` in `args` standing for the test's temporary directory.
    pub fn start_with(name: &str, args: &str) -> Option<Tmux> {
        Tmux::start_configured(name, args, None)
    }

    /// Like `start`, in a terminal of this size (80x24: an SSH session's).
    pub fn start_sized(name: &str, args: &str, size: (u16, u16)) -> Option<Tmux> {
        let args = format!("{args} --kubeconfig-out {{dir}}/kubeconfig");
        Tmux::launch(name, &args, None, size)
    }

    /// Like `start`, with this config file where the console looks for it
    /// (`$XDG_CONFIG_HOME/ms5-console/config.toml`).
    pub fn start_with_config(name: &str, args: &str, config: &str) -> Option<Tmux> {
        Tmux::start_configured(
            name,
            &format!("{args} --kubeconfig-out {{dir}}/kubeconfig"),
            Some(config),
        )
    }

    fn start_configured(name: &str, args: &str, config: Option<&str>) -> Option<Tmux> {
        Tmux::launch(name, args, config, (120, 35))
    }

    fn launch(name: &str, args: &str, config: Option<&str>, size: (u16, u16)) -> Option<Tmux> {
        if !require("tmux") || !require("kubectl") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        if let Some(config) = config {
            let home = dir.path().join("config/ms5-console");
            std::fs::create_dir_all(&home).unwrap();
            std::fs::write(home.join("config.toml"), config).unwrap();
        }
        let socket = format!("ms5-e2e-{name}-{}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_ms5-console");
        let d = dir.path().display();
        let args = args.replace("{dir}", &d.to_string());
        let script = format!(
            "echo $$ > {d}/pid; XDG_CONFIG_HOME={d}/config XDG_STATE_HOME={d}/state {bin} {args}; \
             echo $? > {d}/exit; sleep 600"
        );
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-s",
                "e2e",
                "-x",
                &size.0.to_string(),
                "-y",
                &size.1.to_string(),
                "sh",
                "-c",
                &script,
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux did not start");
        Some(Tmux { socket, dir })
    }

    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with its colours, as SGR escape sequences (`capture-pane -e`).
    pub fn styled_screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-e", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            // One key per call: tmux would glue `Escape` and the next key into an Alt chord.
            Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "e2e", k])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    /// Waits until `what` is on screen, however the view wrapped it (see `shows`).
    pub fn wait_for(&self, what: &str, timeout: Duration) -> String {
        self.wait_until(what, timeout, |screen| shows(screen, what))
    }

    pub fn wait_until(&self, what: &str, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < timeout,
                "`{what}` not on screen within {timeout:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn exit_code(&self, timeout: Duration) -> Option<i32> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if let Ok(text) = std::fs::read_to_string(self.path("exit"))
                && let Ok(code) = text.trim().parse()
            {
                return Some(code);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    pub fn kubectl(&self, args: &[&str]) -> String {
        let out = Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(self.path("kubeconfig"))
            .args(args)
            .env("HOME", self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// Whether `what` is on `screen`, on one line or wrapped over several: each line's panel
/// borders and padding are dropped and the lines joined by one space, so a phrase the view
/// wrapped (`within RPO 24h; metric` / `not yet updated (manual run)`) is still found.
pub fn shows(screen: &str, what: &str) -> bool {
    if screen.contains(what) {
        return true;
    }
    let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let flat = screen
        .lines()
        .map(|line| line.trim_matches(|c: char| c.is_whitespace() || "│┃║".contains(c)))
        .collect::<Vec<_>>()
        .join(" ");
    words(&flat).contains(&words(what))
}

pub fn require(binary: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {binary}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var("MS5_REQUIRE_REAL_SERVERS").as_deref() != Ok("1"),
            "{binary} is required (MS5_REQUIRE_REAL_SERVERS=1) but not on PATH"
        );
        eprintln!("SKIPPED: {binary} is not installed");
    }
    found
}

pub const START: Duration = Duration::from_secs(60);

/// A sim in its own process on a fixed port, so it can be stopped and started again.
/// A sim process a test started itself: killed when the test ends, passing or failing, so none
/// outlives a failed assertion.
pub struct SimProcess(std::process::Child);

impl std::ops::Deref for SimProcess {
    type Target = std::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for SimProcess {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start_sim(port: u16, dir: &Path) -> SimProcess {
    start_sim_with(port, dir, &[])
}

/// Like `start_sim`, with more arguments (`--scenario bad-rollout`).
pub fn start_sim_with(port: u16, dir: &Path, args: &[&str]) -> SimProcess {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .args([
            "sim",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--kubeconfig-out",
        ])
        .arg(dir.join("sim.kubeconfig"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if line == "ready" {
            break;
        }
    }
    SimProcess(child)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A kubeconfig for the sim on `port` whose user's credentials come from an exec plugin
/// running `script` (as AKS kubeconfigs call kubelogin).
pub fn exec_plugin_kubeconfig(dir: &Path, port: u16, script: &str) -> PathBuf {
    let plugin = dir.join("login-plugin");
    std::fs::write(&plugin, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&plugin, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: aks\n\
         clusters:\n- name: aks\n  cluster:\n    server: http://127.0.0.1:{port}\n\
         contexts:\n- name: aks\n  context:\n    cluster: aks\n    user: aad\n\
         users:\n- name: aad\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      \
         command: {}\n      interactiveMode: IfAvailable\n",
        plugin.display()
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, kubeconfig).unwrap();
    path
}

/// The oncall user's token in a kubeconfig the sim wrote.
pub fn oncall_token(sim_kubeconfig: &Path) -> String {
    let text = std::fs::read_to_string(sim_kubeconfig).unwrap();
    text.split("- name: oncall")
        .nth(1)
        .and_then(|rest| rest.split("token: ").nth(1))
        .and_then(|t| t.lines().next())
        .map(|t| t.trim().to_string())
        .expect("an oncall token")
}
