//! `supabase.tables`: every configured table exists and holds rows; how many.
//!
//! Per table, over REST: the newest freshness value with the planner's estimate
//! (`order=<col>.desc.nullslast&limit=1`, `Prefer: count=planned`), then the count from a
//! HEAD with `Prefer: count=exact`, or `planned` again above [`EXACT_MAX`] rows, read from
//! `Content-Range`: two requests per table, whatever it holds. Over the database: two
//! queries for all tables. The same facts serve `supabase.freshness` and
//! `supabase.completeness`.

use super::Supabase;
use super::client::db::Arg;
use super::client::rest::{ApiError, encode, total};
use super::client::sql;
use super::thousands;
use crate::config::{Config, DataTable};
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::issue::DataType;
use crate::live::http::FetchError;
use crate::live::{Live, LiveInputs, join_all};
use serde_json::Value;

/// Above this estimate the count stays the planner's: an exact count would scan the table.
pub const EXACT_MAX: u64 = 1_000_000;
/// Counts that sit exactly here are usually cut by a row cap (Supabase's max rows, or a
/// `.limit(1000)` in the sync), not real.
pub const ROW_CAPS: &[u64] = &[1000];
const ID: CheckId = CheckId::SupabaseTables;

/// A row count, exact or the planner's estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Count {
    pub rows: u64,
    pub exact: bool,
}

impl Count {
    pub fn show(self) -> String {
        let n = thousands(self.rows);
        if self.exact { n } else { format!("~{n}") }
    }
}

/// What one table showed.
#[derive(Debug, Clone, PartialEq)]
pub enum TableState {
    Present {
        /// The newest freshness value (RFC 3339), `None` when every row has none or there
        /// are no rows.
        newest: Option<String>,
        count: Option<Count>,
    },
    /// The table is not there; PostgREST's hint may name a close match.
    Missing { code: String, hint: String },
    /// The table could not be read (`status code: message`).
    Failed(String),
}

/// One configured table and what it showed.
#[derive(Debug, Clone, PartialEq)]
pub struct TableFacts {
    pub data_type: DataType,
    pub table: String,
    pub column: String,
    pub state: TableState,
}

/// Reads every configured table.
pub async fn fetch(s: &Supabase, config: &Config) -> Result<Vec<TableFacts>, FetchError> {
    if let Some(rest) = &s.rest {
        let probes = config.tables.iter().map(|t| probe_rest(rest, t));
        return Ok(join_all(probes.collect()).await);
    }
    let Some(db) = s.db().await else {
        return Err(FetchError::Other("no Supabase access".into()));
    };
    let db = db?;
    let names: Vec<String> = config.tables.iter().map(|t| t.name.clone()).collect();
    let present = db
        .json(sql::tables_present(), &[Arg::Texts(&names)])
        .await?;
    let here: Vec<&DataTable> = config
        .tables
        .iter()
        .filter(|t| present[&t.name] == Value::Bool(true))
        .collect();
    let args: Vec<Arg> = here.iter().map(|t| Arg::Text(Some(&t.name))).collect();
    let facts = db.json(&sql::table_facts(&here, EXACT_MAX), &args).await?;
    let rows = facts.as_array().cloned().unwrap_or_default();
    Ok(config
        .tables
        .iter()
        .map(|t| {
            let row = rows
                .iter()
                .find(|r| r["table"] == Value::String(t.name.clone()));
            let state = match row {
                None => TableState::Missing {
                    code: "42P01".into(),
                    hint: String::new(),
                },
                Some(r) => {
                    let exact = r["exact"].as_u64();
                    let planned = r["planned"].as_i64().filter(|p| *p >= 0).map(|p| p as u64);
                    TableState::Present {
                        newest: r["newest"].as_str().map(str::to_string),
                        count: exact
                            .map(|rows| Count { rows, exact: true })
                            .or(planned.map(|rows| Count { rows, exact: false })),
                    }
                }
            };
            TableFacts {
                data_type: t.data_type,
                table: t.name.clone(),
                column: t.freshness_column.clone(),
                state,
            }
        })
        .collect())
}

/// PostgREST's path and schema header for `schema.table`.
pub(crate) fn rest_path(name: &str) -> (String, Option<String>) {
    match name.split_once('.') {
        Some((schema, table)) if schema != "public" => {
            (table.to_string(), Some(schema.to_string()))
        }
        Some((_, table)) => (table.to_string(), None),
        None => (name.to_string(), None),
    }
}

async fn probe_rest(rest: &super::client::rest::Rest, t: &DataTable) -> TableFacts {
    let (table, schema) = rest_path(&t.name);
    let col = &t.freshness_column;
    let facts = |state| TableFacts {
        data_type: t.data_type,
        table: t.name.clone(),
        column: col.clone(),
        state,
    };
    let newest = format!(
        "/{table}?select={c}&order={c}.desc.nullslast&limit=1",
        c = encode(col)
    );
    let a = match rest
        .get_in(&newest, Some("count=planned"), schema.as_deref())
        .await
    {
        Ok(a) => a,
        Err(e) => return facts(TableState::Failed(e.to_string())),
    };
    if !a.is_success() {
        let e = ApiError::of(&a);
        return facts(
            if a.status == 404 && matches!(e.code.as_str(), "PGRST205" | "42P01") {
                TableState::Missing {
                    code: e.code,
                    hint: e.hint,
                }
            } else {
                TableState::Failed(e.refused(a.status.to_string()).to_string())
            },
        );
    }
    let newest_value = crate::live::decode::bounded(&a.body)
        .ok()
        .and_then(|v| v.get(0)?.get(col)?.as_str().map(str::to_string));
    let planned = total(a.header("content-range"));
    let prefer = match planned {
        Some(p) if p > EXACT_MAX => "count=planned",
        _ => "count=exact",
    };
    let count = match rest
        .head_in(
            &format!("/{table}?select=*"),
            Some(prefer),
            schema.as_deref(),
        )
        .await
    {
        Ok(h) if h.is_success() => total(h.header("content-range")).map(|rows| Count {
            rows,
            exact: prefer == "count=exact",
        }),
        _ => planned.map(|rows| Count { rows, exact: false }),
    };
    facts(TableState::Present {
        newest: newest_value,
        count,
    })
}

/// What is wrong with one table.
#[derive(Debug, Clone, PartialEq)]
enum Problem<'a> {
    /// Not there; PostgREST's hint may name a close match.
    Missing { hint: &'a str },
    /// No rows; `public_key`: read with an anon/publishable key, so RLS may hide them.
    Empty { public_key: bool },
    /// Exactly a row cap's rows.
    Capped(u64),
}

impl Problem<'_> {
    fn phrase(&self, table: &str) -> String {
        match self {
            Problem::Missing { hint: "" } => format!("{table} is missing"),
            Problem::Missing { hint } => format!("{table} is missing ({hint})"),
            Problem::Empty { public_key: false } => format!("{table} has no rows"),
            Problem::Empty { public_key: true } => {
                format!("{table} has no rows (read with a public key: RLS may hide them)")
            }
            Problem::Capped(rows) => format!(
                "{table} holds exactly {} rows: a row cap (Supabase's max rows, or a .limit() in the sync) cuts it",
                thousands(*rows)
            ),
        }
    }
}

/// What every table showed, sorted for the finding.
#[derive(Default)]
struct Survey<'a> {
    /// Each problem, its table, and whether it is critical (else a degradation).
    problems: Vec<(&'a str, Problem<'a>, bool)>,
    /// Tables that could not be read: `table: why`.
    failed: Vec<String>,
    /// Row counts of the tables read: `table 412`.
    counts: Vec<String>,
}

impl<'a> Survey<'a> {
    fn of(facts: &'a [TableFacts], focus: Option<DataType>, public_key: bool) -> Survey<'a> {
        let mut s = Survey::default();
        for t in facts {
            let central = focus.is_none_or(|d| d == t.data_type);
            let table = t.table.as_str();
            match &t.state {
                TableState::Missing { hint, .. } => {
                    s.problems.push((table, Problem::Missing { hint }, true));
                }
                TableState::Failed(why) => s.failed.push(format!("{table}: {why}")),
                TableState::Present { count: Some(c), .. } if c.rows == 0 => {
                    let empty = Problem::Empty { public_key };
                    s.problems.push((table, empty, central && !public_key));
                    s.counts.push(format!("{table} 0"));
                }
                TableState::Present { count: Some(c), .. } => {
                    if c.exact && ROW_CAPS.contains(&c.rows) {
                        s.problems.push((table, Problem::Capped(c.rows), false));
                    }
                    s.counts.push(format!("{table} {}", c.show()));
                }
                TableState::Present { count: None, .. } => {
                    s.counts.push(format!("{table} (no count)"));
                }
            }
        }
        s
    }

    /// The phrases of the critical problems, else of the degradations.
    fn phrases(&self, critical: bool) -> Vec<String> {
        self.problems
            .iter()
            .filter(|p| p.2 == critical)
            .map(|(table, p, _)| p.phrase(table))
            .collect()
    }

    fn any(&self, is: impl Fn(&Problem) -> bool) -> bool {
        self.problems.iter().any(|p| is(&p.1))
    }
}

/// The finding, from every table's facts. `focus` is the issue's data type; `public_key`
/// says the rows were read with an anon/publishable key (RLS may hide them).
pub fn judge(
    facts: &[TableFacts],
    focus: Option<DataType>,
    public_key: bool,
    log_table: &str,
) -> Finding {
    let s = Survey::of(facts, focus, public_key);
    let (critical, degraded) = (s.phrases(true), s.phrases(false));
    let mut f = if !critical.is_empty() {
        Finding::new(ID, Status::Fail, critical.join("; ")).with_impact(Impact::Critical)
    } else if !degraded.is_empty() {
        Finding::new(ID, Status::Warn, degraded.join("; ")).with_impact(Impact::Degraded)
    } else if !s.failed.is_empty() && s.counts.is_empty() {
        let all = s.failed.join("; ");
        Finding::new(ID, Status::Error, format!("No table could be read: {all}"))
    } else {
        let all = s.counts.join(", ");
        Finding::pass(ID, format!("All {} tables are there: {all}", facts.len()))
    };
    if f.status != Status::Pass && !s.counts.is_empty() {
        f = f.with_evidence(format!("rows: {}", s.counts.join(", ")));
    }
    for why in &s.failed {
        f = f.with_evidence(why.clone());
    }
    f = with_fixes(f, &s, log_table);
    if let Some(t) = facts.iter().find(|t| Some(t.data_type) == focus)
        && let TableState::Present { count: Some(c), .. } = &t.state
    {
        f = f.with_measured("Rows in Supabase", format!("{} in {}", c.show(), t.table));
    }
    f
}

/// The next step of each kind of problem found.
fn with_fixes(mut f: Finding, s: &Survey, log_table: &str) -> Finding {
    if s.any(|p| matches!(p, Problem::Missing { .. })) {
        f = f.with_next_step(crate::meaning::Known::TableMissing.meaning().fix);
    }
    if s.any(|p| matches!(p, Problem::Empty { .. })) {
        f = f.with_next_step(format!("Check the latest sync runs in {log_table} for one that wrote nothing or deleted rows, then re-run the sync for that entity."));
    }
    if s.any(|p| matches!(p, Problem::Capped(_))) {
        f = f.with_next_step("Page the sync's reads and writes (range/offset in batches) instead of one request capped at 1,000 rows.");
    }
    f
}

/// [`judge`], with the tables whose 0 rows are RLS hiding rows that exist from the
/// database role: those could not be read, which is not "no rows".
fn judge_hidden(
    facts: &[TableFacts],
    focus: Option<DataType>,
    public_key: bool,
    hidden: &[super::rls::Hidden],
    log_table: &str,
) -> Finding {
    let mut fixes = Vec::new();
    let seen: Vec<TableFacts> = facts
        .iter()
        .map(|t| {
            let zero =
                matches!(&t.state, TableState::Present { count: Some(c), .. } if c.rows == 0);
            match super::rls::hiding(hidden, &t.table).filter(|_| zero) {
                Some(h) => {
                    if fixes.is_empty() {
                        fixes.push(h.fix());
                    }
                    TableFacts {
                        state: TableState::Failed(h.describe()),
                        ..t.clone()
                    }
                }
                None => t.clone(),
            }
        })
        .collect();
    let mut f = judge(&seen, focus, public_key, log_table);
    for fix in fixes {
        f = f.with_next_step(fix);
    }
    f
}

/// `supabase.tables` for this issue.
pub async fn check(live: &Live, inputs: &LiveInputs) -> Finding {
    let Some(s) = &live.supabase else {
        return Finding::skip(ID, "no Supabase access");
    };
    match s.table_facts(&live.config).await {
        Ok(facts) => {
            let empty = facts.iter().any(
                |t| matches!(&t.state, TableState::Present { count: Some(c), .. } if c.rows == 0),
            );
            let hidden = if empty && s.reads_db() {
                s.rls_hidden(&live.config).await
            } else {
                &[]
            };
            judge_hidden(
                facts,
                inputs.data_type,
                s.public_key(),
                hidden,
                &live.config.sync_log.table,
            )
        }
        // The runner adds the TLS mode (`Supabase::db_evidence`).
        Err(e) => crate::live::fetch_error(ID, "reading the tables", e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(data_type: DataType, state: TableState) -> TableFacts {
        TableFacts {
            data_type,
            table: format!("pendo_{}", data_type.as_str().to_ascii_lowercase()),
            column: "last_synced".into(),
            state,
        }
    }

    fn present(rows: u64) -> TableState {
        TableState::Present {
            newest: Some("2026-11-28T06:00:00+00:00".into()),
            count: Some(Count { rows, exact: true }),
        }
    }

    #[test]
    fn table() {
        let ok = [
            t(DataType::Guides, present(412)),
            t(
                DataType::Events,
                TableState::Present {
                    newest: None,
                    count: Some(Count {
                        rows: 1_200_000,
                        exact: false,
                    }),
                },
            ),
        ];
        let f = judge(&ok, Some(DataType::Guides), false, "sync_status");
        assert_eq!(f.status, Status::Pass);
        assert_eq!(
            f.summary,
            "All 2 tables are there: pendo_guides 412, pendo_events ~1,200,000"
        );
        assert_eq!(
            f.measured,
            vec![(
                "Rows in Supabase".to_string(),
                "412 in pendo_guides".to_string()
            )]
        );

        let missing = [t(
            DataType::Guides,
            TableState::Missing {
                code: "PGRST205".into(),
                hint: "Perhaps you meant the table 'public.pendo_guide'".into(),
            },
        )];
        let f = judge(&missing, Some(DataType::Guides), false, "sync_status");
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(
            f.summary.contains(
                "pendo_guides is missing (Perhaps you meant the table 'public.pendo_guide')"
            ),
            "{}",
            f.summary
        );
        assert!(f.next_steps[0].contains("reload schema"));

        // Empty: critical for the issue's own data, degraded for another's, not a verdict
        // with a public key.
        let empty = [
            t(DataType::Guides, present(0)),
            t(DataType::Pages, present(5)),
        ];
        assert_eq!(
            judge(&empty, Some(DataType::Guides), false, "sync_status").impact,
            Impact::Critical
        );
        assert_eq!(
            judge(&empty, Some(DataType::Pages), false, "sync_status").impact,
            Impact::Degraded
        );
        let f = judge(&empty, Some(DataType::Guides), true, "sync_status");
        assert!(f.summary.contains("RLS may hide them"), "{}", f.summary);

        let capped = [t(DataType::Guides, present(1000))];
        let f = judge(&capped, Some(DataType::Guides), false, "sync_status");
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        assert!(f.summary.contains("exactly 1,000 rows"));

        let broken = [t(
            DataType::Guides,
            TableState::Failed("401 : Invalid API key".into()),
        )];
        assert_eq!(
            judge(&broken, None, false, "sync_status").status,
            Status::Error
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(
            rest_path("analytics.events"),
            ("events".into(), Some("analytics".into()))
        );
        assert_eq!(
            rest_path("public.pendo_guides"),
            ("pendo_guides".into(), None)
        );
    }

    #[test]
    fn next_steps_follow_the_kinds_of_problem_not_the_words_of_a_hint() {
        // PostgREST's hint is outside text: words in it choose no next step.
        let facts = [t(
            DataType::Guides,
            TableState::Missing {
                code: "PGRST205".into(),
                hint: "has no rows, no row cap".into(),
            },
        )];
        let f = judge(&facts, Some(DataType::Guides), false, "sync_status");
        assert_eq!(f.status, Status::Fail);
        assert_eq!(
            f.next_steps,
            [crate::meaning::Known::TableMissing.meaning().fix]
        );
        // An empty table and a capped one: one step each, in that order.
        let facts = [
            t(DataType::Guides, present(0)),
            t(DataType::Pages, present(1000)),
        ];
        let f = judge(&facts, Some(DataType::Guides), false, "sync_status");
        assert_eq!(f.next_steps.len(), 2, "{:?}", f.next_steps);
        assert!(f.next_steps[0].starts_with("Check the latest sync runs"));
        assert!(f.next_steps[1].starts_with("Page the sync's reads"));
    }
}
