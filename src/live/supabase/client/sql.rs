//! Every SQL text the Supabase checks send, in one place.
//!
//! The health facts (pg_cron's jobs, runs and scheduler; pg_net's responses) come from
//! the same five queries whichever way they are read: sent one by one over the database
//! URL, or run by the `public.pendo_triage_health` function that `sql/pendo_triage_health.sql`
//! installs for teams that only give the bot the REST API. That file is generated from the
//! fragments here ([`health_function`]), and a test holds the shipped copy equal to it.
//!
//! Queries take their values as parameters (the job name, the start of the window as RFC
//! 3339 text), never spliced in; identifiers come from the validated config and are
//! quoted. Each query returns one row with one JSON text column, so the answers have the
//! same shape over the wire and through the function. No query reads the server's clock:
//! the window starts where the bot's clock says.

use crate::config::{Config, DataTable, EventsTable};

/// A query and the parameters it takes.
pub struct Fragment {
    /// The key of its answer in the health JSON.
    pub key: &'static str,
    pub sql: &'static str,
    /// The parameters it reads, as `$1`, `$2`, … in this order.
    pub params: &'static [Param],
    /// The extension (or table) without which it is not run.
    pub needs: Prerequisite,
}

/// A parameter of a fragment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Param {
    /// The configured job name (`null`: find the job by "pendo").
    JobName,
    /// The start of the window, RFC 3339 text.
    Since,
}

/// What a fragment needs to exist before it can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prerequisite {
    Nothing,
    PgCron,
    PgNetTable,
}

/// Which extensions and tables are there.
pub const EXTENSIONS: Fragment = Fragment {
    key: "extensions",
    sql: "select json_build_object(\
'pg_cron', (select extversion from pg_catalog.pg_extension where extname = 'pg_cron'), \
'pg_net', (select extversion from pg_catalog.pg_extension where extname = 'pg_net'), \
'net_responses', to_regclass('net._http_response') is not null)::text",
    params: &[],
    needs: Prerequisite::Nothing,
};

/// pg_cron's scheduler, when it runs (one row, or none).
pub const SCHEDULER: Fragment = Fragment {
    key: "scheduler",
    sql: "select coalesce((select json_build_object('pid', pid, 'backend_start', backend_start, 'state', state) \
from pg_catalog.pg_stat_activity \
where backend_type = 'pg_cron launcher' or application_name = 'pg_cron scheduler' \
order by backend_start limit 1), 'null'::json)::text",
    params: &[],
    needs: Prerequisite::PgCron,
};

/// The sync's jobs: by name when one is configured, else every job whose name or command
/// mentions pendo. `total` counts every job, to tell "no pendo job" from "no job at all".
/// A job's command can carry any secret (a custom header's value), so only what identifies
/// the call leaves the database: the URL without user info or query, else `select fn()`,
/// else nothing but its length. When the command calls a SQL function (the reference
/// deployment's `SELECT call_pendo_sync_edge_function();`), `function_slugs` are the
/// `/functions/v1/<slug>` its body (`pg_proc.prosrc`) calls: only the slugs leave the
/// database, never the body, which holds the key it sends.
pub const JOBS: Fragment = Fragment {
    key: "jobs",
    sql: "select json_build_object('total', (select count(*) from cron.job), 'matching', coalesce(\
(select json_agg(j order by j.jobid) from (\
select jobid, jobname, schedule, coalesce(\
regexp_replace(substring(command from '(https?://[^/''\"[:space:]?#]+/[^''\"[:space:]?#]*)'), '://[^/@]*@', '://'), \
'select ' || substring(command from '(?i)select[[:space:]]+([a-z_][a-z0-9_.]*)[[:space:]]*[(]') || '()', '') as command, \
length(command) as command_chars, \
(select coalesce(json_agg(distinct m[1]), '[]'::json) from pg_catalog.pg_proc p, \
regexp_matches(p.prosrc, '/functions/v1/([A-Za-z0-9_-]{1,100})', 'g') m \
where p.proname = regexp_replace(lower(substring(command from '(?i)select[[:space:]]+([a-z_][a-z0-9_.]*)[[:space:]]*[(]')), '^.*[.]', '')) as function_slugs, \
active, database, username from cron.job \
where ($1::text is null and (command ilike '%pendo%' or jobname ilike '%pendo%')) or jobname = $1::text\
) j), '[]'::json))::text",
    params: &[Param::JobName],
    needs: Prerequisite::PgCron,
};

/// The most characters a query returns of a text a dependency wrote (`left(…, 4000)` in
/// the queries, here and in `sql/pendo_triage_health.sql`): far beyond what the report
/// shows, so the cut that counts is the display's, which comes after redaction; and
/// [`capped`] drops the neighbourhood of this one, where a fragment of a secret could sit.
pub const TEXT_CAP: usize = 4000;

/// A text read from a column cut at [`TEXT_CAP`], through the way out: normalised and
/// redacted, the database's own cut made safe ([`crate::outside::Outside::capped`]).
pub fn capped(text: &str) -> String {
    crate::outside::Outside::capped(text, TEXT_CAP)
        .out(crate::outside::UNCUT, crate::outside::Sink::Plain)
}

/// [`capped`] for a field of a query's JSON answer.
pub fn de_capped<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    use serde::Deserialize;
    Ok(Option::<String>::deserialize(d)?.map(|s| capped(&s)))
}

/// The last 50 runs of those jobs, newest first, however old (an inactive job's last run
/// says since when it stopped).
pub const RUNS: Fragment = Fragment {
    key: "runs",
    sql: "select coalesce(json_agg(r order by r.start_time desc), '[]'::json)::text from (\
select d.jobid, d.runid, d.status, left(d.return_message, 4000) as return_message, d.start_time, d.end_time \
from cron.job_run_details d join cron.job j on j.jobid = d.jobid \
where ($1::text is null and (j.command ilike '%pendo%' or j.jobname ilike '%pendo%')) or j.jobname = $1::text \
order by d.start_time desc limit 50) r",
    params: &[Param::JobName],
    needs: Prerequisite::PgCron,
};

/// pg_net's responses in the window, newest first (at most 100). pg_net keeps them for
/// `pg_net.ttl` (6 h by default), so older calls are gone whatever the window. pg_net
/// forgets a request's URL once it is answered, so calls cannot be told apart by URL:
/// only error answers' bodies leave the database (their first [`TEXT_CAP`] characters), never a
/// successful call's answer, which is another function's data.
pub const RESPONSES: Fragment = Fragment {
    key: "responses",
    sql: "select coalesce(json_agg(x order by x.created desc), '[]'::json)::text from (\
select id, status_code, timed_out, left(error_msg, 4000) as error_msg, \
case when status_code >= 400 then left(content, 4000) end as content, created \
from net._http_response where created >= $1::text::timestamptz \
order by created desc limit 100) x",
    params: &[Param::Since],
    needs: Prerequisite::PgNetTable,
};

/// The health fragments, in the order they run.
pub const HEALTH: [&Fragment; 5] = [&EXTENSIONS, &SCHEDULER, &JOBS, &RUNS, &RESPONSES];

/// The function's name, as PostgREST calls it (`/rest/v1/rpc/pendo_triage_health`).
pub const HEALTH_FUNCTION: &str = "pendo_triage_health";

/// The text of `sql/pendo_triage_health.sql`: one `SECURITY DEFINER` function with a
/// pinned `search_path`, executable only by `service_role`, running [`HEALTH`].
pub fn health_function() -> String {
    let mut body = String::new();
    for f in HEALTH {
        let using = if f.params.is_empty() {
            String::new()
        } else {
            let names: Vec<&str> = f
                .params
                .iter()
                .map(|p| match p {
                    Param::JobName => "job_name",
                    Param::Since => "since::text",
                })
                .collect();
            format!(" using {}", names.join(", "))
        };
        let run = format!(
            "    execute $q${}$q$ into part{using};\n    result := result || jsonb_build_object('{}', part::jsonb);\n",
            f.sql, f.key
        );
        let guarded = match f.needs {
            Prerequisite::Nothing => run,
            Prerequisite::PgCron => format!(
                "  if (result -> 'extensions' ->> 'pg_cron') is not null then\n{run}  end if;\n"
            ),
            Prerequisite::PgNetTable => format!(
                "  if (result -> 'extensions' ->> 'net_responses')::boolean then\n{run}  end if;\n"
            ),
        };
        body.push_str(&guarded);
    }
    format!(
        "-- pendo-triage health function (generated from src/live/supabase/sql.rs; do not edit).
--
-- Lets pendo-triage read pg_cron's and pg_net's state through the REST API when it has
-- no database URL: the sync job, its recent runs, whether pg_cron's scheduler runs, and
-- the Edge Function calls pg_net made. It only reads. Install: paste this file into the
-- Supabase SQL editor and run it. Remove: drop function public.{HEALTH_FUNCTION}(text, timestamptz);
create or replace function public.{HEALTH_FUNCTION}(
  job_name text default null,
  since timestamptz default now() - interval '48 hours'
)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $function$
declare
  result jsonb := jsonb_build_object('version', 1);
  part text;
begin
{body}  return result;
end;
$function$;

revoke all on function public.{HEALTH_FUNCTION}(text, timestamptz) from public;
do $grants$
begin
  if exists (select 1 from pg_roles where rolname = 'anon') then
    revoke all on function public.{HEALTH_FUNCTION}(text, timestamptz) from anon;
  end if;
  if exists (select 1 from pg_roles where rolname = 'authenticated') then
    revoke all on function public.{HEALTH_FUNCTION}(text, timestamptz) from authenticated;
  end if;
end
$grants$;
grant execute on function public.{HEALTH_FUNCTION}(text, timestamptz) to service_role;
"
    )
}

/// `"schema"."table"` or `"table"` for an identifier the config validated (letters,
/// digits and underscores; [`crate::config::Config::validate`]). Values are never
/// spliced: they travel as bound parameters.
pub fn quote_ident(name: &str) -> String {
    debug_assert!(
        name.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
        "{name:?} is not a validated identifier"
    );
    name.split('.')
        .map(|part| format!("\"{}\"", part.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(".")
}

/// Which configured tables exist (one query, whatever the tables hold). Takes the table
/// names as `$1::text[]`.
pub fn tables_present() -> &'static str {
    "select coalesce(json_object_agg(t, to_regclass(t) is not null), '{}'::json)::text \
from unnest($1::text[]) t"
}

/// For each present table: its newest freshness value, the planner's row estimate, and
/// the exact count unless the estimate is above `exact_max` (then counting would take
/// long; the estimate stands). One query; table `i`'s name is the text parameter `$i+1`.
pub fn table_facts(tables: &[&DataTable], exact_max: u64) -> String {
    let parts: Vec<String> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let (name, col) = (quote_ident(&t.name), quote_ident(&t.freshness_column));
            let lit = format!("${}::text", i + 1);
            let planned =
                format!("(select c.reltuples::bigint from pg_catalog.pg_class c where c.oid = {lit}::regclass)");
            // `reltuples` is -1 for a table never analysed: then the count is exact.
            format!(
                "select json_build_object('table', {lit}, 'newest', (select max({col}) from {name}), \
'planned', {planned}, 'exact', case when coalesce({planned}, -1) <= {exact_max} \
then (select count(*) from {name}) end)"
            )
        })
        .collect();
    if parts.is_empty() {
        return "select '[]'".into();
    }
    let unions: Vec<String> = parts.iter().map(|p| format!("({p})")).collect();
    format!(
        "select coalesce(json_agg(x), '[]'::json)::text from ({}) s(x)",
        unions.join(" union all ")
    )
}

/// The last `window` rows of the sync log per entity, newest first, under the config's
/// column names (aliased to the canonical ones). One query; the entities are
/// `$1::text[]`.
pub fn sync_log(config: &Config) -> String {
    let s = &config.sync_log;
    let et = quote_ident(&s.entity_type_column);
    let cr = quote_ident(&s.created_column);
    format!(
        "select coalesce(json_agg(x order by x.entity_type, x.created_at desc), '[]'::json)::text from (\
select {}, row_number() over (partition by {et} order by {cr} desc) as n \
from {} where {et} = any($1::text[])) x where x.n <= {}",
        sync_log_columns(config),
        quote_ident(&s.table),
        s.window_runs,
    )
}

/// The sync log's columns under the canonical names [`crate::live::supabase::sync_log`] reads.
fn sync_log_columns(config: &Config) -> String {
    let s = &config.sync_log;
    let q = quote_ident;
    format!(
        "{} as entity_type, {} as status, {} as started, {} as ended, \
{} as records, left({}, 4000) as error, {} as created_at",
        q(&s.entity_type_column),
        q(&s.status_column),
        q(&s.started_column),
        q(&s.ended_column),
        q(&s.records_column),
        q(&s.error_column),
        q(&s.created_column),
    )
}

/// `supabase.analytics`, first query: which of the tables named in `$1` (a JSON array of
/// names, as text) exist, and their columns; and whether the events table `$2` has a btree
/// index that finds one entity's events (led by its entity id column `$3`, or by its
/// entity type column `$4` and then the id). Answers `{"columns": {"pendo_guides": ["id",
/// …] | null, …}, "indexed": bool}`.
pub const ANALYTICS_COLUMNS: &str = "select json_build_object('columns', \
(select coalesce(json_object_agg(t, case when to_regclass(t) is null then null else \
(select coalesce(json_agg(a.attname::text order by a.attnum), '[]'::json) from pg_catalog.pg_attribute a \
where a.attrelid = to_regclass(t) and a.attnum > 0 and not a.attisdropped) end), '{}'::json) \
from json_array_elements_text($1::text::json) t), \
'indexed', exists (select 1 from pg_catalog.pg_index i \
join pg_catalog.pg_class ic on ic.oid = i.indexrelid join pg_catalog.pg_am am on am.oid = ic.relam \
where i.indrelid = to_regclass($2::text) and am.amname = 'btree' and i.indpred is null and i.indexprs is null \
and ((select attname::text from pg_catalog.pg_attribute where attrelid = i.indrelid and attnum = i.indkey[0]) = $3::text \
or ((select attname::text from pg_catalog.pg_attribute where attrelid = i.indrelid and attnum = i.indkey[0]) = $4::text \
and (select attname::text from pg_catalog.pg_attribute where attrelid = i.indrelid and attnum = i.indkey[1]) = $3::text))))::text";

/// One metric table as [`analytics_counts`] reads it: the columns that exist.
pub struct MetricRead<'a> {
    pub table: &'a str,
    pub id_column: &'a str,
    pub columns: Vec<&'a str>,
}

/// How [`analytics_counts`] finds whether an entity has events in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventsRead<'a> {
    /// No usable events table: no entity is active.
    None,
    /// One scan of the window, grouped by entity (no index finds an entity's events).
    Scan(&'a EventsTable),
    /// One index probe per metric row (an index leads with the entity id).
    Probe(&'a EventsTable),
}

/// `supabase.analytics`, second query: per metric table its rows, how many of them had
/// events since `$1` (RFC 3339 text, cast once), and per column how many hold zero (or
/// null) and how many of those had events. `$2`, `$3`, … are the tables' entity_type
/// values, in order. With an index on the events' entity id each metric row costs one
/// probe, whatever the events table holds; without one the window is scanned once for all
/// tables. One query. Answers `[{"i": 0, "rows": n, "active": n, "zero": [n, …],
/// "zero_active": [n, …]}, …]`, `i` the table's place in `tables`, the arrays in its
/// column order.
pub fn analytics_counts(events: EventsRead, tables: &[MetricRead]) -> String {
    let q = quote_ident;
    let kind = |i: usize| format!("${}::text", i + 2);
    let since = "(select $1::text::timestamptz)";
    let parts: Vec<String> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let values: Vec<String> = t
                .columns
                .iter()
                .enumerate()
                .map(|(j, c)| format!("m.{} as c{j}", q(c)))
                .collect();
            let zero = |j: usize| format!("coalesce(c{j}, 0) = 0");
            let zeros: Vec<String> = (0..t.columns.len())
                .map(|j| format!("count(*) filter (where {})", zero(j)))
                .collect();
            let zero_active: Vec<String> = (0..t.columns.len())
                .map(|j| format!("count(*) filter (where {} and act)", zero(j)))
                .collect();
            let act = match events {
                EventsRead::None => "false".to_string(),
                EventsRead::Scan(_) => format!(
                    "exists (select 1 from active a where a.kind = {} and a.id = m.{}::text)",
                    kind(i),
                    q(t.id_column)
                ),
                EventsRead::Probe(e) => format!(
                    "exists (select 1 from {} e where e.{}::text = {} and e.{}::text = m.{}::text and e.{} >= {since})",
                    q(&e.table),
                    q(&e.entity_type_column),
                    kind(i),
                    q(&e.entity_id_column),
                    q(t.id_column),
                    q(&e.created_column),
                ),
            };
            let mut selected = values;
            selected.push(format!("{act} as act"));
            format!(
                "(select json_build_object('i', {i}, 'rows', count(*), 'active', count(*) filter (where act), \
'zero', json_build_array({}), 'zero_active', json_build_array({})) \
from (select {} from {} m) m)",
                zeros.join(", "),
                zero_active.join(", "),
                selected.join(", "),
                q(t.table),
            )
        })
        .collect();
    if parts.is_empty() {
        return "select '[]'".into();
    }
    let body = format!(
        "select coalesce(json_agg(x), '[]'::json)::text from ({}) s(x)",
        parts.join(" union all ")
    );
    match events {
        EventsRead::Scan(e) => {
            let kinds: Vec<String> = (0..tables.len()).map(kind).collect();
            format!(
                "with active as materialized (select e.{et}::text as kind, e.{id}::text as id from {table} e \
where e.{at} >= {since} and e.{et}::text = any(array[{kinds}]) group by 1, 2) {body}",
                et = q(&e.entity_type_column),
                id = q(&e.entity_id_column),
                at = q(&e.created_column),
                table = q(&e.table),
                kinds = kinds.join(", "),
            )
        }
        // Parameters are typed as they are sent: one the query does not read is fine.
        EventsRead::Probe(_) | EventsRead::None => body,
    }
}

/// The newest `limit` rows of the sync log logged under entity values not in `$1` (the
/// configured ones, one bound `text[]`), newest first, aliased like [`sync_log`].
pub fn sync_log_others(config: &Config, limit: u32) -> String {
    let s = &config.sync_log;
    format!(
        "select coalesce(json_agg(x order by x.created_at desc), '[]'::json)::text from (\
select {} from {} where not ({}::text = any ($1::text[])) \
order by {} desc limit {limit}) x",
        sync_log_columns(config),
        quote_ident(&s.table),
        quote_ident(&s.entity_type_column),
        quote_ident(&s.created_column),
    )
}

/// The completed runs of the sync log since `$3` (an RFC 3339 time), at most `limit` per
/// entity in `$1` (`text[]`), newest first: what [`crate::anomaly`] learns each entity's
/// usual count from. `$2` is the status a completed run logs. Only the entity, the times
/// and the count leave the database, never a message.
pub fn sync_log_usual(s: &crate::config::SyncLog, limit: u32) -> String {
    let q = quote_ident;
    let et = q(&s.entity_type_column);
    let cr = q(&s.created_column);
    format!(
        "select coalesce(json_agg(x order by x.entity_type, x.created_at desc), '[]'::json)::text from (\
select {et} as entity_type, {} as records, {} as started, {cr} as created_at, \
row_number() over (partition by {et} order by {cr} desc) as n \
from {} where {et} = any($1::text[]) and {}::text = $2::text \
and {cr} >= $3::text::timestamptz) x where x.n <= {limit}",
        q(&s.records_column),
        q(&s.started_column),
        q(&s.table),
        q(&s.status_column),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_function_is_the_generated_one() {
        let path = format!("{}/sql/pendo_triage_health.sql", crate::REPO);
        if std::env::var_os("PENDO_TRIAGE_WRITE_SQL").is_some() {
            std::fs::write(&path, health_function()).unwrap();
        }
        let shipped = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            shipped,
            health_function(),
            "sql/pendo_triage_health.sql is stale: regenerate it with PENDO_TRIAGE_WRITE_SQL=1 cargo test --lib the_shipped_function"
        );
    }

    #[test]
    fn the_function_is_locked_down() {
        let f = health_function();
        assert!(f.contains("security definer"));
        assert!(f.contains("set search_path = pg_catalog, pg_temp"));
        assert!(f.contains(
            "revoke all on function public.pendo_triage_health(text, timestamptz) from public;"
        ));
        assert!(f.contains("grant execute on function public.pendo_triage_health(text, timestamptz) to service_role;"));
        assert!(
            !f.to_ascii_lowercase().contains("now()\n"),
            "no fragment reads the server clock"
        );
        for frag in HEALTH {
            assert!(!frag.sql.contains("now()"), "{}", frag.key);
            assert!(!frag.sql.contains("$q$"), "{}", frag.key);
        }
    }

    #[test]
    fn identifiers_are_quoted_and_values_are_parameters() {
        assert_eq!(quote_ident("analytics.events"), "\"analytics\".\"events\"");
        let cfg = Config::default();
        let sql = sync_log(&cfg);
        assert!(
            sql.contains("from \"sync_status\" where \"entity_type\" = any($1::text[])"),
            "{sql}"
        );
        assert!(sql.contains("x.n <= 20"));
        let sql = sync_log_usual(&cfg.sync_log, 672);
        assert!(
            sql.contains("where \"entity_type\" = any($1::text[]) and \"status\"::text = $2::text and \"created_at\" >= $3::text::timestamptz"),
            "{sql}"
        );
        assert!(
            sql.contains("x.n <= 672") && !sql.contains("error"),
            "{sql}"
        );
        let t: Vec<&DataTable> = cfg.tables.iter().collect();
        let sql = table_facts(&t, 1_000_000);
        assert_eq!(sql.matches("union all").count(), 4);
        // No configured value is spliced: the table names are parameters.
        assert!(
            !sql.contains("'pendo_guides'") && sql.contains("$5::text"),
            "{sql}"
        );
    }

    #[test]
    fn analytics_reads_the_events_once_with_values_as_parameters() {
        let cfg = Config::default();
        let reads: Vec<MetricRead> = cfg
            .analytics
            .metrics
            .iter()
            .map(|m| MetricRead {
                table: &m.table,
                id_column: &m.id_column,
                columns: m.columns.iter().map(String::as_str).collect(),
            })
            .collect();
        let e = &cfg.analytics.events;
        let scan = analytics_counts(EventsRead::Scan(e), &reads);
        assert_eq!(scan.matches("from \"pendo_events\"").count(), 1, "{scan}");
        assert!(
            scan.contains("any(array[$2::text, $3::text, $4::text])"),
            "{scan}"
        );
        assert!(scan.contains("m.\"completions\" as c1"), "{scan}");
        let probe = analytics_counts(EventsRead::Probe(e), &reads);
        assert_eq!(probe.matches("from \"pendo_events\"").count(), 3, "{probe}");
        assert!(
            probe.contains("e.\"entity_id\"::text = m.\"id\"::text"),
            "{probe}"
        );
        for sql in [&scan, &probe] {
            assert!(!sql.contains("guide'"), "values are parameters: {sql}");
            assert!(!sql.contains("now()"));
            assert!(
                sql.contains("(select $1::text::timestamptz)"),
                "cast once: {sql}"
            );
        }
        let none = analytics_counts(EventsRead::None, &reads);
        assert!(!none.contains("pendo_events"), "{none}");
        assert_eq!(analytics_counts(EventsRead::None, &[]), "select '[]'");
    }
}
