//! One small runner per command of the command line (DESIGN.md's contract). Each owns its
//! setup: logging, the async runtime, cluster connections or the sandbox. `main.rs` only
//! parses and calls [`run`].

pub mod cockpit;
pub mod completions;
pub mod konnector;
pub mod sandbox;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Run the command `cli` names (the cockpit when it names none).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Completions { shell }) => completions::run(shell),
        Some(Command::Sandbox(args)) => sandbox::run(*args),
        Some(Command::Konnector(args)) => konnector::run(args, cli.cockpit.kubeconfig),
        None => cockpit::run(cli.cockpit),
    }
}

/// A multi-threaded runtime with two workers (the machines we run on are small).
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}
