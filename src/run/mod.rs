//! `pendo-triage run`: the GitHub Action entry point.
//!
//! Reads the Actions environment (through [`crate::action`], the only reader), masks the
//! secrets, loads the config (workspace first, else the contents API), reads the event,
//! decides what to triage ([`crate::event`]), and triages one issue or sweeps every open
//! `[API]` issue, one write at a time. Results go to the issue, the job summary and the
//! step outputs. A GitHub failure that persists ends the run non-zero with `::error::`.

pub mod identity;
pub mod issue;
pub mod plan;
pub mod settings;
pub mod watch;
pub mod workflow;

use crate::action::{ActionEnv, Env};
use crate::config::{Config, ConfigError};
use crate::credentials::ByEnvironment;
use crate::event::{self, EventError, Intake, Target, Trigger};
use crate::github::{Github, GithubError, RetryPolicy};
use crate::issue::Environment;
use crate::live::contexts::{LiveContexts, Sent};
use crate::outside::{Sink, emit};
use crate::secrets::held::{Credential, Held};
use issue::{RepoLabels, Triaged, Triager};
pub use settings::Settings;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What a run did, for outputs, tests and the bench.
#[derive(Debug, Default)]
pub struct RunReport {
    pub outcomes: Vec<Triaged>,
    /// Issues that failed in a sweep, with the reason.
    pub failures: Vec<(u64, String)>,
    /// GitHub API exchanges (every attempt counts), and the non-GET ones.
    pub calls: u32,
    pub writes: u32,
    /// Of `calls`, those listing or creating repository labels.
    pub label_calls: u32,
    /// Times the live check set ran, and the time spent in it.
    pub live_runs: u32,
    /// Requests sent to Pendo.
    pub pendo_requests: u32,
    /// What each environment's live context sent (Pendo, REST, database).
    pub sent: Vec<Sent>,
    pub live_time: Duration,
    pub wall: Duration,
    /// Why nothing was done, when nothing was.
    pub ignored: Option<String>,
    /// What the watch did, when it ran.
    pub watch: Option<watch::WatchOutcome>,
}

/// Why a run failed. The texts say what to fix where that is known; the issue, listing
/// and watch variants name the step and keep GitHub's error as their cause.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The environment or the credentials (their own message says what to fix).
    #[error(transparent)]
    Env(#[from] crate::action::EnvError),
    /// The live checks' HTTP client could not start.
    #[error(transparent)]
    Client(#[from] crate::live::http::ClientError),
    #[error(
        "no GitHub token: pass `github-token: ${{{{ github.token }}}}` to the action (or set GITHUB_TOKEN)"
    )]
    NoToken,
    #[error(transparent)]
    Github(#[from] GithubError),
    #[error(transparent)]
    Event(#[from] EventError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("config {}: {error}", path.display())]
    ConfigFile {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("reading the config {path} through the API")]
    ConfigApi {
        path: String,
        #[source]
        source: GithubError,
    },
    #[error(
        "config {path} was not found in the workspace or the repository; fix the `config` input or add the file"
    )]
    ConfigMissing { path: String },
    #[error("GITHUB_EVENT_PATH {}", path.display())]
    EventFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the event payload {} is not JSON", path.display())]
    EventJson {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("GITHUB_EVENT_PATH is not set; `run` needs the event payload of a `{event}` event")]
    NoEventPath { event: String },
    #[error("issue #{number}")]
    Issue {
        number: u64,
        #[source]
        source: GithubError,
    },
    #[error("listing open issues")]
    ListIssues(#[source] GithubError),
    #[error("watch")]
    Watch(#[source] GithubError),
    #[error("writing {what} {}", path.display())]
    Write {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{count} of the swept issues failed: {list}")]
    Sweep { count: usize, list: String },
    #[error("starting the async runtime")]
    Runtime(#[source] std::io::Error),
}

impl RunError {
    fn write(what: &'static str, path: &std::path::Path, source: std::io::Error) -> Self {
        Self::Write {
            what,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The `run` command: a runtime, [`execute`], and the `::error::` annotation on failure.
pub fn run_action(env: &Env) -> Result<(), RunError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    match rt.block_on(execute(env)) {
        Ok(_) => Ok(()),
        Err(e) => {
            workflow::error(&crate::errors::error_chain(&e));
            Err(e)
        }
    }
}

/// Runs the action.
pub async fn execute(env: &Env) -> Result<RunReport, RunError> {
    let started = Instant::now();
    let (a, by_env, gh) = connect(env)?;
    // A bad event file is reported before any network call.
    let payload = read_payload(&a)?;
    let config = load_config(env, &a, &gh).await?;
    let by_env = by_env.with_owner(config.live.credentials_environment);
    let creds = by_env.of(by_env.owner());
    let number_input = a.issue_number.clone().or_else(|| {
        payload
            .pointer("/inputs/issue-number")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    });
    let intake = event::intake(
        &a.event_name,
        &payload,
        number_input.as_deref(),
        &a.bot_logins,
        &config.labels,
    )?;

    let bot = identity::Identity::new(a.bot_logins.clone());
    let settings = Settings {
        config: &config,
        creds: &creds,
        run_url: a.run_url.as_deref(),
        dry_run: a.dry_run,
        now: a.now,
        bot: &bot,
    };
    let lives = LiveContexts::new(&config, &by_env, a.now)?;
    let mut run = Session {
        t: Triager {
            gh: &gh,
            lives: &lives,
            s: &settings,
            repo_labels: RepoLabels::default(),
        },
        a: &a,
        report: RunReport::default(),
    };
    run.intake(intake).await?;
    run.watch().await?;
    let mut report = run.report;
    report.calls = gh.calls();
    report.writes = gh.writes();
    report.label_calls = gh.label_calls();
    (report.live_runs, report.live_time) = lives.stats();
    report.pendo_requests = lives.pendo_requests();
    report.sent = lives.sent();
    publish(&a, &report)?;
    report.wall = started.elapsed();
    finish(report)
}

/// Reads the action's settings and every environment's credentials, masks the secrets
/// (all of them: whichever environment's answers), and makes the GitHub client.
fn connect(env: &Env) -> Result<(ActionEnv, ByEnvironment, Github), RunError> {
    let a = env.action()?;
    let creds = env.credentials_by_environment()?;
    let token = a.token.clone().ok_or(RunError::NoToken)?;
    let mut secrets = creds.secret_values();
    secrets.push(token.expose().to_string());
    workflow::mask(&secrets.iter().map(String::as_str).collect::<Vec<_>>());
    let mut held = creds.held();
    held.push(Credential::GithubToken(token.expose()));
    crate::secrets::held::install(Held::new(&held));

    let retry = RetryPolicy {
        base: Duration::from_millis(a.retry_base_ms),
        max_wait: Duration::from_secs(a.max_wait_seconds),
        ..RetryPolicy::default()
    };
    let gh = Github::new(&a.api_url, token.expose(), &a.repository, retry)?;
    Ok((a, creds, gh))
}

/// The last log line; the run fails when a swept issue did.
fn finish(report: RunReport) -> Result<RunReport, RunError> {
    tracing::info!(
        "done: {} issue(s), {} GitHub call(s) ({} write(s)), live checks ran {} time(s)",
        report.outcomes.len(),
        report.calls,
        report.writes,
        report.live_runs
    );
    for s in &report.sent {
        tracing::info!(
            "live requests for {}: {} to Pendo, {} to Supabase's REST API, {} database queries",
            s.environment.as_str(),
            s.pendo,
            s.rest,
            s.queries
        );
    }
    if !report.failures.is_empty() {
        let list: Vec<String> = report
            .failures
            .iter()
            .map(|(n, e)| format!("#{n}: {e}"))
            .collect();
        return Err(RunError::Sweep {
            count: report.failures.len(),
            list: list.join("; "),
        });
    }
    Ok(report)
}

/// One run's clients, settings and what it did so far.
struct Session<'a, 'b> {
    t: Triager<'a, 'b>,
    a: &'a ActionEnv,
    report: RunReport,
}

impl Session<'_, '_> {
    /// Triages what the event asks for: nothing, one issue, or every open `[API]` issue.
    async fn intake(&mut self, intake: Intake) -> Result<(), RunError> {
        match intake {
            Intake::Ignore(why) => {
                tracing::info!("nothing to do: {why}");
                self.report.ignored = Some(why);
            }
            Intake::One(t) => {
                tracing::info!(
                    "triaging #{} ({:?}, live checks {})",
                    t.number,
                    t.trigger,
                    if t.live_allowed {
                        "allowed"
                    } else {
                        "not allowed"
                    }
                );
                let number = t.number;
                let outcome = self
                    .t
                    .triage(t, None)
                    .await
                    .map_err(|source| RunError::Issue { number, source })?;
                self.report.outcomes.extend(outcome);
            }
            Intake::Sweep(trigger) => sweep(&mut self.t, self.a, trigger, &mut self.report).await?,
        }
        Ok(())
    }

    /// The watch, when it is on. It acts on schedule and dispatch only: nobody outside the
    /// team can make the bot file issues.
    async fn watch(&mut self) -> Result<(), RunError> {
        if !self.a.watch {
            return Ok(());
        }
        let event = self.a.event_name.as_str();
        if !watching(self.a) {
            tracing::info!("watch: not on `{event}` events (only schedule and workflow_dispatch)");
            return Ok(());
        }
        let done: Vec<u64> = self.report.outcomes.iter().map(|o| o.number).collect();
        let environments = watched_environments(self.t.s.config);
        let mut all = watch::WatchOutcome::default();
        for (i, environment) in environments.iter().enumerate() {
            let w = watch::Watch {
                t: &mut self.t,
                environment: *environment,
                workspace: self.a.workspace.as_deref(),
                done: &done,
                recall: None,
            }
            .run()
            .await
            .map_err(RunError::Watch)?;
            all.healthy = match (all.healthy, w.healthy) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (a, b) => a.or(b),
            };
            all.issue = all.issue.or(w.issue);
            if environments.len() > 1 {
                all.summary
                    .push_str(&format!("#### {}\n\n", environment.as_str()));
            }
            all.summary.push_str(&w.summary);
            if i + 1 < environments.len() {
                all.summary.push('\n');
            }
            all.outcomes.extend(w.outcomes);
        }
        self.report.outcomes.extend(all.outcomes.iter().cloned());
        self.report.watch = Some(all);
        Ok(())
    }
}

/// Whether this run watches the sync: the `watch` input on schedule and dispatch.
fn watching(a: &ActionEnv) -> bool {
    a.watch && matches!(a.event_name.as_str(), "schedule" | "workflow_dispatch")
}

/// The environments the watch checks (`watch.environments`), each with its own live
/// context and its own watch issue (outside Production a critical finding is a P1).
fn watched_environments(config: &Config) -> Vec<Environment> {
    config.watch.environments.clone()
}

async fn sweep(
    t: &mut Triager<'_, '_>,
    a: &ActionEnv,
    trigger: Trigger,
    report: &mut RunReport,
) -> Result<(), RunError> {
    let (gh, s) = (t.gh, t.s);
    let issues: Vec<_> = gh
        .list_open_issues()
        .await
        .map_err(RunError::ListIssues)?
        .into_iter()
        .filter(|i| event::is_api_issue(&i.title, &i.label_names(), &s.config.labels))
        // The watch triages its own issue itself, with its state (recovering, say).
        .filter(|i| !(watching(a) && watch::is_any_watch_issue(i, s)))
        .collect();
    tracing::info!(
        "sweeping {} open {} issue(s)",
        issues.len(),
        event::TITLE_PREFIX
    );
    let pause = Duration::from_millis(a.write_pause_ms);
    let mut wrote_last = false;
    for i in issues {
        let number = i.number;
        if wrote_last && !pause.is_zero() && !s.dry_run {
            tokio::time::sleep(pause).await;
        }
        match t.triage(Target::new(number, trigger, true), Some(i)).await {
            Ok(Some(o)) => {
                wrote_last = !o.changes.is_empty();
                report.outcomes.push(o);
            }
            Ok(None) => wrote_last = false,
            Err(e) => {
                workflow::warning(&format!("issue #{number}: {e}"));
                report.failures.push((number, e.to_string()));
                wrote_last = true;
            }
        }
    }
    Ok(())
}

/// The config: `$GITHUB_WORKSPACE/<path>` when the repository is checked out, else the
/// contents API; defaults when the default path has no file.
async fn load_config(env: &Env, a: &ActionEnv, gh: &Github) -> Result<Config, RunError> {
    let (path, explicit) = env.config_path();
    if let Some(ws) = &a.workspace {
        let full = ws.join(&path);
        match std::fs::read_to_string(&full) {
            Ok(text) => return Ok(Config::from_yaml(&text, &path)?),
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(RunError::ConfigFile { path: full, error });
            }
            Err(_) if !explicit && ws.join(".git").exists() => return Ok(Config::default()),
            Err(_) => {}
        }
    }
    match gh
        .get_file(&path)
        .await
        .map_err(|source| RunError::ConfigApi {
            path: path.clone(),
            source,
        })? {
        Some(text) => Ok(Config::from_yaml(
            &text,
            &format!("{}:{path}", a.repository),
        )?),
        None if explicit => Err(RunError::ConfigMissing { path }),
        None => Ok(Config::default()),
    }
}

fn read_payload(a: &ActionEnv) -> Result<serde_json::Value, RunError> {
    let needs = matches!(a.event_name.as_str(), "issues" | "issue_comment");
    match &a.event_path {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| RunError::EventFile {
                path: p.clone(),
                source,
            })?;
            serde_json::from_str(&text).map_err(|source| RunError::EventJson {
                path: p.clone(),
                source,
            })
        }
        None if needs => Err(RunError::NoEventPath {
            event: a.event_name.clone(),
        }),
        None => Ok(serde_json::Value::Null),
    }
}

/// The most `report-json` may hold. GitHub keeps at most 1 MB of outputs per job; a
/// sweep's reports grow about 4 KB per issue, so past this cap the later issues are
/// listed by number, severity and diagnosis only.
const MAX_REPORT_JSON_BYTES: usize = 512 * 1024;

/// Step outputs, the job summary, and the report in the log. Outputs carry the same
/// neutralised text as the comment: they end up in notifiers and chat.
fn publish(a: &ActionEnv, r: &RunReport) -> Result<(), RunError> {
    if let (Some(path), Some(warning)) = (&a.summary_file, weak_credentials_note()) {
        workflow::append(path, &warning)
            .map_err(|source| RunError::write("GITHUB_STEP_SUMMARY", path, source))?;
    }
    if let Some(w) = &r.watch {
        if let Some(path) = &a.output_file {
            let healthy = w.healthy.map_or(String::new(), |h| h.to_string());
            let issue = w.issue.map_or(String::new(), |n| n.to_string());
            let text = workflow::format_outputs(&[("healthy", healthy), ("watch-issue", issue)]);
            workflow::append(path, &text)
                .map_err(|source| RunError::write("GITHUB_OUTPUT", path, source))?;
        }
        if let Some(path) = &a.summary_file {
            workflow::append(path, &format!("{}\n", w.summary))
                .map_err(|source| RunError::write("GITHUB_STEP_SUMMARY", path, source))?;
        }
    }
    let (severity, verdict, json) = match r.outcomes.as_slice() {
        [] => return Ok(()),
        [one] => {
            let mut v = one.json.clone();
            crate::outside::json(&mut v, Sink::Neutral);
            (
                one.severity.to_string(),
                emit(&one.diagnosis, 300, Sink::Markdown),
                v.to_string(),
            )
        }
        many => {
            let worst = many
                .iter()
                .map(|o| o.severity)
                .min()
                .unwrap_or(crate::config::Severity::P2);
            (
                worst.to_string(),
                format!("{} issues triaged; worst {worst}", many.len()),
                sweep_json(many),
            )
        }
    };
    if let [one] = r.outcomes.as_slice() {
        workflow::echo_untrusted(&format!("Report for #{}:", one.number), &one.visible);
    }
    // The report comment of the last issue triaged (a sweep's last); empty in a dry run.
    let comment = r.outcomes.last().and_then(|o| o.comment.as_ref());
    if let Some(path) = &a.output_file {
        let text = workflow::format_outputs(&[
            ("severity", severity),
            ("verdict", verdict),
            ("report-json", json),
            (
                "comment-id",
                comment.map_or(String::new(), |c| c.id.to_string()),
            ),
            (
                "comment-url",
                comment.map_or(String::new(), |c| c.url.clone()),
            ),
        ]);
        workflow::append(path, &text)
            .map_err(|source| RunError::write("GITHUB_OUTPUT", path, source))?;
    }
    if let Some(path) = &a.summary_file {
        let text = match r.outcomes.as_slice() {
            [one] => format!("{}\n", one.visible),
            many => summary_table(many),
        };
        workflow::append(path, &text)
            .map_err(|source| RunError::write("GITHUB_STEP_SUMMARY", path, source))?;
    }
    Ok(())
}

/// The job summary's warning about weak credentials (their input names, never values):
/// a weak value is masked only where it stands as a whole word in outside text.
fn weak_credentials_note() -> Option<String> {
    let weak = crate::secrets::held::weak();
    (!weak.is_empty()).then(|| {
        format!(
            "> [!WARNING]\n> **Weak credential{}:** {} {} short, a common word or only letters, so it is masked only where it stands as a whole word in what Pendo, Supabase or GitHub answer. Use a long random value.\n\n",
            if weak.len() == 1 { "" } else { "s" },
            weak.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
            if weak.len() == 1 { "is" } else { "are" },
        )
    })
}

/// Every swept issue's JSON report, within [`MAX_REPORT_JSON_BYTES`]: every issue gets
/// at least a short entry (number, severity, diagnosis), and the first ones their full
/// report while the room lasts.
pub fn sweep_json(outcomes: &[Triaged]) -> String {
    let entry = |v: serde_json::Value| {
        let mut v = v;
        crate::outside::json(&mut v, Sink::Neutral);
        v.to_string()
    };
    let fulls: Vec<String> = outcomes
        .iter()
        .map(|o| {
            let mut v = o.json.clone();
            v["issue"] = serde_json::json!(o.number);
            entry(v)
        })
        .collect();
    let shorts: Vec<String> = outcomes
        .iter()
        .map(|o| {
            entry(serde_json::json!({
                "issue": o.number,
                "severity": o.severity,
                "diagnosis": o.diagnosis,
                "truncated": true,
            }))
        })
        .collect();
    let mut size: usize = 2 + shorts.iter().map(|e| e.len() + 1).sum::<usize>();
    let mut chosen: Vec<&String> = shorts.iter().collect();
    for (i, full) in fulls.iter().enumerate() {
        let grows = full.len().saturating_sub(shorts[i].len());
        if size + grows > MAX_REPORT_JSON_BYTES {
            break;
        }
        size += grows;
        chosen[i] = full;
    }
    let mut out = String::from("[");
    for (i, e) in chosen.iter().enumerate() {
        if out.len() + e.len() + 2 > MAX_REPORT_JSON_BYTES {
            workflow::warning(&format!(
                "report-json holds the first {i} of {} issues (the output is capped at {MAX_REPORT_JSON_BYTES} bytes); the job summary lists them all",
                outcomes.len()
            ));
            break;
        }
        if i > 0 {
            out.push(',');
        }
        out.push_str(e);
    }
    out.push(']');
    out
}

/// One markdown table of every swept issue.
pub fn summary_table(outcomes: &[Triaged]) -> String {
    let mut out = format!(
        "### pendo-triage sweep: {} issue(s)\n\n| Issue | Title | Severity | Diagnosis | Changes |\n|---|---|---|---|---|\n",
        outcomes.len()
    );
    for o in outcomes {
        let changes = if o.changes.is_empty() {
            "—".to_string()
        } else {
            emit(o.changes.join("; "), 200, Sink::Markdown)
        };
        out.push_str(&format!(
            "| #{} | {} | {} | {} | {} |\n",
            o.number,
            emit(&o.title, 80, Sink::Markdown),
            o.severity,
            emit(&o.diagnosis, 160, Sink::Markdown),
            changes
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Severity;

    fn outcome(number: u64, evidence_kb: usize) -> Triaged {
        Triaged {
            number,
            title: format!("[API] #{number}"),
            severity: Severity::P1,
            diagnosis: "Pendo is slow <!channel> @org/team".into(),
            json: serde_json::json!({"severity": "P1", "evidence": "x".repeat(evidence_kb * 1024)}),
            visible: String::new(),
            changes: Vec::new(),
            comment: None,
        }
    }

    #[test]
    fn run_errors_say_what_they_said_and_keep_their_causes() {
        assert_eq!(
            RunError::NoToken.to_string(),
            "no GitHub token: pass `github-token: ${{ github.token }}` to the action (or set GITHUB_TOKEN)"
        );
        let e = RunError::Issue {
            number: 7,
            source: GithubError::Transport {
                what: "GET issues/7".into(),
                message: "reset".into(),
            },
        };
        assert_eq!(
            crate::errors::error_chain(&e),
            "issue #7: GitHub request GET issues/7 failed: reset"
        );
        // The config file's own error is part of the message, not a cause.
        let e = RunError::ConfigFile {
            path: "a.yml".into(),
            error: std::io::Error::other("denied"),
        };
        assert!(std::error::Error::source(&e).is_none());
        assert_eq!(crate::errors::error_chain(&e), "config a.yml: denied");
        let e = RunError::Sweep {
            count: 2,
            list: "#1: x; #2: y".into(),
        };
        assert_eq!(e.to_string(), "2 of the swept issues failed: #1: x; #2: y");
    }

    #[test]
    fn a_sweeps_report_json_stays_under_the_cap_and_names_every_issue() {
        // 300 issues of ~4 KB each: 1.2 MB of reports, over GitHub's output limit.
        let many: Vec<Triaged> = (1..=300).map(|n| outcome(n, 4)).collect();
        let text = sweep_json(&many);
        assert!(text.len() <= MAX_REPORT_JSON_BYTES, "{}", text.len());
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let items = v.as_array().unwrap();
        assert_eq!(
            items.len(),
            300,
            "every issue is listed, in full or in short"
        );
        assert!(items.iter().any(|i| i["truncated"] == true));
        assert_eq!(items[0]["issue"], 1);
        assert!(items[0]["evidence"].is_string(), "the first ones in full");
        // Outputs are neutralised: no ping survives.
        assert!(
            !text.contains("<!channel>") && !text.contains("@org"),
            "neutralised"
        );
    }
}
