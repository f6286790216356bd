//! Anomalies against the sync's own history, as a person on call meets them: a run that
//! completes but writes 20 records where the entity usually writes about 1,200 is named
//! with the entity's usual band, over the database and over REST alike; a sync too new
//! to have a usual says it is still learning instead of guessing.

use crate::support;

use serde_json::Value;
use support::cli::{check_json, check_markdown, finding, status, summary};
use support::fake_postgrest::SERVICE_ROLE_JWT;
use support::pg::{FAKE_SERVICE_ROLE_JWT, History, Pg};
use support::project::mirror;

/// 2026-11-28T10:00:00Z: the histories' reference time and the bot's clock. The newest
/// run of the 6-hourly job started at 06:00 UTC.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";

/// A member's issue about Features in Production.
const BODY: &str = "## Data Context\n- **Data Type**: Features\n\n## Environment Information\n- **Environment**: Production\n\n\
## Troubleshooting Checklist\n- [ ] Verify Supabase function execution\n- [ ] Review cronjob execution logs\n";

/// A healthy week, then the newest `features` run completes having written 20 records
/// (the other 27 wrote about 1,200).
fn twenty_instead_of_1200() -> Pg {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW);
    pg.exec(
        "update public.sync_status set records_processed = 20 \
         where entity_type = 'features' and created_at = \
         (select max(created_at) from public.sync_status where entity_type = 'features')",
    );
    pg
}

fn check_db(pg: &Pg) -> Value {
    check_json(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    )
}

fn evidence(r: &Value, id: &str) -> Vec<String> {
    finding(r, id)["evidence"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_run_that_writes_20_instead_of_about_1200_is_flagged_with_its_band() {
    let pg = twenty_instead_of_1200();
    let r = check_db(&pg);
    assert_eq!(status(&r, "supabase.sync-log"), "warn", "{r:#}");
    // The 06:00 runs of the last week wrote 1,198–1,202: a flat series (median 1,200.5), so the band is
    // the floor's, ±15 % around the median.
    assert_eq!(
        summary(&r, "supabase.sync-log"),
        "features: 20 records, usually 1,021–1,380 at 06:00 UTC"
    );
    // The band replaced the tenth-of-the-median rule: one line, not two.
    let all = format!("{:?}", finding(&r, "supabase.sync-log"));
    assert!(!all.contains("far below"), "{all}");
    assert_eq!(finding(&r, "supabase.sync-log")["impact"], "degraded");
    // A degradation: P1 in Production, never P0 on its own.
    assert_eq!(r["severity"], "P1", "{}", r["diagnosis"]);
    // Every other entity is within its own band.
    assert!(
        evidence(&r, "supabase.sync-log").contains(
            &"Usual records (4 weeks, per UTC hour): features: 20 records, usually 1,021–1,380 at 06:00 UTC"
                .to_string()
        ),
        "{:?}",
        evidence(&r, "supabase.sync-log")
    );
    for id in ["supabase.tables", "supabase.freshness", "supabase.cron"] {
        assert_eq!(status(&r, id), "pass", "{id}: {}", summary(&r, id));
    }
    // The same run over REST: the same finding from the fake PostgREST's copy of the rows.
    let rest = mirror(&pg);
    let via_rest = check_json(
        BODY,
        "",
        &[
            ("SUPABASE_URL", rest.url()),
            ("SUPABASE_SERVICE_ROLE_KEY", SERVICE_ROLE_JWT),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[SERVICE_ROLE_JWT],
    );
    assert_eq!(
        summary(&via_rest, "supabase.sync-log"),
        summary(&r, "supabase.sync-log")
    );
    assert_eq!(via_rest["severity"], "P1");
    // One bounded read per entity for the usual: completed runs of four weeks, no messages.
    let usual: Vec<String> = rest
        .requests()
        .iter()
        .filter(|q| q.path.ends_with("/sync_status") && q.query.contains("gte."))
        .map(|q| q.query.clone())
        .collect();
    assert_eq!(usual.len(), 5, "{usual:?}");
    for q in &usual {
        assert!(
            q.contains("status=eq.completed")
                && q.contains("limit=672")
                && q.contains("created_at=gte.2026-10-31T10%3A00%3A00Z")
                && !q.contains("error_message"),
            "{q}"
        );
    }
    assert!(rest.writes().is_empty());
    // The report a person reads says it in the checks table.
    let md = check_markdown(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    assert!(
        md.contains("features: 20 records, usually 1,021–1,380 at 06:00 UTC"),
        "{md}"
    );
}

#[test]
fn the_usual_count_is_reported_while_healthy_and_a_new_sync_is_learning() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW);
    let r = check_db(&pg);
    assert_eq!(status(&r, "supabase.sync-log"), "pass");
    assert!(
        evidence(&r, "supabase.sync-log").contains(
            &"Usual records (4 weeks, per UTC hour): features: 1,198 records, usually 1,021–1,380 at 06:00 UTC"
                .to_string()
        ),
        "{:?}",
        evidence(&r, "supabase.sync-log")
    );
    // Only the newest 5 runs of features are logged: too few to know its usual. Even a
    // newest run of 900 (under the band a week would give) is not flagged.
    pg.exec(
        "delete from public.sync_status where entity_type = 'features' and created_at < \
         (select created_at from public.sync_status where entity_type = 'features' \
          order by created_at desc offset 4 limit 1); \
         update public.sync_status set records_processed = 900 \
         where entity_type = 'features' and created_at = \
         (select max(created_at) from public.sync_status where entity_type = 'features')",
    );
    let r = check_db(&pg);
    assert_eq!(
        status(&r, "supabase.sync-log"),
        "pass",
        "{}",
        summary(&r, "supabase.sync-log")
    );
    assert!(
        evidence(&r, "supabase.sync-log").contains(
            &"Usual records (4 weeks, per UTC hour): features: learning (5 of 8 runs)".to_string()
        ),
        "{:?}",
        evidence(&r, "supabase.sync-log")
    );
    assert_eq!(r["severity"], "P2");
}
