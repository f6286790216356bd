//! The Supabase checks through the REST API (the path most teams give the bot: the
//! project URL and the service-role key, no database URL), against a fake PostgREST on
//! 127.0.0.1 that holds the same rows as a real PostgreSQL loaded with a sync history,
//! and whose `rpc/pendo_triage_health` runs the shipped function in that real database.
//! The REST path must reach the same verdicts as the database path; the gateway's and
//! PostgREST's own answers (bad key, anon key, paused project, missing table, row caps)
//! each get their own diagnosis.

use crate::support;

use serde_json::{Map, Value, json};
use std::sync::Arc;
use support::cli::{check_json, status, strings, summary};
use support::fake_postgrest::{
    ANON_JWT, FakePostgrest, FakeTable, PostgrestVersion, SECRET_KEY, SERVICE_ROLE_JWT,
};
use support::pg::{History, Pg};
use support::project::mirror;

const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";

const BODY: &str = "## Data Context\n- **Data Type**: Guides\n- **Expected Record Count**: 42\n\n## Environment Information\n- **Environment**: Production\n\n\
## Troubleshooting Checklist\n- [ ] Verify Supabase function execution\n- [ ] Test database connectivity\n- [ ] Review cronjob execution logs\n- [ ] Verify target data in Supabase\n- [ ] Validate data completeness\n- [ ] Compare source data in Pendo\n";

/// A real database with `history` and the health function installed, and a fake
/// PostgREST serving its rows and calling its function.
fn project(history: History) -> (Arc<Pg>, FakePostgrest) {
    let pg = Arc::new(Pg::start());
    pg.load(history, NOW);
    let sql = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sql/pendo_triage_health.sql"
    ))
    .unwrap();
    pg.exec(&sql);
    let rest = mirror(&pg);
    let db = pg.clone();
    rest.add_function(
        "pendo_triage_health",
        &["job_name?", "since?"],
        move |args: &Map<String, Value>| {
            let job = args
                .get("job_name")
                .and_then(Value::as_str)
                .map_or("null".to_string(), |j| {
                    format!("'{}'", j.replace('\'', "''"))
                });
            let since = args
                .get("since")
                .and_then(Value::as_str)
                .unwrap_or("2000-01-01T00:00:00Z");
            let out = db.query_json(&format!(
                "select public.pendo_triage_health({job}, '{}') as h",
                since.replace('\'', "''")
            ));
            Ok(out[0]["h"].clone())
        },
    );
    (pg, rest)
}

fn check_rest(rest: &FakePostgrest, key: &str, extra: &[(&str, &str)]) -> Value {
    let mut env = vec![
        ("SUPABASE_URL", rest.url()),
        ("SUPABASE_SERVICE_ROLE_KEY", key),
        ("PENDO_TRIAGE_NOW", NOW_TEXT),
    ];
    env.extend_from_slice(extra);
    check_json(BODY, "", &env, &[key])
}

#[test]
fn the_rest_path_reaches_the_same_verdict_as_the_database() {
    for history in [
        History::Healthy,
        History::JobInactive,
        History::WipedToZero,
        History::EdgeHttpErrors,
    ] {
        let (pg, rest) = project(history);
        let via_rest = check_rest(&rest, SERVICE_ROLE_JWT, &[]);
        let url = pg.url("verify-full");
        let via_db = check_json(
            BODY,
            "",
            &[("SUPABASE_DB_URL", &url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
            &[],
        );
        for id in [
            "supabase.tables",
            "supabase.freshness",
            "supabase.sync-log",
            "supabase.cron",
            "supabase.http",
        ] {
            assert_eq!(
                status(&via_rest, id),
                status(&via_db, id),
                "{}: {id}: {} / {}",
                history.name(),
                summary(&via_rest, id),
                summary(&via_db, id)
            );
            assert_eq!(
                summary(&via_rest, id),
                summary(&via_db, id),
                "{}: {id}",
                history.name()
            );
        }
        assert_eq!(
            via_rest["severity"],
            via_db["severity"],
            "{}",
            history.name()
        );
        assert_eq!(status(&via_rest, "supabase.api"), "pass");
        // Read-only, and a fixed number of requests whatever the tables hold:
        // root 1 + 2 per table × 5 + 2 per entity × 5 (recent runs, 4 weeks of completed
        // runs) + other entity values 1 + health 1.
        assert!(rest.writes().is_empty(), "{:?}", rest.writes());
        assert_eq!(
            rest.requests().len(),
            23,
            "{}: {:?}",
            history.name(),
            rest.requests()
                .iter()
                .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn keys_go_the_way_supabase_wants_them() {
    let (_pg, rest) = project(History::Healthy);
    check_rest(&rest, SERVICE_ROLE_JWT, &[]);
    for r in rest.requests() {
        assert_eq!(r.header("apikey"), Some(SERVICE_ROLE_JWT));
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {SERVICE_ROLE_JWT}").as_str())
        );
    }
    rest.clear_requests();
    let report = check_rest(&rest, SECRET_KEY, &[]);
    assert_eq!(
        status(&report, "supabase.api"),
        "pass",
        "{}",
        summary(&report, "supabase.api")
    );
    for r in rest.requests() {
        assert_eq!(r.header("apikey"), Some(SECRET_KEY));
        assert_eq!(
            r.header("authorization"),
            None,
            "an sb_secret_ key is not a JWT"
        );
        assert!(r.header("user-agent").unwrap().starts_with("pendo-triage/"));
    }
    // The counts: exact below the size cap, with Prefer headers PostgREST reads.
    let heads: Vec<_> = rest
        .requests()
        .into_iter()
        .filter(|r| r.method == "HEAD")
        .collect();
    assert_eq!(heads.len(), 5);
    assert!(
        heads
            .iter()
            .all(|h| h.header("prefer") == Some("count=exact"))
    );
}

#[test]
fn each_gateway_failure_has_its_own_diagnosis() {
    let (_pg, rest) = project(History::Healthy);
    // A key Supabase does not know.
    let bad = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.fake-wrong-signature-for-tests";
    let r = check_rest(&rest, bad, &[]);
    assert_eq!(status(&r, "supabase.api"), "fail");
    assert!(
        summary(&r, "supabase.api").contains("Invalid API key"),
        "{}",
        summary(&r, "supabase.api")
    );
    assert_eq!(r["severity"], "P0");
    // The anon key: the bot says so, and what it reads is not a verdict on the data.
    let r = check_rest(&rest, ANON_JWT, &[]);
    assert_eq!(status(&r, "supabase.api"), "warn");
    assert!(summary(&r, "supabase.api").contains("row-level security hides rows"));
    // A paused project.
    rest.knobs(|k| k.paused = true);
    let r = check_rest(&rest, SERVICE_ROLE_JWT, &[]);
    assert_eq!(status(&r, "supabase.api"), "fail");
    assert!(
        summary(&r, "supabase.api").contains("paused"),
        "{}",
        summary(&r, "supabase.api")
    );
    assert_eq!(r["severity"], "P0");
    rest.knobs(|k| k.paused = false);
    // A 5xx.
    rest.knobs(|k| {
        k.overrides.push(support::fake_postgrest::StatusOverride {
            path_prefix: "/rest/v1/".into(),
            status: 503,
            times: 100,
        })
    });
    let r = check_rest(&rest, SERVICE_ROLE_JWT, &[]);
    assert_eq!(status(&r, "supabase.api"), "fail");
    assert_eq!(r["severity"], "P0");
}

#[test]
fn a_missing_table_passes_on_postgrests_hint_in_both_versions() {
    for version in [PostgrestVersion::V12, PostgrestVersion::V13] {
        let (_pg, rest) = project(History::Healthy);
        rest.knobs(|k| k.version = version);
        let config = "tables:\n  - { data_type: Guides, name: pendo_guide, freshness_column: last_synced }\n";
        let env = [
            ("SUPABASE_URL", rest.url()),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ];
        let r = check_json(BODY, config, &env, &[SERVICE_ROLE_JWT]);
        assert_eq!(status(&r, "supabase.tables"), "fail", "{version:?}");
        let s = summary(&r, "supabase.tables");
        assert!(s.starts_with("pendo_guide is missing"), "{version:?}: {s}");
        if version == PostgrestVersion::V13 {
            assert!(
                s.contains("Perhaps you meant the table 'public.pendo_guides'"),
                "{s}"
            );
        }
        assert!(r["next_steps"].to_string().contains("reload schema"));
        assert_eq!(r["severity"], "P0");
        assert!(strings(&r, "labels").contains(&"database"));
    }
}

#[test]
fn a_count_at_the_row_cap_and_a_huge_table_are_read_right() {
    let (_pg, rest) = project(History::Healthy);
    let rows: Vec<Value> = (0..1000)
        .map(|i| json!({"id": format!("g{i}"), "last_synced": "2026-11-28T06:00:00+00:00"}))
        .collect();
    rest.add_table("pendo_guides", FakeTable::new(rows));
    rest.add_table(
        "pendo_events",
        FakeTable::new(vec![
            json!({"id": 1, "created_at": "2026-11-28T06:00:00+00:00"}),
        ])
        .planned(5_000_000),
    );
    let r = check_rest(&rest, SERVICE_ROLE_JWT, &[]);
    assert_eq!(status(&r, "supabase.tables"), "warn");
    let s = summary(&r, "supabase.tables");
    assert!(s.contains("pendo_guides holds exactly 1,000 rows"), "{s}");
    // Above the size cap the count stays the planner's: no exact count is asked for.
    let events_head = rest
        .requests()
        .into_iter()
        .find(|q| q.method == "HEAD" && q.path.ends_with("/pendo_events"))
        .unwrap();
    assert_eq!(events_head.header("prefer"), Some("count=planned"));
    assert!(
        r["checks"].to_string().contains("pendo_events ~5,000,000"),
        "{}",
        r["checks"]
    );
}

#[test]
fn without_the_health_function_cron_and_http_say_how_to_install_it() {
    let (pg, with) = project(History::Healthy);
    // The same project with the function not installed: PostgREST answers PGRST202.
    let without = mirror(&pg);
    let r = check_rest(&without, SERVICE_ROLE_JWT, &[]);
    for id in ["supabase.cron", "supabase.http"] {
        assert_eq!(status(&r, id), "skip", "{id}");
    }
    let steps = r["next_steps"].to_string();
    assert!(steps.contains("sql/pendo_triage_health.sql"), "{steps}");
    assert_eq!(
        steps.matches("pendo_triage_health.sql").count(),
        1,
        "one step, not two"
    );
    // The data checks still ran over REST, and the schedule is simply not known.
    assert_eq!(status(&r, "supabase.freshness"), "pass");
    // Denied to the key's role: an error, not a verdict.
    with.deny_function("pendo_triage_health");
    let r = check_rest(&with, SERVICE_ROLE_JWT, &[]);
    assert_eq!(status(&r, "supabase.cron"), "error");
    assert!(
        summary(&r, "supabase.cron").contains("42501"),
        "{}",
        summary(&r, "supabase.cron")
    );
}

#[test]
fn completeness_reads_the_counts_the_other_checks_fetched() {
    let (_pg, rest) = project(History::Healthy);
    // Pendo lists 50 guides (all apps); Supabase holds 42: 84%, under 95%.
    let pendo = support::fake_pendo::FakePendo::builder()
        .now_ms(NOW * 1000)
        .guides(30, 20)
        .start();
    let r = check_rest(
        &rest,
        SERVICE_ROLE_JWT,
        &[
            ("PENDO_INTEGRATION_KEY", support::fake_pendo::FAKE_PENDO_KEY),
            ("PENDO_BASE_URL", pendo.url()),
        ],
    );
    assert_eq!(status(&r, "supabase.completeness"), "warn");
    assert_eq!(
        summary(&r, "supabase.completeness"),
        "Supabase holds 42 of Pendo's 50 guides (84%): partial data, under the 95% threshold"
    );
    assert_eq!(r["severity"], "P1");
    assert!(strings(&r, "ticks").contains(&"Compare source data in Pendo"));
    // One Pendo list request, shared with pendo.endpoint.
    let lists = pendo
        .requests()
        .into_iter()
        .filter(|q| q.path == "/api/v1/guide")
        .count();
    assert_eq!(
        lists, 2,
        "with and without expand=*, as the counts differ from the expected 42"
    );
}

#[test]
fn a_missing_sync_log_is_named_with_postgrests_code() {
    let (_pg, rest) = project(History::Healthy);
    let env = [
        ("SUPABASE_URL", rest.url()),
        ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
        ("PENDO_TRIAGE_NOW", NOW_TEXT),
    ];
    let r = check_json(
        BODY,
        "sync_log:\n  table: sync_runs\n",
        &env,
        &[SERVICE_ROLE_JWT],
    );
    assert_eq!(status(&r, "supabase.sync-log"), "fail");
    let s = summary(&r, "supabase.sync-log");
    assert!(
        s.starts_with("The sync log is missing: sync_runs answers 404 PGRST205"),
        "{s}"
    );
    assert_eq!(r["severity"], "P0");
    assert!(r["next_steps"].to_string().contains("reload schema"));
}
