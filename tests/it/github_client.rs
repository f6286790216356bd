//! The bot's own GitHub client (`pendo_triage::github::Github`, reqwest underneath) against
//! the fake GitHub: every call the bot makes reads and writes through it, the base URL keeps
//! a GHES path, the headers are GitHub's, and the retry rules hold: an idempotent call is
//! tried again after a 5xx, a comment or issue creation is never re-sent blindly.

use crate::support;

use std::time::{Duration, Instant};

use pendo_triage::github::{Github, GithubError, RetryPolicy};
use support::{BOT_LOGIN, BOT_TOKEN, FakeGithub, Fault, IssueSpec, MAINTAINER_TOKEN, Method};

/// Retries as in a run, with waits short enough for a test.
fn quick() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        base: Duration::from_millis(10),
        max_wait: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
    }
}

fn client(gh: &FakeGithub) -> Github {
    Github::new(&gh.url(), BOT_TOKEN, &gh.repository(), quick()).unwrap()
}

/// The requests the fake saw with this method and a path ending in `suffix`.
fn sent(gh: &FakeGithub, method: Method, suffix: &str) -> usize {
    gh.requests()
        .iter()
        .filter(|r| r.method == method && r.path.ends_with(suffix))
        .count()
}

/// Every model deserializes, `Link` pagination is followed, writes land, errors parse.
#[tokio::test]
async fn the_client_reads_and_writes_through_the_fake() {
    let gh = FakeGithub::start();
    gh.add_label("pendo-api", "1d76db", "Pendo API");
    for i in 1..=120 {
        let spec = IssueSpec::new(&format!("[API] {i}"), "- [ ] item").labels(&["pendo-api"]);
        gh.add_issue(if i == 3 { spec.pull_request() } else { spec });
    }
    gh.add_comment(1, "alice", "MEMBER", "hello");
    let c = client(&gh);

    // Two pages of 100, the pull request left out.
    let open = c.list_open_issues().await.unwrap();
    assert_eq!(open.len(), 119);
    assert!(open.iter().all(|i| i.number != 3 && !i.is_pull_request()));
    assert_eq!(sent(&gh, Method::GET, "/repos/owner/repo/issues"), 2);
    let labelled = c.list_labelled_issues("pendo-api").await.unwrap();
    assert_eq!(labelled[0].number, 120, "newest first");
    assert!(labelled.iter().all(|i| !i.is_pull_request()));

    let one = c.get_issue(1).await.unwrap();
    assert_eq!(
        (one.state.as_str(), one.label_names(), one.body()),
        ("open", vec!["pendo-api".to_string()], "- [ ] item")
    );
    let comments = c.list_comments(1).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].user.as_ref().unwrap().login, "alice");
    assert_eq!(comments[0].body(), "hello");

    let report = c.create_comment_once(1, "report").await.unwrap();
    assert_eq!(report.user.as_ref().unwrap().login, BOT_LOGIN);
    assert!(
        report
            .html_url
            .ends_with(&format!("#issuecomment-{}", report.id))
    );
    c.update_comment(report.id, "report v2").await.unwrap();
    assert_eq!(gh.comments(1)[1].body, "report v2");
    c.delete_comment(report.id).await.unwrap();
    assert_eq!(gh.comments(1).len(), 1);
    // Already gone counts as deleted.
    c.delete_comment(report.id).await.unwrap();

    let labels = ["pendo-api".to_string(), "severity:P0".to_string()];
    let updated = c
        .update_issue(1, None, Some("- [x] item"), Some(&labels))
        .await
        .unwrap();
    assert_eq!(updated.body(), "- [x] item");
    assert_eq!(updated.label_names(), labels);
    assert_eq!(gh.issue(1).labels, labels);
    // A label GitHub made on the fly is grey, as on GitHub.
    let grey = gh
        .repo_labels()
        .into_iter()
        .find(|l| l.name == "severity:P0");
    assert_eq!(grey.unwrap().color, "ededed");
    c.create_label("netlify", "0e8a16", "Netlify")
        .await
        .unwrap();
    // 422 already_exists (names compare case-insensitively) counts as created.
    c.create_label("PENDO-API", "ffffff", "").await.unwrap();
    let names = c.list_labels().await.unwrap();
    assert_eq!(
        names
            .iter()
            .filter(|n| n.eq_ignore_ascii_case("pendo-api"))
            .count(),
        1
    );
    assert!(names.contains(&"netlify".to_string()), "{names:?}");

    gh.put_file(".github/pendo-triage.yml", "interval: 10m\n");
    assert_eq!(
        c.get_file(".github/pendo-triage.yml")
            .await
            .unwrap()
            .as_deref(),
        Some("interval: 10m\n")
    );
    assert_eq!(c.get_file("missing.yml").await.unwrap(), None);

    // An error parses into status, message and the fix.
    let e = c.get_issue(999).await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    assert!(!e.is_transient());
    assert_eq!(
        e.to_string(),
        "GitHub answered 404 to GET /repos/owner/repo/issues/999: Not Found; check that the workflow grants `permissions: issues: write, contents: read`"
    );
    assert_eq!(c.calls() as usize, gh.requests().len());
    assert_eq!(c.writes() as usize, gh.writes().len());
}

/// An installation token is no user; a person's token is.
#[tokio::test]
async fn the_client_tells_who_the_token_is() {
    let gh = FakeGithub::start();
    assert!(client(&gh).authenticated_user().await.unwrap().is_none());
    let person = Github::new(&gh.url(), MAINTAINER_TOKEN, &gh.repository(), quick()).unwrap();
    let me = person.authenticated_user().await.unwrap().unwrap();
    assert_eq!(
        (me.login.as_str(), me.kind.as_str()),
        ("maintainer", "User")
    );
}

/// GHES: `https://host/api/v3` keeps its path on every call; the headers are GitHub's.
#[tokio::test]
async fn the_client_keeps_a_ghes_path_and_sends_githubs_headers() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] on GHES", "b"));
    let c = Github::new(
        &format!("{}/api/v3/", gh.url()),
        BOT_TOKEN,
        &gh.repository(),
        quick(),
    )
    .unwrap();
    assert_eq!(c.get_issue(n).await.unwrap().title, "[API] on GHES");
    c.create_comment_once(n, "report").await.unwrap();
    let requests = gh.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert!(
            r.path.starts_with("/api/v3/repos/owner/repo/issues/"),
            "{}",
            r.line()
        );
        let header = |name: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let bearer = format!("Bearer {BOT_TOKEN}");
        assert_eq!(header("authorization"), Some(bearer.as_str()));
        assert_eq!(header("accept"), Some("application/vnd.github+json"));
        assert_eq!(header("x-github-api-version"), Some("2022-11-28"));
        assert!(
            header("user-agent").is_some_and(|u| u.starts_with("pendo-triage/")),
            "{:?}",
            r.headers
        );
    }
    assert_eq!(requests[1].body, r#"{"body":"report"}"#);
    assert_eq!(gh.comments(n)[0].body, "report");
}

/// A comment creation answered 502 may have worked: it is not sent again, whether the
/// comment was made (exactly one exists) or not (none exists, and the caller is told).
/// Issue creation likewise.
#[tokio::test]
async fn a_creation_answered_502_is_not_re_sent() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] x", "b"));
    let c = client(&gh);
    let path = format!("/issues/{n}/comments");

    gh.inject(Fault::after_effect(Method::POST, &path, 502).times(10));
    let e = c.create_comment_once(n, "report").await.unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert!(
        e.is_transient(),
        "the caller may look for the marker and try again"
    );
    assert!(e.to_string().ends_with(": an HTML error page"), "{e}");
    assert_eq!(sent(&gh, Method::POST, &path), 1, "the POST was re-sent");
    assert_eq!(gh.comments(n).len(), 1, "exactly one comment exists");

    gh.clear_requests();
    gh.inject(Fault::status(Method::POST, &path, 502).times(10));
    let e = c.create_comment_once(n, "report").await.unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_eq!(sent(&gh, Method::POST, &path), 1, "the POST was re-sent");
    assert_eq!(gh.comments(n).len(), 1, "no second comment");

    let before = gh.issues().len();
    gh.inject(Fault::after_effect(Method::POST, "/repos/owner/repo/issues", 502).times(10));
    let e = c
        .create_issue_once("[API] filed", "body", &[])
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(502));
    assert_eq!(sent(&gh, Method::POST, "/repos/owner/repo/issues"), 1);
    assert_eq!(gh.issues().len(), before + 1, "exactly one issue was filed");
}

/// An idempotent call answered 503 is tried again and succeeds; one that keeps failing
/// gives up after the policy's attempts with GitHub's status.
#[tokio::test]
async fn a_read_answered_503_is_tried_again() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] retried", "b"));
    let c = client(&gh);
    let path = format!("/issues/{n}");

    gh.inject(Fault::status(Method::GET, &path, 503));
    assert_eq!(c.get_issue(n).await.unwrap().title, "[API] retried");
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [503, 200]);
    assert_eq!(c.calls(), 2);

    gh.clear_requests();
    gh.inject(Fault::status(Method::GET, &path, 503).times(10));
    let e = c.get_issue(n).await.unwrap_err();
    assert!(matches!(e, GithubError::Status { status: 503, .. }), "{e}");
    assert_eq!(
        e.to_string(),
        format!("GitHub answered 503 to GET /repos/owner/repo/issues/{n}: Service Unavailable")
    );
    assert_eq!(
        sent(&gh, Method::GET, &path),
        4,
        "the policy's four attempts"
    );

    // A PATCH is idempotent: a 502 after it was applied is retried and lands once.
    gh.clear_requests();
    gh.inject(Fault::after_effect(Method::PATCH, &path, 502));
    c.update_issue(n, None, Some("edited"), None).await.unwrap();
    assert_eq!(sent(&gh, Method::PATCH, &path), 2);
    assert_eq!(gh.issue(n).body, "edited");
}

/// A secondary rate limit's `retry-after` is waited out before the call is tried again.
#[tokio::test]
async fn a_secondary_rate_limit_is_waited_out() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] limited", "b"));
    let c = client(&gh);
    gh.inject(Fault::secondary_rate_limit(
        Method::GET,
        &format!("/issues/{n}"),
    ));
    let started = Instant::now();
    assert_eq!(c.get_issue(n).await.unwrap().number, n);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "retry-after: 1 honoured"
    );
    let statuses: Vec<u16> = gh.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [403, 200]);
}

/// A hung GitHub costs one deadline per attempt and says so.
#[tokio::test]
async fn a_slow_answer_is_a_transport_error_that_says_how_long() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] slow", "b"));
    let policy = RetryPolicy {
        attempts: 1,
        timeout: Duration::from_millis(200),
        ..quick()
    };
    let c = Github::new(&gh.url(), BOT_TOKEN, &gh.repository(), policy).unwrap();
    gh.inject(Fault::delay(Method::GET, &format!("/issues/{n}"), 2_000));
    let started = Instant::now();
    let e = c.get_issue(n).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1_500),
        "{:?}",
        started.elapsed()
    );
    assert!(e.is_transient());
    assert_eq!(
        e.to_string(),
        format!("GitHub request GET /repos/owner/repo/issues/{n} failed: no answer within 0.2 s")
    );
}

/// Nothing listens: the error names the call and the cause, and no token appears.
#[tokio::test]
async fn an_unreachable_github_is_a_transport_error() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let policy = RetryPolicy {
        attempts: 2,
        ..quick()
    };
    let c = Github::new(&url, BOT_TOKEN, "owner/repo", policy).unwrap();
    let e = c.get_issue(1).await.unwrap_err();
    assert!(matches!(e, GithubError::Transport { .. }), "{e:?}");
    let text = e.to_string();
    assert!(
        text.starts_with("GitHub request GET /repos/owner/repo/issues/1 failed: "),
        "{text}"
    );
    assert!(text.to_lowercase().contains("connect"), "{text}");
    assert!(!text.contains(BOT_TOKEN), "{text}");
    assert_eq!(c.calls(), 2, "a transport failure of a read is retried");
}
