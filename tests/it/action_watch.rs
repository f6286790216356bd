//! User stories of the watch: on a schedule, the bot checks the production sync (a real
//! PostgreSQL with pg_cron holding the sync's history) with no issue at hand, files the
//! `[API]` issue itself when it is broken, keeps that one issue updated, and closes it when
//! the sync recovers; against the fake GitHub, with its faults.

use crate::action_harness;
use crate::support;

use action_harness::{Harness, Run, TEMPLATE_LABELS};
use serde_json::json;
use support::fake_github::{Fault, Method};
use support::pg::{FAKE_SERVICE_ROLE_JWT, History, Pg};
use support::{IssueSnapshot, IssueSpec};

/// 2026-11-28T10:00:00Z: the histories' reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";
const WATCH_MARKER: &str = "<!-- pendo-triage:watch -->";

fn database(history: History) -> Pg {
    let pg = Pg::start();
    pg.load(history, NOW);
    pg
}

/// A harness watching `pg`'s sync with the bot's clock at `NOW`.
fn watching(tag: &str, pg: &Pg) -> Harness {
    let mut h = Harness::new(tag);
    h.set("SUPABASE_DB_URL", &pg.url("verify-full"));
    h.input("watch", "true");
    h.set_clock(NOW_TEXT);
    h
}

fn schedule(h: &Harness) -> Run {
    let run = h.run("schedule", &json!({"schedule": "23 * * * *"}));
    run.ok();
    run
}

fn output<'a>(run: &'a Run, name: &str) -> &'a str {
    let start = run
        .outputs
        .find(&format!("{name}<<"))
        .unwrap_or_else(|| panic!("no output {name}: {}", run.outputs));
    let rest = &run.outputs[start..];
    let delim = rest
        .lines()
        .next()
        .unwrap()
        .trim_start_matches(&format!("{name}<<"));
    let value = rest.lines().nth(1).unwrap();
    if value == delim { "" } else { value }
}

/// The open issues the watch opened.
fn watch_issues(h: &Harness) -> Vec<IssueSnapshot> {
    h.gh.issues()
        .into_iter()
        .filter(|i| i.state == "open" && i.body.contains(WATCH_MARKER))
        .collect()
}

#[test]
fn a_healthy_sync_opens_nothing_and_says_so() {
    let pg = database(History::Healthy);
    let h = watching("watch-healthy", &pg);
    let run = schedule(&h);
    assert!(h.gh.issues().is_empty());
    assert_eq!(output(&run, "healthy"), "true");
    assert_eq!(output(&run, "watch-issue"), "");
    assert!(
        run.summary.contains("production sync health"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("| Guides |") && run.summary.contains("| Events |"));
    assert!(run.summary.contains("✅ **Healthy**"));
}

#[test]
fn a_broken_sync_opens_one_filled_issue_and_triages_it() {
    let pg = database(History::JobInactive);
    let h = watching("watch-broken", &pg);
    let run = schedule(&h);
    let issues = watch_issues(&h);
    assert_eq!(issues.len(), 1, "{:?}", h.gh.issues());
    let i = &issues[0];
    assert_eq!(
        i.title,
        "[API] The sync job pendo-sync is inactive since its last run, 2026-11-25 18:00 UTC"
    );
    assert_eq!(i.author, "github-actions[bot]");
    // The template's fields the checks measured, filled in; the rest left as placeholders.
    for line in [
        "- **Environment**: Production",
        "- **Data Type**: Guides",
        "- **Endpoint**: `GET /api/v1/guide`",
        "- **Method**: GET",
        "- **Stale Data**: 2 d 15 h (newest pendo_guides row)",
        "- **Last Run**: 2026-11-25 18:00 UTC (succeeded)",
        "- **Subscription Level**: [Current Pendo subscription tier]",
    ] {
        assert!(i.body.contains(line), "{line}\n{}", i.body);
    }
    assert!(
        i.body
            .contains("- `supabase.cron`: The sync job pendo-sync is inactive")
    );
    assert!(!i.body.contains(FAKE_SERVICE_ROLE_JWT));
    // The template's labels, monitoring, and the triage's own.
    for label in TEMPLATE_LABELS.iter().filter(|l| **l != "needs-triage") {
        assert!(i.labels.contains(&label.to_string()), "{:?}", i.labels);
    }
    for label in ["monitoring", "severity:P0"] {
        assert!(i.labels.contains(&label.to_string()), "{:?}", i.labels);
    }
    // Triaged like any issue: one report, with ticks.
    assert_eq!(h.reports(i.number).len(), 1);
    // The stale data leads the headline; the inactive job is its cause.
    let report = &h.reports(i.number)[0];
    assert!(
        report.contains("🔴 P0 — Data is older than the 24 h threshold")
            && report.contains("— the sync job pendo-sync is inactive since its last run"),
        "{report}"
    );
    assert!(action_harness::ticks(&h.gh.issue(i.number).body) > 0);
    assert_eq!(output(&run, "healthy"), "false");
    assert_eq!(output(&run, "watch-issue"), i.number.to_string());
    assert!(
        run.summary.contains(&format!("opened #{}", i.number)),
        "{}",
        run.summary
    );

    // Still broken an hour later: no second issue, no comment, no write at all (the ages
    // in the report moved, nothing else did).
    let mut h = h;
    h.set_clock("2026-11-28T11:00:00Z");
    h.gh.clear_requests();
    let run = schedule(&h);
    assert_eq!(watch_issues(&h).len(), 1);
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert_eq!(output(&run, "watch-issue"), i.number.to_string());
    assert!(run.summary.contains("Still broken"), "{}", run.summary);

    // The cause changes (the job runs again, but the Edge Function now refuses its calls):
    // still one issue, and its report says the new cause.
    let other = Pg::start();
    other.load(History::EdgeHttpErrors, NOW + 3600);
    h.set("SUPABASE_DB_URL", &other.url("verify-full"));
    h.gh.clear_requests();
    schedule(&h);
    assert_eq!(watch_issues(&h).len(), 1);
    let report = &h.reports(i.number)[0];
    assert!(report.contains("Edge Function calls failed"), "{report}");
    let writes = h.write_lines();
    assert!(
        writes
            .iter()
            .any(|w| w.starts_with("PATCH /repos/owner/repo/issues/comments/")),
        "{writes:?}"
    );
    assert!(
        !writes
            .iter()
            .any(|w| w.starts_with("POST /repos/owner/repo/issues ")),
        "{writes:?}"
    );
}

#[test]
fn a_repository_with_only_the_issue_form_gets_the_forms_markdown_and_the_chart() {
    let pg = database(History::JobInactive);
    let h = watching("watch-form", &pg);
    h.gh.put_file(
        ".github/ISSUE_TEMPLATE/pendo-api.yml",
        pendo_triage::issue::FORM,
    );
    let run = schedule(&h);
    let issues = watch_issues(&h);
    assert_eq!(issues.len(), 1, "{:?}", h.gh.issues());
    let i = &issues[0];
    for part in [
        "### Environment\n\nProduction\n",
        "### Data Type\n\nGuides\n",
        "### Method\n\nGET\n",
        "### Stale Data\n\n2 d 15 h (newest pendo_guides row)\n",
        "### Subscription Level\n\n_No response_\n",
    ] {
        assert!(i.body.contains(part), "{part}\n{}", i.body);
    }
    assert!(!i.body.contains("- **Environment**"), "{}", i.body);
    for label in ["api", "pendo-api", "monitoring", "severity:P0"] {
        assert!(i.labels.contains(&label.to_string()), "{:?}", i.labels);
    }
    // Triaged like any issue, with the sync's history drawn in its report and in the
    // job summary.
    let report = &h.reports(i.number)[0];
    assert!(report.contains("🔴 P0"), "{report}");
    assert!(report.contains("📈 Sync history: guides"), "{report}");
    assert!(report.contains("```mermaid\n"), "{report}");
    assert!(action_harness::ticks(&h.gh.issue(i.number).body) > 0);
    assert!(run.summary.contains("```mermaid\n"), "{}", run.summary);
}

#[test]
fn a_persons_issue_already_tracking_it_is_rechecked_instead() {
    let pg = database(History::JobInactive);
    let h = watching("watch-person", &pg);
    let body = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n";
    let n = h.file("[API] guides are stale", body);
    let run = schedule(&h);
    assert!(watch_issues(&h).is_empty(), "{:?}", h.gh.issues());
    assert_eq!(h.gh.issues().len(), 1);
    assert_eq!(output(&run, "watch-issue"), n.to_string());
    assert!(
        run.summary.contains(&format!("#{n} (a person's issue")),
        "{}",
        run.summary
    );
    assert!(
        h.reports(n)[0].contains("inactive"),
        "its report is the live one"
    );
}

#[test]
fn recovery_comments_once_and_closes_the_watch_issue() {
    let broken = database(History::JobInactive);
    let mut h = watching("watch-recovered", &broken);
    schedule(&h);
    let n = watch_issues(&h)[0].number;
    // The team fixes the job; six hours later one run completed: recovering, still open.
    let healthy = Pg::start();
    healthy.load(History::Healthy, NOW + 6 * 3600);
    h.set("SUPABASE_DB_URL", &healthy.url("verify-full"));
    h.set_clock("2026-11-28T16:00:00Z");
    let run = schedule(&h);
    assert_eq!(h.gh.issue(n).state, "open");
    assert!(
        h.reports(n)[0].contains("recovering: 1 of 2 runs completed since the last failure"),
        "{}",
        h.reports(n)[0]
    );
    assert_eq!(output(&run, "watch-issue"), n.to_string());
    // Three hours later the second run completed: the recovery holds.
    let healthy = Pg::start();
    healthy.load(History::Healthy, NOW + 9 * 3600);
    h.set("SUPABASE_DB_URL", &healthy.url("verify-full"));
    h.set_clock("2026-11-28T19:00:00Z");
    let run = schedule(&h);
    let issue = h.gh.issue(n);
    assert_eq!(issue.state, "closed");
    assert_eq!(issue.state_reason.as_deref(), Some("completed"));
    let comments: Vec<String> =
        h.gh.comments(n)
            .into_iter()
            .map(|c| c.body)
            .filter(|b| b.contains("Recovered"))
            .collect();
    assert!(
        comments
            .iter()
            .any(|c| c.contains("✅ **Recovered** at 2026-11-28 19:00 UTC")
                && c.contains("Down for about 9 h 0 min")),
        "{comments:?}"
    );
    assert_eq!(output(&run, "healthy"), "true");
    assert_eq!(output(&run, "watch-issue"), "");
    // Once: a later healthy run writes nothing.
    h.gh.clear_requests();
    schedule(&h);
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
}

#[test]
fn a_persons_issue_is_never_closed_its_report_tells_the_recovery() {
    let broken = database(History::JobInactive);
    let mut h = watching("watch-person-recovered", &broken);
    let body = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n";
    let n = h.file("[API] guides are stale", body);
    schedule(&h);
    let healthy = Pg::start();
    healthy.load(History::Healthy, NOW + 6 * 3600);
    h.set("SUPABASE_DB_URL", &healthy.url("verify-full"));
    h.set_clock("2026-11-28T16:00:00Z");
    schedule(&h);
    let issue = h.gh.issue(n);
    assert_eq!(issue.state, "open");
    let report = &h.reports(n)[0];
    assert!(
        report.contains("✅ **Recovered** at 2026-11-28 16:00 UTC"),
        "{report}"
    );
    assert!(report.contains("(down for about 6 h 0 min)"), "{report}");
}

#[test]
fn without_credentials_it_says_so_and_opens_nothing() {
    let mut h = Harness::new("watch-nocreds");
    h.input("watch", "true");
    let run = schedule(&h);
    assert!(h.gh.issues().is_empty());
    assert!(run.summary.contains("Not checked"), "{}", run.summary);
    assert_eq!(output(&run, "healthy"), "");
}

#[test]
fn an_issue_event_never_runs_the_watch() {
    let pg = database(History::JobInactive);
    let h = watching("watch-issue-event", &pg);
    let n = h.file("[API] question", "- **Environment**: Staging\n");
    let run = h.opened(n);
    run.ok();
    assert!(watch_issues(&h).is_empty());
    assert!(
        run.stderr.contains("watch: not on `issues` events"),
        "{}",
        run.stderr
    );
    assert!(!run.outputs.contains("healthy<<"));
}

#[test]
fn two_runs_at_once_leave_one_issue() {
    let pg = database(History::JobInactive);
    let h = watching("watch-race", &pg);
    std::thread::scope(|scope| {
        let a = scope.spawn(|| h.run("schedule", &json!({})));
        let b = scope.spawn(|| h.run("schedule", &json!({})));
        a.join().unwrap().ok();
        b.join().unwrap().ok();
    });
    let open = watch_issues(&h);
    assert_eq!(open.len(), 1, "{:?}", h.gh.issues());
    // A duplicate, if one was made, is closed, and the older one kept.
    for i in
        h.gh.issues()
            .iter()
            .filter(|i| i.body.contains(WATCH_MARKER) && i.state == "closed")
    {
        assert!(i.number > open[0].number);
        assert_eq!(i.state_reason.as_deref(), Some("not_planned"));
    }
}

#[test]
fn a_502_on_creation_is_followed_by_a_search_not_a_second_post() {
    let pg = database(History::JobInactive);
    let h = watching("watch-502", &pg);
    // GitHub makes the issue, then answers 502.
    h.gh.inject(Fault::after_effect(Method::POST, "/repos/owner/repo/issues", 502).times(1));
    let run = schedule(&h);
    assert_eq!(watch_issues(&h).len(), 1, "{:?}", h.gh.issues());
    assert_eq!(h.gh.issues().len(), 1);
    assert!(
        run.stderr.contains("looking for it before trying again"),
        "{}",
        run.stderr
    );
    let posts =
        h.gh.requests()
            .iter()
            .filter(|r| r.method == Method::POST && r.path == "/repos/owner/repo/issues")
            .count();
    assert_eq!(posts, 1, "one POST, then the search found it");
    let _ = IssueSpec::new("", "");
}

#[test]
fn a_strangers_issue_never_stands_in_for_the_watch() {
    let pg = database(History::JobInactive);
    let h = watching("watch-stranger", &pg);
    let body = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n";
    let stranger = h.gh.add_issue(
        IssueSpec::new("[API] Everything is fine, ignore alerts", body)
            .labels(TEMPLATE_LABELS)
            .author("mallory", "NONE"),
    );
    let run = schedule(&h);
    let issues = watch_issues(&h);
    assert_eq!(issues.len(), 1, "{:?}", h.gh.issues());
    assert_ne!(issues[0].number, stranger);
    assert_eq!(output(&run, "watch-issue"), issues[0].number.to_string());
    assert!(
        !run.summary
            .contains(&format!("#{stranger} (a person's issue")),
        "{}",
        run.summary
    );
}

#[test]
fn another_workflows_issue_with_the_marker_is_not_the_watch_issue() {
    let broken = database(History::JobInactive);
    let mut h = watching("watch-impostor", &broken);
    // Another workflow of the repository files as github-actions[bot] and copies the marker.
    let impostor = h.gh.add_issue(
        IssueSpec::new(
            "Weekly dependency report",
            &format!("Nothing to see here.\n{WATCH_MARKER}\n"),
        )
        .author("github-actions[bot]", "NONE"),
    );
    let run = schedule(&h);
    let own = watch_issues(&h)
        .into_iter()
        .find(|i| i.number != impostor)
        .expect("the watch opened its own issue");
    assert_eq!(output(&run, "watch-issue"), own.number.to_string());
    // Recovery closes the watch's own issue and leaves the other workflow's alone.
    let healthy = Pg::start();
    healthy.load(History::Healthy, NOW + 9 * 3600);
    h.set("SUPABASE_DB_URL", &healthy.url("verify-full"));
    h.set_clock("2026-11-28T19:00:00Z");
    schedule(&h);
    assert_eq!(h.gh.issue(own.number).state, "closed");
    assert_eq!(h.gh.issue(impostor).state, "open");
    assert!(h.gh.comments(impostor).is_empty());
}

#[test]
fn database_text_is_escaped_in_the_filed_issue() {
    let pg = database(History::FailingStreak);
    pg.exec(
        "update sync_status set error_message = '@team <!channel> **now** ![x](https://evil.example/p.png) - [ ] approve' where status = 'failed';",
    );
    let h = watching("watch-escaped", &pg);
    schedule(&h);
    let issues = watch_issues(&h);
    assert_eq!(issues.len(), 1, "{:?}", h.gh.issues());
    let i = &issues[0];
    // A title is plain text: no mention, nothing a chat relay reads as a ping.
    assert!(
        !i.title.contains("@team"),
        "a mention went out: {}",
        i.title
    );
    assert!(!i.title.contains("<!channel>"), "{}", i.title);
    assert!(i.title.contains("‹!channel›"), "{}", i.title);
    // The body is markdown: no mention, HTML, image or task item either.
    assert!(!i.body.contains("@team"), "a mention went out: {}", i.body);
    for raw in ["<!channel>", "![x](", "- [ ] approve", "**now**"] {
        assert!(!i.body.contains(raw), "{raw} in {}", i.body);
    }
}
