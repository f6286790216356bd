//! What stays the same for every issue of a run.

use super::identity::Identity;
use crate::config::Config;
use crate::credentials::Credentials;

/// What stays the same for every issue of a run.
pub struct Settings<'a> {
    pub config: &'a Config,
    pub creds: &'a Credentials,
    pub run_url: Option<&'a str>,
    pub dry_run: bool,
    pub now: i64,
    /// Who the bot is: the report is only ever a comment written by it.
    pub bot: &'a Identity,
}
