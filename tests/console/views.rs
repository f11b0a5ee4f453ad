//! Every view drawn from the fixture at 80x24 and 160x45 (insta snapshots), plus colour
//! assertions cell by cell, since text snapshots do not capture colour.

use insta::assert_snapshot;
use ms5_console::app::action::Action;
use ms5_console::app::event::{DataEvent, LogEvent};
use ms5_console::app::state::ViewId;
use ms5_console::app::update::{run_command, update};
use ms5_console::config::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use crate::fixture::{self, draw, screen, state};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

fn snapshot_view(name: &str, prepare: impl Fn(&mut ms5_console::app::state::AppState)) {
    for (w, h) in SIZES {
        let mut s = state();
        prepare(&mut s);
        ms5_console::app::rows::refresh(&mut s);
        assert_snapshot!(format!("{name}_{w}x{h}"), screen(&s, w, h));
    }
}

#[test]
fn overview() {
    snapshot_view("overview", |_| {});
}

/// Paged: what changed before the page heads the bottom panel, the release first (it is to
/// the paging SLO's workload and nearest), each with how long before; at 80x24 the first keeps
/// a line of its own.
#[test]
fn overview_with_the_changes_before_the_page() {
    for (w, h) in [(80, 24), (120, 35)] {
        let mut s = state();
        for e in fixture::release_before_the_page() {
            ms5_console::app::update::apply(&mut s, e);
        }
        ms5_console::app::rows::refresh(&mut s);
        assert_snapshot!(format!("overview_changes_{w}x{h}"), screen(&s, w, h));
        let buffer = draw(&s, w, h, &Theme::default_theme(), false);
        let text = fixture::text(&buffer);
        let first = text
            .lines()
            .skip_while(|l| !l.contains("Changes before"))
            .nth(1)
            .unwrap_or_default();
        assert!(
            first.contains("2m34s before deploy/backend 1.9.0 -> 1.9.2 (rev 4) by helm"),
            "{text}"
        );
        // The release is to the paging SLO's workload: in the warning colour; the time muted.
        assert_eq!(
            buffer[find(&buffer, "deploy/backend 1.9.0")].fg,
            Color::Yellow
        );
        assert_eq!(buffer[find(&buffer, "2m34s before")].fg, Color::DarkGray);
    }
}

/// Defect: `PAGE` beside `no critical alert firing` while the fast-burn alert waited out its
/// `for`. The pending alert is said with when it fires.
#[test]
fn a_pending_critical_alert_is_said_with_when_it_fires_never_as_none() {
    use ms5_console::app::event::PromEvent;
    use ms5_console::model::pending_alert::PendingAlert;
    let mut s = state();
    // No alert fires in any Alertmanager yet.
    ms5_console::app::update::apply(&mut s, fixture::alert_fixture::observation_of(Vec::new()));
    let DataEvent::Prometheus(event) = fixture::slo_observation() else {
        unreachable!("an observation");
    };
    let PromEvent::Observed(Ok(mut observation)) = *event else {
        unreachable!("an observation");
    };
    let now = fixture::now();
    observation.pending = Ok(vec![PendingAlert {
        alertname: "MS5SLOFastBurn".into(),
        severity: "critical".into(),
        active_at: now - chrono::Duration::seconds(20),
        fires_at: now + chrono::Duration::seconds(100),
    }]);
    ms5_console::app::update::apply(
        &mut s,
        DataEvent::Prometheus(Box::new(PromEvent::Observed(Ok(observation)))),
    );
    ms5_console::app::rows::refresh(&mut s);
    for (w, h) in [(80, 24), (160, 45)] {
        let buffer = draw(&s, w, h, &Theme::default_theme(), false);
        let text = fixture::text(&buffer);
        assert!(text.contains("PAGE"), "{text}");
        assert!(!text.contains("no critical alert firing"), "{text}");
        let at = find(&buffer, "MS5SLOFastBurn pending, fires in 1m40s");
        assert_eq!(buffer[at].fg, Color::Yellow);
    }
}

#[test]
fn rollouts() {
    snapshot_view("rollouts", |s| s.view = ViewId::Rollouts);
}

#[test]
fn rollout_details_with_revision_history() {
    snapshot_view("rollouts_details", |s| {
        s.view = ViewId::Rollouts;
        s.details = true;
    });
}

#[test]
fn pods() {
    snapshot_view("pods", |s| s.view = ViewId::Pods);
}

#[test]
fn pod_details() {
    snapshot_view("pods_details", |s| {
        s.view = ViewId::Pods;
        ms5_console::app::rows::refresh(s);
        update(s, Action::Down);
        update(s, Action::Down);
        s.details = true;
    });
}

#[test]
fn nodes() {
    snapshot_view("nodes", |s| s.view = ViewId::Nodes);
}

#[test]
fn events() {
    snapshot_view("events", |s| s.view = ViewId::Events);
}

#[test]
fn help_is_generated_from_the_keymap() {
    snapshot_view("help", |s| {
        update(s, Action::Help);
    });
}

/// Every view has a `:` name in help's command line and a key in the context's list; each key
/// is listed once in a context, for what it does there (on :alerts `s` silences: sort, which
/// does not apply to its fixed order, is not listed under it); `/` keeps only the lines that
/// mention the text, and esc shows them all.
#[test]
fn help_lists_every_view_each_key_once_and_searches() {
    use ms5_console::app::action::Mode;
    let keymap = ms5_console::config::keymap::Keymap::default_keymap();
    for view in ViewId::ALL {
        let mut s = state();
        s.view = view;
        update(&mut s, Action::Help);
        // One column at 100: each key on a line of its own.
        let text = screen(&s, 100, 200);
        let commands: String = text
            .lines()
            .skip_while(|l| !l.contains("Commands:"))
            .take_while(|l| !l.contains("Filter:"))
            .collect();
        for other in ViewId::ALL {
            assert!(
                commands.contains(&format!(":{} ", other.name()))
                    || commands.contains(&format!(":{}│", other.name())),
                "{} missing from help's commands on {view:?}: {commands}",
                other.name()
            );
            assert!(
                !keymap
                    .effective_keys(Mode::View(view), Action::View(other))
                    .is_empty(),
                "no key reaches {other:?} from {view:?}"
            );
        }
        // The context's section: each key once.
        let section: Vec<&str> = text
            .lines()
            .skip_while(|l| !l.contains(&format!("[{}] and everywhere", view.name())))
            .skip(1)
            .take_while(|l| !l.trim_matches('│').trim().is_empty())
            .collect();
        assert!(section.len() > 10, "{text}");
        let mut keys: Vec<String> = section
            .iter()
            .flat_map(|l| {
                let l = l.trim_start_matches('│');
                l.get(2..24)
                    .unwrap_or_default()
                    .split(", ")
                    .map(|k| k.trim().to_string())
                    .filter(|k| !k.is_empty())
                    .collect::<Vec<_>>()
            })
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(
            keys.len(),
            n,
            "a key listed twice on {view:?}:\n{}",
            section.join("\n")
        );
        if view == ViewId::Alerts {
            assert!(
                section
                    .iter()
                    .any(|l| l.contains("  s ") && l.contains("silence alert"))
            );
            assert!(!section.iter().any(|l| l.contains("  sort")), "{section:?}");
        }
    }
    // At 120x35 one context fits without paging: two columns, the first key and the last.
    let mut s = state();
    s.view = ViewId::Rollouts;
    update(&mut s, Action::Help);
    let text = screen(&s, 120, 35);
    for words in [
        "quit",
        "add a note",
        "undo rollout",
        "timeline: what happened",
    ] {
        assert!(
            text.contains(words),
            "{words} not on the first page:\n{text}"
        );
    }
    // `/` in help: only lines with the text; esc: all again.
    let mut s = state();
    update(&mut s, Action::Help);
    update(&mut s, Action::Filter);
    crate::alert_views::type_text(&mut s, "undo");
    crate::alert_views::key(&mut s, crossterm::event::KeyCode::Enter);
    let text = screen(&s, 120, 35);
    assert!(text.contains("lines with \"undo\""), "{text}");
    let body: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with('│'))
        .map(|l| l.trim_matches('│').trim())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(
        !body.is_empty() && body.iter().all(|l| l.contains("undo")),
        "{text}"
    );
    crate::alert_views::key(&mut s, crossterm::event::KeyCode::Esc);
    assert!(screen(&s, 120, 35).contains("keymap in force"));
    crate::alert_views::key(&mut s, crossterm::event::KeyCode::Esc);
    assert!(s.overlay.is_none());
}

#[test]
fn yaml() {
    snapshot_view("yaml", |s| {
        s.view = ViewId::Pods;
        ms5_console::app::rows::refresh(s);
        let effects = update(s, Action::Yaml);
        let Some(ms5_console::app::event::Effect::FetchYaml(request)) = effects.first() else {
            panic!("no fetch: {effects:?}")
        };
        // The answer the API would give, as the worker turns it into YAML.
        let pod: k8s_openapi::api::core::v1::Pod =
            serde_json::from_value(fixture::pods()[0].clone()).unwrap();
        let text = Ok(serde_yaml::to_string(&pod).unwrap());
        ms5_console::app::update::apply(
            s,
            DataEvent::Yaml {
                request: request.request,
                text,
            },
        );
    });
}

#[test]
fn logs() {
    snapshot_view("logs", |s| {
        s.view = ViewId::Pods;
        ms5_console::app::rows::refresh(s);
        update(s, Action::Logs);
        let session = match &s.overlay {
            Some(ms5_console::app::state::Overlay::Logs(l)) => l.session,
            _ => panic!("logs did not open"),
        };
        let lines = (1..=40)
            .map(|i| format!("INFO line {i}: GET /api/v1/production/lines/{i}/oee 200"))
            .collect();
        ms5_console::app::update::apply(s, DataEvent::Logs(LogEvent::Lines { session, lines }));
    });
}

#[test]
fn the_log_viewer_calls_slash_a_search() {
    let mut s = state();
    s.view = ViewId::Pods;
    ms5_console::app::rows::refresh(&mut s);
    update(&mut s, Action::Logs);
    let footer = screen(&s, 160, 45)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        footer.contains("/ search") && !footer.contains("filter"),
        "{footer}"
    );
    update(&mut s, Action::Filter);
    let footer = screen(&s, 160, 45)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        footer.contains("highlight and show the newest match"),
        "{footer}"
    );
}

#[test]
fn filter_and_command_lines() {
    snapshot_view("pods_filtered", |s| {
        s.view = ViewId::Pods;
        update(s, Action::Filter);
        for c in "crash".chars() {
            ms5_console::app::update::handle_key(
                s,
                &ms5_console::config::keymap::Keymap::default_keymap(),
                crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Char(c)),
            );
        }
        ms5_console::app::update::handle_key(
            s,
            &ms5_console::config::keymap::Keymap::default_keymap(),
            crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter),
        );
    });
    let mut s = state();
    run_command(&mut s, "bogus");
    let text = screen(&s, 80, 24);
    assert!(
        text.lines()
            .last()
            .unwrap()
            .contains("unknown command `bogus`"),
        "{text}"
    );
}

#[test]
fn too_small_says_so() {
    let s = state();
    assert_snapshot!("too_small_50x10", screen(&s, 50, 10));
}

/// The cell where `needle` starts on screen.
fn find(buffer: &Buffer, needle: &str) -> (u16, u16) {
    let text = fixture::text(buffer);
    for (y, line) in text.lines().enumerate() {
        if let Some(byte) = line.find(needle) {
            let x = line[..byte].chars().count();
            return (x as u16, y as u16);
        }
    }
    panic!("`{needle}` not on screen:\n{text}");
}

#[test]
fn status_colours_follow_the_theme() {
    let mut s = state();
    s.view = ViewId::Pods;
    ms5_console::app::rows::refresh(&mut s);
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    let colour = |needle: &str| buffer[find(&buffer, needle)].fg;
    assert_eq!(colour("CrashLoopBackOff"), Color::Red);
    assert_eq!(colour("ImagePullBackOff"), Color::Red);
    assert_eq!(colour("Evicted"), Color::Red);
    assert_eq!(colour("Terminating"), Color::Yellow);
    assert_eq!(colour("Completed"), Color::DarkGray);
    // A ready pod's Running is green; the unready one's is yellow.
    let (x, y) = find(&buffer, "backend-5bdc5c656-glpwq");
    let status_x = fixture::text(&buffer)
        .lines()
        .nth(3)
        .unwrap()
        .find("STATUS")
        .unwrap() as u16;
    assert_eq!(buffer[(status_x, y)].fg, Color::Green, "row at x={x}");
    let (_, y) = find(&buffer, "backend-5bdc5c656-mntgf");
    assert_eq!(buffer[(status_x, y)].fg, Color::Yellow);
    // The failing readiness probe is marked and coloured.
    assert_eq!(buffer[find(&buffer, "L R!")].fg, Color::Red);
}

#[test]
fn rollout_and_watch_health_colours() {
    let mut s = state();
    s.view = ViewId::Rollouts;
    ms5_console::app::rows::refresh(&mut s);
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    assert_eq!(buffer[find(&buffer, "Failed")].fg, Color::Red);
    assert_eq!(buffer[find(&buffer, "Paused")].fg, Color::Yellow);
    // backend is 2/3 with every replica on the new template: nothing is rolling out, a replica
    // is missing. kubectl still says "Waiting for ..."; the class says degraded, in red.
    let (x, y) = find(&buffer, "Degraded Waiting for deployment \"backend\"");
    assert_eq!(buffer[(x, y)].fg, Color::Red);
    s.view = ViewId::Overview;
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    let (x, y) = find(&buffer, "│ms5-system");
    let row = fixture::text(&buffer)
        .lines()
        .nth(y as usize)
        .unwrap()
        .to_string();
    let at = row.find("forbidden").unwrap();
    let column = row[..at].chars().count() as u16;
    assert_eq!(
        buffer[(column, y)].fg,
        Color::Red,
        "forbidden namespace row at x={x}: {row}"
    );
    assert_eq!(
        buffer[find(&buffer, "under pressure")].fg,
        Color::Red,
        "db node is under pressure"
    );
}

#[test]
fn mono_theme_uses_emphasis_not_colour() {
    let mut s = state();
    s.view = ViewId::Pods;
    ms5_console::app::rows::refresh(&mut s);
    let mono = Theme::builtin("mono").unwrap();
    let buffer = draw(&s, 160, 45, &mono, false);
    for cell in buffer.content() {
        assert!(matches!(cell.fg, Color::Reset), "coloured cell {cell:?}");
    }
    assert!(
        buffer[find(&buffer, "CrashLoopBackOff")]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

/// Defect: columns had fixed widths, so values were cut where the screen had room.
#[test]
fn values_are_whole_where_there_is_room_and_cut_in_the_middle_where_not() {
    let on = |view: ViewId, w: u16, h: u16| {
        let mut s = state();
        s.view = view;
        ms5_console::app::rows::refresh(&mut s);
        screen(&s, w, h)
    };
    // 160 columns: the node names are whole and tell the nodes apart.
    let pods = on(ViewId::Pods, 160, 45);
    for node in ["aks-app-27183645-vmss000000", "aks-app-27183645-vmss000001"] {
        assert!(pods.contains(node), "{node}:\n{pods}");
    }
    let events = on(ViewId::Events, 160, 45);
    assert!(
        events.contains("Warning ProgressDeadlineExceeded"),
        "{events}"
    );
    // 80 columns: states and numbers whole; names cut in the middle, still different.
    let overview = on(ViewId::Overview, 80, 24);
    let system = overview
        .lines()
        .find(|l| l.contains("│ms5-system"))
        .unwrap_or_default();
    assert_eq!(system.matches("forbidden").count(), 4, "{overview}");
    assert!(
        overview.contains("68.0%") && overview.contains("40.0%"),
        "{overview}"
    );
    assert!(
        overview.contains("backe…lability") && overview.contains("backe…-latency"),
        "{overview}"
    );
    // The node under pressure in the Overview's narrow Nodes panel: cut in the middle, not to
    // a prefix every AKS node shares.
    assert!(
        overview.contains("pressure: aks-db…mss000000"),
        "{overview}"
    );
    let events = on(ViewId::Events, 80, 24);
    assert!(events.contains("ProgressDeadlineExceeded"), "{events}");
    assert!(events.contains("Pod/backe…5c656-mntgf"), "{events}");
}

/// Defect: at 80 columns panel titles lost the data's age (`prometheus k`).
#[test]
fn every_panel_title_keeps_its_freshness_at_80_columns() {
    for view in ViewId::ALL {
        let mut s = state();
        s.view = view;
        ms5_console::app::rows::refresh(&mut s);
        let text = screen(&s, 80, 24);
        // Every title line (a top border) with a source names its state or age whole.
        for line in text.lines().filter(|l| l.starts_with('╭')) {
            let title = line.trim_matches(|c| c == '╭' || c == '╮' || c == '─');
            let fresh = [
                "live",
                "ago",
                "failing for 3s",
                "forbidden: ms5-system",
                "connecting",
                "reading",
            ];
            assert!(
                fresh.iter().any(|f| title.contains(f)),
                "{view:?}: a title without its freshness: {line}\n{text}"
            );
        }
    }
}
