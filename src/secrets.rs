//! Secrets pasted into an issue: find them, and redact them without touching anything else.
//!
//! People paste their real Pendo integration key, a Supabase `service_role` JWT or a
//! database URL into the template while asking for help. The bot must never repeat them
//! (in the report, logs or outputs), must say that one was found (`issue.secrets`, the
//! `security` label) and rewrites the issue body with them masked, changing no other byte.
//!
//! What counts as a secret, and how each is recognised:
//! - Pendo integration key: a UUID with a region suffix (`.us`, `.us1`, `.eu`, `.jpn`,
//!   `.au`), or a plain UUID on a line that talks about an integration / API key (UUIDs are
//!   also guide, visitor and request ids, so a bare UUID alone is not a key).
//! - JWTs (`eyJ….eyJ….sig`): the payload's `role` tells a Supabase `service_role` key from
//!   an `anon` key; any other JWT is still a secret.
//! - Supabase API keys `sb_secret_…` and `sb_publishable_…`; GitHub tokens (`ghp_…`,
//!   `github_pat_…`); the password in a `postgres://user:password@host` URL.
//! - The value of an `Authorization: Bearer …` or `apikey: …` header.
//!
//! The template's placeholders and obvious non-values (`your-pendo-integration-key`,
//! `<your-key>`, `${SUPABASE_KEY}`, `process.env.X`, `xxxx`, `****`) are not secrets, and
//! neither is anything [`redact`] already masked, so redaction is idempotent.
//!
//! A mask keeps a short recognisable prefix (`eyJh`, `sb_secret_ab`, the first four
//! characters of a key) followed by [`MASK`]; a password keeps nothing.

use base64::Engine as _;
use regex::Regex;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

/// What kind of secret a match is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretKind {
    PendoIntegrationKey,
    SupabaseServiceRole,
    SupabaseAnon,
    SupabaseSecretKey,
    SupabasePublishableKey,
    PostgresPassword,
    GithubToken,
    BearerToken,
    Jwt,
}

impl SecretKind {
    /// A human name for reports: "Supabase service_role key".
    pub fn label(self) -> &'static str {
        match self {
            Self::PendoIntegrationKey => "Pendo integration key",
            Self::SupabaseServiceRole => "Supabase service_role key",
            Self::SupabaseAnon => "Supabase anon key",
            Self::SupabaseSecretKey => "Supabase secret key (sb_secret_)",
            Self::SupabasePublishableKey => "Supabase publishable key (sb_publishable_)",
            Self::PostgresPassword => "Postgres password",
            Self::GithubToken => "GitHub token",
            Self::BearerToken => "bearer token",
            Self::Jwt => "JWT",
        }
    }

    /// True for keys that grant access; false for keys meant to be public.
    pub fn is_sensitive(self) -> bool {
        !matches!(self, Self::SupabaseAnon | Self::SupabasePublishableKey)
    }

    /// How many leading bytes of the value a mask keeps.
    fn kept_prefix(self, value: &str) -> usize {
        let keep = match self {
            Self::PostgresPassword => 0,
            Self::SupabaseSecretKey => "sb_secret_".len() + 2,
            Self::SupabasePublishableKey => "sb_publishable_".len() + 2,
            Self::GithubToken if value.starts_with("github_pat_") => "github_pat_".len(),
            Self::GithubToken => "ghp_".len(),
            _ => 4,
        };
        // Never keep so much that the secret itself shows, and stay on a char boundary.
        let mut keep = keep.min(value.len() / 2);
        while !value.is_char_boundary(keep) {
            keep -= 1;
        }
        keep
    }
}

/// One secret found in a text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Secret {
    pub kind: SecretKind,
    /// Byte range of the secret value itself (what redaction masks).
    pub range: Range<usize>,
    /// True for keys that grant access (service role, secret keys, integration keys,
    /// passwords, tokens); false for keys meant to be public (anon, publishable).
    pub sensitive: bool,
}

/// What replaces a secret after its kept prefix. It matches no secret pattern and counts
/// as a placeholder, so redacting twice changes nothing.
pub const MASK: &str = "…[redacted]";

/// The masked form of one secret value: its short prefix, then [`MASK`].
pub fn mask(value: &str, kind: SecretKind) -> String {
    let keep = kind.kept_prefix(value);
    format!("{}{MASK}", &value[..keep])
}

/// Finds every secret in `text`, in order, non-overlapping.
pub fn find(text: &str) -> Vec<Secret> {
    let mut found = Found::default();
    // Header values first: their whole value is masked, whatever it contains, which keeps
    // redaction idempotent. Then the specific shapes, most specific first.
    header_values(text, &mut found);
    postgres_passwords(text, &mut found);
    jwts(text, &mut found);
    supabase_keys(text, &mut found);
    github_tokens(text, &mut found);
    pendo_keys(text, &mut found);
    found
        .0
        .into_iter()
        .map(|(start, (end, kind))| Secret {
            kind,
            range: start..end,
            sensitive: kind.is_sensitive(),
        })
        .collect()
}

/// Returns `text` with every secret masked (a short prefix kept); nothing else changes.
pub fn redact(text: &str) -> String {
    redact_found(text, &find(text))
}

/// [`redact`] with the secrets already found by [`find`] on the same `text`.
pub fn redact_found(text: &str, secrets: &[Secret]) -> String {
    if secrets.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for s in secrets {
        out.push_str(&text[at..s.range.start]);
        out.push_str(&mask(&text[s.range.clone()], s.kind));
        at = s.range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// Accepted matches by start offset; a later candidate that overlaps one is dropped.
#[derive(Default)]
struct Found(BTreeMap<usize, (usize, SecretKind)>);

impl Found {
    fn add(&mut self, range: Range<usize>, kind: SecretKind) {
        if range.is_empty() {
            return;
        }
        let before = self.0.range(..range.end).next_back();
        if before.is_some_and(|(_, (end, _))| *end > range.start) {
            return;
        }
        self.0.insert(range.start, (range.end, kind));
    }
}

static HEADER_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?-u:\b)(?i:bearer\s+|(?:apikey|api[_-]key)["'`]?\s*[:=]\s*["'`]?\s*)([A-Za-z0-9._~+/=-]{16,})"#,
    )
    .unwrap()
});
static POSTGRES_URL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"postgres(?:ql)?://[^\s:/@'"`<>]+:([^\s/'"`<>]+)@[A-Za-z0-9\[]"#).unwrap()
});
static JWT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{16,}").unwrap()
});
static SUPABASE_KEY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"sb_(secret|publishable)_[A-Za-z0-9_-]{16,}").unwrap());
static GITHUB_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}").unwrap()
});
static KEY_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)integration[\s_-]?key|api[\s_-]?key|pendo_|x-pendo").unwrap()
});

fn header_values(text: &str, found: &mut Found) {
    for caps in HEADER_VALUE.captures_iter(text) {
        let m = caps.get(1).expect("group 1 always takes part");
        let value = m.as_str();
        if is_placeholder(value) || looks_like_a_name(value) {
            continue;
        }
        found.add(
            m.range(),
            classify(value).unwrap_or(SecretKind::BearerToken),
        );
    }
}

/// The kind of a header value that is, as a whole, one of the specific shapes.
fn classify(value: &str) -> Option<SecretKind> {
    let whole = |re: &Regex| {
        re.find(value)
            .is_some_and(|m| m.range() == (0..value.len()))
    };
    if whole(&JWT) {
        Some(jwt_kind(value))
    } else if whole(&SUPABASE_KEY) {
        Some(supabase_kind(value))
    } else if whole(&GITHUB_TOKEN) {
        Some(SecretKind::GithubToken)
    } else if uuid_key_at(value.as_bytes(), 0) == Some(value.len()) {
        Some(SecretKind::PendoIntegrationKey)
    } else {
        None
    }
}

fn postgres_passwords(text: &str, found: &mut Found) {
    for caps in POSTGRES_URL.captures_iter(text) {
        let m = caps.get(1).expect("group 1 always takes part");
        let password = m.as_str();
        let bracketed = password.starts_with('[') && password.ends_with(']');
        if bracketed || is_placeholder(password) || password.eq_ignore_ascii_case("password") {
            continue;
        }
        found.add(m.range(), SecretKind::PostgresPassword);
    }
}

fn jwts(text: &str, found: &mut Found) {
    for m in JWT.find_iter(text) {
        found.add(m.range(), jwt_kind(m.as_str()));
    }
}

/// Reads the payload's `role`: Supabase keys carry `anon` or `service_role`.
fn jwt_kind(jwt: &str) -> SecretKind {
    static ENGINE: LazyLock<base64::engine::GeneralPurpose> = LazyLock::new(|| {
        let config = base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
        base64::engine::GeneralPurpose::new(&base64::alphabet::URL_SAFE, config)
    });
    let role = jwt
        .split('.')
        .nth(1)
        .and_then(|payload| ENGINE.decode(payload).ok())
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|v| v.get("role").and_then(|r| r.as_str()).map(str::to_owned));
    match role.as_deref() {
        Some("service_role") => SecretKind::SupabaseServiceRole,
        Some("anon") => SecretKind::SupabaseAnon,
        _ => SecretKind::Jwt,
    }
}

fn supabase_keys(text: &str, found: &mut Found) {
    for m in SUPABASE_KEY.find_iter(text) {
        let key = m.as_str();
        let rest = key
            .strip_prefix("sb_secret_")
            .or_else(|| key.strip_prefix("sb_publishable_"));
        if !rest.is_some_and(is_placeholder) {
            found.add(m.range(), supabase_kind(key));
        }
    }
}

fn supabase_kind(value: &str) -> SecretKind {
    if value.starts_with("sb_secret_") {
        SecretKind::SupabaseSecretKey
    } else {
        SecretKind::SupabasePublishableKey
    }
}

fn github_tokens(text: &str, found: &mut Found) {
    for m in GITHUB_TOKEN.find_iter(text) {
        let token = m.as_str();
        let body = token.strip_prefix("github_pat_").unwrap_or(&token[4..]);
        if !is_placeholder(body) {
            found.add(m.range(), SecretKind::GithubToken);
        }
    }
}

fn pendo_keys(text: &str, found: &mut Found) {
    // Where the key words are, found once; each line is then looked up, never rescanned,
    // so a 64 KiB one-line body full of UUIDs stays linear.
    let mut context: Option<Vec<usize>> = None;
    let mut line = 0..0;
    let mut line_has_context = false;
    for m in uuid_keys(text) {
        if is_placeholder_uuid(&text[m.start..m.start + 36]) {
            continue;
        }
        let has_region = m.len() > 36;
        if !has_region && (line.is_empty() || m.start >= line.end) {
            let from = line.end;
            let start = text[from..m.start]
                .rfind('\n')
                .map_or(from, |i| from + i + 1);
            let end = text[m.end..].find('\n').map_or(text.len(), |i| m.end + i);
            line = start..end;
            let starts = context
                .get_or_insert_with(|| KEY_CONTEXT.find_iter(text).map(|c| c.start()).collect());
            let first_after = starts.partition_point(|&s| s < start);
            line_has_context = starts.get(first_after).is_some_and(|&s| s < end);
        }
        if has_region || line_has_context {
            found.add(m, SecretKind::PendoIntegrationKey);
        }
    }
}

/// Every UUID-shaped word (8-4-4-4-12 hex), with its region suffix when it has one.
/// Scans from hyphen to hyphen: a regex without a literal would read every byte.
fn uuid_keys(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(i) = text.get(from..)?.find('-').map(|i| from + i) {
            if let Some(end) = i.checked_sub(8).and_then(|start| uuid_key_at(bytes, start)) {
                from = end;
                return Some(i - 8..end);
            }
            from = i + 1;
        }
        None
    })
}

/// The end of a UUID (and region suffix) starting at `start`, when one does and is a word
/// of its own.
fn uuid_key_at(bytes: &[u8], start: usize) -> Option<usize> {
    let is_word = |i: usize| {
        bytes
            .get(i)
            .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
    };
    if start > 0 && is_word(start - 1) {
        return None;
    }
    let uuid = bytes.get(start..start + 36)?;
    let shape_ok = uuid.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    let end = start + 36;
    if !shape_ok || is_word(end) {
        return None;
    }
    for suffix in [".us1", ".us", ".eu", ".jpn", ".au"] {
        if bytes[end..].starts_with(suffix.as_bytes()) && !is_word(end + suffix.len()) {
            return Some(end + suffix.len());
        }
    }
    Some(end)
}

/// Template placeholders, environment lookups and already-masked values.
fn is_placeholder(value: &str) -> bool {
    static MARKERS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?i)your|redacted|example|placeholder|changeme|xxxx|\*\*\*\*|…|\.\.\.|[<>]|\$\{|\{\{|process\.env|deno\.env|import\.meta",
        )
        .unwrap()
    });
    if MARKERS.is_match(value) {
        return true;
    }
    let mut chars = value.chars().filter(|c| c.is_alphanumeric());
    match chars.next() {
        Some(first) => chars.all(|c| c == first),
        None => true,
    }
}

/// A variable or constant name (`SUPABASE_SERVICE_ROLE_KEY`, `supabaseServiceKey`) rather
/// than a value: random tokens of 16+ characters nearly always hold a digit.
fn looks_like_a_name(value: &str) -> bool {
    if value.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'.')
    {
        return false;
    }
    let all_upper = !value.bytes().any(|b| b.is_ascii_lowercase());
    all_upper || value.contains(['_', '.']) || is_camel_case(value)
}

/// `supabaseServiceRoleKey`: lowercase runs, each later word one capital then lowercase.
fn is_camel_case(value: &str) -> bool {
    let bytes = value.as_bytes();
    if !bytes[0].is_ascii_lowercase() {
        return false;
    }
    bytes
        .windows(2)
        .all(|w| !(w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase()))
        && !bytes[bytes.len() - 1].is_ascii_uppercase()
}

/// The nil UUID, `12345678-…` examples and other low-variety UUIDs.
fn is_placeholder_uuid(uuid: &str) -> bool {
    let digits = uuid.bytes().filter(|b| *b != b'-');
    let seen = digits.fold(0u16, |seen, b| {
        let v = (b as char).to_digit(16).unwrap_or(0);
        seen | 1 << v
    });
    let hex = uuid.to_ascii_lowercase();
    seen.count_ones() < 5 || hex.starts_with("12345678") || hex.starts_with("abcdef")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PENDO: &str = "3f2a9c1e-7b4d-4e8a-9c2f-1a6b5d8e0f47";
    const GHP: &str = "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8";
    const PAT: &str = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz0123";
    const SB_SECRET: &str = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
    const SB_PUBLISHABLE: &str = "sb_publishable_ZaR8Xb5Lq2Wm9Tn4Vc7Yd1Ke";

    fn b64(json: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    fn jwt(role: &str) -> String {
        format!(
            "{}.{}.dc_X5iR_VP_qT0zsiyj_I_OZ2T9FtRU2BBNWN8Bu4GE",
            b64(r#"{"alg":"HS256","typ":"JWT"}"#),
            b64(&format!(
                r#"{{"iss":"supabase","ref":"abcdefghijklmnop","role":"{role}","iat":1700000000,"exp":2000000000}}"#
            )),
        )
    }

    /// Asserts that `redact` replaced exactly the found ranges and kept every other byte.
    fn assert_only_secrets_changed(text: &str) {
        let secrets = find(text);
        let out = redact(text);
        let mut expected = String::new();
        let mut at = 0;
        for s in &secrets {
            expected.push_str(&text[at..s.range.start]);
            expected.push_str(&mask(&text[s.range.clone()], s.kind));
            at = s.range.end;
        }
        expected.push_str(&text[at..]);
        assert_eq!(out, expected);
    }

    fn kinds(text: &str) -> Vec<SecretKind> {
        find(text).into_iter().map(|s| s.kind).collect()
    }

    fn found_values(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|s| &text[s.range]).collect()
    }

    #[test]
    fn pendo_key_with_region_suffix_is_always_a_key() {
        for suffix in [".us", ".us1", ".eu", ".jpn", ".au"] {
            let text = format!("we use {PENDO}{suffix} in prod");
            let key = format!("{PENDO}{suffix}");
            assert_eq!(found_values(&text), vec![key.as_str()]);
            assert_eq!(redact(&text), "we use 3f2a…[redacted] in prod");
        }
    }

    #[test]
    fn plain_uuid_needs_key_context_on_its_line() {
        for line in [
            format!("- **Authentication**: Integration Key `{PENDO}`"),
            format!("  -H \"X-Pendo-Integration-Key: {PENDO}\" \\"),
            format!("PENDO_INTEGRATION_KEY={PENDO}"),
            format!("my api key is {PENDO}"),
        ] {
            assert_eq!(
                kinds(&line),
                vec![SecretKind::PendoIntegrationKey],
                "{line}"
            );
        }
        for line in [
            format!("guide id {PENDO} is missing"),
            format!("\"visitorId\": \"{PENDO}\""),
            format!("x-request-id: {PENDO}\napi key rotated yesterday"),
            format!("{PENDO}.eu2 is not a region"),
        ] {
            assert!(find(&line).is_empty(), "{line}");
        }
    }

    #[test]
    fn supabase_jwts_are_told_apart_by_role() {
        let service = jwt("service_role");
        let anon = jwt("anon");
        let user = jwt("authenticated");
        let text = format!("SUPABASE_SERVICE_ROLE_KEY={service}\nanon={anon}\nuser {user}");
        let found = find(&text);
        let got: Vec<_> = found.iter().map(|s| (s.kind, s.sensitive)).collect();
        assert_eq!(
            got,
            vec![
                (SecretKind::SupabaseServiceRole, true),
                (SecretKind::SupabaseAnon, false),
                (SecretKind::Jwt, true),
            ]
        );
        assert!(redact(&text).starts_with("SUPABASE_SERVICE_ROLE_KEY=eyJh…[redacted]\n"));
    }

    #[test]
    fn supabase_api_keys() {
        let text = format!("secret {SB_SECRET} public {SB_PUBLISHABLE}.");
        let found = find(&text);
        assert_eq!(found[0].kind, SecretKind::SupabaseSecretKey);
        assert!(found[0].sensitive);
        assert_eq!(found[1].kind, SecretKind::SupabasePublishableKey);
        assert!(!found[1].sensitive);
        assert_eq!(
            redact(&text),
            "secret sb_secret_N7…[redacted] public sb_publishable_Za…[redacted]."
        );
    }

    #[test]
    fn postgres_password_only_is_masked() {
        let text = "SUPABASE_DB_URL=postgresql://postgres.abcdefghij:S3cr3t!pa55@aws-0-eu-central-1.pooler.supabase.com:5432/postgres";
        assert_eq!(found_values(text), vec!["S3cr3t!pa55"]);
        assert_eq!(
            redact(text),
            "SUPABASE_DB_URL=postgresql://postgres.abcdefghij:…[redacted]@aws-0-eu-central-1.pooler.supabase.com:5432/postgres"
        );
        let at_in_password = "postgres://u:p@ss@db.example.com/x";
        assert_eq!(found_values(at_in_password), vec!["p@ss"]);
    }

    #[test]
    fn github_tokens() {
        let text = format!("token: {GHP}\nfine-grained {PAT}");
        assert_eq!(found_values(&text), vec![GHP, PAT]);
        assert_eq!(
            redact(&text),
            "token: ghp_…[redacted]\nfine-grained github_pat_…[redacted]"
        );
    }

    #[test]
    fn bearer_and_apikey_headers_in_every_form() {
        let token = "k7Gq2LmN9pXr4TsV8wYz";
        for text in [
            format!("Authorization: Bearer {token}"),
            format!("'Authorization': 'Bearer {token}',"),
            format!("curl -H \"Authorization: Bearer {token}\" https://x"),
            format!("apikey: {token}"),
            format!("-H 'apikey: {token}'"),
            format!("headers: {{ apikey: \"{token}\" }}"),
        ] {
            assert_eq!(found_values(&text), vec![token], "{text}");
            assert_eq!(kinds(&text), vec![SecretKind::BearerToken]);
            assert!(redact(&text).contains("k7Gq…[redacted]"), "{text}");
        }
    }

    #[test]
    fn header_value_keeps_its_specific_kind() {
        let text = format!(
            "-H \"Authorization: Bearer {SB_SECRET}\" -H 'apikey: {}'",
            jwt("anon")
        );
        assert_eq!(
            kinds(&text),
            vec![SecretKind::SupabaseSecretKey, SecretKind::SupabaseAnon]
        );
    }

    #[test]
    fn placeholders_are_not_secrets() {
        for text in [
            "'X-Pendo-Integration-Key': 'your-pendo-integration-key',",
            "Authorization: Bearer <your-key>",
            "Authorization: `Bearer ${SUPABASE_KEY}`",
            "Authorization: 'Bearer ' + process.env.SUPABASE_SERVICE_ROLE_KEY",
            "'Authorization': `Bearer ${Deno.env.get('SUPABASE_SERVICE_ROLE_KEY')}`",
            "apikey: Deno.env.get('SUPABASE_ANON_KEY')",
            "apikey: SUPABASE_SERVICE_ROLE_KEY",
            "apikey: supabaseServiceRoleKey",
            "Authorization: Bearer xxxxxxxxxxxxxxxxxxxxxxxx",
            "Authorization: Bearer ************************",
            "Authorization: Bearer REDACTED_REDACTED_TOKEN",
            "sb_secret_xxxxxxxxxxxxxxxxxxxxxxxx and sb_publishable_your-key-goes-here",
            "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "postgresql://postgres:[YOUR-PASSWORD]@db.abcdefghij.supabase.co:5432/postgres",
            "postgres://user:password@localhost/db and postgres://u:${DB_PASSWORD}@h/db",
            "api key: 00000000-0000-0000-0000-000000000000",
            "integration key 12345678-1234-1234-1234-123456789012",
            "Bearer token authentication is used",
        ] {
            assert!(find(text).is_empty(), "{text}: {:?}", find(text));
        }
    }

    #[test]
    fn crlf_unicode_edges_and_adjacent_secrets() {
        let text = format!(
            "{PENDO}.eu\r\n🔑 «{GHP}»\r\nclé: {SB_SECRET}{}\r\n{GHP}{GHP}",
            " "
        );
        let found = found_values(&text);
        assert_eq!(found.len(), 5);
        assert_eq!(found[0], format!("{PENDO}.eu"));
        assert_only_secrets_changed(&text);
        let out = redact(&text);
        assert!(out.starts_with("3f2a…[redacted]\r\n🔑 «ghp_…[redacted]»\r\n"));
        assert!(out.ends_with("ghp_…[redacted]ghp_…[redacted]"));
    }

    #[test]
    fn redaction_changes_only_secret_bytes_and_is_idempotent() {
        let text = format!(
            "## Pendo API Information\r\n- **Authentication**: Integration Key `{PENDO}`\r\n\
             ```bash\r\ncurl -H \"X-Pendo-Integration-Key: {PENDO}.us\" \\\r\n  -H 'Authorization: Bearer {}'\r\n```\r\n\
             DB: postgres://postgres:hunter2hunter2@db.x.supabase.co:5432/postgres\r\n{SB_PUBLISHABLE}",
            jwt("service_role")
        );
        assert_eq!(find(&text).len(), 5);
        assert_only_secrets_changed(&text);
        let once = redact(&text);
        assert!(find(&once).is_empty(), "{:?}", find(&once));
        assert_eq!(redact(&once), once);
    }

    #[test]
    fn mask_never_shows_much_of_a_short_value() {
        assert_eq!(mask("abc", SecretKind::BearerToken), "a…[redacted]");
        assert_eq!(mask("pw", SecretKind::PostgresPassword), "…[redacted]");
        assert_eq!(mask("éééééééé", SecretKind::BearerToken), "éé…[redacted]");
    }

    #[test]
    fn a_full_body_finds_every_repeat() {
        // Speed is measured by `cargo bench --bench core`; here only the result counts.
        let line =
            format!("guide {PENDO} seen; Authorization: Bearer <token> ünïcødé {SB_PUBLISHABLE}\n");
        let repeats = 65_536 / line.len();
        let body: String = line.repeat(repeats);
        let found = find(&body);
        assert_eq!(
            found
                .iter()
                .filter(|s| s.kind == SecretKind::SupabasePublishableKey)
                .count(),
            repeats
        );
        assert!(find(&redact(&body)).is_empty());
    }

    /// A generated secret, as embedded in text (with its context) and its expected mask.
    fn secret_strategy() -> impl Strategy<Value = (String, String)> {
        let hex = |n: usize| proptest::string::string_regex(&format!("[0-9a-f]{{{n}}}")).unwrap();
        let real = |re: &str| {
            proptest::string::string_regex(re)
                .unwrap()
                .prop_filter("not placeholder-like", |v| {
                    !is_placeholder(v) && v != "password"
                })
        };
        let token = || real("[0-9][a-wA-W0-9]{19,39}");
        let alnum = real("[a-wA-W0-9]{36}");
        let password = real("[a-wA-W0-9][a-wA-W0-9!%^+=_-]{5,23}");
        prop_oneof![
            (
                hex(8),
                hex(4),
                hex(4),
                hex(4),
                hex(12),
                prop::sample::select(vec![".us", ".us1", ".eu", ".jpn", ".au"])
            )
                .prop_filter("not placeholder-like", |(a, ..)| !a.starts_with("12345678")
                    && !a.starts_with("abcdef"))
                .prop_map(|(a, b, c, d, e, r)| {
                    let key = format!("{a}-{b}-{c}-{d}-{e}{r}");
                    (key.clone(), mask(&key, SecretKind::PendoIntegrationKey))
                }),
            token().prop_map(|t| (
                format!("Authorization: Bearer {t}"),
                format!(
                    "Authorization: Bearer {}",
                    mask(&t, SecretKind::BearerToken)
                )
            )),
            token().prop_map(|t| (
                format!("apikey: {t}"),
                format!("apikey: {}", mask(&t, SecretKind::BearerToken))
            )),
            token().prop_map(|t| {
                let k = format!("sb_secret_{t}");
                (k.clone(), mask(&k, SecretKind::SupabaseSecretKey))
            }),
            alnum.prop_map(|t| {
                let k = format!("ghp_{t}");
                (k.clone(), mask(&k, SecretKind::GithubToken))
            }),
            password.prop_map(|p| (
                format!("postgres://postgres:{p}@db.host.co/x"),
                format!("postgres://postgres:{MASK}@db.host.co/x")
            )),
            prop::sample::select(vec!["service_role", "anon", "authenticated"]).prop_map(|r| {
                let j = jwt(r);
                let kind = jwt_kind(&j);
                (j.clone(), mask(&j, kind))
            }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        #[test]
        fn redact_masks_embedded_secrets_and_keeps_the_rest(
            parts in prop::collection::vec(("\\PC{0,40}", secret_strategy()), 0..6),
            tail in "\\PC{0,40}",
        ) {
            let mut text = String::new();
            let mut expected = String::new();
            for (filler, (secret, masked)) in &parts {
                text.push_str(filler);
                text.push(' ');
                text.push_str(secret);
                text.push('\n');
                expected.push_str(filler);
                expected.push(' ');
                expected.push_str(masked);
                expected.push('\n');
            }
            text.push_str(&tail);
            expected.push_str(&tail);
            let out = redact(&text);
            prop_assert_eq!(&out, &expected);
            prop_assert!(find(&out).is_empty());
            prop_assert_eq!(redact(&out), out);
        }

        #[test]
        fn never_panics_and_stays_idempotent_on_arbitrary_text(text in "(?s).{0,300}") {
            let once = redact(&text);
            prop_assert_eq!(redact(&once), once.clone());
            for s in find(&text) {
                prop_assert!(text.is_char_boundary(s.range.start) && text.is_char_boundary(s.range.end));
            }
        }
    }
}
