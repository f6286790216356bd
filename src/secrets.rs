//! Secrets pasted into an issue: find them, and redact them without touching anything else.
//! (stub — being written)

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
    BearerToken,
    Jwt,
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

/// Finds every secret in `text`, in order, non-overlapping.
pub fn find(_text: &str) -> Vec<Secret> {
    Vec::new()
}

/// Returns `text` with every secret masked (a short prefix kept); nothing else changes.
pub fn redact(text: &str) -> String {
    text.to_string()
}
