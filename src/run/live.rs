//! Whether live checks may run for this event.
//!
//! Live checks use the team's production keys and share Pendo's rate limits with the real
//! sync, so [`choose`] fires them only for members (their issues, their rechecks, dispatch
//! and schedule), and lets quick successive edits reuse the last results kept in the
//! report's hidden state. The checks themselves are [`crate::live`].

use crate::checks::{Finding, Status};
use crate::event::Trigger;
use crate::state::LiveRecord;

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
        "Live checks run only for issues opened by repository members. A member can add the `{}` label or comment `{}` to run them.",
        recheck_label.replace('`', ""),
        crate::event::RECHECK_COMMAND
    )
}

/// Decides for one issue. `previous` is the last live record from the state block.
pub fn choose(
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
            choose(true, Trigger::Opened, None, "k", 0, 10, "recheck"),
            LiveDecision::Run
        );
        let d = choose(false, Trigger::Opened, None, "k", 0, 10, "recheck");
        assert!(matches!(d, LiveDecision::Offline { note } if note.contains("`recheck`")));
        // A stranger's edit keeps a member's earlier results for the same inputs.
        let p = prev(0, "k");
        assert!(matches!(
            choose(false, Trigger::Edited, Some(&p), "k", 9999, 10, "r"),
            LiveDecision::Reuse { .. }
        ));
        assert!(matches!(
            choose(false, Trigger::Edited, Some(&p), "other", 1, 10, "r"),
            LiveDecision::Offline { .. }
        ));
    }

    #[test]
    fn quick_edits_reuse_and_rechecks_do_not() {
        let p = prev(1000, "k");
        assert!(matches!(
            choose(true, Trigger::Edited, Some(&p), "k", 1000 + 599, 10, "r"),
            LiveDecision::Reuse { .. }
        ));
        assert_eq!(
            choose(true, Trigger::Edited, Some(&p), "k", 1000 + 600, 10, "r"),
            LiveDecision::Run
        );
        assert_eq!(
            choose(true, Trigger::RecheckComment, Some(&p), "k", 1001, 10, "r"),
            LiveDecision::Run
        );
        assert_eq!(
            choose(true, Trigger::Schedule, Some(&p), "k", 1001, 10, "r"),
            LiveDecision::Run
        );
    }

    #[test]
    fn only_results_that_say_something_are_kept() {
        assert!(record(&[Finding::skip(CheckId::PendoAuth, "no key")], "k", 0).is_none());
        let kept = record(&[Finding::pass(CheckId::PendoAuth, "ok")], "k", 7).unwrap();
        assert_eq!((kept.at, kept.inputs.as_str()), (7, "k"));
    }
}
