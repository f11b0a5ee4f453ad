//! `:alerts` (critical first, with what suppresses each) and `:silences` (active first, with the
//! alerts each matches); both say which Alertmanager answered and how long ago.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::fit::Cut;
use super::pods::split;
use super::style::Ui;
use super::table::{TableSpec, draw, panel, position};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::alerts::{AlertRow, AlertStanding};
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::human_age;
pub use crate::model::columns::ALERT_COLUMNS;
pub use crate::model::columns::SILENCE_COLUMNS;

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Alerts,
    title: "Alerts",
    short_title: "Al",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Filter,
        Action::Details,
        Action::Silence,
        Action::Command,
    ],
    render: render_alerts,
};

pub const SILENCES_VIEW: ViewSpec = ViewSpec {
    id: ViewId::Silences,
    title: "Silences",
    short_title: "Si",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Details,
        Action::Expire,
        Action::Command,
    ],
    render: render_silences,
};

/// Where alerts come from and how fresh: every Alertmanager's name, and the worst of them.
pub fn freshness(state: &AppState) -> (String, &'static str) {
    let origins = &state.alerts.origins;
    if origins.is_empty() {
        return ("alertmanager: not configured".into(), "muted");
    }
    let names: Vec<&str> = origins.iter().map(|(n, _)| n.as_str()).collect();
    let source = format!("alertmanager {}", names.join(","));
    let now = state.now;
    let failing: Vec<String> = origins
        .iter()
        .filter_map(|(name, o)| {
            let (since, _) = o.failing.as_ref()?;
            let who = if origins.len() > 1 {
                format!("{name} ")
            } else {
                String::new()
            };
            Some(match o.answered {
                Some(t) => format!("{who}stale, last good {} ago", human_age(t, now)),
                None => format!("{who}failing for {}", human_age(*since, now)),
            })
        })
        .collect();
    if !failing.is_empty() {
        return (format!("{source}: {}", failing.join("; ")), "critical");
    }
    match state.alerts.oldest_answer() {
        Some(t) if origins.iter().all(|(_, o)| o.answered.is_some()) => {
            (format!("{source}: {} ago", human_age(t, now)), "ok")
        }
        _ => (format!("{source}: connecting"), "stale"),
    }
}

/// Each failing Alertmanager's reason, for a panel's bottom edge.
pub fn failures<'a>(state: &AppState, ui: &Ui) -> Option<Span<'a>> {
    let reasons: Vec<String> = state
        .alerts
        .origins
        .iter()
        .filter_map(|(name, o)| o.failing.as_ref().map(|(_, e)| format!("{name}: {e}")))
        .collect();
    (!reasons.is_empty()).then(|| {
        Span::styled(
            format!(" error: {} ", reasons.join("; ")),
            ui.style("critical"),
        )
    })
}

/// The table's position (and filter) on the left of the bottom edge; failing Alertmanagers'
/// reasons on the right.
fn with_bottom<'a>(
    block: ratatui::widgets::Block<'a>,
    position: String,
    width: u16,
    state: &AppState,
    ui: &Ui,
) -> ratatui::widgets::Block<'a> {
    // The reason is cut to the room the position leaves, so both stay readable.
    let room = (width as usize).saturating_sub(position.chars().count() + 4);
    let block = block.title_bottom(Span::styled(position, ui.style("muted")));
    match failures(state, ui) {
        Some(reason) => {
            let text: String = reason.content.chars().take(room).collect();
            block.title_bottom(Line::from(Span::styled(text, reason.style)).right_aligned())
        }
        None => block,
    }
}

pub fn severity_role(severity: &str) -> &'static str {
    match severity {
        "critical" => "critical",
        "high" => "warning",
        "low" => "muted",
        _ => "text",
    }
}

/// `silenced 1a2b3c4d`, `inhibited by MS5ServiceDown`, or `active`.
fn standing(row: &AlertRow) -> (String, &'static str) {
    match &row.standing {
        AlertStanding::Active => ("active".into(), severity_role(&row.severity)),
        AlertStanding::Silenced(ids) => (
            format!(
                "silenced {}",
                ids.iter()
                    .map(|i| short_id(i))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            "muted",
        ),
        AlertStanding::Inhibited(by) => (format!("inhibited by {}", by.join(",")), "muted"),
    }
}

/// The first 8 characters of a silence id: enough to tell them apart on screen.
pub fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

/// Origins, a failing one marked stale.
fn origins_line<'a>(state: &AppState, origins: &[String], ui: &Ui) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, origin) in origins.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(","));
        }
        if state.alerts.is_failing(origin) {
            spans.push(Span::styled(format!("{origin}(stale)"), ui.style("stale")));
        } else {
            spans.push(Span::styled(origin.clone(), ui.style("muted")));
        }
    }
    Line::from(spans)
}

/// Where there is room, the summary keeps 40 columns before the origin and namespace columns
/// give way (it is what the row says); on a narrow screen those go anyway.
fn alert_cuts(width: u16) -> Vec<Cut> {
    let mut cuts = ALERT_CUTS.to_vec();
    if width >= 100 {
        cuts[2] = Cut::End(40);
    }
    cuts
}

const ALERT_CUTS: &[Cut] = &[
    Cut::Never,
    Cut::Middle(16),
    Cut::End(16),
    Cut::Never,
    Cut::Never,
    Cut::Never,
    // The state word stays whole (`inhibited…`, `silenced …`); what inhibits or silences it is
    // in the details.
    Cut::Detail(10),
    Cut::Middle(10),
];

pub fn render_alerts(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let (table_area, detail_area) = split(area, state.details, usize::MAX);
    let table = state.table(ViewId::Alerts);
    let rows = &state.rows.alerts;
    let block = with_bottom(
        panel("Alerts, critical first", freshness(state), ui, area.width),
        position(rows.len(), table, &[], ui),
        area.width,
        state,
        ui,
    );
    let filter_error = state.alerts.filter_error.as_ref();
    let table_area = match filter_error {
        Some(error) => {
            let [message, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(table_area);
            frame.render_widget(
                Paragraph::new(Line::from(vec![
                    Span::styled(" filter does not parse: ", ui.style("critical")),
                    Span::styled(error.clone(), ui.style("text")),
                    Span::styled(
                        "  e.g. severity=\"critical\", alertname=~\"MS5.*\" or plain text",
                        ui.style("muted"),
                    ),
                ])),
                message,
            );
            rest
        }
        None => table_area,
    };
    let now = state.now;
    draw(
        frame,
        table_area,
        block,
        TableSpec {
            columns: ALERT_COLUMNS,
            cuts: &alert_cuts(area.width),
            hide_order: &[7, 4, 3, 5],
            len: rows.len(),
            table,
        },
        ui,
        |i| {
            let r = &rows[i];
            let (state_text, state_role) = standing(r);
            let name_role = if r.standing == AlertStanding::Active {
                severity_role(&r.severity)
            } else {
                "muted"
            };
            vec![
                Line::from(Span::styled(
                    r.severity.clone(),
                    ui.style(severity_role(&r.severity)),
                )),
                Line::from(Span::styled(r.alertname.clone(), ui.style(name_role))),
                Line::from(r.summary.clone()),
                Line::from(Span::styled(r.namespace.clone(), ui.style("muted"))),
                Line::from(r.service.clone()),
                Line::from(Span::styled(
                    human_age(r.merged.alert.starts_at, now),
                    ui.style("muted"),
                )),
                Line::from(Span::styled(state_text, ui.style(state_role))),
                origins_line(state, &r.merged.origins, ui),
            ]
        },
    );
    if let Some(area) = detail_area {
        alert_details(frame, area, state, ui);
    }
}

fn alert_details(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(row) = state.rows.alerts.get(state.table(ViewId::Alerts).selected) else {
        return;
    };
    let a = &row.merged.alert;
    let label = |t: &str| Span::styled(format!("{t:<14}"), ui.style("muted"));
    let (standing_text, standing_role) = standing(row);
    let mut lines = vec![Line::from(vec![
        label("state"),
        Span::styled(standing_text, ui.style(standing_role)),
        Span::styled(
            format!(
                "  since {} ({} ago)",
                a.starts_at.format("%Y-%m-%d %H:%M:%S UTC"),
                human_age(a.starts_at, state.now)
            ),
            ui.style("muted"),
        ),
    ])];
    // What the alert says it is about comes first, whole (wrapped), before its plumbing.
    for key in ["summary", "description"] {
        if let Some(text) = a.annotations.get(key).filter(|t| !t.is_empty()) {
            lines.push(Line::from(vec![
                label(key),
                Span::styled(text.clone(), ui.style("text")),
            ]));
        }
    }
    lines.extend([
        Line::from(vec![label("fingerprint"), Span::raw(a.fingerprint.clone())]),
        Line::from(vec![
            label("receivers"),
            Span::raw(
                a.receivers
                    .iter()
                    .map(|r| r.name.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        ]),
        Line::from(
            std::iter::once(label("from"))
                .chain(origins_line(state, &row.merged.origins, ui).spans)
                .collect::<Vec<_>>(),
        ),
        Line::from(vec![
            label("generator"),
            if a.generator_url.is_empty() {
                Span::styled("none (not sent by Prometheus)", ui.style("muted"))
            } else {
                Span::styled(a.generator_url.clone(), ui.style("accent"))
            },
        ]),
        Line::from(Span::styled("labels", ui.style("header"))),
    ]);
    for (k, v) in &a.labels {
        lines.push(Line::from(vec![
            label(&format!("  {k}")),
            Span::raw(v.clone()),
        ]));
    }
    lines.push(Line::from(Span::styled("annotations", ui.style("header"))));
    for (k, v) in a
        .annotations
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "summary" | "description"))
    {
        lines.push(Line::from(vec![
            label(&format!("  {k}")),
            Span::raw(v.clone()),
        ]));
    }
    let block = panel(
        &format!("{} {}", row.alertname, row.severity),
        freshness(state),
        ui,
        area.width,
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}

const SILENCE_CUTS: &[Cut] = &[
    Cut::Never,
    Cut::Never,
    Cut::End(20),
    Cut::Never,
    Cut::Never,
    Cut::Middle(8),
    Cut::End(12),
    Cut::Middle(10),
];

fn silence_state_role(state: &str) -> &'static str {
    match state {
        "active" => "ok",
        "pending" => "warning",
        _ => "muted",
    }
}

/// `in 1h59m`, `12m ago`: when a silence ends (or ended).
fn ends(s: &crate::alerting::model::GettableSilence, now: chrono::DateTime<chrono::Utc>) -> String {
    if s.ends_at > now {
        format!(
            "in {}",
            crate::model::age::human_duration((s.ends_at - now).num_seconds().max(0) as u64)
        )
    } else {
        format!("{} ago", human_age(s.ends_at, now))
    }
}

pub fn render_silences(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let (table_area, detail_area) = split(area, state.details, usize::MAX);
    let table = state.table(ViewId::Silences);
    let rows = &state.rows.silences;
    let block = with_bottom(
        panel("Silences, active first", freshness(state), ui, area.width),
        position(rows.len(), table, &[], ui),
        area.width,
        state,
        ui,
    );
    let now = state.now;
    draw(
        frame,
        table_area,
        block,
        TableSpec {
            columns: SILENCE_COLUMNS,
            cuts: SILENCE_CUTS,
            hide_order: &[7, 5, 6],
            len: rows.len(),
            table,
        },
        ui,
        |i| {
            let r = &rows[i];
            let s = r.silence();
            let matched = r.matched.len();
            vec![
                Line::from(Span::styled(
                    s.status.state.clone(),
                    ui.style(silence_state_role(&s.status.state)),
                )),
                Line::from(Span::styled(short_id(&s.id).to_string(), ui.style("muted"))),
                Line::from(r.matchers.clone()),
                Line::from(Span::styled(
                    format!("{matched} alert{}", if matched == 1 { "" } else { "s" }),
                    ui.style(if matched > 0 { "text" } else { "muted" }),
                )),
                Line::from(ends(s, now)),
                Line::from(s.created_by.clone()),
                Line::from(Span::styled(s.comment.clone(), ui.style("muted"))),
                origins_line(state, &r.merged.origins, ui),
            ]
        },
    );
    if let Some(area) = detail_area {
        silence_details(frame, area, state, ui);
    }
}

fn silence_details(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(row) = state
        .rows
        .silences
        .get(state.table(ViewId::Silences).selected)
    else {
        return;
    };
    let s = row.silence();
    let label = |t: &str| Span::styled(format!("{t:<12}"), ui.style("muted"));
    let time = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    let mut lines = vec![
        Line::from(vec![label("id"), Span::raw(s.id.clone())]),
        Line::from(vec![
            label("state"),
            Span::styled(
                s.status.state.clone(),
                ui.style(silence_state_role(&s.status.state)),
            ),
        ]),
        Line::from(vec![label("matchers"), Span::raw(row.matchers.clone())]),
        Line::from(vec![label("starts"), Span::raw(time(s.starts_at))]),
        Line::from(vec![
            label("ends"),
            Span::raw(format!("{} ({})", time(s.ends_at), ends(s, state.now))),
        ]),
        Line::from(vec![label("created by"), Span::raw(s.created_by.clone())]),
        Line::from(vec![label("comment"), Span::raw(s.comment.clone())]),
        Line::from(vec![
            label("from"),
            Span::raw(row.merged.origins.join(", ")),
        ]),
        Line::from(Span::styled(
            format!("matches {} alert(s) now", row.matched.len()),
            ui.style("header"),
        )),
    ];
    for alert in &row.matched {
        lines.push(Line::from(Span::raw(format!("  {alert}"))));
    }
    let block = panel(
        &format!("Silence {}", short_id(&s.id)),
        freshness(state),
        ui,
        area.width,
    );
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        area,
    );
}
