//! Whether live checks may run for this event, and the shared cache that runs them once
//! per distinct set of inputs.
//!
//! Live checks use the team's production keys and share Pendo's rate limits with the real
//! sync, so [`decide`] fires them only for members (their issues, their rechecks, dispatch
//! and schedule), and lets quick successive edits reuse the last results kept in the
//! report's hidden state. The checks themselves plug in as a [`LiveRunner`]: a boxed
//! closure from [`LiveInputs`] to findings. Until they exist, [`skip_runner`] returns no
//! findings and the triage marks every live check `skip` with its reason.

use crate::checks::{Finding, Status};
use crate::event::Trigger;
use crate::issue::Issue;
use crate::state::{LiveRecord, fingerprint};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, Instant};

/// What the live checks depend on: runs with equal inputs give equal results.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LiveInputs {
    pub environment: Option<&'static str>,
    pub data_type: Option<&'static str>,
    pub endpoint: Option<String>,
    pub method: Option<&'static str>,
}

impl LiveInputs {
    pub fn from_issue(issue: &Issue) -> Self {
        Self {
            environment: issue.environment.map(|e| e.as_str()),
            data_type: issue.data_type.map(|d| d.as_str()),
            endpoint: issue.endpoint.clone(),
            method: issue.method.map(|m| m.as_str()),
        }
    }

    /// A stable key for caching and for the state block.
    pub fn key(&self) -> String {
        fingerprint(&format!(
            "{}|{}|{}|{}",
            self.environment.unwrap_or("-"),
            self.data_type.unwrap_or("-"),
            self.endpoint.as_deref().unwrap_or("-"),
            self.method.unwrap_or("-")
        ))
    }
}

/// The future a live run returns.
pub type LiveFuture = Pin<Box<dyn Future<Output = Vec<Finding>> + Send>>;
/// Runs the live checks for one set of inputs.
pub type LiveRunner = Box<dyn FnMut(LiveInputs) -> LiveFuture + Send>;

/// The runner of this build: no live checks yet, so no findings (each live check then
/// shows as `skip` with the reason).
pub fn skip_runner() -> LiveRunner {
    Box::new(|_inputs| Box::pin(async { Vec::new() }))
}

/// What this run does about live checks.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveDecision {
    /// Run them now.
    Run,
    /// Use these earlier results (kept in the state block).
    Reuse { findings: Vec<Finding>, at: i64 },
    /// Offline triage only; the note goes in the report.
    Offline { note: String },
}

/// The note for issues whose author may not fire live checks (markdown).
pub fn offline_note(recheck_label: &str) -> String {
    format!(
        "Live checks run only for issues opened by repository members. A member can add the `{}` label or comment `/recheck` to run them.",
        recheck_label.replace('`', "")
    )
}

/// Decides for one issue. `previous` is the last live record from the state block.
pub fn decide(
    live_allowed: bool,
    trigger: Trigger,
    previous: Option<&LiveRecord>,
    inputs_key: &str,
    now: i64,
    reuse_minutes: u64,
    recheck_label: &str,
) -> LiveDecision {
    let reuse = |p: &LiveRecord| LiveDecision::Reuse {
        findings: p.findings.clone(),
        at: p.at,
    };
    if !live_allowed {
        // Results a member asked for earlier stay while the inputs are the same.
        return match previous {
            Some(p) if p.inputs == inputs_key => reuse(p),
            _ => LiveDecision::Offline {
                note: offline_note(recheck_label),
            },
        };
    }
    if trigger.forces_live() {
        return LiveDecision::Run;
    }
    match previous {
        Some(p) if now.saturating_sub(p.at) < (reuse_minutes as i64) * 60 => reuse(p),
        _ => LiveDecision::Run,
    }
}

/// The live runner with a cache keyed by [`LiveInputs::key`], so a sweep runs each
/// distinct context once; counts runs and the time spent in them.
pub struct Live {
    runner: LiveRunner,
    cache: HashMap<String, Vec<Finding>>,
    pub runs: u32,
    pub time: Duration,
}

impl Live {
    pub fn new(runner: LiveRunner) -> Self {
        Self {
            runner,
            cache: HashMap::new(),
            runs: 0,
            time: Duration::ZERO,
        }
    }

    /// The findings for `inputs`, running the checks unless an equal set already ran.
    pub async fn findings(&mut self, inputs: &LiveInputs) -> Vec<Finding> {
        let key = inputs.key();
        if let Some(f) = self.cache.get(&key) {
            return f.clone();
        }
        let started = Instant::now();
        let found = (self.runner)(inputs.clone()).await;
        self.time += started.elapsed();
        self.runs += 1;
        self.cache.insert(key, found.clone());
        found
    }
}

/// The live findings worth keeping for reuse: any that is not `skip`.
pub fn record(findings: &[Finding], inputs_key: &str, now: i64) -> Option<LiveRecord> {
    findings
        .iter()
        .any(|f| f.status != Status::Skip)
        .then(|| LiveRecord {
            at: now,
            inputs: inputs_key.to_string(),
            findings: findings.to_vec(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::CheckId;

    fn prev(at: i64, inputs: &str) -> LiveRecord {
        LiveRecord {
            at,
            inputs: inputs.into(),
            findings: vec![Finding::pass(CheckId::PendoAuth, "ok")],
        }
    }

    #[test]
    fn members_run_strangers_do_not() {
        assert_eq!(
            decide(true, Trigger::Opened, None, "k", 0, 10, "recheck"),
            LiveDecision::Run
        );
        let d = decide(false, Trigger::Opened, None, "k", 0, 10, "recheck");
        assert!(matches!(d, LiveDecision::Offline { note } if note.contains("`recheck`")));
        // A stranger's edit keeps a member's earlier results for the same inputs.
        let p = prev(0, "k");
        assert!(matches!(
            decide(false, Trigger::Edited, Some(&p), "k", 9999, 10, "r"),
            LiveDecision::Reuse { .. }
        ));
        assert!(matches!(
            decide(false, Trigger::Edited, Some(&p), "other", 1, 10, "r"),
            LiveDecision::Offline { .. }
        ));
    }

    #[test]
    fn quick_edits_reuse_and_rechecks_do_not() {
        let p = prev(1000, "k");
        assert!(matches!(
            decide(true, Trigger::Edited, Some(&p), "k", 1000 + 599, 10, "r"),
            LiveDecision::Reuse { .. }
        ));
        assert_eq!(
            decide(true, Trigger::Edited, Some(&p), "k", 1000 + 600, 10, "r"),
            LiveDecision::Run
        );
        assert_eq!(
            decide(true, Trigger::RecheckComment, Some(&p), "k", 1001, 10, "r"),
            LiveDecision::Run
        );
        assert_eq!(
            decide(true, Trigger::Schedule, Some(&p), "k", 1001, 10, "r"),
            LiveDecision::Run
        );
    }

    #[test]
    fn the_cache_runs_each_context_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let mut live = Live::new(skip_runner());
        let a = LiveInputs {
            environment: Some("Production"),
            data_type: None,
            endpoint: None,
            method: None,
        };
        let b = LiveInputs {
            environment: Some("Staging"),
            ..a.clone()
        };
        rt.block_on(async {
            for _ in 0..5 {
                live.findings(&a).await;
                live.findings(&b).await;
            }
        });
        assert_eq!(live.runs, 2);
        assert!(record(&[Finding::skip(CheckId::PendoAuth, "no key")], "k", 0).is_none());
    }
}
