//! The keys and addresses live checks need, as values that never print.
//!
//! Only `action.rs`/`main.rs` read the environment; they build a [`Credentials`] and pass
//! it down. [`SecretString`] shows `***` in `Debug` and `Display`, so a stray `{:?}` in a
//! log line cannot leak a key.
//!
//! Each environment has its own set ([`ByEnvironment`]): the unprefixed variables are
//! `live.credentials_environment`'s, another environment's carry its upper-case name as
//! prefix (`STAGING_SUPABASE_URL`). An issue is answered only with its own environment's.

use crate::issue::Environment;
use crate::regions::PENDO_REGIONS;
use crate::secrets::held::Credential;
use std::fmt;

/// A secret value. Read it with [`SecretString::expose`] only where it is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// `None` for an empty or blank value, so unset and empty inputs mean the same.
    pub fn new(value: impl Into<String>) -> Option<Self> {
        let value = value.into();
        let trimmed = value.trim();
        (!trimmed.is_empty()).then(|| Self(trimmed.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(***)")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A Pendo region name that is not one of [`PENDO_REGIONS`]; the message lists the valid
/// ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Pendo region {region:?}; use one of {}", region_names())]
pub struct UnknownRegion {
    /// The name as given.
    pub region: String,
}

/// `us, us1, eu, jpn, au`.
fn region_names() -> String {
    PENDO_REGIONS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the live checks may use. Every part is optional; a check whose part is missing
/// is `skip` with the reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub pendo_key: Option<SecretString>,
    /// What was wrong with the key as given (whitespace or quotes around it); the key
    /// itself is used without them.
    pub pendo_key_notes: Vec<&'static str>,
    /// The configured Pendo region (`us` unless set).
    pub pendo_region: String,
    /// The Pendo API base URL (from the region, or the explicit override).
    pub pendo_base_url: String,
    /// The other regions' hosts, probed when Pendo rejects the key on the configured one
    /// (empty with an explicit `pendo-base-url`: then no other host is tried).
    pub pendo_other_hosts: Vec<(String, String)>,
    pub supabase_url: Option<String>,
    pub supabase_key: Option<SecretString>,
    pub supabase_db_url: Option<SecretString>,
    /// A Supabase personal access token, for the Management API (`supabase.functions`).
    pub supabase_access_token: Option<SecretString>,
}

impl Credentials {
    /// The base URL of a Pendo region name, or an error listing the valid ones.
    pub fn pendo_region_url(region: &str) -> Result<&'static str, UnknownRegion> {
        let r = region.trim().to_ascii_lowercase();
        PENDO_REGIONS
            .iter()
            .find(|(name, _)| *name == r)
            .map(|(_, url)| *url)
            .ok_or_else(|| UnknownRegion {
                region: region.to_string(),
            })
    }

    /// The secret values, for masking in logs (`::add-mask::`): each key, the database
    /// URL, and every password libpq would read from it (user-info, `?password=`,
    /// `password = '…'`), as written and as decoded, since it can appear without the URL.
    /// Weak values (see [`crate::secrets::held::is_weak`]) are left out: masking the word
    /// `postgres` in every log line would deface the log the way issue 23 §5 describes;
    /// the bot masks them itself where they stand as a whole token in outside text.
    pub fn secret_values(&self) -> Vec<String> {
        let mut values: Vec<String> = [
            &self.pendo_key,
            &self.supabase_key,
            &self.supabase_db_url,
            &self.supabase_access_token,
        ]
        .into_iter()
        .flatten()
        .map(|s| s.expose().to_string())
        .collect();
        let held = crate::secrets::held::Held::new(&self.held());
        for v in held.strong_values() {
            if !values.iter().any(|x| x == v) {
                values.push(v.to_string());
            }
        }
        values
    }

    /// Every credential held, for [`crate::secrets::held`]: found by value wherever text
    /// leaves the bot, in every form it travels in.
    pub fn held(&self) -> Vec<Credential<'_>> {
        let mut held = Vec::new();
        if let Some(k) = &self.pendo_key {
            held.push(Credential::PendoKey(k.expose()));
        }
        if let Some(k) = &self.supabase_key {
            held.push(Credential::SupabaseKey(k.expose()));
        }
        if let Some(u) = &self.supabase_db_url {
            held.push(Credential::DatabaseUrl(u.expose()));
        }
        if let Some(t) = &self.supabase_access_token {
            held.push(Credential::AccessToken(t.expose()));
        }
        held
    }

    /// The Pendo key as given, cleaned: surrounding whitespace and one pair of quotes
    /// removed, with a note for each (a secret pasted as `"…"` is a classic 403).
    pub fn clean_pendo_key(raw: &str) -> (Option<SecretString>, Vec<&'static str>) {
        let mut notes = Vec::new();
        let trimmed = raw.trim();
        if trimmed.len() != raw.len() && !trimmed.is_empty() {
            notes.push("the secret has whitespace or a line break around it");
        }
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|q| trimmed.strip_prefix(*q)?.strip_suffix(*q))
            .map(str::trim);
        if let Some(inner) = unquoted {
            notes.push("the secret is wrapped in quotes");
            return (SecretString::new(inner), notes);
        }
        (SecretString::new(trimmed), notes)
    }

    pub fn has_pendo(&self) -> bool {
        self.pendo_key.is_some()
    }

    pub fn has_supabase_api(&self) -> bool {
        self.supabase_url.is_some() && self.supabase_key.is_some()
    }

    pub fn has_supabase_db(&self) -> bool {
        self.supabase_db_url.is_some()
    }
}

impl Credentials {
    /// Whether any key, URL or token is set (the region alone is not a credential).
    pub fn is_empty(&self) -> bool {
        self.pendo_key.is_none()
            && self.supabase_url.is_none()
            && self.supabase_key.is_none()
            && self.supabase_db_url.is_none()
            && self.supabase_access_token.is_none()
    }

    /// `self`, each missing part taken from `other` (the owner's prefixed variables fill
    /// what the unprefixed ones leave out).
    fn or(mut self, other: &Credentials) -> Credentials {
        if self.pendo_key.is_none() {
            self.pendo_key = other.pendo_key.clone();
            self.pendo_key_notes = other.pendo_key_notes.clone();
        }
        self.supabase_url = self.supabase_url.or_else(|| other.supabase_url.clone());
        self.supabase_key = self.supabase_key.or_else(|| other.supabase_key.clone());
        self.supabase_db_url = self
            .supabase_db_url
            .or_else(|| other.supabase_db_url.clone());
        self.supabase_access_token = self
            .supabase_access_token
            .or_else(|| other.supabase_access_token.clone());
        self
    }
}

/// The variable prefix of an environment's credentials: `STAGING` for Staging.
pub fn prefix(env: Environment) -> String {
    env.as_str().to_ascii_uppercase()
}

/// Every environment's credentials. The unprefixed set belongs to the owner
/// (`live.credentials_environment`, Production unless configured); every other
/// environment has only its prefixed set, possibly empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ByEnvironment {
    owner: Environment,
    unprefixed: Credentials,
    /// One set per environment, from its prefixed variables (Pendo's region and hosts
    /// default to the unprefixed ones).
    prefixed: Vec<(Environment, Credentials)>,
}

impl Default for ByEnvironment {
    fn default() -> Self {
        Self::new(Credentials::default(), Vec::new())
    }
}

impl ByEnvironment {
    /// The sets as read; the owner is Production until [`ByEnvironment::with_owner`].
    pub fn new(unprefixed: Credentials, prefixed: Vec<(Environment, Credentials)>) -> Self {
        Self {
            owner: Environment::Production,
            unprefixed,
            prefixed,
        }
    }

    /// The same sets, the unprefixed ones belonging to `owner` (from the config).
    pub fn with_owner(mut self, owner: Environment) -> Self {
        self.owner = owner;
        self
    }

    /// Whose the unprefixed variables are.
    pub fn owner(&self) -> Environment {
        self.owner
    }

    /// The credentials that answer an issue about `env`: for the owner the unprefixed
    /// ones (gaps filled from its prefixed ones), for any other only its prefixed ones.
    pub fn of(&self, env: Environment) -> Credentials {
        let prefixed = self
            .prefixed
            .iter()
            .find(|(e, _)| *e == env)
            .map(|(_, c)| c.clone());
        match prefixed {
            _ if env == self.owner => {
                let own = prefixed.unwrap_or_default();
                self.unprefixed.clone().or(&own)
            }
            Some(c) => c,
            None => Credentials {
                pendo_region: self.unprefixed.pendo_region.clone(),
                pendo_base_url: self.unprefixed.pendo_base_url.clone(),
                pendo_other_hosts: self.unprefixed.pendo_other_hosts.clone(),
                ..Credentials::default()
            },
        }
    }

    /// The environments that have any credential, the owner first.
    pub fn configured(&self) -> Vec<Environment> {
        let mut envs: Vec<Environment> = Vec::new();
        for env in [
            self.owner,
            Environment::Production,
            Environment::Staging,
            Environment::Development,
        ] {
            if !envs.contains(&env) && !self.of(env).is_empty() {
                envs.push(env);
            }
        }
        envs
    }

    /// Every set, the unprefixed one first.
    fn all(&self) -> impl Iterator<Item = &Credentials> {
        std::iter::once(&self.unprefixed).chain(self.prefixed.iter().map(|(_, c)| c))
    }

    /// Every environment's secret values, for `::add-mask::`.
    pub fn secret_values(&self) -> Vec<String> {
        let mut values: Vec<String> = self.all().flat_map(Credentials::secret_values).collect();
        values.sort_unstable();
        values.dedup();
        values
    }

    /// Every environment's credentials, held: found by value wherever text leaves the bot.
    pub fn held(&self) -> Vec<Credential<'_>> {
        self.all().flat_map(Credentials::held).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = SecretString::new("sb_secret_FAKE_test_key_0000").unwrap();
        assert_eq!(format!("{s}"), "***");
        assert!(!format!("{s:?}").contains("FAKE"));
        let c = Credentials {
            pendo_key: SecretString::new("fake-pendo-key"),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("fake-pendo-key"));
    }

    #[test]
    fn the_database_password_is_masked_on_its_own() {
        let c = Credentials {
            supabase_db_url: SecretString::new(
                "postgresql://postgres.ref:fake-p%40ss@pooler.example:5432/postgres",
            ),
            ..Default::default()
        };
        let values = c.secret_values();
        for v in ["fake-p%40ss", "fake-p@ss"] {
            assert!(values.iter().any(|x| x == v), "{v} in {values:?}");
        }
        assert_eq!(values.len(), 3);
    }

    #[test]
    fn every_database_password_form_is_masked_but_weak_ones() {
        for (url, password) in [
            (
                "postgresql://postgres@db.example:5432/postgres?password=Fake%21Query_pw9",
                "Fake!Query_pw9",
            ),
            (
                r"host=db.example user=postgres password = 'fake\'kv pw_77'",
                "fake'kv pw_77",
            ),
        ] {
            let c = Credentials {
                supabase_db_url: SecretString::new(url),
                ..Default::default()
            };
            let values = c.secret_values();
            assert!(
                values.iter().any(|x| x == password),
                "{password} in {values:?}"
            );
        }
        let c = Credentials {
            supabase_db_url: SecretString::new(
                "postgresql://postgres:postgres@db.example/postgres",
            ),
            ..Default::default()
        };
        assert_eq!(
            c.secret_values().len(),
            1,
            "only the URL: `postgres` is weak"
        );
    }

    #[test]
    fn a_pasted_key_is_cleaned_and_noted() {
        let (key, notes) = Credentials::clean_pendo_key(" \"fake-key.us\"\n");
        assert_eq!(key.unwrap().expose(), "fake-key.us");
        assert_eq!(notes.len(), 2);
        let (key, notes) = Credentials::clean_pendo_key("fake-key.us");
        assert_eq!(key.unwrap().expose(), "fake-key.us");
        assert!(notes.is_empty());
        assert!(Credentials::clean_pendo_key("  ").0.is_none());
    }

    fn with_key(key: &str) -> Credentials {
        Credentials {
            pendo_key: SecretString::new(key),
            pendo_region: "us".into(),
            ..Default::default()
        }
    }

    #[test]
    fn each_environment_is_answered_with_its_own_set() {
        let staging = Credentials {
            supabase_url: Some("https://staging.example".into()),
            ..with_key("fake-staging-key")
        };
        let sets = ByEnvironment::new(
            with_key("fake-prod-key"),
            vec![(Environment::Staging, staging.clone())],
        );
        assert_eq!(sets.of(Environment::Staging), staging);
        assert_eq!(
            sets.of(Environment::Production).pendo_key.unwrap().expose(),
            "fake-prod-key"
        );
        // Development has nothing: an empty set, never Production's.
        let dev = sets.of(Environment::Development);
        assert!(dev.is_empty(), "{dev:?}");
        assert_eq!(dev.pendo_region, "us");
        assert_eq!(
            sets.configured(),
            vec![Environment::Production, Environment::Staging]
        );
        // Every set is masked and held.
        let values = sets.secret_values();
        assert!(
            values.iter().any(|v| v == "fake-prod-key")
                && values.iter().any(|v| v == "fake-staging-key")
        );
        assert_eq!(sets.held().len(), 2);
        // With Staging as the owner, the unprefixed set is Staging's, gaps filled from
        // its prefixed one; Production then has none.
        let sets = sets.with_owner(Environment::Staging);
        let own = sets.of(Environment::Staging);
        assert_eq!(own.pendo_key.unwrap().expose(), "fake-prod-key");
        assert_eq!(own.supabase_url.as_deref(), Some("https://staging.example"));
        assert!(sets.of(Environment::Production).is_empty());
        assert_eq!(prefix(Environment::Development), "DEVELOPMENT");
    }

    #[test]
    fn blank_is_absent() {
        assert!(SecretString::new("  ").is_none());
    }

    #[test]
    fn regions() {
        assert_eq!(
            Credentials::pendo_region_url("EU").unwrap(),
            "https://app.eu.pendo.io"
        );
        let e = Credentials::pendo_region_url("mars")
            .unwrap_err()
            .to_string();
        assert!(e.contains("us, us1, eu, jpn, au"));
    }
}
