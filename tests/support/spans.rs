//! When each request to a fake was in progress, and how many round trips the product
//! needed: the longest chain of requests in which each one arrived after the one before
//! it was answered. The fakes (Pendo, PostgREST, the Management API) record a [`Span`]
//! per request on one monotonic clock, so chains across them count too (the functions
//! check waits for PostgREST before it asks the Management API).
//!
//! This is structural, not timed: with every fake answering after a delay, requests of
//! one wave arrive within a few milliseconds of each other and a dependent request
//! arrives only after an answer, so the chain counts waves whatever the machine's load
//! (as long as no wave spreads over more than the delay).

use std::time::Instant;

/// One request as a fake served it: arrival, and the moment its answer was ready
/// (`None`: never answered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Which fake and what, for messages (`pendo GET /api/v1/guide`).
    pub what: String,
    pub started: Instant,
    pub ended: Option<Instant>,
}

/// The number of requests in the longest chain where each starts after the previous one
/// ended: 1 when everything went out at once, 0 for no request.
pub fn round_trips(spans: &[Span]) -> usize {
    critical_path(spans).len()
}

/// That longest chain, first request first (the requests the run waited on in turn).
pub fn critical_path(spans: &[Span]) -> Vec<&Span> {
    let mut order: Vec<&Span> = spans.iter().collect();
    order.sort_by_key(|s| s.started);
    // depth[i]: the longest chain ending with order[i]; from[i]: its predecessor.
    let mut depth = vec![1usize; order.len()];
    let mut from: Vec<Option<usize>> = vec![None; order.len()];
    for i in 0..order.len() {
        for j in 0..i {
            let after = order[j].ended.is_some_and(|end| end <= order[i].started);
            if after && depth[j] + 1 > depth[i] {
                depth[i] = depth[j] + 1;
                from[i] = Some(j);
            }
        }
    }
    let Some(mut at) = (0..order.len()).max_by_key(|&i| depth[i]) else {
        return Vec::new();
    };
    let mut chain = vec![order[at]];
    while let Some(j) = from[at] {
        chain.push(order[j]);
        at = j;
    }
    chain.reverse();
    chain
}

/// The chain as lines, for a failing assertion's message.
pub fn describe(chain: &[&Span]) -> String {
    let Some(first) = chain.first() else {
        return "no request".into();
    };
    chain
        .iter()
        .map(|s| {
            let at = s.started.duration_since(first.started).as_millis();
            let took = s.ended.map_or("no answer".to_string(), |e| {
                format!("{} ms", e.duration_since(s.started).as_millis())
            });
            format!("+{at} ms {} ({took})", s.what)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn span(base: Instant, from_ms: u64, to_ms: Option<u64>) -> Span {
        Span {
            what: format!("{from_ms}"),
            started: base + Duration::from_millis(from_ms),
            ended: to_ms.map(|t| base + Duration::from_millis(t)),
        }
    }

    #[test]
    fn chains_count_waves_not_requests() {
        let t = Instant::now();
        assert_eq!(round_trips(&[]), 0);
        // Three at once, then one after the first answer, then one after that.
        let spans = [
            span(t, 0, Some(300)),
            span(t, 2, Some(302)),
            span(t, 3, Some(303)),
            span(t, 301, Some(601)),
            span(t, 602, Some(902)),
        ];
        assert_eq!(round_trips(&spans), 3);
        let chain: Vec<&str> = critical_path(&spans)
            .iter()
            .map(|s| s.what.as_str())
            .collect();
        assert_eq!(chain, ["0", "301", "602"]);
        // A request that never ended starts no chain.
        assert_eq!(round_trips(&[span(t, 0, None), span(t, 400, Some(700))]), 1);
    }
}
