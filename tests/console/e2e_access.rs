//! The real binary reaching a cluster the ways a person's does: unreachable at start, lost and
//! found again, through a credential plugin that prompts, with credentials that get rejected,
//! and as a user who may not read one namespace.

use std::process::Command;
use std::time::Duration;

use crate::tmux::{
    START, Tmux, exec_plugin_kubeconfig, free_port, oncall_token, require, start_sim,
};

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
            .any(|l| l.contains("│ms5-production ") && l.contains(" of 23"))
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
            .any(|l| l.contains("│ms5-production ") && l.contains(" ok ") && l.contains(" of 23")),
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
        s.contains("0 of 23")
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
    // RBAC lets this identity change nothing: the header says so once the reviews answer.
    t.wait_for("read-write · RBAC: view only", Duration::from_secs(10));
    let row = |screen: &str, ns: &str| {
        screen
            .lines()
            .find(|l| l.contains(&format!("│{ns} ")))
            .unwrap_or_default()
            .to_string()
    };
    let screen = t.wait_until("production counted", Duration::from_secs(20), |s| {
        row(s, "ms5-production").contains("of 23")
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

/// An API server that holds `/version` for `hold` before answering it, and refuses the rest:
/// a context whose cluster is far away, or whose login is slow.
fn serve_slowly(listener: std::net::TcpListener, hold: Duration) {
    use std::io::{BufRead, BufReader, Write};
    for stream in listener.incoming().take(200) {
        let Ok(mut stream) = stream else { continue };
        std::thread::spawn(move || {
            let mut request = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                request.push_str(&line);
                line.clear();
            }
            let body = if request.starts_with("GET /version") {
                std::thread::sleep(hold);
                r#"{"major":"1","minor":"32","gitVersion":"v1.32.0","gitCommit":"0","gitTreeState":"clean","buildDate":"2026-01-01T00:00:00Z","goVersion":"go1.23","compiler":"gc","platform":"linux/amd64"}"#
            } else {
                ""
            };
            let status = if body.is_empty() {
                "503 Service Unavailable"
            } else {
                "200 OK"
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        });
    }
}

#[test]
fn switching_context_keeps_the_screen_drawing_while_the_server_takes_10s_to_answer() {
    let slow = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let slow_port = slow.local_addr().unwrap().port();
    std::thread::spawn(move || serve_slowly(slow, Duration::from_secs(10)));
    let first = free_port();
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: first\n\
         clusters:\n- name: first\n  cluster:\n    server: http://127.0.0.1:{first}\n\
         - name: far\n  cluster:\n    server: http://127.0.0.1:{slow_port}\n\
         contexts:\n- name: first\n  context:\n    cluster: first\n    user: oncall\n\
         - name: far\n  context:\n    cluster: far\n    user: oncall\n\
         users:\n- name: oncall\n  user: {{}}\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("kubeconfig");
    std::fs::write(&config_path, kubeconfig).unwrap();
    let Some(t) = Tmux::start_with(
        "slowctx",
        &format!("--kubeconfig {}", config_path.display()),
    ) else {
        return;
    };
    t.wait_for("k8s unreachable", START);
    // Timed from before the keys: the server's 10 s begin after they arrive.
    let asked = std::time::Instant::now();
    t.keys(&[":", "ctx far", "Enter"]);
    let header = |screen: &str| screen.lines().next().unwrap_or_default().to_string();
    t.wait_until("connecting in the header", Duration::from_secs(5), |s| {
        header(s).contains("connecting to far…")
    });
    // The screen goes on while the server holds its answer: a view key switches the view and
    // the wait is counted in the header.
    t.keys(&["3"]);
    let screen = t.wait_until(
        "the Pods view, still connecting",
        Duration::from_secs(5),
        |s| s.contains("RESTARTS") && header(s).contains("connecting to far… "),
    );
    assert!(
        asked.elapsed() < Duration::from_secs(9),
        "the view changed only after the server answered:\n{screen}"
    );
    t.wait_until("the count moving", Duration::from_secs(5), |s| {
        header(s) != header(&screen) && header(s).contains("connecting to far…")
    });
    // The answer comes: the console is on the new context, and says no more that it connects.
    let screen = t.wait_until("on the new context", Duration::from_secs(25), |s| {
        header(s).contains("ctx far") && !header(s).contains("connecting to")
    });
    assert!(
        asked.elapsed() >= Duration::from_secs(10),
        "switched before the server answered:\n{screen}"
    );
    t.keys(&["q"]);
    assert_eq!(t.exit_code(Duration::from_secs(10)), Some(0));
}
