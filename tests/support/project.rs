//! A Supabase project for the REST stories: a fake PostgREST serving the rows a real
//! PostgreSQL (loaded with a sync history) holds, so the REST path and the database path
//! read the same data.

use super::fake_postgrest::{FakePostgrest, FakeTable};
use super::pg::Pg;

/// The reference deployment's tables: the synced data and the sync log.
pub const SYNCED_TABLES: [&str; 6] = [
    "pendo_guides",
    "pendo_features",
    "pendo_pages",
    "pendo_reports",
    "pendo_events",
    "sync_status",
];

/// A fake PostgREST serving the rows of `pg`'s tables (declared columns included, so an
/// empty table still answers like PostgREST).
pub fn mirror(pg: &Pg) -> FakePostgrest {
    let rest = FakePostgrest::start();
    for table in SYNCED_TABLES {
        let rows = pg.query_json(&format!("select * from public.{table}"));
        let columns = pg.query_json(&format!(
            "select column_name from information_schema.columns where table_name = '{table}'"
        ));
        let names: Vec<&str> = columns
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["column_name"].as_str())
            .collect();
        let rows = rows.as_array().cloned().unwrap_or_default();
        rest.add_table(table, FakeTable::new(rows).columns(&names));
    }
    rest
}
