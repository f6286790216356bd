//! Issue text echoed into the report comment, made harmless.
//!
//! Whatever a reporter typed must not ping people (`@team`), close or link issues, open
//! HTML, break the checks table (`|`, newlines) or reorder text (bidi overrides). These
//! functions are the only way issue text enters the comment.

/// Characters that reorder or hide text (bidi overrides and isolates, zero-width marks).
fn is_invisible_control(c: char) -> bool {
    matches!(c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}')
        || (c.is_control() && c != '\n' && c != '\t')
}

/// Text safe inside one markdown table cell or one line: a single line, escaped, no
/// mentions, no HTML, at most `max_chars` characters (an ellipsis marks a cut).
pub fn inline(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_chars * 2) + 8);
    let mut count = 0usize;
    let mut last_space = false;
    for (at, c) in text.char_indices() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        if is_invisible_control(c) {
            continue;
        }
        if c.is_whitespace() {
            if !last_space && count > 0 {
                out.push(' ');
                count += 1;
            }
            last_space = true;
            continue;
        }
        last_space = false;
        count += 1;
        match c {
            // A zero-width space after `@` stops mentions and team pings.
            '@' => out.push_str("@&#8203;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A lone `&` renders as itself (and must, inside an autolinked URL); only one
            // that would start an entity is escaped.
            '&' if starts_entity(&text[at..]) => out.push_str("&amp;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '~' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

/// The bot's own markdown (next steps, notes) on one line, keeping its code spans and
/// emphasis: only mentions and raw HTML are neutralised, in case a value in it came from
/// configuration.
pub fn trusted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                c if is_invisible_control(c) => {}
                '@' => out.push_str("@&#8203;"),
                '<' => out.push_str("&lt;"),
                _ => out.push(c),
            }
        }
    }
    out
}

/// True when `text` (starting at a `&`) reads as an HTML entity: `&amp;`, `&#38;`, `&#x26;`.
fn starts_entity(text: &str) -> bool {
    let rest = &text[1..];
    let end = rest.find(';').filter(|e| *e <= 32);
    let Some(end) = end else {
        return false;
    };
    let name = &rest[..end];
    let numeric = name.strip_prefix('#').map(|n| {
        n.strip_prefix(['x', 'X']).map_or_else(
            || !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()),
            |h| !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit()),
        )
    });
    numeric.unwrap_or_else(|| {
        name.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && name.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// Text safe for places that are not markdown but are read by people or bots (step
/// outputs piped into a chat notifier): no control or bidi characters, mentions broken
/// with a zero-width space, `<`, `>` and `&` as entities (so `<!channel>` cannot ping),
/// otherwise unchanged.
pub fn neutral(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if is_invisible_control(c) => {}
            '@' => out.push_str("@\u{200B}"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// [`neutral`] applied to every string in a JSON value.
pub fn neutral_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(s) => *s = neutral(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(neutral_json),
        serde_json::Value::Object(map) => map.values_mut().for_each(neutral_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_html_are_neutralised() {
        let s = inline("ping @org/team and <script>alert(1)</script>", 200);
        assert!(!s.contains("@org"), "{s}");
        assert!(s.contains("@&#8203;org/team"));
        assert!(!s.contains('<'));
    }

    #[test]
    fn table_breakers_are_escaped() {
        let s = inline("a | b\nc\r\n| d", 200);
        assert_eq!(s, "a \\| b c \\| d");
    }

    #[test]
    fn bidi_and_controls_are_removed() {
        let s = inline("abc\u{202E}fed\u{0007}\u{200F}", 200);
        assert_eq!(s, "abcfed");
    }

    #[test]
    fn neutral_text_cannot_ping_in_chat() {
        let s = neutral("<!channel> @org/team ::error::x \u{202E}a & b\nnext");
        assert_eq!(
            s,
            "&lt;!channel&gt; @\u{200B}org/team ::error::x a &amp; b\nnext"
        );
        let mut v = serde_json::json!({"a": ["@x", {"b": "<y>"}], "n": 1});
        neutral_json(&mut v);
        assert_eq!(
            v,
            serde_json::json!({"a": ["@\u{200B}x", {"b": "&lt;y&gt;"}], "n": 1})
        );
    }

    #[test]
    fn ampersands_stay_readable_in_urls_and_cannot_form_entities() {
        assert_eq!(
            inline(
                "https://app.pendo.io/api/v1/feature?limit=500&offset=500",
                200
            ),
            "https://app.pendo.io/api/v1/feature?limit=500&offset=500"
        );
        assert_eq!(
            inline("a &lt; b &#60; &#x3C;", 200),
            "a &amp;lt; b &amp;\\#60; &amp;\\#x3C;"
        );
        assert_eq!(inline("R&D & co", 200), "R&D & co");
    }

    #[test]
    fn cut_is_marked() {
        assert_eq!(inline("abcdef", 3), "abc…");
        assert_eq!(inline("héllo", 10), "héllo");
    }
}
