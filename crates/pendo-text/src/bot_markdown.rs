//! The bot's own markdown, made harmless where a configured value sits in it.
//!
//! Outside text (what a reporter typed, what a dependency answered) never comes here: it
//! leaves through [`crate::outside`], which normalises, redacts, cuts and escapes it.

/// The bot's own markdown (next steps, notes) on one line, keeping its code spans and
/// emphasis: only mentions and raw HTML are neutralised, in case a value in it came from
/// configuration.
pub fn trusted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        for c in word.chars() {
            match c {
                c if crate::invisible::is_invisible(c) => {}
                '@' => out.push_str("@&#8203;"),
                '<' => out.push_str("&lt;"),
                _ => out.push(c),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_markdown_keeps_code_and_emphasis_but_not_mentions_or_html() {
        assert_eq!(
            trusted("Set `watch.open_after_runs` to **2** @team <b>\u{202E}"),
            "Set `watch.open_after_runs` to **2** @&#8203;team &lt;b>"
        );
    }
}
