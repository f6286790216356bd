//! Row-level security that hides rows from the bot's database role.
//!
//! Over a role without BYPASSRLS (not the table's owner, not a superuser), a table with
//! RLS on answers 0 rows, `cron.job` shows the role only its own jobs and the sync log
//! shows no run: every check would then report missing data, P0 with the wrong cause.
//! One query asks, for the data tables, the sync log and `cron.job`, whether RLS applies
//! to the role and how many rows the planner's statistics (`reltuples`, `n_live_tup`) say
//! exist, so a check that counts 0 where rows exist names the cause instead.

use super::Supabase;
use super::client::db::Arg;
use crate::config::Config;
use crate::live::http::FetchError;

/// The query: one row per listed table where RLS applies to `current_user`.
const HIDDEN: &str = "select coalesce(json_agg(json_build_object('table', t.name, 'role', current_user, \
'estimate', greatest(c.reltuples::bigint, coalesce(s.n_live_tup, 0)))), '[]'::json)::text \
from unnest($1::text[]) t(name) \
join pg_catalog.pg_class c on c.oid = to_regclass(t.name) \
left join pg_catalog.pg_stat_all_tables s on s.relid = c.oid \
where c.relrowsecurity \
and (c.relforcerowsecurity or c.relowner <> (select oid from pg_catalog.pg_roles where rolname = current_user)) \
and not coalesce((select rolbypassrls or rolsuper from pg_catalog.pg_roles where rolname = current_user), false)";

/// A table whose rows RLS hides from the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    pub table: String,
    pub role: String,
    /// Rows the statistics say exist (0 when never analysed and never written).
    pub estimate: u64,
}

impl Hidden {
    /// "row-level security hides pendo_guides' rows from role pendo_reader (the
    /// statistics count ~118)".
    pub fn describe(&self) -> String {
        format!(
            "row-level security hides {}' rows from role {} (the statistics count ~{})",
            self.table,
            self.role,
            super::thousands(self.estimate)
        )
    }

    pub fn fix(&self) -> String {
        format!(
            "Connect as a role that bypasses RLS (the URL's user `postgres`, or give {} BYPASSRLS), or give it a read policy on {}.",
            self.role, self.table
        )
    }
}

/// The tables RLS hides rows of, among the data tables, the sync log and `cron.job`
/// (database only; over REST the key's role decides, see `public_key`).
pub async fn fetch(s: &Supabase, config: &Config) -> Result<Vec<Hidden>, FetchError> {
    let Some(db) = s.db().await else {
        return Ok(Vec::new());
    };
    let mut names: Vec<String> = config.tables.iter().map(|t| t.name.clone()).collect();
    names.push(config.sync_log.table.clone());
    names.push("cron.job".into());
    let v = db?.json(HIDDEN, &[Arg::Texts(&names)]).await?;
    Ok(v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            Some(Hidden {
                table: r["table"].as_str()?.to_string(),
                role: crate::outside::emit(r["role"].as_str()?, 63, crate::outside::Sink::Line),
                estimate: r["estimate"].as_i64().unwrap_or(0).max(0) as u64,
            })
        })
        .collect())
}

/// The entry for `table` when RLS hides rows that exist.
pub fn hiding<'a>(hidden: &'a [Hidden], table: &str) -> Option<&'a Hidden> {
    hidden.iter().find(|h| h.table == table && h.estimate > 0)
}
