//! `pendo.aggregation`: does event data exist and keep arriving?
//!
//! One known-good minimal aggregation (the bot's own POST, the only non-GET it sends to
//! Pendo): events per day over the last complete days, all apps, wrapped in `request`,
//! with `first: "now()"` and a negative count. Its answer says whether events arrive;
//! its errors name the cause, from Pendo's error bodies.
//!
//! A second aggregation, [`guide_views`], asks for the views per guide over the analytics
//! window (guide events of type `guideSeen`, grouped by `guideId`): `supabase.analytics`
//! compares it with the guides stored with zero views (issue 25, 4(c)). It is sent once
//! per run, and only when a metric table of guides has a column counted from events.

use super::Pendo;
use crate::clock::format_utc;
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::live::http::{Answer, FetchError};
use crate::live::{Live, fetch_error};
use crate::meaning::{self, Service};
use serde_json::{Value, json};

pub const PATH: &str = "/api/v1/aggregation";
/// Complete days asked for, before today.
pub const DAYS: i64 = 7;
const MAX_BODY: usize = 4 << 20;
const ID: CheckId = CheckId::PendoAggregation;
const DAY_MS: i64 = 86_400_000;

/// The request body: events per day over the [`DAYS`] days before today, every app.
pub fn body() -> Value {
    json!({
        "response": {"mimeType": "application/json"},
        "request": {
            "requestId": "pendo-triage-events-per-day",
            "pipeline": [
                {"source": {
                    "events": {"appId": "expandAppIds(\"*\")"},
                    "timeSeries": {"period": "dayRange", "first": "now()", "count": -DAYS}
                }},
                {"group": {"group": ["day"], "fields": [{"numEvents": {"sum": "numEvents"}}]}},
                {"sort": ["day"]}
            ]
        }
    })
}

/// The POST.
pub async fn fetch(p: &Pendo) -> Result<Answer, FetchError> {
    p.send(&p.base, PATH, Some(&body()), MAX_BODY).await
}

/// The `requestId` of the views-per-guide aggregation.
pub const GUIDE_VIEWS_ID: &str = "pendo-triage-guide-views";
/// The most guides read from its answer (a subscription has hundreds, not millions).
const MAX_GUIDES: usize = 20_000;

/// The request body: views per guide (`guideSeen` events, every app) over the `days`
/// complete days before today.
pub fn guide_views_body(days: u32) -> Value {
    json!({
        "response": {"mimeType": "application/json"},
        "request": {
            "requestId": GUIDE_VIEWS_ID,
            "pipeline": [
                {"source": {
                    "guideEvents": {"appId": "expandAppIds(\"*\")"},
                    "timeSeries": {"period": "dayRange", "first": "now()", "count": -i64::from(days.max(1))}
                }},
                {"filter": "type == \"guideSeen\""},
                {"group": {"group": ["guideId"], "fields": [{"views": {"count": null}}]}}
            ]
        }
    })
}

/// The guides Pendo counts views for over the last `days` days: guide id → views (only
/// guides with views). `Err`: why it could not be read, in a few words.
pub async fn guide_views(
    p: &Pendo,
    days: u32,
) -> Result<std::collections::BTreeMap<String, u64>, String> {
    let a = p
        .send(&p.base, PATH, Some(&guide_views_body(days)), MAX_BODY)
        .await
        .map_err(|e| format!("POST {PATH} (views per guide): {e}"))?;
    if !a.is_success() {
        return Err(format!(
            "Pendo refuses the views-per-guide aggregation ({}): {}",
            a.status,
            cause(a.status, &a.text(200))
        ));
    }
    views_per_guide(&a.body).ok_or_else(|| {
        format!(
            "Pendo answers {} to the views-per-guide aggregation without a results list",
            a.status
        )
    })
}

/// The answer's `results` as guide id → views, guides without views left out.
fn views_per_guide(body: &[u8]) -> Option<std::collections::BTreeMap<String, u64>> {
    let v = crate::live::decode::bounded(body).ok()?;
    Some(
        v.get("results")?
            .as_array()?
            .iter()
            .filter_map(|r| {
                Some((
                    r.get("guideId")?.as_str()?.to_string(),
                    r.get("views")?.as_u64()?,
                ))
            })
            .filter(|(id, n)| *n > 0 && !id.is_empty() && id.len() <= 128)
            .take(MAX_GUIDES)
            .collect(),
    )
}

/// Why Pendo refused an aggregation, read from its error body.
fn cause(status: u16, body: &str) -> String {
    let lower = body.to_ascii_lowercase();
    if lower.contains("pipeline") && lower.contains("required") {
        "the body has no request.pipeline (Pendo: pipeline: Required)".into()
    } else if lower.contains("no period specified") {
        "a source has no timeSeries period (Pendo: no period specified)".into()
    } else if lower.contains("missing jzb") {
        "the aggregation was sent as a GET (Pendo: missing jzb)".into()
    } else if status >= 500 {
        "Pendo failed on a pipeline stage (500); simplify the pipeline or retry later".into()
    } else if body.is_empty() {
        format!("{status} with an empty body")
    } else {
        body.to_string()
    }
}

/// Whether events arrive, from the days asked for (oldest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arrival {
    /// No event on any day.
    None,
    /// The last `days` days are at 0, from `since` (ms).
    Stopped { since: i64, days: usize },
    /// Events on the last day: `total` over the days, `last` on `day` (ms).
    Arriving { total: u64, last: u64, day: i64 },
}

impl Arrival {
    fn of(days: &[(i64, u64)]) -> Arrival {
        let total: u64 = days.iter().map(|(_, n)| n).sum();
        let quiet = days.iter().rev().take_while(|(_, n)| *n == 0).count();
        match days.last() {
            Some(_) if total == 0 => Arrival::None,
            Some(_) if quiet > 0 => Arrival::Stopped {
                since: days[days.len() - quiet].0,
                days: quiet,
            },
            Some(&(day, last)) => Arrival::Arriving { total, last, day },
            None => Arrival::None,
        }
    }

    fn finding(self) -> Finding {
        let date = |ms: i64| format_utc(ms / 1000)[..10].to_string();
        match self {
            Arrival::None => Finding::new(ID, Status::Warn, format!("No events in Pendo for the last {DAYS} days"))
                .with_impact(Impact::Degraded)
                .with_next_step("Check in Pendo (Data Mappings → Raw Events) that the app still sends events; the sync cannot copy what Pendo does not have."),
            Arrival::Stopped { since, days } => Finding::new(
                ID,
                Status::Warn,
                format!(
                    "Events stopped arriving in Pendo: none since {} ({days} day{} at 0)",
                    date(since),
                    if days == 1 { "" } else { "s" }
                ),
            )
            .with_impact(Impact::Degraded)
            .with_next_step("Check that the Pendo snippet still loads in the app (its install settings, CSP, ad blockers); the sync is not the cause."),
            Arrival::Arriving { total, last, day } => Finding::pass(
                ID,
                format!(
                    "Events keep arriving: {total} in the last {DAYS} days, {last} on {}",
                    date(day)
                ),
            ),
        }
    }
}

/// The events per day over the [`DAYS`] complete days before `now`'s, oldest first, from
/// the answer's `results`; `None` when it has no results list.
fn per_day(body: &[u8], now: i64) -> Option<Vec<(i64, u64)>> {
    let v = crate::live::decode::bounded(body).ok()?;
    let rows: Vec<(i64, u64)> = v
        .get("results")?
        .as_array()?
        .iter()
        .filter_map(|r| Some((r.get("day")?.as_i64()?, r.get("numEvents")?.as_u64()?)))
        .collect();
    let today = (now * 1000).div_euclid(DAY_MS) * DAY_MS;
    let days = (1..=DAYS).rev().map(|back| {
        let day = today - back * DAY_MS;
        let n = rows.iter().filter(|(d, _)| *d == day).map(|(_, n)| n).sum();
        (day, n)
    });
    Some(days.collect())
}

/// The finding when Pendo refused the aggregation.
fn refused(a: &Answer, evidence: String) -> Finding {
    let m = meaning::of_status(a.status, Service::Pendo);
    let impact = m.map_or(Impact::None, |m| m.impact);
    let status = match a.status {
        429 => Status::Warn,
        400..=599 => Status::Fail,
        _ => Status::Error,
    };
    let why = cause(a.status, &a.text(200));
    let mut f = Finding::new(
        ID,
        status,
        format!("Pendo refuses the events aggregation: {why}"),
    )
    .with_impact(impact)
    .with_evidence(evidence);
    if let Some(m) = m {
        f = f.with_next_step(m.fix);
    }
    f
}

/// The finding, from Pendo's answer and the run's clock (Unix seconds).
pub fn judge(answer: &Result<Answer, FetchError>, now: i64) -> Finding {
    let a = match answer {
        Ok(a) => a,
        Err(e) => return fetch_error(ID, &format!("POST {PATH}"), e),
    };
    let evidence = format!(
        "POST {PATH} (events per day, {DAYS} days, all apps) → {}",
        a.status
    );
    if !a.is_success() {
        return refused(a, evidence);
    }
    let Some(days) = per_day(&a.body, now) else {
        return Finding::new(
            ID,
            Status::Fail,
            format!(
                "Pendo answers {} without a results list: {}",
                a.status,
                a.text(120)
            ),
        )
        .with_impact(Impact::Critical)
        .with_evidence(evidence);
    };
    let per_day: Vec<String> = days.iter().map(|(_, n)| n.to_string()).collect();
    let per_day = per_day.join(", ");
    Arrival::of(&days)
        .finding()
        .with_evidence(evidence)
        .with_evidence(format!("events per day, oldest first: {per_day}"))
        .with_measured(
            "Events per day in Pendo",
            format!("{per_day} (last {DAYS} days)"),
        )
}

/// `pendo.aggregation` for this run.
pub async fn check(live: &Live) -> Finding {
    let Some(p) = &live.pendo else {
        return Finding::skip(ID, "no Pendo key");
    };
    let answer = p.aggregation.get_or_init(|| fetch(p)).await;
    judge(answer, live.now)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_860_000; // 2026-11-28T10:00:00Z
    const TODAY_MS: i64 = 1_795_824_000_000;

    fn answer(status: u16, body: &str) -> Result<Answer, FetchError> {
        Ok(Answer {
            status,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
            elapsed: std::time::Duration::from_millis(300),
        })
    }

    fn results(counts: &[u64]) -> String {
        let rows: Vec<Value> = counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(i, n)| json!({"day": TODAY_MS - (counts.len() - i) as i64 * DAY_MS, "numEvents": n}))
            .collect();
        json!({"startTime": 0, "results": rows}).to_string()
    }

    #[test]
    fn the_body_is_the_known_good_shape() {
        let b = body();
        assert_eq!(
            b["request"]["pipeline"][0]["source"]["timeSeries"]["count"],
            -7
        );
        assert_eq!(
            b["request"]["pipeline"][0]["source"]["timeSeries"]["first"],
            "now()"
        );
        assert_eq!(b["response"]["mimeType"], "application/json");
    }

    #[test]
    fn views_per_guide_are_read_from_the_results() {
        let b = guide_views_body(7);
        let pipeline = &b["request"]["pipeline"];
        assert_eq!(pipeline[0]["source"]["timeSeries"]["count"], -7);
        assert!(pipeline[0]["source"].get("guideEvents").is_some());
        assert_eq!(pipeline[2]["group"]["group"][0], "guideId");
        let body = br#"{"startTime":0,"results":[{"guideId":"g1","views":12},{"guideId":"g2","views":0},{"guideId":"g3"},{"views":4}]}"#;
        let got = views_per_guide(body).unwrap();
        assert_eq!(
            got.into_iter().collect::<Vec<_>>(),
            vec![("g1".to_string(), 12)]
        );
        assert!(views_per_guide(b"<html>").is_none());
        assert!(views_per_guide(br#"{"startTime":0}"#).is_none());
    }

    #[test]
    fn arriving_stopped_and_absent() {
        let f = judge(&answer(200, &results(&[10, 12, 9, 11, 14, 13, 12])), NOW);
        assert_eq!(f.status, Status::Pass, "{f:?}");
        assert_eq!(
            f.summary,
            "Events keep arriving: 81 in the last 7 days, 12 on 2026-11-27"
        );
        let f = judge(&answer(200, &results(&[10, 12, 9, 11, 14, 0, 0])), NOW);
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        assert!(
            f.summary.contains("none since 2026-11-26 (2 days at 0)"),
            "{}",
            f.summary
        );
        let f = judge(&answer(200, &results(&[0; 7])), NOW);
        assert_eq!(f.status, Status::Warn);
        assert!(f.summary.starts_with("No events"));
    }

    #[test]
    fn error_bodies_name_their_cause() {
        let cases: &[(u16, &str, Status, &str)] = &[
            (
                422,
                r#"{"overall":{},"fields":{"pipeline":"Required"}}"#,
                Status::Fail,
                "no request.pipeline",
            ),
            (
                400,
                "no period specified",
                Status::Fail,
                "no timeSeries period",
            ),
            (400, "missing jzb", Status::Fail, "sent as a GET"),
            (500, "stage failed", Status::Fail, "pipeline stage"),
            (429, "", Status::Warn, "429 with an empty body"),
            (403, "", Status::Fail, "403 with an empty body"),
        ];
        for (status, body, want, words) in cases {
            let f = judge(&answer(*status, body), NOW);
            assert_eq!(f.status, *want, "{status}: {f:?}");
            assert!(f.summary.contains(words), "{status}: {}", f.summary);
        }
        let f = judge(&answer(200, "<html>oops</html>"), NOW);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
    }
}
