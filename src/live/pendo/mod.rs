//! Pendo's v1 API as the live checks see it: one client per run that sends the
//! integration key only to the configured host and the other official regional hosts,
//! never more than [`MAX_CONCURRENT`] requests at once (the bot shares the team's rate
//! limit with the real sync), backs off once on a 429, and logs every exchange for
//! `pendo.rate-limit`.
//!
//! Every request that needs no other answer goes out at once: the key probe, the list,
//! the latency probes and the aggregation are one wave (6 requests). Only the default
//! app's list (asked when the count differs from the issue's) and the other regions'
//! key probes (asked when the key is rejected) wait for an answer.
//!
//! Requests per triage, at most: `pendo.auth` 1 (+4 region probes when the key is
//! rejected and no `pendo-base-url` pins the host), `pendo.endpoint` 2 (the second only
//! when the count differs from the issue's), `pendo.latency` 3, `pendo.aggregation` 1,
//! plus one retry after a 429: 12. Answers are shared by every triage of the run.

pub mod aggregation;
pub mod auth;
pub mod endpoint;
pub mod latency;
pub mod rate_limit;

use super::http::{Answer, FetchError, Http};
use crate::credentials::{Credentials, SecretString};
use crate::issue::DataType;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;
use tokio::sync::{OnceCell, Semaphore};

/// Never more than this many Pendo requests in flight. Pendo meters its API per key
/// with a leaky bucket and answers 429 when it overflows; integrators document about 100
/// calls per second per endpoint. A triage sends at most 13 requests, whose first wave is
/// 7 (the key probe, the list, 3 latency probes, the events aggregation and the guides'
/// views): 8 at once lets that wave go out together, a few dozen calls per second at the
/// most, a small share of the budget the sync shares with the bot, and a 429 is still
/// waited out once ([`MAX_BACKOFF`]).
pub const MAX_CONCURRENT: usize = 8;
/// The longest `Retry-After` the bot waits once before giving up on a 429.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// What one exchange with Pendo showed, for `pendo.rate-limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub path: String,
    /// `None` when no answer came.
    pub status: Option<u16>,
    pub retry_after: Option<String>,
    /// `X-RateLimit-*` headers, as sent.
    pub rate_headers: Vec<(String, String)>,
}

/// The Pendo client of one run, with its shared answers.
pub struct Pendo {
    http: Http,
    key: SecretString,
    pub(crate) key_notes: Vec<&'static str>,
    pub(crate) region: String,
    pub(crate) base: String,
    pub(crate) others: Vec<(String, String)>,
    gate: Semaphore,
    requests: AtomicU32,
    retried: AtomicBool,
    exchanges: Mutex<Vec<Exchange>>,
    auth: OnceCell<auth::Answers>,
    lists: [OnceCell<Result<endpoint::Listed, FetchError>>; 4],
    default_lists: [OnceCell<Result<endpoint::Listed, FetchError>>; 4],
    latency: OnceCell<Vec<latency::Probe>>,
    aggregation: OnceCell<Result<Answer, FetchError>>,
}

impl Pendo {
    /// The client, when there is a key.
    pub fn new(creds: &Credentials, http: &Http) -> Option<Pendo> {
        let key = creds.pendo_key.clone()?;
        Some(Pendo {
            http: http.clone(),
            key,
            key_notes: creds.pendo_key_notes.clone(),
            region: creds.pendo_region.clone(),
            base: creds.pendo_base_url.clone(),
            others: creds.pendo_other_hosts.clone(),
            gate: Semaphore::new(MAX_CONCURRENT),
            requests: AtomicU32::new(0),
            retried: AtomicBool::new(false),
            exchanges: Mutex::new(Vec::new()),
            auth: OnceCell::new(),
            lists: Default::default(),
            default_lists: Default::default(),
            latency: OnceCell::new(),
            aggregation: OnceCell::new(),
        })
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Every exchange so far.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The count `pendo.endpoint` read for a data type (all apps), once it is in.
    pub fn listed_count(&self, data_type: DataType) -> Option<usize> {
        let (cell, _) = self.list_cells(data_type)?;
        cell.get()?.as_ref().ok()?.count
    }

    /// GET `host` + `path` with the key.
    async fn get(&self, host: &str, path: &str, max_body: usize) -> Result<Answer, FetchError> {
        self.send(host, path, None, max_body).await
    }

    /// One request, under the concurrency gate; a 429 is waited out once per run when
    /// Pendo asks for at most [`MAX_BACKOFF`].
    async fn send(
        &self,
        host: &str,
        path: &str,
        json_body: Option<&serde_json::Value>,
        max_body: usize,
    ) -> Result<Answer, FetchError> {
        let _permit = self
            .gate
            .acquire()
            .await
            .map_err(|_| FetchError::Other("the Pendo client was shut down".into()))?;
        let mut answer = self.send_once(host, path, json_body, max_body).await;
        if let Ok(a) = &answer
            && a.status == 429
            && let Some(wait) = backoff(a.header("retry-after"))
            && !self.retried.swap(true, Ordering::Relaxed)
        {
            tokio::time::sleep(wait).await;
            answer = self.send_once(host, path, json_body, max_body).await;
        }
        answer
    }

    async fn send_once(
        &self,
        host: &str,
        path: &str,
        json_body: Option<&serde_json::Value>,
        max_body: usize,
    ) -> Result<Answer, FetchError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let url = format!("{host}{path}");
        let client = self.http.client();
        let request = match json_body {
            Some(body) => client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string()),
            None => client.get(&url),
        }
        .header("x-pendo-integration-key", self.key.expose())
        .header(reqwest::header::ACCEPT, "application/json");
        let answer = self.http.send(request, max_body).await;
        let exchange = match &answer {
            Ok(a) => Exchange {
                path: path.to_string(),
                status: Some(a.status),
                retry_after: a.header("retry-after").map(str::to_string),
                rate_headers: a
                    .headers
                    .iter()
                    .filter(|(k, _)| k.as_str().starts_with("x-ratelimit-"))
                    .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect(),
            },
            Err(_) => Exchange {
                path: path.to_string(),
                status: None,
                retry_after: None,
                rate_headers: Vec::new(),
            },
        };
        self.exchanges
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(exchange);
        answer
    }

    /// The shared answers of a data type's list: with every app, and the default app's.
    #[allow(clippy::type_complexity)]
    fn list_cells(
        &self,
        data_type: DataType,
    ) -> Option<(
        &OnceCell<Result<endpoint::Listed, FetchError>>,
        &OnceCell<Result<endpoint::Listed, FetchError>>,
    )> {
        let i = match data_type {
            DataType::Guides => 0,
            DataType::Features => 1,
            DataType::Pages => 2,
            DataType::Reports => 3,
            DataType::Events => return None,
        };
        Some((&self.lists[i], &self.default_lists[i]))
    }
}

/// How long to wait before the one retry after a 429, as Pendo asks.
fn backoff(retry_after: Option<&str>) -> Option<Duration> {
    crate::live::http::retry_backoff(retry_after, MAX_BACKOFF)
}

/// The key's region by its suffix, when it names one.
fn key_region(key: &SecretString) -> Option<&'static str> {
    crate::regions::pendo_region_of_key(key.expose())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_honours_short_retry_after_only() {
        assert_eq!(backoff(None), Some(Duration::from_secs(1)));
        assert_eq!(backoff(Some("3")), Some(Duration::from_secs(3)));
        assert_eq!(backoff(Some("30")), None);
        assert_eq!(backoff(Some("Wed, 21 Oct 2026 07:28:00 GMT")), None);
        assert_eq!(
            crate::live::http::host_name("https://app.eu.pendo.io"),
            "app.eu.pendo.io"
        );
    }
}
