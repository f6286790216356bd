//! The Supabase checks' database connection: tokio-postgres over rustls, read-only.
//!
//! `sslmode` means what it means in libpq when the URL gives it: `disable` sends plain
//! text; `allow`, `prefer` and `require` encrypt without verifying the server; `verify-ca`
//! verifies the chain, `verify-full` the chain and the host name. A URL without `sslmode`
//! (how Supabase's Connect dialog hands it out) gets `verify-full` against Supabase's
//! published root CA ([`SUPABASE_ROOT_CA`]) and the system roots, not libpq's `prefer`: the
//! password never goes to a server that refuses TLS or shows a certificate nothing vouches
//! for. `sslrootcert` names a PEM file of roots, `system` the system's alone
//! (`SSL_CERT_FILE` honoured); `channel_binding` is tokio-postgres' own.
//!
//! The password leaves only through SCRAM, which never hands it over (and, with channel
//! binding, cannot be relayed): a server that asks for it in clear text or as MD5 is
//! refused before it is sent ([`super::wire`]), and the finding says why. The one
//! exception is a URL that names this machine (`localhost`, `127.x.x.x`, `::1`: tests
//! and local development) and asks for a mode that does not verify the server
//! (`disable`, `allow`, `prefer`, `require`): no one sits between the bot and its own
//! machine. Whether a host is this machine is read from the name the URL gives, not
//! from what it resolves to: `host=db.example.com hostaddr=127.0.0.1` is a remote
//! server reached at a given address. To any other host, `require` (encrypted, not
//! verified) does not make a cleartext or MD5 password safe: whoever answers gets it.
//! Nor does `disable`, which sends it in the clear to every hop.
//!
//! One connection per run holds one `READ ONLY` transaction with a statement timeout;
//! every query is an unnamed statement (`query_typed`), so Supabase's session and
//! transaction poolers both work, takes its values as bound parameters, and returns one
//! JSON text value. Each query runs behind its own savepoint, so one that fails (a missing
//! table, the statement timeout) fails alone instead of aborting the transaction under
//! every other check. Each answer is capped at [`MAX_ANSWER`] bytes and waited for at most
//! the request timeout (plus a second, so the server's own statement timeout speaks
//! first); a query that got no answer in time, or an answer over the cap, ends the
//! session for the run: every later query says so at once instead of waiting again.

use super::wire::{Ended, Framing, Guarded, GuardedTls, Meter};
use crate::credentials::SecretString;
use crate::live::http::FetchError;
use crate::live::tls::provider;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio_postgres::config::{Host, SslMode, SslNegotiation};
use tokio_postgres::types::{ToSql, Type};

/// The most bytes one answer may take on the wire (the checks' answers are a few dozen
/// kilobytes: every text the queries return is cut with `left()`).
pub const MAX_ANSWER: usize = 4 << 20;

/// "Supabase Root 2021 CA", as Supabase publishes it (`prod-ca-2021.crt`, Database
/// settings → SSL Configuration): the root of its database servers' and poolers'
/// certificates. SHA-256 of the DER: `80:70:25:AD:50:D4:ED:21:9D:2C:9C:7D:29:9C:00:4F:
/// 82:4E:B0:0C:F7:F6:5A:FE:F6:07:D0:7B:72:E6:CA:FA`; valid until 2031-04-26.
pub const SUPABASE_ROOT_CA: &str = "-----BEGIN CERTIFICATE-----
MIIDxDCCAqygAwIBAgIUbLxMod62P2ktCiAkxnKJwtE9VPYwDQYJKoZIhvcNAQEL
BQAwazELMAkGA1UEBhMCVVMxEDAOBgNVBAgMB0RlbHdhcmUxEzARBgNVBAcMCk5l
dyBDYXN0bGUxFTATBgNVBAoMDFN1cGFiYXNlIEluYzEeMBwGA1UEAwwVU3VwYWJh
c2UgUm9vdCAyMDIxIENBMB4XDTIxMDQyODEwNTY1M1oXDTMxMDQyNjEwNTY1M1ow
azELMAkGA1UEBhMCVVMxEDAOBgNVBAgMB0RlbHdhcmUxEzARBgNVBAcMCk5ldyBD
YXN0bGUxFTATBgNVBAoMDFN1cGFiYXNlIEluYzEeMBwGA1UEAwwVU3VwYWJhc2Ug
Um9vdCAyMDIxIENBMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqQXW
QyHOB+qR2GJobCq/CBmQ40G0oDmCC3mzVnn8sv4XNeWtE5XcEL0uVih7Jo4Dkx1Q
DmGHBH1zDfgs2qXiLb6xpw/CKQPypZW1JssOTMIfQppNQ87K75Ya0p25Y3ePS2t2
GtvHxNjUV6kjOZjEn2yWEcBdpOVCUYBVFBNMB4YBHkNRDa/+S4uywAoaTWnCJLUi
cvTlHmMw6xSQQn1UfRQHk50DMCEJ7Cy1RxrZJrkXXRP3LqQL2ijJ6F4yMfh+Gyb4
O4XajoVj/+R4GwywKYrrS8PrSNtwxr5StlQO8zIQUSMiq26wM8mgELFlS/32Uclt
NaQ1xBRizkzpZct9DwIDAQABo2AwXjALBgNVHQ8EBAMCAQYwHQYDVR0OBBYEFKjX
uXY32CztkhImng4yJNUtaUYsMB8GA1UdIwQYMBaAFKjXuXY32CztkhImng4yJNUt
aUYsMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQELBQADggEBAB8spzNn+4VU
tVxbdMaX+39Z50sc7uATmus16jmmHjhIHz+l/9GlJ5KqAMOx26mPZgfzG7oneL2b
VW+WgYUkTT3XEPFWnTp2RJwQao8/tYPXWEJDc0WVQHrpmnWOFKU/d3MqBgBm5y+6
jB81TU/RG2rVerPDWP+1MMcNNy0491CTL5XQZ7JfDJJ9CCmXSdtTl4uUQnSuv/Qx
Cea13BX2ZgJc7Au30vihLhub52De4P/4gonKsNHYdbWjg7OWKwNv/zitGDVDB9Y2
CMTyZKG3XEu5Ghl1LEnI3QmEKsqaCLv12BnVjbkSeZsMnevJPs1Ye6TjjJwdik5P
o/bKiIz+Fq8=
-----END CERTIFICATE-----
";

/// Which roots vouch for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// No `sslrootcert`: Supabase's root CA and the system's.
    SupabaseAndSystem,
    /// `sslrootcert=system`.
    System,
    /// `sslrootcert=<PEM file>`.
    File(String),
}

/// How the server is checked, from `sslmode` (and `sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    Disable,
    /// Encrypt (`allow`/`prefer`: if the server can; `require`: always), no verification.
    Unverified {
        required: bool,
    },
    /// Verify the chain against `roots`; `full` also the host name.
    Verified {
        full: bool,
        roots: Roots,
    },
}

/// The connection settings: tokio-postgres' config without the TLS keys it cannot read.
pub struct DbTarget {
    config: tokio_postgres::Config,
    pub tls: Tls,
    /// The `sslmode` the URL gave, if any.
    pub sslmode: Option<String>,
    /// True when every host the URL names is this machine (see [`names_loopback`]).
    pub loopback: bool,
}

impl DbTarget {
    /// True when the URL names this machine and asks for a mode that may send the
    /// password unprotected (`disable`, `allow`, `prefer`, `require`): only then may the
    /// server ask for it in clear text or as MD5.
    pub fn weak_auth_allowed(&self) -> bool {
        self.loopback
            && matches!(
                self.sslmode.as_deref(),
                Some("disable" | "allow" | "prefer" | "require")
            )
    }

    /// Why a server that asked for the password `how` ("in clear text", "as an MD5
    /// hash") did not get it, and what to change.
    pub fn refusal(&self, how: &str) -> String {
        let mode = self.sslmode.as_deref().unwrap_or("verify-full");
        let scram = "or have the server keep the password as SCRAM (password_encryption = scram-sha-256, then set the password again)";
        match &self.tls {
            Tls::Disable => format!(
                "the server asked for the password {how} over a connection without TLS (sslmode=disable); refused, the password was not sent: anyone on the way could read it. Use sslmode=verify-full, {scram}"
            ),
            Tls::Unverified { .. } => format!(
                "the server asked for the password {how} over TLS whose certificate is not verified (sslmode={mode}); refused, the password was not sent: whoever answers in the server's place would get it. Use sslmode=verify-full (Supabase's root CA is built in; for another server add sslrootcert=<its CA file>), {scram}"
            ),
            Tls::Verified { .. } => format!(
                "the server asked for the password {how}; refused, the password was not sent: the bot sends it only through SCRAM (with sslmode={mode}; a weaker sslmode allows more only to localhost). Have the server keep the password as SCRAM (password_encryption = scram-sha-256, then set the password again)"
            ),
        }
    }

    /// The TLS mode in a few words, for the evidence of every database check: "TLS,
    /// certificate not verified (sslmode=require)".
    pub fn short(&self) -> String {
        let mode = self.sslmode.as_deref();
        match &self.tls {
            Tls::Disable => "no TLS (sslmode=disable)".to_string(),
            Tls::Unverified { .. } => format!(
                "TLS, certificate not verified (sslmode={})",
                mode.unwrap_or("prefer")
            ),
            Tls::Verified { full: true, .. } => match mode {
                Some(m) => format!("TLS, certificate and host name verified (sslmode={m})"),
                None => {
                    "TLS, certificate and host name verified (verify-full: the URL sets no sslmode)"
                        .to_string()
                }
            },
            Tls::Verified { full: false, .. } => format!(
                "TLS, certificate verified, host name not (sslmode={})",
                mode.unwrap_or("verify-ca")
            ),
        }
    }

    /// Which TLS mode the connection uses, for the report.
    pub fn describe(&self) -> String {
        let mode = match &self.tls {
            Tls::Disable => "no TLS (sslmode=disable)".to_string(),
            Tls::Unverified { required: false } => format!(
                "TLS if the server offers it, certificate not verified (sslmode={})",
                self.sslmode.as_deref().unwrap_or("prefer")
            ),
            Tls::Unverified { required: true } => {
                "TLS, certificate not verified (sslmode=require)".to_string()
            }
            Tls::Verified { full, roots } => {
                let what = if *full {
                    "certificate and host name verified"
                } else {
                    "certificate verified"
                };
                let against = match roots {
                    Roots::SupabaseAndSystem => "Supabase's root CA and the system roots",
                    Roots::System => "the system roots",
                    Roots::File(_) => "sslrootcert",
                };
                match &self.sslmode {
                    Some(m) => format!("TLS, {what} against {against} (sslmode={m})"),
                    None => format!(
                        "TLS, {what} against {against} (verify-full: the URL sets no sslmode)"
                    ),
                }
            }
        };
        if self.weak_auth_allowed() {
            mode
        } else {
            format!("{mode}; cleartext and MD5 passwords refused")
        }
    }
}

/// The TLS mode a database URL gets, for the report (`None`: the URL does not read).
pub fn tls_mode(url: &SecretString) -> Option<String> {
    target(url).ok().map(|t| t.describe())
}

/// The same in a few words ([`DbTarget::short`]).
pub fn tls_mode_short(url: &SecretString) -> Option<String> {
    target(url).ok().map(|t| t.short())
}

/// True when every host `config` names is this machine: `localhost`, an address in
/// 127.0.0.0/8 or `::1`, by the name the URL gives (a `hostaddr` counts only for a host
/// the URL does not name).
fn names_loopback(config: &tokio_postgres::Config) -> bool {
    let (hosts, addrs) = (config.get_hosts(), config.get_hostaddrs());
    let count = hosts.len().max(addrs.len());
    count > 0
        && (0..count).all(|i| match hosts.get(i) {
            Some(Host::Tcp(name)) => {
                name.eq_ignore_ascii_case("localhost")
                    || name
                        .trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|ip| ip.is_loopback())
            }
            // Never connected to (see `open`).
            Some(Host::Unix(_)) => false,
            None => addrs.get(i).is_some_and(|ip| ip.is_loopback()),
        })
}

/// A `supabase-db-url` the bot cannot connect with; the message says what to copy instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DbUrlError {
    /// tokio-postgres cannot read it (its reason, redacted).
    #[error(
        "input `supabase-db-url` is not a Postgres URL ({0}); copy the session pooler URL from Supabase → Connect"
    )]
    NotPostgres(String),
    /// An `sslmode` libpq does not have.
    #[error(
        "input `supabase-db-url`: sslmode={0} is not one of disable, allow, prefer, require, verify-ca, verify-full"
    )]
    SslMode(String),
    /// No host and no `hostaddr`.
    #[error(
        "input `supabase-db-url` names no host; copy the session pooler URL from Supabase → Connect"
    )]
    NoHost,
    /// A Unix socket path where a host name belongs.
    #[error("input `supabase-db-url` names a Unix socket; give a host name")]
    UnixSocket,
}

impl From<DbUrlError> for FetchError {
    fn from(e: DbUrlError) -> Self {
        FetchError::Other(e.to_string())
    }
}

/// Reads a `postgresql://` URL (or libpq `key=value` string).
pub fn target(url: &SecretString) -> Result<DbTarget, DbUrlError> {
    let raw = url.expose();
    let (mut sslmode, mut rootcert) = (None, None);
    let rebuilt = if raw.contains("://") {
        let (base, query) = raw.split_once('?').unwrap_or((raw, ""));
        let kept: Vec<&str> = query
            .split('&')
            .filter(|kv| !kv.is_empty())
            .filter(|kv| match kv.split_once('=') {
                Some(("sslmode", v)) => {
                    sslmode = Some(v.to_string());
                    false
                }
                Some(("sslrootcert", v)) => {
                    rootcert = Some(crate::secrets::held::percent_decode(v));
                    false
                }
                _ => true,
            })
            .collect();
        if kept.is_empty() {
            base.to_string()
        } else {
            format!("{base}?{}", kept.join("&"))
        }
    } else {
        raw.split_whitespace()
            .filter(|kv| match kv.split_once('=') {
                Some(("sslmode", v)) => {
                    sslmode = Some(v.to_string());
                    false
                }
                Some(("sslrootcert", v)) => {
                    rootcert = Some(v.to_string());
                    false
                }
                _ => true,
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut config = tokio_postgres::Config::from_str(&rebuilt)
        .map_err(|e| DbUrlError::NotPostgres(crate::outside::plain(e.to_string())))?;
    let roots = match rootcert {
        None => Roots::SupabaseAndSystem,
        Some(r) if r == "system" => Roots::System,
        Some(r) => Roots::File(r),
    };
    let tls = match sslmode.as_deref().unwrap_or("default") {
        // No sslmode: verify the chain and the name, Supabase's root included.
        "default" => Tls::Verified { full: true, roots },
        "disable" => Tls::Disable,
        "allow" | "prefer" => Tls::Unverified { required: false },
        // libpq: `require` with a root certificate file verifies the chain.
        "require" if matches!(roots, Roots::File(_)) => Tls::Verified { full: false, roots },
        "require" => Tls::Unverified { required: true },
        "verify-ca" => Tls::Verified { full: false, roots },
        "verify-full" => Tls::Verified { full: true, roots },
        other => return Err(DbUrlError::SslMode(other.to_string())),
    };
    config.ssl_mode(match tls {
        Tls::Disable => SslMode::Disable,
        Tls::Unverified { required: false } => SslMode::Prefer,
        _ => SslMode::Require,
    });
    Ok(DbTarget {
        loopback: names_loopback(&config),
        config,
        tls,
        sslmode,
    })
}

/// A bound parameter of a query.
#[derive(Debug, Clone, Copy)]
pub enum Arg<'a> {
    /// `text` (`None`: null).
    Text(Option<&'a str>),
    /// `text[]`.
    Texts(&'a [String]),
}

/// An open read-only session.
pub struct Db {
    client: tokio_postgres::Client,
    task: tokio::task::JoinHandle<()>,
    /// One query (with its savepoint) at a time: a rollback to the savepoint must not
    /// undo another check's.
    turn: tokio::sync::Mutex<()>,
    queries: AtomicU32,
    meter: Arc<Meter>,
    /// How long one answer is waited for.
    patience: Duration,
    /// Why the session is no longer usable, once it is not: every later query says so.
    broken: Mutex<Option<FetchError>>,
    /// The TLS mode, for the report.
    pub mode: String,
}

impl Drop for Db {
    fn drop(&mut self) {
        // Closing the connection ends the read-only transaction.
        self.task.abort();
    }
}

/// Opens a TCP connection to the first host that answers (`hostaddr` honoured), and the
/// name TLS checks the certificate against.
async fn open(
    config: &tokio_postgres::Config,
    timeout: Duration,
) -> Result<(tokio::net::TcpStream, String), FetchError> {
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    let ports = config.get_ports();
    let count = hosts.len().max(addrs.len());
    if count == 0 {
        return Err(DbUrlError::NoHost.into());
    }
    let mut last = FetchError::Connect("no address".into());
    for i in 0..count {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let name = match hosts.get(i) {
            Some(Host::Tcp(h)) => Some(h.clone()),
            Some(Host::Unix(_)) => {
                last = DbUrlError::UnixSocket.into();
                continue;
            }
            None => None,
        };
        let targets: Vec<std::net::SocketAddr> = match (addrs.get(i), &name) {
            (Some(ip), _) => vec![std::net::SocketAddr::new(*ip, port)],
            (None, Some(h)) => match tokio::net::lookup_host((h.as_str(), port)).await {
                Ok(found) => found.collect(),
                Err(e) => {
                    last = FetchError::Dns(crate::outside::plain(e.to_string()));
                    continue;
                }
            },
            (None, None) => continue,
        };
        let tls_name = name
            .clone()
            .unwrap_or_else(|| addrs.get(i).map(|a| a.to_string()).unwrap_or_default());
        for addr in targets {
            match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
                Ok(Ok(tcp)) => {
                    let _ = tcp.set_nodelay(true);
                    return Ok((tcp, tls_name));
                }
                Ok(Err(e)) => last = FetchError::Connect(crate::outside::plain(e.to_string())),
                Err(_) => last = FetchError::Timeout(timeout),
            }
        }
    }
    Err(last)
}

impl Db {
    /// Connects, opens the read-only transaction and sets its statement timeout.
    pub async fn connect(url: &SecretString, timeout: Duration) -> Result<Db, FetchError> {
        let mut target = target(url)?;
        target
            .config
            .application_name(concat!("pendo-triage/", env!("CARGO_PKG_VERSION")));
        let meter = Meter::new(MAX_ANSWER, target.weak_auth_allowed());
        let connecting = async {
            let (tcp, name) = open(&target.config, timeout).await?;
            let watch = match (&target.tls, target.config.get_ssl_negotiation()) {
                (Tls::Disable, _) => Framing::Frames,
                (_, SslNegotiation::Direct) => Framing::Pass,
                _ => Framing::SslAnswer,
            };
            let socket = Guarded::new(tcp, watch, Arc::clone(&meter));
            let mut make =
                tokio_postgres_rustls::MakeRustlsConnect::new(client_config(&target.tls)?);
            let tls = tokio_postgres::tls::MakeTlsConnect::<Guarded<tokio::net::TcpStream>>::make_tls_connect(&mut make, &name)
                .map_err(|e| FetchError::Connect(crate::outside::plain(e.to_string())))?;
            let tls = GuardedTls {
                inner: tls,
                meter: Arc::clone(&meter),
            };
            let (client, conn) = target
                .config
                .connect_raw(socket, tls)
                .await
                .map_err(|e| guarded_error(&meter, e))?;
            // The connection's task keeps the caller's span.
            let task = tokio::spawn(tracing::Instrument::in_current_span(async move {
                drop(conn.await)
            }));
            Ok((client, task))
        };
        let (client, task) = match tokio::time::timeout(timeout, connecting).await {
            // The guard refused a weak password request: say why, for this mode.
            Ok(Err(_)) if matches!(meter.ended(), Some(Ended::WeakAuth(_))) => {
                let how = match meter.ended() {
                    Some(Ended::WeakAuth(how)) => how,
                    _ => "",
                };
                return Err(FetchError::Other(target.refusal(how)));
            }
            // Say which mode refused: "server does not support TLS" reads differently
            // when the URL never asked for TLS.
            Ok(Err(FetchError::Connect(m))) => {
                return Err(FetchError::Connect(format!("{m}; {}", target.describe())));
            }
            Ok(r) => r?,
            Err(_) => return Err(FetchError::Timeout(timeout)),
        };
        let db = Db {
            client,
            task,
            turn: tokio::sync::Mutex::new(()),
            queries: AtomicU32::new(0),
            meter,
            patience: timeout + Duration::from_secs(1),
            broken: Mutex::new(None),
            mode: target.describe(),
        };
        let ms = timeout.as_millis().max(1000);
        db.meter.start_answer();
        let setup_sql = format!(
            "begin read only; set local statement_timeout = {ms}; set local lock_timeout = {}; set local idle_in_transaction_session_timeout = {}",
            ms / 2,
            ms * 6
        );
        let setup = db.client.batch_execute(&setup_sql);
        match tokio::time::timeout(db.patience, setup).await {
            Ok(r) => r.map_err(|e| guarded_error(&db.meter, e))?,
            Err(_) => return Err(FetchError::Timeout(db.patience)),
        }
        db.queries.fetch_add(1, Ordering::Relaxed);
        Ok(db)
    }

    /// Runs one query whose single row and column is JSON text, with bound parameters.
    /// The savepoint travels with the query (one round trip); only a failed query costs
    /// a second one, to roll back to it.
    pub async fn json(&self, sql: &str, args: &[Arg<'_>]) -> Result<serde_json::Value, FetchError> {
        if let Some(e) = self.broken() {
            return Err(e);
        }
        self.queries.fetch_add(1, Ordering::Relaxed);
        let typed: Vec<(&(dyn ToSql + Sync), Type)> = args
            .iter()
            .map(|a| match a {
                Arg::Text(t) => (t as &(dyn ToSql + Sync), Type::TEXT),
                Arg::Texts(list) => (list as &(dyn ToSql + Sync), Type::TEXT_ARRAY),
            })
            .collect();
        let turn = self.turn.lock().await;
        if let Some(e) = self.broken() {
            return Err(e);
        }
        // Dropped before the answer came (the run's deadline): the connection still owes
        // that answer, so the session is done for the run.
        let mut pending = Pending {
            db: self,
            done: false,
        };
        self.meter.start_answer();
        let exchange = async {
            tokio::join!(
                self.client.batch_execute("savepoint pendo_triage"),
                self.client.query_typed(sql, &typed)
            )
        };
        let (saved, answer) = match tokio::time::timeout(self.patience, exchange).await {
            Ok(r) => r,
            Err(_) => {
                pending.done = true;
                return Err(self.give_up(FetchError::Timeout(self.patience)));
            }
        };
        pending.done = true;
        saved.map_err(|e| self.failed(e))?;
        if answer.is_err() && self.meter.ended().is_none() {
            // Should this fail too, the next query says so.
            let rollback = self
                .client
                .batch_execute("rollback to savepoint pendo_triage");
            if tokio::time::timeout(self.patience, rollback).await.is_err() {
                self.give_up(FetchError::Timeout(self.patience));
            }
        }
        drop(turn);
        let rows = answer.map_err(|e| self.failed(e))?;
        let text: Option<&str> = match rows.first() {
            Some(r) => r.try_get(0).map_err(|e| self.failed(e))?,
            None => None,
        };
        crate::live::decode::bounded(text.unwrap_or("null").as_bytes()).map_err(|e| {
            FetchError::Other(format!(
                "the database answered something that is not readable JSON: {e}"
            ))
        })
    }

    /// Queries sent so far (the transaction's setup counts as one).
    pub fn queries(&self) -> u32 {
        self.queries.load(Ordering::Relaxed)
    }

    fn broken(&self) -> Option<FetchError> {
        self.broken
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Remembers why the session is done and says it.
    fn give_up(&self, e: FetchError) -> FetchError {
        self.broken
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(e)
            .clone()
    }

    /// A query's error: what the guard saw when it ended the connection, else the
    /// server's.
    fn failed(&self, e: tokio_postgres::Error) -> FetchError {
        let e = guarded_error(&self.meter, e);
        if e.code().is_some() {
            e
        } else {
            self.give_up(e)
        }
    }
}

/// Marks the session done when a query is dropped before its answer.
struct Pending<'a> {
    db: &'a Db,
    done: bool,
}

impl Drop for Pending<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.db.give_up(FetchError::Timeout(self.db.patience));
        }
    }
}

/// An error of the connection: what the guard saw, when it ended it.
fn guarded_error(meter: &Meter, e: tokio_postgres::Error) -> FetchError {
    match meter.ended() {
        Some(Ended::TooLarge(cap)) => FetchError::Other(format!(
            "the database sent an answer over {cap} bytes ({} MiB); the connection was closed",
            cap >> 20
        )),
        Some(Ended::WeakAuth(how)) => FetchError::Other(format!(
            "the server asked for the password {how}; refused, the password was not sent (the bot answers only SCRAM; see the TLS mode)"
        )),
        None => db_error(e),
    }
}

/// A Postgres error as a person reads it: SQLSTATE and message, redacted.
fn db_error(e: tokio_postgres::Error) -> FetchError {
    if let Some(db) = e.as_db_error() {
        return FetchError::Refused {
            by: "Postgres".into(),
            code: db.code().code().into(),
            message: crate::outside::plain(db.message()),
        };
    }
    let chain = crate::outside::plain(crate::errors::error_chain(&e));
    if chain.to_ascii_lowercase().contains("timed out") {
        FetchError::Timeout(Duration::ZERO)
    } else {
        FetchError::Connect(chain)
    }
}

fn client_config(tls: &Tls) -> Result<rustls::ClientConfig, FetchError> {
    let verifier: Arc<dyn ServerCertVerifier> = match tls {
        Tls::Verified { full, roots } => {
            let store = root_store(roots)?;
            let inner = rustls::client::WebPkiServerVerifier::builder_with_provider(
                Arc::new(store),
                provider(),
            )
            .build()
            .map_err(|e| FetchError::Other(format!("TLS roots: {e}")))?;
            Arc::new(Verify { inner, full: *full })
        }
        _ => Arc::new(NoVerify(provider())),
    };
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| FetchError::Other(format!("TLS setup: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

fn root_store(roots: &Roots) -> Result<rustls::RootCertStore, FetchError> {
    use rustls::pki_types::pem::PemObject;
    let mut store = rustls::RootCertStore::empty();
    let system = |store: &mut rustls::RootCertStore| {
        store.add_parsable_certificates(crate::live::tls::system_roots().iter().cloned());
    };
    match roots {
        Roots::File(p) => {
            let certs = CertificateDer::pem_file_iter(p)
                .map_err(|e| FetchError::Other(format!("sslrootcert {p}: {e}")))?;
            for cert in certs {
                let cert = cert.map_err(|e| FetchError::Other(format!("sslrootcert {p}: {e}")))?;
                store
                    .add(cert)
                    .map_err(|e| FetchError::Other(format!("sslrootcert {p}: {e}")))?;
            }
        }
        Roots::System => system(&mut store),
        Roots::SupabaseAndSystem => {
            let supabase = CertificateDer::from_pem_slice(SUPABASE_ROOT_CA.as_bytes())
                .map_err(|e| FetchError::Other(format!("Supabase's root CA: {e}")))?;
            store
                .add(supabase)
                .map_err(|e| FetchError::Other(format!("Supabase's root CA: {e}")))?;
            system(&mut store);
        }
    }
    if store.is_empty() {
        return Err(FetchError::Other(
            "no root certificate to verify the database with: add sslrootcert=<CA file> or use sslmode=require".into(),
        ));
    }
    Ok(store)
}

/// `allow`/`prefer`/`require`: encrypted, the certificate not checked (libpq's meaning).
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca` (chain only) and `verify-full` (chain and host name).
#[derive(Debug)]
struct Verify {
    inner: Arc<rustls::client::WebPkiServerVerifier>,
    full: bool,
}

impl ServerCertVerifier for Verify {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) if !self.full => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls_of(url: &str) -> Result<Tls, String> {
        target(&SecretString::new(url).unwrap())
            .map(|t| t.tls)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn sslmode_means_what_it_means_in_libpq_when_given() {
        let base = "postgresql://postgres.ref:fake-pass@pooler.example.com:5432/postgres";
        assert_eq!(tls_of(&format!("{base}?sslmode=disable")), Ok(Tls::Disable));
        assert_eq!(
            tls_of(&format!("{base}?sslmode=prefer")),
            Ok(Tls::Unverified { required: false })
        );
        assert_eq!(
            tls_of(&format!("{base}?sslmode=require")),
            Ok(Tls::Unverified { required: true })
        );
        assert_eq!(
            tls_of(&format!("{base}?sslmode=require&sslrootcert=/ca.pem")),
            Ok(Tls::Verified {
                full: false,
                roots: Roots::File("/ca.pem".into())
            })
        );
        assert_eq!(
            tls_of(&format!("{base}?sslmode=verify-full&sslrootcert=system")),
            Ok(Tls::Verified {
                full: true,
                roots: Roots::System
            })
        );
        assert_eq!(
            tls_of(&format!(
                "{base}?application_name=x&sslmode=verify-ca&sslrootcert=%2Ftmp%2Fca.pem"
            )),
            Ok(Tls::Verified {
                full: false,
                roots: Roots::File("/tmp/ca.pem".into())
            })
        );
        assert_eq!(
            tls_of(
                "host=localhost port=5432 user=postgres sslmode=verify-full sslrootcert=/ca.pem"
            ),
            Ok(Tls::Verified {
                full: true,
                roots: Roots::File("/ca.pem".into())
            })
        );
        let e = tls_of(&format!("{base}?sslmode=sometimes")).unwrap_err();
        assert!(e.contains("verify-full"), "{e}");
        let e = tls_of("not a url at all ::").unwrap_err();
        assert!(
            e.contains("supabase-db-url") && !e.contains("fake-pass"),
            "{e}"
        );
    }

    #[test]
    fn a_url_without_sslmode_verifies_against_supabase_and_refuses_weak_passwords() {
        let base = "postgresql://postgres.ref:fake-pass@aws-0-eu-central-1.pooler.supabase.com:5432/postgres";
        let t = target(&SecretString::new(base).unwrap()).unwrap();
        assert_eq!(
            t.tls,
            Tls::Verified {
                full: true,
                roots: Roots::SupabaseAndSystem
            }
        );
        assert!(!t.weak_auth_allowed());
        assert_eq!(
            t.describe(),
            "TLS, certificate and host name verified against Supabase's root CA and the system roots (verify-full: the URL sets no sslmode); cleartext and MD5 passwords refused"
        );
        // To Supabase's pooler no mode allows a cleartext or MD5 password; to this
        // machine, a weaker mode the URL asks for does.
        let local = "postgresql://postgres:fake-pass@localhost:5432/postgres";
        for (mode, allowed_locally) in [
            ("disable", true),
            ("allow", true),
            ("prefer", true),
            ("require", true),
            ("verify-ca", false),
            ("verify-full", false),
        ] {
            let t = target(&SecretString::new(format!("{base}?sslmode={mode}")).unwrap()).unwrap();
            assert!(!t.weak_auth_allowed(), "{mode}");
            assert!(
                t.describe()
                    .ends_with("cleartext and MD5 passwords refused")
            );
            let t = target(&SecretString::new(format!("{local}?sslmode={mode}")).unwrap()).unwrap();
            assert_eq!(t.weak_auth_allowed(), allowed_locally, "{mode}");
        }
        // channel_binding reaches tokio-postgres.
        let t =
            target(&SecretString::new(format!("{base}?channel_binding=require")).unwrap()).unwrap();
        assert_eq!(
            t.config.get_channel_binding(),
            tokio_postgres::config::ChannelBinding::Require
        );
        // The embedded root is Supabase's and reads.
        let store = root_store(&Roots::SupabaseAndSystem).unwrap();
        assert!(!store.is_empty());
        assert!(SUPABASE_ROOT_CA.contains("MIIDxDCCAqygAwIBAgIUbLxMod62P2ktCiAkxnKJwtE9VPYw"));
    }

    #[test]
    fn this_machine_is_the_host_the_url_names_not_where_it_resolves() {
        let loopback = |url: &str| target(&SecretString::new(url).unwrap()).unwrap().loopback;
        for url in [
            "postgresql://u:fake-pass@localhost:5432/db",
            "postgresql://u:fake-pass@LOCALHOST/db",
            "postgresql://u:fake-pass@127.0.0.1:5432/db",
            "postgresql://u:fake-pass@127.8.9.10/db",
            "postgresql://u:fake-pass@[::1]:5432/db",
            "hostaddr=127.0.0.1 port=5432 user=u",
            "host=localhost,127.0.0.1 port=5432 user=u",
        ] {
            assert!(loopback(url), "{url}");
        }
        for url in [
            "postgresql://u.ref:fake-pass@aws-0-eu-central-1.pooler.supabase.com:5432/postgres",
            // A remote name reached at a given address is still a remote server.
            "host=pooler.example.com hostaddr=127.0.0.1 port=5432 user=u",
            "postgresql://u:fake-pass@localhost.example.com/db",
            "postgresql://u:fake-pass@10.0.0.1/db",
            // One remote host among local ones.
            "host=localhost,db.example.com port=5432 user=u",
        ] {
            assert!(!loopback(url), "{url}");
        }
    }

    #[test]
    fn a_refused_password_request_says_over_what_and_what_to_change() {
        let refusal = |url: &str, how: &str| {
            target(&SecretString::new(url).unwrap())
                .unwrap()
                .refusal(how)
        };
        let remote = "postgresql://u.ref:fake-pass@pooler.example.com:5432/postgres";
        let r = refusal(&format!("{remote}?sslmode=require"), "in clear text");
        assert!(
            r.starts_with("the server asked for the password in clear text over TLS whose certificate is not verified (sslmode=require); refused, the password was not sent"),
            "{r}"
        );
        assert!(
            r.contains("sslmode=verify-full") && r.contains("scram-sha-256"),
            "{r}"
        );
        let r = refusal(&format!("{remote}?sslmode=disable"), "as an MD5 hash");
        assert!(
            r.contains("as an MD5 hash over a connection without TLS (sslmode=disable)"),
            "{r}"
        );
        let r = refusal(&format!("{remote}?sslmode=prefer"), "in clear text");
        assert!(r.contains("(sslmode=prefer)"), "{r}");
        let r = refusal(remote, "in clear text");
        assert!(
            r.contains("only through SCRAM (with sslmode=verify-full"),
            "{r}"
        );
        assert!(!r.contains("fake-pass"));
        // The short form every database check's evidence carries.
        let short = |url: &str| target(&SecretString::new(url).unwrap()).unwrap().short();
        assert_eq!(
            short(&format!("{remote}?sslmode=require")),
            "TLS, certificate not verified (sslmode=require)"
        );
        assert_eq!(
            short(remote),
            "TLS, certificate and host name verified (verify-full: the URL sets no sslmode)"
        );
        assert_eq!(
            short(&format!("{remote}?sslmode=disable")),
            "no TLS (sslmode=disable)"
        );
        assert_eq!(
            short(&format!("{remote}?sslmode=verify-ca")),
            "TLS, certificate verified, host name not (sslmode=verify-ca)"
        );
    }
}
