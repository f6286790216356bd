//! `action.yml`'s inputs and outputs against what the code reads and writes, and the docs'
//! tables of them. The runner passes every declared input (with its `default:`), so an
//! input the code never reads is a silent no-op for the user, and an `INPUT_…` the code
//! reads that `action.yml` does not declare never arrives.

use crate::support::runner;
use pendo_triage::action::INPUTS;
use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn declared() -> BTreeSet<String> {
    runner::manifest().inputs.into_keys().collect()
}

fn read_by_code() -> BTreeSet<String> {
    INPUTS.iter().map(|i| i.name.to_string()).collect()
}

#[test]
fn action_yml_declares_exactly_the_inputs_the_code_reads() {
    let (declared, read) = (declared(), read_by_code());
    let unread: Vec<_> = declared.difference(&read).collect();
    let undeclared: Vec<_> = read.difference(&declared).collect();
    assert!(
        unread.is_empty() && undeclared.is_empty(),
        "action.yml declares inputs the code never reads: {unread:?}; the code reads inputs \
         action.yml does not declare: {undeclared:?} (src/action.rs, INPUTS)"
    );
}

/// Every `.input("…")`, `.flag("…")` and `.input_raw("…")` in `src/`, and every
/// `INPUT_…` literal, names a declared input (nothing reads the environment around the
/// table), and each declared input is read.
#[test]
fn the_source_reads_no_input_outside_the_declared_ones() {
    let declared = declared();
    let mut files = vec![root().join("src")];
    let mut found = Vec::new();
    while let Some(path) = files.pop() {
        if path.is_dir() {
            for e in std::fs::read_dir(&path).unwrap() {
                files.push(e.unwrap().path());
            }
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // A module's unit tests may read a wrong name on purpose.
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or("");
        for call in [".input(\"", ".flag(\"", ".input_raw(\""] {
            for (at, _) in text.match_indices(call) {
                let rest = &text[at + call.len()..];
                let name = &rest[..rest.find('"').unwrap()];
                found.push((path.display().to_string(), name.to_string()));
            }
        }
        for (at, _) in text.match_indices("\"INPUT_") {
            let rest = &text[at + 1..];
            let var = &rest[..rest.find('"').unwrap()];
            // The one place that turns a name into its variables builds them by format.
            if !var.contains('{') {
                found.push((path.display().to_string(), var.to_string()));
            }
        }
    }
    assert!(
        found.iter().any(|(_, n)| n == "github-token"),
        "the scan found no input reads at all: {found:?}"
    );
    // And every input in the table is read somewhere: a name left in INPUTS after the
    // code stopped reading it would be an input that does nothing.
    let unread: Vec<&str> = INPUTS
        .iter()
        .map(|i| i.name)
        .filter(|n| !found.iter().any(|(_, f)| f == n))
        .collect();
    assert!(unread.is_empty(), "src/ never reads the inputs {unread:?}");
    let vars: BTreeSet<String> = declared.iter().map(|n| runner::input_var(n)).collect();
    for (file, name) in &found {
        assert!(
            declared.contains(name) || vars.contains(name),
            "{file} reads input {name:?}, which action.yml does not declare"
        );
    }
}

/// A `default:` in action.yml would hide the environment fallback (the runner passes it
/// as if the user had set it), so inputs with a fallback have none; only `github-token`
/// keeps `${{ github.token }}` (no container gets `GITHUB_TOKEN` by default). Each
/// description says its default and its fallback.
#[test]
fn inputs_with_a_fallback_have_their_default_in_code_and_say_so() {
    let m = runner::manifest();
    for input in INPUTS {
        let spec = &m.inputs[input.name];
        if input.name == "github-token" {
            assert_eq!(spec.default.as_deref(), Some("${{ github.token }}"));
        } else {
            assert_eq!(
                spec.default, None,
                "action.yml: input `{}` has a default: it would hide its fallbacks {:?}; apply it in code (src/action.rs, INPUTS)",
                input.name, input.fallbacks
            );
        }
        let d = spec.description.replace('\n', " ");
        assert!(
            d.contains("Default:"),
            "action.yml: `{}`'s description does not say its default: {d}",
            input.name
        );
        if let Some(default) = input.default.filter(|_| input.name != "github-token") {
            assert!(
                d.contains(&format!("Default: {default}")),
                "action.yml: `{}`'s description does not say `Default: {default}`: {d}",
                input.name
            );
        }
        for f in input.fallbacks {
            assert!(
                d.contains(f),
                "action.yml: `{}`'s description does not name its fallback {f}: {d}",
                input.name
            );
        }
        if input.fallbacks.is_empty() {
            assert!(d.contains("No fallback"), "{}: {d}", input.name);
        }
    }
}

/// The first cells of the table under `heading` in docs/action.md, unquoted.
fn table(heading: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(root().join("docs/action.md")).unwrap();
    let rows: Vec<Vec<String>> = text
        .lines()
        .skip_while(|l| l.trim_end() != heading)
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|row| {
            row.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect();
    assert!(!rows.is_empty(), "docs/action.md: no table under {heading}");
    rows
}

fn unquote(cell: &str) -> String {
    cell.trim_matches('`').to_string()
}

#[test]
fn the_docs_tables_list_the_declared_inputs_and_outputs() {
    let rows = table("## Inputs");
    let listed: Vec<String> = rows.iter().map(|r| unquote(&r[0])).collect();
    let names: Vec<String> = INPUTS.iter().map(|i| i.name.to_string()).collect();
    assert_eq!(
        listed, names,
        "docs/action.md, `## Inputs`: list the inputs of action.yml in INPUTS' order"
    );
    for (row, input) in rows.iter().zip(INPUTS) {
        for f in input.fallbacks {
            assert!(row[1].contains(f), "docs/action.md: {row:?} lacks {f}");
        }
        if let Some(default) = input.default {
            assert!(
                row[2].contains(default),
                "docs/action.md: {row:?} lacks {default}"
            );
        }
    }
    let outputs: BTreeSet<String> = table("## Outputs").iter().map(|r| unquote(&r[0])).collect();
    let declared: BTreeSet<String> = runner::manifest().outputs.into_keys().collect();
    assert_eq!(outputs, declared, "docs/action.md, `## Outputs`");
}

/// The harness gives every declared input as the runner does: with `with:` values, else
/// the evaluated default, else empty.
#[test]
fn the_runner_env_has_every_declared_input() {
    let with = vec![("dry-run".to_string(), "true".to_string())];
    let env = runner::input_env(&with, "ghs_fakeJobToken");
    let get = |k: &str| {
        env.iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(env.len(), declared().len());
    assert_eq!(get("INPUT_GITHUB-TOKEN"), Some("ghs_fakeJobToken"));
    assert_eq!(get("INPUT_DRY-RUN"), Some("true"));
    assert_eq!(get("INPUT_CONFIG"), Some(""));
    assert_eq!(get("INPUT_PENDO-REGION"), Some(""));
    assert_eq!(runner::input_var("my input-x"), "INPUT_MY_INPUT-X");
}

#[test]
#[should_panic(expected = "does not declare")]
fn a_with_key_action_yml_does_not_declare_fails_the_test() {
    runner::input_env(&[("pendo-kee".into(), "x".into())], "t");
}
