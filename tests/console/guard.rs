//! The rollout guard beside a followed rollout: tripped loudly by a new pod unready past its
//! readiness probe's failure threshold, with the keys that act on it (none in read-only mode);
//! the covering SLOs' fast burn (the fixture's backend was already paging: burning since
//! before, which trips nothing); the Rollouts row says the guard tripped.

use crossterm::event::KeyCode;
use insta::assert_snapshot;
use ms5_console::config::theme::Theme;

use crate::alert_views::key;
use crate::fixture::{draw, screen};
use crate::restart::{colour_of, on_workload};

#[test]
fn a_new_pod_unready_past_its_probe_threshold_trips_the_guard_loudly() {
    let mut s = on_workload("ms5-production", "backend");
    key(&mut s, KeyCode::Char('f'));
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("guard_tripped_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("guard    TRIPPED 10:00:00: new pod backend-"),
        "{text}"
    );
    assert!(text.contains("p pause  u undo"), "{text}");
    assert!(
        text.contains("backend-availability burning since before this rollout: 82.1x/18.8x"),
        "{text}"
    );
    for (w, h) in [(80, 24), (120, 30)] {
        colour_of(&s, w, h, "TRIPPED", "critical");
    }
    // The row says so too, with the pane closed.
    key(&mut s, KeyCode::Esc);
    let text = screen(&s, 160, 45);
    let row = text
        .lines()
        .find(|l| l.contains("ms5-production") && l.contains(" backend "))
        .unwrap();
    assert!(row.contains("guard tripped"), "{row}");
}

#[test]
fn read_only_shows_the_trip_and_offers_nothing_to_press() {
    let mut s = on_workload("ms5-production", "backend");
    s.readonly = true;
    key(&mut s, KeyCode::Char('f'));
    let text = screen(&s, 120, 30);
    assert!(text.contains("TRIPPED"), "{text}");
    assert!(!text.contains("p pause"), "{text}");
}

#[test]
fn the_overview_counts_tripped_guards_per_namespace() {
    let mut s = on_workload("ms5-production", "backend");
    key(&mut s, KeyCode::Char('f'));
    key(&mut s, KeyCode::Esc);
    key(&mut s, KeyCode::Char('1'));
    let text = screen(&s, 120, 30);
    let row = text
        .lines()
        .find(|l| l.starts_with("│ms5-production"))
        .unwrap_or_default();
    assert!(row.contains("1 guard tripped"), "{text}");
    colour_of(&s, 120, 30, "1 guard tripped", "critical");
}

/// The jobs the guard queued, by kind: its RBAC questions and its pauses.
fn queued(
    s: &mut ms5_console::app::state::AppState,
) -> (
    Vec<ms5_console::ops::job::JobId>,
    Vec<(
        ms5_console::ops::job::JobId,
        ms5_console::ops::plan::WritePlan,
    )>,
) {
    use ms5_console::ops::job::JobSpec;
    let mut asks = Vec::new();
    let mut pauses = Vec::new();
    let started = ms5_console::app::outbox::take(s)
        .into_iter()
        .filter_map(|e| match e {
            ms5_console::app::event::Effect::StartJob { job, spec } => Some((job, spec)),
            _ => None,
        });
    for (job, spec) in started {
        match spec {
            JobSpec::MayPatch(object) => {
                assert_eq!(
                    (
                        object.kind.as_str(),
                        object.namespace.as_str(),
                        object.name.as_str()
                    ),
                    ("Deployment", "ms5-production", "backend")
                );
                asks.push(job);
            }
            JobSpec::Check(plan) => pauses.push((job, *plan)),
            other => panic!("unexpected job {other:?}"),
        }
    }
    (asks, pauses)
}

fn finished(
    s: &mut ms5_console::app::state::AppState,
    job: ms5_console::ops::job::JobId,
    outcome: ms5_console::ops::job::JobOutcome,
) {
    use ms5_console::app::event::DataEvent;
    use ms5_console::ops::job::JobEvent;
    ms5_console::app::update::apply(s, DataEvent::Job(JobEvent::Finished { job, outcome }));
}

/// The backend's new pod unready past its probe threshold again, as the fixture has it.
fn backend_pod_fails(s: &mut ms5_console::app::state::AppState) {
    let pods = crate::fixture::pods()
        .into_iter()
        .filter(|p| p["metadata"]["namespace"] == "ms5-production")
        .collect();
    ms5_console::app::update::apply(s, crate::fixture::pods_reset("ms5-production", pods));
    ms5_console::app::guard::update(s);
}

#[test]
fn with_auto_pause_a_trip_while_progressing_plans_the_guards_own_pause() {
    use ms5_console::ops::job::JobOutcome;
    use ms5_console::ops::plan::WriteAction;
    let mut s = on_workload("ms5-production", "backend");
    backend_pods_ready(&mut s);
    s.guard.auto_pause = true;
    key(&mut s, KeyCode::Char('f'));
    // Following begins: RBAC is asked whether the guard may pause.
    let (asks, pauses) = queued(&mut s);
    assert_eq!((asks.len(), pauses.len()), (1, 0), "{asks:?} {pauses:?}");
    assert!(
        screen(&s, 120, 30)
            .contains("auto     auto-pause on: asking RBAC whether it may patch the Deployment")
    );
    finished(&mut s, asks[0], JobOutcome::Succeeded("allowed".into()));
    assert!(
        screen(&s, 120, 30)
            .contains("auto     auto-pause on: a trip while the rollout progresses pauses it")
    );
    backend_pod_fails(&mut s);
    let (asks, pauses) = queued(&mut s);
    assert!(asks.is_empty(), "asked once, when following began");
    let [(job, plan)] = pauses.as_slice() else {
        panic!("one pause planned: {pauses:?}");
    };
    let WriteAction::Rollout(change) = &plan.action else {
        panic!("a rollout action");
    };
    assert_eq!(plan.verb(), "rollout-pause");
    assert_eq!(plan.target_words(), "deployment ms5-production/backend");
    assert_eq!(change.automatic.as_deref(), Some("guard"));
    assert_eq!(plan.parameters()["reason"], "guard");
    assert!(screen(&s, 120, 30).contains("auto     auto-pause: checking..."));
    // The checks pass: the pause goes the way every write goes, and its answer comes back.
    finished(&mut s, *job, JobOutcome::Succeeded("accepted".into()));
    let sent: Vec<_> = ms5_console::app::outbox::take(&mut s)
        .into_iter()
        .filter_map(|e| match e {
            ms5_console::app::event::Effect::Write(sent) => Some(sent),
            _ => None,
        })
        .collect();
    let [sent] = sent.as_slice() else {
        panic!("the pause is sent once: {sent:?}");
    };
    assert_eq!(sent.write, plan.write);
    assert!(screen(&s, 120, 30).contains("auto     auto-pause: sending"));
    ms5_console::app::update::apply(
        &mut s,
        ms5_console::app::event::DataEvent::WriteOutcome {
            write: plan.write.clone(),
            result: Ok("paused".into()),
        },
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("paused by the guard (audited as write"),
        "{text}"
    );
}

#[test]
fn where_rbac_said_no_when_following_began_the_guard_never_pauses() {
    use ms5_console::ops::job::JobOutcome;
    let mut s = on_workload("ms5-production", "backend");
    backend_pods_ready(&mut s);
    s.guard.auto_pause = true;
    key(&mut s, KeyCode::Char('f'));
    let (asks, _) = queued(&mut s);
    finished(
        &mut s,
        asks[0],
        JobOutcome::Failed(
            "not allowed to patch deployments.apps in ms5-production (kube user viewer (context aks-ms5-prod) may not)"
                .into(),
        ),
    );
    let words =
        "auto     auto-pause unavailable: not allowed to patch deployments.apps in ms5-production";
    assert!(
        screen(&s, 120, 30).contains(words),
        "{}",
        screen(&s, 120, 30)
    );
    backend_pod_fails(&mut s);
    let (asks, pauses) = queued(&mut s);
    assert!(asks.is_empty() && pauses.is_empty(), "{asks:?} {pauses:?}");
    let text = screen(&s, 120, 30);
    assert!(text.contains("TRIPPED"), "{text}");
    assert!(text.contains(words), "{text}");
    assert!(
        text.contains("p pause  u undo"),
        "the keys still work: {text}"
    );
}

#[test]
fn a_refused_auto_pause_is_shown_loudly() {
    use ms5_console::ops::job::JobOutcome;
    let mut s = on_workload("ms5-production", "backend");
    s.guard.auto_pause = true;
    key(&mut s, KeyCode::Char('f'));
    let (_, pauses) = queued(&mut s);
    let [(job, _)] = pauses.as_slice() else {
        panic!("one pause planned: {pauses:?}");
    };
    finished(
        &mut s,
        *job,
        JobOutcome::Failed(
            "server dry run refused it: deployments.apps \"backend\" is forbidden".into(),
        ),
    );
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("auto     auto-pause refused: server dry run refused it"),
        "{text}"
    );
    colour_of(&s, 120, 30, "auto-pause refused", "critical");
}

#[test]
fn auto_pause_never_acts_in_read_only_mode() {
    let mut s = on_workload("ms5-production", "backend");
    s.guard.auto_pause = true;
    s.readonly = true;
    key(&mut s, KeyCode::Char('f'));
    assert_eq!(
        queued(&mut s),
        (Vec::new(), Vec::new()),
        "nothing asked, nothing paused"
    );
    assert!(screen(&s, 120, 30).contains("auto-pause unavailable: read-only"));
}

#[test]
fn stale_burn_data_makes_the_guard_blind_and_says_for_how_long() {
    let mut s = on_workload("ms5-production", "celery-worker");
    if let Some(last) = s.slo.last.as_mut() {
        last.at = s.now - chrono::Duration::minutes(4);
    }
    key(&mut s, KeyCode::Char('f'));
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("guard_blind_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("guard blind: no burn data for 4m: burn never trips it"),
        "{text}"
    );
    assert!(text.contains("oee-freshness bad_data"), "{text}");
    // The crash-looping new pod trips it all the same: pods need no burn data.
    assert!(text.contains("is crash-looping"), "{text}");
    for (w, h) in [(80, 24), (120, 30)] {
        colour_of(&s, w, h, "guard blind", "stale");
    }
}

/// The backend with every pod ready: nothing for the pod rules to trip on.
fn backend_pods_ready(s: &mut ms5_console::app::state::AppState) {
    let pods = crate::fixture::pods()
        .into_iter()
        .filter(|p| p["metadata"]["namespace"] == "ms5-production")
        .map(|mut p| {
            p["status"]["containerStatuses"][0]["ready"] = true.into();
            p
        })
        .collect();
    ms5_console::app::update::apply(s, crate::fixture::pods_reset("ms5-production", pods));
}

#[test]
fn a_healthy_rollout_of_a_quiet_service_shows_a_quiet_guard() {
    let mut s = on_workload("ms5-production", "backend");
    backend_pods_ready(&mut s);
    ms5_console::app::update::apply(
        &mut s,
        crate::fixture::slo_observation_with([
            0.0004, 0.0003, 0.0003, 0.0002, 0.0002, 0.0002, 0.0001,
        ]),
    );
    key(&mut s, KeyCode::Char('f'));
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("guard_quiet_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("guard    quiet: nothing has tripped it"),
        "{text}"
    );
    assert!(
        text.contains("backend-availability 0.4x/0.3x, as at start"),
        "{text}"
    );
    assert!(!text.contains("TRIPPED"), "{text}");
    for (w, h) in [(80, 24), (120, 30)] {
        colour_of(&s, w, h, "quiet", "ok");
    }
}

#[test]
fn a_service_paging_before_the_rollout_is_shown_and_trips_nothing() {
    let mut s = on_workload("ms5-production", "backend");
    backend_pods_ready(&mut s);
    s.guard.auto_pause = true;
    key(&mut s, KeyCode::Char('f'));
    for (w, h) in [(80, 24), (120, 30)] {
        assert_snapshot!(format!("guard_burning_before_{w}x{h}"), screen(&s, w, h));
    }
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("backend-availability burning since before this rollout: 82.1x/18.8x"),
        "{text}"
    );
    assert!(
        text.contains(
            "guard    not tripped: this SLO was already paging before the rollout began, so its burn cannot be blamed on it"
        ),
        "{text}"
    );
    assert!(!text.contains("TRIPPED"), "{text}");
    assert!(!text.contains("p pause  u undo"), "{text}");
    let (asks, pauses) = queued(&mut s);
    assert_eq!((asks.len(), pauses.len()), (1, 0), "asked, nothing paused");
    let theme = Theme::builtin("default").unwrap();
    for (w, h) in [(80, 24), (120, 30)] {
        let buffer = draw(&s, w, h, &theme, false);
        for words in [
            "burning since before",
            "not tripped: this SLO was already paging",
        ] {
            let (x, y) = crate::slo_views::find(&buffer, words);
            assert_eq!(buffer[(x, y)].fg, theme.style("warning").fg.unwrap());
        }
    }
}

/// The guard's pause (or anyone's) bumps the generation but rolls out nothing new: the
/// followed rollout ends `paused` with its trip still shown, not as "a new change" whose new
/// guard forgot it; a resume takes it up again.
#[test]
fn a_pause_of_the_followed_rollout_keeps_its_trip() {
    let mut s = on_workload("ms5-production", "backend");
    key(&mut s, KeyCode::Char('f'));
    assert!(screen(&s, 120, 30).contains("TRIPPED"));
    let with = |paused: bool, generation: i64| {
        crate::fixture::deployments()
            .into_iter()
            .filter(|d| d["metadata"]["namespace"] == "ms5-production")
            .map(|mut d| {
                if d["metadata"]["name"] == "backend" {
                    d["spec"]["paused"] = paused.into();
                    let observed = d["metadata"]["generation"].as_i64().unwrap_or(1) + generation;
                    d["metadata"]["generation"] = observed.into();
                    d["status"]["observedGeneration"] = observed.into();
                }
                d
            })
            .collect()
    };
    ms5_console::app::update::apply(
        &mut s,
        crate::fixture::deployments_reset("ms5-production", with(true, 1)),
    );
    let text = screen(&s, 120, 30);
    assert!(text.contains("ended: paused"), "{text}");
    assert!(!text.contains("a new change"), "{text}");
    assert!(text.contains("TRIPPED"), "{text}");
    assert!(text.contains("u undo (checked"), "{text}");
    assert!(!text.contains("p pause  u undo"), "{text}");
    ms5_console::app::update::apply(
        &mut s,
        crate::fixture::deployments_reset("ms5-production", with(false, 2)),
    );
    let text = screen(&s, 120, 30);
    assert!(text.contains("TRIPPED"), "{text}");
    assert!(text.contains("p pause  u undo"), "following again: {text}");
}

/// The SLO source unreachable from the start: the guard is blind and says so; nothing trips on
/// burn (the backend's new pods are all ready here, so nothing trips at all).
#[test]
fn an_unreachable_slo_source_leaves_the_guard_blind_never_tripped() {
    use ms5_console::app::event::{DataEvent, PromEvent};
    let mut s = on_workload("ms5-production", "backend");
    backend_pods_ready(&mut s);
    s.slo.last = None;
    ms5_console::app::update::apply(
        &mut s,
        DataEvent::Prometheus(Box::new(PromEvent::Observed(Err(
            "error sending request: connection refused".into(),
        )))),
    );
    key(&mut s, KeyCode::Char('f'));
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("guard    blind: no burn data yet: burn never trips it (k8s://ms5-system/"),
        "{text}"
    );
    assert!(text.contains("request: connection refused)"), "{text}");
    assert!(!text.contains("quiet"), "{text}");
    assert!(!text.contains("TRIPPED"), "{text}");
}

/// The 5m burn over 14.4x and the 1h not yet: the guard has not tripped, and does not call
/// itself quiet next to a burn that high.
#[test]
fn half_the_page_condition_is_watched_not_quiet() {
    let mut s = on_workload("ms5-production", "backend");
    backend_pods_ready(&mut s);
    ms5_console::app::update::apply(
        &mut s,
        crate::fixture::slo_observation_with([
            0.0004, 0.0003, 0.0003, 0.0002, 0.0002, 0.0002, 0.0001,
        ]),
    );
    key(&mut s, KeyCode::Char('f'));
    ms5_console::app::update::apply(
        &mut s,
        crate::fixture::slo_observation_with([0.148, 0.03, 0.0124, 0.006, 0.002, 0.001, 0.0005]),
    );
    ms5_console::app::guard::update(&mut s);
    let text = screen(&s, 120, 30);
    assert!(
        text.contains(
            "guard    watching: a fast burn is over 14.4x; it trips when both 5m and 1h are"
        ),
        "{text}"
    );
    assert!(
        text.contains("backend-availability 148.0x/12.4x, at start 0.4x/0.3x"),
        "{text}"
    );
    assert!(
        !text.contains("quiet") && !text.contains("TRIPPED"),
        "{text}"
    );
    colour_of(&s, 120, 30, "148.0x/12.4x", "warning");
}

/// Alerts for the followed workload's namespace and service that began after the rollout did
/// are beside it; older ones, and other namespaces', are not.
#[test]
fn alerts_that_began_after_the_rollout_are_shown_beside_it() {
    use crate::fixture::alert_fixture::{alert, alerts, observation_of};
    let mut s = on_workload("ms5-production", "backend");
    key(&mut s, KeyCode::Char('f'));
    s.now += chrono::Duration::minutes(2);
    let mut now_firing = alerts();
    for (namespace, name) in [
        ("ms5-production", "MS5HighErrorRate"),
        ("ms5-staging", "MS5StagingErrors"),
    ] {
        now_firing.push(alert(
            &[
                ("alertname", name),
                ("namespace", namespace),
                ("service", "backend"),
                ("severity", "high"),
            ],
            "Backend 5xx above 5 %",
            -1,
            &[],
            &[],
        ));
    }
    ms5_console::app::update::apply(&mut s, observation_of(now_firing));
    let text = screen(&s, 120, 30);
    assert!(
        text.contains("alerts   MS5HighErrorRate since 10:01:00"),
        "{text}"
    );
    // Begun before the rollout (6 minutes before), or in staging: not the rollout's doing.
    assert!(!text.contains("MS5HighLatency"), "{text}");
    assert!(!text.contains("MS5StagingErrors"), "{text}");
}
