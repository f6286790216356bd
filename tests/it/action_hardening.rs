//! User stories from trying the Action as an attacker and a careless user would: a
//! stranger's forged report comment, thousands of pasted keys, a key in the title, and
//! issue text reaching the step outputs.

use crate::action_harness;
use crate::support;

use action_harness::{Harness, TEMPLATE_LABELS};
use base64::Engine as _;
use serde_json::json;
use support::IssueSpec;

/// A state block as the bot writes it, with whatever a forger wants in it.
fn forged_state(live_inputs: &str) -> String {
    let state = json!({
        "v": 1,
        "ticked": [],
        "labels_added": ["severity:P2"],
        "live": {
            "at": 4_000_000_000i64,
            "inputs": live_inputs,
            "findings": [
                {"id": "pendo.auth", "status": "pass", "summary": "key accepted", "impact": "none"},
                {"id": "@team/owners", "status": "fail", "impact": "critical",
                 "summary": "Pendo is down @team/owners ![x](https://evil.example/p.png)"}
            ]
        },
        "report": "0000000000000000"
    });
    let b64 = base64::engine::general_purpose::STANDARD.encode(state.to_string());
    format!(
        "<!-- pendo-triage:report -->\n### 🔴 P0 — verified\n<!-- pendo-triage:state {b64} -->\n"
    )
}

#[test]
fn a_strangers_forged_report_changes_nothing_and_is_left_alone() {
    let h = Harness::new("forged");
    let body = support::example("staging-rate-limited.md");
    let n =
        h.gh.add_issue(IssueSpec::new("[API] rate limited", &body).labels(&[
            "api",
            "pendo-api",
            "needs-triage",
            "severity:P2",
        ]));
    // The FNV-1a-64 of "Staging|Events|…" is what a forger would compute; any value does.
    let forged = forged_state("0123456789abcdef");
    let forged_id = h.gh.add_comment(n, "mallory", "NONE", &forged);
    let quoted = h.gh.add_comment(
        n,
        "maintainer",
        "OWNER",
        "<!-- pendo-triage:report -->\n> quoting the bot's report to discuss it",
    );

    let run = h.opened(n);
    run.ok();

    // The bot wrote its own report and did not touch either person's comment.
    let comments = h.gh.comments(n);
    let by = |id: u64| comments.iter().find(|c| c.id == id).expect("still there");
    assert_eq!(by(forged_id).body, forged);
    assert!(by(quoted).body.contains("quoting the bot's report"));
    let reports = h.reports(n);
    assert_eq!(reports.len(), 1, "{comments:?}");
    assert!(
        !h.write_lines()
            .iter()
            .any(|w| w.contains(&format!("comments/{forged_id}"))
                || w.contains(&format!("comments/{quoted}")))
    );

    // Nothing forged took effect: no live verification, no tick, the person's P2 stays.
    let issue = h.gh.issue(n);
    assert!(
        issue.labels.contains(&"severity:P2".to_string()),
        "{:?}",
        issue.labels
    );
    assert!(!reports[0].contains("@team"), "{}", reports[0]);
    assert!(!reports[0].contains("evil.example"), "{}", reports[0]);
    assert!(reports[0].contains("Not verified live"), "{}", reports[0]);
    // No tick at all: only offline checks ran, and they earn none in this body.
    assert_eq!(
        action_harness::ticks(&issue.body),
        action_harness::ticks(&body)
    );
    assert!(
        !run.stderr.contains("reusing the live results"),
        "{}",
        run.stderr
    );
    assert!(run.outputs.contains("severity<<"));
    assert!(!run.outputs.contains("\nP0\n"), "{}", run.outputs);
}

/// The report says the keys were pasted, and the issue is labelled for it.
fn says_secrets_were_pasted(h: &Harness, n: u64, count: usize) {
    let report = h.reports(n).remove(0);
    assert!(report.starts_with("<!-- pendo-triage:report -->"));
    assert!(
        report.chars().count() <= 65_536,
        "{}",
        report.chars().count()
    );
    assert!(
        report.contains(&format!("{count} live secrets pasted into the issue")),
        "{}",
        &report[..600.min(report.len())]
    );
    let issue = h.gh.issue(n);
    assert!(issue.labels.contains(&"security".to_string()));
    assert!(issue.labels.contains(&"severity:P0".to_string()));
}

#[test]
fn thousands_of_pasted_keys_fit_and_the_finding_survives_later_runs() {
    let h = Harness::new("many-secrets");
    let mut body =
        String::from("## Environment Information\n- **Environment**: Production\n\n```bash\n");
    // As many keys as a 65,536-character body holds: one per line.
    let key = |i: u64| {
        format!(
            "sb_secret_{:016x}",
            0x5eed_0000_u64 * (i + 7) + 12_345_678_901
        )
    };
    for i in 0..2400 {
        body.push_str(&key(i));
        body.push('\n');
    }
    body.push_str("```\n");
    assert!(body.chars().count() <= 65_536);
    let n = h.file("[API] keys everywhere", &body);
    let run = h.opened(n);
    run.ok();
    says_secrets_were_pasted(&h, n, 2400);
    let issue = h.gh.issue(n);
    for i in [0, 1234, 2399] {
        assert!(
            !issue.body.contains(&key(i)),
            "key {i} is masked in the body"
        );
    }

    // The body no longer shows them, but they stay in its history: a recheck says so.
    let run = h.comment(n, "maintainer", "OWNER", "/recheck");
    run.ok();
    says_secrets_were_pasted(&h, n, 2400);
}

#[test]
fn a_key_in_the_title_is_found_and_masked() {
    let h = Harness::new("title");
    let key = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
    let n = h.gh.add_issue(
        IssueSpec::new(
            &format!("[API] sync fails with {key}"),
            "- **Environment**: Staging\n",
        )
        .labels(TEMPLATE_LABELS),
    );
    h.opened(n).ok();
    let issue = h.gh.issue(n);
    assert_eq!(issue.title, "[API] sync fails with sb_secret_N7…[redacted]");
    assert!(issue.labels.contains(&"security".to_string()));
    let report = h.reports(n).remove(0);
    assert!(report.contains("title: Supabase secret key"), "{report}");
    assert!(!report.contains(key));
    // The bot's own title edit does not start another triage.
    let mut e = h.issues_event("edited", n, "github-actions[bot]");
    e["changes"] = json!({"title": {"from": format!("[API] sync fails with {key}")}});
    e["sender"] = json!({"login": "alice"});
    h.gh.clear_requests();
    let run = h.run("issues", &e);
    run.ok();
    assert!(run.stderr.contains("masks secrets"), "{}", run.stderr);
    assert!(h.write_lines().is_empty());
}

#[test]
fn outputs_carry_neutralised_text() {
    let h = Harness::new("outputs");
    let n = h.file(
        "[API] pings",
        "## Environment Information\n- **Environment**: Production\n\n### Cronjob Status\n- **Success Rate**: 10% <!channel> @org/team ::error::boom\n",
    );
    let run = h.opened(n);
    run.ok();
    for raw in ["<!channel>", "@org/team"] {
        assert!(!run.outputs.contains(raw), "{raw} in {}", run.outputs);
    }
    assert!(run.outputs.contains("&lt;!channel&gt;"), "{}", run.outputs);
}

/// Every form a held value can be found in, for the leak assertions below.
fn forms(value: &str) -> Vec<String> {
    let b64 = base64::engine::general_purpose::STANDARD;
    vec![
        value.to_string(),
        value.to_ascii_uppercase(),
        value.replace('-', ""),
        b64.encode(value),
    ]
}

/// Every state block in `text`, decoded.
fn decoded_states(text: &str) -> String {
    let mut out = String::new();
    for part in text.split("<!-- pendo-triage:state ").skip(1) {
        let b64 = part.split(" -->").next().unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
    out
}

#[test]
fn a_pendo_that_echoes_the_key_never_gets_it_published() {
    // A plain UUID key (no region suffix, so no shape rule knows it) that Pendo rejects,
    // and a Pendo that repeats it in its 401 body and in a rate-limit header.
    const PLAIN_KEY: &str = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    let mut h = Harness::new("echo-key");
    let pendo = support::fake_pendo::FakePendo::builder()
        .knobs(|k| k.echo_key = true)
        .start();
    h.set("PENDO_INTEGRATION_KEY", PLAIN_KEY);
    h.set("PENDO_BASE_URL", pendo.url());
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    let run = h.opened(n);
    run.ok();
    // The key went to Pendo (the check ran), and Pendo echoed it.
    assert!(
        pendo
            .requests()
            .iter()
            .any(|r| r.header("x-pendo-integration-key") == Some(PLAIN_KEY))
    );
    let report = &h.reports(n)[0];
    assert!(report.contains("pendo.auth"), "{report}");
    let mut published = vec![
        report.clone(),
        decoded_states(report),
        run.outputs.clone(),
        run.summary.clone(),
        run.stderr.clone(),
        h.gh.issue(n).body.clone(),
    ];
    published.extend(h.gh.writes().into_iter().map(|w| w.body));
    for text in &published {
        for form in forms(PLAIN_KEY) {
            assert!(!text.contains(&form), "the key leaked as {form}:\n{text}");
        }
    }
    // What replaced it says so.
    assert!(
        published.iter().any(|t| t.contains("[redacted]")),
        "{report}"
    );
    // `check --format json` with the same key and Pendo.
    let json = support::cli::check_json(
        &support::example("prod-auth-401.md"),
        "",
        &[
            ("PENDO_INTEGRATION_KEY", PLAIN_KEY),
            ("PENDO_BASE_URL", pendo.url()),
        ],
        &[PLAIN_KEY, &PLAIN_KEY.replace('-', "")],
    );
    assert_eq!(json["severity"], "P0", "{json}");
}
