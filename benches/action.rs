//! `cargo bench --bench action`: the performance figures of issue 3, measured against the
//! fake GitHub in-process.
//!
//! - GitHub API calls for a first triage (goal: at most 4, label creation aside) and for
//!   a repeat run with nothing changed (goal: no write);
//! - wall time of a run minus the time spent in live checks (goal: under 50 ms);
//! - a sweep of 200 issues in 3 distinct contexts (production, staging and development,
//!   each with credentials of its own) runs the live check set 3 times.
//!
//! The live checks run for real against a fake Pendo on 127.0.0.1 that answers after a
//! fixed delay; their time is measured and subtracted.

#[path = "../tests/support/mod.rs"]
mod support;

use pendo_triage::action::Env;
use pendo_triage::run::{self, RunReport};
use serde_json::{Value, json};
use std::time::Duration;
use support::fake_pendo::{FAKE_PENDO_KEY, FakePendo};
use support::{FakeGithub, IssueSpec};

const PENDO_DELAY: Duration = Duration::from_millis(30);

fn env(
    gh: &FakeGithub,
    pendo: &FakePendo,
    dir: &std::path::Path,
    event_name: &str,
    payload: &Value,
    environments: &[&str],
) -> Env {
    let event = support::write_event(dir, payload);
    std::fs::create_dir_all(dir.join("ws/.git")).unwrap();
    // Every input as the runner passes it (defaults from action.yml), then the step's env.
    let mut vars = support::runner::input_env(&[], &gh.token());
    vars.extend(
        [
            ("GITHUB_EVENT_NAME", event_name.to_string()),
            ("GITHUB_EVENT_PATH", event.display().to_string()),
            ("GITHUB_REPOSITORY", gh.repository()),
            ("GITHUB_API_URL", gh.url()),
            ("GITHUB_WORKSPACE", dir.join("ws").display().to_string()),
            ("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY.to_string()),
            ("PENDO_BASE_URL", pendo.url().to_string()),
            ("PENDO_TRIAGE_WRITE_PAUSE_MS", "0".to_string()),
        ]
        .map(|(k, v)| (k.to_string(), v)),
    );
    // Other environments' own credentials (`STAGING_PENDO_INTEGRATION_KEY`), so that
    // their issues get a live context of their own.
    for prefix in environments {
        vars.push((
            format!("{prefix}_PENDO_INTEGRATION_KEY"),
            FAKE_PENDO_KEY.to_string(),
        ));
        vars.push((format!("{prefix}_PENDO_BASE_URL"), pendo.url().to_string()));
    }
    Env::from_pairs(vars)
}

fn opened(gh: &FakeGithub, n: u64) -> Value {
    json!({"action": "opened", "issue": gh.issue_json(n), "sender": gh.user_json("alice")})
}

fn run_once(rt: &tokio::runtime::Runtime, env: &Env) -> RunReport {
    rt.block_on(run::execute(env)).expect("run")
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let gh = FakeGithub::start();
    for l in [
        "severity:P0",
        "severity:P1",
        "severity:P2",
        "needs-info",
        "pendo-api",
        "edge-functions",
        "database",
        "supabase",
        "monitoring",
        "performance",
        "security",
    ] {
        gh.add_label(l, "1d76db", "bench");
    }
    let dir = support::temp_dir("bench-action");
    let pendo = FakePendo::builder()
        .knobs(|k| k.delay_ms = PENDO_DELAY.as_millis() as u64)
        .start();
    let body = support::example("prod-auth-401.md");

    // First triage and repeat, several times over fresh issues.
    let mut first_calls = Vec::new();
    let mut repeat = (0, 0);
    let mut own_ms = Vec::new();
    for _ in 0..10 {
        let n = gh.add_issue(IssueSpec::new("[API] bench", &body).labels(&[
            "api",
            "pendo-api",
            "needs-triage",
        ]));
        let e = env(&gh, &pendo, &dir, "issues", &opened(&gh, n), &[]);
        let first = run_once(&rt, &e);
        first_calls.push((
            first.calls - first.label_calls,
            first.writes,
            first.label_calls,
        ));
        own_ms.push(ms(first.wall.saturating_sub(first.live_time)));
        let again = run_once(&rt, &e);
        repeat = (again.calls, again.writes);
        own_ms.push(ms(again.wall.saturating_sub(again.live_time)));
    }
    own_ms.sort_by(f64::total_cmp);
    let median = own_ms[own_ms.len() / 2];
    let worst = own_ms[own_ms.len() - 1];

    // A sweep of 200 issues in 3 distinct contexts.
    let gh2 = FakeGithub::start();
    let bodies = [
        "prod-auth-401.md",
        "staging-rate-limited.md",
        "dev-missing-table.md",
    ]
    .map(support::example);
    for i in 0..200 {
        gh2.add_issue(
            IssueSpec::new(&format!("[API] sweep {i}"), &bodies[i % 3]).labels(&["pendo-api"]),
        );
    }
    let e = env(
        &gh2,
        &pendo,
        &dir,
        "schedule",
        &json!({"schedule": "0 6 * * *"}),
        &["STAGING", "DEVELOPMENT"],
    );
    pendo.clear_requests();
    let sweep = run_once(&rt, &e);
    let sweep_pendo = pendo.requests().len();
    let sweep_again = run_once(&rt, &e);

    eprintln!();
    eprintln!(
        "=== pendo-triage action bench (fake GitHub and fake Pendo on 127.0.0.1, Pendo answering after {} ms) ===",
        PENDO_DELAY.as_millis()
    );
    eprintln!(
        "first triage : GitHub calls {} (writes {}), plus {} label-listing call(s) (labels pre-exist, none created)",
        first_calls[0].0, first_calls[0].1, first_calls[0].2
    );
    eprintln!(
        "repeat run   : GitHub calls {} (writes {})",
        repeat.0, repeat.1
    );
    eprintln!(
        "run wall time minus live checks: median {median:.1} ms, worst {worst:.1} ms over {} runs (goal < 50 ms)",
        own_ms.len()
    );
    eprintln!(
        "sweep 200 issues / 3 contexts: live check set ran {} time(s), {sweep_pendo} Pendo requests; {} GitHub calls ({} writes); wall {:.0} ms, minus live {:.0} ms",
        sweep.live_runs,
        sweep.calls,
        sweep.writes,
        ms(sweep.wall),
        ms(sweep.wall.saturating_sub(sweep.live_time))
    );
    eprintln!(
        "sweep repeated: {} GitHub calls ({} writes), live check set ran {} time(s)",
        sweep_again.calls, sweep_again.writes, sweep_again.live_runs
    );
    assert!(
        first_calls.iter().all(|(c, _, _)| *c <= 4),
        "first triage over 4 calls: {first_calls:?}"
    );
    assert_eq!(repeat.1, 0, "a repeat run wrote");
    assert_eq!(
        sweep.live_runs, 3,
        "the sweep should run the live checks once per context"
    );
    assert_eq!(sweep_again.writes, 0);
}
