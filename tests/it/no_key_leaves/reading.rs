//! Reading a sink as a person would: JSON `\u`, HTML entities and markdown escapes
//! undone, NFKC, invisible characters gone; then percent-, hex- and base64-decoded.

use super::*;

/// Invisible and formatting characters a reader does not see.
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}')
        || (c.is_control() && c != '\n')
}

/// `&amp;`, `&lt;`, `&#95;`, `&#x5f;` … as the characters they stand for.
pub fn html_unescape(text: &str) -> String {
    static ENTITY: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});").unwrap()
    });
    ENTITY
        .replace_all(text, |c: &regex::Captures| {
            let name = &c[1];
            let ch = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some(' '),
                    "lowbar" => Some('_'),
                    "ast" => Some('*'),
                    "num" => Some('#'),
                    "excl" => Some('!'),
                    "commat" => Some('@'),
                    "verbar" | "vert" => Some('|'),
                    "lsqb" | "lbrack" => Some('['),
                    "rsqb" | "rbrack" => Some(']'),
                    "tilde" => Some('~'),
                    "period" => Some('.'),
                    "colon" => Some(':'),
                    "dollar" => Some('$'),
                    "percnt" => Some('%'),
                    "plus" => Some('+'),
                    "equals" => Some('='),
                    "quest" => Some('?'),
                    "hyphen" | "dash" => Some('-'),
                    _ => None,
                }
            };
            ch.map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// JSON's `\uXXXX` as the character.
pub fn json_unescape(text: &str) -> String {
    static U: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\\u([0-9a-fA-F]{4})").unwrap());
    U.replace_all(text, |c: &regex::Captures| {
        u32::from_str_radix(&c[1], 16)
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_else(|| c[0].to_string())
    })
    .into_owned()
}

/// A markdown backslash escape (`\_`) as the character.
pub fn markdown_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            out.push(chars.next().unwrap());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a reader makes of a sink: entities, `\u` and markdown escapes undone, NFKC,
/// invisible characters gone (twice, for an escape that was escaped again).
pub fn unescape(text: &str) -> String {
    let mut t = text.to_string();
    for _ in 0..2 {
        t = html_unescape(&t);
        t = json_unescape(&t);
        t = markdown_unescape(&t);
        t = t.nfkc().filter(|c| !invisible(*c)).collect();
    }
    t
}

pub fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs of 16 or more hex digits, decoded (at both alignments).
pub fn hex_decoded(text: &str) -> String {
    static RUNS: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"[0-9a-fA-F]{16,}").unwrap());
    let mut out = String::new();
    for m in RUNS.find_iter(text) {
        for skip in 0..2 {
            let s = &m.as_str()[skip..];
            let bytes: Vec<u8> = (0..s.len() / 2)
                .filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
                .collect();
            out.push_str(&String::from_utf8_lossy(&bytes));
            out.push('\n');
        }
    }
    out
}

/// Runs of 12 or more base64 characters, decoded (standard and URL-safe, every alignment).
pub fn base64_decoded(text: &str) -> String {
    static RUNS: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"[A-Za-z0-9+/_-]{12,}").unwrap());
    let mut out = String::new();
    for m in RUNS.find_iter(text) {
        for skip in 0..4 {
            let s = &m.as_str()[skip..];
            let s = &s[..s.len() / 4 * 4];
            for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                if let Ok(bytes) = engine.decode(s) {
                    out.push_str(&String::from_utf8_lossy(&bytes));
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Every way a reader could read `sink`, lower-cased.
pub fn readings(sink: &str) -> Vec<String> {
    let plain = unescape(sink);
    let once = percent_decode(&plain);
    let twice = percent_decode(&once);
    let mut all = vec![
        plain.clone(),
        unescape(&once),
        unescape(&twice),
        unescape(&hex_decoded(&plain)),
    ];
    let b64 = base64_decoded(&plain);
    all.push(unescape(&b64));
    all.push(unescape(&base64_decoded(&unescape(&b64))));
    all.into_iter().map(|r| r.to_lowercase()).collect()
}

/// The first 8-character run of the secret (outside its public prefix) that a reading of
/// a sink holds: `(sink name, run, the reading around it)`.
pub fn leak(sinks: &[(String, String)], secret: &Secret) -> Option<(String, String, String)> {
    let chars: Vec<char> = secret.value.to_lowercase().chars().collect();
    let windows: Vec<String> = (0..chars.len().saturating_sub(7))
        .filter(|&i| i + 8 > secret.public)
        .map(|i| chars[i..i + 8].iter().collect())
        .collect();
    for (name, text) in sinks {
        for reading in readings(text) {
            if let Some(w) = windows.iter().find(|w| reading.contains(w.as_str())) {
                let at = reading.find(w.as_str()).unwrap_or(0);
                let around: String = reading[..at]
                    .chars()
                    .rev()
                    .take(300)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .chain(reading[at..].chars().take(300))
                    .collect();
                return Some((name.clone(), w.clone(), around));
            }
        }
    }
    None
}

/// A sink's text for a failure message, with the secret's value marked, so the message
/// shows where it stood.
pub fn scrubbed_for_message(text: &str, secret: &Secret) -> String {
    text.replace(&secret.value, "<THE SECRET>")
}
