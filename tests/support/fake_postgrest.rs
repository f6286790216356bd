//! A small fake of a Supabase project's REST API (the API gateway in front of PostgREST) on
//! 127.0.0.1, so the live Supabase checks can be tested without the internet. It serves only
//! what the product calls, read-only: the OpenAPI root, table reads (`select`, filters, `order`,
//! `limit`/`offset`, `Range`, `Prefer: count=…`, HEAD) and RPC calls, with the real status codes,
//! headers and error bodies. Writes are recorded and refused, so a test can assert none happened.
//!
//! What was checked against the real thing (sources in parentheses):
//! - Gateway: no key -> 401 `No API key found in request`, unknown key -> 401 `Invalid API key`
//!   with the `anon`/`service_role` hint (bodies quoted in supabase-js#479, supabase-csharp#108);
//!   `sb_secret_` keys are refused from a browser `User-Agent` with 401
//!   `Forbidden use of secret API key in browser` (Supabase docs guides/api/api-keys.mdx; body
//!   and `sb-error-code` as quoted by users); the OpenAPI root answers anon/publishable keys 401
//!   `Only the \`service_role\` API key can be used for this endpoint.` (quoted by many users).
//!   An `sb_` key as `Authorization: Bearer` equal to `apikey` reaches PostgREST and fails as a
//!   non-JWT (api-keys.mdx "Known limitations"; PGRST301 texts from PostgREST Error.hs for v13 and
//!   from user reports for v12); one that differs from `apikey` is refused by the gateway with an
//!   undocumented body: this fake guesses the `Invalid API key` one. `sb_` keys alone get a JWT of
//!   their role from the gateway (supabase/server#76); a legacy key alone leaves PostgREST with no
//!   JWT, so it runs as `anon` (self-hosted kong.yml has no transformer; hosted not verified).
//! - Paused project: status 540 (Supabase docs, HTTP status codes); the body
//!   `{"message":"Project paused"}` is what users quote, not documented.
//! - PostgREST (Error.hs, Response.hs, RangeQuery logic, docs pagination_count.rst, CHANGELOG):
//!   `Content-Range` is `lower-upper/total`, `*` for the range when no row is returned or the
//!   total is 0, `*` for the total without a count; status 416 (+ PGRST103) when the offset is past
//!   the total, 206 when fewer rows than the total came back, else 200 — the same in 12 and 13
//!   (since the 11.2.2 revert), and only with a count. `count=estimated` is exact up to
//!   `db-max-rows`, planned above. Errors are `{code,details,hint,message}`; 13 adds
//!   `Proxy-Status: PostgREST; error=<code>`. 42P01 -> 404, 42501 -> 401 for anon else 403,
//!   25006 -> 405, other SQLSTATEs -> 400. Supabase caps rows at 1000 by default (Supabase docs).
//! - Unknown table: 12 lets Postgres answer 404 `42P01 relation "public.x" does not exist`; 13
//!   (CHANGELOG 13.0.0, #3697/#3869) answers 404 PGRST205 `Could not find the table 'public.x' in
//!   the schema cache` with a hint `Perhaps you meant the table 'public.y'` for a close name.
//! - Unknown function: 404 PGRST202 with the (sorted) argument names, hint for a close name or
//!   the right arguments; unknown column: 400 42703 with Postgres' own hint. The fuzzy thresholds
//!   approximate FuzzySet (75%) and Postgres (3 edits, half the name).
//! - Choices, not verified: a write gets 405 `25006 cannot execute … in a read-only transaction`
//!   (what a read-only PostgREST says); a JWT with a wrong signature gets v12
//!   `JWSError JWSInvalidSignature` / v13 `No suitable key or wrong key type` (details text from
//!   a reimplementation's docs); the 503 override answers PGRST002; timestamps are compared as
//!   instants when a column value parses as one, else values compare as JSON.
//!
//! Not modelled: embedding, `or`/`not`, aliases, casts, `Prefer: return`, CSV. Such requests get
//! a 501 that names this fake, so a test never passes on a silently ignored feature.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::serve::{Served, serve};
use super::spans::Span;

/// The project ref inside the fake legacy JWTs.
pub const PROJECT_REF: &str = "fakeprojectreftest00";
/// A legacy `service_role` key: a real base64url header and payload, a fake signature.
pub const SERVICE_ROLE_JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImZha2Vwcm9qZWN0cmVmdGVzdDAwIiwicm9sZSI6InNlcnZpY2Vfcm9sZSIsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjo0MTAyNDQ0ODAwfQ.fake_signature_for_tests_only";
/// A legacy `anon` key, built the same way.
pub const ANON_JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImZha2Vwcm9qZWN0cmVmdGVzdDAwIiwicm9sZSI6ImFub24iLCJpYXQiOjE3MDAwMDAwMDAsImV4cCI6NDEwMjQ0NDgwMH0.fake_signature_for_tests_only";
/// A secret key (role `service_role`, bypasses RLS).
pub const SECRET_KEY: &str = "sb_secret_fake_test_key_0000000000000000";
/// A publishable key (role `anon`).
pub const PUBLISHABLE_KEY: &str = "sb_publishable_fake_test_key_00000000000";
/// A browser `User-Agent`, for the secret-key refusal.
pub const BROWSER_USER_AGENT: &str = "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0 Safari/537.36";
/// Supabase's default `db-max-rows`.
pub const DEFAULT_MAX_ROWS: usize = 1000;

const NO_KEY_HINT: &str = "No `apikey` request header or url param was found.";
const BAD_KEY_HINT: &str = "Double check your Supabase `anon` or `service_role` API key.";
const BROWSER_HINT: &str = "Secret API keys can only be used in a protected environment and \
    should never be used in a browser. Delete this secret API key immediately!";
const ROOT_HINT: &str = "Only the `service_role` API key can be used for this endpoint.";

/// Which PostgREST answers behind the gateway; they differ on unknown tables and JWT errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostgrestVersion {
    V12,
    V13,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anon,
    ServiceRole,
}

/// A table: rows are JSON objects; columns are every key seen (or declared for empty tables).
#[derive(Debug, Clone, Default)]
pub struct FakeTable {
    pub columns: Vec<String>,
    pub rows: Vec<Value>,
    /// What `count=planned` reports (the planner's estimate); the exact count when `None`.
    pub planned_count: Option<u64>,
    /// An RLS policy that lets `anon` see no row (the service role bypasses RLS).
    pub hidden_from_anon: bool,
}

impl FakeTable {
    pub fn new(rows: Vec<Value>) -> FakeTable {
        let mut table = FakeTable::default();
        for row in &rows {
            let row = row
                .as_object()
                .expect("fake table rows must be JSON objects");
            table = table.columns(&row.keys().map(String::as_str).collect::<Vec<_>>());
        }
        FakeTable { rows, ..table }
    }

    /// Declares columns (needed for a table without rows).
    pub fn columns(mut self, columns: &[&str]) -> FakeTable {
        for c in columns.iter().map(|c| c.to_string()) {
            if !self.columns.contains(&c) {
                self.columns.push(c);
            }
        }
        self
    }

    pub fn planned(self, estimate: u64) -> FakeTable {
        FakeTable {
            planned_count: Some(estimate),
            ..self
        }
    }

    pub fn hidden_from_anon(self) -> FakeTable {
        FakeTable {
            hidden_from_anon: true,
            ..self
        }
    }
}

/// What a fake function answers instead of a result.
#[derive(Debug, Clone)]
pub struct RpcError {
    pub status: u16,
    pub body: Value,
}

impl RpcError {
    /// `RAISE EXCEPTION '<message>'` inside the function: 400 with SQLSTATE P0001.
    pub fn raise(message: &str) -> RpcError {
        RpcError {
            status: 400,
            body: Reply::pg(400, "P0001", message).body,
        }
    }
}

type RpcFn = Arc<dyn Fn(&Map<String, Value>) -> Result<Value, RpcError> + Send + Sync>;

struct Function {
    params: Vec<String>,
    call: RpcFn,
    denied: bool,
}

/// Answer `status` to the next `times` requests whose path starts with `path_prefix`.
#[derive(Debug, Clone)]
pub struct StatusOverride {
    pub path_prefix: String,
    pub status: u16,
    pub times: u32,
}

/// Plain knobs; change them with [`FakePostgrest::knobs`].
#[derive(Debug, Clone)]
pub struct Knobs {
    pub version: PostgrestVersion,
    pub max_rows: usize,
    /// Answer 540, as Supabase does for a paused project.
    pub paused: bool,
    pub delay_ms: u64,
    /// Accept the request and never answer.
    pub hang: bool,
    pub overrides: Vec<StatusOverride>,
    /// A hostile or broken gateway: answers 200 with far more than was asked.
    pub huge: Option<HugeAnswer>,
    /// A hostile gateway: every request answered with this PostgREST-shaped error.
    pub hostile: Option<HostileError>,
}

/// `{"code", "details", "hint", "message"}` with `status`, to every request.
#[derive(Debug, Clone)]
pub struct HostileError {
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Option<String>,
}

/// Answer every request whose path starts with `path_prefix` 200 with a JSON list of
/// `element` repeated to about `bytes` bytes.
#[derive(Debug, Clone)]
pub struct HugeAnswer {
    pub path_prefix: String,
    pub bytes: usize,
    /// `{}` is the cheapest JSON to send and the dearest to decode.
    pub element: String,
}

/// `[e,e,…,e]` of at most `bytes` bytes.
pub fn repeated(element: &str, bytes: usize) -> Vec<u8> {
    let k = (bytes.saturating_sub(2) / (element.len() + 1)).max(1);
    let mut out = Vec::with_capacity(2 + k * (element.len() + 1));
    out.push(b'[');
    for i in 0..k {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(element.as_bytes());
    }
    out.push(b']');
    out
}

impl Default for Knobs {
    fn default() -> Knobs {
        let version = PostgrestVersion::V13;
        let (paused, hang, delay_ms, overrides) = (false, false, 0, Vec::new());
        Knobs {
            version,
            max_rows: DEFAULT_MAX_ROWS,
            paused,
            delay_ms,
            hang,
            overrides,
            huge: None,
            hostile: None,
        }
    }
}

/// One request as received (header names lowercase).
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    /// Arrival, and the moment the answer was ready (see [`super::spans`]).
    pub started: Instant,
    pub ended: Option<Instant>,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }

    /// Anything but a read: not GET/HEAD, and not a POST to `/rpc/`.
    pub fn is_write(&self) -> bool {
        let rpc = self.method == "POST" && self.path.starts_with("/rest/v1/rpc/");
        !(matches!(self.method.as_str(), "GET" | "HEAD") || rpc)
    }
}

#[derive(Default)]
struct State {
    knobs: Knobs,
    tables: BTreeMap<String, FakeTable>,
    functions: BTreeMap<String, Function>,
    requests: Vec<RecordedRequest>,
}

type Shared = Arc<Mutex<State>>;

/// The running fake; it stops when dropped.
pub struct FakePostgrest {
    served: Served,
    state: Shared,
}

impl FakePostgrest {
    /// Starts with PostgREST 13, no table, no function.
    pub fn start() -> FakePostgrest {
        let state = Shared::default();
        let app = Router::new().fallback(handle).with_state(state.clone());
        FakePostgrest {
            served: serve("fake-postgrest", app),
            state,
        }
    }

    /// The project URL, like `https://<ref>.supabase.co` (without `/rest/v1`).
    pub fn url(&self) -> &str {
        self.served.url()
    }

    pub fn knobs(&self, change: impl FnOnce(&mut Knobs)) {
        change(&mut self.lock().knobs);
    }

    pub fn add_table(&self, name: &str, table: FakeTable) {
        self.lock().tables.insert(name.to_string(), table);
    }

    /// Registers `public.<name>(params…)`; `call` gets the arguments (strings when from GET).
    /// A parameter written `name?` has a default and may be left out.
    pub fn add_function<F>(&self, name: &str, params: &[&str], call: F)
    where
        F: Fn(&Map<String, Value>) -> Result<Value, RpcError> + Send + Sync + 'static,
    {
        let params = params.iter().map(|p| p.to_string()).collect();
        let function = Function {
            params,
            call: Arc::new(call),
            denied: false,
        };
        self.lock().functions.insert(name.to_string(), function);
    }

    /// Revokes EXECUTE on a registered function: 42501 (401 for anon, 403 otherwise).
    pub fn deny_function(&self, name: &str) {
        let mut st = self.lock();
        st.functions
            .get_mut(name)
            .expect("deny_function: register it first")
            .denied = true;
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    pub fn writes(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(RecordedRequest::is_write)
            .collect()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// When each request was in progress (see [`super::spans`]).
    pub fn spans(&self) -> Vec<Span> {
        self.lock()
            .requests
            .iter()
            .map(|r| Span {
                what: format!("postgrest {} {}?{}", r.method, r.path, r.query),
                started: r.started,
                ended: r.ended,
            })
            .collect()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

fn lock(state: &Shared) -> MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

struct Incoming {
    method: String,
    path: String,
    params: Vec<(String, String)>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Incoming {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn handle(AxState(state): AxState<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let query = parts.uri.query().unwrap_or("").to_string();
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| (k.to_string(), lossy(v.as_bytes())));
    let record = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: query.clone(),
        headers: headers.collect(),
        started: Instant::now(),
        ended: None,
    };
    let (delay_ms, hang, huge, index) = {
        let mut st = lock(&state);
        st.requests.push(record.clone());
        let index = st.requests.len() - 1;
        (
            st.knobs.delay_ms,
            st.knobs.hang,
            st.knobs.huge.clone(),
            index,
        )
    };
    let answered = |st: &mut State| {
        if let Some(r) = st.requests.get_mut(index) {
            r.ended = Some(Instant::now());
        }
    };
    if let Some(h) = huge
        && record.path.starts_with(&h.path_prefix)
    {
        answered(&mut lock(&state));
        return Response::builder()
            .status(200)
            .header("content-type", "application/json; charset=utf-8")
            .body(Body::from(repeated(&h.element, h.bytes)))
            .unwrap();
    }
    if hang {
        std::future::pending::<()>().await;
    }
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    let (method, path, params) = (record.method, record.path, parse_query(&query));
    let req = Incoming {
        method,
        path,
        params,
        headers: parts.headers,
        body: body.to_vec(),
    };
    let mut st = lock(&state);
    let reply = respond(&mut st, &req).into_response(req.method == "HEAD", st.knobs.version);
    answered(&mut st);
    reply
}

fn respond(st: &mut State, req: &Incoming) -> Reply {
    if st.knobs.paused {
        return Reply::json(540, json!({"message": "Project paused"}));
    }
    if let Some(h) = &st.knobs.hostile {
        let body =
            json!({"code": h.code, "details": h.details, "hint": null, "message": h.message});
        return Reply::json(h.status, body);
    }
    if let Some(reply) = take_override(&mut st.knobs.overrides, &req.path) {
        return reply;
    }
    let rest = req.path.strip_prefix("/rest/v1");
    let Some(rest) = rest.filter(|r| r.is_empty() || r.starts_with('/')) else {
        return Reply::json(
            404,
            json!({"message": "no Route matched with those values"}),
        );
    };
    let root = rest.is_empty() || rest == "/";
    let role = match authenticate(req, st.knobs.version, root) {
        Ok(role) => role,
        Err(reply) => return reply,
    };
    let rpc = rest.strip_prefix("/rpc/");
    match req.method.as_str() {
        "GET" | "HEAD" => {}
        "POST" if rpc.is_some() => {}
        method => return read_only_refusal(method),
    }
    if let Some(reply) = unacceptable(req.header("accept"), root) {
        return reply;
    }
    match (root, rpc) {
        (true, _) => openapi(st),
        (false, Some(name)) => call_function(st, name, req, role),
        (false, None) => read_table(st, &rest[1..], req, role),
    }
}

fn take_override(overrides: &mut [StatusOverride], path: &str) -> Option<Reply> {
    let o = overrides
        .iter_mut()
        .find(|o| o.times > 0 && path.starts_with(&o.path_prefix))?;
    o.times -= 1;
    Some(match o.status {
        503 => Reply::pg(
            503,
            "PGRST002",
            "Could not query the database for the schema cache. Retrying.",
        ),
        status => Reply::json(
            status,
            json!({"message": format!("fake_postgrest override {status}")}),
        ),
    })
}

/// The API gateway, then PostgREST's JWT check; the role that reads the data.
fn authenticate(req: &Incoming, version: PostgrestVersion, root: bool) -> Result<Role, Reply> {
    let from_url = req
        .params
        .iter()
        .find(|(k, _)| k == "apikey")
        .map(|(_, v)| v.as_str());
    let Some(apikey) = req.header("apikey").or(from_url) else {
        let missing = "UNAUTHORIZED_MISSING_API_KEY";
        return Err(Reply::gateway(
            "No API key found in request",
            NO_KEY_HINT,
            missing,
        ));
    };
    let key_role = match apikey {
        SERVICE_ROLE_JWT | SECRET_KEY => Role::ServiceRole,
        ANON_JWT | PUBLISHABLE_KEY => Role::Anon,
        _ => {
            return Err(Reply::gateway(
                "Invalid API key",
                BAD_KEY_HINT,
                "UNAUTHORIZED_INVALID_API_KEY",
            ));
        }
    };
    let wrong_type = "UNAUTHORIZED_INVALID_API_KEY_TYPE";
    let browser = req
        .header("user-agent")
        .is_some_and(|ua| ua.starts_with("Mozilla/"));
    if apikey.starts_with("sb_secret_") && browser {
        let message = "Forbidden use of secret API key in browser";
        return Err(Reply::gateway(message, BROWSER_HINT, wrong_type));
    }
    let bearer = req
        .header("authorization")
        .and_then(|v| v.strip_prefix("Bearer "));
    if bearer.is_some_and(|token| token.starts_with("sb_") && token != apikey) {
        return Err(Reply::gateway(
            "Invalid API key",
            BAD_KEY_HINT,
            "UNAUTHORIZED_INVALID_API_KEY",
        ));
    }
    if root && key_role == Role::Anon {
        return Err(Reply::gateway("Invalid API key", ROOT_HINT, wrong_type));
    }
    match bearer {
        None if apikey.starts_with("sb_") => Ok(key_role),
        None => Ok(Role::Anon),
        Some(token) => jwt_role(token.trim(), version),
    }
}

fn jwt_role(token: &str, version: PostgrestVersion) -> Result<Role, Reply> {
    match token {
        SERVICE_ROLE_JWT => return Ok(Role::ServiceRole),
        ANON_JWT => return Ok(Role::Anon),
        _ => {}
    }
    let (message, details) = match (version, token.split('.').count()) {
        (PostgrestVersion::V12, 3) => ("JWSError JWSInvalidSignature".to_string(), Value::Null),
        (PostgrestVersion::V12, n) => {
            let m = format!("Invalid number of parts: Expected 3 parts; got {n}");
            (format!("JWSError (CompactDecodeError {m})"), Value::Null)
        }
        (PostgrestVersion::V13, 3) => {
            let details = json!("None of the keys was able to decode the JWT");
            ("No suitable key or wrong key type".to_string(), details)
        }
        (PostgrestVersion::V13, n) => (format!("Expected 3 parts in JWT; got {n}"), Value::Null),
    };
    let challenge = format!("Bearer error=\"invalid_token\", error_description={message:?}");
    let reply = Reply::pg(401, "PGRST301", &message).field("details", details);
    Err(reply.header("www-authenticate", challenge))
}

/// What a read-only database says to a write; PostgREST maps 25006 to 405.
fn read_only_refusal(method: &str) -> Reply {
    let verb = match method {
        "POST" | "PUT" => "INSERT",
        "PATCH" => "UPDATE",
        "DELETE" => "DELETE",
        _ => {
            return Reply::pg(
                405,
                "PGRST117",
                &format!("Unsupported HTTP method: {method}"),
            );
        }
    };
    Reply::pg(
        405,
        "25006",
        &format!("cannot execute {verb} in a read-only transaction"),
    )
}

fn unacceptable(accept: Option<&str>, root: bool) -> Option<Reply> {
    let types: Vec<&str> = accept?
        .split(',')
        .map(|t| t.split(';').next().unwrap_or("").trim())
        .collect();
    let fits = |t: &&str| {
        matches!(*t, "" | "*/*" | "application/*" | "application/json")
            || (root && *t == "application/openapi+json")
    };
    let message = format!(
        "None of these media types are available: {}",
        types.join(", ")
    );
    (!types.iter().any(fits)).then(|| Reply::pg(406, "PGRST107", &message))
}

/// A Swagger 2.0 document naming the tables (with their columns) and the functions.
fn openapi(st: &State) -> Reply {
    let mut paths = Map::new();
    let mut definitions = Map::new();
    for (name, table) in &st.tables {
        paths.insert(format!("/{name}"), json!({"get": {"tags": [name]}}));
        let props: Map<String, Value> = table
            .columns
            .iter()
            .map(|c| (c.clone(), json!({})))
            .collect();
        definitions.insert(name.clone(), json!({"type": "object", "properties": props}));
    }
    for name in st.functions.keys() {
        paths.insert(
            format!("/rpc/{name}"),
            json!({"get": {"tags": [format!("(rpc) {name}")]}}),
        );
    }
    let version = match st.knobs.version {
        PostgrestVersion::V12 => "12.2.12",
        PostgrestVersion::V13 => "13.0.5",
    };
    let info = json!({"description": "", "title": "standard public schema", "version": version});
    let host = format!("{PROJECT_REF}.supabase.co:443");
    let spec = json!({"swagger": "2.0", "info": info, "host": host, "basePath": "/",
        "schemes": ["https"], "paths": paths, "definitions": definitions});
    Reply::json(200, spec).header("content-type", "application/openapi+json; charset=utf-8")
}

#[derive(Clone)]
struct Filter {
    column: String,
    op: String,
    value: String,
    /// `not.<op>`.
    negate: bool,
}

struct OrderBy {
    column: String,
    desc: bool,
    nulls_first: bool,
}

#[derive(Default)]
struct Query {
    select: Option<Vec<String>>,
    filters: Vec<Filter>,
    order: Vec<OrderBy>,
    limit: Option<i64>,
    offset: i64,
}

fn parse_read(table: &FakeTable, name: &str, params: &[(String, String)]) -> Result<Query, Reply> {
    let column = |c: &str| match table.columns.iter().any(|k| k == c) {
        true => Ok(c.to_string()),
        false => Err(unknown_column(table, name, c)),
    };
    let mut q = Query::default();
    for (key, value) in params {
        match key.as_str() {
            "apikey" => {}
            "select" if value.trim() == "*" => {}
            "select" if value.contains(['(', ':']) => {
                return Err(unsupported("embeds, aliases or casts"));
            }
            "select" => {
                q.select = Some(
                    value
                        .split(',')
                        .map(|c| column(c.trim()))
                        .collect::<Result<_, _>>()?,
                )
            }
            "limit" => q.limit = value.parse().ok(),
            "offset" => q.offset = value.parse().unwrap_or(0),
            "order" => {
                for term in value.split(',') {
                    let mut bits = term.trim().split('.');
                    let column = column(bits.next().unwrap_or(""))?;
                    let mods: Vec<&str> = bits.collect();
                    let desc = mods.contains(&"desc");
                    let nulls_first =
                        mods.contains(&"nullsfirst") || (desc && !mods.contains(&"nullslast"));
                    q.order.push(OrderBy {
                        column,
                        desc,
                        nulls_first,
                    });
                }
            }
            "or" | "and" | "columns" | "on_conflict" => return Err(unsupported(key)),
            _ => {
                let Some((op, operand)) = value.split_once('.') else {
                    let at = value.len() + 1;
                    let message =
                        format!("\"failed to parse filter ({value})\" (line 1, column {at})");
                    return Err(Reply::pg(400, "PGRST100", &message));
                };
                // `not.` negates any operator (`entity_type=not.in.(a,b)`).
                let (negate, op, operand) = match (op, operand.split_once('.')) {
                    ("not", Some((inner, rest))) => (true, inner, rest),
                    _ => (false, op, operand),
                };
                if !matches!(op, "eq" | "neq" | "gt" | "gte" | "lt" | "lte" | "is" | "in") {
                    return Err(unsupported(op));
                }
                let (op, value) = (op.to_string(), operand.to_string());
                q.filters.push(Filter {
                    column: column(key)?,
                    op,
                    value,
                    negate,
                });
            }
        }
    }
    Ok(q)
}

fn read_table(st: &State, name: &str, req: &Incoming, role: Role) -> Reply {
    let Some(table) = st.tables.get(name) else {
        return missing_table(st, name);
    };
    let q = match parse_read(table, name, &req.params) {
        Ok(q) => q,
        Err(reply) => return reply,
    };
    let visible = !(role == Role::Anon && table.hidden_from_anon);
    let mut rows = Vec::new();
    for row in table.rows.iter().filter(|_| visible) {
        match q
            .filters
            .iter()
            .try_fold(true, |all, f| Ok(all && matches(row, f)?))
        {
            Ok(true) => rows.push(row),
            Ok(false) => {}
            Err(reply) => return reply,
        }
    }
    rows.sort_by(|a, b| {
        let mut terms = q.order.iter().map(|o| order_rows(a, b, o));
        terms.find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
    });
    let count = req.header("prefer").and_then(|p| {
        let mut counts = p.split(',').filter_map(|p| p.trim().strip_prefix("count="));
        counts.find(|c| matches!(*c, "exact" | "planned" | "estimated"))
    });
    let (exact, max_rows) = (rows.len() as u64, st.knobs.max_rows);
    let planned = table.planned_count.unwrap_or(exact);
    let total = count.map(|c| match c {
        "planned" => planned,
        "estimated" if exact > max_rows as u64 => planned,
        _ => exact,
    });
    let (lower, upper) = top_level_range(&q, req.header("range"), max_rows as i64);
    let in_range = |i: &usize| (lower..=upper).contains(&(*i as i64));
    let page = (0..rows.len())
        .filter(in_range)
        .map(|i| project(rows[i], q.select.as_deref()));
    paged(lower, page.collect(), total, count)
}

/// The range PostgREST answers for: `Range` ∩ `offset`/`limit`, capped at `max_rows` rows.
fn top_level_range(q: &Query, range: Option<&str>, max_rows: i64) -> (i64, i64) {
    let (mut lower, mut upper) = (q.offset, q.limit.map_or(i64::MAX, |l| q.offset + l - 1));
    let range = range.and_then(|r| r.trim().split_once('-'));
    if let Some((Ok(a), b)) = range.map(|(a, b)| (a.parse::<i64>(), b)) {
        lower = lower.max(a);
        upper = upper.min(b.parse().unwrap_or(i64::MAX));
    }
    (lower, upper.min(lower + max_rows - 1))
}

/// `Content-Range` and the status, the way PostgREST picks them.
fn paged(lower: i64, page: Vec<Value>, total: Option<u64>, count: Option<&str>) -> Reply {
    let n = page.len() as i64;
    let range = match total != Some(0) && n > 0 {
        true => format!("{lower}-{}", lower + n - 1),
        false => "*".to_string(),
    };
    let content_range = format!(
        "{range}/{}",
        total.map_or("*".to_string(), |t| t.to_string())
    );
    let reply = match total.map(|t| t as i64) {
        Some(t) if lower > t => {
            // Built like a result, not by the error handler: no `Proxy-Status`.
            let details =
                format!("An offset of {lower} was requested, but there are only {t} rows.");
            let error = Reply::pg(416, "PGRST103", "Requested range not satisfiable");
            Reply {
                code: None,
                ..error.field("details", details)
            }
        }
        Some(t) if n < t => Reply::json(206, Value::Array(page)),
        _ => Reply::json(200, Value::Array(page)),
    };
    let reply = reply.header("content-range", content_range);
    match count {
        Some(c) => reply.header("preference-applied", format!("count={c}")),
        None => reply,
    }
}

fn project(row: &Value, select: Option<&[String]>) -> Value {
    let Some(columns) = select else {
        return row.clone();
    };
    let pick = |c: &String| (c.clone(), row.get(c).cloned().unwrap_or(Value::Null));
    Value::Object(columns.iter().map(pick).collect())
}

fn matches(row: &Value, f: &Filter) -> Result<bool, Reply> {
    let value = row.get(&f.column).unwrap_or(&Value::Null);
    if f.negate {
        // SQL's NOT: a NULL comparison stays NULL, so the row is left out either way.
        if value.is_null() && f.op != "is" {
            return Ok(false);
        }
        let plain = Filter {
            negate: false,
            ..f.clone()
        };
        return Ok(!matches(row, &plain)?);
    }
    let verdict = match f.op.as_str() {
        "is" => match f.value.as_str() {
            "null" => value.is_null(),
            "not_null" => !value.is_null(),
            b => value.as_bool().is_some_and(|v| b == v.to_string()),
        },
        "in" => {
            let items = f.value.trim_start_matches('(').trim_end_matches(')');
            let items = items
                .split(',')
                .map(|i| compare(value, i.trim().trim_matches('"')));
            items
                .collect::<Result<Vec<_>, _>>()?
                .contains(&Some(Ordering::Equal))
        }
        op => compare(value, &f.value)?.is_some_and(|o| match op {
            "eq" => o.is_eq(),
            "neq" => o.is_ne(),
            "gt" => o.is_gt(),
            "gte" => o.is_ge(),
            "lt" => o.is_lt(),
            _ => o.is_le(),
        }),
    };
    Ok(verdict)
}

/// A column value against a filter literal, the way Postgres would cast the literal.
fn compare(value: &Value, literal: &str) -> Result<Option<Ordering>, Reply> {
    let Value::String(s) = value else {
        return Ok(match value {
            Value::Null => None,
            Value::Number(n) => literal
                .parse::<f64>()
                .ok()
                .and_then(|l| n.as_f64()?.partial_cmp(&l)),
            Value::Bool(b) => literal.parse::<bool>().ok().map(|l| b.cmp(&l)),
            other => Some(other.to_string().as_str().cmp(literal)),
        });
    };
    let Some(t) = timestamp(s) else {
        return Ok(Some(s.as_str().cmp(literal)));
    };
    let Some(l) = timestamp(literal) else {
        let message =
            format!("invalid input syntax for type timestamp with time zone: \"{literal}\"");
        return Err(Reply::pg(400, "22007", &message));
    };
    Ok(Some(t.cmp(&l)))
}

fn order_rows(a: &Value, b: &Value, o: &OrderBy) -> Ordering {
    let get = |row: &Value| row.get(&o.column).filter(|v| !v.is_null()).cloned();
    let ord = match (get(a), get(b)) {
        (None, None) => return Ordering::Equal,
        (None, Some(_)) => {
            return if o.nulls_first {
                Ordering::Less
            } else {
                Ordering::Greater
            };
        }
        (Some(_), None) => {
            return if o.nulls_first {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        (Some(Value::String(x)), Some(Value::String(y))) => match (timestamp(&x), timestamp(&y)) {
            (Some(p), Some(q)) => p.cmp(&q),
            _ => x.cmp(&y),
        },
        (Some(Value::Number(x)), Some(Value::Number(y))) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Some(x), Some(y)) => x.to_string().cmp(&y.to_string()),
    };
    if o.desc { ord.reverse() } else { ord }
}

/// Seconds and nanoseconds since 1970 of `YYYY-MM-DD[(T| )hh:mm:ss[.frac]][Z|±hh[:mm]]`, as
/// Postgres casts a `timestamptz` literal (no offset: UTC, the session zone of the
/// reference deployment). A date that does not exist, such as 2026-02-31, is no time.
fn timestamp(text: &str) -> Option<(i64, u32)> {
    let at = match text.parse::<jiff::Timestamp>() {
        Ok(at) => at,
        Err(_) => jiff::tz::Offset::UTC
            .to_timestamp(text.parse::<jiff::civil::DateTime>().ok()?)
            .ok()?,
    };
    let nanos = at.as_nanosecond();
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).ok()?;
    Some((secs, nanos.rem_euclid(1_000_000_000) as u32))
}

fn missing_table(st: &State, name: &str) -> Reply {
    if st.knobs.version == PostgrestVersion::V12 {
        return Reply::pg(
            404,
            "42P01",
            &format!("relation \"public.{name}\" does not exist"),
        );
    }
    let hint = closest(st.tables.keys(), name)
        .map(|t| format!("Perhaps you meant the table 'public.{t}'"));
    let message = format!("Could not find the table 'public.{name}' in the schema cache");
    Reply::pg(404, "PGRST205", &message).field("hint", hint)
}

/// Postgres' 42703, with its hint when a column is at most 3 edits (and half its length) away.
fn unknown_column(table: &FakeTable, name: &str, column: &str) -> Reply {
    let near = table.columns.iter().map(|c| (distance(c, column), c));
    let near = near
        .filter(|(d, c)| *d <= 3 && *d <= c.len() / 2)
        .min_by_key(|(d, _)| *d);
    let hint =
        near.map(|(_, c)| format!("Perhaps you meant to reference the column \"{name}.{c}\"."));
    Reply::pg(
        400,
        "42703",
        &format!("column {name}.{column} does not exist"),
    )
    .field("hint", hint)
}

fn call_function(st: &State, name: &str, req: &Incoming, role: Role) -> Reply {
    let params = req.params.iter().filter(|(k, _)| k != "apikey");
    let mut args: Map<String, Value> = params.map(|(k, v)| (k.clone(), json!(v))).collect();
    if req.method == "POST" {
        let body: Value = serde_json::from_slice(&req.body).unwrap_or_default();
        args.extend(body.as_object().cloned().unwrap_or_default());
    }
    let keys: Vec<&str> = args.keys().map(String::as_str).collect();
    let function = st.functions.get(name);
    // A parameter written `name?` has a default (`default null` in SQL): it may be left out.
    let mut wanted: Vec<&str> = function
        .iter()
        .flat_map(|f| f.params.iter().map(|p| p.trim_end_matches('?')))
        .collect();
    wanted.sort_unstable();
    let required = |f: &&Function| {
        f.params
            .iter()
            .filter(|p| !p.ends_with('?'))
            .all(|p| keys.contains(&p.as_str()))
            && keys.iter().all(|k| wanted.contains(k))
    };
    let Some(function) = function.filter(required) else {
        return no_function(st, name, &keys, &wanted, req.method == "POST");
    };
    if function.denied {
        let message = format!("permission denied for function {name}");
        return match role {
            Role::Anon => Reply::pg(401, "42501", &message).header("www-authenticate", "Bearer"),
            Role::ServiceRole => Reply::pg(403, "42501", &message),
        };
    }
    match (function.call)(&args) {
        Ok(value) => {
            let n = value.as_array().map_or(1, Vec::len);
            let range = if n == 0 {
                "*/*".to_string()
            } else {
                format!("0-{}/*", n - 1)
            };
            Reply::json(200, value).header("content-range", range)
        }
        Err(e) => {
            let code = e
                .body
                .get("code")
                .and_then(Value::as_str)
                .map(str::to_string);
            Reply {
                code,
                ..Reply::json(e.status, e.body)
            }
        }
    }
}

fn no_function(st: &State, name: &str, keys: &[&str], wanted: &[&str], post: bool) -> Reply {
    let list = keys.join(", ");
    let (in_message, in_details) = match keys.len() {
        0 => (
            " without parameters".to_string(),
            " without parameters".to_string(),
        ),
        1 => (format!("({list})"), format!(" with parameter {list}")),
        _ => (format!("({list})"), format!(" with parameters {list}")),
    };
    let or_json = if post {
        " or with a single unnamed json/jsonb parameter"
    } else {
        ""
    };
    let details = format!(
        "Searched for the function public.{name}{in_details}{or_json}, \
         but no matches were found in the schema cache."
    );
    let perhaps = "Perhaps you meant to call the function public.";
    let hint = match st.functions.contains_key(name) {
        true => Some(format!("{perhaps}{name}({})", wanted.join(", "))),
        false => closest(st.functions.keys(), name).map(|f| format!("{perhaps}{f}")),
    };
    let message =
        format!("Could not find the function public.{name}{in_message} in the schema cache");
    Reply::pg(404, "PGRST202", &message)
        .field("details", details)
        .field("hint", hint)
}

/// PostgREST's fuzzy hint: the most similar name, if at least 75% alike.
fn closest<'a>(names: impl Iterator<Item = &'a String>, wanted: &str) -> Option<&'a String> {
    let longest = |n: &str| n.chars().count().max(wanted.chars().count());
    let scored = names
        .map(|n| (distance(n, wanted), n))
        .filter(|(d, n)| d * 4 <= longest(n));
    scored.min_by_key(|(d, _)| *d).map(|(_, n)| n)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

fn unsupported(what: &str) -> Reply {
    Reply::json(
        501,
        json!({"message": format!("fake_postgrest does not implement {what}")}),
    )
}

fn parse_query(query: &str) -> Vec<(String, String)> {
    let pairs = query.split('&').filter(|p| !p.is_empty());
    pairs
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect()
}

/// `application/x-www-form-urlencoded` decoding, as PostgREST reads the query (`+` is a space).
fn decode(text: &str) -> String {
    super::fake_github::percent_decode(text, true)
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A response being built; `code` is the PostgREST error code, for v13's `Proxy-Status`.
struct Reply {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Value,
    code: Option<String>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Reply {
        let headers = vec![(
            "content-type",
            "application/json; charset=utf-8".to_string(),
        )];
        Reply {
            status,
            headers,
            body,
            code: None,
        }
    }

    /// A PostgREST (or Postgres) error: `{code, details, hint, message}`.
    fn pg(status: u16, code: &str, message: &str) -> Reply {
        let body = json!({"code": code, "details": null, "hint": null, "message": message});
        Reply {
            code: Some(code.to_string()),
            ..Reply::json(status, body)
        }
    }

    /// A 401 from the API gateway, before PostgREST.
    fn gateway(message: &str, hint: &str, sb_error_code: &str) -> Reply {
        let reply = Reply::json(401, json!({"message": message, "hint": hint}));
        reply.header("sb-error-code", sb_error_code)
    }

    fn field(mut self, name: &str, value: impl Into<Value>) -> Reply {
        self.body[name] = value.into();
        self
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.retain(|(k, _)| *k != name);
        self.headers.push((name, value.into()));
        self
    }

    fn into_response(mut self, head: bool, version: PostgrestVersion) -> Response {
        if let (Some(code), PostgrestVersion::V13) = (&self.code, version) {
            self.headers
                .push(("proxy-status", format!("PostgREST; error={code}")));
        }
        let body = if head {
            Body::empty()
        } else {
            Body::from(self.body.to_string())
        };
        let mut response = Response::new(body);
        *response.status_mut() =
            StatusCode::from_u16(self.status).expect("fake statuses are valid");
        for (name, value) in self.headers {
            let value = HeaderValue::from_str(&value).expect("fake header values are ASCII");
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), value);
        }
        response
    }
}
