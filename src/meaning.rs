//! What Pendo, Supabase and Postgres answers mean: the one home of that knowledge.
//!
//! An HTTP status, a PostgREST or Postgres error code, or a telltale error text (a
//! `WORKER_LIMIT`, "cannot affect row a second time", pg_net's "Timeout of 5000 ms
//! reached") means the same thing whether the issue quotes it (`issue.request`, the
//! reported values) or a live check meets it (`pendo.*`, `supabase.*`). Each such thing is
//! a [`Known`] with one [`Meaning`]: how much it matters, which areas it points at, what it
//! is in a line and how to fix it.

use crate::terms::Area;
use crate::terms::Impact::{self, Critical, Degraded};
use regex::Regex;
use std::sync::LazyLock;

/// Who answered: the same status means different things from different services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Pendo,
    /// Supabase's API gateway and PostgREST (`/rest/v1`).
    SupabaseApi,
    /// An Edge Function called by pg_net (`net._http_response`).
    EdgeFunction,
    /// Not known (a status quoted in an issue).
    Unknown,
}

/// Everything this module knows the meaning of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    PendoKeyRejected,
    RateLimited,
    ServiceDown,
    RequestRejected,
    ProjectPaused,
    WorkerLimit,
    EdgeTimeout,
    EdgeUnauthorized,
    EdgeBootError,
    PgNetTimeout,
    SupabaseKeyRejected,
    TableMissing,
    PermissionDenied,
    UpsertTwice,
    DuplicateKey,
    StatementTimeout,
    SingleRowExpected,
}

/// What one [`Known`] means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meaning {
    pub known: Known,
    pub impact: Impact,
    /// Area label keys it points at.
    pub areas: &'static [Area],
    /// One line: what it is.
    pub title: &'static str,
    /// One line: how to fix it.
    pub fix: &'static str,
}

impl Known {
    /// What it means. A `const fn`, so tables elsewhere (the lint's pitfalls) can be
    /// built from it at compile time.
    pub const fn meaning(self) -> Meaning {
        let (impact, areas, title, fix): (Impact, &'static [Area], &str, &str) = match self {
            Known::PendoKeyRejected => (
                Critical,
                &[Area::PendoApi],
                "Pendo rejects the integration key (401/403)",
                "Check the key is active in Pendo (Settings → Integrations → Integration Keys), is the one deployed (supabase secrets list), and matches the host's region.",
            ),
            Known::RateLimited => (
                Degraded,
                &[Area::PendoApi, Area::Performance],
                "Pendo rate-limits the sync (429 Too Many Requests)",
                "Back off and honour Retry-After, lower concurrency, and retry per chunk instead of failing the run.",
            ),
            Known::ServiceDown => (
                Critical,
                &[Area::PendoApi],
                "The service answers with a server error (5xx)",
                "Check status.pendo.io / status.supabase.com and the Edge Function logs; retry with backoff.",
            ),
            Known::RequestRejected => (
                Degraded,
                &[Area::PendoApi],
                "The request is rejected (4xx)",
                "Compare the request with the API reference; the lint findings name known mistakes.",
            ),
            Known::ProjectPaused => (
                Critical,
                &[Area::Supabase],
                "The Supabase project is paused (HTTP 540)",
                "Restore the project in the Supabase dashboard (check billing / inactivity pause), then re-run the sync.",
            ),
            Known::WorkerLimit => (
                Critical,
                &[Area::EdgeFunctions, Area::Supabase, Area::Performance],
                "The Edge Function runs out of memory/CPU (546 WORKER_LIMIT), so the sync run fails",
                "Process smaller batches (page the aggregation, insert in chunks of ~500) and stream instead of holding all rows.",
            ),
            Known::EdgeTimeout => (
                Degraded,
                &[Area::EdgeFunctions, Area::Performance],
                "The Edge Function hits its wall-clock limit (150 s on free, 400 s on paid)",
                "Sync incrementally in smaller windows per invocation, or hand the rest to a background task / next cron run.",
            ),
            Known::EdgeUnauthorized => (
                Critical,
                &[Area::EdgeFunctions, Area::Supabase],
                "The Edge Function refuses pg_net's call (401 Invalid JWT), so the sync never starts",
                "Put the project's current service role key (or a Vault secret) in the cron job's Authorization header, then check net._http_response again.",
            ),
            Known::EdgeBootError => (
                Critical,
                &[Area::EdgeFunctions],
                "The Edge Function fails to boot (BOOT_ERROR), so no run starts",
                "Serve it locally (supabase functions serve) to see the failing import or missing secret, fix it, then redeploy.",
            ),
            Known::PgNetTimeout => (
                Degraded,
                &[Area::Database, Area::Monitoring],
                "pg_net gave up waiting for the function (its default timeout is 5 s)",
                "Pass timeout_milliseconds := 150000 to net.http_post, and read results from net._http_response.",
            ),
            Known::SupabaseKeyRejected => (
                Critical,
                &[Area::Supabase],
                "Supabase rejects the key or JWT (invalid, expired or not accepted)",
                "Use the project's current key from Dashboard → Settings → API (after a JWT secret rotation, redeploy it everywhere).",
            ),
            Known::TableMissing => (
                Critical,
                &[Area::Database, Area::Supabase],
                "The table does not exist, or PostgREST's schema cache does not know it yet",
                "Apply the migration (supabase db push / migration up), then reload the cache: NOTIFY pgrst, 'reload schema';",
            ),
            Known::PermissionDenied => (
                Critical,
                &[Area::Database, Area::Supabase],
                "Postgres refuses the access (permission denied / row-level security)",
                "Write with the service_role (or secret) key, or add an RLS policy and GRANT for the role the sync uses.",
            ),
            Known::UpsertTwice => (
                Critical,
                &[Area::Database, Area::Supabase],
                "The upsert batch holds the same id twice (ON CONFLICT DO UPDATE cannot affect row a second time), so the run fails",
                "Dedupe rows by their conflict key before the upsert (e.g. new Map(rows.map(r => [r.id, r])).values()).",
            ),
            Known::DuplicateKey => (
                Degraded,
                &[Area::Database],
                "An insert hits a unique constraint (duplicate key value, 23505)",
                "Upsert on the unique column (onConflict: 'id') instead of insert.",
            ),
            Known::StatementTimeout => (
                Degraded,
                &[Area::Database, Area::Performance],
                "A statement ran past its timeout (57014)",
                "Upsert in smaller batches, and index the columns the sync filters on.",
            ),
            Known::SingleRowExpected => (
                Degraded,
                &[Area::Database, Area::Supabase],
                ".single() got zero or several rows (PGRST116)",
                "Use .maybeSingle() when the row may be absent, or filter on a unique column.",
            ),
        };
        Meaning {
            known: self,
            impact,
            areas,
            title,
            fix,
        }
    }
}

/// What an HTTP status from `service` means, when it means something.
pub fn of_status(status: u16, service: Service) -> Option<Meaning> {
    let k = match (service, status) {
        (Service::Pendo | Service::Unknown, 401 | 403) => Known::PendoKeyRejected,
        (Service::SupabaseApi, 401) => Known::SupabaseKeyRejected,
        (Service::SupabaseApi, 403) => Known::PermissionDenied,
        (Service::EdgeFunction, 401 | 403) => Known::EdgeUnauthorized,
        (_, 429) => Known::RateLimited,
        (_, 540) => Known::ProjectPaused,
        (_, 546) => Known::WorkerLimit,
        (Service::EdgeFunction, 504) => Known::EdgeTimeout,
        (_, 500..=599) => Known::ServiceDown,
        (_, 400..=499) => Known::RequestRejected,
        _ => return None,
    };
    Some(k.meaning())
}

/// What a PostgREST or Postgres error code means, when this module knows it.
pub fn of_code(code: &str) -> Option<Meaning> {
    let k = match code.trim() {
        "PGRST205" | "42P01" => Known::TableMissing,
        "PGRST301" | "PGRST302" | "PGRST303" => Known::SupabaseKeyRejected,
        "42501" => Known::PermissionDenied,
        "21000" => Known::UpsertTwice,
        "23505" => Known::DuplicateKey,
        "57014" => Known::StatementTimeout,
        "PGRST116" => Known::SingleRowExpected,
        _ => return None,
    };
    Some(k.meaning())
}

/// The pattern that shows `k` in an error text, when it has one.
pub fn pattern(k: Known) -> Option<&'static Regex> {
    let re: &LazyLock<Regex> = match k {
        Known::UpsertTwice => &UPSERT_TWICE,
        Known::WorkerLimit => &WORKER_LIMIT,
        Known::PgNetTimeout => &PG_NET_TIMEOUT,
        Known::EdgeTimeout => &EDGE_TIMEOUT,
        Known::TableMissing => &TABLE_MISSING,
        Known::SupabaseKeyRejected => &JWT_REJECTED,
        Known::PermissionDenied => &PERMISSION_DENIED,
        Known::DuplicateKey => &DUPLICATE_KEY,
        Known::SingleRowExpected => &SINGLE_ROW,
        Known::ProjectPaused => &PROJECT_PAUSED,
        Known::RateLimited => &RATE_LIMIT_TEXT,
        Known::PendoKeyRejected => &PENDO_KEY_REJECTED,
        Known::StatementTimeout => &STATEMENT_TIMEOUT,
        Known::EdgeBootError => &BOOT_ERROR,
        Known::ServiceDown | Known::RequestRejected | Known::EdgeUnauthorized => return None,
    };
    Some(LazyLock::force(re))
}

/// The order [`of_text`] tries patterns in: the most specific first.
const TEXT_ORDER: &[Known] = &[
    Known::UpsertTwice,
    Known::WorkerLimit,
    Known::EdgeBootError,
    Known::PgNetTimeout,
    Known::EdgeTimeout,
    Known::StatementTimeout,
    Known::TableMissing,
    Known::SupabaseKeyRejected,
    Known::PermissionDenied,
    Known::DuplicateKey,
    Known::SingleRowExpected,
    Known::ProjectPaused,
    Known::PendoKeyRejected,
    Known::RateLimited,
];

/// What an error message means (a `sync_status.error_message`, a cron run's
/// `return_message`, pg_net's `error_msg`), when it shows something known.
pub fn of_text(text: &str) -> Option<Meaning> {
    TEXT_ORDER
        .iter()
        .find(|k| pattern(**k).is_some_and(|re| re.is_match(text)))
        .map(|k| k.meaning())
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("meaning patterns are valid")
}

static UPSERT_TWICE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)cannot affect row a second time"));
static WORKER_LIMIT: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"WORKER_LIMIT|(?i:not having enough compute resources|memory limit exceeded)")
});
static BOOT_ERROR: LazyLock<Regex> =
    LazyLock::new(|| regex(r"BOOT_ERROR|(?i:worker boot error|failed to boot)"));
static EDGE_TIMEOUT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)function timed out|\bwall[ _-]?clock\b|\bwallclock\b"));
static PG_NET_TIMEOUT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)timeout of \d+ ?ms reached|timeout was reached|operation timed out after \d+ milliseconds",
    )
});
static STATEMENT_TIMEOUT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)canceling statement due to statement timeout|\b57014\b"));
static TABLE_MISSING: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"\b42P01\b|\bPGRST205\b|(?i:relation "[^"\n]+" does not exist|could not find the table)"#,
    )
});
static JWT_REJECTED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"\bPGRST30[123]\b|(?i:jwt expired|JWSError|JWSInvalidSignature|invalid jwt|jwt (?:is )?malformed|double check your supabase)",
    )
});
static PERMISSION_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?i)permission denied for (?:table|schema|relation|sequence|function|view)|violates row-level security|(?:code|sqlstate|error)["']?\s*[:=]?\s*["']?42501\b"#,
    )
});
static DUPLICATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r#"(?i)duplicate key value violates unique constraint|(?:code|sqlstate|error)["']?\s*[:=]?\s*["']?23505\b"#,
    )
});
static SINGLE_ROW: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"\bPGRST116\b|(?i:JSON object requested, multiple \(or no\) rows returned|cannot coerce the result to a single JSON object)",
    )
});
static PROJECT_PAUSED: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)project (?:is |was |has been )?paused|paused project"));
static RATE_LIMIT_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)too many requests|rate[ -]?limit(?:ed|ing)? (?:exceeded|reached|hit)|\brate[ -]?limited\b",
    )
});
static PENDO_KEY_REJECTED: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)invalid integration key|integration key (?:is )?(?:invalid|not valid|revoked)")
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_meaning_per_thing_whoever_meets_it() {
        // The same Postgres code and the same error text mean the same.
        assert_eq!(
            of_code("21000"),
            of_text("ERROR: ON CONFLICT DO UPDATE command cannot affect row a second time")
        );
        assert_eq!(of_code("21000").unwrap().impact, Critical);
        assert_eq!(
            of_status(546, Service::Unknown).unwrap().known,
            Known::WorkerLimit
        );
        assert_eq!(
            of_status(546, Service::Unknown),
            of_text("546 WORKER_LIMIT")
        );
        assert_eq!(of_code("PGRST205"), of_code("42P01"));
    }

    #[test]
    fn statuses_depend_on_who_answered() {
        assert_eq!(
            of_status(401, Service::Pendo).unwrap().known,
            Known::PendoKeyRejected
        );
        assert_eq!(
            of_status(401, Service::SupabaseApi).unwrap().known,
            Known::SupabaseKeyRejected
        );
        assert_eq!(
            of_status(401, Service::EdgeFunction).unwrap().known,
            Known::EdgeUnauthorized
        );
        assert_eq!(of_status(503, Service::Pendo).unwrap().impact, Critical);
        assert_eq!(of_status(429, Service::Pendo).unwrap().impact, Degraded);
        assert_eq!(of_status(200, Service::Pendo), None);
    }

    #[test]
    fn texts_are_recognised() {
        let k = |t: &str| of_text(t).map(|m| m.known);
        assert_eq!(
            k("Timeout of 5000 ms reached. Total time: 5001 ms"),
            Some(Known::PgNetTimeout)
        );
        assert_eq!(
            k("relation \"public.pendo_guides\" does not exist"),
            Some(Known::TableMissing)
        );
        assert_eq!(
            k("new row violates row-level security policy"),
            Some(Known::PermissionDenied)
        );
        assert_eq!(
            k("Pendo API: 429 Too Many Requests"),
            Some(Known::RateLimited)
        );
        assert_eq!(k("all good"), None);
    }
}
