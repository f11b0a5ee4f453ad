//! Full-screen layers: help (generated from the keymap in force), YAML, and logs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::style::Ui;
use super::table::panel;
use crate::app::state::{AppState, LogsState};

/// Every binding of the active keymap, table by table; nothing here is written by hand.
pub fn help_lines(ui: &Ui) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(Span::styled(
            "Commands: :overview :rollouts (:ro) :pods (:po) :nodes (:no) :events (:ev) :slo :alerts :silences :audit :ns NAME|all :ctx NAME :q",
            ui.style("muted"),
        )),
        Line::from(Span::styled(
            "Filter: /text, or /-l key=value for labels; on :alerts, Alertmanager matchers (severity=\"critical\"); esc clears",
            ui.style("muted"),
        )),
        Line::from(Span::styled(
            "Search in logs: /text highlights the lines that match and keeps every line",
            ui.style("muted"),
        )),
    ];
    for (mode, table) in ui.keymap.tables() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            format!("[{}]", mode.name()),
            ui.style("title"),
        )));
        for (action, keys) in table {
            let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<22}", keys.join(", ")), ui.style("key")),
                Span::styled(action.description().to_string(), ui.style("text")),
            ]));
        }
    }
    lines
}

pub fn help(frame: &mut Frame, area: Rect, scroll: usize, ui: &Ui) {
    let lines = help_lines(ui);
    // `G` scrolls as far as the last line, not past it into an empty panel.
    let scroll = scroll.min(
        lines
            .len()
            .saturating_sub(area.height.saturating_sub(2) as usize),
    );
    let block = panel("Help", ("keymap in force".into(), "muted"), ui, area.width);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}

pub fn yaml(frame: &mut Frame, area: Rect, title: &str, lines: &[String], scroll: usize, ui: &Ui) {
    let height = area.height.saturating_sub(2) as usize;
    let start = scroll.min(lines.len().saturating_sub(height));
    let shown: Vec<Line> = lines[start..]
        .iter()
        .take(height)
        .map(|l| match l.split_once(':') {
            Some((k, v)) if !k.trim_start().starts_with('-') || k.contains(' ') => {
                Line::from(vec![
                    Span::styled(format!("{k}:"), ui.style("key")),
                    Span::styled(v.to_string(), ui.style("text")),
                ])
            }
            _ => Line::from(Span::styled(l.clone(), ui.style("text"))),
        })
        .collect();
    let freshness = (
        format!(
            "as the API returned it{}line {}/{}",
            ui.symbols.separator,
            start + 1,
            lines.len()
        ),
        "muted",
    );
    frame.render_widget(
        Paragraph::new(shown).block(panel(title, freshness, ui, area.width)),
        area,
    );
}

pub fn logs(frame: &mut Frame, area: Rect, state: &AppState, logs: &LogsState, ui: &Ui) {
    let height = area.height.saturating_sub(2) as usize;
    // The end of the stream is said in the body too, where a long reason is not cut off.
    let height = if logs.ended.is_some() {
        height.saturating_sub(1)
    } else {
        height
    };
    let search = logs.search.to_lowercase();
    let lines = logs.shown();
    let end = lines.len().saturating_sub(logs.scroll);
    let start = end.saturating_sub(height);
    let mut shown: Vec<Line> = lines[start..end]
        .iter()
        .map(|l| {
            let role = if LogsState::matches(l, &search) {
                "accent"
            } else {
                "text"
            };
            Line::from(Span::styled((*l).clone(), ui.style(role)))
        })
        .collect();
    if logs.filtered && lines.is_empty() {
        shown.push(Line::from(Span::styled(
            format!(
                "no line matches \"{}\" ({} lines read); esc shows them all",
                logs.search,
                logs.lines.len()
            ),
            ui.style("warning"),
        )));
    }
    if let Some(why) = &logs.ended {
        shown.push(Line::from(Span::styled(
            format!("-- stream ended: {why}"),
            ui.style("stale"),
        )));
    }
    let mut status = vec![if logs.previous {
        "previous".to_string()
    } else {
        "current".to_string()
    }];
    status.push(if logs.follow {
        "following".into()
    } else {
        format!("paused, {} lines below", logs.scroll)
    });
    status.push(format!("{} lines", logs.lines.len()));
    if logs.dropped > 0 {
        status.push(format!("{} older dropped", logs.dropped));
    }
    if !logs.search.is_empty() {
        let hits = logs
            .lines
            .iter()
            .filter(|l| LogsState::matches(l, &search))
            .count();
        status.push(if logs.filtered {
            format!("only \"{}\": {hits} matches", logs.search)
        } else {
            format!("\"{}\" {hits} matches", logs.search)
        });
    }
    if logs.timestamps {
        status.push("timestamps".into());
    }
    let role = if logs.ended.is_some() { "stale" } else { "ok" };
    if logs.ended.is_some() {
        status.push("ended".into());
    }
    let title = format!(
        "Logs {}/{} [{}]",
        logs.namespace,
        logs.pod,
        logs.container_name()
    );
    let block = panel(
        &title,
        (status.join(ui.symbols.separator), role),
        ui,
        area.width,
    );
    let mut paragraph = Paragraph::new(shown).block(block);
    if logs.wrap {
        paragraph = paragraph.wrap(Wrap { trim: false });
    }
    let _ = state;
    frame.render_widget(paragraph, area);
}
