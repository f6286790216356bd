//! Tests for the pitfall catalogue: one issue that triggers each lint and a near miss.

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
    let bare =
        r#"{"response":{"mimeType":"application/json"},"pipeline":[{"source":{"events":null}}]}"#;
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
    let known = crate::config::AREA_KEYS;
    let mut seen = std::collections::HashSet::new();
    for p in PITFALLS {
        assert!(seen.insert(p.id), "duplicate id {}", p.id);
        assert!(p.areas.iter().all(|a| known.contains(&a.key())), "{}", p.id);
        assert!(!p.title.contains('\n') && !p.fix.contains('\n'));
    }
    for id in SYNC_FAILS {
        assert!(seen.contains(id), "{id}");
    }
}

/// The example issues, parsed by the real parser, show the pitfalls a maintainer sees.
#[test]
fn example_issues() {
    let dir = std::path::Path::new(crate::REPO).join("examples");
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
