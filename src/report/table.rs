//! The report's table of checks: what failed first, evidence that adds to the result,
//! a time column only when something was timed, and the skipped checks folded away.

use crate::finding::{Finding, Status};
use crate::outside::{Sink, emit};

/// Failures first, then checks that could not conclude, warnings, and passes; catalogue
/// order within each.
fn rank(s: Status) -> u8 {
    match s {
        Status::Fail => 0,
        Status::Error => 1,
        Status::Warn => 2,
        Status::Pass => 3,
        Status::Skip => 4,
    }
}

/// The table (and the folded list of skipped checks), as markdown.
pub fn checks(findings: &[Finding], evidence_lines: usize, cell_chars: usize) -> String {
    let mut shown: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.status != Status::Skip)
        .collect();
    shown.sort_by_key(|f| (rank(f.status), f.id));
    let timed = shown.iter().any(|f| f.duration_ms.is_some());
    let mut out = String::new();
    out.push_str(if timed {
        "| Check | Status | Result | Evidence | Time |\n|---|---|---|---|---|\n"
    } else {
        "| Check | Status | Result | Evidence |\n|---|---|---|---|\n"
    });
    for f in shown {
        out.push_str(&row(f, evidence_lines, cell_chars, timed));
    }
    out.push_str(&skipped(findings, cell_chars));
    out
}

fn row(f: &Finding, evidence_lines: usize, cell_chars: usize, timed: bool) -> String {
    let summary = &f.summary;
    // Evidence that only repeats the result says nothing.
    let lines: Vec<&String> = f
        .evidence
        .iter()
        .filter(|e| !e.trim().eq_ignore_ascii_case(summary.trim()))
        .collect();
    let mut evidence = lines
        .iter()
        .take(evidence_lines)
        .map(|e| emit(*e, cell_chars, Sink::Markdown))
        .collect::<Vec<_>>()
        .join("<br>");
    if lines.len() > evidence_lines && evidence_lines > 0 {
        evidence.push_str(&format!("<br>_+{} more_", lines.len() - evidence_lines));
    }
    // The sync's recent runs, one sparkline per entity, before the evidence.
    let sparks: Vec<String> = f
        .history
        .iter()
        .filter_map(crate::history::spark_cell)
        .collect();
    if !sparks.is_empty() {
        let mut cell = sparks.join("<br>");
        if !evidence.is_empty() {
            cell.push_str("<br>");
            cell.push_str(&evidence);
        }
        evidence = cell;
    }
    if evidence.is_empty() {
        evidence = "—".into();
    }
    let mut row = format!(
        "| `{}` | {} {} | {} | {evidence} |",
        f.id,
        f.status.icon(),
        f.status,
        emit(summary, cell_chars, Sink::Markdown),
    );
    if timed {
        let time = match f.duration_ms {
            None => "—".to_string(),
            Some(ms) if ms < 1000 => format!("{ms} ms"),
            Some(ms) => format!("{:.1} s", ms as f64 / 1000.0),
        };
        row.push_str(&format!(" {time} |"));
    }
    row.push('\n');
    row
}

/// Skipped checks share few reasons: one collapsed line per reason.
fn skipped(findings: &[Finding], cell_chars: usize) -> String {
    let mut reasons: Vec<(&str, Vec<&str>)> = Vec::new();
    for f in findings.iter().filter(|f| f.status == Status::Skip) {
        match reasons.iter_mut().find(|(r, _)| *r == f.summary) {
            Some((_, ids)) => ids.push(f.id.as_str()),
            None => reasons.push((&f.summary, vec![f.id.as_str()])),
        }
    }
    if reasons.is_empty() {
        return String::new();
    }
    let count: usize = reasons.iter().map(|(_, ids)| ids.len()).sum();
    let mut out = format!(
        "\n<details><summary>{} {count} check{} skipped</summary>\n\n",
        Status::Skip.icon(),
        if count == 1 { "" } else { "s" }
    );
    for (reason, ids) in reasons {
        let ids: Vec<String> = ids.iter().map(|id| format!("`{id}`")).collect();
        out.push_str(&format!(
            "- {}: {}\n",
            ids.join(" "),
            emit(reason, cell_chars, Sink::Markdown)
        ));
    }
    out.push_str("\n</details>\n");
    out
}
