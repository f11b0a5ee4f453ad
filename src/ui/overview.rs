//! The overview: five seconds to grasp the deployment's state. Per namespace: workloads by
//! health, pods not ready, restarts in the last hour, watch health; then nodes and warnings.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::fit::Cut;
use super::freshness::watch_freshness;
use super::slo;
use super::style::Ui;
use super::table::{Fit, fitted, panel};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::event::{SourceHealth, SourceId};
use crate::app::state::AppState;
use crate::app::summary::NamespaceSummary;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
use crate::slo::maths::BurnWindow;

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Overview,
    title: "Overview",
    short_title: "Ov",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Command,
        Action::NextView,
    ],
    render,
};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let namespaces: Vec<&String> = state
        .namespaces
        .iter()
        .filter(|n| state.shown_namespace(n))
        .collect();
    // While something pages on a small screen, the SLOs give up to two rows (the worst are
    // first) to what changed before the page, beyond the two it has there anyway.
    let paged_small = state.rows.suspects.anchor.is_some() && area.height < 30;
    let given = if paged_small {
        state.rows.suspects.list.len().saturating_sub(2).min(2)
    } else {
        0
    };
    let slo_rows = state.rows.slos.len().clamp(1, 4 - given) as u16;
    let ns_height = namespaces.len() as u16 + 3;
    // The bottom panel's least: three rows for the warnings; while paging, a row per change
    // (up to four) for what changed before the page.
    let bottom = if state.rows.suspects.anchor.is_some() {
        state.rows.suspects.list.len().clamp(1, 4) as u16 + 2
    } else {
        3
    };
    // Phase 9's progress has a panel of its own where the screen has the rows for it (the
    // warnings keep three); on a small one (80x24) it is the workloads panel's bottom line.
    let phase_panel = state.validation.runbook.is_some()
        && area.height >= ns_height + slo_rows + 3 + 4 + bottom + 3;
    // Backups likewise: a line per database where there is room, else the bottom line of the
    // warnings panel (the worst database).
    let backups = &state.rows.backups;
    let backup_rows = backups.len() as u16;
    let backup_panel = backup_rows > 0
        && area.height
            >= ns_height
                + slo_rows
                + 3
                + 4
                + bottom
                + 3
                + if phase_panel { 3 } else { 0 }
                + backup_rows
                + 2;
    let [
        ns_area,
        phase_area,
        backup_area,
        slo_area,
        nodes_area,
        events_area,
    ] = Layout::vertical([
        Constraint::Length(ns_height),
        Constraint::Length(if phase_panel { 3 } else { 0 }),
        Constraint::Length(if backup_panel { backup_rows + 2 } else { 0 }),
        Constraint::Length(slo_rows + 3),
        Constraint::Length(4),
        Constraint::Min(3),
    ])
    .areas(area);
    let phases_below = !phase_panel && state.validation.runbook.is_some();
    namespaces_panel(frame, ns_area, state, &namespaces, phases_below, ui);
    if phase_panel {
        super::validation::phase_panel(frame, phase_area, state, ui);
    }
    if backup_panel {
        let lines: Vec<Line> = backups
            .iter()
            .map(|r| super::backups::summary_line(r, ui))
            .collect();
        let block = panel(
            "Backups",
            crate::app::backups::freshness(state),
            ui,
            backup_area.width,
        );
        frame.render_widget(
            ratatui::widgets::Paragraph::new(lines).block(block),
            backup_area,
        );
    }
    let [slo_left, floor_right] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(slo_area);
    slo_panel(frame, slo_left, state, usize::from(slo_rows), ui);
    floor_panel(frame, floor_right, state, usize::from(slo_rows), ui);
    let [nodes_left, alerts_right] = Layout::horizontal([
        // At 80 columns the alert counts need every column the node names can spare.
        if area.width < 100 {
            Constraint::Length(28)
        } else {
            Constraint::Percentage(36)
        },
        Constraint::Fill(1),
    ])
    .areas(nodes_area);
    nodes_panel(frame, nodes_left, state, ui);
    super::overview_alerts::alerts_panel(frame, alerts_right, state, ui);
    let worst = backups.iter().max_by_key(|r| r.verdict());
    let below = worst.filter(|_| !backup_panel).map(|r| {
        let mut line = super::backups::summary_line(r, ui);
        line.spans.insert(0, Span::raw(" "));
        line.spans.push(Span::raw(" "));
        line
    });
    // While something pages, what changed before it takes the warnings' place (the first
    // change keeps a line of its own at 80x24); with room, the warnings stay below it.
    if state.rows.suspects.anchor.is_some() {
        let wanted = state.rows.suspects.list.len().clamp(1, 5) as u16 + 2;
        let split = events_area.height >= wanted + 4;
        let [changes_area, warnings_area] = Layout::vertical([
            Constraint::Length(if split { wanted } else { events_area.height }),
            Constraint::Fill(1),
        ])
        .areas(events_area);
        changes_panel(
            frame,
            changes_area,
            state,
            if split { None } else { below.clone() },
            ui,
        );
        if split {
            super::overview_alerts::warnings_panel(frame, warnings_area, state, below, ui);
        }
    } else {
        super::overview_alerts::warnings_panel(frame, events_area, state, below, ui);
    }
}

/// What changed in the window before the page: one change a line, `2m34s before` first (the
/// times are never cut), the selected one marked; `enter` shows it.
fn changes_panel(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    backups: Option<Line<'static>>,
    ui: &Ui,
) {
    let suspects = &state.rows.suspects;
    let Some(anchor) = &suspects.anchor else {
        return;
    };
    let room = usize::from(area.width.saturating_sub(2));
    let rows = usize::from(area.height.saturating_sub(2));
    let window =
        crate::model::age::human_duration_rounded(suspects.window.num_seconds().max(0) as f64);
    let mut lines: Vec<Line> = Vec::new();
    if suspects.list.is_empty() {
        lines.push(Line::from(Span::styled(
            format!("no change in the {window} before"),
            ui.style("ok"),
        )));
    }
    let width = suspects
        .list
        .iter()
        .take(rows)
        .map(|s| super::fit::width(&s.before(anchor)))
        .max()
        .unwrap_or(0);
    let more = suspects.list.len().saturating_sub(rows);
    let shown = if more > 0 {
        rows.saturating_sub(1).max(1)
    } else {
        rows
    };
    let selected = state.rows.suspect_selected;
    // The selection stays on screen.
    let first = selected.saturating_sub(shown.saturating_sub(1));
    for (i, s) in suspects.list.iter().enumerate().skip(first).take(shown) {
        let mark = if i == selected { ">" } else { " " };
        let before = format!("{mark}{:>width$} ", s.before(anchor));
        let rest = room.saturating_sub(super::fit::width(&before));
        let text = super::fit::cut_end(&s.text(), rest, ui.symbols.ellipsis);
        let role = if s.related { "warning" } else { "text" };
        let mut line = Line::from(vec![
            Span::styled(before, ui.style("muted")),
            Span::styled(text, ui.style(role)),
        ]);
        if i == selected {
            line = line.style(ui.style("selection"));
        }
        lines.push(line);
    }
    if more > 0 && rows > 1 {
        let hidden = suspects.list.len() - shown;
        lines.push(Line::from(Span::styled(
            format!(" +{hidden} more (j/k)"),
            ui.style("muted"),
        )));
    }
    // The window is said in the README and when nothing changed in it; the title keeps room
    // for what pages and when, and the freshness.
    let title = format!(
        "Changes before {} {}",
        anchor.what,
        anchor.at.format("%H:%M:%S")
    );
    let (fresh, role) = watch_freshness(state, None);
    let fresh = if suspects.blind.is_empty() {
        (fresh, role)
    } else {
        (
            format!("{fresh}; not seen: {}", suspects.blind.join("; ")),
            "stale",
        )
    };
    let mut block = panel(&title, fresh, ui, area.width);
    if let Some(line) = backups {
        block = block.title_bottom(line);
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn namespaces_panel(
    frame: &mut Frame,
    area: Rect,
    state: &AppState,
    namespaces: &[&String],
    phases_below: bool,
    ui: &Ui,
) {
    let summaries = &state.rows.overview.namespaces;
    // A full hour only when the console can know one; else from when its count is complete.
    let (restarts, title) = match state.rows.overview.restarts_since {
        // The title says what the column counts (whole at 80 columns: no decoration to drop);
        // the header stays narrow enough for every workload count to stand whole beside it.
        Some(since) => {
            let at = since.format("%H:%M");
            (
                format!("SINCE {at}"),
                format!("Workloads: restarts since {at} UTC"),
            )
        }
        None => (
            "RESTARTS 1H".to_string(),
            "Workloads (restarts: last hour)".to_string(),
        ),
    };
    let headers = [
        "NAMESPACE".to_string(),
        "WORKLOADS".to_string(),
        "NOT READY".to_string(),
        restarts,
        "WATCH".to_string(),
    ];
    let rows = namespaces.iter().map(|ns| {
        let forbidden = state.health.iter().any(|(SourceId { namespace, .. }, h)| {
            namespace.as_deref() == Some(ns.as_str()) && matches!(h, SourceHealth::Forbidden { .. })
        });
        let (watch, watch_role) = namespace_health(state, ns);
        if forbidden && !state.cluster.pods.items.keys().any(|(n, _)| n == *ns) {
            return vec![
                Line::from(ns.as_str()),
                Line::from(Span::styled("forbidden", ui.style("critical"))),
                Line::from(Span::styled("forbidden", ui.style("critical"))),
                Line::from(Span::styled("forbidden", ui.style("critical"))),
                Line::from(Span::styled(watch, ui.style(watch_role))),
            ];
        }
        let empty = NamespaceSummary::default();
        let s = summaries.get(ns.as_str()).unwrap_or(&empty);
        // A tripped rollout guard in the namespace is the first thing to see.
        let tripped = state
            .follow
            .follows
            .values()
            .filter(|f| &f.namespace == *ns)
            .filter(|f| f.verdict.as_ref().is_some_and(|v| v.tripped.is_some()))
            .count();
        let mut workloads = vec![];
        if tripped > 0 {
            workloads.push(Span::styled(
                format!("{tripped} guard tripped "),
                ui.style("critical"),
            ));
        }
        workloads.extend([
            Span::styled(format!("{} ok", s.healthy), ui.style("ok")),
            Span::raw(" "),
            Span::styled(
                format!("{} progressing", s.progressing),
                ui.style(if s.progressing > 0 {
                    "warning"
                } else {
                    "muted"
                }),
            ),
            Span::raw(" "),
            Span::styled(
                format!("{} degraded", s.degraded),
                ui.style(if s.degraded > 0 { "critical" } else { "muted" }),
            ),
        ]);
        let workloads = Line::from(workloads);
        vec![
            Line::from(ns.as_str()),
            workloads,
            Line::from(Span::styled(
                format!("{} of {}", s.not_ready, s.pods),
                ui.style(if s.not_ready > 0 { "critical" } else { "ok" }),
            )),
            Line::from(Span::styled(
                s.restarts_hour.to_string(),
                ui.style(if s.restarts_hour > 0 { "warning" } else { "ok" }),
            )),
            Line::from(Span::styled(watch, ui.style(watch_role))),
        ]
    });
    let mut block = panel(&title, watch_freshness(state, None), ui, area.width);
    if phases_below {
        block = block.title_bottom(super::validation::phase_line(
            state,
            usize::from(area.width.saturating_sub(4)),
            ui,
        ));
    }
    let fit = Fit {
        cuts: &[Cut::Never, Cut::Never, Cut::Never, Cut::Never, Cut::End(9)],
        hide_order: &[],
        room: area.width.saturating_sub(2),
        selected: None,
    };
    let table = fitted(&headers, rows.collect(), fit, ui).block(block);
    frame.render_widget(table, area);
}

/// The worst health of one namespace's watch streams.
fn namespace_health(state: &AppState, namespace: &str) -> (String, &'static str) {
    let mut worst = ("live".to_string(), "ok");
    let mut any = false;
    for (id, h) in &state.health {
        if id.namespace.as_deref() != Some(namespace) {
            continue;
        }
        any = true;
        match h {
            SourceHealth::Forbidden { .. } => worst = ("forbidden".into(), "critical"),
            SourceHealth::Unauthorized { .. } => worst = ("unauthorized".into(), "critical"),
            SourceHealth::Reconnecting { since, .. } if worst.1 != "critical" => {
                worst = (
                    format!("reconnecting {}", human_age(*since, state.now)),
                    "stale",
                )
            }
            SourceHealth::Connecting if worst.1 == "ok" => worst = ("connecting".into(), "stale"),
            _ => {}
        }
    }
    if any {
        worst
    } else {
        ("connecting".into(), "stale")
    }
}

/// The SLOs, worst budget first (the first row is the one to look at).
fn slo_panel(frame: &mut Frame, area: Rect, state: &AppState, shown: usize, ui: &Ui) {
    let headers = ["SLO", "BUDGET LEFT", "BURN 1h", "ALERT"].map(String::from);
    // Worst first: a paging SLO, then a ticketing one, then the least budget left.
    let mut worst: Vec<_> = state.rows.slos.iter().collect();
    worst.sort_by_key(|s| s.firing.map_or(2, |u| u as u8));
    let narrow = area.width < 60;
    let rows = worst.into_iter().take(shown).map(|s| {
        let burn = match &s.burn[BurnWindow::H1.index()] {
            Ok(b) => Span::styled(
                format!("{b:.1}x"),
                ui.style(if *b > 14.4 {
                    "critical"
                } else if *b > 1.0 {
                    "warning"
                } else {
                    "text"
                }),
            ),
            // Narrow: the word for it, whole (the SLO view has the message); wide: the message.
            Err(m) if narrow => Span::styled(m.word(), ui.style("muted")),
            Err(m) => Span::styled(m.text(), ui.style("muted")),
        };
        vec![
            Line::from(s.name.clone()),
            slo::budget_cell(s, 6, false, ui),
            Line::from(burn),
            Line::from(slo::alert_span(s.firing, ui)),
        ]
    });
    let title = if shown < state.rows.slos.len() {
        format!("SLOs, worst {shown} of {}", state.rows.slos.len())
    } else {
        "SLOs, worst first".to_string()
    };
    let mut block = panel(&title, slo::freshness(state), ui, area.width);
    if let Some(reason) = slo::failure(state, ui) {
        block = block.title_bottom(reason);
    }
    let fit = Fit {
        // BURN holds numbers or why there is none: a message may be cut, the word never.
        cuts: &[
            Cut::Middle(12),
            Cut::Never,
            if narrow { Cut::Never } else { Cut::End(8) },
            Cut::Never,
        ],
        hide_order: &[],
        room: area.width.saturating_sub(2),
        selected: None,
    };
    let table = fitted(&headers, rows.collect(), fit, ui).block(block);
    frame.render_widget(table, area);
}

/// OEE, production rate and downtime per line.
fn floor_panel(frame: &mut Frame, area: Rect, state: &AppState, rows: usize, ui: &Ui) {
    let headers = ["LINE", "OEE", "UNITS/H", "DOWN 24H"].map(String::from);
    let lines = slo::floor_lines(state);
    let rows = lines.iter().take(rows).map(|l| {
        let role = slo::oee_role(l.oee);
        vec![
            Line::from(l.line.clone()),
            Line::from(Span::styled(
                l.oee.map_or("?".into(), |v| format!("{:.1}%", v * 100.0)),
                ui.style(role),
            )),
            Line::from(l.units_per_hour.map_or("?".into(), |v| format!("{v:.0}"))),
            Line::from(
                l.downtime_24h_seconds
                    .map_or("?".into(), crate::model::age::human_duration_rounded),
            ),
        ]
    });
    let (fresh, role) = slo::freshness(state);
    // The source is already named on the SLO panel beside this one; keep only the age.
    let fresh = fresh.rsplit(": ").next().unwrap_or_default().to_string();
    let block = panel("Production floor", (fresh, role), ui, area.width);
    let fit = Fit {
        cuts: &[Cut::Middle(6), Cut::Never, Cut::Never, Cut::Never],
        hide_order: &[],
        room: area.width.saturating_sub(2),
        selected: None,
    };
    let table = fitted(&headers, rows.collect(), fit, ui).block(block);
    frame.render_widget(table, area);
}

/// `under pressure: NODE (Memory)` in `room` columns: the conditions are kept whole and the
/// node names cut in the middle (AKS node names share their prefix and differ at the end).
fn pressure_line(pressured: &[String], room: usize, ui: &Ui) -> String {
    let nodes: Vec<(String, String)> = pressured
        .iter()
        .map(|p| match p.split_once(" (") {
            Some((name, conditions)) => (
                name.to_string(),
                format!(" ({}", conditions.replace("Pressure", "")),
            ),
            None => (p.clone(), String::new()),
        })
        .collect();
    let whole = |prefix: &str| {
        let list: Vec<String> = nodes.iter().map(|(n, c)| format!("{n}{c}")).collect();
        format!("{prefix}{}", list.join(", "))
    };
    let text = whole("under pressure: ");
    if super::fit::width(&text) <= room {
        return text;
    }
    let prefix = "pressure: ";
    let room_per_node = |with_conditions: bool| {
        let fixed: usize = super::fit::width(prefix)
            + 2 * nodes.len().saturating_sub(1)
            + if with_conditions {
                nodes.iter().map(|(_, c)| super::fit::width(c)).sum()
            } else {
                0
            };
        room.saturating_sub(fixed) / nodes.len().max(1)
    };
    // A node name needs a dozen columns to stay recognisable; the conditions go first (the
    // Nodes view has them).
    let with_conditions = room_per_node(true) >= 12;
    let each = room_per_node(with_conditions).max(8);
    let list: Vec<String> = nodes
        .iter()
        .map(|(n, c)| {
            let name = super::fit::cut_middle(n, each, ui.symbols.ellipsis);
            if with_conditions {
                format!("{name}{c}")
            } else {
                name
            }
        })
        .collect();
    format!("{prefix}{}", list.join(", "))
}

fn nodes_panel(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let summary = &state.rows.overview;
    let (total, ready, pressured) = (summary.nodes, summary.nodes_ready, &summary.pressured);
    let lines = vec![
        Line::from(vec![
            Span::styled(format!("{total} nodes, "), ui.style("text")),
            Span::styled(
                format!("{ready} ready"),
                ui.style(if ready == total { "ok" } else { "critical" }),
            ),
        ]),
        if pressured.is_empty() {
            Line::from(Span::styled("no node under pressure", ui.style("ok")))
        } else {
            Line::from(Span::styled(
                pressure_line(pressured, usize::from(area.width.saturating_sub(2)), ui),
                ui.style("critical"),
            ))
        },
    ];
    let block = panel(
        "Nodes",
        watch_freshness(state, Some("nodes")),
        ui,
        area.width,
    );
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
