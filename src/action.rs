//! The only reader of the environment: action inputs (`INPUT_*`), their fallbacks, and
//! the standard GitHub Actions variables, turned into plain values.
//!
//! Inputs reach a container action as `INPUT_<NAME>` with the hyphen kept
//! (`INPUT_GITHUB-TOKEN`); some runners and local tools use the underscore form, so both
//! are read. Everything below this module receives values, never reads `std::env`.

use crate::credentials::{ByEnvironment, Credentials, SecretString, UnknownRegion, prefix};
use crate::issue::Environment;
use crate::regions::PENDO_REGIONS;
use std::collections::HashMap;

/// An input or environment variable the bot cannot use; the message names it and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A boolean input that is not `true`/`false` (or `1`/`0`, `yes`/`no`, `on`/`off`).
    #[error("input `{name}` is {value:?}; write true or false")]
    NotAFlag { name: String, value: String },
    /// A setting that must be a whole number.
    #[error("{name} is {value:?}; write a whole number")]
    NotANumber { name: String, value: String },
    /// An input that must be an `http(s)` URL.
    #[error("input `{input}` must be an http(s) URL such as https://abcd.supabase.co")]
    NotAUrl { input: String },
    /// `GITHUB_API_URL` over plain `http://` to a host that is not a loopback address.
    #[error(
        "{input} is a plain http:// URL; the GitHub token never travels unencrypted: use https:// (plain http:// is allowed only to a loopback address)"
    )]
    PlainHttp { input: String },
    /// The `pendo-region` input names no Pendo region.
    #[error("input `pendo-region`: {0}")]
    Region(UnknownRegion),
    /// An environment's prefixed credential variable (`STAGING_SUPABASE_URL`) that the
    /// bot cannot use.
    #[error("{name}: {problem}")]
    Variable { name: String, problem: String },
    /// An entry of `PENDO_TRIAGE_PENDO_HOSTS` without `=`.
    #[error("PENDO_TRIAGE_PENDO_HOSTS: {0:?} is not region=URL")]
    HostsEntry(String),
    /// An entry of `PENDO_TRIAGE_PENDO_HOSTS` for a region Pendo does not have.
    #[error("PENDO_TRIAGE_PENDO_HOSTS: unknown region {0:?}")]
    HostsRegion(String),
    /// `PENDO_TRIAGE_NOW` that is not an RFC 3339 time, and why.
    #[error(
        "PENDO_TRIAGE_NOW is {0:?}, not a time: {1}; write an RFC 3339 time such as 2026-11-28T06:00:00Z, or unset it"
    )]
    Now(String, &'static str),
    /// No `GITHUB_REPOSITORY`: not inside GitHub Actions.
    #[error(
        "GITHUB_REPOSITORY is not set; `run` is meant to run inside GitHub Actions (use `check FILE` elsewhere)"
    )]
    NoRepository,
    /// `GITHUB_REPOSITORY` that is not `owner/name`.
    #[error("GITHUB_REPOSITORY is {0:?}; expected owner/name")]
    Repository(String),
}

/// A snapshot of environment variables (tests build one from pairs).
#[derive(Debug, Clone, Default)]
pub struct Env(HashMap<String, String>);

impl Env {
    /// The process environment (non-UTF-8 values are skipped).
    pub fn from_process() -> Self {
        Self(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        )
    }

    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// A variable, `None` when unset or blank.
    pub fn var(&self, name: &str) -> Option<String> {
        self.0
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// An action input by its `action.yml` name, then its environment fallbacks in order
    /// (both from [`INPUTS`]); `None` when neither is set, so the caller applies the default.
    pub fn input(&self, name: &str) -> Option<String> {
        input_names(name)
            .into_iter()
            .chain(declared(name).fallbacks.iter().map(|f| f.to_string()))
            .find_map(|k| self.var(&k))
    }

    /// A boolean input: `true`/`false`/`1`/`0`/`yes`/`no`; anything else is an error.
    /// Unset is `false`, the default of every flag.
    pub fn flag(&self, name: &str) -> Result<bool, EnvError> {
        match self.input(name) {
            None => Ok(false),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" | "yes" | "on" => Ok(true),
                "false" | "0" | "no" | "off" => Ok(false),
                other => Err(EnvError::NotAFlag {
                    name: name.to_string(),
                    value: other.to_string(),
                }),
            },
        }
    }

    /// An input's value exactly as given (not trimmed), for the Pendo key's notes.
    fn input_raw(&self, name: &str) -> Option<String> {
        input_names(name)
            .into_iter()
            .chain(declared(name).fallbacks.iter().map(|f| f.to_string()))
            .find_map(|k| self.0.get(&k).filter(|v| !v.trim().is_empty()).cloned())
    }

    /// The Pendo region hosts: the official ones, or `PENDO_TRIAGE_PENDO_HOSTS`
    /// (`us=https://…,eu=https://…`), which tests and proxies use.
    fn pendo_hosts(&self) -> Result<Vec<(String, String)>, EnvError> {
        let mut hosts: Vec<(String, String)> = PENDO_REGIONS
            .iter()
            .map(|(r, u)| (r.to_string(), u.to_string()))
            .collect();
        if let Some(list) = self.var("PENDO_TRIAGE_PENDO_HOSTS") {
            for pair in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (region, url) = pair
                    .split_once('=')
                    .ok_or_else(|| EnvError::HostsEntry(pair.to_string()))?;
                let url = validate_url("PENDO_TRIAGE_PENDO_HOSTS", url.trim())?;
                let slot = hosts
                    .iter_mut()
                    .find(|(r, _)| r.eq_ignore_ascii_case(region.trim()))
                    .ok_or_else(|| EnvError::HostsRegion(region.to_string()))?;
                slot.1 = url.trim_end_matches('/').to_string();
            }
        }
        Ok(hosts)
    }

    /// The unprefixed credentials for live checks: the inputs and their fallbacks.
    pub fn credentials(&self) -> Result<Credentials, EnvError> {
        self.credentials_from(None)
    }

    /// Every environment's credentials: the unprefixed set, and for each environment the
    /// set its prefixed variables give (`STAGING_PENDO_INTEGRATION_KEY`, …), when any is
    /// set. Whose the unprefixed set is comes from the config
    /// ([`ByEnvironment::with_owner`]).
    pub fn credentials_by_environment(&self) -> Result<ByEnvironment, EnvError> {
        let unprefixed = self.credentials_from(None)?;
        let mut prefixed = Vec::new();
        for env in [
            Environment::Production,
            Environment::Staging,
            Environment::Development,
        ] {
            let set = self.credentials_from(Some(&prefix(env)))?;
            if !set.is_empty() {
                prefixed.push((env, set));
            }
        }
        Ok(ByEnvironment::new(unprefixed, prefixed))
    }

    /// One set of credentials, unprefixed or from `prefix`'s variables. A prefixed set's
    /// Pendo region and base URL default to the unprefixed ones.
    fn credentials_from(&self, prefix: Option<&str>) -> Result<Credentials, EnvError> {
        // A bad value is named as the user wrote it: the input, or the prefixed variable.
        let named = |input: &str, e: EnvError| match prefix {
            None => e,
            Some(p) => {
                let name = format!("{p}_{}", declared(input).fallbacks[0]);
                let problem = match e {
                    EnvError::Region(r) => r.to_string(),
                    _ => "must be an http(s) URL such as https://abcd.supabase.co".into(),
                };
                EnvError::Variable { name, problem }
            }
        };
        let set = Prefixed { env: self, prefix };
        let region = set
            .input("pendo-region")
            .or_else(|| self.input("pendo-region"))
            .unwrap_or_else(|| DEFAULT_REGION.into())
            .to_ascii_lowercase();
        Credentials::pendo_region_url(&region)
            .map_err(|e| named("pendo-region", EnvError::Region(e)))?;
        let hosts = self.pendo_hosts()?;
        let base_url = set
            .input("pendo-base-url")
            .or_else(|| self.input("pendo-base-url"));
        let (base, others) = match base_url {
            // An explicit host is the only one the key goes to.
            Some(url) => (
                validate_url("pendo-base-url", &url).map_err(|e| named("pendo-base-url", e))?,
                Vec::new(),
            ),
            None => {
                let base = hosts
                    .iter()
                    .find(|(r, _)| *r == region)
                    .map(|(_, u)| u.clone())
                    .unwrap_or_default();
                let others = hosts.into_iter().filter(|(r, _)| *r != region).collect();
                (base, others)
            }
        };
        let supabase_url = set
            .input("supabase-url")
            .map(|u| validate_url("supabase-url", &u).map_err(|e| named("supabase-url", e)))
            .transpose()?;
        let (pendo_key, pendo_key_notes) = match set.input_raw("pendo-integration-key") {
            Some(raw) => Credentials::clean_pendo_key(&raw),
            None => (None, Vec::new()),
        };
        Ok(Credentials {
            pendo_key,
            pendo_key_notes,
            pendo_region: region,
            pendo_base_url: base.trim_end_matches('/').to_string(),
            pendo_other_hosts: others,
            supabase_url: supabase_url.map(|u| u.trim_end_matches('/').to_string()),
            supabase_key: set.input("supabase-key").and_then(SecretString::new),
            supabase_db_url: set.input("supabase-db-url").and_then(SecretString::new),
            supabase_access_token: set
                .input("supabase-access-token")
                .and_then(SecretString::new),
        })
    }

    /// The clock: `PENDO_TRIAGE_NOW` (RFC 3339) when set, else the system clock.
    pub fn now(&self) -> Result<i64, EnvError> {
        match self.var("PENDO_TRIAGE_NOW") {
            None => Ok(crate::clock::system_now()),
            Some(v) => crate::clock::read_rfc3339(&v).map_err(|why| EnvError::Now(v, why)),
        }
    }

    /// The log level asked for (read by [`crate::logging::init`]): `PENDO_TRIAGE_LOG` when
    /// set, else `debug` when the job is re-run with debug logging (`RUNNER_DEBUG=1`).
    pub fn log_filter(&self) -> Option<String> {
        self.var("PENDO_TRIAGE_LOG")
            .or_else(|| (self.var("RUNNER_DEBUG").as_deref() == Some("1")).then(|| "debug".into()))
    }

    /// The config file path: the input, `PENDO_TRIAGE_CONFIG`, or the default.
    pub fn config_path(&self) -> (String, bool) {
        match self.input("config") {
            Some(p) => (p, true),
            None => (DEFAULT_CONFIG_PATH.to_string(), false),
        }
    }
}

/// What `run` needs from the Actions environment, as plain values.
#[derive(Debug, Clone, Default)]
pub struct ActionEnv {
    /// `GITHUB_EVENT_NAME` (`issues`, `issue_comment`, `workflow_dispatch`, `schedule`).
    pub event_name: String,
    /// `GITHUB_EVENT_PATH`: the JSON payload of the event.
    pub event_path: Option<std::path::PathBuf>,
    /// `GITHUB_REPOSITORY`, `owner/name`.
    pub repository: String,
    /// `GITHUB_API_URL` (GHES: `https://host/api/v3`).
    pub api_url: String,
    /// `GITHUB_SERVER_URL` and `GITHUB_RUN_ID`, for the run link.
    pub run_url: Option<String>,
    /// `GITHUB_WORKSPACE`: where a checkout would be.
    pub workspace: Option<std::path::PathBuf>,
    pub output_file: Option<std::path::PathBuf>,
    pub summary_file: Option<std::path::PathBuf>,
    /// The `github-token` input or `GITHUB_TOKEN`.
    pub token: Option<SecretString>,
    pub dry_run: bool,
    /// The `issue-number` input (workflow_dispatch).
    pub issue_number: Option<String>,
    /// Pause between the writes of a sweep (`PENDO_TRIAGE_WRITE_PAUSE_MS`, default 1000).
    pub write_pause_ms: u64,
    /// First retry backoff (`PENDO_TRIAGE_RETRY_BASE_MS`, default 1000).
    pub retry_base_ms: u64,
    /// Longest wait the bot accepts from GitHub (`PENDO_TRIAGE_MAX_WAIT_SECONDS`, default 60).
    pub max_wait_seconds: u64,
    /// Logins the bot writes as: `github-actions[bot]` plus the `bot-login` input
    /// (comma-separated; fallback `PENDO_TRIAGE_BOT_LOGIN`), for a GitHub App's token.
    pub bot_logins: Vec<String>,
    /// The `watch` input: on schedule and dispatch, also watch the production sync.
    pub watch: bool,
    /// The clock of this run (Unix seconds): the system clock, or `PENDO_TRIAGE_NOW`
    /// (RFC 3339) to replay a run at a given moment.
    pub now: i64,
}

impl Env {
    /// The Actions settings, with errors that name the variable and the fix.
    pub fn action(&self) -> Result<ActionEnv, EnvError> {
        let number = |name: &str, default: u64| -> Result<u64, EnvError> {
            match self.var(name) {
                None => Ok(default),
                Some(v) => v.parse().map_err(|_| EnvError::NotANumber {
                    name: name.to_string(),
                    value: v,
                }),
            }
        };
        let repository = self
            .var("GITHUB_REPOSITORY")
            .ok_or(EnvError::NoRepository)?;
        if repository.split('/').filter(|p| !p.is_empty()).count() != 2 {
            return Err(EnvError::Repository(repository));
        }
        let api_url = self
            .var("GITHUB_API_URL")
            .unwrap_or_else(|| "https://api.github.com".into());
        let api_url = validate_url("GITHUB_API_URL", &api_url)?;
        let run_url = match (self.var("GITHUB_SERVER_URL"), self.var("GITHUB_RUN_ID")) {
            (Some(server), Some(id)) => Some(format!(
                "{}/{repository}/actions/runs/{id}",
                server.trim_end_matches('/')
            )),
            _ => None,
        };
        let mut bot_logins = vec!["github-actions[bot]".to_string()];
        if let Some(extra) = self.input("bot-login") {
            bot_logins.extend(
                extra
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string),
            );
        }
        Ok(ActionEnv {
            event_name: self.var("GITHUB_EVENT_NAME").unwrap_or_default(),
            event_path: self.var("GITHUB_EVENT_PATH").map(Into::into),
            repository,
            api_url: api_url.trim_end_matches('/').to_string(),
            run_url,
            workspace: self.var("GITHUB_WORKSPACE").map(Into::into),
            output_file: self.var("GITHUB_OUTPUT").map(Into::into),
            summary_file: self.var("GITHUB_STEP_SUMMARY").map(Into::into),
            token: self.input("github-token").and_then(SecretString::new),
            dry_run: self.flag("dry-run")?,
            issue_number: self.input("issue-number"),
            write_pause_ms: number("PENDO_TRIAGE_WRITE_PAUSE_MS", 1000)?,
            retry_base_ms: number("PENDO_TRIAGE_RETRY_BASE_MS", 1000)?,
            max_wait_seconds: number("PENDO_TRIAGE_MAX_WAIT_SECONDS", 60)?,
            bot_logins,
            watch: self.flag("watch")?,
            now: self.now()?,
        })
    }
}

/// One set of credential inputs: unprefixed, the inputs then their fallbacks; with a
/// prefix, only the fallbacks' names with it (`STAGING_SUPABASE_URL`).
struct Prefixed<'a> {
    env: &'a Env,
    prefix: Option<&'a str>,
}

impl Prefixed<'_> {
    fn names(&self, input: &str) -> Vec<String> {
        let p = self.prefix.unwrap_or_default();
        declared(input)
            .fallbacks
            .iter()
            .map(|f| format!("{p}_{f}"))
            .collect()
    }

    fn input(&self, input: &str) -> Option<String> {
        match self.prefix {
            None => self.env.input(input),
            Some(_) => self.names(input).iter().find_map(|n| self.env.var(n)),
        }
    }

    /// The value exactly as given (not trimmed), for the Pendo key's notes.
    fn input_raw(&self, input: &str) -> Option<String> {
        match self.prefix {
            None => self.env.input_raw(input),
            Some(_) => self
                .names(input)
                .iter()
                .find_map(|n| self.env.0.get(n).filter(|v| !v.trim().is_empty()).cloned()),
        }
    }
}

/// Where the config lives unless told otherwise.
pub const DEFAULT_CONFIG_PATH: &str = ".github/pendo-triage.yml";

/// The Pendo region unless told otherwise.
pub const DEFAULT_REGION: &str = "us";

/// One input `action.yml` declares, as the code reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Input {
    /// The name in `action.yml` (`github-token`).
    pub name: &'static str,
    /// Environment variables read, in order, when the workflow does not set the input.
    pub fallbacks: &'static [&'static str],
    /// What applies when neither is set (applied in code, see below), for the docs.
    pub default: Option<&'static str>,
}

/// Every input the code reads, and nothing else: a test holds it equal to `action.yml`.
///
/// The runner passes every declared input with its `default:` filled in, so a default in
/// `action.yml` is indistinguishable from a value the user set and would make the
/// fallbacks dead. Inputs with a fallback therefore have no `default:` there; the code
/// applies the default. `github-token` keeps `${{ github.token }}`: the runner does not
/// put `GITHUB_TOKEN` into a container's environment, so without that default a workflow
/// that passes no token would have none; `GITHUB_TOKEN` is read where no input arrives at
/// all (the image run by hand).
pub const INPUTS: &[Input] = &[
    Input {
        name: "github-token",
        fallbacks: &["GITHUB_TOKEN"],
        default: Some("${{ github.token }}"),
    },
    Input {
        name: "bot-login",
        fallbacks: &["PENDO_TRIAGE_BOT_LOGIN"],
        default: None,
    },
    Input {
        name: "pendo-integration-key",
        fallbacks: &["PENDO_INTEGRATION_KEY", "PENDO_API_KEY"],
        default: None,
    },
    Input {
        name: "pendo-region",
        fallbacks: &["PENDO_REGION"],
        default: Some(DEFAULT_REGION),
    },
    Input {
        name: "pendo-base-url",
        fallbacks: &["PENDO_BASE_URL"],
        default: None,
    },
    Input {
        name: "supabase-url",
        fallbacks: &["SUPABASE_URL"],
        default: None,
    },
    Input {
        name: "supabase-key",
        fallbacks: &["SUPABASE_SERVICE_ROLE_KEY"],
        default: None,
    },
    Input {
        name: "supabase-db-url",
        fallbacks: &["SUPABASE_DB_URL"],
        default: None,
    },
    Input {
        name: "supabase-access-token",
        fallbacks: &["SUPABASE_ACCESS_TOKEN"],
        default: None,
    },
    Input {
        name: "config",
        fallbacks: &["PENDO_TRIAGE_CONFIG"],
        default: Some(DEFAULT_CONFIG_PATH),
    },
    Input {
        name: "issue-number",
        fallbacks: &[],
        default: None,
    },
    Input {
        name: "dry-run",
        fallbacks: &["PENDO_TRIAGE_DRY_RUN"],
        default: Some("false"),
    },
    Input {
        name: "watch",
        fallbacks: &["PENDO_TRIAGE_WATCH"],
        default: Some("false"),
    },
];

/// The declared input `name`. Reading an input `action.yml` does not declare is a bug
/// the tests catch here, on the first read.
fn declared(name: &str) -> &'static Input {
    INPUTS
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("input `{name}` is not in action::INPUTS (nor action.yml)"))
}

/// The variables an input arrives as: the runner's `INPUT_<NAME>` (upper-cased, spaces
/// to `_`, hyphens kept), then the underscore form some local tools use.
pub fn input_names(name: &str) -> [String; 2] {
    let upper = name.to_ascii_uppercase().replace(' ', "_");
    [
        format!("INPUT_{upper}"),
        format!("INPUT_{}", upper.replace('-', "_")),
    ]
}

fn validate_url(input: &str, url: &str) -> Result<String, EnvError> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > 8
        && !url.contains(char::is_whitespace);
    if ok && url.starts_with("http://") && input == "GITHUB_API_URL" {
        // The token would travel in the clear.
        let loopback = reqwest::Url::parse(url)
            .map(|u| crate::live::http::is_loopback(&u))
            .unwrap_or(false);
        if !loopback {
            return Err(EnvError::PlainHttp {
                input: input.to_string(),
            });
        }
    }
    if ok {
        Ok(url.to_string())
    } else {
        Err(EnvError::NotAUrl {
            input: input.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_win_over_fallbacks_in_both_spellings() {
        let env = Env::from_pairs([
            ("INPUT_PENDO-INTEGRATION-KEY", "a"),
            ("PENDO_INTEGRATION_KEY", "b"),
        ]);
        assert_eq!(env.input("pendo-integration-key").as_deref(), Some("a"));
        let env = Env::from_pairs([("INPUT_PENDO_INTEGRATION_KEY", "c")]);
        assert_eq!(env.input("pendo-integration-key").as_deref(), Some("c"));
        let env = Env::from_pairs([("INPUT_PENDO-INTEGRATION-KEY", " "), ("PENDO_API_KEY", "d")]);
        assert_eq!(env.input("pendo-integration-key").as_deref(), Some("d"));
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
    fn each_environment_reads_its_prefixed_variables() {
        let env = Env::from_pairs([
            ("PENDO_INTEGRATION_KEY", "fake-prod-key"),
            ("SUPABASE_URL", "https://prod.supabase.co"),
            ("STAGING_PENDO_INTEGRATION_KEY", " fake-staging-key\n"),
            ("STAGING_SUPABASE_URL", "https://staging.supabase.co/"),
            (
                "STAGING_SUPABASE_SERVICE_ROLE_KEY",
                "sb_secret_FAKE_staging",
            ),
            (
                "STAGING_SUPABASE_DB_URL",
                "postgresql://u:fake-pw@127.0.0.1:1/db",
            ),
            ("STAGING_SUPABASE_ACCESS_TOKEN", "sbp_FAKE_staging"),
            ("DEVELOPMENT_PENDO_BASE_URL", "http://127.0.0.1:9"),
        ]);
        let sets = env.credentials_by_environment().unwrap();
        let staging = sets.of(Environment::Staging);
        assert_eq!(staging.pendo_key.unwrap().expose(), "fake-staging-key");
        assert_eq!(
            staging.pendo_key_notes,
            vec!["the secret has whitespace or a line break around it"]
        );
        assert_eq!(
            staging.supabase_url.as_deref(),
            Some("https://staging.supabase.co")
        );
        assert_eq!(
            staging.supabase_key.unwrap().expose(),
            "sb_secret_FAKE_staging"
        );
        assert!(staging.supabase_db_url.is_some() && staging.supabase_access_token.is_some());
        // Pendo's host is shared unless the environment names its own.
        assert_eq!(staging.pendo_base_url, "https://app.pendo.io");
        let prod = sets.of(Environment::Production);
        assert_eq!(prod.pendo_key.unwrap().expose(), "fake-prod-key");
        assert!(prod.supabase_key.is_none(), "never Staging's");
        // A base URL alone is no credential: Development has none.
        assert!(sets.of(Environment::Development).is_empty());
        assert_eq!(
            sets.configured(),
            vec![Environment::Production, Environment::Staging]
        );
        // A bad prefixed value is named as written.
        let e = Env::from_pairs([("STAGING_SUPABASE_URL", "staging.supabase.co")])
            .credentials_by_environment()
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("STAGING_SUPABASE_URL: must be an http(s) URL"),
            "{e}"
        );
        let e = Env::from_pairs([("DEVELOPMENT_PENDO_REGION", "mars")])
            .credentials_by_environment()
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("DEVELOPMENT_PENDO_REGION: unknown Pendo region"),
            "{e}"
        );
    }

    #[test]
    fn action_env_reads_the_actions_variables() {
        let env = Env::from_pairs([
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_API_URL", "http://127.0.0.1:1/"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_RUN_ID", "42"),
            ("INPUT_GITHUB-TOKEN", "tok"),
            ("INPUT_DRY-RUN", "true"),
            ("INPUT_BOT-LOGIN", "my-bot, other"),
        ]);
        let a = env.action().unwrap();
        assert_eq!(a.api_url, "http://127.0.0.1:1");
        assert_eq!(
            a.run_url.as_deref(),
            Some("https://github.com/o/r/actions/runs/42")
        );
        assert_eq!(a.token.unwrap().expose(), "tok");
        assert!(a.dry_run);
        assert_eq!(a.bot_logins, vec!["github-actions[bot]", "my-bot", "other"]);
        assert!(
            Env::from_pairs([("GITHUB_REPOSITORY", "o")])
                .action()
                .unwrap_err()
                .to_string()
                .contains("owner/name")
        );
        let e = Env::from_pairs([
            ("GITHUB_REPOSITORY", "o/r"),
            ("PENDO_TRIAGE_WRITE_PAUSE_MS", "x"),
        ])
        .action()
        .unwrap_err()
        .to_string();
        assert!(e.contains("PENDO_TRIAGE_WRITE_PAUSE_MS"), "{e}");
        // The token never goes over plain http:// but to a loopback address.
        let e = Env::from_pairs([
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_API_URL", "http://ghes.example.com/api/v3"),
        ])
        .action()
        .unwrap_err()
        .to_string();
        assert!(e.contains("never travels unencrypted"), "{e}");
    }

    #[test]
    fn pendo_hosts_come_from_the_region_or_the_override() {
        let c = Env::from_pairs([("PENDO_REGION", "EU")])
            .credentials()
            .unwrap();
        assert_eq!(c.pendo_base_url, "https://app.eu.pendo.io");
        assert_eq!(c.pendo_other_hosts.len(), 4);
        assert!(c.pendo_other_hosts.iter().all(|(r, _)| r != "eu"));
        let c = Env::from_pairs([(
            "PENDO_TRIAGE_PENDO_HOSTS",
            "us=http://127.0.0.1:1, eu=http://127.0.0.1:2/",
        )])
        .credentials()
        .unwrap();
        assert_eq!(c.pendo_base_url, "http://127.0.0.1:1");
        assert!(
            c.pendo_other_hosts
                .contains(&("eu".into(), "http://127.0.0.1:2".into()))
        );
        // An explicit base URL is the only host.
        let c = Env::from_pairs([("PENDO_BASE_URL", "http://127.0.0.1:9")])
            .credentials()
            .unwrap();
        assert!(c.pendo_other_hosts.is_empty());
        let e = Env::from_pairs([("PENDO_TRIAGE_PENDO_HOSTS", "mars=http://127.0.0.1:1")])
            .credentials()
            .unwrap_err()
            .to_string();
        assert!(e.contains("mars"), "{e}");
    }

    #[test]
    fn the_log_level_is_read_here() {
        let env = Env::from_pairs([("PENDO_TRIAGE_LOG", " debug ")]);
        assert_eq!(env.log_filter().as_deref(), Some("debug"));
        assert_eq!(Env::from_pairs([("X", "1")]).log_filter(), None);
        // A job re-run with debug logging logs at debug level; PENDO_TRIAGE_LOG still wins.
        let debug = Env::from_pairs([("RUNNER_DEBUG", "1")]);
        assert_eq!(debug.log_filter().as_deref(), Some("debug"));
        let both = Env::from_pairs([("RUNNER_DEBUG", "1"), ("PENDO_TRIAGE_LOG", "warn")]);
        assert_eq!(both.log_filter().as_deref(), Some("warn"));
        assert_eq!(Env::from_pairs([("RUNNER_DEBUG", "0")]).log_filter(), None);
    }

    #[test]
    fn defaults_apply_in_code_when_neither_input_nor_fallback_is_set() {
        let none = Env::from_pairs([("GITHUB_REPOSITORY", "o/r")]);
        assert_eq!(none.config_path(), (DEFAULT_CONFIG_PATH.to_string(), false));
        assert_eq!(none.credentials().unwrap().pendo_region, DEFAULT_REGION);
        let a = none.action().unwrap();
        assert!(!a.dry_run && !a.watch);
        assert_eq!(a.bot_logins, vec!["github-actions[bot]"]);
        // Each fallback applies when the input is not set.
        let env = Env::from_pairs([
            ("GITHUB_REPOSITORY", "o/r"),
            ("PENDO_TRIAGE_CONFIG", "ops/triage.yml"),
            ("PENDO_TRIAGE_DRY_RUN", "true"),
            ("PENDO_TRIAGE_WATCH", "yes"),
            ("PENDO_TRIAGE_BOT_LOGIN", "my-app[bot]"),
        ]);
        assert_eq!(env.config_path(), ("ops/triage.yml".to_string(), true));
        let a = env.action().unwrap();
        assert!(a.dry_run && a.watch);
        assert_eq!(a.bot_logins, vec!["github-actions[bot]", "my-app[bot]"]);
    }

    #[test]
    #[should_panic(expected = "not in action::INPUTS")]
    fn reading_an_undeclared_input_is_a_bug() {
        let _ = Env::default().input("pendo-kee");
    }

    #[test]
    fn bad_values_are_named() {
        let e = Env::from_pairs([("PENDO_REGION", "mars")])
            .credentials()
            .unwrap_err()
            .to_string();
        assert!(e.contains("pendo-region"), "{e}");
        let e = Env::from_pairs([("SUPABASE_URL", "abcd.supabase.co")])
            .credentials()
            .unwrap_err()
            .to_string();
        assert!(e.contains("supabase-url"), "{e}");
        let e = Env::from_pairs([("INPUT_DRY-RUN", "maybe")])
            .flag("dry-run")
            .unwrap_err()
            .to_string();
        assert!(e.contains("dry-run"), "{e}");
    }

    /// Issue 24: an impossible `PENDO_TRIAGE_NOW` is refused naming the value and the part
    /// that does not exist; a real leap day is read.
    #[test]
    fn the_injected_clock_is_read_strictly() {
        let now = |v: &str| Env::from_pairs([("PENDO_TRIAGE_NOW", v)]).now();
        for (bad, why) in [
            ("2026-02-31T00:00:00Z", "no such day in that month"),
            ("2027-02-29T00:00:00Z", "no such day in that month"),
            ("2026-13-01T00:00:00Z", "no such month"),
            ("tomorrow", "not in the form 2026-11-28T06:00:00Z"),
        ] {
            let e = now(bad).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("PENDO_TRIAGE_NOW is \"{bad}\", not a time: {why}")),
                "{e}"
            );
        }
        assert_eq!(now("2028-02-29T00:00:00Z").unwrap(), 1_835_395_200);
        assert_eq!(now("2028-02-29T02:00:00+02:00").unwrap(), 1_835_395_200);
    }
}
