//! User stories around rechecks and people: the `recheck` label, the `/recheck` comment
//! (members only, never on pull requests), a non-member's issue, a person's untick, and a
//! person's own severity label.

use crate::action_harness;
use crate::support;

use action_harness::{Harness, ticks};
use serde_json::json;
use support::IssueSpec;

const OFFLINE_NOTE: &str = "Live checks run only for issues opened by repository members";

#[test]
fn recheck_label_runs_the_triage_and_is_removed() {
    let h = Harness::new("recheck-label");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.opened(n).ok();
    h.gh.clear_requests();
    let run = h.labeled(n, "recheck", "maintainer");
    run.ok();
    let labels = h.gh.issue(n).labels;
    assert!(!labels.contains(&"recheck".to_string()), "{labels:?}");
    assert!(labels.contains(&"severity:P0".to_string()));
    assert_eq!(h.reports(n).len(), 1);
    // The only write: the PATCH that took the label off.
    let writes = h.write_lines();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(
        writes[0].starts_with(&format!("PATCH /repos/owner/repo/issues/{n} ")),
        "{writes:?}"
    );
}

#[test]
fn labels_added_at_creation_and_by_the_bot_are_not_rechecks() {
    let h = Harness::new("not-recheck");
    let n = h.file("[API] x", "- **Environment**: Production\n");
    h.gh.clear_requests();
    h.labeled(n, "needs-triage", "alice").ok();
    h.labeled(n, "recheck", "github-actions[bot]").ok();
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert!(h.reports(n).is_empty());
}

#[test]
fn a_members_recheck_comment_runs_live_and_a_strangers_does_not() {
    let h = Harness::new("recheck-comment");
    let n = h.gh.add_issue(
        IssueSpec::new(
            "[API] from outside",
            &support::example("staging-rate-limited.md"),
        )
        .author("stranger", "NONE"),
    );
    h.opened(n).ok();
    let report = &h.reports(n)[0];
    assert!(report.contains(OFFLINE_NOTE), "{report}");

    // A stranger asks: nothing runs, nothing is written.
    h.gh.clear_requests();
    let run = h.comment(n, "stranger", "NONE", "/recheck");
    run.ok();
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert!(run.stderr.contains("nothing to do"), "{}", run.stderr);

    // A quoted or fenced command from a member does not count either.
    h.comment(
        n,
        "maintainer",
        "MEMBER",
        "> /recheck\n\n```\n/recheck\n```",
    )
    .ok();
    assert!(h.reports(n)[0].contains(OFFLINE_NOTE));

    // A member asks: the triage runs with live checks allowed; the note goes away.
    h.gh.clear_requests();
    let run = h.comment(
        n,
        "maintainer",
        "MEMBER",
        "Could you look again?\n/recheck\n",
    );
    run.ok();
    assert!(run.stderr.contains("live checks allowed"), "{}", run.stderr);
    let reports = h.reports(n);
    assert_eq!(reports.len(), 1);
    assert!(!reports[0].contains(OFFLINE_NOTE), "{}", reports[0]);
}

#[test]
fn comments_on_pull_requests_are_ignored() {
    let h = Harness::new("pr-comment");
    let n =
        h.gh.add_issue(IssueSpec::new("[API] a PR", "body").pull_request());
    h.gh.clear_requests();
    let run = h.comment(n, "maintainer", "OWNER", "/recheck");
    run.ok();
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert!(h.reports(n).is_empty());
}

#[test]
fn a_persons_untick_is_respected() {
    let h = Harness::new("untick");
    let body = support::example("prod-auth-401.md");
    let n = h.file("[API] auth", &body);
    h.opened(n).ok();
    let ticked = h.gh.issue(n).body;
    assert!(
        ticks(&ticked) > ticks(&body),
        "the bot should tick something"
    );
    // Find an item the bot ticked and untick it, as a person would.
    let (b, t) = (body.as_bytes(), ticked.as_bytes());
    let pos = (0..b.len() - 3)
        .find(|&i| &b[i..i + 3] == b"[ ]" && &t[i..i + 3] == b"[x]")
        .expect("a bot tick");
    let mut unticked = ticked.clone();
    unticked.replace_range(pos..pos + 3, "[ ]");
    h.gh.edit_issue_body(n, &unticked);
    let mut e = h.issues_event("edited", n, "alice");
    e["changes"] = json!({"body": {"from": ticked}});
    h.gh.clear_requests();
    h.run("issues", &e).ok();
    assert_eq!(
        h.gh.issue(n).body,
        unticked,
        "the bot ticked the item again"
    );
    // And the bot's own tick coming back as an `edited` event is a no-op.
    let mut e = h.issues_event("edited", n, "alice");
    e["changes"] = json!({"body": {"from": body}});
    h.gh.clear_requests();
    let run = h.run("issues", &e);
    run.ok();
    assert!(
        run.stderr.contains("the bot's own kind of edit"),
        "{}",
        run.stderr
    );
    assert!(h.gh.requests().is_empty(), "{:?}", h.write_lines());
}

#[test]
fn a_persons_severity_label_wins_and_the_report_says_so() {
    let h = Harness::new("person-severity");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.opened(n).ok();
    assert!(h.gh.issue(n).labels.contains(&"severity:P0".to_string()));
    // A person downgrades to P2 by hand.
    let mut labels: Vec<String> =
        h.gh.issue(n)
            .labels
            .into_iter()
            .filter(|l| l != "severity:P0")
            .collect();
    labels.push("severity:P2".into());
    let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    h.gh.set_issue_labels(n, &refs);
    h.run("issues", &h.issues_event("edited", n, "alice")).ok();
    let after = h.gh.issue(n).labels;
    assert!(after.contains(&"severity:P2".to_string()), "{after:?}");
    assert!(!after.contains(&"severity:P0".to_string()), "{after:?}");
    assert!(
        h.reports(n)[0].contains("label **severity:P2** was set by a person"),
        "{}",
        h.reports(n)[0]
    );
}
