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
//! The view is for finding only: what gets masked is always the source range. That is
//! why the escapes are undone here, one unit at a time, rather than by `percent-encoding`
//! (src/secrets/conninfo.rs uses it) or an HTML crate: those decode a whole text and keep
//! no map from a decoded byte back to the bytes it came from.

use base64::Engine as _;
use std::ops::Range;
use std::sync::LazyLock;
use unicode_normalization::UnicodeNormalization as _;

/// A decoded text, and where each stretch of it came from.
pub(super) struct View {
    pub bytes: Vec<u8>,
    /// Stretches of the view by where they start, sorted.
    segments: Vec<Segment>,
    /// The view ranges that escapes decoded to (empty for a dropped character).
    changes: Vec<Range<usize>>,
    /// The view this one was decoded from, for escapes of escapes.
    inner: Option<Box<View>>,
}

/// A stretch of a view: copied byte for byte from the source, or decoded from one unit
/// (an escape, an entity, a normalised character), every byte of which maps to the unit.
#[derive(Debug, Clone, Copy)]
struct Segment {
    view: usize,
    source: usize,
    source_end: usize,
    copied: bool,
}

impl View {
    /// The source range of the unit view byte `at` came from.
    fn unit(&self, at: usize) -> Range<usize> {
        let i = self.segments.partition_point(|s| s.view <= at) - 1;
        let s = self.segments[i];
        if s.copied {
            let byte = s.source + (at - s.view);
            byte..byte + 1
        } else {
            s.source..s.source_end
        }
    }

    /// The source range a view range came from.
    pub fn source(&self, r: Range<usize>) -> Range<usize> {
        let r = self.unit(r.start).start..self.unit(r.end - 1).end;
        match &self.inner {
            Some(inner) => inner.source(r),
            None => r,
        }
    }

    /// This view, then the one it was decoded from, if any: a text decoded twice
    /// (`%2573` → `%73` → `s`) is read at both depths, since a value that itself holds an
    /// escape (a password with `%DB` in it, sent as `%25DB`) reads whole only after one.
    pub fn layers(&self) -> impl Iterator<Item = &View> {
        std::iter::successors(Some(self), |v| v.inner.as_deref())
    }

    /// The view ranges a match changed by decoding could lie in: each decoded stretch
    /// widened by `reach` on both sides, merged (the whole view for an escape of an escape).
    pub fn changed(&self, reach: usize) -> Vec<Range<usize>> {
        if self.inner.is_some() {
            let whole = 0..self.bytes.len();
            return Vec::from([whole]);
        }
        let mut out: Vec<Range<usize>> = Vec::new();
        for c in &self.changes {
            let r = c.start.saturating_sub(reach)..(c.end + reach).min(self.bytes.len());
            match out.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => out.push(r),
            }
        }
        out
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
    let (first, again) = decode(text.as_bytes())?;
    if !again {
        return Some(first);
    }
    Some(match decode(&first.bytes) {
        Some((second, _)) => View {
            inner: Some(Box::new(first)),
            ..second
        },
        None => first,
    })
}

/// What one unit at the start of `src` decodes to, and its length; `None` to copy it.
fn unit(src: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    let b = src[0];
    let mut buf = [0u8; 4];
    if b < 0x80 {
        return if b == b'\\' {
            let escaped = src.get(1).filter(|b| b.is_ascii_punctuation())?;
            out.push(*escaped);
            Some(2)
        } else if b == b'%' {
            out.push(hex_pair(src.get(1..3))?);
            Some(3)
        } else if b == b'&' {
            let (c, len) = entity(src)?;
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            Some(len)
        } else {
            // A control character: dropped.
            Some(1)
        };
    }
    let len = utf8_len(b);
    let c = std::str::from_utf8(src.get(..len)?).ok()?.chars().next()?;
    if crate::invisible::is_invisible(c) {
        return Some(len);
    }
    let start = out.len();
    for n in std::iter::once(c).nfkc() {
        out.extend_from_slice(n.encode_utf8(&mut buf).as_bytes());
    }
    if out[start..] == src[..len] {
        out.truncate(start);
        return None;
    }
    Some(len)
}

/// One pass of [`unescaped`]: `None` when it changes nothing; else the view, and whether
/// an escape decoded to another escape's start (`%25`, `&amp;`, `\\`).
fn decode(src: &[u8]) -> Option<(View, bool)> {
    let mut view = View {
        bytes: Vec::new(),
        segments: Vec::new(),
        changes: Vec::new(),
        inner: None,
    };
    let mut again = false;
    let mut out = Vec::new();
    let (mut i, mut copied_from) = (0, 0);
    while i < src.len() {
        match src[i..].iter().position(|&b| is_trigger(b)) {
            Some(p) => i += p,
            None => break,
        }
        out.clear();
        let Some(len) = unit(&src[i..], &mut out) else {
            i += 1;
            continue;
        };
        if view.bytes.is_empty() && view.segments.is_empty() {
            view.bytes.reserve(src.len());
        }
        copy(&mut view, src, copied_from..i);
        let at = view.bytes.len();
        view.segments.push(Segment {
            view: at,
            source: i,
            source_end: i + len,
            copied: false,
        });
        view.bytes.extend_from_slice(&out);
        view.changes.push(at..view.bytes.len());
        again |= out.iter().any(|&b| matches!(b, b'\\' | b'%' | b'&'));
        i += len;
        copied_from = i;
    }
    if view.changes.is_empty() {
        return None;
    }
    copy(&mut view, src, copied_from..src.len());
    Some((view, again))
}

/// Appends `range` of `src` to the view as copied.
fn copy(view: &mut View, src: &[u8], range: Range<usize>) {
    if range.is_empty() {
        return;
    }
    view.segments.push(Segment {
        view: view.bytes.len(),
        source: range.start,
        source_end: range.end,
        copied: true,
    });
    view.bytes.extend_from_slice(&src[range]);
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
        // Base64 of 12 or more bytes mixes both cases; a word, a path or a snake_case
        // name in one case is not worth four decodes.
        let mixed = run.bytes().any(|c| c.is_ascii_uppercase())
            && run.bytes().any(|c| c.is_ascii_lowercase());
        for skip in (0..4).filter(|_| mixed) {
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
