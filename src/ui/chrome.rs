//! The frame around every view: header (who, where, each source's health), view tabs, and the
//! footer (typed input, a notice, or key hints generated from the keymap).

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::freshness::kube_health;
use super::style::Ui;
use super::view::ViewSpec;
use super::views;
use crate::app::action::{Action, Mode};
use crate::app::state::{AppState, Input};

pub fn header(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let c = &state.connection;
    let sep = || Span::styled(ui.symbols.separator, ui.style("muted"));
    // Right side first: read-only state and connection health must never be cut off.
    let (health, role) = kube_health(state);
    let mut right = vec![Span::raw("  ")];
    // An open incident, and whether its file is being kept: never cut, as read-only is not.
    if let Some(open) = &state.timeline.incident.open {
        let age = crate::model::age::human_age(open.began, state.now);
        match &state.timeline.incident.error {
            None => right.push(Span::styled(
                format!("INCIDENT {} {age}", open.name),
                ui.style("warning"),
            )),
            Some(_) => right.push(Span::styled(
                format!("INCIDENT {} {age}: FILE NOT WRITTEN", open.name),
                ui.style("critical"),
            )),
        }
        right.push(sep());
    }
    right.extend([
        if state.readonly {
            Span::styled("READ-ONLY", ui.style("warning"))
        } else {
            match rbac_words(state) {
                Some(words) => Span::styled(format!("read-write · {words}"), ui.style("warning")),
                None => Span::styled("read-write", ui.style("muted")),
            }
        },
        sep(),
    ]);
    if let Some(c) = &state.connecting {
        let waited = crate::model::age::human_age(c.since, state.now);
        right.push(Span::styled(
            format!("connecting to {}… {waited}", c.context),
            ui.style("warning"),
        ));
        right.push(sep());
    }
    // The context must stay readable: on a narrow terminal a long reason (an unreachable
    // server's error) gives way to its first words; the Overview's panels say the rest.
    let whole = right.iter().map(Span::width).sum::<usize>() + health.chars().count() + 5;
    let health = if whole + 24 > area.width as usize && state.unreachable.is_some() {
        "unreachable".to_string()
    } else {
        health
    };
    right.push(Span::styled(format!("k8s {health} "), ui.style(role)));
    let right = Line::from(right);
    let right_width = (right.width() as u16).min(area.width);
    let namespaces = match &state.focus {
        Some(f) => f.clone(),
        None => state.namespaces.join(","),
    };
    // On a narrow terminal the list would be cut mid-name; say how many instead.
    let room = area.width.saturating_sub(right_width) as usize;
    let namespaces =
        if namespaces.len() + 50 > room && state.focus.is_none() && state.namespaces.len() > 1 {
            format!("{} +{}", state.namespaces[0], state.namespaces.len() - 1)
        } else {
            namespaces
        };
    // Most important first; what does not fit whole is left out rather than cut mid-word.
    let mut parts = vec![format!("ctx {}", c.context), format!("ns {namespaces}")];
    if c.cluster != c.context {
        parts.push(format!("cluster {}", c.cluster));
    }
    parts.push(format!("user {}", c.user));
    let mut left = vec![Span::styled(" ms5-console ", ui.style("accent"))];
    let mut used = left[0].width();
    for (i, part) in parts.into_iter().enumerate() {
        let extra = part.chars().count()
            + if i > 0 {
                ui.symbols.separator.chars().count()
            } else {
                0
            };
        if i > 0 && used + extra > room {
            break;
        }
        if i > 0 {
            left.push(sep());
        }
        used += extra;
        left.push(Span::styled(part, ui.style("text")));
    }
    let [left_area, right_area] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(right_width)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(left)), left_area);
    frame.render_widget(
        Paragraph::new(right).alignment(Alignment::Right),
        right_area,
    );
}

pub fn tabs(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let label = |view: &ViewSpec, short: bool| {
        let keys = ui
            .keymap
            .effective_keys(Mode::Global, Action::View(view.id));
        // Short titles on a narrow terminal; the current view always keeps its full title.
        let title = if short && view.id != state.view {
            view.short_title
        } else {
            view.title
        };
        match keys.first() {
            Some(k) => format!("{k}:{title}"),
            None => title.to_string(),
        }
    };
    let full: usize = views::ALL
        .iter()
        .map(|v| label(v, false).chars().count() + 2)
        .sum();
    let short = full + 1 > area.width as usize;
    let mut spans = vec![Span::raw(" ")];
    for view in views::ALL {
        let label = label(view, short);
        let role = if view.id == state.view {
            "accent"
        } else {
            "muted"
        };
        spans.push(Span::styled(label, ui.style(role)));
        spans.push(Span::raw("  "));
    }
    if let Some(ns) = &state.focus {
        spans.push(Span::styled(format!("[ns {ns}]"), ui.style("warning")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// What RBAC lets the identity change, once the access reviews answered, where it is less
/// than everything watched: `RBAC: view only`, `RBAC: writes in ms5-staging only`. Nothing
/// when it may change workloads everywhere (or before anyone asked).
fn rbac_words(state: &AppState) -> Option<String> {
    let answers = state.rbac.as_ref()?;
    let allowed: Vec<&str> = answers
        .iter()
        .filter(|(_, a)| matches!(a, Ok(true)))
        .map(|(ns, _)| ns.as_str())
        .collect();
    let unknown = answers.iter().any(|(_, a)| a.is_err());
    match (allowed.len(), unknown) {
        (n, false) if n == answers.len() => None,
        (0, false) => Some("RBAC: view only".into()),
        (_, false) => Some(format!("RBAC: writes in {} only", allowed.join(", "))),
        (_, true) => Some("RBAC: not known".into()),
    }
}

/// The actions worth a hint in each mode, most useful first; keys come from the keymap.
pub fn hint_actions(mode: Mode) -> &'static [Action] {
    match mode {
        Mode::View(view) => views::spec(view).hints,
        Mode::Logs => &[
            Action::Back,
            Action::Quit,
            Action::Follow,
            Action::Previous,
            Action::Container,
            Action::Filter,
            Action::OlderMatch,
            Action::OnlyMatching,
            Action::Timestamps,
            Action::Wrap,
        ],
        Mode::Yaml | Mode::Help => &[Action::Back, Action::Quit, Action::Down, Action::Up],
        Mode::Dialog => &[Action::Confirm, Action::Cancel],
        Mode::Follow => &[
            Action::Back,
            Action::Undo,
            Action::PauseResume,
            Action::Quit,
        ],
        Mode::Global => &[Action::Help, Action::Quit],
    }
}

pub fn footer(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let line = match (&state.input, &state.flash) {
        (Some(Input::Command(field)), _) => {
            // What tab would choose between, once there is more than one.
            let choices = crate::app::complete::candidates(state, field.text());
            let hint = match choices.len() {
                0 | 1 => String::new(),
                _ => format!(
                    "   tab: {}",
                    choices
                        .iter()
                        .map(|c| c.rsplit(' ').next().unwrap_or(c))
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
            };
            Line::from(
                [Span::styled(":", ui.style("accent"))]
                    .into_iter()
                    .chain(super::field::spans(field, ui))
                    .chain([Span::styled(hint, ui.style("muted"))])
                    .collect::<Vec<_>>(),
            )
        }
        (Some(Input::Filter(field)), _) => Line::from(
            [Span::styled("/", ui.style("accent"))]
                .into_iter()
                .chain(super::field::spans(field, ui))
                .chain([Span::styled(
                    if state.mode() == Mode::Logs {
                        "   enter highlight and show the newest match (n older, N newer; every line kept) · esc cancel"
                    } else {
                        "   enter apply · esc cancel · -l key=value for labels"
                    },
                    ui.style("muted"),
                )])
                .collect::<Vec<_>>(),
        ),
        (Some(Input::OnlyMatching(field)), _) => Line::from(
            [Span::styled("&", ui.style("accent"))]
                .into_iter()
                .chain(super::field::spans(field, ui))
                .chain([Span::styled(
                    "   enter show only the lines that match · esc cancel",
                    ui.style("muted"),
                )])
                .collect::<Vec<_>>(),
        ),
        (Some(Input::Note(field)), _) => Line::from(
            [Span::styled("note: ", ui.style("accent"))]
                .into_iter()
                .chain(super::field::spans(field, ui))
                .chain([match &state.flash {
                    // Why enter did not take it (an empty note), until the next edit.
                    Some(flash) if flash.error => {
                        Span::styled(format!("   {}", flash.text), ui.style("critical"))
                    }
                    _ => Span::styled(
                        format!(
                            "   enter add at {} · esc cancel",
                            state.now.format("%H:%M:%S")
                        ),
                        ui.style("muted"),
                    ),
                }])
                .collect::<Vec<_>>(),
        ),
        (None, Some(flash)) => Line::from(Span::styled(
            flash.text.clone(),
            ui.style(if flash.error { "critical" } else { "text" }),
        )),
        // A dialog's footer comes from its stage: what it asks now and the keys that answer.
        (None, None) if matches!(state.overlay, Some(crate::app::state::Overlay::Dialog(_))) => {
            match &state.overlay {
                Some(crate::app::state::Overlay::Dialog(dialog)) => {
                    super::dialog::footer(dialog, ui)
                }
                _ => Line::default(),
            }
        }
        (None, None) if state.details && state.overlay.is_none() => details_hints(state, ui),
        (None, None) => hints(state.mode(), state.readonly, ui),
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// With a details pane open: what `enter` does there and how to close it, then the rest.
fn details_hints(state: &AppState, ui: &Ui) -> Line<'static> {
    let mode = state.mode();
    let key = |action| {
        ui.keymap
            .effective_keys(mode, action)
            .first()
            .map(|k| k.to_string())
            .unwrap_or_default()
    };
    let mut spans = Vec::new();
    if let Some(next) = crate::app::details::next(state) {
        spans.push(Span::styled(
            format!(" {}", key(Action::Details)),
            ui.style("key"),
        ));
        spans.push(Span::styled(
            format!(" {} ", next.words()),
            ui.style("muted"),
        ));
    }
    spans.push(Span::styled(
        format!(" {}", key(Action::Back)),
        ui.style("key"),
    ));
    spans.push(Span::styled(" close ", ui.style("muted")));
    let rest = hints(mode, state.readonly, ui);
    // The view's hints without its own `enter details` and `esc`, already said above.
    let skip = [key(Action::Details), key(Action::Back)];
    let mut spans_iter = rest.spans.into_iter().peekable();
    while let Some(k) = spans_iter.next() {
        let text = k.content.trim().to_string();
        let words = spans_iter.next();
        if skip.contains(&text) {
            continue;
        }
        spans.push(k);
        spans.extend(words);
    }
    Line::from(spans)
}

fn hints(mode: Mode, readonly: bool, ui: &Ui) -> Line<'static> {
    let mut spans = Vec::new();
    for action in hint_actions(mode) {
        let keys = ui.keymap.effective_keys(mode, *action);
        let Some(key) = keys.first() else { continue };
        spans.push(Span::styled(format!(" {key}"), ui.style("key")));
        // In read-only mode a write's key says so, rather than offering what it will not do;
        // the follow pane, which is for watching, offers none.
        if readonly && action.is_destructive() && mode == Mode::Follow {
            spans.pop();
        } else if readonly && action.is_destructive() {
            spans.push(Span::styled(" read-only ", ui.style("warning")));
        } else {
            spans.push(Span::styled(
                format!(" {} ", action.description_in(mode)),
                ui.style("muted"),
            ));
        }
    }
    Line::from(spans)
}
