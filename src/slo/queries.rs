//! The PromQL each SLO implies. One place writes these strings, so the console's panels, the
//! generated rules and the sim's answers can never drift apart.

use super::definition::SloDefinition;
use super::maths::BurnWindow;

/// The recording rule that holds the error ratio over `w`, as Sloth names it.
pub fn recorded_error_ratio(w: BurnWindow) -> String {
    format!("slo:sli_error:ratio_rate{}", w.text())
}

/// One selector for every recorded error ratio of every SLO (each series names its `slo`), so a
/// poll asks Prometheus once for all burn rates rather than once per SLO and window.
pub fn all_recorded_error_ratios() -> String {
    let windows: Vec<&str> = super::maths::BURN_WINDOWS
        .iter()
        .map(|w| w.text())
        .collect();
    format!(
        "{{__name__=~\"slo:sli_error:ratio_rate({})\"}}",
        windows.join("|")
    )
}

/// Share of bad events over `range` (a Prometheus duration such as `5m`).
pub fn error_ratio(def: &SloDefinition, range: &str) -> String {
    format!(
        "1 - (sum(rate({good}[{range}])) / sum(rate({total}[{range}])))",
        good = def.good,
        total = def.total
    )
}

/// Share of good events over the whole SLO window.
pub fn window_sli(def: &SloDefinition) -> String {
    let range = def.window_text();
    format!(
        "sum(increase({good}[{range}])) / sum(increase({total}[{range}]))",
        good = def.good,
        total = def.total
    )
}

/// Good events per hour; with [`hourly_total`], evaluated hourly over the window, it draws the
/// SLI and budget chart with one point per hour (720 for 30 days, well inside Prometheus'
/// 11,000-point limit).
pub fn hourly_good(def: &SloDefinition) -> String {
    format!("sum(increase({}[1h]))", def.good)
}

pub fn hourly_total(def: &SloDefinition) -> String {
    format!("sum(increase({}[1h]))", def.total)
}

/// A threshold as written into rules: `14.4 * 0.001` reads better than `0.0144000000000001`.
pub fn budget_literal(def: &SloDefinition) -> String {
    let budget = def.error_budget();
    let text = format!("{budget:.10}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slo::definition::builtin;

    #[test]
    fn queries_wrap_the_definitions_selectors() {
        let def = &builtin()[0];
        assert_eq!(
            error_ratio(def, "5m"),
            "1 - (sum(rate(http_requests_total{namespace=\"ms5-production\",service=\"backend\",code!~\"5..\"}[5m])) / sum(rate(http_requests_total{namespace=\"ms5-production\",service=\"backend\"}[5m])))"
        );
        assert!(window_sli(def).contains("[30d]"));
        assert_eq!(budget_literal(def), "0.001");
        assert_eq!(
            recorded_error_ratio(BurnWindow::D3),
            "slo:sli_error:ratio_rate3d"
        );
        assert_eq!(
            all_recorded_error_ratios(),
            r#"{__name__=~"slo:sli_error:ratio_rate(5m|30m|1h|2h|6h|1d|3d)"}"#
        );
        promql_parser::parser::parse(&all_recorded_error_ratios()).expect("valid PromQL");
        for def in builtin() {
            for q in [
                error_ratio(&def, "1h"),
                window_sli(&def),
                hourly_good(&def),
                hourly_total(&def),
            ] {
                promql_parser::parser::parse(&q).expect("valid PromQL");
            }
        }
    }
}
