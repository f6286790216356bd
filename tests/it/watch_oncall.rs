//! The watch as an on-call tool, as a scripted week against the fake GitHub and the real
//! PostgreSQL: a blip opens nothing, a sustained breakage opens one issue, the first good
//! run after it is "recovering", a week of completed runs closes it as completed, a
//! breakage within a day reopens it, and while it stays broken one reminder a day is all
//! the watch adds. The bot's clock (`PENDO_TRIAGE_NOW`) moves; the sync's history is
//! loaded relative to it at every step.

use crate::action_harness;
use crate::support;

use action_harness::{Harness, Run, TEMPLATE_LABELS};
use serde_json::json;
use support::IssueSpec;
use support::pg::{History, Pg, run_start};

/// 2026-11-28T10:00:00Z.
pub(crate) const T0: i64 = 1_795_860_000;
pub(crate) const H: i64 = 3600;
pub(crate) const WATCH_MARKER: &str = "<!-- pendo-triage:watch -->";
pub(crate) const MEMORY: &str = "<!-- pendo-triage:watch-memory ";

/// The sync at `now`: a healthy week, then its `failed` newest runs failed for
/// `entities` (every entity when empty).
pub(crate) fn sync_at(now: i64, failed: usize, entities: &[&str]) -> Pg {
    let pg = Pg::start();
    pg.load(History::Healthy, now);
    if failed > 0 {
        let from = run_start(now, failed - 1);
        let which = if entities.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = entities.iter().map(|e| format!("'{e}'")).collect();
            format!(" and entity_type in ({})", list.join(", "))
        };
        pg.exec(&format!(
            "update public.sync_status set status = 'failed', records_processed = 0, error_message = 'Pendo API error 429 Too Many Requests' where last_sync_start >= to_timestamp({from}){which};"
        ));
    }
    pg
}

pub(crate) fn utc(t: i64) -> String {
    pendo_triage::clock::format_utc(t)
        .replace(' ', "T")
        .replace("TUTC", ":00Z")
}

/// One scheduled run at `now` against `pg`.
pub(crate) fn at(h: &mut Harness, now: i64, pg: &Pg) -> Run {
    h.set("SUPABASE_DB_URL", &pg.url("verify-full"));
    h.set_clock(&utc(now));
    h.gh.clear_requests();
    let run = h.run("schedule", &json!({"schedule": "0 */6 * * *"}));
    run.ok();
    eprintln!("{}: {:?}", utc(now), h.write_lines());
    run
}

pub(crate) fn watching(tag: &str) -> Harness {
    let mut h = Harness::new(tag);
    h.input("watch", "true");
    h
}

fn output<'a>(run: &'a Run, name: &str) -> &'a str {
    let start = run.outputs.find(&format!("{name}<<")).expect("output");
    let rest = &run.outputs[start..];
    let delim = rest
        .lines()
        .next()
        .unwrap()
        .trim_start_matches(&format!("{name}<<"));
    let value = rest.lines().nth(1).unwrap();
    if value == delim { "" } else { value }
}

/// The watch's issues, open or closed.
pub(crate) fn watch_issues(h: &Harness) -> Vec<support::IssueSnapshot> {
    h.gh.issues()
        .into_iter()
        .filter(|i| i.body.contains(WATCH_MARKER) && i.author == support::BOT_LOGIN)
        .collect()
}

/// The bot's comments on `n` other than its report.
pub(crate) fn notes(h: &Harness, n: u64) -> Vec<String> {
    h.gh.comments(n)
        .into_iter()
        .filter(|c| !c.body.contains("<!-- pendo-triage:report -->"))
        .map(|c| c.body)
        .collect()
}

/// Asserts the writes of the last run, in order (`N` stands for the issue's number, `R`
/// for its report comment's id).
pub(crate) fn assert_writes(h: &Harness, n: u64, want: &[&str]) {
    let report =
        h.gh.comments(n)
            .into_iter()
            .find(|c| c.body.contains("<!-- pendo-triage:report -->"))
            .map_or(0, |c| c.id);
    let want: Vec<String> = want
        .iter()
        .map(|w| {
            w.replace("/N", &format!("/{n}"))
                .replace("/R ", &format!("/{report} "))
        })
        .collect();
    assert_eq!(h.write_lines(), want);
}

/// The comments posted by the last run.
pub(crate) fn comment_posts(h: &Harness) -> Vec<String> {
    h.write_lines()
        .into_iter()
        .filter(|w| w.starts_with("POST") && w.contains("/comments"))
        .collect()
}

#[test]
fn a_week_on_call_blip_outage_recovery_relapse_and_reminders() {
    let mut h = watching("oncall-week");

    // A blip: the newest guides run failed, the data is fresh. Nothing is opened, and
    // nothing is written at all; the summary says blip.
    let run = at(&mut h, T0, &sync_at(T0, 1, &["guides"]));
    assert!(h.gh.issues().is_empty(), "{:?}", h.gh.issues());
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert!(run.summary.contains("🟡 **Blip**"), "{}", run.summary);
    assert!(
        run.summary
            .contains("| guides | 🟡 blip (1 failed in a row) |"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("| events | ✅ healthy | "),
        "{}",
        run.summary
    );
    assert_eq!(output(&run, "watch-issue"), "");

    // Sustained: two days of failed runs. One issue, carrying the memory.
    let t1 = T0 + 48 * H;
    let run = at(&mut h, t1, &sync_at(t1, 8, &[]));
    let issues = watch_issues(&h);
    assert_eq!(issues.len(), 1, "{:?}", h.gh.issues());
    let n = issues[0].number;
    assert_eq!(issues[0].state, "open");
    assert!(issues[0].body.contains(MEMORY), "{}", issues[0].body);
    assert_eq!(h.reports(n).len(), 1);
    assert!(h.reports(n)[0].contains("🔴 P0"), "{}", h.reports(n)[0]);
    assert!(notes(&h, n).is_empty(), "{:?}", notes(&h, n));
    let posts: Vec<String> = h
        .write_lines()
        .into_iter()
        .filter(|w| w.starts_with("POST /repos/owner/repo/issues"))
        .collect();
    assert_eq!(
        posts,
        vec![
            "POST /repos/owner/repo/issues -> 201".to_string(),
            format!("POST /repos/owner/repo/issues/{n}/comments -> 201"),
        ],
        "one issue, one report"
    );
    assert!(
        run.summary.contains(&format!("opened #{n}")),
        "{}",
        run.summary
    );
    // The issue with its labels (the template's, created), its ticks, its report.
    assert_writes(
        &h,
        n,
        &[
            "POST /repos/owner/repo/issues -> 201",
            "POST /repos/owner/repo/labels -> 201",
            "POST /repos/owner/repo/labels -> 201",
            "POST /repos/owner/repo/labels -> 201",
            "PATCH /repos/owner/repo/issues/N -> 200",
            "POST /repos/owner/repo/issues/N/comments -> 201",
        ],
    );
    // The on-call table: state, time since the last completed run, latest count, and
    // the slot for the anomaly band.
    assert!(
        run.summary
            .contains("| guides | ❌ broken (8 failed in a row) | 2 d 3 h ago | 0 | 42 (usually 36–48 at 06:00 UTC) |"),
        "{}",
        run.summary
    );

    // Recovering: the first good run after the failures. The issue stays open and its
    // report's headline says how far the recovery is.
    let t2 = t1 + 6 * H;
    let run = at(&mut h, t2, &sync_at(t2, 0, &[]).failing_before(t2, 1, 8));
    let issue = h.gh.issue(n);
    assert_eq!(issue.state, "open");
    let report = &h.reports(n)[0];
    assert!(
        report.contains("> 🔄 **recovering: 1 of 2 runs completed since the last failure.**"),
        "{report}"
    );
    assert!(!report.contains("✅ **Recovered**"), "{report}");
    assert!(comment_posts(&h).is_empty(), "{:?}", h.write_lines());
    assert!(
        run.summary.contains("🔄 **Recovering**: 1 of 2 runs"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains("| guides | 🔄 recovering |"),
        "{}",
        run.summary
    );
    assert_eq!(output(&run, "watch-issue"), n.to_string());
    // The severity label follows the checks (a new label, the labels), the report.
    assert_writes(
        &h,
        n,
        &[
            "POST /repos/owner/repo/labels -> 201",
            "PATCH /repos/owner/repo/issues/N -> 200",
            "PATCH /repos/owner/repo/issues/comments/R -> 200",
        ],
    );

    // Recovered: a week of completed runs. Closed as completed with one comment saying
    // what recovered and when.
    let t3 = t2 + 7 * 24 * H;
    let run = at(&mut h, t3, &sync_at(t3, 0, &[]));
    let issue = h.gh.issue(n);
    assert_eq!(issue.state, "closed");
    assert_eq!(issue.state_reason.as_deref(), Some("completed"));
    let said = notes(&h, n);
    assert_eq!(said.len(), 1, "{said:?}");
    assert!(
        said[0].contains(&format!(
            "✅ **Recovered** at {}: every live check of the production sync passes again, and guides, features, pages, reports, events completed 2 runs in a row since the last failure. Down for about 7 d 6 h",
            pendo_triage::clock::format_utc(t3)
        )),
        "{}",
        said[0]
    );
    // Labels and report first, then the comment, then the close (with the memory).
    assert_writes(
        &h,
        n,
        &[
            "POST /repos/owner/repo/labels -> 201",
            "PATCH /repos/owner/repo/issues/N -> 200",
            "PATCH /repos/owner/repo/issues/comments/R -> 200",
            "POST /repos/owner/repo/issues/N/comments -> 201",
            "PATCH /repos/owner/repo/issues/N -> 200",
        ],
    );
    assert_eq!(output(&run, "watch-issue"), "");
    assert!(
        h.reports(n)[0].contains("✅ **Recovered**"),
        "{}",
        h.reports(n)[0]
    );

    // Broken again six hours later: the same issue is reopened, with a comment.
    let t4 = t3 + 6 * H;
    let run = at(&mut h, t4, &sync_at(t4, 2, &[]));
    assert_eq!(watch_issues(&h).len(), 1, "{:?}", h.gh.issues());
    let issue = h.gh.issue(n);
    assert_eq!(issue.state, "open");
    let said = notes(&h, n);
    assert_eq!(said.len(), 2, "{said:?}");
    assert!(
        said[1].contains(&format!(
            "🔁 **Broken again** at {}, 6 h 0 min after this issue was closed",
            pendo_triage::clock::format_utc(t4)
        )),
        "{}",
        said[1]
    );
    assert_eq!(comment_posts(&h).len(), 1, "{:?}", h.write_lines());
    assert!(
        run.summary.contains(&format!("reopened #{n}")),
        "{}",
        run.summary
    );
    // Reopened (with the memory), the comment, the severity label back, the report.
    assert_writes(
        &h,
        n,
        &[
            "PATCH /repos/owner/repo/issues/N -> 200",
            "POST /repos/owner/repo/issues/N/comments -> 201",
            "PATCH /repos/owner/repo/issues/N -> 200",
            "PATCH /repos/owner/repo/issues/comments/R -> 200",
        ],
    );

    // Still broken 25 h later: one reminder.
    let t5 = t4 + 25 * H;
    let run = at(&mut h, t5, &sync_at(t5, 6, &[]));
    let said = notes(&h, n);
    assert_eq!(said.len(), 3, "{said:?}");
    assert!(
        said[2].contains(&format!(
            "⏰ **Still broken** at {}: unchanged for 25 h",
            pendo_triage::clock::format_utc(t5)
        )),
        "{}",
        said[2]
    );
    assert_eq!(comment_posts(&h).len(), 1, "{:?}", h.write_lines());
    assert!(run.summary.contains("reminded"), "{}", run.summary);
    // The memory moved on, the reminder, the report's new figures.
    assert_writes(
        &h,
        n,
        &[
            "PATCH /repos/owner/repo/issues/N -> 200",
            "POST /repos/owner/repo/issues/N/comments -> 201",
            "PATCH /repos/owner/repo/issues/comments/R -> 200",
        ],
    );

    // Half an hour after that: no comment.
    let t6 = t5 + 30 * 60;
    at(&mut h, t6, &sync_at(t6, 6, &[]));
    assert_eq!(notes(&h, n).len(), 3);
    assert_writes(&h, n, &[]);
    assert_eq!(watch_issues(&h).len(), 1);
    assert_eq!(h.gh.issues().len(), 1);
}

/// What `sync_at` cannot say in one call: runs `from..to` (0 = newest) failed.
trait Failing {
    fn failing_before(self, now: i64, from: usize, to: usize) -> Pg;
}

impl Failing for Pg {
    fn failing_before(self, now: i64, from: usize, to: usize) -> Pg {
        let (a, b) = (run_start(now, to), run_start(now, from));
        self.exec(&format!(
            "update public.sync_status set status = 'failed', records_processed = 0, error_message = 'Pendo API error 429' where last_sync_start >= to_timestamp({a}) and last_sync_start < to_timestamp({b}) + interval '1 hour';"
        ));
        self
    }
}

#[test]
fn after_the_window_a_new_issue_links_the_previous_one() {
    let mut h = watching("oncall-refile");
    at(&mut h, T0, &sync_at(T0, 4, &[]));
    let first = watch_issues(&h)[0].number;
    let t1 = T0 + 7 * 24 * H;
    at(&mut h, t1, &sync_at(t1, 0, &[]));
    assert_eq!(h.gh.issue(first).state, "closed");
    // Two days after closing: past `reopen_within_hours`, so a new issue.
    let t2 = t1 + 48 * H;
    at(&mut h, t2, &sync_at(t2, 3, &[]));
    let issues = watch_issues(&h);
    assert_eq!(issues.len(), 2, "{:?}", h.gh.issues());
    let second = issues.iter().find(|i| i.number != first).unwrap();
    assert_eq!(second.state, "open");
    assert!(
        second
            .body
            .contains(&format!("The previous breakage was #{first}")),
        "{}",
        second.body
    );
    assert_eq!(h.gh.issue(first).state, "closed");
}

#[test]
fn a_stranger_cannot_forge_the_memory() {
    let mut h = watching("oncall-forgery");
    // A closed issue that looks like the watch's, filed by a stranger, whose memory says
    // it was closed an hour ago (a breakage would reopen it, and mallory would own it).
    let forged = format!(
        "- **Environment**: Production\n{WATCH_MARKER}\n{}\n",
        memory_block(&format!(
            r#"{{"v":1,"broken_since":{},"told_at":{},"told":[],"closed_at":{}}}"#,
            T0 - 5 * H,
            T0 - 5 * H,
            T0 - H
        ))
    );
    let fake = h.gh.add_issue(
        IssueSpec::new("[API] watch", &forged)
            .labels(&["api", "pendo-api", "monitoring"])
            .author("mallory", "NONE"),
    );
    h.gh.edit_issue_body(fake, &forged);
    let _ = TEMPLATE_LABELS;
    at(&mut h, T0, &sync_at(T0, 4, &[]));
    let own = watch_issues(&h);
    assert_eq!(own.len(), 1, "{:?}", h.gh.issues());
    assert_ne!(own[0].number, fake);
    assert!(notes(&h, fake).is_empty(), "{:?}", notes(&h, fake));
    let n = own[0].number;
    // A stranger's comment with a memory block saying people were told two days ago
    // does not bring a reminder: comments are never read as memory.
    let old = memory_block(&format!(
        r#"{{"v":1,"broken_since":{},"told_at":{},"told":[]}}"#,
        T0 - 48 * H,
        T0 - 48 * H
    ));
    h.gh.add_comment(n, "mallory", "NONE", &old);
    let t1 = T0 + H;
    at(&mut h, t1, &sync_at(t1, 4, &[]));
    assert!(comment_posts(&h).is_empty(), "{:?}", h.write_lines());
    assert_eq!(notes(&h, n).len(), 1, "only mallory's comment");
}

pub(crate) fn memory_block(json: &str) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
    format!("{MEMORY}{b64} -->")
}

/// How many requests a quiet run makes: healthy with nothing ever opened, and still
/// broken with nothing new. The numbers are the ones the watch made before it had a
/// memory (measured on that build: 2 and 3); the memory costs no request.
#[test]
fn a_quiet_run_makes_no_more_requests_than_before() {
    let mut h = watching("oncall-quiet");
    at(&mut h, T0, &sync_at(T0, 0, &[]));
    let healthy = h.gh.requests();
    eprintln!(
        "quiet healthy run: {} requests: {:?}",
        healthy.len(),
        healthy.iter().map(|r| r.line()).collect::<Vec<_>>()
    );
    let pg = Pg::start();
    pg.load(History::JobInactive, T0);
    at(&mut h, T0, &pg);
    at(&mut h, T0 + H, &pg);
    let broken = h.gh.requests();
    eprintln!(
        "quiet broken run: {} requests: {:?}",
        broken.len(),
        broken.iter().map(|r| r.line()).collect::<Vec<_>>()
    );
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert_eq!(healthy.len(), QUIET_HEALTHY, "{healthy:?}");
    assert_eq!(broken.len(), QUIET_BROKEN, "{broken:?}");
}

const QUIET_HEALTHY: usize = 2;
const QUIET_BROKEN: usize = 3;
