//! `pendo.endpoint`: the list endpoint for the issue's data type, as the sync reads it.
//!
//! The issue's endpoint never chooses the URL: its data type picks one of the four
//! allowlisted list paths (`/api/v1/guide`, `feature`, `page`, `report`), asked with
//! `expand=*` (every app). The body is read up to [`MAX_BODY`] and counted without being
//! kept. When the count differs from the issue's Expected Record Count, the same list
//! without `expand=*` tells whether only the default app gets synced, the classic "counts
//! below the Pendo UI". Events have no list endpoint; `pendo.aggregation` covers them.

use super::Pendo;
use crate::clock::format_utc;
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::issue::DataType;
use crate::live::http::{Answer, FetchError};
use crate::live::{Live, LiveInputs, fetch_error};
use crate::meaning::{self, Service};

/// The largest list body read (bytes). Pendo answers with every row at once; a
/// subscription's guides with `expand=*` run to a few MiB.
pub const MAX_BODY: usize = 32 << 20;
/// Counts within this share of the expected one count as matching.
const TOLERANCE: f64 = 0.05;
const ID: CheckId = CheckId::PendoEndpoint;

/// The allowlisted list path of a data type.
pub fn list_path(data_type: DataType) -> Option<&'static str> {
    match data_type {
        DataType::Guides => Some("/api/v1/guide"),
        DataType::Features => Some("/api/v1/feature"),
        DataType::Pages => Some("/api/v1/page"),
        DataType::Reports => Some("/api/v1/report"),
        DataType::Events => None,
    }
}

/// What one list request showed.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub path: String,
    pub status: u16,
    pub elapsed_ms: u64,
    pub bytes: usize,
    /// Rows in the list, when the body is a JSON list.
    pub count: Option<usize>,
    /// The newest `lastUpdatedAt` (epoch ms).
    pub newest_ms: Option<i64>,
    /// Why the body could not be read as a list, or an error body's start.
    pub problem: Option<String>,
}

/// The list with every app, and (when asked) the default app's.
#[derive(Debug, Clone)]
pub struct Lists {
    pub all_apps: Result<Listed, FetchError>,
    pub default_app: Option<Result<Listed, FetchError>>,
}

/// Reads a list answer: counts rows and finds the newest update, keeping nothing else.
pub fn read(path: &str, a: &Answer) -> Listed {
    let mut listed = Listed {
        path: path.to_string(),
        status: a.status,
        elapsed_ms: a.elapsed.as_millis() as u64,
        bytes: a.body.len(),
        count: None,
        newest_ms: None,
        problem: None,
    };
    if !a.is_success() {
        let body = a.text(160);
        listed.problem = (!body.is_empty()).then_some(body);
        return listed;
    }
    match crate::live::decode::count_rows(&a.body) {
        Ok((count, newest)) => {
            listed.newest_ms = newest;
            listed.count = Some(count);
        }
        Err(e) => {
            let what = if a.body.trim_ascii_start().starts_with(b"<") {
                "an HTML page, not JSON".to_string()
            } else if e.is_eof() {
                format!("JSON cut off after {} bytes", a.body.len())
            } else {
                format!("not a JSON list ({e})")
            };
            listed.problem = Some(what);
        }
    }
    listed
}

async fn list(p: &Pendo, path: String) -> Result<Listed, FetchError> {
    let a = p.get(&p.base, &path, MAX_BODY).await?;
    Ok(read(&path, &a))
}

/// The lists this issue needs, shared by every triage of the run.
pub async fn fetch(p: &Pendo, data_type: DataType, expected: Option<u64>) -> Option<Lists> {
    let path = list_path(data_type)?;
    let (cell, default_cell) = p.list_cells(data_type)?;
    let all = cell
        .get_or_init(|| list(p, format!("{path}?expand=*")))
        .await;
    let differs = match (all, expected) {
        (Ok(l), Some(e)) => l.count.is_some_and(|c| !close(c as u64, e)),
        _ => false,
    };
    let default_app = if differs {
        Some(
            default_cell
                .get_or_init(|| list(p, path.to_string()))
                .await
                .clone(),
        )
    } else {
        None
    };
    Some(Lists {
        all_apps: all.clone(),
        default_app,
    })
}

fn close(count: u64, expected: u64) -> bool {
    let e = expected.max(1) as f64;
    ((count as f64 - e) / e).abs() <= TOLERANCE
}

/// The finding, from the lists and the issue's expected count.
pub fn judge(data_type: DataType, lists: &Lists, expected: Option<u64>) -> Finding {
    let noun = data_type.as_str().to_ascii_lowercase();
    let all = match &lists.all_apps {
        Ok(l) => l,
        Err(e) => {
            let path = list_path(data_type).unwrap_or("");
            return fetch_error(ID, &format!("GET {path}?expand=*"), e);
        }
    };
    let mut f = match (all.status, all.count) {
        (200..=299, Some(count)) => counted(&noun, all, count, lists, expected),
        (200..=299, None) => Finding::new(
            ID,
            Status::Fail,
            format!(
                "Pendo answers {} with {}: the sync cannot read it either",
                all.status,
                all.problem.as_deref().unwrap_or("an unreadable body")
            ),
        )
        .with_impact(Impact::Critical)
        .with_next_step("Check status.pendo.io; retry later, and make the sync fail loudly on a body it cannot parse."),
        (s, _) => match meaning::of_status(s, Service::Pendo) {
            Some(m) if matches!(s, 401 | 403 | 429) || s >= 500 => Finding::new(
                ID,
                if s == 429 { Status::Warn } else { Status::Fail },
                format!("GET {} answers {s}: {}", all.path, m.title),
            )
            .with_impact(m.impact)
            .with_next_step(m.fix),
            _ => Finding::new(
                ID,
                Status::Error,
                format!("GET {} answered {s}; the list could not be read", all.path),
            ),
        },
    };
    f.evidence.insert(0, line(all));
    if let Some(Ok(d)) = &lists.default_app {
        f = f.with_evidence(line(d));
    }
    f
}

fn counted(
    noun: &str,
    all: &Listed,
    count: usize,
    lists: &Lists,
    expected: Option<u64>,
) -> Finding {
    let newest = all
        .newest_ms
        .map(|ms| format!(", newest update {}", format_utc(ms.div_euclid(1000))))
        .unwrap_or_default();
    let default_count = match &lists.default_app {
        Some(Ok(d)) => d.count,
        _ => None,
    };
    let mut f = match expected {
        _ if count == 0 => Finding::new(
            ID,
            Status::Warn,
            format!("Pendo lists no {noun} at all (GET {} answers an empty list)", all.path),
        ),
        None => Finding::pass(ID, format!("Pendo lists {count} {noun}{newest}")),
        Some(e) if close(count as u64, e) => Finding::pass(
            ID,
            format!("Pendo lists {count} {noun}, as the issue expects (~{e}){newest}"),
        ),
        Some(e) if default_count.is_some_and(|d| close(d as u64, e)) => Finding::new(
            ID,
            Status::Warn,
            format!(
                "Pendo lists {count} {noun} across all apps; the issue's {e} is the default app's {} only",
                default_count.unwrap_or(0)
            ),
        )
        .with_impact(Impact::Degraded)
        .with_next_step(format!(
            "Add `expand=*` to the sync's {} request (and `\"appId\": \"expandAppIds(\\\"*\\\")\"` to aggregation sources) so every app's rows are synced.",
            all.path.trim_end_matches("?expand=*")
        )),
        Some(e) => Finding::new(
            ID,
            Status::Warn,
            format!("Pendo lists {count} {noun}, not the ~{e} the issue expects{newest}"),
        ),
    };
    f = f.with_measured(
        "Expected Record Count",
        format!("{count} in Pendo (all apps)"),
    );
    if let Some(ms) = all.newest_ms {
        f = f.with_measured("Newest update in Pendo", format_utc(ms.div_euclid(1000)));
    }
    f
}

fn line(l: &Listed) -> String {
    let size = if l.bytes >= 1 << 20 {
        format!("{:.1} MiB", l.bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KiB", l.bytes as f64 / 1024.0)
    };
    let mut s = format!("GET {} → {}, {size}", l.path, l.status);
    if let Some(n) = l.count {
        s.push_str(&format!(", {n} records"));
    }
    if let Some(p) = &l.problem {
        s.push_str(&format!(": {p}"));
    }
    s
}

/// `pendo.endpoint` for this issue.
pub async fn check(live: &Live, inputs: &LiveInputs) -> Finding {
    let Some(p) = &live.pendo else {
        return Finding::skip(ID, "no Pendo key");
    };
    let Some(data_type) = inputs.data_type else {
        return Finding::skip(ID, "the issue names no data type, so no Pendo list to read");
    };
    if list_path(data_type).is_none() {
        return Finding::skip(
            ID,
            "events have no Pendo list endpoint; pendo.aggregation reads them",
        );
    }
    let Some(lists) = fetch(p, data_type, inputs.expected_records).await else {
        return Finding::skip(ID, "no Pendo list for this data type");
    };
    let mut f = judge(data_type, &lists, inputs.expected_records);
    if let Ok(l) = &lists.all_apps {
        f.duration_ms = Some(l.elapsed_ms);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(path: &str, status: u16, count: Option<usize>) -> Listed {
        Listed {
            path: path.into(),
            status,
            elapsed_ms: 640,
            bytes: 1_300_000,
            count,
            newest_ms: count.map(|_| 1_795_845_600_000),
            problem: None,
        }
    }

    fn lists(all: Listed, default: Option<Listed>) -> Lists {
        Lists {
            all_apps: Ok(all),
            default_app: default.map(Ok),
        }
    }

    #[test]
    fn counts_against_the_expected_one() {
        let all = || listed("/api/v1/guide?expand=*", 200, Some(412));
        let f = judge(DataType::Guides, &lists(all(), None), None);
        assert_eq!(f.status, Status::Pass);
        assert_eq!(
            f.summary,
            "Pendo lists 412 guides, newest update 2026-11-28 06:00 UTC"
        );
        assert_eq!(
            f.evidence[0],
            "GET /api/v1/guide?expand=* → 200, 1.2 MiB, 412 records"
        );
        assert!(f.measured.contains(&(
            "Expected Record Count".into(),
            "412 in Pendo (all apps)".into()
        )));
        let f = judge(DataType::Guides, &lists(all(), None), Some(400));
        assert_eq!(f.status, Status::Pass, "{f:?}");
        // The classic: the issue counts the default app only.
        let default = listed("/api/v1/guide", 200, Some(120));
        let f = judge(DataType::Guides, &lists(all(), Some(default)), Some(118));
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::Degraded));
        assert!(
            f.summary
                .contains("the issue's 118 is the default app's 120 only"),
            "{}",
            f.summary
        );
        assert!(f.next_steps[0].contains("`expand=*`"));
        assert_eq!(f.evidence.len(), 2);
        // Different for another reason: said, but not a severity matter.
        let default = listed("/api/v1/guide", 200, Some(410));
        let f = judge(DataType::Guides, &lists(all(), Some(default)), Some(1000));
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::None));
        let f = judge(
            DataType::Guides,
            &lists(listed("/api/v1/guide?expand=*", 200, Some(0)), None),
            None,
        );
        assert_eq!(f.status, Status::Warn);
    }

    #[test]
    fn failures_say_what_pendo_answered() {
        let cases: &[(u16, Status, Impact)] = &[
            (401, Status::Fail, Impact::Critical),
            (403, Status::Fail, Impact::Critical),
            (429, Status::Warn, Impact::Degraded),
            (500, Status::Fail, Impact::Critical),
            (404, Status::Error, Impact::None),
        ];
        for (status, want, impact) in cases {
            let f = judge(
                DataType::Pages,
                &lists(listed("/api/v1/page?expand=*", *status, None), None),
                None,
            );
            assert_eq!((f.status, f.impact), (*want, *impact), "{status}: {f:?}");
        }
        let mut broken = listed("/api/v1/page?expand=*", 200, None);
        broken.problem = Some("JSON cut off after 5000 bytes".into());
        let f = judge(DataType::Pages, &lists(broken, None), None);
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(f.summary.contains("JSON cut off"), "{}", f.summary);
        let gone = Lists {
            all_apps: Err(FetchError::TooLarge(MAX_BODY)),
            default_app: None,
        };
        let f = judge(DataType::Pages, &gone, None);
        assert_eq!(f.status, Status::Error);
        assert!(f.summary.contains("larger than 32 MiB"), "{}", f.summary);
    }

    #[test]
    fn bodies_are_read_without_being_kept() {
        let answer = |body: &str| Answer {
            status: 200,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
            elapsed: std::time::Duration::from_millis(5),
        };
        let l = read(
            "/p",
            &answer(r#"[{"id":"a","lastUpdatedAt":5},{"lastUpdatedAt":9,"x":{"y":[1]}},{}]"#),
        );
        assert_eq!((l.count, l.newest_ms), (Some(3), Some(9)));
        assert_eq!(
            read("/p", &answer("[{\"id\":\"a\"},{\"i")).problem.unwrap(),
            "JSON cut off after 15 bytes"
        );
        assert_eq!(
            read("/p", &answer("<html>502</html>")).problem.unwrap(),
            "an HTML page, not JSON"
        );
        assert!(
            read("/p", &answer("{\"a\":1}"))
                .problem
                .unwrap()
                .starts_with("not a JSON list")
        );
    }
}
