//! A new repository's first day, started as GitHub's runner starts the action (every
//! input of `action.yml` passed, defaults filled in): no config file at all, the
//! documented environment fallbacks, and a config path the user named that is missing.

use crate::action_harness::Harness;
use crate::support;
use serde_json::json;
use support::fake_pendo::{FAKE_PENDO_KEY, FakePendo};

fn config_reads(h: &Harness) -> Vec<String> {
    h.gh.requests()
        .iter()
        .filter(|r| r.path.contains("/contents/"))
        .map(|r| r.line())
        .collect()
}

#[test]
fn a_new_repository_without_a_config_runs_on_the_defaults() {
    // Checked out, no .github/pendo-triage.yml: the defaults, without asking the API.
    let h = Harness::new("zero-config");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    let run = h.opened(n);
    run.ok();
    assert_eq!(h.reports(n).len(), 1, "{}", run.stderr);
    assert!(h.gh.issue(n).labels.contains(&"severity:P0".to_string()));
    assert!(config_reads(&h).is_empty(), "{:?}", config_reads(&h));

    // No checkout: the API has no file either (404), and the defaults apply again.
    h.without_checkout();
    let m = h.file("[API] auth again", &support::example("prod-auth-401.md"));
    h.gh.clear_requests();
    let run = h.opened(m);
    run.ok();
    assert_eq!(h.reports(m).len(), 1, "{}", run.stderr);
    assert_eq!(
        config_reads(&h),
        vec!["GET /repos/owner/repo/contents/.github/pendo-triage.yml -> 404"]
    );
}

#[test]
fn a_config_path_the_user_set_that_is_missing_is_an_error_naming_it() {
    let mut h = Harness::new("missing-config");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.input("config", "ops/pendo-triage.yml");
    let run = h.opened(n);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("config ops/pendo-triage.yml was not found"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.contains("::error"), "{}", run.stdout);
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());

    // Named through the environment fallback, the same.
    h.unset_input("config");
    h.set("PENDO_TRIAGE_CONFIG", ".github/triage-elsewhere.yml");
    let run = h.opened(n);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(".github/triage-elsewhere.yml"),
        "{}",
        run.stderr
    );
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
}

/// `PENDO_REGION=eu` in the workflow's `env:`, no `pendo-region` input: the key goes to
/// the EU host only. An input, when given, wins over it.
#[test]
fn pendo_region_from_the_environment_chooses_the_host() {
    let us = FakePendo::builder().start();
    let eu = FakePendo::builder().start();
    let mut h = Harness::new("region-env");
    h.set(
        "PENDO_TRIAGE_PENDO_HOSTS",
        &format!("us={},eu={}", us.url(), eu.url()),
    );
    h.set("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY);
    h.set("PENDO_REGION", "eu");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.opened(n).ok();
    assert!(!eu.requests().is_empty(), "the EU host was not asked");
    assert!(
        us.requests().is_empty(),
        "the key went to the US host: {:?}",
        us.requests()
    );
    assert!(
        h.reports(n)[0].contains("pendo.auth"),
        "{}",
        h.reports(n)[0]
    );

    h.input("pendo-region", "us");
    let (before_us, before_eu) = (us.requests().len(), eu.requests().len());
    h.labeled(n, "recheck", "maintainer").ok();
    assert!(us.requests().len() > before_us, "the input did not win");
    assert_eq!(eu.requests().len(), before_eu);
}

#[test]
fn dry_run_from_the_environment_writes_nothing() {
    let mut h = Harness::new("dry-run-env");
    h.set("PENDO_TRIAGE_DRY_RUN", "true");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    h.gh.clear_requests();
    let run = h.opened(n);
    run.ok();
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
    assert!(
        run.stderr.contains("would have created the report"),
        "{}",
        run.stderr
    );
    assert_eq!(run.output("severity").as_deref(), Some("P0"));
    assert_eq!(run.output("comment-id").as_deref(), Some(""));
    assert_eq!(run.output("comment-url").as_deref(), Some(""));
}

#[test]
fn watch_from_the_environment_runs_the_watch() {
    let mut h = Harness::new("watch-env");
    h.set("PENDO_TRIAGE_WATCH", "true");
    let run = h.run("schedule", &json!({"schedule": "17 * * * *"}));
    run.ok();
    // No credentials: it says so, opens nothing, and still writes its outputs.
    assert!(run.summary.contains("Not checked"), "{}", run.summary);
    assert_eq!(run.output("healthy").as_deref(), Some(""));
    assert_eq!(run.output("watch-issue").as_deref(), Some(""));
    assert!(h.gh.issues().is_empty());
    // Without it, no watch at all.
    let mut h = Harness::new("watch-env-off");
    h.set("PENDO_TRIAGE_WATCH", "false");
    let run = h.run("schedule", &json!({"schedule": "17 * * * *"}));
    run.ok();
    assert_eq!(run.output("healthy"), None, "{}", run.outputs);
}

/// A job re-run with debug logging (`RUNNER_DEBUG=1`) logs at debug level, e.g. each
/// GitHub exchange; `PENDO_TRIAGE_LOG` still wins when set.
#[test]
fn runner_debug_turns_on_debug_logging() {
    let mut h = Harness::new("runner-debug");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    let quiet = h.opened(n);
    quiet.ok();
    assert!(!quiet.stderr.contains("GitHub GET"), "{}", quiet.stderr);
    h.set("RUNNER_DEBUG", "1");
    let debug = h.opened(n);
    debug.ok();
    assert!(
        debug
            .stderr
            .contains(&format!("GitHub GET /repos/owner/repo/issues/{n} -> 200")),
        "{}",
        debug.stderr
    );
    h.set("PENDO_TRIAGE_LOG", "info");
    let info = h.opened(n);
    info.ok();
    assert!(!info.stderr.contains("GitHub GET"), "{}", info.stderr);
}

/// A body the bot itself calls "not an [API] issue" (another template's bug report under
/// an `[API]` title) gets no `pendo-api` label from the bot.
#[test]
fn a_body_that_is_not_an_api_issue_gets_no_pendo_api_label() {
    let pendo = FakePendo::builder().start();
    let mut h = Harness::new("not-api");
    h.set("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY);
    h.set("PENDO_BASE_URL", pendo.url());
    let body = "The dashboard's dark mode is unreadable on Firefox.\n\n**Browser**: Firefox 133\n";
    let n =
        h.gh.add_issue(support::IssueSpec::new("[API] dark mode", body).labels(&["needs-triage"]));
    h.opened(n).ok();
    let report = &h.reports(n)[0];
    // Whatever escaping the report uses for the brackets.
    let plain = report.replace('\\', "");
    assert!(plain.contains("Not an [API] issue"), "{report}");
    let labels = h.gh.issue(n).labels;
    assert!(!labels.contains(&"pendo-api".to_string()), "{labels:?}");
    assert!(
        labels.iter().any(|l| l.starts_with("severity:")),
        "{labels:?}"
    );
    assert!(pendo.requests().is_empty(), "{:?}", pendo.requests());
}

/// `comment-id` and `comment-url` name the report comment; in a sweep, the last triaged
/// issue's.
#[test]
fn in_a_sweep_the_comment_outputs_name_the_last_issues_report() {
    let h = Harness::new("sweep-outputs");
    let first = h.file("[API] auth", &support::example("prod-auth-401.md"));
    let last = h.file("[API] slow", &support::example("staging-rate-limited.md"));
    let run = h.run("schedule", &json!({"schedule": "17 * * * *"}));
    run.ok();
    let (a, b) = (h.gh.comments(first), h.gh.comments(last));
    assert_eq!((a.len(), b.len()), (1, 1));
    assert_eq!(run.output("comment-id"), Some(b[0].id.to_string()));
    assert_eq!(
        run.output("comment-url"),
        Some(format!(
            "https://github.com/owner/repo/issues/{last}#issuecomment-{}",
            b[0].id
        ))
    );
    assert_ne!(a[0].id, b[0].id);
}
