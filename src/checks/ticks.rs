//! The checklist items the bot may tick, and the rule that earns each.
//!
//! Each [`Item`] is a template checklist item (compared normalised) with the kind of proof
//! it takes ([`When`]). Which checks bear on it is not listed here: each check's line in
//! the registry (`catalogue.rs`) says which items it proves or bears on, and
//! [`TICK_RULES`] is built from those lines. Items not listed here are never ticked: they
//! are steps only a person can do (talk to Pendo support, plan a rollback, …).

use super::catalogue::{CATALOGUE, CheckId};
use std::sync::LazyLock;

/// When a rule's checks earn its tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The first check passed, and every other check that bears on the item and ran
    /// passed too: for "verify X is valid" items, X holds by every measure the bot has
    /// ("Data sync completes without errors" is not earned by a clean sync log while the
    /// job is deleted and the data two days old).
    Pass,
    /// One of the checks ran and reached a conclusion either way: for "test/review X"
    /// items, the bot did the step.
    Conclusive,
    /// Severity was decided from live results (no check of its own).
    Verified,
}

/// A check's part in an item's tick, as its registry line states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tick {
    /// The check that proves the item: for a [`When::Pass`] item, it must pass.
    Proves(Item),
    /// A check that bears on the item: for a [`When::Pass`] item, it must not have found
    /// a problem when it ran.
    Bears(Item),
}

impl Tick {
    fn item(self) -> Item {
        match self {
            Tick::Proves(i) | Tick::Bears(i) => i,
        }
    }
}

/// Every template item the bot may tick, in rule order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    ApiPermissions,
    DataVisible,
    VerifyKey,
    TestEndpoint,
    ReviewRateLimit,
    ReviewRequest,
    VerifyFunction,
    TestDatabase,
    ReviewCronLogs,
    CompareSource,
    VerifyTarget,
    ValidateCompleteness,
    ApiCallSucceeds,
    SyncCompletes,
    FastResponses,
    SubscriptionActive,
    ExpectedTypes,
    SeverityAssessed,
}

impl Item {
    /// Every item, in rule order.
    pub const ALL: [Item; 18] = [
        Item::ApiPermissions,
        Item::DataVisible,
        Item::VerifyKey,
        Item::TestEndpoint,
        Item::ReviewRateLimit,
        Item::ReviewRequest,
        Item::VerifyFunction,
        Item::TestDatabase,
        Item::ReviewCronLogs,
        Item::CompareSource,
        Item::VerifyTarget,
        Item::ValidateCompleteness,
        Item::ApiCallSucceeds,
        Item::SyncCompletes,
        Item::FastResponses,
        Item::SubscriptionActive,
        Item::ExpectedTypes,
        Item::SeverityAssessed,
    ];

    /// The item's text in the template, and the proof it takes.
    pub const fn rule(self) -> (&'static str, When) {
        use When::*;
        match self {
            Item::ApiPermissions => ("API Permissions: API access permissions verified", Pass),
            Item::DataVisible => ("Data Visible: Data exists in Pendo console", Pass),
            Item::VerifyKey => ("Verify API key is valid and active", Pass),
            Item::TestEndpoint => ("Test API endpoint manually", Conclusive),
            Item::ReviewRateLimit => ("Review rate limiting status", Conclusive),
            Item::ReviewRequest => ("Review API request format and headers", Conclusive),
            Item::VerifyFunction => ("Verify Supabase function execution", Pass),
            Item::TestDatabase => ("Test database connectivity", Conclusive),
            Item::ReviewCronLogs => ("Review cronjob execution logs", Conclusive),
            Item::CompareSource => ("Compare source data in Pendo", Conclusive),
            Item::VerifyTarget => ("Verify target data in Supabase", Pass),
            Item::ValidateCompleteness => ("Validate data completeness", Pass),
            Item::ApiCallSucceeds => ("API call succeeds with valid parameters", Pass),
            Item::SyncCompletes => ("Data sync completes without errors", Pass),
            Item::FastResponses => ("Performance meets requirements (< 2s response)", Pass),
            Item::SubscriptionActive => (
                "Subscription Status: Subscription is active and valid",
                Pass,
            ),
            Item::ExpectedTypes => ("All expected data types processed", Pass),
            Item::SeverityAssessed => ("Issue severity assessed (P0/P1/P2)", Verified),
        }
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
