//! The characters that hide text: one list, for the way out ([`crate::outside`]), the
//! views redaction reads held values through ([`crate::secrets`]) and the bot's own
//! markdown ([`crate::bot_markdown`]). A leaf: it imports nothing of the crate.

/// Characters that reorder, hide or join text: bidi overrides and isolates, zero-width
/// marks and joiners, the soft hyphen, word joiners, fillers, variation selectors, the
/// BOM, musical formatting marks, tag characters, and every control character but
/// newline, carriage return and tab. The one list: the way out strips them, redaction's
/// views read through them, and the bot's own markdown drops them.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0000}'..='\u{E0FFF}')
        || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}
