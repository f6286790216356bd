//! Findings → verdict: severity, the labels to have, and the checklist items to tick.
//!
//! Pure tables and functions. The headline is the first problem in the order of
//! [`rank`]. Severity follows the policy in the config (defaults from
//! PRODUCT.md); ticks come from [`TICK_RULES`], one row per template item the bot may tick,
//! naming the check that earns it.

use crate::checks::offline::missing_fields;
use crate::config::{Config, Severity};
use crate::evidence::Reported;
use crate::finding::{Area, CheckId, Finding, Impact, Status};
use crate::issue::{Environment, Issue, normalize_key};
use serde::Serialize;
use std::collections::BTreeSet;

pub mod rank;

pub use rank::{Rank, Source};

use crate::checks::ticks::When;
use crate::registry::{TICK_RULES, TickRule};

/// What the triage concludes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub severity: Severity,
    /// False when no live check reached a conclusion: severity came from the issue text.
    pub verified: bool,
    /// One line: the most important thing found, first in the order of [`rank`], with
    /// its cause when another check knows it.
    pub diagnosis: String,
    /// What the diagnosis came from.
    pub source: Source,
    /// The environment severity was decided for (`None` = not stated).
    pub environment: Option<Environment>,
    /// Area keys (`pendo-api`, `supabase`, …) the findings point at.
    pub areas: Vec<Area>,
    /// Required fields still missing (drives `needs-info`).
    pub missing_fields: Vec<&'static str>,
    /// The bot-managed labels this issue should carry.
    pub labels: BTreeSet<String>,
    /// Checklist item texts (as in the body): without memory, the items the bot would tick
    /// now; with the items it ticked on earlier runs, the items it has ticked that stay
    /// ticked, those it ticks now included (see [`decide`]).
    pub ticks: Vec<String>,
}

/// Decides the verdict. `bot_ticked` is what the bot remembers having ticked on earlier
/// runs ([`normalize_key`] keys), or `None` when it remembers nothing (a preview): with
/// it, an item the bot ticked and a person unticked since is not ticked again, and
/// [`Verdict::ticks`] lists every item the bot has ticked that is still ticked, so the
/// report reads the same on the next run, when those items are no longer "to tick".
pub fn decide(
    issue: &Issue,
    findings: &[Finding],
    reported: &[Reported],
    config: &Config,
    bot_ticked: Option<&[String]>,
) -> Verdict {
    let verified = crate::finding::live_concluded(findings);
    let clean = measured_clean(findings);
    let mut problems = problems(findings, reported, verified, clean);
    let api = issue.is_api_issue();
    if !api {
        // Another template's body (a bug, security or performance report): nothing it
        // says is an [API] claim; only a pasted secret, a fact, still counts.
        // What the Supabase data checks measured for it is a fact too.
        problems.retain(|p| match &p.source {
            Source::Check(CheckId::IssueSecrets) => true,
            Source::Check(id) => findings.iter().any(|f| {
                f.id == *id
                    && !f.is_offline()
                    && matches!(f.status, Status::Warn | Status::Fail)
                    && f.impact != Impact::None
            }),
            _ => false,
        });
    }
    let worst = problems
        .iter()
        .map(|p| p.impact)
        .max()
        .unwrap_or(Impact::None);
    let severity = severity_for(issue.environment, worst, config);
    let source = problems
        .first()
        .map_or(Source::Nothing, |p| p.source.clone());
    let diagnosis = if api || !problems.is_empty() {
        diagnosis(&problems, verified, issue, findings)
    } else if issue.empty {
        format!(
            "{}: there is nothing to triage until the [API] template is filled in",
            crate::checks::offline::EMPTY_BODY
        )
    } else if verified {
        "Not an [API] issue: the body has none of the [API] template's sections, fields or checklist; the Supabase data checks found nothing wrong".to_string()
    } else {
        "Not an [API] issue: the body has none of the [API] template's sections, fields or checklist, so nothing was checked".to_string()
    };
    let areas = areas(issue, findings, reported, verified);
    let missing = missing_fields(issue);

    let l = &config.labels;
    let mut labels = BTreeSet::new();
    labels.insert(
        match severity {
            Severity::P0 => &l.p0,
            Severity::P1 => &l.p1,
            Severity::P2 => &l.p2,
        }
        .clone(),
    );
    for a in &areas {
        labels.insert(l.area(a.key()).to_string());
    }
    if !missing.is_empty() {
        labels.insert(l.needs_info.clone());
    }

    Verdict {
        severity,
        verified,
        diagnosis,
        source,
        environment: issue.environment,
        areas,
        missing_fields: missing,
        labels,
        ticks: ticks(issue, findings, verified, bot_ticked),
    }
}

/// One problem the headline may come from.
#[derive(Debug, Clone)]
struct Problem {
    rank: Rank,
    impact: Impact,
    /// The check's closeness to a root cause (reported values: after every check).
    cause_rank: u8,
    what: String,
    source: Source,
    /// The failure cause the finding knows itself (see [`Finding::cause`]).
    cause: Option<String>,
}

/// Non-passing findings (and, when unverified, reported values) in the headline's order
/// ([`rank`]): the first is the headline.
fn problems(
    findings: &[Finding],
    reported: &[Reported],
    verified: bool,
    clean: bool,
) -> Vec<Problem> {
    // When the live checks all pass, the lints of the issue's own request and code are
    // advice (they stay in the table and next steps), never the headline nor above P2; a
    // pasted secret is a fact about the issue itself.
    let mut out: Vec<Problem> = findings
        .iter()
        .filter(|f| matches!(f.status, Status::Warn | Status::Fail) && f.impact != Impact::None)
        .filter(|f| !clean || !f.is_offline() || f.id == CheckId::IssueSecrets)
        .map(|f| Problem {
            rank: Rank::of(f),
            impact: f.impact,
            cause_rank: crate::registry::row(f.id).cause,
            what: f.summary.clone(),
            source: Source::Check(f.id),
            cause: f.cause.clone(),
        })
        .collect();
    if !verified {
        out.extend(
            reported
                .iter()
                .filter(|r| r.impact != Impact::None)
                .map(|r| Problem {
                    rank: Rank::ReportedSymptom,
                    impact: r.impact,
                    cause_rank: u8::MAX,
                    what: capitalize(&format!(
                        "{} (reported {}: {})",
                        r.meaning,
                        r.name,
                        shorten(&r.value, 40)
                    )),
                    source: Source::Reported(r.name.clone()),
                    cause: None,
                }),
        );
    }
    // Stable: at equal keys, the order found (catalogue order, then the issue's).
    out.sort_by_key(|p| rank::sort_key(p.rank, p.impact, p.cause_rank));
    out
}

/// The cause another check knows of the headline's failure: for a measured failure that
/// does not name its own cause, the first other failing finding (in the headline's order)
/// that does.
fn known_cause<'a>(top: &Problem, findings: &'a [Finding]) -> Option<&'a str> {
    if top.cause.is_some() || top.rank > Rank::PipelineFailure {
        return None;
    }
    let mut bearers: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f.status, Status::Warn | Status::Fail) && !f.is_offline())
        .filter(|f| f.cause.is_some() && top.source != Source::Check(f.id))
        .collect();
    bearers
        .sort_by_key(|f| rank::sort_key(Rank::of(f), f.impact, crate::registry::row(f.id).cause));
    bearers.first().and_then(|f| f.cause.as_deref())
}

fn shorten(s: &str, max_chars: usize) -> String {
    match s.char_indices().nth(max_chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The policy table.
pub fn severity_for(environment: Option<Environment>, worst: Impact, config: &Config) -> Severity {
    let p = &config.severity;
    let env = match environment {
        Some(e) => e,
        None if p.unstated_is_production => Environment::Production,
        None => Environment::Development,
    };
    match (env, worst) {
        (_, Impact::None) => p.otherwise,
        (Environment::Production, Impact::Critical) => p.production_critical,
        (Environment::Production, Impact::Degraded) => p.production_degraded,
        (Environment::Staging, Impact::Critical) => p.staging_critical,
        (Environment::Staging, Impact::Degraded) => p.staging_degraded,
        (Environment::Development, Impact::Critical) => p.development_critical,
        (Environment::Development, Impact::Degraded) => p.development_degraded,
    }
}

/// True when live checks concluded and none found a problem or broke: what was measured
/// then outranks what the issue's own text suggests.
fn measured_clean(findings: &[Finding]) -> bool {
    let mut live = findings.iter().filter(|f| !f.is_offline()).peekable();
    live.peek().is_some()
        && crate::finding::live_concluded(findings)
        && live.all(|f| {
            matches!(f.status, Status::Pass | Status::Skip)
                || (f.status == Status::Warn && f.impact == Impact::None)
        })
}

fn diagnosis(problems: &[Problem], verified: bool, issue: &Issue, findings: &[Finding]) -> String {
    let env = issue
        .environment
        .map_or("environment not stated", |e| e.as_str());
    match problems.first() {
        Some(top) => {
            let what = match known_cause(top, findings) {
                Some(cause) => format!("{} — {cause}", first_clauses(&top.what)),
                None => top.what.clone(),
            };
            headline(&what, env, problems.len())
        }
        None if verified => every_check_passes(findings, env),
        None => format!("No problem found in what the issue reports; not verified live — {env}"),
    }
}

/// How much of a long headline is kept when a cause follows it, so the cause shows.
const BEFORE_CAUSE_CHARS: usize = 140;

/// `what`, cut after its last `; ` clause that fits in [`BEFORE_CAUSE_CHARS`] ("Data is
/// older than the 24 h threshold: pendo_guides: …; …").
fn first_clauses(what: &str) -> String {
    if what.chars().count() <= BEFORE_CAUSE_CHARS {
        return what.to_string();
    }
    let cut = shorten(what, BEFORE_CAUSE_CHARS);
    match cut.rfind("; ") {
        Some(at) => format!("{}; …", &cut[..at]),
        None => cut,
    }
}

/// The headline with its environment and how many more problems follow.
fn headline(what: &str, env: &str, problems: usize) -> String {
    match problems {
        0 | 1 => format!("{what} — {env}"),
        n => format!(
            "{what} — {env}; {} more finding{} below",
            n - 1,
            if n == 2 { "" } else { "s" }
        ),
    }
}

fn every_check_passes(findings: &[Finding], env: &str) -> String {
    let passed = findings
        .iter()
        .filter(|f| !f.is_offline() && f.status == Status::Pass)
        .count();
    let advice = findings
        .iter()
        .filter(|f| {
            f.id == CheckId::IssueRequest && matches!(f.status, Status::Warn | Status::Fail)
        })
        .count();
    format!(
        "Every live check passes now: {passed} check{} against the running system{} — {env}",
        if passed == 1 { "" } else { "s" },
        if advice > 0 {
            "; the notes on the issue's own request below are advice"
        } else {
            ""
        }
    )
}

fn areas(issue: &Issue, findings: &[Finding], reported: &[Reported], verified: bool) -> Vec<Area> {
    let mut set: BTreeSet<Area> = BTreeSet::new();
    // A body the bot calls "not an [API] issue" is not about the Pendo API.
    if issue.is_api_issue() {
        set.insert(Area::PendoApi);
    }
    // A problem that matters for severity points at its check's areas and its own.
    for f in findings
        .iter()
        .filter(|f| matches!(f.status, Status::Warn | Status::Fail))
    {
        if f.impact != Impact::None {
            set.extend(crate::registry::row(f.id).areas.iter().copied());
        }
        set.extend(f.areas.iter().copied());
    }
    if !verified {
        for r in reported.iter().filter(|r| r.impact != Impact::None) {
            set.extend(r.areas.iter().copied());
        }
    }
    if issue.field("Netlify Function").is_some() {
        set.insert(Area::EdgeFunctions);
    }
    // BTreeSet<Area> iterates in label order.
    set.into_iter().collect()
}

fn ticks(
    issue: &Issue,
    findings: &[Finding],
    verified: bool,
    bot_ticked: Option<&[String]>,
) -> Vec<String> {
    let wanted: Vec<String> = TICK_RULES
        .iter()
        .filter(|r| earned(r, findings, verified))
        .map(|r| normalize_key(r.item))
        .collect();
    // Nothing earned and nothing ticked before: no item's key is needed (an issue can hold
    // thousands of items).
    if wanted.is_empty() && bot_ticked.is_none_or(<[String]>::is_empty) {
        return Vec::new();
    }
    let Some(before) = bot_ticked else {
        return issue
            .checklist
            .iter()
            .filter(|i| !i.checked && wanted.contains(&normalize_key(&i.text)))
            .map(|i| i.text.clone())
            .collect();
    };
    // Ticked now: earned, unchecked, and not ticked before (then a person unticked it).
    let now: Vec<String> = issue
        .checklist
        .iter()
        .filter(|i| !i.checked)
        .map(|i| normalize_key(&i.text))
        .filter(|k| wanted.contains(k) && !before.contains(k))
        .collect();
    issue
        .checklist
        .iter()
        .filter(|i| {
            let key = normalize_key(&i.text);
            // Ticked now, or checked and ticked by the bot before.
            now.contains(&key) || (i.checked && before.contains(&key))
        })
        .map(|i| i.text.clone())
        .collect()
}

/// Whether `findings` earn `rule`'s tick.
pub fn earned(rule: &TickRule, findings: &[Finding], verified: bool) -> bool {
    let found = |id: &CheckId| findings.iter().find(|f| f.id == *id);
    let status = |id: &CheckId| found(id).map(|f| f.status);
    match rule.when {
        When::Verified => verified,
        When::Conclusive => rule
            .checks
            .iter()
            .any(|id| status(id).is_some_and(Status::is_conclusive)),
        When::Pass => {
            let Some((first, others)) = rule.checks.split_first() else {
                return false;
            };
            // A warning that weighs nothing (a metric that may never have been filled)
            // forbids nothing; every other problem does.
            status(first) == Some(Status::Pass)
                && others.iter().all(|id| {
                    found(id).is_none_or(|f| {
                        matches!(f.status, Status::Pass | Status::Skip)
                            || (f.status == Status::Warn && f.impact == Impact::None)
                    })
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::{TEMPLATE, parse};

    fn f(id: CheckId, status: Status, impact: Impact) -> Finding {
        Finding::new(id, status, format!("{id} {status}")).with_impact(impact)
    }

    #[test]
    fn every_tick_rule_names_a_template_item_and_a_known_check() {
        let template = parse(TEMPLATE);
        for rule in TICK_RULES.iter() {
            assert!(
                template
                    .checklist
                    .iter()
                    .any(|i| normalize_key(&i.text) == normalize_key(rule.item)),
                "{} is not a template item",
                rule.item
            );
            assert_eq!(
                rule.checks.is_empty(),
                rule.when == When::Verified,
                "{}",
                rule.item
            );
        }
    }

    #[test]
    fn severity_table() {
        let c = Config::default();
        use Environment::{Development, Production, Staging};
        use Impact::{Critical, Degraded};
        let cases = [
            (Some(Production), Critical, Severity::P0),
            (None, Critical, Severity::P0),
            (Some(Production), Degraded, Severity::P1),
            (Some(Staging), Critical, Severity::P1),
            (Some(Staging), Degraded, Severity::P2),
            (Some(Development), Critical, Severity::P2),
            (Some(Production), Impact::None, Severity::P2),
        ];
        for (env, impact, want) in cases {
            assert_eq!(severity_for(env, impact, &c), want, "{env:?} {impact:?}");
        }
    }

    #[test]
    fn policy_is_configurable() {
        let mut c = Config::default();
        c.severity.unstated_is_production = false;
        assert_eq!(severity_for(None, Impact::Critical, &c), Severity::P2);
        c.severity.staging_critical = Severity::P0;
        assert_eq!(
            severity_for(Some(Environment::Staging), Impact::Critical, &c),
            Severity::P0
        );
    }

    #[test]
    fn live_findings_decide_when_verified() {
        let issue = parse("- **Environment**: Production\n- **Success Rate**: 10%\n");
        let reported = crate::evidence::reported(
            &issue,
            &Config::default().thresholds,
            "sync_status",
            &crate::clock::Clock::at(0).reported,
        );
        // Unverified: the reported 10% success rate makes it P1.
        let v = decide(&issue, &[], &reported, &Config::default(), None);
        assert_eq!(v.severity, Severity::P1);
        assert!(!v.verified);
        // Verified and healthy: the report is history, P2.
        let live = [f(CheckId::PendoAuth, Status::Pass, Impact::None)];
        let v = decide(&issue, &live, &reported, &Config::default(), None);
        assert_eq!(v.severity, Severity::P2);
        assert!(v.verified);
        assert!(
            v.diagnosis
                .starts_with("Every live check passes now: 1 check")
        );
        // Verified and broken.
        let live = [f(CheckId::PendoAuth, Status::Fail, Impact::Critical)];
        let v = decide(&issue, &live, &reported, &Config::default(), None);
        assert_eq!(v.severity, Severity::P0);
        assert!(v.labels.contains("severity:P0"));
        assert!(v.diagnosis.starts_with("pendo.auth fail"));
    }

    #[test]
    fn ticks_follow_the_table_and_skip_checked_items() {
        let body = "- [ ] Verify API key is valid and active\n- [x] Test API endpoint manually\n- [ ] Review rate limiting status\n- [ ] Issue severity assessed (P0/P1/P2)\n";
        let issue = parse(body);
        let findings = [
            f(CheckId::PendoAuth, Status::Pass, Impact::None),
            f(CheckId::PendoEndpoint, Status::Fail, Impact::Critical),
            f(CheckId::PendoRateLimit, Status::Error, Impact::None),
        ];
        let v = decide(&issue, &findings, &[], &Config::default(), None);
        assert_eq!(
            v.ticks,
            vec![
                "Verify API key is valid and active",
                "Issue severity assessed (P0/P1/P2)"
            ]
        );
        // A failed auth check must not tick "valid and active".
        let findings = [f(CheckId::PendoAuth, Status::Fail, Impact::Critical)];
        let v = decide(&issue, &findings, &[], &Config::default(), None);
        assert!(!v.ticks.iter().any(|t| t.contains("valid")));
    }

    #[test]
    fn with_memory_the_ticks_are_what_the_bot_has_ticked_and_an_untick_stands() {
        let body = "- [x] Verify API key is valid and active\n- [ ] Test API endpoint manually\n- [ ] Review rate limiting status\n- [ ] Issue severity assessed (P0/P1/P2)\n";
        let issue = parse(body);
        let findings = [
            f(CheckId::PendoAuth, Status::Pass, Impact::None),
            f(CheckId::PendoEndpoint, Status::Pass, Impact::None),
        ];
        let key = |t: &str| normalize_key(t);
        // The bot ticked "valid" (still ticked) and "manually" (a person unticked it).
        let before = [
            key("Verify API key is valid and active"),
            key("Test API endpoint manually"),
        ];
        let v = decide(&issue, &findings, &[], &Config::default(), Some(&before));
        assert_eq!(
            v.ticks,
            vec![
                "Verify API key is valid and active",
                "Issue severity assessed (P0/P1/P2)"
            ]
        );
        // Remembering nothing: only the items to tick now.
        let v = decide(&issue, &findings, &[], &Config::default(), None);
        assert_eq!(
            v.ticks,
            vec![
                "Test API endpoint manually",
                "Issue severity assessed (P0/P1/P2)"
            ]
        );
    }

    /// For each item the bot may tick: the evidence that ticks it, and every piece of
    /// evidence that forbids it.
    #[test]
    fn each_item_says_what_ticks_it_and_what_forbids_it() {
        use CheckId::*;
        use Status::{Error, Fail, Pass, Skip, Warn};
        let table: &[(&str, &[CheckId], &[CheckId])] = &[
            // (item, all passing ticks it, any of these failing forbids it)
            (
                "Verify API key is valid and active",
                &[PendoAuth],
                &[PendoAuth],
            ),
            (
                "Data Visible: Data exists in Pendo console",
                &[PendoEndpoint],
                &[PendoEndpoint],
            ),
            (
                "API call succeeds with valid parameters",
                &[PendoEndpoint, PendoAuth],
                &[PendoEndpoint, PendoAuth],
            ),
            (
                "Performance meets requirements (< 2s response)",
                &[PendoLatency],
                &[PendoLatency],
            ),
            (
                "Verify Supabase function execution",
                &[SupabaseHttp, SupabaseSyncLog],
                &[SupabaseHttp, SupabaseSyncLog],
            ),
            (
                "Verify target data in Supabase",
                &[SupabaseTables, SupabaseFreshness, SupabaseAnalytics],
                &[SupabaseTables, SupabaseFreshness, SupabaseAnalytics],
            ),
            (
                "Validate data completeness",
                &[SupabaseCompleteness, SupabaseTables, SupabaseAnalytics],
                &[SupabaseCompleteness, SupabaseTables, SupabaseAnalytics],
            ),
            (
                "Data sync completes without errors",
                &[
                    SupabaseSyncLog,
                    SupabaseFreshness,
                    SupabaseCron,
                    SupabaseHttp,
                    SupabaseAnalytics,
                ],
                &[
                    SupabaseSyncLog,
                    SupabaseFreshness,
                    SupabaseCron,
                    SupabaseHttp,
                    SupabaseAnalytics,
                ],
            ),
            (
                "All expected data types processed",
                &[
                    SupabaseSyncLog,
                    SupabaseTables,
                    SupabaseFreshness,
                    SupabaseCompleteness,
                ],
                &[
                    SupabaseSyncLog,
                    SupabaseTables,
                    SupabaseFreshness,
                    SupabaseCompleteness,
                ],
            ),
        ];
        let rule = |item: &str| {
            *TICK_RULES
                .iter()
                .find(|r| normalize_key(r.item) == normalize_key(item))
                .unwrap_or_else(|| panic!("{item} has no rule"))
        };
        for (item, ticks, forbids) in table {
            let r = rule(item);
            let pass: Vec<Finding> = ticks.iter().map(|id| f(*id, Pass, Impact::None)).collect();
            assert!(
                earned(&r, &pass, true),
                "{item}: every bearing check passed"
            );
            for bad in *forbids {
                for status in [Fail, Warn, Error] {
                    let mut fs = pass.clone();
                    fs.retain(|x| x.id != *bad);
                    fs.push(f(*bad, status, Impact::Critical));
                    assert!(
                        !earned(&r, &fs, true),
                        "{item}: {bad} {status} must forbid it"
                    );
                }
            }
            // The first check alone skipped or absent never ticks a "verify" item.
            let mut fs = pass.clone();
            fs.retain(|x| x.id != ticks[0]);
            assert!(!earned(&r, &fs, true), "{item}: without {}", ticks[0]);
            fs.push(f(ticks[0], Skip, Impact::None));
            assert!(!earned(&r, &fs, true), "{item}: {} skipped", ticks[0]);
        }
        // The recorded case: the job deleted, the data two days old, the sync log clean.
        let findings = [
            f(SupabaseSyncLog, Pass, Impact::None),
            f(SupabaseCron, Fail, Impact::Critical),
            f(SupabaseFreshness, Fail, Impact::Critical),
        ];
        for item in [
            "Data sync completes without errors",
            "All expected data types processed",
        ] {
            assert!(!earned(&rule(item), &findings, true), "{item}");
        }
    }

    #[test]
    fn measurement_outranks_the_lint_of_the_issues_own_text() {
        let issue = parse("- **Environment**: Production\n- **Data Type**: Guides\n");
        let lint = f(CheckId::IssueRequest, Status::Fail, Impact::Critical);
        // Unverified: the lint decides.
        let v = decide(
            &issue,
            std::slice::from_ref(&lint),
            &[],
            &Config::default(),
            None,
        );
        assert_eq!(v.severity, Severity::P0);
        // Every live check passes: the lint is advice, P2, and never the headline.
        let findings = [
            lint.clone(),
            f(CheckId::PendoAuth, Status::Pass, Impact::None),
            f(CheckId::PendoEndpoint, Status::Pass, Impact::None),
            f(CheckId::SupabaseSyncLog, Status::Skip, Impact::None),
        ];
        let v = decide(&issue, &findings, &[], &Config::default(), None);
        assert_eq!(v.severity, Severity::P2, "{}", v.diagnosis);
        assert_eq!(
            v.diagnosis,
            "Every live check passes now: 2 checks against the running system; the notes on the issue's own request below are advice — Production"
        );
        // A pasted live secret is a fact, not a claim: still P0.
        let mut with_secret = findings.to_vec();
        with_secret.push(f(CheckId::IssueSecrets, Status::Fail, Impact::Critical));
        let v = decide(&issue, &with_secret, &[], &Config::default(), None);
        assert_eq!(v.severity, Severity::P0);
        // A live problem, or a live check that broke: the lint counts again.
        let mut broken = findings.to_vec();
        broken.push(f(CheckId::SupabaseCron, Status::Error, Impact::None));
        let v = decide(&issue, &broken, &[], &Config::default(), None);
        assert_eq!(v.severity, Severity::P0);
    }

    #[test]
    fn wiped_analytics_forbid_verifying_the_target_data() {
        let issue = parse("- [ ] Verify target data in Supabase\n");
        let tables = f(CheckId::SupabaseTables, Status::Pass, Impact::None);
        let wiped = f(CheckId::SupabaseAnalytics, Status::Fail, Impact::Critical);
        let never_filled = f(CheckId::SupabaseAnalytics, Status::Warn, Impact::None);
        let v = decide(
            &issue,
            &[tables.clone(), wiped],
            &[],
            &Config::default(),
            None,
        );
        assert!(v.ticks.is_empty(), "{:?}", v.ticks);
        let v = decide(
            &issue,
            &[tables, never_filled],
            &[],
            &Config::default(),
            None,
        );
        assert_eq!(v.ticks, vec!["Verify target data in Supabase"]);
    }

    /// Which of two problems leads the headline: (first, second, the one that leads).
    #[test]
    fn the_headline_follows_the_ranking() {
        use CheckId::*;
        use Impact::{Critical, Degraded};
        use Status::{Fail, Warn};
        let issue = parse("- **Environment**: Production\n- **Data Type**: Guides\n");
        let note = f(SupabaseHttp, Warn, Degraded).as_configuration_note();
        let table: &[(Finding, Finding, CheckId)] = &[
            // 1 over 3: a data failure over pg_net's note, whatever the catalogue order.
            (
                note.clone(),
                f(SupabaseFreshness, Warn, Degraded),
                SupabaseFreshness,
            ),
            // 2 over 3: the sync log's warning over the note (issue 25's P1).
            (
                note.clone(),
                f(SupabaseSyncLog, Warn, Degraded),
                SupabaseSyncLog,
            ),
            // 1 over 2 at the same impact: the stale data over the inactive job.
            (
                f(SupabaseCron, Fail, Critical),
                f(SupabaseFreshness, Fail, Critical),
                SupabaseFreshness,
            ),
            // The impact first: a P0's headline is a critical problem.
            (
                f(SupabaseFreshness, Warn, Degraded),
                f(SupabaseSyncLog, Fail, Critical),
                SupabaseSyncLog,
            ),
            // A note is never worse than a degradation.
            (
                f(SupabaseHttp, Fail, Critical).as_configuration_note(),
                f(SupabaseCompleteness, Warn, Degraded),
                SupabaseCompleteness,
            ),
            // Within a rank: closer to the root cause first.
            (
                f(SupabaseSyncLog, Fail, Critical),
                f(SupabaseCron, Fail, Critical),
                SupabaseCron,
            ),
            // 1 over 5: a pasted secret over the lint of the request.
            (
                f(IssueRequest, Fail, Critical),
                f(IssueSecrets, Fail, Critical),
                IssueSecrets,
            ),
        ];
        for (a, b, lead) in table {
            for pair in [[a.clone(), b.clone()], [b.clone(), a.clone()]] {
                let v = decide(&issue, &pair, &[], &Config::default(), None);
                assert_eq!(v.source, Source::Check(*lead), "{pair:?}: {}", v.diagnosis);
            }
        }
    }

    #[test]
    fn a_reported_symptom_outranks_a_lint_of_the_request() {
        let issue = parse("- **Environment**: Production\n- **Stale Data**: 3 days\n");
        let reported = crate::evidence::reported(
            &issue,
            &Config::default().thresholds,
            "sync_status",
            &crate::clock::Clock::at(0).reported,
        );
        assert!(
            reported.iter().any(|r| r.impact == Impact::Critical),
            "{reported:?}"
        );
        let lint = f(CheckId::IssueRequest, Status::Fail, Impact::Critical);
        let v = decide(&issue, &[lint], &reported, &Config::default(), None);
        assert_eq!(
            v.source,
            Source::Reported("Stale Data".into()),
            "{}",
            v.diagnosis
        );
    }

    #[test]
    fn a_cause_another_check_knows_joins_the_headline() {
        use CheckId::*;
        let issue = parse("- **Environment**: Production\n- **Data Type**: Guides\n");
        let wiped = Finding::new(
            SupabaseAnalytics,
            Status::Fail,
            "Analytics wiped: views are 0 on 117 of 118 guides",
        )
        .with_impact(Impact::Critical);
        let console = Finding::new(SupabaseFunctions, Status::Fail, "sync logged permission denied")
            .with_impact(Impact::Critical)
            .with_cause("the sync function logs 'permission denied for table pendo_events' on every run since 11-18");
        let v = decide(
            &issue,
            &[wiped.clone(), console.clone()],
            &[],
            &Config::default(),
            None,
        );
        assert_eq!(
            v.diagnosis,
            "Analytics wiped: views are 0 on 117 of 118 guides — the sync function logs 'permission denied for table pendo_events' on every run since 11-18 — Production; 1 more finding below"
        );
        // A finding that names its own cause leads alone.
        let v = decide(
            &issue,
            std::slice::from_ref(&console),
            &[],
            &Config::default(),
            None,
        );
        assert_eq!(v.diagnosis, "sync logged permission denied — Production");
        // A long headline keeps its first clauses, so the cause shows.
        let long = Finding::new(
            SupabaseFreshness,
            Status::Fail,
            format!(
                "Data is older than the 24 h threshold: {}",
                ["pendo_guides: newest row 2 d old"; 5].join("; ")
            ),
        )
        .with_impact(Impact::Critical);
        let v = decide(&issue, &[long, console], &[], &Config::default(), None);
        assert!(
            v.diagnosis.starts_with("Data is older than the 24 h threshold: pendo_guides: newest row 2 d old; pendo_guides: newest row 2 d old; … — the sync function logs"),
            "{}",
            v.diagnosis
        );
    }

    #[test]
    fn labels_include_needs_info_and_security() {
        let issue = parse("- **Environment**: Production\n");
        let findings = [f(CheckId::IssueSecrets, Status::Fail, Impact::Critical)];
        let v = decide(&issue, &findings, &[], &Config::default(), None);
        assert_eq!(v.severity, Severity::P0);
        for l in ["severity:P0", "needs-info", "security"] {
            assert!(v.labels.contains(l), "{l} in {:?}", v.labels);
        }
        // One field and no template structure: not an [API] issue, so not `pendo-api`.
        assert!(!v.labels.contains("pendo-api"), "{:?}", v.labels);
        assert_eq!(v.missing_fields, vec!["Endpoint", "Data Type"]);
    }

    #[test]
    fn a_body_that_is_not_an_api_issue_gets_no_pendo_api_label() {
        let other = parse("The dashboard's dark mode is too dark.\n\n**Browser**: Firefox\n");
        assert!(!other.is_api_issue());
        let v = decide(&other, &[], &[], &Config::default(), None);
        assert!(!v.labels.contains("pendo-api"), "{:?}", v.labels);
        let api = parse(TEMPLATE);
        assert!(api.is_api_issue());
        let v = decide(&api, &[], &[], &Config::default(), None);
        assert!(v.labels.contains("pendo-api"), "{:?}", v.labels);
    }
}
