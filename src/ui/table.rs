//! A table that lays out only the rows on screen, whatever the number of objects behind it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table};

use super::fit::{self, Cut};
use super::style::Ui;
use crate::app::table::TableState;

/// A titled, bordered panel `width` columns wide whose title also says where its data comes
/// from and how fresh it is; when the title does not fit, its decoration gives way before the
/// freshness (see [`super::fit::fit_title`]).
pub fn panel<'a>(title: &str, freshness: (String, &'static str), ui: &Ui, width: u16) -> Block<'a> {
    let room = usize::from(width.saturating_sub(2));
    let (title, fresh) = super::fit::fit_title(title, &freshness.0, room, ui.symbols.ellipsis);
    let mut spans = vec![Span::styled(format!(" {title} "), ui.style("title"))];
    if !fresh.is_empty() {
        spans.push(Span::styled(format!("{fresh} "), ui.style(freshness.1)));
    }
    Block::default()
        .borders(Borders::ALL)
        .border_set(ui.symbols.border)
        .border_style(ui.style("border"))
        .title(Line::from(spans))
}

pub struct TableSpec<'a> {
    pub columns: &'a [&'a str],
    /// How each column gives way when the content is wider than the screen.
    pub cuts: &'a [Cut],
    /// Columns to leave out, first to last, when even cut the table does not fit the width.
    pub hide_order: &'a [usize],
    pub len: usize,
    pub table: &'a TableState,
}

/// Draws `block` around the rows `table.offset ..` that fit; `row(i)` builds row `i`'s cells.
/// Column widths come from what is on screen (header and visible rows), not fixed guesses:
/// see [`super::fit::column_widths`].
pub fn draw<'a>(
    frame: &mut Frame,
    area: Rect,
    block: Block<'a>,
    spec: TableSpec<'_>,
    ui: &Ui,
    row: impl Fn(usize) -> Vec<Line<'a>>,
) {
    let inner_height = area.height.saturating_sub(3) as usize; // borders + header
    let room = area.width.saturating_sub(2);
    // The selection is always on screen, even where the table is shorter than the page the
    // offset was kept for (a details pane opened below it).
    let selected = spec.table.selected;
    let start = spec
        .table
        .offset
        .max((selected + 1).saturating_sub(inner_height))
        .min(selected)
        .min(spec.len);
    let end = (start + inner_height).min(spec.len);
    let headers: Vec<String> = spec
        .columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let marker = if i != spec.table.sort_column {
                ""
            } else if spec.table.reverse {
                ui.symbols.sort_descending
            } else {
                ui.symbols.sort_ascending
            };
            format!("{name}{marker}")
        })
        .collect();
    let lines: Vec<Vec<Line<'a>>> = (start..end).map(&row).collect();
    let selected = spec.table.selected.checked_sub(start);
    let table = fitted(
        &headers,
        lines,
        Fit {
            cuts: spec.cuts,
            hide_order: spec.hide_order,
            room,
            selected,
        },
        ui,
    )
    .block(block);
    frame.render_widget(table, area);
}

/// How a [`fitted`] table lays out.
pub struct Fit<'a> {
    pub cuts: &'a [Cut],
    pub hide_order: &'a [usize],
    /// Columns inside the borders.
    pub room: u16,
    /// The row (index into the rows given) drawn as selected.
    pub selected: Option<usize>,
}

/// A table of `rows` under `headers` whose columns fit `fit.room`: widths from the content,
/// cut and hidden as [`layout`] decides.
pub fn fitted<'a>(
    headers: &[String],
    rows: Vec<Vec<Line<'a>>>,
    fit: Fit<'_>,
    ui: &Ui,
) -> Table<'a> {
    let natural: Vec<u16> = headers
        .iter()
        .enumerate()
        .map(|(c, h)| {
            let cells = rows.iter().filter_map(|l| l.get(c)).map(Line::width);
            cells.chain([fit::width(h)]).max().unwrap_or(0) as u16
        })
        .collect();
    let (shown, widths) = layout(&natural, fit.cuts, fit.hide_order, fit.room);
    let header = Row::new(shown.iter().zip(&widths).map(|(c, w)| {
        Cell::from(fit::cut_end(
            &headers[*c],
            usize::from(*w),
            ui.symbols.ellipsis,
        ))
    }))
    .style(ui.style("header"));
    let rows = rows.into_iter().enumerate().map(|(i, cells)| {
        let mut cells: Vec<Option<Line<'a>>> = cells.into_iter().map(Some).collect();
        let r = Row::new(shown.iter().zip(&widths).map(|(c, w)| {
            let line = cells.get_mut(*c).and_then(Option::take).unwrap_or_default();
            // A column as wide as its widest cell needs no cell measured again.
            if natural[*c] <= *w {
                return Cell::from(line);
            }
            Cell::from(fit_line(line, *w, fit.cuts[*c], ui.symbols.ellipsis))
        }));
        if fit.selected == Some(i) {
            r.style(ui.style("selection"))
        } else {
            r
        }
    });
    let constraints = widths.iter().map(|w| Constraint::Length(*w));
    Table::new(rows, constraints)
        .header(header)
        .column_spacing(1)
}

/// Which columns are shown and how wide. Every column is as wide as its content when that
/// fits. When it does not, what is least telling gives way first: free text (messages,
/// summaries, parameters) is cut down to its minimum; then the columns of `hide_order` are cut
/// to theirs and hidden one by one; only then are names cut (in the middle). Spare room goes
/// to the first free-text column (else the first name column), so the table spans its panel.
pub fn layout(
    natural: &[u16],
    cuts: &[Cut],
    hide_order: &[usize],
    room: u16,
) -> (Vec<usize>, Vec<u16>) {
    let fits = |w: &[u16]| fit::total(w) <= u32::from(room);
    let mut shown: Vec<usize> = (0..natural.len()).collect();
    let mut hidden = hide_order.iter().peekable();
    let widths = loop {
        let kinds: Vec<Cut> = shown.iter().map(|c| cuts[*c]).collect();
        let mut widths: Vec<u16> = shown.iter().map(|c| natural[*c]).collect();
        fit::shrink(&mut widths, &kinds, room, |c| matches!(c, Cut::End(_)));
        if fits(&widths) {
            break widths;
        }
        // Only the column that would be hidden next may be cut first: the rest keep their
        // width until their own turn (a node name stays whole while a QoS column can go).
        let next = hidden.peek().copied();
        let mut pass: Vec<Cut> = kinds.clone();
        for (i, c) in shown.iter().enumerate() {
            if Some(c) != next {
                pass[i] = Cut::Never;
            }
        }
        fit::shrink(&mut widths, &pass, room, |c| c != Cut::Never);
        if fits(&widths) {
            break widths;
        }
        if let Some(hide) = hidden.next() {
            shown.retain(|c| c != hide);
            continue;
        }
        fit::shrink(&mut widths, &kinds, room, |c| {
            matches!(c, Cut::Middle(_) | Cut::Detail(_))
        });
        // Last resort on a very narrow panel: any column, visibly cut with an ellipsis, rather
        // than the layout engine's silent squeeze.
        let forced: Vec<Cut> = kinds.iter().map(|_| Cut::End(1)).collect();
        fit::shrink(&mut widths, &forced, room, |_| true);
        break widths;
    };
    let mut widths = widths;
    let kinds: Vec<Cut> = shown.iter().map(|c| cuts[*c]).collect();
    give_detail_to_text(&mut widths, &kinds, &shown, natural);
    let spare = u32::from(room).saturating_sub(fit::total(&widths)) as u16;
    let flexible = kinds
        .iter()
        .position(|c| matches!(c, Cut::End(_)))
        .or_else(|| kinds.iter().position(|c| matches!(c, Cut::Middle(_))));
    if let Some(i) = flexible {
        widths[i] += spare;
    }
    (shown, widths)
}

/// A state's detail (`inhibited by MS5SLOFastBurn`) is in the details pane; the free text a
/// row is read by (an alert's summary) is not: while that text is cut below a readable width,
/// the detail gives it room, down to the state word itself. Past that width the detail keeps
/// its room (a silence's id beside a 40-column summary is worth more than 17 more words).
fn give_detail_to_text(widths: &mut [u16], kinds: &[Cut], shown: &[usize], natural: &[u16]) {
    /// Columns of free text a row's summary needs to be read.
    const READABLE: u16 = 32;
    let Some(text) = kinds.iter().position(|c| matches!(c, Cut::End(_))) else {
        return;
    };
    for (i, kind) in kinds.iter().enumerate() {
        let Cut::Detail(min) = *kind else {
            continue;
        };
        let wanted = natural[shown[text]]
            .min(READABLE)
            .saturating_sub(widths[text]);
        let given = widths[i].saturating_sub(min).min(wanted);
        widths[i] -= given;
        widths[text] += given;
    }
}

/// `line` in `width` columns, cut as its column allows.
fn fit_line<'a>(line: Line<'a>, width: u16, cut: Cut, ellipsis: &str) -> Line<'a> {
    if line.width() <= usize::from(width) {
        return line;
    }
    let style = line.spans.first().map(|s| s.style).unwrap_or_default();
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    let room = usize::from(width);
    let text = match cut {
        Cut::Middle(_) => fit::cut_middle(&text, room, ellipsis),
        Cut::End(_) | Cut::Detail(_) | Cut::Never => fit::cut_end(&text, room, ellipsis),
    };
    Line::from(Span::styled(text, style)).style(line.style)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_text_is_cut_before_a_column_is_hidden_and_names_last() {
        // NAME, STATE, MESSAGE, NODE; NODE is the least telling.
        let cuts = [Cut::Middle(10), Cut::Never, Cut::End(10), Cut::Middle(8)];
        let natural = [30, 8, 50, 27];
        // Room for all: content widths, the spare to the message.
        assert_eq!(
            layout(&natural, &cuts, &[3], 130),
            (vec![0, 1, 2, 3], vec![30, 8, 62, 27])
        );
        // 30 short: the message gives it.
        assert_eq!(
            layout(&natural, &cuts, &[3], 88),
            (vec![0, 1, 2, 3], vec![30, 8, 20, 27])
        );
        // More: the message at its minimum, then NODE cut, then hidden, before NAME is cut.
        assert_eq!(
            layout(&natural, &cuts, &[3], 70),
            (vec![0, 1, 2, 3], vec![30, 8, 10, 19])
        );
        assert_eq!(
            layout(&natural, &cuts, &[3], 50),
            (vec![0, 1, 2], vec![30, 8, 10])
        );
        assert_eq!(
            layout(&natural, &cuts, &[3], 40),
            (vec![0, 1, 2], vec![20, 8, 10])
        );
    }
}
