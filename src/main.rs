//! The `stormcraft` binary: parse arguments, run, exit with the command's code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = stormcraft::cli::Cli::parse();
    let terminal = stormcraft::cli::Terminal::detect();
    ExitCode::from(stormcraft::cli::run(cli, &terminal))
}
