//! The request path of the fake GitHub: delays, authentication, the rate
//! limit, faults before the endpoint, the endpoint itself, faults after it,
//! the headers GitHub puts on every response, and the request log.

use std::time::Duration;

use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::faults::{FaultKind, UNICORN_PAGE};
use super::routes::{self, Req, Resp};
use super::state::{State, epoch_now, percent_decode};
use super::{RecordedRequest, Shared};

/// The longest delay a `Fault::delay` may impose, in milliseconds.
const MAX_DELAY_MS: u64 = 10_000;

/// Every request goes through here: delays, authentication, the rate limit,
/// faults before, the endpoint, faults after, the common headers, the log.
pub(crate) async fn handle(AxState(shared): AxState<Shared>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 64 << 20)
        .await
        .unwrap_or_default();
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();

    let delay_ms: u64 = {
        let mut st = shared.lock().unwrap_or_else(|e| e.into_inner());
        let mut total = 0;
        for f in st.faults.iter_mut() {
            if let FaultKind::Delay { ms } = f.kind
                && f.matches(&parts.method, &path)
                && f.times > 0
            {
                f.times -= 1;
                total += ms.min(MAX_DELAY_MS);
            }
        }
        st.faults.retain(|f| f.times > 0);
        total
    };
    if delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    }

    let mut st = shared.lock().unwrap_or_else(|e| e.into_inner());
    let resp = respond(
        &mut st,
        &parts.method,
        &path,
        &raw_query,
        &parts.headers,
        &body,
    );
    st.requests.push(RecordedRequest {
        method: parts.method.clone(),
        path,
        query: raw_query,
        body: String::from_utf8_lossy(&body).into_owned(),
        status: resp.status,
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
    });
    drop(st);
    into_response(resp)
}

fn respond(
    st: &mut State,
    method: &Method,
    path: &str,
    raw_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Resp {
    st.request_seq += 1;
    let request_id = format!(
        "{:04X}:{:05X}:{:06X}:{:07X}:{:08X}",
        st.repo_id % 0xFFFF,
        st.request_seq,
        st.request_seq * 7,
        st.request_seq * 13,
        epoch_now() % 0xFFFF_FFFF
    );
    let now = epoch_now();

    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, tok) = v.trim().split_once(' ')?;
            (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
                .then(|| tok.trim().to_string())
                .or(Some(String::new()))
        });
    let who = match &token {
        None => Err("Requires authentication"),
        Some(t) => st.tokens.get(t).cloned().ok_or("Bad credentials"),
    };
    let who = match who {
        Ok(w) => w,
        Err(message) => {
            let resp = Resp::error(401, message);
            return with_common_headers(resp, &request_id, (60, 59, now + 3600));
        }
    };

    if now >= st.rate.reset {
        st.rate.reset = now + 3600;
        st.rate.remaining = st.rate.limit;
    }
    if path == "/rate_limit" || path == "/api/v3/rate_limit" {
        let resp = if *method == Method::GET {
            Resp::json(200, &routes::rate_limit_json(st))
        } else {
            Resp::not_found()
        };
        let r = &st.rate;
        return with_common_headers(resp, &request_id, (r.limit, r.remaining, r.reset));
    }
    if st.rate.remaining == 0 {
        let user_id = st.user_id(&who.login);
        let resp = Resp::error(
            403,
            &format!(
                "API rate limit exceeded for user ID {user_id}. If you reach out to GitHub Support for help, please include the request ID {request_id}."
            ),
        );
        let r = &st.rate;
        return with_common_headers(resp, &request_id, (r.limit, 0, r.reset));
    }
    st.rate.remaining -= 1;
    let quota = (st.rate.limit, st.rate.remaining, st.rate.reset);

    // Faults that answer instead of the endpoint.
    let before = st.faults.iter().position(|f| {
        matches!(
            f.kind,
            FaultKind::Before { .. } | FaultKind::PrimaryRateLimit { .. }
        ) && f.matches(method, path)
    });
    if let Some(i) = before {
        let f = &mut st.faults[i];
        f.times = f.times.saturating_sub(1);
        let kind = f.kind.clone();
        st.faults.retain(|f| f.times > 0);
        return match kind {
            FaultKind::Before {
                status,
                headers,
                body,
            } => {
                let ct = if headers.iter().any(|(k, _)| k == "content-type") {
                    ""
                } else {
                    "application/json; charset=utf-8"
                };
                let mut resp = Resp {
                    status,
                    headers,
                    content_type: ct,
                    body: body.into_bytes(),
                };
                if status == 403 || status == 429 {
                    let text = String::from_utf8_lossy(&resp.body)
                        .replace("0000:00000:000000:0000000:00000000", &request_id);
                    resp.body = text.into_bytes();
                }
                with_common_headers(resp, &request_id, quota)
            }
            FaultKind::PrimaryRateLimit { reset_in_secs } => {
                let user_id = st.user_id(&who.login);
                let resp = Resp::error(
                    403,
                    &format!(
                        "API rate limit exceeded for user ID {user_id}. If you reach out to GitHub Support for help, please include the request ID {request_id}."
                    ),
                );
                with_common_headers(resp, &request_id, (quota.0, 0, now + reset_in_secs))
            }
            _ => unreachable!("only answering faults are selected"),
        };
    }

    if path == "/user" || path == "/api/v3/user" {
        let resp = if *method == Method::GET {
            routes::authenticated_user(st, &who.login, token.as_deref().unwrap_or(""))
        } else {
            Resp::not_found()
        };
        return with_common_headers(resp, &request_id, quota);
    }
    let Some(rest) = routes::repo_segments(st, path) else {
        return with_common_headers(Resp::not_found(), &request_id, quota);
    };
    let query: Vec<(String, String)> = raw_query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (percent_decode(k, true), percent_decode(v, true))
        })
        .collect();
    let accept = headers
        .get("accept")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let req = Req {
        method,
        rest: rest.clone(),
        query,
        raw_query,
        body,
        accept,
        login: &who.login,
        association: &who.association,
    };
    let mut resp = routes::dispatch(st, &req);

    // Faults after the fact.
    if (200..300).contains(&resp.status) {
        let after = st.faults.iter().position(|f| {
            matches!(f.kind, FaultKind::AfterEffect { .. }) && f.matches(method, path)
        });
        if let Some(i) = after {
            let f = &mut st.faults[i];
            f.times = f.times.saturating_sub(1);
            if let FaultKind::AfterEffect { status } = f.kind {
                resp = Resp {
                    status,
                    headers: Vec::new(),
                    content_type: "text/html; charset=utf-8",
                    body: UNICORN_PAGE.as_bytes().to_vec(),
                };
            }
            st.faults.retain(|f| f.times > 0);
        }
    }
    if *method == Method::GET
        && resp.status == 200
        && rest.len() == 2
        && rest[0] == "issues"
        && let Ok(n) = rest[1].parse::<u64>()
    {
        let mut edit = None;
        for f in st.faults.iter_mut() {
            if let FaultKind::EditBodyAfterRead {
                issue,
                after_reads,
                new_body,
            } = &f.kind
                && *issue == n
            {
                f.seen += 1;
                if f.seen >= *after_reads {
                    f.times = 0;
                    edit = Some(new_body.clone());
                }
            }
        }
        st.faults.retain(|f| f.times > 0);
        if let Some(body) = edit {
            let ts = st.tick();
            if let Some(issue) = st.issues.get_mut(&n) {
                issue.body = Some(body);
                issue.updated_at = ts;
            }
        }
    }
    with_common_headers(resp, &request_id, quota)
}

fn with_common_headers(mut resp: Resp, request_id: &str, quota: (u64, u64, u64)) -> Resp {
    let (limit, remaining, reset) = quota;
    let common = [
        ("x-ratelimit-limit", limit.to_string()),
        ("x-ratelimit-remaining", remaining.to_string()),
        ("x-ratelimit-reset", reset.to_string()),
        ("x-ratelimit-used", (limit - remaining).to_string()),
        ("x-ratelimit-resource", "core".to_string()),
        ("x-github-request-id", request_id.to_string()),
        ("x-github-media-type", "github.v3; format=json".to_string()),
        ("x-github-api-version-selected", "2022-11-28".to_string()),
        ("server", "github.com".to_string()),
    ];
    for (k, v) in common {
        if !resp.headers.iter().any(|(name, _)| name == k) {
            resp.headers.push((k.to_string(), v));
        }
    }
    resp
}

fn into_response(resp: Resp) -> Response {
    let status = StatusCode::from_u16(resp.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut headers = HeaderMap::new();
    if !resp.content_type.is_empty() {
        headers.insert("content-type", HeaderValue::from_static(resp.content_type));
    }
    for (k, v) in &resp.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) {
            headers.insert(name, value);
        }
    }
    (status, headers, resp.body).into_response()
}
