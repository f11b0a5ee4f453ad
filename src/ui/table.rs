//! A table that lays out only the rows on screen, whatever the number of objects behind it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use super::style::Ui;
use crate::app::table::TableState;

/// A titled, bordered panel whose title also says where its data comes from and how fresh it is.
pub fn panel<'a>(title: &str, freshness: (String, &'static str), ui: &Ui) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_set(ui.symbols.border)
        .border_style(ui.style("border"))
        .title(Line::from(vec![
            Span::styled(format!(" {title} "), ui.style("title")),
            Span::styled(format!("{} ", freshness.0), ui.style(freshness.1)),
        ]))
}

pub struct TableSpec<'a> {
    pub columns: &'a [&'a str],
    pub widths: &'a [Constraint],
    /// Columns to leave out, first to last, when the table does not fit the width.
    pub hide_order: &'a [usize],
    pub len: usize,
    pub table: &'a TableState,
}

/// Draws `block` around the rows `table.offset ..` that fit; `row(i)` builds row `i`'s cells.
pub fn draw<'a>(
    frame: &mut Frame,
    area: Rect,
    block: Block<'a>,
    spec: TableSpec<'_>,
    ui: &Ui,
    row: impl Fn(usize) -> Vec<Cell<'a>>,
) {
    let inner_height = area.height.saturating_sub(3) as usize; // borders + header
    let shown = visible_columns(spec.widths, spec.hide_order, area.width.saturating_sub(2));
    let start = spec.table.offset.min(spec.len);
    let end = (start + inner_height).min(spec.len);
    let header = Row::new(
        spec.columns
            .iter()
            .enumerate()
            .filter(|(i, _)| shown.contains(i))
            .map(|(i, name)| {
                let marker = if i == spec.table.sort_column {
                    if spec.table.reverse {
                        ui.symbols.sort_descending
                    } else {
                        ui.symbols.sort_ascending
                    }
                } else {
                    ""
                };
                Cell::from(format!("{name}{marker}"))
            }),
    )
    .style(ui.style("header"));
    let rows = (start..end).map(|i| {
        let cells = row(i)
            .into_iter()
            .enumerate()
            .filter(|(c, _)| shown.contains(c))
            .map(|(_, cell)| cell);
        let r = Row::new(cells);
        if i == spec.table.selected {
            r.style(ui.style("selection"))
        } else {
            r
        }
    });
    let widths: Vec<Constraint> = shown.iter().map(|i| spec.widths[*i]).collect();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    frame.render_widget(table, area);
}

/// The columns that fit in `width`, dropping those in `hide_order` first to last as needed.
pub fn visible_columns(widths: &[Constraint], hide_order: &[usize], width: u16) -> Vec<usize> {
    let need = |cols: &[usize]| -> u16 {
        cols.iter()
            .map(|i| match widths[*i] {
                Constraint::Length(n) | Constraint::Min(n) | Constraint::Max(n) => n,
                _ => 4,
            })
            .sum::<u16>()
            + cols.len().saturating_sub(1) as u16
    };
    let mut shown: Vec<usize> = (0..widths.len()).collect();
    for hide in hide_order {
        if need(&shown) <= width {
            break;
        }
        shown.retain(|c| c != hide);
    }
    shown
}

/// `12 of 340 · sort STATUS · filter "crash"`: the bottom line of a table panel.
pub fn position(spec_len: usize, table: &TableState, columns: &[&str], ui: &Ui) -> String {
    let sep = ui.symbols.separator;
    let mut text = if spec_len == 0 {
        "no rows".to_string()
    } else {
        format!("{} of {}", table.selected + 1, spec_len)
    };
    if let Some(col) = columns.get(table.sort_column) {
        text.push_str(&format!(
            "{sep}sort {col}{}",
            if table.reverse { " desc" } else { "" }
        ));
    }
    if !table.filter.is_empty() {
        text.push_str(&format!("{sep}filter \"{}\"", table.filter.describe()));
    }
    text
}
