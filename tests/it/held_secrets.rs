//! Issue 23, told as stories: held values the bot did not know (a database password in
//! the URL's query), weak values that defaced the bot's own text (the marker, a label),
//! and secrets in the issue that were not found (a markdown-escaped held key, an `sbp_`
//! token, a JWT broken by zero-width spaces). Each drives the built binary.

use crate::action_harness::Harness;
use crate::support;
use serde_json::Value;
use std::process::Command;

/// `check --format <format>` on `body` with `env` (and nothing else): stdout and stderr.
fn check(body: &str, format: &str, env: &[(&str, &str)]) -> (String, String) {
    let dir = support::temp_dir("held");
    let issue = dir.join("issue.md");
    std::fs::write(&issue, body).unwrap();
    let mut cmd = Command::new(support::bin());
    cmd.env_clear()
        .args(["check", "--format", format])
        .arg(&issue)
        .current_dir(&dir);
    for (k, v) in std::env::vars() {
        if k == "LD_PRELOAD" || k.starts_with("FAKETIME") {
            cmd.env(k, v);
        }
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("run pendo-triage");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report}"))
}

/// No run of 8 characters of `value` in `text`, even with markdown escapes undone, but
/// those inside its public prefix (`sb_secret_`).
fn assert_no_run(value: &str, text: &str) {
    let plain = text.replace('\\', "");
    let public = if value.starts_with("sb_secret_") {
        3
    } else {
        0
    };
    for i in public..=value.len() - 8 {
        let run = &value[i..i + 8];
        assert!(!plain.contains(run), "{run:?} of a held value in:\n{text}");
    }
}

/// A database nobody listens on: the checks that need it fail fast.
fn db_url(password: &str) -> String {
    format!("postgresql://postgres.ref:{password}@127.0.0.1:1/postgres?connect_timeout=2")
}

#[test]
fn a_weak_database_password_never_defaces_the_marker_or_a_label() {
    let body = support::example("prod-stale-data-timeout.md");
    let (md, stderr) = check(&body, "markdown", &[("SUPABASE_DB_URL", &db_url("triage"))]);
    assert!(md.contains("<!-- pendo-triage:report -->"), "{md}");
    assert!(!md.contains("pendo-…[redacted]"), "{md}");
    // The run says the credential is weak, by its input name.
    assert!(
        stderr.contains("supabase-db-url (its password) is weak"),
        "{stderr}"
    );

    let (json, _) = check(&body, "json", &[("SUPABASE_DB_URL", &db_url("supabase"))]);
    let report: Value = serde_json::from_str(&json).unwrap();
    let labels: Vec<&str> = report["labels"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(labels.contains(&"supabase"), "{labels:?}");
    assert!(!json.contains("[redacted]"), "{json}");
    assert_eq!(finding(&report, "supabase.cron")["id"], "supabase.cron");
}

/// A weak password standing as a word in the issue is the word the person wrote: it does
/// not fail `issue.secrets` (no P0, no `security` label), and the body keeps it.
#[test]
fn a_weak_password_written_as_a_word_in_the_issue_is_not_a_pasted_secret() {
    let body = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n\nThe supabase sync stopped; see the supabase dashboard.\n";
    let (json, _) = check(body, "json", &[("SUPABASE_DB_URL", &db_url("supabase"))]);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        finding(&report, "issue.secrets")["status"],
        "pass",
        "{json}"
    );
    let labels: Vec<&str> = report["labels"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!labels.contains(&"security"), "{labels:?}");
    assert_ne!(report["severity"], "P0", "{json}");
}

#[test]
fn a_database_password_given_in_the_query_is_held() {
    let password = "Fake!Query_pw9";
    let url = "postgresql://postgres.ref@127.0.0.1:1/postgres?connect_timeout=2&password=Fake%21Query_pw9";
    let body = support::example("prod-stale-data-timeout.md").replace(
        "- **Error Pattern**:",
        &format!("- **Error Pattern**: auth failed with {password};"),
    );
    assert!(
        body.contains(password),
        "the example has an Error Pattern field"
    );
    let (json, stderr) = check(&body, "json", &[("SUPABASE_DB_URL", url)]);
    assert_no_run(password, &json);
    assert_no_run(password, &stderr);
    let report: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        finding(&report, "issue.secrets")["status"],
        "fail",
        "{json}"
    );
}

#[test]
fn the_action_masks_a_query_and_a_key_value_password_in_the_log() {
    for (url, password) in [
        (
            "postgresql://postgres.ref@127.0.0.1:1/postgres?password=Fake%21Query_pw9",
            "Fake!Query_pw9",
        ),
        (
            r"host=127.0.0.1 port=1 user=postgres password = 'fake\'kv pw_77'",
            "fake'kv pw_77",
        ),
    ] {
        let mut h = Harness::new("held-mask");
        h.set("SUPABASE_DB_URL", url);
        let n = h.file(
            "[API] stale",
            &support::example("prod-stale-data-timeout.md"),
        );
        let run = h.opened(n);
        run.ok();
        assert!(
            run.stdout.contains(&format!("::add-mask::{password}\n")),
            "{}",
            run.stdout
        );
    }
}

/// The Action says in the job summary that a credential is weak, by its input name, and
/// the marker stays whole; a strong one gets no warning.
#[test]
fn the_action_warns_of_a_weak_credential_in_the_job_summary() {
    for (password, weak) in [("triage", true), ("Xq7-fake-Long-Pw-93kd", false)] {
        let mut h = Harness::new("held-weak");
        h.set("SUPABASE_DB_URL", &db_url(password));
        let n = h.file(
            "[API] stale",
            &support::example("prod-stale-data-timeout.md"),
        );
        let run = h.opened(n);
        run.ok();
        assert_eq!(
            run.summary
                .contains("**Weak credential:** `supabase-db-url (its password)` is"),
            weak,
            "{password}: {}",
            run.summary
        );
        let report = &h.reports(n)[0];
        assert!(
            report.starts_with("<!-- pendo-triage:report -->"),
            "{report}"
        );
    }
}

#[test]
fn a_held_key_pasted_escaped_into_the_issue_is_found_and_masked() {
    let key = "sb_secret_FAKEstoryKey_0123456789abcdefXYZ";
    let escaped = key.replace('_', "\\_");
    let entities: String = key.chars().map(|c| format!("&#{};", c as u32)).collect();
    for pasted in [escaped, entities] {
        let body = support::example("prod-stale-data-timeout.md").replace(
            "- **Error Pattern**:",
            &format!("- **Error Pattern**: our key {pasted} fails;"),
        );
        let env = [
            ("SUPABASE_URL", "http://127.0.0.1:1"),
            ("SUPABASE_SERVICE_ROLE_KEY", key),
        ];
        let (json, stderr) = check(&body, "json", &env);
        let report: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            finding(&report, "issue.secrets")["status"],
            "fail",
            "{json}"
        );
        assert_no_run(key, &json);
        assert_no_run(key, &stderr);
    }
}

#[test]
fn an_access_token_or_a_broken_jwt_in_the_issue_fails_issue_secrets() {
    let sbp = "sbp_0f1e2d3c4b5a69788796a5b4c3d2e1f000112233";
    // A service-role JWT with zero-width spaces in it, and another one folded after its dots.
    let header = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";
    let payload =
        "eyJpc3MiOiJzdXBhYmFzZSIsInJlZiI6ImFiY2RlZmdoaWprbG1ub3AiLCJyb2xlIjoic2VydmljZV9yb2xlIn0";
    let sig = "dc_X5iR_VP_qT0zsiyj_I_OZ2T9FtRU2BBNWN8Bu4GE";
    for (pasted, kind) in [
        (
            format!("SUPABASE_ACCESS_TOKEN={sbp}"),
            "Supabase access token (sbp_)",
        ),
        (
            format!("{header}\u{200b}.{payload}.\u{200b}{sig}"),
            "Supabase service_role key",
        ),
        (
            format!("{header} . {payload} . {sig}"),
            "Supabase service_role key",
        ),
    ] {
        let body = support::example("prod-stale-data-timeout.md").replace(
            "- **Error Pattern**:",
            &format!("- **Error Pattern**: {pasted}\n"),
        );
        let (json, _) = check(&body, "json", &[]);
        let report: Value = serde_json::from_str(&json).unwrap();
        let secrets = finding(&report, "issue.secrets");
        assert_eq!(secrets["status"], "fail", "{json}");
        assert!(
            secrets["summary"].as_str().unwrap().contains(kind),
            "{json}"
        );
        assert_eq!(report["severity"], "P0", "{json}");
        assert!(
            !json.contains(&sig[8..]) && !json.contains(&sbp[8..]),
            "{json}"
        );
    }
}
