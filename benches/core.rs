//! Benchmark: parse + lint + verdict + render for the template-sized example and for a
//! 65,536-character body. Prints mean time per triage and throughput in MB/s.
//! Run with `cargo bench --bench core`.

use pendo_triage::config::Config;
use pendo_triage::credentials::Credentials;
use pendo_triage::report;
use pendo_triage::triage::triage;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn measure(name: &str, body: &str) {
    let config = Config::default();
    let creds = Credentials::default();
    let ctx = report::Context {
        recheck_label: "recheck".into(),
        ..Default::default()
    };
    let once = || {
        let t = triage(
            "",
            black_box(body),
            &config,
            &creds,
            &[],
            &pendo_triage::clock::Clock::at(1_795_824_000),
        );
        let md = report::render_markdown(&t, &ctx, None);
        let json = serde_json::to_string(&report::json(&t)).unwrap();
        black_box((md.len(), json.len()))
    };
    // Warm up (regex compilation, template table) and size the run to about 2 s.
    let start = Instant::now();
    let mut warm = 0u32;
    while start.elapsed() < Duration::from_millis(300) {
        once();
        warm += 1;
    }
    let per = start.elapsed() / warm.max(1);
    let iters =
        (Duration::from_secs(2).as_nanos() / per.as_nanos().max(1)).clamp(10, 100_000) as u32;
    let mut samples = Vec::with_capacity(iters as usize);
    for _ in 0..iters {
        let t0 = Instant::now();
        once();
        samples.push(t0.elapsed());
    }
    samples.sort_unstable();
    let mean = samples.iter().sum::<Duration>() / iters;
    let median = samples[samples.len() / 2];
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    let mbps = body.len() as f64 / mean.as_secs_f64() / 1e6;
    println!(
        "{name:<28} {:>6} bytes  mean {:>8.3} ms  median {:>8.3} ms  p99 {:>8.3} ms  {:>7.1} MB/s  ({iters} runs)",
        body.len(),
        mean.as_secs_f64() * 1e3,
        median.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        mbps
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing useful: run once.
    let root = env!("CARGO_MANIFEST_DIR");
    let example =
        std::fs::read_to_string(format!("{root}/examples/prod-stale-data-timeout.md")).unwrap();
    let template = std::fs::read_to_string(format!("{root}/templates/pendo-api-issue.md")).unwrap();
    let leaked =
        std::fs::read_to_string(format!("{root}/examples/prod-leaked-secrets.md")).unwrap();
    // A maximal body: the filled example repeated up to GitHub's 65,536-character limit.
    let mut maximal = String::new();
    while maximal.chars().count() + example.chars().count() <= 65_536 {
        maximal.push_str(&example);
    }
    let mut checklists = String::new();
    while checklists.len() + 48 <= 65_536 {
        checklists.push_str("- [ ] Verify API key is valid and active\r\n");
    }
    measure("template (unfilled)", &template);
    measure("example (filled)", &example);
    measure("example with secrets", &leaked);
    measure("maximal body (65,536 ch)", &maximal);
    measure("65,536 ch of checklists", &checklists);
    held_values(&maximal);
}

/// The six kinds of value the bot holds, obviously fake.
const HELD: [&str; 6] = [
    "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "sb_secret_FAKEbenchKey0123456789abcdefXYZ",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.FAKEsigFAKEsigFAKEsigFAKEsigFAKEsig012345",
    "postgresql://postgres.ref:Fake-Bench%21Pw_2026@pooler.example:5432/postgres",
    "ghs_FAKEbenchToken000000000000000000000",
    "sbp_0123456789abcdef0123456789abcdef01234567",
];

/// `redact` (outside text) and `scrub` (what every sink applies last) on 64 KiB of
/// issue-like text with the six held values installed, some of it echoing them; then the
/// core path again, since `find` searches the held values too.
fn held_values(maximal: &str) {
    use pendo_triage::secrets::{self, held};
    let creds = [
        held::Credential::PendoKey(HELD[0]),
        held::Credential::SupabaseKey(HELD[1]),
        held::Credential::SupabaseKey(HELD[2]),
        held::Credential::DatabaseUrl(HELD[3]),
        held::Credential::GithubToken(HELD[4]),
        held::Credential::AccessToken(HELD[5]),
    ];
    held::install(held::Held::new(&creds));
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 65_536 {
        let chunk = &maximal[..maximal.len().min(4096)];
        text.push_str(chunk);
        text.push_str(&format!(
            "\nerror: invalid token {}\n",
            HELD[i % HELD.len()]
        ));
        i += 1;
    }
    let mut cut = 65_536;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    text.truncate(cut);
    time("redact, 6 held (64 KiB)", &text, || {
        black_box(secrets::redact(black_box(&text)).len())
    });
    time("scrub, 6 held (64 KiB)", &text, || {
        black_box(held::scrub(black_box(&text)).len())
    });
    measure("maximal body, 6 held", maximal);
}

/// Mean time of `once` over about a second.
fn time(name: &str, text: &str, once: impl Fn() -> usize) {
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < Duration::from_millis(1000) {
        once();
        n += 1;
    }
    let mean = start.elapsed() / n.max(1);
    println!(
        "{name:<28} {:>6} bytes  mean {:>8.3} ms  {:>7.1} MB/s  ({n} runs)",
        text.len(),
        mean.as_secs_f64() * 1e3,
        text.len() as f64 / mean.as_secs_f64() / 1e6
    );
}
