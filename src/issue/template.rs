//! The project's own copy of the issue template, compiled in.

/// The template users file issues with (the project's copy under `templates/`).
pub const TEMPLATE: &str = include_str!("../../templates/pendo-api-issue.md");

/// The labels the template's front matter gives every new issue (`labels: a, b, c`).
pub fn template_labels() -> Vec<&'static str> {
    front_matter_value("labels")
        .map(|v| {
            v.split(',')
                .map(|l| l.trim().trim_matches(['"', '\'']))
                .filter(|l| !l.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The template's title prefix (`title: "[API] "`).
pub fn template_title() -> &'static str {
    front_matter_value("title")
        .map(|v| v.trim().trim_matches(['"', '\'']))
        .unwrap_or("")
}

fn front_matter_value(key: &str) -> Option<&'static str> {
    let rest = TEMPLATE.strip_prefix("---")?;
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
        assert_eq!(template_title(), "[API] ");
    }
}
