//! Each environment answered with its own credentials: a team with a Staging project
//! gives the bot `STAGING_…` variables beside the unprefixed (Production) ones, started
//! as GitHub's runner starts the action (and to `check`). Every environment has its own
//! fakes here, so the stories assert which fake got the requests: one Staging issue, a
//! sweep over Production and Staging, Staging without its own credentials, and the watch
//! covering both.

use crate::action_harness::Harness;
use crate::support;

use serde_json::{Value, json};
use support::fake_pendo::{FAKE_PENDO_KEY, FakePendo};
use support::fake_postgrest::{FakePostgrest, SERVICE_ROLE_JWT};
use support::pg::{History, Pg};

/// 2026-11-28T10:00:00Z: the bot's clock, the fakes' and the history's.
const NOW: &str = "2026-11-28T10:00:00Z";
const NOW_SECS: i64 = 1_795_860_000;

/// Staging's own Pendo key (obviously fake); Staging's fake Pendo accepts only it.
const STAGING_PENDO_KEY: &str = "fa4e0000-7e57-4e57-8e57-0000057a9e00.us";

/// A member's issue about Guides in `environment`.
fn body(environment: &str) -> String {
    format!(
        "## Pendo API Information\n- **Endpoint**: `GET /api/v1/guide`\n- **Method**: GET\n\n\
         ## Data Context\n- **Data Type**: Guides\n\n\
         ## Environment Information\n- **Environment**: {environment}\n\n\
         ## Troubleshooting Checklist\n### Pendo API Investigation\n- [ ] Verify API key is valid and active\n- [ ] Test API endpoint manually\n\n\
         ### Infrastructure Investigation\n- [ ] Test database connectivity\n"
    )
}

/// One environment's Pendo and Supabase REST API, accepting only `key`.
struct Project {
    pendo: FakePendo,
    rest: FakePostgrest,
}

impl Project {
    /// The fakes, the REST API serving `pg`'s tables.
    fn start(key: &str, pg: &Pg) -> Project {
        Project {
            pendo: FakePendo::builder()
                .now_ms(NOW_SECS * 1000)
                .keys(&[key])
                .start(),
            rest: support::project::mirror(pg),
        }
    }

    /// Requests each fake got: (Pendo, REST).
    fn counts(&self) -> (usize, usize) {
        (self.pendo.requests().len(), self.rest.requests().len())
    }

    fn clear(&self) {
        self.pendo.clear_requests();
        self.rest.clear_requests();
    }
}

/// A harness whose unprefixed variables point at `production` (when given) and whose
/// `STAGING_…` variables point at `staging` (when given); both databases are `pg`.
fn harness(tag: &str, pg: &Pg, production: Option<&Project>, staging: Option<&Project>) -> Harness {
    let mut h = Harness::new(tag);
    h.set_clock(NOW);
    if let Some(p) = production {
        h.set("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY);
        h.set("PENDO_BASE_URL", p.pendo.url());
        h.set("SUPABASE_URL", p.rest.url());
        h.set("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT);
        h.set("SUPABASE_DB_URL", &pg.url("verify-full"));
    }
    if let Some(s) = staging {
        h.set("STAGING_PENDO_INTEGRATION_KEY", STAGING_PENDO_KEY);
        h.set("STAGING_PENDO_BASE_URL", s.pendo.url());
        h.set("STAGING_SUPABASE_URL", s.rest.url());
        h.set("STAGING_SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT);
        h.set("STAGING_SUPABASE_DB_URL", &pg.url("verify-full"));
    }
    h
}

/// The checks of the run's `report-json` (one issue): id → (status, summary).
fn checks(report: &Value) -> Vec<(String, String, String)> {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("id"), s("status"), s("summary"))
        })
        .collect()
}

fn check<'a>(all: &'a [(String, String, String)], id: &str) -> &'a (String, String, String) {
    all.iter()
        .find(|c| c.0 == id)
        .unwrap_or_else(|| panic!("{id}: {all:?}"))
}

/// `live requests for <env>: N to Pendo, M to Supabase's REST API, K database queries`
/// from the run's log, as (N, M, K).
fn sent(stderr: &str, env: &str) -> Option<(usize, usize, usize)> {
    let line = stderr
        .lines()
        .find_map(|l| l.split_once(&format!("live requests for {env}: ")))?
        .1;
    let n: Vec<usize> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    Some((n[0], n[1], n[2]))
}

#[test]
fn an_issue_about_staging_is_answered_by_stagings_own_credentials() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW_SECS);
    // Production's fakes exist but the bot is given no unprefixed credential at all.
    let production = Project::start(FAKE_PENDO_KEY, &pg);
    let staging = Project::start(STAGING_PENDO_KEY, &pg);
    let h = harness("env-staging", &pg, None, Some(&staging));
    let n = h.file("[API] Staging guides are stale", &body("Staging"));
    let run = h.opened(n);
    run.ok();

    let report: Value = serde_json::from_str(&run.output("report-json").unwrap()).unwrap();
    let all = checks(&report);
    for id in [
        "pendo.auth",
        "pendo.endpoint",
        "supabase.api",
        "supabase.tables",
        "supabase.cron",
    ] {
        assert_eq!(check(&all, id).1, "pass", "{:?}", check(&all, id));
    }
    assert_eq!(report["verified"], true, "{report}");
    // Staging has no access token: the check names Staging's variable, not the input.
    assert_eq!(
        check(&all, "supabase.functions").2,
        "no credentials for Staging: set STAGING_SUPABASE_ACCESS_TOKEN (the unprefixed ones are Production's)"
    );
    // Staging's fakes answered, with Staging's key; Production's got nothing.
    let (pendo, rest) = staging.counts();
    assert!(pendo > 0 && rest > 0, "{pendo} {rest}");
    assert!(
        staging
            .pendo
            .requests()
            .iter()
            .all(|r| r.header("x-pendo-integration-key") == Some(STAGING_PENDO_KEY))
    );
    assert_eq!(production.counts(), (0, 0));
    // The report says whose credentials answered, and the ticks follow.
    let comment = &h.reports(n)[0];
    assert!(
        comment.contains(
            "Live checks answered with Staging's credentials (the `STAGING_…` variables)."
        ),
        "{comment}"
    );
    let issue = h.gh.issue(n);
    assert!(
        issue
            .body
            .contains("- [x] Verify API key is valid and active"),
        "{}",
        issue.body
    );
    // Staging's secrets are masked and held like Production's: none shows anywhere.
    for secret in [STAGING_PENDO_KEY, SERVICE_ROLE_JWT] {
        for (what, text) in [
            ("comment", comment.as_str()),
            ("stdout", run.stdout.as_str()),
            ("stderr", run.stderr.as_str()),
            ("summary", run.summary.as_str()),
            ("outputs", run.outputs.as_str()),
        ] {
            // The masking commands name the values: that is their point.
            let shown: Vec<&str> = text
                .lines()
                .filter(|l| !l.starts_with("::add-mask::"))
                .collect();
            assert!(!shown.join("\n").contains(secret), "{what} shows {secret}");
        }
    }
    assert!(
        run.stdout
            .contains(&format!("::add-mask::{STAGING_PENDO_KEY}")),
        "Staging's key is masked in the log"
    );
    assert_eq!(
        sent(&run.stderr, "Staging").map(|(p, r, _)| (p, r)),
        Some((pendo, rest)),
        "{}",
        run.stderr
    );
    assert_eq!(sent(&run.stderr, "Production"), None, "{}", run.stderr);
}

#[test]
fn a_sweep_over_production_and_staging_runs_each_set_once() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW_SECS);
    let production = Project::start(FAKE_PENDO_KEY, &pg);
    let staging = Project::start(STAGING_PENDO_KEY, &pg);
    let h = harness("env-sweep", &pg, Some(&production), Some(&staging));
    let prod_a = h.file("[API] Guides missing", &body("Production"));
    let prod_b = h.file("[API] Guides missing again", &body("Production"));
    let stage = h.file("[API] Staging guides", &body("Staging"));
    let dispatch = json!({"inputs": {"issue-number": ""}, "sender": {"login": "maintainer"}});
    let run = h.run("workflow_dispatch", &dispatch);
    run.ok();

    // Two environments, two runs of the check set: the second Production issue shares
    // the first one's results.
    assert!(
        run.stderr.contains("live checks ran 2 time(s)"),
        "{}",
        run.stderr
    );
    let (prod_pendo, prod_rest) = production.counts();
    let (stage_pendo, stage_rest) = staging.counts();
    assert!(prod_pendo > 0 && prod_rest > 0);
    // The same checks for the same data type, once each: the same requests per set,
    // though Production has two issues.
    assert_eq!(
        (prod_pendo, prod_rest),
        (stage_pendo, stage_rest),
        "each environment's set ran once"
    );
    assert!(
        production
            .pendo
            .requests()
            .iter()
            .all(|r| r.header("x-pendo-integration-key") == Some(FAKE_PENDO_KEY))
    );
    assert!(
        staging
            .pendo
            .requests()
            .iter()
            .all(|r| r.header("x-pendo-integration-key") == Some(STAGING_PENDO_KEY))
    );
    // The run's log gives the figures per environment; they match what the fakes saw.
    let prod_sent = sent(&run.stderr, "Production").expect("Production's figures");
    let stage_sent = sent(&run.stderr, "Staging").expect("Staging's figures");
    assert_eq!((prod_sent.0, prod_sent.1), (prod_pendo, prod_rest));
    assert_eq!((stage_sent.0, stage_sent.1), (stage_pendo, stage_rest));
    assert!(stage_sent.2 > 0, "Staging's checks query its database");
    assert_eq!(
        prod_sent.2, stage_sent.2,
        "and Production's theirs, as many"
    );
    eprintln!("figures: Production {prod_sent:?}, Staging {stage_sent:?} (Pendo, REST, queries)");
    // Each report says whose credentials answered it.
    for (n, whose) in [
        (
            prod_a,
            "Production's credentials (the unprefixed variables)",
        ),
        (
            prod_b,
            "Production's credentials (the unprefixed variables)",
        ),
        (stage, "Staging's credentials (the `STAGING_…` variables)"),
    ] {
        let comment = &h.reports(n)[0];
        assert!(comment.contains(whose), "#{n}: {comment}");
    }

    // A second sweep right after: each context asks again, once, and nothing changed.
    production.clear();
    staging.clear();
    h.gh.clear_requests();
    let run = h.run("schedule", &json!({"schedule": "0 6 * * *"}));
    run.ok();
    assert_eq!(production.counts(), (prod_pendo, prod_rest));
    assert_eq!(staging.counts(), (stage_pendo, stage_rest));
    assert!(h.write_lines().is_empty(), "{:?}", h.write_lines());
}

#[test]
fn an_issue_about_staging_with_only_productions_credentials_names_what_to_set() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW_SECS);
    let production = Project::start(FAKE_PENDO_KEY, &pg);
    let h = harness("env-unset", &pg, Some(&production), None);
    let n = h.file("[API] Staging guides", &body("Staging"));
    let run = h.opened(n);
    run.ok();

    let report: Value = serde_json::from_str(&run.output("report-json").unwrap()).unwrap();
    let all = checks(&report);
    let unprefixed = "(the unprefixed ones are Production's)";
    for (id, vars) in [
        ("pendo.auth", "STAGING_PENDO_INTEGRATION_KEY"),
        ("pendo.latency", "STAGING_PENDO_INTEGRATION_KEY"),
        (
            "supabase.api",
            "STAGING_SUPABASE_URL and STAGING_SUPABASE_SERVICE_ROLE_KEY",
        ),
        (
            "supabase.tables",
            "STAGING_SUPABASE_URL and STAGING_SUPABASE_SERVICE_ROLE_KEY, or STAGING_SUPABASE_DB_URL",
        ),
        ("supabase.functions", "STAGING_SUPABASE_ACCESS_TOKEN"),
        (
            "supabase.completeness",
            "STAGING_PENDO_INTEGRATION_KEY, and STAGING_SUPABASE_URL and STAGING_SUPABASE_SERVICE_ROLE_KEY (or STAGING_SUPABASE_DB_URL)",
        ),
    ] {
        let (_, status, summary) = check(&all, id);
        assert_eq!(status, "skip", "{id}");
        assert_eq!(
            summary,
            &format!("no credentials for Staging: set {vars} {unprefixed}"),
            "{id}"
        );
    }
    assert_eq!(report["verified"], false);
    // Production's credentials were not used for Staging's issue.
    assert_eq!(production.counts(), (0, 0));
    assert!(
        run.stderr.contains("live checks ran 0 time(s)"),
        "{}",
        run.stderr
    );
    let comment = &h.reports(n)[0];
    // (Markdown escapes the underscores.)
    assert!(
        comment.contains(r"no credentials for Staging: set STAGING\_PENDO\_INTEGRATION\_KEY"),
        "{comment}"
    );
    assert!(!comment.contains("Live checks answered with"), "{comment}");
    assert!(
        !h.gh.issue(n).body.contains("[x]"),
        "nothing verified, nothing ticked"
    );
}

#[test]
fn check_answers_a_staging_issue_with_stagings_key_and_production_with_its_own() {
    let prod = FakePendo::builder().now_ms(NOW_SECS * 1000).start();
    let staging = FakePendo::builder()
        .now_ms(NOW_SECS * 1000)
        .keys(&[STAGING_PENDO_KEY])
        .start();
    let env = [
        ("PENDO_TRIAGE_NOW", NOW),
        ("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY),
        ("PENDO_BASE_URL", prod.url()),
        ("STAGING_PENDO_INTEGRATION_KEY", STAGING_PENDO_KEY),
        ("STAGING_PENDO_BASE_URL", staging.url()),
    ];
    let secrets = [FAKE_PENDO_KEY, STAGING_PENDO_KEY];
    let r = support::cli::check_json(&body("Staging"), "", &env, &secrets);
    assert_eq!(support::cli::status(&r, "pendo.auth"), "pass", "{r}");
    assert!(!staging.requests().is_empty());
    assert!(prod.requests().is_empty(), "{:?}", prod.requests());
    let md = support::cli::check_markdown(&body("Staging"), "", &env, &secrets);
    assert!(
        md.contains("Live checks answered with Staging's credentials"),
        "{md}"
    );
    // Production's issue: Production's host and key, never Staging's.
    staging.clear_requests();
    let r = support::cli::check_json(&body("Production"), "", &env, &secrets);
    assert_eq!(support::cli::status(&r, "pendo.auth"), "pass", "{r}");
    assert!(!prod.requests().is_empty());
    assert!(staging.requests().is_empty(), "{:?}", staging.requests());
    // A bad Staging value is named as the user wrote it, before anything is sent.
    let out = std::process::Command::new(support::bin())
        .env_clear()
        .env("STAGING_SUPABASE_URL", "staging.supabase.co")
        .args(["check", "-"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        stderr.contains("STAGING_SUPABASE_URL: must be an http(s) URL"),
        "{stderr}"
    );
}

/// The config that has the watch cover Staging too.
const WATCH_BOTH: &str = "watch:\n  environments: [Production, Staging]\n";

#[test]
fn the_watch_covers_production_and_staging_each_with_its_own_credentials() {
    let healthy = Pg::start();
    healthy.load(History::Healthy, NOW_SECS);
    let broken = Pg::start();
    broken.load(History::JobInactive, NOW_SECS);
    let mut h = Harness::new("env-watch");
    h.set_clock(NOW);
    h.input("watch", "true");
    h.set("SUPABASE_DB_URL", &healthy.url("verify-full"));
    h.set("STAGING_SUPABASE_DB_URL", &broken.url("verify-full"));
    std::fs::create_dir_all(h.workspace().join(".github")).unwrap();
    std::fs::write(h.workspace().join(".github/pendo-triage.yml"), WATCH_BOTH).unwrap();
    let run = h.run("schedule", &json!({"schedule": "23 * * * *"}));
    run.ok();

    // Staging's sync is broken: one watch issue, about Staging, a P1 (not a P0).
    let opened: Vec<_> =
        h.gh.issues()
            .into_iter()
            .filter(|i| i.body.contains("<!-- pendo-triage:watch -->"))
            .collect();
    assert_eq!(opened.len(), 1, "{:?}", h.gh.issues());
    let i = &opened[0];
    assert!(i.body.contains("- **Environment**: Staging"), "{}", i.body);
    assert!(
        i.body
            .contains("pendo-triage's watch found the staging sync broken"),
        "{}",
        i.body
    );
    assert!(
        i.labels.contains(&"severity:P1".to_string()),
        "{:?}",
        i.labels
    );
    assert!(
        !i.labels.contains(&"severity:P0".to_string()),
        "{:?}",
        i.labels
    );
    assert_eq!(run.output("healthy").as_deref(), Some("false"));
    assert_eq!(run.output("watch-issue"), Some(i.number.to_string()));
    // The summary has a health table per environment.
    for heading in ["#### Production", "#### Staging"] {
        assert!(run.summary.contains(heading), "{}", run.summary);
    }
    assert!(
        run.summary
            .contains("### pendo-triage watch: staging sync health"),
        "{}",
        run.summary
    );
    assert!(run.summary.contains("✅ **Healthy**"), "{}", run.summary);
    assert!(run.summary.contains("❌ **Broken**"), "{}", run.summary);
    // Each environment's checks read its own database.
    let prod = sent(&run.stderr, "Production").expect("Production's figures");
    let stage = sent(&run.stderr, "Staging").expect("Staging's figures");
    assert!(prod.2 > 0 && stage.2 > 0, "{prod:?} {stage:?}");
}
