//! The order of findings for the headline, written down once.
//!
//! Every problem the triage sees — a live check's finding, a lint of the issue's own
//! request, a value the reporter gives — gets a [`Rank`], and the headline comes from the
//! top. The order is what a user feels first:
//!
//! 1. [`Rank::DataFailure`] — measured failures of the data: stale, missing, partial or
//!    wiped rows (`supabase.tables`, `supabase.freshness`, `supabase.completeness`,
//!    `supabase.analytics`), and a live secret pasted into the issue (a fact the bot
//!    measured in the issue itself, not a claim);
//! 2. [`Rank::PipelineFailure`] — measured failures of the pipeline that moves the data:
//!    Pendo, the Supabase API, the sync log, the cron job, the Edge Function and pg_net's
//!    calls to it;
//! 3. [`Rank::ConfigurationNote`] — measured notes on how something is configured, with
//!    nothing failing because of it (pg_net's 5 s timeout while the runs completed: see
//!    [`crate::finding::Finding::configuration`]);
//! 4. [`Rank::ReportedSymptom`] — symptoms the reporter gives: status codes, staleness,
//!    error text, success rates (only counted when no live check concluded);
//! 5. [`Rank::RequestLint`] — lints of the reporter's own request and fields
//!    (`issue.request`, `issue.fields`).
//!
//! The worse impact comes first ([`sort_key`]): the headline says why the severity is
//! what it is, so a P0's headline is a critical problem. Among problems of the same
//! impact the rank decides, then the check closer to a root cause
//! ([`crate::registry::Check::cause`]), then the order they were found in. A
//! configuration note weighs at most a degradation, so a measured failure of the data
//! always outranks it. A failure's cause that another check knows (the function's
//! console, pg_net's answer, a cron `return_message`: [`crate::finding::Finding::cause`])
//! joins the headline after it.

use crate::finding::{CheckId, Finding, Impact};
use serde::Serialize;

/// Where a problem stands in the headline's order (lower is shown first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rank {
    DataFailure = 1,
    PipelineFailure = 2,
    ConfigurationNote = 3,
    ReportedSymptom = 4,
    RequestLint = 5,
}

impl Rank {
    /// The rank of a check's finding.
    pub fn of(f: &Finding) -> Rank {
        use CheckId::*;
        if f.configuration {
            return Rank::ConfigurationNote;
        }
        match f.id {
            IssueSecrets => Rank::DataFailure,
            IssueFields | IssueRequest => Rank::RequestLint,
            SupabaseTables | SupabaseFreshness | SupabaseCompleteness | SupabaseAnalytics => {
                Rank::DataFailure
            }
            PendoAuth | PendoEndpoint | PendoLatency | PendoRateLimit | PendoAggregation
            | SupabaseApi | SupabaseSyncLog | SupabaseCron | SupabaseFunctions | SupabaseHttp => {
                Rank::PipelineFailure
            }
        }
    }

    /// The rank's number in the order above (1 first).
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// The key problems are sorted by (ascending): impact (worst first), rank, and the
/// check's closeness to a root cause (`cause_rank`).
pub fn sort_key(
    rank: Rank,
    impact: Impact,
    cause_rank: u8,
) -> (std::cmp::Reverse<Impact>, Rank, u8) {
    let impact = if rank == Rank::ConfigurationNote {
        impact.min(Impact::Degraded)
    } else {
        impact
    };
    (std::cmp::Reverse(impact), rank, cause_rank)
}

/// What the headline came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind", content = "name")]
pub enum Source {
    /// A check's finding.
    Check(CheckId),
    /// A value the issue reports (`Response status`, `Stale Data`, …).
    Reported(String),
    /// No problem: the headline says every live check passes, or nothing was found.
    Nothing,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Check(id) => write!(f, "{id}"),
            Source::Reported(name) => write!(f, "reported {name}"),
            Source::Nothing => f.write_str("nothing"),
        }
    }
}
