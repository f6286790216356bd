//! The JSON report: `check --format json` and the Action's `report-json` output. The
//! strings that can quote the issue or a measured value (diagnosis, endpoint, check
//! summaries and evidence, reported values) leave through [`crate::outside`] here; the Action neutralises it
//! further before it becomes an output.

use super::next_steps;
use crate::config::Severity;
use crate::finding::Status;
use crate::outside::{Sink, UNCUT, emit};
use crate::triage::Triage;
use serde::Serialize;

/// The JSON report (`check --format json`, and the action's `report-json` output).
#[derive(Debug, Clone, Serialize)]
pub struct JsonReport<'a> {
    pub severity: Severity,
    pub verified: bool,
    pub diagnosis: String,
    pub environment: Option<&'static str>,
    pub data_type: Option<&'static str>,
    pub method: Option<&'static str>,
    pub endpoint: Option<String>,
    pub checks: Vec<JsonCheck<'a>>,
    pub labels: Vec<&'a str>,
    pub areas: &'a [crate::terms::Area],
    pub ticks: Vec<String>,
    pub missing_fields: &'a [&'static str],
    pub reported: Vec<JsonReported>,
    pub next_steps: Vec<String>,
}

/// One check in the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct JsonCheck<'a> {
    pub id: &'a str,
    pub status: Status,
    pub summary: String,
    pub impact: crate::finding::Impact,
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// One reported value in the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct JsonReported {
    pub name: String,
    pub value: String,
    pub impact: crate::finding::Impact,
    pub meaning: String,
}

/// Builds the JSON report: every string that can hold outside text leaves through
/// [`crate::outside`].
pub fn json(t: &Triage) -> JsonReport<'_> {
    let v = &t.verdict;
    let plain = |s: &str| emit(s, UNCUT, Sink::Plain);
    JsonReport {
        severity: v.severity,
        verified: v.verified,
        diagnosis: plain(&v.diagnosis),
        environment: v.environment.map(|e| e.as_str()),
        data_type: t.issue.data_type.map(|d| d.as_str()),
        method: t.issue.method.map(|m| m.as_str()),
        endpoint: t.issue.endpoint.as_deref().map(plain),
        checks: t
            .findings
            .iter()
            .map(|f| JsonCheck {
                id: f.id.as_str(),
                status: f.status,
                summary: plain(&f.summary),
                impact: f.impact,
                evidence: f.evidence.iter().map(|e| plain(e)).collect(),
                duration_ms: f.duration_ms,
            })
            .collect(),
        labels: v.labels.iter().map(String::as_str).collect(),
        areas: &v.areas,
        ticks: v.ticks.iter().map(|x| plain(x)).collect(),
        missing_fields: &v.missing_fields,
        reported: t
            .reported
            .iter()
            .map(|r| JsonReported {
                name: r.name.clone(),
                value: plain(&r.value),
                impact: r.impact,
                meaning: plain(&r.meaning),
            })
            .collect(),
        next_steps: next_steps(t).iter().map(|x| plain(x)).collect(),
    }
}
