//! The database password and TLS (issue 23, section 7): to a server the URL names as
//! another machine, a mode that does not verify the certificate (`require`, `prefer`,
//! `allow`) or no TLS at all (`disable`) never hands the password over in clear text or
//! as MD5, whoever asks; only SCRAM answers. This machine (`localhost`) keeps libpq's
//! meaning, for tests and local development. And every database check's evidence states
//! the TLS mode, failures included.
//!
//! "Another machine" is decided by the name the URL gives: `host=<remote name>
//! hostaddr=127.0.0.1` reaches the fake (or the real test server) on this machine while
//! naming a remote one, as a URL pointing at a man in the middle would.

use crate::support;

use serde_json::Value;
use support::cli::{check_json, finding, status, summary};
use support::fake_pg_wire::{Answers, Auth, FakePg, Script};
use support::pg::{History, Pg, PgOptions};

const PASSWORD: &str = "fake-db-password-never-sent";
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n";
/// A name that is not this machine's (nothing resolves it: `hostaddr` gives the address).
const REMOTE: &str = "pooler.fake-test.example";

/// The database checks that run with only a database URL.
const DB_CHECKS: [&str; 5] = [
    "supabase.tables",
    "supabase.freshness",
    "supabase.sync-log",
    "supabase.cron",
    "supabase.http",
];

fn check_db(url: &str) -> Value {
    check_json(
        BODY,
        "",
        &[("SUPABASE_DB_URL", url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
        &[PASSWORD],
    )
}

/// `host` reached at 127.0.0.1:`port`, as libpq's key/value string.
fn url(host: &str, port: u16, password: &str, sslmode: &str) -> String {
    format!(
        "host={host} hostaddr=127.0.0.1 port={port} user=postgres password={password} dbname=postgres sslmode={sslmode}"
    )
}

/// Every evidence line of `id`'s finding, joined.
fn evidence(r: &Value, id: &str) -> String {
    finding(r, id)["evidence"].to_string()
}

#[test]
fn to_a_remote_host_an_unverified_mode_never_sends_a_cleartext_or_md5_password() {
    for (auth, how) in [
        (Auth::Cleartext, "in clear text"),
        (Auth::Md5, "as an MD5 hash"),
    ] {
        let fake = FakePg::start(Script {
            tls: true,
            auth,
            answers: Answers::Empty,
        });
        for (mode, over) in [
            (
                "require",
                "over TLS whose certificate is not verified (sslmode=require)",
            ),
            (
                "prefer",
                "over TLS whose certificate is not verified (sslmode=prefer)",
            ),
            (
                "allow",
                "over TLS whose certificate is not verified (sslmode=allow)",
            ),
            ("disable", "over a connection without TLS (sslmode=disable)"),
        ] {
            let r = check_db(&url(REMOTE, fake.port(), PASSWORD, mode));
            for id in DB_CHECKS {
                assert_eq!(status(&r, id), "error", "{mode} {id}: {}", summary(&r, id));
                assert!(
                    evidence(&r, id).contains(&format!("sslmode={mode}")),
                    "{mode} {id}: the evidence names no TLS mode: {}",
                    evidence(&r, id)
                );
            }
            let s = summary(&r, "supabase.cron");
            assert!(
                s.contains(&format!(
                    "asked for the password {how} {over}; refused, the password was not sent"
                )),
                "{mode}: {s}"
            );
            assert!(s.contains("sslmode=verify-full"), "{mode}: the fix: {s}");
            assert_eq!(
                fake.heard(),
                Vec::<String>::new(),
                "{mode}: the password was sent {how}"
            );
        }
        // The same server named as this machine gets it, as libpq would send it (tests
        // and local development).
        check_db(&url("localhost", fake.port(), PASSWORD, "require"));
        assert_eq!(fake.heard().len(), 1, "{how}");
    }
}

#[test]
fn scram_to_a_remote_host_under_require_still_connects_and_a_refused_login_names_the_mode() {
    // The real server asks for SCRAM: it never hands the password over, so `require` to
    // a remote name works as before.
    let pg = Pg::start_with(PgOptions {
        password: Some(PASSWORD.into()),
        require_tls: false,
    });
    pg.load(History::Healthy, NOW);
    let r = check_db(&url(REMOTE, pg.port(), PASSWORD, "require"));
    for id in DB_CHECKS {
        assert_eq!(status(&r, id), "pass", "{id}: {}", summary(&r, id));
    }
    assert!(
        evidence(&r, "supabase.cron")
            .contains("Database connection: TLS, certificate not verified (sslmode=require)"),
        "{}",
        evidence(&r, "supabase.cron")
    );
    assert!(
        evidence(&r, "supabase.tables").contains(
            "Database connection: TLS, certificate not verified (sslmode=require); cleartext and MD5 passwords refused"
        ),
        "{}",
        evidence(&r, "supabase.tables")
    );
    // A wrong password: 28P01, and every database check says over what it was tried.
    let r = check_db(&url(REMOTE, pg.port(), "fake-wrong-password", "require"));
    for id in DB_CHECKS {
        assert_eq!(status(&r, id), "error", "{id}: {}", summary(&r, id));
        assert!(
            summary(&r, id).contains("28P01"),
            "{id}: {}",
            summary(&r, id)
        );
        assert!(
            evidence(&r, id).contains("TLS, certificate not verified (sslmode=require)"),
            "{id}: {}",
            evidence(&r, id)
        );
    }
}
