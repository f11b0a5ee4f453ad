//! The one place state changes: key -> action -> state (+ effects), and data -> state.

use crossterm::event::KeyEvent;

use super::action::Action;
use super::complete;
use super::details;
use super::event::{DataEvent, Effect, ObjectKind, PromEvent, SourceHealth, YamlRequest};
use super::field::{FieldKey, TextField};
use super::follow;
use super::logs;
use super::rollout_writes;
use super::rows;
use super::state::{AppState, Input, Overlay, ViewId};
use super::table::Filter;
use super::writes;
use crate::app::stage::Dialog;
use crate::config::keymap::Keymap;
use crate::config::keys::Key;
use crate::model::view_id::{COMING, OnOpen, Order};
use crate::ops::job::JobEvent;

/// A key press: typed text while a `:`/`/` line is open, else whatever the keymap says.
pub fn handle_key(state: &mut AppState, keymap: &Keymap, event: KeyEvent) -> Vec<Effect> {
    if state.input.is_some() {
        return edit_input(state, event);
    }
    if let Some(Overlay::Dialog(Dialog::SilenceForm(_))) = &state.overlay {
        return writes::edit_form(state, event);
    }
    if let Some(Overlay::Dialog(Dialog::ScaleForm(_))) = &state.overlay {
        return rollout_writes::edit_scale_form(state, event);
    }
    if let Some(Overlay::Dialog(Dialog::ConfirmChecked { typed: Some(_), .. })) = &state.overlay {
        return writes::edit_typed_confirmation(state, event);
    }
    let Some(key) = Key::from_event(&event) else {
        return Vec::new();
    };
    let action = keymap.lookup(state.mode(), key);
    // A dialog takes only its own keys: a stray `q` or view key must not act behind it. A
    // ctrl chord bound to quit (ctrl-c) still quits: no typing slip makes one.
    let action = match (&state.overlay, action) {
        (Some(Overlay::Dialog(_)), Some(a @ (Action::Confirm | Action::Cancel | Action::Back))) => {
            Some(a)
        }
        // The undo chooser is a list.
        (Some(Overlay::Dialog(Dialog::UndoChooser(_))), Some(a @ (Action::Up | Action::Down))) => {
            Some(a)
        }
        (Some(Overlay::Dialog(_)), Some(Action::Quit)) if key.is_bare_ctrl_chord() => {
            Some(Action::Quit)
        }
        (Some(Overlay::Dialog(_)), _) => None,
        (_, a) => a,
    };
    match action {
        Some(action) => {
            state.flash = None;
            update(state, action)
        }
        None => Vec::new(),
    }
}

fn edit_input(state: &mut AppState, event: KeyEvent) -> Vec<Effect> {
    let Some(input) = state.input.as_mut() else {
        return Vec::new();
    };
    match input.field_mut().edit(event) {
        FieldKey::Cancel => state.input = None,
        FieldKey::Submit => {
            return match state.input.take() {
                Some(Input::Command(cmd)) => run_command(state, &cmd),
                Some(Input::Filter(f)) => {
                    apply_filter(state, &f);
                    Vec::new()
                }
                Some(Input::OnlyMatching(f)) => {
                    logs::only_matching(state, f.text());
                    Vec::new()
                }
                // A note with nothing in it is refused where it is typed: the field stays.
                Some(Input::Note(f)) if f.text().trim().is_empty() => {
                    state.say("a note needs some text (esc to cancel)".into(), true);
                    state.input = Some(Input::Note(f));
                    Vec::new()
                }
                Some(Input::Note(f)) => super::timeline::add_note(state, f.text()),
                None => Vec::new(),
            };
        }
        FieldKey::Other if event.code == crossterm::event::KeyCode::Tab => {
            if let Some(Input::Command(field)) = &state.input {
                let completed = complete::complete(state, field.text());
                state.input = Some(Input::Command(TextField::new(completed)));
            }
        }
        FieldKey::Edited => state.flash = None,
        FieldKey::Other => {}
    }
    Vec::new()
}

/// Pasted text (bracketed paste): into the line or form being typed, else nowhere (a paste is
/// never taken as keys, which could trigger actions).
pub fn handle_paste(state: &mut AppState, text: &str) {
    if let Some(input) = state.input.as_mut() {
        input.field_mut().paste(text);
    } else {
        writes::paste_into_form(state, text);
    }
}

pub fn update(state: &mut AppState, action: Action) -> Vec<Effect> {
    let page = state.page.max(1) as isize;
    match action {
        Action::Quit => {
            state.quit = true;
            return vec![Effect::Quit];
        }
        Action::Help => {
            state.overlay = Some(Overlay::Help {
                scroll: 0,
                filter: String::new(),
            })
        }
        Action::Command => state.input = Some(Input::Command(TextField::default())),
        // A new filter or search starts from what the user types (the one in force stays in the
        // panel's title until enter replaces it): appending to it would silently AND the two.
        Action::Filter => state.input = Some(Input::Filter(TextField::default())),
        Action::OnlyMatching => {
            if let Some(Overlay::Logs(_)) = &state.overlay {
                state.input = Some(Input::OnlyMatching(TextField::default()));
            }
        }
        Action::OlderMatch => logs::jump_to_match(state, true),
        Action::NewerMatch => logs::jump_to_match(state, false),
        Action::Note => state.input = Some(Input::Note(TextField::default())),
        Action::Report => return super::incident::write_report(state),
        Action::Back | Action::Cancel => return back(state),
        Action::Confirm
            if matches!(state.overlay, Some(Overlay::Dialog(Dialog::UndoChooser(_)))) =>
        {
            return rollout_writes::plan_undo(state);
        }
        Action::Confirm
            if matches!(
                state.overlay,
                Some(Overlay::Dialog(Dialog::ConfirmRun { .. }))
            ) =>
        {
            if let Some(Overlay::Dialog(Dialog::ConfirmRun { request, .. })) = state.overlay.take()
            {
                return super::validation_runs::begin(state, *request);
            }
        }
        Action::Confirm => {
            // Changed since the plan: plan again from the object as it is now.
            if let Some(plan) = writes::changed_since_planned(state) {
                return rollout_writes::plan_again(state, &plan);
            }
            return writes::confirm(state);
        }
        Action::Undo => return rollout_writes::open_undo(state),
        Action::RunValidation => return super::validation_runs::start(state, None),
        Action::RunPhase => {
            let phase = super::validation_runs::selected_phase(state);
            return super::validation_runs::start(state, phase);
        }
        Action::StopRun => return super::validation_runs::stop(state),
        Action::View(view) => return switch_view(state, view),
        Action::Silence => return writes::open_silence_form(state),
        Action::Restart => return rollout_writes::plan_restart(state),
        Action::PauseResume => return rollout_writes::plan_pause_or_resume(state),
        Action::Scale => return rollout_writes::open_scale_form(state),
        Action::DeletePod => return rollout_writes::plan_delete_pod(state),
        Action::RestoreDrill => return super::backup_writes::plan_drill(state),
        Action::BackupNow => return super::backup_writes::plan_backup(state),
        Action::Expire => return writes::plan_expiry(state),
        // Opens the details pane; on an open one, takes the step its footer names.
        Action::Details if state.overlay.is_none() && state.view == ViewId::Overview => {
            return details::enter_suspect(state);
        }
        Action::Details => {
            if state.overlay.is_none() && state.view != ViewId::Overview {
                if state.details {
                    return details::enter(state);
                }
                state.details = true;
                // Opening the details again asks for a fresh chart.
                state.slo.history_for = None;
                if state.view == ViewId::Backups {
                    return super::backup_writes::fetch_failed_logs(state);
                }
            }
        }
        Action::Up => scroll(state, -1),
        Action::Down => scroll(state, 1),
        Action::PageUp => page_by(state, -1, page),
        Action::PageDown => page_by(state, 1, page),
        Action::Top => scroll(state, isize::MIN / 2),
        Action::Bottom => scroll(state, isize::MAX / 2),
        Action::NextView => return switch_view(state, state.view.next()),
        Action::PrevView => return switch_view(state, state.view.prev()),
        // Some lists' order is their meaning (worst budget first; critical first; newest
        // first); they do not re-sort.
        Action::Sort | Action::ReverseSort if state.view.facts().order == Order::Fixed => {}
        Action::Sort => {
            let columns = state.view.facts().columns.len().max(1);
            let table = state.table_mut(state.view);
            table.sort_column = (table.sort_column + 1) % columns;
            // A re-sort the person asked for keeps their row under the cursor.
            table.moved = true;
        }
        Action::ReverseSort => {
            let table = state.table_mut(state.view);
            table.reverse = !table.reverse;
            table.moved = true;
        }
        Action::WarningsOnly => state.warnings_only = !state.warnings_only,
        Action::Logs => return logs::open(state),
        Action::Yaml => return open_yaml(state),
        Action::Follow => {
            if let Some(Overlay::Logs(l)) = &mut state.overlay {
                l.follow = !l.follow;
                if l.follow {
                    l.scroll = 0;
                }
            } else if state.overlay.is_none() && state.view == ViewId::Rollouts {
                follow::follow_selected(state);
            }
        }
        Action::Timestamps => return logs::reopen(state, |l| l.timestamps = !l.timestamps),
        Action::Wrap => {
            if let Some(Overlay::Logs(l)) = &mut state.overlay {
                l.wrap = !l.wrap;
            }
        }
        Action::Previous => return logs::reopen(state, |l| l.previous = !l.previous),
        Action::Container => {
            if let Some(Overlay::Logs(l)) = &state.overlay
                && l.containers.len() < 2
            {
                let words = format!("{} has one container: {}", l.pod, l.container_name());
                state.say(words, false);
                return Vec::new();
            }
            return logs::reopen(state, |l| {
                l.container = (l.container + 1) % l.containers.len().max(1)
            });
        }
    }
    rows::refresh(state);
    slo_history_effect(state)
}

/// With the SLO view's details open, the selected SLO's chart is fetched once per selection.
fn slo_history_effect(state: &mut AppState) -> Vec<Effect> {
    if state.view != ViewId::Slo || !state.details || state.overlay.is_some() {
        return Vec::new();
    }
    let Some((_, name)) = state.table(ViewId::Slo).selected_key.clone() else {
        return Vec::new();
    };
    if state.slo.history_for.as_deref() == Some(name.as_str()) || state.slo.source.is_empty() {
        return Vec::new();
    }
    state.slo.history_request = state.ids.fresh();
    state.slo.history_for = Some(name.clone());
    state.slo.history = None;
    vec![Effect::FetchSloHistory {
        request: state.slo.history_request,
        slo: name,
    }]
}

fn back(state: &mut AppState) -> Vec<Effect> {
    // A write on its way cannot be called back; its dialog stays until the outcome is shown.
    if let Some(Overlay::Dialog(dialog)) = &state.overlay
        && !dialog.can_close()
    {
        return Vec::new();
    }
    // Esc clears help's search before it closes help.
    if let Some(Overlay::Help { filter, scroll }) = &mut state.overlay
        && !filter.is_empty()
    {
        filter.clear();
        *scroll = 0;
        return Vec::new();
    }
    // Esc clears a search (highlighted or only matching) before it closes the log.
    if let Some(Overlay::Logs(l)) = &mut state.overlay
        && !l.search.is_empty()
    {
        l.search.clear();
        l.filtered = false;
        l.scroll = 0;
        l.follow = true;
        return Vec::new();
    }
    if let Some(overlay) = state.overlay.take() {
        return match overlay {
            Overlay::Logs(_) => vec![Effect::CloseLogs],
            // Closing the checks stops them: nothing is sent, nothing is left running.
            Overlay::Dialog(Dialog::Checking { job, .. }) => vec![Effect::CancelJob(job)],
            _ => Vec::new(),
        };
    }
    if state.details {
        state.details = false;
    } else if !state.table(state.view).filter.is_empty() {
        state.table_mut(state.view).filter = Filter::default();
        rows::refresh(state);
    }
    Vec::new()
}

/// Shows `view`; what it asks for when opened (the audit view reads the log afresh).
fn switch_view(state: &mut AppState, view: ViewId) -> Vec<Effect> {
    state.view = view;
    state.overlay = None;
    state.details = false;
    rows::refresh(state);
    match view.facts().on_open {
        OnOpen::Nothing => Vec::new(),
        OnOpen::ReadAuditLog => vec![Effect::LoadAudit],
    }
}

fn scroll(state: &mut AppState, delta: isize) {
    match &mut state.overlay {
        Some(Overlay::Help { scroll, .. })
        | Some(Overlay::Yaml { scroll, .. })
        | Some(Overlay::Report { scroll, .. }) => {
            *scroll = (*scroll as isize + delta).max(0) as usize;
        }
        Some(Overlay::Dialog(Dialog::UndoChooser(_))) => {
            rollout_writes::move_undo_choice(state, delta);
        }
        Some(Overlay::Dialog(_) | Overlay::Follow { .. }) => {}
        Some(Overlay::Logs(l)) => {
            // Up moves back in time; the log view counts from the newest line.
            let shown = if l.filtered {
                l.shown().len()
            } else {
                l.lines.len()
            };
            l.scroll = (l.scroll as isize - delta).clamp(0, shown as isize) as usize;
            l.follow = l.scroll == 0;
        }
        // The Overview's one list: what changed before the page.
        None if state.view == ViewId::Overview => {
            let last = state.rows.suspects.list.len().saturating_sub(1) as isize;
            let at = state.rows.suspect_selected as isize + delta;
            state.rows.suspect_selected = at.clamp(0, last) as usize;
        }
        None => {
            let (view, page) = (state.view, state.page);
            let mut table = std::mem::take(state.table_mut(view));
            table.move_by(delta, &rows::keys(state, view), page);
            *state.table_mut(view) = table;
        }
    }
}

/// A page key: tables move by a page less one row (`TableState::page_by`); the overlays scroll
/// by as much.
fn page_by(state: &mut AppState, pages: isize, page: isize) {
    if state.overlay.is_some() {
        return scroll(state, pages * (page - 1).max(1));
    }
    let (view, rows_on_screen) = (state.view, state.page);
    let mut table = std::mem::take(state.table_mut(view));
    table.page_by(pages, &rows::keys(state, view), rows_on_screen);
    *state.table_mut(view) = table;
}

fn apply_filter(state: &mut AppState, text: &str) {
    match &mut state.overlay {
        // A search highlights the lines that match, keeps every line, and moves to the newest
        // match (`n` older, `N` newer), as in less.
        Some(Overlay::Logs(_)) => logs::search(state, text),
        // Help keeps only the lines that mention the text.
        Some(Overlay::Help { scroll, filter }) => {
            *filter = text.to_string();
            *scroll = 0;
        }
        _ => {
            let view = state.view;
            let table = state.table_mut(view);
            table.filter = Filter::parse(text);
            table.selected = 0;
            table.offset = 0;
            table.moved = false;
            rows::refresh(state);
        }
    }
}

/// `:pods`, `:ns ms5-staging`, `:ctx prod`, `:q`.
pub fn run_command(state: &mut AppState, command: &str) -> Vec<Effect> {
    let mut words = command.split_whitespace();
    let Some(verb) = words.next() else {
        return Vec::new();
    };
    let argument = words.next();
    if let Some(view) = ViewId::by_command(verb) {
        return switch_view(state, view);
    }
    match (verb, argument) {
        ("q" | "quit" | "q!", _) => {
            state.quit = true;
            vec![Effect::Quit]
        }
        ("help" | "h", _) => {
            state.overlay = Some(Overlay::Help {
                scroll: 0,
                filter: String::new(),
            });
            Vec::new()
        }
        ("ns" | "namespace", Some("all" | "-A" | "*")) | ("ns" | "namespace", None) => {
            state.focus = None;
            rows::refresh(state);
            Vec::new()
        }
        ("ns" | "namespace", Some(ns)) => {
            state.focus = Some(ns.to_string());
            let effects = if state.namespaces.iter().any(|n| n == ns) {
                Vec::new()
            } else {
                state.namespaces.push(ns.to_string());
                vec![Effect::WatchNamespaces(state.namespaces.clone())]
            };
            rows::refresh(state);
            effects
        }
        ("ctx" | "context", Some(ctx)) => vec![Effect::SwitchContext(ctx.to_string())],
        ("incident", Some("end")) => super::incident::end(state),
        ("incident", Some(name)) => super::incident::begin(state, name),
        ("incident", None) => {
            let words = match &state.timeline.incident.open {
                Some(open) => format!(
                    "incident {} open since {} UTC: `:incident end` closes it",
                    open.name,
                    open.began.format("%H:%M:%S")
                ),
                None => format!(
                    "no incident open: `:incident NAME` begins one ({})",
                    crate::timeline::incident::NAME_RULE
                ),
            };
            state.say(words, false);
            Vec::new()
        }
        ("ctx" | "context", None) => {
            let list = if state.contexts.is_empty() {
                "none known".into()
            } else {
                state.contexts.join(", ")
            };
            state.say(format!("contexts: {list}"), false);
            Vec::new()
        }
        (coming, _) if COMING.contains(&coming) => {
            state.say(
                format!(":{verb} is not available in this version yet"),
                true,
            );
            Vec::new()
        }
        _ => {
            state.say(format!(
                    "unknown command `{verb}`: try :overview :rollouts :pods :events :slo :alerts :audit :timeline :ns NAME :ctx NAME"
                ),
                true,
            );
            Vec::new()
        }
    }
}

/// `y`: the selected object, fetched fresh from the API (the console keeps only the fields its
/// views show, so the YAML comes from the server, whole, as it answered).
fn open_yaml(state: &mut AppState) -> Vec<Effect> {
    let selected = |view| state.table(view).selected;
    let target = match state.view {
        ViewId::Pods => state
            .rows
            .pods
            .get(selected(ViewId::Pods))
            .map(|r| (ObjectKind::Pod, r.namespace.clone(), r.name.clone())),
        ViewId::Rollouts => state
            .rows
            .workloads
            .get(selected(ViewId::Rollouts))
            .map(|r| {
                let kind = if r.kind == "Deployment" {
                    ObjectKind::Deployment
                } else {
                    ObjectKind::StatefulSet
                };
                (kind, r.namespace.clone(), r.name.clone())
            }),
        ViewId::Nodes => state
            .rows
            .nodes
            .get(selected(ViewId::Nodes))
            .map(|r| (ObjectKind::Node, String::new(), r.name.clone())),
        ViewId::Events => state
            .rows
            .events
            .get(selected(ViewId::Events))
            .map(|r| (ObjectKind::Event, r.namespace.clone(), r.name.clone())),
        _ => None,
    };
    let Some((kind, namespace, name)) = target else {
        return Vec::new();
    };
    let request = state.ids.fresh();
    let title = if namespace.is_empty() {
        format!("{kind:?} {name}")
    } else {
        format!("{kind:?} {namespace}/{name}")
    };
    state.overlay = Some(Overlay::Yaml {
        title,
        lines: vec!["loading...".into()],
        scroll: 0,
        request,
    });
    vec![Effect::FetchYaml(YamlRequest {
        request,
        kind,
        namespace,
        name,
    })]
}

/// Data from a source. Returns whether anything visible may have changed.
pub fn apply(state: &mut AppState, event: DataEvent) {
    match event {
        DataEvent::Kube(change) => {
            state.unreachable = None;
            super::timeline_state::observe_kube(
                &mut state.timeline,
                &state.cluster,
                &change,
                state.now,
            );
            state.cluster.apply(*change, state.now);
            follow::observe(state);
            logs::join_new_pods(state);
            super::guard::update(state);
        }
        DataEvent::Health(source, health) => {
            if matches!(health, SourceHealth::Live { .. }) {
                state.unreachable = None;
            }
            state.health.insert(source, health);
        }
        DataEvent::Unreachable { error } => state.unreachable = Some(error),
        DataEvent::Prometheus(event) => {
            apply_prometheus(state, *event);
            super::guard::update(state);
        }
        DataEvent::Alerts(observation) => {
            state.alerts.apply(*observation);
            super::timeline::observe_alerts(state);
        }
        DataEvent::Audit(contents) => {
            state.audit.read = Some((state.now, contents));
            super::timeline::observe_audit(state);
        }
        DataEvent::Job(event) => apply_job(state, event),
        DataEvent::IncidentWritten(result) => {
            // Said once when it starts failing; the header says it until a write succeeds.
            if let (Err(why), None) = (&result, &state.timeline.incident.error) {
                state.say(format!("incident file not written: {why}"), true);
            }
            state.timeline.incident.error = result.err();
        }
        DataEvent::ReportWritten(result) => match result {
            // Read where it was asked for: a path alone sent people to another terminal.
            Ok((path, text)) => {
                state.say(format!("report written to {}", path.display()), false);
                state.overlay = Some(Overlay::Report {
                    path,
                    lines: text.lines().map(str::to_string).collect(),
                    scroll: 0,
                });
            }
            Err(why) => state.say(format!("report not written: {why}"), true),
        },
        DataEvent::ValidationHistory(read) => {
            let cluster = crate::validation::results::RunCluster {
                context: state.connection.context.clone(),
                server: state.connection.server.clone(),
            };
            state.validation.loaded(read, &cluster)
        }
        DataEvent::Metrics(poll) => state.metrics.apply(*poll),
        DataEvent::Rbac(answers) => state.rbac = Some(answers),
        DataEvent::History {
            namespace,
            name,
            result,
        } => rollout_writes::history_read(state, &namespace, &name, result),
        DataEvent::WriteOutcome {
            write,
            result,
            unknown,
        } => {
            // The outcome line is in the log now: the timeline reads it from there.
            state.audit.reread = true;
            if let Some(Overlay::Dialog(Dialog::Sending { plan, since })) = &state.overlay
                && plan.write == write
            {
                let (plan, sent) = (plan.clone(), *since);
                // A drill or on-demand backup that started is followed to its end by a job.
                if let (Ok(answer), crate::ops::plan::WriteAction::RunCronJob(_)) =
                    (&result, &plan.action)
                {
                    super::backup_writes::follow(state, plan, answer);
                    return;
                }
                // A change that starts a rollout is followed: the pane opens on it. So does one
                // whose answer never came: the watch shows whether it happened.
                let followed = match &result {
                    Ok(answer) => Some(Ok(format!("done: {answer} · audited as write {write}"))),
                    Err(e) if unknown => Some(Err(format!("{e} · audited as write {write}"))),
                    Err(_) => None,
                };
                if let (Some(outcome), Some((kind, namespace, name, generation))) =
                    (followed, follow::rollout_started_by(&plan))
                {
                    let started = follow::Started {
                        write: plan.write.clone(),
                        action: plan.verb().to_string(),
                        target: plan.target_words(),
                        parameters: plan.parameters(),
                    };
                    follow::start(
                        state,
                        kind,
                        &namespace,
                        &name,
                        Some(generation),
                        Some(started),
                    );
                    // The rollout began when the write was sent, the moment its id names.
                    let key = follow::key(kind, &namespace, &name);
                    if let Some(f) = state.follow.follows.get_mut(&key) {
                        f.started = sent;
                    }
                    state.overlay = Some(Overlay::Follow {
                        key: follow::key(kind, &namespace, &name),
                        outcome: Some(outcome),
                    });
                    return;
                }
                state.overlay = Some(Overlay::Dialog(Dialog::Done { plan, result }));
            } else {
                // The dialog was closed (or another opened): say it in the footer instead.
                let text = match &result {
                    Ok(answer) => format!("write {write}: done ({answer})"),
                    Err(e) => format!("write {write} failed: {e}"),
                };
                state.say(text, result.is_err());
            }
        }
        DataEvent::Logs(event) => logs::apply(state, event),
        DataEvent::RunLog {
            namespace,
            job,
            lines,
        } => {
            state.run_logs.insert((namespace, job), lines);
        }
        DataEvent::Yaml { request, text } => {
            if let Some(Overlay::Yaml {
                request: open,
                lines,
                ..
            }) = &mut state.overlay
                && *open == request
            {
                *lines = match text {
                    Ok(t) => t.lines().map(str::to_string).collect(),
                    Err(e) => vec![format!("# cannot fetch: {e}")],
                };
            }
        }
    }
}

fn apply_job(state: &mut AppState, event: JobEvent) {
    match event {
        JobEvent::Progress { job, text } => {
            if let Some(Overlay::Dialog(
                Dialog::Following {
                    job: shown,
                    progress,
                    ..
                }
                | Dialog::Checking {
                    job: shown,
                    findings: progress,
                    ..
                },
            )) = &mut state.overlay
                && *shown == job
            {
                progress.push(text.clone());
            }
            state.jobs.progress.entry(job).or_default().push(text);
        }
        JobEvent::Checked { job, result } => super::validation_runs::checked(state, job, *result),
        JobEvent::Finished { job, outcome } => {
            super::validation_runs::finished(state, job, &outcome);
            writes::checked(state, job, &outcome);
            super::backup_writes::followed(state, job, &outcome);
            state.jobs.finished.insert(job, outcome);
        }
    }
}

fn apply_prometheus(state: &mut AppState, event: PromEvent) {
    match event {
        PromEvent::Observed(Ok(observation)) => {
            state.slo.last = Some(observation);
            state.slo.failing = None;
            state.slo.version += 1;
            super::timeline::observe_slos(state);
        }
        PromEvent::Crossings(read) => state.timeline.observe_crossings(read, state.now),
        PromEvent::Observed(Err(error)) => {
            let since = state.slo.failing.as_ref().map_or(state.now, |(t, _)| *t);
            state.slo.failing = Some((since, error));
            state.slo.version += 1;
        }
        PromEvent::History {
            request,
            slo,
            result,
        } => {
            if request == state.slo.history_request
                && state.slo.history_for.as_deref() == Some(slo.as_str())
            {
                state.slo.history = Some((state.now, result));
            }
        }
    }
}
