//! What the watch remembers between runs besides the incident, against the fake GitHub
//! and the real PostgreSQL with the bot's clock moving: the tables' row counts (a table
//! that lost most of its rows since the watch last counted it opens the issue again) and
//! the metric columns it saw non-zero (a column wiped to zero later is a wipe to the watch
//! too, not a column never filled). Both are kept in the memory block of the watch's own
//! issue and refreshed only when the watch writes that issue anyway.

use crate::action_harness;
use crate::support;
use crate::watch_oncall::{H, MEMORY, T0, at, notes, sync_at, watch_issues, watching};

use action_harness::Harness;
use pendo_triage::live::supabase::thousands;
use serde_json::Value;
use support::pg::{Pg, Reference};

/// The memory block of the watch's issue `n`, as JSON.
fn memory(h: &Harness, n: u64) -> Value {
    use base64::Engine;
    let body = h.gh.issue(n).body;
    let start = body.rfind(MEMORY).expect("a memory block") + MEMORY.len();
    let end = start + body[start..].find("-->").unwrap();
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body[start..end].trim())
        .unwrap();
    serde_json::from_slice(&json).unwrap()
}

/// A line as the job summary shows it (markdown-escaped).
fn md(line: &str) -> String {
    line.replace('_', "\\_")
}

fn rows(pg: &Pg, table: &str) -> u64 {
    let v = pg.query_json(&format!("select count(*) as n from public.{table}"));
    v[0]["n"].as_u64().unwrap_or_else(|| panic!("{v}"))
}

#[test]
fn a_table_that_lost_most_of_its_rows_since_the_last_count_reopens_the_issue() {
    let mut h = watching("memory-rows");
    // A sustained breakage opens the issue; its memory holds the tables' counts.
    at(&mut h, T0, &sync_at(T0, 8, &[]));
    let n = watch_issues(&h)[0].number;
    let m = memory(&h, n);
    let full = m["rows"]["pendo_guides"]["rows"].as_u64().expect("counted");
    assert_eq!(m["rows"]["pendo_guides"]["at"], T0, "{m}");
    assert!(full >= 20, "{m}");
    for table in [
        "pendo_features",
        "pendo_pages",
        "pendo_reports",
        "pendo_events",
    ] {
        assert!(m["rows"][table]["rows"].as_u64().is_some(), "{table}: {m}");
    }

    // A week of completed runs: closed, and the close refreshes the counts.
    let t1 = T0 + 7 * 24 * H;
    at(&mut h, t1, &sync_at(t1, 0, &[]));
    assert_eq!(h.gh.issue(n).state, "closed");
    assert_eq!(memory(&h, n)["rows"]["pendo_guides"]["at"], t1);

    // 20 h later every run completed and the data is fresh, but most guides are gone.
    let t2 = t1 + 20 * H;
    let pg = sync_at(t2, 0, &[]);
    pg.exec("delete from public.pendo_guides where ctid in (select ctid from public.pendo_guides offset 5);");
    assert_eq!(rows(&pg, "pendo_guides"), 5);
    let run = at(&mut h, t2, &pg);
    let line = format!(
        "pendo_guides fell from {} to 5 rows since yesterday",
        thousands(full)
    );
    assert!(run.summary.contains("📉 **Row counts**"), "{}", run.summary);
    assert!(
        run.summary.contains(&format!("- ❌ {}", md(&line))),
        "{}",
        run.summary
    );
    // The issue is reopened (within a day of closing), and its report says why.
    assert_eq!(watch_issues(&h).len(), 1, "{:?}", h.gh.issues());
    assert_eq!(h.gh.issue(n).state, "open");
    assert!(
        run.summary.contains(&format!("reopened #{n}")),
        "{}",
        run.summary
    );
    let said = notes(&h, n);
    assert!(
        said.last().unwrap().contains("`supabase.tables`"),
        "{said:?}"
    );
    let report = &h.reports(n)[0];
    assert!(report.contains("🔴 P0"), "{report}");
    assert!(
        report.contains(&format!("| `supabase.tables` | ❌ fail | {} |", md(&line))),
        "{report}"
    );
    // The memory keeps the earlier count while the rows stay fallen.
    let m = memory(&h, n);
    assert_eq!(m["rows"]["pendo_guides"]["rows"], full, "{m}");
    assert_eq!(m["rows"]["pendo_guides"]["at"], t1, "{m}");
    assert_eq!(m["rows"]["pendo_reports"]["at"], t2, "{m}");

    // An hour later, still fallen: still told (against the count kept), no new comment.
    let t3 = t2 + H;
    let pg = sync_at(t3, 0, &[]);
    pg.exec("delete from public.pendo_guides where ctid in (select ctid from public.pendo_guides offset 5);");
    let run = at(&mut h, t3, &pg);
    assert!(
        run.summary.contains(&md(&format!(
            "pendo_guides fell from {} to 5 rows since yesterday",
            thousands(full)
        ))),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains(&format!("#{n} stays open")),
        "{}",
        run.summary
    );
    // The report still says it: the watch's memory is its evidence on every run.
    let report = &h.reports(n)[0];
    assert!(report.contains("🔴 P0"), "{report}");
    assert!(report.contains(&md(&line)), "{report}");
    assert_eq!(notes(&h, n).len(), said.len());
    assert!(
        !h.write_lines()
            .iter()
            .any(|w| w.contains("/comments ->") && w.starts_with("POST")),
        "{:?}",
        h.write_lines()
    );
}

#[test]
fn a_small_drop_is_shown_and_opens_nothing() {
    let mut h = watching("memory-rows-small");
    at(&mut h, T0, &sync_at(T0, 8, &[]));
    let n = watch_issues(&h)[0].number;
    let full = memory(&h, n)["rows"]["pendo_features"]["rows"]
        .as_u64()
        .unwrap();
    let t1 = T0 + 7 * 24 * H;
    at(&mut h, t1, &sync_at(t1, 0, &[]));
    assert_eq!(h.gh.issue(n).state, "closed");
    // Two days later (past the reopen window), a third of the features are gone: past
    // the band (15 % at the default sensitivity), short of half.
    let t2 = t1 + 48 * H;
    let pg = sync_at(t2, 0, &[]);
    let keep = full - full / 3;
    pg.exec(&format!("delete from public.pendo_features where ctid in (select ctid from public.pendo_features offset {keep});"));
    let run = at(&mut h, t2, &pg);
    assert!(
        run.summary.contains(&md(&format!(
            "- ⚠️ pendo_features fell from {} to {} rows in the last 2 d",
            thousands(full),
            thousands(keep)
        ))),
        "{}",
        run.summary
    );
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert_eq!(h.gh.issue(n).state, "closed");
    assert_eq!(watch_issues(&h).len(), 1);
}

/// The reference deployment (metric columns), with `completions` filled on `filled`
/// guides (it never fills them: a test's stand-in for a deployment that does).
fn reference(now: i64, filled: u64, scheduled: bool) -> Pg {
    let pg = Pg::start();
    let r = Reference::new(now);
    let r = if scheduled { r } else { r.unscheduled() };
    r.load(&pg);
    if filled > 0 {
        pg.exec(&format!(
            "update public.pendo_guides set completions = 3 where ctid in (select ctid from public.pendo_guides limit {filled});"
        ));
    }
    pg
}

#[test]
fn a_metric_the_watch_saw_non_zero_and_zero_now_is_a_wipe_to_the_watch() {
    let mut h = watching("memory-metrics");
    // The job is gone: the watch opens its issue, and remembers the metric columns it
    // saw non-zero.
    at(&mut h, T0, &reference(T0, 40, false));
    let n = watch_issues(&h)[0].number;
    let m = memory(&h, n);
    assert_eq!(m["metrics"]["pendo_guides"]["completions"], 40, "{m}");
    assert!(
        m["metrics"]["pendo_guides"]["views"].as_u64().is_some(),
        "{m}"
    );
    // A week later all is well: closed, the memory refreshed.
    let t1 = T0 + 7 * 24 * H;
    let run = at(&mut h, t1, &reference(t1, 40, true));
    assert_eq!(h.gh.issue(n).state, "closed", "{}", run.summary);

    // Two days later a run wrote 0 over completions. Nothing in the tables says it was
    // ever filled (no event counts it): only the watch's memory does.
    let t2 = t1 + 48 * H;
    let run = at(&mut h, t2, &reference(t2, 0, true));
    let issues = watch_issues(&h);
    assert_eq!(issues.len(), 2, "{}", run.summary);
    let new = issues.iter().find(|i| i.number != n).unwrap();
    assert_eq!(new.state, "open");
    assert!(
        new.title
            .contains("Analytics wiped: completions are 0 on all 118 guides; an earlier measurement saw it non-zero on 40 of them"),
        "{}",
        new.title
    );
    assert!(
        run.summary.contains(&format!("opened #{}", new.number)),
        "{}",
        run.summary
    );
    // Its report judges as the watch did: the watch's memory is its evidence too.
    let report = &h.reports(new.number)[0];
    assert!(report.contains("🔴 P0"), "{report}");
    assert!(
        report.contains("| `supabase.analytics` | ❌ fail | Analytics wiped: completions are 0 on all 118 guides"),
        "{report}"
    );
    // The new issue's memory carries the earlier count while the column reads as wiped.
    assert_eq!(
        memory(&h, new.number)["metrics"]["pendo_guides"]["completions"],
        40
    );
}
