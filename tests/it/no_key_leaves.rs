//! Issue 23's property over the whole pipeline: whatever a dependency says, and however
//! it encodes a credential the bot holds, no sink shows that credential or any run of 8 of
//! its characters.
//!
//! Each case draws a held value (a Pendo key, an `sb_secret_` key, a service-role JWT, an
//! `sbp_` access token, the Action's `ghs_` token, a database password with punctuation),
//! an encoding (identity, hex, `%XX`, `%25XX`, base64 of a longer string, HTML numeric
//! entities, full-width, zero-width characters between its parts, markdown escapes, or
//! split across two fields), a channel (Pendo's body or a header, a PostgREST error, a
//! Postgres error, notice or `sync_status` row, a pg_net body, a cron `return_message`, a
//! Management API message, log line or `Retry-After`) and a position straddling one of the
//! cuts the code makes (120, 200, 300, 500, 4000 characters) or anywhere. It runs the real
//! binary: `check` in markdown and JSON with the debug log (the `ghs_` token, which only
//! `run` holds, and every 16th case run the Action against the fake GitHub instead or as
//! well). Every sink is un-escaped (JSON `\u`, HTML entities, markdown backslashes),
//! NFKC-normalised and stripped of invisible characters, and read again percent-decoded,
//! hex-decoded and base64-decoded (the state block among them) before it is searched.
//!
//! The fakes start once per test; each case only changes what they answer. Cases that
//! failed once are kept in [`REGRESSIONS`] and run as a plain test.

use crate::action_harness::Harness;
use crate::support;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};
use support::fake_management::{self, ConsoleLine, FakeManagement, Function, Invocation};
use support::fake_pendo::{self, FakePendo};
use support::fake_pg_wire::{self, Answers, Auth, FakePg, Script};
use support::fake_postgrest::{self, FakePostgrest, HostileError};
use support::pg::{History, JOB_NAME, Pg, run_start, sql_literal};
use unicode_normalization::UnicodeNormalization;

/// 2026-11-28T10:00:00Z: the histories' reference time and the bot's clock.
const NOW: i64 = 1_795_860_000;
const NOW_TEXT: &str = "2026-11-28T10:00:00Z";
const FUNCTION_ID: &str = "0b5e0000-0000-4000-8000-000000000001";
const BODY: &str = "## Data Context\n- **Data Type**: Guides\n\n## Environment Information\n- **Environment**: Production\n\n\
## Troubleshooting Checklist\n### Infrastructure Investigation\n- [ ] Verify Supabase function execution\n- [ ] Review cronjob execution logs\n";

// ---- what a case draws ----

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

const KINDS: [Kind; 6] = [
    Kind::PendoKey,
    Kind::SbSecret,
    Kind::ServiceRoleJwt,
    Kind::AccessToken,
    Kind::GithubToken,
    Kind::DbPassword,
];
const ENCODINGS: [Encoding; 10] = [
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
const CHANNELS: [Channel; 11] = [
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
const POSITIONS: [Position; 6] = [
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

/// Cases that leaked once, kept as a plain test (with the Action each time). Found on
/// main at 46218f3, before held values were searched for in every encoding: one or two
/// per encoding and channel out of the 91 of 256 that leaked then. A seed means what
/// [`secret`] and [`said`] make of it: change those and these cases change too.
const REGRESSIONS: &[Case] = &[
    Case {
        kind: Kind::PendoKey,
        encoding: Encoding::Hex,
        channel: Channel::PendoBody,
        position: Position::Across(120),
        seed: 15766070364412805199,
    },
    Case {
        kind: Kind::SbSecret,
        encoding: Encoding::Percent,
        channel: Channel::PostgrestError,
        position: Position::Across(300),
        seed: 10871083146262468827,
    },
    Case {
        kind: Kind::ServiceRoleJwt,
        encoding: Encoding::Percent25,
        channel: Channel::CronMessage,
        position: Position::Across(300),
        seed: 12003223494824800579,
    },
    Case {
        kind: Kind::SbSecret,
        encoding: Encoding::Base64Inside,
        channel: Channel::PgError,
        position: Position::Across(300),
        seed: 586273232324985647,
    },
    Case {
        kind: Kind::SbSecret,
        encoding: Encoding::Entities,
        channel: Channel::SyncStatusRow,
        position: Position::Across(500),
        seed: 14210804230593371704,
    },
    Case {
        kind: Kind::AccessToken,
        encoding: Encoding::Markdown,
        channel: Channel::CronMessage,
        position: Position::Anywhere,
        seed: 13648828448674430117,
    },
    Case {
        kind: Kind::PendoKey,
        encoding: Encoding::Split,
        channel: Channel::ManagementMessage,
        position: Position::Across(200),
        seed: 3215975933411804103,
    },
    Case {
        kind: Kind::SbSecret,
        encoding: Encoding::Split,
        channel: Channel::PgNetBody,
        position: Position::Across(4000),
        seed: 11802565197880835461,
    },
    Case {
        kind: Kind::DbPassword,
        encoding: Encoding::Hex,
        channel: Channel::PostgrestError,
        position: Position::Anywhere,
        seed: 5792399208703769821,
    },
    Case {
        kind: Kind::DbPassword,
        encoding: Encoding::Markdown,
        channel: Channel::ManagementLog,
        position: Position::Across(120),
        seed: 9076950085260959043,
    },
    Case {
        kind: Kind::GithubToken,
        encoding: Encoding::Percent25,
        channel: Channel::SyncStatusRow,
        position: Position::Across(120),
        seed: 3517429596219721935,
    },
    Case {
        kind: Kind::PendoKey,
        encoding: Encoding::Split,
        channel: Channel::RetryAfter,
        position: Position::Across(500),
        seed: 8566989210118571196,
    },
    Case {
        kind: Kind::GithubToken,
        encoding: Encoding::Entities,
        channel: Channel::PgNetBody,
        position: Position::Across(120),
        seed: 16062809654782417258,
    },
    Case {
        kind: Kind::ServiceRoleJwt,
        encoding: Encoding::Markdown,
        channel: Channel::PgNetBody,
        position: Position::Across(120),
        seed: 2027697290716933699,
    },
    Case {
        kind: Kind::AccessToken,
        encoding: Encoding::Percent,
        channel: Channel::PgError,
        position: Position::Across(200),
        seed: 17694309578200435636,
    },
    Case {
        kind: Kind::DbPassword,
        encoding: Encoding::Split,
        channel: Channel::CronMessage,
        position: Position::Across(120),
        seed: 6933213612127213434,
    },
];

fn case() -> impl Strategy<Value = Case> {
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
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    fn pick(&mut self, alphabet: &str) -> char {
        let chars: Vec<char> = alphabet.chars().collect();
        chars[self.below(chars.len())]
    }
    fn string(&mut self, alphabet: &str, n: usize) -> String {
        (0..n).map(|_| self.pick(alphabet)).collect()
    }
}

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &str = "0123456789abcdef";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const PUNCT: &str = "!#$%&*+,;=?@^~()[]{}|<>_.:-";
const JWT_HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

/// A held value and how many of its first characters are public (a well-known prefix
/// that is no secret: `sb_secret_`, a JWT's header and first claim).
#[derive(Debug, Clone)]
pub struct Secret {
    pub kind: Kind,
    pub value: String,
    pub public: usize,
}

fn secret(kind: Kind, rng: &mut Rng) -> Secret {
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
            // The header, and the base64 characters the first claim alone decides.
            let public = JWT_HEADER.len() + 1 + lead.len() / 3 * 4 + 1;
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
fn encode(value: &str, encoding: Encoding, rng: &mut Rng) -> (String, Option<String>) {
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
fn filler(n: usize, rng: &mut Rng) -> String {
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
struct Said {
    first: String,
    second: Option<String>,
    canary: String,
}

impl Said {
    /// One text: the two fields as the JSON a dependency would send.
    fn joined(&self) -> String {
        match &self.second {
            None => self.first.clone(),
            Some(second) => serde_json::json!({"message": self.first, "hint": second}).to_string(),
        }
    }
}

fn said(case: &Case, secret: &Secret, rng: &mut Rng) -> Said {
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

// ---- the fakes, started once ----

struct World {
    pendo: FakePendo,
    rest: FakePostgrest,
    management: FakeManagement,
    pg: Pg,
    fake_pg: FakePg,
    action: Mutex<Harness>,
    dir: std::path::PathBuf,
}

/// The config that points `supabase.functions` at the fake Management API.
fn config(management: &FakeManagement) -> String {
    format!(
        "functions:\n  project_ref: {}\n  management_url: {}\n",
        fake_management::PROJECT_REF,
        management.url()
    )
}

impl World {
    fn start() -> World {
        let pg = Pg::start();
        pg.load(History::Healthy, NOW);
        let dir = support::temp_dir("no-key-leaves");
        World {
            pendo: FakePendo::builder().now_ms(NOW * 1000).start(),
            rest: FakePostgrest::start(),
            management: FakeManagement::start(fake_management::Knobs::default()),
            pg,
            fake_pg: FakePg::start(Script {
                tls: false,
                auth: Auth::Trust,
                answers: Answers::Hostile,
            }),
            action: Mutex::new(Harness::new("no-key-leaves-action")),
            dir,
        }
    }

    /// Sets every fake to answer this case (and undoes the last case's rows), and returns
    /// the environment of the run.
    fn arrange(&self, case: &Case, secret: &Secret, said: &Said) -> Vec<(String, String)> {
        let held = |kind: Kind, otherwise: &str| {
            if secret.kind == kind {
                secret.value.clone()
            } else {
                otherwise.to_string()
            }
        };
        let pendo_key = held(Kind::PendoKey, fake_pendo::FAKE_PENDO_KEY);
        let token = held(Kind::AccessToken, fake_management::FAKE_ACCESS_TOKEN);
        let supabase_key = match secret.kind {
            Kind::SbSecret | Kind::ServiceRoleJwt => secret.value.clone(),
            _ => fake_postgrest::SECRET_KEY.to_string(),
        };
        let password = held(Kind::DbPassword, "fake-db-password-not-drawn");
        let joined = said.joined();
        {
            let mut k = self.pendo.knobs();
            k.keys = vec![pendo_key.clone()];
            k.hostile = match case.channel {
                Channel::PendoBody => Some(fake_pendo::Hostile {
                    status: if case.seed.is_multiple_of(2) {
                        401
                    } else {
                        500
                    },
                    body: joined.clone(),
                    header: None,
                }),
                Channel::PendoHeader => Some(fake_pendo::Hostile {
                    status: 401,
                    body: "Unauthorized\n".into(),
                    header: Some(("x-request-id".into(), joined.clone())),
                }),
                _ => None,
            };
        }
        self.rest.knobs(|k| {
            k.hostile = (case.channel == Channel::PostgrestError).then(|| HostileError {
                status: if case.seed.is_multiple_of(2) {
                    400
                } else {
                    500
                },
                code: "P0001".into(),
                message: said.first.clone(),
                details: said.second.clone(),
            })
        });
        fake_pg_wire::set_hostile(fake_pg_wire::Hostile {
            notice: (case.channel == Channel::PgNotice).then(|| joined.clone()),
            error: (case.channel == Channel::PgError)
                .then(|| (said.first.clone(), said.second.clone())),
        });
        self.arrange_management(case, &token, said, &joined);
        self.arrange_rows(case, &joined);

        // Only what the case needs, so each run is short: the drawn value is held, and
        // the channel's dependency is reached.
        let mut env: Vec<(String, String)> = vec![
            ("PENDO_TRIAGE_NOW".into(), NOW_TEXT.into()),
            ("PENDO_TRIAGE_LOG".into(), "debug".into()),
            ("SUPABASE_SERVICE_ROLE_KEY".into(), supabase_key),
            // Every host a Pendo check could reach is the fake.
            ("PENDO_BASE_URL".into(), self.pendo.url().into()),
            (
                "PENDO_TRIAGE_PENDO_HOSTS".into(),
                ["us", "us1", "eu", "jpn", "au"]
                    .map(|r| format!("{r}={}", self.pendo.url()))
                    .join(","),
            ),
        ];
        let pendo = matches!(case.channel, Channel::PendoBody | Channel::PendoHeader);
        if pendo || secret.kind == Kind::PendoKey {
            env.push(("PENDO_INTEGRATION_KEY".into(), pendo_key));
        }
        let management = matches!(
            case.channel,
            Channel::ManagementMessage | Channel::ManagementLog | Channel::RetryAfter
        );
        if management || secret.kind == Kind::AccessToken {
            env.push(("SUPABASE_ACCESS_TOKEN".into(), token));
        }
        if case.channel == Channel::PostgrestError {
            env.push(("SUPABASE_URL".into(), self.rest.url().into()));
        }
        let encoded = percent(&password);
        let db_url = match case.channel {
            Channel::PgError | Channel::PgNotice => Some(format!(
                "postgresql://postgres:{encoded}@127.0.0.1:{}/postgres?sslmode=disable",
                self.fake_pg_port()
            )),
            Channel::SyncStatusRow | Channel::PgNetBody | Channel::CronMessage => {
                Some(self.real_db_url(&encoded))
            }
            _ if secret.kind == Kind::DbPassword => Some(self.real_db_url(&encoded)),
            _ => None,
        };
        if let Some(url) = db_url {
            env.push(("SUPABASE_DB_URL".into(), url));
        }
        env
    }

    fn fake_pg_port(&self) -> u16 {
        let url = self.fake_pg.url("x", "");
        let port = url.rsplit(':').next().unwrap_or_default();
        port.split('/').next().unwrap_or_default().parse().unwrap()
    }

    fn real_db_url(&self, encoded_password: &str) -> String {
        format!(
            "postgresql://postgres:{encoded_password}@localhost:{}/postgres?sslmode=verify-full&sslrootcert={}",
            self.pg.port(),
            self.pg.ca_path().display()
        )
    }

    fn arrange_management(&self, case: &Case, token: &str, said: &Said, joined: &str) {
        let mut k = self.management.knobs();
        k.token = Some(token.to_string());
        let run0 = run_start(NOW, 0);
        k.functions = vec![Function {
            id: FUNCTION_ID.into(),
            slug: "pendo-sync".into(),
            version: 17,
            status: "ACTIVE".into(),
            updated_at: NOW - 20 * 86_400,
        }];
        k.invocations = vec![Invocation {
            at: run0 + 71,
            function_id: FUNCTION_ID.into(),
            status_code: 546,
            execution_time_ms: 71_000,
        }];
        let line = if case.channel == Channel::ManagementLog {
            joined.to_string()
        } else {
            "Memory limit exceeded".to_string()
        };
        k.console = vec![ConsoleLine {
            at: run0 + 70,
            function_id: FUNCTION_ID.into(),
            level: "error".into(),
            message: line,
        }];
        k.hostile = match case.channel {
            Channel::ManagementMessage => Some(fake_management::Hostile {
                status: if case.seed.is_multiple_of(2) {
                    403
                } else {
                    500
                },
                message: said.joined(),
                retry_after: None,
            }),
            Channel::RetryAfter => Some(fake_management::Hostile {
                status: 429,
                message: "Too many requests".into(),
                retry_after: Some(joined.to_string()),
            }),
            _ => None,
        };
    }

    /// The newest run of each row channel says the text; the others are as loaded.
    fn arrange_rows(&self, case: &Case, joined: &str) {
        let text = |c: Channel| {
            if case.channel == c {
                sql_literal(joined)
            } else {
                "null".into()
            }
        };
        let sync = text(Channel::SyncStatusRow);
        let net = text(Channel::PgNetBody);
        let cron = text(Channel::CronMessage);
        self.pg.exec(&format!(
            "update public.sync_status set status = case when {sync} is null then 'completed' else 'failed' end, \
             error_message = {sync} where id = (select max(id) from public.sync_status where entity_type = 'guides');
             update net._http_response set status_code = case when {net} is null then 200 else 500 end, \
             content = coalesce({net}, '{{\"success\":true}}') where id = (select max(id) from net._http_response);
             update cron.job_run_details set status = case when {cron} is null then 'succeeded' else 'failed' end, \
             return_message = coalesce({cron}, '1 row') where runid = (select max(d.runid) from cron.job_run_details d \
             join cron.job j on j.jobid = d.jobid where j.jobname = '{JOB_NAME}');"
        ));
    }

    fn check(&self, env: &[(String, String)], config: &str) -> Vec<(String, String)> {
        check_both(&self.dir, env, config)
    }

    /// The Action on a new issue: everything it wrote and printed, by name.
    fn action(
        &self,
        env: &[(String, String)],
        config: &str,
        secret: &Secret,
    ) -> Vec<(String, String)> {
        let mut h = self.action.lock().unwrap_or_else(|e| e.into_inner());
        h.env.clear();
        for (k, v) in env {
            h.set(k, v);
        }
        let config_path = self.dir.join("action-config.yml");
        std::fs::write(&config_path, config).unwrap();
        h.set("PENDO_TRIAGE_CONFIG", &config_path.display().to_string());
        if secret.kind == Kind::GithubToken {
            h.gh.add_token(&secret.value, support::BOT_LOGIN, "NONE");
            h.set("INPUT_GITHUB-TOKEN", &secret.value);
        }
        h.gh.clear_requests();
        let n = h.file("[API] Guides sync failing", BODY);
        let run = h.opened(n);
        let mut sinks = vec![
            // The runner reads `::add-mask::` lines and never shows them: they are how
            // the log is told what to hide, not a leak.
            ("run stdout".to_string(), without_masks(&run.stdout)),
            ("run stderr".to_string(), run.stderr.clone()),
            ("GITHUB_OUTPUT".to_string(), run.outputs.clone()),
            ("GITHUB_STEP_SUMMARY".to_string(), run.summary.clone()),
        ];
        assert_eq!(
            run.code,
            0,
            "run failed: {}",
            scrubbed_for_message(&run.stderr, secret)
        );
        for c in h.gh.comments(n) {
            if let Some(state) = state_json(&c.body) {
                sinks.push(("state block (decoded)".into(), state));
            }
            sinks.push(("comment".into(), c.body));
        }
        let issue = h.gh.issue(n);
        sinks.push(("issue title".into(), issue.title));
        sinks.push(("issue body".into(), issue.body));
        for w in h.gh.writes() {
            sinks.push((format!("write {}", w.line()), w.body));
        }
        for l in h.gh.repo_labels() {
            sinks.push(("label".into(), format!("{} {:?}", l.name, l.description)));
        }
        sinks
    }
}

/// `check` in both formats, run side by side: every sink it has, by name.
fn check_both(
    dir: &std::path::Path,
    env: &[(String, String)],
    config: &str,
) -> Vec<(String, String)> {
    let issue = dir.join("issue.md");
    std::fs::write(&issue, BODY).unwrap();
    let config_path = dir.join("config.yml");
    std::fs::write(&config_path, config).unwrap();
    let children: Vec<_> = ["markdown", "json"]
        .into_iter()
        .map(|format| {
            let mut cmd = Command::new(support::bin());
            cmd.env_clear()
                .args(["check", "--format", format, "--config"])
                .arg(&config_path)
                .arg(&issue)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped());
            for (k, v) in std::env::vars() {
                if k == "LD_PRELOAD" || k.starts_with("FAKETIME") {
                    cmd.env(k, v);
                }
            }
            cmd.envs(env.iter().map(|(k, v)| (k, v)));
            (format, cmd.spawn().expect("run pendo-triage check"))
        })
        .collect();
    let mut sinks = Vec::new();
    for (format, child) in children {
        let out = child
            .wait_with_output()
            .expect("wait for pendo-triage check");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "check exit {:?}: {stderr}",
            out.status
        );
        sinks.push((
            format!("check {format} stdout"),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ));
        sinks.push((format!("check {format} stderr"), stderr));
    }
    sinks
}

/// The log as the runner shows it: without its `::add-mask::` commands.
fn without_masks(log: &str) -> String {
    log.lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `%XX` for every byte but the unreserved ones, as a URL's password.
fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The state block's JSON, decoded from its base64.
fn state_json(comment: &str) -> Option<String> {
    let start = comment.find("<!-- pendo-triage:state ")? + "<!-- pendo-triage:state ".len();
    let end = comment[start..].find(" -->")? + start;
    let bytes = STANDARD.decode(comment[start..end].trim()).ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

// ---- reading a sink as a person would ----

/// Invisible and formatting characters a reader does not see.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}')
        || (c.is_control() && c != '\n')
}

/// `&amp;`, `&lt;`, `&#95;`, `&#x5f;` … as the characters they stand for.
fn html_unescape(text: &str) -> String {
    static ENTITY: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});").unwrap()
    });
    ENTITY
        .replace_all(text, |c: &regex::Captures| {
            let name = &c[1];
            let ch = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(dec) = name.strip_prefix('#') {
                dec.parse().ok().and_then(char::from_u32)
            } else {
                match name {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some(' '),
                    "lowbar" => Some('_'),
                    "ast" => Some('*'),
                    "num" => Some('#'),
                    "excl" => Some('!'),
                    "commat" => Some('@'),
                    "verbar" | "vert" => Some('|'),
                    "lsqb" | "lbrack" => Some('['),
                    "rsqb" | "rbrack" => Some(']'),
                    "tilde" => Some('~'),
                    "period" => Some('.'),
                    "colon" => Some(':'),
                    "dollar" => Some('$'),
                    "percnt" => Some('%'),
                    "plus" => Some('+'),
                    "equals" => Some('='),
                    "quest" => Some('?'),
                    "hyphen" | "dash" => Some('-'),
                    _ => None,
                }
            };
            ch.map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

/// JSON's `\uXXXX` as the character.
fn json_unescape(text: &str) -> String {
    static U: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"\\u([0-9a-fA-F]{4})").unwrap());
    U.replace_all(text, |c: &regex::Captures| {
        u32::from_str_radix(&c[1], 16)
            .ok()
            .and_then(char::from_u32)
            .map(String::from)
            .unwrap_or_else(|| c[0].to_string())
    })
    .into_owned()
}

/// A markdown backslash escape (`\_`) as the character.
fn markdown_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && chars.peek().is_some_and(|n| n.is_ascii_punctuation()) {
            out.push(chars.next().unwrap());
        } else {
            out.push(c);
        }
    }
    out
}

/// What a reader makes of a sink: entities, `\u` and markdown escapes undone, NFKC,
/// invisible characters gone (twice, for an escape that was escaped again).
fn unescape(text: &str) -> String {
    let mut t = text.to_string();
    for _ in 0..2 {
        t = html_unescape(&t);
        t = json_unescape(&t);
        t = markdown_unescape(&t);
        t = t.nfkc().filter(|c| !invisible(*c)).collect();
    }
    t
}

fn percent_decode(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(v) = u8::from_str_radix(hex, 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Runs of 16 or more hex digits, decoded (at both alignments).
fn hex_decoded(text: &str) -> String {
    static RUNS: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"[0-9a-fA-F]{16,}").unwrap());
    let mut out = String::new();
    for m in RUNS.find_iter(text) {
        for skip in 0..2 {
            let s = &m.as_str()[skip..];
            let bytes: Vec<u8> = (0..s.len() / 2)
                .filter_map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
                .collect();
            out.push_str(&String::from_utf8_lossy(&bytes));
            out.push('\n');
        }
    }
    out
}

/// Runs of 12 or more base64 characters, decoded (standard and URL-safe, every alignment).
fn base64_decoded(text: &str) -> String {
    static RUNS: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"[A-Za-z0-9+/_-]{12,}").unwrap());
    let mut out = String::new();
    for m in RUNS.find_iter(text) {
        for skip in 0..4 {
            let s = &m.as_str()[skip..];
            let s = &s[..s.len() / 4 * 4];
            for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                if let Ok(bytes) = engine.decode(s) {
                    out.push_str(&String::from_utf8_lossy(&bytes));
                    out.push('\n');
                }
            }
        }
    }
    out
}

/// Every way a reader could read `sink`, lower-cased.
fn readings(sink: &str) -> Vec<String> {
    let plain = unescape(sink);
    let once = percent_decode(&plain);
    let twice = percent_decode(&once);
    let mut all = vec![
        plain.clone(),
        unescape(&once),
        unescape(&twice),
        unescape(&hex_decoded(&plain)),
    ];
    let b64 = base64_decoded(&plain);
    all.push(unescape(&b64));
    all.push(unescape(&base64_decoded(&unescape(&b64))));
    all.into_iter().map(|r| r.to_lowercase()).collect()
}

/// The first 8-character run of the secret (outside its public prefix) that a reading of
/// a sink holds: `(sink name, run, the reading around it)`.
fn leak(sinks: &[(String, String)], secret: &Secret) -> Option<(String, String, String)> {
    let chars: Vec<char> = secret.value.to_lowercase().chars().collect();
    let windows: Vec<String> = (0..chars.len().saturating_sub(7))
        .filter(|&i| i + 8 > secret.public)
        .map(|i| chars[i..i + 8].iter().collect())
        .collect();
    for (name, text) in sinks {
        for reading in readings(text) {
            if let Some(w) = windows.iter().find(|w| reading.contains(w.as_str())) {
                let at = reading.find(w.as_str()).unwrap_or(0);
                let around: String = reading[..at]
                    .chars()
                    .rev()
                    .take(300)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .chain(reading[at..].chars().take(300))
                    .collect();
                return Some((name.clone(), w.clone(), around));
            }
        }
    }
    None
}

/// A sink's text for a failure message, with the secret's value marked, so the message
/// shows where it stood.
fn scrubbed_for_message(text: &str, secret: &Secret) -> String {
    text.replace(&secret.value, "<THE SECRET>")
}

/// Runs one case: `check` (unless only the Action holds the value) and, when `action`,
/// the Action. Returns whether the dependency's text reached any sink (its canary shows),
/// and what leaked where, if anything did.
fn run_case(world: &World, case: &Case, action: bool) -> (bool, Option<String>) {
    let mut rng = Rng(case.seed);
    let secret = secret(case.kind, &mut rng);
    let said = said(case, &secret, &mut rng);
    let env = world.arrange(case, &secret, &said);
    let config = config(&world.management);
    let mut sinks = Vec::new();
    if case.kind != Kind::GithubToken {
        sinks.extend(world.check(&env, &config));
    }
    if action || case.kind == Kind::GithubToken {
        sinks.extend(world.action(&env, &config, &secret));
    }
    let reading = std::time::Instant::now();
    let reached = sinks.iter().any(|(_, t)| t.contains(&said.canary));
    let leaked = leak(&sinks, &secret).map(|(sink, run, around)| {
        format!(
            "{case:?}: {run:?} of {:?} leaked into {sink}, read as (lower-cased, decoded):\n{around}",
            secret.value,
        )
    });
    READING_MS.fetch_add(reading.elapsed().as_millis() as usize, Ordering::Relaxed);
    (reached, leaked)
}

/// Time spent reading the sinks (the rest of a case is the runs themselves).
static READING_MS: AtomicUsize = AtomicUsize::new(0);

/// The property. Every case runs and every leak is listed at the end (as a line ready
/// for [`REGRESSIONS`]), rather than stopping at the first: a list of what still leaks
/// says more than one shrunk case, and shrinking a case that costs a process run buys
/// little.
#[test]
fn no_held_key_leaves_whatever_a_dependency_says() {
    let world = World::start();
    let started = std::time::Instant::now();
    let mut config = ProptestConfig::with_cases(256);
    config.failure_persistence = None;
    let mut runner = TestRunner::new(config);
    let count = AtomicUsize::new(0);
    let reached = Mutex::new(std::collections::BTreeMap::<String, (u32, u32)>::new());
    let leaks = Mutex::new(Vec::new());
    runner
        .run(&case(), |case| {
            let n = count.fetch_add(1, Ordering::SeqCst);
            let (hit, leaked) = run_case(&world, &case, n.is_multiple_of(16));
            let mut r = reached.lock().unwrap();
            let e = r.entry(format!("{:?}", case.channel)).or_default();
            e.0 += 1;
            e.1 += u32::from(hit);
            if let Some(leak) = leaked {
                leaks.lock().unwrap().push((case, leak));
            }
            Ok(())
        })
        .unwrap();
    let reached = reached.into_inner().unwrap();
    eprintln!(
        "no_key_leaves: {} cases in {:?} ({} ms of it reading the sinks); per channel (cases, cases whose text reached a sink): {reached:?}",
        count.load(Ordering::SeqCst),
        started.elapsed(),
        READING_MS.load(Ordering::Relaxed),
    );
    // The property means something only if what the dependencies say reaches the report
    // (a header and a notice are only read, never shown: they are here for the log).
    for (channel, (cases, hit)) in &reached {
        if !["PendoHeader", "PgNotice"].contains(&channel.as_str()) && *cases >= 4 {
            assert!(
                *hit > 0,
                "{channel}: the text reached no sink in {cases} cases"
            );
        }
    }
    let leaks = leaks.into_inner().unwrap();
    for (_, leak) in &leaks {
        eprintln!("{leak}\n");
    }
    let table: Vec<String> = leaks.iter().map(|(c, _)| regression_line(c)).collect();
    assert!(
        leaks.is_empty(),
        "{} of {} cases leaked (details above); as regression cases:\n{}",
        leaks.len(),
        count.load(Ordering::SeqCst),
        table.join("\n")
    );
}

/// A case as a line of [`REGRESSIONS`].
fn regression_line(c: &Case) -> String {
    format!(
        "    Case {{ kind: Kind::{:?}, encoding: Encoding::{:?}, channel: Channel::{:?}, position: Position::{:?}, seed: {} }},",
        c.kind, c.encoding, c.channel, c.position, c.seed
    )
}

#[test]
fn cases_that_leaked_once_stay_fixed() {
    if REGRESSIONS.is_empty() {
        return;
    }
    let world = World::start();
    let leaks: Vec<String> = REGRESSIONS
        .iter()
        .filter_map(|case| run_case(&world, case, true).1)
        .collect();
    assert!(leaks.is_empty(), "{}", leaks.join("\n\n"));
}

// ---- the most mundane leaks, as stories ----

/// Every sink of `sinks` and the secret: no 8-character run of it, however read.
fn assert_no_leak(sinks: &[(String, String)], value: &str, public: usize) {
    let secret = Secret {
        kind: Kind::SbSecret,
        value: value.to_string(),
        public,
    };
    if let Some((sink, run, around)) = leak(sinks, &secret) {
        panic!("{run:?} of {value:?} leaked into {sink}:\n{around}");
    }
}

fn sink<'a>(sinks: &'a [(String, String)], name: &str) -> &'a str {
    &sinks.iter().find(|(n, _)| n == name).unwrap().1
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut env = vec![
        ("PENDO_TRIAGE_NOW".to_string(), NOW_TEXT.to_string()),
        ("PENDO_TRIAGE_LOG".to_string(), "debug".to_string()),
    ];
    env.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

const STORY_SECRET_KEY: &str = "sb_secret_FakeStoryKey7e57Qx9Zt3Wm0Lp2Vn8Rk4";
const STORY_TOKEN: &str = "sbp_fa4e5707e57000000000000000000000c0ffee42";

#[test]
fn a_cron_run_that_fails_on_the_bearer_header_keeps_the_key_out_of_the_p0_headline() {
    let pg = Pg::start();
    pg.load(History::Healthy, NOW);
    // The job's command sent `Authorization: Bearer <key>` where JSON was expected.
    let message = format!(
        "ERROR:  invalid input syntax for type json\nDETAIL:  Token \"Bearer\" is invalid.\nCONTEXT:  JSON data, line 1: Bearer {STORY_SECRET_KEY}"
    );
    pg.exec(&format!(
        "update cron.job_run_details set status = 'failed', return_message = {} \
         where runid = (select max(d.runid) from cron.job_run_details d join cron.job j on j.jobid = d.jobid where j.jobname = '{JOB_NAME}');",
        sql_literal(&message)
    ));
    let dir = support::temp_dir("story-cron-bearer");
    let url = pg.url("verify-full");
    let sinks = check_both(
        &dir,
        &env(&[
            ("SUPABASE_DB_URL", &url),
            ("SUPABASE_SERVICE_ROLE_KEY", STORY_SECRET_KEY),
        ]),
        "",
    );
    let markdown = sink(&sinks, "check markdown stdout");
    let headline = markdown.lines().find(|l| l.starts_with("### ")).unwrap();
    assert!(headline.contains("P0"), "{headline}");
    assert!(
        headline.contains("invalid input syntax for type json"),
        "the cron message is the diagnosis: {headline}"
    );
    let json: serde_json::Value = serde_json::from_str(sink(&sinks, "check json stdout")).unwrap();
    assert_eq!(json["severity"], "P0");
    assert_no_leak(&sinks, STORY_SECRET_KEY, 12);
}

#[test]
fn a_management_api_message_that_cuts_a_key_at_200_shows_none_of_it() {
    let management = FakeManagement::start(fake_management::Knobs::default());
    let dir = support::temp_dir("story-management-cut");
    for key in [STORY_SECRET_KEY, STORY_TOKEN] {
        // The key starts 20 characters before the 200th.
        let lead = "upstream rejected the request because the bearer credential ";
        let message = format!(
            "{lead}{}{key} is not allowed here",
            "x".repeat(180 - lead.len())
        );
        management.knobs().hostile = Some(fake_management::Hostile {
            status: 500,
            message,
            retry_after: None,
        });
        let sinks = check_both(
            &dir,
            &env(&[
                ("SUPABASE_ACCESS_TOKEN", STORY_TOKEN),
                ("SUPABASE_SERVICE_ROLE_KEY", STORY_SECRET_KEY),
            ]),
            &config(&management),
        );
        assert!(
            sink(&sinks, "check markdown stdout").contains("upstream rejected the request"),
            "the message reached the report"
        );
        assert_no_leak(&sinks, key, if key == STORY_SECRET_KEY { 12 } else { 0 });
    }
}

#[test]
fn an_edge_function_log_line_with_u200e_inside_an_access_token_stays_masked() {
    let management = FakeManagement::start(fake_management::Knobs::default());
    let (head, tail) = STORY_TOKEN.split_at(17);
    let line = format!("auth failed for token {}\u{200E}{}\u{200E}", head, tail);
    {
        let mut k = management.knobs();
        k.token = Some(STORY_TOKEN.into());
        let run0 = run_start(NOW, 0);
        k.functions = vec![Function {
            id: FUNCTION_ID.into(),
            slug: "pendo-sync".into(),
            version: 17,
            status: "ACTIVE".into(),
            updated_at: NOW - 20 * 86_400,
        }];
        k.invocations = vec![Invocation {
            at: run0 + 3,
            function_id: FUNCTION_ID.into(),
            status_code: 500,
            execution_time_ms: 3_000,
        }];
        k.console = vec![ConsoleLine {
            at: run0 + 2,
            function_id: FUNCTION_ID.into(),
            level: "error".into(),
            message: line,
        }];
    }
    let dir = support::temp_dir("story-log-u200e");
    let sinks = check_both(
        &dir,
        &env(&[("SUPABASE_ACCESS_TOKEN", STORY_TOKEN)]),
        &config(&management),
    );
    assert!(
        sink(&sinks, "check json stdout").contains("auth failed for token"),
        "the log line reached the report"
    );
    assert_no_leak(&sinks, STORY_TOKEN, 0);
}

#[test]
fn a_pendo_rejection_that_echoes_the_key_across_the_120_cut_shows_none_of_it() {
    let pendo = FakePendo::builder().now_ms(NOW * 1000).start();
    let key = "fa4e5707-7e57-4e57-8e57-0000c0ffee42.us";
    let lead = "Unauthorized: the integration key ";
    pendo.knobs().hostile = Some(fake_pendo::Hostile {
        status: 401,
        body: format!(
            "{lead}{}{key} is not valid for this subscription\n",
            "y".repeat(100 - lead.len())
        ),
        header: None,
    });
    let dir = support::temp_dir("story-pendo-120");
    let sinks = check_both(
        &dir,
        &env(&[
            ("PENDO_INTEGRATION_KEY", key),
            ("PENDO_BASE_URL", pendo.url()),
            (
                "PENDO_TRIAGE_PENDO_HOSTS",
                &["us", "us1", "eu", "jpn", "au"]
                    .map(|r| format!("{r}={}", pendo.url()))
                    .join(","),
            ),
        ]),
        "",
    );
    assert!(
        sink(&sinks, "check markdown stdout").contains("Unauthorized: the integration key"),
        "the body reached the report"
    );
    assert_no_leak(&sinks, key, 0);
}
