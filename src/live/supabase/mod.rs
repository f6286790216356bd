//! Supabase as the live checks see it: the REST API with the team's key and, when given,
//! the database URL, each answer fetched once per run and shared. The clients themselves
//! (REST, database, SQL, health function, schedule) live in [`client`]; the files beside
//! this one are the checks.
//!
//! The data checks (tables, freshness, completeness, sync log) read through REST when the
//! bot has it, the path most teams give it, else through the database. pg_cron's and
//! pg_net's state (cron, http, and the schedule freshness compares with) comes from the
//! database, else from the health function over REST (`sql/pendo_triage_health.sql`).
//!
//! Queries per triage, whatever the tables hold: REST 1 (root) + 2 per table + 2 per
//! synced entity (its recent runs, and its completed runs of 4 weeks for the usual count,
//! [`baseline`]) + 1 (other entity values) + 1 (health) — 23 for the default five tables;
//! database 11 (the transaction's setup, 2 for the tables, 3 for the sync log, 5 for
//! pg_cron and pg_net).
//!
//! `supabase.analytics` reads through the database when it has a URL (its evidence needs
//! the events joined to the metric rows), else through REST: database 2 more queries
//! (13 in all); REST, with the columns from the OpenAPI root and the rows from
//! `supabase.tables`' counts, 1 GET per existing metric column and 1 more per
//! `from_events` column holding zeros: 0 more when no table has a metric column, 4 to 7
//! more for the reference deployment's three metric tables (27 to 30 in all).
//!
//! A check asks for every answer it needs at once (`tokio::join!`), and the answers are
//! shared, so every request that needs no other answer goes out in the run's first wave:
//! with REST, a whole run is two round trips (a table's count after its newest row, a
//! metric column's zeros after the root), three when a metric column counted from events
//! holds zeros (their events after those). Over the database the queries share one
//! session and go one at a time.

pub mod analytics;
pub mod api;
pub mod baseline;
pub mod client;
pub mod completeness;
pub mod cron;
pub mod freshness;
pub mod functions;
pub mod pg_net;
pub mod rls;
pub mod sync_log;
pub mod tables;

use crate::config::Config;
use crate::credentials::{Credentials, SecretString};
use crate::finding::{CheckId, Status};
use crate::live::http::{Answer, FetchError, Http};
use client::db::{self, Db};
use client::rest::Rest;
use client::{health, schedule};
use std::time::Duration;
use tokio::sync::OnceCell;

/// The Supabase side of one run.
pub struct Supabase {
    pub(crate) rest: Option<Rest>,
    db_url: Option<SecretString>,
    timeout: Duration,
    db: OnceCell<Result<Db, FetchError>>,
    root: OnceCell<Result<Answer, FetchError>>,
    tables: OnceCell<Result<Vec<tables::TableFacts>, FetchError>>,
    log: OnceCell<Result<Vec<sync_log::LogRow>, FetchError>>,
    health: OnceCell<Result<health::HealthAnswer, FetchError>>,
    analytics: OnceCell<Result<analytics::AnalyticsFacts, FetchError>>,
    rls: OnceCell<Vec<rls::Hidden>>,
}

impl Supabase {
    /// The client, when there is REST access or a database URL.
    pub fn new(creds: &Credentials, http: &Http) -> Option<Supabase> {
        let rest = match (&creds.supabase_url, &creds.supabase_key) {
            (Some(url), Some(key)) => Some(Rest::new(url, key, http)),
            _ => None,
        };
        if rest.is_none() && creds.supabase_db_url.is_none() {
            return None;
        }
        Some(Supabase {
            rest,
            db_url: creds.supabase_db_url.clone(),
            timeout: http.timeout(),
            db: OnceCell::new(),
            root: OnceCell::new(),
            tables: OnceCell::new(),
            log: OnceCell::new(),
            health: OnceCell::new(),
            analytics: OnceCell::new(),
            rls: OnceCell::new(),
        })
    }

    /// The database session, opened once (`None` without a database URL).
    async fn db(&self) -> Option<Result<&Db, FetchError>> {
        let url = self.db_url.as_ref()?;
        let opened = self.db.get_or_init(|| Db::connect(url, self.timeout)).await;
        Some(opened.as_ref().map_err(Clone::clone))
    }

    /// The evidence line that names the database connection's TLS mode, for a finding
    /// of a check that read (or tried to read) the database: every such finding states
    /// it, failures included. `supabase.tables` gives it in full (the roots, the refused
    /// password forms), the others in a few words. `None` for a check that did not use
    /// the database (REST, the Management API, Pendo) and for a skip.
    pub fn db_evidence(&self, id: CheckId, status: Status) -> Option<String> {
        let reads = match id {
            // pg_cron's and pg_net's facts, and the metric columns: the database when
            // there is a URL.
            CheckId::SupabaseCron | CheckId::SupabaseHttp | CheckId::SupabaseAnalytics => {
                self.db_url.is_some()
            }
            // The data: REST when the bot has it.
            CheckId::SupabaseTables
            | CheckId::SupabaseFreshness
            | CheckId::SupabaseCompleteness
            | CheckId::SupabaseSyncLog => self.reads_db(),
            _ => false,
        };
        if !reads || status == Status::Skip {
            return None;
        }
        let url = self.db_url.as_ref()?;
        let mode = if id == CheckId::SupabaseTables {
            db::tls_mode(url)?
        } else {
            db::tls_mode_short(url)?
        };
        Some(format!("Database connection: {mode}"))
    }

    /// True when the data is read through the database (no REST access).
    pub fn reads_db(&self) -> bool {
        self.rest.is_none() && self.db_url.is_some()
    }

    /// True when the data is read with an anon/publishable key (RLS applies to it).
    pub fn public_key(&self) -> bool {
        self.rest.as_ref().is_some_and(|r| r.kind.is_public())
    }

    /// Requests and queries sent so far: (REST requests, database queries).
    pub fn counts(&self) -> (u32, u32) {
        (
            self.rest.as_ref().map_or(0, Rest::requests),
            self.db
                .get()
                .and_then(|d| d.as_ref().ok())
                .map_or(0, Db::queries),
        )
    }

    /// The table facts, fetched once.
    pub async fn table_facts(
        &self,
        config: &Config,
    ) -> &Result<Vec<tables::TableFacts>, FetchError> {
        self.tables
            .get_or_init(|| tables::fetch(self, config))
            .await
    }

    /// The sync log, fetched once.
    pub async fn sync_log(&self, config: &Config) -> &Result<Vec<sync_log::LogRow>, FetchError> {
        self.log.get_or_init(|| sync_log::fetch(self, config)).await
    }

    /// pg_cron's and pg_net's state, fetched once.
    pub async fn health(
        &self,
        config: &Config,
        now: i64,
    ) -> &Result<health::HealthAnswer, FetchError> {
        self.health
            .get_or_init(|| health::fetch(self, config, now))
            .await
    }

    /// The metric columns' counts, fetched once.
    pub async fn analytics(
        &self,
        config: &Config,
        now: i64,
    ) -> &Result<analytics::AnalyticsFacts, FetchError> {
        self.analytics
            .get_or_init(|| analytics::fetch(self, config, now))
            .await
    }

    /// The metric columns' counts when a check already fetched them (for judging them
    /// again with what the bot remembers: `analytics::recall`).
    pub fn analytics_now(&self) -> Option<&Result<analytics::AnalyticsFacts, FetchError>> {
        self.analytics.get()
    }

    /// The tables whose rows RLS hides from the database role, asked once (none over
    /// REST, or when the question itself fails: then the checks say what they counted).
    pub async fn rls_hidden(&self, config: &Config) -> &[rls::Hidden] {
        self.rls
            .get_or_init(|| async { rls::fetch(self, config).await.unwrap_or_default() })
            .await
    }

    /// How often the sync job runs, when pg_cron's facts name it and its schedule reads.
    pub async fn schedule_interval(&self, config: &Config, now: i64) -> Option<Duration> {
        match self.health(config, now).await {
            Ok(health::HealthAnswer::Found(h)) => {
                h.sync_job().and_then(|j| schedule::interval(&j.schedule))
            }
            _ => None,
        }
    }

    /// The table facts when another check already fetched them (for the derived checks).
    pub fn table_facts_now(&self) -> Option<&Result<Vec<tables::TableFacts>, FetchError>> {
        self.tables.get()
    }
}

/// The REST answer to the API probe.
pub(crate) async fn root(s: &Supabase) -> Option<&Result<Answer, FetchError>> {
    let rest = s.rest.as_ref()?;
    Some(s.root.get_or_init(|| rest.get("/", None)).await)
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
