//! Full-screen layers: help (generated from the keymap in force), YAML, and logs.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::style::Ui;
use super::table::panel;
use crate::app::action::{Action, Mode};
use crate::app::state::{AppState, LogsState, ViewId};

/// Help, generated from the keymap in force and the view registry (nothing here is written by
/// hand): the `:` commands, then the keys of the view it was opened on (its own table, then
/// the global keys it does not rebind: each key once, for what it does there), then every other
/// table's own keys.
pub fn help_lines(ui: &Ui, view: ViewId, width: u16) -> Vec<Line<'static>> {
    let muted = ui.style("muted");
    let commands: Vec<String> = super::views::ALL
        .iter()
        .map(|spec| match spec.id.facts().aliases.first() {
            Some(alias) => format!(":{} (:{alias})", spec.id.name()),
            None => format!(":{}", spec.id.name()),
        })
        .chain([":ns NAME|all", ":ctx NAME", ":incident", ":q"].map(String::from))
        .collect();
    let mut lines = vec![
        Line::from(Span::styled(
            format!("Commands: {}", commands.join(" ")),
            muted,
        )),
        Line::from(Span::styled(
            "Filter: /text, or /-l key=value for labels; on :alerts, Alertmanager matchers (severity=\"critical\"); esc clears",
            muted,
        )),
        Line::from(Span::styled(
            "Logs: /text highlights the lines that match and keeps every line (n older, N newer); &text shows only them",
            muted,
        )),
    ];
    let binding = |keys: &[crate::config::keys::Key], action: Action| {
        let keys: Vec<String> = keys.iter().map(ToString::to_string).collect();
        Line::from(vec![
            Span::styled(format!("  {:<22}", keys.join(", ")), ui.style("key")),
            Span::styled(action.description().to_string(), ui.style("text")),
        ])
    };
    let here = Mode::View(view);
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        format!("[{}] and everywhere", view.name()),
        ui.style("title"),
    )));
    let context: Vec<Line> = Action::all()
        .into_iter()
        .filter_map(|(action, _, _)| {
            let keys = ui.keymap.effective_keys(here, action);
            (!keys.is_empty()).then(|| binding(&keys, action))
        })
        .collect();
    // Wide enough, the context's keys go in two columns, so one context fits a 120x35 screen
    // without paging.
    const COLUMN: usize = 56;
    if usize::from(width) >= 2 * COLUMN + 4 {
        let half = context.len().div_ceil(2);
        for i in 0..half {
            let mut spans = context[i].spans.clone();
            let used: usize = spans.iter().map(|s| s.width()).sum();
            spans.push(Span::raw(" ".repeat(COLUMN.saturating_sub(used))));
            if let Some(right) = context.get(i + half) {
                spans.extend(right.spans.clone());
            }
            lines.push(Line::from(spans));
        }
    } else {
        lines.extend(context);
    }
    for (mode, table) in ui.keymap.tables() {
        if mode == here || mode == Mode::Global {
            continue;
        }
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled(
            format!("[{}]", mode.name()),
            ui.style("title"),
        )));
        for (action, keys) in table {
            lines.push(binding(keys, *action));
        }
    }
    lines
}

pub fn help(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    (scroll, filter): (usize, &str),
    ui: &Ui,
) {
    let needle = filter.to_lowercase();
    let lines: Vec<Line> = help_lines(ui, state.view, area.width.saturating_sub(2))
        .into_iter()
        .filter(|l| needle.is_empty() || l.to_string().to_lowercase().contains(&needle))
        .collect();
    let words = if filter.is_empty() {
        "keymap in force · / search".to_string()
    } else {
        format!("lines with \"{filter}\": {} · esc all", lines.len())
    };
    let block = panel("Help", (words, "muted"), ui, area.width);
    // The command and search lines wrap at 80 columns rather than lose their end.
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    // `G` scrolls as far as the last row, not past it into an empty panel (rows as wrapped).
    let rows = paragraph.line_count(area.width.saturating_sub(2));
    let scroll = scroll.min(rows.saturating_sub(area.height.saturating_sub(2) as usize));
    let paragraph = paragraph.block(block);
    frame.render_widget(
        paragraph.scroll((scroll.min(u16::MAX as usize) as u16, 0)),
        area,
    );
}

/// The handoff report as written, scrollable; the file it is in said on its border.
pub fn report(
    frame: &mut Frame,
    area: Rect,
    path: &std::path::Path,
    lines: &[String],
    scroll: usize,
    ui: &Ui,
) {
    let height = area.height.saturating_sub(2) as usize;
    let start = scroll.min(lines.len().saturating_sub(height));
    let shown: Vec<Line> = lines[start..]
        .iter()
        .take(height)
        .map(|l| {
            let role = if l.starts_with('#') { "title" } else { "text" };
            Line::from(Span::styled(l.clone(), ui.style(role)))
        })
        .collect();
    let freshness = (
        // `PATH: line N/M`: narrow, the path's middle gives way, the position never.
        format!("{}: line {}/{}", path.display(), start + 1, lines.len()),
        "muted",
    );
    frame.render_widget(
        Paragraph::new(shown)
            .wrap(Wrap { trim: false })
            .block(panel("Handoff report", freshness, ui, area.width)),
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
    // Scrolled near the top, the pane still fills: the first lines, not blank rows.
    let end = lines
        .len()
        .saturating_sub(logs.scroll)
        .max(height.min(lines.len()));
    let start = end.saturating_sub(height);
    // A merged log's lines start with their pod, each pod in a colour of its own.
    const POD_ROLES: [&str; 4] = ["title", "key", "header", "gauge"];
    let pod_prefix = |line: &str| -> Option<(usize, usize)> {
        let w = logs.workload.as_ref()?;
        let (short, _) = line.split_once(crate::app::logs::POD_SEPARATOR)?;
        let at = w.pods.iter().position(|p| p.short == short)?;
        Some((at, short.len() + crate::app::logs::POD_SEPARATOR.len()))
    };
    let mut shown: Vec<Line> = lines[start..end]
        .iter()
        .map(|l| {
            let role = if LogsState::matches(l, &search) {
                "accent"
            } else {
                "text"
            };
            match pod_prefix(l) {
                Some((at, len)) => Line::from(vec![
                    Span::styled(
                        l[..len].to_string(),
                        ui.style(POD_ROLES[at % POD_ROLES.len()]),
                    ),
                    Span::styled(l[len..].to_string(), ui.style(role)),
                ]),
                None => Line::from(Span::styled((*l).clone(), ui.style(role))),
            }
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
    // The status, most telling first; what does not fit gives way from the end, each part
    // whole (a count is never cut).
    let mut status: Vec<String> = Vec::new();
    if let Some(w) = &logs.workload {
        let ended: Vec<&str> = w
            .pods
            .iter()
            .filter(|p| p.ended.is_some())
            .map(|p| p.short.as_str())
            .collect();
        let mut words = format!("{} pods", w.pods.len());
        if !ended.is_empty() {
            words.push_str(&format!(", ended: {}", ended.join(" ")));
        }
        status.push(words);
    }
    status.push(if logs.follow {
        "following".into()
    } else {
        format!("paused, {} lines below", logs.scroll)
    });
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
    status.push(format!("{} lines", logs.lines.len()));
    if logs.previous {
        status.push("previous".into());
    }
    if logs.timestamps {
        status.push("timestamps".into());
    }
    let role = if logs.ended.is_some() { "stale" } else { "ok" };
    if logs.ended.is_some() {
        status.push("ended".into());
    }
    if logs.dropped > 0 {
        status.push(format!("{} older dropped", logs.dropped));
    }
    if logs.workload.is_some() {
        status.push(format!(
            "kept {} a pod, {} in all",
            crate::app::state::LOG_LINES_PER_POD,
            crate::app::state::LOG_BUFFER_LINES
        ));
    }
    // A merged log is named by its workload (`deploy/backend`), its namespace before it.
    let title = match &logs.workload {
        Some(_) => format!(
            "Logs {} {} [{}]",
            logs.namespace,
            logs.pod,
            logs.container_name()
        ),
        None => format!(
            "Logs {}/{} [{}]",
            logs.namespace,
            logs.pod,
            logs.container_name()
        ),
    };
    let room = usize::from(area.width.saturating_sub(2));
    let fits = |status: &[String]| {
        super::fit::width(&title) + 3 + super::fit::width(&status.join(ui.symbols.separator))
            <= room
    };
    while status.len() > 1 && !fits(&status) {
        status.pop();
    }
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
