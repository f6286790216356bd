//! The Supabase checks against a real PostgreSQL 15 with pg_cron, shaped like a Supabase
//! project, over the database URL (TLS with a test CA): every recorded incident of the
//! reference deployment yields the findings, severity, labels and ticks a person would
//! expect. And the health function the project ships gives the same facts over REST.

use crate::support;

use serde_json::Value;
use support::cli::{check_json, status, strings, summary};
use support::pg::{FAKE_SERVICE_ROLE_JWT, History, Pg};

/// 2026-11-28T10:00:00Z: the histories' reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";

/// A member's issue about Guides in Production, with the items the Supabase checks tick.
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n\n\
## Troubleshooting Checklist\n### Infrastructure Investigation\n- [ ] Verify Supabase function execution\n- [ ] Test database connectivity\n- [ ] Review cronjob execution logs\n\n\
### Data Validation\n- [ ] Verify target data in Supabase\n\n\
## Test Cases for Validation\n- [ ] Data sync completes without errors\n- [ ] All expected data types processed\n";

/// `check` with only the database URL, against `history`.
fn triage(history: History) -> Value {
    let pg = Pg::start();
    pg.load(history, NOW);
    check_db(&pg, &pg.url("verify-full"))
}

fn check_db(pg: &Pg, url: &str) -> Value {
    let _ = pg;
    check_json(
        BODY,
        "",
        &[("SUPABASE_DB_URL", url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
        &[FAKE_SERVICE_ROLE_JWT],
    )
}

fn assert_statuses(r: &Value, want: &[(&str, &str)]) {
    for (id, s) in want {
        assert_eq!(status(r, id), *s, "{id}: {}", summary(r, id));
    }
}

#[test]
fn a_healthy_sync_passes_and_ticks_what_it_proved() {
    let r = triage(History::Healthy);
    assert_statuses(
        &r,
        &[
            ("supabase.tables", "pass"),
            ("supabase.freshness", "pass"),
            ("supabase.sync-log", "pass"),
            ("supabase.cron", "pass"),
            ("supabase.http", "pass"),
            // REST-only and Pendo-needing checks say what to set.
            ("supabase.api", "skip"),
            ("supabase.completeness", "skip"),
        ],
    );
    assert_eq!(r["severity"], "P2");
    assert_eq!(r["verified"], true);
    let ticks = strings(&r, "ticks");
    for item in [
        "Verify Supabase function execution",
        "Test database connectivity",
        "Review cronjob execution logs",
        "Verify target data in Supabase",
        "Data sync completes without errors",
        "All expected data types processed",
    ] {
        assert!(ticks.contains(&item), "{item}: {ticks:?}");
    }
    assert!(
        summary(&r, "supabase.cron").starts_with("pendo-sync (0 */6 * * *, every 6 h) is active")
    );
    // The key pasted into the cron command never shows (check_json asserts it too).
    assert!(!r.to_string().contains("fake_test_signature"));
}

#[test]
fn stale_data_is_p0_and_names_the_function_that_fails_to_start() {
    let r = triage(History::StaleData);
    assert_statuses(
        &r,
        &[
            ("supabase.freshness", "fail"),
            ("supabase.sync-log", "fail"),
            ("supabase.http", "fail"),
            ("supabase.cron", "pass"),
        ],
    );
    assert_eq!(r["severity"], "P0");
    assert!(summary(&r, "supabase.freshness").contains("older than the 24 h threshold"));
    assert!(
        r["diagnosis"]
            .as_str()
            .unwrap()
            .contains("Function failed to start"),
        "{}",
        r["diagnosis"]
    );
    assert!(strings(&r, "labels").contains(&"edge-functions"));
    let ticks = strings(&r, "ticks");
    assert!(!ticks.contains(&"Data sync completes without errors"));
    assert!(
        ticks.contains(&"Review cronjob execution logs"),
        "concluded either way"
    );
}

#[test]
fn a_failing_streak_names_its_causes() {
    let r = triage(History::FailingStreak);
    assert_eq!(status(&r, "supabase.sync-log"), "fail");
    assert!(summary(&r, "supabase.sync-log").starts_with("guides: the last 4 runs failed"));
    let ev = r["checks"].to_string();
    assert!(
        ev.contains("Pendo rate-limits the sync (429 Too Many Requests)"),
        "{ev}"
    );
    // The stale data leads; the log's failing streak is its cause.
    let d = r["diagnosis"].as_str().unwrap();
    assert!(
        d.starts_with("Data is older than the 24 h threshold"),
        "{d}"
    );
    assert!(
        d.contains("— guides: the last 4 runs failed — Pendo rate-limits the sync"),
        "{d}"
    );
    assert_eq!(r["severity"], "P0");
    let labels = strings(&r, "labels");
    assert!(
        labels.contains(&"monitoring") && labels.contains(&"supabase"),
        "{labels:?}"
    );
}

#[test]
fn a_missing_job_is_the_diagnosis() {
    let r = triage(History::JobMissing);
    assert_eq!(status(&r, "supabase.cron"), "fail");
    // The stale data leads; the missing job is its cause.
    let d = r["diagnosis"].as_str().unwrap();
    assert!(
        d.starts_with("Data is older than the 24 h threshold"),
        "{d}"
    );
    assert!(
        d.contains("— the sync job is missing: no pg_cron job mentions pendo"),
        "{d}"
    );
    assert_eq!(r["severity"], "P0");
}

#[test]
fn an_inactive_job_says_since_when() {
    let r = triage(History::JobInactive);
    assert_eq!(status(&r, "supabase.cron"), "fail");
    let d = r["diagnosis"].as_str().unwrap();
    assert!(
        d.starts_with("Data is older than the 24 h threshold"),
        "{d}"
    );
    assert!(
        d.contains("— the sync job pendo-sync is inactive since its last run, 2026-11-25"),
        "{d}"
    );
    assert!(r["next_steps"].to_string().contains("cron.alter_job"));
}

#[test]
fn wiped_to_zero_but_logged_completed_is_caught() {
    let r = triage(History::WipedToZero);
    assert_eq!(status(&r, "supabase.sync-log"), "fail");
    assert_eq!(
        summary(&r, "supabase.sync-log"),
        "features: 3 runs logged completed with 0 records (usually ~1200)"
    );
    // The issue is about guides: another entity's empty table is degraded, not critical.
    assert_eq!(status(&r, "supabase.tables"), "warn");
    assert!(summary(&r, "supabase.tables").contains("pendo_features has no rows"));
    assert_eq!(r["severity"], "P0");
    assert!(!strings(&r, "ticks").contains(&"Data sync completes without errors"));
}

#[test]
fn duplicate_upserts_and_worker_limits_point_at_their_fixes() {
    let r = triage(History::DuplicateUpsert);
    assert_eq!(status(&r, "supabase.sync-log"), "fail");
    assert_eq!(status(&r, "supabase.http"), "fail");
    let steps = r["next_steps"].to_string();
    assert!(
        steps.contains("Dedupe rows by their conflict key"),
        "{steps}"
    );
    assert!(steps.contains("smaller batches"), "{steps}");
    assert_eq!(r["severity"], "P0");
}

#[test]
fn edge_function_401s_and_timeouts_show_while_the_sync_log_is_silent() {
    let r = triage(History::EdgeHttpErrors);
    assert_eq!(status(&r, "supabase.http"), "fail");
    let s = summary(&r, "supabase.http");
    assert!(
        s.contains("401 Invalid JWT") && s.contains("timed out"),
        "{s}"
    );
    assert!(summary(&r, "supabase.sync-log").contains("no run logged since"));
    // The data is stale; pg_net's answers say why.
    let d = r["diagnosis"].as_str().unwrap();
    assert!(
        d.starts_with("Data is older than the 24 h threshold"),
        "{d}"
    );
    assert!(
        d.contains("— the Edge Function answers pg_net's calls with 401 Invalid JWT —"),
        "{d}"
    );
    assert!(r["next_steps"].to_string().contains("Authorization header"));
    assert!(!strings(&r, "ticks").contains(&"Verify Supabase function execution"));
}

#[test]
fn a_run_stuck_in_running_is_reported() {
    let r = triage(History::RunsStuck);
    assert_eq!(status(&r, "supabase.cron"), "fail");
    assert!(summary(&r, "supabase.cron").contains("still running"));
    assert_eq!(r["severity"], "P0");
}

#[test]
fn the_report_of_a_broken_sync_reads_well() {
    for history in [History::JobInactive, History::EdgeHttpErrors] {
        let pg = Pg::start();
        pg.load(history, NOW);
        let url = pg.url("verify-full");
        let md = support::cli::check_markdown(
            BODY,
            "",
            &[("SUPABASE_DB_URL", &url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
            &[FAKE_SERVICE_ROLE_JWT],
        );
        insta::assert_snapshot!(format!("report_{}", history.name()), md);
    }
}

#[test]
fn sslmode_means_what_it_means_in_libpq() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW);
    // require: encrypted, not verified; verify-ca/verify-full: against the test CA.
    for mode in ["require", "verify-ca", "verify-full"] {
        let r = check_db(&pg, &pg.url(mode));
        assert_eq!(status(&r, "supabase.cron"), "pass", "{mode}");
    }
    // verify-full with the system roots: the test CA is not among them.
    let system = pg
        .url("verify-full")
        .replace(&pg.ca_path().display().to_string(), "system");
    let r = check_db(&pg, &system);
    assert_eq!(status(&r, "supabase.cron"), "error");
    assert!(
        summary(&r, "supabase.cron").contains("reading pg_cron"),
        "{}",
        summary(&r, "supabase.cron")
    );
    // A name the certificate does not carry (reached at its address): verify-ca checks
    // only the chain and passes, verify-full checks the name too and refuses.
    let other_name = |mode: &str| {
        format!(
            "host=not-in-the-cert.test hostaddr=127.0.0.1 port={} user=postgres dbname=postgres sslmode={mode} sslrootcert={}",
            pg.port(),
            pg.ca_path().display()
        )
    };
    assert_eq!(
        status(&check_db(&pg, &other_name("verify-ca")), "supabase.cron"),
        "pass"
    );
    assert_eq!(
        status(&check_db(&pg, &other_name("verify-full")), "supabase.cron"),
        "error"
    );
}

#[test]
fn a_transaction_pooler_reads_the_same_with_no_named_prepared_statement() {
    // Supabase's poolers hand a server connection to a client per transaction; a named
    // prepared statement would not survive that. Through PgBouncer in transaction mode,
    // every check reads what it reads directly.
    let pg = Pg::start();
    pg.load(History::FailingStreak, NOW);
    let pooler = pg.transaction_pooler();
    let direct = check_db(&pg, &pg.url("verify-full"));
    let pooled = check_db(&pg, &pooler.url());
    for id in [
        "supabase.tables",
        "supabase.freshness",
        "supabase.sync-log",
        "supabase.cron",
        "supabase.http",
    ] {
        assert_ne!(
            status(&pooled, id),
            "error",
            "{id}: {}",
            summary(&pooled, id)
        );
        assert_eq!(summary(&pooled, id), summary(&direct, id), "{id}");
    }
    assert_eq!(pooled["severity"], direct["severity"]);
}

#[test]
fn the_shipped_health_function_gives_the_facts_the_database_gives() {
    let pg = Pg::start();
    pg.load(History::EdgeHttpErrors, NOW);
    let sql = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sql/pendo_triage_health.sql"
    ))
    .unwrap();
    pg.exec(&sql);
    let since = "2026-11-26T10:00:00Z";
    let out = pg.query_json(&format!(
        "select public.pendo_triage_health(null, '{since}') as h"
    ));
    let h = &out[0]["h"];
    assert_eq!(h["version"], 1);
    assert_eq!(h["jobs"]["matching"][0]["jobname"], "pendo-sync");
    assert!(h["scheduler"]["pid"].as_i64().is_some(), "{h}");
    let codes: Vec<i64> = h["responses"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["status_code"].as_i64())
        .collect();
    assert!(codes.contains(&401), "{h}");
    // Only the service role may run it.
    for role in ["anon", "authenticated"] {
        let denied = std::panic::catch_unwind(|| {
            pg.exec(&format!(
                "set role {role}; select public.pendo_triage_health();"
            ))
        });
        assert!(denied.is_err(), "{role} may not run it");
    }
    pg.exec("set role service_role; select public.pendo_triage_health();");
    // It is locked to its own search path and runs as its owner.
    let def = pg.query_json(
        "select prosecdef, proconfig from pg_proc where proname = 'pendo_triage_health'",
    );
    assert_eq!(def[0]["prosecdef"], true);
    assert!(
        def[0]["proconfig"]
            .to_string()
            .contains("search_path=pg_catalog, pg_temp"),
        "{def}"
    );
}

#[test]
fn a_missing_sync_log_is_named_with_postgres_code() {
    // The configured log table does not exist: Postgres refuses with 42P01.
    let pg = Pg::start();
    pg.load(History::Healthy, NOW);
    let r = check_json(
        BODY,
        "sync_log:\n  table: sync_runs\n",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    assert_eq!(status(&r, "supabase.sync-log"), "fail");
    let s = summary(&r, "supabase.sync-log");
    assert!(
        s.starts_with("The sync log is missing: Postgres 42P01"),
        "{s}"
    );
    assert!(s.contains("sync_runs"), "{s}");
    assert_eq!(r["severity"], "P0");
    // The other checks still read the tables that are there.
    assert_eq!(
        status(&r, "supabase.tables"),
        "pass",
        "{}",
        summary(&r, "supabase.tables")
    );
}

#[test]
fn a_secret_header_in_the_cron_command_never_reaches_the_report() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW);
    // A custom header whose value has no secret shape, and a body with a password.
    pg.exec(
        "update cron.job set command = $c$select net.http_post(url:='https://abcdefghijklmnop.supabase.co/functions/v1/pendo-sync?apikey=QueryLettersOnly', headers:='{\"x-sync-secret\":\"HeaderLettersOnlyValue\"}'::jsonb, body:='{\"password\":\"BodyLettersOnlyValue\"}'::jsonb)$c$ where jobname = 'pendo-sync';",
    );
    let r = check_json(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[
            "HeaderLettersOnlyValue",
            "BodyLettersOnlyValue",
            "QueryLettersOnly",
        ],
    );
    let evidence = strings(support::cli::finding(&r, "supabase.cron"), "evidence");
    assert!(
        evidence[0].ends_with("calls https://abcdefghijklmnop.supabase.co/functions/v1/pendo-sync"),
        "{evidence:?}"
    );
    // The wrapper the reference deployment schedules is shown by the function it runs.
    pg.exec("update cron.job set command = 'SELECT call_pendo_sync_edge_function();' where jobname = 'pendo-sync';");
    let r = check_db(&pg, &pg.url("verify-full"));
    let evidence = strings(support::cli::finding(&r, "supabase.cron"), "evidence");
    assert!(
        evidence[0].ends_with("runs call_pendo_sync_edge_function()"),
        "{evidence:?}"
    );
}

#[test]
fn one_row_dated_2999_never_makes_stale_data_fresh() {
    let pg = Pg::start();
    pg.load(History::StaleData, NOW);
    pg.exec("update pendo_guides set last_synced = '2999-01-01T00:00:00Z' where id = (select min(id) from pendo_guides);");
    let r = check_db(&pg, &pg.url("verify-full"));
    assert_eq!(
        status(&r, "supabase.freshness"),
        "fail",
        "{}",
        summary(&r, "supabase.freshness")
    );
    assert!(
        summary(&r, "supabase.freshness")
            .contains("pendo_guides: newest row is dated 2999-01-01 00:00 UTC"),
        "{}",
        summary(&r, "supabase.freshness")
    );
    assert!(!summary(&r, "supabase.freshness").starts_with("Fresh"));
    assert_eq!(r["severity"], "P0");
}

#[test]
fn a_pg_net_body_that_echoes_the_database_password_never_publishes_it() {
    // A password made only of letters: no shape rule knows it, only its value does.
    const PASSWORD: &str = "LettersOnlyDatabasePassword";
    let pg = Pg::start_with(support::pg::PgOptions {
        password: Some(PASSWORD.into()),
        ..Default::default()
    });
    pg.load(History::Healthy, NOW);
    pg.exec(&format!(
        "update net._http_response set status_code = 500, content = '{{\"error\":\"rejected {PASSWORD} at login\"}}' where id = (select max(id) from net._http_response);"
    ));
    let url = pg.url("verify-full");
    assert!(url.contains(PASSWORD));
    let r = check_json(
        BODY,
        "",
        &[("SUPABASE_DB_URL", &url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
        &[PASSWORD],
    );
    // The answer was read and judged: the call failed, and what it said is masked.
    assert_ne!(
        status(&r, "supabase.http"),
        "pass",
        "{}",
        summary(&r, "supabase.http")
    );
    assert!(!r.to_string().contains(PASSWORD));
    let md = support::cli::check_markdown(
        BODY,
        "",
        &[("SUPABASE_DB_URL", &url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
        &[PASSWORD],
    );
    assert!(md.contains("redacted"), "{md}");
}
