//! Shared by the `action_*` user-story tests: runs the built binary's `run` command with
//! an event payload against the fake GitHub, in the environment GitHub's runner builds
//! from `action.yml` (every declared input as `INPUT_<NAME>`, defaults applied: see
//! `support::runner`), and reads back what it printed, its step outputs and its job
//! summary.
#![allow(dead_code)]

use crate::support::{self, FakeGithub, IssueSpec, RecordedRequest};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

/// The labels the template gives a new issue.
pub const TEMPLATE_LABELS: &[&str] = &["api", "pendo-api", "needs-triage"];

/// What one run of the binary left behind.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub outputs: String,
    pub summary: String,
}

impl Run {
    pub fn ok(&self) -> &Self {
        assert_eq!(
            self.code, 0,
            "run failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Step output `name` (`GITHUB_OUTPUT`'s `name<<DELIM` heredoc form), `None` when it
    /// was not written; the last value wins, as on the runner.
    pub fn output(&self, name: &str) -> Option<String> {
        let mut found = None;
        let mut lines = self.outputs.lines();
        while let Some(line) = lines.next() {
            if let Some(delim) = line.strip_prefix(&format!("{name}<<")) {
                let mut value = Vec::new();
                for l in lines.by_ref() {
                    if l == delim {
                        break;
                    }
                    value.push(l);
                }
                found = Some(value.join("\n"));
            }
        }
        found
    }
}

/// A fake GitHub plus a workspace (checked out, no config file).
pub struct Harness {
    pub gh: FakeGithub,
    pub dir: PathBuf,
    /// The step's environment (`env:` of the workflow, job or step).
    pub env: Vec<(String, String)>,
    /// The step's `with:`: action inputs by their `action.yml` name.
    pub with: Vec<(String, String)>,
    /// The job's `github.token`: what `${{ github.token }}` evaluates to.
    pub github_token: String,
}

impl Harness {
    pub fn new(tag: &str) -> Self {
        let gh = FakeGithub::start();
        let dir = support::temp_dir(tag);
        std::fs::create_dir_all(dir.join("workspace/.git")).unwrap();
        let github_token = gh.token();
        Self {
            gh,
            dir,
            env: Vec::new(),
            with: Vec::new(),
            github_token,
        }
    }

    /// Sets an environment variable (the workflow's `env:`) for every run. Inputs go
    /// through [`Harness::input`], as a workflow's `with:` does.
    pub fn set(&mut self, k: &str, v: &str) {
        assert!(
            !k.starts_with("INPUT_"),
            "set `{k}` through Harness::input (the step's `with:`), not as a raw variable"
        );
        self.env.push((k.into(), v.into()));
    }

    /// Passes action input `name` (as in `action.yml`) in the step's `with:`.
    pub fn input(&mut self, name: &str, value: &str) {
        self.with.retain(|(k, _)| k != name);
        self.with.push((name.into(), value.into()));
    }

    /// Removes an input from the step's `with:` (its default applies again).
    pub fn unset_input(&mut self, name: &str) {
        self.with.retain(|(k, _)| k != name);
    }

    /// Removes the workspace's checkout (`.git`): the job did not run actions/checkout.
    pub fn without_checkout(&self) {
        std::fs::remove_dir_all(self.dir.join("workspace/.git")).unwrap();
    }

    /// The workspace directory (`GITHUB_WORKSPACE`).
    pub fn workspace(&self) -> PathBuf {
        self.dir.join("workspace")
    }

    /// Files an issue as a member with the template's labels.
    pub fn file(&self, title: &str, body: &str) -> u64 {
        self.gh
            .add_issue(IssueSpec::new(title, body).labels(TEMPLATE_LABELS))
    }

    /// Files an issue as a member with the template's labels at `created_at` (RFC 3339).
    pub fn file_at(&self, title: &str, body: &str, created_at: &str) -> u64 {
        let at = pendo_triage::clock::parse_rfc3339(created_at).expect("an RFC 3339 time");
        self.gh.add_issue(
            IssueSpec::new(title, body)
                .labels(TEMPLATE_LABELS)
                .created_at(at as u64),
        )
    }

    /// Sets the bot's clock (`PENDO_TRIAGE_NOW`) for the following runs.
    pub fn set_clock(&mut self, rfc3339: &str) {
        self.env.retain(|(k, _)| k != "PENDO_TRIAGE_NOW");
        self.set("PENDO_TRIAGE_NOW", rfc3339);
    }

    /// Runs `pendo-triage run` for `event_name` with `payload`.
    pub fn run(&self, event_name: &str, payload: &Value) -> Run {
        let n = self.env.len()
            + std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos() as usize;
        let run_dir = self.dir.join(format!("run-{n}"));
        std::fs::create_dir_all(&run_dir).unwrap();
        let event = support::write_event(&run_dir, payload);
        let outputs = run_dir.join("outputs");
        let summary = run_dir.join("summary.md");
        let mut cmd = Command::new(support::bin());
        cmd.arg("run")
            .env_clear()
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_EVENT_NAME", event_name)
            .env("GITHUB_EVENT_PATH", &event)
            .env("GITHUB_REPOSITORY", self.gh.repository())
            .env("GITHUB_API_URL", self.gh.url())
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_RUN_ID", "4242")
            .env("GITHUB_WORKSPACE", self.dir.join("workspace"))
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("PENDO_TRIAGE_WRITE_PAUSE_MS", "0")
            .env("PENDO_TRIAGE_RETRY_BASE_MS", "20")
            .env("PENDO_TRIAGE_MAX_WAIT_SECONDS", "5");
        // A clock moved by libfaketime (CI reruns the suite years ahead) reaches the binary
        // too, so the bot and the fakes agree on "now".
        for (k, v) in std::env::vars() {
            if k == "LD_PRELOAD" || k.starts_with("FAKETIME") {
                cmd.env(k, v);
            }
        }
        for (k, v) in support::runner::input_env(&self.with, &self.github_token) {
            cmd.env(k, v);
        }
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run the pendo-triage binary");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: std::fs::read_to_string(&outputs).unwrap_or_default(),
            summary: std::fs::read_to_string(&summary).unwrap_or_default(),
        }
    }

    /// An `issues` event for issue `n` as it stands, sent by `sender`.
    pub fn issues_event(&self, action: &str, n: u64, sender: &str) -> Value {
        json!({
            "action": action,
            "issue": self.gh.issue_json(n),
            "repository": self.gh.repository_json(),
            "sender": self.gh.user_json(sender),
        })
    }

    pub fn opened(&self, n: u64) -> Run {
        self.run("issues", &self.issues_event("opened", n, "alice"))
    }

    /// A `labeled` event: `label` was just added to issue `n` by `sender`.
    pub fn labeled(&self, n: u64, label: &str, sender: &str) -> Run {
        let mut labels: Vec<String> = self.gh.issue(n).labels;
        if !labels.iter().any(|l| l == label) {
            labels.push(label.into());
        }
        let refs: Vec<&str> = labels.iter().map(String::as_str).collect();
        self.gh.set_issue_labels(n, &refs);
        let mut e = self.issues_event("labeled", n, sender);
        e["label"] = json!({"name": label, "color": "ededed"});
        self.run("issues", &e)
    }

    /// A person posts `body` as a comment on `n`, and the `issue_comment` event fires.
    pub fn comment(&self, n: u64, author: &str, association: &str, body: &str) -> Run {
        let id = self.gh.add_comment(n, author, association, body);
        let e = json!({
            "action": "created",
            "issue": self.gh.issue_json(n),
            "comment": self.gh.comment_json(id),
            "repository": self.gh.repository_json(),
            "sender": self.gh.user_json(author),
        });
        self.run("issue_comment", &e)
    }

    /// The bot's report comments on `n` (written by the bot, carrying the marker).
    pub fn reports(&self, n: u64) -> Vec<String> {
        self.gh
            .comments(n)
            .into_iter()
            .filter(|c| c.author == support::BOT_LOGIN)
            .filter(|c| c.body.contains("<!-- pendo-triage:report -->"))
            .map(|c| c.body)
            .collect()
    }

    /// Writes since the last `clear_requests`, as lines.
    pub fn write_lines(&self) -> Vec<String> {
        self.gh.writes().iter().map(RecordedRequest::line).collect()
    }
}

/// Asserts that `after` differs from `before` only by checklist marks set inside `[ ]`
/// and masked secrets (`redacted` is `before` with secrets masked).
pub fn assert_only_ticks(redacted: &str, after: &str) {
    assert_eq!(
        redacted.len(),
        after.len(),
        "the body changed length beyond ticks and redactions"
    );
    let (a, b) = (redacted.as_bytes(), after.as_bytes());
    for i in 0..a.len() {
        if a[i] != b[i] {
            assert!(
                a[i] == b' ' && b[i] == b'x' && a[i - 1] == b'[' && a[i + 1] == b']',
                "byte {i} changed outside a checklist bracket: {:?}",
                String::from_utf8_lossy(&b[i.saturating_sub(20)..(i + 20).min(b.len())])
            );
        }
    }
}

/// The number of `[x]` marks in a body.
pub fn ticks(body: &str) -> usize {
    body.matches("[x]").count() + body.matches("[X]").count()
}
