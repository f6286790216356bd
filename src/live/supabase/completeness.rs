//! `supabase.completeness`: does Supabase hold what Pendo holds? The issue's data type's
//! row count against Pendo's count and the issue's Expected Record Count, as a percentage
//! against the threshold.
//!
//! No request of its own: it reads the count `pendo.endpoint` fetched and the one
//! `supabase.tables` fetched, once both are in.

use super::tables::{Count, TableState};
use super::thousands;
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::issue::DataType;
use crate::live::{Live, LiveInputs};

const ID: CheckId = CheckId::SupabaseCompleteness;

/// Where the share Supabase holds stands against the threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Under half the threshold.
    FarBelow,
    /// Under the threshold.
    Partial,
    /// More than 110%: more than Pendo lists.
    Over,
    Complete,
}

impl Level {
    fn of(pct: f64, threshold: f64) -> Level {
        if pct < threshold / 2.0 {
            Level::FarBelow
        } else if pct < threshold {
            Level::Partial
        } else if pct > 110.0 {
            Level::Over
        } else {
            Level::Complete
        }
    }

    fn finding(self, figures: String, threshold: f64) -> Finding {
        match self {
            Level::FarBelow => Finding::new(
                ID,
                Status::Fail,
                format!("{figures}: far below the {threshold}% threshold"),
            )
            .with_impact(Impact::Critical),
            Level::Partial => Finding::new(
                ID,
                Status::Warn,
                format!("{figures}: partial data, under the {threshold}% threshold"),
            )
            .with_impact(Impact::Degraded),
            Level::Over => Finding::new(
                ID,
                Status::Warn,
                format!(
                    "{figures}: more than Pendo lists (rows deleted in Pendo are kept, or duplicates)"
                ),
            ),
            Level::Complete => Finding::pass(ID, figures),
        }
    }
}

/// `have` as a percentage of `want` (none of none is all of it).
fn percent(have: u64, want: u64) -> f64 {
    if want == 0 {
        if have == 0 { 100.0 } else { f64::INFINITY }
    } else {
        have as f64 * 100.0 / want as f64
    }
}

/// The finding. `supabase` is the table's count, `pendo` Pendo's (all apps).
pub fn judge(
    data_type: DataType,
    table: &str,
    supabase: Option<Count>,
    pendo: Option<u64>,
    expected: Option<u64>,
    threshold: f64,
) -> Finding {
    let Some(have) = supabase else {
        return Finding::new(
            ID,
            Status::Error,
            format!("no row count for {table} (see supabase.tables)"),
        );
    };
    let Some((want, source)) = pendo
        .map(|p| (p, "Pendo's"))
        .or(expected.map(|e| (e, "the issue's expected")))
    else {
        return Finding::new(
            ID,
            Status::Error,
            "no Pendo count to compare with (see pendo.endpoint)",
        );
    };
    let noun = data_type.as_str().to_ascii_lowercase();
    let pct = percent(have.rows, want);
    let share = if pct.is_finite() {
        format!("{pct:.0}%")
    } else {
        "more than none".into()
    };
    let figures = format!(
        "Supabase holds {} of {source} {} {noun} ({share})",
        have.show(),
        thousands(want),
    );
    let mut f = Level::of(pct, threshold).finding(figures, threshold);
    if f.status != Status::Pass {
        f = f.with_next_step(
            "Compare ids between the Pendo list and the table to find what is missing or extra, then resync that entity (with expand=* for every app).",
        );
    }
    if let (Some(e), Some(_)) = (expected, pendo) {
        let vs = if e == 0 {
            0.0
        } else {
            have.rows as f64 * 100.0 / e as f64
        };
        f = f.with_evidence(format!(
            "against the issue's expected {}: {vs:.0}%",
            thousands(e)
        ));
    }
    let vs = format!(
        "{} in Supabase vs {} in Pendo",
        have.show(),
        thousands(want)
    );
    f.with_measured("Data Validation", vs)
}

/// Events have no count in Pendo to compare with; and their newest hours are still on
/// their way (Pendo's processing lag), which no count of them may call missing.
fn events(lag_hours: u64) -> Finding {
    Finding::skip(
        ID,
        format!(
            "Pendo has no count of events to compare with; pendo.aggregation shows events per day (Pendo's event data arrives up to {lag_hours} h late: thresholds.event_lag_hours)"
        ),
    )
}

/// `supabase.completeness` for this issue, from what the other checks fetched.
pub fn check(live: &Live, inputs: &LiveInputs) -> Finding {
    let Some(data_type) = inputs.data_type else {
        return Finding::skip(ID, "the issue names no data type to compare");
    };
    if data_type == DataType::Events {
        return events(live.config.thresholds.event_lag_hours);
    }
    let Some(table) = live.config.table_for(data_type) else {
        return Finding::skip(ID, "no table is configured for this data type");
    };
    let supabase = live
        .supabase
        .as_ref()
        .and_then(|s| s.table_facts_now())
        .and_then(|facts| facts.as_ref().ok())
        .and_then(|facts| facts.iter().find(|t| t.data_type == data_type))
        .and_then(|t| match &t.state {
            TableState::Present { count, .. } => *count,
            _ => None,
        });
    let pendo = live
        .pendo
        .as_ref()
        .and_then(|p| p.listed_count(data_type))
        .map(|n| n as u64);
    judge(
        data_type,
        &table.name,
        supabase,
        pendo,
        inputs.expected_records,
        live.config.thresholds.completeness_percent,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(rows: u64) -> Option<Count> {
        Some(Count { rows, exact: true })
    }

    #[test]
    fn table() {
        let j = |have, pendo, expected| {
            judge(
                DataType::Guides,
                "pendo_guides",
                have,
                pendo,
                expected,
                95.0,
            )
        };
        let f = j(exact(412), Some(412), None);
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.summary, "Supabase holds 412 of Pendo's 412 guides (100%)");
        let f = j(exact(380), Some(412), Some(400));
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        assert!(f.summary.contains("(92%): partial data"), "{}", f.summary);
        assert_eq!(f.evidence, vec!["against the issue's expected 400: 95%"]);
        let f = j(exact(0), Some(412), None);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        let f = j(exact(500), Some(412), None);
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::None));
        // Without Pendo's count, the issue's expectation stands in.
        let f = j(exact(100), None, Some(1000));
        assert!(
            f.summary.contains("of the issue's expected 1,000"),
            "{}",
            f.summary
        );
        assert_eq!(j(None, Some(1), None).status, Status::Error);
        assert_eq!(j(exact(1), None, None).status, Status::Error);
    }

    #[test]
    fn events_are_not_counted_and_the_lag_is_said() {
        let f = events(8);
        assert_eq!(f.status, Status::Skip);
        assert!(
            f.summary.ends_with(
                "(Pendo's event data arrives up to 8 h late: thresholds.event_lag_hours)"
            ),
            "{}",
            f.summary
        );
        assert!(!f.summary.contains("stale"));
    }
}
