//! The `parse` and `check` commands: read an issue body from a file or stdin, then print
//! its parse, or triage it and print the report. Nothing is written to GitHub.
//!
//! `check` runs the same steps as the Action, once: one [`Reading`] of the body, the live
//! checks the credentials allow (from the reading's live inputs), one triage remembering
//! nothing, one render.

use crate::action::Env;
use crate::check_plan::{Answerer, CheckPlan, Occasion};
use crate::clock::{Basis, Clock, ReportedAt};
use crate::config::{Config, ConfigError};
use crate::credentials::ByEnvironment;
use crate::finding::Finding;
use crate::live::contexts::LiveContexts;
use crate::reading::Reading;
use crate::secrets::held;
use crate::{event, report, triage};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Why a command could not finish.
#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    #[error("reading the issue body from {}", path.display())]
    ReadBody {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{} is larger than {} MiB; an issue body is at most 65,536 characters on GitHub, so pass the body only (cap: {MAX_BODY_BYTES} bytes)",
        path.display(),
        MAX_BODY_BYTES >> 20
    )]
    TooLarge { path: PathBuf },
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("config {}: {error}; pass an existing file with --config or remove the setting", path.display())]
    ConfigFile {
        path: PathBuf,
        error: std::io::Error,
    },
    /// The environment or the credentials (their own message says what to fix).
    #[error(transparent)]
    Env(#[from] crate::action::EnvError),
    /// The live checks' HTTP client could not start.
    #[error(transparent)]
    Client(#[from] crate::live::http::ClientError),
    #[error("starting the async runtime")]
    Runtime(#[source] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
    #[error("writing the output")]
    Write(#[source] std::io::Error),
}

/// How `check` prints the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
}

/// What `check` is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct CheckArgs<'a> {
    /// Issue body file, or `-` for stdin.
    pub file: &'a Path,
    /// An explicit config file (else the environment's, else the default path if present).
    pub config: Option<&'a Path>,
    pub format: Format,
    /// Judge the reported times as of this moment (Unix seconds) instead of now.
    pub as_of: Option<i64>,
    /// The issue's title: the Action's gate (an `[API]` title) applies first.
    pub title: Option<&'a str>,
}

/// The largest issue body `parse` and `check` read. GitHub stores at most 65,536
/// characters (at most 256 KiB of UTF-8) per issue body; 1 MiB leaves room for pasted
/// exports and still keeps memory small.
pub const MAX_BODY_BYTES: u64 = 1 << 20;

/// Reads an issue body from a file or stdin, at most [`MAX_BODY_BYTES`]. Invalid UTF-8
/// is replaced, with a warning.
pub fn read_body(file: &Path) -> Result<String, CommandError> {
    let failed = |source| CommandError::ReadBody {
        path: file.to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    let source: Box<dyn Read> = if file == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(file).map_err(failed)?)
    };
    source
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(failed)?;
    if bytes.len() as u64 > MAX_BODY_BYTES {
        return Err(CommandError::TooLarge {
            path: file.to_path_buf(),
        });
    }
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(
                "warning: {} is not valid UTF-8; invalid bytes shown as U+FFFD",
                file.display()
            );
            String::from_utf8_lossy(e.as_bytes()).into_owned()
        }
    })
}

/// `parse`: prints the parsed issue as JSON. Secrets never print: the parse is of the
/// redacted body.
pub fn parse(file: &Path) -> Result<(), CommandError> {
    let reading = Reading::new("", &read_body(file)?);
    print_out(&format!(
        "{}\n",
        serde_json::to_string_pretty(&reading.issue)?
    ))
}

/// `check`: triages the body and prints the report.
pub fn check(args: CheckArgs) -> Result<(), CommandError> {
    let env = Env::from_process();
    let config = load_config(args.config, &env)?;
    if let Some(t) = args.title
        && !event::is_api_issue(t, &[], &config.labels)
    {
        return not_an_api_issue(args.format);
    }
    let by_env = env
        .credentials_by_environment()?
        .with_owner(config.live.credentials_environment);
    held::install(held::Held::new(&by_env.held()));
    let mut clock = Clock::at(env.now()?);
    if let Some(at) = args.as_of {
        clock = clock.with_reported(ReportedAt {
            at,
            basis: Basis::Given,
        });
    }
    let reading = Reading::new(args.title.unwrap_or(""), &read_body(args.file)?);
    let (checks, live, answered_by) = live_findings(&reading, &config, &by_env, &clock)?;
    let findings = checks.findings(&reading, &live);
    let t = triage::triage_reading(&reading, &config, findings, &clock, None);
    let text = match args.format {
        Format::Markdown => {
            let ctx = report::Context {
                recheck_label: config.labels.recheck.clone(),
                live_note: answered_by,
                live_at: checks.runs_live().then_some(clock.now),
                ..Default::default()
            };
            report::render_markdown(&t, &ctx, None)
        }
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&report::json(&t))?),
    };
    print_out(&text)
}

/// The Action's gate: it would not triage an issue with this title at all.
fn not_an_api_issue(format: Format) -> Result<(), CommandError> {
    let line = format!(
        "Not an [API] issue: the title does not start with {} (the Action would not triage it)",
        event::TITLE_PREFIX
    );
    print_out(&match format {
        Format::Markdown => format!("{line}\n"),
        Format::Json => format!(
            "{}\n",
            serde_json::to_string_pretty(&serde_json::json!({
                "api_issue": false,
                "severity": "P2",
                "diagnosis": line,
                "environment": null,
                "data_type": null,
                "checks": [],
                "labels": [],
                "ticks": [],
            }))?
        ),
    })
}

/// Writes a command's output to stdout. A reader that went away (`check … | head`) is
/// not an error of the triage: the rest of the output is dropped quietly.
fn print_out(text: &str) -> Result<(), CommandError> {
    use std::io::Write;
    // stdout is a sink: the held credentials are scrubbed once more.
    let text = crate::outside::scrub(text);
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(CommandError::Write(e)),
        _ => Ok(()),
    }
}

/// The config `check` uses: the explicit file (which must exist), else the environment's
/// path (which must exist when set explicitly), else the defaults.
fn load_config(explicit: Option<&Path>, env: &Env) -> Result<Config, CommandError> {
    let (path, must_exist) = match explicit {
        Some(p) => (p.to_path_buf(), true),
        None => {
            let (p, explicit) = env.config_path();
            (PathBuf::from(p), explicit)
        }
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => Ok(Config::from_yaml(&text, &path.display().to_string())?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => Ok(Config::default()),
        Err(error) => Err(CommandError::ConfigFile { path, error }),
    }
}

/// The triage's check plan in the issue's own environment's context (every live check
/// its credentials allow runs), the live findings, and the line saying whose credentials
/// answered (when worth saying).
fn live_findings(
    reading: &Reading,
    config: &Config,
    creds: &ByEnvironment,
    clock: &Clock,
) -> Result<(CheckPlan, Vec<Finding>, Option<String>), CommandError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CommandError::Runtime)?;
    let lives = LiveContexts::new(config, creds, clock.now)?;
    let inputs = &reading.live_inputs;
    let live = lives.for_inputs(inputs);
    let checks = CheckPlan::decide(inputs, Answerer::of(live), &Occasion::forced(clock.now));
    let found = rt.block_on(checks.run(live, inputs));
    let answered_by = lives.answered_by(inputs, &found);
    Ok((checks, found, answered_by))
}
