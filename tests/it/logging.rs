//! The bot's log in the Action: lines written inside the live checks' own tasks still
//! name the issue they triage, and the level controls which lines show.

use crate::action_harness::Harness;
use crate::support;
use support::fake_pendo::{FAKE_PENDO_KEY, FakePendo};

/// The log lines that report one live check's result (`check <id>: <status> in <n> ms`).
fn check_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(" check pendo.") || l.contains(" check supabase."))
        .collect()
}

/// Each live check runs in a task of its own; its line at debug level carries the issue's
/// number, as every other line of that issue's triage does.
#[test]
fn a_line_from_a_spawned_check_task_names_the_issue() {
    let pendo = FakePendo::builder().start();
    let mut h = Harness::new("log-check-task");
    h.set("PENDO_INTEGRATION_KEY", FAKE_PENDO_KEY);
    h.set("PENDO_BASE_URL", pendo.url());
    h.set("PENDO_TRIAGE_LOG", "debug");
    let n = h.file("[API] auth", &support::example("prod-auth-401.md"));
    let run = h.opened(n);
    run.ok();
    assert!(!pendo.requests().is_empty(), "the live checks ran");
    let lines = check_lines(&run.stderr);
    let auth = format!("pendo-triage: #{n}: check pendo.auth: pass in ");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&auth) && l.ends_with(" ms")),
        "{}",
        run.stderr
    );
    let prefix = format!("pendo-triage: #{n}: check ");
    assert!(
        lines.iter().all(|l| l.starts_with(&prefix)),
        "{}",
        run.stderr
    );
    // The secret the checks sent never shows in the log.
    assert!(!run.stderr.contains(FAKE_PENDO_KEY), "{}", run.stderr);

    // At the default level the checks run again, for another issue, and say nothing.
    h.set("PENDO_TRIAGE_LOG", "info");
    let asked = pendo.requests().len();
    let m = h.file("[API] auth again", &support::example("prod-auth-401.md"));
    let quiet = h.opened(m);
    quiet.ok();
    assert!(pendo.requests().len() > asked, "the live checks ran again");
    assert!(
        quiet.stderr.contains(&format!("pendo-triage: #{m}: ")),
        "{}",
        quiet.stderr
    );
    assert!(check_lines(&quiet.stderr).is_empty(), "{}", quiet.stderr);
}
