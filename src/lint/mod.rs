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

use crate::issue::{HttpMethod, Issue};
use crate::meaning::{self, Known};
use crate::terms::Area;
use crate::terms::Impact::{self, Critical, Degraded};
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
    pub areas: &'static [Area],
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
    areas: &'static [Area],
    title: &'static str,
    fix: &'static str,
    /// A quote from the issue showing the pitfall. Sees the lints found before it, to
    /// stay quiet when an earlier, more direct one already explains the symptom.
    detect: fn(&Facts, &[Lint]) -> Option<String>,
}

impl Pitfall {
    /// A pitfall that is one of the [`Known`] things: its impact, areas, title and fix are
    /// [`meaning`]'s, so the lint, the reported values and the live checks agree.
    const fn known(
        id: &'static str,
        k: Known,
        detect: fn(&Facts, &[Lint]) -> Option<String>,
    ) -> Pitfall {
        let m = k.meaning();
        Pitfall {
            id,
            impact: m.impact,
            areas: m.areas,
            title: m.title,
            fix: m.fix,
            detect,
        }
    }
}

/// Every pitfall, in report order: request shape first, then auth, then what the
/// backends answered, then code mistakes.
#[rustfmt::skip]
const PITFALLS: &[Pitfall] = &[
    Pitfall { id: "aggregation-get", impact: Degraded, areas: &[Area::PendoApi, Area::EdgeFunctions], detect: aggregation_get,
        title: "Pendo's aggregation endpoint is called with GET (Pendo answers \"missing jzb\")",
        fix: "Send POST /api/v1/aggregation with the JSON body and Content-Type: application/json." },
    Pitfall { id: "aggregation-missing-request", impact: Degraded, areas: &[Area::PendoApi, Area::EdgeFunctions], detect: aggregation_missing_request,
        title: "The aggregation body has no top-level \"request\" wrapper (Pendo: \"pipeline\": Required)",
        fix: r#"Wrap it: {"response":{"mimeType":"application/json"},"request":{"pipeline":[…]}}."# },
    Pitfall { id: "timeseries-first-now", impact: Degraded, areas: &[Area::PendoApi, Area::EdgeFunctions], detect: timeseries_first_now,
        title: "timeSeries starts at now() with a positive count, so the window is (almost) empty",
        fix: r#"Count backwards from now: count: -N, or first: "dateAdd(now(), -N, \"days\")" with a positive count."# },
    Pitfall { id: "pendo-list-pagination", impact: Degraded, areas: &[Area::PendoApi, Area::EdgeFunctions, Area::Database], detect: pendo_list_pagination,
        title: "limit/offset on a Pendo list endpoint: Pendo ignores them and returns every row on each page",
        fix: "Fetch the list once (no limit/offset) and dedupe by id; to page, use an aggregation with a limit step." },
    Pitfall::known("upsert-duplicate-rows", Known::UpsertTwice, upsert_duplicate_rows),
    Pitfall { id: "pendo-wrong-host", impact: Degraded, areas: &[Area::PendoApi, Area::EdgeFunctions], detect: pendo_wrong_host,
        title: "Requests go to a host that is not Pendo's API (api.pendo.io)",
        fix: "Use https://app.pendo.io, or your region's host: app.eu.pendo.io, us1.app.pendo.io, app.jpn.pendo.io, app.au.pendo.io." },
    Pitfall { id: "pendo-region-mismatch", impact: Critical, areas: &[Area::PendoApi], detect: pendo_region_mismatch,
        title: "The integration key's region does not match the Pendo host, so Pendo rejects it",
        fix: "Send the key to its region's host: .eu → app.eu.pendo.io, .us1 → us1.app.pendo.io, .jpn → app.jpn.pendo.io, .au → app.au.pendo.io, .us → app.pendo.io." },
    Pitfall { id: "pendo-bearer-auth", impact: Critical, areas: &[Area::PendoApi], detect: pendo_bearer_auth,
        title: "Pendo is sent an Authorization: Bearer header; its v1 API only reads x-pendo-integration-key",
        fix: "Send the key as the header X-Pendo-Integration-Key: <key> (no Bearer)." },
    Pitfall::known("pendo-unauthorized", Known::PendoKeyRejected, pendo_unauthorized),
    Pitfall { id: "supabase-new-key-as-bearer", impact: Critical, areas: &[Area::Supabase, Area::EdgeFunctions], detect: supabase_new_key_as_bearer,
        title: "An sb_secret_/sb_publishable_ key is sent as Authorization: Bearer; these keys are not JWTs",
        fix: "Send it in the apikey header (apikey: sb_secret_…) and drop the Bearer header, or use a JWT there." },
    Pitfall::known("jwt-invalid", Known::SupabaseKeyRejected, jwt_invalid),
    Pitfall::known("table-missing", Known::TableMissing, table_missing),
    Pitfall::known("permission-denied", Known::PermissionDenied, permission_denied),
    Pitfall::known("duplicate-key", Known::DuplicateKey, duplicate_key),
    Pitfall::known("single-row-expected", Known::SingleRowExpected, single_row_expected),
    Pitfall::known("project-paused", Known::ProjectPaused, project_paused),
    Pitfall::known("edge-function-resources", Known::WorkerLimit, edge_function_resources),
    Pitfall::known("edge-function-timeout", Known::EdgeTimeout, edge_function_timeout),
    Pitfall { id: "netlify-function-timeout", impact: Degraded, areas: &[Area::Netlify, Area::Performance], detect: netlify_function_timeout,
        title: "The Netlify Function times out (10 s by default, 26 s at most)",
        fix: "Move the sync into a Supabase Edge Function or a Netlify Background Function; keep Netlify for reads." },
    Pitfall::known("pg-net-timeout", Known::PgNetTimeout, pg_net_timeout),
    Pitfall::known("pendo-rate-limited", Known::RateLimited, pendo_rate_limited),
    Pitfall { id: "relative-fetch-in-edge-function", impact: Degraded, areas: &[Area::EdgeFunctions], detect: relative_fetch_in_edge_function,
        title: "An Edge Function fetches a relative URL; Deno has no origin, so it throws \"Invalid URL\"",
        fix: "Call the absolute URL (https://app.pendo.io/api/v1/…), built from an environment variable." },
    Pitfall { id: "post-without-content-type", impact: Degraded, areas: &[Area::PendoApi], detect: post_without_content_type,
        title: "A POST to Pendo carries a body but no Content-Type header",
        fix: "Add Content-Type: application/json (fetch sends text/plain, curl -d sends form data)." },
    Pitfall { id: "missing-expand-all-apps", impact: Degraded, areas: &[Area::PendoApi, Area::EdgeFunctions], detect: missing_expand_all_apps,
        title: "Only the default Pendo app is read (no expand=* / expandAppIds(\"*\")), so counts fall short",
        fix: r#"Add ?expand=* to list endpoints, and "appId": "expandAppIds(\"*\")" to aggregation sources."# },
    Pitfall { id: "pendo-key-placeholder", impact: Impact::None, areas: &[Area::PendoApi], detect: pendo_key_placeholder,
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
    f.find(known_pattern(Known::UpsertTwice))
        .or_else(|| f.response_code(&["21000"]))
}

// ---------------------------------------------------------------------------------------
// Pendo host and auth.

fn pendo_wrong_host(f: &Facts, _: &[Lint]) -> Option<String> {
    f.find(&WRONG_PENDO_HOST)
}

fn pendo_region_mismatch(f: &Facts, _: &[Lint]) -> Option<String> {
    f.calls.iter().find_map(|c| {
        let host_region = crate::regions::pendo_region_of_host(host(c.url)?)?;
        let key = c.header("x-pendo-integration-key")?.trim();
        let (_, suffix) = key.rsplit_once('.')?;
        let key_region = crate::regions::pendo_region_of_key(key)?;
        (key_region != host_region).then(|| {
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
        .or_else(|| f.find(known_pattern(Known::PendoKeyRejected)))?;
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
        .or_else(|| f.find(known_pattern(Known::SupabaseKeyRejected)))
}

fn table_missing(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["42P01", "PGRST205"])
        .or_else(|| f.find(known_pattern(Known::TableMissing)))
}

fn permission_denied(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["42501"])
        .or_else(|| f.find(known_pattern(Known::PermissionDenied)))
}

fn duplicate_key(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["23505"])
        .or_else(|| f.find(known_pattern(Known::DuplicateKey)))
}

fn single_row_expected(f: &Facts, _: &[Lint]) -> Option<String> {
    f.response_code(&["PGRST116"])
        .or_else(|| f.find(known_pattern(Known::SingleRowExpected)))
}

fn project_paused(f: &Facts, _: &[Lint]) -> Option<String> {
    f.status(&[540])
        .or_else(|| f.find(known_pattern(Known::ProjectPaused)))
}

fn edge_function_resources(f: &Facts, _: &[Lint]) -> Option<String> {
    f.status(&[546])
        .or_else(|| f.find(known_pattern(Known::WorkerLimit)))
}

fn edge_function_timeout(f: &Facts, _: &[Lint]) -> Option<String> {
    let gateway_timeout = || f.status(&[504]).filter(|_| f.mentions(&EDGE_CONTEXT));
    f.find(known_pattern(Known::EdgeTimeout))
        .or_else(gateway_timeout)
}

fn netlify_function_timeout(f: &Facts, _: &[Lint]) -> Option<String> {
    f.find(&NETLIFY_TIMEOUT)
}

fn pg_net_timeout(f: &Facts, _: &[Lint]) -> Option<String> {
    f.find(known_pattern(Known::PgNetTimeout))
}

fn pendo_rate_limited(f: &Facts, _: &[Lint]) -> Option<String> {
    let throttled = || {
        let v = f.issue.field("Throttling")?;
        THROTTLED_YES
            .is_match(v)
            .then(|| format!("Throttling: {}", shorten(v)))
    };
    f.status(&[429])
        .or_else(|| f.find(known_pattern(Known::RateLimited)))
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

/// The error-text pattern of a known thing (see [`meaning::pattern`]).
fn known_pattern(k: Known) -> &'static Regex {
    meaning::pattern(k).expect("every pattern the lint uses is defined in meaning")
}

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
static WRONG_PENDO_HOST: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)(?-u:\b)api\.(?:(?:eu|us1|jpn|au)\.)?pendo\.io\b|https?://(?:www\.)?pendo\.io/api")
});
static SUPABASE_AUTH_TEXT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\bPGRST30\d|invalid jwt|jwt expired|double check your supabase"));
static NEW_KEY_BEARER_VALUE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)^\s*bearer\s+sb_(?:secret|publishable)_"));
static NEW_KEY_BEARER: LazyLock<Regex> = LazyLock::new(|| {
    regex(r#"(?i)authorization["'`]?\s*[:=,]\s*["'`]?\s*bearer\s+sb_(?:secret|publishable)_"#)
});
static EDGE_CONTEXT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)edge function|/functions/v1/|\bdeno\b"));
static NETLIFY_TIMEOUT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)task timed out after \d+(?:\.\d+)? seconds"));
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
mod tests;
