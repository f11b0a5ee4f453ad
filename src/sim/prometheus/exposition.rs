//! The series as text: `/metrics` in the Prometheus exposition format (with timestamps, so a
//! scraping Prometheus stores the sim's own times), and OpenMetrics history for
//! `promtool tsdb create-blocks-from openmetrics`.

use std::fmt::Write;

use super::catalog::{Catalog, Labels, Series};

/// Prometheus writes floats as Go's `strconv.FormatFloat(v, 'f', -1, 64)`, with `NaN`/`+Inf`.
pub use crate::model::float::prometheus as format_value;

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn label_text(labels: &Labels) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .filter(|(k, _)| *k != "__name__")
        .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
        .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("{{{}}}", pairs.join(","))
    }
}

/// Every series at unix time `t`, in the text exposition format 0.0.4.
pub fn metrics_text(catalog: &Catalog, t: f64) -> String {
    let mut out = String::new();
    let mut family = "";
    let millis = (t * 1000.0).round() as i64;
    for s in &catalog.series {
        if s.family != family {
            family = s.family;
            let _ = writeln!(out, "# HELP {} {}", s.family, s.help);
            let _ = writeln!(out, "# TYPE {} {}", s.family, s.kind.text());
        }
        let _ = writeln!(
            out,
            "{}{} {} {millis}",
            s.name(),
            label_text(&s.labels),
            format_value(s.signal.value(t))
        );
    }
    out
}

/// OpenMetrics text of the series `keep` selects, sampled every `step` seconds over
/// `[start, end]`: what `promtool tsdb create-blocks-from openmetrics` reads to backfill a real
/// Prometheus with the sim's recent past.
pub fn history(
    catalog: &Catalog,
    keep: impl Fn(&Series) -> bool,
    start: f64,
    end: f64,
    step: f64,
) -> String {
    history_segments(catalog, keep, &[(start, end, step)])
}

/// Like [`history`] over several `(start, end, step)` segments in time order, so a long past can
/// be sampled coarsely and the recent hours finely (every series' samples stay contiguous and
/// in order, as OpenMetrics requires).
pub fn history_segments(
    catalog: &Catalog,
    keep: impl Fn(&Series) -> bool,
    segments: &[(f64, f64, f64)],
) -> String {
    let mut series: Vec<&Series> = catalog.series.iter().filter(|s| keep(s)).collect();
    // Samples of one metric name must be contiguous.
    series.sort_by(|a, b| a.name().cmp(b.name()));
    let mut out = String::new();
    for s in series {
        let labels = label_text(&s.labels);
        let mut last = f64::NEG_INFINITY;
        for (start, end, step) in segments {
            let mut t = *start;
            while t <= *end {
                if t > last {
                    let _ = writeln!(
                        out,
                        "{}{labels} {} {:.3}",
                        s.name(),
                        format_value(s.signal.value(t)),
                        t
                    );
                    last = t;
                }
                t += step;
            }
        }
    }
    out.push_str("# EOF\n");
    out
}
