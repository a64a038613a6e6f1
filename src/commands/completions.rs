//! `klutch-tui completions SHELL`: print a completion script for the shell.

use crate::cli::Cli;
use clap::CommandFactory;
use std::process::ExitCode;

/// Write the script to standard output.
pub fn run(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    clap_complete::generate(
        shell,
        &mut Cli::command(),
        "klutch-tui",
        &mut std::io::stdout(),
    );
    Ok(ExitCode::SUCCESS)
}
