//! The command line at its edges, as a user at a shell meets them: impossible times for
//! `--as-of` and `PENDO_TRIAGE_NOW`, a broken config file, an empty issue, and no
//! subcommand at all. Each drives the built binary with a clean environment.

use crate::support::{bin, temp_dir};
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

/// The binary with nothing in its environment but `env` (and a libfaketime clock when the
/// suite runs under one), fed `stdin`.
fn run(args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut c = Command::new(bin());
    c.env_clear().current_dir(std::env::temp_dir()).args(args);
    for (k, v) in std::env::vars() {
        if k == "LD_PRELOAD" || k.starts_with("FAKETIME") {
            c.env(k, v);
        }
    }
    c.envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("binary runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json(out: &Output) -> Value {
    assert!(out.status.success(), "{}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn impossible_times_are_refused_with_exit_2_naming_the_value() {
    let issue = example("prod-auth-401.md");
    for bad in [
        "2026-02-31T10:00:00Z",
        "2026-13-01T10:00:00Z",
        "2026-11-28T25:00:00Z",
        "2027-02-29T10:00:00Z",
        "2026-04-31T00:00:00+01:00",
    ] {
        let out = run(&["check", &issue, "--as-of", bad], &[], b"");
        assert_eq!(
            out.status.code(),
            Some(2),
            "--as-of {bad}: {}",
            stderr(&out)
        );
        let err = stderr(&out);
        assert!(err.contains(bad) && err.contains("no such"), "{err}");
        assert!(out.stdout.is_empty(), "--as-of {bad} printed a report");

        let out = run(&["check", &issue], &[("PENDO_TRIAGE_NOW", bad)], b"");
        assert_eq!(out.status.code(), Some(2), "PENDO_TRIAGE_NOW={bad}");
        let err = stderr(&out);
        assert!(
            err.contains("PENDO_TRIAGE_NOW") && err.contains(bad),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
    // A leap day that exists is a day like any other.
    let out = run(
        &[
            "check",
            &issue,
            "--format",
            "json",
            "--as-of",
            "2028-02-29T10:00:00Z",
        ],
        &[("PENDO_TRIAGE_NOW", "2028-02-29T12:00:00Z")],
        b"",
    );
    assert_eq!(json(&out)["severity"], "P0");
}

#[test]
fn a_broken_config_names_the_file_the_key_and_the_line_on_several_lines() {
    let dir = temp_dir("cli-config");
    let issue = example("prod-auth-401.md");
    for (yaml, first, caret_under) in [
        (
            "thresholds:\n  freshness_hours: 6\nsync_log:\n  window_runs: twenty\n",
            "line 4, column 16, at `sync_log.window_runs`: expected a whole number (0 or more), found `twenty`",
            "  4 |   window_runs: twenty",
        ),
        (
            "tables:\n  - data_type: Guides\n    name: pendo_guides\n    freshnes_column: at\n",
            "line 4, column 5, at `tables[0].freshnes_column`: unknown field `freshnes_column`, expected one of data_type, name, freshness_column, entity_type",
            "  4 |     freshnes_column: at",
        ),
    ] {
        let path = dir.join("pendo-triage.yml");
        std::fs::write(&path, yaml).unwrap();
        let config = path.display().to_string();
        let out = run(&["check", &issue, "--config", &config], &[], b"");
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(out.stdout.is_empty());
        let err = stderr(&out);
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(
            lines[0],
            format!("pendo-triage: error: config {config}: {first}"),
            "{err}"
        );
        let at = lines
            .iter()
            .position(|l| l.ends_with(caret_under))
            .unwrap_or_else(|| panic!("no snippet line {caret_under:?}: {err}"));
        assert!(lines[at + 1].trim_end().ends_with('^'), "{err}");
        assert!(
            lines.last().unwrap().contains("docs/configuration.md"),
            "{err}"
        );
    }
}

#[test]
fn an_empty_issue_says_it_is_empty() {
    let dir = temp_dir("cli-empty");
    let empty = dir.join("empty.md");
    std::fs::write(&empty, "").unwrap();
    let blank = dir.join("blank.md");
    std::fs::write(&blank, " \r\n\t\n\n").unwrap();
    let (empty, blank) = (empty.display().to_string(), blank.display().to_string());
    for (file, stdin) in [
        (empty.as_str(), &b""[..]),
        (blank.as_str(), b""),
        ("-", b"\n  \n"),
    ] {
        let report = json(&run(&["check", file, "--format", "json"], &[], stdin));
        let diagnosis = report["diagnosis"].as_str().unwrap();
        assert!(
            diagnosis.starts_with("The issue body is empty"),
            "{file}: {diagnosis}"
        );
        let fields = report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "issue.fields")
            .unwrap();
        assert_eq!(fields["status"], "warn");
        assert_eq!(fields["summary"], "The issue body is empty");
        assert_eq!(report["severity"], "P2");

        let out = run(&["check", file], &[], stdin);
        assert!(out.status.success(), "{}", stderr(&out));
        let markdown = String::from_utf8(out.stdout).unwrap();
        assert!(
            markdown.contains("P2 — The issue body is empty"),
            "{markdown}"
        );

        assert_eq!(json(&run(&["parse", file], &[], stdin))["empty"], true);
    }
    // A body with words is not empty: it is "not the template".
    let report = json(&run(&["check", "-", "--format", "json"], &[], b"hello"));
    assert!(
        report["diagnosis"]
            .as_str()
            .unwrap()
            .starts_with("Not an [API] issue")
    );
    assert!(
        json(&run(&["parse", "-"], &[], b"hello"))
            .get("empty")
            .is_none()
    );
}

#[test]
fn no_subcommand_prints_the_usage_outside_github_actions() {
    let out = run(&[], &[], b"");
    assert_eq!(out.status.code(), Some(2));
    let usage = String::from_utf8_lossy(&out.stdout);
    assert!(usage.contains("Usage: pendo-triage"), "{usage}");
    for command in ["parse", "check", "run"] {
        assert!(usage.contains(command), "{usage}");
    }
    let err = stderr(&out);
    assert!(!err.contains("::error"), "{err}");
    assert!(!usage.contains("::error"), "{usage}");
    assert!(err.contains("pendo-triage check ISSUE.md"), "{err}");

    // Inside the runner the image's default stays `run`, which complains about a
    // missing Actions environment the runner's way.
    let out = run(&[], &[("GITHUB_ACTIONS", "true")], b"");
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("::error") && text.contains("GITHUB_REPOSITORY"),
        "{text}{}",
        stderr(&out)
    );
    assert!(!text.contains("Usage:"));
}

#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    // `check FILE | head -1`: the reader closes the pipe before the report is written.
    let issue = example("prod-stale-data-timeout.md");
    for args in [vec!["check", &issue], vec!["parse", &issue]] {
        let mut child = Command::new(bin())
            .env_clear()
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn the_config_error_shown_in_the_docs_is_the_one_printed() {
    let docs = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let section = &docs[docs.find("## When the file is wrong").expect("section")..];
    let start = section.find("```text\n").expect("text block") + 8;
    let shown = &section[start..start + section[start..].find("```").unwrap()];
    let dir = temp_dir("cli-docs-config");
    std::fs::write(
        dir.join("bad.yml"),
        "thresholds:\n  freshness_hours: soon\n",
    )
    .unwrap();
    std::fs::write(dir.join("issue.md"), "- **Environment**: Production\n").unwrap();
    let out = Command::new(bin())
        .env_clear()
        .current_dir(&dir)
        .args(["check", "--config", "bad.yml", "issue.md"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), shown);
}
