//! A body → [`Issue`]: the one pass of [`super::markdown`] (whose grammar it follows),
//! then the meaning of what it found. Field values lose the template's placeholders
//! (`fields`), an issue form's `### <label>` headings with a value below become fields, a
//! label repeated in another section is keyed `Label (Section)`, the reported request,
//! response and curl are read from the code blocks that are not the template's own
//! examples, and the environment, method, data type and endpoint are derived.

use super::blocks::{find_curl, find_request, find_response};
use super::fields::{
    form_field, is_template_block, is_template_item, is_template_label, normalize_field,
    split_endpoint,
};
use super::markdown::Raw;
use super::{CodeBlock, DataType, Environment, Field, HttpMethod, Issue};

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
        empty: body.trim().is_empty(),
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
    let own: Vec<&Field> = issue
        .field_list
        .iter()
        .filter(|f| is_template_label(&f.label))
        .collect();
    let given_fields = own.iter().filter(|f| f.value.is_some()).count();
    issue.looks_like_template = given_fields + own.len().min(3) >= 3
        || issue
            .checklist
            .iter()
            .filter(|i| is_template_item(&i.text))
            .take(3)
            .count()
            >= 3;
}

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
