//! Supabase's REST API answering far more than asked: the sync log keeps the rows it
//! asked for, and the answers decode within bounds (the peak is measured in
//! `benches/hostile.rs`).

use crate::support;

use std::time::{Duration, Instant};
use support::cli::{check_json, status, summary};
use support::fake_postgrest::{FakePostgrest, FakeTable, HugeAnswer, SERVICE_ROLE_JWT};

const NOW_TEXT: &str = "2026-11-28T10:00:00Z";
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n";

#[test]
fn four_mib_of_rows_where_five_were_asked_for_are_read_as_five() {
    let rest = FakePostgrest::start();
    rest.add_table("sync_status", FakeTable::new(Vec::new()));
    // Every entity's request gets ~40,000 failed runs, well under the 4 MiB body cap.
    rest.knobs(|k| {
        k.huge = Some(HugeAnswer {
            path_prefix: "/rest/v1/sync_status".into(),
            bytes: (4 << 20) - 64,
            element: r#"{"entity_type":"guides","status":"failed","created_at":"2026-11-28T09:00:00Z","error_message":"boom"}"#.into(),
        })
    });
    let started = Instant::now();
    let r = check_json(
        BODY,
        "sync_log:\n  window_runs: 5\n",
        &[
            ("SUPABASE_URL", rest.url()),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[SERVICE_ROLE_JWT],
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    let s = summary(&r, "supabase.sync-log");
    assert_eq!(status(&r, "supabase.sync-log"), "fail", "{s}");
    // What was asked (limit=5), not what was sent.
    assert!(s.contains("guides: the last 5 runs failed"), "{s}");
}

#[test]
fn a_dependency_hung_past_the_deadline_is_waited_for_once_per_job() {
    use pendo_triage::config::Config;
    use pendo_triage::credentials::{Credentials, SecretString};
    use pendo_triage::issue::{DataType, Environment};
    use pendo_triage::live::{Live, LiveInputs};
    // Requests may take 30 s, the run 2 s: the deadline, not the request, gives up.
    let rest = FakePostgrest::start();
    rest.knobs(|k| k.hang = true);
    let mut config = Config::default();
    config.live.request_timeout_seconds = 30;
    config.live.total_timeout_seconds = 2;
    let creds = Credentials {
        supabase_url: Some(rest.url().to_string()),
        supabase_key: SecretString::new(SERVICE_ROLE_JWT),
        ..Credentials::default()
    };
    let live = Live::new(&config, &creds, 1_795_860_000).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let inputs = |d| LiveInputs {
        environment: Some(Environment::Production),
        data_type: Some(d),
        expected_records: None,
        not_api: false,
    };
    // A sweep's issues and the watch's data types: different inputs, one run.
    let mut took = Vec::new();
    for d in [
        DataType::Guides,
        DataType::Pages,
        DataType::Features,
        DataType::Events,
    ] {
        let started = Instant::now();
        let found = rt.block_on(pendo_triage::check_plan::run_live(&live, &inputs(d)));
        took.push(started.elapsed());
        let api = found
            .iter()
            .find(|f| f.id.to_string() == "supabase.api")
            .unwrap();
        assert!(
            api.summary.starts_with("no answer within 2 s"),
            "{}",
            api.summary
        );
    }
    assert!(took[0] >= Duration::from_secs(2), "{took:?}");
    let total: Duration = took.iter().sum();
    assert!(
        total < Duration::from_secs(4),
        "the job waited again: {took:?}"
    );
}

#[test]
fn keys_never_travel_over_plain_http_but_to_loopback() {
    // No request leaves: the refusal comes before any lookup or connection.
    let r = check_json(
        BODY,
        "",
        &[
            ("PENDO_INTEGRATION_KEY", "fake-pendo-key-0000-never-sent"),
            ("PENDO_BASE_URL", "http://app.pendo.example"),
            ("SUPABASE_URL", "http://abcd.supabase.example"),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[SERVICE_ROLE_JWT, "fake-pendo-key-0000-never-sent"],
    );
    for (id, host) in [
        ("pendo.auth", "http://app.pendo.example"),
        ("supabase.api", "http://abcd.supabase.example"),
    ] {
        assert_eq!(status(&r, id), "error", "{id}");
        let s = summary(&r, id);
        assert!(
            s.contains(&format!("refused: {host} would carry the key unencrypted")),
            "{id}: {s}"
        );
    }
    // The loopback fake over http:// is still reached.
    let rest = FakePostgrest::start();
    let r = check_json(
        BODY,
        "",
        &[
            ("SUPABASE_URL", rest.url()),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[SERVICE_ROLE_JWT],
    );
    assert_ne!(
        status(&r, "supabase.api"),
        "error",
        "{}",
        summary(&r, "supabase.api")
    );
    assert!(!rest.requests().is_empty());
}
