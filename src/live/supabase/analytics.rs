//! `supabase.analytics`: metric columns (`views`, `completions`, `usage_count`) wiped to
//! zero by a sync run that otherwise logged `completed`.
//!
//! The reference deployment computes its metrics from its local events table, and never
//! fills `completions`: a column that is zero on every row may never have been filled. So
//! zeros alone are never a failure, and not even a warning: a warning nobody can clear
//! teaches people to ignore warnings. A wipe is found three ways, and only evidence beyond
//! the zeros makes it a failure:
//! - (a) a metric is zero on (nearly) every row of a table that has rows: when the bot has
//!   never seen it non-zero ([`MetricMemory`], kept in its state), a note that passes with
//!   the config line that stops watching it; when an earlier measurement saw it non-zero
//!   on at least two rows and now at most half of them are, a wipe ([`recall`] judges with
//!   the memory once the run's facts are in, and gives the memory to keep);
//! - (b) entities with events in the events table within the window
//!   (`analytics.window_days`) hold zero in a column that counts events
//!   (`from_events`): when at least two do, and either nearly every row is zero or most of
//!   the active entities (over REST: most of the sampled zero rows) are, a failure,
//!   critical for the issue's own data type; fewer is a note (an entity whose events came
//!   after the last computation);
//! - (c) with a Pendo key, Pendo's own views per guide over the window (one aggregation,
//!   [`crate::live::pendo::aggregation::guide_views`], sent once per run and shared) are
//!   compared with the guides stored with zero in the guides table's first `from_events`
//!   column: when at least two guides Pendo counts views for hold zero, and either nearly
//!   every row is zero or most of the guides Pendo counts are, a wipe, even when the bot
//!   never saw the column non-zero. Only guides: Pendo's features and pages would cost an
//!   aggregation each. The comparison costs one query over the database (or two GETs over
//!   REST, with at most [`PENDO_IDS_REST`] of Pendo's guides).
//!
//! Over the database URL: two queries, whatever the tables hold: which tables and columns
//! exist (and whether an index finds one entity's events), then every count. With such an
//! index each metric row costs one index probe; without, the window is scanned once. Over
//! REST, when there is no database URL, the run's OpenAPI root (from `supabase.api`) says
//! which metric columns exist and `supabase.tables`' exact counts give the rows (a HEAD
//! with `Prefer: count=exact` only for a table it did not count); the zeros are asked
//! beside those counts, not after them: one GET per existing metric column
//! (`Prefer: count=exact`, read from `Content-Range`; a GET so that a missing column's
//! 42703 has a body to say so), which for a `from_events` column also brings up to
//! [`REST_SAMPLE`] zero rows' ids; then, for each such column holding zeros, one GET of
//! those ids' events in the window, so (b) then speaks of that sample: the zeros wait for
//! the root, the events for the zeros. For the default three metric tables: 0
//! requests when none has a metric column, 4 to 7 when all do.

use super::Supabase;
use super::client::db::{Arg, Db};
use super::client::rest::{ApiError, Rest, encode, total};
use super::client::sql;
use crate::clock::format_rfc3339;
use crate::config::{Analytics, Config, EventsTable, MetricTable};
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::issue::DataType;
use crate::live::http::FetchError;
use crate::live::{Live, LiveInputs, join_all};
use crate::state::MetricMemory;
use serde_json::Value;
use std::collections::BTreeSet;

const ID: CheckId = CheckId::SupabaseAnalytics;
/// Over REST, the zero rows whose events are looked up, per column.
pub const REST_SAMPLE: usize = 100;
/// Over REST, the most event rows read for that sample.
const REST_EVENTS_MAX: usize = 1000;
/// Over REST, the most of Pendo's active guides compared (their ids go in the URL).
pub const PENDO_IDS_REST: usize = 200;
/// The fewest active entities at zero that make a failure (one can be a new entity whose
/// events arrived after the last computation).
const MIN_WIPED: u64 = 2;

/// One metric column of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnFacts {
    pub name: String,
    /// Rows holding 0 (or null).
    pub zero: u64,
    /// Of those, rows whose entity has events in the window (`None`: not known).
    pub zero_active: Option<u64>,
    /// The column counts the entity's events (config `from_events`).
    pub from_events: bool,
}

/// What one metric table showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MetricState {
    Read {
        rows: u64,
        /// Rows whose entity has events in the window (`None`: not known).
        active: Option<u64>,
        /// Over REST, when (b) looked at a sample of the zero rows: its size.
        sample: Option<u64>,
        columns: Vec<ColumnFacts>,
        /// Configured columns the table does not have.
        absent: Vec<String>,
    },
    Missing,
    Failed(String),
}

/// One configured metric table and what it showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricFacts {
    pub table: String,
    /// What a row is, in the plural (`guides`).
    pub noun: String,
    /// The data type of the table, when `tables` configures it.
    pub data_type: Option<DataType>,
    /// Its line in `analytics.metrics` (for the line that stops watching a column).
    pub setting: MetricTable,
    pub state: MetricState,
}

/// Everything the check read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyticsFacts {
    pub tables: Vec<MetricFacts>,
    pub window_days: u32,
    pub zero_percent: u32,
    /// Why the events could not be read (`None`: they were).
    pub events_unusable: Option<String>,
    /// (c) Pendo's views per guide against the stored zeros (`None`: not compared, no
    /// Pendo key or no guides table counted from events; `Err`: why it failed).
    pub pendo: Option<Result<PendoCounts, String>>,
}

/// (c): the guides Pendo counts views for in the window, against the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendoCounts {
    pub table: String,
    pub column: String,
    /// Rows of the table Pendo counts views for.
    pub active: u64,
    /// Of those, rows stored with 0 (or null) in the column.
    pub zero_active: u64,
    /// Over REST, when Pendo counts more guides than were compared: how many were.
    pub sample: Option<u64>,
    pub days: u32,
}

impl PendoCounts {
    /// `Pendo counts views on 91 of the 117 guides stored with 0 views (aggregation, last 7 days)`.
    fn line(&self, zero: u64, noun: &str) -> String {
        let sample = self.sample.map_or(String::new(), |n| {
            format!(", {n} of the guides it counts compared")
        });
        format!(
            "Pendo counts views on {} of the {zero} {noun} stored with 0 {} (aggregation, last {} days{sample})",
            self.zero_active, self.column, self.days
        )
    }

    /// Pendo's counts make it a wipe: at least two guides it counts hold zero, and nearly
    /// every row is zero or most of the guides it counts are.
    fn wiped(&self, nearly_all: bool) -> bool {
        self.zero_active >= MIN_WIPED && (nearly_all || self.zero_active * 2 > self.active)
    }
}

fn plural(entity_type: &str) -> String {
    if entity_type.ends_with('s') {
        entity_type.to_string()
    } else {
        format!("{entity_type}s")
    }
}

fn facts(config: &Config, m: &MetricTable, state: MetricState) -> MetricFacts {
    MetricFacts {
        table: m.table.clone(),
        noun: plural(&m.entity_type),
        data_type: config
            .tables
            .iter()
            .find(|t| t.name == m.table)
            .map(|t| t.data_type),
        setting: m.clone(),
        state,
    }
}

/// Reads the metric tables: over the database when it has a URL (full (a) and (b)), else
/// over REST.
pub async fn fetch(s: &Supabase, config: &Config, now: i64) -> Result<AnalyticsFacts, FetchError> {
    let a = &config.analytics;
    let since = format_rfc3339(now - i64::from(a.window_days) * 86_400);
    let (states, events_unusable) = match s.db().await {
        Some(db) => fetch_db(db?, a, &since).await?,
        None => {
            let Some(rest) = &s.rest else {
                return Err(FetchError::Other("no Supabase access".into()));
            };
            fetch_rest(s, rest, config, &since).await
        }
    };
    Ok(AnalyticsFacts {
        tables: a
            .metrics
            .iter()
            .zip(states)
            .map(|(m, state)| facts(config, m, state))
            .collect(),
        window_days: a.window_days,
        zero_percent: a.zero_percent,
        events_unusable,
        pendo: None,
    })
}

/// The shared answer of (c), once per run.
struct PendoShared(Option<Result<PendoCounts, String>>);

/// The facts with (c) added: Pendo's views per guide against the stored zeros, asked
/// once per run (every triage and the watch share it).
async fn with_pendo(live: &Live, s: &Supabase, facts: &AnalyticsFacts) -> AnalyticsFacts {
    let shared = live
        .shared(|| async { PendoShared(pendo_counts(live, s, facts).await) })
        .await;
    let mut f = facts.clone();
    f.pendo = (*shared).0.clone();
    f
}

/// The guides table and its column counted from events, when read.
fn guides_column(facts: &AnalyticsFacts) -> Option<(&MetricFacts, &str)> {
    facts.tables.iter().find_map(|t| {
        let MetricState::Read { columns, .. } = &t.state else {
            return None;
        };
        let column = columns.iter().find(|c| c.from_events)?;
        (t.setting.entity_type == "guide").then_some((t, column.name.as_str()))
    })
}

/// Pendo's views per guide over the window, asked once per run.
struct PendoViews(Option<Result<std::collections::BTreeMap<String, u64>, String>>);

/// Pendo's views per guide, when there is a Pendo key and a guides table with a column
/// counted from events is configured. It needs no Supabase answer, so it goes out with
/// the first wave (see [`check`]) rather than after the table was read.
async fn pendo_views(live: &Live) -> crate::live::Shared<PendoViews> {
    live.shared(|| async {
        let a = &live.config.analytics;
        let counted = a
            .metrics
            .iter()
            .any(|m| m.entity_type == "guide" && !m.from_events.is_empty());
        PendoViews(match (&live.pendo, counted) {
            (Some(p), true) => {
                Some(crate::live::pendo::aggregation::guide_views(p, a.window_days).await)
            }
            _ => None,
        })
    })
    .await
}

async fn pendo_counts(
    live: &Live,
    s: &Supabase,
    facts: &AnalyticsFacts,
) -> Option<Result<PendoCounts, String>> {
    let (t, column) = guides_column(facts)?;
    let days = facts.window_days;
    let views = match &(*pendo_views(live).await).0 {
        Some(Ok(v)) => v.clone(),
        Some(Err(e)) => return Some(Err(e.clone())),
        None => return None,
    };
    let ids: Vec<String> = views.into_keys().collect();
    let counts = PendoCounts {
        table: t.table.clone(),
        column: column.to_string(),
        active: 0,
        zero_active: 0,
        sample: None,
        days,
    };
    if ids.is_empty() {
        return Some(Ok(counts));
    }
    let id = &t.setting.id_column;
    let counted = match s.db().await {
        Some(db) => match db {
            Ok(db) => pendo_db(db, &t.table, id, column, &ids).await,
            Err(e) => Err(e.to_string()),
        },
        None => match &s.rest {
            Some(rest) => pendo_rest(rest, &t.table, id, column, &ids).await,
            None => Err("no Supabase access".into()),
        },
    };
    Some(counted.map(|(active, zero_active)| PendoCounts {
        active,
        zero_active,
        sample: (ids.len() > PENDO_IDS_REST && s.db_url.is_none()).then_some(PENDO_IDS_REST as u64),
        ..counts
    }))
}

/// (rows Pendo counts, of them stored with zero), over the database: one query.
async fn pendo_db(
    db: &Db,
    table: &str,
    id: &str,
    column: &str,
    ids: &[String],
) -> Result<(u64, u64), String> {
    let sql = format!(
        "select json_build_object('active', count(*), 'zero', count(*) filter (where coalesce({c}, 0) = 0))::text from {t} where {i}::text = any($1::text[])",
        c = sql::quote_ident(column),
        t = sql::quote_ident(table),
        i = sql::quote_ident(id),
    );
    let v = db
        .json(&sql, &[Arg::Texts(ids)])
        .await
        .map_err(|e| e.to_string())?;
    Ok((
        v["active"].as_u64().unwrap_or(0),
        v["zero"].as_u64().unwrap_or(0),
    ))
}

/// The same over REST: two counts, of at most [`PENDO_IDS_REST`] of Pendo's guides.
async fn pendo_rest(
    rest: &Rest,
    table: &str,
    id: &str,
    column: &str,
    ids: &[String],
) -> Result<(u64, u64), String> {
    let (table, schema) = super::tables::rest_path(table);
    let quoted: Vec<String> = ids
        .iter()
        .take(PENDO_IDS_REST)
        .map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    let base = format!(
        "/{table}?select={i}&{i}=in.({list})&limit=1",
        i = encode(id),
        list = encode(&quoted.join(","))
    );
    let zero = format!("{base}&{}=eq.0", encode(column));
    let schema = schema.as_deref();
    let (active, zero) = tokio::join!(count(rest, &base, schema), count(rest, &zero, schema));
    Ok((
        active.map_err(|e| e.to_string())?.0,
        zero.map_err(|e| e.to_string())?.0,
    ))
}

/// A table's columns, from [`sql::ANALYTICS_COLUMNS`]' answer (`None`: no such table).
fn columns_in(present: &Value, table: &str) -> Option<Vec<String>> {
    present["columns"].get(table)?.as_array().map(|cols| {
        cols.iter()
            .filter_map(|c| c.as_str().map(str::to_string))
            .collect()
    })
}

/// Why the events table cannot be read, from its columns (`None`: no such table).
fn unusable_events(e: &EventsTable, columns: Option<Vec<String>>) -> Option<String> {
    match columns {
        None => Some(format!("the events table {} is missing", e.table)),
        Some(cols) => [
            &e.entity_type_column,
            &e.entity_id_column,
            &e.created_column,
        ]
        .into_iter()
        .find(|c| !cols.contains(c))
        .map(|c| format!("the events table {} has no column {c}", e.table)),
    }
}

/// Per metric table, the state known before counting (missing, no id column: `Some`),
/// else the read that counts it and the entity type it counts events of.
struct Reads<'a> {
    states: Vec<Option<MetricState>>,
    reads: Vec<sql::MetricRead<'a>>,
    kinds: Vec<&'a str>,
}

fn plan_reads<'a>(metrics: &'a [MetricTable], present: &Value) -> Reads<'a> {
    let mut r = Reads {
        states: Vec::new(),
        reads: Vec::new(),
        kinds: Vec::new(),
    };
    for m in metrics {
        let Some(cols) = columns_in(present, &m.table) else {
            r.states.push(Some(MetricState::Missing));
            continue;
        };
        if !cols.contains(&m.id_column) {
            r.states.push(Some(MetricState::Failed(format!(
                "no column {}: set analytics.metrics' id_column",
                m.id_column
            ))));
            continue;
        }
        r.reads.push(sql::MetricRead {
            table: &m.table,
            id_column: &m.id_column,
            columns: m
                .columns
                .iter()
                .filter(|c| cols.contains(c))
                .map(String::as_str)
                .collect(),
        });
        r.kinds.push(m.entity_type.as_str());
        r.states.push(None);
    }
    r
}

/// Over the database: which tables and columns exist, then every count. Each metric
/// table's state, in order, and why the events could not be read.
async fn fetch_db(
    db: &Db,
    a: &Analytics,
    since: &str,
) -> Result<(Vec<MetricState>, Option<String>), FetchError> {
    let mut names: Vec<&str> = a.metrics.iter().map(|m| m.table.as_str()).collect();
    names.push(&a.events.table);
    let names = serde_json::to_string(&names).unwrap_or_else(|_| "[]".into());
    let e = &a.events;
    let present = db
        .json(
            sql::ANALYTICS_COLUMNS,
            &[
                Arg::Text(Some(&names)),
                Arg::Text(Some(&e.table)),
                Arg::Text(Some(&e.entity_id_column)),
                Arg::Text(Some(&e.entity_type_column)),
            ],
        )
        .await?;
    let unusable = unusable_events(e, columns_in(&present, &e.table));
    let plan = plan_reads(&a.metrics, &present);
    let events = match (&unusable, present["indexed"] == Value::Bool(true)) {
        (Some(_), _) => sql::EventsRead::None,
        (None, true) => sql::EventsRead::Probe(e),
        (None, false) => sql::EventsRead::Scan(e),
    };
    let mut params: Vec<Arg> = vec![Arg::Text(Some(since))];
    params.extend(plan.kinds.iter().map(|k| Arg::Text(Some(*k))));
    let counts = db
        .json(&sql::analytics_counts(events, &plan.reads), &params)
        .await?;
    let counts = counts.as_array().cloned().unwrap_or_default();
    let mut read_index = 0;
    let mut states = Vec::new();
    for (m, state) in a.metrics.iter().zip(plan.states) {
        states.push(match state {
            Some(s) => s,
            None => {
                let i = read_index;
                read_index += 1;
                let row = counts.iter().find(|r| r["i"].as_u64() == Some(i as u64));
                let read = events != sql::EventsRead::None;
                state_of_counts(m, &plan.reads[i].columns, row, read)
            }
        });
    }
    Ok((states, unusable))
}

/// Over REST: each metric table's state, in order, and why the events could not be read.
async fn fetch_rest(
    s: &Supabase,
    rest: &Rest,
    config: &Config,
    since: &str,
) -> (Vec<MetricState>, Option<String>) {
    let a = &config.analytics;
    // The tables' columns from the OpenAPI root (asked once per run, beside
    // `supabase.api`); the rows from `supabase.tables`' counts, awaited beside the zero
    // counts rather than before them.
    let known_columns = match super::root(s).await {
        Some(Ok(answer)) if answer.is_success() => {
            crate::live::decode::openapi_columns(&answer.body)
        }
        _ => None,
    };
    let probes = a.metrics.iter().map(|m| {
        let (table, _) = super::tables::rest_path(&m.table);
        let columns: Option<Vec<String>> =
            known_columns.as_ref().and_then(|d| d.get(&table)).cloned();
        probe_rest(s, rest, config, m, since, columns)
    });
    let states = join_all(probes.collect()).await;
    let unread = states.iter().any(|state| {
        matches!(state, MetricState::Read { columns, .. }
            if columns.iter().any(|c| c.from_events && c.zero > 0 && c.zero_active.is_none()))
    });
    let unusable = unread.then(|| {
        format!(
            "{} could not be read over REST; the database URL (supabase-db-url) compares every zero row",
            a.events.table
        )
    });
    (states, unusable)
}

/// A metric table's exact row count as `supabase.tables` read it, once it is in.
async fn counted_rows(s: &Supabase, config: &Config, table: &str) -> Option<u64> {
    let facts = s.table_facts(config).await.as_ref().ok()?;
    facts
        .iter()
        .find(|t| t.table == table)
        .and_then(|t| match &t.state {
            super::tables::TableState::Present { count: Some(c), .. } if c.exact => Some(c.rows),
            _ => None,
        })
}

/// A count with `Prefer: count=exact`, read from `Content-Range`, and the body. A GET
/// rather than a HEAD: a HEAD's refusal has no body, so it could not tell a missing
/// column (42703) from another 400.
async fn count(rest: &Rest, path: &str, schema: Option<&str>) -> Result<(u64, Value), FetchError> {
    let a = rest.get_in(path, Some("count=exact"), schema).await?;
    if !a.is_success() {
        return Err(ApiError::of(&a).refused(a.status.to_string()));
    }
    let n = total(a.header("content-range"))
        .ok_or_else(|| FetchError::Other("no count in Content-Range".into()))?;
    let body = crate::live::decode::bounded(&a.body).unwrap_or(Value::Null);
    Ok((n, body))
}

/// PostgreSQL's code for a column that does not exist.
const NO_SUCH_COLUMN: &str = "42703";

/// A metric table's exact row count over REST: the one `supabase.tables` read, else a
/// HEAD; `Err` is the table's state when it cannot be counted.
async fn rows_of(
    rest: &Rest,
    m: &MetricTable,
    table: &str,
    schema: Option<&str>,
    known: Option<u64>,
) -> Result<u64, MetricState> {
    if let Some(rows) = known {
        return Ok(rows);
    }
    match rest
        .head_in(&format!("/{table}?select=*"), Some("count=exact"), schema)
        .await
    {
        Ok(h) if h.is_success() => Ok(total(h.header("content-range")).unwrap_or(0)),
        Ok(h) if h.status == 404 => Err(MetricState::Missing),
        Ok(h) => Err(MetricState::Failed(
            ApiError::of(&h)
                .refused(format!("{} answers {}", m.table, h.status))
                .to_string(),
        )),
        Err(e) => Err(MetricState::Failed(e.to_string())),
    }
}

/// One metric table over REST. When the OpenAPI root lists the table's columns, its rows
/// and its columns' zeros are asked at once (and a `from_events` column's zero rows come
/// with its count); else the rows first, since a missing table answers every count 404.
async fn probe_rest(
    s: &Supabase,
    rest: &Rest,
    config: &Config,
    m: &MetricTable,
    since: &str,
    known_columns: Option<Vec<String>>,
) -> MetricState {
    let a = &config.analytics;
    let (table, schema) = super::tables::rest_path(&m.table);
    let schema = schema.as_deref();
    let (wanted, mut absent): (Vec<&String>, Vec<String>) = match &known_columns {
        Some(cols) => {
            let (here, gone): (Vec<&String>, Vec<&String>) =
                m.columns.iter().partition(|c| cols.contains(c));
            (here, gone.into_iter().cloned().collect())
        }
        None => (m.columns.iter().collect(), Vec::new()),
    };
    if wanted.is_empty() {
        let rows = counted_rows(s, config, &m.table).await.unwrap_or(0);
        return read(rows, None, Vec::new(), absent);
    }
    // The zero rows' ids come with the count when the root vouches for the id column.
    let ids_too = known_columns
        .as_ref()
        .is_some_and(|c| c.contains(&m.id_column));
    let rows = async {
        let known = counted_rows(s, config, &m.table).await;
        rows_of(rest, m, &table, schema, known).await
    };
    let zeros = || {
        let columns = wanted
            .iter()
            .map(|c| zeros_of(rest, a, m, c, since, ids_too));
        join_all(columns.collect())
    };
    let (rows, counted) = if known_columns.is_some() {
        tokio::join!(rows, zeros())
    } else {
        match rows.await {
            Ok(rows) => (Ok(rows), zeros().await),
            Err(state) => return state,
        }
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(state) => return state,
    };
    let mut columns = Vec::new();
    let mut sample = None;
    for (c, zero) in wanted.into_iter().zip(counted) {
        match zero {
            Ok((zero, looked)) => {
                let from_events = m.from_events.contains(c);
                let looked = looked.filter(|_| from_events && zero > 0 && rows > 0);
                if let Some((n, _)) = looked {
                    sample = Some(sample.unwrap_or(0).max(n));
                }
                columns.push(ColumnFacts {
                    name: c.clone(),
                    zero,
                    zero_active: looked.map(|(_, active)| active),
                    from_events,
                });
            }
            Err(e) if e.code() == Some(NO_SUCH_COLUMN) => absent.push(c.clone()),
            Err(e) => return MetricState::Failed(e.to_string()),
        }
    }
    read(rows, sample, columns, absent)
}

/// A column's zero rows: how many, and for a `from_events` column holding zeros, how many
/// of a sample of them had events in the window (looked at, active; `None` when that
/// could not be read). With `ids_too` the count brings the sample's ids along (one GET of
/// up to [`REST_SAMPLE`] ids, counted); else a GET of one row counts, and the ids are
/// asked after.
async fn zeros_of(
    rest: &Rest,
    a: &Analytics,
    m: &MetricTable,
    column: &str,
    since: &str,
    ids_too: bool,
) -> Result<(u64, Option<(u64, u64)>), FetchError> {
    let (table, schema) = super::tables::rest_path(&m.table);
    let schema = schema.as_deref();
    let from_events = m.from_events.iter().any(|c| c == column);
    let c = encode(column);
    let (zero, ids) = match ids_too {
        true if from_events => {
            let path = format!(
                "/{table}?select={}&{c}=eq.0&limit={REST_SAMPLE}",
                encode(&m.id_column)
            );
            let (zero, rows) = count(rest, &path, schema).await?;
            (zero, ids_of(&rows, &m.id_column))
        }
        _ => {
            let path = format!("/{table}?select={c}&{c}=eq.0&limit=1");
            let (zero, _) = count(rest, &path, schema).await?;
            if zero == 0 || !from_events {
                return Ok((zero, None));
            }
            (zero, zero_ids(rest, m, column).await)
        }
    };
    if zero == 0 {
        return Ok((zero, None));
    }
    let looked = match ids {
        Some(ids) if ids.is_empty() => Some((0, 0)),
        Some(ids) => active_among(rest, a, m, &ids, since)
            .await
            .map(|active| (ids.len() as u64, active)),
        None => None,
    };
    Ok((zero, looked))
}

/// The ids in a list of rows (strings, or numbers as text).
fn ids_of(rows: &Value, id: &str) -> Option<Vec<String>> {
    Some(
        rows.as_array()?
            .iter()
            .filter_map(|r| match &r[id] {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
    )
}

/// Up to [`REST_SAMPLE`] zero rows' ids of `column` (`None` when they cannot be read).
async fn zero_ids(rest: &Rest, m: &MetricTable, column: &str) -> Option<Vec<String>> {
    let (table, schema) = super::tables::rest_path(&m.table);
    let path = format!(
        "/{table}?select={}&{}=eq.0&limit={REST_SAMPLE}",
        encode(&m.id_column),
        encode(column)
    );
    let answer = rest
        .get_in(&path, None, schema.as_deref())
        .await
        .ok()
        .filter(|a| a.is_success())?;
    let rows = crate::live::decode::bounded(&answer.body).ok()?;
    ids_of(&rows, &m.id_column)
}

/// How many of `ids` have events since `since` (one GET; `None` when it cannot be read).
async fn active_among(
    rest: &Rest,
    a: &Analytics,
    m: &MetricTable,
    ids: &[String],
    since: &str,
) -> Option<u64> {
    let quoted: Vec<String> = ids
        .iter()
        .map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    let e = &a.events;
    let (events_table, events_schema) = super::tables::rest_path(&e.table);
    let path = format!(
        "/{events_table}?select={eid}&{et}=eq.{kind}&{eid}=in.({list})&{at}=gte.{since}&limit={REST_EVENTS_MAX}",
        eid = encode(&e.entity_id_column),
        et = encode(&e.entity_type_column),
        kind = encode(&m.entity_type),
        list = encode(&quoted.join(",")),
        at = encode(&e.created_column),
        since = encode(since),
    );
    let answer = rest
        .get_in(&path, None, events_schema.as_deref())
        .await
        .ok()
        .filter(|a| a.is_success())?;
    let events = crate::live::decode::bounded(&answer.body).ok()?;
    let active: BTreeSet<String> = ids_of(&events, &e.entity_id_column)?.into_iter().collect();
    Some(active.len() as u64)
}

fn state_of_counts(
    m: &MetricTable,
    present: &[&str],
    row: Option<&Value>,
    events: bool,
) -> MetricState {
    let Some(r) = row else {
        return MetricState::Failed("the database answered no counts".into());
    };
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    let columns = present
        .iter()
        .enumerate()
        .map(|(j, c)| ColumnFacts {
            name: c.to_string(),
            zero: n(&r["zero"][j]),
            zero_active: events.then(|| n(&r["zero_active"][j])),
            from_events: m.from_events.iter().any(|f| f == c),
        })
        .collect();
    MetricState::Read {
        rows: n(&r["rows"]),
        active: events.then(|| n(&r["active"])),
        sample: None,
        columns,
        absent: m
            .columns
            .iter()
            .filter(|c| !present.contains(&c.as_str()))
            .cloned()
            .collect(),
    }
}

/// A table read over REST (no count of active entities there).
fn read(
    rows: u64,
    sample: Option<u64>,
    columns: Vec<ColumnFacts>,
    absent: Vec<String>,
) -> MetricState {
    MetricState::Read {
        rows,
        active: None,
        sample,
        columns,
        absent,
    }
}

/// What one column shows.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Zeros {
    /// Most entities with events in the window hold zero: wiped.
    Wiped {
        zero_active: u64,
    },
    /// Some entities with events hold zero (new since the last computation, or a part).
    SomeActive {
        zero_active: u64,
    },
    /// Zero on (nearly) every row, with no evidence beyond the zeros: never seen non-zero
    /// (or not on enough rows to tell).
    NearlyAll,
    /// Zero on (nearly) every row, where an earlier measurement saw it non-zero on `was`
    /// rows: wiped.
    Forgotten {
        was: u64,
    },
    /// Zero on guides Pendo counts views for in the window: wiped (c).
    PendoActive {
        zero_active: u64,
    },
    Fine,
}

/// Reads one column. `active` is how many rows had events (over the database); over REST
/// only a `sample` of the zero rows was looked up, and "most" is then most of the sample.
/// `was`: on how many rows an earlier measurement saw it non-zero.
fn read_column(
    c: &ColumnFacts,
    rows: u64,
    active: Option<u64>,
    sample: Option<u64>,
    zero_percent: u32,
    was: Option<u64>,
) -> Zeros {
    let nearly_all = rows > 0 && c.zero * 100 >= u64::from(zero_percent) * rows;
    let evidence = if c.from_events { c.zero_active } else { None };
    let most = |za: u64| match (active, sample) {
        (Some(act), _) => za * 2 > act,
        (None, Some(n)) => za * 2 > n,
        (None, None) => false,
    };
    match evidence {
        Some(za) if za >= MIN_WIPED && (nearly_all || most(za)) => Zeros::Wiped { zero_active: za },
        Some(za) if za > 0 => Zeros::SomeActive { zero_active: za },
        _ if nearly_all => match was {
            Some(was) if was >= MIN_WIPED && rows.saturating_sub(c.zero) * 2 < was => {
                Zeros::Forgotten { was }
            }
            _ => Zeros::NearlyAll,
        },
        _ => Zeros::Fine,
    }
}

fn are(column: &str, zero: u64, rows: u64, noun: &str) -> String {
    if zero == rows {
        format!("{column} are 0 on all {rows} {noun}")
    } else {
        format!("{column} are 0 on {zero} of {rows} {noun}")
    }
}

/// What every metric table showed, sorted by what it means for the finding.
#[derive(Debug, Default)]
struct Survey {
    /// Columns wiped to zero, and whether one is the issue's data type's.
    wiped: Vec<String>,
    wiped_central: bool,
    /// Columns zero on (nearly) every row, never seen non-zero: notes.
    never: Vec<String>,
    /// Columns where some entities with events hold zero.
    lagging: Vec<String>,
    evidence: Vec<String>,
    /// Tables that could not be read: `table: why`.
    failed: Vec<String>,
    /// Some table had a metric column to read.
    read_any: bool,
}

impl Survey {
    fn of(f: &AnalyticsFacts, focus: Option<DataType>, memory: &MetricMemory) -> Survey {
        let window = format!(
            "in the last {} day{}",
            f.window_days,
            if f.window_days == 1 { "" } else { "s" }
        );
        let mut s = Survey::default();
        for t in &f.tables {
            match &t.state {
                MetricState::Read { .. } => {
                    let central = focus.is_none() || t.data_type.is_none() || t.data_type == focus;
                    let pendo = match &f.pendo {
                        Some(Ok(p)) if p.table == t.table => Some(p),
                        _ => None,
                    };
                    s.read_table(t, central, &window, f.zero_percent, (memory, pendo));
                }
                MetricState::Missing => s
                    .evidence
                    .push(format!("{} is missing (see supabase.tables)", t.table)),
                MetricState::Failed(why) => s.failed.push(format!("{}: {why}", t.table)),
            }
        }
        if let Some(why) = &f.events_unusable {
            s.evidence.push(format!("events not compared: {why}"));
        }
        if let Some(Err(why)) = &f.pendo {
            s.evidence
                .push(format!("Pendo's views per guide not compared: {why}"));
        }
        s
    }

    /// One table that was read: its figures as evidence, and each column's zeros.
    fn read_table(
        &mut self,
        t: &MetricFacts,
        central: bool,
        window: &str,
        zero_percent: u32,
        (memory, pendo): (&MetricMemory, Option<&PendoCounts>),
    ) {
        let MetricState::Read {
            rows,
            active,
            sample,
            columns,
            absent,
        } = &t.state
        else {
            return;
        };
        let (rows, active, sample) = (*rows, *active, *sample);
        if !absent.is_empty() {
            let absent = absent.join(", ");
            self.evidence
                .push(format!("{} has no column {absent}", t.table));
        }
        if columns.is_empty() {
            return;
        }
        self.read_any = true;
        if rows == 0 {
            let line = format!("{} has no rows: nothing to compare", t.table);
            self.evidence.push(line);
            return;
        }
        let zeros: Vec<String> = columns
            .iter()
            .map(|c| format!("{} 0 on {}", c.name, c.zero))
            .collect();
        let act = active.map_or(String::new(), |a| format!(", {a} with events {window}"));
        self.evidence.push(format!(
            "{}: {rows} {}{act}; {}",
            t.table,
            t.noun,
            zeros.join(", ")
        ));
        let of_them = |za: u64| match sample {
            Some(n) => format!("{za} of a sample of {n} of them have events {window}"),
            None => format!("{za} of them have events {window}"),
        };
        let noun = &t.noun;
        for c in columns {
            let was = memory.non_zero(&t.table, &c.name);
            let mut zeros = read_column(c, rows, active, sample, zero_percent, was);
            if let Some(p) = pendo.filter(|p| p.column == c.name) {
                self.evidence.push(p.line(c.zero, noun));
                let nearly_all = c.zero * 100 >= u64::from(zero_percent) * rows;
                let told = matches!(zeros, Zeros::Wiped { .. } | Zeros::Forgotten { .. });
                if !told && p.wiped(nearly_all) {
                    zeros = Zeros::PendoActive {
                        zero_active: p.zero_active,
                    };
                }
            }
            match zeros {
                Zeros::Wiped { zero_active } => {
                    self.wiped_central |= central;
                    let are = are(&c.name, c.zero, rows, noun);
                    self.wiped.push(format!("{are}; {}", of_them(zero_active)));
                }
                Zeros::SomeActive { zero_active } => self.lagging.push(format!(
                    "{zero_active} {noun} with events {window} hold {} = 0 (new since the last computation, or a partial wipe)",
                    c.name
                )),
                Zeros::Forgotten { was } => {
                    self.wiped_central |= central;
                    let are = are(&c.name, c.zero, rows, noun);
                    self.wiped.push(format!(
                        "{are}; an earlier measurement saw it non-zero on {was} of them"
                    ));
                }
                Zeros::PendoActive { zero_active } => {
                    self.wiped_central |= central;
                    let are = are(&c.name, c.zero, rows, noun);
                    self.wiped.push(format!(
                        "{are}; Pendo counts {} on {zero_active} of them ({window})",
                        c.name
                    ));
                }
                // Short enough for the report's evidence cell to keep the line whole.
                Zeros::NearlyAll => self.never.push(format!(
                    "note: {}, never seen non-zero; if unused, set in analytics.metrics: {}",
                    are(&c.name, c.zero, rows, noun),
                    setting_without(&t.setting, &c.name)
                )),
                Zeros::Fine => {}
            }
        }
    }

    fn finding(&self) -> Finding {
        if !self.wiped.is_empty() {
            let impact = if self.wiped_central {
                Impact::Critical
            } else {
                Impact::Degraded
            };
            Finding::new(ID, Status::Fail, format!("Analytics wiped: {}", self.wiped.join("; ")))
                .with_impact(impact)
                .with_next_step("A sync run wrote 0 over the metrics (its upsert carried the metric columns): recompute them from the events table, and keep the metric columns out of the sync's upsert.")
        } else if !self.lagging.is_empty() {
            Finding::new(ID, Status::Warn, capitalize(&self.lagging.join("; ")))
        } else if !self.read_any && !self.failed.is_empty() {
            Finding::new(
                ID,
                Status::Error,
                format!("No metric table could be read: {}", self.failed.join("; ")),
            )
        } else if !self.read_any {
            Finding::skip(
                ID,
                "no configured metric column exists (set analytics.metrics to the tables' metric columns)",
            )
        } else if !self.never.is_empty() {
            Finding::pass(
                ID,
                format!(
                    "No metric column is wiped to zero ({} never seen non-zero: a note below)",
                    self.never.len()
                ),
            )
        } else {
            Finding::pass(ID, "No metric column is wiped to zero")
        }
    }
}

/// The finding. `focus` is the issue's data type: a wipe of another type's table is a
/// degradation for this issue, not critical. `memory`: the columns the bot saw non-zero
/// before (empty: a first sight).
pub fn judge(f: &AnalyticsFacts, focus: Option<DataType>, memory: &MetricMemory) -> Finding {
    let s = Survey::of(f, focus, memory);
    let mut finding = s.finding();
    let lagging = if s.wiped.is_empty() {
        &[][..]
    } else {
        &s.lagging[..]
    };
    for line in s.never.iter().chain(lagging) {
        finding = finding.with_evidence(line.clone());
    }
    for line in s.evidence.into_iter().chain(s.failed) {
        finding = finding.with_evidence(line);
    }
    finding
}

/// The `analytics.metrics` line of `m` without `column`, as YAML flow.
fn setting_without(m: &MetricTable, column: &str) -> String {
    let keep = |cols: &[String]| {
        let kept: Vec<&str> = cols
            .iter()
            .filter(|c| *c != column)
            .map(String::as_str)
            .collect();
        format!("[{}]", kept.join(", "))
    };
    let mut line = format!(
        "{{ table: {}, entity_type: {}, columns: {}",
        m.table,
        m.entity_type,
        keep(&m.columns)
    );
    if !m.from_events.is_empty() {
        line.push_str(&format!(", from_events: {}", keep(&m.from_events)));
    }
    if m.id_column != "id" {
        line.push_str(&format!(", id_column: {}", m.id_column));
    }
    line + " }"
}

/// The memory after these facts: each column seen non-zero now is remembered with its
/// count, except one that reads as wiped (its earlier count stays, so the wipe is still
/// told on the next run); a column zero now keeps what was remembered.
pub fn remember(f: &AnalyticsFacts, before: &MetricMemory) -> MetricMemory {
    let mut memory = before.clone();
    for t in &f.tables {
        let MetricState::Read { rows, columns, .. } = &t.state else {
            continue;
        };
        for c in columns {
            let was = before.non_zero(&t.table, &c.name);
            let forgotten = matches!(
                read_column(c, *rows, None, None, f.zero_percent, was),
                Zeros::Forgotten { .. }
            );
            if !forgotten {
                memory.saw(&t.table, &c.name, rows.saturating_sub(c.zero));
            }
        }
    }
    memory
}

/// `supabase.analytics` in `findings` judged again with `memory` (what the issue's report,
/// or the watch's state, remembers), once the run's facts are in; and the memory to keep.
/// `None`, and the findings untouched, when the metric columns were not read in this run
/// (no access, an error, a skip). No I/O of its own: the facts, and Pendo's counts, are
/// the run's shared ones.
pub async fn recall(
    live: &Live,
    focus: Option<DataType>,
    findings: &mut [Finding],
    memory: &MetricMemory,
) -> Option<MetricMemory> {
    let s = live.supabase.as_ref()?;
    let facts = s.analytics_now()?.as_ref().ok()?;
    let f = findings
        .iter_mut()
        .find(|f| f.id == ID && !matches!(f.status, Status::Error | Status::Skip))?;
    // (c) was asked for by the check: shared, no request here.
    let facts = &with_pendo(live, s, facts).await;
    let mut judged = judge(facts, focus, memory);
    if let Some(line) = s.db_evidence(ID, judged.status) {
        judged = judged.with_evidence(line);
    }
    judged.duration_ms = f.duration_ms;
    *f = judged;
    Some(remember(facts, memory))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `supabase.analytics` for this issue.
pub async fn check(live: &Live, inputs: &LiveInputs) -> Finding {
    let Some(s) = &live.supabase else {
        return Finding::skip(ID, "no Supabase access");
    };
    if live.config.analytics.metrics.is_empty() {
        return Finding::skip(
            ID,
            "no metric table configured (analytics.metrics is empty)",
        );
    }
    // Pendo's views per guide need no Supabase answer: asked alongside.
    let (facts, _) = tokio::join!(s.analytics(&live.config, live.now), pendo_views(live));
    match facts {
        Ok(facts) => {
            let facts = with_pendo(live, s, facts).await;
            judge(&facts, inputs.data_type, &MetricMemory::default())
        }
        Err(e) => crate::live::fetch_error(ID, "reading the metric columns", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The judgement of a first sight: nothing remembered.
    fn first(f: &AnalyticsFacts, focus: Option<DataType>) -> Finding {
        judge(f, focus, &MetricMemory::default())
    }

    fn guides_setting() -> MetricTable {
        MetricTable {
            table: "pendo_guides".into(),
            entity_type: "guide".into(),
            columns: vec!["views".into(), "completions".into()],
            from_events: vec!["views".into()],
            id_column: "id".into(),
        }
    }

    fn col(name: &str, zero: u64, zero_active: Option<u64>, from_events: bool) -> ColumnFacts {
        ColumnFacts {
            name: name.into(),
            zero,
            zero_active,
            from_events,
        }
    }

    fn guides(rows: u64, active: Option<u64>, columns: Vec<ColumnFacts>) -> MetricFacts {
        MetricFacts {
            table: "pendo_guides".into(),
            noun: "guides".into(),
            data_type: Some(DataType::Guides),
            setting: guides_setting(),
            state: MetricState::Read {
                rows,
                active,
                sample: None,
                columns,
                absent: Vec::new(),
            },
        }
    }

    fn facts(tables: Vec<MetricFacts>) -> AnalyticsFacts {
        AnalyticsFacts {
            tables,
            window_days: 7,
            zero_percent: 95,
            events_unusable: None,
            pendo: None,
        }
    }

    #[test]
    fn table() {
        // (status, impact, summary start) for: rows, active, views (zero, zero_active),
        // completions (zero, zero_active).
        type Zeros = (u64, Option<u64>);
        type Case<'a> = (
            &'a str,
            u64,
            Option<u64>,
            Zeros,
            Zeros,
            Status,
            Impact,
            &'a str,
        );
        let cases: &[Case] = &[
            // The recorded incident: views wiped, 91 active guides at zero.
            (
                "incident",
                118,
                Some(92),
                (117, Some(91)),
                (118, Some(92)),
                Status::Fail,
                Impact::Critical,
                "Analytics wiped: views are 0 on 117 of 118 guides; 91 of them have events in the last 7 days",
            ),
            // Healthy reference: completions never filled, views counted: a note.
            (
                "healthy",
                118,
                Some(92),
                (9, Some(0)),
                (118, Some(92)),
                Status::Pass,
                Impact::None,
                "No metric column is wiped to zero (1 never seen non-zero: a note below)",
            ),
            // A guide that got events since the last computation: a note, not a wipe.
            (
                "lag",
                118,
                Some(92),
                (10, Some(1)),
                (0, Some(0)),
                Status::Warn,
                Impact::None,
                "1 guides with events in the last 7 days hold views = 0",
            ),
            // Zeros on every row, no entity active, never seen non-zero: a note.
            (
                "quiet",
                118,
                Some(0),
                (118, Some(0)),
                (0, Some(0)),
                Status::Pass,
                Impact::None,
                "No metric column is wiped to zero (1 never seen non-zero",
            ),
            // Without events (none known): zeros alone are a note.
            (
                "no events",
                118,
                None,
                (118, None),
                (0, None),
                Status::Pass,
                Impact::None,
                "No metric column is wiped to zero (1 never seen non-zero",
            ),
            // A partial wipe: most active guides at zero, not nearly every row.
            (
                "partial",
                118,
                Some(40),
                (50, Some(30)),
                (0, Some(0)),
                Status::Fail,
                Impact::Critical,
                "Analytics wiped: views are 0 on 50 of 118 guides; 30 of them have events",
            ),
            (
                "fine",
                118,
                Some(92),
                (3, Some(0)),
                (0, Some(0)),
                Status::Pass,
                Impact::None,
                "No metric column is wiped",
            ),
        ];
        for (name, rows, active, views, completions, status, impact, start) in cases {
            let f = first(
                &facts(vec![guides(
                    *rows,
                    *active,
                    vec![
                        col("views", views.0, views.1, true),
                        col("completions", completions.0, completions.1, false),
                    ],
                )]),
                Some(DataType::Guides),
            );
            assert_eq!(
                (f.status, f.impact),
                (*status, *impact),
                "{name}: {}",
                f.summary
            );
            assert!(f.summary.starts_with(start), "{name}: {}", f.summary);
        }
    }

    #[test]
    fn another_types_wipe_is_a_degradation_for_this_issue() {
        let f = facts(vec![guides(
            118,
            Some(92),
            vec![col("views", 117, Some(91), true)],
        )]);
        let other = first(&f, Some(DataType::Features));
        assert_eq!(
            (other.status, other.impact),
            (Status::Fail, Impact::Degraded)
        );
        assert_eq!(first(&f, None).impact, Impact::Critical);
        assert!(first(&f, None).next_steps[0].contains("recompute"));
    }

    #[test]
    fn empty_missing_and_absent_tables_are_said_not_judged() {
        let empty = first(
            &facts(vec![guides(
                0,
                Some(0),
                vec![col("views", 0, Some(0), true)],
            )]),
            None,
        );
        assert_eq!(empty.status, Status::Pass);
        assert!(
            empty
                .evidence
                .iter()
                .any(|e| e.contains("pendo_guides has no rows")),
            "{:?}",
            empty.evidence
        );
        let missing = first(
            &facts(vec![MetricFacts {
                table: "pendo_guides".into(),
                noun: "guides".into(),
                data_type: Some(DataType::Guides),
                setting: guides_setting(),
                state: MetricState::Missing,
            }]),
            None,
        );
        assert_eq!(missing.status, Status::Skip);
        let mut no_cols = guides(10, None, Vec::new());
        if let MetricState::Read { absent, .. } = &mut no_cols.state {
            absent.push("views".into());
        }
        let f = first(&facts(vec![no_cols]), None);
        assert_eq!(f.status, Status::Skip);
        assert!(
            f.evidence[0].contains("has no column views"),
            "{:?}",
            f.evidence
        );
        let broken = first(
            &facts(vec![MetricFacts {
                state: MetricState::Failed("403 permission denied".into()),
                ..guides(0, None, vec![])
            }]),
            None,
        );
        assert_eq!(broken.status, Status::Error);
    }

    #[test]
    fn the_watch_counts_a_concluded_wipe_as_broken_and_never_filled_as_healthy() {
        use crate::watch_issue::Health;
        let health = |f: &AnalyticsFacts| Health {
            rows: [DataType::Guides, DataType::Features, DataType::Events]
                .into_iter()
                .map(|dt| (dt, vec![first(f, Some(dt))]))
                .collect(),
        };
        let wiped = facts(vec![guides(
            118,
            Some(92),
            vec![col("views", 117, Some(91), true)],
        )]);
        let h = health(&wiped);
        assert_eq!(h.healthy(), Some(false));
        assert_eq!(h.failing_types(), vec![DataType::Guides]);
        assert_eq!(h.worst().unwrap().1.id, ID);
        let never = facts(vec![guides(
            118,
            Some(92),
            vec![col("completions", 118, Some(92), false)],
        )]);
        assert_eq!(health(&never).healthy(), Some(true));
    }

    #[test]
    fn a_rest_sample_is_named_as_such() {
        let mut t = guides(118, None, vec![col("views", 117, Some(90), true)]);
        if let MetricState::Read { sample, .. } = &mut t.state {
            *sample = Some(100);
        }
        let f = first(&facts(vec![t]), Some(DataType::Guides));
        assert_eq!(f.status, Status::Fail);
        assert!(
            f.summary
                .ends_with("90 of a sample of 100 of them have events in the last 7 days"),
            "{}",
            f.summary
        );
        // Two new guides not yet computed among 28 zero rows: not a wipe.
        let mut lag = guides(118, None, vec![col("views", 28, Some(2), true)]);
        if let MetricState::Read { sample, .. } = &mut lag.state {
            *sample = Some(28);
        }
        let f = first(&facts(vec![lag]), Some(DataType::Guides));
        assert_eq!(
            (f.status, f.impact),
            (Status::Warn, Impact::None),
            "{}",
            f.summary
        );
        // Most of the sampled zero rows active: a partial wipe.
        let mut part = guides(118, None, vec![col("views", 40, Some(38), true)]);
        if let MetricState::Read { sample, .. } = &mut part.state {
            *sample = Some(40);
        }
        assert_eq!(first(&facts(vec![part]), None).status, Status::Fail);
    }

    #[test]
    fn a_column_never_seen_non_zero_is_a_note_with_the_line_that_drops_it() {
        let f = facts(vec![guides(
            118,
            Some(92),
            vec![
                col("views", 9, Some(0), true),
                col("completions", 118, Some(92), false),
            ],
        )]);
        let judged = first(&f, Some(DataType::Guides));
        assert_eq!((judged.status, judged.impact), (Status::Pass, Impact::None));
        assert_eq!(
            judged.evidence[0],
            "note: completions are 0 on all 118 guides, never seen non-zero; if unused, set in analytics.metrics: { table: pendo_guides, entity_type: guide, columns: [views], from_events: [views] }"
        );
        // The line parses as the config's own entry.
        let line = judged.evidence[0]
            .rsplit("analytics.metrics: ")
            .next()
            .unwrap();
        let parsed: MetricTable = serde_saphyr::from_str(line).unwrap();
        assert_eq!(parsed.columns, vec!["views".to_string()]);
        // The memory keeps views (non-zero on 109), not completions.
        let m = remember(&f, &MetricMemory::default());
        assert_eq!(m.columns(), vec![("pendo_guides", "views")]);
        assert_eq!(m.non_zero("pendo_guides", "views"), Some(109));
    }

    #[test]
    fn a_column_seen_non_zero_before_and_zero_now_is_a_wipe_and_stays_one() {
        let mut before = MetricMemory::default();
        before.saw("pendo_guides", "completions", 40);
        // No events evidence at all (not counted from events): the memory is enough.
        let now = facts(vec![guides(
            118,
            None,
            vec![col("completions", 118, None, false)],
        )]);
        let f = judge(&now, Some(DataType::Guides), &before);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert_eq!(
            f.summary,
            "Analytics wiped: completions are 0 on all 118 guides; an earlier measurement saw it non-zero on 40 of them"
        );
        assert_eq!(
            judge(&now, Some(DataType::Features), &before).impact,
            Impact::Degraded
        );
        // The memory keeps the earlier count while the column reads as wiped.
        let kept = remember(&now, &before);
        assert_eq!(kept.non_zero("pendo_guides", "completions"), Some(40));
        assert_eq!(judge(&now, None, &kept).status, Status::Fail);
        // Half of the earlier rows still non-zero (118 - 112 = 6 of 12): not a wipe.
        let mut few = MetricMemory::default();
        few.saw("pendo_guides", "completions", 12);
        let most = facts(vec![guides(
            118,
            None,
            vec![col("completions", 112, None, false)],
        )]);
        assert_eq!(judge(&most, None, &few).status, Status::Pass);
        // One row seen non-zero once is not enough to call its loss a wipe.
        let mut one = MetricMemory::default();
        one.saw("pendo_guides", "completions", 1);
        assert_eq!(judge(&now, None, &one).status, Status::Pass);
        // Another table's memory says nothing about this one.
        let mut other = MetricMemory::default();
        other.saw("pendo_features", "completions", 40);
        assert_eq!(judge(&now, None, &other).status, Status::Pass);
        // Refilled: the memory follows the new count.
        let refilled = facts(vec![guides(
            118,
            None,
            vec![col("completions", 18, None, false)],
        )]);
        assert_eq!(judge(&refilled, None, &kept).status, Status::Pass);
        assert_eq!(
            remember(&refilled, &kept).non_zero("pendo_guides", "completions"),
            Some(100)
        );
    }
}
