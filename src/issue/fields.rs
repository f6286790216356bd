//! What the template's own text is (its field labels, checklist items and example code
//! blocks), and what a field value means against it: the template's placeholders mean
//! "not given". Also the split of an `Endpoint` value into method and path.
//!
//! The placeholders are read from the project's own copy of the template, so the two can
//! not drift apart. A value counts as not given when it is empty, equals the template's
//! value for that label, is a bracketed placeholder such as `[HTTP method]`, or keeps more
//! than one option of a multi-choice placeholder such as `Development/Staging/Production`.

use super::markdown::{normalize_key, read_template};
use super::{HttpMethod, TEMPLATE};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The template's fields: normalised label → the placeholder values it has (a label can
/// appear in several sections), and the normalised texts of its checklist items.
struct Template {
    /// Normalised label → (placeholder as written, its normalised key).
    placeholders: HashMap<String, Vec<(String, String)>>,
    items: HashSet<String>,
    blocks: HashSet<String>,
    /// Normalised label → (section, label) of its first occurrence.
    labels: HashMap<String, (String, String)>,
}

static TEMPLATE_INFO: LazyLock<Template> = LazyLock::new(|| {
    let issue = read_template(TEMPLATE);
    let mut placeholders: HashMap<String, Vec<(String, String)>> = HashMap::new();
    let mut labels: HashMap<String, (String, String)> = HashMap::new();
    for (section, label, raw) in issue.0 {
        labels
            .entry(normalize_key(&label))
            .or_insert_with(|| (section.clone(), label.clone()));
        let value = strip_code(raw.trim()).to_string();
        let key = normalize_key(&value);
        placeholders
            .entry(normalize_key(&label))
            .or_default()
            .push((value, key));
    }
    let items = issue.1.iter().map(|t| normalize_key(t)).collect();
    let blocks = issue.2.iter().map(|t| normalize_key(t)).collect();
    Template {
        placeholders,
        items,
        blocks,
        labels,
    }
});

/// The template field a form heading names (`### Data Type`): its section and label.
pub(crate) fn form_field(heading: &str) -> Option<(String, String)> {
    TEMPLATE_INFO.labels.get(&normalize_key(heading)).cloned()
}

/// True when `label` is one of the template's field labels.
pub(crate) fn is_template_label(label: &str) -> bool {
    TEMPLATE_INFO.labels.contains_key(&normalize_key(label))
}

/// True when `text` is (after normalisation) one of the template's checklist items.
pub(crate) fn is_template_item(text: &str) -> bool {
    TEMPLATE_INFO.items.contains(&normalize_key(text))
}

/// True when a code block is the template's example, unchanged: it reports nothing.
pub(crate) fn is_template_block(text: &str) -> bool {
    // Normalising only shortens text, so a block far longer than every template block
    // cannot be one; this keeps large pasted logs cheap.
    let longest = TEMPLATE_INFO
        .blocks
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0);
    text.len() <= longest * 2 && TEMPLATE_INFO.blocks.contains(&normalize_key(text))
}

/// Values people write for "nothing" that are not the template's placeholder.
const EMPTY: &[&str] = &["", "-", "--", "—", "–", "?", "...", "…", "tbd", "todo"];

/// The value of a field, or `None` when it still holds the placeholder or is empty.
pub(crate) fn normalize_field(label: &str, raw: &str) -> Option<String> {
    let value = strip_code(raw.trim()).trim();
    if EMPTY.contains(&value.to_ascii_lowercase().as_str()) {
        return None;
    }
    let placeholders = TEMPLATE_INFO
        .placeholders
        .get(&normalize_key(label))
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let key = normalize_key(value);
    if key.is_empty() {
        return None;
    }
    for (placeholder, placeholder_key) in placeholders {
        if *placeholder_key == key {
            return None;
        }
        if let Some(choice) = resolve_choice(placeholder, value) {
            return choice;
        }
    }
    // `[Production]`: an answer written inside the template's brackets.
    if let Some(inner) = bracketed(value) {
        return Some(inner.trim().to_string());
    }
    Some(value.to_string())
}

/// For a multi-choice placeholder (`A/B/C`, possibly in brackets): `Some(Some(option))`
/// when exactly one option was kept, `Some(None)` when several were, `None` when the
/// value is not made of the options at all (free text).
fn resolve_choice(placeholder: &str, value: &str) -> Option<Option<String>> {
    let options_text = bracketed(placeholder).unwrap_or(placeholder);
    if options_text.contains(' ') || !options_text.contains('/') {
        return None;
    }
    let options: Vec<&str> = options_text.split('/').collect();
    let value = bracketed(value).unwrap_or(value).trim();
    let kept: Vec<&str> = value
        .split('/')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    let canonical: Vec<&str> = kept
        .iter()
        .filter_map(|k| {
            options
                .iter()
                .find(|o| normalize_key(o) == normalize_key(k))
                .copied()
        })
        .collect();
    if canonical.len() != kept.len() || kept.is_empty() {
        return None;
    }
    match canonical.as_slice() {
        [one] => Some(Some((*one).to_string())),
        _ => Some(None),
    }
}

fn bracketed(value: &str) -> Option<&str> {
    let inner = value.strip_prefix('[')?.strip_suffix(']')?;
    (!inner.contains(['[', ']'])).then_some(inner)
}

fn strip_code(value: &str) -> &str {
    let v = value.trim();
    if v.len() >= 2 && v.starts_with('`') && v.ends_with('`') && !v[1..v.len() - 1].contains('`') {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// Splits an `Endpoint` value such as `GET /api/pendo/guides` into its method (when one
/// method is named) and path or URL (unless it still holds `[endpoint]`).
pub(crate) fn split_endpoint(value: &str) -> (Option<HttpMethod>, Option<String>) {
    let value = strip_code(value.trim());
    let mut words = value.split_whitespace();
    let first = words.next().unwrap_or("");
    let (method, path) = if first.starts_with('/') || first.contains("://") {
        (None, Some(first))
    } else {
        let method = if first.contains('/') {
            None
        } else {
            HttpMethod::from_text(first)
        };
        (method, words.next())
    };
    let path = path
        .map(|p| p.trim_matches(|c: char| c == '`' || c == '"' || c == '\''))
        .filter(|p| !p.is_empty() && !p.contains('[') && (p.starts_with('/') || p.contains("://")))
        .map(str::to_string);
    (method, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_values_are_not_given() {
        assert_eq!(normalize_field("Method", "[HTTP method]"), None);
        assert_eq!(
            normalize_field("Environment", "Development/Staging/Production"),
            None
        );
        assert_eq!(
            normalize_field(
                "Authentication",
                "Integration Key `your-pendo-integration-key`"
            ),
            None
        );
        assert_eq!(
            normalize_field("Endpoint", "`GET/POST/PUT/DELETE /api/pendo/[endpoint]`"),
            None
        );
        assert_eq!(normalize_field("Time Range", ""), None);
        assert_eq!(normalize_field("Time Range", "  "), None);
    }

    #[test]
    fn one_kept_option_resolves() {
        assert_eq!(
            normalize_field("Environment", "Production").as_deref(),
            Some("Production")
        );
        assert_eq!(
            normalize_field("Environment", "production").as_deref(),
            Some("Production")
        );
        assert_eq!(normalize_field("Environment", "Staging/Production"), None);
        assert_eq!(
            normalize_field("Data Type", "Events").as_deref(),
            Some("Events")
        );
        assert_eq!(
            normalize_field("Sync Method", "Incremental").as_deref(),
            Some("Incremental")
        );
        assert_eq!(
            normalize_field("Sync Method", "[Incremental/Full/Real-time]"),
            None
        );
    }

    #[test]
    fn free_text_and_bracketed_answers_are_kept() {
        assert_eq!(
            normalize_field("Environment", "prod (eu-central-1)").as_deref(),
            Some("prod (eu-central-1)")
        );
        assert_eq!(normalize_field("Method", "[GET]").as_deref(), Some("GET"));
        assert_eq!(normalize_field("Method", "GET").as_deref(), Some("GET"));
        assert_eq!(
            normalize_field("Unknown Label", "[GET]").as_deref(),
            Some("GET")
        );
    }

    #[test]
    fn endpoint_split() {
        assert_eq!(
            split_endpoint("`GET /api/pendo/guides`"),
            (Some(HttpMethod::Get), Some("/api/pendo/guides".into()))
        );
        assert_eq!(
            split_endpoint("POST https://app.pendo.io/api/v1/aggregation"),
            (
                Some(HttpMethod::Post),
                Some("https://app.pendo.io/api/v1/aggregation".into())
            )
        );
        assert_eq!(
            split_endpoint("/api/v1/guide"),
            (None, Some("/api/v1/guide".into()))
        );
        assert_eq!(
            split_endpoint("GET/POST /api/pendo/[endpoint]"),
            (None, None)
        );
    }

    #[test]
    fn template_items_are_known() {
        assert!(is_template_item("Verify API key is valid and active"));
        assert!(is_template_item(
            "**Access Confirmed**: Can access Pendo dashboard"
        ));
        assert!(!is_template_item("Something else entirely"));
    }
}
