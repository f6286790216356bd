//! The config file (`.github/pendo-triage.yml`): schema, defaults, and errors that say
//! what to fix.
//!
//! Every key is optional; the defaults fit the reference deployment described in
//! PRODUCT.md. Unknown keys are rejected (a typo must not silently fall back to a
//! default), and every error names the key and the fix.

use crate::issue::DataType;
use crate::terms::Area;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The whole configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub labels: Labels,
    pub thresholds: Thresholds,
    /// The synced data tables, one per Pendo data type.
    pub tables: Vec<DataTable>,
    pub sync_log: SyncLog,
    pub cron: Cron,
    pub severity: SeverityPolicy,
    pub live: LiveSettings,
    /// The analytics columns `supabase.analytics` watches for wipes.
    pub analytics: Analytics,
    /// The Edge Functions `supabase.functions` reads through the Management API.
    pub functions: Functions,
    /// The watch's hysteresis, reminders and anomaly band.
    pub watch: WatchSettings,
}

/// How the watch decides (`watch:`): when a breakage is sustained enough to open an
/// issue, when a recovery holds, when to reopen and remind, and the anomaly band.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchSettings {
    /// Consecutive failed sync runs of an entity that open an issue.
    pub open_after_runs: u32,
    /// Consecutive completed runs of every affected entity that close it.
    pub close_after_runs: u32,
    /// A breakage this soon after closing reopens the closed issue.
    pub reopen_within_hours: u64,
    /// At most one reminder comment per this many hours while broken.
    pub remind_every_hours: u64,
    /// MADs around an entity's seasonal median of `records_processed`.
    pub anomaly_sensitivity: f64,
    /// Fewer runs than this: "learning", never an anomaly.
    pub anomaly_min_runs: usize,
    /// The environments watched (only Production has credentials today).
    pub environments: Vec<crate::issue::Environment>,
}

impl Default for WatchSettings {
    fn default() -> Self {
        Self {
            open_after_runs: 2,
            close_after_runs: 2,
            reopen_within_hours: 24,
            remind_every_hours: 24,
            anomaly_sensitivity: 3.0,
            anomaly_min_runs: 8,
            environments: vec![crate::issue::Environment::Production],
        }
    }
}

impl WatchSettings {
    /// Counts of runs from 1 to 100, hours above 0, a finite positive sensitivity.
    fn validate(&self) -> Result<(), ConfigProblem> {
        for (key, runs) in [
            ("open_after_runs", self.open_after_runs),
            ("close_after_runs", self.close_after_runs),
        ] {
            if !(1..=100).contains(&runs) {
                return Err(ConfigProblem::WatchRuns { key, value: runs });
            }
        }
        for (key, hours) in [
            ("reopen_within_hours", self.reopen_within_hours),
            ("remind_every_hours", self.remind_every_hours),
        ] {
            if !(1..=24 * 365).contains(&hours) {
                return Err(ConfigProblem::WatchHours { key, value: hours });
            }
        }
        let s = self.anomaly_sensitivity;
        if !(s.is_finite() && s > 0.0 && s <= 100.0) {
            return Err(ConfigProblem::WatchSensitivity(s));
        }
        if !(3..=1000).contains(&self.anomaly_min_runs) {
            return Err(ConfigProblem::WatchMinRuns(self.anomaly_min_runs));
        }
        if self.environments.is_empty() {
            return Err(ConfigProblem::WatchNoEnvironment);
        }
        Ok(())
    }
}

/// The sync's Edge Functions (`supabase.functions`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Functions {
    /// Their slugs; empty: the ones the cron job calls (`/functions/v1/<slug>`).
    pub slugs: Vec<String>,
    /// The project ref; default: from `supabase-url` (`https://<ref>.supabase.co`).
    pub project_ref: Option<String>,
    /// The Management API's base URL (default `https://api.supabase.com`; tests point it
    /// at a fake). The access token goes there and nowhere else.
    pub management_url: Option<String>,
}

impl Functions {
    /// Checks slugs, the project ref and the URL.
    fn validate(&self) -> Result<(), String> {
        let slug_ok = |s: &str| {
            (1..=100).contains(&s.len())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if let Some(s) = self.slugs.iter().find(|s| !slug_ok(s)) {
            return Err(format!(
                "`functions.slugs` holds {s:?}; write Edge Function slugs such as `sync-pendo-incremental` (letters, digits, - and _)."
            ));
        }
        if let Some(r) = self.project_ref.as_deref().filter(|r| !is_project_ref(r)) {
            return Err(format!(
                "`functions.project_ref` is {r:?}; write the project ref, the <ref> of https://<ref>.supabase.co."
            ));
        }
        if let Some(u) = self
            .management_url
            .as_deref()
            .filter(|u| !(u.starts_with("https://") || u.starts_with("http://")))
        {
            return Err(format!(
                "`functions.management_url` is {u:?}; write an https:// URL (default https://api.supabase.com)."
            ));
        }
        Ok(())
    }
}

/// The pg_cron job that runs the sync.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Cron {
    /// The job's name in `cron.job`; empty: every job whose name or command mentions pendo.
    pub job_name: String,
}

/// Label names. Every name the bot reads or writes can be changed here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Labels {
    #[serde(rename = "P0")]
    pub p0: String,
    #[serde(rename = "P1")]
    pub p1: String,
    #[serde(rename = "P2")]
    pub p2: String,
    pub needs_triage: String,
    pub needs_info: String,
    pub recheck: String,
    /// Area key → label name. Keys: `pendo-api`, `supabase`, `database`,
    /// `edge-functions`, `netlify`, `performance`, `monitoring`, `security`.
    pub areas: BTreeMap<String, String>,
}

/// True for a value that can be a Supabase project ref (the `<ref>` of
/// `https://<ref>.supabase.co`): one DNS label of letters and digits.
pub fn is_project_ref(text: &str) -> bool {
    (1..=63).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// The area keys the bot knows, in label order: [`Area`]'s keys, the keys of
/// `labels.areas`.
pub const AREA_KEYS: [&str; Area::ALL.len()] = {
    let mut keys = [""; Area::ALL.len()];
    let mut i = 0;
    while i < keys.len() {
        keys[i] = Area::ALL[i].key();
        i += 1;
    }
    keys
};

impl Labels {
    /// The label name of an area key (the key itself when not configured).
    pub fn area<'a>(&'a self, key: &'a str) -> &'a str {
        self.areas.get(key).map_or(key, String::as_str)
    }

    /// The severity label names, P0 first.
    pub fn severities(&self) -> [&str; 3] {
        [&self.p0, &self.p1, &self.p2]
    }
}

impl Labels {
    /// Known area keys; names GitHub accepts; three distinct severities; a recheck label
    /// that no issue gets without someone asking for it.
    fn validate(&self) -> Result<(), ConfigProblem> {
        let mut names: Vec<(&'static str, &str)> = vec![
            ("labels.P0", &self.p0),
            ("labels.P1", &self.p1),
            ("labels.P2", &self.p2),
            ("labels.needs_triage", &self.needs_triage),
            ("labels.needs_info", &self.needs_info),
            ("labels.recheck", &self.recheck),
        ];
        for (key, name) in &self.areas {
            if !AREA_KEYS.contains(&key.as_str()) {
                return Err(ConfigProblem::UnknownArea(key.clone()));
            }
            names.push(("labels.areas", name));
        }
        for (key, name) in &names {
            if name.trim().is_empty() || name.chars().count() > 50 {
                return Err(ConfigProblem::LabelName(key));
            }
        }
        // GitHub label names are case-insensitive: `Severity:P0` is `severity:P0`.
        let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
        let sev = self.severities();
        if same(sev[0], sev[1]) || same(sev[1], sev[2]) || same(sev[0], sev[2]) {
            return Err(ConfigProblem::SeveritiesNotDistinct);
        }
        // The recheck label fires live checks for whoever adds it; if an issue could
        // carry it from birth (a template label) or from the bot, strangers could fire them.
        if crate::issue::template_labels()
            .into_iter()
            .any(|template_label| same(&self.recheck, template_label))
        {
            return Err(ConfigProblem::RecheckFromTemplate(self.recheck.clone()));
        }
        for (key, name) in names.iter().filter(|(k, _)| *k != "labels.recheck") {
            if same(&self.recheck, name) {
                return Err(ConfigProblem::RecheckSameAs {
                    key,
                    name: name.to_string(),
                });
            }
        }
        Ok(())
    }
}

impl Default for Labels {
    fn default() -> Self {
        Self {
            p0: "severity:P0".into(),
            p1: "severity:P1".into(),
            p2: "severity:P2".into(),
            needs_triage: "needs-triage".into(),
            needs_info: "needs-info".into(),
            recheck: "recheck".into(),
            areas: AREA_KEYS
                .iter()
                .map(|k| ((*k).to_string(), (*k).to_string()))
                .collect(),
        }
    }
}

/// Thresholds, from the template's "Alert Thresholds" and "Performance meets requirements".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Required response time (the template's "< 2s response").
    pub response_time_ms: u64,
    /// Alert response time (the template's "Alert if > 5 seconds").
    pub response_time_alert_ms: u64,
    /// Data older than this is stale ("Alert if > 24 hours old").
    pub freshness_hours: u64,
    /// Pendo's processing lag for event data: events arrive hours late (connector teams
    /// report 4 to 8 h), so freshness and completeness allow this much more for events.
    pub event_lag_hours: u64,
    /// Sync success rate below this is a degradation ("Alert if < 95%").
    pub success_rate_percent: f64,
    /// API error rate above this is a degradation ("Alert if > 5%").
    pub error_rate_percent: f64,
    /// Rows in Supabase as a share of rows in Pendo; below this is partial data, below
    /// half of it is "far below" (critical).
    pub completeness_percent: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            response_time_ms: 2_000,
            response_time_alert_ms: 5_000,
            freshness_hours: 24,
            event_lag_hours: 8,
            success_rate_percent: 95.0,
            error_rate_percent: 5.0,
            completeness_percent: 95.0,
        }
    }
}

impl Thresholds {
    /// Above zero, the alert level at least the requirement, percentages within 0 to 100.
    fn validate(&self) -> Result<(), ConfigProblem> {
        if self.response_time_ms == 0 {
            return Err(ConfigProblem::ResponseTimeZero);
        }
        if self.response_time_alert_ms < self.response_time_ms {
            return Err(ConfigProblem::AlertBelowRequirement {
                alert_ms: self.response_time_alert_ms,
                required_ms: self.response_time_ms,
            });
        }
        if self.freshness_hours == 0 {
            return Err(ConfigProblem::FreshnessZero);
        }
        for (key, value) in [
            ("success_rate_percent", self.success_rate_percent),
            ("error_rate_percent", self.error_rate_percent),
            ("completeness_percent", self.completeness_percent),
        ] {
            if !(0.0..=100.0).contains(&value) || value.is_nan() {
                return Err(ConfigProblem::NotAPercentage { key, value });
            }
        }
        Ok(())
    }
}

/// One synced table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataTable {
    pub data_type: DataType,
    /// Table name, optionally schema-qualified.
    pub name: String,
    /// Timestamp column that says when a row was last synced.
    pub freshness_column: String,
    /// Its `entity_type` in the sync log; default: the data type in lower case (`guides`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<String>,
}

impl DataTable {
    /// The table's entity in the sync log.
    pub fn entity(&self) -> String {
        self.entity_type
            .clone()
            .unwrap_or_else(|| self.data_type.as_str().to_ascii_lowercase())
    }
}

fn default_tables() -> Vec<DataTable> {
    let t = |data_type, name: &str, col: &str| DataTable {
        data_type,
        name: name.into(),
        freshness_column: col.into(),
        entity_type: None,
    };
    vec![
        t(DataType::Guides, "pendo_guides", "last_synced"),
        t(DataType::Features, "pendo_features", "last_synced"),
        t(DataType::Pages, "pendo_pages", "last_synced"),
        t(DataType::Reports, "pendo_reports", "last_synced"),
        t(DataType::Events, "pendo_events", "created_at"),
    ]
}

/// Each table's name and freshness column are identifiers; there is at least one table.
fn validate_tables(tables: &[DataTable]) -> Result<(), ConfigProblem> {
    if tables.is_empty() {
        return Err(ConfigProblem::NoTables);
    }
    for (index, table) in tables.iter().enumerate() {
        for (key, ident) in [
            ("name", &table.name),
            ("freshness_column", &table.freshness_column),
        ] {
            if !is_identifier(ident) {
                return Err(ConfigProblem::TableIdentifier {
                    index,
                    key,
                    value: ident.clone(),
                });
            }
        }
    }
    Ok(())
}

/// The sync log table and its columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyncLog {
    pub table: String,
    pub entity_type_column: String,
    pub status_column: String,
    pub success_value: String,
    pub failure_value: String,
    pub started_column: String,
    pub ended_column: String,
    pub records_column: String,
    pub error_column: String,
    pub created_column: String,
    /// How many recent runs per entity the success rate is computed over.
    pub window_runs: u32,
}

impl Default for SyncLog {
    fn default() -> Self {
        Self {
            table: "sync_status".into(),
            entity_type_column: "entity_type".into(),
            status_column: "status".into(),
            success_value: "completed".into(),
            failure_value: "failed".into(),
            started_column: "last_sync_start".into(),
            ended_column: "last_sync_end".into(),
            records_column: "records_processed".into(),
            error_column: "error_message".into(),
            created_column: "created_at".into(),
            window_runs: 20,
        }
    }
}

impl SyncLog {
    /// Every column an identifier, a window of at least one run.
    fn validate(&self) -> Result<(), ConfigProblem> {
        for (key, ident) in [
            ("table", &self.table),
            ("entity_type_column", &self.entity_type_column),
            ("status_column", &self.status_column),
            ("started_column", &self.started_column),
            ("ended_column", &self.ended_column),
            ("records_column", &self.records_column),
            ("error_column", &self.error_column),
            ("created_column", &self.created_column),
        ] {
            if !is_identifier(ident) {
                return Err(ConfigProblem::SyncLogIdentifier {
                    key,
                    value: ident.clone(),
                });
            }
        }
        if self.window_runs == 0 {
            return Err(ConfigProblem::WindowRunsZero);
        }
        Ok(())
    }
}

/// A severity level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    P0,
    P1,
    P2,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::P0 => "P0",
            Self::P1 => "P1",
            Self::P2 => "P2",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which severity a kind of finding gets in each environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeverityPolicy {
    pub production_critical: Severity,
    pub production_degraded: Severity,
    pub staging_critical: Severity,
    pub staging_degraded: Severity,
    pub development_critical: Severity,
    pub development_degraded: Severity,
    /// Severity when nothing is wrong (also "every check passes now").
    pub otherwise: Severity,
    /// Treat an issue that does not state its environment as Production.
    pub unstated_is_production: bool,
}

impl Default for SeverityPolicy {
    fn default() -> Self {
        Self {
            production_critical: Severity::P0,
            production_degraded: Severity::P1,
            staging_critical: Severity::P1,
            staging_degraded: Severity::P2,
            development_critical: Severity::P2,
            development_degraded: Severity::P2,
            otherwise: Severity::P2,
            unstated_is_production: true,
        }
    }
}

/// How live checks run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LiveSettings {
    /// Edits arriving faster than this reuse the last live results.
    pub reuse_minutes: u64,
    /// Deadline for one network call.
    pub request_timeout_seconds: u64,
    /// Deadline for all live checks of one run.
    pub total_timeout_seconds: u64,
    /// Small requests `pendo.latency` times (1 to 5).
    pub latency_probes: u32,
    /// The environment the unprefixed credentials belong to. Another environment is
    /// answered only by its own prefixed ones (`STAGING_…`, see
    /// [`crate::credentials::ByEnvironment`]): Production's measurements are not Staging's.
    pub credentials_environment: crate::issue::Environment,
}

impl Default for LiveSettings {
    fn default() -> Self {
        Self {
            reuse_minutes: 10,
            request_timeout_seconds: 10,
            total_timeout_seconds: 60,
            latency_probes: 3,
            credentials_environment: crate::issue::Environment::Production,
        }
    }
}

impl LiveSettings {
    /// A few latency probes, deadlines above zero.
    fn validate(&self) -> Result<(), ConfigProblem> {
        if !(1..=5).contains(&self.latency_probes) {
            return Err(ConfigProblem::LatencyProbes(self.latency_probes));
        }
        if self.request_timeout_seconds == 0 || self.total_timeout_seconds == 0 {
            return Err(ConfigProblem::TimeoutZero);
        }
        Ok(())
    }
}

/// The analytics columns (`supabase.analytics`): metric columns per table, filled from
/// the events table, which a bad sync run can wipe to zero.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Analytics {
    /// Days back an entity's events count as "active in the window".
    pub window_days: u32,
    /// A metric zero on at least this share of a table's rows is zero on "nearly every row".
    pub zero_percent: u32,
    /// The events table the metrics are computed from.
    pub events: EventsTable,
    /// The metric tables; empty: the check has nothing to watch.
    pub metrics: Vec<MetricTable>,
}

/// Where the events live, and how an event names its entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EventsTable {
    pub table: String,
    pub entity_type_column: String,
    pub entity_id_column: String,
    pub created_column: String,
}

impl Default for EventsTable {
    fn default() -> Self {
        Self {
            table: "pendo_events".into(),
            entity_type_column: "entity_type".into(),
            entity_id_column: "entity_id".into(),
            created_column: "created_at".into(),
        }
    }
}

/// One table of metric columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricTable {
    pub table: String,
    /// Its events' `entity_type` value (`guide`).
    pub entity_type: String,
    /// The metric columns (counts: zero means "no activity").
    pub columns: Vec<String>,
    /// The columns that count the entity's events, so an entity with events in the window
    /// cannot hold zero there. A column left out (the reference deployment's
    /// `completions`, never filled) is only ever a warning.
    #[serde(default)]
    pub from_events: Vec<String>,
    /// The column events' `entity_id` matches; default `id`.
    #[serde(default = "default_id_column")]
    pub id_column: String,
}

fn default_id_column() -> String {
    "id".into()
}

impl Default for Analytics {
    fn default() -> Self {
        let m =
            |table: &str, entity_type: &str, columns: &[&str], from_events: &[&str]| MetricTable {
                table: table.into(),
                entity_type: entity_type.into(),
                columns: columns.iter().map(|c| c.to_string()).collect(),
                from_events: from_events.iter().map(|c| c.to_string()).collect(),
                id_column: default_id_column(),
            };
        Self {
            window_days: 7,
            zero_percent: 95,
            events: EventsTable::default(),
            metrics: vec![
                m(
                    "pendo_guides",
                    "guide",
                    &["views", "completions"],
                    &["views"],
                ),
                m(
                    "pendo_features",
                    "feature",
                    &["usage_count"],
                    &["usage_count"],
                ),
                m("pendo_pages", "page", &["views"], &["views"]),
            ],
        }
    }
}

impl Analytics {
    /// Checks the analytics section: identifiers, ranges, `from_events` within `columns`.
    fn validate(&self) -> Result<(), ConfigProblem> {
        if !(1..=90).contains(&self.window_days) {
            return Err(ConfigProblem::AnalyticsWindowDays(self.window_days));
        }
        if !(50..=100).contains(&self.zero_percent) {
            return Err(ConfigProblem::AnalyticsZeroPercent(self.zero_percent));
        }
        let e = &self.events;
        for (key, ident) in [
            ("table", &e.table),
            ("entity_type_column", &e.entity_type_column),
            ("entity_id_column", &e.entity_id_column),
            ("created_column", &e.created_column),
        ] {
            if !is_identifier(ident) {
                return Err(ConfigProblem::EventsIdentifier {
                    key,
                    value: ident.clone(),
                });
            }
        }
        for (index, m) in self.metrics.iter().enumerate() {
            m.validate(index)?;
        }
        Ok(())
    }
}

impl MetricTable {
    /// Checks one entry of `analytics.metrics` (at `index`).
    fn validate(&self, index: usize) -> Result<(), ConfigProblem> {
        for (key, ident) in [("table", &self.table), ("id_column", &self.id_column)] {
            if !is_identifier(ident) {
                return Err(ConfigProblem::MetricIdentifier {
                    index,
                    key,
                    value: ident.clone(),
                });
            }
        }
        if self.columns.is_empty() {
            return Err(ConfigProblem::MetricColumnsEmpty { index });
        }
        for c in self.columns.iter().chain(&self.from_events) {
            if !is_identifier(c) || c.contains('.') {
                return Err(ConfigProblem::MetricColumn {
                    index,
                    column: c.clone(),
                });
            }
        }
        if let Some(c) = self.from_events.iter().find(|c| !self.columns.contains(c)) {
            return Err(ConfigProblem::FromEventsNotInColumns {
                index,
                column: c.clone(),
            });
        }
        if self.entity_type.trim().is_empty() || self.entity_type.chars().count() > 100 {
            return Err(ConfigProblem::MetricEntityType { index });
        }
        Ok(())
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            labels: Labels::default(),
            thresholds: Thresholds::default(),
            tables: default_tables(),
            sync_log: SyncLog::default(),
            cron: Cron::default(),
            severity: SeverityPolicy::default(),
            live: LiveSettings::default(),
            analytics: Analytics::default(),
            functions: Functions::default(),
            watch: WatchSettings::default(),
        }
    }
}

/// A config file the bot cannot use; the message names the key and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("config {source_name}: {message}")]
pub struct ConfigError {
    /// Where the config came from (a path, or `owner/repo:path`).
    pub source_name: String,
    pub message: String,
}

/// A value serde reads but the bot cannot use. Each message names the key and the fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigProblem {
    /// A value of the `functions` section (`supabase.functions`), with what to write.
    #[error("{0}")]
    Functions(String),
    #[error("`thresholds.response_time_ms` must be above 0 (default 2000).")]
    ResponseTimeZero,
    #[error(
        "`thresholds.response_time_alert_ms` ({alert_ms}) is below `thresholds.response_time_ms` ({required_ms}); the alert level must be at least the requirement (defaults 5000 and 2000)."
    )]
    AlertBelowRequirement { alert_ms: u64, required_ms: u64 },
    #[error("`thresholds.freshness_hours` must be above 0 (default 24).")]
    FreshnessZero,
    /// A `thresholds.*_percent` outside 0 to 100 (or NaN).
    #[error("`thresholds.{key}` is {value}; write a percentage from 0 to 100.")]
    NotAPercentage { key: &'static str, value: f64 },
    /// A key of `labels.areas` that is not in [`AREA_KEYS`].
    #[error("`labels.areas.{0}` is not an area; use one of {areas}.", areas = AREA_KEYS.join(", "))]
    UnknownArea(String),
    /// A label name GitHub would refuse (blank, or over 50 characters).
    #[error("`{0}` must be a label name of 1 to 50 characters (GitHub's limit).")]
    LabelName(&'static str),
    #[error(
        "`labels.P0`, `labels.P1` and `labels.P2` must be three different labels (GitHub compares label names without case)."
    )]
    SeveritiesNotDistinct,
    /// The recheck label is one the issue template puts on every new issue.
    #[error(
        "`labels.recheck` is {0:?}, a label the issue template adds to every new issue, so every new issue would count as a recheck with live checks; choose a label of its own such as `recheck`."
    )]
    RecheckFromTemplate(String),
    /// The recheck label is one the bot adds itself.
    #[error(
        "`labels.recheck` is the same label as `{key}` ({name:?}); the bot adds that one itself, which would trigger rechecks. Choose a label of its own such as `recheck`."
    )]
    RecheckSameAs { key: &'static str, name: String },
    #[error(
        "`tables` is empty; list at least one synced table, or remove the key to use the defaults."
    )]
    NoTables,
    #[error(
        "`tables[{index}].{key}` is {value:?}; write a Postgres identifier such as `pendo_guides` or `public.pendo_guides`."
    )]
    TableIdentifier {
        index: usize,
        key: &'static str,
        value: String,
    },
    #[error("`sync_log.{key}` is {value:?}; write a Postgres identifier such as `sync_status`.")]
    SyncLogIdentifier { key: &'static str, value: String },
    #[error("`sync_log.window_runs` must be above 0 (default 20).")]
    WindowRunsZero,
    #[error(
        "`live.latency_probes` is {0}; write 1 to 5 (default 3): the bot shares Pendo's rate limit with the sync."
    )]
    LatencyProbes(u32),
    #[error(
        "`live.request_timeout_seconds` and `live.total_timeout_seconds` must be above 0 (defaults 10 and 60)."
    )]
    TimeoutZero,
    #[error("`analytics.window_days` is {0}; write 1 to 90 (default 7).")]
    AnalyticsWindowDays(u32),
    #[error(
        "`analytics.zero_percent` is {0}; write 50 to 100 (default 95): the share of rows at zero that counts as \"nearly every row\"."
    )]
    AnalyticsZeroPercent(u32),
    #[error(
        "`analytics.events.{key}` is {value:?}; write a Postgres identifier such as `pendo_events`."
    )]
    EventsIdentifier { key: &'static str, value: String },
    #[error(
        "`analytics.metrics[{index}].{key}` is {value:?}; write a Postgres identifier such as `pendo_guides`."
    )]
    MetricIdentifier {
        index: usize,
        key: &'static str,
        value: String,
    },
    #[error(
        "`analytics.metrics[{index}].columns` is empty; list the table's metric columns (e.g. `[views]`), or remove the entry."
    )]
    MetricColumnsEmpty { index: usize },
    #[error(
        "`analytics.metrics[{index}]` names the column {column:?}; write a column name such as `views`."
    )]
    MetricColumn { index: usize, column: String },
    #[error(
        "`analytics.metrics[{index}].from_events` names {column:?}, which is not in its `columns`; add it there or remove it."
    )]
    FromEventsNotInColumns { index: usize, column: String },
    #[error(
        "`analytics.metrics[{index}].entity_type` must be the events' entity_type value for this table (1 to 100 characters, e.g. `guide`)."
    )]
    MetricEntityType { index: usize },
    #[error("`watch.{key}` is {value}; write a number of runs from 1 to 100 (default 2).")]
    WatchRuns { key: &'static str, value: u32 },
    #[error("`watch.{key}` is {value}; write a number of hours from 1 to 8760 (default 24).")]
    WatchHours { key: &'static str, value: u64 },
    #[error(
        "`watch.anomaly_sensitivity` is {0}; write a number of MADs above 0 and at most 100 (default 3)."
    )]
    WatchSensitivity(f64),
    #[error("`watch.anomaly_min_runs` is {0}; write 3 to 1000 runs (default 8).")]
    WatchMinRuns(usize),
    #[error(
        "`watch.environments` is empty; list at least one, such as `[Production]`, or remove the key."
    )]
    WatchNoEnvironment,
}

impl Config {
    /// Reads a config file's text. An empty file (or only comments) is the defaults.
    pub fn from_yaml(text: &str, source_name: &str) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            source_name: source_name.to_string(),
            message,
        };
        let meaningful = text
            .lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#') && l.trim() != "---");
        let config: Config = if meaningful {
            serde_saphyr::from_str(text).map_err(|e| err(yaml_error(text, &e)))?
        } else {
            Config::default()
        };
        config.validate().map_err(|p| err(p.to_string()))?;
        Ok(config)
    }

    /// Checks the values serde cannot: ranges, orderings and names. The first problem
    /// found is the one reported, in the order of the file's sections.
    pub fn validate(&self) -> Result<(), ConfigProblem> {
        self.thresholds.validate()?;
        self.labels.validate()?;
        validate_tables(&self.tables)?;
        self.sync_log.validate()?;
        self.live.validate()?;
        self.analytics.validate()?;
        self.functions
            .validate()
            .map_err(ConfigProblem::Functions)?;
        self.watch.validate()
    }

    /// The table configured for a data type.
    pub fn table_for(&self, data_type: DataType) -> Option<&DataTable> {
        self.tables.iter().find(|t| t.data_type == data_type)
    }
}

/// `schema.table` or `table`, letters, digits and underscores.
fn is_identifier(s: &str) -> bool {
    let part = |p: &str| {
        let mut chars = p.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
            && p.len() <= 63
    };
    match s.split_once('.') {
        Some((schema, table)) => part(schema) && part(table),
        None => part(s),
    }
}

/// Where the keys and their defaults are documented, for messages.
const DOCS: &str = "pendo-triage's docs/configuration.md";

/// A YAML or type error, on several lines: where (line, column, key path), what was
/// expected and found, the lines around it with a caret, and the fix.
///
/// serde-saphyr gives the line and column but not the key path, so the path is read back
/// from the text at that line by indentation ([`key_path`]); its messages name Rust types
/// (`invalid u64`), so those are put in the user's words ([`in_words`]).
fn yaml_error(text: &str, error: &serde_saphyr::Error) -> String {
    use serde_saphyr::MessageFormatter as _;
    let raw = serde_saphyr::UserMessageFormatter.format_message(error.without_snippet());
    let raw = raw.trim().trim_end_matches('.');
    let location = error
        .location()
        .map(|l| (l.line() as usize, l.column() as usize))
        .filter(|(line, column)| *line > 0 && *column > 0);
    let Some((line, column)) = location else {
        return format!("{raw}.\nFix the YAML; every key and its default is listed in {DOCS}.");
    };
    let path = key_path(text, line);
    let found = path.as_ref().and_then(|_| value_at(text, line));
    let what = in_words(raw, found.as_deref());
    let at = match &path {
        Some(p) => format!("line {line}, column {column}, at `{p}`"),
        None => format!("line {line}, column {column}"),
    };
    let fix = if raw.contains("unknown field") {
        "Fix the key's spelling or remove it"
    } else if raw.contains("unknown variant") {
        "Use one of the listed values"
    } else {
        "Fix the YAML at that place"
    };
    format!(
        "{at}: {what}\n{}{fix}; every key and its default is listed in {DOCS}.",
        snippet(text, line, column)
    )
}

/// The library's words for a wrong type, in the user's: `invalid u64` becomes "expected
/// a whole number (0 or more), found `soon`".
fn in_words(raw: &str, found: Option<&str>) -> String {
    let expected = if [
        "invalid u8",
        "invalid u16",
        "invalid u32",
        "invalid u64",
        "invalid usize",
    ]
    .iter()
    .any(|t| raw.contains(t))
    {
        Some("a whole number (0 or more)")
    } else if raw.contains("invalid i64") || raw.contains("invalid i32") {
        Some("a whole number")
    } else if raw.contains("invalid floating point") || raw.contains("invalid f64") {
        Some("a number")
    } else if raw.contains("invalid bool") {
        Some("true or false")
    } else {
        None
    };
    match (expected, found) {
        (Some(e), Some(f)) => format!("expected {e}, found `{f}`"),
        (Some(e), None) => format!("expected {e}"),
        (None, _) => raw.to_string(),
    }
}

/// The scalar value written on a line after its key (`freshness_hours: soon` → `soon`).
fn value_at(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let (_, value) = l.split_once(": ")?;
    let value = value.split(" #").next().unwrap_or("").trim();
    // one-way-out: the repository's own config, not outside text; the log scrubs it.
    (!value.is_empty()).then(|| value.chars().take(60).collect()) // one-way-out: config
}

/// The text at `line` (1-based) and the line before it, numbered, with a caret under
/// `column`; each line ends in a newline.
fn snippet(text: &str, line: usize, column: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let width = line.to_string().len();
    for n in line.saturating_sub(1).max(1)..=line {
        if let Some(l) = lines.get(n - 1) {
            let shown: String = l.chars().take(120).collect(); // one-way-out: config
            out.push_str(&format!("  {n:>width$} | {shown}\n"));
        }
    }
    if lines.get(line - 1).is_some() {
        out.push_str(&format!("  {:>width$} | {}^\n", "", " ".repeat(column - 1)));
    }
    out
}

/// The key path (`tables[0].name`) of the key on `line` (1-based) of a block-style YAML
/// text, read from the indentation of the lines above it. `None` when that line holds no
/// `key:` (flow style, a broken line).
fn key_path(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let meaningful = |l: &str| !l.trim().is_empty() && !l.trim_start().starts_with('#');
    let mut j = line.checked_sub(1)?;
    let (mut col, key) = key_of(lines.get(j)?)?;
    let mut parts = vec![key];
    // Invariant: line `j` belongs to a mapping whose keys start at column `col`.
    'up: loop {
        if let Some(dash) = dash_of(lines[j]).filter(|d| *d < col) {
            // The mapping is an item of a sequence: its index is the items above it.
            let mut index = 0;
            let mut m = j;
            let parent = loop {
                if m == 0 {
                    break None;
                }
                m -= 1;
                let l = lines[m];
                if !meaningful(l) {
                    continue;
                }
                if dash_of(l) == Some(dash) {
                    index += 1;
                } else if indent_of(l) <= dash {
                    break key_of(l).filter(|(c, _)| *c <= dash).map(|k| (m, k));
                }
            };
            parts.push(format!("[{index}]"));
            let Some((m, (c, k))) = parent else { break };
            parts.push(k);
            (j, col) = (m, c);
            continue;
        }
        let mut m = j;
        while m > 0 {
            m -= 1;
            let l = lines[m];
            if !meaningful(l) {
                continue;
            }
            match key_of(l) {
                Some((c, k)) if c < col => {
                    parts.push(k);
                    (j, col) = (m, c);
                    continue 'up;
                }
                Some((c, _)) if c == col && dash_of(l).is_some() => {
                    j = m;
                    continue 'up;
                }
                None if indent_of(l) < col => break 'up,
                _ => {}
            }
        }
        break;
    }
    parts.reverse();
    let mut path = String::new();
    for p in parts {
        if !path.is_empty() && !p.starts_with('[') {
            path.push('.');
        }
        path.push_str(&p);
    }
    Some(path)
}

/// Spaces before a line's first character.
fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// The column (0-based) of a line's sequence dash (`  - x` → 2).
fn dash_of(line: &str) -> Option<usize> {
    let i = indent_of(line);
    let rest = &line[i..];
    (rest == "-" || rest.starts_with("- ")).then_some(i)
}

/// The column (0-based) and name of the block key a line holds (`  - name: x` → 4, name).
fn key_of(line: &str) -> Option<(usize, String)> {
    let mut i = indent_of(line);
    while line[i..].starts_with("- ") {
        i += 2;
        i += indent_of(&line[i..]);
    }
    let rest = &line[i..];
    let end = rest
        .find(": ")
        .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?;
    let key = rest[..end].trim().trim_matches(|c| c == '"' || c == '\'');
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    plain.then(|| (i, key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_the_defaults() {
        assert_eq!(Config::from_yaml("", "x").unwrap(), Config::default());
        assert_eq!(
            Config::from_yaml("# nothing\n---\n", "x").unwrap(),
            Config::default()
        );
    }

    #[test]
    fn partial_config_keeps_other_defaults() {
        let c = Config::from_yaml(
            "thresholds:\n  freshness_hours: 6\nlabels:\n  P0: \"prio: urgent\"\n",
            "x",
        )
        .unwrap();
        assert_eq!(c.thresholds.freshness_hours, 6);
        assert_eq!(c.thresholds.response_time_ms, 2000);
        assert_eq!(c.labels.p0, "prio: urgent");
        assert_eq!(c.labels.p1, "severity:P1");
        assert_eq!(c.tables.len(), 5);
    }

    #[test]
    fn a_typo_names_the_key_and_the_fix() {
        let e = Config::from_yaml(
            "thresholds:\n  freshnes_hours: 6\n",
            ".github/pendo-triage.yml",
        )
        .unwrap_err();
        let text = e.to_string();
        assert!(text.contains(".github/pendo-triage.yml"), "{text}");
        assert!(text.contains("freshnes_hours"), "{text}");
        assert!(text.contains("spelling"), "{text}");
    }

    #[test]
    fn wrong_types_and_ranges_are_explained() {
        let e = Config::from_yaml("thresholds:\n  freshness_hours: soon\n", "x").unwrap_err();
        assert!(
            e.message.contains("freshness_hours") || e.message.contains("line"),
            "{e}"
        );
        let e = Config::from_yaml("thresholds:\n  success_rate_percent: 120\n", "x").unwrap_err();
        assert!(e.message.contains("thresholds.success_rate_percent"), "{e}");
        let e = Config::from_yaml("thresholds:\n  response_time_ms: 6000\n", "x").unwrap_err();
        assert!(e.message.contains("response_time_alert_ms"), "{e}");
        let e = Config::from_yaml("labels:\n  P1: severity:P0\n", "x").unwrap_err();
        assert!(e.message.contains("three different"), "{e}");
        let e = Config::from_yaml("labels:\n  areas:\n    frontend: ui\n", "x").unwrap_err();
        assert!(e.message.contains("labels.areas.frontend"), "{e}");
        let e = Config::from_yaml("labels:\n  P1: Severity:p0\n", "x").unwrap_err();
        assert!(e.message.contains("without case"), "{e}");
    }

    #[test]
    fn the_recheck_label_cannot_be_one_an_issue_gets_without_asking() {
        for label in ["pendo-api", "API", "needs-triage"] {
            let e = Config::from_yaml(&format!("labels:\n  recheck: {label}\n"), "x").unwrap_err();
            assert!(e.message.contains("issue template adds"), "{label}: {e}");
        }
        for (yaml, key) in [
            ("recheck: Severity:P0", "labels.P0"),
            ("recheck: needs-info", "labels.needs_info"),
            ("recheck: Monitoring", "labels.areas"),
        ] {
            let e = Config::from_yaml(&format!("labels:\n  {yaml}\n"), "x").unwrap_err();
            assert!(e.message.contains(key), "{yaml}: {e}");
        }
        assert!(Config::from_yaml("labels:\n  recheck: triage-again\n", "x").is_ok());
    }

    #[test]
    fn tables_are_checked_as_identifiers() {
        let e = Config::from_yaml(
            "tables:\n  - data_type: Guides\n    name: \"guides; drop table x\"\n    freshness_column: at\n",
            "x",
        )
        .unwrap_err();
        assert!(e.message.contains("tables[0].name"), "{e}");
        let c = Config::from_yaml(
            "tables:\n  - data_type: Events\n    name: analytics.events\n    freshness_column: received_at\n",
            "x",
        )
        .unwrap();
        assert_eq!(
            c.table_for(DataType::Events).unwrap().name,
            "analytics.events"
        );
        assert!(c.table_for(DataType::Guides).is_none());
    }

    #[test]
    fn the_docs_document_exactly_the_defaults() {
        let section = include_str!("../docs/configuration.md");
        let start = section.find("```yaml\n").expect("yaml block") + 8;
        let end = start + section[start..].find("```").expect("end of block");
        let documented = Config::from_yaml(&section[start..end], "docs/configuration.md").unwrap();
        assert_eq!(documented, Config::default());
    }

    #[test]
    fn watch_settings_are_read_and_checked() {
        let c = Config::from_yaml(
            "watch:\n  open_after_runs: 3\n  close_after_runs: 4\n  reopen_within_hours: 12\n  remind_every_hours: 6\n  anomaly_sensitivity: 4.5\n  anomaly_min_runs: 10\n  environments: [Production, Staging]\n",
            "x",
        )
        .unwrap();
        let w = &c.watch;
        assert_eq!((w.open_after_runs, w.close_after_runs), (3, 4));
        assert_eq!((w.reopen_within_hours, w.remind_every_hours), (12, 6));
        assert_eq!((w.anomaly_sensitivity, w.anomaly_min_runs), (4.5, 10));
        assert_eq!(
            w.environments,
            vec![
                crate::issue::Environment::Production,
                crate::issue::Environment::Staging
            ]
        );
        assert_eq!(WatchSettings::default().open_after_runs, 2);
        for (yaml, says) in [
            (
                "watch:\n  open_after_runs: 0\n",
                "`watch.open_after_runs` is 0",
            ),
            (
                "watch:\n  close_after_runs: 101\n",
                "`watch.close_after_runs` is 101",
            ),
            (
                "watch:\n  reopen_within_hours: 0\n",
                "`watch.reopen_within_hours` is 0",
            ),
            (
                "watch:\n  remind_every_hours: 0\n",
                "`watch.remind_every_hours` is 0",
            ),
            (
                "watch:\n  anomaly_sensitivity: -1\n",
                "`watch.anomaly_sensitivity` is -1",
            ),
            (
                "watch:\n  anomaly_min_runs: 1\n",
                "`watch.anomaly_min_runs` is 1",
            ),
            (
                "watch:\n  environments: []\n",
                "`watch.environments` is empty",
            ),
            ("watch:\n  open_after: 2\n", "open_after"),
            ("watch:\n  environments: [Moon]\n", "Moon"),
        ] {
            let e = Config::from_yaml(yaml, "x").unwrap_err().to_string();
            assert!(e.contains(says), "{yaml}: {e}");
        }
    }

    #[test]
    fn analytics_columns_are_checked() {
        let c = Config::from_yaml(
            "analytics:\n  window_days: 3\n  metrics:\n    - { table: guides, entity_type: guide, columns: [seen] }\n",
            "x",
        )
        .unwrap();
        assert_eq!(c.analytics.window_days, 3);
        assert_eq!(c.analytics.metrics[0].id_column, "id");
        assert!(c.analytics.metrics[0].from_events.is_empty());
        assert_eq!(c.analytics.events.table, "pendo_events");
        for (yaml, key) in [
            ("analytics:\n  window_days: 0\n", "analytics.window_days"),
            ("analytics:\n  zero_percent: 10\n", "analytics.zero_percent"),
            (
                "analytics:\n  metrics:\n    - { table: g, entity_type: guide, columns: [views], from_events: [clicks] }\n",
                "analytics.metrics[0].from_events",
            ),
            (
                "analytics:\n  metrics:\n    - { table: g, entity_type: guide, columns: [] }\n",
                "analytics.metrics[0].columns",
            ),
            (
                "analytics:\n  events:\n    table: \"x; drop\"\n",
                "analytics.events.table",
            ),
            (
                "analytics:\n  metrics:\n    - { table: g, entity_type: guide, columns: [\"a b\"] }\n",
                "analytics.metrics[0]",
            ),
        ] {
            let e = Config::from_yaml(yaml, "x").unwrap_err();
            assert!(e.message.contains(key), "{yaml}: {e}");
        }
        let e = Config::from_yaml("analytics:\n  window: 7\n", "x").unwrap_err();
        assert!(e.message.contains("window"), "{e}");
    }

    #[test]
    fn key_paths_are_read_back_from_the_indentation() {
        let text = "# comment\nthresholds:\n  freshness_hours: 6\n\nlabels:\n  areas:\n    supabase: db\ntables:\n  - data_type: Guides\n    name: g\n    freshness_column: at\n  - data_type: Events\n    name: e\n    extra: 1\nanalytics:\n  metrics:\n  - table: g\n    columns:\n      - views\n";
        for (line, want) in [
            (2, Some("thresholds")),
            (3, Some("thresholds.freshness_hours")),
            (7, Some("labels.areas.supabase")),
            (9, Some("tables[0].data_type")),
            (11, Some("tables[0].freshness_column")),
            (12, Some("tables[1].data_type")),
            (14, Some("tables[1].extra")),
            (17, Some("analytics.metrics[0].table")),
            (18, Some("analytics.metrics[0].columns")),
            (1, None),
            (19, None),
            (99, None),
        ] {
            assert_eq!(key_path(text, line).as_deref(), want, "line {line}");
        }
    }

    #[test]
    fn a_yaml_error_names_the_file_the_key_and_the_line_on_several_lines() {
        let e = Config::from_yaml(
            "thresholds:\n  freshness_hours: soon\n",
            ".github/pendo-triage.yml",
        )
        .unwrap_err();
        let text = e.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "config .github/pendo-triage.yml: line 2, column 20, at `thresholds.freshness_hours`: expected a whole number (0 or more), found `soon`",
            "{text}"
        );
        assert_eq!(lines[1], "  1 | thresholds:");
        assert_eq!(lines[2], "  2 |   freshness_hours: soon");
        assert_eq!(lines[3], "    |                    ^");
        assert!(lines[4].contains("docs/configuration.md"), "{text}");

        for (yaml, want) in [
            (
                "sync_log:\n  window_runs: -3\n",
                "at `sync_log.window_runs`: expected a whole number (0 or more), found `-3`",
            ),
            (
                "thresholds:\n  success_rate_percent: lots\n",
                "at `thresholds.success_rate_percent`: expected a number, found `lots`",
            ),
            (
                "severity:\n  unstated_is_production: maybe\n",
                "at `severity.unstated_is_production`: expected true or false, found `maybe`",
            ),
            (
                "tables:\n  - data_type: Guides\n    name: g\n    freshness_column: at\n    extra: 1\n",
                "line 5, column 5, at `tables[0].extra`: unknown field `extra`",
            ),
            ("labels: [\n  x: 1\n", "line 1, column 9"),
        ] {
            let text = Config::from_yaml(yaml, "c.yml").unwrap_err().to_string();
            assert!(
                text.lines().next().unwrap().contains(want),
                "{yaml}: {text}"
            );
            assert!(text.lines().count() >= 3, "{text}");
            assert!(text.contains('^'), "{text}");
        }
    }

    #[test]
    fn bad_yaml_is_a_message_not_a_panic() {
        for text in ["labels: [", "\t- x", "thresholds: 5", ":::"] {
            let e = Config::from_yaml(text, "x").unwrap_err();
            assert!(!e.message.is_empty());
        }
    }
}
