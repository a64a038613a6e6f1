//! klutch-tui: hand the command line to the command's runner (`commands::main`).

fn main() -> std::process::ExitCode {
    klutch_tui::commands::main()
}
