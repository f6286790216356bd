//! Live answers in few round trips: with every dependency answering after a delay, the
//! requests a run sends form waves, and only a request that needs another's answer waits
//! for it. Counted structurally from the fakes' records (see `support::spans`): the
//! longest chain of requests in which each arrived after the one before was answered.
//! No assertion on wall time, so a loaded machine cannot make these flake; the clock is
//! the injected one (`NOW`), so the date of the run does not matter either.

use crate::support;

use pendo_triage::config::Config;
use pendo_triage::credentials::{Credentials, SecretString};
use pendo_triage::finding::{Finding, Status};
use pendo_triage::issue::{DataType, Environment};
use pendo_triage::live::{Live, LiveInputs};
use support::fake_management::{
    FAKE_ACCESS_TOKEN, FakeManagement, Function, Invocation, Knobs, PROJECT_REF,
};
use support::fake_pendo::{FAKE_PENDO_KEY, FakePendo};
use support::fake_postgrest::{FakePostgrest, SERVICE_ROLE_JWT};
use support::pg::{History, Pg, Reference};
use support::spans::{Span, critical_path, describe};

/// 2026-11-28T10:00:00Z: the histories' reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
/// How long every fake takes to answer: far longer than a wave takes to go out, so a
/// request that arrives after another's answer did wait for it.
const DELAY_MS: u64 = 400;
const FUNCTION_ID: &str = "0b5e0000-0000-4000-8000-000000000001";

/// Pendo, a Supabase project over REST and the Management API, all answering late.
struct Project {
    pendo: FakePendo,
    rest: FakePostgrest,
    management: FakeManagement,
    _pg: Pg,
}

impl Project {
    fn start(pg: Pg) -> Project {
        let pendo = FakePendo::builder()
            .now_ms(NOW * 1000)
            .knobs(|k| k.delay_ms = DELAY_MS)
            .start();
        let rest = support::project::mirror(&pg);
        rest.knobs(|k| k.delay_ms = DELAY_MS);
        let management = FakeManagement::start(Knobs {
            functions: vec![Function {
                id: FUNCTION_ID.into(),
                slug: "pendo-sync".into(),
                version: 3,
                status: "ACTIVE".into(),
                updated_at: NOW - 20 * 86_400,
            }],
            invocations: vec![Invocation {
                at: NOW - 3_600,
                function_id: FUNCTION_ID.into(),
                status_code: 200,
                execution_time_ms: 4_000,
            }],
            delay_ms: DELAY_MS,
            ..Knobs::default()
        });
        Project {
            pendo,
            rest,
            management,
            _pg: pg,
        }
    }

    /// Runs every live check once, as `check` does for a Guides issue in Production.
    fn triage(&self) -> Vec<Finding> {
        let creds = Credentials {
            pendo_key: SecretString::new(FAKE_PENDO_KEY),
            pendo_region: "us".into(),
            pendo_base_url: self.pendo.url().into(),
            supabase_url: Some(self.rest.url().to_string()),
            supabase_key: SecretString::new(SERVICE_ROLE_JWT),
            supabase_access_token: SecretString::new(FAKE_ACCESS_TOKEN),
            ..Default::default()
        };
        let mut config = Config::default();
        config.functions.project_ref = Some(PROJECT_REF.into());
        config.functions.management_url = Some(self.management.url().into());
        config.functions.slugs = vec!["pendo-sync".into()];
        let inputs = LiveInputs {
            environment: Some(Environment::Production),
            data_type: Some(DataType::Guides),
            // What the fake lists with every app: no second list is asked.
            expected_records: Some(5),
            not_api: false,
        };
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let live = Live::new(&config, &creds, NOW).unwrap();
        rt.block_on(pendo_triage::check_plan::run_live(&live, &inputs))
    }

    /// Every request the fakes served, on their one clock.
    fn spans(&self) -> Vec<Span> {
        let mut spans = self.pendo.spans();
        spans.extend(self.rest.spans());
        spans.extend(self.management.spans());
        spans
    }
}

/// The findings' ids and statuses, for messages.
fn statuses(found: &[Finding]) -> String {
    let lines: Vec<String> = found
        .iter()
        .map(|f| format!("{} {:?}: {}", f.id, f.status, f.summary))
        .collect();
    lines.join("\n")
}

#[test]
fn a_healthy_project_is_answered_in_two_round_trips() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW);
    let p = Project::start(pg);
    let found = p.triage();
    // Every check concluded: nothing timed out or broke, and the functions check read
    // the deploys and the logs (the second wave).
    assert!(
        found.iter().all(|f| f.status != Status::Error),
        "{}",
        statuses(&found)
    );
    let functions = found
        .iter()
        .find(|f| f.id.as_str() == "supabase.functions")
        .expect("supabase.functions ran");
    assert_ne!(functions.status, Status::Skip, "{}", statuses(&found));
    assert_eq!(p.management.requests().len(), 3);
    let spans = p.spans();
    let chain = critical_path(&spans);
    // The first wave: the key probe, the list, the latency probes, the events
    // aggregation and the guides' views go to Pendo together (the per-host cap lets the
    // whole wave out).
    assert_eq!(p.pendo.requests().len(), 7, "{:?}", p.pendo.requests());
    assert_eq!(p.pendo.max_in_flight(), 7);
    // The second: a table's exact count after its newest row, and the Edge Function's
    // logs after its id. Nothing waits for more than one answer in turn.
    assert_eq!(chain.len(), 2, "the longest chain:\n{}", describe(&chain));
}

#[test]
fn zero_metric_rows_add_one_round_trip_for_their_events() {
    let pg = Pg::start();
    Reference::new(NOW).views_wiped().load(&pg);
    let p = Project::start(pg);
    let found = p.triage();
    let analytics = found
        .iter()
        .find(|f| f.id.as_str() == "supabase.analytics")
        .expect("supabase.analytics ran");
    assert_eq!(analytics.status, Status::Fail, "{}", statuses(&found));
    assert!(
        analytics
            .summary
            .starts_with("Analytics wiped: views are 0"),
        "{}",
        analytics.summary
    );
    // The OpenAPI root, then the zero rows (with their ids), then those ids' events: the
    // events truly need the ids, and nothing else waits longer.
    let spans = p.spans();
    let chain = critical_path(&spans);
    assert_eq!(chain.len(), 3, "the longest chain:\n{}", describe(&chain));
    let last = chain.last().expect("a chain");
    assert!(last.what.contains("/pendo_events"), "{}", describe(&chain));
}
