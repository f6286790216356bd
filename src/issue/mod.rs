//! The `[API]` issue template as a typed model: this file holds the model ([`Issue`], its
//! fields, checklist items, code blocks, headings, environment, data type and method);
//! `markdown` reads a body in one pass, `fields` knows the template's placeholders,
//! `blocks` reads the request, response and curl blocks, `parser` puts them together,
//! `form` and `template` hold the issue form and the markdown template, and `tick` edits
//! checklist marks.
//!
//! People paste the template with CRLF line endings, edited headings, emoji, deleted
//! sections and nested lists. [`parse`] turns whatever arrived into an [`Issue`]: every
//! `- **Field**: value` (with the template's placeholders read as "not given"), every
//! checklist item with the byte offset of its bracket, and every code block, with the
//! reported request, response and manual curl extracted. Nothing inside code blocks,
//! block quotes or HTML comments yields a field or a checklist item. An issue filed from
//! the issue form ([`form`]) reads the same: its `### <label>` headings with the value
//! below are the fields, its checkboxes the checklist items.

mod blocks;
mod fields;
pub mod form;
mod parser;
mod template;
pub mod tick;

pub use blocks::{CurlCommand, ReportedRequest, ReportedResponse};
pub use form::{FORM, Form};
pub use parser::parse;
/// The one-pass markdown reader and the checklist, code block and heading types it yields
/// live in `pendo-text`, built at full speed with the rest of the per-issue text work.
pub(crate) use pendo_text::markdown;
pub use pendo_text::markdown::{ChecklistItem, CodeBlock, Heading, normalize_key};
pub use template::{TEMPLATE, body_of, labels_of, template_labels, title_of};

use serde::Serialize;
use std::collections::BTreeMap;

/// A parsed issue body.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Issue {
    /// Template field label → value; `None` while it holds the placeholder or is empty.
    /// When a label occurs in more than one section, later ones are keyed `Label (Section)`.
    pub fields: BTreeMap<String, Option<String>>,
    /// The same fields in body order, with their section and raw text.
    pub field_list: Vec<Field>,
    /// Every task-list item outside code, quotes and HTML comments.
    pub checklist: Vec<ChecklistItem>,
    /// Every fenced or indented code block, in body order.
    pub code_blocks: Vec<CodeBlock>,
    /// The request the reporter says their code made (the JavaScript `fetch` block).
    pub request: Option<ReportedRequest>,
    /// The response the reporter says they received (the JSON block).
    pub response: Option<ReportedResponse>,
    /// The manual `curl` test.
    pub curl: Option<CurlCommand>,
    /// Normalised environment (`Environment` field).
    pub environment: Option<Environment>,
    /// Normalised data type (`Data Type` field, else inferred from the endpoint).
    pub data_type: Option<DataType>,
    /// Normalised HTTP method (`Method` field, else the endpoint's or the request's).
    pub method: Option<HttpMethod>,
    /// The endpoint path or URL the reporter named (`Endpoint` field, else the request's).
    pub endpoint: Option<String>,
    /// Headings in body order (level, text), for reports and diagnostics.
    pub headings: Vec<Heading>,
    /// True when the body looks like the template at all (some of its fields or items).
    pub looks_like_template: bool,
    /// True when the body is empty or only whitespace: the report says so, rather than
    /// "not the template".
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub empty: bool,
}

impl Issue {
    /// False for a body that is not an `[API]` issue: not the template's structure, and no
    /// endpoint, request, response or curl of its own (another template's bug report).
    pub fn is_api_issue(&self) -> bool {
        self.looks_like_template
            || self.endpoint.is_some()
            || self.request.is_some()
            || self.response.is_some()
            || self.curl.is_some()
    }

    /// The value of a field by its template label (first occurrence), if given.
    pub fn field(&self, label: &str) -> Option<&str> {
        self.fields.get(label).and_then(|v| v.as_deref())
    }
}

/// One `- **Label**: value` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The nearest heading above the field.
    pub section: String,
    pub label: String,
    /// Normalised value; `None` when it is the template's placeholder or empty.
    pub value: Option<String>,
    /// The value exactly as written (trimmed), for evidence.
    pub raw: String,
}

/// Where the failing sync runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum Environment {
    Development,
    Staging,
    Production,
}

impl Environment {
    /// Reads what people write: `prod`, `Production`, `live`, `stage`, `dev`, `local`, …
    pub fn from_text(text: &str) -> Option<Self> {
        let t = text
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase();
        match t.as_str() {
            "production" | "prod" | "live" | "prd" => Some(Self::Production),
            "staging" | "stage" | "stg" | "preview" | "uat" => Some(Self::Staging),
            "development" | "dev" | "local" | "localhost" | "test" => Some(Self::Development),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Development => "Development",
            Self::Staging => "Staging",
            Self::Production => "Production",
        }
    }
}

/// Which Pendo data the issue is about.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
pub enum DataType {
    Guides,
    Features,
    Pages,
    Reports,
    Events,
}

impl DataType {
    pub const ALL: [DataType; 5] = [
        DataType::Guides,
        DataType::Features,
        DataType::Pages,
        DataType::Reports,
        DataType::Events,
    ];

    /// Reads `Guides`, `guide`, `featureEvents`, …
    pub fn from_text(text: &str) -> Option<Self> {
        let t = text
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_lowercase();
        match t.as_str() {
            "guides" | "guide" | "guideevents" => Some(Self::Guides),
            "features" | "feature" | "featureevents" => Some(Self::Features),
            "pages" | "page" | "pageevents" => Some(Self::Pages),
            "reports" | "report" => Some(Self::Reports),
            "events" | "event" | "trackevents" | "track" => Some(Self::Events),
            _ => None,
        }
    }

    /// Infers the data type from an endpoint such as `/api/pendo/guides` or `/api/v1/feature`.
    pub fn from_endpoint(endpoint: &str) -> Option<Self> {
        let path = endpoint.split(['?', '#']).next().unwrap_or("");
        path.split('/')
            .filter(|s| !s.is_empty())
            .rev()
            .find_map(Self::from_text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Guides => "Guides",
            Self::Features => "Features",
            Self::Pages => "Pages",
            Self::Reports => "Reports",
            Self::Events => "Events",
        }
    }
}

/// An HTTP method as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Head,
}

impl HttpMethod {
    pub fn from_text(text: &str) -> Option<Self> {
        let t = text
            .trim()
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_ascii_uppercase();
        match t.as_str() {
            "GET" => Some(Self::Get),
            "POST" => Some(Self::Post),
            "PUT" => Some(Self::Put),
            "PATCH" => Some(Self::Patch),
            "DELETE" => Some(Self::Delete),
            "HEAD" => Some(Self::Head),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
            Self::Head => "HEAD",
        }
    }
}
