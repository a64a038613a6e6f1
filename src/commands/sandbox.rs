//! `klutch-tui sandbox`: run the sandbox in the foreground until Ctrl-C or SIGTERM.

use crate::cli::SandboxArgs;
use crate::config::Paths;
use anyhow::Context;
use std::io::Write;
use std::process::ExitCode;

/// Run the sandbox until Ctrl-C or SIGTERM; logs go to the state directory (or `--state-dir`).
pub fn run(args: SandboxArgs) -> anyhow::Result<ExitCode> {
    let log_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(|| Paths::discover().state_dir);
    let _guard = crate::logging::init(&log_dir)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

/// The sandbox's config from the command line, with default paths in the state directory.
pub fn config(args: &SandboxArgs) -> anyhow::Result<sandbox::SandboxConfig> {
    let bind_issuer = match &args.oidc_issuer {
        None => None,
        Some(url) => Some(external_issuer(url, args)?),
    };
    let base = args
        .state_dir
        .clone()
        .unwrap_or_else(|| Paths::discover().state_dir);
    Ok(sandbox::SandboxConfig {
        listen: args.listen,
        kubeconfig_out: args
            .kubeconfig_out
            .clone()
            .unwrap_or_else(|| base.join("sandbox-kubeconfig.yaml")),
        info_out: args
            .info_out
            .clone()
            .unwrap_or_else(|| base.join("sandbox-info.json")),
        state_dir: args.state_dir.clone(),
        users: args.users.clone(),
        provision_delay: args.provision_delay,
        fail_rate: args.fail_rate,
        bind_port: args.bind_port.unwrap_or(0),
        bind_issuer,
        // An installed konnector Deployment runs in-process, as a kubelet would run it.
        workloads: Some(std::sync::Arc::new(super::konnector::InProcessKonnector)),
        ..Default::default()
    })
}

/// The backend's client at an external issuer, from `--oidc-*`.
fn external_issuer(
    url: &str,
    args: &SandboxArgs,
) -> anyhow::Result<sandbox::backend::OidcClientConfig> {
    let parsed = url::Url::parse(url).with_context(|| {
        format!("--oidc-issuer {url:?} is not a URL (example: https://dex.example.com/dex)")
    })?;
    anyhow::ensure!(
        matches!(parsed.scheme(), "http" | "https"),
        "--oidc-issuer {url:?} must be an http or https URL"
    );
    let ca_pem = match &args.oidc_ca {
        None => None,
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the --oidc-ca file {}", path.display()))?,
        ),
    };
    let extra_audiences = if args.oidc_audiences.is_empty() {
        vec![sandbox::CLI_CLIENT_ID.to_owned()]
    } else {
        args.oidc_audiences.clone()
    };
    Ok(sandbox::backend::OidcClientConfig {
        issuer_url: url.to_owned(),
        client_id: args.oidc_client_id.clone(),
        client_secret: args.oidc_client_secret.clone(),
        extra_audiences,
        ca_pem,
    })
}

async fn serve(args: SandboxArgs) -> anyhow::Result<()> {
    let cfg = config(&args)?;
    let info_out = cfg.info_out.clone();
    let sb = sandbox::start(cfg)
        .await
        .context("starting the sandbox failed")?;
    let info = sb.info().clone();
    tracing::info!(app = %info.app_server, control_plane = %info.control_plane_server, "sandbox ready");
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "sandbox ready")?;
        out.flush()?;
    }
    eprintln!("App Cluster:            {}", info.app_server);
    eprintln!("Control Plane Cluster:  {}", info.control_plane_server);
    eprintln!("kubeconfig:             {}", info.kubeconfig.display());
    eprintln!("klutch-bind backend:    {}/export", info.bind_url);
    eprintln!("OIDC issuer:            {}", info.oidc_issuer);
    if let Some(user) = &info.username {
        eprintln!("  log in as {user} (password in {})", info_out.display());
    }
    eprintln!(
        "  kubectl --kubeconfig {} --context klutch-control-plane get crds",
        info.kubeconfig.display()
    );
    eprintln!("Stop with Ctrl-C.");
    wait_for_signal().await;
    tracing::info!("stopping the sandbox");
    sb.shutdown().await;
    Ok(())
}

/// Until Ctrl-C or SIGTERM.
pub(crate) async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
