//! One small runner per command of the command line (DESIGN.md's contract). Each owns its
//! setup: logging, the async runtime, cluster connections or the sandbox. `main.rs` only
//! parses and calls [`run`].

pub mod cockpit;
pub mod completions;
mod embedded;
pub mod sandbox;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// Run the command `cli` names (the cockpit when it names none).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Completions { shell }) => completions::run(shell),
        Some(Command::Sandbox(args)) => sandbox::run(*args),
        None => cockpit::run(cli.cockpit),
    }
}

/// An error and its causes as one line, each cause only once: errors here often quote
/// their source in their own text, which `{:#}` would then repeat.
pub fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// A multi-threaded runtime with two workers (the machines we run on are small).
pub(crate) fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read x: {0}")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_cause_already_quoted_is_not_repeated() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let e = anyhow::Error::new(Outer(io)).context("starting failed");
        assert_eq!(
            error_text(&e),
            "starting failed: cannot read x: no such file"
        );
    }
}
