//! The only reader of the environment: action inputs (`INPUT_*`), their fallbacks, and
//! the standard GitHub Actions variables, turned into plain values.
//!
//! Inputs reach a container action as `INPUT_<NAME>` with the hyphen kept
//! (`INPUT_GITHUB-TOKEN`); some runners and local tools use the underscore form, so both
//! are read. Everything below this module receives values, never reads `std::env`.

use crate::credentials::{Credentials, SecretString};
use std::collections::HashMap;

/// A snapshot of environment variables (tests build one from pairs).
#[derive(Debug, Clone, Default)]
pub struct Env(HashMap<String, String>);

impl Env {
    /// The process environment (non-UTF-8 values are skipped).
    pub fn from_process() -> Self {
        Self(std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect())
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        Self(pairs.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }

    /// A variable, `None` when unset or blank.
    pub fn var(&self, name: &str) -> Option<String> {
        self.0.get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// An action input by its `action.yml` name, then the environment fallbacks in order.
    pub fn input(&self, name: &str, fallbacks: &[&str]) -> Option<String> {
        let upper = name.to_ascii_uppercase();
        self.var(&format!("INPUT_{upper}"))
            .or_else(|| self.var(&format!("INPUT_{}", upper.replace('-', "_"))))
            .or_else(|| fallbacks.iter().find_map(|f| self.var(f)))
    }

    /// A boolean input: `true`/`false`/`1`/`0`/`yes`/`no`; anything else is an error.
    pub fn flag(&self, name: &str, fallbacks: &[&str]) -> Result<bool, String> {
        match self.input(name, fallbacks) {
            None => Ok(false),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                other => Err(format!("input `{name}` is {other:?}; write true or false")),
            },
        }
    }

    /// The credentials for live checks.
    pub fn credentials(&self) -> Result<Credentials, String> {
        let region = self.input("pendo-region", &["PENDO_REGION"]).unwrap_or_else(|| "us".into());
        let region_url = Credentials::pendo_region_url(&region).map_err(|e| format!("input `pendo-region`: {e}"))?;
        let base = match self.input("pendo-base-url", &["PENDO_BASE_URL"]) {
            Some(url) => validate_url("pendo-base-url", &url)?,
            None => region_url.to_string(),
        };
        let supabase_url = self
            .input("supabase-url", &["SUPABASE_URL"])
            .map(|u| validate_url("supabase-url", &u))
            .transpose()?;
        Ok(Credentials {
            pendo_key: self
                .input("pendo-integration-key", &["PENDO_INTEGRATION_KEY", "PENDO_API_KEY"])
                .and_then(SecretString::new),
            pendo_base_url: base.trim_end_matches('/').to_string(),
            supabase_url: supabase_url.map(|u| u.trim_end_matches('/').to_string()),
            supabase_key: self
                .input("supabase-key", &["SUPABASE_SERVICE_ROLE_KEY"])
                .and_then(SecretString::new),
            supabase_db_url: self.input("supabase-db-url", &["SUPABASE_DB_URL"]).and_then(SecretString::new),
        })
    }

    /// The config file path: the input, `PENDO_TRIAGE_CONFIG`, or the default.
    pub fn config_path(&self) -> (String, bool) {
        match self.input("config", &["PENDO_TRIAGE_CONFIG"]) {
            Some(p) => (p, true),
            None => (DEFAULT_CONFIG_PATH.to_string(), false),
        }
    }
}

/// Where the config lives unless told otherwise.
pub const DEFAULT_CONFIG_PATH: &str = ".github/pendo-triage.yml";

fn validate_url(input: &str, url: &str) -> Result<String, String> {
    let ok = (url.starts_with("https://") || url.starts_with("http://")) && url.len() > 8 && !url.contains(char::is_whitespace);
    if ok {
        Ok(url.to_string())
    } else {
        Err(format!("input `{input}` must be an http(s) URL such as https://abcd.supabase.co"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_win_over_fallbacks_in_both_spellings() {
        let env = Env::from_pairs([("INPUT_PENDO-INTEGRATION-KEY", "a"), ("PENDO_INTEGRATION_KEY", "b")]);
        assert_eq!(env.input("pendo-integration-key", &["PENDO_INTEGRATION_KEY"]).as_deref(), Some("a"));
        let env = Env::from_pairs([("INPUT_PENDO_INTEGRATION_KEY", "c")]);
        assert_eq!(env.input("pendo-integration-key", &[]).as_deref(), Some("c"));
        let env = Env::from_pairs([("INPUT_PENDO-INTEGRATION-KEY", " "), ("PENDO_API_KEY", "d")]);
        assert_eq!(
            env.input("pendo-integration-key", &["PENDO_INTEGRATION_KEY", "PENDO_API_KEY"]).as_deref(),
            Some("d")
        );
    }

    #[test]
    fn credentials_from_env() {
        let env = Env::from_pairs([
            ("PENDO_API_KEY", "fake-key"),
            ("PENDO_REGION", "eu"),
            ("SUPABASE_URL", "https://abcd.supabase.co/"),
        ]);
        let c = env.credentials().unwrap();
        assert_eq!(c.pendo_key.unwrap().expose(), "fake-key");
        assert_eq!(c.pendo_base_url, "https://app.eu.pendo.io");
        assert_eq!(c.supabase_url.as_deref(), Some("https://abcd.supabase.co"));
        assert!(c.supabase_key.is_none());
    }

    #[test]
    fn bad_values_are_named() {
        let e = Env::from_pairs([("PENDO_REGION", "mars")]).credentials().unwrap_err();
        assert!(e.contains("pendo-region"), "{e}");
        let e = Env::from_pairs([("SUPABASE_URL", "abcd.supabase.co")]).credentials().unwrap_err();
        assert!(e.contains("supabase-url"), "{e}");
        let e = Env::from_pairs([("INPUT_DRY-RUN", "maybe")]).flag("dry-run", &[]).unwrap_err();
        assert!(e.contains("dry-run"), "{e}");
    }
}
