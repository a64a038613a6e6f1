//! klutch-tui: parse the command line and hand it to the command's runner.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match klutch_tui::cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match klutch_tui::commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", klutch_tui::commands::error_text(&e));
            ExitCode::from(1)
        }
    }
}
