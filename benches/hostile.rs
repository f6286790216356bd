//! `cargo bench --bench hostile`: what the worst answers cost (issue 13, §3).
//!
//! 1. Peak memory (VmHWM of the `pendo-triage check` process, read from /proc while it
//!    runs) for the worst hostile answers: a Postgres server sending one 64 MiB row, one
//!    just under the 4 MiB cap, a PostgREST answering every request with 4 MiB of
//!    `[{},{},…]` or of wide nested lists, and Pendo answering the guide list with 32 MiB
//!    of `[{},{},…]`. Goal: under 256 MiB.
//! 2. The wall time of one job's live checks with every dependency hung (Pendo, PostgREST
//!    and the database; `total_timeout_seconds: 15`, as in the issue): three issues and
//!    the watch's five data types, one `Live`. Goal: at most about 2 × the deadline.

#[path = "../tests/support/mod.rs"]
mod support;

use pendo_triage::config::Config;
use pendo_triage::credentials::{Credentials, SecretString};
use pendo_triage::issue::{DataType, Environment};
use pendo_triage::live::{Live, LiveInputs};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::fake_pendo::{BodyFault, FAKE_PENDO_KEY, FakePendo};
use support::fake_pg_wire::{Answers, Auth, FakePg, Script};
use support::fake_postgrest::{FakePostgrest, HugeAnswer, SERVICE_ROLE_JWT};

const NOW: i64 = 1_795_860_000; // 2026-11-28T10:00:00Z
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n";
const GOAL_MIB: f64 = 256.0;

/// Runs `check` with `env` and returns (peak resident MiB, wall, the JSON report).
fn peak_of_check(env: &[(&str, &str)]) -> (f64, Duration, serde_json::Value) {
    let dir = support::temp_dir("bench-hostile");
    let issue = dir.join("issue.md");
    std::fs::write(&issue, BODY).unwrap();
    let config = dir.join("config.yml");
    std::fs::write(&config, "").unwrap();
    let mut cmd = Command::new(support::bin());
    cmd.env_clear()
        .args(["check", "--format", "json", "--config"])
        .arg(&config)
        .arg(&issue)
        .env("PENDO_TRIAGE_NOW", "2026-11-28T10:00:00Z")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_path)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let wall = started.elapsed();
    let out = reader.join().unwrap();
    let report = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
    (peak_kb as f64 / 1024.0, wall, report)
}

fn summary(report: &serde_json::Value, id: &str) -> String {
    report["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["id"] == id)
        .map(|c| format!("{} — {}", c["status"], c["summary"]))
        .unwrap_or_else(|| "(no such check)".into())
        .chars()
        .take(110)
        .collect()
}

fn main() {
    eprintln!();
    eprintln!("=== pendo-triage hostile-answer bench (fakes on 127.0.0.1) ===");
    let mut worst = 0f64;

    // 1a. The database path: one huge row, and one just under the cap.
    for (name, bytes) in [
        ("one 64 MiB row", 64usize << 20),
        ("one row just under the 4 MiB cap", (4 << 20) - 4096),
    ] {
        let fake = FakePg::start(Script {
            tls: false,
            auth: Auth::Trust,
            answers: Answers::HugeRow { bytes },
        });
        let url = fake.url("fake-bench-password", "?sslmode=disable");
        let (peak, wall, r) = peak_of_check(&[("SUPABASE_DB_URL", &url)]);
        worst = worst.max(peak);
        eprintln!(
            "database, {name}: peak {peak:.1} MiB, {:.2} s; supabase.tables: {}",
            wall.as_secs_f64(),
            summary(&r, "supabase.tables")
        );
    }

    // 1b. The REST path: every request answered 200 with 4 MiB (the body cap) of JSON.
    for (name, element) in [
        ("[{},{},…]", "{}".to_string()),
        (
            "lists of 10,000 zeros",
            format!("[{}0]", "0,".repeat(9_999)),
        ),
        (
            "sync-log rows",
            r#"{"entity_type":"guides","status":"failed","created_at":"2026-11-28T09:00:00Z","error_message":"boom"}"#.to_string(),
        ),
    ] {
        let rest = FakePostgrest::start();
        rest.knobs(|k| {
            k.huge = Some(HugeAnswer {
                path_prefix: "/rest/v1".into(),
                bytes: (4 << 20) - 64,
                element,
            })
        });
        let (peak, wall, r) = peak_of_check(&[
            ("SUPABASE_URL", rest.url()),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
        ]);
        worst = worst.max(peak);
        eprintln!(
            "REST, every answer 4 MiB of {name}: peak {peak:.1} MiB, {:.2} s; supabase.sync-log: {}",
            wall.as_secs_f64(),
            summary(&r, "supabase.sync-log")
        );
    }
    // 1c. Pendo: both guide lists answered with 32 MiB (their cap) of `[{},{},…]`.
    let pendo = FakePendo::builder()
        .now_ms(NOW * 1000)
        .knobs(|k| {
            k.body_faults = vec![(
                "/api/v1/guide".into(),
                BodyFault::EmptyObjects((32 << 20) - 64),
            )]
        })
        .start();
    let (peak, wall, r) = peak_of_check(&[
        ("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY),
        ("PENDO_BASE_URL", pendo.url()),
    ]);
    worst = worst.max(peak);
    eprintln!(
        "Pendo, the guide list 32 MiB of [{{}},{{}},…]: peak {peak:.1} MiB, {:.2} s; pendo.endpoint: {}",
        wall.as_secs_f64(),
        summary(&r, "pendo.endpoint")
    );
    drop(pendo);
    eprintln!("worst peak: {worst:.1} MiB (goal < {GOAL_MIB:.0} MiB)");

    // 2. One job with every dependency hung.
    let pendo = FakePendo::builder().now_ms(NOW * 1000).start();
    pendo.knobs().hang = true;
    let rest = FakePostgrest::start();
    rest.knobs(|k| k.hang = true);
    let db = FakePg::start(Script {
        tls: false,
        auth: Auth::Trust,
        answers: Answers::Hang,
    });
    let db_url = db.url("fake-bench-password", "?sslmode=disable");
    let mut config = Config::default();
    config.live.total_timeout_seconds = 15;
    let creds = Credentials {
        pendo_key: SecretString::new(FAKE_PENDO_KEY),
        pendo_region: "us".into(),
        pendo_base_url: pendo.url().into(),
        supabase_url: Some(rest.url().into()),
        supabase_key: SecretString::new(SERVICE_ROLE_JWT),
        supabase_db_url: SecretString::new(db_url.as_str()),
        ..Default::default()
    };
    let live = Live::new(&config, &creds, NOW).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let issue = |d, n| LiveInputs {
        environment: Some(Environment::Production),
        data_type: Some(d),
        expected_records: Some(n),
        not_api: false,
    };
    let watch = |d| LiveInputs {
        environment: Some(Environment::Production),
        data_type: Some(d),
        expected_records: None,
        not_api: false,
    };
    let triages = [
        issue(DataType::Guides, 42),
        issue(DataType::Pages, 7),
        issue(DataType::Features, 1200),
        watch(DataType::Guides),
        watch(DataType::Features),
        watch(DataType::Pages),
        watch(DataType::Reports),
        watch(DataType::Events),
    ];
    let started = Instant::now();
    let mut each = Vec::new();
    for inputs in &triages {
        let t = Instant::now();
        rt.block_on(pendo_triage::check_plan::run_live(&live, inputs));
        each.push(format!("{:.1}", t.elapsed().as_secs_f64()));
    }
    let job = started.elapsed().as_secs_f64();
    eprintln!(
        "every dependency hung, deadline 15 s: 3 issues + the watch's 5 data types took {job:.1} s (goal <= 30 s); per triage (s): {}",
        each.join(", ")
    );
    drop(rt);
    pendo.knobs().hang = false;
    assert!(worst < GOAL_MIB, "peak {worst:.1} MiB");
    assert!(job <= 30.0, "job {job:.1} s");
}
