//! `pendo.auth`: does Pendo accept the key, and on which regional host?
//!
//! A cheap GET with the key. When Pendo rejects it (401, 403, or the 400 a wrong region
//! can give) and no `pendo-base-url` pins the host, the same GET goes once to each other
//! official regional host: "the key works on app.eu.pendo.io, set `pendo-region: eu`" is
//! a different fix from "the key is invalid or revoked".

use super::{Pendo, key_region};
use crate::finding::{CheckId, Finding, Status};
use crate::live::http::{Answer, FetchError, host_name};
use crate::live::{Live, fetch_error};
use crate::meaning::{self, Service};

/// The probe: small, and readable with any valid key.
pub const PROBE_PATH: &str = "/api/v1/metadata/schema/account";
const MAX_BODY: usize = 1 << 20;
const ID: CheckId = CheckId::PendoAuth;

/// What one host answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub status: u16,
    pub elapsed_ms: u64,
    /// The start of the body, for messages (Pendo often sends none).
    pub body: String,
}

impl Seen {
    fn of(a: &Answer) -> Seen {
        Seen {
            status: a.status,
            elapsed_ms: a.elapsed.as_millis() as u64,
            body: a.text(120),
        }
    }
}

/// What the fetch found: the configured host's answer, and the other hosts' when it
/// rejected the key.
#[derive(Debug, Clone)]
pub struct Answers {
    pub host: String,
    pub configured: Result<Seen, FetchError>,
    /// `(region, host, answer)` for each other host tried, in order.
    pub elsewhere: Vec<(String, String, Result<Seen, FetchError>)>,
}

/// What else the judge needs to know about the key and the setup.
#[derive(Debug, Clone, Default)]
pub struct KeyFacts<'a> {
    pub region: &'a str,
    /// The region the key's suffix names.
    pub key_region: Option<&'a str>,
    pub notes: &'a [&'static str],
    /// True when `pendo-base-url` pins the host (no other host is tried).
    pub pinned: bool,
}

fn rejected(status: u16) -> bool {
    matches!(status, 400 | 401 | 403)
}

/// The GETs.
pub async fn fetch(p: &Pendo) -> Answers {
    let configured = p
        .get(&p.base, PROBE_PATH, MAX_BODY)
        .await
        .map(|a| Seen::of(&a));
    let mut elsewhere = Vec::new();
    if matches!(&configured, Ok(s) if rejected(s.status)) {
        for (region, host) in &p.others {
            let seen = p
                .get(host, PROBE_PATH, MAX_BODY)
                .await
                .map(|a| Seen::of(&a));
            let works = matches!(&seen, Ok(s) if (200..300).contains(&s.status));
            elsewhere.push((region.clone(), host.clone(), seen));
            if works {
                break;
            }
        }
    }
    Answers {
        host: p.base.clone(),
        configured,
        elsewhere,
    }
}

/// The finding, from what the hosts answered.
pub fn judge(a: &Answers, key: &KeyFacts) -> Finding {
    let host = host_name(&a.host);
    let seen = match &a.configured {
        Ok(s) => s,
        Err(e) => return fetch_error(ID, &format!("GET {host}{PROBE_PATH}"), e),
    };
    let evidence = format!(
        "GET {host}{PROBE_PATH} → {} in {} ms{}",
        seen.status,
        seen.elapsed_ms,
        if seen.body.is_empty() {
            String::new()
        } else {
            format!(": {}", seen.body)
        }
    );
    let mut f = match seen.status {
        200..=299 => accepted(host, key),
        s if rejected(s) => refused(host, s, a, key),
        s => match meaning::of_status(s, Service::Pendo) {
            Some(m) if s == 429 || s >= 500 => Finding::new(
                ID,
                if s == 429 { Status::Warn } else { Status::Fail },
                format!("Pendo answers {s} on {host}: {}", m.title),
            )
            .with_impact(m.impact)
            .with_next_step(m.fix),
            _ => Finding::new(
                ID,
                Status::Error,
                format!(
                    "Pendo answered {s} to the key probe on {host}; the key could not be checked"
                ),
            ),
        },
    };
    f.evidence.insert(0, evidence);
    for (region, other, seen) in &a.elsewhere {
        let other = host_name(other);
        f = f.with_evidence(match seen {
            Ok(s) => format!("{region}: GET {other}{PROBE_PATH} → {}", s.status),
            Err(e) => format!("{region}: GET {other}{PROBE_PATH}: {e}"),
        });
    }
    f
}

fn accepted(host: &str, key: &KeyFacts) -> Finding {
    let mut warnings: Vec<String> = key.notes.iter().map(|n| n.to_string()).collect();
    if let Some(kr) = key.key_region
        && kr != key.region
        && !key.pinned
    {
        warnings.push(format!(
            "the key's suffix says region {kr} but pendo-region is {}",
            key.region
        ));
    }
    let mut f = if warnings.is_empty() {
        Finding::pass(ID, format!("Pendo accepts the key on {host}"))
    } else {
        Finding::new(
            ID,
            Status::Warn,
            format!("Pendo accepts the key on {host}, but {}", warnings.join(" and ")),
        )
        .with_next_step(
            "Store the key exactly as Pendo shows it (no quotes, spaces or line breaks), with the region that matches its suffix.",
        )
    };
    f = f.with_measured("Key Validity", format!("accepted by {host}"));
    f
}

fn refused(host: &str, status: u16, a: &Answers, key: &KeyFacts) -> Finding {
    let m = meaning::Known::PendoKeyRejected.meaning();
    let works_on = a.elsewhere.iter().find_map(|(region, other, seen)| {
        matches!(seen, Ok(s) if (200..300).contains(&s.status))
            .then(|| (region.as_str(), host_name(other), other.as_str()))
    });
    let mut f = match works_on {
        Some((region, other_host, other_url)) => Finding::new(
            ID,
            Status::Fail,
            format!(
                "Wrong region: Pendo rejects the key on {host} ({status}) but accepts it on {other_host}; the key belongs to region {region}"
            ),
        )
        .with_next_step(format!(
            "Set `pendo-region: {region}` for the bot, and make sure the sync calls {other_url} (the key's region)."
        ))
        .with_measured("Key Validity", format!("rejected by {host}, accepted by {other_host}")),
        None => {
            let scope = if key.pinned || a.elsewhere.is_empty() {
                format!("on {host}")
            } else {
                "on every regional host".to_string()
            };
            Finding::new(
                ID,
                Status::Fail,
                format!("Pendo rejects the key {scope} ({status}): it is invalid, revoked or lacks access"),
            )
            .with_next_step(m.fix)
            .with_measured("Key Validity", format!("rejected ({status})"))
        }
    };
    f = f.with_impact(m.impact);
    if !key.notes.is_empty() {
        f = f.with_next_step(format!(
            "Also: {}; store the key without them.",
            key.notes.join(" and ")
        ));
    }
    f
}

/// `pendo.auth` for this run.
pub async fn check(live: &Live) -> Finding {
    let Some(p) = &live.pendo else {
        return Finding::skip(ID, "no Pendo key");
    };
    let answers = p.auth.get_or_init(|| fetch(p)).await;
    let key = KeyFacts {
        region: &p.region,
        key_region: key_region(&p.key),
        notes: &p.key_notes,
        pinned: p.others.is_empty(),
    };
    judge(answers, &key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Impact;

    fn seen(status: u16) -> Result<Seen, FetchError> {
        Ok(Seen {
            status,
            elapsed_ms: 80,
            body: String::new(),
        })
    }

    fn answers(configured: u16, elsewhere: &[(&str, u16)]) -> Answers {
        Answers {
            host: "https://app.pendo.io".into(),
            configured: seen(configured),
            elsewhere: elsewhere
                .iter()
                .map(|(r, s)| (r.to_string(), format!("https://app.{r}.pendo.io"), seen(*s)))
                .collect(),
        }
    }

    fn us() -> KeyFacts<'static> {
        KeyFacts {
            region: "us",
            key_region: Some("us"),
            ..Default::default()
        }
    }

    /// (configured host's status, other hosts' statuses, status, impact, words)
    type Case = (
        u16,
        &'static [(&'static str, u16)],
        Status,
        Impact,
        &'static str,
    );

    #[test]
    fn table() {
        let cases: &[Case] = &[
            (
                200,
                &[],
                Status::Pass,
                Impact::None,
                "accepts the key on app.pendo.io",
            ),
            (
                403,
                &[("us1", 403), ("eu", 200)],
                Status::Fail,
                Impact::Critical,
                "Wrong region",
            ),
            (
                401,
                &[("us1", 401), ("eu", 401), ("jpn", 401), ("au", 401)],
                Status::Fail,
                Impact::Critical,
                "every regional host",
            ),
            (
                400,
                &[("eu", 200)],
                Status::Fail,
                Impact::Critical,
                "belongs to region eu",
            ),
            (429, &[], Status::Warn, Impact::Degraded, "429"),
            (503, &[], Status::Fail, Impact::Critical, "503"),
            (
                404,
                &[],
                Status::Error,
                Impact::None,
                "could not be checked",
            ),
        ];
        for (configured, elsewhere, status, impact, words) in cases {
            let f = judge(&answers(*configured, elsewhere), &us());
            assert_eq!(f.status, *status, "{configured}: {f:?}");
            assert_eq!(f.impact, *impact, "{configured}: {f:?}");
            assert!(f.summary.contains(words), "{configured}: {}", f.summary);
            assert!(
                f.evidence[0].starts_with("GET app.pendo.io/api/v1/metadata/schema/account → ")
            );
        }
        let wrong = judge(&answers(403, &[("eu", 200)]), &us());
        assert!(
            wrong.next_steps[0].contains("`pendo-region: eu`"),
            "{wrong:?}"
        );
        assert_eq!(wrong.evidence.len(), 2);
    }

    #[test]
    fn a_pinned_host_is_judged_alone() {
        let key = KeyFacts {
            pinned: true,
            ..us()
        };
        let f = judge(&answers(403, &[]), &key);
        assert!(f.summary.contains("on app.pendo.io (403)"), "{}", f.summary);
    }

    #[test]
    fn a_working_key_with_a_flaw_is_a_warning_that_does_not_raise_severity() {
        let key = KeyFacts {
            region: "us",
            key_region: Some("eu"),
            notes: &["the secret is wrapped in quotes"],
            pinned: false,
        };
        let f = judge(&answers(200, &[]), &key);
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::None));
        assert!(
            f.summary
                .contains("wrapped in quotes and the key's suffix says region eu"),
            "{}",
            f.summary
        );
    }

    #[test]
    fn no_answer_is_an_error_not_a_verdict() {
        let a = Answers {
            host: "https://app.pendo.io".into(),
            configured: Err(FetchError::Timeout(std::time::Duration::from_secs(10))),
            elsewhere: vec![],
        };
        let f = judge(&a, &us());
        assert_eq!(f.status, Status::Error);
        assert!(f.summary.contains("no answer within 10 s"), "{}", f.summary);
    }
}
