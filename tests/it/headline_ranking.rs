//! The headline's ranking ([`pendo_triage::verdict::rank`]) over every example and every
//! pinned report: one table row each, naming what the headline must come from (a check,
//! a value the issue reports, or nothing). A new example or snapshot fails here until it
//! has its row.

use pendo_triage::clock::Clock;
use pendo_triage::config::Config;
use pendo_triage::credentials::Credentials;
use pendo_triage::finding::CheckId;
use pendo_triage::verdict::{Rank, Source};
use std::path::Path;

/// 2026-11-28T10:00:00Z: when every example was filed (`examples/README.md`).
const FILED: i64 = 1_795_860_000;

fn check(id: CheckId) -> Source {
    Source::Check(id)
}

fn reported(name: &str) -> Source {
    Source::Reported(name.to_string())
}

/// Every example, triaged offline through the library: the headline's source.
#[test]
fn every_examples_headline_comes_from_the_top_of_the_ranking() {
    let table: &[(&str, Source)] = &[
        // A reported PostgREST code (a symptom) outranks the lint of the same text.
        ("dev-missing-table.md", reported("Error code")),
        ("minimal-unfilled.md", Source::Nothing),
        ("not-a-template.md", Source::Nothing),
        ("prod-aggregation-get.md", reported("Response status")),
        ("prod-auth-401.md", reported("Response status")),
        ("prod-duplicate-upsert.md", reported("Error code")),
        // A pasted live secret is measured in the issue itself: it ranks with the data.
        ("prod-leaked-secrets.md", check(CheckId::IssueSecrets)),
        // The 546 it reports, not the lint of its curl's host.
        ("prod-stale-data-timeout.md", reported("Response status")),
        ("staging-rate-limited.md", reported("Response status")),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "README.md")
        .collect();
    names.sort();
    let listed: Vec<&str> = table.iter().map(|r| r.0).collect();
    assert_eq!(names, listed, "every example has one row, in name order");
    for (name, want) in table {
        let body = std::fs::read_to_string(dir.join(name)).unwrap();
        let t = pendo_triage::triage::triage(
            "[API] example",
            &body,
            &Config::default(),
            &Credentials::default(),
            &[],
            &Clock::at(FILED),
        );
        assert_eq!(&t.verdict.source, want, "{name}: {}", t.verdict.diagnosis);
    }
    // The example issue 25 names: a reporter's 546 and 3-day-old data, not a lint.
    let body = std::fs::read_to_string(dir.join("prod-stale-data-timeout.md")).unwrap();
    let t = pendo_triage::triage::triage(
        "[API] example",
        &body,
        &Config::default(),
        &Credentials::default(),
        &[],
        &Clock::at(FILED),
    );
    assert!(
        !t.verdict
            .diagnosis
            .contains("Requests go to a host that is not Pendo's API"),
        "{}",
        t.verdict.diagnosis
    );
    assert!(
        t.verdict.diagnosis.contains("546"),
        "{}",
        t.verdict.diagnosis
    );
}

/// The headline's source as a pinned report shows it: the check whose result starts the
/// headline, else the reported value it names, else nothing.
fn source_in(report: &str) -> Source {
    let headline = report
        .lines()
        .find(|l| l.starts_with("### "))
        .expect("a headline");
    let said = headline.split_once(" — ").expect("severity — diagnosis").1;
    // The headline's first part, before its cause or environment, without the mark of a
    // cut ("…; … — the sync job … — Production").
    let head = said.split(" — ").next().unwrap_or(said);
    let head = head.trim_end_matches('…').trim_end_matches("; ");
    // A reported value names itself: "… (reported Response status: 429 …)".
    if let Some((_, rest)) = head.split_once("(reported ") {
        return Source::Reported(rest.split(':').next().unwrap().to_string());
    }
    let mut best: Option<(usize, CheckId)> = None;
    for row in report.lines().filter(|l| l.starts_with("| `")) {
        let cells: Vec<&str> = row.split(" | ").collect();
        let (Some(id), Some(result)) = (cells.first(), cells.get(2)) else {
            continue;
        };
        let id = id.trim_start_matches("| `").trim_end_matches('`');
        let Some(id) = CheckId::parse(id) else {
            continue;
        };
        let result = result.trim_end_matches('…');
        let same = said.starts_with(result) || (head.len() > 20 && result.starts_with(head));
        if !result.is_empty() && same && best.is_none_or(|(n, _)| result.len() > n) {
            best = Some((result.len(), id));
        }
    }
    best.map_or(Source::Nothing, |(_, id)| Source::Check(id))
}

/// Every pinned report: the source its headline names.
#[test]
fn every_snapshots_headline_names_its_source() {
    use CheckId::*;
    let table: &[(&str, Source)] = &[
        (
            "it__live_analytics__report_views_wiped.snap",
            check(SupabaseAnalytics),
        ),
        (
            "it__live_functions__report_functions_worker_limit.snap",
            check(SupabaseFunctions),
        ),
        // The data is stale; pg_net's 401s are the cause it carries.
        (
            "it__live_supabase_db__report_edge_http_errors.snap",
            check(SupabaseFreshness),
        ),
        // The data is stale: that leads; the inactive job is the pipeline's failure.
        (
            "it__live_supabase_db__report_job_inactive.snap",
            check(SupabaseFreshness),
        ),
        (
            "it__report_render__sync_history_failing.snap",
            check(SupabaseSyncLog),
        ),
        (
            "it__report_render__sync_history_healthy.snap",
            Source::Nothing,
        ),
        (
            "it__report_snapshots__leaked_secrets.snap",
            check(IssueSecrets),
        ),
        (
            "it__report_snapshots__live_pendo_broken.snap",
            check(PendoAuth),
        ),
        (
            "it__report_snapshots__live_pendo_healthy.snap",
            Source::Nothing,
        ),
        (
            "it__report_snapshots__offline_duplicate_upsert.snap",
            reported("Error code"),
        ),
        (
            "it__report_snapshots__stranger_offline_note.snap",
            reported("Response status"),
        ),
    ];
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".snap"))
        .collect();
    names.sort();
    let listed: Vec<&str> = table.iter().map(|r| r.0).collect();
    assert_eq!(names, listed, "every snapshot has one row, in name order");
    for (name, want) in table {
        let report = std::fs::read_to_string(dir.join(name)).unwrap();
        assert_eq!(&source_in(&report), want, "{name}");
    }
}

/// The order itself, as users read it.
#[test]
fn the_ranks_are_in_the_documented_order() {
    let order = [
        Rank::DataFailure,
        Rank::PipelineFailure,
        Rank::ConfigurationNote,
        Rank::ReportedSymptom,
        Rank::RequestLint,
    ];
    for (i, r) in order.iter().enumerate() {
        assert_eq!(usize::from(r.number()), i + 1, "{r:?}");
    }
    assert!(order.windows(2).all(|w| w[0] < w[1]));
}
