//! `supabase.sync-log`: what the sync itself logged in `sync_status`, per entity.
//!
//! The latest status, the failure streak, the success rate over the last runs, the error
//! messages grouped into causes (read with `meaning`), runs logged `completed` with
//! nothing or far less than usual written (the "wiped to zero but logged completed"
//! incident), runs stuck in `running`, and runs missing: none logged for longer than the
//! schedule allows.

use super::Supabase;
use super::client::rest::{ApiError, encode};
use super::client::{schedule, sql};
use super::cron::STUCK_SECS;
use crate::anomaly::Usual;
use crate::clock::{format_utc, human_age, parse_rfc3339};
use crate::config::{Config, SyncLog, Thresholds};
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::issue::DataType;
use crate::live::decode;
use crate::live::http::FetchError;
use crate::live::{Live, LiveInputs, join_all};
use serde_json::Value;
use std::time::Duration;

const ID: CheckId = CheckId::SupabaseSyncLog;

/// One `sync_status` row, under canonical names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogRow {
    pub entity: String,
    pub status: String,
    pub started: Option<String>,
    pub ended: Option<String>,
    pub records: Option<i64>,
    pub error: Option<String>,
    pub created_at: Option<String>,
}

impl LogRow {
    fn from_json(v: &Value, names: [&str; 7]) -> LogRow {
        let text = |k: &str| match &v[k] {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        LogRow {
            entity: text(names[0]).unwrap_or_default(),
            status: text(names[1]).unwrap_or_default(),
            started: text(names[2]),
            ended: text(names[3]),
            records: v[names[4]].as_i64(),
            error: text(names[5]).map(|e| crate::live::supabase::client::sql::capped(&e)),
            created_at: text(names[6]),
        }
    }

    fn at(&self) -> Option<i64> {
        self.created_at
            .as_deref()
            .or(self.started.as_deref())
            .and_then(parse_rfc3339)
    }
}

/// Each run logged as completed: its entity, and when it ended (or was logged).
pub fn completed_at(rows: &[LogRow], log: &SyncLog) -> Vec<(String, i64)> {
    rows.iter()
        .filter(|r| r.status.eq_ignore_ascii_case(&log.success_value))
        .filter_map(|r| {
            let at = r
                .ended
                .as_deref()
                .and_then(parse_rfc3339)
                .or_else(|| r.at())?;
            Some((r.entity.clone(), at))
        })
        .collect()
}

fn columns(s: &SyncLog) -> [&str; 7] {
    [
        &s.entity_type_column,
        &s.status_column,
        &s.started_column,
        &s.ended_column,
        &s.records_column,
        &s.error_column,
        &s.created_column,
    ]
}

const CANONICAL: [&str; 7] = [
    "entity_type",
    "status",
    "started",
    "ended",
    "records",
    "error",
    "created_at",
];

/// How many of the newest rows logged under other entity values are read.
const OTHER_ROWS: u32 = 20;

/// The last `window_runs` rows per configured entity, and the newest [`OTHER_ROWS`] of
/// every other entity value: one REST request per entity and one for the others, or two
/// queries.
pub async fn fetch(s: &Supabase, config: &Config) -> Result<Vec<LogRow>, FetchError> {
    let entities: Vec<String> = config.tables.iter().map(|t| t.entity()).collect();
    if let Some(rest) = &s.rest {
        return fetch_rest(rest, &config.sync_log, &entities).await;
    }
    let Some(db) = s.db().await else {
        return Err(FetchError::Other("no Supabase access".into()));
    };
    let db = db?;
    let v = db
        .json(
            &sql::sync_log(config),
            &[super::client::db::Arg::Texts(&entities)],
        )
        .await?;
    let others = db
        .json(
            &sql::sync_log_others(config, OTHER_ROWS),
            &[super::client::db::Arg::Texts(&entities)],
        )
        .await?;
    let canonical = |v: &Value| -> Vec<LogRow> {
        v.as_array()
            .into_iter()
            .flatten()
            .map(|r| LogRow::from_json(r, CANONICAL))
            .collect()
    };
    let mut rows = at_most(
        canonical(&v).into_iter(),
        config.sync_log.window_runs as usize,
    );
    rows.extend(
        canonical(&others)
            .into_iter()
            .filter(|r| !entities.contains(&r.entity))
            .take(OTHER_ROWS as usize),
    );
    Ok(rows)
}

/// The REST paths: one per entity, then one for every other entity value (the cron
/// wrapper's `cron_job`).
fn rest_paths(log: &SyncLog, entities: &[String]) -> Vec<String> {
    let table = log.table.rsplit('.').next().unwrap_or(&log.table);
    let select = columns(log)
        .iter()
        .map(|c| encode(c))
        .collect::<Vec<_>>()
        .join(",");
    let mut paths: Vec<String> = entities
        .iter()
        .map(|e| {
            format!(
                "/{table}?select={select}&{}=eq.{}&order={}.desc&limit={}",
                encode(&log.entity_type_column),
                encode(e),
                encode(&log.created_column),
                log.window_runs
            )
        })
        .collect();
    let quoted: Vec<String> = entities
        .iter()
        .map(|e| format!("\"{}\"", e.replace('\\', "\\\\").replace('"', "\\\"")))
        .collect();
    paths.push(format!(
        "/{table}?select={select}&{}=not.in.({})&order={}.desc&limit={OTHER_ROWS}",
        encode(&log.entity_type_column),
        encode(&quoted.join(",")),
        encode(&log.created_column),
    ));
    paths
}

async fn fetch_rest(
    rest: &super::client::rest::Rest,
    log: &SyncLog,
    entities: &[String],
) -> Result<Vec<LogRow>, FetchError> {
    let paths = rest_paths(log, entities);
    let requests: Vec<_> = paths
        .iter()
        .map(|path| async move { rest.get(path, None).await })
        .collect();
    let mut rows = Vec::new();
    // What each answer may hold: its entity's rows, or (the last) other entities'.
    let expected = entities.iter().map(Some).chain(std::iter::once(None));
    for (answer, entity) in join_all(requests).await.into_iter().zip(expected) {
        let a = answer?;
        if !a.is_success() {
            let by = format!("{} answers {}", log.table, a.status);
            return Err(ApiError::of(&a).refused(by));
        }
        // No more rows than asked for, and only the entity asked for, whatever the
        // answer holds.
        let cap = if entity.is_some() {
            log.window_runs as usize
        } else {
            OTHER_ROWS as usize
        };
        let listed = decode::rows(&a.body, cap).map_err(|e| {
            FetchError::Other(format!(
                "{} answers {} that is not a readable JSON list ({e})",
                log.table, a.status
            ))
        })?;
        let cols = columns(log);
        rows.extend(
            listed
                .iter()
                .map(|r| LogRow::from_json(r, cols))
                .filter(|r| match entity {
                    Some(e) => r.entity == *e,
                    None => !entities.contains(&r.entity),
                }),
        );
    }
    Ok(rows)
}

/// At most `window` rows per entity, in the order given.
fn at_most(rows: impl Iterator<Item = LogRow>, window: usize) -> Vec<LogRow> {
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    rows.filter(|r| {
        let n = seen.entry(r.entity.clone()).or_default();
        *n += 1;
        *n <= window
    })
    .collect()
}

/// Something wrong in what an entity logged, in the order the summary names them.
#[derive(Debug, Clone, PartialEq)]
enum Trouble {
    /// No run at all in the log.
    NoneLogged,
    /// The newest `runs` runs failed; `cause` is the newest's, in one line.
    Failing { runs: usize, cause: Option<String> },
    /// Runs that logged a negative record count.
    Negative(usize),
    /// The newest run is dated ahead of now, at this time.
    Future(i64),
    /// The newest `runs` completed runs wrote 0 records, against the `usual` median.
    WroteZero { runs: usize, usual: i64 },
    /// The last completed run wrote `wrote` records, under a tenth of the `usual` median.
    FarBelow { wrote: i64, usual: i64 },
    /// A run has been `running` this many seconds.
    Stuck(i64),
    /// The newest run completed with a count far outside the entity's usual band
    /// ([`crate::anomaly`]): a degradation, never critical on its own.
    Unusual(Usual),
    /// Nothing logged since `since`, longer than the job's schedule allows;
    /// `past_freshness`: longer than the freshness threshold too.
    Quiet {
        since: i64,
        every: Duration,
        past_freshness: bool,
    },
    /// No schedule known, and nothing logged since `since`, over `hours` of freshness.
    Stopped { since: i64, hours: i64 },
    /// The sync died half-way through its runs (see [`HalfWay`]).
    HalfWay(HalfWay),
    /// Another entity value's failures in the window (`n`), its newest run among them
    /// (`latest`) or not.
    Others {
        n: usize,
        latest: bool,
        cause: Option<String>,
    },
}

impl Trouble {
    fn critical(&self) -> bool {
        match self {
            Trouble::NoneLogged
            | Trouble::WroteZero { .. }
            | Trouble::Stopped { .. }
            | Trouble::HalfWay(_) => true,
            Trouble::Failing { runs, .. } => *runs >= 2,
            Trouble::Quiet { past_freshness, .. } => *past_freshness,
            Trouble::Others { latest, .. } => *latest,
            Trouble::Negative(_)
            | Trouble::Future(_)
            | Trouble::FarBelow { .. }
            | Trouble::Stuck(_)
            | Trouble::Unusual(_) => false,
        }
    }

    /// Says nothing new is logged.
    fn nothing_new(&self) -> bool {
        matches!(
            self,
            Trouble::NoneLogged
                | Trouble::Quiet { .. }
                | Trouble::Stopped { .. }
                | Trouble::HalfWay(_)
        )
    }

    fn phrase(&self, log: &SyncLog, now: i64) -> String {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        let cause = |c: &Option<String>| c.as_ref().map_or(String::new(), |c| format!(" — {c}"));
        let ago = |at: i64| human_age((now - at) as f64);
        match self {
            Trouble::NoneLogged => format!("no run logged in {}", log.table),
            Trouble::Failing { runs, cause: c } => {
                format!("the last {runs} run{} failed{}", s(*runs), cause(c))
            }
            Trouble::Negative(n) => format!(
                "{n} run{} logged a negative record count (a counting bug in the sync)",
                s(*n)
            ),
            Trouble::Future(at) => format!(
                "the newest run is dated {}, ahead of now (a clock or data bug)",
                format_utc(*at)
            ),
            Trouble::WroteZero { runs, usual } => format!(
                "{runs} run{} logged {} with 0 records (usually ~{usual})",
                s(*runs),
                log.success_value
            ),
            Trouble::FarBelow { wrote, usual } => format!(
                "the last completed run wrote {wrote} records, far below the usual ~{usual}"
            ),
            Trouble::Unusual(u) => u.describe(),
            Trouble::Stuck(age) => {
                format!(
                    "a run started {} ago is still running",
                    human_age(*age as f64)
                )
            }
            Trouble::Quiet { since, every, .. } => format!(
                "no run logged since {} ({} ago; the job runs {})",
                format_utc(*since),
                ago(*since),
                schedule::describe(*every)
            ),
            Trouble::Stopped { since, hours } => format!(
                "no run logged since {} ({} ago, over the {hours} h freshness threshold)",
                format_utc(*since),
                ago(*since),
            ),
            Trouble::HalfWay(h) => h.phrase(),
            Trouble::Others {
                n,
                latest,
                cause: c,
            } => format!(
                "{n} failed {} in the window{}{}",
                if *n == 1 { "run" } else { "runs" },
                if *latest { ", the latest too" } else { "" },
                cause(c)
            ),
        }
    }
}

/// A trouble and whose it is (an entity value, shown as is or redacted).
#[derive(Debug, Clone, PartialEq)]
struct Line {
    who: String,
    trouble: Trouble,
}

impl Line {
    fn phrase(&self, log: &SyncLog, now: i64) -> String {
        if self.who.is_empty() {
            return self.trouble.phrase(log, now);
        }
        format!("{}: {}", self.who, self.trouble.phrase(log, now))
    }
}

/// What one entity's runs show.
#[derive(Debug, Default)]
struct EntityView {
    troubles: Vec<Trouble>,
    /// False when every completed run logs the same start and end (the reference
    /// function stamps both with one `new Date()`): no execution time is recorded.
    times_recorded: bool,
    completed: usize,
    failed: usize,
    last_ok: Option<i64>,
    last_ok_duration: Option<i64>,
}

fn view(
    rows: &[&LogRow],
    log: &SyncLog,
    interval: Option<Duration>,
    freshness: i64,
    now: i64,
) -> EntityView {
    let mut v = EntityView::default();
    let ok = |r: &LogRow| r.status.eq_ignore_ascii_case(&log.success_value);
    let bad = |r: &LogRow| r.status.eq_ignore_ascii_case(&log.failure_value);
    let Some(latest) = rows.first() else {
        v.troubles.push(Trouble::NoneLogged);
        return v;
    };
    v.completed = rows.iter().filter(|r| ok(r)).count();
    v.failed = rows.iter().filter(|r| bad(r)).count();
    v.times_recorded = rows
        .iter()
        .filter(|r| ok(r))
        .any(|r| r.started.is_some() && r.started != r.ended);
    if let Some(r) = rows.iter().find(|r| ok(r)) {
        v.last_ok = r.at();
        v.last_ok_duration = match (r.started.as_deref(), r.ended.as_deref()) {
            (Some(s), Some(e)) => {
                Some(parse_rfc3339(e).unwrap_or(0) - parse_rfc3339(s).unwrap_or(0))
            }
            _ => None,
        };
    }
    // A streak of failures at the top.
    let streak = rows.iter().take_while(|r| bad(r)).count();
    if streak > 0 {
        v.troubles.push(Trouble::Failing {
            runs: streak,
            cause: latest.error.as_deref().and_then(cause_of),
        });
    }
    // Figures no run can have: a negative count, a run logged in the future.
    let negative = rows
        .iter()
        .filter(|r| r.records.is_some_and(|n| n < 0))
        .count();
    if negative > 0 {
        v.troubles.push(Trouble::Negative(negative));
    }
    if let Some(at) = latest.at().filter(|at| at - now > 5 * 60) {
        v.troubles.push(Trouble::Future(at));
    }
    let completed: Vec<&LogRow> = rows.iter().copied().filter(|r| ok(r)).collect();
    v.troubles.extend(written(&completed));
    // Stuck in `running`.
    if latest.status.eq_ignore_ascii_case("running")
        && let Some(at) = latest.started.as_deref().and_then(parse_rfc3339)
        && now - at > STUCK_SECS
    {
        v.troubles.push(Trouble::Stuck(now - at));
    }
    v.troubles.extend(missing(latest, interval, freshness, now));
    v
}

/// Runs logged completed that wrote nothing, or far less than usual, when they usually
/// write (`completed` newest first).
fn written(completed: &[&LogRow]) -> Option<Trouble> {
    let zeros = completed
        .iter()
        .take_while(|r| r.records == Some(0))
        .count();
    let mut usual: Vec<i64> = completed
        .iter()
        .skip(zeros)
        .filter_map(|r| r.records)
        .filter(|n| *n > 0)
        .collect();
    usual.sort_unstable();
    let usual = usual.get(usual.len() / 2).copied()?;
    if zeros > 0 {
        return Some(Trouble::WroteZero { runs: zeros, usual });
    }
    let wrote = completed.first().and_then(|r| r.records)?;
    (wrote > 0 && wrote * 10 < usual).then_some(Trouble::FarBelow { wrote, usual })
}

/// Runs missing: nothing logged since `latest` for longer than the schedule allows, or,
/// with no schedule known (the job deleted, or no pg_cron access), than the freshness
/// threshold: then the sync has stopped.
fn missing(
    latest: &LogRow,
    interval: Option<Duration>,
    freshness: i64,
    now: i64,
) -> Option<Trouble> {
    let since = latest.at()?;
    let quiet = now - since;
    match interval {
        Some(every) => {
            (quiet > schedule::grace(every).as_secs() as i64).then_some(Trouble::Quiet {
                since,
                every,
                past_freshness: quiet > freshness,
            })
        }
        None => (quiet > freshness).then_some(Trouble::Stopped {
            since,
            hours: freshness / 3600,
        }),
    }
}

/// What a logged error is, in one short line: its known meaning, else its first words
/// (redacted first).
fn cause_of(error: &str) -> Option<String> {
    let error = error.trim();
    if error.is_empty() {
        return None;
    }
    let redacted = crate::outside::plain(error);
    Some(match crate::meaning::of_text(&redacted) {
        Some(m) => m.title.to_string(),
        None => {
            let flat = redacted.split_whitespace().collect::<Vec<_>>().join(" ");
            match flat.char_indices().nth(100) {
                Some((at, _)) => format!("{}…", &flat[..at]),
                None => flat,
            }
        }
    })
}

/// Failed runs whose messages share one cause.
#[derive(Debug, Clone, PartialEq)]
struct Cause {
    /// The known meaning's title, else the messages' shape.
    title: String,
    count: usize,
    /// The first message (redacted).
    example: String,
    /// The known meaning's fix.
    fix: Option<&'static str>,
}

/// Error messages grouped into causes, most frequent first.
fn patterns(rows: &[LogRow], log: &SyncLog) -> Vec<Cause> {
    let mut out: Vec<Cause> = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.status.eq_ignore_ascii_case(&log.failure_value))
    {
        let Some(msg) = r.error.as_deref().filter(|m| !m.trim().is_empty()) else {
            continue;
        };
        // Redacted before anything reads it: the shape's `#`s would hide a secret's
        // digits from redaction afterwards.
        let msg = crate::outside::plain(msg);
        let known = crate::meaning::of_text(&msg);
        let title = match known {
            Some(m) => m.title.to_string(),
            None => shape(&msg),
        };
        match out.iter_mut().find(|c| c.title == title) {
            Some(c) => c.count += 1,
            None => out.push(Cause {
                title,
                count: 1,
                example: msg,
                fix: known.map(|m| m.fix),
            }),
        }
    }
    out.sort_by_key(|c| std::cmp::Reverse(c.count));
    out
}

/// A message's shape, to group messages that differ only in URLs and figures.
fn shape(msg: &str) -> String {
    let mut out = String::new();
    for word in msg.split_whitespace() {
        let w = if word.contains("://") {
            "…".to_string()
        } else {
            word.chars()
                .map(|c| if c.is_ascii_digit() { '#' } else { c })
                .collect()
        };
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&w);
        if out.chars().count() > 80 {
            out.push('…');
            break;
        }
    }
    out
}

/// How many causes the evidence names; the rest are counted.
const CAUSES_SHOWN: usize = 3;

/// Everything the log shows, across the configured entities and the others.
struct Survey<'a> {
    /// Each entity's troubles in order, then the other entity values'.
    lines: Vec<Line>,
    completed: usize,
    failed: usize,
    /// The issue's entity (else the first configured) and its view.
    focus: Option<(&'a str, EntityView)>,
    /// Error messages grouped into causes (see [`patterns`]).
    causes: Vec<Cause>,
}

impl<'a> Survey<'a> {
    fn of(
        rows: &[LogRow],
        entities: &'a [(DataType, String)],
        log: &SyncLog,
        interval: Option<Duration>,
        (focus, usual): (Option<DataType>, &[(String, Usual)]),
        (freshness, now): (i64, i64),
    ) -> Survey<'a> {
        let mut s = Survey {
            lines: Vec::new(),
            completed: 0,
            failed: 0,
            focus: None,
            causes: patterns(rows, log),
        };
        let mut views: Vec<(&str, Vec<&LogRow>, EntityView)> = Vec::new();
        let mut focused = None;
        for (dt, entity) in entities {
            let mine: Vec<&LogRow> = rows.iter().filter(|r| r.entity == *entity).collect();
            let mut v = view(&mine, log, interval, freshness, now);
            let theirs = usual.iter().find(|(e, _)| e == entity).map(|(_, u)| u);
            weigh_usual(&mut v.troubles, mine.first().copied(), theirs, log);
            s.completed += v.completed;
            s.failed += v.failed;
            if focus == Some(*dt) || (focus.is_none() && focused.is_none()) {
                focused = Some(views.len());
            }
            views.push((entity, mine, v));
        }
        s.lines.extend(lines_of(&views, log));
        s.focus = focused
            .and_then(|i| views.into_iter().nth(i))
            .map(|(e, _, v)| (e, v));
        s.lines
            .extend(other_entities(rows, entities, log, freshness, now));
        s
    }

    /// The phrases of the critical troubles, else of the degradations.
    fn phrases(&self, critical: bool, log: &SyncLog, now: i64) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| l.trouble.critical() == critical)
            .map(|l| l.phrase(log, now))
            .collect()
    }
}

/// The finding, from every entity's rows (newest first per entity).
pub fn judge(
    rows: &[LogRow],
    entities: &[(DataType, String)],
    log: &SyncLog,
    t: &Thresholds,
    interval: Option<Duration>,
    focus: Option<DataType>,
    now: i64,
) -> Finding {
    judge_against(rows, &[], entities, log, t, interval, (focus, now))
}

/// [`judge`], with each entity's usual count ([`crate::anomaly`]) judging its newest
/// completed run (see [`weigh_usual`]) and stated as evidence for the issue's entities.
pub fn judge_against(
    rows: &[LogRow],
    usual: &[(String, Usual)],
    entities: &[(DataType, String)],
    log: &SyncLog,
    t: &Thresholds,
    interval: Option<Duration>,
    (focus, now): (Option<DataType>, i64),
) -> Finding {
    let freshness = t.freshness_hours as i64 * 3600;
    let s = Survey::of(
        rows,
        entities,
        log,
        interval,
        (focus, usual),
        (freshness, now),
    );
    let critical = s.phrases(true, log, now);
    let mut degraded = s.phrases(false, log, now);
    let ended = s.completed + s.failed;
    let rate = (ended > 0).then(|| s.completed as f64 * 100.0 / ended as f64);
    if let Some(r) = rate
        && r < t.success_rate_percent
    {
        degraded.push(format!(
            "{r:.0}% of the last {ended} runs completed, under the {}% success rate",
            t.success_rate_percent
        ));
    }
    let mut f = if !critical.is_empty() {
        Finding::new(ID, Status::Fail, summarise(&critical)).with_impact(Impact::Critical)
    } else if !degraded.is_empty() {
        Finding::new(ID, Status::Warn, summarise(&degraded)).with_impact(Impact::Degraded)
    } else {
        Finding::pass(
            ID,
            format!(
                "Every entity's last run {}: {} entities, {ended} runs, {}",
                log.success_value,
                entities.len(),
                rate.map_or("none ended".into(), |r| format!("{r:.0}% completed"))
            ),
        )
    };
    for line in critical.into_iter().chain(degraded).skip(1) {
        f = f.with_evidence(line);
    }
    if let Some(cause) = logged_cause(&s.lines, log, now) {
        f = f.with_cause(cause);
    }
    f = with_causes(f, &s.causes);
    if s.failed > 0 {
        f = f.with_next_step(format!(
            "Read the failed runs' {} in {} and the Edge Function's logs; fix the first error, then rerun the sync.",
            log.error_column, log.table
        ));
    }
    if s.lines.iter().any(|l| l.trouble.nothing_new()) {
        f = f.with_next_step(
            "Nothing new is logged: check that the cron job still runs and calls the Edge Function (supabase.cron, supabase.http), then the function's invocation logs.",
        );
    }
    if s.lines
        .iter()
        .any(|l| matches!(l.trouble, Trouble::Unusual(_)))
    {
        f = f.with_next_step(
            "A run wrote far more or fewer records than usual: compare its count with Pendo's (supabase.completeness), then read that run's Edge Function logs for a partial read (a page or a 429 skipped mid-run).",
        );
    }
    if let Some((entity, v)) = &s.focus {
        f = with_focus(f, entity, v, log);
    }
    if let Some(r) = rate {
        let completed = s.completed;
        f = f.with_measured(
            "Success Rate",
            format!("{r:.0}% of the last {ended} runs ({completed} completed)"),
        );
    }
    if let Some(c) = s.causes.first() {
        let pattern = format!("{} ({}×)", c.title, c.count);
        f = f.with_measured("Error Pattern", pattern);
    }
    with_usual(f, usual, entities, focus)
}

/// The usual count's say on an entity's troubles. Once learned, the band judges the
/// newest completed run in place of the tenth-of-the-median rule
/// ([`Trouble::FarBelow`], which a seasonal sync would trip); a newest run (`newest`)
/// that completed outside it is [`Trouble::Unusual`], unless it wrote nothing (that is
/// [`Trouble::WroteZero`], critical). While learning, the old rule stands.
fn weigh_usual(
    troubles: &mut Vec<Trouble>,
    newest: Option<&LogRow>,
    usual: Option<&Usual>,
    log: &SyncLog,
) {
    let Some(u) = usual.filter(|u| u.band().is_some()) else {
        return;
    };
    troubles.retain(|t| !matches!(t, Trouble::FarBelow { .. }));
    let (Usual::Outside { latest, .. }, Some(newest)) = (u, newest) else {
        return;
    };
    let is_newest = newest.status.eq_ignore_ascii_case(&log.success_value)
        && newest.at() == Some(latest.at)
        && newest.records == Some(latest.records);
    let wrote_zero = troubles
        .iter()
        .any(|t| matches!(t, Trouble::WroteZero { .. }));
    if is_newest && !wrote_zero {
        troubles.push(Trouble::Unusual(u.clone()));
    }
}

/// One evidence line with the usual count of the issue's entities (every configured one
/// when it names no data type): `Usual records (4 weeks, per UTC hour): guides: 42
/// records, usually 36–48 at 06:00 UTC; features: learning (5 of 8 runs)`.
fn with_usual(
    f: Finding,
    usual: &[(String, Usual)],
    entities: &[(DataType, String)],
    focus: Option<DataType>,
) -> Finding {
    let lines: Vec<String> = entities
        .iter()
        .filter(|(dt, _)| focus.is_none_or(|f| f == *dt))
        .filter_map(|(_, e)| usual.iter().find(|(who, _)| who == e))
        .map(|(e, u)| u.phrase(e))
        .collect();
    if lines.is_empty() {
        return f;
    }
    f.with_evidence(format!(
        "Usual records ({} weeks, per UTC hour): {}",
        crate::anomaly::WINDOW_DAYS / 7,
        lines.join("; ")
    ))
}

/// The first [`CAUSES_SHOWN`] causes as evidence with their fixes, the rest counted.
fn with_causes(mut f: Finding, causes: &[Cause]) -> Finding {
    for c in causes.iter().take(CAUSES_SHOWN) {
        f = f.with_evidence(format!("{} × {}: {}", c.count, c.title, c.example));
        if let Some(fix) = c.fix {
            f = f.with_next_step(fix);
        }
    }
    if causes.len() > CAUSES_SHOWN {
        let more: usize = causes.iter().skip(CAUSES_SHOWN).map(|c| c.count).sum();
        f = f.with_evidence(format!(
            "{more} more failure(s) of {} other kind(s)",
            causes.len() - CAUSES_SHOWN
        ));
    }
    f
}

/// The issue's entity's last completed run and how long it took, as measured.
fn with_focus(f: Finding, entity: &str, v: &EntityView, log: &SyncLog) -> Finding {
    let ok = &log.success_value;
    let f = match v.last_ok {
        Some(at) => f.with_measured(
            "Sync Status",
            format!("last {ok} run {} ({entity})", format_utc(at)),
        ),
        None => f.with_measured("Sync Status", format!("no {ok} run logged ({entity})")),
    };
    if v.last_ok.is_some() && !v.times_recorded {
        f.with_measured(
            "Execution Time",
            format!("not recorded (start and end are equal on every {entity} run)"),
        )
    } else if let Some(d) = v.last_ok_duration {
        f.with_measured(
            "Execution Time",
            format!("{} (last {ok} {entity} run)", human_age(d as f64)),
        )
    } else {
        f
    }
}

/// Failures logged under entity values that are not a data table's: the cron wrapper's
/// own (`cron_job`: "function net.http_post(...) does not exist"), other functions'
/// (`*_analytics`). Within the freshness window; a value whose newest row failed is
/// failing now (critical), one that failed before and ran since is a degradation.
fn other_entities(
    rows: &[LogRow],
    entities: &[(DataType, String)],
    log: &SyncLog,
    window: i64,
    now: i64,
) -> Vec<Line> {
    let mut out = Vec::new();
    let mut names: Vec<&str> = Vec::new();
    for r in rows {
        if !entities.iter().any(|(_, e)| *e == r.entity) && !names.contains(&r.entity.as_str()) {
            names.push(&r.entity);
        }
    }
    for name in names {
        let mut mine: Vec<&LogRow> = rows
            .iter()
            .filter(|r| r.entity == name)
            .filter(|r| r.at().is_some_and(|at| now - at <= window))
            .collect();
        mine.sort_by_key(|r| std::cmp::Reverse(r.at()));
        let failed: Vec<&&LogRow> = mine
            .iter()
            .filter(|r| r.status.eq_ignore_ascii_case(&log.failure_value))
            .collect();
        let Some(newest_failed) = failed.first() else {
            continue;
        };
        let trouble = Trouble::Others {
            n: failed.len(),
            latest: mine.first().map(|r| r.status.as_str()) == Some(newest_failed.status.as_str()),
            cause: newest_failed.error.as_deref().and_then(cause_of),
        };
        // Outside text: redacted here, escaped where it is rendered.
        let who = crate::outside::emit(name, 60, crate::outside::Sink::Line);
        out.push(Line { who, trouble });
    }
    out
}

/// The cause the log gives of a failing streak, for another finding's headline: the first
/// critical failing line whose error the log names ("guides: the last 4 runs failed —
/// Pendo rate-limits the sync (429 Too Many Requests)").
fn logged_cause(lines: &[Line], log: &SyncLog, now: i64) -> Option<String> {
    lines
        .iter()
        .find(|l| {
            l.trouble.critical()
                && matches!(
                    &l.trouble,
                    Trouble::Failing { cause: Some(_), .. }
                        | Trouble::Others { cause: Some(_), .. }
                )
        })
        .map(|l| l.phrase(log, now))
}

/// Each entity's troubles as lines; when the sync died half-way ([`half_way`]), one line
/// for it first, in place of the silent entities' "no run logged since".
fn lines_of(views: &[(&str, Vec<&LogRow>, EntityView)], log: &SyncLog) -> Vec<Line> {
    let stopped = half_way(views, log);
    let mut out: Vec<Line> = Vec::new();
    if let Some(h) = &stopped {
        out.push(Line {
            who: String::new(),
            trouble: Trouble::HalfWay(h.clone()),
        });
    }
    for (entity, _, v) in views {
        let silent = stopped
            .as_ref()
            .is_some_and(|h| h.silent.iter().any(|e| e == entity));
        out.extend(
            v.troubles
                .iter()
                .filter(|t| !(silent && matches!(t, Trouble::Quiet { .. })))
                .map(|t| Line {
                    who: entity.to_string(),
                    trouble: t.clone(),
                }),
        );
    }
    out
}

/// How many scheduled runs in a row must have stopped half-way before the log fails.
const HALF_WAY_RUNS: usize = 2;

/// A sync that dies half-way: in each of the last `runs` runs, some entities completed
/// (the last of them `after`) while the `silent` ones logged nothing since `since`. The
/// function was killed (WORKER_LIMIT, a wall-clock limit) after its first steps.
#[derive(Debug, Clone, PartialEq)]
struct HalfWay {
    after: String,
    runs: usize,
    silent: Vec<String>,
    since: i64,
}

impl HalfWay {
    /// "the sync stopped after features in the last 2 runs: pages, reports and events
    /// have no run since 2026-11-27 22:00 UTC"
    fn phrase(&self) -> String {
        let names: Vec<&str> = self.silent.iter().map(String::as_str).collect();
        let silent = match names.as_slice() {
            [one] => format!("{one} has"),
            [rest @ .., last] => format!("{} and {last} have", rest.join(", ")),
            [] => String::new(),
        };
        format!(
            "the sync stopped after {} in the last {} runs: {silent} no run since {}",
            self.after,
            self.runs,
            format_utc(self.since)
        )
    }
}

/// The half-way death, when the schedule is known: entities with nothing logged for
/// longer than it allows (silent), next to entities whose newest run completed on time
/// and that completed at least [`HALF_WAY_RUNS`] runs since the silent ones' last.
fn half_way(views: &[(&str, Vec<&LogRow>, EntityView)], log: &SyncLog) -> Option<HalfWay> {
    let quiet = |v: &EntityView| {
        v.troubles
            .iter()
            .any(|t| matches!(t, Trouble::Quiet { .. }))
    };
    let ok = |r: &LogRow| r.status.eq_ignore_ascii_case(&log.success_value);
    let silent: Vec<(&str, i64)> = views
        .iter()
        .filter(|(_, _, v)| quiet(v))
        .filter_map(|(e, rows, _)| Some((*e, rows.first()?.at()?)))
        .collect();
    let since = silent.iter().map(|s| s.1).max()?;
    let alive: Vec<(&str, usize, i64)> = views
        .iter()
        .filter(|(_, rows, v)| !quiet(v) && rows.first().is_some_and(|r| ok(r)))
        .filter_map(|(e, rows, _)| {
            let newest = rows.first()?.at()?;
            let runs = rows
                .iter()
                .filter(|r| ok(r) && r.at().is_some_and(|at| at > since))
                .count();
            Some((*e, runs, newest))
        })
        .collect();
    let runs = alive.iter().map(|a| a.1).min()?;
    let after = alive.iter().max_by_key(|a| a.2)?.0;
    (runs >= HALF_WAY_RUNS).then(|| HalfWay {
        after: after.to_string(),
        runs,
        silent: silent.iter().map(|s| s.0.to_string()).collect(),
        since,
    })
}

fn summarise(lines: &[String]) -> String {
    match lines {
        [one] => one.clone(),
        [first, rest @ ..] => format!("{first} (and {} more)", rest.len()),
        [] => String::new(),
    }
}

/// `supabase.sync-log` for this issue.
pub async fn check(live: &Live, inputs: &LiveInputs) -> Finding {
    let Some(s) = &live.supabase else {
        return Finding::skip(ID, "no Supabase access");
    };
    let entities: Vec<(DataType, String)> = live
        .config
        .tables
        .iter()
        .map(|t| (t.data_type, t.entity()))
        .collect();
    // The recent runs, the schedule and the usual counts need no answer of each other's:
    // they are asked at once.
    let (rows, interval, (usual, unread)) = tokio::join!(
        s.sync_log(&live.config),
        s.schedule_interval(&live.config, live.now),
        usual_counts(s, live, &entities)
    );
    let rows = match rows {
        Ok(r) => r,
        Err(e) => {
            let what = format!("reading {}", live.config.sync_log.table);
            let mut f = crate::live::fetch_error(ID, &what, e);
            let missing = crate::meaning::of_code(e.code().unwrap_or_default())
                .is_some_and(|m| m.known == crate::meaning::Known::TableMissing);
            if missing {
                f = Finding::new(
                    ID,
                    Status::Fail,
                    crate::outside::plain(format!("The sync log is missing: {e}")),
                )
                .with_impact(Impact::Critical)
                .with_next_step(crate::meaning::Known::TableMissing.meaning().fix);
            }
            return f;
        }
    };
    if rows.is_empty()
        && s.reads_db()
        && let Some(hidden) = super::rls::hiding(
            s.rls_hidden(&live.config).await,
            &live.config.sync_log.table,
        )
    {
        return Finding::new(ID, Status::Error, hidden.describe()).with_next_step(hidden.fix());
    }
    let mut f = judge_against(
        rows,
        &usual,
        &entities,
        &live.config.sync_log,
        &live.config.thresholds,
        interval,
        (inputs.data_type, live.now),
    );
    if let Some(why) = unread {
        f = f.with_evidence(why);
    }
    let mut charts = history(
        rows,
        &entities,
        &live.config.sync_log,
        live.config.thresholds.freshness_hours,
        inputs.data_type,
        live.now,
    );
    for h in &mut charts {
        h.usual = usual
            .iter()
            .find(|(e, _)| *e == h.entity)
            .map(|(_, u)| u.clone());
    }
    f.with_history(charts)
}

/// The anomaly settings from the configuration.
pub fn anomaly_settings(config: &crate::config::Config) -> crate::anomaly::Settings {
    crate::anomaly::Settings::new(
        config.watch.anomaly_sensitivity,
        config.watch.anomaly_min_runs,
    )
}

/// Each entity's usual count from its last four weeks of completed runs; when they
/// cannot be read, none and an evidence line saying why (the check still judges the
/// recent runs).
async fn usual_counts(
    s: &Supabase,
    live: &Live,
    entities: &[(DataType, String)],
) -> (Vec<(String, Usual)>, Option<String>) {
    let mut names: Vec<String> = Vec::new();
    for (_, e) in entities {
        if !names.contains(e) {
            names.push(e.clone());
        }
    }
    let read = live
        .shared(|| async {
            super::baseline::UsualRuns(
                super::baseline::fetch(s, &live.config.sync_log, &names, live.now).await,
            )
        })
        .await;
    match &(*read).0 {
        Ok(runs) => (
            super::baseline::judge(runs, &anomaly_settings(&live.config)),
            None,
        ),
        Err(e) => (
            Vec::new(),
            Some(crate::outside::plain(format!(
                "The usual record counts (4 weeks of runs) could not be read: {e}"
            ))),
        ),
    }
}

/// The runs of the entities the issue concerns (its data type's, else every configured
/// one), for the report's sparkline and chart.
pub fn history(
    rows: &[LogRow],
    entities: &[(DataType, String)],
    log: &SyncLog,
    freshness_hours: u64,
    focus: Option<DataType>,
    now: i64,
) -> Vec<crate::history::History> {
    use crate::history::{MAX_CHARTS, RunOutcome, from_rows};
    let mut out: Vec<crate::history::History> = Vec::new();
    for (_, entity) in entities
        .iter()
        .filter(|(dt, _)| focus.is_none_or(|f| f == *dt))
    {
        if out.len() >= MAX_CHARTS || out.iter().any(|h| h.entity == *entity) {
            continue;
        }
        let runs = rows.iter().filter(|r| r.entity == *entity).map(|r| {
            let outcome = if r.status.eq_ignore_ascii_case(&log.success_value) {
                RunOutcome::Completed
            } else if r.status.eq_ignore_ascii_case(&log.failure_value) {
                RunOutcome::Failed
            } else {
                RunOutcome::Other
            };
            (r.at(), r.records, outcome)
        });
        let h = from_rows(entity, runs, freshness_hours, now);
        if !h.runs.is_empty() {
            out.push(h);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::format_rfc3339;

    const NOW: i64 = 1_795_860_000; // 2026-11-28T10:00:00Z
    const SIX: Duration = Duration::from_secs(6 * 3600);

    fn row(
        entity: &str,
        hours_ago: i64,
        status: &str,
        records: i64,
        error: Option<&str>,
    ) -> LogRow {
        let at = NOW - hours_ago * 3600;
        LogRow {
            entity: entity.into(),
            status: status.into(),
            started: Some(format_rfc3339(at)),
            ended: Some(format_rfc3339(at + 40)),
            records: Some(records),
            error: error.map(str::to_string),
            created_at: Some(format_rfc3339(at)),
        }
    }

    fn judge_one(rows: &[LogRow]) -> Finding {
        judge(
            rows,
            &[(DataType::Guides, "guides".into())],
            &SyncLog::default(),
            &Thresholds::default(),
            Some(SIX),
            Some(DataType::Guides),
            NOW,
        )
    }

    /// Runs every 6 h at 10 h, 4 h ago, …; guides and features completed in every run,
    /// the others only up to `died` runs ago.
    fn half_dead(died: i64) -> Vec<LogRow> {
        let mut rows = Vec::new();
        for k in 0..6 {
            for (entity, after) in [
                ("guides", 0),
                ("features", 0),
                ("pages", 1),
                ("reports", 1),
                ("events", 1),
            ] {
                if after == 0 || k >= died {
                    rows.push(row(entity, 4 + 6 * k, "completed", 100, None));
                }
            }
        }
        // Newest first per entity, as fetched.
        rows.sort_by_key(|r| (r.entity.clone(), std::cmp::Reverse(r.at())));
        rows
    }

    fn five() -> Vec<(DataType, String)> {
        [
            (DataType::Guides, "guides"),
            (DataType::Features, "features"),
            (DataType::Pages, "pages"),
            (DataType::Reports, "reports"),
            (DataType::Events, "events"),
        ]
        .map(|(d, e)| (d, e.to_string()))
        .to_vec()
    }

    #[test]
    fn a_sync_that_dies_half_way_in_two_runs_fails_and_names_where_it_stopped() {
        let judge_five = |rows: &[LogRow]| {
            judge(
                rows,
                &five(),
                &SyncLog::default(),
                &Thresholds::default(),
                Some(SIX),
                Some(DataType::Pages),
                NOW,
            )
        };
        // 2 runs (4 h and 10 h ago) synced only guides and features: pages, reports and
        // events last ran 16 h ago, under the 24 h freshness threshold.
        let f = judge_five(&half_dead(2));
        assert_eq!(
            (f.status, f.impact),
            (Status::Fail, Impact::Critical),
            "{f:?}"
        );
        assert_eq!(
            f.summary,
            "the sync stopped after features in the last 2 runs: pages, reports and events have no run since 2026-11-27 18:00 UTC"
        );
        // The silent entities' own "no run logged since" is not repeated.
        assert!(
            !f.evidence.iter().any(|e| e.contains("no run logged since")),
            "{:?}",
            f.evidence
        );
        // One run is not yet a pattern: a warning, as before.
        let f = judge_five(&half_dead(1));
        assert_eq!(
            (f.status, f.impact),
            (Status::Warn, Impact::Degraded),
            "{f:?}"
        );
        assert!(
            f.summary.starts_with("pages: no run logged since"),
            "{}",
            f.summary
        );
        // Every entity silent: the job stopped, not half-way.
        let all_quiet: Vec<LogRow> = half_dead(0)
            .into_iter()
            .filter(|r| r.at().is_some_and(|at| NOW - at > 12 * 3600))
            .collect();
        let f = judge_five(&all_quiet);
        assert!(!f.summary.contains("stopped after"), "{}", f.summary);
    }

    #[test]
    fn error_patterns_are_grouped_after_redaction() {
        let rows: Vec<LogRow> = (0..3)
            .map(|k| {
                row(
                    "guides",
                    1 + 6 * k,
                    "failed",
                    0,
                    Some(&format!(
                        "could not connect: password=Hunter{k}SecretPw{k} key sb_secret_abc{k}def{k}ghi{k}jkl{k}mno"
                    )),
                )
            })
            .collect();
        let f = judge_one(&rows);
        let shown = format!("{f:?}");
        for leak in ["Hunter", "SecretPw", "def", "sb_secret_abc#", "ghi#"] {
            assert!(!shown.contains(leak), "{leak} in {shown}");
        }
        // The three messages differ only in their secrets: one cause, three times.
        let pattern = f
            .measured
            .iter()
            .find(|(k, _)| k == "Error Pattern")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        assert!(pattern.contains('3'), "{pattern}");
    }

    #[test]
    fn without_a_schedule_the_last_run_is_judged_against_freshness() {
        let rows: Vec<LogRow> = (0..4)
            .map(|k| row("guides", 50 + 6 * k, "completed", 1200, None))
            .collect();
        let f = judge(
            &rows,
            &[(DataType::Guides, "guides".into())],
            &SyncLog::default(),
            &Thresholds::default(),
            None,
            Some(DataType::Guides),
            NOW,
        );
        assert_eq!(
            (f.status, f.impact),
            (Status::Fail, Impact::Critical),
            "{f:?}"
        );
        assert!(
            f.summary.contains("guides: no run logged since 2026-11-26 08:00 UTC (2 d 2 h ago, over the 24 h freshness threshold)"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn a_failure_streak_names_its_cause_and_other_entity_values_are_read() {
        let mut rows: Vec<LogRow> = (0..3)
            .map(|k| {
                row(
                    "guides",
                    1 + 6 * k,
                    "failed",
                    0,
                    Some("ON CONFLICT DO UPDATE command cannot affect row a second time"),
                )
            })
            .collect();
        rows.push(row("guides", 19, "completed", 1200, None));
        let f = judge_one(&rows);
        assert!(
            f.summary.starts_with(
                "guides: the last 3 runs failed — The upsert batch holds the same id twice"
            ),
            "{}",
            f.summary
        );
        // The cron wrapper logs its own failures under `cron_job`.
        let mut rows: Vec<LogRow> = (0..4)
            .map(|k| row("guides", 1 + 6 * k, "completed", 1200, None))
            .collect();
        for k in 0..2 {
            rows.push(row(
                "cron_job",
                2 + 6 * k,
                "failed",
                0,
                Some("function net.http_post(url => text) does not exist"),
            ));
        }
        rows.push(row(
            "cron_job",
            40,
            "failed",
            0,
            Some("old failure out of the window"),
        ));
        let f = judge_one(&rows);
        assert_eq!(
            (f.status, f.impact),
            (Status::Fail, Impact::Critical),
            "{f:?}"
        );
        assert_eq!(
            f.summary,
            "cron_job: 2 failed runs in the window, the latest too — function net.http_post(url => text) does not exist"
        );
        // One that failed before and ran since: a degradation.
        rows.push(row("cron_job", 0, "completed", 0, None));
        let f = judge_one(&rows);
        assert_eq!(f.status, Status::Warn, "{f:?}");
    }

    #[test]
    fn equal_start_and_end_is_not_an_execution_time() {
        let rows: Vec<LogRow> = (0..3)
            .map(|k| {
                let mut r = row("guides", 1 + 6 * k, "completed", 1200, None);
                r.ended = r.started.clone();
                r
            })
            .collect();
        let f = judge_one(&rows);
        let time = f
            .measured
            .iter()
            .find(|(k, _)| k == "Execution Time")
            .map(|(_, v)| v.as_str());
        assert_eq!(
            time,
            Some("not recorded (start and end are equal on every guides run)")
        );
    }

    #[test]
    fn impossible_figures_are_flagged() {
        let mut rows: Vec<LogRow> = (0..4)
            .map(|k| row("guides", 1 + 6 * k, "completed", 1200, None))
            .collect();
        rows[1].records = Some(-5);
        let f = judge_one(&rows);
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(
            f.summary.contains("1 run logged a negative record count"),
            "{}",
            f.summary
        );
        let mut rows: Vec<LogRow> = (0..4)
            .map(|k| row("guides", 1 + 6 * k, "completed", 1200, None))
            .collect();
        rows[0] = row("guides", -24 * 365, "completed", 1200, None);
        let f = judge_one(&rows);
        assert!(
            f.summary.contains("ahead of now (a clock or data bug)"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn healthy() {
        let rows: Vec<LogRow> = (0..5)
            .map(|k| row("guides", 1 + 6 * k, "completed", 1200, None))
            .collect();
        let f = judge_one(&rows);
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert!(
            f.measured
                .iter()
                .any(|(k, v)| k == "Sync Status" && v.contains("2026-11-28 09:00 UTC")),
            "{:?}",
            f.measured
        );
        assert!(
            f.measured
                .iter()
                .any(|(k, v)| k == "Execution Time" && v.starts_with("40 s")),
            "{:?}",
            f.measured
        );
    }

    #[test]
    fn a_failing_streak_with_its_cause() {
        let upsert = "upsert pendo_guides failed: ON CONFLICT DO UPDATE command cannot affect row a second time";
        let rows = vec![
            row("guides", 1, "failed", 0, Some(upsert)),
            row("guides", 7, "failed", 0, Some(upsert)),
            row(
                "guides",
                13,
                "failed",
                0,
                Some("Pendo API 429 Too Many Requests"),
            ),
            row("guides", 19, "completed", 1200, None),
        ];
        let f = judge_one(&rows);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(
            f.summary.starts_with("guides: the last 3 runs failed"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.starts_with("2 × The upsert batch holds the same id twice")),
            "{:?}",
            f.evidence
        );
        assert!(
            f.next_steps.iter().any(|s| s.contains("Dedupe rows")),
            "{:?}",
            f.next_steps
        );
        assert!(
            f.measured
                .iter()
                .any(|(k, v)| k == "Success Rate" && v.starts_with("25%")),
            "{:?}",
            f.measured
        );
    }

    #[test]
    fn wiped_to_zero_but_logged_completed() {
        let mut rows: Vec<LogRow> = (0..3)
            .map(|k| row("guides", 1 + 6 * k, "completed", 0, None))
            .collect();
        rows.extend((3..8).map(|k| row("guides", 1 + 6 * k, "completed", 1200, None)));
        let f = judge_one(&rows);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert_eq!(
            f.summary,
            "guides: 3 runs logged completed with 0 records (usually ~1200)"
        );
    }

    #[test]
    fn runs_missing_and_nothing_logged() {
        let rows = vec![row("guides", 30, "completed", 1200, None)];
        let f = judge_one(&rows);
        assert_eq!(f.impact, Impact::Critical);
        assert!(
            f.summary
                .contains("no run logged since 2026-11-27 04:00 UTC"),
            "{}",
            f.summary
        );
        let f = judge_one(&[row("guides", 8, "completed", 1200, None)]);
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        let f = judge_one(&[]);
        assert_eq!(f.summary, "guides: no run logged in sync_status");
        let stuck = vec![
            row("guides", 3, "running", 0, None),
            row("guides", 9, "completed", 5, None),
        ];
        assert!(judge_one(&stuck).summary.contains("still running"));
    }

    /// `judge_against` for guides with its usual count learned from `rows` (as the
    /// check learns it from the 4-week read).
    fn judge_usual(rows: &[LogRow], min_runs: usize) -> Finding {
        let samples: Vec<crate::anomaly::Sample> = rows
            .iter()
            .filter(|r| r.status == "completed")
            .map(|r| crate::anomaly::Sample {
                at: r.at().unwrap(),
                records: r.records.unwrap(),
            })
            .collect();
        let settings = crate::anomaly::Settings::new(3.0, min_runs);
        let usual: Vec<(String, Usual)> = crate::anomaly::assess(&samples, &settings)
            .map(|u| ("guides".to_string(), u))
            .into_iter()
            .collect();
        judge_against(
            rows,
            &usual,
            &[(DataType::Guides, "guides".into())],
            &SyncLog::default(),
            &Thresholds::default(),
            Some(SIX),
            (Some(DataType::Guides), NOW),
        )
    }

    #[test]
    fn a_newest_run_outside_its_band_is_a_degradation_named_once() {
        let mut rows: Vec<LogRow> = (1..12)
            .map(|k| row("guides", 1 + 24 * k, "completed", 1_200 + k, None))
            .collect();
        rows.insert(0, row("guides", 1, "completed", 20, None));
        let f = judge_usual(&rows, 8);
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        assert_eq!(
            f.summary,
            "guides: 20 records, usually 1,026–1,386 at 09:00 UTC"
        );
        // The tenth-of-the-median rule would say it again: the band speaks alone.
        assert!(!format!("{f:?}").contains("far below"), "{f:?}");
        assert!(
            f.next_steps
                .iter()
                .any(|s| s.starts_with("A run wrote far more or fewer")),
            "{:?}",
            f.next_steps
        );
        // While learning, the old rule stands and the band is not guessed.
        let f = judge_usual(&rows, 20);
        assert!(
            f.summary.contains("far below the usual ~1206"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence.contains(
                &"Usual records (4 weeks, per UTC hour): guides: learning (12 of 20 runs)"
                    .to_string()
            ),
            "{:?}",
            f.evidence
        );
    }

    #[test]
    fn a_seasonal_sync_is_judged_against_its_own_hour() {
        // 60 at 09:00 and 1,200 at 03:00, 15:00 and 21:00 every day: 58 at 09:00 is
        // usual, though the tenth-of-the-median rule over the last runs calls it far below.
        let mut rows = Vec::new();
        for d in 0..10 {
            rows.push(row("guides", 25 + 24 * d, "completed", 60, None));
            for h in [7, 13, 19] {
                rows.push(row("guides", h + 24 * d, "completed", 1_200, None));
            }
        }
        rows.sort_by_key(|r| std::cmp::Reverse(r.at()));
        rows.insert(0, row("guides", 1, "completed", 58, None));
        let f = judge_usual(&rows, 8);
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert_eq!(
            f.evidence,
            vec![
                "Usual records (4 weeks, per UTC hour): guides: 58 records, usually 51–69 at 09:00 UTC"
            ]
        );
        let learning = judge_usual(&rows, 100);
        assert!(
            learning.summary.contains("far below the usual ~1200"),
            "{}",
            learning.summary
        );
    }

    #[test]
    fn a_run_that_wrote_nothing_or_failed_is_not_called_unusual() {
        let mut rows: Vec<LogRow> = (1..12)
            .map(|k| row("guides", 1 + 24 * k, "completed", 1_200, None))
            .collect();
        rows.insert(0, row("guides", 1, "completed", 0, None));
        let f = judge_usual(&rows, 8);
        // Wrote nothing: the critical finding, once.
        assert_eq!(f.impact, Impact::Critical);
        assert_eq!(
            f.summary,
            "guides: 1 run logged completed with 0 records (usually ~1200)"
        );
        assert!(
            f.evidence
                .iter()
                .all(|e| !e.starts_with("guides: 0 records"))
        );
        // An unusual completed run followed by a failure: the failure is the news.
        let mut rows: Vec<LogRow> = (2..12)
            .map(|k| row("guides", 1 + 24 * k, "completed", 1_200, None))
            .collect();
        rows.insert(0, row("guides", 25, "completed", 20, None));
        rows.insert(0, row("guides", 1, "failed", 0, Some("Pendo API 429")));
        let f = judge_usual(&rows, 8);
        assert!(
            f.summary.starts_with("guides: the last 1 run failed"),
            "{}",
            f.summary
        );
        assert!(!f.summary.contains("usually"), "{}", f.summary);
    }

    #[test]
    fn a_logged_message_never_chooses_the_nothing_logged_step() {
        // Another entity value failing now, with a message that reads like this check's
        // own phrase: still a failure, but nothing says the log went quiet.
        let rows = [
            row("guides", 1, "completed", 5, None),
            row(
                "cron_job",
                1,
                "failed",
                0,
                Some("no run logged since yesterday"),
            ),
        ];
        let f = judge_one(&rows);
        assert_eq!(f.status, Status::Fail, "{f:?}");
        assert!(
            !f.next_steps
                .iter()
                .any(|s| s.starts_with("Nothing new is logged")),
            "{:?}",
            f.next_steps
        );
        // An entity that went quiet does get it.
        let quiet = [row("guides", 30, "completed", 5, None)];
        assert!(
            judge_one(&quiet)
                .next_steps
                .iter()
                .any(|s| s.starts_with("Nothing new is logged"))
        );
    }
}
