//! Issues filed through the issue form (`.github/ISSUE_TEMPLATE/pendo-api.yml`) read as the
//! markdown template does: the same parse, the same triage, the same ticks that change
//! only the bracket bytes, secrets found and masked in form fields, CRLF and people's
//! edits. And a property: a form body and the markdown body saying the same thing get the
//! same verdict.

use crate::action_harness;
use crate::support;

use action_harness::{Harness, assert_only_ticks, ticks};
use pendo_triage::clock::{Basis, Clock, ReportedAt};
use pendo_triage::config::Config;
use pendo_triage::credentials::Credentials;
use pendo_triage::finding::Status;
use pendo_triage::issue::{
    Environment, FORM, Form, Issue, TEMPLATE, body_of, normalize_key, parse,
};
use pendo_triage::triage::triage;
use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestRunner};
use serde_json::json;
use std::sync::LazyLock;

/// Which textarea of the form holds a code block of this language.
fn block_label(lang: &str) -> Option<&'static str> {
    match lang {
        "javascript" | "js" => Some("Error Information (request made)"),
        "json" => Some("Error Information (response received)"),
        "bash" | "sh" => Some("Manual API Test"),
        "typescript" | "ts" => Some("Edge Function Analysis"),
        _ => None,
    }
}

/// The form submission GitHub would file for what a markdown-template issue says: each
/// given field in its input, each reported code block in its textarea, the same ticks.
fn form_of(markdown: &str) -> String {
    static TEMPLATE_ISSUE: LazyLock<Issue> = LazyLock::new(|| parse(TEMPLATE));
    static THE_FORM: LazyLock<Form> = LazyLock::new(|| Form::read(FORM).unwrap());
    let (issue, template, form) = (parse(markdown), &*TEMPLATE_ISSUE, &*THE_FORM);
    form.submission(
        |label| {
            if let Some(f) = issue
                .field_list
                .iter()
                .find(|f| f.label == label && f.value.is_some())
            {
                return Some(f.raw.clone());
            }
            issue
                .code_blocks
                .iter()
                .filter(|b| !template.code_blocks.iter().any(|t| t.text == b.text))
                .find(|b| block_label(&b.lang) == Some(label))
                .map(|b| b.text.clone())
        },
        |option| {
            issue
                .checklist
                .iter()
                .any(|i| i.checked && normalize_key(&i.text) == normalize_key(option))
        },
    )
}

fn crlf(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\n', "\r\n")
}

// --- parsing ---------------------------------------------------------------------------

#[test]
fn a_form_body_parses_like_its_markdown() {
    for name in [
        "prod-auth-401.md",
        "prod-stale-data-timeout.md",
        "staging-rate-limited.md",
    ] {
        let md = support::example(name);
        let form = form_of(&md);
        let (a, b) = (parse(&md), parse(&form));
        assert!(form.contains("\n### Environment\n\n"), "{name}");
        assert!(b.looks_like_template, "{name}");
        for (k, v) in a.fields.iter().filter(|(_, v)| v.is_some()) {
            assert_eq!(b.fields.get(k), Some(v), "{name}: {k}");
        }
        assert_eq!(
            (a.environment, a.data_type, a.method),
            (b.environment, b.data_type, b.method),
            "{name}"
        );
        assert_eq!(a.endpoint, b.endpoint, "{name}");
        assert_eq!(a.request.is_some(), b.request.is_some(), "{name}");
        assert_eq!(a.response, b.response, "{name}");
        let texts = |i: &Issue| -> Vec<(String, bool)> {
            i.checklist
                .iter()
                .map(|c| (normalize_key(&c.text), c.checked))
                .collect()
        };
        assert_eq!(texts(&a), texts(&b), "{name}");
    }
}

#[test]
fn hidden_fields_in_comments_code_and_quotes_are_not_read() {
    let body = "<!--\n### Environment\n\nProduction\n-->\n\n```md\n### Data Type\n\nGuides\n```\n\n> ### Method\n>\n> GET\n\n### Endpoint\n\n_No response_\n\n### Success Rate\n\n- [ ] a list is not a value\n";
    let issue = parse(body);
    assert_eq!(issue.environment, None);
    assert_eq!(issue.data_type, None);
    assert_eq!(issue.method, None);
    assert_eq!(issue.field("Endpoint"), None);
    assert_eq!(
        issue.fields.get("Endpoint"),
        Some(&None),
        "`_No response_` is not given"
    );
    assert_eq!(issue.field("Success Rate"), None);
    // A heading that is not a template field says nothing either.
    let issue = parse("### Favourite colour\n\nProduction\n");
    assert!(issue.fields.is_empty(), "{:?}", issue.fields);
}

#[test]
fn crlf_and_edited_headings_read_the_same() {
    let md = support::example("prod-auth-401.md");
    let form = form_of(&md);
    let edited = form
        .replace("### Environment\n", "### 🌍 environment\n")
        .replace("### Data Type\n", "### Data type:\n");
    for body in [crlf(&form), edited] {
        let issue = parse(&body);
        assert_eq!(issue.environment, Some(Environment::Production));
        assert_eq!(issue.data_type, parse(&md).data_type);
        for item in &issue.checklist {
            assert_eq!(&body[item.offset..item.offset + 1], "[");
        }
    }
}

#[test]
fn secrets_in_form_fields_are_found_and_masked() {
    let key = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
    let form = Form::read(FORM).unwrap();
    let body = form.submission(
        |label| match label {
            "Authentication" => Some(format!("Integration Key {key}")),
            "Error Logs" => Some(format!("Authorization: Bearer {key}")),
            "Environment" => Some("Production".into()),
            _ => None,
        },
        |_| false,
    );
    let t = triage(
        "[API] x",
        &body,
        &Config::default(),
        &Credentials::default(),
        &[],
        &clock(),
    );
    let secrets = t
        .findings
        .iter()
        .find(|f| f.id.as_str() == "issue.secrets")
        .unwrap();
    assert_eq!(secrets.status, Status::Fail, "{secrets:?}");
    assert!(!t.redacted_body.contains(key));
    assert!(
        t.redacted_body
            .contains("### Authentication\n\nIntegration Key ")
    );
    assert_eq!(t.verdict.severity.to_string(), "P0");
    assert!(
        t.verdict.labels.contains("security"),
        "{:?}",
        t.verdict.labels
    );
}

// --- the action on form-shaped issues ----------------------------------------------------

#[test]
fn a_form_issue_is_triaged_and_ticked_only_in_its_brackets() {
    let h = Harness::new("form-opened");
    let body = crlf(&form_of(&support::example("prod-auth-401.md")));
    let n = h.file("[API] auth", &body);
    h.opened(n).ok();
    let after = h.gh.issue(n).body;
    assert_only_ticks(&body, &after);
    assert!(ticks(&after) > ticks(&body), "the bot ticked nothing");
    assert_eq!(h.reports(n).len(), 1);
    let md = Harness::new("form-opened-md");
    let m = md.file("[API] auth", &support::example("prod-auth-401.md"));
    md.opened(m).ok();
    let labels = |h: &Harness, n| {
        let mut l = h.gh.issue(n).labels;
        l.sort();
        l
    };
    assert_eq!(
        labels(&h, n),
        labels(&md, m),
        "form and markdown get the same labels"
    );
}

#[test]
fn a_persons_tick_and_untick_on_a_form_are_respected() {
    let h = Harness::new("form-untick");
    let body = form_of(&support::example("prod-auth-401.md"));
    // A person's own tick (GitHub writes `[X]`) stays as it is.
    let body = body.replacen(
        "- [ ] Check Pendo subscription level",
        "- [X] Check Pendo subscription level",
        1,
    );
    let n = h.file("[API] auth", &body);
    h.opened(n).ok();
    let ticked = h.gh.issue(n).body;
    assert!(ticked.contains("- [X] Check Pendo subscription level"));
    let (b, t) = (body.as_bytes(), ticked.as_bytes());
    let pos = (0..b.len() - 3)
        .find(|&i| &b[i..i + 3] == b"[ ]" && &t[i..i + 3] == b"[x]")
        .expect("a bot tick");
    let mut unticked = ticked.clone();
    unticked.replace_range(pos..pos + 3, "[ ]");
    // The person also edits a value: the next triage reads it.
    let unticked = unticked.replacen(
        "### Environment\n\nProduction",
        "### Environment\n\nStaging",
        1,
    );
    h.gh.edit_issue_body(n, &unticked);
    let mut e = h.issues_event("edited", n, "alice");
    e["changes"] = json!({"body": {"from": ticked}});
    h.run("issues", &e).ok();
    assert_eq!(
        h.gh.issue(n).body,
        unticked,
        "the bot ticked the item again"
    );
    assert!(
        h.reports(n)[0].contains("**Environment:** Staging"),
        "{}",
        h.reports(n)[0]
    );
}

#[test]
fn check_takes_a_form_body() {
    let body = form_of(&support::example("prod-auth-401.md"));
    let form = support::cli::check_json(&body, "", &[], &[]);
    let md = support::cli::check_json(&support::example("prod-auth-401.md"), "", &[], &[]);
    for key in ["severity", "environment", "data_type", "labels", "ticks"] {
        assert_eq!(form[key], md[key], "{key}");
    }
}

// --- the property ------------------------------------------------------------------------

fn clock() -> Clock {
    Clock::at(1_795_860_000).with_reported(ReportedAt {
        at: 1_795_860_000,
        basis: Basis::Filed,
    })
}

/// Sets `- **label**: value` in a markdown template body.
fn set_field(body: &str, label: &str, value: &str) -> String {
    let needle = format!("- **{label}**: ");
    let mut out = String::new();
    let mut done = false;
    for line in body.split_inclusive('\n') {
        if !done && line.starts_with(&needle) {
            out.push_str(&format!("{needle}{value}\n"));
            done = true;
        } else {
            out.push_str(line);
        }
    }
    out
}

fn opt(values: &'static [&'static str]) -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![Just(None), prop::sample::select(values).prop_map(Some)]
}

/// The fields the property sets, in the order of [`Facts`]' array.
const FIELDS: [&str; 8] = [
    "Environment",
    "Data Type",
    "Method",
    "Endpoint",
    "Success Rate",
    "Stale Data",
    "Latency",
    "Authentication",
];

/// One issue's facts: the [`FIELDS`]' values, a response block, a request block, which
/// items a person ticked, and CRLF line endings.
type Facts = (
    [Option<&'static str>; 8],
    Option<&'static str>,
    Option<&'static str>,
    Vec<bool>,
    bool,
);

fn facts() -> impl Strategy<Value = Facts> {
    (
        (
            opt(&["Development", "Staging", "Production", "prod"]),
            opt(&["Guides", "Features", "Pages", "Reports", "Events"]),
            opt(&["GET", "POST"]),
            opt(&[
                "`GET /api/v1/guide`",
                "/api/v1/aggregation",
                "`POST /api/v1/aggregation`",
            ]),
            opt(&["0%", "40%", "100%"]),
            opt(&["3 days", "2 hours"]),
            opt(&["8.2s", "300ms"]),
            opt(&[
                "Integration Key",
                "Integration Key sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz",
            ]),
        )
            .prop_map(|(a, b, c, d, e, f, g, h)| [a, b, c, d, e, f, g, h]),
        opt(&[
            "{\"status\": 401, \"error\": \"Unauthorized\"}",
            "{\"status\": 429}",
            "{\"code\": \"PGRST205\"}",
        ]),
        opt(&["fetch('https://app.pendo.io/api/v1/aggregation', {method: 'GET'})"]),
        prop::collection::vec(any::<bool>(), 8),
        any::<bool>(),
    )
}

/// The same facts filed through the form or the markdown template get the same severity,
/// diagnosis, labels, ticks and findings.
#[test]
fn a_form_body_and_its_markdown_get_the_same_verdict() {
    // Its own runner and case count: each case triages two whole bodies, and the
    // suite-wide PROPTEST_CASES (3000, for the cheap properties) would make this one take
    // minutes on a loaded two-core CI machine. 256 cases cover the choices many times over.
    let config = ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    TestRunner::new(config).run(&facts(), same_verdict).unwrap();
}

fn same_verdict((fields, response, request, picks, crlf_body): Facts) -> Result<(), TestCaseError> {
    let mut md = body_of(TEMPLATE).to_string();
    for (label, value) in FIELDS.iter().zip(fields) {
        if let Some(v) = value {
            md = set_field(&md, label, v);
        }
    }
    if let Some(r) = response {
        md.push_str(&format!("\n```json\n{r}\n```\n"));
    }
    if let Some(r) = request {
        md.push_str(&format!("\n```javascript\n{r}\n```\n"));
    }
    // Tick a few items as a person would.
    let items: Vec<String> = parse(&md)
        .checklist
        .iter()
        .map(|i| i.text.clone())
        .collect();
    for (k, pick) in picks.iter().enumerate() {
        if *pick {
            let text = &items[k * 7 % items.len()];
            md = md.replacen(&format!("- [ ] {text}"), &format!("- [x] {text}"), 1);
        }
    }
    let mut form = form_of(&md);
    if crlf_body {
        md = crlf(&md);
        form = crlf(&form);
    }
    let run = |body: &str| {
        triage(
            "[API] x",
            body,
            &Config::default(),
            &Credentials::default(),
            &[],
            &clock(),
        )
    };
    let (a, b) = (run(&md), run(&form));
    prop_assert_eq!(a.verdict.severity, b.verdict.severity);
    prop_assert_eq!(&a.verdict.diagnosis, &b.verdict.diagnosis);
    prop_assert_eq!(&a.verdict.labels, &b.verdict.labels);
    prop_assert_eq!(&a.verdict.ticks, &b.verdict.ticks);
    prop_assert_eq!(&a.verdict.missing_fields, &b.verdict.missing_fields);
    let statuses = |t: &pendo_triage::triage::Triage| -> Vec<(String, Status, String)> {
        t.findings
            .iter()
            .map(|f| (f.id.to_string(), f.status, f.summary.clone()))
            .collect()
    };
    prop_assert_eq!(statuses(&a), statuses(&b));
    Ok(())
}
