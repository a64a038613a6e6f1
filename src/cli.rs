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
    /// App Cluster context (default: the kubeconfig's current-context).
    #[arg(long, value_name = "CTX")]
    pub app_context: Option<String>,
    /// Control Plane context (without it, no Control Plane is connected).
    #[arg(long, value_name = "CTX")]
    pub cp_context: Option<String>,
    /// Start the embedded sandbox in this process and connect to it.
    #[arg(long)]
    pub sandbox: bool,
    /// Theme: dark, light, high-contrast, a name from the config directory, or a path.
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Show everything, change nothing.
    #[arg(long)]
    pub readonly: bool,
}

impl From<CockpitArgs> for klutch_tui::tui::Options {
    fn from(a: CockpitArgs) -> Self {
        klutch_tui::tui::Options {
            kubeconfig: a.kubeconfig,
            app_context: a.app_context,
            cp_context: a.cp_context,
            sandbox: a.sandbox,
            theme: a.theme,
            readonly: a.readonly,
        }
    }
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
    /// Another user of the development OIDC issuer (repeatable); `developer` with
    /// password `developer` always exists unless named here.
    #[arg(long = "user", value_name = "NAME:PASSWORD", value_parser = parse_user)]
    pub users: Vec<(String, String)>,
}

/// `NAME:PASSWORD` (the password may contain ':').
fn parse_user(value: &str) -> Result<(String, String), String> {
    match value.split_once(':') {
        Some((name, password)) if !name.is_empty() && !password.is_empty() => {
            Ok((name.to_owned(), password.to_owned()))
        }
        _ => Err("expected NAME:PASSWORD, both non-empty".into()),
    }
}
