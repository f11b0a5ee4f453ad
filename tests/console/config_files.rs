//! Config, theme and keymap files through the real binary: shipped files parse, each invalid
//! fixture gives its exact error, the console refuses to start on one (terminal untouched), and
//! the README's keybinding table is the default keymap's.

use std::path::Path;
use std::process::{Command, Output};

use ms5_console::config::keymap::{self, Keymap};
use ms5_console::config::theme;

fn run(args: &[&str]) -> Output {
    // An empty config home, so no file of the developer's own is picked up.
    let home = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("HOME", home.path())
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn every_shipped_theme_and_keymap_is_valid_by_name_and_by_path() {
    for (name, _) in theme::BUILTIN {
        let by_name = run(&["check-config", "--theme", name]);
        assert!(by_name.status.success(), "{name}: {}", stderr(&by_name));
        let path = format!("themes/{name}.toml");
        let by_path = run(&["check-config", "--theme", &path]);
        assert!(by_path.status.success(), "{path}: {}", stderr(&by_path));
    }
    for (name, _) in keymap::BUILTIN {
        let path = format!("keymaps/{name}.toml");
        for value in [*name, path.as_str()] {
            let out = run(&["check-config", "--keymap", value]);
            assert!(out.status.success(), "{value}: {}", stderr(&out));
        }
    }
}

const FIXTURES: &[(&str, &str, &str)] = &[
    (
        "--keymap",
        "keymap_unknown_action.toml",
        "3:1: error: unknown action `quitt` in [global]\n  help: did you mean `quit`?",
    ),
    (
        "--keymap",
        "keymap_bad_key.toml",
        "2:8: error: `ctrl-` names modifiers but no key\n  help: write keys like q, G, ctrl-c, alt-x, shift-tab, enter, esc, pgdn, home, f5, space",
    ),
    (
        "--keymap",
        "keymap_bound_twice.toml",
        "3:14: error: key `z` is bound twice in [global]: to `quit` and to `help`\n  help: a key does one thing per table; remove one of the two bindings",
    ),
    (
        "--keymap",
        "keymap_shadows_help.toml",
        "3:11: error: key `?` in [alerts] is `silence`, which leaves `help` with no key there\n  help: bind `silence` to another key in [alerts], or give `help` a second key in [global]",
    ),
    (
        "--keymap",
        "keymap_write_on_ctrl.toml",
        "2:11: error: `silence` writes to a server and cannot be bound to the bare chord `ctrl-s`\n  help: bind it to a plain key or an alt- chord; it always asks for confirmation",
    ),
    (
        "--keymap",
        "keymap_unknown_table.toml",
        "1:2: error: unknown keymap table `podz`\n  help: tables are: global, overview, rollouts, pods, nodes, events, slo, alerts, silences, audit, validation, backups, timeline, logs, yaml, help, follow, dialog",
    ),
    (
        "--theme",
        "theme_bad_colour.toml",
        "2:6: error: `purpel` is not a colour\n  help: colours are ANSI names (red, lightblue, darkgray...), #rrggbb or 0-255; modifiers are bold, dim, italic, underlined, reversed; `on COLOUR` sets the background",
    ),
    (
        "--theme",
        "theme_unknown_role.toml",
        "1:1: error: unknown theme role `okay`\n  help: roles are: extends, text, muted, accent, title, border, header, selection, ok, warning, critical, stale, key, gauge",
    ),
    (
        "--theme",
        "theme_syntax.toml",
        "1:12: error: invalid basic string, expected `\"`\n  help: a theme is lines of role = \"style\", e.g. ok = \"green\"",
    ),
    (
        "--theme",
        "theme_unknown_parent.toml",
        "1:11: error: no theme named `nord`\n  help: built-in themes are: default, light, high-contrast, mono",
    ),
    (
        "--config",
        "config_unknown_key.toml",
        "1:1: error: unknown field `namespace`, expected one of `namespaces`, `context`, `theme`, `keymap`, `readonly`, `audit-log`, `prometheus-url`, `alertmanager-url`, `author`, `slo`, `backup`, `prometheus`, `alertmanager`, `metrics-interval`, `protected-namespaces`, `contexts`, `guard`, `timeline`, `overview`, `runbook`\n  help: keys are: namespaces, context, theme, keymap, readonly, audit-log, prometheus-url, alertmanager-url, author, metrics-interval, protected-namespaces, [prometheus], [alertmanager], [guard], [timeline], [overview], [contexts.NAME], [[slo]], [[backup]], runbook",
    ),
    (
        "--config",
        "config_bad_timeline.toml",
        "3:12: error: invalid lookback \"forever\"\n  help: write a duration from 1m to 7d, e.g. lookback = \"6h\"",
    ),
    (
        "--config",
        "config_bad_prometheus.toml",
        "4:11: error: invalid timeout \"soon\"\n  help: write a duration of at least one second, e.g. timeout = \"10s\"",
    ),
    (
        "--config",
        "config_bad_alertmanager.toml",
        "2:20: error: \"am-1=alertmanager-1.ms5.example:9093\" is not an Alertmanager address\n  help: write [NAME=]http(s)://HOST:PORT or [NAME=]k8s://NAMESPACE/SERVICE:PORT, e.g. prod=k8s://ms5-system/alertmanager-service:9093",
    ),
    (
        "--config",
        "config_bad_slo.toml",
        "5:10: error: window \"30m\" is shorter than an hour\n  help: SLO windows are days or weeks, e.g. window = \"30d\"",
    ),
    (
        "--config",
        "config_bad_backup.toml",
        "6:7: error: invalid rpo \"daily\"\n  help: write a duration such as rpo = \"24h\" (units: s, m, h, d, w, y), at least one second",
    ),
];

/// `[timeline]`: the built-in lookback and bound, and a file's own, as check-config says them.
#[test]
fn check_config_says_the_timelines_lookback_and_bound() {
    let out = run(&["check-config"]);
    assert!(
        stdout(&out).contains("  timeline      rebuilt 6h back; at most 10000 entries\n"),
        "{}",
        stdout(&out)
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[timeline]\nlookback = \"2h\"\nmax-entries = 500\n",
    )
    .unwrap();
    let out = run(&["check-config", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("  timeline      rebuilt 120m back; at most 500 entries\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn check_config_lists_the_databases_in_effect() {
    let out = run(&["check-config"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("  backup        postgres in ms5-production: cronjobs postgres-backup, postgres-restore-test; RPO 24h, WAL lag 5m, drill every 7d, RTO not set, retention 30d local, 90d cloud; 7 metric queries\n"),
        "the built-in row: {}",
        stdout(&out)
    );
    let out = run(&[
        "check-config",
        "--config",
        "tests/fixtures/config/config_backups.toml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let backups: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("  backup "))
        .collect();
    assert_eq!(
        backups,
        [
            "  backup        postgres in ms5-production: cronjobs postgres-backup, postgres-restore-test; RPO 12h, WAL lag 5m, drill every 7d, RTO 60m, retention not set; 1 metric queries",
            "  backup        minio in ms5-production: cronjobs minio-mirror; RPO 24h, WAL lag 5m, drill every 7d, RTO not set, retention not set; 0 metric queries",
        ]
    );
}

#[test]
fn each_invalid_fixture_gives_its_exact_error() {
    for (flag, file, expected) in FIXTURES {
        let path = format!("tests/fixtures/config/{file}");
        let out = run(&["check-config", flag, &path]);
        assert_eq!(out.status.code(), Some(1), "{file}");
        assert_eq!(
            stderr(&out),
            format!("{path}:{expected}\n1 error(s)\n"),
            "{file}"
        );
    }
}

#[test]
fn all_errors_are_listed_at_once() {
    let out = run(&[
        "check-config",
        "--theme",
        "tests/fixtures/config/theme_bad_colour.toml",
        "--keymap",
        "tests/fixtures/config/keymap_unknown_action.toml",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("`purpel` is not a colour") && err.contains("unknown action `quitt`"),
        "{err}"
    );
    assert!(err.ends_with("2 error(s)\n"), "{err}");
}

#[test]
fn every_error_in_config_toml_is_listed_at_once() {
    let path = "tests/fixtures/config/config_several_errors.toml";
    let out = run(&["check-config", "--config", path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for expected in [
        format!("{path}:2:1: error: unknown field `namespace`"),
        format!("{path}:3:12: error: invalid type: string \"yes\", expected a boolean"),
        format!("{path}:7:11: error: invalid timeout \"soon\""),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in:\n{err}");
    }
    assert!(err.ends_with("3 error(s)\n"), "{err}");
}

#[test]
fn the_console_refuses_to_start_on_an_invalid_file_and_leaves_the_terminal_alone() {
    for args in [
        vec!["--keymap", "tests/fixtures/config/keymap_bad_key.toml"],
        vec![
            "demo",
            "--theme",
            "tests/fixtures/config/theme_bad_colour.toml",
        ],
    ] {
        let out = run(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            out.stdout.is_empty(),
            "wrote to the terminal: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(stderr(&out).contains("error:"), "{}", stderr(&out));
        assert!(stderr(&out).contains("not starting"), "{}", stderr(&out));
    }
}

#[test]
fn demo_refuses_kubeconfig_and_context() {
    let out = run(&["demo", "--context", "prod"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("--kubeconfig and --context do not apply"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn user_files_are_found_by_name_in_the_config_directory_and_override_only_what_they_name() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/ms5-console/keymaps");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("mine.toml"), "[global]\nquit = \"Q\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ms5-console"))
        .args(["check-config", "--keymap", "mine"])
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(dir.join("mine.toml")).unwrap();
    let keymap = Keymap::with_overlay(Path::new("mine.toml"), &text).unwrap();
    use ms5_console::app::action::{Action, Mode, ViewId};
    use ms5_console::config::keys::Key;
    assert_eq!(
        keymap.lookup(Mode::View(ViewId::Pods), Key::plain('Q')),
        Some(Action::Quit)
    );
    assert_eq!(
        keymap.lookup(Mode::View(ViewId::Pods), Key::plain('q')),
        None,
        "quit moved to Q"
    );
    assert_eq!(
        keymap.lookup(Mode::View(ViewId::Pods), Key::plain('l')),
        Some(Action::Logs),
        "the rest is default"
    );
}

#[test]
fn vim_keymap_adds_ctrl_paging_and_keeps_the_rest() {
    let (_, text) = keymap::BUILTIN.iter().find(|(n, _)| *n == "vim").unwrap();
    let keymap = Keymap::with_overlay(Path::new("vim.toml"), text).unwrap();
    use ms5_console::app::action::{Action, Mode, ViewId};
    use ms5_console::config::keys::Key;
    assert_eq!(
        keymap.lookup(Mode::View(ViewId::Pods), Key::parse("ctrl-d").unwrap()),
        Some(Action::PageDown)
    );
    assert_eq!(
        keymap.lookup(Mode::View(ViewId::Pods), Key::plain('l')),
        Some(Action::NextView)
    );
    assert_eq!(
        keymap.lookup(Mode::View(ViewId::Pods), Key::plain('L')),
        Some(Action::Logs)
    );
    assert_eq!(
        keymap.lookup(Mode::View(ViewId::Pods), Key::plain('/')),
        Some(Action::Filter)
    );
}

#[test]
fn readme_keybinding_table_is_the_default_keymap() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let start = "<!-- keybindings:start -->\n";
    let end = "<!-- keybindings:end -->";
    let from = readme
        .find(start)
        .expect("README lacks the keybindings:start marker")
        + start.len();
    let to = readme[from..]
        .find(end)
        .expect("README lacks the keybindings:end marker")
        + from;
    let expected = keymap::markdown_table(&Keymap::default_keymap());
    assert_eq!(
        &readme[from..to],
        expected,
        "README keybinding table differs; it should read:\n{expected}"
    );
}

#[test]
fn no_color_in_the_environment_or_as_a_flag_forces_the_mono_theme() {
    let home = tempfile::tempdir().unwrap();
    let check = |env: Option<&str>, flag: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ms5-console"));
        cmd.arg("check-config")
            .args(["--theme", "light"])
            .env("XDG_CONFIG_HOME", home.path())
            .env_remove("NO_COLOR");
        if let Some(v) = env {
            cmd.env("NO_COLOR", v);
        }
        if flag {
            cmd.arg("--no-color");
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    };
    assert!(check(None, false).contains("theme   light"));
    assert!(check(Some("1"), false).contains("theme   mono"));
    assert!(check(None, true).contains("theme   mono"));
    // An empty NO_COLOR does not count (no-color.org).
    assert!(check(Some(""), false).contains("theme   light"));
}

#[test]
fn completions_and_man_page_are_generated_from_the_command_line() {
    let bash = run(&["completions", "bash"]);
    assert!(bash.status.success());
    let script = String::from_utf8_lossy(&bash.stdout);
    assert!(
        script.contains("check-config") && script.contains("--kubeconfig"),
        "{script}"
    );
    let man = run(&["man"]);
    assert!(man.status.success());
    let page = String::from_utf8_lossy(&man.stdout);
    assert!(
        page.contains(".TH ms5-console 1") && page.contains("demo"),
        "{page}"
    );
}

#[test]
fn alertmanagers_from_flags_repeat_and_replace_the_config_files() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "alertmanager-url = [\"am-0=http://127.0.0.1:9093\", \"am-1=http://127.0.0.1:9094\"]\nauthor = \"j.doe\"\n",
    )
    .unwrap();
    let config = config.display().to_string();
    let out = run(&["check-config", "--config", &config]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("  alertmanager  am-0=http://127.0.0.1:9093\n  alertmanager  am-1=http://127.0.0.1:9094\n"),
        "{text}"
    );
    assert!(text.contains("  author        j.doe\n"), "{text}");
    let out = run(&[
        "check-config",
        "--config",
        &config,
        "--alertmanager-url",
        "prod=k8s://ms5-system/alertmanager-service:9093",
        "--alertmanager-url",
        "http://10.0.0.7:9093",
    ]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        text.contains("  alertmanager  prod=k8s://ms5-system/alertmanager-service:9093\n  alertmanager  http://10.0.0.7:9093\n"),
        "{text}"
    );
    assert!(
        !text.contains("am-0"),
        "flags replace the file's list: {text}"
    );
    let out = run(&["check-config", "--alertmanager-url", "alertmanager:9093"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "--alertmanager-url: error: \"alertmanager:9093\" is not an Alertmanager address\n  help: write [NAME=]http(s)://HOST:PORT or [NAME=]k8s://NAMESPACE/SERVICE:PORT, e.g. prod=k8s://ms5-system/alertmanager-service:9093\n1 error(s)\n"
    );
}

#[test]
fn per_context_settings_are_shown_by_check_config_and_checked_like_the_rest() {
    let out = run(&[
        "check-config",
        "--config",
        "tests/fixtures/config/config_contexts.toml",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for line in [
        "  read-only     no",
        "  protected     ms5-production (changes there are confirmed by typing the name)",
        "  guard         watches 10m after a rollout completes; auto-pause off",
        "  context ms5-aks: read-only yes, protected ms5-production, auto-pause off (sets readonly)",
        "  context ms5-aks-breakglass: read-only no, protected ms5-production, ms5-staging, auto-pause on (sets protected-namespaces, guard.auto-pause)",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    // --readonly wins over any context.
    let out = run(&[
        "check-config",
        "--readonly",
        "--config",
        "tests/fixtures/config/config_contexts.toml",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("context ms5-aks-breakglass: read-only yes"),
        "{text}"
    );
    // A wrong key in a context's table: file, line, and the keys it takes.
    let path = "tests/fixtures/config/config_context_bad.toml";
    let out = run(&["check-config", "--config", path]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("{path}:2:1: error: unknown field `read-only`, expected one of `readonly`, `protected-namespaces`, `guard`")),
        "{err}"
    );
}

#[test]
fn no_write_action_takes_a_bare_ctrl_chord_in_any_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("writes.toml");
    std::fs::write(
        &path,
        "[rollouts]\nrestart = \"ctrl-r\"\nundo = \"ctrl-u\"\npause-resume = \"ctrl-p\"\nscale = \"ctrl-e\"\n\
         [pods]\ndelete-pod = \"ctrl-d\"\n[follow]\nundo = \"ctrl-z\"\npause-resume = \"ctrl-x\"\n\
         [silences]\nexpire = \"ctrl-y\"\n",
    )
    .unwrap();
    let out = run(&["check-config", "--keymap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    for (action, chord) in [
        ("restart", "ctrl-r"),
        ("undo", "ctrl-u"),
        ("pause-resume", "ctrl-p"),
        ("scale", "ctrl-e"),
        ("delete-pod", "ctrl-d"),
        ("undo", "ctrl-z"),
        ("pause-resume", "ctrl-x"),
        ("expire", "ctrl-y"),
    ] {
        assert!(
            err.contains(&format!(
                "`{action}` writes to a server and cannot be bound to the bare chord `{chord}`"
            )),
            "{action} on {chord}: {err}"
        );
    }
    assert!(err.ends_with("8 error(s)\n"), "{err}");
}

#[test]
fn a_watch_after_that_is_not_a_duration_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[guard]\nwatch-after = \"soon\"\n").unwrap();
    let path = path.to_str().unwrap();
    let out = run(&["check-config", "--config", path]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "{path}:2:15: error: invalid watch-after \"soon\"\n  help: write a duration, e.g. watch-after = \"15m\" (\"0s\": stop when the rollout completes)\n1 error(s)\n"
        )
    );
}
