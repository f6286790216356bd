//! `supabase.functions` against a fake Management API on 127.0.0.1: the recorded
//! incidents of the reference deployment (a real PostgreSQL 15 holds the sync log and
//! pg_net's answers) are named from the Edge Function's own log lines, and the token's
//! failures say what to fix. Every story asserts the run sent at most 3 Management API
//! requests and that the token never shows.

use crate::{action_harness, support};

use serde_json::Value;
use support::cli::{check_json, finding, status, summary};
use support::fake_management::{
    ConsoleLine, FAKE_ACCESS_TOKEN, FakeManagement, Function, Invocation, Knobs, PROJECT_REF,
};
use support::pg::{FAKE_SERVICE_ROLE_JWT, History, Pg, run_start};

/// 2026-11-28T10:00:00Z: the histories' reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";
const FUNCTION_ID: &str = "0b5e0000-0000-4000-8000-000000000001";

const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n\n\
## Troubleshooting Checklist\n### Infrastructure Investigation\n- [ ] Verify Supabase function execution\n- [ ] Review cronjob execution logs\n";

fn function(slug: &str, version: i64, updated_at: i64) -> Function {
    Function {
        id: FUNCTION_ID.into(),
        slug: slug.into(),
        version,
        status: "ACTIVE".into(),
        updated_at,
    }
}

fn invocation(at: i64, status_code: u16, secs: u64) -> Invocation {
    Invocation {
        at,
        function_id: FUNCTION_ID.into(),
        status_code,
        execution_time_ms: secs * 1000,
    }
}

fn console(at: i64, message: &str) -> ConsoleLine {
    ConsoleLine {
        at,
        function_id: FUNCTION_ID.into(),
        level: "error".into(),
        message: message.into(),
    }
}

/// The config pointing the check at the fake (the project ref given, since the fake's
/// URL is not `<ref>.supabase.co`), with `slugs` when given.
fn config(fake: &FakeManagement, slugs: &[&str]) -> String {
    let mut c = format!(
        "functions:\n  project_ref: {PROJECT_REF}\n  management_url: {}\n",
        fake.url()
    );
    if !slugs.is_empty() {
        c.push_str(&format!("  slugs: [{}]\n", slugs.join(", ")));
    }
    c
}

/// `check` with the token and, when given, the database of a history.
fn triage(fake: &FakeManagement, slugs: &[&str], db: Option<&str>) -> Value {
    let mut env = vec![
        ("SUPABASE_ACCESS_TOKEN", FAKE_ACCESS_TOKEN),
        ("PENDO_TRIAGE_NOW", NOW_TEXT),
    ];
    if let Some(url) = db {
        env.push(("SUPABASE_DB_URL", url));
    }
    let r = check_json(
        BODY,
        &config(fake, slugs),
        &env,
        &[FAKE_ACCESS_TOKEN, FAKE_SERVICE_ROLE_JWT],
    );
    let sent = fake.requests();
    assert!(
        sent.len() <= 3,
        "{} Management API requests: {sent:?}",
        sent.len()
    );
    r
}

fn evidence(r: &Value) -> String {
    finding(r, "supabase.functions")["evidence"].to_string()
}

/// The report's next steps (the JSON lists them for the whole report).
fn next_steps(r: &Value) -> String {
    r["next_steps"].to_string()
}

/// The recorded duplicate-upsert incident: `pages` upserts a row twice (runs 1, 2, 5) and
/// the newest run died of WORKER_LIMIT. The function's own lines name both.
fn duplicate_upsert_logs() -> Knobs {
    let mut k = Knobs {
        functions: vec![function("pendo-sync", 17, NOW - 20 * 86_400)],
        ..Knobs::default()
    };
    let run0 = run_start(NOW, 0);
    k.invocations.push(invocation(run0 + 71, 546, 71));
    k.console.push(console(run0 + 70, "Memory limit exceeded"));
    for n in 1..4 {
        let start = run_start(NOW, n);
        k.invocations.push(invocation(start + 80, 200, 80));
        if n < 3 {
            k.console.push(console(
                start + 50,
                "pages: upsert failed: ON CONFLICT DO UPDATE command cannot affect row a second time",
            ));
        }
    }
    k
}

#[test]
fn worker_limit_runs_are_named_from_the_function_log() {
    let pg = Pg::start();
    pg.load(History::DuplicateUpsert, NOW);
    let fake = FakeManagement::start(duplicate_upsert_logs());
    let r = triage(&fake, &[], Some(&pg.url("verify-full")));
    assert_eq!(status(&r, "supabase.functions"), "fail");
    assert_eq!(
        summary(&r, "supabase.functions"),
        "The 06:00 UTC run failed with WORKER_LIMIT after 71 s (Edge Function log)"
    );
    // Only this check can say it: it leads the diagnosis.
    assert!(
        r["diagnosis"].as_str().unwrap().starts_with(
            "The 06:00 UTC run failed with WORKER_LIMIT after 71 s (Edge Function log)"
        ),
        "{}",
        r["diagnosis"]
    );
    assert_eq!(r["severity"], "P0");
    let ev = evidence(&r);
    // Paired with the run's sync_status row and pg_net's answer.
    assert!(
        ev.contains("06:00 UTC run: 546 after 71 s · sync log pages failed · pg_net 546"),
        "{ev}"
    );
    // The duplicate upsert, in the function's own words.
    assert!(
        ev.contains("ON CONFLICT DO UPDATE command cannot affect row a second time"),
        "{ev}"
    );
    assert!(
        next_steps(&r).contains("Process smaller batches"),
        "{}",
        next_steps(&r)
    );
    // The cron job named the function: the slug came from its URL.
    let sent = fake.requests();
    assert_eq!(sent.len(), 3);
    // The function list first; then its two log queries, together (in either order).
    assert!(sent[0].path.ends_with("/functions"));
    assert_eq!(
        sent.iter()
            .filter(|q| q.query.contains("function_edge_logs"))
            .count(),
        1,
        "{sent:?}"
    );
    assert!(
        sent.iter()
            .all(|q| q.authorization.as_deref() == Some(&*format!("Bearer {FAKE_ACCESS_TOKEN}")))
    );
}

#[test]
fn a_deploy_just_before_the_failing_streak_is_named() {
    let pg = Pg::start();
    pg.load(History::FailingStreak, NOW);
    // The streak's first run (run 3) started its first entity 2 s after the hour.
    let first_failure = run_start(NOW, 3) + 2;
    let mut k = Knobs {
        functions: vec![function("pendo-sync", 42, first_failure - 12 * 60)],
        ..Knobs::default()
    };
    for n in 0..4 {
        let start = run_start(NOW, n);
        k.invocations.push(invocation(start + 61, 500, 61));
        k.console.push(console(
            start + 30,
            "Pendo API error 429 Too Many Requests: rate limit exceeded for this integration key",
        ));
    }
    let fake = FakeManagement::start(k);
    let r = triage(&fake, &[], Some(&pg.url("verify-full")));
    assert_eq!(status(&r, "supabase.functions"), "fail");
    let s = summary(&r, "supabase.functions");
    assert!(
        s.starts_with("pendo-sync was deployed (v42) 12 min before the first failing run; 4 of 4 invocations of pendo-sync failed"),
        "{s}"
    );
    assert!(next_steps(&r).contains("roll back"), "{}", next_steps(&r));
}

#[test]
fn a_swallowed_on_conflict_is_found_in_the_console_and_a_printed_token_is_masked() {
    let mut k = Knobs {
        functions: vec![function("sync-pendo-incremental", 9, NOW - 30 * 86_400)],
        ..Knobs::default()
    };
    k.invocations.push(invocation(NOW - 3600 + 40, 200, 40));
    k.console.push(console(
        NOW - 3600 + 20,
        &format!("upsert pendo_pages (token {FAKE_ACCESS_TOKEN}): ON CONFLICT DO UPDATE command cannot affect row a second time"),
    ));
    let fake = FakeManagement::start(k);
    let r = triage(&fake, &["sync-pendo-incremental"], None);
    assert_eq!(status(&r, "supabase.functions"), "fail");
    let s = summary(&r, "supabase.functions");
    assert!(s.contains("logged ON CONFLICT DO UPDATE (a row twice in one upsert) in 1 invocation(s) that answered 2xx: the error was swallowed"), "{s}");
    assert!(next_steps(&r).contains("Dedupe rows"), "{}", next_steps(&r));
    // check_json asserted the token is nowhere; the line is there, masked.
    assert!(evidence(&r).contains("cannot affect row a second time"));
}

#[test]
fn a_function_that_does_not_exist_fails_with_the_deploy_command() {
    let fake = FakeManagement::start(Knobs {
        functions: vec![function("sync-pendo-incremental", 3, NOW - 86_400)],
        ..Knobs::default()
    });
    let r = triage(&fake, &["pendo-sync"], None);
    assert_eq!(status(&r, "supabase.functions"), "fail");
    assert!(
        summary(&r, "supabase.functions")
            .starts_with("The Edge Function pendo-sync does not exist")
    );
    assert!(
        next_steps(&r)
            .contains("supabase functions deploy pendo-sync --project-ref abcdefghijklmnop")
    );
    assert!(evidence(&r).contains("deployed functions: sync-pendo-incremental"));
    assert_eq!(
        fake.requests().len(),
        1,
        "no logs asked for a missing function"
    );
}

#[test]
fn a_bad_token_is_an_error_that_says_what_to_set() {
    let fake = FakeManagement::start(Knobs {
        token: Some("sbp_another0000000000000000000000000000000".into()),
        ..Knobs::default()
    });
    let r = triage(&fake, &["pendo-sync"], None);
    assert_eq!(status(&r, "supabase.functions"), "error");
    assert!(summary(&r, "supabase.functions").contains("rejects the Supabase access token (401)"));
    assert!(next_steps(&r).contains("SUPABASE_ACCESS_TOKEN"));
    assert_eq!(fake.requests().len(), 1);
}

#[test]
fn a_token_without_access_to_the_project_says_so() {
    let fake = FakeManagement::start(Knobs {
        forbidden: true,
        ..Knobs::default()
    });
    let r = triage(&fake, &["pendo-sync"], None);
    assert_eq!(status(&r, "supabase.functions"), "error");
    assert!(
        summary(&r, "supabase.functions").contains("may not read project abcdefghijklmnop (403)")
    );
}

#[test]
fn a_429_is_waited_out_once_within_the_three_requests() {
    let mut k = duplicate_upsert_logs();
    k.rate_limit = Some((1, 1));
    let fake = FakeManagement::start(k);
    let r = triage(&fake, &["pendo-sync"], None);
    let sent = fake.requests();
    assert_eq!(
        sent.iter().map(|q| q.status).collect::<Vec<_>>(),
        [429, 200, 200]
    );
    // The retry spent the console's request: said, not hidden.
    assert!(
        evidence(&r).contains(
            "console not read: not asked: the run's 3 Management API requests were spent"
        ),
        "{}",
        evidence(&r)
    );
    assert_eq!(status(&r, "supabase.functions"), "fail");
}

#[test]
fn without_a_token_the_check_says_what_to_set_and_what_the_token_can_do() {
    let r = check_json(BODY, "", &[("PENDO_TRIAGE_NOW", NOW_TEXT)], &[]);
    assert_eq!(status(&r, "supabase.functions"), "skip");
    let s = summary(&r, "supabase.functions");
    assert!(s.contains("set the supabase-access-token input"), "{s}");
    assert!(s.contains("deploys and logs"), "{s}");
}

#[test]
fn the_whole_report_with_function_evidence() {
    let pg = Pg::start();
    pg.load(History::DuplicateUpsert, NOW);
    let fake = FakeManagement::start(duplicate_upsert_logs());
    let md = support::cli::check_markdown(
        BODY,
        &config(&fake, &[]),
        &[
            ("SUPABASE_ACCESS_TOKEN", FAKE_ACCESS_TOKEN),
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_ACCESS_TOKEN, FAKE_SERVICE_ROLE_JWT],
    );
    insta::assert_snapshot!("report_functions_worker_limit", md);
}

#[test]
fn the_watch_issue_carries_the_function_evidence() {
    let pg = Pg::start();
    pg.load(History::DuplicateUpsert, NOW);
    let fake = FakeManagement::start(duplicate_upsert_logs());
    let mut h = action_harness::Harness::new("watch-functions");
    std::fs::create_dir_all(h.dir.join("workspace/.github")).unwrap();
    std::fs::write(
        h.dir.join("workspace/.github/pendo-triage.yml"),
        config(&fake, &[]),
    )
    .unwrap();
    h.set("SUPABASE_DB_URL", &pg.url("verify-full"));
    h.input("supabase-access-token", FAKE_ACCESS_TOKEN);
    h.input("watch", "true");
    h.set_clock(NOW_TEXT);
    let run = h.run("schedule", &serde_json::json!({"schedule": "23 * * * *"}));
    run.ok();
    let issues: Vec<_> =
        h.gh.issues()
            .into_iter()
            .filter(|i| i.state == "open" && i.body.contains("<!-- pendo-triage:watch -->"))
            .collect();
    assert_eq!(issues.len(), 1, "{:?}", h.gh.issues());
    let i = &issues[0];
    // Escaped like every summary the watch quotes.
    assert!(
        i.body.contains("- `supabase.functions`: The 06:00 UTC run failed with WORKER\\_LIMIT after 71 s (Edge Function log)"),
        "{}",
        i.body
    );
    let report = &h.reports(i.number)[0];
    assert!(
        report.contains("console error 2026-11-28 06:01 UTC: Memory limit exceeded"),
        "{report}"
    );
    // The watch's data types and the triage of its issue shared one fetch.
    assert!(fake.requests().len() <= 3, "{:?}", fake.requests());
    // The runner's mask command is the one place the value goes, as it must.
    let mask = format!("::add-mask::{FAKE_ACCESS_TOKEN}");
    let stdout = run.stdout.replace(&mask, "");
    for (what, text) in [
        ("issue", &i.body),
        ("report", report),
        ("stdout", &stdout),
        ("stderr", &run.stderr),
        ("summary", &run.summary),
        ("outputs", &run.outputs),
    ] {
        assert!(
            !text.contains(FAKE_ACCESS_TOKEN),
            "the token leaked into {what}"
        );
    }
}

/// The reference deployment's job runs `SELECT call_pendo_sync_edge_function();`: the
/// slug comes from that SQL function's body (the fixture's URL ends in `pendo-sync`), and only that function's logs are read,
/// though five deployed functions mention pendo. Without the body's URL, the names are
/// the fallback, and the evidence says which way the slugs were chosen.
#[test]
fn the_function_the_cron_wrapper_calls_is_read_from_its_body() {
    use support::pg::Reference;
    let pg = Pg::start();
    Reference::new(NOW).load(&pg);
    let slugs = [
        "sync-pendo-incremental",
        "pendo-sync",
        "pendo-analytics",
        "pendo-backfill",
        "pendo-webhook",
    ];
    let knobs = Knobs {
        functions: slugs
            .iter()
            .enumerate()
            .map(|(i, s)| Function {
                id: format!("0b5e0000-0000-4000-8000-00000000000{i}"),
                ..function(s, 3, NOW - 30 * 86_400)
            })
            .collect(),
        ..Knobs::default()
    };
    let fake = FakeManagement::start(knobs);
    let r = triage(&fake, &[], Some(&pg.url("verify-full")));
    let ev = evidence(&r);
    assert!(
        ev.contains("functions checked: pendo-sync (the cron job runs select call_pendo_sync_edge_function(), whose body calls /functions/v1/pendo-sync)"),
        "{ev}"
    );
    // Only the called function's id is in the log queries; the body's key never shows.
    let logs: Vec<String> = fake
        .requests()
        .into_iter()
        .filter(|q| q.path.contains("logs"))
        .map(|q| q.query)
        .collect();
    assert!(!logs.is_empty());
    for q in &logs {
        assert!(q.contains("0b5e0000-0000-4000-8000-000000000001"), "{q}");
        for other in [0, 2, 3, 4] {
            assert!(
                !q.contains(&format!("0b5e0000-0000-4000-8000-00000000000{other}")),
                "{q}"
            );
        }
    }
    assert!(!r.to_string().contains(FAKE_SERVICE_ROLE_JWT));

    // The wrapper no longer names a function URL: the names are the fallback, said so.
    pg.exec(
        "create or replace function public.call_pendo_sync_edge_function() returns void \
         language plpgsql as $$ begin perform 1; end $$;",
    );
    let fake = FakeManagement::start(fake.knobs().clone());
    let r = triage(&fake, &[], Some(&pg.url("verify-full")));
    let ev = evidence(&r);
    assert!(
        ev.contains("functions checked: sync-pendo-incremental, pendo-sync, pendo-analytics, pendo-backfill, pendo-webhook (no cron job names one, so every deployed function whose slug mentions pendo; set functions.slugs to choose)"),
        "{ev}"
    );
}
