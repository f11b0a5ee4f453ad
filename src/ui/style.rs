//! What views draw with: the theme, the keymap (for hints), and the symbol set (Unicode, or
//! plain ASCII for `--ascii` and terminals that garble box drawing).

use ratatui::style::Style;
use ratatui::symbols::border;

use crate::config::keymap::Keymap;
use crate::config::theme::Theme;

pub struct Symbols {
    pub border: border::Set<'static>,
    pub gauge_full: &'static str,
    pub gauge_empty: &'static str,
    pub separator: &'static str,
    pub ellipsis: &'static str,
    pub sort_ascending: &'static str,
    pub sort_descending: &'static str,
    /// Bars for sparklines, from empty to full.
    pub bars: ratatui::symbols::bar::Set<'static>,
    /// Chart points: ASCII mode plots single dots (mapped to `*`), Unicode uses Braille.
    pub chart_marker: ratatui::symbols::Marker,
    /// The terminal shows ASCII only: what a widget still draws outside it is mapped back.
    pub ascii_only: bool,
}

pub const UNICODE: Symbols = Symbols {
    border: border::ROUNDED,
    gauge_full: "█",
    gauge_empty: "░",
    separator: " · ",
    ellipsis: "…",
    sort_ascending: "▾",
    sort_descending: "▴",
    bars: ratatui::symbols::bar::NINE_LEVELS,
    chart_marker: ratatui::symbols::Marker::Braille,
    ascii_only: false,
};

pub const ASCII: Symbols = Symbols {
    border: border::Set {
        top_left: "+",
        top_right: "+",
        bottom_left: "+",
        bottom_right: "+",
        vertical_left: "|",
        vertical_right: "|",
        horizontal_top: "-",
        horizontal_bottom: "-",
    },
    gauge_full: "#",
    gauge_empty: ".",
    separator: " | ",
    ellipsis: "~",
    sort_ascending: "v",
    sort_descending: "^",
    bars: ratatui::symbols::bar::Set {
        full: "#",
        seven_eighths: "#",
        three_quarters: "|",
        five_eighths: "|",
        half: ":",
        three_eighths: ":",
        one_quarter: ".",
        one_eighth: ".",
        empty: " ",
    },
    chart_marker: ratatui::symbols::Marker::Dot,
    ascii_only: true,
};

/// ASCII mode's last pass over a drawn frame. Some ratatui widgets draw fixed Unicode (chart axes
/// and dots, scrollbars), and data can carry any character (log lines, annotations): on a terminal
/// that shows only ASCII those garble the screen, so each is mapped to its nearest ASCII look-alike,
/// and anything else to `?`. Wide characters already occupy two cells, so one-cell replacements
/// keep every column where it was.
pub fn ascii_fallback(buffer: &mut ratatui::buffer::Buffer) {
    for cell in buffer.content.iter_mut() {
        let symbol = cell.symbol();
        if symbol.is_ascii() {
            continue;
        }
        let replacement = match symbol.chars().next().unwrap_or(' ') {
            '─' | '━' | '═' | '╌' | '┄' => "-",
            '│' | '┃' | '║' | '╎' | '┆' => "|",
            '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '╭' | '╮' | '╰' | '╯' => {
                "+"
            }
            // The middle dot only ever separates items, as `separator` does.
            '·' => "|",
            '•' | '●' | '⠀'..='⣿' => "*",
            '█' | '▇' | '▆' | '▉' | '▊' | '▋' => "#",
            '▅' | '▄' | '▌' | '▍' => ":",
            '▃' | '▂' | '▁' | '▎' | '▏' | '░' | '▒' | '▓' => ".",
            '…' => "~",
            '▾' | '▼' => "v",
            '▴' | '▲' => "^",
            '«' => "<",
            '»' => ">",
            '\u{a0}' => " ",
            _ => "?",
        };
        cell.set_symbol(replacement);
    }
}

/// Everything a view needs besides the state.
pub struct Ui<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub symbols: &'a Symbols,
}

impl Ui<'_> {
    pub fn style(&self, role: &str) -> Style {
        self.theme.style(role)
    }
}

/// The colour role of a pod status as kubectl words it.
pub fn pod_status_role(status: &str, ready: bool) -> &'static str {
    match status {
        "Running" if ready => "ok",
        "Completed" | "Succeeded" => "muted",
        "Running" | "Pending" | "ContainerCreating" | "PodInitializing" | "Terminating" => {
            "warning"
        }
        s if s.starts_with("Init:") && !s.contains("Error") && !s.contains("BackOff") => "warning",
        _ => "critical",
    }
}

/// A text progress bar `width` cells wide.
pub fn gauge(fraction: f64, width: usize, symbols: &Symbols) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * width as f64).round() as usize).min(width);
    let mut bar = symbols.gauge_full.repeat(filled);
    bar.push_str(&symbols.gauge_empty.repeat(width - filled));
    bar
}
