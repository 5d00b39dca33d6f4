//! The `phonghop` binary: parses the command line, sets up logging, calls the library and
//! maps its error to an exit code.
//!
//! Exit codes: 0 success; 1 runtime failure; 2 invalid input or configuration; 3 the
//! database is damaged or from a newer phonghop (see `phonghop::cli::CliError`).

use std::process::ExitCode;

use clap::Parser;

use phonghop::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(matches!(cli.command, Command::Demo { .. }));
    match phonghop::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let code = error.exit_code();
            // `{:#}` prints the error and each of its causes on one line.
            eprintln!("phonghop: {:#}", anyhow::Error::new(error));
            ExitCode::from(code)
        }
    }
}

/// Logs go to stderr; under systemd (JOURNAL_STREAM set) without colours or timestamps,
/// which journald adds. `PHONGHOP_LOG` takes a tracing filter such as `debug`.
fn init_logging(quiet: bool) {
    use tracing_subscriber::EnvFilter;
    let level = if quiet { "warn" } else { "info" };
    let default = format!("{level},{}", phonghop::transport::QUIET_LOG_TARGETS);
    let filter =
        EnvFilter::try_from_env("PHONGHOP_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.with_ansi(false).without_time().init();
    } else {
        builder.init();
    }
}
