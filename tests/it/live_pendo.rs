//! The Pendo checks end to end: `pendo-triage check` with a key, against fake Pendo
//! hosts on 127.0.0.1, for every way Pendo answers (or does not). Each story asserts the
//! findings, the severity, the labels and the ticks a person would see.

use crate::support;

use serde_json::Value;
use support::cli::{finding, status, strings, summary};
use support::fake_pendo::{BodyFault, FAKE_PENDO_KEY, FakePendo, RateLimit};

/// 2026-11-28T10:00:00Z: the bot's clock and the fakes' in every story.
const NOW: &str = "2026-11-28T10:00:00Z";
const NOW_MS: i64 = 1_795_860_000_000;

/// A member's issue about Guides in Production, with the items the Pendo checks tick.
fn body(expected: Option<u64>) -> String {
    format!(
        "## Pendo API Information\n- **Endpoint**: `GET https://evil.example/api/v1/guide`\n- **Method**: GET\n\n\
         ## Data Context\n- **Data Type**: Guides\n- **Expected Record Count**: {}\n\n\
         ## Environment Information\n- **Environment**: Production\n\n\
         ## Pendo Console Verification\n### Dashboard Status\n- [ ] **Data Visible**: Data exists in Pendo console\n- [ ] **API Permissions**: API access permissions verified\n\n\
         ## Troubleshooting Checklist\n### Pendo API Investigation\n- [ ] Verify API key is valid and active\n- [ ] Test API endpoint manually\n- [ ] Review rate limiting status\n\n\
         ## Test Cases for Validation\n### Positive Test Cases\n- [ ] API call succeeds with valid parameters\n- [ ] Performance meets requirements (< 2s response)\n",
        expected.map_or("[Approximate number of records expected]".into(), |n| n
            .to_string())
    )
}

/// A fake Pendo at the bot's clock.
fn pendo() -> FakePendo {
    FakePendo::builder().now_ms(NOW_MS).start()
}

struct Setup<'a> {
    key: &'a str,
    /// `PENDO_BASE_URL` (pins the host) or, when `None`, region hosts.
    base: Option<&'a str>,
    /// `PENDO_TRIAGE_PENDO_HOSTS`, for the region probe.
    hosts: Option<String>,
    config: &'a str,
}

impl Default for Setup<'_> {
    fn default() -> Self {
        Setup {
            key: FAKE_PENDO_KEY,
            base: None,
            hosts: None,
            config: "",
        }
    }
}

/// Runs `check --format json` on `body` and returns the report.
fn check(setup: &Setup, body: &str) -> Value {
    let mut env = vec![
        ("PENDO_TRIAGE_NOW", NOW),
        ("PENDO_INTEGRATION_KEY", setup.key),
    ];
    if let Some(base) = setup.base {
        env.push(("PENDO_BASE_URL", base));
    }
    if let Some(hosts) = &setup.hosts {
        env.push(("PENDO_TRIAGE_PENDO_HOSTS", hosts));
    }
    support::cli::check_json(
        body,
        setup.config,
        &env,
        &[setup.key.trim().trim_matches('"')],
    )
}

fn ticks(report: &Value) -> Vec<&str> {
    strings(report, "ticks")
}

fn labels(report: &Value) -> Vec<&str> {
    strings(report, "labels")
}

fn pinned(p: &FakePendo) -> Setup<'_> {
    Setup {
        base: Some(p.url()),
        ..Setup::default()
    }
}

#[test]
fn a_healthy_pendo_passes_every_check_and_ticks_what_it_proved() {
    let p = pendo();
    let r = check(&pinned(&p), &body(Some(5)));
    for id in [
        "pendo.auth",
        "pendo.endpoint",
        "pendo.latency",
        "pendo.rate-limit",
        "pendo.aggregation",
    ] {
        assert_eq!(status(&r, id), "pass", "{id}: {}", summary(&r, id));
    }
    assert_eq!(r["severity"], "P2");
    assert_eq!(r["verified"], true);
    assert_eq!(
        summary(&r, "pendo.endpoint"),
        "Pendo lists 5 guides, as the issue expects (~5), newest update 2026-11-25 16:13 UTC",
        "the newest lastUpdatedAt of the fake's rows, shown in UTC"
    );
    for item in [
        "Verify API key is valid and active",
        "Test API endpoint manually",
        "Review rate limiting status",
        "API call succeeds with valid parameters",
        "Performance meets requirements (< 2s response)",
        "Data Visible: Data exists in Pendo console",
        "API Permissions: API access permissions verified",
    ] {
        assert!(ticks(&r).contains(&item), "{item}: {:?}", ticks(&r));
    }
    // What went over the wire: the key in its header, the allowlisted path only (the
    // issue's host and path are never used), GETs plus the one aggregation POST.
    let requests = p.requests();
    assert_eq!(requests.len(), 6, "{requests:?}");
    for q in &requests {
        assert_eq!(q.header("x-pendo-integration-key"), Some(FAKE_PENDO_KEY));
        assert!(
            q.method == "GET" || q.path == "/api/v1/aggregation",
            "{q:?}"
        );
    }
    assert!(
        requests
            .iter()
            .any(|q| q.path == "/api/v1/guide" && q.query.as_deref() == Some("expand=*"))
    );
    let cap = pendo_triage::live::pendo::MAX_CONCURRENT;
    assert!(p.max_in_flight() <= cap, "{}", p.max_in_flight());
}

#[test]
fn a_rejected_key_is_p0_and_nothing_is_ticked_that_needs_a_valid_key() {
    for reject in [401, 403] {
        let p = pendo();
        p.knobs().reject_status = Some(reject);
        let r = check(&pinned(&p), &body(None));
        assert_eq!(status(&r, "pendo.auth"), "fail", "{reject}");
        assert!(
            summary(&r, "pendo.auth").contains("rejects the key on 127.0.0.1"),
            "{}",
            summary(&r, "pendo.auth")
        );
        assert_eq!(status(&r, "pendo.endpoint"), "fail");
        assert_eq!(r["severity"], "P0");
        assert!(labels(&r).contains(&"severity:P0"));
        assert!(!ticks(&r).contains(&"Verify API key is valid and active"));
        // The endpoint was tried and concluded: that item is ticked.
        assert!(ticks(&r).contains(&"Test API endpoint manually"));
    }
}

#[test]
fn a_key_from_another_region_is_found_on_its_host() {
    // The configured region (us) answers 400 like a wrong-region host; eu accepts the key.
    let us = pendo();
    us.knobs().reject_status = Some(400);
    let us1 = pendo();
    us1.knobs().reject_status = Some(403);
    let eu = pendo();
    let jpn = pendo();
    let au = pendo();
    let hosts = format!(
        "us={},us1={},eu={},jpn={},au={}",
        us.url(),
        us1.url(),
        eu.url(),
        jpn.url(),
        au.url()
    );
    let setup = Setup {
        hosts: Some(hosts),
        ..Setup::default()
    };
    let r = check(&setup, &body(None));
    assert_eq!(status(&r, "pendo.auth"), "fail");
    let s = summary(&r, "pendo.auth");
    assert!(
        s.starts_with("Wrong region") && s.contains("belongs to region eu"),
        "{s}"
    );
    let steps = r["next_steps"].to_string();
    assert!(steps.contains("pendo-region: eu"), "{steps}");
    // The probe stopped at the first host that accepted the key.
    assert_eq!(jpn.requests().len(), 0);
    assert_eq!(au.requests().len(), 0);
    assert_eq!(eu.requests().len(), 1);
}

#[test]
fn a_pinned_host_is_the_only_host_the_key_goes_to() {
    let p = pendo();
    p.knobs().reject_status = Some(403);
    let elsewhere = pendo();
    let setup = Setup {
        base: Some(p.url()),
        hosts: Some(format!("eu={}", elsewhere.url())),
        ..Setup::default()
    };
    check(&setup, &body(None));
    assert_eq!(elsewhere.requests().len(), 0);
}

#[test]
fn rate_limits_are_reported_with_their_headers() {
    // With Retry-After 1: the bot waits once and tries again.
    let p = pendo();
    p.knobs().rate_limit = RateLimit {
        requests: 1,
        retry_after_secs: Some(1),
        limit: Some(100),
    };
    let r = check(&pinned(&p), &body(None));
    assert_eq!(status(&r, "pendo.rate-limit"), "warn");
    let s = summary(&r, "pendo.rate-limit");
    assert!(
        s.contains("429 to 1 of") && s.contains("Retry-After: 1"),
        "{s}"
    );
    let ev = finding(&r, "pendo.rate-limit")["evidence"].to_string();
    assert!(ev.contains("x-ratelimit-limit: 100"), "{ev}");
    assert_eq!(r["severity"], "P1", "{}", r["diagnosis"]);
    assert!(labels(&r).contains(&"performance"));
    assert!(p.requests().len() <= 12);
    // Without Retry-After and many 429s: the bot backs off once, then reports.
    let p = pendo();
    p.knobs().rate_limit = RateLimit {
        requests: 50,
        retry_after_secs: None,
        limit: None,
    };
    let r = check(&pinned(&p), &body(None));
    assert_eq!(status(&r, "pendo.rate-limit"), "warn");
    assert!(summary(&r, "pendo.rate-limit").contains("(no Retry-After)"));
    assert_eq!(status(&r, "pendo.auth"), "warn");
    assert!(p.requests().len() <= 12, "{}", p.requests().len());
}

#[test]
fn a_server_error_is_pendo_down() {
    let p = pendo();
    p.fail_path("/api/v1/", 500, 100);
    let r = check(&pinned(&p), &body(None));
    assert_eq!(status(&r, "pendo.auth"), "fail");
    assert!(summary(&r, "pendo.auth").contains("500"));
    assert_eq!(status(&r, "pendo.endpoint"), "fail");
    assert_eq!(status(&r, "pendo.aggregation"), "fail");
    assert_eq!(r["severity"], "P0");
}

#[test]
fn slow_and_silent_pendo_end_at_the_deadline_with_the_other_results_kept() {
    // Slower than the request timeout: every call times out, as an error, not a verdict.
    let p = pendo();
    p.knobs().delay_ms = 2_500;
    let setup = Setup {
        config: "live:\n  request_timeout_seconds: 1\n  total_timeout_seconds: 3\n",
        ..pinned(&p)
    };
    let r = check(&setup, &body(None));
    assert_eq!(status(&r, "pendo.auth"), "error");
    assert!(
        summary(&r, "pendo.auth").contains("no answer within 1 s"),
        "{}",
        summary(&r, "pendo.auth")
    );
    assert_eq!(status(&r, "pendo.latency"), "warn");
    assert_eq!(r["verified"], true, "latency concluded");
    // One that never answers: the run ends at the deadline.
    let p = pendo();
    p.knobs().hang = true;
    let setup = Setup {
        config: "live:\n  request_timeout_seconds: 30\n  total_timeout_seconds: 2\n",
        ..pinned(&p)
    };
    let started = std::time::Instant::now();
    let r = check(&setup, &body(None));
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    for id in [
        "pendo.auth",
        "pendo.endpoint",
        "pendo.latency",
        "pendo.aggregation",
    ] {
        assert_eq!(status(&r, id), "error", "{id}");
        assert_eq!(summary(&r, id), "no answer within 2 s", "{id}");
    }
    // The offline checks and the derived one are still there.
    assert_eq!(status(&r, "issue.fields"), "pass");
    assert_eq!(status(&r, "pendo.rate-limit"), "skip");
    assert!(summary(&r, "pendo.rate-limit").starts_with("Pendo answered none of the"));
}

#[test]
fn broken_and_huge_bodies_are_findings_not_crashes() {
    for (fault, words) in [
        (BodyFault::Truncated, "JSON cut off"),
        (BodyFault::Html, "an HTML page"),
    ] {
        let p = pendo();
        p.fault_body("/api/v1/guide", fault);
        let r = check(&pinned(&p), &body(None));
        assert_eq!(status(&r, "pendo.endpoint"), "fail", "{fault:?}");
        assert!(
            summary(&r, "pendo.endpoint").contains(words),
            "{}",
            summary(&r, "pendo.endpoint")
        );
    }
    let p = pendo();
    p.fault_body("/api/v1/guide", BodyFault::Huge(40 << 20));
    let r = check(&pinned(&p), &body(None));
    assert_eq!(status(&r, "pendo.endpoint"), "error");
    assert!(
        summary(&r, "pendo.endpoint").contains("larger than 32 MiB"),
        "{}",
        summary(&r, "pendo.endpoint")
    );
}

#[test]
fn counts_below_the_ui_point_at_expand() {
    // 3 in the default app, 7 across apps: the issue expects 3.
    let p = FakePendo::builder().now_ms(NOW_MS).guides(3, 4).start();
    let r = check(&pinned(&p), &body(Some(3)));
    assert_eq!(status(&r, "pendo.endpoint"), "warn");
    assert!(
        summary(&r, "pendo.endpoint").contains("default app's 3 only"),
        "{}",
        summary(&r, "pendo.endpoint")
    );
    assert!(r["next_steps"].to_string().contains("expand=*"));
    assert_eq!(r["severity"], "P1");
}

#[test]
fn aggregation_errors_name_their_cause() {
    let p = FakePendo::builder()
        .now_ms(NOW_MS)
        .knobs(|k| k.fail_stage = Some("group".into()))
        .start();
    let r = check(&pinned(&p), &body(None));
    assert_eq!(status(&r, "pendo.aggregation"), "fail");
    assert!(
        summary(&r, "pendo.aggregation").contains("pipeline stage"),
        "{}",
        summary(&r, "pendo.aggregation")
    );
    let p = FakePendo::builder()
        .now_ms(NOW_MS)
        .events_per_day(vec![900, 1000, 1100, 950, 1010, 0, 0])
        .start();
    let r = check(&pinned(&p), &body(None));
    assert_eq!(status(&r, "pendo.aggregation"), "warn");
    assert!(
        summary(&r, "pendo.aggregation").contains("none since 2026-11-26"),
        "{}",
        summary(&r, "pendo.aggregation")
    );
}

#[test]
fn a_quoted_key_is_cleaned_and_noted() {
    let p = pendo();
    let quoted = format!("\"{FAKE_PENDO_KEY}\"\n");
    let setup = Setup {
        key: &quoted,
        ..pinned(&p)
    };
    let r = check(&setup, &body(None));
    assert_eq!(status(&r, "pendo.auth"), "warn");
    assert!(
        summary(&r, "pendo.auth").contains("wrapped in quotes"),
        "{}",
        summary(&r, "pendo.auth")
    );
    assert_eq!(
        p.requests()[0].header("x-pendo-integration-key"),
        Some(FAKE_PENDO_KEY)
    );
}

#[test]
fn an_issue_about_another_environment_is_not_answered_with_productions_measurements() {
    let p = pendo();
    let staging = body(None).replace(
        "- **Environment**: Production",
        "- **Environment**: Staging",
    );
    let r = check(&pinned(&p), &staging);
    for id in ["pendo.auth", "pendo.endpoint", "pendo.latency"] {
        assert_eq!(status(&r, id), "skip", "{id}");
        assert_eq!(
            summary(&r, id),
            "no credentials for Staging: set STAGING_PENDO_INTEGRATION_KEY (the unprefixed ones are Production's)"
        );
    }
    assert_eq!(r["verified"], false);
    assert!(ticks(&r).is_empty(), "{:?}", ticks(&r));
    assert!(p.requests().is_empty(), "{:?}", p.requests());
    // A team whose given credentials are Staging's says so.
    let setup = Setup {
        config: "live:\n  credentials_environment: Staging\n",
        ..pinned(&p)
    };
    let r = check(&setup, &staging);
    assert_eq!(
        status(&r, "pendo.auth"),
        "pass",
        "{}",
        summary(&r, "pendo.auth")
    );
    assert_eq!(r["verified"], true);
}

#[test]
fn a_body_from_another_template_is_said_to_be_no_api_issue_and_measures_nothing() {
    let p = pendo();
    // The repository's bug template, with fields of its own and a Production environment.
    let bug = "## Bug Report\n- **Browser**: Chrome 131\n- **OS**: macOS 15\n- **Version**: 2.4.1\n- **Environment**: Production\n\n## Steps to reproduce\n1. Open the dashboard\n2. Click Export\n\n## Expected behaviour\nA CSV downloads.\n";
    let r = check(&pinned(&p), bug);
    assert_eq!(r["severity"], "P2");
    assert_eq!(
        r["diagnosis"],
        "Not an [API] issue: the body has none of the [API] template's sections, fields or checklist, so nothing was checked"
    );
    assert_eq!(status(&r, "pendo.auth"), "skip");
    assert!(
        summary(&r, "pendo.auth").starts_with("not an [API] issue"),
        "{}",
        summary(&r, "pendo.auth")
    );
    assert!(p.requests().is_empty(), "{:?}", p.requests());
    // The real template still is one.
    let r = check(&pinned(&p), &body(None));
    assert_eq!(status(&r, "pendo.auth"), "pass");
}
