//! The concrete GitHub client: the few REST calls the bot makes, over reqwest (the one
//! HTTP stack of the binary, shared with the live checks: rustls+ring, native roots), with
//! the bot's own retry rules.
//!
//! There is no GitHub trait: tests point `GITHUB_API_URL` at a fake server. The client is
//! built once per run: the base URL (`https://api.github.com`, or GHES's
//! `https://host/api/v3`, whose path every call keeps), `Authorization: Bearer`, GitHub's
//! media type and API version, a `User-Agent`, and a deadline on every exchange. No retry
//! is left to the transport, because a transport that retries re-sends POSTs: one 502 once
//! gave four identical comments. Here idempotent calls (GET, PATCH, DELETE, label
//! creation) retry on 5xx, 429 and secondary rate limits, honouring `retry-after` and
//! `x-ratelimit-reset`; a comment creation is never re-sent blindly: after a failure the
//! caller is told, and [`Github::create_comment_once`] is paired with a marker search.
//!
//! What GitHub answers is untrusted: an error body leaves only through
//! [`crate::outside`], and an answer larger than [`MAX_ANSWER`] is refused unread.

use reqwest::Method;
use reqwest::header::{self, HeaderMap, HeaderValue};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The largest answer read (a page of 100 issues of 65,536 characters each is ~26 MB).
pub const MAX_ANSWER: usize = 64 << 20;

/// How hard to try before giving up.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts per call, the first included.
    pub attempts: u32,
    /// First backoff; doubles per attempt.
    pub base: Duration,
    /// The longest single wait; a server asking for more is a failure.
    pub max_wait: Duration,
    /// Deadline of one HTTP exchange.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            base: Duration::from_secs(1),
            max_wait: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
        }
    }
}

/// A call that did not succeed. The message says what to do where that is known.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    #[error("GitHub answered {status} to {what}: {message}")]
    Status {
        status: u16,
        what: String,
        message: String,
        /// How long GitHub asked to wait (`retry-after`, rate-limit reset), when it did.
        retry_in: Option<Duration>,
    },
    #[error("GitHub request {what} failed: {message}")]
    Transport { what: String, message: String },
    #[error("GitHub's answer to {what} was not understood: {message}")]
    Decode { what: String, message: String },
    #[error("cannot reach GitHub at {url}: {message}; check GITHUB_API_URL")]
    Setup { url: String, message: String },
}

impl GithubError {
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when trying again later may work (5xx, rate limits, timeouts, resets).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Status {
                status, retry_in, ..
            } => *status >= 500 || *status == 429 || retry_in.is_some(),
            Self::Transport { .. } => true,
            _ => false,
        }
    }

    pub fn retry_in(&self) -> Option<Duration> {
        match self {
            Self::Status { retry_in, .. } => *retry_in,
            _ => None,
        }
    }
}

/// An issue as the bot needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct GhIssue {
    pub number: u64,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub labels: Vec<LabelRef>,
    #[serde(default)]
    pub comments: u64,
    #[serde(default)]
    pub author_association: String,
    #[serde(default)]
    pub pull_request: Option<Value>,
    /// RFC 3339, as GitHub writes it.
    #[serde(default)]
    pub created_at: String,
    /// Who opened it.
    #[serde(default)]
    pub user: Option<User>,
    /// `open` or `closed`.
    #[serde(default)]
    pub state: String,
    /// RFC 3339, while closed.
    #[serde(default)]
    pub closed_at: Option<String>,
    /// `completed`, `not_planned`, `reopened`, or none.
    #[serde(default)]
    pub state_reason: Option<String>,
}

impl GhIssue {
    pub fn body(&self) -> &str {
        self.body.as_deref().unwrap_or("")
    }

    pub fn label_names(&self) -> Vec<String> {
        self.labels.iter().map(|l| l.name.clone()).collect()
    }

    pub fn is_pull_request(&self) -> bool {
        self.pull_request.as_ref().is_some_and(|v| !v.is_null())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct LabelRef {
    pub name: String,
}

/// A comment as the bot needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub created_at: String,
    /// Who wrote it (absent for a deleted account).
    #[serde(default)]
    pub user: Option<User>,
    /// Its address on the web (`https://github.com/o/r/issues/1#issuecomment-2`).
    #[serde(default)]
    pub html_url: String,
}

impl Comment {
    pub fn body(&self) -> &str {
        self.body.as_deref().unwrap_or("")
    }
}

/// A comment's author.
#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub login: String,
    /// `User`, `Bot` or `Organization`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: String,
}

/// The client for one repository.
pub struct Github {
    client: reqwest::Client,
    /// The API's root without a trailing `/`; every path starts with `/`.
    base: String,
    repo: String,
    retry: RetryPolicy,
    calls: AtomicU32,
    writes: AtomicU32,
    label_calls: AtomicU32,
}

impl Github {
    /// A client for `repo` (`owner/name`) at `api_url` (`https://api.github.com`, or GHES's
    /// `https://host/api/v3`).
    pub fn new(
        api_url: &str,
        token: &str,
        repo: &str,
        retry: RetryPolicy,
    ) -> Result<Self, GithubError> {
        let setup = |message: String| GithubError::Setup {
            url: api_url.to_string(),
            message,
        };
        let base = api_url.trim_end_matches('/');
        let parsed = reqwest::Url::parse(base).map_err(|e| setup(e.to_string()))?;
        if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
            return Err(setup("not an http(s) URL".into()));
        }
        let mut auth = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
            setup("the token holds a character no HTTP header can carry (a line break?)".into())
        })?;
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, auth);
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/vnd.github+json"),
        );
        headers.insert(
            "x-github-api-version",
            HeaderValue::from_static("2022-11-28"),
        );
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(crate::live::tls::https())
            .user_agent(concat!("pendo-triage/", env!("CARGO_PKG_VERSION")))
            .default_headers(headers)
            .connect_timeout(retry.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| setup(crate::errors::error_chain(&e)))?;
        Ok(Self {
            client,
            base: base.to_string(),
            repo: repo.to_string(),
            retry,
            calls: AtomicU32::new(0),
            writes: AtomicU32::new(0),
            label_calls: AtomicU32::new(0),
        })
    }

    /// HTTP exchanges so far (every attempt counts).
    pub fn calls(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Exchanges with the repository's label list (listing and creating labels).
    pub fn label_calls(&self) -> u32 {
        self.label_calls.load(Ordering::Relaxed)
    }

    /// Non-GET exchanges so far.
    pub fn writes(&self) -> u32 {
        self.writes.load(Ordering::Relaxed)
    }

    fn path(&self, rest: &str) -> String {
        format!("/repos/{}/{rest}", self.repo)
    }

    /// One exchange, no retry.
    async fn exchange(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, GithubError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if path.starts_with(&self.path("labels")) {
            self.label_calls.fetch_add(1, Ordering::Relaxed);
        }
        if *method != Method::GET {
            self.writes.fetch_add(1, Ordering::Relaxed);
        }
        let what = format!("{method} {path}");
        let transport = |message: String| GithubError::Transport {
            what: what.clone(),
            message,
        };
        let late = || {
            transport(format!(
                "no answer within {}",
                crate::live::http::seconds(self.retry.timeout)
            ))
        };
        let mut request = self
            .client
            .request(method.clone(), format!("{}{path}", self.base))
            .timeout(self.retry.timeout);
        if let Some(body) = body {
            // Every write passes the held-credential scrub last: no key the bot holds is
            // ever sent to GitHub, whichever text carried it here.
            request = request
                .header(header::CONTENT_TYPE, "application/json")
                .body(scrub_json(body).to_string());
        }
        let reached = |e: reqwest::Error| {
            if e.is_timeout() {
                late()
            } else {
                transport(crate::errors::error_chain(&e.without_url()))
            }
        };
        let read = async {
            let mut resp = request.send().await.map_err(reached)?;
            let status = resp.status().as_u16();
            tracing::debug!("GitHub {what} -> {status}");
            let headers = resp.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(reached)? {
                if body.len() + chunk.len() > MAX_ANSWER {
                    return Err(transport(format!(
                        "the answer is larger than {} MiB",
                        MAX_ANSWER >> 20
                    )));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer {
                status,
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            })
        };
        // reqwest's deadline covers the whole exchange; this one also bounds a server
        // that trickles a body forever.
        tokio::time::timeout(self.retry.timeout, read)
            .await
            .unwrap_or_else(|_| Err(late()))
    }

    /// How long to wait before trying again, or `None` when retrying cannot help.
    fn wait_for(
        &self,
        status: u16,
        headers: &HeaderMap,
        body: &str,
        attempt: u32,
    ) -> Option<Duration> {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let backoff = self.retry.base * 2u32.saturating_pow(attempt.saturating_sub(1));
        let retry_after = header("retry-after")
            .and_then(|v| v.parse::<u64>().ok())
            .map(Duration::from_secs);
        let secondary = body.to_ascii_lowercase().contains("secondary rate limit");
        let exhausted = header("x-ratelimit-remaining") == Some("0");
        let wanted = match status {
            403 | 429 if retry_after.is_some() => retry_after.unwrap_or(backoff),
            403 | 429 if exhausted && !secondary => {
                let reset = header("x-ratelimit-reset")?.parse::<u64>().ok()?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                Duration::from_secs(reset.saturating_sub(now) + 1)
            }
            403 if secondary => backoff.max(Duration::from_secs(1)),
            429 => backoff,
            500..=599 => retry_after.unwrap_or(backoff),
            _ => return None,
        };
        (wanted <= self.retry.max_wait).then_some(wanted)
    }

    /// An idempotent call with retries; `Ok` only for 2xx.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, GithubError> {
        let what = format!("{method} {path}");
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.attempts;
            match self.exchange(&method, path, body).await {
                Ok(a) if (200..300).contains(&a.status) => return Ok(a),
                Ok(a) => {
                    let wait = self.wait_for(a.status, &a.headers, &a.body, attempt);
                    match wait {
                        Some(wait) if !last => {
                            log_retry(&what, &format!("status {}", a.status), wait);
                            tokio::time::sleep(wait).await;
                        }
                        _ => return Err(status_error(&what, &a, wait)),
                    }
                }
                Err(e) if !last => {
                    let wait = self.retry.base * 2u32.saturating_pow(attempt - 1);
                    log_retry(&what, &e.to_string(), wait);
                    tokio::time::sleep(wait).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn call_json<T: for<'de> Deserialize<'de>>(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, GithubError> {
        let a = self.call(method.clone(), path, body).await?;
        decode(&format!("{method} {path}"), &a.body)
    }

    /// Every page of a list endpoint (per_page=100), following `Link: rel="next"`.
    async fn list<T: for<'de> Deserialize<'de>>(&self, path: &str) -> Result<Vec<T>, GithubError> {
        let mut out = Vec::new();
        let sep = if path.contains('?') { '&' } else { '?' };
        for page in 1..=100 {
            let url = format!("{path}{sep}per_page=100&page={page}");
            let a = self.call(Method::GET, &url, None).await?;
            let mut items: Vec<T> = decode(&format!("GET {url}"), &a.body)?;
            let empty = items.is_empty();
            out.append(&mut items);
            let next = a
                .headers
                .get("link")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|l| l.contains("rel=\"next\""));
            if !next || empty {
                break;
            }
        }
        Ok(out)
    }

    pub async fn get_issue(&self, number: u64) -> Result<GhIssue, GithubError> {
        self.call_json(Method::GET, &self.path(&format!("issues/{number}")), None)
            .await
    }

    /// Open issues (pull requests excluded), every page.
    pub async fn list_open_issues(&self) -> Result<Vec<GhIssue>, GithubError> {
        let all: Vec<GhIssue> = self
            .list(&self.path("issues?state=open&sort=created&direction=asc"))
            .await?;
        Ok(all.into_iter().filter(|i| !i.is_pull_request()).collect())
    }

    /// The newest issues, open or closed, that carry `label` (one page of 100, newest
    /// first; pull requests excluded): where the watch finds its own latest issue.
    pub async fn list_labelled_issues(&self, label: &str) -> Result<Vec<GhIssue>, GithubError> {
        let label: String = label
            .bytes()
            .map(|b| match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        let path = self.path(&format!(
            "issues?state=all&labels={label}&sort=created&direction=desc&per_page=100"
        ));
        let a = self.call(Method::GET, &path, None).await?;
        let all: Vec<GhIssue> = decode(&format!("GET {path}"), &a.body)?;
        Ok(all.into_iter().filter(|i| !i.is_pull_request()).collect())
    }

    /// Reopens an issue, writing `body` in the same PATCH.
    pub async fn reopen_issue(&self, number: u64, body: &str) -> Result<(), GithubError> {
        let path = self.path(&format!("issues/{number}"));
        let patch = json!({ "state": "open", "body": body });
        self.call(Method::PATCH, &path, Some(&patch))
            .await
            .map(drop)
    }

    /// An issue's comments, oldest first, every page.
    pub async fn list_comments(&self, number: u64) -> Result<Vec<Comment>, GithubError> {
        self.list(&self.path(&format!("issues/{number}/comments")))
            .await
    }

    /// POSTs a comment exactly once (no retry: the POST may have worked although the
    /// answer says otherwise). Pair with a marker search before trying again.
    pub async fn create_comment_once(
        &self,
        number: u64,
        body: &str,
    ) -> Result<Comment, GithubError> {
        let path = self.path(&format!("issues/{number}/comments"));
        let what = format!("POST {path}");
        let a = self
            .exchange(&Method::POST, &path, Some(&json!({ "body": body })))
            .await?;
        if (200..300).contains(&a.status) {
            decode(&what, &a.body)
        } else {
            let wait = self.wait_for(a.status, &a.headers, &a.body, 1);
            Err(status_error(&what, &a, wait))
        }
    }

    /// Who the token is (`GET /user`): `Some` for a person's token; `None` when GitHub
    /// refuses because an installation token (the job's `GITHUB_TOKEN`, a GitHub App's)
    /// is no user: 403 "Resource not accessible by integration". A rate limit is an error,
    /// not an answer.
    pub async fn authenticated_user(&self) -> Result<Option<User>, GithubError> {
        match self.call(Method::GET, "/user", None).await {
            Ok(a) => decode("GET /user", &a.body).map(Some),
            Err(e)
                if e.status() == Some(403)
                    && e.retry_in().is_none()
                    && !e.to_string().contains("rate limit") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The wait before trying a failed comment creation again, as for any call.
    pub fn backoff(&self, attempt: u32) -> Duration {
        (self.retry.base * 2u32.saturating_pow(attempt.saturating_sub(1))).min(self.retry.max_wait)
    }

    pub fn attempts(&self) -> u32 {
        self.retry.attempts
    }

    pub async fn update_comment(&self, id: u64, body: &str) -> Result<(), GithubError> {
        let path = self.path(&format!("issues/comments/{id}"));
        self.call(Method::PATCH, &path, Some(&json!({ "body": body })))
            .await
            .map(drop)
    }

    /// Deletes a comment; one that is already gone counts as deleted.
    pub async fn delete_comment(&self, id: u64) -> Result<(), GithubError> {
        let path = self.path(&format!("issues/comments/{id}"));
        match self.call(Method::DELETE, &path, None).await {
            Err(e) if e.status() == Some(404) => Ok(()),
            other => other.map(drop),
        }
    }

    /// One PATCH with the new title, body and/or the full label set.
    pub async fn update_issue(
        &self,
        number: u64,
        title: Option<&str>,
        body: Option<&str>,
        labels: Option<&[String]>,
    ) -> Result<GhIssue, GithubError> {
        let mut patch = serde_json::Map::new();
        if let Some(t) = title {
            patch.insert("title".into(), json!(t));
        }
        if let Some(b) = body {
            patch.insert("body".into(), json!(b));
        }
        if let Some(l) = labels {
            patch.insert("labels".into(), json!(l));
        }
        let path = self.path(&format!("issues/{number}"));
        self.call_json(Method::PATCH, &path, Some(&Value::Object(patch)))
            .await
    }

    /// The repository's label names, every page.
    pub async fn list_labels(&self) -> Result<Vec<String>, GithubError> {
        let labels: Vec<LabelRef> = self.list(&self.path("labels")).await?;
        Ok(labels.into_iter().map(|l| l.name).collect())
    }

    /// Creates a label; one that already exists counts as created.
    pub async fn create_label(
        &self,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<(), GithubError> {
        let body = json!({ "name": name, "color": color, "description": description });
        match self
            .call(Method::POST, &self.path("labels"), Some(&body))
            .await
        {
            Err(e) if e.status() == Some(422) && e.to_string().contains("already_exists") => Ok(()),
            other => other.map(drop),
        }
    }

    /// Opens an issue exactly once (no retry: the POST may have worked although the answer
    /// says otherwise). Pair with a search before trying again.
    pub async fn create_issue_once(
        &self,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> Result<GhIssue, GithubError> {
        let path = self.path("issues");
        let what = format!("POST {path}");
        let payload = json!({ "title": title, "body": body, "labels": labels });
        let a = self.exchange(&Method::POST, &path, Some(&payload)).await?;
        if (200..300).contains(&a.status) {
            decode(&what, &a.body)
        } else {
            let wait = self.wait_for(a.status, &a.headers, &a.body, 1);
            Err(status_error(&what, &a, wait))
        }
    }

    /// Closes an issue with a reason (`completed`, `not_planned`).
    pub async fn close_issue(&self, number: u64, reason: &str) -> Result<(), GithubError> {
        let path = self.path(&format!("issues/{number}"));
        let body = json!({ "state": "closed", "state_reason": reason });
        self.call(Method::PATCH, &path, Some(&body)).await.map(drop)
    }

    /// Closes an issue with a reason, writing `body` in the same PATCH.
    pub async fn close_issue_with_body(
        &self,
        number: u64,
        reason: &str,
        body: &str,
    ) -> Result<(), GithubError> {
        let path = self.path(&format!("issues/{number}"));
        let patch = json!({ "state": "closed", "state_reason": reason, "body": body });
        self.call(Method::PATCH, &path, Some(&patch))
            .await
            .map(drop)
    }

    /// A file of the default branch through the contents API; `None` when there is none.
    pub async fn get_file(&self, path: &str) -> Result<Option<String>, GithubError> {
        let url = self.path(&format!("contents/{}", path.trim_start_matches('/')));
        let what = format!("GET {url}");
        match self.call(Method::GET, &url, None).await {
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
            Ok(a) => {
                let v: Value = decode(&what, &a.body)?;
                let content = v["content"]
                    .as_str()
                    .unwrap_or("")
                    .replace(['\n', '\r'], "");
                use base64::Engine;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(content)
                    .map_err(|e| GithubError::Decode {
                        what: what.clone(),
                        message: e.to_string(),
                    })?;
                Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
            }
        }
    }
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, body: &str) -> Result<T, GithubError> {
    serde_json::from_str(body).map_err(|e| GithubError::Decode {
        what: what.to_string(),
        message: e.to_string(),
    })
}

fn status_error(what: &str, a: &Answer, retry_in: Option<Duration>) -> GithubError {
    // GitHub's words are outside text, its JSON `message` as much as an error page: they
    // leave redacted, on one line, cut.
    let line = |text: &str| crate::outside::emit(text, 200, crate::outside::Sink::Line);
    let v: Value = serde_json::from_str(&a.body).unwrap_or(Value::Null);
    let mut message = v["message"].as_str().map_or_else(
        || {
            if a.body.trim_start().starts_with('<') {
                "an HTML error page".to_string()
            } else {
                line(&a.body)
            }
        },
        line,
    );
    if let Some(errors) = v["errors"].as_array() {
        let codes: Vec<String> = errors
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e["field"].as_str().unwrap_or(""),
                    e["code"].as_str().unwrap_or("")
                )
            })
            .collect();
        message.push_str(&format!(" ({})", line(&codes.join(", "))));
    }
    let hint = match a.status {
        401 => "; the token was refused: check the `github-token` input",
        403 | 404 if !message.contains("rate limit") => {
            "; check that the workflow grants `permissions: issues: write, contents: read`"
        }
        _ => "",
    };
    GithubError::Status {
        status: a.status,
        what: what.to_string(),
        message: format!("{message}{hint}"),
        retry_in,
    }
}

fn log_retry(what: &str, why: &str, wait: Duration) {
    tracing::warn!("{what}: {why}; retrying in {} ms", wait.as_millis());
}

/// A request body with every string passed through the held-credential scrub.
fn scrub_json(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(crate::outside::scrub(s).into_owned()),
        Value::Array(items) => Value::Array(items.iter().map(scrub_json).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), scrub_json(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> Github {
        Github::new(
            "http://127.0.0.1:9",
            "t",
            "o/r",
            RetryPolicy {
                max_wait: Duration::from_secs(60),
                ..Default::default()
            },
        )
        .unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn waits_follow_github_rules() {
        let g = client();
        let none = HeaderMap::new();
        assert_eq!(g.wait_for(502, &none, "", 1), Some(Duration::from_secs(1)));
        assert_eq!(g.wait_for(503, &none, "", 3), Some(Duration::from_secs(4)));
        assert_eq!(
            g.wait_for(429, &headers(&[("retry-after", "7")]), "", 1),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            g.wait_for(403, &headers(&[("retry-after", "2")]), "", 1),
            Some(Duration::from_secs(2))
        );
        assert!(
            g.wait_for(403, &none, "You have exceeded a secondary rate limit", 1)
                .is_some()
        );
        // A plain 403 (permissions) and 404/422 are not retried.
        assert_eq!(
            g.wait_for(403, &none, "Resource not accessible by integration", 1),
            None
        );
        assert_eq!(g.wait_for(422, &none, "", 1), None);
        // Waits past the cap fail instead.
        assert_eq!(
            g.wait_for(429, &headers(&[("retry-after", "3600")]), "", 1),
            None
        );
    }

    #[test]
    fn a_bad_base_url_or_token_is_told_at_once() {
        let new = |url: &str, token: &str| {
            Github::new(url, token, "o/r", RetryPolicy::default())
                .err()
                .map(|e| e.to_string())
        };
        assert_eq!(new("https://ghe.example/api/v3/", "t"), None);
        let e = new("ghe.example/api/v3", "t").unwrap();
        assert!(
            e.starts_with("cannot reach GitHub at ghe.example/api/v3: "),
            "{e}"
        );
        assert!(e.ends_with("check GITHUB_API_URL"), "{e}");
        let e = new("ftp://ghe.example", "t").unwrap();
        assert!(e.contains("not an http(s) URL"), "{e}");
        let e = new("https://api.github.com", "ghs_fake\nline").unwrap();
        assert!(e.contains("line break"), "{e}");
        assert!(!e.contains("ghs_fake"), "{e}");
    }

    #[test]
    fn githubs_error_words_leave_as_outside_text() {
        let key = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
        let answer = |body: String| Answer {
            status: 400,
            headers: HeaderMap::new(),
            body,
        };
        let body = json!({
            "message": format!("Problems parsing JSON\n::error::pwned {key}"),
            "errors": [{"field": "body", "code": format!("invalid\n{key}")}],
        });
        let e = status_error("POST /x", &answer(body.to_string()), None).to_string();
        assert!(
            e.starts_with("GitHub answered 400 to POST /x: Problems parsing JSON ::error::pwned"),
            "{e}"
        );
        assert!(!e.contains('\n') && !e.contains(key), "{e}");
        assert!(e.contains("(body invalid"), "{e}");
        // Not JSON: the text, on one line and redacted; an HTML page is named, not shown.
        let e = status_error("GET /x", &answer(format!("bad\ngateway {key}")), None).to_string();
        assert!(e.contains(": bad gateway "), "{e}");
        assert!(!e.contains('\n') && !e.contains(key), "{e}");
        let e = status_error("GET /x", &answer("<html>unicorn</html>".into()), None).to_string();
        assert!(e.ends_with(": an HTML error page"), "{e}");
    }
}
