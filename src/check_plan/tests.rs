use super::*;
use crate::credentials::{ByEnvironment, SecretString};
use crate::issue::DataType;
use crate::live::contexts::LiveContexts;

fn inputs(env: Option<Environment>) -> LiveInputs {
    LiveInputs {
        environment: env,
        data_type: Some(DataType::Guides),
        expected_records: None,
        not_api: false,
    }
}

fn pendo_only() -> Credentials {
    Credentials {
        pendo_key: SecretString::new("fake-pendo-key"),
        ..Default::default()
    }
}

fn by(creds: &Credentials) -> Answerer<'_> {
    Answerer {
        environment: Environment::Production,
        owner: Environment::Production,
        creds,
    }
}

fn occasion(
    allowed: bool,
    trigger: Trigger,
    previous: Option<&LiveRecord>,
    now: i64,
) -> Occasion<'_> {
    Occasion {
        allowed,
        trigger,
        previous,
        now,
        reuse_minutes: 10,
        recheck_label: "recheck",
    }
}

fn prev(at: i64, inputs: &LiveInputs) -> LiveRecord {
    LiveRecord {
        at,
        inputs: inputs.key(),
        findings: vec![Finding::pass(CheckId::PendoAuth, "ok")],
    }
}

fn decision(p: &CheckPlan, id: CheckId) -> &Decision {
    &p.rows
        .iter()
        .find(|(i, _)| *i == id)
        .expect("a row per check")
        .1
}

/// Every registry row gets exactly one decision, in report order, and the offline ones
/// are `Offline` whatever the occasion.
#[test]
fn every_row_is_decided_once_in_report_order() {
    let creds = pendo_only();
    let i = inputs(Some(Environment::Production));
    for allowed in [true, false] {
        let p = CheckPlan::decide(&i, by(&creds), &occasion(allowed, Trigger::Opened, None, 0));
        let ids: Vec<CheckId> = p.rows.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, CheckId::all().collect::<Vec<_>>());
        for (id, d) in &p.rows {
            assert_eq!(id.is_offline(), *d == Decision::Offline, "{id}");
        }
    }
}

#[test]
fn members_run_what_their_credentials_allow_and_strangers_nothing() {
    let creds = pendo_only();
    let i = inputs(Some(Environment::Production));
    let p = CheckPlan::decide(&i, by(&creds), &occasion(true, Trigger::Opened, None, 0));
    assert_eq!(decision(&p, CheckId::PendoAuth), &Decision::Run);
    assert!(
        matches!(decision(&p, CheckId::SupabaseCron), Decision::Skip(w) if w.contains("supabase-url"))
    );
    assert!(p.note.is_none());
    let jobs: Vec<CheckId> = p.jobs().iter().map(|(id, _)| *id).collect();
    assert_eq!(
        jobs,
        [
            CheckId::PendoAuth,
            CheckId::PendoEndpoint,
            CheckId::PendoLatency,
            CheckId::PendoRateLimit,
            CheckId::PendoAggregation
        ]
    );
    let p = CheckPlan::decide(&i, by(&creds), &occasion(false, Trigger::Opened, None, 0));
    assert!(!p.runs_live());
    assert_eq!(
        decision(&p, CheckId::PendoAuth),
        &Decision::Skip(NOT_RUN.into())
    );
    // What the credentials lack is said whatever the occasion.
    assert!(
        matches!(decision(&p, CheckId::SupabaseCron), Decision::Skip(w) if w.contains("supabase-url"))
    );
    assert!(p.note.as_deref().is_some_and(|n| n.contains("`recheck`")));
}

#[test]
fn a_strangers_edit_keeps_a_members_results_for_the_same_inputs() {
    let creds = pendo_only();
    let i = inputs(Some(Environment::Production));
    let p = prev(0, &i);
    let plan = CheckPlan::decide(
        &i,
        by(&creds),
        &occasion(false, Trigger::Edited, Some(&p), 9999),
    );
    assert!(matches!(decision(&plan, CheckId::PendoAuth), Decision::Reuse(f) if f.summary == "ok"));
    assert_eq!(
        decision(&plan, CheckId::PendoLatency),
        &Decision::Skip(NOT_RUN.into())
    );
    assert_eq!(plan.reused_at, Some(0));
    let other = inputs(Some(Environment::Production));
    let other = LiveInputs {
        expected_records: Some(5),
        ..other
    };
    let plan = CheckPlan::decide(
        &other,
        by(&creds),
        &occasion(false, Trigger::Edited, Some(&p), 1),
    );
    assert_eq!(
        decision(&plan, CheckId::PendoAuth),
        &Decision::Skip(NOT_RUN.into())
    );
}

#[test]
fn quick_edits_reuse_and_rechecks_do_not() {
    let creds = pendo_only();
    let i = inputs(None);
    let p = prev(1000, &i);
    let plan =
        |trigger, now| CheckPlan::decide(&i, by(&creds), &occasion(true, trigger, Some(&p), now));
    assert!(matches!(
        decision(&plan(Trigger::Edited, 1000 + 599), CheckId::PendoAuth),
        Decision::Reuse(_)
    ));
    assert_eq!(
        decision(&plan(Trigger::Edited, 1000 + 600), CheckId::PendoAuth),
        &Decision::Run
    );
    assert_eq!(
        decision(&plan(Trigger::RecheckComment, 1001), CheckId::PendoAuth),
        &Decision::Run
    );
    assert_eq!(
        decision(&plan(Trigger::Schedule, 1001), CheckId::PendoAuth),
        &Decision::Run
    );
}

#[test]
fn another_environment_and_another_template_are_skipped_with_their_reason() {
    let creds = Credentials {
        supabase_db_url: SecretString::new("postgres://u:fake@127.0.0.1:9/db"),
        ..pendo_only()
    };
    let staging = inputs(Some(Environment::Staging));
    let p = CheckPlan::decide(
        &staging,
        by(&creds),
        &occasion(true, Trigger::Opened, None, 0),
    );
    assert!(!p.runs_live());
    assert!(
        matches!(decision(&p, CheckId::PendoAuth), Decision::Skip(w) if w.starts_with("no credentials for Staging"))
    );
    let not_api = LiveInputs {
        not_api: true,
        ..inputs(None)
    };
    let p = CheckPlan::decide(
        &not_api,
        by(&creds),
        &occasion(true, Trigger::Opened, None, 0),
    );
    assert_eq!(
        decision(&p, CheckId::PendoAuth),
        &Decision::Skip(NOT_API.into())
    );
    assert_eq!(decision(&p, CheckId::SupabaseCron), &Decision::Run);
    // Staging's own context names its variables.
    let staging_by = Answerer {
        environment: Environment::Staging,
        owner: Environment::Production,
        creds: &creds,
    };
    let none = Credentials::default();
    let p = CheckPlan::decide(
        &staging,
        Answerer {
            creds: &none,
            ..staging_by
        },
        &occasion(true, Trigger::Opened, None, 0),
    );
    assert!(
        matches!(decision(&p, CheckId::PendoAuth), Decision::Skip(w) if w.contains("STAGING_PENDO_INTEGRATION_KEY"))
    );
}

/// Every row runs through its registry function: the offline rows read the issue, the
/// live rows take what ran, was kept, or why not.
#[test]
fn findings_come_one_per_row_from_each_rows_own_source() {
    let reading = Reading::new("[API] x", "it is broken");
    let ran = vec![Finding::pass(CheckId::PendoAuth, "measured")];
    let p = CheckPlan::given(&pendo_only(), &ran);
    let found = p.findings(&reading, &ran);
    assert_eq!(found.len(), CheckId::ALL.len());
    assert_eq!(found[0].id, CheckId::IssueFields);
    assert!(found[0].summary.contains("template"), "{:?}", found[0]);
    let auth = found.iter().find(|f| f.id == CheckId::PendoAuth).unwrap();
    assert_eq!(auth.summary, "measured");
    let latency = found
        .iter()
        .find(|f| f.id == CheckId::PendoLatency)
        .unwrap();
    assert_eq!(
        (latency.status, latency.summary.as_str()),
        (Status::Skip, NOT_RUN)
    );
    let cron = found
        .iter()
        .find(|f| f.id == CheckId::SupabaseCron)
        .unwrap();
    assert!(cron.summary.contains("supabase-url"));
}

#[test]
fn only_measurements_are_kept_for_reuse() {
    assert!(record(&[Finding::skip(CheckId::PendoAuth, "no key")], "k", 0).is_none());
    let kept = record(&[Finding::pass(CheckId::PendoAuth, "ok")], "k", 7).unwrap();
    assert_eq!((kept.at, kept.inputs.as_str()), (7, "k"));
    let creds = pendo_only();
    let i = inputs(None);
    let p = CheckPlan::decide(&i, by(&creds), &occasion(true, Trigger::Opened, None, 0));
    let found = vec![
        Finding::pass(CheckId::PendoAuth, "ok"),
        Finding::skip(CheckId::SupabaseCron, "no Supabase access"),
    ];
    assert_eq!(
        p.measured(&found),
        vec![Finding::pass(CheckId::PendoAuth, "ok")]
    );
}

/// A Staging issue in a run with only Production's credentials: its own context plans
/// every live check as skipped, naming Staging's variables, and sends nothing.
#[tokio::test]
async fn another_environment_without_credentials_names_the_variables_to_set() {
    let prod = Credentials {
        pendo_key: SecretString::new("fake-prod-key"),
        pendo_base_url: "http://127.0.0.1:9".into(),
        pendo_region: "us".into(),
        ..Default::default()
    };
    let sets = ByEnvironment::new(prod, Vec::new());
    let c = LiveContexts::new(&crate::config::Config::default(), &sets, 0).unwrap();
    let staging = inputs(Some(Environment::Staging));
    let found = run_live(c.for_inputs(&staging), &staging).await;
    let auth = found.iter().find(|f| f.id == CheckId::PendoAuth).unwrap();
    assert_eq!(auth.status, Status::Skip);
    assert_eq!(
        auth.summary,
        "no credentials for Staging: set STAGING_PENDO_INTEGRATION_KEY (the unprefixed ones are Production's)"
    );
    let tables = found
        .iter()
        .find(|f| f.id == CheckId::SupabaseTables)
        .unwrap();
    assert!(
        tables.summary.contains(
            "STAGING_SUPABASE_URL and STAGING_SUPABASE_SERVICE_ROLE_KEY, or STAGING_SUPABASE_DB_URL"
        ),
        "{}",
        tables.summary
    );
    // Every live check is there, none ran, nothing was sent.
    assert!(found.iter().all(|f| f.status == Status::Skip));
    assert_eq!(c.stats().0, 0);
    assert!(c.sent().is_empty());
}
