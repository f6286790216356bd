//! Supabase's Management API (`api.supabase.com`) as `supabase.functions` reads it: the
//! project's Edge Functions (`GET /v1/projects/{ref}/functions`) and their logs
//! (`GET /v1/projects/{ref}/analytics/endpoints/logs.all`).
//!
//! The personal access token goes as `Authorization: Bearer` to the configured base URL
//! only (`https://api.supabase.com` unless the config names another, which tests do), and
//! never over plain `http://` except to a loopback address ([`Http::send`] refuses it).
//! A run sends at most [`MAX_REQUESTS`] requests, the one retry after a 429 included:
//! every triage of a sweep and the watch share the one answer (see
//! `Live::shared`). Bodies are capped like the other clients' and decoded within
//! bounds ([`crate::live::decode`]).

use crate::config::is_project_ref;
use crate::credentials::{Credentials, SecretString};
use crate::live::http::{Answer, FetchError, Http};
use crate::outside::{Sink, emit};
use serde_json::Value;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

/// Where the token goes unless the config says otherwise.
pub const DEFAULT_BASE: &str = "https://api.supabase.com";
/// The most Management API requests one run sends (the 429 retry included).
pub const MAX_REQUESTS: u32 = 3;
/// The most one answer may hold: a list of functions, or a few hundred log rows.
const MAX_BODY: usize = 4 << 20;
/// The longest `Retry-After` waited once before giving up on a 429 (as for Pendo).
const MAX_BACKOFF: Duration = Duration::from_secs(5);
/// The longest window one logs query may span (the API refuses more).
pub const MAX_WINDOW_SECS: i64 = 24 * 3600;

/// Why the Management API refused a request, in the user's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// 401: the token is not valid (revoked, expired, mistyped).
    BadToken,
    /// 403: the token's user may not read this project.
    Forbidden,
    /// 404: no such project (or function) for this token.
    NotFound,
    /// 429, still after the one retry (or with a long `Retry-After`).
    RateLimited { retry_after: Option<String> },
    /// Any other status.
    Other(u16),
}

/// A request that got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// No answer at all (timeout, connection, TLS, body over the cap, plain http).
    Fetch(FetchError),
    /// An answer with an error status; `message` is the API's, redacted.
    Refused { why: Refusal, message: String },
    /// A 200 whose body is not what the API sends (or a logs query error).
    Unread(String),
    /// Not sent: the run's [`MAX_REQUESTS`] were spent.
    OverBudget,
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Fetch(e) => write!(f, "{e}"),
            CallError::Refused { why, message } => {
                let status = match why {
                    Refusal::BadToken => "401".to_string(),
                    Refusal::Forbidden => "403".to_string(),
                    Refusal::NotFound => "404".to_string(),
                    Refusal::RateLimited {
                        retry_after: Some(s),
                    } => {
                        format!("429, Retry-After {s}")
                    }
                    Refusal::RateLimited { retry_after: None } => "429".to_string(),
                    Refusal::Other(s) => s.to_string(),
                };
                if message.is_empty() {
                    write!(f, "the Management API answered {status}")
                } else {
                    write!(f, "the Management API answered {status}: {message}")
                }
            }
            CallError::Unread(m) => f.write_str(m),
            CallError::OverBudget => write!(
                f,
                "not asked: the run's {MAX_REQUESTS} Management API requests were spent"
            ),
        }
    }
}

impl std::error::Error for CallError {}

/// One deployed Edge Function, as the function list gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployed {
    pub id: String,
    pub slug: String,
    /// `ACTIVE`, `REMOVED`, `THROTTLED`.
    pub status: String,
    pub version: Option<i64>,
    /// Unix seconds of the last deploy.
    pub updated_at: Option<i64>,
}

/// The Management API client of one run.
pub struct Management {
    http: Http,
    base: String,
    token: SecretString,
    /// The project the token is asked about (`None`: neither the Supabase URL nor the
    /// config names one).
    pub project_ref: Option<String>,
    requests: AtomicU32,
    retried: AtomicBool,
}

impl Management {
    /// The client, when there is an access token.
    pub fn new(
        creds: &Credentials,
        config: &crate::config::Config,
        http: &Http,
    ) -> Option<Management> {
        let token = creds.supabase_access_token.clone()?;
        let settings = &config.functions;
        let base = settings
            .management_url
            .as_deref()
            .unwrap_or(DEFAULT_BASE)
            .trim_end_matches('/')
            .to_string();
        let project_ref = settings
            .project_ref
            .clone()
            .or_else(|| creds.supabase_url.as_deref().and_then(project_ref_of));
        Some(Management {
            http: http.clone(),
            base,
            token,
            project_ref,
            requests: AtomicU32::new(0),
            retried: AtomicBool::new(false),
        })
    }

    /// Requests sent so far (every attempt counts).
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// The host the token goes to, for messages.
    pub fn host(&self) -> &str {
        crate::live::http::host_name(&self.base)
    }

    /// `GET /v1/projects/{ref}/functions`.
    pub async fn functions(&self, project_ref: &str) -> Result<Vec<Deployed>, CallError> {
        let a = self
            .get(&format!("/v1/projects/{project_ref}/functions"))
            .await?;
        let v = crate::live::decode::bounded(&a.body)
            .map_err(|e| CallError::Unread(format!("the function list is not JSON: {e}")))?;
        let Value::Array(items) = v else {
            return Err(CallError::Unread(
                "the function list is not a JSON list".into(),
            ));
        };
        Ok(items.iter().filter_map(deployed).collect())
    }

    /// `GET …/analytics/endpoints/logs.all` with `sql` over `[start, end]` (Unix
    /// seconds; the window is cut to [`MAX_WINDOW_SECS`] ending at `end`): the rows of
    /// `result`, or the query's `error`.
    pub async fn logs(
        &self,
        project_ref: &str,
        sql: &str,
        start: i64,
        end: i64,
    ) -> Result<Vec<Value>, CallError> {
        let start = start.max(end - MAX_WINDOW_SECS);
        let path = format!(
            "/v1/projects/{project_ref}/analytics/endpoints/logs.all?sql={}&iso_timestamp_start={}&iso_timestamp_end={}",
            encode(sql),
            encode(&iso(start)),
            encode(&iso(end)),
        );
        let a = self.get(&path).await?;
        let v = crate::live::decode::bounded(&a.body)
            .map_err(|e| CallError::Unread(format!("the logs answer is not JSON: {e}")))?;
        if let Some(e) = v.get("error").filter(|e| !e.is_null()) {
            let text = e
                .get("message")
                .and_then(Value::as_str)
                .map_or_else(|| e.to_string(), str::to_string);
            return Err(CallError::Unread(format!(
                "the logs query failed: {}",
                emit(text, 200, Sink::Plain)
            )));
        }
        Ok(match v.get("result") {
            Some(Value::Array(rows)) => rows.clone(),
            _ => Vec::new(),
        })
    }

    /// One GET within the run's budget; a 429 is waited out once per run when the API
    /// asks for at most [`MAX_BACKOFF`] and a request is left.
    async fn get(&self, path: &str) -> Result<Answer, CallError> {
        let mut answer = self.send_once(path).await?;
        if answer.status == 429
            && let Some(wait) = backoff(answer.header("retry-after"))
            && !self.retried.swap(true, Ordering::Relaxed)
            && self.requests() < MAX_REQUESTS
        {
            tokio::time::sleep(wait).await;
            answer = self.send_once(path).await?;
        }
        if answer.is_success() {
            return Ok(answer);
        }
        let why = match answer.status {
            401 => Refusal::BadToken,
            403 => Refusal::Forbidden,
            404 => Refusal::NotFound,
            429 => Refusal::RateLimited {
                retry_after: answer
                    .header("retry-after")
                    .map(|s| emit(s, 40, Sink::Line)),
            },
            s => Refusal::Other(s),
        };
        Err(CallError::Refused {
            why,
            message: message_of(&answer),
        })
    }

    async fn send_once(&self, path: &str) -> Result<Answer, CallError> {
        let spent = self
            .requests
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < MAX_REQUESTS).then_some(n + 1)
            });
        if spent.is_err() {
            return Err(CallError::OverBudget);
        }
        let request = self
            .http
            .client()
            .get(format!("{}{path}", self.base))
            .bearer_auth(self.token.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        self.http
            .send(request, MAX_BODY)
            .await
            .map_err(CallError::Fetch)
    }
}

/// The project ref of `https://<ref>.supabase.co` (20 lower-case letters and digits in
/// practice; any DNS label is taken).
pub fn project_ref_of(url: &str) -> Option<String> {
    let host = crate::live::http::host_name(url);
    let host = host.split(':').next().unwrap_or(host);
    let label = host.strip_suffix(".supabase.co")?;
    is_project_ref(label).then(|| label.to_string())
}

/// One row of the function list, when it has a slug.
fn deployed(v: &Value) -> Option<Deployed> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    Some(Deployed {
        id: text("id").unwrap_or_default(),
        slug: text("slug")?,
        status: text("status").unwrap_or_default(),
        version: v.get("version").and_then(Value::as_i64),
        updated_at: v.get("updated_at").and_then(unix_seconds),
    })
}

/// A time as the API writes it: milliseconds (the function list), microseconds (log
/// timestamps), either as a number or digits, or RFC 3339 text.
pub fn unix_seconds(v: &Value) -> Option<i64> {
    let n = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse::<f64>().ok()?
        }
        Value::String(s) => return crate::clock::parse_rfc3339(s),
        _ => return None,
    };
    Some(match n {
        n if n >= 1e14 => (n / 1e6) as i64,
        n if n >= 1e11 => (n / 1e3) as i64,
        n => n as i64,
    })
}

/// How long to wait before the one retry after a 429, as the API asks; the same rule as
/// Pendo's.
fn backoff(retry_after: Option<&str>) -> Option<Duration> {
    crate::live::http::retry_backoff(retry_after, MAX_BACKOFF)
}

/// The `message` of an error body (`{"message": …}`), else the body's start; redacted.
fn message_of(a: &Answer) -> String {
    let v = crate::live::decode::bounded(&a.body).unwrap_or_default();
    match v.get("message").and_then(Value::as_str) {
        Some(m) => emit(m, 200, Sink::Plain),
        None => a.text(200),
    }
}

fn iso(ts: i64) -> String {
    crate::clock::format_rfc3339(ts)
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    super::rest::encode(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_project_ref_comes_from_the_supabase_url() {
        assert_eq!(
            project_ref_of("https://abcdefghijklmnopqrst.supabase.co").as_deref(),
            Some("abcdefghijklmnopqrst")
        );
        assert_eq!(project_ref_of("https://db.example.com"), None);
        assert_eq!(project_ref_of("https://a.b.supabase.co"), None);
        assert!(!is_project_ref("a/b"));
    }

    #[test]
    fn times_read_in_every_unit_the_api_uses() {
        let t = 1_764_309_600; // 2025-11-28T06:00:00Z
        assert_eq!(unix_seconds(&json!(t)), Some(t));
        assert_eq!(unix_seconds(&json!(t * 1000)), Some(t));
        assert_eq!(unix_seconds(&json!(t * 1_000_000)), Some(t));
        assert_eq!(unix_seconds(&json!((t * 1_000_000).to_string())), Some(t));
        assert_eq!(unix_seconds(&json!("2025-11-28T06:00:00Z")), Some(t));
        assert_eq!(unix_seconds(&json!(null)), None);
    }

    #[test]
    fn the_token_never_goes_over_plain_http_and_a_run_asks_three_times_at_most() {
        let creds = Credentials {
            supabase_access_token: SecretString::new("sbp_fake0000000000000000000000000000000000"),
            supabase_url: Some("https://abcdefghijklmnop.supabase.co".into()),
            ..Default::default()
        };
        let mut config = crate::config::Config::default();
        config.functions.management_url = Some("http://192.0.2.1:9".into());
        let http = Http::new(Duration::from_secs(5)).unwrap();
        let m = Management::new(&creds, &config, &http).unwrap();
        assert_eq!(m.project_ref.as_deref(), Some("abcdefghijklmnop"));
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            for _ in 0..MAX_REQUESTS {
                let e = m.functions("abcdefghijklmnop").await.unwrap_err();
                assert!(e.to_string().contains("unencrypted"), "{e}");
            }
            assert_eq!(
                m.functions("abcdefghijklmnop").await.unwrap_err(),
                CallError::OverBudget
            );
        });
        assert_eq!(m.requests(), MAX_REQUESTS);
        // Without a token there is no client at all.
        assert!(Management::new(&Credentials::default(), &config, &http).is_none());
    }

    #[test]
    fn refusals_read_well_and_the_retry_is_bounded() {
        let e = CallError::Refused {
            why: Refusal::BadToken,
            message: "Unauthorized".into(),
        };
        assert_eq!(
            e.to_string(),
            "the Management API answered 401: Unauthorized"
        );
        assert!(
            CallError::OverBudget
                .to_string()
                .contains("3 Management API")
        );
        assert_eq!(backoff(Some("2")), Some(Duration::from_secs(2)));
        assert_eq!(backoff(Some("60")), None);
    }
}
