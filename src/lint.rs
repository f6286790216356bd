//! Known Pendo and Supabase pitfalls in what the issue reports (`issue.request`).
//!
//! Most `[API]` issues are one of a dozen mistakes a maintainer recognises at a glance:
//! the aggregation endpoint called with GET, `limit`/`offset` on list endpoints that
//! ignore them, a `timeSeries` that starts at `now()`, the wrong Pendo host, a Supabase
//! `sb_secret_` key sent as a bearer token, a paused project, an out-of-memory Edge
//! Function. This module reads the issue's fields, its request, response and curl, and its
//! code blocks, and names each pitfall it sees with a quote from the issue and a one-line
//! fix. It is pure and offline: it never calls anything and never judges whether the
//! reporter's key works, only what the text shows.
//!
//! Evidence is quoted unredacted (short, one line); callers redact it before it is shown.
//! Impact: a pitfall that explains a degraded or failing sync is `Degraded`; it is
//! `Critical` only when the issue shows auth rejected, the project down or the schema
//! missing, which is what the severity policy treats as broken.

use crate::checks::Impact::{self, Critical, Degraded};
use crate::issue::{HttpMethod, Issue};
use regex::Regex;
use std::ops::Range;
use std::sync::LazyLock;

/// One pitfall found in the reported request, response or curl.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Lint {
    /// Stable id, e.g. `aggregation-get`.
    pub id: &'static str,
    /// One line saying what is wrong.
    pub title: String,
    /// The text in the issue that shows it (short, unredacted: callers redact).
    pub evidence: String,
    /// One line saying how to fix it.
    pub fix: String,
    pub impact: Impact,
    /// Area label keys this pitfall points at (`supabase`, `database`, `edge-functions`, …).
    pub areas: &'static [&'static str],
}

/// Every pitfall the issue shows, in a stable order.
pub fn lint(issue: &Issue) -> Vec<Lint> {
    let facts = Facts::read(issue);
    let mut found: Vec<Lint> = Vec::new();
    for p in PITFALLS {
        if let Some(evidence) = (p.detect)(&facts, &found) {
            found.push(Lint {
                id: p.id,
                title: p.title.to_string(),
                evidence,
                fix: p.fix.to_string(),
                impact: p.impact,
                areas: p.areas,
            });
        }
    }
    found
}

/// One known pitfall: what the report says about it, and how to see it in an issue.
struct Pitfall {
    id: &'static str,
    impact: Impact,
    areas: &'static [&'static str],
    title: &'static str,
    fix: &'static str,
    /// A quote from the issue showing the pitfall. Sees the lints found before it, to
    /// stay quiet when an earlier, more direct one already explains the symptom.
    detect: fn(&Facts, &[Lint]) -> Option<String>,
}

/// Every pitfall, in report order: request shape first, then auth, then what the
/// backends answered, then code mistakes.
#[rustfmt::skip]
const PITFALLS: &[Pitfall] = &[
    Pitfall { id: "aggregation-get", impact: Degraded, areas: &["pendo-api", "edge-functions"], detect: aggregation_get,
        title: "Pendo's aggregation endpoint is called with GET (Pendo answers \"missing jzb\")",
        fix: "Send POST /api/v1/aggregation with the JSON body and Content-Type: application/json." },
    Pitfall { id: "aggregation-missing-request", impact: Degraded, areas: &["pendo-api", "edge-functions"], detect: aggregation_missing_request,
        title: "The aggregation body has no top-level \"request\" wrapper (Pendo: \"pipeline\": Required)",
        fix: r#"Wrap it: {"response":{"mimeType":"application/json"},"request":{"pipeline":[…]}}."# },
    Pitfall { id: "timeseries-first-now", impact: Degraded, areas: &["pendo-api", "edge-functions"], detect: timeseries_first_now,
        title: "timeSeries starts at now() with a positive count, so the window is (almost) empty",
        fix: r#"Count backwards from now: count: -N, or first: "dateAdd(now(), -N, \"days\")" with a positive count."# },
    Pitfall { id: "pendo-list-pagination", impact: Degraded, areas: &["pendo-api", "edge-functions", "database"], detect: pendo_list_pagination,
        title: "limit/offset on a Pendo list endpoint: Pendo ignores them and returns every row on each page",
        fix: "Fetch the list once (no limit/offset) and dedupe by id; to page, use an aggregation with a limit step." },
    Pitfall { id: "upsert-duplicate-rows", impact: Degraded, areas: &["database", "supabase"], detect: upsert_duplicate_rows,
        title: "The upsert batch holds the same id twice (ON CONFLICT DO UPDATE cannot affect row a second time)",
        fix: "Dedupe rows by their conflict key before upsert (e.g. new Map(rows.map(r => [r.id, r])).values())." },
    Pitfall { id: "pendo-wrong-host", impact: Degraded, areas: &["pendo-api", "edge-functions"], detect: pendo_wrong_host,
        title: "Requests go to a host that is not Pendo's API (api.pendo.io)",
        fix: "Use https://app.pendo.io, or your region's host: app.eu.pendo.io, us1.app.pendo.io, app.jpn.pendo.io, app.au.pendo.io." },
    Pitfall { id: "pendo-region-mismatch", impact: Critical, areas: &["pendo-api"], detect: pendo_region_mismatch,
        title: "The integration key's region does not match the Pendo host, so Pendo rejects it",
        fix: "Send the key to its region's host: .eu → app.eu.pendo.io, .us1 → us1.app.pendo.io, .jpn → app.jpn.pendo.io, .au → app.au.pendo.io, .us → app.pendo.io." },
    Pitfall { id: "pendo-bearer-auth", impact: Critical, areas: &["pendo-api"], detect: pendo_bearer_auth,
        title: "Pendo is sent an Authorization: Bearer header; its v1 API only reads x-pendo-integration-key",
        fix: "Send the key as the header X-Pendo-Integration-Key: <key> (no Bearer)." },
    Pitfall { id: "pendo-unauthorized", impact: Critical, areas: &["pendo-api"], detect: pendo_unauthorized,
        title: "Pendo rejects the integration key (401/403)",
        fix: "Check the key is active in Pendo (Settings → Integrations → Integration Keys), is the one deployed (supabase secrets list), and matches the host's region." },
    Pitfall { id: "supabase-new-key-as-bearer", impact: Critical, areas: &["supabase", "edge-functions"], detect: supabase_new_key_as_bearer,
        title: "An sb_secret_/sb_publishable_ key is sent as Authorization: Bearer; these keys are not JWTs",
        fix: "Send it in the apikey header (apikey: sb_secret_…) and drop the Bearer header, or use a JWT there." },
    Pitfall { id: "jwt-invalid", impact: Critical, areas: &["supabase"], detect: jwt_invalid,
        title: "Supabase rejects the key or JWT (invalid, expired or not accepted)",
        fix: "Use the project's current key from Dashboard → Settings → API (after a JWT secret rotation, redeploy it everywhere)." },
    Pitfall { id: "table-missing", impact: Critical, areas: &["database", "supabase"], detect: table_missing,
        title: "The table does not exist, or PostgREST's schema cache does not know it yet",
        fix: "Apply the migration (supabase db push / migration up), then reload the cache: NOTIFY pgrst, 'reload schema';" },
    Pitfall { id: "permission-denied", impact: Critical, areas: &["database", "supabase"], detect: permission_denied,
        title: "Postgres refuses the write (permission denied / row-level security)",
        fix: "Write with the service_role (or secret) key, or add an RLS policy and GRANT for the role the sync uses." },
    Pitfall { id: "duplicate-key", impact: Degraded, areas: &["database"], detect: duplicate_key,
        title: "An insert hits a unique constraint (duplicate key value, 23505)",
        fix: "Upsert on the unique column (onConflict: 'id') instead of insert, and dedupe the batch first." },
    Pitfall { id: "single-row-expected", impact: Degraded, areas: &["database", "supabase"], detect: single_row_expected,
        title: ".single() got zero or several rows (PGRST116)",
        fix: "Use .maybeSingle() when the row may be absent, or filter on a unique column." },
    Pitfall { id: "project-paused", impact: Critical, areas: &["supabase"], detect: project_paused,
        title: "The Supabase project is paused (HTTP 540)",
        fix: "Restore the project in the Supabase dashboard (check billing / inactivity pause), then re-run the sync." },
    Pitfall { id: "edge-function-resources", impact: Degraded, areas: &["edge-functions", "performance"], detect: edge_function_resources,
        title: "The Edge Function runs out of memory/CPU (546 WORKER_LIMIT)",
        fix: "Process smaller batches (page the aggregation, insert in chunks of ~500) and stream instead of holding all rows." },
    Pitfall { id: "edge-function-timeout", impact: Degraded, areas: &["edge-functions", "performance"], detect: edge_function_timeout,
        title: "The Edge Function hits its wall-clock limit (150 s on free, 400 s on paid)",
        fix: "Sync incrementally in smaller windows per invocation, or hand the rest to a background task / next cron run." },
    Pitfall { id: "netlify-function-timeout", impact: Degraded, areas: &["netlify", "performance"], detect: netlify_function_timeout,
        title: "The Netlify Function times out (10 s by default, 26 s at most)",
        fix: "Move the sync into a Supabase Edge Function or a Netlify Background Function; keep Netlify for reads." },
    Pitfall { id: "pg-net-timeout", impact: Degraded, areas: &["database", "monitoring"], detect: pg_net_timeout,
        title: "pg_net gave up waiting for the function (its default timeout is 5 s)",
        fix: "Pass timeout_milliseconds := 150000 to net.http_post, and read results from net._http_response." },
    Pitfall { id: "pendo-rate-limited", impact: Degraded, areas: &["pendo-api", "performance"], detect: pendo_rate_limited,
        title: "Pendo rate-limits the sync (429 Too Many Requests)",
        fix: "Back off and honour Retry-After, lower concurrency, and retry per chunk instead of failing the run." },
    Pitfall { id: "relative-fetch-in-edge-function", impact: Degraded, areas: &["edge-functions"], detect: relative_fetch_in_edge_function,
        title: "An Edge Function fetches a relative URL; Deno has no origin, so it throws \"Invalid URL\"",
        fix: "Call the absolute URL (https://app.pendo.io/api/v1/…), built from an environment variable." },
    Pitfall { id: "post-without-content-type", impact: Degraded, areas: &["pendo-api"], detect: post_without_content_type,
        title: "A POST to Pendo carries a body but no Content-Type header",
        fix: "Add Content-Type: application/json (fetch sends text/plain, curl -d sends form data)." },
    Pitfall { id: "missing-expand-all-apps", impact: Degraded, areas: &["pendo-api", "edge-functions"], detect: missing_expand_all_apps,
        title: "Only the default Pendo app is read (no expand=* / expandAppIds(\"*\")), so counts fall short",
        fix: r#"Add ?expand=* to list endpoints, and "appId": "expandAppIds(\"*\")" to aggregation sources."# },
    Pitfall { id: "pendo-key-placeholder", impact: Impact::None, areas: &["pendo-api"], detect: pendo_key_placeholder,
        title: "The manual curl still sends the template's placeholder key, so that test cannot have passed",
        fix: "Re-run it with the real key from the environment: -H \"X-Pendo-Integration-Key: $PENDO_INTEGRATION_KEY\"." },
];

/// Lints that explain missing rows on their own (the sync fails, or pages repeat rows):
/// with one of them, `missing-expand-all-apps` stays quiet.
const SYNC_FAILS: &[&str] = &[
    "pendo-list-pagination",
    "upsert-duplicate-rows",
    "pendo-unauthorized",
    "pendo-bearer-auth",
    "pendo-region-mismatch",
    "jwt-invalid",
    "table-missing",
    "permission-denied",
    "project-paused",
    "edge-function-resources",
    "edge-function-timeout",
];

// ---------------------------------------------------------------------------------------
// What the issue shows, gathered once.

/// Where a reported call came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CallKind {
    Fetch,
    Curl,
    /// The `Endpoint` / `Method` fields.
    Endpoint,
}

/// A request the issue says was made.
struct Call<'a> {
    kind: CallKind,
    url: &'a str,
    /// The method actually sent (fetch and curl default to GET).
    method: Option<HttpMethod>,
    headers: &'a [(String, String)],
    body: Option<&'a str>,
    source: &'a str,
}

impl Call<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `GET https://app.pendo.io/api/v1/aggregation`.
    fn summary(&self) -> String {
        match self.method {
            Some(m) => format!("{} {}", m.as_str(), self.url),
            None => self.url.to_string(),
        }
    }

    /// The line of the call's source that holds `needle` (ASCII case-insensitive).
    fn quote(&self, needle: &str) -> String {
        quote_word(self.source, needle).unwrap_or_else(|| self.summary())
    }

    fn is_pendo(&self) -> bool {
        is_pendo_api(self.url)
    }
}

struct Facts<'a> {
    issue: &'a Issue,
    /// Every piece of reported text: field values, code blocks, request/response/curl.
    texts: Vec<&'a str>,
    /// Field values only.
    fields: Vec<&'a str>,
    calls: Vec<Call<'a>>,
    /// Pendo API URLs in calls and texts, each with a quote of where it appears.
    urls: Vec<(&'a str, String)>,
}

impl<'a> Facts<'a> {
    fn read(issue: &'a Issue) -> Self {
        let fields: Vec<&str> = issue.fields.values().filter_map(|v| v.as_deref()).collect();
        let mut texts: Vec<&str> = fields.clone();
        let mut push = |t: &'a str| {
            if !t.trim().is_empty() && !texts.contains(&t) {
                texts.push(t);
            }
        };
        issue.code_blocks.iter().for_each(|b| push(&b.text));
        if let Some(r) = &issue.request {
            push(&r.source);
            r.body.as_deref().into_iter().for_each(&mut push);
        }
        if let Some(r) = &issue.response {
            push(&r.source);
        }
        if let Some(c) = &issue.curl {
            push(&c.source);
            c.body.as_deref().into_iter().for_each(&mut push);
        }
        issue.endpoint.as_deref().into_iter().for_each(&mut push);

        let mut calls = Vec::new();
        if let Some(r) = &issue.request
            && let Some(url) = r.url.as_deref()
        {
            calls.push(Call {
                kind: CallKind::Fetch,
                url,
                method: Some(r.method.unwrap_or(HttpMethod::Get)),
                headers: &r.headers,
                body: r.body.as_deref(),
                source: &r.source,
            });
        }
        if let Some(c) = &issue.curl
            && let Some(url) = c.url.as_deref()
        {
            calls.push(Call {
                kind: CallKind::Curl,
                url,
                method: Some(c.method.unwrap_or(HttpMethod::Get)),
                headers: &c.headers,
                body: c.body.as_deref(),
                source: &c.source,
            });
        }
        if let Some(url) = issue.endpoint.as_deref() {
            let (headers, body) = (&[][..], None);
            let method = issue.method;
            let (kind, source) = (CallKind::Endpoint, url);
            calls.push(Call {
                kind,
                url,
                method,
                headers,
                body,
                source,
            });
        }

        let mut urls: Vec<(&str, String)> = Vec::new();
        for c in calls.iter().filter(|c| c.is_pendo()) {
            urls.push((c.url, c.quote(c.url)));
        }
        for t in &texts {
            for m in PENDO_URL.find_iter(t) {
                if !urls.iter().any(|(u, _)| *u == m.as_str()) {
                    urls.push((m.as_str(), quote(t, m.range())));
                }
            }
        }
        Facts {
            issue,
            texts,
            fields,
            calls,
            urls,
        }
    }

    /// A quote of the first match of `re` in any reported text.
    fn find(&self, re: &Regex) -> Option<String> {
        find_in(&self.texts, re)
    }

    fn mentions(&self, re: &Regex) -> bool {
        self.texts.iter().any(|t| re.is_match(t))
    }

    /// A quote showing one of `codes` as the HTTP status the reporter got.
    fn status(&self, codes: &[u16]) -> Option<String> {
        let in_text = |t: &str| {
            STATUS.captures_iter(t).find_map(|c| {
                let code = c.get(1)?;
                codes
                    .contains(&code.as_str().parse().ok()?)
                    .then(|| quote(t, code.range()))
            })
        };
        if let Some(r) = &self.issue.response
            && let Some(s) = r.status.filter(|s| codes.contains(s))
        {
            let fallback = || quote_word(&r.source, &s.to_string());
            return in_text(&r.source)
                .or_else(fallback)
                .or_else(|| Some(format!("status {s}")));
        }
        self.texts.iter().find_map(|t| in_text(t))
    }

    /// The response's PostgREST / Postgres `code`, when it is one of `codes`.
    fn response_code(&self, codes: &[&str]) -> Option<String> {
        let r = self.issue.response.as_ref()?;
        let code = r.code.as_deref().filter(|c| codes.contains(c))?;
        Some(quote_word(&r.source, code).unwrap_or(format!("code {code}")))
    }
}

fn find_in(texts: &[&str], re: &Regex) -> Option<String> {
    texts
        .iter()
        .find_map(|t| re.find(t).map(|m| quote(t, m.range())))
}

// ---------------------------------------------------------------------------------------
// Pendo request shape.

fn aggregation_get(f: &Facts, _: &[Lint]) -> Option<String> {
    f.calls
        .iter()
        .find(|c| c.url.contains("/api/v1/aggregation") && c.method == Some(HttpMethod::Get))
        .map(Call::summary)
        .or_else(|| f.find(&MISSING_JZB))
}

fn aggregation_missing_request(f: &Facts, _: &[Lint]) -> Option<String> {
    let unwrapped = f.texts.iter().find_map(|t| {
        let m = PIPELINE_KEY.find(t)?;
        (!REQUEST_KEY.is_match(t)).then(|| quote(t, m.range()))
    });
    unwrapped.or_else(|| f.find(&PIPELINE_REQUIRED))
}

fn timeseries_first_now(f: &Facts, _: &[Lint]) -> Option<String> {
    let in_code = f.texts.iter().find_map(|t| {
        TIMESERIES.find_iter(t).find_map(|m| {
            let object = m.as_str();
            (FIRST_NOW.is_match(object) && POSITIVE_COUNT.is_match(object))
                .then(|| quote(t, m.range()))
        })
    });
    let in_prose = || {
        ["Filters Applied", "Time Range"].iter().find_map(|label| {
            let v = f.issue.field(label)?;
            let lower = v.to_ascii_lowercase();
            (lower.contains("timeseries")
                && lower.contains("now()")
                && PROSE_POSITIVE_COUNT.is_match(v))
            .then(|| format!("{label}: {}", shorten(v)))
        })
    };
    in_code.or_else(in_prose)
}

fn pendo_list_pagination(f: &Facts, _: &[Lint]) -> Option<String> {
    let in_url = f.urls.iter().find_map(|(url, quote)| {
        let (segment, query) = pendo_path(url)?;
        let paged = query.split('&').any(|kv| {
            let key = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
            PAGE_PARAMS.contains(&key.as_str())
        });
        (LIST_ENDPOINTS.contains(&segment.as_str()) && paged).then(|| quote.clone())
    });
    let in_filters = || {
        let v = f.issue.field("Filters Applied")?;
        let lists = f.urls.iter().any(|(url, _)| {
            pendo_path(url).is_some_and(|(s, _)| LIST_ENDPOINTS.contains(&s.as_str()))
        });
        (lists && PAGE_PROSE.is_match(v)).then(|| format!("Filters Applied: {}", shorten(v)))
    };
    in_url.or_else(in_filters)
}

fn upsert_duplicate_rows(f: &Facts, _: &[Lint]) -> Option<String> {
    f.find(&ON_CONFLICT_TWICE)
        .or_else(|| f.response_code(&["21000"]))
}

// ---------------------------------------------------------------------------------------
// Pendo host and auth.

fn pendo_wrong_host(f: &Facts, _: &[Lint]) -> Option<String> {
    f.find(&WRONG_PENDO_HOST)
}

fn pendo_region_mismatch(f: &Facts, _: &[Lint]) -> Option<String> {
    f.calls.iter().find_map(|c| {
        let host_region = region_of_host(host(c.url)?)?;
        let key = c.header("x-pendo-integration-key")?.trim();
        let (_, suffix) = key.rsplit_once('.')?;
        let key_region = REGIONS.iter().find(|r| suffix.eq_ignore_ascii_case(r))?;
        (*key_region != host_region).then(|| {
            format!(
                "key ending in .{suffix} sent to {}",
                host(c.url).unwrap_or("")
            )
        })
    })
}

fn pendo_bearer_auth(f: &Facts, _: &[Lint]) -> Option<String> {
    f.calls.iter().find_map(|c| {
        let bearer = c
            .header("authorization")
            .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("bearer"));
        (c.is_pendo() && bearer && c.header("x-pendo-integration-key").is_none())
            .then(|| c.quote("authorization"))
    })
}

fn pendo_unauthorized(f: &Facts, earlier: &[Lint]) -> Option<String> {
    let explained = ["pendo-bearer-auth", "pendo-region-mismatch"];
    if earlier.iter().any(|l| explained.contains(&l.id)) {
        return None;
    }
    let evidence = f
        .status(&[401, 403])
        .or_else(|| f.find(&PENDO_KEY_REJECTED))?;
    let at_pendo = f
        .calls
        .iter()
        .any(|c| c.is_pendo() || c.url.contains("/api/pendo"))
        && !f.calls.iter().any(|c| is_supabase_url(c.url));
    let says_pendo = evidence.to_ascii_lowercase().contains("pendo");
    if !(at_pendo || says_pendo) || f.mentions(&SUPABASE_AUTH_TEXT) {
        return None;
    }
    Some(evidence)
}

fn supabase_new_key_as_bearer(f: &Facts, _: &[Lint]) -> Option<String> {
    let in_call = f.calls.iter().find_map(|c| {
        let v = c.header("authorization")?;
        NEW_KEY_BEARER_VALUE
            .is_match(v)
            .then(|| c.quote("authorization"))
    });
    in_call.or_else(|| f.find(&NEW_KEY_BEARER))
}

// ---------------------------------------------------------------------------------------
// What Supabase and Postgres answered.

fn jwt_invalid(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["PGRST301", "PGRST302", "PGRST303"])
        .or_else(|| f.find(&JWT_REJECTED))
}

fn table_missing(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["42P01", "PGRST205"])
        .or_else(|| f.find(&TABLE_MISSING))
}

fn permission_denied(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["42501"])
        .or_else(|| f.find(&PERMISSION_DENIED))
}

fn duplicate_key(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["23505"])
        .or_else(|| f.find(&DUPLICATE_KEY))
}

fn single_row_expected(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["PGRST116"])
        .or_else(|| f.find(&SINGLE_ROW))
}

fn project_paused(f: &Facts, _: &[Lint]) -> Option<String> {
    f.status(&[540]).or_else(|| f.find(&PROJECT_PAUSED))
}

fn edge_function_resources(f: &Facts, _: &[Lint]) -> Option<String> {
    f.status(&[546]).or_else(|| f.find(&WORKER_LIMIT))
}

fn edge_function_timeout(f: &Facts, _: &[Lint]) -> Option<String> {
    let gateway_timeout = || f.status(&[504]).filter(|_| f.mentions(&EDGE_CONTEXT));
    f.find(&EDGE_TIMEOUT).or_else(gateway_timeout)
}

fn netlify_function_timeout(f: &Facts, _: &[Lint]) -> Option<String> {
    f.find(&NETLIFY_TIMEOUT)
}

fn pg_net_timeout(f: &Facts, _: &[Lint]) -> Option<String> {
    f.find(&PG_NET_TIMEOUT)
}

fn pendo_rate_limited(f: &Facts, _: &[Lint]) -> Option<String> {
    let throttled = || {
        let v = f.issue.field("Throttling")?;
        THROTTLED_YES
            .is_match(v)
            .then(|| format!("Throttling: {}", shorten(v)))
    };
    f.status(&[429])
        .or_else(|| f.find(&RATE_LIMIT_TEXT))
        .or_else(throttled)
}

// ---------------------------------------------------------------------------------------
// Code mistakes.

fn relative_fetch_in_edge_function(f: &Facts, _: &[Lint]) -> Option<String> {
    let in_block = f.issue.code_blocks.iter().find_map(|b| {
        let m = RELATIVE_FETCH.find(&b.text)?;
        let edge =
            b.section.to_ascii_lowercase().contains("edge function") || EDGE_CODE.is_match(&b.text);
        edge.then(|| quote(&b.text, m.range()))
    });
    let in_request = || {
        let r = f.issue.request.as_ref()?;
        let relative = r.url.as_deref()?.starts_with('/');
        (relative && (EDGE_CODE.is_match(&r.source) || f.mentions(&INVALID_URL)))
            .then(|| quote_word(&r.source, "fetch(").unwrap_or_default())
    };
    in_block.or_else(in_request)
}

fn post_without_content_type(f: &Facts, _: &[Lint]) -> Option<String> {
    f.calls.iter().find_map(|c| {
        let sends_json = c.kind == CallKind::Curl && c.source.contains("--json");
        (c.is_pendo()
            && c.method == Some(HttpMethod::Post)
            && c.body.is_some()
            && c.header("content-type").is_none()
            && !sends_json)
            .then(|| c.summary())
    })
}

fn missing_expand_all_apps(f: &Facts, earlier: &[Lint]) -> Option<String> {
    if earlier.iter().any(|l| SYNC_FAILS.contains(&l.id)) || f.mentions(&EXPAND) {
        return None;
    }
    let complaint = ["Missing Data", "Data Validation"]
        .iter()
        .any(|label| f.issue.field(label).is_some())
        || f.fields.iter().any(|v| FEWER.is_match(v));
    if !complaint {
        return None;
    }
    let list_url = f.urls.iter().find_map(|(url, quote)| {
        let (segment, _) = pendo_path(url)?;
        APP_SCOPED
            .contains(&segment.as_str())
            .then(|| quote.clone())
    });
    let aggregation_source = || {
        f.texts.iter().find_map(|t| {
            let m = AGGREGATION_SOURCE.find(t)?;
            (PIPELINE_KEY.is_match(t) && !t.contains("appId")).then(|| quote(t, m.range()))
        })
    };
    list_url.or_else(aggregation_source)
}

fn pendo_key_placeholder(f: &Facts, _: &[Lint]) -> Option<String> {
    let curl = f.calls.iter().find(|c| c.kind == CallKind::Curl)?;
    let key = curl.header("x-pendo-integration-key")?;
    let lower = key.to_ascii_lowercase();
    let placeholder = lower.contains("your-") || key.starts_with(['<', '[']);
    let edited = !curl.url.ends_with("/api/v1/endpoint");
    let tested = f.issue.checklist.iter().any(|i| {
        i.checked
            && i.text
                .to_ascii_lowercase()
                .contains("test api endpoint manually")
    });
    if !(curl.is_pendo() && placeholder && (edited || tested)) {
        return None;
    }
    Some(curl.quote("x-pendo-integration-key"))
}

// ---------------------------------------------------------------------------------------
// URLs and quoting.

/// The Pendo v1 list endpoints (`/api/v1/guide`, …), which return everything at once.
const LIST_ENDPOINTS: &[&str] = &[
    "guide",
    "feature",
    "page",
    "report",
    "tracktype",
    "visitor",
    "account",
];
/// List endpoints that return only the default app unless `expand=*`.
const APP_SCOPED: &[&str] = &["guide", "feature", "page", "tracktype"];
const PAGE_PARAMS: &[&str] = &[
    "limit",
    "offset",
    "page",
    "skip",
    "per_page",
    "pagesize",
    "pagenumber",
    "cursor",
];

fn is_pendo_api(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.contains("pendo.io") || (lower.contains("/api/v1/") && !is_supabase_url(url))
}

fn is_supabase_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.contains("supabase.co") || lower.contains("/functions/v1/") || lower.contains("/rest/v1/")
}

/// For `…/api/v1/feature?limit=5`: the first path segment (`feature`, lower-cased) and the query.
fn pendo_path(url: &str) -> Option<(String, &str)> {
    let rest = &url[url.find("/api/v1/")? + "/api/v1/".len()..];
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let segment = path.split(['/', '#']).next().unwrap_or("");
    Some((segment.to_ascii_lowercase(), query))
}

fn host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', ':', '?', '#']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Pendo's regions, as integration-key suffixes.
const REGIONS: &[&str] = &["us", "us1", "eu", "jpn", "au"];

/// The region a Pendo API host serves, for the five official hosts.
fn region_of_host(host: &str) -> Option<&'static str> {
    match host.to_ascii_lowercase().as_str() {
        "app.pendo.io" => Some("us"),
        "us1.app.pendo.io" => Some("us1"),
        "app.eu.pendo.io" => Some("eu"),
        "app.jpn.pendo.io" => Some("jpn"),
        "app.au.pendo.io" => Some("au"),
        _ => None,
    }
}

const QUOTE_MAX: usize = 120;

/// The trimmed line of `text` around `at`, cut to about [`QUOTE_MAX`] bytes.
fn quote(text: &str, at: Range<usize>) -> String {
    let start = text[..at.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[at.start..]
        .find('\n')
        .map_or(text.len(), |i| at.start + i);
    if end - start <= QUOTE_MAX {
        return text[start..end].trim().to_string();
    }
    let mut lo = at.start.saturating_sub(QUOTE_MAX / 3).max(start);
    while !text.is_char_boundary(lo) {
        lo -= 1;
    }
    let mut hi = (lo + QUOTE_MAX).min(end);
    while !text.is_char_boundary(hi) {
        hi -= 1;
    }
    let head = if lo > start { "…" } else { "" };
    let tail = if hi < end { "…" } else { "" };
    format!("{head}{}{tail}", text[lo..hi].trim())
}

/// A quote of the first line of `text` holding `needle`, ASCII case-insensitively.
fn quote_word(text: &str, needle: &str) -> Option<String> {
    let at = text
        .to_ascii_lowercase()
        .find(&needle.to_ascii_lowercase())?;
    Some(quote(text, at..at + needle.len()))
}

/// A field value cut to one short line.
fn shorten(value: &str) -> String {
    quote(value, 0..0)
}

// ---------------------------------------------------------------------------------------
// Patterns.

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("lint patterns are valid")
}

static PENDO_URL: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?:https?://[A-Za-z0-9.-]+)?/api/v1/[A-Za-z0-9_.{}$/-]*(?:\?[^\s'"`<>)\]]*)?"#)
});
static STATUS: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?i)(?:\bstatus(?:[ _]?code)?|\bhttp(?:/[\d.]+)?|\berror|\bcode|\breturns?|\breturned|\bgot|\bgets|\banswers?|\bresponds? with)["']?\s*[:=]?\s*["']?(?:\*\*)?([1-5]\d\d)\b"#,
    )
});
static MISSING_JZB: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)missing jzb"));
static PIPELINE_KEY: LazyLock<Regex> = LazyLock::new(|| regex(r#"["']?\bpipeline["']?\s*:\s*\["#));
static REQUEST_KEY: LazyLock<Regex> = LazyLock::new(|| regex(r#"["']?\brequest["']?\s*:"#));
static PIPELINE_REQUIRED: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"(?i)\\?"?pipeline\\?"?\s*:\s*\\?"?required"#));
static TIMESERIES: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"timeSeries\\?["']?\s*:\s*\{[^{}]*\}"#));
static FIRST_NOW: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"\bfirst\\?["']?\s*:\s*\\?["'`]now\(\)\\?["'`]"#));
static POSITIVE_COUNT: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"\bcount\\?["']?\s*:\s*\+?[1-9]"#));
static PROSE_POSITIVE_COUNT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\bcount\s*[:=]?\s*\+?[1-9]"));
static PAGE_PROSE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(?:limit|offset|page(?:size)?|per_page)\s*[=:]"));
static ON_CONFLICT_TWICE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)cannot affect row a second time"));
static WRONG_PENDO_HOST: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)(?-u:\b)api\.(?:(?:eu|us1|jpn|au)\.)?pendo\.io\b|https?://(?:www\.)?pendo\.io/api")
});
static PENDO_KEY_REJECTED: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)invalid integration key|integration key (?:is )?(?:invalid|not valid|revoked)")
});
static SUPABASE_AUTH_TEXT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\bPGRST30\d|invalid jwt|jwt expired|double check your supabase"));
static NEW_KEY_BEARER_VALUE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)^\s*bearer\s+sb_(?:secret|publishable)_"));
static NEW_KEY_BEARER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?i)authorization["'`]?\s*[:=,]\s*["'`]?\s*bearer\s+sb_(?:secret|publishable)_"#)
});
static JWT_REJECTED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"\bPGRST30[123]\b|(?i:jwt expired|JWSError|JWSInvalidSignature|invalid jwt|jwt (?:is )?malformed|double check your supabase)",
    )
});
static TABLE_MISSING: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"\b42P01\b|\bPGRST205\b|(?i:relation "[^"\n]+" does not exist|could not find the table)"#,
    )
});
static PERMISSION_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?i)permission denied for (?:table|schema|relation|sequence|function|view)|violates row-level security|(?:code|sqlstate|error)["']?\s*[:=]?\s*["']?42501\b"#,
    )
});
static DUPLICATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?i)duplicate key value violates unique constraint|(?:code|sqlstate|error)["']?\s*[:=]?\s*["']?23505\b"#,
    )
});
static SINGLE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"\bPGRST116\b|(?i:JSON object requested, multiple \(or no\) rows returned|cannot coerce the result to a single JSON object)",
    )
});
static PROJECT_PAUSED: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)project (?:is |was |has been )?paused|paused project"));
static WORKER_LIMIT: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"WORKER_LIMIT|(?i:not having enough compute resources|memory limit exceeded)")
});
static EDGE_TIMEOUT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)function timed out|\bwall[ _-]?clock\b|\bwallclock\b"));
static EDGE_CONTEXT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)edge function|/functions/v1/|\bdeno\b"));
static NETLIFY_TIMEOUT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)task timed out after \d+(?:\.\d+)? seconds"));
static PG_NET_TIMEOUT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)timeout of \d+ ?ms reached|timeout was reached|operation timed out after \d+ milliseconds",
    )
});
static RATE_LIMIT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)too many requests|rate[ -]?limit(?:ed|ing)? (?:exceeded|reached|hit)|\brate[ -]?limited\b",
    )
});
static THROTTLED_YES: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)^\W*(?:yes|y|true)\b|\bthrottled\b"));
static RELATIVE_FETCH: LazyLock<Regex> = LazyLock::new(|| regex(r#"\bfetch\(\s*["'`]/(?:[^/]|$)"#));
static EDGE_CODE: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"\bDeno\.|\bjsr:|\bnpm:|esm\.sh|\bserve\("#));
static INVALID_URL: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)invalid url"));
static EXPAND: LazyLock<Regex> = LazyLock::new(|| regex(r"(?i)expandAppIds|\bexpand="));
static FEWER: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)\b(?:fewer|lower than|less than|missing|mismatch\w*|(?:don'?t|doesn'?t|do not|does not) match|differs?|below)\b|\d\s*%\s*lower",
    )
});
static AGGREGATION_SOURCE: LazyLock<Regex> =
    LazyLock::new(|| regex(r#"["']?\bsource["']?\s*:\s*\{"#));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::{ChecklistItem, CodeBlock, CurlCommand, ReportedRequest, ReportedResponse};

    fn ids(issue: &Issue) -> Vec<&'static str> {
        lint(issue).iter().map(|l| l.id).collect()
    }

    #[track_caller]
    fn fires(issue: &Issue, id: &str) -> Lint {
        let all = lint(issue);
        let ids: Vec<_> = all.iter().map(|l| l.id).collect();
        all.into_iter()
            .find(|l| l.id == id)
            .unwrap_or_else(|| panic!("{id} not found; got {ids:?}"))
    }

    #[track_caller]
    fn silent(issue: &Issue, id: &str) {
        assert!(!ids(issue).contains(&id), "{id} fired: {:?}", lint(issue));
    }

    fn fetch(url: &str, method: &str, headers: &[(&str, &str)], body: Option<&str>) -> Issue {
        let mut source =
            format!("const res = await fetch('{url}', {{\n  method: '{method}',\n  headers: {{\n");
        for (k, v) in headers {
            source.push_str(&format!("    '{k}': '{v}',\n"));
        }
        source.push_str("  },\n");
        if let Some(b) = body {
            source.push_str(&format!("  body: {b}\n"));
        }
        source.push_str("});\n");
        Issue {
            request: Some(ReportedRequest {
                url: Some(url.to_string()),
                method: HttpMethod::from_text(method),
                headers: pairs(headers),
                body: body.map(str::to_string),
                source,
            }),
            ..Issue::default()
        }
    }

    fn curl(method: &str, url: &str, headers: &[(&str, &str)], body: Option<&str>) -> Issue {
        let mut source = format!("curl -X {method} \"{url}\"");
        for (k, v) in headers {
            source.push_str(&format!(" \\\n  -H \"{k}: {v}\""));
        }
        if let Some(b) = body {
            source.push_str(&format!(" \\\n  -d '{b}'"));
        }
        Issue {
            curl: Some(CurlCommand {
                method: HttpMethod::from_text(method),
                url: Some(url.to_string()),
                headers: pairs(headers),
                body: body.map(str::to_string),
                source,
            }),
            ..Issue::default()
        }
    }

    fn pairs(headers: &[(&str, &str)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// A JSON response block, read the way the issue parser reads it.
    fn response(source: &str) -> Issue {
        let json: serde_json::Value = serde_json::from_str(source).expect("test JSON");
        let text = |k: &str| json.get(k).and_then(|v| v.as_str()).map(str::to_string);
        Issue {
            response: Some(ReportedResponse {
                status: json
                    .get("status")
                    .and_then(|v| v.as_u64())
                    .map(|s| s as u16),
                error: text("error").or_else(|| text("message")),
                details: text("details"),
                code: text("code"),
                json: Some(json.clone()),
                parse_error: None,
                source: source.to_string(),
            }),
            ..Issue::default()
        }
    }

    fn fields(pairs: &[(&str, &str)]) -> Issue {
        let mut issue = Issue::default();
        for (k, v) in pairs {
            issue.fields.insert(k.to_string(), Some(v.to_string()));
        }
        issue
    }

    fn block(lang: &str, section: &str, text: &str) -> Issue {
        Issue {
            code_blocks: vec![CodeBlock {
                lang: lang.to_string(),
                text: text.to_string(),
                section: section.to_string(),
            }],
            ..Issue::default()
        }
    }

    /// Merges what each part reports into one issue.
    fn and(mut a: Issue, b: Issue) -> Issue {
        a.request = a.request.or(b.request);
        a.response = a.response.or(b.response);
        a.curl = a.curl.or(b.curl);
        a.endpoint = a.endpoint.or(b.endpoint);
        a.method = a.method.or(b.method);
        a.fields.extend(b.fields);
        a.code_blocks.extend(b.code_blocks);
        a.checklist.extend(b.checklist);
        a
    }

    fn endpoint(method: &str, url: &str) -> Issue {
        Issue {
            endpoint: Some(url.to_string()),
            method: HttpMethod::from_text(method),
            ..Issue::default()
        }
    }

    const JSON: (&str, &str) = ("Content-Type", "application/json");
    const PENDO_KEY: (&str, &str) = (
        "X-Pendo-Integration-Key",
        "3f2a9c1e-7b4d-4e8a-9c2f-1a6b5d8e0f47",
    );
    const AGG: &str = "https://app.pendo.io/api/v1/aggregation";

    #[test]
    fn an_empty_issue_has_no_lints() {
        assert!(lint(&Issue::default()).is_empty());
    }

    #[test]
    fn aggregation_get() {
        let l = fires(
            &fetch(AGG, "GET", &[PENDO_KEY, JSON], Some("JSON.stringify(q)")),
            "aggregation-get",
        );
        assert_eq!(l.evidence, format!("GET {AGG}"));
        assert_eq!(l.impact, Degraded);
        fires(&endpoint("GET", "/api/v1/aggregation"), "aggregation-get");
        fires(
            &fields(&[("Error Logs", "Pendo answers 400 missing jzb")]),
            "aggregation-get",
        );
        silent(
            &fetch(AGG, "POST", &[PENDO_KEY, JSON], Some("JSON.stringify(q)")),
            "aggregation-get",
        );
        silent(
            &fetch(
                "https://app.pendo.io/api/v1/guide",
                "GET",
                &[PENDO_KEY],
                None,
            ),
            "aggregation-get",
        );
    }

    #[test]
    fn aggregation_missing_request() {
        let bare = r#"{"response":{"mimeType":"application/json"},"pipeline":[{"source":{"events":null}}]}"#;
        let l = fires(
            &curl("POST", AGG, &[PENDO_KEY, JSON], Some(bare)),
            "aggregation-missing-request",
        );
        assert!(l.evidence.contains("pipeline"));
        fires(
            &response(r#"{"status":422,"error":"{\"pipeline\":\"Required\"}"}"#),
            "aggregation-missing-request",
        );
        let wrapped = r#"{"response":{"mimeType":"application/json"},"request":{"pipeline":[{"source":{"events":null}}]}}"#;
        silent(
            &curl("POST", AGG, &[PENDO_KEY, JSON], Some(wrapped)),
            "aggregation-missing-request",
        );
    }

    #[test]
    fn timeseries_first_now() {
        let code = r#"{ source: { events: null, timeSeries: { period: "dayRange", first: "now()", count: 7 } } }"#;
        let l = fires(
            &block("javascript", "Error Information", code),
            "timeseries-first-now",
        );
        assert!(l.evidence.contains("timeSeries"));
        let escaped =
            r#"-d "{\"timeSeries\":{\"period\":\"dayRange\",\"first\":\"now()\",\"count\":30}}""#;
        fires(
            &block("bash", "Manual API Test", escaped),
            "timeseries-first-now",
        );
        fires(
            &fields(&[(
                "Filters Applied",
                "`timeSeries` dayRange starting `now()`, count 7",
            )]),
            "timeseries-first-now",
        );
        for ok in [
            r#"timeSeries: { period: "dayRange", first: "now()", count: -7 }"#,
            r#"timeSeries: { period: "dayRange", first: "dateAdd(now(), -7, \"days\")", count: 7 }"#,
            r#"timeSeries: { period: "hourRange", first: sinceMs, last: "now()" }"#,
        ] {
            silent(
                &block("javascript", "Error Information", ok),
                "timeseries-first-now",
            );
        }
    }

    #[test]
    fn pendo_list_pagination() {
        let url = "https://app.pendo.io/api/v1/feature?limit=500&offset=500";
        let l = fires(
            &curl("GET", url, &[PENDO_KEY], None),
            "pendo-list-pagination",
        );
        assert!(l.evidence.contains("limit=500"));
        let looped = "fetch(`https://app.pendo.io/api/v1/guide?offset=${offset}`, { headers })";
        fires(
            &block("typescript", "Edge Function Analysis", looped),
            "pendo-list-pagination",
        );
        let prose = and(
            endpoint("GET", "/api/v1/page"),
            fields(&[("Filters Applied", "limit=100, offset = n*100")]),
        );
        fires(&prose, "pendo-list-pagination");
        silent(
            &curl(
                "GET",
                "https://app.pendo.io/api/v1/feature?expand=*",
                &[PENDO_KEY],
                None,
            ),
            "pendo-list-pagination",
        );
        silent(
            &endpoint("POST", "/api/v1/aggregation?limit=5"),
            "pendo-list-pagination",
        );
        silent(
            &fields(&[("Filters Applied", "limit=100")]),
            "pendo-list-pagination",
        );
    }

    #[test]
    fn upsert_duplicate_rows() {
        let r = r#"{"code":"21000","details":null,"message":"ON CONFLICT DO UPDATE command cannot affect row a second time"}"#;
        let l = fires(&response(r), "upsert-duplicate-rows");
        assert!(l.evidence.contains("second time"));
        fires(
            &response(r#"{"code":"21000","message":"cardinality violation"}"#),
            "upsert-duplicate-rows",
        );
        silent(
            &response(
                r#"{"code":"42P10","message":"there is no unique or exclusion constraint matching the ON CONFLICT specification"}"#,
            ),
            "upsert-duplicate-rows",
        );
    }

    #[test]
    fn pendo_wrong_host() {
        let l = fires(
            &curl(
                "POST",
                "https://api.pendo.io/api/v1/aggregation",
                &[PENDO_KEY, JSON],
                Some("{}"),
            ),
            "pendo-wrong-host",
        );
        assert!(l.evidence.contains("api.pendo.io"));
        fires(
            &block("ts", "", "const BASE = 'https://pendo.io/api/v1';"),
            "pendo-wrong-host",
        );
        for ok in [
            "https://app.pendo.io/api/v1/guide",
            "https://app.eu.pendo.io/api/v1/guide",
            "https://us1.app.pendo.io/api/v1/page",
        ] {
            silent(&curl("GET", ok, &[PENDO_KEY], None), "pendo-wrong-host");
        }
    }

    #[test]
    fn pendo_region_mismatch() {
        let eu_key = (
            "x-pendo-integration-key",
            "3f2a9c1e-7b4d-4e8a-9c2f-1a6b5d8e0f47.eu",
        );
        let l = fires(
            &curl("GET", "https://app.pendo.io/api/v1/guide", &[eu_key], None),
            "pendo-region-mismatch",
        );
        assert_eq!(l.evidence, "key ending in .eu sent to app.pendo.io");
        assert_eq!(l.impact, Critical);
        let us_key = (
            "x-pendo-integration-key",
            "3f2a9c1e-7b4d-4e8a-9c2f-1a6b5d8e0f47.us",
        );
        fires(
            &fetch(
                "https://app.eu.pendo.io/api/v1/page",
                "GET",
                &[us_key],
                None,
            ),
            "pendo-region-mismatch",
        );
        silent(
            &curl(
                "GET",
                "https://app.eu.pendo.io/api/v1/guide",
                &[eu_key],
                None,
            ),
            "pendo-region-mismatch",
        );
        silent(
            &curl("GET", "https://app.pendo.io/api/v1/guide", &[us_key], None),
            "pendo-region-mismatch",
        );
        silent(
            &curl(
                "GET",
                "https://app.eu.pendo.io/api/v1/guide",
                &[PENDO_KEY],
                None,
            ),
            "pendo-region-mismatch",
        );
    }

    #[test]
    fn pendo_bearer_auth() {
        let bearer = (
            "Authorization",
            "Bearer 3f2a9c1e-7b4d-4e8a-9c2f-1a6b5d8e0f47",
        );
        let l = fires(
            &fetch("https://app.pendo.io/api/v1/guide", "GET", &[bearer], None),
            "pendo-bearer-auth",
        );
        assert!(l.evidence.contains("'Authorization'"), "{}", l.evidence);
        silent(
            &fetch(
                "https://app.pendo.io/api/v1/guide",
                "GET",
                &[PENDO_KEY],
                None,
            ),
            "pendo-bearer-auth",
        );
        let supabase = "https://abcdefghijklmnopqrst.supabase.co/functions/v1/sync";
        silent(
            &fetch(
                supabase,
                "POST",
                &[("Authorization", "Bearer eyJhbGciOi")],
                None,
            ),
            "pendo-bearer-auth",
        );
    }

    #[test]
    fn pendo_unauthorized() {
        let pendo = fetch(
            "https://app.pendo.io/api/v1/guide",
            "GET",
            &[PENDO_KEY],
            None,
        );
        let unauthorized = response(r#"{"error":"Unauthorized","status":401}"#);
        let l = fires(
            &and(pendo.clone(), unauthorized.clone()),
            "pendo-unauthorized",
        );
        assert_eq!(l.evidence, r#"{"error":"Unauthorized","status":401}"#);
        fires(
            &and(
                endpoint("GET", "/api/v1/guide"),
                fields(&[("Error Pattern", "HTTP 403 from Pendo")]),
            ),
            "pendo-unauthorized",
        );
        // A 401 from Supabase is not Pendo rejecting the key.
        let supabase = fetch("https://x.supabase.co/functions/v1/sync", "POST", &[], None);
        silent(
            &and(supabase, response(r#"{"msg":"Invalid JWT","status":401}"#)),
            "pendo-unauthorized",
        );
        // Explained by a more direct lint.
        let bearer = fetch(
            "https://app.pendo.io/api/v1/guide",
            "GET",
            &[("Authorization", "Bearer abc")],
            None,
        );
        assert_eq!(ids(&and(bearer, unauthorized)), ["pendo-bearer-auth"]);
        silent(&pendo, "pendo-unauthorized");
    }

    #[test]
    fn supabase_new_key_as_bearer() {
        let url = "https://abcdefghijklmnopqrst.supabase.co/rest/v1/pendo_guides";
        let secret = ("Authorization", "Bearer sb_secret_FAKEFAKEFAKEFAKEFAKE1234");
        let l = fires(
            &fetch(url, "GET", &[secret], None),
            "supabase-new-key-as-bearer",
        );
        assert_eq!(l.impact, Critical);
        let sql = "headers := jsonb_build_object('Authorization', 'Bearer sb_publishable_abc123abc123abc123')";
        fires(&block("sql", "", sql), "supabase-new-key-as-bearer");
        let ok = [
            ("apikey", "sb_secret_FAKEFAKEFAKEFAKEFAKE1234"),
            ("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.x"),
        ];
        silent(&fetch(url, "GET", &ok, None), "supabase-new-key-as-bearer");
    }

    #[test]
    fn jwt_invalid() {
        fires(
            &response(
                r#"{"code":"PGRST301","message":"JWSError (CompactDecodeError Invalid number of parts)"}"#,
            ),
            "jwt-invalid",
        );
        fires(&fields(&[("Error Logs", "401 JWT expired")]), "jwt-invalid");
        silent(
            &fields(&[("Authentication", "JWT from the service role key")]),
            "jwt-invalid",
        );
    }

    #[test]
    fn table_missing() {
        let r = r#"{"code":"PGRST205","hint":"Perhaps you meant the table 'public.pendo_guides'","message":"Could not find the table 'public.pendo_pages' in the schema cache"}"#;
        let l = fires(&response(r), "table-missing");
        assert_eq!(l.impact, Critical);
        fires(
            &fields(&[(
                "Error Logs",
                r#"ERROR: relation "pendo_pages" does not exist (42P01)"#,
            )]),
            "table-missing",
        );
        silent(
            &fields(&[("Data Validation", "the table pendo_pages has 260 rows")]),
            "table-missing",
        );
    }

    #[test]
    fn permission_denied() {
        fires(
            &fields(&[("Error Logs", "permission denied for table pendo_guides")]),
            "permission-denied",
        );
        fires(
            &response(
                r#"{"code":"42501","message":"new row violates row-level security policy for table \"pendo_pages\""}"#,
            ),
            "permission-denied",
        );
        silent(
            &fields(&[
                ("Expected Record Count", "42501 rows"),
                ("Access Rights", "Read-only"),
            ]),
            "permission-denied",
        );
    }

    #[test]
    fn duplicate_key() {
        fires(
            &fields(&[(
                "Error Logs",
                "duplicate key value violates unique constraint \"pendo_guides_pkey\"",
            )]),
            "duplicate-key",
        );
        fires(
            &response(r#"{"code":"23505","message":"conflict"}"#),
            "duplicate-key",
        );
        silent(
            &fields(&[("Current Usage", "23505 calls")]),
            "duplicate-key",
        );
    }

    #[test]
    fn single_row_expected() {
        fires(
            &response(
                r#"{"code":"PGRST116","message":"JSON object requested, multiple (or no) rows returned"}"#,
            ),
            "single-row-expected",
        );
        silent(
            &response(r#"{"code":"PGRST205","message":"Could not find the table"}"#),
            "single-row-expected",
        );
    }

    #[test]
    fn project_paused() {
        let l = fires(
            &response(r#"{"error":"Project paused","status":540}"#),
            "project-paused",
        );
        assert_eq!(l.impact, Critical);
        fires(
            &fields(&[("Error Pattern", "HTTP 540 on every call")]),
            "project-paused",
        );
        silent(
            &fields(&[("Expected Record Count", "540 guides")]),
            "project-paused",
        );
    }

    #[test]
    fn edge_function_resources() {
        fires(
            &response(
                r#"{"code":"WORKER_LIMIT","message":"Function failed due to not having enough compute resources","status":546}"#,
            ),
            "edge-function-resources",
        );
        fires(
            &fields(&[("Error Pattern", "546 WORKER_LIMIT")]),
            "edge-function-resources",
        );
        silent(
            &fields(&[("Expected Record Count", "546 features")]),
            "edge-function-resources",
        );
    }

    #[test]
    fn edge_function_timeout() {
        fires(
            &fields(&[("Error Logs", "`wall clock time limit reached`")]),
            "edge-function-timeout",
        );
        let gateway = and(
            fields(&[("Netlify Function", "sync-pendo (Supabase Edge Function)")]),
            response(r#"{"status":504}"#),
        );
        fires(&gateway, "edge-function-timeout");
        silent(
            &response(r#"{"error":"Gateway Timeout","status":504}"#),
            "edge-function-timeout",
        );
    }

    #[test]
    fn netlify_function_timeout() {
        fires(
            &fields(&[("Error Logs", "Task timed out after 10.01 seconds")]),
            "netlify-function-timeout",
        );
        silent(
            &fields(&[("Error Logs", "request timed out")]),
            "netlify-function-timeout",
        );
    }

    #[test]
    fn pg_net_timeout() {
        fires(
            &fields(&[(
                "Error Logs",
                "net._http_response: Timeout of 5000 ms reached. Total time: 5001 ms",
            )]),
            "pg-net-timeout",
        );
        fires(
            &fields(&[("Error Pattern", "Timeout was reached")]),
            "pg-net-timeout",
        );
        silent(
            &block(
                "sql",
                "",
                "select net.http_post(url := u, timeout_milliseconds := 150000);",
            ),
            "pg-net-timeout",
        );
    }

    #[test]
    fn pendo_rate_limited() {
        fires(
            &response(r#"{"error":"Too Many Requests","status":429}"#),
            "pendo-rate-limited",
        );
        let l = fires(&fields(&[("Throttling", "Yes")]), "pendo-rate-limited");
        assert_eq!(l.evidence, "Throttling: Yes");
        fires(
            &block("http", "", "HTTP/2 429\nretry-after: 60"),
            "pendo-rate-limited",
        );
        silent(
            &fields(&[
                ("Throttling", "No (no 429s seen)"),
                ("Rate Limit", "1000/hour"),
            ]),
            "pendo-rate-limited",
        );
    }

    #[test]
    fn relative_fetch_in_edge_function() {
        let edge = "Deno.serve(async () => {\n  const r = await fetch('/api/pendo/guides');\n});";
        let l = fires(
            &block("typescript", "Edge Function Analysis", edge),
            "relative-fetch-in-edge-function",
        );
        assert_eq!(l.evidence, "const r = await fetch('/api/pendo/guides');");
        let with_error = and(
            fetch("/api/pendo/guides", "GET", &[], None),
            fields(&[("Error Logs", "TypeError: Invalid URL")]),
        );
        fires(&with_error, "relative-fetch-in-edge-function");
        // The template's browser-side fetch to the site's own API route is fine.
        let browser = "const response = await fetch('/api/pendo/guides', { method: 'GET' });";
        silent(
            &block("javascript", "Error Information", browser),
            "relative-fetch-in-edge-function",
        );
        let absolute = "Deno.serve(async () => fetch('https://app.pendo.io/api/v1/guide'));";
        silent(
            &block("typescript", "Edge Function Analysis", absolute),
            "relative-fetch-in-edge-function",
        );
    }

    #[test]
    fn post_without_content_type() {
        let l = fires(
            &curl("POST", AGG, &[PENDO_KEY], Some("{}")),
            "post-without-content-type",
        );
        assert_eq!(l.evidence, format!("POST {AGG}"));
        silent(
            &curl("POST", AGG, &[PENDO_KEY, JSON], Some("{}")),
            "post-without-content-type",
        );
        let mut json_flag = curl("POST", AGG, &[PENDO_KEY], Some("{}"));
        json_flag.curl.as_mut().unwrap().source = format!("curl --json '{{}}' {AGG}");
        silent(&json_flag, "post-without-content-type");
    }

    #[test]
    fn missing_expand_all_apps() {
        let page = fetch(
            "https://app.pendo.io/api/v1/page",
            "GET",
            &[PENDO_KEY],
            None,
        );
        let fewer = fields(&[("Data Validation", "Supabase 212 pages, Pendo UI 260")]);
        let l = fires(&and(page.clone(), fewer.clone()), "missing-expand-all-apps");
        assert!(l.evidence.contains("/api/v1/page"));
        let source = "request: { pipeline: [ { source: { events: null, timeSeries: ts } } ] }";
        let lower = fields(&[(
            "Incorrect Data",
            "Daily event counts 12% lower than in Pendo",
        )]);
        fires(
            &and(block("javascript", "Error Information", source), lower),
            "missing-expand-all-apps",
        );
        let expanded = fetch(
            "https://app.pendo.io/api/v1/page?expand=*",
            "GET",
            &[PENDO_KEY],
            None,
        );
        silent(&and(expanded, fewer.clone()), "missing-expand-all-apps");
        silent(&page, "missing-expand-all-apps");
        // A sync that writes nothing explains missing rows better.
        let broken = and(
            page,
            response(r#"{"code":"PGRST205","message":"Could not find the table"}"#),
        );
        silent(&and(broken, fewer), "missing-expand-all-apps");
    }

    #[test]
    fn pendo_key_placeholder() {
        let placeholder = ("X-Pendo-Integration-Key", "your-pendo-integration-key");
        let edited = curl(
            "GET",
            "https://app.pendo.io/api/v1/guide",
            &[placeholder, JSON],
            None,
        );
        let l = fires(&edited, "pendo-key-placeholder");
        assert_eq!(l.impact, Impact::None);
        let untouched = curl(
            "GET",
            "https://app.pendo.io/api/v1/endpoint",
            &[placeholder, JSON],
            None,
        );
        silent(&untouched, "pendo-key-placeholder");
        let mut ticked = untouched.clone();
        ticked.checklist.push(ChecklistItem {
            section: "Pendo API Investigation".into(),
            section_path: vec![],
            text: "Test API endpoint manually".into(),
            checked: true,
            offset: 0,
        });
        fires(&ticked, "pendo-key-placeholder");
        let env = ("X-Pendo-Integration-Key", "$PENDO_INTEGRATION_KEY");
        silent(
            &curl("GET", "https://app.pendo.io/api/v1/guide", &[env], None),
            "pendo-key-placeholder",
        );
    }

    #[test]
    fn quotes_are_one_short_line() {
        let long = format!("{}needle{}", "a ".repeat(200), "é".repeat(200));
        let q = quote(&long, 400..406);
        assert!(
            q.contains("needle") && q.starts_with('…') && q.ends_with('…'),
            "{q}"
        );
        assert!(q.len() <= QUOTE_MAX + 2 * '…'.len_utf8());
        assert_eq!(quote("one\r\n  two  \r\nthree", 7..10), "two");
    }

    #[test]
    fn ids_are_unique_and_areas_are_known_labels() {
        let known = [
            "pendo-api",
            "supabase",
            "database",
            "edge-functions",
            "netlify",
            "performance",
            "monitoring",
            "security",
        ];
        let mut seen = std::collections::HashSet::new();
        for p in PITFALLS {
            assert!(seen.insert(p.id), "duplicate id {}", p.id);
            assert!(p.areas.iter().all(|a| known.contains(a)), "{}", p.id);
            assert!(!p.title.contains('\n') && !p.fix.contains('\n'));
        }
        for id in SYNC_FAILS {
            assert!(seen.contains(id), "{id}");
        }
    }

    /// The example issues, parsed by the real parser, show the pitfalls a maintainer sees.
    #[test]
    fn example_issues() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let expect: &[(&str, &[&str])] = &[
            ("prod-auth-401.md", &["pendo-unauthorized"]),
            ("staging-rate-limited.md", &["pendo-rate-limited"]),
            (
                "prod-aggregation-get.md",
                &[
                    "aggregation-get",
                    "timeseries-first-now",
                    "missing-expand-all-apps",
                ],
            ),
            (
                "prod-duplicate-upsert.md",
                &["pendo-list-pagination", "upsert-duplicate-rows"],
            ),
            ("dev-missing-table.md", &["table-missing"]),
            (
                "prod-leaked-secrets.md",
                &["supabase-new-key-as-bearer", "project-paused"],
            ),
            (
                "prod-stale-data-timeout.md",
                &[
                    "pendo-wrong-host",
                    "edge-function-resources",
                    "edge-function-timeout",
                ],
            ),
            ("minimal-unfilled.md", &[]),
            ("not-a-template.md", &[]),
        ];
        for (file, want) in expect {
            let Ok(body) = std::fs::read_to_string(dir.join(file)) else {
                continue;
            };
            let issue = crate::issue::parse(&body);
            assert_eq!(ids(&issue), *want, "{file}: {:#?}", lint(&issue));
        }
    }
}
