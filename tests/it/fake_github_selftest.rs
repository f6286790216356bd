//! Checks that the fake GitHub speaks the REST protocol the way GitHub does
//! (status codes, bodies, pagination, rate-limit headers) and that its
//! injected faults behave as the end-to-end tests rely on.

use crate::support;

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};
use support::{
    BOT_LOGIN, BOT_TOKEN, FakeGithub, Fault, HttpResponse, IssueSpec, MAINTAINER_TOKEN, Method,
    http, http_blocking,
};

const AUTH: (&str, &str) = (
    "Authorization",
    "Bearer ghs_fakeBotToken0000000000000000000000",
);

async fn get(gh: &FakeGithub, path: &str) -> HttpResponse {
    http("GET", &format!("{}{path}", gh.url()), &[AUTH], None).await
}

async fn send(gh: &FakeGithub, method: &str, path: &str, body: Value) -> HttpResponse {
    let body = body.to_string();
    http(method, &format!("{}{path}", gh.url()), &[AUTH], Some(&body)).await
}

/// `rel` → URL from a `Link` header.
fn links(resp: &HttpResponse) -> Vec<(String, String)> {
    let Some(header) = resp.header("link") else {
        return Vec::new();
    };
    header
        .split(", ")
        .map(|part| {
            let (url, rel) = part.split_once("; ").expect("link part");
            let url = url.trim_start_matches('<').trim_end_matches('>');
            let rel = rel
                .strip_prefix("rel=\"")
                .and_then(|r| r.strip_suffix('"'))
                .expect("rel");
            (rel.to_string(), url.to_string())
        })
        .collect()
}

fn epoch_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn numbers(resp: &HttpResponse) -> Vec<u64> {
    resp.json()
        .as_array()
        .expect("array")
        .iter()
        .map(|i| i["number"].as_u64().expect("number"))
        .collect()
}

#[test]
fn auth_token_matches_constant() {
    assert_eq!(AUTH.1, format!("Bearer {BOT_TOKEN}"));
}

#[tokio::test]
async fn issue_list_paginates_with_github_link_headers() {
    let gh = FakeGithub::start();
    for i in 1..=250 {
        let spec = IssueSpec::new(&format!("[API] issue {i}"), "body");
        let spec = if i == 7 { spec.pull_request() } else { spec };
        gh.add_issue(spec);
    }
    let base = format!("{}/repositories/1296269/issues", gh.url());

    let p1 = get(&gh, "/repos/owner/repo/issues?state=open&per_page=100").await;
    assert_eq!(p1.status, 200);
    assert_eq!(
        p1.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let n1 = numbers(&p1);
    assert_eq!(n1.len(), 100);
    assert_eq!(n1[0], 250, "newest first");
    assert_eq!(n1[99], 151);
    assert_eq!(
        p1.header("link").unwrap(),
        format!(
            "<{base}?state=open&per_page=100&page=2>; rel=\"next\", <{base}?state=open&per_page=100&page=3>; rel=\"last\""
        )
    );

    // Follow `next` verbatim, as a client should.
    let next = links(&p1).into_iter().find(|(r, _)| r == "next").unwrap().1;
    let p2 = http("GET", &next, &[AUTH], None).await;
    assert_eq!(p2.status, 200);
    let n2 = numbers(&p2);
    assert_eq!((n2.len(), n2[0], n2[99]), (100, 150, 51));
    let rels: Vec<String> = links(&p2).into_iter().map(|(r, _)| r).collect();
    assert_eq!(rels, ["prev", "next", "last", "first"]);
    assert!(links(&p2).contains(&(
        "first".into(),
        format!("{base}?state=open&per_page=100&page=1")
    )));

    let last = links(&p2).into_iter().find(|(r, _)| r == "last").unwrap().1;
    let p3 = http("GET", &last, &[AUTH], None).await;
    let n3 = numbers(&p3);
    assert_eq!((n3.len(), n3[0], n3[49]), (50, 50, 1));
    assert_eq!(
        p3.header("link").unwrap(),
        format!(
            "<{base}?state=open&per_page=100&page=2>; rel=\"prev\", <{base}?state=open&per_page=100&page=1>; rel=\"first\""
        )
    );
    // Pull requests are listed like GitHub does, with a `pull_request` key.
    let pr = p3
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["number"] == 7)
        .cloned()
        .unwrap();
    assert!(
        pr["pull_request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/pulls/7")
    );

    // Default per_page is 30; more than 100 is capped.
    let d = get(&gh, "/repos/owner/repo/issues").await;
    assert_eq!(numbers(&d).len(), 30);
    assert!(d.header("link").unwrap().contains("page=9>; rel=\"last\""));
    let capped = get(&gh, "/repos/owner/repo/issues?per_page=500").await;
    assert_eq!(numbers(&capped).len(), 100);

    // A single page has no Link header; closed issues are not listed.
    let small = FakeGithub::start();
    small.add_issue(IssueSpec::new("[API] a", "x"));
    let b = small.add_issue(IssueSpec::new("[API] b", "x"));
    send(
        &small,
        "PATCH",
        &format!("/repos/owner/repo/issues/{b}"),
        json!({"state": "closed"}),
    )
    .await;
    let r = get(&small, "/repos/owner/repo/issues?state=open").await;
    assert_eq!(numbers(&r), [1]);
    assert!(r.header("link").is_none());
    let all = get(&small, "/repos/owner/repo/issues?state=all").await;
    assert_eq!(numbers(&all), [2, 1]);
}

#[tokio::test]
async fn comments_are_created_updated_listed_and_deleted() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] x", "body"));
    gh.add_comment(n, "alice", "MEMBER", "first");

    let created = send(
        &gh,
        "POST",
        &format!("/repos/owner/repo/issues/{n}/comments"),
        json!({"body": "<!-- pendo-triage:report -->\nreport"}),
    )
    .await;
    assert_eq!(created.status, 201);
    let c = created.json();
    let id = c["id"].as_u64().unwrap();
    let url = c["url"].as_str().unwrap();
    assert_eq!(created.header("location"), Some(url));
    assert_eq!(
        url,
        format!("{}/repos/owner/repo/issues/comments/{id}", gh.url())
    );
    assert_eq!(c["user"]["login"], BOT_LOGIN);
    assert_eq!(c["user"]["type"], "Bot");
    assert_eq!(
        c["html_url"],
        format!("https://github.com/owner/repo/issues/{n}#issuecomment-{id}")
    );
    assert!(c["created_at"].as_str().unwrap().ends_with('Z'));

    let fetched = get(&gh, &format!("/repos/owner/repo/issues/comments/{id}")).await;
    assert_eq!(
        fetched.json()["body"],
        "<!-- pendo-triage:report -->\nreport"
    );

    let patched = send(
        &gh,
        "PATCH",
        &format!("/repos/owner/repo/issues/comments/{id}"),
        json!({"body": "updated"}),
    )
    .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json()["body"], "updated");
    assert!(patched.json()["updated_at"].as_str() > c["updated_at"].as_str());

    let list = get(
        &gh,
        &format!("/repos/owner/repo/issues/{n}/comments?per_page=1"),
    )
    .await;
    assert_eq!(list.json().as_array().unwrap().len(), 1);
    assert_eq!(list.json()[0]["body"], "first", "oldest first");
    assert!(list.header("link").unwrap().contains(&format!(
        "/repositories/1296269/issues/{n}/comments?per_page=1&page=2>; rel=\"next\""
    )));
    let issue = get(&gh, &format!("/repos/owner/repo/issues/{n}")).await;
    assert_eq!(issue.json()["comments"], 2);

    let deleted = http(
        "DELETE",
        &format!("{}/repos/owner/repo/issues/comments/{id}", gh.url()),
        &[AUTH],
        None,
    )
    .await;
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    let gone = get(&gh, &format!("/repos/owner/repo/issues/comments/{id}")).await;
    assert_eq!(gone.status, 404);
    assert_eq!(gone.json()["message"], "Not Found");

    let left = gh.comments(n);
    assert_eq!(left.len(), 1);
    assert_eq!(
        (left[0].author.as_str(), left[0].body.as_str()),
        ("alice", "first")
    );

    let empty = send(
        &gh,
        "POST",
        &format!("/repos/owner/repo/issues/{n}/comments"),
        json!({}),
    )
    .await;
    assert_eq!(empty.status, 422);
    assert_eq!(empty.json()["errors"][0]["code"], "missing_field");
    let no_issue = send(
        &gh,
        "POST",
        "/repos/owner/repo/issues/999/comments",
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(no_issue.status, 404);
}

#[tokio::test]
async fn labels_add_remove_create_and_validate() {
    let gh = FakeGithub::start();
    gh.add_label("pendo-api", "1d76db", "Pendo API");
    gh.add_label("needs-triage", "fbca04", "");
    let n =
        gh.add_issue(IssueSpec::new("[API] x", "b").labels(&["pendo-api", "needs-triage", "api"]));
    // Unknown labels on an issue are created grey.
    assert!(
        gh.repo_labels()
            .iter()
            .any(|l| l.name == "api" && l.color == "ededed" && l.description.is_none())
    );

    let added = send(
        &gh,
        "POST",
        &format!("/repos/owner/repo/issues/{n}/labels"),
        json!({"labels": ["severity:P0"]}),
    )
    .await;
    assert_eq!(added.status, 200);
    let names: Vec<String> = added
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["api", "needs-triage", "pendo-api", "severity:P0"]);
    let label = &added.json()[3];
    assert_eq!(label["color"], "ededed");
    assert_eq!(label["default"], false);
    assert!(label["node_id"].as_str().unwrap().starts_with("LA_"));
    assert_eq!(
        label["url"],
        format!("{}/repos/owner/repo/labels/severity:P0", gh.url())
    );

    let removed = http(
        "DELETE",
        &format!(
            "{}/repos/owner/repo/issues/{n}/labels/severity%3AP0",
            gh.url()
        ),
        &[AUTH],
        None,
    )
    .await;
    assert_eq!(removed.status, 200);
    assert_eq!(removed.json().as_array().unwrap().len(), 3);
    assert_eq!(gh.issue(n).labels, ["api", "needs-triage", "pendo-api"]);
    let again = http(
        "DELETE",
        &format!(
            "{}/repos/owner/repo/issues/{n}/labels/severity%3AP0",
            gh.url()
        ),
        &[AUTH],
        None,
    )
    .await;
    assert_eq!(again.status, 404);
    assert_eq!(again.json()["message"], "Label does not exist");

    // Repository labels.
    let got = get(&gh, "/repos/owner/repo/labels/severity%3AP0").await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json()["name"], "severity:P0");
    assert_eq!(get(&gh, "/repos/owner/repo/labels/nope").await.status, 404);
    let created = send(
        &gh,
        "POST",
        "/repos/owner/repo/labels",
        json!({"name": "severity:P1", "color": "D93F0B", "description": "Degraded"}),
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.json()["color"], "d93f0b");
    assert_eq!(created.header("location"), created.json()["url"].as_str());
    let dup = send(
        &gh,
        "POST",
        "/repos/owner/repo/labels",
        json!({"name": "SEVERITY:p1", "color": "ffffff"}),
    )
    .await;
    assert_eq!(dup.status, 422);
    let d = dup.json();
    assert_eq!(d["message"], "Validation Failed");
    assert_eq!(
        d["errors"],
        json!([{"resource": "Label", "code": "already_exists", "field": "name"}])
    );
    assert!(
        d["documentation_url"]
            .as_str()
            .unwrap()
            .starts_with("https://docs.github.com")
    );
    let bad_color = send(
        &gh,
        "POST",
        "/repos/owner/repo/labels",
        json!({"name": "z", "color": "#fff"}),
    )
    .await;
    assert_eq!(bad_color.status, 422);
    let all = get(&gh, "/repos/owner/repo/labels?per_page=100").await;
    assert_eq!(all.json().as_array().unwrap().len(), 5);
    assert_eq!(
        gh.repo_labels()
            .iter()
            .find(|l| l.name == "severity:P1")
            .unwrap()
            .description
            .as_deref(),
        Some("Degraded")
    );

    // PATCH labels replaces the set; PUT too.
    let patched = send(
        &gh,
        "PATCH",
        &format!("/repos/owner/repo/issues/{n}"),
        json!({"labels": ["pendo-api", "severity:P1"]}),
    )
    .await;
    assert_eq!(patched.status, 200);
    assert_eq!(gh.issue(n).labels, ["pendo-api", "severity:P1"]);
    let put = send(
        &gh,
        "PUT",
        &format!("/repos/owner/repo/issues/{n}/labels"),
        json!({"labels": ["api"]}),
    )
    .await;
    assert_eq!(put.status, 200);
    assert_eq!(gh.issue(n).labels, ["api"]);
}

#[tokio::test]
async fn authentication_and_rate_limit_headers() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] x", "b"));
    let path = format!("{}/repos/owner/repo/issues/{n}", gh.url());

    let anon = http("GET", &path, &[], None).await;
    assert_eq!(anon.status, 401);
    assert_eq!(anon.json()["message"], "Requires authentication");
    let bad = http("GET", &path, &[("Authorization", "token nope")], None).await;
    assert_eq!(bad.status, 401);
    assert_eq!(bad.json()["message"], "Bad credentials");

    let a = http("GET", &path, &[AUTH], None).await;
    let maintainer = format!("token {MAINTAINER_TOKEN}");
    let b = http("GET", &path, &[("Authorization", &maintainer)], None).await;
    assert_eq!((a.status, b.status), (200, 200));
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "x-ratelimit-used",
        "x-github-request-id",
    ] {
        assert!(a.header(h).is_some(), "missing {h}");
    }
    assert_eq!(a.header("x-ratelimit-resource"), Some("core"));
    assert_eq!(a.header("x-ratelimit-limit"), Some("5000"));
    let rem = |r: &HttpResponse| {
        r.header("x-ratelimit-remaining")
            .unwrap()
            .parse::<u64>()
            .unwrap()
    };
    assert_eq!(rem(&a), 4999);
    assert_eq!(rem(&b), 4998);
    assert_eq!(b.header("x-ratelimit-used"), Some("2"));
    assert_ne!(
        a.header("x-github-request-id"),
        b.header("x-github-request-id")
    );
    let reset: u64 = a.header("x-ratelimit-reset").unwrap().parse().unwrap();
    assert!(reset > epoch_now());

    // Quota exhausted: 403 until the reset.
    gh.set_rate_limit_remaining(0);
    let limited = http("GET", &path, &[AUTH], None).await;
    assert_eq!(limited.status, 403);
    assert!(
        limited.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("API rate limit exceeded")
    );
    assert_eq!(limited.header("x-ratelimit-remaining"), Some("0"));
    gh.set_rate_limit_remaining(10);

    let rl = get(&gh, "/rate_limit").await;
    assert_eq!(
        rl.json()["resources"]["core"]["remaining"],
        10,
        "rate_limit is free"
    );
}

#[tokio::test]
async fn after_effect_fault_creates_the_comment_but_answers_502() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] x", "b"));
    gh.inject(Fault::after_effect(Method::POST, "/comments", 502));
    let path = format!("/repos/owner/repo/issues/{n}/comments");

    let r = send(&gh, "POST", &path, json!({"body": "report"})).await;
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.body.contains("Unicorn"));
    assert_eq!(
        gh.comments(n).len(),
        1,
        "the comment exists despite the 502"
    );
    assert_eq!(gh.pending_faults(), 0);

    let again = send(&gh, "POST", &path, json!({"body": "report"})).await;
    assert_eq!(again.status, 201, "fires once");
    assert_eq!(gh.comments(n).len(), 2);

    // A failing request does not consume it.
    gh.inject(Fault::after_effect(Method::POST, "/comments", 502));
    let missing = send(
        &gh,
        "POST",
        "/repos/owner/repo/issues/99/comments",
        json!({"body": "x"}),
    )
    .await;
    assert_eq!(missing.status, 404);
    assert_eq!(gh.pending_faults(), 1);
}

#[tokio::test]
async fn secondary_and_primary_rate_limits_then_success() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] x", "b"));
    let path = format!("/repos/owner/repo/issues/{n}");
    gh.inject(Fault::secondary_rate_limit(Method::PATCH, &path));

    let r = send(&gh, "PATCH", &path, json!({"body": "new"})).await;
    assert_eq!(r.status, 403);
    assert_eq!(r.header("retry-after"), Some("1"));
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("secondary rate limit")
    );
    assert_ne!(r.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(gh.issue(n).body, "b", "nothing was written");
    let ok = send(&gh, "PATCH", &path, json!({"body": "new"})).await;
    assert_eq!(ok.status, 200);
    assert_eq!(gh.issue(n).body, "new");

    gh.inject(Fault::primary_rate_limit(Method::GET, &path));
    let p = get(&gh, &path).await;
    assert_eq!(p.status, 403);
    assert_eq!(p.header("x-ratelimit-remaining"), Some("0"));
    let reset: u64 = p.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = epoch_now();
    assert!(reset > now.saturating_sub(1) && reset <= now + 1);
    assert_eq!(get(&gh, &path).await.status, 200);

    // 429 and 5xx, more than once; `/issues/1` does not match `/issues/10`.
    gh.inject(Fault::status(Method::GET, &path, 429).times(2));
    gh.inject(Fault::status(Method::GET, "/labels", 503));
    let other = gh.add_issue(IssueSpec::new("[API] y", "b").number(10));
    assert_eq!(
        get(&gh, &format!("/repos/owner/repo/issues/{other}"))
            .await
            .status,
        200
    );
    let t1 = get(&gh, &path).await;
    assert_eq!((t1.status, t1.header("retry-after")), (429, Some("1")));
    assert_eq!(get(&gh, &path).await.status, 429);
    assert_eq!(get(&gh, &path).await.status, 200);
    assert_eq!(get(&gh, "/repos/owner/repo/labels").await.status, 503);
    assert_eq!(get(&gh, "/repos/owner/repo/labels").await.status, 200);
}

#[tokio::test]
async fn edit_body_after_read_changes_the_body_for_the_next_read() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] x", "- [ ] one\n- [ ] two"));
    gh.inject(Fault::edit_body_after_read(
        n,
        1,
        "- [ ] one\n- [ ] two\n- [ ] three",
    ));
    let path = format!("/repos/owner/repo/issues/{n}");

    let first = get(&gh, &path).await;
    assert_eq!(
        first.json()["body"],
        "- [ ] one\n- [ ] two",
        "the read itself sees the old body"
    );
    assert_eq!(gh.issue(n).body, "- [ ] one\n- [ ] two\n- [ ] three");
    let second = get(&gh, &path).await;
    assert_eq!(second.json()["body"], "- [ ] one\n- [ ] two\n- [ ] three");
    assert!(second.json()["updated_at"].as_str() > first.json()["updated_at"].as_str());
    assert_eq!(gh.pending_faults(), 0);

    // after_reads = 2: untouched after one read.
    gh.inject(Fault::edit_body_after_read(n, 2, "edited"));
    get(&gh, &path).await;
    assert_ne!(gh.issue(n).body, "edited");
    get(&gh, &path).await;
    assert_eq!(gh.issue(n).body, "edited");
}

#[tokio::test]
async fn request_log_records_method_path_query_body_status() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] x", "b"));
    get(&gh, &format!("/repos/owner/repo/issues/{n}")).await;
    get(&gh, "/repos/owner/repo/issues?state=open&per_page=100").await;
    send(
        &gh,
        "PATCH",
        &format!("/repos/owner/repo/issues/{n}"),
        json!({"title": "[API] y"}),
    )
    .await;
    http(
        "GET",
        &format!("{}/repos/owner/repo/issues/{n}", gh.url()),
        &[],
        None,
    )
    .await;

    let reqs = gh.requests();
    assert_eq!(reqs.len(), 4);
    assert_eq!(reqs[1].query, "state=open&per_page=100");
    assert_eq!(reqs[1].path, "/repos/owner/repo/issues");
    assert_eq!(reqs[3].status, 401);
    assert!(
        reqs[0]
            .headers
            .iter()
            .any(|(k, v)| k == "authorization" && v.starts_with("Bearer "))
    );
    let writes = gh.writes();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].method, Method::PATCH);
    assert_eq!(
        writes[0].line(),
        format!("PATCH /repos/owner/repo/issues/{n} -> 200")
    );
    assert_eq!(
        serde_json::from_str::<Value>(&writes[0].body).unwrap()["title"],
        "[API] y"
    );
    assert_eq!(gh.issue(n).title, "[API] y");
    gh.clear_requests();
    assert!(gh.requests().is_empty());
}

#[tokio::test]
async fn errors_look_like_github() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] x", "b"));
    let path = format!("/repos/owner/repo/issues/{n}");

    let bad_json = http(
        "PATCH",
        &format!("{}{path}", gh.url()),
        &[AUTH],
        Some("{not json"),
    )
    .await;
    assert_eq!(bad_json.status, 400);
    assert_eq!(bad_json.json()["message"], "Problems parsing JSON");
    let wrong_type = send(&gh, "PATCH", &path, json!({"body": 5})).await;
    assert_eq!(wrong_type.status, 422);
    assert!(
        wrong_type.json()["message"]
            .as_str()
            .unwrap()
            .contains("properties/body")
    );
    let bad_state = send(&gh, "PATCH", &path, json!({"state": "gone"})).await;
    assert_eq!(bad_state.status, 422);
    assert_eq!(gh.issue(n).body, "b");

    for p in [
        "/nope",
        "/repos/other/repo/issues",
        "/repos/owner/repo/issues/77",
        "/repos/owner/repo/wat",
    ] {
        let r = get(&gh, p).await;
        assert_eq!(r.status, 404, "{p}");
        assert_eq!(r.json()["message"], "Not Found");
        assert_eq!(
            r.json()["documentation_url"],
            "https://docs.github.com/rest"
        );
    }

    let closed = send(
        &gh,
        "PATCH",
        &path,
        json!({"state": "closed", "body": null}),
    )
    .await;
    assert_eq!(closed.status, 200);
    assert_eq!(closed.json()["state"], "closed");
    assert_eq!(closed.json()["state_reason"], "completed");
    assert!(closed.json()["closed_at"].is_string());
    assert!(closed.json()["body"].is_null());
    assert_eq!(gh.issue(n).state, "closed");
}

/// The fake's issue is GitHub's whole object (so a test that reads it as GitHub's is not
/// fooled by a thin fake), and the bot's own client reads it.
#[tokio::test]
async fn issue_json_has_githubs_fields_and_the_client_reads_it() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(
        IssueSpec::new("[API] x", "b")
            .labels(&["pendo-api"])
            .author("bob", "NONE")
            .number(42),
    );
    assert_eq!(n, 42);
    let v = get(&gh, "/repos/owner/repo/issues/42").await.json();
    for key in [
        "id",
        "node_id",
        "url",
        "repository_url",
        "labels_url",
        "comments_url",
        "events_url",
        "html_url",
        "number",
        "state",
        "title",
        "body",
        "user",
        "labels",
        "assignees",
        "author_association",
        "locked",
        "comments",
        "created_at",
        "updated_at",
    ] {
        assert!(v.get(key).is_some(), "issue lacks {key}");
    }
    assert_eq!(v["html_url"], "https://github.com/owner/repo/issues/42");
    assert_eq!(v["author_association"], "NONE");
    assert!(v.get("pull_request").is_none());
    let user = &v["user"];
    for key in [
        "login",
        "id",
        "node_id",
        "avatar_url",
        "gravatar_id",
        "url",
        "html_url",
        "followers_url",
        "following_url",
        "gists_url",
        "starred_url",
        "subscriptions_url",
        "organizations_url",
        "repos_url",
        "events_url",
        "received_events_url",
        "type",
        "site_admin",
    ] {
        assert!(user.get(key).is_some(), "user lacks {key}");
    }
    assert_eq!(
        (user["login"].as_str(), user["type"].as_str()),
        (Some("bob"), Some("User"))
    );
    for key in [
        "id",
        "node_id",
        "url",
        "name",
        "color",
        "default",
        "description",
    ] {
        assert!(v["labels"][0].get(key).is_some(), "label lacks {key}");
    }
    assert_eq!(gh.issue_json(42), v);
    assert_eq!(gh.repository_json()["full_name"], "owner/repo");

    let client = pendo_triage::github::Github::new(
        &gh.url(),
        BOT_TOKEN,
        &gh.repository(),
        Default::default(),
    )
    .unwrap();
    let issue = client.get_issue(42).await.unwrap();
    assert_eq!(
        (issue.number, issue.title.as_str(), issue.body()),
        (42, "[API] x", "b")
    );
    assert_eq!(issue.author_association, "NONE");
    let author = issue.user.as_ref().unwrap();
    assert_eq!(
        (author.login.as_str(), author.kind.as_str()),
        ("bob", "User")
    );
    assert_eq!(issue.label_names(), ["pendo-api"]);
    assert_eq!(
        (issue.state.as_str(), issue.closed_at.as_deref()),
        ("open", None)
    );
    assert_eq!(issue.created_at, v["created_at"].as_str().unwrap());
    assert!(!issue.is_pull_request());
}

#[tokio::test]
async fn contents_api_serves_base64_files() {
    let gh = FakeGithub::start();
    let text = "labels:\n  severity:\n    P0: severity:P0\n".repeat(5);
    gh.put_file(".github/pendo-triage.yml", &text);
    let r = get(&gh, "/repos/owner/repo/contents/.github/pendo-triage.yml").await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(
        (v["type"].as_str(), v["encoding"].as_str()),
        (Some("file"), Some("base64"))
    );
    assert_eq!(v["path"], ".github/pendo-triage.yml");
    assert_eq!(v["size"], text.len());
    assert_eq!(v["sha"].as_str().unwrap().len(), 40);
    let content = v["content"].as_str().unwrap();
    assert!(content.lines().all(|l| l.len() <= 60));
    assert!(content.lines().count() > 1);
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(content.replace('\n', ""))
        .unwrap();
    assert_eq!(String::from_utf8(decoded).unwrap(), text);

    let raw = http(
        "GET",
        &format!(
            "{}/repos/owner/repo/contents/.github/pendo-triage.yml",
            gh.url()
        ),
        &[AUTH, ("Accept", "application/vnd.github.raw+json")],
        None,
    )
    .await;
    assert_eq!(raw.body, text);
    let dir = get(&gh, "/repos/owner/repo/contents/.github").await;
    assert_eq!(dir.json()[0]["name"], "pendo-triage.yml");
    assert_eq!(
        get(&gh, "/repos/owner/repo/contents/missing.yml")
            .await
            .status,
        404
    );

    // Git's blob id of "hello\n".
    gh.put_file("hello.txt", "hello\n");
    let h = get(&gh, "/repos/owner/repo/contents/hello.txt")
        .await
        .json();
    assert_eq!(h["sha"], "ce013625030ba8dba906f756967f9e9ca394464a");
}

#[tokio::test]
async fn delay_fault_slows_the_answer() {
    let gh = FakeGithub::start();
    gh.inject(Fault::delay(Method::GET, "/labels", 300));
    let t = Instant::now();
    assert_eq!(get(&gh, "/repos/owner/repo/labels").await.status, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));
    let t = Instant::now();
    get(&gh, "/repos/owner/repo/labels").await;
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[test]
fn usable_from_blocking_tests_and_stops_on_drop() {
    let gh = FakeGithub::start();
    let n = gh.add_issue(IssueSpec::new("[API] blocking", "b"));
    let url = gh.url();
    assert!(url.starts_with("http://127.0.0.1:"));
    let r = http_blocking(
        "POST",
        &format!("{url}/repos/owner/repo/issues/{n}/comments"),
        &[AUTH],
        Some(r#"{"body":"hi"}"#),
    );
    assert_eq!(r.status, 201);
    assert_eq!(gh.comments(n)[0].body, "hi");
    drop(gh);
    let addr = url.trim_start_matches("http://");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "port closed after drop"
    );
}

#[test]
fn support_helpers_work() {
    assert!(support::bin().ends_with("pendo-triage"));
    let dir = support::temp_dir("selftest");
    let p = support::write_event(&dir, &json!({"action": "opened"}));
    let back: Value = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
    assert_eq!(back["action"], "opened");
    assert!(!support::example("prod-auth-401.md").is_empty());
    std::fs::remove_dir_all(dir).unwrap();
}

/// `GET /user` answers per token kind, as GitHub does: an installation token (the job's
/// `GITHUB_TOKEN`, an App's) is refused with 403 "Resource not accessible by
/// integration"; a personal access token gets its user (a classic one its scopes).
#[tokio::test]
async fn get_user_answers_per_token_kind() {
    let gh = FakeGithub::start();
    gh.add_token("ghs_fakeAppToken", "some-app[bot]", "NONE");
    for token in [BOT_TOKEN, "ghs_fakeAppToken"] {
        let auth = format!("Bearer {token}");
        let r = http(
            "GET",
            &format!("{}/user", gh.url()),
            &[("Authorization", auth.as_str())],
            None,
        )
        .await;
        assert_eq!(r.status, 403, "{token}");
        let v = r.json();
        assert_eq!(v["message"], "Resource not accessible by integration");
        assert_eq!(
            v["documentation_url"],
            "https://docs.github.com/rest/users/users#get-the-authenticated-user"
        );
        assert!(r.header("x-ratelimit-remaining").is_some());
    }
    let auth = format!("Bearer {MAINTAINER_TOKEN}");
    let r = http(
        "GET",
        &format!("{}/user", gh.url()),
        &[("Authorization", auth.as_str())],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["login"], "maintainer");
    assert_eq!(v["type"], "User");
    assert!(
        v["plan"].is_object(),
        "the private fields of one's own user"
    );
    assert_eq!(r.header("x-oauth-scopes"), Some("repo"));
    // Without a token: 401, as for every endpoint.
    let r = http("GET", &format!("{}/user", gh.url()), &[], None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["message"], "Requires authentication");
}
