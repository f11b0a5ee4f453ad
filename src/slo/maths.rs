//! The arithmetic of error budgets and burn rates, as in the Google SRE workbook ("Alerting on
//! SLOs"): pure functions of measured error ratios, so they are tested on known values.

use std::time::Duration;

/// The burn-rate windows the console measures, shortest first.
pub const BURN_WINDOWS: [BurnWindow; 7] = [
    BurnWindow::M5,
    BurnWindow::M30,
    BurnWindow::H1,
    BurnWindow::H2,
    BurnWindow::H6,
    BurnWindow::D1,
    BurnWindow::D3,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BurnWindow {
    M5,
    M30,
    H1,
    H2,
    H6,
    D1,
    D3,
}

impl BurnWindow {
    /// As Prometheus writes the range: `5m`, `1d`.
    pub fn text(self) -> &'static str {
        match self {
            BurnWindow::M5 => "5m",
            BurnWindow::M30 => "30m",
            BurnWindow::H1 => "1h",
            BurnWindow::H2 => "2h",
            BurnWindow::H6 => "6h",
            BurnWindow::D1 => "1d",
            BurnWindow::D3 => "3d",
        }
    }

    pub fn duration(self) -> Duration {
        let minutes = match self {
            BurnWindow::M5 => 5,
            BurnWindow::M30 => 30,
            BurnWindow::H1 => 60,
            BurnWindow::H2 => 120,
            BurnWindow::H6 => 360,
            BurnWindow::D1 => 1440,
            BurnWindow::D3 => 4320,
        };
        Duration::from_secs(minutes * 60)
    }

    pub fn index(self) -> usize {
        BURN_WINDOWS.iter().position(|w| *w == self).unwrap_or(0)
    }
}

/// Who gets told: the SRE workbook's two severities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// Wake someone up.
    Page,
    /// Look at it during working hours.
    Ticket,
}

impl Urgency {
    pub fn text(self) -> &'static str {
        match self {
            Urgency::Page => "page",
            Urgency::Ticket => "ticket",
        }
    }

    /// The seed's alert severities: page -> critical, ticket -> high.
    pub fn severity(self) -> &'static str {
        match self {
            Urgency::Page => "critical",
            Urgency::Ticket => "high",
        }
    }
}

/// One multiwindow condition: both windows must burn faster than `factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BurnCondition {
    pub urgency: Urgency,
    pub long: BurnWindow,
    pub short: BurnWindow,
    pub factor: f64,
}

/// The workbook's recommended conditions for a 30-day window: page at 2% of the budget in an
/// hour or 5% in six hours; ticket at 10% in a day or 10% in three days.
pub const CONDITIONS: [BurnCondition; 4] = [
    BurnCondition {
        urgency: Urgency::Page,
        long: BurnWindow::H1,
        short: BurnWindow::M5,
        factor: 14.4,
    },
    BurnCondition {
        urgency: Urgency::Page,
        long: BurnWindow::H6,
        short: BurnWindow::M30,
        factor: 6.0,
    },
    BurnCondition {
        urgency: Urgency::Ticket,
        long: BurnWindow::D1,
        short: BurnWindow::H2,
        factor: 3.0,
    },
    BurnCondition {
        urgency: Urgency::Ticket,
        long: BurnWindow::D3,
        short: BurnWindow::H6,
        factor: 1.0,
    },
];

/// How fast the budget is spent: 1 spends exactly the budget over the SLO window.
pub fn burn_rate(error_ratio: f64, error_budget: f64) -> f64 {
    error_ratio / error_budget
}

/// The lowest burn factor any condition on window `w` uses: a window burning faster than this is
/// marked on screen.
pub fn threshold(w: BurnWindow) -> Option<f64> {
    CONDITIONS
        .iter()
        .filter(|c| c.long == w || c.short == w)
        .map(|c| c.factor)
        .reduce(f64::min)
}

/// The most urgent condition that holds for these burn rates (indexed like [`BURN_WINDOWS`]);
/// a window with no measurement never satisfies a condition.
pub fn firing(burn: &[Option<f64>; 7]) -> Option<Urgency> {
    CONDITIONS
        .iter()
        .filter(|c| {
            let over = |w: BurnWindow| burn[w.index()].is_some_and(|b| b > c.factor);
            over(c.long) && over(c.short)
        })
        .map(|c| c.urgency)
        .min()
}

/// Where the budget stands over the SLO window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    /// Share of the budget left: 1.0 untouched, 0.0 spent, negative overspent.
    pub remaining: f64,
    /// Minutes of total failure the remaining budget could still absorb.
    pub bad_minutes_left: f64,
    /// At the current burn rate, how long until the budget is gone; `None` if it is not burning
    /// now (the 5m window under 1x: an hour's average still high after the fix would project
    /// an exhaustion that is no longer coming).
    pub exhausted_in: Option<Duration>,
}

/// The budget given the window's SLI (share of good events), the 1h burn rate the projection
/// runs at, and the 5m burn rate that says whether it is burning now.
pub fn budget(
    sli: f64,
    error_budget: f64,
    window: Duration,
    burn_1h: Option<f64>,
    burn_5m: Option<f64>,
) -> Budget {
    let remaining = 1.0 - (1.0 - sli) / error_budget;
    let window_minutes = window.as_secs_f64() / 60.0;
    let bad_minutes_left = remaining * error_budget * window_minutes;
    let exhausted_in = match burn_1h {
        _ if remaining <= 0.0 => Some(Duration::ZERO),
        _ if burn_5m.is_some_and(|b| b < 1.0) => None,
        Some(b) if b.is_finite() && b > 0.0 => {
            // The remaining budget is `remaining * window` at burn rate 1.
            Some(Duration::from_secs_f64(
                (remaining * window.as_secs_f64() / b).min(1e12),
            ))
        }
        _ => None,
    };
    Budget {
        remaining,
        bad_minutes_left,
        exhausted_in,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAYS_30: Duration = Duration::from_secs(30 * 86_400);

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9 * b.abs().max(1.0)
    }

    #[test]
    fn an_untouched_budget_is_whole_and_never_exhausted() {
        let b = budget(1.0, 0.001, DAYS_30, Some(0.0), Some(0.0));
        assert_eq!(b.remaining, 1.0);
        // 0.1% of 30 days = 43.2 minutes.
        assert!(close(b.bad_minutes_left, 43.2));
        assert_eq!(b.exhausted_in, None);
    }

    #[test]
    fn half_spent_budget_at_known_burn() {
        // SLI 99.95% against 99.9%: half the budget used.
        let b = budget(0.9995, 0.001, DAYS_30, Some(2.0), Some(2.0));
        assert!(close(b.remaining, 0.5));
        assert!(close(b.bad_minutes_left, 21.6));
        // Half of 30 days left at burn 1; burning at 2 that is 7.5 days.
        assert_eq!(
            b.exhausted_in.map(|d| d.as_secs()),
            Some(7 * 86_400 + 43_200)
        );
    }

    #[test]
    fn overspent_budget_is_negative_and_already_exhausted() {
        let b = budget(0.998, 0.001, DAYS_30, Some(1.0), Some(1.0));
        assert!(close(b.remaining, -1.0));
        assert!(b.bad_minutes_left < 0.0);
        assert_eq!(b.exhausted_in, Some(Duration::ZERO));
    }

    #[test]
    fn after_the_fix_the_hours_average_projects_nothing_while_the_5m_window_is_under_1x() {
        // The undo is done: the 1h window still remembers the burn, the 5m window is clean.
        let b = budget(0.9995, 0.001, DAYS_30, Some(18.8), Some(0.0));
        assert_eq!(b.exhausted_in, None, "not burning now");
        // Still burning: the projection runs at the 1h rate.
        let b = budget(0.9995, 0.001, DAYS_30, Some(18.8), Some(3.0));
        assert!(b.exhausted_in.is_some_and(|d| d.as_secs() < 86_400));
    }

    #[test]
    fn burn_rate_is_error_ratio_over_budget() {
        assert!(close(burn_rate(0.0144, 0.001), 14.4));
        assert!(close(burn_rate(0.0, 0.001), 0.0));
    }

    fn rates(values: [f64; 7]) -> [Option<f64>; 7] {
        values.map(Some)
    }

    #[test]
    fn fast_burn_pages_only_when_both_windows_exceed() {
        //            5m    30m  1h    2h   6h   1d   3d
        let both = rates([15.0, 1.0, 14.5, 1.0, 1.0, 1.0, 0.5]);
        assert_eq!(firing(&both), Some(Urgency::Page));
        let only_long = rates([2.0, 1.0, 14.5, 1.0, 1.0, 1.0, 0.5]);
        assert_eq!(firing(&only_long), None);
        let only_short = rates([20.0, 1.0, 10.0, 1.0, 1.0, 1.0, 0.5]);
        assert_eq!(firing(&only_short), None);
        let equal_is_not_over = rates([14.4, 1.0, 14.4, 1.0, 1.0, 1.0, 0.5]);
        assert_eq!(firing(&equal_is_not_over), None);
    }

    #[test]
    fn six_hour_burn_pages_and_slow_burns_ticket() {
        let six_hours = rates([1.0, 6.5, 5.0, 5.0, 6.1, 2.0, 0.5]);
        assert_eq!(firing(&six_hours), Some(Urgency::Page));
        let one_day = rates([1.0, 1.0, 2.0, 3.5, 2.0, 3.1, 0.5]);
        assert_eq!(firing(&one_day), Some(Urgency::Ticket));
        let three_days = rates([1.0, 1.0, 1.0, 1.0, 1.2, 1.0, 1.1]);
        assert_eq!(firing(&three_days), Some(Urgency::Ticket));
        let mut unknown = rates([15.0, 1.0, 14.5, 1.0, 1.0, 1.0, 0.5]);
        unknown[BurnWindow::M5.index()] = None;
        assert_eq!(firing(&unknown), None);
    }

    #[test]
    fn thresholds_mark_the_lowest_factor_per_window() {
        assert_eq!(threshold(BurnWindow::M5), Some(14.4));
        assert_eq!(threshold(BurnWindow::H6), Some(1.0));
        assert_eq!(threshold(BurnWindow::D1), Some(3.0));
    }
}
