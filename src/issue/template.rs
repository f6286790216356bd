//! The project's own copy of the issue template, compiled in.

/// The template users file issues with (the project's copy under `templates/`).
pub const TEMPLATE: &str = include_str!("../../templates/pendo-api-issue.md");
