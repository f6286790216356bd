//! The docs point at files that exist. A relative markdown link, or a repository path
//! named in backticks, in `README.md`, `docs/**/*.md` or `examples/README.md` that names a
//! missing file fails here, with the file and line to fix.
//!
//! What counts as a path in backticks (a heuristic that must not cry wolf):
//! - a token without spaces that starts with one of the repository's top-level folders
//!   ([`TOP_DIRS`]): it must exist from the repository root or from the document's folder;
//! - a bare file name ending in `.md`, `.rs`, `.sql` or `.sh` (`PRODUCT.md`,
//!   `fake_pendo.rs`): some file of that name must exist somewhere in the repository, as
//!   docs name modules by their file name;
//! - not: tokens with placeholders (`<issue>`, `*`, `{…}`, `…`, `$`), anything inside a
//!   code fence (commands and YAML), URLs, and the paths a *user's* repository holds
//!   ([`ADOPTER_PATHS`], e.g. `.github/pendo-triage.yml`), which this one need not have.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Top-level folders of this repository; a backticked token starting with one is a path.
const TOP_DIRS: [&str; 9] = [
    "src/",
    "docs/",
    "sql/",
    "scripts/",
    "tests/",
    "examples/",
    "templates/",
    "benches/",
    ".github/",
];

/// Paths in the repository that adopts the Action, named in the docs as where to put
/// things; this repository does not have them.
const ADOPTER_PATHS: [&str; 2] = [
    ".github/pendo-triage.yml",
    ".github/workflows/pendo-triage.yml",
];

/// Extensions of a bare file name the docs may name without its folder.
const NAME_EXTENSIONS: [&str; 4] = [".md", ".rs", ".sql", ".sh"];

/// A reference to a file found in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Reference {
    /// `[text](target)` or `![alt](target)`, relative, fragment and query removed.
    Link(String),
    /// A backticked path starting with a top-level folder.
    Path(String),
    /// A backticked bare file name.
    Name(String),
}

/// The file references of a markdown text, each with its 1-based line.
fn references(text: &str) -> Vec<(usize, Reference)> {
    let mut found = Vec::new();
    let mut in_fence = false;
    for (n, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        for target in link_targets(line) {
            found.push((n + 1, Reference::Link(target)));
        }
        for token in backticked(line) {
            if let Some(r) = path_reference(token) {
                found.push((n + 1, r));
            }
        }
    }
    found
}

/// The relative targets of the `](…)` links on a line.
fn link_targets(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let end = rest.find(')').unwrap_or(rest.len());
        let target = rest[..end].split_whitespace().next().unwrap_or("");
        let external = target.contains("://") || target.starts_with("mailto:");
        if !target.is_empty() && !external && !target.starts_with('#') {
            let path = target.split(['#', '?']).next().unwrap_or("");
            out.push(path.to_string());
        }
        rest = &rest[end..];
    }
    out
}

/// The inline code spans of a line (single backticks).
fn backticked(line: &str) -> Vec<&str> {
    line.split('`').skip(1).step_by(2).collect()
}

/// A backticked token as a file reference, if it is one (see the module doc).
fn path_reference(token: &str) -> Option<Reference> {
    let placeholder = token.contains(|c: char| c.is_whitespace() || "<>*{}$…".contains(c));
    if placeholder || token.contains("://") {
        return None;
    }
    if TOP_DIRS.iter().any(|d| token.starts_with(d)) {
        return (!ADOPTER_PATHS.contains(&token)).then(|| Reference::Path(token.to_string()));
    }
    let bare = !token.contains('/') && NAME_EXTENSIONS.iter().any(|e| token.ends_with(e));
    bare.then(|| Reference::Name(token.to_string()))
}

/// The problems of one document: `doc` is its path from the repository root, `exists`
/// answers for a path from the root, `names` holds every file name in the repository.
fn broken(
    doc: &str,
    text: &str,
    exists: &dyn Fn(&Path) -> bool,
    names: &HashSet<String>,
) -> Vec<String> {
    let dir = Path::new(doc).parent().unwrap_or(Path::new(""));
    let mut problems = Vec::new();
    for (line, r) in references(text) {
        let missing = match &r {
            Reference::Link(target) => !exists(&normalize(&dir.join(target))),
            Reference::Path(path) => {
                !exists(&normalize(Path::new(path))) && !exists(&normalize(&dir.join(path)))
            }
            Reference::Name(name) => !names.contains(name),
        };
        if missing {
            problems.push(format!(
                "{doc}:{line}: {r:?} names a file that does not exist"
            ));
        }
    }
    problems
}

/// `a/b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` (build output, git and npm folders left out), from the root.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if !matches!(name.to_str(), Some("target" | ".git" | "node_modules")) {
                walk(&path, out);
            }
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_file_the_docs_name_exists() {
    let root = root();
    let mut files = Vec::new();
    walk(&root, &mut files);
    let names: HashSet<String> = files
        .iter()
        .filter_map(|f| Some(f.file_name()?.to_str()?.to_string()))
        .collect();
    let mut docs: Vec<PathBuf> = vec![root.join("README.md"), root.join("examples/README.md")];
    let mut under_docs = Vec::new();
    walk(&root.join("docs"), &mut under_docs);
    docs.extend(
        under_docs
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    assert!(docs.len() >= 4, "{docs:?}");
    let exists = |p: &Path| root.join(p).exists();
    let mut problems = Vec::new();
    let mut checked = 0;
    for doc in &docs {
        let text = std::fs::read_to_string(doc).unwrap();
        let rel = doc
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        checked += references(&text).len();
        problems.extend(broken(&rel, &text, &exists, &names));
    }
    assert!(
        checked > 50,
        "only {checked} references found: is the extractor broken?"
    );
    assert!(
        problems.is_empty(),
        "fix these links or paths (or, for a path in the adopting repository, add it to \
         ADOPTER_PATHS):\n{}",
        problems.join("\n")
    );
}

/// The cases issue 22 found, each caught; the lookalikes that are fine, not.
#[test]
fn the_extractor_catches_the_known_cases_and_nothing_else() {
    let present = [
        "src/live/supabase/client/sql.rs",
        "crates/pendo-text/src/secrets/mod.rs",
        "docs/action.md",
        "docs/configuration.md",
        "examples/prod-auth-401.md",
        ".github/workflows/triage.yml",
        "sql/pendo_triage_health.sql",
    ];
    let exists = |p: &Path| {
        present.iter().any(|f| Path::new(f) == p)
            || present.iter().any(|f| Path::new(f).starts_with(p))
    };
    let names: HashSet<String> = present
        .iter()
        .map(|f| f.rsplit('/').next().unwrap().to_string())
        .collect();
    let check = |doc: &str, text: &str| broken(doc, text, &exists, &names);

    for (doc, text, what) in [
        (
            "README.md",
            "- `sql/pendo_triage_health.sql` is generated from `src/live/supabase/sql.rs`",
            "Path(\"src/live/supabase/sql.rs\")",
        ),
        (
            "README.md",
            "see [the SQL](src/live/supabase/sql.rs#L10)",
            "Link(\"src/live/supabase/sql.rs\")",
        ),
        (
            "examples/README.md",
            "the `SecretKind` names from `src/secrets.rs`.",
            "Path(\"src/secrets.rs\")",
        ),
        (
            "examples/README.md",
            "- PRODUCT.md aside, `PRODUCT.md` does not say how areas are chosen",
            "Name(\"PRODUCT.md\")",
        ),
        (
            "docs/action.md",
            "add `.github/pendo-triage.yml` (see `.github/pendo-triage.yml.example`)",
            "Path(\".github/pendo-triage.yml.example\")",
        ),
        (
            "docs/action.md",
            "Copy [the workflow](../.github/workflows/missing.yml) first.",
            "Link(\"../.github/workflows/missing.yml\")",
        ),
    ] {
        let problems = check(doc, text);
        assert_eq!(problems.len(), 1, "{text}: {problems:?}");
        assert!(problems[0].contains(what), "{problems:?}");
        assert!(
            problems[0].starts_with(&format!("{doc}:1:")),
            "{problems:?}"
        );
    }

    for (doc, text) in [
        (
            "README.md",
            "`src/live/supabase/client/sql.rs` and [x](docs/action.md#inputs)",
        ),
        (
            "docs/action.md",
            "[the config](configuration.md) and [top](#quick-start)",
        ),
        (
            "docs/action.md",
            "[up](../sql/pendo_triage_health.sql), [web](https://github.com/x/y)",
        ),
        (
            "examples/README.md",
            "`prod-auth-401.md`, [it](prod-auth-401.md), [docs](../docs/action.md)",
        ),
        (
            "README.md",
            "put it in `.github/pendo-triage.yml` or `.github/workflows/pendo-triage.yml`",
        ),
        (
            "README.md",
            "`examples/<issue>.md`, `tests/it/*.rs`, `src/{a,b}.rs`, `$HOME/x.md`",
        ),
        (
            "README.md",
            "the SBOM `pendo-triage.cdx.json`, the folder `docs/`",
        ),
        (
            "README.md",
            "```sh\ncat src/gone.rs `src/gone.rs` [x](gone.md)\n```\n",
        ),
        (
            "README.md",
            "`cargo run --locked -- check examples/prod-auth-401.md`",
        ),
    ] {
        assert_eq!(check(doc, text), Vec::<String>::new(), "{text}");
    }
    assert_eq!(
        references("a\n`src/x.rs` [l](y.md)\n"),
        vec![
            (2, Reference::Link("y.md".into())),
            (2, Reference::Path("src/x.rs".into())),
        ]
    );
}

/// The docs describe the shipped workflow: its schedule, and `SUPABASE_URL` as a
/// variable (`vars.`), as the workflow passes it.
#[test]
fn the_docs_describe_the_shipped_workflow() {
    let workflow = std::fs::read_to_string(root().join(".github/workflows/triage.yml")).unwrap();
    let cron = workflow
        .lines()
        .find_map(|l| l.trim().strip_prefix("- cron: "))
        .expect("a schedule in triage.yml")
        .trim_matches('"');
    let action = std::fs::read_to_string(root().join("docs/action.md")).unwrap();
    assert!(
        action.contains(&format!("cron: \"{cron}\"")),
        "docs/action.md does not give the shipped schedule {cron:?}"
    );
    assert!(workflow.contains("supabase-url: ${{ vars.SUPABASE_URL }}"));
    let mut docs = vec![root().join("README.md")];
    walk(&root().join("docs"), &mut docs);
    for doc in docs
        .iter()
        .filter(|d| d.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(doc).unwrap();
        assert!(
            !text.contains("secrets.SUPABASE_URL"),
            "{}: pass SUPABASE_URL as a variable (`vars.SUPABASE_URL`), as the workflow does",
            doc.display()
        );
    }
}
