//! How often a pg_cron schedule fires: the longest gap between two runs, so a check can
//! tell "overdue" from "not due yet" (a 6-hourly job is overdue at 6.5 h).
//!
//! Reads the five-field cron syntax pg_cron uses (`*`, `*/n`, `a-b`, `a-b/n`, lists),
//! pg_cron's `N seconds` and the `@hourly`-style names, in UTC, by walking a week minute
//! by minute: exact, and cheap (10,080 steps).

use std::time::Duration;

/// The longest gap between two firings of `schedule`, or `None` when it cannot be read.
pub fn interval(schedule: &str) -> Option<Duration> {
    let s = schedule.trim();
    if let Some(n) = s
        .strip_suffix("seconds")
        .or_else(|| s.strip_suffix("second"))
        .and_then(|n| n.trim().parse::<u64>().ok())
    {
        return (1..=59).contains(&n).then(|| Duration::from_secs(n));
    }
    let expr = match s {
        "@yearly" | "@annually" => return Some(Duration::from_secs(366 * 86_400)),
        "@monthly" => return Some(Duration::from_secs(31 * 86_400)),
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        other => other,
    };
    let fields: Vec<&str> = expr.split_whitespace().collect();
    let [min, hour, dom, mon, dow] = fields.as_slice() else {
        return None;
    };
    let minutes = set(min, 0, 59)?;
    let hours = set(hour, 0, 23)?;
    let days = set(dom, 1, 31)?;
    let months = set(mon, 1, 12)?;
    let weekdays = set(&dow.replace('7', "0"), 0, 6)?;
    // Day-of-month and day-of-week restrict only when given (cron's "or" rule is rare in
    // sync schedules; when both are restricted, either matching counts).
    let dom_any = *dom == "*";
    let dow_any = *dow == "*";
    // A week of minutes starting on a Monday in a 31-day month: 2024-01-01 (Monday).
    let start_day = 1;
    let mut firings: Vec<u64> = Vec::new();
    for minute in 0..(7 * 24 * 60 * 2) {
        let (day_index, in_day) = (minute / 1440, minute % 1440);
        let (h, m) = (in_day / 60, in_day % 60);
        let weekday = (1 + day_index) % 7; // Monday = 1
        let dom_value = start_day + day_index;
        let day_ok = match (dom_any, dow_any) {
            (true, true) => true,
            (false, true) => days.contains(&(dom_value as u32)),
            (true, false) => weekdays.contains(&(weekday as u32)),
            (false, false) => {
                days.contains(&(dom_value as u32)) || weekdays.contains(&(weekday as u32))
            }
        };
        if minutes.contains(&(m as u32))
            && hours.contains(&(h as u32))
            && day_ok
            && months.contains(&1)
        {
            firings.push(minute);
        }
    }
    if firings.len() < 2 {
        // Fires at most once a fortnight here: monthly or rarer.
        return (!firings.is_empty() || !months.is_empty())
            .then(|| Duration::from_secs(31 * 86_400));
    }
    let gap = firings.windows(2).map(|w| w[1] - w[0]).max()?;
    Some(Duration::from_secs(gap * 60))
}

/// The values a cron field allows.
fn set(field: &str, lo: u32, hi: u32) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((a, b)) = range.split_once('-') {
            (a.parse().ok()?, b.parse().ok()?)
        } else {
            let v: u32 = range.parse().ok()?;
            (v, if part.contains('/') { hi } else { v })
        };
        if a < lo || b > hi || a > b {
            return None;
        }
        out.extend((a..=b).step_by(step as usize));
    }
    Some(out)
}

/// When a job with this interval is overdue: the interval plus a twelfth of it (at least
/// five minutes) for the run itself to start and log.
pub fn grace(interval: Duration) -> Duration {
    interval + (interval / 12).max(Duration::from_secs(300))
}

/// `every 6 h`, `every 15 min`, `every 30 s`.
pub fn describe(interval: Duration) -> String {
    let s = interval.as_secs();
    match s {
        s if s % 86_400 == 0 => format!("every {} d", s / 86_400),
        s if s % 3600 == 0 => format!("every {} h", s / 3600),
        s if s % 60 == 0 => format!("every {} min", s / 60),
        s => format!("every {s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(hours: u64) -> Option<Duration> {
        Some(Duration::from_secs(hours * 3600))
    }

    #[test]
    fn common_schedules() {
        assert_eq!(interval("0 */6 * * *"), h(6));
        assert_eq!(interval("*/15 * * * *"), Some(Duration::from_secs(900)));
        assert_eq!(interval("0 3 * * *"), h(24));
        assert_eq!(interval("@hourly"), h(1));
        assert_eq!(interval("30 seconds"), Some(Duration::from_secs(30)));
        assert_eq!(interval("0 9,17 * * *"), h(16));
        assert_eq!(interval("0 8 * * 1-5"), h(72));
        assert_eq!(interval("0 0 * * 0"), h(168));
        assert_eq!(interval("0 */6 * * 7"), h(150));
        for bad in ["", "every day", "61 * * * *", "* * *", "*/0 * * * *"] {
            assert_eq!(interval(bad), None, "{bad}");
        }
    }

    #[test]
    fn overdue_after_a_twelfth() {
        assert_eq!(
            grace(Duration::from_secs(6 * 3600)),
            Duration::from_secs(6 * 3600 + 1800)
        );
        assert_eq!(grace(Duration::from_secs(600)), Duration::from_secs(900));
        assert_eq!(describe(Duration::from_secs(6 * 3600)), "every 6 h");
        assert_eq!(describe(Duration::from_secs(900)), "every 15 min");
    }
}
