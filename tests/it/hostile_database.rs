//! The database URL against a hostile server (the hand-written fake in
//! `support/fake_pg_wire.rs`) and against the real test PostgreSQL: the password never
//! reaches a server that refuses TLS, shows a certificate nothing vouches for or asks for
//! it in clear text, unless the URL asks for that; one huge row ends at the cap; a hung
//! server costs one timeout; a configured value cannot change the SQL it travels in.

use crate::support;

use pendo_triage::credentials::SecretString;
use pendo_triage::live::supabase::client::db::{Arg, Db};
use std::time::{Duration, Instant};
use support::cli::{check_json, status, summary};
use support::fake_pg_wire::{Answers, Auth, FakePg, Script};
use support::pg::{History, Pg};

const PASSWORD: &str = "fake-db-password-never-sent";
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n";

fn check_db(url: &str, config: &str) -> serde_json::Value {
    check_json(
        BODY,
        config,
        &[("SUPABASE_DB_URL", url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
        &[PASSWORD],
    )
}

#[test]
fn a_plain_supabase_url_never_sends_the_password_to_a_server_that_refuses_tls() {
    // A man in the middle answers "no TLS" and asks for the password in clear text.
    let fake = FakePg::start(Script {
        tls: false,
        auth: Auth::Cleartext,
        answers: Answers::Empty,
    });
    // The URL as Supabase's Connect dialog hands it out: no sslmode.
    for query in ["", "?sslmode=verify-full", "?sslmode=require"] {
        let r = check_db(&fake.url(PASSWORD, query), "");
        assert_eq!(status(&r, "supabase.cron"), "error", "{query}");
        assert!(
            summary(&r, "supabase.cron").contains("does not support TLS"),
            "{query}: {}",
            summary(&r, "supabase.cron")
        );
    }
    assert_eq!(fake.heard(), Vec::<String>::new(), "the password was sent");
    // The report says which mode refused.
    let r = check_db(&fake.url(PASSWORD, ""), "");
    assert!(
        summary(&r, "supabase.tables").contains(
            "against Supabase's root CA and the system roots (verify-full: the URL sets no sslmode)"
        ),
        "{}",
        summary(&r, "supabase.tables")
    );
    // Only a URL that asks for a weaker mode sends it (libpq's `prefer`).
    check_db(&fake.url(PASSWORD, "?sslmode=prefer"), "");
    assert_eq!(fake.heard(), vec![PASSWORD.to_string()]);
}

#[test]
fn a_certificate_nothing_vouches_for_gets_no_password() {
    // TLS with a certificate from a CA that is neither Supabase's nor the system's.
    let fake = FakePg::start(Script {
        tls: true,
        auth: Auth::Cleartext,
        answers: Answers::Empty,
    });
    let r = check_db(&fake.url(PASSWORD, ""), "");
    assert_eq!(status(&r, "supabase.cron"), "error");
    let s = summary(&r, "supabase.cron");
    assert!(s.to_ascii_lowercase().contains("certificate"), "{s}");
    assert!(fake.heard().is_empty(), "the password was sent");
}

#[test]
fn a_server_asking_for_a_cleartext_or_md5_password_is_refused_unless_the_url_allows_it() {
    for (auth, how) in [
        (Auth::Cleartext, "in clear text"),
        (Auth::Md5, "as an MD5 hash"),
    ] {
        let fake = FakePg::start(Script {
            tls: true,
            auth,
            answers: Answers::Empty,
        });
        // A verified server (the test CA) that asks for a weak password: refused.
        let verified = fake.url(
            PASSWORD,
            &format!("?sslmode=verify-full&sslrootcert={}", fake.ca_path()),
        );
        let r = check_db(&verified, "");
        assert_eq!(status(&r, "supabase.cron"), "error");
        let s = summary(&r, "supabase.cron");
        assert!(
            s.contains(&format!("asked for the password {how}")) && s.contains("was not sent"),
            "{s}"
        );
        assert!(fake.heard().is_empty(), "{how}: the password was sent");
        // sslmode=require says the team accepts it.
        check_db(&fake.url(PASSWORD, "?sslmode=require"), "");
        assert_eq!(fake.heard().len(), 1, "{how}");
    }
}

#[test]
fn one_huge_row_ends_at_the_cap_within_the_deadline() {
    let fake = FakePg::start(Script {
        tls: false,
        auth: Auth::Trust,
        answers: Answers::HugeRow { bytes: 64 << 20 },
    });
    let started = Instant::now();
    let r = check_db(&fake.url(PASSWORD, "?sslmode=disable"), "");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    for id in ["supabase.tables", "supabase.sync-log", "supabase.cron"] {
        assert_eq!(status(&r, id), "error", "{id}");
    }
    let s = summary(&r, "supabase.tables");
    assert!(s.contains("an answer over 4194304 bytes"), "{s}");
    // The session ended there: no later query was sent to be refused again.
    assert_eq!(fake.queries(), 1);
}

#[test]
fn a_hung_database_costs_one_query_timeout_not_the_deadline_per_query() {
    let fake = FakePg::start(Script {
        tls: false,
        auth: Auth::Trust,
        answers: Answers::Hang,
    });
    let config = "live:\n  request_timeout_seconds: 2\n  total_timeout_seconds: 30\n";
    let started = Instant::now();
    let r = check_db(&fake.url(PASSWORD, "?sslmode=disable"), config);
    let took = started.elapsed();
    // One query waited 3 s (the request timeout and a second for the server's own
    // statement timeout); every other one learnt it at once.
    assert!(took < Duration::from_secs(10), "{took:?}");
    for id in ["supabase.tables", "supabase.sync-log", "supabase.cron"] {
        assert_eq!(status(&r, id), "error", "{id}");
        assert!(
            summary(&r, id).contains("no answer within 3 s"),
            "{id}: {}",
            summary(&r, id)
        );
    }
    assert_eq!(fake.queries(), 1);
}

#[test]
fn a_configured_value_stays_a_value_whatever_the_session_settings() {
    // `standard_conforming_strings=off` makes `\'` a quote inside a literal: a value
    // spliced in with quote_literal would end the literal and run what follows.
    let pg = Pg::start();
    pg.load(History::Healthy, 1_795_860_000);
    let url = format!(
        "{}&options=-c%20standard_conforming_strings%3Doff",
        pg.url("verify-full")
    );
    let crafted = r"\') union all select rolname::text, rolname::text, null, null, null, rolpassword, now(), 1 from pg_authid) x where x.n <= 20 --";
    let config = pendo_triage::config::Config::default();
    let sql = pendo_triage::live::supabase::client::sql::sync_log(&config);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = Db::connect(
            &SecretString::new(url.as_str()).unwrap(),
            Duration::from_secs(10),
        )
        .await
        .unwrap();
        let scs = db
            .json(
                "select to_json(current_setting('standard_conforming_strings'))::text",
                &[],
            )
            .await
            .unwrap();
        assert_eq!(scs, "off", "the URL's options reached the session");
        let entities = vec![crafted.to_string()];
        let rows = db.json(&sql, &[Arg::Texts(&entities)]).await.unwrap();
        assert_eq!(rows, serde_json::json!([]), "the value ran as SQL: {rows}");
        // And a real entity is found the same way.
        let entities = vec!["guides".to_string()];
        let rows = db.json(&sql, &[Arg::Texts(&entities)]).await.unwrap();
        assert!(!rows.as_array().unwrap().is_empty());
        assert!(
            rows.as_array()
                .unwrap()
                .iter()
                .all(|r| r["entity_type"] == "guides")
        );
    });
}
