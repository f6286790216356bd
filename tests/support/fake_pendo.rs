//! A small fake of Pendo's v1 REST API on 127.0.0.1, so tests run the product's live Pendo
//! checks without the internet. Only what the product calls: the account metadata schema
//! (the auth probe), the guide/feature/page/report lists (default app only unless
//! `?expand=*`) and `POST /api/v1/aggregation` (events per day from an `events` source;
//! per guide from a `guideEvents` source grouped by `guideId`), with Pendo's status codes
//! and error bodies. Rows come deterministically from the test's `now_ms` and counts; plain
//! knobs, changeable between runs, inject failures; every request is recorded.
//! Seen from the real API: 422 [`PIPELINE_REQUIRED`], 400 `missing jzb`, and 403 with an
//! empty body for a bad key (401 here by default, as asked). Other error bodies are guesses.

use std::io::{BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, request::Parts};
use axum::response::Response;
use serde_json::{Value, json};

use super::serve::{Served, serve};
use super::spans::Span;

/// The key a fake accepts unless told otherwise (obviously fake, US-region `.us` suffix).
pub const FAKE_PENDO_KEY: &str = "fa4e0000-7e57-4e57-8e57-000000000001.us";
/// Pendo's id of a subscription's first app: the lists' only app without `expand=*`.
pub const DEFAULT_APP_ID: i64 = -323232;
/// The subscription's other apps; their rows alternate between these.
pub const OTHER_APP_IDS: [i64; 2] = [5629499534213120, 6192449487634432];
pub const DAY_MS: i64 = 86_400_000;
/// Reference time when a test sets none: 2026-01-01T12:00:00Z.
pub const DEFAULT_NOW_MS: i64 = 1_767_268_800_000;
/// Pendo's body (422) for an aggregation without `request.pipeline`.
pub const PIPELINE_REQUIRED: &str = r#"{"overall":{},"fields":{"pipeline":"Required"}}"#;

/// The UTC midnight (epoch ms) of the day holding `ms`.
pub fn utc_midnight(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// A broken 200 answer of a list endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFault {
    /// The JSON array cut in the middle (a complete HTTP response of half the bytes).
    Truncated,
    /// An HTML error page instead of JSON.
    Html,
    /// A valid JSON array of at least this many bytes, streamed (ids repeat every 64 rows).
    Huge(u64),
    /// `[{},{},…]` of about this many bytes: the cheapest rows to send, the most to count.
    EmptyObjects(usize),
}

/// 429 for the next `requests` requests.
#[derive(Debug, Clone, Default)]
pub struct RateLimit {
    pub requests: u32,
    /// `Retry-After` seconds; `None` sends no such header.
    pub retry_after_secs: Option<u64>,
    /// `X-RateLimit-Limit`, sent with `-Remaining: 0` and `-Reset` (epoch s); `None`: none.
    pub limit: Option<u32>,
}

/// `status` for the next `times` requests whose path starts with `prefix`.
#[derive(Debug, Clone)]
pub struct PathFault {
    pub prefix: String,
    pub status: u16,
    pub times: u32,
}

/// Everything the fake answers from; change it at runtime with [`FakePendo::knobs`].
/// List counts are `(default app rows, other apps rows)`.
#[derive(Debug, Clone)]
pub struct Knobs {
    pub now_ms: i64,
    pub guides: (usize, usize),
    pub features: (usize, usize),
    pub pages: (usize, usize),
    pub reports: (usize, usize),
    /// Events of all apps per UTC day, most recent last: the last is the day before
    /// `now_ms`'s day. Days with 0 events, or before the first entry, have no result row.
    pub events_per_day: Vec<u64>,
    /// `guideSeen` events per guide over any requested window, `(guideId, count)`: the
    /// answer to a `guideEvents` source grouped by `guideId` (guides at 0 have no row).
    pub guide_views: Vec<(String, u64)>,
    /// Accepted `x-pendo-integration-key` values.
    pub keys: Vec<String>,
    /// Status (empty body) for a missing or unknown key.
    pub unknown_key_status: u16,
    /// Answer this (empty body) to everything: 401/403, or 400 for a wrong-region host.
    pub reject_status: Option<u16>,
    pub delay_ms: u64,
    /// Never answer: the product must time out.
    pub hang: bool,
    pub rate_limit: RateLimit,
    pub path_faults: Vec<PathFault>,
    /// `(path prefix, fault)` for the list endpoints; the last match wins.
    pub body_faults: Vec<(String, BodyFault)>,
    /// Aggregations with a pipeline stage of this name (e.g. "group") answer 500.
    pub fail_stage: Option<String>,
    /// A careless (or hostile) API: every answer echoes the key it was sent, in an
    /// `X-RateLimit-Key` header, and a rejection says `Unauthorized <key>` in its body.
    pub echo_key: bool,
    /// A hostile API: every request is answered with this, whatever it asked.
    pub hostile: Option<Hostile>,
}

/// What a hostile Pendo answers to everything: a status, a plain-text body and a header.
#[derive(Debug, Clone)]
pub struct Hostile {
    pub status: u16,
    pub body: String,
    /// `(name, value)`; the value must be a valid header value (visible ASCII).
    pub header: Option<(String, String)>,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            now_ms: DEFAULT_NOW_MS,
            guides: (3, 2),
            features: (4, 2),
            pages: (3, 1),
            reports: (2, 1),
            events_per_day: vec![1200, 1310, 1250, 980, 1400, 1330, 1290],
            guide_views: Vec::new(),
            keys: vec![FAKE_PENDO_KEY.to_string()],
            unknown_key_status: 401,
            reject_status: None,
            delay_ms: 0,
            hang: false,
            rate_limit: RateLimit::default(),
            path_faults: Vec::new(),
            body_faults: Vec::new(),
            fail_stage: None,
            echo_key: false,
            hostile: None,
        }
    }
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Names lowercase, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// `None` until answered (forever, with `hang`).
    pub status: Option<u16>,
    /// Arrival, and the moment the answer was ready (see [`super::spans`]).
    pub started: Instant,
    pub ended: Option<Instant>,
}

impl RecordedRequest {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        let mut headers = self.headers.iter();
        let found = headers.find(|(k, _)| k.eq_ignore_ascii_case(name));
        found.map(|(_, v)| v.as_str())
    }
}

struct Shared {
    knobs: Mutex<Knobs>,
    log: Mutex<Vec<RecordedRequest>>,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Counts a request as in progress until dropped.
struct InFlight(Arc<Shared>);

impl InFlight {
    fn enter(shared: &Arc<Shared>) -> Self {
        let now = shared.in_flight.fetch_add(1, SeqCst) + 1;
        shared.peak.fetch_max(now, SeqCst);
        InFlight(shared.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, SeqCst);
    }
}

/// A running fake; stops when dropped.
pub struct FakePendo {
    shared: Arc<Shared>,
    served: Served,
}

/// Sets up a [`FakePendo`]; what is not set keeps [`Knobs::default`].
pub struct FakePendoBuilder(Knobs);

/// `name(default_app, other_apps)`: the row counts of a list.
macro_rules! counts {
    ($($name:ident),*) => {$(
        pub fn $name(mut self, default_app: usize, other_apps: usize) -> Self {
            self.0.$name = (default_app, other_apps);
            self
        }
    )*};
}

impl FakePendoBuilder {
    counts!(guides, features, pages, reports);
    pub fn now_ms(self, now_ms: i64) -> Self {
        self.knobs(|k| k.now_ms = now_ms)
    }
    pub fn events_per_day(self, most_recent_last: Vec<u64>) -> Self {
        self.knobs(|k| k.events_per_day = most_recent_last)
    }
    pub fn guide_views(self, views: Vec<(String, u64)>) -> Self {
        self.knobs(|k| k.guide_views = views)
    }
    /// The accepted keys, instead of [`FAKE_PENDO_KEY`]; `&[]` rejects every key.
    pub fn keys(self, keys: &[&str]) -> Self {
        self.knobs(|k| k.keys = keys.iter().map(|key| key.to_string()).collect())
    }
    /// Any other knob, before the start.
    pub fn knobs(mut self, change: impl FnOnce(&mut Knobs)) -> Self {
        change(&mut self.0);
        self
    }
    pub fn start(self) -> FakePendo {
        let shared = Arc::new(Shared {
            knobs: Mutex::new(self.0),
            log: Mutex::new(Vec::new()),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let served = serve("fake-pendo", app);
        FakePendo { shared, served }
    }
}

impl FakePendo {
    pub fn builder() -> FakePendoBuilder {
        FakePendoBuilder(Knobs::default())
    }
    /// `http://127.0.0.1:PORT`: the Pendo base URL for the product.
    pub fn url(&self) -> &str {
        self.served.url()
    }
    /// The knobs, locked: `pendo.knobs().delay_ms = 200;` (unlock before requests).
    pub fn knobs(&self) -> MutexGuard<'_, Knobs> {
        lock(&self.shared.knobs)
    }
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }
    /// Forgets the recorded requests and resets [`Self::max_in_flight`].
    pub fn clear_requests(&self) {
        lock(&self.shared.log).clear();
        let now = self.shared.in_flight.load(SeqCst);
        self.shared.peak.store(now, SeqCst);
    }
    /// The most requests in progress at once (from arrival to the answer's headers, or
    /// to the end of a streamed body).
    pub fn max_in_flight(&self) -> usize {
        self.shared.peak.load(SeqCst)
    }
    /// When each request was in progress (see [`super::spans`]).
    pub fn spans(&self) -> Vec<Span> {
        let log = lock(&self.shared.log);
        log.iter()
            .map(|r| Span {
                what: format!("pendo {} {}", r.method, r.path),
                started: r.started,
                ended: r.ended,
            })
            .collect()
    }
    pub fn fail_path(&self, prefix: &str, status: u16, times: u32) {
        let prefix = prefix.to_string();
        self.knobs().path_faults.push(PathFault {
            prefix,
            status,
            times,
        });
    }
    pub fn fault_body(&self, prefix: &str, fault: BodyFault) {
        self.knobs().body_faults.push((prefix.to_string(), fault));
    }
}

/// A ready response, or a huge list to stream.
enum Answer {
    Now(Response),
    Huge(Kind, i64, u64),
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let in_flight = InFlight::enter(&shared);
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20).await;
    let body = body.unwrap_or_default();
    let index = record(&shared, &parts, &body);
    let (delay_ms, hang) = {
        let knobs = lock(&shared.knobs);
        (knobs.delay_ms, knobs.hang)
    };
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    if hang {
        std::future::pending::<()>().await;
    }
    let answer = answer(&mut lock(&shared.knobs), &parts, &body);
    let mut response = match answer {
        Answer::Now(response) => response,
        Answer::Huge(kind, now_ms, bytes) => stream_huge(kind, now_ms, bytes, in_flight).await,
    };
    if lock(&shared.knobs).echo_key {
        let key = parts.headers.get("x-pendo-integration-key").cloned();
        if let Some(key) = key {
            response.headers_mut().insert("x-ratelimit-key", key);
        }
    }
    if let Some(seen) = lock(&shared.log).get_mut(index) {
        seen.status = Some(response.status().as_u16());
        seen.ended = Some(Instant::now());
    }
    response
}

fn record(shared: &Shared, parts: &Parts, body: &[u8]) -> usize {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let headers = parts.headers.iter();
    let mut log = lock(&shared.log);
    log.push(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: headers
            .map(|(k, v)| (k.to_string(), text(v.as_bytes())))
            .collect(),
        body: text(body),
        status: None,
        started: Instant::now(),
        ended: None,
    });
    log.len() - 1
}

/// Faults first (rate limit, rejection, key, path status), then the endpoint.
fn answer(knobs: &mut Knobs, parts: &Parts, body: &[u8]) -> Answer {
    if let Some(h) = &knobs.hostile {
        let mut response = plain(h.status, &h.body);
        if let Some((name, value)) = &h.header
            && let (Ok(name), Ok(value)) = (
                axum::http::HeaderName::try_from(name.as_str()),
                HeaderValue::from_bytes(value.as_bytes()),
            )
        {
            response.headers_mut().insert(name, value);
        }
        return Answer::Now(response);
    }
    if let Some(limited) = rate_limited(knobs) {
        return Answer::Now(limited);
    }
    if let Some(status) = knobs.reject_status {
        return Answer::Now(plain(status, ""));
    }
    let key = parts.headers.get("x-pendo-integration-key");
    let key = key.and_then(|k| k.to_str().ok()).unwrap_or_default();
    if !knobs.keys.iter().any(|k| k == key) {
        let body = if knobs.echo_key {
            format!("Unauthorized {key}\n")
        } else {
            String::new()
        };
        return Answer::Now(plain(knobs.unknown_key_status, &body));
    }
    let path = parts.uri.path();
    let mut faults = knobs.path_faults.iter_mut();
    if let Some(fault) = faults.find(|f| f.times > 0 && path.starts_with(&f.prefix)) {
        fault.times -= 1;
        let reason = StatusCode::from_u16(fault.status)
            .ok()
            .and_then(|s| s.canonical_reason());
        return Answer::Now(plain(
            fault.status,
            &format!("{}\n", reason.unwrap_or("Error")),
        ));
    }
    let (get, post) = (parts.method == Method::GET, parts.method == Method::POST);
    Answer::Now(match path {
        "/api/v1/metadata/schema/account" if get => json_text(200, account_schema()),
        "/api/v1/aggregation" if get => plain(400, "missing jzb\n"),
        "/api/v1/aggregation" if post => aggregate(knobs, body),
        _ => match Kind::from_path(path) {
            Some(kind) if get => return list(knobs, kind, parts),
            _ => plain(404, "404 page not found\n"),
        },
    })
}

fn rate_limited(knobs: &mut Knobs) -> Option<Response> {
    let limit = &mut knobs.rate_limit;
    limit.requests = limit.requests.checked_sub(1)?;
    let mut response = plain(429, "Too Many Requests\n");
    let headers = response.headers_mut();
    if let Some(secs) = limit.retry_after_secs {
        headers.insert("retry-after", HeaderValue::from(secs));
    }
    if let Some(max) = limit.limit {
        let reset = knobs.now_ms / 1000 + limit.retry_after_secs.unwrap_or(60) as i64;
        headers.insert("x-ratelimit-limit", HeaderValue::from(max));
        headers.insert("x-ratelimit-remaining", HeaderValue::from(0));
        headers.insert("x-ratelimit-reset", HeaderValue::from(reset));
    }
    Some(response)
}

fn respond(status: u16, content_type: &str, body: impl Into<Body>) -> Response {
    let response = Response::builder().status(status);
    let response = response.header("content-type", content_type);
    response
        .body(body.into())
        .expect("valid status and headers")
}

fn plain(status: u16, text: &str) -> Response {
    respond(status, "text/plain; charset=utf-8", text.to_string())
}

fn json_text(status: u16, json: Value) -> Response {
    respond(status, "application/json", json.to_string())
}

/// Account metadata schema: group -> field -> Pendo's field description.
fn account_schema() -> Value {
    let field = |ty: &str, name: &str| {
        json!({"Type": ty, "DisplayName": name, "ElementType": "", "ElementFormat": "",
            "Dirty": false, "isHidden": false, "isDeleted": false, "isCalculated": false,
            "isPerApp": false, "neverIndex": false})
    };
    json!({
        "auto": {"id": field("string", "Account ID"), "firstvisit": field("time", "First Visit"),
            "lastvisit": field("time", "Last Visit"), "lastupdated": field("time", "Last Updated")},
        "agent": {"name": field("string", "Name"), "planlevel": field("string", "Plan Level"),
            "creationdate": field("time", "Creation Date"), "is_paying": field("boolean", "Is Paying")},
        "custom": {"arr": field("number", "ARR"), "region": field("string", "Region")},
    })
}

// ---- the lists ----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Guide,
    Feature,
    Page,
    Report,
}

const KINDS: [Kind; 4] = [Kind::Guide, Kind::Feature, Kind::Page, Kind::Report];
/// Pendo's `kind` values, in [`KINDS`] order.
const LABELS: [&str; 4] = ["Guide", "Feature", "Page", "Report"];
const NAMES: [[&str; 3]; 4] = [
    ["Welcome tour", "Release notes", "NPS survey"],
    ["Export button", "Save filter", "Search bar"],
    ["Dashboard", "Account settings", "Billing"],
    ["Weekly active users", "Feature adoption", "Top accounts"],
];

impl Kind {
    fn from_path(path: &str) -> Option<Kind> {
        let name = path.strip_prefix("/api/v1/")?;
        KINDS
            .into_iter()
            .find(|k| LABELS[*k as usize].to_lowercase() == name)
    }
    fn counts(self, knobs: &Knobs) -> (usize, usize) {
        [knobs.guides, knobs.features, knobs.pages, knobs.reports][self as usize]
    }
}

fn list(knobs: &Knobs, kind: Kind, parts: &Parts) -> Answer {
    let query = parts.uri.query().unwrap_or_default();
    let all_apps = query
        .split('&')
        .any(|p| ["expand=*", "expand=%2A"].contains(&p));
    let mut faults = knobs.body_faults.iter().rev();
    let fault = faults.find(|(prefix, _)| parts.uri.path().starts_with(prefix.as_str()));
    let rows = Value::Array(rows(knobs, kind, all_apps));
    Answer::Now(match fault.map(|(_, fault)| *fault) {
        Some(BodyFault::Huge(bytes)) => return Answer::Huge(kind, knobs.now_ms, bytes),
        Some(BodyFault::Html) => respond(200, "text/html; charset=UTF-8", HTML_ERROR_PAGE),
        Some(BodyFault::EmptyObjects(bytes)) => respond(
            200,
            "application/json",
            super::fake_postgrest::repeated("{}", bytes),
        ),
        Some(BodyFault::Truncated) => {
            let text = rows.to_string();
            respond(200, "application/json", text[..text.len() / 2].to_string())
        }
        None => json_text(200, rows),
    })
}

const HTML_ERROR_PAGE: &str = "<!DOCTYPE html>\n<html lang=en><meta charset=utf-8>\
    <title>Error 502 (Server Error)!!1</title><p><b>502.</b> <ins>That's an error.</ins>\
    <p>The server encountered a temporary error and could not complete your request.\
    <p>Please try again in 30 seconds. <ins>That's all we know.</ins></html>\n";

/// Default-app rows first, then (with `expand=*`) the other apps' rows.
fn rows(knobs: &Knobs, kind: Kind, all_apps: bool) -> Vec<Value> {
    let (default_app, other_apps) = kind.counts(knobs);
    let total = default_app + if all_apps { other_apps } else { 0 };
    let app = |i: usize| match i.checked_sub(default_app) {
        None => DEFAULT_APP_ID,
        Some(j) => OTHER_APP_IDS[j % OTHER_APP_IDS.len()],
    };
    (0..total)
        .map(|i| row(kind, i, app(i), knobs.now_ms))
        .collect()
}

/// Row `i` of a list: the same for the same kind, index, app and `now_ms`.
fn row(kind: Kind, i: usize, app_id: i64, now_ms: i64) -> Value {
    let mut rng = Rng(((kind as u64 + 1) << 32) | i as u64);
    let id = rng.pendo_id();
    let age = DAY_MS * (30 + rng.below(400) as i64) + rng.below(DAY_MS as u64) as i64;
    let (created, updated) = (now_ms - age, now_ms - age + rng.below(age as u64) as i64);
    let base = NAMES[kind as usize][i % 3];
    let slug = base.to_lowercase().replace(' ', "-");
    let (every_2nd, every_3rd) = (i.is_multiple_of(2), i.is_multiple_of(3));
    let mut row = json!({"id": id, "appId": app_id, "name": format!("{base} {}", i + 1),
        "kind": LABELS[kind as usize], "createdByUser": user(&mut rng), "createdAt": created,
        "lastUpdatedByUser": user(&mut rng), "lastUpdatedAt": updated,
        "rootVersionId": id, "stableVersionId": format!("{id}-{updated}")});
    let extra = match kind {
        Kind::Guide => {
            let state = ["public", "draft", "disabled"][i % 3];
            let published = if state == "public" { updated } else { 0 };
            json!({"state": state, "launchMethod": (["auto", "badge", "api"][i % 3]),
                "isMultiStep": every_2nd, "publishedAt": published, "resetAt": 0,
                "attributes": {"type": "building-block", "device": {"desktop": true, "mobile": false}},
                "steps": [{"id": rng.pendo_id(), "guideId": id, "type": "building-block", "rank": 5000000}]})
        }
        Kind::Feature => json!({"elementPathRules": [format!("[data-test=\"{slug}\"]")],
            "pageId": null, "appWide": false, "isCoreEvent": every_3rd, "eventPropertyConfigurations": []}),
        Kind::Page => json!({"isCoreEvent": every_3rd, "rules": [{"rule": format!("//*/{slug}"),
            "designerHint": format!("https://app.example.test/{slug}"),
            "parsedRule": format!("^https?://[^/]*/{slug}/?(?:;[^#]*)?(?:\\?[^#]*)?(?:#.*)?$")}]}),
        Kind::Report => json!({"type": (["Account", "Visitor"][usize::from(every_2nd)]),
            "shared": every_2nd, "scope": "global", "lastRunAt": updated}),
    };
    if let (Some(fields), Value::Object(extra)) = (row.as_object_mut(), extra) {
        fields.extend(extra);
    }
    row
}

fn user(rng: &mut Rng) -> Value {
    let n = rng.below(50);
    json!({"id": (4_503_599_627_370_496 + rng.below(1 << 40)).to_string(), "role": 8,
        "username": format!("pm-{n}@example.test"), "first": "Pat", "last": format!("Tester{n}")})
}

/// SplitMix64: small, deterministic, good enough for fake data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// In `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    /// 27 characters of `[A-Za-z0-9_-]`, like Pendo's ids.
    fn pendo_id(&mut self) -> String {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        (0..27)
            .map(|_| alphabet[self.below(64) as usize] as char)
            .collect()
    }
}

/// Streams a huge list: a thread writes it to a one-shot loopback socket whose body the
/// answer relays, so it is never in memory. (axum wants a `Stream` or `http_body::Frame`,
/// which no direct dependency exports; reqwest's `Body::from(Response)` is one.)
async fn stream_huge(kind: Kind, now_ms: i64, bytes: u64, in_flight: InFlight) -> Response {
    let listener = TcpListener::bind("127.0.0.1:0").expect("fake-pendo: bind the list writer");
    let addr = listener
        .local_addr()
        .expect("fake-pendo: list writer address");
    std::thread::spawn(move || {
        let _in_flight_until_written = in_flight;
        if let Ok((socket, _)) = listener.accept() {
            let _ = write_huge(socket, kind, now_ms, bytes);
        }
    });
    let relay = reqwest::Client::builder()
        .no_proxy()
        .tls_built_in_root_certs(false);
    let relay = relay.build().expect("fake-pendo: relay client");
    let upstream = relay.get(format!("http://{addr}/")).send().await;
    let upstream = upstream.expect("fake-pendo: the list writer answers");
    let body = Body::new(reqwest::Body::from(upstream));
    respond(200, "application/json", body)
}

fn write_huge(mut socket: TcpStream, kind: Kind, now_ms: i64, bytes: u64) -> std::io::Result<()> {
    let (mut head, mut buf) = (Vec::new(), [0u8; 1024]);
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = socket.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let rows: Vec<String> = (0..64)
        .map(|i| row(kind, i, DEFAULT_APP_ID, now_ms).to_string())
        .collect();
    let mut out = BufWriter::with_capacity(1 << 16, socket);
    out.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n")?;
    out.write_all(b"connection: close\r\n\r\n[")?;
    let (mut written, mut rows) = (1, rows.iter().cycle());
    while written + 1 < bytes {
        let row = rows.next().expect("a cycle never ends");
        let comma = if written > 1 { "," } else { "" };
        write!(out, "{comma}{row}")?;
        written += (comma.len() + row.len()) as u64;
    }
    out.write_all(b"]")?;
    out.flush()
}

// ---- the aggregation ----

/// Validates like Pendo, then answers events per day from an events source.
fn aggregate(knobs: &Knobs, body: &[u8]) -> Response {
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return plain(400, "invalid character in aggregation request body\n");
    };
    let pipeline = request
        .pointer("/request/pipeline")
        .and_then(Value::as_array);
    let Some(pipeline) = pipeline else {
        return respond(422, "application/json", PIPELINE_REQUIRED);
    };
    let source = pipeline.iter().find_map(|stage| stage.get("source"));
    let Some(series) = source.and_then(|source| source.get("timeSeries")) else {
        return plain(400, "no period specified\n");
    };
    let days = match requested_days(series, knobs.now_ms) {
        Ok(days) => days,
        Err(message) => return plain(400, &format!("{message}\n")),
    };
    let failing = knobs.fail_stage.as_deref();
    if let Some(stage) = failing.filter(|&s| pipeline.iter().any(|p| p.get(s).is_some())) {
        return plain(500, &format!("aggregation failed in the {stage} stage\n"));
    }
    if source.is_some_and(|s| s.get("guideEvents").is_some()) {
        return guide_events(knobs, pipeline, days[0]);
    }
    let counts = days.iter().map(|&day| (day, events_on(knobs, day)));
    let rows = counts.filter(|(_, n)| *n > 0);
    let results: Vec<Value> = rows
        .map(|(day, n)| json!({"day": day, "numEvents": n}))
        .collect();
    json_text(200, json!({"startTime": days[0], "results": results}))
}

/// A `guideEvents` source: one row per guide with events, `{"guideId", <field>}` where
/// the field is the group stage's first (its `count` of the guide's events), when the
/// pipeline groups by `guideId`; else one row of the total.
fn guide_events(knobs: &Knobs, pipeline: &[Value], start: i64) -> Response {
    let group = pipeline.iter().find_map(|stage| stage.get("group"));
    let by_guide = group
        .and_then(|g| g.get("group"))
        .and_then(Value::as_array)
        .is_some_and(|keys| keys.iter().any(|k| k == "guideId"));
    let field = group
        .and_then(|g| g.get("fields"))
        .and_then(Value::as_array)
        .and_then(|f| f.first())
        .and_then(Value::as_object)
        .and_then(|f| f.keys().next().cloned())
        .unwrap_or_else(|| "count".to_string());
    let rows = knobs.guide_views.iter().filter(|(_, n)| *n > 0);
    let results: Vec<Value> = if by_guide {
        rows.map(|(id, n)| json!({"guideId": id, field.clone(): n}))
            .collect()
    } else {
        vec![json!({field.clone(): rows.map(|(_, n)| n).sum::<u64>()})]
    };
    json_text(200, json!({"startTime": start, "results": results}))
}

/// The UTC midnights a `dayRange` series covers, oldest first. `first` ("now()" or epoch
/// ms) is floored to its day D; `count` N > 0 gives D..D+N-1 and N < 0 the |N| days before
/// D, D excluded: `first: "now()", count: -7` is the 7 days before today.
fn requested_days(series: &Value, now_ms: i64) -> Result<Vec<i64>, String> {
    match series.get("period").and_then(Value::as_str) {
        Some("dayRange") => {}
        None => return Err("no period specified".into()),
        Some(other) => return Err(format!("unsupported period {other:?} (fake: dayRange)")),
    }
    let first = match series.get("first") {
        Some(Value::String(s)) if s.trim() == "now()" => now_ms,
        Some(Value::Number(n)) => n.as_i64().ok_or("first must be epoch ms")?,
        _ => return Err("first must be now() or epoch ms".into()),
    };
    let count = series.get("count").and_then(Value::as_i64);
    let count = count.filter(|&n| n != 0).ok_or("no count specified")?;
    let range = if count < 0 { count..0 } else { 0..count };
    Ok(range.map(|k| utc_midnight(first) + k * DAY_MS).collect())
}

/// The `events_per_day` entry for `day`, or 0.
fn events_on(knobs: &Knobs, day: i64) -> u64 {
    let back = (utc_midnight(knobs.now_ms) - DAY_MS - day).div_euclid(DAY_MS);
    let known = knobs.events_per_day.len() as i64;
    let index = (0..known)
        .contains(&back)
        .then(|| (known - 1 - back) as usize);
    index.map_or(0, |i| knobs.events_per_day[i])
}
