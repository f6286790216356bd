//! pendo-triage: triage Pendo API integration issues filed from the `[API]` template.
//!
//! The data flows one way: issue body → [`reading::Reading`] (redacted once, parsed once
//! into an [`issue::Issue`]) → checks → [`checks::Finding`]s → [`verdict::Verdict`]
//! (severity, labels, ticks) → [`report`] → writes. Everything in this
//! crate except the live checks and the GitHub writer is a pure function, so it can be
//! tested without a network.

pub mod action;
pub mod anomaly;
pub mod check_plan;
pub mod checks;
pub mod clock;
pub mod commands;
pub mod config;
pub mod credentials;
pub mod event;
pub mod evidence;
pub mod finding;
pub mod github;
pub mod history;
pub mod invisible;
pub mod issue;
pub mod labels;
pub mod lint;
pub mod live;
pub mod logging;
pub mod markdown;
pub mod meaning;
pub mod oncall;
pub mod outside;
pub mod reading;
pub mod regions;
pub mod registry;
pub mod report;
pub mod run;
pub mod secrets;
pub mod state;
pub mod terms;
pub mod triage;
pub mod verdict;
pub mod watch;
