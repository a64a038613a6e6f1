//! klutch-tui: parse the command line, set up logging, dispatch.

mod cli;
mod sandbox_cmd;

use clap::{CommandFactory, Parser};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
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
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(cli::Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut cli::Cli::command(),
                "klutch-tui",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(cli::Command::Sandbox(args)) => {
            let log_dir = args
                .state_dir
                .clone()
                .unwrap_or_else(|| klutch_tui::config::Paths::discover().state_dir);
            let _guard = klutch_tui::logging::init(&log_dir)?;
            let rt = tokio::runtime::Runtime::new()?;
            rt.block_on(sandbox_cmd::run(*args))?;
            Ok(ExitCode::SUCCESS)
        }
        None => {
            klutch_tui::tui::main(cli.cockpit.into())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
