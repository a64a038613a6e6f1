//! `klutch-tui completions SHELL`: print the shell's registration of klutch-tui's dynamic
//! completion (clap_complete's `CompleteEnv`): the shell then asks the binary itself, so KIND,
//! namespaces and object names complete from the cluster, not from a fixed script.

use anyhow::Context;
use std::process::ExitCode;

/// The environment variable that switches the binary into completion mode.
pub const VAR: &str = "COMPLETE";

/// Write the registration script to standard output.
pub fn run(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let name = shell.to_string();
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells
        .completer(&name)
        .with_context(|| format!("no dynamic completion for {name}"))?;
    let program = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "klutch-tui".to_string());
    let mut out = std::io::stdout().lock();
    completer
        .write_registration(VAR, "klutch-tui", "klutch-tui", &program, &mut out)
        .context("cannot write the completion script")?;
    Ok(ExitCode::SUCCESS)
}
