//! The command line as users run it: `parse` and `check` on the examples, the shared
//! template and bad input, offline (no credentials in the environment).

use pendo_triage::finding::CheckId;
use serde_json::Value;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with every credential and config variable removed.
fn cmd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_pendo-triage"));
    for var in [
        "PENDO_INTEGRATION_KEY",
        "PENDO_API_KEY",
        "PENDO_REGION",
        "PENDO_BASE_URL",
        "SUPABASE_URL",
        "SUPABASE_SERVICE_ROLE_KEY",
        "SUPABASE_DB_URL",
        "PENDO_TRIAGE_CONFIG",
    ] {
        c.env_remove(var);
    }
    c.current_dir(std::env::temp_dir());
    c
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = cmd();
    c.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("binary runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json_of(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

fn expected() -> serde_json::Map<String, Value> {
    let text = std::fs::read_to_string(root().join("examples/expected.json")).unwrap();
    serde_json::from_str::<Value>(&text)
        .unwrap()
        .as_object()
        .unwrap()
        .clone()
}

#[test]
fn every_example_parses_as_expected() {
    let expected = expected();
    assert!(expected.len() >= 8);
    for (file, want) in &expected {
        let parsed = json_of(&run(&["parse", &example(file)], None));
        let checklist = parsed["checklist"].as_array().unwrap();
        let checked = checklist.iter().filter(|i| i["checked"] == true).count();
        assert_eq!(
            checked as u64,
            want["checked_items"].as_u64().unwrap(),
            "{file}: checked items"
        );
        assert_eq!(
            (checklist.len() - checked) as u64,
            want["unchecked_items"].as_u64().unwrap(),
            "{file}: unchecked items"
        );
        for (label, value) in want["fields"].as_object().unwrap() {
            assert_eq!(&parsed["fields"][label], value, "{file}: field {label}");
        }
        assert_eq!(
            parsed["environment"], want["environment"],
            "{file}: environment"
        );
        assert_eq!(parsed["data_type"], want["data_type"], "{file}: data type");
        assert_eq!(parsed["method"], want["method"], "{file}: method");
        for block in parsed["code_blocks"].as_array().unwrap() {
            assert!(block["lang"].is_string() && block["text"].is_string());
        }
    }
}

#[test]
fn reported_times_are_judged_as_of_the_given_moment() {
    // Filed 8 h after the last good sync: P1 (the aggregation pitfall is a degradation).
    let file = example("prod-aggregation-get.md");
    let when = |as_of: &str| {
        json_of(&run(
            &["check", &file, "--format", "json", "--as-of", as_of],
            None,
        ))
    };
    let fresh = when("2026-11-28T10:00:00Z");
    assert_eq!(fresh["severity"], "P1", "{}", fresh["diagnosis"]);
    // The same text reported three days later says the data is stale: P0.
    let late = when("2026-12-01T10:00:00+00:00");
    assert_eq!(late["severity"], "P0", "{}", late["diagnosis"]);
    let stale = late["reported"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "Sync Status")
        .unwrap();
    assert!(
        stale["meaning"]
            .as_str()
            .unwrap()
            .contains("3 d 8 h before 2026-12-01 10:00 UTC"),
        "{stale}"
    );
    // Reported before the last sync it names: flagged, not used for severity.
    let early = when("2026-11-27T10:00:00Z");
    assert_eq!(early["severity"], "P1", "{}", early["diagnosis"]);
    let md =
        String::from_utf8(run(&["check", &file, "--as-of", "2026-11-28T10:00:00Z"], None).stdout)
            .unwrap();
    assert!(
        md.contains("| | Reported as of 2026-11-28 10:00 UTC | Measured by the live checks |"),
        "{md}"
    );
    // A bad time is a clear error, exit 2.
    let out = run(&["check", &file, "--as-of", "yesterday"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("RFC 3339") && err.contains("2026-11-28T06:00:00Z"),
        "{err}"
    );
}

#[test]
fn every_example_checks_offline_to_the_expected_severity() {
    for (file, want) in &expected() {
        // Judged as of the moment each example was filed, so the result holds on any date.
        let filed = want["filed_at"].as_str().unwrap();
        let report = json_of(&run(
            &[
                "check",
                &example(file),
                "--format",
                "json",
                "--as-of",
                filed,
            ],
            None,
        ));
        assert_eq!(
            report["severity"], want["severity"],
            "{file}: {}",
            report["diagnosis"]
        );
        assert_eq!(report["environment"], want["environment"], "{file}");
        assert_eq!(report["data_type"], want["data_type"], "{file}");
        assert_eq!(report["verified"], false, "{file}");
        let labels: Vec<&str> = report["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        let severity_label = format!("severity:{}", want["severity"].as_str().unwrap());
        assert!(
            labels.contains(&severity_label.as_str()),
            "{file}: {labels:?}"
        );
        assert_eq!(
            labels.contains(&"needs-info"),
            want["needs_info"].as_bool().unwrap(),
            "{file}: {labels:?}"
        );
        let checks = report["checks"].as_array().unwrap();
        let ids: Vec<&str> = checks.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), CheckId::all().count(), "{file}");
        for c in checks
            .iter()
            .filter(|c| c["id"].as_str().unwrap().starts_with("pendo."))
        {
            assert_eq!(c["status"], "skip", "{file}: live checks skip offline");
        }
        // Areas a person would pick must be there; free text (not-a-template.md names
        // Netlify only in prose) is not read for areas.
        if file != "not-a-template.md" {
            let areas: Vec<&str> = report["areas"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            for want_area in want["area_labels"].as_array().unwrap() {
                assert!(
                    areas.contains(&want_area.as_str().unwrap()),
                    "{file}: {want_area} not in {areas:?}"
                );
            }
        }
        let secrets = checks.iter().find(|c| c["id"] == "issue.secrets").unwrap();
        let has_secrets = !want["secret_kinds"].as_array().unwrap().is_empty();
        assert_eq!(
            secrets["status"] == "fail",
            has_secrets,
            "{file}: {secrets}"
        );
        if has_secrets {
            assert!(labels.contains(&"security"), "{file}: {labels:?}");
        }
    }
}

#[test]
fn markdown_report_is_complete_and_leaks_nothing() {
    let out = run(&["check", &example("prod-leaked-secrets.md")], None);
    assert!(out.status.success());
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("<!-- pendo-triage:report -->\n### 🔴 P0"),
        "{md}"
    );
    for section in [
        "| Check | Status |",
        "#### Reported vs measured",
        "#### Next steps",
        "/recheck",
    ] {
        assert!(md.contains(section), "missing {section}");
    }
    let body = std::fs::read_to_string(example("prod-leaked-secrets.md")).unwrap();
    for secret in [
        "FakePassw0rd-not-real",
        "sb_secret_FAKEFAKEFAKEFAKEFAKE1234",
        "deadbeef-0000-4000-8000-00000000fa4e",
        "FAKEsignature",
    ] {
        if body.contains(secret) {
            assert!(!md.contains(secret), "{secret} leaked into the report");
        }
    }
}

#[test]
fn the_shared_template_parses_with_every_item_and_no_values() {
    let shared = root().join("../shared/input/pendo-api-issue-template.md");
    let path = if shared.exists() {
        shared
    } else {
        root().join("templates/pendo-api-issue.md")
    };
    let parsed = json_of(&run(&["parse", &path.display().to_string()], None));
    let items = parsed["checklist"].as_array().unwrap();
    assert_eq!(items.len(), 65);
    assert!(items.iter().all(|i| i["checked"] == false));
    let fields = parsed["fields"].as_object().unwrap();
    assert!(fields.len() >= 45, "{}", fields.len());
    assert!(
        fields.values().all(Value::is_null),
        "template values are placeholders: {fields:?}"
    );
    assert_eq!(parsed["environment"], Value::Null);
    assert_eq!(
        parsed["request"],
        Value::Null,
        "the template's example request reports nothing"
    );
    // The project's copies keep the same headings, labels and items.
    let ours = json_of(&run(
        &[
            "parse",
            &root()
                .join("templates/pendo-api-issue.md")
                .display()
                .to_string(),
        ],
        None,
    ));
    let theirs = json_of(&run(
        &[
            "parse",
            &root()
                .join(".github/ISSUE_TEMPLATE/pendo-api-issue.md")
                .display()
                .to_string(),
        ],
        None,
    ));
    let shape = |v: &Value| -> Vec<String> {
        let items = v["checklist"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| format!("item {} / {} / {}", i["section"], i["text"], i["checked"]));
        let fields = v["field_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("field {} / {} / {}", f["section"], f["label"], f["raw"]));
        let headings = v["headings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| format!("heading {} {}", h["level"], h["text"]));
        items.chain(fields).chain(headings).collect()
    };
    let want = shape(&parsed);
    for (name, copy) in [("templates/", &ours), (".github/ISSUE_TEMPLATE/", &theirs)] {
        let got = shape(copy);
        let diff: Vec<_> = want
            .iter()
            .zip(&got)
            .filter(|(a, b)| a != b)
            .take(3)
            .collect();
        assert!(
            diff.is_empty() && want.len() == got.len(),
            "{name} differs from the shared template: {diff:?}"
        );
    }
}

#[test]
fn stdin_is_read_with_a_dash() {
    let out = run(
        &["check", "-", "--format", "json"],
        Some(b"- **Environment**: Staging\n"),
    );
    assert_eq!(json_of(&out)["environment"], "Staging");
}

#[test]
fn bad_input_gives_a_report_not_a_panic() {
    let mut huge = String::new();
    while huge.len() < 65_536 {
        huge.push_str(
            "- [ ] Verify API key is valid and active\r\n  - [x] nested **bold** `code`\n",
        );
    }
    let bodies: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"null".to_vec(),
        b"just some words, not the template".to_vec(),
        huge.into_bytes(),
        "\u{202E}- **Environment**: Production\u{0000}\u{0007}\n```json\n{ \"status\": 401,, }\n```\n".as_bytes().to_vec(),
        vec![0xff, 0xfe, b'-', b' ', b'[', b' ', b']', b' ', b'x'],
    ];
    for body in bodies {
        for format in ["json", "markdown"] {
            let out = run(&["check", "-", "--format", format], Some(&body));
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(!text.is_empty());
            assert!(text.chars().count() <= 65_536 + 10_000 || format == "json");
            if format == "markdown" {
                assert!(text.starts_with("<!-- pendo-triage:report -->"));
                assert!(text.chars().count() <= 65_536);
                assert!(!text.contains('\u{202E}'));
            }
        }
    }
}

#[test]
fn invalid_json_in_the_response_block_is_reported_and_kept() {
    let body = "- **Environment**: Production\n\n```json\n// Actual response received\n{ \"error\": \"Unauthorized\", \"status\": 401,\n```\n";
    let parsed = json_of(&run(&["parse", "-"], Some(body.as_bytes())));
    assert_eq!(parsed["response"]["status"], 401);
    assert!(
        parsed["response"]["parse_error"]
            .as_str()
            .unwrap()
            .contains("line")
    );
    let report = json_of(&run(
        &["check", "-", "--format", "json"],
        Some(body.as_bytes()),
    ));
    assert_eq!(report["severity"], "P0");
}

#[test]
fn a_config_typo_is_a_clear_error() {
    let dir = tempdir();
    let config = dir.join("pendo-triage.yml");
    std::fs::write(&config, "thresholds:\n  freshnes_hours: 6\n").unwrap();
    let out = run(
        &[
            "check",
            &example("prod-auth-401.md"),
            "--config",
            &config.display().to_string(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("freshnes_hours") && err.contains("pendo-triage.yml"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn config_changes_the_verdict() {
    let dir = tempdir();
    let config = dir.join("c.yml");
    std::fs::write(
        &config,
        "labels:\n  P0: \"prio: now\"\nseverity:\n  staging_degraded: P1\n",
    )
    .unwrap();
    let out = run(
        &[
            "check",
            &example("staging-rate-limited.md"),
            "--format",
            "json",
            "--config",
            &config.display().to_string(),
        ],
        None,
    );
    let report = json_of(&out);
    assert_eq!(report["severity"], "P1");
    let out = run(
        &[
            "check",
            &example("prod-auth-401.md"),
            "--format",
            "json",
            "--config",
            &config.display().to_string(),
        ],
        None,
    );
    let labels = json_of(&out)["labels"].clone();
    assert!(
        labels
            .as_array()
            .unwrap()
            .contains(&Value::from("prio: now")),
        "{labels}"
    );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = run(&["check", "/nonexistent/issue.md"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/issue.md"));
}

fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pendo-triage-cli-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[test]
fn input_is_capped_with_a_clear_message() {
    // An endless input (`check /dev/zero`) ends at the cap instead of eating memory.
    for cmd in ["check", "parse"] {
        let out = run(&[cmd, "/dev/zero"], None);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("larger than 1 MiB") && err.contains("65,536 characters"),
            "{cmd}: {err}"
        );
        assert!(out.stdout.is_empty(), "{cmd}");
    }
    // Just under the cap is read (a 10 MB JSON block once peaked at 735 MB).
    let mut body = String::from("- **Environment**: Production\n\n```json\n[");
    while body.len() < (1 << 20) - 64 {
        body.push_str("{\"id\": 1, \"status\": 500},");
    }
    body.push_str("{}]\n```\n");
    let report = json_of(&run(
        &["check", "-", "--format", "json"],
        Some(body.as_bytes()),
    ));
    assert_eq!(report["environment"], "Production");
}

#[test]
fn parse_never_prints_a_pasted_secret() {
    let key = "sb_secret_N7UND0UgjKTVK-Uodkm0Hg_xSvEMPvz";
    let body = format!(
        "- **Environment**: Production\n- **Authentication**: {key}\n\n```bash\ncurl -H 'apikey: {key}' x\n```\n"
    );
    let out = run(&["parse", "-"], Some(body.as_bytes()));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(!text.contains(key), "{text}");
    assert!(text.contains("sb_secret_N7…[redacted]"), "{text}");
}

#[test]
fn check_with_a_title_applies_the_actions_gate() {
    let issue = example("prod-auth-401.md");
    let out = run(
        &["check", "--title", "Docs typo in the README", &issue],
        None,
    );
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.trim(),
        "Not an [API] issue: the title does not start with [API] (the Action would not triage it)"
    );
    let out = run(
        &[
            "check",
            "--format",
            "json",
            "--title",
            "[API] auth fails",
            &issue,
        ],
        None,
    );
    assert_eq!(json_of(&out)["severity"], "P0");
}
