//! The on-call states as tables of runs, and the memory's round trip.

use super::*;
use crate::finding::{Impact, Status};
use crate::history::{Run, from_rows};
use crate::issue::DataType;

const NOW: i64 = 1_795_860_000;
const H: i64 = 3600;

/// Runs every 6 h ending at `NOW - 1 h`, oldest first: `F` failed, `C` completed.
fn hist(entity: &str, pattern: &str) -> History {
    let n = pattern.len() as i64;
    let rows = pattern.chars().enumerate().map(|(i, c)| {
        let at = NOW - H - (n - 1 - i as i64) * 6 * H;
        let outcome = if c == 'F' {
            Outcome::Failed
        } else {
            Outcome::Completed
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
    let _ = Run {
        at: 0,
        records: None,
        outcome: Outcome::Other,
    };
}
