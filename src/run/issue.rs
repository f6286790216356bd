//! One issue, end to end: read, decide live, plan the writes, re-read, write.
//!
//! [`plan`] (in `plan.rs`) is pure: from one [`Reading`] of the issue, its labels, the
//! previous state and the live findings, it computes the ticked-and-redacted body, the
//! label delta, the report comment with its new state block, and whether anything
//! changed. [`Triager::triage`] does the I/O around it, inside a span `issue` with the
//! issue's number, in an order chosen for safety: the issue (body and labels in one
//! PATCH) is written before the report, so the state block never claims ticks that did
//! not land; a fresh read comes right before any issue write and the plan is redone on a
//! new reading when a person edited meanwhile; a failed comment creation is followed by a
//! marker search, never by a blind second POST; duplicate reports left by a race are
//! deleted, oldest kept.

use super::identity::Identity;
use super::plan::{IssuePlan, LivePart, Read, plan};
use super::settings::Settings;
use crate::check_plan::{self, Answerer, CheckPlan, Occasion};
use crate::clock::{Basis, ReportedAt, parse_rfc3339};
use crate::config::Severity;
use crate::event::Target;
use crate::github::{Comment, GhIssue, Github, GithubError};
use crate::labels;
use crate::live::contexts::LiveContexts;
use crate::reading::Reading;
use crate::report::{self, MARKER};
use crate::state::State;
use tracing::Instrument as _;

/// The moment the issue's reported values are judged as of: the time of a person's body
/// edit this event reports; else the reference an earlier run kept (an edit it saw); else
/// when the issue was filed. Not `updated_at` in general: labels, comments and the bot's
/// own ticks move it without changing what the issue reports.
pub fn reference_time(
    issue: &GhIssue,
    body_edited_at: Option<i64>,
    kept: Option<ReportedAt>,
    now: i64,
) -> ReportedAt {
    /// GitHub's clock and the runner's may differ by a little.
    const SKEW_SECS: i64 = 5 * 60;
    let filed = parse_rfc3339(&issue.created_at);
    let plausible = |at: i64| at <= now + SKEW_SECS && filed.is_none_or(|f| at >= f);
    if let Some(at) = body_edited_at.filter(|at| plausible(*at)) {
        return ReportedAt {
            at,
            basis: Basis::Edited,
        };
    }
    // Only an edit needs remembering (the filing time is on the issue), and a kept one
    // is trusted only inside [filed, now].
    if let Some(k) = kept
        && k.basis == Basis::Edited
        && plausible(k.at)
    {
        return k;
    }
    match filed {
        Some(at) => ReportedAt {
            at,
            basis: Basis::Filed,
        },
        None => ReportedAt {
            at: now,
            basis: Basis::Now,
        },
    }
}

/// The bot's report comments among `comments`, oldest first: written by the bot itself
/// and starting with the marker. Anyone can paste the marker; nothing in another person's
/// comment is read, edited or deleted. Meeting a marked comment by an account the bot
/// does not know yet may ask GitHub who the token is (once per run, see [`Identity`]).
pub async fn own_reports(
    gh: &Github,
    bot: &Identity,
    comments: Vec<Comment>,
) -> Result<Vec<Comment>, GithubError> {
    let mut reports = Vec::new();
    for c in comments {
        if c.body().trim_start().starts_with(MARKER) && bot.meet(gh, c.user.as_ref()).await? {
            reports.push(c);
        }
    }
    reports.sort_by(|a, b| (&a.created_at, a.id).cmp(&(&b.created_at, b.id)));
    Ok(reports)
}

/// The report comment of an issue, for the step outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportComment {
    pub id: u64,
    /// Its web address (`https://github.com/o/r/issues/1#issuecomment-2`).
    pub url: String,
}

impl From<&Comment> for ReportComment {
    fn from(c: &Comment) -> Self {
        Self {
            id: c.id,
            url: c.html_url.clone(),
        }
    }
}

/// What happened to one issue.
#[derive(Debug, Clone)]
pub struct Triaged {
    pub number: u64,
    /// The title with secrets masked (it reaches the job summary).
    pub title: String,
    pub severity: Severity,
    pub diagnosis: String,
    pub json: serde_json::Value,
    /// The report as shown (without the state block).
    pub visible: String,
    /// Short description of the writes made (or planned, in a dry run); empty: none.
    pub changes: Vec<String>,
    /// The report comment as it stands after this run; `None` in a dry run.
    pub comment: Option<ReportComment>,
}

/// Labels known to exist in the repository, listed once per run.
#[derive(Default)]
pub struct RepoLabels(Option<Vec<String>>);

/// What every triage of a run works with: the GitHub client, every environment's live
/// context, the settings and the labels known to exist in the repository.
pub struct Triager<'a, 'b> {
    pub gh: &'a Github,
    pub lives: &'a LiveContexts,
    pub s: &'a Settings<'b>,
    pub repo_labels: RepoLabels,
}

impl Triager<'_, '_> {
    /// Triages the target issue, its log lines inside the span `issue` with its number
    /// and, in the Action's log, inside a collapsible `::group::`. `first` is the issue
    /// when the caller already read it (a sweep's listing); otherwise it is read here.
    pub async fn triage(
        &mut self,
        target: Target,
        first: Option<GhIssue>,
    ) -> Result<Option<Triaged>, GithubError> {
        // Issues are triaged one after another, so each one's lines fold into its own group.
        let _group = super::workflow::group(&format!("Issue #{}", target.number), true);
        let span = tracing::info_span!("issue", number = target.number);
        let (gh, lives, s) = (self.gh, self.lives, self.s);
        triage_one(gh, lives, &mut self.repo_labels, s, target, first)
            .instrument(span)
            .await
    }
}

/// Read, decide live, plan, write.
async fn triage_one(
    gh: &Github,
    lives: &LiveContexts,
    repo_labels: &mut RepoLabels,
    s: &Settings<'_>,
    target: Target,
    first: Option<GhIssue>,
) -> Result<Option<Triaged>, GithubError> {
    let number = target.number;
    let Some(mut seen) = read(gh, s, number, first).await? else {
        return Ok(None);
    };
    let reported_at = reference_time(
        &seen.issue,
        target.body_edited_at,
        seen.previous.as_ref().and_then(|p| p.reported),
        s.now,
    );
    tracing::info!(
        "reported values are judged as of {} ({:?})",
        crate::clock::format_utc(reported_at.at),
        reported_at.basis
    );
    let reading = Reading::new(&seen.issue.title, seen.issue.body());
    let live_part = decide_live(lives, s, &target, seen.previous.as_ref(), &reading).await;
    let note = target.watch_note.as_deref();
    let p = plan_fresh(gh, s, &mut seen, reading, &live_part, reported_at, note).await?;
    let changes = changes(&p, &seen);
    let mut comment = None;
    if s.dry_run {
        for ch in &changes {
            // A root event, outside the issue's span: the line names the issue itself
            // ("dry run: #12: would have …"), as it always has.
            tracing::info!(parent: None, "dry run: #{number}: would have {ch}");
        }
    } else {
        let extras = &seen.extras;
        comment = Some(write(gh, repo_labels, s, number, &p, seen.keep.as_ref(), extras).await?);
        if !changes.is_empty() {
            tracing::info!("{}", changes.join("; "));
        }
    }
    if changes.is_empty() {
        tracing::info!("nothing changed; no writes");
    }
    Ok(Some(Triaged {
        number,
        title: p.triage.redacted_title.clone(),
        severity: p.triage.verdict.severity,
        diagnosis: crate::outside::plain(&p.triage.verdict.diagnosis),
        json: serde_json::to_value(report::json(&p.triage)).unwrap_or_default(),
        visible: p.visible,
        changes,
        comment,
    }))
}

/// What was read of an issue before planning: the issue, the bot's report (the oldest)
/// and the duplicates a race left, and the state the report keeps.
struct Seen {
    number: u64,
    issue: GhIssue,
    keep: Option<Comment>,
    extras: Vec<u64>,
    previous: Option<State>,
}

/// Reads the issue (unless `first` is it) and its reports; `None` for a pull request.
async fn read(
    gh: &Github,
    s: &Settings<'_>,
    number: u64,
    first: Option<GhIssue>,
) -> Result<Option<Seen>, GithubError> {
    let issue = match first {
        Some(i) => i,
        None => gh.get_issue(number).await?,
    };
    if issue.is_pull_request() {
        tracing::info!("a pull request; nothing to do");
        return Ok(None);
    }
    let reports: Vec<Comment> = if issue.comments > 0 {
        own_reports(gh, s.bot, gh.list_comments(number).await?).await?
    } else {
        Vec::new()
    };
    let keep = reports.first().cloned();
    let extras: Vec<u64> = reports.iter().skip(1).map(|c| c.id).collect();
    let previous = keep.as_ref().and_then(|c| match State::decode(c.body()) {
        Ok(state) => state.map(|st| st.validated(s.now)),
        Err(e) => {
            tracing::info!("the report's state block is unreadable ({e}); starting afresh");
            None
        }
    });
    Ok(Some(Seen {
        number,
        issue,
        keep,
        extras,
        previous,
    }))
}

/// The triage's check plan, in the issue's own environment's context, and its live
/// rows' findings: run now, reused from the report's state, or skipped.
async fn decide_live(
    lives: &LiveContexts,
    s: &Settings<'_>,
    target: &Target,
    previous: Option<&State>,
    reading: &Reading,
) -> LivePart {
    let inputs = &reading.live_inputs;
    let key = inputs.key();
    let prev_live = previous.and_then(|p| p.live.as_ref());
    let c = s.config;
    let live = lives.for_inputs(inputs);
    let occasion = Occasion {
        allowed: target.live_allowed,
        trigger: target.trigger,
        previous: prev_live,
        now: s.now,
        reuse_minutes: c.live.reuse_minutes,
        recheck_label: &c.labels.recheck,
    };
    let checks = CheckPlan::decide(inputs, Answerer::of(live), &occasion);
    let mut findings = checks.run(live, inputs).await;
    if let Some(at) = checks.reused_at {
        // The report shows the same results as before, so it says nothing new.
        tracing::info!(
            "reusing the live results from {} s ago (changes within {} minutes reuse them)",
            s.now.saturating_sub(at),
            c.live.reuse_minutes
        );
    }
    let (record, metrics) = if checks.runs_live() {
        // The metric columns judged again with what this issue's report remembers
        // (and, for the watch's own issue, what the watch remembers).
        let mut before = previous.map(|p| p.analytics.clone()).unwrap_or_default();
        if let Some(w) = &target.watch_recall {
            before = before.merged(&w.metrics);
        }
        let metrics = crate::live::supabase::analytics::recall(
            live,
            inputs.data_type,
            &mut findings,
            &before,
        )
        .await;
        if let Some(w) = &target.watch_recall {
            crate::oncall::tell_row_drops(&mut findings, &w.drops);
        }
        let measured = checks.measured(&findings);
        (check_plan::record(&measured, &key, s.now), metrics)
    } else {
        (prev_live.cloned(), None)
    };
    let note = checks
        .note
        .clone()
        .or_else(|| lives.answered_by(inputs, &findings));
    LivePart {
        checks,
        findings,
        record,
        note,
        metrics,
    }
}

/// Plans, then reads the issue again right before any issue write, and plans again on
/// the new text (a new reading) when a person changed it meanwhile. `seen.issue` ends as
/// the issue the plan is of.
async fn plan_fresh(
    gh: &Github,
    s: &Settings<'_>,
    seen: &mut Seen,
    reading: Reading,
    live_part: &LivePart,
    reported_at: ReportedAt,
    watch_note: Option<&str>,
) -> Result<IssuePlan, GithubError> {
    let plan_of = |issue: &GhIssue, reading: &Reading| -> IssuePlan {
        let labels = issue.label_names();
        let r = Read {
            reading,
            labels: &labels,
            previous: seen.previous.as_ref(),
            has_report: seen.keep.is_some(),
            watch_note,
        };
        plan(&r, live_part, reported_at, s)
    };
    let mut p = plan_of(&seen.issue, &reading);
    let mut issue = seen.issue.clone();
    for _ in 0..3 {
        if !p.issue_write() {
            break;
        }
        let fresh = gh.get_issue(seen.number).await?;
        if fresh.body() == issue.body()
            && fresh.title == issue.title
            && fresh.label_names() == issue.label_names()
        {
            break;
        }
        tracing::info!("changed while it was being triaged; planning again on the new text");
        issue = fresh;
        p = plan_of(&issue, &Reading::new(&issue.title, issue.body()));
    }
    seen.issue = issue;
    Ok(p)
}

/// Short descriptions of the writes a plan makes (or would make, in a dry run).
fn changes(p: &IssuePlan, seen: &Seen) -> Vec<String> {
    let mut changes = Vec::new();
    if p.new_body.is_some() {
        let mut what = format!("ticked {} item(s)", p.ticked_now.len());
        if p.triage.redacted_body != seen.issue.body() {
            what.push_str(", masked secrets");
        }
        changes.push(what);
    }
    if p.new_title.is_some() {
        changes.push("masked secrets in the title".into());
    }
    if p.labels.changes() {
        changes.push(format!(
            "labels +[{}] -[{}]",
            p.labels.add.join(", "),
            p.labels.remove.join(", ")
        ));
    }
    match (&seen.keep, p.comment_needed) {
        (None, _) => changes.push("created the report".into()),
        (Some(_), true) => changes.push("updated the report".into()),
        (Some(_), false) => {}
    }
    if !seen.extras.is_empty() {
        changes.push(format!("deleted {} duplicate report(s)", seen.extras.len()));
    }
    changes
}

async fn write(
    gh: &Github,
    repo_labels: &mut RepoLabels,
    s: &Settings<'_>,
    number: u64,
    p: &IssuePlan,
    keep: Option<&Comment>,
    extras: &[u64],
) -> Result<ReportComment, GithubError> {
    if !p.labels.add.is_empty() {
        if repo_labels.0.is_none() {
            repo_labels.0 = Some(gh.list_labels().await?);
        }
        let known = repo_labels.0.get_or_insert_with(Vec::new);
        for name in &p.labels.add {
            if !known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
                let (color, description) = labels::style(name, &s.config.labels);
                gh.create_label(name, color, &description).await?;
                known.push(name.clone());
            }
        }
    }
    if p.issue_write() {
        let labels = p.labels.changes().then_some(p.labels.labels.as_slice());
        gh.update_issue(
            number,
            p.new_title.as_deref(),
            p.new_body.as_deref(),
            labels,
        )
        .await?;
    }
    let report = match keep {
        None => create_report(gh, number, &p.comment, s.bot).await,
        Some(c) if p.comment_needed => gh.update_comment(c.id, &p.comment).await.map(|()| c.into()),
        Some(c) => Ok(c.into()),
    };
    let report = match report {
        Ok(r) => r,
        Err(err) => {
            if p.issue_write() {
                rollback(gh, number, p).await;
            }
            return Err(err);
        }
    };
    for id in extras {
        gh.delete_comment(*id).await?;
    }
    Ok(report)
}

/// Undoes this run's ticks and label changes when its report could not be written, so
/// the issue is left as it was rather than half updated. Masked secrets stay masked. Best
/// effort: a person's edit since the write is kept, and a failure here is only logged.
async fn rollback(gh: &Github, number: u64, p: &IssuePlan) {
    let undo = async {
        let fresh = gh.get_issue(number).await?;
        let body = crate::issue::tick::untick_items(fresh.body(), &p.ticked_now);
        let current = fresh.label_names();
        let mut labels: Vec<String> = current
            .iter()
            .filter(|l| !p.labels.add.contains(l))
            .cloned()
            .collect();
        for removed in &p.labels.remove {
            if !labels.contains(removed) {
                labels.push(removed.clone());
            }
        }
        let new_body = (body != fresh.body()).then_some(body.as_str());
        let new_labels = (labels != current).then_some(labels.as_slice());
        if new_body.is_some() || new_labels.is_some() {
            gh.update_issue(number, None, new_body, new_labels).await?;
        }
        Ok::<(), GithubError>(())
    };
    match undo.await {
        Ok(()) => tracing::info!(
            "the report could not be written; undid this run's ticks and label changes"
        ),
        Err(e) => tracing::info!(
            "the report could not be written and undoing the ticks and labels failed too ({e})"
        ),
    }
}

/// Creates the report without ever posting it twice: after a failed POST (which may have
/// worked although the answer says otherwise) it looks for the marker before trying again.
async fn create_report(
    gh: &Github,
    number: u64,
    body: &str,
    bot: &Identity,
) -> Result<ReportComment, GithubError> {
    let attempts = gh.attempts().max(1);
    for attempt in 1..=attempts {
        let err = match gh.create_comment_once(number, body).await {
            Ok(c) => {
                if let Some(app) = bot.learn(c.user.as_ref()) {
                    super::workflow::warning(&format!(
                        "the report was posted as {app}, which the bot was not told is itself: set the action's input `bot-login: {app}` so that the next run edits this report instead of posting another"
                    ));
                }
                return Ok((&c).into());
            }
            Err(e) => e,
        };
        if !err.is_transient() || attempt == attempts {
            return Err(err);
        }
        let wait = err.retry_in().unwrap_or_else(|| gh.backoff(attempt));
        tracing::info!(
            "creating the report failed ({err}); looking for it before trying again in {} ms",
            wait.as_millis()
        );
        tokio::time::sleep(wait).await;
        let found = own_reports(gh, bot, gh.list_comments(number).await?).await?;
        if let Some(c) = found.first() {
            if c.body() != body {
                gh.update_comment(c.id, body).await?;
            }
            for extra in found.iter().skip(1) {
                gh.delete_comment(extra.id).await?;
            }
            return Ok(c.into());
        }
    }
    // Not reached: the last attempt returns its error above.
    Err(GithubError::Transport {
        what: format!("POST issues/{number}/comments"),
        message: format!("no report after {attempts} attempt(s)"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue_filed(at: &str) -> GhIssue {
        serde_json::from_value(serde_json::json!({
            "number": 1, "title": "[API] x", "created_at": at
        }))
        .unwrap()
    }

    #[test]
    fn the_reference_is_the_filing_then_a_persons_edit_and_it_is_kept() {
        let filed = parse_rfc3339("2026-11-28T10:00:00Z").unwrap();
        let now = filed + 3 * 86_400;
        let issue = issue_filed("2026-11-28T10:00:00Z");
        let r = reference_time(&issue, None, None, now);
        assert_eq!((r.at, r.basis), (filed, Basis::Filed));
        // An edit this event reports wins, and later runs keep it.
        let edit = filed + 86_400;
        let r = reference_time(&issue, Some(edit), None, now);
        assert_eq!((r.at, r.basis), (edit, Basis::Edited));
        let kept = reference_time(&issue, None, Some(r), now + 86_400);
        assert_eq!(kept, r);
        // A kept reference outside [filed, now] is not trusted (the state is data).
        for bad in [filed - 1, now + 3600] {
            let forged = ReportedAt {
                at: bad,
                basis: Basis::Edited,
            };
            assert_eq!(
                reference_time(&issue, None, Some(forged), now).basis,
                Basis::Filed
            );
        }
        // An edit time far in the future is ignored; a few seconds ahead is clock skew.
        assert_eq!(
            reference_time(&issue, Some(now + 3600), None, now).basis,
            Basis::Filed
        );
        assert_eq!(reference_time(&issue, Some(now + 3), None, now).at, now + 3);
        // No creation time at all: as of now.
        let r = reference_time(&issue_filed(""), None, None, now);
        assert_eq!((r.at, r.basis), (now, Basis::Now));
    }
}
