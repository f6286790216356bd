//! Checks and their findings.
//!
//! A check looks at one thing (the issue's fields, a secret in the body, Pendo's auth, a
//! Supabase table) and produces a [`Finding`]. A failing dependency is a finding with
//! status `fail`, never an `Err`: only a check that could not do its job is `error`.
//! The three `issue.*` checks are pure and always run; the live checks need credentials
//! and are `skip` with the reason when those are absent.

pub mod catalogue;
pub mod offline;
pub mod ticks;

pub use crate::terms::{Area, Impact, Status};
pub use catalogue::{CATALOGUE, CheckId, Needs};

use serde::{Deserialize, Deserializer, Serialize};

/// What one check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: CheckId,
    pub status: Status,
    /// One line, in the user's words.
    pub summary: String,
    pub impact: Impact,
    /// Supporting facts, each one line (already redacted).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// What to do about it, each one line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub next_steps: Vec<String>,
    /// Measured values worth showing beside the issue's reported ones (name → value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measured: Vec<(String, String)>,
    /// Area label keys this finding points at beyond its catalogue row's (set by checks
    /// that know better, e.g. the request lints).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "known_areas"
    )]
    pub areas: Vec<Area>,
    /// Wall time the check took, when it did I/O.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Recent runs per entity, drawn as a sparkline and a chart (`supabase.sync-log`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<crate::history::History>,
    /// True for a note on how something is configured that nothing fails because of
    /// (pg_net's timeout shorter than the function runs, while the runs complete): it
    /// ranks below every measured failure ([`crate::verdict::rank::Rank`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub configuration: bool,
    /// What this check knows to be the sync's failure cause, as one phrase for another
    /// finding's headline ("the sync function logs 'permission denied for table
    /// pendo_events' on every run since 11-18"). Raw outside text, quoted: it goes out
    /// through [`crate::outside`] with the diagnosis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

impl Finding {
    pub fn new(id: CheckId, status: Status, summary: impl Into<String>) -> Self {
        Self {
            id,
            status,
            summary: summary.into(),
            impact: Impact::None,
            evidence: Vec::new(),
            next_steps: Vec::new(),
            measured: Vec::new(),
            areas: Vec::new(),
            duration_ms: None,
            history: Vec::new(),
            configuration: false,
            cause: None,
        }
    }

    pub fn pass(id: CheckId, summary: impl Into<String>) -> Self {
        Self::new(id, Status::Pass, summary)
    }

    pub fn skip(id: CheckId, reason: impl Into<String>) -> Self {
        Self::new(id, Status::Skip, reason)
    }

    pub fn with_impact(mut self, impact: Impact) -> Self {
        self.impact = impact;
        self
    }

    pub fn with_evidence(mut self, line: impl Into<String>) -> Self {
        self.evidence.push(line.into());
        self
    }

    pub fn with_next_step(mut self, line: impl Into<String>) -> Self {
        self.next_steps.push(line.into());
        self
    }

    pub fn with_measured(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.measured.push((name.into(), value.into()));
        self
    }

    pub fn with_history(mut self, history: Vec<crate::history::History>) -> Self {
        self.history = history;
        self
    }

    /// Marks the finding as a configuration note (see [`Finding::configuration`]).
    pub fn as_configuration_note(mut self) -> Self {
        self.configuration = true;
        self
    }

    /// The failure cause this check knows, for another finding's headline.
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    pub fn with_areas(mut self, areas: &[Area]) -> Self {
        for a in areas {
            if !self.areas.contains(a) {
                self.areas.push(*a);
            }
        }
        self
    }

    /// True for the checks that need no network.
    pub fn is_offline(&self) -> bool {
        self.id.is_offline()
    }

    /// True when the check ran and reached a conclusion about its target (pass, warn or
    /// fail), as opposed to being skipped or breaking.
    pub fn is_conclusive(&self) -> bool {
        self.status.is_conclusive()
    }

    /// True when the finding says the integration is broken: a failure of critical
    /// impact. The watch's health, its failing data types and the sync-health streak all
    /// count these.
    pub fn is_broken(&self) -> bool {
        self.status == Status::Fail && self.impact == Impact::Critical
    }
}

/// True when at least one live check (not an `issue.*` one) reached a conclusion: the
/// verdict is then verified, and the run's health is known.
pub fn live_concluded<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> bool {
    findings
        .into_iter()
        .any(|f| !f.is_offline() && f.is_conclusive())
}

/// Area keys read back from the state block: the known ones, as the crate's own strings.
fn known_areas<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Area>, D::Error> {
    let names = Vec::<String>::deserialize(d)?;
    Ok(names.iter().filter_map(|n| Area::parse(n)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_is_a_critical_failure_and_only_live_conclusions_count() {
        let f = |id, status, impact| Finding::new(id, status, "x").with_impact(impact);
        assert!(f(CheckId::SupabaseCron, Status::Fail, Impact::Critical).is_broken());
        assert!(!f(CheckId::SupabaseCron, Status::Fail, Impact::Degraded).is_broken());
        assert!(!f(CheckId::SupabaseCron, Status::Warn, Impact::Critical).is_broken());
        assert!(!f(CheckId::SupabaseCron, Status::Error, Impact::None).is_conclusive());
        let offline = f(CheckId::IssueRequest, Status::Fail, Impact::Critical);
        let skipped = f(CheckId::PendoAuth, Status::Skip, Impact::None);
        assert!(!live_concluded([&offline, &skipped]));
        let warned = f(CheckId::PendoAuth, Status::Warn, Impact::None);
        assert!(live_concluded([&offline, &warned]));
    }
}
