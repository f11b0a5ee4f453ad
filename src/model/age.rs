//! Ages as kubectl prints them (`5s`, `3m4s`, `2d3h`), so the console and the simulator's
//! server-side tables read exactly like `kubectl get`.

use chrono::{DateTime, Utc};

/// Formats the time elapsed from `then` to `now` with the rules of Kubernetes'
/// `duration.HumanDuration` (used for every AGE column).
pub fn human_age(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let elapsed = now.signed_duration_since(then);
    let seconds = elapsed.num_seconds();
    if seconds < -1 {
        return "<invalid>".to_string();
    }
    human_duration(seconds.max(0) as u64)
}

/// `duration.HumanDuration` over a number of seconds.
pub fn human_duration(seconds: u64) -> String {
    const MINUTE: u64 = 60;
    const HOUR: u64 = 60 * MINUTE;
    const DAY: u64 = 24 * HOUR;
    const YEAR: u64 = 365 * DAY;
    if seconds < 2 * MINUTE {
        return format!("{seconds}s");
    }
    let minutes = seconds / MINUTE;
    if minutes < 10 {
        let rest = seconds % MINUTE;
        return if rest == 0 {
            format!("{minutes}m")
        } else {
            format!("{minutes}m{rest}s")
        };
    }
    if minutes < 3 * 60 {
        return format!("{minutes}m");
    }
    let hours = seconds / HOUR;
    if hours < 8 {
        let rest = minutes % 60;
        return if rest == 0 {
            format!("{hours}h")
        } else {
            format!("{hours}h{rest}m")
        };
    }
    if hours < 48 {
        return format!("{hours}h");
    }
    if hours < 8 * 24 {
        let rest = hours % 24;
        let days = seconds / DAY;
        return if rest == 0 {
            format!("{days}d")
        } else {
            format!("{days}d{rest}h")
        };
    }
    if hours < 2 * 365 * 24 {
        return format!("{}d", seconds / DAY);
    }
    let years = seconds / YEAR;
    if years < 8 {
        let days = (seconds % YEAR) / DAY;
        return if days == 0 {
            format!("{years}y")
        } else {
            format!("{years}y{days}d")
        };
    }
    format!("{years}y")
}

/// A duration shown to people (an estimate, a measured total) in `human_duration`'s format,
/// rounded to the nearest unit it displays rather than truncated: 19.9999 days reads `20d`.
/// Ages keep `human_age`, which truncates as kubectl does, so AGE columns match `kubectl get`.
pub fn human_duration_rounded(seconds: f64) -> String {
    if !seconds.is_finite() || seconds <= 0.0 {
        return human_duration(0);
    }
    const MINUTE: f64 = 60.0;
    const HOUR: f64 = 3600.0;
    const DAY: f64 = 86_400.0;
    // The smallest unit `human_duration` shows at this magnitude.
    let unit = if seconds < 10.0 * MINUTE {
        1.0
    } else if seconds < 8.0 * HOUR {
        MINUTE
    } else if seconds < 8.0 * DAY {
        HOUR
    } else {
        DAY
    };
    human_duration(((seconds / unit).round() * unit) as u64)
}

/// A Kubernetes timestamp as a chrono time (k8s-openapi carries them as jiff timestamps).
pub fn k8s_time(t: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_nanos(t.0.as_nanosecond() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_kubectl_boundaries() {
        let cases = [
            (0, "0s"),
            (119, "119s"),
            (120, "2m"),
            (185, "3m5s"),
            (600, "10m"),
            (179 * 60, "179m"),
            (3 * 3600, "3h"),
            (3 * 3600 + 25 * 60, "3h25m"),
            (8 * 3600, "8h"),
            (47 * 3600, "47h"),
            (48 * 3600, "2d"),
            (50 * 3600, "2d2h"),
            (8 * 86400, "8d"),
            (800 * 86400, "2y70d"),
            (9 * 365 * 86400, "9y"),
        ];
        for (seconds, expected) in cases {
            assert_eq!(human_duration(seconds), expected, "{seconds}s");
        }
    }

    #[test]
    fn shown_durations_round_to_the_nearest_unit() {
        let day = 86_400.0;
        // 40 % of a 30-day budget at a 0.6x burn: 20 days, computed as 19.99999...
        assert_eq!(human_duration_rounded(0.4 * 30.0 * day / 0.6 - 1e-6), "20d");
        assert_eq!(human_duration_rounded(19.4 * day), "19d");
        assert_eq!(human_duration_rounded(3.0 * 3600.0 + 29.6 * 60.0), "3h30m");
        assert_eq!(human_duration_rounded(47.6 * 3600.0), "2d");
        assert_eq!(human_duration_rounded(59.6), "60s");
        assert_eq!(human_duration_rounded(f64::NAN), "0s");
    }

    #[test]
    fn future_beyond_clock_skew_is_invalid() {
        let now = Utc::now();
        assert_eq!(
            human_age(now + chrono::Duration::seconds(5), now),
            "<invalid>"
        );
        assert_eq!(
            human_age(now + chrono::Duration::milliseconds(500), now),
            "0s"
        );
    }
}
