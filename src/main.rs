//! `pendo-triage`: parse | check | run. Parses arguments, runs the command, maps an error
//! to the exit code and prints its chain; the commands live in the library.

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use pendo_triage::action::Env;
use pendo_triage::clock;
use pendo_triage::commands::{self, CheckArgs};
use std::path::PathBuf;
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
        /// The title: applies the Action's own gate (an `[API]` title) first.
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
    let result: Result<()> = match cli.command.unwrap_or(Command::Run) {
        Command::Parse { file } => commands::parse(&file).map_err(Into::into),
        Command::Check {
            file,
            config,
            format,
            as_of,
            title,
        } => commands::check(CheckArgs {
            file: &file,
            config: config.as_deref(),
            format: match format {
                Format::Markdown => commands::Format::Markdown,
                Format::Json => commands::Format::Json,
            },
            as_of,
            title: title.as_deref(),
        })
        .map_err(Into::into),
        Command::Run => pendo_triage::run::run_action(&Env::from_process()).map_err(Into::into),
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

fn parse_as_of(text: &str) -> Result<i64, String> {
    clock::parse_rfc3339(text)
        .ok_or_else(|| format!("{text:?} is not an RFC 3339 time; write e.g. 2026-11-28T06:00:00Z"))
}
