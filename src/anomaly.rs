//! Anomalies against the sync's own history: is the count a run wrote, or a table holds,
//! what this deployment usually sees?
//!
//! Fixed thresholds cannot tell "guides wrote 20" from "reports wrote 20": each entity has
//! its own usual. So each entity's usual `records_processed` is learned from its completed
//! runs of the last [`WINDOW_DAYS`] days, per UTC hour of day (a sync that writes more at
//! 06:00 than at 18:00 is seasonal, not broken), falling back to every hour while the
//! run's hour holds fewer than [`Settings::slot_runs`] runs. The usual is the median, and
//! the spread the scaled median absolute deviation (MAD × 1.4826, the standard deviation
//! of a normal series) — robust to the very outliers being looked for, which a mean and
//! standard deviation are not. A perfectly flat series has a MAD of 0, so the spread is
//! at least [`FLOOR_SHARE`] of the median and at least [`FLOOR_RECORDS`]: a band of
//! ±15 % at the default sensitivity, so a table growing by a few rows is not an anomaly.
//! A run is unusual when its count falls outside median ± sensitivity × spread. Nothing
//! is flagged while fewer than [`Settings::min_runs`] completed runs exist: the entity is
//! "learning (5 of 8 runs)".
//!
//! The tables' row counts across watch runs are compared by [`row_drops`]: the watch
//! keeps the previous counts, this says which fell and by how much ("pendo_guides fell
//! from 548 to 120 rows since yesterday").
//!
//! Everything here is a pure function of the numbers given; the runs are read by
//! [`crate::live::supabase::baseline`] and judged in `supabase.sync-log`.

use serde::{Deserialize, Serialize};

/// How far back the usual is learned from, in days.
pub const WINDOW_DAYS: i64 = 28;
/// The least spread, as a share of the median (a flat series still has a band).
pub const FLOOR_SHARE: f64 = 0.05;
/// The least spread, in records (a flat series of small counts still has a band).
pub const FLOOR_RECORDS: f64 = 2.0;
/// The MAD of a normal series times this is its standard deviation.
const MAD_SCALE: f64 = 1.4826;

/// How strict the judgement is (config `watch.anomaly_sensitivity`,
/// `watch.anomaly_min_runs`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// How many spreads (scaled MADs) from the median a count may be (default 3).
    pub sensitivity: f64,
    /// Completed runs needed before anything is flagged (default 8).
    pub min_runs: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            sensitivity: 3.0,
            min_runs: 8,
        }
    }
}

impl Settings {
    /// Settings from the config's values (`watch.anomaly_sensitivity`,
    /// `watch.anomaly_min_runs`).
    pub fn new(sensitivity: f64, min_runs: usize) -> Settings {
        Settings {
            sensitivity,
            min_runs,
        }
    }

    /// Runs an hour of day must hold to be judged on its own: half of
    /// [`Settings::min_runs`], at least 3.
    pub fn slot_runs(&self) -> usize {
        self.min_runs.div_ceil(2).max(3)
    }
}

/// One completed run: when it ran (Unix seconds) and the records it processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    pub at: i64,
    pub records: i64,
}

/// The usual count: the counts from `low` to `high` (inclusive) around `median`, learned
/// from `runs` runs at `hour` (UTC), or at every hour when `hour` is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub low: i64,
    pub high: i64,
    pub median: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hour: Option<u8>,
    pub runs: usize,
}

impl Band {
    pub fn holds(&self, records: i64) -> bool {
        (self.low..=self.high).contains(&records)
    }

    /// `usually 1,150–1,260 at 06:00 UTC` (the hour only for a seasonal band).
    pub fn phrase(&self) -> String {
        let range = if self.low == self.high {
            thousands(self.low)
        } else {
            format!("{}–{}", thousands(self.low), thousands(self.high))
        };
        match self.hour {
            Some(h) => format!("usually {range} at {h:02}:00 UTC"),
            None => format!("usually {range}"),
        }
    }
}

/// What one entity's newest completed run shows against its history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Usual {
    /// Too few completed runs to know the usual: `runs` of `needed`.
    Learning { runs: usize, needed: usize },
    /// The newest completed run wrote a usual count.
    Within { latest: Sample, band: Band },
    /// The newest completed run wrote far more or far fewer records than usual.
    Outside { latest: Sample, band: Band },
}

impl Usual {
    /// The band, once learned.
    pub fn band(&self) -> Option<&Band> {
        match self {
            Usual::Learning { .. } => None,
            Usual::Within { band, .. } | Usual::Outside { band, .. } => Some(band),
        }
    }

    /// The newest completed run, once learned.
    pub fn latest(&self) -> Option<&Sample> {
        match self {
            Usual::Learning { .. } => None,
            Usual::Within { latest, .. } | Usual::Outside { latest, .. } => Some(latest),
        }
    }

    /// The state in one word or few, for a summary's column: `learning (5 of 8 runs)`,
    /// `usual`, `unusual`.
    pub fn state(&self) -> String {
        match self {
            Usual::Learning { runs, needed } => format!("learning ({runs} of {needed} runs)"),
            Usual::Within { .. } => "usual".to_string(),
            Usual::Outside { .. } => "unusual".to_string(),
        }
    }

    /// The cell a summary table shows beside the latest count: `20 (usually 1,021–1,380
    /// at 06:00 UTC)`, `learning (5 of 8 runs)`.
    pub fn cell(&self) -> String {
        match self {
            Usual::Learning { .. } => self.state(),
            Usual::Within { latest, band } | Usual::Outside { latest, band } => {
                format!("{} ({})", thousands(latest.records), band.phrase())
            }
        }
    }

    /// `guides: 20 records, usually 1,150–1,260 at 06:00 UTC`, `guides: 1,201 records,
    /// usually …`, `guides: learning (5 of 8 runs)`.
    pub fn phrase(&self, entity: &str) -> String {
        format!("{entity}: {}", self.describe())
    }

    /// [`Usual::phrase`] without the entity: `20 records, usually 1,150–1,260 at 06:00
    /// UTC`, `learning (5 of 8 runs)`.
    pub fn describe(&self) -> String {
        match self {
            Usual::Learning { .. } => self.state(),
            Usual::Within { latest, band } | Usual::Outside { latest, band } => format!(
                "{} record{}, {}",
                thousands(latest.records),
                if latest.records == 1 { "" } else { "s" },
                band.phrase()
            ),
        }
    }
}

/// How the newest of `samples` (any order) compares with the others; `None` without
/// samples. Samples older than [`WINDOW_DAYS`] before the newest are not learned from.
pub fn assess(samples: &[Sample], s: &Settings) -> Option<Usual> {
    let mut sorted: Vec<Sample> = samples.to_vec();
    sorted.sort_by_key(|x| x.at);
    let latest = *sorted.last()?;
    let from = latest.at - WINDOW_DAYS * 86_400;
    sorted.retain(|x| x.at > from);
    if sorted.len() < s.min_runs.max(2) {
        return Some(Usual::Learning {
            runs: sorted.len(),
            needed: s.min_runs.max(2),
        });
    }
    let past = &sorted[..sorted.len() - 1];
    let band = band_for(past, hour_of(latest.at), s);
    Some(if band.holds(latest.records) {
        Usual::Within { latest, band }
    } else {
        Usual::Outside { latest, band }
    })
}

/// The band for a run at `hour`, from `past` runs: that hour's own when it holds
/// enough of them, else every hour's.
pub fn band_for(past: &[Sample], hour: u8, s: &Settings) -> Band {
    let slot: Vec<i64> = past
        .iter()
        .filter(|x| hour_of(x.at) == hour)
        .map(|x| x.records)
        .collect();
    let (counts, hour) = if slot.len() >= s.slot_runs() {
        (slot, Some(hour))
    } else {
        (past.iter().map(|x| x.records).collect(), None)
    };
    let median = median(&counts);
    let deviations: Vec<f64> = counts.iter().map(|c| (*c as f64 - median).abs()).collect();
    let spread = (MAD_SCALE * median_f(&deviations))
        .max(FLOOR_SHARE * median.abs())
        .max(FLOOR_RECORDS);
    let reach = s.sensitivity.max(0.0) * spread;
    Band {
        low: ((median - reach).ceil() as i64).max(0),
        high: (median + reach).floor() as i64,
        median: median.round() as i64,
        hour,
        runs: counts.len(),
    }
}

/// The UTC hour of day of a Unix time.
pub fn hour_of(at: i64) -> u8 {
    crate::clock::utc_hour(at)
}

fn median(counts: &[i64]) -> f64 {
    median_f(&counts.iter().map(|c| *c as f64).collect::<Vec<_>>())
}

fn median_f(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// A table whose row count fell between two watch runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDrop {
    pub table: String,
    pub before: u64,
    pub now: u64,
}

impl RowDrop {
    /// `pendo_guides fell from 548 to 120 rows since yesterday`, `… in the last 6 h`
    /// (`elapsed`: seconds since the previous count was taken).
    pub fn phrase(&self, elapsed: i64) -> String {
        let when = if (18 * 3_600..36 * 3_600).contains(&elapsed) {
            "since yesterday".to_string()
        } else {
            let hours = (elapsed.max(0) + 1_800) / 3_600;
            if hours < 48 {
                format!("in the last {} h", hours.max(1))
            } else {
                format!("in the last {} d", (hours + 12) / 24)
            }
        };
        format!(
            "{} fell from {} to {} rows {when}",
            self.table,
            thousands(self.before as i64),
            thousands(self.now as i64)
        )
    }
}

/// The tables whose row count fell far between the previous watch run (`before`: table
/// → rows) and this one (`now`), in `now`'s order. "Far" is the band's idea of it: the
/// drop exceeds `sensitivity` × [`FLOOR_SHARE`] of the previous count (15 % at the
/// default) and [`FLOOR_RECORDS`] × `sensitivity` rows. Growth, tables new or gone, and
/// tables empty before are not drops (a table gone is `supabase.tables`' finding).
pub fn row_drops(before: &[(String, u64)], now: &[(String, u64)], s: &Settings) -> Vec<RowDrop> {
    let k = s.sensitivity.max(0.0);
    now.iter()
        .filter_map(|(table, rows)| {
            let (_, prev) = before.iter().find(|(t, _)| t == table)?;
            let fell = prev.checked_sub(*rows)? as f64;
            let allowed = (k * FLOOR_SHARE * *prev as f64).max(k * FLOOR_RECORDS);
            (fell > allowed).then(|| RowDrop {
                table: table.clone(),
                before: *prev,
                now: *rows,
            })
        })
        .collect()
}

/// `1234567` → `1,234,567` (negative counts keep their sign).
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests;
