//! A run's report in the three forms `validate` writes: text for people (one line per
//! criterion, then the totals), JSON for programs (the history's own line: schema version,
//! totals, every result with its evidence), JUnit XML for CI servers (a `testsuite` per phase,
//! a `testcase` per criterion; failures as `<failure>`, unknowns as `<error>`).

use std::fmt::Write as _;

use crossterm::style::Stylize;

use super::history::{HistoryLine, SCHEMA};
use super::outcome::Verdict;
use super::results::{CriterionResult, RunReport, Totals};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
}

pub fn render(run: &RunReport, format: Format, colour: bool) -> String {
    match format {
        Format::Text => text(run, colour),
        Format::Json => json(run),
        Format::Junit => junit(run),
    }
}

/// One line per criterion under its phase, then the totals.
pub fn text(run: &RunReport, colour: bool) -> String {
    let mut out = String::new();
    let width = run.results.iter().map(|r| r.id.len()).max().unwrap_or(0);
    for phase in &run.phases {
        let results: Vec<&CriterionResult> =
            run.results.iter().filter(|r| r.phase == phase.id).collect();
        let totals = Totals::of(results.iter().copied());
        let _ = writeln!(
            out,
            "{} {} {}/{}",
            phase.id, phase.title, totals.passed, totals.total
        );
        for r in results {
            let word = format!("{:<7}", r.result.to_string());
            let word = if colour {
                match r.result {
                    Verdict::Pass => word.green().to_string(),
                    Verdict::Fail => word.red().bold().to_string(),
                    Verdict::Unknown => word.yellow().to_string(),
                }
            } else {
                word
            };
            let _ = writeln!(
                out,
                "  {word} {:width$}  {}: {}",
                r.id,
                r.title,
                measured_against_expected(r)
            );
        }
    }
    let _ = writeln!(
        out,
        "{}: {} in {:.2} s",
        run.runbook,
        run.totals().words(),
        run.seconds
    );
    out
}

/// `93600 (expected below 86400)`, or only what was measured when nothing was compared.
pub fn measured_against_expected(r: &CriterionResult) -> String {
    if r.evidence.expected.is_empty() {
        r.evidence.measured.clone()
    } else {
        format!("{} (expected {})", r.evidence.measured, r.evidence.expected)
    }
}

/// The history's line for this run, pretty-printed.
pub fn json(run: &RunReport) -> String {
    let line = HistoryLine {
        schema: SCHEMA,
        totals: run.totals(),
        run: run.clone(),
    };
    let mut out =
        serde_json::to_string_pretty(&line).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

/// JUnit XML as Jenkins, GitLab and GitHub's test reporters read it. Each suite's counts and
/// time are its test cases' own, so they always agree.
pub fn junit(run: &RunReport) -> String {
    let totals = run.totals();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">",
        escape(&run.runbook),
        totals.total,
        totals.failed,
        totals.unknown,
        run.seconds
    );
    for phase in &run.phases {
        let results: Vec<&CriterionResult> =
            run.results.iter().filter(|r| r.phase == phase.id).collect();
        let t = Totals::of(results.iter().copied());
        let time: f64 = results.iter().map(|r| r.seconds).sum();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\" time=\"{:.3}\" timestamp=\"{}\">",
            escape(&phase.id),
            escape(&phase.title),
            t.total,
            t.failed,
            t.unknown,
            time,
            run.started.format("%Y-%m-%dT%H:%M:%S")
        );
        for r in results {
            let _ = write!(
                out,
                "    <testcase classname=\"{}.{}\" name=\"{} {}\" time=\"{:.3}\"",
                escape(&run.runbook),
                escape(&phase.id),
                escape(&r.id),
                escape(&r.title),
                r.seconds
            );
            let element = match r.result {
                Verdict::Pass => None,
                Verdict::Fail => Some("failure"),
                Verdict::Unknown => Some("error"),
            };
            match element {
                None => out.push_str("/>\n"),
                Some(element) => {
                    let _ = writeln!(
                        out,
                        ">\n      <{element} message=\"{}\" type=\"{}\">{}</{element}>\n    </testcase>",
                        escape(&measured_against_expected(r)),
                        r.kind,
                        escape(&evidence_text(r))
                    );
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// The evidence in full, for a failure's body.
fn evidence_text(r: &CriterionResult) -> String {
    let mut out = format!("measured: {}\n", r.evidence.measured);
    if !r.evidence.expected.is_empty() {
        let _ = writeln!(out, "expected: {}", r.evidence.expected);
    }
    if !r.evidence.source.is_empty() {
        let _ = writeln!(out, "source: {}", r.evidence.source);
    }
    let _ = writeln!(out, "checked: {}", r.checked_at.to_rfc3339());
    for line in &r.evidence.details {
        let _ = writeln!(out, "  {line}");
    }
    out
}

/// XML's five special characters, and control characters a command's output may hold (not
/// allowed in XML 1.0) replaced.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}
