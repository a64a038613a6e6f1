//! The command-line contract (see DESIGN.md): clap types only, no behaviour.

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCompleter;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

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
#[derive(Clone, Debug, Default, Args)]
pub struct CockpitArgs {
    /// Kubeconfig file(s); several joined with ':' as in KUBECONFIG.
    #[arg(long, global = true, env = "KUBECONFIG", value_name = "PATH")]
    pub kubeconfig: Option<String>,
    /// App Cluster context (default: the kubeconfig's current-context).
    #[arg(long, global = true, value_name = "CTX")]
    pub app_context: Option<String>,
    /// Control Plane context (without it, no Control Plane is connected).
    #[arg(long, global = true, value_name = "CTX")]
    pub cp_context: Option<String>,
    /// Start the embedded sandbox in this process and connect to it.
    #[arg(long)]
    pub sandbox: bool,
    /// With --sandbox: how long the simulated provider takes to provision an instance.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "sandbox")]
    pub provision_delay: Option<Duration>,
    /// With --sandbox: the share of provider steps that fail, 0.0–1.0.
    #[arg(long, value_name = "RATE", value_parser = parse_rate, requires = "sandbox")]
    pub fail_rate: Option<f64>,
    /// With --sandbox: start without binding the App Cluster (to try the bind wizard, B).
    #[arg(long, requires = "sandbox")]
    pub unbound: bool,
    /// Theme: dark, light, high-contrast, a name from the config directory, or a path.
    #[arg(long, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// Show everything, change nothing.
    #[arg(long)]
    pub readonly: bool,
    /// Run the konnector sync loop in this process for the App Cluster (`K` toggles it).
    #[arg(long, conflicts_with = "readonly")]
    pub konnector: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the sandbox (two API servers and a Klutch Control Plane) until Ctrl-C.
    Sandbox(Box<SandboxArgs>),
    /// Run the konnector sync loop in the foreground for every APIServiceBinding.
    Konnector(KonnectorArgs),
    /// Bind a klutch-bind backend's exports into the App Cluster: log in, choose, bind.
    Bind(Box<BindArgs>),
    /// Remove an APIServiceBinding (the Control Plane's objects are kept).
    Unbind(UnbindArgs),
    /// Forget every cached login (the OIDC token cache).
    Logout,
    /// Who is logged in at which issuer, and until when.
    Whoami,
    /// Print a shell completion script (it completes kinds and object names too).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
    /// List Klutch objects, as kubectl get does (the App Cluster by default; Control Plane
    /// kinds from --cp-context when given).
    Get(GetArgs),
    /// Validate claim files, show what changes, and apply them (server-side apply).
    Apply(ApplyArgs),
    /// Take a backup of a data service instance.
    Backup(BackupArgs),
    /// Restore a backup into the instance it was taken from.
    Restore(RestoreArgs),
    /// Print the connection details of a service binding (from its Secret).
    Credentials(CredentialsArgs),
    /// Why a claim is not Ready: walk its chain across both clusters to the first broken
    /// link (exit 0 when healthy, 1 otherwise).
    Why(WhyArgs),
    /// Check the connection, every binding and every claim of the App Cluster (exit 0 when
    /// all is healthy, 1 otherwise).
    Doctor(DoctorArgs),
}

/// What `get` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GetKind {
    /// APIServiceExportTemplates (Control Plane).
    Templates,
    /// APIServiceExportRequests (Control Plane).
    Requests,
    /// APIServiceExports (Control Plane).
    Exports,
    /// APIServiceBindings (App Cluster).
    Bindings,
    /// ClusterBindings (Control Plane).
    Clusterbindings,
    /// Data service instances (every *Instance claim kind).
    Instances,
    /// ServiceBinding claims.
    Servicebindings,
    /// Backup claims.
    Backups,
    /// Restore claims.
    Restores,
    /// Every claim kind.
    Claims,
}

/// How `get` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum GetOutput {
    /// Columns: NAMESPACE, NAME, KIND, STATUS, MESSAGE, AGE.
    #[default]
    Table,
    /// The table with DETAIL, READY and SYNCED.
    Wide,
    /// YAML: a List (or the object, with NAME).
    Yaml,
    /// JSON: a List (or the object, with NAME), as kubectl prints it.
    Json,
    /// `kind.group/name` per line.
    Name,
}

#[derive(Clone, Debug, Args)]
pub struct GetArgs {
    /// What to list.
    #[arg(value_enum)]
    pub kind: GetKind,
    /// One object by name.
    #[arg(add = ArgValueCompleter::new(crate::commands::complete::object_names))]
    pub name: Option<String>,
    /// The namespace (default: the context's).
    #[arg(short, long, value_name = "NS", add = ArgValueCompleter::new(crate::commands::complete::namespaces))]
    pub namespace: Option<String>,
    /// Every namespace.
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Only objects whose labels match, e.g. `app=db,tier!=gold`.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: GetOutput,
    /// After listing, print each change until Ctrl-C.
    #[arg(short, long)]
    pub watch: bool,
}

#[derive(Clone, Debug, Args)]
pub struct ApplyArgs {
    /// The file of claims (several documents allowed), or `-` for standard input.
    #[arg(short = 'f', long = "filename", value_name = "FILE|-")]
    pub file: PathBuf,
    /// Validate and show the diff; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Take over fields another field manager owns.
    #[arg(long)]
    pub force_conflicts: bool,
}

#[derive(Clone, Debug, Args)]
pub struct WaitArgs {
    /// Follow it until done or failed (progress on stderr).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: give up after this long (e.g. 30s, 10m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "15m", requires = "wait")]
    pub timeout: Duration,
}

#[derive(Clone, Debug, Args)]
pub struct BackupArgs {
    /// The instance claim (name, or KIND/NAME when names repeat across kinds).
    #[arg(value_name = "INSTANCE", add = ArgValueCompleter::new(crate::commands::complete::object_names))]
    pub instance: String,
    /// Its namespace (default: the context's).
    #[arg(short, long, value_name = "NS", add = ArgValueCompleter::new(crate::commands::complete::namespaces))]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

#[derive(Clone, Debug, Args)]
pub struct RestoreArgs {
    /// The Backup claim to restore.
    #[arg(value_name = "BACKUP", add = ArgValueCompleter::new(crate::commands::complete::object_names))]
    pub backup: String,
    /// Its namespace (default: the context's).
    #[arg(short, long, value_name = "NS", add = ArgValueCompleter::new(crate::commands::complete::namespaces))]
    pub namespace: Option<String>,
    #[command(flatten)]
    pub wait: WaitArgs,
}

/// How `credentials` prints.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum CredentialsOutput {
    /// `KEY='value'` lines for a shell (`eval "$(…)"`).
    #[default]
    Env,
    /// One JSON object.
    Json,
}

#[derive(Clone, Debug, Args)]
pub struct CredentialsArgs {
    /// The ServiceBinding claim.
    #[arg(value_name = "SERVICEBINDING", add = ArgValueCompleter::new(crate::commands::complete::object_names))]
    pub binding: String,
    /// Its namespace (default: the context's).
    #[arg(short, long, value_name = "NS", add = ArgValueCompleter::new(crate::commands::complete::namespaces))]
    pub namespace: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: CredentialsOutput,
}

/// How `why` and `doctor` print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ReportOutput {
    /// One line per link: ✓ or ✗, the link, the fact; the fix under a broken one.
    #[default]
    Text,
    /// The links as JSON.
    Json,
}

#[derive(Clone, Debug, Args)]
pub struct WhyArgs {
    /// The claim: KIND/NAME (kind or plural, any case), or NAME when one kind uses it.
    #[arg(value_name = "KIND/NAME")]
    pub claim: String,
    /// Its namespace (default: the context's).
    #[arg(short, long, value_name = "NS", add = ArgValueCompleter::new(crate::commands::complete::namespaces))]
    pub namespace: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: ReportOutput,
}

#[derive(Clone, Debug, Args)]
pub struct DoctorArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub output: ReportOutput,
}

/// Options of `klutch-tui konnector`. In a pod (no kubeconfig, `KUBERNETES_SERVICE_HOST` set)
/// it uses the pod's ServiceAccount; the installed Deployment sets the environment.
#[derive(Debug, Args)]
pub struct KonnectorArgs {
    /// App Cluster context (default: the kubeconfig's current-context).
    #[arg(long, value_name = "CTX")]
    pub app_context: Option<String>,
    /// Namespace of the APIServiceBindings, their kubeconfig Secrets and the lease.
    #[arg(
        long,
        env = "POD_NAMESPACE",
        default_value = "klutch-bind",
        value_name = "NS"
    )]
    pub namespace: String,
    /// How often the heartbeat is due on the Control Plane (written every half interval).
    #[arg(long, env = "KLUTCH_KONNECTOR_HEARTBEAT_INTERVAL", default_value = "5m",
        value_name = "DURATION", value_parser = parse_duration)]
    pub heartbeat_interval: Duration,
    /// Sync without the lease (only when no other konnector runs on this App Cluster).
    #[arg(long)]
    pub no_leader_election: bool,
    /// This konnector's name in the lease (default: host name and process id).
    #[arg(long, env = "POD_NAME", value_name = "NAME")]
    pub identity: Option<String>,
    /// In a cluster: the ClusterRole over claimed resources the konnector binds to its own
    /// ServiceAccount in each namespace it binds (set by the installed Deployment).
    #[arg(
        long,
        env = "KLUTCH_KONNECTOR_CLAIMED_ROLE",
        value_name = "ROLE",
        hide = true
    )]
    pub claimed_role: Option<String>,
    /// The konnector's ServiceAccount, for --claimed-role.
    #[arg(
        long,
        env = "KLUTCH_KONNECTOR_SERVICE_ACCOUNT",
        value_name = "NAME",
        hide = true
    )]
    pub service_account: Option<String>,
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
    /// How long the simulated anynines provider takes to provision an instance (bindings,
    /// backups and restores take a share of it): 500ms, 3s, 1m, 0.
    #[arg(long, default_value = "3s", value_name = "DURATION", value_parser = parse_duration)]
    pub provision_delay: Duration,
    /// The share of provider steps (provision, update, bind, backup, restore) that fail,
    /// 0.0–1.0.
    #[arg(long, default_value_t = 0.0, value_name = "RATE", value_parser = parse_rate)]
    pub fail_rate: f64,
    /// Another user of the development OIDC issuer (repeatable); `developer` with
    /// password `developer` always exists unless named here.
    #[arg(long = "user", value_name = "NAME:PASSWORD", value_parser = parse_user)]
    pub users: Vec<(String, String)>,
    /// The klutch-bind backend's port (default: chosen by the OS, then kept in --state-dir).
    #[arg(long, value_name = "PORT")]
    pub bind_port: Option<u16>,
    /// Log users in to the klutch-bind backend at this OIDC issuer (Dex, Keycloak, …)
    /// instead of the built-in development issuer. Register the redirect URI
    /// http://127.0.0.1:<bind port>/callback there (fix the port with --bind-port).
    #[arg(long, value_name = "URL", help_heading = "External OIDC issuer")]
    pub oidc_issuer: Option<String>,
    /// The backend's client id at --oidc-issuer.
    #[arg(
        long,
        value_name = "ID",
        default_value = "klutch-bind",
        help_heading = "External OIDC issuer"
    )]
    pub oidc_client_id: String,
    /// The backend's client secret at --oidc-issuer (better from the environment than on
    /// the command line; none for a public client).
    #[arg(
        long,
        value_name = "SECRET",
        env = "KLUTCH_BIND_OIDC_CLIENT_SECRET",
        hide_env_values = true,
        requires = "oidc_issuer",
        help_heading = "External OIDC issuer"
    )]
    pub oidc_client_secret: Option<String>,
    /// A CA certificate (PEM file) to trust for an https --oidc-issuer, besides the
    /// system's roots.
    #[arg(
        long,
        value_name = "PATH",
        requires = "oidc_issuer",
        help_heading = "External OIDC issuer"
    )]
    pub oidc_ca: Option<PathBuf>,
    /// Another audience whose ID tokens the headless `POST /bind/token` accepts (repeatable;
    /// default: `klutch-tui`, the client id of our own CLI).
    #[arg(
        long = "oidc-audience",
        value_name = "CLIENT_ID",
        requires = "oidc_issuer",
        help_heading = "External OIDC issuer"
    )]
    pub oidc_audiences: Vec<String>,
}

/// How `bind` logs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthArg {
    /// A browser: our own login with PKCE where the backend has the headless routes, else
    /// the backend's page (upstream's flow). The URL and a QR code are always printed.
    Browser,
    /// The backend's own page, always (upstream's OAuth2 code grant; choose the export there).
    CodeGrant,
    /// A code to enter on any device (RFC 8628): for terminals without a browser.
    Device,
    /// An ID token obtained elsewhere (--token-file PATH, or - for stdin).
    Token,
}

/// What `bind` does about the konnector.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KonnectorArg {
    /// Install it into the App Cluster (namespace klutch-bind).
    Install,
    /// Run the sync loop here, in the foreground, until Ctrl-C.
    Local,
    /// Leave it to `klutch-tui konnector` or one installed earlier.
    None,
}

#[derive(Debug, Args)]
pub struct BindArgs {
    /// The klutch-bind backend: the sandbox's bindUrl, or a backend's …/export URL.
    #[arg(value_name = "URL", required_unless_present = "status")]
    pub url: Option<String>,
    /// How to log in.
    #[arg(long, value_enum, default_value_t = AuthArg::Browser)]
    pub auth: AuthArg,
    /// With --auth token: the file holding the ID token, or - for stdin.
    #[arg(long, value_name = "PATH", required_if_eq("auth", "token"))]
    pub token_file: Option<PathBuf>,
    /// Install the konnector, run it here, or leave it.
    #[arg(long, value_enum, default_value_t = KonnectorArg::Install)]
    pub konnector: KonnectorArg,
    /// With --konnector install: the image to run.
    #[arg(long, value_name = "IMAGE")]
    pub konnector_image: Option<String>,
    /// An export to bind, as the backend lists it (postgresqlinstances, servicebindings,
    /// backups, restores, …); repeatable. Without it you are asked.
    #[arg(long = "export", value_name = "NAME")]
    pub exports: Vec<String>,
    /// Accept every permission claim without asking (for scripts; with --export).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// App Cluster context (default: the config file's, else the kubeconfig's current one).
    #[arg(long, value_name = "CTX")]
    pub app_context: Option<String>,
    /// Only print who is logged in where and until when (as `klutch-tui whoami`).
    #[arg(long, conflicts_with = "url")]
    pub status: bool,
}

#[derive(Debug, Args)]
pub struct UnbindArgs {
    /// The binding: <resource>.<group> (postgresqlinstances.anynines.com) or its plural.
    #[arg(value_name = "RESOURCE")]
    pub resource: String,
    /// Do not ask to confirm by name.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// App Cluster context (default: the config file's, else the kubeconfig's current one).
    #[arg(long, value_name = "CTX")]
    pub app_context: Option<String>,
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

/// A duration such as `500ms`, `3s`, `1m 30s` or `0`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    let d: jiff::SignedDuration = s
        .parse()
        .map_err(|e| format!("{s:?} is not a duration (examples: 500ms, 3s, 1m 30s, 0): {e}"))?;
    Duration::try_from(d).map_err(|_| format!("{s:?} is negative"))
}

/// A probability between 0.0 and 1.0.
pub fn parse_rate(s: &str) -> Result<f64, String> {
    let r: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number between 0.0 and 1.0"))?;
    if (0.0..=1.0).contains(&r) {
        Ok(r)
    } else {
        Err(format!("{s} is outside 0.0–1.0"))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_rates() {
        assert_eq!(parse_duration("0"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("3s"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert!(
            parse_duration("soon")
                .unwrap_err()
                .contains("not a duration")
        );
        assert!(parse_duration("-3s").is_err());
        assert_eq!(parse_rate("0.1"), Ok(0.1));
        assert_eq!(parse_rate("1"), Ok(1.0));
        assert!(parse_rate("1.5").is_err());
        assert!(parse_rate("often").is_err());
    }

    #[test]
    fn the_embedded_sandbox_takes_the_provider_options_too() {
        let cli = Cli::try_parse_from([
            "klutch-tui",
            "--sandbox",
            "--provision-delay",
            "0",
            "--fail-rate",
            "1",
        ])
        .unwrap();
        assert_eq!(cli.cockpit.provision_delay, Some(Duration::ZERO));
        assert_eq!(cli.cockpit.fail_rate, Some(1.0));
        let err = Cli::try_parse_from(["klutch-tui", "--fail-rate", "1"]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "only with --sandbox");
    }

    #[test]
    fn the_cockpit_runs_the_konnector_unless_read_only() {
        let cli = Cli::try_parse_from(["klutch-tui", "--konnector"]).unwrap();
        assert!(cli.cockpit.konnector && cli.command.is_none());
        let err = Cli::try_parse_from(["klutch-tui", "--readonly", "--konnector"]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "a read-only cockpit runs no konnector");
    }

    #[test]
    fn bind_follows_the_contract() {
        let cli = Cli::try_parse_from([
            "klutch-tui",
            "bind",
            "http://127.0.0.1:1",
            "--auth",
            "device",
            "--konnector",
            "local",
            "--export",
            "backups",
            "--export",
            "restores",
            "--yes",
            "--app-context",
            "a",
        ])
        .unwrap();
        let Some(Command::Bind(args)) = cli.command else {
            panic!("not bind")
        };
        assert_eq!(args.auth, AuthArg::Device);
        assert_eq!(args.konnector, KonnectorArg::Local);
        assert_eq!(args.exports, ["backups", "restores"]);
        assert!(args.yes);
        let err =
            Cli::try_parse_from(["klutch-tui", "bind", "http://x", "--auth", "token"]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "--auth token needs --token-file");
        let err = Cli::try_parse_from(["klutch-tui", "bind"]).unwrap_err();
        assert_eq!(err.exit_code(), 2, "a URL is needed");
        assert!(Cli::try_parse_from(["klutch-tui", "bind", "--status"]).is_ok());
        let cli = Cli::try_parse_from(["klutch-tui", "unbind", "backups", "--yes"]).unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Unbind(UnbindArgs { yes: true, .. }))
        ));
    }

    #[test]
    fn sandbox_takes_the_provider_options() {
        use clap::Parser;
        let cli = Cli::try_parse_from([
            "klutch-tui",
            "sandbox",
            "--provision-delay",
            "500ms",
            "--fail-rate",
            "0.1",
        ])
        .unwrap();
        let Some(Command::Sandbox(args)) = cli.command else {
            panic!("not the sandbox command")
        };
        assert_eq!(args.provision_delay, Duration::from_millis(500));
        assert_eq!(args.fail_rate, 0.1);
        let cli = Cli::try_parse_from(["klutch-tui", "sandbox"]).unwrap();
        let Some(Command::Sandbox(args)) = cli.command else {
            panic!("not the sandbox command")
        };
        assert_eq!(args.provision_delay, Duration::from_secs(3));
        assert_eq!(args.fail_rate, 0.0);
        let err = Cli::try_parse_from(["klutch-tui", "sandbox", "--fail-rate", "2"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("outside 0.0–1.0"), "{err}");
    }
}
