//! One plan per triage: for every registry row, whether its check reads the issue
//! ([`Decision::Offline`]), runs live now ([`Decision::Run`]), reuses an earlier result
//! ([`Decision::Reuse`]) or is skipped, and why ([`Decision::Skip`]).
//!
//! This is the only place that decides whether a check runs. What it weighs: the check's
//! needs against the credentials of the environment that would answer, the issue's
//! environment, whether the body is an `[API]` issue at all, and the [`Occasion`]: whether
//! this event may fire live checks (members' issues, rechecks, dispatch, schedule; see
//! [`crate::event`]) and whether an earlier run's results, kept in the report's state,
//! are recent enough to reuse. Running the plan is [`CheckPlan::run`] (the live rows, in
//! their environment's context) and [`CheckPlan::findings`] (every row, in report order);
//! each row runs through its registry function.

use crate::credentials::Credentials;
use crate::event::Trigger;
use crate::finding::{CheckId, Finding, Needs, Status};
use crate::issue::Environment;
use crate::live::{Job, Live, LiveInputs};
use crate::reading::Reading;
use crate::registry::{CATALOGUE, Runner, row};
use crate::state::LiveRecord;
use std::sync::Arc;

/// The skip reason of a live check whose inputs are set but that did not run for this
/// event (the report's note says why, e.g. the author is not a member).
pub const NOT_RUN: &str = "not run for this event";

/// Why a check is not run for a body that is not an `[API]` issue.
pub const NOT_API: &str =
    "not an [API] issue: the body has none of the template's sections, fields or checklist";

/// The checks that still run for a body that is not an `[API]` issue: the Supabase data
/// and its pipeline, which any report about the sync concerns. Nothing that asks Pendo
/// (its rate limits are the sync's) or needs the issue's data type.
pub const NOT_API_CHECKS: [CheckId; 7] = [
    CheckId::SupabaseApi,
    CheckId::SupabaseTables,
    CheckId::SupabaseFreshness,
    CheckId::SupabaseSyncLog,
    CheckId::SupabaseCron,
    CheckId::SupabaseHttp,
    CheckId::SupabaseAnalytics,
];

/// What the plan decides for one registry row.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// An `issue.*` check: it reads the issue.
    Offline,
    /// A live check that runs now.
    Run,
    /// A live check whose earlier result stands (kept in the report's state).
    Reuse(Finding),
    /// A live check that does not run, with the reason the report shows.
    Skip(String),
}

/// The event's side of the plan: may it fire live checks, and what it remembers.
#[derive(Debug, Clone, Copy)]
pub struct Occasion<'a> {
    /// True when the event may fire live checks (see [`crate::event::Target`]).
    pub allowed: bool,
    pub trigger: Trigger,
    /// The live results kept in the report's state by an earlier run.
    pub previous: Option<&'a LiveRecord>,
    /// Unix seconds.
    pub now: i64,
    /// Results younger than this are reused by an edit (`live.reuse_minutes`).
    pub reuse_minutes: u64,
    /// The recheck label, for the note of an event that may not fire live checks.
    pub recheck_label: &'a str,
}

impl Occasion<'_> {
    /// A run that fires every live check the credentials allow (the CLI, the watch).
    pub fn forced(now: i64) -> Occasion<'static> {
        Occasion {
            allowed: true,
            trigger: Trigger::Dispatch,
            previous: None,
            now,
            reuse_minutes: 0,
            recheck_label: "",
        }
    }
}

/// Who would answer: the environment whose context runs the live rows, and its
/// credentials.
#[derive(Debug, Clone, Copy)]
pub struct Answerer<'a> {
    pub environment: Environment,
    /// `live.credentials_environment`: the environment of the unprefixed variables.
    pub owner: Environment,
    pub creds: &'a Credentials,
}

impl<'a> Answerer<'a> {
    /// The context that runs the live rows.
    pub fn of(live: &'a Live) -> Self {
        Answerer {
            environment: live.environment,
            owner: live.config.live.credentials_environment,
            creds: &live.creds,
        }
    }
}

/// The plan of one triage: one decision per registry row, in report order.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckPlan {
    pub rows: Vec<(CheckId, Decision)>,
    /// The report's note when the event may not fire live checks.
    pub note: Option<String>,
    /// When the reused results were measured (unix seconds).
    pub reused_at: Option<i64>,
}

/// How the live rows as a whole go for this occasion.
enum Whole<'a> {
    Run,
    Reuse(&'a LiveRecord),
    NotRun(String),
}

impl CheckPlan {
    /// Decides every row for `inputs`, answered by `by`, on `occasion`.
    pub fn decide(inputs: &LiveInputs, by: Answerer, occasion: &Occasion) -> CheckPlan {
        let whole = whole(inputs, occasion);
        let rows = CATALOGUE
            .iter()
            .map(|c| (c.id, decide_row(c.id, inputs, by, &whole)))
            .collect();
        let (note, reused_at) = match whole {
            Whole::NotRun(note) => (Some(note), None),
            Whole::Reuse(p) => (None, Some(p.at)),
            Whole::Run => (None, None),
        };
        CheckPlan {
            rows,
            note,
            reused_at,
        }
    }

    /// The plan of a triage whose live results are given (`live`; the tests', the
    /// benchmarks' and an offline reading's): a given result stands, an absent one is
    /// `skip`, saying what `creds` lack or that it did not run.
    pub fn given(creds: &Credentials, live: &[Finding]) -> CheckPlan {
        let rows = CATALOGUE
            .iter()
            .map(|c| {
                let d = if c.id.is_offline() {
                    Decision::Offline
                } else if let Some(f) = live.iter().find(|f| f.id == c.id) {
                    Decision::Reuse(f.clone())
                } else if c.id.needs().met(creds) {
                    Decision::Skip(NOT_RUN.into())
                } else {
                    Decision::Skip(c.id.needs().missing(creds).into())
                };
                (c.id, d)
            })
            .collect();
        CheckPlan {
            rows,
            note: None,
            reused_at: None,
        }
    }

    /// The live jobs this plan runs now, in report order.
    pub fn jobs(&self) -> Vec<(CheckId, Job)> {
        self.rows
            .iter()
            .filter(|(_, d)| *d == Decision::Run)
            .filter_map(|(id, _)| match row(*id).run {
                Runner::Live(job) => Some((*id, job)),
                Runner::Offline(_) => None,
            })
            .collect()
    }

    /// The findings of the rows run now, out of `findings` (what [`CheckPlan::run`]
    /// returned): what the report's state keeps for reuse.
    pub fn measured(&self, findings: &[Finding]) -> Vec<Finding> {
        findings
            .iter()
            .filter(|f| self.rows.contains(&(f.id, Decision::Run)))
            .cloned()
            .collect()
    }

    /// True when the plan runs any live check now.
    pub fn runs_live(&self) -> bool {
        self.rows.iter().any(|(_, d)| *d == Decision::Run)
    }

    /// Runs the live rows in `live` (the answering environment's context) and returns
    /// the plan's live findings, in report order: those run now, reused or skipped.
    pub async fn run(&self, live: &Arc<Live>, inputs: &LiveInputs) -> Vec<Finding> {
        let jobs = self.jobs();
        let ran = if jobs.is_empty() {
            Vec::new()
        } else {
            live.run(inputs, &jobs).await
        };
        self.rows
            .iter()
            .filter(|(id, _)| !id.is_offline())
            .map(|(id, d)| live_finding(*id, d, &ran))
            .collect()
    }

    /// Every row's finding, in report order: the offline rows read `reading`, the live
    /// ones are taken from `live` (what [`CheckPlan::run`] returned, or results kept).
    pub fn findings(&self, reading: &Reading, live: &[Finding]) -> Vec<Finding> {
        self.rows
            .iter()
            .map(|(id, d)| match (d, row(*id).run) {
                (Decision::Offline, Runner::Offline(read)) => read(reading),
                _ => live_finding(*id, d, live),
            })
            .collect()
    }
}

/// A live row's finding: the one run or given for it, its kept result, or its skip.
fn live_finding(id: CheckId, d: &Decision, found: &[Finding]) -> Finding {
    match d {
        Decision::Reuse(f) => f.clone(),
        Decision::Skip(why) => Finding::skip(id, why.clone()),
        Decision::Run | Decision::Offline => found
            .iter()
            .find(|f| f.id == id)
            .cloned()
            .unwrap_or_else(|| Finding::skip(id, NOT_RUN)),
    }
}

/// Whether the live rows run now, reuse the kept results, or do not run at all.
fn whole<'a>(inputs: &LiveInputs, o: &Occasion<'a>) -> Whole<'a> {
    let same_inputs = |p: &&LiveRecord| p.inputs == inputs.key();
    if !o.allowed {
        // Results a member asked for earlier stay while the inputs are the same.
        return match o.previous.filter(same_inputs) {
            Some(p) => Whole::Reuse(p),
            None => Whole::NotRun(offline_note(o.recheck_label)),
        };
    }
    if o.trigger.forces_live() {
        return Whole::Run;
    }
    let window = (o.reuse_minutes as i64) * 60;
    match o.previous {
        Some(p) if o.now.saturating_sub(p.at) < window => Whole::Reuse(p),
        _ => Whole::Run,
    }
}

/// One live row's decision: first what no occasion changes (the environment, the
/// credentials, the kind of body), then the occasion.
fn decide_row(id: CheckId, inputs: &LiveInputs, by: Answerer, whole: &Whole) -> Decision {
    if id.is_offline() {
        return Decision::Offline;
    }
    if let Some(env) = inputs.environment.filter(|e| *e != by.environment) {
        // Another environment's measurements would answer this issue wrongly (the run
        // picks each issue's own context, see `live::contexts`).
        return Decision::Skip(if inputs.not_api {
            NOT_API.to_string()
        } else {
            format!(
                "no credentials for {} (the configured ones are {}'s)",
                env.as_str(),
                by.environment.as_str()
            )
        });
    }
    let needs = id.needs();
    if !needs.met(by.creds) {
        return Decision::Skip(if by.environment == by.owner {
            needs.missing(by.creds).to_string()
        } else {
            unset_variables(by.environment, by.owner, needs, by.creds)
        });
    }
    if inputs.not_api && !NOT_API_CHECKS.contains(&id) {
        // Another template's body (the reference repository's security or bug report)
        // still gets the Supabase data checks; nothing that asks Pendo.
        return Decision::Skip(NOT_API.to_string());
    }
    match whole {
        Whole::Run => Decision::Run,
        Whole::Reuse(p) => match p.findings.iter().find(|f| f.id == id) {
            Some(f) => Decision::Reuse(f.clone()),
            None => Decision::Skip(NOT_RUN.into()),
        },
        Whole::NotRun(_) => Decision::Skip(NOT_RUN.into()),
    }
}

/// The note for issues whose author may not fire live checks (markdown).
pub fn offline_note(recheck_label: &str) -> String {
    format!(
        "Live checks run only for issues opened by repository members. A member can add the `{}` label or comment `{}` to run them.",
        recheck_label.replace('`', ""),
        crate::event::RECHECK_COMMAND
    )
}

/// Why a check of a non-owner environment is skipped: the prefixed variables to set.
fn unset_variables(
    env: Environment,
    owner: Environment,
    needs: Needs,
    creds: &Credentials,
) -> String {
    let p = crate::credentials::prefix(env);
    let pendo = format!("{p}_PENDO_INTEGRATION_KEY");
    let api = format!("{p}_SUPABASE_URL and {p}_SUPABASE_SERVICE_ROLE_KEY");
    let either = format!("{api}, or {p}_SUPABASE_DB_URL");
    let has_supabase = creds.has_supabase_api() || creds.has_supabase_db();
    let vars = match needs {
        Needs::Issue => String::new(),
        Needs::Pendo => pendo,
        Needs::SupabaseApi => api,
        Needs::PendoAndSupabase if creds.has_pendo() => either,
        Needs::PendoAndSupabase if has_supabase => pendo,
        Needs::PendoAndSupabase => format!("{pendo}, and {api} (or {p}_SUPABASE_DB_URL)"),
        Needs::SupabaseApiOrDatabase => either,
        Needs::SupabaseManagement => format!("{p}_SUPABASE_ACCESS_TOKEN"),
    };
    format!(
        "no credentials for {}: set {vars} (the unprefixed ones are {}'s)",
        env.as_str(),
        owner.as_str()
    )
}

/// The live results worth keeping for reuse: any that is not `skip`.
pub fn record(findings: &[Finding], inputs_key: &str, now: i64) -> Option<LiveRecord> {
    findings
        .iter()
        .any(|f| f.status != Status::Skip)
        .then(|| LiveRecord {
            at: now,
            inputs: inputs_key.to_string(),
            findings: findings.to_vec(),
        })
}

/// Runs every live check `live`'s credentials allow for `inputs`, as a member's recheck
/// would: the live findings, in report order (the CLI's `check`, the watch, benchmarks).
pub async fn run_live(live: &Arc<Live>, inputs: &LiveInputs) -> Vec<Finding> {
    let plan = CheckPlan::decide(inputs, Answerer::of(live), &Occasion::forced(live.now));
    plan.run(live, inputs).await
}

#[cfg(test)]
mod tests;
