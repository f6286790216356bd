//! The database connection's bytes, watched on their way in.
//!
//! tokio-postgres reads a whole message before it looks at it, and reserves room for the
//! length the server announces. A hostile server can announce a row of gigabytes, or ask
//! for the password in clear text before the client knows whom it talks to. [`Guarded`]
//! sits under tokio-postgres (above TLS, when there is TLS) and frames the server's
//! messages as they arrive:
//! - a message longer than the cap, or an answer that sums over it, ends the connection
//!   before the bytes are buffered ("an answer over N bytes");
//! - an `AuthenticationCleartextPassword` or `AuthenticationMD5Password` request ends it
//!   before tokio-postgres can answer with the password, unless the URL allows it (a
//!   weaker `sslmode` to this machine only: see [`super::db`]).
//!
//! Why a connection ended is kept in a shared [`Meter`], so the query that saw "connection
//! closed" can say what happened.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, TlsConnect, TlsStream};

/// What the guard allows, and what it has seen.
#[derive(Debug)]
pub struct Meter {
    /// The most bytes one answer (and any one message) may take.
    pub cap: usize,
    /// Whether the server may ask for a cleartext or MD5 password.
    pub weak_auth_allowed: bool,
    answer: AtomicUsize,
    ended: Mutex<Option<Ended>>,
}

/// Why the guard ended a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ended {
    /// An answer (or one message) over the cap.
    TooLarge(usize),
    /// The server asked for the password in a form the URL does not allow.
    WeakAuth(&'static str),
}

impl Meter {
    pub fn new(cap: usize, weak_auth_allowed: bool) -> Arc<Meter> {
        Arc::new(Meter {
            cap,
            weak_auth_allowed,
            answer: AtomicUsize::new(0),
            ended: Mutex::new(None),
        })
    }

    /// A new answer starts (before each query).
    pub fn start_answer(&self) {
        self.answer.store(0, Ordering::Relaxed);
    }

    /// Why the connection was ended, when the guard ended it.
    pub fn ended(&self) -> Option<Ended> {
        self.ended.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn end(&self, why: Ended) -> io::Error {
        let text = match &why {
            Ended::TooLarge(cap) => format!("the database sent an answer over {cap} bytes"),
            Ended::WeakAuth(how) => format!("the server asked for the password {how}"),
        };
        self.ended
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_or_insert(why);
        io::Error::other(text)
    }
}

/// Where the guard is in the server's byte stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// The one-byte answer to SSLRequest comes first: `S` (TLS follows, watched above
    /// it) or `N` (the protocol follows in the clear).
    SslAnswer,
    /// Protocol messages: type byte and length, then the body.
    Frames,
    /// Not watched here (TLS bytes; the layer above watches the messages).
    Pass,
}

/// A stream whose incoming bytes are framed and bounded.
pub struct Guarded<S> {
    inner: S,
    watch: Framing,
    meter: Arc<Meter>,
    header: [u8; 9],
    have: usize,
    /// Body bytes of the current message still to come.
    left: usize,
}

impl<S> Guarded<S> {
    pub fn new(inner: S, watch: Framing, meter: Arc<Meter>) -> Guarded<S> {
        Guarded {
            inner,
            watch,
            meter,
            header: [0; 9],
            have: 0,
            left: 0,
        }
    }

    /// Looks at bytes that just arrived.
    fn see(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        if self.watch != Framing::Pass {
            let seen = self.meter.answer.fetch_add(bytes.len(), Ordering::Relaxed) + bytes.len();
            if seen > self.meter.cap {
                return Err(self.meter.end(Ended::TooLarge(self.meter.cap)));
            }
        }
        while !bytes.is_empty() {
            match self.watch {
                Framing::Pass => return Ok(()),
                Framing::SslAnswer => {
                    self.watch = if bytes[0] == b'S' {
                        Framing::Pass
                    } else {
                        Framing::Frames
                    };
                    bytes = &bytes[1..];
                }
                Framing::Frames if self.left > 0 => {
                    let n = self.left.min(bytes.len());
                    self.left -= n;
                    bytes = &bytes[n..];
                }
                Framing::Frames => {
                    // The type byte first; then the length, plus the auth code of an
                    // authentication request.
                    let size = if self.header[0] == b'R' { 9 } else { 5 };
                    let want = if self.have == 0 { 1 } else { size };
                    let n = (want - self.have).min(bytes.len());
                    self.header[self.have..self.have + n].copy_from_slice(&bytes[..n]);
                    self.have += n;
                    bytes = &bytes[n..];
                    if self.have > 1 && self.have == size {
                        self.framed()?;
                    }
                }
            }
        }
        Ok(())
    }

    /// A complete header (and auth code) was read.
    fn framed(&mut self) -> io::Result<()> {
        let len = u32::from_be_bytes([
            self.header[1],
            self.header[2],
            self.header[3],
            self.header[4],
        ]) as usize;
        let body = len.saturating_sub(4);
        if body > self.meter.cap {
            return Err(self.meter.end(Ended::TooLarge(self.meter.cap)));
        }
        let mut consumed = 0;
        if self.header[0] == b'R' && self.have == 9 {
            consumed = 4;
            let code = u32::from_be_bytes([
                self.header[5],
                self.header[6],
                self.header[7],
                self.header[8],
            ]);
            let how = match code {
                3 => Some("in clear text"),
                5 => Some("as an MD5 hash"),
                _ => None,
            };
            if let Some(how) = how
                && !self.meter.weak_auth_allowed
            {
                return Err(self.meter.end(Ended::WeakAuth(how)));
            }
        }
        self.left = body.saturating_sub(consumed);
        self.have = 0;
        Ok(())
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Guarded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let fresh = buf.filled()[before..].to_vec();
                Poll::Ready(self.see(&fresh))
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Guarded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl<S: TlsStream + Unpin> TlsStream for Guarded<S> {
    fn channel_binding(&self) -> ChannelBinding {
        self.inner.channel_binding()
    }
}

/// A TLS connector whose stream is watched above TLS (the socket below stops watching
/// once the server said `S`).
pub struct GuardedTls<T> {
    pub inner: T,
    pub meter: Arc<Meter>,
}

impl<S, T> TlsConnect<S> for GuardedTls<T>
where
    T: TlsConnect<S> + Send + 'static,
    T::Future: Send + 'static,
    T::Stream: Unpin,
    S: Send + 'static,
{
    type Stream = Guarded<T::Stream>;
    type Error = T::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Stream, T::Error>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let meter = self.meter;
        let connecting = self.inner.connect(stream);
        Box::pin(async move {
            let tls = connecting.await?;
            Ok(Guarded::new(tls, Framing::Frames, meter))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut m = vec![tag];
        m.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        m.extend_from_slice(body);
        m
    }

    fn feed(watch: Framing, meter: &Arc<Meter>, bytes: &[u8], chunk: usize) -> io::Result<()> {
        let mut g = Guarded::new((), watch, Arc::clone(meter));
        bytes.chunks(chunk).try_for_each(|c| g.see(c))
    }

    #[test]
    fn ordinary_messages_pass_in_any_chunking() {
        let mut stream = b"N".to_vec();
        stream.extend(message(b'R', &10u32.to_be_bytes()));
        stream.extend(message(b'R', &0u32.to_be_bytes()));
        stream.extend(message(b'Z', b"I"));
        stream.extend(message(b'D', &[7; 300]));
        for chunk in [1, 2, 5, 9, 1000] {
            let meter = Meter::new(4096, false);
            assert!(feed(Framing::SslAnswer, &meter, &stream, chunk).is_ok());
            assert_eq!(meter.ended(), None);
        }
    }

    #[test]
    fn weak_password_requests_end_the_connection_unless_allowed() {
        for (code, how) in [(3u32, "in clear text"), (5, "as an MD5 hash")] {
            let mut body = code.to_be_bytes().to_vec();
            if code == 5 {
                body.extend_from_slice(b"salt");
            }
            let stream = message(b'R', &body);
            for chunk in [1, 3, 100] {
                let meter = Meter::new(4096, false);
                let e = feed(Framing::Frames, &meter, &stream, chunk).unwrap_err();
                assert!(e.to_string().contains(how), "{e}");
                assert_eq!(meter.ended(), Some(Ended::WeakAuth(how)));
                let allowed = Meter::new(4096, true);
                assert!(feed(Framing::Frames, &allowed, &stream, chunk).is_ok());
            }
        }
    }

    #[test]
    fn a_message_announced_over_the_cap_ends_it_before_its_body_comes() {
        let meter = Meter::new(1 << 20, false);
        let mut header = vec![b'D'];
        header.extend_from_slice(&(64u32 << 20).to_be_bytes());
        let e = feed(Framing::Frames, &meter, &header, 5).unwrap_err();
        assert!(e.to_string().contains("over 1048576 bytes"), "{e}");
        assert_eq!(meter.ended(), Some(Ended::TooLarge(1 << 20)));
        // Many small messages that sum over the cap end it too, until the next answer.
        let meter = Meter::new(1000, false);
        let rows: Vec<u8> = (0..20).flat_map(|_| message(b'D', &[1; 95])).collect();
        assert!(feed(Framing::Frames, &meter, &rows, 64).is_err());
        let meter = Meter::new(1000, false);
        let mut g = Guarded::new((), Framing::Frames, Arc::clone(&meter));
        for _ in 0..20 {
            meter.start_answer();
            assert!(g.see(&message(b'D', &[1; 95])).is_ok());
        }
    }

    #[test]
    fn tls_bytes_are_left_to_the_layer_above() {
        let meter = Meter::new(10, false);
        let mut bytes = b"S".to_vec();
        bytes.extend_from_slice(&[0x16; 5000]);
        assert!(feed(Framing::SslAnswer, &meter, &bytes, 7).is_ok());
    }
}
