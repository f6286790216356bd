//! User stories about how the action is set up and run: a bad config, the config read
//! through the API, dry-run, a non-member's issue, duplicate reports left by a race,
//! and a sweep through pagination with one summary table.

use crate::action_harness;
use crate::support;

use action_harness::Harness;
use serde_json::json;
use support::IssueSpec;

#[test]
fn a_bad_config_exits_non_zero_naming_the_key() {
    let h = Harness::new("bad-config");
    std::fs::create_dir_all(h.dir.join("workspace/.github")).unwrap();
    std::fs::write(
        h.dir.join("workspace/.github/pendo-triage.yml"),
        "live:\n  reuse_minuts: 5\n",
    )
    .unwrap();
    let n = h.file("[API] x", "- **Environment**: Production\n");
    h.gh.clear_requests();
    let run = h.opened(n);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("reuse_minuts"), "{}", run.stderr);
    assert!(
        run.stdout.contains("::error title=pendo-triage::"),
        "{}",
        run.stdout
    );
    assert!(h.write_lines().is_empty());
}

#[test]
fn the_config_comes_through_the_api_without_a_checkout() {
    let h = Harness::new("api-config");
    std::fs::remove_dir_all(h.dir.join("workspace/.git")).unwrap();
    h.gh.put_file(
        ".github/pendo-triage.yml",
        "labels:\n  P0: \"sev/critical\"\n",
    );
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.opened(n).ok();
    assert!(
        h.gh.issue(n).labels.contains(&"sev/critical".to_string()),
        "{:?}",
        h.gh.issue(n).labels
    );
    // A broken one in the repository is an error too.
    h.gh.put_file(
        ".github/pendo-triage.yml",
        "severity:\n  production_critical: P7\n",
    );
    let run = h.opened(n);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("production_critical"), "{}", run.stderr);
}

#[test]
fn dry_run_writes_nothing_and_says_what_it_would_do() {
    let mut h = Harness::new("dry-run");
    h.input("dry-run", "true");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.gh.clear_requests();
    let run = h.opened(n);
    run.ok();
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert!(run.stderr.contains("dry run: #"), "{}", run.stderr);
    assert!(
        run.stderr.contains("would have created the report"),
        "{}",
        run.stderr
    );
    assert!(run.outputs.contains("P0"));
}

#[test]
fn a_non_members_issue_gets_the_offline_triage_and_the_note() {
    let mut h = Harness::new("non-member");
    // The keys are there, but a stranger cannot spend them: no Pendo request at all.
    let pendo = support::fake_pendo::FakePendo::builder().start();
    h.set("PENDO_INTEGRATION_KEY", support::fake_pendo::FAKE_PENDO_KEY);
    h.set("PENDO_BASE_URL", pendo.url());
    let n = h.gh.add_issue(
        IssueSpec::new(
            "[API] please help",
            &support::example("staging-rate-limited.md"),
        )
        .labels(action_harness::TEMPLATE_LABELS)
        .author("stranger", "NONE"),
    );
    let run = h.opened(n);
    run.ok();
    assert!(
        run.stderr.contains("live checks not allowed"),
        "{}",
        run.stderr
    );
    let report = &h.reports(n)[0];
    // Real code spans, not escaped backticks.
    assert!(
        report.contains("A member can add the `recheck` label or comment `/recheck`"),
        "{report}"
    );
    assert!(!report.contains("\\`"), "{report}");
    assert!(pendo.requests().is_empty(), "{:?}", pendo.requests());
    // Its environment has no credentials of its own: that is said, whatever the event.
    assert!(
        report.contains("no credentials for Staging: set STAGING\\_PENDO\\_INTEGRATION\\_KEY"),
        "{report}"
    );
}

#[test]
fn duplicate_reports_from_a_race_are_cleaned_up_keeping_the_oldest() {
    let h = Harness::new("race");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.opened(n).ok();
    let first = h.gh.comments(n)[0].clone();
    h.gh.add_comment(
        n,
        "github-actions[bot]",
        "NONE",
        "<!-- pendo-triage:report -->\nold copy",
    );
    h.gh.add_comment(n, "bob", "NONE", "A person's comment stays.");
    h.run("issues", &h.issues_event("edited", n, "alice")).ok();
    let comments = h.gh.comments(n);
    assert_eq!(comments.len(), 2, "{comments:?}");
    assert_eq!(comments[0].id, first.id);
    assert_eq!(comments[1].body, "A person's comment stays.");
}

#[test]
fn a_sweep_triages_every_open_api_issue_through_pagination() {
    let mut h = Harness::new("sweep");
    // Live checks with a key: they run once per distinct context and share Pendo's answers.
    let pendo = support::fake_pendo::FakePendo::builder().start();
    h.set("PENDO_INTEGRATION_KEY", support::fake_pendo::FAKE_PENDO_KEY);
    h.set("PENDO_BASE_URL", pendo.url());
    let bodies = [
        "prod-auth-401.md",
        "staging-rate-limited.md",
        "dev-missing-table.md",
    ];
    let mut api = Vec::new();
    for i in 0..130 {
        let body = support::example(bodies[i % 3]);
        api.push(h.file(&format!("[API] sweep {i}"), &body));
    }
    let other = h.gh.add_issue(IssueSpec::new("Docs typo", "nothing"));
    let pr =
        h.gh.add_issue(IssueSpec::new("[API] a pull request", "x").pull_request());
    let labelled = h.gh.add_issue(
        IssueSpec::new("Sync broken", "- **Environment**: Staging\n").labels(&["pendo-api"]),
    );
    let run = h.run(
        "workflow_dispatch",
        &json!({"inputs": {"issue-number": ""}, "sender": {"login": "maintainer"}}),
    );
    run.ok();
    for n in api.iter().chain([&labelled]) {
        assert_eq!(h.reports(*n).len(), 1, "#{n}");
    }
    assert!(h.reports(other).is_empty());
    assert!(h.reports(pr).is_empty());
    assert!(
        run.stderr.contains("sweeping 131 open [API] issue(s)"),
        "{}",
        run.stderr
    );
    assert!(
        run.summary.contains("| Issue | Title | Severity |"),
        "{}",
        run.summary
    );
    assert_eq!(run.summary.matches("\n| #").count(), 131);
    // One context ran live checks, the Production one: the Staging and Development
    // issues got none, since the credentials are Production's.
    assert!(
        run.stderr.contains("live checks ran 1 time(s)"),
        "{}",
        run.stderr
    );
    let staging = h.reports(api[1])[0].clone();
    assert!(
        staging.contains(r"no credentials for Staging: set STAGING\_PENDO\_INTEGRATION\_KEY"),
        "{staging}"
    );
    // 131 issues, one set of Pendo requests: auth, latency, aggregation, and the
    // Production issues' data type's list (with and without expand=*): 7, not 131 × 6.
    let requests = pendo.requests();
    assert_eq!(requests.len(), 7, "{requests:?}");
    assert_eq!(
        requests
            .iter()
            .filter(|r| r.path == "/api/v1/metadata/schema/account")
            .count(),
        4,
        "one auth probe and three latency probes for the whole sweep"
    );
    // A scheduled sweep right after changes nothing.
    h.gh.clear_requests();
    h.run("schedule", &json!({"schedule": "0 6 * * *"})).ok();
    assert!(
        h.write_lines().is_empty(),
        "{:?}",
        &h.write_lines()[..3.min(h.write_lines().len())]
    );
}
