//! What a case draws (a held value, an encoding, a channel, a position) and the text the
//! dependency says with it, all from the case's seed.

use super::*;

/// The kind of credential held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    PendoKey,
    SbSecret,
    ServiceRoleJwt,
    AccessToken,
    GithubToken,
    DbPassword,
}

/// How the dependency writes the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Hex,
    Percent,
    Percent25,
    Base64Inside,
    Entities,
    FullWidth,
    ZeroWidth,
    Markdown,
    Split,
}

/// Where the dependency says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    PendoBody,
    PendoHeader,
    PostgrestError,
    PgError,
    PgNotice,
    SyncStatusRow,
    PgNetBody,
    CronMessage,
    ManagementMessage,
    ManagementLog,
    RetryAfter,
}

/// Where in the text the value starts: straddling a cut, or anywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Across(usize),
    Anywhere,
}

pub const KINDS: [Kind; 6] = [
    Kind::PendoKey,
    Kind::SbSecret,
    Kind::ServiceRoleJwt,
    Kind::AccessToken,
    Kind::GithubToken,
    Kind::DbPassword,
];
pub const ENCODINGS: [Encoding; 10] = [
    Encoding::Identity,
    Encoding::Hex,
    Encoding::Percent,
    Encoding::Percent25,
    Encoding::Base64Inside,
    Encoding::Entities,
    Encoding::FullWidth,
    Encoding::ZeroWidth,
    Encoding::Markdown,
    Encoding::Split,
];
pub const CHANNELS: [Channel; 11] = [
    Channel::PendoBody,
    Channel::PendoHeader,
    Channel::PostgrestError,
    Channel::PgError,
    Channel::PgNotice,
    Channel::SyncStatusRow,
    Channel::PgNetBody,
    Channel::CronMessage,
    Channel::ManagementMessage,
    Channel::ManagementLog,
    Channel::RetryAfter,
];
pub const POSITIONS: [Position; 6] = [
    Position::Across(120),
    Position::Across(200),
    Position::Across(300),
    Position::Across(500),
    Position::Across(4000),
    Position::Anywhere,
];

/// One case: what is drawn, and the seed of everything random inside it.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub kind: Kind,
    pub encoding: Encoding,
    pub channel: Channel,
    pub position: Position,
    pub seed: u64,
}

pub fn case() -> impl Strategy<Value = Case> {
    (0..6usize, 0..10usize, 0..11usize, 0..6usize, any::<u64>()).prop_map(|(k, e, c, p, seed)| {
        Case {
            kind: KINDS[k],
            encoding: ENCODINGS[e],
            channel: CHANNELS[c],
            position: POSITIONS[p],
            seed,
        }
    })
}

/// splitmix64: the random parts of a case, from its seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    pub fn pick(&mut self, alphabet: &str) -> char {
        let chars: Vec<char> = alphabet.chars().collect();
        chars[self.below(chars.len())]
    }
    pub fn string(&mut self, alphabet: &str, n: usize) -> String {
        (0..n).map(|_| self.pick(alphabet)).collect()
    }
}

pub const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
pub const HEX: &str = "0123456789abcdef";
pub const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const PUNCT: &str = "!#$%&*+,;=?@^~()[]{}|<>_.:-";
pub const JWT_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// A held value and how many of its first characters are public (a well-known prefix
/// that is no secret: `sb_secret_`, a JWT's header and claims).
#[derive(Debug, Clone)]
pub struct Secret {
    pub kind: Kind,
    pub value: String,
    pub public: usize,
}

pub fn secret(kind: Kind, rng: &mut Rng) -> Secret {
    let (value, public) = match kind {
        Kind::PendoKey => (
            format!(
                "{}-{}-4{}-8{}-{}.us",
                rng.string(HEX, 8),
                rng.string(HEX, 4),
                rng.string(HEX, 3),
                rng.string(HEX, 3),
                rng.string(HEX, 12)
            ),
            0,
        ),
        // The mask keeps `sb_secret_` and 2 characters by design (`secrets::mask`).
        Kind::SbSecret => (format!("sb_secret_{}", rng.string(ALNUM, 32)), 12),
        Kind::ServiceRoleJwt => {
            let lead = r#"{"iss":"supabase","ref":""#;
            let claims = format!(
                r#"{lead}{}","role":"service_role","iat":1700000000,"exp":4102444800,"note":"fake-for-tests"}}"#,
                rng.string("abcdefghijklmnopqrstuvwxyz", 20)
            );
            // The header and the claims: base64 of JSON every key of the project shares
            // (the anon key's too); only the signature is secret (`held::runs_public_len`).
            let public = JWT_HEADER.len() + 1 + URL_SAFE_NO_PAD.encode(&claims).len() + 1;
            (
                format!(
                    "{JWT_HEADER}.{}.{}",
                    URL_SAFE_NO_PAD.encode(claims),
                    rng.string(B64URL, 43)
                ),
                public,
            )
        }
        Kind::AccessToken => (format!("sbp_{}", rng.string(HEX, 40)), 0),
        Kind::GithubToken => (format!("ghs_{}", rng.string(ALNUM, 36)), 0),
        Kind::DbPassword => {
            let mut p = String::from("fake-");
            for _ in 0..18 {
                if rng.below(3) == 0 {
                    p.push(rng.pick(PUNCT));
                } else {
                    p.push(rng.pick(ALNUM));
                }
            }
            (p, 0)
        }
    };
    Secret {
        kind,
        value,
        public,
    }
}

/// The value as the dependency writes it: one text, or two halves for two fields.
pub fn encode(value: &str, encoding: Encoding, rng: &mut Rng) -> (String, Option<String>) {
    let bytes = value.as_bytes();
    let one = match encoding {
        Encoding::Identity => value.to_string(),
        Encoding::Hex => {
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            if rng.below(2) == 0 {
                hex.to_ascii_uppercase()
            } else {
                hex
            }
        }
        Encoding::Percent => bytes.iter().map(|b| format!("%{b:02X}")).collect(),
        Encoding::Percent25 => bytes.iter().map(|b| format!("%25{b:02X}")).collect(),
        Encoding::Base64Inside => {
            let (pre, post) = (rng.below(6), rng.below(6));
            let inner = format!(
                "{}{value}{}",
                rng.string(ALNUM, pre),
                rng.string(ALNUM, post)
            );
            STANDARD.encode(inner)
        }
        Encoding::Entities => value
            .chars()
            .map(|c| {
                if rng.below(2) == 0 {
                    format!("&#{};", c as u32)
                } else {
                    format!("&#x{:x};", c as u32)
                }
            })
            .collect(),
        Encoding::FullWidth => value
            .chars()
            .map(|c| match c {
                '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
                _ => c,
            })
            .collect(),
        Encoding::ZeroWidth => {
            const INVISIBLE: [char; 7] = [
                '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{2060}', '\u{FEFF}', '\u{00AD}',
            ];
            let mut out = String::new();
            let mut next = rng.range(2, 6);
            for (i, c) in value.chars().enumerate() {
                if i == next {
                    out.push(INVISIBLE[rng.below(INVISIBLE.len())]);
                    next += rng.range(2, 6);
                }
                out.push(c);
            }
            out
        }
        Encoding::Markdown => value
            .chars()
            .map(|c| {
                if c.is_ascii_punctuation() {
                    format!("\\{c}")
                } else {
                    c.to_string()
                }
            })
            .collect(),
        Encoding::Split => {
            let n = value.chars().count();
            let at = rng.range(8.min(n / 2), n.saturating_sub(8).max(n / 2));
            let first: String = value.chars().take(at).collect();
            let second: String = value.chars().skip(at).collect();
            return (first, Some(second));
        }
    };
    (one, None)
}

/// Words around the value: nothing in them can look like any credential.
pub fn filler(n: usize, rng: &mut Rng) -> String {
    const WORDS: [&str; 12] = [
        "sync", "failed", "while", "reading", "guides", "from", "upstream", "retry", "later",
        "request", "worker", "said",
    ];
    let mut out = String::new();
    while out.chars().count() < n {
        out.push_str(WORDS[rng.below(WORDS.len())]);
        out.push(' ');
    }
    out.chars().take(n).collect()
}

/// The dependency's text, or its two fields when the value is split, with a canary at the
/// start that tells whether the text reached any sink at all.
#[derive(Debug, Clone)]
pub struct Said {
    pub first: String,
    pub second: Option<String>,
    pub canary: String,
}

impl Said {
    /// One text: the two fields as the JSON a dependency would send.
    pub fn joined(&self) -> String {
        match &self.second {
            None => self.first.clone(),
            Some(second) => serde_json::json!({"message": self.first, "hint": second}).to_string(),
        }
    }
}

pub fn said(case: &Case, secret: &Secret, rng: &mut Rng) -> Said {
    let (enc, second) = encode(&secret.value, case.encoding, rng);
    let canary = format!("canary{:08x}", rng.next() as u32);
    let lead = format!("{canary} ERROR: invalid input syntax for type json: Bearer ");
    let len = enc.chars().count().max(2);
    let start = match case.position {
        Position::Across(cut) => cut.saturating_sub(rng.range(1, len - 1)),
        Position::Anywhere => rng.below(600),
    };
    let pad = start.saturating_sub(lead.chars().count());
    let mut first = format!("{lead}{}{enc}", filler(pad, rng));
    let tail = format!(" {}", filler(rng.range(0, 40), rng));
    let second = match second {
        Some(s) => Some(format!("{s}{tail}")),
        None => {
            first.push_str(&tail);
            None
        }
    };
    Said {
        first,
        second,
        canary,
    }
}
