//! `supabase.freshness`: how old is the newest row of each table, against the freshness
//! threshold ("Alert if > 24 hours old") and, when the sync job's schedule is known, against
//! that schedule (a 6-hourly job is overdue at 6.5 h).
//!
//! Pendo's event data arrives hours late (its processing lag; connector teams report 4 to
//! 8 h), so the events table is allowed `thresholds.event_lag_hours` (default 8) on top of
//! both, and its evidence says so when the lag is what keeps it in time. A lag is never
//! called staleness.

use super::client::schedule;
use super::tables::{TableFacts, TableState};
use crate::clock::{format_utc, human_age, parse_rfc3339};
use crate::config::Thresholds;
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::issue::DataType;
use crate::live::{Live, LiveInputs};
use std::time::Duration;

const ID: CheckId = CheckId::SupabaseFreshness;

/// How far ahead of now a timestamp may be before it is a clock or data bug (clocks and
/// transaction times drift by seconds, not minutes).
const FUTURE_SKEW_SECS: i64 = 5 * 60;

/// How one table's newest row stands.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Age {
    /// Dated ahead of now by more than clocks drift: a clock or data bug.
    Future,
    /// Older than the freshness threshold.
    Stale,
    /// Within the threshold, but older than the job's schedule allows.
    Overdue(Duration),
    Fresh,
}

/// One table's newest row: when, how old (seconds, 0 when ahead), and how that stands.
struct Newest<'a> {
    table: &'a str,
    data_type: DataType,
    at: i64,
    age: i64,
    state: Age,
    /// The event lag allowed this table (seconds; 0 for every table but the events').
    lag: i64,
    /// In time only thanks to that lag.
    within_lag: bool,
}

impl Newest<'_> {
    /// The line that names a stale or overdue table (`None` for the others).
    fn late(&self) -> Option<String> {
        let line = format!(
            "{}: newest row {} old ({})",
            self.table,
            human_age(self.age as f64),
            format_utc(self.at)
        );
        let line = if self.lag > 0 {
            format!(
                "{line}, past Pendo's {} h event processing lag",
                self.lag / 3600
            )
        } else {
            line
        };
        match self.state {
            Age::Stale => Some(line),
            Age::Overdue(i) => Some(format!("{line}; the job runs {}", schedule::describe(i))),
            Age::Future | Age::Fresh => None,
        }
    }

    /// The evidence line of its age.
    fn age_line(&self) -> String {
        let age = human_age(self.age as f64);
        if self.within_lag {
            format!(
                "{}: {age}, within Pendo's {} h event processing lag (thresholds.event_lag_hours): not late",
                self.table,
                self.lag / 3600
            )
        } else {
            format!("{}: {age}", self.table)
        }
    }

    fn ahead(&self, now: i64) -> String {
        format!(
            "{}: newest row is dated {}, {} ahead of now",
            self.table,
            format_utc(self.at),
            human_age((self.at - now) as f64)
        )
    }
}

/// Every table's newest row that has a readable freshness value, classified; the events
/// table with `event_lag` seconds more on both the threshold and the schedule.
fn newest<'a>(
    facts: &'a [TableFacts],
    limit: i64,
    interval: Option<Duration>,
    event_lag: i64,
    now: i64,
) -> Vec<Newest<'a>> {
    let mut out = Vec::new();
    for f in facts {
        let TableState::Present {
            newest: Some(newest),
            ..
        } = &f.state
        else {
            continue;
        };
        let Some(at) = parse_rfc3339(newest) else {
            continue;
        };
        let age = (now - at).max(0);
        let lag = if f.data_type == DataType::Events {
            event_lag
        } else {
            0
        };
        let state_with = |lag: i64| {
            if at - now > FUTURE_SKEW_SECS {
                Age::Future
            } else if age > limit + lag {
                Age::Stale
            } else if let Some(i) = interval
                && age > schedule::grace(i).as_secs() as i64 + lag
            {
                Age::Overdue(i)
            } else {
                Age::Fresh
            }
        };
        let state = state_with(lag);
        out.push(Newest {
            table: &f.table,
            data_type: f.data_type,
            at,
            age,
            state,
            lag,
            within_lag: state == Age::Fresh && state_with(0) != Age::Fresh,
        });
    }
    out
}

/// The finding. `now` is Unix seconds; `interval` is how often the sync job runs, when
/// known.
pub fn judge(
    facts: &[TableFacts],
    focus: Option<DataType>,
    t: &Thresholds,
    interval: Option<Duration>,
    now: i64,
) -> Finding {
    let lag = t.event_lag_hours as i64 * 3600;
    let all = newest(facts, t.freshness_hours as i64 * 3600, interval, lag, now);
    let lines = |want: fn(&Age) -> bool| -> Vec<String> {
        all.iter()
            .filter(|n| want(&n.state))
            .filter_map(|n| n.late())
            .collect()
    };
    let stale = lines(|a| *a == Age::Stale);
    let overdue = lines(|a| matches!(a, Age::Overdue(_)));
    if all.iter().any(|n| n.state == Age::Future) {
        return future(&all, stale.into_iter().chain(overdue), now);
    }
    if all.is_empty() {
        return Finding::skip(
            ID,
            "no table has a row with a freshness value (see supabase.tables)",
        );
    }
    let f = if !stale.is_empty() {
        Finding::new(
            ID,
            Status::Fail,
            format!("Data is older than the {} h threshold: {}", t.freshness_hours, stale.join("; ")),
        )
        .with_impact(Impact::Critical)
        .with_next_step("Check that the pg_cron job is active and that its last runs succeeded (cron.job_run_details), then backfill the gap.")
    } else if !overdue.is_empty() {
        Finding::new(ID, Status::Warn, format!("A sync run is overdue: {}", overdue.join("; ")))
            .with_impact(Impact::Degraded)
            .with_next_step("Look at the last cron runs and the Edge Function's logs: the newest rows are older than the schedule allows.")
    } else {
        let oldest = all.iter().map(|n| n.age).max().unwrap_or(0);
        let every = interval.map_or(String::new(), |i| {
            format!(" (the job runs {})", schedule::describe(i))
        });
        let oldest = human_age(oldest as f64);
        Finding::pass(
            ID,
            format!("Fresh: every table's newest row is at most {oldest} old{every}"),
        )
    };
    with_ages(f, &all, focus)
}

/// Never freshness: a row from the future hides how old the real newest is. The other
/// tables' lateness (`late`) is still said, as evidence.
fn future(all: &[Newest], late: impl Iterator<Item = String>, now: i64) -> Finding {
    let ahead: Vec<String> = all
        .iter()
        .filter(|n| n.state == Age::Future)
        .map(|n| n.ahead(now))
        .collect();
    let f = Finding::new(
        ID,
        Status::Fail,
        format!(
            "A clock or data bug hides whether the data is fresh: {}",
            ahead.join("; ")
        ),
    )
    .with_impact(Impact::Critical)
    .with_next_step("Find the rows dated in the future (order by the freshness column desc) and fix what wrote them: a time zone stored as UTC, or a client clock. Until then freshness cannot be measured.");
    late.fold(f, Finding::with_evidence)
}

/// Every table's age as evidence, and the issue's table's (else the oldest) as measured.
fn with_ages(mut f: Finding, all: &[Newest], focus: Option<DataType>) -> Finding {
    for n in all {
        f = f.with_evidence(n.age_line());
    }
    let shown = all
        .iter()
        .find(|n| Some(n.data_type) == focus)
        .or_else(|| all.iter().max_by_key(|n| n.age));
    if let Some(n) = shown {
        f = f.with_measured(
            "Stale Data",
            format!("{} (newest {} row)", human_age(n.age as f64), n.table),
        );
    }
    f
}

/// `supabase.freshness` for this issue.
pub async fn check(live: &Live, inputs: &LiveInputs) -> Finding {
    let Some(s) = &live.supabase else {
        return Finding::skip(ID, "no Supabase access");
    };
    // Both asked at once. The schedule is a bonus: without pg_cron's facts, the
    // threshold alone judges.
    let (facts, interval) = tokio::join!(
        s.table_facts(&live.config),
        s.schedule_interval(&live.config, live.now)
    );
    let facts = match facts {
        Ok(f) => f,
        Err(e) => return crate::live::fetch_error(ID, "reading the tables", e),
    };
    judge(
        facts,
        inputs.data_type,
        &live.config.thresholds,
        interval,
        live.now,
    )
}

#[cfg(test)]
mod tests {
    use super::super::tables::Count;
    use super::*;

    const NOW: i64 = 1_795_860_000; // 2026-11-28T10:00:00Z

    fn table(dt: DataType, newest: &str) -> TableFacts {
        TableFacts {
            data_type: dt,
            table: format!("pendo_{}", dt.as_str().to_ascii_lowercase()),
            column: "last_synced".into(),
            state: TableState::Present {
                newest: Some(newest.into()),
                count: Some(Count {
                    rows: 5,
                    exact: true,
                }),
            },
        }
    }

    #[test]
    fn a_row_from_the_future_is_a_bug_never_freshness() {
        let t = Thresholds::default();
        let facts = [
            table(DataType::Guides, "2999-01-01T00:00:00+00:00"),
            table(DataType::Features, "2026-11-25T10:00:00+00:00"),
        ];
        let f = judge(&facts, Some(DataType::Guides), &t, None, NOW);
        assert_eq!(
            (f.status, f.impact),
            (Status::Fail, Impact::Critical),
            "{f:?}"
        );
        assert!(
            f.summary.starts_with("A clock or data bug hides whether the data is fresh: pendo_guides: newest row is dated 2999-01-01 00:00 UTC"),
            "{}",
            f.summary
        );
        assert!(!f.summary.contains("Fresh"), "{}", f.summary);
        // The other table's staleness is still said.
        assert!(
            f.evidence
                .iter()
                .any(|e| e.starts_with("pendo_features: newest row 3 d")),
            "{:?}",
            f.evidence
        );
        // A few seconds ahead is clock drift, not a bug.
        let drift = [table(DataType::Guides, "2026-11-28T10:00:30+00:00")];
        assert_eq!(judge(&drift, None, &t, None, NOW).status, Status::Pass);
    }

    #[test]
    fn against_the_threshold_and_the_schedule() {
        let t = Thresholds::default();
        let six = Some(Duration::from_secs(6 * 3600));
        let fresh = [table(DataType::Guides, "2026-11-28T06:00:00+00:00")];
        let f = judge(&fresh, Some(DataType::Guides), &t, six, NOW);
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert_eq!(
            f.summary,
            "Fresh: every table's newest row is at most 4 h 0 min old (the job runs every 6 h)"
        );
        assert_eq!(f.measured[0].1, "4 h 0 min (newest pendo_guides row)");
        // 7 h: not stale yet, but a 6-hourly job is overdue (at 6.5 h).
        let late = [table(DataType::Guides, "2026-11-28T03:00:00.123+00:00")];
        let f = judge(&late, None, &t, six, NOW);
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        assert!(
            f.summary.contains("the job runs every 6 h"),
            "{}",
            f.summary
        );
        assert_eq!(judge(&late, None, &t, None, NOW).status, Status::Pass);
        // 3 days: stale, whatever the schedule.
        let old = [
            table(DataType::Pages, "2026-11-25T09:00:00Z"),
            table(DataType::Guides, "2026-11-28T09:00:00Z"),
        ];
        let f = judge(&old, Some(DataType::Guides), &t, None, NOW);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(
            f.summary.contains("pendo_pages: newest row 3 d 1 h old"),
            "{}",
            f.summary
        );
        assert_eq!(f.measured[0].1, "1 h 0 min (newest pendo_guides row)");
        assert_eq!(judge(&[], None, &t, None, NOW).status, Status::Skip);
    }

    #[test]
    fn events_are_allowed_pendos_processing_lag_and_it_is_never_called_staleness() {
        let t = Thresholds::default();
        let six = Some(Duration::from_secs(6 * 3600));
        // Events 10 h old beside guides 2 h old, a 6-hourly job: the lag, not overdue.
        let facts = [
            table(DataType::Guides, "2026-11-28T08:00:00Z"),
            table(DataType::Events, "2026-11-28T00:00:00Z"),
        ];
        let f = judge(&facts, Some(DataType::Events), &t, six, NOW);
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(
            f.evidence.contains(&"pendo_events: 10 h 0 min, within Pendo's 8 h event processing lag (thresholds.event_lag_hours): not late".to_string()),
            "{:?}",
            f.evidence
        );
        let said = format!("{} {:?}", f.summary, f.evidence).to_lowercase();
        assert!(
            !said.contains("stale") && !said.contains("overdue"),
            "{said}"
        );
        // The same age on guides is overdue: the lag is for events only.
        let guides = [table(DataType::Guides, "2026-11-28T00:00:00Z")];
        assert_eq!(judge(&guides, None, &t, six, NOW).status, Status::Warn);
        // 30 h: within 24 h + 8 h, so not stale; 33 h is, and the line says the lag was allowed.
        let day = [table(DataType::Events, "2026-11-27T04:00:00Z")];
        assert_eq!(judge(&day, None, &t, None, NOW).status, Status::Pass);
        let old = [table(DataType::Events, "2026-11-27T01:00:00Z")];
        let f = judge(&old, None, &t, None, NOW);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(
            f.summary.ends_with("pendo_events: newest row 1 d 9 h old (2026-11-27 01:00 UTC), past Pendo's 8 h event processing lag"),
            "{}",
            f.summary
        );
        // A lag of 0 judges events like any table.
        let none = Thresholds {
            event_lag_hours: 0,
            ..Thresholds::default()
        };
        assert_eq!(judge(&facts, None, &none, six, NOW).status, Status::Warn);
    }
}
