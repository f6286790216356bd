//! HTTPS as the product speaks it. A TLS front on 127.0.0.1 (a certificate for
//! `localhost` from the tests' own CA) relays to the fake Pendo. The live checks' client
//! trusts the roots it is given, and the CLI trusts the system's, read from
//! `SSL_CERT_FILE` once per process, at the first handshake (`src/live/tls.rs`).

use crate::support;
use pendo_triage::live::http::{FetchError, Http};
use pendo_triage::live::tls;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use support::cli::{status, summary};
use support::fake_pendo::{FAKE_PENDO_KEY, FakePendo};

/// A TLS front for a plain HTTP server: one request per connection, forwarded with
/// `Connection: close`, the answer relayed byte for byte.
struct TlsFront {
    port: u16,
    ca_pem: String,
    /// Requests that arrived over a completed handshake.
    relayed: Arc<AtomicUsize>,
}

impl TlsFront {
    fn start(upstream: &str) -> TlsFront {
        let upstream = upstream
            .strip_prefix("http://")
            .expect("a plain upstream")
            .to_string();
        let chain = support::pg::make_chain();
        let config = Arc::new(support::fake_pg_wire::server_config(
            &chain.server_cert_pem,
            &chain.server_key_pem,
        ));
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let relayed = Arc::new(AtomicUsize::new(0));
        let count = relayed.clone();
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                let (config, upstream, count) = (config.clone(), upstream.clone(), count.clone());
                std::thread::spawn(move || {
                    let _ = relay(tcp, config, &upstream, &count);
                });
            }
        });
        TlsFront {
            port,
            ca_pem: chain.ca_pem,
            relayed,
        }
    }

    fn url(&self) -> String {
        format!("https://localhost:{}", self.port)
    }

    fn ca(&self) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).expect("the CA's PEM")
    }
}

fn relay(
    tcp: TcpStream,
    config: Arc<rustls::ServerConfig>,
    upstream: &str,
    relayed: &AtomicUsize,
) -> std::io::Result<()> {
    let conn = rustls::ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tls.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    relayed.fetch_add(1, Ordering::SeqCst);
    let head = String::from_utf8_lossy(&head).into_owned();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().unwrap_or(0))
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    tls.read_exact(&mut body)?;
    let (line, rest) = head.split_once("\r\n").expect("a request line");
    let mut plain = TcpStream::connect(upstream)?;
    plain.write_all(format!("{line}\r\nConnection: close\r\n{rest}").as_bytes())?;
    plain.write_all(&body)?;
    let mut answer = Vec::new();
    plain.read_to_end(&mut answer)?;
    tls.write_all(&answer)?;
    tls.conn.send_close_notify();
    tls.flush()
}

fn http(roots: Vec<CertificateDer<'static>>) -> Http {
    Http::with_tls(Duration::from_secs(5), tls::https_trusting(roots)).expect("the client builds")
}

fn guides(front: &TlsFront, http: &Http) -> Result<u16, FetchError> {
    let request = http
        .client()
        .get(format!("{}/api/v1/guide", front.url()))
        .header("x-pendo-integration-key", FAKE_PENDO_KEY);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime
        .block_on(http.send(request, 1 << 20))
        .map(|a| a.status)
}

#[test]
fn the_client_speaks_https_to_a_host_its_roots_vouch_for() {
    let pendo = FakePendo::builder().start();
    let front = TlsFront::start(pendo.url());
    assert_eq!(guides(&front, &http(vec![front.ca()])), Ok(200));
    assert_eq!(front.relayed.load(Ordering::SeqCst), 1);
    assert_eq!(
        pendo.requests().len(),
        1,
        "the request went through the front"
    );
}

#[test]
fn a_host_no_root_vouches_for_is_refused_before_any_request_is_sent() {
    let pendo = FakePendo::builder().start();
    let front = TlsFront::start(pendo.url());
    // Another CA of the same name: its key did not sign the certificate.
    let other = support::pg::make_chain();
    let other = CertificateDer::from_pem_slice(other.ca_pem.as_bytes()).unwrap();
    let e = guides(&front, &http(vec![other])).unwrap_err();
    assert!(
        matches!(&e, FetchError::Connect(m) if m.contains("BadSignature")),
        "{e:?}"
    );
    // No roots at all: the handshake says so.
    let e = guides(&front, &http(Vec::new())).unwrap_err();
    assert!(
        matches!(&e, FetchError::Connect(m) if m.contains("no usable root certificate")),
        "{e:?}"
    );
    assert_eq!(front.relayed.load(Ordering::SeqCst), 0);
    assert!(pendo.requests().is_empty(), "no request reached Pendo");
}

/// `check` as a user runs it, against Pendo over HTTPS: the system roots it trusts are
/// whatever `SSL_CERT_FILE` names.
#[test]
fn check_trusts_the_system_roots_and_only_them() {
    let pendo = FakePendo::builder().now_ms(1_795_860_000_000).start();
    let front = TlsFront::start(pendo.url());
    let dir = support::temp_dir("https");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &front.ca_pem).unwrap();
    let empty = dir.join("no-certs");
    std::fs::create_dir_all(&empty).unwrap();
    let body = "## Pendo API Information\n- **Endpoint**: `GET /api/v1/guide`\n\n\
                ## Data Context\n- **Data Type**: Guides\n\n\
                ## Environment Information\n- **Environment**: Production\n";
    let url = front.url();
    let run = |cert_file: &std::path::Path| {
        support::cli::check_json(
            body,
            "",
            &[
                ("PENDO_TRIAGE_NOW", "2026-11-28T10:00:00Z"),
                ("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY),
                ("PENDO_BASE_URL", &url),
                ("SSL_CERT_FILE", cert_file.to_str().unwrap()),
                ("SSL_CERT_DIR", empty.to_str().unwrap()),
            ],
            &[FAKE_PENDO_KEY],
        )
    };

    let trusted = run(&ca);
    assert_eq!(
        status(&trusted, "pendo.auth"),
        "pass",
        "{}",
        summary(&trusted, "pendo.auth")
    );
    assert!(!pendo.requests().is_empty());

    pendo.clear_requests();
    let untrusted = run(&dir.join("missing.pem"));
    assert_ne!(status(&untrusted, "pendo.auth"), "pass");
    assert!(
        summary(&untrusted, "pendo.auth").contains("no usable root certificate"),
        "{}",
        summary(&untrusted, "pendo.auth")
    );
    assert!(pendo.requests().is_empty(), "no request reached Pendo");
}
