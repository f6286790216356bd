//! One pass over an issue body's markdown: the raw fields, checklist items, headings, code
//! blocks and form headings it holds, with byte offsets, and [`normalize_key`], how their
//! texts are compared. It knows nothing of the template: `parser` and `fields` give the
//! raw values their meaning.
//!
//! Grammar (what counts, in GitHub-flavoured markdown as GitHub renders it):
//! - A *field* is a list item (no task marker) whose text starts with strong emphasis and a
//!   colon: `- **Label**: value` or `- **Label:** value`. The value is the rest of that line.
//! - A *checklist item* is a list item with a task marker `[ ]`, `[x]` or `[X]`. Its text is
//!   its own inline text (nested items excluded) with emphasis removed; its offset is the
//!   byte of the `[`.
//! - A *section* is the nearest heading above (emoji and variation selectors kept in the
//!   text; matching elsewhere uses [`normalize_key`]).
//! - A *form heading value* is a heading outside lists and quotes followed directly by a
//!   paragraph: the heading's text and the paragraph's first line (how an issue form's
//!   `### <label>` and value arrive).
//! - Nothing inside a code block, a block quote, an HTML block or comment, or a YAML front
//!   matter block yields a field or an item. Code blocks are collected as [`CodeBlock`]s.

use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};
use serde::Serialize;
use std::ops::Range;

/// One `- [ ]` / `- [x]` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    /// The nearest heading above the item (e.g. `Pendo API Investigation`).
    pub section: String,
    /// All headings above the item, outermost first.
    pub section_path: Vec<String>,
    /// The item's own text with markdown emphasis removed (nested items excluded).
    pub text: String,
    pub checked: bool,
    /// Byte offset of the `[` of the item's marker in the body.
    pub offset: usize,
}

impl ChecklistItem {
    /// Byte offset of the character inside the brackets (` `, `x` or `X`).
    pub fn mark_offset(&self) -> usize {
        self.offset + 1
    }
}

/// A fenced or indented code block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeBlock {
    /// The info string's first word, lower-cased (`json`, `bash`, …); empty when none.
    pub lang: String,
    pub text: String,
    /// The nearest heading above the block.
    pub section: String,
}

/// A heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heading {
    pub level: u8,
    pub text: String,
}

/// Lower-case alphanumeric words joined by single spaces: how headings, labels and item
/// texts are compared, so that emoji, emphasis and spacing edits do not matter.
pub fn normalize_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    let bytes = text.as_bytes();
    let mut i = 0;
    // Byte by byte while ASCII (every template text is): no char decoding, no Unicode
    // tables. The same rule as the char path below, which takes over at a non-ASCII char.
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii() {
            if b.is_ascii_alphanumeric() {
                if gap && !out.is_empty() {
                    out.push(' ');
                }
                gap = false;
                out.push(b.to_ascii_lowercase() as char);
            } else {
                gap = true;
            }
            i += 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.extend(c.to_lowercase());
        } else {
            gap = true;
        }
        i += c.len_utf8();
    }
    out
}

/// What one pass over the events collects, before the template gives it meaning.
#[derive(Default)]
pub struct Raw {
    /// (byte offset, section, label, value as written), in body order.
    pub fields: Vec<(usize, String, String, String)>,
    /// In body order.
    pub items: Vec<ChecklistItem>,
    pub code_blocks: Vec<CodeBlock>,
    pub headings: Vec<Heading>,
    /// (byte offset, heading text, first line of the paragraph right under it): an issue
    /// form's `### <label>` and value.
    pub heading_values: Vec<(usize, String, String)>,
}

/// An open list item.
struct OpenItem {
    /// Byte offset of the task marker's `[`, when it has one.
    marker: Option<(usize, bool)>,
    text: String,
    /// Nesting depth of lists inside this item (its own text stops at the first).
    nested_lists: usize,
    /// `Some(label)` while the item's first inline is a strong run being read.
    strong: Option<String>,
    /// Set when the first inline was strong: (label, byte offset after the strong run).
    field: Option<(String, usize)>,
    /// Whether any inline content was seen (a field must start with strong).
    seen_inline: bool,
}

impl OpenItem {
    fn new() -> Self {
        OpenItem {
            marker: None,
            text: String::new(),
            nested_lists: 0,
            strong: None,
            field: None,
            seen_inline: false,
        }
    }
}

impl Raw {
    /// Reads `body` in one pass. Never panics.
    pub fn read(body: &str) -> Raw {
        let options = Options::ENABLE_TASKLISTS
            | Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
        let mut reader = Reader::new(body);
        for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
            reader.event(event, range);
        }
        let mut raw = reader.raw;
        // Items and fields finish after their nested children; report them in body order.
        raw.items.sort_by_key(|i| i.offset);
        raw.fields.sort_by_key(|f| f.0);
        raw
    }

    fn finish_item(&mut self, item: OpenItem, body: &str, path: &[(u8, String)]) {
        if let Some((offset, checked)) = item.marker {
            self.items.push(ChecklistItem {
                section: section_of(path),
                section_path: path.iter().map(|(_, t)| t.clone()).collect(),
                text: collapse(&item.text),
                checked,
                offset,
            });
            return;
        }
        let Some((label, after)) = item.field else {
            return;
        };
        let label = collapse(&label);
        let line_end = body[after..]
            .find(['\n', '\r'])
            .map_or(body.len(), |i| after + i);
        let rest = body.get(after..line_end).unwrap_or("");
        let (label, value) = if let Some(stripped) = label.strip_suffix(':') {
            (stripped.trim_end().to_string(), rest)
        } else if let Some(v) = rest.trim_start().strip_prefix(':') {
            (label, v)
        } else {
            return;
        };
        if label.is_empty() {
            return;
        }
        self.fields
            .push((after, section_of(path), label, value.trim().to_string()));
    }
}

/// Where the one pass stands: what is open at the current event.
struct Reader<'a> {
    body: &'a str,
    raw: Raw,
    /// The headings above, outermost first: (level, text).
    path: Vec<(u8, String)>,
    /// The heading being read: (level, text so far).
    heading: Option<(u8, String)>,
    /// The open list items, innermost last.
    items: Vec<OpenItem>,
    /// The code block being read: (language, text so far).
    code: Option<(String, String)>,
    quote_depth: usize,
    /// Inside a YAML front matter block.
    metadata: bool,
    /// The heading that just ended, while nothing but its paragraph may follow.
    after_heading: Option<String>,
}

impl<'a> Reader<'a> {
    fn new(body: &'a str) -> Self {
        Reader {
            body,
            raw: Raw::default(),
            path: Vec::new(),
            heading: None,
            items: Vec::new(),
            code: None,
            quote_depth: 0,
            metadata: false,
            after_heading: None,
        }
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if self.metadata {
            if matches!(event, Event::End(TagEnd::MetadataBlock(_))) {
                self.metadata = false;
            }
            return;
        }
        if self.code.is_some() {
            self.code_event(event);
            return;
        }
        let heading_above = self.after_heading.take();
        match event {
            Event::Start(tag) => self.start(tag, range, heading_above),
            Event::End(tag) => self.end(tag, range),
            Event::TaskListMarker(checked) => self.task_marker(checked, range),
            Event::Text(t) | Event::Code(t) => self.text(&t),
            Event::SoftBreak | Event::HardBreak => {
                if let Some(item) = self.own_item() {
                    item.text.push(' ');
                }
            }
            Event::InlineHtml(_) | Event::Html(_) => {
                if let Some(item) = self.own_item() {
                    item.seen_inline = true;
                }
            }
            _ => {}
        }
    }

    /// The innermost open item, while its own text (not a nested list's) is being read.
    fn own_item(&mut self) -> Option<&mut OpenItem> {
        self.items.last_mut().filter(|i| i.nested_lists == 0)
    }

    /// An event inside a code block: its text, or its end.
    fn code_event(&mut self, event: Event<'_>) {
        match event {
            Event::Text(t) => {
                if let Some((_, text)) = self.code.as_mut() {
                    text.push_str(&t);
                }
            }
            Event::End(TagEnd::CodeBlock) => {
                let (lang, text) = self.code.take().unwrap_or_default();
                self.raw.code_blocks.push(CodeBlock {
                    lang,
                    text: text.replace("\r\n", "\n"),
                    section: section_of(&self.path),
                });
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>, range: Range<usize>, heading_above: Option<String>) {
        match tag {
            Tag::Paragraph => {
                if let Some(h) = heading_above
                    && self.items.is_empty()
                    && self.quote_depth == 0
                {
                    let text = &self.body[range.clone()];
                    let line = text.split(['\r', '\n']).next().unwrap_or("");
                    self.raw
                        .heading_values
                        .push((range.start, h, line.trim().to_string()));
                }
            }
            Tag::MetadataBlock(_) => self.metadata = true,
            Tag::CodeBlock(kind) => self.code = Some((code_lang(kind), String::new())),
            Tag::BlockQuote(_) => self.quote_depth += 1,
            Tag::Heading { level, .. } if self.quote_depth == 0 && self.items.is_empty() => {
                self.heading = Some((level as u8, String::new()));
            }
            Tag::List(_) => {
                if let Some(item) = self.items.last_mut() {
                    item.nested_lists += 1;
                }
            }
            Tag::Item => {
                if let Some(parent) = self.items.last_mut() {
                    // Nested lists are not the parent's own text.
                    parent.seen_inline = true;
                }
                self.items.push(OpenItem::new());
            }
            Tag::Strong => {
                if let Some(item) = self.items.last_mut() {
                    if item.nested_lists == 0 && !item.seen_inline && item.marker.is_none() {
                        item.strong = Some(String::new());
                    }
                    item.seen_inline = true;
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd, range: Range<usize>) {
        match tag {
            TagEnd::BlockQuote(_) => self.quote_depth = self.quote_depth.saturating_sub(1),
            TagEnd::Heading(_) => {
                if let Some((level, text)) = self.heading.take() {
                    let text = collapse(&text);
                    while self.path.last().is_some_and(|(l, _)| *l >= level) {
                        self.path.pop();
                    }
                    self.path.push((level, text.clone()));
                    self.after_heading = Some(text.clone());
                    self.raw.headings.push(Heading { level, text });
                }
            }
            TagEnd::List(_) => {
                if let Some(item) = self.items.last_mut() {
                    item.nested_lists = item.nested_lists.saturating_sub(1);
                }
            }
            TagEnd::Item => {
                if let Some(item) = self.items.pop()
                    && self.quote_depth == 0
                {
                    self.raw.finish_item(item, self.body, &self.path);
                }
            }
            TagEnd::Strong => {
                if let Some(item) = self.items.last_mut()
                    && let Some(label) = item.strong.take()
                {
                    item.field = Some((label, range.end));
                }
            }
            _ => {}
        }
    }

    fn task_marker(&mut self, checked: bool, range: Range<usize>) {
        if let Some(item) = self.items.last_mut()
            && !item.seen_inline
            && item.marker.is_none()
        {
            let at = self.body[range.clone()]
                .find('[')
                .map_or(range.start, |i| range.start + i);
            item.marker = Some((at, checked));
        }
    }

    fn text(&mut self, t: &CowStr<'_>) {
        if let Some((_, h)) = self.heading.as_mut() {
            h.push_str(t);
        } else if let Some(item) = self.own_item() {
            if let Some(label) = item.strong.as_mut() {
                label.push_str(t);
            }
            item.text.push_str(t);
            item.seen_inline = true;
        }
    }
}

/// A code block's language: the info string's first word, lower-cased.
fn code_lang(kind: CodeBlockKind<'_>) -> String {
    match kind {
        CodeBlockKind::Fenced(info) => info
            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase(),
        CodeBlockKind::Indented => String::new(),
    }
}

fn section_of(path: &[(u8, String)]) -> String {
    path.last().map(|(_, t)| t.clone()).unwrap_or_default()
}

/// Trims and folds runs of white space into one space.
fn collapse(text: &str) -> String {
    if text.is_ascii() {
        return collapse_ascii(text);
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`collapse`] for ASCII text, byte by byte: the same white space as `char::is_whitespace`
/// (which, unlike `u8::is_ascii_whitespace`, counts the vertical tab).
fn collapse_ascii(text: &str) -> String {
    let space = |b: u8| matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r');
    // Most texts are already collapsed (single spaces, nothing at either end): one
    // read-only pass, then one copy.
    let mut after_space = true;
    let already = text.as_bytes().iter().all(|&b| {
        let ok = if space(b) {
            b == b' ' && !after_space
        } else {
            true
        };
        after_space = space(b);
        ok
    }) && !after_space;
    if already || text.is_empty() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for &b in text.as_bytes() {
        if space(b) {
            gap = true;
            continue;
        }
        if gap && !out.is_empty() {
            out.push(' ');
        }
        gap = false;
        out.push(b as char);
    }
    out
}

/// The raw fields (section, label, value as written) and item texts of a body, without
/// placeholder handling: how the template itself is read.
pub fn read_template(body: &str) -> RawTemplate {
    let raw = Raw::read(body);
    (
        raw.fields
            .into_iter()
            .map(|(_, s, l, v)| (s, l, v))
            .collect(),
        raw.items.into_iter().map(|i| i.text).collect(),
        raw.code_blocks.into_iter().map(|b| b.text).collect(),
    )
}

/// Fields (section, label, raw value), item texts and code block texts.
pub type RawTemplate = (Vec<(String, String, String)>, Vec<String>, Vec<String>);

#[cfg(test)]
mod tests {
    use super::{collapse, normalize_key};

    /// The rule [`normalize_key`] implements, char by char with no fast path.
    fn by_chars(text: &str) -> String {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .map(|w| w.chars().flat_map(char::to_lowercase).collect())
            .collect();
        words.join(" ")
    }

    #[test]
    fn keys_fold_case_emoji_emphasis_and_spacing() {
        assert_eq!(
            normalize_key("🔧 **Verify**  API key   is valid_and active!"),
            "verify api key is valid and active"
        );
        assert_eq!(normalize_key("Ünïcode ÉTAT, über"), "ünïcode état über");
        assert_eq!(normalize_key("  ---  "), "");
    }

    proptest::proptest! {
        #[test]
        fn collapse_folds_white_space_as_split_whitespace_does(text in "[ -~\t\n\r\u{0B}\u{0C}]{0,40}|\\PC{0,30}|[a \u{A0}\u{2003}\u{0B}\n]{0,20}") {
            let words: Vec<&str> = text.split_whitespace().collect();
            proptest::prop_assert_eq!(collapse(&text), words.join(" "));
        }

        #[test]
        fn the_byte_path_agrees_with_the_char_rule(text in "\\PC{0,40}|[ -~]{0,40}|[a-zA-Z ÄöİſK❤️\u{200B}_.-]{0,40}") {
            proptest::prop_assert_eq!(normalize_key(&text), by_chars(&text));
        }
    }
}
