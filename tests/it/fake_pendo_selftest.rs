//! Checks that the fake Pendo answers like Pendo's v1 API (bodies, status codes, the
//! expand=* app split, aggregation days and validation errors) and that each knob does
//! what the end-to-end tests rely on.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fake_pendo::{
    BodyFault, DAY_MS, DEFAULT_APP_ID, FAKE_PENDO_KEY, FakePendo, OTHER_APP_IDS, PIPELINE_REQUIRED,
    RateLimit, utc_midnight,
};
use support::{HttpResponse, http};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// 2026-03-15T10:30:00Z.
const NOW: i64 = 1_773_570_600_000;
/// 2026-03-15T00:00:00Z.
const TODAY: i64 = 1_773_532_800_000;

const PRODUCT_HEADERS: [(&str, &str); 3] = [
    ("x-pendo-integration-key", FAKE_PENDO_KEY),
    ("accept", "application/json"),
    ("user-agent", "pendo-triage/0.1.0"),
];

async fn get(pendo: &FakePendo, path: &str) -> HttpResponse {
    http(
        "GET",
        &format!("{}{path}", pendo.url()),
        &PRODUCT_HEADERS,
        None,
    )
    .await
}

async fn get_with_key(pendo: &FakePendo, path: &str, key: Option<&str>) -> HttpResponse {
    let mut headers = vec![("accept", "application/json")];
    headers.extend(key.map(|key| ("x-pendo-integration-key", key)));
    http("GET", &format!("{}{path}", pendo.url()), &headers, None).await
}

async fn aggregate(pendo: &FakePendo, body: &Value) -> HttpResponse {
    let url = format!("{}/api/v1/aggregation", pendo.url());
    http("POST", &url, &PRODUCT_HEADERS, Some(&body.to_string())).await
}

/// The product's events-per-day aggregation.
fn events_per_day_body(count: i64) -> Value {
    json!({"response": {"mimeType": "application/json"},
        "request": {"requestId": "pendo-triage-events-per-day", "pipeline": [
            {"source": {"events": {"appId": "expandAppIds(\"*\")"},
                "timeSeries": {"period": "dayRange", "first": "now()", "count": count}}},
            {"group": {"group": ["day"], "fields": [{"numEvents": {"sum": "numEvents"}}]}},
            {"sort": ["day"]}]}})
}

fn fake() -> FakePendo {
    FakePendo::builder().now_ms(NOW).start()
}

#[tokio::test]
async fn the_auth_probe_answers_an_account_metadata_schema() {
    let pendo = fake();
    let response = get(&pendo, "/api/v1/metadata/schema/account").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let schema = response.json();
    for group in ["auto", "agent", "custom"] {
        let fields = schema[group].as_object().expect("a group of fields");
        assert!(
            fields
                .values()
                .all(|f| f["Type"].is_string() && f["isHidden"] == false)
        );
    }
    let seen = &pendo.requests()[0];
    assert_eq!((seen.method.as_str(), seen.status), ("GET", Some(200)));
    assert_eq!(seen.header("X-Pendo-Integration-Key"), Some(FAKE_PENDO_KEY));
    assert_eq!(seen.header("user-agent"), Some("pendo-triage/0.1.0"));
}

#[tokio::test]
async fn a_missing_or_unknown_key_is_rejected_with_an_empty_body() {
    let pendo = fake();
    let path = "/api/v1/metadata/schema/account";
    for key in [None, Some("fa4e0000-7e57-4e57-8e57-000000000002.us")] {
        let response = get_with_key(&pendo, path, key).await;
        assert_eq!((response.status, response.body.as_str()), (401, ""));
    }
    pendo.knobs().unknown_key_status = 403;
    assert_eq!(get_with_key(&pendo, path, None).await.status, 403);
    assert_eq!(get(&pendo, path).await.status, 200);
}

#[tokio::test]
async fn reject_status_answers_every_request_until_cleared() {
    let pendo = fake();
    for status in [401, 403, 400] {
        pendo.knobs().reject_status = Some(status);
        assert_eq!(get(&pendo, "/api/v1/guide").await.status, status);
        assert_eq!(
            aggregate(&pendo, &events_per_day_body(-7)).await.status,
            status
        );
    }
    pendo.knobs().reject_status = None;
    assert_eq!(get(&pendo, "/api/v1/guide").await.status, 200);
}

#[tokio::test]
async fn instances_per_region_host_are_independent() {
    let us = FakePendo::builder().keys(&[]).start();
    let eu = fake();
    let au = FakePendo::builder()
        .knobs(|k| k.reject_status = Some(403))
        .start();
    let probe = "/api/v1/metadata/schema/account";
    assert_eq!(get(&us, probe).await.status, 401);
    assert_eq!(get(&eu, probe).await.status, 200);
    assert_eq!(get(&au, probe).await.status, 403);
    assert_ne!(us.url(), eu.url());
    assert_eq!(eu.requests().len(), 1);
}

#[tokio::test]
async fn lists_show_the_default_app_unless_expand_all() {
    let pendo = FakePendo::builder()
        .now_ms(NOW)
        .guides(3, 2)
        .features(4, 5)
        .pages(0, 2)
        .reports(1, 0)
        .start();
    let cases = [
        ("guide", "Guide", 3, 5),
        ("feature", "Feature", 4, 9),
        ("page", "Page", 0, 2),
        ("report", "Report", 1, 1),
    ];
    for (path, kind, default_app, all_apps) in cases {
        let rows = get(&pendo, &format!("/api/v1/{path}")).await.json();
        let rows = rows.as_array().expect("a JSON array");
        assert_eq!(rows.len(), default_app, "{path}");
        assert!(
            rows.iter()
                .all(|r| r["appId"] == DEFAULT_APP_ID && r["kind"] == kind)
        );
        let expanded = get(&pendo, &format!("/api/v1/{path}?expand=*"))
            .await
            .json();
        let expanded = expanded.as_array().expect("a JSON array");
        assert_eq!(expanded.len(), all_apps, "{path}?expand=*");
        let others = expanded
            .iter()
            .filter(|r| OTHER_APP_IDS.iter().any(|app| r["appId"] == *app));
        assert_eq!(others.count(), all_apps - default_app);
    }
}

#[tokio::test]
async fn rows_look_like_pendo_and_are_deterministic() {
    let pendo = fake();
    let body = get(&pendo, "/api/v1/guide?expand=*").await.body;
    let id = regex::Regex::new("^[A-Za-z0-9_-]{27}$").expect("regex");
    for row in serde_json::from_str::<Vec<Value>>(&body).expect("guides") {
        assert!(id.is_match(row["id"].as_str().expect("id")), "{row}");
        let created = row["createdAt"].as_i64().expect("createdAt");
        let updated = row["lastUpdatedAt"].as_i64().expect("lastUpdatedAt");
        assert!(created <= updated && updated <= NOW, "{row}");
        assert!(["public", "draft", "disabled"].contains(&row["state"].as_str().expect("state")));
        assert!(row["name"].as_str().is_some_and(|n| !n.is_empty()));
    }
    assert_eq!(get(&fake(), "/api/v1/guide?expand=*").await.body, body);
    let later = FakePendo::builder().now_ms(NOW + DAY_MS).start();
    assert_ne!(get(&later, "/api/v1/guide?expand=*").await.body, body);
}

#[tokio::test]
async fn aggregation_answers_the_seven_days_before_today() {
    let events = vec![10, 20, 30, 40, 50, 60, 70, 80];
    let pendo = FakePendo::builder()
        .now_ms(NOW)
        .events_per_day(events)
        .start();
    let response = aggregate(&pendo, &events_per_day_body(-7)).await;
    assert_eq!(response.status, 200);
    let answer = response.json();
    let days: Vec<i64> = (1..=7).rev().map(|back| TODAY - back * DAY_MS).collect();
    assert_eq!(answer["startTime"], days[0]);
    let expected: Vec<Value> = days
        .iter()
        .zip([20, 30, 40, 50, 60, 70, 80])
        .map(|(d, n)| json!({"day": d, "numEvents": n}))
        .collect();
    assert_eq!(answer["results"], Value::Array(expected));
    assert_eq!(utc_midnight(NOW), TODAY);
}

#[tokio::test]
async fn days_without_events_have_no_result_row() {
    let pendo = FakePendo::builder()
        .now_ms(NOW)
        .events_per_day(vec![5, 0, 7])
        .start();
    let answer = aggregate(&pendo, &events_per_day_body(-7)).await.json();
    let expected = json!([{"day": TODAY - 3 * DAY_MS, "numEvents": 5}, {"day": TODAY - DAY_MS, "numEvents": 7}]);
    assert_eq!(answer["results"], expected);
}

#[tokio::test]
async fn a_positive_count_runs_forward_from_the_day_of_first() {
    let events = vec![10, 20, 30, 40, 50, 60, 70, 80];
    let pendo = FakePendo::builder()
        .now_ms(NOW)
        .events_per_day(events)
        .start();
    let mut body = events_per_day_body(3);
    let series = &mut body["request"]["pipeline"][0]["source"]["timeSeries"];
    series["first"] = json!(TODAY - 2 * DAY_MS + 12_345);
    let answer = aggregate(&pendo, &body).await.json();
    assert_eq!(answer["startTime"], TODAY - 2 * DAY_MS);
    // Today has no events yet: only the two past days answer.
    let expected = json!([{"day": TODAY - 2 * DAY_MS, "numEvents": 70}, {"day": TODAY - DAY_MS, "numEvents": 80}]);
    assert_eq!(answer["results"], expected);
}

#[tokio::test]
async fn aggregation_validation_errors_match_pendo() {
    let pendo = fake();
    let mut body = events_per_day_body(-7);
    let unwrapped = body["request"].clone();
    let response = aggregate(&pendo, &unwrapped).await;
    assert_eq!(
        (response.status, response.body.as_str()),
        (422, PIPELINE_REQUIRED)
    );
    assert_eq!(
        aggregate(&pendo, &json!({"request": {"requestId": "x"}}))
            .await
            .status,
        422
    );

    body["request"]["pipeline"][0]["source"]
        .as_object_mut()
        .expect("source")
        .remove("timeSeries");
    let response = aggregate(&pendo, &body).await;
    assert_eq!(
        (response.status, response.body.trim()),
        (400, "no period specified")
    );

    body["request"]["pipeline"][0]["source"]["timeSeries"] =
        json!({"period": "hourRange", "first": "now()", "count": -1});
    assert_eq!(aggregate(&pendo, &body).await.status, 400);
    let url = format!("{}/api/v1/aggregation", pendo.url());
    let not_json = http("POST", &url, &PRODUCT_HEADERS, Some("pipeline=[]")).await;
    assert_eq!(not_json.status, 400);

    let response = get(&pendo, "/api/v1/aggregation").await;
    assert_eq!(
        (response.status, response.body.trim()),
        (400, "missing jzb")
    );
}

#[tokio::test]
async fn a_named_pipeline_stage_can_fail_with_500() {
    let pendo = fake();
    pendo.knobs().fail_stage = Some("group".into());
    let response = aggregate(&pendo, &events_per_day_body(-7)).await;
    assert_eq!(response.status, 500);
    assert!(response.body.contains("group"), "{}", response.body);
    pendo.knobs().fail_stage = Some("reduce".into());
    assert_eq!(
        aggregate(&pendo, &events_per_day_body(-7)).await.status,
        200
    );
}

#[tokio::test]
async fn rate_limiting_answers_429_with_the_chosen_headers() {
    let pendo = fake();
    pendo.knobs().rate_limit = RateLimit {
        requests: 2,
        retry_after_secs: Some(30),
        limit: Some(100),
    };
    for _ in 0..2 {
        let response = get(&pendo, "/api/v1/guide").await;
        assert_eq!(response.status, 429);
        assert_eq!(response.header("retry-after"), Some("30"));
        assert_eq!(response.header("x-ratelimit-limit"), Some("100"));
        assert_eq!(response.header("x-ratelimit-remaining"), Some("0"));
        let reset = (NOW / 1000 + 30).to_string();
        assert_eq!(response.header("x-ratelimit-reset"), Some(reset.as_str()));
    }
    assert_eq!(get(&pendo, "/api/v1/guide").await.status, 200);
    pendo.knobs().rate_limit = RateLimit {
        requests: 1,
        ..RateLimit::default()
    };
    let response = get(&pendo, "/api/v1/guide").await;
    assert_eq!(response.status, 429);
    assert!(
        response.header("retry-after").is_none() && response.header("x-ratelimit-limit").is_none()
    );
}

#[tokio::test]
async fn a_path_prefix_can_answer_a_status_for_n_requests() {
    let pendo = fake();
    pendo.fail_path("/api/v1/guide", 500, 2);
    assert_eq!(get(&pendo, "/api/v1/feature").await.status, 200);
    let failed = get(&pendo, "/api/v1/guide").await;
    assert_eq!(
        (failed.status, failed.body.trim()),
        (500, "Internal Server Error")
    );
    assert_eq!(get(&pendo, "/api/v1/guide?expand=*").await.status, 500);
    assert_eq!(get(&pendo, "/api/v1/guide").await.status, 200);
}

#[tokio::test]
async fn unknown_paths_and_methods_are_404() {
    let pendo = fake();
    let response = get(&pendo, "/api/v1/visitor").await;
    assert_eq!(
        (response.status, response.body.trim()),
        (404, "404 page not found")
    );
    let post = http(
        "POST",
        &format!("{}/api/v1/guide", pendo.url()),
        &PRODUCT_HEADERS,
        Some("{}"),
    )
    .await;
    assert_eq!(post.status, 404);
}

#[tokio::test]
async fn truncated_and_html_bodies_come_with_200() {
    let pendo = fake();
    pendo.fault_body("/api/v1/guide", BodyFault::Truncated);
    pendo.fault_body("/api/v1/page", BodyFault::Html);
    let truncated = get(&pendo, "/api/v1/guide?expand=*").await;
    assert_eq!(truncated.status, 200);
    assert!(
        truncated.body.starts_with("[{") && serde_json::from_str::<Value>(&truncated.body).is_err()
    );
    let html = get(&pendo, "/api/v1/page").await;
    assert_eq!(html.status, 200);
    assert!(
        html.header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    assert!(html.body.starts_with("<!DOCTYPE html>"));
    assert!(get(&pendo, "/api/v1/feature").await.json().is_array());
}

#[tokio::test]
async fn a_huge_list_is_streamed_in_full() {
    const SIZE: u64 = 64 << 20;
    let pendo = fake();
    pendo.fault_body("/api/v1/feature", BodyFault::Huge(SIZE));
    let addr = pendo.url().trim_start_matches("http://").to_string();
    let mut socket = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    let request = format!(
        "GET /api/v1/feature HTTP/1.1\r\nHost: {addr}\r\nx-pendo-integration-key: {FAKE_PENDO_KEY}\r\nConnection: close\r\n\r\n"
    );
    socket.write_all(request.as_bytes()).await.expect("send");
    let (mut total, mut head, mut tail, mut buf) =
        (0u64, Vec::new(), Vec::new(), vec![0u8; 1 << 16]);
    while total < 2 * SIZE {
        let n = socket.read(&mut buf).await.expect("read");
        if n == 0 {
            break;
        }
        total += n as u64;
        if head.len() < 4096 {
            head.extend_from_slice(&buf[..n]);
        }
        tail.extend_from_slice(&buf[..n]);
        tail.drain(..tail.len().saturating_sub(32));
    }
    let head = String::from_utf8_lossy(&head);
    assert!(
        head.starts_with("HTTP/1.1 200 OK") && head.contains("[{\"appId\":"),
        "{head}"
    );
    assert!(total > SIZE && total < 2 * SIZE, "{total} bytes");
    assert!(
        tail.ends_with(b"]\r\n0\r\n\r\n"),
        "{:?}",
        String::from_utf8_lossy(&tail)
    );
}

#[tokio::test]
async fn hang_never_answers_until_switched_off() {
    let pendo = fake();
    pendo.knobs().hang = true;
    let waited =
        tokio::time::timeout(Duration::from_millis(300), get(&pendo, "/api/v1/guide")).await;
    assert!(waited.is_err(), "a hanging fake answered");
    assert_eq!(pendo.requests()[0].status, None);
    pendo.knobs().hang = false;
    assert_eq!(get(&pendo, "/api/v1/guide").await.status, 200);
}

#[tokio::test]
async fn delay_slows_every_answer() {
    let pendo = fake();
    pendo.knobs().delay_ms = 250;
    let started = Instant::now();
    assert_eq!(
        get(&pendo, "/api/v1/metadata/schema/account").await.status,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn max_in_flight_counts_concurrent_requests() {
    let pendo = fake();
    pendo.knobs().delay_ms = 300;
    let guide = || get(&pendo, "/api/v1/guide");
    let (a, b, c, d) = tokio::join!(guide(), guide(), guide(), guide());
    assert!([a, b, c, d].iter().all(|answer| answer.status == 200));
    assert_eq!(pendo.max_in_flight(), 4);
    pendo.clear_requests();
    assert_eq!((pendo.max_in_flight(), pendo.requests().len()), (0, 0));
    get(&pendo, "/api/v1/guide").await;
    get(&pendo, "/api/v1/page").await;
    assert_eq!(pendo.max_in_flight(), 1);
}

#[tokio::test]
async fn the_request_log_has_what_the_product_sent() {
    let pendo = fake();
    get(&pendo, "/api/v1/page?expand=*").await;
    aggregate(&pendo, &events_per_day_body(-7)).await;
    let log = pendo.requests();
    assert_eq!(
        (log[0].path.as_str(), log[0].query.as_deref()),
        ("/api/v1/page", Some("expand=*"))
    );
    assert_eq!((log[1].method.as_str(), log[1].status), ("POST", Some(200)));
    assert_eq!(log[1].header("content-type"), Some("application/json"));
    let sent: Value = serde_json::from_str(&log[1].body).expect("JSON body");
    assert_eq!(sent, events_per_day_body(-7));
}
