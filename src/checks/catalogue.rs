//! The registry of checks: one line per check, the only place a check is registered.
//!
//! A line gives the check's id and the name users see (`pendo.auth`), what it needs (a
//! Pendo key, Supabase API access, the database), the areas a problem it finds points at,
//! whether it depends on the issue's data type, how close to a root cause its problems
//! usually are, how it runs (the function in its own file), and which checklist items it
//! proves or bears on. Skip reasons, area labels, report order, the live runner, the
//! tick rules, the watch's "run once" set and the docs' check tables all read this list.
//! Adding a check is its file plus one line here. Ids are typed ([`CheckId`]) and spelled
//! as users see them only at the edges.

use super::ticks::Item::*;
use super::ticks::Tick::{self, Bears, Proves};
use super::ticks::{Item, When};
use crate::credentials::Credentials;
use crate::live::{Run, pendo, supabase};
use crate::terms::Area::{self, *};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::LazyLock;

/// One registered check.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub id: CheckId,
    /// The id as users see it: part of the product's interface.
    pub name: &'static str,
    pub needs: Needs,
    /// The areas a problem found by this check points at.
    pub areas: &'static [Area],
    /// True when the result depends on the issue's data type (the watch runs these once
    /// per data type and the others once).
    pub per_data_type: bool,
    /// How close to a root cause a problem found here usually is (0: closest). The
    /// diagnosis names the closest one: "the sync job is inactive" before "the data is
    /// stale", which follows from it.
    pub cause: u8,
    pub run: Run,
    /// The checklist items this check proves or bears on (see [`Tick`]).
    pub ticks: &'static [Tick],
}

/// Declares [`CheckId`] and [`CATALOGUE`] from one list, so an id cannot exist without
/// its row. Only the enum and the table come from it; running a check is a plain function
/// pointer in its row.
macro_rules! registry {
    ($( $id:ident $name:literal $needs:ident [$($area:ident),*] $scope:ident $cause:literal $run:expr, ticks [$($tick:expr),*]; )*) => {
        /// A check's id. The spelled names ([`CheckId::as_str`]) are part of the product's
        /// interface; declaration order is report order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum CheckId { $($id),* }

        /// Every check, in report order.
        pub const CATALOGUE: &[Check] = &[$(Check {
            id: CheckId::$id,
            name: $name,
            needs: Needs::$needs,
            areas: &[$($area),*],
            per_data_type: matches!(Scope::$scope, Scope::PerType),
            cause: $cause,
            run: $run,
            ticks: &[$($tick),*],
        }),*];
    };
}

/// The registry's words for [`Check::per_data_type`].
enum Scope {
    /// Run once per triage, whatever the data type.
    Once,
    /// Depends on the issue's data type.
    PerType,
}

// Each line: id, name, needs, areas, Once | PerType, cause rank, how it runs, ticks.
#[rustfmt::skip]
registry! {
    IssueFields "issue.fields" Issue [] Once 14 Run::Offline, ticks [];
    IssueSecrets "issue.secrets" Issue [Security] Once 12 Run::Offline, ticks [];
    IssueRequest "issue.request" Issue [] Once 13 Run::Offline, ticks [Proves(ReviewRequest)];
    PendoAuth "pendo.auth" Pendo [PendoApi] Once 1 Run::Fetch(|l, _| Box::pin(pendo::auth::check(l))), ticks [Proves(ApiPermissions), Proves(VerifyKey), Bears(ApiCallSucceeds), Proves(SubscriptionActive)];
    PendoEndpoint "pendo.endpoint" Pendo [PendoApi] PerType 5 Run::Fetch(|l, i| Box::pin(pendo::endpoint::check(l, i))), ticks [Proves(DataVisible), Proves(TestEndpoint), Proves(ApiCallSucceeds)];
    PendoLatency "pendo.latency" Pendo [PendoApi, Performance] Once 9 Run::Fetch(|l, _| Box::pin(pendo::latency::check(l))), ticks [Proves(FastResponses)];
    PendoRateLimit "pendo.rate-limit" Pendo [PendoApi, Performance] Once 10 Run::Derived(|l, _| Box::pin(std::future::ready(pendo::rate_limit::check(l)))), ticks [Proves(ReviewRateLimit)];
    PendoAggregation "pendo.aggregation" Pendo [PendoApi] Once 6 Run::Fetch(|l, _| Box::pin(pendo::aggregation::check(l))), ticks [];
    SupabaseApi "supabase.api" SupabaseApi [Supabase] Once 0 Run::Fetch(|l, _| Box::pin(supabase::api::check(l))), ticks [Proves(TestDatabase)];
    SupabaseTables "supabase.tables" SupabaseApiOrDatabase [Supabase, Database] Once 7 Run::Fetch(|l, i| Box::pin(supabase::tables::check(l, i))), ticks [Proves(VerifyTarget), Bears(ValidateCompleteness), Bears(ExpectedTypes)];
    SupabaseFreshness "supabase.freshness" SupabaseApiOrDatabase [Supabase, Database, Monitoring] Once 11 Run::Fetch(|l, i| Box::pin(supabase::freshness::check(l, i))), ticks [Bears(VerifyTarget), Bears(SyncCompletes), Bears(ExpectedTypes)];
    SupabaseCompleteness "supabase.completeness" PendoAndSupabase [Supabase, Database] PerType 8 Run::Derived(|l, i| Box::pin(std::future::ready(supabase::completeness::check(l, i)))), ticks [Proves(CompareSource), Proves(ValidateCompleteness), Bears(ExpectedTypes)];
    SupabaseSyncLog "supabase.sync-log" SupabaseApiOrDatabase [Supabase, Monitoring] Once 4 Run::Fetch(|l, i| Box::pin(supabase::sync_log::check(l, i))), ticks [Bears(VerifyFunction), Bears(ReviewCronLogs), Proves(SyncCompletes), Proves(ExpectedTypes)];
    SupabaseCron "supabase.cron" SupabaseApiOrDatabase [Supabase, Monitoring] Once 2 Run::Fetch(|l, _| Box::pin(supabase::cron::check(l))), ticks [Bears(TestDatabase), Proves(ReviewCronLogs), Bears(SyncCompletes)];
    SupabaseFunctions "supabase.functions" SupabaseManagement [EdgeFunctions, Supabase] Once 3 Run::Fetch(|l, _| Box::pin(supabase::functions::check(l))), ticks [Bears(VerifyFunction), Bears(SyncCompletes)];
    SupabaseHttp "supabase.http" SupabaseApiOrDatabase [EdgeFunctions, Supabase] Once 3 Run::Fetch(|l, _| Box::pin(supabase::http::check(l))), ticks [Proves(VerifyFunction), Bears(SyncCompletes)];
    SupabaseAnalytics "supabase.analytics" SupabaseApiOrDatabase [Supabase, Database] PerType 5 Run::Fetch(|l, i| Box::pin(supabase::analytics::check(l, i))), ticks [Bears(VerifyTarget), Bears(ValidateCompleteness), Bears(SyncCompletes)];
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

impl CheckId {
    /// Every id, in report order.
    pub fn all() -> impl Iterator<Item = CheckId> {
        CATALOGUE.iter().map(|c| c.id)
    }

    /// The id as users see it (`pendo.auth`).
    pub fn as_str(self) -> &'static str {
        self.check().name
    }

    /// The id of a spelled name; `None` for anything not in the catalogue.
    pub fn parse(text: &str) -> Option<CheckId> {
        CheckId::all().find(|id| id.as_str() == text)
    }

    /// The check's catalogue row.
    pub fn check(self) -> &'static Check {
        // The catalogue lists the ids in declaration order (a test holds it to that).
        &CATALOGUE[self as usize]
    }

    /// True for the checks that read only the issue.
    pub fn is_offline(self) -> bool {
        matches!(self.check().run, Run::Offline)
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

/// One template item the bot may tick.
#[derive(Debug, Clone, Copy)]
pub struct TickRule {
    /// The item's text in the template (compared normalised).
    pub item: &'static str,
    /// The checks that bear on it, the proving one first. [`When::Pass`]: the first must
    /// pass and none of the others may have found a problem or broken;
    /// [`When::Conclusive`]: any one that concluded is enough.
    pub checks: &'static [CheckId],
    pub when: When,
}

/// Every item the bot may tick, with the checks whose registry lines name it.
pub static TICK_RULES: LazyLock<Vec<TickRule>> = LazyLock::new(|| {
    Item::ALL
        .into_iter()
        .map(|item| {
            let (text, when) = item.rule();
            let naming = |proves: bool| {
                CATALOGUE.iter().filter(move |c| {
                    c.ticks
                        .iter()
                        .any(|t| t.item() == item && matches!(t, Tick::Proves(_)) == proves)
                })
            };
            let checks: Vec<CheckId> = naming(true).chain(naming(false)).map(|c| c.id).collect();
            TickRule {
                item: text,
                // Built once per process from a table of 16 rows.
                checks: Vec::leak(checks),
                when,
            }
        })
        .collect()
});

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
                assert!(crate::config::AREA_KEYS.contains(&a.key()), "{}: {a}", c.id);
            }
        }
    }

    #[test]
    fn the_catalogue_is_indexed_by_id_and_offline_means_issue_only() {
        for (i, c) in CATALOGUE.iter().enumerate() {
            assert_eq!(c.id as usize, i, "{}", c.id);
            assert_eq!(
                matches!(c.run, Run::Offline),
                c.needs == Needs::Issue,
                "{}",
                c.id
            );
            assert!(c.name.contains('.') && !c.name.contains(' '), "{}", c.name);
        }
        let mut names: Vec<&str> = CATALOGUE.iter().map(|c| c.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CATALOGUE.len(), "two checks share a name");
    }

    #[test]
    fn a_pass_item_has_one_proving_check_and_a_verified_item_none() {
        for rule in TICK_RULES.iter() {
            let proving = CATALOGUE
                .iter()
                .filter(|c| {
                    c.ticks
                        .iter()
                        .any(|t| *t == Tick::Proves(item_of(rule.item)))
                })
                .count();
            match rule.when {
                When::Pass => assert_eq!(proving, 1, "{}", rule.item),
                When::Conclusive => assert!(proving >= 1, "{}", rule.item),
                When::Verified => assert!(rule.checks.is_empty(), "{}", rule.item),
            }
        }
    }

    fn item_of(text: &str) -> Item {
        Item::ALL
            .into_iter()
            .find(|i| i.rule().0 == text)
            .expect("an item's text")
    }

    #[test]
    fn rules_list_the_proving_check_first_then_the_others_in_report_order() {
        let rule = |item: Item| {
            TICK_RULES
                .iter()
                .find(|r| r.item == item.rule().0)
                .expect("a rule")
                .checks
        };
        assert_eq!(
            rule(Item::SyncCompletes),
            &[
                CheckId::SupabaseSyncLog,
                CheckId::SupabaseFreshness,
                CheckId::SupabaseCron,
                CheckId::SupabaseFunctions,
                CheckId::SupabaseHttp,
                CheckId::SupabaseAnalytics,
            ]
        );
        assert_eq!(
            rule(Item::ApiCallSucceeds),
            &[CheckId::PendoEndpoint, CheckId::PendoAuth]
        );
    }
}
