//! 80x24, what an SSH session usually has: every view (and its details) drawn there is
//! snapshotted, and on each screen every number keeps its unit or `%` and every state word is
//! whole. Names and free text may be shortened (with `…`); a cut right after a digit, or a cut
//! word that is the start of a state, is what a person would misread.

use insta::assert_snapshot;
use ms5_console::app::event::DataEvent;
use ms5_console::app::state::{AppState, ViewId};
use ms5_console::app::update::apply;
use ms5_console::ops::audit::{AuditRecord, Contents, Phase, SCHEMA};
use regex::Regex;

use crate::fixture::{screen, state};

/// Words that say what state something is in; a prefix of one followed by `…` is a cut state.
const STATES: &[&str] = &[
    "Running",
    "Pending",
    "Succeeded",
    "Failed",
    "Completed",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "OOMKilled",
    "Evicted",
    "Terminating",
    "ContainerCreating",
    "Unschedulable",
    "NotReady",
    "Ready",
    "Healthy",
    "Progressing",
    "Degraded",
    "Complete",
    "active",
    "silenced",
    "inhibited",
    "suppressed",
    "unprocessed",
    "expired",
    "pending",
    "succeeded",
    "failed",
    "forbidden",
    "unauthorized",
    "connecting",
    "reconnecting",
    "stale",
    "live",
    "error",
    "invalid",
    "critical",
    "warning",
    "Warning",
    "Normal",
    "PAGE",
    "TICKET",
    "ticket",
    "none",
    "bad_data",
];

fn audit(s: &mut AppState) {
    let record = |write: &str, phase: Phase, result: Option<&str>| AuditRecord {
        schema: SCHEMA,
        write: write.into(),
        time: crate::fixture::now() - chrono::Duration::minutes(3),
        phase,
        local_user: "jdoe".into(),
        identity: "kube user oncall context aks-ms5-prod via k8s://ms5-system/alertmanager-0:9093"
            .into(),
        target: "alertmanager am-0".into(),
        action: "create-silence".into(),
        parameters: serde_json::json!({"comment": "INC-42 failover in progress"}),
        result: result.map(String::from),
        duration_ms: result.map(|_| 41),
        kube: None,
        checks: Vec::new(),
        event: None,
        annotation: None,
    };
    s.audit.path = Some("/home/jdoe/.local/state/ms5-console/audit.jsonl".into());
    apply(
        s,
        DataEvent::Audit(Ok(Contents {
            records: vec![
                record(
                    "20261127T095700Z-7",
                    Phase::Succeeded,
                    Some("5c1e0b7a-3f4e-4c1d"),
                ),
                record("20261127T095700Z-7", Phase::Pending, None),
            ],
            problems: vec![],
        })),
    );
}

/// Every view, with and without its details, as an on-call engineer opens it.
fn screens() -> Vec<(String, String, String)> {
    let mut screens = Vec::new();
    for view in ViewId::ALL {
        for details in [false, true] {
            if details && view == ViewId::Overview {
                continue;
            }
            let mut s = state();
            s.view = view;
            s.details = details;
            if view == ViewId::Audit {
                audit(&mut s);
            }
            ms5_console::app::rows::refresh(&mut s);
            let name = format!("{}{}", view.name(), if details { "_details" } else { "" });
            screens.push((name, screen(&s, 80, 24), screen(&s, 200, 60)));
        }
    }
    screens
}

#[test]
fn every_view_at_80x24() {
    for (name, text, _) in screens() {
        assert_snapshot!(format!("narrow_{name}_80x24"), text);
    }
}

#[test]
fn at_80x24_numbers_keep_their_units_and_states_are_whole() {
    // A number (with the start of a unit) right before the ellipsis: `68.…`, `30.2…`, `12Mi…`.
    let cut_number =
        Regex::new(r"(?:^|[^A-Za-z0-9_-])(\d[\d.,:]*[A-Za-z%/]{0,2}…)").expect("regex");
    let cut_word = Regex::new(r"([A-Za-z_]+)…").expect("regex");
    let border_cut = Regex::new(r"([A-Za-z_]{5,})│").expect("regex");
    // A decimal with nothing after it where a unit belongs (`65.3` that was `65.3%`): ratatui
    // drops what does not fit a cell without an ellipsis. Versions (`:1.9.1`, `v1.32`) aside.
    let bare_decimal = Regex::new(r"(?:^|[^\w.:v/-])(\d+\.\d+)(?:[^\w%.]|$)").expect("regex");
    let mut problems = Vec::new();
    for (name, text, wide) in screens() {
        let prose = free_text_columns(&text);
        for line in text.lines() {
            // Bare where the same figure has a unit when there is room: the unit was cut.
            for c in bare_decimal.captures_iter(line) {
                let figure = regex::escape(&c[1]);
                let with_unit =
                    Regex::new(&format!(r"(?:^|[^\w.]){figure}[%a-zA-Z]")).expect("regex");
                // A chart's axis labels carry their unit in the chart's title.
                let axis =
                    line.contains(&format!("│{} ", &c[1])) || line.contains(&format!("{}│", &c[1]));
                if with_unit.is_match(&wide) && !axis {
                    problems.push(format!("{name}: `{}` without its unit in: {line}", &c[1]));
                }
            }
            if let Some(c) = cut_number.captures(line) {
                problems.push(format!("{name}: number cut `{}` in: {line}", &c[1]));
            }
            // Cut silently at a panel's border: `inhibite│`.
            for c in border_cut.captures_iter(line) {
                let word = &c[1];
                if let Some(state) = STATES
                    .iter()
                    .find(|s| s.len() > word.len() && s.starts_with(word))
                {
                    problems.push(format!("{name}: `{state}` cut to `{word}` in: {line}"));
                }
            }
            for c in cut_word.captures_iter(line) {
                let word = &c[1];
                // A summary that says `backup failed`, cut at its end, is prose, not a state.
                let at = line[..c.get(0).map_or(0, |m| m.start())].chars().count();
                if prose.iter().any(|(from, to)| (*from..*to).contains(&at)) {
                    continue;
                }
                // The start of a state word, cut: `Runn…`, `inhibite…`, `bad_dat…`.
                if let Some(state) = STATES
                    .iter()
                    .find(|s| s.len() > word.len() && s.starts_with(word) && word.len() >= 4)
                {
                    // `backe…ability` is a name cut in the middle; a state is cut at its end.
                    let after = &line[c.get(0).map_or(0, |m| m.end())..];
                    if after.starts_with(' ') || after.starts_with('│') || after.is_empty() {
                        problems.push(format!("{name}: `{state}` cut to `{word}…` in: {line}"));
                    }
                }
            }
        }
    }
    for (name, text, wide) in screens() {
        for (width, screen) in [(80, &text), (200, &wide)] {
            problems.extend(
                unit_rule_breaks(screen)
                    .into_iter()
                    .map(|p| format!("{name} at {width}: {p}")),
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Each column's unit rule: a cell that starts with a digit in a column with a unit keeps all
/// of it (an integer too: `471Mi`, not `471`; `41d`, not `41`). Words (`n/a`, `forbidden`)
/// pass.
const UNIT_RULES: &[(&str, &str)] = &[
    ("MEM", r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$"),
    ("CPU", r"^\d+(\.\d+)?m?$"),
    ("%CPU", r"^\d+%$"),
    ("%MEM", r"^\d+%$"),
    ("%CPU/R", r"^\d+%$"),
    ("%MEM/L", r"^\d+%$"),
    ("AGE", r"^(\d+[smhd])+$"),
];

/// Cells that break their column's unit rule, in every table on `screen`: a header line is
/// one whose words are all capitals; each cell is cut at the header words' starts.
fn unit_rule_breaks(screen: &str) -> Vec<String> {
    let rules: Vec<(&str, Regex)> = UNIT_RULES
        .iter()
        .map(|(c, r)| (*c, Regex::new(r).expect("regex")))
        .collect();
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let mut breaks = Vec::new();
    for (h, header) in lines.iter().enumerate() {
        let text: String = header.iter().collect();
        let inner = text.trim_matches('│');
        let words: Vec<&str> = inner.split_whitespace().collect();
        let is_header = words.len() >= 3
            && words.iter().all(|w| {
                w.chars()
                    .all(|c| c.is_ascii_uppercase() || "%/▾▴-".contains(c) || c.is_ascii_digit())
            })
            && words.iter().any(|w| {
                rules
                    .iter()
                    .any(|(c, _)| w.trim_end_matches(['▾', '▴']) == *c)
            });
        if !is_header {
            continue;
        }
        // Each header word's span, in chars.
        let spans = |line: &[char]| -> Vec<(usize, usize, String)> {
            let mut out = Vec::new();
            let mut i = 0;
            while i < line.len() {
                if line[i].is_whitespace() || line[i] == '│' {
                    i += 1;
                    continue;
                }
                let from = i;
                while i < line.len() && !line[i].is_whitespace() && line[i] != '│' {
                    i += 1;
                }
                out.push((from, i, line[from..i].iter().collect::<String>()));
            }
            out
        };
        let columns: Vec<(usize, usize, String)> = spans(header)
            .into_iter()
            .map(|(a, b, w)| (a, b, w.trim_end_matches(['▾', '▴']).to_string()))
            .collect();
        // A value belongs to the header word it sits under (left- or right-aligned, it
        // overlaps it).
        for row in lines[h + 1..]
            .iter()
            .take_while(|l| l.first() == Some(&'│'))
        {
            for (a, b, cell) in spans(row) {
                let Some((_, _, column)) = columns.iter().find(|(ca, cb, _)| a < *cb && *ca < b)
                else {
                    continue;
                };
                let Some((_, rule)) = rules.iter().find(|(c, _)| c == column) else {
                    continue;
                };
                if cell.starts_with(|c: char| c.is_ascii_digit()) && !rule.is_match(&cell) {
                    let line: String = row.iter().collect();
                    breaks.push(format!("{column} `{cell}` in: {line}"));
                }
            }
        }
    }
    breaks
}

/// The character columns of the free-text columns (`SUMMARY`, `MESSAGE`) on a screen, from its
/// header row: from the header word to where the next column's header starts.
fn free_text_columns(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        for header in ["SUMMARY", "MESSAGE"] {
            let Some(byte) = line.find(&format!("{header} ")) else {
                continue;
            };
            let from = line[..byte].chars().count();
            let mut to = from + header.len();
            while to < chars.len() && chars[to] == ' ' {
                to += 1;
            }
            spans.push((from, to));
        }
    }
    spans
}

/// An unreachable server's long reason never pushes the context out of an SSH session's
/// header: at 80 columns it reads `k8s unreachable`; where there is room, the reason too.
#[test]
fn an_unreachable_reason_leaves_the_context_in_the_header_at_80x24() {
    let mut s = state();
    s.unreachable = Some("ApiError: : Failed to parse error data (ErrorResponse)".into());
    let header = |w| {
        screen(&s, w, 24)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let narrow = header(80);
    assert!(narrow.contains("ctx aks-ms5-prod"), "{narrow}");
    assert!(narrow.trim_end().ends_with("k8s unreachable"), "{narrow}");
    assert!(!narrow.contains("Failed"), "{narrow}");
    let wide = header(200);
    assert!(wide.contains("k8s unreachable: ApiError"), "{wide}");
}
