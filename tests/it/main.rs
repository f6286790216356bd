//! The integration tests, linked once: each module is one group of user stories or one
//! fake's self-test, and all of them share the fakes under `tests/support/` and the
//! action harness under `tests/action_harness/`. One binary links the library, axum,
//! reqwest and tokio-postgres once instead of once per file.
//!
//! Run one group with a filter on its module: `cargo test --test it live_pendo::`.
//! The modules' tests run in one process, in parallel: a test that sets process-wide
//! state (environment variables, the library's held secrets) must not be added here
//! without serialising it; today none does (they drive the built binary, whose
//! environment is its own).

#[path = "../action_harness/mod.rs"]
mod action_harness;
#[path = "../support/mod.rs"]
mod support;

mod action_examples;
mod action_faults;
mod action_first_day;
mod action_hardening;
mod action_inputs;
mod action_rechecks;
mod action_setup;
mod action_tokens;
mod action_watch;
mod anomaly_stories;
mod cli;
mod cli_edges;
mod db_role;
mod db_tls;
mod docs_links;
mod docs_tables;
mod environments;
mod fake_github_selftest;
mod fake_pendo_selftest;
mod fake_postgrest_selftest;
mod github_client;
mod headline_ranking;
mod held_secrets;
mod hostile_database;
mod hostile_rest;
mod https;
mod issue_form;
mod live_analytics;
mod live_analytics_pendo;
mod live_functions;
mod live_pendo;
mod live_supabase_db;
mod live_supabase_rest;
mod logging;
mod no_key_leaves;
mod pg_selftest;
mod properties;
mod report_render;
mod report_snapshots;
mod round_trips;
mod template_chooser;
mod verdict_stories;
mod watch_memory;
mod watch_oncall;
