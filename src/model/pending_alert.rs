//! An alerting rule's alert that holds but has not yet held for its rule's `for`: Prometheus'
//! `pending`. While an SLO already pages by the console's reading and its alert is pending,
//! the Overview says when it will fire rather than that no alert fires.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq)]
pub struct PendingAlert {
    pub alertname: String,
    pub severity: String,
    /// When its condition began to hold (`activeAt`).
    pub active_at: DateTime<Utc>,
    /// When it fires if it keeps holding: `activeAt` plus the rule's `for`.
    pub fires_at: DateTime<Utc>,
}

impl PendingAlert {
    /// `MS5SLOFastBurn pending, fires in 1m40s` (`fires now` once due: the next evaluation).
    pub fn words(&self, now: DateTime<Utc>) -> String {
        let left = self.fires_at - now;
        if left <= Duration::zero() {
            format!("{} pending, fires now", self.alertname)
        } else {
            let seconds = left.num_seconds().max(1);
            let (m, s) = (seconds / 60, seconds % 60);
            let left = match (m, s) {
                (0, s) => format!("{s}s"),
                (m, 0) => format!("{m}m"),
                (m, s) => format!("{m}m{s}s"),
            };
            format!("{} pending, fires in {left}", self.alertname)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn says_when_it_fires() {
        let at = |s: i64| DateTime::from_timestamp(1_795_132_800 + s, 0).unwrap_or_default();
        let alert = PendingAlert {
            alertname: "MS5SLOFastBurn".into(),
            severity: "critical".into(),
            active_at: at(0),
            fires_at: at(120),
        };
        assert_eq!(
            alert.words(at(20)),
            "MS5SLOFastBurn pending, fires in 1m40s"
        );
        assert_eq!(alert.words(at(121)), "MS5SLOFastBurn pending, fires now");
    }
}
