//! `klutch-tui` without a command: the cockpit. Sets up what it runs on — settings, logging,
//! the runtime, the cluster connections (or the embedded sandbox), the services and the
//! terminal — hands them to the TUI's main loop, and takes them down in order afterwards.

use super::embedded::EmbeddedSandbox;
use crate::cli::CockpitArgs;
use crate::cluster::kubeconfig::KubeconfigFailure;
use crate::cluster::{Connections, Level, Store};
use crate::config::{self, Paths};
use crate::logging::{self, LogError};
use crate::services;
use crate::tui::app::{self, Cockpit};
use crate::tui::settings;
use crate::tui::state::Access;
use crate::tui::terminal::TerminalGuard;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why the cockpit could not run.
#[derive(Debug, thiserror::Error)]
pub enum CockpitError {
    /// The clusters could not be set up from the kubeconfig.
    #[error(transparent)]
    Kubeconfig(#[from] KubeconfigFailure),
    /// Logging could not be set up.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The async runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] std::io::Error),
    /// The terminal failed.
    #[error("terminal error: {0}")]
    Terminal(#[source] std::io::Error),
    /// The embedded sandbox could not start.
    #[error("the sandbox could not start: {0}")]
    Sandbox(String),
    /// Standard input or output is not a terminal.
    #[error(
        "klutch-tui needs a terminal; for scripts use the get/apply/backup/restore commands (klutch-tui --help)"
    )]
    NoTerminal,
    /// A task panicked; the cockpit stopped rather than draw on a restored terminal.
    #[error("klutch-tui stopped after an internal error (a panic); the log file has the details")]
    Panicked,
}

/// Run the cockpit until the user quits. Logs go to the state directory.
pub fn run(args: CockpitArgs) -> anyhow::Result<ExitCode> {
    main(args)?;
    Ok(ExitCode::SUCCESS)
}

fn main(args: CockpitArgs) -> Result<(), CockpitError> {
    let started = Instant::now();
    // Before anything is started (an embedded sandbox would leave its directory behind).
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(CockpitError::NoTerminal);
    }
    let paths = Paths::discover();
    let _log = logging::init(&paths.state_dir)?;
    let runtime = super::runtime().map_err(CockpitError::Runtime)?;
    let result = runtime.block_on(cockpit(args, paths, started));
    runtime.shutdown_timeout(Duration::from_secs(1));
    if let Err(e) = &result {
        tracing::error!(error = %e, "cockpit failed");
    }
    result
}

async fn cockpit(args: CockpitArgs, paths: Paths, started: Instant) -> Result<(), CockpitError> {
    let no_color = std::env::var_os("NO_COLOR");
    let (file, problems) = config::read(&paths.config_file());
    let (app_default, cp_default) = (file.app_context.clone(), file.cp_context.clone());
    let settings = settings::from_file(
        file,
        problems,
        &paths.config_file(),
        &paths.themes_dir(),
        args.theme.as_deref(),
        no_color.as_deref(),
    );
    for problem in &settings.problems {
        tracing::warn!("{problem}");
    }
    let embedded = if args.sandbox {
        Some(EmbeddedSandbox::start(&paths.state_dir, &args).await?)
    } else {
        None
    };
    let contexts = (app_default, cp_default);
    let result = session(
        &args,
        &paths,
        settings,
        embedded.as_ref(),
        contexts,
        started,
    )
    .await;
    // Also when the session failed to start: the sandbox's directory goes with it.
    if let Some(sb) = embedded {
        sb.stop().await;
    }
    result
}

/// Connect, run the cockpit until it ends, and take the connections down again.
async fn session(
    args: &CockpitArgs,
    paths: &Paths,
    settings: settings::Settings,
    embedded: Option<&EmbeddedSandbox>,
    (app_default, cp_default): (Option<String>, Option<String>),
    started: Instant,
) -> Result<(), CockpitError> {
    let (kubeconfig, app_context, cp_context) = match embedded {
        Some(sb) => (
            Some(sb.kubeconfig()),
            Some(sandbox::APP_CONTEXT.to_string()),
            Some(sandbox::CONTROL_PLANE_CONTEXT.to_string()),
        ),
        None => (
            args.kubeconfig.clone(),
            args.app_context.clone().or(app_default),
            args.cp_context.clone().or(cp_default),
        ),
    };
    let connections = Connections::resolve(
        kubeconfig.as_deref(),
        app_context.as_deref(),
        cp_context.as_deref(),
    )
    .await?;
    let store = Store::new();
    store.update(|d| {
        let kubeconfig = kubeconfig
            .clone()
            .unwrap_or_else(|| "~/.kube/config (default)".into());
        d.set_about("kubeconfig", kubeconfig);
        for spec in &connections.specs {
            let what = format!("{} context", spec.id.label());
            d.set_about(what, format!("{} ({})", spec.context, spec.server));
        }
        d.set_about(
            "log file",
            logging::log_file(&paths.state_dir).display().to_string(),
        );
        d.set_about("config file", paths.config_file().display().to_string());
    });
    if let Some(sb) = embedded {
        // Where to point kubectl while the cockpit runs (the file goes when it stops).
        let text = format!(
            "sandbox kubeconfig: {} (contexts {}, {}; :info shows it again)",
            sb.kubeconfig(),
            sandbox::APP_CONTEXT,
            sandbox::CONTROL_PLANE_CONTEXT
        );
        store.update(|d| {
            d.set_about(
                "sandbox",
                format!(
                    "embedded; removed on exit. kubectl --kubeconfig {} --context {}",
                    sb.kubeconfig(),
                    sandbox::CONTROL_PLANE_CONTEXT
                ),
            );
            d.post(Level::Info, text)
        });
    }
    // The one konnector loop of this process: the sandbox's bind starts it, the wizard's
    // binds and `K` start and stop it, the Konnector view shows it.
    let konnector = services::konnector::local::Local::new(store.clone());
    if let Some(sb) = embedded
        && !args.unbound
    {
        bind_sandbox(sb, &konnector, paths, &store).await;
    }
    if !settings.problems.is_empty() {
        let text = settings.problems.join("; ");
        store.update(|d| d.post(Level::Error, text));
    }
    let clusters = Arc::new(connections.start(&store));
    let ctx = services::Context {
        store: store.clone(),
        clusters: clusters.clone(),
        bind: services::wizard::Setup {
            cache_dir: paths.cache_dir.clone(),
            default_url: embedded.map(EmbeddedSandbox::bind_url),
            konnector: Arc::new(konnector.clone()),
        },
        konnector,
    };
    let services::Started {
        services,
        replies,
        task: services_task,
    } = services::start(ctx.clone());
    if args.konnector {
        // The same request `K` makes; refused above together with --readonly.
        if let Err(e) = services.send(services::Effect::Konnector(
            services::KonnectorRequest::Start,
        )) {
            store.update(|d| d.post(Level::Error, format!("konnector: {e}")));
        }
    }
    let access = if args.readonly {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    let mut guard = TerminalGuard::enter().map_err(CockpitError::Terminal)?;
    let size = guard.terminal.size().map_err(CockpitError::Terminal)?;
    let mut cockpit = Cockpit::new(
        store,
        services,
        settings.theme,
        settings.keymap,
        (size.width, size.height),
        access,
    );
    let exit = app::run(&mut guard.terminal, &mut cockpit, replies, started).await;
    drop(guard);
    drop(cockpit);
    services_task.abort();
    // A loop running here gives its lease up before the clusters go.
    ctx.konnector.stop().await;
    drop(clusters);
    tracing::info!(?exit, "cockpit stopped");
    match exit {
        Ok(app::Exit::Panicked) => Err(CockpitError::Panicked),
        Ok(_) => Ok(()),
        Err(e) => Err(CockpitError::Terminal(e)),
    }
}

/// `--sandbox` starts bound: bind the embedded sandbox and say how it went.
async fn bind_sandbox(
    sb: &EmbeddedSandbox,
    konnector: &services::konnector::local::Local,
    paths: &Paths,
    store: &Store,
) {
    let t0 = Instant::now();
    let (level, text) = match sb.bind(Arc::new(konnector.clone()), paths).await {
        Ok(summary) => {
            let ms = t0.elapsed().as_millis();
            tracing::info!(elapsed_ms = ms, bound = ?summary.created, "sandbox bound");
            (
                Level::Info,
                format!(
                    "sandbox bound as developer: {} API(s) from {}, konnector running here ({ms} ms)",
                    summary.created.len() + summary.already_bound.len(),
                    summary.provider
                ),
            )
        }
        Err(e) => {
            tracing::warn!(error = %e, "binding the sandbox failed");
            (
                Level::Error,
                format!("the sandbox is not bound: {e:#}; bind it with B"),
            )
        }
    };
    store.update(|d| d.post(level, text));
}
