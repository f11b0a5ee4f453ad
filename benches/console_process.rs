//! The console as a process against `sim --pods N` in another process (so only the console is
//! measured): time from exec to the first full screen (criterion), then resident memory with
//! 5,000 and 10,000 pods watched, idle CPU, and bytes written to the terminal per second on a
//! steady screen (printed). Needs tmux. Run: `cargo bench --bench console_process`.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};

const BIN: &str = env!("CARGO_BIN_EXE_ms5-console");

fn start_sim(pods: &str, dir: &Path) -> Child {
    let mut child = Command::new(BIN)
        .args(["sim", "--pods", pods, "--kubeconfig-out"])
        .arg(dir.join("kubeconfig"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the sim");
    let stdout = child.stdout.take().expect("stdout");
    for line in BufReader::new(stdout).lines().map_while(Result::ok) {
        if line == "ready" {
            break;
        }
    }
    child
}

/// The console in a 200x60 tmux pane; its terminal output is also logged to `dir/pane.log`.
struct Console {
    socket: String,
}

impl Console {
    fn start(dir: &Path, tag: &str) -> Console {
        // A fresh server for every start: criterion counts iterations from 0 again in each
        // phase, and a new session on the socket of a server still shutting down fails with
        // "server exited unexpectedly".
        static STARTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = STARTS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let socket = format!("ms5-bench-{tag}-{}-{n}", std::process::id());
        let d = dir.display();
        let script = format!(
            "echo $$ > {d}/pid; XDG_STATE_HOME={d}/state XDG_CONFIG_HOME={d}/config \
             exec {BIN} --kubeconfig {d}/kubeconfig"
        );
        let _ = std::fs::remove_file(dir.join("pid"));
        Command::new("tmux")
            .args([
                "-L",
                &socket,
                "new-session",
                "-d",
                "-s",
                "b",
                "-x",
                "200",
                "-y",
                "60",
                "sh",
                "-c",
                &script,
            ])
            .status()
            .expect("tmux");
        Console { socket }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "b"])
            .output();
        out.map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default()
    }

    /// Waits for the overview to count every pod: the first full screen.
    fn wait_full(&self, pods: usize) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if counted(&self.screen()) >= pods {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("no full screen within 60 s:\n{}", self.screen());
    }

    fn pipe_to(&self, file: &Path) {
        Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "pipe-pane",
                "-t",
                "b",
                &format!("cat >> {}", file.display()),
            ])
            .status()
            .expect("pipe-pane");
    }
}

impl Drop for Console {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

fn console_pid(dir: &Path) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        if let Some(pid) = std::fs::read_to_string(dir.join("pid"))
            .ok()
            .and_then(|p| p.trim().parse().ok())
        {
            return pid;
        }
        assert!(Instant::now() < deadline, "console did not start");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn rss_mib(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0);
    kib / 1024.0
}

fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((field(11) + field(12)) * 10)
}

/// The sim's world has 36 pods in the three ms5 namespaces before the extra ones.
fn watched(extra: usize) -> usize {
    extra + 36
}

/// Pods the overview counts over all namespace rows ("N of TOTAL" in NOT READY).
fn counted(screen: &str) -> usize {
    screen
        .lines()
        .filter(|l| l.starts_with("│ms5-"))
        .filter_map(|l| {
            l.split(" of ")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse::<usize>()
                .ok()
        })
        .sum()
}

fn startup(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sim = start_sim("10000", dir.path());
    let mut group = c.benchmark_group("console process");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("exec to first full screen, 10k pods", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let started = Instant::now();
                let console = Console::start(dir.path(), &format!("s{i}"));
                console.wait_full(watched(10_000));
                total += started.elapsed();
            }
            total
        })
    });
    group.finish();
    let _ = sim.kill();
    let _ = sim.wait();
}

fn steady_state() {
    for extra in [5_000, 10_000] {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut sim = start_sim(&extra.to_string(), dir.path());
        let console = Console::start(dir.path(), "steady");
        console.wait_full(watched(extra));
        let pid = console_pid(dir.path());
        std::thread::sleep(Duration::from_secs(5));
        println!(
            "console RSS, {extra} extra pods watched: {:.1} MiB",
            rss_mib(pid)
        );
        if extra == 10_000 {
            let log = dir.path().join("pane.log");
            console.pipe_to(&log);
            let window = Duration::from_secs(30);
            let before = cpu_time(pid);
            std::thread::sleep(window);
            let used = cpu_time(pid).saturating_sub(before);
            println!(
                "console idle CPU, 10k pods: {used:?} in {window:?} = {:.2} % of one core",
                100.0 * used.as_secs_f64() / window.as_secs_f64()
            );
            let bytes = std::fs::metadata(&log).map(|m| m.len()).unwrap_or(0);
            println!(
                "bytes to the terminal on a steady screen: {:.0} B/s",
                bytes as f64 / window.as_secs_f64()
            );
        }
        drop(console);
        let _ = sim.kill();
        let _ = sim.wait();
    }
}

criterion_group!(benches, startup);

fn main() {
    benches();
    steady_state();
    Criterion::default().configure_from_args().final_summary();
}
