//! The one place that diffs the labels the verdict wants against the labels the issue has,
//! and decides the delta the bot may apply.
//!
//! Rules (PRODUCT.md): exactly one severity label; `needs-triage` and `recheck` go once a
//! triage ran; a bot-managed label (severity, area, `needs-info`) is removed only when the
//! bot added it; labels people added are never removed. When a person set a severity label
//! that differs from the bot's, the person wins: theirs stays, the bot adds none and the
//! report says so. Missing repository labels are created with a colour and a description.

use crate::config::Labels;
use crate::outside::{Sink, emit};
use crate::terms::Area;
use std::collections::BTreeSet;

/// What to do with an issue's labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelDelta {
    /// The full label set after the change, in the order then additions.
    pub labels: Vec<String>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
    /// Labels the bot added that are on the issue afterwards (for the state block).
    pub bot_added: Vec<String>,
    /// A line for the report when a person's severity label overrides the bot's (markdown,
    /// already escaped).
    pub note: Option<String>,
}

impl LabelDelta {
    pub fn changes(&self) -> bool {
        !self.add.is_empty() || !self.remove.is_empty()
    }
}

fn has(set: &[String], name: &str) -> bool {
    set.iter().any(|l| l.eq_ignore_ascii_case(name))
}

/// Every label the bot manages (may add, and remove again if it added it).
pub fn managed(labels: &Labels) -> Vec<String> {
    let mut out: Vec<String> = labels.severities().iter().map(|s| s.to_string()).collect();
    out.push(labels.needs_info.clone());
    out.extend(Area::ALL.iter().map(|a| labels.area(a.key()).to_string()));
    out
}

/// Plans the change from `current` to what `wanted` asks, given the labels the bot added
/// on earlier runs.
pub fn plan(
    current: &[String],
    wanted: &BTreeSet<String>,
    bot_added_before: &[String],
    labels: &Labels,
) -> LabelDelta {
    let severities = labels.severities();
    let is_severity = |l: &str| severities.iter().any(|s| s.eq_ignore_ascii_case(l));
    let bot_severity = wanted.iter().find(|l| is_severity(l)).cloned();
    let person_severity = current
        .iter()
        .find(|l| is_severity(l) && !has(bot_added_before, l))
        .cloned();

    let mut wanted: Vec<String> = wanted.iter().cloned().collect();
    let mut note = None;
    if let (Some(person), Some(bot)) = (&person_severity, &bot_severity)
        && !person.eq_ignore_ascii_case(bot)
    {
        wanted.retain(|l| !l.eq_ignore_ascii_case(bot));
        // Markdown for the report: label names are people's text, so they are escaped.
        let (person, bot) = (
            emit(person, 50, Sink::Markdown),
            emit(bot, 50, Sink::Markdown),
        );
        note = Some(format!(
            "The severity label **{person}** was set by a person and is kept; the bot's own assessment is **{bot}**. Remove **{person}** to let the bot set severity."
        ));
    }

    let managed = managed(labels);
    let mut remove = Vec::new();
    for l in current {
        let drop_always =
            l.eq_ignore_ascii_case(&labels.needs_triage) || l.eq_ignore_ascii_case(&labels.recheck);
        let drop_own = has(&managed, l) && !has(&wanted, l) && has(bot_added_before, l);
        if drop_always || drop_own {
            remove.push(l.clone());
        }
    }
    let add: Vec<String> = wanted
        .iter()
        .filter(|w| !has(current, w))
        .cloned()
        .collect();
    let mut result: Vec<String> = current
        .iter()
        .filter(|l| !has(&remove, l))
        .cloned()
        .collect();
    result.extend(add.iter().cloned());
    let mut bot_added: Vec<String> = bot_added_before
        .iter()
        .filter(|l| has(&result, l))
        .cloned()
        .collect();
    bot_added.extend(add.iter().cloned());
    bot_added.sort();
    bot_added.dedup();
    LabelDelta {
        labels: result,
        add,
        remove,
        bot_added,
        note,
    }
}

/// Colour (hex, no `#`) and description for creating a label the repository lacks.
pub fn style(name: &str, labels: &Labels) -> (&'static str, String) {
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    if is(&labels.p0) {
        return (
            "b60205",
            "Production is down or data is broken: act now (set by pendo-triage)".into(),
        );
    }
    if is(&labels.p1) {
        return (
            "d93f0b",
            "Production degraded, or staging broken (set by pendo-triage)".into(),
        );
    }
    if is(&labels.p2) {
        return (
            "fbca04",
            "Low impact or not reproducible now (set by pendo-triage)".into(),
        );
    }
    if is(&labels.needs_info) {
        return (
            "d876e3",
            "Required fields of the [API] template are missing".into(),
        );
    }
    if is(&labels.recheck) {
        return ("0075ca", "Add to run the pendo-triage checks again".into());
    }
    for area in Area::ALL {
        if is(labels.area(area.key())) {
            return (area.colour(), area.description().to_string());
        }
    }
    ("bfd4f2", "Set by pendo-triage".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn first_triage_adds_severity_and_drops_needs_triage() {
        let p = plan(
            &v(&["api", "pendo-api", "needs-triage"]),
            &set(&["severity:P1", "pendo-api", "needs-info"]),
            &[],
            &Labels::default(),
        );
        assert_eq!(p.add, v(&["needs-info", "severity:P1"]));
        assert_eq!(p.remove, v(&["needs-triage"]));
        assert_eq!(
            p.labels,
            v(&["api", "pendo-api", "needs-info", "severity:P1"])
        );
        assert_eq!(p.bot_added, v(&["needs-info", "severity:P1"]));
        assert!(p.note.is_none());
    }

    #[test]
    fn severity_moves_only_when_the_bot_set_it() {
        let l = Labels::default();
        let p = plan(
            &v(&["severity:P1", "recheck"]),
            &set(&["severity:P0"]),
            &v(&["severity:P1"]),
            &l,
        );
        assert_eq!(p.labels, v(&["severity:P0"]));
        assert_eq!(p.bot_added, v(&["severity:P0"]));
        // A person's P2 stays, and the bot says so instead of adding P0.
        let p = plan(
            &v(&["severity:P2"]),
            &set(&["severity:P0", "security"]),
            &[],
            &l,
        );
        assert_eq!(p.labels, v(&["severity:P2", "security"]));
        assert!(
            p.note
                .unwrap()
                .contains("**severity:P2** was set by a person")
        );
    }

    #[test]
    fn people_labels_are_never_removed() {
        let l = Labels::default();
        // `performance` added by a person, not wanted now: stays.
        let p = plan(
            &v(&["performance", "supabase"]),
            &set(&["severity:P2"]),
            &v(&["supabase"]),
            &l,
        );
        assert_eq!(p.remove, v(&["supabase"]));
        assert_eq!(p.labels, v(&["performance", "severity:P2"]));
        // Nothing to do: no change.
        let p = plan(
            &v(&["severity:P2"]),
            &set(&["severity:P2"]),
            &v(&["severity:P2"]),
            &l,
        );
        assert!(!p.changes());
    }

    #[test]
    fn created_labels_have_colour_and_description() {
        let l = Labels::default();
        for name in managed(&l) {
            let (color, desc) = style(&name, &l);
            assert_ne!(color, "ededed");
            assert!(!desc.is_empty() && desc.chars().count() <= 100, "{name}");
        }
    }
}
