//! The project's own copy of the issue template, compiled in, and the one reader of a
//! template's front matter (`title:`, `labels:`) and body, for this copy or a
//! repository's own.

/// The template users file issues with (the project's copy under `templates/`).
pub const TEMPLATE: &str = include_str!("../../templates/pendo-api-issue.md");

/// The labels the project's template gives every new issue.
pub fn template_labels() -> Vec<&'static str> {
    labels_of(TEMPLATE)
}

/// The labels a template's front matter gives (`labels: a, b` or `labels: [a, b]`).
pub fn labels_of(template: &str) -> Vec<&str> {
    front_matter_value(template, "labels")
        .map(|v| {
            v.trim()
                .trim_matches(['[', ']'])
                .split(',')
                .map(|l| l.trim().trim_matches(['"', '\'']))
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A template's title prefix (`title: "[API] "` → `[API] `).
pub fn title_of(template: &str) -> &str {
    front_matter_value(template, "title")
        .map(|v| v.trim().trim_matches(['"', '\'']))
        .unwrap_or("")
}

/// A template without its front matter: what an issue filed from it holds.
pub fn body_of(template: &str) -> &str {
    let Some(rest) = template.strip_prefix("---") else {
        return template;
    };
    match rest.find("\n---") {
        Some(end) => rest[end + 4..].trim_start_matches(['\r', '\n']),
        None => template,
    }
}

fn front_matter_value<'a>(template: &'a str, key: &str) -> Option<&'a str> {
    let rest = template.strip_prefix("---")?;
    let end = rest.find("\n---")?;
    rest[..end].lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then_some(v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_is_read() {
        assert_eq!(template_labels(), vec!["api", "pendo-api", "needs-triage"]);
        assert_eq!(title_of(TEMPLATE), "[API] ");
        assert!(body_of(TEMPLATE).starts_with("## API Integration Issue Description"));
        let other = "---\ntitle: '[API] x'\nlabels: [a, \"b\"]\n---\nbody\n";
        assert_eq!(labels_of(other), vec!["a", "b"]);
        assert_eq!(body_of(other), "body\n");
        assert_eq!(body_of("no front matter"), "no front matter");
        assert!(labels_of("no front matter").is_empty());
    }
}
