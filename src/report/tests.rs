//! Report tests: wording, safety of echoed text, the size cap, and the change key.
use super::*;
use crate::checks::CheckId;
use crate::clock::Clock;
use crate::config::Config;
use crate::credentials::Credentials;
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
            crate::checks::CheckId::all()
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
fn figures_do_not_make_a_change_but_causes_and_severity_do() {
    let a = "### 🟠 P1 — Pendo is slow: p95 5.20 s over 3 probes, 2026-11-28 10:00 UTC";
    let b = "### 🟠 P1 — Pendo is slow: p95 7.91 s over 3 probes, 2026-11-29 11:30 UTC";
    assert_eq!(change_key(a), change_key(b));
    assert_ne!(change_key(a), change_key(&a.replace("P1", "P0")));
    assert_ne!(change_key(a), change_key(&a.replace("slow", "down")));
    // New run heights in a sparkline are new figures; a new failure mark is a change.
    let s = "| guides ▁▂▅▇▇ (last 5 runs) |";
    assert_eq!(change_key(s), change_key("| guides ▇▇▅▂▁ (last 5 runs) |"));
    assert_ne!(change_key(s), change_key("| guides ▁▂▅▇✕ (last 5 runs) |"));
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
        crate::checks::CheckId::all().count()
    );
    assert_eq!(value["checks"][0]["id"], "issue.fields");
    assert_eq!(value["checks"][0]["status"], "pass");
}
