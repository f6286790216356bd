//! `supabase.functions`: the sync's Edge Functions as Supabase itself logs them.
//!
//! pg_net and `sync_status` see a function from the outside. The Management API shows
//! what a person finds in the dashboard: each function's deploy (`version`,
//! `updated_at`, `status`) and its logs, the invocations (`function_edge_logs`: status
//! code, execution time) and the console (`function_logs`: what the function printed).
//! This check names the cause from the function's own lines (`WORKER_LIMIT`, a wall-clock
//! timeout, a boot error, a swallowed `ON CONFLICT`), pairs each failing invocation with
//! the run's `sync_status` row and pg_net answer by time, and notices a deploy just
//! before the failures.
//!
//! Which functions: config `functions.slugs`, else the `/functions/v1/<slug>` the cron
//! job calls, else (when the job calls a SQL function, as the reference deployment's
//! `SELECT call_pendo_sync_edge_function();` does) the `/functions/v1/<slug>` in that
//! function's body, else the deployed functions whose slug mentions pendo; an evidence
//! line says which way they were chosen. Requests per run: 1
//! (the function list) + 1 (invocations) + 1 (console), shared by every triage and the
//! watch ([`super::client::management::MAX_REQUESTS`]). Log lines are untrusted text: redacted
//! (held values included), cut to [`LINE_CHARS`], at most [`QUOTED_LINES`] quoted; the
//! report and the watch issue escape them as they escape all evidence.

use super::client::health::HealthAnswer;
use super::client::management::{CallError, Deployed, Management, Refusal, unix_seconds};
use crate::clock::{format_utc, human_age, parse_rfc3339};
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::live::Live;
use crate::meaning::{self, Known, Meaning, Service};
use serde_json::Value;

mod judge;
#[cfg(test)]
mod tests;
pub use judge::{FunctionState, classify, judge};

const ID: CheckId = CheckId::SupabaseFunctions;
/// The most characters of one quoted log line.
pub const LINE_CHARS: usize = 300;
/// The most log lines quoted in one finding.
pub const QUOTED_LINES: usize = 3;
/// The free plan's wall-clock limit (paid plans: 400 s).
const WALL_CLOCK_FREE_SECS: f64 = 150.0;
/// A deploy at most this long before the first failing run, with no success between, is
/// named as the likely cause.
const DEPLOY_SUSPECT_SECS: i64 = 24 * 3600;
/// How far apart an invocation and a sync run (or pg_net answer) may start and still be
/// the same call.
const PAIR_SECS: i64 = 5 * 60;

/// Why the check looks at these functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlugSource {
    Config,
    CronJob,
    /// From the body of the SQL function the cron job calls ([`Asked::wrapper`]).
    SqlFunction,
    /// Guessed from the deployed functions' slugs.
    Deployed,
}

/// One invocation (`function_edge_logs`).
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// When it was logged (its end), Unix seconds.
    pub at: i64,
    pub function_id: String,
    pub status: Option<u16>,
    pub secs: Option<f64>,
    pub message: String,
}

impl Invocation {
    fn started(&self) -> i64 {
        self.at - self.secs.unwrap_or(0.0).round() as i64
    }

    fn failed(&self) -> bool {
        self.status.is_none_or(|s| s >= 400)
    }
}

/// One console line (`function_logs`), errors and warnings only.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsoleLine {
    pub at: i64,
    pub function_id: String,
    pub level: String,
    pub event_type: String,
    pub message: String,
}

/// One `sync_status` row in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct RunFact {
    pub entity: String,
    pub started: i64,
    pub failed: bool,
}

/// One pg_net answer in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct CallFact {
    pub at: i64,
    pub status: Option<i64>,
    pub timed_out: bool,
}

/// What the Management API answered, and what the other checks already knew.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub project_ref: String,
    pub host: String,
    pub slugs: Vec<String>,
    pub source: SlugSource,
    /// The SQL function the cron job calls (`select public.call_pendo_sync_edge_function()`),
    /// when the slugs come from its body.
    pub wrapper: Option<String>,
    /// The logs' window, Unix seconds.
    pub window: (i64, i64),
    pub deployed: Result<Vec<Deployed>, CallError>,
    /// `None`: not asked (no function to ask about).
    pub invocations: Option<Result<Vec<Invocation>, CallError>>,
    pub console: Option<Result<Vec<ConsoleLine>, CallError>>,
    pub runs: Vec<RunFact>,
    pub calls: Vec<CallFact>,
}

/// What the check fetched once per run.
#[derive(Debug, Clone, PartialEq)]
pub enum Fetched {
    /// Neither the Supabase URL nor the config names the project.
    NoProjectRef,
    Asked(Box<Asked>),
}

/// Runs the check.
pub async fn check(live: &Live) -> Finding {
    // The client and its answers are the run's: every triage of a sweep and the watch
    // share them, so the run sends at most three Management API requests.
    let client = live
        .shared(|| async { Management::new(&live.creds, &live.config, &live.http) })
        .await;
    let Some(m) = client.as_ref() else {
        return Finding::skip(
            ID,
            crate::finding::Needs::SupabaseManagement.missing(&live.creds),
        );
    };
    let fetched = live.shared(|| fetch(live, m)).await;
    let f = judge(&fetched);
    match &*fetched {
        Fetched::Asked(a) if !a.slugs.is_empty() && f.status != Status::Skip => {
            f.with_evidence(chosen(a))
        }
        _ => f,
    }
}

/// The evidence line that says why the check looked at these functions.
pub fn chosen(a: &Asked) -> String {
    let slugs = a.slugs.join(", ");
    match (a.source, &a.wrapper) {
        (SlugSource::Config, _) => format!("functions checked: {slugs} (functions.slugs)"),
        (SlugSource::CronJob, _) => {
            format!(
                "functions checked: {slugs} (the cron job's command calls /functions/v1/{slugs})"
            )
        }
        (SlugSource::SqlFunction, Some(w)) => format!(
            "functions checked: {slugs} (the cron job runs {w}, whose body calls /functions/v1/{slugs})"
        ),
        (SlugSource::SqlFunction, None) => {
            format!(
                "functions checked: {slugs} (from the body of the SQL function the cron job runs)"
            )
        }
        (SlugSource::Deployed, _) => format!(
            "functions checked: {slugs} (no cron job names one, so every deployed function whose slug mentions pendo; set functions.slugs to choose)"
        ),
    }
}

/// Asks the Management API (at most three requests) and gathers what the sync log and
/// pg_net already said.
pub async fn fetch(live: &Live, m: &Management) -> Fetched {
    let Some(project_ref) = m.project_ref.clone() else {
        return Fetched::NoProjectRef;
    };
    let (config, now) = (&live.config, live.now);
    let (mut runs, mut calls, mut called) = (Vec::new(), Vec::new(), Called::default());
    // What pg_cron, pg_net and the sync log say, and the deployed functions: one wave.
    let supabase = async {
        let s = live.supabase.as_ref()?;
        Some(tokio::join!(s.health(config, now), s.sync_log(config)))
    };
    let (supabase, deployed) = tokio::join!(supabase, m.functions(&project_ref));
    if let Some((health, log)) = supabase {
        if let Ok(HealthAnswer::Found(h)) = health {
            let jobs = h.jobs.as_ref().map_or(&[][..], |j| &j.matching[..]);
            called = Called::of(jobs);
            calls = h.responses.iter().flatten().filter_map(call_fact).collect();
        }
        if let Ok(rows) = log {
            runs = rows
                .iter()
                .filter_map(|r| run_fact(r, &config.sync_log))
                .collect();
        }
    }
    let wrapper = called.wrapper.clone();
    let (slugs, source) = which(&config.functions.slugs, called, deployed.as_ref().ok());
    let wrapper = wrapper.filter(|_| source == SlugSource::SqlFunction);
    let window = window(&runs, now);
    let ids: Vec<&str> = deployed
        .as_ref()
        .map(|d| {
            d.iter()
                .filter(|f| slugs.contains(&f.slug) && is_id(&f.id))
                .map(|f| f.id.as_str())
                .collect()
        })
        .unwrap_or_default();
    let (invocations, console) = if ids.is_empty() {
        (None, None)
    } else {
        // The invocations and the console lines, asked at once.
        let (edge_sql, console_sql) = (edge_sql(&ids), console_sql(&ids));
        let (edge, lines) = tokio::join!(
            m.logs(&project_ref, &edge_sql, window.0, window.1),
            m.logs(&project_ref, &console_sql, window.0, window.1)
        );
        (
            Some(edge.map(|rows| rows.iter().filter_map(invocation).collect())),
            Some(lines.map(|rows| rows.iter().filter_map(console_line).collect())),
        )
    };
    Fetched::Asked(Box::new(Asked {
        project_ref,
        host: m.host().to_string(),
        slugs,
        source,
        wrapper,
        window,
        deployed,
        invocations,
        console,
        runs,
        calls,
    }))
}

/// The slugs the sync's cron jobs call: in their commands, or in the body of the SQL
/// function a command calls.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Called {
    /// In the commands (`…/functions/v1/<slug>`).
    pub direct: Vec<String>,
    /// In the body of the SQL function a command calls.
    pub through: Vec<String>,
    /// That function's call, as the job's identifying text gives it (`select f()`).
    pub wrapper: Option<String>,
}

impl Called {
    pub fn of(jobs: &[super::client::health::CronJob]) -> Called {
        let mut c = Called::default();
        for j in jobs {
            push_new(&mut c.direct, slugs_in(&j.command));
            let through: Vec<String> = j
                .function_slugs
                .iter()
                .filter(|s| is_slug_text(s))
                .cloned()
                .collect();
            if !through.is_empty() && c.wrapper.is_none() {
                c.wrapper = Some(j.command.clone());
            }
            push_new(&mut c.through, through);
        }
        c
    }
}

fn push_new(into: &mut Vec<String>, slugs: Vec<String>) {
    for s in slugs {
        if !into.contains(&s) {
            into.push(s);
        }
    }
}

/// A slug as `slugs_in` reads one: letters, digits, `-`, `_`, at most 100.
fn is_slug_text(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The slugs to look at and why: the config's, else the ones the cron job's command
/// calls, else the ones the SQL function it calls calls, and only when none of these
/// names one, the deployed functions that mention pendo.
fn which(
    configured: &[String],
    called: Called,
    deployed: Option<&Vec<Deployed>>,
) -> (Vec<String>, SlugSource) {
    if !configured.is_empty() {
        return (configured.to_vec(), SlugSource::Config);
    }
    if !called.direct.is_empty() {
        return (called.direct, SlugSource::CronJob);
    }
    if !called.through.is_empty() {
        return (called.through, SlugSource::SqlFunction);
    }
    let guessed = deployed
        .into_iter()
        .flatten()
        .filter(|f| f.slug.to_ascii_lowercase().contains("pendo"))
        .map(|f| f.slug.clone())
        .collect();
    (guessed, SlugSource::Deployed)
}

/// The Edge Function slugs a command calls (`…/functions/v1/<slug>…`).
pub fn slugs_in(command: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (at, _) in command.match_indices("/functions/v1/") {
        let slug: String = command[at + "/functions/v1/".len()..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .take(100)
            .collect();
        if !slug.is_empty() && !out.contains(&slug) {
            out.push(slug);
        }
    }
    out
}

/// The logs' window: from an hour before the earliest failing run in the sync log (else
/// the API's longest window) to now, never longer than the API allows.
fn window(runs: &[RunFact], now: i64) -> (i64, i64) {
    let longest = now - super::client::management::MAX_WINDOW_SECS;
    let earliest = runs.iter().filter(|r| r.failed).map(|r| r.started).min();
    let start = earliest.map_or(longest, |t| (t - 3600).max(longest));
    (start, now)
}

/// When the current failures began: for each entity whose newest run failed, the first
/// failure after its newest success; the earliest of them.
fn first_failure(runs: &[RunFact]) -> Option<i64> {
    let mut entities: Vec<&str> = runs.iter().map(|r| r.entity.as_str()).collect();
    entities.sort_unstable();
    entities.dedup();
    entities
        .into_iter()
        .filter_map(|e| {
            let rows: Vec<&RunFact> = runs.iter().filter(|r| r.entity == e).collect();
            let newest = rows.iter().max_by_key(|r| r.started)?;
            let last_ok = rows.iter().filter(|r| !r.failed).map(|r| r.started).max();
            newest.failed.then(|| {
                rows.iter()
                    .filter(|r| r.failed && last_ok.is_none_or(|ok| r.started > ok))
                    .map(|r| r.started)
                    .min()
            })?
        })
        .min()
}

/// A function id is interpolated into the logs' SQL only when it is a plain UUID-like
/// token.
fn is_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')
}

fn id_list(ids: &[&str]) -> String {
    ids.iter()
        .map(|i| format!("'{i}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The invocations of the functions (`function_edge_logs`, as the dashboard's and the
/// Supabase MCP server's queries read it).
pub fn edge_sql(ids: &[&str]) -> String {
    format!(
        "select id, function_edge_logs.timestamp, event_message, response.status_code, m.function_id, m.execution_time_ms \
         from function_edge_logs cross join unnest(metadata) as m \
         cross join unnest(m.response) as response \
         where m.function_id in ({}) order by timestamp desc limit 200",
        id_list(ids)
    )
}

/// What the functions printed at error and warning level (`function_logs`).
pub fn console_sql(ids: &[&str]) -> String {
    format!(
        "select id, function_logs.timestamp, event_message, metadata.level, metadata.event_type, metadata.function_id \
         from function_logs cross join unnest(metadata) as metadata \
         where metadata.function_id in ({}) and metadata.level in ('error', 'warning') \
         order by timestamp desc limit 100",
        id_list(ids)
    )
}

fn text(v: &Value, k: &str) -> String {
    match v.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn invocation(v: &Value) -> Option<Invocation> {
    Some(Invocation {
        at: v.get("timestamp").and_then(unix_seconds)?,
        function_id: text(v, "function_id"),
        status: v
            .get("status_code")
            .and_then(|s| s.as_u64().or_else(|| s.as_str()?.parse().ok()))
            .and_then(|s| u16::try_from(s).ok()),
        secs: v
            .get("execution_time_ms")
            .and_then(|s| s.as_f64().or_else(|| s.as_str()?.parse().ok()))
            .map(|ms| ms / 1000.0),
        message: text(v, "event_message"),
    })
}

fn console_line(v: &Value) -> Option<ConsoleLine> {
    Some(ConsoleLine {
        at: v.get("timestamp").and_then(unix_seconds)?,
        function_id: text(v, "function_id"),
        level: text(v, "level").to_ascii_lowercase(),
        event_type: text(v, "event_type"),
        message: text(v, "event_message"),
    })
}

fn run_fact(r: &super::sync_log::LogRow, log: &crate::config::SyncLog) -> Option<RunFact> {
    let started = r
        .started
        .as_deref()
        .or(r.created_at.as_deref())
        .and_then(parse_rfc3339)?;
    Some(RunFact {
        entity: r.entity.clone(),
        started,
        failed: r.status.eq_ignore_ascii_case(&log.failure_value),
    })
}

fn call_fact(r: &super::client::health::Response) -> Option<CallFact> {
    Some(CallFact {
        at: parse_rfc3339(r.created.as_deref()?)?,
        status: r.status_code,
        timed_out: r.timed_out == Some(true),
    })
}

/// A log line as the report may quote it: redacted (held values too), one line, at most
/// [`LINE_CHARS`] characters. The report and the watch issue escape it like all evidence.
pub fn quote(line: &str) -> String {
    crate::outside::emit(line, LINE_CHARS, crate::outside::Sink::Line)
}

/// A boot error: the function never started (a bad import, a missing env var).
fn is_boot_error(text: &str) -> bool {
    meaning::pattern(Known::EdgeBootError).is_some_and(|re| re.is_match(text))
}

#[cfg(test)]
mod slug_tests {
    use super::*;
    use crate::live::supabase::client::health::CronJob;

    fn job(command: &str, through: &[&str]) -> CronJob {
        CronJob {
            command: command.into(),
            function_slugs: through.iter().map(|s| s.to_string()).collect(),
            ..CronJob::default()
        }
    }

    fn deployed(slugs: &[&str]) -> Vec<Deployed> {
        slugs
            .iter()
            .map(|s| Deployed {
                id: format!("id-{s}"),
                slug: s.to_string(),
                status: "ACTIVE".into(),
                version: None,
                updated_at: None,
            })
            .collect()
    }

    #[test]
    fn the_slugs_come_from_the_command_then_the_wrapper_body_then_the_names() {
        let all = deployed(&["pendo-sync", "sync-pendo-incremental", "other"]);
        let wrapper = job(
            "select call_pendo_sync_edge_function()",
            &["sync-pendo-incremental"],
        );
        let called = Called::of(std::slice::from_ref(&wrapper));
        assert_eq!(
            called.wrapper.as_deref(),
            Some("select call_pendo_sync_edge_function()")
        );
        assert_eq!(
            which(&[], called.clone(), Some(&all)),
            (
                vec!["sync-pendo-incremental".to_string()],
                SlugSource::SqlFunction
            )
        );
        // The config wins, then a URL in the command itself.
        assert_eq!(
            which(&["mine".into()], called, Some(&all)).1,
            SlugSource::Config
        );
        let direct = job("https://x.supabase.co/functions/v1/pendo-sync", &[]);
        let both = Called::of(&[direct, wrapper]);
        assert_eq!(
            which(&[], both, Some(&all)),
            (vec!["pendo-sync".to_string()], SlugSource::CronJob)
        );
        // Nothing found either way: the names, and only then.
        let none = Called::of(&[job("select refresh()", &[])]);
        assert_eq!(none.wrapper, None);
        assert_eq!(
            which(&[], none, Some(&all)),
            (
                vec![
                    "pendo-sync".to_string(),
                    "sync-pendo-incremental".to_string()
                ],
                SlugSource::Deployed
            )
        );
        // A health function's answer is input: a slug that is not one is left out.
        let odd = Called::of(&[job("select f()", &["a b", "", "ok_1"])]);
        assert_eq!(odd.through, vec!["ok_1".to_string()]);
    }

    #[test]
    fn the_evidence_says_which_way_the_slugs_were_chosen() {
        let mut a = Asked {
            project_ref: "abcdefghijklmnopqrst".into(),
            host: "api.supabase.com".into(),
            slugs: vec!["sync-pendo-incremental".into()],
            source: SlugSource::SqlFunction,
            wrapper: Some("select call_pendo_sync_edge_function()".into()),
            window: (0, 1),
            deployed: Ok(Vec::new()),
            invocations: None,
            console: None,
            runs: Vec::new(),
            calls: Vec::new(),
        };
        assert_eq!(
            chosen(&a),
            "functions checked: sync-pendo-incremental (the cron job runs select call_pendo_sync_edge_function(), whose body calls /functions/v1/sync-pendo-incremental)"
        );
        a.source = SlugSource::Deployed;
        assert!(chosen(&a).contains("every deployed function whose slug mentions pendo"));
        a.source = SlugSource::Config;
        assert!(chosen(&a).ends_with("(functions.slugs)"));
    }
}
