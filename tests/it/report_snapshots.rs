//! The report comment as people read it, pinned whole for a few representative triages
//! (as bors pins its comments): a wording change is a reviewed snapshot diff
//! (`cargo insta review`), not a silent drift. The findings come from the checks' own
//! pure judges, so the pinned text is the text the bot writes.

use pendo_triage::clock::{Basis, Clock, ReportedAt, parse_rfc3339};
use pendo_triage::config::Config;
use pendo_triage::credentials::{Credentials, SecretString};
use pendo_triage::finding::Finding;
use pendo_triage::issue::DataType;
use pendo_triage::live::http::{Answer, FetchError};
use pendo_triage::live::pendo::{Exchange, aggregation, auth, endpoint, latency, rate_limit};
use pendo_triage::report::{Context, render_markdown};
use pendo_triage::triage::triage;
use std::time::Duration;

fn example(name: &str) -> String {
    std::fs::read_to_string(format!("{}/examples/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn at(t: &str) -> i64 {
    parse_rfc3339(t).unwrap()
}

/// Filed 2026-11-28 10:00 UTC, triaged 5 minutes later.
fn clock() -> Clock {
    Clock::at(at("2026-11-28T10:05:00Z")).with_reported(ReportedAt {
        at: at("2026-11-28T10:00:00Z"),
        basis: Basis::Filed,
    })
}

fn ctx(live: bool) -> Context {
    Context {
        recheck_label: "recheck".into(),
        run_url: Some("https://github.com/acme/analytics/actions/runs/4242".into()),
        live_at: live.then(|| at("2026-11-28T10:05:00Z")),
        live_note: None,
    }
}

fn pendo_creds() -> Credentials {
    Credentials {
        pendo_key: SecretString::new("fake-key-for-snapshots.us"),
        pendo_region: "us".into(),
        pendo_base_url: "https://app.pendo.io".into(),
        ..Default::default()
    }
}

fn seen(status: u16) -> Result<auth::Seen, FetchError> {
    Ok(auth::Seen {
        status,
        elapsed_ms: 182,
        body: String::new(),
    })
}

fn key() -> auth::KeyFacts<'static> {
    auth::KeyFacts {
        region: "us",
        key_region: Some("us"),
        ..Default::default()
    }
}

fn probes(ms: &[u64]) -> Vec<latency::Probe> {
    ms.iter()
        .map(|ms| latency::Probe {
            ms: *ms,
            result: Ok(200),
        })
        .collect()
}

fn events(counts: &[u64]) -> Result<Answer, FetchError> {
    let today = at("2026-11-28T00:00:00Z") * 1000;
    let rows: Vec<serde_json::Value> = counts
        .iter()
        .enumerate()
        .map(|(i, n)| serde_json::json!({"day": today - (counts.len() - i) as i64 * 86_400_000, "numEvents": n}))
        .collect();
    Ok(Answer {
        status: 200,
        headers: Default::default(),
        body: serde_json::json!({"results": rows})
            .to_string()
            .into_bytes(),
        elapsed: Duration::from_millis(410),
    })
}

fn ok_exchange(path: &str) -> Exchange {
    Exchange {
        path: path.into(),
        status: Some(200),
        retry_after: None,
        rate_headers: vec![],
    }
}

fn timed(mut f: Finding, ms: u64) -> Finding {
    f.duration_ms = Some(ms);
    f
}

#[test]
fn offline_triage_of_a_filed_issue() {
    let t = triage(
        "[API] Feature sync fails",
        &example("prod-duplicate-upsert.md"),
        &Config::default(),
        &Credentials::default(),
        &[],
        &clock(),
    );
    insta::assert_snapshot!(
        "offline_duplicate_upsert",
        render_markdown(&t, &ctx(false), None)
    );
}

#[test]
fn live_triage_where_pendo_is_healthy() {
    let t_cfg = Config::default();
    let lists = endpoint::Lists {
        all_apps: Ok(endpoint::Listed {
            path: "/api/v1/guide?expand=*".into(),
            status: 200,
            elapsed_ms: 640,
            bytes: 1_310_720,
            count: Some(412),
            newest_ms: Some(at("2026-11-28T06:00:00Z") * 1000),
            problem: None,
        }),
        default_app: None,
    };
    let live = [
        timed(
            auth::judge(
                &auth::Answers {
                    host: "https://app.pendo.io".into(),
                    configured: seen(200),
                    elsewhere: vec![],
                },
                &key(),
            ),
            182,
        ),
        timed(endpoint::judge(DataType::Guides, &lists, Some(410)), 640),
        timed(
            latency::judge(&probes(&[210, 260, 330]), &t_cfg.thresholds),
            800,
        ),
        rate_limit::judge(
            &[
                ok_exchange("/api/v1/metadata/schema/account"),
                ok_exchange("/api/v1/guide?expand=*"),
            ],
            2,
        ),
        timed(
            aggregation::judge(
                &events(&[1200, 1310, 1250, 980, 1400, 1330, 1290]),
                at("2026-11-28T10:05:00Z"),
            ),
            410,
        ),
    ];
    let body = "## Pendo API Information\n- **Endpoint**: `GET /api/v1/guide`\n\n## Data Context\n- **Data Type**: Guides\n- **Expected Record Count**: 410\n\n## Environment Information\n- **Environment**: Production\n\n### Network Analysis\n- **Latency**: 8.2s\n\n## Troubleshooting Checklist\n- [ ] Verify API key is valid and active\n- [ ] Test API endpoint manually\n- [ ] Review rate limiting status\n- [ ] Check for Pendo platform status issues\n";
    let t = triage(
        "[API] guides",
        body,
        &t_cfg,
        &pendo_creds(),
        &live,
        &clock(),
    );
    insta::assert_snapshot!("live_pendo_healthy", render_markdown(&t, &ctx(true), None));
}

#[test]
fn live_triage_where_pendo_is_broken() {
    let t_cfg = Config::default();
    let wrong_region = auth::Answers {
        host: "https://app.pendo.io".into(),
        configured: seen(403),
        elsewhere: vec![
            ("us1".into(), "https://us1.app.pendo.io".into(), seen(403)),
            ("eu".into(), "https://app.eu.pendo.io".into(), seen(200)),
        ],
    };
    let lists = endpoint::Lists {
        all_apps: Err(FetchError::Timeout(Duration::from_secs(10))),
        default_app: None,
    };
    let slow = vec![
        latency::Probe {
            ms: 2_400,
            result: Ok(403),
        },
        latency::Probe {
            ms: 10_000,
            result: Err(FetchError::Timeout(Duration::from_secs(10))),
        },
    ];
    let limited = Exchange {
        path: "/api/v1/aggregation".into(),
        status: Some(429),
        retry_after: Some("30".into()),
        rate_headers: vec![
            ("x-ratelimit-limit".into(), "100".into()),
            ("x-ratelimit-remaining".into(), "0".into()),
        ],
    };
    let refused = Ok(Answer {
        status: 429,
        headers: Default::default(),
        body: Vec::new(),
        elapsed: Duration::from_millis(90),
    });
    let live = [
        timed(auth::judge(&wrong_region, &key()), 1_240),
        timed(endpoint::judge(DataType::Guides, &lists, None), 10_000),
        timed(latency::judge(&slow, &t_cfg.thresholds), 12_400),
        rate_limit::judge(&[limited], 5),
        timed(aggregation::judge(&refused, at("2026-11-28T10:05:00Z")), 90),
    ];
    let t = triage(
        "[API] guides sync 403",
        &example("prod-auth-401.md"),
        &t_cfg,
        &pendo_creds(),
        &live,
        &clock(),
    );
    insta::assert_snapshot!("live_pendo_broken", render_markdown(&t, &ctx(true), None));
}

#[test]
fn a_strangers_issue_gets_the_offline_triage_and_the_note() {
    let t = triage(
        "[API] please help",
        &example("staging-rate-limited.md"),
        &Config::default(),
        &pendo_creds(),
        &[],
        &clock(),
    );
    let mut c = ctx(false);
    c.live_note = Some(pendo_triage::check_plan::offline_note("recheck"));
    insta::assert_snapshot!("stranger_offline_note", render_markdown(&t, &c, None));
}

#[test]
fn leaked_secrets_are_masked_in_the_report() {
    let t = triage(
        "[API] key sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz leaked",
        &example("prod-leaked-secrets.md"),
        &Config::default(),
        &Credentials::default(),
        &[],
        &clock(),
    );
    insta::assert_snapshot!("leaked_secrets", render_markdown(&t, &ctx(false), None));
}
