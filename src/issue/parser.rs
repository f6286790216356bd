//! Markdown → [`Issue`], with byte offsets.
//!
//! Grammar (what counts, in GitHub-flavoured markdown as GitHub renders it):
//! - A *field* is a list item (no task marker) whose text starts with strong emphasis and a
//!   colon: `- **Label**: value` or `- **Label:** value`. The value is the rest of that line.
//! - A *checklist item* is a list item with a task marker `[ ]`, `[x]` or `[X]`. Its text is
//!   its own inline text (nested items excluded) with emphasis removed; its offset is the
//!   byte of the `[`.
//! - A *section* is the nearest heading above (emoji and variation selectors kept in the
//!   text; matching elsewhere uses [`normalize_key`]).
//! - Nothing inside a code block, a block quote, an HTML block or comment, or a YAML front
//!   matter block yields a field or an item. Code blocks are collected as [`CodeBlock`]s.

use super::blocks::{find_curl, find_request, find_response};
use super::fields::{form_field, is_template_block, normalize_field, split_endpoint};
use super::{ChecklistItem, CodeBlock, DataType, Environment, Field, Heading, HttpMethod, Issue};
use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

/// Parses an issue body. Never panics; any text is a valid (possibly empty) issue.
pub fn parse(body: &str) -> Issue {
    let mut raw = Raw::read(body);
    // An issue form's submission: `### <field label>` with its value below.
    for (at, heading, value) in std::mem::take(&mut raw.heading_values) {
        if let Some((section, label)) = form_field(&heading) {
            let value = if value == super::form::NO_RESPONSE {
                String::new()
            } else {
                value
            };
            raw.fields.push((at, section, label, value));
        }
    }
    raw.fields.sort_by_key(|f| f.0);
    let mut issue = Issue {
        checklist: raw.items,
        code_blocks: raw.code_blocks,
        headings: raw.headings,
        ..Issue::default()
    };
    for (_, section, label, raw_value) in raw.fields {
        let value = normalize_field(&label, &raw_value);
        let key = if issue.fields.contains_key(&label) {
            format!("{label} ({section})")
        } else {
            label.clone()
        };
        // A label repeated in the same section keeps the first value.
        issue.fields.entry(key).or_insert_with(|| value.clone());
        issue.field_list.push(Field {
            section,
            label,
            value,
            raw: raw_value,
        });
    }
    // The template's own example blocks, left unchanged, report nothing.
    let reported: Vec<CodeBlock> = issue
        .code_blocks
        .iter()
        .filter(|b| !is_template_block(&b.text))
        .cloned()
        .collect();
    issue.request = find_request(&reported);
    issue.response = find_response(&reported);
    issue.curl = find_curl(&reported);
    normalize(&mut issue);
    issue
}

/// Lower-case alphanumeric words joined by single spaces: how headings, labels and item
/// texts are compared, so that emoji, emphasis and spacing edits do not matter.
pub fn normalize_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            if c.is_ascii() {
                out.push(c.to_ascii_lowercase());
            } else {
                out.extend(c.to_lowercase());
            }
        } else {
            gap = true;
        }
    }
    out
}

fn normalize(issue: &mut Issue) {
    issue.environment = issue.field("Environment").and_then(Environment::from_text);
    let (endpoint_method, endpoint_path) = issue
        .field("Endpoint")
        .map(split_endpoint)
        .unwrap_or((None, None));
    issue.endpoint = endpoint_path
        .or_else(|| issue.request.as_ref().and_then(|r| r.url.clone()))
        .or_else(|| issue.curl.as_ref().and_then(|c| c.url.clone()));
    issue.method = issue
        .field("Method")
        .and_then(HttpMethod::from_text)
        .or(endpoint_method)
        .or_else(|| issue.request.as_ref().and_then(|r| r.method))
        .or_else(|| {
            // `fetch` without a method is a GET.
            issue
                .request
                .as_ref()
                .filter(|r| r.url.is_some())
                .map(|_| HttpMethod::Get)
        });
    issue.data_type = issue
        .field("Data Type")
        .and_then(DataType::from_text)
        .or_else(|| issue.endpoint.as_deref().and_then(DataType::from_endpoint))
        .or_else(|| {
            issue
                .request
                .as_ref()
                .and_then(|r| r.url.as_deref())
                .and_then(DataType::from_endpoint)
        });
    // Only the [API] template's own labels count: a bug or performance template has
    // `- **Browser**: …` fields of its own, and is not an [API] issue.
    let own: Vec<&super::Field> = issue
        .field_list
        .iter()
        .filter(|f| super::fields::is_template_label(&f.label))
        .collect();
    let given_fields = own.iter().filter(|f| f.value.is_some()).count();
    issue.looks_like_template = given_fields + own.len().min(3) >= 3
        || issue
            .checklist
            .iter()
            .filter(|i| super::fields::is_template_item(&i.text))
            .take(3)
            .count()
            >= 3;
}

/// What one pass over the events collects, before normalisation.
#[derive(Default)]
struct Raw {
    /// (byte offset, section, label, value as written).
    fields: Vec<(usize, String, String, String)>,
    items: Vec<ChecklistItem>,
    code_blocks: Vec<CodeBlock>,
    headings: Vec<Heading>,
    /// (byte offset, heading text, first line of the paragraph right under it): an issue
    /// form's `### <label>` and value.
    heading_values: Vec<(usize, String, String)>,
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

impl Raw {
    fn read(body: &str) -> Raw {
        let mut raw = Raw::default();
        let options = Options::ENABLE_TASKLISTS
            | Options::ENABLE_TABLES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS;
        let mut path: Vec<(u8, String)> = Vec::new();
        let mut heading: Option<(u8, String)> = None;
        let mut items: Vec<OpenItem> = Vec::new();
        let mut code: Option<(String, String)> = None;
        let mut quote_depth = 0usize;
        let mut metadata = false;
        // The heading that just ended, while nothing but its paragraph may follow.
        let mut after_heading: Option<String> = None;

        for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
            if metadata {
                if matches!(event, Event::End(TagEnd::MetadataBlock(_))) {
                    metadata = false;
                }
                continue;
            }
            if let Some((_, text)) = code.as_mut() {
                match event {
                    Event::Text(t) => text.push_str(&t),
                    Event::End(TagEnd::CodeBlock) => {
                        let (lang, text) = code.take().unwrap_or_default();
                        raw.code_blocks.push(CodeBlock {
                            lang,
                            text: text.replace("\r\n", "\n"),
                            section: section_of(&path),
                        });
                    }
                    _ => {}
                }
                continue;
            }
            let heading_above = after_heading.take();
            match event {
                Event::Start(Tag::Paragraph) => {
                    if let Some(h) = heading_above
                        && items.is_empty()
                        && quote_depth == 0
                    {
                        let text = &body[range.clone()];
                        let line = text.split(['\r', '\n']).next().unwrap_or("");
                        raw.heading_values
                            .push((range.start, h, line.trim().to_string()));
                    }
                }
                Event::Start(Tag::MetadataBlock(_)) => metadata = true,
                Event::Start(Tag::CodeBlock(kind)) => {
                    let lang = match kind {
                        CodeBlockKind::Fenced(info) => info
                            .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                            .next()
                            .unwrap_or("")
                            .to_ascii_lowercase(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    code = Some((lang, String::new()));
                }
                Event::Start(Tag::BlockQuote(_)) => quote_depth += 1,
                Event::End(TagEnd::BlockQuote(_)) => quote_depth = quote_depth.saturating_sub(1),
                Event::Start(Tag::Heading { level, .. })
                    if quote_depth == 0 && items.is_empty() =>
                {
                    heading = Some((level as u8, String::new()));
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some((level, text)) = heading.take() {
                        let text = collapse(&text);
                        while path.last().is_some_and(|(l, _)| *l >= level) {
                            path.pop();
                        }
                        path.push((level, text.clone()));
                        after_heading = Some(text.clone());
                        raw.headings.push(Heading { level, text });
                    }
                }
                Event::Start(Tag::List(_)) => {
                    if let Some(item) = items.last_mut() {
                        item.nested_lists += 1;
                    }
                }
                Event::End(TagEnd::List(_)) => {
                    if let Some(item) = items.last_mut() {
                        item.nested_lists = item.nested_lists.saturating_sub(1);
                    }
                }
                Event::Start(Tag::Item) => {
                    if let Some(parent) = items.last_mut() {
                        // Nested lists are not the parent's own text.
                        parent.seen_inline = true;
                    }
                    items.push(OpenItem {
                        marker: None,
                        text: String::new(),
                        nested_lists: 0,
                        strong: None,
                        field: None,
                        seen_inline: false,
                    });
                }
                Event::End(TagEnd::Item) => {
                    if let Some(item) = items.pop()
                        && quote_depth == 0
                    {
                        raw.finish_item(item, body, &path);
                    }
                }
                Event::TaskListMarker(checked) => {
                    if let Some(item) = items.last_mut()
                        && !item.seen_inline
                        && item.marker.is_none()
                    {
                        let at = body[range.clone()]
                            .find('[')
                            .map_or(range.start, |i| range.start + i);
                        item.marker = Some((at, checked));
                    }
                }
                Event::Start(Tag::Strong) => {
                    if let Some(item) = items.last_mut() {
                        if item.nested_lists == 0 && !item.seen_inline && item.marker.is_none() {
                            item.strong = Some(String::new());
                        }
                        item.seen_inline = true;
                    }
                }
                Event::End(TagEnd::Strong) => {
                    if let Some(item) = items.last_mut()
                        && let Some(label) = item.strong.take()
                    {
                        item.field = Some((label, range.end));
                    }
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some((_, h)) = heading.as_mut() {
                        h.push_str(&t);
                    } else if let Some(item) = items.last_mut()
                        && item.nested_lists == 0
                    {
                        if let Some(label) = item.strong.as_mut() {
                            label.push_str(&t);
                        }
                        item.text.push_str(&t);
                        item.seen_inline = true;
                    }
                }
                Event::SoftBreak | Event::HardBreak => {
                    if let Some(item) = items.last_mut()
                        && item.nested_lists == 0
                    {
                        item.text.push(' ');
                    }
                }
                Event::InlineHtml(_) | Event::Html(_) => {
                    if let Some(item) = items.last_mut()
                        && item.nested_lists == 0
                    {
                        item.seen_inline = true;
                    }
                }
                _ => {}
            }
        }
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

fn section_of(path: &[(u8, String)]) -> String {
    path.last().map(|(_, t)| t.clone()).unwrap_or_default()
}

/// Trims and folds runs of white space into one space.
fn collapse(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// The raw fields (section, label, value as written) and item texts of a body, without
/// placeholder handling: how the template itself is read.
pub(crate) fn read_template(body: &str) -> RawTemplate {
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
pub(crate) type RawTemplate = (Vec<(String, String, String)>, Vec<String>, Vec<String>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_fields_items_and_sections_through_crlf_emoji_and_nesting() {
        let body = "## 🚨 Environment Information ⚙️\r\n- **Environment**: prod\r\n- **Data Type:** Events\r\n\r\n### Pendo API Investigation\r\n- [X] Verify API key is valid and active\r\n  - [ ] nested **step** `code`\r\n* [x] Test API endpoint manually\r\n";
        let issue = parse(body);
        assert_eq!(issue.field("Environment"), Some("prod"));
        assert_eq!(issue.environment, Some(Environment::Production));
        assert_eq!(issue.data_type, Some(DataType::Events));
        let texts: Vec<(&str, bool, &str)> = issue
            .checklist
            .iter()
            .map(|i| (i.text.as_str(), i.checked, i.section.as_str()))
            .collect();
        assert_eq!(
            texts,
            vec![
                (
                    "Verify API key is valid and active",
                    true,
                    "Pendo API Investigation"
                ),
                ("nested step code", false, "Pendo API Investigation"),
                (
                    "Test API endpoint manually",
                    true,
                    "Pendo API Investigation"
                ),
            ]
        );
        for item in &issue.checklist {
            assert_eq!(&body[item.offset..item.offset + 1], "[");
        }
        assert_eq!(
            issue.checklist[0].section_path,
            vec!["🚨 Environment Information ⚙️", "Pendo API Investigation"]
        );
    }

    #[test]
    fn code_quotes_and_comments_yield_nothing() {
        let body = "```md\n- **Environment**: Production\n- [ ] in code\n```\n> - [ ] quoted\n> - **Data Type**: Guides\n\n<!--\n- [ ] commented\n\n- **Method**: GET\n-->\n    - [ ] indented code\n";
        let issue = parse(body);
        assert!(issue.checklist.is_empty(), "{:?}", issue.checklist);
        assert!(issue.fields.is_empty(), "{:?}", issue.fields);
        assert_eq!(issue.code_blocks.len(), 2);
        assert_eq!(issue.code_blocks[0].lang, "md");
    }

    #[test]
    fn details_content_is_read() {
        let body = "<details>\n<summary>More</summary>\n\n- [ ] Review cronjob execution logs\n- **Last Run**: 2026-11-27\n\n</details>\n";
        let issue = parse(body);
        assert_eq!(issue.checklist.len(), 1);
        assert_eq!(issue.field("Last Run"), Some("2026-11-27"));
    }

    #[test]
    fn duplicate_labels_are_keyed_by_section() {
        let body = "### Cronjob Status\n- **Success Rate**: 40%\n### Alert Thresholds\n- **Success Rate**: Alert if < 90%\n";
        let issue = parse(body);
        assert_eq!(issue.field("Success Rate"), Some("40%"));
        assert_eq!(
            issue.field("Success Rate (Alert Thresholds)"),
            Some("Alert if < 90%")
        );
    }

    #[test]
    fn front_matter_and_empty_bodies() {
        let issue = parse("---\nname: x\nlabels: a\n---\n- [ ] one\n");
        assert_eq!(issue.checklist.len(), 1);
        let empty = parse("");
        assert!(empty.checklist.is_empty() && empty.fields.is_empty());
        assert!(!empty.looks_like_template);
    }

    #[test]
    fn data_type_is_inferred_from_the_endpoint() {
        let issue = parse("- **Endpoint**: `GET /api/pendo/guides`\n");
        assert_eq!(issue.data_type, Some(DataType::Guides));
        assert_eq!(issue.method, Some(HttpMethod::Get));
        assert_eq!(issue.endpoint.as_deref(), Some("/api/pendo/guides"));
    }
}
