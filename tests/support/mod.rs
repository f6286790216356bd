//! Helpers shared by the integration tests: the built binary, event files,
//! the example issues, a minimal HTTP/1.1 client, and the fake GitHub.
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

/// Sends one HTTP/1.1 request to a plain `http://host:port/path?query` URL
/// and reads the whole response (`Connection: close`). Panics on I/O errors.
pub async fn http(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> HttpResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (host, request) = build_request(method, url, headers, body);
    let mut stream = tokio::net::TcpStream::connect(&host)
        .await
        .unwrap_or_else(|e| panic!("connect {host}: {e}"));
    stream.write_all(&request).await.expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    parse_response(&raw)
}

/// [`http`] for blocking tests.
pub fn http_blocking(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> HttpResponse {
    use std::io::{Read, Write};
    let (host, request) = build_request(method, url, headers, body);
    let mut stream =
        std::net::TcpStream::connect(&host).unwrap_or_else(|e| panic!("connect {host}: {e}"));
    stream.write_all(&request).expect("send request");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    parse_response(&raw)
}

fn build_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (String, Vec<u8>) {
    let rest = url
        .strip_prefix("http://")
        .unwrap_or_else(|| panic!("only http:// URLs: {url}"));
    let (host, target) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    let has = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    if !has("user-agent") {
        req.push_str("User-Agent: pendo-triage-tests\r\n");
    }
    if !has("accept") {
        req.push_str("Accept: application/vnd.github+json\r\n");
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH") {
        if !has("content-type") {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body.as_bytes());
    (host.to_string(), bytes)
}

fn parse_response(raw: &[u8]) -> HttpResponse {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[split + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    HttpResponse {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    }
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&data[..eol]);
        let size_hex = size_text.split(';').next().unwrap_or("0").trim();
        let size = usize::from_str_radix(size_hex, 16).unwrap_or(0);
        data = &data[eol + 2..];
        if size == 0 || data.len() < size {
            break;
        }
        out.extend_from_slice(&data[..size]);
        data = data.get(size + 2..).unwrap_or_default();
    }
    out
}
