//! The checks the product knows, one row each: the one place a check is registered.
//!
//! A row says what the check needs (a Pendo key, Supabase API access, the database), the
//! area labels it points at when it finds a problem, whether it depends on the issue's
//! data type, and, by its position, its place in the report. Skip reasons, area labels,
//! report order and the watch's "run once" set all read this table; ids are typed
//! ([`CheckId`]) and spelled as users see them (`pendo.auth`) only at the edges.

use crate::credentials::Credentials;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A check's id. The spelled names (`as_str`) are part of the product's interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckId {
    IssueFields,
    IssueSecrets,
    IssueRequest,
    PendoAuth,
    PendoEndpoint,
    PendoLatency,
    PendoRateLimit,
    PendoAggregation,
    SupabaseApi,
    SupabaseTables,
    SupabaseFreshness,
    SupabaseCompleteness,
    SupabaseSyncLog,
    SupabaseCron,
    SupabaseFunctions,
    SupabaseHttp,
    SupabaseAnalytics,
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

/// One registered check.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub id: CheckId,
    pub needs: Needs,
    /// Area label keys a problem found by this check points at.
    pub areas: &'static [&'static str],
    /// True when the result depends on the issue's data type (the watch runs these once
    /// per data type and the others once).
    pub per_data_type: bool,
    /// How close to a root cause a problem found here usually is (0: closest). The
    /// diagnosis names the closest one: "the sync job is inactive" before "the data is
    /// stale", which follows from it.
    pub cause: u8,
}

const fn row(
    id: CheckId,
    needs: Needs,
    areas: &'static [&'static str],
    per_data_type: bool,
    cause: u8,
) -> Check {
    Check {
        id,
        needs,
        areas,
        per_data_type,
        cause,
    }
}

/// Every check, in report order.
#[rustfmt::skip]
pub const CATALOGUE: &[Check] = &[
    row(CheckId::IssueFields, Needs::Issue, &[], false, 14),
    row(CheckId::IssueSecrets, Needs::Issue, &["security"], false, 12),
    row(CheckId::IssueRequest, Needs::Issue, &[], false, 13),
    row(CheckId::PendoAuth, Needs::Pendo, &["pendo-api"], false, 1),
    row(CheckId::PendoEndpoint, Needs::Pendo, &["pendo-api"], true, 5),
    row(CheckId::PendoLatency, Needs::Pendo, &["pendo-api", "performance"], false, 9),
    row(CheckId::PendoRateLimit, Needs::Pendo, &["pendo-api", "performance"], false, 10),
    row(CheckId::PendoAggregation, Needs::Pendo, &["pendo-api"], false, 6),
    row(CheckId::SupabaseApi, Needs::SupabaseApi, &["supabase"], false, 0),
    row(CheckId::SupabaseTables, Needs::SupabaseApiOrDatabase, &["supabase", "database"], false, 7),
    row(CheckId::SupabaseFreshness, Needs::SupabaseApiOrDatabase, &["supabase", "database", "monitoring"], false, 11),
    row(CheckId::SupabaseCompleteness, Needs::PendoAndSupabase, &["supabase", "database"], true, 8),
    row(CheckId::SupabaseSyncLog, Needs::SupabaseApiOrDatabase, &["supabase", "monitoring"], false, 4),
    row(CheckId::SupabaseCron, Needs::SupabaseApiOrDatabase, &["supabase", "monitoring"], false, 2),
    row(CheckId::SupabaseFunctions, Needs::SupabaseManagement, &["edge-functions", "supabase"], false, 3),
    row(CheckId::SupabaseHttp, Needs::SupabaseApiOrDatabase, &["edge-functions", "supabase"], false, 3),
    row(CheckId::SupabaseAnalytics, Needs::SupabaseApiOrDatabase, &["supabase", "database"], true, 5),
];

impl CheckId {
    /// Every id, in report order.
    pub fn all() -> impl Iterator<Item = CheckId> {
        CATALOGUE.iter().map(|c| c.id)
    }

    /// The id as users see it (`pendo.auth`).
    pub const fn as_str(self) -> &'static str {
        match self {
            CheckId::IssueFields => "issue.fields",
            CheckId::IssueSecrets => "issue.secrets",
            CheckId::IssueRequest => "issue.request",
            CheckId::PendoAuth => "pendo.auth",
            CheckId::PendoEndpoint => "pendo.endpoint",
            CheckId::PendoLatency => "pendo.latency",
            CheckId::PendoRateLimit => "pendo.rate-limit",
            CheckId::PendoAggregation => "pendo.aggregation",
            CheckId::SupabaseApi => "supabase.api",
            CheckId::SupabaseTables => "supabase.tables",
            CheckId::SupabaseFreshness => "supabase.freshness",
            CheckId::SupabaseCompleteness => "supabase.completeness",
            CheckId::SupabaseSyncLog => "supabase.sync-log",
            CheckId::SupabaseCron => "supabase.cron",
            CheckId::SupabaseFunctions => "supabase.functions",
            CheckId::SupabaseHttp => "supabase.http",
            CheckId::SupabaseAnalytics => "supabase.analytics",
        }
    }

    /// The id of a spelled name; `None` for anything not in the catalogue.
    pub fn parse(text: &str) -> Option<CheckId> {
        CheckId::all().find(|id| id.as_str() == text)
    }

    /// The check's catalogue row.
    pub fn check(self) -> &'static Check {
        CATALOGUE
            .iter()
            .find(|c| c.id == self)
            .expect("every id has a catalogue row")
    }

    /// True for the checks that read only the issue.
    pub fn is_offline(self) -> bool {
        self.check().needs == Needs::Issue
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_strangers_are_refused() {
        for id in CheckId::all() {
            assert_eq!(CheckId::parse(id.as_str()), Some(id));
            let json = serde_json::to_string(&id).unwrap();
            assert_eq!(serde_json::from_str::<CheckId>(&json).unwrap(), id);
        }
        assert_eq!(CATALOGUE.len(), 17);
        assert!(serde_json::from_str::<CheckId>("\"@team/evil\"").is_err());
        // Sorting by id is the report's order: the catalogue lists the ids as declared.
        let ids: Vec<CheckId> = CheckId::all().collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        assert_eq!(ids.last(), Some(&CheckId::SupabaseAnalytics));
    }

    #[test]
    fn skip_reasons_name_what_to_set() {
        let none = Credentials::default();
        for c in CATALOGUE.iter().filter(|c| c.needs != Needs::Issue) {
            assert!(!c.needs.met(&none), "{}", c.id);
            assert!(c.needs.missing(&none).contains("set"), "{}", c.id);
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

    #[test]
    fn every_area_is_a_configurable_area() {
        for c in CATALOGUE {
            for a in c.areas {
                assert!(crate::config::AREA_KEYS.contains(a), "{}: {a}", c.id);
            }
        }
    }
}
