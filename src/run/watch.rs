//! The watch's reads and writes: check the production sync for every configured data
//! type, then open one issue, keep the one that is open, or close it on recovery.
//!
//! Safety against races and faults: open watch issues are listed again right before one
//! is created; a failed creation (a 502 may come after the issue was made) is followed by
//! that listing, never by a blind second POST; after creating, a duplicate left by a
//! concurrent run is closed, the older issue kept. Only issues the bot itself opened
//! count as watch issues, and only those are ever closed.

use super::issue::{self, Outcome, RepoLabels, Settings};
use crate::event::{Target, Trigger};
use crate::github::{GhIssue, Github, GithubError};
use crate::issue::{DataType, Environment};
use crate::live::contexts::LiveContexts;
use crate::live::{Live, LiveInputs};
use crate::watch::{self, Health, RECOVERED_MARKER, WATCH_MARKER};
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
    pub outcomes: Vec<Outcome>,
}

/// True for an issue the watch opened, judged by everything the bot writes into one: its
/// author is the bot (`github-actions[bot]` of type `Bot`), its body carries the marker and
/// the template's fields for `env`, its title the `[API]` prefix, and it carries the
/// `monitoring` label. Another workflow that files as `github-actions[bot]` and copies
/// the marker does not make its issue the watch's (nor get it closed "on recovery").
fn is_watch_issue(i: &GhIssue, s: &Settings, env: Environment) -> bool {
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
            let parsed = crate::issue::parse(&crate::secrets::redact(i.body()));
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
        rows.push((dt, live.run_all(&inputs).await));
    }
    Health { rows }
}

/// What every step of the watch works with.
pub struct Watch<'a, 'b> {
    pub gh: &'a Github,
    /// Every environment's live context; the watch checks `environment`'s.
    pub lives: &'a LiveContexts,
    /// The environment whose sync this watch checks (its issue says it; a critical
    /// finding outside Production is a P1 by the severity policy).
    pub environment: Environment,
    pub repo_labels: &'a mut RepoLabels,
    pub s: &'a Settings<'b>,
    pub workspace: Option<&'a Path>,
    /// The issues this run already triaged (the sweep).
    pub done: &'a [u64],
}

impl Watch<'_, '_> {
    /// Runs the watch.
    pub async fn run(mut self) -> Result<WatchOutcome, GithubError> {
        let h = health(self.lives.of(self.environment), self.s).await;
        let mut out = WatchOutcome {
            healthy: h.healthy(),
            ..Default::default()
        };
        let text = match h.healthy() {
            None => "Nothing was checked, so nothing was opened.".to_string(),
            Some(false) => self.broken(&h, &mut out).await?,
            Some(true) => recovered(self.gh, self.s, self.environment).await?,
        };
        tracing::info!("watch: {text}");
        out.summary = watch::table(&h, self.environment, &text);
        Ok(out)
    }

    async fn broken(&mut self, h: &Health, out: &mut WatchOutcome) -> Result<String, GithubError> {
        let (gh, s, env) = (self.gh, self.s, self.environment);
        let open = open_issues(gh, s).await?;
        if let Some(existing) = watch_issues(&open, s, env).first() {
            self.track(existing.number, out).await?;
            return Ok(format!(
                "Still broken: #{} stays open; its report is updated in place.",
                existing.number
            ));
        }
        if let Some(n) = persons_issue(&open, &h.failing_types(), s, env) {
            self.track(n, out).await?;
            return Ok(format!(
                "Broken, and #{n} (a person's issue about {}) already tracks it: rechecked it instead of opening another.",
                env.as_str()
            ));
        }
        let template = template(gh, self.workspace).await;
        let Some((title, body)) = watch::issue(&template, h, env, s.now) else {
            return Ok("Broken, but no finding to file.".into());
        };
        let labels = watch::labels(&template, s.config);
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
        self.track(keep, out).await?;
        Ok(if keep == created.number {
            format!("Broken: opened #{keep}.")
        } else {
            format!("Broken: #{keep} was opened at the same time by another run; kept it.")
        })
    }

    /// Makes `number` the issue tracking the broken sync, triaged now unless the sweep
    /// already did (the bot's own new issue is triaged like any other).
    async fn track(&mut self, number: u64, out: &mut WatchOutcome) -> Result<(), GithubError> {
        out.issue = Some(number);
        if self.done.contains(&number) {
            return Ok(());
        }
        let target = Target::new(number, Trigger::Schedule, true);
        let triaged =
            issue::triage_issue(self.gh, self.lives, self.repo_labels, self.s, target, None)
                .await?;
        out.outcomes.extend(triaged);
        Ok(())
    }
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

async fn recovered(gh: &Github, s: &Settings<'_>, env: Environment) -> Result<String, GithubError> {
    let open = open_issues(gh, s).await?;
    let Some(w) = watch_issues(&open, s, env).into_iter().next() else {
        return Ok("Healthy: nothing to open.".into());
    };
    let since = crate::clock::parse_rfc3339(&w.created_at).unwrap_or(s.now);
    if s.dry_run {
        return Ok(format!(
            "Recovered: would have closed #{} (dry run).",
            w.number
        ));
    }
    let commented = gh
        .list_comments(w.number)
        .await?
        .iter()
        .any(|c| s.bot.is(c.user.as_ref()) && c.body().contains(RECOVERED_MARKER));
    if !commented {
        gh.create_comment_once(w.number, &watch::recovery_comment(env, s.now, since))
            .await?;
    }
    gh.close_issue(w.number, "completed").await?;
    Ok(format!("Recovered: commented and closed #{}.", w.number))
}
