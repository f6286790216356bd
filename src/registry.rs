//! The registry of checks: one row per check, the layer above the checks and `live`.
//!
//! A row gives, for the check an id names ([`CheckId`], declared with its name and needs
//! in [`crate::finding`]), the areas a problem it finds points at, whether it depends on
//! the issue's data type, how close to a root cause its problems usually are, how it
//! runs (the function in its own file: an offline check reads the [`Reading`], a live
//! check gets its environment's [`Live`] context) and which checklist items it proves
//! or bears on. Area labels, report order, the plan ([`crate::check_plan`]), the tick
//! rules, the watch's "run once" set and the docs' check tables all read this list.
//! Adding a check is its file, its id line in `finding.rs` and its row here.

use crate::checks::offline;
use crate::checks::ticks::Item::*;
use crate::checks::ticks::Tick::{self, Bears, Proves};
use crate::checks::ticks::{Item, When};
use crate::finding::{CheckId, Finding};
use crate::live::{Job, pendo, supabase};
use crate::reading::Reading;
use crate::terms::Area::{self, *};
use std::sync::LazyLock;

/// One registered check.
#[derive(Debug, Clone, Copy)]
pub struct Check {
    pub id: CheckId,
    /// The areas a problem found by this check points at.
    pub areas: &'static [Area],
    /// True when the result depends on the issue's data type (the watch runs these once
    /// per data type and the others once).
    pub per_data_type: bool,
    /// How close to a root cause a problem found here usually is (0: closest). The
    /// diagnosis names the closest one: "the sync job is inactive" before "the data is
    /// stale", which follows from it.
    pub cause: u8,
    pub run: Runner,
    /// The checklist items this check proves or bears on (see [`Tick`]).
    pub ticks: &'static [Tick],
}

/// How a check runs.
#[derive(Debug, Clone, Copy)]
pub enum Runner {
    /// An `issue.*` check: it reads the issue alone.
    Offline(fn(&Reading) -> Finding),
    /// A live check, run in the issue's environment's context.
    Live(Job),
}

/// Declares [`CATALOGUE`] from one list, in [`CheckId`] order (checked when compiling).
macro_rules! registry {
    ($( $id:ident [$($area:ident),*] $scope:ident $cause:literal $run:expr, ticks [$($tick:expr),*]; )*) => {
        /// Every check, in report order.
        pub const CATALOGUE: &[Check] = &[$(Check {
            id: CheckId::$id,
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

// Each line: id, areas, Once | PerType, cause rank, how it runs, ticks.
#[rustfmt::skip]
registry! {
    IssueFields [] Once 14 Runner::Offline(|r| offline::fields(&r.issue)), ticks [];
    IssueSecrets [Security] Once 12 Runner::Offline(|r| offline::secrets(&r.title, &r.title_secrets, &r.body, &r.body_secrets)), ticks [];
    IssueRequest [] Once 13 Runner::Offline(|r| offline::request(&r.issue)), ticks [Proves(ReviewRequest)];
    PendoAuth [PendoApi] Once 1 Runner::Live(Job::Fetch(|l, _| Box::pin(pendo::auth::check(l)))), ticks [Proves(ApiPermissions), Proves(VerifyKey), Bears(ApiCallSucceeds), Proves(SubscriptionActive)];
    PendoEndpoint [PendoApi] PerType 5 Runner::Live(Job::Fetch(|l, i| Box::pin(pendo::endpoint::check(l, i)))), ticks [Proves(DataVisible), Proves(TestEndpoint), Proves(ApiCallSucceeds)];
    PendoLatency [PendoApi, Performance] Once 9 Runner::Live(Job::Fetch(|l, _| Box::pin(pendo::latency::check(l)))), ticks [Proves(FastResponses)];
    PendoRateLimit [PendoApi, Performance] Once 10 Runner::Live(Job::Derived(|l, _| Box::pin(std::future::ready(pendo::rate_limit::check(l))))), ticks [Proves(ReviewRateLimit)];
    PendoAggregation [PendoApi] Once 6 Runner::Live(Job::Fetch(|l, _| Box::pin(pendo::aggregation::check(l)))), ticks [];
    SupabaseApi [Supabase] Once 0 Runner::Live(Job::Fetch(|l, _| Box::pin(supabase::api::check(l)))), ticks [Proves(TestDatabase)];
    SupabaseTables [Supabase, Database] Once 7 Runner::Live(Job::Fetch(|l, i| Box::pin(supabase::tables::check(l, i)))), ticks [Proves(VerifyTarget), Bears(ValidateCompleteness), Bears(ExpectedTypes)];
    SupabaseFreshness [Supabase, Database, Monitoring] Once 11 Runner::Live(Job::Fetch(|l, i| Box::pin(supabase::freshness::check(l, i)))), ticks [Bears(VerifyTarget), Bears(SyncCompletes), Bears(ExpectedTypes)];
    SupabaseCompleteness [Supabase, Database] PerType 8 Runner::Live(Job::Derived(|l, i| Box::pin(std::future::ready(supabase::completeness::check(l, i))))), ticks [Proves(CompareSource), Proves(ValidateCompleteness), Bears(ExpectedTypes)];
    SupabaseSyncLog [Supabase, Monitoring] Once 4 Runner::Live(Job::Fetch(|l, i| Box::pin(supabase::sync_log::check(l, i)))), ticks [Bears(VerifyFunction), Bears(ReviewCronLogs), Proves(SyncCompletes), Proves(ExpectedTypes)];
    SupabaseCron [Supabase, Monitoring] Once 2 Runner::Live(Job::Fetch(|l, _| Box::pin(supabase::cron::check(l)))), ticks [Bears(TestDatabase), Proves(ReviewCronLogs), Bears(SyncCompletes)];
    SupabaseFunctions [EdgeFunctions, Supabase] Once 3 Runner::Live(Job::Fetch(|l, _| Box::pin(supabase::functions::check(l)))), ticks [Bears(VerifyFunction), Bears(SyncCompletes)];
    SupabaseHttp [EdgeFunctions, Supabase] Once 3 Runner::Live(Job::Fetch(|l, _| Box::pin(supabase::pg_net::check(l)))), ticks [Proves(VerifyFunction), Bears(SyncCompletes)];
    SupabaseAnalytics [Supabase, Database] PerType 5 Runner::Live(Job::Fetch(|l, i| Box::pin(supabase::analytics::check(l, i)))), ticks [Bears(VerifyTarget), Bears(ValidateCompleteness), Bears(SyncCompletes)];
}

// Every id has its row, in declaration order: a missing or misplaced row does not compile.
const _: () = {
    assert!(CATALOGUE.len() == CheckId::ALL.len());
    let mut i = 0;
    while i < CATALOGUE.len() {
        assert!(CATALOGUE[i].id as usize == i);
        i += 1;
    }
};

/// The registry row of `id`.
pub fn row(id: CheckId) -> &'static Check {
    &CATALOGUE[id as usize]
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
    fn every_area_is_a_configurable_area() {
        for c in CATALOGUE {
            for a in c.areas {
                assert!(crate::config::AREA_KEYS.contains(&a.key()), "{}: {a}", c.id);
            }
        }
    }

    #[test]
    fn offline_means_issue_only() {
        for c in CATALOGUE {
            assert_eq!(
                matches!(c.run, Runner::Offline(_)),
                c.id.is_offline(),
                "{}",
                c.id
            );
        }
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
