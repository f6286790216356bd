//! The checklist items the bot may tick, and the rule that earns each.
//!
//! Each [`Item`] is a template checklist item (compared normalised) with the kind of proof
//! it takes ([`When`]). Which checks bear on it is not listed here: each check's line in
//! the registry (`src/registry.rs`) says which items it proves or bears on, and the registry
//! builds the rules (`TICK_RULES`) from those lines. Items not listed here are never ticked: they
//! are steps only a person can do (talk to Pendo support, plan a rollback, …).

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
    /// The item this tick is about.
    pub fn item(self) -> Item {
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
