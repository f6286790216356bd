//! Outside text has one way out: normalise, redact, cut, escape, in that order.
//!
//! Text the bot did not write — the title, body and comments, label names, what
//! Pendo, PostgREST, Postgres, pg_net, pg_cron and the Management API answer — may carry a
//! credential the bot holds, someone else's secret, markdown that pings people or breaks
//! the table, or invisible characters that hide a key from redaction. Each step undoes a
//! way the next one could be fooled, so the order is fixed:
//! 1. **normalise** — NFKC (a full-width `ｓｂ＿ｓｅｃｒｅｔ＿` reads as `sb_secret_`), then
//!    invisible and control characters removed (a key with U+200E, NUL or a BOM between
//!    its parts is whole again *before* anything looks for it);
//! 2. **redact** — [`crate::secrets::redact`]: the held credentials in every form they
//!    travel in, then secrets by shape;
//! 3. **cut** — to the sink's length, on a character boundary, marked with `…` (a key cut
//!    before redaction would leave most of itself unrecognised);
//! 4. **escape** — for the sink ([`Sink`]): markdown for the comment, entities for
//!    outputs, one line for the log (escaping before redacting would turn `sb_secret_…`
//!    into `sb\_secret\_…`, which no redaction recognises).
//!
//! [`Outside`] holds such text and [`Outside::out`] is the only way to turn it into text
//! for a sink. The escaping and cutting functions are private to this module, so no other
//! code can escape or cut text without redacting it first: the compiler keeps the order.
//! The sinks themselves scrub once more ([`crate::secrets::held::scrub`]), as defence in
//! depth.
//!
//! Findings' summaries and evidence mix the bot's own words with what a dependency said,
//! so wherever they are shown they are treated as outside text and pass through here.

use unicode_normalization::UnicodeNormalization;

/// Text from outside the bot. It has no `Display`, no `Deref` and no accessor that hands
/// out its text for a sink: [`Outside::out`] is the way out.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Outside(String);

impl std::fmt::Debug for Outside {
    /// Debug output is a sink too (a panic message, a log line): it shows the text as it
    /// would leave, never the raw value.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Outside({:?})", self.out(200, Sink::Plain))
    }
}

/// Where text goes, and so how it is escaped after it was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// One line inside the report comment (a table cell, the headline): markdown
    /// escaped, no mentions, no HTML, no newlines.
    Markdown,
    /// Text kept as data (the JSON report, the state block, a finding's evidence, an
    /// error message): newlines kept, nothing escaped.
    Plain,
    /// One line of the log or an error message: whitespace folded to single spaces.
    Line,
    /// Step outputs and other places read by people or bots but not rendered as
    /// markdown: mentions broken, `<`, `>` and `&` as entities.
    Neutral,
    /// An issue title the bot files: one line, mentions broken, `<` and `>` as `‹ ›`
    /// (chat integrations that relay titles read `<!channel>` and `<@U…>`).
    Title,
    /// A template field value the bot fills in: a [`Sink::Title`] line that also makes no
    /// HTML, image, link or emphasis, while identifiers (`pendo_guides`) stay as they
    /// are, so the value reads back the same when the filed issue is parsed.
    Field,
}

impl Outside {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// Bytes from a dependency (a body, a header), decoded lossily as UTF-8.
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(String::from_utf8_lossy(bytes).into_owned())
    }

    /// Text that a dependency already cut at `cap` characters (a database column read
    /// with `left(…, cap)`): when it reached the cap, its last [`CAP_MARGIN`] characters
    /// are dropped as well, so no fragment of a secret that straddled the dependency's
    /// cut survives to be shown unrecognised.
    pub fn capped(text: &str, cap: usize) -> Self {
        if text.chars().count() < cap {
            return Self(text.to_string());
        }
        let keep = cap.saturating_sub(CAP_MARGIN);
        let mut out: String = text.chars().take(keep).collect();
        out.push('…');
        Self(out)
    }

    /// The one way out: normalised, redacted, cut to `max_chars`, escaped for `sink`.
    pub fn out(&self, max_chars: usize, sink: Sink) -> String {
        let normal = normalise(&self.0);
        let redacted = crate::secrets::redact(&normal);
        let cut = cut(&redacted, max_chars, sink);
        escape(&cut, sink)
    }
}

impl From<&str> for Outside {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for Outside {
    fn from(text: String) -> Self {
        Self(text)
    }
}

impl From<&String> for Outside {
    fn from(text: &String) -> Self {
        Self(text.clone())
    }
}

/// Shorthand for `Outside::from(text).out(max_chars, sink)`: outside text emitted to a sink.
pub fn emit(text: impl Into<Outside>, max_chars: usize, sink: Sink) -> String {
    text.into().out(max_chars, sink)
}

/// Outside text kept as data (a finding's summary or evidence, an error message): through
/// the way out, uncut and unescaped; it is cut and escaped again where it is shown.
pub fn plain(text: impl Into<Outside>) -> String {
    emit(text, UNCUT, Sink::Plain)
}

/// What every sink applies last to the whole text it is about to write, the bot's own
/// words included (the comment and every other GitHub write, the state block before it is
/// encoded, outputs, the job summary, the log, `check`'s and `parse`'s stdout): the held
/// credentials masked in every form [`crate::secrets::held::scrub`] knows, which reads
/// through invisible characters, full-width letters and escapes. Nothing else changes:
/// shapes are not redacted here, so the bot's own text (its markers, labels, check ids)
/// stays as written.
pub fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    crate::secrets::held::scrub(text)
}

/// How much of a dependency's own cut is dropped with it ([`Outside::capped`]): longer
/// than any credential's encoded form the bot knows of (a service-role JWT is ~200).
pub const CAP_MARGIN: usize = 1024;

/// No limit on length (the sink's own size rules apply later).
pub const UNCUT: usize = usize::MAX;

/// Step 1: NFKC, then the invisible characters removed (NFKC first: it can produce none
/// of them, and decomposes nothing into them).
fn normalise(text: &str) -> std::borrow::Cow<'_, str> {
    if text.is_ascii()
        && !text
            .bytes()
            .any(|b| b.is_ascii_control() && b != b'\n' && b != b'\t')
    {
        return std::borrow::Cow::Borrowed(text);
    }
    // `…` (which NFKC would spell `...`) is how the bot marks its own cuts: kept as it is.
    // It is a starter, so normalising the pieces between is normalising the whole.
    let mut out = String::with_capacity(text.len());
    for (i, piece) in text.split('…').enumerate() {
        if i > 0 {
            out.push('…');
        }
        out.extend(piece.nfkc().filter(|c| !crate::invisible::is_invisible(*c)));
    }
    std::borrow::Cow::Owned(out)
}

/// Step 3: at most `max_chars` characters, `…` marking a cut. One-line sinks count the
/// text after folding its whitespace, so a cell's budget is not spent on blank lines.
fn cut(text: &str, max_chars: usize, sink: Sink) -> String {
    let folded;
    let text = match sink {
        Sink::Markdown | Sink::Line | Sink::Title | Sink::Field => {
            folded = fold_whitespace(text);
            folded.as_str()
        }
        Sink::Plain | Sink::Neutral => text.trim(),
    };
    match text.char_indices().nth(max_chars) {
        None => text.to_string(),
        Some((at, _)) => {
            let mut out = text[..at].trim_end().to_string();
            out.push('…');
            out
        }
    }
}

/// One line: every run of whitespace a single space, none at either end.
fn fold_whitespace(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Step 4: escaping for the sink.
fn escape(text: &str, sink: Sink) -> String {
    match sink {
        Sink::Markdown => markdown_inline(text),
        Sink::Neutral => neutral(text),
        Sink::Title => title(text),
        Sink::Field => title(text)
            .chars()
            .fold(String::with_capacity(text.len()), |mut out, c| {
                if matches!(c, '*' | '[' | ']' | '`' | '\\') {
                    out.push('\\');
                }
                out.push(c);
                out
            }),
        Sink::Plain | Sink::Line => text.to_string(),
    }
}

/// One markdown line: escaped, no mentions, no HTML.
fn markdown_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for (at, c) in text.char_indices() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
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

/// A title: mentions broken, angle brackets as their look-alikes.
fn title(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '<' => out.push('‹'),
            '>' => out.push('›'),
            '@' => out.push_str("@\u{200B}"),
            _ => out.push(c),
        }
    }
    out
}

/// Not markdown but read by people or bots (a chat notifier): mentions broken with a
/// zero-width space, `<`, `>` and `&` as entities, otherwise unchanged.
fn neutral(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '@' => out.push_str("@\u{200B}"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// Every string in a JSON value passed through the way out for `sink` (uncut).
pub fn json(value: &mut serde_json::Value, sink: Sink) {
    match value {
        serde_json::Value::String(s) => *s = Outside::new(std::mem::take(s)).out(UNCUT, sink),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| json(v, sink)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| json(v, sink)),
        _ => {}
    }
}

#[cfg(test)]
mod tests;
