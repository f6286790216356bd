//! The runs an entity's usual count is learned from: its completed runs of the last
//! [`WINDOW_DAYS`] days in the sync log, at most [`MAX_RUNS`] per entity (an hourly
//! sync's four weeks), read apart from `supabase.sync-log`'s window of recent runs so
//! that window keeps its meaning and no error message is read twice. Only the entity,
//! the times and the count are read. One REST request per entity, or one query.
//!
//! The judgement itself is pure and lives in [`crate::anomaly`].

use super::Supabase;
use super::client::db::Arg;
use super::client::rest::{ApiError, Rest, encode};
use super::client::sql;
use crate::anomaly::{self, Sample, Settings, Usual, WINDOW_DAYS};
use crate::clock::{format_rfc3339, parse_rfc3339};
use crate::config::SyncLog;
use crate::live::decode;
use crate::live::http::FetchError;
use crate::live::join_all;
use serde_json::Value;

/// The most completed runs read per entity: one an hour for four weeks.
pub const MAX_RUNS: u32 = 24 * WINDOW_DAYS as u32;

/// [`fetch`]'s answer, read once per run and shared by every triage of a sweep
/// ([`crate::live::Live::shared`]).
pub struct UsualRuns(pub Result<Vec<(String, Vec<Sample>)>, FetchError>);

/// Each entity's completed runs of the last [`WINDOW_DAYS`] days before `now` (in
/// `entities`' order, an entity with none included).
pub async fn fetch(
    s: &Supabase,
    log: &SyncLog,
    entities: &[String],
    now: i64,
) -> Result<Vec<(String, Vec<Sample>)>, FetchError> {
    let since = format_rfc3339(now - WINDOW_DAYS * 86_400);
    let rows = if let Some(rest) = &s.rest {
        fetch_rest(rest, log, entities, &since).await?
    } else {
        let Some(db) = s.db().await else {
            return Err(FetchError::Other("no Supabase access".into()));
        };
        let v = db?
            .json(
                &sql::sync_log_usual(log, MAX_RUNS),
                &[
                    Arg::Texts(entities),
                    Arg::Text(Some(&log.success_value)),
                    Arg::Text(Some(&since)),
                ],
            )
            .await?;
        let listed: Vec<Value> = v.as_array().cloned().unwrap_or_default();
        listed
            .iter()
            .filter_map(|r| sample(r, ["entity_type", "records", "started", "created_at"]))
            .collect()
    };
    Ok(entities
        .iter()
        .map(|e| {
            let mine: Vec<Sample> = rows
                .iter()
                .filter(|(who, _)| who == e)
                .map(|(_, s)| *s)
                .take(MAX_RUNS as usize)
                .collect();
            (e.clone(), mine)
        })
        .collect())
}

/// Each entity's usual, from [`fetch`]'s runs (entities without a completed run left
/// out).
pub fn judge(runs: &[(String, Vec<Sample>)], settings: &Settings) -> Vec<(String, Usual)> {
    runs.iter()
        .filter_map(|(e, samples)| Some((e.clone(), anomaly::assess(samples, settings)?)))
        .collect()
}

/// One row as (entity, sample): its time is `created_at`, else the start (as
/// [`super::sync_log::LogRow`] dates a run); rows without a time or a count of 0 or more
/// are left out.
fn sample(v: &Value, names: [&str; 4]) -> Option<(String, Sample)> {
    let entity = v[names[0]].as_str()?.to_string();
    let records = match &v[names[1]] {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    let at = [names[3], names[2]]
        .iter()
        .find_map(|k| v[*k].as_str().and_then(parse_rfc3339))?;
    (records >= 0).then_some((entity, Sample { at, records }))
}

/// One request per entity: its completed runs since `since`, newest first.
fn rest_paths(log: &SyncLog, entities: &[String], since: &str) -> Vec<String> {
    let table = log.table.rsplit('.').next().unwrap_or(&log.table);
    let select = [
        &log.entity_type_column,
        &log.records_column,
        &log.started_column,
        &log.created_column,
    ]
    .iter()
    .map(|c| encode(c))
    .collect::<Vec<_>>()
    .join(",");
    entities
        .iter()
        .map(|e| {
            format!(
                "/{table}?select={select}&{}=eq.{}&{}=eq.{}&{}=gte.{}&order={}.desc&limit={MAX_RUNS}",
                encode(&log.entity_type_column),
                encode(e),
                encode(&log.status_column),
                encode(&log.success_value),
                encode(&log.created_column),
                encode(since),
                encode(&log.created_column),
            )
        })
        .collect()
}

async fn fetch_rest(
    rest: &Rest,
    log: &SyncLog,
    entities: &[String],
    since: &str,
) -> Result<Vec<(String, Sample)>, FetchError> {
    let paths = rest_paths(log, entities, since);
    let requests: Vec<_> = paths
        .iter()
        .map(|path| async move { rest.get(path, None).await })
        .collect();
    let names = [
        log.entity_type_column.as_str(),
        &log.records_column,
        &log.started_column,
        &log.created_column,
    ];
    let mut out = Vec::new();
    for (answer, entity) in join_all(requests).await.into_iter().zip(entities) {
        let a = answer?;
        if !a.is_success() {
            let by = format!("{} answers {}", log.table, a.status);
            return Err(ApiError::of(&a).refused(by));
        }
        // No more rows than asked for, and only the entity asked for.
        let listed = decode::rows(&a.body, MAX_RUNS as usize).map_err(|e| {
            FetchError::Other(format!(
                "{} answers {} that is not a readable JSON list ({e})",
                log.table, a.status
            ))
        })?;
        out.extend(
            listed
                .iter()
                .filter_map(|r| sample(r, names))
                .filter(|(who, _)| who == entity),
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_bounded_request_per_entity_for_completed_runs_since_four_weeks() {
        let log = SyncLog::default();
        let paths = rest_paths(
            &log,
            &["guides".into(), "a b".into()],
            "2026-10-31T10:00:00Z",
        );
        assert_eq!(paths.len(), 2);
        assert_eq!(
            paths[0],
            "/sync_status?select=entity_type,records_processed,last_sync_start,created_at&entity_type=eq.guides&status=eq.completed&created_at=gte.2026-10-31T10%3A00%3A00Z&order=created_at.desc&limit=672"
        );
        assert!(paths[1].contains("entity_type=eq.a%20b"), "{}", paths[1]);
        assert!(!paths[0].contains("error"), "no message is read");
    }

    #[test]
    fn rows_without_a_time_or_a_count_are_left_out() {
        let names = ["entity_type", "records", "started", "created_at"];
        let rows = serde_json::json!([
            {"entity_type": "guides", "records": 1200, "created_at": "2026-11-28T06:00:02Z"},
            {"entity_type": "guides", "records": "1201", "started": "2026-11-28T00:00:02+00:00"},
            {"entity_type": "guides", "records": null, "created_at": "2026-11-28T06:00:02Z"},
            {"entity_type": "guides", "records": -5, "created_at": "2026-11-28T06:00:02Z"},
            {"entity_type": "guides", "records": 7},
        ]);
        let got: Vec<_> = rows
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| sample(r, names))
            .collect();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].1.records, 1200);
        assert_eq!(got[1].1.records, 1201);
    }
}
