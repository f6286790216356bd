//! Supabase's REST API (the gateway in front of PostgREST) as the checks read it.
//!
//! Keys go the way Supabase wants them: a legacy JWT key as `apikey` and as
//! `Authorization: Bearer` (without the Bearer, PostgREST would run as `anon`); an
//! `sb_secret_`/`sb_publishable_` key as `apikey` only (they are not JWTs), with the
//! bot's non-browser User-Agent (Supabase refuses secret keys from browsers). Only GET and
//! HEAD; counts come from `Content-Range`; errors are PostgREST's `{code, message, hint}`.

use crate::credentials::SecretString;
use crate::live::http::{Answer, FetchError, Http};
use base64::Engine as _;
use std::sync::atomic::{AtomicU32, Ordering};

/// The most a REST answer may hold (the checks read one row or a few dozen).
const MAX_BODY: usize = 4 << 20;

/// What kind of key the bot was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Legacy JWT with `role: service_role`.
    ServiceRole,
    /// Legacy JWT with `role: anon` (public; RLS applies).
    Anon,
    /// Any other JWT.
    OtherJwt,
    /// `sb_secret_…` (elevated, like service_role).
    Secret,
    /// `sb_publishable_…` (public, like anon).
    Publishable,
    Unknown,
}

impl KeyKind {
    pub fn of(key: &str) -> KeyKind {
        let key = key.trim();
        if key.starts_with("sb_secret_") {
            return KeyKind::Secret;
        }
        if key.starts_with("sb_publishable_") {
            return KeyKind::Publishable;
        }
        let mut parts = key.split('.');
        let (Some(_), Some(payload), Some(_), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return KeyKind::Unknown;
        };
        let role = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v.get("role")?.as_str().map(str::to_string));
        match role.as_deref() {
            Some("service_role") => KeyKind::ServiceRole,
            Some("anon") => KeyKind::Anon,
            Some(_) => KeyKind::OtherJwt,
            None => KeyKind::Unknown,
        }
    }

    pub fn is_jwt(self) -> bool {
        matches!(
            self,
            KeyKind::ServiceRole | KeyKind::Anon | KeyKind::OtherJwt
        )
    }

    /// True for keys meant for browsers: row-level security applies to them.
    pub fn is_public(self) -> bool {
        matches!(self, KeyKind::Anon | KeyKind::Publishable)
    }

    pub fn name(self) -> &'static str {
        match self {
            KeyKind::ServiceRole => "a service_role key",
            KeyKind::Anon => "an anon key",
            KeyKind::OtherJwt => "a JWT that is neither anon nor service_role",
            KeyKind::Secret => "a secret key (sb_secret_)",
            KeyKind::Publishable => "a publishable key (sb_publishable_)",
            KeyKind::Unknown => "a key of unknown kind",
        }
    }
}

/// PostgREST's error body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub hint: String,
}

impl ApiError {
    /// Reads `{code, message, hint}` (PostgREST) or `{message, hint}` (the gateway).
    pub fn of(a: &Answer) -> ApiError {
        let v = crate::live::decode::bounded(&a.body).unwrap_or_default();
        let text =
            |k: &str| crate::outside::plain(v.get(k).and_then(|x| x.as_str()).unwrap_or("").trim());
        let message = match text("message") {
            m if m.is_empty() => a.text(160),
            m => m,
        };
        ApiError {
            code: text("code"),
            message,
            hint: text("hint"),
        }
    }

    /// The error as a [`FetchError::Refused`] by `by` (`sync_status answers 404`), the
    /// hint kept after the message.
    pub fn refused(self, by: String) -> FetchError {
        let message = if self.hint.is_empty() {
            self.message
        } else {
            format!("{} ({})", self.message, self.hint)
        };
        FetchError::Refused {
            by,
            code: self.code,
            message,
        }
    }
}

/// The total of a `Content-Range` header (`0-0/412` → 412, `*/0` → 0, `0-9/*` → none).
pub fn total(content_range: Option<&str>) -> Option<u64> {
    content_range?.rsplit_once('/')?.1.trim().parse().ok()
}

/// Percent-encodes a query value (PostgREST reads `+` as a space).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b','
            | b'('
            | b')' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The REST client of one run.
pub struct Rest {
    http: Http,
    /// `https://<ref>.supabase.co/rest/v1`
    base: String,
    key: SecretString,
    pub kind: KeyKind,
    requests: AtomicU32,
}

impl Rest {
    pub fn new(url: &str, key: &SecretString, http: &Http) -> Rest {
        Rest {
            http: http.clone(),
            base: format!("{}/rest/v1", url.trim_end_matches('/')),
            key: key.clone(),
            kind: KeyKind::of(key.expose()),
            requests: AtomicU32::new(0),
        }
    }

    /// Requests sent so far.
    pub fn requests(&self) -> u32 {
        self.requests.load(Ordering::Relaxed)
    }

    /// GET `path` (below `/rest/v1`, with its query), with an optional `Prefer`.
    pub async fn get(&self, path: &str, prefer: Option<&str>) -> Result<Answer, FetchError> {
        self.send(reqwest::Method::GET, path, prefer, None).await
    }

    /// GET in a schema other than `public` (`Accept-Profile`).
    pub async fn get_in(
        &self,
        path: &str,
        prefer: Option<&str>,
        schema: Option<&str>,
    ) -> Result<Answer, FetchError> {
        self.send(reqwest::Method::GET, path, prefer, schema).await
    }

    /// HEAD: the same status and headers as GET, no body.
    pub async fn head_in(
        &self,
        path: &str,
        prefer: Option<&str>,
        schema: Option<&str>,
    ) -> Result<Answer, FetchError> {
        self.send(reqwest::Method::HEAD, path, prefer, schema).await
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        prefer: Option<&str>,
        schema: Option<&str>,
    ) -> Result<Answer, FetchError> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let mut req = self
            .http
            .client()
            .request(method, format!("{}{path}", self.base))
            .header("apikey", self.key.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        if self.kind.is_jwt() {
            req = req.bearer_auth(self.key.expose());
        }
        if let Some(p) = prefer {
            req = req.header("prefer", p);
        }
        if let Some(schema) = schema {
            req = req.header("accept-profile", schema);
        }
        self.http.send(req, MAX_BODY).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(role: &str) -> String {
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.fake-signature",
            b(r#"{"alg":"HS256"}"#),
            b(&format!(r#"{{"role":"{role}","iss":"supabase"}}"#))
        )
    }

    #[test]
    fn keys_are_told_apart() {
        assert_eq!(KeyKind::of(&jwt("service_role")), KeyKind::ServiceRole);
        assert_eq!(KeyKind::of(&jwt("anon")), KeyKind::Anon);
        assert_eq!(KeyKind::of(&jwt("authenticated")), KeyKind::OtherJwt);
        assert_eq!(KeyKind::of("sb_secret_fake_test"), KeyKind::Secret);
        assert_eq!(
            KeyKind::of("sb_publishable_fake_test"),
            KeyKind::Publishable
        );
        assert_eq!(KeyKind::of("whatever"), KeyKind::Unknown);
        assert!(KeyKind::Anon.is_public() && !KeyKind::Secret.is_public());
    }

    #[test]
    fn content_range_and_encoding() {
        assert_eq!(total(Some("0-0/412")), Some(412));
        assert_eq!(total(Some("*/0")), Some(0));
        assert_eq!(total(Some("0-9/*")), None);
        assert_eq!(total(None), None);
        assert_eq!(
            encode("2026-11-28T10:00:00+00:00"),
            "2026-11-28T10%3A00%3A00%2B00%3A00"
        );
        assert_eq!(encode("in.(guides,pages)"), "in.(guides,pages)");
    }
}
