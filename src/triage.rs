//! One triage, from an issue body to findings and a verdict, with no I/O.
//!
//! The body is redacted first, and everything shown later (fields, evidence, quotes) is
//! read from the redacted text; only `issue.secrets` looks at the original. Live findings
//! come in from the caller (the live runner, or the reused results of an earlier run).

use crate::checks::{CATALOGUE, Finding, offline};
use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::Credentials;
use crate::evidence::{self, Reported};
use crate::issue::{self, Issue};
use crate::secrets;
use crate::verdict::{self, Verdict};

/// The skip reason of a live check whose inputs are set but that did not run for this
/// event (the report's note says why, e.g. the author is not a member).
pub const NOT_RUN: &str = "not run for this event";

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

/// Triage with the given live findings (empty: every live check is `skip` because of
/// `creds`). Reported values are judged as of `clock.reported`.
pub fn triage(
    title: &str,
    body: &str,
    config: &Config,
    creds: &Credentials,
    live: &[Finding],
    clock: &Clock,
) -> Triage {
    let found = secrets::find(body);
    let found_in_title = secrets::find(title);
    let redacted_body = secrets::redact_found(body, &found);
    let redacted_title = secrets::redact_found(title, &found_in_title);
    let issue = issue::parse(&redacted_body);
    let mut findings = vec![
        offline::fields(&issue),
        offline::secrets(title, &found_in_title, body, &found),
        offline::request(&issue),
    ];
    // Every live check has a finding: its own, or `skip` saying why it did not run.
    for c in CATALOGUE.iter().filter(|c| !c.id.is_offline()) {
        let found = live.iter().find(|f| f.id == c.id).cloned();
        findings.push(found.unwrap_or_else(|| {
            let why = if c.needs.met(creds) {
                NOT_RUN
            } else {
                c.needs.missing(creds)
            };
            Finding::skip(c.id, why)
        }));
    }
    let reported = evidence::reported(&issue, &config.thresholds, &clock.reported);
    let verdict = verdict::decide(&issue, &findings, &reported, config);
    Triage {
        issue,
        findings,
        reported,
        verdict,
        redacted_body,
        redacted_title,
        clock: *clock,
    }
}
