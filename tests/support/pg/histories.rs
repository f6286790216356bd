//! Sync histories as SQL: what a team's Supabase database holds after a week of the
//! Pendo sync running (or not) in one of the ways the `supabase.*` checks must tell
//! apart. Every history installs the pg_cron job the reference deployment uses (an
//! Edge Function call through pg_net, service_role key pasted into the command), then
//! writes the cron run log, the `sync_status` log, the synced rows and pg_net's recent
//! responses, all timed from the test's `now` (Unix seconds), never the server clock.
//!
//! Shape of a week: pg_cron fires every 6 h (`0 */6 * * *`, UTC). SyncRun 0 is the newest
//! run that had at least [`SETTLE_SECS`] to finish; run k started k * 6 h before it.
//! pg_cron's own row for a run says `succeeded` / `1 row` as soon as `net.http_post`
//! queued the request: it knows nothing of the HTTP call or the sync. The Edge Function
//! then syncs the entities one after another and logs one `sync_status` row per entity.
//! pg_net keeps responses for `pg_net.ttl` (6 h), so only calls made since run 0 started
//! have a `net._http_response` row.

use super::sql_literal;

/// The pg_cron job's name in the reference deployment.
pub const JOB_NAME: &str = "pendo-sync";
/// Its schedule: every 6 hours, on the hour (pg_cron 1.4 evaluates it in UTC).
pub const JOB_SCHEDULE: &str = "0 */6 * * *";
/// The Edge Function the job calls.
pub const FUNCTION_URL: &str = "https://abcdefghijklmnop.supabase.co/functions/v1/pendo-sync";
/// A JWT-shaped, obviously fake service_role key, pasted into the job's command the way
/// teams do (the product must redact it). Its payload says `"note":"fake-test-key"`.
pub const FAKE_SERVICE_ROLE_JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3AiLCJyb2xlIjoic2VydmljZV9yb2xlIiwiaWF0IjoxNzAwMDAwMDAwLCJleHAiOjIwMTU1NzYwMDAsIm5vdGUiOiJmYWtlLXRlc3Qta2V5In0.fake_test_signature_not_a_real_key";
/// Seconds between two runs of the job.
pub const RUN_EVERY_SECS: i64 = 6 * 3600;
/// Runs in each history: one week.
pub const RUNS_KEPT: usize = 28;
/// A run counts only once this long has passed since it started (a sync takes ~80 s).
pub const SETTLE_SECS: i64 = 600;

/// One synced Pendo entity: its `sync_status.entity_type`, its table, and how a run
/// goes for it when all is well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entity {
    pub name: &'static str,
    pub table: &'static str,
    /// The Pendo API path the Edge Function reads it from.
    pub api_path: &'static str,
    /// Seconds after the cron run that the function starts this entity.
    pub starts_after: i64,
    /// Seconds the entity takes.
    pub takes: i64,
}

/// The entities in the order the Edge Function syncs them.
pub const ENTITIES: [Entity; 5] = [
    entity("guides", "pendo_guides", "/api/v1/guide", 2, 4),
    entity("features", "pendo_features", "/api/v1/feature", 6, 38),
    entity("pages", "pendo_pages", "/api/v1/page", 44, 9),
    entity("reports", "pendo_reports", "/api/v1/report", 53, 3),
    entity("events", "pendo_events", "/api/v1/aggregation", 56, 21),
];

const fn entity(
    name: &'static str,
    table: &'static str,
    api_path: &'static str,
    starts_after: i64,
    takes: i64,
) -> Entity {
    Entity {
        name,
        table,
        api_path,
        starts_after,
        takes,
    }
}

/// Pendo event types found in `pendo_events.event_type`.
pub const EVENT_TYPES: [&str; 6] = ["load", "click", "focus", "change", "track", "guideSeen"];

/// The histories the checks are tested against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// Every run succeeds, data fresh, counts steady.
    Healthy,
    /// The last successful sync was 3 days ago; the function fails to boot since (503
    /// BOOT_ERROR) and logs nothing.
    StaleData,
    /// The last 4 runs failed for every entity (Pendo 429s, aggregation timeouts); only
    /// every third run before that succeeded.
    FailingStreak,
    /// No `pendo-sync` job (unscheduled 2 days ago); two unrelated jobs remain, and the
    /// old job's run rows are still in `cron.job_run_details`.
    JobMissing,
    /// The job exists with `active = false` since [`job_inactive_since`]; no runs after.
    JobInactive,
    /// `features`: the last 3 runs logged `completed` with 0 records (earlier ~1,200) and
    /// the table is empty.
    WipedToZero,
    /// `pages` fails with `ON CONFLICT DO UPDATE command cannot affect row a second time`
    /// (SQLSTATE 21000); the newest call hit the Edge Function's 546 WORKER_LIMIT.
    DuplicateUpsert,
    /// The function rejects calls (401 Invalid JWT) or pg_net times out (5000 ms); the
    /// last 4 runs left nothing in `sync_status`.
    EdgeHttpErrors,
    /// The newest cron run has been `running` since [`stuck_run_start`] (hours ago);
    /// pg_cron starts no run of the job after it.
    RunsStuck,
}

impl History {
    pub const ALL: [History; 9] = [
        History::Healthy,
        History::StaleData,
        History::FailingStreak,
        History::JobMissing,
        History::JobInactive,
        History::WipedToZero,
        History::DuplicateUpsert,
        History::EdgeHttpErrors,
        History::RunsStuck,
    ];

    /// snake_case name, for test names and messages.
    pub fn name(self) -> &'static str {
        match self {
            History::Healthy => "healthy",
            History::StaleData => "stale_data",
            History::FailingStreak => "failing_streak",
            History::JobMissing => "job_missing",
            History::JobInactive => "job_inactive",
            History::WipedToZero => "wiped_to_zero",
            History::DuplicateUpsert => "duplicate_upsert",
            History::EdgeHttpErrors => "edge_http_errors",
            History::RunsStuck => "runs_stuck",
        }
    }

    /// The SQL that writes this history into an empty reference schema.
    pub fn sql(self, now: i64) -> String {
        story(self, now).to_sql(now)
    }
}

/// The command the reference deployment's job runs.
pub fn job_command() -> String {
    format!(
        "select net.http_post(url:='{FUNCTION_URL}', headers:='{{\"Content-Type\":\"application/json\",\"Authorization\":\"Bearer {FAKE_SERVICE_ROLE_JWT}\"}}'::jsonb, timeout_milliseconds:=5000)"
    )
}

/// When run `k` (0 = newest) started, in Unix seconds.
pub fn run_start(now: i64, k: usize) -> i64 {
    let newest = (now - SETTLE_SECS).div_euclid(RUN_EVERY_SECS) * RUN_EVERY_SECS;
    newest - k as i64 * RUN_EVERY_SECS
}

/// `JobInactive`: when the team paused the job (2 h after run 10; nothing ran since).
pub fn job_inactive_since(now: i64) -> i64 {
    run_start(now, INACTIVE_FROM_RUN) + 2 * 3600
}

/// `RunsStuck`: when the run that is still `running` started (at least 3 h before now).
pub fn stuck_run_start(now: i64) -> i64 {
    run_start(now, stuck_run(now))
}

const INACTIVE_FROM_RUN: usize = 10;

fn stuck_run(now: i64) -> usize {
    first_run_before(now, now - 3 * 3600)
}

/// The newest run that started at or before `t`.
fn first_run_before(now: i64, t: i64) -> usize {
    (0..RUNS_KEPT)
        .find(|&k| run_start(now, k) <= t)
        .unwrap_or(RUNS_KEPT - 1)
}

/// Fills `pendo_events` with `n` rows in one statement, spread over the week before
/// `now` (for the large-table benchmark).
pub fn events_rows(n: u64, now: i64) -> String {
    format!(
        "insert into public.pendo_events (visitor_id, account_id, app_id, event_type, target_id, created_at)
select 'visitor-' || (g * 7919 % 5000), 'account-' || (g % 400), 'app-fake-test-1',
       (array{types})[1 + (g % {n_types})], 'target-' || (g % 3000), to_timestamp({now} - (g % 604800))
from generate_series(1::bigint, {n}) g;",
        types = sql_text_array(&EVENT_TYPES),
        n_types = EVENT_TYPES.len(),
    )
}

// --- The model ---------------------------------------------------------------------

/// What pg_cron logged for one run.
#[derive(Debug, Clone)]
enum CronRun {
    Succeeded,
    Running,
    None,
}

/// What the Edge Function logged for one entity in one run.
#[derive(Debug, Clone)]
enum RunOutcome {
    /// Completed with the entity's usual record count ([`steady_count`]).
    Steady,
    Completed(i32),
    Failed(String),
    None,
}

/// What pg_net recorded for one call of the Edge Function.
#[derive(Debug, Clone, Copy)]
enum Reply {
    Ok,
    BootError,
    SyncErrors,
    WorkerLimit,
    InvalidJwt,
    TimedOut,
}

/// A whole history: the job, the runs (index k, 0 = newest), calls made by hand.
struct Story {
    job: JobState,
    runs: Vec<SyncRun>,
    /// Reply to the call each run's job made (only runs whose cron row succeeded call).
    reply: fn(usize) -> Reply,
    /// Calls made from the SQL editor: seconds after run 0 started, and their reply.
    manual_calls: Vec<(i64, Reply)>,
}

/// One run of the job: pg_cron's row and the function's log line per entity (in
/// [`ENTITIES`] order).
struct SyncRun {
    cron: CronRun,
    sync: [RunOutcome; 5],
}

impl SyncRun {
    fn steady() -> SyncRun {
        SyncRun {
            cron: CronRun::Succeeded,
            sync: std::array::from_fn(|_| RunOutcome::Steady),
        }
    }

    /// pg_cron never started it.
    fn not_run() -> SyncRun {
        SyncRun {
            cron: CronRun::None,
            sync: nothing_logged(),
        }
    }
}

const FEATURES: usize = 1;
const PAGES: usize = 2;
const EVENTS: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum JobState {
    Active,
    Inactive,
    /// Unscheduled after its runs were logged; two other jobs exist.
    Unscheduled,
}

fn story(history: History, now: i64) -> Story {
    let mut s = Story {
        job: JobState::Active,
        runs: (0..RUNS_KEPT).map(|_| SyncRun::steady()).collect(),
        reply: |_| Reply::Ok,
        manual_calls: Vec::new(),
    };
    match history {
        History::Healthy => {}
        History::StaleData => {
            let last_ok = first_run_before(now, now - 3 * 86_400);
            for run in &mut s.runs[..last_ok] {
                run.sync = nothing_logged();
            }
            s.reply = |_| Reply::BootError;
        }
        History::FailingStreak => {
            for (k, run) in s.runs.iter_mut().enumerate() {
                if k < 4 || k % 3 != 1 {
                    run.sync = failed_run(k);
                }
            }
            s.reply = |_| Reply::SyncErrors;
        }
        History::JobMissing => {
            let gone = first_run_before(now, now - 2 * 86_400);
            for run in &mut s.runs[..gone] {
                *run = SyncRun::not_run();
            }
            s.job = JobState::Unscheduled;
        }
        History::JobInactive => {
            for run in &mut s.runs[..INACTIVE_FROM_RUN] {
                *run = SyncRun::not_run();
            }
            s.job = JobState::Inactive;
        }
        History::WipedToZero => {
            for run in &mut s.runs[..3] {
                run.sync[FEATURES] = RunOutcome::Completed(0);
            }
        }
        History::DuplicateUpsert => {
            for k in [0, 1, 2, 5] {
                s.runs[k].sync[PAGES] = RunOutcome::Failed(duplicate_upsert_message(k));
            }
            s.runs[0].sync[EVENTS] = RunOutcome::Failed(WORKER_LIMIT_MESSAGE.to_string());
            s.reply = |k| {
                if k == 0 {
                    Reply::WorkerLimit
                } else {
                    Reply::Ok
                }
            };
        }
        History::EdgeHttpErrors => {
            for run in &mut s.runs[..4] {
                run.sync = nothing_logged();
            }
            s.reply = |k| {
                if k.is_multiple_of(2) {
                    Reply::InvalidJwt
                } else {
                    Reply::TimedOut
                }
            };
            s.manual_calls = vec![
                (120, Reply::TimedOut),
                (240, Reply::InvalidJwt),
                (360, Reply::TimedOut),
            ];
        }
        History::RunsStuck => {
            let stuck = stuck_run(now);
            for run in &mut s.runs[..stuck] {
                *run = SyncRun::not_run();
            }
            s.runs[stuck] = SyncRun {
                cron: CronRun::Running,
                sync: nothing_logged(),
            };
        }
    }
    s
}

fn nothing_logged() -> [RunOutcome; 5] {
    std::array::from_fn(|_| RunOutcome::None)
}

/// Records a run processes for an entity when all is well (steady, small wobble).
fn steady_count(entity: usize, k: usize) -> i32 {
    let k = k as i32;
    match entity {
        0 => 42,
        1 => 1_198 + (k * 7) % 5,
        2 => 315,
        3 => 12,
        _ => 240 + (k * 37) % 21,
    }
}

fn failed_run(k: usize) -> [RunOutcome; 5] {
    std::array::from_fn(|i| {
        RunOutcome::Failed(if k < 4 {
            streak_message(ENTITIES[i])
        } else {
            transient_message(ENTITIES[i], k + i)
        })
    })
}

fn streak_message(e: Entity) -> String {
    if e.name == "events" {
        "Pendo aggregation request timed out after 60000 ms (POST https://app.pendo.io/api/v1/aggregation)".to_string()
    } else {
        format!(
            "Pendo API error 429 Too Many Requests (GET https://app.pendo.io{}): rate limit exceeded for this integration key, retry after 60 s",
            e.api_path
        )
    }
}

fn transient_message(e: Entity, n: usize) -> String {
    match n % 3 {
        0 => format!(
            "Pendo API error 504 Gateway Timeout (GET https://app.pendo.io{})",
            e.api_path
        ),
        1 => format!(
            "error sending request for url (https://app.pendo.io{}): connection closed before message completed",
            e.api_path
        ),
        _ => streak_message(e),
    }
}

/// What the Edge Function logs when its upsert of pages hits a page id twice in one
/// batch: PostgREST's error, as `error.message` or the whole JSON, as teams write it.
fn duplicate_upsert_message(k: usize) -> String {
    if k.is_multiple_of(2) {
        "Failed to upsert pendo_pages: ON CONFLICT DO UPDATE command cannot affect row a second time".to_string()
    } else {
        r#"upsert pendo_pages failed: {"code":"21000","details":null,"hint":"Ensure that no rows proposed for insertion within the same command have duplicate constrained values.","message":"ON CONFLICT DO UPDATE command cannot affect row a second time"}"#.to_string()
    }
}

const WORKER_LIMIT_BODY: &str = r#"{"code":"WORKER_LIMIT","message":"Function failed due to not having enough compute resources (please check logs)"}"#;
const WORKER_LIMIT_MESSAGE: &str = "Edge Function pendo-sync returned 546 WORKER_LIMIT: Function failed due to not having enough compute resources (please check logs)";

// --- SQL ---------------------------------------------------------------------------

impl Story {
    fn to_sql(&self, now: i64) -> String {
        let mut sql = String::from("begin;\n");
        sql.push_str(&format!(
            "select cron.schedule('{JOB_NAME}', '{JOB_SCHEDULE}', $${}$$);\n",
            job_command()
        ));
        if self.job == JobState::Unscheduled {
            sql.push_str(&other_jobs_sql());
        }
        sql.push_str(&self.cron_runs_sql(now));
        sql.push_str(&self.sync_status_sql(now));
        sql.push_str(&self.entity_rows_sql(now));
        sql.push_str(&self.responses_sql(now));
        match self.job {
            JobState::Active => {}
            JobState::Inactive => sql.push_str(&format!(
                "select cron.alter_job((select jobid from cron.job where jobname = '{JOB_NAME}'), active := false);\n"
            )),
            JobState::Unscheduled => {
                sql.push_str(&format!("select cron.unschedule('{JOB_NAME}');\n"))
            }
        }
        sql.push_str("commit;\n");
        sql
    }

    /// pg_cron's run log for every job, oldest first, so `runid` grows with time as
    /// pg_cron's global sequence does.
    fn cron_runs_sql(&self, now: i64) -> String {
        let mut runs = self.sync_job_runs(now);
        if self.job == JobState::Unscheduled {
            runs.extend(other_job_runs(now));
        }
        runs.sort_by_key(|(start, _)| *start);
        let rows: Vec<String> = runs.into_iter().map(|(_, row)| row).collect();
        insert_values(
            "cron.job_run_details (jobid, job_pid, database, username, command, status, return_message, start_time, end_time)",
            &rows,
        )
    }

    /// The sync job's runs: (start, VALUES row).
    fn sync_job_runs(&self, now: i64) -> Vec<(i64, String)> {
        let command = sql_literal(&job_command());
        (0..self.runs.len())
            .filter_map(|k| {
                let start = run_start(now, k);
                let (pid, status, message, end) = match self.runs[k].cron {
                    CronRun::Succeeded => (
                        40_000 + (k as i64 * 7_919) % 20_000,
                        "'succeeded'",
                        "'1 row'",
                        ts_ms(start, 21),
                    ),
                    // A backend pid no live process has: the run's session is gone.
                    CronRun::Running => (3_999_999, "'running'", "null", "null".to_string()),
                    CronRun::None => return None,
                };
                let row = cron_row(start, pid, &command, status, message, end);
                Some((start, row))
            })
            .collect()
    }

    fn sync_status_sql(&self, now: i64) -> String {
        let mut rows = Vec::new();
        for k in (0..self.runs.len()).rev() {
            let run = run_start(now, k);
            for (i, e) in ENTITIES.iter().enumerate() {
                let start = run + e.starts_after;
                let (status, count, end, error) = match &self.runs[k].sync[i] {
                    RunOutcome::Steady => (
                        "completed",
                        steady_count(i, k),
                        ts(start + e.takes),
                        "null".to_string(),
                    ),
                    RunOutcome::Completed(n) => {
                        ("completed", *n, ts(start + e.takes), "null".to_string())
                    }
                    RunOutcome::Failed(msg) => ("failed", 0, ts(start + 1), sql_literal(msg)),
                    RunOutcome::None => continue,
                };
                rows.push(format!(
                    "('{}', '{status}', {}, {end}, {count}, {error}, {})",
                    e.name,
                    ts(start),
                    ts(start)
                ));
            }
        }
        insert_values(
            "public.sync_status (entity_type, status, last_sync_start, last_sync_end, records_processed, error_message, created_at)",
            &rows,
        )
    }

    /// The newest completed run of entity `i`: (run k, records).
    fn newest_completed(&self, i: usize) -> Option<(usize, i32)> {
        (0..self.runs.len()).find_map(|k| self.records(k, i).map(|n| (k, n)))
    }

    /// Records run `k` processed for entity `i`, when it completed.
    fn records(&self, k: usize, i: usize) -> Option<i32> {
        match self.runs[k].sync[i] {
            RunOutcome::Steady => Some(steady_count(i, k)),
            RunOutcome::Completed(n) => Some(n),
            _ => None,
        }
    }

    /// Entity tables hold what the newest completed run upserted, stamped with its end;
    /// events hold what every completed run appended (events of the 6 h before it).
    fn entity_rows_sql(&self, now: i64) -> String {
        let mut sql = String::new();
        for (i, e) in ENTITIES.iter().enumerate().filter(|(i, _)| *i != EVENTS) {
            if let Some((k, n)) = self.newest_completed(i) {
                let synced = run_start(now, k) + e.starts_after + e.takes;
                sql.push_str(&entity_table_sql(e, n, synced));
            }
        }
        let windows: Vec<String> = (0..self.runs.len())
            .filter_map(|k| {
                let n = self.records(k, EVENTS)?;
                Some(format!("({n}, {})", run_start(now, k) - RUN_EVERY_SECS))
            })
            .collect();
        if !windows.is_empty() {
            sql.push_str(&format!(
                "insert into public.pendo_events (visitor_id, account_id, app_id, event_type, target_id, properties, created_at)
select 'visitor-' || (w.n * 31 + g) % 500, 'account-' || g % 40, 'app-fake-test-1',
       (array{types})[1 + (g % {n_types})], 'target-' || g % 300,
       jsonb_build_object('browser', 'Chrome', 'url', 'https://app.example.test/page/' || g % 50),
       to_timestamp(w.since + g * {RUN_EVERY_SECS} / (w.n + 1))
from (values {}) w(n, since), generate_series(1, w.n) g;\n",
                windows.join(", "),
                types = sql_text_array(&EVENT_TYPES),
                n_types = EVENT_TYPES.len(),
            ));
        }
        sql
    }

    /// Calls oldest first get request ids 1, 2, ...; responses older than run 0 are gone
    /// (pg_net.ttl).
    fn responses_sql(&self, now: i64) -> String {
        let mut calls: Vec<(i64, Reply)> = (0..self.runs.len())
            .filter(|&k| matches!(self.runs[k].cron, CronRun::Succeeded))
            .map(|k| (run_start(now, k), (self.reply)(k)))
            .collect();
        let newest = run_start(now, 0);
        calls.extend(
            self.manual_calls
                .iter()
                .map(|(after, r)| (newest + after, *r)),
        );
        calls.sort_by_key(|c| c.0);
        let rows: Vec<String> = calls
            .iter()
            .enumerate()
            .filter(|(_, (at, _))| *at >= newest)
            .map(|(i, (at, reply))| response_row(i as i64 + 1, *at, *reply))
            .collect();
        let mut sql = insert_values(
            "net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg, created)",
            &rows,
        );
        if !calls.is_empty() {
            sql.push_str(&format!(
                "select setval('net.http_request_queue_id_seq', {});\n",
                calls.len()
            ));
        }
        sql
    }
}

fn cron_row(
    start: i64,
    pid: i64,
    command: &str,
    status: &str,
    message: &str,
    end: String,
) -> String {
    format!(
        "((select jobid from cron.job where jobname = '{JOB_NAME}'), {pid}, 'postgres', 'postgres', {command}, {status}, {message}, {}, {end})",
        ts_ms(start, 8)
    )
}

/// One pg_net row, as pg_net's worker writes it: a response (headers as received,
/// lowercase over HTTP/2, `timed_out` false) or a failure (only `timed_out`/`error_msg`).
fn response_row(id: i64, called_at: i64, reply: Reply) -> String {
    let (status, body, ms) = match reply {
        Reply::Ok => (
            200,
            r#"{"success":true,"message":"Pendo sync started"}"#,
            840,
        ),
        Reply::BootError => (
            503,
            r#"{"code":"BOOT_ERROR","message":"Function failed to start (please check logs)"}"#,
            1_310,
        ),
        Reply::SyncErrors => (
            500,
            r#"{"success":false,"message":"Sync finished with errors","failed":["guides","features","pages","reports","events"]}"#,
            61_200,
        ),
        Reply::WorkerLimit => (546, WORKER_LIMIT_BODY, 71_400),
        Reply::InvalidJwt => (401, r#"{"code":401,"message":"Invalid JWT"}"#, 95),
        Reply::TimedOut => {
            return format!(
                "({id}, null, null, null, null, true, {}, {})",
                sql_literal(TIMEOUT_MESSAGE),
                ts_ms(called_at + 5, 9)
            );
        }
    };
    let headers = format!(
        r#"{{"content-type": "application/json", "content-length": "{}", "sb-gateway-version": "1", "x-served-by": "supabase-edge-runtime", "vary": "Accept-Encoding"}}"#,
        body.len()
    );
    format!(
        "({id}, {status}, 'application/json', {}::jsonb, {}, false, null, {})",
        sql_literal(&headers),
        sql_literal(body),
        ts_ms(called_at + ms / 1000, ms % 1000)
    )
}

/// pg_net's message for a request that hit `timeout_milliseconds` (src/errors.c).
const TIMEOUT_MESSAGE: &str = "Timeout of 5000 ms reached. Total time: 5000.814000 ms (DNS time: 0.062000 ms, TCP/SSL handshake time: 31.407000 ms, HTTP Request/Response time: 4969.345000 ms)";

/// Jobs a project has besides the sync: name, schedule, command, what a run returns.
const OTHER_JOBS: [(&str, &str, &str, &str); 2] = [
    (
        "cleanup-http-responses",
        "0 3 * * *",
        "delete from net._http_response where created < now() - interval '1 day'",
        "DELETE 4",
    ),
    (
        "refresh-usage-stats",
        "*/30 * * * *",
        "refresh materialized view concurrently public.usage_stats",
        "REFRESH MATERIALIZED VIEW",
    ),
];

fn other_jobs_sql() -> String {
    OTHER_JOBS
        .iter()
        .map(|(name, schedule, command, _)| {
            format!(
                "select cron.schedule('{name}', '{schedule}', {});\n",
                sql_literal(command)
            )
        })
        .collect()
}

/// The other jobs' recent runs: the daily one for a week, the half-hourly one for 2 days.
fn other_job_runs(now: i64) -> Vec<(i64, String)> {
    let day = 86_400;
    let daily = (0..7).map(|d| (now - 3 * 3600).div_euclid(day) * day + 3 * 3600 - d * day);
    let half_hourly = (0..96).map(|h| (now - 60).div_euclid(1800) * 1800 - h * 1800);
    let (cleanup, refresh) = (OTHER_JOBS[0], OTHER_JOBS[1]);
    daily
        .map(|start| (start, other_run(cleanup, start)))
        .chain(half_hourly.map(|start| (start, other_run(refresh, start))))
        .collect()
}

fn other_run((job, _, command, message): (&str, &str, &str, &str), start: i64) -> String {
    format!(
        "((select jobid from cron.job where jobname = '{job}'), {}, 'postgres', 'postgres', {}, 'succeeded', '{message}', {}, {})",
        30_000 + start % 9_000,
        sql_literal(command),
        ts_ms(start, 7),
        ts_ms(start, 412)
    )
}

/// Rows of one synced entity table: `n` Pendo objects, all `last_synced` at `synced`.
fn entity_table_sql(e: &Entity, n: i32, synced: i64) -> String {
    let (extra_col, extra_val) = match e.name {
        "guides" => (
            ", state",
            ", case when g % 5 = 0 then 'draft' else 'public' end",
        ),
        "features" => (
            ", page_id",
            ", 'page-' || substr(md5('pages-' || (g % 315 + 1)), 1, 22)",
        ),
        "reports" => (
            ", kind",
            ", case when g % 3 = 0 then 'funnel' else 'path' end",
        ),
        _ => ("", ""),
    };
    let singular = e.name.trim_end_matches('s');
    format!(
        "insert into public.{table} (id, app_id, name, data, created_at, updated_at, last_synced{extra_col})
select substr(md5('{name}-' || g), 1, 22), 'app-fake-test-1', initcap('{singular} ') || g,
       jsonb_build_object('kind', '{singular}', 'createdByUser', jsonb_build_object('username', 'pm@example.test')),
       to_timestamp({synced} - 86400 * (30 + g % 300)), to_timestamp({synced} - 3600 * (g % 200)),
       to_timestamp({synced}){extra_val}
from generate_series(1, {n}) g;\n",
        table = e.table,
        name = e.name,
    )
}

fn insert_values(target: &str, rows: &[String]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    format!("insert into {target} values\n  {};\n", rows.join(",\n  "))
}

/// `to_timestamp(secs)` as a SQL expression.
fn ts(secs: i64) -> String {
    format!("to_timestamp({secs})")
}

/// `to_timestamp(secs.millis)`.
fn ts_ms(secs: i64, millis: i64) -> String {
    format!("to_timestamp({secs}.{millis:03})")
}

fn sql_text_array(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| sql_literal(s)).collect();
    format!("[{}]", quoted.join(", "))
}
