//! A small fake of Supabase's Management API on 127.0.0.1, so tests run
//! `supabase.functions` without the internet. Only what the product calls:
//! `GET /v1/projects/{ref}/functions` (the function list: `id`, `slug`, `version`,
//! `status`, `updated_at` in epoch milliseconds) and
//! `GET /v1/projects/{ref}/analytics/endpoints/logs.all?sql=…&iso_timestamp_start=…&iso_timestamp_end=…`
//! answering `{"result": [...], "error": null}` with log timestamps in epoch
//! microseconds, as the dashboard and the Supabase MCP server read them. The logs answer
//! reads which source the SQL selects from (`function_edge_logs` or `function_logs`), keeps
//! the rows of the function ids the SQL names and of the window, and refuses a window over
//! 24 hours. A wrong or missing bearer token gets 401, `forbidden` 403, an unknown project
//! 404, and `rate_limit` 429 with `Retry-After`. The error bodies (`{"message": …}`) are
//! guesses from the API's documented shape. Every request is recorded.

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::serve::{Served, serve};
use super::spans::Span;
use std::time::Instant;

/// A token the fake accepts unless told otherwise (obviously fake: `sbp_` and 40 hex).
pub const FAKE_ACCESS_TOKEN: &str = "sbp_fa4e00000000000000000000000000000000e57a";
/// The project the fake knows.
pub const PROJECT_REF: &str = "abcdefghijklmnop";

/// One deployed function.
#[derive(Debug, Clone)]
pub struct Function {
    pub id: String,
    pub slug: String,
    pub version: i64,
    pub status: String,
    /// Unix seconds of the last deploy.
    pub updated_at: i64,
}

/// One invocation (`function_edge_logs`).
#[derive(Debug, Clone)]
pub struct Invocation {
    /// Unix seconds when it was logged (its end).
    pub at: i64,
    pub function_id: String,
    pub status_code: u16,
    pub execution_time_ms: u64,
}

/// One console line (`function_logs`).
#[derive(Debug, Clone)]
pub struct ConsoleLine {
    pub at: i64,
    pub function_id: String,
    pub level: String,
    pub message: String,
}

/// What the fake answers from; change it with [`FakeManagement::knobs`].
#[derive(Debug, Clone, Default)]
pub struct Knobs {
    /// The accepted token; `None`: [`FAKE_ACCESS_TOKEN`].
    pub token: Option<String>,
    pub functions: Vec<Function>,
    pub invocations: Vec<Invocation>,
    pub console: Vec<ConsoleLine>,
    /// 403 for every request.
    pub forbidden: bool,
    /// 429 for the next `.0` requests, with `Retry-After: .1` seconds.
    pub rate_limit: Option<(u32, u64)>,
    /// A hostile API: every request answered with this, before the token is checked.
    pub hostile: Option<Hostile>,
    /// Every answer waits this long (milliseconds).
    pub delay_ms: u64,
}

/// `status` with `{"message": message}` and, when given, this `Retry-After` text.
#[derive(Debug, Clone)]
pub struct Hostile {
    pub status: u16,
    pub message: String,
    pub retry_after: Option<String>,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub status: u16,
    /// Arrival, and the moment the answer was ready (see [`super::spans`]).
    pub started: Instant,
    pub ended: Option<Instant>,
}

struct Shared {
    knobs: Mutex<Knobs>,
    log: Mutex<Vec<Recorded>>,
}

/// A running fake.
pub struct FakeManagement {
    shared: Arc<Shared>,
    served: Served,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl FakeManagement {
    pub fn start(knobs: Knobs) -> FakeManagement {
        let shared = Arc::new(Shared {
            knobs: Mutex::new(knobs),
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let served = serve("fake-management", app);
        FakeManagement { shared, served }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        self.served.url()
    }

    pub fn knobs(&self) -> MutexGuard<'_, Knobs> {
        lock(&self.shared.knobs)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        lock(&self.shared.log).clone()
    }

    /// When each request was in progress (see [`super::spans`]).
    pub fn spans(&self) -> Vec<Span> {
        lock(&self.shared.log)
            .iter()
            .map(|r| Span {
                what: format!("management {} {}", r.method, r.path),
                started: r.started,
                ended: r.ended,
            })
            .collect()
    }
}

fn answer(status: u16, body: Value, retry_after: Option<u64>) -> Response {
    let mut r = Response::builder()
        .status(StatusCode::from_u16(status).expect("status"))
        .header("content-type", "application/json");
    if let Some(s) = retry_after {
        r = r.header("retry-after", s.to_string());
    }
    r.body(Body::from(body.to_string())).expect("response")
}

async fn handle(State(shared): State<Arc<Shared>>, req: Request) -> Response {
    let started = Instant::now();
    let delay_ms = lock(&shared.knobs).delay_ms;
    tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    let authorization = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let hostile = lock(&shared.knobs).hostile.clone();
    if let Some(h) = hostile {
        let mut r = Response::builder()
            .status(StatusCode::from_u16(h.status).expect("status"))
            .header("content-type", "application/json");
        if let Some(text) = &h.retry_after {
            r = r.header("retry-after", text.as_str());
        }
        lock(&shared.log).push(Recorded {
            method: req.method().to_string(),
            path,
            query,
            authorization,
            status: h.status,
            started,
            ended: Some(Instant::now()),
        });
        let body = json!({"message": h.message}).to_string();
        return r.body(Body::from(body)).expect("response");
    }
    let (status, body, retry_after) = respond(
        &shared,
        req.method().as_str(),
        &path,
        &query,
        authorization.as_deref(),
    );
    lock(&shared.log).push(Recorded {
        method: req.method().to_string(),
        path,
        query,
        authorization,
        status,
        started,
        ended: Some(Instant::now()),
    });
    answer(status, body, retry_after)
}

fn respond(
    shared: &Shared,
    method: &str,
    path: &str,
    query: &str,
    authorization: Option<&str>,
) -> (u16, Value, Option<u64>) {
    let mut knobs = lock(&shared.knobs);
    let token = knobs
        .token
        .clone()
        .unwrap_or_else(|| FAKE_ACCESS_TOKEN.into());
    if authorization != Some(&format!("Bearer {token}")) {
        return (401, json!({"message": "Unauthorized"}), None);
    }
    if let Some((n, secs)) = knobs.rate_limit.filter(|(n, _)| *n > 0) {
        knobs.rate_limit = Some((n - 1, secs));
        return (429, json!({"message": "Too many requests"}), Some(secs));
    }
    if knobs.forbidden {
        return (
            403,
            json!({"message": "Your account does not have the necessary privileges to access this endpoint."}),
            None,
        );
    }
    if method != "GET" {
        return (405, json!({"message": "Method not allowed"}), None);
    }
    let prefix = format!("/v1/projects/{PROJECT_REF}/");
    let Some(rest) = path.strip_prefix(&prefix) else {
        return (404, json!({"message": "Project not found"}), None);
    };
    match rest {
        "functions" => (200, functions(&knobs), None),
        "analytics/endpoints/logs.all" => logs(&knobs, query),
        _ => (404, json!({"message": "Not found"}), None),
    }
}

fn functions(knobs: &Knobs) -> Value {
    Value::Array(
        knobs
            .functions
            .iter()
            .map(|f| {
                json!({
                    "id": f.id, "slug": f.slug, "name": f.slug, "status": f.status,
                    "version": f.version, "created_at": (f.updated_at - 86_400 * 30) * 1000,
                    "updated_at": f.updated_at * 1000, "verify_jwt": true,
                    "import_map": false, "entrypoint_path": "file:///src/index.ts",
                })
            })
            .collect(),
    )
}

/// A query parameter, percent-decoded.
fn param(query: &str, name: &str) -> Option<String> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| super::fake_github::percent_decode(v, true))
    })
}

fn unix(text: &str) -> Option<i64> {
    pendo_triage::clock::parse_rfc3339(text)
}

fn logs(knobs: &Knobs, query: &str) -> (u16, Value, Option<u64>) {
    let Some(sql) = param(query, "sql") else {
        return (400, json!({"message": "sql is required"}), None);
    };
    let start = param(query, "iso_timestamp_start")
        .as_deref()
        .and_then(unix);
    let end = param(query, "iso_timestamp_end").as_deref().and_then(unix);
    let (Some(start), Some(end)) = (start, end) else {
        return (
            400,
            json!({"message": "iso_timestamp_start and iso_timestamp_end must be ISO 8601 times"}),
            None,
        );
    };
    if end - start > 24 * 3600 {
        return (
            200,
            json!({"result": [], "error": {"code": 400, "message": "Query range exceeds the 24 hour limit"}}),
            None,
        );
    }
    let inside = |at: i64, id: &str| at >= start && at <= end && sql.contains(&format!("'{id}'"));
    let micros = |at: i64| at * 1_000_000;
    let rows: Vec<Value> = if sql.contains("from function_edge_logs") {
        knobs
            .invocations
            .iter()
            .filter(|i| inside(i.at, &i.function_id))
            .enumerate()
            .map(|(n, i)| {
                json!({
                    "id": format!("e{n}"), "timestamp": micros(i.at),
                    "event_message": format!("POST | {} | https://{PROJECT_REF}.supabase.co/functions/v1/…", i.status_code),
                    "status_code": i.status_code, "function_id": i.function_id,
                    "execution_time_ms": i.execution_time_ms,
                })
            })
            .collect()
    } else if sql.contains("from function_logs") {
        knobs
            .console
            .iter()
            .filter(|l| inside(l.at, &l.function_id))
            .filter(|l| l.level == "error" || l.level == "warning")
            .enumerate()
            .map(|(n, l)| {
                json!({
                    "id": format!("c{n}"), "timestamp": micros(l.at), "event_message": l.message,
                    "level": l.level, "event_type": "Log", "function_id": l.function_id,
                })
            })
            .collect()
    } else {
        return (
            200,
            json!({"result": [], "error": {"code": 400, "message": "unknown source"}}),
            None,
        );
    };
    let mut rows = rows;
    rows.sort_by_key(|r| std::cmp::Reverse(r["timestamp"].as_i64()));
    (200, json!({"result": rows, "error": null}), None)
}
