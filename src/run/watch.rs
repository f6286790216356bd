//! The watch's reads and writes: check the production sync for every configured data
//! type, find the watch's latest issue (open or closed) with its memory in one listing,
//! let [`crate::oncall::judge`] say what state the sync is in, then act on it: nothing
//! for a blip, open / reopen / remind while broken, the recovering headline, and one
//! comment and the close once the recovery holds.
//!
//! Safety against races and faults: open watch issues are listed again right before one
//! is created; a failed creation (a 502 may come after the issue was made) is followed by
//! that listing, never by a blind second POST; after creating, a duplicate left by a
//! concurrent run is closed, the older issue kept. Only issues the bot itself opened
//! count as watch issues, and only those are ever closed.

use super::issue::{Triaged, Triager};
use super::settings::Settings;
use crate::event::{Target, Trigger};
use crate::github::{GhIssue, Github, GithubError};
use crate::issue::{DataType, Environment};
use crate::live::{Live, LiveInputs};
use crate::oncall::{self, Judgement, Memory};
use crate::watch_issue::{self, Health, RECOVERED_MARKER, WATCH_MARKER};
use std::path::Path;
use std::sync::Arc;

/// What the watch did, for the summary and the outputs.
#[derive(Debug, Default)]
pub struct WatchOutcome {
    /// `None` when nothing could be checked.
    pub healthy: Option<bool>,
    /// The open watch issue (or the person's issue standing for it).
    pub issue: Option<u64>,
    /// The job summary section.
    pub summary: String,
    /// Triages made for the watch's own issue.
    pub outcomes: Vec<Triaged>,
}

/// True for an issue the watch opened, judged by everything the bot writes into one: its
/// author is the bot (`github-actions[bot]` of type `Bot`), its body carries the marker and
/// the template's fields for `env`, its title the `[API]` prefix, and it carries the
/// `monitoring` label. Another workflow that files as `github-actions[bot]` and copies
/// the marker does not make its issue the watch's (nor get it closed "on recovery").
pub fn is_watch_issue(i: &GhIssue, s: &Settings, env: Environment) -> bool {
    let by_bot = s.bot.is(i.user.as_ref());
    let monitoring = s.config.labels.area("monitoring");
    by_bot
        && i.body().contains(WATCH_MARKER)
        && i.title.starts_with(crate::event::TITLE_PREFIX)
        && i.label_names()
            .iter()
            .any(|l| l.eq_ignore_ascii_case(monitoring))
        && crate::issue::parse(i.body()).environment == Some(env)
}

/// True for an issue the watch opened for any of the environments it watches.
pub fn is_any_watch_issue(i: &GhIssue, s: &Settings) -> bool {
    s.config
        .watch
        .environments
        .iter()
        .any(|env| is_watch_issue(i, s, *env))
}

/// The open issues, after meeting the author of any that carries the watch's marker: a
/// personal access token's user is learned to be the bot (see [`super::identity`]).
async fn open_issues(gh: &Github, s: &Settings<'_>) -> Result<Vec<GhIssue>, GithubError> {
    let open = gh.list_open_issues().await?;
    for i in open.iter().filter(|i| i.body().contains(WATCH_MARKER)) {
        s.bot.meet(gh, i.user.as_ref()).await?;
    }
    Ok(open)
}

/// The oldest open watch issue, and the newer ones (duplicates of a race).
fn watch_issues(open: &[GhIssue], s: &Settings, env: Environment) -> Vec<GhIssue> {
    let mut found: Vec<GhIssue> = open
        .iter()
        .filter(|i| is_watch_issue(i, s, env))
        .cloned()
        .collect();
    found.sort_by_key(|i| i.number);
    found
}

/// A member's open `[API]` issue about `env` and one of `failing`. A stranger's
/// issue never stands in for the watch's: "[API] Everything is fine, ignore alerts" from
/// anyone could otherwise silence it.
fn persons_issue(
    open: &[GhIssue],
    failing: &[DataType],
    s: &Settings,
    env: Environment,
) -> Option<u64> {
    open.iter()
        .filter(|i| !is_watch_issue(i, s, env))
        .filter(|i| crate::event::is_member(&i.author_association))
        .filter(|i| crate::event::is_api_issue(&i.title, &i.label_names(), &s.config.labels))
        .find(|i| {
            let parsed = crate::issue::parse(&crate::secrets::redact_pasted(i.body()));
            parsed.environment == Some(env)
                && parsed.data_type.is_some_and(|d| failing.contains(&d))
        })
        .map(|i| i.number)
}

/// The template the repository files `[API]` issues with: its `.github/ISSUE_TEMPLATE/`
/// copy (the one titled `[API]`; a markdown template first, else an issue form), else the
/// copy this project ships.
async fn template(gh: &Github, workspace: Option<&Path>) -> String {
    if let Some(ws) = workspace
        && let Ok(entries) = std::fs::read_dir(ws.join(".github/ISSUE_TEMPLATE"))
    {
        let mut paths: Vec<_> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        paths.sort();
        for ext in [&["md"][..], &["yml", "yaml"][..]] {
            for p in paths
                .iter()
                .filter(|p| p.extension().is_some_and(|e| ext.iter().any(|x| e == *x)))
            {
                if let Ok(text) = std::fs::read_to_string(p)
                    && is_api_template(&text)
                {
                    return text;
                }
            }
        }
    }
    for path in [
        ".github/ISSUE_TEMPLATE/pendo-api-issue.md",
        ".github/ISSUE_TEMPLATE/pendo-api.yml",
    ] {
        if let Ok(Some(text)) = gh.get_file(path).await
            && is_api_template(&text)
        {
            return text;
        }
    }
    crate::issue::TEMPLATE.to_string()
}

fn is_api_template(text: &str) -> bool {
    let title = match crate::issue::Form::read(text) {
        Some(form) => form.title,
        None => crate::issue::title_of(text).to_string(),
    };
    title.starts_with(crate::event::TITLE_PREFIX)
}

/// The health of every configured data type, in `live`'s environment.
async fn health(live: &Arc<Live>, s: &Settings<'_>) -> Health {
    let mut rows = Vec::new();
    let mut types: Vec<DataType> = Vec::new();
    for t in &s.config.tables {
        if !types.contains(&t.data_type) {
            types.push(t.data_type);
        }
    }
    for dt in types {
        let inputs = LiveInputs {
            environment: Some(live.environment),
            data_type: Some(dt),
            expected_records: None,
            not_api: false,
        };
        rows.push((dt, crate::check_plan::run_live(live, &inputs).await));
    }
    Health { rows }
}

/// What every step of the watch works with.
pub struct Watch<'w, 'a, 'b> {
    /// The run's triager: GitHub, every environment's live context (the watch checks
    /// `environment`'s), the settings and the repository's labels.
    pub t: &'w mut Triager<'a, 'b>,
    /// The environment whose sync this watch checks (its issue says it; a critical
    /// finding outside Production is a P1 by the severity policy).
    pub environment: Environment,
    pub workspace: Option<&'w Path>,
    /// The issues this run already triaged (the sweep).
    pub done: &'w [u64],
    /// What the watch's memory added to this run's findings, for its issue's triage (set
    /// by [`Watch::run`]; `None` when building one).
    pub recall: Option<oncall::Recalled>,
}

/// The watch's latest issue and what its body remembers.
struct Latest {
    issue: GhIssue,
    memory: Option<Memory>,
}

impl Latest {
    fn is_open(&self) -> bool {
        self.issue.state != "closed"
    }

    /// When it was closed: by the watch (its memory), else as GitHub says.
    fn closed_at(&self) -> Option<i64> {
        self.memory.as_ref().and_then(|m| m.closed_at).or_else(|| {
            self.issue
                .closed_at
                .as_deref()
                .and_then(crate::clock::parse_rfc3339)
        })
    }

    /// When the incident it tracks began: the memory's, else its filing.
    fn since(&self, now: i64) -> i64 {
        self.memory.as_ref().map_or_else(
            || crate::clock::parse_rfc3339(&self.issue.created_at).unwrap_or(now),
            |m| m.broken_since,
        )
    }
}

impl Watch<'_, '_, '_> {
    /// Runs the watch.
    pub async fn run(mut self) -> Result<WatchOutcome, GithubError> {
        let env = self.environment;
        let live = self.t.lives.of(env);
        let mut h = health(live, self.t.s).await;
        let s = self.t.s;
        let w = &s.config.watch;
        // Nothing concluded: no request, nothing to judge.
        let latest = match h.healthy() {
            Some(_) => latest(self.t.gh, s, env).await?,
            None => None,
        };
        // What the memory adds to this run's findings (no request: the listing brought
        // the body), and what this run measured for the memory to keep.
        let earlier = latest.as_ref().and_then(|l| l.memory.clone());
        let (measured, drops) = recall(live, &mut h, earlier.as_ref(), s).await;
        let mut out = WatchOutcome {
            healthy: h.healthy(),
            ..Default::default()
        };
        let open_since = latest
            .as_ref()
            .filter(|l| l.is_open())
            .map(|l| l.since(s.now));
        let judgement = oncall::judge(&h, open_since, w);
        let act = Act {
            earlier: earlier.as_ref(),
            measured: &measured,
        };
        self.recall = Some(oncall::Recalled {
            metrics: earlier
                .as_ref()
                .map(|m| m.metrics.clone())
                .unwrap_or_default(),
            drops: drops.clone(),
        });
        let text = match (&judgement, latest) {
            (Judgement::Unknown, _) => "Nothing was checked, so nothing was opened.".to_string(),
            (Judgement::Broken, latest) => self.broken(&h, latest, &act, &mut out).await?,
            (Judgement::Recovering { done, of }, Some(l)) => {
                let note = oncall::recovering_note(*done, *of);
                self.track(l.issue.number, Some(note), Some(l.issue.clone()), &mut out)
                    .await?;
                format!(
                    "Recovering: #{} stays open ({done} of {of} runs completed since the last failure).",
                    l.issue.number
                )
            }
            (Judgement::Recovered, Some(l)) => self.recovered(&h, l, &act).await?,
            (Judgement::Blip, _) => format!(
                "Blip: a sync run failed, fewer than {} in a row, and nothing else is broken; nothing was opened.",
                w.open_after_runs
            ),
            _ => "Healthy: nothing to open.".to_string(),
        };
        tracing::info!("watch: {text}");
        let entities: Vec<oncall::Entity> = oncall::histories(&h)
            .into_iter()
            .map(|x| oncall::entity(x, open_since, w))
            .collect();
        let headline = oncall::headline(&judgement, w);
        let oncall_part = format!(
            "{}{}",
            oncall::summary_table(&entities, s.now),
            oncall::row_drop_summary(&drops)
        );
        out.summary = watch_issue::table(&h, env, (headline.as_deref(), &oncall_part), &text);
        Ok(out)
    }

    async fn broken(
        &mut self,
        h: &Health,
        latest: Option<Latest>,
        act: &Act<'_>,
        out: &mut WatchOutcome,
    ) -> Result<String, GithubError> {
        let (gh, s, env) = (self.t.gh, self.t.s, self.environment);
        let ids = oncall::critical_ids(h);
        if let Some(l) = latest.as_ref().filter(|l| l.is_open()) {
            let n = l.issue.number;
            let reminded = self.remind(l, &ids, act).await?;
            // After a reminder the body changed: read it again.
            let first = (!reminded).then(|| l.issue.clone());
            self.track(n, None, first, out).await?;
            return Ok(match reminded {
                true => format!(
                    "Still broken: #{n} stays open; reminded (at most one reminder per {} h).",
                    s.config.watch.remind_every_hours
                ),
                false => format!("Still broken: #{n} stays open; its report is updated in place."),
            });
        }
        let closed = latest.filter(|l| !l.is_open());
        let window = s.config.watch.reopen_within_hours as i64 * 3600;
        if let Some(l) = &closed
            && let Some(at) = l.closed_at()
            && (0..=window).contains(&(s.now - at))
        {
            return self.reopen(l, at, &ids, act, out).await;
        }
        let open = open_issues(gh, s).await?;
        if let Some(existing) = watch_issues(&open, s, env).first() {
            self.track(existing.number, None, Some(existing.clone()), out)
                .await?;
            return Ok(format!(
                "Still broken: #{} stays open; its report is updated in place.",
                existing.number
            ));
        }
        if let Some(n) = persons_issue(&open, &h.failing_types(), s, env) {
            self.track(n, None, None, out).await?;
            return Ok(format!(
                "Broken, and #{n} (a person's issue about {}) already tracks it: rechecked it instead of opening another.",
                env.as_str()
            ));
        }
        let template = template(gh, self.workspace).await;
        let Some((title, mut body)) = watch_issue::issue(&template, h, env, s.now) else {
            return Ok("Broken, but no finding to file.".into());
        };
        if let Some(prev) = &closed {
            body.push_str(&format!(
                "\nThe previous breakage was #{}; it was closed more than {} h before this one began.\n",
                prev.issue.number, s.config.watch.reopen_within_hours
            ));
        }
        let body = act.kept(Memory::new(s.now, ids), s).written_into(&body);
        let labels = watch_issue::labels(&template, s.config);
        if s.dry_run {
            tracing::info!("dry run: would have opened {title:?} with labels {labels:?}");
            return Ok(format!(
                "Broken: would have opened \"{}\" (dry run).",
                crate::outside::emit(&title, 120, crate::outside::Sink::Markdown)
            ));
        }
        let created = create(gh, &title, &body, &labels, s, env).await?;
        // A concurrent run may have opened one too: keep the older, close the newer.
        let open = open_issues(gh, s).await?;
        let all = watch_issues(&open, s, env);
        let keep = all.first().map_or(created.number, |i| i.number);
        for dup in all.iter().filter(|i| i.number != keep) {
            tracing::info!(
                "watch: #{} duplicates #{keep} (two runs at once); closing it",
                dup.number
            );
            gh.close_issue(dup.number, "not_planned").await?;
        }
        self.track(keep, None, None, out).await?;
        Ok(if keep == created.number {
            format!("Broken: opened #{keep}.")
        } else {
            format!("Broken: #{keep} was opened at the same time by another run; kept it.")
        })
    }

    /// A reminder on the open issue when the last time people were told is
    /// `remind_every_hours` ago: one comment, and the memory moved on (the body re-read
    /// right before, only the block changed).
    async fn remind(&self, l: &Latest, ids: &[String], act: &Act<'_>) -> Result<bool, GithubError> {
        let (gh, s) = (self.t.gh, self.t.s);
        let every = s.config.watch.remind_every_hours as i64 * 3600;
        let m = l
            .memory
            .clone()
            .unwrap_or_else(|| Memory::new(l.since(s.now), ids.to_vec()));
        if s.now - m.told_at < every {
            return Ok(false);
        }
        let n = l.issue.number;
        if s.dry_run {
            tracing::info!("dry run: would have reminded on #{n}");
            return Ok(false);
        }
        let comment = oncall::reminder(&m, ids, s.now);
        let told = act.kept(
            Memory {
                told_at: s.now,
                told: ids.to_vec(),
                ..m
            },
            s,
        );
        let fresh = gh.get_issue(n).await?;
        gh.update_issue(n, None, Some(&told.written_into(fresh.body())), None)
            .await?;
        gh.create_comment_once(n, &comment).await?;
        Ok(true)
    }

    /// Reopens the watch's issue closed `closed_at` for a breakage within the window.
    async fn reopen(
        &mut self,
        l: &Latest,
        closed_at: i64,
        ids: &[String],
        act: &Act<'_>,
        out: &mut WatchOutcome,
    ) -> Result<String, GithubError> {
        let (gh, s) = (self.t.gh, self.t.s);
        let n = l.issue.number;
        if s.dry_run {
            return Ok(format!("Broken again: would have reopened #{n} (dry run)."));
        }
        let fresh = gh.get_issue(n).await?;
        let body = act
            .kept(Memory::new(s.now, ids.to_vec()), s)
            .written_into(fresh.body());
        gh.reopen_issue(n, &body).await?;
        gh.create_comment_once(n, &oncall::reopened_comment(closed_at, ids, s.now))
            .await?;
        self.track(n, None, None, out).await?;
        Ok(format!(
            "Broken again within {} h of closing: reopened #{n}.",
            s.config.watch.reopen_within_hours
        ))
    }

    /// The recovery holds: the report says so, one comment says what recovered and
    /// when, and the issue closes as completed.
    async fn recovered(
        &mut self,
        h: &Health,
        l: Latest,
        act: &Act<'_>,
    ) -> Result<String, GithubError> {
        let (gh, s) = (self.t.gh, self.t.s);
        let n = l.issue.number;
        if s.dry_run {
            return Ok(format!("Recovered: would have closed #{n} (dry run)."));
        }
        let mut ignored = WatchOutcome::default();
        self.track(n, None, None, &mut ignored).await?;
        let commented = gh
            .list_comments(n)
            .await?
            .iter()
            .any(|c| s.bot.is(c.user.as_ref()) && c.body().contains(RECOVERED_MARKER));
        if !commented {
            let entities: Vec<String> = oncall::histories(h)
                .iter()
                .map(|x| x.entity.clone())
                .collect();
            let comment = watch_issue::recovery_comment(
                self.environment,
                s.now,
                l.since(s.now),
                &entities,
                s.config.watch.close_after_runs,
            );
            gh.create_comment_once(n, &comment).await?;
        }
        // The memory keeps when it closed (the body re-read right before, only the block
        // changed), for a breakage that comes back within `reopen_within_hours`.
        let since = l.since(s.now);
        let memory = act.kept(
            Memory {
                closed_at: Some(s.now),
                ..l.memory.unwrap_or_else(|| Memory::new(since, Vec::new()))
            },
            s,
        );
        let fresh = gh.get_issue(n).await?;
        gh.close_issue_with_body(n, "completed", &memory.written_into(fresh.body()))
            .await?;
        Ok(format!("Recovered: commented and closed #{n}."))
    }

    /// Makes `number` the issue tracking the broken sync, triaged now unless the sweep
    /// already did (the bot's own new issue is triaged like any other).
    /// `first`: the issue as just listed, when it was (saves reading it again).
    async fn track(
        &mut self,
        number: u64,
        note: Option<String>,
        first: Option<GhIssue>,
        out: &mut WatchOutcome,
    ) -> Result<(), GithubError> {
        out.issue = Some(number);
        if self.done.contains(&number) {
            return Ok(());
        }
        let mut target = Target::new(number, Trigger::Schedule, true);
        target.watch_note = note;
        target.watch_recall = self.recall.clone();
        let triaged = self.t.triage(target, first).await?;
        out.outcomes.extend(triaged);
        Ok(())
    }
}

/// What the watch writes into its memory whenever it writes its issue anyway.
struct Act<'m> {
    /// The memory read from the watch's latest issue.
    earlier: Option<&'m Memory>,
    /// What this run measured.
    measured: &'m oncall::Measured,
}

impl Act<'_> {
    /// `m` with this run's measurements (see [`Memory::with_measured`]).
    fn kept(&self, m: Memory, s: &Settings<'_>) -> Memory {
        let a = crate::live::supabase::sync_log::anomaly_settings(s.config);
        m.with_measured(self.earlier, self.measured, &a, s.now)
    }
}

/// The memory's part in this run: `supabase.analytics` judged again with the metric
/// columns it saw non-zero, and the tables' row counts compared with the ones it stored
/// (a drop told by `supabase.tables`). Returns what this run measured, for the memory to
/// keep, and the drops. No I/O: the facts are the run's shared ones.
async fn recall(
    live: &Live,
    h: &mut Health,
    earlier: Option<&Memory>,
    s: &Settings<'_>,
) -> (oncall::Measured, Vec<(crate::anomaly::RowDrop, String)>) {
    let empty = Memory::default();
    let before = earlier.unwrap_or(&empty);
    let mut measured = oncall::Measured::default();
    for (dt, findings) in &mut h.rows {
        let after =
            crate::live::supabase::analytics::recall(live, Some(*dt), findings, &before.metrics)
                .await;
        measured.metrics = measured.metrics.or(after);
    }
    let facts = live
        .supabase
        .as_ref()
        .and_then(|sb| sb.table_facts_now())
        .and_then(|f| f.as_ref().ok());
    use crate::live::supabase::tables::{Count, TableState};
    measured.rows = facts
        .into_iter()
        .flatten()
        .filter_map(|t| match &t.state {
            TableState::Present {
                count: Some(Count { rows, exact: true }),
                ..
            } => Some((t.table.clone(), *rows)),
            _ => None,
        })
        .collect();
    measured.rows.dedup();
    let a = crate::live::supabase::sync_log::anomaly_settings(s.config);
    let drops = oncall::row_drops(&before.rows, &measured.rows, &a, s.now);
    for (_, findings) in &mut h.rows {
        oncall::tell_row_drops(findings, &drops);
    }
    (measured, drops)
}

/// The watch's latest issue, open or closed, from one listing of the newest issues with
/// the `monitoring` label: the oldest open one (a race's newer duplicate is closed), else
/// the newest closed one that was not a duplicate. Its body holds the memory.
async fn latest(
    gh: &Github,
    s: &Settings<'_>,
    env: Environment,
) -> Result<Option<Latest>, GithubError> {
    let listed = gh
        .list_labelled_issues(s.config.labels.area("monitoring"))
        .await?;
    for i in listed.iter().filter(|i| i.body().contains(WATCH_MARKER)) {
        s.bot.meet(gh, i.user.as_ref()).await?;
    }
    let own: Vec<&GhIssue> = listed
        .iter()
        .filter(|i| is_watch_issue(i, s, env))
        .collect();
    let open = own
        .iter()
        .filter(|i| i.state != "closed")
        .min_by_key(|i| i.number);
    let closed = own
        .iter()
        .filter(|i| i.state == "closed" && i.state_reason.as_deref() != Some("not_planned"))
        .max_by_key(|i| i.number);
    Ok(open.or(closed).map(|i| Latest {
        issue: (*i).clone(),
        memory: Memory::read(i.body(), s.now),
    }))
}

/// Opens the issue without ever opening it twice: before each attempt the open issues are
/// listed again, and one the bot opened with the marker is used instead.
async fn create(
    gh: &Github,
    title: &str,
    body: &str,
    labels: &[String],
    s: &Settings<'_>,
    env: Environment,
) -> Result<GhIssue, GithubError> {
    let attempts = gh.attempts().max(1);
    for attempt in 1..=attempts {
        let open = open_issues(gh, s).await?;
        if let Some(existing) = watch_issues(&open, s, env).into_iter().next() {
            return Ok(existing);
        }
        match gh.create_issue_once(title, body, labels).await {
            Ok(i) => {
                s.bot.learn(i.user.as_ref());
                return Ok(i);
            }
            Err(e) if e.is_transient() && attempt < attempts => {
                let wait = e.retry_in().unwrap_or_else(|| gh.backoff(attempt));
                tracing::info!(
                    "watch: opening the issue failed ({e}); looking for it before trying again in {} ms",
                    wait.as_millis()
                );
                tokio::time::sleep(wait).await;
            }
            Err(e) => return Err(e),
        }
    }
    Err(GithubError::Transport {
        what: "POST issues".into(),
        message: "no attempt left".into(),
    })
}
