//! Who the bot is on GitHub: the logins its report comments (and watch issues) are
//! written as. Only what that identity wrote is the bot's own; anyone can paste the
//! report's marker.
//!
//! Under the job's `GITHUB_TOKEN` the bot is `github-actions[bot]`. Under a GitHub App's
//! installation token it is `<app-slug>[bot]`, which the token cannot learn (`GET /user`
//! answers 403 "Resource not accessible by integration", and `GET /app` needs the App's
//! private key), so the `bot-login` input names it. Under a personal access token it is
//! the token's user, which `GET /user` answers. The bot asks at most once per run, and
//! only when it meets something marked as its own by a user it does not know yet: a
//! quiet run under `GITHUB_TOKEN` makes no extra request. What GitHub answers to the
//! bot's own comment creation is learned too, for the rest of the run.

use crate::github::{Github, GithubError, User};
use std::sync::Mutex;

/// The bot's logins: named (`github-actions[bot]` and `bot-login`) and learned this run.
#[derive(Debug, Default)]
pub struct Identity {
    named: Vec<String>,
    learned: Mutex<Learned>,
}

#[derive(Debug, Default)]
struct Learned {
    logins: Vec<String>,
    /// `GET /user` was asked (whatever it answered).
    asked: bool,
}

impl Identity {
    pub fn new(named: Vec<String>) -> Self {
        Self {
            named,
            learned: Mutex::default(),
        }
    }

    fn learned(&self) -> std::sync::MutexGuard<'_, Learned> {
        self.learned.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// True when `user` is the bot as far as this run knows. A `…[bot]` login also has to
    /// be of type `Bot` (no person's login has brackets, but a payload is data).
    pub fn is(&self, user: Option<&User>) -> bool {
        let Some(user) = user else {
            return false;
        };
        let known = |l: &String| l.eq_ignore_ascii_case(&user.login);
        (self.named.iter().any(known) || self.learned().logins.iter().any(known))
            && (!user.login.ends_with("[bot]") || user.kind == "Bot")
    }

    /// Like [`Identity::is`], but for a person's account (`User`) the bot does not know
    /// yet it asks GitHub who the token is, once per run: a personal access token's
    /// user is the bot. An installation token is refused, and then nobody new is.
    pub async fn meet(&self, gh: &Github, user: Option<&User>) -> Result<bool, GithubError> {
        if self.is(user) {
            return Ok(true);
        }
        let Some(user) = user.filter(|u| u.kind == "User") else {
            return Ok(false);
        };
        if self.learned().asked {
            return Ok(false);
        }
        let me = gh.authenticated_user().await?;
        let mut learned = self.learned();
        learned.asked = true;
        match me {
            Some(me) => {
                tracing::info!("the token is {}'s: their comments are the bot's", me.login);
                let same = me.login.eq_ignore_ascii_case(&user.login);
                learned.logins.push(me.login);
                Ok(same)
            }
            None => {
                tracing::debug!("GET /user refused: an installation token");
                Ok(false)
            }
        }
    }

    /// Learns the author GitHub gave a comment the bot itself just created. Returns the
    /// login when it was new and is an App's bot, which the next run will not know unless
    /// `bot-login` names it.
    pub fn learn(&self, author: Option<&User>) -> Option<String> {
        let user = author?;
        if self.is(Some(user)) {
            return None;
        }
        self.learned().logins.push(user.login.clone());
        (user.kind == "Bot").then(|| user.login.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(login: &str, kind: &str) -> User {
        User {
            login: login.into(),
            kind: kind.into(),
        }
    }

    #[test]
    fn only_the_named_or_learned_logins_are_the_bot() {
        let id = Identity::new(vec!["github-actions[bot]".into(), "my-app[bot]".into()]);
        assert!(id.is(Some(&user("github-actions[bot]", "Bot"))));
        assert!(id.is(Some(&user("My-App[bot]", "Bot"))));
        // A `[bot]` login must be a Bot account; a stranger is nobody.
        assert!(!id.is(Some(&user("github-actions[bot]", "User"))));
        assert!(!id.is(Some(&user("mallory", "User"))));
        assert!(!id.is(None));
        // What GitHub says the bot's own comment was written as is learned; an App's
        // bot login is reported so the user can name it.
        assert_eq!(id.learn(Some(&user("pat-user", "User"))), None);
        assert!(id.is(Some(&user("pat-user", "User"))));
        assert_eq!(
            id.learn(Some(&user("other-app[bot]", "Bot"))).as_deref(),
            Some("other-app[bot]")
        );
        assert_eq!(id.learn(Some(&user("my-app[bot]", "Bot"))), None);
    }
}
