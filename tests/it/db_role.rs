//! The least-privileged role the project ships (`sql/pendo_triage_role.sql`), applied to
//! the real PostgreSQL shaped like the reference deployment (RLS on every table, pg_cron's
//! own policy on its jobs): every database check concludes as that role exactly as it
//! does as `postgres`, none ends in `error`, and the role can write nothing.

use crate::support;

use serde_json::Value;
use support::cli::{check_json, finding, status, summary};
use support::pg::{FAKE_SERVICE_ROLE_JWT, Pg, PgOptions, Reference, sql_literal};

/// 2026-11-28T10:00:00Z: the fixture's reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";

/// The file as shipped.
const ROLE_SQL: &str = include_str!("../../sql/pendo_triage_role.sql");
/// The role it creates.
const ROLE: &str = "pendo_triage";
/// Obviously fake passwords, for `postgres` and for the role.
const ADMIN_PASSWORD: &str = "fake-test-admin-password";
const ROLE_PASSWORD: &str = "fake-test-role-password";

/// A member's issue about Guides in Production, naming the checklist the checks tick.
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n\n\
## Troubleshooting Checklist\n### Infrastructure Investigation\n- [ ] Verify Supabase function execution\n- [ ] Test database connectivity\n- [ ] Review cronjob execution logs\n\n\
### Data Validation\n- [ ] Verify target data in Supabase\n\n\
## Test Cases for Validation\n- [ ] Data sync completes without errors\n";

/// The checks that read the database when the bot has only `supabase-db-url`.
const DB_CHECKS: [&str; 6] = [
    "supabase.tables",
    "supabase.freshness",
    "supabase.sync-log",
    "supabase.cron",
    "supabase.http",
    "supabase.analytics",
];

/// The reference deployment with `fixture`'s incidents, passwords on, the role file
/// applied twice (it is re-runnable) and the role given its password.
fn deployment(fixture: Reference) -> Pg {
    let pg = Pg::start_with(PgOptions {
        password: Some(ADMIN_PASSWORD.into()),
        require_tls: false,
    });
    fixture.load(&pg);
    pg.exec(ROLE_SQL);
    pg.exec(ROLE_SQL);
    pg.exec(&format!(
        "alter role {ROLE} with password {};",
        sql_literal(ROLE_PASSWORD)
    ));
    pg
}

/// The database URL as the role.
fn role_url(pg: &Pg) -> String {
    pg.url("verify-full").replacen(
        &format!("://postgres:{ADMIN_PASSWORD}@"),
        &format!("://{ROLE}:{ROLE_PASSWORD}@"),
        1,
    )
}

fn check(url: &str) -> Value {
    check_json(
        BODY,
        "",
        &[("SUPABASE_DB_URL", url), ("PENDO_TRIAGE_NOW", NOW_TEXT)],
        &[FAKE_SERVICE_ROLE_JWT, ADMIN_PASSWORD, ROLE_PASSWORD],
    )
}

/// Every database check as the role: none is `error`, and each concludes as it does
/// as `postgres` on the same data (status and summary).
fn assert_same_as_postgres(pg: &Pg) -> Value {
    let url = role_url(pg);
    assert!(url.contains("://pendo_triage:"), "{url}");
    let admin = check(&pg.url("verify-full"));
    let role = check(&url);
    for id in DB_CHECKS {
        assert_ne!(status(&role, id), "error", "{id}: {}", summary(&role, id));
        assert_ne!(status(&role, id), "skip", "{id}: {}", summary(&role, id));
        assert_eq!(
            (status(&role, id), summary(&role, id)),
            (status(&admin, id), summary(&admin, id)),
            "{id} as {ROLE} and as postgres"
        );
    }
    // pg_cron's scheduler too is seen as `postgres` sees it (pg_stat_activity).
    assert_eq!(
        finding(&role, "supabase.cron")["evidence"],
        finding(&admin, "supabase.cron")["evidence"]
    );
    assert_eq!(role["severity"], admin["severity"]);
    assert_eq!(role["ticks"], admin["ticks"]);
    role
}

#[test]
fn as_the_role_every_database_check_concludes_as_it_does_as_postgres() {
    let pg = deployment(Reference::new(NOW));
    let r = assert_same_as_postgres(&pg);
    for id in DB_CHECKS {
        // The reference deployment never fills `completions`: a passing note, not a wipe.
        assert_eq!(status(&r, id), "pass", "{id}: {}", summary(&r, id));
    }
    // What the file made: a login role, read-only by default, bounded, no superpowers.
    let role = pg.query_json(&format!(
        "select rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolconnlimit, rolconfig \
         from pg_roles where rolname = '{ROLE}'"
    ));
    assert_eq!(role[0]["rolcanlogin"], true, "{role}");
    assert_eq!(role[0]["rolsuper"], false, "{role}");
    assert_eq!(role[0]["rolcreaterole"], false, "{role}");
    assert_eq!(role[0]["rolcreatedb"], false, "{role}");
    assert_eq!(role[0]["rolreplication"], false, "{role}");
    assert_eq!(role[0]["rolconnlimit"], 5, "{role}");
    let config = role[0]["rolconfig"].to_string();
    for setting in [
        "default_transaction_read_only=on",
        "statement_timeout=30s",
        "idle_in_transaction_session_timeout=60s",
    ] {
        assert!(config.contains(setting), "{setting}: {config}");
    }
}

#[test]
fn as_the_role_the_incidents_are_found_as_they_are_as_postgres() {
    // A broken week: the wrapper failed the last runs, pg_net timed out, the job is gone.
    let pg = deployment(
        Reference::new(NOW)
            .views_wiped()
            .cron_job_failures(3)
            .unscheduled(),
    );
    let r = assert_same_as_postgres(&pg);
    for id in ["supabase.sync-log", "supabase.cron", "supabase.analytics"] {
        assert_eq!(status(&r, id), "fail", "{id}: {}", summary(&r, id));
    }
    assert_eq!(r["severity"], "P0");
}

#[test]
fn where_bypassrls_may_not_be_granted_read_policies_stand_in_and_cron_job_says_why() {
    // Supabase on PostgreSQL 15 without supautils' help, as closely as a plain server
    // allows: the file runs as an admin that is no superuser, owns the team's tables and
    // may pass on SELECT on pg_cron's and pg_net's tables, which it does not own.
    let pg = Pg::start_with(PgOptions {
        password: Some(ADMIN_PASSWORD.into()),
        require_tls: false,
    });
    Reference::new(NOW).load(&pg);
    pg.exec(
        "create role fake_test_admin login createrole;
         alter table public.pendo_guides owner to fake_test_admin;
         alter table public.pendo_features owner to fake_test_admin;
         alter table public.pendo_pages owner to fake_test_admin;
         alter table public.pendo_reports owner to fake_test_admin;
         alter table public.pendo_events owner to fake_test_admin;
         alter table public.sync_status owner to fake_test_admin;
         grant usage on schema public, cron, net to fake_test_admin with grant option;
         grant select on cron.job, cron.job_run_details, net._http_response to fake_test_admin with grant option;",
    );
    pg.exec(&format!("set role fake_test_admin;\n{ROLE_SQL}"));
    pg.exec(&format!(
        "alter role {ROLE} with password {};",
        sql_literal(ROLE_PASSWORD)
    ));
    let policies = pg.query_json(&format!(
        "select schemaname || '.' || tablename as t from pg_policies where policyname = 'pendo_triage_read' and '{ROLE}' = any(roles) order by 1"
    ));
    assert_eq!(policies.as_array().map(Vec::len), Some(6), "{policies}");
    let role = pg.query_json(&format!(
        "select rolbypassrls from pg_roles where rolname = '{ROLE}'"
    ));
    assert_eq!(role[0]["rolbypassrls"], false);
    let admin = check(&pg.url("verify-full"));
    let r = check(&role_url(&pg));
    // Every other check concludes the same (without the job, a summary may lack its
    // interval).
    for id in DB_CHECKS.iter().filter(|id| **id != "supabase.cron") {
        assert_eq!(
            status(&r, id),
            status(&admin, id),
            "{id}: {}",
            summary(&r, id)
        );
    }
    assert_eq!(
        summary(&r, "supabase.tables"),
        summary(&admin, "supabase.tables")
    );
    // pg_cron's policy shows the role only its own jobs: the check names that, not a
    // missing job.
    assert_eq!(status(&r, "supabase.cron"), "error");
    assert!(
        summary(&r, "supabase.cron")
            .contains("row-level security hides cron.job' rows from role pendo_triage"),
        "{}",
        summary(&r, "supabase.cron")
    );
}

#[test]
fn the_role_is_granted_select_and_usage_only() {
    let pg = deployment(Reference::new(NOW));
    let grants = pg.query_json(&format!(
        "select table_schema || '.' || table_name as t, privilege_type as p \
         from information_schema.role_table_grants where grantee = '{ROLE}' order by 1, 2"
    ));
    let grants: Vec<String> = grants
        .as_array()
        .unwrap()
        .iter()
        .map(|g| format!("{} {}", g["t"].as_str().unwrap(), g["p"].as_str().unwrap()))
        .collect();
    assert_eq!(
        grants,
        [
            "cron.job SELECT",
            "cron.job_run_details SELECT",
            "net._http_response SELECT",
            "public.pendo_events SELECT",
            "public.pendo_features SELECT",
            "public.pendo_guides SELECT",
            "public.pendo_pages SELECT",
            "public.pendo_reports SELECT",
            "public.sync_status SELECT",
        ]
    );
    // No other table is readable: the sync's own queue, another team's table.
    pg.exec(
        "create table public.other_team (secret text); insert into public.other_team values ('x');",
    );
    let e = as_role(&pg, &[], "select count(*) from public.other_team").unwrap_err();
    assert_eq!(e.0, "42501", "{}", e.1);
}

#[test]
fn a_write_as_the_role_is_refused() {
    let pg = deployment(Reference::new(NOW));
    let state = "select (select count(*) from public.sync_status) as logged, \
         (select count(*) from cron.job) as jobs, (select count(*) from net.http_request_queue) as queued, \
         (select sum(views) from public.pendo_guides) as views, (select count(*) from public.pendo_events) as events";
    let before = pg.query_json(state);
    let writes = [
        "insert into public.sync_status (entity_type, status) values ('guides', 'completed')",
        "update public.pendo_guides set views = 0",
        "delete from public.pendo_events",
        "truncate public.sync_status",
        "delete from cron.job",
        "select cron.schedule('fake-test-job', '* * * * *', 'select 1')",
        "select net.http_post(url := 'http://127.0.0.1:9/fake-test')",
        "create table public.fake_test_table (x int)",
    ];
    // As the role connects: read-only by default.
    for sql in writes {
        let e = as_role(&pg, &[], sql).expect_err(sql);
        assert!(
            ["25006", "42501"].contains(&e.0.as_str()),
            "{sql}: {} {}",
            e.0,
            e.1
        );
    }
    // Even after the role turns the read-only default off, its privileges refuse every
    // write to the tables it reads, and creating anything.
    let off = ["set default_transaction_read_only = off"];
    for sql in [
        writes[0], writes[1], writes[2], writes[3], writes[4], writes[7],
    ] {
        let e = as_role(&pg, &off, sql).expect_err(sql);
        assert_eq!(e.0, "42501", "{sql}: {}", e.1);
    }
    // What PUBLIC may call (pg_cron's schedule, a stock pg_net) the file's optional
    // hardening takes back, as it says.
    pg.exec(&hardening());
    for sql in [writes[5], writes[6]] {
        let e = as_role(&pg, &off, sql).expect_err(sql);
        assert_eq!(e.0, "42501", "{sql}: {}", e.1);
    }
    // Nothing changed.
    assert_eq!(pg.query_json(state), before);
}

/// The file's optional hardening, uncommented as it tells the reader to.
fn hardening() -> String {
    let start = ROLE_SQL
        .find("-- >>> hardening\n")
        .expect("the hardening's start marker");
    let end = ROLE_SQL
        .find("-- <<< hardening")
        .expect("the hardening's end marker");
    ROLE_SQL[start..end]
        .lines()
        .skip(1)
        .map(|l| l.strip_prefix("-- ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs `setup` then `sql` as the role over TCP; the SQLSTATE and message of the error.
fn as_role(pg: &Pg, setup: &[&str], sql: &str) -> Result<(), (String, String)> {
    let conninfo = format!(
        "host=127.0.0.1 port={} user={ROLE} password={ROLE_PASSWORD} dbname=postgres sslmode=disable",
        pg.port()
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let (client, connection) = tokio_postgres::connect(&conninfo, tokio_postgres::NoTls)
            .await
            .map_err(|e| ("connect".to_string(), e.to_string()))?;
        tokio::spawn(connection);
        let code = |e: tokio_postgres::Error| {
            (
                e.code().map_or("none", |c| c.code()).to_string(),
                e.to_string(),
            )
        };
        for s in setup {
            client.batch_execute(s).await.map_err(code)?;
        }
        client.batch_execute(sql).await.map_err(code)
    })
}
