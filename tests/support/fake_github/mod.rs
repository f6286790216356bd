//! A stateful fake of GitHub's REST API on 127.0.0.1, for integration tests
//! that run the real `pendo-triage` binary against it (`GITHUB_API_URL`).
//!
//! One repository (`owner/repo` unless configured) with issues, comments,
//! labels and files; GitHub's JSON shapes, status codes, error bodies,
//! `Link` pagination and rate-limit headers; every request recorded; and
//! faults a test can inject (a 502 after the write happened, secondary and
//! primary rate limits, a person editing the body between the bot's read and
//! its write, slowness).
//!
//! The server runs on its own thread and tokio runtime, so blocking tests can
//! use it while they wait on a child process; it stops when dropped.

mod faults;
mod routes;
mod server;
mod state;
pub(crate) use state::percent_decode;

use std::collections::HashMap;
use std::future::IntoFuture;
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use axum::Router;

pub use axum::http::Method;
pub use faults::{Fault, FaultKind};

use state::{State, TokenInfo, epoch_now, is_write};

/// The token the fake maps to `github-actions[bot]` by default.
pub const BOT_TOKEN: &str = "ghs_fakeBotToken0000000000000000000000";
/// A second default token, for a repository owner (`maintainer`, `OWNER`).
pub const MAINTAINER_TOKEN: &str = "ghp_fakeMaintainerToken00000000000000";
/// The login `BOT_TOKEN` authenticates as.
pub const BOT_LOGIN: &str = "github-actions[bot]";

/// How to start the fake.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub owner: String,
    pub repo: String,
    /// `(token, login, author_association)` triples the fake accepts.
    pub tokens: Vec<(String, String, String)>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            owner: "owner".into(),
            repo: "repo".into(),
            tokens: vec![
                (BOT_TOKEN.into(), BOT_LOGIN.into(), "NONE".into()),
                (MAINTAINER_TOKEN.into(), "maintainer".into(), "OWNER".into()),
            ],
        }
    }
}

/// An issue (or pull request) to put in the repository. Unknown labels are
/// created grey, as GitHub does.
#[derive(Debug, Clone)]
pub struct IssueSpec {
    /// `None`: one more than the highest number so far.
    pub number: Option<u64>,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub author: String,
    pub author_association: String,
    pub is_pull_request: bool,
    /// Unix seconds of `created_at`; `None`: the fake's clock at creation.
    pub created_at: Option<u64>,
}

impl Default for IssueSpec {
    fn default() -> Self {
        IssueSpec {
            number: None,
            title: "[API] Something broke".into(),
            body: String::new(),
            labels: Vec::new(),
            author: "alice".into(),
            author_association: "MEMBER".into(),
            is_pull_request: false,
            created_at: None,
        }
    }
}

impl IssueSpec {
    pub fn new(title: &str, body: &str) -> IssueSpec {
        IssueSpec {
            title: title.into(),
            body: body.into(),
            ..IssueSpec::default()
        }
    }

    pub fn labels(mut self, labels: &[&str]) -> IssueSpec {
        self.labels = labels.iter().map(|l| (*l).to_string()).collect();
        self
    }

    pub fn author(mut self, login: &str, association: &str) -> IssueSpec {
        self.author = login.into();
        self.author_association = association.into();
        self
    }

    pub fn number(mut self, number: u64) -> IssueSpec {
        self.number = Some(number);
        self
    }

    /// Files the issue at `unix_secs` (its `created_at` and `updated_at`).
    pub fn created_at(mut self, unix_secs: u64) -> IssueSpec {
        self.created_at = Some(unix_secs);
        self
    }

    pub fn pull_request(mut self) -> IssueSpec {
        self.is_pull_request = true;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueSnapshot {
    pub number: u64,
    pub title: String,
    /// `""` when GitHub would send `null`.
    pub body: String,
    /// Sorted as GitHub lists them (by name, case-insensitively).
    pub labels: Vec<String>,
    pub state: String,
    /// `completed`, `not_planned`, … once closed.
    pub state_reason: Option<String>,
    /// Who opened it.
    pub author: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentSnapshot {
    pub id: u64,
    pub author: String,
    pub body: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelSnapshot {
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

/// One request as the fake saw it and answered it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: Method,
    /// As sent, still percent-encoded (`/repos/owner/repo/labels/a%20b`).
    pub path: String,
    /// The raw query string, without `?` (`""` when none).
    pub query: String,
    pub body: String,
    pub status: u16,
    /// Request headers, names lowercase.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// `"PATCH /repos/owner/repo/issues/1"`, handy in assertion messages.
    pub fn line(&self) -> String {
        format!("{} {} -> {}", self.method, self.path, self.status)
    }
}

pub(crate) type Shared = Arc<Mutex<State>>;

/// The running fake. Dropping it stops the server.
pub struct FakeGithub {
    state: Shared,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeGithub {
    /// Starts the fake for `owner/repo` with the default tokens.
    pub fn start() -> FakeGithub {
        FakeGithub::start_with(FakeConfig::default())
    }

    pub fn start_with(config: FakeConfig) -> FakeGithub {
        let listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("fake GitHub: bind 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("fake GitHub: set_nonblocking");
        let addr = listener.local_addr().expect("fake GitHub: local_addr");
        let url = format!("http://{addr}");
        let tokens: HashMap<String, TokenInfo> = config
            .tokens
            .iter()
            .map(|(t, login, association)| {
                (
                    t.clone(),
                    TokenInfo {
                        login: login.clone(),
                        association: association.clone(),
                    },
                )
            })
            .collect();
        let mut st = State::new(&config.owner, &config.repo, tokens);
        st.base_url = url.clone();
        let state: Shared = Arc::new(Mutex::new(st));
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::Builder::new()
            .name("fake-github".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("fake GitHub: runtime");
                rt.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("fake GitHub: listener");
                    let app = Router::new().fallback(server::handle).with_state(shared);
                    tokio::select! {
                        _ = axum::serve(listener, app).into_future() => {}
                        _ = stopped => {}
                    }
                });
                rt.shutdown_timeout(Duration::from_millis(200));
            })
            .expect("fake GitHub: spawn thread");
        FakeGithub {
            state,
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`: the value for `GITHUB_API_URL`.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// `owner/repo`: the value for `GITHUB_REPOSITORY`.
    pub fn repository(&self) -> String {
        let st = self.lock();
        format!("{}/{}", st.owner, st.repo)
    }

    /// The token that authenticates as `github-actions[bot]` by default.
    pub fn token(&self) -> String {
        BOT_TOKEN.to_string()
    }

    /// Accept `token` as `login` with `association`.
    pub fn add_token(&self, token: &str, login: &str, association: &str) {
        self.lock().tokens.insert(
            token.into(),
            TokenInfo {
                login: login.into(),
                association: association.into(),
            },
        );
    }

    /// Adds an issue and returns its number.
    pub fn add_issue(&self, spec: IssueSpec) -> u64 {
        let mut st = self.lock();
        let n = st.create_issue(
            spec.number,
            &spec.title,
            Some(&spec.body),
            &spec.labels,
            &spec.author,
            &spec.author_association,
            spec.is_pull_request,
        );
        if let (Some(at), Some(issue)) = (spec.created_at, st.issues.get_mut(&n)) {
            issue.created_at = at;
            issue.updated_at = at;
        }
        n
    }

    /// Adds a comment to issue `issue` and returns its id.
    pub fn add_comment(&self, issue: u64, author: &str, association: &str, body: &str) -> u64 {
        let mut st = self.lock();
        assert!(
            st.issues.contains_key(&issue),
            "fake GitHub: no issue #{issue}"
        );
        st.create_comment(issue, author, association, body)
    }

    /// Adds a repository label (replacing colour and description if it exists).
    pub fn add_label(&self, name: &str, color: &str, description: &str) {
        let mut st = self.lock();
        let desc = (!description.is_empty()).then_some(description);
        match st.find_label(name) {
            Some(id) => {
                let l = st.labels.get_mut(&id).expect("label exists");
                l.color = color.to_ascii_lowercase();
                l.description = desc.map(str::to_string);
            }
            None => {
                st.create_label(name, color, desc);
            }
        }
    }

    /// Puts a file in the default branch, for the contents API.
    pub fn put_file(&self, path: &str, content: impl AsRef<[u8]>) {
        self.lock().files.insert(
            path.trim_matches('/').to_string(),
            content.as_ref().to_vec(),
        );
    }

    /// A person edits issue `n`'s body.
    pub fn edit_issue_body(&self, n: u64, body: &str) {
        let mut st = self.lock();
        let ts = st.tick();
        let issue = st.issues.get_mut(&n).expect("fake GitHub: no such issue");
        issue.body = Some(body.into());
        issue.updated_at = ts;
    }

    /// A person sets issue `n`'s labels (unknown ones are created grey).
    pub fn set_issue_labels(&self, n: u64, labels: &[&str]) {
        let mut st = self.lock();
        let ids: Vec<u64> = labels.iter().map(|l| st.label_or_create(l)).collect();
        let ts = st.tick();
        let issue = st.issues.get_mut(&n).expect("fake GitHub: no such issue");
        issue.labels = ids;
        issue.updated_at = ts;
    }

    /// A person edits comment `id`'s body.
    pub fn edit_comment(&self, id: u64, body: &str) {
        let mut st = self.lock();
        let ts = st.tick();
        let c = st
            .comments
            .get_mut(&id)
            .expect("fake GitHub: no such comment");
        c.body = body.into();
        c.updated_at = ts;
    }

    /// Issue `n` as it stands. Panics when there is none.
    pub fn issue(&self, n: u64) -> IssueSnapshot {
        let st = self.lock();
        let i = st
            .issues
            .get(&n)
            .unwrap_or_else(|| panic!("fake GitHub: no issue #{n}"));
        IssueSnapshot {
            number: i.number,
            title: i.title.clone(),
            body: i.body.clone().unwrap_or_default(),
            labels: st.label_names(&i.labels),
            state: i.state.clone(),
            state_reason: i.state_reason.clone(),
            author: i.author.clone(),
        }
    }

    /// Every issue (pull requests aside), by number.
    pub fn issues(&self) -> Vec<IssueSnapshot> {
        let numbers: Vec<u64> = self
            .lock()
            .issues
            .values()
            .filter(|i| !i.is_pull_request)
            .map(|i| i.number)
            .collect();
        numbers.into_iter().map(|n| self.issue(n)).collect()
    }

    /// Issue `n`'s comments, oldest first.
    pub fn comments(&self, n: u64) -> Vec<CommentSnapshot> {
        let st = self.lock();
        st.issue_comments(n)
            .iter()
            .map(|c| CommentSnapshot {
                id: c.id,
                author: c.author.clone(),
                body: c.body.clone(),
                created_at: state::iso8601(c.created_at),
                updated_at: state::iso8601(c.updated_at),
            })
            .collect()
    }

    /// The repository's labels, sorted by name.
    pub fn repo_labels(&self) -> Vec<LabelSnapshot> {
        let st = self.lock();
        let ids: Vec<u64> = st.labels.keys().copied().collect();
        st.sorted_label_ids(&ids)
            .iter()
            .map(|id| {
                let l = &st.labels[id];
                LabelSnapshot {
                    name: l.name.clone(),
                    color: l.color.clone(),
                    description: l.description.clone(),
                }
            })
            .collect()
    }

    /// Issue `n` exactly as `GET /repos/{owner}/{repo}/issues/{n}` returns
    /// it (for the `issue` field of an event payload).
    pub fn issue_json(&self, n: u64) -> serde_json::Value {
        self.lock().issue_json(n)
    }

    /// Comment `id` as the API returns it (for `issue_comment` payloads).
    pub fn comment_json(&self, id: u64) -> serde_json::Value {
        self.lock().comment_json(id)
    }

    /// The repository object (for the `repository` field of a payload).
    pub fn repository_json(&self) -> serde_json::Value {
        self.lock().repository_json()
    }

    /// A user object for `login` (for `sender` fields).
    pub fn user_json(&self, login: &str) -> serde_json::Value {
        self.lock().user_json(login)
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// The requests that were not `GET`/`HEAD`/`OPTIONS`.
    pub fn writes(&self) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| is_write(&r.method))
            .cloned()
            .collect()
    }

    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// Sets the core quota left; at 0 every request is refused with 403
    /// until the reset time passes.
    pub fn set_rate_limit_remaining(&self, n: u64) {
        self.lock().rate.remaining = n;
    }

    /// Moves the rate-limit reset to `secs` from now.
    pub fn set_rate_limit_reset_in(&self, secs: u64) {
        self.lock().rate.reset = epoch_now() + secs;
    }

    pub fn rate_limit_remaining(&self) -> u64 {
        self.lock().rate.remaining
    }

    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Faults injected that have not (all) fired yet.
    pub fn pending_faults(&self) -> usize {
        self.lock().faults.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for FakeGithub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
