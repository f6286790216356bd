//! The three checks that need no network: `issue.fields`, `issue.secrets` and
//! `issue.request`.

use crate::finding::{CheckId, Finding, Impact, Status};
use crate::issue::Issue;
use crate::secrets;

/// The `issue.fields` summary, and the diagnosis, of an empty body.
pub const EMPTY_BODY: &str = "The issue body is empty";

/// The fields without which nobody can act on the issue.
pub fn missing_fields(issue: &Issue) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if issue.endpoint.is_none() && issue.method.is_none() {
        missing.push("Endpoint");
    }
    if issue.data_type.is_none() {
        missing.push("Data Type");
    }
    if issue.environment.is_none() {
        missing.push("Environment");
    }
    missing
}

/// `issue.fields`: are the required fields given?
pub fn fields(issue: &Issue) -> Finding {
    let missing = missing_fields(issue);
    if issue.empty {
        return Finding::new(CheckId::IssueFields, Status::Warn, EMPTY_BODY).with_next_step(
            "Edit the issue and fill in the [API] issue template: its Pendo API Information, Data Context and Environment Information sections.",
        );
    }
    if !issue.looks_like_template {
        return Finding::new(
            CheckId::IssueFields,
            Status::Warn,
            "The body does not follow the [API] issue template",
        )
        .with_next_step(
            "Edit the issue and fill in the Pendo API Information, Data Context and Environment Information sections of the template.",
        );
    }
    if missing.is_empty() {
        let mut f = Finding::pass(
            CheckId::IssueFields,
            "Endpoint, data type and environment are given",
        );
        if let Some(e) = issue.environment {
            f = f.with_evidence(format!("Environment: {}", e.as_str()));
        }
        if let Some(d) = issue.data_type {
            f = f.with_evidence(format!("Data Type: {}", d.as_str()));
        }
        return f;
    }
    Finding::new(
        CheckId::IssueFields,
        Status::Warn,
        format!("Missing: {}", missing.join(", ")),
    )
    .with_next_step(format!(
        "Fill in {} in the issue (replace the template's placeholder).",
        missing
            .iter()
            .map(|m| format!("**{m}**"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// `issue.secrets`: keys pasted into the issue, as [`secrets::find`] found them in its
/// title and body.
pub fn secrets(
    title: &str,
    in_title: &[secrets::Secret],
    body: &str,
    in_body: &[secrets::Secret],
) -> Finding {
    if in_title.is_empty() && in_body.is_empty() {
        return Finding::pass(CheckId::IssueSecrets, "No secrets in the issue");
    }
    let all = || in_title.iter().chain(in_body);
    let sensitive = all().filter(|s| s.sensitive).count();
    let mut kinds: Vec<&str> = Vec::new();
    for s in all() {
        if !kinds.contains(&s.kind.label()) {
            kinds.push(s.kind.label());
        }
    }
    let mut finding = if sensitive == 0 {
        Finding::new(
            CheckId::IssueSecrets,
            Status::Warn,
            format!(
                "Public keys pasted into the issue ({}); redacted",
                kinds.join(", ")
            ),
        )
        .with_next_step("Public keys are safe in browsers but keep issues free of keys anyway.")
    } else {
        Finding::new(
            CheckId::IssueSecrets,
            Status::Fail,
            format!(
                "{sensitive} live secret{} pasted into the issue ({}); redacted",
                if sensitive == 1 { "" } else { "s" },
                kinds.join(", ")
            ),
        )
        .with_impact(Impact::Critical)
        .with_next_step("Rotate every key listed here now: anyone who saw the issue or its edit history has it.")
        .with_next_step("Issue edit history keeps the old text: ask a repository admin to delete the revision, or treat the key as public.")
    };
    for s in in_title {
        let masked = secrets::masked(title, s);
        finding = finding.with_evidence(format!("title: {} {masked}", s.kind.label()));
    }
    let lines = secrets::line_numbers(body, in_body);
    for (s, line) in in_body.iter().zip(lines) {
        let masked = secrets::masked(body, s);
        finding = finding.with_evidence(format!("line {line}: {} {masked}", s.kind.label()));
    }
    finding
}

/// `issue.request`: known pitfalls in the reported request, response and curl.
pub fn request(issue: &Issue) -> Finding {
    let reported = issue.request.is_some() || issue.response.is_some() || issue.curl.is_some();
    let lints = crate::lint::lint(issue);
    if lints.is_empty() {
        if !reported {
            return Finding::skip(
                CheckId::IssueRequest,
                "The issue shows no request, response or curl to review",
            );
        }
        return Finding::pass(
            CheckId::IssueRequest,
            "No known pitfall in the reported request",
        );
    }
    let worst = lints.iter().map(|l| l.impact).max().unwrap_or_default();
    let status = if worst == Impact::Critical {
        Status::Fail
    } else {
        Status::Warn
    };
    let summary = if lints.len() == 1 {
        lints[0].title.clone()
    } else {
        format!("{} (and {} more)", lints[0].title, lints.len() - 1)
    };
    let mut finding = Finding::new(CheckId::IssueRequest, status, summary).with_impact(worst);
    for (i, l) in lints.iter().enumerate() {
        // The first pitfall's title is the result already; its quote is the evidence.
        let quote = crate::outside::plain(&l.evidence);
        finding = finding
            .with_areas(l.areas)
            .with_evidence(if i == 0 {
                quote
            } else {
                format!("{}: {quote}", l.title)
            })
            .with_next_step(l.fix.clone());
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::parse;

    #[test]
    fn missing_required_fields_are_named() {
        let issue = parse(crate::issue::TEMPLATE);
        let f = fields(&issue);
        assert_eq!(f.status, Status::Warn);
        assert_eq!(f.summary, "Missing: Endpoint, Data Type, Environment");
    }

    #[test]
    fn complete_fields_pass() {
        let issue = parse(
            "## Pendo API Information\n- **Endpoint**: `GET /api/v1/guide`\n## Data Context\n- **Data Type**: Guides\n## Environment Information\n- **Environment**: Production\n",
        );
        let f = fields(&issue);
        assert_eq!(f.status, Status::Pass, "{f:?}");
    }

    #[test]
    fn non_template_body_is_flagged() {
        let f = fields(&parse("it is broken, please help"));
        assert_eq!(f.status, Status::Warn);
        assert!(f.summary.contains("template"));
    }
}
