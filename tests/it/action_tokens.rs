//! The report is the bot's own under every kind of token the workflow may pass: the job's
//! `GITHUB_TOKEN` (`github-actions[bot]`), a GitHub App's installation token
//! (`<app>[bot]`, named by the `bot-login` input, since `GET /user` refuses such a token)
//! and a personal access token (a user, whom `GET /user` names). Under each, a second run
//! edits the one report, and a stranger's comment carrying the marker is never taken for
//! it.

use crate::action_harness::{Harness, Run};
use crate::support;
use support::{CommentSnapshot, Method};

const MARKER: &str = "<!-- pendo-triage:report -->";
const APP_TOKEN: &str = "ghs_fakeAppInstallToken00000000000000";
const APP_LOGIN: &str = "pendo-triage-app[bot]";
const PAT: &str = "ghp_fakePersonalToken0000000000000000";
const PAT_LOGIN: &str = "triage-robot";

fn user_requests(h: &Harness) -> Vec<String> {
    h.gh.requests()
        .iter()
        .filter(|r| r.path == "/user")
        .map(|r| r.line())
        .collect()
}

/// Files an issue, triages it once, and returns the issue and the report.
fn first_run(h: &Harness) -> (u64, CommentSnapshot, Run) {
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    let run = h.opened(n);
    run.ok();
    let comments = h.gh.comments(n);
    assert_eq!(comments.len(), 1, "{comments:?}");
    (n, comments[0].clone(), run)
}

/// A stranger pastes the marker; the issue changes; a member asks for a recheck. The
/// bot edits its own report in place and leaves the stranger's comment alone.
fn second_run_edits_the_report(h: &Harness, n: u64, report: &CommentSnapshot) -> Run {
    let forged = format!("{MARKER}\nAll checks pass. Close this issue.");
    let forged_id = h.gh.add_comment(n, "mallory", "NONE", &forged);
    h.gh.edit_issue_body(n, &support::example("staging-rate-limited.md"));
    h.gh.clear_requests();
    let run = h.labeled(n, "recheck", "maintainer");
    run.ok();
    let comments = h.gh.comments(n);
    assert_eq!(
        comments.len(),
        2,
        "one report and the forgery: {comments:?}"
    );
    let mine = comments.iter().find(|c| c.id == report.id).expect("report");
    assert_eq!(mine.author, report.author);
    assert_ne!(mine.body, report.body, "the report was not updated");
    let theirs = comments.iter().find(|c| c.id == forged_id).unwrap();
    assert_eq!(theirs.body, forged, "the stranger's comment was touched");
    let writes: Vec<String> = h.gh.writes().iter().map(|w| w.line()).collect();
    assert!(
        writes.contains(&format!(
            "PATCH /repos/owner/repo/issues/comments/{} -> 200",
            report.id
        )),
        "{writes:?}"
    );
    assert!(
        !h.gh.writes().iter().any(
            |w| w.method == Method::POST && w.path.ends_with("/comments")
                || w.path.ends_with(&format!("/comments/{forged_id}"))
        ),
        "{writes:?}"
    );
    assert_eq!(run.output("comment-id"), Some(report.id.to_string()));
    run
}

#[test]
fn under_github_token_the_report_is_github_actions_bots() {
    let h = Harness::new("token-github");
    let (n, report, run) = first_run(&h);
    assert_eq!(report.author, "github-actions[bot]");
    assert_eq!(run.output("comment-id"), Some(report.id.to_string()));
    assert_eq!(
        run.output("comment-url"),
        Some(format!(
            "https://github.com/owner/repo/issues/{n}#issuecomment-{}",
            report.id
        ))
    );
    // A quiet repeat run: the issue and its comments, nothing else, no GET /user.
    h.gh.clear_requests();
    let quiet = h.opened(n);
    quiet.ok();
    let lines: Vec<String> = h.gh.requests().iter().map(|r| r.line()).collect();
    assert_eq!(
        lines,
        vec![
            format!("GET /repos/owner/repo/issues/{n} -> 200"),
            format!("GET /repos/owner/repo/issues/{n}/comments -> 200"),
        ]
    );
    assert_eq!(quiet.output("comment-id"), Some(report.id.to_string()));

    second_run_edits_the_report(&h, n, &report);
    // The stranger's marker made the bot ask who it is, once; GitHub refuses an
    // installation token.
    assert_eq!(user_requests(&h), vec!["GET /user -> 403"]);
}

#[test]
fn under_an_apps_token_the_report_is_the_apps_bot_named_by_bot_login() {
    let mut h = Harness::new("token-app");
    h.gh.add_token(APP_TOKEN, APP_LOGIN, "NONE");
    h.input("github-token", APP_TOKEN);
    // Not told who it is: the report is posted, and the warning says how to fix it.
    let (n, report, run) = first_run(&h);
    assert_eq!(report.author, APP_LOGIN);
    assert!(
        run.stdout
            .contains(&format!("input `bot-login: {APP_LOGIN}`")),
        "{}",
        run.stdout
    );
    h.input("bot-login", APP_LOGIN);
    let run = second_run_edits_the_report(&h, n, &report);
    assert!(!run.stdout.contains("bot-login"), "{}", run.stdout);
    // The stranger's marker made it ask who it is, once; GitHub refuses an App's token
    // (which is why `bot-login` names it: an App's `[bot]` account is never asked about).
    assert_eq!(user_requests(&h), vec!["GET /user -> 403"]);
    // Another App's comment with the marker is no report either.
    h.gh.add_comment(n, "other-app[bot]", "NONE", &format!("{MARKER}\nforged"));
    h.gh.clear_requests();
    h.labeled(n, "recheck", "maintainer").ok();
    assert!(
        !h.gh
            .writes()
            .iter()
            .any(|w| w.method == Method::POST && w.path.ends_with("/comments")),
        "{:?}",
        h.write_lines()
    );
    let bots: Vec<CommentSnapshot> =
        h.gh.comments(n)
            .into_iter()
            .filter(|c| c.author == APP_LOGIN)
            .collect();
    assert_eq!(bots.len(), 1, "{bots:?}");
}

#[test]
fn under_a_personal_token_the_report_is_the_tokens_user() {
    let mut h = Harness::new("token-pat");
    h.gh.add_token(PAT, PAT_LOGIN, "MEMBER");
    h.input("github-token", PAT);
    let (n, report, _) = first_run(&h);
    assert_eq!(report.author, PAT_LOGIN);
    // No comment on the issue at first: nothing to recognise, nobody asked.
    assert!(user_requests(&h).is_empty(), "{:?}", user_requests(&h));
    second_run_edits_the_report(&h, n, &report);
    // Asked once per run, answered with the token's user.
    assert_eq!(user_requests(&h), vec!["GET /user -> 200"]);
    let req =
        h.gh.requests()
            .into_iter()
            .find(|r| r.path == "/user")
            .unwrap();
    assert!(
        req.headers
            .iter()
            .any(|(k, v)| k == "authorization" && v.ends_with(PAT))
    );
    // A quiet repeat run: the issue, its comments and who the token is; no write.
    h.gh.clear_requests();
    h.opened(n).ok();
    let lines: Vec<String> = h.gh.requests().iter().map(|r| r.line()).collect();
    assert_eq!(
        lines,
        vec![
            format!("GET /repos/owner/repo/issues/{n} -> 200"),
            format!("GET /repos/owner/repo/issues/{n}/comments -> 200"),
            "GET /user -> 200".to_string(),
        ]
    );
}
