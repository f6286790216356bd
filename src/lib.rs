//! pendo-triage: triage Pendo API integration issues filed from the `[API]` template.
//!
//! This is the crate pendo-triage-core (its manifest is `crates/pendo-triage-core/`), which
//! the binary's package re-exports whole as `pendo_triage` (`src/pendo_triage.rs`).
//!
//! The data flows one way: issue body → [`reading::Reading`] (redacted once, parsed once
//! into an [`issue::Issue`]) → [`check_plan::CheckPlan`] (one decision per registry row)
//! → [`finding::Finding`]s → [`verdict::Verdict`] (severity, labels, ticks) → [`report`]
//! → writes. Only the live checks, the GitHub client and the commands do I/O. The rest
//! is pure but for one piece of process state: the held credentials
//! ([`secrets::held`]), installed once at start, which redaction and every sink read so
//! that no key leaves whichever path it takes; tests install their own.

/// The repository's root, for tests that read its files (this crate's manifest is
/// `crates/pendo-triage-core/Cargo.toml`; its sources are the repository's `src/`).
#[cfg(test)]
pub(crate) const REPO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

pub use pendo_text::{bot_markdown, invisible, outside, regions, secrets};

pub mod action;
pub mod anomaly;
pub mod check_plan;
pub mod checks;
pub mod clock;
pub mod commands;
pub mod config;
pub mod credentials;
pub mod errors;
pub mod event;
pub mod evidence;
pub mod finding;
pub mod github;
pub mod history;
pub mod issue;
pub mod labels;
pub mod lint;
pub mod live;
pub mod logging;
pub mod meaning;
pub mod oncall;
pub mod reading;
pub mod registry;
pub mod report;
pub mod run;
pub mod state;
pub mod terms;
pub mod triage;
pub mod verdict;
pub mod watch_issue;
