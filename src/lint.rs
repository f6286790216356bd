//! Known Pendo and Supabase pitfalls in what the issue reports. (stub — being written)

use crate::checks::Impact;
use crate::issue::Issue;

/// One pitfall found in the reported request, response or curl.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lint {
    /// Stable id, e.g. `aggregation-get`.
    pub id: &'static str,
    /// One line saying what is wrong.
    pub title: String,
    /// The text in the issue that shows it (short, unredacted: callers redact).
    pub evidence: String,
    /// One line saying how to fix it.
    pub fix: String,
    pub impact: Impact,
    /// Area label keys this pitfall points at (`supabase`, `database`, `edge-functions`, …).
    pub areas: &'static [&'static str],
}

/// Every pitfall the issue shows, in a stable order.
pub fn lint(_issue: &Issue) -> Vec<Lint> {
    Vec::new()
}
