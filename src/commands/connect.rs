//! What every headless command that talks to clusters sets up: logging to the state
//! directory, a small runtime, and the App Cluster (and Control Plane) clients chosen the way
//! the cockpit chooses them — `--kubeconfig`, `--app-context`, `--cp-context`, then the
//! config file's defaults, then the kubeconfig's current context.

use crate::cli::CockpitArgs;
use crate::cluster::kubeconfig::{self, KubeconfigFailure};
use crate::config::{self, Paths};
use crate::services::claims::Claims;
use kube::Client;
use std::future::Future;
use tracing_appender::non_blocking::WorkerGuard;

/// The clusters a headless command works on.
pub struct Clusters {
    /// The App Cluster.
    pub app: Client,
    /// The Control Plane, when `--cp-context` (or the config file) names one.
    pub cp: Option<Client>,
}

impl Clusters {
    /// The claims service on these clusters.
    pub fn claims(&self) -> Claims {
        Claims::new(self.app.clone(), self.cp.clone())
    }

    /// The client for objects that live on the Control Plane: the Control Plane's when one
    /// is connected, else the App Cluster's (which may be a Control Plane context).
    pub fn control_plane_or_app(&self) -> &Client {
        self.cp.as_ref().unwrap_or(&self.app)
    }

    /// `namespace`, else the App context's namespace.
    pub fn namespace(&self, namespace: Option<&str>) -> String {
        namespace
            .map(str::to_string)
            .unwrap_or_else(|| self.app.default_namespace().to_string())
    }
}

/// Build the clients from the command line and the config file.
pub async fn clusters(args: &CockpitArgs) -> Result<Clusters, KubeconfigFailure> {
    let paths = Paths::discover();
    let (file, _problems) = config::read(&paths.config_file());
    let app_context = args.app_context.clone().or(file.app_context);
    let cp_context = args.cp_context.clone().or(file.cp_context);
    let kc = kubeconfig::load(args.kubeconfig.as_deref())?;
    let app = kubeconfig::pick_context(&kc, app_context.as_deref())?;
    let (app_client, _) = kubeconfig::client(&kc, &app).await?;
    let cp = match cp_context {
        Some(cp) => {
            let cp = kubeconfig::pick_context(&kc, Some(&cp))?;
            Some(kubeconfig::client(&kc, &cp).await?.0)
        }
        None => None,
    };
    Ok(Clusters {
        app: app_client,
        cp,
    })
}

/// Run `work` on a one-thread runtime with logs going to the state directory; the guard
/// flushes the log when the command ends.
pub fn run<T>(work: impl Future<Output = anyhow::Result<T>>) -> anyhow::Result<T> {
    let _log: Option<WorkerGuard> = crate::logging::init(&Paths::discover().state_dir).ok();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(work)
}
