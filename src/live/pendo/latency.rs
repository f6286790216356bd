//! `pendo.latency`: how fast Pendo answers now, against the template's requirement
//! ("< 2s response") and alert ("Alert if > 5 seconds"), and how many calls succeed,
//! against the 95 % success rate.
//!
//! A few small probes (`live.latency_probes`, default 3) of the cheap key probe, sent
//! at once with the run's other first requests: the answers are one sample of how fast
//! Pendo answers now, and a hung Pendo costs one request timeout, not one per probe.

use super::Pendo;
use super::auth::PROBE_PATH;
use crate::config::Thresholds;
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::live::Live;
use crate::live::http::FetchError;

const MAX_BODY: usize = 1 << 20;
const ID: CheckId = CheckId::PendoLatency;

/// One probe: its time, and its status when it got an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub ms: u64,
    pub result: Result<u16, FetchError>,
}

impl Probe {
    /// An answer that is not an error of Pendo's (a 4xx is the key's business).
    fn succeeded(&self) -> bool {
        matches!(self.result, Ok(s) if s < 500 && s != 429)
    }
}

/// The probes, all at once.
pub async fn fetch(p: &Pendo, probes: u32) -> Vec<Probe> {
    let probe = || async {
        let started = std::time::Instant::now();
        let result = p.get(&p.base, PROBE_PATH, MAX_BODY).await;
        Probe {
            ms: match &result {
                Ok(a) => a.elapsed.as_millis() as u64,
                Err(_) => started.elapsed().as_millis() as u64,
            },
            result: result.map(|a| a.status),
        }
    };
    crate::live::join_all((0..probes).map(|_| probe()).collect()).await
}

/// The `q`-quantile of sorted values (nearest rank).
fn quantile(sorted: &[u64], q: f64) -> u64 {
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn secs(ms: u64) -> String {
    format!("{:.2} s", ms as f64 / 1000.0)
}

/// The finding, from the probes.
pub fn judge(probes: &[Probe], t: &Thresholds) -> Finding {
    if probes.is_empty() {
        return Finding::skip(ID, "no probe was made (live.latency_probes is 0)");
    }
    let mut ms: Vec<u64> = probes.iter().map(|p| p.ms).collect();
    ms.sort_unstable();
    let (p50, p95) = (quantile(&ms, 0.5), quantile(&ms, 0.95));
    let ok = probes.iter().filter(|p| p.succeeded()).count();
    let rate = ok as f64 * 100.0 / probes.len() as f64;
    let figures = format!(
        "p50 {}, p95 {} over {} probe{}, {ok} of {} answered",
        secs(p50),
        secs(p95),
        probes.len(),
        if probes.len() == 1 { "" } else { "s" },
        probes.len()
    );
    let (req, alert) = (t.response_time_ms, t.response_time_alert_ms);
    let mut problems = Vec::new();
    if p95 > alert {
        problems.push(format!("p95 is over the {} alert", secs(alert)));
    } else if p50 > req {
        problems.push(format!("p50 is over the {} requirement", secs(req)));
    } else if p95 > req {
        problems.push(format!("p95 is over the {} requirement", secs(req)));
    }
    if rate < t.success_rate_percent {
        problems.push(format!(
            "{rate:.0}% of probes answered, under the {}% success rate",
            t.success_rate_percent
        ));
    }
    let mut f = if problems.is_empty() {
        Finding::pass(ID, format!("Pendo answers in time: {figures}"))
    } else {
        Finding::new(ID, Status::Warn, format!("Pendo is slow or failing: {}", problems.join("; ")))
            .with_impact(Impact::Degraded)
            .with_evidence(figures.clone())
            .with_next_step(
                "Check status.pendo.io; give the sync's Pendo calls a timeout and retries with backoff, and page large requests.",
            )
    };
    for p in probes {
        f = f.with_evidence(match &p.result {
            Ok(s) => format!("GET {PROBE_PATH} → {s} in {} ms", p.ms),
            Err(e) => format!("GET {PROBE_PATH}: {e}"),
        });
    }
    f.with_measured("Latency", format!("p50 {}, p95 {}", secs(p50), secs(p95)))
}

/// `pendo.latency` for this run.
pub async fn check(live: &Live) -> Finding {
    let Some(p) = &live.pendo else {
        return Finding::skip(ID, "no Pendo key");
    };
    let probes = p
        .latency
        .get_or_init(|| fetch(p, live.config.live.latency_probes))
        .await;
    judge(probes, &live.config.thresholds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn probes(ms: &[u64]) -> Vec<Probe> {
        ms.iter()
            .map(|ms| Probe {
                ms: *ms,
                result: Ok(200),
            })
            .collect()
    }

    #[test]
    fn against_the_requirement_and_the_alert() {
        let t = Thresholds::default();
        let cases: &[(&[u64], Status, &str)] = &[
            (
                &[300, 420, 610],
                Status::Pass,
                "p50 0.42 s, p95 0.61 s over 3 probes",
            ),
            (
                &[2100, 2500, 2600],
                Status::Warn,
                "p50 is over the 2.00 s requirement",
            ),
            (
                &[400, 500, 5200],
                Status::Warn,
                "p95 is over the 5.00 s alert",
            ),
            (
                &[400, 500, 2600],
                Status::Warn,
                "p95 is over the 2.00 s requirement",
            ),
        ];
        for (ms, status, words) in cases {
            let f = judge(&probes(ms), &t);
            assert_eq!(f.status, *status, "{ms:?}: {f:?}");
            assert!(f.summary.contains(words), "{ms:?}: {}", f.summary);
        }
    }

    #[test]
    fn failures_and_timeouts_count_against_the_success_rate() {
        let t = Thresholds::default();
        let mut p = probes(&[300, 300]);
        p.push(Probe {
            ms: 10_000,
            result: Err(FetchError::Timeout(Duration::from_secs(10))),
        });
        let f = judge(&p, &t);
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        assert!(
            f.summary.contains("67% of probes answered"),
            "{}",
            f.summary
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("no answer within 10 s"))
        );
        // A rejected key answers quickly: the latency is still measured.
        let rejected: Vec<Probe> = (0..3)
            .map(|_| Probe {
                ms: 90,
                result: Ok(403),
            })
            .collect();
        assert_eq!(judge(&rejected, &t).status, Status::Pass);
        assert_eq!(judge(&[], &t).status, Status::Skip);
        assert_eq!(quantile(&[1, 2, 3, 4], 0.5), 2);
    }
}
