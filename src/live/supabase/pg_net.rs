//! `supabase.http`: what the Edge Function answered pg_net's calls.
//!
//! pg_cron queues `net.http_post` and pg_net stores each answer in `net._http_response`
//! (for `pg_net.ttl`, 6 h by default): 401 `Invalid JWT`, 546 `WORKER_LIMIT` or a timeout
//! there means the sync never started or died, even when `sync_status` shows nothing.

use super::client::health::{HealthAnswer, HealthFacts, Response};
use super::cron::not_installed;
use crate::clock::{format_utc, parse_rfc3339};
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::live::Live;
use crate::meaning::{self, Known, Meaning, Service};

const ID: CheckId = CheckId::SupabaseHttp;

/// The `message` of a JSON error body, else the body's start.
fn message_of(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    match v.get("message").and_then(|m| m.as_str()) {
        Some(m) => m.to_string(),
        None => crate::outside::emit(body, 120, crate::outside::Sink::Plain),
    }
}

/// One stored answer that is a failure.
struct Failure<'a> {
    response: &'a Response,
    /// What it was: `401 Invalid JWT`, `timed out (…)`.
    what: String,
    /// pg_net gave up waiting (`timed_out`).
    timeout: bool,
    meaning: Meaning,
}

impl Failure<'_> {
    /// What it is counted as: every timeout is one kind, whatever its message.
    fn kind(&self) -> &str {
        if self.timeout {
            "timed out"
        } else {
            &self.what
        }
    }
}

/// What one stored answer means, when it is a failure.
fn failure(r: &Response) -> Option<Failure<'_>> {
    let (what, meaning) = if r.timed_out == Some(true) {
        let msg = r.error_msg.clone().unwrap_or_else(|| "timed out".into());
        (format!("timed out ({msg})"), Known::PgNetTimeout.meaning())
    } else if let Some(code) = r.status_code.filter(|c| *c >= 400) {
        let body = r.content.as_deref().unwrap_or("").trim();
        let mut m = meaning::of_text(body)
            .filter(|m| m.known == Known::WorkerLimit)
            .or_else(|| meaning::of_status(code as u16, Service::EdgeFunction))?;
        // A 500 with a body is the function reporting a failed sync: the sync log says
        // why, and that is the cause to name.
        if code == 500 && !body.is_empty() {
            m.impact = Impact::Degraded;
        }
        let short = message_of(body);
        (format!("{code} {short}").trim().to_string(), m)
    } else if r.status_code.is_none()
        && let Some(msg) = r.error_msg.clone()
    {
        let m = meaning::of_text(&msg).unwrap_or(Known::ServiceDown.meaning());
        (msg, m)
    } else {
        return None;
    };
    Some(Failure {
        response: r,
        what,
        timeout: r.timed_out == Some(true),
        meaning,
    })
}

/// How long after pg_net gave up a completed run in the sync log still counts as that
/// call's (an Edge Function runs for at most 400 s on any plan; the margin covers clocks).
const LATE_ANSWER_SECS: i64 = 15 * 60;

/// The entities whose runs completed (in the sync log) within [`LATE_ANSWER_SECS`] after
/// `r` timed out: pg_net stopped waiting, the function went on and finished those.
fn completed_after<'a>(r: &Response, completed: &'a [(String, i64)]) -> Vec<&'a str> {
    let Some(t) = r.created.as_deref().and_then(parse_rfc3339) else {
        return Vec::new();
    };
    let mut out: Vec<&str> = Vec::new();
    for (entity, at) in completed {
        if *at >= t - 10 && *at <= t + LATE_ANSWER_SECS && !out.contains(&entity.as_str()) {
            out.push(entity);
        }
    }
    out
}

/// True when a run completed after `r` timed out (see [`completed_after`]).
fn answered_late(r: &Response, completed: &[(String, i64)]) -> bool {
    r.timed_out == Some(true) && !completed_after(r, completed).is_empty()
}

/// What the sync log says of the runs: each completed run's entity and end (see
/// [`super::sync_log::completed_at`]), and the configured entities.
#[derive(Debug, Clone, Copy)]
pub struct Completions<'a> {
    pub runs: &'a [(String, i64)],
    pub entities: &'a [String],
}

/// The finding, from pg_net's stored answers (newest first) and, when the sync log was
/// read, the runs that completed (`None`: unknown).
pub fn judge(h: &HealthFacts, completions: Option<Completions>) -> Finding {
    let completed = completions.map(|c| c.runs);
    if !h.extensions.net_responses {
        return Finding::skip(ID, "pg_net is not installed here (no net._http_response)");
    }
    let responses = h.responses.as_deref().unwrap_or(&[]);
    if responses.is_empty() {
        return Finding::new(
            ID,
            Status::Warn,
            "No Edge Function call answered in the window (pg_net keeps answers 6 h): the sync may not be calling it",
        );
    }
    let late: Vec<&Response> = responses
        .iter()
        .filter(|r| completed.is_some_and(|c| answered_late(r, c)))
        .collect();
    let failures: Vec<Failure> = responses
        .iter()
        .filter(|r| !late.iter().any(|l| l.id == r.id))
        .filter_map(failure)
        .map(|mut x| {
            // A call pg_net gave up on with no run completing after it: the sync stopped.
            if x.timeout && completed.is_some() {
                x.meaning.impact = Impact::Critical;
            }
            x
        })
        .collect();
    let n = responses.len();
    if failures.is_empty() && !late.is_empty() {
        return late_answers(&late, n, completions);
    }
    let f = if failures.is_empty() {
        Finding::pass(
            ID,
            if n == 1 {
                "The Edge Function answered its recent call with 2xx".to_string()
            } else {
                format!("The Edge Function answered all {n} recent calls with 2xx")
            },
        )
    } else {
        failed(&failures, failures[0].response.id == responses[0].id, n)
    };
    with_failures(f, &failures, n)
}

/// Failures counted by kind, in the order first seen: `["2 × 401 Invalid JWT", …]`.
fn grouped(failures: &[Failure]) -> Vec<String> {
    let mut groups: Vec<(&str, usize)> = Vec::new();
    for x in failures {
        match groups.iter_mut().find(|g| g.0 == x.kind()) {
            Some(g) => g.1 += 1,
            None => groups.push((x.kind(), 1)),
        }
    }
    groups.iter().map(|(w, k)| format!("{k} × {w}")).collect()
}

/// The finding when some of the `n` calls failed (the latest among them or not), with
/// each failure's fix, worst first.
fn failed(failures: &[Failure], latest_failed: bool, n: usize) -> Finding {
    let worst = failures
        .iter()
        .map(|x| x.meaning.impact)
        .max()
        .unwrap_or(Impact::None);
    let (status, impact) = if latest_failed {
        (Status::Fail, worst)
    } else {
        (Status::Warn, Impact::Degraded)
    };
    let summary = if n == 1 {
        format!("The Edge Function's call failed: {}", failures[0].what)
    } else {
        format!(
            "{} of {n} Edge Function calls failed{}: {}",
            failures.len(),
            if latest_failed {
                ", the latest too"
            } else {
                ""
            },
            grouped(failures).join(", ")
        )
    };
    let mut ordered: Vec<&Meaning> = failures.iter().map(|x| &x.meaning).collect();
    ordered.sort_by_key(|m| std::cmp::Reverse(m.impact));
    let mut fixes: Vec<&str> = Vec::new();
    for m in ordered {
        if !fixes.contains(&m.fix) {
            fixes.push(m.fix);
        }
    }
    let mut f = Finding::new(ID, status, crate::outside::plain(&summary)).with_impact(impact);
    if latest_failed {
        // An answer says more than a timeout: the worst answer, else the timeouts.
        let answered = failures
            .iter()
            .filter(|x| !x.timeout)
            .max_by_key(|x| x.meaning.impact);
        f = f.with_cause(match answered {
            Some(x) => format!("the Edge Function answers pg_net's calls with {}", x.what),
            None => {
                "pg_net's latest call to the Edge Function timed out and no run completed after it"
                    .to_string()
            }
        });
    }
    fixes.into_iter().fold(f, Finding::with_next_step)
}

/// The first failures as evidence, and the error and timeout counts as measured.
fn with_failures(mut f: Finding, failures: &[Failure], n: usize) -> Finding {
    for x in failures.iter().take(5) {
        let at = x
            .response
            .created
            .as_deref()
            .and_then(parse_rfc3339)
            .map_or(String::new(), format_utc);
        f = f.with_evidence(crate::outside::plain(format!("{at}: {}", x.what)));
    }
    let timeouts = failures.iter().filter(|x| x.timeout).count();
    let errors = failures.len() - timeouts;
    f.with_measured(
        "Error Logs",
        if failures.is_empty() {
            format!("{n} Edge Function calls, none failed (pg_net)")
        } else {
            format!("{errors} error answer(s), {timeouts} timeout(s) in {n} calls (pg_net)")
        },
    )
}

/// Every failure is a timeout after which a run completed: the calls work, pg_net's
/// timeout is too short to see their answers. A note on configuration, and evidence of
/// completion only for the entities that completed after the timeouts: the others are
/// named (the sync log judges them).
fn late_answers(late: &[&Response], n: usize, completions: Option<Completions>) -> Finding {
    let fix = Known::PgNetTimeout.meaning().fix;
    let runs = completions.map_or(&[][..], |c| c.runs);
    let mut done: Vec<&str> = Vec::new();
    for r in late {
        for e in completed_after(r, runs) {
            if !done.contains(&e) {
                done.push(e);
            }
        }
    }
    let entities = completions.map_or(&[][..], |c| c.entities);
    // In the configured order (the sync's), the others after.
    done.sort_by_key(|d| entities.iter().position(|e| e == d).unwrap_or(usize::MAX));
    let not_done: Vec<&str> = entities
        .iter()
        .map(String::as_str)
        .filter(|e| !done.contains(e))
        .collect();
    let which = if not_done.is_empty() {
        "the runs completed (sync log)".to_string()
    } else {
        format!(
            "{} completed after it (sync log), {} did not",
            and_list(&done),
            and_list(&not_done)
        )
    };
    let mut f = Finding::new(
        ID,
        Status::Warn,
        format!(
            "pg_net stopped waiting on {} of {n} Edge Function calls, but {which}: its default 5 s timeout is shorter than the function runs",
            late.len()
        ),
    )
    .with_impact(Impact::Degraded)
    .as_configuration_note()
    .with_next_step(fix);
    for r in late.iter().take(5) {
        let at = r
            .created
            .as_deref()
            .and_then(parse_rfc3339)
            .map_or(String::new(), format_utc);
        let msg = r.error_msg.as_deref().unwrap_or("timed out");
        f = f.with_evidence(crate::outside::plain(format!(
            "{at}: timed out ({msg}); {} completed after it",
            and_list(&completed_after(r, runs))
        )));
    }
    f.with_measured(
        "Error Logs",
        format!(
            "{} timeout(s) in {n} calls, each followed by a completed run (pg_net)",
            late.len()
        ),
    )
}

/// "guides", "guides and features", "pages, reports and events".
fn and_list(names: &[&str]) -> String {
    match names {
        [] => "nothing".to_string(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// `supabase.http` for this run.
pub async fn check(live: &Live) -> Finding {
    let Some(s) = &live.supabase else {
        return Finding::skip(ID, "no Supabase access");
    };
    // pg_net's answers and the sync log's runs, asked at once.
    let (health, log) = tokio::join!(s.health(&live.config, live.now), s.sync_log(&live.config));
    match health {
        Ok(HealthAnswer::Found(h)) => {
            let runs = match log {
                Ok(rows) => Some(super::sync_log::completed_at(rows, &live.config.sync_log)),
                Err(_) => None,
            };
            let entities: Vec<String> = live.config.tables.iter().map(|t| t.entity()).collect();
            let completions = runs.as_deref().map(|runs| Completions {
                runs,
                entities: &entities,
            });
            judge(h, completions)
        }
        Ok(HealthAnswer::NotInstalled) => not_installed(ID),
        Err(e) => crate::live::fetch_error(ID, "reading pg_net's responses", e),
    }
}

#[cfg(test)]
mod tests {
    use super::super::client::health::Extensions;
    use super::*;

    fn health(responses: Vec<Response>) -> HealthFacts {
        HealthFacts {
            extensions: Extensions {
                pg_cron: Some("1.4".into()),
                pg_net: Some("0.19".into()),
                net_responses: true,
            },
            responses: Some(responses),
            ..Default::default()
        }
    }

    fn resp(id: i64, status: Option<i64>, timed_out: bool, content: &str) -> Response {
        Response {
            id,
            status_code: status,
            timed_out: Some(timed_out),
            error_msg: timed_out.then(|| "Timeout of 5000 ms reached. Total time: 5001 ms".into()),
            content: Some(content.into()),
            created: Some("2026-11-28T06:00:01+00:00".into()),
        }
    }

    #[test]
    fn table() {
        let ok = health(vec![
            resp(2, Some(200), false, "{\"ok\":true}"),
            resp(1, Some(200), false, ""),
        ]);
        assert_eq!(judge(&ok, None).status, Status::Pass);
        let unauthorized = health(vec![
            resp(
                4,
                Some(401),
                false,
                r#"{"code":401,"message":"Invalid JWT"}"#,
            ),
            resp(3, None, true, ""),
            resp(2, Some(200), false, ""),
        ]);
        let f = judge(&unauthorized, None);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert_eq!(
            f.summary,
            "2 of 3 Edge Function calls failed, the latest too: 1 × 401 Invalid JWT, 1 × timed out"
        );
        assert!(
            f.next_steps[0].contains("Authorization header"),
            "{:?}",
            f.next_steps
        );
        let worker = health(vec![resp(
            5,
            Some(546),
            false,
            r#"{"code":"WORKER_LIMIT","message":"Function failed due to not having enough compute resources"}"#,
        )]);
        assert_eq!(judge(&worker, None).impact, Impact::Critical);
        assert!(judge(&worker, None).next_steps[0].contains("smaller batches"));
        // The function ran and reported a failed sync: degraded, the sync log has the cause.
        let reported = health(vec![resp(
            6,
            Some(500),
            false,
            r#"{"message":"Sync finished with errors"}"#,
        )]);
        assert_eq!(judge(&reported, None).impact, Impact::Degraded);
        let earlier = health(vec![resp(2, Some(200), false, ""), resp(1, None, true, "")]);
        assert_eq!(
            (judge(&earlier, None).status, judge(&earlier, None).impact),
            (Status::Warn, Impact::Degraded)
        );
        assert_eq!(judge(&health(vec![]), None).status, Status::Warn);
        let mut none = health(vec![]);
        none.extensions.net_responses = false;
        assert_eq!(judge(&none, None).status, Status::Skip);
    }

    #[test]
    fn timeouts_followed_by_completed_runs_are_a_warning_with_the_fix() {
        // The reference deployment: net.http_post without timeout_milliseconds, the
        // function runs for a minute and logs `completed`.
        let calls = health(vec![resp(2, None, true, ""), resp(1, None, true, "")]);
        let completed_at_0601 = [("guides".to_string(), 1_795_845_660)]; // 2026-11-28T06:01:00Z
        let entities = ["guides".to_string()];
        let f = judge(
            &calls,
            Some(Completions {
                runs: &completed_at_0601,
                entities: &entities,
            }),
        );
        assert_eq!(
            (f.status, f.impact),
            (Status::Warn, Impact::Degraded),
            "{f:?}"
        );
        assert!(
            f.summary.starts_with(
                "pg_net stopped waiting on 2 of 2 Edge Function calls, but the runs completed"
            ),
            "{}",
            f.summary
        );
        assert!(
            f.next_steps[0].contains("timeout_milliseconds"),
            "{:?}",
            f.next_steps
        );
        // No run completed after them: the sync stopped, a failure.
        let f = judge(
            &calls,
            Some(Completions {
                runs: &[("guides".to_string(), 1_795_800_000)],
                entities: &entities,
            }),
        );
        assert_eq!(
            (f.status, f.impact),
            (Status::Fail, Impact::Critical),
            "{f:?}"
        );
        assert!(f.cause.is_some_and(|c| c.contains("timed out")));
        // Only some entities completed after it: the note counts for those alone.
        let five: Vec<String> = ["guides", "features", "pages", "reports", "events"]
            .map(String::from)
            .to_vec();
        let runs = [
            ("guides".to_string(), 1_795_845_610),
            ("features".to_string(), 1_795_845_630),
        ];
        let f = judge(
            &calls,
            Some(Completions {
                runs: &runs,
                entities: &five,
            }),
        );
        assert_eq!(f.status, Status::Warn, "{f:?}");
        assert!(f.configuration, "a note on configuration, not a failure");
        assert!(
            f.summary.starts_with("pg_net stopped waiting on 2 of 2 Edge Function calls, but guides and features completed after it (sync log), pages, reports and events did not"),
            "{}",
            f.summary
        );
        // Without the sync log, as before: a timeout is a degradation.
        let f = judge(&calls, None);
        assert_eq!(f.impact, Impact::Degraded);
    }
}
