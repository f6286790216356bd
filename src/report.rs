//! Findings + verdict → the report: the markdown comment people read, and JSON.
//!
//! All user-facing text of a triage is built here, by pure functions. The comment starts
//! with the hidden marker [`MARKER`], by which the bot finds it again; it may end with a
//! hidden state block (see [`render_markdown`]'s `state`). Issue text only enters through
//! [`crate::markdown`], so it cannot ping people or break the tables, and the comment
//! never exceeds [`MAX_CHARS`].

use crate::checks::{Finding, Status};
use crate::config::Severity;
use crate::markdown::inline;
use crate::secrets;
use crate::triage::Triage;
use serde::Serialize;

/// The hidden marker that identifies the bot's report comment.
pub const MARKER: &str = "<!-- pendo-triage:report -->";
/// GitHub's limit for a comment body, in characters.
pub const MAX_CHARS: usize = 65_536;

/// What the report says around the findings.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The label that asks for a recheck.
    pub recheck_label: String,
    /// Why live checks did not run for this event, when that is the reason (e.g. the
    /// author is not a member); shown under the headline. Markdown written by the bot,
    /// shown as is: whoever builds it escapes the outside text in it.
    pub live_note: Option<String>,
    /// A link to the workflow run, shown in the footer.
    pub run_url: Option<String>,
}

/// The headline icon of a severity.
fn severity_icon(s: Severity) -> &'static str {
    match s {
        Severity::P0 => "🔴",
        Severity::P1 => "🟠",
        Severity::P2 => "🟢",
    }
}

/// Renders the comment. `state` is an already-encoded hidden block appended at the end
/// (it must be an HTML comment); the visible part is cut to fit beside it.
pub fn render_markdown(t: &Triage, ctx: &Context, state: Option<&str>) -> String {
    let state = state.unwrap_or("");
    let budget = MAX_CHARS.saturating_sub(state.chars().count() + 2);
    // Evidence lines per check, shrinking until the comment fits.
    for evidence_lines in [6usize, 3, 1, 0] {
        let body = render_visible(t, ctx, evidence_lines, 200);
        if body.chars().count() <= budget {
            return join(body, state);
        }
    }
    let body = render_visible(t, ctx, 0, 60);
    let mut cut: String = body.chars().take(budget.saturating_sub(80)).collect();
    cut.push_str("\n\n_(report cut to fit GitHub's comment limit; see the run log)_\n");
    join(cut, state)
}

/// Trusted markdown kept on one line (it sits inside a block quote).
fn one_line(markdown: &str) -> String {
    markdown.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn join(body: String, state: &str) -> String {
    if state.is_empty() {
        body
    } else {
        format!("{body}\n{state}\n")
    }
}

fn render_visible(t: &Triage, ctx: &Context, evidence_lines: usize, cell_chars: usize) -> String {
    let v = &t.verdict;
    let mut out = String::with_capacity(4096);
    out.push_str(MARKER);
    out.push('\n');
    out.push_str(&format!(
        "### {} {} — {}\n\n",
        severity_icon(v.severity),
        v.severity,
        inline(&v.diagnosis, 300)
    ));
    if !v.verified {
        out.push_str("> [!NOTE]\n> **Not verified live.** No live check reached Pendo or Supabase, so the severity comes from what the issue itself reports.\n");
        if let Some(note) = &ctx.live_note {
            out.push_str(&format!("> {}\n", one_line(note)));
        }
        out.push('\n');
    } else if let Some(note) = &ctx.live_note {
        out.push_str(&format!("> {}\n\n", one_line(note)));
    }
    let facts = [
        ("Environment", v.environment.map(|e| e.as_str().to_string())),
        (
            "Data type",
            t.issue.data_type.map(|d| d.as_str().to_string()),
        ),
        ("Method", t.issue.method.map(|m| m.as_str().to_string())),
        ("Endpoint", t.issue.endpoint.clone()),
    ];
    let facts: Vec<String> = facts
        .iter()
        .map(|(k, val)| match val {
            Some(val) => format!("**{k}:** {}", inline(val, 120)),
            None => format!("**{k}:** _not given_"),
        })
        .collect();
    out.push_str(&facts.join(" · "));
    out.push_str("\n\n");

    out.push_str("| Check | Status | Result | Evidence | Time |\n|---|---|---|---|---|\n");
    for f in t.findings.iter().filter(|f| f.status != Status::Skip) {
        out.push_str(&check_row(f, evidence_lines, cell_chars));
    }
    // Skipped checks share few reasons: one row per reason keeps the table short.
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for f in t.findings.iter().filter(|f| f.status == Status::Skip) {
        match reasons.iter_mut().find(|(r, _)| *r == f.summary) {
            Some((_, ids)) => ids.push(f.id.as_str()),
            None => reasons.push((&f.summary, vec![f.id.as_str()])),
        }
    }
    for (reason, ids) in reasons {
        let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
        out.push_str(&format!(
            "| {} | {} skip | {} | — | — |\n",
            ids.join(" "),
            Status::Skip.icon(),
            inline(&secrets::redact(reason), cell_chars)
        ));
    }
    out.push('\n');

    let compared = compared_values(t);
    if !compared.is_empty() {
        // Reported values were true when the issue said them; measured ones are true now.
        out.push_str(&format!(
            "#### Reported vs measured\n\n| | {} | Measured now |\n|---|---|---|\n",
            t.clock.reported.column_heading()
        ));
        for (name, reported, measured) in compared {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                inline(&name, 60),
                reported.map_or("—".into(), |r| inline(&r, cell_chars)),
                measured.map_or("—".into(), |m| inline(&m, cell_chars)),
            ));
        }
        out.push('\n');
    }

    let steps = next_steps(t);
    if !steps.is_empty() {
        out.push_str("#### Next steps\n\n");
        for (i, s) in steps.iter().enumerate() {
            out.push_str(&format!("{}. {}\n", i + 1, inline(s, 400)));
        }
        out.push('\n');
    }
    if !v.ticks.is_empty() {
        out.push_str(&format!(
            "Ticked {} checklist item{} the bot verified itself: {}.\n\n",
            v.ticks.len(),
            if v.ticks.len() == 1 { "" } else { "s" },
            v.ticks
                .iter()
                .map(|x| format!("“{}”", inline(x, 80)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    out.push_str(&format!(
        "<sub>Run the checks again: comment `/recheck` or add the `{}` label (repository members). This comment is updated in place.",
        inline(&ctx.recheck_label, 50)
    ));
    if let Some(url) = &ctx.run_url
        && (url.starts_with("https://") || url.starts_with("http://"))
    {
        out.push_str(&format!(
            " · [run log]({})",
            url.replace(['(', ')', ' '], "")
        ));
    }
    out.push_str("</sub>\n");
    out
}

fn check_row(f: &Finding, evidence_lines: usize, cell_chars: usize) -> String {
    let evidence: Vec<String> = f
        .evidence
        .iter()
        .take(evidence_lines)
        .map(|e| inline(&secrets::redact(e), cell_chars))
        .collect();
    let mut evidence = evidence.join("<br>");
    if f.evidence.len() > evidence_lines && evidence_lines > 0 {
        evidence.push_str(&format!(
            "<br>_+{} more_",
            f.evidence.len() - evidence_lines
        ));
    }
    let time = f
        .duration_ms
        .map_or("—".to_string(), |ms| format!("{ms} ms"));
    format!(
        "| `{}` | {} {} | {} | {} | {} |\n",
        f.id,
        f.status.icon(),
        f.status,
        inline(&secrets::redact(&f.summary), cell_chars),
        if evidence.is_empty() {
            "—".into()
        } else {
            evidence
        },
        time
    )
}

/// Rows of (name, reported, measured), reported values first.
fn compared_values(t: &Triage) -> Vec<(String, Option<String>, Option<String>)> {
    let mut rows: Vec<(String, Option<String>, Option<String>)> = t
        .reported
        .iter()
        .map(|r| {
            let shown = if r.meaning.is_empty() {
                r.value.clone()
            } else {
                format!("{} ({})", r.value, r.meaning)
            };
            (r.name.clone(), Some(secrets::redact(&shown)), None)
        })
        .collect();
    for f in &t.findings {
        for (name, value) in &f.measured {
            match rows.iter_mut().find(|r| r.0.eq_ignore_ascii_case(name)) {
                Some(row) => row.2 = Some(value.clone()),
                None => rows.push((name.clone(), None, Some(value.clone()))),
            }
        }
    }
    rows
}

/// Next steps: the failing checks' own, then the general ones, without repeats.
fn next_steps(t: &Triage) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    let mut ordered: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| matches!(f.status, Status::Fail | Status::Warn | Status::Error))
        .collect();
    ordered.sort_by_key(|f| std::cmp::Reverse(f.impact));
    for f in ordered {
        for s in &f.next_steps {
            if !steps.contains(s) {
                steps.push(s.clone());
            }
        }
    }
    if !t.verdict.verified {
        for r in t
            .reported
            .iter()
            .filter(|r| r.impact != crate::checks::Impact::None)
        {
            if !r.fix.is_empty() && !steps.contains(&r.fix) {
                steps.push(r.fix.clone());
            }
        }
        steps.push("Let the checks run live: add the repository secrets PENDO_INTEGRATION_KEY, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and SUPABASE_DB_URL and pass them to the action.".into());
    }
    steps
}

/// The JSON report (`check --format json`, and the action's `report-json` output).
#[derive(Debug, Clone, Serialize)]
pub struct JsonReport<'a> {
    pub severity: Severity,
    pub verified: bool,
    pub diagnosis: String,
    pub environment: Option<&'static str>,
    pub data_type: Option<&'static str>,
    pub method: Option<&'static str>,
    pub endpoint: Option<String>,
    pub checks: Vec<JsonCheck<'a>>,
    pub labels: Vec<&'a str>,
    pub areas: &'a [&'static str],
    pub ticks: &'a [String],
    pub missing_fields: &'a [&'static str],
    pub reported: Vec<JsonReported>,
    pub next_steps: Vec<String>,
}

/// One check in the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct JsonCheck<'a> {
    pub id: &'a str,
    pub status: Status,
    pub summary: String,
    pub impact: crate::checks::Impact,
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// One reported value in the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct JsonReported {
    pub name: String,
    pub value: String,
    pub impact: crate::checks::Impact,
    pub meaning: String,
}

/// Builds the JSON report (every string redacted).
pub fn json(t: &Triage) -> JsonReport<'_> {
    let v = &t.verdict;
    JsonReport {
        severity: v.severity,
        verified: v.verified,
        diagnosis: secrets::redact(&v.diagnosis),
        environment: v.environment.map(|e| e.as_str()),
        data_type: t.issue.data_type.map(|d| d.as_str()),
        method: t.issue.method.map(|m| m.as_str()),
        endpoint: t.issue.endpoint.as_deref().map(secrets::redact),
        checks: t
            .findings
            .iter()
            .map(|f| JsonCheck {
                id: f.id.as_str(),
                status: f.status,
                summary: secrets::redact(&f.summary),
                impact: f.impact,
                evidence: f.evidence.iter().map(|e| secrets::redact(e)).collect(),
                duration_ms: f.duration_ms,
            })
            .collect(),
        labels: v.labels.iter().map(String::as_str).collect(),
        areas: &v.areas,
        ticks: &v.ticks,
        missing_fields: &v.missing_fields,
        reported: t
            .reported
            .iter()
            .map(|r| JsonReported {
                name: r.name.clone(),
                value: secrets::redact(&r.value),
                impact: r.impact,
                meaning: r.meaning.clone(),
            })
            .collect(),
        next_steps: next_steps(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckId;
    use crate::clock::Clock;
    use crate::config::Config;
    use crate::credentials::Credentials;
    use crate::triage::triage;

    fn ctx() -> Context {
        Context {
            recheck_label: "recheck".into(),
            ..Default::default()
        }
    }

    #[test]
    fn report_has_marker_headline_table_and_recheck() {
        let body =
            "## Environment Information\n- **Environment**: Production\n- **Success Rate**: 10%\n";
        let t = triage(
            "",
            body,
            &Config::default(),
            &Credentials::default(),
            &[],
            &Clock::at(0),
        );
        let md = render_markdown(&t, &ctx(), None);
        assert!(md.starts_with(MARKER));
        assert!(
            md.contains("### 🟠 P1 — Below the 95% threshold (reported Success Rate: 10%)"),
            "{md}"
        );
        assert!(md.contains("Not verified live"));
        assert!(md.contains("| `pendo.auth` `pendo.endpoint` `pendo.latency` `pendo.rate-limit` `pendo.aggregation` | ⏭️ skip | no Pendo key"), "{md}");
        assert!(md.contains("`/recheck`"));
        assert!(
            md.contains("| Success Rate | 10% (below the 95% threshold) | — |"),
            "{md}"
        );
    }

    #[test]
    fn issue_text_cannot_ping_or_break_tables() {
        let body = "## Environment Information\n- **Environment**: Production\n- **Latency**: 9s @octocat | <img src=x> \n";
        let t = triage(
            "",
            body,
            &Config::default(),
            &Credentials::default(),
            &[],
            &Clock::at(0),
        );
        let md = render_markdown(&t, &ctx(), None);
        assert!(!md.contains("@octocat"), "{md}");
        assert!(!md.contains("<img"), "{md}");
        for line in md.lines().filter(|l| l.starts_with("| Latency")) {
            let cells = line.replace("\\|", "").matches('|').count();
            assert_eq!(cells, 4, "{line}");
        }
    }

    #[test]
    fn huge_reports_fit_the_limit() {
        let mut f = Finding::new(CheckId::PendoEndpoint, Status::Fail, "x".repeat(5000));
        for i in 0..5000 {
            f.evidence
                .push(format!("evidence line {i} {}", "y".repeat(100)));
            f.next_steps.push(format!("step {i} {}", "z".repeat(100)));
        }
        let t = triage(
            "",
            "- **Environment**: Production",
            &Config::default(),
            &Credentials::default(),
            &[f],
            &Clock::at(0),
        );
        let state = format!("<!-- pendo-triage:state {} -->", "s".repeat(1000));
        let md = render_markdown(&t, &ctx(), Some(&state));
        assert!(md.chars().count() <= MAX_CHARS, "{}", md.chars().count());
        assert!(md.starts_with(MARKER));
        assert!(md.trim_end().ends_with("-->"));
    }

    #[test]
    fn measured_values_stand_beside_reported_ones() {
        let body = "- **Environment**: Production\n- **Latency**: 8.2s\n";
        let live = Finding::new(CheckId::PendoLatency, Status::Warn, "slow")
            .with_measured("Latency", "3.1 s (p50 of 5 calls)")
            .with_measured("Rows in Pendo", "1,204");
        let t = triage(
            "",
            body,
            &Config::default(),
            &Credentials::default(),
            &[live],
            &Clock::at(0),
        );
        let md = render_markdown(&t, &ctx(), None);
        assert!(
            md.contains("| Latency | 8.2s (over the 2 s requirement) | 3.1 s (p50 of 5 calls) |"),
            "{md}"
        );
        assert!(md.contains("| Rows in Pendo | — | 1,204 |"), "{md}");
    }

    #[test]
    fn json_has_the_product_keys_and_no_secrets() {
        let body = "- **Environment**: Production\n- **Endpoint**: `GET /api/v1/guide`\n- **Data Type**: Guides\n";
        let t = triage(
            "",
            body,
            &Config::default(),
            &Credentials::default(),
            &[],
            &Clock::at(0),
        );
        let value = serde_json::to_value(json(&t)).unwrap();
        for key in [
            "severity",
            "environment",
            "data_type",
            "checks",
            "labels",
            "ticks",
        ] {
            assert!(value.get(key).is_some(), "{key}");
        }
        assert_eq!(value["environment"], "Production");
        assert_eq!(value["data_type"], "Guides");
        assert_eq!(value["checks"].as_array().unwrap().len(), 15);
        assert_eq!(value["checks"][0]["id"], "issue.fields");
        assert_eq!(value["checks"][0]["status"], "pass");
    }
}
