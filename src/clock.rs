//! Time as an input: the two moments a triage reasons about, and the calendar arithmetic
//! to read and write them.
//!
//! A triage judges two kinds of values. What the issue *reports* ("last successful sync
//! 2026-11-25 07:00") was true when a person wrote it, so its age is measured against
//! [`ReportedAt`]: when the issue was filed, when its body was last edited, or a moment
//! the CLI was given with `--as-of`. What the live checks *measure* is true now, so it is
//! measured against [`Clock::now`]. Keeping the two apart is what makes a sweep three days
//! later say the same thing about an unchanged issue, and write nothing.
//!
//! Nothing in the crate reads the system clock except [`system_now`], called at the edge
//! (`main`, the Action's environment reader); everything below receives a [`Clock`].

use serde::{Deserialize, Serialize};

/// What the reported values are measured against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportedAt {
    /// Unix seconds.
    pub at: i64,
    pub basis: Basis,
}

/// Where [`ReportedAt`] comes from; it decides how the report words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// The issue's `created_at`.
    Filed,
    /// The time of the last edit of the body by a person (from the `edited` event).
    Edited,
    /// A moment given explicitly (`check --as-of`).
    Given,
    /// No better reference: the moment of the run (`check` without `--as-of`).
    Now,
}

impl ReportedAt {
    /// "before the issue was filed", "before the issue was last edited", …: the words
    /// after an age ("3 h before the issue was filed").
    pub fn before_words(&self) -> String {
        match self.basis {
            Basis::Filed => "before the issue was filed".into(),
            Basis::Edited => "before the issue was last edited".into(),
            Basis::Given => format!("before {}", format_utc(self.at)),
            Basis::Now => "ago".into(),
        }
    }

    /// The heading of the report's "reported" column.
    pub fn column_heading(&self) -> String {
        match self.basis {
            Basis::Filed => format!("Reported when filed ({})", format_utc(self.at)),
            Basis::Edited => format!("Reported at the last edit ({})", format_utc(self.at)),
            Basis::Given => format!("Reported as of {}", format_utc(self.at)),
            Basis::Now => "Reported in the issue".into(),
        }
    }
}

/// The moments one triage uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    /// Unix seconds of this run: the reference of every live measurement.
    pub now: i64,
    /// The reference of every value the issue reports.
    pub reported: ReportedAt,
}

impl Clock {
    /// A clock whose reported values are judged as of now (the CLI without `--as-of`).
    pub fn at(now: i64) -> Self {
        Self {
            now,
            reported: ReportedAt {
                at: now,
                basis: Basis::Now,
            },
        }
    }

    /// The same run, with reported values judged as of `reported`.
    pub fn with_reported(self, reported: ReportedAt) -> Self {
        Self { reported, ..self }
    }
}

/// The system clock, in Unix seconds. Call it only at the edge and pass the value down.
pub fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `2026-11-28T06:00:00Z`.
pub fn format_rfc3339(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s % 3600 / 60,
        s % 60
    )
}

/// `2026-11-28 06:00 UTC`, for people.
pub fn format_utc(ts: i64) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    let s = ts.rem_euclid(86_400);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        s / 3600,
        s % 3600 / 60
    )
}

/// Days in a month of the proleptic Gregorian calendar (`month` 1 to 12).
pub fn days_in_month(year: i64, month: i64) -> i64 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Reads an RFC 3339 time (`2026-11-28T06:00:00Z`, `…+01:00`, fractions allowed; a space
/// may stand for the `T`) into Unix seconds. `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    read_rfc3339(text).ok()
}

/// [`parse_rfc3339`], with the reason a text is refused: `"2026-02-31"` is not a date
/// because February 2026 has 28 days. Strict: the month, the day within that month (leap
/// years included), the hour (0 to 23), the minute, the second (a leap second `60` is read
/// as `59`) and the offset (at most ±23:59) must all exist.
///
/// Hand-written, as the rest of this module: the crate has no date dependency yet, and
/// these few rules are tested here, a property test included.
pub fn read_rfc3339(text: &str) -> Result<i64, &'static str> {
    const SHAPE: &str =
        "not in the form 2026-11-28T06:00:00Z (RFC 3339, with Z or an offset such as +01:00)";
    let t = text.trim().as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<i64, &'static str> {
        let digits = t.get(r).ok_or(SHAPE)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(SHAPE);
        }
        Ok(digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    if t.len() < 20 || t[4] != b'-' || t[7] != b'-' || !matches!(t[10], b'T' | b't' | b' ') {
        return Err(SHAPE);
    }
    if t[13] != b':' || t[16] != b':' {
        return Err(SHAPE);
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) {
        return Err("no such month (write 01 to 12)");
    }
    if d < 1 || d > days_in_month(y, mo) {
        return Err("no such day in that month");
    }
    if h > 23 {
        return Err("no such hour (write 00 to 23)");
    }
    if mi > 59 || s > 60 {
        return Err("no such minute or second (write 00 to 59)");
    }
    let mut i = 19;
    if t.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while t.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(SHAPE);
        }
    }
    let offset = match t.get(i).ok_or(SHAPE)? {
        b'Z' | b'z' if i + 1 == t.len() => 0,
        sign @ (b'+' | b'-') if i + 6 == t.len() && t[i + 3] == b':' => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return Err("no such offset (write -23:59 to +23:59)");
            }
            let secs = oh * 3600 + om * 60;
            if *sign == b'+' { secs } else { -secs }
        }
        _ => return Err(SHAPE),
    };
    Ok(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + s.min(59) - offset)
}

/// `3 d 4 h`-style age for messages.
pub fn human_age(secs: f64) -> String {
    let secs = secs.max(0.0) as u64;
    match secs {
        s if s >= 86_400 => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
        s if s >= 3600 => format!("{} h {} min", s / 3600, (s % 3600) / 60),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: i64 = 1_795_824_000; // 2026-11-28T00:00:00Z

    #[test]
    fn rfc3339_round_trips_and_offsets_apply() {
        assert_eq!(parse_rfc3339("2026-11-28T00:00:00Z"), Some(T));
        assert_eq!(format_rfc3339(T + 6 * 3600 + 61), "2026-11-28T06:01:01Z");
        assert_eq!(parse_rfc3339("2026-11-28T01:00:00+01:00"), Some(T));
        assert_eq!(parse_rfc3339("2026-11-27T23:30:00.250-00:30"), Some(T));
        assert_eq!(parse_rfc3339("2026-11-28 00:00:00Z"), Some(T));
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T00:00:00",
            "2026-13-01T00:00:00Z",
            "2026-11-28T00:00:00Zjunk",
            "yesterday",
            "2026-11-28T0a:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn impossible_dates_and_times_are_refused() {
        for bad in [
            "2026-02-31T10:00:00Z",
            "2026-02-29T00:00:00Z",
            "2027-02-29T00:00:00Z",
            "2100-02-29T00:00:00Z",
            "2026-04-31T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-01-00T00:00:00Z",
            "2026-11-28T25:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T10:60:00Z",
            "2026-11-28T10:00:61Z",
            "2026-11-28T10:00:00+24:00",
            "2026-11-28T10:00:00+01:60",
            "2026-11-28T10:00:00.Z",
            "+026-11-28T10:00:00Z",
        ] {
            assert!(read_rfc3339(bad).is_err(), "{bad} was accepted");
        }
        assert_eq!(
            read_rfc3339("2026-02-31T10:00:00Z"),
            Err("no such day in that month")
        );
        assert_eq!(
            read_rfc3339("2026-11-28T25:00:00Z"),
            Err("no such hour (write 00 to 23)")
        );
        for good in [
            "2028-02-29T00:00:00Z",
            "2000-02-29T12:00:00Z",
            "2026-12-31T23:59:59Z",
            "2026-04-30T00:00:00-23:59",
            "2026-06-30T23:59:60Z",
        ] {
            assert!(read_rfc3339(good).is_ok(), "{good} was refused");
        }
        assert_eq!(
            parse_rfc3339("2028-02-29T00:00:00Z"),
            parse_rfc3339("2028-03-01T00:00:00Z").map(|t| t - 86_400)
        );
    }

    proptest::proptest! {
        /// Every accepted string names the moment it reads as: written back, it is the
        /// same text (in UTC, without fraction), and read again, the same moment.
        #[test]
        fn accepted_times_round_trip(
            y in 0i64..=9999, mo in 0i64..=13, d in 0i64..=32,
            h in 0i64..=25, mi in 0i64..=60, s in 0i64..=59,
        ) {
            let text = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z");
            let exists = (1..=12).contains(&mo)
                && (1..=days_in_month(y, mo)).contains(&d)
                && h < 24
                && mi < 60;
            match parse_rfc3339(&text) {
                Some(t) => {
                    proptest::prop_assert!(exists, "{} accepted", text);
                    proptest::prop_assert_eq!(format_rfc3339(t), text.clone());
                    proptest::prop_assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
                }
                None => proptest::prop_assert!(!exists, "{} refused", text),
            }
        }

        /// Whatever text is accepted, any text: its moment written back reads the same.
        #[test]
        fn any_accepted_text_round_trips(text in "[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?(Z|[+-][0-9]{2}:[0-9]{2})") {
            if let Some(t) = parse_rfc3339(&text) {
                proptest::prop_assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
            }
        }
    }

    #[test]
    fn civil_dates_invert() {
        for days in [-719_468, -1, 0, 1, 10_957, 20_785, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_utc(T), "2026-11-28 00:00 UTC");
    }

    #[test]
    fn references_are_worded() {
        let filed = ReportedAt {
            at: T,
            basis: Basis::Filed,
        };
        assert_eq!(filed.before_words(), "before the issue was filed");
        assert_eq!(
            filed.column_heading(),
            "Reported when filed (2026-11-28 00:00 UTC)"
        );
        let given = ReportedAt {
            at: T,
            basis: Basis::Given,
        };
        assert_eq!(given.before_words(), "before 2026-11-28 00:00 UTC");
        assert_eq!(Clock::at(5).reported.basis, Basis::Now);
        assert_eq!(human_age(3.0 * 3600.0 + 60.0), "3 h 1 min");
    }
}
