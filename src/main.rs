//! klutch-tui: parse the command line, set up logging, dispatch.

mod cli;

use clap::{CommandFactory, Parser};

fn main() -> std::process::ExitCode {
    let cli = cli::Cli::parse();
    match cli.command {
        Some(cli::Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut cli::Cli::command(),
                "klutch-tui",
                &mut std::io::stdout(),
            );
            std::process::ExitCode::SUCCESS
        }
        Some(cli::Command::Sandbox(_)) => std::process::ExitCode::from(1),
        None => match klutch_tui::tui::main(cli.cockpit.into()) {
            Ok(()) => std::process::ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("klutch-tui: {e}");
                std::process::ExitCode::from(1)
            }
        },
    }
}
