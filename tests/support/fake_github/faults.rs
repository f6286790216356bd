//! Faults a test injects into the fake GitHub: what each does and which
//! requests it matches.

use super::Method;

/// What an injected fault does when it fires.
#[derive(Debug, Clone)]
pub enum FaultKind {
    /// Perform the request, then answer `status` with GitHub's HTML error
    /// page: the client believes it failed although the change was made.
    /// Fires only on a request that would have succeeded.
    AfterEffect { status: u16 },
    /// Answer without acting.
    Before {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// A primary rate limit: 403, `x-ratelimit-remaining: 0` and
    /// `x-ratelimit-reset` `reset_in_secs` after the moment it fires.
    PrimaryRateLimit { reset_in_secs: u64 },
    /// After the `after_reads`-th answered `GET …/issues/{issue}` (counted from
    /// the injection), replace the issue's body: a person editing between
    /// the bot's read and its write.
    EditBodyAfterRead {
        issue: u64,
        after_reads: u32,
        new_body: String,
    },
    /// Wait `ms` (at most 10 s) before answering.
    Delay { ms: u64 },
}

/// A fault with its matcher: a method (`None`: any) and a path pattern that
/// matches at segment boundaries anywhere in the request path (`"/comments"`
/// matches `…/issues/3/comments` and `…/issues/comments/7`; `"/issues/1"`
/// matches `…/issues/1` and `…/issues/1/labels` but not `…/issues/12`; `""`
/// matches everything). It fires `times` times (default 1).
#[derive(Debug, Clone)]
pub struct Fault {
    pub method: Option<Method>,
    pub path: String,
    pub kind: FaultKind,
    pub times: u32,
    pub(crate) seen: u32,
}

impl Fault {
    pub fn new(method: Option<Method>, path: &str, kind: FaultKind) -> Fault {
        Fault {
            method,
            path: path.into(),
            kind,
            times: 1,
            seen: 0,
        }
    }

    /// Do the change, then answer `status` (e.g. 502) with an HTML page.
    pub fn after_effect(method: Method, path: &str, status: u16) -> Fault {
        Fault::new(Some(method), path, FaultKind::AfterEffect { status })
    }

    /// Answer `status` with `headers` and `body`, doing nothing.
    pub fn before(
        method: Method,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        body: &str,
    ) -> Fault {
        let headers = headers
            .iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_string()))
            .collect();
        Fault::new(
            Some(method),
            path,
            FaultKind::Before {
                status,
                headers,
                body: body.into(),
            },
        )
    }

    /// Answer `status` with the body GitHub sends for it: 429 as a
    /// secondary rate limit (`retry-after: 1`), 500/502/503/504 as server
    /// errors (502 as the HTML unicorn page).
    pub fn status(method: Method, path: &str, status: u16) -> Fault {
        match status {
            429 => Fault::before(
                method,
                path,
                429,
                &[("retry-after", "1")],
                SECONDARY_RATE_LIMIT_BODY,
            ),
            502 => {
                let mut f = Fault::before(method, path, 502, &[], UNICORN_PAGE);
                if let FaultKind::Before { headers, .. } = &mut f.kind {
                    headers.push(("content-type".into(), "text/html; charset=utf-8".into()));
                }
                f
            }
            503 => Fault::before(
                method,
                path,
                503,
                &[],
                r#"{"message":"Service Unavailable","documentation_url":"https://docs.github.com/rest","status":"503"}"#,
            ),
            _ => Fault::before(
                method,
                path,
                status,
                &[],
                &format!(
                    r#"{{"message":"Server Error","documentation_url":"https://docs.github.com/rest","status":"{status}"}}"#
                ),
            ),
        }
    }

    /// 403 with `retry-after: 1` and GitHub's secondary-rate-limit message
    /// (the usual rate-limit headers still show quota left).
    pub fn secondary_rate_limit(method: Method, path: &str) -> Fault {
        Fault::before(
            method,
            path,
            403,
            &[("retry-after", "1")],
            SECONDARY_RATE_LIMIT_BODY,
        )
    }

    /// 403 with `x-ratelimit-remaining: 0` and a reset one second away.
    pub fn primary_rate_limit(method: Method, path: &str) -> Fault {
        Fault::new(
            Some(method),
            path,
            FaultKind::PrimaryRateLimit { reset_in_secs: 1 },
        )
    }

    /// Replace issue `issue`'s body with `new_body` once its `after_reads`-th
    /// `GET` has been answered.
    pub fn edit_body_after_read(issue: u64, after_reads: u32, new_body: &str) -> Fault {
        Fault::new(
            Some(Method::GET),
            &format!("/issues/{issue}"),
            FaultKind::EditBodyAfterRead {
                issue,
                after_reads,
                new_body: new_body.into(),
            },
        )
    }

    /// Wait `ms` milliseconds (capped at 10 s) before answering.
    pub fn delay(method: Method, path: &str, ms: u64) -> Fault {
        Fault::new(Some(method), path, FaultKind::Delay { ms })
    }

    /// Fire `n` times instead of once.
    pub fn times(mut self, n: u32) -> Fault {
        self.times = n;
        self
    }

    /// Match any method.
    pub fn any_method(mut self) -> Fault {
        self.method = None;
        self
    }

    pub(crate) fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method) && path_matches(path, &self.path)
    }
}

fn path_matches(path: &str, pattern: &str) -> bool {
    pattern.is_empty()
        || path.match_indices(pattern).any(|(i, _)| {
            let after = &path[i + pattern.len()..];
            after.is_empty() || after.starts_with('/') || pattern.ends_with('/')
        })
}

const SECONDARY_RATE_LIMIT_BODY: &str = r#"{"message":"You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:00000:000000:0000000:00000000.","documentation_url":"https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits","status":"403"}"#;

pub(crate) const UNICORN_PAGE: &str = "<!DOCTYPE html>\n<html>\n  <head>\n    <meta http-equiv=\"Content-type\" content=\"text/html; charset=utf-8\">\n    <title>Unicorn! &middot; GitHub</title>\n  </head>\n  <body>\n    <div class=\"container\">\n      <p><strong>We had issues producing the response to your request.</strong></p>\n      <p>Sorry about that. Please try refreshing and contact us if the problem persists.</p>\n    </div>\n  </body>\n</html>\n";
