//! pendo-triage's per-issue text work, the part every triage spends its time in:
//! - [`secrets`]: pasted secrets found and masked, and the held credentials
//!   ([`secrets::held`]) scrubbed from every sink;
//! - [`outside`]: the one way out for text an outsider wrote (normalise, redact, cut,
//!   escape, in that order);
//! - [`invisible`], [`bot_markdown`], [`regions`]: the tables and the trusted-markdown
//!   check those rest on;
//! - [`markdown`]: the one pass over an issue body;
//! - [`decode`]: what a dependency answers, decoded as JSON within bounds.
//!
//! pendo-triage re-exports each module under the same path (`pendo_triage::secrets`, ...;
//! `decode` as `pendo_triage::live::decode`).
//! It is a crate of its own only so that it can be built at opt-level 3 while the rest of
//! pendo-triage is built for size (the root `Cargo.toml` says why). It imports nothing from
//! pendo-triage.

pub mod bot_markdown;
pub mod decode;
pub mod invisible;
pub mod markdown;
pub mod outside;
pub mod regions;
pub mod secrets;
