//! `supabase.cron`: the pg_cron job that runs the sync exists, is active, and runs.
//!
//! Found by its configured name, else by a name or command that mentions pendo. Reports
//! its schedule, its last run and how long it took, the runs in the window, runs stuck in
//! `running`, and whether pg_cron's scheduler is alive. pg_cron only queues the HTTP call
//! to the Edge Function, so "succeeded" here means queued; `supabase.http` and
//! `supabase.sync-log` say what happened next.

use super::client::health::{CronJob, CronRun, HealthAnswer, HealthFacts, INSTALL_STEP};
use super::client::schedule;
use crate::clock::{format_utc, human_age, parse_rfc3339};
use crate::config::Thresholds;
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::live::Live;
use std::time::Duration;

/// A run still `running` after this long is stuck (in pg_cron's runs and in the sync
/// log): an Edge Function stops after 400 s at most, and pg_cron only queues the call.
pub(super) const STUCK_SECS: i64 = 3600;
const ID: CheckId = CheckId::SupabaseCron;

/// Why the sync job is not healthy, in the order the summary names them.
#[derive(Debug, Clone, PartialEq)]
enum Trouble {
    /// The job is switched off; `since` is its last run's start, when there is one.
    Inactive { since: Option<i64> },
    /// An active job with no run within its schedule's grace.
    Overdue { since: Option<i64>, every: Duration },
    /// No pg_cron launcher, while the job is overdue or has never run.
    SchedulerDown,
    /// The last run failed with this message.
    LastFailed(String),
    /// The last run has been `running` for this many seconds.
    Stuck(i64),
}

impl Trouble {
    fn phrase(&self, name: &str, now: i64) -> String {
        match self {
            Trouble::Inactive { since: Some(at) } => format!(
                "the sync job {name} is inactive since its last run, {}",
                format_utc(*at)
            ),
            Trouble::Inactive { since: None } => {
                format!("the sync job {name} is inactive and has no run on record")
            }
            Trouble::Overdue {
                since: Some(at),
                every,
            } => format!(
                "{name} has not run since {} ({} ago; it runs {})",
                format_utc(*at),
                human_age((now - at) as f64),
                schedule::describe(*every)
            ),
            Trouble::Overdue { since: None, every } => format!(
                "{name} has no run on record (it runs {})",
                schedule::describe(*every)
            ),
            Trouble::SchedulerDown => {
                "pg_cron's scheduler is not running (no pg_cron launcher in pg_stat_activity)"
                    .into()
            }
            Trouble::LastFailed(message) => format!("{name}'s last run failed: {message}"),
            Trouble::Stuck(age) => format!(
                "{name}: a run started {} ago is still running",
                human_age(*age as f64)
            ),
        }
    }
}

/// What the found sync job shows.
struct JobState<'a> {
    job: &'a CronJob,
    name: String,
    interval: Option<Duration>,
    last: Option<&'a CronRun>,
    last_at: Option<i64>,
    troubles: Vec<Trouble>,
    /// Runs that ended (succeeded or failed) in the window, and how many succeeded.
    ended: usize,
    ok: usize,
    /// No trouble, but fewer runs succeeded than the success-rate threshold.
    low_rate: bool,
    /// How long the last run took, in seconds.
    duration: Option<i64>,
    scheduler: bool,
}

impl<'a> JobState<'a> {
    fn of(h: &'a HealthFacts, job: &'a CronJob, t: &Thresholds, now: i64) -> JobState<'a> {
        let runs = h.runs_of(job);
        let last = runs.first().copied();
        let last_at = last
            .and_then(|r| r.start_time.as_deref())
            .and_then(parse_rfc3339);
        let interval = schedule::interval(&job.schedule);
        let troubles = troubles(h, job, interval, last, last_at, now);
        let ended: Vec<_> = runs
            .iter()
            .filter(|r| matches!(r.status.as_str(), "succeeded" | "failed"))
            .collect();
        let ok = ended.iter().filter(|r| r.status == "succeeded").count();
        let low_rate = !ended.is_empty()
            && troubles.is_empty()
            && (ok as f64 * 100.0 / ended.len() as f64) < t.success_rate_percent;
        JobState {
            job,
            name: job
                .jobname
                .clone()
                .unwrap_or_else(|| format!("job {}", job.jobid)),
            interval,
            last,
            last_at,
            troubles,
            ended: ended.len(),
            ok,
            low_rate,
            duration: last.and_then(|r| {
                Some(
                    parse_rfc3339(r.end_time.as_deref()?)?
                        - parse_rfc3339(r.start_time.as_deref()?)?,
                )
            }),
            scheduler: h.scheduler.is_some(),
        }
    }
}

/// What is wrong with the job, worst first as the summary names it.
fn troubles(
    h: &HealthFacts,
    job: &CronJob,
    interval: Option<Duration>,
    last: Option<&CronRun>,
    last_at: Option<i64>,
    now: i64,
) -> Vec<Trouble> {
    let mut out = Vec::new();
    if !job.active {
        out.push(Trouble::Inactive { since: last_at });
    }
    let overdue = match (job.active, interval) {
        (true, Some(i)) => {
            let since = last_at.unwrap_or(i64::MIN);
            (now.saturating_sub(since) > schedule::grace(i).as_secs() as i64).then_some(i)
        }
        _ => None,
    };
    if let Some(every) = overdue {
        out.push(Trouble::Overdue {
            since: last_at,
            every,
        });
    }
    if h.scheduler.is_none() && (overdue.is_some() || last_at.is_none()) {
        out.push(Trouble::SchedulerDown);
    }
    if let Some(r) = last {
        if r.status.eq_ignore_ascii_case("failed") {
            let message = r.return_message.as_deref().unwrap_or("no message");
            out.push(Trouble::LastFailed(message.to_string()));
        }
        if r.status.eq_ignore_ascii_case("running")
            && let Some(at) = last_at
            && now - at > STUCK_SECS
        {
            out.push(Trouble::Stuck(now - at));
        }
    }
    out
}

/// The finding, from the health facts.
pub fn judge(h: &HealthFacts, job_name: &str, t: &Thresholds, now: i64) -> Finding {
    if h.extensions.pg_cron.is_none() {
        return Finding::new(ID, Status::Fail, "pg_cron is not installed in this database, so nothing schedules the sync")
            .with_impact(Impact::Critical)
            .with_cause("pg_cron is not installed, so nothing schedules the sync")
            .with_next_step("Enable pg_cron (Database → Extensions) and schedule the sync: select cron.schedule('pendo-sync', '0 */6 * * *', $$select net.http_post(…)$$);");
    }
    match h.sync_job() {
        Some(job) => render(&JobState::of(h, job, t, now), t, now),
        None => missing(h, job_name),
    }
}

/// No job is the sync's.
fn missing(h: &HealthFacts, job_name: &str) -> Finding {
    let total = h.jobs.as_ref().map_or(0, |j| j.total);
    let what = if job_name.is_empty() {
        "no pg_cron job mentions pendo in its name or command".to_string()
    } else {
        format!("there is no pg_cron job named {job_name}")
    };
    Finding::new(ID, Status::Fail, format!("The sync job is missing: {what} ({total} other job{})", if total == 1 { "" } else { "s" }))
        .with_impact(Impact::Critical)
        .with_cause(format!("the sync job is missing: {what}"))
        .with_next_step("Schedule the sync again (cron.schedule), or set `cron.job_name` in .github/pendo-triage.yml to the job's name.")
}

/// The finding for a found job: its troubles, else a low success rate, else a pass; then
/// what it is and how its runs went.
fn render(s: &JobState, t: &Thresholds, now: i64) -> Finding {
    let (job, name) = (s.job, &s.name);
    let f = if !s.troubles.is_empty() {
        let phrases: Vec<String> = s.troubles.iter().map(|x| x.phrase(name, now)).collect();
        Finding::new(ID, Status::Fail, capital(&phrases.join("; ")))
            .with_impact(Impact::Critical)
            // The job's own words (its state, a run's return_message) for the headline.
            .with_cause(phrases.join("; "))
            .with_next_step(format!(
                "Check the job: select * from cron.job where jobid = {}; and its runs: select * from cron.job_run_details where jobid = {} order by start_time desc limit 10; re-enable it with select cron.alter_job({}, active := true);",
                job.jobid, job.jobid, job.jobid
            ))
    } else if s.low_rate {
        let line = format!(
            "{} of the last {} runs succeeded, under the {}% success rate",
            s.ok, s.ended, t.success_rate_percent
        );
        Finding::new(ID, Status::Warn, capital(&line)).with_impact(Impact::Degraded)
    } else {
        let every = s
            .interval
            .map_or(String::new(), |i| format!(", {}", schedule::describe(i)));
        Finding::pass(
            ID,
            format!(
                "{name} ({}{every}) is active; last run {}{}",
                job.schedule,
                s.last_at.map_or("none in the window".into(), format_utc),
                s.last.map_or(String::new(), |r| format!(" {}", r.status)),
            ),
        )
    };
    with_runs(f, s)
}

/// The job's call and its runs, as evidence and the measured last run.
fn with_runs(f: Finding, s: &JobState) -> Finding {
    let job = s.job;
    let mut f = f
        .with_evidence(crate::outside::plain(format!(
            "job {} {}: {} · {}",
            job.jobid,
            s.name,
            job.schedule,
            call_of(&job.command, job.command_chars)
        )))
        .with_evidence(format!(
            "{} of the last {} runs succeeded; pg_cron's scheduler {}",
            s.ok,
            s.ended,
            if s.scheduler {
                "is running"
            } else {
                "was not found"
            }
        ));
    if let Some(at) = s.last_at {
        let status = s.last.map_or("", |r| r.status.as_str());
        f = f.with_measured("Last Run", format!("{} ({status})", format_utc(at)));
    }
    if let Some(d) = s.duration {
        f = f.with_evidence(if d < 1 {
            "the last run took under 1 s (pg_cron only queues the call)".to_string()
        } else {
            format!("the last run took {}", human_age(d as f64))
        });
    }
    f
}

/// A sentence's first word capitalised when it is an article (a job name stays as is).
fn capital(s: &str) -> String {
    match s.strip_prefix("the ") {
        Some(rest) => format!("The {rest}"),
        None => s.to_string(),
    }
}

/// What identifies a job's call, never a header or body value: the URL it posts to (host
/// and path, no query), else the function it runs, else only its length. A command can
/// carry any secret (`"x-sync-secret": "…"`), so nothing else of it is shown.
pub fn call_of(command: &str, chars: Option<i64>) -> String {
    if let Some(url) = first_url(command) {
        return format!("calls {url}");
    }
    let lower = command.to_ascii_lowercase();
    if let Some(at) = lower.find("select") {
        let rest = command[at + "select".len()..].trim_start();
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
            .take(80)
            .collect();
        if !name.is_empty() && rest[name.len()..].trim_start().starts_with('(') {
            return format!("runs {name}()");
        }
    }
    format!(
        "runs a command of {} characters (not shown: it may hold keys)",
        chars.unwrap_or(command.chars().count() as i64)
    )
}

/// The first `http(s)://host/path` in `text`, without query, fragment or user info.
fn first_url(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let at = lower.find("https://").or_else(|| lower.find("http://"))?;
    let url: String = text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !"'\"?#)(,;<>`\\{}|^[]".contains(*c))
        .take(200)
        .collect();
    let scheme_end = url.find("://")? + 3;
    let (authority, path) = match url[scheme_end..].find('/') {
        Some(i) => url[scheme_end..].split_at(i),
        None => (&url[scheme_end..], ""),
    };
    let host = authority.rsplit('@').next().unwrap_or(authority);
    if host.is_empty() {
        return None;
    }
    Some(format!("{}{host}{path}", &url[..scheme_end]))
}

/// `supabase.cron` for this run.
pub async fn check(live: &Live) -> Finding {
    let Some(s) = &live.supabase else {
        return Finding::skip(ID, "no Supabase access");
    };
    match s.health(&live.config, live.now).await {
        Ok(HealthAnswer::Found(h)) => {
            let no_job = h.jobs.as_ref().is_some_and(|j| j.matching.is_empty());
            if no_job
                && s.reads_db()
                && let Some(hidden) =
                    super::rls::hiding(s.rls_hidden(&live.config).await, "cron.job")
            {
                // pg_cron's own policy shows a role only its jobs: "missing" would be
                // the wrong cause.
                return Finding::new(ID, Status::Error, hidden.describe())
                    .with_next_step(hidden.fix());
            }
            judge(
                h,
                &live.config.cron.job_name,
                &live.config.thresholds,
                live.now,
            )
        }
        Ok(HealthAnswer::NotInstalled) => not_installed(ID),
        Err(e) => crate::live::fetch_error(ID, "reading pg_cron", e),
    }
}

/// The skip of a check that needs the health function over REST, with the install step.
pub fn not_installed(id: CheckId) -> Finding {
    Finding::skip(
        id,
        "needs the database URL, or the read-only health function over REST (not installed)",
    )
    .with_next_step(INSTALL_STEP)
}

#[cfg(test)]
mod tests {
    use super::super::client::health::{CronJob, CronRun, Extensions, Jobs, Scheduler};
    use super::*;
    use crate::clock::format_rfc3339;

    const NOW: i64 = 1_795_860_000; // 2026-11-28T10:00:00Z

    fn health(active: bool, runs: &[(i64, &str)]) -> HealthFacts {
        HealthFacts {
            extensions: Extensions {
                pg_cron: Some("1.4-1".into()),
                pg_net: None,
                net_responses: true,
            },
            scheduler: Some(Scheduler {
                pid: 42,
                ..Default::default()
            }),
            jobs: Some(Jobs {
                total: 2,
                matching: vec![CronJob {
                    jobid: 1,
                    jobname: Some("pendo-sync".into()),
                    schedule: "0 */6 * * *".into(),
                    command: "select net.http_post(url:='https://x.supabase.co/functions/v1/pendo-sync', headers:='{\"Authorization\":\"Bearer eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.fake-signature-for-tests-0000\"}')".into(),
                    active,
                    ..Default::default()
                }],
            }),
            runs: Some(
                runs.iter()
                    .enumerate()
                    .map(|(i, (hours_ago, status))| CronRun {
                        jobid: 1,
                        runid: 100 - i as i64,
                        status: status.to_string(),
                        return_message: Some(if *status == "failed" { "ERROR: could not connect".into() } else { "1 row".into() }),
                        start_time: Some(format_rfc3339(NOW - hours_ago * 3600)),
                        end_time: Some(format_rfc3339(NOW - hours_ago * 3600 + 1)),
                    })
                    .collect(),
            ),
            responses: None,
        }
    }

    #[test]
    fn table() {
        let t = Thresholds::default();
        let f = judge(
            &health(true, &[(4, "succeeded"), (10, "succeeded")]),
            "",
            &t,
            NOW,
        );
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert_eq!(
            f.summary,
            "pendo-sync (0 */6 * * *, every 6 h) is active; last run 2026-11-28 06:00 UTC succeeded"
        );
        assert_eq!(
            f.evidence[0],
            "job 1 pendo-sync: 0 */6 * * * · calls https://x.supabase.co/functions/v1/pendo-sync"
        );
        let f = judge(&health(false, &[(40, "succeeded")]), "", &t, NOW);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(
            f.summary.starts_with(
                "The sync job pendo-sync is inactive since its last run, 2026-11-26 18:00 UTC"
            ),
            "{}",
            f.summary
        );
        let f = judge(&health(true, &[(14, "succeeded")]), "", &t, NOW);
        assert!(
            f.summary.contains("has not run since 2026-11-27 20:00 UTC"),
            "{}",
            f.summary
        );
        let f = judge(
            &health(true, &[(4, "failed"), (10, "succeeded")]),
            "",
            &t,
            NOW,
        );
        assert!(
            f.summary
                .contains("ast run failed: ERROR: could not connect"),
            "{}",
            f.summary
        );
        let f = judge(&health(true, &[(3, "running")]), "", &t, NOW);
        assert!(f.summary.contains("still running"), "{}", f.summary);
        let mut missing = health(true, &[]);
        missing.jobs.as_mut().unwrap().matching.clear();
        let f = judge(&missing, "", &t, NOW);
        assert_eq!(
            f.summary,
            "The sync job is missing: no pg_cron job mentions pendo in its name or command (2 other jobs)"
        );
        let mut no_scheduler = health(true, &[(14, "succeeded")]);
        no_scheduler.scheduler = None;
        assert!(
            judge(&no_scheduler, "", &t, NOW)
                .summary
                .contains("scheduler is not running")
        );
        let mut no_cron = health(true, &[]);
        no_cron.extensions.pg_cron = None;
        assert!(
            judge(&no_cron, "", &t, NOW)
                .summary
                .starts_with("pg_cron is not installed")
        );
    }
}

#[cfg(test)]
mod call_tests {
    use super::call_of;

    #[test]
    fn a_command_shows_what_it_calls_and_never_a_header_or_body_value() {
        let with_secret = r#"select net.http_post(url:='https://abc.supabase.co/functions/v1/pendo-sync?k=SECRETQUERY', headers:='{"x-sync-secret":"LettersOnlySecret"}'::jsonb, body:='{"password":"hunter2hunter2"}')"#;
        let shown = call_of(with_secret, None);
        assert_eq!(
            shown,
            "calls https://abc.supabase.co/functions/v1/pendo-sync"
        );
        for secret in ["LettersOnlySecret", "SECRETQUERY", "hunter2"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            call_of("SELECT call_pendo_sync_edge_function();", None),
            "runs call_pendo_sync_edge_function()"
        );
        assert_eq!(
            call_of("select public.sync ( 'x-sync-secret: abc' )", None),
            "runs public.sync()"
        );
        let opaque = call_of("vacuum analyze secret_table_named_like_a_key", None);
        assert!(
            opaque.starts_with("runs a command of 44 characters"),
            "{opaque}"
        );
        assert!(!opaque.contains("secret_table"), "{opaque}");
        // User info in a URL is dropped.
        assert_eq!(
            call_of(
                "select net.http_get('https://user:pw@host.example/p')",
                None
            ),
            "calls https://host.example/p"
        );
    }
}
