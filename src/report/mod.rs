//! Findings + verdict → the report: the markdown comment people read, and JSON.
//!
//! Pure functions that lay the report out: the headline, the issue's facts, the table of
//! checks, the sync charts, reported vs measured values, next steps, ticks and footer. The
//! sentences inside come from elsewhere: the findings' summaries, evidence and next steps
//! from the checks, the reported values' meanings from [`crate::evidence`], the diagnosis
//! from the verdict, the live note from the caller. The comment starts with the hidden
//! marker [`MARKER`], by which the bot finds it again; it may end with a hidden state block
//! (see [`render_markdown`]'s `state`). Outside text (the issue's, the dependencies') only enters through
//! [`crate::outside`], so it is redacted before it is cut and escaped, cannot ping people
//! or break the tables, and the comment never exceeds
//! [`MAX_CHARS`].

use crate::bot_markdown::trusted;
use crate::config::Severity;
use crate::finding::{Finding, Status};
use crate::outside::{Sink, emit};
use crate::triage::Triage;

/// The hidden marker that identifies the bot's report comment.
pub const MARKER: &str = "<!-- pendo-triage:report -->";
/// GitHub's limit for a comment body, in characters.
pub const MAX_CHARS: usize = 65_536;

/// What the report says around the findings.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The label that asks for a recheck.
    pub recheck_label: String,
    /// Why live checks did not run for this event, when that is the reason (e.g. the
    /// author is not a member); shown under the headline. Markdown written by the bot,
    /// shown as is: whoever builds it escapes the outside text in it.
    pub live_note: Option<String>,
    /// A link to the workflow run, shown in the footer.
    pub run_url: Option<String>,
    /// When the live results shown were measured (Unix seconds), when there are any.
    pub live_at: Option<i64>,
}

/// The headline icon of a severity.
fn severity_icon(s: Severity) -> &'static str {
    match s {
        Severity::P0 => "🔴",
        Severity::P1 => "🟠",
        Severity::P2 => "🟢",
    }
}

/// Renders the comment. `state` is an already-encoded hidden block appended at the end
/// (it must be an HTML comment); the visible part is cut to fit beside it.
pub fn render_markdown(t: &Triage, ctx: &Context, state: Option<&str>) -> String {
    let state = state.unwrap_or("");
    let budget = MAX_CHARS.saturating_sub(state.chars().count() + 2);
    // Evidence lines per check, shrinking until the comment fits.
    for evidence_lines in [6usize, 3, 1, 0] {
        let body = render_visible(t, ctx, evidence_lines, 200);
        if body.chars().count() <= budget {
            return join(body, state);
        }
    }
    let body = render_visible(t, ctx, 0, 60);
    // one-way-out: the rendered report, whose outside text already left through it.
    let mut cut: String = body.chars().take(budget.saturating_sub(80)).collect(); // one-way-out: rendered
    cut.push_str("\n\n_(report cut to fit GitHub's comment limit; see the run log)_\n");
    join(cut, state)
}

fn join(body: String, state: &str) -> String {
    if state.is_empty() {
        body
    } else {
        format!("{body}\n{state}\n")
    }
}

fn render_visible(t: &Triage, ctx: &Context, evidence_lines: usize, cell_chars: usize) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str(MARKER);
    out.push('\n');
    out.push_str(&headline(t, ctx));
    out.push_str(&facts(t));
    out.push_str(&table::checks(&t.findings, evidence_lines, cell_chars));
    out.push('\n');
    // The sync history charts, folded; the first to go when the comment must shrink.
    if evidence_lines >= 3 {
        for h in t.findings.iter().flat_map(|f| &f.history) {
            if let Some(chart) = crate::history::details(h) {
                out.push_str(&chart);
                out.push('\n');
            }
        }
    }
    out.push_str(&compared_table(t, cell_chars));
    out.push_str(&steps_list(t));
    out.push_str(&ticked_line(t));
    out.push_str(&footer(t, ctx));
    out
}

/// The severity and diagnosis, then whether the results are live and why not.
fn headline(t: &Triage, ctx: &Context) -> String {
    let v = &t.verdict;
    let mut out = format!(
        "### {} {} — {}\n\n",
        severity_icon(v.severity),
        v.severity,
        emit(&v.diagnosis, 300, Sink::Markdown)
    );
    if !v.verified {
        out.push_str("> [!NOTE]\n> **Not verified live.** No live check reached Pendo or Supabase, so the severity comes from what the issue itself reports.\n");
        if let Some(note) = &ctx.live_note {
            out.push_str(&format!("> {}\n", trusted(note)));
        }
        out.push('\n');
    } else if let Some(note) = &ctx.live_note {
        out.push_str(&format!("> {}\n\n", trusted(note)));
    }
    out
}

/// The issue's environment, data type, method and endpoint on one line.
fn facts(t: &Triage) -> String {
    let facts = [
        (
            "Environment",
            t.verdict.environment.map(|e| e.as_str().to_string()),
        ),
        (
            "Data type",
            t.issue.data_type.map(|d| d.as_str().to_string()),
        ),
        ("Method", t.issue.method.map(|m| m.as_str().to_string())),
        ("Endpoint", t.issue.endpoint.clone()),
    ];
    let facts: Vec<String> = facts
        .iter()
        .map(|(k, val)| match val {
            Some(val) => format!("**{k}:** {}", emit(val, 120, Sink::Markdown)),
            None => format!("**{k}:** _not given_"),
        })
        .collect();
    format!("{}\n\n", facts.join(" · "))
}

/// The reported-vs-measured table; empty when there is nothing to compare.
fn compared_table(t: &Triage, cell_chars: usize) -> String {
    let compared = compared_values(t);
    if compared.is_empty() {
        return String::new();
    }
    // Reported values were true when the issue said them; measured ones are true now.
    let mut out = format!(
        "#### Reported vs measured\n\n| | {} | Measured by the live checks |\n|---|---|---|\n",
        t.clock.reported.column_heading()
    );
    for (name, reported, measured) in compared {
        out.push_str(&format!(
            "| {} | {} | {} |\n",
            emit(name, 60, Sink::Markdown),
            reported.map_or("—".into(), |r| emit(r, cell_chars, Sink::Markdown)),
            measured.map_or("—".into(), |m| emit(m, cell_chars, Sink::Markdown)),
        ));
    }
    out.push('\n');
    out
}

/// The numbered next steps; empty when there are none.
fn steps_list(t: &Triage) -> String {
    let steps = next_steps(t);
    if steps.is_empty() {
        return String::new();
    }
    let mut out = "#### Next steps\n\n".to_string();
    for (i, s) in steps.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", i + 1, trusted(s)));
    }
    out.push('\n');
    out
}

/// Which checklist items the bot ticked; empty when none.
fn ticked_line(t: &Triage) -> String {
    let ticks = &t.verdict.ticks;
    if ticks.is_empty() {
        return String::new();
    }
    format!(
        "Ticked {} checklist item{} the bot verified itself: {}.\n\n",
        ticks.len(),
        if ticks.len() == 1 { "" } else { "s" },
        ticks
            .iter()
            .map(|x| format!("“{}”", emit(x, 80, Sink::Markdown)))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// When the live results are from, how to recheck, and the run log.
fn footer(t: &Triage, ctx: &Context) -> String {
    let mut out = "<sub>".to_string();
    if let Some(at) = ctx.live_at.filter(|_| t.verdict.verified) {
        out.push_str(&format!(
            "Live results from {}. ",
            crate::clock::format_utc(at)
        ));
    }
    out.push_str(&format!(
        "Run the checks again: comment `{}` or add the `{}` label (repository members). This comment is updated in place.",
        crate::event::RECHECK_COMMAND,
        emit(&ctx.recheck_label, 50, Sink::Markdown)
    ));
    if let Some(url) = &ctx.run_url
        && (url.starts_with("https://") || url.starts_with("http://"))
    {
        out.push_str(&format!(
            " · [run log]({})",
            url.replace(['(', ')', ' '], "")
        ));
    }
    out.push_str("</sub>\n");
    out
}

/// Rows of (name, reported, measured), reported values first.
fn compared_values(t: &Triage) -> Vec<(String, Option<String>, Option<String>)> {
    let mut rows: Vec<(String, Option<String>, Option<String>)> = t
        .reported
        .iter()
        .map(|r| {
            let shown = if r.meaning.is_empty() {
                r.value.clone()
            } else {
                format!("{} — {}", r.value, r.meaning)
            };
            (r.name.clone(), Some(shown), None)
        })
        .collect();
    for f in &t.findings {
        for (name, value) in &f.measured {
            match rows.iter_mut().find(|r| r.0.eq_ignore_ascii_case(name)) {
                Some(row) => row.2 = Some(value.clone()),
                None => rows.push((name.clone(), None, Some(value.clone()))),
            }
        }
    }
    rows
}

/// Next steps: the failing checks' own, then the general ones, without repeats.
fn next_steps(t: &Triage) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    let mut ordered: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| f.status != Status::Pass)
        .collect();
    // The fix of the most likely root cause first (see the catalogue's `cause`).
    ordered.sort_by_key(|f| {
        (
            std::cmp::Reverse(f.impact),
            f.is_offline(),
            crate::registry::row(f.id).cause,
        )
    });
    for f in ordered {
        for s in &f.next_steps {
            if !steps.contains(s) {
                steps.push(s.clone());
            }
        }
    }
    if !t.verdict.verified {
        for r in t
            .reported
            .iter()
            .filter(|r| r.impact != crate::finding::Impact::None)
        {
            if !r.fix.is_empty() && !steps.contains(&r.fix) {
                steps.push(r.fix.clone());
            }
        }
        steps.push("Let the checks run live: add the repository secrets PENDO_INTEGRATION_KEY, SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and SUPABASE_DB_URL and pass them to the action.".into());
    }
    steps
}

/// What a report is compared by, to decide whether it must be rewritten: taken from the
/// typed triage and its context, not from the rendered text. The findings without their
/// timings, a sync history as its sparkline's shape (which runs failed, not the bar
/// heights), the verdict, the reported values, the facts and the notes, with every
/// figure in their text (ages, counts, dates) replaced by `#`. Statuses, causes and the
/// severity (`P0`/`P1`/`P2` are kept) still count, so a run whose findings say the same
/// thing with new numbers writes nothing, while a new cause or severity is written.
pub fn change_key(t: &Triage, ctx: &Context) -> String {
    let findings: Vec<serde_json::Value> = t
        .findings
        .iter()
        .map(|f| {
            let histories: Vec<serde_json::Value> = f
                .history
                .iter()
                .map(|h| serde_json::json!([h.entity, crate::history::sparkline(h), h.usual]))
                .collect();
            let timeless = Finding {
                duration_ms: None,
                history: Vec::new(),
                ..f.clone()
            };
            serde_json::json!([timeless, histories])
        })
        .collect();
    let key = serde_json::json!({
        "verdict": t.verdict,
        "findings": findings,
        "reported": t.reported,
        "facts": [t.issue.data_type.map(|d| d.as_str()), t.issue.method.map(|m| m.as_str()), &t.issue.endpoint],
        "basis": t.clock.reported.column_heading(),
        "note": ctx.live_note,
        "recheck": ctx.recheck_label,
        "measured": ctx.live_at.is_some(),
    });
    mask_figures(&key.to_string())
}

/// `text` with every figure and every run of sparkline bars as `#`; a severity stays.
fn mask_figures(text: &str) -> String {
    static FIGURE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\bP([012])\b|\d[\d.,:]*|[▁▂▃▄▅▆▇█]+").unwrap()
    });
    FIGURE
        .replace_all(text, |c: &regex::Captures| match c.get(1) {
            Some(level) => format!("P{}", level.as_str()),
            None => "#".to_string(),
        })
        .into_owned()
}

mod json;
mod table;

pub use json::{JsonCheck, JsonReport, JsonReported, json};

#[cfg(test)]
mod tests;
