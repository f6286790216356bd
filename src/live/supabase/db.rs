//! The Supabase checks' database connection: tokio-postgres over rustls, read-only.
//!
//! `sslmode` means what it means in libpq: `disable` sends plain text; `allow`, `prefer`
//! and `require` encrypt without verifying the server; `verify-ca` verifies the chain,
//! `verify-full` the chain and the host name. `sslrootcert` names a PEM file of roots (as
//! Supabase's own CA for its poolers), `system` or nothing the system's (`SSL_CERT_FILE`
//! honoured). One connection per run holds one `READ ONLY` transaction with a statement
//! timeout; every query is an unnamed statement (`query_typed`), so Supabase's session
//! and transaction poolers both work, and returns one JSON text value. Each query runs
//! behind its own savepoint, so one that fails (a missing table, the statement timeout)
//! fails alone instead of aborting the transaction under every other check.

use crate::credentials::SecretString;
use crate::live::http::FetchError;
use crate::secrets;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use tokio_postgres::config::SslMode;
use tokio_postgres::types::{ToSql, Type};

/// How the server is checked, from `sslmode` (and `sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tls {
    Disable,
    /// Encrypt (`allow`/`prefer`: if the server can; `require`: always), no verification.
    Unverified {
        required: bool,
    },
    /// Verify the chain against `roots` (`None`: the system's); `full` also the host name.
    Verified {
        full: bool,
        roots: Option<String>,
    },
}

/// The connection settings: tokio-postgres' config without the TLS keys it cannot read.
pub struct Target {
    config: tokio_postgres::Config,
    pub tls: Tls,
}

/// Reads a `postgresql://` URL (or libpq `key=value` string).
pub fn target(url: &SecretString) -> Result<Target, String> {
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
                    rootcert = Some(percent_decode(v));
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
    let mut config = tokio_postgres::Config::from_str(&rebuilt).map_err(|e| {
        format!(
            "input `supabase-db-url` is not a Postgres URL ({}); copy the session pooler URL from Supabase → Connect",
            secrets::redact(&e.to_string())
        )
    })?;
    let roots = rootcert.filter(|r| r != "system");
    let tls = match sslmode.as_deref().unwrap_or("prefer") {
        "disable" => Tls::Disable,
        "allow" | "prefer" => Tls::Unverified { required: false },
        // libpq: `require` with a root certificate file verifies the chain.
        "require" if roots.is_some() => Tls::Verified { full: false, roots },
        "require" => Tls::Unverified { required: true },
        "verify-ca" => Tls::Verified { full: false, roots },
        "verify-full" => Tls::Verified { full: true, roots },
        other => {
            return Err(format!(
                "input `supabase-db-url`: sslmode={other} is not one of disable, allow, prefer, require, verify-ca, verify-full"
            ));
        }
    };
    config.ssl_mode(match tls {
        Tls::Disable => SslMode::Disable,
        Tls::Unverified { required: false } => SslMode::Prefer,
        _ => SslMode::Require,
    });
    Ok(Target { config, tls })
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An open read-only session.
pub struct Db {
    client: tokio_postgres::Client,
    task: tokio::task::JoinHandle<()>,
    /// One query (with its savepoint) at a time: a rollback to the savepoint must not
    /// undo another check's.
    turn: tokio::sync::Mutex<()>,
    queries: AtomicU32,
}

impl Drop for Db {
    fn drop(&mut self) {
        // Closing the connection ends the read-only transaction.
        self.task.abort();
    }
}

impl Db {
    /// Connects, opens the read-only transaction and sets its statement timeout.
    pub async fn connect(url: &SecretString, timeout: Duration) -> Result<Db, FetchError> {
        let mut target = target(url).map_err(FetchError::Other)?;
        target.config.connect_timeout(timeout);
        target
            .config
            .application_name(concat!("pendo-triage/", env!("CARGO_PKG_VERSION")));
        let connecting = async {
            match &target.tls {
                Tls::Disable => {
                    let (client, conn) = target
                        .config
                        .connect(tokio_postgres::NoTls)
                        .await
                        .map_err(db_error)?;
                    Ok((client, tokio::spawn(async move { drop(conn.await) })))
                }
                tls => {
                    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(client_config(tls)?);
                    let (client, conn) = target.config.connect(tls).await.map_err(db_error)?;
                    Ok((client, tokio::spawn(async move { drop(conn.await) })))
                }
            }
        };
        let (client, task) = match tokio::time::timeout(timeout, connecting).await {
            Ok(r) => r?,
            Err(_) => return Err(FetchError::Timeout(timeout)),
        };
        let db = Db {
            client,
            task,
            turn: tokio::sync::Mutex::new(()),
            queries: AtomicU32::new(0),
        };
        let ms = timeout.as_millis().max(1000);
        db.client
            .batch_execute(&format!(
                "begin read only; set local statement_timeout = {ms}; set local lock_timeout = {}; set local idle_in_transaction_session_timeout = {}",
                ms / 2,
                ms * 6
            ))
            .await
            .map_err(db_error)?;
        db.queries.fetch_add(1, Ordering::Relaxed);
        Ok(db)
    }

    /// Runs one query whose single row and column is JSON text, with text parameters.
    /// The savepoint travels with the query (one round trip); only a failed query costs
    /// a second one, to roll back to it.
    pub async fn json(
        &self,
        sql: &str,
        params: &[Option<&str>],
    ) -> Result<serde_json::Value, FetchError> {
        self.queries.fetch_add(1, Ordering::Relaxed);
        let typed: Vec<(&(dyn ToSql + Sync), Type)> = params
            .iter()
            .map(|p| (p as &(dyn ToSql + Sync), Type::TEXT))
            .collect();
        let turn = self.turn.lock().await;
        let (saved, answer) = tokio::join!(
            self.client.batch_execute("savepoint pendo_triage"),
            self.client.query_typed(sql, &typed)
        );
        saved.map_err(db_error)?;
        if answer.is_err() {
            // Should this fail too, the next query says so.
            let _ = self
                .client
                .batch_execute("rollback to savepoint pendo_triage")
                .await;
        }
        drop(turn);
        let rows = answer.map_err(db_error)?;
        let text: Option<String> = rows.first().and_then(|r| r.get(0));
        serde_json::from_str(text.as_deref().unwrap_or("null")).map_err(|e| {
            FetchError::Other(format!(
                "the database answered something that is not JSON: {e}"
            ))
        })
    }

    /// Queries sent so far (the transaction's setup counts as one).
    pub fn queries(&self) -> u32 {
        self.queries.load(Ordering::Relaxed)
    }
}

/// A Postgres error as a person reads it: SQLSTATE and message, redacted.
fn db_error(e: tokio_postgres::Error) -> FetchError {
    if let Some(db) = e.as_db_error() {
        return FetchError::Refused {
            by: "Postgres".into(),
            code: db.code().code().into(),
            message: secrets::redact(db.message()),
        };
    }
    let chain = secrets::redact(&crate::live::http::error_chain(&e));
    if chain.to_ascii_lowercase().contains("timed out") {
        FetchError::Timeout(Duration::ZERO)
    } else {
        FetchError::Connect(chain)
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(tls: &Tls) -> Result<rustls::ClientConfig, FetchError> {
    let verifier: Arc<dyn ServerCertVerifier> = match tls {
        Tls::Verified { full, roots } => {
            let store = root_store(roots.as_deref())?;
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

fn root_store(path: Option<&str>) -> Result<rustls::RootCertStore, FetchError> {
    use rustls::pki_types::pem::PemObject;
    let mut store = rustls::RootCertStore::empty();
    match path {
        Some(p) => {
            let certs = CertificateDer::pem_file_iter(p)
                .map_err(|e| FetchError::Other(format!("sslrootcert {p}: {e}")))?;
            for cert in certs {
                let cert = cert.map_err(|e| FetchError::Other(format!("sslrootcert {p}: {e}")))?;
                store
                    .add(cert)
                    .map_err(|e| FetchError::Other(format!("sslrootcert {p}: {e}")))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = store.add(cert);
            }
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
        target(&SecretString::new(url).unwrap()).map(|t| t.tls)
    }

    #[test]
    fn sslmode_means_what_it_means_in_libpq() {
        let base = "postgresql://postgres.ref:fake-pass@pooler.example.com:5432/postgres";
        assert_eq!(tls_of(base), Ok(Tls::Unverified { required: false }));
        assert_eq!(tls_of(&format!("{base}?sslmode=disable")), Ok(Tls::Disable));
        assert_eq!(
            tls_of(&format!("{base}?sslmode=require")),
            Ok(Tls::Unverified { required: true })
        );
        assert_eq!(
            tls_of(&format!("{base}?sslmode=require&sslrootcert=/ca.pem")),
            Ok(Tls::Verified {
                full: false,
                roots: Some("/ca.pem".into())
            })
        );
        assert_eq!(
            tls_of(&format!("{base}?sslmode=verify-full&sslrootcert=system")),
            Ok(Tls::Verified {
                full: true,
                roots: None
            })
        );
        assert_eq!(
            tls_of(&format!(
                "{base}?application_name=x&sslmode=verify-ca&sslrootcert=%2Ftmp%2Fca.pem"
            )),
            Ok(Tls::Verified {
                full: false,
                roots: Some("/tmp/ca.pem".into())
            })
        );
        assert_eq!(
            tls_of(
                "host=localhost port=5432 user=postgres sslmode=verify-full sslrootcert=/ca.pem"
            ),
            Ok(Tls::Verified {
                full: true,
                roots: Some("/ca.pem".into())
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
}
