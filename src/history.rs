//! A sync's recent history as pictures: a Unicode sparkline for the checks table and a
//! Mermaid `xychart-beta` for a collapsed `<details>` (GitHub renders ```` ```mermaid ````
//! blocks in issues, comments and job summaries).
//!
//! The input is small and typed ([`History`]: per run a time, the records it processed
//! and its outcome), built from the `sync_status` rows the sync-log check already read
//! ([`from_rows`]). No text from a dependency enters it but the entity name, which comes
//! from the configuration and is still reduced to a safe alphabet before it is drawn.
//! Every renderer is a pure function with bounded output: at most [`MAX_POINTS`] runs.

use crate::clock::{format_utc, human_age};
use serde::{Deserialize, Serialize};

/// Runs drawn in the Mermaid chart, newest kept.
pub const MAX_POINTS: usize = 60;
/// Runs drawn in the sparkline, newest kept (it sits in a table cell).
pub const SPARK_POINTS: usize = 20;
/// Entities charted per report (an issue that names no data type concerns them all).
pub const MAX_CHARTS: usize = 6;

/// How one run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunOutcome {
    #[serde(rename = "ok")]
    Completed,
    #[serde(rename = "fail")]
    Failed,
    /// Still running, or a status the configuration does not name.
    #[serde(rename = "other")]
    Other,
}

/// One run: when it ran (Unix seconds), the records it processed, how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRun {
    #[serde(rename = "t")]
    pub at: i64,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    pub records: Option<i64>,
    #[serde(rename = "o")]
    pub outcome: RunOutcome,
}

/// One entity's recent runs, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    /// The entity as `sync_status` names it (from the configuration).
    pub entity: String,
    pub runs: Vec<SyncRun>,
    /// The freshness threshold, in hours.
    pub freshness_hours: u64,
    /// When the history was read (Unix seconds).
    pub now: i64,
    /// The entity's usual `records_processed` and how its newest completed run compares
    /// (band, latest, state; see [`crate::anomaly`]), when the sync-log check learned it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usual: Option<crate::anomaly::Usual>,
}

impl History {
    /// The runs drawn, oldest first: the newest `max`.
    fn last(&self, max: usize) -> &[SyncRun] {
        &self.runs[self.runs.len().saturating_sub(max)..]
    }

    /// The last run that wrote records when every run after it failed or wrote nothing:
    /// where the newest row stopped moving. `None` while the newest run wrote records, or
    /// when no run ever did.
    pub fn stopped_at(&self) -> Option<i64> {
        let moving = |r: &SyncRun| r.outcome == RunOutcome::Completed && r.records.unwrap_or(0) > 0;
        let last = self.runs.iter().rposition(moving)?;
        (last + 1 < self.runs.len()).then(|| self.runs[last].at)
    }

    /// True when the newest row is older than the freshness threshold, judged by the
    /// runs: the last run that wrote records is older than the threshold.
    fn past_threshold(&self) -> bool {
        let moving =
            |r: &&SyncRun| r.outcome == RunOutcome::Completed && r.records.unwrap_or(0) > 0;
        match self.runs.iter().rev().find(moving) {
            Some(r) => self.now - r.at > self.freshness_hours as i64 * 3600,
            None => !self.runs.is_empty(),
        }
    }
}

/// The runs of one entity from `sync_status` rows (`(time, records, outcome)`, any order):
/// rows without a readable time are left out; oldest first.
pub fn from_rows(
    entity: &str,
    rows: impl IntoIterator<Item = (Option<i64>, Option<i64>, RunOutcome)>,
    freshness_hours: u64,
    now: i64,
) -> History {
    let mut runs: Vec<SyncRun> = rows
        .into_iter()
        .filter_map(|(at, records, outcome)| {
            Some(SyncRun {
                at: at?,
                records: records.map(|n| n.max(0)),
                outcome,
            })
        })
        .collect();
    runs.sort_by_key(|r| r.at);
    let keep = runs.len().saturating_sub(MAX_POINTS);
    runs.drain(..keep);
    History {
        entity: entity.to_string(),
        runs,
        freshness_hours,
        now,
        usual: None,
    }
}

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// A failed run in the sparkline.
pub const FAILED_MARK: char = '✕';
/// A run still going, or of an unknown status.
pub const OTHER_MARK: char = '·';

/// The block a flat series is drawn with: mid height, so that a row of equal runs does
/// not read as a redaction bar (`████`) next to text that redaction really masks.
const FLAT_BLOCK: char = BLOCKS[4];

/// `▁▂▅▇▇▇▁✕✕✕`: one character per run, oldest first, height by records processed (a
/// completed run that wrote nothing is the lowest block), `✕` for a failed run. When
/// every completed run that wrote something wrote the same count, they are drawn at mid
/// height ([`flat_count`]). Empty for an empty history.
pub fn sparkline(h: &History) -> String {
    let runs = h.last(SPARK_POINTS);
    let max = runs
        .iter()
        .filter(|r| r.outcome == RunOutcome::Completed)
        .filter_map(|r| r.records)
        .max()
        .unwrap_or(0);
    let flat = flat_count(h).is_some();
    runs.iter()
        .map(|r| match r.outcome {
            RunOutcome::Failed => FAILED_MARK,
            RunOutcome::Other => OTHER_MARK,
            RunOutcome::Completed => match r.records.unwrap_or(0) {
                n if n <= 0 || max <= 0 => BLOCKS[0],
                _ if flat => FLAT_BLOCK,
                // 1..=7: any run that wrote something stands above one that wrote nothing.
                n => BLOCKS[(1 + (n as i128 * 6 / max as i128) as usize).min(7)],
            },
        })
        .collect()
}

/// The count every completed run drawn wrote, when they all wrote the same non-zero
/// count (a flat series); `None` otherwise.
pub fn flat_count(h: &History) -> Option<i64> {
    let mut counts = h
        .last(SPARK_POINTS)
        .iter()
        .filter(|r| r.outcome == RunOutcome::Completed)
        .map(|r| r.records.unwrap_or(0));
    let first = counts.next()?;
    (first > 0 && counts.all(|n| n == first)).then_some(first)
}

/// The sparkline with its legend, for one line of a table cell (markdown-safe: only the
/// entity name is outside text, and it is reduced to [`safe`]).
pub fn spark_cell(h: &History) -> Option<String> {
    let line = sparkline(h);
    if line.is_empty() {
        return None;
    }
    let newest = h.runs.last().map(|r| match r.outcome {
        RunOutcome::Failed => "failed".to_string(),
        RunOutcome::Other => "not ended".to_string(),
        RunOutcome::Completed => format!("{} records", r.records.unwrap_or(0)),
    });
    let runs = h.last(SPARK_POINTS).len();
    let entity = safe(&h.entity, 40);
    // A flat series says its one count, so its height needs no scale; the newest run is
    // then only worth naming when it did not complete.
    match flat_count(h) {
        Some(n)
            if h.runs
                .last()
                .is_some_and(|r| r.outcome == RunOutcome::Completed) =>
        {
            Some(format!("{entity} {line} {n}/run (last {runs} runs)"))
        }
        Some(n) => Some(format!(
            "{entity} {line} {n}/run (last {runs} runs, newest {})",
            newest.unwrap_or_default()
        )),
        None => Some(format!(
            "{entity} {line} (last {runs} runs, newest {})",
            newest.unwrap_or_default()
        )),
    }
}

/// The watch issue's "Sync Status" value for one entity, from its history as the sync
/// log read it (its newest runs, whatever their age): the newest completed run, else
/// that none is on record, never the template's placeholder. For the watch to fill the
/// field when `supabase.sync-log` measured no "Sync Status" (no completed run in the
/// window): `f.history.iter().find(…)` on that finding, whose history is the watched data
/// type's own.
pub fn sync_status(h: &History) -> String {
    let entity = safe(&h.entity, 40);
    match h
        .runs
        .iter()
        .rev()
        .find(|r| r.outcome == RunOutcome::Completed)
    {
        Some(r) => format!("last completed run {} ({entity})", format_utc(r.at)),
        None if h.runs.is_empty() => format!("no completed run on record ({entity})"),
        None => format!(
            "no completed run on record ({entity}: none in its last {} logged runs)",
            h.runs.len()
        ),
    }
}

/// Text reduced to ASCII letters, digits, spaces and `-_.:/`; anything else becomes `_`,
/// and it is cut to `max` characters. Nothing in it can end a Mermaid string, start a
/// directive or comment, or be read as markdown or HTML.
pub fn safe(text: &str, max: usize) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(max)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '.' | ':' | '/') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `11-28 06:00`: a run's time as an x-axis label.
fn label(at: i64) -> String {
    let full = format_utc(at); // 2026-11-28 06:00 UTC
    full.get(5..16).unwrap_or(&full).to_string()
}

/// The Mermaid `xychart-beta` source (without the fence): failed runs as red full-height
/// bars, then records per run as green bars, oldest first. `None` for an empty history.
/// Exactly `min(runs, MAX_POINTS)` points in each of the two bar series.
pub fn mermaid(h: &History) -> Option<String> {
    let runs = h.last(MAX_POINTS);
    if runs.is_empty() {
        return None;
    }
    let max = runs
        .iter()
        .filter_map(|r| r.records)
        .max()
        .unwrap_or(0)
        .max(1);
    // Categories must be distinct (a repeated one would merge two runs into one bar).
    let mut labels: Vec<String> = Vec::with_capacity(runs.len());
    for r in runs {
        let mut l = label(r.at);
        let base = l.clone();
        let mut k = 1;
        while labels.iter().any(|x| x[1..x.len() - 1] == l) {
            k += 1;
            l = format!("{base} ({k})");
        }
        labels.push(format!("\"{l}\""));
    }
    let records: Vec<String> = runs
        .iter()
        .map(|r| match r.outcome {
            RunOutcome::Completed => r.records.unwrap_or(0).to_string(),
            _ => "0".to_string(),
        })
        .collect();
    let failed: Vec<String> = runs
        .iter()
        .map(|r| {
            if r.outcome == RunOutcome::Failed {
                max
            } else {
                0
            }
            .to_string()
        })
        .collect();
    let mut out = String::new();
    // Bars in the order of the series: failures red, then records green (GitHub's own
    // colours) drawn over them, so a zero-height red bar leaves no mark under a green one.
    out.push_str(
        "%%{init: {\"themeVariables\": {\"xyChart\": {\"plotColorPalette\": \"#cf222e, #2da44e\"}}, \"xyChart\": {\"xAxis\": {\"showLabel\": false}}}}%%\n",
    );
    out.push_str("xychart-beta\n");
    out.push_str(&format!(
        "    title \"{}: records per run, last {} runs (red: failed)\"\n",
        safe(&h.entity, 40),
        runs.len()
    ));
    // Sixty dated labels would overprint one another: the axis title gives the span.
    out.push_str(&format!(
        "    x-axis \"runs from {} to {} UTC\" [{}]\n",
        label(runs[0].at),
        label(runs[runs.len() - 1].at),
        labels.join(", ")
    ));
    out.push_str(&format!("    y-axis \"records processed\" 0 --> {max}\n"));
    out.push_str(&format!("    bar [{}]\n", failed.join(", ")));
    out.push_str(&format!("    bar [{}]\n", records.join(", ")));
    Some(out)
}

/// One line under the chart: the freshness threshold, and where the newest row stopped
/// moving.
pub fn caption(h: &History) -> String {
    let threshold = format!("Freshness threshold {} h.", h.freshness_hours);
    let failed = h
        .last(MAX_POINTS)
        .iter()
        .filter(|r| r.outcome == RunOutcome::Failed)
        .count();
    let runs = format!("{failed} of {} runs failed.", h.last(MAX_POINTS).len());
    let stop = match h.stopped_at() {
        Some(at) => format!(
            "The newest row stopped moving after the run of {} ({} ago){}: every run since failed or wrote nothing.",
            format_utc(at),
            human_age((h.now - at).max(0) as f64),
            if h.past_threshold() {
                ", past the threshold"
            } else {
                ", within the threshold"
            }
        ),
        // The runs themselves stopped: the newest one wrote records, long ago.
        None if h.past_threshold()
            && let Some(last) = h
                .runs
                .last()
                .filter(|r| r.outcome == RunOutcome::Completed && r.records.unwrap_or(0) > 0) =>
        {
            format!(
                "No run since the one of {} ({} ago), past the threshold: the newest row stopped moving then.",
                format_utc(last.at),
                human_age((h.now - last.at).max(0) as f64)
            )
        }
        None if h.runs.iter().any(|r| r.records.unwrap_or(0) > 0) => {
            "The newest run wrote records.".to_string()
        }
        None => "No run in the window wrote records.".to_string(),
    };
    format!("{threshold} {runs} {stop}")
}

/// The collapsed chart for a report or summary: `<details>`, the Mermaid block and its
/// caption. `None` for an empty history.
pub fn details(h: &History) -> Option<String> {
    let chart = mermaid(h)?;
    Some(format!(
        "<details><summary>📈 Sync history: {} ({})</summary>\n\n```mermaid\n{chart}```\n\n{}\n\n</details>\n",
        safe(&h.entity, 40),
        sparkline(h),
        caption(h)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_860_000; // 2026-11-28T10:00:00Z

    fn history(runs: &[(i64, Option<i64>, RunOutcome)]) -> History {
        from_rows(
            "guides",
            runs.iter().map(|(h, n, o)| (Some(NOW - h * 3600), *n, *o)),
            24,
            NOW,
        )
    }

    use RunOutcome::{Completed, Failed, Other};

    #[test]
    fn sparkline_rises_with_records_and_marks_failures() {
        // Newest first, as sync_status is read.
        let h = history(&[
            (1, Some(0), Failed),
            (7, Some(0), Failed),
            (13, Some(0), Completed),
            (19, Some(1200), Completed),
            (25, Some(600), Completed),
            (31, Some(100), Completed),
            (37, None, Other),
        ]);
        assert_eq!(sparkline(&h), "·▂▅█▁✕✕");
        assert_eq!(
            spark_cell(&h).unwrap(),
            "guides ·▂▅█▁✕✕ (last 7 runs, newest failed)"
        );
    }

    #[test]
    fn a_flat_series_is_drawn_at_mid_height_with_its_count() {
        let runs: Vec<(i64, Option<i64>, RunOutcome)> =
            (0..20).map(|i| (i * 6, Some(20), Completed)).collect();
        let h = history(&runs);
        assert_eq!(sparkline(&h), "▅".repeat(20));
        assert!(!sparkline(&h).contains('█'));
        assert_eq!(flat_count(&h), Some(20));
        assert_eq!(
            spark_cell(&h).unwrap(),
            format!("guides {} 20/run (last 20 runs)", "▅".repeat(20))
        );
        // Failures between equal runs keep it flat; one other count does not.
        let h = history(&[
            (1, None, Failed),
            (7, Some(20), Completed),
            (13, Some(20), Completed),
        ]);
        assert_eq!(sparkline(&h), "▅▅✕");
        assert_eq!(
            spark_cell(&h).unwrap(),
            "guides ▅▅✕ 20/run (last 3 runs, newest failed)"
        );
        let h = history(&[(1, Some(21), Completed), (7, Some(20), Completed)]);
        assert_eq!(flat_count(&h), None);
        assert_eq!(sparkline(&h), "▇█");
        // Nothing written is not a flat count: the lowest block, no "0/run".
        let h = history(&[(1, Some(0), Completed), (7, Some(0), Completed)]);
        assert_eq!(flat_count(&h), None);
        assert!(!spark_cell(&h).unwrap().contains("/run"));
    }

    #[test]
    fn the_sync_status_is_the_newest_completed_run_or_none_on_record() {
        // Newest first: two failures after a completed run a day and a half ago.
        let h = history(&[
            (1, None, Failed),
            (7, None, Failed),
            (37, Some(5), Completed),
        ]);
        assert_eq!(
            sync_status(&h),
            "last completed run 2026-11-26 21:00 UTC (guides)"
        );
        let h = history(&[(1, None, Failed), (7, None, Other)]);
        assert_eq!(
            sync_status(&h),
            "no completed run on record (guides: none in its last 2 logged runs)"
        );
        assert_eq!(
            sync_status(&history(&[])),
            "no completed run on record (guides)"
        );
        // The entity is outside text reduced to the safe alphabet.
        let mut odd = history(&[]);
        odd.entity = "<b>x</b>".into();
        assert_eq!(sync_status(&odd), "no completed run on record (_b_x_/b_)");
    }

    #[test]
    fn empty_history_draws_nothing() {
        let h = history(&[]);
        assert_eq!(sparkline(&h), "");
        assert_eq!(spark_cell(&h), None);
        assert_eq!(mermaid(&h), None);
        assert_eq!(details(&h), None);
        // Rows without a time are not runs.
        let h = from_rows("x", [(None, Some(5), Completed)], 24, NOW);
        assert!(h.runs.is_empty());
    }

    #[test]
    fn all_zero_or_all_failed_stays_in_bounds() {
        let h = history(&[(1, Some(0), Completed), (2, Some(0), Completed)]);
        assert_eq!(sparkline(&h), "▁▁");
        let m = mermaid(&h).unwrap();
        assert!(m.contains("y-axis \"records processed\" 0 --> 1\n"), "{m}");
        let h = history(&[(1, None, Failed), (2, Some(-5), Failed)]);
        assert_eq!(sparkline(&h), "✕✕");
        assert!(mermaid(&h).unwrap().contains("    bar [1, 1]\n"));
        // Huge counts do not overflow the scale.
        let h = history(&[(1, Some(i64::MAX), Completed), (2, Some(1), Completed)]);
        assert_eq!(sparkline(&h), "▂█");
    }

    #[test]
    fn the_chart_is_bounded_to_the_newest_runs() {
        let runs: Vec<(i64, Option<i64>, RunOutcome)> = (0..500)
            .map(|k| (k, Some(k), if k % 7 == 0 { Failed } else { Completed }))
            .collect();
        let h = history(&runs);
        assert_eq!(h.runs.len(), MAX_POINTS);
        assert_eq!(sparkline(&h).chars().count(), SPARK_POINTS);
        let m = mermaid(&h).unwrap();
        let series: Vec<&str> = m
            .lines()
            .filter(|l| l.trim_start().starts_with("bar ["))
            .collect();
        assert_eq!(series.len(), 2);
        for s in series {
            assert_eq!(s.matches(',').count(), MAX_POINTS - 1, "{s}");
        }
        // The newest run (now) is the last point; the oldest kept is 59 h old.
        assert!(m.contains("\"11-28 10:00\"]"), "{m}");
        assert!(m.contains("[\"11-25 23:00\","), "{m}");
    }

    #[test]
    fn runs_at_the_same_minute_stay_two_points() {
        let h = from_rows(
            "guides",
            [
                (Some(NOW), Some(1), Completed),
                (Some(NOW + 1), Some(2), Failed),
                (Some(NOW + 2), Some(3), Completed),
            ],
            24,
            NOW,
        );
        let m = mermaid(&h).unwrap();
        assert!(
            m.contains("[\"11-28 10:00\", \"11-28 10:00 (2)\", \"11-28 10:00 (3)\"]"),
            "{m}"
        );
        assert!(m.contains("x-axis \"runs from 11-28 10:00 to 11-28 10:00 UTC\""));
    }

    #[test]
    fn failures_are_full_height_red_bars() {
        let h = history(&[(1, Some(0), Failed), (7, Some(800), Completed)]);
        let m = mermaid(&h).unwrap();
        assert!(m.contains("    bar [0, 800]\n    bar [800, 0]\n"), "{m}");
        assert!(m.contains("#cf222e, #2da44e"));
        assert!(m.starts_with("%%{init:"));
        assert!(m.lines().nth(1) == Some("xychart-beta"));
    }

    #[test]
    fn labels_are_escaped() {
        let h = from_rows(
            "gui\"des\" ]\n%%{init}%% <b>@team</b> `x` | #quot;",
            [(Some(NOW), Some(1), Completed)],
            24,
            NOW,
        );
        let m = mermaid(&h).unwrap();
        let title = m.lines().find(|l| l.contains("title")).unwrap();
        assert_eq!(title.matches('"').count(), 2, "{title}");
        for bad in ['<', '>', '@', '`', '|', '#', '%', '[', ']', '\n', '{'] {
            assert!(!title.contains(bad), "{bad:?} in {title}");
        }
        let d = details(&h).unwrap();
        assert!(!d.contains("<b>") && !d.contains("@team"), "{d}");
        assert!(safe(&"x".repeat(100), 40).len() == 40);
    }

    #[test]
    fn caption_names_the_threshold_and_where_rows_stopped() {
        let h = history(&[
            (1, Some(0), Failed),
            (7, Some(0), Failed),
            (30, Some(1200), Completed),
        ]);
        assert_eq!(h.stopped_at(), Some(NOW - 30 * 3600));
        let c = caption(&h);
        assert!(
            c.starts_with("Freshness threshold 24 h. 2 of 3 runs failed."),
            "{c}"
        );
        assert!(
            c.contains("stopped moving after the run of 2026-11-27 04:00 UTC (1 d 6 h ago), past the threshold"),
            "{c}"
        );
        let fresh = history(&[(1, Some(0), Failed), (2, Some(9), Completed)]);
        assert!(caption(&fresh).contains("within the threshold"));
        let ok = history(&[(1, Some(5), Completed), (2, Some(0), Failed)]);
        assert_eq!(ok.stopped_at(), None);
        assert!(caption(&ok).ends_with("The newest run wrote records."));
        let quiet = history(&[(63, Some(42), Completed), (69, Some(42), Completed)]);
        assert!(
            caption(&quiet).ends_with("No run since the one of 2026-11-25 19:00 UTC (2 d 15 h ago), past the threshold: the newest row stopped moving then."),
            "{}",
            caption(&quiet)
        );
        let never = history(&[(1, Some(0), Failed)]);
        assert!(caption(&never).ends_with("No run in the window wrote records."));
    }

    #[test]
    fn details_fold_the_chart() {
        let h = history(&[(1, Some(3), Completed)]);
        let d = details(&h).unwrap();
        assert!(d.starts_with(
            "<details><summary>📈 Sync history: guides (▅)</summary>\n\n```mermaid\n"
        ));
        assert!(d.ends_with("\n\n</details>\n"));
        assert_eq!(d.matches("```").count(), 2);
    }
}
