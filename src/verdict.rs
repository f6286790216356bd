//! Findings → verdict: severity, the labels to have, and the checklist items to tick.
//!
//! Pure tables and functions. Severity follows the policy in the config (defaults from
//! PRODUCT.md); ticks come from [`TICK_RULES`], one row per template item the bot may tick,
//! naming the check that earns it.

use crate::checks::offline::missing_fields;
use crate::checks::{CheckId, Finding, Impact, Status};
use crate::config::{Config, Severity};
use crate::evidence::Reported;
use crate::issue::{Environment, Issue, normalize_key};
use serde::Serialize;
use std::collections::BTreeSet;

/// When a rule's check earns its tick.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// The check passed: for "verify X is valid" items, X holds.
    Pass,
    /// The check ran and reached a conclusion either way: for "test/review X" items.
    Conclusive,
    /// Severity was decided from live results (no check of its own).
    Verified,
}

/// One template item the bot may tick.
#[derive(Debug, Clone, Copy)]
pub struct TickRule {
    /// The item's text in the template (compared normalised).
    pub item: &'static str,
    /// The checks that earn it; any one of them is enough.
    pub checks: &'static [CheckId],
    pub when: When,
}

/// Every item the bot may tick. Items not listed here are never ticked: they are
/// steps only a person can do (talk to Pendo support, plan a rollback, …).
pub const TICK_RULES: &[TickRule] = &[
    TickRule {
        item: "API Permissions: API access permissions verified",
        checks: &[CheckId::PendoAuth],
        when: When::Pass,
    },
    TickRule {
        item: "Data Visible: Data exists in Pendo console",
        checks: &[CheckId::PendoEndpoint],
        when: When::Pass,
    },
    TickRule {
        item: "Verify API key is valid and active",
        checks: &[CheckId::PendoAuth],
        when: When::Pass,
    },
    TickRule {
        item: "Test API endpoint manually",
        checks: &[CheckId::PendoEndpoint],
        when: When::Conclusive,
    },
    TickRule {
        item: "Review rate limiting status",
        checks: &[CheckId::PendoRateLimit],
        when: When::Conclusive,
    },
    TickRule {
        item: "Review API request format and headers",
        checks: &[CheckId::IssueRequest],
        when: When::Conclusive,
    },
    TickRule {
        item: "Verify Supabase function execution",
        checks: &[CheckId::SupabaseHttp],
        when: When::Pass,
    },
    TickRule {
        item: "Test database connectivity",
        checks: &[CheckId::SupabaseApi, CheckId::SupabaseCron],
        when: When::Conclusive,
    },
    TickRule {
        item: "Review cronjob execution logs",
        checks: &[CheckId::SupabaseCron, CheckId::SupabaseSyncLog],
        when: When::Conclusive,
    },
    TickRule {
        item: "Compare source data in Pendo",
        checks: &[CheckId::SupabaseCompleteness],
        when: When::Conclusive,
    },
    TickRule {
        item: "Verify target data in Supabase",
        checks: &[CheckId::SupabaseTables],
        when: When::Pass,
    },
    TickRule {
        item: "Validate data completeness",
        checks: &[CheckId::SupabaseCompleteness],
        when: When::Pass,
    },
    TickRule {
        item: "API call succeeds with valid parameters",
        checks: &[CheckId::PendoEndpoint],
        when: When::Pass,
    },
    TickRule {
        item: "Data sync completes without errors",
        checks: &[CheckId::SupabaseSyncLog],
        when: When::Pass,
    },
    TickRule {
        item: "Performance meets requirements (< 2s response)",
        checks: &[CheckId::PendoLatency],
        when: When::Pass,
    },
    TickRule {
        item: "Subscription Status: Subscription is active and valid",
        checks: &[CheckId::PendoAuth],
        when: When::Pass,
    },
    TickRule {
        item: "All expected data types processed",
        checks: &[CheckId::SupabaseSyncLog],
        when: When::Pass,
    },
    TickRule {
        item: "Issue severity assessed (P0/P1/P2)",
        checks: &[],
        when: When::Verified,
    },
];

/// Checks whose `fail` forbids an item's tick, beyond the rule's own checks: wiped
/// analytics mean the target data is not right, whatever `supabase.tables` counted, and
/// that a run which logged `completed` wrote zeros over it.
pub const TICK_FORBIDDEN_BY: &[(&str, CheckId)] = &[
    ("Verify target data in Supabase", CheckId::SupabaseAnalytics),
    (
        "Data sync completes without errors",
        CheckId::SupabaseAnalytics,
    ),
    ("Validate data completeness", CheckId::SupabaseAnalytics),
];

/// What the triage concludes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verdict {
    pub severity: Severity,
    /// False when no live check reached a conclusion: severity came from the issue text.
    pub verified: bool,
    /// One line: the most important thing found.
    pub diagnosis: String,
    /// The environment severity was decided for (`None` = not stated).
    pub environment: Option<Environment>,
    /// Area keys (`pendo-api`, `supabase`, …) the findings point at.
    pub areas: Vec<&'static str>,
    /// Required fields still missing (drives `needs-info`).
    pub missing_fields: Vec<&'static str>,
    /// The bot-managed labels this issue should carry.
    pub labels: BTreeSet<String>,
    /// Checklist item texts (as in the body) the bot would tick now.
    pub ticks: Vec<String>,
}

/// Decides the verdict.
pub fn decide(
    issue: &Issue,
    findings: &[Finding],
    reported: &[Reported],
    config: &Config,
) -> Verdict {
    let verified = findings
        .iter()
        .any(|f| !f.is_offline() && f.status.is_conclusive());
    let problems = problems(findings, reported, verified);
    let worst = problems.iter().map(|p| p.0).max().unwrap_or(Impact::None);
    let severity = severity_for(issue.environment, worst, config);
    let diagnosis = diagnosis(&problems, verified, issue);
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
        labels.insert(l.area(a).to_string());
    }
    if !missing.is_empty() {
        labels.insert(l.needs_info.clone());
    }

    Verdict {
        severity,
        verified,
        diagnosis,
        environment: issue.environment,
        areas,
        missing_fields: missing,
        labels,
        ticks: ticks(issue, findings, verified),
    }
}

/// Non-passing findings (and, when unverified, reported values) with their impact and
/// one-line description, worst first.
fn problems(findings: &[Finding], reported: &[Reported], verified: bool) -> Vec<(Impact, String)> {
    // What the live checks found now says more than what the issue's text shows: at the
    // same impact, live findings lead the diagnosis.
    let mut ordered: Vec<&Finding> = findings
        .iter()
        .filter(|f| matches!(f.status, Status::Warn | Status::Fail) && f.impact != Impact::None)
        .collect();
    ordered.sort_by_key(|f| (f.is_offline(), f.id.check().cause));
    let mut out: Vec<(Impact, String)> = ordered
        .into_iter()
        .map(|f| (f.impact, f.summary.clone()))
        .collect();
    if !verified {
        out.extend(
            reported
                .iter()
                .filter(|r| r.impact != Impact::None)
                .map(|r| {
                    (
                        r.impact,
                        capitalize(&format!(
                            "{} (reported {}: {})",
                            r.meaning,
                            r.name,
                            shorten(&r.value, 40)
                        )),
                    )
                }),
        );
    }
    // Stable: findings before reported values at the same impact.
    out.sort_by_key(|p| std::cmp::Reverse(p.0));
    out
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

fn diagnosis(problems: &[(Impact, String)], verified: bool, issue: &Issue) -> String {
    let env = issue
        .environment
        .map_or("environment not stated", |e| e.as_str());
    match problems.first() {
        Some((_, what)) => match problems.len() {
            1 => format!("{what} — {env}"),
            n => format!(
                "{what} — {env}; {} more finding{} below",
                n - 1,
                if n == 2 { "" } else { "s" }
            ),
        },
        None if verified => format!("Every check that ran passes now — {env}"),
        None => format!("No problem found in what the issue reports; not verified live — {env}"),
    }
}

fn areas(
    issue: &Issue,
    findings: &[Finding],
    reported: &[Reported],
    verified: bool,
) -> Vec<&'static str> {
    let mut set: BTreeSet<&'static str> = BTreeSet::new();
    set.insert("pendo-api");
    // A problem that matters for severity points at its check's areas and its own.
    for f in findings
        .iter()
        .filter(|f| matches!(f.status, Status::Warn | Status::Fail))
    {
        if f.impact != Impact::None {
            set.extend(f.id.check().areas.iter().copied());
        }
        set.extend(f.areas.iter().copied());
    }
    if !verified {
        for r in reported.iter().filter(|r| r.impact != Impact::None) {
            set.extend(r.areas.iter().copied());
        }
    }
    if issue.field("Netlify Function").is_some() {
        set.insert("edge-functions");
    }
    crate::config::AREA_KEYS
        .iter()
        .copied()
        .filter(|k| set.contains(k))
        .collect()
}

fn ticks(issue: &Issue, findings: &[Finding], verified: bool) -> Vec<String> {
    let earned = |rule: &TickRule| match rule.when {
        When::Verified => verified,
        When::Pass | When::Conclusive => rule.checks.iter().any(|id| {
            findings.iter().any(|f| {
                f.id == *id
                    && match rule.when {
                        When::Pass => f.status == Status::Pass,
                        _ => f.status.is_conclusive(),
                    }
            })
        }),
    };
    let forbidden = |rule: &TickRule| {
        TICK_FORBIDDEN_BY.iter().any(|(item, id)| {
            *item == rule.item
                && findings
                    .iter()
                    .any(|f| f.id == *id && f.status == Status::Fail)
        })
    };
    let wanted: Vec<String> = TICK_RULES
        .iter()
        .filter(|r| earned(r) && !forbidden(r))
        .map(|r| normalize_key(r.item))
        .collect();
    issue
        .checklist
        .iter()
        .filter(|i| !i.checked && wanted.contains(&normalize_key(&i.text)))
        .map(|i| i.text.clone())
        .collect()
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
        for rule in TICK_RULES {
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
            &crate::clock::Clock::at(0).reported,
        );
        // Unverified: the reported 10% success rate makes it P1.
        let v = decide(&issue, &[], &reported, &Config::default());
        assert_eq!(v.severity, Severity::P1);
        assert!(!v.verified);
        // Verified and healthy: the report is history, P2.
        let live = [f(CheckId::PendoAuth, Status::Pass, Impact::None)];
        let v = decide(&issue, &live, &reported, &Config::default());
        assert_eq!(v.severity, Severity::P2);
        assert!(v.verified);
        assert!(v.diagnosis.starts_with("Every check that ran passes"));
        // Verified and broken.
        let live = [f(CheckId::PendoAuth, Status::Fail, Impact::Critical)];
        let v = decide(&issue, &live, &reported, &Config::default());
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
        let v = decide(&issue, &findings, &[], &Config::default());
        assert_eq!(
            v.ticks,
            vec![
                "Verify API key is valid and active",
                "Issue severity assessed (P0/P1/P2)"
            ]
        );
        // A failed auth check must not tick "valid and active".
        let findings = [f(CheckId::PendoAuth, Status::Fail, Impact::Critical)];
        let v = decide(&issue, &findings, &[], &Config::default());
        assert!(!v.ticks.iter().any(|t| t.contains("valid")));
    }

    #[test]
    fn wiped_analytics_forbid_verifying_the_target_data() {
        let issue = parse("- [ ] Verify target data in Supabase\n");
        let tables = f(CheckId::SupabaseTables, Status::Pass, Impact::None);
        let wiped = f(CheckId::SupabaseAnalytics, Status::Fail, Impact::Critical);
        let never_filled = f(CheckId::SupabaseAnalytics, Status::Warn, Impact::None);
        let v = decide(&issue, &[tables.clone(), wiped], &[], &Config::default());
        assert!(v.ticks.is_empty(), "{:?}", v.ticks);
        let v = decide(&issue, &[tables, never_filled], &[], &Config::default());
        assert_eq!(v.ticks, vec!["Verify target data in Supabase"]);
    }

    #[test]
    fn labels_include_needs_info_and_security() {
        let issue = parse("- **Environment**: Production\n");
        let findings = [f(CheckId::IssueSecrets, Status::Fail, Impact::Critical)];
        let v = decide(&issue, &findings, &[], &Config::default());
        assert_eq!(v.severity, Severity::P0);
        for l in ["severity:P0", "needs-info", "security", "pendo-api"] {
            assert!(v.labels.contains(l), "{l} in {:?}", v.labels);
        }
        assert_eq!(v.missing_fields, vec!["Endpoint", "Data Type"]);
    }
}
