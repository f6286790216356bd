//! The words a finding is made of: its [`Status`], its [`Impact`] and the [`Area`]s it
//! points at. A leaf: it imports nothing from the crate, so the checks, the meaning of
//! answers, the verdict and the labels can all use it without importing one another.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Skip,
    /// The check itself broke (timeout, unexpected answer); says nothing about the target.
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Skip => "skip",
            Self::Error => "error",
        }
    }

    /// True when the check ran and reached a conclusion about its target.
    pub fn is_conclusive(self) -> bool {
        matches!(self, Self::Pass | Self::Warn | Self::Fail)
    }

    /// The emoji shown in the report's table.
    pub fn icon(self) -> &'static str {
        match self {
            Self::Pass => "✅",
            Self::Warn => "⚠️",
            Self::Fail => "❌",
            Self::Skip => "⏭️",
            Self::Error => "💥",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How much a non-passing finding matters for severity (see `verdict`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// Informational or passing.
    #[default]
    None,
    /// A degradation: slow, rate limited, partial data, success rate under threshold.
    Degraded,
    /// Broken: auth rejected, service down, stale or missing data, failed syncs, a live secret.
    Critical,
}

/// A part of the integration a problem points at; each is an area label (`labels.areas`
/// renames it per repository). The keys (`pendo-api`) are part of the product's interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Area {
    PendoApi,
    Supabase,
    Database,
    EdgeFunctions,
    Netlify,
    Performance,
    Monitoring,
    Security,
}

impl Area {
    /// Every area, in label order.
    pub const ALL: [Area; 8] = [
        Area::PendoApi,
        Area::Supabase,
        Area::Database,
        Area::EdgeFunctions,
        Area::Netlify,
        Area::Performance,
        Area::Monitoring,
        Area::Security,
    ];

    /// The area's key, and its label's default name (`pendo-api`).
    pub const fn key(self) -> &'static str {
        match self {
            Area::PendoApi => "pendo-api",
            Area::Supabase => "supabase",
            Area::Database => "database",
            Area::EdgeFunctions => "edge-functions",
            Area::Netlify => "netlify",
            Area::Performance => "performance",
            Area::Monitoring => "monitoring",
            Area::Security => "security",
        }
    }

    /// The colour of the label the bot creates when the repository lacks it.
    pub const fn colour(self) -> &'static str {
        match self {
            Area::PendoApi => "1d76db",
            Area::Supabase => "3ecf8e",
            Area::Database => "5319e7",
            Area::EdgeFunctions => "0e8a16",
            Area::Netlify => "00ad9f",
            Area::Performance => "f9d0c4",
            Area::Monitoring => "c5def5",
            Area::Security => "ee0701",
        }
    }

    /// The description of the label the bot creates.
    pub const fn description(self) -> &'static str {
        match self {
            Area::PendoApi => "Pendo API integration",
            Area::Supabase => "Supabase project, API or Edge Functions",
            Area::Database => "Tables, data freshness or completeness",
            Area::EdgeFunctions => "Supabase Edge Functions or Netlify functions",
            Area::Netlify => "The Netlify dashboard",
            Area::Performance => "Slow responses or timeouts",
            Area::Monitoring => "Sync log, cron jobs and alerting",
            Area::Security => "A secret was exposed or access is wrong",
        }
    }

    /// The area of a key; `None` for anything else.
    pub fn parse(key: &str) -> Option<Area> {
        Area::ALL.into_iter().find(|a| a.key() == key)
    }
}

impl fmt::Display for Area {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl Serialize for Area {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Area {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        Area::parse(&key).ok_or_else(|| serde::de::Error::custom(format!("unknown area {key:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_keys_round_trip_and_strangers_are_refused() {
        for a in Area::ALL {
            assert_eq!(Area::parse(a.key()), Some(a));
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(serde_json::from_str::<Area>(&json).unwrap(), a);
            assert_eq!(a.colour().len(), 6, "{a}");
        }
        assert!(serde_json::from_str::<Area>("\"@team\"").is_err());
        assert_eq!(Area::parse("Pendo-API"), None);
    }
}
