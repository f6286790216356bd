//! Helpers shared by the integration tests: the built binary, event files,
//! the example issues, an HTTP client for the fakes' self-tests, and the fake GitHub.
//!
//! The test binary (`tests/it/main.rs`) and the benches include this with
//! `#[path = ".../support/mod.rs"] mod support;`; a bench uses a subset, so unused items
//! are allowed here.
#![allow(dead_code, unused_imports)]

pub mod cli;
pub mod fake_github;
pub mod fake_management;
pub mod fake_pendo;
pub mod fake_pg_wire;
pub mod fake_postgrest;
pub mod pg;
pub mod project;
pub mod runner;
pub mod serve;
pub mod spans;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub use fake_github::{
    BOT_LOGIN, BOT_TOKEN, CommentSnapshot, FakeConfig, FakeGithub, Fault, FaultKind, IssueSnapshot,
    IssueSpec, LabelSnapshot, MAINTAINER_TOKEN, Method, RecordedRequest,
};

/// The built `pendo-triage` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_pendo-triage"))
}

/// A fresh, empty directory under the system temp dir, unique per call.
pub fn temp_dir(tag: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!(
        "pendo-triage-test-{tag}-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// Writes `event` as `event.json` in `dir` and returns its path (the value
/// for `GITHUB_EVENT_PATH`).
pub fn write_event(dir: &Path, event: &serde_json::Value) -> PathBuf {
    let path = dir.join("event.json");
    let text = serde_json::to_string_pretty(event).expect("serialize event");
    std::fs::write(&path, text).expect("write event file");
    path
}

/// The text of `examples/<name>`.
pub fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A response from [`http`].
#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    /// Header names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON. Panics with the body when it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("response is not JSON ({e}): {}", self.body))
    }
}

/// Sends one request to a plain `http://host:port/path?query` URL (a fake on 127.0.0.1)
/// with reqwest and reads the whole response. Unless given, `Accept` is GitHub's JSON and
/// `User-Agent` is `pendo-triage-tests`; a POST, PUT or PATCH has a body, JSON unless a
/// `Content-Type` is given. No proxy, no redirect followed (a test sees the 3xx), and a
/// client per call: each `#[tokio::test]` has its own runtime, and a pooled connection
/// must not outlive the one it was opened on. Panics on transport errors.
pub async fn http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> HttpResponse {
    assert!(url.starts_with("http://"), "only http:// URLs: {url}");
    let client = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .tls_built_in_root_certs(false)
        .build()
        .expect("a plain HTTP client");
    let method = reqwest::Method::from_bytes(method.as_bytes())
        .unwrap_or_else(|e| panic!("method {method:?}: {e}"));
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let mut request = client.request(method.clone(), url);
    if !has("user-agent") {
        request = request.header("User-Agent", "pendo-triage-tests");
    }
    if !has("accept") {
        request = request.header("Accept", "application/vnd.github+json");
    }
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let body = body.unwrap_or("");
    let writes = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
    if !body.is_empty() || writes {
        if !has("content-type") {
            request = request.header("Content-Type", "application/json");
        }
        request = request.body(body.to_string());
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes()).trim().to_string();
            (k.as_str().to_string(), v)
        })
        .collect();
    let body = response
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("read the body of {url}: {e}"));
    HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

/// [`http`] for blocking tests (on a runtime of its own).
pub fn http_blocking(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> HttpResponse {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for one request")
        .block_on(http(method, url, headers, body))
}
