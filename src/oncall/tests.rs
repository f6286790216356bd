//! The on-call states as tables of runs, and the memory's round trip.

use super::*;
use crate::finding::{Impact, Status};
use crate::history::{SyncRun, from_rows};
use crate::issue::DataType;

const NOW: i64 = 1_795_860_000;
const H: i64 = 3600;

/// Runs every 6 h ending at `NOW - 1 h`, oldest first: `F` failed, `C` completed.
fn hist(entity: &str, pattern: &str) -> History {
    let n = pattern.len() as i64;
    let rows = pattern.chars().enumerate().map(|(i, c)| {
        let at = NOW - H - (n - 1 - i as i64) * 6 * H;
        let outcome = if c == 'F' {
            RunOutcome::Failed
        } else {
            RunOutcome::Completed
        };
        (Some(at), Some(if c == 'F' { 0 } else { 1200 }), outcome)
    });
    from_rows(entity, rows, 24, NOW)
}

fn health(pattern: &str, log_fails: bool, extra: Option<Finding>) -> Health {
    let status = if log_fails {
        Status::Fail
    } else {
        Status::Pass
    };
    let mut log = Finding::new(CheckId::SupabaseSyncLog, status, "the latest runs failed")
        .with_impact(if log_fails {
            Impact::Critical
        } else {
            Impact::None
        });
    log.history = vec![hist("guides", pattern)];
    let mut fs = vec![log];
    fs.extend(extra);
    Health {
        rows: vec![(DataType::Guides, fs)],
    }
}

fn w() -> WatchSettings {
    WatchSettings::default()
}

use crate::finding::Finding;

#[test]
fn one_failed_run_is_a_blip_two_are_a_breakage() {
    assert_eq!(
        judge(&health("CCCCF", true, None), None, &w()),
        Judgement::Blip
    );
    assert_eq!(
        judge(&health("CCCFF", true, None), None, &w()),
        Judgement::Broken
    );
    // A failed run between completed ones, the log passing now: still shown as a blip.
    assert_eq!(
        judge(&health("CCFCC", false, None), None, &w()),
        Judgement::Healthy
    );
    assert_eq!(
        judge(&health("CCCCC", false, None), None, &w()),
        Judgement::Healthy
    );
    let three = WatchSettings {
        open_after_runs: 3,
        ..w()
    };
    assert_eq!(
        judge(&health("CCCFF", true, None), None, &three),
        Judgement::Blip
    );
    // Stale data opens at once, whatever the runs say.
    let stale = Finding::new(CheckId::SupabaseFreshness, Status::Fail, "stale")
        .with_impact(Impact::Critical);
    assert_eq!(
        judge(&health("CCCCC", false, Some(stale)), None, &w()),
        Judgement::Broken
    );
    // Nothing concluded: nothing to judge.
    assert_eq!(judge(&Health::default(), None, &w()), Judgement::Unknown);
}

#[test]
fn recovery_holds_only_after_close_after_runs() {
    let since = Some(NOW - 10 * 24 * H);
    assert_eq!(
        judge(&health("FFFFC", false, None), since, &w()),
        Judgement::Recovering { done: 1, of: 2 }
    );
    assert_eq!(
        judge(&health("FFFCC", false, None), since, &w()),
        Judgement::Recovered
    );
    // A failure while recovering starts the count again, and opens nothing new.
    assert_eq!(
        judge(&health("FFCCF", true, None), since, &w()),
        Judgement::Recovering { done: 0, of: 2 }
    );
    // Runs before the watch found it broken do not count (a paused job ran none since).
    assert_eq!(
        judge(&health("CCCCC", false, None), Some(NOW - 2 * H), &w()),
        Judgement::Recovering { done: 1, of: 2 }
    );
    let e = entity(&hist("guides", "CCFF"), None, &w());
    assert_eq!((e.condition, e.failed_in_a_row), (Condition::Broken, 2));
    assert_eq!(e.last_completed, Some(NOW - H - 12 * H));
    assert_eq!(e.latest_count, Some(0));
}

#[test]
fn the_memory_round_trips_and_only_its_block_changes() {
    let m = Memory::new(NOW - 5 * H, vec!["supabase.cron".into()]);
    let body = "### Problem\r\n\r\ntext\r\n\r\n<!-- pendo-triage:watch -->\r\n";
    let with = m.written_into(body);
    assert!(with.starts_with("### Problem\r\n\r\ntext\r\n\r\n<!-- pendo-triage:watch -->"));
    assert_eq!(Memory::read(&with, NOW), Some(m.clone()));
    let later = Memory {
        told_at: NOW,
        ..m.clone()
    };
    let again = later.written_into(&with);
    assert_eq!(again.matches(MEMORY_PREFIX).count(), 1);
    assert_eq!(
        again.replace(&later.encode(), ""),
        with.replace(&m.encode(), "")
    );
    assert_eq!(Memory::read(&again, NOW), Some(later));
    // From the future, unreadable, or naming unknown checks: not believed as written.
    assert_eq!(Memory::read(&with, NOW - 6 * H), None);
    assert_eq!(Memory::read(&format!("{MEMORY_PREFIX}!!! -->"), NOW), None);
    let odd = Memory::new(NOW, vec!["supabase.cron".into(), "rm -rf".into()]);
    assert_eq!(
        Memory::read(&odd.written_into(""), NOW).unwrap().told,
        vec!["supabase.cron"]
    );
    // The block is no secret to the scanner that reads issue bodies.
    assert!(crate::secrets::find(&with).is_empty());
}

#[test]
fn reminders_say_what_changed_or_for_how_long_nothing_did() {
    let m = Memory::new(NOW - 25 * H, vec!["supabase.sync-log".into()]);
    let same = reminder(&m, &["supabase.sync-log".into()], NOW);
    assert!(same.starts_with(REMINDER_MARKER));
    assert!(
        same.contains("⏰ **Still broken** at 2026-11-28 10:00 UTC: unchanged for 25 h (`supabase.sync-log` failing)."),
        "{same}"
    );
    let changed = reminder(&m, &["supabase.cron".into()], NOW);
    assert!(changed.contains("changed in the last 25 h. Now failing: `supabase.cron`. Passing again: `supabase.sync-log`."), "{changed}");
    let r = reopened_comment(NOW - 3 * H, &["supabase.sync-log".into()], NOW);
    assert!(
        r.contains(
            "🔁 **Broken again** at 2026-11-28 10:00 UTC, 3 h 0 min after this issue was closed"
        ),
        "{r}"
    );
}

#[test]
fn the_summary_has_a_state_and_an_age_per_entity() {
    let rows = vec![
        entity(&hist("guides", "CCCCF"), None, &w()),
        entity(&hist("events", "CCCCC"), None, &w()),
    ];
    let t = summary_table(&rows, NOW);
    assert!(t.contains("| Entity | State | Last completed run | Latest count | Usual band |"));
    assert!(
        t.contains("| guides | 🟡 blip (1 failed in a row) | 7 h 0 min ago | 0 | — |"),
        "{t}"
    );
    assert!(
        t.contains("| events | ✅ healthy | 1 h 0 min ago | 1200 | — |"),
        "{t}"
    );
    let _ = SyncRun {
        at: 0,
        records: None,
        outcome: RunOutcome::Other,
    };
}

fn counted(rows: u64, at: i64) -> Counted {
    Counted { rows, at }
}

#[test]
fn the_memory_keeps_row_counts_and_holds_a_fallen_one_for_a_week() {
    let s = crate::anomaly::Settings::default();
    let earlier = Memory {
        rows: [
            ("pendo_guides".to_string(), counted(548, NOW - 24 * H)),
            ("pendo_pages".to_string(), counted(300, NOW - 24 * H)),
        ]
        .into(),
        ..Memory::new(NOW - 48 * H, vec![])
    };
    let now_rows = vec![
        ("pendo_guides".to_string(), 120),
        ("pendo_pages".to_string(), 310),
        ("pendo_reports".to_string(), 12),
    ];
    let drops = row_drops(&earlier.rows, &now_rows, &s, NOW);
    assert_eq!(drops.len(), 1);
    assert_eq!(
        drops[0].1,
        "pendo_guides fell from 548 to 120 rows since yesterday"
    );
    assert!(is_large(&drops[0].0));
    let measured = Measured {
        metrics: None,
        rows: now_rows.clone(),
    };
    // A new memory carries the earlier one's measurements; the fallen table keeps its
    // earlier count, the others take today's.
    let kept = Memory::new(NOW, vec![]).with_measured(Some(&earlier), &measured, &s, NOW);
    assert_eq!(kept.rows["pendo_guides"], counted(548, NOW - 24 * H));
    assert_eq!(kept.rows["pendo_pages"], counted(310, NOW));
    assert_eq!(kept.rows["pendo_reports"], counted(12, NOW));
    // After a week the lower count is the table's size.
    let later = NOW + 7 * 24 * H;
    let moved = kept.clone().with_measured(None, &measured, &s, later);
    assert_eq!(moved.rows["pendo_guides"], counted(120, later));
    // The block round-trips; forged counts from the future or with long names are dropped.
    let back = Memory::read(&kept.written_into(""), NOW).unwrap();
    assert_eq!(back, kept);
    let mut forged = kept.clone();
    forged.rows.insert("x".repeat(64), counted(5, NOW));
    forged
        .rows
        .insert("pendo_future".into(), counted(5, NOW + H));
    assert_eq!(
        Memory::read(&forged.written_into(""), NOW).unwrap().rows,
        kept.rows
    );
}

#[test]
fn a_large_drop_fails_the_tables_check_a_small_one_warns() {
    let drop = |before, now| {
        let d = crate::anomaly::RowDrop {
            table: "pendo_guides".into(),
            before,
            now,
        };
        let line = d.phrase(24 * H);
        vec![(d, line)]
    };
    let tables = || {
        vec![Finding::pass(
            CheckId::SupabaseTables,
            "All 5 tables are there",
        )]
    };
    let mut fs = tables();
    tell_row_drops(&mut fs, &drop(548, 120));
    assert_eq!(
        (fs[0].status, fs[0].impact),
        (Status::Fail, Impact::Critical)
    );
    assert_eq!(
        fs[0].summary,
        "pendo_guides fell from 548 to 120 rows since yesterday"
    );
    assert_eq!(fs[0].evidence[0], "All 5 tables are there (this run)");
    assert!(fs[0].next_steps[0].contains("restore them"));
    let mut fs = tables();
    tell_row_drops(&mut fs, &drop(548, 400));
    assert_eq!(
        (fs[0].status, fs[0].impact),
        (Status::Warn, Impact::Degraded)
    );
    // A finding that already fails keeps its summary; no drop changes nothing.
    let mut fs = vec![Finding::new(
        CheckId::SupabaseTables,
        Status::Fail,
        "pendo_pages is missing",
    )];
    tell_row_drops(&mut fs, &drop(548, 120));
    assert_eq!(fs[0].summary, "pendo_pages is missing");
    assert!(fs[0].evidence[0].contains("fell from 548 to 120"));
    let mut fs = tables();
    tell_row_drops(&mut fs, &[]);
    assert_eq!(fs, tables());
    let summary = row_drop_summary(&drop(548, 120));
    assert!(
        summary.contains("- ❌ pendo\\_guides fell from 548 to 120 rows since yesterday"),
        "{summary}"
    );
}
