//! User stories: a member files each example issue; the action runs on `issues.opened`.
//! It ends with one report comment, the expected severity label, `needs-triage` gone, and
//! a body that differs only in ticked brackets and masked secrets; a second run changes
//! nothing and writes nothing.

use crate::action_harness;
use crate::support;

use action_harness::{Harness, assert_only_ticks};
use pendo_triage::secrets;
use serde_json::Value;

fn examples() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    names.sort();
    names
}

#[test]
fn every_example_ends_in_the_expected_state_and_a_repeat_writes_nothing() {
    let expected: Value = serde_json::from_str(&support::example("expected.json")).unwrap();
    let h = Harness::new("examples");
    for name in examples() {
        let body = support::example(&name);
        let want = &expected[&name];
        let n = h.file_at(
            &format!("[API] {name}"),
            &body,
            want["filed_at"].as_str().unwrap(),
        );
        h.gh.clear_requests();
        let run = h.opened(n);
        run.ok();

        // One report, with the marker and the hidden state.
        let reports = h.reports(n);
        assert_eq!(reports.len(), 1, "{name}: {reports:?}");
        assert!(
            reports[0].starts_with("<!-- pendo-triage:report -->"),
            "{name}"
        );
        assert!(reports[0].contains("<!-- pendo-triage:state "), "{name}");

        // Labels: the expected severity, exactly one severity, needs-triage gone,
        // people's labels kept.
        let issue = h.gh.issue(n);
        let severity = format!("severity:{}", want["severity"].as_str().unwrap());
        assert!(
            issue.labels.contains(&severity),
            "{name}: {:?}",
            issue.labels
        );
        assert_eq!(
            issue
                .labels
                .iter()
                .filter(|l| l.starts_with("severity:"))
                .count(),
            1,
            "{name}"
        );
        assert!(
            !issue.labels.contains(&"needs-triage".to_string()),
            "{name}"
        );
        assert!(issue.labels.contains(&"api".to_string()), "{name}");
        assert_eq!(
            issue.labels.contains(&"needs-info".to_string()),
            want["needs_info"].as_bool().unwrap(),
            "{name}"
        );
        if name == "prod-leaked-secrets.md" {
            assert!(issue.labels.contains(&"security".to_string()), "{name}");
        }

        // The body: only ticks and redactions.
        assert_only_ticks(&secrets::redact(&body), &issue.body);
        if name == "prod-leaked-secrets.md" {
            assert_ne!(issue.body, body, "the leaked secrets must be masked");
            assert!(
                secrets::find(&issue.body)
                    .iter()
                    .all(|s| !s.kind.is_sensitive()),
                "{name}"
            );
        }

        // Nothing else was written: only this issue's comment, body/labels and labels.
        for w in h.gh.writes() {
            let ok = w.path.ends_with(&format!("/issues/{n}"))
                || w.path.ends_with(&format!("/issues/{n}/comments"))
                || w.path.ends_with("/labels");
            assert!(ok, "{name}: unexpected write {}", w.line());
        }
        // At most 4 calls, label listing and creation aside.
        let calls =
            h.gh.requests()
                .iter()
                .filter(|r| !r.path.ends_with("/labels"))
                .count();
        assert!(
            calls <= 4,
            "{name}: {calls} calls: {:?}",
            h.gh.requests().iter().map(|r| r.line()).collect::<Vec<_>>()
        );

        // Outputs.
        let sev = want["severity"].as_str().unwrap();
        assert!(
            run.outputs.contains(&format!("\n{sev}\n")),
            "{name}: {}",
            run.outputs
        );
        assert!(run.outputs.contains("report-json<<"), "{name}");
        assert!(
            run.summary.contains("<!-- pendo-triage:report -->"),
            "{name}"
        );

        // A repeat run: no write at all.
        h.gh.clear_requests();
        h.opened(n).ok();
        assert!(
            h.write_lines().is_empty(),
            "{name}: repeat wrote {:?}",
            h.write_lines()
        );
        assert_eq!(h.reports(n).len(), 1);
    }
    // Labels the bot created have a colour and a description.
    for l in h.gh.repo_labels() {
        if l.name.starts_with("severity:") || l.name == "needs-info" || l.name == "security" {
            assert_ne!(l.color, "ededed", "{}", l.name);
            assert!(l.description.is_some(), "{}", l.name);
        }
    }
}

#[test]
fn an_unchanged_issue_reads_the_same_days_later_and_a_persons_edit_moves_the_reference() {
    let mut h = Harness::new("later");
    // Filed 8 h after its last good sync: P1 (the aggregation pitfall is a degradation).
    let body = support::example("prod-aggregation-get.md");
    let n = h.file_at("[API] aggregation", &body, "2026-11-28T10:00:00Z");
    h.set_clock("2026-11-28T10:01:00Z");
    h.opened(n).ok();
    let severity = |h: &Harness| {
        let labels = h.gh.issue(n).labels;
        labels
            .into_iter()
            .filter(|l| l.starts_with("severity:"))
            .collect::<Vec<_>>()
    };
    assert_eq!(severity(&h), vec!["severity:P1"]);
    let report = h.reports(n).remove(0);
    assert!(
        report.contains("Reported when filed (2026-11-28 10:00 UTC)"),
        "{report}"
    );

    // A scheduled sweep three days later: the same text, the same verdict, no write.
    h.set_clock("2026-12-01T10:01:00Z");
    h.gh.clear_requests();
    h.run("schedule", &serde_json::json!({})).ok();
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert_eq!(severity(&h), vec!["severity:P1"]);
    assert_eq!(h.reports(n), vec![report.clone()]);

    // A person edits the body now: what it reports is as of this edit, and the sync it
    // names is days old by then: P0.
    h.env.retain(|(k, _)| k != "PENDO_TRIAGE_NOW");
    let edited = body.replace("Problem Description", "Problem description (still broken)");
    assert_ne!(edited, body);
    h.gh.edit_issue_body(n, &edited);
    let mut e = h.issues_event("edited", n, "alice");
    e["changes"] = serde_json::json!({"body": {"from": body}});
    let run = h.run("issues", &e);
    run.ok();
    assert_eq!(severity(&h), vec!["severity:P0"], "{}", run.stderr);
    let report = h.reports(n).remove(0);
    assert!(report.contains("Reported at the last edit ("), "{report}");
    assert!(
        report.contains("before the issue was last edited"),
        "{report}"
    );
}

#[test]
fn the_log_cannot_run_workflow_commands_and_secrets_are_masked_first() {
    let mut h = Harness::new("log");
    h.set("PENDO_INTEGRATION_KEY", "fake-pendo-key-123");
    let n = h.file(
        "[API] tricky",
        "- **Environment**: Production\n::set-output name=severity::P9\n",
    );
    let run = h.opened(n);
    run.ok();
    let first = run.stdout.lines().next().unwrap_or_default();
    assert!(first.starts_with("::add-mask::"), "{}", run.stdout);
    assert!(run.stdout.contains("::add-mask::fake-pendo-key-123"));
    let stop = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::stop-commands::"))
        .expect("stop-commands");
    let token = stop.trim_start_matches("::stop-commands::");
    assert!(token.len() >= 16);
    let start = run.stdout.find(stop).unwrap();
    let end = run
        .stdout
        .find(&format!("::{token}::"))
        .expect("commands resumed");
    assert!(start < end);
    assert!(!run.stderr.contains("fake-pendo-key-123"));
}
