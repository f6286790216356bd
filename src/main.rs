//! `pendo-triage`: parse | check | run. Parses arguments, runs, maps errors to exit codes.

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use pendo_triage::action::Env;
use pendo_triage::clock::{self, Basis, Clock, ReportedAt};
use pendo_triage::config::Config;
use pendo_triage::live::{Live, LiveInputs};
use pendo_triage::secrets::{self, held};
use pendo_triage::{issue, report, triage};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "pendo-triage",
    version,
    about = "Triage Pendo API integration issues filed from the [API] template"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the parsed issue as JSON (fields, checklist, code blocks).
    Parse {
        /// Issue body file, or `-` for stdin.
        file: PathBuf,
    },
    /// Triage an issue body and print the report; writes nothing to GitHub.
    Check {
        /// Issue body file, or `-` for stdin.
        file: PathBuf,
        /// Config file (default: $PENDO_TRIAGE_CONFIG, else .github/pendo-triage.yml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
        /// Judge the times the issue reports as of this moment (RFC 3339, e.g. when the
        /// issue was filed: 2026-11-28T06:00:00Z). Default: now.
        #[arg(long, value_name = "TIME", value_parser = parse_as_of)]
        as_of: Option<i64>,
        /// The issue's title: applies the Action's own gate (an `[API]` title) first.
        #[arg(long)]
        title: Option<String>,
    },
    /// The GitHub Action entry point (reads the Actions environment).
    Run,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Markdown,
    Json,
}

fn main() -> ExitCode {
    pendo_triage::logging::init(Env::from_process().log_filter().as_deref());
    let cli = Cli::parse();
    let result = match cli.command.unwrap_or(Command::Run) {
        Command::Parse { file } => parse(&file),
        Command::Check {
            file,
            config,
            format,
            as_of,
            title,
        } => check(&file, config.as_deref(), format, as_of, title.as_deref()),
        Command::Run => run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The log scrubs held credentials from every line.
            tracing::error!("error: {err}");
            for cause in err.chain().skip(1) {
                tracing::error!("caused by: {cause}");
            }
            ExitCode::from(2)
        }
    }
}

/// The largest issue body `parse` and `check` read. GitHub stores at most 65,536
/// characters (at most 256 KiB of UTF-8) per issue body; 1 MiB leaves room for pasted
/// exports and still keeps memory small.
const MAX_BODY_BYTES: u64 = 1 << 20;

/// Reads an issue body from a file or stdin, at most [`MAX_BODY_BYTES`]. Invalid UTF-8
/// is replaced, with a warning.
fn read_body(file: &Path) -> Result<String> {
    let mut bytes = Vec::new();
    let source: Box<dyn Read> = if file == Path::new("-") {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(file)
                .with_context(|| format!("reading the issue body from {}", file.display()))?,
        )
    };
    source
        .take(MAX_BODY_BYTES + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading the issue body from {}", file.display()))?;
    if bytes.len() as u64 > MAX_BODY_BYTES {
        bail!(
            "{} is larger than {} MiB; an issue body is at most 65,536 characters on GitHub, so pass the body only (cap: {MAX_BODY_BYTES} bytes)",
            file.display(),
            MAX_BODY_BYTES >> 20
        );
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

fn parse(file: &Path) -> Result<()> {
    // Secrets never print: the parse is of the redacted body.
    let body = secrets::redact(&read_body(file)?);
    let parsed = issue::parse(&body);
    println!("{}", serde_json::to_string_pretty(&parsed)?);
    Ok(())
}

fn load_config(explicit: Option<&Path>, env: &Env) -> Result<Config> {
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
        Err(e) => bail!(
            "config {}: {e}; pass an existing file with --config or remove the setting",
            path.display()
        ),
    }
}

fn parse_as_of(text: &str) -> Result<i64, String> {
    clock::parse_rfc3339(text)
        .ok_or_else(|| format!("{text:?} is not an RFC 3339 time; write e.g. 2026-11-28T06:00:00Z"))
}

fn check(
    file: &Path,
    config: Option<&Path>,
    format: Format,
    as_of: Option<i64>,
    title: Option<&str>,
) -> Result<()> {
    let env = Env::from_process();
    let config = load_config(config, &env)?;
    if let Some(t) = title
        && !pendo_triage::event::is_api_issue(t, &[], &config.labels)
    {
        // The Action's gate: it would not triage this issue at all.
        let line = format!(
            "Not an [API] issue: the title does not start with {} (the Action would not triage it)",
            pendo_triage::event::TITLE_PREFIX
        );
        match format {
            Format::Markdown => println!("{line}"),
            Format::Json => println!(
                "{}",
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
        }
        return Ok(());
    }
    let creds = env.credentials().map_err(anyhow::Error::msg)?;
    held::install(held::Held::new(&creds.held()));
    let mut clock = Clock::at(env.now().map_err(anyhow::Error::msg)?);
    if let Some(at) = as_of {
        clock = clock.with_reported(ReportedAt {
            at,
            basis: Basis::Given,
        });
    }
    let body = read_body(file)?;
    let live = live_findings(&body, &config, &creds, &clock)?;
    let t = triage::triage(title.unwrap_or(""), &body, &config, &creds, &live, &clock);
    match format {
        Format::Markdown => {
            let ctx = report::Context {
                recheck_label: config.labels.recheck.clone(),
                live_at: (!live.is_empty()).then_some(clock.now),
                ..Default::default()
            };
            print!("{}", held::scrub(&report::render_markdown(&t, &ctx, None)));
        }
        Format::Json => println!(
            "{}",
            held::scrub(&serde_json::to_string_pretty(&report::json(&t))?)
        ),
    }
    Ok(())
}

/// The live checks the credentials allow, for the issue in `body`.
fn live_findings(
    body: &str,
    config: &Config,
    creds: &pendo_triage::credentials::Credentials,
    clock: &Clock,
) -> Result<Vec<pendo_triage::checks::Finding>> {
    let inputs = LiveInputs::from_issue(&issue::parse(&secrets::redact(body)));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let live = Live::new(config, creds, clock.now).map_err(anyhow::Error::msg)?;
    Ok(rt.block_on(live.run_all(&inputs)))
}

fn run() -> Result<()> {
    pendo_triage::run::run_action(&Env::from_process())
}
