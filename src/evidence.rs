//! What the issue itself reports, read as values with a meaning: the response status or
//! error code, the success and error rates, the latency, how stale the data is, when the
//! sync last succeeded or ran, throttling, and missing or wrong data.
//!
//! These values stand beside the measured ones in the report, and when no live check
//! could run they are what severity is decided from (the report then says so).

use crate::clock::{ReportedAt, human_age, unix_utc};
use crate::config::Thresholds;
use crate::issue::Issue;
use crate::meaning::{self, Service};
use crate::terms::{Area, Impact};
use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// One reported value and what it means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reported {
    /// What it is, in the template's words (`Response status`, `Success Rate`, …).
    pub name: String,
    /// The value as the issue gives it (unredacted: callers redact and quote).
    pub value: String,
    pub impact: Impact,
    /// One line saying why this matters (empty when it is fine).
    pub meaning: String,
    /// Area label keys it points at.
    pub areas: Vec<Area>,
    /// What to do about it (empty when it is fine).
    pub fix: String,
    #[serde(skip)]
    advice: Option<Advice>,
}

/// Reads the issue's reported values. Ages of the times it reports ("last successful
/// sync …") are measured against `at`, the moment the issue said them, never the moment
/// the bot runs: an unchanged issue reads the same on every run.
///
/// `log_table` is the sync log's table (`sync_log.table`), which the advice names.
pub fn reported(
    issue: &Issue,
    thresholds: &Thresholds,
    log_table: &str,
    at: &ReportedAt,
) -> Vec<Reported> {
    let mut out = Vec::new();
    out.extend(response(issue));
    out.extend(success_rate(issue, thresholds));
    out.extend(error_rate(issue, thresholds));
    out.extend(latency(issue, thresholds));
    out.extend(stale_data(issue, thresholds));
    out.extend(sync_times(issue, thresholds, at));
    out.extend(throttling(issue));
    out.extend(data_problems(issue));
    for r in &mut out {
        if let Some(advice) = r.advice {
            r.fix = advice.text(log_table);
        }
    }
    out
}

/// What to do about a reported value that is not a known code or status, by its kind.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Advice {
    FailedRuns,
    Latency,
    Staleness,
    Throttling,
    Counts,
}

impl Advice {
    fn of(name: &str) -> Advice {
        match name {
            "Success Rate" | "Error Rate" | "Sync Status" => Advice::FailedRuns,
            "Latency" | "Response Time" => Advice::Latency,
            "Stale Data" | "Last Run" => Advice::Staleness,
            "Throttling" => Advice::Throttling,
            _ => Advice::Counts,
        }
    }

    fn text(self, log_table: &str) -> String {
        match self {
            Advice::FailedRuns => format!("Read the failed runs' error_message in {log_table} and the Edge Function logs; fix the first error, then rerun the sync."),
            Advice::Latency => "Page the Pendo request into smaller windows and raise the Edge Function timeout only if needed.".into(),
            Advice::Staleness => "Check that the pg_cron job is active and that its last runs succeeded (cron.job_run_details), then backfill the gap.".into(),
            Advice::Throttling => "Back off on 429 honouring Retry-After and spread the cron schedule so runs do not overlap.".into(),
            Advice::Counts => "Compare row counts in Supabase with the Pendo UI for the same window and resync the missing range.".into(),
        }
    }
}

/// The reported response's status (with its code and error), else its error code alone.
fn response(issue: &Issue) -> Option<Reported> {
    let resp = issue.response.as_ref()?;
    match resp.status {
        Some(status) => Some(status_meaning(
            status,
            resp.code.as_deref(),
            resp.error.as_deref(),
        )),
        None => code_meaning(resp.code.as_deref()?),
    }
}

fn success_rate(issue: &Issue, thresholds: &Thresholds) -> Option<Reported> {
    let v = issue.field("Success Rate")?;
    let pct = percent(v)?;
    let (impact, meaning) = if pct <= 0.0 {
        (Impact::Critical, "every recent sync run failed".to_string())
    } else if pct < thresholds.success_rate_percent {
        (
            Impact::Degraded,
            format!("below the {}% threshold", thresholds.success_rate_percent),
        )
    } else {
        (Impact::None, String::new())
    };
    Some(item(
        "Success Rate",
        v,
        impact,
        meaning,
        &[Area::Monitoring],
    ))
}

fn error_rate(issue: &Issue, thresholds: &Thresholds) -> Option<Reported> {
    let v = issue.field("Error Rate")?;
    let pct = percent(v)?;
    let bad = pct > thresholds.error_rate_percent;
    Some(item(
        "Error Rate",
        v,
        if bad { Impact::Degraded } else { Impact::None },
        if bad {
            format!("above the {}% threshold", thresholds.error_rate_percent)
        } else {
            String::new()
        },
        &[Area::Monitoring],
    ))
}

/// The first of `Latency` and `Response Time` that reads as a duration.
fn latency(issue: &Issue, thresholds: &Thresholds) -> Option<Reported> {
    ["Latency", "Response Time"].into_iter().find_map(|label| {
        let v = issue.field(label)?;
        let ms = duration_secs(v)? * 1000.0;
        let bad = ms > thresholds.response_time_ms as f64;
        Some(item(
            label,
            v,
            if bad { Impact::Degraded } else { Impact::None },
            if bad {
                format!(
                    "over the {} s requirement",
                    thresholds.response_time_ms as f64 / 1000.0
                )
            } else {
                String::new()
            },
            &[Area::Performance],
        ))
    })
}

fn stale_data(issue: &Issue, thresholds: &Thresholds) -> Option<Reported> {
    let stale_limit = thresholds.freshness_hours as f64 * 3600.0;
    let v = issue.field("Stale Data")?;
    let secs = duration_secs(v)?;
    let bad = secs > stale_limit;
    Some(item(
        "Stale Data",
        v,
        if bad { Impact::Critical } else { Impact::None },
        if bad {
            format!(
                "older than the {} h freshness threshold",
                thresholds.freshness_hours
            )
        } else {
            String::new()
        },
        &[Area::Monitoring],
    ))
}

/// `Sync Status` and `Last Run`: their age when they give a time, and a sync status that
/// says it fails.
fn sync_times(issue: &Issue, thresholds: &Thresholds, at: &ReportedAt) -> Vec<Reported> {
    let mut out = Vec::new();
    for (label, what) in [
        ("Sync Status", "last successful sync"),
        ("Last Run", "the sync job last ran"),
    ] {
        let Some(v) = issue.field(label) else {
            continue;
        };
        if let Some(ts) = timestamp(v) {
            out.push(reported_time(label, v, what, ts, thresholds, at));
        } else if label == "Sync Status"
            && contains_word(v, &["failed", "failing", "error", "broken"])
        {
            out.push(item(
                label,
                v,
                Impact::Critical,
                "the sync reports failures".into(),
                &[Area::Monitoring],
            ));
        }
    }
    out
}

fn throttling(issue: &Issue) -> Option<Reported> {
    let v = issue
        .field("Throttling")
        .filter(|v| contains_word(v, &["yes", "true", "throttled", "429"]))?;
    Some(item(
        "Throttling",
        v,
        Impact::Degraded,
        "Pendo is throttling the sync".into(),
        &[Area::PendoApi, Area::Performance],
    ))
}

fn data_problems(issue: &Issue) -> Vec<Reported> {
    ["Missing Data", "Incorrect Data"]
        .into_iter()
        .filter_map(|label| {
            let v = issue.field(label)?;
            Some(item(
                label,
                v,
                Impact::Degraded,
                "partial or wrong data reported".into(),
                &[],
            ))
        })
        .collect()
}

/// A time the issue reports, judged by its age when the issue reported it. A time after
/// that moment cannot have been observed then: it is flagged as probably mistyped and
/// does not count for severity.
fn reported_time(
    label: &str,
    value: &str,
    what: &str,
    ts: i64,
    thresholds: &Thresholds,
    at: &ReportedAt,
) -> Reported {
    /// Clocks and typing in a hurry: a few minutes ahead is not a mistake.
    const SLACK_SECS: i64 = 15 * 60;
    let limit = thresholds.freshness_hours as i64 * 3600;
    let age = at.at - ts;
    let (impact, meaning) = if age < -SLACK_SECS {
        (
            Impact::None,
            format!(
                "lies {} after the time it was reported; probably mistyped, not used for severity",
                human_age(-age as f64)
            ),
        )
    } else if age > limit {
        (
            Impact::Critical,
            format!(
                "{what} {} {}, over the {} h threshold",
                human_age(age as f64),
                at.before_words(),
                thresholds.freshness_hours
            ),
        )
    } else {
        (Impact::None, String::new())
    };
    item(label, value, impact, meaning, &[Area::Monitoring])
}

fn item(name: &str, value: &str, impact: Impact, meaning: String, areas: &[Area]) -> Reported {
    Reported {
        name: name.to_string(),
        value: value.to_string(),
        impact,
        meaning,
        areas: areas.to_vec(),
        // Filled by `reported`, which knows the sync log's table.
        fix: String::new(),
        advice: (impact != Impact::None).then(|| Advice::of(name)),
    }
}

fn status_meaning(status: u16, code: Option<&str>, error: Option<&str>) -> Reported {
    let value = match error {
        Some(e) => format!("{status} {e}"),
        None => status.to_string(),
    };
    // A PostgREST/Postgres code says more than the status it came with.
    let m = code
        .and_then(meaning::of_code)
        .or_else(|| meaning::of_status(status, Service::Unknown));
    match m {
        Some(m) => from_meaning("Response status", value, &m),
        None => Reported {
            name: "Response status".into(),
            value,
            impact: Impact::None,
            meaning: String::new(),
            areas: Vec::new(),
            fix: String::new(),
            advice: None,
        },
    }
}

/// PostgREST and Postgres error codes, as [`meaning`] reads them.
fn code_meaning(code: &str) -> Option<Reported> {
    meaning::of_code(code).map(|m| from_meaning("Error code", code.to_string(), &m))
}

fn from_meaning(name: &str, value: String, m: &meaning::Meaning) -> Reported {
    Reported {
        name: name.into(),
        value,
        impact: m.impact,
        meaning: m.title.to_string(),
        areas: m.areas.to_vec(),
        fix: m.fix.into(),
        advice: None,
    }
}

static PERCENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(\d+(?:\.\d+)?)\s*%").unwrap());
static RATIO: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+)\s*(?:/|out of|of)\s*(\d+)").unwrap());
static DURATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\d+(?:\.\d+)?)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)\b").unwrap()
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?").unwrap()
});

/// `80%`, `4/5`, `4 out of 5` → percent.
pub fn percent(text: &str) -> Option<f64> {
    if let Some(c) = PERCENT.captures(text) {
        return c[1].parse().ok();
    }
    let c = RATIO.captures(text)?;
    let (a, b): (f64, f64) = (c[1].parse().ok()?, c[2].parse().ok()?);
    (b > 0.0 && a <= b).then(|| a / b * 100.0)
}

/// `8.2s`, `8200 ms`, `3 days`, `36 hours` → seconds (the largest stated duration).
pub fn duration_secs(text: &str) -> Option<f64> {
    DURATION
        .captures_iter(text)
        .filter_map(|c| {
            let n: f64 = c[1].parse().ok()?;
            let unit = c[2].to_ascii_lowercase();
            let factor = match unit.as_str() {
                "ms" | "millisecond" | "milliseconds" => 0.001,
                "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
                "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
                "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
                "d" | "day" | "days" => 86_400.0,
                _ => 604_800.0,
            };
            Some(n * factor)
        })
        .reduce(f64::max)
}

/// `2026-11-25`, `2026-11-25T03:00:00Z`, `2026-11-25 03:00` → Unix seconds (UTC).
pub fn timestamp(text: &str) -> Option<i64> {
    let c = DATE.captures(text)?;
    let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<i64>().ok());
    let (y, m, d) = (num(1)?, num(2)?, num(3)?);
    let (h, mi, s) = (num(4), num(5), num(6));
    unix_utc(y, m, d, h.unwrap_or(0), mi.unwrap_or(0), s.unwrap_or(0)).ok()
}

fn contains_word(text: &str, words: &[&str]) -> bool {
    let lower = text.to_ascii_lowercase();
    lower
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| words.contains(&w))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::parse;

    const NOW: i64 = 1_795_824_000; // 2026-11-28T00:00:00Z

    fn filed(at: i64) -> ReportedAt {
        ReportedAt {
            at,
            basis: crate::clock::Basis::Filed,
        }
    }

    #[test]
    fn numbers_are_read() {
        assert_eq!(percent("80%"), Some(80.0));
        assert_eq!(percent("2/5 runs"), Some(40.0));
        assert_eq!(percent("none"), None);
        assert_eq!(duration_secs("8.2s"), Some(8.2));
        assert_eq!(duration_secs("8200 ms"), Some(8.2));
        assert_eq!(duration_secs("3 days"), Some(259_200.0));
        assert_eq!(timestamp("2026-11-28T00:00:00Z"), Some(NOW));
        assert_eq!(timestamp("1970-01-02"), Some(86_400));
        // Issue 24: a date that does not exist is no date (it used to roll into March).
        assert_eq!(timestamp("last sync 2026-02-31 10:00"), None);
        assert_eq!(timestamp("2026-11-28 25:00"), None);
        assert_eq!(timestamp("2028-02-29 10:00"), Some(1_835_431_200));
    }

    #[test]
    fn reported_values_have_meanings() {
        let body = "- **Success Rate**: 40% (2/5)\n- **Latency**: 8.2s\n- **Stale Data**: 3 days\n- **Sync Status**: 2026-11-25 03:00 UTC\n- **Throttling**: Yes\n\n```json\n{\"status\": 401, \"error\": \"Unauthorized\"}\n```\n";
        let issue = parse(body);
        let r = reported(&issue, &Thresholds::default(), "sync_status", &filed(NOW));
        let get = |n: &str| {
            r.iter()
                .find(|x| x.name == n)
                .unwrap_or_else(|| panic!("{n} in {r:?}"))
        };
        assert_eq!(get("Response status").impact, Impact::Critical);
        assert_eq!(get("Success Rate").impact, Impact::Degraded);
        assert_eq!(get("Latency").impact, Impact::Degraded);
        assert_eq!(get("Stale Data").impact, Impact::Critical);
        assert_eq!(get("Sync Status").impact, Impact::Critical);
        assert!(
            get("Sync Status")
                .meaning
                .contains("2 d 21 h before the issue was filed"),
            "{:?}",
            get("Sync Status")
        );
        assert_eq!(get("Throttling").impact, Impact::Degraded);
    }

    #[test]
    fn ages_are_measured_when_the_issue_reported_them_not_now() {
        let issue = parse(
            "- **Sync Status**: 2026-11-27 21:00 UTC\n- **Last Run**: 2026-11-27T21:00:00Z\n",
        );
        let t = Thresholds::default();
        // Filed 3 h after the last sync: fine, whenever the bot reads it.
        let r = reported(&issue, &t, "sync_status", &filed(NOW));
        assert!(r.iter().all(|x| x.impact == Impact::None), "{r:?}");
        // The same text reported three days later is stale.
        let r = reported(&issue, &t, "sync_status", &filed(NOW + 3 * 86_400));
        assert!(r.iter().all(|x| x.impact == Impact::Critical), "{r:?}");
        assert!(
            r[0].meaning.contains("3 d 3 h before the issue was filed"),
            "{r:?}"
        );
        assert!(r[1].meaning.starts_with("the sync job last ran"), "{r:?}");
    }

    #[test]
    fn a_time_after_the_report_is_flagged_and_ignored_for_severity() {
        // Someone typed 2027 for 2026: a day after the issue was filed.
        let issue = parse("- **Sync Status**: 2026-11-29 00:00 UTC\n");
        let r = reported(&issue, &Thresholds::default(), "sync_status", &filed(NOW));
        assert_eq!(r[0].impact, Impact::None);
        assert!(r[0].meaning.contains("probably mistyped"), "{r:?}");
        // A few minutes ahead is a clock difference, not a mistake.
        let issue = parse("- **Sync Status**: 2026-11-28 00:10 UTC\n");
        let r = reported(&issue, &Thresholds::default(), "sync_status", &filed(NOW));
        assert_eq!(r[0].meaning, "");
    }

    #[test]
    fn healthy_values_are_not_problems() {
        let issue = parse(
            "- **Success Rate**: 99%\n- **Latency**: 300ms\n- **Sync Status**: 2026-11-27T23:00:00Z\n",
        );
        let r = reported(&issue, &Thresholds::default(), "sync_status", &filed(NOW));
        assert_eq!(r.len(), 3);
        assert!(r.iter().all(|x| x.impact == Impact::None), "{r:?}");
    }

    #[test]
    fn postgrest_codes_win_over_status() {
        let issue = parse(
            "```json\n{\"code\":\"PGRST205\",\"message\":\"Could not find the table\",\"status\":404}\n```\n",
        );
        let r = reported(&issue, &Thresholds::default(), "sync_status", &filed(NOW));
        assert_eq!(r[0].impact, Impact::Critical);
        assert!(r[0].areas.contains(&Area::Database));
    }
}
