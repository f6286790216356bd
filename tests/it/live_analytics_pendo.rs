//! `supabase.analytics` with Pendo's own views per guide (issue 25, 4(c)): the reference
//! deployment's wipe, with the guides' events gone from the events table (so nothing in
//! Supabase shows the guides were active) and a bot that never saw `views` non-zero, is
//! still a wipe when Pendo's aggregation counts views on the guides stored with 0. One
//! aggregation asks for it, once per run; its failure is said, not judged.

use crate::support;

use serde_json::Value;
use support::cli::{check_json, finding, status, summary};
use support::fake_pendo::{FAKE_PENDO_KEY, FakePendo, RecordedRequest};
use support::pg::{FAKE_SERVICE_ROLE_JWT, Pg, Reference};

/// 2026-11-28T10:00:00Z: the fixture's reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";

const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n";

/// The recorded wipe, without the guides' events in Supabase.
fn wiped_without_events() -> Pg {
    let pg = Pg::start();
    Reference::new(NOW).views_wiped().load(&pg);
    pg.exec("delete from public.pendo_events where entity_type = 'guide';");
    pg
}

/// Pendo's views per guide: `active` guides stored with 0 views, and the one guide the
/// table still counts.
fn pendo_views(pg: &Pg, active: usize) -> FakePendo {
    let zero = pg.query_json(&format!(
        "select coalesce(json_agg(id order by id), '[]') as ids from (select id from public.pendo_guides where views = 0 order by id limit {active}) g"
    ));
    let mut views: Vec<(String, u64)> = zero[0]["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| (id.as_str().unwrap().to_string(), 7))
        .collect();
    assert_eq!(views.len(), active);
    let counted = pg.query_json("select id from public.pendo_guides where views > 0");
    views.push((counted[0]["id"].as_str().unwrap().to_string(), 12));
    // A guide Pendo has that the table does not: not counted either way.
    views.push(("NotInTheTable000000000".into(), 3));
    FakePendo::builder()
        .now_ms(NOW * 1000)
        .guide_views(views)
        .start()
}

fn check(pg: &Pg, pendo: &FakePendo) -> Value {
    check_json(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
            ("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY),
            ("PENDO_BASE_URL", pendo.url()),
        ],
        &[FAKE_SERVICE_ROLE_JWT, FAKE_PENDO_KEY],
    )
}

fn guide_view_requests(pendo: &FakePendo) -> Vec<RecordedRequest> {
    pendo
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/aggregation" && r.body.contains("guideEvents"))
        .collect()
}

#[test]
fn pendo_counting_views_on_guides_stored_with_zero_is_a_wipe() {
    let pg = wiped_without_events();
    // Without Pendo's counts: zeros alone, never seen non-zero, no events: a note.
    let offline = check_json(
        BODY,
        "",
        &[
            ("SUPABASE_DB_URL", &pg.url("verify-full")),
            ("PENDO_TRIAGE_NOW", NOW_TEXT),
        ],
        &[FAKE_SERVICE_ROLE_JWT],
    );
    assert_eq!(status(&offline, "supabase.analytics"), "pass");

    let pendo = pendo_views(&pg, 91);
    let r = check(&pg, &pendo);
    assert_eq!(
        status(&r, "supabase.analytics"),
        "fail",
        "{}",
        summary(&r, "supabase.analytics")
    );
    assert_eq!(
        summary(&r, "supabase.analytics"),
        "Analytics wiped: views are 0 on 117 of 118 guides; Pendo counts views on 91 of them (in the last 7 days)"
    );
    assert_eq!(finding(&r, "supabase.analytics")["impact"], "critical");
    assert_eq!(r["severity"], "P0");
    let evidence = finding(&r, "supabase.analytics")["evidence"].to_string();
    assert!(
        evidence.contains(
            "Pendo counts views on 91 of the 117 guides stored with 0 views (aggregation, last 7 days)"
        ),
        "{evidence}"
    );
    // One aggregation for it, shaped like Pendo's: guide events grouped by guide.
    let asked = guide_view_requests(&pendo);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0].method, "POST");
    let body: Value = serde_json::from_str(&asked[0].body).unwrap();
    let pipeline = &body["request"]["pipeline"];
    assert_eq!(pipeline[0]["source"]["timeSeries"]["count"], -7);
    assert_eq!(pipeline[2]["group"]["group"][0], "guideId");
}

#[test]
fn one_guide_pendo_counts_at_zero_is_new_not_a_wipe_and_a_refusal_is_said() {
    let pg = wiped_without_events();
    let pendo = pendo_views(&pg, 1);
    let r = check(&pg, &pendo);
    assert_eq!(
        status(&r, "supabase.analytics"),
        "pass",
        "{}",
        summary(&r, "supabase.analytics")
    );
    let evidence = finding(&r, "supabase.analytics")["evidence"].to_string();
    assert!(
        evidence.contains("Pendo counts views on 1 of the 117 guides stored with 0 views"),
        "{evidence}"
    );
    // Pendo refuses the aggregation: said in the evidence, judged without it.
    pendo.knobs().fail_stage = Some("filter".into());
    let r = check(&pg, &pendo);
    assert_eq!(status(&r, "supabase.analytics"), "pass");
    let evidence = finding(&r, "supabase.analytics")["evidence"].to_string();
    assert!(
        evidence.contains("Pendo's views per guide not compared: Pendo refuses the views-per-guide aggregation (500)"),
        "{evidence}"
    );
}
