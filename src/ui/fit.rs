//! Making text fit where it is drawn: what is cut, where, and what never is. Widths come from
//! the content first; when there is not room for everything, the least telling part gives way:
//! a panel title's decoration before its freshness, a message before a name, the middle of a
//! name (where names that share a prefix differ least) before its ends. Numbers, units and
//! states are never cut.

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// Columns on screen of `text`.
pub fn width(text: &str) -> usize {
    UnicodeWidthStr::width(text)
}

/// `text` in at most `room` columns, its end replaced by `ellipsis` when it does not fit.
pub fn cut_end(text: &str, room: usize, ellipsis: &str) -> String {
    if width(text) <= room {
        return text.to_string();
    }
    let keep = room.saturating_sub(width(ellipsis));
    let mut out = take_width(text.chars(), keep);
    if room >= width(ellipsis) {
        out.push_str(ellipsis);
    }
    out
}

/// `text` in at most `room` columns, its middle replaced by `ellipsis` when it does not fit:
/// `aks-app-27183604-vmss000002` in 18 columns is `aks-app…vmss000002`, so names that share a
/// prefix still read apart. The end keeps the larger half: it is where such names differ.
pub fn cut_middle(text: &str, room: usize, ellipsis: &str) -> String {
    if width(text) <= room {
        return text.to_string();
    }
    if room <= width(ellipsis) + 1 {
        return cut_end(text, room, ellipsis);
    }
    let keep = room - width(ellipsis);
    let head = keep.saturating_sub(2) / 2;
    let tail = keep - head;
    let start = take_width(text.chars(), head);
    let mut end: Vec<char> = take_width(text.chars().rev(), tail).chars().collect();
    end.reverse();
    format!("{start}{ellipsis}{}", end.into_iter().collect::<String>())
}

/// The longest prefix of `chars` that fits in `room` columns.
fn take_width(chars: impl Iterator<Item = char>, room: usize) -> String {
    let mut used = 0;
    let mut out = String::new();
    for c in chars {
        let w = c.width().unwrap_or(0);
        if used + w > room {
            break;
        }
        used += w;
        out.push(c);
    }
    out
}

/// A panel's name and freshness that fit in `room` columns (the border's inside, drawn as
/// ` NAME ` then `FRESHNESS `). What gives way, in order: the name's decoration (`, worst first`,
/// ` (OEE = ...)`), then the middle of the freshness' source (`prometheus k8s://…:9090`); its
/// state (`4s ago`, `live`, `stale, last good 2m ago`) is kept whole.
pub fn fit_title(name: &str, freshness: &str, room: usize, ellipsis: &str) -> (String, String) {
    let fits = |n: &str, f: &str| width(n) + 2 + width(f) + usize::from(!f.is_empty()) <= room;
    if fits(name, freshness) {
        return (name.to_string(), freshness.to_string());
    }
    let short = name
        .split([',', '('])
        .next()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or(name)
        .to_string();
    if fits(&short, freshness) {
        return (short, freshness.to_string());
    }
    let Some((source, state)) = freshness.split_once(": ") else {
        return (short, freshness.to_string());
    };
    // ` NAME ` + `SOURCE: STATE `
    let fixed = width(&short) + 2 + width(state) + 3;
    let room_for_source = room.saturating_sub(fixed);
    if room_for_source >= 8 {
        let source = cut_middle(source, room_for_source, ellipsis);
        return (short, format!("{source}: {state}"));
    }
    (short, state.to_string())
}

/// How a column gives way when the table is wider than the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Never cut (numbers, units, states, ages): always its content's width.
    Never,
    /// Names: cut in the middle, down to `min` columns.
    Middle(u16),
    /// Free text (messages, summaries): cut at the end, down to `min` columns, first of all.
    End(u16),
    /// A state word and its detail (`inhibited by MS5SLOFastBurn`): the detail is cut at the
    /// end, down to `min` (the word's width), when hiding columns was not enough, and to give
    /// a cut free-text column its room (the details pane says the detail whole).
    Detail(u16),
}

/// Column widths for `natural` content widths (header included) in `room` columns with one
/// space between columns: each column as wide as its content if everything fits; otherwise
/// free text gives way first, then names, each down to its minimum, the widest first. The sum
/// can still exceed `room`: the caller hides columns then.
pub fn column_widths(natural: &[u16], cuts: &[Cut], room: u16) -> Vec<u16> {
    let mut widths = natural.to_vec();
    shrink(&mut widths, cuts, room, |c| matches!(c, Cut::End(_)));
    shrink(&mut widths, cuts, room, |c| {
        matches!(c, Cut::Middle(_) | Cut::Detail(_))
    });
    widths
}

/// Columns and the spaces between them.
pub fn total(widths: &[u16]) -> u32 {
    widths.iter().map(|w| u32::from(*w)).sum::<u32>() + widths.len().saturating_sub(1) as u32
}

/// Narrows the columns `which` accepts, the widest first, each down to its minimum, until the
/// row fits in `room` or none of them can give more.
pub fn shrink(widths: &mut [u16], cuts: &[Cut], room: u16, which: impl Fn(Cut) -> bool) {
    let mut excess = total(widths).saturating_sub(u32::from(room));
    while excess > 0 {
        let widest = widths
            .iter()
            .enumerate()
            .filter(|(i, w)| which(cuts[*i]) && **w > least(u16::MAX, cuts[*i]))
            .max_by_key(|(i, w)| (**w, usize::MAX - i));
        let Some((i, _)) = widest else { break };
        widths[i] -= 1;
        excess -= 1;
    }
}

/// The room a column needs at the least: its minimum if it may be cut, else its content.
pub fn least(natural: u16, cut: Cut) -> u16 {
    match cut {
        Cut::Never => natural,
        Cut::Middle(min) | Cut::End(min) | Cut::Detail(min) => natural.min(min),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_share_a_prefix_are_cut_in_the_middle_and_still_differ() {
        let nodes = [
            "aks-app-27183604-vmss000000",
            "aks-app-27183604-vmss000001",
            "aks-app-27183604-vmss000002",
        ];
        let cut: Vec<String> = nodes.iter().map(|n| cut_middle(n, 18, "…")).collect();
        assert_eq!(cut[2], "aks-app…vmss000002");
        assert!(cut.iter().all(|c| width(c) == 18));
        assert_ne!(cut[0], cut[1]);
        assert_eq!(cut_middle("postgres-0", 18, "…"), "postgres-0");
        assert_eq!(cut_end("ProgressDeadlineExceeded", 10, "~"), "ProgressD~");
    }

    #[test]
    fn free_text_gives_way_before_names_and_numbers_never() {
        let natural = [14, 40, 5, 60];
        let cuts = [Cut::Never, Cut::Middle(20), Cut::Never, Cut::End(20)];
        // Everything fits: as wide as the content.
        assert_eq!(column_widths(&natural, &cuts, 200), natural);
        // 30 columns short: the message gives them all.
        assert_eq!(column_widths(&natural, &cuts, 92), [14, 40, 5, 30]);
        // More: the message down to its minimum, then the name.
        assert_eq!(column_widths(&natural, &cuts, 70), [14, 28, 5, 20]);
        // Not enough even then: minimums, and the caller hides columns.
        assert_eq!(column_widths(&natural, &cuts, 40), [14, 20, 5, 20]);
    }

    #[test]
    fn a_title_keeps_its_freshness_and_drops_its_decoration_first() {
        let fresh = "prometheus k8s://ms5-system/prometheus-service:9090: 4s ago";
        let (name, f) = fit_title("SLOs, worst first", fresh, 200, "…");
        assert_eq!((name.as_str(), f.as_str()), ("SLOs, worst first", fresh));
        let (name, f) = fit_title("SLOs, worst first", fresh, 70, "…");
        assert_eq!((name.as_str(), f.as_str()), ("SLOs", fresh));
        let (name, f) = fit_title("SLOs, worst first", fresh, 40, "…");
        assert_eq!(name, "SLOs");
        assert!(f.ends_with(": 4s ago") && f.starts_with("prometh"), "{f}");
        assert!(width(&name) + 2 + width(&f) < 40, "{f}");
        let (_, f) = fit_title("Alerts", "am-0: stale, last good 2m ago", 20, "…");
        assert_eq!(f, "stale, last good 2m ago");
    }
}
