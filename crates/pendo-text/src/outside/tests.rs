//! The way out, step by step and in order.

use super::*;

fn md(text: &str, max: usize) -> String {
    emit(text, max, Sink::Markdown)
}

#[test]
fn mentions_and_html_are_neutralised() {
    let s = md("ping @org/team and <script>alert(1)</script>", 200);
    assert!(!s.contains("@org"), "{s}");
    assert!(s.contains("@&#8203;org/team"));
    assert!(!s.contains('<'));
}

#[test]
fn table_breakers_are_escaped() {
    assert_eq!(md("a | b\nc\r\n| d", 200), "a \\| b c \\| d");
}

#[test]
fn bidi_and_controls_are_removed() {
    assert_eq!(md("abc\u{202E}fed\u{0007}\u{200F}", 200), "abcfed");
}

#[test]
fn neutral_text_cannot_ping_in_chat() {
    let s = emit(
        "<!channel> @org/team ::error::x \u{202E}a & b\nnext",
        UNCUT,
        Sink::Neutral,
    );
    assert_eq!(
        s,
        "&lt;!channel&gt; @\u{200B}org/team ::error::x a &amp; b\nnext"
    );
    let mut v = serde_json::json!({"a": ["@x", {"b": "<y>"}], "n": 1});
    json(&mut v, Sink::Neutral);
    assert_eq!(
        v,
        serde_json::json!({"a": ["@\u{200B}x", {"b": "&lt;y&gt;"}], "n": 1})
    );
}

#[test]
fn ampersands_stay_readable_in_urls_and_cannot_form_entities() {
    assert_eq!(
        md(
            "https://app.pendo.io/api/v1/feature?limit=500&offset=500",
            200
        ),
        "https://app.pendo.io/api/v1/feature?limit=500&offset=500"
    );
    assert_eq!(
        md("a &lt; b &#60; &#x3C;", 200),
        "a &amp;lt; b &amp;\\#60; &amp;\\#x3C;"
    );
    assert_eq!(md("R&D & co", 200), "R&D & co");
}

#[test]
fn cut_is_marked() {
    assert_eq!(md("abcdef", 3), "abc…");
    assert_eq!(md("héllo", 10), "héllo");
    assert_eq!(emit("ab\n\ncd", 3, Sink::Line), "ab…");
}

const SECRET: &str = "sb_secret_Zq3xVb7NmK2pLr9TtW4yHc6FdJ8sGa1E";

/// Escaping first would turn the key into `sb\_secret\_…`, which no redaction knows.
#[test]
fn redaction_comes_before_escaping() {
    let s = md(
        &format!("ERROR: invalid input syntax for type json: Bearer {SECRET}"),
        300,
    );
    assert!(!s.contains("Zq3xVb7N"), "{s}");
    assert!(s.contains("invalid input syntax"), "{s}");
}

/// Cutting first would leave a key without its last characters, which no shape rule
/// recognises any more.
#[test]
fn redaction_comes_before_cutting() {
    let text = format!("upstream said: {SECRET} and more");
    let cut_at = "upstream said: ".len() + SECRET.len() - 2;
    let s = emit(&text, cut_at, Sink::Plain);
    assert!(!s.contains("Zq3xVb7N"), "{s}");
}

/// Invisible characters between a key's parts are removed before redaction looks.
#[test]
fn invisible_characters_go_before_redaction() {
    for joiner in [
        "\u{200E}", "\u{200B}", "\u{0000}", "\u{FEFF}", "\u{00AD}", "\u{2060}",
    ] {
        let hidden = format!("sb_secret_{joiner}Zq3xVb7NmK2p{joiner}Lr9TtW4yHc6FdJ8sGa1E");
        for sink in [Sink::Markdown, Sink::Plain, Sink::Line, Sink::Neutral] {
            let s = emit(format!("key: {hidden}"), 300, sink);
            assert!(!s.contains("Lr9TtW4y"), "{joiner:?} {sink:?}: {s}");
        }
    }
}

/// Full-width letters read as ASCII after NFKC, so redaction sees the key.
#[test]
fn full_width_text_is_normalised_before_redaction() {
    let wide: String = SECRET
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap(),
            c => c,
        })
        .collect();
    let s = md(&format!("echo {wide}"), 300);
    assert!(!s.contains("Zq3xVb7N"), "{s}");
    assert!(!s.contains('ｂ'), "{s}");
}

/// A dependency's own cut drops the neighbourhood of the cut, where a fragment of a
/// secret could sit unrecognised.
#[test]
fn a_dependency_cut_drops_its_margin() {
    let text = format!("{}{}", "x".repeat(1990), &SECRET[..10]);
    let capped = Outside::capped(&text, 2000);
    let s = capped.out(UNCUT, Sink::Plain);
    assert!(!s.contains("sb_secret_"), "the straddling fragment is gone");
    assert!(s.ends_with('…'));
    assert_eq!(s.chars().count(), 2000 - CAP_MARGIN + 1);
    // Shorter than the cap: as it was.
    assert_eq!(
        Outside::capped("short", 2000).out(UNCUT, Sink::Plain),
        "short"
    );
}

#[test]
fn debug_shows_only_what_would_leave() {
    let o = Outside::new(format!("key={SECRET}"));
    let d = format!("{o:?}");
    assert!(!d.contains("Zq3xVb7N"), "{d}");
}

/// No code outside this module cuts or escapes text by hand: the way out is the only one.
#[test]
fn no_other_module_cuts_or_escapes_outside_text() {
    // This crate's sources and pendo-triage's (the workspace root's `src`).
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offenders = Vec::new();
    let mut scanned = 0;
    for (shown, root) in [
        ("crates/pendo-text/src", here.join("src")),
        ("src", here.join("../../src")),
    ] {
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let rel = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if rel.starts_with("outside") || !rel.ends_with(".rs") || rel.ends_with("tests.rs")
                {
                    continue;
                }
                scanned += 1;
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if code.starts_with("//") {
                        continue;
                    }
                    for banned in [".chars().take(", "markdown::inline", "neutral_json("] {
                        if code.contains(banned) && !code.contains("// one-way-out:") {
                            offenders.push(format!("{shown}/{rel}:{}: {}", i + 1, code));
                        }
                    }
                    // Redacting without normalising first misses a key with an invisible
                    // character inside: nothing but the way out calls the redactor (the
                    // in-place redaction of an issue's own text is `redact_pasted`, which
                    // must change no other byte).
                    if code.contains("secrets::redact(") {
                        offenders.push(format!("{shown}/{rel}:{}: {}", i + 1, code));
                    }
                }
            }
        }
    }
    // Both trees were found (a moved crate must not make this test pass by scanning nothing).
    assert!(scanned > 50, "only {scanned} source files scanned");
    assert!(
        offenders.is_empty(),
        "cut or escape outside text only through crate::outside:\n{}",
        offenders.join("\n")
    );
}
