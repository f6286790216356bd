//! A hostile Postgres server: a small hand-written speaker of the v3 wire protocol on
//! 127.0.0.1, for the stories a real PostgreSQL cannot tell. It answers SSLRequest with
//! `N` (no TLS) or with TLS under the test CA, asks for the password the way it is told
//! (trust, clear text, MD5), records every password message it receives, and then
//! answers queries normally, with one huge row, or never.
//!
//! Blocking I/O on its own threads, one per connection; it stops accepting when dropped.

use super::pg::make_chain;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server asks for the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Trust,
    Cleartext,
    Md5,
}

/// How the server answers the client's queries (`Q` simple ones are always answered).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answers {
    /// One row holding `[]`.
    Empty,
    /// One row whose value is `bytes` long (`[{},{},…]`), written as it goes.
    HugeRow { bytes: usize },
    /// Never: the connection stays open and silent.
    Hang,
    /// What [`set_hostile`] says last (for every fake started with it): a notice before
    /// the `[]` row, or an error instead of it.
    Hostile,
}

/// What a server started with [`Answers::Hostile`] sends: texts a dependency controls.
#[derive(Debug, Clone, Default)]
pub struct Hostile {
    /// A NoticeResponse (`M` field) before the answer.
    pub notice: Option<String>,
    /// An ErrorResponse instead of the answer: `(message, detail)`, SQLSTATE P0001.
    pub error: Option<(String, Option<String>)>,
}

static HOSTILE: Mutex<Option<Hostile>> = Mutex::new(None);

/// Sets what [`Answers::Hostile`] servers answer from now on (process-wide: only the
/// tests that start such a server read it).
pub fn set_hostile(hostile: Hostile) {
    *HOSTILE.lock().unwrap_or_else(|e| e.into_inner()) = Some(hostile);
}

/// A NoticeResponse or ErrorResponse body: severity, SQLSTATE, message, detail.
fn notice_fields(severity: &str, code: &str, message: &str, detail: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    for (tag, value) in [
        (b'S', severity),
        (b'V', severity),
        (b'C', code),
        (b'M', message),
    ] {
        body.push(tag);
        body.extend_from_slice(value.as_bytes());
        body.push(0);
    }
    if let Some(d) = detail {
        body.push(b'D');
        body.extend_from_slice(d.as_bytes());
        body.push(0);
    }
    body.push(0);
    body
}

/// [`Answers::Hostile`]: the notice, then the error or the `[]` row.
fn hostile(s: &mut impl Write) -> std::io::Result<()> {
    let h = HOSTILE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default();
    if let Some(n) = &h.notice {
        s.write_all(&message(b'N', &notice_fields("NOTICE", "00000", n, None)))?;
    }
    if let Some((m, d)) = &h.error {
        s.write_all(&message(b'1', b""))?;
        s.write_all(&message(b'2', b""))?;
        s.write_all(&message(
            b'E',
            &notice_fields("ERROR", "P0001", m, d.as_deref()),
        ))?;
        s.write_all(&message(b'Z', b"T"))?;
        return s.flush();
    }
    answer(s, Answers::Empty, &AtomicBool::new(false))
}

/// What the fake is told to do.
#[derive(Debug, Clone, Copy)]
pub struct Script {
    /// Answer SSLRequest with `S` and speak TLS (the test CA's `localhost` certificate).
    pub tls: bool,
    pub auth: Auth,
    pub answers: Answers,
}

/// A running fake.
pub struct FakePg {
    port: u16,
    heard: Arc<Mutex<Vec<String>>>,
    queries: Arc<Mutex<u32>>,
    stop: Arc<AtomicBool>,
    ca_path: std::path::PathBuf,
}

impl FakePg {
    pub fn start(script: Script) -> FakePg {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        listener.set_nonblocking(true).unwrap();
        let chain = make_chain();
        let dir = super::temp_dir("fake-pg");
        let ca_path = dir.join("ca.pem");
        std::fs::write(&ca_path, &chain.ca_pem).unwrap();
        let tls = Arc::new(server_config(&chain.server_cert_pem, &chain.server_key_pem));
        let heard = Arc::new(Mutex::new(Vec::new()));
        let queries = Arc::new(Mutex::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, q, s) = (heard.clone(), queries.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((tcp, _)) => {
                        tcp.set_nonblocking(false).unwrap();
                        // Many small writes per answer: without this, Nagle and delayed
                        // ACKs cost ~40 ms per query.
                        let _ = tcp.set_nodelay(true);
                        let (h, q, s, tls) = (h.clone(), q.clone(), s.clone(), tls.clone());
                        std::thread::spawn(move || {
                            let _ = serve(tcp, script, &tls, &h, &q, &s);
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        FakePg {
            port,
            heard,
            queries,
            stop,
            ca_path,
        }
    }

    /// `postgresql://postgres:PASSWORD@localhost:PORT/postgres` plus `query`.
    pub fn url(&self, password: &str, query: &str) -> String {
        format!(
            "postgresql://postgres:{password}@localhost:{}/postgres{query}",
            self.port
        )
    }

    /// The port it listens on, on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The test CA that signed the fake's certificate.
    pub fn ca_path(&self) -> String {
        self.ca_path.display().to_string()
    }

    /// Every password message received (clear text, or MD5's `md5…`).
    pub fn heard(&self) -> Vec<String> {
        self.heard.lock().unwrap().clone()
    }

    /// Extended-protocol queries received.
    pub fn queries(&self) -> u32 {
        *self.queries.lock().unwrap()
    }
}

impl Drop for FakePg {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A TLS server configuration serving `cert` (PEM chain) with `key`.
pub fn server_config(cert: &str, key: &str) -> rustls::ServerConfig {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer> = CertificateDer::pem_slice_iter(cert.as_bytes())
        .collect::<Result<_, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(key.as_bytes()).unwrap();
    rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap()
}

fn read_n(s: &mut impl Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf)?;
    Ok(buf)
}

fn be32(b: &[u8]) -> usize {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize
}

fn message(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![tag];
    m.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn serve(
    mut tcp: TcpStream,
    script: Script,
    tls: &Arc<rustls::ServerConfig>,
    heard: &Mutex<Vec<String>>,
    queries: &Mutex<u32>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    // SSLRequest (or the startup message itself).
    let len = be32(&read_n(&mut tcp, 4)?);
    let body = read_n(&mut tcp, len - 4)?;
    if be32(&body) == 80_877_103 {
        if script.tls {
            tcp.write_all(b"S")?;
            let conn = rustls::ServerConnection::new(tls.clone()).map_err(std::io::Error::other)?;
            let mut stream = rustls::StreamOwned::new(conn, tcp);
            let len = be32(&read_n(&mut stream, 4)?);
            read_n(&mut stream, len - 4)?;
            return session(&mut stream, script, heard, queries, stop);
        }
        tcp.write_all(b"N")?;
        let len = be32(&read_n(&mut tcp, 4)?);
        read_n(&mut tcp, len - 4)?;
    }
    session(&mut tcp, script, heard, queries, stop)
}

fn session(
    s: &mut (impl Read + Write),
    script: Script,
    heard: &Mutex<Vec<String>>,
    queries: &Mutex<u32>,
    stop: &AtomicBool,
) -> std::io::Result<()> {
    match script.auth {
        Auth::Trust => {}
        Auth::Cleartext => s.write_all(&message(b'R', &3u32.to_be_bytes()))?,
        Auth::Md5 => {
            let mut body = 5u32.to_be_bytes().to_vec();
            body.extend_from_slice(b"salt");
            s.write_all(&message(b'R', &body))?;
        }
    }
    s.flush()?;
    if script.auth != Auth::Trust {
        let tag = read_n(s, 1)?[0];
        let len = be32(&read_n(s, 4)?);
        let body = read_n(s, len - 4)?;
        if tag == b'p' {
            heard.lock().unwrap().push(
                String::from_utf8_lossy(&body)
                    .trim_end_matches('\0')
                    .to_string(),
            );
        }
    }
    s.write_all(&message(b'R', &0u32.to_be_bytes()))?;
    s.write_all(&message(b'Z', b"I"))?;
    s.flush()?;
    loop {
        let tag = read_n(s, 1)?[0];
        let len = be32(&read_n(s, 4)?);
        read_n(s, len - 4)?;
        match tag {
            b'Q' => {
                s.write_all(&message(b'C', b"SET\0"))?;
                s.write_all(&message(b'Z', b"T"))?;
                s.flush()?;
            }
            b'S' => {
                *queries.lock().unwrap() += 1;
                answer(s, script.answers, stop)?;
            }
            b'X' => return Ok(()),
            _ => {}
        }
    }
}

/// The answer to one extended query (Parse, Bind, Describe, Execute, Sync).
fn answer(s: &mut impl Write, answers: Answers, stop: &AtomicBool) -> std::io::Result<()> {
    if answers == Answers::Hostile {
        return hostile(s);
    }
    if answers == Answers::Hang {
        while !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(50));
        }
        return Ok(());
    }
    s.write_all(&message(b'1', b""))?;
    s.write_all(&message(b'2', b""))?;
    s.write_all(&message(b't', &0u16.to_be_bytes()))?;
    // One text column named `x`.
    let mut desc = 1u16.to_be_bytes().to_vec();
    desc.extend_from_slice(b"x\0");
    desc.extend_from_slice(&0u32.to_be_bytes());
    desc.extend_from_slice(&0u16.to_be_bytes());
    desc.extend_from_slice(&25u32.to_be_bytes());
    desc.extend_from_slice(&(-1i16).to_be_bytes());
    desc.extend_from_slice(&(-1i32).to_be_bytes());
    desc.extend_from_slice(&0u16.to_be_bytes());
    s.write_all(&message(b'T', &desc))?;
    let value: Vec<u8> = match answers {
        Answers::HugeRow { bytes } => {
            // `[{},{},…,{}]`, valid JSON of about `bytes`; the header first, then the
            // value in chunks, as a real server streams it.
            let k = bytes.saturating_sub(4) / 3;
            let size = 4 + 3 * k;
            let mut head = vec![b'D'];
            head.extend_from_slice(&((size + 4 + 2 + 4) as u32).to_be_bytes());
            head.extend_from_slice(&1u16.to_be_bytes());
            head.extend_from_slice(&(size as u32).to_be_bytes());
            head.push(b'[');
            s.write_all(&head)?;
            let chunk = b"{},".repeat(1 << 16);
            let mut left = 3 * k;
            while left > 0 {
                let n = left.min(chunk.len());
                s.write_all(&chunk[..n])?;
                left -= n;
            }
            s.write_all(b"{}]")?;
            Vec::new()
        }
        _ => b"[]".to_vec(),
    };
    if !value.is_empty() {
        let mut row = 1u16.to_be_bytes().to_vec();
        row.extend_from_slice(&(value.len() as u32).to_be_bytes());
        row.extend_from_slice(&value);
        s.write_all(&message(b'D', &row))?;
    }
    s.write_all(&message(b'C', b"SELECT 1\0"))?;
    s.write_all(&message(b'Z', b"T"))?;
    s.flush()
}
