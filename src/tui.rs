//! The terminal: taken over for the console and always given back, on quit, on error, on panic
//! (the hook is chained before color-eyre's report), on SIGTERM and on SIGHUP.

use std::io::{Stdout, stdout};

use color_eyre::eyre::Result;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal while the console runs; dropping it restores the terminal.
pub struct TerminalGuard {
    /// Always `Some` until dropped (see `Drop`).
    terminal: Option<Term>,
}

impl TerminalGuard {
    pub fn enter() -> Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        // Bracketed paste: pasted text arrives whole, as text for the field being typed, never as
        // a burst of keys that could trigger actions.
        if let Err(e) = execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste) {
            restore();
            return Err(e.into());
        }
        let mut terminal = Terminal::new(CrosstermBackend::new(stdout()))?;
        terminal.hide_cursor()?;
        terminal.clear()?;
        Ok(TerminalGuard {
            terminal: Some(terminal),
        })
    }

    fn term(&mut self) -> std::io::Result<&mut Term> {
        self.terminal
            .as_mut()
            .ok_or_else(|| std::io::Error::other("the terminal was given back"))
    }

    pub fn draw(&mut self, render: impl FnOnce(&mut ratatui::Frame)) -> std::io::Result<()> {
        self.term()?.draw(render).map(|_| ())
    }

    pub fn size(&mut self) -> std::io::Result<ratatui::layout::Size> {
        self.term()?.size()
    }

    pub fn autoresize(&mut self) -> std::io::Result<()> {
        self.term()?.autoresize()
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let Some(mut terminal) = self.terminal.take() else {
            return;
        };
        let shown = terminal.show_cursor().is_ok();
        restore();
        if !shown {
            // The terminal is gone (a hangup). ratatui's own drop would try to show the
            // cursor again and report the failure with `eprintln!`, which panics on a dead
            // stderr: the process is ending anyway, so its buffers are left to it.
            std::mem::forget(terminal);
        }
    }
}

/// Leaves the alternate screen and raw mode. Safe to call twice and on a dead terminal (after
/// SIGHUP the writes fail and are ignored).
pub fn restore() {
    let _ = execute!(
        stdout(),
        DisableBracketedPaste,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
}

/// Whether a write to the terminal failed because the terminal is gone (the SSH session dropped,
/// the tmux server killed): the kernel answers EIO on a hung-up pty, EPIPE or ENXIO elsewhere.
/// That is a hangup, often seen before the SIGHUP itself arrives, never an error to report.
pub fn terminal_gone(error: &std::io::Error) -> bool {
    const EIO: i32 = 5;
    const ENXIO: i32 = 6;
    error.kind() == std::io::ErrorKind::BrokenPipe
        || matches!(error.raw_os_error(), Some(EIO | ENXIO))
}

fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        // Give the terminal back first, so the report is readable and the shell usable.
        restore();
        previous(info);
    }));
}
