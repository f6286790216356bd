//! One issue, end to end: read, decide live, triage, plan the writes, re-read, write.
//!
//! [`plan`] is pure: from the body and labels just read, the previous state and the live
//! findings, it computes the ticked-and-redacted body, the label delta, the report comment
//! with its new state block, and whether anything changed. [`triage_issue`] does the I/O
//! around it in an order chosen for safety: the issue (body and labels in one PATCH) is
//! written before the report, so the state block never claims ticks that did not land; a
//! fresh read comes right before any issue write and the plan is redone when a person
//! edited meanwhile; a failed comment creation is followed by a marker search, never by a
//! blind second POST; duplicate reports left by a race are deleted, oldest kept.

use super::live::{self, LiveDecision};
use super::workflow::log;
use crate::checks::{CheckId, Finding, Status};
use crate::clock::{Basis, Clock, ReportedAt, parse_rfc3339};
use crate::config::{Config, Severity};
use crate::credentials::Credentials;
use crate::event::Target;
use crate::github::{Comment, Github, GithubError, Issue};
use crate::issue::{normalize_key, tick::tick_items};
use crate::labels;
use crate::live::{Live, LiveInputs};
use crate::report::{self, Context, MARKER};
use crate::secrets;
use crate::state::{LiveRecord, State, fingerprint};
use crate::triage::{Triage, triage};
use crate::verdict;
use std::sync::Arc;

/// What stays the same for every issue of a run.
pub struct Settings<'a> {
    pub config: &'a Config,
    pub creds: &'a Credentials,
    pub run_url: Option<&'a str>,
    pub dry_run: bool,
    pub now: i64,
    /// The logins whose comments are the bot's own (the report is only ever one of those).
    pub bot_logins: &'a [String],
}

/// Everything the bot wants for one issue, computed from what it read.
#[derive(Debug, Clone)]
pub struct Plan {
    pub triage: Triage,
    /// The new body, when it differs (ticks, redactions).
    pub new_body: Option<String>,
    /// The title with secrets masked, when it held any.
    pub new_title: Option<String>,
    /// Items ticked by this plan.
    pub ticked_now: Vec<String>,
    pub labels: labels::Plan,
    /// The report comment, state block included.
    pub comment: String,
    /// The report without the state block (job summary, dry-run log).
    pub visible: String,
    /// True when the report comment must be written (new, or its content changed).
    pub comment_needed: bool,
}

impl Plan {
    pub fn issue_write(&self) -> bool {
        self.new_body.is_some() || self.new_title.is_some() || self.labels.changes()
    }
}

/// The live part of a plan's inputs.
#[derive(Debug, Clone, Default)]
pub struct LivePart {
    pub findings: Vec<Finding>,
    pub record: Option<LiveRecord>,
    pub note: Option<String>,
}

/// What was read of one issue, as the plan needs it.
pub struct Read<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub labels: &'a [String],
    /// The state from the bot's report, when there is one and it could be read.
    pub previous: Option<&'a State>,
    /// Whether a report comment exists at all.
    pub has_report: bool,
}

/// Computes the plan from what was read, the live findings and the reference time.
pub fn plan(read: &Read, live: &LivePart, reported_at: ReportedAt, s: &Settings) -> Plan {
    let Read {
        title,
        body,
        labels: current_labels,
        previous,
        has_report,
    } = *read;
    let empty = State::default();
    let prev = previous.unwrap_or(&empty);
    let clock = Clock::at(s.now).with_reported(reported_at);
    let mut t = triage(title, body, s.config, s.creds, &live.findings, &clock);
    let secrets_finding = remember_secrets(&mut t, prev.secrets.as_ref(), s.config);
    // An item the bot ticked before and that is unchecked now was unticked by a person.
    let ticks: Vec<&String> = t
        .verdict
        .ticks
        .iter()
        .filter(|text| !prev.ticked.contains(&normalize_key(text)))
        .collect();
    let edit = tick_items(body, &ticks);
    let new_body = secrets::redact(&edit.body);
    let mut ticked: Vec<String> = prev.ticked.clone();
    ticked.extend(edit.ticked.iter().map(|t| normalize_key(t)));
    ticked.sort();
    ticked.dedup();

    let label_plan = labels::plan(
        current_labels,
        &t.verdict.labels,
        &prev.labels_added,
        &s.config.labels,
    );
    let (broken_since, recovered) = sync_health(live, prev, s.now);
    let recovery_note = recovered.map(|(since, at)| {
        format!(
            "✅ **Recovered** at {}: the live checks that found the sync broken since {} pass again (down for about {}).",
            crate::clock::format_utc(at),
            crate::clock::format_utc(since),
            crate::clock::human_age((at - since) as f64)
        )
    });
    let notes: Vec<&str> = [
        recovery_note.as_deref(),
        live.note.as_deref(),
        label_plan.note.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut ctx = Context {
        recheck_label: s.config.labels.recheck.clone(),
        live_note: (!notes.is_empty()).then(|| notes.join(" ")),
        run_url: None,
        live_at: live.record.as_ref().map(|r| r.at),
    };
    // The fingerprint leaves out what changes on every run without meaning a change:
    // timings, the run link, and every figure (see `report::change_key`).
    let mut timeless = t.clone();
    for f in &mut timeless.findings {
        f.duration_ms = None;
    }
    // The report lists every item the bot has ticked that is still ticked, so it reads the
    // same on the next run, when those items are no longer "to tick".
    let after = crate::issue::parse(&new_body);
    let shown_ticks: Vec<String> = after
        .checklist
        .iter()
        .filter(|i| i.checked && ticked.contains(&normalize_key(&i.text)))
        .map(|i| i.text.clone())
        .collect();
    t.verdict.ticks = shown_ticks.clone();
    timeless.verdict.ticks = shown_ticks;
    let report_fp = fingerprint(&report::change_key(&report::render_markdown(
        &timeless, &ctx, None,
    )));
    ctx.run_url = s.run_url.map(str::to_string);
    let state = State {
        v: crate::state::VERSION,
        ticked,
        labels_added: label_plan.bot_added.clone(),
        live: live.record.clone(),
        report: report_fp,
        secrets: secrets_finding,
        reported: Some(reported_at),
        broken_since,
        recovered,
    };
    let comment_needed = !has_report
        || previous.is_none()
        || prev.report != state.report
        || prev.ticked != state.ticked
        || sorted(&prev.labels_added) != sorted(&state.labels_added);
    let comment = report::render_markdown(&t, &ctx, Some(&state.encode()));
    let visible = report::render_markdown(&t, &ctx, None);
    Plan {
        new_body: (new_body != body).then_some(new_body),
        new_title: (t.redacted_title != title).then(|| t.redacted_title.clone()),
        ticked_now: edit.ticked,
        labels: label_plan,
        comment,
        visible,
        comment_needed,
        triage: t,
    }
}

/// Whether the live checks find the sync broken, and since when; or that it recovered.
/// Live results reused from an earlier run change nothing.
fn sync_health(live: &LivePart, prev: &State, now: i64) -> (Option<i64>, Option<(i64, i64)>) {
    let at = live.record.as_ref().map_or(now, |r| r.at);
    let live_findings = || live.findings.iter().filter(|f| !f.is_offline());
    let critical = live_findings()
        .any(|f| f.status == Status::Fail && f.impact == crate::checks::Impact::Critical);
    let concluded = live_findings().any(|f| f.status.is_conclusive());
    if critical {
        (prev.broken_since.or(Some(at)), None)
    } else if concluded {
        match prev.broken_since {
            Some(since) => (None, Some((since, at.max(since)))),
            None => (None, prev.recovered),
        }
    } else {
        (prev.broken_since, prev.recovered)
    }
}

/// Keeps `issue.secrets` failing after the bot masked the secrets (they stay in the edit
/// history), and returns the finding to remember.
fn remember_secrets(
    t: &mut Triage,
    remembered: Option<&Finding>,
    config: &Config,
) -> Option<Finding> {
    let Some(i) = t
        .findings
        .iter()
        .position(|f| f.id == CheckId::IssueSecrets)
    else {
        return remembered.cloned();
    };
    if t.findings[i].status != Status::Pass {
        // Shown as it will be remembered, so the next run's report reads the same.
        crate::state::compact_finding(&mut t.findings[i]);
        return Some(t.findings[i].clone());
    }
    let old = remembered?;
    t.findings[i] = old.clone();
    t.verdict = verdict::decide(&t.issue, &t.findings, &t.reported, config);
    Some(old.clone())
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

/// The moment the issue's reported values are judged as of: the time of a person's body
/// edit this event reports; else the reference an earlier run kept (an edit it saw); else
/// when the issue was filed. Not `updated_at` in general: labels, comments and the bot's
/// own ticks move it without changing what the issue reports.
pub fn reference_time(
    issue: &Issue,
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

/// True for the bot's report comment: written by the bot itself and starting with the
/// marker. Anyone can paste the marker; nothing in another person's comment is read,
/// edited or deleted.
pub fn is_report(c: &Comment, bot_logins: &[String]) -> bool {
    c.is_by(bot_logins) && c.body().trim_start().starts_with(MARKER)
}

/// What happened to one issue.
#[derive(Debug, Clone)]
pub struct Outcome {
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
}

/// Labels known to exist in the repository, listed once per run.
#[derive(Default)]
pub struct RepoLabels(Option<Vec<String>>);

/// Triages the target issue. `first` is the issue when the caller already read it (a sweep's
/// listing); otherwise it is read here.
pub async fn triage_issue(
    gh: &Github,
    live: &Arc<Live>,
    repo_labels: &mut RepoLabels,
    s: &Settings<'_>,
    target: Target,
    first: Option<Issue>,
) -> Result<Option<Outcome>, GithubError> {
    let Target {
        number,
        trigger,
        live_allowed,
        body_edited_at,
    } = target;
    let mut issue = match first {
        Some(i) => i,
        None => gh.get_issue(number).await?,
    };
    if issue.is_pull_request() {
        log(&format!("#{number} is a pull request; nothing to do"));
        return Ok(None);
    }
    let mut reports: Vec<Comment> = if issue.comments > 0 {
        gh.list_comments(number)
            .await?
            .into_iter()
            .filter(|c| is_report(c, s.bot_logins))
            .collect()
    } else {
        Vec::new()
    };
    reports.sort_by(|a, b| (&a.created_at, a.id).cmp(&(&b.created_at, b.id)));
    let keep = reports.first().cloned();
    let extras: Vec<u64> = reports.iter().skip(1).map(|c| c.id).collect();
    let previous = keep.as_ref().and_then(|c| match State::decode(c.body()) {
        Ok(state) => state.map(|st| st.validated(s.now)),
        Err(e) => {
            log(&format!(
                "#{number}: the report's state block is unreadable ({e}); starting afresh"
            ));
            None
        }
    });

    let reported_at = reference_time(
        &issue,
        body_edited_at,
        previous.as_ref().and_then(|p| p.reported),
        s.now,
    );
    log(&format!(
        "#{number}: reported values are judged as of {} ({:?})",
        crate::clock::format_utc(reported_at.at),
        reported_at.basis
    ));
    let inputs = LiveInputs::from_issue(&crate::issue::parse(&secrets::redact(issue.body())));
    let key = inputs.key();
    let prev_live = previous.as_ref().and_then(|p| p.live.as_ref());
    let c = s.config;
    let decision = live::decide(
        live_allowed,
        trigger,
        prev_live,
        &key,
        s.now,
        c.live.reuse_minutes,
        &c.labels.recheck,
    );
    let live_part = match decision {
        LiveDecision::Run => {
            let findings = live.run_all(&inputs).await;
            let record = live::record(&findings, &key, s.now);
            LivePart {
                findings,
                record,
                note: None,
            }
        }
        LiveDecision::Reuse { findings, at } => {
            // The report shows the same results as before, so it says nothing new.
            log(&format!(
                "#{number}: reusing the live results from {} s ago (changes within {} minutes reuse them)",
                s.now.saturating_sub(at),
                c.live.reuse_minutes
            ));
            LivePart {
                findings,
                record: prev_live.cloned(),
                note: None,
            }
        }
        LiveDecision::Offline { note } => LivePart {
            findings: Vec::new(),
            record: prev_live.cloned(),
            note: Some(note),
        },
    };

    let read = |issue: &Issue| -> Plan {
        let labels = issue.label_names();
        let r = Read {
            title: &issue.title,
            body: issue.body(),
            labels: &labels,
            previous: previous.as_ref(),
            has_report: keep.is_some(),
        };
        plan(&r, &live_part, reported_at, s)
    };
    let mut p = read(&issue);
    // Re-read right before writing; redo the plan if a person changed the issue meanwhile.
    for _ in 0..3 {
        if !p.issue_write() {
            break;
        }
        let fresh = gh.get_issue(number).await?;
        if fresh.body() == issue.body()
            && fresh.title == issue.title
            && fresh.label_names() == issue.label_names()
        {
            break;
        }
        log(&format!(
            "#{number} changed while it was being triaged; planning again on the new text"
        ));
        issue = fresh;
        p = read(&issue);
    }

    let mut changes = Vec::new();
    if p.new_body.is_some() {
        let mut what = format!("ticked {} item(s)", p.ticked_now.len());
        if p.triage.redacted_body != issue.body() {
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
    match (&keep, p.comment_needed) {
        (None, _) => changes.push("created the report".into()),
        (Some(_), true) => changes.push("updated the report".into()),
        (Some(_), false) => {}
    }
    if !extras.is_empty() {
        changes.push(format!("deleted {} duplicate report(s)", extras.len()));
    }

    if s.dry_run {
        for ch in &changes {
            log(&format!("dry run: #{number}: would have {ch}"));
        }
    } else {
        write(gh, repo_labels, s, number, &p, keep.as_ref(), &extras).await?;
        if !changes.is_empty() {
            log(&format!("#{number}: {}", changes.join("; ")));
        }
    }
    if changes.is_empty() {
        log(&format!("#{number}: nothing changed; no writes"));
    }
    Ok(Some(Outcome {
        number,
        title: secrets::redact(&issue.title),
        severity: p.triage.verdict.severity,
        diagnosis: secrets::redact(&p.triage.verdict.diagnosis),
        json: serde_json::to_value(report::json(&p.triage)).unwrap_or_default(),
        visible: p.visible,
        changes,
    }))
}

async fn write(
    gh: &Github,
    repo_labels: &mut RepoLabels,
    s: &Settings<'_>,
    number: u64,
    p: &Plan,
    keep: Option<&Comment>,
    extras: &[u64],
) -> Result<(), GithubError> {
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
        None => create_report(gh, number, &p.comment, s.bot_logins).await,
        Some(c) if p.comment_needed => gh.update_comment(c.id, &p.comment).await,
        Some(_) => Ok(()),
    };
    if let Err(err) = report {
        if p.issue_write() {
            rollback(gh, number, p).await;
        }
        return Err(err);
    }
    for id in extras {
        gh.delete_comment(*id).await?;
    }
    Ok(())
}

/// Undoes this run's ticks and label changes when its report could not be written, so
/// the issue is left as it was rather than half updated. Masked secrets stay masked. Best
/// effort: a person's edit since the write is kept, and a failure here is only logged.
async fn rollback(gh: &Github, number: u64, p: &Plan) {
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
        Ok(()) => log(&format!(
            "#{number}: the report could not be written; undid this run's ticks and label changes"
        )),
        Err(e) => log(&format!(
            "#{number}: the report could not be written and undoing the ticks and labels failed too ({e})"
        )),
    }
}

/// Creates the report without ever posting it twice: after a failed POST (which may have
/// worked although the answer says otherwise) it looks for the marker before trying again.
async fn create_report(
    gh: &Github,
    number: u64,
    body: &str,
    bot_logins: &[String],
) -> Result<(), GithubError> {
    let attempts = gh.attempts().max(1);
    for attempt in 1..=attempts {
        let err = match gh.create_comment_once(number, body).await {
            Ok(_) => return Ok(()),
            Err(e) => e,
        };
        if !err.is_transient() || attempt == attempts {
            return Err(err);
        }
        let wait = err.retry_in().unwrap_or_else(|| gh.backoff(attempt));
        log(&format!(
            "#{number}: creating the report failed ({err}); looking for it before trying again in {} ms",
            wait.as_millis()
        ));
        tokio::time::sleep(wait).await;
        let mut found: Vec<Comment> = gh
            .list_comments(number)
            .await?
            .into_iter()
            .filter(|c| is_report(c, bot_logins))
            .collect();
        found.sort_by(|a, b| (&a.created_at, a.id).cmp(&(&b.created_at, b.id)));
        if let Some(c) = found.first() {
            if c.body() != body {
                gh.update_comment(c.id, body).await?;
            }
            for extra in found.iter().skip(1) {
                gh.delete_comment(extra.id).await?;
            }
            return Ok(());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue_filed(at: &str) -> Issue {
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
