//! The credential values the bot itself holds, found by their value rather than their shape.
//!
//! Shape rules (`rules.rs`) miss a key that has no recognisable shape: a plain UUID Pendo
//! key after "Unauthorized", a password made only of letters. When a dependency echoes
//! one of the bot's own keys back (`401 Unauthorized <key>`, a header, a pg_net body, a
//! Postgres error), only its value can tell. So the entry points register every value
//! they hold once ([`install`]), and two searches use them:
//! - [`super::redact`] (through [`super::find`]) on text from outside, before it is cut or
//!   escaped;
//! - [`scrub`], which every sink applies last to its whole final text, the bot's own
//!   sentences included.
//!
//! What is held: each key and token; for the database, the whole URL and every password
//! libpq would read from it (user-info, `?password=`, `password = '…'`; see `conninfo.rs`),
//! as written and as decoded, and `user:password`.
//!
//! The forms a **strong** value is found in, wherever it stands:
//! - the value in any ASCII case, without its dashes, URL-encoded, base64 (three
//!   engines), hex, and base64 of `user:password` (a Basic header, git's
//!   `x-access-token:<token>`);
//! - every run of [`RUN`] or more consecutive characters of it (a key split across two
//!   JSON fields, or cut), except runs that lie inside its public prefix (`sb_secret_`,
//!   `sbp_`, `ghs_`, a JWT's header), which the bot's own sentences name;
//! - all of those again in the text's decoded views (`views.rs`: backslash escapes, HTML
//!   entities, percent escapes once and twice, each depth searched, NFKC, invisible
//!   characters dropped), and
//!   inside hex and base64 runs, where a hit masks the whole run.
//!
//! A **weak** value ([`is_weak`]: shorter than [`RUN`], a common word, or only letters,
//! digits and word separators) would deface the bot's own text: the password `triage`
//! sits inside the report's marker, `supabase` is a label. It is masked only by
//! [`super::redact`], in text from outside, and only where it stands as a whole token
//! (case-sensitive); [`scrub`] never touches it. [`install`] warns about each, and
//! [`weak`] names them for the job summary. Values shorter than [`MIN_LEN`] are not
//! searched for at all.
//!
//! The set is process-wide because text leaves the bot from many places; registering is
//! the entry point's job (`run`, `check`), never a check's.

use super::conninfo;
pub use super::conninfo::percent_decode;
use super::{SecretKind, views};
use aho_corasick::AhoCorasick;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::ops::Range;
use std::sync::RwLock;

/// Held values shorter than this are not searched for.
pub const MIN_LEN: usize = 6;

/// The shortest run of a strong value's characters that is masked wherever it stands;
/// values shorter than this are weak.
pub const RUN: usize = 8;

/// Passwords people pick because they are defaults or easy: weak at any length, also
/// with digits or `!` after them (`postgres123`, `Password1!`). Lower-case.
const COMMON: &[&str] = &[
    "password",
    "passw0rd",
    "postgres",
    "postgresql",
    "supabase",
    "triage",
    "pendo",
    "admin",
    "administrator",
    "root",
    "secret",
    "changeme",
    "letmein",
    "welcome",
    "qwerty",
    "default",
    "service",
    "database",
    "github",
    "token",
    "test",
    "testing",
    "guest",
    "master",
    "superuser",
    "public",
    "example",
    "iloveyou",
    "trustno1",
    "monkey",
    "dragon",
    "sunshine",
    "football",
    "baseball",
    "abc123",
    "123456",
    "12345678",
];

/// Prefixes that every key of a kind starts with: the bot's own text names them, so a run
/// that lies inside one is not masked.
const PUBLIC_PREFIXES: &[&str] = &[
    "sb_secret_",
    "sb_publishable_",
    "sbp_",
    "ghs_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghr_",
    "github_pat_",
];

/// What one credential is, for the derived forms and the mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    PendoKey(&'a str),
    SupabaseKey(&'a str),
    /// A Postgres URL (or libpq string): the whole of it, its passwords and `user:password`.
    DatabaseUrl(&'a str),
    GithubToken(&'a str),
    /// A Supabase personal access token (`sbp_…`).
    AccessToken(&'a str),
}

impl Credential<'_> {
    /// The input that gives it, for warnings (never the value).
    pub fn name(&self) -> &'static str {
        match self {
            Self::PendoKey(_) => "pendo-integration-key",
            Self::SupabaseKey(_) => "supabase-key",
            Self::DatabaseUrl(_) => "supabase-db-url (its password)",
            Self::GithubToken(_) => "github-token",
            Self::AccessToken(_) => "supabase-access-token",
        }
    }
}

/// Where a search runs: text from outside ([`super::redact`]: strong values and weak
/// ones as whole tokens), or a sink's final text ([`scrub`]: strong values only, since
/// the bot's own words are in it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Outside,
    Sink,
}

/// One place a held value was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub range: Range<usize>,
    pub kind: SecretKind,
    /// How many leading bytes the mask keeps (a public prefix, or `7c9e` of a key; never
    /// a run of [`RUN`] characters of the value).
    pub kept: usize,
    /// Only runs of a value, no whole form: shape rules get the first say over these.
    pub partial: bool,
}

/// One held value, as given.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Value {
    text: String,
    kind: SecretKind,
    weak: bool,
    name: &'static str,
}

/// What a strong needle stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needle {
    /// A whole form; `value` when it is the value itself as given (its mask may keep a
    /// prefix).
    Form { kind: SecretKind, value: bool },
    /// A run of [`RUN`] characters.
    Run { kind: SecretKind },
}

/// The values the bot holds, with their derived forms and the searches over them.
#[derive(Debug, Clone, Default)]
pub struct Held {
    values: Vec<Value>,
    /// Lower-cased, searched in any ASCII case.
    strong: Vec<(String, Needle)>,
    /// Searched as written, as whole tokens, in text from outside only.
    weak: Vec<(String, SecretKind)>,
    strong_search: Option<AhoCorasick>,
    weak_search: Option<AhoCorasick>,
    /// The longest needle's length: how far around a decoded escape a match may reach.
    longest: usize,
}

impl Held {
    /// The forms of every credential given.
    pub fn new(credentials: &[Credential<'_>]) -> Held {
        let mut held = Held::default();
        for c in credentials {
            let name = c.name();
            match *c {
                Credential::PendoKey(v) => held.add_value(v, SecretKind::PendoIntegrationKey, name),
                Credential::SupabaseKey(v) => held.add_value(v, supabase_kind(v), name),
                Credential::AccessToken(v) => {
                    held.add_value(v, SecretKind::SupabaseAccessToken, name);
                }
                Credential::GithubToken(v) => {
                    held.add_value(v, SecretKind::GithubToken, name);
                    held.add_basic("x-access-token", v);
                }
                Credential::DatabaseUrl(url) => {
                    held.add_strong(
                        url,
                        Needle::Form {
                            kind: SecretKind::PostgresPassword,
                            value: false,
                        },
                    );
                    for p in conninfo::passwords(url) {
                        let kind = SecretKind::PostgresPassword;
                        held.add_value(&p.value, kind, name);
                        if p.written != p.value {
                            held.add_value(&p.written, kind, name);
                        }
                        if let Some(user) = &p.user {
                            held.add_basic(user, &p.value);
                        }
                    }
                }
            }
        }
        held.build();
        held
    }

    /// True when nothing is searched for.
    pub fn is_empty(&self) -> bool {
        self.strong.is_empty() && self.weak.is_empty()
    }

    /// The credentials whose value is weak (their input names, never the values).
    pub fn weak_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .values
            .iter()
            .filter(|v| v.weak)
            .map(|v| v.name)
            .collect();
        names.dedup();
        names
    }

    /// The strong values as given, for the runner's `::add-mask::`.
    pub fn strong_values(&self) -> Vec<&str> {
        self.values
            .iter()
            .filter(|v| !v.weak)
            .map(|v| v.text.as_str())
            .collect()
    }

    /// A value and every form derived from it alone.
    fn add_value(&mut self, value: &str, kind: SecretKind, name: &'static str) {
        let value = value.trim();
        let weak = is_weak(value);
        if self.values.iter().any(|v| v.text == value) {
            return;
        }
        self.values.push(Value {
            text: value.to_string(),
            kind,
            weak,
            name,
        });
        let mut forms = vec![value.to_string(), percent_encode(value)];
        for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
            forms.push(engine.encode(value));
        }
        if weak {
            for f in forms {
                if f.len() >= MIN_LEN && !self.weak.iter().any(|(w, _)| *w == f) {
                    self.weak.push((f, kind));
                }
            }
            return;
        }
        forms.push(hex(value));
        forms.push(value.replace('-', ""));
        for (i, f) in forms.iter().enumerate() {
            self.add_strong(
                f,
                Needle::Form {
                    kind,
                    value: i == 0,
                },
            );
        }
        let public = runs_public_len(value);
        self.add_runs(value, public, kind);
        if value.contains('-') {
            self.add_runs(&value.replace('-', ""), 0, kind);
        }
    }

    /// Every run of [`RUN`] characters of `value` that does not lie inside its first
    /// `public` bytes and is [`varied`] enough to say anything about the value.
    fn add_runs(&mut self, value: &str, public: usize, kind: SecretKind) {
        let bounds: Vec<usize> = value
            .char_indices()
            .map(|(i, _)| i)
            .chain([value.len()])
            .collect();
        for w in bounds.windows(RUN + 1) {
            let run = &value[w[0]..w[RUN]];
            if w[RUN] > public && varied(run) {
                self.add_strong(run, Needle::Run { kind });
            }
        }
    }

    /// `user:password` as an `Authorization: Basic` header carries it.
    fn add_basic(&mut self, user: &str, password: &str) {
        let pair = format!("{user}:{password}");
        let kind = SecretKind::BasicAuth;
        for engine in [&STANDARD, &STANDARD_NO_PAD] {
            self.add_strong(&engine.encode(&pair), Needle::Form { kind, value: false });
        }
    }

    fn add_strong(&mut self, form: &str, needle: Needle) {
        // A run is taken as it is: trimming would shorten it below [`RUN`].
        let form = match needle {
            Needle::Form { .. } => form.trim(),
            Needle::Run { .. } => form,
        };
        if form.len() < MIN_LEN {
            return;
        }
        let form = form.to_ascii_lowercase();
        match self.strong.iter_mut().find(|(f, _)| *f == form) {
            // A whole form outranks a run of another value that happens to equal it.
            Some((_, n)) if matches!(n, Needle::Run { .. }) => *n = needle,
            Some(_) => {}
            None => self.strong.push((form, needle)),
        }
    }

    /// Builds the searches over the needles.
    fn build(&mut self) {
        let strong = self.strong.iter().map(|(f, _)| f.len());
        let weak = self.weak.iter().map(|(f, _)| f.len());
        self.longest = strong.chain(weak).max().unwrap_or(0);
        // A DFA: a few hundred needles (each value's runs) make the NFA several times
        // slower, and the DFA is built once per process.
        self.strong_search = (!self.strong.is_empty()).then(|| {
            AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .ascii_case_insensitive(true)
                .build(self.strong.iter().map(|(f, _)| f))
                .expect("held needles build")
        });
        self.weak_search = (!self.weak.is_empty()).then(|| {
            AhoCorasick::new(self.weak.iter().map(|(f, _)| f)).expect("held needles build")
        });
    }

    /// Adds another set (what [`install`] does when called again).
    fn merge(&mut self, more: Held) {
        for v in more.values {
            if !self.values.contains(&v) {
                self.values.push(v);
            }
        }
        for (f, n) in more.strong {
            self.add_strong(&f, n);
        }
        for w in more.weak {
            if !self.weak.contains(&w) {
                self.weak.push(w);
            }
        }
        self.build();
    }

    /// Every place a held value occurs in `text`, by start, non-overlapping, on
    /// character boundaries.
    pub fn matches(&self, text: &str, scope: Scope) -> Vec<Hit> {
        if self.is_empty() || text.len() < MIN_LEN {
            return Vec::new();
        }
        let mut found = Vec::new();
        self.search(text.as_bytes(), 0..text.len(), scope, &mut found);
        if let Some(view) = views::unescaped(text) {
            for layer in view.layers() {
                let mut in_view = Vec::new();
                for within in layer.changed(self.longest) {
                    self.search(&layer.bytes, within, scope, &mut in_view);
                }
                found.extend(in_view.into_iter().map(|c| Candidate {
                    range: layer.source(c.range),
                    value: false,
                    ..c
                }));
            }
        }
        if let Some(search) = &self.strong_search {
            for (run, bytes) in views::encoded_runs(text) {
                let mut hit: Option<(SecretKind, bool)> = None;
                for m in search.find_overlapping_iter(&bytes) {
                    let (kind, is_run) = match self.strong[m.pattern()].1 {
                        Needle::Form { kind, .. } => (kind, false),
                        Needle::Run { kind } => (kind, true),
                    };
                    hit = Some(match hit {
                        Some((_, true)) if !is_run => (kind, false),
                        Some((k, partial)) => (k, partial && is_run),
                        None => (kind, is_run),
                    });
                }
                if let Some((kind, partial)) = hit {
                    found.push(Candidate {
                        range: run,
                        kind,
                        partial,
                        value: false,
                    });
                }
            }
        }
        merge(text, found)
    }

    /// Strong needles (and in [`Scope::Outside`], weak whole tokens) in `within` of `hay`.
    fn search(&self, hay: &[u8], within: Range<usize>, scope: Scope, found: &mut Vec<Candidate>) {
        let input = || aho_corasick::Input::new(hay).range(within.clone());
        if let Some(search) = &self.strong_search {
            for m in search.find_overlapping_iter(input()) {
                let (kind, partial, value) = match self.strong[m.pattern()].1 {
                    Needle::Form { kind, value } => (kind, false, value),
                    Needle::Run { kind } => (kind, true, false),
                };
                found.push(Candidate {
                    range: m.range(),
                    kind,
                    partial,
                    value,
                });
            }
        }
        if let (Scope::Outside, Some(search)) = (scope, &self.weak_search) {
            for m in search.find_overlapping_iter(input()) {
                if is_token(hay, m.range()) {
                    found.push(Candidate {
                        range: m.range(),
                        kind: self.weak[m.pattern()].1,
                        partial: false,
                        value: false,
                    });
                }
            }
        }
    }
}

/// A match before merging.
#[derive(Debug, Clone)]
struct Candidate {
    range: Range<usize>,
    kind: SecretKind,
    partial: bool,
    value: bool,
}

/// Overlapping candidates merged into maximal hits, widened to character boundaries.
fn merge(text: &str, mut found: Vec<Candidate>) -> Vec<Hit> {
    found.sort_by_key(|c| (c.range.start, std::cmp::Reverse(c.range.end)));
    let mut hits: Vec<(Hit, bool)> = Vec::new();
    for c in found {
        let mut range = c.range.clone();
        while !text.is_char_boundary(range.start) {
            range.start -= 1;
        }
        while !text.is_char_boundary(range.end) {
            range.end += 1;
        }
        if let Some((last, exact)) = hits.last_mut()
            && range.start < last.range.end
        {
            if range.end > last.range.end {
                last.range.end = range.end;
                *exact = false;
            } else if c.value && range == last.range {
                *exact = true;
            }
            last.partial &= c.partial;
            if !c.partial && last.partial {
                last.kind = c.kind;
            }
            continue;
        }
        hits.push((
            Hit {
                range,
                kind: c.kind,
                kept: 0,
                partial: c.partial,
            },
            c.value,
        ));
    }
    hits.into_iter()
        .map(|(mut hit, exact_value)| {
            if exact_value {
                hit.kept = kept(&text[hit.range.clone()], hit.kind);
            }
            hit
        })
        .collect()
}

/// What the mask of a whole held value keeps: the kind's usual prefix, but never a run of
/// [`RUN`] characters beyond the public prefix.
fn kept(value: &str, kind: SecretKind) -> usize {
    let keep = kind.kept_prefix(value);
    if keep < RUN {
        keep
    } else {
        public_len(value).min(keep)
    }
}

/// Whether `range` of `hay` stands as a whole token: no letter, digit, `_` or `-` on
/// either side, nor a `.` that joins it to one (`postgres.ref`).
fn is_token(hay: &[u8], range: Range<usize>) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b >= 0x80;
    let before = match range.start {
        0 => true,
        s => !(word(hay[s - 1]) || (hay[s - 1] == b'.' && s >= 2 && word(hay[s - 2]))),
    };
    let after = match hay.get(range.end) {
        None => true,
        Some(&b) => !(word(b) || (b == b'.' && hay.get(range.end + 1).is_some_and(|&n| word(n)))),
    };
    before && after
}

/// Whether a held value is weak: masked only as a whole token, in text from outside.
/// Weak means shorter than [`RUN`] characters; or a [`COMMON`] word, also with digits or
/// `!`/`?`/`.` after it; or made only of letters and the separators `-_.: /` (a word, a
/// phrase, a label, a check id: what the bot's own text is made of); or only digits (a
/// port, a date). A key a service issued ([`is_issued`]) is never weak at that length,
/// whatever its characters: it is random, not a word someone chose.
pub fn is_weak(value: &str) -> bool {
    if value.chars().count() < RUN {
        return true;
    }
    if is_issued(value) {
        return false;
    }
    let lower = value.to_lowercase();
    let stem = lower.trim_end_matches(|c: char| c.is_ascii_digit() || "!?.".contains(c));
    if COMMON.contains(&stem) || COMMON.contains(&lower.as_str()) {
        return true;
    }
    value
        .chars()
        .all(|c| c.is_alphabetic() || "-_.: /".contains(c))
        || value.chars().all(|c| c.is_ascii_digit())
}

/// Whether `value` is a key a service issued: one of the [`PUBLIC_PREFIXES`] and at least
/// [`RUN`] characters after it. Such a key is random, so one made only of letters (a
/// `ghs_` token is 36 letters and digits drawn at random: about one in 550 has no digit,
/// and the Action gets a new one every run) is as strong as any other; read as weak, it
/// would be masked only as a whole token, and a half of it (split across two JSON fields,
/// or cut) would be shown.
fn is_issued(value: &str) -> bool {
    PUBLIC_PREFIXES.iter().any(|p| {
        value
            .strip_prefix(p)
            .is_some_and(|rest| rest.chars().count() >= RUN)
    })
}

/// The length of the public prefix a key starts with (a JWT's header, its dot and its
/// payload's `eyJ`), 0 for none.
fn public_len(value: &str) -> usize {
    if let Some(p) = PUBLIC_PREFIXES.iter().find(|p| value.starts_with(**p)) {
        return p.len();
    }
    match value.find('.') {
        Some(dot) if value.starts_with("eyJ") => {
            let after = dot + 1;
            after
                + if value[after..].starts_with("eyJ") {
                    3
                } else {
                    0
                }
        }
        _ => 0,
    }
}

/// Where runs of a value may start to say something about it: after its public prefix,
/// and for a JWT only in its signature. A JWT's header and payload are base64 of JSON that
/// every key of the project shares (`{"iss":"supabase","ref":…,"role":…}`, the anon key's
/// too): their runs would be found in any base64 of ordinary JSON that names `supabase`.
fn runs_public_len(value: &str) -> usize {
    match value.rfind('.') {
        Some(dot) if value.starts_with("eyJ") && value[..dot].contains('.') => dot + 1,
        _ => public_len(value),
    }
}

fn supabase_kind(key: &str) -> SecretKind {
    if key.starts_with("sb_secret_") {
        SecretKind::SupabaseSecretKey
    } else if key.starts_with("sb_publishable_") {
        SecretKind::SupabasePublishableKey
    } else {
        SecretKind::SupabaseServiceRole
    }
}

/// What a URL leaves as written (RFC 3986's unreserved characters); every other byte is
/// a `%XX` escape in a held value's percent-encoded form.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

fn hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

static HELD: RwLock<Option<Held>> = RwLock::new(None);

/// Registers the values the bot holds for the rest of the process (the entry point does
/// this once, before any text leaves it). Adding again adds to the set. Logs a warning
/// for each weak credential (see [`is_weak`]), naming the input, never the value.
pub fn install(more: Held) {
    for name in more.weak_names() {
        tracing::warn!(
            "the {name} is weak (shorter than {RUN} characters, a common word, or only letters): it is masked only where it stands as a whole word in text from outside; use a long random value"
        );
    }
    let mut held = HELD.write().unwrap_or_else(|e| e.into_inner());
    match held.as_mut() {
        Some(h) => h.merge(more),
        None => *held = Some(more),
    }
}

/// The installed credentials whose value is weak, by input name (for the job summary).
pub fn weak() -> Vec<&'static str> {
    let held = HELD.read().unwrap_or_else(|e| e.into_inner());
    held.as_ref().map_or_else(Vec::new, Held::weak_names)
}

/// True when `text` is exactly one of the weak held values (or a form of one): found in
/// outside text as a whole token, but in an issue it is the word a person wrote.
pub(super) fn is_weak_value(text: &str) -> bool {
    let held = HELD.read().unwrap_or_else(|e| e.into_inner());
    held.as_ref()
        .is_some_and(|h| h.weak.iter().any(|(w, _)| w == text))
}

/// The installed values' matches in text from outside (none before [`install`]).
pub(super) fn installed_matches(text: &str) -> Vec<Hit> {
    let held = HELD.read().unwrap_or_else(|e| e.into_inner());
    held.as_ref()
        .map_or_else(Vec::new, |h| h.matches(text, Scope::Outside))
}

/// `text` with every strong held value masked, in every form and as every run of
/// [`RUN`] characters, and nothing else changed: what every sink (the GitHub writer,
/// outputs, the job summary, the log, stdout) applies last, to its whole final text.
/// Weak values are left alone: the bot's own words are in this text.
pub fn scrub(text: &str) -> std::borrow::Cow<'_, str> {
    let held = HELD.read().unwrap_or_else(|e| e.into_inner());
    match held.as_ref() {
        Some(h) => h.scrub(text),
        None => std::borrow::Cow::Borrowed(text),
    }
}

impl Held {
    /// [`scrub`] with this set.
    pub fn scrub<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        apply(text, &self.matches(text, Scope::Sink))
    }

    /// The held part of [`super::redact`] with this set: strong values and weak tokens.
    pub fn redact<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        apply(text, &self.matches(text, Scope::Outside))
    }
}

fn apply<'t>(text: &'t str, hits: &[Hit]) -> std::borrow::Cow<'t, str> {
    if hits.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for h in hits {
        out.push_str(&text[at..h.range.start]);
        out.push_str(&text[h.range.start..h.range.start + h.kept]);
        out.push_str(super::MASK);
        at = h.range.end;
    }
    out.push_str(&text[at..]);
    std::borrow::Cow::Owned(out)
}

/// A run with at least 4 different characters: `00000000`, `--------` or `abababab` are
/// what a test key's padding, a table rule or a chart holds, and finding them everywhere
/// would deface the report (a random key's 8 characters are almost never that uniform).
fn varied(run: &str) -> bool {
    let mut seen: Vec<char> = Vec::with_capacity(RUN);
    for c in run.chars().map(|c| c.to_ascii_lowercase()) {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen.len() >= 4
}

#[cfg(test)]
mod tests;
