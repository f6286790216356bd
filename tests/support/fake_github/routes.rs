//! The REST endpoints of the fake GitHub: from a parsed request and the
//! state to a response, with GitHub's status codes, error bodies and `Link`
//! pagination. Authentication, rate limits and faults are handled around
//! this, in `mod.rs`.

use axum::http::Method;
use serde_json::{Map, Value, json};

use super::state::{State, epoch_now, iso8601, percent_decode};

const DOCS: &str = "https://docs.github.com/rest";

/// A request as the endpoints see it: the path below `/repos/{owner}/{repo}`
/// split into raw (still percent-encoded) segments.
pub(crate) struct Req<'a> {
    pub method: &'a Method,
    pub rest: Vec<String>,
    pub query: Vec<(String, String)>,
    pub raw_query: &'a str,
    pub body: &'a [u8],
    pub accept: &'a str,
    pub login: &'a str,
    pub association: &'a str,
}

impl Req<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug)]
pub(crate) struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn json(status: u16, v: &Value) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            content_type: "application/json; charset=utf-8",
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }

    pub fn empty(status: u16) -> Resp {
        Resp {
            status,
            headers: Vec::new(),
            content_type: "",
            body: Vec::new(),
        }
    }

    pub fn error(status: u16, message: &str) -> Resp {
        Resp::json(
            status,
            &json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}),
        )
    }

    pub fn not_found() -> Resp {
        Resp::error(404, "Not Found")
    }

    /// GitHub's 422 for a comment or issue body over 65,536 characters.
    fn too_long(resource: &str) -> Resp {
        Resp::json(
            422,
            &json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "code": "custom", "field": "body",
                            "message": "body is too long (maximum is 65536 characters)"}],
                "documentation_url": DOCS,
                "status": "422"
            }),
        )
    }

    fn validation(resource: &str, field: &str, code: &str, value: Option<&Value>) -> Resp {
        let mut e = json!({"resource": resource, "code": code, "field": field});
        if let Some(v) = value {
            e["value"] = v.clone();
        }
        Resp::json(
            422,
            &json!({
                "message": "Validation Failed",
                "errors": [e],
                "documentation_url": DOCS,
                "status": "422"
            }),
        )
    }

    fn invalid_type(field: &str, value: &Value, expected: &str) -> Resp {
        Resp::error(
            422,
            &format!("Invalid request.\n\nFor 'properties/{field}', {value} is not {expected}."),
        )
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Resp {
        self.headers.push((name.to_string(), value.into()));
        self
    }
}

type Result<T> = std::result::Result<T, Resp>;

/// The JSON body as an object (an empty body counts as `{}`).
fn body_object(req: &Req) -> Result<Map<String, Value>> {
    match body_value(req)? {
        Value::Object(m) => Ok(m),
        other => Err(Resp::error(
            422,
            &format!("Invalid request.\n\nInvalid input: `{other}` is not of type `object`."),
        )),
    }
}

fn body_value(req: &Req) -> Result<Value> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(req.body).map_err(|_| Resp::error(400, "Problems parsing JSON"))
}

/// A string field: `Ok(None)` when absent, `Ok(Some(None))` when null (and
/// null is allowed).
fn str_field(
    m: &Map<String, Value>,
    field: &str,
    nullable: bool,
) -> Result<Option<Option<String>>> {
    match m.get(field) {
        None => Ok(None),
        Some(Value::Null) if nullable => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(v) => Err(Resp::invalid_type(
            field,
            v,
            if nullable {
                "a string or null"
            } else {
                "a string"
            },
        )),
    }
}

/// Label names from `["a", …]`, `[{"name": "a"}, …]` or `{"labels": …}`.
fn label_names(v: &Value, field: &str) -> Result<Vec<String>> {
    let items = match v {
        Value::Array(a) => a,
        Value::Object(m) => match m.get("labels") {
            Some(inner) => return label_names(inner, field),
            None => return Ok(Vec::new()),
        },
        other => return Err(Resp::invalid_type(field, other, "of type `array`")),
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.clone()),
            Value::Object(o) => match o.get("name") {
                Some(Value::String(s)) => Ok(s.clone()),
                _ => Err(Resp::invalid_type(field, item, "a string")),
            },
            other => Err(Resp::invalid_type(field, other, "a string")),
        })
        .collect()
}

fn number(seg: &str) -> Result<u64> {
    seg.parse().map_err(|_| Resp::not_found())
}

/// Answers one request below `/repos/{owner}/{repo}`. Like GitHub, every
/// `PATCH` endpoint also accepts `POST` (some clients update comments that way).
pub(crate) fn dispatch(st: &mut State, req: &Req) -> Resp {
    match route(st, req) {
        Ok(r) | Err(r) => r,
    }
}

fn route(st: &mut State, req: &Req) -> Result<Resp> {
    let rest: Vec<&str> = req.rest.iter().map(String::as_str).collect();
    let m = req.method.clone();
    match (m, rest.as_slice()) {
        (Method::GET, []) => Ok(Resp::json(200, &st.repository_json())),
        (Method::GET, ["issues"]) => list_issues(st, req),
        (Method::POST, ["issues"]) => create_issue(st, req),
        (Method::GET, ["issues", "comments"]) => {
            let ids: Vec<u64> = st.comments.keys().copied().collect();
            let items = ids.into_iter().map(|id| st.comment_json(id)).collect();
            Ok(paginate(st, req, items))
        }
        (Method::GET, ["issues", "comments", id]) => {
            let id = comment_id(st, id)?;
            Ok(Resp::json(200, &st.comment_json(id)))
        }
        (Method::PATCH | Method::POST, ["issues", "comments", id]) => {
            let id = comment_id(st, id)?;
            let m = body_object(req)?;
            let body = match str_field(&m, "body", false)? {
                Some(Some(b)) => b,
                _ => {
                    return Err(Resp::validation(
                        "IssueComment",
                        "body",
                        "missing_field",
                        None,
                    ));
                }
            };
            if body.chars().count() > 65_536 {
                return Err(Resp::too_long("IssueComment"));
            }
            let ts = st.tick();
            let c = st.comments.get_mut(&id).expect("comment exists");
            c.body = body;
            c.updated_at = ts;
            Ok(Resp::json(200, &st.comment_json(id)))
        }
        (Method::DELETE, ["issues", "comments", id]) => {
            let id = comment_id(st, id)?;
            st.comments.remove(&id);
            Ok(Resp::empty(204))
        }
        (Method::GET, ["issues", n]) => {
            let n = issue_number(st, n)?;
            Ok(Resp::json(200, &st.issue_json(n)))
        }
        (Method::PATCH | Method::POST, ["issues", n]) => {
            let n = issue_number(st, n)?;
            update_issue(st, req, n)
        }
        (Method::GET, ["issues", n, "comments"]) => {
            let n = issue_number(st, n)?;
            let since = req.param("since").map(str::to_string);
            let ids: Vec<u64> = st
                .issue_comments(n)
                .iter()
                .filter(|c| {
                    since
                        .as_deref()
                        .is_none_or(|s| iso8601(c.updated_at).as_str() >= s)
                })
                .map(|c| c.id)
                .collect();
            let items = ids.into_iter().map(|id| st.comment_json(id)).collect();
            Ok(paginate(st, req, items))
        }
        (Method::POST, ["issues", n, "comments"]) => {
            let n = issue_number(st, n)?;
            let m = body_object(req)?;
            let body = match str_field(&m, "body", false)? {
                Some(Some(b)) if !b.is_empty() => b,
                _ => {
                    return Err(Resp::validation(
                        "IssueComment",
                        "body",
                        "missing_field",
                        None,
                    ));
                }
            };
            if body.chars().count() > 65_536 {
                return Err(Resp::too_long("IssueComment"));
            }
            let id = st.create_comment(n, req.login, req.association, &body);
            let v = st.comment_json(id);
            let location = v["url"].as_str().unwrap_or_default().to_string();
            Ok(Resp::json(201, &v).header("location", location))
        }
        (Method::GET, ["issues", n, "labels"]) => {
            let n = issue_number(st, n)?;
            let ids = st.sorted_label_ids(&st.issues[&n].labels);
            let items = ids.iter().map(|id| st.label_json(*id)).collect();
            Ok(paginate(st, req, items))
        }
        (Method::POST | Method::PUT, ["issues", n, "labels"]) => {
            let n = issue_number(st, n)?;
            let names = label_names(&body_value(req)?, "labels")?;
            let ids: Vec<u64> = names.iter().map(|l| st.label_or_create(l)).collect();
            let ts = st.tick();
            let issue = st.issues.get_mut(&n).expect("issue exists");
            if *req.method == Method::PUT {
                issue.labels.clear();
            }
            for id in ids {
                if !issue.labels.contains(&id) {
                    issue.labels.push(id);
                }
            }
            issue.updated_at = ts;
            let labels = issue.labels.clone();
            Ok(Resp::json(200, &st.labels_json(&labels)))
        }
        (Method::DELETE, ["issues", n, "labels"]) => {
            let n = issue_number(st, n)?;
            let ts = st.tick();
            let issue = st.issues.get_mut(&n).expect("issue exists");
            issue.labels.clear();
            issue.updated_at = ts;
            Ok(Resp::empty(204))
        }
        (Method::DELETE, ["issues", n, "labels", name]) => {
            let n = issue_number(st, n)?;
            let name = percent_decode(name, false);
            let found = st
                .find_label(&name)
                .filter(|id| st.issues[&n].labels.contains(id));
            let Some(id) = found else {
                return Err(Resp::error(404, "Label does not exist"));
            };
            let ts = st.tick();
            let issue = st.issues.get_mut(&n).expect("issue exists");
            issue.labels.retain(|l| *l != id);
            issue.updated_at = ts;
            let labels = issue.labels.clone();
            Ok(Resp::json(200, &st.labels_json(&labels)))
        }
        (Method::GET, ["labels"]) => {
            let ids: Vec<u64> = st.labels.keys().copied().collect();
            let ids = st.sorted_label_ids(&ids);
            let items = ids.iter().map(|id| st.label_json(*id)).collect();
            Ok(paginate(st, req, items))
        }
        (Method::POST, ["labels"]) => create_label(st, req),
        (Method::GET, ["labels", name]) => {
            let id = label_id(st, name)?;
            Ok(Resp::json(200, &st.label_json(id)))
        }
        (Method::PATCH | Method::POST, ["labels", name]) => update_label(st, req, name),
        (Method::DELETE, ["labels", name]) => {
            let id = label_id(st, name)?;
            st.labels.remove(&id);
            for issue in st.issues.values_mut() {
                issue.labels.retain(|l| *l != id);
            }
            Ok(Resp::empty(204))
        }
        (Method::GET, ["contents", path @ ..]) => {
            let path: Vec<String> = path.iter().map(|s| percent_decode(s, false)).collect();
            let path = path.join("/");
            get_contents(st, req, path.trim_matches('/'))
        }
        _ => Err(Resp::not_found()),
    }
}

fn issue_number(st: &State, seg: &str) -> Result<u64> {
    let n = number(seg)?;
    if st.issues.contains_key(&n) {
        Ok(n)
    } else {
        Err(Resp::not_found())
    }
}

fn comment_id(st: &State, seg: &str) -> Result<u64> {
    let id = number(seg)?;
    if st.comments.contains_key(&id) {
        Ok(id)
    } else {
        Err(Resp::not_found())
    }
}

fn label_id(st: &State, seg: &str) -> Result<u64> {
    st.find_label(&percent_decode(seg, false))
        .ok_or_else(Resp::not_found)
}

fn list_issues(st: &mut State, req: &Req) -> Result<Resp> {
    let state = req.param("state").unwrap_or("open");
    let wanted: Vec<String> = req
        .param("labels")
        .map(|l| {
            l.split(',')
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let creator = req.param("creator");
    let mut issues: Vec<_> = st
        .issues
        .values()
        .filter(|i| state == "all" || i.state == state)
        .filter(|i| creator.is_none_or(|c| i.author.eq_ignore_ascii_case(c)))
        .filter(|i| {
            let names: Vec<String> = st
                .label_names(&i.labels)
                .iter()
                .map(|n| n.to_lowercase())
                .collect();
            wanted.iter().all(|w| names.contains(w))
        })
        .map(|i| (i.number, i.created_at, i.updated_at))
        .collect();
    match req.param("sort").unwrap_or("created") {
        "updated" => issues.sort_by_key(|(n, _, u)| (*u, *n)),
        _ => issues.sort_by_key(|(n, c, _)| (*c, *n)),
    }
    if req.param("direction") != Some("asc") {
        issues.reverse();
    }
    let items = issues.iter().map(|(n, _, _)| st.issue_json(*n)).collect();
    Ok(paginate(st, req, items))
}

fn create_issue(st: &mut State, req: &Req) -> Result<Resp> {
    let m = body_object(req)?;
    let title = match m.get("title") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err(Resp::validation("Issue", "title", "missing_field", None)),
    };
    let body = str_field(&m, "body", true)?.flatten();
    let labels = match m.get("labels") {
        Some(v) => label_names(v, "labels")?,
        None => Vec::new(),
    };
    let (login, assoc) = (req.login.to_string(), req.association.to_string());
    let n = st.create_issue(
        None,
        &title,
        body.as_deref(),
        &labels,
        &login,
        &assoc,
        false,
    );
    let v = st.issue_json(n);
    let location = v["url"].as_str().unwrap_or_default().to_string();
    Ok(Resp::json(201, &v).header("location", location))
}

fn update_issue(st: &mut State, req: &Req, n: u64) -> Result<Resp> {
    let m = body_object(req)?;
    let title = str_field(&m, "title", false)?;
    let body = str_field(&m, "body", true)?;
    if let Some(Some(b)) = &body
        && b.chars().count() > 65_536
    {
        return Err(Resp::too_long("Issue"));
    }
    let state = str_field(&m, "state", false)?.flatten();
    let reason = str_field(&m, "state_reason", true)?;
    if let Some(s) = &state
        && s != "open"
        && s != "closed"
    {
        return Err(Resp::validation(
            "Issue",
            "state",
            "invalid",
            Some(&json!(s)),
        ));
    }
    let labels = match m.get("labels") {
        Some(v) => Some(label_names(v, "labels")?),
        None => None,
    };
    if let Some(Some(t)) = &title
        && t.is_empty()
    {
        return Err(Resp::validation("Issue", "title", "missing_field", None));
    }
    let label_ids: Option<Vec<u64>> =
        labels.map(|names| names.iter().map(|l| st.label_or_create(l)).collect());
    let ts = st.tick();
    let issue = st.issues.get_mut(&n).expect("issue exists");
    if let Some(Some(t)) = title {
        issue.title = t;
    }
    if let Some(b) = body {
        issue.body = b;
    }
    if let Some(s) = state {
        if s == "closed" && issue.state != "closed" {
            issue.closed_at = Some(ts);
            issue.state_reason = Some("completed".into());
        } else if s == "open" && issue.state != "open" {
            issue.closed_at = None;
            issue.state_reason = Some("reopened".into());
        }
        issue.state = s;
    }
    if let Some(r) = reason {
        issue.state_reason = r;
    }
    if let Some(ids) = label_ids {
        issue.labels.clear();
        for id in ids {
            if !issue.labels.contains(&id) {
                issue.labels.push(id);
            }
        }
    }
    issue.updated_at = ts;
    Ok(Resp::json(200, &st.issue_json(n)))
}

fn valid_color(c: &str) -> bool {
    c.len() == 6 && c.bytes().all(|b| b.is_ascii_hexdigit())
}

fn create_label(st: &mut State, req: &Req) -> Result<Resp> {
    let m = body_object(req)?;
    let name = match str_field(&m, "name", false)? {
        Some(Some(n)) if !n.trim().is_empty() => n,
        _ => return Err(Resp::validation("Label", "name", "missing_field", None)),
    };
    let color = str_field(&m, "color", false)?
        .flatten()
        .unwrap_or_else(|| "ededed".into());
    let description = str_field(&m, "description", true)?.flatten();
    if !valid_color(&color) {
        return Err(Resp::validation(
            "Label",
            "color",
            "invalid",
            Some(&json!(color)),
        ));
    }
    if name.chars().count() > 50 {
        return Err(Resp::validation(
            "Label",
            "name",
            "invalid",
            Some(&json!(name)),
        ));
    }
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 100)
    {
        return Err(Resp::validation("Label", "description", "invalid", None));
    }
    if st.find_label(&name).is_some() {
        return Err(Resp::validation("Label", "name", "already_exists", None));
    }
    let id = st.create_label(&name, &color, description.as_deref());
    let v = st.label_json(id);
    let location = v["url"].as_str().unwrap_or_default().to_string();
    Ok(Resp::json(201, &v).header("location", location))
}

fn update_label(st: &mut State, req: &Req, seg: &str) -> Result<Resp> {
    let id = label_id(st, seg)?;
    let m = body_object(req)?;
    let new_name = str_field(&m, "new_name", false)?.flatten();
    let color = str_field(&m, "color", false)?.flatten();
    let description = str_field(&m, "description", true)?;
    if let Some(c) = &color
        && !valid_color(c)
    {
        return Err(Resp::validation(
            "Label",
            "color",
            "invalid",
            Some(&json!(c)),
        ));
    }
    if let Some(n) = &new_name
        && st.find_label(n).is_some_and(|other| other != id)
    {
        return Err(Resp::validation("Label", "name", "already_exists", None));
    }
    let l = st.labels.get_mut(&id).expect("label exists");
    if let Some(n) = new_name {
        l.name = n;
    }
    if let Some(c) = color {
        l.color = c.to_ascii_lowercase();
    }
    if let Some(d) = description {
        l.description = d;
    }
    Ok(Resp::json(200, &st.label_json(id)))
}

fn get_contents(st: &State, req: &Req, path: &str) -> Result<Resp> {
    if let Some(bytes) = st.files.get(path) {
        if req.accept.contains("application/vnd.github.raw") {
            return Ok(Resp {
                status: 200,
                headers: Vec::new(),
                content_type: "text/plain; charset=utf-8",
                body: bytes.clone(),
            });
        }
        let v = st.content_json(path).expect("file exists");
        return Ok(Resp::json(200, &v));
    }
    match st.directory_json(path) {
        Some(v) => Ok(Resp::json(200, &v)),
        None => Err(Resp::not_found()),
    }
}

/// One page of `items` per `per_page` (default 30, at most 100) and `page`,
/// with a `Link` header as GitHub writes it: `prev`, `next`, `last`,
/// `first`, each URL under `/repositories/{id}/…` carrying the request's
/// query with `page` replaced.
fn paginate(st: &State, req: &Req, items: Vec<Value>) -> Resp {
    let per_page = req
        .param("per_page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(30)
        .min(100);
    let page = req
        .param("page")
        .and_then(|p| p.parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(1);
    let total = items.len();
    let last = total.div_ceil(per_page).max(1);
    let start = (page - 1).saturating_mul(per_page).min(total);
    let end = (start + per_page).min(total);
    let page_items: Vec<Value> = items[start..end].to_vec();
    let mut resp = Resp::json(200, &Value::Array(page_items));
    if last > 1 {
        let base_query: Vec<&str> = req
            .raw_query
            .split('&')
            .filter(|kv| !kv.is_empty() && kv.split('=').next() != Some("page"))
            .collect();
        let link_to = |p: usize| {
            let mut q = base_query.join("&");
            if !q.is_empty() {
                q.push('&');
            }
            q.push_str(&format!("page={p}"));
            format!(
                "{}/repositories/{}/{}?{q}",
                st.base_url,
                st.repo_id,
                req.rest.join("/")
            )
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", link_to((page - 1).min(last))));
        }
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", link_to(page + 1)));
            links.push(format!("<{}>; rel=\"last\"", link_to(last)));
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"first\"", link_to(1)));
        }
        resp = resp.header("link", links.join(", "));
    }
    resp
}

/// `GET /user`: who the token is. A personal access token (classic `ghp_…` or
/// fine-grained) is a user, and GitHub answers the private user object (a classic token's
/// scopes in `x-oauth-scopes`). An installation token (the job's `GITHUB_TOKEN`, a GitHub
/// App's) is a bot, and GitHub refuses: 403 "Resource not accessible by integration".
pub(crate) fn authenticated_user(st: &mut State, login: &str, token: &str) -> Resp {
    if login.ends_with("[bot]") {
        return Resp::json(
            403,
            &json!({
                "message": "Resource not accessible by integration",
                "documentation_url": "https://docs.github.com/rest/users/users#get-the-authenticated-user",
                "status": "403"
            }),
        );
    }
    let mut user = st.user_json(login);
    let private = json!({
        "name": null, "company": null, "blog": "", "location": null, "email": null,
        "hireable": null, "bio": null, "twitter_username": null,
        "notification_email": null, "public_repos": 1, "public_gists": 0,
        "followers": 0, "following": 0,
        "created_at": "2020-01-01T00:00:00Z", "updated_at": "2020-01-01T00:00:00Z",
        "private_gists": 0, "total_private_repos": 0, "owned_private_repos": 0,
        "disk_usage": 0, "collaborators": 0, "two_factor_authentication": true,
        "plan": {"name": "free", "space": 976562499, "collaborators": 0, "private_repos": 10000}
    });
    if let (Some(u), Some(p)) = (user.as_object_mut(), private.as_object()) {
        u.extend(p.clone());
    }
    let resp = Resp::json(200, &user);
    if token.starts_with("ghp_") {
        resp.header("x-oauth-scopes", "repo")
            .header("x-accepted-oauth-scopes", "")
    } else {
        resp
    }
}

/// `GET /rate_limit`, which does not count against the limit.
pub(crate) fn rate_limit_json(st: &State) -> Value {
    let r = &st.rate;
    let core = json!({
        "limit": r.limit, "used": r.limit - r.remaining, "remaining": r.remaining,
        "reset": r.reset, "resource": "core"
    });
    let other = |name: &str, limit: u64| json!({"limit": limit, "used": 0, "remaining": limit, "reset": epoch_now() + 60, "resource": name});
    json!({
        "resources": {
            "core": core,
            "search": other("search", 30),
            "graphql": other("graphql", 5000),
            "integration_manifest": other("integration_manifest", 5000),
        },
        "rate": core
    })
}

/// Splits a request path into the segments below the repository, or `None`
/// when it does not address this repository. Accepts `/repos/{owner}/{repo}`,
/// `/repositories/{id}` (the form GitHub's `Link` URLs use) and a leading
/// `/api/v3` (GitHub Enterprise Server).
pub(crate) fn repo_segments(st: &State, path: &str) -> Option<Vec<String>> {
    let path = path.strip_prefix("/api/v3").unwrap_or(path);
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let rest = match segs.as_slice() {
        ["repos", owner, repo, rest @ ..]
            if owner.eq_ignore_ascii_case(&st.owner) && repo.eq_ignore_ascii_case(&st.repo) =>
        {
            rest
        }
        ["repositories", id, rest @ ..] if *id == st.repo_id.to_string() => rest,
        _ => return None,
    };
    let rest: Vec<String> = rest
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| (*s).to_string())
        .collect();
    Some(rest)
}
