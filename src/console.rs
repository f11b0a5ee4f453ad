//! The console's main loop: terminal events and source data in, `update`, effects out, and a
//! redraw only when something changed, at most ~30 times a second.

use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::Result;
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use kube::config::Kubeconfig;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::app::event::DataEvent;
use crate::app::rows;
use crate::app::state::AppState;
use crate::app::update::{apply, handle_key, handle_paste};
use crate::config::Settings;
use crate::effects::EffectRunner;
use crate::source::connect::{Connected, Target};
use crate::sources::Sources;
use crate::tui::{TerminalGuard, terminal_gone};
use crate::ui::{self, Ui, style};

/// Time between frames at most: ~30 fps.
const FRAME: Duration = Duration::from_millis(33);
/// Ages on screen tick by the second; nothing else redraws without a change.
const CLOCK: Duration = Duration::from_secs(1);

/// How the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    Hangup,
    Terminated,
}

/// Runs the console until the user quits or the terminal goes away.
pub async fn run(
    settings: Settings,
    target: Target,
    kubeconfig: Kubeconfig,
    first: Connected,
) -> Result<Exit> {
    let symbols = if settings.ascii {
        &style::ASCII
    } else {
        &style::UNICODE
    };
    let ui = Ui {
        theme: &settings.theme,
        keymap: &settings.keymap,
        symbols,
    };
    let mut state = AppState::new(
        first.connection.clone(),
        settings.namespaces.clone(),
        settings.readonly,
        Utc::now(),
    );
    state.contexts = first.contexts.clone();
    state.unreachable = first.unreachable.clone();

    let (tx, mut rx) = mpsc::channel::<DataEvent>(4096);
    let sources = Sources::start(&settings, &first, &mut state, &tx);
    // The timeline rebuilds the console's own past from the audit log at start.
    state.outbox.push(crate::app::event::Effect::LoadAudit);
    // An incident an earlier console left open (a dropped SSH session) is taken up again.
    if let Some(dir) = &settings.incidents
        && let Some(found) = crate::timeline::incident::open_in(dir)
    {
        let path = crate::timeline::incident::path(dir, &found.name);
        crate::app::incident::resume(&mut state, &found, path);
    }
    let mut effects_runner = EffectRunner::new(&settings, target, kubeconfig, sources, tx);

    let mut guard = TerminalGuard::enter()?;
    let mut term_events = EventStream::new();
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    let mut clock = tokio::time::interval(CLOCK);
    clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let mut height = guard.size()?.height;
    state.page = ui::page_rows(height, false);
    let mut dirty = true;
    let mut last_draw = Instant::now() - FRAME;
    let exit = loop {
        if dirty && last_draw.elapsed() >= FRAME {
            state.now = Utc::now();
            // The guard's time-bound rules (half the progress deadline) move with the clock.
            crate::app::guard::update(&mut state);
            crate::app::timeline::tick(&mut state);
            rows::refresh(&mut state);
            for effect in crate::app::outbox::take(&mut state) {
                effects_runner.run(effect, &mut state).await;
            }
            match guard.draw(|frame| ui::render(frame, &state, &ui)) {
                Ok(()) => {}
                // A hung-up terminal fails the draw before SIGHUP arrives: the same exit.
                Err(e) if terminal_gone(&e) => break Exit::Hangup,
                Err(e) => return Err(e.into()),
            }
            dirty = false;
            last_draw = Instant::now();
        }
        let next_frame = tokio::time::sleep_until(last_draw + FRAME);
        let mut effects = Vec::new();
        tokio::select! {
            event = term_events.next() => match event {
                Some(Ok(TermEvent::Key(key))) if key.kind != KeyEventKind::Release => {
                    // One clock: what a key stamps (a write's id, a follow's start) is dated
                    // when it was pressed, not at the last frame.
                    state.now = Utc::now();
                    effects = handle_key(&mut state, &settings.keymap, key);
                    dirty = true;
                }
                Some(Ok(TermEvent::Resize(_, new_height))) => {
                    height = new_height;
                    guard.autoresize()?;
                    dirty = true;
                }
                Some(Ok(TermEvent::Paste(text))) => {
                    handle_paste(&mut state, &text);
                    dirty = true;
                }
                Some(Ok(_)) => {}
                // The terminal is gone (closed pty): same as a hangup.
                Some(Err(_)) | None => break Exit::Hangup,
            },
            Some(data) = rx.recv() => {
                // Data is dated by when it arrived, not by the last frame.
                state.now = Utc::now();
                apply(&mut state, data);
                // Drain what else is queued: one redraw for a burst of changes.
                while let Ok(more) = rx.try_recv() {
                    apply(&mut state, more);
                }
                dirty = true;
                effects.extend(effects_runner.after_data(&mut state));
            }
            // `:ctx` and re-login connect off this task: the screen goes on meanwhile.
            done = effects_runner.connection() => {
                state.now = Utc::now();
                effects_runner.connected(done, &mut state, &mut rx);
                dirty = true;
            }
            _ = clock.tick() => dirty = true,
            _ = hangup.recv() => break Exit::Hangup,
            _ = terminate.recv() => break Exit::Terminated,
            _ = next_frame, if dirty => {}
        }
        // Paging follows the last known height and whether details take half the screen.
        state.page = ui::page_rows(height, state.details);
        effects.extend(crate::app::outbox::take(&mut state));
        for effect in effects {
            effects_runner.run(effect, &mut state).await;
        }
        if state.quit {
            break Exit::Quit;
        }
    };
    effects_runner.stop();
    drop(guard);
    Ok(exit)
}
