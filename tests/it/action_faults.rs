//! User stories where GitHub misbehaves: a 502 after the comment was created, a secondary
//! rate limit, a person editing the body between the bot's read and its write, and a
//! failure that persists. The issue ends untouched or fully updated, never with two
//! reports.

use crate::action_harness;
use crate::support;

use action_harness::Harness;
use support::{Fault, Method};

#[test]
fn a_502_after_the_comment_was_created_still_yields_one_comment() {
    let h = Harness::new("502");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.gh.inject(Fault::after_effect(
        Method::POST,
        &format!("/issues/{n}/comments"),
        502,
    ));
    let run = h.opened(n);
    run.ok();
    assert_eq!(h.reports(n).len(), 1, "{}", run.stderr);
    let posts =
        h.gh.requests()
            .iter()
            .filter(|r| r.method == Method::POST && r.path.ends_with("/comments"))
            .count();
    assert_eq!(posts, 1, "the POST was re-sent");
    assert!(h.gh.issue(n).labels.contains(&"severity:P0".to_string()));
    // And the next run finds it and writes nothing.
    h.gh.clear_requests();
    h.opened(n).ok();
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
}

#[test]
fn a_refused_comment_creation_is_retried_after_looking_for_the_marker() {
    let h = Harness::new("post-503");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.gh.inject(Fault::status(
        Method::POST,
        &format!("/issues/{n}/comments"),
        503,
    ));
    h.opened(n).ok();
    assert_eq!(h.reports(n).len(), 1);
    let lists =
        h.gh.requests()
            .iter()
            .filter(|r| r.method == Method::GET && r.path.ends_with("/comments"))
            .count();
    assert!(lists >= 1, "no marker search before the second POST");
}

#[test]
fn a_secondary_rate_limit_with_retry_after_succeeds() {
    let h = Harness::new("secondary");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.gh.inject(Fault::secondary_rate_limit(
        Method::PATCH,
        &format!("/issues/{n}"),
    ));
    h.gh.inject(Fault::status(Method::GET, &format!("/issues/{n}"), 429));
    let started = std::time::Instant::now();
    let run = h.opened(n);
    run.ok();
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "retry-after was not honoured"
    );
    assert!(run.stderr.contains("retrying in 1000 ms"), "{}", run.stderr);
    assert_eq!(h.reports(n).len(), 1);
    assert!(h.gh.issue(n).labels.contains(&"severity:P0".to_string()));
    assert_eq!(h.gh.pending_faults(), 0);
}

#[test]
fn a_persons_edit_between_the_bots_read_and_write_is_kept() {
    let h = Harness::new("edit-race");
    let body = support::example("prod-auth-401.md");
    let n = h.file("[API] auth", &body);
    let edited = format!("{body}\n\nUpdate: it started after the key rotation on Tuesday.\n");
    h.gh.inject(Fault::edit_body_after_read(n, 1, &edited));
    h.opened(n).ok();
    let after = h.gh.issue(n).body;
    assert!(
        after.contains("Update: it started after the key rotation"),
        "the person's edit was lost"
    );
    action_harness::assert_only_ticks(&edited, &after);
    assert!(
        after.contains("[x] Review API request format and headers"),
        "the tick went missing"
    );
}

#[test]
fn the_event_payload_may_be_stale_the_fresh_body_wins() {
    let h = Harness::new("stale-payload");
    let body = support::example("prod-auth-401.md");
    let n = h.file("[API] auth", &body);
    let event = h.issues_event("opened", n, "alice");
    let edited = format!("{body}\nEdited after the event fired.\n");
    h.gh.edit_issue_body(n, &edited);
    h.run("issues", &event).ok();
    let after = h.gh.issue(n).body;
    assert!(after.contains("Edited after the event fired."));
    action_harness::assert_only_ticks(&edited, &after);
}

#[test]
fn a_persistent_failure_exits_non_zero_with_an_error_and_no_duplicate() {
    let h = Harness::new("persistent");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    let before = h.gh.issue(n);
    h.gh.inject(Fault::status(Method::PATCH, &format!("/issues/{n}"), 502).times(10));
    let run = h.opened(n);
    assert_ne!(run.code, 0);
    assert!(
        run.stdout.contains("::error title=pendo-triage::"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.contains("502"), "{}", run.stderr);
    // Untouched: the issue write failed first, so no report claims anything.
    assert_eq!(h.gh.issue(n), before);
    assert!(h.reports(n).is_empty());

    // A comment creation that keeps failing after it worked: still one comment.
    let m = h.file("[API] auth again", &support::example("prod-auth-401.md"));
    h.gh.inject(Fault::after_effect(Method::POST, &format!("/issues/{m}/comments"), 502).times(10));
    h.gh.inject(Fault::status(Method::GET, &format!("/issues/{m}/comments"), 502).times(3));
    let run = h.opened(m);
    assert!(h.reports(m).len() <= 1, "{}", run.stderr);
}

#[test]
fn a_report_that_cannot_be_written_leaves_the_issue_as_it_was() {
    let h = Harness::new("rollback");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    let before = h.gh.issue(n);
    // The issue PATCH works, then every report creation is refused.
    // Four attempts: the client's whole retry budget.
    h.gh.inject(Fault::status(Method::POST, &format!("/issues/{n}/comments"), 502).times(4));
    let run = h.opened(n);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("::error"), "{}", run.stdout);
    assert!(
        run.stderr.contains("undid this run's ticks"),
        "{}",
        run.stderr
    );
    assert!(h.reports(n).is_empty());
    let after = h.gh.issue(n);
    assert_eq!(after.body, before.body, "ticks were rolled back");
    let mut want = before.labels.clone();
    let mut got = after.labels.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "labels were rolled back");
    // The next run, with GitHub healthy again, triages normally.
    assert_eq!(h.gh.pending_faults(), 0, "every attempt was refused");
    let run = h.opened(n);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(h.reports(n).len(), 1);
}
