//! The real binary in a real terminal (tmux) against `demo`: it draws, `:pods` works, a
//! `kubectl rollout restart` shows up, logs appear, crash loops are named, `q` exits 0 with the
//! terminal restored, and a killed terminal (SIGHUP) ends the process.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::tmux::{START, Tmux};

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

    // The workload's logs during its restart: every pod's lines merged, each prefixed with its
    // pod, the new ReplicaSet's pods joining as they start (issue 31).
    let old_pods = t.kubectl(&[
        "-n",
        "ms5-production",
        "get",
        "rs",
        "-l",
        "app=backend",
        "-o",
        "jsonpath={range .items[?(@.status.replicas>0)]}{.metadata.name} {.metadata.creationTimestamp}{\"\\n\"}{end}",
    ]);
    t.keys(&["l"]);
    t.wait_for("Logs ms5-production deploy/backend", Duration::from_secs(5));
    t.wait_for("HTTP/1.1", Duration::from_secs(10));
    // Two ReplicaSets' pods in the stream: prefixes with two different hashes.
    let hashes = |screen: &str| {
        let mut hashes: Vec<String> = screen
            .lines()
            .filter_map(|l| l.trim_start_matches('│').split_once(" │ "))
            .filter(|(prefix, rest)| rest.contains("HTTP/1.1") && prefix.len() == 10)
            .map(|(prefix, _)| prefix[..4].to_string())
            .collect();
        hashes.sort();
        hashes.dedup();
        hashes
    };
    let screen = t.wait_until(
        "lines of the old and the new ReplicaSet's pods",
        Duration::from_secs(60),
        |screen| hashes(screen).len() >= 2,
    );
    assert!(screen.contains(" pods · following"), "{old_pods}\n{screen}");
    // `t`: every pod's stream again, each line with the kubelet's RFC 3339 time after its pod.
    t.keys(&["t"]);
    let screen = t.wait_until("timestamped lines", Duration::from_secs(15), |s| {
        s.lines().any(|l| {
            l.trim_start_matches('│')
                .split_once(" │ ")
                .and_then(|(_, rest)| rest.split_whitespace().next())
                .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
        })
    });
    let title = screen
        .lines()
        .find(|l| l.contains("╭ Logs"))
        .unwrap_or_default();
    assert!(title.contains("timestamps"), "{screen}");
    t.keys(&["t"]);
    // `/` highlights and keeps every line; `n` moves to an older match; `&` keeps only matches.
    t.keys(&["/", "5", "0", "0", " ", "I", "n", "t", "Enter"]);
    let screen = t.wait_for("\"500 Int\" ", Duration::from_secs(5));
    assert!(screen.contains("200 OK"), "every line kept:\n{screen}");
    t.keys(&["n"]);
    t.keys(&["Escape", "&", "5", "0", "0", " ", "I", "n", "t", "Enter"]);
    let screen = t.wait_for("only \"500 Int\"", Duration::from_secs(5));
    assert!(!screen.contains("200 OK"), "only matches:\n{screen}");
    t.keys(&["Escape"]);
    t.wait_until("the search cleared", Duration::from_secs(5), |s| {
        !s.contains("500 Int") || s.contains("200 OK")
    });
    t.keys(&["Escape"]);
    let screen = t.wait_for("╭ Rollouts k8s watch", Duration::from_secs(5));
    assert!(!screen.contains("Logs ms5-production"), "{screen}");
    // Help lists every view and searches.
    t.keys(&["?"]);
    let screen = t.wait_for("Commands:", Duration::from_secs(5));
    for view in [":validation", ":backups", ":timeline"] {
        assert!(screen.contains(view), "{view} missing from help:\n{screen}");
    }
    t.keys(&["/", "u", "n", "d", "o", "Enter"]);
    t.wait_for("lines with \"undo\"", Duration::from_secs(5));
    t.keys(&["Escape", "Escape"]);

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

/// Paged with "MS5 production is degraded" during `node-pressure`, with only the console: the
/// database node's details say what happened (its pressure, its taints, what runs there and
/// uses what, the eviction), the eviction reads whole, and `enter` goes to the pod.
#[test]
fn node_pressure_is_diagnosed_from_the_console_alone() {
    let Some(t) = Tmux::start("diagnose", "demo --scenario node-pressure") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&["4"]);
    // The Nodes view, by name: app x3, then the database node.
    t.wait_for("aks-db-27183645-vmss000000", Duration::from_secs(10));
    t.keys(&["j", "j", "j", "Enter"]);
    let screen = t.wait_until(
        "the eviction in the node's details",
        Duration::from_secs(60),
        |s| s.contains("Node aks-db-27183645-vmss000000") && s.contains("Evicted"),
    );
    for needle in [
        "MemoryPressure True  kubelet has insufficient memory available since",
        "workload=database:NoSchedule, node.kubernetes.io/memory-pressure:NoSchedule",
        "ms5-system/node-exporter-",
        "Evicted Pod/postgres-0: The node was low on resource: memory.",
    ] {
        assert!(screen.contains(needle), "{needle}:\n{screen}");
    }
    // The pod on the node with its memory use, in a unit.
    let exporter = screen
        .lines()
        .find(|l| l.contains("ms5-system/node-exporter-"))
        .unwrap_or_default();
    assert!(exporter.contains("Mi "), "{exporter}");
    // The eviction, whole; then its pod.
    t.keys(&["5", "/", "Evicted", "Enter", "Enter"]);
    let screen = t.wait_for("Event Evicted", Duration::from_secs(10));
    let joined: String = screen
        .replace('│', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        joined.contains("request is 16Gi, has larger consumption of memory."),
        "{screen}"
    );
    t.keys(&["Enter"]);
    t.wait_for("3:Pods", Duration::from_secs(5));
    t.keys(&["Enter"]);
    let screen = t.wait_for("Pod ms5-production/postgres-0", Duration::from_secs(5));
    // The replacement: not started, and the scheduler's reason among its events.
    assert!(
        screen.contains("not started") && screen.contains("FailedScheduling"),
        "{screen}"
    );
    let selected_row = screen
        .lines()
        .find(|l| l.contains("postgres-0") && l.contains("Pending"));
    assert!(
        selected_row.is_some(),
        "the selected pod stays in view:\n{screen}"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

/// `2`, `backend`, `r`: the plan and its checks, the name typed in the protected namespace,
/// the outcome; kubectl sees the restart and its Event; `9` shows the audit lines.
#[test]
fn a_restart_is_planned_checked_confirmed_by_name_and_audited_end_to_end() {
    let Some(t) = Tmux::start("restart", "demo --speed 4") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&["2"]);
    t.wait_for("Complete deployment \"backend\"", Duration::from_secs(10));
    t.keys(&["r"]);
    let screen = t.wait_for("protected namespace: type backend", Duration::from_secs(15));
    for needle in [
        "object   Deployment ms5-production/backend",
        "change   restartedAt (none) -> ",
        "may patch deployments.apps in ms5-production: allowed",
        "server dry run: the server accepts this",
    ] {
        assert!(screen.contains(needle), "{needle}:\n{screen}");
    }
    // `y` is a letter here: typed, not a confirmation.
    t.keys(&["y", "BSpace", "backend", "Enter"]);
    // The progress pane follows the rollout it started to its end.
    let screen = t.wait_for(
        "Following Deployment ms5-production/backend",
        Duration::from_secs(15),
    );
    assert!(
        screen.contains("RolloutRestartRequested recorded"),
        "{screen}"
    );
    let screen = t.wait_for("ended: complete", Duration::from_secs(60));
    assert!(
        screen.contains("new replicas have been updated")
            && screen.contains("deployment \"backend\" successfully rolled out"),
        "{screen}"
    );
    t.keys(&["Escape"]);
    let restarted = t.kubectl(&[
        "get",
        "deploy/backend",
        "-o",
        "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}",
    ]);
    assert!(restarted.starts_with("20"), "{restarted}");
    t.keys(&["9"]);
    let screen = t.wait_for("concluded", Duration::from_secs(10));
    assert!(
        screen.contains("rollout-restart")
            && screen.contains("succeeded")
            && screen.contains("pending"),
        "{screen}"
    );
    // The audit file: pending, succeeded, then concluded (complete) for the same write.
    let log = std::fs::read_to_string(t.path("state/ms5-console/audit.jsonl")).unwrap();
    let phases: Vec<(String, String)> = log
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["phase"].as_str().unwrap_or_default().to_string(),
                v["result"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(phases.len(), 3, "{log}");
    assert_eq!(phases[0].0, "pending");
    assert_eq!(phases[1].0, "succeeded");
    assert_eq!(phases[2], ("concluded".to_string(), "complete".to_string()));
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
    while running(console) {
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

/// Whether process `pid` still runs. An ended process whose parent (the pane's shell, hung up
/// as well) is gone stays a zombie until init reaps it: it has ended all the same.
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        // `PID (COMM) STATE ...`: the state follows the last `)`.
        stat.rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z" && state != "X")
    })
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

/// `demo --scenario bad-rollout`: `f` on backend before its rollout starts goes on to it; the
/// pane shows the unready pod, why, and the progress deadline passing; `u` from the pane, the
/// previous revision (3) preselected, the name typed: back to revision 3's template, which
/// kubectl sees as revision 5, rolled out; the audit log concludes the undo.
#[test]
fn a_stalled_rollout_is_followed_and_undone_from_its_pane() {
    let Some(t) = Tmux::start("bad-rollout", "demo --scenario bad-rollout --speed 4") else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&["2"]);
    t.wait_for("ms5-production backend", Duration::from_secs(10));
    t.keys(&["f"]);
    t.wait_for(
        "Following Deployment ms5-production/backend",
        Duration::from_secs(10),
    );
    // The guard trips on the new pod, unready past its readiness probe's failure threshold,
    // and offers both keys while the rollout is under way.
    let screen = t.wait_for("TRIPPED", Duration::from_secs(60));
    assert!(
        screen.contains("its readiness probe reached its failure threshold"),
        "{screen}"
    );
    assert!(screen.contains("p pause  u undo (checked"), "{screen}");
    let screen = t.wait_for("exceeded its progress deadline", Duration::from_secs(90));
    for needle in [
        "TRIPPED",
        "p pause  u undo (checked",
        "deadline exceeded at",
        "Running          0/1",
        "why: Readiness probe failed",
    ] {
        assert!(screen.contains(needle), "{needle}:\n{screen}");
    }
    t.keys(&["u"]);
    let screen = t.wait_for("> revision 3", Duration::from_secs(10));
    assert!(
        screen.contains("now revision 4 (ms5-backend:1.9.1)"),
        "{screen}"
    );
    t.keys(&["Enter"]);
    let screen = t.wait_for("protected namespace: type backend", Duration::from_secs(15));
    assert!(
        screen.contains("revision 4 (ms5-backend:1.9.1) -> revision 3 (ms5-backend:1.9.0)"),
        "{screen}"
    );
    t.keys(&["backend", "Enter"]);
    t.wait_for("RolloutUndoRequested recorded", Duration::from_secs(15));
    t.wait_for("ended: complete", Duration::from_secs(60));
    let read = t.kubectl(&[
        "get",
        "deploy/backend",
        "-o",
        "jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision} {.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(read, "5 ms5acr.azurecr.io/ms5-backend:1.9.0");
    let status = t.kubectl(&["rollout", "status", "deploy/backend", "--timeout=5s"]);
    assert!(status.contains("successfully rolled out"), "{status}");
    let log = std::fs::read_to_string(t.path("state/ms5-console/audit.jsonl")).unwrap();
    let undo: Vec<String> = log
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v["action"] == "rollout-undo")
        .map(|v| v["phase"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(undo, ["pending", "succeeded", "concluded"], "{log}");
    // The timeline tells the recovery in order: the rollback, then its completion; and the
    // undo itself from the audit log.
    t.keys(&["Escape"]);
    t.keys(&[":tl", "Enter"]);
    let screen = t.wait_for("rollout complete: revision 5", Duration::from_secs(20));
    let row = |needle: &str| {
        screen
            .lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}:\n{screen}"))
    };
    assert!(
        row("rollout complete: revision 5") < row("rolled back: revision 5"),
        "newest first: the completion above the rollback\n{screen}"
    );
    row("rollout-undo deployment ms5-production");
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

/// The backend's burn rate over `window` through the API server's service proxy, from the
/// demo's Prometheus, as the console reads it.
fn burn(t: &Tmux, window: &str) -> f64 {
    let query = format!("slo:sli_error:ratio_rate{window}{{slo=\"backend-availability\"}}/0.001");
    let path = format!(
        "/api/v1/namespaces/ms5-system/services/prometheus-service:9090/proxy/api/v1/query?query={}",
        form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>()
    );
    let answer: serde_json::Value =
        serde_json::from_str(&t.kubectl(&["get", "--raw", &path])).expect("a Prometheus answer");
    answer["data"]["result"][0]["value"][1]
        .as_str()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

/// The audit log's lines for `action`, as (phase, parameters).
fn audited(t: &Tmux, action: &str) -> Vec<(String, serde_json::Value)> {
    let log = std::fs::read_to_string(t.path("state/ms5-console/audit.jsonl")).unwrap_or_default();
    log.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["action"] == action)
        .map(|v| {
            (
                v["phase"].as_str().unwrap_or_default().to_string(),
                v["parameters"].clone(),
            )
        })
        .collect()
}

/// `demo --scenario bad-release` with `[guard] auto-pause = true`, the whole story:
/// 1. `f` on backend before 1.9.2 rolls out; it completes, its pods answer 40 % of requests
///    with 5xx, and the guard trips on burn after completion, loudly, offering undo only
///    (pausing a finished rollout changes nothing, so auto-pause does not);
/// 2. `u`, the name typed: kubectl sees revision 3's image back, and the 5m/1h pair falls back
///    under 14.4x within 6 minutes of the undo's completion, read from the demo's Prometheus;
/// 3. 1.9.2 again, slower (a readiness probe's initial delay): the burn trips the guard while
///    the rollout progresses, and the guard pauses it by itself, audited as automatic.
#[test]
fn a_bad_release_trips_the_guard_is_undone_recovers_and_is_paused_by_the_guard_next_time() {
    let Some(t) = Tmux::start_with_config(
        "bad-release",
        "demo --scenario bad-release --speed 4",
        "[guard]\nauto-pause = true\n",
    ) else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&["2"]);
    t.wait_for("ms5-production backend", Duration::from_secs(10));
    t.keys(&["f"]);
    t.wait_for(
        "auto-pause on: a trip while the rollout progresses pauses it",
        Duration::from_secs(30),
    );
    t.wait_for("ended: complete", Duration::from_secs(120));
    let screen = t.wait_for("TRIPPED", Duration::from_secs(240));
    assert!(
        screen.contains("backend-availability burning")
            && screen.contains("since the rollout began"),
        "{screen}"
    );
    assert!(screen.contains("u undo (checked"), "{screen}");
    assert!(
        !screen.contains("p pause  u undo"),
        "a finished rollout is not offered a pause:\n{screen}"
    );
    assert!(
        screen.contains("auto-pause: not paused, the rollout had completed"),
        "{screen}"
    );
    assert!(audited(&t, "rollout-pause").is_empty());

    // 2. Undo from the pane; the burn falls back.
    t.keys(&["u"]);
    t.wait_for("> revision 3", Duration::from_secs(10));
    t.keys(&["Enter"]);
    t.wait_for("protected namespace: type backend", Duration::from_secs(15));
    t.keys(&["backend", "Enter"]);
    t.wait_for("RolloutUndoRequested recorded", Duration::from_secs(15));
    let image = t.kubectl(&[
        "get",
        "deploy/backend",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ]);
    assert_eq!(image, "ms5acr.azurecr.io/ms5-backend:1.9.0");
    t.kubectl(&["rollout", "status", "deploy/backend", "--timeout=90s"]);
    let undone = Instant::now();
    let (m5, h1) = loop {
        let (m5, h1) = (burn(&t, "5m"), burn(&t, "1h"));
        if !(m5 > 14.4 && h1 > 14.4) {
            break (m5, h1);
        }
        assert!(
            undone.elapsed() < Duration::from_secs(360),
            "still paging 6 minutes after the undo: {m5}x/{h1}x"
        );
        std::thread::sleep(Duration::from_secs(5));
    };
    assert!(m5 < 14.4, "the 5m window is clean again: {m5}x/{h1}x");
    // The console reads it too: the guard beside the undo no longer says paging.
    t.wait_until(
        "backend-availability no longer paging",
        Duration::from_secs(60),
        |s| {
            s.lines()
                .any(|l| l.contains("backend-availability ") && l.contains(", at start"))
        },
    );

    // 3. 1.9.2 again, each new pod unready for 70 s: the burn trips the guard mid-rollout.
    t.keys(&["Escape"]);
    t.kubectl(&[
        "patch",
        "deploy/backend",
        "--type=json",
        "-p",
        r#"[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"ms5acr.azurecr.io/ms5-backend:1.9.2"},
            {"op":"add","path":"/spec/template/spec/containers/0/readinessProbe/initialDelaySeconds","value":280}]"#,
    ]);
    t.keys(&["f"]);
    let screen = t.wait_for(
        "paused by the guard (audited as write",
        Duration::from_secs(200),
    );
    assert!(screen.contains("TRIPPED"), "{screen}");
    let paused = t.kubectl(&["get", "deploy/backend", "-o", "jsonpath={.spec.paused}"]);
    assert_eq!(paused, "true");
    let pauses = audited(&t, "rollout-pause");
    let phases: Vec<&str> = pauses.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(&phases[..2], ["pending", "succeeded"], "{pauses:?}");
    assert_eq!(pauses[0].1["reason"], "guard");
    assert_eq!(pauses[0].1["automatic"], true);
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

/// `demo --scenario slo-burn` with auto-pause on: the backend is paging before anyone acts; a
/// restart from the console (it may be the fix) is followed, and its guard shows the burn as
/// burning since before this rollout: it neither trips nor pauses.
#[test]
fn a_restart_during_a_burn_is_guarded_but_neither_trips_nor_pauses() {
    let Some(t) = Tmux::start_with_config(
        "slo-restart",
        "demo --scenario slo-burn --speed 4",
        "[guard]\nauto-pause = true\n",
    ) else {
        return;
    };
    t.wait_for("k8s live", START);
    t.keys(&["6"]);
    t.wait_for("PAGE", Duration::from_secs(30));
    t.keys(&["2"]);
    t.wait_for("Complete deployment \"backend\"", Duration::from_secs(10));
    t.keys(&["r"]);
    t.wait_for("protected namespace: type backend", Duration::from_secs(15));
    t.keys(&["backend", "Enter"]);
    t.wait_for(
        "Following Deployment ms5-production/backend",
        Duration::from_secs(15),
    );
    t.wait_for(
        "auto-pause on: a trip while the rollout progresses pauses it",
        Duration::from_secs(15),
    );
    let screen = t.wait_for("ended: complete", Duration::from_secs(90));
    for needle in [
        "guard    not tripped: this SLO was already paging before the rollout began, so its burn",
        "backend-availability burning since before this rollout: ",
    ] {
        assert!(screen.contains(needle), "{needle}:\n{screen}");
    }
    assert!(!screen.contains("TRIPPED"), "{screen}");
    let paused = t.kubectl(&["get", "deploy/backend", "-o", "jsonpath={.spec.paused}"]);
    assert_eq!(paused, "", "nothing paused");
    assert!(audited(&t, "rollout-pause").is_empty());
    assert_eq!(
        audited(&t, "rollout-restart").len(),
        3,
        "pending, succeeded, concluded"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}

/// The SGR parameters in force where `needle` first appears on the line holding `row` (the
/// escape sequences right before it, joined): `1;31` for bold red.
pub fn sgr_before(styled: &str, row: &str, needle: &str) -> String {
    let line = styled
        .lines()
        .find(|l| l.contains(row) && l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {row} and {needle}:\n{styled}"));
    let at = line.find(needle).unwrap();
    let mut params = Vec::new();
    let mut before = &line[..at];
    while let Some(stripped) = before.strip_suffix('m') {
        let Some(start) = stripped.rfind("\u{1b}[") else {
            break;
        };
        params.push(stripped[start + 2..].to_string());
        before = &stripped[..start];
    }
    params.reverse();
    params.join(";")
}

#[test]
fn a_validation_run_from_the_console_finds_the_failing_backup_and_is_audited() {
    let Some(t) = Tmux::start("validation", "demo --scenario backup-failing") else {
        return;
    };
    t.wait_for("k8s live", START);
    // The Overview's Phase 9 panel: nothing run yet, and how to run it.
    t.wait_for("never run (:validation, v)", Duration::from_secs(10));
    t.keys(&[":validation", "Enter"]);
    t.wait_for("never run: v runs it", Duration::from_secs(10));
    t.keys(&["v"]);
    let screen = t.wait_for("33/35 passed, 2 failed", Duration::from_secs(30));
    assert!(
        screen.contains("9.1     Code review checkpoint"),
        "{screen}"
    );
    t.keys(&["G"]);
    let screen = t.wait_for("9.4.10", Duration::from_secs(5));
    let row = screen
        .lines()
        .find(|l| l.contains("│  9.4.10 "))
        .unwrap_or_default();
    assert!(
        row.contains("FAIL") && row.contains("below 86400 (24h)"),
        "{row}"
    );
    let sgr = sgr_before(&t.styled_screen(), "  9.4.10 ", "FAIL");
    // tmux writes palette colours as 38;5;N (1 red, 2 green).
    assert!(
        sgr.starts_with("1;") && (sgr.ends_with("38;5;1") || sgr.ends_with("31")),
        "FAIL in bold red: {sgr:?}"
    );
    let sgr = sgr_before(&t.styled_screen(), "  9.4.9 ", "pass");
    assert!(
        sgr.ends_with("38;5;2") || sgr.ends_with("32"),
        "pass in green: {sgr:?}"
    );
    // The evidence: the backup's age against 24 h, from Prometheus.
    t.keys(&["k", "k", "Enter"]);
    let screen = t.wait_for("Evidence: 9.4.10", Duration::from_secs(5));
    let measured = screen
        .lines()
        .find(|l| l.contains("measured  "))
        .unwrap_or_default();
    // The run before the newest (failed) one: a day and the hours since today's 02:04.
    let seconds: f64 = measured
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_default();
    assert!(
        (86_400.0..=49.0 * 3600.0).contains(&seconds) && measured.contains("h)"),
        "a day or two, with its duration: {measured}"
    );
    assert!(screen.contains("expected  below 86400 (24h)"), "{screen}");
    assert!(
        screen.contains("source    prometheus k8s://ms5-system/prometheus-service:9090"),
        "{screen}"
    );
    // The Overview shows the phases' progress and the failing id.
    t.keys(&["Escape", "1"]);
    let screen = t.wait_for("9.4 10/12 (9.4.10 9.4.11)", Duration::from_secs(5));
    assert!(screen.contains("9.1 8/8  9.2 6/6  9.3 9/9"), "{screen}");
    // The audit log has the run; the history has it too.
    t.keys(&["9"]);
    let screen = t.wait_for("validation-run", Duration::from_secs(10));
    assert!(screen.contains("runbook ms5-phase9"), "{screen}");
    let history = std::fs::read_to_string(t.path("state/ms5-console/validation.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1);
    let line: serde_json::Value = serde_json::from_str(history.trim()).unwrap();
    assert_eq!(line["totals"]["failed"], 2);
    // :backups tells the same story from the Jobs and the gauges, with the alert on the row.
    t.keys(&[":backups", "Enter"]);
    // The nightly backup failed at 02:04 UTC today; its alert fires once the failure has held
    // for the rule's 5 minutes. Run in those minutes, the test waits for it as on-call would.
    let since_failure = (chrono::Utc::now().time()
        - chrono::NaiveTime::from_hms_opt(2, 4, 1).unwrap_or_default())
    .num_seconds();
    let firing_in = if (0..330).contains(&since_failure) {
        330 - since_failure as u64
    } else {
        0
    };
    let screen = t.wait_for(
        "firing: MS5BackupFailed",
        Duration::from_secs(30 + firing_in),
    );
    let row = |label: &str| {
        screen
            .lines()
            .find(|l| l.contains(label))
            .unwrap_or_default()
            .to_string()
    };
    assert!(row("last backup").contains("RPO BREACHED"), "{screen}");
    assert!(
        row("last attempt").contains("FAILED")
            && screen.contains("scheduled: BackoffLimitExceeded"),
        "{screen}"
    );
    assert!(
        row("WAL archived").contains("WAL LAG BREACHED 3"),
        "{screen}"
    );
    let sgr = sgr_before(&t.styled_screen(), "last backup", "RPO BREACHED");
    assert!(
        sgr.ends_with("38;5;1") || sgr.ends_with("31"),
        "RPO BREACHED in red: {sgr:?}"
    );
    // The runs: the failed backup's own last words, read from its pod's log.
    t.keys(&["Enter"]);
    t.wait_for(
        "upload to minio://ms5-backups failed: 503",
        Duration::from_secs(10),
    );
    t.keys(&["Escape"]);
    t.wait_for("enter runs and drills", Duration::from_secs(5));
    // The Overview's line for the database is critical too.
    t.keys(&["1"]);
    let screen = t.wait_for("postgres  backup ", Duration::from_secs(5));
    assert!(screen.contains("BREACHED"), "{screen}");
    let sgr = sgr_before(&t.styled_screen(), "  backup ", "  BREACHED");
    assert!(
        sgr.ends_with("38;5;1") || sgr.ends_with("31"),
        "BREACHED in red: {sgr:?}"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}
