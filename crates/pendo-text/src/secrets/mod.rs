//! Secrets pasted into an issue: find them, and redact them without touching anything else.
//!
//! People paste their real Pendo integration key, a Supabase `service_role` JWT or a
//! database password into the template (or its title) while asking for help. The bot must
//! never repeat them (in the report, logs or outputs), must say that one was found
//! (`issue.secrets`, the `security` label) and rewrites the issue with them masked,
//! changing no other byte.
//!
//! What counts as a secret, and how each is recognised (the rules live in `rules.rs`):
//! - Pendo integration key: a UUID with a region suffix in any case (`.us`, `.US1`, `.eu`,
//!   `.jpn`, `.au`); a plain UUID on a line that talks about an integration / API key; or the
//!   value of a key name (`X-Pendo-Integration-Key`, `integrationKey`, `integration_key`,
//!   `"key"`, `?key=`), even when the value sits on the next line (prettier, or a curl `\`
//!   continuation). UUIDs are also guide, visitor and request ids, so a bare UUID alone is
//!   not a key.
//! - JWTs (`eyJ….eyJ….sig`), also folded across lines (an email client or `base64 -w76`),
//!   folded right after a dot, with blanks around its dots (`eyJ… . eyJ… . sig`) or
//!   invisible characters (U+200B, U+2060, U+FEFF…) inside, and also base64-encoded once
//!   more (`ZXlK…`): the payload's `role` tells a Supabase `service_role` key from an
//!   `anon` key; any other JWT is still a secret.
//! - Supabase API keys `sb_secret_…` and `sb_publishable_…`; Supabase personal access
//!   tokens (`sbp_` and 40 hex digits); GitHub tokens (`ghp_…`, `github_pat_…`).
//! - The values the bot holds itself (`held.rs`), in every form they travel in.
//! - Postgres passwords: in a `postgres://user:password@host` URL (a `/`, `@` or any word
//!   allowed in the password), and as the value of a password name in every config form
//!   (libpq `password=`, JDBC `&password=`, `PGPASSWORD=`, .NET `Password=…;`,
//!   `connect(password="…")`, JSON / YAML `"password": "…"`).
//! - Header values: `Authorization: Bearer …` (also URL-encoded `Bearer%20…`), `apikey: …`,
//!   and `Authorization: Basic …` when it decodes to `user:password`.
//!
//! A placeholder is what the template or an obvious dummy shows, never a real value that
//! happens to contain a word like "example": `your-pendo-integration-key`, `<your-key>`,
//! `[YOUR-PASSWORD]`, `${SUPABASE_KEY}`, `$PGPASSWORD`, `process.env.X`,
//! `Deno.env.get(…)`, `xxxx`, `****`, the literal word `password`, the nil and
//! sequential UUIDs, and anything [`redact`] already masked, so redaction is idempotent.
//!
//! A mask keeps a short recognisable prefix (`eyJh`, `sb_secret_ab`, the first four
//! characters of a key) followed by [`MASK`]; a password keeps nothing.
//!
//! Every rule starts from a literal (a name, a scheme, `eyJ`, a hyphen of a UUID) and reads
//! a bounded amount around it, so finding is linear in the text length.

pub(crate) mod conninfo;
pub mod held;
mod rules;
#[cfg(test)]
mod tests;
mod views;

use std::ops::Range;

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
    /// A Supabase personal access token (`sbp_` and 40 hex digits): the Management API.
    SupabaseAccessToken,
    BearerToken,
    /// The `user:password` of an `Authorization: Basic …` header, base64-encoded.
    BasicAuth,
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
            Self::SupabaseAccessToken => "Supabase access token (sbp_)",
            Self::BearerToken => "bearer token",
            Self::BasicAuth => "HTTP Basic credentials",
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
            // Basic credentials start with the user name: keep nothing, like a password.
            Self::PostgresPassword | Self::BasicAuth => 0,
            Self::SupabaseSecretKey => "sb_secret_".len() + 2,
            Self::SupabasePublishableKey => "sb_publishable_".len() + 2,
            Self::GithubToken if value.starts_with("github_pat_") => "github_pat_".len(),
            Self::GithubToken => "ghp_".len(),
            Self::SupabaseAccessToken => "sbp_".len(),
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
    /// Byte range of the secret value itself (what redaction masks). A JWT folded across
    /// lines spans them, line breaks included.
    pub range: Range<usize>,
    /// True for keys that grant access (service role, secret keys, integration keys,
    /// passwords, tokens); false for keys meant to be public (anon, publishable).
    pub sensitive: bool,
    /// How many leading bytes of the value its mask keeps.
    #[serde(skip)]
    pub kept: usize,
}

/// What replaces a secret after its kept prefix. It matches no secret pattern and counts
/// as a placeholder, so redacting twice changes nothing.
pub const MASK: &str = "…[redacted]";

/// The masked form of one secret value: its short prefix, then [`MASK`].
pub fn mask(value: &str, kind: SecretKind) -> String {
    let keep = kind.kept_prefix(value);
    format!("{}{MASK}", &value[..keep])
}

/// The masked form of one secret [`find`] found in `text`: the prefix it may keep (for a
/// held value, never more than its public prefix), then [`MASK`].
pub fn masked(text: &str, secret: &Secret) -> String {
    let start = secret.range.start;
    format!("{}{MASK}", &text[start..start + secret.kept])
}

/// Finds every secret in `text` (an issue body or a one-line title), in order,
/// non-overlapping.
pub fn find(text: &str) -> Vec<Secret> {
    rules::scan(text)
        .into_iter()
        .map(|(range, kind, kept)| Secret {
            kind,
            range,
            sensitive: kind.is_sensitive(),
            kept,
        })
        .collect()
}

/// The secrets a person pasted into an issue's title or body: [`find`] without the weak
/// held values. A database password such as `supabase` standing as a word in an issue is
/// the word the person wrote, not a paste: it neither fails `issue.secrets` nor is masked
/// in the body (it is still masked wherever a dependency echoes it).
pub fn find_pasted(text: &str) -> Vec<Secret> {
    find(text)
        .into_iter()
        .filter(|s| !held::is_weak_value(&text[s.range.clone()]))
        .collect()
}

/// An issue's own text with what a person pasted masked ([`find_pasted`]), nothing else
/// changed: the in-place redaction of a title or body.
pub fn redact_pasted(text: &str) -> String {
    redact_found(text, &find_pasted(text))
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
        out.push_str(&masked(text, s));
        at = s.range.end;
    }
    out.push_str(&text[at..]);
    out
}

/// The 1-based line on which each secret starts, in the order of `found`, counting each
/// newline of `text` once (linear, however many secrets).
pub fn line_numbers(text: &str, found: &[Secret]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..found.len()).collect();
    // `find` already returns them by start: this sort then only checks that.
    order.sort_by_key(|&i| found[i].range.start);
    let bytes = text.as_bytes();
    let mut lines = vec![0; found.len()];
    let (mut at, mut line) = (0, 1);
    for i in order {
        let start = found[i].range.start.min(bytes.len());
        line += bytes[at..start].iter().filter(|&&b| b == b'\n').count();
        at = start;
        lines[i] = line;
    }
    lines
}
