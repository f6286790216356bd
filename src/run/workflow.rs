//! GitHub Actions workflow commands and files: masks, annotations, collapsible groups,
//! untrusted text in the log, step outputs and the job summary.
//!
//! Workflow commands go to stdout (the runner reads them there); the bot's own log lines
//! go to stderr through [`crate::logging`], one line each. Issue text echoed into the log is fenced with
//! `::stop-commands::TOKEN` so a `::set-output` or `::add-mask` inside an issue cannot run.

use crate::outside::scrub;
use std::hash::{BuildHasher, Hasher};
use std::io::Write;
use std::path::Path;

/// A random token (128 bits from the OS-seeded hasher keys), for stop-commands and
/// output delimiters.
pub fn random_token() -> String {
    let mut out = String::new();
    for i in 0..2u8 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u8(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// Escapes a workflow command's message (`%`, CR, LF).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn stdout_write(text: &str) {
    stdout_raw(&scrub(text));
}

/// Writes to stdout as is: only for `::add-mask::`, whose point is to name the values.
fn stdout_raw(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// `::add-mask::` for each secret, line by line (a multi-line value is masked per line).
pub fn mask(secrets: &[&str]) {
    let mut text = String::new();
    for s in secrets {
        for line in s.lines().map(str::trim).filter(|l| !l.is_empty()) {
            text.push_str(&format!("::add-mask::{}\n", escape_data(line)));
        }
    }
    stdout_raw(&text);
}

/// An `::error::` annotation.
pub fn error(message: &str) {
    stdout_write(&format!(
        "::error title=pendo-triage::{}\n",
        escape_data(message)
    ));
}

/// A `::warning::` annotation.
pub fn warning(message: &str) {
    stdout_write(&format!(
        "::warning title=pendo-triage::{}\n",
        escape_data(message)
    ));
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
        let line = format!("::group::{}\n", escape_data(title));
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

/// Echoes untrusted text into the log with workflow commands switched off around it.
pub fn echo_untrusted(title: &str, text: &str) {
    let token = random_token();
    let mut body = text.replace(&token, "");
    if !body.ends_with('\n') {
        body.push('\n');
    }
    stdout_write(&format!(
        "{title}\n::stop-commands::{token}\n{body}::{token}::\n"
    ));
}

/// Formats step outputs for `GITHUB_OUTPUT`: `name<<DELIM` with a fresh random delimiter
/// that the value does not contain.
pub fn format_outputs(outputs: &[(&str, String)]) -> String {
    let mut text = String::new();
    for (name, value) in outputs {
        let mut delim = format!("ghadelimiter_{}", random_token());
        while value.contains(&delim) {
            delim = format!("ghadelimiter_{}", random_token());
        }
        text.push_str(&format!("{name}<<{delim}\n{value}\n{delim}\n"));
    }
    text
}

/// Appends to a file the runner reads (`GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`).
pub fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    f.write_all(scrub(text).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_long() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn outputs_use_heredoc_delimiters() {
        let text = format_outputs(&[
            ("severity", "P1".into()),
            ("report-json", "{\n\"a\": 1\n}".into()),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("severity<<ghadelimiter_"));
        assert_eq!(lines[1], "P1");
        assert_eq!(lines[2], &lines[0]["severity<<".len()..]);
        assert!(lines[3].starts_with("report-json<<"));
        assert_eq!(lines.last().unwrap(), &&lines[3]["report-json<<".len()..]);
    }

    #[test]
    fn command_data_is_escaped() {
        assert_eq!(escape_data("50%\r\nx"), "50%25%0D%0Ax");
    }

    #[test]
    fn a_group_opens_and_closes_only_in_the_action() {
        use std::sync::{Arc, Mutex};
        /// A writer the test reads back.
        #[derive(Clone, Default)]
        struct Buffer(Arc<Mutex<Vec<u8>>>);
        impl Write for Buffer {
            fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(bytes);
                Ok(bytes.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let buffer = Buffer::default();
        let text = || String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap();
        {
            let _group = group_on("#12 [API] 50% down\nnext", Some(Box::new(buffer.clone())));
            assert_eq!(text(), "::group::#12 [API] 50%25 down%0Anext\n");
        }
        assert_eq!(
            text(),
            "::group::#12 [API] 50%25 down%0Anext\n::endgroup::\n"
        );
        // Outside the Action: nothing at all.
        let silent = group("#12", false);
        assert!(silent.out.is_none());
    }
}
