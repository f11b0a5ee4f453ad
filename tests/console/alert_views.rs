//! `:alerts`, `:silences`, `:audit` and the write dialog: what is on screen (snapshots and
//! colours) and what each key does — above all, that nothing is sent before it is confirmed and
//! nothing at all in read-only mode.

use chrono::Duration;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::assert_snapshot;
use ms5_console::alerting::model::PostableSilence;
use ms5_console::app::event::{DataEvent, Effect};
use ms5_console::app::rows;
use ms5_console::app::stage::Dialog;
use ms5_console::app::state::{AppState, Overlay, ViewId};
use ms5_console::app::update::{apply, handle_key};
use ms5_console::config::keymap::Keymap;
use ms5_console::config::theme::Theme;
use ms5_console::ops::audit::{AuditRecord, Contents, Phase, SCHEMA};
use ms5_console::ops::plan::{WriteAction, WritePlan};
use ratatui::style::{Color, Modifier};

use crate::fixture::alert_fixture::SILENCE_ACTIVE;
use crate::fixture::{self, draw, now, screen, state};
use crate::slo_views::find;

pub fn key(state: &mut AppState, code: KeyCode) -> Vec<Effect> {
    let effects = handle_key(
        state,
        &Keymap::default_keymap(),
        KeyEvent::new(code, KeyModifiers::NONE),
    );
    rows::refresh(state);
    effects
}

pub fn type_text(state: &mut AppState, text: &str) -> Vec<Effect> {
    text.chars()
        .flat_map(|c| key(state, KeyCode::Char(c)))
        .collect()
}

fn on_view(view: ViewId) -> AppState {
    let mut s = state();
    s.view = view;
    rows::refresh(&mut s);
    s
}

#[test]
fn alerts_critical_first_with_what_suppresses_each() {
    for (w, h) in [(80, 24), (160, 45)] {
        let s = on_view(ViewId::Alerts);
        assert_snapshot!(format!("alerts_{w}x{h}"), screen(&s, w, h));
    }
    let s = on_view(ViewId::Alerts);
    let names: Vec<&str> = s.rows.alerts.iter().map(|r| r.alertname.as_str()).collect();
    assert_eq!(
        names,
        [
            "MS5DatabaseDown",
            "MS5SLOFastBurn",
            "MS5BackupFailed",
            "MS5HighLatency",
            "MS5DiskFilling",
            "MS5CertificateExpiringSoon"
        ],
        "critical, high, medium, low; by name within a severity"
    );
    // HA peers' copies are one row, with both origins.
    assert_eq!(s.rows.alerts[0].merged.origins, ["am-0", "am-1"]);
}

#[test]
fn alert_colours() {
    let s = on_view(ViewId::Alerts);
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    let cell = |needle: &str| &buffer[find(&buffer, needle)];
    assert_eq!(cell("critical MS5DatabaseDown").fg, Color::Red);
    assert!(
        cell("critical MS5DatabaseDown")
            .modifier
            .contains(Modifier::BOLD)
    );
    assert_eq!(cell("high     MS5HighLatency").fg, Color::Yellow);
    assert_eq!(cell("low      MS5Cert").fg, Color::DarkGray);
    assert_eq!(
        cell("silenced 5c1e0b7a").fg,
        Color::DarkGray,
        "someone is on it"
    );
    assert_eq!(cell("inhibited by MS5SLO").fg, Color::DarkGray);
    // The unreachable DR Alertmanager makes the panel's freshness critical, and says why.
    assert_eq!(cell("alertmanager am-0,am-1,am-dr").fg, Color::Red);
    assert!(fixture::text(&buffer).contains("am-dr: error sending request"));
}

#[test]
fn alert_details_show_labels_annotations_generator_and_receivers() {
    let mut s = on_view(ViewId::Alerts);
    key(&mut s, KeyCode::Down);
    key(&mut s, KeyCode::Enter);
    let text = screen(&s, 160, 45);
    assert_snapshot!("alert_details_160x45", text);
    for needle in [
        "receivers     ms5-oncall",
        "generator     http://prometheus-service:9090/graph",
        "  slo         backend-availability",
        "  runbook_url https://runbooks.ms5.example/ms5slofastburn",
        "from          am-0,am-1",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    // What the alert is about comes first, under its state: summary, then description.
    let row = |needle: &str| text.lines().position(|l| l.contains(needle));
    let (state, summary, description, fingerprint) = (
        row("state         "),
        row("summary       "),
        row("description   "),
        row("fingerprint   "),
    );
    assert!(
        state < summary && summary < description && description < fingerprint,
        "{text}"
    );
}

#[test]
fn matcher_and_text_filters_and_a_filter_that_does_not_parse() {
    let mut s = on_view(ViewId::Alerts);
    key(&mut s, KeyCode::Char('/'));
    type_text(&mut s, r#"service="postgres", severity=~"crit.*""#);
    key(&mut s, KeyCode::Enter);
    let names: Vec<&str> = s.rows.alerts.iter().map(|r| r.alertname.as_str()).collect();
    assert_eq!(names, ["MS5DatabaseDown"]);

    key(&mut s, KeyCode::Char('/'));
    key(&mut s, KeyCode::Backspace);
    press_ctrl_u(&mut s);
    type_text(&mut s, "backup");
    key(&mut s, KeyCode::Enter);
    let names: Vec<&str> = s.rows.alerts.iter().map(|r| r.alertname.as_str()).collect();
    assert_eq!(names, ["MS5BackupFailed"], "plain text: case-insensitive");

    key(&mut s, KeyCode::Char('/'));
    press_ctrl_u(&mut s);
    type_text(&mut s, r#"severity="critical"#);
    key(&mut s, KeyCode::Enter);
    let text = screen(&s, 80, 24);
    assert_snapshot!("alerts_bad_filter_80x24", text);
    assert!(text.contains("filter does not parse"), "{text}");
    assert!(s.rows.alerts.is_empty(), "a broken filter matches nothing");
}

fn press_ctrl_u(s: &mut AppState) {
    handle_key(
        s,
        &Keymap::default_keymap(),
        KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL),
    );
}

#[test]
fn silences_active_first_with_matched_alerts() {
    let s = on_view(ViewId::Silences);
    assert_snapshot!("silences_160x45", screen(&s, 160, 45));
    let states: Vec<&str> = s
        .rows
        .silences
        .iter()
        .map(|r| r.silence().status.state.as_str())
        .collect();
    assert_eq!(states, ["active", "pending", "expired"]);
    assert_eq!(
        s.rows.silences[0].matched,
        ["MS5BackupFailed (ms5-production/postgres)"]
    );
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    assert_eq!(buffer[find(&buffer, "active  5c1e0b7a")].fg, Color::Green);
    assert_eq!(buffer[find(&buffer, "pending a1b2c3d4")].fg, Color::Yellow);
    assert_eq!(
        buffer[find(&buffer, "expired 0d9e8f7a")].fg,
        Color::DarkGray
    );
}

trait Rollout {
    fn rollout(self, action: &str) -> Self;
}

impl Rollout for AuditRecord {
    /// The same line for a rollout action on ms5-production/backend.
    fn rollout(self, action: &str) -> AuditRecord {
        AuditRecord {
            action: action.into(),
            target: "deployment ms5-production/backend".into(),
            identity: "kube user clusterUser_ms5 context aks-ms5-prod".into(),
            ..self
        }
    }
}

fn record(write: &str, phase: Phase, minutes_ago: i64, result: Option<&str>) -> AuditRecord {
    AuditRecord {
        schema: SCHEMA,
        write: write.into(),
        time: now() - Duration::minutes(minutes_ago),
        phase,
        local_user: "jdoe".into(),
        identity: "kube user clusterUser_ms5 context aks-ms5-prod via k8s://ms5-system/alertmanager-0:9093".into(),
        target: "alertmanager am-0".into(),
        action: "create-silence".into(),
        parameters: serde_json::json!({"comment": "INC-7"}),
        result: result.map(String::from),
        duration_ms: result.map(|_| 41), kube: None, checks: Vec::new(), event: None, annotation: None,
    }
}

#[test]
fn audit_newest_first_and_unreadable_lines_counted() {
    let mut s = on_view(ViewId::Audit);
    s.audit.path = Some("/home/jdoe/.local/state/ms5-console/audit.jsonl".into());
    let contents = Contents {
        records: vec![
            record("w5", Phase::Concluded, 0, Some("complete")).rollout("rollout-undo"),
            record("w5", Phase::Succeeded, 1, Some("resourceVersion 9")).rollout("rollout-undo"),
            record("w5", Phase::Pending, 1, None).rollout("rollout-undo"),
            record("w4", Phase::Succeeded, 1, Some("resourceVersion 8")).rollout("rollout-restart"),
            record("w4", Phase::Pending, 1, None).rollout("rollout-restart"),
            record(
                "w6",
                Phase::Refused,
                1,
                Some("RBAC: kube user viewer (context ms5-sim-viewer) may not patch deployments.apps in ms5-production"),
            )
            .rollout("rollout-restart"),
            record("w3", Phase::Pending, 1, None),
            record(
                "w2",
                Phase::Failed,
                5,
                Some("HTTP 400: Failed to create silence"),
            ),
            record("w2", Phase::Pending, 5, None),
            record("w1", Phase::Succeeded, 9, Some("5c1e0b7a-3f4e")),
            record("w1", Phase::Pending, 9, None),
            // A read-only validation run with failures: a read, not a warning-coloured write.
            AuditRecord {
                action: "validation-run".into(),
                target: "runbook ms5-phase9".into(),
                identity: "kube user oncall context aks-ms5-prod".into(),
                ..record("validation-1", Phase::Concluded, 12, Some("33 passed, 2 failed"))
            },
        ],
        problems: vec![(4, "expected value at line 1 column 1".into())],
    };
    apply(&mut s, DataEvent::Audit(Ok(contents)));
    rows::refresh(&mut s);
    assert_snapshot!("audit_160x45", screen(&s, 160, 45));
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    assert_eq!(buffer[find(&buffer, "failed ")].fg, Color::Red);
    assert_eq!(buffer[find(&buffer, "succeeded")].fg, Color::Green);
    assert_eq!(
        buffer[find(&buffer, "no outcome")].fg,
        Color::Red,
        "a pending line without outcome stands out"
    );
    assert_eq!(
        buffer[find(&buffer, "unconcluded")].fg,
        Color::Yellow,
        "a followed change never seen to its end stands out"
    );
    assert_eq!(buffer[find(&buffer, "concluded ")].fg, Color::Green);
    assert_eq!(buffer[find(&buffer, "refused")].fg, Color::Yellow);
    let run = fixture::text(&buffer)
        .lines()
        .find(|l| l.contains("validation-run"))
        .unwrap_or_default()
        .to_string();
    // Who: the local user and the kube user the header names.
    assert!(
        run.contains(" read ") && run.contains("jdoe as oncall"),
        "{run}"
    );
    let at = find(&buffer, "read        validation-run");
    assert_eq!(
        buffer[at].fg,
        Theme::default_theme()
            .style("muted")
            .fg
            .unwrap_or(Color::Reset),
        "{run}"
    );
    assert_eq!(
        buffer[find(&buffer, "1 unreadable line(s) skipped: 4")].fg,
        Color::Yellow
    );
}

/// `s` on the first alert, a comment typed, enter: the plan, waiting.
fn planned_silence(s: &mut AppState) -> WritePlan {
    key(s, KeyCode::Char('s'));
    type_text(s, "INC-42 failover in progress");
    key(s, KeyCode::Enter);
    match &s.overlay {
        Some(Overlay::Dialog(Dialog::Confirm(plan))) => plan.clone(),
        other => panic!("expected the plan, got {other:?}"),
    }
}

#[test]
fn the_silence_form_is_prefilled_and_requires_a_comment() {
    let mut s = on_view(ViewId::Alerts);
    assert!(key(&mut s, KeyCode::Char('s')).is_empty());
    let text = screen(&s, 120, 30);
    assert_snapshot!("silence_form_120x30", text);
    let Some(Overlay::Dialog(Dialog::SilenceForm(form))) = &s.overlay else {
        panic!("the form");
    };
    assert_eq!(
        form.fields[0],
        r#"alertname="MS5DatabaseDown", namespace="ms5-production", service="postgres", severity="critical""#
    );
    assert!(
        text.contains(r#"matchers  alertname="MS5DatabaseDown""#),
        "{text}"
    );
    assert!(text.contains("duration  2h"));
    assert!(text.contains("author    j.doe"), "from config");
    // Enter without a comment: the form says why, and nothing is sent.
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(
        screen(&s, 120, 30).contains("comment is required"),
        "{}",
        screen(&s, 120, 30)
    );
    // A bad duration is caught too.
    key(&mut s, KeyCode::Up);
    key(&mut s, KeyCode::Backspace);
    key(&mut s, KeyCode::Backspace);
    type_text(&mut s, "soon");
    key(&mut s, KeyCode::Enter);
    assert!(screen(&s, 120, 30).contains("duration \"soon\": write at least 1m"));
    // `q` typed into the form is text, not quit: the focused field ends in it, the form stays
    // open and nothing comes back.
    let focus = match &s.overlay {
        Some(Overlay::Dialog(Dialog::SilenceForm(form))) => form.focus,
        other => panic!("the form: {other:?}"),
    };
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert!(!s.quit);
    let Some(Overlay::Dialog(Dialog::SilenceForm(form))) = &s.overlay else {
        panic!("the form closed on q");
    };
    assert!(form.fields[focus].ends_with('q'), "{:?}", form.fields);
}

#[test]
fn nothing_is_sent_before_confirmation_and_cancel_sends_nothing() {
    let mut s = on_view(ViewId::Alerts);
    let plan = planned_silence(&mut s);
    let text = screen(&s, 120, 30);
    assert_snapshot!("silence_plan_120x30", text);
    for needle in [
        "server   am-0 (k8s://ms5-system/alertmanager-0:9093)",
        "request  POST /api/v2/silences",
        "start    2026-11-27 10:00:00 UTC",
        "end      2026-11-27 12:00:00 UTC",
        "author   j.doe",
        "comment  INC-42 failover in progress",
        "y/enter send",
    ] {
        assert!(text.contains(needle), "{needle}:\n{text}");
    }
    let WriteAction::CreateSilence(PostableSilence { matchers, .. }) = &plan.action else {
        panic!("a silence");
    };
    assert_eq!(matchers.len(), 4);
    // Keys other than confirm/cancel do nothing behind the dialog.
    for c in ['q', '3', 'j'] {
        assert!(key(&mut s, KeyCode::Char(c)).is_empty());
    }
    assert!(!s.quit);
    assert!(matches!(
        s.overlay,
        Some(Overlay::Dialog(Dialog::Confirm(_)))
    ));
    // `n` cancels: no effect at all.
    assert!(key(&mut s, KeyCode::Char('n')).is_empty());
    assert!(s.overlay.is_none());
    // Esc cancels too.
    planned_silence(&mut s);
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.overlay.is_none());
    // ctrl-c still quits from a dialog (a ctrl chord is no typing slip); nothing is sent.
    planned_silence(&mut s);
    let effects = handle_key(
        &mut s,
        &Keymap::default_keymap(),
        KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
    );
    assert_eq!(effects, vec![Effect::Quit]);
}

/// The one write a key sent.
fn sent(effects: Vec<Effect>) -> WritePlan {
    match effects.as_slice() {
        [Effect::Write(plan)] => (**plan).clone(),
        _ => panic!("one write, got {effects:?}"),
    }
}

#[test]
fn confirming_sends_once_and_shows_the_outcome() {
    let mut s = on_view(ViewId::Alerts);
    let planned = planned_silence(&mut s);
    let plan = sent(key(&mut s, KeyCode::Char('y')));
    // What was planned is what is sent, under an id stamped when it was sent (its time, the
    // audit's and the outcome's are one moment, however long the confirmation took).
    assert_ne!(plan.write, planned.write);
    assert_eq!(
        WritePlan {
            write: planned.write.clone(),
            ..plan.clone()
        },
        planned
    );
    assert!(screen(&s, 120, 30).contains("sending..."));
    // Neither a second confirm nor esc can send again or hide a write on its way.
    assert!(key(&mut s, KeyCode::Enter).is_empty());
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    apply(
        &mut s,
        DataEvent::WriteOutcome {
            write: plan.write.clone(),
            result: Ok("8f2a6c1e-0000-4000-8000-000000000001".into()),
        },
    );
    let text = screen(&s, 120, 30);
    assert_snapshot!("silence_done_120x30", text);
    assert!(text.contains("done: 8f2a6c1e-0000-4000-8000-000000000001"));
    assert!(key(&mut s, KeyCode::Esc).is_empty());
    assert!(s.overlay.is_none());

    // A server error is shown as such.
    planned_silence(&mut s);
    let plan = sent(key(&mut s, KeyCode::Enter));
    apply(
        &mut s,
        DataEvent::WriteOutcome {
            write: plan.write,
            result: Err(ms5_console::ops::error::WriteFailure::Failed(
                "HTTP 400: Failed to create silence: invalid label matcher".into(),
            )),
        },
    );
    let buffer = draw(&s, 120, 30, &Theme::default_theme(), false);
    assert_eq!(buffer[find(&buffer, "failed: HTTP 400")].fg, Color::Red);
}

#[test]
fn expiring_a_silence_is_planned_and_confirmed_the_same_way() {
    let mut s = on_view(ViewId::Silences);
    assert!(key(&mut s, KeyCode::Char('e')).is_empty());
    let text = screen(&s, 120, 30);
    assert!(
        text.contains(&format!("request  DELETE /api/v2/silence/{SILENCE_ACTIVE}")),
        "{text}"
    );
    let effects = key(&mut s, KeyCode::Enter);
    let [Effect::Write(plan)] = effects.as_slice() else {
        panic!("one write, got {effects:?}");
    };
    assert_eq!(plan.verb(), "expire-silence");
    // An expired silence cannot be expired again.
    key(&mut s, KeyCode::Esc);
    s.overlay = None;
    key(&mut s, KeyCode::Char('G'));
    assert!(key(&mut s, KeyCode::Char('e')).is_empty());
    assert!(s.overlay.is_none());
    assert!(screen(&s, 120, 30).contains("has already expired"));
}

#[test]
fn read_only_removes_every_write_and_the_key_says_so() {
    let mut s = on_view(ViewId::Alerts);
    s.readonly = true;
    let buffer = draw(&s, 120, 30, &Theme::default_theme(), false);
    let text = fixture::text(&buffer);
    assert!(text.contains("s read-only"), "{text}");
    assert_eq!(buffer[find(&buffer, "read-only ")].fg, Color::Yellow);
    assert!(key(&mut s, KeyCode::Char('s')).is_empty());
    assert!(s.overlay.is_none(), "no dialog in read-only mode");
    assert!(screen(&s, 120, 30).contains("read-only: cannot create a silence"));

    s.view = ViewId::Silences;
    rows::refresh(&mut s);
    assert!(key(&mut s, KeyCode::Char('e')).is_empty());
    assert!(s.overlay.is_none());
}

#[test]
fn overview_counts_by_severity_the_newest_critical_and_silenced() {
    let s = state();
    let text = screen(&s, 160, 45);
    assert!(
        text.contains("2 critical 0 high 1 medium 1 low · 1 silenced 1 inhibited"),
        "{text}"
    );
    assert!(
        text.contains("newest critical: MS5DatabaseDown ms5-production/postgres 60s ago"),
        "{text}"
    );
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    assert_eq!(buffer[find(&buffer, "2 critical")].fg, Color::Red);
}

#[test]
fn views_are_reached_by_key_and_command() {
    let mut s = state();
    key(&mut s, KeyCode::Char('7'));
    assert_eq!(s.view, ViewId::Alerts);
    key(&mut s, KeyCode::Char('8'));
    assert_eq!(s.view, ViewId::Silences);
    assert_eq!(key(&mut s, KeyCode::Char('9')), vec![Effect::LoadAudit]);
    assert_eq!(s.view, ViewId::Audit);
    key(&mut s, KeyCode::Char(':'));
    type_text(&mut s, "alerts");
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.view, ViewId::Alerts);
    key(&mut s, KeyCode::Char(':'));
    type_text(&mut s, "audit");
    assert_eq!(key(&mut s, KeyCode::Enter), vec![Effect::LoadAudit]);
}

#[test]
fn a_failing_alertmanager_keeps_its_last_answer_marked_stale_and_the_others_count() {
    let mut s = on_view(ViewId::Alerts);
    s.now = now() + Duration::seconds(60);
    apply(
        &mut s,
        DataEvent::Alerts(Box::new(ms5_console::alerting::merge::AlertsObservation {
            at: now() + Duration::seconds(60),
            answers: vec![
                ("am-0".into(), Ok((Vec::new(), Vec::new()))),
                (
                    "am-1".into(),
                    Err("malformed answer (expected value at line 1 column 1): <html>".into()),
                ),
            ],
        })),
    );
    rows::refresh(&mut s);
    // am-0 says nothing fires now; am-1's last good answer is still shown, marked as old.
    assert_eq!(s.rows.alerts.len(), 6);
    let buffer = draw(&s, 160, 45, &Theme::default_theme(), false);
    let text = fixture::text(&buffer);
    assert!(
        text.contains("am-1 stale, last good 63s ago"),
        "the title says which and since when:\n{text}"
    );
    assert!(text.contains("am-1: malformed answer"), "{text}");
    assert_eq!(buffer[find(&buffer, "am-1(stale)")].fg, Color::Magenta);
}

#[test]
fn form_fields_edit_at_the_cursor_and_a_paste_is_text_not_keys() {
    let mut s = on_view(ViewId::Alerts);
    key(&mut s, KeyCode::Char('s'));
    // A paste with a line break and characters that are keys elsewhere (`q` quits, `y`
    // confirms): all of it is text in the focused field, nothing acts.
    ms5_console::app::update::handle_paste(&mut s, "INC-42 q\ny");
    assert!(!s.quit);
    let comment = |s: &AppState| match &s.overlay {
        Some(Overlay::Dialog(Dialog::SilenceForm(form))) => form.fields[2].to_string(),
        other => panic!("the form: {other:?}"),
    };
    assert_eq!(comment(&s), "INC-42 q y");
    // Editing in the middle: home, a word inserted, ctrl-w at the end removes the last word.
    key(&mut s, KeyCode::Home);
    type_text(&mut s, "re ");
    handle_key(
        &mut s,
        &Keymap::default_keymap(),
        KeyEvent::new(KeyCode::End, KeyModifiers::NONE),
    );
    handle_key(
        &mut s,
        &Keymap::default_keymap(),
        KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL),
    );
    assert_eq!(comment(&s), "re INC-42 q ");
    // The same field editing in the `:` line: ctrl-u clears it, esc closes it.
    s.overlay = None;
    key(&mut s, KeyCode::Char(':'));
    type_text(&mut s, "podz");
    key(&mut s, KeyCode::Left);
    key(&mut s, KeyCode::Backspace);
    assert!(
        screen(&s, 120, 30).contains(":poz"),
        "{}",
        screen(&s, 120, 30)
    );
    key(&mut s, KeyCode::Enter);
    assert!(screen(&s, 120, 30).contains("unknown command `poz`"));
}
