//! The SLO view: every objective, worst budget first, with its burn rates and the alert that
//! would fire now; the selected one's budget and SLI over the window and its recent burn; and
//! the production floor's figures. Every panel says where its data came from and how old it is.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Sparkline, Table};

use super::fit::Cut;
use super::style::{Ui, gauge};
use super::table::{Fit, TableSpec, draw, fitted, panel, position};
use super::view::ViewSpec;
use crate::app::action::Action;
use crate::app::state::AppState;
use crate::app::view_id::ViewId;
use crate::model::age::{human_age, human_duration_rounded};
use crate::model::business::{self, LineFigures};
pub use crate::model::columns::SLO_COLUMNS;
use crate::model::slo_status::{Missing, SloStatus, burn_sparkline, chart_series};
use crate::slo::maths::{BURN_WINDOWS, Urgency, threshold};

pub const VIEW: ViewSpec = ViewSpec {
    id: ViewId::Slo,
    title: "SLOs",
    short_title: "SLO",
    hints: &[
        Action::Help,
        Action::Quit,
        Action::Details,
        Action::Command,
        Action::NextView,
    ],
    render,
};

const CUTS: &[Cut] = &[
    Cut::Middle(14),
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
    Cut::Never,
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let list_height = (state.rows.slos.len() as u16 + 3)
        .min(area.height / 2)
        .max(4);
    let [list, rest] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Min(3)]).areas(area);
    list_panel(frame, list, state, ui);
    if state.details {
        detail_panel(frame, rest, state, ui);
    } else {
        floor_panel(frame, rest, state, ui);
    }
}

/// `prometheus SOURCE · 4s ago`, or since when it has been failing and why.
pub fn freshness(state: &AppState) -> (String, &'static str) {
    state.slo.freshness(state.now)
}

/// Why the last poll failed, for the panel's bottom edge (titles are too short for reasons).
pub fn failure<'a>(state: &AppState, ui: &Ui) -> Option<Span<'a>> {
    state
        .slo
        .failing
        .as_ref()
        .map(|(_, e)| Span::styled(format!(" error: {e} "), ui.style("critical")))
}

fn percent(v: f64, decimals: usize) -> String {
    format!("{:.*}%", decimals, v * 100.0)
}

fn missing_cell<'a>(m: &Missing, ui: &Ui) -> Line<'a> {
    match m {
        Missing::Error(_) => Line::from(Span::styled("error", ui.style("critical"))),
        Missing::Invalid(_) => Line::from(Span::styled("invalid", ui.style("critical"))),
        other => Line::from(Span::styled(other.text(), ui.style("muted"))),
    }
}

fn burn_cell<'a>(value: &Result<f64, Missing>, window: usize, ui: &Ui) -> Line<'a> {
    match value {
        Ok(b) => {
            let over = threshold(BURN_WINDOWS[window]).is_some_and(|t| *b > t);
            // The same unit as the Overview and the guard (`18.8x`); `!` marks a rate over
            // its window's alert threshold.
            let text = if over {
                format!("{b:.1}x!")
            } else {
                format!("{b:.1}x")
            };
            let role = if over {
                "critical"
            } else if *b > 1.0 {
                "warning"
            } else {
                "text"
            };
            Line::from(Span::styled(text, ui.style(role)))
        }
        Err(Missing::NoTraffic) => Line::from(Span::styled("-", ui.style("muted"))),
        Err(Missing::NoData) => Line::from(Span::styled("?", ui.style("muted"))),
        Err(_) => Line::from(Span::styled("err", ui.style("critical"))),
    }
}

pub fn alert_span<'a>(firing: Option<Urgency>, ui: &Ui) -> Span<'a> {
    match firing {
        Some(Urgency::Page) => Span::styled("PAGE", ui.style("critical")),
        Some(Urgency::Ticket) => Span::styled("ticket", ui.style("warning")),
        None => Span::styled("none", ui.style("muted")),
    }
}

/// Budget left as a bar, a percentage and the minutes of total failure it still allows.
/// The budget left as a gauge and a percentage, and (where there is room for it, in the SLO
/// view) the bad minutes it still allows.
pub fn budget_cell<'a>(s: &SloStatus, bar: usize, bad_minutes: bool, ui: &Ui) -> Line<'a> {
    let Some(b) = s.budget else {
        return match &s.sli {
            Err(m) => missing_cell(m, ui),
            Ok(_) => Line::from(""),
        };
    };
    let role = if b.remaining <= 0.0 {
        "critical"
    } else if b.remaining < 0.25 {
        "warning"
    } else {
        "ok"
    };
    let minutes = if b.bad_minutes_left.abs() >= 100.0 {
        format!("{:.0}m", b.bad_minutes_left)
    } else {
        format!("{:.1}m", b.bad_minutes_left)
    };
    let mut spans = vec![
        Span::styled(gauge(b.remaining, bar, ui.symbols), ui.style(role)),
        Span::styled(format!(" {:>6}", percent(b.remaining, 1)), ui.style(role)),
    ];
    // The minutes alone read as anything; said as what they are: the time the service could
    // be fully down and still meet its objective.
    if bad_minutes {
        spans.push(Span::styled(
            format!(" {minutes} outage"),
            ui.style("muted"),
        ));
    }
    Line::from(spans)
}

fn exhausted_cell<'a>(s: &SloStatus, ui: &Ui) -> Line<'a> {
    match s.budget.map(|b| b.exhausted_in) {
        None => Line::from(""),
        Some(None) => Line::from(Span::styled("not burning now", ui.style("muted"))),
        Some(Some(d)) if d.is_zero() => Line::from(Span::styled("spent", ui.style("critical"))),
        Some(Some(d)) => {
            let role = if d.as_secs() < 86_400 {
                "critical"
            } else if d.as_secs() < 7 * 86_400 {
                "warning"
            } else {
                "text"
            };
            Line::from(Span::styled(
                human_duration_rounded(d.as_secs_f64()),
                ui.style(role),
            ))
        }
    }
}

fn list_panel(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let table = state.table(ViewId::Slo);
    let rows = &state.rows.slos;
    let block = panel(
        "SLOs, worst budget first (outage: full-outage time left in budget; burn: x budget rate, ! over threshold)",
        freshness(state),
        ui,
        area.width,
    )
    .title_bottom(Span::styled(
        position(rows.len(), table, SLO_COLUMNS, ui),
        ui.style("muted"),
    ));
    let block = match failure(state, ui) {
        Some(reason) => block.title_bottom(reason),
        None => block,
    };
    // Burn rates asked for one by one cost Prometheus (and, through k8s://, the API server)
    // seven queries per SLO each poll: say so, with the fix.
    let block = match state.slo.last.as_ref().filter(|o| !o.raw_burn.is_empty()) {
        Some(o) => block.title_bottom(Span::styled(
            format!(
                " no recording rules for {}: burn rates queried raw ({} requests a poll); load `ms5-console slo rules` ",
                o.raw_burn.join(", "),
                o.requests
            ),
            ui.style("warning"),
        )),
        None => block,
    };
    draw(
        frame,
        area,
        block,
        TableSpec {
            columns: SLO_COLUMNS,
            cuts: CUTS,
            hide_order: &[12, 11, 10, 9, 7, 1, 5],
            len: rows.len(),
            table,
        },
        ui,
        |i| {
            let s = &rows[i];
            let mut cells = vec![
                Line::from(s.name.clone()),
                Line::from(Span::styled(s.service.clone(), ui.style("muted"))),
                Line::from(format!("{}% {}", s.objective, s.window)),
                match &s.sli {
                    Ok(v) => {
                        let role = if *v * 100.0 >= s.objective {
                            "ok"
                        } else {
                            "critical"
                        };
                        Line::from(Span::styled(percent(*v, 3), ui.style(role)))
                    }
                    Err(m) => missing_cell(m, ui),
                },
                // The outage time only where it stands whole beside the rest.
                budget_cell(s, 8, area.width >= 120, ui),
                exhausted_cell(s, ui),
            ];
            cells.extend((0..7).map(|w| burn_cell(&s.burn[w], w, ui)));
            cells.push(Line::from(alert_span(s.firing, ui)));
            cells
        },
    );
}

fn selected(state: &AppState) -> Option<&SloStatus> {
    let key = state.table(ViewId::Slo).selected_key.as_ref()?;
    state.rows.slos.iter().find(|s| s.name == key.1)
}

fn detail_panel(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let Some(status) = selected(state) else {
        frame.render_widget(
            Paragraph::new("no SLO selected").block(panel(
                "Details",
                freshness(state),
                ui,
                area.width,
            )),
            area,
        );
        return;
    };
    let Some(def) = state.slo.definitions.iter().find(|d| d.name == status.name) else {
        return;
    };
    let fetched = match &state.slo.history {
        None => ("fetching range queries".to_string(), "stale"),
        Some((at, Ok(_))) => (
            format!(
                "prometheus {}: as of {}",
                state.slo.source,
                human_age(*at, state.now) + " ago"
            ),
            "ok",
        ),
        Some((_, Err(e))) => (format!("prometheus {}: {e}", state.slo.source), "critical"),
    };
    let title = format!("{}: {} ({})", def.name, def.description, def.service);
    let block = panel(&title, fetched, ui, area.width);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [charts, burn, axis, notes] = Layout::vertical([
        Constraint::Min(6),
        Constraint::Length(3),
        Constraint::Length(1),
        Constraint::Length(2),
    ])
    .areas(inner);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(2)
            .areas(charts);
    let history = match &state.slo.history {
        Some((_, Ok(h))) => Some(h),
        _ => None,
    };
    let (sli, budget) = history.map(|h| chart_series(def, h)).unwrap_or_default();
    let marker = ui.symbols.chart_marker;
    super::chart::chart(
        frame,
        left,
        &format!("budget left % over {} (hourly)", def.window_text()),
        &budget,
        budget.iter().map(|p| p.1).fold(0.0, f64::min).floor(),
        100.0,
        ui.style("gauge"),
        marker,
        ui,
    );
    let sli_floor = sli
        .iter()
        .map(|p| p.1)
        .fold(def.objective, f64::min)
        .min(100.0 - 2.0 * (100.0 - def.objective));
    super::chart::chart(
        frame,
        right,
        &format!("SLI % per hour (objective {}%)", def.objective),
        &sli,
        sli_floor,
        100.0,
        ui.style("accent"),
        marker,
        ui,
    );
    let sparkline = history.map(|h| burn_sparkline(def, h)).unwrap_or_default();
    let peak = sparkline.iter().copied().fold(0.0, f64::max);
    let bars: Vec<u64> = sparkline
        .iter()
        .map(|b| (b * 10.0).round() as u64)
        .collect();
    let role = if peak > 14.4 {
        "critical"
    } else if peak > 1.0 {
        "warning"
    } else {
        "ok"
    };
    // Scaled so a page-level burn (14.4x) fills the height and a healthy one barely shows.
    let max = (peak.max(14.4) * 10.0).round() as u64;
    frame.render_widget(
        Sparkline::default()
            .max(max)
            .block(ratatui::widgets::Block::default().title(Span::styled(
                format!("burn rate (5m) over the last 6h, peak {peak:.1}x"),
                ui.style("muted"),
            )))
            .data(&bars)
            .bar_set(ui.symbols.bars.clone())
            .style(ui.style(role)),
        burn,
    );
    // The sparkline's time axis: its start, now, and where the page began when it pages.
    let times =
        history.and_then(|h| Some((h.error_ratio_5m.first()?.0, h.error_ratio_5m.last()?.0)));
    let page = status
        .firing
        .filter(|u| *u == Urgency::Page)
        .and_then(|_| crate::app::suspects::slo_began(state, &def.name, Urgency::Page));
    if let Some((from, to)) = times {
        frame.render_widget(
            Paragraph::new(super::chart::time_axis(from, to, page, axis.width, ui)),
            axis,
        );
    }
    let errors: Vec<String> = std::iter::once(&status.sli)
        .chain(status.burn.iter())
        .filter_map(|r| match r {
            Err(Missing::Error(e)) => Some(e.clone()),
            Err(Missing::Invalid(v)) => Some(format!("Prometheus answered {v}")),
            _ => None,
        })
        .collect();
    // The queries on a line each, cut at their end (with the ellipsis) only where the screen is
    // narrower than they are; an error in the critical colour, wrapped.
    let room = usize::from(notes.width);
    let cut = |text: String| super::fit::cut_end(&text, room, ui.symbols.ellipsis);
    let note = match errors.first() {
        Some(e) => Paragraph::new(Line::styled(format!("error: {e}"), ui.style("critical")))
            .wrap(ratatui::widgets::Wrap { trim: false }),
        None => Paragraph::new(vec![
            Line::styled(cut(format!("good:  {}", def.good)), ui.style("muted")),
            Line::styled(cut(format!("total: {}", def.total)), ui.style("muted")),
        ]),
    };
    frame.render_widget(note, notes);
}

fn figure(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "?".into())
}

/// World-class OEE is 85%; under 65% a line needs attention.
pub fn oee_role(oee: Option<f64>) -> &'static str {
    match oee {
        Some(v) if v >= 0.85 => "ok",
        Some(v) if v >= 0.65 => "warning",
        Some(_) => "critical",
        None => "muted",
    }
}

pub fn floor_lines(state: &AppState) -> Vec<LineFigures> {
    state
        .slo
        .last
        .as_ref()
        .map(|o| business::lines(&o.business))
        .unwrap_or_default()
}

fn floor_panel(frame: &mut Frame, area: Rect, state: &AppState, ui: &Ui) {
    let lines = floor_lines(state);
    let headers = [
        "LINE",
        "OEE",
        "AVAILABILITY",
        "PERFORMANCE",
        "QUALITY",
        "DOWNTIME 24H",
        "UNITS/H",
    ]
    .map(String::from);
    let rows = lines.iter().map(|l| {
        let oee_role = oee_role(l.oee);
        vec![
            Line::from(l.line.clone()),
            Line::from(vec![
                Span::styled(
                    gauge(l.oee.unwrap_or(0.0), 8, ui.symbols),
                    ui.style(oee_role),
                ),
                Span::styled(
                    format!(" {}", figure(l.oee, |v| percent(v, 1))),
                    ui.style(oee_role),
                ),
            ]),
            Line::from(figure(l.availability, |v| percent(v, 1))),
            Line::from(figure(l.performance, |v| percent(v, 1))),
            Line::from(figure(l.quality, |v| percent(v, 1))),
            Line::from(figure(l.downtime_24h_seconds, human_duration_rounded)),
            Line::from(figure(l.units_per_hour, |v| format!("{v:.0}"))),
        ]
    });
    let mut block = panel(
        "Production floor (OEE = availability x performance x quality)",
        freshness(state),
        ui,
        area.width,
    );
    if let Some(o) = &state.slo.last {
        let reading = |r: &crate::model::slo_status::Reading| match r {
            crate::model::slo_status::Reading::Value(v) if v.is_finite() => format!("{v:.0}"),
            crate::model::slo_status::Reading::Failed(_) => "error".into(),
            _ => "?".into(),
        };
        let mut text = format!(
            "WebSocket connections {}{}Celery queue {}",
            reading(&o.business.websocket_connections),
            ui.symbols.separator,
            reading(&o.business.celery_queue)
        );
        if let Some(e) = business::first_error(&o.business) {
            text = format!("{text}{}error: {e}", ui.symbols.separator);
        }
        block = block.title_bottom(Span::styled(text, ui.style("muted")));
    }
    if let Some(reason) = failure(state, ui) {
        block = block.title_bottom(reason);
    }
    // Wide: the columns as they have always stood. Narrower: widths from the content, so every
    // figure keeps its `%` and unit; the least telling columns (units per hour, then quality)
    // are hidden rather than cut.
    const WIDE: [u16; 7] = [10, 16, 13, 12, 8, 13, 8];
    let room = area.width.saturating_sub(2);
    if WIDE.iter().sum::<u16>() + WIDE.len() as u16 - 1 <= room {
        let widths = WIDE.map(Constraint::Length);
        let header = Row::new(headers.clone()).style(ui.style("header"));
        let rows = rows.map(|cells| Row::new(cells.into_iter().map(Cell::from)));
        frame.render_widget(Table::new(rows, widths).header(header).block(block), area);
        return;
    }
    let fit = Fit {
        cuts: &[
            Cut::Middle(6),
            Cut::Never,
            Cut::Never,
            Cut::Never,
            Cut::Never,
            Cut::Never,
            Cut::Never,
        ],
        hide_order: &[6, 4],
        room,
        selected: None,
    };
    frame.render_widget(fitted(&headers, rows.collect(), fit, ui).block(block), area);
}
