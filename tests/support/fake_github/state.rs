//! The fake GitHub's data: one repository with its issues, comments, labels
//! and files, plus the rendering of each as the JSON GitHub's REST API sends
//! (whole objects, as GitHub sends them, not just the fields the bot reads).

use std::collections::{BTreeMap, HashMap};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::Method;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use serde_json::{Value, json};

use super::{Fault, RecordedRequest};

/// Who a token authenticates as.
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub login: String,
    pub association: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Issue {
    pub number: u64,
    pub id: u64,
    pub title: String,
    pub body: Option<String>,
    pub state: String,
    pub state_reason: Option<String>,
    /// Ids of repository labels.
    pub labels: Vec<u64>,
    pub author: String,
    pub association: String,
    pub is_pull_request: bool,
    pub created_at: u64,
    pub updated_at: u64,
    pub closed_at: Option<u64>,
}

#[derive(Debug, Clone)]
pub(crate) struct Comment {
    pub id: u64,
    pub issue: u64,
    pub body: String,
    pub author: String,
    pub association: String,
    pub created_at: u64,
    pub updated_at: u64,
}

#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    pub reset: u64,
}

#[derive(Debug)]
pub(crate) struct State {
    pub base_url: String,
    pub owner: String,
    pub repo: String,
    pub repo_id: u64,
    pub tokens: HashMap<String, TokenInfo>,
    users: HashMap<String, u64>,
    next_user_id: u64,
    pub issues: BTreeMap<u64, Issue>,
    pub comments: BTreeMap<u64, Comment>,
    pub labels: BTreeMap<u64, Label>,
    pub files: BTreeMap<String, Vec<u8>>,
    next_issue_id: u64,
    next_comment_id: u64,
    next_label_id: u64,
    last_ts: u64,
    pub rate: RateLimit,
    pub faults: Vec<Fault>,
    pub requests: Vec<RecordedRequest>,
    pub request_seq: u64,
}

pub(crate) fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl State {
    pub fn new(owner: &str, repo: &str, tokens: HashMap<String, TokenInfo>) -> State {
        let mut users = HashMap::new();
        users.insert("github-actions[bot]".to_string(), 41_898_282);
        State {
            base_url: String::new(),
            owner: owner.to_string(),
            repo: repo.to_string(),
            repo_id: 1_296_269,
            tokens,
            users,
            next_user_id: 5_000_001,
            issues: BTreeMap::new(),
            comments: BTreeMap::new(),
            labels: BTreeMap::new(),
            files: BTreeMap::new(),
            next_issue_id: 2_000_000_001,
            next_comment_id: 3_000_000_001,
            next_label_id: 7_000_000_001,
            last_ts: 0,
            rate: RateLimit {
                limit: 5000,
                remaining: 5000,
                reset: epoch_now() + 3600,
            },
            faults: Vec::new(),
            requests: Vec::new(),
            request_seq: 0,
        }
    }

    /// A strictly increasing timestamp (epoch seconds), never behind the clock.
    pub fn tick(&mut self) -> u64 {
        self.last_ts = epoch_now().max(self.last_ts + 1);
        self.last_ts
    }

    pub fn user_id(&mut self, login: &str) -> u64 {
        if let Some(id) = self.users.get(login) {
            return *id;
        }
        let id = self.next_user_id;
        self.next_user_id += 1;
        self.users.insert(login.to_string(), id);
        id
    }

    pub fn repo_path(&self) -> String {
        format!("{}/repos/{}/{}", self.base_url, self.owner, self.repo)
    }

    // ---- labels -------------------------------------------------------

    pub fn find_label(&self, name: &str) -> Option<u64> {
        self.labels
            .values()
            .find(|l| l.name.eq_ignore_ascii_case(name))
            .map(|l| l.id)
    }

    pub fn create_label(&mut self, name: &str, color: &str, description: Option<&str>) -> u64 {
        let id = self.next_label_id;
        self.next_label_id += 1;
        self.labels.insert(
            id,
            Label {
                id,
                name: name.to_string(),
                color: color.to_ascii_lowercase(),
                description: description.map(str::to_string),
            },
        );
        id
    }

    /// The id of the label `name`, created grey (`ededed`) when missing, as
    /// GitHub does when an issue is given an unknown label.
    pub fn label_or_create(&mut self, name: &str) -> u64 {
        match self.find_label(name) {
            Some(id) => id,
            None => self.create_label(name, "ededed", None),
        }
    }

    /// Label ids sorted as GitHub lists them (by name, case-insensitively).
    pub fn sorted_label_ids(&self, ids: &[u64]) -> Vec<u64> {
        let mut v: Vec<&Label> = ids.iter().filter_map(|id| self.labels.get(id)).collect();
        v.sort_by_key(|l| l.name.to_lowercase());
        v.iter().map(|l| l.id).collect()
    }

    pub fn label_names(&self, ids: &[u64]) -> Vec<String> {
        self.sorted_label_ids(ids)
            .iter()
            .map(|id| self.labels[id].name.clone())
            .collect()
    }

    // ---- issues and comments -----------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub fn create_issue(
        &mut self,
        number: Option<u64>,
        title: &str,
        body: Option<&str>,
        labels: &[String],
        author: &str,
        association: &str,
        is_pull_request: bool,
    ) -> u64 {
        let number = number.unwrap_or_else(|| self.issues.keys().next_back().map_or(1, |n| n + 1));
        assert!(
            !self.issues.contains_key(&number),
            "fake GitHub: issue #{number} already exists"
        );
        let ids: Vec<u64> = labels.iter().map(|l| self.label_or_create(l)).collect();
        let mut ids_dedup = Vec::new();
        for id in ids {
            if !ids_dedup.contains(&id) {
                ids_dedup.push(id);
            }
        }
        let ts = self.tick();
        let id = self.next_issue_id;
        self.next_issue_id += 1;
        self.user_id(author);
        self.issues.insert(
            number,
            Issue {
                number,
                id,
                title: title.to_string(),
                body: body.map(str::to_string),
                state: "open".to_string(),
                state_reason: None,
                labels: ids_dedup,
                author: author.to_string(),
                association: association.to_string(),
                is_pull_request,
                created_at: ts,
                updated_at: ts,
                closed_at: None,
            },
        );
        number
    }

    pub fn create_comment(
        &mut self,
        issue: u64,
        author: &str,
        association: &str,
        body: &str,
    ) -> u64 {
        let ts = self.tick();
        let id = self.next_comment_id;
        self.next_comment_id += 1;
        self.user_id(author);
        self.comments.insert(
            id,
            Comment {
                id,
                issue,
                body: body.to_string(),
                author: author.to_string(),
                association: association.to_string(),
                created_at: ts,
                updated_at: ts,
            },
        );
        if let Some(i) = self.issues.get_mut(&issue) {
            i.updated_at = ts;
        }
        id
    }

    pub fn issue_comments(&self, issue: u64) -> Vec<&Comment> {
        self.comments
            .values()
            .filter(|c| c.issue == issue)
            .collect()
    }

    // ---- JSON rendering -----------------------------------------------

    pub fn user_json(&mut self, login: &str) -> Value {
        let id = self.user_id(login);
        let api = &self.base_url;
        let enc = encode_path_segment(login);
        let is_bot = login.ends_with("[bot]");
        let (node_id, kind, avatar, html) = if is_bot {
            let app = login.trim_end_matches("[bot]");
            (
                format!("MDM6Qm90{id}"),
                "Bot",
                "https://avatars.githubusercontent.com/in/15368?v=4".to_string(),
                format!("https://github.com/apps/{app}"),
            )
        } else {
            (
                format!("MDQ6VXNlcj{id}"),
                "User",
                format!("https://avatars.githubusercontent.com/u/{id}?v=4"),
                format!("https://github.com/{login}"),
            )
        };
        json!({
            "login": login,
            "id": id,
            "node_id": node_id,
            "avatar_url": avatar,
            "gravatar_id": "",
            "url": format!("{api}/users/{enc}"),
            "html_url": html,
            "followers_url": format!("{api}/users/{enc}/followers"),
            "following_url": format!("{api}/users/{enc}/following{{/other_user}}"),
            "gists_url": format!("{api}/users/{enc}/gists{{/gist_id}}"),
            "starred_url": format!("{api}/users/{enc}/starred{{/owner}}{{/repo}}"),
            "subscriptions_url": format!("{api}/users/{enc}/subscriptions"),
            "organizations_url": format!("{api}/users/{enc}/orgs"),
            "repos_url": format!("{api}/users/{enc}/repos"),
            "events_url": format!("{api}/users/{enc}/events{{/privacy}}"),
            "received_events_url": format!("{api}/users/{enc}/received_events"),
            "type": kind,
            "user_view_type": "public",
            "site_admin": false
        })
    }

    pub fn label_json(&self, id: u64) -> Value {
        let l = &self.labels[&id];
        json!({
            "id": l.id,
            "node_id": format!("LA_kwDOABw{:010}", l.id),
            "url": format!("{}/labels/{}", self.repo_path(), encode_path_segment(&l.name)),
            "name": l.name,
            "color": l.color,
            "default": matches!(l.name.as_str(), "bug" | "documentation" | "duplicate" | "enhancement" | "good first issue" | "help wanted" | "invalid" | "question" | "wontfix"),
            "description": l.description,
        })
    }

    pub fn labels_json(&self, ids: &[u64]) -> Value {
        Value::Array(
            self.sorted_label_ids(ids)
                .iter()
                .map(|id| self.label_json(*id))
                .collect(),
        )
    }

    pub fn issue_json(&mut self, number: u64) -> Value {
        let i = self.issues[&number].clone();
        let repo = self.repo_path();
        let html_repo = format!("https://github.com/{}/{}", self.owner, self.repo);
        let url = format!("{repo}/issues/{number}");
        let kind = if i.is_pull_request { "pull" } else { "issues" };
        let comments = self.issue_comments(number).len();
        let mut v = json!({
            "url": url,
            "repository_url": repo,
            "labels_url": format!("{url}/labels{{/name}}"),
            "comments_url": format!("{url}/comments"),
            "events_url": format!("{url}/events"),
            "html_url": format!("{html_repo}/{kind}/{number}"),
            "id": i.id,
            "node_id": format!("{}_kwDOABw{:010}", if i.is_pull_request { "PR" } else { "I" }, i.id),
            "number": number,
            "title": i.title,
            "user": self.user_json(&i.author),
            "labels": self.labels_json(&i.labels),
            "state": i.state,
            "locked": false,
            "assignee": null,
            "assignees": [],
            "milestone": null,
            "comments": comments,
            "created_at": iso8601(i.created_at),
            "updated_at": iso8601(i.updated_at),
            "closed_at": i.closed_at.map(iso8601),
            "author_association": i.association,
            "type": null,
            "active_lock_reason": null,
            "sub_issues_summary": {"total": 0, "completed": 0, "percent_completed": 0},
            "body": i.body,
            "closed_by": null,
            "reactions": reactions_json(&format!("{url}/reactions")),
            "timeline_url": format!("{url}/timeline"),
            "performed_via_github_app": null,
            "state_reason": i.state_reason,
        });
        if i.is_pull_request {
            v["draft"] = json!(false);
            v["pull_request"] = json!({
                "url": format!("{repo}/pulls/{number}"),
                "html_url": format!("{html_repo}/pull/{number}"),
                "diff_url": format!("{html_repo}/pull/{number}.diff"),
                "patch_url": format!("{html_repo}/pull/{number}.patch"),
                "merged_at": null
            });
        }
        v
    }

    pub fn comment_json(&mut self, id: u64) -> Value {
        let c = self.comments[&id].clone();
        let repo = self.repo_path();
        let kind = match self.issues.get(&c.issue) {
            Some(i) if i.is_pull_request => "pull",
            _ => "issues",
        };
        let url = format!("{repo}/issues/comments/{id}");
        json!({
            "url": url,
            "html_url": format!("https://github.com/{}/{}/{kind}/{}#issuecomment-{id}", self.owner, self.repo, c.issue),
            "issue_url": format!("{repo}/issues/{}", c.issue),
            "id": id,
            "node_id": format!("IC_kwDOABw{id:010}"),
            "user": self.user_json(&c.author),
            "created_at": iso8601(c.created_at),
            "updated_at": iso8601(c.updated_at),
            "author_association": c.association,
            "body": c.body,
            "reactions": reactions_json(&format!("{url}/reactions")),
            "performed_via_github_app": null
        })
    }

    pub fn repository_json(&mut self) -> Value {
        let owner = self.owner.clone();
        let full = format!("{}/{}", self.owner, self.repo);
        let api = self.repo_path();
        json!({
            "id": self.repo_id,
            "node_id": format!("R_kgDO{:08}", self.repo_id),
            "name": self.repo,
            "full_name": full,
            "private": false,
            "owner": self.user_json(&owner),
            "html_url": format!("https://github.com/{full}"),
            "description": null,
            "fork": false,
            "url": api,
            "issues_url": format!("{api}/issues{{/number}}"),
            "labels_url": format!("{api}/labels{{/name}}"),
            "contents_url": format!("{api}/contents/{{+path}}"),
            "default_branch": "main",
            "has_issues": true,
            "open_issues_count": self.issues.values().filter(|i| i.state == "open").count(),
            "visibility": "public",
            "archived": false,
            "disabled": false,
        })
    }

    pub fn content_json(&self, path: &str) -> Option<Value> {
        use base64::Engine;
        let bytes = self.files.get(path)?;
        let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
        let mut wrapped = String::new();
        for chunk in b64.as_bytes().chunks(60) {
            wrapped.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            wrapped.push('\n');
        }
        let mut v = self.content_meta(path, "file", bytes);
        v["content"] = json!(wrapped);
        v["encoding"] = json!("base64");
        Some(v)
    }

    pub fn content_meta(&self, path: &str, kind: &str, bytes: &[u8]) -> Value {
        let sha = git_blob_sha(bytes);
        let name = path.rsplit('/').next().unwrap_or(path);
        json!({
            "type": kind,
            "size": if kind == "file" { bytes.len() } else { 0 },
            "name": name,
            "path": path,
            "sha": sha,
            "url": format!("{}/contents/{path}?ref=main", self.repo_path()),
            "git_url": format!("{}/git/{}/{sha}", self.repo_path(), if kind == "file" { "blobs" } else { "trees" }),
            "html_url": format!("https://github.com/{}/{}/{}/main/{path}", self.owner, self.repo, if kind == "file" { "blob" } else { "tree" }),
            "download_url": if kind == "file" { json!(format!("https://raw.githubusercontent.com/{}/{}/main/{path}", self.owner, self.repo)) } else { Value::Null },
            "_links": {
                "self": format!("{}/contents/{path}?ref=main", self.repo_path()),
                "git": format!("{}/git/blobs/{sha}", self.repo_path()),
                "html": format!("https://github.com/{}/{}/blob/main/{path}", self.owner, self.repo),
            }
        })
    }

    /// Directory listing for `path` (an array of entries), if any file lies
    /// below it.
    pub fn directory_json(&self, path: &str) -> Option<Value> {
        let prefix = if path.is_empty() {
            String::new()
        } else {
            format!("{}/", path.trim_end_matches('/'))
        };
        let mut entries: BTreeMap<String, (&str, &[u8])> = BTreeMap::new();
        for (p, bytes) in &self.files {
            if let Some(rest) = p.strip_prefix(&prefix) {
                match rest.split_once('/') {
                    Some((dir, _)) => {
                        entries.insert(format!("{prefix}{dir}"), ("dir", &[]));
                    }
                    None => {
                        entries.insert(p.clone(), ("file", bytes));
                    }
                }
            }
        }
        if entries.is_empty() {
            return None;
        }
        Some(Value::Array(
            entries
                .iter()
                .map(|(p, (kind, bytes))| self.content_meta(p, kind, bytes))
                .collect(),
        ))
    }
}

fn reactions_json(url: &str) -> Value {
    json!({
        "url": url, "total_count": 0, "+1": 0, "-1": 0, "laugh": 0,
        "hooray": 0, "confused": 0, "heart": 0, "rocket": 0, "eyes": 0
    })
}

/// Percent-encodes a path segment the way GitHub writes label and user
/// names into URLs (unreserved characters and `:` stay as they are).
pub(crate) fn encode_path_segment(s: &str) -> String {
    const KEPT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b':');
    utf8_percent_encode(s, KEPT).to_string()
}

/// Decodes `%XX` escapes (and, in query strings, `+` as a space).
pub(crate) fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let s = if plus_is_space {
        s.replace('+', " ")
    } else {
        s.to_string()
    };
    percent_decode_str(&s).decode_utf8_lossy().into_owned()
}

/// `2024-05-01T12:00:00Z` for epoch seconds.
pub(crate) fn iso8601(secs: u64) -> String {
    pendo_triage::clock::format_rfc3339(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// Git's blob id: SHA-1 of `blob <len>\0<content>`.
pub(crate) fn git_blob_sha(content: &[u8]) -> String {
    let mut sha = sha1_smol::Sha1::new();
    sha.update(format!("blob {}\0", content.len()).as_bytes());
    sha.update(content);
    sha.digest().to_string()
}

/// Whether `method` changes something (what `writes()` returns).
pub(crate) fn is_write(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}
