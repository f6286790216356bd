//! One triage, from a [`Reading`] of the issue to findings and a verdict, with no I/O.
//!
//! Everything shown later (fields, evidence, quotes) comes from the reading's redacted
//! text; only `issue.secrets` looks at the original. The findings come in from the
//! caller, one per registry row, as the triage's plan ([`CheckPlan`]) made them, and so
//! does what the bot
//! remembers of its earlier runs ([`Memory`]), so the verdict is decided once, from
//! everything, and never patched afterwards.

use crate::check_plan::CheckPlan;
use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::Credentials;
use crate::evidence::{self, Reported};
use crate::finding::{CheckId, Finding, Status};
use crate::issue::Issue;
use crate::reading::Reading;
use crate::verdict::{self, Verdict};

/// Everything one triage found.
#[derive(Debug, Clone)]
pub struct Triage {
    /// The issue, parsed from the redacted body.
    pub issue: Issue,
    /// One finding per check, in catalogue order.
    pub findings: Vec<Finding>,
    pub reported: Vec<Reported>,
    pub verdict: Verdict,
    /// The body with secrets masked (equal to the input when there were none).
    pub redacted_body: String,
    /// The title with secrets masked.
    pub redacted_title: String,
    /// The moments this triage reasoned with.
    pub clock: Clock,
}

/// What the bot remembers of its earlier runs on an issue (its state block).
#[derive(Debug, Clone, Copy, Default)]
pub struct Memory<'a> {
    /// The checklist items it ticked, as [`crate::issue::normalize_key`] keys.
    pub ticked: &'a [String],
    /// The `issue.secrets` finding from before it masked the secrets: the body no longer
    /// shows them, but they stay in its edit history, so the finding stands.
    pub secrets: Option<&'a Finding>,
}

/// Triage of a title and body with the given live findings (empty: every live check is
/// `skip` because of `creds`), remembering nothing: the verdict's ticks are the items the
/// bot would tick now. Reported values are judged as of `clock.reported`.
pub fn triage(
    title: &str,
    body: &str,
    config: &Config,
    creds: &Credentials,
    live: &[Finding],
    clock: &Clock,
) -> Triage {
    let reading = Reading::new(title, body);
    let findings = CheckPlan::given(creds, live).findings(&reading, live);
    triage_reading(&reading, config, findings, clock, None)
}

/// Triage of a reading from its findings (one per registry row, in report order: see
/// [`CheckPlan::findings`]). With `memory`, a remembered failing `issue.secrets` stands while
/// the body passes, a finding of secrets found now is shown as it will be remembered
/// (cut short, see [`crate::state::compact_finding`]), and the ticks follow
/// [`verdict::decide`]'s rule for what the bot ticked before.
pub fn triage_reading(
    reading: &Reading,
    config: &Config,
    mut findings: Vec<Finding>,
    clock: &Clock,
    memory: Option<&Memory>,
) -> Triage {
    let issue = &reading.issue;
    let secrets = findings.iter().position(|f| f.id == CheckId::IssueSecrets);
    let remembered = memory.and_then(|m| m.secrets);
    let mut kept = false;
    if let (Some(i), Some(old)) = (secrets, remembered)
        && findings[i].status == Status::Pass
    {
        findings[i] = old.clone();
        kept = true;
    }
    let reported = evidence::reported(
        issue,
        &config.thresholds,
        &config.sync_log.table,
        &clock.reported,
    );
    let ticked = memory.map(|m| m.ticked);
    let verdict = verdict::decide(issue, &findings, &reported, config, ticked);
    if let Some(i) = secrets.filter(|_| memory.is_some() && !kept)
        && findings[i].status != Status::Pass
    {
        crate::state::compact_finding(&mut findings[i]);
    }
    Triage {
        issue: issue.clone(),
        findings,
        reported,
        verdict,
        redacted_body: reading.redacted_body.clone(),
        redacted_title: reading.redacted_title.clone(),
        clock: *clock,
    }
}

impl Triage {
    /// The `issue.secrets` finding to remember in the state block: a failing or warning
    /// one, or the one remembered before (`remembered`).
    pub fn secrets_to_remember(&self, remembered: Option<&Finding>) -> Option<Finding> {
        match self.findings.iter().find(|f| f.id == CheckId::IssueSecrets) {
            Some(f) if f.status != Status::Pass || remembered.is_some() => Some(f.clone()),
            Some(_) => None,
            None => remembered.cloned(),
        }
    }
}
