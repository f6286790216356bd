//! `supabase.freshness`: how old is the newest row of each table, against the freshness
//! threshold ("Alert if > 24 hours old") and, when the sync job's schedule is known, against
//! that schedule (a 6-hourly job is overdue at 6.5 h).

use super::schedule;
use super::tables::{TableFacts, TableState};
use crate::checks::{CheckId, Finding, Impact, Status};
use crate::clock::{format_utc, human_age, parse_rfc3339};
use crate::config::Thresholds;
use crate::issue::DataType;
use crate::live::{Live, LiveInputs};
use std::time::Duration;

const ID: CheckId = CheckId::SupabaseFreshness;

/// The finding. `now` is Unix seconds; `interval` is how often the sync job runs, when
/// known.
pub fn judge(
    facts: &[TableFacts],
    focus: Option<DataType>,
    t: &Thresholds,
    interval: Option<Duration>,
    now: i64,
) -> Finding {
    let limit = t.freshness_hours as i64 * 3600;
    let mut stale = Vec::new();
    let mut overdue = Vec::new();
    let mut ages: Vec<(String, DataType, i64)> = Vec::new();
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
        ages.push((f.table.clone(), f.data_type, age));
        let line = format!(
            "{}: newest row {} old ({})",
            f.table,
            human_age(age as f64),
            format_utc(at)
        );
        if age > limit {
            stale.push(line);
        } else if let Some(i) = interval
            && age > schedule::grace(i).as_secs() as i64
        {
            overdue.push(format!("{line}; the job runs {}", schedule::describe(i)));
        }
    }
    if ages.is_empty() {
        return Finding::skip(
            ID,
            "no table has a row with a freshness value (see supabase.tables)",
        );
    }
    let mut f = if !stale.is_empty() {
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
        let oldest = ages.iter().map(|a| a.2).max().unwrap_or(0);
        Finding::pass(
            ID,
            format!(
                "Fresh: every table's newest row is at most {} old{}",
                human_age(oldest as f64),
                interval.map_or(String::new(), |i| format!(
                    " (the job runs {})",
                    schedule::describe(i)
                ))
            ),
        )
    };
    for (table, _, age) in &ages {
        f = f.with_evidence(format!("{table}: {}", human_age(*age as f64)));
    }
    let shown = ages
        .iter()
        .find(|a| Some(a.1) == focus)
        .or_else(|| ages.iter().max_by_key(|a| a.2));
    if let Some((table, _, age)) = shown {
        f = f.with_measured(
            "Stale Data",
            format!("{} (newest {table} row)", human_age(*age as f64)),
        );
    }
    f
}

/// `supabase.freshness` for this issue.
pub async fn check(live: &Live, inputs: &LiveInputs) -> Finding {
    let Some(s) = &live.supabase else {
        return Finding::skip(ID, "no Supabase access");
    };
    let facts = match s.table_facts(&live.config).await {
        Ok(f) => f,
        Err(e) => return crate::live::fetch_error(ID, "reading the tables", e),
    };
    // The schedule is a bonus: without pg_cron's facts, the threshold alone judges.
    let interval = s.schedule_interval(&live.config, live.now).await;
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
}
