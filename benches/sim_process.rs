//! The sim as a process: start-up to `ready` with 10,000 extra pods (criterion), and the CPU it
//! uses while nothing happens (printed after the criterion results).
//! Run: `cargo bench --bench sim_process`.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};

fn start(pods: &str) -> (Child, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .args(["sim", "--pods", pods, "--kubeconfig-out"])
        .arg(dir.path().join("kubeconfig"))
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
    (child, dir)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}

/// User + system CPU time of a process so far, from /proc.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which is in parentheses and may hold spaces).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields
        .get(11)
        .and_then(|u| u.parse::<u64>().ok())
        .unwrap_or(0)
        + fields
            .get(12)
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or(0);
    // Linux reports in clock ticks of 1/100 s on every mainstream configuration.
    Duration::from_millis(ticks * 10)
}

fn process(c: &mut Criterion) {
    let mut group = c.benchmark_group("sim process");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.bench_function("start-up to ready, --pods 10000", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let started = Instant::now();
                let (child, _dir) = start("10000");
                total += started.elapsed();
                stop(child);
            }
            total
        })
    });
    group.finish();
}

/// Idle CPU is too close to zero for criterion (whole 5 s windows without one clock tick), so it
/// is measured once over 30 s and printed.
fn idle_cpu() {
    let (child, _dir) = start("10000");
    std::thread::sleep(Duration::from_secs(3));
    let window = Duration::from_secs(30);
    let before = cpu_time(child.id());
    std::thread::sleep(window);
    let used = cpu_time(child.id()).saturating_sub(before);
    println!(
        "sim idle CPU, --pods 10000: {:?} of CPU in {:?} = {:.3} % of one core",
        used,
        window,
        100.0 * used.as_secs_f64() / window.as_secs_f64()
    );
    stop(child);
}

criterion_group!(benches, process);

fn main() {
    benches();
    idle_cpu();
    Criterion::default().configure_from_args().final_summary();
}
