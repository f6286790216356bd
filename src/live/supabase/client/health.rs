//! pg_cron's and pg_net's state: the sync job, its runs, the scheduler, the Edge Function
//! calls. Read over the database URL with the [`super::sql::HEALTH`] queries, else over
//! REST from the `pendo_triage_health` function those same queries make; both give the
//! same [`HealthFacts`].

use super::rest::{ApiError, encode};
use super::sql::{self, HEALTH, Prerequisite};
use crate::clock::format_rfc3339;
use crate::config::Config;
use crate::live::http::FetchError;
use crate::live::supabase::Supabase;
use serde::Deserialize;
use serde_json::{Value, json};

/// What the health queries found.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct HealthFacts {
    pub extensions: Extensions,
    pub scheduler: Option<Scheduler>,
    pub jobs: Option<Jobs>,
    pub runs: Option<Vec<CronRun>>,
    pub responses: Option<Vec<Response>>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Extensions {
    pub pg_cron: Option<String>,
    pub pg_net: Option<String>,
    /// `net._http_response` exists.
    pub net_responses: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Scheduler {
    pub pid: i64,
    pub backend_start: Option<String>,
    pub state: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Jobs {
    /// Every job in `cron.job`.
    pub total: i64,
    /// The sync's jobs (by name, else mentioning pendo).
    pub matching: Vec<CronJob>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CronJob {
    pub jobid: i64,
    pub jobname: Option<String>,
    pub schedule: String,
    /// What identifies the call (see `sql::JOBS`), never the whole command.
    pub command: String,
    /// The whole command's length.
    pub command_chars: Option<i64>,
    /// When the command calls a SQL function: the `/functions/v1/<slug>` its body calls
    /// (see `sql::JOBS`; empty from a health function installed before it said).
    pub function_slugs: Vec<String>,
    pub active: bool,
    pub database: Option<String>,
    pub username: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CronRun {
    pub jobid: i64,
    pub runid: i64,
    pub status: String,
    #[serde(deserialize_with = "super::sql::de_capped")]
    pub return_message: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Response {
    pub id: i64,
    pub status_code: Option<i64>,
    pub timed_out: Option<bool>,
    #[serde(deserialize_with = "super::sql::de_capped")]
    pub error_msg: Option<String>,
    #[serde(deserialize_with = "super::sql::de_capped")]
    pub content: Option<String>,
    pub created: Option<String>,
}

/// The health facts, or why there are none.
#[derive(Debug, Clone, PartialEq)]
pub enum HealthAnswer {
    Found(Box<HealthFacts>),
    /// REST only, and the function is not installed.
    NotInstalled,
}

/// How far back runs and responses are read.
pub const WINDOW_SECS: i64 = 48 * 3600;

/// The copy-paste step that installs the function.
pub const INSTALL_STEP: &str = "Install the read-only health function once so the bot can see pg_cron and pg_net without a database URL: paste https://github.com/pendo-triage/pendo-triage/blob/main/sql/pendo_triage_health.sql into the Supabase SQL editor and run it (or give the bot `supabase-db-url`).";

/// Reads the facts: over the database when there is a URL, else through the function.
pub async fn fetch(s: &Supabase, config: &Config, now: i64) -> Result<HealthAnswer, FetchError> {
    let since = format_rfc3339(now - WINDOW_SECS);
    let job = (!config.cron.job_name.is_empty()).then_some(config.cron.job_name.as_str());
    if let Some(db) = s.db().await {
        let db = db?;
        let mut facts = serde_json::Map::new();
        for f in HEALTH {
            let ext = facts.get("extensions");
            let runnable = match f.needs {
                Prerequisite::Nothing => true,
                Prerequisite::PgCron => ext.is_some_and(|e| !e["pg_cron"].is_null()),
                Prerequisite::PgNetTable => ext.is_some_and(|e| e["net_responses"] == json!(true)),
            };
            if !runnable {
                continue;
            }
            let params: Vec<super::db::Arg> = f
                .params
                .iter()
                .map(|p| match p {
                    sql::Param::JobName => super::db::Arg::Text(job),
                    sql::Param::Since => super::db::Arg::Text(Some(since.as_str())),
                })
                .collect();
            facts.insert(f.key.to_string(), db.json(f.sql, &params).await?);
        }
        return parse(Value::Object(facts));
    }
    let Some(rest) = &s.rest else {
        return Err(FetchError::Other("no Supabase access".into()));
    };
    let mut path = format!("/rpc/{}?since={}", sql::HEALTH_FUNCTION, encode(&since));
    if let Some(job) = job {
        path.push_str(&format!("&job_name={}", encode(job)));
    }
    let a = rest.get(&path, None).await?;
    if a.is_success() {
        let v: Value = crate::live::decode::bounded(&a.body)
            .map_err(|e| FetchError::Other(format!("the health function answered no JSON: {e}")))?;
        return parse(v);
    }
    let e = ApiError::of(&a);
    if a.status == 404 && e.code == "PGRST202" {
        return Ok(HealthAnswer::NotInstalled);
    }
    Err(e.refused(format!("the health function answered {}", a.status)))
}

fn parse(v: Value) -> Result<HealthAnswer, FetchError> {
    serde_json::from_value::<HealthFacts>(v)
        .map(|h| HealthAnswer::Found(Box::new(h)))
        .map_err(|e| {
            FetchError::Other(format!(
                "the health facts are not in the expected shape: {e}"
            ))
        })
}

impl HealthFacts {
    /// The sync job the checks judge: the first active match, else the first match.
    pub fn sync_job(&self) -> Option<&CronJob> {
        let jobs = &self.jobs.as_ref()?.matching;
        jobs.iter().find(|j| j.active).or_else(|| jobs.first())
    }

    /// The runs of `job`, newest first.
    pub fn runs_of(&self, job: &CronJob) -> Vec<&CronRun> {
        self.runs
            .iter()
            .flatten()
            .filter(|r| r.jobid == job.jobid)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_health_json_reads_with_missing_parts() {
        let v = json!({
            "version": 1,
            "extensions": {"pg_cron": "1.4-1", "pg_net": null, "net_responses": true},
            "scheduler": null,
            "jobs": {"total": 3, "matching": [
                {"jobid": 1, "jobname": "pendo-sync", "schedule": "0 */6 * * *", "command": "select 1", "active": false},
                {"jobid": 2, "jobname": "pendo-sync-2", "schedule": "0 * * * *", "command": "select 2", "active": true}
            ]},
            "runs": [{"jobid": 2, "runid": 9, "status": "succeeded", "start_time": "2026-11-28T06:00:00+00:00"}]
        });
        let HealthAnswer::Found(h) = parse(v).unwrap() else {
            panic!("found")
        };
        assert_eq!(h.extensions.pg_cron.as_deref(), Some("1.4-1"));
        assert!(h.scheduler.is_none());
        let job = h.sync_job().unwrap();
        assert_eq!(job.jobid, 2);
        assert_eq!(h.runs_of(job).len(), 1);
        assert!(h.responses.is_none());
    }
}
