//! What a check is and what it found: the ids, the findings and what a check needs.
//!
//! The leaf every check stands on: the offline checks (`checks`), the live checks
//! (`live`), the registry that lists them (`registry`), the plan and the verdict all
//! import it, and it imports none of them. A check's id is declared here with the name
//! users see and what it needs; everything else about it (its areas, its rank, how it
//! runs, what it ticks) is its line in [`crate::registry`].

pub use crate::terms::{Area, Impact, Status};

use crate::credentials::Credentials;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Declares [`CheckId`] with each id's spelled name and needs.
macro_rules! ids {
    ($( $id:ident $name:literal $needs:ident; )*) => {
        /// A check's id. The spelled names ([`CheckId::as_str`]) are part of the product's
        /// interface; declaration order is report order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId { $($id),* }

        impl CheckId {
            /// Every id, in report order.
            pub const ALL: &[CheckId] = &[$(CheckId::$id),*];

            /// The id as users see it (`pendo.auth`).
            pub fn as_str(self) -> &'static str {
                match self { $(CheckId::$id => $name),* }
            }

            /// What the check needs before it can run.
            pub fn needs(self) -> Needs {
                match self { $(CheckId::$id => Needs::$needs),* }
            }
        }
    };
}

// Each line: id, name, needs. Its row in the registry says the rest.
#[rustfmt::skip]
ids! {
    IssueFields "issue.fields" Issue;
    IssueSecrets "issue.secrets" Issue;
    IssueRequest "issue.request" Issue;
    PendoAuth "pendo.auth" Pendo;
    PendoEndpoint "pendo.endpoint" Pendo;
    PendoLatency "pendo.latency" Pendo;
    PendoRateLimit "pendo.rate-limit" Pendo;
    PendoAggregation "pendo.aggregation" Pendo;
    SupabaseApi "supabase.api" SupabaseApi;
    SupabaseTables "supabase.tables" SupabaseApiOrDatabase;
    SupabaseFreshness "supabase.freshness" SupabaseApiOrDatabase;
    SupabaseCompleteness "supabase.completeness" PendoAndSupabase;
    SupabaseSyncLog "supabase.sync-log" SupabaseApiOrDatabase;
    SupabaseCron "supabase.cron" SupabaseApiOrDatabase;
    SupabaseFunctions "supabase.functions" SupabaseManagement;
    SupabaseHttp "supabase.http" SupabaseApiOrDatabase;
    SupabaseAnalytics "supabase.analytics" SupabaseApiOrDatabase;
}

impl CheckId {
    /// Every id, in report order.
    pub fn all() -> impl Iterator<Item = CheckId> {
        CheckId::ALL.iter().copied()
    }

    /// The id of a spelled name; `None` for anything that is not a check's.
    pub fn parse(text: &str) -> Option<CheckId> {
        CheckId::all().find(|id| id.as_str() == text)
    }

    /// True for the checks that read only the issue.
    pub fn is_offline(self) -> bool {
        self.needs() == Needs::Issue
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CheckId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CheckId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CheckId::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown check id {text:?}")))
    }
}

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

/// What a check needs before it can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Only the issue.
    Issue,
    Pendo,
    SupabaseApi,
    /// A Pendo key, and the Supabase REST API or the database URL.
    PendoAndSupabase,
    /// The Supabase REST API, or the database URL.
    SupabaseApiOrDatabase,
    /// A Supabase personal access token (the Management API).
    SupabaseManagement,
}

impl Needs {
    /// Whether `creds` hold what this needs.
    pub fn met(self, creds: &Credentials) -> bool {
        match self {
            Needs::Issue => true,
            Needs::Pendo => creds.has_pendo(),
            Needs::SupabaseApi => creds.has_supabase_api(),
            Needs::PendoAndSupabase => {
                creds.has_pendo() && (creds.has_supabase_api() || creds.has_supabase_db())
            }
            Needs::SupabaseApiOrDatabase => creds.has_supabase_api() || creds.has_supabase_db(),
            Needs::SupabaseManagement => creds.supabase_access_token.is_some(),
        }
    }

    /// Why a check with this need is skipped, and what to set (`creds` lack it).
    pub fn missing(self, creds: &Credentials) -> &'static str {
        match self {
            Needs::Issue => "",
            Needs::Pendo => "no Pendo key: set the pendo-integration-key input",
            Needs::SupabaseApi => {
                "no Supabase API access: set the supabase-url and supabase-key inputs"
            }
            Needs::PendoAndSupabase if creds.has_pendo() => {
                "needs Supabase access too: set supabase-url and supabase-key, or supabase-db-url"
            }
            Needs::PendoAndSupabase if creds.has_supabase_api() || creds.has_supabase_db() => {
                "needs a Pendo key too: set the pendo-integration-key input"
            }
            Needs::PendoAndSupabase => {
                "needs both Pendo and Supabase access: set pendo-integration-key, and supabase-url with supabase-key (or supabase-db-url)"
            }
            Needs::SupabaseApiOrDatabase => {
                "no Supabase access: set supabase-url and supabase-key, or supabase-db-url (session pooler URL)"
            }
            Needs::SupabaseManagement => {
                "no Supabase access token: set the supabase-access-token input (a personal access token: with it the bot reads the Edge Functions' deploys and logs from api.supabase.com)"
            }
        }
    }
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

    #[test]
    fn ids_round_trip_and_strangers_are_refused() {
        for id in CheckId::all() {
            assert_eq!(CheckId::parse(id.as_str()), Some(id));
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(serde_json::from_str::<CheckId>(&json).unwrap(), id);
            assert!(
                id.as_str().contains('.') && !id.as_str().contains(' '),
                "{id}"
            );
        }
        assert!(serde_json::from_str::<CheckId>("\"@team/evil\"").is_err());
        let ids: Vec<CheckId> = CheckId::all().collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        let mut names: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ids.len(), "two checks share a name");
    }

    #[test]
    fn skip_reasons_name_what_to_set() {
        let none = Credentials::default();
        for id in CheckId::all().filter(|id| !id.is_offline()) {
            assert!(!id.needs().met(&none), "{id}");
            assert!(id.needs().missing(&none).contains("set"), "{id}");
        }
        let pendo_only = Credentials {
            pendo_key: crate::credentials::SecretString::new("fake-key"),
            ..Default::default()
        };
        assert!(Needs::Pendo.met(&pendo_only));
        assert!(
            Needs::PendoAndSupabase
                .missing(&pendo_only)
                .contains("supabase-url")
        );
    }
}
