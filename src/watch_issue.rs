//! Watch: the bot checks the production sync with no issue at hand and files the `[API]`
//! issue itself when it finds it broken, the way an uptime monitor opens an issue for a
//! site that is down, and closes it when it recovers.
//!
//! This module is the pure part: the health of every configured data type (healthy,
//! broken, or not concluded), the issue filed from the repository's own template with the
//! fields the checks measured, its labels, the recovery comment, and the job summary's
//! health table. `run::watch` decides what to do (open, keep, recover, nothing) and does
//! the reading and writing around it.

use crate::clock::{format_utc, human_age};
use crate::config::Config;
use crate::finding::{CheckId, Finding};
use crate::issue::{DataType, Environment};
use crate::outside::{Sink, emit};
use crate::registry::CATALOGUE;

/// The hidden marker of an issue the watch opened.
pub const WATCH_MARKER: &str = "<!-- pendo-triage:watch -->";
/// The hidden marker of the watch's recovery comment.
pub const RECOVERED_MARKER: &str = "<!-- pendo-triage:recovered -->";

/// The live findings of every configured data type, for Production.
#[derive(Debug, Clone, Default)]
pub struct Health {
    pub rows: Vec<(DataType, Vec<Finding>)>,
}

impl Health {
    /// The concluded critical findings: `fail` whose impact is critical (a check that
    /// could not run, `error`, opens nothing).
    pub fn critical(&self) -> Vec<(DataType, &Finding)> {
        self.rows
            .iter()
            .flat_map(|(dt, fs)| fs.iter().map(move |f| (*dt, f)))
            .filter(|(_, f)| f.is_broken())
            .collect()
    }

    /// `Some(true)` healthy, `Some(false)` broken, `None` when no live check concluded.
    pub fn healthy(&self) -> Option<bool> {
        let concluded = self
            .rows
            .iter()
            .flat_map(|(_, fs)| fs)
            .any(Finding::is_conclusive);
        concluded.then(|| self.critical().is_empty())
    }

    /// Data types with a critical finding of their own, or every type when a finding
    /// that does not depend on the type is critical.
    pub fn failing_types(&self) -> Vec<DataType> {
        let critical = self.critical();
        if critical
            .iter()
            .any(|(_, f)| !crate::registry::row(f.id).per_data_type)
        {
            return self.rows.iter().map(|(dt, _)| *dt).collect();
        }
        let mut out: Vec<DataType> = critical.iter().map(|(dt, _)| *dt).collect();
        out.dedup();
        out
    }

    /// The critical finding closest to a root cause.
    pub fn worst(&self) -> Option<(DataType, &Finding)> {
        self.critical()
            .into_iter()
            .min_by_key(|(_, f)| crate::registry::row(f.id).cause)
    }
}

/// The live checks shown in the health table, in catalogue order.
fn live_ids() -> Vec<CheckId> {
    CATALOGUE
        .iter()
        .filter(|c| !c.id.is_offline())
        .map(|c| c.id)
        .collect()
}

/// The job summary: the on-call state (`oncall`: a headline in place of the plain one,
/// when the watch judged a blip or a recovery, and the per-entity table), a data type ×
/// check table, and what the watch did.
pub fn table(h: &Health, env: Environment, oncall: (Option<&str>, &str), outcome: &str) -> String {
    let ids = live_ids();
    let mut out = format!(
        "### pendo-triage watch: {} sync health\n\n",
        env.as_str().to_ascii_lowercase()
    );
    match (oncall.0, h.healthy()) {
        (Some(headline), _) => out.push_str(&format!("{headline}\n\n")),
        (None, Some(true)) => out.push_str("✅ **Healthy**: no live check found a critical problem.\n\n"),
        (None, Some(false)) => out.push_str("❌ **Broken**: a live check found a critical problem.\n\n"),
        (None, None) => out.push_str(
            "⏭️ **Not checked**: no live check could run. Set the Pendo and Supabase inputs (see docs/action.md); the watch opens nothing without them.\n\n",
        ),
    }
    out.push_str(oncall.1);
    out.push_str("| Data type |");
    for id in &ids {
        out.push_str(&format!(" `{id}` |"));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(ids.len()));
    out.push('\n');
    for (dt, findings) in &h.rows {
        out.push_str(&format!("| {} |", dt.as_str()));
        for id in &ids {
            let cell = findings
                .iter()
                .find(|f| f.id == *id)
                .map_or("—".to_string(), |f| {
                    format!("{} {}", f.status.icon(), f.status)
                });
            out.push_str(&format!(" {cell} |"));
        }
        out.push('\n');
    }
    out.push('\n');
    // The sync history of each data type, folded (one chart per entity, shown once).
    let mut drawn: Vec<&str> = Vec::new();
    for (dt, findings) in &h.rows {
        for hist in findings.iter().flat_map(|f| &f.history) {
            if drawn.contains(&hist.entity.as_str()) {
                continue;
            }
            if let Some(chart) = crate::history::details(hist) {
                drawn.push(&hist.entity);
                out.push_str(&format!("**{}**\n\n{chart}\n", dt.as_str()));
            }
        }
    }
    out.push_str(outcome);
    out.push('\n');
    out
}

/// The endpoint the sync reads for a data type, as the template writes it.
fn endpoint(dt: DataType) -> (&'static str, &'static str) {
    match dt {
        DataType::Guides => ("GET", "/api/v1/guide"),
        DataType::Features => ("GET", "/api/v1/feature"),
        DataType::Pages => ("GET", "/api/v1/page"),
        DataType::Reports => ("GET", "/api/v1/report"),
        DataType::Events => ("POST", "/api/v1/aggregation"),
    }
}

/// The measured value named `name` among `findings` (the first that measured it).
fn measured<'a>(findings: &'a [Finding], name: &str) -> Option<&'a str> {
    findings
        .iter()
        .flat_map(|f| f.measured.iter())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Replaces the value of the first `- **label**: …` line; other lines stay as they are.
fn set_field(body: &mut String, label: &str, value: &str) {
    let needle = format!("**{label}**:");
    let mut at = 0;
    for line in body.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if (trimmed.starts_with("- ") || trimmed.starts_with("* "))
            && let Some(pos) = line.find(&needle)
        {
            let start = at + pos + needle.len();
            let end = at + line.trim_end_matches(['\r', '\n']).len();
            body.replace_range(
                start..end,
                &format!(" {}", value.replace(['\r', '\n'], " ")),
            );
            return;
        }
        at += line.len();
    }
}

/// Replaces the first paragraph under `### Problem Description` (the placeholder).
fn set_problem(body: &mut String, text: &str) {
    let Some(h) = body.find("Problem Description") else {
        return;
    };
    let after = match body[h..].find('\n') {
        Some(i) => h + i + 1,
        None => return,
    };
    let rest = &body[after..];
    let skip = rest.len() - rest.trim_start_matches(['\r', '\n']).len();
    let start = after + skip;
    let end = body[start..]
        .find("\n\n")
        .or_else(|| body[start..].find("\r\n\r\n"))
        .map_or(body.len(), |i| start + i);
    body.replace_range(start..end, text);
}

/// The issue the watch files: `[API] <diagnosis>` and the template's body with the
/// measured fields filled in, the findings as the problem description, and the marker.
/// `template` is a markdown template or an issue form; for a form the body is the
/// markdown GitHub makes of it, filled in the same way. Its Environment field is
/// `environment`, the one whose sync was watched.
pub fn issue(
    template: &str,
    h: &Health,
    environment: Environment,
    now: i64,
) -> Option<(String, String)> {
    let (dt, worst) = h.worst()?;
    let failing = h.failing_types();
    let focus = if failing.len() == 1 { failing[0] } else { dt };
    let all: Vec<Finding> = h
        .rows
        .iter()
        .filter(|(d, _)| *d == focus)
        .flat_map(|(_, fs)| fs.iter().cloned())
        .collect();
    let fills = fills(focus, environment, &all);
    let problem = problem_text(h, &failing, environment, now);
    let mut body = filled_template(template, &fills, &problem);
    if !body.ends_with('\n') {
        body.push('\n');
    }
    body.push_str(&format!("\n{WATCH_MARKER}\n"));
    let title = emit(format!("[API] {}", worst.summary), 120, Sink::Title);
    Some((
        crate::outside::scrub(&title).into_owned(),
        crate::outside::scrub(&body).into_owned(),
    ))
}

/// The template fields the checks measured for `focus`: (label, value).
fn fills(
    focus: DataType,
    environment: Environment,
    all: &[Finding],
) -> Vec<(&'static str, String)> {
    let (method, path) = endpoint(focus);
    let mut fills: Vec<(&str, String)> = vec![
        ("Endpoint", format!("`{method} {path}`")),
        ("Method", method.to_string()),
        ("Data Type", focus.as_str().to_string()),
        ("Environment", environment.as_str().to_string()),
    ];
    for (field, from) in [
        ("Sync Status", "Sync Status"),
        ("Last Run", "Last Run"),
        ("Execution Time", "Execution Time"),
        ("Success Rate", "Success Rate"),
        ("Error Pattern", "Error Pattern"),
        ("Stale Data", "Stale Data"),
        ("Latency", "Latency"),
    ] {
        if let Some(v) = measured(all, from) {
            // Measured values quote the database and Pendo: escaped like the comment's.
            fills.push((field, emit(v, 200, Sink::Field)));
        }
    }
    // No completed run in the window: the newest completed run in the table, or none on
    // record, from the sync log's own history of the watched type, never the placeholder.
    if !fills.iter().any(|(f, _)| *f == "Sync Status")
        && let Some(h) = all
            .iter()
            .filter(|f| f.id == CheckId::SupabaseSyncLog)
            .flat_map(|f| &f.history)
            .next()
    {
        fills.push((
            "Sync Status",
            emit(crate::history::sync_status(h), 200, Sink::Field),
        ));
    }
    if let Some(n) = measured(all, "Expected Record Count")
        .and_then(|v| v.split_whitespace().next())
        .filter(|n| n.chars().all(|c| c.is_ascii_digit() || c == ','))
    {
        fills.push(("Expected Record Count", n.to_string()));
    }
    fills
}

/// The problem description: when, which data types, and each critical finding once.
fn problem_text(h: &Health, failing: &[DataType], env: Environment, now: i64) -> String {
    let mut problem = format!(
        "pendo-triage's watch found the {} sync broken at {} ({}):\n",
        env.as_str().to_ascii_lowercase(),
        format_utc(now),
        if failing.len() == h.rows.len() {
            "every data type".to_string()
        } else {
            failing
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        }
    );
    let mut seen: Vec<&str> = Vec::new();
    for (_, f) in h.critical() {
        if !seen.contains(&f.summary.as_str()) {
            seen.push(&f.summary);
            problem.push_str(&format!(
                "\n- `{}`: {}",
                f.id,
                emit(&f.summary, 300, Sink::Markdown)
            ));
        }
    }
    problem.push_str("\n\nThe report below says what was checked and what to do. The bot closes this issue once the recovery holds: the checks pass and every entity completed its runs again (`watch.close_after_runs`).");
    problem
}

/// The repository's template (an issue form or a markdown template) with `fills` and the
/// problem description filled in.
fn filled_template(template: &str, fills: &[(&str, String)], problem: &str) -> String {
    match crate::issue::Form::read(template) {
        // The repository files issues through the form: the markdown GitHub makes of it.
        Some(form) => form.submission(
            |label| match fills.iter().find(|(l, _)| *l == label) {
                Some((_, v)) => Some(v.replace(['\r', '\n'], " ")),
                None => (label == "Problem Description").then(|| problem.to_string()),
            },
            |_| false,
        ),
        None => {
            let mut body = crate::issue::body_of(template).to_string();
            for (field, value) in fills {
                set_field(&mut body, field, value);
            }
            set_problem(&mut body, problem);
            body
        }
    }
}

/// The labels of a filed issue: the template's (or the form's), plus `monitoring`.
pub fn labels(template: &str, config: &Config) -> Vec<String> {
    let mut out: Vec<String> = match crate::issue::Form::read(template) {
        Some(form) => form.labels(),
        None => crate::issue::labels_of(template)
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    let monitoring = config
        .labels
        .area(crate::terms::Area::Monitoring.key())
        .to_string();
    if !out.iter().any(|l| l.eq_ignore_ascii_case(&monitoring)) {
        out.push(monitoring);
    }
    out
}

/// The recovery comment on the watch's own issue: what recovered (the entities whose
/// runs completed `runs` in a row, when the sync log was read) and when.
pub fn recovery_comment(
    env: Environment,
    recovered_at: i64,
    broken_since: i64,
    entities: &[String],
    runs: u32,
) -> String {
    let env_name = env.as_str().to_ascii_lowercase();
    let what = if entities.is_empty() {
        format!("every live check of the {env_name} sync passes again")
    } else {
        format!(
            "every live check of the {env_name} sync passes again, and {} completed {runs} runs in a row since the last failure",
            entities
                .iter()
                .map(|e| crate::history::safe(e, 40))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!(
        "{RECOVERED_MARKER}\n✅ **Recovered** at {}: {what}. Down for about {} (since the watch noticed it at {}). Closing this issue.\n",
        format_utc(recovered_at),
        human_age((recovered_at - broken_since).max(0) as f64),
        format_utc(broken_since)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Impact, Status};
    use crate::issue::TEMPLATE;

    fn finding(id: CheckId, status: Status, impact: Impact, summary: &str) -> Finding {
        Finding::new(id, status, summary).with_impact(impact)
    }

    fn broken() -> Health {
        let cron = finding(
            CheckId::SupabaseCron,
            Status::Fail,
            Impact::Critical,
            "The sync job pendo-sync is inactive since its last run, 2026-11-25 18:00 UTC",
        );
        let fresh = finding(
            CheckId::SupabaseFreshness,
            Status::Fail,
            Impact::Critical,
            "Data is older than the 24 h threshold",
        )
        .with_measured("Stale Data", "2 d 15 h (newest pendo_guides row)");
        let log = Finding::new(CheckId::SupabaseSyncLog, Status::Warn, "x")
            .with_measured(
                "Sync Status",
                "last completed run 2026-11-25 18:00 UTC (guides)",
            )
            .with_measured("Success Rate", "100% of the last 90 runs (90 completed)");
        let endpoint = Finding::pass(CheckId::PendoEndpoint, "Pendo lists 412 guides")
            .with_measured("Expected Record Count", "412 in Pendo (all apps)");
        Health {
            rows: vec![
                (
                    DataType::Guides,
                    vec![cron.clone(), fresh.clone(), log.clone(), endpoint],
                ),
                (DataType::Events, vec![cron, fresh, log]),
            ],
        }
    }

    #[test]
    fn health_says_what_broke_and_where() {
        let h = broken();
        assert_eq!(h.healthy(), Some(false));
        assert_eq!(h.failing_types(), vec![DataType::Guides, DataType::Events]);
        assert_eq!(h.worst().unwrap().1.id, CheckId::SupabaseCron);
        let ok = Health {
            rows: vec![(
                DataType::Guides,
                vec![
                    Finding::pass(CheckId::SupabaseCron, "ok"),
                    finding(CheckId::PendoAuth, Status::Error, Impact::None, "no answer"),
                ],
            )],
        };
        assert_eq!(ok.healthy(), Some(true));
        let unknown = Health {
            rows: vec![(
                DataType::Guides,
                vec![Finding::skip(CheckId::SupabaseCron, "no key")],
            )],
        };
        assert_eq!(unknown.healthy(), None);
        // An error is not a verdict: it opens nothing.
        let errored = Health {
            rows: vec![(
                DataType::Guides,
                vec![finding(
                    CheckId::SupabaseCron,
                    Status::Error,
                    Impact::Critical,
                    "x",
                )],
            )],
        };
        assert!(errored.critical().is_empty());
    }

    #[test]
    fn the_issue_is_the_template_with_the_measured_fields() {
        let (title, body) =
            issue(TEMPLATE, &broken(), Environment::Production, 1_795_860_000).unwrap();
        // Another environment's watch files it for that environment.
        let (_, staging) = issue(TEMPLATE, &broken(), Environment::Staging, 1_795_860_000).unwrap();
        assert_eq!(
            crate::issue::parse(&staging).environment,
            Some(Environment::Staging)
        );
        assert_eq!(
            title,
            "[API] The sync job pendo-sync is inactive since its last run, 2026-11-25 18:00 UTC"
        );
        assert!(!body.starts_with("---"), "no front matter in an issue body");
        assert!(body.ends_with(&format!("{WATCH_MARKER}\n")));
        let parsed = crate::issue::parse(&body);
        assert_eq!(parsed.environment, Some(Environment::Production));
        assert_eq!(parsed.data_type, Some(DataType::Guides));
        assert_eq!(
            parsed.field("Stale Data"),
            Some("2 d 15 h (newest pendo_guides row)")
        );
        assert_eq!(
            parsed.field("Sync Status"),
            Some("last completed run 2026-11-25 18:00 UTC (guides)")
        );
        assert_eq!(parsed.field("Expected Record Count"), Some("412"));
        assert_eq!(parsed.field("Method"), Some("GET"));
        // Every other field keeps the template's placeholder.
        assert_eq!(parsed.field("Subscription Level"), None);
        assert_eq!(parsed.field("Netlify Function"), None);
        assert!(
            body.contains("- `supabase.cron`: The sync job pendo-sync is inactive"),
            "{body}"
        );
        // The checklist is the template's, unticked.
        assert_eq!(
            parsed.checklist.len(),
            crate::issue::parse(TEMPLATE).checklist.len()
        );
        assert!(parsed.checklist.iter().all(|i| !i.checked));
    }

    /// No completed run in the window: the Sync Status field is the sync log's own
    /// history (no completed run on record), never the template's placeholder.
    #[test]
    fn the_sync_status_comes_from_the_history_when_nothing_completed_in_the_window() {
        use crate::history::{History, RunOutcome, SyncRun};
        let failing = |at| SyncRun {
            at,
            records: None,
            outcome: RunOutcome::Failed,
        };
        let log = Finding::new(CheckId::SupabaseSyncLog, Status::Fail, "guides: 2 failed")
            .with_impact(Impact::Critical)
            .with_history(vec![History {
                entity: "guides".into(),
                runs: vec![failing(1_795_800_000), failing(1_795_821_600)],
                freshness_hours: 24,
                now: 1_795_860_000,
                usual: None,
            }]);
        let h = Health {
            rows: vec![(DataType::Guides, vec![log])],
        };
        let (_, body) = issue(TEMPLATE, &h, Environment::Production, 1_795_860_000).unwrap();
        let status = crate::issue::parse(&body)
            .field("Sync Status")
            .map(str::to_string);
        let status = status.expect("filled, not the placeholder");
        assert!(status.contains("no completed run on record"), "{status}");
    }

    #[test]
    fn a_form_files_the_forms_markdown_with_the_same_fields() {
        let prod = Environment::Production;
        let (title, body) = issue(crate::issue::FORM, &broken(), prod, 1_795_860_000).unwrap();
        let (md_title, md_body) = issue(TEMPLATE, &broken(), prod, 1_795_860_000).unwrap();
        assert_eq!(title, md_title);
        assert!(body.starts_with("### API Integration Issue Description\n\n_No response_\n"));
        assert!(body.contains("### Data Type\n\nGuides\n"), "{body}");
        assert!(body.ends_with(&format!("{WATCH_MARKER}\n")));
        let (form, md) = (crate::issue::parse(&body), crate::issue::parse(&md_body));
        for label in [
            "Endpoint",
            "Method",
            "Data Type",
            "Environment",
            "Stale Data",
            "Sync Status",
            "Success Rate",
            "Expected Record Count",
            "Subscription Level",
        ] {
            assert_eq!(form.field(label), md.field(label), "{label}");
        }
        assert_eq!(form.data_type, Some(DataType::Guides));
        assert!(body.contains("- `supabase.cron`: The sync job pendo-sync is inactive"));
        assert_eq!(form.checklist.len(), md.checklist.len());
        assert_eq!(
            labels(crate::issue::FORM, &Config::default()),
            labels(TEMPLATE, &Config::default())
        );
    }

    #[test]
    fn labels_are_the_templates_plus_monitoring() {
        assert_eq!(
            labels(TEMPLATE, &Config::default()),
            vec!["api", "pendo-api", "needs-triage", "monitoring"]
        );
    }

    #[test]
    fn the_table_has_a_row_per_data_type() {
        let t = table(&broken(), Environment::Production, (None, ""), "Opened #7.");
        assert!(t.contains("❌ **Broken**"));
        assert!(t.contains("| Guides |"));
        assert!(t.contains("| Events |"));
        assert!(t.contains("❌ fail"));
        assert!(t.ends_with("Opened #7.\n"));
        assert!(!t.contains("```mermaid"), "no history, no chart");
        let mut h = broken();
        let runs = [(
            Some(1_795_850_000),
            Some(40),
            crate::history::RunOutcome::Completed,
        )];
        let hist = crate::history::from_rows("guides", runs, 24, 1_795_860_000);
        for (_, fs) in &mut h.rows {
            for f in fs.iter_mut().filter(|f| f.id == CheckId::SupabaseSyncLog) {
                f.history = vec![hist.clone()];
            }
        }
        let t = table(&h, Environment::Production, (None, ""), "Opened #7.");
        // The same entity is charted once, under the first data type that measured it.
        assert_eq!(t.matches("```mermaid\n").count(), 1, "{t}");
        assert!(t.contains("**Guides**\n\n<details><summary>📈 Sync history: guides"));
        assert!(
            table(&Health::default(), Environment::Staging, (None, ""), "").contains("Not checked")
        );
        let blip = table(
            &h,
            Environment::Production,
            (Some("🟡 **Blip**"), "| Entity |\n"),
            "",
        );
        assert!(blip.contains("🟡 **Blip**\n\n| Entity |\n"), "{blip}");
        assert!(!blip.contains("❌ **Broken**"));
        let c = recovery_comment(
            Environment::Production,
            1_795_860_000,
            1_795_860_000 - 6 * 3600,
            &[],
            2,
        );
        assert!(c.contains("Down for about 6 h 0 min"), "{c}");
        let c = recovery_comment(
            Environment::Production,
            1_795_860_000,
            0,
            &["guides".into(), "events".into()],
            2,
        );
        assert!(
            c.contains("and guides, events completed 2 runs in a row"),
            "{c}"
        );
    }
}
