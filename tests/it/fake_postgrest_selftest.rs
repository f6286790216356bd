//! Holds the fake Supabase REST API (`support::fake_postgrest`) to the real protocol it stands
//! in for: the gateway's key checks, PostgREST's `Content-Range`/status rules for each count
//! mode, its error bodies per version, RLS for the anon role, RPC, and the fault knobs. The
//! product's own tests trust the fake only as far as these pass.

use crate::support;

use std::time::Duration;

use serde_json::{Value, json};
use support::fake_postgrest::{
    ANON_JWT, BROWSER_USER_AGENT, FakePostgrest, FakeTable, PUBLISHABLE_KEY, PostgrestVersion,
    RpcError, SECRET_KEY, SERVICE_ROLE_JWT, StatusOverride,
};
use support::{HttpResponse, http};

const UA: &str = "pendo-triage/0.1.0";

/// The headers the product sends for `key` (Bearer only for legacy JWT keys).
fn key_headers(key: &str) -> Vec<(&str, String)> {
    let mut headers = vec![
        ("apikey", key.to_string()),
        ("Accept", "application/json".to_string()),
        ("User-Agent", UA.to_string()),
    ];
    if key.starts_with("eyJ") {
        headers.push(("Authorization", format!("Bearer {key}")));
    }
    headers
}

async fn call(method: &str, url: &str, headers: &[(&str, String)]) -> HttpResponse {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    http(method, url, &headers, None).await
}

/// GET/HEAD `path` (under `/rest/v1`) with `key` and extra headers.
async fn read(
    fake: &FakePostgrest,
    method: &str,
    path: &str,
    key: &str,
    extra: &[(&str, &str)],
) -> HttpResponse {
    let mut headers = key_headers(key);
    headers.retain(|(k, _)| !extra.iter().any(|(e, _)| e.eq_ignore_ascii_case(k)));
    headers.extend(extra.iter().map(|(k, v)| (*k, (*v).to_string())));
    call(method, &format!("{}/rest/v1/{path}", fake.url()), &headers).await
}

async fn get(fake: &FakePostgrest, path: &str) -> HttpResponse {
    read(fake, "GET", path, SERVICE_ROLE_JWT, &[]).await
}

fn guides() -> FakeTable {
    FakeTable::new(vec![
        json!({"id": 1, "entity_type": "guides", "created_at": "2025-03-01T10:00:00+00:00", "synced_at": "2025-03-01T10:05:00Z"}),
        json!({"id": 2, "entity_type": "pages", "created_at": "2025-03-02T10:00:00+00:00", "synced_at": null}),
        json!({"id": 3, "entity_type": "guides", "created_at": "2025-03-03T09:00:00.5+01:00", "synced_at": "2025-03-03T08:00:00Z"}),
    ])
}

fn started() -> FakePostgrest {
    let fake = FakePostgrest::start();
    fake.add_table("pendo_guides", guides());
    fake
}

fn assert_error(resp: &HttpResponse, status: u16, body: Value) {
    assert_eq!(resp.status, status, "{}", resp.body);
    assert_eq!(resp.json(), body);
}

#[tokio::test]
async fn root_probe_needs_a_service_role_key() {
    let fake = started();
    let ok = get(&fake, "").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(
        ok.header("content-type"),
        Some("application/openapi+json; charset=utf-8")
    );
    assert!(ok.json()["paths"].get("/pendo_guides").is_some());
    assert_eq!(read(&fake, "GET", "", SECRET_KEY, &[]).await.status, 200);

    for anon in [ANON_JWT, PUBLISHABLE_KEY] {
        let refused = read(&fake, "GET", "", anon, &[]).await;
        let hint = "Only the `service_role` API key can be used for this endpoint.";
        assert_error(
            &refused,
            401,
            json!({"message": "Invalid API key", "hint": hint}),
        );
    }
}

#[tokio::test]
async fn gateway_refuses_missing_and_unknown_keys() {
    let fake = started();
    let url = format!("{}/rest/v1/pendo_guides", fake.url());
    let none = call("GET", &url, &[("Accept", "application/json".into())]).await;
    let hint = "No `apikey` request header or url param was found.";
    assert_error(
        &none,
        401,
        json!({"message": "No API key found in request", "hint": hint}),
    );
    assert_eq!(
        none.header("sb-error-code"),
        Some("UNAUTHORIZED_MISSING_API_KEY")
    );

    let unknown = read(
        &fake,
        "GET",
        "pendo_guides",
        "sb_secret_not_a_real_test_key",
        &[],
    )
    .await;
    let hint = "Double check your Supabase `anon` or `service_role` API key.";
    assert_error(
        &unknown,
        401,
        json!({"message": "Invalid API key", "hint": hint}),
    );
}

#[tokio::test]
async fn secret_key_is_refused_from_a_browser() {
    let fake = started();
    let browser = read(
        &fake,
        "GET",
        "pendo_guides",
        SECRET_KEY,
        &[("User-Agent", BROWSER_USER_AGENT)],
    )
    .await;
    let hint = "Secret API keys can only be used in a protected environment and should never be used in a browser. Delete this secret API key immediately!";
    assert_error(
        &browser,
        401,
        json!({"message": "Forbidden use of secret API key in browser", "hint": hint}),
    );
    assert_eq!(
        read(&fake, "GET", "pendo_guides", SECRET_KEY, &[])
            .await
            .status,
        200
    );
    let legacy = read(
        &fake,
        "GET",
        "pendo_guides",
        SERVICE_ROLE_JWT,
        &[("User-Agent", BROWSER_USER_AGENT)],
    )
    .await;
    assert_eq!(legacy.status, 200, "the check is for sb_secret_ keys only");
}

#[tokio::test]
async fn new_keys_as_bearer_are_not_jwts() {
    let fake = started();
    let bearer = format!("Bearer {SECRET_KEY}");
    let same = read(
        &fake,
        "GET",
        "pendo_guides",
        SECRET_KEY,
        &[("Authorization", &bearer)],
    )
    .await;
    let body = json!({"code": "PGRST301", "details": null, "hint": null, "message": "Expected 3 parts in JWT; got 1"});
    assert_error(&same, 401, body);
    let challenge =
        "Bearer error=\"invalid_token\", error_description=\"Expected 3 parts in JWT; got 1\"";
    assert_eq!(same.header("www-authenticate"), Some(challenge));
    assert_eq!(
        same.header("proxy-status"),
        Some("PostgREST; error=PGRST301")
    );

    fake.knobs(|k| k.version = PostgrestVersion::V12);
    let v12 = read(
        &fake,
        "GET",
        "pendo_guides",
        SECRET_KEY,
        &[("Authorization", &bearer)],
    )
    .await;
    let message = "JWSError (CompactDecodeError Invalid number of parts: Expected 3 parts; got 1)";
    assert_error(
        &v12,
        401,
        json!({"code": "PGRST301", "details": null, "hint": null, "message": message}),
    );
    assert_eq!(v12.header("proxy-status"), None);

    let other = read(
        &fake,
        "GET",
        "pendo_guides",
        PUBLISHABLE_KEY,
        &[("Authorization", &bearer)],
    )
    .await;
    assert_eq!(other.status, 401);
    assert_eq!(other.json()["message"], "Invalid API key");
}

#[tokio::test]
async fn freshness_query_gets_the_newest_value_and_the_planner_estimate() {
    let fake = started();
    fake.add_table(
        "pendo_guides",
        FakeTable {
            planned_count: Some(5000),
            ..guides()
        },
    );
    let path = "pendo_guides?select=synced_at&order=synced_at.desc.nullslast&limit=1";
    let resp = read(
        &fake,
        "GET",
        path,
        SECRET_KEY,
        &[("Prefer", "count=planned")],
    )
    .await;
    assert_eq!(resp.status, 206);
    assert_eq!(resp.header("content-range"), Some("0-0/5000"));
    assert_eq!(resp.header("preference-applied"), Some("count=planned"));
    assert_eq!(resp.json(), json!([{"synced_at": "2025-03-03T08:00:00Z"}]));

    let nulls_first = get(&fake, "pendo_guides?select=id&order=synced_at.desc").await;
    assert_eq!(
        nulls_first.json(),
        json!([{"id": 2}, {"id": 3}, {"id": 1}]),
        "desc puts nulls first by default"
    );
    let by_time = get(&fake, "pendo_guides?select=id&order=created_at.desc,id.asc").await;
    assert_eq!(by_time.json(), json!([{"id": 3}, {"id": 2}, {"id": 1}]));
}

#[tokio::test]
async fn head_counts_in_content_range() {
    let fake = started();
    fake.add_table("empty", FakeTable::default().columns(&["id"]));
    let cases = [
        ("pendo_guides?select=*", "count=exact", 200, "0-2/3"),
        ("pendo_guides?select=*", "count=planned", 200, "0-2/3"),
        ("pendo_guides?select=*&limit=1", "count=exact", 206, "0-0/3"),
        ("pendo_guides?select=*", "", 200, "0-2/*"),
        ("empty?select=*", "count=exact", 200, "*/0"),
        ("empty?select=*", "", 200, "*/*"),
    ];
    for (path, prefer, status, range) in cases {
        let resp = read(&fake, "HEAD", path, SERVICE_ROLE_JWT, &[("Prefer", prefer)]).await;
        assert_eq!(
            (resp.status, resp.header("content-range")),
            (status, Some(range)),
            "{path} {prefer}"
        );
        assert_eq!(resp.body, "", "HEAD has no body");
    }
}

#[tokio::test]
async fn max_rows_caps_reads_and_switches_estimated_counts() {
    let fake = started();
    fake.add_table(
        "pendo_guides",
        FakeTable {
            planned_count: Some(4000),
            ..guides()
        },
    );
    fake.knobs(|k| k.max_rows = 2);
    let capped = read(
        &fake,
        "GET",
        "pendo_guides?select=id",
        SERVICE_ROLE_JWT,
        &[("Prefer", "count=exact")],
    )
    .await;
    assert_eq!(
        (capped.status, capped.header("content-range")),
        (206, Some("0-1/3"))
    );
    assert_eq!(capped.json().as_array().map(Vec::len), Some(2));
    let estimated = read(
        &fake,
        "HEAD",
        "pendo_guides",
        SERVICE_ROLE_JWT,
        &[("Prefer", "count=estimated")],
    )
    .await;
    assert_eq!(
        estimated.header("content-range"),
        Some("0-1/4000"),
        "above db-max-rows: planned"
    );
    fake.knobs(|k| k.max_rows = 1000);
    let estimated = read(
        &fake,
        "HEAD",
        "pendo_guides",
        SERVICE_ROLE_JWT,
        &[("Prefer", "count=estimated")],
    )
    .await;
    assert_eq!(
        estimated.header("content-range"),
        Some("0-2/3"),
        "up to db-max-rows: exact"
    );
}

#[tokio::test]
async fn ranges_past_the_end() {
    let fake = started();
    let exact = [("Prefer", "count=exact")];
    let ranged = read(
        &fake,
        "GET",
        "pendo_guides?select=id",
        SERVICE_ROLE_JWT,
        &[("Prefer", "count=exact"), ("Range", "1-5")],
    )
    .await;
    assert_eq!(
        (ranged.status, ranged.header("content-range")),
        (206, Some("1-2/3"))
    );
    assert_eq!(ranged.json(), json!([{"id": 2}, {"id": 3}]));
    let at_end = read(
        &fake,
        "GET",
        "pendo_guides?offset=3",
        SERVICE_ROLE_JWT,
        &exact,
    )
    .await;
    assert_eq!(
        (at_end.status, at_end.header("content-range")),
        (206, Some("*/3"))
    );
    let past = read(
        &fake,
        "GET",
        "pendo_guides?offset=10",
        SERVICE_ROLE_JWT,
        &exact,
    )
    .await;
    let details = "An offset of 10 was requested, but there are only 3 rows.";
    let body = json!({"code": "PGRST103", "details": details, "hint": null, "message": "Requested range not satisfiable"});
    assert_error(&past, 416, body);
    assert_eq!(past.header("content-range"), Some("*/3"));
    assert_eq!(
        past.header("proxy-status"),
        None,
        "416 is not built by the error handler"
    );
    let no_count = get(&fake, "pendo_guides?offset=10").await;
    assert_eq!(
        (no_count.status, no_count.header("content-range")),
        (200, Some("*/*"))
    );
}

#[tokio::test]
async fn filters_select_and_their_errors() {
    let fake = started();
    let since = "pendo_guides?select=id&entity_type=eq.guides&created_at=gte.2025-03-01T10%3A00%3A00Z&order=created_at.desc&limit=20";
    assert_eq!(
        get(&fake, since).await.json(),
        json!([{"id": 3}, {"id": 1}])
    );
    let cases = [
        ("entity_type=neq.guides", json!([{"id": 2}])),
        (
            "created_at=lt.2025-03-03T08%3A00%3A00Z",
            json!([{"id": 1}, {"id": 2}]),
        ),
        ("created_at=gt.2025-03-03T08:00:00.4Z", json!([{"id": 3}])),
        ("id=lte.2", json!([{"id": 1}, {"id": 2}])),
        ("synced_at=is.null", json!([{"id": 2}])),
        ("id=in.(1,3)", json!([{"id": 1}, {"id": 3}])),
    ];
    for (filter, rows) in cases {
        assert_eq!(
            get(&fake, &format!("pendo_guides?select=id&{filter}"))
                .await
                .json(),
            rows,
            "{filter}"
        );
    }

    let unknown = get(&fake, "pendo_guides?select=id,create_at").await;
    let hint = "Perhaps you meant to reference the column \"pendo_guides.created_at\".";
    let message = "column pendo_guides.create_at does not exist";
    assert_error(
        &unknown,
        400,
        json!({"code": "42703", "details": null, "hint": hint, "message": message}),
    );
    let plus = get(
        &fake,
        "pendo_guides?created_at=gte.2025-03-01T10:00:00+00:00",
    )
    .await;
    let message =
        "invalid input syntax for type timestamp with time zone: \"2025-03-01T10:00:00 00:00\"";
    assert_error(
        &plus,
        400,
        json!({"code": "22007", "details": null, "hint": null, "message": message}),
    );
    let bare = get(&fake, "pendo_guides?entity_type=guides").await;
    assert_eq!(
        (bare.status, bare.json()["code"].clone()),
        (400, json!("PGRST100"))
    );
    assert_eq!(get(&fake, "pendo_guides?or=(id.eq.1)").await.status, 501);
}

#[tokio::test]
async fn rls_hides_rows_from_the_anon_role() {
    let fake = started();
    fake.add_table("pendo_guides", guides().hidden_from_anon());
    for key in [ANON_JWT, PUBLISHABLE_KEY] {
        let resp = read(
            &fake,
            "GET",
            "pendo_guides?select=id",
            key,
            &[("Prefer", "count=exact")],
        )
        .await;
        assert_eq!(
            (resp.status, resp.header("content-range")),
            (200, Some("*/0"))
        );
        assert_eq!(resp.json(), json!([]));
    }
    let legacy_alone = [
        ("apikey", SERVICE_ROLE_JWT.to_string()),
        ("Accept", "application/json".to_string()),
    ];
    let resp = call(
        "GET",
        &format!("{}/rest/v1/pendo_guides", fake.url()),
        &legacy_alone,
    )
    .await;
    assert_eq!(
        resp.json(),
        json!([]),
        "a legacy key without Bearer leaves PostgREST anonymous"
    );
    for key in [SERVICE_ROLE_JWT, SECRET_KEY] {
        let resp = read(&fake, "GET", "pendo_guides?select=id", key, &[]).await;
        assert_eq!(resp.json().as_array().map(Vec::len), Some(3));
    }
}

#[tokio::test]
async fn missing_table_per_version() {
    let fake = started();
    let v13 = get(&fake, "pendo_guide").await;
    let body = json!({"code": "PGRST205", "details": null,
        "hint": "Perhaps you meant the table 'public.pendo_guides'",
        "message": "Could not find the table 'public.pendo_guide' in the schema cache"});
    assert_error(&v13, 404, body);
    let far = get(&fake, "zzz").await;
    assert_eq!(far.json()["hint"], Value::Null);

    fake.knobs(|k| k.version = PostgrestVersion::V12);
    let v12 = get(&fake, "pendo_guide").await;
    let message = "relation \"public.pendo_guide\" does not exist";
    assert_error(
        &v12,
        404,
        json!({"code": "42P01", "details": null, "hint": null, "message": message}),
    );
}

#[tokio::test]
async fn rpc_present_absent_and_denied() {
    let fake = started();
    fake.add_function(
        "job_runs_since",
        &["job_name", "since"],
        |args| match args["job_name"].as_str() {
            Some("sync") => Ok(json!([{"status": "succeeded", "since": args["since"]}])),
            _ => Err(RpcError::raise("unknown job")),
        },
    );
    let ok = get(
        &fake,
        "rpc/job_runs_since?job_name=sync&since=2025-03-01T00%3A00%3A00Z",
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(
        ok.json(),
        json!([{"status": "succeeded", "since": "2025-03-01T00:00:00Z"}])
    );
    assert_eq!(ok.header("content-range"), Some("0-0/*"));
    let raised = get(&fake, "rpc/job_runs_since?job_name=other&since=x").await;
    assert_error(
        &raised,
        400,
        json!({"code": "P0001", "details": null, "hint": null, "message": "unknown job"}),
    );

    let absent = get(&fake, "rpc/job_run_since?job_name=sync&since=x").await;
    let body = json!({"code": "PGRST202",
        "details": "Searched for the function public.job_run_since with parameters job_name, since, but no matches were found in the schema cache.",
        "hint": "Perhaps you meant to call the function public.job_runs_since",
        "message": "Could not find the function public.job_run_since(job_name, since) in the schema cache"});
    assert_error(&absent, 404, body);
    let wrong_args = get(&fake, "rpc/job_runs_since?job=sync").await;
    assert_eq!(wrong_args.status, 404);
    let hint = "Perhaps you meant to call the function public.job_runs_since(job_name, since)";
    assert_eq!(wrong_args.json()["hint"], hint);

    fake.deny_function("job_runs_since");
    let path = "rpc/job_runs_since?job_name=sync&since=x";
    let message = "permission denied for function job_runs_since";
    let body = json!({"code": "42501", "details": null, "hint": null, "message": message});
    assert_error(
        &read(&fake, "GET", path, ANON_JWT, &[]).await,
        401,
        body.clone(),
    );
    assert_error(&read(&fake, "GET", path, SECRET_KEY, &[]).await, 403, body);
}

#[tokio::test]
async fn knobs_pause_override_delay_and_hang() {
    let fake = started();
    fake.knobs(|k| k.paused = true);
    assert_error(
        &get(&fake, "pendo_guides").await,
        540,
        json!({"message": "Project paused"}),
    );
    fake.knobs(|k| {
        k.paused = false;
        k.overrides.push(StatusOverride {
            path_prefix: "/rest/v1/pendo".into(),
            status: 503,
            times: 2,
        });
    });
    for _ in 0..2 {
        assert_eq!(get(&fake, "pendo_guides").await.json()["code"], "PGRST002");
    }
    assert_eq!(get(&fake, "pendo_guides").await.status, 200);

    fake.knobs(|k| k.delay_ms = 150);
    let started_at = std::time::Instant::now();
    assert_eq!(get(&fake, "pendo_guides").await.status, 200);
    assert!(started_at.elapsed() >= Duration::from_millis(150));
    fake.knobs(|k| k.hang = true);
    let hung = tokio::time::timeout(Duration::from_millis(300), get(&fake, "pendo_guides")).await;
    assert!(hung.is_err(), "a hanging fake never answers");
}

#[tokio::test]
async fn writes_are_recorded_and_refused_and_requests_logged() {
    let fake = started();
    fake.clear_requests();
    let url = format!("{}/rest/v1/pendo_guides?id=eq.1", fake.url());
    let headers = key_headers(SERVICE_ROLE_JWT);
    for (method, verb) in [
        ("POST", "INSERT"),
        ("PATCH", "UPDATE"),
        ("DELETE", "DELETE"),
    ] {
        let resp = call(method, &url, &headers).await;
        let message = format!("cannot execute {verb} in a read-only transaction");
        assert_error(
            &resp,
            405,
            json!({"code": "25006", "details": null, "hint": null, "message": message}),
        );
    }
    assert_eq!(fake.writes().len(), 3);
    let github_accept = read(
        &fake,
        "GET",
        "pendo_guides",
        SECRET_KEY,
        &[("Accept", "application/vnd.github+json")],
    )
    .await;
    assert_eq!(
        (github_accept.status, github_accept.json()["code"].clone()),
        (406, json!("PGRST107"))
    );

    let log = fake.requests();
    let last = log.last().expect("requests are logged");
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("GET", "/rest/v1/pendo_guides")
    );
    assert_eq!(last.header("apikey"), Some(SECRET_KEY));
    assert_eq!(log[0].query, "id=eq.1");
    fake.clear_requests();
    assert!(fake.requests().is_empty());
}
