//! The credential values the bot itself holds, found by their value rather than their shape.
//!
//! Shape rules (`rules.rs`) miss a key that has no recognisable shape: a plain UUID Pendo
//! key after "Unauthorized", a password made only of letters. When a dependency echoes
//! one of the bot's own keys back (`401 Unauthorized <key>`, a header, a pg_net body, a
//! Postgres error), only its value can tell. So the entry points register every value
//! they hold once, as the runner's `::add-mask::` does for the log, and [`super::find`]
//! (hence [`super::redact`]) then finds each of them, and the forms it travels in:
//! - the value itself, in any ASCII case (a UUID echoed upper-cased);
//! - without dashes (a UUID as hex);
//! - URL-encoded, and URL-decoded (a password as it sits in the database URL);
//! - base64 of the value, and of `user:password` (an `Authorization: Basic` header, git's
//!   `x-access-token:<token>`).
//!
//! Values shorter than [`MIN_LEN`] are not searched for: masking every "admin" in a
//! report would deface it and protect nothing.
//!
//! The set is process-wide because text leaves the bot from many places (the comment, the
//! issue body, titles, outputs, the job summary, the log, `check`'s stdout) and each of
//! them already passes through [`super::redact`]; registering is the entry point's job
//! (`run`, `check`), never a check's.

use super::SecretKind;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use std::ops::Range;
use std::sync::RwLock;

/// Held values shorter than this are not searched for.
pub const MIN_LEN: usize = 6;

/// One form a held value can take in text, lower-cased for case-insensitive search.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Form {
    needle: Vec<u8>,
    kind: SecretKind,
}

/// The values the bot holds, with their derived forms.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Held {
    forms: Vec<Form>,
}

/// What one credential is, for the derived forms and the mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    PendoKey(&'a str),
    SupabaseKey(&'a str),
    /// A Postgres URL (or libpq string): the whole of it, its password and `user:password`.
    DatabaseUrl(&'a str),
    GithubToken(&'a str),
    /// A Supabase personal access token (`sbp_…`).
    AccessToken(&'a str),
}

impl Held {
    /// The forms of every credential given.
    pub fn new(credentials: &[Credential<'_>]) -> Held {
        let mut held = Held::default();
        for c in credentials {
            match *c {
                Credential::PendoKey(v) => held.add_value(v, SecretKind::PendoIntegrationKey),
                Credential::SupabaseKey(v) => held.add_value(v, supabase_kind(v)),
                Credential::AccessToken(v) => held.add_value(v, SecretKind::BearerToken),
                Credential::GithubToken(v) => {
                    held.add_value(v, SecretKind::GithubToken);
                    held.add_basic("x-access-token", v);
                }
                Credential::DatabaseUrl(url) => {
                    held.add(url, SecretKind::PostgresPassword);
                    if let Some((user, password)) = url_userinfo(url) {
                        let decoded = percent_decode(password);
                        held.add_value(password, SecretKind::PostgresPassword);
                        held.add_value(&decoded, SecretKind::PostgresPassword);
                        held.add_basic(user, password);
                        held.add_basic(&percent_decode(user), &decoded);
                    }
                    if let Some(password) = libpq_password(url) {
                        held.add_value(password, SecretKind::PostgresPassword);
                    }
                }
            }
        }
        // Longest first, so a whole URL is masked before the password inside it.
        held.forms
            .sort_by_key(|f| std::cmp::Reverse(f.needle.len()));
        held
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// A value and every form derived from it alone.
    fn add_value(&mut self, value: &str, kind: SecretKind) {
        self.add(value, kind);
        if value.contains('-') {
            self.add(&value.replace('-', ""), kind);
        }
        self.add(&percent_encode(value), kind);
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            self.add(&engine.encode(value), kind);
        }
    }

    /// `user:password` as an `Authorization: Basic` header carries it.
    fn add_basic(&mut self, user: &str, password: &str) {
        let pair = format!("{user}:{password}");
        self.add(&STANDARD.encode(&pair), SecretKind::BasicAuth);
        self.add(&STANDARD_NO_PAD.encode(&pair), SecretKind::BasicAuth);
    }

    fn add(&mut self, form: &str, kind: SecretKind) {
        let form = form.trim();
        if form.len() < MIN_LEN {
            return;
        }
        let needle = form.to_ascii_lowercase().into_bytes();
        if !self.forms.iter().any(|f| f.needle == needle) {
            self.forms.push(Form { needle, kind });
        }
    }

    /// Every place a held form occurs in `text`, by start, non-overlapping (the longest
    /// form wins where two overlap).
    pub fn matches(&self, text: &str) -> Vec<(Range<usize>, SecretKind)> {
        if self.forms.is_empty() || text.len() < MIN_LEN {
            return Vec::new();
        }
        let lower = text.to_ascii_lowercase();
        let hay = lower.as_bytes();
        let mut found: Vec<(Range<usize>, SecretKind)> = Vec::new();
        for f in &self.forms {
            let mut from = 0;
            while let Some(at) = find_bytes(&hay[from..], &f.needle) {
                let range = from + at..from + at + f.needle.len();
                from = range.end;
                // ASCII lower-casing keeps offsets; a needle starting or ending inside a
                // multi-byte character cannot match it, so ranges fall on boundaries.
                if !found
                    .iter()
                    .any(|(r, _)| r.start < range.end && range.start < r.end)
                {
                    found.push((range, f.kind));
                }
            }
        }
        found.sort_by_key(|(r, _)| r.start);
        found
    }
}

fn supabase_kind(key: &str) -> SecretKind {
    if key.starts_with("sb_secret_") {
        SecretKind::SupabaseSecretKey
    } else if key.starts_with("sb_publishable_") {
        SecretKind::SupabasePublishableKey
    } else {
        SecretKind::SupabaseServiceRole
    }
}

/// The `password=` of a libpq `key=value` string.
fn libpq_password(conn: &str) -> Option<&str> {
    if conn.contains("://") {
        return None;
    }
    conn.split_whitespace()
        .find_map(|kv| kv.strip_prefix("password="))
        .map(|v| v.trim_matches('\''))
        .filter(|v| !v.is_empty())
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` escapes decoded (invalid ones kept as written), lossily as UTF-8.
pub(crate) fn percent_decode(text: &str) -> String {
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

fn find_bytes(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let mut at = 0;
    while at + needle.len() <= hay.len() {
        let next = hay[at..=hay.len() - needle.len()]
            .iter()
            .position(|&b| b == first)?;
        at += next;
        if &hay[at..at + needle.len()] == needle {
            return Some(at);
        }
        at += 1;
    }
    None
}

static HELD: RwLock<Option<Held>> = RwLock::new(None);

/// Registers the values the bot holds for the rest of the process (the entry point does
/// this once, before any text leaves it). Adding again adds to the set.
pub fn install(more: Held) {
    let mut held = HELD.write().unwrap_or_else(|e| e.into_inner());
    let merged = match held.take() {
        Some(mut h) => {
            for f in more.forms {
                if !h.forms.contains(&f) {
                    h.forms.push(f);
                }
            }
            h.forms.sort_by_key(|f| std::cmp::Reverse(f.needle.len()));
            h
        }
        None => more,
    };
    *held = Some(merged);
}

/// The registered values' matches in `text` (none before [`install`]).
pub(super) fn installed_matches(text: &str) -> Vec<(Range<usize>, SecretKind)> {
    let held = HELD.read().unwrap_or_else(|e| e.into_inner());
    held.as_ref().map_or_else(Vec::new, |h| h.matches(text))
}

/// `text` with every registered value masked, and nothing else changed: what every sink
/// (the GitHub writer, outputs, the job summary, the log, stdout) applies last.
pub fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    let found = installed_matches(text);
    if found.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (r, kind) in found {
        out.push_str(&text[at..r.start]);
        out.push_str(&super::mask(&text[r.clone()], kind));
        at = r.end;
    }
    out.push_str(&text[at..]);
    std::borrow::Cow::Owned(out)
}

/// The `user` and `password` of `scheme://user:password@host…`, when there is a password
/// (the last `@` ends them: a password may hold `/` or `@`).
pub(crate) fn url_userinfo(url: &str) -> Option<(&str, &str)> {
    let rest = &url[url.find("://")? + 3..];
    let userinfo = &rest[..rest.rfind('@')?];
    let (user, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some((user, password))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

    fn masked(held: &Held, text: &str) -> String {
        let mut out = String::new();
        let mut at = 0;
        for (r, _) in held.matches(text) {
            out.push_str(&text[at..r.start]);
            out.push('█');
            at = r.end;
        }
        out.push_str(&text[at..]);
        out
    }

    #[test]
    fn a_plain_uuid_key_is_found_in_every_form_it_travels_in() {
        let held = Held::new(&[Credential::PendoKey(KEY)]);
        for text in [
            format!("401 Unauthorized {KEY}"),
            format!("Invalid key {}", KEY.to_uppercase()),
            format!("token={}", KEY.replace('-', "")),
            format!("x={}", STANDARD.encode(KEY)),
        ] {
            let out = masked(&held, &text);
            assert!(out.contains('█'), "{text} → {out}");
            assert!(!out.to_lowercase().contains("4b5a"), "{out}");
        }
        assert_eq!(masked(&held, "nothing here"), "nothing here");
    }

    #[test]
    fn the_database_url_its_password_and_basic_auth_are_found() {
        let url = "postgresql://postgres.ref:Letters%40OnlyPw@pooler.example:5432/postgres";
        let held = Held::new(&[Credential::DatabaseUrl(url)]);
        assert_eq!(masked(&held, url), "█");
        assert_eq!(masked(&held, "password Letters@OnlyPw"), "password █");
        assert_eq!(masked(&held, "pw=Letters%40OnlyPw;"), "pw=█;");
        let basic = STANDARD.encode("postgres.ref:Letters@OnlyPw");
        assert_eq!(masked(&held, &format!("Basic {basic}")), "Basic █");
        let held = Held::new(&[Credential::DatabaseUrl(
            "host=db.example user=postgres password=OnlyLettersHere",
        )]);
        assert_eq!(
            masked(&held, "auth OnlyLettersHere failed"),
            "auth █ failed"
        );
    }

    #[test]
    fn a_github_token_is_found_as_git_sends_it() {
        let held = Held::new(&[Credential::GithubToken("ghs_FAKEtokenForTests0000")]);
        let basic = STANDARD.encode("x-access-token:ghs_FAKEtokenForTests0000");
        assert_eq!(masked(&held, &format!("Basic {basic}")), "Basic █");
    }

    #[test]
    fn short_values_are_not_searched_for() {
        let held = Held::new(&[Credential::PendoKey("abc")]);
        assert!(held.is_empty());
        assert_eq!(masked(&held, "abc abc"), "abc abc");
    }

    #[test]
    fn matches_never_split_a_character_and_never_overlap() {
        let held = Held::new(&[
            Credential::PendoKey("ÄÖÜkeykeykey"),
            Credential::PendoKey("keykeykey"),
        ]);
        let text = "xx ÄÖÜkeykeykey keykeykey é";
        let found = held.matches(text);
        for (r, _) in &found {
            assert!(text.is_char_boundary(r.start) && text.is_char_boundary(r.end));
        }
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
