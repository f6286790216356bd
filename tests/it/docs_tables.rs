//! The check tables people read hold the registered checks: `docs/checks.md`'s "Live checks"
//! table lists every live check and `docs/interface.md`'s "Check ids" table every check,
//! each exactly once and in the registry's order (`CheckId::all()`, the report's order).
//! A check added to the registry without its row, or a row left behind, fails here.

use pendo_triage::finding::CheckId;
use std::path::Path;

/// The text of `path`, relative to the repository root.
fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("read {}: {e}", full.display()))
}

/// The lines of the section under `heading` (a whole heading line, e.g. `## Check ids`),
/// up to the next heading of the same or a higher level outside a code fence.
fn section<'a>(text: &'a str, heading: &str, file: &str) -> Vec<&'a str> {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let mut lines = text.lines().skip_while(|l| l.trim_end() != heading);
    assert!(
        lines.next().is_some(),
        "{file}: no `{heading}` heading (the check table is looked for under it)"
    );
    let mut in_fence = false;
    let mut out = Vec::new();
    for line in lines {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        }
        let hashes = line.chars().take_while(|&c| c == '#').count();
        if !in_fence && hashes > 0 && hashes <= level && line[hashes..].starts_with(' ') {
            break;
        }
        out.push(line);
    }
    out
}

/// The first cells of the first table's body rows in `lines`, each a backticked check id.
fn first_column(lines: &[&str], file: &str, heading: &str) -> Vec<String> {
    let table: Vec<&str> = lines
        .iter()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .copied()
        .collect();
    assert!(table.len() > 2, "{file}: no check table under `{heading}`");
    // The header row and the `|---|` row come first.
    table[2..]
        .iter()
        .map(|row| {
            let cell = row[1..].split('|').next().unwrap_or("").trim();
            let id = cell.strip_prefix('`').and_then(|c| c.strip_suffix('`'));
            id.unwrap_or_else(|| {
                panic!(
                    "{file}, `{heading}`: the row {row:?} does not start with a backticked check id"
                )
            })
            .to_string()
        })
        .collect()
}

/// Asserts that `listed` are `registered`, in order, naming what to change.
fn assert_lists(file: &str, heading: &str, listed: &[String], registered: &[&str]) {
    let missing: Vec<&str> = registered
        .iter()
        .filter(|id| !listed.iter().any(|l| l == *id))
        .copied()
        .collect();
    let extra: Vec<&str> = listed
        .iter()
        .filter(|l| !registered.contains(&l.as_str()))
        .map(String::as_str)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{file}, table under `{heading}`: missing rows for {missing:?}, rows for unregistered \
         checks {extra:?}; update the table to list exactly the registered checks \
         (`CheckId::all()`)"
    );
    assert_eq!(
        listed, registered,
        "{file}, table under `{heading}`: the rows are out of order (or repeated); update the \
         table to list the checks in the registry's order (`CheckId::all()`)"
    );
}

#[test]
fn the_checks_doc_lists_every_live_check_in_order() {
    let (file, heading) = ("docs/checks.md", "## Live checks");
    let listed = first_column(&section(&read(file), heading, file), file, heading);
    let live: Vec<&str> = CheckId::all()
        .filter(|id| !id.is_offline())
        .map(CheckId::as_str)
        .collect();
    assert_lists(file, heading, &listed, &live);
}

#[test]
fn the_interface_lists_every_check_in_order() {
    let (file, heading) = ("docs/interface.md", "## Check ids");
    let listed = first_column(&section(&read(file), heading, file), file, heading);
    let all: Vec<&str> = CheckId::all().map(CheckId::as_str).collect();
    assert_lists(file, heading, &listed, &all);
}
