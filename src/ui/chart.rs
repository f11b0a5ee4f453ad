//! A time-series chart and its time axis, as the SLO details draw them.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType};

use super::style::Ui;
pub use crate::model::columns::SLO_COLUMNS;

/// `17:30 ........ ^page 20:41 ........ now 23:30`: the start and the end of a span of
/// `width` columns, and a mark under the moment the page began (said on whichever side of the
/// mark has room). Labels never overlap; the page's goes where it fits, else is left out.
pub fn time_axis(
    from: f64,
    to: f64,
    page: Option<DateTime<Utc>>,
    width: u16,
    ui: &Ui,
) -> Line<'static> {
    let width = usize::from(width);
    let hm = |t: f64| {
        DateTime::<Utc>::from_timestamp(t as i64, 0)
            .map(|d| d.format("%H:%M").to_string())
            .unwrap_or_default()
    };
    let start = hm(from);
    let end = format!("now {}", hm(to));
    let mut row: Vec<char> = vec![' '; width];
    let put = |at: usize, text: &str, row: &mut Vec<char>| {
        for (i, c) in text.chars().enumerate() {
            if let Some(cell) = row.get_mut(at + i) {
                *cell = c;
            }
        }
    };
    put(0, &start, &mut row);
    let end_at = width.saturating_sub(end.chars().count());
    put(end_at, &end, &mut row);
    let mut marked = None;
    if let Some(p) = page
        .map(|p| p.timestamp() as f64)
        .filter(|p| *p >= from && *p <= to)
        && to > from
    {
        let x = (((p - from) / (to - from)) * (width.saturating_sub(1)) as f64).round() as usize;
        let label = format!("^page {}", hm(p));
        let left = format!("page {}^", hm(p));
        let free = |a: usize, b: usize| a > start.chars().count() && b < end_at;
        if free(x, x + label.chars().count()) {
            put(x, &label, &mut row);
            marked = Some((x, label.chars().count()));
        } else {
            // Left of the mark, or (a page that began moments ago) just left of `now`.
            let stop = (x + 1).min(end_at.saturating_sub(1));
            if stop >= left.chars().count() && free(stop - left.chars().count(), stop) {
                let at = stop - left.chars().count();
                put(at, &left, &mut row);
                marked = Some((at, left.chars().count()));
            }
        }
    }
    let text: String = row.into_iter().collect();
    match marked {
        Some((at, len)) => {
            let chars: Vec<char> = text.chars().collect();
            let part = |a: usize, b: usize| chars[a..b].iter().collect::<String>();
            Line::from(vec![
                Span::styled(part(0, at), ui.style("muted")),
                Span::styled(part(at, at + len), ui.style("critical")),
                Span::styled(part(at + len, chars.len()), ui.style("muted")),
            ])
        }
        None => Line::from(Span::styled(text, ui.style("muted"))),
    }
}

#[allow(clippy::too_many_arguments)]
pub fn chart(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    points: &[(f64, f64)],
    low: f64,
    high: f64,
    style: Style,
    marker: Marker,
    ui: &Ui,
) {
    let (x0, x1) = match (points.first(), points.last()) {
        (Some(a), Some(b)) if b.0 > a.0 => (a.0, b.0),
        _ => (0.0, 1.0),
    };
    let date = |t: f64| {
        DateTime::<Utc>::from_timestamp(t as i64, 0)
            .map(|d| d.format("%m-%d").to_string())
            .unwrap_or_default()
    };
    let low = if low.is_finite() && low < high {
        low
    } else {
        high - 1.0
    };
    let dataset = Dataset::default()
        .marker(marker)
        .graph_type(GraphType::Line)
        .style(style)
        .data(points);
    // Narrow: the title's decoration (`(hourly)`, `(objective 99%)`) gives way, then its
    // middle; "no data" always stays whole.
    let state = if points.is_empty() { ": no data" } else { "" };
    let room = usize::from(area.width).saturating_sub(super::fit::width(state));
    let plain = title.split(" (").next().unwrap_or(title);
    let title = if super::fit::width(title) <= room {
        title.to_string()
    } else {
        super::fit::cut_middle(plain, room, ui.symbols.ellipsis)
    };
    let chart = Chart::new(vec![dataset])
        .block(
            ratatui::widgets::Block::default()
                .title(Span::styled(format!("{title}{state}"), ui.style("muted"))),
        )
        .x_axis(
            Axis::default()
                .bounds([x0, x1])
                .labels([Span::raw(date(x0)), Span::raw(date(x1))])
                .style(ui.style("muted")),
        )
        .y_axis(
            Axis::default()
                .bounds([low, high])
                .labels([
                    Span::raw(format!("{low:.1}")),
                    Span::raw(format!("{high:.0}")),
                ])
                .style(ui.style("muted")),
        );
    frame.render_widget(chart, area);
}
