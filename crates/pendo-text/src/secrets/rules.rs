//! The rules behind [`super::find`]: one scanner per secret shape, the placeholder test
//! they share, and [`scan`], which runs them after the values the bot holds itself
//! (`held`); where two matches overlap, the earlier rule's wins.
//!
//! Written after the way gitleaks (`cmd/generate/config/rules/*.go`) and Nosey Parker
//! (`data/default/rules/*.yml`) write theirs: a literal keyword first (a header or
//! variable name, a URL scheme, `eyJ`), then an assignment in any syntax (`:`, `=`, `:=`,
//! `=>`, quoted or not), then a value of a known alphabet; and an allowlist of the shapes
//! templates and docs use instead of values. Each scanner reads a bounded span after its
//! literal, so the whole scan stays linear in the text length.

use super::SecretKind;
use base64::Engine as _;
use regex::Regex;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::LazyLock;

/// Every secret in `text` by byte range, in order, non-overlapping, with the number of
/// leading bytes its mask keeps.
pub(super) fn scan(text: &str) -> Vec<(Range<usize>, SecretKind, usize)> {
    let mut found = Found::default();
    // The values the bot itself holds first: known exactly, whatever their shape. Runs of
    // one (a part of a key) come last, so a whole key of another shape sharing a run with
    // it (the project's anon JWT beside its service key) is named for what it is.
    let held = super::held::installed_matches(text);
    for h in held.iter().filter(|h| !h.partial) {
        found.add_kept(h.range.clone(), h.kind, h.kept);
    }
    // URL passwords first: they may hold anything, even a name the next rule reads. Then
    // named values, whose whole value is masked whatever it holds, which keeps redaction
    // idempotent. Then the specific shapes, most specific first.
    postgres_urls(text, &mut found);
    named_values(text, &mut found);
    obfuscated_jwts(text, &mut found);
    jwts(text, &mut found);
    base64_jwts(text, &mut found);
    supabase_keys(text, &mut found);
    access_tokens(text, &mut found);
    github_tokens(text, &mut found);
    pendo_keys(text, &mut found);
    for h in held.iter().filter(|h| h.partial) {
        found.add_kept(h.range.clone(), h.kind, h.kept);
    }
    found
        .0
        .into_iter()
        .map(|(start, (end, kind, kept))| {
            let kept = kept.unwrap_or_else(|| kind.kept_prefix(&text[start..end]));
            (start..end, kind, kept)
        })
        .collect()
}

/// Accepted matches by start offset (end, kind, and the mask's kept prefix when it is not
/// the kind's usual one); a later candidate that overlaps one is dropped.
#[derive(Default)]
struct Found(BTreeMap<usize, (usize, SecretKind, Option<usize>)>);

impl Found {
    fn add(&mut self, range: Range<usize>, kind: SecretKind) {
        self.insert(range, kind, None);
    }

    fn add_kept(&mut self, range: Range<usize>, kind: SecretKind, kept: usize) {
        self.insert(range, kind, Some(kept));
    }

    fn insert(&mut self, range: Range<usize>, kind: SecretKind, kept: Option<usize>) {
        if range.is_empty() {
            return;
        }
        let before = self.0.range(..range.end).next_back();
        if before.is_some_and(|(_, (end, _, _))| *end > range.start) {
            return;
        }
        self.0.insert(range.start, (range.end, kind, kept));
    }
}

// ---------------------------------------------------------------------------------------
// Postgres URLs: postgres://user:password@host

/// Longest user name and password a URL rule reads.
const MAX_URL_PART: usize = 256;

static POSTGRES_URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)postgres(?:ql)?(?:\+[a-z0-9]+)?://").expect("valid regex"));

fn postgres_urls(text: &str, found: &mut Found) {
    let bytes = text.as_bytes();
    for m in POSTGRES_URL.find_iter(text) {
        let Some(range) = url_password(bytes, m.end()) else {
            continue;
        };
        let password = &text[range.clone()];
        if !is_placeholder(password) && !is_port_and_path(password) {
            found.add(range, SecretKind::PostgresPassword);
        }
    }
}

/// The password of `user:password@host…` starting at `from`: up to the first `@` that a
/// host follows, so a careless `@` or `/` inside the password stays in it.
fn url_password(bytes: &[u8], from: usize) -> Option<Range<usize>> {
    let is_user_byte = |b: &u8| !b.is_ascii_whitespace() && !b":/@'\"`<>?#".contains(b);
    let user = bytes[from..]
        .iter()
        .take(MAX_URL_PART)
        .take_while(|b| is_user_byte(b))
        .count();
    if bytes.get(from + user) != Some(&b':') {
        return None;
    }
    let start = from + user + 1;
    for (i, &b) in bytes.iter().enumerate().skip(start).take(MAX_URL_PART) {
        match b {
            b'@' if i > start && host_follows(bytes, i + 1) => return Some(start..i),
            b if b.is_ascii_whitespace() || b"'\"`<>".contains(&b) => return None,
            _ => {}
        }
    }
    None
}

/// A host name (or `[v6]`) at `at`, ended by a port, a path, a query or the URL's end.
fn host_follows(bytes: &[u8], at: usize) -> bool {
    if bytes.get(at) == Some(&b'[') {
        return true;
    }
    let host = bytes[at..]
        .iter()
        .take(MAX_URL_PART)
        .take_while(|b| b.is_ascii_alphanumeric() || b"._-%".contains(b))
        .count();
    match bytes.get(at + host) {
        None => host > 0,
        Some(b':') => bytes.get(at + host + 1).is_some_and(u8::is_ascii_digit),
        Some(b'/') => true,
        Some(&b) => host > 0 && (b.is_ascii_whitespace() || b"?#,'\"`)>]".contains(&b)),
    }
}

/// `host:5432/db?user=a@b`: what follows the first colon is a port, not a password.
fn is_port_and_path(password: &str) -> bool {
    let digits = password.bytes().take_while(u8::is_ascii_digit).count();
    (1..=5).contains(&digits) && matches!(password.as_bytes().get(digits), Some(b'/' | b'?'))
}

// ---------------------------------------------------------------------------------------
// Named values: a header or variable name, an assignment, a value.

/// The last word of the names a value is read after, then the start of an assignment (an
/// auth scheme has none): few short literals, so the search skips ahead fast, and prose
/// ("the API key is") does not stop it. The words before `key` tell which kind of key
/// (see [`family`]); [`binder`] reads the assignment in full.
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?:key|passw(?:or)?d|pwd)["'`*]{0,2}[ \t]*[:=,]|bearer|basic"#)
        .expect("valid regex")
});

/// The length of the name word a [`NAME`] match starts with.
fn name_word_len(matched: &[u8]) -> usize {
    let lower = |n: usize| matched[..n.min(matched.len())].to_ascii_lowercase();
    if lower(8) == b"password" {
        8
    } else if lower(6) == b"passwd" || lower(6) == b"bearer" {
        6
    } else if lower(5) == b"basic" {
        5
    } else {
        3
    }
}

/// What a name says about the value after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// `Bearer <token>` (also `Bearer%20…` in a URL).
    Bearer,
    /// `Basic <base64 of user:password>`.
    Basic,
    /// `apikey`, `api_key`, `X-Api-Key`: any token.
    ApiKey,
    /// `X-Pendo-Integration-Key`, `integrationKey`, `pendo_key`: a UUID or any token.
    PendoKey,
    /// A bare `key` (`{"key": …}`, `?key=…`): only a UUID.
    Key,
    /// `password`, `PGPASSWORD`, `Password`, `passwd`, `pwd`.
    Password,
}

/// The family of the name whose last word is `word`: `apikey`, `X-Api-Key` and `api_key`;
/// `X-Pendo-Integration-Key`, `integrationKey`, `PENDO_KEY`; a bare `key`; a password.
fn family(bytes: &[u8], word: Range<usize>) -> Family {
    match bytes[word.clone()].to_ascii_lowercase().as_slice() {
        b"bearer" => return Family::Bearer,
        b"basic" => return Family::Basic,
        b"key" => {}
        _ => return Family::Password,
    }
    let before = &bytes[..word.start];
    let before = before
        .strip_suffix(b"_")
        .or_else(|| before.strip_suffix(b"-"))
        .unwrap_or(before);
    let ends_with = |word: &[u8]| {
        before.len() >= word.len() && before[before.len() - word.len()..].eq_ignore_ascii_case(word)
    };
    if ends_with(b"api") {
        Family::ApiKey
    } else if ends_with(b"integration") || ends_with(b"pendo") {
        Family::PendoKey
    } else {
        Family::Key
    }
}

/// Whether `i` starts a word: after a byte that is not `is_word`, and not right after a
/// mask. What was glued to a secret stays glued once the secret is masked, so redacting
/// twice changes nothing.
fn starts_word(bytes: &[u8], i: usize, is_word: impl Fn(u8) -> bool) -> bool {
    i == 0 || (!is_word(bytes[i - 1]) && !bytes[..i].ends_with(super::MASK.as_bytes()))
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn named_values(text: &str, found: &mut Found) {
    let bytes = text.as_bytes();
    let mut pos = 0;
    while let Some(m) = NAME.find_at(text, pos) {
        let (start, end) = (m.start(), m.start() + name_word_len(m.as_str().as_bytes()));
        let family = family(bytes, start..end);
        // A scheme, `key` and `pwd` are whole words; a longer name may end a longer one
        // (`SUPABASE_DB_PASSWORD`, `VITE_PENDO_INTEGRATION_KEY`). None may go on.
        let whole_word = match family {
            Family::Key => starts_word(bytes, start, |b| is_word_byte(b) || b == b'-'),
            Family::Bearer | Family::Basic => starts_word(bytes, start, is_word_byte),
            Family::Password if end - start == 3 => {
                starts_word(bytes, start, |b| b.is_ascii_alphanumeric())
            }
            _ => true,
        };
        let goes_on = bytes.get(end).is_some_and(|&b| is_word_byte(b));
        let consumed = if whole_word && !goes_on {
            match family {
                Family::Bearer => bearer_value(text, end, found),
                Family::Basic => basic_value(text, end, found),
                Family::ApiKey | Family::PendoKey | Family::Key => {
                    key_value(text, end, family, found)
                }
                Family::Password => password_value(text, end, found),
            }
        } else {
            None
        };
        pos = consumed.unwrap_or(0).max(end);
    }
}

/// The assignment after a name: `":`, `=`, `:=`, `=>`, `',` …, across at most one line
/// break (prettier, or a shell `\` continuation), up to the value.
struct Binder {
    /// Where the value starts (after its opening quote).
    value: usize,
    quote: Option<u8>,
    /// `:` (YAML, JSON, headers) or `=` (env, libpq, .NET, kwargs) or `,` (call args).
    op: u8,
    crossed_line: bool,
}

fn binder(bytes: &[u8], at: usize) -> Option<Binder> {
    let mut i = at;
    let mut name_quoted = false;
    // The name's closing quote, or markdown bold (`**Password**:`).
    for _ in 0..2 {
        match bytes.get(i) {
            Some(b'"' | b'\'' | b'`') => name_quoted = true,
            Some(b'*') => {}
            _ => break,
        }
        i += 1;
    }
    i = skip_blanks(bytes, i);
    let (op, len) = match (bytes.get(i), bytes.get(i + 1)) {
        (Some(b':'), Some(b'=')) | (Some(b'='), Some(b'>')) => (b'=', 2),
        (Some(b'='), Some(b'=')) | (Some(b':'), Some(b':')) => return None,
        (Some(b'='), _) => (b'=', 1),
        (Some(b':'), _) => (b':', 1),
        (Some(b','), _) if name_quoted => (b',', 1),
        _ => return None,
    };
    i = skip_blanks(bytes, i + len);
    while bytes.get(i) == Some(&b'*') && i < at + 8 {
        i += 1;
    }
    let continuation = usize::from(bytes.get(i) == Some(&b'\\'));
    let crossed_line = match line_break(bytes, i + continuation) {
        Some(next) => {
            i = skip_blanks(bytes, next);
            true
        }
        None => false,
    };
    let quote = match bytes.get(i) {
        Some(&q @ (b'"' | b'\'' | b'`')) => {
            i += 1;
            Some(q)
        }
        _ => None,
    };
    Some(Binder {
        value: i,
        quote,
        op,
        crossed_line,
    })
}

fn skip_blanks(bytes: &[u8], mut i: usize) -> usize {
    let from = i;
    while i - from < 64 && matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

/// Just past a `\n` or `\r\n` at `i`.
fn line_break(bytes: &[u8], i: usize) -> Option<usize> {
    match (bytes.get(i), bytes.get(i + 1)) {
        (Some(b'\n'), _) => Some(i + 1),
        (Some(b'\r'), Some(b'\n')) => Some(i + 2),
        _ => None,
    }
}

/// Bytes of a header token (RFC 7235 token68, plus the dots of a JWT).
fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"._~+/=-".contains(&b)
}

fn token_end(bytes: &[u8], from: usize) -> usize {
    from + bytes[from..]
        .iter()
        .take_while(|b| is_token_byte(**b))
        .count()
}

/// Header tokens shorter than this are words, not keys ("Bearer token authentication").
const MIN_TOKEN: usize = 16;
/// A rejected value at least this long is not read again from a name inside it.
const MAX_REREAD: usize = 256;

/// `Bearer <token>`, `Bearer%20<token>`, `Bearer+<token>`.
fn bearer_value(text: &str, at: usize, found: &mut Found) -> Option<usize> {
    let start = scheme_gap(text.as_bytes(), at)?;
    token_value(text, start, SecretKind::BearerToken, found)
}

/// The blanks (or their URL encoding) between an auth scheme and its value.
fn scheme_gap(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes[at..].starts_with(b"%20") {
        return Some(at + 3);
    }
    if bytes.get(at) == Some(&b'+') {
        return Some(at + 1);
    }
    let start = skip_blanks(bytes, at);
    (start > at).then_some(start)
}

/// A token value at `start`: masked whole when long and not a placeholder or a name. Its
/// kind is the specific shape it has, if any; a JWT folded across lines is followed.
/// Returns how far it read.
fn token_value(
    text: &str,
    start: usize,
    otherwise: SecretKind,
    found: &mut Found,
) -> Option<usize> {
    let end = token_end(text.as_bytes(), start);
    let value = &text[start..end];
    if value.len() < MIN_TOKEN || is_placeholder(value) || looks_like_a_name(value) {
        // Names inside a rejected token are read again, unless it is so long that reading
        // it from each of them would not be linear.
        return (value.len() >= MAX_REREAD).then_some(end);
    }
    let jwt = if value.starts_with("eyJ") {
        jwt_at(text, start, true)
    } else if value.starts_with("ZXlK") {
        base64_jwt_at(text, start)
    } else {
        None
    };
    let (end, kind) = match jwt {
        Some((jwt_end, kind)) => (jwt_end.max(end), kind),
        None => (end, classify(value).unwrap_or(otherwise)),
    };
    found.add(start..end, kind);
    Some(end)
}

/// The kind of a token that is, as a whole, one of the specific shapes.
fn classify(value: &str) -> Option<SecretKind> {
    let whole = |re: &Regex| {
        re.find(value)
            .is_some_and(|m| m.range() == (0..value.len()))
    };
    if whole(&SUPABASE_KEY) {
        Some(supabase_kind(value))
    } else if whole(&GITHUB_TOKEN) {
        Some(SecretKind::GithubToken)
    } else if uuid_key_at(value.as_bytes(), 0) == Some(value.len()) {
        Some(SecretKind::PendoIntegrationKey)
    } else {
        None
    }
}

/// `Basic <base64>`: a secret when it decodes to `user:password` with a real password.
fn basic_value(text: &str, at: usize, found: &mut Found) -> Option<usize> {
    let bytes = text.as_bytes();
    let start = scheme_gap(bytes, at)?;
    let end = start
        + bytes[start..]
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || b"+/=".contains(b))
            .count();
    // `Basic eyJ…` is a JWT (found as one), not base64 of `user:password`.
    if end - start < 8 || token_end(bytes, start) != end {
        return None;
    }
    let decoded = decode_base64(&text[start..end])?;
    let (user, password) = std::str::from_utf8(&decoded).ok()?.split_once(':')?;
    if user.starts_with('{') || password.is_empty() || is_placeholder(password) {
        return None;
    }
    found.add(start..end, SecretKind::BasicAuth);
    Some(end)
}

/// The value of a key name: a Pendo key (a UUID) or, after a longer name, any token.
fn key_value(text: &str, at: usize, family: Family, found: &mut Found) -> Option<usize> {
    let bytes = text.as_bytes();
    let binder = binder(bytes, at)?;
    let start = binder.value;
    if let Some(end) = uuid_key_at(bytes, start) {
        if !is_placeholder_uuid(&text[start..start + 36]) {
            found.add(start..end, SecretKind::PendoIntegrationKey);
        }
        return Some(end);
    }
    match family {
        Family::Key => None,
        Family::PendoKey => token_value(text, start, SecretKind::PendoIntegrationKey, found),
        _ => token_value(text, start, SecretKind::BearerToken, found),
    }
}

/// Longest password a named value reads.
const MAX_PASSWORD: usize = 256;

/// The value of a password name: quoted (anything up to the closing quote on that line) or
/// bare (up to a separator of the syntaxes it appears in: blank, `;`, `&`, `,`, a quote).
fn password_value(text: &str, at: usize, found: &mut Found) -> Option<usize> {
    let bytes = text.as_bytes();
    let binder = binder(bytes, at)?;
    let start = binder.value;
    let window = &bytes[start..bytes.len().min(start + MAX_PASSWORD)];
    let (end, consumed, ends_line) = match binder.quote {
        Some(q) => {
            let len = closing_quote(window, q)?;
            (start + len, start + len + 1, true)
        }
        // A bare value on the next line is the next key, not this one's value.
        None if binder.crossed_line => return None,
        None => {
            let len = window
                .iter()
                .take_while(|b| !b.is_ascii_whitespace() && !b"\"'`;&,)]}>".contains(b))
                .count();
            if len == window.len() && start + len < bytes.len() {
                return None;
            }
            let rest = skip_blanks(bytes, start + len);
            let ends_line = matches!(bytes.get(rest), None | Some(b'\n' | b'\r' | b'#'));
            (start + len, start + len, ends_line)
        }
    };
    let value = &text[start..end];
    // A rejected value is at most `MAX_PASSWORD` long: names inside it are read again.
    is_password(value, binder.quote.is_some(), binder.op, ends_line).then(|| {
        found.add(start..end, SecretKind::PostgresPassword);
        consumed
    })
}

/// Where `quote` closes in `window` (a backslash escapes it), on the same line.
fn closing_quote(window: &[u8], quote: u8) -> Option<usize> {
    let mut escaped = false;
    for (i, &b) in window.iter().enumerate() {
        match b {
            b'\n' | b'\r' => return None,
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            _ if b == quote => return Some(i),
            _ => {}
        }
    }
    None
}

/// A password value, not a placeholder, a type, a variable or prose. A bare value after a
/// colon (YAML, or a sentence: "password: rotated yesterday") must end the line and look
/// generated: a digit or a symbol in it, or a long mixed-case word.
fn is_password(value: &str, quoted: bool, op: u8, ends_line: bool) -> bool {
    if value.chars().count() < 4 || is_placeholder(value) {
        return false;
    }
    if quoted {
        return true;
    }
    if looks_like_code(value) {
        return false;
    }
    let has = |f: fn(&u8) -> bool| value.as_bytes().iter().any(f);
    let generated = !value.bytes().all(|b| b.is_ascii_alphabetic())
        || (value.len() >= 12 && has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase));
    op != b':' || (ends_line && generated)
}

/// `os.environ[…]`, `getPassword()`, `$PASS`, `@Value`, `self.password`, `DB_PASSWORD`,
/// `dbPassword`: code that reads a password, not the password.
fn looks_like_code(value: &str) -> bool {
    if value.contains(['(', '[', '{']) || value.starts_with(['$', '%', '@', '&', '*', ':']) {
        return true;
    }
    let identifier = value
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'.');
    let inner_capital = value
        .as_bytes()
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
    let all_upper = !value.bytes().any(|b| b.is_ascii_lowercase());
    identifier && (value.contains(['_', '.']) || inner_capital || all_upper)
}

// ---------------------------------------------------------------------------------------
// JWTs, also folded across lines, also base64-encoded once more.

/// Longest header, payload and signature read once a JWT folds (a JWT on one line is
/// read whole): keeps the scan linear when every line starts with `eyJ`.
const MAX_FOLDED_SEGMENT: [usize; 3] = [512, 4096, 1024];
/// Longest base64 text read once it folds.
const MAX_FOLDED_BASE64: usize = 8192;

fn is_base64url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

fn is_base64_byte(b: u8) -> bool {
    is_base64url_byte(b) || b == b'+' || b == b'/'
}

/// Where a token folded at `at` (by an email client, `base64`, a narrow text box) may go
/// on: `at` ends a line (a trailing blank allowed, as format=flowed mail leaves), and the
/// next line, after its indentation, starts with a byte the token `goes_on` with. Whether
/// it does go on is for the caller to prove: the pieces must decode to what it reads.
fn fold_at(bytes: &[u8], at: usize, goes_on: impl Fn(u8) -> bool) -> Option<usize> {
    let mut i = at;
    if matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let next = line_break(bytes, i)?;
    let next = skip_blanks(bytes, next);
    bytes.get(next).is_some_and(|&b| goes_on(b)).then_some(next)
}

/// A JWT's first bytes (`{"` in base64url) and the same once more base64-encoded: found
/// with memchr's vectorised search, which is built at full speed whatever this crate's
/// optimisation level (the release profile builds pendo-triage for size).
static EYJ: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("eyJ"));
static ZXLK: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("ZXlK"));

/// The first `finder` match at or after `from`.
fn find_from(finder: &memchr::memmem::Finder<'_>, bytes: &[u8], from: usize) -> Option<usize> {
    finder.find(bytes.get(from..)?).map(|i| from + i)
}

fn jwts(text: &str, found: &mut Found) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = find_from(&EYJ, bytes, from) {
        let word_start = starts_word(bytes, i, |b| is_base64url_byte(b) || b == b'.');
        match word_start.then(|| jwt_at(text, i, true)).flatten() {
            Some((end, kind)) => {
                found.add(i..end, kind);
                from = end;
            }
            None => from = i + 3,
        }
    }
}

/// Longest JWT read when it is broken up (see [`obfuscated_jwts`]).
const MAX_BROKEN_JWT: usize = 8192;

/// JWTs broken up so that the plain rule stops early: dots with blanks or line breaks
/// around them (`eyJ… . eyJ… . sig`, or a fold right after a dot) and invisible
/// characters (U+200B…U+200D, U+2060, U+FEFF and the like) anywhere inside. Believed only
/// when the joined pieces decode to a JWT header and payload; the mask covers every piece
/// and what lies between them.
fn obfuscated_jwts(text: &str, found: &mut Found) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = find_from(&EYJ, bytes, from) {
        let word_start = starts_word(bytes, i, |b| is_base64url_byte(b) || b == b'.');
        match word_start.then(|| broken_jwt_at(text, i)).flatten() {
            Some((end, kind)) => {
                found.add(i..end, kind);
                from = end;
            }
            None => from = i + 3,
        }
    }
}

/// The invisible character at `i`, as its length in bytes.
fn invisible_at(text: &str, i: usize) -> Option<usize> {
    let c = text.get(i..)?.chars().next()?;
    (c as u32 >= 0x80 && crate::invisible::is_invisible(c)).then(|| c.len_utf8())
}

/// The broken-up JWT starting at `start`: its end and kind, when it was broken at all.
fn broken_jwt_at(text: &str, start: usize) -> Option<(usize, SecretKind)> {
    let bytes = text.as_bytes();
    let mut joined = String::new();
    // For each byte of `joined`, where the text ends after it.
    let mut ends: Vec<usize> = Vec::new();
    let (mut i, mut dots, mut segment, mut broken) = (start, 0, 0, false);
    while i < bytes.len() && i - start < MAX_BROKEN_JWT {
        let b = bytes[i];
        if is_base64url_byte(b) || (b == b'.' && dots < 2 && segment > 0) {
            if b == b'.' {
                dots += 1;
                segment = 0;
            } else {
                segment += 1;
            }
            joined.push(b as char);
            i += 1;
            ends.push(i);
            continue;
        }
        if let Some(len) = invisible_at(text, i) {
            i += len;
            broken = true;
            continue;
        }
        let blanks = bytes[i..]
            .iter()
            .take(8)
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        let next = bytes.get(i + blanks).copied();
        let after_dot = joined.ends_with('.') && next.is_some_and(is_base64url_byte);
        let before_dot = next == Some(b'.') && dots < 2 && segment > 0;
        if blanks > 0 && (after_dot || before_dot) {
            i += blanks;
            broken = true;
            continue;
        }
        break;
    }
    if !broken || dots < 2 {
        return None;
    }
    // A signature that ran into the next word: cut to the longest length `alg` makes.
    let header = joined.split('.').next().unwrap_or_default();
    if let Some(lengths) = signature_lengths(header)
        && !lengths.contains(&segment)
        && let Some(&len) = lengths.iter().filter(|&&l| l < segment).max()
    {
        joined.truncate(joined.len() - (segment - len));
    }
    let kind = jwt_kind_checked(&joined, true)?;
    Some((ends[joined.len() - 1], kind))
}

/// The JWT starting at `start` (`eyJ…`), its end and kind. With `fold`, it may go on over
/// folded lines; a fold is then believed only if the pieces decode to a JWT header and
/// payload and the signature has a length the header's `alg` makes.
fn jwt_at(text: &str, start: usize, fold: bool) -> Option<(usize, SecretKind)> {
    if !text.as_bytes()[start..].starts_with(b"eyJ") {
        return None;
    }
    let JwtScan {
        mut end,
        joined,
        segment,
        signature,
        first_fold,
        signature_fold,
    } = scan_jwt(text, start, fold);
    let Some(mut joined) = joined else {
        return jwt_kind_checked(&text[start..end], false).map(|kind| (end, kind));
    };
    // A signature folded to a length no algorithm makes took a word of the next line.
    if let (Some((e, len)), Some(lengths)) = (signature_fold, signature)
        && !lengths.contains(&segment)
    {
        end = e;
        joined.truncate(len);
    }
    let folded = first_fold.filter(|(e, _)| end > *e);
    if folded.is_some()
        && let Some(kind) = jwt_kind_checked(&joined, true)
    {
        return Some((end, kind));
    }
    // Not a folded JWT: what stood on the first line alone.
    let (end, joined) = match folded {
        Some((e, len)) => (e, &joined[..len]),
        None => (end, &joined[..]),
    };
    jwt_kind_checked(joined, false).map(|kind| (end, kind))
}

/// What [`scan_jwt`] read of a JWT's bytes, before any fold is believed.
struct JwtScan {
    /// Where the read stopped.
    end: usize,
    /// The JWT without its line breaks, when it folded.
    joined: Option<String>,
    /// The length of the last segment read.
    segment: usize,
    /// The signature lengths the header's `alg` makes, when the header names one.
    signature: Option<&'static [usize]>,
    /// (end, joined length) before the first fold, and before the first fold of the
    /// signature.
    first_fold: Option<(usize, usize)>,
    signature_fold: Option<(usize, usize)>,
}

/// Reads the base64url segments of the JWT at `start` (and with `fold`, over folded lines
/// where the segment may go on), noting where each fold began.
fn scan_jwt(text: &str, start: usize, fold: bool) -> JwtScan {
    let bytes = text.as_bytes();
    // The JWT without its line breaks, copied only once it folds.
    let mut joined: Option<String> = None;
    let (mut i, mut end) = (start, start);
    let (mut dots, mut segment) = (0, 0);
    let mut signature: Option<&'static [usize]> = None;
    let mut first_fold: Option<(usize, usize)> = None;
    let mut signature_fold: Option<(usize, usize)> = None;
    loop {
        match bytes.get(i) {
            Some(&b) if is_base64url_byte(b) => {
                if first_fold.is_some() && segment >= MAX_FOLDED_SEGMENT[dots] {
                    break;
                }
                if let Some(joined) = joined.as_mut() {
                    joined.push(b as char);
                }
                segment += 1;
                i += 1;
                end = i;
            }
            Some(b'.') if dots < 2 && segment > 0 => {
                if dots == 0 {
                    signature = signature_lengths(joined.as_deref().unwrap_or(&text[start..end]));
                }
                if let Some(joined) = joined.as_mut() {
                    joined.push('.');
                }
                dots += 1;
                segment = 0;
                i += 1;
                end = i;
            }
            _ => {
                let may_fold = fold
                    && match dots {
                        2 => signature.is_some_and(|l| expects_more(l, segment)),
                        _ => true,
                    };
                let Some(next) = may_fold
                    .then(|| fold_at(bytes, i, |b| is_base64url_byte(b) || b == b'.'))
                    .flatten()
                else {
                    break;
                };
                let joined = joined.get_or_insert_with(|| text[start..end].to_string());
                first_fold.get_or_insert((end, joined.len()));
                if dots == 2 {
                    signature_fold.get_or_insert((end, joined.len()));
                }
                i = next;
            }
        }
    }
    JwtScan {
        end,
        joined,
        segment,
        signature,
        first_fold,
        signature_fold,
    }
}

/// The kind of `header.payload.signature`, if it has that shape; `strict` also wants the
/// header and payload to decode to JSON objects.
fn jwt_kind_checked(jwt: &str, strict: bool) -> Option<SecretKind> {
    let mut parts = jwt.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    let shaped = header.len() >= 7
        && payload.len() >= 7
        && payload.starts_with("eyJ")
        && signature.len() >= 16
        && parts.next().is_none();
    let decodes = |part: &str| {
        decode_base64(part)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|v| v.is_object())
    };
    (shaped && (!strict || (decodes(header) && decodes(payload)))).then(|| jwt_kind(jwt))
}

/// The signature lengths (base64url characters) the header's `alg` makes.
fn signature_lengths(header: &str) -> Option<&'static [usize]> {
    let json = decode_base64(header)?;
    let header: serde_json::Value = serde_json::from_slice(&json).ok()?;
    Some(match header.get("alg")?.as_str()? {
        "HS256" => &[43],
        "HS384" => &[64],
        "HS512" | "ES256" | "ES256K" | "EdDSA" => &[86],
        "ES384" => &[128],
        "ES512" => &[176],
        // RSA keys of 2048, 3072 and 4096 bits.
        a if a.starts_with("RS") || a.starts_with("PS") => &[342, 512, 683],
        _ => return None,
    })
}

fn expects_more(lengths: &[usize], len: usize) -> bool {
    !lengths.contains(&len) && lengths.iter().any(|&l| l > len)
}

/// Reads the payload's `role`: Supabase keys carry `anon` or `service_role`.
pub(super) fn jwt_kind(jwt: &str) -> SecretKind {
    let role = jwt
        .split('.')
        .nth(1)
        .and_then(decode_base64)
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|v| v.get("role").and_then(|r| r.as_str()).map(str::to_owned));
    match role.as_deref() {
        Some("service_role") => SecretKind::SupabaseServiceRole,
        Some("anon") => SecretKind::SupabaseAnon,
        _ => SecretKind::Jwt,
    }
}

/// Base64 in either alphabet, padded or not; `None` when it is not base64.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    static STANDARD: LazyLock<base64::engine::GeneralPurpose> =
        LazyLock::new(|| lenient_engine(&base64::alphabet::STANDARD));
    static URL_SAFE: LazyLock<base64::engine::GeneralPurpose> =
        LazyLock::new(|| lenient_engine(&base64::alphabet::URL_SAFE));
    let engine = if text.contains(['-', '_']) {
        &URL_SAFE
    } else {
        &STANDARD
    };
    engine.decode(text).ok()
}

fn lenient_engine(alphabet: &base64::alphabet::Alphabet) -> base64::engine::GeneralPurpose {
    let config = base64::engine::GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent);
    base64::engine::GeneralPurpose::new(alphabet, config)
}

/// How much of `text` uses one base64 alphabet: up to the first `-` or `_` after a `+` or
/// `/`, or the other way round.
fn one_alphabet_len(text: &str) -> usize {
    let standard = text.find(['+', '/']);
    let url_safe = text.find(['-', '_']);
    match (standard, url_safe) {
        (Some(a), Some(b)) => a.max(b),
        _ => text.len(),
    }
}

fn base64_jwts(text: &str, found: &mut Found) {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(i) = find_from(&ZXLK, bytes, from) {
        match starts_word(bytes, i, is_base64_byte)
            .then(|| base64_jwt_at(text, i))
            .flatten()
        {
            Some((end, kind)) => {
                found.add(i..end, kind);
                from = end;
            }
            None => from = i + 4,
        }
    }
}

/// A JWT that was base64-encoded again (`ZXlK…` is `eyJ…`), maybe folded by `base64`'s
/// 76 columns: its end and kind.
fn base64_jwt_at(text: &str, start: usize) -> Option<(usize, SecretKind)> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let (mut piece, mut i, mut read) = (start, start, 0);
    let mut decoded = EncodedJwt::default();
    loop {
        match bytes.get(i) {
            Some(&b) if is_base64_byte(b) => {
                decoded.push(b);
                i += 1;
            }
            Some(b'=') => {
                i += 1;
                if bytes.get(i) == Some(&b'=') {
                    i += 1;
                }
                break;
            }
            _ => {
                let total = read + (i - piece);
                let may_fold = decoded.may_go_on()
                    && total < MAX_FOLDED_BASE64
                    && full_line(&pieces, i - piece);
                match may_fold
                    .then(|| fold_at(bytes, i, is_base64_byte))
                    .flatten()
                {
                    Some(next) => {
                        pieces.push(piece..i);
                        read = total;
                        (piece, i) = (next, next);
                    }
                    None => break,
                }
            }
        }
    }
    pieces.push(piece..i);
    decoded_jwt(text, &pieces).or_else(|| {
        (pieces.len() > 1)
            .then(|| decoded_jwt(text, &pieces[..1]))
            .flatten()
    })
}

/// Longest line a tool folds base64 at (`base64` makes 76, `openssl` and PEM 64): a longer
/// first line was not folded, and what the next line starts with is not its own.
const MAX_BASE64_LINE: usize = 128;

/// Whether base64 read up to a line's end, `len` characters after the `pieces` folded
/// before it, filled that line, so that the fold is a tool's: tools fold at one width, so
/// every line but the last is as long as the second, and the first no longer (it may share
/// its line with a name or a prompt). A short line ends the text: the next line may start
/// with base64 letters (`Cg` is an encoded newline) that are none of its.
fn full_line(pieces: &[Range<usize>], len: usize) -> bool {
    match pieces {
        [] => len <= MAX_BASE64_LINE,
        [first] => (first.len()..=MAX_BASE64_LINE).contains(&len),
        // The second line was already held to the first.
        [_, second, ..] => len == second.len(),
    }
}

/// The JWT grammar followed on the bytes a base64 text decodes to, as it is read: tells
/// whether a fold may still be part of an encoded JWT, so that reading stops where one
/// cannot go on (garbage, the newline `echo` adds, a segment too long).
#[derive(Default)]
struct EncodedJwt {
    bits: u32,
    bit_count: u32,
    /// Header, payload or signature.
    part: usize,
    len: usize,
    ended: bool,
}

impl EncodedJwt {
    fn push(&mut self, c: u8) {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            _ => 63,
        };
        self.bits = (self.bits << 6 | u32::from(value)) & 0xfff;
        self.bit_count += 6;
        if self.bit_count >= 8 {
            self.bit_count -= 8;
            self.decoded((self.bits >> self.bit_count) as u8);
        }
    }

    fn decoded(&mut self, byte: u8) {
        if self.ended {
            return;
        }
        if byte == b'.' && self.part < 2 && self.len > 0 {
            self.part += 1;
            self.len = 0;
        } else if is_base64url_byte(byte) && self.len < MAX_FOLDED_SEGMENT[self.part] {
            self.len += 1;
        } else {
            self.ended = true;
        }
    }

    fn may_go_on(&self) -> bool {
        !self.ended
    }
}

/// The JWT the base64 `pieces` decode to: where its encoding ends in `text`, and its kind.
fn decoded_jwt(text: &str, pieces: &[Range<usize>]) -> Option<(usize, SecretKind)> {
    let joined: String = pieces.iter().map(|r| &text[r.clone()]).collect();
    let unpadded = joined.trim_end_matches('=');
    // What is glued after the encoding may use the other alphabet's two characters, and a
    // last lone character (a word a fold took) is no base64: decode up to them.
    let data = &unpadded[..one_alphabet_len(unpadded)];
    let data = &data[..data.len() - usize::from(data.len() % 4 == 1)];
    let bytes = decode_base64(data)?;
    let valid = match std::str::from_utf8(&bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).ok()?,
    };
    let (mut jwt_end, kind) = jwt_at(valid, 0, false)?;
    // What is glued after the encoding (or a word a fold took) decodes to more signature
    // than the header's `alg` makes: it is not the JWT's.
    let jwt = &valid[..jwt_end];
    if let (Some(first_dot), Some(last_dot)) = (jwt.find('.'), jwt.rfind('.'))
        && let Some(lengths) = signature_lengths(&jwt[..first_dot])
        && let Some(&len) = lengths.iter().filter(|&&l| l < jwt_end - last_dot).max()
    {
        jwt_end = last_dot + 1 + len;
    }
    // `echo $JWT | base64` encodes a newline too: it belongs to the secret's encoding.
    let rest = &valid[jwt_end..];
    let newline = ["\n", "\r\n"].iter().find(|n| rest.starts_with(**n));
    let encoded = jwt_end + newline.map_or(0, |n| n.len());
    let exact = (encoded * 4).div_ceil(3);
    let mut chars = if exact >= data.len() && data == unpadded {
        joined.len()
    } else {
        exact.min(data.len())
    };
    for r in pieces {
        if chars <= r.len() {
            return Some((r.start + chars, kind));
        }
        chars -= r.len();
    }
    None
}

// ---------------------------------------------------------------------------------------
// Vendor key shapes.

static SUPABASE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"sb_(secret|publishable)_[A-Za-z0-9_-]{16,}").expect("valid regex")
});
static GITHUB_TOKEN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}").expect("valid regex")
});
static KEY_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)integration[\s_-]?key|api[\s_-]?key|pendo_|x-pendo").expect("valid regex")
});

fn supabase_keys(text: &str, found: &mut Found) {
    for m in SUPABASE_KEY.find_iter(text) {
        let key = m.as_str();
        let rest = key
            .strip_prefix("sb_secret_")
            .or_else(|| key.strip_prefix("sb_publishable_"));
        if !rest.is_some_and(is_placeholder) {
            found.add(m.range(), supabase_kind(key));
        }
    }
}

fn supabase_kind(value: &str) -> SecretKind {
    if value.starts_with("sb_secret_") {
        SecretKind::SupabaseSecretKey
    } else {
        SecretKind::SupabasePublishableKey
    }
}

static ACCESS_TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"sbp_(?:v0_)?[0-9a-f]{40}").expect("valid regex"));

/// Supabase personal access tokens: `sbp_` and 40 hex digits (the Management API's key).
fn access_tokens(text: &str, found: &mut Found) {
    let bytes = text.as_bytes();
    for m in ACCESS_TOKEN.find_iter(text) {
        let body = &m.as_str()[m.as_str().len() - 40..];
        let whole = !bytes.get(m.end()).is_some_and(|&b| is_base64url_byte(b));
        if whole
            && starts_word(bytes, m.start(), |b| b.is_ascii_alphanumeric())
            && !is_placeholder(body)
        {
            found.add(m.range(), SecretKind::SupabaseAccessToken);
        }
    }
}

fn github_tokens(text: &str, found: &mut Found) {
    for m in GITHUB_TOKEN.find_iter(text) {
        let token = m.as_str();
        let body = token.strip_prefix("github_pat_").unwrap_or(&token[4..]);
        if !is_placeholder(body) {
            found.add(m.range(), SecretKind::GithubToken);
        }
    }
}

fn pendo_keys(text: &str, found: &mut Found) {
    // Where the key words are, found once; each line is then looked up, never rescanned,
    // so a 64 KiB one-line body full of UUIDs stays linear. A mask ends a line too: a
    // masked folded JWT joins its lines, which must not bring a key word to a UUID's line
    // (redacting twice changes nothing).
    let mask = super::MASK;
    let mut context: Option<Vec<usize>> = None;
    let mut line = 0..0;
    let mut line_has_context = false;
    for m in uuid_keys(text) {
        if is_placeholder_uuid(&text[m.start..m.start + 36]) {
            continue;
        }
        let has_region = m.len() > 36;
        if !has_region && (line.is_empty() || m.start >= line.end) {
            let from = line.end;
            let before = &text[from..m.start];
            let start = before.rfind('\n').map_or(from, |i| from + i + 1);
            let start = before
                .rfind(mask)
                .map_or(start, |i| start.max(from + i + mask.len()));
            let end = text[m.end..].find('\n').map_or(text.len(), |i| m.end + i);
            let end = text[m.end..end].find(mask).map_or(end, |i| m.end + i);
            line = start..end;
            let starts = context
                .get_or_insert_with(|| KEY_CONTEXT.find_iter(text).map(|c| c.start()).collect());
            let first_after = starts.partition_point(|&s| s < start);
            line_has_context = starts.get(first_after).is_some_and(|&s| s < end);
        }
        if has_region || line_has_context {
            found.add(m, SecretKind::PendoIntegrationKey);
        }
    }
}

/// Every UUID-shaped word (8-4-4-4-12 hex), with its region suffix when it has one.
/// Scans from hyphen to hyphen: a regex without a literal would read every byte.
fn uuid_keys(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let bytes = text.as_bytes();
    let mut from = 0;
    std::iter::from_fn(move || {
        while let Some(i) = text.get(from..)?.find('-').map(|i| from + i) {
            if let Some(end) = i.checked_sub(8).and_then(|start| uuid_key_at(bytes, start)) {
                from = end;
                return Some(i - 8..end);
            }
            from = i + 1;
        }
        None
    })
}

/// The end of a UUID (and region suffix, in any case) starting at `start`, when one does
/// and is a word of its own.
fn uuid_key_at(bytes: &[u8], start: usize) -> Option<usize> {
    let is_word = |i: usize| bytes.get(i).is_some_and(|&b| is_word_byte(b));
    if !starts_word(bytes, start, is_word_byte) {
        return None;
    }
    let uuid = bytes.get(start..start + 36)?;
    let shape_ok = uuid.iter().enumerate().all(|(i, b)| match i {
        8 | 13 | 18 | 23 => *b == b'-',
        _ => b.is_ascii_hexdigit(),
    });
    let end = start + 36;
    if !shape_ok || is_word(end) {
        return None;
    }
    // A region suffix (`.eu`, `.US1`): the regions are `meaning`'s one list.
    if bytes.get(end) == Some(&b'.') {
        for (region, _) in crate::regions::PENDO_REGIONS {
            let here = bytes.get(end + 1..end + 1 + region.len());
            if here.is_some_and(|s| s.eq_ignore_ascii_case(region.as_bytes()))
                && !is_word(end + 1 + region.len())
            {
                return Some(end + 1 + region.len());
            }
        }
    }
    Some(end)
}

// ---------------------------------------------------------------------------------------
// Placeholders: what a template or an obvious dummy shows instead of a value.

/// Markers that make any value a stand-in: already masked or elided, filler, templating
/// and environment lookups.
static STAND_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)…|\.\.\.|xxxx|\*\*\*\*|••|\$\{|\$\(|\{\{|%\(|#\{|process\.env|deno\.env|import\.meta|os\.environ|getenv",
    )
    .expect("valid regex")
});

/// Whole values that are words, types or well-known defaults rather than secrets
/// (compared lowercased, letters and digits only).
const DUMMY_VALUES: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "changeme",
    "changeit",
    "example",
    "sample",
    "placeholder",
    "redacted",
    "hidden",
    "masked",
    "none",
    "null",
    "nil",
    "undefined",
    "string",
    "str",
    "text",
    "required",
    "optional",
    "bool",
    "boolean",
    "number",
    "int",
    "integer",
    "varchar",
    "bytes",
    "value",
    "token",
    "key",
    "apikey",
    "test",
    "testing",
    "dummy",
    "foo",
    "bar",
    "foobar",
    "todo",
    "tbd",
    "empty",
    "blank",
    "default",
    "true",
    "false",
    "yes",
    "no",
    "mypassword",
    "yourpassword",
    // The local Supabase / Docker default (`postgres://postgres:postgres@localhost`).
    "postgres",
];

/// Words that make a digit-free phrase a description of a value
/// (`your-pendo-integration-key`, `YOUR_API_KEY`, `key-goes-here`).
const DUMMY_WORDS: &[&str] = &[
    "your",
    "yours",
    "example",
    "sample",
    "placeholder",
    "here",
    "insert",
    "replace",
    "dummy",
    "changeme",
    "redacted",
    "todo",
];

/// Template placeholders, dummies, environment lookups and already-masked values. A real
/// value that merely contains a word like "example" (`my/example-Pass9`) is not one.
pub(super) fn is_placeholder(value: &str) -> bool {
    if STAND_IN.is_match(value) {
        return true;
    }
    let v = value.trim();
    let enclosed = |open: char, close: char| v.starts_with(open) && v.ends_with(close);
    v.starts_with('<')
        || (v.contains('<') && v.contains('>'))
        || enclosed('[', ']')
        || enclosed('{', '}')
        || (enclosed('%', '%') && v.len() > 1)
        || is_shell_variable(v)
        || is_low_variety(v)
        || is_sequence(v)
        || is_dummy_value(v)
        || is_dummy_phrase(v)
}

/// `$PGPASSWORD`, `$db_pass`.
fn is_shell_variable(value: &str) -> bool {
    value.strip_prefix('$').is_some_and(|name| {
        name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// `xxxxxxxx`, `00000000`, `----`: one character repeated, or none at all.
fn is_low_variety(value: &str) -> bool {
    let mut chars = value.chars().filter(|c| c.is_alphanumeric());
    match chars.next() {
        Some(first) => chars.all(|c| c.eq_ignore_ascii_case(&first)),
        None => true,
    }
}

/// `12345678`, `abcdefgh`, `1234567890`.
fn is_sequence(value: &str) -> bool {
    let chars: Vec<u8> = value
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase())
        .collect();
    chars.len() >= 4
        && chars.len() * 2 >= value.len()
        && chars
            .windows(2)
            .all(|w| w[1] == w[0] + 1 || (w[0] == b'9' && w[1] == b'0'))
}

fn is_dummy_value(value: &str) -> bool {
    let letters: String = value
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    DUMMY_VALUES.contains(&letters.as_str())
}

/// A digit-free phrase of words with a placeholder word among them.
fn is_dummy_phrase(value: &str) -> bool {
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b"-_. ".contains(&b))
    {
        return false;
    }
    let mut words = Vec::new();
    let mut word = String::new();
    let mut previous_lower = false;
    for c in value.chars() {
        let boundary = !c.is_ascii_alphabetic() || (previous_lower && c.is_ascii_uppercase());
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_ascii_alphabetic() {
            word.push(c.to_ascii_lowercase());
        }
        previous_lower = c.is_ascii_lowercase();
    }
    words.push(word);
    words.iter().any(|w| DUMMY_WORDS.contains(&w.as_str()))
}

/// A variable or constant name (`SUPABASE_SERVICE_ROLE_KEY`, `supabaseServiceKey`) rather
/// than a value: random tokens of 16+ characters nearly always hold a digit.
fn looks_like_a_name(value: &str) -> bool {
    if value.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'.')
    {
        return false;
    }
    let all_upper = !value.bytes().any(|b| b.is_ascii_lowercase());
    all_upper || value.contains(['_', '.']) || is_camel_case(value)
}

/// `supabaseServiceRoleKey`: lowercase runs, each later word one capital then lowercase.
fn is_camel_case(value: &str) -> bool {
    let bytes = value.as_bytes();
    if !bytes[0].is_ascii_lowercase() {
        return false;
    }
    bytes
        .windows(2)
        .all(|w| !(w[0].is_ascii_uppercase() && w[1].is_ascii_uppercase()))
        && !bytes[bytes.len() - 1].is_ascii_uppercase()
}

/// The nil UUID, `12345678-…` examples and other low-variety UUIDs.
pub(super) fn is_placeholder_uuid(uuid: &str) -> bool {
    let digits = uuid.bytes().filter(|b| *b != b'-');
    let seen = digits.fold(0u16, |seen, b| {
        let v = (b as char).to_digit(16).unwrap_or(0);
        seen | 1 << v
    });
    let hex = uuid.to_ascii_lowercase();
    seen.count_ones() < 5 || hex.starts_with("12345678") || hex.starts_with("abcdef")
}
