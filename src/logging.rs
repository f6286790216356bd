//! The bot's log: one line per event on stderr, written by a small [`Layer`] over
//! `tracing-subscriber`'s span registry.
//!
//! A line reads `pendo-triage: <message>`, or `pendo-triage: #<number>: <message>` when
//! the event happens inside a span named [`ISSUE_SPAN`] with a `number` field (or inside a
//! span opened within one), so the issue's number comes from the span, not from the
//! message. Work spawned onto another task carries the span with it through
//! [`tracing::Instrument`] (the live checks do: `src/live/mod.rs`). Every line passes the
//! sinks' scrub ([`crate::outside::scrub`]) and has its CR and LF turned into spaces: an
//! issue's text cannot forge a log line.
//!
//! The level is handed in (`PENDO_TRIAGE_LOG`, or `debug` under `RUNNER_DEBUG=1`, read by
//! the entry point): `error`, `warn`, `info` (the default), `debug`, `trace`. It applies
//! to this crate's events; the dependencies' events show at `warn` and above, and all of
//! them at `trace`.
//!
//! The registry (which span is current on which task, and its parents) is
//! `tracing-subscriber`'s; only the line is ours. Not its `fmt` layer: the line format is
//! fixed (no colour, no timestamp: the runner stamps each line), every line must be
//! scrubbed as a whole before it leaves, and the issue number is read from one span field.
//! The Action's `::group::` and annotations are workflow commands on stdout, in
//! `run::workflow`; this module depends on nothing above it (only on the scrub).

use crate::outside::scrub;
use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// The name of the span one issue's work runs in; its `number` field prefixes the lines.
pub const ISSUE_SPAN: &str = "issue";

/// The field of [`ISSUE_SPAN`] that holds the issue's number.
const NUMBER_FIELD: &str = "number";

/// Installs the log for the rest of the process. `filter` is the level asked for; an
/// unknown one means `info`, and says so in one warning line. A second call does nothing.
pub fn init(filter: Option<&str>) {
    let (level, unknown) = level(filter);
    let log = tracing_subscriber::registry().with(Lines::new(level, std::io::stderr()));
    if tracing::subscriber::set_global_default(log).is_ok()
        && let Some(value) = unknown
    {
        tracing::warn!(
            "PENDO_TRIAGE_LOG is {value:?}; write error, warn, info, debug or trace (using info)"
        );
    }
}

/// The level a filter asks for, and the filter itself when it names no level.
pub fn level(filter: Option<&str>) -> (LevelFilter, Option<String>) {
    let Some(text) = filter.map(str::trim).filter(|t| !t.is_empty()) else {
        return (LevelFilter::INFO, None);
    };
    let level = match text.to_ascii_lowercase().as_str() {
        "error" => LevelFilter::ERROR,
        "warn" | "warning" => LevelFilter::WARN,
        "info" => LevelFilter::INFO,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        _ => return (LevelFilter::INFO, Some(text.to_string())),
    };
    (level, None)
}

/// The layer: events as lines on `out`. It also decides which events and spans are wanted
/// at all, for the whole subscriber.
pub struct Lines<W> {
    level: LevelFilter,
    out: Mutex<W>,
}

/// The issue number an [`ISSUE_SPAN`] carries, kept in the registry beside the span.
struct IssueNumber(String);

impl<W: Write + Send + 'static> Lines<W> {
    /// Lines at `level` and above, written to `out`.
    pub fn new(level: LevelFilter, out: W) -> Self {
        Self {
            level,
            out: Mutex::new(out),
        }
    }

    fn wanted(&self, meta: &Metadata<'_>) -> bool {
        // pendo_triage_core (this crate) and pendo_text.
        let ours = ["pendo_triage", "pendo_text"]
            .iter()
            .any(|c| meta.target().starts_with(c));
        if ours && meta.is_span() {
            // Always known, so a line at any level finds its issue number.
            return true;
        }
        let ceiling = if ours || self.level == LevelFilter::TRACE {
            self.level
        } else {
            self.level.min(LevelFilter::WARN)
        };
        *meta.level() <= ceiling
    }
}

impl<S, W> Layer<S> for Lines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: Write + Send + 'static,
{
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.wanted(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>, _: Context<'_, S>) -> bool {
        self.wanted(meta)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // Spans of this crate are wanted at every level.
        Some(LevelFilter::TRACE)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() == ISSUE_SPAN {
            let mut number = None;
            attrs.record(&mut NumberOf(&mut number));
            remember(number, id, &ctx);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if ctx.metadata(id).is_some_and(|m| m.name() == ISSUE_SPAN) {
            let mut number = None;
            values.record(&mut NumberOf(&mut number));
            remember(number, id, &ctx);
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        // The innermost span around the event (its own parent, or the current one) that
        // knows an issue number.
        let number = ctx.event_scope(event).and_then(|mut scope| {
            scope.find_map(|span| span.extensions().get::<IssueNumber>().map(|n| n.0.clone()))
        });
        let mut text = Text::default();
        event.record(&mut text);
        let line = format_line(number.as_deref(), &text.0);
        let _ = lock(&self.out).write_all(line.as_bytes());
    }
}

/// Keeps an issue span's number beside it (a later `record` replaces it).
fn remember<S>(number: Option<String>, id: &Id, ctx: &Context<'_, S>)
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    if let (Some(number), Some(span)) = (number, ctx.span(id)) {
        span.extensions_mut().replace(IssueNumber(number));
    }
}

/// One log line, newline included: `pendo-triage: [#N: ]message`, scrubbed, on one line.
fn format_line(number: Option<&str>, message: &str) -> String {
    let text = match number {
        Some(n) => format!("#{n}: {message}"),
        None => message.to_string(),
    };
    format!(
        "pendo-triage: {}\n",
        scrub(&text).replace(['\r', '\n'], " ")
    )
}

/// An event's message, then its other fields as ` name=value`.
#[derive(Default)]
struct Text(String);

impl Visit for Text {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
}

/// Reads the `number` field of an issue span.
struct NumberOf<'a>(&'a mut Option<String>);

impl Visit for NumberOf<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == NUMBER_FIELD {
            *self.0 = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == NUMBER_FIELD {
            *self.0 = Some(format!("{value:?}"));
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl Write for Buffer {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            lock(&self.0).extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Buffer {
        fn text(&self) -> String {
            String::from_utf8(lock(&self.0).clone()).unwrap()
        }
    }

    /// What `f` logs at `level`.
    fn logged(level: LevelFilter, f: impl FnOnce()) -> String {
        let buffer = Buffer::default();
        let log = tracing_subscriber::registry().with(Lines::new(level, buffer.clone()));
        tracing::subscriber::with_default(log, f);
        buffer.text()
    }

    #[test]
    fn a_line_is_the_message_after_the_name() {
        let text = logged(LevelFilter::INFO, || {
            tracing::info!("sweeping {} open [API] issue(s)", 3);
            tracing::info!("nothing to do: not an [API] issue");
        });
        assert_eq!(
            text,
            "pendo-triage: sweeping 3 open [API] issue(s)\npendo-triage: nothing to do: not an [API] issue\n"
        );
    }

    #[test]
    fn inside_an_issue_span_the_line_names_the_issue() {
        let text = logged(LevelFilter::INFO, || {
            let issue = tracing::info_span!("issue", number = 42u64);
            issue.in_scope(|| {
                tracing::info!("nothing changed; no writes");
                // A span opened inside the issue's keeps its number.
                tracing::info_span!("live").in_scope(|| tracing::warn!("live checks late"));
            });
            // Given explicitly, as a spawned task does.
            tracing::info!(parent: &issue, "written");
            tracing::info!("after the issue");
            // Another span name: no number.
            tracing::info_span!("sweep", number = 7u64).in_scope(|| tracing::info!("swept"));
            // A number recorded after the span opened.
            let late = tracing::info_span!("issue", number = tracing::field::Empty);
            late.record("number", 9u64);
            late.in_scope(|| tracing::info!("recorded late"));
        });
        assert_eq!(
            text,
            "pendo-triage: #42: nothing changed; no writes\n\
             pendo-triage: #42: live checks late\n\
             pendo-triage: #42: written\n\
             pendo-triage: after the issue\n\
             pendo-triage: swept\n\
             pendo-triage: #9: recorded late\n"
        );
    }

    #[test]
    fn an_issue_span_follows_its_task_across_awaits() {
        use tracing::Instrument as _;
        let text = logged(LevelFilter::INFO, || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let one = async {
                    tokio::task::yield_now().await;
                    tracing::info!("one");
                }
                .instrument(tracing::info_span!("issue", number = 1u64));
                let two = async {
                    tracing::info!("two");
                    tokio::task::yield_now().await;
                    tracing::info!("two again");
                }
                .instrument(tracing::info_span!("issue", number = 2u64));
                tokio::join!(one, two);
                tracing::info!("done");
            });
        });
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort_unstable();
        assert_eq!(
            lines,
            [
                "pendo-triage: #1: one",
                "pendo-triage: #2: two",
                "pendo-triage: #2: two again",
                "pendo-triage: done"
            ]
        );
    }

    /// The live checks run as tasks of a `JoinSet`; a task polled on another thread (or
    /// later, on this one) is outside the span that spawned it unless it carries it.
    #[test]
    fn a_spawned_task_names_the_issue_only_when_it_carries_the_span() {
        use tracing::Instrument as _;
        use tracing::instrument::WithSubscriber as _;
        let text = logged(LevelFilter::DEBUG, || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(
                async {
                    let mut tasks = tokio::task::JoinSet::new();
                    for check in ["pendo.auth", "supabase.cron"] {
                        tasks.spawn(
                            async move {
                                tokio::task::yield_now().await;
                                tracing::debug!("check {check}: pass");
                            }
                            .in_current_span()
                            .with_current_subscriber(),
                        );
                    }
                    tasks.spawn(
                        async { tracing::debug!("check bare: pass") }.with_current_subscriber(),
                    );
                    while let Some(joined) = tasks.join_next().await {
                        joined.unwrap();
                    }
                }
                .instrument(tracing::info_span!("issue", number = 31u64)),
            );
        });
        let mut lines: Vec<&str> = text.lines().collect();
        lines.sort_unstable();
        assert_eq!(
            lines,
            [
                "pendo-triage: #31: check pendo.auth: pass",
                "pendo-triage: #31: check supabase.cron: pass",
                "pendo-triage: check bare: pass",
            ]
        );
    }

    #[test]
    fn lines_are_scrubbed_and_stay_one_line() {
        let password = "fake-logging-only-password-5d1c93";
        let url = format!("postgresql://postgres.ref:{password}@pooler.example.com:5432/postgres");
        crate::secrets::held::install(crate::secrets::held::Held::new(&[
            crate::secrets::held::Credential::DatabaseUrl(&url),
        ]));
        let text = logged(LevelFilter::INFO, || {
            tracing::info!("connecting with {password}\r\n::error::forged");
            tracing::info!(attempt = 2, "retry");
        });
        assert!(!text.contains(password), "{text}");
        assert_eq!(text.lines().count(), 2, "{text}");
        let first = text.lines().next().unwrap();
        assert!(
            first.starts_with("pendo-triage: connecting with "),
            "{text}"
        );
        assert!(first.ends_with("  ::error::forged"), "{text}");
        assert!(text.ends_with("pendo-triage: retry attempt=2\n"), "{text}");
    }

    #[test]
    fn the_level_filters_lines() {
        let all = || {
            tracing::error!("e");
            tracing::warn!("w");
            tracing::info!("i");
            tracing::debug!("d");
            tracing::trace!("t");
            // A dependency's debug line shows only at trace.
            tracing::debug!(target: "hyper_util::client", "pooled");
            tracing::warn!(target: "hyper_util::client", "dropped");
        };
        let names = |text: String| -> String {
            text.lines()
                .map(|l| l.trim_start_matches("pendo-triage: "))
                .collect::<Vec<_>>()
                .join(",")
        };
        assert_eq!(names(logged(LevelFilter::ERROR, all)), "e");
        assert_eq!(names(logged(LevelFilter::WARN, all)), "e,w,dropped");
        assert_eq!(names(logged(LevelFilter::INFO, all)), "e,w,i,dropped");
        assert_eq!(names(logged(LevelFilter::DEBUG, all)), "e,w,i,d,dropped");
        assert_eq!(
            names(logged(LevelFilter::TRACE, all)),
            "e,w,i,d,t,pooled,dropped"
        );
        // An issue span is known whatever the level.
        let text = logged(LevelFilter::WARN, || {
            tracing::trace_span!("issue", number = 5u64).in_scope(|| tracing::warn!("late"));
        });
        assert_eq!(text, "pendo-triage: #5: late\n");
    }

    #[test]
    fn the_filter_names_a_level() {
        assert_eq!(level(None), (LevelFilter::INFO, None));
        assert_eq!(level(Some(" ")), (LevelFilter::INFO, None));
        assert_eq!(level(Some("DEBUG")), (LevelFilter::DEBUG, None));
        assert_eq!(level(Some("error")), (LevelFilter::ERROR, None));
        assert_eq!(level(Some("warn")), (LevelFilter::WARN, None));
        assert_eq!(level(Some("trace")), (LevelFilter::TRACE, None));
        assert_eq!(
            level(Some("verbose")),
            (LevelFilter::INFO, Some("verbose".to_string()))
        );
    }
}
