//! The reference deployment as issue 14 found it, rebuilt in the test cluster from what its
//! own public files do (schema, pg_cron setup, disable script, RLS fixes), so the checks
//! can be tested against what the real deployment does rather than an idealised one:
//!
//! - **Tables.** `pendo_guides` (`views`, `completions`), `pendo_features` (`usage_count`),
//!   `pendo_pages` (`views`), `pendo_reports`, `pendo_events` (`entity_type`, `entity_id`,
//!   `event_type`, `created_at`, …) and `sync_status`, replacing the template's tables.
//!   Row-level security is on for every one of them, with read policies for
//!   `authenticated` only; [`READER_ROLE`] is a login role without BYPASSRLS that may
//!   select them (and `cron.job`, whose own policy shows a role only its jobs).
//! - **The cron job.** [`REFERENCE_JOB`] (`0 */6 * * *`) runs
//!   `SELECT call_pendo_sync_edge_function();`, a plpgsql wrapper that calls
//!   `net.http_post` without `timeout_milliseconds` (pg_net's 5 s default applies) and, when
//!   that raises, logs a `sync_status` row with `entity_type = 'cron_job'` and the error
//!   text. pg_net is the template's SQL copy of it (see `platform.sql`): nothing is sent, the
//!   builder writes `net._http_response` rows itself.
//! - **The Edge Function.** One `sync_status` row per entity per run with
//!   `last_sync_start = last_sync_end` (both its one `new Date()`); the analytics functions
//!   log `guides_analytics`, `features_analytics`, `pages_analytics` rows.
//! - **Analytics.** Metrics are computed from `pendo_events`: `views` and `usage_count`
//!   count the entity's events; `completions` is never filled (always 0). Of the
//!   [`GUIDES`] guides, the first [`ACTIVE_GUIDES`] have events in the last 6 days, the rest
//!   none (their views are 0); likewise features and pages.
//! - **Disabling.** [`Reference::unscheduled`] runs the disable script (`cron.unschedule`),
//!   which deletes the job; its past runs stay in `cron.job_run_details`.
//!
//! ## Builder
//!
//! ```ignore
//! let pg = Pg::start();
//! Reference::new(NOW)              // a healthy week: 28 runs every 6 h, all completed
//!     .views_wiped()               // the recorded incident: a completed run upserted
//!                                  // every guide but one with views = 0
//!     .pg_net_timeouts()           // every call since the newest run timed out (5000 ms)
//!     .cron_job_failures(3)        // the wrapper failed the last 3 runs, logged as cron_job
//!     .unscheduled()               // the disable script ran after the runs
//!     .load(&pg);
//! let url = reader_url(&pg, "verify-full"); // the role without BYPASSRLS
//! ```
//!
//! Every time comes from `now` (Unix seconds) through `histories::run_start`, never the
//! server's clock. [`Reference::sql`] gives the SQL without loading it;
//! [`reference_events_rows`] fills `pendo_events` with many rows for the benchmark.

use super::histories::{FAKE_SERVICE_ROLE_JWT, FUNCTION_URL, RUNS_KEPT, run_start};
use super::{Pg, sql_literal};

/// The sync's pg_cron job in the reference deployment.
pub const REFERENCE_JOB: &str = "sync-pendo-incremental-every-6-hours";
/// The job's command: the wrapper, not `net.http_post` itself.
pub const REFERENCE_COMMAND: &str = "SELECT call_pendo_sync_edge_function();";
/// A login role without BYPASSRLS that may select the tables (RLS hides their rows).
pub const READER_ROLE: &str = "pendo_reader";
/// Guides in the deployment, and how many have events in the window (the rest have none).
pub const GUIDES: i64 = 118;
pub const ACTIVE_GUIDES: i64 = 92;
/// Features and pages, and how many of each have events in the window.
pub const FEATURES: (i64, i64) = (60, 45);
pub const PAGES: (i64, i64) = (40, 32);
/// Reports (no metric column).
pub const REPORTS: i64 = 12;
/// What pg_net says the wrapper's call to the missing overload raised.
pub const CRON_JOB_ERROR: &str =
    "function net.http_post(url => unknown, headers => jsonb, body => jsonb) does not exist";

/// The reference deployment after a week, with the incidents asked for.
#[derive(Debug, Clone)]
pub struct Reference {
    now: i64,
    views_wiped: bool,
    pg_net_timeouts: bool,
    cron_job_failures: usize,
    unscheduled: bool,
    died_half_way: usize,
}

impl Reference {
    /// A healthy week as of `now`.
    pub fn new(now: i64) -> Reference {
        Reference {
            now,
            views_wiped: false,
            pg_net_timeouts: false,
            cron_job_failures: 0,
            unscheduled: false,
            died_half_way: 0,
        }
    }

    /// The recorded incident: the newest run logged `completed` with its usual count and
    /// upserted every guide with `views = 0`; only the first guide (viewed since) is not 0.
    pub fn views_wiped(mut self) -> Reference {
        self.views_wiped = true;
        self
    }

    /// pg_net's 5 s default: the calls since the newest run timed out, while the runs
    /// still completed and logged `completed`.
    pub fn pg_net_timeouts(mut self) -> Reference {
        self.pg_net_timeouts = true;
        self
    }

    /// The wrapper raised on the newest `n` runs ([`CRON_JOB_ERROR`]) and logged it as
    /// `cron_job`; those runs synced nothing.
    pub fn cron_job_failures(mut self, n: usize) -> Reference {
        self.cron_job_failures = n.min(RUNS_KEPT);
        self
    }

    /// The function was killed (WORKER_LIMIT) after syncing guides and features in each of
    /// the newest `n` runs: pages, reports, events and the analytics logged nothing since.
    pub fn died_half_way(mut self, n: usize) -> Reference {
        self.died_half_way = n.min(RUNS_KEPT - 1);
        self
    }

    /// The disable script ran after the runs: the job is gone.
    pub fn unscheduled(mut self) -> Reference {
        self.unscheduled = true;
        self
    }

    /// Loads it into `pg` (one transaction).
    pub fn load(&self, pg: &Pg) {
        pg.exec(&self.sql());
    }

    /// The SQL that replaces the template's tables with the deployment's and fills them.
    pub fn sql(&self) -> String {
        let mut sql = String::from("begin;\n");
        sql.push_str(SCHEMA);
        sql.push_str(&wrapper_sql());
        sql.push_str(&format!(
            "select cron.schedule('{REFERENCE_JOB}', '0 */6 * * *', {});\n",
            sql_literal(REFERENCE_COMMAND)
        ));
        sql.push_str(&self.runs_sql());
        sql.push_str(&self.entities_sql());
        sql.push_str(&self.responses_sql());
        if self.unscheduled {
            // The deployment's disable script.
            sql.push_str(&format!("select cron.unschedule('{REFERENCE_JOB}');\n"));
        }
        sql.push_str("commit;\n");
        sql
    }

    /// pg_cron's runs and the `sync_status` rows of every run, oldest first.
    fn runs_sql(&self) -> String {
        let mut cron = Vec::new();
        let mut log = Vec::new();
        for k in (0..RUNS_KEPT).rev() {
            let start = run_start(self.now, k);
            cron.push(format!(
                "((select jobid from cron.job where jobname = '{REFERENCE_JOB}'), {}, 'postgres', 'postgres', {}, 'succeeded', '1 row', to_timestamp({start}.008), to_timestamp({start}.031))",
                41_000 + k,
                sql_literal(REFERENCE_COMMAND)
            ));
            if k < self.cron_job_failures {
                log.push(format!(
                    "('cron_job', 'failed', to_timestamp({start}), to_timestamp({start}), 0, {}, to_timestamp({start}))",
                    sql_literal(CRON_JOB_ERROR)
                ));
                continue;
            }
            for (entity, after, records) in [
                ("guides", 3, GUIDES),
                ("features", 9, FEATURES.0),
                ("pages", 31, PAGES.0),
                ("reports", 38, REPORTS),
                ("events", 44, 180 + (k as i64 * 37) % 40),
                ("guides_analytics", 70, GUIDES),
                ("features_analytics", 72, FEATURES.0),
                ("pages_analytics", 74, PAGES.0),
            ] {
                if k < self.died_half_way && !matches!(entity, "guides" | "features") {
                    continue;
                }
                // The Edge Function stamps start and end with the same `new Date()`.
                let at = start + after;
                log.push(format!(
                    "('{entity}', 'completed', to_timestamp({at}), to_timestamp({at}), {records}, null, to_timestamp({at}))"
                ));
            }
        }
        format!(
            "insert into cron.job_run_details (jobid, job_pid, database, username, command, status, return_message, start_time, end_time) values\n  {};\n\
insert into public.sync_status (entity_type, status, last_sync_start, last_sync_end, records_processed, error_message, created_at) values\n  {};\n",
            cron.join(",\n  "),
            log.join(",\n  ")
        )
    }

    /// The newest run that synced (the wrapper did not fail).
    fn newest_synced(&self) -> i64 {
        run_start(self.now, self.cron_job_failures.min(RUNS_KEPT - 1))
    }

    /// Entity rows stamped by the newest synced run, events over the 6 days before it,
    /// then the metrics computed from the events (and the wipe, when asked).
    fn entities_sql(&self) -> String {
        let synced = self.newest_synced();
        let mut sql = String::new();
        for (table, kind, n, extra_cols, extra_vals) in [
            (
                "pendo_guides",
                "guide",
                GUIDES,
                ", state",
                ", case when g % 5 = 0 then 'draft' else 'public' end",
            ),
            ("pendo_features", "feature", FEATURES.0, "", ""),
            ("pendo_pages", "page", PAGES.0, "", ""),
            ("pendo_reports", "report", REPORTS, "", ""),
        ] {
            sql.push_str(&format!(
                "insert into public.{table} (id, app_id, name, created_at, updated_at, last_synced{extra_cols})
select {id}, 'app-fake-test-1', initcap('{kind} ') || g, to_timestamp({synced} - 86400 * (30 + g % 300)),
       to_timestamp({synced} - 3600 * (g % 200)), to_timestamp({synced} + 5){extra_vals}
from generate_series(1, {n}) g;\n",
                id = entity_id_sql(kind, "g"),
            ));
        }
        let since = synced - 6 * 86_400;
        for (kind, active, types) in [
            (
                "guide",
                ACTIVE_GUIDES,
                "array['guideSeen', 'guideAdvanced', 'guideDismissed']",
            ),
            ("feature", FEATURES.1, "array['click', 'click', 'focus']"),
            ("page", PAGES.1, "array['load', 'load', 'focus']"),
        ] {
            sql.push_str(&format!(
                "insert into public.pendo_events (entity_type, entity_id, event_type, visitor_id, account_id, app_id, created_at)
select '{kind}', {id}, ({types})[1 + (g + k) % 3], 'visitor-' || (g * 31 + k) % 500, 'account-' || k % 40,
       'app-fake-test-1', to_timestamp({since} + (g * 7919 + k * 104729) % {span})
from generate_series(1, {active}) g, generate_series(1, 3 + g % 8) k;\n",
                id = entity_id_sql(kind, "g"),
                span = 6 * 86_400,
            ));
        }
        // The events sync appends up to the run: each kind's first entity was just used.
        for kind in ["guide", "feature", "page"] {
            sql.push_str(&format!(
                "insert into public.pendo_events (entity_type, entity_id, event_type, visitor_id, account_id, app_id, created_at) \
values ('{kind}', {id}, 'load', 'visitor-1', 'account-1', 'app-fake-test-1', to_timestamp({at}));\n",
                id = entity_id_sql(kind, "1"),
                at = synced - 30,
            ));
        }
        for (table, column, kind) in [
            ("pendo_guides", "views", "guide"),
            ("pendo_features", "usage_count", "feature"),
            ("pendo_pages", "views", "page"),
        ] {
            sql.push_str(&format!(
                "update public.{table} t set {column} = c.n from (select entity_id, count(*) as n from public.pendo_events where entity_type = '{kind}' group by 1) c where c.entity_id = t.id;\n"
            ));
        }
        if self.views_wiped {
            sql.push_str(&format!(
                "update public.pendo_guides set views = 0 where id <> {};\n",
                entity_id_sql("guide", "1")
            ));
        }
        sql
    }

    /// pg_net keeps 6 h of responses: the call of the newest run, 200 or timed out.
    fn responses_sql(&self) -> String {
        if self.cron_job_failures > 0 {
            return String::new();
        }
        let at = run_start(self.now, 0);
        let row = if self.pg_net_timeouts {
            format!(
                "(1, null, null, null, null, true, 'Timeout of 5000 ms reached. Total time: 5000.912000 ms (DNS time: 0.071000 ms, TCP/SSL handshake time: 28.114000 ms, HTTP Request/Response time: 4972.601000 ms)', to_timestamp({}.913))",
                at + 5
            )
        } else {
            format!(
                "(1, 200, 'application/json', '{{\"content-type\": \"application/json\"}}'::jsonb, '{{\"success\":true}}', false, null, to_timestamp({}.420))",
                at + 1
            )
        };
        format!(
            "insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg, created) values {row};\n"
        )
    }
}

/// The id of entity `n` (a SQL expression) of a kind, as Pendo's look: 22 characters.
fn entity_id_sql(kind: &str, n: &str) -> String {
    format!("substr(md5('{kind}-' || {n}), 1, 22)")
}

/// `postgresql://pendo_reader@…`: the server as [`READER_ROLE`] (a server started without a
/// password).
pub fn reader_url(pg: &Pg, sslmode: &str) -> String {
    pg.url(sslmode)
        .replacen("://postgres@", &format!("://{READER_ROLE}@"), 1)
}

/// Fills `pendo_events` with `n` more rows of the three metric kinds, spread over the
/// week before `now` (the benchmark's large table).
pub fn reference_events_rows(n: u64, now: i64) -> String {
    format!(
        "insert into public.pendo_events (entity_type, entity_id, event_type, visitor_id, account_id, app_id, created_at)
select (array['guide', 'feature', 'page'])[1 + g % 3],
       substr(md5((array['guide', 'feature', 'page'])[1 + g % 3] || '-' || (1 + (g / 3) % (case g % 3 when 0 then {ACTIVE_GUIDES} when 1 then {f} else {p} end))), 1, 22),
       'load', 'visitor-' || (g * 7919 % 5000), 'account-' || (g % 400), 'app-fake-test-1', to_timestamp({now} - (g % 604800))
from generate_series(1::bigint, {n}) g;
analyze public.pendo_events;",
        f = FEATURES.1,
        p = PAGES.1,
    )
}

/// The wrapper the job calls: `net.http_post` with no `timeout_milliseconds`; a failure
/// is logged as `cron_job` with its text.
fn wrapper_sql() -> String {
    format!(
        "create or replace function public.call_pendo_sync_edge_function() returns void
language plpgsql security definer set search_path = public, extensions, net
as $wrapper$
declare
  request_id bigint;
begin
  select net.http_post(
    url := {url},
    headers := jsonb_build_object('Content-Type', 'application/json', 'Authorization', 'Bearer ' || {key}),
    body := jsonb_build_object('sync_type', 'incremental')
  ) into request_id;
exception when others then
  insert into public.sync_status (entity_type, status, last_sync_start, last_sync_end, records_processed, error_message)
  values ('cron_job', 'failed', now(), now(), 0, sqlerrm);
end
$wrapper$;\n",
        url = sql_literal(FUNCTION_URL),
        key = sql_literal(FAKE_SERVICE_ROLE_JWT),
    )
}

/// The deployment's tables, RLS and the reader role, replacing the template's tables.
const SCHEMA: &str = "
drop table if exists public.pendo_guides, public.pendo_features, public.pendo_pages,
  public.pendo_reports, public.pendo_events, public.sync_status cascade;

create table public.pendo_guides (
  id text primary key,
  app_id text,
  name text,
  state text,
  views integer not null default 0,
  completions integer not null default 0,
  created_at timestamptz,
  updated_at timestamptz,
  last_synced timestamptz not null default now()
);
create table public.pendo_features (
  id text primary key,
  app_id text,
  name text,
  usage_count integer not null default 0,
  created_at timestamptz,
  updated_at timestamptz,
  last_synced timestamptz not null default now()
);
create table public.pendo_pages (
  id text primary key,
  app_id text,
  name text,
  views integer not null default 0,
  created_at timestamptz,
  updated_at timestamptz,
  last_synced timestamptz not null default now()
);
create table public.pendo_reports (
  id text primary key,
  app_id text,
  name text,
  created_at timestamptz,
  updated_at timestamptz,
  last_synced timestamptz not null default now()
);
create table public.pendo_events (
  id bigserial primary key,
  entity_type text not null,
  entity_id text not null,
  event_type text not null,
  visitor_id text,
  account_id text,
  app_id text,
  properties jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create table public.sync_status (
  id bigserial primary key,
  entity_type text not null,
  status text not null,
  last_sync_start timestamptz,
  last_sync_end timestamptz,
  records_processed integer not null default 0,
  error_message text,
  created_at timestamptz not null default now()
);
create index pendo_events_created_at_idx on public.pendo_events (created_at desc);
create index pendo_events_entity_idx on public.pendo_events (entity_type, entity_id);
create index sync_status_entity_type_created_at_idx on public.sync_status (entity_type, created_at desc);

-- The deployment's RLS fixes: RLS on, reads for signed-in users only.
alter table public.pendo_guides enable row level security;
alter table public.pendo_features enable row level security;
alter table public.pendo_pages enable row level security;
alter table public.pendo_reports enable row level security;
alter table public.pendo_events enable row level security;
alter table public.sync_status enable row level security;
create policy \"Enable read access for authenticated users\" on public.pendo_guides for select to authenticated using (true);
create policy \"Enable read access for authenticated users\" on public.pendo_features for select to authenticated using (true);
create policy \"Enable read access for authenticated users\" on public.pendo_pages for select to authenticated using (true);
create policy \"Enable read access for authenticated users\" on public.pendo_reports for select to authenticated using (true);
create policy \"Enable read access for authenticated users\" on public.pendo_events for select to authenticated using (true);
create policy \"Enable read access for authenticated users\" on public.sync_status for select to authenticated using (true);

-- A login role that may read the tables but does not bypass RLS.
do $role$
begin
  if not exists (select 1 from pg_roles where rolname = 'pendo_reader') then
    create role pendo_reader login nobypassrls;
  end if;
end
$role$;
grant usage on schema public, cron, net to pendo_reader;
grant select on all tables in schema public to pendo_reader;
grant select on cron.job, cron.job_run_details to pendo_reader;
grant select on net._http_response to pendo_reader;
";
