//! The bot's memory, kept as a hidden block at the end of its own report comment.
//!
//! GitHub gives the bot no other place to remember things between runs, and the report
//! comment is the one object it owns. The block is an HTML comment,
//! `<!-- pendo-triage:state BASE64(JSON) -->` (base64 so no `--` in the JSON can end the
//! comment early), holding: which checklist items the bot ticked (so a person's untick is
//! respected), which labels the bot added (so it only ever removes its own), the last
//! live results with their time and inputs (so quick edits reuse them), a fingerprint
//! of the visible report (so a run whose results did not change writes nothing), and
//! which metric columns it has seen non-zero (so a column wiped to zero later is told
//! apart from one that was never filled: [`MetricMemory`]).

use crate::clock::ReportedAt;
use crate::finding::{CheckId, Finding};
use crate::outside::Sink;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// How the block starts; the rest is base64 and ` -->`.
pub const PREFIX: &str = "<!-- pendo-triage:state ";
/// The format version written now.
pub const VERSION: u32 = 1;

/// What the bot remembers about one issue.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    pub v: u32,
    /// Checklist items the bot ticked, as [`crate::issue::normalize_key`] keys.
    pub ticked: Vec<String>,
    /// Labels the bot added (and that are still on the issue as far as it knows).
    pub labels_added: Vec<String>,
    /// The last live results, when live checks ran and reached anything.
    pub live: Option<LiveRecord>,
    /// [`fingerprint`] of the visible report (without timings and run link).
    pub report: String,
    /// The `issue.secrets` finding from before the bot masked the secrets: the body no
    /// longer shows them, but they stay in its edit history, so the finding stands.
    #[serde(deserialize_with = "lenient_finding")]
    pub secrets: Option<Finding>,
    /// The moment the issue's reported values are judged as of (its filing, or the last
    /// body edit the bot saw), so later runs judge the unchanged text the same way.
    pub reported: Option<ReportedAt>,
    /// Since when the live checks have found the sync broken (a critical finding), while
    /// they do.
    pub broken_since: Option<i64>,
    /// `(broken since, recovered at)`: the live checks pass again after finding it broken.
    pub recovered: Option<(i64, i64)>,
    /// The metric columns the bot has seen non-zero (`supabase.analytics`).
    #[serde(skip_serializing_if = "MetricMemory::is_empty")]
    pub analytics: MetricMemory,
}

/// What the bot remembers of the metric columns between runs: per table, per column,
/// on how many rows it last saw a non-zero value. A column it has never seen non-zero
/// may never have been filled; one it has, and that is zero now, was wiped. The issue
/// report keeps it in [`State::analytics`]; the watch keeps the same type in its own
/// state. Only columns seen non-zero are in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MetricMemory(pub BTreeMap<String, BTreeMap<String, u64>>);

/// The most tables and columns per table a [`MetricMemory`] read back keeps, and the
/// longest name: the block is read from a comment, so it is bounded like any input.
const MEMORY_TABLES: usize = 32;
const MEMORY_NAME_CHARS: usize = 63;

impl MetricMemory {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// On how many rows `table.column` was last seen non-zero (`None`: never).
    pub fn non_zero(&self, table: &str, column: &str) -> Option<u64> {
        self.0.get(table)?.get(column).copied().filter(|n| *n > 0)
    }

    /// Remembers that `table.column` is non-zero on `rows` rows now.
    pub fn saw(&mut self, table: &str, column: &str, rows: u64) {
        if rows > 0 {
            self.0
                .entry(table.to_string())
                .or_default()
                .insert(column.to_string(), rows);
        }
    }

    /// This memory and `other`'s together; a column in both keeps the larger count.
    pub fn merged(&self, other: &MetricMemory) -> MetricMemory {
        let mut out = self.clone();
        for (t, cols) in &other.0 {
            for (c, n) in cols {
                let was = out.non_zero(t, c).unwrap_or(0);
                out.saw(t, c, was.max(*n));
            }
        }
        out
    }

    /// The columns remembered, without their counts: a change of these is worth a write
    /// of the state block, a change of a count alone is not.
    pub fn columns(&self) -> Vec<(&str, &str)> {
        self.0
            .iter()
            .flat_map(|(t, cols)| cols.keys().map(move |c| (t.as_str(), c.as_str())))
            .collect()
    }

    /// The memory cut to [`MEMORY_TABLES`] tables of as many columns, names of at most
    /// [`MEMORY_NAME_CHARS`] (no PostgreSQL name is longer), zero counts left out.
    pub fn bounded(self) -> MetricMemory {
        let fits = |n: &String| n.chars().count() <= MEMORY_NAME_CHARS;
        MetricMemory(
            self.0
                .into_iter()
                .filter(|(t, _)| fits(t))
                .take(MEMORY_TABLES)
                .map(|(t, cols)| {
                    let cols: BTreeMap<String, u64> = cols
                        .into_iter()
                        .filter(|(c, n)| fits(c) && *n > 0)
                        .take(MEMORY_TABLES)
                        .collect();
                    (t, cols)
                })
                .filter(|(_, cols)| !cols.is_empty())
                .collect(),
        )
    }
}

/// Live findings kept for reuse.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LiveRecord {
    /// Unix seconds when the live checks ran.
    pub at: i64,
    /// Fingerprint of the inputs they ran with (environment, data type, endpoint, method).
    pub inputs: String,
    #[serde(deserialize_with = "lenient_findings")]
    pub findings: Vec<Finding>,
}

/// Findings read back from the block; one that is not a finding of a known check (an
/// older or newer build's, or a forgery) is left out rather than failing the block.
fn lenient_findings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Finding>, D::Error> {
    let values = Vec::<serde_json::Value>::deserialize(d)?;
    Ok(values
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect())
}

fn lenient_finding<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Finding>, D::Error> {
    let value = Option::<serde_json::Value>::deserialize(d)?;
    Ok(value.and_then(|v| serde_json::from_value(v).ok()))
}

impl State {
    /// The hidden block to append to the report.
    pub fn encode(&self) -> String {
        let mut s = self.clone();
        s.v = VERSION;
        s.compact();
        let json = serde_json::to_string(&s).unwrap_or_default();
        // Base64 hides text from the sinks' scrub: the held credentials are masked here.
        let json = crate::outside::scrub(&json);
        format!("{PREFIX}{} -->", B64.encode(json.as_bytes()))
    }

    /// Reads the block out of a report comment. `Ok(None)`: there is none (a report from
    /// before state existed, or a person removed it). `Err`: there is one but it cannot be
    /// read; the caller starts afresh and says so in the log.
    pub fn decode(comment: &str) -> Result<Option<State>, String> {
        let Some(start) = comment.rfind(PREFIX) else {
            return Ok(None);
        };
        let rest = &comment[start + PREFIX.len()..];
        let Some(end) = rest.find("-->") else {
            return Err("the state block is not closed".into());
        };
        let bytes = B64
            .decode(rest[..end].trim())
            .map_err(|e| format!("the state block is not base64: {e}"))?;
        let state: State = serde_json::from_slice(&bytes)
            .map_err(|e| format!("the state block is not valid: {e}"))?;
        if state.v > VERSION {
            return Err(format!(
                "state version {} is newer than this build ({VERSION})",
                state.v
            ));
        }
        Ok(Some(state))
    }
}

/// The most evidence lines a finding keeps in the state block, and the longest string it
/// keeps: the block must leave room for the visible report inside GitHub's 65,536
/// characters whatever the issue holds (thousands of pasted keys, say).
const STATE_EVIDENCE_LINES: usize = 5;
const STATE_TEXT_CHARS: usize = 300;

impl State {
    /// The state as read from the bot's own comment, checked like any other input: live
    /// results from the future or for unknown checks are dropped, text is cut to size.
    /// Text is still re-escaped wherever it is shown.
    pub fn validated(mut self, now: i64) -> State {
        self.live = self.live.take().filter(|l| l.at <= now).map(|mut l| {
            l.findings.retain(|f| !f.is_offline());
            l
        });
        self.secrets = self
            .secrets
            .take()
            .filter(|f| f.id == CheckId::IssueSecrets);
        self.analytics = std::mem::take(&mut self.analytics).bounded();
        self.compact();
        self
    }

    /// Cuts every finding it holds to [`STATE_EVIDENCE_LINES`] lines of
    /// [`STATE_TEXT_CHARS`] characters, saying how many lines were left out.
    fn compact(&mut self) {
        let findings = self
            .live
            .iter_mut()
            .flat_map(|l| l.findings.iter_mut())
            .chain(self.secrets.iter_mut());
        for f in findings {
            compact_finding(f);
        }
    }
}

/// Cuts one finding to what the state block keeps: [`STATE_EVIDENCE_LINES`] lines of
/// [`STATE_TEXT_CHARS`] characters, saying how many lines were left out.
pub fn compact_finding(f: &mut Finding) {
    // Through the way out, so a secret is redacted before the cut could hide its shape.
    let cut = |t: &mut String| {
        *t = crate::outside::emit(std::mem::take(t), STATE_TEXT_CHARS, Sink::Plain);
    };
    cut(&mut f.summary);
    if let Some(c) = &mut f.cause {
        cut(c);
    }
    if f.evidence.len() > STATE_EVIDENCE_LINES {
        let more = f.evidence.len() - STATE_EVIDENCE_LINES + 1;
        f.evidence.truncate(STATE_EVIDENCE_LINES - 1);
        f.evidence.push(format!("… and {more} more"));
    }
    f.evidence.iter_mut().for_each(cut);
    f.next_steps.truncate(STATE_EVIDENCE_LINES);
    f.next_steps.iter_mut().for_each(cut);
    f.measured.truncate(STATE_EVIDENCE_LINES);
    for (k, v) in &mut f.measured {
        cut(k);
        cut(v);
    }
}

/// A short, stable fingerprint of a text (64-bit FNV-1a, hex). Not cryptographic: it only
/// tells "same as last time" apart from "changed".
pub fn fingerprint(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Status;

    #[test]
    fn round_trips_inside_a_comment() {
        let s = State {
            v: 0,
            ticked: vec!["test api endpoint manually".into()],
            labels_added: vec!["severity:P1".into()],
            live: Some(LiveRecord {
                at: 1_700_000_000,
                inputs: fingerprint("Production|Guides"),
                findings: vec![Finding::new(
                    CheckId::PendoAuth,
                    Status::Pass,
                    "key accepted --> ok",
                )],
            }),
            report: fingerprint("report"),
            secrets: None,
            reported: None,
            broken_since: None,
            recovered: None,
            analytics: MetricMemory::default(),
        };
        let comment = format!("<!-- pendo-triage:report -->\nreport\n{}\n", s.encode());
        let back = State::decode(&comment).unwrap().unwrap();
        assert_eq!(back.v, VERSION);
        assert_eq!(back.ticked, s.ticked);
        assert_eq!(back.live, s.live);
        assert!(!s.encode()[PREFIX.len()..s.encode().len() - 4].contains("--"));
    }

    #[test]
    fn forged_or_oversized_state_is_cut_down() {
        let mut secrets = Finding::new(CheckId::IssueSecrets, Status::Fail, "2425 live secrets");
        secrets.evidence = (0..2425)
            .map(|i| format!("line {i}: {}", "k".repeat(500)))
            .collect();
        let s = State {
            live: Some(LiveRecord {
                at: 2_000,
                inputs: "k".into(),
                findings: vec![Finding::pass(CheckId::PendoAuth, "ok")],
            }),
            secrets: Some(secrets),
            ..Default::default()
        };
        let block = s.encode();
        assert!(block.len() < 4_000, "{}", block.len());
        let back = State::decode(&block).unwrap().unwrap();
        let kept = back.secrets.as_ref().unwrap();
        assert_eq!(kept.summary, "2425 live secrets");
        assert_eq!(kept.evidence.len(), STATE_EVIDENCE_LINES);
        assert_eq!(kept.evidence.last().unwrap(), "… and 2421 more");
        // Live results "from the future" or for unknown checks are not trusted.
        assert!(back.clone().validated(1_999).live.is_none());
        let mut forged = back.clone();
        let live = forged.live.as_mut().unwrap();
        live.findings.push(Finding::pass(CheckId::IssueFields, "x"));
        let ok = forged.validated(2_000);
        let ids: Vec<CheckId> = ok.live.unwrap().findings.iter().map(|f| f.id).collect();
        assert_eq!(ids, vec![CheckId::PendoAuth]);
        // An id from outside the catalogue is dropped on reading, the rest is kept.
        let json = r#"{"v":1,"live":{"at":5,"inputs":"k","findings":[
            {"id":"@team/evil","status":"fail","summary":"x","impact":"critical"},
            {"id":"pendo.auth","status":"pass","summary":"ok","impact":"none"}]},
            "secrets":{"id":"nope","status":"fail","summary":"x","impact":"critical"}}"#;
        let block = format!("{PREFIX}{} -->", B64.encode(json));
        let read = State::decode(&block).unwrap().unwrap();
        assert_eq!(read.live.unwrap().findings.len(), 1);
        assert!(read.secrets.is_none());
        let mut wrong = back;
        wrong.secrets.as_mut().unwrap().id = CheckId::PendoAuth;
        assert!(wrong.validated(2_000).secrets.is_none());
    }

    #[test]
    fn the_metric_memory_round_trips_and_older_blocks_read_without_it() {
        let mut s = State::default();
        assert!(!s.encode().is_empty());
        // A block written before the memory existed reads as "never seen non-zero".
        let old = format!("{PREFIX}{} -->", B64.encode(r#"{"v":1,"ticked":[]}"#));
        let back = State::decode(&old).unwrap().unwrap();
        assert!(back.analytics.is_empty());
        assert!(
            !String::from_utf8(
                B64.decode(&s.encode()[PREFIX.len()..s.encode().len() - 4])
                    .unwrap()
            )
            .unwrap()
            .contains("analytics")
        );
        s.analytics.saw("pendo_guides", "views", 117);
        s.analytics.saw("pendo_guides", "completions", 0);
        let back = State::decode(&s.encode()).unwrap().unwrap();
        assert_eq!(back.analytics.non_zero("pendo_guides", "views"), Some(117));
        assert_eq!(back.analytics.non_zero("pendo_guides", "completions"), None);
        assert_eq!(back.analytics.columns(), vec![("pendo_guides", "views")]);
        // A forged memory is cut to size and loses its zeros.
        let mut forged = BTreeMap::new();
        for i in 0..100 {
            let cols: BTreeMap<String, u64> = (0..100).map(|j| (format!("c{j}"), j)).collect();
            forged.insert(format!("t{i:03}"), cols);
        }
        forged.insert("x".repeat(64), BTreeMap::from([("views".to_string(), 5)]));
        let kept = State {
            analytics: MetricMemory(forged),
            ..State::default()
        }
        .validated(0)
        .analytics;
        assert_eq!(kept.0.len(), MEMORY_TABLES);
        assert!(
            kept.0
                .values()
                .all(|c| c.len() == MEMORY_TABLES && !c.values().any(|n| *n == 0))
        );
        assert!(kept.0.keys().all(|t| t.len() == 4));
    }

    #[test]
    fn missing_and_broken_blocks() {
        assert_eq!(State::decode("no block here"), Ok(None));
        assert!(State::decode("<!-- pendo-triage:state !!! -->").is_err());
        assert!(State::decode("<!-- pendo-triage:state abc").is_err());
    }

    #[test]
    fn fingerprints_differ_and_are_stable() {
        assert_eq!(fingerprint("a"), fingerprint("a"));
        assert_ne!(fingerprint("a"), fingerprint("b"));
        assert_eq!(fingerprint(""), "cbf29ce484222325");
    }
}
