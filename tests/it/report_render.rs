//! The report as GitHub shows it: the whole comment with the sync-history chart, pinned
//! as a snapshot, then turned into HTML the way GitHub renders GFM (comrak, with GitHub's
//! `<pre lang="…">` code blocks). The pages are written to `target/report-html/` for the
//! browser step (`scripts/browser-test.sh`), which draws their Mermaid blocks in headless
//! Chromium, counts the points and takes the screenshots under `docs/`.
//!
//! The findings come from the checks' own pure judges over `sync_status` rows, so the
//! pinned text is the text the bot writes.

use comrak::{Options, markdown_to_html};
use pendo_triage::clock::{Basis, Clock, ReportedAt, format_rfc3339};
use pendo_triage::config::Config;
use pendo_triage::credentials::Credentials;
use pendo_triage::finding::{CheckId, Finding};
use pendo_triage::issue::DataType;
use pendo_triage::live::supabase::sync_log::{self, LogRow};
use pendo_triage::report::{Context, MAX_CHARS, render_markdown};
use pendo_triage::triage::triage;
use std::time::Duration;

/// 2026-11-28T10:00:00Z.
const NOW: i64 = 1_795_860_000;
const SIX: Duration = Duration::from_secs(6 * 3600);

const BODY: &str = "## Pendo API Information\n- **Endpoint**: `GET /api/v1/guide`\n\n## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n\n## Troubleshooting Checklist\n### Infrastructure Investigation\n- [ ] Review cronjob execution logs\n\n## Test Cases for Validation\n- [ ] Data sync completes without errors\n";

fn clock() -> Clock {
    Clock::at(NOW).with_reported(ReportedAt {
        at: NOW - 300,
        basis: Basis::Filed,
    })
}

fn row(hours_ago: i64, status: &str, records: i64, error: Option<&str>) -> LogRow {
    let at = NOW - hours_ago * 3600;
    LogRow {
        entity: "guides".into(),
        status: status.into(),
        started: Some(format_rfc3339(at)),
        ended: Some(format_rfc3339(at + 40)),
        records: Some(records),
        error: error.map(str::to_string),
        created_at: Some(format_rfc3339(at)),
    }
}

/// Every 6 hours for 10 days: records between 1,150 and 1,260.
fn steady(from_hours_ago: i64, runs: i64) -> Vec<LogRow> {
    (0..runs)
        .map(|k| {
            let h = from_hours_ago + 6 * k;
            row(h, "completed", 1150 + (h * 37) % 110, None)
        })
        .collect()
}

/// The sync broke 30 hours ago: five failed runs (an upsert conflict, then a `<script>`
/// and a mention in a dependency's error text), newest first.
fn failing_rows() -> Vec<LogRow> {
    let upsert =
        "upsert pendo_guides failed: ON CONFLICT DO UPDATE command cannot affect row a second time";
    let mut rows = vec![
        row(4, "failed", 0, Some(upsert)),
        row(10, "failed", 0, Some(upsert)),
        row(
            16,
            "failed",
            0,
            Some("<script>alert(1)</script> @octocat ping"),
        ),
        row(22, "failed", 0, Some(upsert)),
        row(28, "completed", 0, None),
    ];
    rows.extend(steady(34, 35));
    rows
}

/// The reference deployment, syncing guides only.
fn config() -> Config {
    let mut c = Config::default();
    c.tables.retain(|t| t.data_type == DataType::Guides);
    c
}

fn sync_finding(rows: &[LogRow]) -> Finding {
    let config = config();
    let entities: Vec<(DataType, String)> = config
        .tables
        .iter()
        .map(|t| (t.data_type, t.entity()))
        .collect();
    let f = sync_log::judge(
        rows,
        &entities,
        &config.sync_log,
        &config.thresholds,
        Some(SIX),
        Some(DataType::Guides),
        NOW,
    );
    let history = sync_log::history(
        rows,
        &entities,
        &config.sync_log,
        config.thresholds.freshness_hours,
        Some(DataType::Guides),
        NOW,
    );
    let mut f = f.with_history(history);
    f.duration_ms = Some(120);
    f
}

fn report(rows: &[LogRow]) -> String {
    let creds = Credentials::default();
    let t = triage(
        "[API] guides sync",
        BODY,
        &config(),
        &creds,
        &[sync_finding(rows)],
        &clock(),
    );
    let ctx = Context {
        recheck_label: "recheck".into(),
        run_url: Some("https://github.com/acme/analytics/actions/runs/4242".into()),
        live_at: Some(NOW),
        live_note: None,
    };
    render_markdown(&t, &ctx, None)
}

/// GFM → HTML as GitHub renders issue comments: tables, task lists, strikethrough,
/// autolinks, raw HTML such as `<details>` kept (GitHub sanitises it, it does not drop
/// it), and fenced blocks as `<pre lang="mermaid">`.
fn github_html(markdown: &str) -> String {
    let mut o = Options::default();
    o.extension.table = true;
    o.extension.tasklist = true;
    o.extension.strikethrough = true;
    o.extension.autolink = true;
    o.render.github_pre_lang = true;
    o.render.r#unsafe = true;
    markdown_to_html(markdown, &o)
}

/// The page the browser step opens: the comment's HTML in a GitHub-like frame.
fn page(title: &str, html: &str) -> String {
    format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>\nbody {{ font: 14px/1.5 -apple-system, 'Segoe UI', 'Noto Sans', Helvetica, Arial, sans-serif; color: #1f2328; max-width: 1000px; margin: 16px auto; }}\n.comment {{ border: 1px solid #d1d9e0; border-radius: 6px; padding: 16px; }}\ntable {{ border-collapse: collapse; margin: 8px 0; }} th, td {{ border: 1px solid #d1d9e0; padding: 4px 10px; vertical-align: top; }}\ncode {{ background: #eff2f5; padding: 1px 4px; border-radius: 4px; font-size: 85%; }}\nsub {{ color: #59636e; }}\n</style></head>\n<body><div class=\"comment\">\n{html}</div></body></html>\n"
    )
}

fn out_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/report-html");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mermaid_blocks(html: &str) -> usize {
    html.matches("<pre lang=\"mermaid\">").count()
}

#[test]
fn a_failing_sync_shows_its_history() {
    let md = report(&failing_rows());
    insta::assert_snapshot!("sync_history_failing", md);
    // The sparkline in the sync-log row: the last 20 runs, the failures at the end.
    let spark_row = md
        .lines()
        .find(|l| l.starts_with("| `supabase.sync-log` |"))
        .unwrap();
    assert!(
        spark_row.contains("▁✕✕✕✕ (last 20 runs, newest failed)"),
        "{spark_row}"
    );
    // Nothing from the dependency's error text is live markup.
    assert!(!md.contains("<script>") && !md.contains("@octocat"), "{md}");
    let html = github_html(&md);
    assert_eq!(mermaid_blocks(&html), 1, "{html}");
    assert!(html.contains("<details><summary>📈 Sync history: guides"));
    assert!(!html.contains("<script>"));
    // 40 runs read, 40 points drawn.
    let block = md.split("```mermaid\n").nth(1).unwrap();
    let bars = block
        .lines()
        .find(|l| l.trim_start().starts_with("bar ["))
        .unwrap();
    assert_eq!(bars.matches(',').count() + 1, 40);
    eprintln!(
        "report with chart: {} bytes, {} chars",
        md.len(),
        md.chars().count()
    );
    assert!(md.chars().count() < MAX_CHARS);
    std::fs::write(
        out_dir().join("failing.html"),
        page("failing report", &html),
    )
    .unwrap();
    std::fs::write(out_dir().join("failing.points"), "40\n").unwrap();
}

#[test]
fn a_healthy_sync_shows_its_history() {
    let md = report(&steady(2, 28));
    insta::assert_snapshot!("sync_history_healthy", md);
    assert!(md.contains("The newest run wrote records."), "{md}");
    assert!(!md.contains('✕'));
    let html = github_html(&md);
    assert_eq!(mermaid_blocks(&html), 1);
    std::fs::write(
        out_dir().join("healthy.html"),
        page("healthy report", &html),
    )
    .unwrap();
    std::fs::write(out_dir().join("healthy.points"), "28\n").unwrap();
}

#[test]
fn a_report_without_history_has_no_chart() {
    let md = report(&[]);
    assert!(!md.contains("```mermaid"), "{md}");
    let f = sync_finding(&[]);
    assert_eq!(f.id, CheckId::SupabaseSyncLog);
    assert!(f.history.is_empty(), "no run logged: nothing to draw");
    // The row still says why, without a sparkline.
    assert!(
        md.contains("guides: no run logged in sync\\_status"),
        "{md}"
    );
}

#[test]
fn the_history_covers_the_issues_data_type_or_every_configured_one() {
    let config = Config::default();
    let entities: Vec<(DataType, String)> = config
        .tables
        .iter()
        .map(|t| (t.data_type, t.entity()))
        .collect();
    let mut rows = Vec::new();
    for (_, e) in &entities {
        let mut r = row(3, "running", 0, None);
        r.entity = e.clone();
        rows.push(r);
        let mut r = row(9, "completed", 10, None);
        r.entity = e.clone();
        rows.push(r);
    }
    let log = &config.sync_log;
    let all = sync_log::history(&rows, &entities, log, 24, None, NOW);
    assert_eq!(
        all.iter().map(|h| h.entity.as_str()).collect::<Vec<_>>(),
        vec!["guides", "features", "pages", "reports", "events"]
    );
    let one = sync_log::history(&rows, &entities, log, 24, Some(DataType::Events), NOW);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].entity, "events");
    // Oldest first; a run still going is neither completed nor failed; one completed run
    // is a flat series, drawn at mid height.
    assert_eq!(pendo_triage::history::sparkline(&one[0]), "▅·");
    // No rows for the entity: nothing to draw, no empty chart.
    assert!(sync_log::history(&[], &entities, log, 24, None, NOW).is_empty());
}
