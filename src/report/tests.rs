//! Report tests: wording, safety of echoed text, the size cap, and the change key.
use super::*;
use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::Credentials;
use crate::finding::CheckId;
use crate::triage::triage;

fn ctx() -> Context {
    Context {
        recheck_label: "recheck".into(),
        ..Default::default()
    }
}

#[test]
fn report_has_marker_headline_table_and_recheck() {
    let body =
        "## Environment Information\n- **Environment**: Production\n- **Success Rate**: 10%\n";
    let t = triage(
        "",
        body,
        &Config::default(),
        &Credentials::default(),
        &[],
        &Clock::at(0),
    );
    let md = render_markdown(&t, &ctx(), None);
    assert!(md.starts_with(MARKER));
    assert!(
        md.contains("### 🟠 P1 — Below the 95% threshold (reported Success Rate: 10%)"),
        "{md}"
    );
    assert!(md.contains("Not verified live"));
    assert!(
        md.contains("- `pendo.auth` `pendo.endpoint` `pendo.latency` `pendo.rate-limit` `pendo.aggregation`: no Pendo key"),
        "{md}"
    );
    assert!(
        // Every live check (no credentials here) and `issue.request` (nothing to lint).
        md.contains(&format!(
            "<details><summary>⏭️ {} checks skipped</summary>",
            crate::finding::CheckId::all()
                .filter(|id| !id.is_offline())
                .count()
                + 1
        )),
        "{md}"
    );
    assert!(md.contains("`/recheck`"));
    assert!(
        md.contains("| Success Rate | 10% — below the 95% threshold | — |"),
        "{md}"
    );
}

#[test]
fn issue_text_cannot_ping_or_break_tables() {
    let body = "## Environment Information\n- **Environment**: Production\n- **Latency**: 9s @octocat | <img src=x> \n";
    let t = triage(
        "",
        body,
        &Config::default(),
        &Credentials::default(),
        &[],
        &Clock::at(0),
    );
    let md = render_markdown(&t, &ctx(), None);
    assert!(!md.contains("@octocat"), "{md}");
    assert!(!md.contains("<img"), "{md}");
    for line in md.lines().filter(|l| l.starts_with("| Latency")) {
        let cells = line.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 4, "{line}");
    }
}

#[test]
fn figures_and_timings_do_not_make_a_change_but_causes_and_severity_do() {
    use crate::history::{History, RunOutcome, SyncRun};
    let history = |records: &[i64], last: RunOutcome| History {
        entity: "guides".into(),
        runs: records
            .iter()
            .enumerate()
            .map(|(i, n)| SyncRun {
                at: i as i64 * 21_600,
                records: Some(*n),
                outcome: if i + 1 == records.len() {
                    last
                } else {
                    RunOutcome::Completed
                },
            })
            .collect(),
        freshness_hours: 24,
        now: 0,
        usual: None,
    };
    let of = |summary: &str, ms: u64, runs: &[i64], last: RunOutcome, status: Status| {
        let f = Finding::new(CheckId::SupabaseSyncLog, status, summary)
            .with_history(vec![history(runs, last)]);
        let f = Finding {
            duration_ms: Some(ms),
            ..f
        };
        let t = triage(
            "",
            "## Environment Information\n- **Environment**: Production\n",
            &Config::default(),
            &Credentials::default(),
            &[f],
            &Clock::at(0),
        );
        change_key(&t, &ctx())
    };
    let (ok, failed) = (RunOutcome::Completed, RunOutcome::Failed);
    let a = of(
        "last run 3 h ago wrote 1,150 records",
        120,
        &[1, 5, 9],
        ok,
        Status::Pass,
    );
    // New figures, a new timing and new bar heights: the same report.
    assert_eq!(
        a,
        of(
            "last run 5 h ago wrote 1,260 records",
            950,
            &[9, 5, 1],
            ok,
            Status::Pass
        )
    );
    // A new failure mark, a new status or new words are a change.
    assert_ne!(
        a,
        of(
            "last run 3 h ago wrote 1,150 records",
            120,
            &[1, 5, 9],
            failed,
            Status::Pass
        )
    );
    assert_ne!(
        a,
        of(
            "last run 3 h ago wrote 1,150 records",
            120,
            &[1, 5, 9],
            ok,
            Status::Warn
        )
    );
    assert_ne!(
        a,
        of("no run logged for 3 h", 120, &[1, 5, 9], ok, Status::Pass)
    );
    // A severity is a word, not a figure.
    assert_eq!(mask_figures("P1 in 5.2 s"), "P1 in # s");
    assert_ne!(mask_figures("P1"), mask_figures("P0"));
}

#[test]
fn huge_reports_fit_the_limit() {
    let mut f = Finding::new(CheckId::PendoEndpoint, Status::Fail, "x".repeat(5000));
    for i in 0..5000 {
        f.evidence
            .push(format!("evidence line {i} {}", "y".repeat(100)));
        f.next_steps.push(format!("step {i} {}", "z".repeat(100)));
    }
    let t = triage(
        "",
        "- **Environment**: Production",
        &Config::default(),
        &Credentials::default(),
        &[f],
        &Clock::at(0),
    );
    let state = format!("<!-- pendo-triage:state {} -->", "s".repeat(1000));
    let md = render_markdown(&t, &ctx(), Some(&state));
    assert!(md.chars().count() <= MAX_CHARS, "{}", md.chars().count());
    assert!(md.starts_with(MARKER));
    assert!(md.trim_end().ends_with("-->"));
}

#[test]
fn measured_values_stand_beside_reported_ones() {
    let body = "- **Environment**: Production\n- **Latency**: 8.2s\n";
    let live = Finding::new(CheckId::PendoLatency, Status::Warn, "slow")
        .with_measured("Latency", "3.1 s (p50 of 5 calls)")
        .with_measured("Rows in Pendo", "1,204");
    let t = triage(
        "",
        body,
        &Config::default(),
        &Credentials::default(),
        &[live],
        &Clock::at(0),
    );
    let md = render_markdown(&t, &ctx(), None);
    assert!(
        md.contains("| Latency | 8.2s — over the 2 s requirement | 3.1 s (p50 of 5 calls) |"),
        "{md}"
    );
    assert!(md.contains("| Rows in Pendo | — | 1,204 |"), "{md}");
}

#[test]
fn json_has_the_product_keys_and_no_secrets() {
    let body = "- **Environment**: Production\n- **Endpoint**: `GET /api/v1/guide`\n- **Data Type**: Guides\n";
    let t = triage(
        "",
        body,
        &Config::default(),
        &Credentials::default(),
        &[],
        &Clock::at(0),
    );
    let value = serde_json::to_value(json(&t)).unwrap();
    for key in [
        "severity",
        "environment",
        "data_type",
        "checks",
        "labels",
        "ticks",
    ] {
        assert!(value.get(key).is_some(), "{key}");
    }
    assert_eq!(value["environment"], "Production");
    assert_eq!(value["data_type"], "Guides");
    assert_eq!(
        value["checks"].as_array().unwrap().len(),
        crate::finding::CheckId::all().count()
    );
    assert_eq!(value["checks"][0]["id"], "issue.fields");
    assert_eq!(value["checks"][0]["status"], "pass");
}
