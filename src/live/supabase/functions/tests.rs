//! `supabase.functions`' judge, one table row per thing it can find.

use super::*;

/// 2026-11-28T06:00:00Z
const T: i64 = 1_795_845_600;
const ID_A: &str = "5a2f0d3e-0000-4000-8000-00000000000a";

fn deployed(version: i64, updated_at: i64, status: &str) -> Deployed {
    Deployed {
        id: ID_A.into(),
        slug: "sync-pendo-incremental".into(),
        status: status.into(),
        version: Some(version),
        updated_at: Some(updated_at),
    }
}

fn inv(at: i64, status: u16, secs: f64) -> Invocation {
    Invocation {
        at,
        function_id: ID_A.into(),
        status: Some(status),
        secs: Some(secs),
        message: format!(
            "POST | {status} | https://x.supabase.co/functions/v1/sync-pendo-incremental"
        ),
    }
}

fn line(at: i64, message: &str) -> ConsoleLine {
    ConsoleLine {
        at,
        function_id: ID_A.into(),
        level: "error".into(),
        event_type: "Log".into(),
        message: message.into(),
    }
}

fn run(started: i64, failed: bool) -> RunFact {
    RunFact {
        entity: "guides".into(),
        started,
        failed,
    }
}

fn asked(
    deploy: Deployed,
    invocations: Vec<Invocation>,
    console: Vec<ConsoleLine>,
    runs: Vec<RunFact>,
) -> Fetched {
    Fetched::Asked(Box::new(Asked {
        project_ref: "abcdefghijklmnopqrst".into(),
        host: "api.supabase.com".into(),
        slugs: vec!["sync-pendo-incremental".into()],
        source: SlugSource::CronJob,
        wrapper: None,
        window: (T - 86_400, T + 3600),
        deployed: Ok(vec![deploy]),
        invocations: Some(Ok(invocations)),
        console: Some(Ok(console)),
        runs,
        calls: vec![CallFact {
            at: T + 148,
            status: Some(546),
            timed_out: false,
        }],
    }))
}

#[test]
fn worker_limit_runs_are_named_from_the_function_log() {
    let f = judge(&asked(
        deployed(41, T - 5 * 86_400, "ACTIVE"),
        vec![
            inv(T + 148, 546, 148.2),
            inv(T - 6 * 3600 + 140, 546, 140.0),
        ],
        vec![line(T + 147, "Memory limit exceeded: WORKER_LIMIT")],
        vec![
            run(T, true),
            run(T - 6 * 3600, true),
            run(T - 12 * 3600, false),
        ],
    ));
    assert_eq!(f.status, Status::Fail, "{f:?}");
    assert_eq!(f.impact, Impact::Critical);
    assert_eq!(
        f.summary,
        "2 of 2 invocations of sync-pendo-incremental failed; the 06:00 UTC run failed with WORKER_LIMIT after 148 s (Edge Function log)"
    );
    assert!(
        f.evidence
            .iter()
            .any(|e| e == "06:00 UTC run: 546 after 148 s · sync log guides failed · pg_net 546"),
        "{:?}",
        f.evidence
    );
    assert!(
        f.next_steps[0].contains("smaller batches"),
        "{:?}",
        f.next_steps
    );
}

#[test]
fn a_deploy_just_before_the_failures_is_named() {
    let f = judge(&asked(
        deployed(42, T - 12 * 60, "ACTIVE"),
        vec![inv(T + 30, 500, 30.0)],
        vec![line(
            T + 20,
            "TypeError: cannot read properties of undefined",
        )],
        vec![run(T, true), run(T - 6 * 3600, false)],
    ));
    assert!(
        f.summary.starts_with("sync-pendo-incremental was deployed (v42) 12 min before the first failing run; the 06:00 UTC run failed with status 500 after 30 s"),
        "{}",
        f.summary
    );
    assert!(f.next_steps[0].contains("roll back"), "{:?}", f.next_steps);
    // Without a failing invocation in the logs, the deploy is still a finding.
    let f = judge(&asked(
        deployed(42, T - 12 * 60, "ACTIVE"),
        vec![],
        vec![],
        vec![run(T, true), run(T - 6 * 3600, false)],
    ));
    assert_eq!(f.status, Status::Warn);
    assert_eq!(
        f.summary,
        "sync-pendo-incremental was deployed (v42) 12 min before the first failing run"
    );
    // A success after the deploy clears it.
    let f = judge(&asked(
        deployed(42, T - 8 * 3600, "ACTIVE"),
        vec![],
        vec![],
        vec![run(T, true), run(T - 6 * 3600, false)],
    ));
    assert_eq!(f.status, Status::Pass, "{f:?}");
}

#[test]
fn a_swallowed_on_conflict_is_a_failure_though_the_call_answered_200() {
    let f = judge(&asked(
        deployed(7, T - 9 * 86_400, "ACTIVE"),
        vec![inv(T + 20, 200, 20.0)],
        vec![line(
            T + 10,
            "upsert failed: ON CONFLICT DO UPDATE command cannot affect row a second time",
        )],
        vec![run(T, false)],
    ));
    assert_eq!(f.status, Status::Fail);
    assert_eq!(f.impact, Impact::Critical);
    assert!(
        f.summary.starts_with("sync-pendo-incremental logged ON CONFLICT DO UPDATE (a row twice in one upsert) in 1 invocation(s) that answered 2xx"),
        "{}",
        f.summary
    );
    assert!(f.next_steps[0].contains("Dedupe"), "{:?}", f.next_steps);
    assert!(
        f.evidence
            .iter()
            .any(|e| e.contains("cannot affect row a second time"))
    );
}

#[test]
fn a_missing_or_inactive_function_fails() {
    let mut missing = asked(deployed(1, T, "ACTIVE"), vec![], vec![], vec![]);
    if let Fetched::Asked(a) = &mut missing {
        a.slugs = vec!["pendo-sync".into()];
    }
    let f = judge(&missing);
    assert_eq!(f.status, Status::Fail);
    assert_eq!(
        f.summary,
        "The Edge Function pendo-sync does not exist in project abcdefghijklmnopqrst (the cron job calls /functions/v1/pendo-sync)"
    );
    assert_eq!(f.evidence, ["deployed functions: sync-pendo-incremental"]);
    let f = judge(&asked(deployed(3, T, "THROTTLED"), vec![], vec![], vec![]));
    assert_eq!(f.status, Status::Fail);
    assert!(
        f.summary.contains("is THROTTLED, not ACTIVE"),
        "{}",
        f.summary
    );
}

#[test]
fn refusals_say_what_to_fix_and_nothing_is_judged() {
    let mut bad = asked(deployed(1, T, "ACTIVE"), vec![], vec![], vec![]);
    if let Fetched::Asked(a) = &mut bad {
        a.deployed = Err(CallError::Refused {
            why: Refusal::BadToken,
            message: "Unauthorized".into(),
        });
    }
    let f = judge(&bad);
    assert_eq!(f.status, Status::Error);
    assert!(
        f.summary
            .contains("rejects the Supabase access token (401)")
    );
    assert!(f.next_steps[0].contains("SUPABASE_ACCESS_TOKEN"));
    assert_eq!(judge(&Fetched::NoProjectRef).status, Status::Skip);
}

#[test]
fn healthy_and_slow_functions() {
    let f = judge(&asked(
        deployed(5, T - 9 * 86_400, "ACTIVE"),
        vec![inv(T + 8, 200, 8.0)],
        vec![],
        vec![run(T, false)],
    ));
    assert_eq!(f.status, Status::Pass);
    assert!(
        f.summary.contains("answered 1 of 1 invocation(s)"),
        "{}",
        f.summary
    );
    let f = judge(&asked(
        deployed(5, T - 9 * 86_400, "ACTIVE"),
        vec![inv(T + 142, 200, 142.0)],
        vec![],
        vec![run(T, false)],
    ));
    assert_eq!(f.status, Status::Warn);
    assert!(
        f.summary.contains("150 s wall-clock limit"),
        "{}",
        f.summary
    );
}

#[test]
fn slugs_come_from_the_cron_command_and_sql_quotes_only_ids() {
    assert_eq!(
        slugs_in(
            "select net.http_post(url:='https://x.supabase.co/functions/v1/sync-pendo?full=1', headers:=…)"
        ),
        ["sync-pendo"]
    );
    assert!(slugs_in("select 1").is_empty());
    assert!(is_id(ID_A));
    assert!(!is_id("x') or 1=1 --"));
    let sql = edge_sql(&[ID_A]);
    assert!(sql.contains(&format!("in ('{ID_A}')")), "{sql}");
    assert!(console_sql(&[ID_A]).contains("from function_logs"));
}

#[test]
fn log_lines_are_one_redacted_line_of_at_most_300_characters() {
    let q = quote(&format!(
        "key sb_secret_abcdefghijklmnopqrstuvwxyz123456\n{}",
        "x".repeat(400)
    ));
    assert!(!q.contains("abcdefghijklmnopqrstuvwxyz123456"), "{q}");
    assert!(!q.contains('\n'));
    assert!(q.chars().count() <= LINE_CHARS + 1);
}

#[test]
fn the_window_starts_before_the_failing_streak_and_spans_a_day_at_most() {
    assert_eq!(
        window(&[run(T - 3600, true), run(T - 7200, false)], T),
        (T - 7200, T)
    );
    assert_eq!(window(&[], T), (T - 86_400, T));
    assert_eq!(window(&[run(T - 5 * 86_400, true)], T), (T - 86_400, T));
}

#[test]
fn the_functions_own_errors_forbid_the_sync_ticks_but_prove_none() {
    use crate::registry::TICK_RULES;
    use crate::verdict::earned;
    let pass = |id| Finding::new(id, Status::Pass, "ok");
    let swallowed = Finding::new(ID, Status::Fail, "swallowed").with_impact(Impact::Critical);
    for item in [
        "Data sync completes without errors",
        "Verify Supabase function execution",
    ] {
        let rule = TICK_RULES.iter().find(|r| r.item == item).unwrap();
        let mut findings: Vec<Finding> = rule.checks.iter().map(|id| pass(*id)).collect();
        assert!(earned(rule, &findings, true), "{item}");
        findings.retain(|f| f.id != ID);
        findings.push(swallowed.clone());
        assert!(!earned(rule, &findings, true), "{item}");
        // Skipped (no token): the other checks decide, as before.
        findings.retain(|f| f.id != ID);
        findings.push(Finding::skip(ID, "no token"));
        assert!(earned(rule, &findings, true), "{item}");
    }
    // It never earns a tick alone: no rule starts with it.
    assert!(TICK_RULES.iter().all(|r| r.checks.first() != Some(&ID)));
}

#[test]
fn the_config_section_is_strict_and_says_what_to_fix() {
    use crate::config::Config;
    let ok = Config::from_yaml(
        "functions:\n  slugs: [sync-pendo-incremental]\n  project_ref: abcdefghijklmnop\n",
        "t",
    )
    .unwrap();
    assert_eq!(ok.functions.slugs, ["sync-pendo-incremental"]);
    for (yaml, says) in [
        ("functions:\n  slug: [x]\n", "unknown field"),
        ("functions:\n  slugs: [\"a/b\"]\n", "functions.slugs"),
        (
            "functions:\n  project_ref: \"x.y\"\n",
            "functions.project_ref",
        ),
        (
            "functions:\n  management_url: ftp://x\n",
            "functions.management_url",
        ),
    ] {
        let e = Config::from_yaml(yaml, "t").unwrap_err().to_string();
        assert!(e.contains(says), "{yaml}: {e}");
    }
}

#[test]
fn each_status_and_line_is_named_through_meaning() {
    let cases: [(u16, &str, &str); 5] = [
        (546, "", "WORKER_LIMIT"),
        (504, "", "a wall-clock timeout"),
        (
            503,
            "worker boot error: Cannot find module 'npm:pendo'",
            "a boot error",
        ),
        (401, "", "Invalid JWT"),
        (
            500,
            "duplicate key value violates unique constraint \"pendo_pages_pkey\"",
            "duplicate key",
        ),
    ];
    for (status, printed, named) in cases {
        let console = if printed.is_empty() {
            vec![]
        } else {
            vec![line(T + 5, printed)]
        };
        let f = judge(&asked(
            deployed(5, T - 9 * 86_400, "ACTIVE"),
            vec![inv(T + 10, status, 10.0)],
            console,
            vec![],
        ));
        assert!(
            f.summary
                .contains(&format!("failed with {named} after 10 s")),
            "{status}: {}",
            f.summary
        );
    }
    assert!(
        crate::meaning::of_text("BOOT_ERROR: Function failed to start")
            .is_some_and(|m| m.known == Known::EdgeBootError)
    );
}

#[test]
fn a_swallowed_error_names_what_its_line_says_and_gives_the_cause_for_the_headline() {
    const DENIED: &str = r#"❌ Cannot access pendo_events table: {"code":"42501","details":null,"hint":null,"message":"permission denied for table pendo_events"}"#;
    const ZERO: &str = "This means analytics will be 0 for all guides!";
    // Four runs 6 h apart, each answering 200 and printing both lines.
    let runs: Vec<i64> = (0..4).map(|k| T - k * 6 * 3600).collect();
    let f = judge(&asked(
        deployed(9, T - 30 * 86_400, "ACTIVE"),
        runs.iter().map(|at| inv(at + 40, 200, 40.0)).collect(),
        runs.iter()
            .flat_map(|at| [line(at + 10, ZERO), line(at + 9, DENIED)])
            .collect(),
        vec![],
    ));
    assert_eq!(f.status, Status::Fail, "{f:?}");
    assert_eq!(
        f.cause.as_deref(),
        Some(
            "the sync function logs 'permission denied for table pendo_events' on every run since 11-27"
        )
    );
    // The grouping names what the unknown line says, not "an error".
    let by_cause = f
        .evidence
        .iter()
        .find(|e| e.starts_with("by cause"))
        .expect("a by-cause line");
    assert!(
        by_cause.contains("4 × 'This means analytics will be 0 for all guides!' (swallowed)"),
        "{by_cause}"
    );
    assert!(!by_cause.contains("an error"), "{by_cause}");
    // Only 2 of the 4 runs printed it: said so.
    let f = judge(&asked(
        deployed(9, T - 30 * 86_400, "ACTIVE"),
        runs.iter().map(|at| inv(at + 40, 200, 40.0)).collect(),
        vec![line(runs[2] + 9, DENIED), line(runs[0] + 9, DENIED)],
        vec![],
    ));
    assert_eq!(
        f.cause.as_deref(),
        Some(
            "the sync function logs 'permission denied for table pendo_events' in 2 of 3 runs since 11-27"
        )
    );
}

#[test]
fn a_line_says_its_json_message_or_its_words_without_leading_symbols() {
    assert_eq!(
        judge::said(
            r#"❌ upsert: {"code":"21000","message":"ON CONFLICT DO UPDATE command cannot affect row a second time"}"#
        ),
        "ON CONFLICT DO UPDATE command cannot affect row a second time"
    );
    assert_eq!(judge::said("  ⚠️  rows\n skipped: 3"), "rows skipped: 3");
    let long = "x".repeat(200);
    assert_eq!(judge::said(&long).chars().count(), 81);
}
