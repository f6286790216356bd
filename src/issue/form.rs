//! The `[API]` template as a GitHub issue form (`.github/ISSUE_TEMPLATE/pendo-api.yml`),
//! and the markdown GitHub makes of a filled-in form.
//!
//! Grammar of a submission, as GitHub writes it: for each element but `markdown`, in form
//! order, `### <label>`, a blank line, then the value: the text typed (an input's single
//! line, a textarea's lines, a dropdown's choice), a fenced block when the textarea has
//! `render: <lang>`, `_No response_` when nothing was given, and for `checkboxes` one
//! `- [X] <option>` or `- [ ] <option>` line per option. The parser reads that shape
//! beside the markdown template's (see `markdown` and `parser`): a heading named like a
//! template field with a paragraph under it is that field, and checkboxes are task items
//! under the heading of their group.

use serde::Deserialize;

/// The project's own form (its copy under `.github/ISSUE_TEMPLATE/`).
pub const FORM: &str = include_str!("../../.github/ISSUE_TEMPLATE/pendo-api.yml");

/// What GitHub writes for a field left empty.
pub const NO_RESPONSE: &str = "_No response_";

/// An issue form, as far as a submission needs it.
#[derive(Debug, Clone, Deserialize)]
pub struct Form {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    labels: Labels,
    pub body: Vec<Element>,
}

/// `labels: [a, b]`, a block list, or `labels: a, b`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Labels {
    List(Vec<String>),
    Text(String),
}

impl Default for Labels {
    fn default() -> Self {
        Labels::List(Vec::new())
    }
}

/// One element of the form's body.
#[derive(Debug, Clone, Deserialize)]
pub struct Element {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub attributes: Attributes,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Attributes {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub render: Option<String>,
    #[serde(default)]
    pub options: Vec<Choice>,
}

/// A dropdown's option (a string) or a checkbox (a map with its label).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Choice {
    Text(String),
    Check { label: String },
}

impl Form {
    /// The form, when `text` is one (YAML with a `body` list); `None` for a markdown
    /// template or anything else.
    pub fn read(text: &str) -> Option<Form> {
        if text.trim_start().starts_with("---\n") && !text.contains("\nbody:") {
            return None;
        }
        serde_saphyr::from_str::<Form>(text)
            .ok()
            .filter(|f| !f.body.is_empty())
    }

    /// The labels the form gives every new issue.
    pub fn labels(&self) -> Vec<String> {
        let all: Vec<&str> = match &self.labels {
            Labels::List(l) => l.iter().map(String::as_str).collect(),
            Labels::Text(t) => t.split(',').collect(),
        };
        all.into_iter()
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// The markdown GitHub files for this form: `value(label)` gives what was typed into
    /// each field (`None`: left empty), `checked(option)` whether a checkbox was ticked.
    pub fn submission(
        &self,
        value: impl Fn(&str) -> Option<String>,
        checked: impl Fn(&str) -> bool,
    ) -> String {
        let mut out = String::new();
        for e in self.body.iter().filter(|e| e.kind != "markdown") {
            let label = e.attributes.label.trim();
            out.push_str(&format!("### {label}\n\n"));
            if e.kind == "checkboxes" {
                for c in &e.attributes.options {
                    let text = match c {
                        Choice::Check { label } | Choice::Text(label) => label,
                    };
                    let mark = if checked(text) { 'X' } else { ' ' };
                    out.push_str(&format!("- [{mark}] {text}\n"));
                }
            } else {
                match value(label).filter(|v| !v.trim().is_empty()) {
                    None => out.push_str(NO_RESPONSE),
                    Some(v) => match e.attributes.render.as_deref() {
                        Some(lang) => out.push_str(&format!("```{lang}\n{}\n```", v.trim_end())),
                        None => out.push_str(v.trim_end()),
                    },
                }
                out.push('\n');
            }
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::issue::normalize_key;
    use crate::issue::{DataType, Environment, TEMPLATE, parse};
    use std::collections::HashSet;

    fn form() -> Form {
        Form::read(FORM).expect("the project's form reads")
    }

    #[test]
    fn the_form_carries_the_templates_title_labels_fields_and_items() {
        let f = form();
        assert_eq!(f.title, crate::issue::title_of(TEMPLATE));
        assert_eq!(f.labels(), crate::issue::template_labels());
        let labels: Vec<&str> = f
            .body
            .iter()
            .filter(|e| e.kind != "markdown")
            .map(|e| e.attributes.label.as_str())
            .collect();
        // GitHub refuses a form whose labels repeat.
        let unique: HashSet<&str> = labels.iter().copied().collect();
        assert_eq!(unique.len(), labels.len(), "{labels:?}");
        let template = parse(TEMPLATE);
        for field in &template.field_list {
            let static_text = ["Metrics to Monitor", "Alert Thresholds"];
            if static_text.contains(&field.section.as_str()) {
                continue; // shown as text in the form, as they are facts, not questions
            }
            assert!(
                labels.contains(&field.label.as_str()),
                "{} is not a field of the form",
                field.label
            );
        }
        let options: Vec<String> = f
            .body
            .iter()
            .filter(|e| e.kind == "checkboxes")
            .flat_map(|e| e.attributes.options.iter())
            .map(|c| match c {
                Choice::Check { label } | Choice::Text(label) => normalize_key(label),
            })
            .collect();
        for item in &template.checklist {
            assert!(
                options.contains(&normalize_key(&item.text)),
                "{} is not a checkbox of the form",
                item.text
            );
        }
        assert_eq!(options.len(), template.checklist.len());
        let kind = |label: &str| {
            let e = f.body.iter().find(|e| e.attributes.label == label).unwrap();
            (e.kind.as_str(), e.attributes.render.clone())
        };
        assert_eq!(kind("Environment").0, "dropdown");
        assert_eq!(kind("Data Type").0, "dropdown");
        assert_eq!(
            kind("Edge Function Analysis").1.as_deref(),
            Some("typescript")
        );
        assert_eq!(kind("Manual API Test").1.as_deref(), Some("bash"));
    }

    #[test]
    fn a_blank_submission_parses_as_the_blank_template() {
        let body = form().submission(|_| None, |_| false);
        assert!(body.starts_with("### API Integration Issue Description\n\n_No response_\n\n"));
        let issue = parse(&body);
        assert!(issue.looks_like_template);
        assert!(
            issue.fields.values().all(Option::is_none),
            "{:?}",
            issue.fields
        );
        assert_eq!(issue.checklist.len(), parse(TEMPLATE).checklist.len());
        assert_eq!(issue.environment, None);
    }

    #[test]
    fn a_filled_submission_gives_the_fields() {
        let body = form().submission(
            |label| match label {
                "Endpoint" => Some("`GET /api/v1/guide`".into()),
                "Method" => Some("GET".into()),
                "Data Type" => Some("Guides".into()),
                "Environment" => Some("Production".into()),
                "Success Rate" => Some("40%".into()),
                "Manual API Test" => {
                    Some("curl -X GET \"https://app.pendo.io/api/v1/guide\"".into())
                }
                _ => None,
            },
            |item| item == "Verify API key is valid and active",
        );
        assert!(
            body.contains("### Manual API Test\n\n```bash\ncurl -X GET"),
            "{body}"
        );
        let issue = parse(&body);
        assert_eq!(issue.environment, Some(Environment::Production));
        assert_eq!(issue.data_type, Some(DataType::Guides));
        assert_eq!(issue.field("Endpoint"), Some("GET /api/v1/guide"));
        assert_eq!(issue.field("Success Rate"), Some("40%"));
        assert_eq!(issue.endpoint.as_deref(), Some("/api/v1/guide"));
        assert!(issue.curl.is_some());
        let ticked: Vec<&str> = issue
            .checklist
            .iter()
            .filter(|i| i.checked)
            .map(|i| i.section.as_str())
            .collect();
        assert_eq!(ticked, vec!["Pendo API Investigation"]);
    }

    #[test]
    fn other_texts_are_not_forms() {
        assert!(Form::read(TEMPLATE).is_none());
        assert!(Form::read("").is_none());
        assert!(Form::read("name: x\nbody: []\n").is_none());
        let f = Form::read("title: '[API] '\nlabels: a, b\nbody:\n  - type: input\n    attributes:\n      label: Endpoint\n").unwrap();
        assert_eq!(f.labels(), vec!["a", "b"]);
        assert_eq!(
            f.submission(|_| None, |_| true),
            "### Endpoint\n\n_No response_\n\n"
        );
    }
}
