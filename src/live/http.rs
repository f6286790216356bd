//! The HTTP transport of the live checks: reqwest over rustls (the client src/github.rs
//! uses too), with a deadline on every request and a cap on every body.
//!
//! An answer is data: any status comes back as an [`Answer`], and only a request that got
//! no usable answer (timeout, DNS, refused connection, TLS, a body past the cap) is a
//! [`FetchError`]. Error texts are redacted, so a check can show them as they are.
//!
//! A host that let one request time out is remembered for the run: later requests to it
//! get the same "no answer within N s" at once, so a hung dependency costs one timeout
//! per run, not one per request, triage and data type.

use std::time::{Duration, Instant};

/// One answer, status and all.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
    /// From sending the request to the end of the body.
    pub elapsed: Duration,
}

impl Answer {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as text (lossy) for messages: through the way out, so it is redacted
    /// before it is cut to `max_chars`.
    pub fn text(&self, max_chars: usize) -> String {
        crate::outside::Outside::from_bytes(&self.body).out(max_chars, crate::outside::Sink::Plain)
    }
}

/// A request that got no usable answer. The texts are redacted and read as they are in a
/// finding ("no answer within 10 s").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// No answer within the request deadline.
    #[error("no answer within {}", seconds(*.0))]
    Timeout(Duration),
    /// The host name does not resolve.
    #[error("the host name does not resolve ({0})")]
    Dns(String),
    /// The connection was refused or reset, or TLS failed.
    #[error("cannot connect ({0})")]
    Connect(String),
    /// The body is larger than the cap (bytes).
    #[error("the answer is larger than {} MiB", .0 >> 20)]
    TooLarge(usize),
    /// The service answered with an error: `by` says who and with which status
    /// (`sync_status answers 404`, `Postgres`), `code` is the PostgREST code or SQLSTATE
    /// (may be empty), `message` is redacted.
    #[error("{by}{}: {message}", spaced(code))]
    Refused {
        by: String,
        code: String,
        message: String,
    },
    /// Anything else.
    #[error("{0}")]
    Other(String),
}

impl FetchError {
    /// The PostgREST code or SQLSTATE of a refusal.
    pub fn code(&self) -> Option<&str> {
        match self {
            FetchError::Refused { code, .. } if !code.is_empty() => Some(code),
            _ => None,
        }
    }
}

/// ` code`, or nothing for an empty code.
fn spaced(code: &str) -> String {
    if code.is_empty() {
        String::new()
    } else {
        format!(" {code}")
    }
}

/// The HTTP stack could not start (no TLS roots, no resolver): no live check can run.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client: {0}")]
pub struct ClientError(reqwest::Error);

/// A URL's host for messages (`https://app.eu.pendo.io/api/v1` → `app.eu.pendo.io`).
pub fn host_name(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// `2 s`, `0.5 s`.
pub fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

/// The client every live check of a run shares.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    timeout: Duration,
    /// Hosts that gave no answer within the timeout this run.
    hung: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl Http {
    /// A client whose every request must be answered within `timeout`, trusting the
    /// system's root certificates (read at its first handshake, see [`super::tls`]).
    pub fn new(timeout: Duration) -> Result<Self, ClientError> {
        Self::with_tls(timeout, super::tls::https())
    }

    /// [`Http::new`] with its own TLS configuration (the tests' CA).
    pub fn with_tls(timeout: Duration, tls: rustls::ClientConfig) -> Result<Self, ClientError> {
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .user_agent(concat!(
                "pendo-triage/",
                env!("CARGO_PKG_VERSION"),
                " (+https://github.com/pendo-triage/pendo-triage)"
            ))
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(ClientError)?;
        Ok(Self {
            client,
            timeout,
            hung: Default::default(),
        })
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sends a request and reads at most `max_body` bytes of the answer.
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
        max_body: usize,
    ) -> Result<Answer, FetchError> {
        let started = Instant::now();
        let (client, request) = request.build_split();
        let request = request.map_err(classify)?;
        // host:port, so two services on one address (fakes on 127.0.0.1) stay apart.
        let host = format!(
            "{}:{}",
            request.url().host_str().unwrap_or_default(),
            request.url().port_or_known_default().unwrap_or(0)
        );
        plain_http_refused(request.url())?;
        if self.hung().contains(&host) {
            return Err(FetchError::Timeout(self.timeout));
        }
        let read = async {
            let mut response = client.execute(request).await.map_err(classify)?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(classify)? {
                if body.len() + chunk.len() > max_body {
                    return Err(FetchError::TooLarge(max_body));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Answer {
                status,
                headers,
                body,
                elapsed: started.elapsed(),
            })
        };
        // reqwest's own timeout covers the whole exchange; this one also bounds a server
        // that trickles a body forever.
        match tokio::time::timeout(self.timeout, read).await {
            Ok(Err(FetchError::Timeout(_))) | Err(_) => {
                self.hung().insert(host);
                Err(FetchError::Timeout(self.timeout))
            }
            Ok(answer) => answer,
        }
    }

    fn hung(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.hung.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// True for `localhost` and loopback addresses: the only hosts a key may reach over
/// plain `http://` (a test's fake, a local proxy).
pub fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Keys never travel in the clear: a plain `http://` URL to anything but a loopback
/// address is refused before a byte is sent.
pub fn plain_http_refused(url: &reqwest::Url) -> Result<(), FetchError> {
    if url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url)) {
        return Ok(());
    }
    Err(FetchError::Other(format!(
        "refused: {}://{} would carry the key unencrypted; use https:// (plain http:// is allowed only to a loopback address)",
        url.scheme(),
        url.host_str().unwrap_or_default()
    )))
}

/// Sorts a reqwest error into what a person can act on, redacted.
fn classify(e: reqwest::Error) -> FetchError {
    sort_error(
        &crate::errors::error_chain(&e),
        e.is_timeout(),
        e.is_connect(),
    )
}

fn sort_error(chain: &str, is_timeout: bool, is_connect: bool) -> FetchError {
    let chain = crate::outside::plain(chain);
    let lower = chain.to_ascii_lowercase();
    if is_timeout {
        FetchError::Timeout(Duration::ZERO)
    } else if let Some(at) = lower.find("dns error: ") {
        FetchError::Dns(chain[at + "dns error: ".len()..].trim().to_string())
    } else if lower.contains("failed to lookup address") {
        FetchError::Dns(last_part(&chain))
    } else if is_connect {
        FetchError::Connect(last_part(&chain))
    } else {
        FetchError::Other(chain)
    }
}

/// The innermost cause of an error chain, which says the most.
fn last_part(chain: &str) -> String {
    chain
        .rsplit(": ")
        .next()
        .unwrap_or(chain)
        .trim()
        .to_string()
}

/// How long to wait before the one retry after a 429: `Retry-After` seconds when it asks
/// for at most `max`, one second when it says nothing, else no retry (an HTTP date, or a
/// wait longer than the run can afford).
pub fn retry_backoff(retry_after: Option<&str>, max: Duration) -> Option<Duration> {
    match retry_after {
        None => Some(Duration::from_secs(1)),
        Some(v) => {
            let wait = Duration::from_secs(v.trim().parse().ok()?);
            (wait <= max).then_some(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_well() {
        assert_eq!(
            FetchError::Timeout(Duration::from_secs(10)).to_string(),
            "no answer within 10 s"
        );
        assert_eq!(
            FetchError::TooLarge(32 << 20).to_string(),
            "the answer is larger than 32 MiB"
        );
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
        assert_eq!(last_part("a: b: connection refused"), "connection refused");
    }

    #[test]
    fn a_refusal_reads_with_or_without_its_code() {
        let refused = |code: &str| FetchError::Refused {
            by: "Postgres".into(),
            code: code.into(),
            message: "permission denied".into(),
        };
        assert_eq!(
            refused("42501").to_string(),
            "Postgres 42501: permission denied"
        );
        assert_eq!(refused("").to_string(), "Postgres: permission denied");
        // An error like any other: it goes in a chain.
        let e: Box<dyn std::error::Error + Send + Sync> = Box::new(refused(""));
        assert_eq!(
            crate::errors::error_chain(e.as_ref()),
            "Postgres: permission denied"
        );
    }

    #[test]
    fn a_host_that_timed_out_is_not_waited_for_again_in_the_run() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            // Two services on one address that accept and never answer.
            let mut urls = Vec::new();
            for _ in 0..2 {
                let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                urls.push(format!(
                    "http://127.0.0.1:{}/",
                    silent.local_addr().unwrap().port()
                ));
                tokio::spawn(async move {
                    let mut held = Vec::new();
                    while let Ok((s, _)) = silent.accept().await {
                        held.push(s);
                    }
                });
            }
            let limit = Duration::from_millis(300);
            let http = Http::new(limit).unwrap();
            let timed = |url: String| {
                let http = http.clone();
                async move {
                    let started = Instant::now();
                    let e = http.send(http.client().get(url), 1024).await.unwrap_err();
                    (e, started.elapsed())
                }
            };
            let (e, waited) = timed(urls[0].clone()).await;
            assert_eq!(e, FetchError::Timeout(limit));
            assert!(waited >= limit, "{waited:?}");
            // Again, from a clone (another check's client): at once, same words.
            let (e, waited) = timed(urls[0].clone()).await;
            assert_eq!(e.to_string(), "no answer within 0.3 s");
            assert!(waited < Duration::from_millis(100), "{waited:?}");
            // The other port is its own service: waited for.
            let (_, waited) = timed(urls[1].clone()).await;
            assert!(waited >= limit, "{waited:?}");
        });
    }

    #[test]
    fn keys_go_over_plain_http_only_to_loopback() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap();
        for ok in [
            "https://app.pendo.io/api/v1/page",
            "http://127.0.0.1:9/x",
            "http://localhost:9/x",
            "http://[::1]:9/x",
        ] {
            assert_eq!(plain_http_refused(&url(ok)), Ok(()), "{ok}");
        }
        for bad in [
            "http://app.pendo.io/api/v1/page",
            "http://10.0.0.2/",
            "http://127.0.0.1.evil.example/",
            "ftp://127.0.0.1/",
        ] {
            let e = plain_http_refused(&url(bad)).unwrap_err().to_string();
            assert!(e.contains("unencrypted"), "{bad}: {e}");
        }
        // Refused before any request leaves: nothing listens on this address.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let http = Http::new(Duration::from_secs(5)).unwrap();
        let e = rt
            .block_on(http.send(http.client().get("http://192.0.2.1:9/"), 1024))
            .unwrap_err();
        assert!(
            e.to_string().starts_with("refused: http://192.0.2.1"),
            "{e}"
        );
    }

    #[test]
    fn a_refused_connection_and_a_bad_name_are_told_apart() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let http = Http::new(Duration::from_secs(5)).unwrap();
        rt.block_on(async {
            // A port nobody listens on.
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let e = http
                .send(http.client().get(format!("http://127.0.0.1:{port}/")), 1024)
                .await
                .unwrap_err();
            assert!(matches!(e, FetchError::Connect(_)), "{e:?}");
        });
        // What hyper reports for a name that does not resolve (no lookup in a test).
        let dns = sort_error(
            "error sending request: client error (Connect): dns error: failed to lookup address information: Name or service not known",
            false,
            true,
        );
        assert_eq!(
            dns,
            FetchError::Dns(
                "failed to lookup address information: Name or service not known".into()
            )
        );
        assert!(matches!(
            sort_error("x", true, false),
            FetchError::Timeout(_)
        ));
    }
}
