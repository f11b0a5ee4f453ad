//! The write dialog, drawn over the view it was opened from: the silence form, then the plan
//! (exactly what will be sent, and where), then sending, then the server's answer.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::style::Ui;
use super::table::panel;
use crate::app::action::{Action, Mode};
use crate::app::silence_form::SILENCE_FIELDS;
use crate::app::stage::Dialog;
use crate::app::state::AppState;
use crate::model::age::human_age;
use crate::ops::plan::WritePlan;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, dialog: &Dialog, ui: &Ui) {
    let (title, lines, role) = match dialog {
        Dialog::SilenceForm(form) => {
            let mut lines = vec![
                Line::from(Span::styled(
                    format!("to {} ({})", form.origin, form.address),
                    ui.style("muted"),
                )),
                Line::raw(""),
            ];
            for (i, name) in SILENCE_FIELDS.iter().enumerate() {
                let focused = i == form.focus;
                let mut spans = vec![Span::styled(
                    format!("{}{name:<10}", if focused { "> " } else { "  " }),
                    ui.style(if focused { "accent" } else { "muted" }),
                )];
                if focused {
                    spans.extend(super::field::spans(&form.fields[i], ui));
                } else {
                    spans.push(Span::styled(form.fields[i].to_string(), ui.style("text")));
                }
                lines.push(Line::from(spans));
            }
            lines.push(Line::raw(""));
            if let Some(error) = &form.error {
                lines.push(Line::from(Span::styled(
                    error.clone(),
                    ui.style("critical"),
                )));
            }
            lines.push(Line::from(Span::styled(
                "tab/up/down field · type to edit · ctrl-u clear · enter review · esc cancel",
                ui.style("muted"),
            )));
            ("New silence", lines, "accent")
        }
        Dialog::Confirm(plan) => {
            let mut lines = plan_lines(plan, ui);
            lines.push(Line::raw(""));
            let confirm = keys(ui, Action::Confirm);
            let cancel = keys(ui, Action::Cancel);
            lines.push(Line::from(vec![
                Span::styled(format!("{confirm} "), ui.style("key")),
                Span::styled("send  ", ui.style("text")),
                Span::styled(format!("{cancel} "), ui.style("key")),
                Span::styled("cancel (nothing is sent)", ui.style("text")),
            ]));
            ("Confirm: nothing is sent before you do", lines, "warning")
        }
        Dialog::ConfirmRun { request, commands } => {
            let mut lines = vec![
                Line::from(Span::styled(
                    format!(
                        "runbook {}: {} criteria, {} of them commands that run on this machine:",
                        request.runbook.name,
                        request.runbook.count(),
                        commands.len()
                    ),
                    ui.style("text"),
                )),
                Line::raw(""),
            ];
            lines.extend(
                commands
                    .iter()
                    .map(|c| Line::from(Span::styled(format!("  {c}"), ui.style("warning")))),
            );
            lines.push(Line::raw(""));
            let confirm = keys(ui, Action::Confirm);
            let cancel = keys(ui, Action::Cancel);
            lines.push(Line::from(vec![
                Span::styled(format!("{confirm} "), ui.style("key")),
                Span::styled("run them  ", ui.style("text")),
                Span::styled(format!("{cancel} "), ui.style("key")),
                Span::styled("cancel (nothing runs)", ui.style("text")),
            ]));
            ("Confirm: commands can do anything", lines, "warning")
        }
        Dialog::ScaleForm(form) => {
            let mut lines = vec![
                Line::from(Span::styled(
                    format!(
                        "{} {}/{}: {} replicas now",
                        form.kind, form.namespace, form.name, form.current
                    ),
                    ui.style("muted"),
                )),
                Line::raw(""),
                Line::from(
                    [Span::styled("replicas ", ui.style("accent"))]
                        .into_iter()
                        .chain(super::field::spans(&form.field, ui))
                        .collect::<Vec<_>>(),
                ),
                Line::raw(""),
            ];
            if let Some(error) = &form.error {
                lines.push(Line::from(Span::styled(
                    error.clone(),
                    ui.style("critical"),
                )));
            }
            lines.push(Line::from(Span::styled(
                "type the count · enter review (checked before anything is sent) · esc cancel",
                ui.style("muted"),
            )));
            ("Scale", lines, "accent")
        }
        Dialog::UndoChooser(chooser) => (
            "Undo: choose a revision",
            undo_chooser_lines(chooser, state, ui),
            "accent",
        ),
        Dialog::ConfirmChecked { plan, typed } => {
            let mut lines = plan_lines(plan, ui);
            lines.push(Line::raw(""));
            lines.extend(plan.checks.iter().map(|c| {
                let role = if c.starts_with("warning") {
                    "warning"
                } else {
                    "ok"
                };
                Line::from(Span::styled(c.clone(), ui.style(role)))
            }));
            lines.push(Line::raw(""));
            let cancel = keys(ui, Action::Cancel);
            match typed {
                Some(field) => {
                    let name = match &plan.target {
                        crate::ops::plan::Target::Kube(o) => o.name.clone(),
                        crate::ops::plan::Target::Alertmanager { name, .. } => name.clone(),
                    };
                    lines.push(Line::from(Span::styled(
                        format!("protected namespace: type {name} and enter to send; esc cancels (nothing is sent)"),
                        ui.style("warning"),
                    )));
                    lines.push(Line::from(
                        [Span::styled("> ", ui.style("accent"))]
                            .into_iter()
                            .chain(super::field::spans(field, ui))
                            .collect::<Vec<_>>(),
                    ));
                }
                None => {
                    let confirm = keys(ui, Action::Confirm);
                    lines.push(Line::from(vec![
                        Span::styled(format!("{confirm} "), ui.style("key")),
                        Span::styled("send  ", ui.style("text")),
                        Span::styled(format!("{cancel} "), ui.style("key")),
                        Span::styled("cancel (nothing is sent)", ui.style("text")),
                    ]));
                }
            }
            ("Confirm: nothing is sent before you do", lines, "warning")
        }
        Dialog::Checking {
            plan,
            since,
            findings,
            ..
        } => {
            let mut lines = plan_lines(plan, ui);
            lines.push(Line::raw(""));
            lines.extend(
                findings
                    .iter()
                    .map(|f| Line::from(Span::styled(f.clone(), ui.style("text")))),
            );
            lines.push(Line::from(Span::styled(
                format!(
                    "checking... ({}) · {} cancel",
                    human_age(*since, state.now),
                    keys(ui, Action::Cancel)
                ),
                ui.style("stale"),
            )));
            ("Checking: nothing is sent yet", lines, "stale")
        }
        Dialog::Following { plan, progress, .. } => {
            let mut lines = plan_lines(plan, ui);
            lines.push(Line::raw(""));
            // The newest progress: a log being written runs to hundreds of lines.
            const SHOWN: usize = 12;
            if progress.len() > SHOWN {
                lines.push(Line::from(Span::styled(
                    format!("({} earlier lines)", progress.len() - SHOWN),
                    ui.style("muted"),
                )));
            }
            lines.extend(
                progress
                    .iter()
                    .skip(progress.len().saturating_sub(SHOWN))
                    .map(|p| Line::from(Span::styled(p.clone(), ui.style("text")))),
            );
            lines.push(Line::from(Span::styled(
                format!(
                    "following... · {} close (it goes on)",
                    keys(ui, Action::Cancel)
                ),
                ui.style("muted"),
            )));
            ("Following", lines, "accent")
        }
        Dialog::Refused { plan, reason } => {
            let mut lines = plan_lines(plan, ui);
            lines.push(Line::raw(""));
            lines.push(Line::from(vec![
                Span::styled("refused: ", ui.style("critical")),
                Span::styled(reason.clone(), ui.style("text")),
            ]));
            lines.push(Line::from(Span::styled(
                format!("nothing was sent · {} close", keys(ui, Action::Cancel)),
                ui.style("muted"),
            )));
            ("Refused", lines, "critical")
        }
        Dialog::Sending { plan, since } => {
            let mut lines = plan_lines(plan, ui);
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                format!("sending... ({})", human_age(*since, state.now)),
                ui.style("stale"),
            )));
            ("Sending", lines, "stale")
        }
        Dialog::Done { plan, result } => {
            let mut lines = plan_lines(plan, ui);
            lines.push(Line::raw(""));
            lines.push(match result {
                Ok(answer) => Line::from(vec![
                    Span::styled("done: ", ui.style("ok")),
                    Span::styled(answer.clone(), ui.style("text")),
                ]),
                Err(e) => Line::from(vec![
                    Span::styled("failed: ", ui.style("critical")),
                    Span::styled(e.to_string(), ui.style("text")),
                ]),
            });
            let again = match result {
                Err(crate::ops::error::WriteFailure::Conflict(_)) => {
                    format!(" · {} plan again", keys(ui, Action::Confirm))
                }
                _ => String::new(),
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "audited as write {} · {} close{again}",
                    plan.write,
                    keys(ui, Action::Cancel)
                ),
                ui.style("muted"),
            )));
            let role = if result.is_ok() { "ok" } else { "critical" };
            ("Outcome", lines, role)
        }
    };
    let width = area.width.saturating_sub(4).min(96);
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    // Long values wrap: the height counts wrapped rows, so the keys at the end stay visible.
    let rows = paragraph.line_count(width.saturating_sub(2));
    let height = (rows as u16 + 2).min(area.height);
    // Taller than the screen (80x24): the end stays in view — the keys, the name to type —
    // and the plan's first lines give way.
    let hidden = (rows as u16 + 2).saturating_sub(height);
    let paragraph = paragraph.scroll((hidden, 0));
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, popup);
    let block = panel(title, (String::new(), role), ui, popup.width).border_style(ui.style(role));
    frame.render_widget(paragraph.block(block), popup);
}

fn undo_chooser_lines(
    chooser: &crate::app::stage::UndoChooser,
    state: &AppState,
    ui: &Ui,
) -> Vec<Line<'static>> {
    let muted = ui.style("muted");
    let now = chooser
        .history
        .as_ref()
        .and_then(|h| h.current().map(crate::ops::revisions::Revision::words));
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} {}/{}{}",
            chooser.kind,
            chooser.namespace,
            chooser.name,
            now.map(|n| format!(": now {n}")).unwrap_or_default()
        ),
        muted,
    ))];
    lines.push(Line::raw(""));
    match &chooser.history {
        None => lines.push(Line::from(Span::styled(
            "reading the revisions...",
            ui.style("stale"),
        ))),
        Some(history) => {
            for (i, r) in history.choices().iter().enumerate() {
                let chosen = i == chooser.selected;
                let age = r
                    .created
                    .map(|c| human_age(c, state.now))
                    .unwrap_or_else(|| "-".into());
                lines.push(Line::from(vec![
                    Span::styled(
                        format!(
                            "{}revision {:<3} ",
                            if chosen { "> " } else { "  " },
                            r.number
                        ),
                        ui.style(if chosen { "accent" } else { "text" }),
                    ),
                    Span::styled(
                        crate::ops::revisions::short_images(&r.images),
                        ui.style("text"),
                    ),
                    Span::styled(format!("  {} {}  {age}", r.source_kind, r.source), muted),
                ]));
            }
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        format!(
            "up/down choose · {} plan (checked before anything is sent) · {} cancel",
            keys(ui, Action::Confirm),
            keys(ui, Action::Cancel)
        ),
        muted,
    )));
    lines
}

/// The footer for a dialog at its stage: what it asks now and the keys that answer, so it never
/// offers `y confirm` where the body says the dialog only closes.
pub fn footer(dialog: &Dialog, ui: &Ui) -> Line<'static> {
    let (confirm, cancel) = (keys(ui, Action::Confirm), keys(ui, Action::Cancel));
    let pairs: Vec<(String, &str)> = match dialog {
        Dialog::SilenceForm(_) => vec![
            ("tab".into(), "next field"),
            ("enter".into(), "review the plan"),
            ("esc".into(), "cancel"),
        ],
        Dialog::ScaleForm(_) => vec![
            ("enter".into(), "review the plan (checked first)"),
            ("esc".into(), "cancel"),
        ],
        Dialog::UndoChooser(_) => vec![
            ("j/k".into(), "choose a revision"),
            (confirm, "review the plan"),
            (cancel, "cancel"),
        ],
        Dialog::Checking { .. } => vec![(cancel, "stop the checks (nothing is sent)")],
        Dialog::Confirm(_) | Dialog::ConfirmChecked { typed: None, .. } => {
            vec![(confirm, "send"), (cancel, "cancel (nothing is sent)")]
        }
        Dialog::ConfirmChecked { typed: Some(_), .. } => vec![
            (
                "type the name".into(),
                "in a protected namespace; enter sends when it matches",
            ),
            ("esc".into(), "cancel (nothing is sent)"),
        ],
        Dialog::ConfirmRun { .. } => {
            vec![
                (confirm, "run the commands"),
                (cancel, "cancel (nothing runs)"),
            ]
        }
        Dialog::Sending { .. } => vec![(
            String::new(),
            "sending: a write on its way cannot be called back",
        )],
        Dialog::Following { .. } => vec![(cancel, "close (it goes on)")],
        Dialog::Done { .. } => vec![(cancel, "close")],
        Dialog::Refused { .. } => vec![(cancel, "close (nothing was sent)")],
    };
    Line::from(
        pairs
            .into_iter()
            .flat_map(|(keys, words)| {
                [
                    Span::styled(format!(" {keys}"), ui.style("key")),
                    Span::styled(format!(" {words} "), ui.style("muted")),
                ]
            })
            .collect::<Vec<_>>(),
    )
}

/// `y/enter`: the dialog's keys for an action, from the keymap in force.
fn keys(ui: &Ui, action: Action) -> String {
    ui.keymap
        .effective_keys(Mode::Dialog, action)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("/")
}

fn plan_lines(plan: &WritePlan, ui: &Ui) -> Vec<Line<'static>> {
    plan.lines()
        .into_iter()
        .map(|(label, value)| {
            Line::from(vec![
                Span::styled(format!("{label:<9}"), ui.style("muted")),
                Span::styled(value, ui.style("text")),
            ])
        })
        .collect()
}
