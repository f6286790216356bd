//! The live checks: what Pendo and Supabase say now, as findings.
//!
//! [`Live`] is built once per run, after the config and the credentials: it holds them,
//! the HTTP client, one client per dependency and the reference time. [`Live::run`]
//! runs the live checks a triage's plan gives it, all at once, each bounded by the
//! request timeout of its calls and the whole set by one deadline
//! (`live.total_timeout_seconds`): a check still running then is `error` ("no answer
//! within N s") and the others keep their results. That is remembered for the run: a
//! later triage of the same run (a sweep, the watch's data types) gets the same `error`
//! at once instead of waiting out the deadline again, so a hung dependency costs one
//! deadline per job. The same `run` serves `check` and the Action.
//!
//! Which checks exist and which function runs each is the registry's
//! (`crate::registry`), and which of them run for a triage is its plan's
//! (`crate::check_plan`); this module only runs the jobs it is given. Each check lives in its own file as
//! a small `fetch` that does the I/O and a pure `judge` that turns the answer into a
//! [`Finding`], with table tests beside it. Answers are fetched once per run and shared (a
//! sweep of five issues asks Pendo once), through the dependency's client or
//! [`Live::shared`]; that is also how `supabase.completeness` reads the count
//! `pendo.endpoint` fetched. A transport failure becomes an `error` finding through
//! [`fetch_error`], which redacts; a check never returns `Err`.

pub mod contexts;
pub use pendo_text::decode;
pub mod http;
pub mod pendo;
pub mod supabase;
pub mod tls;

use crate::config::Config;
use crate::credentials::Credentials;
use crate::finding::{CheckId, Finding, Status};
use crate::issue::{DataType, Environment, Issue};
use http::{FetchError, Http, seconds};
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// What the live checks need from the issue: typed, never its raw text. The issue's
/// endpoint only ever selects one of the allowlisted Pendo paths through its data type.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct LiveInputs {
    pub environment: Option<Environment>,
    pub data_type: Option<DataType>,
    /// The issue's Expected Record Count, when it gives a number.
    pub expected_records: Option<u64>,
    /// False when the body is not an `[API]` issue (another template, free text): then
    /// nothing is measured for it.
    pub not_api: bool,
}

impl LiveInputs {
    pub fn from_issue(issue: &Issue) -> Self {
        Self {
            environment: issue.environment,
            data_type: issue.data_type,
            expected_records: issue.field("Expected Record Count").and_then(first_number),
            not_api: !issue.is_api_issue(),
        }
    }

    /// A stable key for the state block: results for equal inputs are interchangeable.
    pub fn key(&self) -> String {
        crate::state::fingerprint(&format!(
            "{}{}|{}|{}",
            if self.not_api { "not-api|" } else { "" },
            self.environment.map_or("-", |e| e.as_str()),
            self.data_type.map_or("-", |d| d.as_str()),
            self.expected_records.map_or("-".into(), |n| n.to_string())
        ))
    }
}

/// The first whole number in a text (`~1,200 guides` → 1200).
fn first_number(text: &str) -> Option<u64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',' || *c == '_')
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// Everything the live checks of one environment share in one run (see
/// [`contexts::LiveContexts`] for one per environment).
pub struct Live {
    pub config: Config,
    /// Whose credentials these are: the only environment this context answers.
    pub environment: Environment,
    pub creds: Credentials,
    /// Unix seconds: the reference of every live measurement.
    pub now: i64,
    pub(crate) pendo: Option<pendo::Pendo>,
    pub(crate) supabase: Option<supabase::Supabase>,
    /// The run's HTTP client, for a check that builds its own client (see [`Live::shared`]).
    pub(crate) http: Http,
    /// Findings per [`LiveInputs::key`]: issues with equal inputs share one run.
    results: tokio::sync::Mutex<HashMap<String, Vec<Finding>>>,
    /// Checks that got no answer within the deadline in an earlier triage of this run.
    gave_up: std::sync::Mutex<HashMap<CheckId, Duration>>,
    runs: AtomicU32,
    busy_ms: AtomicU32,
    /// Answers fetched once per run, by type (see [`Live::shared`]).
    shared: std::sync::Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

/// An answer fetched once per run and shared by every check and triage that asks for it.
pub struct Shared<T>(Arc<tokio::sync::OnceCell<T>>);

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.0
            .get()
            .expect("a Shared is handed out only once its cell is set")
    }
}

impl Live {
    /// Builds the clients the credentials allow, for `live.credentials_environment`.
    /// Fails only when the HTTP stack cannot start at all.
    pub fn new(
        config: &Config,
        creds: &Credentials,
        now: i64,
    ) -> Result<Arc<Live>, crate::live::http::ClientError> {
        Self::of_environment(config, config.live.credentials_environment, creds, now)
    }

    /// Builds `environment`'s context from its own credentials: its own clients, answers
    /// and deadline.
    pub fn of_environment(
        config: &Config,
        environment: Environment,
        creds: &Credentials,
        now: i64,
    ) -> Result<Arc<Live>, crate::live::http::ClientError> {
        let http = Http::new(Duration::from_secs(config.live.request_timeout_seconds))?;
        Ok(Arc::new(Live {
            environment,
            pendo: pendo::Pendo::new(creds, &http),
            supabase: supabase::Supabase::new(creds, &http),
            http,
            config: config.clone(),
            creds: creds.clone(),
            now,
            results: tokio::sync::Mutex::new(HashMap::new()),
            gave_up: std::sync::Mutex::new(HashMap::new()),
            runs: AtomicU32::new(0),
            busy_ms: AtomicU32::new(0),
            shared: std::sync::Mutex::new(HashMap::new()),
        }))
    }

    /// The run's one answer of type `T`, fetched by the first caller and shared with every
    /// later one (a sweep of five issues asks once). A check that needs an answer of its
    /// own declares a type for it in its file and asks here, so adding it needs no field
    /// in [`Live`] or in the dependency's client.
    pub async fn shared<T, F, Fut>(&self, fetch: F) -> Shared<T>
    where
        T: Send + Sync + 'static,
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = T>,
    {
        let cell = {
            let mut cells = self.shared.lock().unwrap_or_else(|e| e.into_inner());
            let any = cells
                .entry(TypeId::of::<T>())
                .or_insert_with(|| Arc::new(tokio::sync::OnceCell::<T>::new()));
            Arc::clone(any)
                .downcast::<tokio::sync::OnceCell<T>>()
                .expect("the cell under a type's id holds that type")
        };
        cell.get_or_init(fetch).await;
        Shared(cell)
    }

    /// How many times [`Live::run`] ran, and the wall time spent in it.
    pub fn stats(&self) -> (u32, Duration) {
        (
            self.runs.load(Ordering::Relaxed),
            Duration::from_millis(u64::from(self.busy_ms.load(Ordering::Relaxed))),
        )
    }

    /// Requests sent to Pendo so far (every attempt counts).
    pub fn pendo_requests(&self) -> u32 {
        self.pendo.as_ref().map_or(0, pendo::Pendo::requests)
    }

    /// Supabase REST requests and database queries sent so far.
    pub fn supabase_requests(&self) -> (u32, u32) {
        self.supabase
            .as_ref()
            .map_or((0, 0), supabase::Supabase::counts)
    }

    /// Runs `jobs` (a plan's live rows, see [`crate::check_plan`]) for `inputs`,
    /// concurrently, within the run's deadline. Returns one finding per job, in
    /// report order; equal inputs and jobs get the findings of the first run.
    pub async fn run(
        self: &Arc<Self>,
        inputs: &LiveInputs,
        jobs: &[(CheckId, Job)],
    ) -> Vec<Finding> {
        let ids: Vec<&str> = jobs.iter().map(|(id, _)| id.as_str()).collect();
        let key = format!("{}|{}", inputs.key(), ids.join(","));
        let mut results = self.results.lock().await;
        if let Some(found) = results.get(&key) {
            return found.clone();
        }
        let found = self.run_uncached(inputs, jobs).await;
        results.insert(key, found.clone());
        found
    }

    async fn run_uncached(
        self: &Arc<Self>,
        inputs: &LiveInputs,
        jobs: &[(CheckId, Job)],
    ) -> Vec<Finding> {
        let started = Instant::now();
        self.runs.fetch_add(1, Ordering::Relaxed);
        let fetching = jobs.iter().filter(|(_, job)| matches!(job, Job::Fetch(_)));
        let mut found = self
            .fetch_within_deadline(inputs, fetching.copied().collect())
            .await;
        // Checks that judge what the others fetched, with no I/O of their own.
        for (_, job) in jobs
            .iter()
            .filter(|(_, job)| matches!(job, Job::Derived(_)))
        {
            found.push(run_one(self, inputs, *job).await);
        }
        found.sort_by_key(|f| f.id);
        let spent = started.elapsed().as_millis().min(u128::from(u32::MAX)) as u32;
        self.busy_ms.fetch_add(spent, Ordering::Relaxed);
        found
    }

    /// Runs the fetching checks concurrently until they are all in or the run's deadline
    /// passes; a check still out then is `error`, and remembered as such for the run.
    async fn fetch_within_deadline(
        self: &Arc<Self>,
        inputs: &LiveInputs,
        jobs: Vec<(CheckId, Job)>,
    ) -> Vec<Finding> {
        let total = Duration::from_secs(self.config.live.total_timeout_seconds);
        let deadline = tokio::time::Instant::now() + total;
        let mut tasks = tokio::task::JoinSet::new();
        let mut spawned = HashMap::new();
        let mut found: Vec<Finding> = Vec::new();
        let gave_up = self.gave_up().clone();
        for (id, job) in jobs {
            if let Some(waited) = gave_up.get(&id) {
                found.push(self.with_db_mode(Finding::new(
                    id,
                    Status::Error,
                    format!(
                        "no answer within {} (an earlier triage of this run waited for it)",
                        seconds(*waited)
                    ),
                )));
                continue;
            }
            let (live, inputs) = (Arc::clone(self), inputs.clone());
            // The task carries the caller's span (the issue's), so its lines name the issue.
            let handle = tasks.spawn(tracing::Instrument::in_current_span(async move {
                let started = Instant::now();
                let mut f = run_one(&live, &inputs, job).await;
                let ms = *f
                    .duration_ms
                    .get_or_insert(started.elapsed().as_millis() as u64);
                tracing::debug!("check {id}: {} in {ms} ms", f.status);
                f
            }));
            spawned.insert(handle.id(), id);
        }
        loop {
            tokio::select! {
                joined = tasks.join_next_with_id() => match joined {
                    Some(Ok((_, f))) => found.push(f),
                    Some(Err(e)) => {
                        if let Some(id) = spawned.get(&e.id()) {
                            found.push(Finding::new(*id, Status::Error, "the check failed unexpectedly (internal error, see the run log)"));
                        }
                    }
                    None => break,
                },
                _ = tokio::time::sleep_until(deadline) => break,
            }
        }
        tasks.abort_all();
        for id in spawned.values() {
            if !found.iter().any(|f| f.id == *id) {
                self.gave_up().insert(*id, total);
                found.push(self.with_db_mode(Finding::new(
                    *id,
                    Status::Error,
                    format!("no answer within {}", seconds(total)),
                )));
            }
        }
        found
    }

    /// `f` with the database connection's TLS mode in its evidence, when its check read
    /// the database (every such finding says it, failures included).
    fn with_db_mode(&self, f: Finding) -> Finding {
        match self
            .supabase
            .as_ref()
            .and_then(|s| s.db_evidence(f.id, f.status))
        {
            Some(line) => f.with_evidence(line),
            None => f,
        }
    }

    fn gave_up(&self) -> std::sync::MutexGuard<'_, HashMap<CheckId, Duration>> {
        self.gave_up.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How a live check runs: its registry row's function.
#[derive(Debug, Clone, Copy)]
pub enum Job {
    /// A check that fetches (through the run's shared answers) and judges.
    Fetch(LiveCheck),
    /// A check that judges only what the others fetched, once they are in or the
    /// deadline passed.
    Derived(LiveCheck),
}

/// A live check's entry point, in its own file.
pub type LiveCheck = for<'a> fn(&'a Live, &'a LiveInputs) -> Checking<'a>;

/// A running live check: what its registry line's function returns.
pub type Checking<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = Finding> + Send + 'a>>;

/// Runs one live check.
async fn run_one(live: &Live, inputs: &LiveInputs, job: Job) -> Finding {
    match job {
        Job::Fetch(run) | Job::Derived(run) => live.with_db_mode(run(live, inputs).await),
    }
}

/// Awaits every future at once and returns their outputs in order (the checks' own
/// fan-out, e.g. one probe per table; no task is spawned): `futures-util`'s, over a `Vec`
/// so the callers' `collect()` needs no annotation.
pub async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    futures_util::future::join_all(futures).await
}

/// The finding of a check whose request got no usable answer: `error`, with what was
/// asked and what went wrong, redacted.
pub fn fetch_error(id: CheckId, what: &str, e: &FetchError) -> Finding {
    Finding::new(
        id,
        Status::Error,
        crate::outside::plain(format!("{what}: {e}")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_shared_answer_is_fetched_once_per_run_and_per_type() {
        let live = Live::new(&Config::default(), &Credentials::default(), 0).unwrap();
        let calls = AtomicU32::new(0);
        #[derive(Debug, PartialEq)]
        struct Answer(u32);
        #[derive(Debug, PartialEq)]
        struct Other(&'static str);
        let fetch = || async { Answer(calls.fetch_add(1, Ordering::Relaxed) + 7) };
        let first = live.shared(fetch).await;
        let second = live.shared(fetch).await;
        assert_eq!(*first, Answer(7));
        assert_eq!(*second, Answer(7));
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        assert_eq!(*live.shared(|| async { Other("x") }).await, Other("x"));
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    #[test]
    fn inputs_come_typed_from_the_issue() {
        let issue = crate::issue::parse(
            "- **Endpoint**: `GET https://evil.example/api/v1/guide`\n- **Environment**: prod\n- **Expected Record Count**: ~1,200 guides\n",
        );
        let inputs = LiveInputs::from_issue(&issue);
        assert_eq!(inputs.data_type, Some(DataType::Guides));
        assert_eq!(inputs.environment, Some(Environment::Production));
        assert_eq!(inputs.expected_records, Some(1200));
        // Nothing of the issue's host survives: only the data type does.
        assert!(!format!("{inputs:?}").contains("evil"));
        assert_eq!(first_number("none"), None);
    }
}
