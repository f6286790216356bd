//! `cargo bench --bench live`: the performance figures of the live checks, measured
//! against fakes on 127.0.0.1 and a real PostgreSQL.
//!
//! 1. Every dependency answering after 300 ms: the whole set of live checks ends close to
//!    its slowest single check, not the sum (goal: wall / slowest ≤ 1.2), with the number
//!    of Pendo requests and Supabase requests, and the critical path in round trips: the
//!    longest chain of requests in which each arrived at a fake after the one before was
//!    answered (from the fakes' records), beside wall / 300 ms (goal: at most 2.5 round
//!    trips, 0.75 s).
//! 2. Pendo hung: the set ends at the deadline, with the Supabase results intact.
//! 3. The Supabase checks over the database URL with a 1,000,000-row events table (goal:
//!    under 1 s), with the number of queries.
//! 4. `supabase.analytics` on the reference deployment with 1,000,000 events in its window
//!    (goal: under 1 s): its two queries timed alone, and the whole set of checks.

#[path = "../tests/support/mod.rs"]
mod support;

use pendo_triage::config::Config;
use pendo_triage::credentials::{Credentials, SecretString};
use pendo_triage::finding::{Finding, Status};
use pendo_triage::issue::{DataType, Environment};
use pendo_triage::live::supabase::client::{
    db::{Arg, Db},
    sql,
};
use pendo_triage::live::{Live, LiveInputs};
use std::time::{Duration, Instant};
use support::fake_pendo::{FAKE_PENDO_KEY, FakePendo};
use support::fake_postgrest::{FakePostgrest, SERVICE_ROLE_JWT};
use support::pg::{History, Pg, Reference, events_rows, reference_events_rows};

const NOW: i64 = 1_795_860_000; // 2026-11-28T10:00:00Z
const RUNS: usize = 5;

fn inputs() -> LiveInputs {
    LiveInputs {
        environment: Some(Environment::Production),
        data_type: Some(DataType::Guides),
        expected_records: Some(42),
        not_api: false,
    }
}

fn pendo_creds(url: &str) -> Credentials {
    Credentials {
        pendo_key: SecretString::new(FAKE_PENDO_KEY),
        pendo_region: "us".into(),
        pendo_base_url: url.into(),
        ..Default::default()
    }
}

/// The rows of a healthy project, served by a fake PostgREST answering after `delay_ms`.
fn project(pg: &Pg, delay_ms: u64) -> FakePostgrest {
    let rest = support::project::mirror(pg);
    rest.knobs(|k| k.delay_ms = delay_ms);
    rest
}

fn run(config: &Config, creds: &Credentials) -> (Duration, Vec<Finding>, u32, (u32, u32)) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let live = Live::new(config, creds, NOW).unwrap();
    let started = Instant::now();
    let found = rt.block_on(pendo_triage::check_plan::run_live(&live, &inputs()));
    (
        started.elapsed(),
        found,
        live.pendo_requests(),
        live.supabase_requests(),
    )
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW);

    // 1. Everything answers after 300 ms.
    let pendo = FakePendo::builder()
        .now_ms(NOW * 1000)
        .knobs(|k| k.delay_ms = 300)
        .start();
    let rest = project(&pg, 300);
    let mut creds = pendo_creds(pendo.url());
    creds.supabase_url = Some(rest.url().to_string());
    creds.supabase_key = SecretString::new(SERVICE_ROLE_JWT);
    let config = Config::default();
    let (mut walls, mut slowest, mut sums, mut ratios) = (vec![], vec![], vec![], vec![]);
    let mut counts = (0, (0, 0), 0);
    let (mut trips, mut path) = (Vec::new(), String::new());
    for _ in 0..RUNS {
        pendo.clear_requests();
        rest.clear_requests();
        let (wall, found, pendo_n, supa) = run(&config, &creds);
        let mut spans = pendo.spans();
        spans.extend(rest.spans());
        let chain = support::spans::critical_path(&spans);
        trips.push(chain.len() as f64);
        path = support::spans::describe(&chain);
        let times: Vec<u64> = found.iter().filter_map(|f| f.duration_ms).collect();
        let max = *times.iter().max().unwrap() as f64;
        let sum: u64 = times.iter().sum();
        let wall_ms = wall.as_secs_f64() * 1000.0;
        walls.push(wall_ms);
        slowest.push(max);
        sums.push(sum as f64);
        ratios.push(wall_ms / max);
        counts = (pendo_n, supa, pendo.max_in_flight());
        assert!(found.iter().all(|f| f.status != Status::Error), "{found:?}");
    }
    eprintln!();
    eprintln!("=== pendo-triage live bench (fakes on 127.0.0.1, real PostgreSQL 15) ===");
    eprintln!(
        "all dependencies answer after 300 ms ({RUNS} runs): wall median {:.0} ms, slowest check {:.0} ms, sum of checks {:.0} ms",
        median(walls.clone()),
        median(slowest),
        median(sums)
    );
    let ratio = median(ratios);
    eprintln!(
        "wall / slowest check: {ratio:.2} (goal <= 1.2); Pendo requests {} (at most {} at once); Supabase REST requests {}",
        counts.0, counts.2, counts.1.0
    );
    let wall = median(walls.clone());
    eprintln!(
        "critical path: {:.0} round trips (longest chain of requests, each after the previous answer), wall / 300 ms = {:.2} (goal <= 2.5, wall <= 750 ms): wall {wall:.0} ms",
        median(trips),
        wall / 300.0
    );
    eprintln!(
        "  the chain of the last run:\n  {}",
        path.replace('\n', "\n  ")
    );
    assert!(counts.0 <= 12, "Pendo requests: {}", counts.0);

    // 2. Pendo never answers: the set ends at the deadline, Supabase's results intact.
    pendo.knobs().hang = true;
    let mut short = Config::default();
    short.live.request_timeout_seconds = 30;
    short.live.total_timeout_seconds = 3;
    let (wall, found, _, _) = run(&short, &creds);
    let intact = found
        .iter()
        .filter(|f| f.id.as_str().starts_with("supabase.") && f.status == Status::Pass)
        .count();
    let timed_out = found
        .iter()
        .filter(|f| f.summary == "no answer within 3 s")
        .count();
    eprintln!(
        "Pendo hung, deadline 3 s: the set ended after {:.2} s; {timed_out} check(s) timed out, {intact} Supabase check(s) kept their pass",
        wall.as_secs_f64()
    );
    pendo.knobs().hang = false;

    // 3. A million events, over the database URL.
    let big = Pg::start();
    big.load(History::Healthy, NOW);
    let t = Instant::now();
    big.exec(&events_rows(1_000_000, NOW));
    let load = t.elapsed();
    let db_creds = Credentials {
        supabase_db_url: SecretString::new(big.url("verify-full")),
        ..Default::default()
    };
    let mut walls = Vec::new();
    let mut queries = 0;
    for _ in 0..RUNS {
        let (wall, found, _, (_, q)) = run(&config, &db_creds);
        assert!(found.iter().all(|f| f.status != Status::Error), "{found:?}");
        walls.push(wall.as_secs_f64() * 1000.0);
        queries = q;
    }
    eprintln!(
        "Supabase checks over the database, 1,000,000-row events table (loaded in {:.1} s): median {:.0} ms, worst {:.0} ms over {RUNS} runs (goal < 1000 ms); {queries} queries",
        load.as_secs_f64(),
        median(walls.clone()),
        walls.iter().cloned().fold(0.0, f64::max)
    );

    // 4. The reference deployment, a million events in the analytics window.
    let reference = Pg::start();
    Reference::new(NOW).views_wiped().load(&reference);
    let t = Instant::now();
    reference.exec(&reference_events_rows(1_000_000, NOW));
    let load = t.elapsed();
    let url = SecretString::new(reference.url("verify-full")).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let a = &config.analytics;
    let reads: Vec<sql::MetricRead> = a
        .metrics
        .iter()
        .map(|m| sql::MetricRead {
            table: &m.table,
            id_column: &m.id_column,
            columns: m.columns.iter().map(String::as_str).collect(),
        })
        .collect();
    let probe_sql = sql::analytics_counts(sql::EventsRead::Probe(&a.events), &reads);
    let scan_sql = sql::analytics_counts(sql::EventsRead::Scan(&a.events), &reads);
    let since = pendo_triage::clock::format_rfc3339(NOW - 7 * 86_400);
    let names = r#"["pendo_guides","pendo_features","pendo_pages","pendo_events"]"#;
    // The reference deployment has an index on (entity_type, entity_id): one probe per
    // metric row. The scan is what a deployment without one gets.
    let timed = |counts_sql: &str| -> Vec<f64> {
        (0..RUNS)
            .map(|_| {
                rt.block_on(async {
                    let db = Db::connect(&url, Duration::from_secs(30)).await.unwrap();
                    let started = Instant::now();
                    let first = db
                        .json(
                            sql::ANALYTICS_COLUMNS,
                            &[
                                Arg::Text(Some(names)),
                                Arg::Text(Some("pendo_events")),
                                Arg::Text(Some("entity_id")),
                                Arg::Text(Some("entity_type")),
                            ],
                        )
                        .await
                        .unwrap();
                    assert_eq!(first["indexed"], true, "{first}");
                    let v = db
                        .json(
                            counts_sql,
                            &[
                                Arg::Text(Some(&since)),
                                Arg::Text(Some("guide")),
                                Arg::Text(Some("feature")),
                                Arg::Text(Some("page")),
                            ],
                        )
                        .await
                        .unwrap();
                    assert_eq!(v.as_array().map(Vec::len), Some(3), "{v}");
                    started.elapsed().as_secs_f64() * 1000.0
                })
            })
            .collect()
    };
    let alone = timed(&probe_sql);
    let scanned = timed(&scan_sql);
    let db_creds = Credentials {
        supabase_db_url: Some(url.clone()),
        ..Default::default()
    };
    let (mut walls, mut check_ms) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        let (wall, found, _, (_, q)) = run(&config, &db_creds);
        let f = found
            .iter()
            .find(|f| f.id.as_str() == "supabase.analytics")
            .unwrap();
        assert_eq!(f.status, Status::Fail, "{f:?}");
        walls.push(wall.as_secs_f64() * 1000.0);
        check_ms.push(f.duration_ms.unwrap_or(0) as f64);
        queries = q;
    }
    eprintln!(
        "supabase.analytics, reference deployment with 1,000,000 events in its 7-day window (loaded in {:.1} s): its 2 queries alone median {:.0} ms, worst {:.0} ms (goal < 1000 ms; {:.0} ms median when no index finds an entity's events and the window is scanned); the check within the set median {:.0} ms; the whole set median {:.0} ms, {queries} queries",
        load.as_secs_f64(),
        median(alone.clone()),
        alone.iter().cloned().fold(0.0, f64::max),
        median(scanned),
        median(check_ms),
        median(walls),
    );
}
