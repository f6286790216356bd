//! One reading of an issue: its title and body scanned for secrets once, redacted once,
//! and parsed once.
//!
//! A triage starts here. The [`Reading`] owns everything later steps read from the issue's
//! text: the secrets found (for `issue.secrets`), the redacted title and body (everything
//! shown later is read from them), the [`Issue`] parsed from the redacted body (for the
//! offline checks, the verdict and the report) and the [`LiveInputs`] (for the live
//! checks). Nothing downstream parses the issue again or looks for secrets pasted into it
//! again; what leaves still goes through [`crate::outside`], whose sinks scrub the held
//! credentials once more (a second line of defence, not a second reading).

use crate::issue::{self, Issue};
use crate::live::LiveInputs;
use crate::secrets::{self, Secret};

/// An issue's title and body, read once.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The title as written (secrets included: only `issue.secrets` looks at it).
    pub title: String,
    /// The body as written (secrets included: only `issue.secrets` and the ticking look
    /// at it).
    pub body: String,
    /// The secrets in `title`, in order.
    pub title_secrets: Vec<Secret>,
    /// The secrets in `body`, in order.
    pub body_secrets: Vec<Secret>,
    /// The title with secrets masked (equal to `title` when there were none).
    pub redacted_title: String,
    /// The body with secrets masked (equal to `body` when there were none).
    pub redacted_body: String,
    /// The issue, parsed from the redacted body.
    pub issue: Issue,
    /// What the live checks need from the issue.
    pub live_inputs: LiveInputs,
}

impl Reading {
    /// Reads an issue's title and body.
    pub fn new(title: &str, body: &str) -> Self {
        let title_secrets = secrets::find_pasted(title);
        let body_secrets = secrets::find_pasted(body);
        let redacted_title = secrets::redact_found(title, &title_secrets);
        let redacted_body = secrets::redact_found(body, &body_secrets);
        let issue = issue::parse(&redacted_body);
        let live_inputs = LiveInputs::from_issue(&issue);
        Reading {
            title: title.to_string(),
            body: body.to_string(),
            title_secrets,
            body_secrets,
            redacted_title,
            redacted_body,
            issue,
            live_inputs,
        }
    }
}
