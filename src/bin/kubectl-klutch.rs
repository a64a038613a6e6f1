//! `kubectl-klutch`: klutch-tui under the name kubectl looks for, so that
//! `kubectl klutch get claims` works as a kubectl plugin (`kubectl plugin list` finds it on
//! PATH). The same program as `klutch-tui`.

fn main() -> std::process::ExitCode {
    klutch_tui::commands::main()
}
