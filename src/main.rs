//! `pendo-triage`: parse | check | run. Parses arguments, runs the command, maps an error
//! to the exit code and prints its chain; the commands live in the library.
//!
//! Without a subcommand it runs `run` inside GitHub Actions (`GITHUB_ACTIONS=true`, as the
//! runner sets it) and prints the usage anywhere else.

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
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
    let env = Env::from_process();
    pendo_triage::logging::init(env.log_filter().as_deref());
    let cli = Cli::parse();
    let command = match cli.command {
        Some(command) => command,
        None if env.var("GITHUB_ACTIONS").as_deref() == Some("true") => Command::Run,
        None => {
            // A person at a terminal: the usage, not the Action's complaint about its
            // missing environment.
            let _ = Cli::command().print_help();
            eprintln!(
                "\nUse a subcommand, e.g. `pendo-triage check ISSUE.md`; `run` is for GitHub Actions."
            );
            return ExitCode::from(2);
        }
    };
    let result: Result<()> = match command {
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
        Command::Run => pendo_triage::run::run_action(&env).map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The log scrubs held credentials from every line, and keeps each on one line:
            // a message of several lines (a config error's snippet) goes line by line.
            for (i, cause) in err.chain().enumerate() {
                let text = cause.to_string();
                for (j, line) in text.lines().enumerate() {
                    match (i, j) {
                        (0, 0) => tracing::error!("error: {line}"),
                        (_, 0) => tracing::error!("caused by: {line}"),
                        _ => tracing::error!("{line}"),
                    }
                }
            }
            ExitCode::from(2)
        }
    }
}

fn parse_as_of(text: &str) -> Result<i64, String> {
    clock::read_rfc3339(text).map_err(|why| {
        format!(
            "{text:?} is not a time: {why}; write an RFC 3339 time such as 2026-11-28T06:00:00Z"
        )
    })
}
