//! The watch as an on-call tool: what state the production sync is in (healthy, a blip,
//! broken, recovering) judged from evidence, and the watch's memory between runs.
//!
//! Run counts come from the data: each entity's recent `sync_status` runs, which the
//! sync-log check already read (`Finding::history`). A single failed run between
//! completed ones is a blip and opens nothing; `watch.open_after_runs` failed runs in a
//! row, stale data, a missing or inactive job, or any other critical finding is a
//! breakage. After one, the issue closes only when every entity has completed
//! `watch.close_after_runs` runs in a row since its last failure (and since the watch
//! found it broken) and no critical finding is left; until then it is "recovering".
//!
//! The memory ([`Memory`]) is a hidden block in the body of the watch's own issue, the
//! newest one, open or closed (see docs/action.md, "Where the watch remembers"). It is
//! read only from an issue the bot itself opened, so nobody else can write it, and the
//! listing that finds that issue brings its body: reading it costs no request. Besides
//! the incident (since when, who was told what, when it closed) it keeps two
//! measurements for the next run to compare with: the metric columns seen non-zero (the
//! same [`MetricMemory`] the report's state keeps, so the watch too tells a column wiped
//! to zero from one never filled) and the tables' row counts with when each was counted
//! ([`row_drops`]: "pendo_guides fell from 548 to 120 rows since yesterday"). Both are
//! refreshed only when the watch writes its issue anyway (opening, reopening, a reminder,
//! the close): a quiet run writes nothing, and makes no request more than before.
//!
//! Everything here is pure; `run::watch` does the reading and writing.

use crate::clock::{format_utc, human_age};
use crate::config::WatchSettings;
use crate::finding::{CheckId, Impact, Status};
use crate::history::{History, RunOutcome};
use crate::state::MetricMemory;
use crate::watch_issue::Health;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// How the memory block starts; the rest is base64 (URL-safe, no padding) and ` -->`.
pub const MEMORY_PREFIX: &str = "<!-- pendo-triage:watch-memory ";
/// The hidden marker of a reminder comment.
pub const REMINDER_MARKER: &str = "<!-- pendo-triage:reminder -->";
/// The hidden marker of the comment that reopens the issue.
pub const REOPENED_MARKER: &str = "<!-- pendo-triage:reopened -->";

/// What the watch remembers about the incident its issue tracks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Memory {
    pub v: u32,
    /// When the watch found the sync broken (the issue opened or reopened).
    pub broken_since: i64,
    /// When people were last told the state (the opening, a reopening or a reminder).
    pub told_at: i64,
    /// The critical checks at that moment (`supabase.cron`, …), sorted.
    pub told: Vec<String>,
    /// When the watch closed the issue on recovery (by the bot's clock, which GitHub's
    /// `closed_at` is not in a test or a replay).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<i64>,
    /// The metric columns seen non-zero (`supabase.analytics`).
    #[serde(skip_serializing_if = "MetricMemory::is_empty")]
    pub metrics: MetricMemory,
    /// Each table's exact row count and when it was counted (`supabase.tables`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rows: BTreeMap<String, Counted>,
}

/// A table's exact row count, and when it was taken (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counted {
    pub rows: u64,
    pub at: i64,
}

/// The most tables the memory keeps, and the longest name (no PostgreSQL name is
/// longer): the block is read from an issue body, so it is bounded like any input.
const ROW_TABLES: usize = 32;
const ROW_NAME_CHARS: usize = 63;
/// How long a table's earlier count is kept while its rows stay fallen: a week, then the
/// lower count is taken as the table's new size (rows removed on purpose).
pub const ROW_DROP_KEEP_SECS: i64 = 7 * 86_400;

/// What this run measured that the memory keeps for the next one.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measured {
    /// The metric memory after this run (`None`: the metric columns were not read).
    pub metrics: Option<MetricMemory>,
    /// The tables' exact row counts now.
    pub rows: Vec<(String, u64)>,
}

/// The tables whose rows fell far since the memory counted them, each with its phrase
/// (`pendo_guides fell from 548 to 120 rows since yesterday`), largest loss first.
pub fn row_drops(
    before: &BTreeMap<String, Counted>,
    now: &[(String, u64)],
    s: &crate::anomaly::Settings,
    at: i64,
) -> Vec<(crate::anomaly::RowDrop, String)> {
    let prev: Vec<(String, u64)> = before.iter().map(|(t, c)| (t.clone(), c.rows)).collect();
    let mut drops: Vec<(crate::anomaly::RowDrop, String)> =
        crate::anomaly::row_drops(&prev, now, s)
            .into_iter()
            .map(|d| {
                let elapsed = before.get(&d.table).map_or(0, |c| at - c.at);
                let phrase = d.phrase(elapsed);
                (d, phrase)
            })
            .collect();
    drops.sort_by_key(|(d, _)| std::cmp::Reverse(d.before - d.now));
    drops
}

/// True when a table lost at least half its rows: critical (the watch opens on it); a
/// smaller drop past the band is a warning, shown and not opened on.
pub fn is_large(d: &crate::anomaly::RowDrop) -> bool {
    d.now * 2 <= d.before
}

impl Memory {
    /// A memory of a breakage found `now` with these critical checks.
    pub fn new(now: i64, critical: Vec<String>) -> Memory {
        Memory {
            v: 1,
            broken_since: now,
            told_at: now,
            told: critical,
            closed_at: None,
            metrics: MetricMemory::default(),
            rows: BTreeMap::new(),
        }
    }

    /// This memory with what the run measured: the metric memory it ends with, and the
    /// row counts taken now, except a table whose rows fell far, which keeps its earlier
    /// count (so the drop is still told on the next run) for up to
    /// [`ROW_DROP_KEEP_SECS`]. `earlier`: the memory read from the issue (its
    /// measurements carry over when this one is new).
    pub fn with_measured(
        mut self,
        earlier: Option<&Memory>,
        m: &Measured,
        s: &crate::anomaly::Settings,
        now: i64,
    ) -> Memory {
        if let Some(e) = earlier {
            if self.metrics.is_empty() {
                self.metrics = e.metrics.clone();
            }
            if self.rows.is_empty() {
                self.rows = e.rows.clone();
            }
        }
        if let Some(metrics) = &m.metrics {
            self.metrics = metrics.clone();
        }
        let fell: Vec<String> = row_drops(&self.rows, &m.rows, s, now)
            .into_iter()
            .map(|(d, _)| d.table)
            .collect();
        for (table, rows) in &m.rows {
            let keep = fell.contains(table)
                && self
                    .rows
                    .get(table)
                    .is_some_and(|c| now - c.at < ROW_DROP_KEEP_SECS);
            if !keep {
                self.rows.insert(
                    table.clone(),
                    Counted {
                        rows: *rows,
                        at: now,
                    },
                );
            }
        }
        self
    }

    /// The hidden block.
    pub fn encode(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        format!("{MEMORY_PREFIX}{} -->", B64.encode(json.as_bytes()))
    }

    /// The memory in an issue body, when it holds a readable one. Check ids that are not
    /// the catalogue's are dropped, times from the future are not believed.
    pub fn read(body: &str, now: i64) -> Option<Memory> {
        let start = body.rfind(MEMORY_PREFIX)? + MEMORY_PREFIX.len();
        let end = start + body[start..].find("-->")?;
        let bytes = B64.decode(body[start..end].trim()).ok()?;
        let mut m: Memory = serde_json::from_slice(&bytes).ok()?;
        if m.broken_since > now || m.told_at > now || m.closed_at.is_some_and(|t| t > now) {
            return None;
        }
        m.told.retain(|id| CheckId::parse(id).is_some());
        m.told.truncate(32);
        m.metrics = m.metrics.bounded();
        m.rows = std::mem::take(&mut m.rows)
            .into_iter()
            .filter(|(t, c)| t.chars().count() <= ROW_NAME_CHARS && c.at <= now)
            .take(ROW_TABLES)
            .collect();
        Some(m)
    }

    /// `body` with this memory in place of the one it holds (or added at its end).
    pub fn written_into(&self, body: &str) -> String {
        let block = self.encode();
        if let Some(start) = body.rfind(MEMORY_PREFIX)
            && let Some(len) = body[start..].find("-->")
        {
            let mut out = body.to_string();
            out.replace_range(start..start + len + 3, &block);
            return out;
        }
        let mut out = body.trim_end_matches(['\r', '\n']).to_string();
        out.push_str(&format!("\n{block}\n"));
        out
    }
}

/// What the watch's memory adds to this run's live findings, for its own issue's triage
/// to judge the same way (see [`crate::event::Target::watch_recall`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recalled {
    /// The metric columns the watch saw non-zero.
    pub metrics: MetricMemory,
    /// The tables whose rows fell far since the watch counted them, with their phrases.
    pub drops: Vec<(crate::anomaly::RowDrop, String)>,
}

/// The row drops told by `supabase.tables` among `findings`: a table that lost at least
/// half its rows fails it (critical: the watch opens on it), a smaller drop past the band
/// warns. A finding that already fails or could not run keeps its status and gains the
/// lines as evidence.
pub fn tell_row_drops(
    findings: &mut [crate::finding::Finding],
    drops: &[(crate::anomaly::RowDrop, String)],
) {
    if drops.is_empty() {
        return;
    }
    let large = drops.iter().any(|(d, _)| is_large(d));
    let lines: Vec<&str> = drops.iter().map(|(_, l)| l.as_str()).collect();
    for f in findings
        .iter_mut()
        .filter(|f| f.id == CheckId::SupabaseTables)
    {
        if matches!(f.status, Status::Pass | Status::Warn) {
            let was = std::mem::replace(&mut f.summary, lines.join("; "));
            f.evidence.insert(0, format!("{was} (this run)"));
            (f.status, f.impact) = if large {
                (Status::Fail, Impact::Critical)
            } else {
                (Status::Warn, Impact::Degraded)
            };
        } else {
            f.evidence.extend(lines.iter().map(|l| l.to_string()));
        }
        f.evidence.push(
            "row counts compared with the ones the watch stored in its issue at its last write"
                .into(),
        );
        f.next_steps.insert(0, "Rows were deleted (a truncate, a delete in the sync, a migration): restore them from a backup or re-run a full sync, then find what deleted them.".into());
    }
}

/// The job summary's line for the row drops (empty when there are none).
pub fn row_drop_summary(drops: &[(crate::anomaly::RowDrop, String)]) -> String {
    if drops.is_empty() {
        return String::new();
    }
    let lines: Vec<String> = drops
        .iter()
        .map(|(d, l)| {
            let icon = if is_large(d) { "❌" } else { "⚠️" };
            format!(
                "- {icon} {}",
                crate::outside::emit(l, 200, crate::outside::Sink::Markdown)
            )
        })
        .collect();
    format!(
        "📉 **Row counts** since the watch last counted them:\n\n{}\n\n",
        lines.join("\n")
    )
}

/// The state of one entity, or of the whole sync, as the on-call summary shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Healthy,
    /// A failed run, fewer in a row than `open_after_runs`: shown, nothing opened.
    Blip,
    Broken,
    /// After a breakage, fewer completed runs in a row than `close_after_runs`.
    Recovering,
    /// Healthy runs, but too few of them to judge the anomaly band.
    Learning,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Condition::Healthy => "healthy",
            Condition::Blip => "blip",
            Condition::Broken => "broken",
            Condition::Recovering => "recovering",
            Condition::Learning => "learning",
        })
    }
}

impl Condition {
    fn icon(self) -> &'static str {
        match self {
            Condition::Healthy => "✅",
            Condition::Blip => "🟡",
            Condition::Broken => "❌",
            Condition::Recovering => "🔄",
            Condition::Learning => "📚",
        }
    }
}

/// One entity's evidence from its sync runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    pub name: String,
    pub condition: Condition,
    /// Failed runs in a row at the end of its history.
    pub failed_in_a_row: usize,
    /// Completed runs since its last failure (and since `since`, when given).
    pub completed_since: usize,
    /// Its newest completed run.
    pub last_completed: Option<i64>,
    /// The records its newest run processed.
    pub latest_count: Option<i64>,
    /// The anomaly band next to the latest count (`20 (usually 1,150–1,260 at 06:00 UTC)`,
    /// or `learning (5 of 8 runs)`), from [`crate::anomaly`].
    pub band: Option<String>,
}

/// The entities' histories among the findings, each once (the first that read it).
pub fn histories(h: &Health) -> Vec<&History> {
    let mut out: Vec<&History> = Vec::new();
    for hist in h
        .rows
        .iter()
        .flat_map(|(_, fs)| fs)
        .flat_map(|f| &f.history)
    {
        if !out.iter().any(|o| o.entity == hist.entity) {
            out.push(hist);
        }
    }
    out
}

/// An entity's evidence. `since`: the moment the watch found the sync broken, while an
/// incident is open (runs before it do not count towards the recovery).
pub fn entity(hist: &History, since: Option<i64>, w: &WatchSettings) -> Entity {
    let runs: Vec<_> = hist
        .runs
        .iter()
        .filter(|r| r.outcome != RunOutcome::Other)
        .collect();
    let failed_in_a_row = runs
        .iter()
        .rev()
        .take_while(|r| r.outcome == RunOutcome::Failed)
        .count();
    let last_failure = runs
        .iter()
        .rev()
        .find(|r| r.outcome == RunOutcome::Failed)
        .map(|r| r.at);
    let from = last_failure.max(since);
    let completed_since = runs
        .iter()
        .filter(|r| r.outcome == RunOutcome::Completed && from.is_none_or(|t| r.at > t))
        .count();
    let condition = if failed_in_a_row >= w.open_after_runs as usize {
        Condition::Broken
    } else if failed_in_a_row > 0 {
        Condition::Blip
    } else if since.is_some() && completed_since < w.close_after_runs as usize {
        Condition::Recovering
    } else if matches!(hist.usual, Some(crate::anomaly::Usual::Learning { .. })) {
        // Healthy as far as its runs tell, but too few of them to know its usual count.
        Condition::Learning
    } else {
        Condition::Healthy
    };
    Entity {
        name: hist.entity.clone(),
        condition,
        failed_in_a_row,
        completed_since,
        last_completed: runs
            .iter()
            .rev()
            .find(|r| r.outcome == RunOutcome::Completed)
            .map(|r| r.at),
        latest_count: runs.last().and_then(|r| r.records),
        // The anomaly band next to the latest count, from the sync log's own history.
        band: hist.usual.as_ref().map(crate::anomaly::Usual::cell),
    }
}

/// What the watch concludes from one run's health and its memory.
#[derive(Debug, Clone, PartialEq)]
pub enum Judgement {
    /// No live check concluded.
    Unknown,
    Healthy,
    /// A failed run or a failing sync-log check short of `open_after_runs`.
    Blip,
    /// A sustained breakage: open (or keep, or reopen) the issue.
    Broken,
    /// After a breakage: `done` of `of` completed runs since the last failure.
    Recovering {
        done: usize,
        of: usize,
    },
    /// The recovery holds: close the issue.
    Recovered,
}

/// Judges the sync. `open_since`: when the incident the open issue tracks began (`None`
/// when no watch issue is open).
pub fn judge(h: &Health, open_since: Option<i64>, w: &WatchSettings) -> Judgement {
    let Some(healthy) = h.healthy() else {
        return Judgement::Unknown;
    };
    let critical = h.critical();
    let hists = histories(h);
    let entities: Vec<Entity> = hists.iter().map(|x| entity(x, open_since, w)).collect();
    let runs_sustained = entities.iter().any(|e| e.condition == Condition::Broken);
    // Critical findings other than the sync log's own open at once: stale data, a job
    // missing or inactive, a wipe, a rejected key. The sync log's waits for the runs,
    // unless it read no runs at all (then the finding is all the evidence there is).
    let other = critical
        .iter()
        .any(|(_, f)| f.id != CheckId::SupabaseSyncLog);
    let log_without_runs = hists.is_empty()
        && critical
            .iter()
            .any(|(_, f)| f.id == CheckId::SupabaseSyncLog);
    if runs_sustained || other || log_without_runs {
        return Judgement::Broken;
    }
    let blip = !healthy || entities.iter().any(|e| e.condition == Condition::Blip);
    match open_since {
        None if blip => Judgement::Blip,
        None => Judgement::Healthy,
        Some(_) => {
            let of = w.close_after_runs as usize;
            // Without run data the watch cannot count: a passing run is the recovery.
            let done = entities
                .iter()
                .map(|e| e.completed_since)
                .min()
                .unwrap_or(of);
            if blip || done < of {
                Judgement::Recovering {
                    done: if blip { 0 } else { done },
                    of,
                }
            } else {
                Judgement::Recovered
            }
        }
    }
}

/// The ids of the concluded critical findings, sorted and each once.
pub fn critical_ids(h: &Health) -> Vec<String> {
    let mut ids: Vec<String> = h.critical().iter().map(|(_, f)| f.id.to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The job summary's headline for a blip or a recovery (the plain healthy/broken one
/// otherwise).
pub fn headline(j: &Judgement, w: &WatchSettings) -> Option<String> {
    match j {
        Judgement::Blip => Some(format!(
            "🟡 **Blip**: a sync run failed, but fewer than {} in a row and the data is fresh; nothing was opened.",
            w.open_after_runs
        )),
        Judgement::Recovering { done, of } => Some(format!(
            "🔄 **Recovering**: {done} of {of} runs completed since the last failure; the issue stays open."
        )),
        _ => None,
    }
}

/// The recovering headline the watch issue's report carries.
pub fn recovering_note(done: usize, of: usize) -> String {
    format!(
        "🔄 **recovering: {done} of {of} runs completed since the last failure.** The issue stays open until every affected entity completed {of} runs in a row."
    )
}

/// The reminder comment while the sync stays broken: what changed since the last time
/// people were told, or how long it has been unchanged.
pub fn reminder(m: &Memory, now_ids: &[String], now: i64) -> String {
    let hours = (now - m.told_at).max(0) / 3600;
    let list = |ids: &[&String]| {
        ids.iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let new: Vec<&String> = now_ids.iter().filter(|i| !m.told.contains(i)).collect();
    let gone: Vec<&String> = m.told.iter().filter(|i| !now_ids.contains(i)).collect();
    let down = human_age((now - m.broken_since).max(0) as f64);
    let mut out = format!(
        "{REMINDER_MARKER}\n⏰ **Still broken** at {}",
        format_utc(now)
    );
    if new.is_empty() && gone.is_empty() {
        out.push_str(&format!(
            ": unchanged for {hours} h ({} failing).",
            list(&now_ids.iter().collect::<Vec<_>>())
        ));
    } else {
        out.push_str(&format!(": changed in the last {hours} h."));
        if !new.is_empty() {
            out.push_str(&format!(" Now failing: {}.", list(&new)));
        }
        if !gone.is_empty() {
            out.push_str(&format!(" Passing again: {}.", list(&gone)));
        }
    }
    out.push_str(&format!(
        " Broken for about {down} (since {}). The report above is kept up to date.\n",
        format_utc(m.broken_since)
    ));
    out
}

/// The comment that reopens a closed watch issue for a new breakage.
pub fn reopened_comment(closed_at: i64, ids: &[String], now: i64) -> String {
    format!(
        "{REOPENED_MARKER}\n🔁 **Broken again** at {}, {} after this issue was closed ({} failing). Reopened instead of filing a new issue.\n",
        format_utc(now),
        human_age((now - closed_at).max(0) as f64),
        ids.iter()
            .map(|i| format!("`{i}`"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The on-call table: one row per entity with its state, the time since its last
/// completed run, its latest count and the anomaly band.
pub fn summary_table(entities: &[Entity], now: i64) -> String {
    if entities.is_empty() {
        return String::new();
    }
    let mut out =
        String::from("| Entity | State | Last completed run | Latest count | Usual band |\n");
    out.push_str("|---|---|---|---|---|\n");
    for e in entities {
        let since = e
            .last_completed
            .map_or("never (in the log)".to_string(), |t| {
                format!("{} ago", human_age((now - t).max(0) as f64))
            });
        let mut state = format!("{} {}", e.condition.icon(), e.condition);
        if e.failed_in_a_row > 0 {
            state.push_str(&format!(" ({} failed in a row)", e.failed_in_a_row));
        }
        out.push_str(&format!(
            "| {} | {state} | {since} | {} | {} |\n",
            crate::history::safe(&e.name, 40),
            e.latest_count.map_or("—".to_string(), |n| n.to_string()),
            e.band.as_deref().unwrap_or("—"),
        ));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests;
