//! GitHub's template chooser lists every file in `.github/ISSUE_TEMPLATE/` by its `name`.
//! The markdown template and the issue form are the same `[API]` template in two shapes,
//! so they must be told apart there, while everything the bot reads stays identical (the
//! headings, fields and checklist are compared in `cli.rs` and `issue_form.rs`).

use std::path::Path;

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// The value of a top-level `key:` line (the markdown template's front matter, or the
/// form's YAML), without quotes.
fn top_level(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .unwrap_or_else(|| panic!("no `{key}:` line"))
        .trim()
        .trim_matches('"')
        .to_string()
}

#[test]
fn the_two_templates_have_different_names_and_the_same_title_and_labels() {
    let markdown = read(".github/ISSUE_TEMPLATE/pendo-api-issue.md");
    let form = read(".github/ISSUE_TEMPLATE/pendo-api.yml");
    let (md_name, form_name) = (top_level(&markdown, "name"), top_level(&form, "name"));
    assert_ne!(
        md_name, form_name,
        "the template chooser would show two identical entries"
    );
    assert_eq!(md_name, "🔧 Pendo API Integration Issue");
    assert_eq!(form_name, "🔧 Pendo API Integration Issue (form)");
    assert_eq!(top_level(&markdown, "title"), top_level(&form, "title"));
    let md_labels: Vec<String> = top_level(&markdown, "labels")
        .split(',')
        .map(|l| l.trim().to_string())
        .collect();
    let form_labels: Vec<String> = top_level(&form, "labels")
        .trim_matches(['[', ']'])
        .split(',')
        .map(|l| l.trim().trim_matches('"').to_string())
        .collect();
    assert_eq!(md_labels, ["api", "pendo-api", "needs-triage"]);
    assert_eq!(md_labels, form_labels);
    // The project's own copy is the one the bot compiles in; it keeps the shared name.
    assert_eq!(
        top_level(&read("templates/pendo-api-issue.md"), "name"),
        md_name
    );
}
