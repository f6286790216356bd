//! Property tests over generated issue bodies: the tick edit changes only bracket bytes,
//! and the parser and report never panic, whatever the body.

use pendo_triage::config::Config;
use pendo_triage::credentials::Credentials;
use pendo_triage::issue::{parse, tick};
use pendo_triage::report;
use proptest::prelude::*;

/// Free text never holds a run of three backticks: that would open a fence of its own,
/// and the generator's "inside code" lines would then really sit outside it.
fn no_fence(text: String) -> String {
    let mut t = text;
    while t.contains("``") {
        t = t.replace("``", "`");
    }
    t
}

/// One line of a generated body.
fn line() -> impl Strategy<Value = String> {
    let text = "[a-zA-Z0-9 éü🔧\u{202E}*_`#|@<>-]{0,30}".prop_map(no_fence as fn(String) -> String);
    prop_oneof![
        text.clone().prop_map(|t| format!("- [ ] {t}")),
        text.clone().prop_map(|t| format!("- [x] {t}")),
        text.clone().prop_map(|t| format!("  - [ ] nested {t}")),
        text.clone().prop_map(|t| format!("    - [X] deeper {t}")),
        text.clone().prop_map(|t| format!("* [ ] star {t}")),
        text.clone().prop_map(|t| format!("1. [ ] numbered {t}")),
        text.clone().prop_map(|t| format!("## {t}")),
        text.clone()
            .prop_map(|t| format!("- **Field {t}**: value {t}")),
        text.clone().prop_map(|t| format!("> - [ ] quoted {t}")),
        text.clone()
            .prop_map(|t| format!("```\n- [ ] fake in code {t}\n```")),
        text.clone()
            .prop_map(|t| format!("<!-- - [ ] hidden {t} -->")),
        text.clone().prop_map(|t| format!(
            "<details>\n<summary>{t}</summary>\n\n- [ ] inside details\n\n</details>"
        )),
        text.clone().prop_map(|t| t.to_string()),
        Just(String::new()),
    ]
}

fn body() -> impl Strategy<Value = String> {
    (prop::collection::vec((line(), prop_oneof![Just("\n"), Just("\r\n")]), 0..40)).prop_map(
        |lines| {
            lines
                .into_iter()
                .map(|(l, nl)| format!("{l}{nl}"))
                .collect()
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// Ticking any subset of the unchecked items changes exactly their mark bytes.
    #[test]
    fn ticking_changes_only_bracket_bytes(body in body(), pick in prop::collection::vec(any::<bool>(), 40)) {
        let issue = parse(&body);
        let chosen: Vec<_> = issue
            .checklist
            .iter()
            .zip(pick.iter().cycle())
            .filter(|(i, p)| **p && !i.checked)
            .map(|(i, _)| i)
            .collect();
        let offsets: Vec<usize> = chosen.iter().map(|i| i.offset).collect();
        let out = tick::apply(&body, &offsets);
        prop_assert_eq!(out.len(), body.len());
        let changed: Vec<usize> = body.bytes().zip(out.bytes()).enumerate().filter(|(_, (a, b))| a != b).map(|(i, _)| i).collect();
        let mut want: Vec<usize> = chosen.iter().map(|i| i.mark_offset()).collect();
        want.sort_unstable();
        want.dedup();
        prop_assert_eq!(&changed, &want);
        for at in changed {
            prop_assert_eq!(out.as_bytes()[at], b'x');
        }
        // The ticked items now read as checked, and nothing else changed state.
        let after = parse(&out);
        prop_assert_eq!(after.checklist.len(), issue.checklist.len());
        for (before, now) in issue.checklist.iter().zip(&after.checklist) {
            prop_assert_eq!(now.checked, before.checked || want.contains(&before.mark_offset()));
            prop_assert_eq!(&now.text, &before.text);
        }
    }

    /// Ticking by text is idempotent and never touches code blocks or quotes.
    #[test]
    fn ticking_by_text_is_idempotent(body in body()) {
        let texts: Vec<String> = parse(&body).checklist.iter().map(|i| i.text.clone()).collect();
        let once = tick::tick(&body, &parse(&body).checklist, &texts);
        let twice = tick::tick(&once.body, &parse(&once.body).checklist, &texts);
        prop_assert_eq!(&twice.body, &once.body);
        prop_assert!(twice.ticked.is_empty());
        for line in once.body.lines() {
            if line.contains("fake in code") || line.contains("quoted") || line.contains("hidden") {
                prop_assert!(!line.contains("[x]") || body.lines().any(|l| l == line));
            }
        }
    }

    /// Nothing inside code, quotes or HTML comments becomes an item or a field.
    #[test]
    fn code_quotes_and_comments_yield_nothing(body in body()) {
        let issue = parse(&body);
        for item in &issue.checklist {
            prop_assert!(!item.text.contains("fake in code") && !item.text.contains("quoted") && !item.text.contains("hidden"), "{:?}", item);
            prop_assert!(body.as_bytes()[item.offset] == b'[');
        }
    }

    /// The whole triage never panics and the comment always fits.
    #[test]
    fn triage_never_panics(body in any::<String>()) {
        let t = pendo_triage::triage::triage("", &body, &Config::default(), &Credentials::default(), &[], &pendo_triage::clock::Clock::at(0));
        let md = report::render_markdown(&t, &report::Context::default(), None);
        prop_assert!(md.starts_with(report::MARKER));
        prop_assert!(md.chars().count() <= report::MAX_CHARS);
    }
}
