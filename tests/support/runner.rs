//! The inputs GitHub's runner hands a container action, built from `action.yml` the way
//! the runner builds them, so the tests start the binary as a workflow would.
//!
//! For a `docker` action the runner sets one variable per input that `action.yml`
//! declares, whether or not the workflow's `with:` names it: `INPUT_<NAME>`, the name
//! upper-cased with spaces turned into `_` and hyphens kept. Its value is the `with:`
//! value, else the input's `default:` (evaluated: `${{ github.token }}` is the job's
//! token), else the empty string. So a `default:` in `action.yml` looks exactly like a
//! value the user set, which is what these tests must see.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// `action.yml` as far as the runner's inputs and outputs go.
#[derive(Debug, Deserialize)]
pub struct Manifest {
    pub inputs: BTreeMap<String, InputSpec>,
    pub outputs: BTreeMap<String, OutputSpec>,
}

#[derive(Debug, Deserialize)]
pub struct InputSpec {
    pub description: String,
    #[serde(default)]
    pub required: Option<bool>,
    #[serde(default)]
    pub default: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OutputSpec {
    pub description: String,
}

/// The repository's `action.yml`, parsed.
pub fn manifest() -> Manifest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// The variable the runner names an input by.
pub fn input_var(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

/// A `default:` as the runner evaluates it for a job whose `github.token` is `token`.
fn evaluate(name: &str, default: &str, token: &str) -> String {
    match default.trim() {
        "${{ github.token }}" | "${{github.token}}" => token.to_string(),
        d if d.contains("${{") => panic!(
            "action.yml: input `{name}` has the default {d:?}; teach tests/support/runner.rs how the runner evaluates it"
        ),
        d => d.to_string(),
    }
}

/// Every `INPUT_*` variable of one step: `with` holds what the workflow passes
/// (`(input name, value)`); each declared input not in it gets its evaluated default or
/// `""`. A `with:` key that `action.yml` does not declare fails the test (the runner
/// would only warn, and the value would never be read).
pub fn input_env(with: &[(String, String)], github_token: &str) -> Vec<(String, String)> {
    let m = manifest();
    for (k, _) in with {
        assert!(
            m.inputs.contains_key(k),
            "the test passes `with: {k}`, which action.yml does not declare (declared: {:?})",
            m.inputs.keys().collect::<Vec<_>>()
        );
    }
    m.inputs
        .iter()
        .map(|(name, spec)| {
            let value = match with.iter().rev().find(|(k, _)| k == name) {
                Some((_, v)) => v.clone(),
                None => spec
                    .default
                    .as_deref()
                    .map(|d| evaluate(name, d, github_token))
                    .unwrap_or_default(),
            };
            (input_var(name), value)
        })
        .collect()
}
