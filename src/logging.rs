//! The bot's log: a small `tracing` subscriber that writes one line per event on stderr,
//! and the Action's collapsible groups on stdout.
//!
//! A line reads `pendo-triage: <message>`, or `pendo-triage: #<number>: <message>` when
//! the event happens inside a span named [`ISSUE_SPAN`] with a `number` field (or inside a
//! span opened within one), so the issue's number comes from the span, not from the
//! message. Every line passes the sinks' scrub ([`crate::outside::scrub`])
//! and has its CR and LF turned into spaces: an issue's text cannot forge a log line.
//!
//! The level is handed in (`PENDO_TRIAGE_LOG`, read by the entry point): `error`, `warn`,
//! `info` (the default), `debug`, `trace`. It applies to this crate's events; the
//! dependencies' events show at `warn` and above, and all of them at `trace`.
//!
//! Hand-written rather than `tracing-subscriber`'s `fmt`: the line format is fixed, no
//! colour or timestamp is wanted (the runner stamps each line), and the binary stays small.

use crate::outside::scrub;
use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::ThreadId;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

/// The name of the span one issue's work runs in; its `number` field prefixes the lines.
pub const ISSUE_SPAN: &str = "issue";

/// The field of [`ISSUE_SPAN`] that holds the issue's number.
const NUMBER_FIELD: &str = "number";

/// Installs the log for the rest of the process. `filter` is the level asked for; an
/// unknown one means `info`, and says so in one warning line. A second call does nothing.
pub fn init(filter: Option<&str>) {
    let (level, unknown) = level(filter);
    if tracing::subscriber::set_global_default(Lines::new(level, std::io::stderr())).is_ok()
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

/// The subscriber: events as lines on `out`, spans remembered only for the issue number
/// they carry.
pub struct Lines<W> {
    level: LevelFilter,
    out: Mutex<W>,
    spans: Mutex<HashMap<u64, SpanState>>,
    /// The spans each thread is inside, innermost last.
    entered: Mutex<HashMap<ThreadId, Vec<u64>>>,
    next_id: AtomicU64,
}

/// What a live span carries.
struct SpanState {
    /// The issue number of the innermost [`ISSUE_SPAN`] around (or of) this span.
    number: Option<String>,
    is_issue: bool,
    /// Handles to the span; it is forgotten when the last one closes.
    refs: usize,
}

impl<W: Write + Send + 'static> Lines<W> {
    /// Lines at `level` and above, written to `out`.
    pub fn new(level: LevelFilter, out: W) -> Self {
        Self {
            level,
            out: Mutex::new(out),
            spans: Mutex::new(HashMap::new()),
            entered: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
        }
    }

    fn wanted(&self, meta: &Metadata<'_>) -> bool {
        let ours = meta.target().starts_with(env!("CARGO_CRATE_NAME"));
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

    /// The issue number of a span (`None`: not inside an issue, or not known).
    fn number_of(&self, id: u64) -> Option<String> {
        lock(&self.spans).get(&id).and_then(|s| s.number.clone())
    }

    /// The innermost span this thread is inside.
    fn current(&self) -> Option<u64> {
        lock(&self.entered)
            .get(&std::thread::current().id())
            .and_then(|stack| stack.last().copied())
    }
}

impl<W: Write + Send + 'static> Subscriber for Lines<W> {
    fn register_callsite(&self, meta: &'static Metadata<'static>) -> Interest {
        if self.wanted(meta) {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &Metadata<'_>) -> bool {
        self.wanted(meta)
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        // Spans of this crate are wanted at every level.
        Some(LevelFilter::TRACE)
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let is_issue = attrs.metadata().name() == ISSUE_SPAN;
        let mut number = None;
        if is_issue {
            attrs.record(&mut NumberOf(&mut number));
        }
        if number.is_none() {
            let parent = if attrs.is_contextual() {
                self.current()
            } else {
                attrs.parent().map(Id::into_u64)
            };
            number = parent.and_then(|p| self.number_of(p));
        }
        let state = SpanState {
            number,
            is_issue,
            refs: 1,
        };
        lock(&self.spans).insert(id, state);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(state) = lock(&self.spans).get_mut(&span.into_u64())
            && state.is_issue
        {
            values.record(&mut NumberOf(&mut state.number));
        }
    }

    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let span = if event.is_contextual() {
            self.current()
        } else {
            event.parent().map(Id::into_u64)
        };
        let mut text = Text::default();
        event.record(&mut text);
        let line = format_line(span.and_then(|s| self.number_of(s)).as_deref(), &text.0);
        let _ = lock(&self.out).write_all(line.as_bytes());
    }

    fn enter(&self, span: &Id) {
        lock(&self.entered)
            .entry(std::thread::current().id())
            .or_default()
            .push(span.into_u64());
    }

    fn exit(&self, span: &Id) {
        let mut entered = lock(&self.entered);
        if let Some(stack) = entered.get_mut(&std::thread::current().id())
            && let Some(at) = stack.iter().rposition(|s| *s == span.into_u64())
        {
            stack.remove(at);
        }
    }

    fn clone_span(&self, span: &Id) -> Id {
        if let Some(state) = lock(&self.spans).get_mut(&span.into_u64()) {
            state.refs += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let mut spans = lock(&self.spans);
        let id = span.into_u64();
        let Some(state) = spans.get_mut(&id) else {
            return false;
        };
        state.refs = state.refs.saturating_sub(1);
        if state.refs == 0 {
            spans.remove(&id);
            return true;
        }
        false
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

/// An open `::group::` in the Action's log: the lines until it is dropped fold under its
/// title. Outside the Action it writes nothing.
#[must_use = "the group ends when this is dropped"]
pub struct GroupGuard {
    out: Option<Box<dyn Write + Send>>,
}

/// Opens a collapsible group titled `title` when `in_action` (workflow commands go to
/// stdout, where the runner reads them); `::endgroup::` follows when the guard drops.
pub fn group(title: &str, in_action: bool) -> GroupGuard {
    let out: Option<Box<dyn Write + Send>> = in_action.then(|| Box::new(std::io::stdout()) as _);
    group_on(title, out)
}

fn group_on(title: &str, mut out: Option<Box<dyn Write + Send>>) -> GroupGuard {
    if let Some(w) = out.as_mut() {
        let line = format!("::group::{}\n", crate::run::workflow::escape_data(title));
        let _ = w.write_all(scrub(&line).as_bytes());
        let _ = w.flush();
    }
    GroupGuard { out }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if let Some(w) = self.out.as_mut() {
            let _ = w.write_all(b"::endgroup::\n");
            let _ = w.flush();
        }
    }
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
        tracing::subscriber::with_default(Lines::new(level, buffer.clone()), f);
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

    #[test]
    fn a_group_opens_and_closes_only_in_the_action() {
        let buffer = Buffer::default();
        {
            let _group = group_on("#12 [API] 50% down\nnext", Some(Box::new(buffer.clone())));
            assert_eq!(buffer.text(), "::group::#12 [API] 50%25 down%0Anext\n");
        }
        assert_eq!(
            buffer.text(),
            "::group::#12 [API] 50%25 down%0Anext\n::endgroup::\n"
        );
        // Outside the Action: nothing at all.
        let silent = group("#12", false);
        assert!(silent.out.is_none());
    }
}
