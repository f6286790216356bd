//! Time as an input: the two moments a triage reasons about, and how to read and write
//! them.
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
//!
//! The calendar is jiff's (`civil` dates, UTC only: no time zone database). What is
//! written here is the one grammar the crate accepts, RFC 3339 (jiff's own parser reads
//! the wider Temporal grammar: no seconds, the basic format, `[zone]` annotations), and
//! the words of the reason a text is refused, which name the part that does not exist.

use std::sync::LazyLock;

use jiff::SignedDuration;
use jiff::civil::{self, Date, DateTime, Time};
use regex::Regex;
use serde::{Deserialize, Serialize};

/// What the issue's reported values are measured against.
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

/// 1970-01-01T00:00:00, the origin of Unix seconds (UTC).
const EPOCH: DateTime = civil::datetime(1970, 1, 1, 0, 0, 0, 0);

/// The UTC date and time of Unix seconds `ts`, clamped to years -9999 to 9999.
fn civil_utc(ts: i64) -> DateTime {
    EPOCH
        .checked_add(SignedDuration::from_secs(ts))
        .unwrap_or(if ts < 0 { DateTime::MIN } else { DateTime::MAX })
}

/// `2026-11-28T06:00:00Z`.
pub fn format_rfc3339(ts: i64) -> String {
    civil_utc(ts).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2026-11-28 06:00 UTC`, for people.
pub fn format_utc(ts: i64) -> String {
    civil_utc(ts).strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// `06:00 UTC`: the time of day alone, for a moment whose day is already said.
pub fn format_utc_time(ts: i64) -> String {
    civil_utc(ts).strftime("%H:%M UTC").to_string()
}

/// The UTC hour of day (0 to 23) of Unix seconds `ts`.
pub fn utc_hour(ts: i64) -> u8 {
    civil_utc(ts).hour() as u8
}

/// Unix seconds of a UTC date and time, or why it does not exist: the month (1 to 12),
/// the day within that month (leap years included), the hour (0 to 23), the minute and
/// the second (0 to 59) must all exist. Years 0000 to 9999.
pub fn unix_utc(y: i64, mo: i64, d: i64, h: i64, mi: i64, s: i64) -> Result<i64, &'static str> {
    let year = i16::try_from(y)
        .ok()
        .filter(|y| (0..=9999).contains(y))
        .ok_or("no such year (write 0000 to 9999)")?;
    let month = i8::try_from(mo)
        .ok()
        .filter(|m| (1..=12).contains(m))
        .ok_or("no such month (write 01 to 12)")?;
    let day = i8::try_from(d)
        .ok()
        .and_then(|d| Date::new(year, month, d).ok())
        .ok_or("no such day in that month")?;
    let hour = i8::try_from(h)
        .ok()
        .filter(|h| (0..=23).contains(h))
        .ok_or("no such hour (write 00 to 23)")?;
    let time = i8::try_from(mi)
        .ok()
        .zip(i8::try_from(s).ok())
        .and_then(|(mi, s)| Time::new(hour, mi, s, 0).ok())
        .ok_or("no such minute or second (write 00 to 59)")?;
    Ok(day.to_datetime(time).duration_since(EPOCH).as_secs())
}

/// Reads an RFC 3339 time (`2026-11-28T06:00:00Z`, `…+01:00`, fractions allowed; a space
/// may stand for the `T`) into Unix seconds. `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    read_rfc3339(text).ok()
}

/// RFC 3339's `date-time`, with a space allowed for the `T` (as PostgreSQL writes it).
static RFC3339: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$",
    )
    .expect("the RFC 3339 pattern compiles")
});

/// [`parse_rfc3339`], with the reason a text is refused: `"2026-02-31"` is not a date
/// because February 2026 has 28 days. Strict: the month, the day within that month (leap
/// years included), the hour (0 to 23), the minute, the second (a leap second `60` is read
/// as `59`) and the offset (at most ±23:59) must all exist. A fraction of a second is
/// read and dropped (whole seconds).
pub fn read_rfc3339(text: &str) -> Result<i64, &'static str> {
    const SHAPE: &str =
        "not in the form 2026-11-28T06:00:00Z (RFC 3339, with Z or an offset such as +01:00)";
    let c = RFC3339.captures(text.trim()).ok_or(SHAPE)?;
    let num = |i: usize| {
        c.get(i)
            .map_or(0, |m| m.as_str().parse::<i64>().unwrap_or(0))
    };
    let second = match num(6) {
        60 => 59,
        s => s,
    };
    let at = unix_utc(num(1), num(2), num(3), num(4), num(5), second)?;
    let (oh, om) = (num(8), num(9));
    if oh > 23 || om > 59 {
        return Err("no such offset (write -23:59 to +23:59)");
    }
    let offset = oh * 3600 + om * 60;
    Ok(match c.get(7).map(|m| m.as_str()) {
        Some("-") => at + offset,
        _ => at - offset,
    })
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

    /// The oracle for the property below, kept independent of jiff: the Gregorian rule.
    fn days_in_month(year: i64, month: i64) -> i64 {
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        match month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
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
    fn moments_are_written_in_utc_across_the_calendar() {
        assert_eq!(format_utc(T), "2026-11-28 00:00 UTC");
        assert_eq!(format_utc_time(T + 6 * 3600 + 59), "06:00 UTC");
        assert_eq!(utc_hour(T - 1), 23);
        assert_eq!(utc_hour(T + 13 * 3600), 13);
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        for text in [
            "0000-01-01T00:00:00Z",
            "1600-02-29T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            let t = parse_rfc3339(text).unwrap_or_else(|| panic!("{text} refused"));
            assert_eq!(format_rfc3339(t), text);
        }
        // Out of the calendar's range: clamped, never a panic.
        assert_eq!(format_utc(i64::MAX), "9999-12-31 23:59 UTC");
        assert_eq!(format_utc(i64::MIN), "-9999-01-01 00:00 UTC");
        assert_eq!(unix_utc(2026, 11, 28, 0, 0, 0), Ok(T));
        assert_eq!(
            unix_utc(10_000, 1, 1, 0, 0, 0),
            Err("no such year (write 0000 to 9999)")
        );
    }

    /// Issue 24: the dates that do not exist, each refused with the part that does not.
    #[test]
    fn each_refusal_names_what_does_not_exist() {
        for (bad, why) in [
            ("2026-02-31T00:00:00Z", "no such day in that month"),
            ("2026-02-29T00:00:00Z", "no such day in that month"),
            ("2027-02-29T00:00:00Z", "no such day in that month"),
            ("2026-13-01T00:00:00Z", "no such month (write 01 to 12)"),
            ("2026-11-28T24:00:00Z", "no such hour (write 00 to 23)"),
            (
                "2026-11-28T10:00:61Z",
                "no such minute or second (write 00 to 59)",
            ),
            (
                "2026-11-28T10:00:00-24:00",
                "no such offset (write -23:59 to +23:59)",
            ),
        ] {
            assert_eq!(read_rfc3339(bad), Err(why), "{bad}");
        }
        // The forms jiff's wider grammar reads, and RFC 3339 does not.
        for bad in [
            "2026-11-28T10:00Z",
            "20261128T100000Z",
            "2026-11-28T10:00:00Z[UTC]",
            "2026-11-28T10:00:00+0100",
            "2026-11-28T10:00:00+01",
            "2026-11-28T10:00:00,5Z",
            "2026-W48-6T10:00:00Z",
            "\u{0662}026-11-28T10:00:00Z",
        ] {
            assert_eq!(
                read_rfc3339(bad),
                Err(
                    "not in the form 2026-11-28T06:00:00Z (RFC 3339, with Z or an offset such as +01:00)"
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn leap_days_offsets_fractions_and_spellings_are_read() {
        let leap = parse_rfc3339("2028-02-29T00:00:00Z").expect("2028 is a leap year");
        assert_eq!(format_rfc3339(leap), "2028-02-29T00:00:00Z");
        assert_eq!(parse_rfc3339("2028-03-01T00:00:00Z"), Some(leap + 86_400));
        // +02:00 is two hours ahead of UTC: the same moment as 08:00Z.
        assert_eq!(
            parse_rfc3339("2026-11-28T10:00:00+02:00"),
            parse_rfc3339("2026-11-28T08:00:00Z")
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T00:00:00-05:30"),
            Some(T + 5 * 3600 + 1800)
        );
        // A fraction, of any length, is dropped: whole seconds.
        for text in [
            "2026-11-28T00:00:00.5Z",
            "2026-11-28T00:00:00.999999999Z",
            "2026-11-28T00:00:00.1234567890123Z",
            "2026-11-28t00:00:00z",
            "2026-11-28 00:00:00+00:00",
            "  2026-11-28T00:00:00Z\n",
        ] {
            assert_eq!(parse_rfc3339(text), Some(T), "{text:?}");
        }
        // A leap second is read as the second before it.
        assert_eq!(
            parse_rfc3339("2026-12-31T23:59:60Z"),
            parse_rfc3339("2026-12-31T23:59:59Z")
        );
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
