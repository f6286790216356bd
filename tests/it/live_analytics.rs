//! `supabase.analytics` against the reference deployment (`support::pg::Reference`): the
//! recorded incident (a completed run upserted every guide with `views = 0`) is a P0 that
//! names it; the healthy deployment, whose `completions` are never filled, is not; an empty
//! table is nothing to judge; and over REST the counts and a sample of the evidence come
//! from PostgREST's `Content-Range`.

use crate::support;

use serde_json::Value;
use support::cli::{check_json, finding, status, strings, summary};
use support::fake_postgrest::SERVICE_ROLE_JWT;
use support::pg::{FAKE_SERVICE_ROLE_JWT, Pg, Reference};
use support::project::mirror;

/// 2026-11-28T10:00:00Z: the fixture's reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";

/// A member's issue about Guides in Production ("the dashboard shows no views").
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n\n\
## Troubleshooting Checklist\n### Infrastructure Investigation\n- [ ] Test database connectivity\n- [ ] Review cronjob execution logs\n\n\
### Data Validation\n- [ ] Verify target data in Supabase\n\n\
## Test Cases for Validation\n- [ ] Data sync completes without errors\n";

/// The incident's line, as the report and the diagnosis give it.
const WIPED: &str =
    "Analytics wiped: views are 0 on 117 of 118 guides; 91 of them have events in the last 7 days";

fn check_db(pg: &Pg) -> Value {
    check_json(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    )
}

fn reference(r: Reference) -> Pg {
    let pg = Pg::start();
    r.load(&pg);
    pg
}

#[test]
fn the_recorded_wipe_is_p0_and_the_diagnosis_names_it() {
    let pg = reference(Reference::new(NOW).views_wiped());
    let r = check_db(&pg);
    assert_eq!(status(&r, "supabase.analytics"), "fail");
    assert_eq!(summary(&r, "supabase.analytics"), WIPED);
    assert_eq!(finding(&r, "supabase.analytics")["impact"], "critical");
    // Nothing in the sync log shows it: the log and the data's freshness pass.
    for id in ["supabase.sync-log", "supabase.tables", "supabase.freshness"] {
        assert_eq!(status(&r, id), "pass", "{id}: {}", summary(&r, id));
    }
    assert_eq!(r["severity"], "P0");
    let diagnosis = r["diagnosis"].as_str().unwrap();
    assert!(diagnosis.starts_with(WIPED), "{diagnosis}");
    let labels = strings(&r, "labels");
    for l in ["severity:P0", "supabase", "database"] {
        assert!(labels.contains(&l), "{l}: {labels:?}");
    }
    // The data in Supabase is not right, whatever the row counts say.
    let ticks = strings(&r, "ticks");
    for item in [
        "Verify target data in Supabase",
        "Data sync completes without errors",
    ] {
        assert!(!ticks.contains(&item), "{item}: {ticks:?}");
    }
    assert!(ticks.contains(&"Test database connectivity"), "{ticks:?}");
    // The never-filled column is said beside it, not counted as a second wipe.
    let evidence = finding(&r, "supabase.analytics")["evidence"].to_string();
    assert!(
        evidence.contains("note: completions are 0 on all 118 guides, never seen non-zero"),
        "{evidence}"
    );
    assert!(
        evidence.contains("pendo_guides: 118 guides, 92 with events in the last 7 days"),
        "{evidence}"
    );
    // Without the index that finds an entity's events, the window is scanned instead:
    // the same counts.
    pg.exec("drop index public.pendo_events_entity_idx;");
    let scanned = check_db(&pg);
    assert_eq!(summary(&scanned, "supabase.analytics"), WIPED);
    assert_eq!(
        finding(&scanned, "supabase.analytics")["evidence"],
        finding(&r, "supabase.analytics")["evidence"]
    );
}

#[test]
fn the_report_of_the_wipe_reads_well() {
    let pg = reference(Reference::new(NOW).views_wiped());
    let md = support::cli::check_markdown(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    insta::assert_snapshot!("report_views_wiped", md);
}

#[test]
fn a_healthy_deployment_whose_completions_are_never_filled_is_not_a_failure() {
    let pg = reference(Reference::new(NOW));
    let r = check_db(&pg);
    // Never seen non-zero: a note that passes, with the line that stops watching it.
    assert_eq!(status(&r, "supabase.analytics"), "pass");
    assert_eq!(
        summary(&r, "supabase.analytics"),
        "No metric column is wiped to zero (1 never seen non-zero: a note below)"
    );
    let evidence = finding(&r, "supabase.analytics")["evidence"].to_string();
    assert!(
        evidence.contains("note: completions are 0 on all 118 guides, never seen non-zero"),
        "{evidence}"
    );
    assert!(
        evidence.contains(
            "{ table: pendo_guides, entity_type: guide, columns: [views], from_events: [views] }"
        ),
        "{evidence}"
    );
    assert_eq!(finding(&r, "supabase.analytics")["impact"], "none");
    assert_eq!(r["severity"], "P2", "{}", r["diagnosis"]);
    assert!(!strings(&r, "labels").contains(&"severity:P0"));
    assert!(
        !r["diagnosis"]
            .as_str()
            .unwrap()
            .contains("never seen non-zero")
    );
    let ticks = strings(&r, "ticks");
    for item in [
        "Verify target data in Supabase",
        "Data sync completes without errors",
    ] {
        assert!(ticks.contains(&item), "{item}: {ticks:?}");
    }
}

/// The report's hidden state block, decoded.
fn state_of(report: &str) -> pendo_triage::state::State {
    pendo_triage::state::State::decode(report)
        .expect("a readable state block")
        .expect("a state block")
}

#[test]
fn a_column_the_bot_saw_filled_and_that_is_zero_now_is_a_wipe_from_its_memory() {
    use crate::action_harness::Harness;
    use serde_json::json;
    // A deployment that does fill completions (for the guides with views).
    let pg = reference(Reference::new(NOW));
    pg.exec("update public.pendo_guides set completions = 1 where views > 0;");
    let filled =
        pg.query_json("select count(*) as n from public.pendo_guides where completions > 0");
    let filled = filled[0]["n"].as_u64().unwrap();
    assert!(filled >= 50, "{filled}");
    let mut h = Harness::new("analytics-memory");
    h.set("SUPABASE_DB_URL", &pg.url("verify-full"));
    h.set_clock(NOW_TEXT);
    let n = h.file("[API] Guide metrics look off", BODY);
    h.opened(n).ok();
    let first = h.reports(n).pop().expect("a report");
    // The report remembers which columns it saw non-zero, and on how many rows.
    let memory = state_of(&first).analytics;
    assert_eq!(memory.non_zero("pendo_guides", "views"), Some(filled));
    assert_eq!(memory.non_zero("pendo_guides", "completions"), Some(filled));
    assert!(
        first.contains("No metric column is wiped to zero"),
        "{first}"
    );

    // A later sync writes 0 over completions. It is not counted from events, so nothing
    // but the bot's memory tells this from a column that was never filled.
    pg.exec("update public.pendo_guides set completions = 0;");
    let dispatch =
        json!({"inputs": {"issue-number": n.to_string()}, "sender": {"login": "maintainer"}});
    h.run("workflow_dispatch", &dispatch).ok();
    let second = h.reports(n).pop().expect("a report");
    let wiped = format!(
        "Analytics wiped: completions are 0 on all 118 guides; an earlier measurement saw it non-zero on {filled} of them"
    );
    assert!(second.contains(&wiped), "{second}");
    assert!(second.contains("P0"), "{second}");
    assert!(h.gh.issue(n).labels.contains(&"severity:P0".to_string()));
    // The memory keeps the earlier count while the wipe lasts: the next run says it again.
    assert_eq!(
        state_of(&second)
            .analytics
            .non_zero("pendo_guides", "completions"),
        Some(filled)
    );
    h.run("workflow_dispatch", &dispatch).ok();
    assert!(h.reports(n).pop().unwrap().contains(&wiped));

    // A new issue about the same deployment has no memory: a note, not a wipe.
    let fresh = h.file("[API] Another look", BODY);
    h.opened(fresh).ok();
    let report = h.reports(fresh).pop().unwrap();
    assert!(!report.contains("Analytics wiped"), "{report}");
    assert!(report.contains("never seen non-zero"), "{report}");

    // Recomputed: the wipe clears, and the memory follows the new count.
    pg.exec("update public.pendo_guides set completions = 2 where views > 0;");
    h.run("workflow_dispatch", &dispatch).ok();
    let healed = h.reports(n).pop().unwrap();
    assert!(!healed.contains("Analytics wiped"), "{healed}");
}

#[test]
fn a_table_with_no_rows_is_nothing_to_judge() {
    let pg = reference(Reference::new(NOW).views_wiped());
    pg.exec("truncate public.pendo_guides;");
    let r = check_db(&pg);
    assert_eq!(
        status(&r, "supabase.analytics"),
        "pass",
        "{}",
        summary(&r, "supabase.analytics")
    );
    let evidence = finding(&r, "supabase.analytics")["evidence"].to_string();
    assert!(
        evidence.contains("pendo_guides has no rows: nothing to compare"),
        "{evidence}"
    );
    // The empty table itself is supabase.tables' finding.
    assert_eq!(status(&r, "supabase.tables"), "fail");
}

#[test]
fn a_deployment_without_metric_columns_skips_with_the_key_to_set() {
    // The template's schema (the other histories) has no metric columns.
    let pg = Pg::start();
    pg.load(support::pg::History::Healthy, NOW);
    let r = check_db(&pg);
    assert_eq!(status(&r, "supabase.analytics"), "skip");
    assert!(summary(&r, "supabase.analytics").contains("analytics.metrics"));
    assert_eq!(r["severity"], "P2");
}

#[test]
fn over_rest_the_counts_and_a_sample_of_the_evidence_find_the_wipe() {
    let pg = reference(Reference::new(NOW).views_wiped());
    let rest = mirror(&pg);
    let r = check_json(
        BODY,
        "",
        &[
            ("SUPABASE_URL", rest.url()),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[SERVICE_ROLE_JWT],
    );
    assert_eq!(status(&r, "supabase.analytics"), "fail");
    // Which 100 of the 117 zero rows PostgREST returns first is its business: the line
    // says it is a sample and how many of it had events.
    let s = summary(&r, "supabase.analytics");
    let active: u64 = s
        .strip_prefix("Analytics wiped: views are 0 on 117 of 118 guides; ")
        .and_then(|rest| {
            rest.strip_suffix(" of a sample of 100 of them have events in the last 7 days")
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{s}"));
    assert!((51..=91).contains(&active), "{s}");
    assert_eq!(r["severity"], "P0");
    // Only reads, and a bounded number of them: supabase.tables sends 2 per table; the
    // analytics take the columns from the OpenAPI root and the rows from those counts,
    // then send 1 per metric column (a counted column's brings its zero rows' ids) and 1
    // more per counted column with zeros (here all three): 4 + 3.
    assert!(rest.writes().is_empty());
    let tables = [
        "pendo_guides",
        "pendo_features",
        "pendo_pages",
        "pendo_events",
    ];
    let sent = rest
        .requests()
        .iter()
        .filter(|q| tables.iter().any(|t| q.path.ends_with(&format!("/{t}"))))
        .count();
    assert_eq!(sent - 2 * tables.len(), 7);

    // The healthy deployment over REST: completions are a note, no P0.
    let healthy = reference(Reference::new(NOW));
    let rest = mirror(&healthy);
    let r = check_json(
        BODY,
        "",
        &[
            ("SUPABASE_URL", rest.url()),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[SERVICE_ROLE_JWT],
    );
    assert_eq!(status(&r, "supabase.analytics"), "pass");
    assert_ne!(r["severity"], "P0");
}

#[test]
fn the_reference_fixture_is_the_deployment_issue_14_describes() {
    use support::pg::{
        CRON_JOB_ERROR, GUIDES, READER_ROLE, REFERENCE_COMMAND, REFERENCE_JOB, reader_url,
    };
    let pg = reference(Reference::new(NOW));
    // The job runs the wrapper, every 6 hours.
    let jobs = pg.query_json("select jobname, schedule, command from cron.job");
    assert_eq!(jobs.as_array().map(Vec::len), Some(1), "{jobs}");
    assert_eq!(jobs[0]["jobname"], REFERENCE_JOB);
    assert_eq!(jobs[0]["schedule"], "0 */6 * * *");
    assert_eq!(jobs[0]["command"], REFERENCE_COMMAND);
    // The wrapper calls net.http_post without timeout_milliseconds: pg_net's 5 s applies.
    let src =
        pg.query_json("select prosrc from pg_proc where proname = 'call_pendo_sync_edge_function'");
    let src = src[0]["prosrc"].as_str().unwrap();
    assert!(src.contains("net.http_post(") && !src.contains("timeout_milliseconds"));
    pg.exec("select public.call_pendo_sync_edge_function();");
    let queued = pg.query_json(
        "select timeout_milliseconds from net.http_request_queue order by id desc limit 1",
    );
    assert_eq!(queued[0]["timeout_milliseconds"], 5000);
    // When the call raises, the wrapper logs it as cron_job with the error text.
    pg.exec("alter function net.http_post(text, jsonb, jsonb, jsonb, integer) rename to http_post_gone;");
    pg.exec("select public.call_pendo_sync_edge_function();");
    let logged = pg.query_json(
        "select status, error_message from public.sync_status where entity_type = 'cron_job'",
    );
    assert_eq!(logged[0]["status"], "failed");
    assert_eq!(logged[0]["error_message"], CRON_JOB_ERROR);
    // The Edge Function's rows: start = end; the analytics functions' own entity values.
    let unequal = pg.query_json(
        "select count(*) as n from public.sync_status where entity_type <> 'cron_job' and last_sync_start <> last_sync_end",
    );
    assert_eq!(unequal[0]["n"], 0);
    let entities = pg.query_json(
        "select distinct entity_type from public.sync_status where entity_type like '%_analytics' order by 1",
    );
    assert_eq!(entities.as_array().map(Vec::len), Some(3), "{entities}");
    // Views are counted from the events; completions never.
    let derived = pg.query_json(
        "select count(*) filter (where g.views = (select count(*) from public.pendo_events e where e.entity_type = 'guide' and e.entity_id = g.id)) as counted, \
         count(*) filter (where completions = 0) as never, count(*) as n from public.pendo_guides g",
    );
    assert_eq!(derived[0]["counted"], GUIDES);
    assert_eq!(derived[0]["never"], GUIDES);
    // RLS is on everywhere; the reader role does not bypass it and sees no row or job.
    let rls = pg.query_json(
        "select count(*) as n from pg_class where relnamespace = 'public'::regnamespace and relkind = 'r' and not relrowsecurity",
    );
    assert_eq!(rls[0]["n"], 0);
    let role = pg.query_json(&format!(
        "select rolbypassrls from pg_roles where rolname = '{READER_ROLE}'"
    ));
    assert_eq!(role[0]["rolbypassrls"], false);
    pg.exec(&format!(
        "set role {READER_ROLE}; do $$ begin \
         if (select count(*) from public.pendo_guides) <> 0 or (select count(*) from cron.job) <> 0 \
         then raise exception 'RLS does not hide the rows'; end if; end $$;"
    ));
    assert!(reader_url(&pg, "verify-full").contains(&format!("://{READER_ROLE}@")));

    // The incidents the builder adds.
    let broken = reference(
        Reference::new(NOW)
            .pg_net_timeouts()
            .cron_job_failures(3)
            .unscheduled(),
    );
    assert_eq!(
        broken.query_json("select * from cron.job"),
        serde_json::json!([])
    );
    let runs = broken.query_json("select count(*) as n from cron.job_run_details");
    assert_eq!(runs[0]["n"], 28);
    let failures = broken.query_json(
        "select count(*) as n from public.sync_status where entity_type = 'cron_job' and error_message = 'function net.http_post(url => unknown, headers => jsonb, body => jsonb) does not exist'",
    );
    assert_eq!(failures[0]["n"], 3);
    let timeouts = reference(Reference::new(NOW).pg_net_timeouts());
    let replies = timeouts.query_json("select timed_out from net._http_response");
    assert_eq!(replies[0]["timed_out"], true);
}

// ---- The reference deployment's other recorded cases (issue 14, items 2 to 7) ----------

/// Every tick the report would make.
fn ticks(r: &Value) -> Vec<&str> {
    strings(r, "ticks")
}

#[test]
fn reference_healthy_every_live_check_passes_and_the_lint_is_only_advice() {
    let pg = reference(Reference::new(NOW));
    // The reporter typed an endpoint the lint flags; the live checks measure a healthy sync.
    let body = format!(
        "{BODY}\n## API Details\n- **Endpoint**: `GET /api/v1/guide?limit=100&offset=200`\n"
    );
    let r = check_json(
        &body,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    assert_eq!(r["severity"], "P2", "{}", r["diagnosis"]);
    let diagnosis = r["diagnosis"].as_str().unwrap();
    assert!(
        diagnosis.starts_with("Every live check passes now:"),
        "{diagnosis}"
    );
    // The sync log counts the analytics functions' own entity values and stays clean.
    assert_eq!(
        status(&r, "supabase.sync-log"),
        "pass",
        "{}",
        summary(&r, "supabase.sync-log")
    );
    // start = end on every run: not an execution time of 0 s.
    let md = support::cli::check_markdown(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    assert!(
        md.contains(
            "| Execution Time | — | not recorded (start and end are equal on every guides run) |"
        ),
        "{md}"
    );
}

#[test]
fn reference_unscheduled_job_ticks_nothing_it_did_not_prove() {
    // The disable script deleted the job two days ago; the sync log's last rows completed.
    let pg = reference(Reference::new(NOW - 2 * 86_400).unscheduled());
    let r = check_db(&pg);
    assert_eq!(
        status(&r, "supabase.cron"),
        "fail",
        "{}",
        summary(&r, "supabase.cron")
    );
    assert_eq!(status(&r, "supabase.freshness"), "fail");
    // Without a schedule the sync log judges its last run against freshness.
    assert_eq!(
        status(&r, "supabase.sync-log"),
        "fail",
        "{}",
        summary(&r, "supabase.sync-log")
    );
    assert!(
        summary(&r, "supabase.sync-log").contains("over the 24 h freshness threshold"),
        "{}",
        summary(&r, "supabase.sync-log")
    );
    assert_eq!(r["severity"], "P0");
    let ticked = ticks(&r);
    for item in [
        "Data sync completes without errors",
        "Verify target data in Supabase",
    ] {
        assert!(!ticked.contains(&item), "{item} ticked: {ticked:?}");
    }
    assert!(strings(&r, "labels").contains(&"severity:P0"));
}

#[test]
fn reference_pg_net_timeouts_next_to_completed_runs_are_a_warning_with_the_fix() {
    let pg = reference(Reference::new(NOW).pg_net_timeouts());
    let r = check_db(&pg);
    assert_eq!(
        status(&r, "supabase.http"),
        "warn",
        "{}",
        summary(&r, "supabase.http")
    );
    assert!(
        summary(&r, "supabase.http").contains("but the runs completed"),
        "{}",
        summary(&r, "supabase.http")
    );
    let steps = strings(&r, "next_steps").join("\n");
    assert!(steps.contains("timeout_milliseconds"), "{steps}");
    assert_ne!(r["severity"], "P0", "{}", r["diagnosis"]);
}

#[test]
fn reference_wrapper_failures_under_cron_job_are_read_and_named() {
    let pg = reference(Reference::new(NOW).cron_job_failures(3));
    let r = check_db(&pg);
    assert_eq!(
        status(&r, "supabase.sync-log"),
        "fail",
        "{}",
        summary(&r, "supabase.sync-log")
    );
    let s = summary(&r, "supabase.sync-log");
    assert!(
        s.starts_with("cron_job: 3 failed runs in the window, the latest too"),
        "{s}"
    );
    assert!(s.contains("does not exist") || s.contains("—"), "{s}");
    let diagnosis = r["diagnosis"].as_str().unwrap();
    assert!(diagnosis.contains("cron_job"), "{diagnosis}");
    assert_eq!(r["severity"], "P0");
}

#[test]
fn reference_rls_hides_rows_from_a_role_without_bypassrls_and_the_report_says_so() {
    let pg = reference(Reference::new(NOW));
    let url = support::pg::reader_url(&pg, "verify-full");
    let r = check_json(
        BODY,
        "",
        &[("SUPABASE_DB_URL", &url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    // Not "no rows", "missing job" or "no run logged": the cause is the role.
    for id in ["supabase.tables", "supabase.sync-log", "supabase.cron"] {
        assert_eq!(status(&r, id), "error", "{id}: {}", summary(&r, id));
        assert!(
            summary(&r, id).contains("row-level security hides")
                && summary(&r, id).contains("from role pendo_reader"),
            "{id}: {}",
            summary(&r, id)
        );
    }
    assert!(
        summary(&r, "supabase.tables").contains("pendo_guides' rows from role pendo_reader"),
        "{}",
        summary(&r, "supabase.tables")
    );
    assert_ne!(r["severity"], "P0", "{}", r["diagnosis"]);
    let steps = strings(&r, "next_steps").join("\n");
    assert!(steps.contains("BYPASSRLS"), "{steps}");
}

/// The reference repository's security template: not an [API] issue, so nothing asks
/// Pendo, but the Supabase data checks still run and what they measure counts.
const SECURITY_BODY: &str = "## Security Issue\n\n**Severity**: High\n\n### Description\nThe sync looks like it stopped after we rotated the service role key.\n\n### Steps to reproduce\n1. Open the dashboard\n\n### Impact\nData may be stale.\n";

#[test]
fn a_security_template_body_still_gets_the_supabase_data_checks() {
    let healthy = reference(Reference::new(NOW));
    let env = |pg: &Pg| {
        check_json(
            SECURITY_BODY,
            "",
            &[
                ("SUPABASE_DB_URL", &pg.url("verify-full")),
                ("PENDO_INTEGRATION_KEY", "fake-pendo-key-not-real-0000"),
                ("PENDO_BASE_URL", "http://127.0.0.1:9"),
                ("PENDO_TRIAGE_NOW", NOW_TEXT),
            ],
            &[FAKE_SERVICE_ROLE_JWT],
        )
    };
    let r = env(&healthy);
    for id in [
        "supabase.tables",
        "supabase.freshness",
        "supabase.sync-log",
        "supabase.cron",
        "supabase.analytics",
    ] {
        assert_eq!(status(&r, id), "pass", "{id}: {}", summary(&r, id));
    }
    // Nothing asks Pendo for a body that is not about its API.
    for id in ["pendo.auth", "pendo.endpoint", "pendo.aggregation"] {
        assert_eq!(status(&r, id), "skip", "{id}");
        assert!(
            summary(&r, id).starts_with("not an [API] issue"),
            "{}",
            summary(&r, id)
        );
    }
    assert_eq!(r["severity"], "P2");
    assert_eq!(
        r["diagnosis"],
        "Not an [API] issue: the body has none of the [API] template's sections, fields or checklist; the Supabase data checks found nothing wrong"
    );
    // A deleted job is measured, not claimed: it counts for this issue too.
    let broken = reference(Reference::new(NOW - 2 * 86_400).unscheduled());
    let r = env(&broken);
    assert_eq!(
        status(&r, "supabase.cron"),
        "fail",
        "{}",
        summary(&r, "supabase.cron")
    );
    assert_eq!(status(&r, "supabase.freshness"), "fail");
    assert_eq!(r["severity"], "P0", "{}", r["diagnosis"]);
    assert!(
        !strings(&r, "labels").contains(&"pendo-api"),
        "{:?}",
        strings(&r, "labels")
    );
}
