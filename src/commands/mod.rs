//! One small runner per command of the command line (DESIGN.md's contract). Each owns its
//! setup: logging, the async runtime, cluster connections or the sandbox. `main.rs` only
//! parses and calls [`run`].

pub mod apply;
pub mod backup;
pub mod bind;
pub mod cockpit;
pub mod complete;
pub mod completions;
mod connect;
pub mod credentials;
mod embedded;
pub mod get;
pub mod konnector;
pub mod logout;
pub mod sandbox;
pub mod unbind;
pub mod whoami;
pub mod why;

use crate::cli::{Cli, Command};
use std::process::ExitCode;

/// The name kubectl runs a plugin `klutch` by.
pub const PLUGIN_NAME: &str = "kubectl-klutch";

/// The program: answer a shell's completion request, or parse the command line (exit 2 on
/// a usage error) and run the command (exit 1 when it fails, with one line on stderr).
pub fn main() -> ExitCode {
    use clap::{CommandFactory, FromArgMatches};
    let plugin = std::env::args_os()
        .next()
        .map(std::path::PathBuf::from)
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .is_some_and(|n| n == PLUGIN_NAME);
    let command = move || {
        let c = Cli::command();
        if plugin {
            c.bin_name("kubectl klutch")
        } else {
            c
        }
    };
    // `COMPLETE=bash klutch-tui -- …` answers the shell's completion request and exits.
    clap_complete::CompleteEnv::with_factory(command)
        .var(completions::VAR)
        .complete();
    let parsed = command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            ExitCode::from(1)
        }
    }
}

/// Run the command `cli` names (the cockpit when it names none).
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Completions { shell }) => completions::run(shell),
        Some(Command::Sandbox(args)) => sandbox::run(*args),
        Some(Command::Konnector(args)) => konnector::run(args, cli.cockpit.kubeconfig),
        Some(Command::Bind(args)) => bind::run_bind(cli.cockpit.kubeconfig, *args),
        Some(Command::Unbind(args)) => unbind::run(cli.cockpit.kubeconfig, args),
        Some(Command::Logout) => logout::run(),
        Some(Command::Whoami) => whoami::run(),
        Some(Command::Get(args)) => get::run(cli.cockpit, args),
        Some(Command::Apply(args)) => apply::run(cli.cockpit, args),
        Some(Command::Backup(args)) => backup::backup(cli.cockpit, args),
        Some(Command::Restore(args)) => backup::restore(cli.cockpit, args),
        Some(Command::Credentials(args)) => credentials::run(cli.cockpit, args),
        Some(Command::Why(args)) => why::why(cli.cockpit, args),
        Some(Command::Doctor(args)) => why::doctor(cli.cockpit, args),
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

/// A client for the App Cluster: `context`, else the config file's `app-context`, else the
/// kubeconfig's current context.
pub(crate) async fn app_client(
    kubeconfig: Option<&str>,
    context: Option<&str>,
    paths: &crate::config::Paths,
) -> anyhow::Result<kube::Client> {
    let (file, problems) = crate::config::read(&paths.config_file());
    for problem in problems {
        tracing::warn!(%problem, "config file");
    }
    let kc = crate::cluster::kubeconfig::load(kubeconfig)?;
    let context =
        crate::cluster::kubeconfig::pick_context(&kc, context.or(file.app_context.as_deref()))?;
    let (client, _) = crate::cluster::kubeconfig::client(&kc, &context).await?;
    Ok(client)
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
