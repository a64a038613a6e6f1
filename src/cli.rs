//! The command-line contract (see DESIGN.md): clap types only, no behaviour.

use clap::{Args, Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;

/// A terminal cockpit for Klutch: App Cluster and Control Plane side by side.
#[derive(Debug, Parser)]
#[command(name = "klutch-tui", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub cockpit: CockpitArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options of the cockpit (the default command).
#[derive(Debug, Args)]
pub struct CockpitArgs {
    /// Kubeconfig file(s); several joined with ':' as in KUBECONFIG.
    #[arg(long, global = true, env = "KUBECONFIG", value_name = "PATH")]
    pub kubeconfig: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the sandbox (two API servers and a Klutch Control Plane) until Ctrl-C.
    Sandbox(SandboxArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1", value_name = "IP")]
    pub listen: IpAddr,
    /// Where to write the kubeconfig (default: in the state directory).
    #[arg(long, value_name = "PATH")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Where to write the info JSON (default: in the state directory).
    #[arg(long, value_name = "PATH")]
    pub info_out: Option<PathBuf>,
    /// Persist objects here (embedded database); in memory when absent.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,
}
