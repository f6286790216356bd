//! The headline's stories against the real-PostgreSQL reference deployment: a sync that
//! dies half-way through its runs fails the sync log and leads the headline over pg_net's
//! timeout note (issue 25, item 1), and a wipe's headline carries the cause the Edge
//! Function's own console gives (item 3).

use crate::support;

use serde_json::Value;
use support::cli::{check_json, check_markdown, finding, status, summary};
use support::fake_management::{
    ConsoleLine, FAKE_ACCESS_TOKEN, FakeManagement, Function, Invocation, Knobs, PROJECT_REF,
};
use support::pg::{FAKE_SERVICE_ROLE_JWT, Pg, Reference, run_start};

/// 2026-11-28T10:00:00Z: the fixture's reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";
const FUNCTION_ID: &str = "0b5e0000-0000-4000-8000-000000000025";

/// A member's issue about Guides in Production.
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n\n\
## Troubleshooting Checklist\n### Infrastructure Investigation\n- [ ] Verify Supabase function execution\n- [ ] Review cronjob execution logs\n\n\
## Test Cases for Validation\n- [ ] Data sync completes without errors\n- [ ] All expected data types processed\n";

/// What the reference function prints when the service role cannot read the events.
const DENIED: &str = r#"❌ Cannot access pendo_events table: {"code":"42501","details":null,"hint":null,"message":"permission denied for table pendo_events"}"#;
const ZERO: &str = "This means analytics will be 0 for all guides!";

fn reference(r: Reference) -> Pg {
    let pg = Pg::start();
    r.load(&pg);
    pg
}

fn ticks(r: &Value) -> Vec<&str> {
    r["ticks"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

#[test]
fn a_sync_that_dies_half_way_in_two_runs_fails_and_outranks_pg_nets_timeout_note() {
    // Guides and features completed in the last 2 runs; pages, reports and events logged
    // nothing since the run before (12 h; the job runs every 6 h); pg_net timed out on
    // the newest call. No access token: the function's log is not read.
    let pg = reference(Reference::new(NOW).died_half_way(2).pg_net_timeouts());
    let r = check_json(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    let stopped = "the sync stopped after features in the last 2 runs: pages, reports and events have no run since 2026-11-27 18:00 UTC";
    assert_eq!(status(&r, "supabase.sync-log"), "fail");
    assert_eq!(summary(&r, "supabase.sync-log"), stopped);
    assert_eq!(finding(&r, "supabase.sync-log")["impact"], "critical");
    // Production: P0, and the sync log's failure leads.
    assert_eq!(r["severity"], "P0", "{}", r["diagnosis"]);
    let diagnosis = r["diagnosis"].as_str().unwrap();
    assert!(
        diagnosis.starts_with(&format!("{stopped} — Production")),
        "{diagnosis}"
    );
    // pg_net's note stays a note, and vouches only for the entities that completed.
    assert_eq!(status(&r, "supabase.http"), "warn");
    let http = summary(&r, "supabase.http");
    assert!(
        http.starts_with("pg_net stopped waiting on 1 of 1 Edge Function calls, but guides and features completed after it (sync log), pages, reports and events did not"),
        "{http}"
    );
    assert!(!http.contains("the runs completed"), "{http}");
    // A dead sync ticks neither sync item.
    for item in [
        "Data sync completes without errors",
        "All expected data types processed",
    ] {
        assert!(!ticks(&r).contains(&item), "{item} ticked: {:?}", ticks(&r));
    }
}

#[test]
fn one_run_that_died_half_way_is_still_a_warning_behind_nothing_critical() {
    let pg = reference(Reference::new(NOW).died_half_way(1).pg_net_timeouts());
    let r = check_json(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    assert_eq!(
        status(&r, "supabase.sync-log"),
        "warn",
        "{}",
        r["diagnosis"]
    );
    assert!(summary(&r, "supabase.sync-log").starts_with("pages: no run logged since"));
    assert_ne!(r["severity"], "P0", "{}", r["diagnosis"]);
    // The measured degradation of the pipeline leads, not the configuration note.
    let diagnosis = r["diagnosis"].as_str().unwrap();
    assert!(
        diagnosis.starts_with("pages: no run logged since"),
        "{diagnosis}"
    );
}

/// The function's logs: every run in the window answered 200 and printed both lines.
fn denied_logs() -> Knobs {
    let mut k = Knobs {
        functions: vec![Function {
            id: FUNCTION_ID.into(),
            // What the reference fixture's cron wrapper calls (`/functions/v1/pendo-sync`).
            slug: "pendo-sync".into(),
            version: 9,
            status: "ACTIVE".into(),
            updated_at: NOW - 30 * 86_400,
        }],
        ..Knobs::default()
    };
    for n in 0..4 {
        let start = run_start(NOW, n);
        k.invocations.push(Invocation {
            at: start + 75,
            function_id: FUNCTION_ID.into(),
            status_code: 200,
            execution_time_ms: 75_000,
        });
        for (after, message) in [(44, DENIED), (45, ZERO)] {
            k.console.push(ConsoleLine {
                at: start + after,
                function_id: FUNCTION_ID.into(),
                level: "error".into(),
                message: message.into(),
            });
        }
    }
    k
}

fn config(fake: &FakeManagement) -> String {
    format!(
        "functions:\n  project_ref: {PROJECT_REF}\n  management_url: {}\n",
        fake.url()
    )
}

#[test]
fn the_wipes_headline_carries_the_cause_the_functions_console_gives() {
    let pg = reference(Reference::new(NOW).views_wiped());
    let fake = FakeManagement::start(denied_logs());
    let env = [
        ("SUPABASE_DB_URL", pg.url("verify-full")),
        ("SUPABASE_ACCESS_TOKEN", FAKE_ACCESS_TOKEN.to_string()),
        ("PENDO_TRIAGE_NOW", NOW_TEXT.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let secrets = [FAKE_ACCESS_TOKEN, FAKE_SERVICE_ROLE_JWT];
    let r = check_json(BODY, &config(&fake), &env, &secrets);
    assert_eq!(status(&r, "supabase.analytics"), "fail");
    assert_eq!(status(&r, "supabase.functions"), "fail");
    assert_eq!(r["severity"], "P0");
    let diagnosis = r["diagnosis"].as_str().unwrap();
    // The data's failure leads; the function's console says why.
    assert!(
        diagnosis.starts_with(
            "Analytics wiped: views are 0 on 117 of 118 guides; 91 of them have events in the last 7 days \
— the sync function logs 'permission denied for table pendo_events' on every run since 11-27 — Production"
        ),
        "{diagnosis}"
    );
    // The grouping names what the unknown line says.
    let ev = finding(&r, "supabase.functions")["evidence"].to_string();
    assert!(
        ev.contains("4 × 'This means analytics will be 0 for all guides!' (swallowed)"),
        "{ev}"
    );
    assert!(!ev.contains("an error (swallowed)"), "{ev}");
    // In the comment the quoted words go out escaped, once.
    let md = check_markdown(BODY, &config(&fake), &env, &secrets);
    let headline = md.lines().find(|l| l.starts_with("### ")).unwrap();
    assert!(
        headline.contains("the sync function logs 'permission denied for table pendo\\_events' on every run since 11-27"),
        "{headline}"
    );
    assert!(!headline.contains("\\\\_"), "escaped twice: {headline}");
}
