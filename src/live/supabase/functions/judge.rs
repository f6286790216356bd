//! `supabase.functions`' judge: what the fetched facts show ([`classify`] → [`FunctionState`]),
//! then the finding in a few lines ([`judge`]). Pure: no I/O, no clock but `now`.

use super::*;

/// One failing invocation, paired with what the sync log and pg_net say of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure<'a> {
    pub invocation: &'a Invocation,
    /// What the function's own lines (else its status) say it was.
    pub cause: Option<Meaning>,
    /// The first error line it printed, else its log message.
    pub line: Option<&'a str>,
    pub run: Option<&'a RunFact>,
    pub call: Option<&'a CallFact>,
}

/// A deploy shortly before the first failing run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuspectDeploy {
    pub version: Option<i64>,
    pub at: i64,
    pub first_failure: i64,
}

/// What the logs show of one function.
#[derive(Debug, Clone, PartialEq)]
pub struct Function<'a> {
    pub slug: &'a str,
    pub deployed: &'a Deployed,
    pub invocations: Vec<&'a Invocation>,
    /// Newest first.
    pub failures: Vec<Failure<'a>>,
    /// Error lines printed by invocations that answered 2xx, with what they mean.
    pub swallowed: Vec<(&'a ConsoleLine, Option<Meaning>)>,
    pub boot_errors: Vec<&'a str>,
    pub slowest: Option<f64>,
    pub deploy: Option<SuspectDeploy>,
}

impl Function<'_> {
    fn latest_failed(&self) -> bool {
        self.invocations.first().is_some_and(|i| i.failed())
    }
}

/// What the check found, worst first.
#[derive(Debug, Clone, PartialEq)]
pub enum FunctionState<'a> {
    NoProjectRef,
    /// The function list could not be read.
    Unread(&'a CallError),
    NothingToCheck(SlugSource),
    Missing {
        slug: &'a str,
        others: Vec<&'a str>,
    },
    NotActive {
        slug: &'a str,
        status: &'a str,
    },
    Failing(Function<'a>),
    /// The sync log shows failures right after a deploy, the invocations none.
    DeployedBeforeFailures(Function<'a>),
    Swallowed(Function<'a>),
    NearLimit(Function<'a>),
    Healthy(Vec<Function<'a>>),
}

/// Sorts the facts into the state the finding reports.
pub fn classify(a: &Asked) -> FunctionState<'_> {
    let deployed = match &a.deployed {
        Ok(d) => d,
        Err(e) => return FunctionState::Unread(e),
    };
    if a.slugs.is_empty() {
        return FunctionState::NothingToCheck(a.source);
    }
    let mut checked = Vec::new();
    for slug in &a.slugs {
        match deployed.iter().find(|d| d.slug == *slug) {
            None => {
                let others = deployed.iter().map(|d| d.slug.as_str()).collect();
                return FunctionState::Missing { slug, others };
            }
            Some(d) if !d.status.eq_ignore_ascii_case("ACTIVE") => {
                return FunctionState::NotActive {
                    slug,
                    status: &d.status,
                };
            }
            Some(d) => checked.push(function(a, slug, d)),
        }
    }
    let pick = |p: fn(&Function) -> bool| checked.iter().position(p);
    if let Some(i) = pick(|f| !f.failures.is_empty()) {
        return FunctionState::Failing(checked.swap_remove(i));
    }
    if let Some(i) = pick(|f| f.deploy.is_some()) {
        return FunctionState::DeployedBeforeFailures(checked.swap_remove(i));
    }
    if let Some(i) = pick(|f| !f.swallowed.is_empty()) {
        return FunctionState::Swallowed(checked.swap_remove(i));
    }
    if let Some(i) = pick(|f| f.slowest.is_some_and(|s| s >= 0.8 * WALL_CLOCK_FREE_SECS)) {
        return FunctionState::NearLimit(checked.swap_remove(i));
    }
    FunctionState::Healthy(checked)
}

/// What the logs show of `slug`.
fn function<'a>(a: &'a Asked, slug: &'a str, d: &'a Deployed) -> Function<'a> {
    let mut invocations: Vec<&Invocation> = ok_rows(&a.invocations)
        .iter()
        .filter(|i| i.function_id == d.id)
        .collect();
    invocations.sort_by_key(|i| std::cmp::Reverse(i.at));
    let lines: Vec<&ConsoleLine> = ok_rows(&a.console)
        .iter()
        .filter(|l| l.function_id == d.id)
        .collect();
    let within = |i: &Invocation, l: &ConsoleLine| l.at >= i.started() - 1 && l.at <= i.at + 1;
    let failures = invocations
        .iter()
        .filter(|i| i.failed())
        .map(|i| failure(a, i, lines.iter().copied().filter(|l| within(i, l))))
        .collect();
    let swallowed = lines
        .iter()
        .filter(|l| l.level == "error")
        .filter(|l| invocations.iter().any(|i| !i.failed() && within(i, l)))
        .map(|l| (*l, meaning::of_text(&l.message)))
        .collect();
    let boot_errors = lines
        .iter()
        .map(|l| l.message.as_str())
        .chain(invocations.iter().map(|i| i.message.as_str()))
        .filter(|m| is_boot_error(m))
        .collect();
    let slowest = invocations
        .iter()
        .filter_map(|i| i.secs)
        .fold(None, |m: Option<f64>, s| Some(m.map_or(s, |m| m.max(s))));
    Function {
        slug,
        deployed: d,
        invocations,
        failures,
        swallowed,
        boot_errors,
        slowest,
        deploy: suspect_deploy(d, &a.runs),
    }
}

fn ok_rows<T>(rows: &Option<Result<Vec<T>, CallError>>) -> &[T] {
    match rows {
        Some(Ok(r)) => r,
        _ => &[],
    }
}

/// One failing invocation: its cause from its own lines, its run and its pg_net answer.
fn failure<'a>(
    a: &'a Asked,
    i: &'a Invocation,
    mut lines: impl Iterator<Item = &'a ConsoleLine>,
) -> Failure<'a> {
    let errors: Vec<&ConsoleLine> = lines.by_ref().filter(|l| l.level == "error").collect();
    let known = errors
        .iter()
        .rev()
        .find_map(|l| cause_of(&l.message).map(|m| (m, l.message.as_str())));
    let (cause, line) = match known {
        Some((m, line)) => (Some(m), Some(line)),
        None => (
            cause_of(&i.message).or_else(|| {
                i.status
                    .and_then(|s| meaning::of_status(s, Service::EdgeFunction))
            }),
            errors
                .last()
                .map(|l| l.message.as_str())
                .or((!i.message.is_empty()).then_some(i.message.as_str())),
        ),
    };
    let near = |t: i64| (t - i.started()).abs() <= PAIR_SECS;
    Failure {
        invocation: i,
        cause,
        line,
        // A failed row of the run says more than a completed one.
        run: a
            .runs
            .iter()
            .filter(|r| near(r.started))
            .max_by_key(|r| (r.failed, std::cmp::Reverse(r.started))),
        call: a
            .calls
            .iter()
            .find(|c| c.at >= i.started() - 60 && c.at <= i.at + PAIR_SECS),
    }
}

/// What a log line means, when `meaning` knows it (a boot error included).
fn cause_of(text: &str) -> Option<Meaning> {
    meaning::of_text(text)
}

/// The function's deploy, when it came shortly before the first failing run with no
/// success between.
fn suspect_deploy(d: &Deployed, runs: &[RunFact]) -> Option<SuspectDeploy> {
    let at = d.updated_at?;
    let first_failure = first_failure(runs)?;
    let ok_between = runs
        .iter()
        .any(|r| !r.failed && r.started >= at && r.started < first_failure);
    (at <= first_failure && first_failure - at <= DEPLOY_SUSPECT_SECS && !ok_between).then_some(
        SuspectDeploy {
            version: d.version,
            at,
            first_failure,
        },
    )
}

/// The finding.
pub fn judge(fetched: &Fetched) -> Finding {
    let a = match fetched {
        Fetched::NoProjectRef => return Finding::skip(ID, NO_REF),
        Fetched::Asked(a) => a,
    };
    let state = classify(a);
    let finding = render(&state, a);
    evidence(finding, &state, a)
}

const NO_REF: &str = "no Supabase project ref: supabase-url is not https://<ref>.supabase.co; set functions.project_ref in the config";

fn render(state: &FunctionState, a: &Asked) -> Finding {
    match state {
        FunctionState::NoProjectRef => Finding::skip(ID, NO_REF),
        FunctionState::Unread(e) => unread(e, a),
        FunctionState::NothingToCheck(_) => Finding::skip(
            ID,
            "no Edge Function to check: the cron job calls no /functions/v1/<slug> and no deployed function's slug mentions pendo; set functions.slugs in the config",
        ),
        FunctionState::Missing { slug, others } => missing(slug, others, a),
        FunctionState::NotActive { slug, status } => Finding::new(
            ID,
            Status::Fail,
            format!("The Edge Function {slug} is {status}, not ACTIVE: the sync's calls cannot run it"),
        )
        .with_impact(Impact::Critical)
        .with_next_step(format!("Redeploy it (supabase functions deploy {slug} --project-ref {}) and check the project's usage and billing in the dashboard (a THROTTLED function is over its plan's limits).", a.project_ref)),
        FunctionState::Failing(f) => failing(f, a),
        FunctionState::DeployedBeforeFailures(f) => {
            let d = f.deploy.expect("classified by its deploy");
            Finding::new(ID, Status::Warn, deployed_before(f.slug, &d))
                .with_impact(Impact::Degraded)
                .with_next_step(rollback(f.slug, &d, a))
        }
        FunctionState::Swallowed(f) => swallowed(f, a),
        FunctionState::NearLimit(f) => Finding::new(
            ID,
            Status::Warn,
            format!(
                "{}'s slowest invocation took {}, close to the free plan's 150 s wall-clock limit (400 s on paid plans)",
                f.slug,
                secs(f.slowest.unwrap_or_default())
            ),
        )
        .with_impact(Impact::Degraded)
        .with_next_step(Known::EdgeTimeout.meaning().fix),
        FunctionState::Healthy(fs) => healthy(fs, a),
    }
}

fn unread(e: &CallError, a: &Asked) -> Finding {
    let (summary, step) = match e {
        CallError::Refused { why: Refusal::BadToken, .. } => (
            format!("{} rejects the Supabase access token (401): the bot cannot read the Edge Functions' deploys and logs", a.host),
            "Create a new personal access token (Dashboard → Account → Access Tokens) and store it as the SUPABASE_ACCESS_TOKEN secret passed to supabase-access-token.".to_string(),
        ),
        CallError::Refused { why: Refusal::Forbidden, .. } => (
            format!("The access token's user may not read project {} (403)", a.project_ref),
            "Use a token of a member of the project's organization (read access is enough).".to_string(),
        ),
        CallError::Refused { why: Refusal::NotFound, .. } => (
            format!("{} knows no project {} for this token (404)", a.host, a.project_ref),
            "Check functions.project_ref (or supabase-url) names this project, and that the token's user can see it.".to_string(),
        ),
        other => (
            format!("Reading the Edge Functions from {}: {other}", a.host),
            "Nothing to change in the sync: the next run of the bot asks again.".to_string(),
        ),
    };
    Finding::new(ID, Status::Error, crate::outside::plain(&summary)).with_next_step(step)
}

fn missing(slug: &str, others: &[&str], a: &Asked) -> Finding {
    let called = match a.source {
        SlugSource::CronJob | SlugSource::SqlFunction => " (the cron job calls /functions/v1/",
        _ => " (configured in functions.slugs: ",
    };
    let mut f = Finding::new(
        ID,
        Status::Fail,
        format!(
            "The Edge Function {slug} does not exist in project {}{called}{slug})",
            a.project_ref
        ),
    )
    .with_impact(Impact::Critical)
    .with_next_step(format!(
        "Deploy it (supabase functions deploy {slug} --project-ref {}), or point the cron job at the function's real slug.",
        a.project_ref
    ));
    let shown: Vec<&str> = others
        .iter()
        .copied()
        .filter(|s| is_slug(s))
        .take(10)
        .collect();
    if !shown.is_empty() {
        f = f.with_evidence(format!("deployed functions: {}", shown.join(", ")));
    }
    f
}

fn failing(f: &Function, a: &Asked) -> Finding {
    let newest = &f.failures[0];
    let cause = run_failed(newest);
    let mut summary = cause.clone();
    if f.failures.len() > 1 {
        summary = format!(
            "{} of {} invocations of {} failed; {summary}",
            f.failures.len(),
            f.invocations.len(),
            f.slug
        );
    }
    if let Some(d) = &f.deploy {
        summary = format!("{}; {summary}", deployed_before(f.slug, d));
    }
    let ongoing = f.latest_failed();
    let worst = f
        .failures
        .iter()
        .filter_map(|x| x.cause.map(|m| m.impact))
        .max()
        .unwrap_or(Impact::Critical);
    let mut finding = Finding::new(
        ID,
        if ongoing { Status::Fail } else { Status::Warn },
        // A slug keeps its spelling; "the 06:00 UTC run…" starts a sentence.
        if summary.starts_with("the ") {
            capitalize(&summary)
        } else {
            summary
        },
    )
    .with_impact(if ongoing {
        worst.max(Impact::Degraded)
    } else {
        Impact::Degraded
    });
    if ongoing {
        finding = finding.with_cause(cause);
    }
    if let Some(d) = &f.deploy {
        finding = finding.with_next_step(rollback(f.slug, d, a));
    }
    let mut fixes: Vec<&Meaning> = f
        .failures
        .iter()
        .filter_map(|x| x.cause.as_ref())
        .chain(f.swallowed.iter().filter_map(|(_, m)| m.as_ref()))
        .collect();
    fixes.sort_by_key(|m| std::cmp::Reverse(m.impact));
    for m in fixes {
        if !finding.next_steps.iter().any(|s| s == m.fix) {
            finding = finding.with_next_step(m.fix);
        }
    }
    finding.with_next_step(logs_link(f.slug, a))
}

fn swallowed(f: &Function, a: &Asked) -> Finding {
    let (line, m) = telling(&f.swallowed);
    let what = swallowed_name(line, *m);
    let impact = m.map_or(Impact::Degraded, |m| m.impact.max(Impact::Degraded));
    let mut finding = Finding::new(
        ID,
        Status::Fail,
        format!(
            "{} logged {what} in {} invocation(s) that answered 2xx: the error was swallowed (Edge Function log, {})",
            f.slug,
            f.swallowed.len(),
            format_utc(line.at)
        ),
    )
    .with_impact(impact)
    .with_cause(swallowed_cause(f, line));
    if let Some(m) = m {
        finding = finding.with_next_step(m.fix);
    }
    finding
        .with_next_step("Make the function fail the run when a write fails (return a 500 and write the failure to the sync log), so the error is not swallowed.")
        .with_next_step(logs_link(f.slug, a))
}

fn healthy(fs: &[Function], a: &Asked) -> Finding {
    let parts: Vec<String> = fs
        .iter()
        .map(|f| match f.invocations.len() {
            0 => format!(
                "{} {} is ACTIVE, no invocation logged since {}",
                f.slug,
                version(f.deployed),
                format_utc(a.window.0)
            ),
            n => format!(
                "{} {} is ACTIVE and answered {n} of {n} invocation(s) since {} with 2xx",
                f.slug,
                version(f.deployed),
                format_utc(a.window.0)
            ),
        })
        .collect();
    Finding::pass(ID, parts.join("; "))
}

/// The swallowed line that says the most: the first whose meaning is known, else the
/// first.
fn telling<'a, 'b>(
    swallowed: &'b [(&'a ConsoleLine, Option<Meaning>)],
) -> &'b (&'a ConsoleLine, Option<Meaning>) {
    swallowed
        .iter()
        .find(|(_, m)| m.is_some())
        .unwrap_or(&swallowed[0])
}

/// A swallowed line as the finding names it: its known cause, else what it says, quoted.
fn swallowed_name(line: &ConsoleLine, m: Option<Meaning>) -> String {
    match m {
        Some(m) => cause_name(Some(m), None),
        None => format!("'{}'", said(&line.message)),
    }
}

/// What a console line says, in its own words, short: the `message` of the JSON error it
/// carries (`❌ Cannot access pendo_events table: {"code":"42501",…,"message":"permission
/// denied for table pendo_events"}` says "permission denied for table pendo_events"), else
/// the line without its leading symbols. Raw outside text, redacted, not escaped: it is
/// escaped where it is shown.
pub fn said(message: &str) -> String {
    let json = message.find('{').and_then(|at| {
        let v: serde_json::Value = serde_json::from_str(message[at..].trim()).ok()?;
        v.get("message")?.as_str().map(str::to_string)
    });
    let text = json.unwrap_or_else(|| {
        message
            .trim_start_matches(|c: char| !c.is_alphanumeric())
            .to_string()
    });
    let flat = crate::outside::plain(text.split_whitespace().collect::<Vec<_>>().join(" "));
    match flat.char_indices().nth(SAID_CHARS) {
        Some((at, _)) => format!("{}…", &flat[..at]),
        None => flat,
    }
}

/// How long a quoted console line may be in a headline.
const SAID_CHARS: usize = 80;

/// "the sync function logs 'permission denied for table pendo_events' on every run since
/// 11-18": the cause the headline of another finding (the wiped data) carries.
fn swallowed_cause(f: &Function, line: &ConsoleLine) -> String {
    let first = f
        .swallowed
        .iter()
        .map(|(l, _)| l.at)
        .min()
        .unwrap_or(line.at);
    let within = |i: &Invocation, at: i64| at >= i.started() - 1 && at <= i.at + 1;
    let since: Vec<&&Invocation> = f.invocations.iter().filter(|i| i.at + 1 >= first).collect();
    let logged = since
        .iter()
        .filter(|i| f.swallowed.iter().any(|(l, _)| within(i, l.at)))
        .count();
    let how_often = if logged == since.len() {
        "on every run".to_string()
    } else {
        format!("in {logged} of {} runs", since.len())
    };
    format!(
        "the sync function logs '{}' {how_often} since {}",
        said(&line.message),
        month_day(first)
    )
}

/// "11-18"
fn month_day(ts: i64) -> String {
    format_utc(ts).get(5..10).unwrap_or_default().to_string()
}

/// "the 06:00 UTC run failed with WORKER_LIMIT after 148 s (Edge Function log)"
fn run_failed(x: &Failure) -> String {
    let i = x.invocation;
    let start = x.run.map_or(i.started(), |r| r.started);
    let after = i
        .secs
        .map_or(String::new(), |s| format!(" after {}", secs(s)));
    format!(
        "the {} run failed with {}{after} (Edge Function log)",
        crate::clock::format_utc_time(start),
        cause_name(x.cause, i.status)
    )
}

/// "sync-pendo-incremental was deployed (v42) 12 min before the first failing run"
fn deployed_before(slug: &str, d: &SuspectDeploy) -> String {
    let v = d.version.map_or(String::new(), |v| format!(" (v{v})"));
    format!(
        "{slug} was deployed{v} {} before the first failing run",
        human_age((d.first_failure - d.at) as f64)
    )
}

fn rollback(slug: &str, d: &SuspectDeploy, a: &Asked) -> String {
    let v = d
        .version
        .map_or("the new version".into(), |v| format!("v{v}"));
    format!(
        "Compare {v} with the last version that worked; to roll back, deploy the previous commit (supabase functions deploy {slug} --project-ref {}).",
        a.project_ref
    )
}

fn logs_link(slug: &str, a: &Asked) -> String {
    format!(
        "Read the function's logs: https://supabase.com/dashboard/project/{}/functions/{slug}/logs",
        a.project_ref
    )
}

/// A cause as the diagnosis names it.
fn cause_name(cause: Option<Meaning>, status: Option<u16>) -> String {
    let name = match cause.map(|m| m.known) {
        Some(Known::WorkerLimit) => "WORKER_LIMIT",
        Some(Known::EdgeTimeout) => "a wall-clock timeout",
        Some(Known::UpsertTwice) => "ON CONFLICT DO UPDATE (a row twice in one upsert)",
        Some(Known::DuplicateKey) => "duplicate key",
        Some(Known::StatementTimeout) => "a statement timeout",
        Some(Known::SupabaseKeyRejected | Known::EdgeUnauthorized) => "Invalid JWT",
        Some(Known::EdgeBootError) => "a boot error",
        Some(Known::TableMissing) => "a missing table",
        Some(Known::PermissionDenied) => "permission denied",
        Some(Known::RateLimited) => "a 429 Too Many Requests",
        _ => "",
    };
    match (name, status) {
        ("", Some(s)) => format!("status {s}"),
        ("", None) => "no status".into(),
        (n, _) => n.to_string(),
    }
}

/// The evidence: each function's deploy and invocations, the failures paired with their
/// runs, the quoted lines, and what could not be read.
fn evidence(mut f: Finding, state: &FunctionState, a: &Asked) -> Finding {
    let function = match state {
        FunctionState::Failing(x)
        | FunctionState::DeployedBeforeFailures(x)
        | FunctionState::Swallowed(x)
        | FunctionState::NearLimit(x) => Some(x),
        _ => None,
    };
    if let Some(x) = function {
        f = f.with_evidence(summary_line(x, a));
        if let Some(line) = by_cause(x) {
            f = f.with_evidence(line);
        }
        for fail in x.failures.iter().take(QUOTED_LINES) {
            f = f.with_evidence(paired(fail));
        }
        let quoted = x
            .failures
            .iter()
            .filter_map(|y| y.line.map(|l| (y.invocation.at, "error", l)))
            .chain(
                x.swallowed
                    .iter()
                    .map(|(l, _)| (l.at, "error", l.message.as_str())),
            )
            .take(QUOTED_LINES);
        for (at, level, line) in quoted {
            f = f.with_evidence(format!(
                "console {level} {}: {}",
                format_utc(at),
                quote(line)
            ));
        }
        if let Some(b) = x.boot_errors.first() {
            f = f.with_evidence(format!(
                "{} boot error(s): {}",
                x.boot_errors.len(),
                quote(b)
            ));
        }
    }
    if let FunctionState::Healthy(fs) = state {
        for x in fs {
            f = f.with_evidence(summary_line(x, a));
        }
    }
    for (what, rows) in [
        (
            "invocations",
            a.invocations.as_ref().map(|r| r.as_ref().err()),
        ),
        ("console", a.console.as_ref().map(|r| r.as_ref().err())),
    ] {
        if let Some(Some(e)) = rows {
            f = f.with_evidence(crate::outside::plain(format!("{what} not read: {e}")));
        }
    }
    f
}

/// "by cause (Edge Function log): 1 × WORKER_LIMIT, 2 × duplicate key (swallowed)"
fn by_cause(x: &Function) -> Option<String> {
    let mut groups: Vec<(String, usize)> = Vec::new();
    let failed = x
        .failures
        .iter()
        .map(|y| cause_name(y.cause, y.invocation.status));
    let swallowed = x
        .swallowed
        .iter()
        .map(|(l, m)| format!("{} (swallowed)", swallowed_name(l, *m)));
    for name in failed.chain(swallowed) {
        match groups.iter_mut().find(|g| g.0 == name) {
            Some(g) => g.1 += 1,
            None => groups.push((name, 1)),
        }
    }
    (!groups.is_empty()).then(|| {
        let parts: Vec<String> = groups.iter().map(|(n, k)| format!("{k} × {n}")).collect();
        format!("by cause (Edge Function log): {}", parts.join(", "))
    })
}

/// "sync-pendo v42 ACTIVE, deployed 2026-11-28 05:48 UTC · 5 invocations since …: 3 × 546, 2 × 200 · slowest 148 s (limit 150 s free, 400 s paid)"
fn summary_line(x: &Function, a: &Asked) -> String {
    let deployed = x
        .deployed
        .updated_at
        .map_or(String::new(), |t| format!(", deployed {}", format_utc(t)));
    let mut line = format!(
        "{} {} {}{deployed}",
        x.slug,
        version(x.deployed),
        x.deployed.status
    );
    let mut codes: Vec<(String, usize)> = Vec::new();
    for i in &x.invocations {
        let code = i.status.map_or("no status".into(), |s| s.to_string());
        match codes.iter_mut().find(|c| c.0 == code) {
            Some(c) => c.1 += 1,
            None => codes.push((code, 1)),
        }
    }
    codes.sort_by_key(|c| std::cmp::Reverse(c.1));
    let grouped: Vec<String> = codes.iter().map(|(c, n)| format!("{n} × {c}")).collect();
    line.push_str(&format!(
        " · {} invocation(s) since {}{}{}",
        x.invocations.len(),
        format_utc(a.window.0),
        if grouped.is_empty() {
            String::new()
        } else {
            format!(": {}", grouped.join(", "))
        },
        x.slowest.map_or(String::new(), |s| format!(
            " · slowest {} (wall-clock limit 150 s free, 400 s paid)",
            secs(s)
        ))
    ));
    line
}

/// "06:00 UTC run: 546 after 148 s · sync_status guides failed · pg_net 546"
fn paired(x: &Failure) -> String {
    let i = x.invocation;
    let mut line = format!(
        "{} run: {}{}",
        crate::clock::format_utc_time(x.run.map_or(i.started(), |r| r.started)),
        i.status.map_or("no status".into(), |s| s.to_string()),
        i.secs
            .map_or(String::new(), |s| format!(" after {}", secs(s)))
    );
    if let Some(r) = x.run {
        let outcome = if r.failed { "failed" } else { "not failed" };
        line.push_str(&format!(" · sync log {} {outcome}", quote(&r.entity)));
    }
    if let Some(c) = x.call {
        let answer = match (c.timed_out, c.status) {
            (true, _) => "timed out".to_string(),
            (false, Some(s)) => s.to_string(),
            (false, None) => "no answer".to_string(),
        };
        line.push_str(&format!(" · pg_net {answer}"));
    }
    line
}

fn version(d: &Deployed) -> String {
    d.version.map_or(String::new(), |v| format!("v{v}"))
}

fn secs(s: f64) -> String {
    if s >= 10.0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.1} s")
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
