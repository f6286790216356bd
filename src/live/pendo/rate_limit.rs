//! `pendo.rate-limit`: did Pendo throttle the bot's own requests in this run, and what
//! do its rate-limit headers say?
//!
//! No request of its own: it reads the exchanges the other Pendo checks made (the bot
//! shares the team's limit with the real sync, so a 429 here means the sync meets them
//! too), after those are in or the deadline passed.

use super::Exchange;
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::live::Live;

const ID: CheckId = CheckId::PendoRateLimit;

/// The finding, from every exchange of the run so far and the requests sent.
pub fn judge(exchanges: &[Exchange], sent: u32) -> Finding {
    if exchanges.is_empty() {
        return Finding::skip(
            ID,
            if sent == 0 {
                "no Pendo request was made in this run".to_string()
            } else {
                format!("Pendo answered none of the {sent} requests of this run")
            },
        );
    }
    let limited: Vec<&Exchange> = exchanges.iter().filter(|e| e.status == Some(429)).collect();
    let headers: Vec<String> = exchanges
        .iter()
        .rev()
        .find(|e| !e.rate_headers.is_empty())
        .map(|e| {
            e.rate_headers
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect()
        })
        .unwrap_or_default();
    let n = exchanges.len();
    let mut f = if limited.is_empty() {
        Finding::pass(
            ID,
            format!(
                "No 429 in {n} Pendo request{} of this run",
                if n == 1 { "" } else { "s" }
            ),
        )
    } else {
        let retry = limited
            .iter()
            .find_map(|e| e.retry_after.as_deref())
            .map(|r| format!(" (Retry-After: {r})"))
            .unwrap_or_else(|| " (no Retry-After)".into());
        let m = crate::meaning::Known::RateLimited.meaning();
        Finding::new(
            ID,
            Status::Warn,
            format!(
                "Pendo rate-limits: 429 to {} of {n} requests{retry}",
                limited.len()
            ),
        )
        .with_impact(Impact::Degraded)
        .with_next_step(m.fix)
    };
    if !headers.is_empty() {
        f = f.with_evidence(headers.join(", "));
    }
    for e in &limited {
        f = f.with_evidence(format!("{} → 429", e.path));
    }
    f.with_measured(
        "Throttling",
        if limited.is_empty() {
            "no 429".into()
        } else {
            format!("429 to {} of {n} requests", limited.len())
        },
    )
}

/// `pendo.rate-limit` for this run.
pub fn check(live: &Live) -> Finding {
    match &live.pendo {
        Some(p) => judge(&p.exchanges(), p.requests()),
        None => Finding::skip(ID, "no Pendo key"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ex(status: Option<u16>, retry: Option<&str>, headers: &[(&str, &str)]) -> Exchange {
        Exchange {
            path: "/api/v1/guide?expand=*".into(),
            status,
            retry_after: retry.map(str::to_string),
            rate_headers: headers
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn table() {
        let f = judge(&[ex(Some(200), None, &[]), ex(None, None, &[])], 2);
        assert_eq!(f.status, Status::Pass);
        assert_eq!(f.summary, "No 429 in 2 Pendo requests of this run");
        let f = judge(
            &[
                ex(
                    Some(429),
                    Some("30"),
                    &[("x-ratelimit-limit", "100"), ("x-ratelimit-remaining", "0")],
                ),
                ex(Some(200), None, &[]),
            ],
            2,
        );
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        assert_eq!(
            f.summary,
            "Pendo rate-limits: 429 to 1 of 2 requests (Retry-After: 30)"
        );
        assert_eq!(
            f.evidence[0],
            "x-ratelimit-limit: 100, x-ratelimit-remaining: 0"
        );
        let f = judge(&[ex(Some(429), None, &[])], 1);
        assert!(f.summary.ends_with("(no Retry-After)"), "{}", f.summary);
        assert_eq!(judge(&[], 0).status, Status::Skip);
        assert_eq!(
            judge(&[], 4).summary,
            "Pendo answered none of the 4 requests of this run"
        );
    }
}
