//! Ticking checklist items: one of the two edits the bot makes to a person's text (the
//! other is masking secrets, see [`crate::secrets`]).
//!
//! [`apply`] changes exactly one byte per item, the space inside `[ ]`, and nothing else:
//! no re-rendering, no normalising of line endings. [`tick`] ticks the items of a body as
//! read whose text matches; [`untick_items`] undoes it on whatever the body is now.

use super::markdown::normalize_key;
use super::{ChecklistItem, parse};

/// Returns `body` with the mark of each item at `offsets` (byte of the `[`) set to `x`.
/// Offsets that do not point at `[ ]` are ignored, so a stale offset cannot corrupt text.
pub fn apply(body: &str, offsets: &[usize]) -> String {
    let mut bytes = body.as_bytes().to_vec();
    for &at in offsets {
        if bytes.get(at) == Some(&b'[')
            && bytes.get(at + 1) == Some(&b' ')
            && bytes.get(at + 2) == Some(&b']')
        {
            bytes[at + 1] = b'x';
        }
    }
    // Only ASCII bytes were replaced by ASCII, so the text is still UTF-8.
    String::from_utf8(bytes).unwrap_or_else(|_| body.to_string())
}

/// The outcome of ticking by text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TickEdit {
    /// The new body (equal to the input when nothing was ticked).
    pub body: String,
    /// The texts of the items that were ticked now, in body order.
    pub ticked: Vec<String>,
}

/// Ticks the unchecked items of `checklist` (the items of `body`, as read) whose text
/// matches one of `texts` (compared with [`normalize_key`], so emphasis and spacing edits
/// do not matter).
pub fn tick<S: AsRef<str>>(body: &str, checklist: &[ChecklistItem], texts: &[S]) -> TickEdit {
    let wanted: Vec<String> = texts.iter().map(|t| normalize_key(t.as_ref())).collect();
    let hits: Vec<&ChecklistItem> = checklist
        .iter()
        .filter(|i| !i.checked && wanted.contains(&normalize_key(&i.text)))
        .collect();
    let offsets: Vec<usize> = hits.iter().map(|i| i.offset).collect();
    TickEdit {
        body: apply(body, &offsets),
        ticked: hits.iter().map(|i| i.text.clone()).collect(),
    }
}

/// Unticks every checked item of `body` whose text matches one of `texts`: the undo of
/// [`tick`], used when the rest of a run's writes failed. Only `[x]`/`[X]` marks
/// change; nothing else does.
pub fn untick_items<S: AsRef<str>>(body: &str, texts: &[S]) -> String {
    let wanted: Vec<String> = texts.iter().map(|t| normalize_key(t.as_ref())).collect();
    let mut bytes = body.as_bytes().to_vec();
    for item in parse(body).checklist {
        let at = item.mark_offset();
        if item.checked
            && wanted.contains(&normalize_key(&item.text))
            && matches!(bytes.get(at), Some(b'x' | b'X'))
        {
            bytes[at] = b' ';
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tick_items(body: &str, texts: &[&str]) -> TickEdit {
        tick(body, &parse(body).checklist, texts)
    }

    #[test]
    fn ticks_only_the_bracket_byte() {
        let body = "## A\r\n- [ ] one\r\n- [ ] two\r\n";
        let edit = tick_items(body, &["two"]);
        assert_eq!(edit.body, "## A\r\n- [ ] one\r\n- [x] two\r\n");
        assert_eq!(edit.ticked, vec!["two".to_string()]);
    }

    #[test]
    fn untick_undoes_tick() {
        let body = "- [ ] one\r\n- [X] two\n- [ ] three\n";
        let edit = tick_items(body, &["one", "three"]);
        assert_eq!(untick_items(&edit.body, &edit.ticked), body);
        assert_eq!(
            untick_items(body, &["two"]),
            "- [ ] one\r\n- [ ] two\n- [ ] three\n"
        );
    }

    #[test]
    fn ignores_stale_offsets() {
        assert_eq!(apply("- [x] done", &[2]), "- [x] done");
        assert_eq!(apply("abc", &[1, 99]), "abc");
    }

    #[test]
    fn does_not_tick_inside_code() {
        let body = "```\n- [ ] two\n```\n- [ ] two\n";
        let edit = tick_items(body, &["two"]);
        assert_eq!(edit.body, "```\n- [ ] two\n```\n- [x] two\n");
    }
}
