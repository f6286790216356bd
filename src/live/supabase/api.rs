//! `supabase.api`: is Supabase reachable, and does it accept the key as one that can read
//! the synced tables?
//!
//! The probe is the REST root (`/rest/v1/`): only service_role and secret keys may read
//! it, so an anon or publishable key shows itself there. Each failure has its own
//! diagnosis: `Invalid API key`, a public key where the service role is needed (RLS then
//! hides rows), 540 paused project, a host that does not resolve, a 5xx.

use super::client::rest::{ApiError, KeyKind};
use crate::finding::{CheckId, Finding, Impact, Status};
use crate::live::http::{Answer, FetchError};
use crate::live::{Live, fetch_error};
use crate::meaning::{self, Known, Service};

const ID: CheckId = CheckId::SupabaseApi;

/// The finding, from the root's answer and the kind of key.
pub fn judge(answer: &Result<Answer, FetchError>, kind: KeyKind, host: &str) -> Finding {
    let a = match answer {
        Ok(a) => a,
        Err(FetchError::Dns(why)) => {
            return Finding::new(ID, Status::Fail, format!("{host} does not resolve: the project was deleted or supabase-url is mistyped ({why})"))
                .with_impact(Impact::Critical)
                .with_next_step("Check supabase-url against the project's API URL (Dashboard → Settings → API).");
        }
        Err(FetchError::Connect(why)) => {
            return Finding::new(
                ID,
                Status::Fail,
                format!("Supabase is unreachable at {host}: {why}"),
            )
            .with_impact(Impact::Critical)
            .with_next_step(
                "Check status.supabase.com and the project's status in the dashboard.",
            );
        }
        Err(e) => return fetch_error(ID, &format!("GET {host}/rest/v1/"), e),
    };
    let e = ApiError::of(a);
    let evidence = format!(
        "GET /rest/v1/ → {}{}",
        a.status,
        if a.is_success() {
            String::new()
        } else {
            format!(": {}", e.message)
        }
    );
    let mut f = match a.status {
        200..=299 if kind.is_public() => public_key(kind),
        200..=299 => Finding::pass(
            ID,
            format!("Supabase answers and accepts the key ({})", kind.name()),
        ),
        401 if kind.is_public() || e.hint.contains("Only the") => public_key(kind),
        s => match meaning::of_status(s, Service::SupabaseApi) {
            Some(m)
                if matches!(
                    m.known,
                    Known::SupabaseKeyRejected
                        | Known::ProjectPaused
                        | Known::ServiceDown
                        | Known::PermissionDenied
                ) =>
            {
                Finding::new(ID, Status::Fail, format!("{}: {}", m.title, e.message))
                    .with_impact(m.impact)
                    .with_next_step(m.fix)
            }
            _ => Finding::new(
                ID,
                Status::Error,
                format!("Supabase answered {s} to the API probe: {}", e.message),
            ),
        },
    };
    f.evidence.insert(0, evidence);
    f
}

/// A public key cannot read what the sync writes past row-level security.
fn public_key(kind: KeyKind) -> Finding {
    Finding::new(
        ID,
        Status::Warn,
        format!(
            "The key is {}, not a service_role or secret key: row-level security hides rows from it, so counts and freshness may read low",
            kind.name()
        ),
    )
    .with_next_step("Give the bot the service_role key (or an sb_secret_ key) as `supabase-key`; the anon and publishable keys are for browsers.")
}

/// `supabase.api` for this run.
pub async fn check(live: &Live) -> Finding {
    let Some(s) = &live.supabase else {
        return Finding::skip(ID, "no Supabase API access");
    };
    let (Some(root), Some(rest)) = (super::root(s).await, s.rest.as_ref()) else {
        return Finding::skip(
            ID,
            "no Supabase API access: set the supabase-url and supabase-key inputs",
        );
    };
    let host = live
        .creds
        .supabase_url
        .as_deref()
        .map(crate::live::http::host_name)
        .unwrap_or("Supabase");
    judge(root, rest.kind, host)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Result<Answer, FetchError> {
        Ok(Answer {
            status,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
            elapsed: std::time::Duration::from_millis(50),
        })
    }

    #[test]
    fn each_failure_has_its_own_diagnosis() {
        let host = "abcd.supabase.co";
        let f = judge(&answer(200, "{}"), KeyKind::ServiceRole, host);
        assert_eq!(f.status, Status::Pass);
        let f = judge(
            &answer(
                401,
                r#"{"message":"Invalid API key","hint":"Double check your Supabase `anon` or `service_role` API key."}"#,
            ),
            KeyKind::ServiceRole,
            host,
        );
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(f.summary.contains("Invalid API key"), "{}", f.summary);
        let f = judge(
            &answer(
                401,
                r#"{"message":"Invalid API key","hint":"Only the `service_role` API key can be used for this endpoint."}"#,
            ),
            KeyKind::Anon,
            host,
        );
        assert_eq!((f.status, f.impact), (Status::Warn, Impact::None));
        assert!(
            f.summary.contains("row-level security hides rows"),
            "{}",
            f.summary
        );
        let f = judge(
            &answer(540, r#"{"message":"Project paused"}"#),
            KeyKind::Secret,
            host,
        );
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(f.summary.contains("paused"), "{}", f.summary);
        let f = judge(
            &answer(
                503,
                r#"{"code":"PGRST002","message":"Could not query the database for the schema cache. Retrying."}"#,
            ),
            KeyKind::Secret,
            host,
        );
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        let f = judge(
            &Err(FetchError::Dns("Name or service not known".into())),
            KeyKind::Secret,
            host,
        );
        assert_eq!((f.status, f.impact), (Status::Fail, Impact::Critical));
        assert!(f.summary.contains("does not resolve"));
        let f = judge(
            &Err(FetchError::Timeout(std::time::Duration::from_secs(10))),
            KeyKind::Secret,
            host,
        );
        assert_eq!(f.status, Status::Error);
    }
}
