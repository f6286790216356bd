//! Runs `pendo-triage check --format json` the way a user would, with a clean environment
//! (only what the story sets, plus a libfaketime clock when the suite runs under one), and
//! reads the report: a check's status and summary, the labels, the ticks.

use serde_json::Value;
use std::process::Command;

/// `check` on `body` with the config text `config` and the environment `env`; asserts it
/// exits 0 and that none of `secrets` appears in its output.
pub fn check_json(body: &str, config: &str, env: &[(&str, &str)], secrets: &[&str]) -> Value {
    let stdout = check_output(body, config, env, secrets, "json");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The markdown report `check` prints, with the timings (which differ on every run)
/// replaced by `[time]`, ready to be pinned.
pub fn check_markdown(body: &str, config: &str, env: &[(&str, &str)], secrets: &[&str]) -> String {
    let stdout = check_output(body, config, env, secrets, "markdown");
    let timings = regex::Regex::new(r"\| (\d+ ms|\d+\.\d s) \|").unwrap();
    timings.replace_all(&stdout, "| [time] |").into_owned()
}

fn check_output(
    body: &str,
    config: &str,
    env: &[(&str, &str)],
    secrets: &[&str],
    format: &str,
) -> String {
    let dir = super::temp_dir("check");
    let issue = dir.join("issue.md");
    std::fs::write(&issue, body).unwrap();
    let config_path = dir.join("config.yml");
    std::fs::write(&config_path, config).unwrap();
    let mut cmd = Command::new(super::bin());
    cmd.env_clear()
        .args(["check", "--format", format, "--config"])
        .arg(&config_path)
        .arg(&issue);
    for (k, v) in std::env::vars() {
        if k == "LD_PRELOAD" || k.starts_with("FAKETIME") {
            cmd.env(k, v);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run pendo-triage");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "exit {:?}\n{stderr}", out.status);
    for s in secrets {
        assert!(
            !stdout.contains(s) && !stderr.contains(s),
            "a secret leaked into the output"
        );
    }
    stdout.into_owned()
}

/// One check of a JSON report.
pub fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("{id} in {report}"))
}

pub fn status<'a>(report: &'a Value, id: &str) -> &'a str {
    finding(report, id)["status"].as_str().unwrap_or("")
}

pub fn summary<'a>(report: &'a Value, id: &str) -> &'a str {
    finding(report, id)["summary"].as_str().unwrap_or("")
}

/// A JSON array of strings (`labels`, `ticks`, `areas`) as `&str`s.
pub fn strings<'a>(report: &'a Value, key: &str) -> Vec<&'a str> {
    report[key]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}
