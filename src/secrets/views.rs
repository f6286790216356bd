//! The decoded views of a text that held values hide in, mapped back to the text's bytes.
//!
//! A dependency, a markdown escaper or a person can echo a key in a form that a reader
//! turns back into it in seconds: `sb\_secret\_…`, `&#115;&#98;…`, `%73%62…`, `%2573…`,
//! full-width `ｓｂ＿…`, a zero-width space between its halves, hex, or base64 of a longer
//! text holding it. Rather than derive every such form from every value, [`unescaped`]
//! undoes them all in one pass (twice, for escapes of escapes) and keeps, for each byte of
//! the view, the source bytes it came from; [`encoded_runs`] decodes hex and base64 runs,
//! whose match masks the whole run. Each is built only when its trigger is in the text, so
//! plain text costs one scan.
//!
//! The view is for finding only: what gets masked is always the source range.

use base64::Engine as _;
use std::ops::Range;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization as _;

/// A decoded text and, for each of its bytes, the source range it came from.
pub(super) struct View {
    pub bytes: Vec<u8>,
    /// Source start and end of the unit (a byte, an escape, a character) each byte came from.
    units: Vec<(u32, u32)>,
}

impl View {
    /// The source range a view range came from.
    pub fn source(&self, r: Range<usize>) -> Range<usize> {
        let start = self.units[r.start].0 as usize;
        let end = self.units[r.end - 1].1 as usize;
        start..end
    }

    /// `outer`, a view of this view, mapped back to this view's source.
    fn composed(self, outer: View) -> View {
        let units = outer
            .units
            .iter()
            .map(|&(s, e)| (self.units[s as usize].0, self.units[e as usize - 1].1))
            .collect();
        View {
            bytes: outer.bytes,
            units,
        }
    }
}

/// Whether `b` may start something [`unescaped`] decodes.
fn is_trigger(b: u8) -> bool {
    matches!(b, b'\\' | b'%' | b'&')
        || b >= 0x80
        || (b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t'))
        || b == 0x7f
}

/// The text with markdown backslash escapes, HTML entities and percent escapes undone
/// (twice over, for `%2573` and `&amp;#115;`), invisible and control characters dropped
/// and every other character NFKC-normalised; `None` when there is nothing to undo.
pub(super) fn unescaped(text: &str) -> Option<View> {
    let src = text.as_bytes();
    if !src.iter().any(|&b| is_trigger(b)) {
        return None;
    }
    let (first, changed) = decode(src);
    if !changed {
        return None;
    }
    if !first
        .bytes
        .iter()
        .any(|&b| matches!(b, b'\\' | b'%' | b'&'))
    {
        return Some(first);
    }
    let (second, changed) = decode(&first.bytes);
    Some(if changed {
        first.composed(second)
    } else {
        first
    })
}

/// One pass of [`unescaped`], and whether it changed anything.
fn decode(src: &[u8]) -> (View, bool) {
    let mut bytes = Vec::with_capacity(src.len());
    let mut units = Vec::with_capacity(src.len());
    let mut changed = false;
    let mut i = 0;
    let mut buf = [0u8; 4];
    while i < src.len() {
        let b = src[i];
        let unit_start = i as u32;
        let push = |bytes: &mut Vec<u8>, units: &mut Vec<(u32, u32)>, out: &[u8], end: usize| {
            bytes.extend_from_slice(out);
            units.extend(std::iter::repeat_n((unit_start, end as u32), out.len()));
        };
        if b < 0x80 {
            if b == b'\\' && src.get(i + 1).is_some_and(u8::is_ascii_punctuation) {
                push(&mut bytes, &mut units, &src[i + 1..i + 2], i + 2);
                changed = true;
                i += 2;
            } else if b == b'%'
                && let Some(v) = hex_pair(src.get(i + 1..i + 3))
            {
                push(&mut bytes, &mut units, &[v], i + 3);
                changed = true;
                i += 3;
            } else if b == b'&'
                && let Some((c, len)) = entity(&src[i..])
            {
                push(
                    &mut bytes,
                    &mut units,
                    c.encode_utf8(&mut buf).as_bytes(),
                    i + len,
                );
                changed = true;
                i += len;
            } else if is_trigger(b) && b != b'\\' && b != b'%' && b != b'&' {
                changed = true;
                i += 1;
            } else {
                push(&mut bytes, &mut units, &[b], i + 1);
                i += 1;
            }
            continue;
        }
        let len = utf8_len(b);
        let Some(c) = src
            .get(i..i + len)
            .and_then(|s| std::str::from_utf8(s).ok())
            .and_then(|s| s.chars().next())
        else {
            push(&mut bytes, &mut units, &[b], i + 1);
            i += 1;
            continue;
        };
        if is_invisible(c) {
            changed = true;
        } else {
            let start = bytes.len();
            for n in std::iter::once(c).nfkc() {
                bytes.extend_from_slice(n.encode_utf8(&mut buf).as_bytes());
            }
            let out = bytes.len() - start;
            units.extend(std::iter::repeat_n((unit_start, (i + len) as u32), out));
            changed |= bytes[start..] != src[i..i + len];
        }
        i += len;
    }
    (View { bytes, units }, changed)
}

fn utf8_len(lead: u8) -> usize {
    match lead {
        0xf0..=0xf7 => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

fn hex_pair(pair: Option<&[u8]>) -> Option<u8> {
    let pair = pair?;
    let h = |b: u8| (b as char).to_digit(16);
    Some((h(pair[0])? * 16 + h(pair[1])?) as u8)
}

/// Characters that show as nothing: zero-width spaces and joiners, bidi marks and
/// controls, the word joiner and invisible operators, the BOM, the soft hyphen, variation
/// selectors, and tag characters.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
        | '\u{ffa0}' | '\u{fff0}'..='\u{fff8}' | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e0fff}')
        || (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
}

/// The HTML entity at the start of `s` (`&amp;`, `&#115;`, `&#x73;`; the `;` of a numeric
/// one may be missing) and its length.
fn entity(s: &[u8]) -> Option<(char, usize)> {
    const NAMED: [(&[u8], char); 7] = [
        (b"&amp;", '&'),
        (b"&lt;", '<'),
        (b"&gt;", '>'),
        (b"&quot;", '"'),
        (b"&apos;", '\''),
        (b"&nbsp;", ' '),
        (b"&lowbar;", '_'),
    ];
    if let Some((name, c)) = NAMED
        .iter()
        .find(|(n, _)| s.len() >= n.len() && s[..n.len()].eq_ignore_ascii_case(n))
    {
        return Some((*c, name.len()));
    }
    if s.get(1) != Some(&b'#') {
        return None;
    }
    let hex = matches!(s.get(2), Some(b'x' | b'X'));
    let from = if hex { 3 } else { 2 };
    let digits = s[from..]
        .iter()
        .take(8)
        .take_while(|b| {
            if hex {
                b.is_ascii_hexdigit()
            } else {
                b.is_ascii_digit()
            }
        })
        .count();
    if digits == 0 {
        return None;
    }
    let text = std::str::from_utf8(&s[from..from + digits]).ok()?;
    let c = char::from_u32(u32::from_str_radix(text, if hex { 16 } else { 10 }).ok()?)?;
    let end = from + digits;
    Some((
        c,
        if s.get(end) == Some(&b';') {
            end + 1
        } else {
            end
        },
    ))
}

/// Shortest hex or base64 run that is decoded: 8 bytes of hex, 12 of base64.
const MIN_RUN: usize = 16;

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Every run of at least [`MIN_RUN`] hex or base64 characters (a trailing `=` padding
/// included), with what it decodes to: hex as bytes, base64 from each of its four
/// alignments (a run cut at its front still shows what it holds).
pub(super) fn encoded_runs(text: &str) -> Vec<(Range<usize>, Vec<u8>)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !is_base64_byte(b[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_base64_byte(b[i]) {
            i += 1;
        }
        let mut end = i;
        while end < b.len() && end - i < 2 && b[end] == b'=' {
            end += 1;
        }
        let run = &text[start..i];
        if run.len() < MIN_RUN {
            continue;
        }
        hex_runs(text, start..i, &mut out);
        for skip in 0..4 {
            if let Some(bytes) = base64_decode(&run[skip..]) {
                out.push((start..end, bytes));
            }
        }
        i = end;
    }
    out
}

/// The hex runs inside the base64 run `within` (`0x…`, `key:73625f…`), decoded from
/// both alignments.
fn hex_runs(text: &str, within: Range<usize>, out: &mut Vec<(Range<usize>, Vec<u8>)>) {
    let b = text.as_bytes();
    let mut i = within.start;
    while i < within.end {
        let start = i;
        while i < within.end && b[i].is_ascii_hexdigit() {
            i += 1;
        }
        if i - start >= MIN_RUN {
            for skip in 0..2 {
                let run = &b[start + skip..i];
                let bytes = run
                    .chunks_exact(2)
                    .filter_map(|p| hex_pair(Some(p)))
                    .collect();
                out.push((start..i, bytes));
            }
        }
        i += 1;
    }
}

/// Base64 in either alphabet, without padding; trailing bits and a last lone character
/// dropped.
fn base64_decode(run: &str) -> Option<Vec<u8>> {
    static STANDARD: LazyLock<base64::engine::GeneralPurpose> =
        LazyLock::new(|| lenient(&base64::alphabet::STANDARD));
    static URL_SAFE: LazyLock<base64::engine::GeneralPurpose> =
        LazyLock::new(|| lenient(&base64::alphabet::URL_SAFE));
    let url = run.contains(['-', '_']);
    if url && run.contains(['+', '/']) {
        return None;
    }
    let usable = run.len() - run.len() % 4 * usize::from(run.len() % 4 == 1);
    let engine = if url { &URL_SAFE } else { &STANDARD };
    engine.decode(&run[..usable]).ok()
}

fn lenient(alphabet: &base64::alphabet::Alphabet) -> base64::engine::GeneralPurpose {
    base64::engine::GeneralPurpose::new(
        alphabet,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str) -> String {
        String::from_utf8(unescaped(text).expect("a view").bytes).unwrap()
    }

    #[test]
    fn escapes_are_undone_and_mapped_back() {
        assert_eq!(view(r"sb\_secret\_x"), "sb_secret_x");
        assert_eq!(view("&#115;&#x62;&#X5F;&lt;&amp;"), "sb_<&");
        assert_eq!(view("%73%62%5f and %2573"), "sb_ and s");
        assert_eq!(view("ｓｂ＿key\u{200b}half\u{feff}\u{0}"), "sb_keyhalf");
        assert_eq!(view("&amp;#115;"), "s");
        let text = "a ｓ%2562 c";
        let v = unescaped(text).unwrap();
        let at = v.bytes.iter().position(|&b| b == b's').unwrap();
        assert_eq!(&text[v.source(at..at + 2)], "ｓ%2562");
        assert!(unescaped("plain text, nothing to undo").is_none());
        assert!(unescaped("100 % sure & 🎉").is_none());
    }

    #[test]
    fn hex_and_base64_runs_are_decoded_from_every_alignment() {
        let runs = encoded_runs("x 73625f7365637265745f6b6579 y");
        assert!(runs.iter().any(|(_, b)| b == b"sb_secret_key"), "{runs:?}");
        // After `0x`, and one hex digit off.
        let runs = encoded_runs("x 0xa73625f7365637265745f6b6579 y");
        assert!(
            runs.iter()
                .any(|(r, b)| r.start == 4 && b == b"sb_secret_key"),
            "{runs:?}"
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode("prefix sb_secret_key tail");
        let runs = encoded_runs(&format!("token {b64}."));
        assert!(
            runs.iter()
                .any(|(r, b)| r.start == 6 && String::from_utf8_lossy(b).contains("sb_secret_key")),
            "{runs:?}"
        );
        // Cut at its front by two characters: another alignment still decodes it.
        let runs = encoded_runs(&b64[2..]);
        assert!(
            runs.iter()
                .any(|(_, b)| String::from_utf8_lossy(b).contains("secret_k")),
            "{runs:?}"
        );
        assert!(encoded_runs("short words only").is_empty());
    }
}
