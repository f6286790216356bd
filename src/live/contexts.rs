//! One live context per environment, so an issue is answered only with its own
//! environment's credentials.
//!
//! Each [`Live`] holds its environment's clients, answers, deadline and memory of checks
//! that hung; nothing is shared across environments. An issue goes to the context of the
//! environment it names (the owner's, `live.credentials_environment`, when it names
//! none). A sweep over issues of two environments thus runs each set once: issues with
//! equal inputs share their context's results, as before.

use super::{Live, LiveInputs};
use crate::config::Config;
use crate::credentials::{ByEnvironment, prefix};
use crate::finding::{Finding, Status};
use crate::issue::Environment;
use std::sync::Arc;
use std::time::Duration;

/// Every environment's live context.
pub struct LiveContexts {
    owner: Environment,
    /// Environments that have credentials of their own (the owner first).
    configured: Vec<Environment>,
    each: Vec<Arc<Live>>,
}

/// What one environment's context sent, for the run's log and its figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub environment: Environment,
    /// Requests to Pendo (every attempt counts).
    pub pendo: u32,
    /// Supabase REST requests.
    pub rest: u32,
    /// Database queries.
    pub queries: u32,
}

impl LiveContexts {
    /// A context for each environment, each from its own credentials.
    pub fn new(
        config: &Config,
        creds: &ByEnvironment,
        now: i64,
    ) -> Result<LiveContexts, super::http::ClientError> {
        let mut each = Vec::new();
        for env in [
            Environment::Production,
            Environment::Staging,
            Environment::Development,
        ] {
            each.push(Live::of_environment(config, env, &creds.of(env), now)?);
        }
        Ok(LiveContexts {
            owner: creds.owner(),
            configured: creds.configured(),
            each,
        })
    }

    /// The context of `env`: its clients, answers and deadline.
    pub fn of(&self, env: Environment) -> &Arc<Live> {
        self.each
            .iter()
            .find(|l| l.environment == env)
            .expect("a context for every environment")
    }

    /// The context that answers `inputs`: their environment's, else the owner's.
    pub fn for_inputs(&self, inputs: &LiveInputs) -> &Arc<Live> {
        self.of(inputs.environment.unwrap_or(self.owner))
    }

    /// The report's line saying whose credentials answered `findings` (of `inputs`),
    /// when that is worth saying: another environment than the owner's answered, or
    /// more than one environment has credentials. `None` when no check got an answer.
    pub fn answered_by(&self, inputs: &LiveInputs, findings: &[Finding]) -> Option<String> {
        let env = self.for_inputs(inputs).environment;
        let answered = findings.iter().any(|f| f.status != Status::Skip);
        let worth = env != self.owner || self.configured.len() > 1;
        (answered && worth).then(|| {
            let which = if env == self.owner {
                "the unprefixed variables".to_string()
            } else {
                format!("the `{}_…` variables", prefix(env))
            };
            format!(
                "Live checks answered with {}'s credentials ({which}).",
                env.as_str()
            )
        })
    }

    /// How many times live check sets ran, and the time spent, over every environment.
    pub fn stats(&self) -> (u32, Duration) {
        self.each.iter().fold((0, Duration::ZERO), |(n, t), l| {
            let (n2, t2) = l.stats();
            (n + n2, t + t2)
        })
    }

    /// Requests sent to Pendo, over every environment.
    pub fn pendo_requests(&self) -> u32 {
        self.each.iter().map(|l| l.pendo_requests()).sum()
    }

    /// What each environment's context sent, for those that sent anything.
    pub fn sent(&self) -> Vec<Sent> {
        self.each
            .iter()
            .map(|l| {
                let (rest, queries) = l.supabase_requests();
                Sent {
                    environment: l.environment,
                    pendo: l.pendo_requests(),
                    rest,
                    queries,
                }
            })
            .filter(|s| s.pendo + s.rest + s.queries > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{Credentials, SecretString};
    use crate::finding::CheckId;

    fn with_key(key: &str) -> Credentials {
        Credentials {
            pendo_key: SecretString::new(key),
            pendo_base_url: "http://127.0.0.1:9".into(),
            pendo_region: "us".into(),
            ..Default::default()
        }
    }

    fn inputs(env: Option<Environment>) -> LiveInputs {
        LiveInputs {
            environment: env,
            ..Default::default()
        }
    }

    #[test]
    fn each_issue_goes_to_its_own_environments_context() {
        let sets = ByEnvironment::new(
            with_key("fake-prod-key"),
            vec![(Environment::Staging, with_key("fake-staging-key"))],
        );
        let c = LiveContexts::new(&Config::default(), &sets, 0).unwrap();
        let staging = c.for_inputs(&inputs(Some(Environment::Staging)));
        assert_eq!(staging.environment, Environment::Staging);
        assert_eq!(
            staging.creds.pendo_key.as_ref().unwrap().expose(),
            "fake-staging-key"
        );
        // Not stated: the owner's.
        assert_eq!(
            c.for_inputs(&inputs(None)).environment,
            Environment::Production
        );
        assert!(c.of(Environment::Development).creds.is_empty());
        // Two environments have credentials: the report says whose answered.
        let answered = [Finding::pass(CheckId::PendoAuth, "ok")];
        assert_eq!(
            c.answered_by(&inputs(Some(Environment::Staging)), &answered)
                .as_deref(),
            Some("Live checks answered with Staging's credentials (the `STAGING_…` variables).")
        );
        assert_eq!(
            c.answered_by(&inputs(None), &answered).as_deref(),
            Some("Live checks answered with Production's credentials (the unprefixed variables).")
        );
        let skipped = [Finding::skip(CheckId::PendoAuth, "no key")];
        assert_eq!(c.answered_by(&inputs(None), &skipped), None);
        // One environment only, the owner's: nothing worth saying.
        let one = LiveContexts::new(
            &Config::default(),
            &ByEnvironment::new(with_key("fake-prod-key"), Vec::new()),
            0,
        )
        .unwrap();
        assert_eq!(one.answered_by(&inputs(None), &answered), None);
    }
}
