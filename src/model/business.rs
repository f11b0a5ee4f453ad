//! The floor's business figures from the seed: OEE per production line (availability x
//! performance x quality), downtime and production rate, plus the dashboard's live load.

use std::collections::BTreeMap;

/// What one poll asks, in the order [`BusinessReading`] is filled.
/// The floor's queries, five per poll: the three OEE factors in one selector (each series names
/// its factor), then downtime, production rate, WebSocket connections and the Celery queue.
pub const QUERIES: [&str; 5] = [
    "{__name__=~\"ms5_oee_(availability|performance|quality)_ratio\",namespace=\"ms5-production\"}",
    "sum by (line) (increase(ms5_downtime_seconds_total{namespace=\"ms5-production\"}[24h]))",
    "sum by (line) (rate(ms5_production_units_total{namespace=\"ms5-production\"}[1h])) * 3600",
    "sum(ms5_websocket_connections{namespace=\"ms5-production\"})",
    "sum(celery_queue_length{namespace=\"ms5-production\"})",
];

/// The metric names of the three OEE factors, as the first query's series carry them.
pub const FACTORS: [&str; 3] = [
    "ms5_oee_availability_ratio",
    "ms5_oee_performance_ratio",
    "ms5_oee_quality_ratio",
];

use super::slo_status::Reading;

/// Raw answers, keyed by production line.
#[derive(Debug, Clone)]
pub struct BusinessReading {
    pub availability: Result<BTreeMap<String, f64>, String>,
    pub performance: Result<BTreeMap<String, f64>, String>,
    pub quality: Result<BTreeMap<String, f64>, String>,
    pub downtime_24h: Result<BTreeMap<String, f64>, String>,
    pub units_per_hour: Result<BTreeMap<String, f64>, String>,
    pub websocket_connections: Reading,
    pub celery_queue: Reading,
}

/// One production line's figures; `None` where the answer did not include the line or was not
/// a usable number.
#[derive(Debug, Clone, PartialEq)]
pub struct LineFigures {
    pub line: String,
    pub availability: Option<f64>,
    pub performance: Option<f64>,
    pub quality: Option<f64>,
    /// availability x performance x quality, only when all three are known.
    pub oee: Option<f64>,
    pub downtime_24h_seconds: Option<f64>,
    pub units_per_hour: Option<f64>,
}

fn finite(v: Option<&f64>) -> Option<f64> {
    v.copied().filter(|v| v.is_finite())
}

/// The lines any answer mentions, each with what is known of it.
pub fn lines(r: &BusinessReading) -> Vec<LineFigures> {
    let maps = [
        &r.availability,
        &r.performance,
        &r.quality,
        &r.downtime_24h,
        &r.units_per_hour,
    ];
    let mut names: Vec<&String> = maps
        .iter()
        .filter_map(|m| m.as_ref().ok())
        .flat_map(|m| m.keys())
        .collect();
    names.sort();
    names.dedup();
    let get = |m: &Result<BTreeMap<String, f64>, String>, line: &str| {
        m.as_ref().ok().and_then(|m| finite(m.get(line)))
    };
    names
        .into_iter()
        .map(|line| {
            let availability = get(&r.availability, line);
            let performance = get(&r.performance, line);
            let quality = get(&r.quality, line);
            let oee = match (availability, performance, quality) {
                (Some(a), Some(p), Some(q)) => Some(a * p * q),
                _ => None,
            };
            LineFigures {
                line: line.clone(),
                availability,
                performance,
                quality,
                oee,
                downtime_24h_seconds: get(&r.downtime_24h, line),
                units_per_hour: get(&r.units_per_hour, line),
            }
        })
        .collect()
}

/// The first failed answer, for the panel to show.
pub fn first_error(r: &BusinessReading) -> Option<&str> {
    [
        &r.availability,
        &r.performance,
        &r.quality,
        &r.downtime_24h,
        &r.units_per_hour,
    ]
    .into_iter()
    .find_map(|m| m.as_ref().err().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oee_is_the_product_of_its_three_factors_when_all_are_known() {
        let map = |pairs: &[(&str, f64)]| {
            Ok(pairs
                .iter()
                .map(|(k, v)| (k.to_string(), *v))
                .collect::<BTreeMap<_, _>>())
        };
        let r = BusinessReading {
            availability: map(&[("line-1", 0.9), ("line-2", 0.8)]),
            performance: map(&[("line-1", 0.95), ("line-2", f64::NAN)]),
            quality: map(&[("line-1", 0.99), ("line-2", 0.97)]),
            downtime_24h: map(&[("line-1", 3600.0)]),
            units_per_hour: Err("bad_data: boom".into()),
            websocket_connections: Reading::Empty,
            celery_queue: Reading::Empty,
        };
        let lines = lines(&r);
        assert_eq!(lines.len(), 2);
        assert!((lines[0].oee.unwrap_or_default() - 0.9 * 0.95 * 0.99).abs() < 1e-12);
        assert_eq!(lines[1].oee, None, "NaN performance leaves OEE unknown");
        assert_eq!(lines[1].downtime_24h_seconds, None);
        assert_eq!(first_error(&r), Some("bad_data: boom"));
    }
}
