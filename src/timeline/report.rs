//! The handoff report: what is wrong now, what changed during the window, the actions taken,
//! the notes, the SLO budget spent, and the timeline itself; as Markdown for a chat message or
//! a ticket, or as JSON. Built from plain data, so the console's `x` and the headless
//! `ms5-console report` write the same report.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::incident::EntryLine;

/// Bumped when a field changes meaning.
pub const SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub schema: u32,
    /// The incident reported on; none: the lookback window.
    pub incident: Option<String>,
    /// When the incident began; the timeline keeps its lead-up (what was held before then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub began: Option<DateTime<Utc>>,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub written_by: String,
    pub context: String,
    pub server: String,
    /// What each source could give (a source that could not be read says so).
    pub sources: Vec<String>,
    /// While something pages: what changed in the window before it began, the likeliest
    /// cause first (the Overview's list).
    #[serde(default)]
    pub before_page: Option<BeforePage>,
    pub wrong_now: Vec<Problem>,
    /// Rollouts during the window, oldest first: revisions and images.
    pub changes: Vec<Line>,
    /// The console's writes and jobs during the window, from the audit log.
    pub actions: Vec<Action>,
    pub notes: Vec<Line>,
    pub budgets: Vec<BudgetSpent>,
    /// Oldest first.
    pub timeline: Vec<EntryLine>,
}

/// The changes before the page, as the Overview lists them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BeforePage {
    /// `backend-availability PAGE`, `MS5DatabaseDown`.
    pub page: String,
    pub began: DateTime<Utc>,
    /// `30m`.
    pub window: String,
    /// Ranked: `2m34s before`, and the change with who made it.
    pub changes: Vec<(String, String)>,
    /// What could not be seen for part of the window.
    pub not_seen: Vec<String>,
}

/// Something wrong at the time of writing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Problem {
    /// `slo`, `alert`, `rollout`, `validation`, `backup`.
    pub kind: String,
    pub subject: String,
    pub words: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Line {
    pub time: DateTime<Utc>,
    pub subject: String,
    pub words: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Action {
    pub time: DateTime<Utc>,
    pub user: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub write: String,
}

/// An SLO's error budget left at the window's start (when the console knows it) and now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetSpent {
    pub slo: String,
    pub left_at_start: Option<f64>,
    pub left_now: Option<f64>,
    /// Since when the start figure is known, when later than the window's start.
    pub known_since: Option<DateTime<Utc>>,
}

impl BudgetSpent {
    pub fn words(&self) -> String {
        let pct = |v: f64| format!("{:.1} %", v * 100.0);
        match (self.left_at_start, self.left_now, self.known_since) {
            // First read after the window began: what was spent before that is not known, so
            // the figure is never said as the window's (a page begun earlier would read 0 %).
            (Some(start), Some(now), Some(since)) => format!(
                "not known for the whole window: {} left now; {} spent since {} UTC, when it was first read ({} left)",
                pct(now),
                pct((start - now).max(0.0)),
                since.format("%H:%M:%S"),
                pct(start)
            ),
            (Some(start), Some(now), None) => format!(
                "{} spent: {} left at the start, {} now",
                pct((start - now).max(0.0)),
                pct(start),
                pct(now)
            ),
            (None, Some(now), _) => format!("{} left now; at the start not known", pct(now)),
            _ => "not known (no SLO reading)".into(),
        }
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn short(t: DateTime<Utc>) -> String {
    t.format("%H:%M:%S").to_string()
}

/// Markdown, for a chat message, a ticket or a postmortem draft.
pub fn markdown(r: &Report) -> String {
    let mut out = String::new();
    let title = match &r.incident {
        Some(name) => format!("Incident {name}"),
        None => "Handoff".to_string(),
    };
    match r.began {
        // The incident's own span; its lead-up is in the timeline below.
        Some(began) => out.push_str(&format!(
            "# {title}: {} to {}\n\nThe timeline keeps the lead-up from {}.\n\n",
            time(began),
            time(r.to),
            time(r.from)
        )),
        None => out.push_str(&format!(
            "# {title}: {} to {}\n\n",
            time(r.from),
            time(r.to)
        )),
    }
    out.push_str(&format!(
        "Written by {} from ms5-console, context `{}` ({}).\n\nSources: {}.\n\n",
        r.written_by,
        r.context,
        r.server,
        r.sources.join("; ")
    ));
    out.push_str("## What is wrong now\n\n");
    if let Some(b) = &r.before_page {
        out.push_str(&format!(
            "Changed in the {} before {} began at {}, likeliest cause first:\n\n",
            b.window,
            b.page,
            short(b.began)
        ));
        if b.changes.is_empty() {
            out.push_str(&format!("- no change in the {} before\n", b.window));
        }
        for (before, change) in &b.changes {
            out.push_str(&format!("- {before}: {change}\n"));
        }
        if !b.not_seen.is_empty() {
            out.push_str(&format!("- not seen: {}\n", b.not_seen.join(", ")));
        }
        out.push('\n');
    }
    if r.wrong_now.is_empty() {
        out.push_str("Nothing: no paging SLO, no critical alert firing, no degraded rollout, no failing criterion, every backup figure within policy.\n");
    }
    for p in &r.wrong_now {
        out.push_str(&format!("- **{}** {}: {}\n", p.kind, p.subject, p.words));
    }
    let lines = |out: &mut String, heading: &str, lines: &[Line], none: &str| {
        out.push_str(&format!("\n## {heading}\n\n"));
        if lines.is_empty() {
            out.push_str(&format!("{none}\n"));
        }
        for l in lines {
            out.push_str(&format!("- {} {}: {}\n", short(l.time), l.subject, l.words));
        }
    };
    lines(
        &mut out,
        "What changed",
        &r.changes,
        "No rollout during the window.",
    );
    out.push_str("\n## Actions taken\n\n");
    if r.actions.is_empty() {
        out.push_str("None from this console's audit log.\n");
    }
    for a in &r.actions {
        out.push_str(&format!(
            "- {} {} {} {}: {} (write {})\n",
            short(a.time),
            a.user,
            a.action,
            a.target,
            a.outcome,
            a.write
        ));
    }
    lines(&mut out, "Notes", &r.notes, "No notes.");
    out.push_str("\n## SLO budget spent during the window\n\n");
    for b in &r.budgets {
        out.push_str(&format!("- {}: {}\n", b.slo, b.words()));
    }
    out.push_str("\n## Timeline\n\n| time | source | severity | seen | object | what |\n|---|---|---|---|---|---|\n");
    for e in &r.timeline {
        let object = if e.namespace.is_empty() {
            e.object.clone()
        } else {
            format!("{} ({})", e.object, e.namespace)
        };
        let what = if e.count > 1 {
            format!("x{} {}", e.count, e.what)
        } else {
            e.what.clone()
        };
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            short(e.time),
            e.source,
            e.severity,
            e.seen,
            object.replace('|', "\\|"),
            what.replace('|', "\\|")
        ));
    }
    out
}

pub fn json(r: &Report) -> String {
    serde_json::to_string_pretty(r).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The incident file's entries the console no longer holds (from before a restart, beyond
/// the lookback) join the report's timeline: each fact once, oldest first.
pub fn merge_incident(report: &mut Report, incident: &super::incident::Incident) {
    let held: std::collections::HashSet<String> =
        report.timeline.iter().map(|e| e.key.clone()).collect();
    // Every entry the file holds, its lead-up included (what the timeline held when the
    // incident began, however long before): the report reaches back as far as the file does.
    report.timeline.extend(
        incident
            .entries
            .iter()
            .filter(|e| !held.contains(&e.key))
            .cloned(),
    );
    report.timeline.sort_by_key(|e| e.time);
    if let Some(first) = report.timeline.first() {
        report.from = report.from.min(first.time);
    }
    report.began = incident.began.or(report.began);
}

/// Writes `text` to `path` whole or not at all: a temporary file beside it, synced, renamed
/// into place. The error names the path and the reason.
pub fn write_whole(path: &std::path::Path, text: &str) -> Result<(), String> {
    use std::io::Write;
    let words = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| words(&e))?;
    let mut temporary = tempfile::NamedTempFile::new_in(dir).map_err(|e| words(&e))?;
    temporary
        .write_all(text.as_bytes())
        .map_err(|e| words(&e))?;
    temporary.as_file().sync_all().map_err(|e| words(&e))?;
    temporary
        .persist(path)
        .map(|_| ())
        .map_err(|e| words(&e.error))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spent(start: Option<f64>, now: Option<f64>, since: Option<&str>) -> String {
        BudgetSpent {
            slo: "backend-availability".into(),
            left_at_start: start,
            left_now: now,
            known_since: since.map(|t| t.parse().expect("a time")),
        }
        .words()
    }

    #[test]
    fn a_start_read_late_is_said_as_unknown_never_as_nothing_spent() {
        // `report --since 2h` run while paging: the first reading is now.
        let late = spent(Some(0.68), Some(0.68), Some("2026-12-07T17:24:19Z"));
        assert!(!late.starts_with("0.0 %"), "{late}");
        assert_eq!(
            late,
            "not known for the whole window: 68.0 % left now; 0.0 % spent since 17:24:19 UTC, when it was first read (68.0 % left)"
        );
        assert_eq!(
            spent(Some(0.9), Some(0.68), None),
            "22.0 % spent: 90.0 % left at the start, 68.0 % now"
        );
        assert_eq!(
            spent(None, Some(0.68), None),
            "68.0 % left now; at the start not known"
        );
    }
}
