//! The real binary in a real terminal (tmux) against `demo`: it draws, `:pods` works, a
//! `kubectl rollout restart` shows up, logs appear, crash loops are named, `q` exits 0 with the
//! terminal restored, and a killed terminal (SIGHUP) ends the process.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `ms5-console ARGS` in a 120x35 tmux pane; the exit code lands in `exit`.
    fn start(name: &str, args: &str) -> Option<Tmux> {
        Tmux::start_with(name, &format!("{args} --kubeconfig-out {{dir}}/kubeconfig"))
    }

    /// Like `start`, with `{dir}` in `args` standing for the test's temporary directory.
    fn start_with(name: &str, args: &str) -> Option<Tmux> {
        if !require("tmux") || !require("kubectl") {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
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
                "120",
                "-y",
                "35",
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

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "e2e"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            // One key per call: tmux would glue `Escape` and the next key into an Alt chord.
            Command::new("tmux")
                .args(["-L", &self.socket, "send-keys", "-t", "e2e", k])
                .status()
                .unwrap();
            std::thread::sleep(Duration::from_millis(150));
        }
    }

    fn wait_for(&self, what: &str, timeout: Duration) -> String {
        self.wait_until(what, timeout, |screen| screen.contains(what))
    }

    fn wait_until(&self, what: &str, timeout: Duration, done: impl Fn(&str) -> bool) -> String {
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

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn exit_code(&self, timeout: Duration) -> Option<i32> {
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

    fn kubectl(&self, args: &[&str]) -> String {
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

fn require(binary: &str) -> bool {
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

const START: Duration = Duration::from_secs(60);

#[test]
fn demo_draws_follows_kubectl_shows_logs_and_quits_cleanly() {
    let Some(t) = Tmux::start("main", "demo") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.wait_until(
        "the Overview's workload counts",
        Duration::from_secs(10),
        |s| {
            s.lines()
                .any(|l| l.contains("│ms5-production ") && l.contains(" ok "))
        },
    );
    t.keys(&[":", "p", "o", "Enter"]);
    t.wait_for("backend-", Duration::from_secs(5));
    t.wait_for("Pods k8s watch: live", Duration::from_secs(5));

    // A change made with kubectl elsewhere reaches the screen within seconds.
    t.keys(&[":", "r", "o", "Enter"]);
    // The panel's own title (the tab bar always says "Rollouts").
    t.wait_for("╭ Rollouts k8s watch", Duration::from_secs(5));
    t.kubectl(&[
        "-n",
        "ms5-production",
        "rollout",
        "restart",
        "deployment/backend",
    ]);
    t.wait_until("backend progressing", Duration::from_secs(10), |screen| {
        screen
            .lines()
            .any(|l| l.contains("ms5-production backend") && l.contains("Progressing"))
    });

    // Logs of the selected workload's pod.
    t.keys(&["l"]);
    t.wait_for("Logs ms5-production/", Duration::from_secs(5));
    t.wait_for("HTTP/1.1", Duration::from_secs(10));
    t.keys(&["Escape"]);
    let screen = t.wait_for("╭ Rollouts k8s watch", Duration::from_secs(5));
    assert!(!screen.contains("Logs ms5-production/"), "{screen}");

    // The selected pod's YAML, fetched from the API.
    t.keys(&["3", "y"]);
    t.wait_for("kind: Pod", Duration::from_secs(5));
    t.keys(&["Escape"]);

    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
    // The alternate screen is gone: the shell's screen is back, no console frame left.
    let screen = t.screen();
    assert!(
        !screen.contains("ms5-console ctx") && !screen.contains("╭"),
        "terminal not restored:\n{screen}"
    );
}

#[test]
fn crashloop_scenario_shows_crash_loop_back_off() {
    let Some(t) = Tmux::start("crash", "demo --scenario crashloop --speed 4 --readonly") else {
        return;
    };
    t.wait_for("k8s live", START);
    // --readonly (a global flag after the subcommand) is on screen.
    t.wait_for("READ-ONLY", Duration::from_secs(5));
    t.keys(&["3"]);
    t.wait_for("CrashLoopBackOff", Duration::from_secs(60));
    // The Overview's restarts agree with kubectl's restart count (the console watched from
    // before the first crash), not one per container.
    t.keys(&["1"]);
    let restarts_on_screen = |screen: &str| -> Option<u32> {
        let row = screen.lines().find(|l| l.starts_with("│ms5-production "))?;
        let words: Vec<&str> = row.split_whitespace().collect();
        let of = words.iter().position(|w| *w == "of")?;
        words.get(of + 2)?.parse().ok()
    };
    let kubectl_restarts = || -> u32 {
        t.kubectl(&[
            "get",
            "pods",
            "-n",
            "ms5-production",
            "-o",
            "jsonpath={range .items[*]}{.status.containerStatuses[0].restartCount} {end}",
        ])
        .split_whitespace()
        .filter_map(|n| n.parse::<u32>().ok())
        .sum()
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    let agreed = loop {
        let before = kubectl_restarts();
        let screen = t.screen();
        let shown = restarts_on_screen(&screen);
        let after = kubectl_restarts();
        if before == after && shown == Some(after) && after >= 2 {
            break after;
        }
        assert!(
            Instant::now() < deadline,
            "kubectl says {after} restarts, the Overview {shown:?}:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(agreed >= 2);
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

#[test]
fn slo_burn_shows_the_backend_burning_and_a_page_through_the_service_proxy() {
    let Some(t) = Tmux::start("slo", "demo --scenario slo-burn") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&[":", "s", "l", "o", "Enter"]);
    // The default Prometheus address goes through the API server's service proxy.
    t.wait_for(
        "prometheus k8s://ms5-system/prometheus-service:9090",
        Duration::from_secs(10),
    );
    let screen = t.wait_for("PAGE", Duration::from_secs(30));
    let row = screen
        .lines()
        .find(|l| l.contains("backend-availability"))
        .unwrap_or_default();
    assert!(row.contains("PAGE") && row.contains('!'), "{screen}");
    // Details: the budget chart and the burn sparkline for the selected SLO.
    t.keys(&["j", "Enter"]);
    t.wait_for("burn rate (5m) over the last 6h", Duration::from_secs(20));
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

#[test]
fn alerts_lists_the_scenarios_alerts_and_s_creates_a_silence_end_to_end() {
    let Some(t) = Tmux::start("alerts", "demo --scenario node-pressure") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&[":", "a", "l", "e", "r", "t", "s", "Enter"]);
    // Through the API server's service proxy to the sim's Alertmanager, critical first.
    // Raised by the sim Prometheus' rules once postgres-0 is evicted (10 s in) and pg_up has
    // been 0 for 15 s: a rule alert, evaluated every 15 s.
    let screen = t.wait_for("MS5DatabaseDown", Duration::from_secs(60));
    assert!(
        screen.contains("alertmanager alertmanager-service:"),
        "{screen}"
    );
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("MS5"))
        .map(|l| l.split_whitespace().nth(1).unwrap_or_default())
        .collect();
    assert_eq!(
        rows,
        [
            "MS5DatabaseDown",
            "MS5NodeUnderPressure",
            "MS5CertificateExpiringSoon"
        ],
        "{screen}"
    );
    // `s`: the form, prefilled; a comment; enter shows the plan; `y` sends it.
    t.keys(&["s"]);
    t.wait_for("New silence", Duration::from_secs(5));
    t.keys(&["INC-42 evicted db node", "Enter"]);
    t.wait_for("POST /api/v2/silences", Duration::from_secs(5));
    t.keys(&["y"]);
    let screen = t.wait_for("done: ", Duration::from_secs(15));
    let id = screen
        .lines()
        .find_map(|l| l.split("done: ").nth(1))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default()
        .to_string();
    assert_eq!(id.len(), 36, "a silence id: {screen}");
    t.keys(&["Escape"]);
    // The alert is silenced by it, and `:silences` lists it with its matched alert.
    t.wait_for(&format!("silenced {}", &id[..8]), Duration::from_secs(15));
    t.keys(&["8"]);
    let screen = t.wait_for("INC-42 evicted db node", Duration::from_secs(10));
    assert!(screen.contains("1 alert"), "{screen}");
    // The audit log holds the pending and the outcome line, and `:audit` shows them.
    let log = std::fs::read_to_string(t.path("state/ms5-console/audit.jsonl")).unwrap();
    let phases: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["phase"].to_string())
        .collect();
    assert_eq!(phases, ["\"pending\"", "\"succeeded\""], "{log}");
    t.keys(&["9"]);
    let screen = t.wait_for("succeeded", Duration::from_secs(10));
    assert!(screen.contains(&id[..24]), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

#[test]
fn a_killed_terminal_ends_the_process() {
    let Some((t, console)) = running_demo("hup") else {
        return;
    };
    // Killing the session hangs up the pane's terminal: the console gets SIGHUP.
    Command::new("tmux")
        .args(["-L", &t.socket, "kill-server"])
        .status()
        .unwrap();
    let start = Instant::now();
    while Path::new(&format!("/proc/{console}")).exists() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "console {console} still running after SIGHUP"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sigterm_restores_the_terminal_and_exits_143() {
    let Some((t, console)) = running_demo("term") else {
        return;
    };
    Command::new("kill")
        .args(["-TERM", &console.to_string()])
        .status()
        .unwrap();
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(143));
    let screen = t.screen();
    assert!(
        !screen.contains("ms5-console ctx") && !screen.contains("╭"),
        "terminal not restored:\n{screen}"
    );
}

/// A live demo in tmux and the console's pid (the child of the pane's shell).
fn running_demo(name: &str) -> Option<(Tmux, i32)> {
    let t = Tmux::start(name, "demo")?;
    t.wait_for("k8s live", START);
    // Past this point the console runs: a missing pid is a failure, not a reason to skip.
    let pid = std::fs::read_to_string(t.path("pid")).expect("the pane's shell wrote its pid");
    let shell: i32 = pid.trim().parse().expect("a pid");
    let console = child_of(shell).expect("console process not found");
    Some((t, console))
}

/// The pid of `parent`'s child process (the console under `sh -c`).
fn child_of(parent: i32) -> Option<i32> {
    let children =
        std::fs::read_to_string(format!("/proc/{parent}/task/{parent}/children")).ok()?;
    children.split_whitespace().next()?.parse().ok()
}

/// A sim in its own process on a fixed port, so it can be stopped and started again.
fn start_sim(port: u16, dir: &Path) -> std::process::Child {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .args([
            "sim",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--kubeconfig-out",
        ])
        .arg(dir.join("sim.kubeconfig"))
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
    child
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn unreachable_at_start_then_live_then_reconnecting_then_live_again() {
    let port = free_port();
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: ms5-sim\n\
         clusters:\n- name: ms5-sim\n  cluster:\n    server: http://127.0.0.1:{port}\n\
         contexts:\n- name: ms5-sim\n  context:\n    cluster: ms5-sim\n    user: oncall\n\
         users:\n- name: oncall\n  user: {{}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("kubeconfig");
    std::fs::write(&config_path, kubeconfig).unwrap();
    let args = format!("--kubeconfig {}", config_path.display());
    let Some(t) = Tmux::start_with("reconnect", &args) else {
        return;
    };
    // Nothing listens yet: the console starts anyway and says so.
    t.wait_for("k8s unreachable", START);
    let mut sim = start_sim(port, dir.path());
    t.wait_for("k8s live", Duration::from_secs(40));
    t.wait_until("production counted", Duration::from_secs(10), |s| {
        s.lines()
            .any(|l| l.contains("│ms5-production ") && l.contains(" of 22"))
    });
    // The API server goes away: data stays, marked as reconnecting since when.
    let _ = Command::new("kill")
        .args(["-TERM", &sim.id().to_string()])
        .status();
    let _ = sim.wait();
    let screen = t.wait_for("k8s reconnecting since", Duration::from_secs(20));
    // The workload and pod counts, not the namespace name the header always shows.
    assert!(
        screen
            .lines()
            .any(|l| l.contains("│ms5-production ") && l.contains(" ok ") && l.contains(" of 22")),
        "data left the screen:\n{screen}"
    );
    // It comes back: the watches recover by themselves.
    let mut sim = start_sim(port, dir.path());
    t.wait_for("k8s live", Duration::from_secs(60));
    let _ = sim.kill();
    let _ = sim.wait();
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

#[test]
fn exec_credential_plugin_prompts_before_the_screen_is_taken() {
    if !require("tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut sim = start_sim(port, dir.path());
    let token = oncall_token(&dir.path().join("sim.kubeconfig"));
    // The oncall user's token, handed out by a plugin that first prompts like kubelogin does.
    let config_path = exec_plugin_kubeconfig(
        dir.path(),
        port,
        &format!(
            "echo 'To sign in, open https://microsoft.com/devicelogin and enter the code ABCD-1234' >&2\n\
             sleep 2\necho '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\
             \"status\":{{\"token\":\"{token}\"}}}}'"
        ),
    );
    let Some(t) = Tmux::start_with("exec", &format!("--kubeconfig {}", config_path.display()))
    else {
        let _ = sim.kill();
        let _ = sim.wait();
        return;
    };
    let prompt = t.wait_for("enter the code ABCD-1234", Duration::from_secs(20));
    assert!(
        !prompt.contains("ms5-console ctx"),
        "the console drew over the prompt:\n{prompt}"
    );
    t.wait_for("k8s live", Duration::from_secs(30));
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
    let _ = sim.kill();
    let _ = sim.wait();
}

/// A kubeconfig for the sim on `port` whose user's credentials come from an exec plugin
/// running `script` (as AKS kubeconfigs call kubelogin).
fn exec_plugin_kubeconfig(dir: &Path, port: u16, script: &str) -> PathBuf {
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
fn oncall_token(sim_kubeconfig: &Path) -> String {
    let text = std::fs::read_to_string(sim_kubeconfig).unwrap();
    text.split("- name: oncall")
        .nth(1)
        .and_then(|rest| rest.split("token: ").nth(1))
        .and_then(|t| t.lines().next())
        .map(|t| t.trim().to_string())
        .expect("an oncall token")
}

#[test]
fn rejected_credentials_say_so_and_a_new_login_is_picked_up_without_a_restart() {
    if !require("tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut sim = start_sim(port, dir.path());
    // A credential plugin that hands out whatever token the login last stored, as kubelogin
    // hands out its cached token.
    let token_file = dir.path().join("token");
    std::fs::write(
        &token_file,
        oncall_token(&dir.path().join("sim.kubeconfig")),
    )
    .unwrap();
    let config_path = exec_plugin_kubeconfig(
        dir.path(),
        port,
        &format!(
            "printf '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\
             \"kind\":\"ExecCredential\",\"status\":{{\"token\":\"%s\"}}}}' \"$(cat {})\"",
            token_file.display()
        ),
    );
    let Some(t) = Tmux::start_with("unauth", &format!("--kubeconfig {}", config_path.display()))
    else {
        let _ = sim.kill();
        let _ = sim.wait();
        return;
    };
    t.wait_for("k8s live", START);
    t.wait_until("a workload row", Duration::from_secs(10), |s| {
        s.contains("0 of 22")
    });
    // The API server restarts with new tokens: the old one is rejected with 401.
    let _ = sim.kill();
    let _ = sim.wait();
    let mut sim = start_sim(port, dir.path());
    // The header says so (not "reconnecting": waiting will not fix it), with the fix.
    let header = |screen: &str| screen.lines().next().unwrap_or_default().to_string();
    t.wait_until("unauthorized in the header", Duration::from_secs(60), |s| {
        header(s).contains("k8s unauthorized (401): credentials rejected, log in again")
    });
    // It stays so while the login is not renewed, through the console's own re-reads.
    std::thread::sleep(Duration::from_secs(12));
    let screen = t.screen();
    assert!(
        header(&screen).contains("k8s unauthorized (401)"),
        "{screen}"
    );
    // The person logs in again: the console re-runs the plugin and is live, without a restart.
    std::fs::write(
        &token_file,
        oncall_token(&dir.path().join("sim.kubeconfig")),
    )
    .unwrap();
    t.wait_for("k8s live", Duration::from_secs(40));
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
    let _ = sim.kill();
    let _ = sim.wait();
}

#[test]
fn a_namespace_the_user_may_not_read_says_forbidden_and_the_rest_stays_live() {
    if !require("tmux") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut sim = start_sim(free_port(), dir.path());
    let args = format!(
        "--kubeconfig {} --context ms5-sim-restricted",
        dir.path().join("sim.kubeconfig").display()
    );
    let Some(t) = Tmux::start_with("forbidden", &args) else {
        let _ = sim.kill();
        let _ = sim.wait();
        return;
    };
    t.wait_for("k8s live, forbidden: ms5-system", START);
    let row = |screen: &str, ns: &str| {
        screen
            .lines()
            .find(|l| l.contains(&format!("│{ns} ")))
            .unwrap_or_default()
            .to_string()
    };
    let screen = t.wait_until("production counted", Duration::from_secs(20), |s| {
        row(s, "ms5-production").contains("of 22")
    });
    assert!(row(&screen, "ms5-production").contains("live"), "{screen}");
    assert!(row(&screen, "ms5-staging").contains("live"), "{screen}");
    let system = row(&screen, "ms5-system");
    assert!(
        system.contains("forbidden") && !system.contains("live"),
        "{screen}"
    );
    // The pods view lists the readable namespaces' pods and none of ms5-system's.
    t.keys(&["3"]);
    let screen = t.wait_for(
        "Pods k8s watch: live, forbidden: ms5-system",
        Duration::from_secs(10),
    );
    assert!(screen.contains("ms5-production backend-"), "{screen}");
    // ms5-system's pods (prometheus-0, grafana, alertmanager) are not listed: none is readable.
    t.keys(&["/", "p", "r", "o", "m", "e", "t", "h", "Enter"]);
    let screen = t.wait_for("filter \"prometh\"", Duration::from_secs(5));
    assert!(screen.contains("no rows"), "{screen}");
    t.keys(&["Escape", "/", "r", "e", "d", "i", "s", "Enter"]);
    let screen = t.wait_for("filter \"redis\"", Duration::from_secs(5));
    assert!(screen.contains("ms5-production redis-0"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
    let _ = sim.kill();
    let _ = sim.wait();
}
